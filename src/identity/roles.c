/* roles.c - /v3/roles and the grants of roles to users on projects and
 * domains (PUT/GET/DELETE .../users/{user_id}/roles/{role_id}). */
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

#define GET_ROLE "SELECT " ROLE_COLS " FROM role WHERE id = ?"

static const struct jfield role_fields[] = {
	{ "name", J_STRING, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "domain_id", J_STRING_NULL, false, 64 },
	{ "options", J_OBJECT, false, 0 },
};

int h_role_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q = NULL;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	/* Roles are global; a domain_id filter names domain-specific roles,
	 * of which there are none. */
	r = store_query(st, &q,
			"SELECT " ROLE_COLS " FROM role WHERE (?1 IS NULL OR name = ?1)"
			" AND ?2 IS NULL ORDER BY name",
			"ss", http_query(req, "name"), http_query(req, "domain_id"));
	return reply_rows(req, res, "roles", render_role, r, q);
}

int h_role_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, GET_ROLE, "role_id", "role", render_role);
}

static int check_role_body(struct http_response *res, const json_t *ro)
{
	const char *name = json_str(ro, "name");

	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	if (json_str(ro, "domain_id"))
		return http_error(
		    res, 400,
		    "Invalid input for field 'domain_id': domain-specific roles are not supported.");
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
	struct store_stmt *q = NULL;
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
	id_new(id);
	r = store_exec(st, "INSERT INTO role (id, name, description, revision) VALUES (?, ?, ?, ?)",
		       "sssi", id, name, json_str(ro, "description"), store_txn_revision(st));
	if (r == -EEXIST)
		r = http_error(
		    res, 409,
		    "Conflict occurred attempting to store role - Duplicate entry found with name %s.",
		    name);
	if (write_end(req, res, st, r, "role") < 0)
		return -1;
	r = store_query(st, &q, GET_ROLE, "s", id);
	return reply_row(req, res, 201, "role", render_role, r, q, "role", id);
}

/* Tokens carry role names, so a renamed or deleted role ends the tokens
 * of everyone holding it. */
static int revoke_role_holders(struct store *st, const char *role_id)
{
	struct store_stmt *q = NULL;
	int r = store_query(st, &q,
			    "SELECT DISTINCT user_id FROM project_role WHERE role_id = ?1 UNION"
			    " SELECT DISTINCT user_id FROM domain_role WHERE role_id = ?1",
			    "s", role_id);
	char **users = NULL;
	int n = 0;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		char **nu = realloc(users, sizeof(*users) * (size_t)(n + 1));
		if (!nu || !(nu[n] = strdup(store_text(q, 0)))) {
			users = nu ? nu : users;
			r = -ENOMEM;
			break;
		}
		users = nu;
		n++;
	}
	store_done(q);
	for (int i = 0; i < n; i++) {
		if (r >= 0)
			r = identity_revoke(st, users[i], NULL, NULL, NULL);
		free(users[i]);
	}
	free(users);
	return r;
}

int h_role_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "role_id");
	json_t *ro;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "role", role_fields, ARRAY_SIZE(role_fields), &ro);
	struct store_stmt *q = NULL;
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (check_role_body(res, ro) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_exec(st,
		       "UPDATE role SET name = COALESCE(?, name), description = COALESCE(?,"
		       " description), revision = ? WHERE id = ?",
		       "ssis", json_str(ro, "name"), json_str(ro, "description"),
		       store_txn_revision(st), id);
	if (r == 0)
		r = http_error(res, 404, "Could not find role: %s.", id);
	if (r == -EEXIST)
		r = http_error(
		    res, 409,
		    "Conflict occurred attempting to store role - Duplicate entry found with name %s.",
		    json_str(ro, "name"));
	if (r > 0 && json_str(ro, "name"))
		r = revoke_role_holders(st, id);
	if (write_end(req, res, st, r, "role") < 0)
		return -1;
	r = store_query(st, &q, GET_ROLE, "s", id);
	return reply_row(req, res, 200, "role", render_role, r, q, "role", id);
}

