/* postgresql.c - the PostgreSQL store back end (libpq).
 *
 * URLs: postgresql://user:pass@host:port/db and the unix-socket form
 * postgresql:///db?host=/run/postgresql (libpq parses both).
 *
 * Concurrency. Writers are serialised as SQLite serialises them: a write
 * transaction runs at READ COMMITTED and its first statement (store.c's
 * "UPDATE meta SET revision = revision + 1") locks the one meta row until
 * COMMIT, so no two write transactions overlap, whichever controller runs
 * them. Each later statement of the writer takes a fresh snapshot, which
 * sees every write committed before the lock was granted: a scheduler
 * claim, an IP allocation or a quota count reads the rows the previous
 * writer left and no other writer can change them before this one commits.
 * The revision is bumped under that lock, so revisions are strictly
 * increasing in commit order. (SERIALIZABLE would also be correct but fails
 * transactions that the lock simply queues; the lock is the simplest
 * correct choice and matches store.h's single-writer contract.) A writer
 * waits for the lock at most [database] busy_timeout_ms (lock_timeout),
 * then gets -EBUSY, the HTTP 503 "retry" the SQLite back end gives.
 * Deadlocks and serialization failures, which this scheme leaves only to
 * writes outside store_begin_write, are -EBUSY as well. Read transactions
 * run at REPEATABLE READ READ ONLY: one consistent snapshot, as a SQLite
 * read transaction sees.
 *
 * A failed statement aborts a whole PostgreSQL transaction, while SQLite
 * leaves it usable (callers insert, see -EEXIST, and go on): inside a
 * transaction every statement that is not a SELECT runs under a savepoint
 * that is rolled back when it fails.
 *
 * Wake-ups: a write transaction NOTIFYs channel "basalt_revision" with its
 * revision just before COMMIT (delivered at commit, to every listener of
 * every process); store_listen opens the connection that LISTENs.
 *
 * Parameters: '?N' becomes $N and '?' the next number (SQLite's rule).
 * Values travel as text typed as the caller bound them, NULLs too ('s'
 * text, 'i' 'b' 'p' bigint), which PostgreSQL casts to a column's varchar
 * or integer: "?1 IS NULL OR name = ?1" needs a type before the server
 * sees the comparison. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/store_backend.h"

#define SQL_CACHE_SIZE 512
#define MAX_PARAMS     64
#define NOTIFY_CHANNEL "basalt_revision"
/* Type OIDs (server/catalog/pg_type_d.h, stable across versions). */
#define INT8OID 20
#define TEXTOID 25

/* One translated statement, cached by the address of its SQL. */
struct pg_sql {
	const char *key;
	char *text;  /* a copy of the SQL: a reused buffer must not hit */
	char *pgsql; /* with $N placeholders */
	int nparams;
	bool write; /* not a SELECT: under a savepoint inside a transaction */
};

struct pg_stmt {
	struct store_stmt base;
	const char *text; /* the caller's SQL (static lifetime) */
	char *pgsql;	  /* a copy: a nested prepare may evict the cache entry */
	int nparams;
	bool write;
	char *vals[MAX_PARAMS];
	Oid types[MAX_PARAMS];
	PGresult *res;
	int row, nrows, changes;
	bool ran;
};

struct pg_store {
	struct store base;
	PGconn *conn;
	int busy_timeout_ms;
	bool write; /* the open transaction is a write */
	struct pg_sql cache[SQL_CACHE_SIZE];
};

static struct pg_store *to_pg(struct store *st)
{
	return (struct pg_store *)st;
}

/* Map a failed result (or none) to -errno; logs what is not expected. */
static int map_error(PGconn *conn, const PGresult *res, const char *sql)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);

	if (state) {
		if (strcmp(state, "23505") == 0) /* unique_violation */
			return -EEXIST;
		if (strcmp(state, "23503") == 0) /* foreign_key_violation */
			return -ENOLINK;
		if (strcmp(state, "40001") == 0 || /* serialization_failure */
		    strcmp(state, "40P01") == 0 || /* deadlock_detected */
		    strcmp(state, "55P03") == 0)   /* lock_not_available (lock_timeout) */
			return -EBUSY;
		if (strncmp(state, "23", 2) == 0) { /* not null, check */
			log_debug("store: postgresql: %s", msg);
			return -EINVAL;
		}
	}
	log_error("store: postgresql: %s%s%s%s", state ? state : "", state ? " " : "",
		  msg && *msg ? msg : "connection lost", sql ? sql : "");
	return -EIO;
}

