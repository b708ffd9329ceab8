/* users.c - /v3/users: CRUD and the user's own password change. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"
#include "store/store.h"

#define GET_USER "SELECT " USER_COLS " FROM users WHERE id = ?"

int h_user_list(struct http_request *req, struct http_response *res)
{
	int64_t enabled, *en;

	if (query_bool(req, res, "enabled", &enabled, &en) < 0)
		return -1;
	return reply_list(req, res, "users", render_user,
			  "SELECT " USER_COLS " FROM users WHERE (?1 IS NULL OR name = ?1)"
			  " AND (?2 IS NULL OR domain_id = ?2) AND (?3 IS NULL OR enabled = ?3)"
			  " ORDER BY name",
			  "ssp", http_query(req, "name"), http_query(req, "domain_id"), en);
}

int h_user_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, GET_USER, "user_id", "user", render_user);
}

static const struct jfield user_fields[] = {
	{ "name", J_STRING, false, 255 },
	{ "domain_id", J_STRING, false, 64 },
	{ "password", J_STRING_NULL, false, 4096 },
	{ "enabled", J_BOOL, false, 0 },
	{ "default_project_id", J_STRING_NULL, false, 64 },
	{ "description", J_STRING_NULL, false, 65535 },
	{ "email", J_STRING_NULL, false, 255 },
	{ "options", J_OBJECT, false, 0 },
};

static int check_user_body(struct http_response *res, const json_t *u)
{
	const char *name = json_str(u, "name");

	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	if (json_object_size(json_object_get(u, "options")) > 0)
		return http_error(
		    res, 400, "Invalid input for field 'options': no user options are supported.");
	return 0;
}

/* Hash the body's password, if any, before the transaction: argon2id is
 * slow by design and must not hold the write lock. *hash is "" when the
 * body has none (and out is left untouched for null). */
static int hash_body_password(struct http_request *req, struct http_response *res, const json_t *u,
			      char hash[crypto_pwhash_STRBYTES], bool *given)
{
	const char *pw = json_str(u, "password");

	*given = json_object_get(u, "password") != NULL;
	hash[0] = '\0';
	if (!pw)
		return 0;
	if (password_hash(req->b, pw, hash) < 0)
		return http_error(res, 500, "Could not hash the password.");
	return 0;
}

