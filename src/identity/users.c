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

static int reply_user(struct http_request *req, struct http_response *res, int status,
		      struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = user_get(st, &req->caller, id, render_add_user, &l);

	return reply_one(req, res, status, "user", l.items, r, "user", id);
}

/* A write's error: in names the user and what it references. */
static int user_error(struct http_request *req, struct http_response *res, int r,
		      const struct user_in *in, const char *id)
{
	switch (r) {
	case -ESRCH: /* Keystone: DomainNotFound */
		return http_error(res, 404, "Could not find domain: %s.", in->domain_id);
	case -ENXIO:
		return http_error(res, 400, "Could not find project: %s.", in->default_project_id);
	case -EXDEV:
		return http_error(
		    res, 400,
		    "Invalid input for field 'domain_id': a user cannot move to another domain.");
	case -EEXIST:
		return id ? http_error(
				res, 409,
				"Conflict occurred attempting to store user - Duplicate entry found with name %s.",
				in->name)
			  : http_error(
				res, 409,
				"Conflict occurred attempting to store user - Duplicate entry found with name %s at domain ID %s.",
				in->name, in->domain_id);
	case -ENOLINK:
		return http_error(res, 409, "Cannot delete user %s: it is still in use.", id);
	default:
		return reply_error(req, res, r, "user", id);
	}
}

int h_user_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	int64_t enabled, *en;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (query_bool(req, res, "enabled", &enabled, &en) < 0)
		return -1;
	l.items = json_array();
	return reply_items(req, res, "users", l.items,
			   user_list(st, &req->caller, http_query(req, "name"),
				     http_query(req, "domain_id"), en, render_add_user, &l));
}

int h_user_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_user(req, res, 200, st, http_param(req, "user_id"));
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
	/* tempest's update_user sends the id; it must be the path's. */
	{ "id", J_STRING, false, 64 },
};

#define EXTRA_MAX 65536

/* The {"user": {...}} body of a create or update. Keystone keeps the
 * attributes it does not know as the user's extras: they are taken out
 * into *extra (JSON object text to free, NULL when none) before the known
 * ones are checked. Returns the body (the caller owns it) with *u
 * borrowed from it, or NULL with a 400 in res. */
static json_t *user_body(struct http_request *req, struct http_response *res, json_t **u,
			 char **extra)
{
	json_t *body = http_body_json(req, res), *obj, *ex, *v;
	const char *k;
	char err[256];
	void *tmp;

	*extra = NULL;
	if (!body)
		return NULL;
	obj = json_object_get(body, "user");
	if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_object(obj)) {
		json_decref(body);
		http_error(res, 400, "Invalid input: the body must be {\"user\": {...}}.");
		return NULL;
	}
	ex = json_object();
	json_object_foreach_safe(obj, tmp, k, v)
	{
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(user_fields) && !known; i++)
			known = strcmp(user_fields[i].name, k) == 0;
		if (!known && strcmp(k, "links") != 0 && strcmp(k, "password_expires_at") != 0) {
			json_object_set(ex, k, v);
			json_object_del(obj, k);
		}
	}
	if (json_object_size(ex))
		*extra = json_dumps(ex, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(ex);
	if (*extra && strlen(*extra) > EXTRA_MAX) {
		http_error(res, 400, "Invalid input: the user's extra attributes are too large.");
	} else if (json_check(obj, user_fields, ARRAY_SIZE(user_fields), err, sizeof(err)) < 0) {
		http_error(res, 400, "%s", err);
	} else {
		*u = obj;
		return body;
	}
	free(*extra);
	*extra = NULL;
	json_decref(body);
	return NULL;
}

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

/* The user_in of a create or update body u (hash: its password's). */
static struct user_in user_in_of(const json_t *u, const char *hash)
{
	const json_t *en = json_object_get(u, "enabled");

