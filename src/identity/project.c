/* project.c - the project and project_tag tables: every statement on them,
 * their invariants (a project stays in its domain under an existing parent,
 * at most PROJECT_MAX_DEPTH deep; only a leaf is deleted; a project is not
 * enabled under a disabled parent nor disabled above an enabled one;
 * disabling or deleting it ends the tokens scoped to it) and the policy
 * checks against the loaded project. A domain id names the domain acting as
 * a project (Keystone's is_domain projects): those calls go to domain.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define PROJECT_COLS "id, name, domain_id, description, enabled, parent_id"

int project_tags_joined(struct store *st, const char *id, char **out)
{
	struct store_stmt *q = NULL;
	size_t len = 0, n;
	char *buf = NULL, *nb;
	int r;

	*out = NULL;
	r = store_query(st, &q, "SELECT name FROM project_tag WHERE project_id = ? ORDER BY name",
			"s", id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		n = strlen(store_text(q, 0));
		nb = realloc(buf, len + n + 2);
		if (!nb) {
			r = -ENOMEM;
			break;
		}
		buf = nb;
		if (len)
			buf[len++] = ',';
		memcpy(buf + len, store_text(q, 0), n + 1);
		len += n;
	}
	store_done(q);
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	return 0;
}

/* Whether the comma-joined list set holds tag. */
static bool has_tag(const char *set, const char *tag, size_t taglen)
{
	const char *e;

	for (; set && *set; set = *e ? e + 1 : e) {
		e = strchr(set, ',');
		if (!e)
			e = set + strlen(set);
		if ((size_t)(e - set) == taglen && memcmp(set, tag, taglen) == 0)
			return true;
	}
	return false;
}

/* How many of the comma-separated want are in set, and how many want are. */
static void count_tags(const char *set, const char *want, int *found, int *total)
{
	const char *e;

	*found = *total = 0;
	for (; want && *want; want = *e ? e + 1 : e) {
		e = strchr(want, ',');
		if (!e)
			e = want + strlen(want);
		(*total)++;
		if (has_tag(set, want, (size_t)(e - want)))
			(*found)++;
	}
}

/* Keystone's tag filters: tags (all), tags-any, not-tags (not all),
 * not-tags-any (none). */
static bool tags_match(const struct project_filter *f, const char *set)
{
	int found, total;

	if (!f)
		return true;
	count_tags(set, f->tags, &found, &total);
	if (f->tags && found < total)
		return false;
	count_tags(set, f->tags_any, &found, &total);
	if (f->tags_any && found == 0)
		return false;
	count_tags(set, f->not_tags, &found, &total);
	if (f->not_tags && total > 0 && found == total)
		return false;
	count_tags(set, f->not_tags_any, &found, &total);
	if (f->not_tags_any && found > 0)
		return false;
	return true;
}

