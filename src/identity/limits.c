/* limits.c - /v3/registered_limits and /v3/limits (Keystone's unified
 * limits): parse, call limit.c, render. Bodies are checked as Keystone's
 * schemas check them, every entry of a list before anything is written;
 * a list is made all at once or not at all. */
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
#include "identity/identity.h"

#define LIMIT_MAX 0x7FFFFFFF /* Keystone's: a signed INT */

static json_t *null_or(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int add_registered(void *ctx, const struct registered_limit *rl)
{
	struct render_list *l = ctx;

	return json_array_append_new(
		   l->items,
		   json_pack("{s:s,s:s,s:o,s:s,s:I,s:o,s:o}", "id", rl->id, "service_id",
			     rl->service_id, "region_id", null_or(rl->region_id), "resource_name",
			     rl->resource_name, "default_limit", (json_int_t)rl->default_limit,
			     "description", null_or(rl->description), "links",
			     render_links(l->req, "registered_limits", rl->id)))
		   ? -ENOMEM
		   : 0;
}

static int add_limit(void *ctx, const struct unified_limit *lm)
{
	struct render_list *l = ctx;

	return json_array_append_new(
		   l->items,
		   json_pack("{s:s,s:o,s:o,s:s,s:o,s:s,s:I,s:o,s:o}", "id", lm->id, "project_id",
			     null_or(lm->project_id), "domain_id", null_or(lm->domain_id),
			     "service_id", lm->service_id, "region_id", null_or(lm->region_id),
			     "resource_name", lm->resource_name, "resource_limit",
			     (json_int_t)lm->resource_limit, "description",
			     null_or(lm->description), "links",
			     render_links(l->req, "limits", lm->id)))
		   ? -ENOMEM
		   : 0;
}

/* The limit field name of o (default_limit, resource_limit): 0 when it is
 * absent (and not required) or an integer from -1 to LIMIT_MAX, else a
 * 400 in res. */
static int limit_value(struct http_response *res, const json_t *o, const char *name,
		       int64_t *out, bool *set)
{
	const json_t *v = json_object_get(o, name);
	json_int_t n;

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return http_error(res, 400, "Invalid input for field '%s': is not of type integer.",
				  name);
	n = json_integer_value(v);
	if (n < -1)
		return http_error(res, 400,
				  "Invalid input for field '%s': %lld is less than the minimum of -1.",
				  name, (long long)n);
	if (n > LIMIT_MAX)
		return http_error(res, 400,
				  "Invalid input for field '%s': %lld is greater than the maximum of"
				  " %d.",
				  name, (long long)n, LIMIT_MAX);
	*out = n;
	if (set)
		*set = true;
	return 0;
}

/* {key: [objects, ...]} with at least one object, each checked against
 * fields: the array (borrowed from *body, which the caller owns), or NULL
 * with a 400 in res. */
static json_t *body_list(struct http_request *req, struct http_response *res, const char *key,
			 const struct jfield *fields, size_t nfields, json_t **body)
{
	json_t *list;
	char err[256];
	size_t i;
	json_t *o;

	*body = http_body_json(req, res);
	if (!*body)
		return NULL;
	list = json_object_get(*body, key);
	if (!json_is_object(*body) || json_object_size(*body) != 1 || !json_is_array(list)) {
		http_error(res, 400, "Invalid input: the body must be {\"%s\": [...]}.", key);
		return NULL;
	}
	if (json_array_size(list) == 0) {
		http_error(res, 400, "Invalid input for field '%s': [] is too short.", key);
		return NULL;
	}
	json_array_foreach(list, i, o) {
		if (json_check(o, fields, nfields, err, sizeof(err)) < 0) {
			http_error(res, 400, "%s", err);
			return NULL;
		}
	}
	return list;
}

static int bad_reference(struct http_response *res, const char *attr, const char *target)
{
	return http_error(res, 400,
			  "Expecting to find %s in %s. The server could not comply with the request"
			  " since it is either malformed or otherwise incorrect. The client is"
			  " assumed to be in error.",
			  attr, target);
}

static int duplicate(struct http_response *res, const char *type)
{
	return http_error(res, 409, "Conflict occurred attempting to store %s - Duplicate entry.",
			  type);
}

static int in_use(struct http_response *res, const char *id)
{
	return http_error(res, 403,
			  "Unable to update or delete registered limit %s because there are project"
			  " limits associated with it.",
			  id);
}

/* The error of r for the limit (what: "limit", "registered limit") id. */
static int limit_error(struct http_request *req, struct http_response *res, int r,
		       const char *what, const char *id)
{
	if (r == -ENOENT)
		return http_error(res, 404, "Could not find %s for %s.", what, id);
	return reply_error(req, res, r, what, id);
}

/* Reply status with {key: [each of ids, got with get]} (POST's answer:
 * no collection links, as Keystone). */
static int reply_made(struct http_request *req, struct http_response *res, struct store *st,
		      const char *key, char (*ids)[ID_HEX_LEN + 1], size_t n,
		      int (*get)(struct http_request *, struct store *, const char *,
				 struct render_list *))
{
	struct render_list l = { req, json_array() };
	int r = l.items ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < n; i++)
		r = get(req, st, ids[i], &l);
	if (r < 0) {
		json_decref(l.items);
		return http_error_errno(res, r, key);
	}
	return http_reply(res, 201, json_pack("{s:o}", key, l.items));
}

