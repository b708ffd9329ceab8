/* test_sgrules.c - the security-group ruleset builder (src/agent/sg_rules.c):
 * what each port's chains allow, that untrusted values from the controller
 * are validated before they reach the rule text, and (as root, when nft
 * can be asked) that the kernel's parser takes the text as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"

#define P1  "11111111-2222-4333-8444-555555555555"
#define P2  "22222222-2222-4333-8444-555555555555"
#define NET "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
#define SG  "99999999-2222-4333-8444-555555555555"
#define SG2 "88888888-2222-4333-8444-555555555555"

static json_t *port(const char *id, const char *mac, const char *ip, bool security)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:[{s:s,s:s}],s:b,s:[s]}", "id", id, "network_id",
			 NET, "mac_address", mac, "device_id", "srv", "admin_state_up", 1,
			 "fixed_ips", "subnet_id", "s", "ip_address", ip, "port_security_enabled",
			 security, "security_groups", SG);
}

static json_t *index_for(void)
{
	return json_pack("{s:i,s:i,s:i}", "port:" P1, 1, "port:" P2, 2, "net:" NET, 1);
}

/* Build with the given ports and rules of group SG (members: both ports). */
static int build(json_t *ports, json_t *rules, char **bridge, char **inet, char *err)
{
	json_t *groups = json_pack("[{s:s,s:o,s:[s,s]},{s:s,s:[],s:[s]}]", "id", SG, "rules", rules,
				   "member_ips", "10.0.0.5", "10.0.0.6", "id", SG2, "rules",
				   "member_ips", "10.0.0.9");
	json_t *index = index_for();
	int r = sg_rules_build(ports, groups, index, bridge, inet, err, 512);

	json_decref(groups);
	json_decref(index);
	json_decref(ports);
	return r;
}

static void validators(void **state)
{
	char mac[18], a[64], p[80];
	int fam;

	assert_int_equal(sg_mac_canon("FA:16:3E:00:AB:01", mac), 0);
	assert_string_equal(mac, "fa:16:3e:00:ab:01");
	assert_int_not_equal(sg_mac_canon("fa:16:3e:00:ab", mac), 0);
	assert_int_not_equal(sg_mac_canon("fa:16:3e:00:ab:01 drop", mac), 0);
	assert_int_not_equal(sg_mac_canon("fa:16:3e:00:ab:0;", mac), 0);
	assert_int_not_equal(sg_mac_canon("01:00:5e:00:00:01", mac), 0); /* multicast */
	assert_int_equal(sg_addr_canon("10.0.0.5", &fam, a), 0);
	assert_int_equal(fam, 4);
	assert_int_not_equal(sg_addr_canon("10.0.0.5 } accept", &fam, a), 0);
	assert_int_not_equal(sg_addr_canon("10.0.0.256", &fam, a), 0);
	assert_int_equal(sg_addr_canon("2001:db8::1", &fam, a), 0);
	assert_int_equal(fam, 6);
	assert_int_equal(sg_prefix_canon("10.0.0.5/24", &fam, p), 0);
	assert_string_equal(p, "10.0.0.0/24");
	assert_int_equal(sg_prefix_canon("0.0.0.0/0", &fam, p), 0);
	assert_string_equal(p, "0.0.0.0/0");
	assert_int_equal(sg_prefix_canon("192.0.2.7", &fam, p), 0);
	assert_string_equal(p, "192.0.2.7/32");
	assert_int_not_equal(sg_prefix_canon("10.0.0.0/33", &fam, p), 0);
	assert_int_not_equal(sg_prefix_canon("10.0.0.0/-1", &fam, p), 0);
	assert_int_not_equal(sg_prefix_canon("10.0.0.0/24 accept", &fam, p), 0);
	assert_int_not_equal(sg_prefix_canon("10.0.0.0/", &fam, p), 0);
	assert_true(sg_id_valid(P1));
	assert_false(sg_id_valid("abc\" accept"));
	assert_false(sg_id_valid("short"));
}

static void protocols(void **state)
{
	json_t *j;

	assert_int_equal(sg_protocol_number(NULL), -1);
	assert_int_equal(sg_protocol_number(json_null()), -1);
#define PROTO(text, want)                                                                          \
	j = json_string(text);                                                                     \
	assert_int_equal(sg_protocol_number(j), want);                                             \
	json_decref(j)
	PROTO("tcp", 6);
	PROTO("udp", 17);
	PROTO("icmp", 1);
	PROTO("any", -1);
	PROTO("112", 112);
	PROTO("256", -EINVAL);
	PROTO("-1", -EINVAL);
	PROTO("tcp; drop", -EINVAL);
	PROTO("", -EINVAL);
	j = json_integer(47);
	assert_int_equal(sg_protocol_number(j), 47);
	json_decref(j);
}

