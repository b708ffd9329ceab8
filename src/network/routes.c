/* routes.c (network) - Neutron v2.0's core routes: versions, extensions,
 * networks, subnets, ports, quotas and agents. Routers, floating IPs and
 * security groups have their table in routes_l3.c. */
#include "core/util.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/l3.h"
#include "network/network.h"

#define N "/network/v2.0"
#define R(rule, method, path, handler) { rule, method, path, handler, NULL }

static const struct route routes[] = {
	R("network:versions", "GET", "/network", h_net_versions),
	R("network:version", "GET", N, h_net_version),
	R("get_extension", "GET", N "/extensions", h_net_extension_list),
	R("get_extension", "GET", N "/extensions/{alias}", h_net_extension_get),

	R("get_network", "GET", N "/networks", h_network_list),
	R("create_network", "POST", N "/networks", h_network_create),
	R("get_network", "GET", N "/networks/{network_id}", h_network_get),
	R("update_network", "PUT", N "/networks/{network_id}", h_network_update),
	R("delete_network", "DELETE", N "/networks/{network_id}", h_network_delete),

	R("get_subnet", "GET", N "/subnets", h_subnet_list),
	R("create_subnet", "POST", N "/subnets", h_subnet_create),
	R("get_subnet", "GET", N "/subnets/{subnet_id}", h_subnet_get),
	R("update_subnet", "PUT", N "/subnets/{subnet_id}", h_subnet_update),
	R("delete_subnet", "DELETE", N "/subnets/{subnet_id}", h_subnet_delete),

	R("get_port", "GET", N "/ports", h_port_list),
	R("create_port", "POST", N "/ports", h_port_create),
	R("get_port", "GET", N "/ports/{port_id}", h_port_get),
	R("update_port", "PUT", N "/ports/{port_id}", h_port_update),
	R("delete_port", "DELETE", N "/ports/{port_id}", h_port_delete),

	R("get_quotas", "GET", N "/quotas", h_net_quota_list),
	R("get_quota", "GET", N "/quotas/{project_id}", h_net_quota_get),
	R("get_quota", "GET", N "/quotas/{project_id}/details", h_net_quota_details),
	R("get_quota", "GET", N "/quotas/{project_id}/default", h_net_quota_default),
	R("update_quota", "PUT", N "/quotas/{project_id}", h_net_quota_update),
	R("delete_quota", "DELETE", N "/quotas/{project_id}", h_net_quota_delete),

	R("get_agent:list", "GET", N "/agents", h_net_agent_list),
	R("get_agent", "GET", N "/agents/{agent_id}", h_net_agent_get),
	R("get_l3-routers", "GET", N "/agents/{agent_id}/l3-routers", h_l3_agent_router_list),
	R("create_l3-router", "POST", N "/agents/{agent_id}/l3-routers", h_l3_agent_router_add),
	R("delete_l3-router", "DELETE", N "/agents/{agent_id}/l3-routers/{router_id}", h_l3_agent_router_remove),
	R("get_l3-agents", "GET", N "/routers/{id}/l3-agents", h_router_l3_agent_list),
};

const struct route_table network_routes = { routes, ARRAY_SIZE(routes) };
