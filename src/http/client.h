/* client.h - a small JSON-over-HTTP client (libcurl + jansson) for the CLI
 * and the agents: one keep-alive connection per client, OpenStack headers.
 *
 * A client is not thread-safe: use one per thread. Tokens and request
 * bodies are never logged; with debug on, only the method, URL and status. */
#ifndef BASALT_HTTP_CLIENT_H
#define BASALT_HTTP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

struct http_client;

/* One request. Every pointer is borrowed for the duration of the call. */
struct http_call {
	const char *method;	   /* "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" */
	const char *url;	   /* absolute URL */
	const char *token;	   /* X-Auth-Token, or NULL */
	const char *subject_token; /* X-Subject-Token request header, or NULL */
	const json_t *body;	   /* sent as application/json, or NULL for none */
	const char *api_version;   /* OpenStack-API-Version header value, or NULL */
	/* A file sent as the body (application/octet-stream, streamed from
	 * disk), instead of body; NULL for none. */
	const char *upload_path;
};

/* What came back. Fill with http_call_result_free() when done. */
struct http_result {
	long status;	     /* HTTP status code */
	json_t *reply;	     /* owned: the JSON body, NULL when empty or not JSON */
	char *text;	     /* owned: the raw body, NUL-terminated ("" when empty) */
	char *subject_token; /* owned: X-Subject-Token response header, or NULL */
	char *request_id;    /* owned: X-Openstack-Request-Id response header, or NULL */
};

/* client.c */
/* Initialise libcurl once per process (call before any thread starts). */
int http_client_global_init(void);
void http_client_global_cleanup(void);
/* A new client, or NULL when out of memory. Free with http_client_free(). */
struct http_client *http_client_new(void);
void http_client_free(struct http_client *c);
/* Options, kept across calls. timeout_ms 0 means no limit. */
void http_client_set_timeout(struct http_client *c, long timeout_ms);
/* verify false disables TLS peer checks; cacert (copied) names a CA bundle or NULL. */
int http_client_set_tls(struct http_client *c, bool verify, const char *cacert);
/* Print one line per request and response (method, URL, status) to stderr. */
void http_client_set_debug(struct http_client *c, bool debug);

/* Perform call and fill res (zeroed first). Returns 0 when an HTTP response
 * arrived, whatever its status; -errno on transport failure (-ECONNREFUSED,
 * -ETIMEDOUT, -EHOSTUNREACH, -ENOMEM, -EIO...), leaving res empty. The
 * transport error text is available from http_client_error() until the next
 * call. */
int http_client_do(struct http_client *c, const struct http_call *call, struct http_result *res);
/* Release what res owns and zero it. */
void http_result_free(struct http_result *res);
/* Text of the last transport failure ("" when none). Borrowed. */
const char *http_client_error(const struct http_client *c);

/* Shorthand for http_client_do(): on success *status is set, *reply (when
 * non-NULL) receives the owned JSON body or NULL, *subject_token_out (when
 * non-NULL) the owned X-Subject-Token header or NULL. */
int http_client_call(struct http_client *c, const char *method, const char *url, const char *token,
		     const json_t *body, long *status, json_t **reply, char **subject_token_out);

/* URL-encode s for a query value. Returns an owned string or NULL (ENOMEM). */
char *http_url_escape(struct http_client *c, const char *s);

#endif
