/* port_api.c - /network/v2.0/ports: parse, call ports.c, render. */
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
#include "network/handlers.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* A row of port_store_list_sql: its policy target. */
static void port_list_target(struct store_stmt *q, struct target *t)
{
	t->project_id = store_text(q, 1);
	t->network_project_id = store_text(q, 2);
}

static json_t *render_port_row(const struct caller *c, struct store *st, struct store_stmt *q)
{
	return port_store_render(c, st, store_text(q, 0));
}

int h_port_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "ports", "port", "get_port", port_list_target,
						 render_port_row };

	return network_list_sql(req, res, &l, port_store_list_sql, "");
}

int h_port_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "port_id");
	_cleanup_free_ char *net_project = NULL;
	struct port_row p;
	struct target t;
	json_t *out = NULL;
	int r;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	r = port_get(&req->caller, st, id, &p, &t, &net_project);
	if (r >= 0 && !(out = port_store_render(&req->caller, st, id)))
		r = -EIO;
	store_rollback(st);
	if (r == -ENOENT)
		return http_error(res, 404, "Port %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "port");
	return network_show_reply(req, res, 200, "port", out);
}

/* Attributes Basalt shows but does not implement accept only their empty
 * value. */
static int unsupported(struct http_response *res, const json_t *p)
{
	const json_t *v;

	if (json_array_size(json_object_get(p, "allowed_address_pairs")))
		return http_error(res, 400, "Invalid input for operation: allowed_address_pairs are not supported.");
	if (json_array_size(json_object_get(p, "extra_dhcp_opts")))
		return http_error(res, 400, "Invalid input for operation: extra_dhcp_opts are not supported.");
	v = json_object_get(p, "binding:vnic_type");
	if (v && !(json_is_string(v) && strcmp(json_string_value(v), "normal") == 0))
		return http_error(res, 400, "Invalid input for binding:vnic_type. Reason: only 'normal' is supported.");
	v = json_object_get(p, "binding:profile");
	if (v && !json_is_object(v) && !json_is_null(v))
		return http_error(res, 400, "Invalid input for binding:profile. Reason: not a dictionary.");
	if (json_str(p, "dns_name") && json_str(p, "dns_name")[0])
		return http_error(res, 400, "Invalid input for operation: dns_name is not supported.");
	return 0;
}

/* One port of a create (single or bulk) in st: create_port and its
 * attribute rules for each. */
static int port_item_create(struct http_request *req, struct http_response *res,
			    struct store *st, json_t *p, char id[UUID_LEN + 1])
{
	static const struct jfield fields[] = {
		{ "network_id", J_STRING, true, 64 },
		{ "name", J_STRING_NULL, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "admin_state_up", J_BOOL, false, 0 },
		{ "mac_address", J_STRING, false, 32 },
		{ "fixed_ips", J_ARRAY, false, 0 },
		{ "device_id", J_STRING_NULL, false, 255 },
		{ "device_owner", J_STRING_NULL, false, 255 },
		{ "binding:host_id", J_STRING_NULL, false, 255 },
		{ "binding:vnic_type", J_ANY, false, 0 },
		{ "binding:profile", J_ANY, false, 0 },
		{ "security_groups", J_ARRAY, false, 0 },
		{ "port_security_enabled", J_BOOL, false, 0 },
		{ "tenant_id", J_STRING, false, 64 },
		{ "project_id", J_STRING, false, 64 },
		{ "allowed_address_pairs", J_ARRAY, false, 0 },
		{ "extra_dhcp_opts", J_ARRAY, false, 0 },
		{ "dns_name", J_STRING_NULL, false, 255 },
	};
	const char *t, *pr;
	struct port_spec spec = { 0 };
	struct net_fault f = { 0 };
	int r;

