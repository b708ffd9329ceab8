/* region.c - the region table: every statement on it, its invariants (a
 * parent that exists, no cycle, no region deleted from under an endpoint)
 * and the policy checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* 0 when making parent_id the parent of id keeps the hierarchy a forest,
 * -ELOOP when id is parent_id or one of its ancestors. The walk is bounded
 * so that a cycle already in the table cannot hang it. */
static int region_check_parent(struct store *st, const char *id, const char *parent_id)
{
	char cur[256], up[256];
	int r;

	snprintf(cur, sizeof(cur), "%s", parent_id);
	for (int depth = 0; depth < 4096; depth++) {
		if (strcmp(cur, id) == 0)
			return -ELOOP;
		r = rows_first(st, up, sizeof(up),
			       "SELECT parent_region_id FROM region WHERE id = ?"
			       " AND parent_region_id IS NOT NULL",
			       "s", cur);
		if (r <= 0)
			return r;
		memcpy(cur, up, sizeof(cur));
	}
	return -ELOOP;
}

int region_update(struct store *st, const struct caller *c, const char *id,
		  const char *description, bool set_parent, const char *parent_id)
{
	int r = policy_check(c, "identity:update_region", NULL);

	if (r < 0)
		return r;
	if (set_parent && parent_id) {
		r = region_exists(st, parent_id);
		if (r == 0)
			return -ESRCH;
	}
	if (r >= 0 && (r = region_exists(st, id)) == 0)
		return -ENOENT;
	if (r >= 0 && set_parent && parent_id)
		r = region_check_parent(st, id, parent_id);
	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE region SET description = COALESCE(?1, description),"
		       " parent_region_id = CASE WHEN ?2 = 1 THEN ?3 ELSE parent_region_id END,"
		       " revision = ?4 WHERE id = ?5",
		       "sbsis", description, set_parent, parent_id, store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

/* The ids of region id and of every region below it, parents before
 * their children, into *out (the caller frees each and the array). */
static int region_subtree(struct store *st, const char *id, char ***out, int *nout)
{
	char **ids = NULL;
	int n = 0, cap = 0, r = 0;

	for (int i = -1; r >= 0 && i < n; i++) {
		struct store_stmt *q;
		r = store_query(st, &q,
				i < 0 ? "SELECT id FROM region WHERE id = ?"
				      : "SELECT id FROM region WHERE parent_region_id = ? ORDER BY id",
				"s", i < 0 ? id : ids[i]);
		if (r < 0)
			break;
		while ((r = store_next(q)) > 0) {
			const char *child = store_text(q, 0);
			bool seen = false;
			for (int k = 0; k < n && !seen; k++)
				seen = strcmp(ids[k], child) == 0;
			if (seen) /* a cycle: each region once */
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				char **grown = realloc(ids, sizeof(*ids) * (size_t)cap);
				if (!grown) {
					r = -ENOMEM;
					break;
				}
				ids = grown;
			}
			if (!(ids[n] = strdup(child))) {
				r = -ENOMEM;
				break;
			}
			n++;
		}
		store_done(q);
	}
	if (r < 0) {
		while (n > 0)
			free(ids[--n]);
		free(ids);
		return r;
	}
	*out = ids;
	*nout = n;
	return 0;
}

int region_delete(struct store *st, const struct caller *c, const char *id)
{
	char **ids = NULL;
	int n = 0, r = policy_check(c, "identity:delete_region", NULL);

	if (r < 0)
		return r;
	r = region_subtree(st, id, &ids, &n);
	if (r < 0)
		return r;
	if (n == 0)
		r = -ENOENT;
	for (int i = 0; r >= 0 && i < n; i++) {
		r = rows_first(st, NULL, 0, "SELECT 1 FROM endpoint WHERE region_id = ?", "s", ids[i]);
		if (r > 0)
			r = -ENOTEMPTY;
	}
	/* Children first: each row's parent is still there when it goes. */
	for (int i = n - 1; r >= 0 && i >= 0; i--)
		r = store_exec(st, "DELETE FROM region WHERE id = ?", "s", ids[i]);
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return r < 0 ? r : 0;
}

int region_ensure(struct store *st, const char *id)
{
	int r = store_exec(st,
			   "INSERT INTO region (id, description, revision) SELECT ?1, '', ?2"
			   " WHERE NOT EXISTS (SELECT 1 FROM region WHERE id = ?1)",
			   "si", id, store_txn_revision(st));

	return r < 0 ? r : 0;
}
