/* sg_rules.c - the text of the security-group rulesets, built from the
 * desired state by a pure function (no I/O, unit tested).
 *
 * This kernel has no conntrack in the bridge family, so the work is split
 * in two tables (docs/agent-protocol.md, "Security groups"):
 *  - `bridge basalt-sg` sees the bridge ports: per tap it checks what the
 *    VM sends (anti-spoofing: MAC, ARP, IPv4 source, DHCP client) and
 *    marks each packet with the index of its filtered in-port and
 *    out-port (mark = SG_MARK_OURS | in << 16 | out);
 *  - `inet basalt-sg` sees the same packets through br_netfilter, with
 *    conntrack (a zone per network, so overlapping tenant addresses never
 *    share a connection): established/related pass, invalid drop, then
 *    the egress rules of the in-port and the ingress rules of the
 *    out-port, each ending in drop.
 * Every value that reaches the text comes from the controller and is
 * validated and re-formatted here first (MACs, addresses, prefixes,
 * protocol numbers, ports); ids only appear through dp_port_dev /
 * dp_bridge_name after a character check. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/json.h"
#include "core/util.h"
#include "dp/dp.h"

#define SG_MARK_OURS 0x80000000u

/* Keep the first error for the caller, carry on with the rest. */
static void note(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen || err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool sg_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 11 && n <= 64 && strspn(s, "0123456789abcdefABCDEF-") == n;
}

int sg_mac_canon(const char *s, char out[18])
{
	unsigned b[6];
	int used = 0;

	if (!s || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &used) != 6 ||
	    used != 17 || strspn(s, "0123456789abcdefABCDEF:") != 17)
		return -EINVAL;
	/* A multicast source address is never a port's. */
	if (b[0] & 1)
		return -EINVAL;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0] & 0xffu, b[1] & 0xffu, b[2] & 0xffu,
		 b[3] & 0xffu, b[4] & 0xffu, b[5] & 0xffu);
	return 0;
}

int sg_addr_canon(const char *s, int *family, char out[64])
{
	unsigned char buf[16];

	if (!s || strlen(s) >= 64)
		return -EINVAL;
	if (inet_pton(AF_INET, s, buf) == 1) {
		*family = 4;
		inet_ntop(AF_INET, buf, out, 64);
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*family = 6;
		inet_ntop(AF_INET6, buf, out, 64);
		return 0;
	}
	return -EINVAL;
}

