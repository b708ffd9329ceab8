/* rules_dashboard.c - the dashboard's files are public: the pages hold no
 * data; what they show comes from the APIs with the user's own token. */
#include "core/util.h"
#include "policy/policy.h"

static const struct policy_rule rules[] = {
	{ "dashboard:static", P_PUBLIC },
};

const struct policy_table dashboard_policy = { rules, ARRAY_SIZE(rules) };