/* Run one statement with no parameters; 0 or -errno. */
static int run_simple(struct pg_store *s, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType t = PQresultStatus(res);
	int r = 0;

	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_EMPTY_QUERY)
		r = map_error(s->conn, res, NULL);
	PQclear(res);
	return r;
}

static void notice(void *arg, const char *message)
{
	log_debug("store: postgresql: %s", message);
}

/* Settings of every session; "SET" so they come back after a reset. */
static int session_setup(struct pg_store *s)
{
	char sql[160];

	PQsetNoticeProcessor(s->conn, notice, NULL);
	snprintf(sql, sizeof(sql),
		 "SET lock_timeout = %d; SET client_min_messages = warning;"
		 " SET standard_conforming_strings = on",
		 s->busy_timeout_ms);
	return run_simple(s, sql);
}

static int connect_url(const char *url, PGconn **out)
{
	PGconn *conn = PQconnectdb(url);

	if (PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message names host and database, never the password. */
		log_error("store: cannot connect to postgresql: %s",
			  conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return -EIO;
	}
	*out = conn;
	return 0;
}

static int pg_open(const char *url, int busy_timeout_ms, struct store **out)
{
	struct pg_store *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->base.ops = &store_postgresql_ops;
	s->busy_timeout_ms = busy_timeout_ms;
	r = connect_url(url, &s->conn);
	if (r == 0)
		r = session_setup(s);
	if (r < 0) {
		PQfinish(s->conn);
		free(s);
		return r;
	}
	*out = &s->base;
	return 0;
}

static void sql_free(struct pg_sql *e)
{
	free(e->text);
	free(e->pgsql);
	memset(e, 0, sizeof(*e));
}

static void pg_close(struct store *st)
{
	struct pg_store *s = to_pg(st);

	for (int i = 0; i < SQL_CACHE_SIZE; i++)
		sql_free(&s->cache[i]);
	PQfinish(s->conn);
	free(s);
}

/* A connection lost between transactions (a restarted server, a failover)
 * is made again before the next one; inside one, the error stands. */
static int ensure_connected(struct pg_store *s)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	log_warn("store: postgresql connection lost; reconnecting");
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return map_error(s->conn, NULL, NULL);
	return session_setup(s);
}

static int pg_exec_script(struct store *st, const char *sql)
{
	struct pg_store *s = to_pg(st);
	int r = st->in_txn ? 0 : ensure_connected(s);

	return r < 0 ? r : run_simple(s, sql);
}

static int pg_begin(struct store *st, bool write)
{
	struct pg_store *s = to_pg(st);
	int r = ensure_connected(s);

	if (r < 0)
		return r;
	s->write = write;
	return run_simple(s, write ? "BEGIN ISOLATION LEVEL READ COMMITTED"
				   : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

static int pg_commit(struct store *st)
{
	struct pg_store *s = to_pg(st);
	char sql[96];

	if (!s->write)
		return run_simple(s, "COMMIT");
	/* Delivered when (and only if) the transaction commits. */
	snprintf(sql, sizeof(sql), "NOTIFY " NOTIFY_CHANNEL ", '%" PRId64 "'; COMMIT",
		 st->txn_revision);
	return run_simple(s, sql);
}

static void pg_rollback(struct store *st)
{
	struct pg_store *s = to_pg(st);

	if (PQstatus(s->conn) == CONNECTION_OK)
		run_simple(s, "ROLLBACK");
}

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Translate sql's placeholders (and REGEXP) into e (which then owns its
 * strings). */
static int translate(const char *sql, struct pg_sql *e)
{
	size_t n = strlen(sql);
	/* "?" grows to at most "$64" (3 bytes for 1); "?N" never grows. */
	char *out = malloc(n * 3 + 1), *o = out;
	int max = 0;
	char quote = 0;

	if (!out)
		return -ENOMEM;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			*o++ = *p;
			continue;
		}
		if (*p == '\'' || *p == '"') {
			quote = *p;
			*o++ = *p;
			continue;
		}
		if (*p == '-' && p[1] == '-') {
			while (p[1] && p[1] != '\n')
				*o++ = *p++;
			*o++ = *p;
			continue;
		}
		/* REGEXP, the store's regular-expression match (sqlite.c), is
		 * PostgreSQL's ~ (a word of its own, in capitals, as written). */
		if (strncmp(p, "REGEXP", 6) == 0 && (p == sql || !is_word_char(p[-1])) &&
		    !is_word_char(p[6])) {
			*o++ = '~';
			p += 5;
			continue;
		}
		if (*p != '?') {
			*o++ = *p;
			continue;
		}
		int num;
		if (isdigit((unsigned char)p[1])) {
			num = (int)strtol(p + 1, (char **)&p, 10);
			p--;
		} else {
			num = max + 1;
		}
		if (num < 1 || num > MAX_PARAMS) {
			free(out);
			log_error("store: postgresql: placeholder ?%d out of range in %s", num,
				  sql);
			return -EINVAL;
		}
		if (num > max)
			max = num;
		o += sprintf(o, "$%d", num);
	}
	*o = '\0';
	const char *w = sql;
	while (isspace((unsigned char)*w))
		w++;
	e->pgsql = out;
	e->nparams = max;
	e->write = strncasecmp(w, "SELECT", 6) != 0;
	return 0;
}

