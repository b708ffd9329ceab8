/* secgroup_proxy.c - Nova's security group proxy: os-security-groups,
 * os-security-group-rules (up to microversion 2.35, 404 from 2.36 as
 * Nova), the groups of a server and its addSecurityGroup /
 * removeSecurityGroup actions (every microversion). A thin view in Nova's
 * shapes over the network service's own calls (src/network/secgroups.c,
 * ports.c), made as the caller, so that Neutron's visibility and policy
 * decide as they would behind Nova: another project's group or rule is
 * 404, and so is another project's server. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* ---- Nova's shapes ---- */

/* {"name", "tenant_id"} of group gid as c may see it; NULL when it may
 * not (Nova then leaves the rule out). */
static json_t *rule_group(const struct caller *c, struct store *st, const char *gid)
{
	int err;
	_cleanup_json_ json_t *g = l3_secgroup_load(c, st, gid, &err);

	if (!g)
		return NULL;
	return json_pack("{s:s,s:s}", "name", json_str(g, "name"), "tenant_id",
			 json_str(g, "project_id"));
}

/* A Neutron rule (as l3_sgrule_render shows it) in Nova's shape, as
 * Nova's _convert_to_nova_security_group_rule_format and
 * _format_security_group_rule make it; NULL for a rule Nova leaves out
 * (its remote group is invisible). */
static json_t *nova_rule(const struct caller *c, struct store *st, const json_t *nr)
{
	const char *proto = json_str(nr, "protocol"), *remote = json_str(nr, "remote_group_id");
	const json_t *min = json_object_get(nr, "port_range_min");
	const json_t *max = json_object_get(nr, "port_range_max");
	json_t *from, *to, *group, *range;

	if (proto && json_is_null(min) && json_is_null(max)) {
		bool tcp_udp = strcasecmp(proto, "tcp") == 0 || strcasecmp(proto, "udp") == 0;
		from = json_integer(tcp_udp ? 1 : -1);
		to = json_integer(tcp_udp ? 65535 : -1);
	} else {
		from = json_is_integer(min) ? json_copy((json_t *)min) : json_null();
		to = json_is_integer(max) ? json_copy((json_t *)max) : json_null();
	}
	if (remote) {
		group = rule_group(c, st, remote);
		if (!group) {
			json_decref(from);
			json_decref(to);
			return NULL;
		}
		range = json_object();
	} else {
		const char *cidr = json_str(nr, "remote_ip_prefix");
		group = json_object();
		range = json_pack("{s:s}", "cidr", cidr ? cidr : "0.0.0.0/0");
	}
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "id", json_str(nr, "id"),
			 "parent_group_id", json_str(nr, "security_group_id"), "ip_protocol",
			 proto ? json_string(proto) : json_null(), "from_port", from, "to_port", to,
			 "group", group, "ip_range", range);
}

/* A Neutron group (with its rules) in Nova's shape: only ingress rules. */
static json_t *nova_group(const struct caller *c, struct store *st, const json_t *g)
{
	json_t *rules = json_array(), *r;
	const json_t *nr;
	size_t i;

	json_array_foreach(json_object_get(g, "security_group_rules"), i, nr) {
		const char *dir = json_str(nr, "direction");
		if (!dir || strcmp(dir, "ingress") != 0)
			continue;
		if ((r = nova_rule(c, st, nr)))
			json_array_append_new(rules, r);
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", json_str(g, "id"), "name",
			 json_str(g, "name"), "description", json_str(g, "description"),
			 "tenant_id", json_str(g, "project_id"), "rules", rules);
}

/* Nova sorts groups by (tenant_id, name). */
static int group_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int r = strcmp(json_str(x, "tenant_id"), json_str(y, "tenant_id"));

	return r ? r : strcmp(json_str(x, "name"), json_str(y, "name"));
}

