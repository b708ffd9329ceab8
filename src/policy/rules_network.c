/* rules_network.c - Neutron's policy, one rule per action (OpenStack's
 * Zed defaults). Sorted by action: policy_selftest checks it. */
#include "core/util.h"
#include "policy/policy.h"

static const struct policy_rule rules[] = {
	{ "add_router_interface", P_ADMIN | P_MEMBER },
	{ "create_floatingip", P_ADMIN | P_MEMBER },
	{ "create_network", P_ADMIN | P_MEMBER },
	{ "create_port", P_ADMIN | P_MEMBER },
	{ "create_router", P_ADMIN | P_MEMBER },
	{ "create_security_group", P_ADMIN | P_MEMBER },
	{ "create_security_group_rule", P_ADMIN | P_MEMBER },
	{ "create_subnet", P_ADMIN | P_MEMBER },
	{ "delete_floatingip", P_ADMIN | P_MEMBER },
	{ "delete_network", P_ADMIN | P_MEMBER },
	{ "delete_port", P_ADMIN | P_MEMBER },
	{ "delete_quota", P_ADMIN },
	{ "delete_router", P_ADMIN | P_MEMBER },
	{ "delete_security_group", P_ADMIN | P_MEMBER },
	{ "delete_security_group_rule", P_ADMIN | P_MEMBER },
	{ "delete_subnet", P_ADMIN | P_MEMBER },
	{ "get_agent", P_ADMIN },
	{ "get_extension", P_ANY },
	{ "get_floatingip", P_ADMIN | P_READER },
	{ "get_network", P_ADMIN | P_READER },
	{ "get_port", P_ADMIN | P_READER },
	{ "get_quota", P_ADMIN | P_READER },
	/* The list of every project's quotas (Neutron answers it to admins only). */
	{ "get_quotas", P_ADMIN },
	{ "get_router", P_ADMIN | P_READER },
	{ "get_security_group", P_ADMIN | P_READER },
	{ "get_security_group_rule", P_ADMIN | P_READER },
	{ "get_subnet", P_ADMIN | P_READER },
	{ "network:version", P_PUBLIC },
	{ "network:versions", P_PUBLIC },
	{ "remove_router_interface", P_ADMIN | P_MEMBER },
	{ "update_floatingip", P_ADMIN | P_MEMBER },
	{ "update_network", P_ADMIN | P_MEMBER },
	{ "update_port", P_ADMIN | P_MEMBER },
	{ "update_quota", P_ADMIN },
	{ "update_router", P_ADMIN | P_MEMBER },
	{ "update_security_group", P_ADMIN | P_MEMBER },
	{ "update_subnet", P_ADMIN | P_MEMBER },
};

const struct policy_table network_policy = { rules, ARRAY_SIZE(rules) };