/* --- registered limits --- */

static int get_registered(struct http_request *req, struct store *st, const char *id,
			  struct render_list *l)
{
	return registered_limit_get(st, &req->caller, id, add_registered, l);
}

int h_registered_limit_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct limit_filter f = { .service_id = http_query(req, "service_id"),
				  .region_id = http_query(req, "region_id"),
				  .resource_name = http_query(req, "resource_name") };
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "registered_limits", l.items,
			   registered_limit_list(st, &req->caller, &f, add_registered, &l));
}

int h_registered_limit_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "registered_limit_id");
	struct render_list l = { req, NULL };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	r = registered_limit_get(st, &req->caller, id, add_registered, &l);
	if (r < 0) {
		json_decref(l.items);
		return limit_error(req, res, r, "registered limit", id);
	}
	return reply_one(req, res, 200, "registered_limit", l.items, r, "registered limit", id);
}

static const struct jfield registered_fields[] = {
	{ "service_id", J_STRING, true, 64 },
	{ "region_id", J_STRING_NULL, false, 255 },
	{ "resource_name", J_STRING, true, 255 },
	{ "default_limit", J_ANY, true, 0 },
	{ "description", J_STRING_NULL, false, 65535 },
};

/* The fields of registered limit o into in: 0, or a 400 in res. */
static int registered_parse(struct http_response *res, const json_t *o,
			    struct registered_limit_in *in)
{
	const char *name = json_str(o, "resource_name");

	if (name && !name[0])
		return http_error(res, 400,
				  "Invalid input for field 'resource_name': '' is too short.");
	in->service_id = json_str(o, "service_id");
	in->region_id = json_str(o, "region_id");
	in->set_region = json_object_get(o, "region_id") != NULL;
	in->resource_name = name;
	in->description = json_str(o, "description");
	in->set_description = json_object_get(o, "description") != NULL;
	return limit_value(res, o, "default_limit", &in->default_limit, &in->set_default);
}

int h_registered_limit_create(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = NULL;
	json_t *list = body_list(req, res, "registered_limits", registered_fields,
				 ARRAY_SIZE(registered_fields), &body);
	_cleanup_free_ struct registered_limit_in *in = NULL;
	_cleanup_free_ char(*ids)[ID_HEX_LEN + 1] = NULL;
	const char *bad = NULL;
	struct store *st;
	size_t n, i;
	json_t *o;
	int r;

	if (!list)
		return -1;
	n = json_array_size(list);
	in = calloc(n, sizeof(*in));
	ids = calloc(n, sizeof(*ids));
	if (!in || !ids)
		return http_error_errno(res, -ENOMEM, "registered_limits");
	json_array_foreach(list, i, o) {
		if (registered_parse(res, o, &in[i]) < 0)
			return -1;
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = registered_limits_create(st, &req->caller, in, n, ids, &bad);
	if (r == -ESRCH)
		r = bad_reference(res, bad, "registered_limit");
	else if (r == -EEXIST)
		r = duplicate(res, "registered_limit");
	else if (r < 0)
		r = reply_error(req, res, r, "registered_limits", NULL);
	if (write_end(req, res, st, r, "registered_limits") < 0)
		return -1;
	return reply_made(req, res, st, "registered_limits", ids, n, get_registered);
}

static const struct jfield registered_update_fields[] = {
	{ "service_id", J_STRING, false, 64 },
	{ "region_id", J_STRING_NULL, false, 255 },
	{ "resource_name", J_STRING, false, 255 },
	{ "default_limit", J_ANY, false, 0 },
	{ "description", J_STRING_NULL, false, 65535 },
};

int h_registered_limit_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "registered_limit_id");
	json_t *o;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "registered_limit", registered_update_fields,
			    ARRAY_SIZE(registered_update_fields), &o);
	struct registered_limit_in in = { 0 };
	const char *bad = NULL;
	struct store *st;
	int r;

	if (!body || registered_parse(res, o, &in) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = registered_limit_update(st, &req->caller, id, &in, &bad);
	if (r == -ESRCH)
		r = bad_reference(res, bad, "registered_limit");
	else if (r == -EEXIST)
		r = duplicate(res, "registered_limit");
	else if (r == -ENOLINK)
		r = in_use(res, id);
	else if (r < 0)
		r = limit_error(req, res, r, "registered limit", id);
	if (write_end(req, res, st, r, "registered_limit") < 0)
		return -1;
	return h_registered_limit_get(req, res);
}

