/* projects.c - /v3/projects: CRUD and a user's projects. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

/* The project id as the reply after a write: 200/201 {"project": ...}. */
static int reply_project(struct http_request *req, struct http_response *res, int status,
			 struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = project_get(st, &req->caller, id, render_add_project, &l);

	return reply_one(req, res, status, "project", l.items, r, "project", id);
}

int h_project_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	struct project_filter f = { http_query(req, "name"), http_query(req, "domain_id"),
				    http_query(req, "parent_id"), NULL };
	int64_t enabled;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (query_bool(req, res, "enabled", &enabled, (int64_t **)&f.enabled) < 0)
		return -1;
	l.items = json_array();
	return reply_items(req, res, "projects", l.items,
			   project_list(st, &req->caller, &f, render_add_project, &l));
}

int h_user_projects(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, json_array() };

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	return reply_items(req, res, "projects", l.items,
			   project_list_of_user(st, &req->caller, http_param(req, "user_id"),
						false, render_add_project, &l));
}

int h_project_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_project(req, res, 200, st, http_param(req, "project_id"));
}

static const struct jfield project_fields[] = {
	{ "name", J_STRING, false, 64 },
	{ "domain_id", J_STRING, false, 64 },
	{ "description", J_STRING_NULL, false, 65535 },
	{ "enabled", J_BOOL, false, 0 },
	{ "parent_id", J_STRING_NULL, false, 64 },
	{ "is_domain", J_BOOL, false, 0 },
	{ "tags", J_ARRAY, false, 0 },
	{ "options", J_OBJECT, false, 0 },
};

/* Features of Keystone projects Basalt does not model are refused, not
 * silently dropped. */
static int unsupported(struct http_response *res, const json_t *p)
{
	if (json_is_true(json_object_get(p, "is_domain")))
		return http_error(
		    res, 400,
		    "Invalid input for field 'is_domain': projects acting as domains are not supported.");
	if (json_array_size(json_object_get(p, "tags")) > 0)
		return http_error(
		    res, 400, "Invalid input for field 'tags': project tags are not supported.");
	if (json_object_size(json_object_get(p, "options")) > 0)
		return http_error(
		    res, 400,
		    "Invalid input for field 'options': no project options are supported.");
	return 0;
}

static int name_ok(struct http_response *res, const char *name)
{
	if (name && (!name[0] || strspn(name, " \t") == strlen(name)))
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	return 0;
}

/* A write's error (the project named by name when it clashes). */
static int project_error(struct http_request *req, struct http_response *res, int r,
			 const struct project_in *in, const char *id)
{
	switch (r) {
	case -ESRCH:
		return http_error(res, 400, "Could not find domain: %s.", in->domain_id);
	case -EXDEV:
		return http_error(
		    res, 400,
		    "Invalid input for field 'domain_id': a project cannot move to another domain.");
	case -EEXIST:
		return in->domain_id
			   ? http_error(
				 res, 409,
				 "Conflict occurred attempting to store project - Duplicate entry found with name %s at domain ID %s.",
				 in->name, in->domain_id)
			   : http_error(
				 res, 409,
				 "Conflict occurred attempting to store project - Duplicate entry found with name %s.",
				 in->name);
	case -ENOLINK:
		return http_error(res, 409, "Cannot delete project %s: it is still in use.", id);
	case -ENOTEMPTY:
		return http_error(
		    res, 403,
		    "Cannot delete the project %s since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.",
		    id);
	default:
		return reply_error(req, res, r, "project", id);
	}
}

/* A create's error: about its parent in Keystone's words, else as any
 * write's. bad: what project_create wrote to its id_out. */
static int create_error(struct http_request *req, struct http_response *res, int r,
			const struct project_in *in, const char *bad)
{
	switch (r) {
	case -ENXIO:
		return http_error(res, 400, "Could not find project: %s.", in->parent_id);
	case -EXDEV:
		return http_error(
		    res, 400,
		    "Cannot create project, since it specifies its domain_id %s, but specifies a parent in a different domain (%s).",
		    in->domain_id, bad);
	case -EISDIR:
		return http_error(
		    res, 400,
		    "Cannot create project, the parent (%s) is acting as a domain, but this project's domain id (%s) does not match the parent's id.",
		    in->parent_id, in->domain_id);
	case -ECANCELED:
		return http_error(
		    res, 400,
		    "cannot create a project in a branch containing a disabled project: %s", bad);
	case -ELOOP:
		return http_error(res, 403, "Max hierarchy depth reached for %s branch.",
				  in->parent_id);
	default:
		return project_error(req, res, r, in, NULL);
	}
}

static int enabled_of(const json_t *p)
{
	const json_t *en = json_object_get(p, "enabled");

	return en ? json_is_true(en) : -1;
}

int h_project_create(struct http_request *req, struct http_response *res)
{
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "project", project_fields, ARRAY_SIZE(project_fields), &p);
	struct project_in in;
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	in = (struct project_in){ .name = json_str(p, "name"),
				  .domain_id = json_str(p, "domain_id"),
				  .description = json_str(p, "description"),
				  .enabled = enabled_of(p) };
	if (!in.name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (name_ok(res, in.name) < 0 || unsupported(res, p) < 0)
		return -1;
	in.parent_id = json_str(p, "parent_id");
	if (!in.domain_id) /* Keystone: the token's domain, else the default */
		in.domain_id = caller_domain(&req->caller);
	if (in.enabled < 0)
		in.enabled = 1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = project_create(st, &req->caller, &in, id);
	if (r < 0)
		r = create_error(req, res, r, &in, id);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return reply_project(req, res, 201, st, id);
}

int h_project_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "project", project_fields, ARRAY_SIZE(project_fields), &p);
	struct project_in in;
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (name_ok(res, json_str(p, "name")) < 0 || unsupported(res, p) < 0)
		return -1;
	in = (struct project_in){ .name = json_str(p, "name"),
				  .domain_id = json_str(p, "domain_id"),
				  .description = json_str(p, "description"),
				  .enabled = enabled_of(p) };
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = project_update(st, &req->caller, id, &in);
	if (r < 0)
		r = project_error(req, res, r, &(struct project_in){ .name = in.name }, id);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return reply_project(req, res, 200, st, id);
}

int h_project_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = project_delete(st, &req->caller, id);
	if (r < 0)
		r = project_error(req, res, r, &(struct project_in){ 0 }, id);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
