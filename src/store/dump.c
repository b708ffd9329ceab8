/* dump.c - the whole store as one JSON document and back (basaltd db
 * export / db import): how a cloud moves from SQLite to PostgreSQL.
 *
 * The document: {"format": "basalt-db", "schema_version": N, "tables":
 * {NAME: {"columns": [...], "rows": [[text or null, ...], ...]}}}. Every
 * value travels as its text; the importing back end gives it the column's
 * type (store_import binds it untyped: 'u'). Export reads in one read
 * transaction, so the document is one consistent revision of the cloud. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "store/store.h"
#include "store/store_backend.h"

#define DUMP_FORMAT "basalt-db"

static int schema_version(struct store *st, int64_t *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT MAX(version) FROM schema_migrations", "");

	if (r < 0)
		return r;
	r = store_next(q);
	*out = r > 0 ? store_int(q, 0) : 0;
	store_done(q);
	return r < 0 ? r : 0;
}

/* The names of the store's tables, sorted; the caller owns the array. */
static json_t *table_names(struct store *st, int *err)
{
	struct store_stmt *q = NULL;
	json_t *names = json_array();
	int r = names ? store_query(st, &q, st->ops->tables_sql, "") : -ENOMEM;

	while (r >= 0 && (r = store_next(q)) > 0)
		json_array_append_new(names, json_string(store_text(q, 0)));
	store_done(q);
	if (r < 0) {
		json_decref(names);
		*err = r;
		return NULL;
	}
	return names;
}

static json_t *table_dump(struct store *st, const char *name, int *err)
{
	char *sql = NULL;
	struct store_stmt *q;
	json_t *t = json_object(), *cols = json_array(), *rows = json_array();
	int r = t && cols && rows && asprintf(&sql, "SELECT * FROM %s", name) > 0 ? 0 : -ENOMEM;

	json_object_set_new(t, "columns", cols);
	json_object_set_new(t, "rows", rows);
	/* The SQL is not a string of static lifetime: an uncached statement. */
	if (r == 0)
		r = store_query(st, &q, sql, "");
	if (r == 0) {
		bool first = true;
		while ((r = store_next(q)) > 0) {
			int n = st->ops->column_count(q);
			json_t *row = json_array();
			for (int i = 0; i < n; i++) {
				const char *v = store_text(q, i);
				if (first)
					json_array_append_new(
					    cols, json_string(st->ops->column_name(q, i)));
				json_array_append_new(row, v ? json_string(v) : json_null());
			}
			first = false;
			json_array_append_new(rows, row);
		}
		/* An empty table still names its columns. */
		if (r == 0 && first)
			for (int i = 0, n = st->ops->column_count(q); i < n; i++)
				json_array_append_new(cols,
						      json_string(st->ops->column_name(q, i)));
		store_done(q);
	}
	free(sql);
	if (r < 0) {
		json_decref(t);
		*err = r;
		return NULL;
	}
	return t;
}

int store_export(struct store *st, FILE *out)
{
	json_t *doc = NULL, *tables = json_object(), *names = NULL, *v;
	int64_t version = 0;
	size_t i;
	int r = tables ? store_begin_read(st) : -ENOMEM;

	if (r == 0)
		r = schema_version(st, &version);
	if (r == 0)
		names = table_names(st, &r);
	json_array_foreach(names, i, v)
	{
		json_t *t = table_dump(st, json_string_value(v), &r);
		if (!t)
			break;
		json_object_set_new(tables, json_string_value(v), t);
	}
	store_rollback(st);
	json_decref(names);
	if (r == 0) {
		doc = json_pack("{s:s, s:I, s:O}", "format", DUMP_FORMAT, "schema_version",
				(json_int_t)version, "tables", tables);
		r = doc && json_dumpf(doc, out, JSON_COMPACT) == 0 && fputc('\n', out) != EOF &&
			    fflush(out) == 0
			? 0
			: -EIO;
	}
	json_decref(doc);
	json_decref(tables);
	return r;
}

/* Insert one row; the SQL names the table and columns. */
static int row_insert(struct store *st, const char *sql, json_t *row)
{
	struct store_stmt *q;
	size_t n = json_array_size(row);
	int r = st->ops->prepare(st, sql, &q);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = st->ops->bind_untyped(q, (int)i + 1, json_string_value(json_array_get(row, i)));
	while (r == 0 && (r = st->ops->step(q)) > 0)
		;
	st->ops->finish(q);
	return r;
}

static char *insert_sql(const char *table, json_t *cols)
{
	size_t n = json_array_size(cols), len = strlen(table) + 64;
	json_t *c;
	size_t i;

	json_array_foreach(cols, i, c) len += strlen(json_string_value(c)) + 8;
	char *sql = malloc(len), *p = sql;
	if (!sql)
		return NULL;
	p += sprintf(p, "INSERT INTO %s (", table);
	json_array_foreach(cols, i, c) p += sprintf(p, "%s%s", i ? ", " : "", json_string_value(c));
	p += sprintf(p, ") VALUES (");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s?", i ? ", " : "");
	sprintf(p, ")");
	return sql;
}

