/* dashboard.c - serves the embedded dashboard files at /dashboard/.
 *
 * Every answer carries a strict Content-Security-Policy (scripts, styles
 * and connections only from this origin, no inline script, no framing), so
 * a string the API returns can never become code even if a page mishandled
 * it; the pages render API strings as text regardless. Files are sent
 * gzip-compressed to clients that accept it, and revalidated by ETag. */
#include <string.h>

#include "core/util.h"
#include "dashboard/dashboard.h"
#include "http/http.h"

#define CSP                                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "        \
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "             \
	"frame-ancestors 'none'"

bool dashboard_wanted(const struct http_request *req)
{
	return req->accept && strstr(req->accept, "text/html");
}

static const struct static_file *find(const char *name)
{
	for (int i = 0; i < dashboard_files_count; i++)
		if (strcmp(dashboard_files[i].name, name) == 0)
			return &dashboard_files[i];
	return NULL;
}

static bool accepts_gzip(const struct http_request *req)
{
	return req->accept_encoding && strstr(req->accept_encoding, "gzip");
}

static int serve(struct http_request *req, struct http_response *res, const char *name)
{
	const struct static_file *f = find(name);
	const char *inm = req->if_none_match;

	if (!f)
		return http_error(res, 404, "The dashboard has no file %.64s.", name);
	if (inm && strcmp(inm, f->etag) == 0) {
		http_reply_raw(res, 304, NULL);
	} else if (accepts_gzip(req)) {
		http_reply_static(res, 200, f->gz, f->gz_len, f->type);
		http_header_add(res, "Content-Encoding", "gzip");
	} else {
		http_reply_static(res, 200, f->data, f->len, f->type);
	}
	http_header_add(res, "ETag", f->etag);
	http_header_add(res, "Vary", "Accept-Encoding");
	http_header_add(res, "Cache-Control", "no-cache");
	http_header_add(res, "Content-Security-Policy", CSP);
	http_header_add(res, "X-Frame-Options", "DENY");
	http_header_add(res, "X-Content-Type-Options", "nosniff");
	http_header_add(res, "Referrer-Policy", "no-referrer");
	return 0;
}

/* "/dashboard" without its slash: relative links need the slash. */
static int h_dashboard_root(struct http_request *req, struct http_response *res)
{
	if (strcmp(req->path, "/dashboard/") == 0)
		return serve(req, res, "index.html");
	http_reply_raw(res, 302, NULL);
	return http_header_add(res, "Location", "/dashboard/");
}

static int h_dashboard_file(struct http_request *req, struct http_response *res)
{
	return serve(req, res, http_param(req, "file"));
}

static const struct route routes[] = {
	{ "dashboard:static", "GET", "/dashboard", h_dashboard_root, NULL },
	{ "dashboard:static", "GET", "/dashboard/{file}", h_dashboard_file, NULL },
};

const struct route_table dashboard_routes = { routes, ARRAY_SIZE(routes) };
