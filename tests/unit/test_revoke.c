/* test_revoke.c - the revocation index answers exactly as the linear
 * reference (revocation_matches over every event) on random events and
 * tokens, and pruning leaves the store's events bounded without letting an
 * older token through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/identity.h"
#include "store/store.h"

static char dir[] = "/tmp/basalt-unit-revoke.XXXXXX";
static char url[256];

/* Small pools, so that events and tokens often share values. */
static const char *const users[] = { "u0", "u1", "u2", "u3" };
static const char *const projects[] = { "p0", "p1", "p2", "p3" };
static const char *const domains[] = { "d0", "d1", "d2", "default" };
static const char *const audits[] = { "a0", "a1", "a2", "a3", "" };

#define PICK(pool) ((pool)[rand() % (int)(sizeof(pool) / sizeof((pool)[0]))])

static char *maybe(const char *s)
{
	return rand() % 2 ? strdup(s) : NULL;
}

static void random_event(struct revocation *e, int shape_bias)
{
	e->user_id = maybe(PICK(users));
	e->project_id = maybe(PICK(projects));
	e->domain_id = maybe(PICK(domains));
	/* "" too: the reference matches it against a token without a
	 * parent, and so must the index. */
	e->audit_id = maybe(PICK(audits));
	if (shape_bias && rand() % 8 == 0) { /* some events name nothing */
		free(e->user_id);
		free(e->project_id);
		free(e->domain_id);
		free(e->audit_id);
		e->user_id = e->project_id = e->domain_id = e->audit_id = NULL;
	}
	e->issued_before = rand() % 100;
}

static void events_free(struct revocation *ev, int n)
{
	for (int i = 0; i < n; i++) {
		free(ev[i].user_id);
		free(ev[i].project_id);
		free(ev[i].domain_id);
		free(ev[i].audit_id);
	}
	free(ev);
}

static void random_token(struct token *t)
{
	token_init(t);
	t->scope = (enum token_scope)(rand() % 4);
	t->issued_at = rand() % 100;
	t->user_id = token_str(t, PICK(users));
	t->user_domain_id = token_str(t, PICK(domains));
	snprintf(t->audit_id, sizeof(t->audit_id), "%s", PICK(audits));
	if (!t->audit_id[0])
		strcpy(t->audit_id, "a9");
	snprintf(t->parent_audit_id, sizeof(t->parent_audit_id), "%s",
		 rand() % 2 ? PICK(audits) : "");
	if (t->scope == SCOPE_PROJECT) {
		t->scope_id = token_str(t, PICK(projects));
		t->scope_domain_id = token_str(t, PICK(domains));
	} else if (t->scope == SCOPE_DOMAIN) {
		t->scope_id = token_str(t, PICK(domains));
	}
}

static bool reference(const struct revocation *ev, int n, const struct token *t)
{
	for (int i = 0; i < n; i++)
		if (revocation_matches(&ev[i], t))
			return true;
	return false;
}

/* Many small random sets: every shape, repeated keys, tokens of every
 * scope, indexes built at once or grown by additions. Both answers must
 * occur, or the comparison proves little. */
static void index_equals_reference(void **state)
{
	int revoked = 0, kept = 0;

	for (int round = 0; round < 400; round++) {
		int n = rand() % 40;
		struct revocation *ev = calloc((size_t)n + 1, sizeof(*ev));
		struct revocation_index *idx;

		for (int i = 0; i < n; i++)
			random_event(&ev[i], round % 2);
		if (round % 3 == 0) {
			assert_int_equal(revocation_index_build(ev, (size_t)n, &idx), 0);
		} else {
			/* Built from a part, the rest added in place in two
			 * batches (the table grows on the way), as the cache
			 * does when later events arrive. */
			int k = n / 3, m = k + (n - k) / 2;
			assert_int_equal(revocation_index_build(ev, (size_t)k, &idx), 0);
			assert_int_equal(revocation_index_add(idx, ev + k, (size_t)(m - k)), 0);
			assert_int_equal(revocation_index_add(idx, ev + m, (size_t)(n - m)), 0);
		}
		assert_int_equal(revocation_index_count(idx), n);
		for (int k = 0; k < 200; k++) {
			struct token t;
			random_token(&t);
			bool want = reference(ev, n, &t);
			if (revocation_index_revoked(idx, &t) != want)
				fail_msg("round %d: index says %d, reference %d (scope %d user %s "
					 "udom %s scope %s sdom %s audit %s parent '%s' at %lld)",
					 round, !want, want, t.scope, t.user_id, t.user_domain_id,
					 t.scope_id ? t.scope_id : "-",
					 t.scope_domain_id ? t.scope_domain_id : "-", t.audit_id,
					 t.parent_audit_id, (long long)t.issued_at);
			want ? revoked++ : kept++;
		}
		revocation_index_free(idx);
		events_free(ev, n);
	}
	assert_true(revoked > 1000);
	assert_true(kept > 1000);
}

/* 10,000 events of real-looking ids: the index and the reference agree on
 * tokens that share some of their values. */
