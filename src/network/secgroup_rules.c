/* secgroup_rules.c - security group rules: create with Neutron's
 * validation (direction, ethertype, protocol, port ranges or ICMP
 * type/code, remote prefix or group) and its duplicate check, and delete;
 * -errno with a net_fault (the HTTP side is sgrule_api.c's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* ---- rules ---- */

/* ---- rule validation, as Neutron's securitygroup extension does it ---- */

static const struct {
	const char *name;
	int number;
	bool ports; /* takes port_range_min/max as ports */
	bool v6;    /* only for IPv6 */
} protocols[] = {
	{ "ah", 51, false, false },	     { "dccp", 33, true, false },
	{ "egp", 8, false, false },	     { "esp", 50, false, false },
	{ "gre", 47, false, false },	     { "hopopt", 0, false, false },
	{ "icmp", 1, false, false },	     { "igmp", 2, false, false },
	{ "ipip", 4, false, false },	     { "ipv6-encap", 41, false, true },
	{ "ipv6-frag", 44, false, true },    { "ipv6-icmp", 58, false, true },
	{ "icmpv6", 58, false, true },	     { "ipv6-nonxt", 59, false, true },
	{ "ipv6-opts", 60, false, true },    { "ipv6-route", 43, false, true },
	{ "ospf", 89, false, false },	     { "pgm", 113, false, false },
	{ "rsvp", 46, false, false },	     { "sctp", 132, true, false },
	{ "tcp", 6, true, false },	     { "udp", 17, true, false },
	{ "udplite", 136, true, false },     { "vrrp", 112, false, false },
};

/* The IP protocol number of a stored protocol (name or number), -1 for any. */
static int proto_number(const char *p)
{
	if (!p)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(protocols); i++)
		if (strcmp(protocols[i].name, p) == 0)
			return protocols[i].number;
	return atoi(p);
}

static bool proto_has_ports(int n)
{
	return n == 6 || n == 17 || n == 33 || n == 132 || n == 136;
}

/* Normalise the request's protocol into buf: a known name (lower case),
 * a number 0..255 as text, or "" for any. */
static int check_protocol(const json_t *v, char buf[16], struct net_fault *f)
{
	char text[32];
	char *end;
	long n;

	buf[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v) && strlen(json_string_value(v)) < sizeof(text))
		snprintf(text, sizeof(text), "%s", json_string_value(v));
	else
		return net_fault(f, -EINVAL, NF_SGR_PROTO_INVALID, NULL, NULL);
	if (strcasecmp(text, "any") == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(protocols); i++)
		if (strcasecmp(protocols[i].name, text) == 0) {
			snprintf(buf, 16, "%s", protocols[i].name);
			return 0;
		}
	n = strtol(text, &end, 10);
	if (!text[0] || *end || n < 0 || n > 255)
		return net_fault(f, -EINVAL, NF_SGR_PROTO_UNSUPPORTED, text, NULL);
	snprintf(buf, 16, "%ld", n);
	return 0;
}

/* A port value: null/absent, an integer or its text, 0..65535. */
static int check_port(const json_t *v, int64_t *out, bool *has, struct net_fault *f)
{
	char *end, text[24];
	long long n;

	*has = false;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0]) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			return net_fault(f, -EINVAL, NF_SGR_PORT_VALUE, json_string_value(v), NULL);
	} else {
		return net_fault(f, -EINVAL, NF_SGR_PORT, NULL, NULL);
	}
	if (n < 0 || n > 65535) {
		snprintf(text, sizeof(text), "%lld", n);
		return net_fault(f, -EINVAL, NF_SGR_PORT_VALUE, text, NULL);
	}
	*out = n, *has = true;
	return 0;
}