/* The Nova groups of ids (those c may see), sorted (new reference). */
static json_t *nova_groups(const struct caller *c, struct store *st, const json_t *ids, int *err)
{
	json_t *out = json_array(), *id, **v;
	size_t i, n = 0;

	*err = 0;
	v = calloc(json_array_size(ids) + 1, sizeof(*v));
	if (!out || !v) {
		free(v);
		json_decref(out);
		*err = -ENOMEM;
		return NULL;
	}
	json_array_foreach(ids, i, id) {
		int e;
		_cleanup_json_ json_t *g = l3_secgroup_load(c, st, json_string_value(id), &e);
		if (g)
			v[n++] = nova_group(c, st, g);
		else if (e != -ENOENT)
			*err = e;
	}
	qsort(v, n, sizeof(*v), group_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	if (*err < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* ---- errors ---- */

/* Nova's reply to a refusal of the network service (r < 0, nf): Nova's
 * status for Neutron's (a Neutron 409 is Nova's conflict409 as given,
 * except where the handler maps it: see the callers). */
static int reply_fault(struct http_response *res, int r, const struct net_fault *nf,
		       int status_409, const char *what)
{
	char msg[512];
	int status = network_fault_text(nf, msg, sizeof(msg));

	if (status == 409)
		status = status_409;
	if (!status)
		return http_error_errno(res, r, what);
	return http_error(res, status, "%s", msg);
}

/* Nova's uuidutils.is_uuid_like: 32 hex digits, dashed or not. */
static bool uuid_like(const char *s)
{
	size_t hex = 0;

	for (; s && *s; s++) {
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F'))
			hex++;
		else if (*s != '-')
			return false;
	}
	return hex == 32;
}

/* Nova's validate_id: 400 for a group id that is no uuid. -1 or 0. */
static int check_id(struct http_response *res, const char *id)
{
	if (!uuid_like(id))
		return http_error(res, 400, "Security group id should be uuid");
	return 0;
}

/* ---- /os-security-groups ---- */

int h_nova_secgroup_list(struct http_request *req, struct http_response *res)
{
	const struct caller *c = &req->caller;
	const char *project = network_caller_project(c);
	bool all = http_query(req, "all_tenants") && policy_allows(c, "context_is_admin", NULL);
	_cleanup_json_ json_t *ids = NULL;
	json_t *out = NULL;
	char def[UUID_LEN + 1];
	struct store *st;
	int r = 0;

	if (nova_proxy_gone(req, res, 36) < 0 || !(st = api_write_begin(req, res)))
		return -1;
	/* Neutron makes the caller's default group the first time it looks. */
	if (project[0])
		r = secgroup_default(st, project, def);
	if (r >= 0)
		ids = all ? network_ids(st, &r, "SELECT id FROM security_group", "")
			  : network_ids(st, &r, "SELECT id FROM security_group WHERE project_id = ?",
					"s", project);
	if (r >= 0 && ids)
		out = nova_groups(c, st, ids, &r);
	if (api_write_end(res, st, r, "security groups") < 0) {
		json_decref(out);
		return -1;
	}
	return http_reply(res, 200, json_pack("{s:o}", "security_groups", out));
}

/* Group id as c may see it in Nova's shape, or -1 with Nova's 404. */
static json_t *group_find(struct http_request *req, struct http_response *res, struct store *st,
			  const char *id)
{
	struct net_fault nf = { 0 };
	_cleanup_json_ json_t *g = NULL;
	int r = l3_secgroup_for(&req->caller, st, id, &g, &nf);

	if (r < 0) {
		reply_fault(res, r, &nf, 409, "security group");
		return NULL;
	}
	return nova_group(&req->caller, st, g);
}

int h_nova_secgroup_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "group_id");
	struct store *st = basalt_store(req->b);
	json_t *g;

	if (nova_proxy_gone(req, res, 36) < 0 || check_id(res, id) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	g = group_find(req, res, st, id);
	return g ? http_reply(res, 200, json_pack("{s:o}", "security_group", g)) : -1;
}

/* {"security_group": {"name": "...", "description": "..."}} as Nova's
 * schema: both strings of at most 255 characters. The body (owned) with
 * *sg in it, or NULL with a 400. */
static json_t *group_body(struct http_request *req, struct http_response *res, json_t **sg)
{
	json_t *body = http_body_json(req, res);
	static const char *const keys[] = { "name", "description" };

	if (!body)
		return NULL;
	*sg = json_object_get(body, "security_group");
	if (!json_is_object(*sg)) {
		json_decref(body);
		http_error(res, 400, "Invalid input for field/attribute security_group. "
				     "'security_group' is a required property of an object");
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const json_t *v = json_object_get(*sg, keys[i]);
		if (!json_is_string(v) || json_string_length(v) > 255) {
			http_error(res, 400, "Invalid input for field/attribute %s. %s", keys[i],
				   !v ? "It is a required property."
				      : "Value must be a string of at most 255 characters.");
			json_decref(body);
			return NULL;
		}
	}
	return body;
}

int h_nova_secgroup_create(struct http_request *req, struct http_response *res)
{
	json_t *sg, *out = NULL;
	_cleanup_json_ json_t *body = NULL, *g = NULL;
	struct net_fault nf = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0 || !(body = group_body(req, res, &sg)) ||
	    !(st = api_write_begin(req, res)))
		return -1;
	const struct secgroup_spec s = {
		.name = json_str(sg, "name"),
		.description = json_str(sg, "description"),
		.stateful = true,
	};
	r = secgroup_create(req->b, &req->caller, st, &s, id, &nf);
	/* Nova: Neutron's 400 is Invalid, its 409 (quota, "default") a 403. */
	if (r < 0)
		reply_fault(res, r, &nf, 403, "security group");
	else if ((g = l3_secgroup_load(&req->caller, st, id, &r)))
		out = nova_group(&req->caller, st, g);
	if (api_write_end(res, st, r, "security group") < 0) {
		json_decref(out);
		return -1;
	}
	return http_reply(res, 200, json_pack("{s:o}", "security_group", out));
}

int h_nova_secgroup_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "group_id");
	json_t *sg, *out = NULL;
	_cleanup_json_ json_t *body = NULL, *g = NULL;
	struct net_fault nf = { 0 };
	char project[65];
	struct store *st;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0 || check_id(res, id) < 0 ||
	    !(body = group_body(req, res, &sg)) || !(st = api_write_begin(req, res)))
		return -1;
	const struct secgroup_change ch = {
		.name = json_str(sg, "name"),
		.description = json_str(sg, "description"),
	};
	r = l3_secgroup_for(&req->caller, st, id, &g, &nf);
	/* Neutron's update_security_group against the group's project. */
	if (r >= 0) {
		snprintf(project, sizeof(project), "%s", json_str(g, "project_id"));
		if (!policy_allows(&req->caller, "update_security_group",
				   &(struct target){ .project_id = project }))
			r = net_fault(&nf, -EPERM, NF_POLICY, "update_security_group", NULL);
	}
	if (r >= 0)
		r = secgroup_update(&req->caller, st, id, &ch, &nf);
	if (r < 0)
		reply_fault(res, r, &nf, 400, "security group");
	else {
		json_decref(g);
		if ((g = l3_secgroup_load(&req->caller, st, id, &r)))
			out = nova_group(&req->caller, st, g);
	}
	if (api_write_end(res, st, r, "security group") < 0) {
		json_decref(out);
		return -1;
	}
	return http_reply(res, 200, json_pack("{s:o}", "security_group", out));
}

