/* app_creds.c - /v3/users/{user_id}/application_credentials: parse, call
 * app_cred.c, render; the secret is shown once, in the create's answer. */
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
#include "store/store.h"

#define TIME_MSG                                                                               \
	" The server could not comply with the request since it is either malformed or"        \
	" otherwise incorrect. The client is assumed to be in error."

int parse_expires_at(struct http_response *res, const json_t *v, int64_t *usec)
{
	*usec = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || time_parse_iso(json_string_value(v), usec) < 0)
		return http_error(res, 400, "Timestamp not in expected format." TIME_MSG);
	if (*usec <= now_usec())
		return http_error(res, 400, "The 'expires_at' must not be before now." TIME_MSG);
	return 0;
}

int parse_role_refs(struct http_response *res, const json_t *roles, int *n, const char **ids,
		    const char **names)
{
	const json_t *ro;
	size_t i;

	*n = 0;
	if (json_array_size(roles) > TOKEN_MAX_ROLES)
		return http_error(res, 400, "Invalid input for field 'roles': at most %d roles.",
				  TOKEN_MAX_ROLES);
	json_array_foreach(roles, i, ro)
	{
		ids[i] = json_str(ro, "id");
		names[i] = json_str(ro, "name");
		if (!json_is_object(ro) || (!ids[i] && !names[i]) ||
		    json_object_size(ro) != (size_t)(!!ids[i] + !!names[i]))
			return http_error(res, 400,
					  "Invalid input for field 'roles': each role is {\"id\": ...}"
					  " or {\"name\": ...}.");
		if (ids[i])
			names[i] = NULL; /* the id decides */
		(*n)++;
	}
	return 0;
}

/* Keystone renders a credential's expiry as Python's naive isoformat. */
static json_t *naive_time(int64_t usec)
{
	char buf[40];

	if (usec < 0)
		return json_null();
	time_format_iso(usec, buf);
	if (usec % 1000000 == 0)
		buf[19] = '\0';
	else
		buf[26] = '\0'; /* drop the "Z" */
	return json_string(buf);
}

struct ac_render {
	const struct http_request *req;
	json_t *items;
};

static int add_app_cred(void *ctx, const struct app_cred *a)
{
	struct ac_render *l = ctx;
	char url[1024];
	json_t *roles = json_array(), *o;

	for (int i = 0; a->roles && i < a->roles->n; i++)
		json_array_append_new(roles, json_pack("{s:s,s:s,s:n}", "id", a->roles->id[i],
						       "name", a->roles->name[i], "domain_id"));
	snprintf(url, sizeof(url), "%s/v3/users/%s/application_credentials/%s",
		 http_base_url(l->req), a->user_id, a->id);
	o = json_pack("{s:s,s:s,s:o,s:s,s:s,s:n,s:o,s:b,s:o,s:[],s:{s:s}}", "id", a->id, "name",
		      a->name, "description",
		      a->description ? json_string(a->description) : json_null(), "user_id",
		      a->user_id, "project_id", a->project_id, "system", "expires_at",
		      naive_time(a->expires_at), "unrestricted", a->unrestricted, "roles", roles,
		      "access_rules", "links", "self", url);
	return o && json_array_append_new(l->items, o) == 0 ? 0 : -ENOMEM;
}

/* r's answer: the codes app_cred.c adds to the common ones. */
static int ac_error(struct http_request *req, struct http_response *res, int r, const char *id,
		    const char *missing)
{
	switch (r) {
	case -EKEYREJECTED:
		if (req->caller.token && req->caller.token->trust_id)
			return http_error(res, 403,
					  "Cannot manage application credentials with a token"
					  " issued via delegation.");
		return http_error(res, 403,
				  "You are not authorized to perform the requested action: Using"
				  " method 'application_credential' is not allowed for managing"
				  " additional application credentials.");
	case -EDOM:
		if (req->caller.user_id && strcmp(req->caller.user_id, http_param(req, "user_id")))
			return http_error(res, 403,
					  "You are not authorized to perform the requested action:"
					  " Cannot create an application credential for another"
					  " user.");
		return http_error(res, 400,
				  "Invalid application credential: a project-scoped token is"
				  " needed to create one.");
	case -ENOKEY:
		return http_error(res, 400,
				  "Invalid application credential: Cannot create an application"
				  " credential with unassigned role");
	case -ESRCH:
		return http_error(res, 404, "Could not find role: %s.", missing ? missing : "");
	case -EEXIST:
		return http_error(res, 409,
				  "Conflict occurred attempting to store application_credential"
				  " - Duplicate entry.");
	case -ENOENT:
		if (id)
			return http_error(res, 404, "Could not find Application Credential: %s.",
					  id);
		break;
	}
	return reply_error(req, res, r, "application credential", id);
}

