/* network_store.c - the network table: the only file of src/network that
 * writes it or reads it for the API (the agents' desired state reads it
 * in its own joins, read-only; so do Nova's server_ports.c and the
 * metadata API). Every call works in the caller's transaction and never
 * commits. No policy here but the rendering of provider:* (by rule). */
#include <errno.h>
#include <stdio.h>

#include "basalt.h"
#include "core/util.h"
#include "network/network.h"
#include "network/segments.h"
#include "policy/policy.h"
#include "store/store.h"

#define NET_COLS                                                                                   \
	"id, name, project_id, description, admin_state_up, status, shared, external,"             \
	" network_type, physical_network, segmentation_id, mtu, created_at, updated_at, revision"

const char network_store_list_sql[] = "SELECT " NET_COLS " FROM network ORDER BY created_at, id";

void network_store_target(struct store_stmt *q, struct target *t)
{
	t->project_id = store_text(q, 2);
	t->shared = store_bool(q, 6) || store_bool(q, 7);
}

static json_t *subnet_ids(struct store *st, const char *id)
{
	json_t *cidrs = subnet_store_cidrs(st, id, NULL), *ids = cidrs ? json_array() : NULL, *e;
	size_t i;

	json_array_foreach(cidrs, i, e)
		json_array_append(ids, json_object_get(e, "id"));
	json_decref(cidrs);
	return ids;
}

json_t *network_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q)
{
	const char *id = store_text(q, 0), *phys = store_text(q, 9);
	json_t *subnets = subnet_ids(st, id);
	json_t *n;

	if (!subnets)
		return NULL;
	n = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:b,s:b,s:I,s:o,s:[],s:o,s:o,s:I,s:b,"
		      "s:[],s:[s],s:n,s:n,s:b}",
		      "id", id, "name", store_text(q, 1), "project_id", store_text(q, 2), "tenant_id",
		      store_text(q, 2), "description", store_text(q, 3), "admin_state_up",
		      store_bool(q, 4), "status", store_text(q, 5), "shared", store_bool(q, 6),
		      "router:external", store_bool(q, 7), "mtu", (json_int_t)store_int(q, 11),
		      "subnets", subnets, "tags", "created_at", network_time(store_int(q, 12)),
		      "updated_at", network_time(store_int(q, 13)), "revision_number",
		      (json_int_t)store_int(q, 14), "port_security_enabled", 1,
		      "availability_zone_hints", "availability_zones", "nova", "ipv4_address_scope",
		      "ipv6_address_scope", "l2_adjacency", 1);
	/* The segment is the operator's business (Neutron's policy). */
	if (n && policy_allows(c, "get_network:provider:network_type", NULL))
		json_object_set_new(n, "provider:network_type", json_string(store_text(q, 8)));
	if (n && policy_allows(c, "get_network:provider:physical_network", NULL))
		json_object_set_new(n, "provider:physical_network", phys ? json_string(phys) : json_null());
	if (n && policy_allows(c, "get_network:provider:segmentation_id", NULL))
		json_object_set_new(n, "provider:segmentation_id",
				    store_text(q, 10) ? json_integer(store_int(q, 10)) : json_null());
	return n;
}

int network_store_get(const struct caller *c, struct store *st, const char *id,
		      struct network_row *n, json_t **out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " NET_COLS " FROM network WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(n->id, sizeof(n->id), "%s", store_text(q, 0));
		snprintf(n->project_id, sizeof(n->project_id), "%s", store_text(q, 2));
		snprintf(n->network_type, sizeof(n->network_type), "%s", store_text(q, 8));
		n->shared = store_bool(q, 6);
		n->external = store_bool(q, 7);
		if (out && !(*out = network_store_render_row(c, st, q)))
			r = -ENOMEM;
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int network_store_insert(struct store *st, const struct network_new *n)
{
	int64_t now = now_usec();
	int r = store_exec(st,
			   "INSERT INTO network (id, name, project_id, description, admin_state_up,"
			   " status, shared, external, network_type, physical_network,"
			   " segmentation_id, segment_key, mtu, created_at, updated_at, revision)"
			   " VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   "ssssbbbsspsiiii", n->id, n->name ? n->name : "", n->project_id,
			   n->description ? n->description : "", n->admin_state_up, n->shared,
			   n->external, n->seg->type, n->seg->physnet[0] ? n->seg->physnet : NULL,
			   n->seg->id >= 0 ? &n->seg->id : NULL, n->seg->key, n->mtu, now, now,
			   store_txn_revision(st));

	return r < 0 ? r : 0;
}

int network_store_update(struct store *st, const char *id, const struct network_change *ch)
{
	int64_t up = ch->admin_state_up ? *ch->admin_state_up : 0;
	int64_t shared = ch->shared ? *ch->shared : 0, external = ch->external ? *ch->external : 0;
	int r = store_exec(st,
			   "UPDATE network SET name = COALESCE(?, name),"
			   " description = COALESCE(?, description),"
			   " admin_state_up = COALESCE(?, admin_state_up), shared = COALESCE(?, shared),"
			   " external = COALESCE(?, external), mtu = COALESCE(?, mtu),"
			   " updated_at = ?, revision = ? WHERE id = ?",
			   "sspppp"
			   "iis",
			   ch->name, ch->description, ch->admin_state_up ? &up : NULL,
			   ch->shared ? &shared : NULL, ch->external ? &external : NULL, ch->mtu,
			   now_usec(), store_txn_revision(st), id);

	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}

int network_store_delete(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM network WHERE id = ?", "s", id);

	return r < 0 ? r : 0;
}

int network_store_segment_taken(struct store *st, const char *key)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT 1 FROM network WHERE segment_key = ?", "s", key);

	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	return r;
}
