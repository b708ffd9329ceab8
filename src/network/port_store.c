/* port_store.c - the port table: the only file of src/network that
 * writes it or reads it for the API (the agents' desired state,
 * desired_l2.c and desired_l3.c, read it in their own joins; so do Nova's
 * server_ports.c and the metadata API, read-only). Every call works in
 * the caller's transaction and never commits. No policy here: callers
 * decide who may do what (ports.c, port_api.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

#define PORT_COLS                                                                                  \
	"id, network_id, project_id, name, description, mac_address, admin_state_up, status,"      \
	" device_owner, device_id, host, port_security_enabled, created_at, updated_at, revision"

const char port_store_list_sql[] =
	"SELECT p.id, p.project_id, n.project_id FROM port p JOIN network n ON n.id = p.network_id"
	" ORDER BY p.created_at, p.id";

const char port_store_dhcp_orphans_sql[] =
	"SELECT p.id, h.roles, h.last_seen FROM port p LEFT JOIN host h ON h.name = p.host"
	" WHERE p.device_owner = 'network:dhcp' AND p.host <> ? ORDER BY p.id";

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int port_store_get(struct store *st, const char *id, struct port_row *p)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " PORT_COLS " FROM port WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		copy(p->id, sizeof(p->id), store_text(q, 0));
		copy(p->network_id, sizeof(p->network_id), store_text(q, 1));
		copy(p->project_id, sizeof(p->project_id), store_text(q, 2));
		copy(p->mac, sizeof(p->mac), store_text(q, 5));
		p->admin_state_up = store_bool(q, 6);
		copy(p->status, sizeof(p->status), store_text(q, 7));
		copy(p->device_owner, sizeof(p->device_owner), store_text(q, 8));
		copy(p->device_id, sizeof(p->device_id), store_text(q, 9));
		copy(p->host, sizeof(p->host), store_text(q, 10));
		p->port_security = store_bool(q, 11);
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int port_store_insert(struct store *st, const struct port_row *p, const char *name,
		      const char *description)
{
	int64_t now = now_usec();
	int r = store_exec(st,
			   "INSERT INTO port (id, network_id, project_id, name, description,"
			   " mac_address, admin_state_up, status, device_owner, device_id, host,"
			   " port_security_enabled, created_at, updated_at, revision)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, 'DOWN', ?, ?, ?, ?, ?, ?, ?)",
			   "ssssssbsssbiii", p->id, p->network_id, p->project_id, name ? name : "",
			   description ? description : "", p->mac, p->admin_state_up, p->device_owner,
			   p->device_id, p->host, p->port_security, now, now, store_txn_revision(st));

	return r < 0 ? r : 0;
}

int port_store_update(struct store *st, const char *id, const struct port_change *ch)
{
	int64_t up = ch->admin_state_up ? *ch->admin_state_up : 0;
	int64_t sec = ch->port_security ? *ch->port_security : 0;
	int r = store_exec(st,
			   "UPDATE port SET name = COALESCE(?, name), description = COALESCE(?, description),"
			   " admin_state_up = COALESCE(?, admin_state_up), device_id = COALESCE(?, device_id),"
			   " device_owner = COALESCE(?, device_owner), host = COALESCE(?, host),"
			   " port_security_enabled = COALESCE(?, port_security_enabled),"
			   " updated_at = ?, revision = ? WHERE id = ?",
			   "sspssspiis", ch->name, ch->description, ch->admin_state_up ? &up : NULL,
			   ch->device_id, ch->device_owner, ch->host, ch->port_security ? &sec : NULL,
			   now_usec(), store_txn_revision(st), id);

	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int port_store_set_status(struct store *st, const char *host, const char *id, const char *status)
{
	int r = store_exec(st,
			   "UPDATE port SET status = ?1, revision = ?2, updated_at = ?3"
			   " WHERE id = ?4 AND host = ?5 AND status <> ?1",
			   "siiss", status, store_txn_revision(st), now_usec(), id, host);

	return r < 0 ? r : r > 0;
}

int port_store_set_host(struct store *st, const char *id, const char *host)
{
	int r = store_exec(st, "UPDATE port SET host = ?, updated_at = ?, revision = ? WHERE id = ?",
			   "siis", host, now_usec(), store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

int port_store_set_router_host(struct store *st, const char *router_id, const char *host)
{
	int r = store_exec(st,
			   "UPDATE port SET host = ?, updated_at = ?, revision = ?"
			   " WHERE device_id = ? AND device_owner IN"
			   " ('network:router_interface', 'network:router_gateway')",
			   "siis", host, now_usec(), store_txn_revision(st), router_id);

	return r < 0 ? r : 0;
}

int port_store_touch(struct store *st, const char *id)
{
	int r = store_exec(st, "UPDATE port SET updated_at = ?, revision = ? WHERE id = ?", "iis",
			   now_usec(), store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

int port_store_delete(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM port WHERE id = ?", "s", id);

	return r < 0 ? r : 0;
}

/* binding:* as policy lets c see them (c NULL: the service, all). */
static void render_binding(const struct caller *c, json_t *p, const char *host)
{
	static const struct target own;

	if (!c || policy_allows(c, "get_port:binding:host_id", &own))
		json_object_set_new(p, "binding:host_id", json_string(host));
	if (!c || policy_allows(c, "get_port:binding:vif_type", &own)) {
		json_object_set_new(p, "binding:vif_type", json_string(host[0] ? "bridge" : "unbound"));
		/* Shown with the other binding details, as before. */
		json_object_set_new(p, "binding:vnic_type", json_string("normal"));
	}
	if (!c || policy_allows(c, "get_port:binding:profile", &own))
		json_object_set_new(p, "binding:profile", json_object());
	if (!c || policy_allows(c, "get_port:binding:vif_details", &own))
		json_object_set_new(p, "binding:vif_details", json_object());
}

