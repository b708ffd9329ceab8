/* test_ha.c - several controllers: the agents' controller list (parse,
 * move on after a failure, back to the first later) and the leases that
 * run a background job on one controller at a time (store/lease.c), the
 * token and credential keys in the store under each node's secret key
 * file (identity/key_store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "basalt.h"
#include "core/util.h"
#include "identity/identity.h"
#include "store/store.h"

static void list_parse(void **state)
{
	struct controllers cs;

	assert_int_equal(controllers_parse("http://a:5000/", &cs), 0);
	assert_int_equal(cs.n, 1);
	assert_string_equal(cs.url[0], "http://a:5000");
	controllers_free(&cs);

	assert_int_equal(controllers_parse(" http://a:5000, https://b/x//,http://c ", &cs), 0);
	assert_int_equal(cs.n, 3);
	assert_string_equal(cs.url[0], "http://a:5000");
	assert_string_equal(cs.url[1], "https://b/x");
	assert_string_equal(cs.url[2], "http://c");
	controllers_free(&cs);

	assert_int_equal(controllers_parse("", &cs), -EINVAL);
	assert_int_equal(controllers_parse(" , ", &cs), -EINVAL);
	assert_int_equal(controllers_parse(NULL, &cs), -EINVAL);
	assert_int_equal(controllers_parse("http://a,ftp://b", &cs), -EINVAL);
	assert_int_equal(cs.n, 0);
	assert_int_equal(controllers_parse("a:5000", &cs), -EINVAL);
	char many[512] = "";
	for (int i = 0; i <= CONTROLLERS_MAX; i++)
		strcat(many, "http://h,");
	assert_int_equal(controllers_parse(many, &cs), -EINVAL);
}

static void list_failover(void **state)
{
	struct controllers cs;
	int idx;
	int64_t t = 1000;

	assert_int_equal(controllers_parse("http://a,http://b,http://c", &cs), 0);
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://a");
	assert_int_equal(idx, 0);
	controllers_failed(&cs, 0, t, "refused");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://b");
	/* A second thread that saw a fail too does not skip b. */
	controllers_failed(&cs, 0, t, "refused");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://b");
	controllers_failed(&cs, 1, t, "timeout");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://c");
	assert_int_equal(idx, 2);
	/* Not yet time to go back: c stays. */
	assert_string_equal(controllers_pick(&cs, t + CONTROLLERS_FAILBACK_USEC - 1, &idx),
			    "http://c");
	/* Then the first one again. */
	assert_string_equal(controllers_pick(&cs, t + CONTROLLERS_FAILBACK_USEC, &idx),
			    "http://a");
	assert_int_equal(idx, 0);
	/* Round the list: after c, a; no failback time while on the first. */
	controllers_failed(&cs, 0, t, "refused");
	controllers_failed(&cs, 1, t, "refused");
	controllers_failed(&cs, 2, t, "refused");
	assert_string_equal(controllers_pick(&cs, t + 10 * CONTROLLERS_FAILBACK_USEC, &idx),
			    "http://a");
	controllers_free(&cs);

	/* One controller (a load balancer): nothing moves. */
	assert_int_equal(controllers_parse("http://lb", &cs), 0);
	controllers_failed(&cs, 0, t, "refused");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://lb");
	controllers_free(&cs);
}

static void move_rule(void **state)
{
	assert_true(controllers_should_move(-ECONNREFUSED, 0));
	assert_true(controllers_should_move(-ETIMEDOUT, 0));
	assert_true(controllers_should_move(-EIO, 0));
	assert_false(controllers_should_move(-ENOMEM, 0));
	assert_true(controllers_should_move(0, 500));
	assert_true(controllers_should_move(0, 502));
	assert_true(controllers_should_move(0, 503));
	assert_false(controllers_should_move(0, 200));
	assert_false(controllers_should_move(0, 401));
	assert_false(controllers_should_move(0, 404));
	assert_false(controllers_should_move(0, 409));
}

static char dir[] = "/tmp/basalt-ha-XXXXXX";
static char url[128];

/* Take lease name for holder at now in a write transaction of st's own;
 * commit when taken, roll back when not (as callers do). */
static int take(struct store *st, const char *name, const char *holder, int64_t now)
{
	int r;

	assert_int_equal(store_begin_write(st), 0);
	r = store_lease_take(st, name, holder, now, 100);
	if (r > 0)
		assert_int_equal(store_commit(st), 0);
	else
		store_rollback(st);
	return r;
}

