/* test_store.c - migrations, the revision counter, error mapping,
 * rollback, and concurrent writers that never see "database is locked". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static char dir[] = "/tmp/basalt-unit-store.XXXXXX";
static char url[256];

static int64_t count_domains(struct store *st)
{
	struct store_stmt *q;
	int64_t n = -1;

	assert_int_equal(store_query(st, &q, "SELECT COUNT(*) FROM domain", ""), 0);
	if (store_next(q) > 0)
		n = store_int(q, 0);
	store_done(q);
	return n;
}

static void migrate_and_revision(void **state)
{
	struct store *st;
	int64_t r0, r1;

	assert_int_equal(store_open(url, 1000, &st), 0);
	assert_int_equal(store_migrate(st), 0);
	assert_int_equal(store_migrate(st), 0); /* idempotent */
	assert_int_equal(store_revision(st, &r0), 0);
	assert_int_equal(store_begin_write(st), 0);
	assert_true(store_txn_revision(st) == r0 + 1);
	assert_int_equal(store_exec(st, "INSERT INTO domain (id, name, revision) VALUES (?, ?, ?)",
				    "ssi", "d1", "One", store_txn_revision(st)),
			 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_revision(st, &r1), 0);
	assert_true(r1 == r0 + 1);
	store_close(st);
}

static void unique_and_rollback(void **state)
{
	struct store *st;
	int64_t before;

	assert_int_equal(store_open(url, 1000, &st), 0);
	before = count_domains(st);
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(
	    store_exec(st, "INSERT INTO domain (id, name, revision) VALUES ('d2', 'Two', 1)", ""),
	    1);
	assert_int_equal(
	    store_exec(st, "INSERT INTO domain (id, name, revision) VALUES ('d3', 'One', 1)", ""),
	    -EEXIST);
	store_rollback(st);
	assert_true(count_domains(st) == before);
	/* A foreign key to nowhere is refused. */
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(
	    store_exec(
		st,
		"INSERT INTO project (id, name, domain_id, revision) VALUES ('p', 'p', 'nope', 1)",
		""),
	    -ENOLINK);
	store_rollback(st);
	store_close(st);
}

/* A failed statement leaves the transaction usable (PostgreSQL aborts a
 * whole transaction: the back end's savepoint keeps store.h's contract). */
static void failed_statement_keeps_txn(void **state)
{
	struct store *st;
	int64_t before;

	assert_int_equal(store_open(url, 1000, &st), 0);
	before = count_domains(st);
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(store_exec(st, "INSERT INTO domain (id, name, revision) VALUES (?, ?, ?)",
				    "ssi", "k1", "Keep1", store_txn_revision(st)),
			 1);
	assert_int_equal(store_exec(st, "INSERT INTO domain (id, name, revision) VALUES (?, ?, ?)",
				    "ssi", "k2", "Keep1", store_txn_revision(st)),
			 -EEXIST);
	assert_int_equal(store_exec(st, "INSERT INTO domain (id, name, revision) VALUES (?, ?, ?)",
				    "ssi", "k3", "Keep3", store_txn_revision(st)),
			 1);
	assert_int_equal(store_commit(st), 0);
	assert_true(count_domains(st) == before + 2);
	store_close(st);
}

/* '?' and '?N' mix as SQLite numbers them; a '?' inside a string literal
 * is text; NULLs of either kind compare as NULL. */
static void placeholders(void **state)
{
	struct store *st;
	struct store_stmt *q;

	assert_int_equal(store_open(url, 1000, &st), 0);
	assert_int_equal(store_begin_read(st), 0);
	assert_int_equal(store_query(st, &q,
				     "SELECT ?2 || '?' || ?1, ?, ?1 IS NULL, ?4 IS NULL, ?5 = 7",
				     "sspsi", "a", "b", (const int64_t *)NULL, NULL, (int64_t)7),
			 0);
	assert_int_equal(store_next(q), 1);
	assert_string_equal(store_text(q, 0), "b?a");
	assert_null(store_text(q, 1));
	assert_false(store_bool(q, 2));
	assert_true(store_bool(q, 3));
	assert_true(store_bool(q, 4));
	assert_int_equal(store_next(q), 0);
	store_done(q);
	store_rollback(st);
	store_close(st);
}

/* REGEXP matches the same on both back ends (POSIX extended): anchors,
 * classes, alternation; a word containing REGEXP or inside quotes is
 * left alone. */