int sg_prefix_canon(const char *s, int *family, char out[80])
{
	unsigned char buf[16];
	char addr[64], *end;
	const char *slash;
	long len;
	int max;

	if (!s || strlen(s) >= 64)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash) {
		if (sg_addr_canon(s, family, addr) < 0)
			return -EINVAL;
		snprintf(out, 80, "%s/%d", addr, *family == 4 ? 32 : 128);
		return 0;
	}
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (!slash[1] || slash[1] == '-' || slash[1] == '+')
		return -EINVAL;
	len = strtol(slash + 1, &end, 10);
	if (*end)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, buf) == 1) {
		*family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, buf) == 1) {
		*family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (len < 0 || len > max)
		return -EINVAL;
	/* Neutron normalises 10.0.0.5/24 to its network; so do we (nft
	 * would refuse host bits). */
	for (int bit = (int)len; bit < max; bit++)
		buf[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
	inet_ntop(*family == 4 ? AF_INET : AF_INET6, buf, addr, sizeof(addr));
	snprintf(out, 80, "%s/%ld", addr, len);
	return 0;
}

int sg_protocol_number(const json_t *proto)
{
	static const struct {
		const char *name;
		int num;
	} names[] = {
		{ "icmp", 1 },	     { "igmp", 2 },	 { "ipip", 4 },	 { "tcp", 6 },
		{ "egp", 8 },	     { "udp", 17 },	 { "dccp", 33 }, { "rsvp", 46 },
		{ "gre", 47 },	     { "esp", 50 },	 { "ah", 51 },	 { "icmpv6", 58 },
		{ "ipv6-icmp", 58 }, { "ospf", 89 },	 { "pgm", 113 }, { "vrrp", 112 },
		{ "sctp", 132 },     { "udplite", 136 },
	};
	const char *s;
	char *end;
	long n;

	if (!proto || json_is_null(proto))
		return -1; /* any */
	if (json_is_integer(proto)) {
		n = (long)json_integer_value(proto);
		return n >= 0 && n <= 255 ? (int)n : -EINVAL;
	}
	s = json_string_value(proto);
	if (!s || !s[0])
		return -EINVAL;
	if (strcmp(s, "any") == 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].num;
	n = strtol(s, &end, 10);
	if (*end || s[0] == '-' || s[0] == '+' || n < 0 || n > 255)
		return -EINVAL;
	return (int)n;
}

/* An integer member of a rule: 1 with *v when set, 0 when null or absent,
 * -EINVAL when out of [lo, hi]. */
static int int_member(const json_t *rule, const char *key, long lo, long hi, long *v)
{
	const json_t *j = json_object_get(rule, key);

	if (!j || json_is_null(j))
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
		return -EINVAL;
	*v = (long)json_integer_value(j);
	return 1;
}

/* The index of name in groups (the desired "security_groups"), or -1. */
static int group_index(const json_t *groups, const char *id)
{
	const json_t *g;
	size_t i;

	json_array_foreach(groups, i, g)
	{
		if (json_str(g, "id") && id && strcmp(json_str(g, "id"), id) == 0)
			return (int)i;
	}
	return -1;
}

/* One rule of a group as nft text into f: the match, then verdict.
 * Returns 0, or -EINVAL (nothing written) when a member is invalid. */
static int rule_text(FILE *f, const json_t *rule, const json_t *groups, bool ingress,
		     const char *verdict)
{
	const char *eth = json_str(rule, "ethertype");
	const char *prefix = json_str(rule, "remote_ip_prefix");
	const char *remote = json_str(rule, "remote_group_id");
	int fam = eth && strcmp(eth, "IPv6") == 0 ? 6 : 4, pfam;
	int proto = sg_protocol_number(json_object_get(rule, "protocol"));
	long pmin = 0, pmax = 0;
	int hmin, hmax;
	char pfx[80] = "";
	int gi = -1;

	if (!eth || (strcmp(eth, "IPv4") != 0 && strcmp(eth, "IPv6") != 0))
		return -EINVAL;
	if (proto == -EINVAL)
		return -EINVAL;
	if ((hmin = int_member(rule, "port_range_min", 0, 65535, &pmin)) < 0 ||
	    (hmax = int_member(rule, "port_range_max", 0, 65535, &pmax)) < 0)
		return -EINVAL;
	if (prefix) {
		if (sg_prefix_canon(prefix, &pfam, pfx) < 0 || pfam != fam)
			return -EINVAL;
	}
	if (remote) {
		gi = group_index(groups, remote);
		if (gi < 0)
			return -EINVAL; /* a group we were not told about matches nobody */
	}
	fprintf(f, "\t\tmeta nfproto %s", fam == 4 ? "ipv4" : "ipv6");
	if (proto >= 0)
		fprintf(f, " meta l4proto %d", proto);
	if (proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136) {
		if (hmin && hmax && pmin > pmax)
			return -EINVAL;
		if (hmin && hmax && pmin != pmax)
			fprintf(f, " th dport %ld-%ld", pmin, pmax);
		else if (hmin || hmax)
			fprintf(f, " th dport %ld", hmin ? pmin : pmax);
	} else if ((proto == 1 && fam == 4) || (proto == 58 && fam == 6)) {
		/* For ICMP, Neutron's port_range_min is the type, max the code. */
		const char *kw = proto == 1 ? "icmp" : "icmpv6";
		if (hmin && pmin > 255)
			return -EINVAL;
		if (hmax && pmax > 255)
			return -EINVAL;
		if (hmin)
			fprintf(f, " %s type %ld", kw, pmin);
		if (hmin && hmax)
			fprintf(f, " %s code %ld", kw, pmax);
	}
	if (pfx[0])
		fprintf(f, " %s %s %s", fam == 4 ? "ip" : "ip6", ingress ? "saddr" : "daddr", pfx);
	if (gi >= 0)
		fprintf(f, " %s %s @g%d_v%d", fam == 4 ? "ip" : "ip6", ingress ? "saddr" : "daddr",
			gi, fam);
	fprintf(f, " %s\n", verdict);
	return 0;
}

/* Rules are written into a memory stream and kept only when valid, so an
 * invalid one never leaves half a line behind. */
static void emit_rule(FILE *f, const json_t *rule, const json_t *groups, bool ingress,
		      const char *verdict, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int r;

	if (!m) {
		note(err, errlen, "out of memory");
		return;
	}
	r = rule_text(m, rule, groups, ingress, verdict);
	fclose(m);
	if (r == 0)
		fputs(buf, f);
	else
		note(err, errlen, "security group rule %s: invalid, skipped",
		     sg_id_valid(json_str(rule, "id")) ? json_str(rule, "id") : "?");
	free(buf);
}

/* A port's addresses, validated, as "a, b, c" per family into v4/v6.
 * Invalid ones are noted and left out: the port may not use them. */
static void port_addrs(const json_t *port, char *v4, size_t n4, char *v6, size_t n6, char *err,
		       size_t errlen)
{
	const json_t *ip;
	size_t i;

	v4[0] = v6[0] = '\0';
	json_array_foreach(json_object_get(port, "fixed_ips"), i, ip)
	{
		char a[64];
		int fam;
		if (sg_addr_canon(json_str(ip, "ip_address"), &fam, a) < 0) {
			note(err, errlen, "port %s: invalid fixed IP", json_str(port, "id"));
			continue;
		}
		char *dst = fam == 4 ? v4 : v6;
		size_t cap = fam == 4 ? n4 : n6, used = strlen(dst);
		snprintf(dst + used, cap - used, "%s%s", used ? ", " : "", a);
	}
}

static long index_of(const json_t *index, const char *kind, const char *id)
{
	char key[96];
	const json_t *v;

	snprintf(key, sizeof(key), "%s:%s", kind, id);
	v = json_object_get(index, key);
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > SG_INDEX_MAX)
		return -1;
	return (long)json_integer_value(v);
}

