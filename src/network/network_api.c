/* network_api.c - /network/v2.0/networks: parse, call networks.c, render. */
#include <errno.h>
#include <stdio.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/network.h"
#include "store/store.h"

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
	n = network_render(&req->caller, st, id);
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

/* Which admin-only attributes the body names. */
static void named_attrs(const json_t *n, bool named[NA_COUNT])
{
	for (size_t i = 0; i < NA_COUNT; i++)
		named[i] = json_object_get(n, network_attr_names[i]) != NULL;
}

/* One network of a create (single or bulk) in st. */
static int network_item_create(struct http_request *req, struct http_response *res,
			       struct store *st, json_t *n, char id[UUID_LEN + 1])
{
	struct network_spec s = { 0 };
	struct net_fault f = { 0 };
	int r;

	if (network_item_check(res, n, net_fields, ARRAY_SIZE(net_fields)) < 0)
		return -1;
	s.name = json_str(n, "name");
	s.description = json_str(n, "description");
	s.tenant_id = json_str(n, "tenant_id");
	s.project_id = json_str(n, "project_id");
	s.admin_state_up = !json_is_false(json_object_get(n, "admin_state_up"));
	s.shared = json_is_true(json_object_get(n, "shared"));
	s.external = json_is_true(json_object_get(n, "router:external"));
	s.port_security_off = json_is_false(json_object_get(n, "port_security_enabled"));
	s.network_type = json_str(n, "provider:network_type");
	s.physnet = json_str(n, "provider:physical_network");
	s.segmentation_id = json_object_get(n, "provider:segmentation_id");
	s.mtu = json_object_get(n, "mtu");
	named_attrs(n, s.named);
	r = network_create(req->b, &req->caller, st, &s, id, &f);
	return r < 0 ? network_fault_reply(res, r, &f, "network") : 0;
}

int h_network_create(struct http_request *req, struct http_response *res)
{
	static const struct network_creator k = { "network", "networks", network_item_create,
						  network_render };

	return network_create_reply(req, res, &k);
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
	json_t *n, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "network", fields, ARRAY_SIZE(fields), &n);
	bool up = json_is_true(json_object_get(n, "admin_state_up"));
	bool shared = json_is_true(json_object_get(n, "shared"));
	bool external = json_is_true(json_object_get(n, "router:external"));
	struct network_update u = { 0 };
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body)
		return -1;
	u.ch = (struct network_change){
		.name = json_str(n, "name"),
		.description = json_str(n, "description"),
		.admin_state_up = json_object_get(n, "admin_state_up") ? &up : NULL,
		.shared = json_object_get(n, "shared") ? &shared : NULL,
		.external = json_object_get(n, "router:external") ? &external : NULL,
	};
	u.mtu = json_object_get(n, "mtu");
	u.port_security_off = json_is_false(json_object_get(n, "port_security_enabled"));
	named_attrs(n, u.named);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = network_update(req->b, &req->caller, st, id, &u, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "network");
	else if (!(out = network_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "network", 200, "network", out);
}

int h_network_delete(struct http_request *req, struct http_response *res)
{
	return network_delete_reply(req, res, "network_id", "network", network_remove);
}
