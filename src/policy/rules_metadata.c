/* rules_metadata.c - the metadata service needs no token: the network
 * node's proxy signs each request (HMAC), checked in metadata/handler.c. */
#include "core/util.h"
#include "policy/policy.h"

static const struct policy_rule rules[] = {
	{ "metadata:get", P_PUBLIC },
	{ "metadata:post", P_PUBLIC }, /* the guest's password (handler.c) */
};

const struct policy_table metadata_policy = { rules, ARRAY_SIZE(rules) };
