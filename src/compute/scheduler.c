/* scheduler.c - placement and scheduling in one transaction: filter the
 * compute hosts (enabled, heartbeat alive, capacity, availability zone,
 * the same_host/different_host hints, the server group's hard policy),
 * weigh them (a soft group policy first, then most free RAM, then fewest
 * servers), and claim the resources on the winner. The caller's write
 * transaction makes the claim atomic with recording the server, so
 * concurrent creates never overbook. Each host row keeps its usage (the
 * sum of its allocations), changed only here, in the same transactions
 * as the allocations. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/util.h"
#include "store/store.h"

/* What a host can still take of one resource: (total - reserved) × ratio
 * - used, as placement computes capacity. */
static double headroom(int64_t total, int64_t reserved, double ratio, int64_t used)
{
	return (double)(total - reserved) * ratio - (double)used;
}

/* 1 when host holds one of the servers in ids (an array of ids), 0 when
 * none (or ids is NULL), or -errno. */
static int host_holds_any(struct store *st, const char *host, const json_t *ids)
{
	size_t i;
	json_t *v;
	int r = 0;

	json_array_foreach(ids, i, v) {
		struct store_stmt *q;
		r = store_query(st, &q, "SELECT 1 FROM server WHERE id = ? AND host = ?", "ss",
				json_string_value(v), host);
		if (r < 0)
			return r;
		r = store_next(q);
		store_done(q);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Nova's SameHostFilter and DifferentHostFilter: 1 when host passes both,
 * 0 when not, or -errno. */
static int hints_pass(struct store *st, const char *host, const struct sched_request *req)
{
	int r;

	if (req->same_host && json_array_size(req->same_host) > 0) {
		r = host_holds_any(st, host, req->same_host);
		if (r <= 0)
			return r;
	}
	r = host_holds_any(st, host, req->different_host);
	return r < 0 ? r : !r;
}

/* The server group of a request as the filters and weighers see it. */
struct sched_group {
	struct server_group g;
	bool any_hosted; /* affinity: some member is on a host already */
};

/* Nova's ServerGroupAffinityFilter (the group's hosts, once it has one)
 * and ServerGroupAntiAffinityFilter (fewer than max_server_per_host
 * members on the host), and the soft weighers' score (soft-affinity:
 * the members on the host, soft-anti-affinity: minus them). 1 when host
 * passes (*score set), 0 when not, or -errno. */
static int group_pass(struct store *st, const char *host, const char *id,
		      const struct sched_group *sg, int64_t *score)
{
	const char *p = sg->g.policy;
	int64_t on = server_group_on_host(st, id, host);

	*score = 0;
	if (on < 0)
		return (int)on;
	if (strcmp(p, "affinity") == 0)
		return !sg->any_hosted || on > 0;
	if (strcmp(p, "anti-affinity") == 0)
		return on < sg->g.max_per_host;
	*score = strcmp(p, "soft-affinity") == 0 ? on : -on;
	return 1;
}

int scheduler_place(struct basalt *b, struct store *st, const char *server_id,
		    const struct sched_request *req, char host[256])
{
	const struct config *c = &b->cfg;
	struct store_stmt *q;
	struct sched_group sg = { 0 };
	double best_ram = -1;
	int64_t best_count = 0, best_score = 0, score = 0;
	bool group = req->group && !req->host;
	int r;

	host[0] = '\0';
	if (group) {
		int64_t hosted;
		r = server_group_load(st, NULL, req->group, &sg.g);
		if (r < 0)
			return r;
		hosted = server_group_on_host(st, req->group, NULL);
		if (hosted < 0)
			return (int)hosted;
		sg.any_hosted = hosted > 0;
	}
	/* A forced host (Nova's "zone:host", admins only) skips the enabled
	 * filter, as Nova's does; it must still be alive (not forced down)
	 * and fit. */
	r = store_query(st, &q,
			"SELECT name, vcpus, memory_mb, disk_gb, last_seen, vcpus_used, memory_mb_used,"
			" disk_gb_used, servers FROM host WHERE roles LIKE '%compute%'"
			" AND forced_down = 0 AND (?1 IS NULL AND enabled = 1 OR name = ?1)",
			"s", req->host);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		double cpu = headroom(store_int(q, 1), c->reserved_host_cpus,
				      c->cpu_allocation_ratio, store_int(q, 5));
		double ram = headroom(store_int(q, 2), c->reserved_host_memory_mb,
				      c->ram_allocation_ratio, store_int(q, 6));
		double disk = headroom(store_int(q, 3), c->reserved_host_disk_mb / 1024,
				       c->disk_allocation_ratio, store_int(q, 7));
		int64_t count = store_int(q, 8);

		if (!host_alive(b, store_int(q, 4)) || cpu < req->vcpus || ram < req->ram_mb ||
		    disk < req->disk_gb)
			continue;
		/* Nova's AvailabilityZoneFilter: only hosts of the zone asked
		 * for (a forced host skips it, as Nova's filters). */
		if (!req->host && req->availability_zone && req->availability_zone[0]) {
			char zone[256];
			r = aggregate_host_zone(st, store_text(q, 0), zone);
			if (r < 0)
				break;
			if (strcmp(zone, req->availability_zone) != 0)
				continue;
		}
		if (!req->host) {
			r = hints_pass(st, store_text(q, 0), req);
			if (r < 0)
				break;
			if (r == 0)
				continue;
		}
		if (group) {
			r = group_pass(st, store_text(q, 0), req->group, &sg, &score);
			if (r < 0)
				break;
			if (r == 0)
				continue;
		}
		/* Nova sums its weighers' normalised weights (RAM, the soft
		 * group policies, ...); here a soft policy's score comes
		 * first and free RAM breaks its ties: a preference only,
		 * never a reason to refuse a host. */
		if (!host[0] || score > best_score ||
		    (score == best_score &&
		     (ram > best_ram || (ram == best_ram && count < best_count)))) {
			best_score = score;
			best_ram = ram;
			best_count = count;
			snprintf(host, 256, "%s", store_text(q, 0));
		}
	}
	store_done(q);
	if (r < 0)
		return r;
	if (!host[0])
		return 0;
	r = store_exec(st,
		       "INSERT INTO allocation (server_id, host, vcpus, memory_mb, disk_gb, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?)",
		       "ssiiii", server_id, host, (int64_t)req->vcpus, (int64_t)req->ram_mb,
		       (int64_t)req->disk_gb, store_txn_revision(st));
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE host SET vcpus_used = vcpus_used + ?, memory_mb_used ="
			       " memory_mb_used + ?, disk_gb_used = disk_gb_used + ?, servers = servers + 1"
			       " WHERE name = ?",
			       "iiis", (int64_t)req->vcpus, (int64_t)req->ram_mb, (int64_t)req->disk_gb,
			       host);
	return r < 0 ? r : 1;
}

int scheduler_release(struct store *st, const char *server_id)
{
	/* Subtract the server's allocation from its host (nothing when it
	 * holds none), then drop it; the caller deletes the server. */
	int r = store_exec(st,
			   "UPDATE host SET"
			   " vcpus_used = vcpus_used - (SELECT vcpus FROM allocation WHERE server_id = ?1),"
			   " memory_mb_used = memory_mb_used -"
			   " (SELECT memory_mb FROM allocation WHERE server_id = ?1),"
			   " disk_gb_used = disk_gb_used - (SELECT disk_gb FROM allocation WHERE server_id = ?1),"
			   " servers = servers - 1"
			   " WHERE name = (SELECT host FROM allocation WHERE server_id = ?1)",
			   "s", server_id);

	if (r >= 0)
		r = store_exec(st, "DELETE FROM allocation WHERE server_id = ?", "s", server_id);
	return r;
}
