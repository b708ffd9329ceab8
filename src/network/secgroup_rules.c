/* secgroup_rules.c - /network/v2.0/security-group-rules: list, show,
 * delete, and create with Neutron's validation (direction, ethertype,
 * protocol, port ranges or ICMP type/code, remote prefix or group) and
 * its duplicate check. */
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
#include "http/api.h"
#include "http/http.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* ---- rules ---- */

static json_t *render_rule(const struct caller *c, struct store *st, struct store_stmt *q)
{
	(void)c;
	(void)st;
	return l3_sgrule_render(q);
}

int h_sgrule_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "security_group_rules", "security group rules",
						 "get_security_group_rule", network_target_col2,
						 render_rule };

	return network_list_sql(req, res, &l, sgrule_store_list_sql, "");
}

int h_sgrule_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = basalt_store(req->b);
	json_t *rule;
	int err;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	rule = l3_sgrule_load(&req->caller, st, id, &err);
	if (err == -ENOENT)
		return http_error(res, 404, "Security group rule %s does not exist", id);
	if (!rule)
		return http_error_errno(res, err ? err : -EIO, "security group rule");
	return network_show_reply(req, res, 200, "security_group_rule", rule);
}

int h_sgrule_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = api_write_begin(req, res);
	json_t *rule;
	int r, err;

	if (!st)
		return -1;
	rule = l3_sgrule_load(&req->caller, st, id, &err);
	r = err;
	if (r == -ENOENT)
		r = http_error(res, 404, "Security group rule %s does not exist", id);
	if (r >= 0)
		r = sgrule_store_delete(st, id);
	json_decref(rule);
	if (api_write_end(res, st, r, "security group rule") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

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
static int check_protocol(const json_t *v, char buf[16], struct http_response *res)
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
		return http_error(res, 400, "Security group rule protocol is invalid.");
	if (strcasecmp(text, "any") == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(protocols); i++)
		if (strcasecmp(protocols[i].name, text) == 0) {
			snprintf(buf, 16, "%s", protocols[i].name);
			return 0;
		}
	n = strtol(text, &end, 10);
	if (!text[0] || *end || n < 0 || n > 255)
		return http_error(res, 400,
				  "Security group rule protocol %s not supported. Only protocol values "
				  "[None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', "
				  "'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', "
				  "'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', "
				  "'sctp', 'tcp', 'udp', 'udplite', 'vrrp'] and integer "
				  "representations [0 to 255] are supported.",
				  text);
	snprintf(buf, 16, "%ld", n);
	return 0;
}

/* A port value: null/absent, an integer or its text, 0..65535. */
static int check_port(const json_t *v, int64_t *out, bool *has, struct http_response *res)
{
	char *end;
	long long n;

	*has = false;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0]) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			return http_error(res, 400, "Invalid value for port %.32s.", json_string_value(v));
	} else {
		return http_error(res, 400, "Invalid value for port.");
	}
	if (n < 0 || n > 65535)
		return http_error(res, 400, "Invalid value for port %lld.", n);
	*out = n, *has = true;
	return 0;
}

/* Neutron's _validate_port_range. */
static int check_port_range(const struct l3_rule *w, struct http_response *res)
{
	int n = proto_number(w->protocol);

	if (!w->has_min && !w->has_max)
		return 0;
	if (!w->protocol)
		return http_error(res, 400, "Must also specify protocol if port range is given.");
	if (proto_has_ports(n)) {
		if ((w->has_min && w->port_min == 0) || (w->has_max && w->port_max == 0))
			return http_error(res, 400, "Invalid value for port 0.");
		if (w->has_min && w->has_max && w->port_min <= w->port_max)
			return 0;
		return http_error(res, 400, "For TCP/UDP protocols, port_range_min must be <= port_range_max");
	}
	if (n == 1 || n == 58) {
		if (w->has_min && w->port_min > 255)
			return http_error(res, 400, "Invalid value for ICMP type (port_range_min) %lld. It must be 0 to 255.", (long long)w->port_min);
		if (w->has_max && w->port_max > 255)
			return http_error(res, 400, "Invalid value for ICMP code (port_range_max) %lld. It must be 0 to 255.", (long long)w->port_max);
		if (!w->has_min && w->has_max)
			return http_error(res, 400, "ICMP code (port-range-max) %lld is provided but ICMP type (port-range-min) is missing.", (long long)w->port_max);
		return 0;
	}
	return http_error(res, 400, "Invalid protocol %s for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP protocols.", w->protocol);
}

/* remote_ip_prefix: a prefix of the rule's ethertype; a bare address
 * becomes a host prefix, as Neutron's convert_ip_prefix_to_cidr. */
static int check_prefix(const char *s, const char *ethertype, char out[64],
			struct http_response *res)
{
	struct l3_prefix p;

