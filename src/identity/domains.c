/* domains.c - /v3/domains: CRUD. A domain must be disabled before it is
 * deleted, as in Keystone. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

static const struct jfield domain_fields[] = {
	{ "name", J_STRING, false, 64 },   { "description", J_STRING_NULL, false, 65535 },
	{ "enabled", J_BOOL, false, 0 },   { "tags", J_ARRAY, false, 0 },
	{ "options", J_OBJECT, false, 0 },
};

static int reply_domain(struct http_request *req, struct http_response *res, int status,
			struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = domain_get(st, &req->caller, id, render_add_domain, &l);

	return reply_one(req, res, status, "domain", l.items, r, "domain", id);
}

/* A write's error: name is the one that clashes. */
static int domain_error(struct http_request *req, struct http_response *res, int r,
			const char *name, const char *id)
{
	switch (r) {
	case -EEXIST:
		return http_error(
		    res, 409,
		    "Conflict occurred attempting to store domain - Duplicate entry found with name %s.",
		    name);
	case -EACCES:
		return http_error(res, 403,
				  "Cannot delete a domain that is enabled, please disable it first.");
	case -ENOLINK:
		return http_error(res, 409,
				  "Cannot delete domain %s: it still owns projects or users.", id);
	default:
		return reply_error(req, res, r, "domain", id);
	}
}

int h_domain_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	int64_t enabled, *en;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (query_bool(req, res, "enabled", &enabled, &en) < 0)
		return -1;
	l.items = json_array();
	return reply_items(req, res, "domains", l.items,
			   domain_list(st, &req->caller, http_query(req, "name"), en,
				       render_add_domain, &l));
}

int h_domain_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_domain(req, res, 200, st, http_param(req, "domain_id"));
}

static int check_domain_body(struct http_response *res, const json_t *d)
{
	const char *name = json_str(d, "name");

	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	if (json_object_size(json_object_get(d, "options")) > 0)
		return http_error(res, 400, "Invalid input: no domain options are supported.");
	return 0;
}

int h_domain_create(struct http_request *req, struct http_response *res)
{
	json_t *d;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "domain", domain_fields, ARRAY_SIZE(domain_fields), &d);
	char id[ID_HEX_LEN + 1];
	const char *name, *buf[PROJECT_MAX_TAGS];
	const char *const *tags;
	struct store *st;
	int r, ntags;

	if (!body)
		return -1;
	name = json_str(d, "name");
	if (!name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (check_domain_body(res, d) < 0 ||
	    tags_parse(res, json_object_get(d, "tags"), buf, &tags, &ntags, "tags") < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = domain_create(st, &req->caller, name, json_str(d, "description"),
			  !json_is_false(json_object_get(d, "enabled")), id);
	if (r >= 0 && ntags > 0)
		r = project_tags_replace(st, id, tags, ntags);
	if (r < 0)
		r = domain_error(req, res, r, name, NULL);
	if (write_end(req, res, st, r, "domain") < 0)
		return -1;
	return reply_domain(req, res, 201, st, id);
}

int h_domain_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	json_t *d;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "domain", domain_fields, ARRAY_SIZE(domain_fields), &d);
	const char *buf[PROJECT_MAX_TAGS];
	const char *const *tags;
	const json_t *en;
	struct store *st;
	int r, ntags;

	if (!body)
		return -1;
	if (check_domain_body(res, d) < 0 ||
	    tags_parse(res, json_object_get(d, "tags"), buf, &tags, &ntags, "tags") < 0)
		return -1;
	en = json_object_get(d, "enabled");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = domain_update(st, &req->caller, id, json_str(d, "name"), json_str(d, "description"),
			  en ? json_is_true(en) : -1);
	if (r >= 0 && ntags >= 0)
		r = project_tags_replace(st, id, tags, ntags);
	if (r < 0)
		r = domain_error(req, res, r, json_str(d, "name"), id);
	if (write_end(req, res, st, r, "domain") < 0)
		return -1;
	return reply_domain(req, res, 200, st, id);
}

int h_domain_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = domain_delete(st, &req->caller, id);
	if (r < 0)
		r = domain_error(req, res, r, NULL, id);
	if (write_end(req, res, st, r, "domain") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
