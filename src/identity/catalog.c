/* catalog.c - /v3/regions, /v3/services and /v3/endpoints: parse, call the
 * table's module (region.c, service.c, endpoint.c), render. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

static json_t *null_or(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int add_region(void *ctx, const struct region *rg)
{
	struct render_list *l = ctx;

	return json_array_append_new(
		   l->items, json_pack("{s:s,s:s,s:o,s:o}", "id", rg->id, "description",
				       rg->description ? rg->description : "", "parent_region_id",
				       null_or(rg->parent_region_id), "links",
				       render_links(l->req, "regions", rg->id)))
		   ? -ENOMEM
		   : 0;
}

static int add_service(void *ctx, const struct catalog_service *sv)
{
	struct render_list *l = ctx;

	return json_array_append_new(
		   l->items,
		   json_pack("{s:s,s:s,s:s,s:s,s:b,s:o}", "id", sv->id, "type", sv->type, "name",
			     sv->name ? sv->name : "", "description",
			     sv->description ? sv->description : "", "enabled", sv->enabled,
			     "links", render_links(l->req, "services", sv->id)))
		   ? -ENOMEM
		   : 0;
}

static int add_endpoint(void *ctx, const struct endpoint *ep)
{
	struct render_list *l = ctx;
	json_t *jr = null_or(ep->region_id);

	return json_array_append_new(
		   l->items,
		   json_pack("{s:s,s:s,s:s,s:s,s:O,s:o,s:b,s:o}", "id", ep->id, "service_id",
			     ep->service_id, "interface", ep->interface, "url", ep->url,
			     "region_id", jr, "region", jr, "enabled", ep->enabled, "links",
			     render_links(l->req, "endpoints", ep->id)))
		   ? -ENOMEM
		   : 0;
}

/* GET one of a table by the path's param, with get (region_get, ...). */
#define REPLY_GET(req, res, status, st, key, id, get, add)                                         \
	({                                                                                         \
		struct render_list l_ = { (req), json_array() };                                   \
		int r_ = get((st), &(req)->caller, (id), (add), &l_);                              \
		reply_one((req), (res), (status), (key), l_.items, r_, (key), (id));               \
	})

/* DELETE one by the path's param with del (region_delete, ...): 204. */
static int reply_deleted(struct http_request *req, struct http_response *res, const char *param,
			 const char *what,
			 int (*del)(struct store *, const struct caller *, const char *))
{
	const char *id = http_param(req, param);
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = del(st, &req->caller, id);
	if (r == -ENOLINK)
		r = http_error(res, 409, "Cannot delete %s %s: it is still in use.", what, id);
	else if (r < 0)
		r = reply_error(req, res, r, what, id);
	if (write_end(req, res, st, r, what) < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- regions --- */

int h_region_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "regions", l.items,
			   region_list(st, &req->caller, http_query(req, "parent_region_id"),
				       add_region, &l));
}

int h_region_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return REPLY_GET(req, res, 200, st, "region", http_param(req, "region_id"), region_get,
			 add_region);
}

int h_region_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "id", J_STRING, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "parent_region_id", J_STRING_NULL, false, 255 },
	};
	json_t *rg;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "region", fields, ARRAY_SIZE(fields), &rg);
	const char *parent;
	struct store *st;
	char id[256];
	int r;

	if (!body)
		return -1;
	if (json_str(rg, "id") && !json_str(rg, "id")[0])
		return http_error(res, 400, "Invalid input for field 'id': must not be empty.");
	if (json_str(rg, "id"))
		snprintf(id, sizeof(id), "%s", json_str(rg, "id"));
	else
		id_new(id);
	parent = json_str(rg, "parent_region_id");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = region_create(st, &req->caller, id, json_str(rg, "description"), parent);
	if (r == -EEXIST)
		r = http_error(res, 409,
			       "Conflict occurred attempting to store region - Duplicate ID, %s.",
			       id);
	else if (r == -ESRCH)
		r = http_error(res, 404, "Could not find region: %s.", parent);
	else if (r < 0)
		r = reply_error(req, res, r, "region", id);
	if (write_end(req, res, st, r, "region") < 0)
		return -1;
	return REPLY_GET(req, res, 201, st, "region", id, region_get, add_region);
}

