/* version.c - Nova version discovery (GET /compute and /compute/v2.1). */
#include <stdio.h>

#include "compute/compute.h"
#include "http/http.h"

static json_t *v21(const struct http_request *req)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/compute/v2.1/", http_base_url(req));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}", "id", "v2.1",
			 "status", "CURRENT", "version", compute_max_version, "min_version",
			 compute_min_version, "updated", "2013-07-23T11:33:21Z", "links", "rel",
			 "self", "href", url, "media-types", "base", "application/json", "type",
			 "application/vnd.openstack.compute+json;version=2.1");
}

int h_compute_versions(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, json_pack("{s:[o]}", "versions", v21(req)));
}

int h_compute_version(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, json_pack("{s:o}", "version", v21(req)));
}