/* A filtered port's anti-spoofing chain in the bridge table. */
static void bridge_port_chains(FILE *f, const json_t *port, long idx, const char *mac, char *err,
			       size_t errlen)
{
	char v4[4096], v6[4096];
	bool up = !json_is_false(json_object_get(port, "admin_state_up"));

	port_addrs(port, v4, sizeof(v4), v6, sizeof(v6), err, errlen);
	fprintf(f, "\tchain from_%ld {\n", idx);
	fprintf(f, "\t\tmeta mark set 0x%08lx\n",
		(unsigned long)SG_MARK_OURS | (unsigned long)idx << 16);
	if (!up || !mac) {
		/* Administratively down, or no valid MAC: nothing passes. */
		fputs("\t\tdrop\n\t}\n", f);
	} else {
		fprintf(f, "\t\tether saddr != %s drop\n", mac);
		if (v4[0])
			fprintf(f,
				"\t\tether type arp arp htype 1 arp ptype ip arp hlen 6 arp plen 4"
				" arp saddr ether %s arp saddr ip { %s } return\n",
				mac, v4);
		/* DHCP discover/request before the VM has its address. */
		fputs("\t\tether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68"
		      " udp dport 67 return\n",
		      f);
		if (v4[0])
			fprintf(f, "\t\tether type ip ip saddr { %s } return\n", v4);
		if (v6[0])
			fprintf(f, "\t\tether type ip6 ip6 saddr { %s } return\n", v6);
		fputs("\t\tdrop\n\t}\n", f);
	}
	fprintf(f, "\tchain to_%ld {\n", idx);
	fprintf(f, "\t\tmeta mark set meta mark & 0xffff0000 | 0x%08lx\n",
		(unsigned long)SG_MARK_OURS | (unsigned long)idx);
	if (!up || !mac)
		fputs("\t\tdrop\n", f);
	fputs("\t}\n", f);
}

