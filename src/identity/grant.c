/* grant.c - the project_role and domain_role tables: grants of roles to
 * users on projects and domains, the assignment listing, and the roles
 * that go into a token. Invariant: removing a grant ends the user's tokens
 * for that target (they carry the role). The built-in roles imply each
 * other as Keystone's bootstrap sets them up: admin > member > reader. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

/* The target, the user and (when given) the role exist: 0, or -ENOENT
 * with *missing naming the one that does not. */
static int check_grant(struct store *st, const struct grant *g, const char **missing)
{
	int r = g->on_project ? project_exists(st, g->target_id) : domain_exists(st, g->target_id);

	*missing = g->on_project ? "project" : "domain";
	if (r > 0) {
		*missing = "user";
		r = user_exists(st, g->user_id);
	}
	if (r > 0 && g->role_id) {
		*missing = "role";
		r = role_exists(st, g->role_id);
	}
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

static struct target grant_target(const struct grant *g)
{
	return (struct target){ .project_id = g->on_project ? g->target_id : NULL,
				.domain_id = g->on_project ? NULL : g->target_id,
				.user_id = g->user_id };
}

/* What every grant call does first: the caller may do action to g, and
 * g's rows exist. */
static int grant_begin(struct store *st, const struct caller *c, const char *action,
		       const struct grant *g, const char **missing)
{
	struct target t = grant_target(g);
	int r = policy_check(c, action, &t);

	*missing = NULL;
	return r < 0 ? r : check_grant(st, g, missing);
}

int grant_list(struct store *st, const struct caller *c, const struct grant *g, role_fn fn,
	       void *ctx, const char **missing)
{
	struct store_stmt *q = NULL;
	struct role ro;
	int r = grant_begin(st, c, "identity:list_grants", g, missing);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			g->on_project
			    ? "SELECT id, name, description FROM role WHERE id IN (SELECT role_id"
			      " FROM project_role WHERE project_id = ? AND user_id = ?) ORDER BY name"
			    : "SELECT id, name, description FROM role WHERE id IN (SELECT role_id"
			      " FROM domain_role WHERE domain_id = ? AND user_id = ?) ORDER BY name",
			"ss", g->target_id, g->user_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		ro = (struct role){ store_text(q, 0), store_text(q, 1), store_text(q, 2) };
		if ((r = fn(ctx, &ro)) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

int grant_check(struct store *st, const struct caller *c, const struct grant *g,
		const char **missing)
{
	int r = grant_begin(st, c, "identity:check_grant", g, missing);

	if (r < 0)
		return r;
	*missing = "role assignment";
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
	int r = grant_begin(st, c, "identity:create_grant", g, missing);

	if (r < 0)
		return r;
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

int grant_delete(struct store *st, const struct caller *c, const struct grant *g,
		 const char **missing)
{
	int r = grant_begin(st, c, "identity:revoke_grant", g, missing);

	if (r < 0)
		return r;
	*missing = "role assignment";
	r = store_exec(st,
		       g->on_project ? "DELETE FROM project_role WHERE project_id = ? AND"
				       " user_id = ? AND role_id = ?"
				     : "DELETE FROM domain_role WHERE domain_id = ? AND"
				       " user_id = ? AND role_id = ?",
		       "sss", g->target_id, g->user_id, g->role_id);
	if (r == 0)
		return -ENOENT;
	/* The user's tokens for that target carry the role: end them. */
	if (r > 0)
		r = g->on_project ? identity_revoke(st, g->user_id, g->target_id, NULL, NULL)
				  : identity_revoke(st, g->user_id, NULL, g->target_id, NULL);
	return r < 0 ? r : 0;
}

const char *const *role_implied(const char *name)
{
	static const char *const by_admin[] = { "member", "reader", NULL };
	static const char *const by_member[] = { "reader", NULL };
	static const char *const none[] = { NULL };

	if (strcmp(name, "admin") == 0)
		return by_admin;
	if (strcmp(name, "member") == 0)
		return by_member;
	return none;
}

int assignment_list(struct store *st, const struct caller *c, const struct assignment_filter *f,
		    assignment_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	struct assignment a;
	int r = policy_check(c, "identity:list_role_assignments", NULL);

	if (r < 0)
		return r;
	r = store_query(
	    st, &q,
	    "SELECT a.role_id, r.name, a.user_id, u.name, u.domain_id, ud.name,"
	    " 'project', a.project_id, p.name, p.domain_id, pd.name"
	    " FROM project_role a JOIN role r ON r.id = a.role_id"
	    " JOIN users u ON u.id = a.user_id JOIN domain ud ON ud.id = u.domain_id"
	    " JOIN project p ON p.id = a.project_id JOIN domain pd ON pd.id = p.domain_id"
	    " WHERE (?1 IS NULL OR a.user_id = ?1) AND (?2 IS NULL OR a.project_id = ?2)"
	    " AND ?3 IS NULL"
	    " UNION ALL"
	    " SELECT a.role_id, r.name, a.user_id, u.name, u.domain_id, ud.name,"
	    " 'domain', a.domain_id, d.name, NULL, NULL"
	    " FROM domain_role a JOIN role r ON r.id = a.role_id"
	    " JOIN users u ON u.id = a.user_id JOIN domain ud ON ud.id = u.domain_id"
	    " JOIN domain d ON d.id = a.domain_id"
	    " WHERE (?1 IS NULL OR a.user_id = ?1) AND ?2 IS NULL"
	    " AND (?3 IS NULL OR a.domain_id = ?3)"
	    " ORDER BY 3, 8, 2",
	    "sss", f->user_id, f->project_id, f->domain_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		a = (struct assignment){
			.role_id = store_text(q, 0),
			.role_name = store_text(q, 1),
			.user_id = store_text(q, 2),
			.user_name = store_text(q, 3),
			.user_domain_id = store_text(q, 4),
			.user_domain_name = store_text(q, 5),
			.on_project = strcmp(store_text(q, 6), "project") == 0,
			.target_id = store_text(q, 7),
			.target_name = store_text(q, 8),
			.target_domain_id = store_text(q, 9),
			.target_domain_name = store_text(q, 10),
		};
		if ((r = fn(ctx, &a)) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

static bool token_has_role(const struct token *t, const char *name)
{
	for (int i = 0; i < t->nroles; i++)
		if (strcmp(t->role_name[i], name) == 0)
			return true;
	return false;
}

static int token_add_role(struct token *t, const char *id, const char *name)
{
	if (token_has_role(t, name))
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

int assignments_for_token(struct store *st, const char *user_id, const char *project_id,
			  const char *domain_id, struct token *t)
{
	struct store_stmt *q;
	int r, direct;

	if (project_id)
		r = store_query(
		    st, &q,
		    "SELECT r.id, r.name FROM project_role a JOIN role r ON r.id = a.role_id"
		    " WHERE a.user_id = ? AND a.project_id = ? ORDER BY r.name",
		    "ss", user_id, project_id);
	else if (domain_id)
		r = store_query(
		    st, &q,
		    "SELECT r.id, r.name FROM domain_role a JOIN role r ON r.id = a.role_id"
		    " WHERE a.user_id = ? AND a.domain_id = ? ORDER BY r.name",
		    "ss", user_id, domain_id);
	else /* system scope: the admin role */
		r = store_query(st, &q, "SELECT id, name FROM role WHERE name = 'admin'", "");
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0 &&
	       (r = token_add_role(t, store_text(q, 0), store_text(q, 1))) == 0)
		;
	store_done(q);
	if (r < 0)
		return r;
	direct = t->nroles;
	for (int i = 0; i < direct; i++) {
		for (const char *const *imp = role_implied(t->role_name[i]); *imp; imp++) {
			char id[65];
			if (token_has_role(t, *imp))
				continue;
			r = role_id_by_name(st, *imp, id);
			if (r < 0)
				return r;
			if (r > 0 && (r = token_add_role(t, id, *imp)) < 0)
				return r;
		}
	}
	return 0;
}

int grant_admin_anywhere(struct store *st, const char *user_id)
{
	/* System scope goes to holders of the admin role anywhere, the role
	 * bootstrap grants. */
	return rows_first(st, NULL, 0,
			  "SELECT 1 FROM project_role a JOIN role r ON r.id = a.role_id"
			  " WHERE a.user_id = ? AND r.name = 'admin'",
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