int h_region_delete(struct http_request *req, struct http_response *res)
{
	return reply_deleted(req, res, "region_id", "region", region_delete);
}

/* --- services --- */

int h_service_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "services", l.items,
			   service_list(st, &req->caller, http_query(req, "type"),
					http_query(req, "name"), add_service, &l));
}

int h_service_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return REPLY_GET(req, res, 200, st, "service", http_param(req, "service_id"),
			 service_get, add_service);
}

int h_service_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "type", J_STRING, true, 255 },
		{ "name", J_STRING, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "enabled", J_BOOL, false, 0 },
	};
	json_t *sv;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "service", fields, ARRAY_SIZE(fields), &sv);
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (!json_str(sv, "type")[0])
		return http_error(res, 400, "Invalid input for field 'type': must not be empty.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = service_create(st, &req->caller, json_str(sv, "type"), json_str(sv, "name"),
			   json_str(sv, "description"),
			   !json_is_false(json_object_get(sv, "enabled")), id);
	if (r < 0)
		r = reply_error(req, res, r, "service", NULL);
	if (write_end(req, res, st, r, "service") < 0)
		return -1;
	return REPLY_GET(req, res, 201, st, "service", id, service_get, add_service);
}

int h_service_delete(struct http_request *req, struct http_response *res)
{
	return reply_deleted(req, res, "service_id", "service", service_delete);
}

/* --- endpoints --- */

int h_endpoint_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "endpoints", l.items,
			   endpoint_list(st, &req->caller, http_query(req, "service_id"),
					 http_query(req, "interface"),
					 http_query(req, "region_id"), add_endpoint, &l));
}

int h_endpoint_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return REPLY_GET(req, res, 200, st, "endpoint", http_param(req, "endpoint_id"),
			 endpoint_get, add_endpoint);
}

int h_endpoint_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "service_id", J_STRING, true, 64 },	 { "interface", J_STRING, true, 8 },
		{ "url", J_STRING, true, 1024 },	 { "region_id", J_STRING_NULL, false, 255 },
		{ "region", J_STRING_NULL, false, 255 }, { "enabled", J_BOOL, false, 0 },
	};
	json_t *ep;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "endpoint", fields, ARRAY_SIZE(fields), &ep);
	char id[ID_HEX_LEN + 1];
	struct endpoint in;
	struct store *st;
	int r;

	if (!body)
		return -1;
	in = (struct endpoint){
		.service_id = json_str(ep, "service_id"),
		.interface = json_str(ep, "interface"),
		.url = json_str(ep, "url"),
		.region_id = json_str(ep, "region_id") ? json_str(ep, "region_id")
						       : json_str(ep, "region"),
		.enabled = !json_is_false(json_object_get(ep, "enabled")),
	};
	if (strcmp(in.interface, "public") != 0 && strcmp(in.interface, "internal") != 0 &&
	    strcmp(in.interface, "admin") != 0)
		return http_error(
		    res, 400,
		    "Invalid input for field 'interface': must be one of public, internal, admin.");
	if (strncmp(in.url, "http://", 7) != 0 && strncmp(in.url, "https://", 8) != 0)
		return http_error(res, 400,
				  "Invalid input for field 'url': must be an http(s) URL.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = endpoint_create(st, &req->caller, &in, id);
	if (r == -ESRCH)
		r = http_error(res, 400, "Could not find service: %s.", in.service_id);
	else if (r == -ENXIO)
		r = http_error(res, 400, "Could not find region: %s.", in.region_id);
	else if (r < 0)
		r = reply_error(req, res, r, "endpoint", NULL);
	if (write_end(req, res, st, r, "endpoint") < 0)
		return -1;
	return REPLY_GET(req, res, 201, st, "endpoint", id, endpoint_get, add_endpoint);
}

int h_endpoint_delete(struct http_request *req, struct http_response *res)
{
	return reply_deleted(req, res, "endpoint_id", "endpoint", endpoint_delete);
}
