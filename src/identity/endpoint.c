/* endpoint.c - the endpoint table: every statement on it, its invariant
 * (an endpoint names a service and region that exist) and the policy
 * checks. */
#include <errno.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define ENDPOINT_COLS "id, service_id, interface, url, region_id, enabled"

static int each_row(struct store_stmt *q, int r, endpoint_fn fn, void *ctx, int *n)
{
	struct endpoint ep;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		ep = (struct endpoint){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
					store_text(q, 3), store_text(q, 4), store_bool(q, 5) };
		if ((r = fn(ctx, &ep)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int endpoint_list(struct store *st, const struct caller *c, const char *service_id,
		  const char *interface, const char *region_id, endpoint_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_endpoints", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " ENDPOINT_COLS " FROM endpoint WHERE (?1 IS NULL OR service_id = ?1)"
			" AND (?2 IS NULL OR interface = ?2) AND (?3 IS NULL OR region_id = ?3)"
			" ORDER BY service_id, interface",
			"sss", service_id, interface, region_id);
	return each_row(q, r, fn, ctx, NULL);
}

int endpoint_all(struct store *st, endpoint_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = store_query(st, &q,
			    "SELECT " ENDPOINT_COLS " FROM endpoint ORDER BY service_id, interface, id",
			    "");

	return each_row(q, r, fn, ctx, NULL);
}

int endpoint_exists(struct store *st, const char *id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM endpoint WHERE id = ?", "s", id);
}

int endpoint_get(struct store *st, const struct caller *c, const char *id, endpoint_fn fn,
		 void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_endpoint", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " ENDPOINT_COLS " FROM endpoint WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

/* The region and service in names exist: 0, -ENXIO no such region,
 * -ESRCH no such service. A region given the legacy way ("region") is
 * made when missing, as Keystone does for v2-style clients. */
static int endpoint_check_refs(struct store *st, const struct endpoint_in *in)
{
	int r = 0;

	if (in->region_id && in->region_legacy)
		r = region_ensure(st, in->region_id);
	else if (in->region_id && (r = region_exists(st, in->region_id)) == 0)
		return -ENXIO;
	if (r >= 0 && in->service_id && (r = service_exists(st, in->service_id)) == 0)
		return -ESRCH;
	return r < 0 ? r : 0;
}

int endpoint_create(struct store *st, const struct caller *c, const struct endpoint_in *in,
		    char *id_out)
{
	int r = policy_check(c, "identity:create_endpoint", NULL);

	if (r < 0)
		return r;
	if ((r = endpoint_check_refs(st, in)) < 0)
		return r;
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO endpoint (id, service_id, interface, url, region_id,"
		       " enabled, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "sssssbi", id_out, in->service_id, in->interface, in->url, in->region_id,
		       in->enabled != 0, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int endpoint_update(struct store *st, const struct caller *c, const char *id,
		    const struct endpoint_in *in)
{
	int r = policy_check(c, "identity:update_endpoint", NULL);

	if (r < 0)
		return r;
	if ((r = endpoint_check_refs(st, in)) < 0)
		return r;
	r = store_exec(st,
		       "UPDATE endpoint SET service_id = COALESCE(?1, service_id),"
		       " interface = COALESCE(?2, interface), url = COALESCE(?3, url),"
		       " region_id = CASE WHEN ?4 = 1 THEN ?5 ELSE region_id END,"
		       " enabled = CASE WHEN ?6 < 0 THEN enabled ELSE ?6 END, revision = ?7"
		       " WHERE id = ?8",
		       "sssbsiis", in->service_id, in->interface, in->url, in->set_region,
		       in->region_id, (int64_t)in->enabled, store_txn_revision(st), id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int endpoint_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_endpoint", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM endpoint WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int endpoint_ensure(struct store *st, const char *service_id, const char *interface,
		    const char *url, const char *region_id)
{
	char id[ID_HEX_LEN + 1];
	/* An existing endpoint of this interface is updated to the current
	 * URL (re-running bootstrap moves the cloud). */
	int r = store_exec(st,
			   "UPDATE endpoint SET url = ?, region_id = ?, revision = ?"
			   " WHERE service_id = ? AND interface = ?",
			   "ssiss", url, region_id, store_txn_revision(st), service_id, interface);

	if (r != 0)
		return r < 0 ? r : 0;
	id_new(id);
	r = store_exec(st,
		       "INSERT INTO endpoint (id, service_id, interface, url, region_id,"
		       " enabled, revision) VALUES (?, ?, ?, ?, ?, 1, ?)",
		       "sssssi", id, service_id, interface, url, region_id, store_txn_revision(st));
	return r < 0 ? r : 0;
}