	if (network_item_check(res, p, fields, ARRAY_SIZE(fields)) < 0 || unsupported(res, p) < 0)
		return -1;
	t = json_str(p, "tenant_id");
	pr = json_str(p, "project_id");
	if (t && pr && strcmp(t, pr))
		return http_error(res, 400, "Invalid input: tenant_id and project_id differ.");
	spec.project_id = pr ? pr : t ? t : network_caller_project(&req->caller);
	if (!policy_allows(&req->caller, "create_port", &(struct target){ .project_id = spec.project_id }))
		return http_error(res, 403, "(rule:create_port) is disallowed by policy");
	spec.network_id = json_str(p, "network_id");
	spec.name = json_str(p, "name");
	spec.description = json_str(p, "description");
	spec.device_owner = json_str(p, "device_owner");
	spec.device_id = json_str(p, "device_id");
	spec.host = json_str(p, "binding:host_id");
	spec.mac = json_str(p, "mac_address");
	spec.fixed_ips = json_object_get(p, "fixed_ips");
	spec.security_groups = json_object_get(p, "security_groups");
	spec.port_security_enabled = json_object_get(p, "port_security_enabled")
					     ? json_is_true(json_object_get(p, "port_security_enabled"))
					     : -1;
	spec.admin_state_down = json_is_false(json_object_get(p, "admin_state_up"));
	spec.binding_profile = json_object_get(p, "binding:profile") != NULL;
	spec.allowed_address_pairs = json_object_get(p, "allowed_address_pairs") != NULL;
	r = port_create(req->b, &req->caller, st, &spec, id, &f);
	return r < 0 ? network_fault_reply(res, r, &f, "port") : 0;
}

int h_port_create(struct http_request *req, struct http_response *res)
{
	static const struct network_creator k = { "port", "ports", port_item_create,
						  port_store_render };

	return network_create_reply(req, res, &k);
}

int h_port_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING_NULL, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "admin_state_up", J_BOOL, false, 0 },
		{ "fixed_ips", J_ARRAY, false, 0 },
		{ "device_id", J_STRING_NULL, false, 255 },
		{ "device_owner", J_STRING_NULL, false, 255 },
		{ "binding:host_id", J_STRING_NULL, false, 255 },
		{ "binding:vnic_type", J_ANY, false, 0 },
		{ "binding:profile", J_ANY, false, 0 },
		{ "security_groups", J_ARRAY, false, 0 },
		{ "port_security_enabled", J_BOOL, false, 0 },
		{ "allowed_address_pairs", J_ARRAY, false, 0 },
		{ "extra_dhcp_opts", J_ARRAY, false, 0 },
	};
	const char *id = http_param(req, "port_id");
	json_t *p, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "port", fields, ARRAY_SIZE(fields), &p);
	const json_t *sec = json_object_get(p, "port_security_enabled");
	const json_t *up = json_object_get(p, "admin_state_up");
	bool sec_v = json_is_true(sec), up_v = json_is_true(up);
	struct port_update u = { 0 };
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body || unsupported(res, p) < 0)
		return -1;
	u.ch.name = json_str(p, "name");
	u.ch.description = json_str(p, "description");
	u.ch.device_id = json_str(p, "device_id");
	u.ch.device_owner = json_str(p, "device_owner");
	u.ch.host = json_str(p, "binding:host_id");
	u.ch.admin_state_up = up ? &up_v : NULL;
	u.ch.port_security = sec ? &sec_v : NULL;
	u.attrs = (struct port_attrs){
		.device_owner = u.ch.device_owner,
		.port_security = sec != NULL,
		.host = json_object_get(p, "binding:host_id") != NULL,
		.profile = json_object_get(p, "binding:profile") != NULL,
		.address_pairs = json_object_get(p, "allowed_address_pairs") != NULL,
		.fixed_ips = json_object_get(p, "fixed_ips"),
	};
	u.fixed_ips = json_object_get(p, "fixed_ips");
	u.security_groups = json_object_get(p, "security_groups");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = port_update(&req->caller, st, id, &u, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "port");
	else if (!(out = port_store_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "port", 200, "port", out);
}

int h_port_delete(struct http_request *req, struct http_response *res)
{
	return network_delete_reply(req, res, "port_id", "port", port_remove);
}
