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
#include <stdint.h>
#include <stdio.h>

#include "identity/token.h"
#include "policy/policy.h"

struct basalt;

#define HTTP_MAX_QUERY	 32
#define HTTP_MAX_PARAMS	 4
#define HTTP_MAX_HEADERS 12

struct kv {
	const char *key;
	const char *value;
};

/* The OpenStack service a path belongs to (by its prefix): decides the
 * shape of error bodies. */
enum service { SVC_IDENTITY, SVC_COMPUTE, SVC_IMAGE, SVC_NETWORK, SVC_PLACEMENT, SVC_METADATA };

struct http_request {
	struct basalt *b;
	const char *method; /* "HEAD" requests run the GET route, body dropped */
	const char *path;
	struct kv query[HTTP_MAX_QUERY];
	int nquery;
	const char *auth_token;	   /* X-Auth-Token */
	const char *subject_token; /* X-Subject-Token */
	const char *content_type;  /* Content-Type */
	const char *accept;	   /* Accept (browsers get the dashboard at /) */
	const char *accept_encoding; /* Accept-Encoding (the dashboard's gzip) */
	const char *if_none_match;   /* If-None-Match (the dashboard's ETags) */
	const char *api_version;   /* OpenStack-API-Version */
	const char *nova_version;  /* X-OpenStack-Nova-API-Version (legacy) */
	const char *forwarded_for; /* X-Forwarded-For (the metadata proxy's guest address) */
	const char *md_network_id; /* X-Basalt-Network-ID (metadata proxy) */
	const char *md_signature;  /* X-Basalt-Signature (metadata proxy) */
	const char *upgrade;	   /* Upgrade (websockets) */
	const char *ws_key;	   /* Sec-WebSocket-Key */
	const char *ws_protocol;   /* Sec-WebSocket-Protocol */
	const char *body;
	size_t body_len;
	const struct route *route;	     /* the matched route */
	const char *params[HTTP_MAX_PARAMS]; /* {placeholders} of the route, in order */
	int nparams;
	char pathbuf[1024]; /* params point here */
	bool has_token;
	struct caller caller; /* who calls, from tok (when has_token) */
	bool wait_expired; /* a waiting handler runs again: its time is up */
	int api_major, api_minor; /* negotiated microversion (services that have them) */
	char request_id[41];
	/* Last, so setup can clear everything before it cheaply. */
	struct token tok; /* the caller's validated token (when has_token) */
};

struct http_response {
	int status;
	json_t *body;	   /* owned; NULL for no body */
	char *raw;	   /* owned; pre-serialised JSON body, used instead of body */
	size_t raw_len;	   /* bytes of raw when it may hold NULs; 0: strlen(raw) */
	const void *static_body; /* not owned, lives as long as the program: the dashboard's files */
	size_t static_len;
	const char *content_type; /* of raw or file bodies; default application/json */
	/* HTTP_WAIT: hold the request until the store's revision moves past
	 * wait_revision or wait_until (usec) passes, then run the handler
	 * again (long polls). */
	int64_t wait_until, wait_revision;
	int file_fd;		  /* owned when has_file: the body is this file's bytes */
	uint64_t file_size;
	bool has_file;
	char message[512]; /* error message when status >= 400 and body is NULL */
	struct {
		const char *name;
		char *value; /* owned */
	} headers[HTTP_MAX_HEADERS];
	int nheaders;
	/* Status 101 (websockets): once the answer is sent, the connection
	 * is handed to upgrade with upgrade_arg: its socket, the bytes the
	 * client sent after its request, and urh, which it passes to
	 * http_upgrade_done (from any thread) when it is done with them. */
	void (*upgrade)(void *arg, int fd, const char *extra, size_t extra_len, void *urh);
	void *upgrade_arg;
};

typedef int (*http_handler)(struct http_request *req, struct http_response *res);

/* The status a handler leaves to wait (see http_response.wait_until). */
#define HTTP_WAIT 0

/* A route whose request body is streamed to it chunk by chunk instead of
 * being collected in memory (image uploads). begin runs once the request
 * is authorised; write gets each chunk; end runs exactly once, with err 0
 * when the whole body arrived or -errno when it did not (a failed write,
 * the client gone), and fills res. */
