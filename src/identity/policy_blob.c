/* policy_blob.c - the policy_blob table behind Keystone's /v3/policies:
 * opaque blobs with a type, stored and handed back, never enforced (what
 * Basalt enforces is src/policy/). Every statement on it and its policy
 * checks (admin only, Keystone's admin_required). */
#include <errno.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define POLICY_BLOB_COLS "id, type, blob"

static int each_row(struct store_stmt *q, int r, policy_blob_fn fn, void *ctx, int *n)
{
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct policy_blob pb = { store_text(q, 0), store_text(q, 1), store_text(q, 2) };
		if ((r = fn(ctx, &pb)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int policy_blob_list(struct store *st, const struct caller *c, const char *type,
		     policy_blob_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_policies", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " POLICY_BLOB_COLS " FROM policy_blob WHERE (?1 IS NULL OR type = ?1)"
			" ORDER BY id",
			"s", type);
	return each_row(q, r, fn, ctx, NULL);
}

int policy_blob_get(struct store *st, const struct caller *c, const char *id, policy_blob_fn fn,
		    void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_policy", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " POLICY_BLOB_COLS " FROM policy_blob WHERE id = ?", "s",
			id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int policy_blob_create(struct store *st, const struct caller *c, const char *type,
		       const char *blob, char *id_out)
{
	int r = policy_check(c, "identity:create_policy", NULL);

	if (r < 0)
		return r;
	id_new(id_out);
	r = store_exec(st, "INSERT INTO policy_blob (id, type, blob, revision) VALUES (?, ?, ?, ?)",
		       "sssi", id_out, type, blob, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int policy_blob_update(struct store *st, const struct caller *c, const char *id, const char *type,
		       const char *blob)
{
	int r = policy_check(c, "identity:update_policy", NULL);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE policy_blob SET type = COALESCE(?, type), blob = COALESCE(?, blob),"
		       " revision = ? WHERE id = ?",
		       "ssis", type, blob, store_txn_revision(st), id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int policy_blob_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_policy", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM policy_blob WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