static void anti_spoofing(void **state)
{
	char *bridge = NULL, *inet = NULL, err[512];

	assert_int_equal(build(json_pack("[o]", port(P1, "fa:16:3e:00:00:01", "10.0.0.5", true)),
			       json_array(), &bridge, &inet, err),
			 0);
	assert_non_null(strstr(bridge, "iifname vmap { \"tap11111111-22\" : jump from_1 }"));
	assert_non_null(strstr(bridge, "oifname vmap { \"tap11111111-22\" : jump to_1 }"));
	assert_non_null(strstr(bridge, "ether saddr != fa:16:3e:00:00:01 drop"));
	assert_non_null(
	    strstr(bridge, "arp saddr ether fa:16:3e:00:00:01 arp saddr ip { 10.0.0.5 }"));
	assert_non_null(strstr(bridge, "ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68"));
	assert_non_null(strstr(bridge, "ether type ip ip saddr { 10.0.0.5 } return"));
	assert_non_null(strstr(bridge, "meta mark set 0x80010000"));
	/* Stateful, zoned per network, default drop both ways. */
	assert_non_null(strstr(inet, "ct zone set iifname map { \"brqaaaaaaaa-bb\" : 1 }"));
	assert_non_null(strstr(inet, "ct state invalid drop"));
	assert_non_null(strstr(inet, "ct state established,related accept"));
	assert_non_null(strstr(inet, "chain ingress_1 {"));
	assert_non_null(strstr(inet, "chain egress_1 {"));
	assert_non_null(strstr(inet, "\t\tdrop\n\t}"));
	free(bridge);
	free(inet);
}

static void rules_render(void **state)
{
	char *bridge = NULL, *inet = NULL, err[512];
	json_t *rules = json_pack(
	    "[{s:s,s:s,s:s,s:s,s:i,s:i,s:n,s:n},"
	    " {s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:n},"
	    " {s:s,s:s,s:s,s:n,s:n,s:n,s:n,s:s},"
	    " {s:s,s:s,s:s,s:n,s:n,s:n,s:n,s:n}]",
	    "id", "r1", "direction", "ingress", "ethertype", "IPv4", "protocol", "tcp",
	    "port_range_min", 22, "port_range_max", 22, "remote_ip_prefix", "remote_group_id", "id",
	    "r2", "direction", "ingress", "ethertype", "IPv4", "protocol", "icmp", "port_range_min",
	    8, "port_range_max", 0, "remote_ip_prefix", "192.0.2.0/24", "remote_group_id", "id",
	    "r3", "direction", "ingress", "ethertype", "IPv4", "protocol", "port_range_min",
	    "port_range_max", "remote_ip_prefix", "remote_group_id", SG2, "id", "r4", "direction",
	    "egress", "ethertype", "IPv4", "protocol", "port_range_min", "port_range_max",
	    "remote_ip_prefix", "remote_group_id");

	assert_int_equal(build(json_pack("[o]", port(P1, "fa:16:3e:00:00:01", "10.0.0.5", true)),
			       rules, &bridge, &inet, err),
			 0);
	assert_string_equal(err, "");
	assert_non_null(strstr(inet, "meta nfproto ipv4 meta l4proto 6 th dport 22 accept"));
	assert_non_null(
	    strstr(inet, "meta l4proto 1 icmp type 8 icmp code 0 ip saddr 192.0.2.0/24 accept"));
	assert_non_null(strstr(inet, "ip saddr @g1_v4 accept"));
	assert_non_null(strstr(inet, "set g0_v4 {"));
	assert_non_null(strstr(inet, "elements = { 10.0.0.5, 10.0.0.6 }"));
	assert_non_null(strstr(inet, "elements = { 10.0.0.9 }"));
	/* Egress that matches goes on to the receiver's ingress check. */
	assert_non_null(strstr(inet, "\t\tmeta nfproto ipv4 return\n"));
	free(bridge);
	free(inet);
}

