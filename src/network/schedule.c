/* schedule.c - which network node carries a router (with its ports and
 * floating IPs) or a network's DHCP port: the alive network host with the
 * fewest routers, and a registering network host adopting the orphans. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

/* Whether a comma list of roles names role. */
static bool has_role(const char *roles, const char *role)
{
	size_t n = strlen(role);

	for (const char *p = roles; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, role, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* A host row serves the network role now: it has the role and its
 * heartbeat is recent. last_seen NULL (no such host) is never alive. */
static bool serving(const struct basalt *b, struct store_stmt *q, int roles_col, int seen_col)
{
	return store_text(q, seen_col) && has_role(store_text(q, roles_col), "network") &&
	       host_alive(b, store_int(q, seen_col));
}

int network_host_pick(struct basalt *b, struct store *st, char host[256])
{
	struct store_stmt *q;
	int r;

	host[0] = '\0';
	/* Ties go to the name, so the choice is stable and testable. */
	r = store_query(st, &q, router_store_hosts_sql, "");
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (!serving(b, q, 1, 2))
			continue;
		snprintf(host, 256, "%s", store_text(q, 0));
		break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

/* Ids from one column of a query (new reference, NULL on error). Read
 * first, updated after: a statement is never left open across writes. */
static json_t *orphans(struct basalt *b, struct store *st, const char *sql, const char *host,
		       int *err)
{
	json_t *ids = json_array();
	struct store_stmt *q;
	int r;

	if (!ids) {
		*err = -ENOMEM;
		return NULL;
	}
	r = store_query(st, &q, sql, "s", host);
	if (r == 0) {
		while ((r = store_next(q)) > 0)
			if (!serving(b, q, 1, 2))
				json_array_append_new(ids, json_string(store_text(q, 0)));
		store_done(q);
	}
	if (r < 0) {
		*err = r;
		json_decref(ids);
		return NULL;
	}
	return ids;
}

int network_schedule(struct basalt *b, struct store *st, const char *host)
{
	_cleanup_json_ json_t *routers = NULL, *dhcp = NULL;
	const json_t *id;
	size_t i;
	int r = 0;

	/* Columns: 0 id, 1 roles of its host, 2 last_seen (NULL: no host). */
	routers = orphans(b, st, router_store_orphans_sql, host, &r);
	if (!routers)
		return r;
	dhcp = orphans(b, st, port_store_dhcp_orphans_sql, host, &r);
	if (!dhcp)
		return r;
	json_array_foreach(routers, i, id) {
		const char *rid = json_string_value(id);
		r = router_store_set_host(st, rid, host);
		if (r >= 0)
			r = port_store_set_router_host(st, rid, host);
		if (r < 0)
			return r;
	}
	json_array_foreach(dhcp, i, id) {
		r = port_store_set_host(st, json_string_value(id), host);
		if (r < 0)
			return r;
	}
	return 0;
}

int network_router_place(struct store *st, const char *router_id, const char *host)
{
	int r = router_store_set_host(st, router_id, host);

	/* A port's binding:host_id is "" when unbound. */
	if (r >= 0)
		r = port_store_set_router_host(st, router_id, host ? host : "");
	/* Unscheduled: its floating IPs stop working now, and say so (as
	 * Neutron's L3 agent reports them DOWN when it drops the router). The
	 * node that takes it reports them ACTIVE again. */
	if (r >= 0 && !host)
		r = fip_store_router_down(st, router_id);
	return r < 0 ? r : 0;
}