struct http_stream {
	int (*begin)(struct http_request *req, struct http_response *res, void **state);
	int (*write)(void *state, const char *data, size_t len);
	void (*end)(void *state, struct http_request *req, struct http_response *res, int err);
};

struct route {
	const char *rule; /* the policy action (policy/rules_*.c), shown in 403s */
	const char *method;
	const char *path; /* template: "/v3/users/{user_id}" */
	http_handler handler;
	const struct http_stream *stream; /* NULL: the body arrives whole */
};

struct route_table {
	const struct route *routes;
	size_t n;
};

/* dispatch.c */
/* Route req, authenticate, authorise, run the handler and fill res (an
 * error body in the service's shape when the handler failed). Always fills
 * res; the caller frees it with http_response_clear. Stream routes get the
 * whole body as one chunk. */
void http_dispatch(struct http_request *req, struct http_response *res);
/* The first half of http_dispatch, for servers that run the handler
 * themselves: clears res, finds the route, authenticates and authorises.
 * Returns the route, or NULL with the error in res (already finished). */
const struct route *http_prepare(struct http_request *req, struct http_response *res);
/* The last half: the error body in the service's shape, and the log line. */
void http_finish(struct http_request *req, struct http_response *res);
void http_response_clear(struct http_response *res);
/* Set an error status and message; returns -1 so handlers can
 * "return http_error(res, 404, ...)". */
int http_error(struct http_response *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map a -errno from a lower layer to an HTTP error (what names the object;
 * for -EPERM, a policy refusal, the action). */
int http_error_errno(struct http_response *res, int err, const char *what);
/* Respond with status and body (ownership of body passes to res). */
int http_reply(struct http_response *res, int status, json_t *body);
/* Respond with status and a JSON text already serialised (ownership of
 * text passes to res). */
int http_reply_raw(struct http_response *res, int status, char *text);
/* Respond with the bytes of the open file fd (size bytes from offset 0);
 * res owns fd from here on, whatever happens. */
int http_reply_file(struct http_response *res, int status, int fd, uint64_t size,
		    const char *content_type);
/* Respond with bytes that live as long as the program (embedded files):
 * sent without a copy. */
int http_reply_static(struct http_response *res, int status, const void *data, size_t len,
		      const char *content_type);
/* Hold the request (a long poll) until the store's revision passes
 * revision or until_usec; then the handler runs again. */
int http_wait(struct http_response *res, int64_t revision, int64_t until_usec);
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

/* Print every route of every table as "METHOD PATH ACTION" lines, in the
 * order they are matched (basaltd routes; the access matrix's listing). */
void http_routes_print(FILE *out);

/* The service the path belongs to, by its prefix. */
enum service service_of(const char *path);

/* server.c: an upgraded connection is finished with (closed). */
void http_upgrade_done(void *urh);

/* websocket.c - RFC 6455's server side, for the serial console proxy */
/* Sec-WebSocket-Accept for the client's Sec-WebSocket-Key: 0 or -EINVAL. */
int ws_accept_key(const char *key, char out[29]);
/* Relay between ws (a websocket client's socket; extra: what it sent
 * after its handshake) and raw until either side closes, or nothing
 * moves for idle_ms: client payloads to raw, raw's bytes to the client
 * as binary frames. A close frame goes to the client at the end. 0 or
 * -errno. Closes neither fd. */
int ws_relay(int ws, const char *extra, size_t extra_len, int raw, int idle_ms);
/* Send a close frame with code. */
void ws_close(int ws, int code);

/* microversion.c */
/* Read the requested microversion of services that have them (compute:
 * OpenStack-API-Version and the legacy X-OpenStack-Nova-API-Version),
 * store it in req and echo it in res's headers. Fills a 406 and returns
 * -1 for a version out of range or malformed. */
int microversion_negotiate(struct http_request *req, struct http_response *res, enum service svc);
/* True when the request's microversion is at least major.minor. */
bool microversion_at_least(const struct http_request *req, int major, int minor);
/* The range a service implements: "2.1" and "2.61" for compute. */
extern const char *const compute_min_version, *const compute_max_version;

/* routes.c: every service's table */
extern const struct route_table *const http_route_tables[];
extern const size_t http_route_tables_count;

/* server.c */
struct http_server;
int http_server_start(struct basalt *b, struct http_server **out);
void http_server_stop(struct http_server *srv);

#endif
