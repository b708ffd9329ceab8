/* test_natrules.c - a router's NAT table text: the rules each case asks
 * for, in the order that makes floating IPs win over the general SNAT,
 * and refusal of anything that is not an address. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "agent/netnode.h"

static const char *const cidrs[] = { "10.0.0.0/24", "10.0.1.0/24" };
static const struct nat_fip fips[] = { { "203.0.113.20", "10.0.0.5" } };

/* The position of needle in text, failing the test when absent. */
static size_t at(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	if (!p)
		fail_msg("missing \"%s\" in:\n%s", needle, text);
	return (size_t)(p - text);
}

static void full_router(void **state)
{
	struct nat_router r = { .gw_dev = "qg-1234567890a", .gw_ip = "203.0.113.10", .snat = true,
				.cidrs = cidrs, .ncidrs = 2, .fips = fips, .nfips = 1 };
	char *t = NULL;

	assert_int_equal(nat_rules_build(&r, &t), 0);
	size_t dnat = at(t, "\tip daddr 203.0.113.20 dnat to 10.0.0.5\n");
	size_t post = at(t, "type nat hook postrouting priority srcnat;");
	size_t hair = at(t, "ip saddr { 10.0.0.0/24, 10.0.1.0/24 } ct status dnat snat to "
			    "203.0.113.10\n");
	size_t east = at(t, "ip saddr { 10.0.0.0/24, 10.0.1.0/24 } ip daddr { 10.0.0.0/24, "
			    "10.0.1.0/24 } accept\n");
	size_t fsnat = at(t, "oifname \"qg-1234567890a\" ip saddr 10.0.0.5 snat to 203.0.113.20\n");
	size_t snat = at(t, "oifname \"qg-1234567890a\" ip saddr { 10.0.0.0/24, 10.0.1.0/24 } "
			    "snat to 203.0.113.10\n");
	assert_true(at(t, "type nat hook prerouting priority dstnat;") < dnat);
	assert_true(dnat < post);
	assert_true(post < hair && hair < east && east < fsnat && fsnat < snat);
	free(t);
}

static void snat_disabled(void **state)
{
	struct nat_router r = { .gw_dev = "qg-x", .gw_ip = "203.0.113.10", .snat = false,
				.cidrs = cidrs, .ncidrs = 1 };
	char *t = NULL;

	assert_int_equal(nat_rules_build(&r, &t), 0);
	assert_null(strstr(t, "snat to"));
	assert_null(strstr(t, "dnat to"));
	at(t, "ip saddr { 10.0.0.0/24 } ip daddr { 10.0.0.0/24 } accept");
	free(t);
}

static void no_gateway(void **state)
{
	struct nat_router r = { .snat = true, .cidrs = cidrs, .ncidrs = 2, .fips = fips,
				.nfips = 1 };
	char *t = NULL;

	assert_int_equal(nat_rules_build(&r, &t), 0);
	/* Chains exist (the table is always whole) but nothing is NATed. */
	at(t, "chain prerouting {");
	at(t, "chain postrouting {");
	assert_null(strstr(t, "nat to"));
	free(t);
}

static void empty_router(void **state)
{
	struct nat_router r = { .gw_dev = "qg-x", .gw_ip = "203.0.113.10", .snat = true };
	char *t = NULL;

	assert_int_equal(nat_rules_build(&r, &t), 0);
	/* An empty set is a syntax error in nft: no rule may name one. */
	assert_null(strstr(t, "{  }"));
	assert_null(strstr(t, "saddr"));
	free(t);
}

static void rejects_injection(void **state)
{
	static const char *const bad_cidrs[][1] = { { "10.0.0.0/24 } accept; #" },
						     { "10.0.0.0/33" },
						     { "10.0.0.0/" },
						     { "10.0.0/24" } };
	static const struct nat_fip bad_fip[] = { { "203.0.113.20", "10.0.0.5; flush ruleset" } };
	char *t = NULL;

	for (size_t i = 0; i < sizeof(bad_cidrs) / sizeof(bad_cidrs[0]); i++) {
		struct nat_router r = { .gw_dev = "qg-x", .gw_ip = "203.0.113.10",
					.cidrs = bad_cidrs[i], .ncidrs = 1 };
		assert_int_equal(nat_rules_build(&r, &t), -EINVAL);
		assert_null(t);
	}
	struct nat_router r = { .gw_dev = "qg-x", .gw_ip = "203.0.113.10", .fips = bad_fip,
				.nfips = 1 };
	assert_int_equal(nat_rules_build(&r, &t), -EINVAL);
	r = (struct nat_router){ .gw_dev = "qg\"x", .gw_ip = "203.0.113.10" };
	assert_int_equal(nat_rules_build(&r, &t), -EINVAL);
	r = (struct nat_router){ .gw_dev = "qg-x", .gw_ip = "203.0.113.300" };
	assert_int_equal(nat_rules_build(&r, &t), -EINVAL);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_router),	     cmocka_unit_test(snat_disabled),
		cmocka_unit_test(no_gateway),	     cmocka_unit_test(empty_router),
		cmocka_unit_test(rejects_injection),
	};
	return cmocka_run_group_tests_name("natrules", tests, NULL, NULL);
}
