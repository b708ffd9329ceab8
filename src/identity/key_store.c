/* key_store.c - the token keys and the credential keys, kept in the
 * database (table secret_key, migration 026) sealed with the node's
 * secret key ([database] secret_key_file, the same file on every
 * controller).
 *
 * Why the database and not files on each controller (Keystone's fernet
 * key repository, synced by the operator): with several controllers, a
 * key must reach every one of them before any signs or seals with it.
 * Files need a sync step between rotation and use that an operator can
 * forget (tokens refused on half the controllers; credential blobs
 * re-sealed under a key the others lack, unreadable there). In the
 * database a rotation is one transaction every controller sees within
 * its cache refresh (cache.c, 1 s), and a new token key is staged
 * (signs_from) until all have loaded it. What is distributed by hand is
 * the secret key file, once, when a controller is added; it never
 * rotates with the keys. A database dump alone opens nothing: it lacks
 * that file (back them up apart, docs/install.md).
 *
 * A sealed key is base64(nonce || XChaCha20-Poly1305(key)) with
 * "basalt-key:KIND:ID" as associated data, so a row copied to another
 * kind or number does not open. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "identity/identity.h"
#include "store/store.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define MAC_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEALED_RAW  (NONCE_BYTES + TOKEN_KEY_BYTES + MAC_BYTES)
#define B64	    sodium_base64_VARIANT_ORIGINAL

static void key_ad(char *ad, size_t len, const char *kind, int64_t id)
{
	snprintf(ad, len, "basalt-key:%s:%lld", kind, (long long)id);
}

int key_store_node_key(const struct basalt *b, unsigned char out[KEY_STORE_NODE_KEY_BYTES])
{
	char hex[KEY_STORE_NODE_KEY_BYTES * 2 + 2];
	size_t binlen;
	ssize_t n;
	int fd = open(b->secret_key_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? -ENOKEY : -errno;
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < KEY_STORE_NODE_KEY_BYTES * 2)
		return -EINVAL;
	hex[n] = '\0';
	if (sodium_hex2bin(out, KEY_STORE_NODE_KEY_BYTES, hex, (size_t)n, "\n", &binlen, NULL) != 0 ||
	    binlen != KEY_STORE_NODE_KEY_BYTES) {
		sodium_memzero(hex, sizeof(hex));
		return -EINVAL;
	}
	sodium_memzero(hex, sizeof(hex));
	return 0;
}

/* Make the node's secret key file when there is none. */
static int node_key_ensure(const struct basalt *b)
{
	unsigned char key[KEY_STORE_NODE_KEY_BYTES];
	char hex[KEY_STORE_NODE_KEY_BYTES * 2 + 2];
	int r = key_store_node_key(b, key);

	if (r != -ENOKEY) {
		sodium_memzero(key, sizeof(key));
		return r;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	strcat(hex, "\n");
	r = file_write_atomic(b->secret_key_file, hex, strlen(hex), 0600);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	if (r == 0)
		log_info("keys: made the secret key file %s: copy it to every other controller",
			 b->secret_key_file);
	return r;
}

static int seal(const unsigned char nk[KEY_STORE_NODE_KEY_BYTES], const char *kind,
		const struct token_key *k, char out[KEY_STORE_SEALED_LEN])
{
	unsigned char raw[SEALED_RAW];
	char ad[64];

	key_ad(ad, sizeof(ad), kind, k->id);
	randombytes_buf(raw, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE_BYTES, NULL, k->key, TOKEN_KEY_BYTES,
						   (const unsigned char *)ad, strlen(ad), NULL, raw,
						   nk);
	sodium_bin2base64(out, KEY_STORE_SEALED_LEN, raw, sizeof(raw), B64);
	return 0;
}

static int unseal(const unsigned char nk[KEY_STORE_NODE_KEY_BYTES], const char *kind, int64_t id,
		  const char *sealed, unsigned char key[TOKEN_KEY_BYTES])
{
	unsigned char raw[SEALED_RAW + 4];
	size_t rawlen = 0;
	char ad[64];
	int r = 0;

	key_ad(ad, sizeof(ad), kind, id);
	if (sodium_base642bin(raw, sizeof(raw), sealed, strlen(sealed), NULL, &rawlen, NULL, B64) !=
		    0 ||
	    rawlen != SEALED_RAW ||
	    crypto_aead_xchacha20poly1305_ietf_decrypt(key, NULL, NULL, raw + NONCE_BYTES,
						       rawlen - NONCE_BYTES,
						       (const unsigned char *)ad, strlen(ad), raw,
						       nk) != 0)
		r = -EBADMSG;
	sodium_memzero(raw, sizeof(raw));
	return r;
}

int key_store_load(const struct basalt *b, struct store *st, const char *kind,
		   struct key_ring *out)
{
	unsigned char nk[KEY_STORE_NODE_KEY_BYTES];
	struct key_ring ring = { 0 };
	struct store_stmt *q;
	int r = key_store_node_key(b, nk);

	if (r < 0) {
		log_error("keys: cannot read the secret key file %s: %s", b->secret_key_file,
			  r == -ENOKEY ? "there is none (copy it from another controller, or run"
				       " basaltd bootstrap on the first)"
				       : strerror(-r));
		return r;
	}
	/* The newest TOKEN_MAX_KEYS, oldest first (a rotation keeps fewer). */
	r = store_query(st, &q,
			"SELECT id, sealed, signs_from FROM secret_key WHERE kind = ?"
			" ORDER BY id DESC",
			"s", kind);
	if (r < 0)
		goto out;
	while ((r = store_next(q)) > 0 && ring.keys.n < TOKEN_MAX_KEYS) {
		struct token_key *k = &ring.keys.keys[ring.keys.n];
		k->id = (uint32_t)store_int(q, 0);
		if (unseal(nk, kind, store_int(q, 0), store_text(q, 1), k->key) < 0) {
			log_error("keys: %s key %u does not open with the secret key file %s: every"
				  " controller needs the same file",
				  kind, k->id, b->secret_key_file);
			r = -EBADMSG;
			break;
		}
		ring.signs_from[ring.keys.n] = store_int(q, 2);
		ring.keys.n++;
	}
	store_done(q);
	if (r < 0)
		goto out;
	if (ring.keys.n == 0) {
		r = -ENOKEY;
		goto out;
	}
	/* Oldest first: the last one is the newest (token.h). */
	for (int i = 0, j = ring.keys.n - 1; i < j; i++, j--) {
		struct token_key t = ring.keys.keys[i];
		int64_t s = ring.signs_from[i];
		ring.keys.keys[i] = ring.keys.keys[j];
		ring.signs_from[i] = ring.signs_from[j];
		ring.keys.keys[j] = t;
		ring.signs_from[j] = s;
	}
	*out = ring;
	r = 0;
out:
	sodium_memzero(&ring, sizeof(ring));
	sodium_memzero(nk, sizeof(nk));
	return r;
}

const struct token_key *key_ring_signer(const struct key_ring *ring, int64_t now)
{
	for (int i = ring->keys.n - 1; i >= 0; i--)
		if (ring->signs_from[i] <= now)
			return &ring->keys.keys[i];
	return NULL;
}

/* Insert key k of kind, sealed, in the open write transaction: 0 or
 * -errno (-EEXIST: another controller made that number first). */
static int insert_key(const struct basalt *b, struct store *st, const char *kind,
		      const struct token_key *k, int64_t signs_from)
{
	unsigned char nk[KEY_STORE_NODE_KEY_BYTES];
	char sealed[KEY_STORE_SEALED_LEN];
	int r = key_store_node_key(b, nk);

	if (r < 0)
		return r;
	seal(nk, kind, k, sealed);
	sodium_memzero(nk, sizeof(nk));
	r = store_exec(st,
		       "INSERT INTO secret_key (kind, id, sealed, signs_from, revision)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "sisii", kind, (int64_t)k->id, sealed, signs_from, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int key_store_add(const struct basalt *b, struct store *st, const char *kind, int64_t signs_from,
		  uint32_t *id)
{
	struct store_stmt *q;
	struct token_key k = { 0 };
	int r;

	r = store_query(st, &q, "SELECT COALESCE(MAX(id), 0) FROM secret_key WHERE kind = ?", "s",
			kind);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		k.id = (uint32_t)store_int(q, 0) + 1;
	store_done(q);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	crypto_aead_xchacha20poly1305_ietf_keygen(k.key);
	if (id)
		*id = k.id;
	r = insert_key(b, st, kind, &k, signs_from);
	sodium_memzero(&k, sizeof(k));
	return r < 0 ? r : 0;
}

int key_store_ensure(const struct basalt *b, struct store *st, const char *kind,
		     const char *legacy_dir, bool make)
{
	struct token_keys old;
	struct store_stmt *q;
	int r, n = 0;

	r = store_query(st, &q, "SELECT COUNT(*) FROM secret_key WHERE kind = ?", "s", kind);
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0)
		n = (int)store_int(q, 0);
	store_done(q);
	if (r < 0)
		return r;
	if (n > 0)
		return 0;
	if (!make && (!legacy_dir || token_keys_load(legacy_dir, &old) < 0))
		return 0; /* nothing to import: bootstrap makes them */
	sodium_memzero(&old, sizeof(old));
	r = node_key_ensure(b);
	if (r < 0) {
		log_error("keys: the secret key file %s: %s", b->secret_key_file, strerror(-r));
		return r;
	}
	/* A store from before migration 026: its keys were files. */
	if (legacy_dir && token_keys_load(legacy_dir, &old) == 0) {
		for (int i = 0; i < old.n && r == 0; i++)
			r = insert_key(b, st, kind, &old.keys[i], 0);
		sodium_memzero(&old, sizeof(old));
		if (r == 0)
			log_info("keys: the %s keys of %s are in the database now (the directory"
				 " is no longer read)",
				 kind, legacy_dir);
		return r;
	}
	return key_store_add(b, st, kind, 0, NULL);
}

int key_store_complete(struct store *st)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT COUNT(DISTINCT kind) FROM secret_key", "");

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		r = store_int(q, 0) == 2;
	store_done(q);
	return r;
}

