/* region.c - the region table: every statement on it and the policy checks. */
#include <errno.h>
#include <stdio.h>

#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define REGION_COLS "id, description, parent_region_id"

static int each_row(struct store_stmt *q, int r, region_fn fn, void *ctx, int *n)
{
	struct region rg;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		rg = (struct region){ store_text(q, 0), store_text(q, 1), store_text(q, 2) };
		if ((r = fn(ctx, &rg)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int region_list(struct store *st, const struct caller *c, const char *parent_id, region_fn fn,
		void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_regions", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " REGION_COLS " FROM region WHERE (?1 IS NULL OR parent_region_id = ?1)"
			" ORDER BY id",
			"s", parent_id);
	return each_row(q, r, fn, ctx, NULL);
}

int region_get(struct store *st, const struct caller *c, const char *id, region_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_region", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " REGION_COLS " FROM region WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int region_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM region WHERE id = ?", "s", id);
}

int region_create(struct store *st, const struct caller *c, const char *id,
		  const char *description, const char *parent_id)
{
	int r = policy_check(c, "identity:create_region", NULL);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "INSERT INTO region (id, description, parent_region_id, revision)"
		       " VALUES (?, ?, ?, ?)",
		       "sssi", id, description ? description : "", parent_id,
		       store_txn_revision(st));
	if (r == -ENOLINK) /* the parent region does not exist */
		return -ESRCH;
	return r < 0 ? r : 0;
}

int region_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_region", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM region WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int region_ensure(struct store *st, const char *id)
{
	int r = store_exec(st,
			   "INSERT INTO region (id, description, revision) SELECT ?1, '', ?2"
			   " WHERE NOT EXISTS (SELECT 1 FROM region WHERE id = ?1)",
			   "si", id, store_txn_revision(st));

	return r < 0 ? r : 0;
}