static int each_row(struct store *st, struct store_stmt *q, int r, const struct project_filter *f,
		    project_fn fn, void *ctx, int *n)
{
	struct project p;
	char *tags;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		r = project_tags_joined(st, store_text(q, 0), &tags);
		if (r < 0)
			break;
		p = (struct project){ .id = store_text(q, 0),
				      .name = store_text(q, 1),
				      .domain_id = store_text(q, 2),
				      .description = store_text(q, 3),
				      .enabled = store_bool(q, 4),
				      .parent_id = store_text(q, 5),
				      .tags = tags };
		r = tags_match(f, tags) ? fn(ctx, &p) : 0;
		free(tags);
		if (r < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

/* A domain handed on as the project acting as it. */
struct as_project {
	struct store *st;
	const struct project_filter *f;
	project_fn fn;
	void *ctx;
};

static int domain_as_project(void *ctx, const struct domain *d)
{
	struct as_project *a = ctx;
	struct project p = { .id = d->id,
			     .name = d->name,
			     .description = d->description,
			     .enabled = d->enabled,
			     .is_domain = true };
	char *tags;
	int r = project_tags_joined(a->st, d->id, &tags);

	if (r < 0)
		return r;
	p.tags = tags;
	r = tags_match(a->f, tags) ? a->fn(a->ctx, &p) : 0;
	free(tags);
	return r;
}

int project_list(struct store *st, const struct caller *c, const struct project_filter *f,
		 project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_projects", NULL);

	if (r < 0)
		return r;
	if (f->is_domain) { /* domains have no domain and no parent */
		if (f->domain_id || f->parent_id)
			return 0;
		return domain_list(st, c, f->name, f->enabled, domain_as_project,
				   &(struct as_project){ st, f, fn, ctx });
	}
	r = store_query(st, &q,
			"SELECT " PROJECT_COLS " FROM project WHERE (?1 IS NULL OR name = ?1)"
			" AND (?2 IS NULL OR domain_id = ?2) AND (?3 IS NULL OR parent_id = ?3"
			" OR (parent_id IS NULL AND domain_id = ?3))"
			" AND (?4 IS NULL OR enabled = ?4) ORDER BY name",
			"sssp", f->name, f->domain_id, f->parent_id, f->enabled);
	return each_row(st, q, r, f, fn, ctx, NULL);
}

int project_list_of_user(struct store *st, const struct caller *c, const char *user_id,
			 bool enabled_only, project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r =
	    policy_check(c, "identity:list_user_projects", &(struct target){ .user_id = user_id });

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " PROJECT_COLS " FROM project WHERE (?2 = 0 OR enabled = 1)"
			" AND id IN (SELECT project_id FROM user_project_access WHERE user_id = ?1)"
			" ORDER BY name",
			"sb", user_id, enabled_only);

	return each_row(st, q, r, NULL, fn, ctx, NULL);
}

int project_get(struct store *st, const struct caller *c, const char *id, project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r;

	r = policy_check(c, "identity:get_project", &(struct target){ .project_id = id });
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " PROJECT_COLS " FROM project WHERE id = ?", "s", id);
	r = each_row(st, q, r, NULL, fn, ctx, &n);
	if (r == 0 && n == 0 && domain_exists(st, id) > 0)
		return domain_get(st, c, id, domain_as_project,
				  &(struct as_project){ st, NULL, fn, ctx });
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
 * -EXDEV, and on -ECANCELED the disabled one: the nearest above the parent
 * first, then the domain, then the parent (Keystone's order). */
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

int project_tags_replace(struct store *st, const char *id, const char *const *tags, int n)
{
	int i, r = store_exec(st, "DELETE FROM project_tag WHERE project_id = ?", "s", id);

	for (i = 0; r >= 0 && i < n; i++)
		r = store_exec(
		    st, "INSERT INTO project_tag (project_id, name, revision) VALUES (?, ?, ?)",
		    "ssi", id, tags[i], store_txn_revision(st));
	return r < 0 ? r : 0;
}

int project_create(struct store *st, const struct caller *c, const struct project_in *in, char *id)
{
	const char *parent;
	int r = policy_check(c, "identity:create_project",
			     &(struct target){ .domain_id = in->domain_id });

	if (r < 0)
		return r;
	if (in->is_domain) {
		r = domain_create(st, c, in->name, in->description, in->enabled != 0, id);
		return r < 0 ? r : project_tags_replace(st, id, in->tags, in->ntags > 0 ? in->ntags : 0);
	}
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
		       "ssssbsi", id, in->name, in->domain_id,
		       in->description ? in->description : "", in->enabled != 0, parent,
		       store_txn_revision(st));
	return r < 0 ? r : project_tags_replace(st, id, in->tags, in->ntags > 0 ? in->ntags : 0);
}

/* 1 when a project above id (its domain included) is disabled, or (below)
 * one under it is enabled; 0 when not; -errno. */
static int branch_has(struct store *st, const char *id, bool below)
{
	if (below)
		return rows_first(
		    st, NULL, 0,
		    "WITH RECURSIVE down (id) AS (SELECT id FROM project WHERE"
		    " parent_id = ?1 UNION ALL SELECT p.id FROM project p JOIN down"
		    " ON p.parent_id = down.id) SELECT 1 FROM project WHERE enabled = 1"
		    " AND id IN (SELECT id FROM down) LIMIT 1",
		    "s", id);
	return rows_first(st, NULL, 0,
			  "WITH RECURSIVE up (id, parent_id, domain_id, enabled, n) AS ("
			  " SELECT id, parent_id, domain_id, enabled, 0 FROM project WHERE id = ?1"
			  " UNION ALL SELECT p.id, p.parent_id, p.domain_id, p.enabled, up.n + 1"
			  " FROM project p JOIN up ON p.id = up.parent_id WHERE up.n < 64)"
			  " SELECT 1 FROM up WHERE (n > 0 AND enabled = 0) OR (n = 0 AND"
			  " EXISTS (SELECT 1 FROM domain d WHERE d.id = up.domain_id AND"
			  " d.enabled = 0)) LIMIT 1",
			  "s", id);
}

int project_update(struct store *st, const struct caller *c, const char *id,
		   const struct project_in *in)
{
	struct store_stmt *q = NULL;
	int64_t enabled = in->enabled > 0;
	char domain_id[65] = "", parent_id[65] = "";
	bool was_enabled = false;
	int r;

	r = policy_check(c, "identity:update_project", &(struct target){ .project_id = id });
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT domain_id, parent_id, enabled FROM project WHERE id = ?",
			"s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(domain_id, sizeof(domain_id), "%s", store_text(q, 0));
		snprintf(parent_id, sizeof(parent_id), "%s",
			 store_text(q, 1) ? store_text(q, 1) : domain_id);
		was_enabled = store_bool(q, 2);
	}
	store_done(q);
	if (r == 0 && domain_exists(st, id) > 0) { /* a domain acting as a project */
		if (in->domain_id || (in->parent_id && in->parent_id[0]))
			return in->domain_id ? -EXDEV : -EPIPE;
		r = domain_update(st, c, id, in->name, in->description, in->enabled);
		return r < 0 || in->ntags < 0 ? r : project_tags_replace(st, id, in->tags, in->ntags);
	}
	if (r == 0)
		return -ENOENT;
	if (r < 0)
		return r;
	if (in->domain_id && strcmp(in->domain_id, domain_id) != 0)
		return -EXDEV; /* a project stays in its domain */
	if (in->parent_id && strcmp(in->parent_id, parent_id) != 0)
		return -EPIPE; /* and under its parent */
	if (in->enabled > 0 && !was_enabled) {
		r = branch_has(st, id, false);
		if (r != 0)
			return r < 0 ? r : -ECANCELED;
	}
	if (in->enabled == 0 && was_enabled) {
		r = branch_has(st, id, true);
		if (r != 0)
			return r < 0 ? r : -ENOTEMPTY;
	}
	r = store_exec(st,
		       "UPDATE project SET name = COALESCE(?, name),"
		       " description = COALESCE(?, description),"
		       " enabled = COALESCE(?, enabled), revision = ? WHERE id = ?",
		       "sspis", in->name, in->description, in->enabled >= 0 ? &enabled : NULL,
		       store_txn_revision(st), id);
	if (r >= 0 && in->ntags >= 0)
		r = project_tags_replace(st, id, in->tags, in->ntags);
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
	if (project_exists(st, id) == 0 && domain_exists(st, id) > 0)
		return domain_delete(st, c, id);
	r = rows_first(st, NULL, 0, "SELECT 1 FROM project WHERE parent_id = ? LIMIT 1", "s", id);
	if (r != 0)
		return r < 0 ? r : -ENOTEMPTY; /* only a leaf goes */
	r = store_exec(st, "DELETE FROM project_tag WHERE project_id = ?", "s", id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM project WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	if (r > 0)
		r = identity_revoke(st, NULL, id, NULL, NULL);
	return r < 0 ? r : 0;
}

int project_delete_in_domain(struct store *st, const char *domain_id)
{
	int r = store_exec(st,
			   "DELETE FROM project_tag WHERE project_id = ?1 OR project_id IN"
			   " (SELECT id FROM project WHERE domain_id = ?1)",
			   "s", domain_id);

	/* The whole tree at once: no parent is left with a child. */
	if (r >= 0)
		r = store_exec(st, "DELETE FROM project WHERE domain_id = ?", "s", domain_id);
	return r < 0 ? r : 0;
}

/* The caller-only part of the hierarchy queries: the projects the caller
 * holds a role on. */
#define CALLER_ONLY                                                                                \
	" AND (?2 = 0 OR p.id IN (SELECT project_id FROM user_project_access WHERE user_id = ?3))"

int project_parents(struct store *st, const struct caller *c, const char *id, bool caller_only,
		    project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:get_project", &(struct target){ .project_id = id });

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"WITH RECURSIVE up (id, parent_id, n) AS ("
			" SELECT id, parent_id, 0 FROM project WHERE id = ?1"
			" UNION ALL SELECT p.id, p.parent_id, up.n + 1"
			" FROM project p JOIN up ON p.id = up.parent_id WHERE up.n < 64)"
			" SELECT p.id, p.name, p.domain_id, p.description, p.enabled, p.parent_id"
			" FROM up JOIN project p ON p.id = up.id WHERE up.n > 0" CALLER_ONLY
			" ORDER BY up.n",
			"sbs", id, caller_only, c->user_id);
	return each_row(st, q, r, NULL, fn, ctx, NULL);
}

int project_subtree(struct store *st, const struct caller *c, const char *id, bool caller_only,
		    project_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:get_project", &(struct target){ .project_id = id });

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"WITH RECURSIVE down (id, n) AS (SELECT id, 1 FROM project WHERE"
			" parent_id = ?1 UNION ALL SELECT p.id, down.n + 1 FROM project p"
			" JOIN down ON p.parent_id = down.id WHERE down.n < 64)"
			" SELECT p.id, p.name, p.domain_id, p.description, p.enabled, p.parent_id"
			" FROM down JOIN project p ON p.id = down.id WHERE 1 = 1" CALLER_ONLY
			" ORDER BY down.n, p.name",
			"sbs", id, caller_only, c->user_id);
	return each_row(st, q, r, NULL, fn, ctx, NULL);
}

