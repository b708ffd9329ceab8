/* routers.c - /network/v2.0/routers: create, show, list, update and
 * delete routers, and their external gateway (a port on a router:external
 * network, bound to the router's network node). Interfaces are in
 * router_interfaces.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int l3_router_load(const struct caller *c, struct store *st, const char *id,
		   struct l3_router *rt)
{
	int r = router_store_get(st, id, rt);

	if (r >= 0 && !policy_allows(c, "get_router", &(struct target){ .project_id = rt->project_id }))
		r = -ENOENT;
	return r;
}

int l3_router_find(const struct caller *c, struct store *st, const char *id,
		   struct l3_router *rt, struct http_response *res)
{
	int r = l3_router_load(c, st, id, rt);

	if (r == -ENOENT)
		return http_error(res, 404, "Router %s could not be found", id);
	if (r < 0)
		return http_error_errno(res, r, "router");
	return 0;
}

/* ---- the external gateway ---- */

/* Floating IPs go through the router's gateway: it stays while they do. */
static int gw_check_unused(struct store *st, const struct l3_router *rt,
			   struct http_response *res)
{
	int64_t n = 0;
	int r = fip_store_count_on_router(st, rt->id, &n);

	if (r < 0)
		return http_error_errno(res, r, "floating IPs");
	if (n > 0)
		return http_error(res, 409, "Gateway cannot be updated for router %s, since a gateway to external network %s is required by one or more floating IPs.", rt->id, rt->gw_network_id);
	return 0;
}

static int gw_clear(struct store *st, struct l3_router *rt, struct http_response *res)
{
	char port[sizeof(rt->gw_port_id)];
	int r;

	if (!rt->gw_port_id[0])
		return 0;
	if (gw_check_unused(st, rt, res) < 0)
		return -1;
	copy(port, sizeof(port), rt->gw_port_id);
	rt->gw_network_id[0] = rt->gw_port_id[0] = '\0';
	r = router_store_set_gateway(st, rt);
	if (r >= 0)
		r = port_delete(st, port);
	if (r < 0)
		return http_error_errno(res, r, "router gateway");
	return 0;
}

/* Check external_gateway_info's shape: {network_id, enable_snat?,
 * external_fixed_ips?: [{subnet_id?, ip_address?}]}. */
