/* handler.c - what every identity handler shares: the write transaction,
 * body parsing, filters, and get-one / delete-one replies. */
#include <errno.h>

#include <stdarg.h>

#include "basalt.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"
#include "store/store.h"

int write_end(struct http_request *req, struct http_response *res, struct store *st, int r,
	      const char *what)
{
	if (api_write_end(res, st, r, what) < 0)
		return -1;
	identity_cache_invalidate(req->b);
	return 0;
}

int reply_get(struct http_request *req, struct http_response *res, const char *sql,
	      const char *param, const char *key, render_fn render)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, param);
	struct store_stmt *q = NULL;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q, sql, "s", id);
	return reply_row(req, res, 200, key, render, r, q, key, id);
}

int reply_delete(struct http_request *req, struct http_response *res, const char *sql,
		 const char *param, const char *what,
		 int (*after)(struct store *st, const char *id))
{
	const char *id = http_param(req, param);
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = store_exec(st, sql, "s", id);
	if (r == 0)
		r = http_error(res, 404, "Could not find %s: %s.", what, id);
	if (r == -ENOLINK)
		r = http_error(res, 409, "Cannot delete %s %s: it is still in use.", what, id);
	if (r > 0 && after)
		r = after(st, id);
	if (write_end(req, res, st, r, what) < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int query_bool(struct http_request *req, struct http_response *res, const char *name, int64_t *val,
	       int64_t **ptr)
{
	const char *v = http_query(req, name);
	int b;

	*ptr = NULL;
	if (!v)
		return 0;
	b = parse_bool(v);
	if (b < 0)
		return http_error(res, 400, "Invalid value for filter '%s': %s.", name, v);
	*val = b;
	*ptr = val;
	return 0;
}

int reply_list(struct http_request *req, struct http_response *res, const char *collection,
	       render_fn render, const char *sql, const char *fmt, ...)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q = NULL;
	va_list ap;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	va_start(ap, fmt);
	r = store_vquery(st, &q, sql, fmt, ap);
	va_end(ap);
	return reply_rows(req, res, collection, render, r, q);
}
