/* credential.c - the credential table: /v3/credentials and the EC2
 * credentials of /v3/users/{id}/credentials/OS-EC2 (the same rows, type
 * "ec2", as in Keystone). Every statement on it, its invariants (an ec2
 * credential has a project and a JSON blob with an access key, and its id
 * is the SHA-256 of that key; the blob is sealed at rest, credential_keys.c)
 * and the policy checks against the loaded row: the owner or an admin
 * (Keystone's admin_or_cred_owner). */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define CRED_COLS "id, user_id, project_id, type, key_id, encrypted_blob"

/* Keystone's ValidationError words. */
#define EXPECTING(what)                                                                            \
	"Expecting to find " what " in credential. The server could not comply with the request"  \
	" since it is either malformed or otherwise incorrect. The client is assumed to be in"     \
	" error."

static bool is_ec2(const char *type)
{
	return type && strcasecmp(type, "ec2") == 0;
}

/* The target of a check on a credential of user_id ("" when there is no
 * such credential: only an admin passes, and then learns it is missing). */
static int check(const struct caller *c, const char *action, const char *user_id)
{
	return policy_check(c, action, &(struct target){ .user_id = user_id ? user_id : "" });
}

int credential_ec2_blob_check(const char *blob, json_t **out, const char **why)
{
	json_t *j = json_loads(blob, JSON_REJECT_DUPLICATES, NULL);
	json_t *access = json_object_get(j, "access");

	if (out)
		*out = NULL;
	if (!j) {
		*why = "Invalid blob in credential";
		return -EINVAL;
	}
	if (!json_is_object(j) || json_object_size(j) == 0) {
		*why = EXPECTING("blob");
		json_decref(j);
		return -EINVAL;
	}
	if (!access || json_is_null(access)) {
		*why = EXPECTING("access");
		json_decref(j);
		return -EINVAL;
	}
	if (!json_is_string(access) || memchr(json_string_value(access), '\0',
					      json_string_length(access))) {
		*why = "Invalid blob in credential: 'access' must be a string.";
		json_decref(j);
		return -EINVAL;
	}
	if (out)
		*out = j;
	else
		json_decref(j);
	return 0;
}

void credential_ec2_id(const char *access, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)access, strlen(access));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* A loaded row; text owned (freed by row_free). */
struct row {
	char *id, *user_id, *project_id, *type, *sealed;
	int64_t key_id;
};

static char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void row_free(struct row *w)
{
	free(w->id);
	free(w->user_id);
	free(w->project_id);
	free(w->type);
	free(w->sealed);
	memset(w, 0, sizeof(*w));
}

/* The current row of a SELECT CRED_COLS, borrowed from q. */
static struct row row_of(struct store_stmt *q)
{
	return (struct row){ (char *)store_text(q, 0), (char *)store_text(q, 1),
			     (char *)store_text(q, 2), (char *)store_text(q, 3),
			     (char *)store_text(q, 5), store_int(q, 4) };
}

/* Load credential id into w: 1, 0 when none, -errno. */
static int row_load(struct store *st, const char *id, struct row *w)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " CRED_COLS " FROM credential WHERE id = ?", "s", id);

	memset(w, 0, sizeof(*w));
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		struct row b = row_of(q);
		*w = (struct row){ dup(b.id), dup(b.user_id), dup(b.project_id), dup(b.type),
				   dup(b.sealed), b.key_id };
		if (!w->id || !w->user_id || !w->type || !w->sealed)
			r = -ENOMEM;
	}
	store_done(q);
	if (r < 0)
		row_free(w);
	return r;
}

/* Load credential id into w for action: 0 (w loaded, the caller's to
 * free), -ENOENT (to those who may know), -EPERM, -errno. */
static int load_checked(struct store *st, const struct caller *c, const char *action,
			const char *id, struct row *w)
{
	int r = row_load(st, id, w);

	if (r <= 0) /* who may not see it learns no more than that */
		return r < 0 ? r : check(c, action, NULL) ?: -ENOENT;
	r = check(c, action, w->user_id);
	if (r < 0)
		row_free(w);
	return r;
}

