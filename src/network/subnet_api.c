/* subnet_api.c - /network/v2.0/subnets: parse, call subnets.c, render. */
#include <errno.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "http/api.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/network.h"
#include "network/subnet_check.h"
#include "store/store.h"

int h_subnet_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "subnets", "subnet", "get_subnet",
						 subnet_store_target, subnet_store_render_row };

	return network_list_sql(req, res, &l, subnet_store_list_sql, "");
}

int h_subnet_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "subnet_id");
	json_t *s;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	s = subnet_render(&req->caller, st, id);
	store_rollback(st);
	if (!s)
		return http_error(res, 404, "Subnet %s could not be found.", id);
	return network_show_reply(req, res, 200, "subnet", s);
}

/* One subnet of a create (single or bulk) in st. */
static int subnet_item_create(struct http_request *req, struct http_response *res,
			      struct store *st, json_t *s, char id[UUID_LEN + 1])
{
	struct net_fault f = { 0 };
	int r;

	if (network_item_check(res, s, subnet_create_fields, subnet_create_nfields) < 0)
		return -1;
	r = subnet_create(req->b, &req->caller, st, s, id, &f);
	return r < 0 ? network_fault_reply(res, r, &f, "subnet") : 0;
}

int h_subnet_create(struct http_request *req, struct http_response *res)
{
	static const struct network_creator k = { "subnet", "subnets", subnet_item_create,
						  subnet_render };

	return network_create_reply(req, res, &k);
}

int h_subnet_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "subnet_id");
	json_t *s, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "subnet", subnet_update_fields,
						      subnet_update_nfields, &s);
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body || !(st = api_write_begin(req, res)))
		return -1;
	r = subnet_update(req->b, &req->caller, st, id, s, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "subnet");
	else if (!(out = subnet_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "subnet", 200, "subnet", out);
}

int h_subnet_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "subnet_id");
	struct store *st = api_write_begin(req, res);
	struct net_fault f = { 0 };
	int r;

	if (!st)
		return -1;
	r = subnet_remove(req->b, &req->caller, st, id, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "subnet");
	if (api_write_end(res, st, r, "subnet") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