int h_nova_secgroup_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "group_id");
	_cleanup_json_ json_t *g = NULL;
	struct net_fault nf = { 0 };
	char project[65];
	struct store *st;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0 || check_id(res, id) < 0 ||
	    !(st = api_write_begin(req, res)))
		return -1;
	r = l3_secgroup_for(&req->caller, st, id, &g, &nf);
	if (r >= 0) {
		snprintf(project, sizeof(project), "%s", json_str(g, "project_id"));
		if (!policy_allows(&req->caller, "delete_security_group",
				   &(struct target){ .project_id = project }))
			r = net_fault(&nf, -EPERM, NF_POLICY, "delete_security_group", NULL);
	}
	if (r >= 0)
		r = secgroup_remove(&req->caller, st, id, &nf);
	/* Nova: Neutron's 409 (in use, the default group) is Invalid, 400. */
	if (r < 0)
		reply_fault(res, r, &nf, 400, "security group");
	if (api_write_end(res, st, r, "security group") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

/* ---- /os-security-group-rules ---- */

/* An integer port as Nova takes it (int() of a number or a string):
 * 0 with *out, -EINVAL when it is none. */
static int port_value(const json_t *v, int64_t *out)
{
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && json_string_value(v)[0]) {
		*out = strtoll(json_string_value(v), &end, 10);
		return *end ? -EINVAL : 0;
	}
	return -EINVAL;
}

