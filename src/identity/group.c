/* group.c - the identity_group and group_member tables: groups (owned by
 * a domain, the name unique in it) and their members. Invariants: a group
 * stays in its domain; a member removed from a group that holds grants,
 * and every member of a deleted group that held grants, loses the tokens
 * that may carry those roles (the store cascades the memberships and
 * grants themselves). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define GROUP_COLS "id, name, domain_id, description, extra"

static int each_row(struct store_stmt *q, int r, group_fn fn, void *ctx, int *n)
{
	struct group g;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		g = (struct group){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
				    store_text(q, 3), store_text(q, 4) };
		r = fn(ctx, &g);
		if (r < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

/* The domain of group id into out (65 bytes): 1, 0 when none, -errno. */
static int group_domain(struct store *st, const char *id, char *out)
{
	return rows_first(st, out, 65, "SELECT domain_id FROM identity_group WHERE id = ?", "s", id);
}

/* The caller may do action to group id: 0, -ENOENT, -EPERM or -errno. */
static int check_group(struct store *st, const struct caller *c, const char *action,
		       const char *id, char *domain_out)
{
	char domain_id[65];
	int r = group_domain(st, id, domain_id);

	if (r < 0)
		return r;
	if (r == 0) /* who may not see it learns no more than that */
		return policy_check(c, action, NULL) ?: -ENOENT;
	if (domain_out)
		memcpy(domain_out, domain_id, sizeof(domain_id));
	return policy_check(c, action, &(struct target){ .domain_id = domain_id });
}

int group_list(struct store *st, const struct caller *c, const char *name, const char *domain_id,
	       group_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_groups", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " GROUP_COLS " FROM identity_group WHERE (?1 IS NULL OR name = ?1)"
			" AND (?2 IS NULL OR domain_id = ?2) ORDER BY name",
			"ss", name, domain_id);
	return each_row(q, r, fn, ctx, NULL);
}

int group_list_of_user(struct store *st, const struct caller *c, const char *user_id,
		       group_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_groups_for_user",
			     &(struct target){ .user_id = user_id });

	if (r < 0)
		return r;
	r = user_exists(st, user_id);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = store_query(st, &q,
			"SELECT " GROUP_COLS " FROM identity_group WHERE id IN"
			" (SELECT group_id FROM group_member WHERE user_id = ?) ORDER BY name",
			"s", user_id);
	return each_row(q, r, fn, ctx, NULL);
}

int group_get(struct store *st, const struct caller *c, const char *id, group_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = check_group(st, c, "identity:get_group", id, NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " GROUP_COLS " FROM identity_group WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int group_exists(struct store *st, const char *id)
{
	char domain_id[65];

	return group_domain(st, id, domain_id);
}

int group_create(struct store *st, const struct caller *c, const char *name,
		 const char *domain_id, const char *description, const char *extra,
		 char *id_out)
{
	int r = policy_check(c, "identity:create_group", &(struct target){ .domain_id = domain_id });

	if (r < 0)
		return r;
	r = domain_exists(st, domain_id);
	if (r <= 0)
		return r < 0 ? r : -ESRCH;
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO identity_group (id, name, domain_id, description, extra,"
		       " revision) VALUES (?, ?, ?, ?, ?, ?)",
		       "sssssi", id_out, name, domain_id, description ? description : "", extra,
		       store_txn_revision(st));
	return r < 0 ? r : 0;
}

int group_update(struct store *st, const struct caller *c, const char *id, const char *name,
		 const char *domain_id, const char *description, const char *extra)
{
	char own_domain[65];
	int r = check_group(st, c, "identity:update_group", id, own_domain);

	if (r < 0)
		return r;
	if (domain_id && strcmp(domain_id, own_domain) != 0)
		return -EXDEV; /* a group stays in its domain */
	r = store_exec(st,
		       "UPDATE identity_group SET name = COALESCE(?, name),"
		       " description = COALESCE(?, description), extra = COALESCE(?, extra),"
		       " revision = ? WHERE id = ?",
		       "sssis", name, description, extra, store_txn_revision(st), id);
	if (r == 0)
		return -ENOENT;
	return r < 0 ? r : 0;
}

static int revoke_user(void *ctx, const char *user_id)
{
	return identity_revoke(ctx, user_id, NULL, NULL, NULL);
}

/* End the tokens of every member of group id (only_user: of that one)
 * when the group holds a grant: their tokens may carry its roles. */
static int revoke_members(struct store *st, const char *id, const char *only_user)
{
	int r = grant_group_holds_any(st, id);

	if (r <= 0)
		return r;
	return rows_each(st, revoke_user, st,
			 "SELECT user_id FROM group_member WHERE group_id = ?1"
			 " AND (?2 IS NULL OR user_id = ?2)",
			 "ss", id, only_user);
}

int group_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = check_group(st, c, "identity:delete_group", id, NULL);

	if (r < 0)
		return r;
	r = revoke_members(st, id, NULL);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM identity_group WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	return r < 0 ? r : 0;
}

/* The caller may do action to the membership, and group and user exist:
 * 0, or -ENOENT with *missing naming the one that does not. */
static int member_begin(struct store *st, const struct caller *c, const char *action,
			const char *group_id, const char *user_id, const char **missing)
{
	int r;

	*missing = "group";
	r = check_group(st, c, action, group_id, NULL);
	if (r < 0)
		return r;
	if (!user_id)
		return 0;
	*missing = "user";
	r = user_exists(st, user_id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int group_member_add(struct store *st, const struct caller *c, const char *group_id,
		     const char *user_id, const char **missing)
{
	int r = member_begin(st, c, "identity:add_user_to_group", group_id, user_id, missing);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "INSERT INTO group_member (group_id, user_id, revision) VALUES (?, ?, ?)",
		       "ssi", group_id, user_id, store_txn_revision(st));
	if (r == -EEXIST) /* adding twice is not an error */
		r = 0;
	return r < 0 ? r : 0;
}

int group_member_check(struct store *st, const struct caller *c, const char *group_id,
		       const char *user_id, const char **missing)
{
	int r = member_begin(st, c, "identity:check_user_in_group", group_id, user_id, missing);

	if (r < 0)
		return r;
	*missing = "membership";
	r = rows_first(st, NULL, 0, "SELECT 1 FROM group_member WHERE group_id = ? AND user_id = ?",
		       "ss", group_id, user_id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int group_member_remove(struct store *st, const struct caller *c, const char *group_id,
			const char *user_id, const char **missing)
{
	int r = member_begin(st, c, "identity:remove_user_from_group", group_id, user_id, missing);

	if (r < 0)
		return r;
	*missing = "membership";
	r = revoke_members(st, group_id, user_id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM group_member WHERE group_id = ? AND user_id = ?",
			       "ss", group_id, user_id);
	if (r == 0)
		return -ENOENT;
	return r < 0 ? r : 0;
}

int group_member_list(struct store *st, const struct caller *c, const char *group_id,
		      user_fn fn, void *ctx, const char **missing)
{
	int r = member_begin(st, c, "identity:list_users_in_group", group_id, NULL, missing);

	if (r < 0)
		return r;
	return user_list_of_group(st, group_id, fn, ctx);
}
