/* test_credential.c - credential blobs sealed at rest (credential_keys.c)
 * and the ec2 blob rules (credential.c): round trip, a blob bound to its
 * credential's id, tampering and a lost key refused, every malformed ec2
 * blob refused with Keystone's words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "identity/token.h"

static char dir[] = "/tmp/basalt-unit-credkeys.XXXXXX";

static void load(struct token_keys *keys)
{
	assert_int_equal(token_keys_ensure(dir), 0);
	assert_int_equal(token_keys_load(dir, keys), 0);
}

static void seal_round_trip(void **state)
{
	struct token_keys keys;
	char *sealed, *plain;
	int64_t key_id;

	(void)state;
	load(&keys);
	assert_int_equal(credential_seal(&keys, "cred-1", "{\"access\": \"a\"}", &sealed, &key_id), 0);
	assert_int_equal(key_id, keys.keys[keys.n - 1].id);
	assert_null(strstr(sealed, "access"));
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id, sealed, &plain), 0);
	assert_string_equal(plain, "{\"access\": \"a\"}");
	free(plain);
	/* the same blob sealed twice differs (a fresh nonce each time) */
	char *again;
	assert_int_equal(credential_seal(&keys, "cred-1", "{\"access\": \"a\"}", &again, &key_id), 0);
	assert_string_not_equal(sealed, again);
	free(again);
	/* an empty blob is a blob */
	free(sealed);
	assert_int_equal(credential_seal(&keys, "cred-1", "", &sealed, &key_id), 0);
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id, sealed, &plain), 0);
	assert_string_equal(plain, "");
	free(plain);
	free(sealed);
}

static void seal_refuses(void **state)
{
	struct token_keys keys;
	char *sealed, *plain = (char *)"x", *bad;
	int64_t key_id;

	(void)state;
	load(&keys);
	assert_int_equal(credential_seal(&keys, "cred-1", "secret", &sealed, &key_id), 0);
	/* moved onto another row: the id is associated data */
	assert_int_equal(credential_unseal(&keys, "cred-2", key_id, sealed, &plain), -EBADMSG);
	assert_null(plain);
	/* a key the repository no longer has */
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id + 100, sealed, &plain), -ENOKEY);
	/* one character changed, cut short, not base64, empty */
	bad = strdup(sealed);
	bad[strlen(bad) / 2] = bad[strlen(bad) / 2] == 'A' ? 'B' : 'A';
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id, bad, &plain), -EBADMSG);
	bad[8] = '\0';
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id, bad, &plain), -EBADMSG);
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id, "!!!!", &plain), -EBADMSG);
	assert_int_equal(credential_unseal(&keys, "cred-1", key_id, "", &plain), -EBADMSG);
	free(bad);
	free(sealed);
	/* no key at all */
	struct token_keys none = { 0 };
	assert_int_equal(credential_seal(&none, "cred-1", "s", &sealed, &key_id), -ENOKEY);
}

static void rotation_keeps_old_keys_readable(void **state)
{
	struct token_keys before, after;
	char *sealed, *plain;
	int64_t key_id;

	(void)state;
	load(&before);
	assert_int_equal(credential_seal(&before, "c", "blob", &sealed, &key_id), 0);
	assert_int_equal(token_keys_rotate(dir, TOKEN_MAX_KEYS), 0);
	assert_int_equal(token_keys_load(dir, &after), 0);
	assert_true(after.keys[after.n - 1].id != (uint32_t)key_id);
	assert_int_equal(credential_unseal(&after, "c", key_id, sealed, &plain), 0);
	assert_string_equal(plain, "blob");
	free(plain);
	free(sealed);
}

static void ec2_blob_rules(void **state)
{
	static const struct {
		const char *blob, *why; /* why NULL: accepted */
	} cases[] = {
		{ "{\"access\": \"a\", \"secret\": \"s\"}", NULL },
		{ "{\"access\": \"\"}", NULL },
		{ "{\"access\": \"a\", \"trust_id\": null, \"x\": [1, {}]}", NULL },
		{ "not json", "Invalid blob in credential" },
		{ "", "Invalid blob in credential" },
		{ "{\"access\": \"a\"} trailing", "Invalid blob in credential" },
		{ "{\"access\": \"a\", \"access\": \"b\"}", "Invalid blob in credential" },
		{ "{\"access\": \"\\ud800\"}", "Invalid blob in credential" },
		{ "[\"access\"]", "Expecting to find blob in credential." },
		{ "\"access\"", "Invalid blob in credential" },
		{ "{}", "Expecting to find blob in credential." },
		{ "{\"secret\": \"s\"}", "Expecting to find access in credential." },
		{ "{\"access\": null}", "Expecting to find access in credential." },
		{ "{\"access\": 1}", "Invalid blob in credential: 'access' must be a string." },
		{ "{\"access\": {\"a\": 1}}", "Invalid blob in credential: 'access' must be a string." },
		{ "{\"access\": \"a\\u0000b\"}", NULL }, /* see below */
	};
	char deep[20001];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		json_t *j = NULL;
		int r = credential_ec2_blob_check(cases[i].blob, &j, &why);
		if (i == ARRAY_SIZE(cases) - 1) {
			/* jansson refuses \u0000 by default: never an access key
			 * that C strings would cut short. */
			assert_int_equal(r, -EINVAL);
			continue;
		}
		if (!cases[i].why) {
			assert_int_equal(r, 0);
			assert_non_null(j);
			json_decref(j);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_null(j);
			assert_non_null(why);
			assert_memory_equal(why, cases[i].why, strlen(cases[i].why));
		}
	}
	/* nesting far past jansson's depth limit: refused, no crash */
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	const char *why = NULL;
	assert_int_equal(credential_ec2_blob_check(deep, NULL, &why), -EINVAL);
	assert_string_equal(why, "Invalid blob in credential");
}

static void ec2_id_is_sha256(void **state)
{
	char id[65];

	(void)state;
	credential_ec2_id("abc", id);
	assert_string_equal(id, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || !mkdtemp(dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seal_round_trip),
		cmocka_unit_test(seal_refuses),
		cmocka_unit_test(rotation_keeps_old_keys_readable),
		cmocka_unit_test(ec2_blob_rules),
		cmocka_unit_test(ec2_id_is_sha256),
	};
	return cmocka_run_group_tests_name("credential", tests, setup, teardown);
}
