/* flavor_access.c - Nova's os-flavor-access: the projects that may see
 * and use a private flavor (the flavor_access table), listed and changed
 * by admins through /flavors/{id}/os-flavor-access and the flavor's
 * addTenantAccess / removeTenantAccess actions. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

int flavor_access_has(struct store *st, const char *flavor_id, const char *project_id)
{
	struct store_stmt *q;
	int r;

	if (!project_id)
		return 0;
	r = store_query(st, &q, "SELECT 1 FROM flavor_access WHERE flavor_id = ? AND project_id = ?",
			"ss", flavor_id, project_id);
	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	return r;
}

int flavor_access_add(struct store *st, const char *flavor_id, const char *project_id,
		      struct nova_fault *f)
{
	int r = store_exec(st,
			   "INSERT INTO flavor_access (flavor_id, project_id, revision) VALUES (?, ?, ?)",
			   "ssi", flavor_id, project_id, store_txn_revision(st));

	if (r == -EEXIST)
		return nova_fail(f, r, "Flavor access already exists for flavor %s and project %s combination.",
				 flavor_id, project_id);
	return r < 0 ? r : 0;
}

int flavor_access_remove(struct store *st, const char *flavor_id, const char *project_id,
			 struct nova_fault *f)
{
	int r = store_exec(st, "DELETE FROM flavor_access WHERE flavor_id = ? AND project_id = ?",
			   "ss", flavor_id, project_id);

	if (r == 0)
		return nova_fail(f, -ENOENT, "Flavor access not found for %s / %s combination.",
				 flavor_id, project_id);
	return r < 0 ? r : 0;
}

/* Reply {"flavor_access": [{"flavor_id", "tenant_id"}]} for flavor id. */
static int reply_access(struct http_request *req, struct http_response *res, struct store *st,
			const char *id)
{
	json_t *list = json_array();
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT project_id FROM flavor_access WHERE flavor_id = ? ORDER BY project_id",
			    "s", id);

	(void)req;
	if (r < 0) {
		json_decref(list);
		return http_error_errno(res, r, "flavor access");
	}
	while ((r = store_next(q)) > 0)
		json_array_append_new(list, json_pack("{s:s,s:s}", "flavor_id", id, "tenant_id",
						      store_text(q, 0)));
	store_done(q);
	if (r < 0) {
		json_decref(list);
		return http_error_errno(res, r, "flavor access");
	}
	return http_reply(res, 200, json_pack("{s:o}", "flavor_access", list));
}

/* The flavor id for an access call: 0 with *is_public, or Nova's 404. */
static int access_flavor(struct http_request *req, struct http_response *res, struct store *st,
			 const char *id, bool *is_public)
{
	struct flavor fl;
	int r = flavor_find(st, &req->caller, id, &fl);

	if (r == -ENOENT)
		return http_error(res, 404, "Flavor %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "flavor");
	*is_public = fl.is_public;
	return 0;
}

int h_flavor_access_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "flavor_id");
	bool pub;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (access_flavor(req, res, st, id, &pub) < 0)
		return -1;
	if (pub)
		return http_error(res, 404, "Access list not available for public flavors.");
	return reply_access(req, res, st, id);
}

/* POST /flavors/{id}/action: {"addTenantAccess": {"tenant": P}} or
 * {"removeTenantAccess": {"tenant": P}}. */
int h_flavor_action(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = { { "tenant", J_STRING, true, 255 } };
	const char *id = http_param(req, "flavor_id"), *action, *project;
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct nova_fault f = { "" };
	struct store *st;
	json_t *args;
	char err[256];
	bool add, pub;
	int r;

	if (!body)
		return -1;
	add = json_object_get(body, "addTenantAccess") != NULL;
	action = add ? "addTenantAccess" : "removeTenantAccess";
	args = json_object_get(body, action);
	if (!json_is_object(body) || json_object_size(body) != 1 || !args)
		return http_error(res, 400, "Invalid input: expected {\"addTenantAccess\": {\"tenant\": ...}} or {\"removeTenantAccess\": {\"tenant\": ...}}.");
	if (!json_is_object(args) ||
	    json_check(args, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "Invalid input for field/attribute %s.", action);
	project = json_str(args, "tenant");
	if (!add && !policy_allows(&req->caller, "os_compute_api:os-flavor-access:remove_tenant_access", NULL))
		return http_error(res, 403, "Policy doesn't allow os_compute_api:os-flavor-access:remove_tenant_access to be performed.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = access_flavor(req, res, st, id, &pub);
	if (r >= 0 && add && pub)
		r = http_error(res, 409, "Can not add access to a public flavor.");
	if (r >= 0) {
		r = add ? flavor_access_add(st, id, project, &f) : flavor_access_remove(st, id, project, &f);
		if (r < 0)
			nova_error(res, r, &f, "flavor access");
	}
	if (api_write_end(res, st, r, "flavor access") < 0)
		return -1;
	st = basalt_store(req->b);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_access(req, res, st, id);
}