static int pg_prepare(struct store *st, const char *sql, struct store_stmt **out)
{
	struct pg_store *s = to_pg(st);
	size_t slot = ((uintptr_t)sql >> 3) % SQL_CACHE_SIZE;
	struct pg_sql *c = &s->cache[slot];
	struct pg_stmt *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->base.st = st;
	if (c->key != sql || strcmp(c->text, sql) != 0) {
		/* Evict whatever shared the slot. */
		struct pg_sql e = { .key = sql, .text = strdup(sql) };
		r = e.text ? translate(sql, &e) : -ENOMEM;
		if (r < 0) {
			free(e.text);
			free(q);
			return r;
		}
		sql_free(c);
		*c = e;
	}
	q->text = sql;
	q->pgsql = strdup(c->pgsql);
	q->nparams = c->nparams;
	q->write = c->write;
	if (!q->pgsql) {
		free(q);
		return -ENOMEM;
	}
	*out = &q->base;
	return 0;
}

static int bind_value(struct store_stmt *q, int idx, char *v, Oid type)
{
	struct pg_stmt *p = (struct pg_stmt *)q;

	if (idx < 1 || idx > p->nparams) {
		free(v);
		log_error("store: postgresql: parameter %d of %d in %s", idx, p->nparams, p->text);
		return -EINVAL;
	}
	free(p->vals[idx - 1]);
	p->vals[idx - 1] = v;
	p->types[idx - 1] = type;
	return 0;
}

static int pg_bind_text(struct store_stmt *q, int idx, const char *v)
{
	char *copy = v ? strdup(v) : NULL;

	if (v && !copy)
		return -ENOMEM;
	return bind_value(q, idx, copy, TEXTOID);
}

static int pg_bind_int(struct store_stmt *q, int idx, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	char *copy = strdup(buf);
	return copy ? bind_value(q, idx, copy, INT8OID) : -ENOMEM;
}

static int pg_bind_null_int(struct store_stmt *q, int idx)
{
	return bind_value(q, idx, NULL, INT8OID);
}

static int run(struct pg_stmt *q)
{
	struct pg_store *s = to_pg(q->base.st);
	bool savepoint = q->base.st->in_txn && q->write;
	int r = 0;

	if (!q->base.st->in_txn && (r = ensure_connected(s)) < 0)
		return r;
	if (savepoint && (r = run_simple(s, "SAVEPOINT basalt_stmt")) < 0)
		return r;
	q->res = PQexecParams(s->conn, q->pgsql, q->nparams, q->types, (const char *const *)q->vals,
			      NULL, NULL, 0);
	switch (PQresultStatus(q->res)) {
	case PGRES_TUPLES_OK:
		q->nrows = PQntuples(q->res);
		q->changes = atoi(PQcmdTuples(q->res));
		break;
	case PGRES_COMMAND_OK:
		q->changes = atoi(PQcmdTuples(q->res));
		break;
	default:
		r = map_error(s->conn, q->res, q->text);
		break;
	}
	if (savepoint)
		run_simple(
		    s, r < 0 ? "ROLLBACK TO SAVEPOINT basalt_stmt; RELEASE SAVEPOINT basalt_stmt"
			     : "RELEASE SAVEPOINT basalt_stmt");
	return r;
}

static int pg_step(struct store_stmt *sq)
{
	struct pg_stmt *q = (struct pg_stmt *)sq;

	if (!q->ran) {
		q->ran = true;
		q->row = -1;
		int r = run(q);
		if (r < 0)
			return r;
	}
	if (q->row + 1 >= q->nrows)
		return 0;
	q->row++;
	return 1;
}