/* Hand row w, its blob opened, to fn. */
static int emit(const struct token_keys *keys, const struct row *w, credential_fn fn, void *ctx)
{
	char *blob;
	int r = credential_unseal(keys, w->id, w->key_id, w->sealed, &blob);

	if (r < 0)
		return r;
	r = fn(ctx, &(struct credential){ w->id, w->user_id, w->project_id, w->type, blob });
	sodium_memzero(blob, strlen(blob));
	free(blob);
	return r;
}

int credential_list(struct store *st, const struct caller *c, const struct token_keys *keys,
		    const char *user_id, const char *type, credential_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_credentials", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " CRED_COLS " FROM credential WHERE (?1 IS NULL OR user_id = ?1)"
			" AND (?2 IS NULL OR type = ?2) ORDER BY id",
			"ss", user_id, type);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct row w = row_of(q);
		/* Each row as its own get: the caller's own, or all for an admin. */
		if (!policy_allows(c, "identity:get_credential",
				   &(struct target){ .user_id = w.user_id }))
			continue;
		if ((r = emit(keys, &w, fn, ctx)) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

int credential_get(struct store *st, const struct caller *c, const struct token_keys *keys,
		   const char *id, credential_fn fn, void *ctx)
{
	struct row w;
	int r = load_checked(st, c, "identity:get_credential", id, &w);

	if (r < 0)
		return r;
	r = emit(keys, &w, fn, ctx);
	row_free(&w);
	return r;
}

/* The rows in names exist: -ESRCH the user, -ENXIO the project. */
static int check_refs(struct store *st, const char *user_id, const char *project_id)
{
	int r = user_id ? user_exists(st, user_id) : 1;

	if (r == 0)
		return -ESRCH;
	if (r > 0 && project_id)
		r = project_exists(st, project_id);
	if (r == 0)
		return -ENXIO;
	return r < 0 ? r : 0;
}

static int insert(struct store *st, const struct token_keys *keys, const char *id,
		  const char *user_id, const char *project_id, const char *type, const char *blob)
{
	char *sealed;
	int64_t key_id;
	int r = credential_seal(keys, id, blob, &sealed, &key_id);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "INSERT INTO credential (id, user_id, project_id, type, key_id, encrypted_blob,"
		       " revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "ssssisi", id, user_id, project_id, type, key_id, sealed,
		       store_txn_revision(st));
	free(sealed);
	return r < 0 ? r : 0;
}

int credential_create(struct store *st, const struct caller *c, const struct token_keys *keys,
		      const struct credential_in *in, char id_out[65], const char **why)
{
	json_t *j = NULL;
	int r = check(c, "identity:create_credential", in->user_id);

	if (r < 0)
		return r;
	/* The body's own shape first, then the rows it names. */
	if (is_ec2(in->type)) {
		if (!in->project_id) {
			*why = EXPECTING("project_id");
			return -EINVAL;
		}
		r = credential_ec2_blob_check(in->blob, &j, why);
		if (r < 0)
			return r;
		credential_ec2_id(json_string_value(json_object_get(j, "access")), id_out);
		json_decref(j);
	} else {
		id_new(id_out);
	}
	r = check_refs(st, in->user_id, in->project_id);
	if (r < 0)
		return r;
	return insert(st, keys, id_out, in->user_id, in->project_id, in->type, in->blob);
}

/* An ec2 blob's keys that bind it to how it was made: an update keeps them
 * (Keystone's _validate_blob_update_keys). */
static int keep_bound_keys(const char *old_blob, const char *new_blob, const char **why)
{
	static const struct {
		const char *key, *why;
	} bound[] = {
		{ "trust_id", "trust_id can not be updated for credential" },
		{ "app_cred_id", "app_cred_id can not be updated for credential" },
		{ "access_token_id", "access_token_id can not be updated for credential" },
		{ "access_id", "access_id can not be updated for credential" },
	};
	json_t *o = json_loads(old_blob, 0, NULL), *n = json_loads(new_blob, 0, NULL);
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(bound); i++) {
		json_t *a = json_object_get(o, bound[i].key), *b = json_object_get(n, bound[i].key);
		if (json_is_null(a))
			a = NULL;
		if (json_is_null(b))
			b = NULL;
		if ((a || b) && !(a && b && json_equal(a, b))) {
			*why = bound[i].why;
			r = -EINVAL;
		}
	}
	json_decref(o);
	json_decref(n);
	return r;
}

