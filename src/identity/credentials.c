/* credentials.c - /v3/credentials and /v3/users/{user_id}/credentials/OS-EC2:
 * parse, call credential.c with the credential keys, render Keystone's
 * shapes. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

#define BLOB_MAX 65535

/* The keys into *keys, or a 500 (the repository is the operator's). */
static int load_keys(struct http_request *req, struct http_response *res, struct token_keys *keys)
{
	struct store *st = basalt_store(req->b);

	if (!st || credential_keys_load(req->b, st, keys) < 0)
		return http_error(res, 500,
				  "The credential keys do not load: the operator must run basaltd"
				  " bootstrap, and give every controller the same secret key file.");
	return 0;
}

static int add_credential(void *ctx, const struct credential *cr)
{
	struct render_list *l = ctx;
	json_t *o = json_pack("{s:s,s:s,s:o,s:s,s:s,s:o}", "id", cr->id, "user_id", cr->user_id,
			      "project_id",
			      cr->project_id ? json_string(cr->project_id) : json_null(), "type",
			      cr->type, "blob", cr->blob, "links",
			      render_links(l->req, "credentials", cr->id));

	return o && json_array_append_new(l->items, o) == 0 ? 0 : -ENOMEM;
}

/* An ec2 credential in OS-EC2's shape (Keystone's
 * _convert_v3_to_ec2_credential). */
static int add_ec2(void *ctx, const struct credential *cr)
{
	struct render_list *l = ctx;
	_cleanup_json_ json_t *blob = json_loads(cr->blob, 0, NULL);
	const char *access = json_str(blob, "access");
	json_t *o, *trust = json_object_get(blob, "trust_id");
	char url[1024];

	snprintf(url, sizeof(url), "%s/v3/users/%s/credentials/OS-EC2/%s", http_base_url(l->req),
		 cr->user_id, access ? access : "");
	o = json_pack("{s:s,s:o,s:o,s:o,s:O,s:{s:s}}", "user_id", cr->user_id, "tenant_id",
		      cr->project_id ? json_string(cr->project_id) : json_null(), "access",
		      access ? json_string(access) : json_null(), "secret",
		      json_str(blob, "secret") ? json_string(json_str(blob, "secret")) : json_null(),
		      "trust_id", trust ? trust : json_null(), "links", "self", url);
	return o && json_array_append_new(l->items, o) == 0 ? 0 : -ENOMEM;
}

/* A write's error: in names the user and project it references. */
static int credential_error(struct http_request *req, struct http_response *res, int r,
			    const struct credential_in *in, const char *id, const char *why)
{
	switch (r) {
	case -EINVAL:
		return http_error(res, 400, "%s", why ? why : "Invalid input for credential.");
	case -ESRCH:
		return http_error(res, 400, "Could not find user: %s.", in->user_id);
	case -ENXIO:
		return http_error(res, 400, "Could not find project: %s.", in->project_id);
	case -EEXIST:
		return http_error(res, 409,
				  "Conflict occurred attempting to store credential - Duplicate ID, %s.",
				  id);
	case -ENOKEY:
	case -EBADMSG: /* a blob whose key is gone, or that does not open */
		return http_error(res, 500, "A credential blob cannot be decrypted.");
	default:
		return reply_error(req, res, r, "credential", id);
	}
}

static int reply_credential(struct http_request *req, struct http_response *res, int status,
			    struct store *st, const struct token_keys *keys, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = credential_get(st, &req->caller, keys, id, add_credential, &l);

	if (r == -ENOKEY || r == -EBADMSG) {
		json_decref(l.items);
		return credential_error(req, res, r, NULL, id, NULL);
	}
	return reply_one(req, res, status, "credential", l.items, r, "credential", id);
}

int h_credential_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	struct token_keys keys;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (load_keys(req, res, &keys) < 0)
		return -1;
	l.items = json_array();
	r = credential_list(st, &req->caller, &keys, http_query(req, "user_id"),
			    http_query(req, "type"), add_credential, &l);
	sodium_memzero(&keys, sizeof(keys));
	if (r == -ENOKEY || r == -EBADMSG) {
		json_decref(l.items);
		return credential_error(req, res, r, NULL, NULL, NULL);
	}
	return reply_items(req, res, "credentials", l.items, r);
}

int h_credential_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct token_keys keys;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (load_keys(req, res, &keys) < 0)
		return -1;
	r = reply_credential(req, res, 200, st, &keys, http_param(req, "credential_id"));
	sodium_memzero(&keys, sizeof(keys));
	return r;
}

static const struct jfield credential_fields[] = {
	{ "blob", J_STRING, false, BLOB_MAX },
	{ "type", J_STRING, false, 255 },
	{ "user_id", J_STRING, false, 64 },
	{ "project_id", J_STRING_NULL, false, 64 },
};

static struct credential_in credential_in_of(const json_t *cr)
{
	return (struct credential_in){
		.user_id = json_str(cr, "user_id"),
		.project_id = json_str(cr, "project_id"),
		.type = json_str(cr, "type"),
		.blob = json_str(cr, "blob"),
		.set_project = json_object_get(cr, "project_id") != NULL,
	};
}

/* Run a write: the keys, the transaction, fn, the error, the reply. */
static int write_credential(struct http_request *req, struct http_response *res, int status,
			    const struct credential_in *in, const char *id)
{
	char new_id[65] = "";
	const char *why = NULL;
	struct token_keys keys;
	struct store *st;
	int r;

	if (load_keys(req, res, &keys) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st) {
		sodium_memzero(&keys, sizeof(keys));
		return -1;
	}
	if (id) {
		r = credential_update(st, &req->caller, &keys, id, in, &why);
	} else {
		r = credential_create(st, &req->caller, &keys, in, new_id, &why);
		id = new_id;
	}
	if (r < 0)
		r = credential_error(req, res, r, in, id, why);
	if (write_end(req, res, st, r, "credential") < 0) {
		sodium_memzero(&keys, sizeof(keys));
		return -1;
	}
	r = reply_credential(req, res, status, st, &keys, id);
	sodium_memzero(&keys, sizeof(keys));
	return r;
}

