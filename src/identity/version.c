/* version.c - Keystone version discovery (GET / and GET /v3). */
#include <stdio.h>

#include "dashboard/dashboard.h"
#include "http/http.h"
#include "identity/identity.h"

static json_t *v3(const struct http_request *req)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/v3/", http_base_url(req));
	return json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}", "id", "v3.14", "status",
			 "stable", "updated", "2020-04-07T00:00:00Z", "links", "rel", "self",
			 "href", url, "media-types", "base", "application/json", "type",
			 "application/vnd.openstack.identity-v3+json");
}

/* Clients get Keystone's version list; a browser is sent to the dashboard. */
int h_versions(struct http_request *req, struct http_response *res)
{
	if (dashboard_wanted(req)) {
		http_reply_raw(res, 302, NULL);
		return http_header_add(res, "Location", "/dashboard/");
	}
	return http_reply(res, 300, json_pack("{s:{s:[o]}}", "versions", "values", v3(req)));
}

int h_version_v3(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, json_pack("{s:o}", "version", v3(req)));
}