static void lease_once(void **state)
{
	struct store *a, *b;
	char holder[64];

	/* Two connections: two controllers on one store. */
	assert_int_equal(store_open(url, 1000, &a), 0);
	assert_int_equal(store_migrate(a), 0);
	assert_int_equal(store_open(url, 1000, &b), 0);
	/* The migration's row: free. */
	assert_int_equal(take(a, "revocation-prune", "ctl-a:1", 1000), 1);
	assert_int_equal(take(b, "revocation-prune", "ctl-b:2", 1050), 0);
	/* Its holder renews it... */
	assert_int_equal(take(a, "revocation-prune", "ctl-a:1", 1090), 1);
	assert_int_equal(take(b, "revocation-prune", "ctl-b:2", 1189), 0);
	/* ...and once it lapses (a dead holder), the other takes it. */
	assert_int_equal(take(b, "revocation-prune", "ctl-b:2", 1190), 1);
	assert_int_equal(take(a, "revocation-prune", "ctl-a:1", 1200), 0);
	/* A lease no migration made: the first to ask makes it. */
	assert_int_equal(take(b, "another-job", "ctl-b:2", 1000), 1);
	assert_int_equal(take(a, "another-job", "ctl-a:1", 1000), 0);
	/* A rolled back take leaves nothing behind. */
	assert_int_equal(store_begin_write(a), 0);
	assert_int_equal(store_lease_take(a, "third-job", "ctl-a:1", 1000, 100), 1);
	store_rollback(a);
	assert_int_equal(take(b, "third-job", "ctl-b:2", 1000), 1);
	store_lease_holder("node1", holder, sizeof(holder));
	assert_int_equal(strncmp(holder, "node1:", 6), 0);
	assert_true(atoi(holder + 6) == getpid());
	store_close(a);
	store_close(b);
}

static int in_write(struct store *st, int r)
{
	if (r == 0)
		return store_commit(st);
	store_rollback(st);
	return r;
}

