/* token.h - stateless encrypted tokens (Fernet-like, XChaCha20-Poly1305).
 *
 * A token carries everything validation needs to answer (who, in which
 * scope, with which roles, until when), so any controller validates one
 * without reading the store; revocation events are checked separately
 * (revoke.c). Keys live in the database (key_store.c; a directory of key
 * files named by a number is the format of stores from before, and of
 * the unit tests): the newest signs, every one present validates. */
#ifndef BASALT_TOKEN_H
#define BASALT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAX_ROLES 16
#define TOKEN_MAX_LEN	1400 /* encoded length limit, well under header limits */
#define TOKEN_KEY_BYTES 32
#define TOKEN_MAX_KEYS	16
#define AUDIT_ID_LEN	22 /* 16 random bytes, url-safe base64 */

enum token_method { TOKEN_M_PASSWORD = 1, TOKEN_M_TOKEN = 2, TOKEN_M_APP_CRED = 4 };
enum token_scope { SCOPE_NONE, SCOPE_PROJECT, SCOPE_DOMAIN, SCOPE_SYSTEM };

/* A decoded token. Strings point into arena: never copy a struct token by
 * value. */
struct token {
	int64_t issued_at, expires_at; /* microseconds since the epoch */
	uint8_t methods;
	enum token_scope scope;
	char audit_id[AUDIT_ID_LEN + 1];
	char parent_audit_id[AUDIT_ID_LEN + 1]; /* "" when none */
	const char *user_id, *user_name, *user_domain_id, *user_domain_name;
	/* SCOPE_PROJECT: the project and its domain. SCOPE_DOMAIN: the domain
	 * (scope_id, scope_name). */
	const char *scope_id, *scope_name, *scope_domain_id, *scope_domain_name;
	int nroles;
	const char *role_id[TOKEN_MAX_ROLES], *role_name[TOKEN_MAX_ROLES];
	/* Delegation (format version 2; NULL when none). An application
	 * credential's token: its id and name, and whether it may manage
	 * credentials and trusts. A trust-scoped token: the trust, its two
	 * users, and whether the token acts as the trustor. Either way
	 * parent_audit_id is the delegation's chain id (token_chain_id), so
	 * one revocation event by audit id ends every token it gave. */
	const char *app_cred_id, *app_cred_name;
	bool app_cred_unrestricted;
	const char *trust_id, *trustor_id, *trustee_id;
	bool trust_impersonation;
	size_t arena_len;
	char arena[2048];
};

struct token_key {
	uint32_t id;
	unsigned char key[TOKEN_KEY_BYTES];
};

struct token_keys {
	int n;
	struct token_key keys[TOKEN_MAX_KEYS]; /* sorted by id; the last one signs */
};

/* token.c */
/* Reset t to an empty token. */
void token_init(struct token *t);
/* Copy s into t's arena; returns the copy, or NULL when the arena is full
 * or s is longer than 255 bytes. */
const char *token_str(struct token *t, const char *s);
/* Fill audit_id with a fresh random audit id. */
void token_new_audit_id(char out[AUDIT_ID_LEN + 1]);
/* The audit chain id of a delegation (an application credential or a
 * trust) named by a 32-hex-digit id: the id's 16 bytes as an audit id.
 * Returns 0, or -EINVAL when id is not 32 hex digits. */
int token_chain_id(const char *id, char out[AUDIT_ID_LEN + 1]);
/* Encrypt t with the newest key into out (NUL-terminated).
 * Returns 0, -ENOKEY with no keys, -ENOSPC when out is too small. */
int token_encode(const struct token_keys *keys, const struct token *t, char *out, size_t outlen);
/* The same with key k (NULL: -ENOKEY). */
int token_encode_key(const struct token_key *k, const struct token *t, char *out, size_t outlen);
/* Decrypt and parse s into t. Returns 0; -EINVAL when s is malformed or
 * was not made with any of keys (the two are not told apart). Expiry and
 * revocation are the caller's checks. */
int token_decode(const struct token_keys *keys, const char *s, struct token *t);

/* Load every key of the repository dir. Returns 0, -ENOKEY when it holds
 * none, or -errno. */
int token_keys_load(const char *dir, struct token_keys *out);
/* Add a new signing key, keeping at most max_active keys (the oldest go).
 * Crash-safe: each key file is written whole or not at all. */
int token_keys_rotate(const char *dir, int max_active);
/* Create the repository with a first key unless it already has one. */
int token_keys_ensure(const char *dir);

#endif
