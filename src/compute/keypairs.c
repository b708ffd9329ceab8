/* keypairs.c - the key pair resource (the keypair table: a user's keys)
 * and the handlers of /compute/v2.1/os-keypairs: import a public key, or
 * create one (ed25519, the private key returned once in OpenSSH's
 * format); from 2.2 also x509 key pairs, a certificate (keypair_x509.c). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/md5.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

#define KEYPAIR_COLS "name, public_key, fingerprint, key_type, user_id, created_at"

static json_t *render_keypair(const struct http_request *req, struct store_stmt *q)
{
	json_t *k = json_pack("{s:s,s:s,s:s}", "name", store_text(q, 0), "public_key",
			      store_text(q, 1), "fingerprint", store_text(q, 2));

	if (microversion_at_least(req, 2, 2))
		json_object_set_new(k, "type", json_string(store_text(q, 3)));
	return k;
}

static json_t *render_keypair_item(const struct http_request *req, struct store_stmt *q)
{
	return json_pack("{s:o}", "keypair", render_keypair(req, q));
}

static json_t *render_keypair_full(const struct http_request *req, struct store_stmt *q)
{
	json_t *k = render_keypair(req, q);

	json_object_set_new(k, "user_id", json_string(store_text(q, 4)));
	json_object_set_new(k, "created_at", nova_time(store_int(q, 5)));
	json_object_set_new(k, "deleted", json_false());
	json_object_set_new(k, "deleted_at", json_null());
	json_object_set_new(k, "updated_at", json_null());
	json_object_set_new(k, "id", json_integer(0));
	return k;
}

/* Key pairs are per user: the caller's own, or the user asked (a body's
 * user_id, or ?user_id= from microversion 2.10) when the action's rule
 * allows it (Nova: admin or the user). NULL with Nova's 403 in res
 * otherwise. */
static const char *key_owner(struct http_request *req, struct http_response *res,
			     const char *asked, const char *action)
{
	const char *u = asked ? asked : req->caller.user_id;

	if (!policy_allows(&req->caller, action, &(struct target){ .user_id = u })) {
		http_error(res, 403, "Policy doesn't allow %s to be performed.", action);
		return NULL;
	}
	return u;
}

/* --- the key pair resource: the keypair table --- */

int keypair_query(struct store *st, const char *user_id, const char *name, struct store_stmt **q)
{
	return store_query(st, q,
			   "SELECT " KEYPAIR_COLS " FROM keypair WHERE user_id = ?1"
			   " AND (?2 IS NULL OR name = ?2) ORDER BY name",
			   "ss", user_id, name);
}

int keypair_insert(struct store *st, const char *user_id, const char *name, const char *type,
		   const char *public_key, const char *fingerprint)
{
	int r = store_exec(st,
			   "INSERT INTO keypair (user_id, name, key_type, public_key, fingerprint,"
			   " created_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
			   "sssssii", user_id, name, type, public_key, fingerprint, now_usec(),
			   store_txn_revision(st));

	return r < 0 ? r : 0;
}

int keypair_delete(struct store *st, const char *user_id, const char *name)
{
	int r = store_exec(st, "DELETE FROM keypair WHERE user_id = ? AND name = ?", "ss", user_id,
			   name);

	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* --- the handlers --- */

static const char *query_user(const struct http_request *req)
{
	return microversion_at_least(req, 2, 10) ? http_query(req, "user_id") : NULL;
}

int keypair_public_key(struct store *st, const char *user_id, const char *name, char **key)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT public_key FROM keypair WHERE user_id = ? AND name = ?",
			    "ss", user_id, name);

	*key = NULL;
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && !(*key = strdup(store_text(q, 0))))
		r = -ENOMEM;
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int h_keypair_list(struct http_request *req, struct http_response *res)
{
	const char *u = key_owner(req, res, query_user(req),
				  "os_compute_api:os-keypairs:index");

	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	int r;

	if (!u)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = keypair_query(st, u, NULL, &q);
	if (r < 0)
		return http_error_errno(res, r, "keypairs");
	return nova_reply_rows(req, res, "keypairs", render_keypair_item, q);
}

