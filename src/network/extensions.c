/* extensions.c - GET /network/v2.0/extensions: the API extensions this
 * server implements, and only those (clients probe them to decide which
 * attributes to send and show). */
#include <string.h>

#include "core/util.h"
#include "http/http.h"
#include "network/handlers.h"

static const struct {
	const char *alias, *name, *description;
} extensions[] = {
	{ "agent", "agent", "The agent management extension." },
	{ "binding", "Port Binding", "Expose port bindings of a virtual port to external application" },
	{ "extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router" },
	{ "extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a router on server side by atomically adding/removing extra routes" },
	{ "external-net", "Neutron external network", "Adds external network attribute to network resource." },
	{ "filter-validation", "Filter parameters validation", "Provides validation on filter parameters." },
	{ "ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway" },
	{ "l3_agent_scheduler", "L3 Agent Scheduler", "Schedule routers among l3 agents" },
	{ "net-mtu", "Network MTU", "Provides MTU attribute for a network resource." },
	{ "net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource." },
	{ "port-security", "Port Security", "Provides port security" },
	{ "project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled." },
	{ "provider", "Provider Network", "Expose mapping of virtual networks to physical networks" },
	{ "quotas", "Quota management support", "Expose functions for quotas management per tenant" },
	{ "quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project" },
	{ "router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway." },
	{ "security-group", "security-group", "The security groups extension." },
	{ "standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes" },
	{ "standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources." },
	{ "standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes." },
	{ "pagination", "Pagination support", "Extension that indicates that pagination is enabled." },
	{ "sorting", "Sorting support", "Extension that indicates that sorting is enabled." },
};

static json_t *render(size_t i)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:[]}", "alias", extensions[i].alias, "name",
			 extensions[i].name, "description", extensions[i].description, "updated",
			 "2013-01-20T00:00:00-00:00", "links");
}

int h_net_extension_list(struct http_request *req, struct http_response *res)
{
	json_t *list = json_array();

	(void)req;
	for (size_t i = 0; i < ARRAY_SIZE(extensions); i++)
		json_array_append_new(list, render(i));
	return http_reply(res, 200, json_pack("{s:o}", "extensions", list));
}

int h_net_extension_get(struct http_request *req, struct http_response *res)
{
	const char *alias = http_param(req, "alias");

	for (size_t i = 0; i < ARRAY_SIZE(extensions); i++)
		if (strcmp(extensions[i].alias, alias) == 0)
			return http_reply(res, 200, json_pack("{s:o}", "extension", render(i)));
	return http_error(res, 404, "Extension with alias %s does not exist", alias);
}
