/* store.h - the one interface to persistent state.
 *
 * A struct store is one connection, used by one thread at a time. SQL is
 * portable (standard types, '?' placeholders, no engine-specific syntax);
 * everything engine-specific (pragmas, busy handling, placeholder style)
 * lives in a back end: sqlite.c ("sqlite:///path") or postgresql.c
 * ("postgresql://user:pass@host:port/db", "postgresql:///db?host=/dir").
 *
 * Every write transaction bumps the global revision; rows record the
 * revision they last changed in (store_txn_revision()). Watches and
 * agents key off that number.
 *
 * Errors are -errno: -EEXIST unique violation, -ENOLINK foreign key
 * violation, -EBUSY lock wait timed out (or a deadlock or serialization
 * failure: the whole transaction may be tried again), -EIO anything else.
 * A failed statement leaves the transaction open and usable on every back
 * end: the caller decides whether to go on or roll back. */
#ifndef BASALT_STORE_H
#define BASALT_STORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct store;
struct store_stmt;
struct store_listener;

/* store.c */
/* Open a connection for url (see above). The caller owns *out. */
int store_open(const char *url, int busy_timeout_ms, struct store **out);
void store_close(struct store *st);
/* Apply every numbered migration not yet applied, in one transaction. */
int store_migrate(struct store *st);

int store_begin_read(struct store *st);
/* Begin a write transaction; takes the write lock at once and bumps the
 * global revision, so a writer never deadlocks upgrading a read lock. */
int store_begin_write(struct store *st);
int store_commit(struct store *st);
/* Roll back the open transaction, if any. Safe to call twice. */
void store_rollback(struct store *st);
/* True while a transaction is open on st. */
bool store_in_txn(const struct store *st);
/* The revision of the open write transaction. */
int64_t store_txn_revision(const struct store *st);
/* The current global revision, read from the store. */
int store_revision(struct store *st, int64_t *out);

/* Run sql with arguments described by fmt, one char each:
 * 's' const char * (NULL binds SQL NULL), 'i' int64_t, 'b' int as boolean,
 * 'p' const int64_t * (NULL binds SQL NULL). Placeholders are '?' or '?N'.
 * store_query hands back a statement to read rows from; the caller must
 * pass it to store_done. store_exec returns the number of rows changed. */
int store_query(struct store *st, struct store_stmt **out, const char *sql, const char *fmt, ...);
int store_exec(struct store *st, const char *sql, const char *fmt, ...);
int store_vquery(struct store *st, struct store_stmt **out, const char *sql, const char *fmt,
		 va_list ap);
/* Advance to the next row: 1 row ready, 0 no more rows, or -errno. */
int store_next(struct store_stmt *q);
/* Column values of the current row; text is NULL for SQL NULL and valid
 * until the next store_next or store_done. */
const char *store_text(struct store_stmt *q, int col);
int64_t store_int(struct store_stmt *q, int col);
bool store_bool(struct store_stmt *q, int col);
void store_done(struct store_stmt *q);

/* dump.c: the whole store as one JSON document (basaltd db export) and
 * back into a new store of any back end (db import: migrates it, then in
 * one transaction replaces the rows the migrations seeded with every row
 * of the document; the document's schema version must be this binary's;
 * -EEXIST when the target has had a write). 0 or -errno; an import that
 * fails leaves the target as it was. */
int store_export(struct store *st, FILE *out);
int store_import(struct store *st, FILE *in);

/* Commits of other processes (other controllers) on the same database.
 * store_listen opens a connection that hears of every committed write
 * transaction, or says -EOPNOTSUPP for a back end that cannot (SQLite:
 * poll store_revision). The caller owns *out. */
int store_listen(const char *url, struct store_listener **out);
/* Wait up to timeout_ms: 1 when write transactions committed (*revision
 * the highest), 0 when none did, -errno when the connection failed (it is
 * made again on the next call; commits meanwhile go unheard). */
int store_listen_wait(struct store_listener *l, int timeout_ms, int64_t *revision);
void store_listen_close(struct store_listener *l);

/* lease.c */
/* In the open write transaction: take (or renew) lease name for holder
 * until now + ttl_usec when it is free, expired or holder's already.
 * Returns 1 when holder holds it now, 0 when another holder's has not
 * expired, -errno. A caller that gets 0 rolls back and leaves the job to
 * the holder. */
int store_lease_take(struct store *st, const char *name, const char *holder, int64_t now,
		     int64_t ttl_usec);
/* This process's holder name: "HOST:PID" (a restarted controller is a
 * new holder: it waits for its old lease to expire). */
void store_lease_holder(const char *host, char *out, size_t len);

#endif