static void ten_thousand(void **state)
{
	enum { N = 10000 };
	struct revocation *ev = calloc(N, sizeof(*ev));
	struct revocation_index *idx;
	char buf[64];
	int revoked = 0;

	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "%032x", i % 5000);
		switch (i % 5) {
		case 0: ev[i].audit_id = strdup(buf); break;
		case 1: ev[i].user_id = strdup(buf); break;
		case 2: ev[i].project_id = strdup(buf); break;
		case 3: ev[i].domain_id = strdup(buf); break;
		default:
			ev[i].user_id = strdup(buf);
			ev[i].project_id = strdup(buf);
		}
		ev[i].issued_before = 1000 + i;
	}
	assert_int_equal(revocation_index_build(ev, 4000, &idx), 0);
	assert_int_equal(revocation_index_add(idx, ev + 4000, N - 4000), 0);
	for (int k = 0; k < 2000; k++) {
		struct token t;
		token_init(&t);
		t.scope = SCOPE_PROJECT;
		t.issued_at = rand() % 12000;
		snprintf(buf, sizeof(buf), "%032x", rand() % 6000);
		t.user_id = token_str(&t, buf);
		snprintf(buf, sizeof(buf), "%032x", rand() % 6000);
		t.scope_id = token_str(&t, buf);
		t.user_domain_id = token_str(&t, "default");
		t.scope_domain_id = token_str(&t, "default");
		snprintf(t.audit_id, sizeof(t.audit_id), "%x", rand() % 6000);
		bool want = reference(ev, N, &t);
		assert_int_equal(revocation_index_revoked(idx, &t), want);
		revoked += want;
	}
	assert_true(revoked > 0);
	revocation_index_free(idx);
	events_free(ev, N);
}

static int64_t count(struct store *st, const char *where)
{
	struct store_stmt *q;
	char sql[256];
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM revocation_event WHERE %s", where);
	assert_int_equal(store_query(st, &q, sql, ""), 0);
	if (store_next(q) > 0)
		n = store_int(q, 0);
	store_done(q);
	return n;
}

static void insert(struct store *st, const char *id, const char *user, int64_t before)
{
	assert_int_equal(store_exec(st,
				    "INSERT INTO revocation_event (id, user_id, issued_before, revision)"
				    " VALUES (?, ?, ?, ?)",
				    "ssii", id, user, before, store_txn_revision(st)),
			 1);
}

/* Pruning deletes what is older than the point, keeps the rest, and leaves
 * one event naming nothing at the point: a token issued before it (alive
 * only under a longer lifetime) stays refused although the event that
 * revoked it is gone; the point never moves back. */
static void prune(void **state)
{
	struct store *st;

	assert_int_equal(store_open(url, 1000, &st), 0);
	assert_int_equal(store_migrate(st), 0);
	assert_int_equal(store_begin_write(st), 0);
	insert(st, "e1", "old1", 100);
	insert(st, "e2", "old2", 200);
	insert(st, "e3", "new", 1000);
	assert_int_equal(revocation_prune(st, 500), 2);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(count(st, "1 = 1"), 2);
	assert_int_equal(count(st, "id = 'pruned' AND issued_before = 500 AND user_id IS NULL"
				   " AND project_id IS NULL AND domain_id IS NULL AND audit_id IS NULL"),
			 1);

	/* Nothing older: nothing changes. A lower point (a controller with a
	 * shorter lifetime... or a longer one) never lowers the sentinel. */
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(revocation_prune(st, 400), 0);
	insert(st, "e4", "x", 300);
	assert_int_equal(revocation_prune(st, 400), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(count(st, "id = 'pruned' AND issued_before = 500"), 1);

	/* The later point moves it forward, and the loaded events refuse a
	 * token of old2 issued at 150 as before the prune. */
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(revocation_prune(st, 1500), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(count(st, "1 = 1"), 1);
	assert_int_equal(count(st, "id = 'pruned' AND issued_before = 1500"), 1);

	struct revocation ev = { .issued_before = 1500 };
	struct revocation_index *idx;
	struct token t;
	assert_int_equal(revocation_index_build(&ev, 1, &idx), 0);
	token_init(&t);
	t.user_id = token_str(&t, "old2");
	t.user_domain_id = token_str(&t, "default");
	strcpy(t.audit_id, "a");
	t.issued_at = 150;
	assert_true(revocation_index_revoked(idx, &t));
	t.issued_at = 1500;
	assert_false(revocation_index_revoked(idx, &t));
	revocation_index_free(idx);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_equals_reference),
		cmocka_unit_test(ten_thousand),
		cmocka_unit_test(prune),
	};
	const char *seed_env = getenv("SEED");
	unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : 20261205;
	char cmd[128];
	int r;

	if (sodium_init() < 0)
		return 1;
	printf("# seed %u (SEED=N to repeat another)\n", seed);
	srand(seed);
	if (!mkdtemp(dir))
		return 1;
	/* BASALT_TEST_DB_URL: an empty database of another back end
	 * (tests/pg/unit_store.sh gives a PostgreSQL one). */
	if (getenv("BASALT_TEST_DB_URL"))
		snprintf(url, sizeof(url), "%s", getenv("BASALT_TEST_DB_URL"));
	else
		snprintf(url, sizeof(url), "sqlite://%s/t.db", dir);
	r = cmocka_run_group_tests_name("revoke", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r;
}