int h_credential_create(struct http_request *req, struct http_response *res)
{
	static const char *const required[] = { "blob", "type", "user_id" };
	json_t *cr;
	_cleanup_json_ json_t *body = api_body_object(req, res, "credential", credential_fields,
						      ARRAY_SIZE(credential_fields), &cr);
	struct credential_in in;

	if (!body)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (!json_object_get(cr, required[i]))
			return http_error(res, 400,
					  "Invalid input for field '%s': '%s' is a required property.",
					  required[i], required[i]);
	in = credential_in_of(cr);
	return write_credential(req, res, 201, &in, NULL);
}

int h_credential_update(struct http_request *req, struct http_response *res)
{
	json_t *cr;
	_cleanup_json_ json_t *body = api_body_object(req, res, "credential", credential_fields,
						      ARRAY_SIZE(credential_fields), &cr);
	struct credential_in in;

	if (!body)
		return -1;
	if (json_object_size(cr) == 0)
		return http_error(res, 400,
				  "Invalid input for field 'credential': {} does not have enough"
				  " properties.");
	in = credential_in_of(cr);
	return write_credential(req, res, 200, &in, http_param(req, "credential_id"));
}

int h_credential_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "credential_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = credential_delete(st, &req->caller, id);
	if (r < 0)
		r = credential_error(req, res, r, &(struct credential_in){ 0 }, id, NULL);
	if (write_end(req, res, st, r, "credential") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- OS-EC2 --- */

/* -ESRCH / -ENXIO / -ENOENT as Keystone answers them on these routes. */
static int ec2_error(struct http_request *req, struct http_response *res, int r,
		     const char *user_id, const char *project_id, const char *access)
{
	char id[65];

	switch (r) {
	case -ESRCH:
		return http_error(res, 404, "Could not find user: %s.", user_id);
	case -ENXIO:
		return http_error(res, 404, "Could not find project: %s.", project_id);
	case -ENOENT:
		credential_ec2_id(access, id);
		return http_error(res, 404, "Could not find credential: %s.", id);
	default:
		return credential_error(req, res, r, NULL, NULL, NULL);
	}
}

static int reply_ec2(struct http_request *req, struct http_response *res, int status,
		     struct store *st, const struct token_keys *keys, const char *user_id,
		     const char *access)
{
	struct render_list l = { req, json_array() };
	int r = credential_ec2_get(st, &req->caller, keys, user_id, access, add_ec2, &l);

	if (r >= 0 && json_array_size(l.items) == 0)
		r = -ENOENT;
	if (r < 0) {
		json_decref(l.items);
		return ec2_error(req, res, r, user_id, NULL, access);
	}
	return reply_one(req, res, status, "credential", l.items, r, "credential", access);
}

int h_ec2_list(struct http_request *req, struct http_response *res)
{
	const char *user_id = http_param(req, "user_id");
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	struct token_keys keys;
	char url[1024];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (load_keys(req, res, &keys) < 0)
		return -1;
	l.items = json_array();
	r = credential_ec2_list(st, &req->caller, &keys, user_id, add_ec2, &l);
	sodium_memzero(&keys, sizeof(keys));
	if (r < 0) {
		json_decref(l.items);
		return ec2_error(req, res, r, user_id, NULL, "");
	}
	snprintf(url, sizeof(url), "%s/v3/users/%s/credentials/OS-EC2", http_base_url(req),
		 user_id);
	return http_reply(res, 200,
			  json_pack("{s:o,s:{s:s,s:n,s:n}}", "credentials", l.items, "links",
				    "self", url, "previous", "next"));
}

int h_ec2_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = { { "tenant_id", J_STRING, true, 64 } };
	const char *user_id = http_param(req, "user_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	char access[ID_HEX_LEN + 1], secret[ID_HEX_LEN + 1], err[256];
	const char *project_id;
	struct token_keys keys;
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	project_id = json_str(body, "tenant_id");
	if (load_keys(req, res, &keys) < 0)
		return -1;
	/* Keystone's: two uuid4 hex strings. */
	id_new(access);
	id_new(secret);
	st = api_write_begin(req, res);
	if (!st) {
		sodium_memzero(&keys, sizeof(keys));
		return -1;
	}
	r = credential_ec2_create(st, &req->caller, &keys, user_id, project_id, access, secret);
	sodium_memzero(secret, sizeof(secret));
	if (r < 0)
		r = ec2_error(req, res, r, user_id, project_id, access);
	if (write_end(req, res, st, r, "credential") >= 0)
		r = reply_ec2(req, res, 201, st, &keys, user_id, access);
	else
		r = -1;
	sodium_memzero(&keys, sizeof(keys));
	return r;
}

int h_ec2_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct token_keys keys;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (load_keys(req, res, &keys) < 0)
		return -1;
	r = reply_ec2(req, res, 200, st, &keys, http_param(req, "user_id"),
		      http_param(req, "credential_id"));
	sodium_memzero(&keys, sizeof(keys));
	return r;
}

int h_ec2_delete(struct http_request *req, struct http_response *res)
{
	const char *user_id = http_param(req, "user_id"), *access = http_param(req, "credential_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = credential_ec2_delete(st, &req->caller, user_id, access);
	if (r < 0)
		r = ec2_error(req, res, r, user_id, NULL, access);
	if (write_end(req, res, st, r, "credential") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
