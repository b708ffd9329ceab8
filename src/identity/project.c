/* project.c - the project table: every statement on it, its invariants
 * (a project stays in its domain; disabling or deleting it ends the tokens
 * scoped to it) and the policy checks against the loaded project. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define PROJECT_COLS "id, name, domain_id, description, enabled"

static int each_row(struct store_stmt *q, int r, project_fn fn, void *ctx, int *n)
{
	struct project p;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		p = (struct project){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
				      store_text(q, 3), store_bool(q, 4) };
		r = fn(ctx, &p);
		if (r < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int project_list(struct store *st, const struct caller *c, const struct project_filter *f,
		 project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_projects", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " PROJECT_COLS " FROM project WHERE (?1 IS NULL OR name = ?1)"
			" AND (?2 IS NULL OR domain_id = ?2) AND (?3 IS NULL OR domain_id = ?3)"
			" AND (?4 IS NULL OR enabled = ?4) ORDER BY name",
			"sssp", f->name, f->domain_id, f->parent_id, f->enabled);
	return each_row(q, r, fn, ctx, NULL);
}

int project_list_of_user(struct store *st, const struct caller *c, const char *user_id,
			 bool enabled_only, project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_user_projects", &(struct target){ .user_id = user_id });

	if (r < 0)
		return r;
	r = store_query(st, &q,
			    "SELECT " PROJECT_COLS " FROM project WHERE (?2 = 0 OR enabled = 1)"
			    " AND id IN (SELECT project_id FROM project_role WHERE user_id = ?1)"
			    " ORDER BY name",
			    "sb", user_id, enabled_only);

	return each_row(q, r, fn, ctx, NULL);
}

int project_get(struct store *st, const struct caller *c, const char *id, project_fn fn,
		void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r;

	r = policy_check(c, "identity:get_project", &(struct target){ .project_id = id });
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " PROJECT_COLS " FROM project WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int project_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM project WHERE id = ?", "s", id);
}

int project_scope_load(struct store *st, const char *id, const char *name, const char *domain_id,
		       struct scope_row *out)
{
	struct store_stmt *q = NULL;
	int r = store_query(st, &q,
			    "SELECT p.id, p.name, p.domain_id, d.name, p.enabled, d.enabled"
			    " FROM project p JOIN domain d ON d.id = p.domain_id WHERE p.id = ?1"
			    " OR (?1 IS NULL AND p.name = ?2 AND p.domain_id = ?3)",
			    "sss", id, name, domain_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(out->id, sizeof(out->id), "%s", store_text(q, 0));
		snprintf(out->name, sizeof(out->name), "%s", store_text(q, 1));
		snprintf(out->domain_id, sizeof(out->domain_id), "%s", store_text(q, 2));
		snprintf(out->domain_name, sizeof(out->domain_name), "%s", store_text(q, 3));
		out->enabled = store_bool(q, 4) && store_bool(q, 5);
	}
	store_done(q);
	return r;
}

int project_create(struct store *st, const struct caller *c, const struct project_in *in,
		   char *id)
{
	int r = policy_check(c, "identity:create_project",
			     &(struct target){ .domain_id = in->domain_id });

	if (r < 0)
		return r;
	r = domain_exists(st, in->domain_id);
	if (r == 0)
		return -ESRCH;
	if (r < 0)
		return r;
	id_new(id);
	r = store_exec(st,
		       "INSERT INTO project (id, name, domain_id, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?)",
		       "ssssbi", id, in->name, in->domain_id, in->description ? in->description : "",
		       in->enabled != 0, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int project_update(struct store *st, const struct caller *c, const char *id,
		   const struct project_in *in)
{
	struct store_stmt *q = NULL;
	int64_t enabled = in->enabled > 0;
	char domain_id[65] = "";
	int r;

	r = policy_check(c, "identity:update_project", &(struct target){ .project_id = id });
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT domain_id FROM project WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(domain_id, sizeof(domain_id), "%s", store_text(q, 0));
	store_done(q);
	if (r == 0)
		return -ENOENT;
	if (r < 0)
		return r;
	if (in->domain_id && strcmp(in->domain_id, domain_id) != 0)
		return -EXDEV; /* a project stays in its domain */
	r = store_exec(st,
		       "UPDATE project SET name = COALESCE(?, name),"
		       " description = COALESCE(?, description),"
		       " enabled = COALESCE(?, enabled), revision = ? WHERE id = ?",
		       "sspis", in->name, in->description, in->enabled >= 0 ? &enabled : NULL,
		       store_txn_revision(st), id);
	/* Disabling a project ends every token scoped to it. */
	if (r >= 0 && in->enabled == 0)
		r = identity_revoke(st, NULL, id, NULL, NULL);
	return r < 0 ? r : 0;
}

int project_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_project", &(struct target){ .project_id = id });

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM project WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	if (r > 0)
		r = identity_revoke(st, NULL, id, NULL, NULL);
	return r < 0 ? r : 0;
}

int project_ensure(struct store *st, const char *domain_id, const char *name,
		   const char *description, char out[65])
{
	int r = rows_first(st, out, 65, "SELECT id FROM project WHERE domain_id = ? AND name = ?",
			   "ss", domain_id, name);

	if (r != 0)
		return r < 0 ? r : 0;
	id_new(out);
	r = store_exec(st,
		       "INSERT INTO project (id, name, domain_id, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, 1, ?)",
		       "ssssi", out, name, domain_id, description, store_txn_revision(st));
	return r < 0 ? r : 0;
}