static const json_t *given(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return v && !json_is_null(v) ? v : NULL;
}

/* Nova's _new_ingress_rule: the Neutron rule (new reference) for a Nova
 * rule body, or NULL with Nova's 400 in res. */
static json_t *neutron_rule(struct http_response *res, const json_t *rule)
{
	const json_t *proto_v = given(rule, "ip_protocol"), *from_v = given(rule, "from_port");
	const json_t *to_v = given(rule, "to_port"), *cidr_v = given(rule, "cidr");
	const char *group = json_str(rule, "group_id"), *cidr = "0.0.0.0/0";
	char proto[32] = "";
	int64_t from = 0, to = 0;
	bool ports = false;
	struct l3_prefix p;
	json_t *out;

	if (proto_v) {
		if (!json_is_string(proto_v) || json_string_length(proto_v) >= sizeof(proto)) {
			http_error(res, 400, "Invalid IP protocol %s.",
				   json_is_string(proto_v) ? json_string_value(proto_v) : "(not a string)");
			return NULL;
		}
		snprintf(proto, sizeof(proto), "%s", json_string_value(proto_v));
	}
	if (!group && cidr_v) {
		if (!json_is_string(cidr_v) || l3_prefix_parse(json_string_value(cidr_v), &p) < 0 ||
		    !strchr(json_string_value(cidr_v), '/')) {
			http_error(res, 400, "Invalid cidr %s.",
				   json_is_string(cidr_v) ? json_string_value(cidr_v) : "(not a string)");
			return NULL;
		}
		cidr = json_string_value(cidr_v);
		if (p.len == 0 && strcmp(cidr, "0.0.0.0/0") != 0 && strcmp(cidr, "::/0") != 0) {
			http_error(res, 400, "Bad prefix for network in cidr %s", cidr);
			return NULL;
		}
	}
	/* With a source group, no ports open everything of the protocol. */
	if (group && !from_v && !to_v && proto[0]) {
		if (strcasecmp(proto, "icmp") == 0)
			from = to = -1, ports = true;
		else if (strcasecmp(proto, "tcp") == 0 || strcasecmp(proto, "udp") == 0)
			from = 1, to = 65535, ports = true;
	} else if (proto[0] && from_v && to_v) {
		bool icmp = strcasecmp(proto, "icmp") == 0;
		if (port_value(from_v, &from) < 0 || port_value(to_v, &to) < 0) {
			http_error(res, 400, "Invalid input received: %s",
				   icmp ? "Type and Code must be integers for ICMP protocol type"
					: "To and From ports must be integers");
			return NULL;
		}
		ports = true;
	}
	if (ports) {
		bool tcp_udp = strcasecmp(proto, "tcp") == 0 || strcasecmp(proto, "udp") == 0;
		if (!tcp_udp && strcasecmp(proto, "icmp") != 0) {
			http_error(res, 400, "Invalid IP protocol %s.", proto);
			return NULL;
		}
		if (tcp_udp && from > to) {
			http_error(res, 400, "Invalid port range %" PRId64 ":%" PRId64 ". Former value "
				   "cannot be greater than the later", from, to);
			return NULL;
		}
		if (tcp_udp && (from < 1 || to > 65535)) {
			http_error(res, 400, "Invalid port range %" PRId64 ":%" PRId64 ". Valid %s "
				   "ports should be between 1-65535", from, to,
				   strcasecmp(proto, "tcp") == 0 ? "TCP" : "UDP");
			return NULL;
		}
		if (!tcp_udp && (from < -1 || from > 255 || to < -1 || to > 255)) {
			http_error(res, 400, "Invalid port range %" PRId64 ":%" PRId64 ". For ICMP, "
				   "the type:code must be valid", from, to);
			return NULL;
		}
	} else if (!group) {
		/* A cidr rule needs its protocol and ports. */
		http_error(res, 400, "Not enough parameters to build a valid rule.");
		return NULL;
	}
	out = json_pack("{s:s,s:s,s:s}", "direction", "ingress", "security_group_id",
			json_str(rule, "parent_group_id"), "ethertype",
			!group && strchr(cidr, ':') ? "IPv6" : "IPv4");
	if (!out) {
		http_error_errno(res, -ENOMEM, "rule");
		return NULL;
	}
	if (group)
		json_object_set_new(out, "remote_group_id", json_string(group));
	else
		json_object_set_new(out, "remote_ip_prefix", json_string(cidr));
	if (ports) {
		for (size_t i = 0; proto[i]; i++)
			proto[i] = (char)(proto[i] >= 'A' && proto[i] <= 'Z' ? proto[i] + 32 : proto[i]);
		json_object_set_new(out, "protocol", json_string(proto));
		if (from != -1)
			json_object_set_new(out, "port_range_min", json_integer(from));
		if (to != -1)
			json_object_set_new(out, "port_range_max", json_integer(to));
	}
	return out;
}

