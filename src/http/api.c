/* api.c - what handlers of every service share: the write transaction
 * and the parsing of {"key": {...}} request bodies. */
#include <errno.h>

#include "basalt.h"
#include "core/json.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

struct store *api_write_begin(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	int r;

	if (!st) {
		http_error_errno(res, -EIO, "store");
		return NULL;
	}
	r = store_begin_write(st);
	if (r < 0) {
		http_error_errno(res, r, "store");
		return NULL;
	}
	return st;
}

int api_write_end(struct http_response *res, struct store *st, int r, const char *what)
{
	if (r >= 0)
		r = store_commit(st);
	else
		store_rollback(st);
	if (r < 0) {
		/* A handler may have filled its own error already. */
		if (res->status < 400)
			http_error_errno(res, r, what);
		return -1;
	}
	return 0;
}

json_t *api_body_object(struct http_request *req, struct http_response *res, const char *key,
		    const struct jfield *fields, size_t nfields, json_t **inner)
{
	return api_body_object_with(req, res, key, fields, nfields, inner, NULL);
}

/* How many keys of body are among the NULL-terminated siblings. */
static size_t siblings_in(const json_t *body, const char *const *siblings)
{
	size_t n = 0;

	for (; siblings && *siblings; siblings++)
		n += json_object_get(body, *siblings) != NULL;
	return n;
}

json_t *api_body_object_with(struct http_request *req, struct http_response *res,
			     const char *key, const struct jfield *fields, size_t nfields,
			     json_t **inner, const char *const *siblings)
{
	json_t *body = http_body_json(req, res);
	char err[256];
	json_t *obj;

	if (!body)
		return NULL;
	obj = json_object_get(body, key);
	if (!json_is_object(body) || json_object_size(body) != 1 + siblings_in(body, siblings) ||
	    !json_is_object(obj)) {
		json_decref(body);
		http_error(res, 400, "Invalid input: the body must be {\"%s\": {...}}.", key);
		return NULL;
	}
	if (json_check(obj, fields, nfields, err, sizeof(err)) < 0) {
		json_decref(body);
		http_error(res, 400, "%s", err);
		return NULL;
	}
	*inner = obj;
	return body;
}