/* Names a table and columns may use: the document must not carry SQL. */
static bool plain_name(const char *s)
{
	if (!s || !*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int store_import(struct store *st, FILE *in)
{
	json_error_t jerr;
	json_t *doc = json_loadf(in, 0, &jerr), *tables, *t, *names = NULL, *v;
	int64_t version = 0, want;
	const char *name;
	size_t i;
	int r;

	if (!doc || strcmp(json_string_value(json_object_get(doc, "format")) ?: "", DUMP_FORMAT) ||
	    !json_is_object(tables = json_object_get(doc, "tables"))) {
		log_error("db import: not a basalt-db document%s%s", doc ? "" : ": ",
			  doc ? "" : jerr.text);
		json_decref(doc);
		return -EINVAL;
	}
	want = json_integer_value(json_object_get(doc, "schema_version"));
	json_object_foreach(tables, name, t)
	{
		json_t *cols = json_object_get(t, "columns");
		bool ok = plain_name(name) && json_is_array(cols) &&
			  json_is_array(json_object_get(t, "rows"));
		json_array_foreach(cols, i, v) ok = ok && plain_name(json_string_value(v));
		if (!ok) {
			log_error("db import: table '%s' is malformed", name);
			json_decref(doc);
			return -EINVAL;
		}
	}
	/* The target gets the same schema, then holds only what is imported. */
	r = store_migrate(st);
	if (r == 0)
		r = schema_version(st, &version);
	if (r == 0 && version != want) {
		log_error("db import: the document has schema version %lld, this basaltd %lld:"
			  " export with the same basaltd version",
			  (long long)want, (long long)version);
		r = -EINVAL;
	}
	/* Only into a new store: one no write has touched (revision 0, as
	 * the migrations leave it). Merging two clouds is not a move. */
	int64_t rev = 0;
	if (r == 0)
		r = store_revision(st, &rev);
	if (r == 0 && rev != 0) {
		log_error("db import: the target store is not new (revision %lld): import into"
			  " a new, empty database",
			  (long long)rev);
		r = -EEXIST;
	}
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	r = st->ops->begin(st, true);
	if (r == 0) {
		st->in_txn = true;
		names = table_names(st, &r);
	}
	/* Empty every table (the rows the migrations seed), then insert every
	 * row; foreign keys decide the order, so go round until nothing is
	 * left or a round makes no progress (a failed statement leaves the
	 * transaction usable). */
	size_t left = 1;
	while (r == 0 && left) {
		size_t before = left;
		left = 0;
		json_array_foreach(names, i, v)
		{
			char sql[128];
			snprintf(sql, sizeof(sql), "DELETE FROM %s", json_string_value(v));
			struct store_stmt *q;
			int e = st->ops->prepare(st, sql, &q);
			if (e == 0) {
				while ((e = st->ops->step(q)) > 0)
					;
				st->ops->finish(q);
			}
			if (e == -ENOLINK)
				left++;
			else if (e < 0)
				r = e;
		}
		if (r == 0 && left && left >= before) {
			log_error("db import: the target's tables cannot be emptied");
			r = -ENOLINK;
		}
	}
	json_t *pending = json_array();
	json_object_foreach(tables, name, t)
	{
		json_t *row;
		json_array_foreach(json_object_get(t, "rows"), i, row) json_array_append_new(
		    pending, json_pack("{s:s, s:O, s:O}", "table", name, "columns",
				       json_object_get(t, "columns"), "row", row));
	}
	size_t rows = json_array_size(pending);
	while (r == 0 && json_array_size(pending)) {
		json_t *next = json_array(), *p;
		json_array_foreach(pending, i, p)
		{
			char *sql = insert_sql(json_string_value(json_object_get(p, "table")),
					       json_object_get(p, "columns"));
			int e = sql ? row_insert(st, sql, json_object_get(p, "row")) : -ENOMEM;
			free(sql);
			if (e == -ENOLINK)
				json_array_append(next, p);
			else if (e < 0)
				r = e;
		}
		if (r == 0 && json_array_size(next) == json_array_size(pending)) {
			log_error("db import: %zu rows name rows that are not there",
				  json_array_size(next));
			r = -ENOLINK;
		}
		json_decref(pending);
		pending = next;
	}
	json_decref(pending);
	json_decref(names);
	json_decref(doc);
	if (r == 0)
		r = st->ops->commit(st);
	if (r < 0)
		st->ops->rollback(st);
	st->in_txn = false;
	if (r == 0)
		log_info("db import: %zu rows imported", rows);
	return r;
}
