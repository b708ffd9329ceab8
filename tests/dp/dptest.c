/* dptest.c - src/dp against the real kernel, as root, printing TAP: named
 * namespaces, bridges, VXLAN (with real traffic between namespaces), FDB,
 * veth, tap, addresses, routes, sysctl, nftables and dnsmasq serving DHCP
 * to busybox udhcpc. Results are checked with ip/bridge/nft, independent
 * of the library. Every object is named dpt-* and removed at exit. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "dp/dp.h"

static int test_no, failures;
static char workdir[64] = "";
static char dhcp_dir[128] = "";

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* Run a shell command (checks only); returns its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char *cmd, *full;
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&full, "(%s) >/dev/null 2>&1", cmd) < 0)
		abort();
	st = system(full);
	free(full);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Output of a shell command (malloc'd, "" on failure). */
static char *out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *out(const char *fmt, ...)
{
	char *cmd, *buf = NULL;
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *p;
	int c;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = popen(cmd, "r");
	free(cmd);
	while (p && (c = fgetc(p)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 256;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		buf[len++] = (char)c;
	}
	if (p)
		pclose(p);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

/* tap() on whether the output of a command contains every needle (NULL
 * terminated); shows the output on failure. */
static void has(const char *name, const char *cmd, ...)
{
	char *o = out("%s 2>&1", cmd);
	bool ok = true;
	const char *needle;
	va_list ap;

	va_start(ap, cmd);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(o, needle)) {
			ok = false;
			printf("# missing \"%s\"\n", needle);
		}
	va_end(ap);
	tap(ok, "%s", name);
	if (!ok)
		printf("# %s:\n# %s\n", cmd, o);
	free(o);
}

/* Check that cmd's output lacks needle. */
static void hasnt(const char *name, const char *cmd, const char *needle)
{
	char *o = out("%s 2>&1", cmd);
	bool ok = !strstr(o, needle);

	tap(ok, "%s", name);
	if (!ok)
		printf("# %s:\n# %s\n", cmd, o);
	free(o);
}

static void lacks(const char *name, const char *cmd, const char *needle)
{
	char *o = out("%s 2>&1", cmd);
	bool ok = !strstr(o, needle);

	tap(ok, "%s", name);
	if (!ok)
		printf("# %s has \"%s\":\n# %s\n", cmd, needle, o);
	free(o);
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void cleanup(void)
{
	char **names;
	size_t n;

	if (getenv("DPTEST_KEEP")) /* debugging: leave everything for a look */
		return;
	if (dhcp_dir[0])
		dp_dhcp_stop(dhcp_dir);
	if (dp_netns_list("dpt-", &names, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			dp_netns_del(names[i]);
		dp_names_free(names, n);
	}
	dp_link_del(NULL, "dpt-tap0");
	dp_link_del(NULL, "dpt-hbr0");
	if (workdir[0])
		sh("rm -rf %s", workdir);
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void test_netns(void)
{
	char **names;
	size_t n;
	bool found = false;

	tap(dp_netns_add("dpt-a") == 0, "netns add");
	tap(dp_netns_add("dpt-a") == 0, "netns add again is a no-op");
	tap(dp_netns_exists("dpt-a"), "netns exists");
	tap(sh("ip netns exec dpt-a true") == 0, "ip netns exec works in it");
	tap(dp_netns_list("dpt-", &names, &n) == 0, "netns list");
	for (size_t i = 0; i < n; i++)
		found |= strcmp(names[i], "dpt-a") == 0;
	dp_names_free(names, n);
	tap(found, "netns list has dpt-a");
	tap(dp_netns_add("bad/name") == -EINVAL, "netns add rejects a bad name");
	tap(dp_netns_del("dpt-a") == 0, "netns del");
	tap(dp_netns_del("dpt-a") == 0, "netns del again is a no-op");
	tap(!dp_netns_exists("dpt-a") && access("/run/netns/dpt-a", F_OK) < 0, "netns gone");
}

static void test_links(void)
{
	char **names;
	size_t n;
	int found = 0;

	dp_netns_add("dpt-l");
	dp_netns_add("dpt-m");
	tap(dp_bridge_ensure("dpt-l", "dpt-br0", 1450) == 0, "bridge ensure");
	tap(dp_bridge_ensure("dpt-l", "dpt-br0", 1450) == 0, "bridge ensure again");
	has("bridge up, mtu 1450, stp off, forward delay 0", "ip -n dpt-l -d link show dpt-br0",
	    "mtu 1450", "UP", "bridge forward_delay 0 ", "stp_state 0", NULL);
	tap(dp_vxlan_ensure("dpt-l", "dpt-vx0", 4242, "198.51.100.10", NULL, 1450) == 0,
	    "vxlan ensure");
	tap(dp_vxlan_ensure("dpt-l", "dpt-vx0", 4242, "198.51.100.10", NULL, 1450) == 0,
	    "vxlan ensure again");
	has("vxlan parameters", "ip -n dpt-l -d link show dpt-vx0", "vxlan id 4242 ",
	    "local 198.51.100.10 ", "dstport 4789 ", "nolearning", "mtu 1450", NULL);
	tap(dp_vxlan_ensure("dpt-l", "dpt-vx0", 4243, "198.51.100.10", NULL, 1450) == 0,
	    "vxlan ensure with another vni");
	has("vxlan replaced with the new vni", "ip -n dpt-l -d link show dpt-vx0", "vxlan id 4243 ",
	    NULL);
	tap(dp_vxlan_ensure("dpt-l", "dpt-br0", 4243, "198.51.100.10", NULL, 0) == -EEXIST,
	    "vxlan ensure refuses to replace a bridge");
	tap(dp_link_set_master("dpt-l", "dpt-vx0", "dpt-br0") == 0 &&
		dp_link_set_master("dpt-l", "dpt-vx0", "dpt-br0") == 0,
	    "enslave vxlan to the bridge (twice)");
	has("vxlan in the bridge", "ip -n dpt-l link show dpt-vx0", "master dpt-br0", NULL);
	tap(dp_link_exists("dpt-l", "dpt-vx0") && !dp_link_exists("dpt-l", "dpt-nope") &&
		!dp_link_exists("dpt-nons", "dpt-vx0"),
	    "link exists");
	tap(dp_link_list("dpt-l", "dpt-", &names, &n) == 0, "link list");
	for (size_t i = 0; i < n; i++)
		found += strcmp(names[i], "dpt-br0") == 0 || strcmp(names[i], "dpt-vx0") == 0;
	tap(found == 2 && n == 2, "link list has the bridge and the vxlan device only");
	dp_names_free(names, n);

	/* FDB: two flood entries and a MAC, then one VTEP left. */
	struct dp_fdb two[] = { { NULL, "198.51.100.20" },
				{ "00:00:00:00:00:00", "198.51.100.21" },
				{ "aa:bb:cc:00:00:01", "198.51.100.20" } };
	struct dp_fdb one[] = { { NULL, "198.51.100.21" } };
	tap(dp_fdb_sync("dpt-l", "dpt-vx0", two, 3) == 0 &&
		dp_fdb_sync("dpt-l", "dpt-vx0", two, 3) == 0,
	    "fdb sync two remotes and a MAC (twice)");
	char *f = out("bridge -n dpt-l fdb show dev dpt-vx0");
	tap(count(f, "00:00:00:00:00:00 dst 198.51.100.20 ") == 1 &&
		count(f, "00:00:00:00:00:00 dst 198.51.100.21 ") == 1 &&
		count(f, "aa:bb:cc:00:00:01 dst 198.51.100.20 ") == 1 && count(f, " dst ") == 3,
	    "fdb has exactly the three entries");
	if (count(f, " dst ") != 3)
		printf("# %s\n", f);
	free(f);
	tap(dp_fdb_sync("dpt-l", "dpt-vx0", one, 1) == 0, "fdb sync one remote");
	f = out("bridge -n dpt-l fdb show dev dpt-vx0");
	tap(count(f, "00:00:00:00:00:00 dst 198.51.100.21 ") == 1 && count(f, " dst ") == 1,
	    "stale fdb entries removed");
	if (count(f, " dst ") != 1)
		printf("# %s\n", f);
	free(f);
	struct dp_fdb bad[] = { { "zz", "198.51.100.21" } };
	tap(dp_fdb_sync("dpt-l", "dpt-vx0", bad, 1) == -EINVAL, "fdb sync rejects a bad MAC");

	tap(dp_link_set_master("dpt-l", "dpt-vx0", NULL) == 0, "release from the bridge");
	lacks("vxlan out of the bridge", "ip -n dpt-l link show dpt-vx0", "master");
	tap(dp_link_del("dpt-l", "dpt-vx0") == 0 && dp_link_del("dpt-l", "dpt-vx0") == 0,
	    "link del (twice)");
	tap(!dp_link_exists("dpt-l", "dpt-vx0"), "vxlan gone");

	/* veth across namespaces */
	tap(dp_veth_ensure("dpt-l", "dpt-v0", "dpt-m", "dpt-v1", 1400) == 0 &&
		dp_veth_ensure("dpt-l", "dpt-v0", "dpt-m", "dpt-v1", 1400) == 0,
	    "veth ensure across namespaces (twice)");
	has("veth end in dpt-l", "ip -n dpt-l -d link show dpt-v0", "mtu 1400", "veth", "UP", NULL);
	has("veth peer in dpt-m", "ip -n dpt-m -d link show dpt-v1", "mtu 1400", "veth", "UP",
	    NULL);
	dp_link_del("dpt-m", "dpt-v1"); /* deleting one end deletes both... */
	sh("ip -n dpt-l link add dpt-v0 type veth peer name dpt-vx9"); /* a wrong pair */
	tap(dp_veth_ensure("dpt-l", "dpt-v0", "dpt-m", "dpt-v1", 1400) == 0 &&
		dp_link_exists("dpt-m", "dpt-v1") && !dp_link_exists("dpt-l", "dpt-vx9"),
	    "veth ensure remakes a wrong pair whole");
	tap(dp_link_up("dpt-l", "dpt-v0", 1300, "02:00:00:00:00:aa") == 0, "link up with mtu, mac");
	has("mtu and mac set", "ip -n dpt-l link show dpt-v0", "mtu 1300",
	    "link/ether 02:00:00:00:00:aa", NULL);
	tap(dp_link_up("dpt-l", "dpt-v0", 0, "nonsense") == -EINVAL, "link up rejects a bad mac");
	sh("ip -n dpt-l link add dpt-mv0 type veth peer name dpt-mv1");
	tap(dp_link_move("dpt-l", "dpt-mv1", "dpt-m") == 0 &&
		dp_link_move("dpt-l", "dpt-mv1", "dpt-m") == 0,
	    "link move (twice)");
	tap(dp_link_exists("dpt-m", "dpt-mv1") && !dp_link_exists("dpt-l", "dpt-mv1"),
	    "moved link is in the other namespace");
	tap(dp_link_up("dpt-nons", "dpt-v0", 0, NULL) < 0, "a missing namespace is an error");

	/* tap */
	tap(dp_tap_ensure("dpt-tap0", 1450) == 0 && dp_tap_ensure("dpt-tap0", 1450) == 0,
	    "tap ensure (twice)");
	has("tap persistent, up, mtu", "ip -d link show dpt-tap0", "tun type tap", "persist on",
	    "mtu 1450", NULL);
	tap(dp_bridge_ensure(NULL, "dpt-hbr0", 1450) == 0 &&
		dp_link_set_master(NULL, "dpt-tap0", "dpt-hbr0") == 0,
	    "tap in a bridge");
	has("tap shows its master", "ip link show dpt-tap0", "master dpt-hbr0", NULL);
	dp_link_del(NULL, "dpt-tap0");
	dp_link_del(NULL, "dpt-hbr0");
	tap(!dp_link_exists(NULL, "dpt-tap0"), "tap deleted");
}

static void test_addr_route(void)
{
	const char *three[] = { "10.1.0.1/24", "10.1.0.2/24", "10.2.0.1/16" };
	const char *two[] = { "10.1.0.2/24", "10.3.0.1/24" };
	const char *bad[] = { "10.1.0.300/24" };
	char *o;

	tap(dp_addr_sync("dpt-l", "dpt-v0", three, 3) == 0 &&
		dp_addr_sync("dpt-l", "dpt-v0", three, 3) == 0,
	    "addr sync three (twice)");
	o = out("ip -n dpt-l -4 -o addr show dev dpt-v0");
	tap(strstr(o, "10.1.0.1/24 brd 10.1.0.255") && strstr(o, "10.1.0.2/24") &&
		strstr(o, "10.2.0.1/16") && count(o, "inet ") == 3,
	    "exactly the three addresses");
	free(o);
	tap(dp_addr_sync("dpt-l", "dpt-v0", two, 2) == 0, "addr sync to another set");
	o = out("ip -n dpt-l -4 -o addr show dev dpt-v0");
	tap(strstr(o, "10.1.0.2/24") && strstr(o, "10.3.0.1/24") && count(o, "inet ") == 2,
	    "exactly the new two (secondary kept after its primary went)");
	if (count(o, "inet ") != 2)
		printf("# %s\n", o);
	free(o);
	tap(dp_addr_sync("dpt-l", "dpt-v0", bad, 1) == -EINVAL, "addr sync rejects a bad cidr");

	tap(dp_route_ensure("dpt-l", NULL, "10.1.0.254", "dpt-v0") == 0 &&
		dp_route_ensure("dpt-l", NULL, "10.1.0.254", "dpt-v0") == 0,
	    "default route ensure (twice)");
	o = out("ip -n dpt-l route show default");
	tap(strstr(o, "default via 10.1.0.254 dev dpt-v0") && count(o, "default") == 1,
	    "default route present once");
	free(o);
	tap(dp_route_ensure("dpt-l", NULL, "10.1.0.253", NULL) == 0, "default route replaced");
	o = out("ip -n dpt-l route show default");
	tap(strstr(o, "default via 10.1.0.253") && count(o, "default") == 1,
	    "one default route, the new gateway");
	free(o);
	tap(dp_route_ensure("dpt-l", "192.0.2.5/32", "10.1.0.254", "dpt-v0") == 0,
	    "host route ensure");
	has("host route present", "ip -n dpt-l route show 192.0.2.5/32",
	    "192.0.2.5 via 10.1.0.254 dev dpt-v0", NULL);
	tap(dp_route_ensure("dpt-l", "192.0.2.16/28", NULL, "dpt-v0") == 0, "on-link route ensure");
	has("on-link route present", "ip -n dpt-l route show 192.0.2.16/28",
	    "192.0.2.16/28 dev dpt-v0 scope link", NULL);
	tap(dp_route_del("dpt-l", "192.0.2.5/32") == 0 &&
		dp_route_del("dpt-l", "192.0.2.5/32") == 0,
	    "route del (twice)");
	lacks("host route gone", "ip -n dpt-l route show", "192.0.2.5");
	tap(dp_route_del("dpt-l", NULL) == 0, "default route del");
	lacks("default route gone", "ip -n dpt-l route show", "default");

	/* Extra routes: exactly the static ones asked, others of that
	 * protocol go, the kernel's and the default route stay. */
	const struct dp_route xr[] = { { "192.0.2.0/25", "10.1.0.7" }, { "198.51.100.0/24", "10.3.0.9" } };
	const struct dp_route xr2[] = { { "198.51.100.0/24", "10.3.0.8" } };
	tap(dp_route_ensure("dpt-l", NULL, "10.1.0.254", "dpt-v0") == 0, "default route again");
	tap(dp_route_sync("dpt-l", xr, 2) == 0 && dp_route_sync("dpt-l", xr, 2) == 0,
	    "route sync two extra routes (twice)");
	o = out("ip -n dpt-l route show proto static");
	tap(strstr(o, "192.0.2.0/25 via 10.1.0.7 dev dpt-v0") &&
		strstr(o, "198.51.100.0/24 via 10.3.0.9 dev dpt-v0") && count(o, "via") == 2,
	    "exactly the two extra routes, protocol static");
	free(o);
	tap(dp_route_sync("dpt-l", xr2, 1) == 0, "route sync to one, another nexthop");
	o = out("ip -n dpt-l route show proto static");
	tap(strstr(o, "198.51.100.0/24 via 10.3.0.8") && count(o, "via") == 1,
	    "the changed route replaced, the removed one gone");
	free(o);
	tap(dp_route_sync("dpt-l", xr2 + 1, 0) == 0, "route sync to none");
	lacks("no static route left", "ip -n dpt-l route show proto static", "via");
	has("the default route stays", "ip -n dpt-l route show default", "default via 10.1.0.254", NULL);
	has("the connected route stays", "ip -n dpt-l route show", "10.1.0.0/24 dev dpt-v0", NULL);
	const struct dp_route far[] = { { "192.0.2.0/24", "172.31.0.1" } };
	tap(dp_route_sync("dpt-l", far, 1) < 0, "a nexthop not on-link is refused");
	tap(dp_route_del("dpt-l", NULL) == 0, "default route del again");

	char *host = out("cat /proc/sys/net/ipv4/ip_forward");
	tap(dp_sysctl("dpt-l", "net/ipv4/ip_forward", "1") == 0, "sysctl ip_forward=1 in ns");
	has("ip_forward is 1 inside", "ip netns exec dpt-l cat /proc/sys/net/ipv4/ip_forward", "1",
	    NULL);
	char *host2 = out("cat /proc/sys/net/ipv4/ip_forward");
	tap(strcmp(host, host2) == 0, "host ip_forward untouched");
	free(host);
	free(host2);
	tap(dp_sysctl("dpt-l", "net/ipv4/ip_forward", "0") == 0, "sysctl ip_forward=0 in ns");
	has("ip_forward is 0 inside", "ip netns exec dpt-l cat /proc/sys/net/ipv4/ip_forward", "0",
	    NULL);
	tap(dp_sysctl("dpt-l", "../../etc/passwd", "x") == -EINVAL, "sysctl rejects ..");
}

static void test_nft(void)
{
	char err[256], **names;
	size_t n;
	int found = 0;

	tap(dp_nft_table_replace("dpt-l", "inet", "dpt_t1",
				 "chain c1 {\n type filter hook input priority 0; policy accept;\n"
				 " counter\n}",
				 err, sizeof(err)) == 0,
	    "nft table replace (new)");
	has("table has chain c1", "ip netns exec dpt-l nft list table inet dpt_t1", "chain c1",
	    NULL);
	tap(dp_nft_table_replace("dpt-l", "inet", "dpt_t1",
				 "chain c2 { type filter hook forward priority 0; policy accept; }",
				 err, sizeof(err)) == 0,
	    "nft table replace (existing)");
	char *o = out("ip netns exec dpt-l nft list table inet dpt_t1");
	tap(strstr(o, "chain c2") && !strstr(o, "chain c1"), "old chains gone, new present");
	free(o);
	tap(dp_nft_table_replace("dpt-l", "inet", "dpt_t1", "chain c3 { this is not nft }", err,
				 sizeof(err)) < 0 &&
		err[0],
	    "a bad body fails with nft's message");
	o = out("ip netns exec dpt-l nft list table inet dpt_t1");
	tap(strstr(o, "chain c2") && !strstr(o, "chain c3"), "failed replace left the old table");
	free(o);
	tap(dp_nft_table_replace("dpt-l", "inet", "dpt t1; flush ruleset", "", err, sizeof(err)) ==
		-EINVAL,
	    "nft rejects a table name that is not a name");
	dp_nft_table_replace("dpt-l", "inet", "dpt_t2", "", err, sizeof(err));
	dp_nft_table_replace("dpt-l", "ip", "other", "", err, sizeof(err));
	tap(dp_nft_table_list("dpt-l", "inet", "dpt_", &names, &n) == 0, "nft table list");
	for (size_t i = 0; i < n; i++)
		found += strcmp(names[i], "dpt_t1") == 0 || strcmp(names[i], "dpt_t2") == 0;
	tap(found == 2 && n == 2, "list has the two inet dpt_ tables only");
	dp_names_free(names, n);
	lacks("host ruleset untouched", "nft list tables", "dpt_t1");
	tap(dp_nft_table_del("dpt-l", "inet", "dpt_t1") == 0 &&
		dp_nft_table_del("dpt-l", "inet", "dpt_t1") == 0,
	    "nft table del (twice)");
	lacks("table gone", "ip netns exec dpt-l nft list tables", "dpt_t1");
}

/* ping from iputils, or busybox's */
static const char *ping(void)
{
	return system("command -v ping >/dev/null 2>&1") == 0 ? "ping" : "busybox ping";
}

/* Two "hosts" (dpt-u1, dpt-u2) joined by an underlay veth, each with a
 * bridge and a VXLAN device; a "VM" namespace on each bridge. */
static void test_overlay(void)
{
	const char *u1[] = { "198.51.100.1/24" }, *u2[] = { "198.51.100.2/24" };
	const char *h1[] = { "10.77.0.1/24" }, *h2[] = { "10.77.0.2/24" };
	struct dp_fdb to2[] = { { NULL, "198.51.100.2" } }, to1[] = { { NULL, "198.51.100.1" } };
	int r = 0;

	for (int i = 0; i < 4; i++) {
		const char *ns[] = { "dpt-u1", "dpt-u2", "dpt-h1", "dpt-h2" };
		r = r ?: dp_netns_add(ns[i]);
	}
	r = r ?: dp_veth_ensure("dpt-u1", "dpt-ul1", "dpt-u2", "dpt-ul2", 1500);
	r = r ?: dp_addr_sync("dpt-u1", "dpt-ul1", u1, 1);
	r = r ?: dp_addr_sync("dpt-u2", "dpt-ul2", u2, 1);
	r = r ?: dp_bridge_ensure("dpt-u1", "dpt-obr", 1450);
	r = r ?: dp_bridge_ensure("dpt-u2", "dpt-obr", 1450);
	r = r ?: dp_vxlan_ensure("dpt-u1", "dpt-ovx", 7001, "198.51.100.1", "dpt-ul1", 1450);
	r = r ?: dp_vxlan_ensure("dpt-u2", "dpt-ovx", 7001, "198.51.100.2", "dpt-ul2", 1450);
	r = r ?: dp_link_set_master("dpt-u1", "dpt-ovx", "dpt-obr");
	r = r ?: dp_link_set_master("dpt-u2", "dpt-ovx", "dpt-obr");
	r = r ?: dp_fdb_sync("dpt-u1", "dpt-ovx", to2, 1);
	r = r ?: dp_fdb_sync("dpt-u2", "dpt-ovx", to1, 1);
	r = r ?: dp_veth_ensure("dpt-u1", "dpt-oh1", "dpt-h1", "dpt-e1", 1450);
	r = r ?: dp_veth_ensure("dpt-u2", "dpt-oh2", "dpt-h2", "dpt-e2", 1450);
	r = r ?: dp_link_set_master("dpt-u1", "dpt-oh1", "dpt-obr");
	r = r ?: dp_link_set_master("dpt-u2", "dpt-oh2", "dpt-obr");
	r = r ?: dp_addr_sync("dpt-h1", "dpt-e1", h1, 1);
	r = r ?: dp_addr_sync("dpt-h2", "dpt-e2", h2, 1);
	tap(r == 0, "overlay topology built (%d)", r);
	has("vxlan on the underlay device", "ip -n dpt-u1 -d link show dpt-ovx", "dev dpt-ul1",
	    "local 198.51.100.1", NULL);
	tap(sh("ip netns exec dpt-h1 %s -c 3 -i 0.2 -w 5 10.77.0.2", ping()) == 0,
	    "ping across the VXLAN overlay");
	char *s = out("ip -n dpt-u1 -s -j link show dpt-ovx");
	tap(!strstr(s, "\"tx\":{\"bytes\":0,"), "traffic went through the vxlan device");
	free(s);
	tap(dp_fdb_sync("dpt-u1", "dpt-ovx", NULL, 0) == 0, "fdb emptied on u1");
	tap(sh("ip netns exec dpt-h1 %s -c 2 -i 0.2 -w 2 10.77.0.2", ping()) == 1,
	    "no FDB entry: no traffic (the overlay really carries it)");
	tap(dp_fdb_sync("dpt-u1", "dpt-ovx", to2, 1) == 0 &&
		sh("ip netns exec dpt-h1 %s -c 2 -i 0.2 -w 5 10.77.0.2", ping()) == 0,
	    "FDB back: traffic back");

	/* What the bridge learned behind the vxlan port: kept for a MAC still
	 * wanted, forgotten for one that is not. */
	const char *learned_cmd = "bridge -n dpt-u1 fdb show dev dpt-ovx master dpt-obr | "
				  "awk '!/permanent|static/ {print $1; exit}'";
	char *mac = out("%s", learned_cmd);
	mac[strcspn(mac, "\n")] = '\0';
	tap(strlen(mac) == 17, "the bridge learned the remote MAC behind the vxlan port (%s)", mac);
	const char *keep[] = { mac };
	char *after = NULL;
	tap(dp_fdb_learned_prune("dpt-u1", "dpt-ovx", keep, 1) == 0 &&
		    strstr((after = out("%s", learned_cmd)), mac),
	    "learned entry of a wanted MAC kept");
	free(after);
	tap(dp_fdb_learned_prune("dpt-u1", "dpt-ovx", NULL, 0) == 0 &&
		    !strstr((after = out("%s", learned_cmd)), mac),
	    "learned entry of a MAC gone is forgotten");
	free(after);
	has("the pinned (static) entries stay", "bridge -n dpt-u1 fdb show dev dpt-ovx",
	    "dst 198.51.100.2", NULL);
	free(mac);
}

static const char *const script = "#!/bin/sh\n[ \"$1\" = bound ] && env > \"$OUT\"\nexit 0\n";

/* Run udhcpc in ns on dev, its environment at bound time into file. */
static int dhcp_client(const char *ns, const char *dev, const char *file, int tries)
{
	unlink(file);
	return sh("OUT=%s ip netns exec %s busybox udhcpc -i %s -f -q -n -t %d -T 1 -O mtu "
		  "-O staticroutes -s %s/udhcpc.sh",
		  file, ns, dev, tries, workdir);
}

static pid_t dnsmasq_pid(void)
{
	char path[160];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/pid", dhcp_dir);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid;
}

static bool alive(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return pid > 0 && kill(pid, 0) == 0 && access(path, F_OK) == 0;
}

static void test_dhcp(void)
{
	const char *dq[] = { "10.88.0.2/24" };
	const char *dns[] = { "192.0.2.53" };
	const char *routes[] = { "192.0.2.0/24,10.88.0.254" };
	struct dp_dhcp_subnet subnets[] = {
		{ "10.88.0.0/24", "10.88.0.1", dns, 1, routes, 1 },
		{ "10.89.0.0/24", NULL, NULL, 0, NULL, 0 },
	};
	struct dp_dhcp_host hosts[] = {
		{ "02:00:00:00:88:01", "10.88.0.11", "host-c1" },
		{ "02:00:00:00:88:02", "10.88.0.12", "host-c2" },
	};
	struct dp_dhcp d = {
		.ns = "dpt-dq",
		.dev = "dpt-dns",
		.dir = dhcp_dir,
		.domain = "openstacklocal",
		.mtu = 1400,
		.subnets = subnets,
		.nsubnets = 1,
		.hosts = hosts,
		.nhosts = 1,
	};
	char lease1[128], lease2[128], path[160];
	pid_t pid, pid2;
	int r = 0, st;

	snprintf(lease1, sizeof(lease1), "%s/c1.env", workdir);
	snprintf(lease2, sizeof(lease2), "%s/c2.env", workdir);
	snprintf(path, sizeof(path), "%s/udhcpc.sh", workdir);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(script, f);
		fclose(f);
	}
	chmod(path, 0755);

	for (int i = 0; i < 4; i++) {
		const char *ns[] = { "dpt-dsw", "dpt-dq", "dpt-c1", "dpt-c2" };
		r = r ?: dp_netns_add(ns[i]);
	}
	r = r ?: dp_bridge_ensure("dpt-dsw", "dpt-dbr", 1500);
	r = r ?: dp_veth_ensure("dpt-dq", "dpt-dns", "dpt-dsw", "dpt-dqp", 1500);
	r = r ?: dp_veth_ensure("dpt-c1", "dpt-c1", "dpt-dsw", "dpt-c1p", 1500);
	r = r ?: dp_veth_ensure("dpt-c2", "dpt-c2", "dpt-dsw", "dpt-c2p", 1500);
	r = r ?: dp_link_up("dpt-c1", "dpt-c1", 0, hosts[0].mac);
	r = r ?: dp_link_up("dpt-c2", "dpt-c2", 0, hosts[1].mac);
	r = r ?: dp_link_set_master("dpt-dsw", "dpt-dqp", "dpt-dbr");
	r = r ?: dp_link_set_master("dpt-dsw", "dpt-c1p", "dpt-dbr");
	r = r ?: dp_link_set_master("dpt-dsw", "dpt-c2p", "dpt-dbr");
	r = r ?: dp_addr_sync("dpt-dq", "dpt-dns", dq, 1);
	tap(r == 0, "dhcp topology built (%d)", r);

	tap(dp_dhcp_ensure(&d) == 0, "dhcp ensure starts dnsmasq");
	pid = dnsmasq_pid();
	tap(alive(pid), "dnsmasq running (pid %d)", (int)pid);
	tap(dp_dhcp_ensure(&d) == 0 && dnsmasq_pid() == pid, "dhcp ensure again: same dnsmasq");
	char *hcat = malloc(strlen(dhcp_dir) + 16);
	sprintf(hcat, "cat %s/hosts", dhcp_dir);
	has("hosts file", hcat, "02:00:00:00:88:01,10.88.0.11,host-c1", NULL);
	free(hcat);
	tap(dhcp_client("dpt-c1", "dpt-c1", lease1, 5) == 0, "client 1 gets a lease");
	char *cat = malloc(strlen(lease1) + 8);
	sprintf(cat, "cat %s", lease1);
	has("client 1: static address, MTU, router, DNS, host routes", cat, "ip=10.88.0.11\n",
	    "mtu=1400\n", "router=10.88.0.1\n", "dns=192.0.2.53", "domain=openstacklocal\n",
	    "192.0.2.0/24 10.88.0.254", NULL);
	free(cat);
	tap(dhcp_client("dpt-c2", "dpt-c2", lease2, 2) != 0,
	    "client 2 (not in hosts) gets nothing");

	d.nhosts = 2;
	tap(dp_dhcp_ensure(&d) == 0 && dnsmasq_pid() == pid,
	    "hosts changed: same dnsmasq (SIGHUP)");
	tap(dhcp_client("dpt-c2", "dpt-c2", lease2, 5) == 0, "client 2 gets a lease after SIGHUP");
	cat = malloc(strlen(lease2) + 8);
	sprintf(cat, "cat %s", lease2);
	has("client 2 address", cat, "ip=10.88.0.12\n", NULL);

	/* Port 2 deleted, its address at once to a new port (a new MAC): the
	 * old lease is released, the new MAC gets the address at once. */
	char *lcat = malloc(strlen(dhcp_dir) + 64);
	sprintf(lcat, "cat %s/leases", dhcp_dir);
	has("dnsmasq leased 10.88.0.12 to client 2", lcat, "02:00:00:00:88:02 10.88.0.12", NULL);
	hosts[1] = (struct dp_dhcp_host){ "02:00:00:00:88:03", "10.88.0.12", "host-c3" };
	r = dp_dhcp_ensure(&d);
	tap(r == 0 && dnsmasq_pid() == pid, "address reused by a new MAC: released by the same dnsmasq");
	if (r != 0 || dnsmasq_pid() != pid) {
		char *log = out("sed 's/^/# /' %s/log", dhcp_dir);
		printf("%s", log);
		free(log);
	}
	hasnt("the old lease is released", lcat, "02:00:00:00:88:02");
	tap(dp_link_up("dpt-c2", "dpt-c2", 0, hosts[1].mac) == 0 &&
		dhcp_client("dpt-c2", "dpt-c2", lease2, 2) == 0,
	    "the new MAC gets a lease at once");
	has("the new MAC has the old address", cat, "ip=10.88.0.12\n", NULL);
	sprintf(lcat, "cat %s/log", dhcp_dir);
	hasnt("dnsmasq never said the address was leased to another", lcat, "not using configured");

	/* An ARP entry of the address pointing at the deleted port's MAC goes;
	 * the new owner's stays. */
	sh("ip -n dpt-dq neigh replace 10.88.0.12 lladdr 02:00:00:00:88:02 dev dpt-dns nud reachable");
	sh("ip -n dpt-dq neigh replace 10.88.0.11 lladdr 02:00:00:00:88:01 dev dpt-dns nud reachable");
	char **gone = NULL;
	size_t ngone = 0;
	tap(dp_neigh_prune("dpt-dq", "dpt-dns", hosts, 2, &gone, &ngone) == 0 && ngone == 1 &&
		    strcmp(gone[0], "10.88.0.12") == 0,
	    "neigh prune: the stale ARP entry of 10.88.0.12 goes (%zu)", ngone);
	dp_names_free(gone, ngone);
	hasnt("no ARP entry to the deleted MAC", "ip -n dpt-dq neigh show dev dpt-dns",
	      "02:00:00:00:88:02");
	has("the live port's ARP entry stays", "ip -n dpt-dq neigh show dev dpt-dns",
	    "10.88.0.11 lladdr 02:00:00:00:88:01", NULL);

	/* The connections of an address that changed hands are forgotten. */
	char nfterr[256] = "";
	size_t nct = 0;
	tap(dp_nft_table_replace("dpt-dq", "ip", "dpt-ct",
				 "chain out { type filter hook output priority 0; ct state new counter; }",
				 nfterr, sizeof(nfterr)) == 0,
	    "conntrack on in dpt-dq (%s)", nfterr);
	sh("ip netns exec dpt-dq bash -c 'echo x >/dev/udp/10.88.0.12/9; echo x >/dev/udp/10.88.0.11/9'");
	const char *ctips[] = { "10.88.0.12" };
	tap(dp_conntrack_flush_addrs("dpt-dq", ctips, 1, &nct) == 0 && nct == 1,
	    "conntrack: the one connection to 10.88.0.12 is forgotten (%zu)", nct);
	tap(dp_conntrack_flush_addrs("dpt-dq", ctips, 1, &nct) == 0 && nct == 0,
	    "conntrack: none left for it");
	const char *ctips2[] = { "10.88.0.11" };
	tap(dp_conntrack_flush_addrs("dpt-dq", ctips2, 1, &nct) == 0 && nct == 1,
	    "conntrack: the other address's connection was left alone (%zu)", nct);
	dp_nft_table_del("dpt-dq", "ip", "dpt-ct");

	/* The same after a kill -9 of dnsmasq (and of the agent): the lease
	 * file it leaves is cleaned before a new dnsmasq reads it. */
	hosts[1] = (struct dp_dhcp_host){ "02:00:00:00:88:04", "10.88.0.12", "host-c4" };
	kill(pid, SIGKILL);
	for (int i = 0; i < 50 && alive(pid); i++)
		usleep(100000);
	tap(dp_dhcp_ensure(&d) == 0 && alive(dnsmasq_pid()), "dnsmasq killed: ensure starts it");
	pid = dnsmasq_pid();
	sprintf(lcat, "cat %s/leases", dhcp_dir);
	hasnt("the killed one's stale lease is gone", lcat, "02:00:00:00:88:03");
	tap(dp_link_up("dpt-c2", "dpt-c2", 0, hosts[1].mac) == 0 &&
		dhcp_client("dpt-c2", "dpt-c2", lease2, 2) == 0,
	    "the next new MAC gets the address at once");
	has("its address", cat, "ip=10.88.0.12\n", NULL);
	free(lcat);
	free(cat);

	d.nsubnets = 2;
	tap(dp_dhcp_ensure(&d) == 0, "subnets changed: ensure");
	pid2 = dnsmasq_pid();
	tap(pid2 != pid && alive(pid2) && !alive(pid), "dnsmasq restarted (%d -> %d)", (int)pid,
	    (int)pid2);

	tap(dp_dhcp_stop(dhcp_dir) == 0 && !alive(pid2) && access(dhcp_dir, F_OK) < 0,
	    "dhcp stop kills dnsmasq and removes the directory");
	tap(dp_dhcp_stop(dhcp_dir) == 0, "dhcp stop again is a no-op");

	/* An "agent" that starts dnsmasq and is SIGKILLed: dnsmasq stays. */
	pid_t agent = fork();
	if (agent == 0) {
		if (dp_dhcp_ensure(&d) != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	waitpid(agent, &st, 0);
	tap(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "agent process killed after ensure");
	pid = dnsmasq_pid();
	char *ppid = out("awk '/^PPid/ {print $2}' /proc/%d/status", (int)pid);
	tap(alive(pid) && atoi(ppid) != agent && atoi(ppid) != getpid() && getsid(pid) != getsid(0),
	    "dnsmasq survives the agent, reparented (ppid %d), own session", atoi(ppid));
	free(ppid);
	tap(dhcp_client("dpt-c1", "dpt-c1", lease1, 5) == 0, "it still serves client 1");
	tap(dp_dhcp_stop(dhcp_dir) == 0 && !alive(pid), "dhcp stop");

	/* A private state directory: dnsmasq must stay root to read it. */
	chmod(workdir, 0700);
	tap(dp_dhcp_ensure(&d) == 0, "dhcp ensure under a private directory");
	pid = dnsmasq_pid();
	char *cmd = out("tr '\\0' ' ' </proc/%d/cmdline", (int)pid);
	tap(alive(pid) && strstr(cmd, "--user=root"), "dnsmasq keeps root there");
	free(cmd);
	tap(dhcp_client("dpt-c2", "dpt-c2", lease2, 5) == 0, "and serves client 2");
	tap(dp_dhcp_stop(dhcp_dir) == 0 && !alive(pid), "dhcp stop");
	chmod(workdir, 0755);
	struct dp_dhcp_subnet badsub[] = { { "10.88.0.0/33", NULL, NULL, 0, NULL, 0 } };
	d.subnets = badsub;
	d.nsubnets = 1;
	tap(dp_dhcp_ensure(&d) == -EINVAL && access(dhcp_dir, F_OK) < 0,
	    "a bad subnet is refused before anything is made");
}

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP dptest needs root\n");
		return 0;
	}
	log_set_level(getenv("DPTEST_VERBOSE") ? LOG_DEBUG : LOG_ERROR);
	cleanup(); /* namespaces and links left by a run that was killed hard */
	snprintf(workdir, sizeof(workdir), "/tmp/dpt-XXXXXX");
	if (!mkdtemp(workdir)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(workdir, 0755); /* dnsmasq reads its files as nobody */
	snprintf(dhcp_dir, sizeof(dhcp_dir), "%s/net1", workdir);
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	test_netns();
	test_links();
	test_addr_route();
	test_nft();
	test_overlay();
	if (system("busybox udhcpc --help >/dev/null 2>&1") == 0)
		test_dhcp();
	else
		tap(false, "busybox udhcpc available (apt-get install busybox-static)");
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
