/* router_store.c - the router table: the only file of src/network that
 * writes it or reads it for the API (desired_l3.c reads the routers of a
 * host for the agent, read-only). Every call works in the caller's
 * transaction and never commits. No policy here: routers.c and
 * router_interfaces.c decide who may do what. */
#include <errno.h>
#include <stdio.h>

#include "core/cleanup.h"

#include "basalt.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

#define ROUTER_COLS                                                                                \
	"id, name, project_id, description, admin_state_up, status, gw_network_id, gw_port_id,"    \
	" enable_snat, host, created_at, updated_at, revision, routes"

const char router_store_list_sql[] =
	"SELECT " ROUTER_COLS " FROM router ORDER BY created_at, id";

const char router_store_on_host_sql[] =
	"SELECT " ROUTER_COLS " FROM router WHERE host = ? ORDER BY created_at, id";

const char router_store_orphans_sql[] =
	"SELECT r.id, h.roles, h.last_seen FROM router r LEFT JOIN host h ON h.name = r.host"
	" WHERE r.host IS NULL OR r.host <> ? ORDER BY r.id";

const char router_store_hosts_sql[] =
	"SELECT h.name, h.roles, h.last_seen, (SELECT COUNT(*) FROM router r WHERE r.host = h.name)"
	" AS n FROM host h WHERE h.enabled = 1 ORDER BY n, h.name";

/* The routes column as an array (new reference; [] when unreadable). */
static json_t *routes_column(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	if (json_is_array(v))
		return v;
	json_decref(v);
	return json_array();
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int router_store_get(struct store *st, const char *id, struct l3_router *rt)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT id, project_id, gw_network_id, gw_port_id, enable_snat, host"
			    " FROM router WHERE id = ?",
			    "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		copy(rt->id, sizeof(rt->id), store_text(q, 0));
		copy(rt->project_id, sizeof(rt->project_id), store_text(q, 1));
		copy(rt->gw_network_id, sizeof(rt->gw_network_id), store_text(q, 2));
		copy(rt->gw_port_id, sizeof(rt->gw_port_id), store_text(q, 3));
		rt->enable_snat = store_bool(q, 4);
		copy(rt->host, sizeof(rt->host), store_text(q, 5));
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int router_store_insert(struct store *st, const struct l3_router *rt, const char *name,
			const char *description, bool admin_state_up)
{
	int64_t now = now_usec();
	int r = store_exec(st,
			   "INSERT INTO router (id, name, project_id, description, admin_state_up,"
			   " status, enable_snat, host, created_at, updated_at, revision)"
			   " VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?)",
			   "ssssbbsiii", rt->id, name ? name : "", rt->project_id,
			   description ? description : "", admin_state_up, rt->enable_snat, rt->host,
			   now, now, store_txn_revision(st));

	return r < 0 ? r : 0;
}

int router_store_update(struct store *st, const char *id, const char *name,
			const char *description, const bool *admin_state_up)
{
	int64_t up = admin_state_up ? *admin_state_up : 0;
	int r = store_exec(st,
			   "UPDATE router SET name = COALESCE(?, name),"
			   " description = COALESCE(?, description),"
			   " admin_state_up = COALESCE(?, admin_state_up), updated_at = ?, revision = ?"
			   " WHERE id = ?",
			   "sspiis", name, description, admin_state_up ? &up : NULL, now_usec(),
			   store_txn_revision(st), id);

	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int router_store_touch(struct store *st, const char *id)
{
	return router_store_update(st, id, NULL, NULL, NULL);
}

int router_store_set_gateway(struct store *st, const struct l3_router *rt)
{
	int r = store_exec(st,
			   "UPDATE router SET gw_network_id = ?, gw_port_id = ?, enable_snat = ?"
			   " WHERE id = ?",
			   "ssbs", rt->gw_network_id[0] ? rt->gw_network_id : NULL,
			   rt->gw_port_id[0] ? rt->gw_port_id : NULL, rt->enable_snat, rt->id);

	return r < 0 ? r : 0;
}

int router_store_set_status(struct store *st, const char *host, const char *id,
			    const char *status)
{
	int r = store_exec(st,
			   "UPDATE router SET status = ?1, revision = ?2, updated_at = ?3"
			   " WHERE id = ?4 AND host = ?5 AND status <> ?1",
			   "siiss", status, store_txn_revision(st), now_usec(), id, host);

	return r < 0 ? r : r > 0;
}

int router_store_set_host(struct store *st, const char *id, const char *host)
{
	int r = store_exec(st, "UPDATE router SET host = ?, updated_at = ?, revision = ? WHERE id = ?",
			   "siis", host, now_usec(), store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

int router_store_set_routes(struct store *st, const char *id, const json_t *routes)
{
	_cleanup_free_ char *text = json_dumps(routes, JSON_COMPACT);
	int r;

	if (!text)
		return -ENOMEM;
	r = store_exec(st, "UPDATE router SET routes = ?, updated_at = ?, revision = ? WHERE id = ?",
		       "siis", text, now_usec(), store_txn_revision(st), id);
	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

json_t *router_store_routes(struct store *st, const char *id, int *err)
{
	struct store_stmt *q;
	json_t *out = NULL;
	int r = store_query(st, &q, "SELECT routes FROM router WHERE id = ?", "s", id);

	if (r < 0) {
		*err = r;
		return NULL;
	}
	r = store_next(q);
	if (r > 0)
		out = routes_column(store_text(q, 0));
	store_done(q);
	if (!out)
		*err = r < 0 ? r : -ENOENT;
	return out;
}

int router_store_delete(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM router WHERE id = ?", "s", id);

	return r < 0 ? r : 0;
}

json_t *router_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q)
{
	json_t *o, *gw = json_null();

	if (store_text(q, 6) && store_text(q, 7)) {
		json_t *ips = port_fixed_ips(st, store_text(q, 7));
		if (!ips)
			return NULL;
		gw = json_pack("{s:s,s:b,s:o}", "network_id", store_text(q, 6), "enable_snat",
			       store_bool(q, 8), "external_fixed_ips", ips);
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:[],s:[],s:n,s:[],s:o,s:o,s:I}",
		      "id", store_text(q, 0), "name", store_text(q, 1), "project_id",
		      store_text(q, 2), "tenant_id", store_text(q, 2), "description",
		      store_text(q, 3), "admin_state_up", store_bool(q, 4), "status",
		      store_text(q, 5), "external_gateway_info", gw, "routes",
		      routes_column(store_text(q, 13)), "availability_zones",
		      "availability_zone_hints", "flavor_id", "tags",
		      "created_at", network_time(store_int(q, 10)), "updated_at",
		      network_time(store_int(q, 11)), "revision_number",
		      (json_int_t)store_int(q, 12));
	/* Neutron shows these to admins only (policy). */
	if (o && policy_allows(c, "get_router:distributed", NULL))
		json_object_set_new(o, "distributed", json_false());
	if (o && policy_allows(c, "get_router:ha", NULL))
		json_object_set_new(o, "ha", json_false());
	return o;
}

json_t *router_store_render(const struct caller *c, struct store *st, const char *id)
{
	struct store_stmt *q;
	json_t *o = NULL;

	if (store_query(st, &q, "SELECT " ROUTER_COLS " FROM router WHERE id = ?", "s", id) < 0)
		return NULL;
	if (store_next(q) > 0)
		o = router_store_render_row(c, st, q);
	store_done(q);
	return o;
}
