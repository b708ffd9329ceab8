/* sqlite.c - the SQLite store back end: WAL, foreign keys, busy timeout,
 * a per-connection cache of prepared statements keyed by SQL address. */
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/store_backend.h"

#define STMT_CACHE_SIZE 128

struct sqlite_stmt {
	struct store_stmt base;
	sqlite3_stmt *s;
	const char *sql; /* cache key (address); NULL for an uncached statement */
	char *text;	 /* a copy of the SQL: a reused buffer must not hit */
	bool busy;
};

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	struct sqlite_stmt cache[STMT_CACHE_SIZE];
};

static struct sqlite_store *to_sqlite(struct store *st)
{
	return (struct sqlite_store *)st;
}

static int map_error(sqlite3 *db, int rc)
{
	switch (sqlite3_extended_errcode(db)) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return -EEXIST;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return -ENOLINK;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
		return -EINVAL;
	default:
		log_error("store: sqlite: %s", sqlite3_errmsg(db));
		return -EIO;
	}
}

static int sq_exec_script(struct store *st, const char *sql)
{
	sqlite3 *db = to_sqlite(st)->db;
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK) {
		int r = map_error(db, rc);
		if (r != -EIO && r != -EBUSY)
			log_error("store: sqlite: %s", err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return r;
	}
	return 0;
}

static void sqlite_global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static void regex_free(void *re)
{
	regfree(re);
	free(re);
}

/* X REGEXP Y, the store's portable regular-expression match (POSIX
 * extended; PostgreSQL's back end writes it as X ~ Y): SQLite calls it as
 * regexp(Y, X). The compiled pattern is kept for the statement's rows. */
static void sq_regexp(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *pattern = (const char *)sqlite3_value_text(argv[0]);
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	regex_t *re = sqlite3_get_auxdata(cx, 0);
	bool fresh = false;

	(void)argc;
	if (!pattern || !text) {
		sqlite3_result_null(cx);
		return;
	}
	if (!re) {
		re = malloc(sizeof(*re));
		if (!re || regcomp(re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
			free(re);
			sqlite3_result_error(cx, "invalid regular expression", -1);
			return;
		}
		fresh = true;
	}
	sqlite3_result_int(cx, regexec(re, text, 0, NULL, 0) == 0);
	/* Last: SQLite may free it at once (then the next row compiles again). */
	if (fresh)
		sqlite3_set_auxdata(cx, 0, re, regex_free);
}

static int sq_open(const char *url, int busy_timeout_ms, struct store **out)
{
	const char *path = url + strlen("sqlite://");
	struct sqlite_store *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	/* Before the first connection: no global memory statistics, whose
	 * mutex every allocation of every thread would take. */
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_global_init);
	s->base.ops = &store_sqlite_ops;
	rc = sqlite3_open_v2(
	    path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot open %s: %s", path,
			  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		sqlite3_close(s->db);
		free(s);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, busy_timeout_ms);
	sqlite3_create_function(s->db, "regexp", 2,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
				sq_regexp, NULL, NULL);
	/* synchronous=FULL: a commit that was answered survives power loss,
	 * not just a crash of the process. */
	rc = sq_exec_script(&s->base, "PRAGMA journal_mode=WAL;"
				      "PRAGMA synchronous=FULL;"
				      "PRAGMA foreign_keys=ON;");
	if (rc < 0) {
		sqlite3_close(s->db);
		free(s);
		return rc;
	}
	*out = &s->base;
	return 0;
}

static void sq_close(struct store *st)
{
	struct sqlite_store *s = to_sqlite(st);

	for (int i = 0; i < STMT_CACHE_SIZE; i++) {
		sqlite3_finalize(s->cache[i].s);
		free(s->cache[i].text);
	}
	sqlite3_close(s->db);
	free(s);
}

static int sq_begin(struct store *st, bool write)
{
	int r = sq_exec_script(st, write ? "BEGIN IMMEDIATE" : "BEGIN");

	/* The busy handler covers waiting writers, but SQLite skips it in a
	 * few races (a WAL checkpoint or recovery under way): a writer waits
	 * a little and tries again rather than fail the request. */
	for (int i = 0; r == -EBUSY && write && i < 50; i++) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		r = sq_exec_script(st, "BEGIN IMMEDIATE");
	}
	return r;
}

