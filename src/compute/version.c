/* version.c - Nova version discovery (GET /compute, /compute/v2 and
 * /compute/v2.1). Nova lists its legacy v2.0 first (tempest checks that):
 * a SUPPORTED version without microversions whose document lives at
 * /compute/v2; Basalt serves only that document there, every resource
 * under /compute/v2.1. */
#include <stdio.h>

#include "compute/compute.h"
#include "http/http.h"

static json_t *version(const struct http_request *req, bool v21)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/compute/%s/", http_base_url(req), v21 ? "v2.1" : "v2");
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}", "id",
			 v21 ? "v2.1" : "v2.0", "status", v21 ? "CURRENT" : "SUPPORTED",
			 "version", v21 ? compute_max_version : "", "min_version",
			 v21 ? compute_min_version : "", "updated",
			 v21 ? "2013-07-23T11:33:21Z" : "2011-01-21T11:33:21Z", "links", "rel",
			 "self", "href", url, "media-types", "base", "application/json", "type",
			 v21 ? "application/vnd.openstack.compute+json;version=2.1"
			     : "application/vnd.openstack.compute+json;version=2");
}

int h_compute_versions(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200,
			  json_pack("{s:[o,o]}", "versions", version(req, false), version(req, true)));
}

int h_compute_version(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, json_pack("{s:o}", "version", version(req, true)));
}

int h_compute_version_v2(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, json_pack("{s:o}", "version", version(req, false)));
}