static void regexp_operator(void **state)
{
	static const struct {
		const char *text, *pattern;
		bool match;
	} cases[] = {
		{ "web-1", "^web-[0-9]+$", true }, { "web-1x", "^web-[0-9]+$", false },
		{ "my-web-1", "web", true },	    { "db", "^(web|db)$", true },
		{ "WEB", "web", false },	    { "a.b", "a\\.b", true },
		{ "axb", "a\\.b", false },
	};
	struct store *st;
	struct store_stmt *q;

	(void)state;
	assert_int_equal(store_open(url, 1000, &st), 0);
	assert_int_equal(store_begin_read(st), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(store_query(st, &q, "SELECT ?1 REGEXP ?2, 'REGEXP', ?1 REGEXP ?2",
					     "ss", cases[i].text, cases[i].pattern),
				 0);
		assert_int_equal(store_next(q), 1);
		if (store_bool(q, 0) != cases[i].match)
			fail_msg("'%s' REGEXP '%s': expected %d", cases[i].text,
				 cases[i].pattern, cases[i].match);
		assert_string_equal(store_text(q, 1), "REGEXP");
		assert_int_equal(store_bool(q, 2), cases[i].match);
		store_done(q);
	}
	store_rollback(st);
	store_close(st);
}

/* Commits are heard by a listener where the back end has one (PostgreSQL:
 * NOTIFY at commit); SQLite says it has none. */
static void listen_hears_commits(void **state)
{
	struct store_listener *l = NULL;
	struct store *st;
	int64_t rev = 0;
	int r = store_listen(url, &l);

	if (strncmp(url, "sqlite://", 9) == 0) {
		assert_int_equal(r, -EOPNOTSUPP);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(store_listen_wait(l, 0, &rev), 0); /* nothing yet */
	assert_int_equal(store_open(url, 1000, &st), 0);
	/* A rolled back write is not heard; a committed one is. */
	assert_int_equal(store_begin_write(st), 0);
	store_rollback(st);
	assert_int_equal(store_begin_write(st), 0);
	int64_t want = store_txn_revision(st);
	assert_int_equal(store_commit(st), 0);
	/* No timing: wait as long as it takes (the tier's timeout bounds it). */
	while ((r = store_listen_wait(l, 1000, &rev)) == 0)
		;
	assert_int_equal(r, 1);
	assert_true(rev == want);
	store_close(st);
	store_listen_close(l);
}

#define WRITERS	   4
#define PER_WRITER 50

static void *writer(void *arg)
{
	struct store *st;
	long id = (long)arg;
	long failures = 0;

	if (store_open(url, 10000, &st) < 0)
		return (void *)(long)PER_WRITER;
	for (int i = 0; i < PER_WRITER; i++) {
		char did[64];
		snprintf(did, sizeof(did), "w%ld-%d", id, i);
		if (store_begin_write(st) < 0 ||
		    store_exec(st, "INSERT INTO domain (id, name, revision) VALUES (?, ?, ?)",
			       "ssi", did, did, store_txn_revision(st)) != 1 ||
		    store_commit(st) < 0) {
			store_rollback(st);
			failures++;
		}
	}
	store_close(st);
	return (void *)failures;
}

static void concurrent_writers(void **state)
{
	pthread_t th[WRITERS];
	struct store *st;
	int64_t before, r0, r1;
	long failures = 0;

	assert_int_equal(store_open(url, 1000, &st), 0);
	before = count_domains(st);
	assert_int_equal(store_revision(st, &r0), 0);
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	for (int i = 0; i < WRITERS; i++) {
		void *f;
		pthread_join(th[i], &f);
		failures += (long)f;
	}
	assert_int_equal(failures, 0);
	assert_true(count_domains(st) == before + WRITERS * PER_WRITER);
	assert_int_equal(store_revision(st, &r1), 0);
	assert_true(r1 == r0 + WRITERS * PER_WRITER);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrate_and_revision),
		cmocka_unit_test(unique_and_rollback),
		cmocka_unit_test(concurrent_writers),
		cmocka_unit_test(failed_statement_keeps_txn),
		cmocka_unit_test(placeholders),
		cmocka_unit_test(regexp_operator),
		cmocka_unit_test(listen_hears_commits),
	};
	char cmd[128];
	int r;

	if (!mkdtemp(dir))
		return 1;
	/* BASALT_TEST_DB_URL: an empty database of another back end
	 * (tests/pg/unit_store.sh gives a PostgreSQL one). */
	if (getenv("BASALT_TEST_DB_URL"))
		snprintf(url, sizeof(url), "%s", getenv("BASALT_TEST_DB_URL"));
	else
		snprintf(url, sizeof(url), "sqlite://%s/t.db", dir);
	r = cmocka_run_group_tests_name("store", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r;
}
