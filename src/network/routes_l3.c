/* routes_l3.c - Neutron's routes for security groups, routers and
 * floating IPs (the rest of /network/v2.0 is in routes.c). */
#include "core/util.h"
#include "http/http.h"
#include "network/l3.h"
#include "network/network.h"

#define N "/network/v2.0"
#define R(rule, method, path, handler) { rule, method, path, handler, NULL }

static const struct route routes[] = {
	R("get_security_group", "GET", N "/security-groups", h_secgroup_list),
	R("create_security_group", "POST", N "/security-groups", h_secgroup_create),
	R("get_security_group", "GET", N "/security-groups/{id}", h_secgroup_get),
	R("update_security_group", "PUT", N "/security-groups/{id}", h_secgroup_update),
	R("delete_security_group", "DELETE", N "/security-groups/{id}", h_secgroup_delete),
	R("get_security_group_rule", "GET", N "/security-group-rules", h_sgrule_list),
	R("create_security_group_rule", "POST", N "/security-group-rules", h_sgrule_create),
	R("get_security_group_rule", "GET", N "/security-group-rules/{id}", h_sgrule_get),
	R("delete_security_group_rule", "DELETE", N "/security-group-rules/{id}", h_sgrule_delete),

	R("get_router", "GET", N "/routers", h_router_list),
	R("create_router", "POST", N "/routers", h_router_create),
	R("get_router", "GET", N "/routers/{id}", h_router_get),
	R("update_router", "PUT", N "/routers/{id}", h_router_update),
	R("delete_router", "DELETE", N "/routers/{id}", h_router_delete),
	R("add_router_interface", "PUT", N "/routers/{id}/add_router_interface", h_router_add_interface),
	R("remove_router_interface", "PUT", N "/routers/{id}/remove_router_interface", h_router_remove_interface),
	R("add_extraroutes", "PUT", N "/routers/{id}/add_extraroutes", h_router_add_extraroutes),
	R("remove_extraroutes", "PUT", N "/routers/{id}/remove_extraroutes", h_router_remove_extraroutes),

	R("get_floatingip", "GET", N "/floatingips", h_fip_list),
	R("create_floatingip", "POST", N "/floatingips", h_fip_create),
	R("get_floatingip", "GET", N "/floatingips/{id}", h_fip_get),
	R("update_floatingip", "PUT", N "/floatingips/{id}", h_fip_update),
	R("delete_floatingip", "DELETE", N "/floatingips/{id}", h_fip_delete),
};

const struct route_table network_l3_routes = { routes, ARRAY_SIZE(routes) };