int h_nova_sgrule_create(struct http_request *req, struct http_response *res)
{
	const struct caller *c = &req->caller;
	_cleanup_json_ json_t *body = NULL, *parent = NULL, *want = NULL, *made = NULL;
	const json_t *rule, *gid;
	struct net_fault nf = { 0 };
	char id[UUID_LEN + 1];
	json_t *out = NULL;
	struct store *st;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0 || !(body = http_body_json(req, res)))
		return -1;
	rule = json_object_get(body, "security_group_rule");
	if (!json_is_object(rule))
		return http_error(res, 400, "Invalid input for field/attribute security_group_rule. "
				  "'security_group_rule' is a required property of an object");
	if (!json_str(rule, "parent_group_id") || !uuid_like(json_str(rule, "parent_group_id")))
		return http_error(res, 400, "Invalid input for field/attribute parent_group_id. "
				  "Value: %s. It is not a 'uuid'",
				  json_str(rule, "parent_group_id") ? json_str(rule, "parent_group_id")
								    : "(missing)");
	gid = json_object_get(rule, "group_id");
	if (gid && !json_is_null(gid) && (!json_is_string(gid) || !uuid_like(json_string_value(gid))))
		return http_error(res, 400, "Invalid input for field/attribute group_id. "
				  "Value: %s. It is not a 'uuid'",
				  json_is_string(gid) ? json_string_value(gid) : "(not a string)");
	if (!(st = api_write_begin(req, res)))
		return -1;
	/* The parent group and the source group must be visible: 404. */
	r = l3_secgroup_for(c, st, json_str(rule, "parent_group_id"), &parent, &nf);
	if (r >= 0 && json_str(rule, "group_id")) {
		_cleanup_json_ json_t *src = NULL;
		r = l3_secgroup_for(c, st, json_str(rule, "group_id"), &src, &nf);
	}
	if (r < 0) {
		reply_fault(res, r, &nf, 400, "security group");
	} else if (!(want = neutron_rule(res, rule))) {
		r = -EINVAL;
	} else {
		r = sgrule_create(req->b, c, st, want, id, &nf);
		/* Nova: Neutron's 409 (a duplicate) is Invalid, 400; its quota
		 * 409 the same status. */
		if (r < 0 && nf.kind == NF_SGR_EXISTS)
			http_error(res, 400, "This rule already exists in group %s",
				   json_str(rule, "parent_group_id"));
		else if (r < 0)
			reply_fault(res, r, &nf, nf.kind == NF_QUOTA ? 403 : 400, "rule");
	}
	if (r >= 0 && (made = l3_sgrule_load(c, st, id, &r)) && !(out = nova_rule(c, st, made)))
		r = -EIO;
	if (api_write_end(res, st, r, "security group rule") < 0) {
		json_decref(out);
		return -1;
	}
	return http_reply(res, 200, json_pack("{s:o}", "security_group_rule", out));
}

