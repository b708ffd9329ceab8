/* role.c - the role table: every statement on it, its invariant (tokens
 * carry role names, so renaming or deleting a role ends the tokens of
 * everyone holding it) and the policy checks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define ROLE_COLS "id, name, description, domain_id"

static int each_row(struct store_stmt *q, int r, role_fn fn, void *ctx, int *n)
{
	struct role ro;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		ro = (struct role){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
				    store_text(q, 3) };
		r = fn(ctx, &ro);
		if (r < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int role_list(struct store *st, const struct caller *c, const char *name, const char *domain_id,
	      role_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_roles", NULL);

	if (r < 0)
		return r;
	/* Without a domain_id filter, the global roles (as Keystone lists
	 * them); with one, that domain's own. */
	r = store_query(st, &q,
			"SELECT " ROLE_COLS " FROM role WHERE (?1 IS NULL OR name = ?1)"
			" AND COALESCE(domain_id, '') = COALESCE(?2, '') ORDER BY name",
			"ss", name, domain_id);
	return each_row(q, r, fn, ctx, NULL);
}

int role_get(struct store *st, const struct caller *c, const char *id, role_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_role", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " ROLE_COLS " FROM role WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int role_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM role WHERE id = ?", "s", id);
}

int role_id_by_name(struct store *st, const char *name, char out[65])
{
	return rows_first(st, out, 65, "SELECT id FROM role WHERE name = ?", "s", name);
}

int role_create(struct store *st, const struct caller *c, const char *name,
		const char *description, const char *domain_id, char *id_out)
{
	int r = policy_check(c, domain_id ? "identity:create_domain_role" : "identity:create_role",
			     NULL);

	if (r < 0)
		return r;
	if (domain_id && (r = domain_exists(st, domain_id)) <= 0)
		return r < 0 ? r : -ESRCH;
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO role (id, name, description, domain_id, revision)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "ssssi", id_out, name, description, domain_id, store_txn_revision(st));
	return r < 0 ? r : 0;
}

static int revoke_user(void *ctx, const char *user_id)
{
	return identity_revoke(ctx, user_id, NULL, NULL, NULL);
}

/* Tokens carry role names, so a renamed or deleted role ends the tokens
 * of everyone holding it, through any grant or implication. */
static int revoke_holders(struct store *st, const char *role_id)
{
	return grant_role_holders(st, role_id, revoke_user, st);
}

int role_update(struct store *st, const struct caller *c, const char *id, const char *name,
		const char *description)
{
	int r = policy_check(c, "identity:update_role", NULL);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE role SET name = COALESCE(?, name), description = COALESCE(?,"
		       " description), revision = ? WHERE id = ?",
		       "ssis", name, description, store_txn_revision(st), id);
	if (r == 0)
		return -ENOENT;
	if (r > 0 && name)
		r = revoke_holders(st, id);
	return r < 0 ? r : 0;
}

int role_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_role", NULL);

	if (r < 0)
		return r;
	r = revoke_holders(st, id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM role WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	return r < 0 ? r : 0;
}

int role_ensure(struct store *st, const char *name, char out[65])
{
	int r = role_id_by_name(st, name, out);

	if (r != 0)
		return r < 0 ? r : 0;
	id_new(out);
	r = store_exec(st, "INSERT INTO role (id, name, revision) VALUES (?, ?, ?)", "ssi", out,
		       name, store_txn_revision(st));
	return r < 0 ? r : 0;
}
