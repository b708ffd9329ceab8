/* networks.c - /network/v2.0/networks: tenant (vxlan) and provider
 * (flat, vlan) networks, shared and external ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/network.h"
#include "network/segments.h"
#include "policy/policy.h"
#include "store/store.h"

/* get_network on n: its project's, and every project's when shared or
 * external. */
static bool network_visible(const struct caller *c, const struct network_row *n)
{
	const struct target t = { .project_id = n->project_id, .shared = n->shared || n->external };

	return policy_allows(c, "get_network", &t);
}

int network_get_row(const struct caller *c, struct store *st, const char *network_id,
		    struct network_row *n)
{
	int r = network_store_get(c, st, network_id, n, NULL);

	if (r >= 0 && c && !network_visible(c, n))
		r = -ENOENT;
	return r;
}

int network_lookup(const struct caller *c, struct store *st, const char *network_id,
		   char **project, bool *shared)
{
	struct network_row n;
	int r = network_get_row(c, st, network_id, &n);

	if (r < 0)
		return r;
	*project = strdup(n.project_id);
	*shared = n.shared;
	return *project ? 0 : -ENOMEM;
}

int network_make(struct basalt *b, struct store *st, const struct network_new *nn,
		 struct segment *seg, char id[UUID_LEN + 1], struct net_fault *f)
{
	struct network_new row = *nn;
	int r = network_quota_allows(b, st, nn->project_id, "network", 1);

	if (r == -EDQUOT)
		return net_fault(f, r, NF_QUOTA, "network", NULL);
	if (r >= 0)
		r = segment_pick(b, st, seg, f);
	if (r < 0)
		return r;
	uuid_new(id);
	row.id = id;
	row.seg = seg;
	r = network_store_insert(st, &row);
	if (r == -EEXIST)
		return net_fault(f, r, NF_SEGMENT_IN_USE, seg->key, NULL);
	return r;
}

/* The network id as c may see it (get_network); NULL when it cannot. */
static json_t *network_get(const struct caller *c, struct store *st, const char *id)
{
	struct network_row n;
	json_t *out = NULL;
	int r = network_store_get(c, st, id, &n, &out);

	if (r >= 0 && !network_visible(c, &n)) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

int h_network_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "networks", "network", "get_network",
						 network_store_target, network_store_render_row };

	return network_list_sql(req, res, &l, network_store_list_sql, "");
}

int h_network_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "network_id");
	json_t *n;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	n = network_get(&req->caller, st, id);
	store_rollback(st);
	if (!n)
		return http_error(res, 404, "Network %s could not be found.", id);
	return network_show_reply(req, res, 200, "network", n);
}

static const struct jfield net_fields[] = {
	{ "name", J_STRING_NULL, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "admin_state_up", J_BOOL, false, 0 },
	{ "shared", J_BOOL, false, 0 },
	{ "router:external", J_BOOL, false, 0 },
	{ "provider:network_type", J_STRING, false, 16 },
	{ "provider:physical_network", J_STRING_NULL, false, 63 },
	{ "provider:segmentation_id", J_ANY, false, 0 },
	{ "mtu", J_ANY, false, 0 },
	{ "port_security_enabled", J_BOOL, false, 0 },
	{ "tenant_id", J_STRING, false, 64 },
	{ "project_id", J_STRING, false, 64 },
	{ "availability_zone_hints", J_ARRAY, false, 0 },
	{ "is_default", J_BOOL, false, 0 },
	{ "dns_domain", J_STRING_NULL, false, 255 },
};

/* Attributes only admins may set (Neutron's default policy: the rules
 * ACTION_network:ATTR). A value equal to the default (shared false) is
 * not "set", as Neutron's _is_attribute_explicitly_set. */
