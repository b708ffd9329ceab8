/* store_backend.h - what a store back end implements (internal to src/store). */
#ifndef BASALT_STORE_BACKEND_H
#define BASALT_STORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct store_ops;

struct store {
	const struct store_ops *ops;
	bool in_txn;
	int64_t txn_revision;
};

struct store_stmt {
	struct store *st;
};

struct store_listener {
	const struct store_ops *ops;
};

struct store_ops {
	const char *scheme; /* URL prefix, e.g. "sqlite://" */
	int (*open)(const char *url, int busy_timeout_ms, struct store **out);
	void (*close)(struct store *st);
	/* Run several ;-separated statements with no arguments. */
	int (*exec_script)(struct store *st, const char *sql);
	int (*begin)(struct store *st, bool write);
	int (*commit)(struct store *st);
	void (*rollback)(struct store *st);
	/* Prepare sql (a string with static lifetime: back ends may cache by
	 * its address). */
	int (*prepare)(struct store *st, const char *sql, struct store_stmt **out);
	int (*bind_text)(struct store_stmt *q, int idx, const char *v);
	int (*bind_int)(struct store_stmt *q, int idx, int64_t v);
	/* Text the back end types from where it goes (db import). */
	int (*bind_untyped)(struct store_stmt *q, int idx, const char *v);
	/* Optional: NULL where an integer goes (else bind_text(NULL)), for a
	 * back end that types its parameters. */
	int (*bind_null_int)(struct store_stmt *q, int idx);
	int (*step)(struct store_stmt *q);
	const char *(*column_text)(struct store_stmt *q, int col);
	int64_t (*column_int)(struct store_stmt *q, int col);
	int (*changes)(struct store_stmt *q);
	/* The result's columns (after the first step). */
	int (*column_count)(struct store_stmt *q);
	const char *(*column_name)(struct store_stmt *q, int col);
	/* One column: the names of the store's tables (db export). */
	const char *tables_sql;
	void (*finish)(struct store_stmt *q);
	/* Optional (NULL: the back end has no notifications; store_listen
	 * says -EOPNOTSUPP): see store.h. */
	int (*listen)(const char *url, struct store_listener **out);
	int (*listen_wait)(struct store_listener *l, int timeout_ms, int64_t *revision);
	void (*listen_close)(struct store_listener *l);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgresql_ops;

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* migrations.c (generated from migrations/NNN-*.sql) */
extern const struct migration store_migrations[];
extern const int store_migrations_count;

#endif
