/* router_api.c - /network/v2.0/routers and their add_router_interface,
 * remove_router_interface: parse, call routers.c or router_interfaces.c,
 * render. */
#include <errno.h>
#include <stdio.h>
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

	if (!st || (r = store_begin_read(st)) < 0)
		return http_error_errno(res, -EIO, "store");
	r = l3_router_load(&req->caller, st, id, &rt);
	if (r >= 0 && !(o = router_store_render(&req->caller, st, id)))
		r = -EIO;
	store_rollback(st);
	if (r == -ENOENT)
		return http_error(res, 404, "Router %s could not be found", id);
	if (r < 0)
		return http_error_errno(res, r, "router");
	return network_show_reply(req, res, 200, "router", o);
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
	{ "routes", J_ANY, false, 0 },
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
	if (json_array_size(json_object_get(o, "availability_zone_hints")) > 0)
		return http_error(res, 400, "Bad router request: availability zones are not supported.");
	if (json_str(o, "flavor_id"))
		return http_error(res, 400, "Bad router request: router flavors are not supported.");
	return 0;
}

/* external_gateway_info: null, {} or {network_id, enable_snat?,
 * external_fixed_ips?: [{subnet_id?, ip_address?}], qos_policy_id?}. */
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

	if (!info || json_is_null(info) || (json_is_object(info) && json_object_size(info) == 0))
		return 0;
	if (!json_is_object(info))
		return http_error(res, 400, "Invalid input for external_gateway_info. Reason: it must be an object.");
	if (json_check(info, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "Invalid input for external_gateway_info. Reason: %s", err);
	json_array_foreach(json_object_get(info, "external_fixed_ips"), i, ip)
		if (json_check(ip, ip_fields, ARRAY_SIZE(ip_fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "Invalid input for external_fixed_ips. Reason: %s", err);
	return 0;
}

int h_router_create(struct http_request *req, struct http_response *res)
{
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "router", router_fields, ARRAY_SIZE(router_fields), &o);
	struct router_spec s = { 0 };
	struct net_fault f = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body || check_unsupported(&req->caller, "create", o, res) < 0 ||
	    gw_check_shape(json_object_get(o, "external_gateway_info"), res) < 0 ||
	    !(s.project_id = l3_body_project(&req->caller, "create_router", o, res)))
		return -1;
	s.name = json_str(o, "name");
	s.description = json_str(o, "description");
	s.admin_state_up = !json_is_false(json_object_get(o, "admin_state_up"));
	s.gateway = json_object_get(o, "external_gateway_info");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = router_create(req->b, &req->caller, st, &s, id, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "router");
	else if (!(out = router_store_render(&req->caller, st, id)))
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
	struct router_change u = { 0 };
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body || check_unsupported(&req->caller, "update", o, res) < 0 ||
	    gw_check_shape(json_object_get(o, "external_gateway_info"), res) < 0)
		return -1;
	if (json_object_get(o, "project_id") || json_object_get(o, "tenant_id"))
		return http_error(res, 400, "Cannot update read-only attribute project_id");
	u.name = network_text_or_empty(o, "name");
	u.description = network_text_or_empty(o, "description");
	u.admin_state_up = json_object_get(o, "admin_state_up") ? &up : NULL;
	u.gateway = json_object_get(o, "external_gateway_info");
	u.gateway_given = u.gateway != NULL;
	u.routes = json_object_get(o, "routes");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = router_update(req->b, &req->caller, st, id, &u, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "router");
	else if (!(out = router_store_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "router", 200, "router", out);
}

int h_router_delete(struct http_request *req, struct http_response *res)
{
	return network_delete_reply(req, res, "id", "router", router_remove);
}

/* ---- interfaces ---- */

/* {"subnet_id": …} or {"port_id": …}, exactly one for add. */
static json_t *interface_body(struct http_request *req, struct http_response *res, bool add)
{
	static const struct jfield fields[] = {
		{ "subnet_id", J_STRING, false, 64 },
		{ "port_id", J_STRING, false, 64 },
	};
	json_t *body = http_body_json(req, res);
	char err[256];

	if (!body)
		return NULL;
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0) {
		http_error(res, 400, "%s", err);
	} else if (!json_str(body, "subnet_id") && !json_str(body, "port_id")) {
		http_error(res, 400, "Bad router request: Either subnet_id or port_id must be specified.");
	} else if (add && json_str(body, "subnet_id") && json_str(body, "port_id")) {
		http_error(res, 400, "Bad router request: Cannot specify both subnet-id and port-id.");
	} else {
		return body;
	}
	json_decref(body);
	return NULL;
}

/* The reply both calls give: the router and the leg. */
static int reply_interface(struct http_response *res, const struct router_leg *leg)
{
	return http_reply(res, 200,
			  json_pack("{s:s,s:[s],s:s,s:s,s:s,s:s,s:s}", "subnet_id", leg->subnet_id,
				    "subnet_ids", leg->subnet_id, "port_id", leg->port_id, "id",
				    leg->router_id, "tenant_id", leg->project_id, "project_id",
				    leg->project_id, "network_id", leg->network_id));
}

static int interface_call(struct http_request *req, struct http_response *res, bool add)
{
	const char *id = http_param(req, "id");
	_cleanup_json_ json_t *body = interface_body(req, res, add);
	struct router_leg leg = { 0 };
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	if (add)
		r = router_interface_add(req->b, &req->caller, st, id, json_str(body, "subnet_id"),
					 json_str(body, "port_id"), &leg, &f);
	else
		r = router_interface_remove(&req->caller, st, id, json_str(body, "subnet_id"),
					    json_str(body, "port_id"), &leg, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "router interface");
	if (api_write_end(res, st, r, "router interface") < 0)
		return -1;
	return reply_interface(res, &leg);
}

int h_router_add_interface(struct http_request *req, struct http_response *res)
{
	return interface_call(req, res, true);
}

int h_router_remove_interface(struct http_request *req, struct http_response *res)
{
	return interface_call(req, res, false);
}

/* ---- extra routes, atomically (extraroute-atomic) ---- */

/* PUT /routers/{id}/add_extraroutes and remove_extraroutes: body
 * {"router": {"routes": [...]}}, answer the whole router. */
static int extraroutes_call(struct http_request *req, struct http_response *res, bool add)
{
	static const struct jfield fields[] = { { "routes", J_ANY, true, 0 } };
	const char *id = http_param(req, "id");
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "router", fields, ARRAY_SIZE(fields), &o);
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body || !(st = api_write_begin(req, res)))
		return -1;
	r = router_routes_change(&req->caller, st, id, json_object_get(o, "routes"), add, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "router");
	else if (!(out = router_store_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "router", 200, "router", out);
}

int h_router_add_extraroutes(struct http_request *req, struct http_response *res)
{
	return extraroutes_call(req, res, true);
}

int h_router_remove_extraroutes(struct http_request *req, struct http_response *res)
{
	return extraroutes_call(req, res, false);
}