static int sq_commit(struct store *st)
{
	return sq_exec_script(st, "COMMIT");
}

static void sq_rollback(struct store *st)
{
	sq_exec_script(st, "ROLLBACK");
}

static int sq_prepare(struct store *st, const char *sql, struct store_stmt **out)
{
	struct sqlite_store *s = to_sqlite(st);
	size_t slot = ((uintptr_t)sql >> 3) % STMT_CACHE_SIZE;
	struct sqlite_stmt *c = &s->cache[slot];
	int rc;

	if (c->sql == sql && !c->busy && strcmp(c->text, sql) == 0) {
		c->busy = true;
		*out = &c->base;
		return 0;
	}
	if (!c->busy) {
		/* Evict whatever shared the slot and cache this one. */
		sqlite3_finalize(c->s);
		free(c->text);
		c->s = NULL;
		c->sql = NULL;
		c->text = strdup(sql);
		if (!c->text)
			return -ENOMEM;
		rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->s, NULL);
		if (rc != SQLITE_OK)
			return map_error(s->db, rc);
		c->base.st = st;
		c->sql = sql;
		c->busy = true;
		*out = &c->base;
		return 0;
	}
	/* The slot is in use (nested queries): an uncached statement. */
	struct sqlite_stmt *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &u->s, NULL);
	if (rc != SQLITE_OK) {
		free(u);
		return map_error(s->db, rc);
	}
	u->base.st = st;
	u->busy = true;
	*out = &u->base;
	return 0;
}

static int sq_bind_text(struct store_stmt *q, int idx, const char *v)
{
	struct sqlite_stmt *s = (struct sqlite_stmt *)q;
	int rc = v ? sqlite3_bind_text(s->s, idx, v, -1, SQLITE_TRANSIENT)
		   : sqlite3_bind_null(s->s, idx);

	return rc == SQLITE_OK ? 0 : map_error(to_sqlite(q->st)->db, rc);
}

static int sq_bind_int(struct store_stmt *q, int idx, int64_t v)
{
	struct sqlite_stmt *s = (struct sqlite_stmt *)q;
	int rc = sqlite3_bind_int64(s->s, idx, v);

	return rc == SQLITE_OK ? 0 : map_error(to_sqlite(q->st)->db, rc);
}

static int sq_step(struct store_stmt *q)
{
	struct sqlite_stmt *s = (struct sqlite_stmt *)q;
	int rc = sqlite3_step(s->s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return map_error(to_sqlite(q->st)->db, rc);
}

static const char *sq_column_text(struct store_stmt *q, int col)
{
	return (const char *)sqlite3_column_text(((struct sqlite_stmt *)q)->s, col);
}

static int64_t sq_column_int(struct store_stmt *q, int col)
{
	return sqlite3_column_int64(((struct sqlite_stmt *)q)->s, col);
}

static int sq_changes(struct store_stmt *q)
{
	return sqlite3_changes(to_sqlite(q->st)->db);
}

static int sq_column_count(struct store_stmt *q)
{
	return sqlite3_column_count(((struct sqlite_stmt *)q)->s);
}

static const char *sq_column_name(struct store_stmt *q, int col)
{
	return sqlite3_column_name(((struct sqlite_stmt *)q)->s, col);
}

static void sq_finish(struct store_stmt *q)
{
	struct sqlite_stmt *s = (struct sqlite_stmt *)q;

	if (!s->sql) {
		sqlite3_finalize(s->s);
		free(s);
		return;
	}
	sqlite3_reset(s->s);
	sqlite3_clear_bindings(s->s);
	s->busy = false;
}

const struct store_ops store_sqlite_ops = {
	.scheme = "sqlite://",
	.open = sq_open,
	.close = sq_close,
	.exec_script = sq_exec_script,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.prepare = sq_prepare,
	.bind_text = sq_bind_text,
	.bind_int = sq_bind_int,
	.step = sq_step,
	.column_text = sq_column_text,
	.column_int = sq_column_int,
	.changes = sq_changes,
	.column_count = sq_column_count,
	.column_name = sq_column_name,
	.bind_untyped = sq_bind_text,
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
		      " AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
	.finish = sq_finish,
};