	if (l3_prefix_parse(s, &p) < 0)
		return http_error(res, 400, "Invalid input for remote_ip_prefix. Reason: '%.64s' is not a valid IP subnet.", s);
	if ((p.family == AF_INET) != (strcmp(ethertype, "IPv4") == 0))
		return http_error(res, 400, "Conflicting value ethertype %s for CIDR %.64s", ethertype, s);
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
		      struct http_response *res)
{
	const char *dir = json_str(rule, "direction"), *eth = json_str(rule, "ethertype");

	memset(w, 0, sizeof(*w));
	if (!dir || (strcmp(dir, "ingress") && strcmp(dir, "egress")))
		return http_error(res, 400, "Invalid input for direction. Reason: '%.32s' is not in ['ingress', 'egress'].", dir ? dir : "");
	w->direction = dir;
	if (!eth || strcasecmp(eth, "IPv4") == 0)
		w->ethertype = "IPv4";
	else if (strcasecmp(eth, "IPv6") == 0)
		w->ethertype = "IPv6";
	else
		return http_error(res, 400, "Invalid input for ethertype. Reason: '%.32s' is not in ['IPv4', 'IPv6'].", eth);
	if (check_protocol(json_object_get(rule, "protocol"), proto, res) < 0)
		return -1;
	w->protocol = proto[0] ? proto : NULL;
	for (size_t i = 0; w->protocol && i < ARRAY_SIZE(protocols); i++)
		if (protocols[i].v6 && strcmp(protocols[i].name, w->protocol) == 0 &&
		    strcmp(w->ethertype, "IPv4") == 0)
			return http_error(res, 400, "Invalid ethertype IPv4 for protocol %s.", w->protocol);
	if (check_port(json_object_get(rule, "port_range_min"), &w->port_min, &w->has_min, res) < 0 ||
	    check_port(json_object_get(rule, "port_range_max"), &w->port_max, &w->has_max, res) < 0 ||
	    check_port_range(w, res) < 0)
		return -1;
	w->remote_group_id = json_str(rule, "remote_group_id");
	if (json_str(rule, "remote_address_group_id"))
		return http_error(res, 400, "Address groups are not supported.");
	if (json_str(rule, "remote_ip_prefix")) {
		if (w->remote_group_id)
			return http_error(res, 400, "Only remote_ip_prefix or remote_group_id may be provided.");
		if (check_prefix(json_str(rule, "remote_ip_prefix"), w->ethertype, prefix, res) < 0)
			return -1;
		w->remote_ip_prefix = prefix;
	}
	w->description = json_str(rule, "description");
	return 0;
}

int h_sgrule_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "security_group_id", J_STRING, true, 64 },
		{ "direction", J_STRING, true, 16 },
		{ "ethertype", J_STRING, false, 16 },
		{ "protocol", J_ANY, false, 0 },
		{ "port_range_min", J_ANY, false, 0 },
		{ "port_range_max", J_ANY, false, 0 },
		{ "remote_ip_prefix", J_STRING_NULL, false, 64 },
		{ "remote_group_id", J_STRING_NULL, false, 64 },
		{ "remote_address_group_id", J_STRING_NULL, false, 64 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "project_id", J_STRING, false, 64 },
		{ "tenant_id", J_STRING, false, 64 },
	};
	json_t *rule, *g = NULL, *remote = NULL, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "security_group_rule", fields,
						      ARRAY_SIZE(fields), &rule);
	const char *gid, *project;
	char proto[16], prefix[64], dup[UUID_LEN + 1], id[UUID_LEN + 1];
	struct l3_rule w;
	struct store *st;
	int r, err;

	if (!body || check_rule(rule, &w, proto, prefix, res) < 0 ||
	    !l3_body_project(&req->caller, "create_security_group_rule", rule, res))
		return -1;
	gid = json_str(rule, "security_group_id");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	g = l3_secgroup_find(&req->caller, st, gid, res);
	r = g ? 0 : -1;
	if (r >= 0 && w.remote_group_id) {
		remote = l3_secgroup_find(&req->caller, st, w.remote_group_id, res);
		r = remote ? 0 : -1;
	}
	/* A rule belongs to its group's project, whoever adds it. */
	project = g ? json_string_value(json_object_get(g, "project_id")) : "";
	if (r >= 0)
		r = find_duplicate(st, gid, &w, dup);
	if (r >= 0 && dup[0])
		r = http_error(res, 409, "Security group rule already exists. Rule id is %s.", dup);
	if (r >= 0)
		r = network_quota_reply(req->b, st, project, "security_group_rule", res);
	if (r >= 0)
		r = sgrule_store_insert(st, gid, project, &w, id);
	if (r >= 0)
		r = secgroup_store_update(st, gid, NULL, NULL, NULL);
	if (r >= 0 && !(out = l3_sgrule_load(&req->caller, st, id, &err)))
		r = err ? err : -EIO;
	json_decref(g);
	json_decref(remote);
	return network_write_reply(req, res, st, r, "security group rule", 201, "security_group_rule",
				   out);
}
