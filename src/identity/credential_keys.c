/* credential_keys.c - the keys credential blobs are encrypted with, and the
 * sealing itself.
 *
 * The keys are in the database beside the token keys (key_store.c, kind
 * "credential") but apart from them, as Keystone keeps [credential]
 * key_repository apart from its fernet keys: token keys rotate away after
 * max_active_keys rotations (a token lives an hour, so an old key is soon
 * useless), while a blob must stay readable for as long as the credential
 * lives. A rotation adds a key, re-encrypts every blob with it and
 * removes the keys no row names, all in one transaction: every
 * controller reads every blob before and after it.
 *
 * A sealed blob is base64(nonce || XChaCha20-Poly1305(blob)) with the
 * credential id as associated data (a blob copied onto another row does
 * not open), and the row keeps the number of the key that sealed it. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/log.h"
#include "identity/identity.h"
#include "store/store.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define MAC_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64	    sodium_base64_VARIANT_ORIGINAL

int credential_keys_load(struct basalt *b, struct store *st, struct token_keys *out)
{
	struct key_ring ring;
	int r = key_store_load(b, st, KEY_KIND_CREDENTIAL, &ring);

	if (r < 0) {
		log_error("credentials: cannot load the credential keys (%s): run basaltd bootstrap",
			  strerror(-r));
		return r;
	}
	*out = ring.keys;
	sodium_memzero(&ring, sizeof(ring));
	return 0;
}

int credential_seal(const struct token_keys *keys, const char *id, const char *plain, char **out,
		    int64_t *key_id)
{
	const struct token_key *k;
	size_t plen = strlen(plain), rawlen, b64len;
	unsigned char *raw;

	if (keys->n == 0)
		return -ENOKEY;
	k = &keys->keys[keys->n - 1];
	rawlen = NONCE_BYTES + plen + MAC_BYTES;
	b64len = sodium_base64_ENCODED_LEN(rawlen, B64);
	raw = malloc(rawlen);
	*out = malloc(b64len);
	if (!raw || !*out) {
		free(raw);
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	randombytes_buf(raw, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE_BYTES, NULL,
						   (const unsigned char *)plain, plen,
						   (const unsigned char *)id, strlen(id), NULL, raw,
						   k->key);
	sodium_bin2base64(*out, b64len, raw, rawlen, B64);
	free(raw);
	*key_id = k->id;
	return 0;
}

int credential_unseal(const struct token_keys *keys, const char *id, int64_t key_id,
		      const char *sealed, char **out)
{
	const struct token_key *k = NULL;
	size_t slen = strlen(sealed), rawlen = 0;
	unsigned long long plen;
	unsigned char *raw;
	int r = -EBADMSG;

	*out = NULL;
	for (int i = 0; i < keys->n; i++)
		if (keys->keys[i].id == key_id)
			k = &keys->keys[i];
	if (!k)
		return -ENOKEY;
	raw = malloc(slen / 4 * 3 + 3);
	if (!raw)
		return -ENOMEM;
	if (sodium_base642bin(raw, slen / 4 * 3 + 3, sealed, slen, NULL, &rawlen, NULL, B64) != 0 ||
	    rawlen < NONCE_BYTES + MAC_BYTES)
		goto out;
	*out = malloc(rawlen - NONCE_BYTES - MAC_BYTES + 1);
	if (!*out) {
		r = -ENOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)*out, &plen, NULL,
						       raw + NONCE_BYTES, rawlen - NONCE_BYTES,
						       (const unsigned char *)id, strlen(id), raw,
						       k->key) != 0 ||
	    memchr(*out, '\0', plen)) {
		free(*out);
		*out = NULL;
		goto out;
	}
	(*out)[plen] = '\0';
	r = 0;
out:
	free(raw);
	return r;
}

int credential_keys_rotate(struct basalt *b)
{
	struct token_keys keys;
	struct store *st = basalt_store(b);
	uint32_t id = 0;
	int r, gone = 0;

	if (!st)
		return -EIO;
	r = store_begin_write(st);
	if (r < 0)
		return r;
	/* The new primary, every blob sealed again with it, then the keys no
	 * row names removed: one transaction, so no controller ever meets a
	 * blob under a key it cannot load. */
	r = key_store_add(b, st, KEY_KIND_CREDENTIAL, 0, &id);
	if (r == 0)
		r = credential_keys_load(b, st, &keys);
	if (r == 0) {
		r = credential_rekey(st, &keys);
		for (int i = 0; r == 0 && i + 1 < keys.n; i++) {
			int used = credential_key_in_use(st, keys.keys[i].id);
			if (used < 0)
				r = used;
			else if (used == 0 && (r = key_store_delete(st, KEY_KIND_CREDENTIAL,
								    keys.keys[i].id)) > 0) {
				gone += r;
				r = 0;
			}
		}
		sodium_memzero(&keys, sizeof(keys));
	}
	if (r == 0)
		r = store_commit(st);
	else
		store_rollback(st);
	if (r < 0) {
		log_error("credential keys: rotation failed (%s): nothing changed", strerror(-r));
		return r;
	}
	log_info("credential keys: key %u now encrypts every credential blob (%d old key(s) removed)",
		 id, gone);
	return 0;
}
