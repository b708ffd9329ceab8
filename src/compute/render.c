/* render.c - Nova's JSON shapes: links, times, one-row and list replies. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

void nova_next_link(const struct http_request *req, struct http_response *res, const char *key,
		    const char *path, int64_t limit, const char *marker_field)
{
	json_t *list = json_object_get(res->body, key);
	size_t n = json_array_size(list);
	const char *marker;
	char href[2048], links[64];

	if (res->status != 200 || n == 0 || n < (size_t)limit)
		return;
	marker = json_string_value(json_object_get(json_array_get(list, n - 1), marker_field));
	snprintf(href, sizeof(href), "%s/compute/v2.1/%s?limit=%lld&marker=%s", http_base_url(req),
		 path, (long long)limit, marker ? marker : "");
	snprintf(links, sizeof(links), "%s_links", key);
	json_object_set_new(res->body, links, json_pack("[{s:s,s:s}]", "rel", "next", "href", href));
}

json_t *nova_links(const struct http_request *req, const char *collection, const char *id)
{
	char self[1024], bookmark[1024];

	snprintf(self, sizeof(self), "%s/compute/v2.1/%s/%s", http_base_url(req), collection, id);
	snprintf(bookmark, sizeof(bookmark), "%s/compute/%s/%s", http_base_url(req), collection,
		 id);
	return json_pack("[{s:s,s:s},{s:s,s:s}]", "rel", "self", "href", self, "rel", "bookmark",
			 "href", bookmark);
}

json_t *nova_time(int64_t usec)
{
	char buf[32];

	if (usec <= 0)
		return json_null();
	time_format_iso_sec(usec, buf);
	return json_string(buf);
}

int nova_reply_list(struct http_request *req, struct http_response *res, const char *key,
		    nova_render_fn render, const char *sql, const char *fmt, ...)
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
	if (r < 0)
		return http_error_errno(res, r, key);
	return nova_reply_rows(req, res, key, render, q);
}

int nova_reply_rows(struct http_request *req, struct http_response *res, const char *key,
		    nova_render_fn render, struct store_stmt *q)
{
	json_t *items = json_array();
	int r;

	while ((r = store_next(q)) > 0)
		json_array_append_new(items, render(req, q));
	store_done(q);
	if (r < 0) {
		json_decref(items);
		return http_error_errno(res, r, key);
	}
	return http_reply(res, 200, json_pack("{s:o}", key, items));
}

int nova_reply_one(struct http_request *req, struct http_response *res, int status,
		   const char *key, nova_render_fn render, const char *what, const char *id,
		   const char *sql, const char *fmt, ...)
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
	if (r < 0)
		return http_error_errno(res, r, what);
	return nova_reply_first(req, res, status, key, render, what, id, q);
}

int nova_reply_first(struct http_request *req, struct http_response *res, int status,
		     const char *key, nova_render_fn render, const char *what, const char *id,
		     struct store_stmt *q)
{
	json_t *obj = NULL;
	int r = store_next(q);

	if (r > 0)
		obj = render(req, q);
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, what);
	if (r == 0)
		return http_error(res, 404, "%s %s could not be found.", what, id);
	return http_reply(res, status, json_pack("{s:o}", key, obj));
}

int nova_fail(struct nova_fault *f, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return err;
}

int nova_denied(struct nova_fault *f, const char *action)
{
	return nova_fail(f, -EPERM, "Policy doesn't allow %s to be performed.", action);
}

int nova_error(struct http_response *res, int r, const struct nova_fault *f, const char *what)
{
	int status = 0;

	switch (r) {
	case -EINVAL:
		status = 400;
		break;
	case -EPERM:
	case -EACCES:
	case -EDQUOT:
		status = 403;
		break;
	case -ENOENT:
		status = 404;
		break;
	case -EEXIST:
	case -EALREADY:
		status = 409;
		break;
	}
	if (status && f && f->msg[0])
		return http_error(res, status, "%s", f->msg);
	if (status == 403)
		return http_error(res, 403, "Policy doesn't allow this action on %s.", what);
	if (status == 400)
		return http_error(res, 400, "Invalid input for %s.", what);
	return http_error_errno(res, r, what);
}