/* The project (or domain acting as one) id exists: 0, -ENOENT, -errno. */
static int tag_target(struct store *st, const struct caller *c, const char *action, const char *id)
{
	int r = policy_check(c, action, &(struct target){ .project_id = id });

	if (r < 0)
		return r;
	r = project_exists(st, id);
	if (r == 0)
		r = domain_exists(st, id);
	return r < 0 ? r : r ? 0 : -ENOENT;
}

int project_tags(struct store *st, const struct caller *c, const char *id, tag_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = tag_target(st, c, "identity:list_project_tags", id);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT name FROM project_tag WHERE project_id = ? ORDER BY name",
			"s", id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		r = fn(ctx, store_text(q, 0));
		if (r < 0)
			break;
	}
	store_done(q);
	return r;
}

int project_tags_set(struct store *st, const struct caller *c, const char *id,
		     const char *const *tags, int n)
{
	int r = tag_target(st, c, "identity:update_project_tags", id);

	return r < 0 ? r : project_tags_replace(st, id, tags, n);
}

int project_tag_check(struct store *st, const struct caller *c, const char *id, const char *tag)
{
	int r = tag_target(st, c, "identity:get_project_tag", id);

	if (r < 0)
		return r;
	r = rows_first(st, NULL, 0, "SELECT 1 FROM project_tag WHERE project_id = ? AND name = ?",
		       "ss", id, tag);
	return r < 0 ? r : r ? 0 : -ENODATA;
}

int project_tag_add(struct store *st, const struct caller *c, const char *id, const char *tag)
{
	char n[32];
	int r = tag_target(st, c, "identity:create_project_tag", id);

	if (r < 0)
		return r;
	r = rows_first(st, n, sizeof(n), "SELECT COUNT(*) FROM project_tag WHERE project_id = ?",
		       "s", id);
	if (r < 0)
		return r;
	if (atoi(n) >= PROJECT_MAX_TAGS)
		return -E2BIG;
	r = store_exec(st, "INSERT INTO project_tag (project_id, name, revision) VALUES (?, ?, ?)",
		       "ssi", id, tag, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int project_tag_delete(struct store *st, const struct caller *c, const char *id, const char *tag)
{
	int r = tag_target(st, c, "identity:delete_project_tag", id);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM project_tag WHERE project_id = ? AND name = ?", "ss", id,
		       tag);
	return r < 0 ? r : r ? 0 : -ENODATA;
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