static void keys_in_store(void **state)
{
	struct basalt a = { 0 }, b2 = { 0 };
	struct store *st;
	struct key_ring ring, ring2;
	char legacy[300], path_a[300], path_b[300], kfile[700];
	uint32_t id = 0;
	struct token t;
	char tok[TOKEN_MAX_LEN + 1];
	FILE *f;

	snprintf(path_a, sizeof(path_a), "%s/a.key", dir);
	snprintf(path_b, sizeof(path_b), "%s/b.key", dir);
	a.secret_key_file = path_a;
	b2.secret_key_file = path_b;
	assert_int_equal(store_open(url, 1000, &st), 0);
	assert_int_equal(store_migrate(st), 0);
	/* A store from before: its token keys were files; they are imported
	 * and the secret key file is made. */
	snprintf(legacy, sizeof(legacy), "%s/token-keys", dir);
	assert_int_equal(token_keys_rotate(legacy, 3), 0);
	assert_int_equal(token_keys_rotate(legacy, 3), 0);
	struct token_keys files;
	assert_int_equal(token_keys_load(legacy, &files), 0);
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(in_write(st, key_store_ensure(&a, st, KEY_KIND_TOKEN, legacy, false)), 0);
	assert_int_equal(access(path_a, R_OK), 0);
	assert_int_equal(key_store_load(&a, st, KEY_KIND_TOKEN, &ring), 0);
	assert_int_equal(ring.keys.n, 2);
	assert_memory_equal(ring.keys.keys[1].key, files.keys[1].key, TOKEN_KEY_BYTES);
	assert_int_equal(ring.keys.keys[1].id, 2);
	/* No credential keys and nothing to import: made only when asked. */
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(in_write(st, key_store_ensure(&a, st, KEY_KIND_CREDENTIAL, NULL, false)), 0);
	assert_int_equal(key_store_complete(st), 0);
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(in_write(st, key_store_ensure(&a, st, KEY_KIND_CREDENTIAL, NULL, true)), 0);
	assert_int_equal(key_store_complete(st), 1);

	/* A controller with another secret key file opens nothing; without
	 * one, nothing either. */
	assert_int_equal(key_store_load(&b2, st, KEY_KIND_TOKEN, &ring2), -ENOKEY);
	f = fopen(path_b, "w");
	assert_non_null(f);
	fprintf(f, "%064d\n", 7);
	fclose(f);
	assert_int_equal(key_store_load(&b2, st, KEY_KIND_TOKEN, &ring2), -EBADMSG);
	/* The same file: the same keys. */
	snprintf(kfile, sizeof(kfile), "cp %s %s", path_a, path_b);
	assert_int_equal(system(kfile), 0);
	assert_int_equal(key_store_load(&b2, st, KEY_KIND_TOKEN, &ring2), 0);
	assert_memory_equal(&ring.keys, &ring2.keys, sizeof(ring.keys));

	/* A sealed key moved to another number does not open. */
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(store_exec(st, "UPDATE secret_key SET id = 9 WHERE kind = 'token' AND id = 1",
				    ""),
			 1);
	assert_int_equal(key_store_load(&a, st, KEY_KIND_TOKEN, &ring2), -EBADMSG);
	store_rollback(st);

	/* A rotation stages the new key: it validates at once, signs later. */
	int64_t now = now_usec();
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(in_write(st, key_store_add(&a, st, KEY_KIND_TOKEN,
						    now + KEY_STORE_STAGE_USEC, &id)),
			 0);
	assert_int_equal(id, 3);
	assert_int_equal(key_store_load(&b2, st, KEY_KIND_TOKEN, &ring2), 0);
	assert_int_equal(ring2.keys.n, 3);
	assert_int_equal(key_ring_signer(&ring2, now)->id, 2);
	assert_int_equal(key_ring_signer(&ring2, now + KEY_STORE_STAGE_USEC)->id, 3);
	/* A token signed by the new key on one controller validates on one
	 * that loaded the ring before it signed. */
	token_init(&t);
	t.methods = TOKEN_M_PASSWORD;
	t.scope = SCOPE_NONE;
	t.issued_at = now;
	t.expires_at = now + 1000000;
	token_new_audit_id(t.audit_id);
	t.user_id = token_str(&t, "0123456789abcdef0123456789abcdef");
	t.user_name = token_str(&t, "alice");
	t.user_domain_id = token_str(&t, "default");
	t.user_domain_name = token_str(&t, "Default");
	assert_int_equal(token_encode_key(key_ring_signer(&ring2, now + KEY_STORE_STAGE_USEC), &t,
					  tok, sizeof(tok)),
			 0);
	assert_int_equal(token_decode(&ring2.keys, tok, &t), 0);
	/* Keep the newest two. */
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(key_store_prune(st, KEY_KIND_TOKEN, 2), 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(key_store_load(&a, st, KEY_KIND_TOKEN, &ring), 0);
	assert_int_equal(ring.keys.n, 2);
	assert_int_equal(ring.keys.keys[0].id, 2);

	/* The metadata secret: the first controller records it; another
	 * with the same one reads it; one with another one records its own
	 * (logged), and the first one then differs. */
	char s1[] = "md-secret-1", s2[] = "md-secret-2", ha[] = "ctl-a", hb[] = "ctl-b";
	a.cfg.metadata_proxy_shared_secret = s1;
	b2.cfg.metadata_proxy_shared_secret = s1;
	a.cfg.host = ha;
	b2.cfg.host = hb;
	assert_int_equal(key_store_md_secret_check(&a, st, MD_SECRET_CHECK), -ENOENT);
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(in_write(st, key_store_md_secret_check(&a, st, MD_SECRET_RECORD)), 0);
	assert_int_equal(key_store_md_secret_check(&b2, st, MD_SECRET_CHECK), 0);
	b2.cfg.metadata_proxy_shared_secret = s2;
	assert_int_equal(key_store_md_secret_check(&b2, st, MD_SECRET_CHECK), -ENOENT);
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(in_write(st, key_store_md_secret_check(&b2, st, MD_SECRET_RECORD)), 0);
	assert_int_equal(key_store_md_secret_check(&b2, st, MD_SECRET_CHECK), 0);
	assert_int_equal(key_store_md_secret_check(&a, st, MD_SECRET_CHECK), -ENOENT);
	/* The store holds a keyed hash, not the secret. */
	struct store_stmt *q;
	assert_int_equal(store_query(st, &q, "SELECT COUNT(*) FROM setting WHERE value LIKE ?", "s",
				     "%secret%"),
			 0);
	assert_int_equal(store_next(q), 1);
	assert_int_equal(store_int(q, 0), 0);
	store_done(q);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_parse),
		cmocka_unit_test(list_failover),
		cmocka_unit_test(move_rule),
		cmocka_unit_test(lease_once),
		cmocka_unit_test(keys_in_store),
	};
	char cmd[128];
	int r;

	if (!mkdtemp(dir))
		return 1;
	snprintf(url, sizeof(url), "sqlite://%s/t.db", dir);
	r = cmocka_run_group_tests_name("ha", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r;
}
