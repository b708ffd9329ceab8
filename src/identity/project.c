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

#define PROJECT_COLS "id, name, domain_id, description, enabled, parent_id"

static int each_row(struct store_stmt *q, int r, project_fn fn, void *ctx, int *n)
{
	struct project p;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		p = (struct project){ .id = store_text(q, 0),
				      .name = store_text(q, 1),
				      .domain_id = store_text(q, 2),
				      .description = store_text(q, 3),
				      .enabled = store_bool(q, 4),
				      .parent_id = store_text(q, 5) };
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
			" AND (?2 IS NULL OR domain_id = ?2) AND (?3 IS NULL OR parent_id = ?3"
			" OR (parent_id IS NULL AND domain_id = ?3))"
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

/* The parent of a new project, as Keystone checks it: in->parent_id names
 * the project's own domain (top-level: *parent stays NULL) or a project of
 * that domain whose branch, domain included, is enabled and less than
 * PROJECT_MAX_DEPTH deep. bad (65 bytes) names the parent's domain on
 * -EXDEV, and on -ECANCELED the disabled one, the nearest above the parent first, then the domain, then the parent
 * (Keystone's order). */
static int parent_check(struct store *st, const struct project_in *in, const char **parent,
			char *bad)
{
	struct store_stmt *q = NULL;
	char domain_id[65] = "", nearest_off[65] = "", parent_off[65] = "";
	int64_t depth = 0;
	int r, found = 0;

	*parent = NULL;
	if (!in->parent_id || strcmp(in->parent_id, in->domain_id) == 0)
		goto domain;
	r = domain_exists(st, in->parent_id);
	if (r != 0)
		return r < 0 ? r : -EISDIR; /* another domain as the parent */
	/* The parent (n = 1) and its ancestors, nearest first. */
	r = store_query(st, &q,
			"WITH RECURSIVE up (id, parent_id, domain_id, enabled, n) AS ("
			" SELECT id, parent_id, domain_id, enabled, 1 FROM project WHERE id = ?"
			" UNION ALL SELECT p.id, p.parent_id, p.domain_id, p.enabled, up.n + 1"
			" FROM project p JOIN up ON p.id = up.parent_id WHERE up.n < 64)"
			" SELECT id, domain_id, enabled, n FROM up ORDER BY n",
			"s", in->parent_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		int64_t n = store_int(q, 3);

		found = 1;
		depth = n;
		if (n == 1)
			snprintf(domain_id, sizeof(domain_id), "%s", store_text(q, 1));
		if (store_bool(q, 2))
			continue;
		if (n == 1)
			snprintf(parent_off, sizeof(parent_off), "%s", store_text(q, 0));
		else if (!nearest_off[0])
			snprintf(nearest_off, sizeof(nearest_off), "%s", store_text(q, 0));
	}
	store_done(q);
	if (r < 0)
		return r;
	if (!found)
		return -ENXIO;
	if (strcmp(domain_id, in->domain_id) != 0) {
		snprintf(bad, 65, "%s", domain_id);
		return -EXDEV;
	}
	*parent = in->parent_id;
	if (nearest_off[0]) {
		snprintf(bad, 65, "%s", nearest_off);
		return -ECANCELED;
	}
domain:
	r = rows_first(st, NULL, 0, "SELECT 1 FROM domain WHERE id = ? AND enabled = 0", "s",
		       in->domain_id);
	if (r != 0) {
		snprintf(bad, 65, "%s", in->domain_id);
		return r < 0 ? r : -ECANCELED;
	}
	if (parent_off[0]) {
		snprintf(bad, 65, "%s", parent_off);
		return -ECANCELED;
	}
	return depth >= PROJECT_MAX_DEPTH ? -ELOOP : 0;
}

int project_create(struct store *st, const struct caller *c, const struct project_in *in,
		   char *id)
{
	const char *parent;
	int r = policy_check(c, "identity:create_project",
			     &(struct target){ .domain_id = in->domain_id });

	if (r < 0)
		return r;
	r = domain_exists(st, in->domain_id);
	if (r == 0)
		return -ESRCH;
	if (r < 0)
		return r;
	r = parent_check(st, in, &parent, id);
	if (r < 0)
		return r;
	id_new(id);
	r = store_exec(st,
		       "INSERT INTO project (id, name, domain_id, description, enabled, parent_id,"
		       " revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "ssssbsi", id, in->name, in->domain_id, in->description ? in->description : "",
		       in->enabled != 0, parent, store_txn_revision(st));
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
	r = rows_first(st, NULL, 0, "SELECT 1 FROM project WHERE parent_id = ? LIMIT 1", "s", id);
	if (r != 0)
		return r < 0 ? r : -ENOTEMPTY; /* only a leaf goes */
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