int credential_update(struct store *st, const struct caller *c, const struct token_keys *keys,
		      const char *id, const struct credential_in *in, const char **why)
{
	const char *user_id, *project_id, *type, *blob;
	char *old_blob = NULL, *sealed = NULL;
	int64_t key_id = 0;
	struct row w;
	int r = load_checked(st, c, "identity:update_credential", id, &w);

	if (r < 0)
		return r;
	user_id = in->user_id ? in->user_id : w.user_id;
	project_id = in->set_project ? in->project_id : w.project_id;
	type = in->type ? in->type : w.type;
	/* The credential as it would be must be the caller's too (Keystone
	 * checks the merged target): only an admin gives one away. */
	r = check(c, "identity:update_credential", user_id);
	if (r == 0)
		r = check_refs(st, in->user_id, in->set_project ? in->project_id : NULL);
	if (r < 0)
		goto out;
	if (is_ec2(type) || (in->blob && is_ec2(w.type))) {
		r = credential_unseal(keys, w.id, w.key_id, w.sealed, &old_blob);
		if (r < 0)
			goto out;
	}
	blob = in->blob ? in->blob : old_blob;
	if (is_ec2(type)) {
		if (!project_id) {
			*why = EXPECTING("project_id");
			r = -EINVAL;
			goto out;
		}
		r = credential_ec2_blob_check(blob, NULL, why);
		if (r < 0)
			goto out;
	}
	if (in->blob && is_ec2(w.type) && (r = keep_bound_keys(old_blob, in->blob, why)) < 0)
		goto out;
	if (in->blob && (r = credential_seal(keys, w.id, in->blob, &sealed, &key_id)) < 0)
		goto out;
	r = store_exec(st,
		       "UPDATE credential SET user_id = ?, project_id = ?, type = ?,"
		       " key_id = CASE WHEN ? IS NULL THEN key_id ELSE ? END,"
		       " encrypted_blob = COALESCE(?, encrypted_blob), revision = ? WHERE id = ?",
		       "ssssisis", user_id, project_id, type, sealed, key_id, sealed,
		       store_txn_revision(st), id);
	r = r < 0 ? r : 0;
out:
	if (old_blob) {
		sodium_memzero(old_blob, strlen(old_blob));
		free(old_blob);
	}
	free(sealed);
	row_free(&w);
	return r;
}

int credential_delete(struct store *st, const struct caller *c, const char *id)
{
	struct row w;
	int r = load_checked(st, c, "identity:delete_credential", id, &w);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM credential WHERE id = ?", "s", id);
	row_free(&w);
	return r < 0 ? r : 0;
}

/* --- EC2 credentials (/v3/users/{user_id}/credentials/OS-EC2) --- */

int credential_ec2_create(struct store *st, const struct caller *c, const struct token_keys *keys,
			  const char *user_id, const char *project_id, const char *access,
			  const char *secret)
{
	char id[65], *blob;
	json_t *j;
	int r = check(c, "identity:ec2_create_credential", user_id);

	if (r < 0)
		return r;
	r = check_refs(st, user_id, project_id);
	if (r < 0)
		return r;
	/* Keystone's blob, in its order: the secret sealed with the rest. */
	j = json_pack("{s:s,s:s,s:n}", "access", access, "secret", secret, "trust_id");
	blob = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!blob)
		return -ENOMEM;
	credential_ec2_id(access, id);
	r = insert(st, keys, id, user_id, project_id, "ec2", blob);
	sodium_memzero(blob, strlen(blob));
	free(blob);
	return r;
}

