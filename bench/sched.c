/* sched.c - scheduler decisions per second with 1,000 registered hosts
 * (bench/compute runs it; not a test). In process: each decision is
 * scheduler_place() inside a write transaction that records a server and
 * claims its resources, committed, as the API does it - without HTTP,
 * token validation or the quota check around it. With ROLLBACK set in the
 * environment each transaction is rolled back instead: the scheduler's own
 * cost, without the commit's fsync and with no allocations piling up. */
#include <stdio.h>
#include <time.h>

#include "compute/compute.h"
#include "harness.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int hosts = argc > 1 ? atoi(argv[1]) : 1000, decisions = argc > 2 ? atoi(argv[2]) : 4000;
	char dir[] = "/tmp/basalt-bench-sched.XXXXXX", host[256];
	struct sched_request req = { 1, 64, 1, "nova", NULL, NULL, NULL, NULL };
	struct basalt b;
	struct store *st;
	int placed = 0;
	double t0, t;

	log_set_level(LOG_ERROR);
	if (harness_start(&b, dir) < 0 || !(st = basalt_store(&b)))
		return 1;
	if (store_begin_write(st) < 0)
		return 1;
	for (int i = 0; i < hosts; i++) {
		char name[32], sid[ID_HEX_LEN + 1];
		snprintf(name, sizeof(name), "h%04d", i);
		id_new(sid);
		if (store_exec(st,
			       "INSERT INTO host (name, service_id, roles, vcpus, memory_mb, disk_gb,"
			       " enabled, last_seen, created_at, revision)"
			       " VALUES (?, ?, 'compute', 64, 262144, 4096, 1, ?, ?, ?)",
			       "ssiii", name, sid, now_usec() + 3600000000LL, now_usec(),
			       store_txn_revision(st)) < 0)
			return 1;
	}
	if (store_commit(st) < 0)
		return 1;
	t0 = now_s();
	for (int i = 0; i < decisions; i++) {
		char id[ID_HEX_LEN + 1];
		id_new(id);
		if (store_begin_write(st) < 0 ||
		    store_exec(st,
			       "INSERT INTO server (id, name, project_id, user_id, flavor_id, flavor_name,"
			       " vcpus, ram, disk, ephemeral, swap, availability_zone, vm_state,"
			       " created_at, updated_at, revision) VALUES (?, 'b', 'p', 'u', 'f', 'f',"
			       " 1, 64, 1, 0, 0, 'nova', 'building', 0, 0, ?)",
			       "si", id, store_txn_revision(st)) < 0)
			return 1;
		placed += scheduler_place(&b, st, id, &req, host) > 0;
		if (getenv("ROLLBACK"))
			store_rollback(st);
		else if (store_commit(st) < 0)
			return 1;
	}
	t = now_s() - t0;
	printf("scheduler: %d decisions over %d hosts in %.2f s = %.0f decisions/s (%d placed)\n",
	       decisions, hosts, t, decisions / t, placed);
	harness_stop(&b, dir);
	return 0;
}
