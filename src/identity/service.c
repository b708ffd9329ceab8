/* service.c - the service table, and the rows the token catalog is made
 * of (token_catalog.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define SERVICE_COLS "id, type, name, description, enabled"

static int each_row(struct store_stmt *q, int r, service_fn fn, void *ctx, int *n)
{
	struct catalog_service sv;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		sv = (struct catalog_service){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
				       store_text(q, 3), store_bool(q, 4) };
		if ((r = fn(ctx, &sv)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int service_list(struct store *st, const struct caller *c, const char *type, const char *name,
		 service_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_services", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " SERVICE_COLS " FROM service WHERE (?1 IS NULL OR type = ?1)"
			" AND (?2 IS NULL OR name = ?2) ORDER BY type",
			"ss", type, name);
	return each_row(q, r, fn, ctx, NULL);
}

int service_get(struct store *st, const struct caller *c, const char *id, service_fn fn,
		void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_service", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " SERVICE_COLS " FROM service WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int service_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM service WHERE id = ?", "s", id);
}

int service_create(struct store *st, const struct caller *c, const char *type, const char *name,
		   const char *description, bool enabled, char *id_out)
{
	int r = policy_check(c, "identity:create_service", NULL);

	if (r < 0)
		return r;
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO service (id, type, name, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?)",
		       "ssssbi", id_out, type, name ? name : "", description ? description : "",
		       enabled, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int service_update(struct store *st, const struct caller *c, const char *id, const char *type,
		   const char *name, const char *description, int enabled)
{
	int r = policy_check(c, "identity:update_service", NULL);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "UPDATE service SET type = COALESCE(?1, type), name = COALESCE(?2, name),"
		       " description = COALESCE(?3, description),"
		       " enabled = CASE WHEN ?4 < 0 THEN enabled ELSE ?4 END, revision = ?5"
		       " WHERE id = ?6",
		       "sssiis", type, name, description, (int64_t)enabled, store_txn_revision(st),
		       id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int service_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_service", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM service WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int service_catalog_rows(struct store *st, catalog_row_fn fn, void *ctx)
{
	struct store_stmt *q;
	int r;

	r = store_query(st, &q,
			"SELECT s.id, s.type, s.name, s.enabled, e.id, e.interface, e.url,"
			" e.region_id, e.enabled"
			" FROM service s LEFT JOIN endpoint e ON e.service_id = s.id"
			" ORDER BY s.type, s.id, e.interface, e.id",
			"");
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct catalog_row row = {
			.service_id = store_text(q, 0),
			.type = store_text(q, 1),
			.name = store_text(q, 2),
			.service_enabled = store_bool(q, 3),
			.endpoint_id = store_text(q, 4),
			.interface = store_text(q, 5),
			.url = store_text(q, 6),
			.region_id = store_text(q, 7),
			.endpoint_enabled = store_bool(q, 8),
		};
		if ((r = fn(ctx, &row)) < 0)
			break;
	}
	store_done(q);
	return r;
}

int service_ensure(struct store *st, const char *type, const char *name, const char *description,
		   char out[65])
{
	int r = rows_first(st, out, 65, "SELECT id FROM service WHERE type = ?", "s", type);

	if (r != 0)
		return r < 0 ? r : 0;
	id_new(out);
	r = store_exec(st,
		       "INSERT INTO service (id, type, name, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, 1, ?)",
		       "ssssi", out, type, name, description, store_txn_revision(st));
	return r < 0 ? r : 0;
}
