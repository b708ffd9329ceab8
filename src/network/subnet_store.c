/* subnet_store.c - the subnet table: the only file of src/network that
 * writes it or reads it for the API (the agents' desired state,
 * desired_l2.c and desired_l3.c, read it in their own joins, read-only).
 * Every call works in the caller's transaction and never commits. No
 * policy here: subnets.c and router_interfaces.c decide who may do what. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "network/network.h"
#include "network/subnet_check.h"
#include "policy/policy.h"
#include "store/store.h"

/* The subnet's columns, then its network's project and shared flag (the
 * policy target, subnet_store_target). */
#define SUBNET_SELECT                                                                              \
	"SELECT s.id, s.network_id, s.project_id, s.name, s.description, s.ip_version, s.cidr,"    \
	" s.gateway_ip, s.enable_dhcp, s.dns_nameservers, s.host_routes, s.allocation_pools,"      \
	" s.created_at, s.updated_at, s.revision, n.project_id, n.shared"                          \
	" FROM subnet s JOIN network n ON n.id = s.network_id"

const char subnet_store_list_sql[] = SUBNET_SELECT " ORDER BY s.created_at, s.id";

void subnet_store_target(struct store_stmt *q, struct target *t)
{
	t->project_id = store_text(q, 2);
	t->network_project_id = store_text(q, 15);
	t->shared = store_bool(q, 16);
}

static json_t *json_text(const char *text)
{
	json_t *v = json_loads(text ? text : "[]", 0, NULL);

	return v ? v : json_array();
}

json_t *subnet_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q)
{
	const char *gw = store_text(q, 7);

	(void)c;
	(void)st;
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:b,s:o,s:o,s:o,s:[],s:o,s:o,s:I,"
			 "s:n,s:n,s:n,s:[],s:n}",
			 "id", store_text(q, 0), "network_id", store_text(q, 1), "project_id",
			 store_text(q, 2), "tenant_id", store_text(q, 2), "name", store_text(q, 3),
			 "description", store_text(q, 4), "ip_version", (json_int_t)store_int(q, 5),
			 "cidr", store_text(q, 6), "gateway_ip", gw ? json_string(gw) : json_null(),
			 "enable_dhcp", store_bool(q, 8), "dns_nameservers", json_text(store_text(q, 9)),
			 "host_routes", json_text(store_text(q, 10)), "allocation_pools",
			 json_text(store_text(q, 11)), "tags", "created_at",
			 network_time(store_int(q, 12)), "updated_at", network_time(store_int(q, 13)),
			 "revision_number", (json_int_t)store_int(q, 14), "ipv6_address_mode",
			 "ipv6_ra_mode", "subnetpool_id", "service_types", "segment_id");
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int subnet_store_get(const struct caller *c, struct store *st, const char *id,
		     struct subnet_row *sn, json_t **out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, SUBNET_SELECT " WHERE s.id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		copy(sn->id, sizeof(sn->id), store_text(q, 0));
		copy(sn->network_id, sizeof(sn->network_id), store_text(q, 1));
		copy(sn->project_id, sizeof(sn->project_id), store_text(q, 2));
		copy(sn->cidr, sizeof(sn->cidr), store_text(q, 6));
		copy(sn->gateway_ip, sizeof(sn->gateway_ip), store_text(q, 7));
		copy(sn->network_project_id, sizeof(sn->network_project_id), store_text(q, 15));
		sn->shared = store_bool(q, 16);
		sn->enable_dhcp = store_bool(q, 8);
		if (out && !(*out = subnet_store_render_row(c, st, q)))
			r = -ENOMEM;
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int subnet_store_pools(struct store *st, const char *id, const char *network_id, char cidr[65],
		       char **pools)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT cidr, allocation_pools FROM subnet WHERE id = ? AND network_id = ?",
			    "ss", id, network_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		copy(cidr, 65, store_text(q, 0));
		*pools = strdup(store_text(q, 1) ? store_text(q, 1) : "[]");
		if (!*pools)
			r = -ENOMEM;
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

json_t *subnet_store_ids(struct store *st, const char *network_id, bool dhcp_only, int *err)
{
	return network_ids(st, err,
			   "SELECT id FROM subnet WHERE network_id = ? AND ip_version = 4"
			   " AND (? = 0 OR enable_dhcp = 1) ORDER BY created_at, id",
			   "sb", network_id, dhcp_only);
}

static int cidr_row(struct store_stmt *q, json_t *out, void *ctx)
{
	(void)ctx;
	return json_array_append_new(out, json_pack("{s:s,s:s}", "id", store_text(q, 0), "cidr",
						    store_text(q, 1))) < 0
		       ? -ENOMEM
		       : 0;
}

json_t *subnet_store_cidrs(struct store *st, const char *network_id, int *err)
{
	return network_rows(st, cidr_row, NULL, err,
			    "SELECT id, cidr FROM subnet WHERE network_id = ? ORDER BY created_at, id",
			    "s", network_id);
}

int subnet_store_insert(struct store *st, const struct subnet_input *in, const char *id)
{
	_cleanup_free_ char *dns = json_dumps(in->dns, JSON_COMPACT);
	_cleanup_free_ char *routes = json_dumps(in->routes, JSON_COMPACT);
	_cleanup_free_ char *pools = json_dumps(in->pools, JSON_COMPACT);
	int64_t now = now_usec();
	int r = store_exec(st,
			   "INSERT INTO subnet (id, network_id, project_id, name, description,"
			   " ip_version, cidr, gateway_ip, enable_dhcp, dns_nameservers,"
			   " host_routes, allocation_pools, created_at, updated_at, revision)"
			   " VALUES (?, ?, ?, ?, ?, 4, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   "sssssssbsssiii", id, in->network_id, in->project_id, in->name,
			   in->description, in->cidr, in->gateway[0] ? in->gateway : NULL,
			   in->enable_dhcp, dns, routes, pools, now, now, store_txn_revision(st));

	return r < 0 ? r : 0;
}

int subnet_store_update(struct store *st, const struct subnet_input *in, const char *id)
{
	_cleanup_free_ char *dns = json_dumps(in->dns, JSON_COMPACT);
	_cleanup_free_ char *routes = json_dumps(in->routes, JSON_COMPACT);
	_cleanup_free_ char *pools = json_dumps(in->pools, JSON_COMPACT);
	int r = store_exec(st,
			   "UPDATE subnet SET name = ?, description = ?, gateway_ip = ?,"
			   " enable_dhcp = ?, dns_nameservers = ?, host_routes = ?,"
			   " allocation_pools = ?, updated_at = ?, revision = ? WHERE id = ?",
			   "sssbsssiis", in->name, in->description, in->gateway[0] ? in->gateway : NULL,
			   in->enable_dhcp, dns, routes, pools, now_usec(), store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

int subnet_store_delete(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM subnet WHERE id = ?", "s", id);

	return r < 0 ? r : 0;
}

int subnet_store_delete_on_network(struct store *st, const char *network_id)
{
	int r = store_exec(st, "DELETE FROM subnet WHERE network_id = ?", "s", network_id);

	return r < 0 ? r : 0;
}