/* The egress (from the VM) and ingress (to it) chains of a port in the
 * inet table: its groups' rules, Neutron's always-allowed DHCP, then
 * drop. */
static void inet_port_chains(FILE *f, const json_t *port, long idx, const json_t *groups, char *err,
			     size_t errlen)
{
	for (int ingress = 0; ingress < 2; ingress++) {
		const json_t *gid, *rule;
		size_t i, j;

		fprintf(f, "\tchain %s_%ld {\n", ingress ? "ingress" : "egress", idx);
		if (ingress)
			fputs("\t\tmeta nfproto ipv4 udp sport 67 udp dport 68 accept\n", f);
		else
			fputs("\t\tmeta nfproto ipv4 udp sport 68 udp dport 67 return\n", f);
		json_array_foreach(json_object_get(port, "security_groups"), i, gid)
		{
			int gi = group_index(groups, json_string_value(gid));
			if (gi < 0) {
				note(err, errlen, "port %s: unknown security group",
				     json_str(port, "id"));
				continue;
			}
			json_array_foreach(
			    json_object_get(json_array_get(groups, (size_t)gi), "rules"), j, rule)
			{
				const char *dir = json_str(rule, "direction");
				if (!dir || strcmp(dir, ingress ? "ingress" : "egress") != 0)
					continue;
				/* Egress goes on to the receiver's ingress check. */
				emit_rule(f, rule, groups, ingress, ingress ? "accept" : "return",
					  err, errlen);
			}
		}
		fputs("\t\tdrop\n\t}\n", f);
	}
}

/* One named set per group and family with its members' addresses. */
static void group_sets(FILE *f, const json_t *groups, char *err, size_t errlen)
{
	const json_t *g, *ip;
	size_t i, j;

	json_array_foreach(groups, i, g)
	{
		for (int fam = 4; fam <= 6; fam += 2) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);
			json_t *seen = json_object();
			if (!m || !seen) {
				if (m)
					fclose(m);
				free(buf);
				json_decref(seen);
				note(err, errlen, "out of memory");
				return;
			}
			json_array_foreach(json_object_get(g, "member_ips"), j, ip)
			{
				char a[64];
				int af;
				if (sg_addr_canon(json_string_value(ip), &af, a) < 0) {
					note(err, errlen, "security group %zu: invalid member", i);
					continue;
				}
				/* Duplicates would make nft refuse the set. */
				if (af != fam || json_object_get(seen, a))
					continue;
				json_object_set_new(seen, a, json_true());
				fprintf(m, "%s%s", json_object_size(seen) > 1 ? ", " : "", a);
			}
			fclose(m);
			fprintf(f, "\tset g%zu_v%d {\n\t\ttype %s\n", i, fam,
				fam == 4 ? "ipv4_addr" : "ipv6_addr");
			if (buf && buf[0])
				fprintf(f, "\t\telements = { %s }\n", buf);
			fputs("\t}\n", f);
			free(buf);
			json_decref(seen);
		}
	}
}