int h_user_create(struct http_request *req, struct http_response *res)
{
	json_t *u;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "user", user_fields, ARRAY_SIZE(user_fields), &u);
	char id[ID_HEX_LEN + 1], hash[crypto_pwhash_STRBYTES];
	const char *name, *domain_id, *proj;
	struct store_stmt *q = NULL;
	struct store *st;
	bool pw_given;
	int r;

	if (!body)
		return -1;
	name = json_str(u, "name");
	if (!name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (check_user_body(res, u) < 0)
		return -1;
	domain_id = json_str(u, "domain_id");
	if (!domain_id)
		domain_id = caller_domain(&req->caller);
	proj = json_str(u, "default_project_id");
	if (hash_body_password(req, res, u, hash, &pw_given) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = identity_exists(st, "SELECT 1 FROM domain WHERE id = ?", domain_id);
	if (r == 0)
		r = http_error(res, 400, "Could not find domain: %s.", domain_id);
	if (r > 0 && proj) {
		r = identity_exists(st, "SELECT 1 FROM project WHERE id = ?", proj);
		if (r == 0)
			r = http_error(res, 400, "Could not find project: %s.", proj);
	}
	if (r > 0) {
		id_new(id);
		r = store_exec(st,
			       "INSERT INTO users (id, name, domain_id, enabled, password_hash,"
			       " default_project_id, description, email, revision)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       "sssbssssi", id, name, domain_id,
			       !json_is_false(json_object_get(u, "enabled")), hash[0] ? hash : NULL,
			       proj, json_str(u, "description"), json_str(u, "email"),
			       store_txn_revision(st));
		if (r == -EEXIST)
			r = http_error(
			    res, 409,
			    "Conflict occurred attempting to store user - Duplicate entry found with name %s at domain ID %s.",
			    name, domain_id);
	}
	sodium_memzero(hash, sizeof(hash));
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	r = store_query(st, &q, GET_USER, "s", id);
	return reply_row(req, res, 201, "user", render_user, r, q, "user", id);
}

/* COALESCE(?, col) keeps a column when the body leaves it out; a JSON null
 * clears an optional one (the 'clear' flags). */
int h_user_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "user_id");
	json_t *u;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "user", user_fields, ARRAY_SIZE(user_fields), &u);
	char hash[crypto_pwhash_STRBYTES];
	struct store_stmt *q = NULL;
	const json_t *en;
	const char *dom, *proj;
	struct store *st;
	bool pw_given;
	int64_t enabled;
	int r;

	if (!body)
		return -1;
	if (check_user_body(res, u) < 0)
		return -1;
	if (hash_body_password(req, res, u, hash, &pw_given) < 0)
		return -1;
	en = json_object_get(u, "enabled");
	enabled = json_is_true(en);
	dom = json_str(u, "domain_id");
	proj = json_str(u, "default_project_id");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_query(st, &q, "SELECT domain_id FROM users WHERE id = ?", "s", id);
	if (r == 0) {
		r = store_next(q);
		if (r > 0 && dom && strcmp(dom, store_text(q, 0)) != 0)
			r = http_error(
			    res, 400,
			    "Invalid input for field 'domain_id': a user cannot move to another domain.");
		store_done(q);
		q = NULL;
	}
	if (r == 0)
		r = http_error(res, 404, "Could not find user: %s.", id);
	if (r > 0 && proj) {
		r = identity_exists(st, "SELECT 1 FROM project WHERE id = ?", proj);
		if (r == 0)
			r = http_error(res, 400, "Could not find project: %s.", proj);
	}
	if (r > 0)
		r = store_exec(
		    st,
		    "UPDATE users SET name = COALESCE(?, name),"
		    " enabled = COALESCE(?, enabled),"
		    " password_hash = CASE WHEN ? = 1 THEN ? ELSE password_hash END,"
		    " default_project_id = CASE WHEN ? = 1 THEN ? ELSE default_project_id END,"
		    " description = CASE WHEN ? = 1 THEN ? ELSE description END,"
		    " email = CASE WHEN ? = 1 THEN ? ELSE email END,"
		    " revision = ? WHERE id = ?",
		    "spbsbsbsbsis", json_str(u, "name"), en ? &enabled : NULL, pw_given,
		    hash[0] ? hash : NULL, json_object_get(u, "default_project_id") != NULL, proj,
		    json_object_get(u, "description") != NULL, json_str(u, "description"),
		    json_object_get(u, "email") != NULL, json_str(u, "email"),
		    store_txn_revision(st), id);
	sodium_memzero(hash, sizeof(hash));
	if (r == -EEXIST)
		r = http_error(
		    res, 409,
		    "Conflict occurred attempting to store user - Duplicate entry found with name %s.",
		    json_str(u, "name"));
	/* A disabled user or a reset password ends the user's tokens. */
	if (r >= 0 && (json_is_false(en) || pw_given))
		r = identity_revoke(st, id, NULL, NULL, NULL);
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	r = store_query(st, &q, GET_USER, "s", id);
	return reply_row(req, res, 200, "user", render_user, r, q, "user", id);
}

static int revoke_user(struct store *st, const char *id)
{
	return identity_revoke(st, id, NULL, NULL, NULL);
}

int h_user_delete(struct http_request *req, struct http_response *res)
{
	return reply_delete(req, res, "DELETE FROM users WHERE id = ?", "user_id", "user",
			    revoke_user);
}

int h_user_password(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "password", J_STRING, true, 4096 },
		{ "original_password", J_STRING, true, 4096 },
	};
	const char *id = http_param(req, "user_id");
	json_t *u;
	_cleanup_json_ json_t *body = api_body_object(req, res, "user", fields, ARRAY_SIZE(fields), &u);
	char old_hash[crypto_pwhash_STRBYTES] = "", hash[crypto_pwhash_STRBYTES];
	struct store *st = basalt_store(req->b);
	struct store_stmt *q = NULL;
	int r;

	if (!body)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q, "SELECT password_hash FROM users WHERE id = ?", "s", id);
	if (r == 0 && (r = store_next(q)) > 0 && store_text(q, 0))
		snprintf(old_hash, sizeof(old_hash), "%s", store_text(q, 0));
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "user");
	if (!password_verify(old_hash, json_str(u, "original_password")))
		return http_error(res, 401, "The request you have made requires authentication.");
	if (password_hash(req->b, json_str(u, "password"), hash) < 0)
		return http_error(res, 500, "Could not hash the password.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	/* Only if nobody changed it meanwhile: compare-and-swap on the hash. */
	r = store_exec(st,
		       "UPDATE users SET password_hash = ?, revision = ? WHERE id = ?"
		       " AND password_hash = ?",
		       "siss", hash, store_txn_revision(st), id, old_hash);
	if (r == 0)
		r = http_error(res, 409, "The password changed while this request ran; retry.");
	if (r > 0)
		r = identity_revoke(st, id, NULL, NULL, NULL);
	sodium_memzero(hash, sizeof(hash));
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
