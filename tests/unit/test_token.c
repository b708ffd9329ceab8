/* test_token.c - tokens round-trip, refuse tampering, and keys rotate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/token.h"

static char dir[] = "/tmp/basalt-unit-keys.XXXXXX";

static void fill(struct token *t)
{
	token_init(t);
	t->methods = TOKEN_M_PASSWORD;
	t->scope = SCOPE_PROJECT;
	t->issued_at = 1700000000123456;
	t->expires_at = 1700003600123456;
	token_new_audit_id(t->audit_id);
	t->user_id = token_str(t, "0123456789abcdef0123456789abcdef");
	t->user_name = token_str(t, "alice");
	t->user_domain_id = token_str(t, "default");
	t->user_domain_name = token_str(t, "Default");
	t->scope_id = token_str(t, "fedcba9876543210fedcba9876543210");
	t->scope_name = token_str(t, "demo");
	t->scope_domain_id = token_str(t, "default");
	t->scope_domain_name = token_str(t, "Default");
	t->role_id[0] = token_str(t, "r1");
	t->role_name[0] = token_str(t, "member");
	t->nroles = 1;
}

static void round_trip(void **state)
{
	struct token_keys keys;
	struct token t, d;
	char buf[TOKEN_MAX_LEN + 1];

	assert_int_equal(token_keys_ensure(dir), 0);
	assert_int_equal(token_keys_load(dir, &keys), 0);
	fill(&t);
	assert_int_equal(token_encode(&keys, &t, buf, sizeof(buf)), 0);
	assert_int_equal(token_decode(&keys, buf, &d), 0);
	assert_string_equal(d.user_name, "alice");
	assert_string_equal(d.scope_name, "demo");
	assert_string_equal(d.audit_id, t.audit_id);
	assert_int_equal(d.scope, SCOPE_PROJECT);
	assert_int_equal(d.nroles, 1);
	assert_string_equal(d.role_name[0], "member");
	assert_true(d.expires_at == t.expires_at);
}

static void tampered_refused(void **state)
{
	struct token_keys keys;
	struct token t, d;
	char buf[TOKEN_MAX_LEN + 1];

	assert_int_equal(token_keys_load(dir, &keys), 0);
	fill(&t);
	assert_int_equal(token_encode(&keys, &t, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < strlen(buf); i += 7) {
		char saved = buf[i];
		buf[i] = saved == 'A' ? 'B' : 'A';
		assert_int_not_equal(token_decode(&keys, buf, &d), 0);
		buf[i] = saved;
	}
	assert_int_not_equal(token_decode(&keys, "", &d), 0);
	assert_int_not_equal(token_decode(&keys, "not a token", &d), 0);
	buf[strlen(buf) - 3] = '\0';
	assert_int_not_equal(token_decode(&keys, buf, &d), 0);
}

static void rotation_keeps_old_keys_valid(void **state)
{
	struct token_keys before, after;
	struct token t, d;
	char buf[TOKEN_MAX_LEN + 1], buf2[TOKEN_MAX_LEN + 1];

	assert_int_equal(token_keys_load(dir, &before), 0);
	fill(&t);
	assert_int_equal(token_encode(&before, &t, buf, sizeof(buf)), 0);
	assert_int_equal(token_keys_rotate(dir, 3), 0);
	assert_int_equal(token_keys_load(dir, &after), 0);
	assert_int_equal(after.n, before.n + 1);
	assert_int_equal(token_decode(&after, buf, &d), 0);
	/* New tokens are signed by the new key: the old set cannot read them. */
	assert_int_equal(token_encode(&after, &t, buf2, sizeof(buf2)), 0);
	assert_int_not_equal(token_decode(&before, buf2, &d), 0);
	/* Beyond max_active the oldest key goes, and its tokens with it. */
	assert_int_equal(token_keys_rotate(dir, 2), 0);
	assert_int_equal(token_keys_rotate(dir, 2), 0);
	assert_int_equal(token_keys_load(dir, &after), 0);
	assert_int_equal(after.n, 2);
	assert_int_not_equal(token_decode(&after, buf, &d), 0);
}

static void oversize_names_rejected(void **state)
{
	struct token t;
	char big[300];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	token_init(&t);
	assert_null(token_str(&t, big));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(tampered_refused),
		cmocka_unit_test(rotation_keeps_old_keys_valid),
		cmocka_unit_test(oversize_names_rejected),
	};
	int r;

	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	r = cmocka_run_group_tests_name("token", tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return r;
}
