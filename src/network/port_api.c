/* port_api.c - /network/v2.0/ports: the handlers over ports.c. */
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
#include "store/store.h"

/* Ports a caller sees: admins all; others their project's, and those on
 * their project's networks (Neutron's network-owner rule). */
#define PORT_VISIBLE                                                                               \
	" FROM port p JOIN network n ON n.id = p.network_id"                                       \
	" WHERE (?2 = 1 OR p.project_id = ?1 OR n.project_id = ?1)"

static json_t *port_visible(const struct http_request *req, struct store *st, const char *id)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT p.id" PORT_VISIBLE " AND p.id = ?3", "sbs",
			    network_caller_project(req), http_is_admin(req), id);

	if (r < 0)
		return NULL;
	r = store_next(q);
	store_done(q);
	return r > 0 ? port_render(req, st, id) : NULL;
}

/* A row of "SELECT p.id" as the API shows the port (new reference). */
static json_t *render_port_row(const struct http_request *req, struct store *st,
			       struct store_stmt *q)
{
	return port_render(req, st, store_text(q, 0));
}

int h_port_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "ports", "port", -1, render_port_row };

	return network_list_sql(req, res, &l,
				"SELECT p.id" PORT_VISIBLE " ORDER BY p.created_at, p.id", "sb",
				network_caller_project(req), http_is_admin(req));
}

int h_port_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "port_id");
	json_t *p;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	p = port_visible(req, st, id);
	store_rollback(st);
	if (!p)
		return http_error(res, 404, "Port %s could not be found.", id);
	return network_show_reply(req, res, 200, "port", p);
}

/* Attributes Basalt shows but does not implement accept only their empty
 * value; binding:* only from admins (and services, which hold admin). */
static int common_checks(const struct http_request *req, struct http_response *res, const json_t *p)
{
	const json_t *v;

	if (json_array_size(json_object_get(p, "allowed_address_pairs")))
		return http_error(res, 400, "Invalid input for operation: allowed_address_pairs are not supported.");
	if (json_array_size(json_object_get(p, "extra_dhcp_opts")))
		return http_error(res, 400, "Invalid input for operation: extra_dhcp_opts are not supported.");
	v = json_object_get(p, "binding:vnic_type");
	if (v && !(json_is_string(v) && strcmp(json_string_value(v), "normal") == 0))
		return http_error(res, 400, "Invalid input for binding:vnic_type. Reason: only 'normal' is supported.");
	if (!http_is_admin(req) && (json_object_get(p, "binding:host_id") || json_object_get(p, "binding:profile")))
		return http_error(res, 403, "(rule:create_port:binding:host_id) is disallowed by policy");
	v = json_object_get(p, "binding:profile");
	if (v && !json_is_object(v) && !json_is_null(v))
		return http_error(res, 400, "Invalid input for binding:profile. Reason: not a dictionary.");
	return 0;
}

int h_port_create(struct http_request *req, struct http_response *res)
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
	json_t *p, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "port", fields, ARRAY_SIZE(fields), &p);
	const char *t, *pr;
	struct port_spec spec = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body || common_checks(req, res, p) < 0)
		return -1;
	if (json_str(p, "dns_name") && json_str(p, "dns_name")[0])
		return http_error(res, 400, "Invalid input for operation: dns_name is not supported.");
	t = json_str(p, "tenant_id");
	pr = json_str(p, "project_id");
	if (t && pr && strcmp(t, pr))
		return http_error(res, 400, "Invalid input: tenant_id and project_id differ.");
	spec.project_id = pr ? pr : t ? t : network_caller_project(req);
	if (!http_is_admin(req) && strcmp(spec.project_id, network_caller_project(req)))
		return http_error(res, 403, "(rule:create_port) is disallowed by policy: the project may only be your own.");
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
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = port_create(req, st, &spec, id, res);
	if (r >= 0)
		out = port_render(req, st, id);
	return network_write_reply(req, res, st, r, "port", 201, "port", out);
}

/* Replace the port's addresses by fixed_ips: kept entries stay, the rest
 * go back, new ones are handed out. */