/* Neutron's _validate_port_range. */
static int check_port_range(const struct l3_rule *w, struct net_fault *f)
{
	int n = proto_number(w->protocol);
	char v[24];

	if (!w->has_min && !w->has_max)
		return 0;
	if (!w->protocol)
		return net_fault(f, -EINVAL, NF_SGR_NEEDS_PROTOCOL, NULL, NULL);
	if (proto_has_ports(n)) {
		if ((w->has_min && w->port_min == 0) || (w->has_max && w->port_max == 0))
			return net_fault(f, -EINVAL, NF_SGR_PORT_VALUE, "0", NULL);
		if (w->has_min && w->has_max && w->port_min <= w->port_max)
			return 0;
		return net_fault(f, -EINVAL, NF_SGR_PORT_ORDER, NULL, NULL);
	}
	if (n == 1 || n == 58) {
		snprintf(v, sizeof(v), "%lld", (long long)w->port_min);
		if (w->has_min && w->port_min > 255)
			return net_fault(f, -EINVAL, NF_SGR_ICMP_TYPE, v, NULL);
		snprintf(v, sizeof(v), "%lld", (long long)w->port_max);
		if (w->has_max && w->port_max > 255)
			return net_fault(f, -EINVAL, NF_SGR_ICMP_CODE, v, NULL);
		if (!w->has_min && w->has_max)
			return net_fault(f, -EINVAL, NF_SGR_ICMP_NO_TYPE, v, NULL);
		return 0;
	}
	return net_fault(f, -EINVAL, NF_SGR_PROTO_NO_PORTS, w->protocol, NULL);
}

/* remote_ip_prefix: a prefix of the rule's ethertype; a bare address
 * becomes a host prefix, as Neutron's convert_ip_prefix_to_cidr. */
static int check_prefix(const char *s, const char *ethertype, char out[64],
			struct net_fault *f)
{
	struct l3_prefix p;

	if (l3_prefix_parse(s, &p) < 0)
		return net_fault(f, -EINVAL, NF_SGR_PREFIX_BAD, s, NULL);
	if ((p.family == AF_INET) != (strcmp(ethertype, "IPv4") == 0))
		return net_fault(f, -EINVAL, NF_SGR_PREFIX_ETHERTYPE, ethertype, s);
	if (strchr(s, '/'))
		snprintf(out, 64, "%s", s);
	else
		snprintf(out, 64, "%s/%d", s, p.len);
	return 0;
}

/* The prefix a duplicate check compares: normalised, and /0 as "any". */
static void prefix_key(const char *s, char out[64])
{
	struct l3_prefix p;

	out[0] = '\0';
	if (s && l3_prefix_parse(s, &p) == 0 && p.len > 0)
		l3_prefix_format(&p, out);
}

static bool same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The id of a rule of group_id equal to w into dup (else dup[0] = 0). */
static int find_duplicate(struct store *st, const char *group_id, const struct l3_rule *w,
			  char dup[UUID_LEN + 1])
{
	char want[64], have[64];
	int r = 0;
	_cleanup_json_ json_t *rules = sgrule_store_of_group(st, group_id, &r);
	const json_t *e;
	size_t i;

	dup[0] = '\0';
	if (!rules)
		return r;
	prefix_key(w->remote_ip_prefix, want);
	json_array_foreach(rules, i, e) {
		const json_t *min = json_object_get(e, "port_range_min");
		const json_t *max = json_object_get(e, "port_range_max");
		prefix_key(json_str(e, "remote_ip_prefix"), have);
		if (strcmp(json_str(e, "direction"), w->direction) == 0 &&
		    strcmp(json_str(e, "ethertype"), w->ethertype) == 0 &&
		    proto_number(json_str(e, "protocol")) == proto_number(w->protocol) &&
		    json_is_integer(min) == w->has_min &&
		    (!w->has_min || json_integer_value(min) == w->port_min) &&
		    json_is_integer(max) == w->has_max &&
		    (!w->has_max || json_integer_value(max) == w->port_max) &&
		    strcmp(want, have) == 0 &&
		    same_text(json_str(e, "remote_group_id"), w->remote_group_id)) {
			snprintf(dup, UUID_LEN + 1, "%s", json_str(e, "id"));
			break;
		}
	}
	return 0;
}

/* Validate everything that needs no store; fills w (pointing into rule
 * and the caller's buffers). */
