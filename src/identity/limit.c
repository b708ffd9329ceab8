/* limit.c - Keystone's unified limits: the registered_limit and
 * project_limit tables, every statement on them, their invariants (the
 * service and region a request names exist, one registered limit per
 * service, region and resource, none changed or deleted while a limit
 * names it; a limit names a registered limit and one existing project or
 * domain, one per registered limit and project or domain) and the policy
 * checks, with Keystone's list filtering by scope. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define RL_COLS "id, service_id, region_id, resource_name, default_limit, description"
#define PL_COLS                                                                                    \
	"pl.id, pl.project_id, pl.domain_id, rl.service_id, rl.region_id, rl.resource_name,"      \
	" pl.resource_limit, pl.description"
#define PL_FROM " FROM project_limit pl JOIN registered_limit rl ON rl.id = pl.registered_limit_id"

static int each_registered(struct store_stmt *q, int r, registered_limit_fn fn, void *ctx,
			   int *n)
{
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct registered_limit rl = {
			store_text(q, 0), store_text(q, 1), store_text(q, 2),
			store_text(q, 3), store_text(q, 5), store_int(q, 4),
		};
		if ((r = fn(ctx, &rl)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

static int each_limit(struct store_stmt *q, int r, limit_fn fn, void *ctx, int *n)
{
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct unified_limit l = {
			store_text(q, 0), store_text(q, 1), store_text(q, 2), store_text(q, 3),
			store_text(q, 4), store_text(q, 5), store_text(q, 7), store_int(q, 6),
		};
		if ((r = fn(ctx, &l)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

/* --- registered limits --- */

int registered_limit_list(struct store *st, const struct caller *c,
			  const struct limit_filter *f, registered_limit_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_registered_limits", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " RL_COLS " FROM registered_limit WHERE (?1 IS NULL OR service_id = ?1)"
			" AND (?2 IS NULL OR region_id = ?2) AND (?3 IS NULL OR resource_name = ?3)"
			" ORDER BY service_id, resource_name, id",
			"sss", f->service_id, f->region_id, f->resource_name);
	return each_registered(q, r, fn, ctx, NULL);
}

int registered_limit_get(struct store *st, const struct caller *c, const char *id,
			 registered_limit_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_registered_limit", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " RL_COLS " FROM registered_limit WHERE id = ?", "s", id);
	r = each_registered(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

/* -ESRCH naming the attribute of in that names no service or region. */
static int registered_refs_exist(struct store *st, const struct registered_limit_in *in,
				  const char **bad)
{
	int r = 0;

	if (in->service_id && (r = rows_first(st, NULL, 0, "SELECT 1 FROM service WHERE id = ?",
					      "s", in->service_id)) == 0)
		*bad = "service_id";
	else if (r >= 0 && in->region_id && (r = region_exists(st, in->region_id)) == 0)
		*bad = "region_id";
	else
		return r < 0 ? r : 0;
	return -ESRCH;
}

/* 1 when another registered limit than id (NULL: any) has this service,
 * region and resource. */
static int registered_taken(struct store *st, const char *id, const char *service_id,
			    const char *region_id, const char *resource_name)
{
	return rows_first(st, NULL, 0,
			  "SELECT 1 FROM registered_limit WHERE service_id = ?1"
			  " AND COALESCE(region_id, '') = COALESCE(?2, '') AND resource_name = ?3"
			  " AND (?4 IS NULL OR id <> ?4)",
			  "ssss", service_id, region_id, resource_name, id);
}

int registered_limits_create(struct store *st, const struct caller *c,
			     const struct registered_limit_in *in, size_t n,
			     char (*ids)[ID_HEX_LEN + 1], const char **bad)
{
	int r = policy_check(c, "identity:create_registered_limits", NULL);

	/* Every entry's service and region first, as Keystone: a bad one
	 * anywhere in the list is a 400 before any conflict. */
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = registered_refs_exist(st, &in[i], bad);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = registered_taken(st, NULL, in[i].service_id, in[i].region_id,
				     in[i].resource_name);
		if (r > 0)
			return -EEXIST;
		if (r < 0)
			break;
		id_new(ids[i]);
		r = store_exec(st,
			       "INSERT INTO registered_limit (id, service_id, region_id, resource_name,"
			       " default_limit, description, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       "ssssisi", ids[i], in[i].service_id, in[i].region_id,
			       in[i].resource_name, in[i].default_limit, in[i].description,
			       store_txn_revision(st));
	}
	return r < 0 ? r : 0;
}