static int gw_check_shape(const json_t *info, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "network_id", J_STRING, true, 64 },
		{ "enable_snat", J_BOOL, false, 0 },
		{ "external_fixed_ips", J_ARRAY, false, 0 },
		{ "qos_policy_id", J_STRING_NULL, false, 64 },
	};
	static const struct jfield ip_fields[] = {
		{ "subnet_id", J_STRING, false, 64 },
		{ "ip_address", J_STRING, false, 64 },
	};
	char err[256];
	size_t i;
	json_t *ip;

	if (json_check(info, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "Invalid input for external_gateway_info. Reason: %s", err);
	json_array_foreach(json_object_get(info, "external_fixed_ips"), i, ip)
		if (json_check(ip, ip_fields, ARRAY_SIZE(ip_fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "Invalid input for external_fixed_ips. Reason: %s", err);
	return 0;
}

int l3_check_external(const struct caller *c, struct store *st, const char *network_id,
		      const char *resource, struct http_response *res)
{
	struct network_row n;
	int r = network_get_row(c, st, network_id, &n);

	if (r == -ENOENT)
		return http_error(res, 404, "Network %s could not be found.", network_id);
	if (r < 0)
		return http_error_errno(res, r, "network");
	if (!n.external) {
		if (strcmp(resource, "floatingip") == 0)
			return http_error(res, 400, "Bad floatingip request: Network %s is not a valid external network.", network_id);
		return http_error(res, 400, "Bad router request: Network %s is not an external network.", network_id);
	}
	return 0;
}

/* Gateway options only admins may set (Neutron's
 * VERB_router:external_gateway_info:ATTR rules). */
static int gw_policy(const struct caller *c, const char *verb, const struct l3_router *rt,
		     const json_t *info, struct http_response *res)
{
	static const char *const attrs[] = { "enable_snat", "external_fixed_ips" };
	const struct target t = { .project_id = rt->project_id };
	char rule[96];

	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (!json_object_get(info, attrs[i]))
			continue;
		snprintf(rule, sizeof(rule), "%s_router:external_gateway_info:%s", verb, attrs[i]);
		if (!policy_allows(c, rule, &t))
			return http_error(res, 403, "(rule:%s) is disallowed by policy", rule);
	}
	return 0;
}

/* Make the router's gateway what info asks (null: none) for c, in the
 * caller's write transaction (verb: "create" or "update", for the rules).
 * rt is updated. */
static int gw_set(struct basalt *b, const struct caller *c, const char *verb, struct store *st,
		  struct l3_router *rt, const json_t *info, struct http_response *res)
{
	struct net_fault f = { 0 };

	const json_t *ips;
	const char *net;
	bool snat;
	int r;

	if (!info || json_is_null(info) || (json_is_object(info) && json_object_size(info) == 0))
		return gw_clear(st, rt, res);
	if (!json_is_object(info))
		return http_error(res, 400, "Invalid input for external_gateway_info. Reason: it must be an object.");
	if (gw_check_shape(info, res) < 0 || gw_policy(c, verb, rt, info, res) < 0)
		return -1;
	net = json_str(info, "network_id");
	ips = json_object_get(info, "external_fixed_ips");
	snat = !json_is_false(json_object_get(info, "enable_snat"));
	if (l3_check_external(c, st, net, "router", res) < 0)
		return -1;
	/* Same network, same addresses: only SNAT may change. */
	if (!rt->gw_port_id[0] || strcmp(rt->gw_network_id, net) != 0 || ips) {
		struct port_spec spec = {
			.network_id = net,
			.project_id = "", /* Neutron's own port, as its gateway ports are */
			.device_owner = "network:router_gateway",
			.device_id = rt->id,
			.host = rt->host,
			.fixed_ips = ips,
			.port_security_enabled = -1,
		};
		char port[UUID_LEN + 1];

		if (rt->gw_port_id[0] && strcmp(rt->gw_network_id, net) != 0 &&
		    gw_check_unused(st, rt, res) < 0)
			return -1;
		/* The old port goes first so that its addresses may be asked again. */
		if (rt->gw_port_id[0]) {
			char old[sizeof(rt->gw_port_id)];
			copy(old, sizeof(old), rt->gw_port_id);
			rt->gw_port_id[0] = '\0';
			r = router_store_set_gateway(st, rt);
			if (r >= 0)
				r = port_delete(st, old);
			if (r < 0)
				return http_error_errno(res, r, "router gateway");
		}
		r = port_make(b, st, &spec, port, &f);
		if (r < 0)
			return network_fault_reply(res, r, &f, "router gateway");
		copy(rt->gw_port_id, sizeof(rt->gw_port_id), port);
		copy(rt->gw_network_id, sizeof(rt->gw_network_id), net);
	}
	rt->enable_snat = snat;
	r = router_store_set_gateway(st, rt);
	return r < 0 ? http_error_errno(res, r, "router") : 0;
}

/* ---- handlers ---- */

int h_router_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "routers", "routers", "get_router",
						 network_target_col2, router_store_render_row };

	return network_list_sql(req, res, &l, router_store_list_sql, "");
}

int h_router_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = basalt_store(req->b);
	struct l3_router rt;
	json_t *o = NULL;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "router");
	r = l3_router_find(&req->caller, st, id, &rt, res);
	if (r >= 0 && !(o = router_store_render(&req->caller, st, id)))
		r = http_error_errno(res, -EIO, "router");
	store_rollback(st);
	return r < 0 ? -1 : network_show_reply(req, res, 200, "router", o);
}

static const struct jfield router_fields[] = {
	{ "name", J_STRING_NULL, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "admin_state_up", J_BOOL, false, 0 },
	{ "external_gateway_info", J_ANY, false, 0 },
	{ "project_id", J_STRING, false, 64 },
	{ "tenant_id", J_STRING, false, 64 },
	{ "distributed", J_BOOL, false, 0 },
	{ "ha", J_BOOL, false, 0 },
	{ "availability_zone_hints", J_ARRAY, false, 0 },
	{ "routes", J_ARRAY, false, 0 },
	{ "flavor_id", J_STRING_NULL, false, 64 },
};

/* What Basalt's routers cannot be: distributed, HA (whose attributes only
 * admins may set: VERB_router:distributed, :ha), or with extra routes. */
static int check_unsupported(const struct caller *c, const char *verb, const json_t *o,
			     struct http_response *res)
{
	static const char *const admin_attrs[] = { "distributed", "ha" };
	char rule[64];

