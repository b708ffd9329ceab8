/* store.c - back-end independent part of the store: argument binding,
 * transactions with the global revision, migrations. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/store.h"
#include "store/store_backend.h"

static const struct store_ops *const backends[] = { &store_sqlite_ops, &store_postgresql_ops };

static const struct store_ops *backend_of(const char *url)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const char *scheme = backends[i]->scheme;
		if (strncmp(url, scheme, strlen(scheme)) == 0)
			return backends[i];
	}
	/* Not the URL itself: it may hold a password. */
	log_error("store: unsupported database connection '%.*s...'", (int)strcspn(url, ":"), url);
	return NULL;
}

int store_open(const char *url, int busy_timeout_ms, struct store **out)
{
	const struct store_ops *ops = backend_of(url);

	return ops ? ops->open(url, busy_timeout_ms, out) : -EPROTONOSUPPORT;
}

int store_listen(const char *url, struct store_listener **out)
{
	const struct store_ops *ops = backend_of(url);

	if (!ops)
		return -EPROTONOSUPPORT;
	return ops->listen ? ops->listen(url, out) : -EOPNOTSUPP;
}

int store_listen_wait(struct store_listener *l, int timeout_ms, int64_t *revision)
{
	return l->ops->listen_wait(l, timeout_ms, revision);
}

void store_listen_close(struct store_listener *l)
{
	if (l)
		l->ops->listen_close(l);
}

void store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

static int bind_args(struct store_stmt *q, const char *fmt, va_list ap)
{
	const struct store_ops *ops = q->st->ops;
	int r = 0;

	for (int i = 0; fmt[i] && r >= 0; i++) {
		switch (fmt[i]) {
		case 's':
			r = ops->bind_text(q, i + 1, va_arg(ap, const char *));
			break;
		case 'i':
			r = ops->bind_int(q, i + 1, va_arg(ap, int64_t));
			break;
		case 'b':
			r = ops->bind_int(q, i + 1, va_arg(ap, int) ? 1 : 0);
			break;
		case 'p': {
			const int64_t *v = va_arg(ap, const int64_t *);
			r = v ? ops->bind_int(q, i + 1, *v)
			      : ops->bind_null_int ? ops->bind_null_int(q, i + 1)
						   : ops->bind_text(q, i + 1, NULL);
			break;
		}
		default:
			return -EINVAL;
		}
	}
	return r;
}

int store_vquery(struct store *st, struct store_stmt **out, const char *sql, const char *fmt,
		 va_list ap)
{
	struct store_stmt *q;
	int r = st->ops->prepare(st, sql, &q);

	if (r < 0)
		return r;
	r = bind_args(q, fmt, ap);
	if (r < 0) {
		st->ops->finish(q);
		return r;
	}
	*out = q;
	return 0;
}

int store_query(struct store *st, struct store_stmt **out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = store_vquery(st, out, sql, fmt, ap);
	va_end(ap);
	return r;
}

int store_exec(struct store *st, const char *sql, const char *fmt, ...)
{
	struct store_stmt *q;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = store_vquery(st, &q, sql, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	while ((r = st->ops->step(q)) > 0)
		;
	if (r == 0)
		r = st->ops->changes(q);
	st->ops->finish(q);
	return r;
}

int store_next(struct store_stmt *q)
{
	return q->st->ops->step(q);
}

const char *store_text(struct store_stmt *q, int col)
{
	return q->st->ops->column_text(q, col);
}

int64_t store_int(struct store_stmt *q, int col)
{
	return q->st->ops->column_int(q, col);
}

bool store_bool(struct store_stmt *q, int col)
{
	return q->st->ops->column_int(q, col) != 0;
}

void store_done(struct store_stmt *q)
{
	if (q)
		q->st->ops->finish(q);
}

int store_begin_read(struct store *st)
{
	int r = st->ops->begin(st, false);

	if (r == 0)
		st->in_txn = true;
	return r;
}

int store_begin_write(struct store *st)
{
	struct store_stmt *q;
	int r = st->ops->begin(st, true);

	if (r < 0)
		return r;
	st->in_txn = true;
	r = store_exec(st, "UPDATE meta SET revision = revision + 1", "");
	if (r >= 0)
		r = store_query(st, &q, "SELECT revision FROM meta", "");
	if (r >= 0) {
		r = store_next(q);
		if (r > 0)
			st->txn_revision = store_int(q, 0);
		store_done(q);
		r = r > 0 ? 0 : -EIO;
	}
	if (r < 0)
		store_rollback(st);
	return r;
}

int store_commit(struct store *st)
{
	int r = st->ops->commit(st);

	if (r < 0)
		store_rollback(st);
	st->in_txn = false;
	return r;
}

void store_rollback(struct store *st)
{
	if (!st->in_txn)
		return;
	st->ops->rollback(st);
	st->in_txn = false;
}

bool store_in_txn(const struct store *st)
{
	return st->in_txn;
}

int64_t store_txn_revision(const struct store *st)
{
	return st->txn_revision;
}

int store_revision(struct store *st, int64_t *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT revision FROM meta", "");

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		*out = store_int(q, 0);
	store_done(q);
	return r > 0 ? 0 : (r < 0 ? r : -EIO);
}

/* 1 when migration version is applied, 0 not, or -errno. Each version is
 * looked up, not compared with the highest: migrations numbered apart may
 * land in any order, and one landed after a higher one still applies. */
static int applied(struct store *st, int version)
{
	struct store_stmt *q;
	int r;

	/* The first migration creates schema_migrations; before it, nothing
	 * is applied. The back end's bootstrap script guarantees the table. */
	r = store_query(st, &q, "SELECT 1 FROM schema_migrations WHERE version = ?", "i",
			(int64_t)version);
	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	return r < 0 ? r : r > 0;
}

int store_migrate(struct store *st)
{
	int r;

	r = st->ops->exec_script(st, "CREATE TABLE IF NOT EXISTS schema_migrations ("
				     " version INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL)");
	if (r < 0)
		return r;
	r = st->ops->begin(st, true);
	if (r < 0)
		return r;
	st->in_txn = true;
	for (int i = 0; r >= 0 && i < store_migrations_count; i++) {
		const struct migration *m = &store_migrations[i];
		r = applied(st, m->version);
		if (r != 0)
			continue;
		log_info("store: applying migration %03d-%s", m->version, m->name);
		r = st->ops->exec_script(st, m->sql);
		if (r >= 0)
			r = store_exec(
			    st, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", "is",
			    (int64_t)m->version, m->name);
	}
	if (r < 0) {
		log_error("store: migration failed: %s", strerror(-r));
		store_rollback(st);
		return r;
	}
	return store_commit(st);
}
