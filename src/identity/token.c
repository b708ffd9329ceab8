/* token.c - stateless encrypted tokens and their key repository. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "identity/token.h"

#define TOKEN_VERSION 2 /* 1: no delegation block; still decoded */
#define HDR_LEN	      (1 + 4 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
#define PLAIN_MAX     1024

void token_init(struct token *t)
{
	t->issued_at = t->expires_at = 0;
	t->methods = 0;
	t->scope = SCOPE_NONE;
	t->audit_id[0] = t->parent_audit_id[0] = '\0';
	t->user_id = t->user_name = t->user_domain_id = t->user_domain_name = NULL;
	t->scope_id = t->scope_name = t->scope_domain_id = t->scope_domain_name = NULL;
	t->nroles = 0;
	t->app_cred_id = t->app_cred_name = NULL;
	t->app_cred_unrestricted = false;
	t->trust_id = t->trustor_id = t->trustee_id = NULL;
	t->trust_impersonation = false;
	t->arena_len = 0;
}

static const char *arena_put(struct token *t, const char *s, size_t len)
{
	char *dst;

	if (len > 255 || t->arena_len + len + 1 > sizeof(t->arena))
		return NULL;
	dst = t->arena + t->arena_len;
	memcpy(dst, s, len);
	dst[len] = '\0';
	t->arena_len += len + 1;
	return dst;
}

const char *token_str(struct token *t, const char *s)
{
	return arena_put(t, s ? s : "", s ? strlen(s) : 0);
}

