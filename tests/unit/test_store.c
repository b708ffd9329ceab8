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
	};
	char cmd[128];
	int r;

	if (!mkdtemp(dir))
		return 1;
	snprintf(url, sizeof(url), "sqlite://%s/t.db", dir);
	r = cmocka_run_group_tests_name("store", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r;
}