int h_nova_sgrule_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "rule_id");
	struct net_fault nf = { 0 };
	struct store *st;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0 || check_id(res, id) < 0 ||
	    !(st = api_write_begin(req, res)))
		return -1;
	r = sgrule_remove(&req->caller, st, id, &nf);
	if (r < 0)
		reply_fault(res, r, &nf, 409, "security group rule");
	if (api_write_end(res, st, r, "security group rule") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

/* ---- a server's groups ---- */

/* The ports of server id (those not being detached), a new array. */
static json_t *server_port_ids(struct store *st, const char *id, int *err)
{
	return network_ids(st, err,
			   "SELECT port_id FROM server_port WHERE server_id = ? AND detaching = 0"
			   " ORDER BY ord",
			   "s", id);
}

int h_nova_server_secgroups(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	struct store *st = basalt_store(req->b);
	_cleanup_json_ json_t *ports = NULL, *ids = json_array();
	json_t *port, *out;
	size_t i;
	int r;

	if (!st || !ids)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, id, "os_compute_api:os-security-groups:list") < 0)
		return -1;
	if (!(ports = server_port_ids(st, id, &r)))
		return http_error_errno(res, r, "ports");
	json_array_foreach(ports, i, port) {
		_cleanup_json_ json_t *groups = port_group_ids(st, json_string_value(port));
		json_t *g;
		size_t j, k;
		if (!groups)
			return http_error_errno(res, -EIO, "ports");
		json_array_foreach(groups, j, g) {
			bool seen = false;
			for (k = 0; k < json_array_size(ids); k++)
				seen |= json_equal(json_array_get(ids, k), g);
			if (!seen)
				json_array_append(ids, g);
		}
	}
	if (!(out = nova_groups(&req->caller, st, ids, &r)))
		return http_error_errno(res, r, "security groups");
	return http_reply(res, 200, json_pack("{s:o}", "security_groups", out));
}

/* The id of the group name (a name in the caller's project, or an id
 * the caller may see) as Neutron's find_resourceid_by_name_or_id: 0,
 * -ENOENT, -EEXIST (several by that name: Nova's 409), or -errno. */
static int group_by_name(const struct caller *c, struct store *st, const char *name,
			 char id[UUID_LEN + 1])
{
	_cleanup_json_ json_t *byid = NULL, *ids = NULL;
	int r;

	if ((byid = l3_secgroup_load(c, st, name, &r))) {
		snprintf(id, UUID_LEN + 1, "%s", json_str(byid, "id"));
		return 0;
	}
	if (r != -ENOENT)
		return r;
	ids = network_ids(st, &r, "SELECT id FROM security_group WHERE project_id = ? AND name = ?",
			  "ss", network_caller_project(c), name);
	if (!ids)
		return r;
	if (json_array_size(ids) > 1)
		return -EEXIST;
	if (json_array_size(ids) == 0)
		return -ENOENT;
	snprintf(id, UUID_LEN + 1, "%s", json_string_value(json_array_get(ids, 0)));
	return 0;
}

