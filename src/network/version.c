/* version.c - Neutron version discovery: GET /network (the versions) and
 * GET /network/v2.0 (the resources v2.0 serves). */
#include <stdio.h>

#include "core/util.h"
#include "http/http.h"
#include "network/handlers.h"

int h_net_versions(struct http_request *req, struct http_response *res)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/network/v2.0/", http_base_url(req));
	return http_reply(res, 200,
			  json_pack("{s:[{s:s,s:s,s:[{s:s,s:s}]}]}", "versions", "id", "v2.0",
				    "status", "CURRENT", "links", "href", url, "rel", "self"));
}

int h_net_version(struct http_request *req, struct http_response *res)
{
	/* Every collection this server answers, core and L3. */
	static const char *const resources[][2] = {
		{ "network", "networks" },	     { "subnet", "subnets" },
		{ "port", "ports" },		     { "router", "routers" },
		{ "floatingip", "floatingips" },     { "security_group", "security-groups" },
		{ "security_group_rule", "security-group-rules" },
		{ "quota", "quotas" },		     { "agent", "agents" },
	};
	json_t *list = json_array();
	char url[1024];

	for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
		snprintf(url, sizeof(url), "%s/network/v2.0/%s", http_base_url(req), resources[i][1]);
		json_array_append_new(list, json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "name",
						      resources[i][0], "collection", resources[i][1],
						      "links", "href", url, "rel", "self"));
	}
	return http_reply(res, 200, json_pack("{s:o}", "resources", list));
}