static int fixed_ips_replace(struct store *st, const json_t *cur, const json_t *want,
			     struct http_response *res)
{
	_cleanup_json_ json_t *add = json_array();
	const char *port = json_str(cur, "id"), *net = json_str(cur, "network_id");
	json_t *held = json_object_get(cur, "fixed_ips"), *h, *w;
	size_t i, j;
	int r;

	json_array_foreach(held, i, h) {
		bool keep = false;
		json_array_foreach(want, j, w) {
			const char *ip = json_str(w, "ip_address"), *sub = json_str(w, "subnet_id");
			keep |= ip && strcmp(ip, json_str(h, "ip_address")) == 0 &&
				(!sub || strcmp(sub, json_str(h, "subnet_id")) == 0);
		}
		if (!keep && (r = store_exec(st, "DELETE FROM ip_allocation WHERE port_id = ? AND subnet_id = ?"
					     " AND ip_address = ?", "sss", port, json_str(h, "subnet_id"),
					     json_str(h, "ip_address"))) < 0)
			return http_error_errno(res, r, "port");
	}
	json_array_foreach(want, j, w) {
		const char *ip = json_str(w, "ip_address");
		bool held_already = false;
		json_array_foreach(held, i, h)
			held_already |= ip && strcmp(ip, json_str(h, "ip_address")) == 0;
		if (!held_already)
			json_array_append(add, w);
	}
	return json_array_size(add) ? port_fixed_ips_add(st, net, port, add, res) : 0;
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
	json_t *p, *cur = NULL, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "port", fields, ARRAY_SIZE(fields), &p);
	const json_t *sec = json_object_get(p, "port_security_enabled");
	const json_t *groups = json_object_get(p, "security_groups");
	struct store *st;
	bool security;
	int r;

	if (!body || common_checks(req, res, p) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	cur = port_visible(req, st, id);
	r = network_may_change(req, res, cur, "Port", id, "update_port");
	security = sec ? json_is_true(sec) : cur && json_is_true(json_object_get(cur, "port_security_enabled"));
	if (r >= 0 && !security &&
	    (groups ? json_array_size(groups) : json_array_size(json_object_get(cur, "security_groups"))))
		r = http_error(res, 409, "Port has security group associated. Cannot disable port security or ip address until security group is removed");
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE port SET name = COALESCE(?, name), description = COALESCE(?, description),"
			       " admin_state_up = COALESCE(?, admin_state_up), device_id = COALESCE(?, device_id),"
			       " device_owner = COALESCE(?, device_owner), host = COALESCE(?, host),"
			       " port_security_enabled = ?, updated_at = ?, revision = ? WHERE id = ?",
			       "sspsssbiis", json_str(p, "name"), json_str(p, "description"),
			       json_object_get(p, "admin_state_up") ? &(int64_t){ json_is_true(json_object_get(p, "admin_state_up")) } : NULL,
			       json_str(p, "device_id"), json_str(p, "device_owner"),
			       json_str(p, "binding:host_id"), security, now_usec(),
			       store_txn_revision(st), id);
	if (r >= 0 && json_object_get(p, "fixed_ips"))
		r = fixed_ips_replace(st, cur, json_object_get(p, "fixed_ips"), res);
	if (r >= 0 && groups)
		r = port_groups_set(req, st, id, json_str(cur, "project_id"), groups, res);
	json_decref(cur);
	if (r >= 0)
		out = port_render(req, st, id);
	return network_write_reply(req, res, st, r, "port", 200, "port", out);
}

int h_port_delete(struct http_request *req, struct http_response *res)
{
	static const char *const l3_owners[] = { "network:router_interface",
						 "network:router_gateway", "network:floatingip" };
	const char *id = http_param(req, "port_id");
	struct store *st = api_write_begin(req, res);
	json_t *cur;
	int r;

	if (!st)
		return -1;
	cur = port_visible(req, st, id);
	r = network_may_change(req, res, cur, "Port", id, "delete_port");
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(l3_owners); i++)
		if (strcmp(json_str(cur, "device_owner"), l3_owners[i]) == 0)
			r = http_error(res, 409, "Port %s has owner %s and therefore cannot be deleted directly via the port API.", id, l3_owners[i]);
	json_decref(cur);
	if (r >= 0 && (r = port_delete(st, id)) < 0)
		http_error_errno(res, r, "port");
	if (api_write_end(res, st, r, "port") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
