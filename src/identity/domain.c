/* domain.c - the domain table: every statement on it, its invariants (a
 * domain is disabled before it is deleted, and takes what it owns with it,
 * as in Keystone; disabling one ends its tokens) and the policy checks
 * against the loaded domain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define DOMAIN_COLS "id, name, description, enabled"

static int each_row(struct store *st, struct store_stmt *q, int r, domain_fn fn, void *ctx,
		    int *n)
{
	struct domain d;
	char *tags;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		r = project_tags_joined(st, store_text(q, 0), &tags);
		if (r < 0)
			break;
		d = (struct domain){ .id = store_text(q, 0),
				     .name = store_text(q, 1),
				     .description = store_text(q, 2),
				     .enabled = store_bool(q, 3),
				     .tags = tags };
		r = fn(ctx, &d);
		free(tags);
		if (r < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int domain_list(struct store *st, const struct caller *c, const char *name, const int64_t *enabled,
		domain_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_domains", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " DOMAIN_COLS " FROM domain WHERE (?1 IS NULL OR name = ?1)"
			" AND (?2 IS NULL OR enabled = ?2) ORDER BY name",
			"sp", name, enabled);
	return each_row(st, q, r, fn, ctx, NULL);
}

int domain_list_of_caller(struct store *st, const struct caller *c, domain_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = store_query(st, &q,
			    "SELECT " DOMAIN_COLS " FROM domain WHERE enabled = 1 AND id IN"
			    " (SELECT domain_id FROM user_domain_access WHERE user_id = ?) ORDER BY name",
			    "s", c->user_id);

	return each_row(st, q, r, fn, ctx, NULL);
}

int domain_get(struct store *st, const struct caller *c, const char *id, domain_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r;

	r = policy_check(c, "identity:get_domain", &(struct target){ .domain_id = id });
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " DOMAIN_COLS " FROM domain WHERE id = ?", "s", id);
	r = each_row(st, q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int domain_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM domain WHERE id = ?", "s", id);
}

int domain_resolve(struct store *st, const char *id, const char *name, char *out, size_t outlen)
{
	if (!id && !name)
		return -EINVAL;
	return rows_first(st, out, outlen,
			  "SELECT id FROM domain WHERE id = ?1 OR (?1 IS NULL AND name = ?2)", "ss",
			  id, name);
}

int domain_scope_load(struct store *st, const char *id, struct scope_row *out)
{
	struct store_stmt *q = NULL;
	int r = store_query(st, &q, "SELECT id, name, enabled FROM domain WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(out->id, sizeof(out->id), "%s", store_text(q, 0));
		snprintf(out->name, sizeof(out->name), "%s", store_text(q, 1));
		out->domain_id[0] = out->domain_name[0] = '\0';
		out->enabled = store_bool(q, 2);
	}
	store_done(q);
	return r;
}

int domain_create(struct store *st, const struct caller *c, const char *name,
		  const char *description, bool enabled, char *id)
{
	int r = policy_check(c, "identity:create_domain", NULL);

	if (r < 0)
		return r;
	id_new(id);
	r = store_exec(st,
		       "INSERT INTO domain (id, name, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "sssbi", id, name, description ? description : "", enabled,
		       store_txn_revision(st));
	return r < 0 ? r : 0;
}

int domain_update(struct store *st, const struct caller *c, const char *id, const char *name,
		  const char *description, int enabled)
{
	int64_t en = enabled > 0;
	int r = policy_check(c, "identity:update_domain", &(struct target){ .domain_id = id });

	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE domain SET name = COALESCE(?, name), description = COALESCE(?,"
		       " description), enabled = COALESCE(?, enabled), revision = ? WHERE id = ?",
		       "sspis", name, description, enabled >= 0 ? &en : NULL, store_txn_revision(st),
		       id);
	if (r == 0)
		return -ENOENT;
	if (r > 0 && enabled == 0)
		r = identity_revoke(st, NULL, NULL, id, NULL);
	return r < 0 ? r : 0;
}

int domain_delete(struct store *st, const struct caller *c, const char *id)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:delete_domain", &(struct target){ .domain_id = id });

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT enabled FROM domain WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && store_bool(q, 0))
		r = -EACCES;
	store_done(q);
	if (r == 0)
		return -ENOENT;
	if (r < 0)
		return r;
	/* What the domain owns goes with it, as in Keystone. */
	r = project_delete_in_domain(st, id);
	if (r >= 0)
		r = user_delete_in_domain(st, id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM domain WHERE id = ?", "s", id);
	return r < 0 ? r : 0;
}

int domain_ensure_default(struct store *st)
{
	int r = store_exec(st,
			   "INSERT INTO domain (id, name, description, enabled, revision)"
			   " SELECT 'default', 'Default', 'The default domain', 1, ?"
			   " WHERE NOT EXISTS (SELECT 1 FROM domain WHERE id = 'default')",
			   "i", store_txn_revision(st));

	return r < 0 ? r : 0;
}
