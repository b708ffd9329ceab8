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
#include "store/store.h"

#define GET_PROJECT "SELECT " PROJECT_COLS " FROM project WHERE id = ?"

int h_project_list(struct http_request *req, struct http_response *res)
{
	int64_t enabled, *en;

	if (query_bool(req, res, "enabled", &enabled, &en) < 0)
		return -1;
	return reply_list(req, res, "projects", render_project,
			  "SELECT " PROJECT_COLS " FROM project WHERE (?1 IS NULL OR name = ?1)"
			  " AND (?2 IS NULL OR domain_id = ?2) AND (?3 IS NULL OR domain_id = ?3)"
			  " AND (?4 IS NULL OR enabled = ?4) ORDER BY name",
			  "sssp", http_query(req, "name"), http_query(req, "domain_id"),
			  http_query(req, "parent_id"), en);
}

int h_user_projects(struct http_request *req, struct http_response *res)
{
	return reply_list(req, res, "projects", render_project,
			  "SELECT " PROJECT_COLS " FROM project WHERE id IN (SELECT project_id FROM"
			  " project_role WHERE user_id = ?) ORDER BY name",
			  "s", http_param(req, "user_id"));
}

int h_project_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, GET_PROJECT, "project_id", "project", render_project);
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

int h_project_create(struct http_request *req, struct http_response *res)
{
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "project", project_fields, ARRAY_SIZE(project_fields), &p);
	const char *name, *domain_id, *parent, *desc;
	char id[ID_HEX_LEN + 1];
	struct store_stmt *q = NULL;
	struct store *st;
	int r;

	if (!body)
		return -1;
	name = json_str(p, "name");
	if (!name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (name_ok(res, name) < 0 || unsupported(res, p) < 0)
		return -1;
	domain_id = json_str(p, "domain_id");
	parent = json_str(p, "parent_id");
	if (!domain_id)
		domain_id = parent ? parent : caller_domain(&req->caller);
	if (parent && strcmp(parent, domain_id) != 0)
		return http_error(
		    res, 400,
		    "Invalid input for field 'parent_id': nested projects are not supported; the parent must be the domain.");
	desc = json_str(p, "description");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = identity_exists(st, "SELECT 1 FROM domain WHERE id = ?", domain_id);
	if (r == 0)
		r = http_error(res, 400, "Could not find domain: %s.", domain_id);
	if (r > 0) {
		id_new(id);
		r = store_exec(
		    st,
		    "INSERT INTO project (id, name, domain_id, description, enabled, revision)"
		    " VALUES (?, ?, ?, ?, ?, ?)",
		    "ssssbi", id, name, domain_id, desc ? desc : "",
		    !json_is_false(json_object_get(p, "enabled")), store_txn_revision(st));
		if (r == -EEXIST)
			r = http_error(
			    res, 409,
			    "Conflict occurred attempting to store project - Duplicate entry found with name %s at domain ID %s.",
			    name, domain_id);
	}
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	r = store_query(st, &q, GET_PROJECT, "s", id);
	return reply_row(req, res, 201, "project", render_project, r, q, "project", id);
}

int h_project_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "project", project_fields, ARRAY_SIZE(project_fields), &p);
	struct store_stmt *q = NULL;
	const json_t *en;
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (name_ok(res, json_str(p, "name")) < 0 || unsupported(res, p) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = identity_exists(st, "SELECT 1 FROM project WHERE id = ?", id);
	if (r == 0)
		r = http_error(res, 404, "Could not find project: %s.", id);
	if (r > 0 && json_str(p, "domain_id")) {
		r = store_query(st, &q, "SELECT 1 FROM project WHERE id = ? AND domain_id = ?",
				"ss", id, json_str(p, "domain_id"));
		if (r == 0) {
			r = store_next(q);
			store_done(q);
		}
		if (r == 0)
			r = http_error(
			    res, 400,
			    "Invalid input for field 'domain_id': a project cannot move to another domain.");
	}
	if (r > 0)
		r = store_exec(st,
			       "UPDATE project SET name = COALESCE(?, name),"
			       " description = COALESCE(?, description),"
			       " enabled = COALESCE(?, enabled), revision = ? WHERE id = ?",
			       "sspis", json_str(p, "name"), json_str(p, "description"),
			       (en = json_object_get(p, "enabled")) ? &(int64_t){ json_is_true(en) }
								    : NULL,
			       store_txn_revision(st), id);
	if (r == -EEXIST)
		r = http_error(
		    res, 409,
		    "Conflict occurred attempting to store project - Duplicate entry found with name %s.",
		    json_str(p, "name"));
	/* Disabling a project ends every token scoped to it. */
	if (r >= 0 && json_is_false(json_object_get(p, "enabled")))
		r = identity_revoke(st, NULL, id, NULL, NULL);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	r = store_query(st, &q, GET_PROJECT, "s", id);
	return reply_row(req, res, 200, "project", render_project, r, q, "project", id);
}

static int revoke_project(struct store *st, const char *id)
{
	return identity_revoke(st, NULL, id, NULL, NULL);
}

int h_project_delete(struct http_request *req, struct http_response *res)
{
	return reply_delete(req, res, "DELETE FROM project WHERE id = ?", "project_id", "project",
			    revoke_project);
}