int credential_ec2_list(struct store *st, const struct caller *c, const struct token_keys *keys,
			const char *user_id, credential_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = check(c, "identity:ec2_list_credentials", user_id);

	if (r < 0)
		return r;
	r = user_exists(st, user_id);
	if (r <= 0)
		return r < 0 ? r : -ESRCH;
	r = store_query(st, &q,
			"SELECT " CRED_COLS " FROM credential WHERE user_id = ? AND type = 'ec2'"
			" ORDER BY id",
			"s", user_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct row w = row_of(q);
		if ((r = emit(keys, &w, fn, ctx)) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : 0;
}

/* Load user_id's ec2 credential of access key access into w, checking
 * action: 0, -ENOENT (none, not ec2, or another user's: as Keystone, a
 * missing one is 404 to anyone), -EPERM, -errno. */
static int ec2_load(struct store *st, const struct caller *c, const char *action,
		    const char *user_id, const char *access, struct row *w)
{
	char id[65];
	int r;

	credential_ec2_id(access, id);
	r = row_load(st, id, w);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = check(c, action, w->user_id);
	if (r == 0 && (strcmp(w->user_id, user_id) != 0 || strcmp(w->type, "ec2") != 0))
		r = -ENOENT;
	if (r < 0)
		row_free(w);
	return r;
}

int credential_ec2_get(struct store *st, const struct caller *c, const struct token_keys *keys,
		       const char *user_id, const char *access, credential_fn fn, void *ctx)
{
	struct row w;
	int r = ec2_load(st, c, "identity:ec2_get_credential", user_id, access, &w);

	if (r < 0)
		return r;
	r = emit(keys, &w, fn, ctx);
	row_free(&w);
	return r;
}

int credential_ec2_delete(struct store *st, const struct caller *c, const char *user_id,
			  const char *access)
{
	struct row w;
	int r = ec2_load(st, c, "identity:ec2_delete_credential", user_id, access, &w);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM credential WHERE id = ?", "s", w.id);
	row_free(&w);
	return r < 0 ? r : 0;
}

/* --- the key repository's rotation (credential_keys.c) --- */

int credential_rekey(struct store *st, const struct token_keys *keys)
{
	struct store_stmt *q = NULL;
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	int64_t primary = keys->n ? keys->keys[keys->n - 1].id : 0;
	int r;

	if (keys->n == 0)
		return -ENOKEY;
	/* Read first, then write: no statement open across the updates. */
	r = store_query(st, &q, "SELECT " CRED_COLS " FROM credential WHERE key_id <> ?", "i",
			primary);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (n == cap) {
			struct row *nr = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof(*rows));
			if (!nr) {
				r = -ENOMEM;
				break;
			}
			rows = nr;
		}
		rows[n] = (struct row){ dup(store_text(q, 0)), NULL, NULL, NULL,
					dup(store_text(q, 5)), store_int(q, 4) };
		n++;
		if (!rows[n - 1].id || !rows[n - 1].sealed) {
			r = -ENOMEM;
			break;
		}
	}
	store_done(q);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		char *blob = NULL, *sealed = NULL;
		int64_t key_id;
		r = credential_unseal(keys, rows[i].id, rows[i].key_id, rows[i].sealed, &blob);
		if (r == 0)
			r = credential_seal(keys, rows[i].id, blob, &sealed, &key_id);
		if (r == 0)
			r = store_exec(st,
				       "UPDATE credential SET key_id = ?, encrypted_blob = ?,"
				       " revision = ? WHERE id = ?",
				       "isis", key_id, sealed, store_txn_revision(st), rows[i].id);
		if (blob) {
			sodium_memzero(blob, strlen(blob));
			free(blob);
		}
		free(sealed);
	}
	for (size_t i = 0; i < n; i++)
		row_free(&rows[i]);
	free(rows);
	return r < 0 ? r : 0;
}

int credential_key_in_use(struct store *st, int64_t key_id)
{
	return rows_first(st, NULL, 0, "SELECT 1 FROM credential WHERE key_id = ? LIMIT 1", "i",
			  key_id);
}
