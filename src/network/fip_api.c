/* fip_api.c - /network/v2.0/floatingips: parse, call floatingips.c,
 * render. */
#include <errno.h>
#include <stdio.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

int h_fip_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "floatingips", "floating IPs", "get_floatingip",
						 network_target_col1, fip_store_render_row };

	return network_list_sql(req, res, &l, fip_store_list_sql, "");
}

int h_fip_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = basalt_store(req->b);
	struct net_fault f = { 0 };
	struct fip_row row;
	json_t *o = NULL;
	int r;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	r = fip_load(&req->caller, st, id, &row, &o, &f);
	store_rollback(st);
	if (r < 0)
		return network_fault_reply(res, r, &f, "floating IP");
	return network_show_reply(req, res, 200, "floatingip", o);
}

/* Floating IP id as it is now in st (inside the transaction). */
static json_t *fip_render(const struct caller *c, struct store *st, const char *id)
{
	struct fip_row row;
	json_t *o = NULL;

	return fip_load(c, st, id, &row, &o, NULL) < 0 ? NULL : o;
}

int h_fip_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "floating_network_id", J_STRING, true, 64 },
		{ "floating_ip_address", J_STRING_NULL, false, 64 },
		{ "subnet_id", J_STRING_NULL, false, 64 },
		{ "port_id", J_STRING_NULL, false, 64 },
		{ "fixed_ip_address", J_STRING_NULL, false, 64 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "project_id", J_STRING, false, 64 },
		{ "tenant_id", J_STRING, false, 64 },
	};
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "floatingip", fields, ARRAY_SIZE(fields), &o);
	struct fip_spec s = { 0 };
	struct net_fault f = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body || !(s.project_id = l3_body_project(&req->caller, "create_floatingip", o, res)))
		return -1;
	s.network_id = json_str(o, "floating_network_id");
	s.address = json_str(o, "floating_ip_address");
	s.subnet_id = json_str(o, "subnet_id");
	s.port_id = json_str(o, "port_id");
	s.fixed_ip = json_str(o, "fixed_ip_address");
	s.description = json_str(o, "description");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = fip_create(req->b, &req->caller, st, &s, id, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "floating IP");
	else if (!(out = fip_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "floating IP", 201, "floatingip", out);
}

int h_fip_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "port_id", J_STRING_NULL, false, 64 },
		{ "fixed_ip_address", J_STRING_NULL, false, 64 },
		{ "description", J_STRING_NULL, false, 255 },
	};
	const char *id = http_param(req, "id");
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "floatingip", fields, ARRAY_SIZE(fields), &o);
	const json_t *pv = json_object_get(o, "port_id");
	struct fip_change u = { 0 };
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body)
		return -1;
	u.disassociate = pv && json_is_null(pv);
	u.port_id = json_string_value(pv);
	u.fixed_ip = json_str(o, "fixed_ip_address");
	/* A null description is the empty string, as Neutron's. */
	u.description = json_object_get(o, "description")
				? (json_str(o, "description") ? json_str(o, "description") : "")
				: NULL;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = fip_update(&req->caller, st, id, &u, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "floating IP");
	else if (!(out = fip_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "floating IP", 200, "floatingip", out);
}

int h_fip_delete(struct http_request *req, struct http_response *res)
{
	return network_delete_reply(req, res, "id", "floating IP", fip_remove);
}
