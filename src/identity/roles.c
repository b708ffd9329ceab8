/* roles.c - /v3/roles (domain-specific ones too) and the grants of roles
 * to users and groups on projects, domains and the system, inherited ones
 * under /v3/OS-INHERIT (PUT/HEAD/DELETE .../roles/{role_id}, GET
 * .../roles). */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

static const struct jfield role_fields[] = {
	{ "name", J_STRING, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "domain_id", J_STRING_NULL, false, 64 },
	{ "options", J_OBJECT, false, 0 },
};

static int reply_role(struct http_request *req, struct http_response *res, int status,
		      struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = role_get(st, &req->caller, id, render_add_role, &l);

	return reply_one(req, res, status, "role", l.items, r, "role", id);
}

static int role_error(struct http_request *req, struct http_response *res, int r,
		      const char *name, const char *id)
{
	if (r == -EEXIST)
		return http_error(
		    res, 409,
		    "Conflict occurred attempting to store role - Duplicate entry found with name %s.",
		    name);
	if (r == -ENOLINK)
		return http_error(res, 409, "Cannot delete role %s: it is still in use.", id);
	if (r == -ESRCH)
		return http_error(res, 400, "Could not find domain: %s.", id);
	return reply_error(req, res, r, "role", id);
}

int h_role_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "roles", l.items,
			   role_list(st, &req->caller, http_query(req, "name"),
				     http_query(req, "domain_id"), render_add_role, &l));
}

int h_role_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_role(req, res, 200, st, http_param(req, "role_id"));
}

static int check_role_body(struct http_response *res, const json_t *ro)
{
	const char *name = json_str(ro, "name");

	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	if (json_object_size(json_object_get(ro, "options")) > 0)
		return http_error(
		    res, 400, "Invalid input for field 'options': no role options are supported.");
	return 0;
}

int h_role_create(struct http_request *req, struct http_response *res)
{
	json_t *ro;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "role", role_fields, ARRAY_SIZE(role_fields), &ro);
	char id[ID_HEX_LEN + 1];
	const char *name;
	struct store *st;
	int r;

	if (!body)
		return -1;
	name = json_str(ro, "name");
	if (!name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (check_role_body(res, ro) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = role_create(st, &req->caller, name, json_str(ro, "description"),
			json_str(ro, "domain_id"), id);
	if (r < 0)
		r = role_error(req, res, r, name, r == -ESRCH ? json_str(ro, "domain_id") : NULL);
	if (write_end(req, res, st, r, "role") < 0)
		return -1;
	return reply_role(req, res, 201, st, id);
}

int h_role_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "role_id");
	json_t *ro;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "role", role_fields, ARRAY_SIZE(role_fields), &ro);
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (check_role_body(res, ro) < 0)
		return -1;
	if (json_object_get(ro, "domain_id"))
		return http_error(res, 400,
				  "Invalid input for field 'domain_id': a role stays in its domain.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = role_update(st, &req->caller, id, json_str(ro, "name"), json_str(ro, "description"));
	if (r < 0)
		r = role_error(req, res, r, json_str(ro, "name"), id);
	if (write_end(req, res, st, r, "role") < 0)
		return -1;
	return reply_role(req, res, 200, st, id);
}

int h_role_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "role_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = role_delete(st, &req->caller, id);
	if (r < 0)
		r = role_error(req, res, r, NULL, id);
	if (write_end(req, res, st, r, "role") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- grants --- */

/* The grant the path names: /v3/{projects|domains}/T/{users|groups}/A/roles,
 * /v3/OS-INHERIT/{projects|domains}/T/... (inherited to projects),
 * /v3/system/{users|groups}/A/roles. */
static struct grant grant_of(const struct http_request *req)
{
	bool inherited = strncmp(req->path, "/v3/OS-INHERIT/", 15) == 0;
	const char *rest = req->path + (inherited ? 15 : 4);

	return (struct grant){ .on_project = strncmp(rest, "projects/", 9) == 0,
			       .target_id = http_param(req, "target_id"),
			       .user_id = http_param(req, "user_id"),
			       .role_id = http_param(req, "role_id"),
			       .group_id = http_param(req, "group_id"),
			       .inherited = inherited,
			       .system = strncmp(rest, "system/", 7) == 0 };
}

static int grant_error(struct http_request *req, struct http_response *res, int r,
		       const struct grant *g, const char *missing)
{
	if (r != -ENOENT || !missing)
		return reply_error(req, res, r, "grant", NULL);
	if (strcmp(missing, "role assignment") == 0)
		return http_error(res, 404, "Could not find role assignment.");
	return http_error(res, 404, "Could not find %s: %s.", missing,
			  strcmp(missing, "user") == 0	  ? g->user_id
			  : strcmp(missing, "group") == 0 ? g->group_id
			  : strcmp(missing, "role") == 0  ? g->role_id
							  : g->target_id);
}

int h_grant_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct grant g = grant_of(req);
	struct render_list l = { req, NULL };
	const char *missing;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	r = grant_list(st, &req->caller, &g, render_add_role, &l, &missing);
	if (r < 0) {
		json_decref(l.items);
		return grant_error(req, res, r, &g, missing);
	}
	return reply_items(req, res, "roles", l.items, 0);
}

int h_grant_check(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct grant g = grant_of(req);
	const char *missing;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = grant_check(st, &req->caller, &g, &missing);
	if (r < 0)
		return grant_error(req, res, r, &g, missing);
	return http_reply(res, 204, NULL);
}

int h_grant_put(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	struct grant g = grant_of(req);
	const char *missing;
	int r;

	if (!st)
		return -1;
	r = grant_put(st, &req->caller, &g, &missing);
	if (r < 0)
		r = grant_error(req, res, r, &g, missing);
	if (write_end(req, res, st, r, "grant") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_grant_delete(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	struct grant g = grant_of(req);
	const char *missing;
	int r;

	if (!st)
		return -1;
	r = grant_delete(st, &req->caller, &g, &missing);
	if (r < 0)
		r = grant_error(req, res, r, &g, missing);
	if (write_end(req, res, st, r, "grant") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