int sg_rules_build(const json_t *ports, const json_t *groups, const json_t *index,
		   char **bridge_body, char **inet_body, char *err, size_t errlen)
{
	char *bbuf = NULL, *ibuf = NULL, *bdisp = NULL, *odisp = NULL, *edisp = NULL, *idisp = NULL,
	     *zones = NULL;
	size_t blen = 0, ilen = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0;
	FILE *bf = open_memstream(&bbuf, &blen), *inf = open_memstream(&ibuf, &ilen);
	FILE *bd = open_memstream(&bdisp, &l1), *od = open_memstream(&odisp, &l2);
	FILE *ed = open_memstream(&edisp, &l3), *id = open_memstream(&idisp, &l4);
	FILE *zd = open_memstream(&zones, &l5);
	json_t *nets = json_object();
	const json_t *p;
	size_t i;
	int r = 0;

	*bridge_body = *inet_body = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!bf || !inf || !bd || !od || !ed || !id || !zd || !nets) {
		r = -ENOMEM;
		goto out;
	}
	group_sets(inf, groups, err, errlen);
	json_array_foreach(ports, i, p)
	{
		const char *pid = json_str(p, "id"), *net = json_str(p, "network_id");
		char tap[DP_IFNAMSIZ], br[DP_IFNAMSIZ], mac[18];
		long idx, zone;

		if (!json_is_true(json_object_get(p, "port_security_enabled")))
			continue; /* no filtering at all, as Neutron */
		if (!sg_id_valid(pid) || !sg_id_valid(net)) {
			note(err, errlen, "port with an invalid id skipped");
			continue;
		}
		idx = index_of(index, "port", pid);
		zone = index_of(index, "net", net);
		if (idx < 0 || zone < 0) {
			note(err, errlen, "port %s: no mark index", pid);
			r = -EINVAL;
			continue;
		}
		dp_port_dev("tap", pid, tap);
		bool bad_mac = sg_mac_canon(json_str(p, "mac_address"), mac) < 0;
		if (bad_mac)
			note(err, errlen, "port %s: invalid MAC, all its traffic dropped", pid);
		fprintf(bd, "%s\"%s\" : jump from_%ld", ftell(bd) ? ", " : "", tap, idx);
		fprintf(od, "%s\"%s\" : jump to_%ld", ftell(od) ? ", " : "", tap, idx);
		fprintf(ed, "%s0x%08lx : jump egress_%ld", ftell(ed) ? ", " : "",
			(unsigned long)idx << 16, idx);
		fprintf(id, "%s0x%08lx : jump ingress_%ld", ftell(id) ? ", " : "",
			(unsigned long)idx, idx);
		bridge_port_chains(bf, p, idx, bad_mac ? NULL : mac, err, errlen);
		inet_port_chains(inf, p, idx, groups, err, errlen);
		if (!json_object_get(nets, net)) {
			dp_bridge_name(net, br);
			json_object_set_new(nets, net, json_true());
			fprintf(zd, "%s\"%s\" : %ld", ftell(zd) ? ", " : "", br, zone);
		}
	}
	fflush(bd);
	fflush(od);
	fflush(ed);
	fflush(id);
	fflush(zd);
	/* Stale marks (ours, from an earlier pass through a bridge) are
	 * cleared before the taps' chains mark afresh. */
	fputs("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n"
	      "\t\tmeta mark & 0x80000000 == 0x80000000 meta mark set 0x00000000\n",
	      bf);
	if (l1)
		fprintf(bf, "\t\tiifname vmap { %s }\n\t\toifname vmap { %s }\n", bdisp, odisp);
	fputs("\t}\n", bf);
	if (l5)
		fprintf(
		    inf,
		    "\tchain zone {\n\t\ttype filter hook prerouting priority raw; policy accept;\n"
		    "\t\tct zone set iifname map { %s }\n\t}\n",
		    zones);
	fputs("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n"
	      "\t\tmeta mark & 0x80000000 == 0x00000000 accept\n"
	      "\t\tct state invalid drop\n"
	      "\t\tct state established,related accept\n",
	      inf);
	if (l3)
		fprintf(inf, "\t\tmeta mark & 0x7fff0000 vmap { %s }\n", edisp);
	if (l4)
		fprintf(inf, "\t\tmeta mark & 0x00007fff vmap { %s }\n", idisp);
	fputs("\t}\n", inf);
out:
	for (FILE **fp = (FILE *[]){ bd, od, ed, id, zd }, **end = fp + 5; fp < end; fp++)
		if (*fp)
			fclose(*fp);
	free(bdisp);
	free(odisp);
	free(edisp);
	free(idisp);
	free(zones);
	json_decref(nets);
	if (bf)
		fclose(bf);
	if (inf)
		fclose(inf);
	/* A port left out would be a port unfiltered: all or nothing. */
	if (r < 0 || !bbuf || !ibuf) {
		free(bbuf);
		free(ibuf);
		return r < 0 ? r : -ENOMEM;
	}
	*bridge_body = bbuf;
	*inet_body = ibuf;
	return r;
}
