/* test_dp.c - the data plane's pure parts: which of dnsmasq's leases are
 * stale against the hosts we want (a deleted port's, an address given to
 * another MAC), and the lease file without them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp.h"

/* dnsmasq 2.90's lease file: IPv4 leases, then a duid line and a v6 one. */
static const char leases[] =
	"1796517543 fa:16:3e:00:00:01 10.0.0.5 vm-1 01:fa:16:3e:00:00:01\n"
	"1796517544 fa:16:3e:00:00:02 10.0.0.6 * *\n"
	"1796517545 FA:16:3E:00:00:03 10.0.0.7 vm-3 01:fa:16:3e:00:00:03\n"
	"duid 00:01:00:01:2c:00:00:00:fa:16:3e:00:00:09\n"
	"1796517546 1234 fd00::5 * 00:01:00:01\n";

static void nothing_stale(void **state)
{
	const struct dp_dhcp_host hosts[] = { { "fa:16:3e:00:00:01", "10.0.0.5", "vm-1" },
					      { "fa:16:3e:00:00:02", "10.0.0.6", NULL },
					      { "fa:16:3e:00:00:03", "10.0.0.7", "vm-3" } };
	struct dp_dhcp_lease *v = NULL;
	char *kept = NULL;
	size_t n = 1;

	(void)state;
	assert_int_equal(dp_dhcp_leases_stale(leases, hosts, 3, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(dp_dhcp_leases_filter(leases, hosts, 3, &kept), 0);
	assert_string_equal(kept, leases);
	free(kept);
}

/* Port 1 deleted, its address given to a new MAC; port 2 deleted; port 3
 * kept (MACs compare without case). */
static void deleted_and_reused(void **state)
{
	const struct dp_dhcp_host hosts[] = { { "fa:16:3e:00:00:0a", "10.0.0.5", "vm-4" },
					      { "fa:16:3e:00:00:03", "10.0.0.7", "vm-3" } };
	struct dp_dhcp_lease *v = NULL;
	char *kept = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dp_dhcp_leases_stale(leases, hosts, 2, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].mac, "fa:16:3e:00:00:01");
	assert_string_equal(v[0].ip, "10.0.0.5");
	assert_string_equal(v[0].client_id, "01:fa:16:3e:00:00:01");
	assert_string_equal(v[1].mac, "fa:16:3e:00:00:02");
	assert_string_equal(v[1].ip, "10.0.0.6");
	assert_string_equal(v[1].client_id, ""); /* "*": none */
	free(v);
	assert_int_equal(dp_dhcp_leases_filter(leases, hosts, 2, &kept), 0);
	assert_string_equal(kept, "1796517545 FA:16:3E:00:00:03 10.0.0.7 vm-3 01:fa:16:3e:00:00:03\n"
				  "duid 00:01:00:01:2c:00:00:00:fa:16:3e:00:00:09\n"
				  "1796517546 1234 fd00::5 * 00:01:00:01\n");
	free(kept);
}

/* The same MAC moved to another address: its old lease is stale too. */
static void address_changed(void **state)
{
	const struct dp_dhcp_host hosts[] = { { "fa:16:3e:00:00:01", "10.0.0.9", "vm-1" } };
	struct dp_dhcp_lease *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dp_dhcp_leases_stale("1 fa:16:3e:00:00:01 10.0.0.5 vm-1 *", hosts, 1, &v, &n),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].ip, "10.0.0.5");
	free(v);
}

/* Empty, absent, garbled and unterminated files: no stale lease from
 * junk, and the filter neither grows nor breaks them. */
static void odd_files(void **state)
{
	struct dp_dhcp_lease *v = NULL;
	char *kept = NULL;
	size_t n = 1;

	(void)state;
	assert_int_equal(dp_dhcp_leases_stale(NULL, NULL, 0, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(dp_dhcp_leases_stale("", NULL, 0, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(dp_dhcp_leases_stale("garbage\n\n1 zz:zz 10.0.0.1\n1 fa:16:3e:00:00:01 "
					      "10.0.0.300 x *\n",
					      NULL, 0, &v, &n),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(dp_dhcp_leases_filter("1 fa:16:3e:00:00:01 10.0.0.5 x *", NULL, 0, &kept), 0);
	assert_string_equal(kept, "");
	free(kept);
	assert_int_equal(dp_dhcp_leases_filter("duid 00:01\n\n", NULL, 0, &kept), 0);
	assert_string_equal(kept, "duid 00:01\n");
	free(kept);
	assert_int_equal(dp_dhcp_leases_filter(NULL, NULL, 0, &kept), 0);
	assert_string_equal(kept, "");
	free(kept);
}

/* Without dhcp_release or with bad names, nothing is run. */
static void release_refuses_bad_names(void **state)
{
	struct dp_dhcp_lease l = { "fa:16:3e:00:00:01", "10.0.0.5", "" };
	int r;

	(void)state;
	r = dp_dhcp_lease_release("bad/ns", "ns-x", &l);
	assert_true(r == -EINVAL || r == -ENOENT);
	r = dp_dhcp_lease_release("qdhcp-x", "a name that is far too long", &l);
	assert_true(r == -EINVAL || r == -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_stale),    cmocka_unit_test(deleted_and_reused),
		cmocka_unit_test(address_changed),  cmocka_unit_test(odd_files),
		cmocka_unit_test(release_refuses_bad_names),
	};
	return cmocka_run_group_tests_name("dp", tests, NULL, NULL);
}
