/* catalog.c - /v3/regions, /v3/services and /v3/endpoints: parse, call the
 * table's module (region.c, service.c, endpoint.c), render. Bodies are
 * checked as Keystone's schemas check them, before anything is written. */
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
	else if (r == -ENOTEMPTY) /* regions: Keystone's RegionDeletionError */
		r = http_error(res, 403,
			       "Unable to delete %s %s because it or its child regions have"
			       " associated endpoints.",
			       what, id);
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

static const struct jfield region_fields[] = {
	{ "id", J_STRING, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "parent_region_id", J_STRING_NULL, false, 255 },
	J_OTHERS, /* Keystone keeps others as extras; Basalt takes and drops them */
};

/* POST (path_id NULL: the body's id, or a new one) or PUT /v3/regions/{id}. */
static int region_create_reply(struct http_request *req, struct http_response *res,
			       const char *path_id)
{
	json_t *rg;
	_cleanup_json_ json_t *body = api_body_object(req, res, "region", region_fields,
						      ARRAY_SIZE(region_fields), &rg);
	const char *given, *parent;
	struct store *st;
	char id[256];
	int r;

	if (!body)
		return -1;
	given = json_str(rg, "id");
	if (path_id && given && strcmp(given, path_id) != 0)
		return http_error(res, 400, "Conflicting region IDs specified: \"%s\" != \"%s\"",
				  path_id, given);
	if (path_id && strlen(path_id) >= sizeof(id))
		return http_error(res, 400,
				  "Invalid input for field 'id': is too long (at most 255 characters).");
	if (path_id)
		snprintf(id, sizeof(id), "%s", path_id);
	else if (given && given[0]) /* an empty id is a new one, as in Keystone */
		snprintf(id, sizeof(id), "%s", given);
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

int h_region_create(struct http_request *req, struct http_response *res)
{
	return region_create_reply(req, res, NULL);
}

int h_region_put(struct http_request *req, struct http_response *res)
{
	return region_create_reply(req, res, http_param(req, "region_id"));
}

int h_region_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "region_id"), *parent;
	json_t *rg, *desc;
	_cleanup_json_ json_t *body = api_body_object(req, res, "region", region_fields,
						      ARRAY_SIZE(region_fields), &rg);
	struct store *st;
	int r;

	if (!body || !patch_object(res, rg, "region", id))
		return -1;
	desc = json_object_get(rg, "description");
	parent = json_str(rg, "parent_region_id");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = region_update(st, &req->caller, id,
			  desc ? (json_is_null(desc) ? "" : json_string_value(desc)) : NULL,
			  json_object_get(rg, "parent_region_id") != NULL, parent);
	if (r == -ESRCH)
		r = http_error(res, 404, "Could not find region: %s.", parent);
	else if (r == -ELOOP)
		r = http_error(res, 400,
			       "The specified parent region %s would create a circular region"
			       " hierarchy.",
			       parent);
	else if (r < 0)
		r = reply_error(req, res, r, "region", id);
	if (write_end(req, res, st, r, "region") < 0)
		return -1;
	return REPLY_GET(req, res, 200, st, "region", id, region_get, add_region);
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

static const struct jfield service_fields[] = {
	{ "id", J_STRING, false, 64 },
	{ "type", J_STRING, false, 255 },
	{ "name", J_STRING, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "enabled", J_BOOL, false, 0 },
	J_OTHERS,
};

/* type and name, when given, are not empty (Keystone: minLength 1). */
static int service_check(struct http_response *res, const json_t *sv)
{
	for (const char *const *f = (const char *const[]){ "type", "name", NULL }; *f; f++)
		if (json_str(sv, *f) && !json_str(sv, *f)[0])
			return http_error(res, 400, "Invalid input for field '%s': '' is too short.",
					  *f);
	return 0;
}

/* enabled as a create or update takes it: dflt when absent. */
static int enabled_of(const json_t *obj, int dflt)
{
	const json_t *v = json_object_get(obj, "enabled");

	return v ? json_is_true(v) : dflt;
}

int h_service_create(struct http_request *req, struct http_response *res)
{
	json_t *sv;
	_cleanup_json_ json_t *body = api_body_object(req, res, "service", service_fields,
						      ARRAY_SIZE(service_fields), &sv);
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (!json_str(sv, "type"))
		return http_error(res, 400,
				  "Invalid input for field 'type': 'type' is a required property.");
	if (service_check(res, sv) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = service_create(st, &req->caller, json_str(sv, "type"), json_str(sv, "name"),
			   json_str(sv, "description"), enabled_of(sv, 1), id);
	if (r < 0)
		r = reply_error(req, res, r, "service", NULL);
	if (write_end(req, res, st, r, "service") < 0)
		return -1;
	return REPLY_GET(req, res, 201, st, "service", id, service_get, add_service);
}

int h_service_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "service_id");
	json_t *sv, *desc;
	_cleanup_json_ json_t *body = api_body_object(req, res, "service", service_fields,
						      ARRAY_SIZE(service_fields), &sv);
	struct store *st;
	int r;

	if (!body || !patch_object(res, sv, "service", id) || service_check(res, sv) < 0)
		return -1;
	desc = json_object_get(sv, "description");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = service_update(st, &req->caller, id, json_str(sv, "type"), json_str(sv, "name"),
			   desc ? (json_is_null(desc) ? "" : json_string_value(desc)) : NULL,
			   enabled_of(sv, -1));
	if (r < 0)
		r = reply_error(req, res, r, "service", id);
	if (write_end(req, res, st, r, "service") < 0)
		return -1;
	return REPLY_GET(req, res, 200, st, "service", id, service_get, add_service);
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
					 http_query(req, "region_id"), render_add_endpoint, &l));
}