	return (struct user_in){
		.name = json_str(u, "name"),
		.domain_id = json_str(u, "domain_id"),
		.default_project_id = json_str(u, "default_project_id"),
		.description = json_str(u, "description"),
		.email = json_str(u, "email"),
		.password_hash = hash[0] ? hash : NULL,
		.set_default_project = json_object_get(u, "default_project_id") != NULL,
		.set_description = json_object_get(u, "description") != NULL,
		.set_email = json_object_get(u, "email") != NULL,
		.set_password = json_object_get(u, "password") != NULL,
		.enabled = en ? json_is_true(en) : -1,
	};
}

int h_user_create(struct http_request *req, struct http_response *res)
{
	json_t *u;
	_cleanup_free_ char *extra = NULL;
	_cleanup_json_ json_t *body = user_body(req, res, &u, &extra);
	char id[ID_HEX_LEN + 1], hash[crypto_pwhash_STRBYTES];
	struct user_in in;
	struct store *st;
	bool pw_given;
	int r;

	if (!body)
		return -1;
	if (!json_str(u, "name"))
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (check_user_body(res, u) < 0)
		return -1;
	if (hash_body_password(req, res, u, hash, &pw_given) < 0)
		return -1;
	in = user_in_of(u, hash);
	in.extra = extra;
	if (!in.domain_id)
		in.domain_id = caller_domain(&req->caller);
	if (in.enabled < 0)
		in.enabled = 1;
	st = api_write_begin(req, res);
	if (!st) {
		sodium_memzero(hash, sizeof(hash));
		return -1;
	}
	r = user_create(st, &req->caller, &in, id);
	sodium_memzero(hash, sizeof(hash));
	if (r < 0)
		r = user_error(req, res, r, &in, NULL);
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	return reply_user(req, res, 201, st, id);
}

int h_user_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "user_id");
	json_t *u;
	_cleanup_free_ char *extra = NULL;
	_cleanup_json_ json_t *body = user_body(req, res, &u, &extra);
	char hash[crypto_pwhash_STRBYTES];
	struct user_in in;
	struct store *st;
	bool pw_given;
	int r;

	if (!body)
		return -1;
	if (check_user_body(res, u) < 0)
		return -1;
	if (json_str(u, "id") && strcmp(json_str(u, "id"), id) != 0)
		return http_error(res, 400, "Invalid input for field 'id': the user's id cannot change.");
	if (hash_body_password(req, res, u, hash, &pw_given) < 0)
		return -1;
	in = user_in_of(u, hash);
	in.extra = extra;
	st = api_write_begin(req, res);
	if (!st) {
		sodium_memzero(hash, sizeof(hash));
		return -1;
	}
	r = user_update(st, &req->caller, id, &in);
	sodium_memzero(hash, sizeof(hash));
	if (r < 0)
		r = user_error(req, res, r, &in, id);
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	return reply_user(req, res, 200, st, id);
}

int h_user_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "user_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = user_delete(st, &req->caller, id);
	if (r < 0)
		r = user_error(req, res, r, &(struct user_in){ 0 }, id);
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	return http_reply(res, 204, NULL);
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
	int r;

	if (!body)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = user_password_hash(st, &req->caller, id, old_hash, sizeof(old_hash));
	if (r < 0)
		return user_error(req, res, r, &(struct user_in){ 0 }, id);
	if (!password_verify(old_hash, json_str(u, "original_password")))
		return http_error(res, 401, "The request you have made requires authentication.");
	if (password_hash(req->b, json_str(u, "password"), hash) < 0)
		return http_error(res, 500, "Could not hash the password.");
	st = api_write_begin(req, res);
	if (!st) {
		sodium_memzero(hash, sizeof(hash));
		return -1;
	}
	r = user_password_set(st, &req->caller, id, old_hash, hash);
	sodium_memzero(hash, sizeof(hash));
	if (r == -EAGAIN)
		r = http_error(res, 409, "The password changed while this request ran; retry.");
	else if (r < 0)
		r = user_error(req, res, r, &(struct user_in){ 0 }, id);
	if (write_end(req, res, st, r, "user") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
