/* rules_network.c - Neutron's policy, one rule per action (OpenStack's
 * Zed defaults, neutron/conf/policies/). Sorted by action: policy_selftest
 * checks it.
 *
 * Attribute rules ("create_port:mac_address") apply when the request sets
 * the attribute; the domain code checks them against the resource it
 * loaded (its project, its network's project, whether that network is
 * shared). "create_port:device_owner" applies to network:* owners only
 * (Neutron's "not rule:network_device or ..."). */
#include "core/util.h"
#include "policy/policy.h"

/* Neutron's rule names for the checks. */
#define ADMIN_OR_OWNER (P_ADMIN | P_MEMBER)
#define ADMIN_OR_NET_OWNER (P_ADMIN | P_NET_OWNER)
#define ADMIN_OR_READER (P_ADMIN | P_READER)

static const struct policy_rule rules[] = {
	{ "add_extraroutes", ADMIN_OR_OWNER },
	{ "add_router_interface", ADMIN_OR_OWNER },
	{ "create_floatingip", ADMIN_OR_OWNER },
	{ "create_floatingip:floating_ip_address", P_ADMIN },
	{ "create_l3-router", P_ADMIN },
	{ "create_network", ADMIN_OR_OWNER },
	{ "create_network:provider:network_type", P_ADMIN },
	{ "create_network:provider:physical_network", P_ADMIN },
	{ "create_network:provider:segmentation_id", P_ADMIN },
	{ "create_network:router:external", P_ADMIN },
	{ "create_network:shared", P_ADMIN },
	{ "create_port", ADMIN_OR_OWNER },
	{ "create_port:allowed_address_pairs", ADMIN_OR_NET_OWNER },
	{ "create_port:binding:host_id", P_ADMIN },
	{ "create_port:binding:profile", P_ADMIN },
	{ "create_port:binding:vnic_type", ADMIN_OR_OWNER },
	{ "create_port:device_owner", ADMIN_OR_NET_OWNER },
	/* fixed_ips naming only subnets: also on shared networks. */
	{ "create_port:fixed_ips", ADMIN_OR_NET_OWNER | P_SHARED },
	{ "create_port:fixed_ips:ip_address", ADMIN_OR_NET_OWNER },
	{ "create_port:mac_address", ADMIN_OR_NET_OWNER },
	{ "create_port:port_security_enabled", ADMIN_OR_NET_OWNER },
	{ "create_router", ADMIN_OR_OWNER },
	{ "create_router:distributed", P_ADMIN },
	{ "create_router:external_gateway_info:enable_snat", P_ADMIN },
	{ "create_router:external_gateway_info:external_fixed_ips", P_ADMIN },
	{ "create_router:ha", P_ADMIN },
	{ "create_security_group", ADMIN_OR_OWNER },
	{ "create_security_group_rule", ADMIN_OR_OWNER },
	/* Its target is the network: the network's owner adds subnets. */
	{ "create_subnet", ADMIN_OR_OWNER },
	{ "delete_floatingip", ADMIN_OR_OWNER },
	{ "delete_l3-router", P_ADMIN },
	{ "delete_network", ADMIN_OR_OWNER },
	{ "delete_port", ADMIN_OR_OWNER | P_NET_OWNER },
	{ "delete_quota", P_ADMIN },
	{ "delete_router", ADMIN_OR_OWNER },
	{ "delete_security_group", ADMIN_OR_OWNER },
	/* Neutron's is_admin check on deleting a "default" group. */
	{ "delete_security_group:default", P_ADMIN },
	{ "delete_security_group_rule", ADMIN_OR_OWNER },
	{ "delete_subnet", ADMIN_OR_OWNER },
	{ "get_agent", P_ADMIN },
	/* The agents' list: anyone may ask; each agent is get_agent's, so a
	 * caller who may see none gets [] (Neutron filters a list by the
	 * item's rule, it does not refuse it). */
	{ "get_agent:list", P_ANY },
	{ "get_extension", P_ANY },
	{ "get_floatingip", ADMIN_OR_READER },
	{ "get_l3-agents", P_ADMIN },
	{ "get_l3-routers", P_ADMIN },
	/* Shared and external networks: every project sees them. */
	{ "get_network", ADMIN_OR_READER | P_SHARED },
	{ "get_network:provider:network_type", P_ADMIN },
	{ "get_network:provider:physical_network", P_ADMIN },
	{ "get_network:provider:segmentation_id", P_ADMIN },
	{ "get_port", ADMIN_OR_READER | P_NET_OWNER },
	{ "get_port:binding:host_id", P_ADMIN },
	{ "get_port:binding:profile", P_ADMIN },
	{ "get_port:binding:vif_details", P_ADMIN },
	{ "get_port:binding:vif_type", P_ADMIN },
	{ "get_quota", ADMIN_OR_READER },
	/* The list of every project's quotas (Neutron answers it to admins only). */
	{ "get_quotas", P_ADMIN },
	{ "get_router", ADMIN_OR_READER },
	{ "get_router:distributed", P_ADMIN },
	{ "get_router:ha", P_ADMIN },
	{ "get_security_group", ADMIN_OR_READER },
	{ "get_security_group_rule", ADMIN_OR_READER },
	/* Subnets of shared networks, and of the caller's networks. */
	{ "get_subnet", ADMIN_OR_READER | P_NET_OWNER | P_SHARED },
	{ "network:version", P_PUBLIC },
	{ "network:versions", P_PUBLIC },
	{ "remove_extraroutes", ADMIN_OR_OWNER },
	{ "remove_router_interface", ADMIN_OR_OWNER },
	{ "update_floatingip", ADMIN_OR_OWNER },
	{ "update_network", ADMIN_OR_OWNER },
	{ "update_network:router:external", P_ADMIN },
	{ "update_network:shared", P_ADMIN },
	{ "update_port", ADMIN_OR_OWNER },
	{ "update_port:allowed_address_pairs", ADMIN_OR_NET_OWNER },
	{ "update_port:binding:host_id", P_ADMIN },
	{ "update_port:binding:profile", P_ADMIN },
	{ "update_port:binding:vnic_type", ADMIN_OR_OWNER },
	{ "update_port:device_owner", ADMIN_OR_NET_OWNER },
	{ "update_port:fixed_ips", ADMIN_OR_NET_OWNER | P_SHARED },
	{ "update_port:fixed_ips:ip_address", ADMIN_OR_NET_OWNER },
	{ "update_port:mac_address", ADMIN_OR_NET_OWNER },
	{ "update_port:port_security_enabled", ADMIN_OR_NET_OWNER },
	{ "update_quota", P_ADMIN },
	{ "update_router", ADMIN_OR_OWNER },
	{ "update_router:distributed", P_ADMIN },
	{ "update_router:external_gateway_info:enable_snat", P_ADMIN },
	{ "update_router:external_gateway_info:external_fixed_ips", P_ADMIN },
	{ "update_router:ha", P_ADMIN },
	{ "update_security_group", ADMIN_OR_OWNER },
	{ "update_subnet", ADMIN_OR_OWNER },
};

const struct policy_table network_policy = { rules, ARRAY_SIZE(rules) };