int h_endpoint_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return REPLY_GET(req, res, 200, st, "endpoint", http_param(req, "endpoint_id"),
			 endpoint_get, render_add_endpoint);
}

static const struct jfield endpoint_fields[] = {
	{ "id", J_STRING, false, 64 },		 { "service_id", J_STRING, false, 64 },
	{ "interface", J_STRING, false, 255 },	 { "url", J_STRING, false, 225 },
	{ "region_id", J_STRING_NULL, false, 255 }, { "region", J_STRING_NULL, false, 255 },
	{ "enabled", J_BOOL, false, 0 },
	J_OTHERS,
};

/* Keystone's pattern for endpoint URLs: a scheme, a colon, something. */
static bool url_valid(const char *u)
{
	size_t n = strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

	return n > 0 && u[n] == ':' && u[n + 1] != '\0';
}

/* The endpoint of a create or update body, checked as Keystone's schema
 * does; -1 with the 400 in res. */
static int endpoint_parse(struct http_response *res, const json_t *ep, struct endpoint_in *in,
			  bool create)
{
	const char *interface = json_str(ep, "interface"), *url = json_str(ep, "url");
	const char *region_id = json_str(ep, "region_id"), *region = json_str(ep, "region");

	if (create) {
		for (const char *const *f = (const char *const[]){ "interface", "service_id", "url",
								   NULL };
		     *f; f++)
			if (!json_str(ep, *f))
				return http_error(
				    res, 400, "Invalid input for field '%s': '%s' is a required property.",
				    *f, *f);
	}
	if (interface && strcmp(interface, "public") != 0 && strcmp(interface, "internal") != 0 &&
	    strcmp(interface, "admin") != 0)
		return http_error(res, 400,
				  "Invalid input for field 'interface': '%.64s' is not one of"
				  " ['admin', 'internal', 'public'].",
				  interface);
	if (url && !url_valid(url))
		return http_error(res, 400,
				  "Invalid input for field 'url': '%.128s' does not match"
				  " '^[a-zA-Z0-9+.-]+:.+'.",
				  url);
	*in = (struct endpoint_in){
		.service_id = json_str(ep, "service_id"),
		.interface = interface,
		.url = url,
		/* region_id wins; "region" alone is the legacy form */
		.region_id = region_id ? region_id : region,
		.region_legacy = !region_id && region,
		.set_region = json_object_get(ep, "region_id") || region,
		.enabled = enabled_of(ep, create ? 1 : -1),
	};
	return 0;
}

/* endpoint_create/_update's error as Keystone answers it. */
static int endpoint_error(struct http_request *req, struct http_response *res, int r,
			  const char *id)
{
	if (r == -ESRCH || r == -ENXIO)
		return http_error(res, 400,
				  "Expecting to find endpoint %s in %s table. The server could not"
				  " comply with the request since it is either malformed or otherwise"
				  " incorrect. The client is assumed to be in error.",
				  r == -ESRCH ? "service_id" : "region_id",
				  r == -ESRCH ? "service" : "region");
	return reply_error(req, res, r, "endpoint", id);
}

int h_endpoint_create(struct http_request *req, struct http_response *res)
{
	json_t *ep;
	_cleanup_json_ json_t *body = api_body_object(req, res, "endpoint", endpoint_fields,
						      ARRAY_SIZE(endpoint_fields), &ep);
	char id[ID_HEX_LEN + 1];
	struct endpoint_in in;
	struct store *st;
	int r;

	if (!body || endpoint_parse(res, ep, &in, true) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = endpoint_create(st, &req->caller, &in, id);
	if (r < 0)
		r = endpoint_error(req, res, r, NULL);
	if (write_end(req, res, st, r, "endpoint") < 0)
		return -1;
	return REPLY_GET(req, res, 201, st, "endpoint", id, endpoint_get, render_add_endpoint);
}

int h_endpoint_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "endpoint_id");
	json_t *ep;
	_cleanup_json_ json_t *body = api_body_object(req, res, "endpoint", endpoint_fields,
						      ARRAY_SIZE(endpoint_fields), &ep);
	struct endpoint_in in;
	struct store *st;
	int r;

	if (!body || !patch_object(res, ep, "endpoint", id) ||
	    endpoint_parse(res, ep, &in, false) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = endpoint_update(st, &req->caller, id, &in);
	if (r < 0)
		r = endpoint_error(req, res, r, id);
	if (write_end(req, res, st, r, "endpoint") < 0)
		return -1;
	return REPLY_GET(req, res, 200, st, "endpoint", id, endpoint_get, render_add_endpoint);
}

int h_endpoint_delete(struct http_request *req, struct http_response *res)
{
	return reply_deleted(req, res, "endpoint_id", "endpoint", endpoint_delete);
}
