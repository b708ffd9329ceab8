/* api.h - helpers every service's handlers share. */
#ifndef BASALT_API_H
#define BASALT_API_H

#include <jansson.h>
#include <stddef.h>

struct http_request;
struct http_response;
struct jfield;
struct store;

/* api.c */
/* Open a write transaction on this thread's store; NULL with res filled
 * on failure. */
struct store *api_write_begin(struct http_request *req, struct http_response *res);
/* Commit when r >= 0, else roll back; on failure fill res (unless the
 * handler already did, when r carries its own error) and return -1. */
int api_write_end(struct http_response *res, struct store *st, int r, const char *what);
/* Parse {"key": {...}} and check the inner object against fields. Returns
 * the whole body (the caller owns it) with *inner borrowed from it, or
 * NULL with a 400 in res. */
json_t *api_body_object(struct http_request *req, struct http_response *res, const char *key,
			const struct jfield *fields, size_t nfields, json_t **inner);
/* The same, where the body may also hold the top-level keys of the
 * NULL-terminated siblings (left for the caller to check). */
json_t *api_body_object_with(struct http_request *req, struct http_response *res,
			     const char *key, const struct jfield *fields, size_t nfields,
			     json_t **inner, const char *const *siblings);

#endif