static int registered_in_use(struct store *st, const char *id)
{
	int r = rows_first(st, NULL, 0, "SELECT 1 FROM project_limit WHERE registered_limit_id = ?",
			   "s", id);

	return r > 0 ? -ENOLINK : r;
}

int registered_limit_update(struct store *st, const struct caller *c, const char *id,
			    const struct registered_limit_in *in, const char **bad)
{
	char svc[65], region[256], res[256];
	const char *region_id;
	int r = policy_check(c, "identity:update_registered_limit", NULL);

	if (r >= 0)
		r = registered_refs_exist(st, in, bad);
	if (r >= 0 && (r = rows_first(st, NULL, 0, "SELECT 1 FROM registered_limit WHERE id = ?",
				      "s", id)) == 0)
		return -ENOENT;
	/* Keystone refuses any change while a limit names it. */
	if (r >= 0)
		r = registered_in_use(st, id);
	if (r >= 0)
		r = rows_first(st, svc, sizeof(svc),
			       "SELECT service_id FROM registered_limit WHERE id = ?", "s", id);
	if (r >= 0)
		r = rows_first(st, res, sizeof(res),
			       "SELECT resource_name FROM registered_limit WHERE id = ?", "s", id);
	if (r >= 0)
		r = rows_first(st, region, sizeof(region),
			       "SELECT region_id FROM registered_limit WHERE id = ?"
			       " AND region_id IS NOT NULL",
			       "s", id);
	if (r < 0)
		return r;
	region_id = in->set_region ? in->region_id : r > 0 ? region : NULL;
	r = registered_taken(st, id, in->service_id ? in->service_id : svc, region_id,
			     in->resource_name ? in->resource_name : res);
	if (r > 0)
		return -EEXIST;
	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE registered_limit SET service_id = COALESCE(?1, service_id),"
		       " region_id = CASE WHEN ?2 = 1 THEN ?3 ELSE region_id END,"
		       " resource_name = COALESCE(?4, resource_name),"
		       " default_limit = CASE WHEN ?5 = 1 THEN ?6 ELSE default_limit END,"
		       " description = CASE WHEN ?7 = 1 THEN ?8 ELSE description END,"
		       " revision = ?9 WHERE id = ?10",
		       "sbssbibsis", in->service_id, in->set_region, in->region_id,
		       in->resource_name, in->set_default, in->default_limit, in->set_description,
		       in->description, store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

int registered_limit_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_registered_limit", NULL);

	if (r >= 0 && (r = rows_first(st, NULL, 0, "SELECT 1 FROM registered_limit WHERE id = ?",
				      "s", id)) == 0)
		return -ENOENT;
	if (r >= 0)
		r = registered_in_use(st, id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM registered_limit WHERE id = ?", "s", id);
	return r < 0 ? r : 0;
}

/* --- limits --- */

/* Keystone's get_limit target: the limit's project (and that project's
 * domain) or its domain. A domain's limit belongs to no project: "" never
 * matches a caller's project (a NULL project would mean the caller's own). */
static int limit_check(struct store *st, const struct caller *c, const char *action,
		       const char *id)
{
	char project[65] = "", domain[65] = "";
	int r = rows_first(st, project, sizeof(project),
			   "SELECT project_id FROM project_limit WHERE id = ? AND project_id IS NOT NULL",
			   "s", id);

	if (r >= 0)
		r = rows_first(st, domain, sizeof(domain),
			       "SELECT COALESCE(pl.domain_id, p.domain_id) FROM project_limit pl"
			       " LEFT JOIN project p ON p.id = pl.project_id WHERE pl.id = ?",
			       "s", id);
	if (r < 0)
		return r;
	if (r == 0) /* no such limit: only a caller who may see any learns so */
		return policy_check(c, action, &(struct target){ .project_id = "", .domain_id = "" }) <
				       0
			       ? -EPERM
			       : -ENOENT;
	return policy_check(c, action,
			    &(struct target){ .project_id = project, .domain_id = domain });
}

int limit_list(struct store *st, const struct caller *c, const struct limit_filter *f,
	       limit_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	const char *only_project = NULL, *only_domain = NULL;
	int r = policy_check(c, "identity:list_limits", NULL);

	if (r < 0)
		return r;
	/* Keystone: the system, admins and services see every limit; a
	 * domain-scoped caller its domain's and its projects'; a
	 * project-scoped one its project's; anyone else none. */
	if (!c->system && !c->admin) {
		if (c->domain_id)
			only_domain = c->domain_id;
		else if (c->project_id)
			only_project = c->project_id;
		else
			return 0;
	}
	r = store_query(st, &q,
			"SELECT " PL_COLS PL_FROM " LEFT JOIN project p ON p.id = pl.project_id"
			" WHERE (?1 IS NULL OR rl.service_id = ?1) AND (?2 IS NULL OR rl.region_id = ?2)"
			" AND (?3 IS NULL OR rl.resource_name = ?3)"
			" AND (?4 IS NULL OR pl.project_id = ?4) AND (?5 IS NULL OR pl.domain_id = ?5)"
			" AND (?6 IS NULL OR pl.project_id = ?6)"
			" AND (?7 IS NULL OR pl.domain_id = ?7 OR p.domain_id = ?7)"
			" ORDER BY rl.service_id, rl.resource_name, pl.id",
			"sssssss", f->service_id, f->region_id, f->resource_name, f->project_id,
			f->domain_id, only_project, only_domain);
	return each_limit(q, r, fn, ctx, NULL);
}

int limit_get(struct store *st, const struct caller *c, const char *id, limit_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = limit_check(st, c, "identity:get_limit", id);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " PL_COLS PL_FROM " WHERE pl.id = ?", "s", id);
	r = each_limit(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

/* The project or domain in names: -ESRCH naming the attribute when it is
 * neither. A project_id that is a domain's makes a domain's limit, as in
 * Keystone (a domain is a project acting as a domain). */
static int limit_owner(struct store *st, struct limit_in *in, const char **bad)
{
	int r;

	if (in->project_id) {
		r = project_exists(st, in->project_id);
		if (r == 0 && (r = domain_exists(st, in->project_id)) > 0) {
			in->domain_id = in->project_id;
			in->project_id = NULL;
			return 0;
		}
		*bad = "project_id";
	} else {
		r = domain_exists(st, in->domain_id);
		*bad = "domain_id";
	}
	return r < 0 ? r : r == 0 ? -ESRCH : 0;
}

int limits_create(struct store *st, const struct caller *c, struct limit_in *in, size_t n,
		  char (*ids)[ID_HEX_LEN + 1], const char **bad)
{
	char reg[65];
	int r = policy_check(c, "identity:create_limits", NULL);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct registered_limit_in refs = { .service_id = in[i].service_id,
							  .region_id = in[i].region_id };
		r = registered_refs_exist(st, &refs, bad);
		if (r >= 0)
			r = limit_owner(st, &in[i], bad);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = rows_first(st, reg, sizeof(reg),
			       "SELECT id FROM registered_limit WHERE service_id = ?1"
			       " AND COALESCE(region_id, '') = COALESCE(?2, '') AND resource_name = ?3",
			       "sss", in[i].service_id, in[i].region_id, in[i].resource_name);
		if (r == 0)
			return -ENOKEY; /* Keystone's NoLimitReference */
		if (r > 0)
			r = rows_first(st, NULL, 0,
				       "SELECT 1 FROM project_limit WHERE registered_limit_id = ?1"
				       " AND (project_id = ?2 OR domain_id = ?3)",
				       "sss", reg, in[i].project_id, in[i].domain_id);
		if (r > 0)
			return -EEXIST;
		if (r < 0)
			break;
		id_new(ids[i]);
		r = store_exec(st,
			       "INSERT INTO project_limit (id, registered_limit_id, project_id, domain_id,"
			       " resource_limit, description, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       "ssssisi", ids[i], reg, in[i].project_id, in[i].domain_id,
			       in[i].resource_limit, in[i].description, store_txn_revision(st));
	}
	return r < 0 ? r : 0;
}

int limit_update(struct store *st, const struct caller *c, const char *id,
		 const struct limit_in *in)
{
	int r = policy_check(c, "identity:update_limit", NULL);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE project_limit SET"
		       " resource_limit = CASE WHEN ?1 = 1 THEN ?2 ELSE resource_limit END,"
		       " description = CASE WHEN ?3 = 1 THEN ?4 ELSE description END,"
		       " revision = ?5 WHERE id = ?6",
		       "bibsis", in->set_limit, in->resource_limit, in->set_description,
		       in->description, store_txn_revision(st), id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int limit_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_limit", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM project_limit WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