int key_store_prune(struct store *st, const char *kind, int keep)
{
	/* Keep the newest keep keys of kind. */
	return store_exec(st,
			  "DELETE FROM secret_key WHERE kind = ?1 AND id <="
			  " (SELECT COALESCE(MAX(id), 0) FROM secret_key WHERE kind = ?1) - ?2",
			  "si", kind, (int64_t)keep);
}

int key_store_delete(struct store *st, const char *kind, uint32_t id)
{
	return store_exec(st, "DELETE FROM secret_key WHERE kind = ? AND id = ?", "si", kind,
			  (int64_t)id);
}

int token_keys_rotate_store(struct basalt *b, int max_active)
{
	struct store *st = basalt_store(b);
	uint32_t id = 0;
	int r;

	if (!st)
		return -EIO;
	r = store_begin_write(st);
	if (r < 0)
		return r;
	/* Staged: every controller's cache loads it (refresh each second)
	 * before any signs with it, so no controller meets a token signed
	 * with a key it has not loaded yet. */
	r = key_store_add(b, st, KEY_KIND_TOKEN, now_usec() + KEY_STORE_STAGE_USEC, &id);
	if (r == 0 && max_active > 0) {
		int p = key_store_prune(st, KEY_KIND_TOKEN, max_active);
		r = p < 0 ? p : 0;
	}
	if (r == 0)
		r = store_commit(st);
	else
		store_rollback(st);
	if (r == 0)
		log_info("token keys: key %u signs tokens from %d s from now (every controller"
			 " loads it first)",
			 id, (int)(KEY_STORE_STAGE_USEC / 1000000));
	return r;
}