int h_keypair_get(struct http_request *req, struct http_response *res)
{
	const char *name = http_param(req, "name");
	const char *u = key_owner(req, res, query_user(req),
				  "os_compute_api:os-keypairs:show");

	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_t *k;
	int r;

	if (!u)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = keypair_query(st, u, name, &q);
	if (r < 0)
		return http_error_errno(res, r, "keypair");
	r = store_next(q);
	k = r > 0 ? render_keypair_full(req, q) : NULL;
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "keypair");
	if (!k)
		return http_error(res, 404, "Keypair %s could not be found.", name);
	return http_reply(res, 200, json_pack("{s:o}", "keypair", k));
}

/* --- SSH wire format --- */

static void put_string(unsigned char *buf, size_t *off, const void *data, size_t len)
{
	buf[(*off)++] = (unsigned char)(len >> 24);
	buf[(*off)++] = (unsigned char)(len >> 16);
	buf[(*off)++] = (unsigned char)(len >> 8);
	buf[(*off)++] = (unsigned char)len;
	memcpy(buf + *off, data, len);
	*off += len;
}

/* The MD5 fingerprint Nova shows: "aa:bb:...". */
static void fingerprint(const unsigned char *blob, size_t len, char out[48])
{
	char hex[33];

	md5_hex(blob, len, hex);
	for (int i = 0; i < 16; i++) {
		out[3 * i] = hex[2 * i];
		out[3 * i + 1] = hex[2 * i + 1];
		out[3 * i + 2] = i == 15 ? '\0' : ':';
	}
}

/* Parse "TYPE BASE64 [comment]"; checks the blob names the same type.
 * Fills the fingerprint. Returns 0 or -EINVAL. */
static int parse_public_key(const char *key, char fp[48])
{
	static const char *const types[] = { "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256",
					     "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
					     "ssh-dss" };
	unsigned char blob[8192];
	const char *sp = strchr(key, ' '), *b64, *end;
	size_t tlen, blen;
	bool known = false;

	if (!sp)
		return -EINVAL;
	tlen = (size_t)(sp - key);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strlen(types[i]) == tlen && strncmp(types[i], key, tlen) == 0)
			known = true;
	if (!known)
		return -EINVAL;
	b64 = sp + 1;
	end = b64 + strcspn(b64, " \n");
	if (sodium_base642bin(blob, sizeof(blob), b64, (size_t)(end - b64), NULL, &blen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen < 4 + tlen)
		return -EINVAL;
	if (((size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3]) != tlen ||
	    memcmp(blob + 4, key, tlen) != 0)
		return -EINVAL;
	fingerprint(blob, blen, fp);
	return 0;
}

/* A fresh ed25519 key: public line and OpenSSH private key (malloc'd). */
static int generate(const char *comment, char **pub_out, char **priv_out)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char blob[64], priv[512], file[1024];
	size_t blen = 0, plen = 0, flen = 0, clen = strlen(comment);
	uint32_t check = randombytes_random();
	char b64[1500], *pub = NULL, *pem = NULL;
	size_t pos = 0;
	FILE *f;

	if (clen > 200)
		return -EINVAL;
	crypto_sign_keypair(pk, sk);
	put_string(blob, &blen, "ssh-ed25519", 11);
	put_string(blob, &blen, pk, sizeof(pk));
	for (int i = 0; i < 2; i++)
		for (int s = 24; s >= 0; s -= 8)
			priv[plen++] = (unsigned char)(check >> s);
	put_string(priv, &plen, "ssh-ed25519", 11);
	put_string(priv, &plen, pk, sizeof(pk));
	put_string(priv, &plen, sk, sizeof(sk));
	put_string(priv, &plen, comment, clen);
	for (unsigned char pad = 1; plen % 8; pad++)
		priv[plen++] = pad;
	memcpy(file, "openssh-key-v1", 15);
	flen = 15;
	put_string(file, &flen, "none", 4);
	put_string(file, &flen, "none", 4);
	put_string(file, &flen, "", 0);
	file[flen++] = 0, file[flen++] = 0, file[flen++] = 0, file[flen++] = 1;
	put_string(file, &flen, blob, blen);
	put_string(file, &flen, priv, plen);

	sodium_bin2base64(b64, sizeof(b64), blob, blen, sodium_base64_VARIANT_ORIGINAL);
	if (asprintf(&pub, "ssh-ed25519 %s %s", b64, comment) < 0)
		pub = NULL;
	sodium_bin2base64(b64, sizeof(b64), file, flen, sodium_base64_VARIANT_ORIGINAL);
	size_t n = 0;
	f = open_memstream(&pem, &n);
	if (f) {
		fputs("-----BEGIN OPENSSH PRIVATE KEY-----\n", f);
		for (size_t len = strlen(b64); pos < len; pos += 70)
			fprintf(f, "%.70s\n", b64 + pos);
		fputs("-----END OPENSSH PRIVATE KEY-----\n", f);
		fclose(f);
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(file, sizeof(file));
	sodium_memzero(b64, sizeof(b64));
	if (!pub || !pem) {
		free(pub);
		free(pem);
		return -ENOMEM;
	}
	*pub_out = pub;
	*priv_out = pem;
	return 0;
}

