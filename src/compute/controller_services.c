/* controller_services.c - the services a controller runs, as Nova shows
 * them: nova-scheduler and nova-conductor on each controller's host, in
 * the zone "internal" (migration 035). Each controller process makes its
 * rows at start and heartbeats them every [compute] heartbeat_interval
 * from the API server's watch thread, so that os-services' state is real
 * for every controller behind a load balancer: one that stops is down
 * after service_down_time, as a compute host is. The table is this
 * file's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"

/* Nova's topics of the services a controller runs (os-hosts' "service");
 * the binary is "nova-" and the topic. */
static const char *const topics[] = { "scheduler", "conductor" };

int ctlsvc_max_num(struct store *st, int64_t *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT COALESCE(MAX(service_num), 0) FROM controller_service",
			    "");

	if (r < 0)
		return r;
	r = store_next(q);
	*out = r > 0 ? store_int(q, 0) : 0;
	store_done(q);
	return r < 0 ? r : 0;
}

/* Refresh or make host's row of topic, in the caller's write
 * transaction. A new row (first start, or after os-services deleted it)
 * takes a new uuid and the next integer id of both service tables. */
static int beat(struct store *st, const char *host, const char *topic, int64_t now)
{
	char sid[UUID_LEN + 1];
	int64_t ctl, cmp;
	int r = store_exec(st,
			   "UPDATE controller_service SET last_seen = ?, revision = ?"
			   " WHERE host = ? AND topic = ?",
			   "iiss", now, store_txn_revision(st), host, topic);

	if (r != 0)
		return r < 0 ? r : 0;
	r = ctlsvc_max_num(st, &ctl);
	if (r >= 0)
		r = host_service_num_max(st, &cmp);
	if (r < 0)
		return r;
	uuid_new(sid);
	r = store_exec(st,
		       "INSERT INTO controller_service (host, topic, service_id, service_num,"
		       " last_seen, created_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "sssiiii", host, topic, sid, (ctl > cmp ? ctl : cmp) + 1, now, now,
		       store_txn_revision(st));
	return r < 0 ? r : 0;
}

int ctlsvc_heartbeat(struct basalt *b)
{
	struct store *st = basalt_store(b);
	int64_t now = now_usec();
	int r;

	if (!st)
		return -EIO;
	/* The usual beat: both rows are there, their last_seen moves on, out
	 * of a write transaction: a heartbeat changes nothing that agents or
	 * caches follow, so it takes no revision (and wakes no long poll). */
	r = store_exec(st, "UPDATE controller_service SET last_seen = ? WHERE host = ?", "is", now,
		       b->cfg.host);
	if (r < 0)
		return r;
	if (r == (int)ARRAY_SIZE(topics))
		return 0;
	/* A row to make (first start, or deleted from the store): the ids
	 * are taken in a write transaction, as a compute host's are. */
	r = store_begin_write(st);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(topics); i++)
		r = beat(st, b->cfg.host, topics[i], now);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st);
}

void ctlsvc_tick(struct basalt *b)
{
	/* Only the watch thread calls this (and basaltd before it starts). */
	static int64_t last;
	int64_t now = now_usec();
	int r;

	if (last && now - last < (int64_t)b->cfg.heartbeat_interval * 1000000)
		return;
	last = now;
	r = ctlsvc_heartbeat(b);
	if (r < 0)
		log_warn("controller: heartbeat of its services failed: %s", strerror(-r));
}

/* Columns: 0 host, 1 binary, 2 service_id, 3 service_num, 4 last_seen,
 * 5 topic. */
int ctlsvc_query(struct store *st, const char *host, const char *binary, const char *id,
		 struct store_stmt **q)
{
	return store_query(st, q,
			   "SELECT host, 'nova-' || topic, service_id, service_num, last_seen, topic"
			   " FROM controller_service WHERE (?1 IS NULL OR host = ?1)"
			   " AND (?2 IS NULL OR 'nova-' || topic = ?2)"
			   " AND (?3 IS NULL OR service_id = ?3)"
			   " ORDER BY host, service_num",
			   "sss", host, binary, id);
}
