/* endpoint_group.c - OS-EP-FILTER's tables: endpoint_group (endpoints
 * named by filters), project_endpoint_group and project_endpoint (what a
 * project's catalog is limited to): every statement on them, the policy
 * checks, and the matching of endpoints against a group's filters, which
 * the token catalog (token_catalog.c) shares. Associations go with their
 * project, endpoint or group (ON DELETE CASCADE). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define GROUP_COLS "id, name, description, filters"

static int each_group(struct store_stmt *q, int r, endpoint_group_fn fn, void *ctx, int *n)
{
	struct endpoint_group g;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		g = (struct endpoint_group){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
					     store_text(q, 3) };
		if ((r = fn(ctx, &g)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool endpoint_group_matches(const json_t *filters, const char *service_id, const char *interface,
			    const char *region_id)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)filters, key, v)
	{
		const char *want = json_string_value(v);
		if (strcmp(key, "service_id") == 0 ? !same(want, service_id)
		    : strcmp(key, "interface") == 0 ? !same(want, interface)
		    : strcmp(key, "region_id") == 0 ? (json_is_null(v) ? region_id != NULL
								       : !same(want, region_id))
						      : true)
			return false;
	}
	return true;
}

int endpoint_group_list(struct store *st, const struct caller *c, const char *name,
			endpoint_group_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_endpoint_groups", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " GROUP_COLS " FROM endpoint_group WHERE (?1 IS NULL OR name = ?1)"
			" ORDER BY name, id",
			"s", name);
	return each_group(q, r, fn, ctx, NULL);
}

/* Group id without a policy check: 0, -ENOENT, -errno. */
static int group_load(struct store *st, const char *id, endpoint_group_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r;

	r = store_query(st, &q, "SELECT " GROUP_COLS " FROM endpoint_group WHERE id = ?", "s", id);
	r = each_group(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int endpoint_group_get(struct store *st, const struct caller *c, const char *id,
		       endpoint_group_fn fn, void *ctx)
{
	int r = policy_check(c, "identity:get_endpoint_group", NULL);

	return r < 0 ? r : group_load(st, id, fn, ctx);
}

static int endpoint_group_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM endpoint_group WHERE id = ?", "s", id);
}

int endpoint_group_create(struct store *st, const struct caller *c, const char *name,
			  const char *description, const char *filters, char *id_out)
{
	int r = policy_check(c, "identity:create_endpoint_group", NULL);

	if (r < 0)
		return r;
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO endpoint_group (id, name, description, filters, revision)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "ssssi", id_out, name, description, filters, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int endpoint_group_update(struct store *st, const struct caller *c, const char *id,
			  const char *name, bool set_description, const char *description,
			  const char *filters)
{
	int r = policy_check(c, "identity:update_endpoint_group", NULL);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE endpoint_group SET name = COALESCE(?1, name),"
		       " description = CASE WHEN ?2 = 1 THEN ?3 ELSE description END,"
		       " filters = COALESCE(?4, filters), revision = ?5 WHERE id = ?6",
		       "sbssis", name, set_description, description, filters,
		       store_txn_revision(st), id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int endpoint_group_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_endpoint_group", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM endpoint_group WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* --- what a project's catalog is limited to --- */

/* A set of endpoints: the ids named one by one and the groups' filters. */
struct ep_set {
	char **ids;
	json_t **filters;
	int nids, nfilters;
	endpoint_fn fn; /* what each endpoint in the set is handed to */
	void *ctx;
};

static void ep_set_free(struct ep_set *s)
{
	for (int i = 0; i < s->nids; i++)
		free(s->ids[i]);
	for (int i = 0; i < s->nfilters; i++)
		json_decref(s->filters[i]);
	free(s->ids);
	free(s->filters);
}

static bool ep_set_has(const struct ep_set *s, const struct endpoint *ep)
{
	for (int i = 0; i < s->nids; i++)
		if (strcmp(s->ids[i], ep->id) == 0)
			return true;
	for (int i = 0; i < s->nfilters; i++)
		if (endpoint_group_matches(s->filters[i], ep->service_id, ep->interface,
					   ep->region_id))
			return true;
	return false;
}

static int ep_set_pass(void *ctx, const struct endpoint *ep)
{
	struct ep_set *s = ctx;

	return ep_set_has(s, ep) ? s->fn(s->ctx, ep) : 0;
}

/* Add each row's first column of sql (one argument, arg) to s: endpoint
 * ids, or (filters) groups' filters. */
static int ep_set_add(struct store *st, struct ep_set *s, bool filters, const char *sql,
		      const char *arg)
{
	struct store_stmt *q;
	int r = store_query(st, &q, sql, "s", arg);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		const char *v = store_text(q, 0);
		if (filters) {
			json_t **grown = realloc(s->filters, sizeof(*grown) * (size_t)(s->nfilters + 1));
			if (grown)
				s->filters = grown;
			if (!grown || !(s->filters[s->nfilters] = json_loads(v, 0, NULL))) {
				r = grown ? -EIO : -ENOMEM;
				break;
			}
			s->nfilters++;
		} else {
			char **grown = realloc(s->ids, sizeof(*grown) * (size_t)(s->nids + 1));
			if (grown)
				s->ids = grown;
			if (!grown || !(s->ids[s->nids] = strdup(v))) {
				r = -ENOMEM;
				break;
			}
			s->nids++;
		}
	}
	store_done(q);
	return r;
}

int endpoint_group_endpoints(struct store *st, const struct caller *c, const char *id,
			     endpoint_fn fn, void *ctx)
{
	struct ep_set s = { .fn = fn, .ctx = ctx };
	int r = policy_check(c, "identity:list_endpoints_associated_with_endpoint_group", NULL);

	if (r < 0)
		return r;
	r = ep_set_add(st, &s, true, "SELECT filters FROM endpoint_group WHERE id = ?", id);
	if (r >= 0 && s.nfilters == 0)
		r = -ENOENT;
	if (r >= 0)
		r = endpoint_all(st, ep_set_pass, &s);
	ep_set_free(&s);
	return r < 0 ? r : 0;
}

int project_endpoint_list(struct store *st, const struct caller *c, const char *project_id,
			  endpoint_fn fn, void *ctx)
{
	struct ep_set s = { .fn = fn, .ctx = ctx };
	int r = policy_check(c, "identity:list_endpoints_for_project", NULL);

	if (r < 0)
		return r;
	r = project_exists(st, project_id);
	if (r == 0)
		r = -ENOENT;
	if (r >= 0)
		r = ep_set_add(st, &s, false,
			       "SELECT endpoint_id FROM project_endpoint WHERE project_id = ?",
			       project_id);
	if (r >= 0)
		r = ep_set_add(st, &s, true,
			       "SELECT g.filters FROM endpoint_group g JOIN project_endpoint_group pg"
			       " ON pg.endpoint_group_id = g.id WHERE pg.project_id = ?",
			       project_id);
	if (r >= 0)
		r = endpoint_all(st, ep_set_pass, &s);
	ep_set_free(&s);
	return r < 0 ? r : 0;
}

/* Hand the projects sql (one argument, arg) names to fn, as project_get. */
static int projects_of(struct store *st, const struct caller *c, const char *sql,
		       const char *arg, project_fn fn, void *ctx)
{
	struct ep_set ids = { 0 };
	int r = ep_set_add(st, &ids, false, sql, arg);

	for (int i = 0; r >= 0 && i < ids.nids; i++)
		r = project_get(st, c, ids.ids[i], fn, ctx);
	ep_set_free(&ids);
	return r < 0 ? r : 0;
}

int endpoint_group_projects(struct store *st, const struct caller *c, const char *id,
			    project_fn fn, void *ctx)
{
	int r = policy_check(c, "identity:list_projects_associated_with_endpoint_group", NULL);

	return r < 0 ? r
		     : projects_of(st, c,
				   "SELECT project_id FROM project_endpoint_group"
				   " WHERE endpoint_group_id = ? ORDER BY project_id",
				   id, fn, ctx);
}

int endpoint_projects(struct store *st, const struct caller *c, const char *endpoint_id,
		      project_fn fn, void *ctx)
{
	int r = policy_check(c, "identity:list_projects_for_endpoint", NULL);

	if (r < 0)
		return r;
	r = endpoint_exists(st, endpoint_id);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	return projects_of(st, c,
			   "SELECT project_id FROM project_endpoint WHERE endpoint_id = ?"
			   " ORDER BY project_id",
			   endpoint_id, fn, ctx);
}

int endpoint_groups_of_project(struct store *st, const struct caller *c, const char *project_id,
			       endpoint_group_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_endpoint_groups_for_project", NULL);

	if (r < 0)
		return r;
	r = project_exists(st, project_id);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = store_query(st, &q,
			"SELECT " GROUP_COLS " FROM endpoint_group WHERE id IN (SELECT"
			" endpoint_group_id FROM project_endpoint_group WHERE project_id = ?)"
			" ORDER BY name, id",
			"s", project_id);
	return each_group(q, r, fn, ctx, NULL);
}

/* The statements of one association table, and what its rows name. */
struct assoc_table {
	const char *actions[3]; /* by enum assoc_op */
	const char *check, *insert, *remove;
	const char *first, *second; /* what each id names */
	int (*exists_first)(struct store *st, const char *id);
};

static const struct assoc_table group_project = {
	{ "identity:get_endpoint_group_in_project", "identity:add_endpoint_group_to_project",
	  "identity:remove_endpoint_group_from_project" },
	"SELECT 1 FROM project_endpoint_group WHERE endpoint_group_id = ? AND project_id = ?",
	"INSERT INTO project_endpoint_group (endpoint_group_id, project_id, revision)"
	" VALUES (?, ?, ?)",
	"DELETE FROM project_endpoint_group WHERE endpoint_group_id = ? AND project_id = ?",
	"endpoint group",
	"project",
	endpoint_group_exists,
};

static const struct assoc_table endpoint_project = {
	{ "identity:check_endpoint_in_project", "identity:add_endpoint_to_project",
	  "identity:remove_endpoint_from_project" },
	"SELECT 1 FROM project_endpoint WHERE endpoint_id = ? AND project_id = ?",
	"INSERT INTO project_endpoint (endpoint_id, project_id, revision) VALUES (?, ?, ?)",
	"DELETE FROM project_endpoint WHERE endpoint_id = ? AND project_id = ?",
	"endpoint",
	"project",
	endpoint_exists,
};

static int assoc(struct store *st, const struct caller *c, const struct assoc_table *t,
		 enum assoc_op op, const char *first_id, const char *project_id,
		 const char **missing)
{
	int r = policy_check(c, t->actions[op], NULL);

	*missing = NULL;
	if (r < 0)
		return r;
	*missing = t->second;
	r = project_exists(st, project_id);
	if (r > 0) {
		*missing = t->first;
		r = t->exists_first(st, first_id);
	}
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*missing = "association";
	switch (op) {
	case ASSOC_CHECK:
		r = rows_first(st, NULL, 0, t->check, "ss", first_id, project_id);
		break;
	case ASSOC_ADD:
		r = store_exec(st, t->insert, "ssi", first_id, project_id, store_txn_revision(st));
		*missing = NULL;
		return r < 0 ? r : 0; /* -EEXIST: associated already */
	case ASSOC_REMOVE:
		r = store_exec(st, t->remove, "ss", first_id, project_id);
		break;
	}
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int endpoint_group_project(struct store *st, const struct caller *c, enum assoc_op op,
			   const char *group_id, const char *project_id, const char **missing)
{
	return assoc(st, c, &group_project, op, group_id, project_id, missing);
}

int project_endpoint(struct store *st, const struct caller *c, enum assoc_op op,
		     const char *project_id, const char *endpoint_id, const char **missing)
{
	return assoc(st, c, &endpoint_project, op, endpoint_id, project_id, missing);
}

int endpoint_filter_all(struct store *st, endpoint_filter_fn fn, void *ctx)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT project_id, endpoint_id, NULL FROM project_endpoint"
			    " UNION ALL SELECT pg.project_id, NULL, g.filters"
			    " FROM project_endpoint_group pg JOIN endpoint_group g"
			    " ON g.id = pg.endpoint_group_id ORDER BY 1",
			    "");

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		if ((r = fn(ctx, store_text(q, 0), store_text(q, 1), store_text(q, 2))) < 0)
			break;
	store_done(q);
	return r;
}