int h_registered_limit_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "registered_limit_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = registered_limit_delete(st, &req->caller, id);
	if (r == -ENOLINK)
		r = in_use(res, id);
	else if (r < 0)
		r = limit_error(req, res, r, "registered limit", id);
	if (write_end(req, res, st, r, "registered_limit") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- limits --- */

static int get_limit(struct http_request *req, struct store *st, const char *id,
		     struct render_list *l)
{
	return limit_get(st, &req->caller, id, add_limit, l);
}

int h_limit_model(struct http_request *req, struct http_response *res)
{
	(void)req;
	return http_reply(res, 200,
			  json_pack("{s:{s:s,s:s}}", "model", "name", "flat", "description",
				    "Limit enforcement and validation does not take project"
				    " hierarchy into consideration."));
}

int h_limit_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct limit_filter f = { .service_id = http_query(req, "service_id"),
				  .region_id = http_query(req, "region_id"),
				  .resource_name = http_query(req, "resource_name"),
				  .project_id = http_query(req, "project_id"),
				  .domain_id = http_query(req, "domain_id") };
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "limits", l.items,
			   limit_list(st, &req->caller, &f, add_limit, &l));
}

int h_limit_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "limit_id");
	struct render_list l = { req, NULL };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	r = limit_get(st, &req->caller, id, add_limit, &l);
	if (r < 0) {
		json_decref(l.items);
		return limit_error(req, res, r, "limit", id);
	}
	return reply_one(req, res, 200, "limit", l.items, r, "limit", id);
}

/* Keystone's two shapes: a project's limit or a domain's. */
static const struct jfield limit_fields[] = {
	{ "project_id", J_STRING, false, 64 },
	{ "domain_id", J_STRING, false, 64 },
	{ "service_id", J_STRING, true, 64 },
	{ "region_id", J_STRING, false, 255 },
	{ "resource_name", J_STRING, true, 255 },
	{ "resource_limit", J_ANY, true, 0 },
	{ "description", J_STRING_NULL, false, 65535 },
};

static int limit_parse(struct http_response *res, const json_t *o, struct limit_in *in)
{
	const char *name = json_str(o, "resource_name");

	in->project_id = json_str(o, "project_id");
	in->domain_id = json_str(o, "domain_id");
	if (!in->project_id == !in->domain_id)
		return http_error(res, 400,
				  "Invalid input: a limit has either a project_id or a domain_id.");
	if (name && !name[0])
		return http_error(res, 400,
				  "Invalid input for field 'resource_name': '' is too short.");
	in->service_id = json_str(o, "service_id");
	in->region_id = json_str(o, "region_id");
	in->resource_name = name;
	in->description = json_str(o, "description");
	return limit_value(res, o, "resource_limit", &in->resource_limit, &in->set_limit);
}

int h_limit_create(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = NULL;
	json_t *list = body_list(req, res, "limits", limit_fields, ARRAY_SIZE(limit_fields), &body);
	_cleanup_free_ struct limit_in *in = NULL;
	_cleanup_free_ char(*ids)[ID_HEX_LEN + 1] = NULL;
	const char *bad = NULL;
	struct store *st;
	size_t n, i;
	json_t *o;
	int r;

	if (!list)
		return -1;
	n = json_array_size(list);
	in = calloc(n, sizeof(*in));
	ids = calloc(n, sizeof(*ids));
	if (!in || !ids)
		return http_error_errno(res, -ENOMEM, "limits");
	json_array_foreach(list, i, o) {
		if (limit_parse(res, o, &in[i]) < 0)
			return -1;
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = limits_create(st, &req->caller, in, n, ids, &bad);
	if (r == -ESRCH)
		r = bad_reference(res, bad, "limit");
	else if (r == -ENOKEY)
		r = http_error(res, 403,
			       "Unable to create a limit that has no corresponding registered limit.");
	else if (r == -EEXIST)
		r = duplicate(res, "limit");
	else if (r < 0)
		r = reply_error(req, res, r, "limits", NULL);
	if (write_end(req, res, st, r, "limits") < 0)
		return -1;
	return reply_made(req, res, st, "limits", ids, n, get_limit);
}

static const struct jfield limit_update_fields[] = {
	{ "resource_limit", J_ANY, false, 0 },
	{ "description", J_STRING_NULL, false, 65535 },
};

int h_limit_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "limit_id");
	json_t *o;
	_cleanup_json_ json_t *body = api_body_object(
	    req, res, "limit", limit_update_fields, ARRAY_SIZE(limit_update_fields), &o);
	struct limit_in in = { 0 };
	struct store *st;
	int r;

	if (!body || limit_value(res, o, "resource_limit", &in.resource_limit, &in.set_limit) < 0)
		return -1;
	in.description = json_str(o, "description");
	in.set_description = json_object_get(o, "description") != NULL;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = limit_update(st, &req->caller, id, &in);
	if (r < 0)
		r = limit_error(req, res, r, "limit", id);
	if (write_end(req, res, st, r, "limit") < 0)
		return -1;
	return h_limit_get(req, res);
}

int h_limit_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "limit_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = limit_delete(st, &req->caller, id);
	if (r < 0)
		r = limit_error(req, res, r, "limit", id);
	if (write_end(req, res, st, r, "limit") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