static const char *pg_column_text(struct store_stmt *sq, int col)
{
	struct pg_stmt *q = (struct pg_stmt *)sq;

	if (q->row < 0 || q->row >= q->nrows || col >= PQnfields(q->res) ||
	    PQgetisnull(q->res, q->row, col))
		return NULL;
	return PQgetvalue(q->res, q->row, col);
}

static int64_t pg_column_int(struct store_stmt *sq, int col)
{
	const char *v = pg_column_text(sq, col);

	if (!v)
		return 0;
	/* A boolean expression comes back as 't' / 'f' (SQLite's are 1 / 0). */
	if (v[0] == 't' && !v[1])
		return 1;
	if (v[0] == 'f' && !v[1])
		return 0;
	return strtoll(v, NULL, 10);
}

static int pg_column_count(struct store_stmt *sq)
{
	struct pg_stmt *q = (struct pg_stmt *)sq;

	return q->res ? PQnfields(q->res) : 0;
}

static const char *pg_column_name(struct store_stmt *sq, int col)
{
	return PQfname(((struct pg_stmt *)sq)->res, col);
}

static int pg_bind_untyped(struct store_stmt *q, int idx, const char *v)
{
	char *copy = v ? strdup(v) : NULL;

	if (v && !copy)
		return -ENOMEM;
	return bind_value(q, idx, copy, 0);
}

static int pg_changes(struct store_stmt *sq)
{
	return ((struct pg_stmt *)sq)->changes;
}

static void pg_finish(struct store_stmt *sq)
{
	struct pg_stmt *q = (struct pg_stmt *)sq;

	for (int i = 0; i < MAX_PARAMS; i++)
		free(q->vals[i]);
	PQclear(q->res);
	free(q->pgsql);
	free(q);
}

/* --- the listener: one connection per process that LISTENs --- */

struct pg_listener {
	struct store_listener base;
	PGconn *conn;
};

static int listen_start(PGconn *conn)
{
	PGresult *res = PQexec(conn, "LISTEN " NOTIFY_CHANNEL);
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : map_error(conn, res, NULL);

	PQclear(res);
	return r;
}

static int pg_listen(const char *url, struct store_listener **out)
{
	struct pg_listener *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->base.ops = &store_postgresql_ops;
	r = connect_url(url, &l->conn);
	if (r == 0)
		r = listen_start(l->conn);
	if (r < 0) {
		PQfinish(l->conn);
		free(l);
		return r;
	}
	*out = &l->base;
	return 0;
}

/* Take every notification that arrived; 1 if any (*rev the highest). */
static int drain(PGconn *conn, int64_t *rev)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(conn))) {
		int64_t v = strtoll(n->extra, NULL, 10);
		if (!got || v > *rev)
			*rev = v;
		got = 1;
		PQfreemem(n);
	}
	return got;
}

static int pg_listen_wait(struct store_listener *sl, int timeout_ms, int64_t *rev)
{
	struct pg_listener *l = (struct pg_listener *)sl;

	if (PQstatus(l->conn) != CONNECTION_OK) {
		/* Notifications sent meanwhile are lost: the caller's periodic
		 * read of the revision covers them. */
		PQreset(l->conn);
		if (PQstatus(l->conn) != CONNECTION_OK || listen_start(l->conn) < 0) {
			poll(NULL, 0, timeout_ms);
			return -EIO;
		}
		log_info("store: postgresql listener reconnected");
	}
	if (drain(l->conn, rev))
		return 1;
	struct pollfd pfd = { .fd = PQsocket(l->conn), .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return 0;
	if (!PQconsumeInput(l->conn))
		return map_error(l->conn, NULL, NULL);
	return drain(l->conn, rev);
}

static void pg_listen_close(struct store_listener *sl)
{
	struct pg_listener *l = (struct pg_listener *)sl;

	PQfinish(l->conn);
	free(l);
}

const struct store_ops store_postgresql_ops = {
	.scheme = "postgresql://",
	.open = pg_open,
	.close = pg_close,
	.exec_script = pg_exec_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_int = pg_bind_int,
	.bind_null_int = pg_bind_null_int,
	.step = pg_step,
	.column_text = pg_column_text,
	.column_int = pg_column_int,
	.changes = pg_changes,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
	.bind_untyped = pg_bind_untyped,
	.tables_sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
		      " ORDER BY tablename",
	.finish = pg_finish,
	.listen = pg_listen,
	.listen_wait = pg_listen_wait,
	.listen_close = pg_listen_close,
};