int h_role_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "role_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = revoke_role_holders(st, id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM role WHERE id = ?", "s", id);
	if (r == 0)
		r = http_error(res, 404, "Could not find role: %s.", id);
	if (write_end(req, res, st, r, "role") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- grants --- */

static bool on_project(const struct http_request *req)
{
	return strncmp(req->path, "/v3/projects/", 13) == 0;
}

/* Check that target, user and (when given) role exist; fills a 404. */
static int grant_targets(struct http_request *req, struct http_response *res, struct store *st)
{
	const char *target = http_param(req, "target_id");
	const char *user = http_param(req, "user_id");
	const char *role = http_param(req, "role_id");
	int r;

	r = identity_exists(st,
			    on_project(req) ? "SELECT 1 FROM project WHERE id = ?"
					    : "SELECT 1 FROM domain WHERE id = ?",
			    target);
	if (r == 0)
		return http_error(res, 404, "Could not find %s: %s.",
				  on_project(req) ? "project" : "domain", target);
	if (r > 0)
		r = identity_exists(st, "SELECT 1 FROM users WHERE id = ?", user);
	if (r == 0)
		return http_error(res, 404, "Could not find user: %s.", user);
	if (r > 0 && role)
		r = identity_exists(st, "SELECT 1 FROM role WHERE id = ?", role);
	if (r == 0)
		return http_error(res, 404, "Could not find role: %s.", role);
	return r < 0 ? http_error_errno(res, r, "grant") : 0;
}

int h_grant_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q = NULL;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (grant_targets(req, res, st) < 0)
		return -1;
	r = store_query(st, &q,
			on_project(req)
			    ? "SELECT " ROLE_COLS " FROM role WHERE id IN (SELECT role_id FROM"
			      " project_role WHERE project_id = ? AND user_id = ?) ORDER BY name"
			    : "SELECT " ROLE_COLS " FROM role WHERE id IN (SELECT role_id FROM"
			      " domain_role WHERE domain_id = ? AND user_id = ?) ORDER BY name",
			"ss", http_param(req, "target_id"), http_param(req, "user_id"));
	return reply_rows(req, res, "roles", render_role, r, q);
}

int h_grant_check(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q = NULL;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (grant_targets(req, res, st) < 0)
		return -1;
	r = store_query(st, &q,
			on_project(req) ? "SELECT 1 FROM project_role WHERE project_id = ? AND"
					  " user_id = ? AND role_id = ?"
					: "SELECT 1 FROM domain_role WHERE domain_id = ? AND"
					  " user_id = ? AND role_id = ?",
			"sss", http_param(req, "target_id"), http_param(req, "user_id"),
			http_param(req, "role_id"));
	if (r == 0) {
		r = store_next(q);
		store_done(q);
	}
	if (r < 0)
		return http_error_errno(res, r, "grant");
	if (r == 0)
		return http_error(res, 404, "Could not find role assignment.");
	return http_reply(res, 204, NULL);
}

int h_grant_put(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = grant_targets(req, res, st);
	if (r >= 0) {
		r = store_exec(st,
			       on_project(req) ? "INSERT INTO project_role (project_id, user_id,"
						 " role_id, revision) VALUES (?, ?, ?, ?)"
					       : "INSERT INTO domain_role (domain_id, user_id,"
						 " role_id, revision) VALUES (?, ?, ?, ?)",
			       "sssi", http_param(req, "target_id"), http_param(req, "user_id"),
			       http_param(req, "role_id"), store_txn_revision(st));
		if (r == -EEXIST) /* granting twice is not an error */
			r = 0;
	}
	if (write_end(req, res, st, r, "grant") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_grant_delete(struct http_request *req, struct http_response *res)
{
	const char *target = http_param(req, "target_id");
	const char *user = http_param(req, "user_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = grant_targets(req, res, st);
	if (r >= 0)
		r = store_exec(st,
			       on_project(req) ? "DELETE FROM project_role WHERE project_id = ? AND"
						 " user_id = ? AND role_id = ?"
					       : "DELETE FROM domain_role WHERE domain_id = ? AND"
						 " user_id = ? AND role_id = ?",
			       "sss", target, user, http_param(req, "role_id"));
	if (r == 0)
		r = http_error(res, 404, "Could not find role assignment.");
	/* The user's tokens for that target carry the role: end them. */
	if (r > 0)
		r = on_project(req) ? identity_revoke(st, user, target, NULL, NULL)
				    : identity_revoke(st, user, NULL, target, NULL);
	if (write_end(req, res, st, r, "grant") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
