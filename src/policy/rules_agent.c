/* rules_agent.c - the policy of the agents' API: the agents' service user
 * holds admin, as Nova's and Neutron's service users do. Sorted by action:
 * policy_selftest checks it. */
#include "core/util.h"
#include "policy/policy.h"

static const struct policy_rule rules[] = {
	{ "agent:console", P_ADMIN },
	{ "agent:desired", P_ADMIN },
	{ "agent:heartbeat", P_ADMIN },
	{ "agent:register", P_ADMIN },
	{ "agent:report", P_ADMIN },
};

const struct policy_table agent_policy = { rules, ARRAY_SIZE(rules) };
