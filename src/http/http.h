/* http.h - the API server: requests, responses, the routing table and the
 * dispatcher that applies authentication, policy and error bodies.
 *
 * http_dispatch() is independent of libmicrohttpd so that tests and the
 * fuzzer drive routing and handlers directly; server.c is the glue. */
#ifndef BASALT_HTTP_H
#define BASALT_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "identity/token.h"

struct basalt;

#define HTTP_MAX_QUERY	 32
#define HTTP_MAX_PARAMS	 4
#define HTTP_MAX_HEADERS 4

struct kv {
	const char *key;
	const char *value;
};

/* Which OpenStack service a route belongs to: decides the error body shape. */
enum service { SVC_IDENTITY };

/* Who may call a route. Readers never write: for write methods every rule
 * but POL_NONE, POL_TOKEN and POL_SELF_WRITE also needs member or admin. */
enum policy {
	POL_NONE,	      /* no token needed */
	POL_TOKEN,	      /* any valid token, any scope */
	POL_ADMIN,	      /* the admin role */
	POL_ADMIN_OR_SELF,    /* admin, or path {user_id} is the caller */
	POL_ADMIN_OR_PROJECT, /* admin, or path {project_id} is the token's project */
	POL_SELF_WRITE,	      /* path {user_id} is the caller (e.g. own password) */
};

struct http_request {
	struct basalt *b;
	const char *method; /* "HEAD" requests run the GET route, body dropped */
	const char *path;
	struct kv query[HTTP_MAX_QUERY];
	int nquery;
	const char *auth_token;	   /* X-Auth-Token */
	const char *subject_token; /* X-Subject-Token */
	const char *body;
	size_t body_len;
	const struct route *route;	     /* the matched route */
	const char *params[HTTP_MAX_PARAMS]; /* {placeholders} of the route, in order */
	int nparams;
	char pathbuf[1024]; /* params point here */
	bool has_token;
	char request_id[41];
	/* Last, so setup can clear everything before it cheaply. */
	struct token tok; /* the caller's validated token (when has_token) */
};

struct http_response {
	int status;
	json_t *body;	   /* owned; NULL for no body */
	char *raw;	   /* owned; pre-serialised JSON body, used instead of body */
	char message[512]; /* error message when status >= 400 and body is NULL */
	struct {
		const char *name;
		char *value; /* owned */
	} headers[HTTP_MAX_HEADERS];
	int nheaders;
};

typedef int (*http_handler)(struct http_request *req, struct http_response *res);

struct route {
	const char *rule; /* policy rule name, shown in 403 messages */
	const char *method;
	const char *path; /* template: "/v3/users/{user_id}" */
	http_handler handler;
	enum policy policy;
	enum service service;
};

/* dispatch.c */
/* Route req, authenticate, authorise, run the handler and fill res (an
 * error body in the service's shape when the handler failed). Always fills
 * res; the caller frees it with http_response_clear. */
void http_dispatch(struct http_request *req, struct http_response *res);
void http_response_clear(struct http_response *res);
/* Set an error status and message; returns -1 so handlers can
 * "return http_error(res, 404, ...)". */
int http_error(struct http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map a -errno from a lower layer to an HTTP error (what names the object). */
int http_error_errno(struct http_response *res, int err, const char *what);
/* Respond with status and body (ownership of body passes to res). */
int http_reply(struct http_response *res, int status, json_t *body);
/* Respond with status and a JSON text already serialised (ownership of
 * text passes to res). */
int http_reply_raw(struct http_response *res, int status, char *text);
/* Add a response header; value is copied. */
int http_header_add(struct http_response *res, const char *name, const char *value);
/* Value of the route placeholder {name}, or NULL. */
const char *http_param(const struct http_request *req, const char *name);
/* Value of query argument key, or NULL. */
const char *http_query(const struct http_request *req, const char *key);
/* Parse the JSON body; on failure fills a 400 and returns NULL. New ref. */
json_t *http_body_json(const struct http_request *req, struct http_response *res);
/* The public base URL (no trailing slash) for links. */
const char *http_base_url(const struct http_request *req);
/* True when the caller holds role name in its token. */
bool http_has_role(const struct http_request *req, const char *role);
bool http_is_admin(const struct http_request *req);

/* routes.c */
extern const struct route http_routes[];
extern const size_t http_routes_count;

/* server.c */
struct http_server;
int http_server_start(struct basalt *b, struct http_server **out);
void http_server_stop(struct http_server *srv);

#endif