static int check_rule(const json_t *rule, struct l3_rule *w, char proto[16], char prefix[64],
		      struct net_fault *f)
{
	const char *dir = json_str(rule, "direction"), *eth = json_str(rule, "ethertype");
	int r;

	memset(w, 0, sizeof(*w));
	if (!dir || (strcmp(dir, "ingress") && strcmp(dir, "egress")))
		return net_fault(f, -EINVAL, NF_SGR_DIRECTION, dir, NULL);
	w->direction = dir;
	if (!eth || strcasecmp(eth, "IPv4") == 0)
		w->ethertype = "IPv4";
	else if (strcasecmp(eth, "IPv6") == 0)
		w->ethertype = "IPv6";
	else
		return net_fault(f, -EINVAL, NF_SGR_ETHERTYPE, eth, NULL);
	if ((r = check_protocol(json_object_get(rule, "protocol"), proto, f)) < 0)
		return r;
	w->protocol = proto[0] ? proto : NULL;
	for (size_t i = 0; w->protocol && i < ARRAY_SIZE(protocols); i++)
		if (protocols[i].v6 && strcmp(protocols[i].name, w->protocol) == 0 &&
		    strcmp(w->ethertype, "IPv4") == 0)
			return net_fault(f, -EINVAL, NF_SGR_PROTO_ETHERTYPE, w->protocol, NULL);
	if ((r = check_port(json_object_get(rule, "port_range_min"), &w->port_min, &w->has_min, f)) < 0 ||
	    (r = check_port(json_object_get(rule, "port_range_max"), &w->port_max, &w->has_max, f)) < 0 ||
	    (r = check_port_range(w, f)) < 0)
		return r;
	w->remote_group_id = json_str(rule, "remote_group_id");
	if (json_str(rule, "remote_address_group_id"))
		return net_fault(f, -EINVAL, NF_SGR_ADDRESS_GROUPS, NULL, NULL);
	if (json_str(rule, "remote_ip_prefix")) {
		if (w->remote_group_id)
			return net_fault(f, -EINVAL, NF_SGR_REMOTE_BOTH, NULL, NULL);
		if ((r = check_prefix(json_str(rule, "remote_ip_prefix"), w->ethertype, prefix, f)) < 0)
			return r;
		w->remote_ip_prefix = prefix;
	}
	w->description = json_str(rule, "description");
	return 0;
}

int sgrule_create(struct basalt *b, const struct caller *c, struct store *st, const json_t *rule,
		  char id[UUID_LEN + 1], struct net_fault *f)
{
	_cleanup_json_ json_t *g = NULL, *remote = NULL;
	char proto[16], prefix[64], dup[UUID_LEN + 1];
	const char *gid = json_str(rule, "security_group_id"), *project;
	struct l3_rule w;
	int r = check_rule(rule, &w, proto, prefix, f);

	if (r >= 0)
		r = l3_project_of(c, "create_security_group_rule", json_str(rule, "project_id"),
				  json_str(rule, "tenant_id"), &project, f);
	if (r >= 0)
		r = l3_secgroup_for(c, st, gid, &g, f);
	if (r >= 0 && w.remote_group_id)
		r = l3_secgroup_for(c, st, w.remote_group_id, &remote, f);
	if (r < 0)
		return r;
	/* A rule belongs to its group's project, whoever adds it. */
	project = json_str(g, "project_id");
	if ((r = find_duplicate(st, gid, &w, dup)) < 0)
		return r;
	if (dup[0])
		return net_fault(f, -EEXIST, NF_SGR_EXISTS, dup, NULL);
	r = network_quota_check(b, st, project, "security_group_rule", f);
	if (r >= 0)
		r = sgrule_store_insert(st, gid, project, &w, id);
	if (r >= 0)
		r = secgroup_store_update(st, gid, NULL, NULL, NULL);
	return r;
}

int sgrule_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *f)
{
	int err;

	json_decref(l3_sgrule_load(c, st, id, &err));
	if (err == -ENOENT)
		return net_fault(f, err, NF_SGR_NOT_FOUND, id, NULL);
	return err < 0 ? err : sgrule_store_delete(st, id);
}