static int attr_policy(const struct caller *c, struct http_response *res, const json_t *n,
		       const char *action)
{
	static const char *const attrs[] = { "shared", "router:external", "provider:network_type",
					     "provider:physical_network", "provider:segmentation_id" };
	char rule[96];

	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		const json_t *v = json_object_get(n, attrs[i]);
		if (!v || (strcmp(action, "create") == 0 && i == 0 && json_is_false(v)))
			continue;
		snprintf(rule, sizeof(rule), "%s_network:%s", action, attrs[i]);
		if (!policy_allows(c, rule, NULL))
			return http_error(res, 403, "(rule:%s) is disallowed by policy", rule);
	}
	return 0;
}

static int mtu_check(const struct http_request *req, struct http_response *res, const json_t *v,
		     int max, int64_t *mtu)
{
	(void)req;
	if (!v || json_is_null(v)) {
		*mtu = max;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 68)
		return http_error(res, 400, "Invalid input for mtu. Reason: '%s' must be an integer of at least 68.", "mtu");
	if (json_integer_value(v) > max)
		return http_error(res, 400, "Invalid input for operation: Requested MTU is too big, maximum is %d.", max);
	*mtu = json_integer_value(v);
	return 0;
}

/* The owner a create names: the caller's project, or any the create rule
 * allows (admins). */
static int owner_of(const struct caller *c, struct http_response *res, const json_t *o,
		    const char **project)
{
	const char *t = json_str(o, "tenant_id"), *p = json_str(o, "project_id");

	if (t && p && strcmp(t, p))
		return http_error(res, 400, "Invalid input: tenant_id and project_id differ.");
	*project = p ? p : t ? t : network_caller_project(c);
	if (!policy_allows(c, "create_network", &(struct target){ .project_id = *project }))
		return http_error(res, 403, "(rule:create_network) is disallowed by policy");
	return 0;
}

