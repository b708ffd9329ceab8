/* test_token.c - tokens round-trip, refuse tampering, and keys rotate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "identity/identity.h"
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

/* The body as the first version rendered it: jansson objects, dumped
 * compact. token_body_text must give the same bytes. */
static char *jansson_body(const struct token *t, const char *catalog)
{
	char issued[32], expires[32], *text;
	json_t *tok, *methods = json_array(), *audit = json_array(), *roles, *body;

	time_format_iso(t->issued_at, issued);
	time_format_iso(t->expires_at, expires);
	if (t->methods & TOKEN_M_PASSWORD)
		json_array_append_new(methods, json_string("password"));
	if (t->methods & TOKEN_M_TOKEN)
		json_array_append_new(methods, json_string("token"));
	json_array_append_new(audit, json_string(t->audit_id));
	if (t->parent_audit_id[0])
		json_array_append_new(audit, json_string(t->parent_audit_id));
	tok = json_pack("{s:o,s:{s:{s:s,s:s},s:s,s:s,s:n},s:o,s:s,s:s}", "methods", methods, "user",
			"domain", "id", t->user_domain_id, "name", t->user_domain_name, "id",
			t->user_id, "name", t->user_name, "password_expires_at", "audit_ids", audit,
			"expires_at", expires, "issued_at", issued);
	if (t->scope == SCOPE_PROJECT) {
		json_object_set_new(tok, "project",
				    json_pack("{s:{s:s,s:s},s:s,s:s}", "domain", "id",
					      t->scope_domain_id, "name", t->scope_domain_name,
					      "id", t->scope_id, "name", t->scope_name));
		json_object_set_new(tok, "is_domain", json_false());
	} else if (t->scope == SCOPE_DOMAIN) {
		json_object_set_new(
		    tok, "domain",
		    json_pack("{s:s,s:s}", "id", t->scope_id, "name", t->scope_name));
	} else if (t->scope == SCOPE_SYSTEM) {
		json_object_set_new(tok, "system", json_pack("{s:b}", "all", 1));
	}
	if (t->scope != SCOPE_NONE) {
		roles = json_array();
		for (int i = 0; i < t->nroles; i++)
			json_array_append_new(roles, json_pack("{s:s,s:s}", "id", t->role_id[i],
							       "name", t->role_name[i]));
		json_object_set_new(tok, "roles", roles);
	}
	if (catalog)
		json_object_set_new(tok, "catalog", json_loads(catalog, 0, NULL));
	body = json_pack("{s:o}", "token", tok);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

/* Every scope, both methods, a parent audit id, names that need escaping
 * (quotes, backslashes, control characters, non-ASCII), 0 to 16 roles,
 * with and without a catalog: the same bytes as jansson's. */
static void body_as_jansson(void **state)
{
	static const char *const names[] = { "plain", "q\"uo\\te", "ctl\x01\x1f\n\t\r\b\f",
					     "caf\xc3\xa9 \xe2\x80\xa8", "", "sl/ash" };
	static const char catalog[] = "[{\"endpoints\":[],\"type\":\"identity\",\"id\":\"x\"}]";
	int n = 0;

	for (int scope = SCOPE_NONE; scope <= SCOPE_SYSTEM; scope++)
		for (int m = 1; m <= 3; m++)
			for (int k = 0; k < 6; k++) {
				struct token t;
				char *want, *got;

				fill(&t);
				t.scope = (enum token_scope)scope;
				t.methods = (uint8_t)m;
				t.user_name = token_str(&t, names[k]);
				t.scope_name = token_str(&t, names[(k + 1) % 6]);
				t.user_domain_name = token_str(&t, names[(k + 2) % 6]);
				t.nroles = (k * 3 + m) % (TOKEN_MAX_ROLES + 1);
				for (int i = 0; i < t.nroles; i++) {
					t.role_id[i] = token_str(&t, "rid");
					t.role_name[i] = names[(k + i) % 6];
				}
				if (k % 2)
					token_new_audit_id(t.parent_audit_id);
				for (int c = 0; c < 2; c++) {
					want = jansson_body(&t, c ? catalog : NULL);
					got = token_body_text(&t, c ? catalog : NULL,
							      c ? strlen(catalog) : 0);
					assert_non_null(want);
					assert_non_null(got);
					assert_string_equal(got, want);
					free(want);
					free(got);
					n++;
				}
			}
	assert_int_equal(n, 4 * 3 * 6 * 2);
}

/* The token times: the same text as gmtime_r + strftime, over 1970-9999
 * (leap days, centuries, the last microsecond of a day). */
static void iso_times(void **state)
{
	static const int64_t fixed[] = { 0, 951782400999999, 951868799999999, 4107542400000000,
					 1700000000123456, INT64_C(253402300799) * 1000000 + 999999 };

	for (int i = 0; i < 20000 + (int)ARRAY_SIZE(fixed); i++) {
		int64_t us = i < (int)ARRAY_SIZE(fixed)
				     ? fixed[i]
				     : (int64_t)(randombytes_uniform(2000000000u)) * 126 * 1000000 +
					   randombytes_uniform(1000000);
		time_t secs = (time_t)(us / 1000000);
		char got[32], want[32];
		struct tm tm;

		gmtime_r(&secs, &tm);
		strftime(want, 32, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + 19, 13, ".%06dZ", (int)(us % 1000000));
		time_format_iso(us, got);
		assert_string_equal(got, want);
	}
}

/* Version 2's delegation block round-trips, and a full token (16 roles
 * by 32-digit ids, a trust and an application credential) still fits
 * TOKEN_MAX_LEN. */
static void delegation_round_trip(void **state)
{
	static const char id32[] = "0123456789abcdef0123456789abcdef";
	struct token_keys keys;
	struct token t, d;
	char buf[TOKEN_MAX_LEN + 1], name[65], chain[AUDIT_ID_LEN + 1];

	(void)state;
	assert_int_equal(token_keys_load(dir, &keys), 0);
	fill(&t);
	t.methods = TOKEN_M_APP_CRED | TOKEN_M_TOKEN;
	t.app_cred_id = token_str(&t, id32);
	t.app_cred_name = token_str(&t, "my-credential");
	t.app_cred_unrestricted = true;
	t.trust_id = token_str(&t, id32);
	t.trustor_id = token_str(&t, "not-hex-id");
	t.trustee_id = token_str(&t, id32);
	t.trust_impersonation = true;
	assert_int_equal(token_chain_id(id32, chain), 0);
	memcpy(t.parent_audit_id, chain, sizeof(chain));
	for (int i = 1; i < TOKEN_MAX_ROLES; i++) {
		snprintf(name, sizeof(name), "role-%02d", i);
		t.role_id[i] = token_str(&t, id32);
		t.role_name[i] = token_str(&t, name);
	}
	t.nroles = TOKEN_MAX_ROLES;
	assert_int_equal(token_encode(&keys, &t, buf, sizeof(buf)), 0);
	assert_true(strlen(buf) <= TOKEN_MAX_LEN);
	assert_int_equal(token_decode(&keys, buf, &d), 0);
	assert_int_equal(d.methods, TOKEN_M_APP_CRED | TOKEN_M_TOKEN);
	assert_string_equal(d.app_cred_id, id32);
	assert_string_equal(d.app_cred_name, "my-credential");
	assert_true(d.app_cred_unrestricted);
	assert_string_equal(d.trust_id, id32);
	assert_string_equal(d.trustee_id, id32);
	assert_true(d.trust_impersonation);
	assert_string_equal(d.parent_audit_id, chain);
	assert_int_equal(d.nroles, TOKEN_MAX_ROLES);
	assert_string_equal(d.role_name[15], "role-15");
	assert_string_equal(d.trustor_id, "not-hex-id");
	/* Without delegation nothing comes back. */
	fill(&t);
	assert_int_equal(token_encode(&keys, &t, buf, sizeof(buf)), 0);
	assert_int_equal(token_decode(&keys, buf, &d), 0);
	assert_null(d.app_cred_id);
	assert_null(d.trust_id);
	assert_false(d.trust_impersonation);
}

/* A delegated token's body: valid JSON with Keystone's blocks, and the
 * chain id not among the audit ids. */
static void delegation_body(void **state)
{
	static const char id32[] = "0123456789abcdef0123456789abcdef";
	struct token t;
	json_t *j, *tok;
	char *text;

	(void)state;
	for (int imp = 0; imp < 2; imp++) {
		fill(&t);
		t.trust_id = token_str(&t, id32);
		t.trustor_id = token_str(&t, "trustor");
		t.trustee_id = token_str(&t, "trustee");
		t.trust_impersonation = imp;
		t.app_cred_id = token_str(&t, id32);
		t.app_cred_name = token_str(&t, "cred \"one\"");
		t.methods = TOKEN_M_APP_CRED;
		assert_int_equal(token_chain_id(id32, t.parent_audit_id), 0);
		text = token_body_text(&t, NULL, 0);
		assert_non_null(text);
		j = json_loads(text, 0, NULL);
		assert_non_null(j);
		tok = json_object_get(j, "token");
		assert_string_equal(json_string_value(json_array_get(json_object_get(tok, "methods"), 0)),
				    "application_credential");
		assert_int_equal(json_array_size(json_object_get(tok, "audit_ids")), 1);
		assert_string_equal(json_string_value(json_object_get(
					json_object_get(tok, "application_credential"), "name")),
				    "cred \"one\"");
		assert_true(json_is_true(json_object_get(json_object_get(tok, "application_credential"),
							 "restricted")));
		assert_true(json_boolean_value(json_object_get(json_object_get(tok, "OS-TRUST:trust"),
							       "impersonation")) == imp);
		assert_string_equal(json_string_value(json_object_get(
					json_object_get(json_object_get(tok, "OS-TRUST:trust"),
							"trustor_user"),
					"id")),
				    "trustor");
		json_decref(j);
		free(text);
	}
}

/* The chain id is the id's 16 bytes: stable, and only for 32 hex digits. */
static void chain_id(void **state)
{
	char a[AUDIT_ID_LEN + 1], b[AUDIT_ID_LEN + 1];

	(void)state;
	assert_int_equal(token_chain_id("0123456789abcdef0123456789abcdef", a), 0);
	assert_int_equal(token_chain_id("0123456789abcdef0123456789abcdef", b), 0);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), AUDIT_ID_LEN);
	assert_int_equal(token_chain_id("0123456789abcdef0123456789abcdee", b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(token_chain_id("short", a), -EINVAL);
	assert_int_equal(token_chain_id("0123456789abcdef0123456789abcdeg", a), -EINVAL);
	assert_int_equal(token_chain_id(NULL, a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(tampered_refused),
		cmocka_unit_test(rotation_keeps_old_keys_valid),
		cmocka_unit_test(oversize_names_rejected),
		cmocka_unit_test(body_as_jansson),
		cmocka_unit_test(iso_times),
		cmocka_unit_test(delegation_round_trip),
		cmocka_unit_test(chain_id),
		cmocka_unit_test(delegation_body),
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