	for (size_t i = 0; i < ARRAY_SIZE(admin_attrs); i++) {
		snprintf(rule, sizeof(rule), "%s_router:%s", verb, admin_attrs[i]);
		if (json_object_get(o, admin_attrs[i]) && !policy_allows(c, rule, NULL))
			return http_error(res, 403, "(rule:%s) is disallowed by policy", rule);
	}
	if (json_is_true(json_object_get(o, "distributed")) || json_is_true(json_object_get(o, "ha")))
		return http_error(res, 400, "Bad router request: distributed and ha routers are not supported.");
	if (json_array_size(json_object_get(o, "routes")) > 0)
		return http_error(res, 400, "Bad router request: extra routes are not supported.");
	if (json_array_size(json_object_get(o, "availability_zone_hints")) > 0)
		return http_error(res, 400, "Bad router request: availability zones are not supported.");
	if (json_str(o, "flavor_id"))
		return http_error(res, 400, "Bad router request: router flavors are not supported.");
	return 0;
}

int h_router_create(struct http_request *req, struct http_response *res)
{
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "router", router_fields, ARRAY_SIZE(router_fields), &o);
	struct l3_router rt = { .enable_snat = true };
	const char *project;
	struct store *st;
	int r;

	if (!body || check_unsupported(&req->caller, "create", o, res) < 0 ||
	    !(project = l3_body_project(&req->caller, "create_router", o, res)))
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	uuid_new(rt.id);
	copy(rt.project_id, sizeof(rt.project_id), project);
	r = network_quota_check(req->b, st, project, "router", 1, res);
	if (r >= 0 && (r = network_host_pick(req->b, st, rt.host)) < 0)
		r = http_error_errno(res, r, "router scheduling");
	if (r >= 0 && (r = router_store_insert(st, &rt, json_str(o, "name"), json_str(o, "description"),
					       !json_is_false(json_object_get(o, "admin_state_up")))) < 0)
		r = http_error_errno(res, r, "router");
	if (r >= 0)
		r = gw_set(req->b, &req->caller, "create", st, &rt,
			   json_object_get(o, "external_gateway_info"), res);
	if (r >= 0 && !(out = router_store_render(&req->caller, st, rt.id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "router", 201, "router", out);
}

int h_router_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "router", router_fields, ARRAY_SIZE(router_fields), &o);
	bool up = json_is_true(json_object_get(o, "admin_state_up"));
	struct l3_router rt;
	struct store *st;
	int r;

	if (!body || check_unsupported(&req->caller, "update", o, res) < 0)
		return -1;
	if (json_object_get(o, "project_id") || json_object_get(o, "tenant_id"))
		return http_error(res, 400, "Cannot update read-only attribute project_id");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = l3_router_find(&req->caller, st, id, &rt, res);
	if (r >= 0 && !policy_allows(&req->caller, "update_router",
				     &(struct target){ .project_id = rt.project_id }))
		r = http_error(res, 403, "(rule:update_router) is disallowed by policy");
	if (r >= 0 && json_object_get(o, "external_gateway_info"))
		r = gw_set(req->b, &req->caller, "update", st, &rt,
			   json_object_get(o, "external_gateway_info"), res);
	/* A null name or description is the empty string, as Neutron's. */
	if (r >= 0 && (r = router_store_update(
			   st, id, json_object_get(o, "name") ? (json_str(o, "name") ? json_str(o, "name") : "") : NULL,
			   json_object_get(o, "description") ? (json_str(o, "description") ? json_str(o, "description") : "") : NULL,
			   json_object_get(o, "admin_state_up") ? &up : NULL)) < 0)
		r = http_error_errno(res, r, "router");
	if (r >= 0 && !(out = router_store_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "router", 200, "router", out);
}

int h_router_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = api_write_begin(req, res);
	struct l3_router rt;
	int64_t n = 0;
	int r;

	if (!st)
		return -1;
	r = l3_router_find(&req->caller, st, id, &rt, res);
	if (r >= 0 && !policy_allows(&req->caller, "delete_router",
				     &(struct target){ .project_id = rt.project_id }))
		r = http_error(res, 403, "(rule:delete_router) is disallowed by policy");
	if (r >= 0) {
		json_t *legs = port_store_ids_of_device(st, id, "network:router_interface", &r);
		n = legs ? (int64_t)json_array_size(legs) : 0;
		json_decref(legs);
	}
	if (r >= 0 && n > 0)
		r = http_error(res, 409, "Router %s still has ports", id);
	if (r >= 0)
		r = gw_clear(st, &rt, res);
	if (r >= 0)
		r = router_store_delete(st, id);
	if (api_write_end(res, st, r, "router") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
