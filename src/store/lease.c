/* lease.c - named leases in the store: which controller runs a job that
 * must run once however many controllers share the database (migration
 * 025). A lease is taken in the write transaction of the job it guards,
 * so it costs no transaction of its own, and it expires by itself when
 * its holder dies. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "store/store.h"

int store_lease_take(struct store *st, const char *name, const char *holder, int64_t now,
		     int64_t ttl_usec)
{
	int r;

	r = store_exec(st,
		       "UPDATE lease SET holder = ?1, expires_at = ?2, revision = ?3"
		       " WHERE name = ?4 AND (holder = ?1 OR expires_at <= ?5)",
		       "siisi", holder, now + ttl_usec, store_txn_revision(st), name, now);
	if (r != 0)
		return r < 0 ? r : 1;
	/* No row for name, or another live holder's. A lease migrations did
	 * not make is made here (the first to insert it wins). */
	r = store_exec(st,
		       "INSERT INTO lease (name, holder, expires_at, revision)"
		       " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM lease WHERE name = ?1)",
		       "ssii", name, holder, now + ttl_usec, store_txn_revision(st));
	if (r == -EEXIST)
		return 0;
	return r < 0 ? r : r > 0;
}

void store_lease_holder(const char *host, char *out, size_t len)
{
	snprintf(out, len, "%s:%ld", host, (long)getpid());
}