json_t *port_store_render(const struct caller *c, struct store *st, const char *id)
{
	struct store_stmt *q;
	json_t *p = NULL, *ips, *groups;
	int r = store_query(st, &q, "SELECT " PORT_COLS " FROM port WHERE id = ?", "s", id);

	if (r < 0)
		return NULL;
	if (store_next(q) <= 0) {
		store_done(q);
		return NULL;
	}
	ips = port_fixed_ips(st, id);
	groups = port_group_ids(st, id);
	if (!ips || !groups) {
		json_decref(ips);
		json_decref(groups);
		store_done(q);
		return NULL;
	}
	p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:o,s:o,s:[],s:[],s:b,s:s,"
		      "s:[],s:o,s:o,s:I}",
		      "id", store_text(q, 0), "network_id", store_text(q, 1), "project_id",
		      store_text(q, 2), "tenant_id", store_text(q, 2), "name", store_text(q, 3),
		      "description", store_text(q, 4), "mac_address", store_text(q, 5),
		      "admin_state_up", store_bool(q, 6), "status", store_text(q, 7),
		      "device_owner", store_text(q, 8), "device_id", store_text(q, 9), "fixed_ips",
		      ips, "security_groups", groups, "allowed_address_pairs", "extra_dhcp_opts",
		      "port_security_enabled", store_bool(q, 11), "dns_name", "", "tags",
		      "created_at", network_time(store_int(q, 12)), "updated_at",
		      network_time(store_int(q, 13)), "revision_number", (json_int_t)store_int(q, 14));
	if (p)
		render_binding(c, p, store_text(q, 10));
	store_done(q);
	return p;
}

json_t *port_store_ids_on_network(struct store *st, const char *network_id,
				  const char *device_owner, int *err)
{
	return network_ids(st, err,
			   "SELECT id FROM port WHERE network_id = ?1 AND (?2 IS NULL OR device_owner = ?2)"
			   " ORDER BY id",
			   "ss", network_id, device_owner);
}

json_t *port_store_ids_of_device(struct store *st, const char *device_id,
				 const char *device_owner, int *err)
{
	return network_ids(st, err,
			   "SELECT id FROM port WHERE device_id = ? AND device_owner = ? ORDER BY id",
			   "ss", device_id, device_owner);
}

json_t *port_store_router_leg_ids(struct store *st, const char *router_id, int *err)
{
	return network_ids(st, err,
			   "SELECT p.id FROM port p JOIN router r ON r.id = p.device_id"
			   " WHERE p.device_id = ? AND p.device_owner = 'network:router_interface'"
			   " AND p.project_id = r.project_id ORDER BY p.id",
			   "s", router_id);
}

int port_store_count_used(struct store *st, const char *network_id, int64_t *n)
{
	return network_count(st, n,
			     "SELECT count(*) FROM port WHERE network_id = ?"
			     " AND device_owner <> 'network:dhcp'",
			     "s", network_id);
}

int port_store_count_on_subnet(struct store *st, const char *subnet_id, int64_t *n)
{
	return network_count(st, n,
			     "SELECT count(*) FROM ip_allocation a JOIN port p ON p.id = a.port_id"
			     " WHERE a.subnet_id = ? AND p.device_owner <> 'network:dhcp'",
			     "s", subnet_id);
}

static int leg_row(struct store_stmt *q, json_t *out, void *ctx)
{
	(void)ctx;
	return json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "port_id",
						    store_text(q, 0), "subnet_id", store_text(q, 1),
						    "cidr", store_text(q, 2), "ip_address",
						    store_text(q, 3))) < 0
		       ? -ENOMEM
		       : 0;
}

json_t *port_store_router_legs(struct store *st, const char *router_id, int *err)
{
	return network_rows(st, leg_row, NULL, err,
			    "SELECT p.id, a.subnet_id, s.cidr, a.ip_address FROM port p"
			    " JOIN ip_allocation a ON a.port_id = p.id JOIN subnet s ON s.id = a.subnet_id"
			    " WHERE p.device_id = ? AND p.device_owner = 'network:router_interface'"
			    " ORDER BY a.revision, p.id",
			    "s", router_id);
}

json_t *port_store_router_addresses(struct store *st, const char *router_id, int *err)
{
	return network_rows(st, leg_row, NULL, err,
			    "SELECT p.id, a.subnet_id, s.cidr, a.ip_address FROM port p"
			    " JOIN ip_allocation a ON a.port_id = p.id JOIN subnet s ON s.id = a.subnet_id"
			    " WHERE p.device_id = ? AND p.device_owner IN"
			    " ('network:router_interface', 'network:router_gateway')"
			    " ORDER BY a.revision, p.id",
			    "s", router_id);
}

int port_store_router_on_subnet(struct store *st, const char *gw_network_id,
				const char *subnet_id, char router_id[65])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT r.id FROM router r JOIN port p ON p.device_id = r.id"
			    " AND p.device_owner = 'network:router_interface'"
			    " JOIN ip_allocation a ON a.port_id = p.id"
			    " WHERE r.gw_network_id = ? AND a.subnet_id = ? ORDER BY r.created_at LIMIT 1",
			    "ss", gw_network_id, subnet_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		copy(router_id, 65, store_text(q, 0));
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int port_store_device_holding(struct store *st, const char *network_id, const char *ip,
			      char device_id[256])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT p.device_id FROM ip_allocation a JOIN port p ON p.id = a.port_id"
			    " WHERE a.network_id = ? AND a.ip_address = ?",
			    "ss", network_id, ip);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		copy(device_id, 256, store_text(q, 0));
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
