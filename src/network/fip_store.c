/* fip_store.c - the floatingip table: the only file of src/network that
 * writes it or reads it for the API (desired_l3.c reads a router's
 * floating IPs for the agent, read-only). Every call works in the
 * caller's transaction and never commits. No policy here: floatingips.c
 * decides who may do what. */
#include <errno.h>
#include <stdio.h>

#include "basalt.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

#define FIP_COLS                                                                                   \
	"id, project_id, description, floating_network_id, floating_ip_address,"                 \
	" floating_port_id, port_id, fixed_ip_address, router_id, status, created_at,"            \
	" updated_at, revision"

const char fip_store_list_sql[] = "SELECT " FIP_COLS " FROM floatingip ORDER BY created_at, id";

static json_t *text_or_null(struct store_stmt *q, int col)
{
	return store_text(q, col) ? json_string(store_text(q, col)) : json_null();
}

json_t *fip_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q)
{
	(void)c;
	(void)st;
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:o,s:o,s:I,s:[],s:[]}", "id",
			 store_text(q, 0), "project_id", store_text(q, 1), "tenant_id",
			 store_text(q, 1), "description", store_text(q, 2), "floating_network_id",
			 store_text(q, 3), "floating_ip_address", store_text(q, 4), "port_id",
			 text_or_null(q, 6), "fixed_ip_address", text_or_null(q, 7), "router_id",
			 text_or_null(q, 8), "status", store_text(q, 9), "created_at",
			 network_time(store_int(q, 10)), "updated_at", network_time(store_int(q, 11)),
			 "revision_number", (json_int_t)store_int(q, 12), "tags",
			 "port_forwardings");
}

int fip_store_get(const struct caller *c, struct store *st, const char *id, struct fip_row *f,
		  json_t **out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " FIP_COLS " FROM floatingip WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(f->id, sizeof(f->id), "%s", store_text(q, 0));
		snprintf(f->project_id, sizeof(f->project_id), "%s", store_text(q, 1));
		snprintf(f->network_id, sizeof(f->network_id), "%s", store_text(q, 3));
		snprintf(f->address, sizeof(f->address), "%s", store_text(q, 4));
		snprintf(f->floating_port_id, sizeof(f->floating_port_id), "%s", store_text(q, 5));
		snprintf(f->port_id, sizeof(f->port_id), "%s", store_text(q, 6) ? store_text(q, 6) : "");
		if (out && !(*out = fip_store_render_row(c, st, q)))
			r = -ENOMEM;
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int fip_store_insert(struct store *st, const struct fip_row *f, const char *description)
{
	int64_t now = now_usec();
	int r = store_exec(st,
			   "INSERT INTO floatingip (id, project_id, description,"
			   " floating_network_id, floating_ip_address, floating_port_id,"
			   " status, created_at, updated_at, revision)"
			   " VALUES (?, ?, ?, ?, ?, ?, 'DOWN', ?, ?, ?)",
			   "ssssssiii", f->id, f->project_id, description ? description : "",
			   f->network_id, f->address, f->floating_port_id, now, now,
			   store_txn_revision(st));

	return r < 0 ? r : 0;
}

int fip_store_set_assoc(struct store *st, const char *id, const char *port_id,
			const char *fixed_ip, const char *router_id)
{
	int r = store_exec(st,
			   "UPDATE floatingip SET port_id = ?, fixed_ip_address = ?, router_id = ?,"
			   " status = 'DOWN', updated_at = ?, revision = ? WHERE id = ?",
			   "sssiis", port_id, fixed_ip, router_id, now_usec(), store_txn_revision(st),
			   id);

	return r < 0 ? r : 0;
}

int fip_store_update(struct store *st, const char *id, const char *description)
{
	int r = store_exec(st,
			   "UPDATE floatingip SET description = COALESCE(?, description),"
			   " updated_at = ?, revision = ? WHERE id = ?",
			   "siis", description, now_usec(), store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

int fip_store_delete(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM floatingip WHERE id = ?", "s", id);

	return r < 0 ? r : 0;
}

json_t *fip_store_free_on_network(struct store *st, const char *network_id, int *err)
{
	return network_ids(st, err,
			   "SELECT id FROM floatingip WHERE floating_network_id = ? AND port_id IS NULL"
			   " ORDER BY id",
			   "s", network_id);
}

int fip_store_release_port(struct store *st, const char *port_id)
{
	int r = store_exec(st,
			   "UPDATE floatingip SET port_id = NULL, fixed_ip_address = NULL,"
			   " router_id = NULL, revision = ? WHERE port_id = ?",
			   "is", store_txn_revision(st), port_id);

	return r < 0 ? r : 0;
}

int fip_store_count_on_router(struct store *st, const char *router_id, int64_t *n)
{
	return network_count(st, n, "SELECT count(*) FROM floatingip WHERE router_id = ?", "s",
			     router_id);
}

int fip_store_count_via_subnet(struct store *st, const char *router_id, const char *subnet_id,
			       int64_t *n)
{
	return network_count(st, n,
			     "SELECT count(*) FROM floatingip f JOIN ip_allocation a"
			     " ON a.port_id = f.port_id AND a.ip_address = f.fixed_ip_address"
			     " WHERE f.router_id = ? AND a.subnet_id = ?",
			     "ss", router_id, subnet_id);
}

int fip_store_find_fixed(struct store *st, const char *port_id, const char *fixed_ip,
			 const char *network_id, const char *except_id, char id[65],
			 char address[65])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT id, floating_ip_address FROM floatingip WHERE port_id = ?"
			    " AND fixed_ip_address = ? AND floating_network_id = ? AND id != ?",
			    "ssss", port_id, fixed_ip, network_id, except_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(id, 65, "%s", store_text(q, 0));
		snprintf(address, 65, "%s", store_text(q, 1));
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int fip_store_set_status(struct store *st, const char *host, const char *id, const char *status)
{
	int r = store_exec(st,
			   "UPDATE floatingip SET status = ?1, revision = ?2, updated_at = ?3"
			   " WHERE id = ?4 AND status <> ?1 AND router_id IN"
			   " (SELECT id FROM router WHERE host = ?5)",
			   "siiss", status, store_txn_revision(st), now_usec(), id, host);

	return r < 0 ? r : r > 0;
}

int fip_store_router_down(struct store *st, const char *router_id)
{
	int r = store_exec(st,
			   "UPDATE floatingip SET status = 'DOWN', revision = ?, updated_at = ?"
			   " WHERE router_id = ? AND status <> 'DOWN'",
			   "iis", store_txn_revision(st), now_usec(), router_id);

	return r < 0 ? r : 0;
}