void token_new_audit_id(char out[AUDIT_ID_LEN + 1])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUDIT_ID_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int token_chain_id(const char *id, char out[AUDIT_ID_LEN + 1])
{
	unsigned char raw[16];
	size_t len = 0;

	if (!id || strlen(id) != 32 ||
	    sodium_hex2bin(raw, sizeof(raw), id, 32, NULL, &len, NULL) != 0 || len != 16)
		return -EINVAL;
	sodium_bin2base64(out, AUDIT_ID_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* Token text is url-safe base64 of public bytes (ciphertext), so a plain
 * table decoder serves; libsodium's constant-time one cost an eighth of
 * every validation. Returns the decoded length or -1. */
static long b64url_decode(const char *s, size_t len, unsigned char *out, size_t cap)
{
	static signed char table[256];
	static bool ready;
	uint32_t acc = 0;
	size_t n = 0;
	int bits = 0;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		static const char alphabet[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		signed char t[256];
		memset(t, -1, sizeof(t));
		for (int i = 0; i < 64; i++)
			t[(unsigned char)alphabet[i]] = (signed char)i;
		memcpy(table, t, sizeof(t));
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = table[(unsigned char)s[i]];
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* Leftover bits must be zero padding, or the text is not canonical. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (long)n;
}

/* --- plaintext layout --- */

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	bool overflow;
};

static void put_bytes(struct wbuf *w, const void *v, size_t n)
{
	if (w->len + n > w->cap) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put_u8(struct wbuf *w, unsigned v)
{
	unsigned char b = (unsigned char)v;
	put_bytes(w, &b, 1);
}

static void put_i64(struct wbuf *w, int64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	put_bytes(w, b, 8);
}

static void put_str(struct wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 255) {
		w->overflow = true;
		return;
	}
	put_u8(w, (unsigned)n);
	put_bytes(w, s, n);
}

struct rbuf {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static const unsigned char *get_bytes(struct rbuf *r, size_t n)
{
	const unsigned char *p;
	if (r->off + n > r->len) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static unsigned get_u8(struct rbuf *r)
{
	const unsigned char *p = get_bytes(r, 1);
	return p ? *p : 0;
}

static int64_t get_i64(struct rbuf *r)
{
	const unsigned char *p = get_bytes(r, 8);
	uint64_t v = 0;
	if (!p)
		return 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

static const char *get_str(struct rbuf *r, struct token *t)
{
	unsigned n = get_u8(r);
	const unsigned char *p = get_bytes(r, n);
	const char *s;

	if (!p)
		return NULL;
	if (memchr(p, '\0', n)) {
		r->bad = true;
		return NULL;
	}
	s = arena_put(t, (const char *)p, n);
	if (!s)
		r->bad = true;
	return s;
}

static void put_audit(struct wbuf *w, const char *audit)
{
	unsigned char raw[16] = { 0 };
	size_t len = 0;

	if (sodium_base642bin(raw, sizeof(raw), audit, strlen(audit), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(raw))
		w->overflow = true;
	put_bytes(w, raw, sizeof(raw));
}

static void get_audit(struct rbuf *r, char out[AUDIT_ID_LEN + 1])
{
	const unsigned char *p = get_bytes(r, 16);

	out[0] = '\0';
	if (p)
		sodium_bin2base64(out, AUDIT_ID_LEN + 1, p, 16,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum { EXT_APP_CRED = 1, EXT_TRUST = 2, EXT_UNRESTRICTED = 4, EXT_IMPERSONATION = 8 };

/* The delegation block's ids: a Keystone-style id (32 lowercase hex
 * digits, as Basalt makes them) as 0 and its 16 bytes, anything else as 1
 * and a string. Half the room, so a token with many roles still fits. */
static void put_id(struct wbuf *w, const char *id)
{
	unsigned char raw[16];
	size_t len = 0;
	bool hex = id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32 &&
		   sodium_hex2bin(raw, sizeof(raw), id, 32, NULL, &len, NULL) == 0 && len == 16;

	put_u8(w, hex ? 0 : 1);
	if (hex)
		put_bytes(w, raw, sizeof(raw));
	else
		put_str(w, id);
}

static const char *get_id(struct rbuf *r, struct token *t)
{
	char hex[33];
	const unsigned char *p;
	unsigned kind = get_u8(r);

	if (kind == 1)
		return get_str(r, t);
	p = get_bytes(r, 16);
	if (kind != 0 || !p) {
		r->bad = true;
		return NULL;
	}
	sodium_bin2hex(hex, sizeof(hex), p, 16);
	return arena_put(t, hex, 32);
}

static size_t serialize(const struct token *t, unsigned char *buf, size_t cap)
{
	struct wbuf w = { .p = buf, .cap = cap };

	put_u8(&w, t->methods);
	put_u8(&w, t->scope);
	put_i64(&w, t->issued_at);
	put_i64(&w, t->expires_at);
	put_audit(&w, t->audit_id);
	put_u8(&w, t->parent_audit_id[0] != '\0');
	if (t->parent_audit_id[0])
		put_audit(&w, t->parent_audit_id);
	put_str(&w, t->user_id);
	put_str(&w, t->user_name);
	put_str(&w, t->user_domain_id);
	put_str(&w, t->user_domain_name);
	if (t->scope == SCOPE_PROJECT || t->scope == SCOPE_DOMAIN) {
		put_str(&w, t->scope_id);
		put_str(&w, t->scope_name);
	}
	if (t->scope == SCOPE_PROJECT) {
		put_str(&w, t->scope_domain_id);
		put_str(&w, t->scope_domain_name);
	}
	put_u8(&w, (unsigned)t->nroles);
	for (int i = 0; i < t->nroles; i++) {
		put_str(&w, t->role_id[i]);
		put_str(&w, t->role_name[i]);
	}
	/* Version 2: the delegation block, a flags byte then its strings. */
	put_u8(&w, (t->app_cred_id ? EXT_APP_CRED : 0u) | (t->trust_id ? EXT_TRUST : 0u) |
		       (t->app_cred_unrestricted ? EXT_UNRESTRICTED : 0u) |
		       (t->trust_impersonation ? EXT_IMPERSONATION : 0u));
	if (t->app_cred_id) {
		put_id(&w, t->app_cred_id);
		put_str(&w, t->app_cred_name);
	}
	if (t->trust_id) {
		put_id(&w, t->trust_id);
		put_id(&w, t->trustor_id);
		put_id(&w, t->trustee_id);
	}
	return w.overflow ? 0 : w.len;
}

static int parse(const unsigned char *buf, size_t len, unsigned version, struct token *t)
{
	struct rbuf r = { .p = buf, .len = len };
	unsigned nroles;

	token_init(t);
	t->methods = (uint8_t)get_u8(&r);
	t->scope = (enum token_scope)get_u8(&r);
	if (t->scope > SCOPE_SYSTEM)
		return -EINVAL;
	t->issued_at = get_i64(&r);
	t->expires_at = get_i64(&r);
	get_audit(&r, t->audit_id);
	if (get_u8(&r))
		get_audit(&r, t->parent_audit_id);
	t->user_id = get_str(&r, t);
	t->user_name = get_str(&r, t);
	t->user_domain_id = get_str(&r, t);
	t->user_domain_name = get_str(&r, t);
	if (t->scope == SCOPE_PROJECT || t->scope == SCOPE_DOMAIN) {
		t->scope_id = get_str(&r, t);
		t->scope_name = get_str(&r, t);
	}
	if (t->scope == SCOPE_PROJECT) {
		t->scope_domain_id = get_str(&r, t);
		t->scope_domain_name = get_str(&r, t);
	}
	nroles = get_u8(&r);
	if (nroles > TOKEN_MAX_ROLES)
		return -EINVAL;
	for (unsigned i = 0; i < nroles && !r.bad; i++) {
		t->role_id[i] = get_str(&r, t);
		t->role_name[i] = get_str(&r, t);
	}
	t->nroles = (int)nroles;
	if (version >= 2 && !r.bad) {
		unsigned ext = get_u8(&r);
		if (ext & ~(unsigned)(EXT_APP_CRED | EXT_TRUST | EXT_UNRESTRICTED | EXT_IMPERSONATION))
			return -EINVAL;
		if (ext & EXT_APP_CRED) {
			t->app_cred_id = get_id(&r, t);
			t->app_cred_name = get_str(&r, t);
		}
		if (ext & EXT_TRUST) {
			t->trust_id = get_id(&r, t);
			t->trustor_id = get_id(&r, t);
			t->trustee_id = get_id(&r, t);
		}
		t->app_cred_unrestricted = (ext & EXT_UNRESTRICTED) != 0;
		t->trust_impersonation = (ext & EXT_IMPERSONATION) != 0;
	}
	if (r.bad || r.off != r.len)
		return -EINVAL;
	return 0;
}

int token_encode(const struct token_keys *keys, const struct token *t, char *out, size_t outlen)
{
	if (keys->n == 0)
		return -ENOKEY;
	return token_encode_key(&keys->keys[keys->n - 1], t, out, outlen);
}

int token_encode_key(const struct token_key *k, const struct token *t, char *out, size_t outlen)
{
	unsigned char plain[PLAIN_MAX];
	unsigned char raw[HDR_LEN + PLAIN_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	unsigned long long clen;
	size_t plen;

	if (!k)
		return -ENOKEY;
	plen = serialize(t, plain, sizeof(plain));
	if (plen == 0)
		return -ENOSPC;
	raw[0] = TOKEN_VERSION;
	for (int i = 0; i < 4; i++)
		raw[1 + i] = (unsigned char)(k->id >> (24 - 8 * i));
	randombytes_buf(raw + 5, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	/* The header is authenticated as associated data. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(raw + HDR_LEN, &clen, plain, plen, raw, 5, NULL,
						   raw + 5, k->key);
	sodium_memzero(plain, sizeof(plain));
	if (sodium_base64_ENCODED_LEN(HDR_LEN + clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING) >
	    outlen)
		return -ENOSPC;
	sodium_bin2base64(out, outlen, raw, HDR_LEN + clen,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int token_decode(const struct token_keys *keys, const char *s, struct token *t)
{
	unsigned char raw[HDR_LEN + PLAIN_MAX + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	unsigned char plain[PLAIN_MAX];
	unsigned long long plen;
	size_t rawlen, slen = strnlen(s, TOKEN_MAX_LEN + 1);
	const struct token_key *k = NULL;
	uint32_t kid;

	if (slen > TOKEN_MAX_LEN)
		return -EINVAL;
	long dl = b64url_decode(s, slen, raw, sizeof(raw));
	if (dl < 0)
		return -EINVAL;
	rawlen = (size_t)dl;
	if (rawlen < HDR_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES || raw[0] < 1 ||
	    raw[0] > TOKEN_VERSION)
		return -EINVAL;
	kid = (uint32_t)raw[1] << 24 | (uint32_t)raw[2] << 16 | (uint32_t)raw[3] << 8 | raw[4];
	for (int i = 0; i < keys->n; i++)
		if (keys->keys[i].id == kid)
			k = &keys->keys[i];
	if (!k)
		return -EINVAL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		plain, &plen, NULL, raw + HDR_LEN, rawlen - HDR_LEN, raw, 5, raw + 5, k->key) != 0)
		return -EINVAL;
	int r = parse(plain, (size_t)plen, raw[0], t);
	sodium_memzero(plain, sizeof(plain));
	return r;
}

/* --- key repository --- */

static int key_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct token_key *)a)->id, y = ((const struct token_key *)b)->id;
	return x < y ? -1 : x > y;
}

static int read_key(const char *dir, const char *name, struct token_key *k)
{
	char path[4096], hex[TOKEN_KEY_BYTES * 2 + 2];
	size_t binlen;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < TOKEN_KEY_BYTES * 2)
		return -EINVAL;
	hex[n] = '\0';
	if (sodium_hex2bin(k->key, sizeof(k->key), hex, (size_t)n, "\n", &binlen, NULL) != 0 ||
	    binlen != TOKEN_KEY_BYTES)
		return -EINVAL;
	return 0;
}

/* Key files are named by a decimal number and nothing else (temp files of
 * a rotation in progress end in .tmp.PID and are skipped). */
static bool key_name(const char *name, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (name[0] < '0' || name[0] > '9')
		return false;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

int token_keys_load(const char *dir, struct token_keys *out)
{
	struct token_keys keys = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct token_key k;
		if (!key_name(de->d_name, &k.id))
			continue;
		if (read_key(dir, de->d_name, &k) < 0) {
			log_warn("token keys: skipping unreadable key %s/%s", dir, de->d_name);
			continue;
		}
		if (keys.n == TOKEN_MAX_KEYS) {
			/* Keep the newest: drop the smallest id. */
			qsort(keys.keys, (size_t)keys.n, sizeof(k), key_cmp);
			if (k.id < keys.keys[0].id)
				continue;
			keys.keys[0] = k;
		} else {
			keys.keys[keys.n++] = k;
		}
	}
	closedir(d);
	if (keys.n == 0)
		return -ENOKEY;
	qsort(keys.keys, (size_t)keys.n, sizeof(keys.keys[0]), key_cmp);
	*out = keys;
	sodium_memzero(&keys, sizeof(keys));
	return 0;
}

static int write_key(const char *dir, uint32_t id)
{
	unsigned char key[TOKEN_KEY_BYTES];
	char hex[TOKEN_KEY_BYTES * 2 + 2], path[4096];
	int r;

	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	strcat(hex, "\n");
	snprintf(path, sizeof(path), "%s/%u", dir, id);
	r = file_write_atomic(path, hex, strlen(hex), 0600);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return r;
}

int token_keys_rotate(const char *dir, int max_active)
{
	struct token_keys keys;
	uint32_t next = 1;
	int r;

	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	r = token_keys_load(dir, &keys);
	if (r < 0 && r != -ENOKEY)
		return r;
	if (r == 0)
		next = keys.keys[keys.n - 1].id + 1;
	else
		keys.n = 0;
	r = write_key(dir, next);
	if (r < 0)
		return r;
	/* keys.n old keys plus the new one; drop the oldest beyond max_active. */
	for (int i = 0; i + max_active < keys.n + 1 && i < keys.n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%u", dir, keys.keys[i].id);
		if (unlink(path) < 0)
			log_warn("token keys: cannot remove %s: %s", path, strerror(errno));
	}
	sodium_memzero(&keys, sizeof(keys));
	log_info("token keys: key %u now signs tokens", next);
	return 0;
}

int token_keys_ensure(const char *dir)
{
	struct token_keys keys;
	int r = mkdir_p(dir, 0700);

	if (r < 0)
		return r;
	r = token_keys_load(dir, &keys);
	sodium_memzero(&keys, sizeof(keys));
	if (r == -ENOKEY)
		return token_keys_rotate(dir, 1);
	return r;
}
