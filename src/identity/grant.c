/* grant.c - the project_role, domain_role and role_grant tables: grants of
 * roles to users and groups on projects, domains and the system (OS-INHERIT:
 * inherited to the projects under a domain or project), the assignment
 * listing (effective: through groups, inheritance and implied roles) and
 * the roles that go into a token. Invariant: removing a grant ends the
 * tokens that may carry its role. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

/* Where a grant lives: a user's direct role on a project or a domain in
 * project_role / domain_role (read elsewhere too), every other kind
 * (a group's, inherited, system) in role_grant. */
static bool in_role_grant(const struct grant *g)
{
	return g->group_id || g->inherited || g->system;
}

/* The target, the actor and (when given) the role exist: 0, or -ENOENT
 * with *missing naming the one that does not. */
static int check_grant(struct store *st, const struct grant *g, const char **missing)
{
	int r = 1;

	if (!g->system) {
		*missing = g->on_project ? "project" : "domain";
		r = g->on_project ? project_exists(st, g->target_id)
				  : domain_exists(st, g->target_id);
	}
	if (r > 0) {
		*missing = g->group_id ? "group" : "user";
		r = g->group_id ? group_exists(st, g->group_id) : user_exists(st, g->user_id);
	}
	if (r > 0 && g->role_id) {
		*missing = "role";
		r = role_exists(st, g->role_id);
	}
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

static struct target grant_target(const struct grant *g)
{
	return (struct target){ .project_id = g->on_project && !g->system ? g->target_id : NULL,
				.domain_id = !g->on_project && !g->system ? g->target_id : NULL,
				.user_id = g->user_id };
}

/* The policy action of a grant call: Keystone names system grants apart. */
static const char *grant_action(const struct grant *g, const char *verb)
{
	static const char *const sys[][2] = {
		{ "identity:list_system_grants_for_user", "identity:list_system_grants_for_group" },
		{ "identity:check_system_grant_for_user", "identity:check_system_grant_for_group" },
		{ "identity:create_system_grant_for_user", "identity:create_system_grant_for_group" },
		{ "identity:revoke_system_grant_for_user", "identity:revoke_system_grant_for_group" },
	};
	static const char *const verbs[] = { "list", "check", "create", "revoke" };
	static const char *const plain[] = { "identity:list_grants", "identity:check_grant",
					     "identity:create_grant", "identity:revoke_grant" };

	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (strcmp(verb, verbs[i]) == 0)
			return g->system ? sys[i][g->group_id != NULL] : plain[i];
	return verb;
}

/* What every grant call does first: the caller may do verb to g, and g's
 * rows exist. */
static int grant_begin(struct store *st, const struct caller *c, const char *verb,
		       const struct grant *g, const char **missing)
{
	struct target t = grant_target(g);
	int r = policy_check(c, grant_action(g, verb), &t);

	*missing = NULL;
	return r < 0 ? r : check_grant(st, g, missing);
}

/* role_grant's row of g (role ?7): the columns as the unique index has them. */
#define RG_MATCH                                                                           \
	"COALESCE(user_id, '') = COALESCE(?1, '') AND COALESCE(group_id, '') = COALESCE(?2, '')" \
	" AND COALESCE(project_id, '') = COALESCE(?3, '')"                                  \
	" AND COALESCE(domain_id, '') = COALESCE(?4, '') AND system = ?5 AND inherited = ?6"
#define RG_ARGS(g)                                                                         \
	(g)->group_id ? NULL : (g)->user_id, (g)->group_id,                                \
	    (g)->on_project && !(g)->system ? (g)->target_id : NULL,                       \
	    !(g)->on_project && !(g)->system ? (g)->target_id : NULL, (int)(g)->system,    \
	    (int)(g)->inherited

int grant_list(struct store *st, const struct caller *c, const struct grant *g, role_fn fn,
	       void *ctx, const char **missing)
{
	struct store_stmt *q = NULL;
	struct role ro;
	int r = grant_begin(st, c, "list", g, missing);

	if (r < 0)
		return r;
	if (in_role_grant(g))
		r = store_query(st, &q,
				"SELECT id, name, description, domain_id FROM role WHERE id IN"
				" (SELECT role_id FROM role_grant WHERE " RG_MATCH ") ORDER BY name",
				"ssssbb", RG_ARGS(g));
	else
		r = store_query(
		    st, &q,
		    g->on_project
			? "SELECT id, name, description, domain_id FROM role WHERE id IN (SELECT"
			  " role_id FROM project_role WHERE project_id = ? AND user_id = ?) ORDER BY name"
			: "SELECT id, name, description, domain_id FROM role WHERE id IN (SELECT"
			  " role_id FROM domain_role WHERE domain_id = ? AND user_id = ?) ORDER BY name",
		    "ss", g->target_id, g->user_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		ro = (struct role){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
				    store_text(q, 3) };
		if ((r = fn(ctx, &ro)) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

int grant_check(struct store *st, const struct caller *c, const struct grant *g,
		const char **missing)
{
	int r = grant_begin(st, c, "check", g, missing);

	if (r < 0)
		return r;
	*missing = "role assignment";
	if (in_role_grant(g))
		r = rows_first(st, NULL, 0, "SELECT 1 FROM role_grant WHERE " RG_MATCH " AND role_id = ?7",
			       "ssssbbs", RG_ARGS(g), g->role_id);
	else
		r = rows_first(st, NULL, 0,
			       g->on_project ? "SELECT 1 FROM project_role WHERE project_id = ? AND"
					       " user_id = ? AND role_id = ?"
					     : "SELECT 1 FROM domain_role WHERE domain_id = ? AND"
					       " user_id = ? AND role_id = ?",
			       "sss", g->target_id, g->user_id, g->role_id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int grant_put(struct store *st, const struct caller *c, const struct grant *g,
	      const char **missing)
{
	int r = grant_begin(st, c, "create", g, missing);

	if (r < 0)
		return r;
	if (in_role_grant(g))
		r = store_exec(st,
			       "INSERT INTO role_grant (user_id, group_id, project_id, domain_id,"
			       " system, inherited, role_id, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       "ssssbbsi", RG_ARGS(g), g->role_id, store_txn_revision(st));
	else
		r = store_exec(st,
			       g->on_project ? "INSERT INTO project_role (project_id, user_id, role_id,"
					       " revision) VALUES (?, ?, ?, ?)"
					     : "INSERT INTO domain_role (domain_id, user_id, role_id,"
					       " revision) VALUES (?, ?, ?, ?)",
			       "sssi", g->target_id, g->user_id, g->role_id, store_txn_revision(st));
	if (r == -EEXIST) /* granting twice is not an error */
		r = 0;
	return r < 0 ? r : 0;
}

/* End the tokens of user_id that may carry g's role: those scoped to g's
 * target, or all of the user's when the grant reaches further (inherited
 * to projects, or the system). */
static int revoke_for(struct store *st, const struct grant *g, const char *user_id)
{
	int r;

	/* And the tokens of the trusts the user gave where it lost the role
	 * (their user may be the trustee): trust.c. */
	if (g->inherited || g->system) {
		r = identity_revoke(st, user_id, NULL, NULL, NULL);
		return r < 0 ? r : trust_revoke_of_user(st, user_id, NULL);
	}
	if (!g->on_project)
		return identity_revoke(st, user_id, NULL, g->target_id, NULL);
	r = identity_revoke(st, user_id, g->target_id, NULL, NULL);
	return r < 0 ? r : trust_revoke_of_user(st, user_id, g->target_id);
}

struct revoke_ctx {
	struct store *st;
	const struct grant *g;
};

static int revoke_member(void *ctx, const char *user_id)
{
	struct revoke_ctx *rc = ctx;

	return revoke_for(rc->st, rc->g, user_id);
}

/* revoke_for every member of g's group. */
static int revoke_group(struct store *st, const struct grant *g)
{
	return rows_each(st, revoke_member, &(struct revoke_ctx){ st, g },
			 "SELECT user_id FROM group_member WHERE group_id = ?", "s", g->group_id);
}

int grant_delete(struct store *st, const struct caller *c, const struct grant *g,
		 const char **missing)
{
	int r = grant_begin(st, c, "revoke", g, missing);

	if (r < 0)
		return r;
	*missing = "role assignment";
	if (in_role_grant(g))
		r = store_exec(st, "DELETE FROM role_grant WHERE " RG_MATCH " AND role_id = ?7",
			       "ssssbbs", RG_ARGS(g), g->role_id);
	else
		r = store_exec(st,
			       g->on_project ? "DELETE FROM project_role WHERE project_id = ? AND"
					       " user_id = ? AND role_id = ?"
					     : "DELETE FROM domain_role WHERE domain_id = ? AND"
					       " user_id = ? AND role_id = ?",
			       "sss", g->target_id, g->user_id, g->role_id);
	if (r == 0)
		return -ENOENT;
	/* The tokens that may carry the role end. */
	if (r > 0)
		r = g->group_id ? revoke_group(st, g) : revoke_for(st, g, g->user_id);
	return r < 0 ? r : 0;
}

int grant_group_holds_any(struct store *st, const char *group_id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM role_grant WHERE group_id = ?", "s",
			  group_id);
}

int grant_role_holders(struct store *st, const char *role_id,
		       int (*fn)(void *ctx, const char *user_id), void *ctx)
{
	/* Every role that implies role_id (itself included), then everyone
	 * granted one of them: directly, or as a member of a group. */
	return rows_each(st, fn, ctx,
			 "WITH RECURSIVE pri(rid) AS (SELECT ?1 UNION SELECT i.prior_role_id FROM"
			 " implied_role i JOIN pri ON i.implied_role_id = pri.rid)"
			 " SELECT user_id FROM project_role WHERE role_id IN (SELECT rid FROM pri)"
			 " UNION SELECT user_id FROM domain_role WHERE role_id IN (SELECT rid FROM pri)"
			 " UNION SELECT user_id FROM grant_user WHERE role_id IN (SELECT rid FROM pri)",
			 "s", role_id);
}

/* Every grant as (user, group, project, domain, system, role, inherited). */
#define ALL_GRANTS                                                                         \
	"g(uid, gid, pid, did, sys, rid, inh) AS ("                                        \
	"SELECT user_id, NULL, project_id, NULL, 0, role_id, 0 FROM project_role"          \
	" UNION ALL SELECT user_id, NULL, NULL, domain_id, 0, role_id, 0 FROM domain_role" \
	" UNION ALL SELECT user_id, group_id, project_id, domain_id, system, role_id,"     \
	" inherited FROM role_grant)"
/* The projects strictly under each project: (root, id). */
#define SUBTREE                                                                            \
	"sub(root, id) AS (SELECT parent_id, id FROM project WHERE parent_id IS NOT NULL"    \
	" UNION ALL SELECT s.root, p.id FROM project p JOIN sub s ON p.parent_id = s.id)"
/* The columns of a listed row (struct assignment), from x (a grant or
 * an effective row) joined with the names. */
#define ROW_COLS                                                                           \
	"x.rid, r.name, r.domain_id, x.uid, uu.name, uu.domain_id, ud.name,"               \
	" x.gid, gg.name, gg.domain_id, gd.name, x.pid, p.name, p.domain_id, pd.name,"     \
	" x.did, d.name, x.sys, x.inh, x.src_pid, x.src_did, x.grid, x.prior"
#define ROW_JOINS                                                                          \
	" JOIN role r ON r.id = x.rid"                                                     \
	" LEFT JOIN users uu ON uu.id = x.uid LEFT JOIN domain ud ON ud.id = uu.domain_id"  \
	" LEFT JOIN identity_group gg ON gg.id = x.gid"                                    \
	" LEFT JOIN domain gd ON gd.id = gg.domain_id"                                     \
	" LEFT JOIN project p ON p.id = x.pid LEFT JOIN domain pd ON pd.id = p.domain_id"  \
	" LEFT JOIN domain d ON d.id = x.did"
/* The filters: ?1 user, ?2 group, ?3 project, ?4 domain, ?5 system only,
 * ?6 role, ?7 inherited only, ?8 the project's subtree too. */
#define ROW_WHERE                                                                          \
	" WHERE (?1 IS NULL OR x.uid = ?1) AND (?2 IS NULL OR x.gid = ?2)"                 \
	" AND (?3 IS NULL OR x.pid = ?3 OR (?8 = 1 AND x.pid IN"                           \
	" (SELECT id FROM sub WHERE root = ?3)))"                                          \
	" AND (?4 IS NULL OR x.did = ?4) AND (?5 = 0 OR x.sys = 1)"                        \
	" AND (?6 IS NULL OR x.rid = ?6) AND (?7 = 0 OR x.inh = 1)"

static const char sql_grants[] =
    "WITH RECURSIVE " ALL_GRANTS ", " SUBTREE
    ", x(uid, gid, pid, did, sys, rid, inh, src_pid, src_did, grid, prior) AS ("
    "SELECT uid, gid, pid, did, sys, rid, inh, NULL, NULL, rid, NULL FROM g)"
    " SELECT " ROW_COLS " FROM x" ROW_JOINS ROW_WHERE " ORDER BY x.uid, x.gid, x.pid, x.did, r.name";

/* Effective: a group's grants go to its members (gid then names the group
 * they came through), inherited grants to the projects under their
 * target (src_pid/src_did name it), then the implied roles (grid: the
 * role granted, prior: the role that implied this one); domain-specific
 * roles only lend what they imply. */
static const char sql_effective[] =
    "WITH RECURSIVE " ALL_GRANTS ", " SUBTREE
    ", u(uid, gid, pid, did, sys, rid, inh) AS ("
    "SELECT uid, NULL, pid, did, sys, rid, inh FROM g WHERE uid IS NOT NULL"
    " UNION ALL SELECT m.user_id, g.gid, g.pid, g.did, g.sys, g.rid, g.inh FROM g"
    " JOIN group_member m ON m.group_id = g.gid)"
    ", e(uid, gid, pid, did, sys, rid, src_pid, src_did) AS ("
    "SELECT uid, gid, pid, did, sys, rid, NULL, NULL FROM u WHERE inh = 0"
    " UNION ALL SELECT u.uid, u.gid, p.id, NULL, 0, u.rid, NULL, u.did FROM u"
    " JOIN project p ON p.domain_id = u.did WHERE u.inh = 1"
    " UNION ALL SELECT u.uid, u.gid, s.id, NULL, 0, u.rid, u.pid, NULL FROM u"
    " JOIN sub s ON s.root = u.pid WHERE u.inh = 1)"
    ", x(uid, gid, pid, did, sys, rid, inh, src_pid, src_did, grid, prior) AS ("
    "SELECT uid, gid, pid, did, sys, rid, 0, src_pid, src_did, rid, CAST(NULL AS VARCHAR(64))"
    " FROM e"
    " UNION SELECT x.uid, x.gid, x.pid, x.did, x.sys, i.implied_role_id, 0, x.src_pid,"
    " x.src_did, x.grid, x.rid FROM x JOIN implied_role i ON i.prior_role_id = x.rid)"
    " SELECT " ROW_COLS " FROM x" ROW_JOINS ROW_WHERE
    " AND r.domain_id IS NULL ORDER BY x.uid, x.pid, x.did, r.name";

int assignment_list(struct store *st, const struct caller *c, const struct assignment_filter *f,
		    assignment_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	struct assignment a;
	int r = policy_check(c, "identity:list_role_assignments", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, f->effective ? sql_effective : sql_grants, "ssssbsbb", f->user_id,
			f->group_id, f->project_id, f->domain_id, (int)f->system, f->role_id,
			(int)f->inherited, (int)f->subtree);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		a = (struct assignment){
			.role_id = store_text(q, 0),
			.role_name = store_text(q, 1),
			.role_domain_id = store_text(q, 2),
			.user_id = store_text(q, 3),
			.user_name = store_text(q, 4),
			.user_domain_id = store_text(q, 5),
			.user_domain_name = store_text(q, 6),
			.group_id = store_text(q, 7),
			.group_name = store_text(q, 8),
			.group_domain_id = store_text(q, 9),
			.group_domain_name = store_text(q, 10),
			.system = store_bool(q, 17),
			.inherited = store_bool(q, 18),
			.from_project_id = store_text(q, 19),
			.from_domain_id = store_text(q, 20),
			.granted_role_id = store_text(q, 21),
			.prior_role_id = store_text(q, 22),
		};
		if (store_text(q, 11)) {
			a.on_project = true;
			a.target_id = store_text(q, 11);
			a.target_name = store_text(q, 12);
			a.target_domain_id = store_text(q, 13);
			a.target_domain_name = store_text(q, 14);
		} else if (store_text(q, 15)) {
			a.target_id = store_text(q, 15);
			a.target_name = store_text(q, 16);
		}
		if ((r = fn(ctx, &a)) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

static bool token_has_role(const struct token *t, const char *id)
{
	for (int i = 0; i < t->nroles; i++)
		if (strcmp(t->role_id[i], id) == 0)
			return true;
	return false;
}

static int token_add_role(struct token *t, const char *id, const char *name)
{
	if (token_has_role(t, id))
		return 0;
	if (t->nroles == TOKEN_MAX_ROLES)
		return -E2BIG;
	t->role_id[t->nroles] = token_str(t, id);
	t->role_name[t->nroles] = token_str(t, name);
	if (!t->role_id[t->nroles] || !t->role_name[t->nroles])
		return -E2BIG;
	t->nroles++;
	return 0;
}

/* The roles a user holds on a scope (?2 project, ?3 domain, ?4 system):
 * granted to the user or to a group the user is in, on the target itself
 * or, for a project, inherited from its domain or an ancestor; with
 * admin on the system for whoever holds admin on a project (Basalt's
 * bootstrap admin); then every role those imply. Domain-specific roles
 * only lend what they imply. */
static const char sql_token_roles[] =
    "WITH RECURSIVE mine(gid) AS (SELECT group_id FROM group_member WHERE user_id = ?1)"
    ", anc(id) AS (SELECT parent_id FROM project WHERE id = ?2 AND parent_id IS NOT NULL"
    " UNION SELECT p.parent_id FROM project p JOIN anc ON p.id = anc.id"
    " WHERE p.parent_id IS NOT NULL)"
    ", held(rid) AS ("
    "SELECT role_id FROM project_role WHERE user_id = ?1 AND project_id = ?2"
    " UNION SELECT role_id FROM domain_role WHERE user_id = ?1 AND domain_id = ?3"
    " UNION SELECT role_id FROM role_grant WHERE (user_id = ?1 OR group_id IN"
    " (SELECT gid FROM mine)) AND ((inherited = 0 AND (project_id = ?2 OR domain_id = ?3"
    " OR (system = 1 AND ?4 = 1))) OR (inherited = 1 AND ?2 IS NOT NULL AND (domain_id ="
    " (SELECT domain_id FROM project WHERE id = ?2) OR project_id IN (SELECT id FROM anc))))"
    " UNION SELECT r.id FROM role r WHERE ?4 = 1 AND r.name = 'admin' AND EXISTS"
    " (SELECT 1 FROM project_role a WHERE a.user_id = ?1 AND a.role_id = r.id))"
    ", closure(rid) AS (SELECT rid FROM held UNION SELECT i.implied_role_id FROM"
    " implied_role i JOIN closure c ON i.prior_role_id = c.rid)"
    " SELECT id, name FROM role WHERE id IN (SELECT rid FROM closure) AND domain_id IS NULL"
    " ORDER BY name";

int assignments_for_token(struct store *st, const char *user_id, const char *project_id,
			  const char *domain_id, struct token *t)
{
	struct store_stmt *q;
	int r = store_query(st, &q, sql_token_roles, "sssb", user_id, project_id, domain_id,
			    !project_id && !domain_id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0 &&
	       (r = token_add_role(t, store_text(q, 0), store_text(q, 1))) == 0)
		;
	store_done(q);
	return r < 0 ? r : 0;
}

int grant_admin_anywhere(struct store *st, const char *user_id)
{
	/* System scope goes to holders of the admin role on a project (the
	 * role bootstrap grants) and to those granted a role on the system,
	 * themselves or through a group. */
	return rows_first(st, NULL, 0,
			  "SELECT 1 FROM project_role a JOIN role r ON r.id = a.role_id"
			  " WHERE a.user_id = ?1 AND r.name = 'admin'"
			  " UNION SELECT 1 FROM role_grant WHERE system = 1 AND (user_id = ?1"
			  " OR group_id IN (SELECT group_id FROM group_member WHERE user_id = ?1))",
			  "s", user_id);
}

int grant_ensure(struct store *st, const char *user_id, const char *project_id,
		 const char *role_id)
{
	int r = store_exec(st,
			   "INSERT INTO project_role (user_id, project_id, role_id, revision)"
			   " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM project_role"
			   " WHERE user_id = ?1 AND project_id = ?2 AND role_id = ?3)",
			   "sssi", user_id, project_id, role_id, store_txn_revision(st));

	return r < 0 ? r : 0;
}