/* addSecurityGroup / removeSecurityGroup of server id: {"name": N}. Each
 * of the server's ports gets (loses) the group through Neutron's port
 * update as the caller. */
int server_secgroup_action(struct http_request *req, struct http_response *res, const char *id,
			   bool add, const json_t *arg)
{
	const char *action = add ? "addSecurityGroup" : "removeSecurityGroup";
	const struct caller *c = &req->caller;
	_cleanup_json_ json_t *ports = NULL;
	struct nova_fault f = { "" };
	struct net_fault nf = { 0 };
	const char *name;
	char gid[UUID_LEN + 1];
	bool found = false;
	struct server_ref s;
	struct store *st;
	json_t *port;
	size_t i;
	int r;

	if (!json_is_object(arg) || json_object_size(arg) != 1 || !(name = json_str(arg, "name")) ||
	    !name[0])
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. "
				  "It must be {\"name\": NAME} with a name of at least one character.",
				  action, json_is_object(arg) ? "{...}" : "(not an object)");
	if (!name[strspn(name, " \t\r\n")])
		return http_error(res, 400, "Security group name cannot be empty");
	if (!(st = api_write_begin(req, res)))
		return -1;
	r = server_find(st, c, id,
			add ? "os_compute_api:os-security-groups:add"
			    : "os_compute_api:os-security-groups:remove",
			&s, &f);
	if (r < 0) {
		nova_error(res, r, &f, "server");
		goto out;
	}
	server_ref_free(&s);
	r = group_by_name(c, st, name, gid);
	if (r == -ENOENT)
		http_error(res, 404, "Security group %s is not found for project %s", name,
			   network_caller_project(c));
	else if (r == -EEXIST)
		http_error(res, 409, "Multiple security_group matches found for name '%s', use an "
				     "ID to be more specific.", name);
	if (r < 0 || !(ports = server_port_ids(st, id, &r)))
		goto out;
	if (json_array_size(ports) == 0) {
		r = -ENOENT;
		http_error(res, 404, "instance_id %s could not be found as device id on any ports", id);
		goto out;
	}
	json_array_foreach(ports, i, port) {
		const char *pid = json_string_value(port);
		_cleanup_json_ json_t *groups = port_group_ids(st, pid), *ips = port_fixed_ips(st, pid);
		json_t *g, *want = json_array();
		struct port_row p;
		bool has = false;
		size_t j;

		if (!groups || !ips || !want || (r = port_store_get(st, pid, &p)) < 0) {
			json_decref(want);
			r = r < 0 ? r : -ENOMEM;
			break;
		}
		json_array_foreach(groups, j, g) {
			if (strcmp(json_string_value(g), gid) == 0)
				has = true;
			else
				json_array_append(want, g);
		}
		if (add && (!p.port_security || json_array_size(ips) == 0)) {
			json_decref(want);
			r = -EINVAL;
			http_error(res, 400, "Network requires port_security_enabled and subnet "
					     "associated in order to apply security groups.");
			break;
		}
		if (add == has) {
			/* Already there (add) or not there (remove): unchanged. */
			found |= has;
			json_decref(want);
			continue;
		}
		if (add)
			json_array_append_new(want, json_string(gid));
		found = true;
		r = port_update(c, st, pid, &(struct port_update){ .security_groups = want }, &nf);
		json_decref(want);
		if (r < 0) {
			reply_fault(res, r, &nf, 409, "port");
			break;
		}
	}
	if (r >= 0 && !add && !found) {
		r = -ENOENT;
		http_error(res, 404, "Security group %s not associated with the instance %s", name, id);
	}
out:
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}
