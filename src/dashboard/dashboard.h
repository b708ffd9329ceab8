/* dashboard.h - the web dashboard: static files embedded in basaltd
 * (tools/embed-files from web/dashboard/) and served at /dashboard/.
 * The pages talk only to the public OpenStack APIs of the same origin with
 * the user's token, as any client would: nothing here reads the store. */
#ifndef BASALT_DASHBOARD_H
#define BASALT_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

struct http_request;
struct route_table;

struct static_file {
	const char *name; /* "app.js": no directories */
	const char *type; /* media type */
	const unsigned char *data;
	size_t len;
	const unsigned char *gz; /* the same, gzip-compressed */
	size_t gz_len;
	const char *etag; /* quoted, as sent */
};

/* The generated table (build/dashboard_files.c). */
extern const struct static_file dashboard_files[];
extern const int dashboard_files_count;

/* True when the request is a browser asking for a page (Accept names
 * text/html), not a client asking for JSON: "/" sends browsers here. */
bool dashboard_wanted(const struct http_request *req);

extern const struct route_table dashboard_routes;

#endif