int h_network_create(struct http_request *req, struct http_response *res)
{
	json_t *n;
	_cleanup_json_ json_t *body = api_body_object(req, res, "network", net_fields,
						      ARRAY_SIZE(net_fields), &n);
	struct segment seg = { .id = -1 };
	struct net_fault f = { 0 };
	const json_t *segid;
	const char *project = NULL;
	char id[UUID_LEN + 1];
	int64_t mtu;
	struct store *st;
	json_t *out;
	int r, max;

	if (!body)
		return -1;
	if (attr_policy(&req->caller, res, n, "create") < 0 || owner_of(&req->caller, res, n, &project) < 0)
		return -1;
	if (json_is_false(json_object_get(n, "port_security_enabled")))
		return http_error(res, 400, "Invalid input for operation: port_security_enabled false is not supported on networks.");
	snprintf(seg.type, sizeof(seg.type), "%s",
		 json_str(n, "provider:network_type") ? json_str(n, "provider:network_type") : "vxlan");
	snprintf(seg.physnet, sizeof(seg.physnet), "%s",
		 json_str(n, "provider:physical_network") ? json_str(n, "provider:physical_network") : "");
	segid = json_object_get(n, "provider:segmentation_id");
	if (segid && !json_is_null(segid)) {
		if (!json_is_integer(segid))
			return http_error(res, 400, "Invalid input for provider:segmentation_id. Reason: not an integer.");
		seg.id = json_integer_value(segid);
		if (seg.id < 0)
			return http_error(res, 400, "Invalid input for provider:segmentation_id. Reason: negative.");
	}
	max = req->b->cfg.global_physnet_mtu - (strcmp(seg.type, "vxlan") == 0 ? 50 : 0);
	if (mtu_check(req, res, json_object_get(n, "mtu"), max, &mtu) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	{
		const struct network_new nn = {
			.name = json_str(n, "name"),
			.project_id = project,
			.description = json_str(n, "description"),
			.admin_state_up = !json_is_false(json_object_get(n, "admin_state_up")),
			.shared = json_is_true(json_object_get(n, "shared")),
			.external = json_is_true(json_object_get(n, "router:external")),
			.mtu = mtu,
		};
		r = network_make(req->b, st, &nn, &seg, id, &f);
		if (r < 0)
			network_fault_reply(res, r, &f, "network");
	}
	out = r >= 0 ? network_get(&req->caller, st, id) : NULL;
	return network_write_reply(req, res, st, r, "network", 201, "network", out);
}

int h_network_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING_NULL, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "admin_state_up", J_BOOL, false, 0 },
		{ "shared", J_BOOL, false, 0 },
		{ "router:external", J_BOOL, false, 0 },
		{ "mtu", J_ANY, false, 0 },
		{ "port_security_enabled", J_BOOL, false, 0 },
	};
	const char *id = http_param(req, "network_id");
	json_t *n, *cur = NULL, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "network", fields, ARRAY_SIZE(fields), &n);
	struct store *st;
	int64_t mtu = 0;
	const json_t *v;
	int r, max;

	if (!body)
		return -1;
	if (attr_policy(&req->caller, res, n, "update") < 0)
		return -1;
	if (json_is_false(json_object_get(n, "port_security_enabled")))
		return http_error(res, 400, "Invalid input for operation: port_security_enabled false is not supported on networks.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	cur = network_get(&req->caller, st, id);
	r = network_may_change(&req->caller, res, cur, NULL, "Network", id, "update_network");
	if (r >= 0) {
		/* The segment is kept; read its type to bound the MTU. */
		struct network_row row;
		r = network_store_get(NULL, st, id, &row, NULL);
		max = req->b->cfg.global_physnet_mtu;
		if (r >= 0 && strcmp(row.network_type, "vxlan") == 0)
			max -= 50;
		v = json_object_get(n, "mtu");
		if (r >= 0 && v && mtu_check(req, res, v, max, &mtu) < 0)
			r = -1;
	}
	if (r >= 0) {
		bool up = json_is_true(json_object_get(n, "admin_state_up"));
		bool shared = json_is_true(json_object_get(n, "shared"));
		bool external = json_is_true(json_object_get(n, "router:external"));
		const struct network_change ch = {
			.name = json_str(n, "name"),
			.description = json_str(n, "description"),
			.admin_state_up = json_object_get(n, "admin_state_up") ? &up : NULL,
			.shared = json_object_get(n, "shared") ? &shared : NULL,
			.external = json_object_get(n, "router:external") ? &external : NULL,
		};
		struct network_change chm = ch;
		v = json_object_get(n, "mtu");
		chm.mtu = v && !json_is_null(v) ? &mtu : NULL;
		r = network_store_update(st, id, &chm);
	}
	json_decref(cur);
	out = r >= 0 ? network_get(&req->caller, st, id) : NULL;
	return network_write_reply(req, res, st, r, "network", 200, "network", out);
}

int h_network_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "network_id");
	struct store *st = api_write_begin(req, res);
	int64_t used = 0;
	json_t *cur;
	int r;

	if (!st)
		return -1;
	cur = network_get(&req->caller, st, id);
	r = network_may_change(&req->caller, res, cur, NULL, "Network", id, "delete_network");
	if (r >= 0)
		r = port_store_count_used(st, id, &used);
	json_decref(cur);
	if (r >= 0 && used > 0)
		r = http_error(res, 409, "Unable to complete operation on network %s. There are one or more ports still in use on the network.", id);
	/* What Neutron deletes with the network: its DHCP port, subnets. */
	if (r >= 0) {
		json_t *ids = port_store_ids_on_network(st, id, NULL, &r);
		size_t i;
		json_t *p;
		json_array_foreach(ids, i, p)
			if (r >= 0)
				r = port_delete(st, json_string_value(p));
		json_decref(ids);
	}
	if (r >= 0)
		r = subnet_store_delete_on_network(st, id);
	if (r >= 0)
		r = network_store_delete(st, id);
	if (api_write_end(res, st, r, "network") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