/* Values that would change the meaning of the text never reach it. */
static void hostile_values(void **state)
{
	char *bridge = NULL, *inet = NULL, err[512];
	json_t *rules = json_pack(
	    "[{s:s,s:s,s:s,s:s,s:n,s:n,s:s,s:n},"
	    " {s:s,s:s,s:s,s:s,s:i,s:i,s:n,s:n},"
	    " {s:s,s:s,s:s,s:s,s:i,s:i,s:n,s:n},"
	    " {s:s,s:s,s:s,s:n,s:n,s:n,s:n,s:s}]",
	    "id", "x1", "direction", "ingress", "ethertype", "IPv4", "protocol", "tcp accept",
	    "port_range_min", "port_range_max", "remote_ip_prefix", "0.0.0.0/0", "remote_group_id",
	    "id", "x2", "direction", "ingress", "ethertype", "IPv4", "protocol", "tcp",
	    "port_range_min", 100, "port_range_max", 70000, "remote_ip_prefix", "remote_group_id",
	    "id", "x3", "direction", "ingress", "ethertype", "IPv4", "protocol", "udp",
	    "port_range_min", 9, "port_range_max", 9, "remote_ip_prefix", "remote_group_id", "id",
	    "x4", "direction", "ingress", "ethertype", "IPv4", "protocol", "port_range_min",
	    "port_range_max", "remote_ip_prefix", "remote_group_id", "nope-not-sent");
	json_t *ports = json_pack("[o,o]", port(P1, "fa:16:3e:00:00:01\" accept", "10.0.0.5", true),
				  port(P2, "fa:16:3e:00:00:02", "10.0.0.6 } accept", true));

	assert_int_equal(build(ports, rules, &bridge, &inet, err), 0);
	assert_string_not_equal(err, "");
	assert_null(strstr(bridge, "\" accept"));
	assert_null(strstr(bridge, "} accept"));
	assert_null(strstr(inet, "tcp accept"));
	assert_null(strstr(inet, "70000"));
	assert_null(strstr(inet, "0.0.0.0/0"));
	assert_null(strstr(inet, "nope"));
	/* The valid rule of the lot survives. */
	assert_non_null(strstr(inet, "meta l4proto 17 th dport 9 accept"));
	/* A port with a bad MAC sends and receives nothing. */
	assert_non_null(strstr(bridge, "chain from_1 {\n\t\tmeta mark set 0x80010000\n\t\tdrop"));
	/* A port with a bad address keeps DHCP and nothing else of IPv4. */
	assert_null(strstr(bridge, "arp saddr ether fa:16:3e:00:00:02"));
	free(bridge);
	free(inet);
}

static void unfiltered_and_missing_index(void **state)
{
	char *bridge = NULL, *inet = NULL, err[512];
	json_t *groups = json_array(), *index = json_object();
	json_t *ports = json_pack("[o]", port(P1, "fa:16:3e:00:00:01", "10.0.0.5", true));

	/* Port security off: the port is not dispatched at all. */
	assert_int_equal(build(json_pack("[o]", port(P1, "fa:16:3e:00:00:01", "10.0.0.5", false)),
			       json_array(), &bridge, &inet, err),
			 0);
	assert_null(strstr(bridge, "tap11111111-22"));
	assert_null(strstr(inet, "egress_1"));
	free(bridge);
	free(inet);
	/* A filtered port without an index: nothing built, not a hole. */
	assert_int_equal(sg_rules_build(ports, groups, index, &bridge, &inet, err, sizeof(err)),
			 -EINVAL);
	assert_null(bridge);
	assert_null(inet);
	json_decref(ports);
	json_decref(groups);
	json_decref(index);
}

/* As root: nft's own parser and the kernel take the text (dry run: the
 * ruleset is checked, never committed). */
static void nft_accepts(void **state)
{
	char *bridge = NULL, *inet = NULL, err[512], *cmd = NULL;
	json_t *rules =
	    json_pack("[{s:s,s:s,s:s,s:s,s:i,s:i,s:n,s:s}]", "id", "r1", "direction", "ingress",
		      "ethertype", "IPv4", "protocol", "tcp", "port_range_min", 20,
		      "port_range_max", 22, "remote_ip_prefix", "remote_group_id", SG);
	struct nft_ctx *nft;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(build(json_pack("[o,o]", port(P1, "fa:16:3e:00:00:01", "10.0.0.5", true),
					 port(P2, "fa:16:3e:00:00:02", "10.0.0.6", true)),
			       rules, &bridge, &inet, err),
			 0);
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(nft);
	nft_ctx_set_dry_run(nft, true);
	nft_ctx_buffer_error(nft);
	assert_true(
	    asprintf(&cmd, "table bridge basalt-sg-test {\n%s}\ntable inet basalt-sg-test {\n%s}\n",
		     bridge, inet) > 0);
	int r = nft_run_cmd_from_buffer(nft, cmd);
	if (r != 0 || getenv("SGRULES_SHOW"))
		fprintf(stderr, "# nft: %s\n# text:\n%s", nft_ctx_get_error_buffer(nft), cmd);
	assert_int_equal(r, 0);
	nft_ctx_free(nft);
	free(cmd);
	free(bridge);
	free(inet);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validators),	  cmocka_unit_test(protocols),
		cmocka_unit_test(anti_spoofing),  cmocka_unit_test(rules_render),
		cmocka_unit_test(hostile_values), cmocka_unit_test(unfiltered_and_missing_index),
		cmocka_unit_test(nft_accepts),
	};
	return cmocka_run_group_tests_name("sgrules", tests, NULL, NULL);
}