/* The metadata secret's fingerprint: BLAKE2b keyed with the node's secret
 * key, hex. */
static int md_fingerprint(const struct basalt *b, char out[65])
{
	unsigned char nk[KEY_STORE_NODE_KEY_BYTES], h[32];
	const char *secret = b->cfg.metadata_proxy_shared_secret;
	int r = key_store_node_key(b, nk);

	if (r < 0)
		return r;
	crypto_generichash(h, sizeof(h), (const unsigned char *)(secret ? secret : ""),
			   secret ? strlen(secret) : 0, nk, sizeof(nk));
	sodium_memzero(nk, sizeof(nk));
	sodium_bin2hex(out, 65, h, sizeof(h));
	return 0;
}

int key_store_md_secret_check(const struct basalt *b, struct store *st, enum md_secret_mode mode)
{
	struct store_stmt *q;
	char fp[65], *by = NULL;
	int r = md_fingerprint(b, fp), same = -1;

	if (r == -ENOKEY && mode != MD_SECRET_CHECK)
		return 0; /* not bootstrapped: the cache says so next */
	if (r < 0)
		return r;
	/* value: "FINGERPRINT HOST", HOST the controller that recorded it. */
	r = store_query(st, &q, "SELECT value FROM setting WHERE name = 'metadata-secret'", "");
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0) {
		const char *v = store_text(q, 0);
		same = strlen(v) > 65 && v[64] == ' ' && sodium_memcmp(v, fp, 64) == 0;
		by = strlen(v) > 65 ? strdup(v + 65) : NULL;
	}
	store_done(q);
	if (r < 0 || same == 1 || mode == MD_SECRET_CHECK) {
		free(by);
		return r < 0 ? r : same == 1 ? 0 : -ENOENT;
	}
	if (same == 0 && by && strcmp(by, b->cfg.host) != 0)
		log_error("[metadata] proxy_shared_secret differs from the one controller %s started"
			  " with: every controller and network node needs the same one, or the"
			  " metadata requests a load balancer sends to the other are refused",
			  by);
	free(by);
	r = store_exec(st, "DELETE FROM setting WHERE name = 'metadata-secret'", "");
	if (r >= 0) {
		char v[64 + 1 + 256];
		snprintf(v, sizeof(v), "%s %s", fp, b->cfg.host);
		r = store_exec(st,
			       "INSERT INTO setting (name, value, revision) VALUES ('metadata-secret',"
			       " ?, ?)",
			       "si", v, store_txn_revision(st));
	}
	return r < 0 ? r : 0;
}