int h_keypair_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, true, 255 },
		{ "public_key", J_STRING, false, 16384 },
		{ "type", J_STRING, false, 16 },
		{ "user_id", J_STRING, false, 64 },
	};
	json_t *k;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "keypair", fields, ARRAY_SIZE(fields), &k);
	_cleanup_free_ char *pub = NULL, *priv = NULL;
	const char *name, *type, *user;
	struct store *st;
	char fp[60], why[128];
	bool x509;
	json_t *out;
	int r;

	if (!body)
		return -1;
	name = json_str(k, "name");
	type = json_str(k, "type") ? json_str(k, "type") : "ssh";
	/* The type is Nova's from 2.2 (ssh or x509); before, no such field. */
	if (json_object_get(k, "type") && !microversion_at_least(req, 2, 2))
		return http_error(res, 400, "Invalid input for field 'type': Additional properties "
					    "are not allowed ('type' was unexpected).");
	if (strcmp(type, "ssh") != 0 && strcmp(type, "x509") != 0)
		return http_error(res, 400,
				  "Invalid input for field/attribute type. Value: %s. '%s' is not one "
				  "of ['ssh', 'x509']",
				  type, type);
	x509 = strcmp(type, "x509") == 0;
	if (!name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .@") != strlen(name))
		return http_error(res, 400, "Keypair data is invalid: Keypair name contains unsafe characters");
	user = key_owner(req, res, json_str(k, "user_id"), "os_compute_api:os-keypairs:create");
	if (!user)
		return -1;
	if (json_str(k, "public_key")) {
		pub = strdup(json_str(k, "public_key"));
		if (!pub)
			return http_error_errno(res, -ENOMEM, "keypair");
		/* An ssh key is one line; a certificate is PEM, several. */
		if (!x509)
			pub[strcspn(pub, "\r\n")] = '\0';
	} else if (x509 ? keypair_x509_generate(user, &pub, &priv, fp) < 0
			: generate(name, &pub, &priv) < 0) {
		return http_error(res, 500, "Could not generate a key pair.");
	}
	if (x509 && keypair_x509_fingerprint(pub, fp, why, sizeof(why)) < 0)
		return http_error(res, 400,
				  "Keypair data is invalid: failed to generate X509 fingerprint. Error "
				  "message: %s",
				  why);
	if (!x509 && parse_public_key(pub, fp) < 0)
		return http_error(res, 400, "Keypair data is invalid: failed to generate fingerprint");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = keypair_insert(st, user, name, type, pub, fp);
	if (r == -EEXIST)
		r = http_error(res, 409, "Key pair '%s' already exists.", name);
	if (api_write_end(res, st, r, "keypair") < 0)
		return -1;
	out = json_pack("{s:s,s:s,s:s,s:s}", "name", name, "public_key", pub, "fingerprint", fp,
			"user_id", user);
	if (microversion_at_least(req, 2, 2))
		json_object_set_new(out, "type", json_string(type));
	if (priv) {
		json_object_set_new(out, "private_key", json_string(priv));
		sodium_memzero(priv, strlen(priv));
	}
	return http_reply(res, microversion_at_least(req, 2, 2) ? 201 : 200,
			  json_pack("{s:o}", "keypair", out));
}

int h_keypair_delete(struct http_request *req, struct http_response *res)
{
	const char *name = http_param(req, "name");
	const char *u = key_owner(req, res, query_user(req),
				  "os_compute_api:os-keypairs:delete");
	struct store *st;
	int r;

	if (!u)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = keypair_delete(st, u, name);
	if (r == -ENOENT)
		r = http_error(res, 404, "Keypair %s not found for user %s", name, u);
	if (api_write_end(res, st, r, "keypair") < 0)
		return -1;
	return http_reply(res, microversion_at_least(req, 2, 2) ? 204 : 202, NULL);
}
