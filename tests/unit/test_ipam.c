/* test_ipam.c - IPv4 parsing and prefix arithmetic, and address hand-out
 * against a real (temporary) store: lowest free first, explicit
 * addresses, exhaustion, and no address handed out twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network.h"
#include "store/store.h"

static char dir[] = "/tmp/basalt-unit-ipam.XXXXXX";
static char url[256];

static void parse_format(void **state)
{
	uint32_t a;
	char buf[16];

	(void)state;
	assert_int_equal(ip4_parse("10.1.2.3", &a), 0);
	assert_true(a == 0x0a010203u);
	ip4_format(a, buf);
	assert_string_equal(buf, "10.1.2.3");
	assert_int_equal(ip4_parse("255.255.255.255", &a), 0);
	assert_true(a == 0xffffffffu);
	assert_int_equal(ip4_parse("256.1.1.1", &a), -EINVAL);
	assert_int_equal(ip4_parse("1.2.3", &a), -EINVAL);
	assert_int_equal(ip4_parse("1.2.3.4.5", &a), -EINVAL);
	assert_int_equal(ip4_parse("01.2.3.4", &a), -EINVAL);
	assert_int_equal(ip4_parse("1.2.3.4 ", &a), -EINVAL);
	assert_int_equal(ip4_parse("", &a), -EINVAL);
	assert_int_equal(ip4_parse("a.b.c.d", &a), -EINVAL);
}

static void cidr_parse_contains_overlap(void **state)
{
	struct cidr4 c, d;

	(void)state;
	assert_int_equal(cidr4_parse("10.0.0.0/24", false, &c), 0);
	assert_true(c.addr == 0x0a000000u && c.len == 24);
	assert_int_equal(cidr4_parse("10.0.0.1/24", false, &c), -EINVAL); /* host bits */
	assert_int_equal(cidr4_parse("10.0.0.1/24", true, &c), 0);
	assert_true(c.addr == 0x0a000000u);
	assert_int_equal(cidr4_parse("10.0.0.0/33", false, &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0", false, &c), -EINVAL);
	assert_int_equal(cidr4_parse("10.0.0.0/", false, &c), -EINVAL);
	assert_int_equal(cidr4_parse("0.0.0.0/0", false, &c), 0);
	assert_int_equal(cidr4_parse("192.0.2.0/24", false, &c), 0);
	assert_true(cidr4_contains(&c, 0xc0000201u));
	assert_true(cidr4_contains(&c, 0xc00002ffu));
	assert_false(cidr4_contains(&c, 0xc0000301u));
	assert_int_equal(cidr4_parse("192.0.2.128/25", false, &d), 0);
	assert_true(cidr4_overlap(&c, &d));
	assert_true(cidr4_overlap(&d, &c));
	assert_int_equal(cidr4_parse("192.0.3.0/24", false, &d), 0);
	assert_false(cidr4_overlap(&c, &d));
	assert_int_equal(cidr4_parse("0.0.0.0/0", false, &d), 0);
	assert_true(cidr4_overlap(&c, &d));
}

/* A network with one 192.0.2.0/29 subnet (pool .2-.6, gateway .1) and a
 * port to hang addresses on. */
static struct store *fixture(void)
{
	struct store *st;

	assert_int_equal(store_open(url, 1000, &st), 0);
	assert_int_equal(store_migrate(st), 0);
	assert_int_equal(store_begin_write(st), 0);
	assert_true(store_exec(st, "DELETE FROM ip_allocation", "") >= 0);
	assert_true(store_exec(st, "DELETE FROM port", "") >= 0);
	assert_true(store_exec(st, "DELETE FROM subnet", "") >= 0);
	assert_true(store_exec(st, "DELETE FROM network", "") >= 0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO network (id, project_id, network_type, segment_key, mtu,"
				    " created_at, updated_at, revision) VALUES ('n1', 'p', 'vxlan',"
				    " 'vxlan:1', 1450, 1, 1, 1)", ""), 1);
	assert_int_equal(store_exec(st,
				    "INSERT INTO subnet (id, network_id, project_id, ip_version, cidr,"
				    " gateway_ip, allocation_pools, created_at, updated_at, revision)"
				    " VALUES ('s1', 'n1', 'p', 4, '192.0.2.0/29', '192.0.2.1',"
				    " '[{\"start\": \"192.0.2.2\", \"end\": \"192.0.2.6\"}]', 1, 1, 1)", ""), 1);
	for (int i = 1; i <= 3; i++) {
		char id[8], mac[24];
		snprintf(id, sizeof(id), "p%d", i);
		snprintf(mac, sizeof(mac), "fa:16:3e:00:00:0%d", i);
		assert_int_equal(store_exec(st,
					    "INSERT INTO port (id, network_id, project_id, mac_address,"
					    " created_at, updated_at, revision) VALUES (?, 'n1', 'p', ?, 1, 1, 1)",
					    "ss", id, mac), 1);
	}
	return st;
}

static void allocate_lowest_and_exhaust(void **state)
{
	struct store *st = fixture();
	char ip[16];

	(void)state;
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p1", NULL, ip), 0);
	assert_string_equal(ip, "192.0.2.2");
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p1", "192.0.2.4", ip), 0);
	assert_string_equal(ip, "192.0.2.4");
	/* .4 is taken: the next free ones are .3, .5, .6, then none. */
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p2", NULL, ip), 0);
	assert_string_equal(ip, "192.0.2.3");
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p2", NULL, ip), 0);
	assert_string_equal(ip, "192.0.2.5");
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p3", NULL, ip), 0);
	assert_string_equal(ip, "192.0.2.6");
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p3", NULL, ip), -ENOSPC);
	/* Outside the pools but inside the CIDR may be asked for (a router
	 * port on the gateway); the network and broadcast addresses may not. */
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p3", "192.0.2.1", ip), 0);
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p3", "192.0.2.0", ip), -ERANGE);
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p3", "192.0.2.7", ip), -ERANGE);
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p3", "192.0.3.2", ip), -ERANGE);
	assert_int_equal(ipam_allocate(st, "nope", "n1", "p3", NULL, ip), -ENOENT);
	assert_int_equal(ipam_allocate(st, "s1", "other-net", "p3", NULL, ip), -ENOENT);
	store_rollback(st);
	store_close(st);
}

static void no_double_hand_out(void **state)
{
	struct store *st = fixture();
	struct store_stmt *q;
	char ip[16];

	(void)state;
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p1", "192.0.2.3", ip), 0);
	/* Asked for again, by any port: refused by the key. */
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p2", "192.0.2.3", ip), -EEXIST);
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p1", "192.0.2.3", ip), -EEXIST);
	/* Every automatic hand-out is distinct and skips the taken one. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(ipam_allocate(st, "s1", "n1", "p2", NULL, ip), 0);
	assert_int_equal(ipam_allocate(st, "s1", "n1", "p2", NULL, ip), -ENOSPC);
	assert_int_equal(store_query(st, &q, "SELECT count(*), count(DISTINCT ip_address) FROM ip_allocation", ""), 0);
	assert_int_equal(store_next(q), 1);
	assert_int_equal(store_int(q, 0), 5);
	assert_int_equal(store_int(q, 1), 5);
	store_done(q);
	store_rollback(st);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_format),
		cmocka_unit_test(cidr_parse_contains_overlap),
		cmocka_unit_test(allocate_lowest_and_exhaust),
		cmocka_unit_test(no_double_hand_out),
	};
	char cmd[128];
	int r;

	if (!mkdtemp(dir))
		return 1;
	/* BASALT_TEST_DB_URL: an empty database of another back end
	 * (tests/pg/unit_store.sh gives a PostgreSQL one). */
	if (getenv("BASALT_TEST_DB_URL"))
		snprintf(url, sizeof(url), "%s", getenv("BASALT_TEST_DB_URL"));
	else
		snprintf(url, sizeof(url), "sqlite://%s/t.db", dir);
	r = cmocka_run_group_tests_name("ipam", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r;
}