/* One credential's answer (status), with the secret when given. */
static int reply_app_cred(struct http_request *req, struct http_response *res, int status,
			  struct store *st, const char *id, const char *secret)
{
	struct ac_render l = { req, json_array() };
	json_t *o;
	int r;

	r = st ? app_cred_get(st, &req->caller, http_param(req, "user_id"), id, add_app_cred, &l)
	       : -EIO;
	if (r >= 0 && !json_array_size(l.items))
		r = -ENOENT;
	if (r < 0) {
		json_decref(l.items);
		return ac_error(req, res, r, id, NULL);
	}
	o = json_incref(json_array_get(l.items, 0));
	json_decref(l.items);
	if (secret)
		json_object_set_new(o, "secret", json_string(secret));
	return http_reply(res, status, json_pack("{s:o}", "application_credential", o));
}

int h_app_cred_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct ac_render l = { req, json_array() };
	int r;

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	r = store_begin_read(st);
	if (r >= 0) {
		r = app_cred_list(st, &req->caller, http_param(req, "user_id"),
				  http_query(req, "name"), add_app_cred, &l);
		store_rollback(st);
	}
	if (r < 0) {
		json_decref(l.items);
		return ac_error(req, res, r, NULL, NULL);
	}
	return http_reply(res, 200, render_list(req, "application_credentials", l.items));
}

int h_app_cred_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, true, 255 },
		{ "description", J_STRING_NULL, false, 65535 },
		{ "secret", J_STRING_NULL, false, 4096 },
		{ "expires_at", J_ANY, false, 0 },
		{ "roles", J_ARRAY, false, 0 },
		{ "unrestricted", J_ANY, false, 0 },
		{ "access_rules", J_ARRAY, false, 0 },
	};
	json_t *a;
	_cleanup_json_ json_t *body = api_body_object(req, res, "application_credential", fields,
						     ARRAY_SIZE(fields), &a);
	char hash[crypto_pwhash_STRBYTES], secret[128], id[ID_HEX_LEN + 1];
	struct app_cred_in in = { 0 };
	const json_t *unr;
	const char *missing = NULL, *given;
	struct store *st;
	int r;

	if (!body)
		return -1;
	unr = json_object_get(a, "unrestricted");
	if (unr && !json_is_boolean(unr) && !json_is_null(unr))
		return http_error(res, 400,
				  "Invalid input for field 'unrestricted': expected a boolean.");
	if (json_array_size(json_object_get(a, "access_rules")) > 0)
		return http_error(res, 400,
				  "Invalid input for field 'access_rules': access rules are not"
				  " supported by this cloud.");
	if (parse_expires_at(res, json_object_get(a, "expires_at"), &in.expires_at) < 0)
		return -1;
	in.roles_given = json_array_size(json_object_get(a, "roles")) > 0;
	if (parse_role_refs(res, json_object_get(a, "roles"), &in.nroles, in.role_id,
			    in.role_name) < 0)
		return -1;
	in.name = json_str(a, "name");
	in.description = json_str(a, "description");
	in.unrestricted = json_is_true(unr);
	given = json_str(a, "secret");
	if (given && given[0]) {
		if (strlen(given) >= sizeof(secret))
			return http_error(res, 400, "Invalid input for field 'secret': too long.");
		snprintf(secret, sizeof(secret), "%s", given);
	} else {
		unsigned char raw[64];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(secret, sizeof(secret), raw, sizeof(raw),
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(raw, sizeof(raw));
	}
	if (password_hash(req->b, secret, hash) < 0) {
		sodium_memzero(secret, sizeof(secret));
		return http_error(res, 500, "Could not hash the secret.");
	}
	in.secret_hash = hash;
	st = api_write_begin(req, res);
	if (!st) {
		sodium_memzero(secret, sizeof(secret));
		return -1;
	}
	r = app_cred_create(st, &req->caller, http_param(req, "user_id"), &in, id, &missing);
	if (r < 0)
		r = ac_error(req, res, r, NULL, missing);
	if (write_end(req, res, st, r, "application_credential") < 0) {
		sodium_memzero(secret, sizeof(secret));
		return -1;
	}
	r = reply_app_cred(req, res, 201, basalt_store(req->b), id, secret);
	sodium_memzero(secret, sizeof(secret));
	return r;
}

int h_app_cred_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	r = reply_app_cred(req, res, 200, st, http_param(req, "application_credential_id"), NULL);
	store_rollback(st);
	return r;
}

int h_app_cred_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "application_credential_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = app_cred_delete(st, &req->caller, http_param(req, "user_id"), id);
	if (r < 0)
		r = ac_error(req, res, r, id, NULL);
	if (write_end(req, res, st, r, "application_credential") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
