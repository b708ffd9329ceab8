/* trusts.c - /v3/OS-TRUST/trusts: parse, call trust.c, render in
 * Keystone's shapes. */
#include <errno.h>
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

struct tr_render {
	const struct http_request *req;
	json_t *items;
	bool with_roles;
};

static json_t *trust_links(const struct http_request *req, const char *id, const char *tail)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/v3/OS-TRUST/trusts%s%s%s", http_base_url(req),
		 id ? "/" : "", id ? id : "", tail);
	return json_pack("{s:s}", "self", url);
}

static json_t *trust_roles(const struct http_request *req, const struct role_set *s)
{
	json_t *roles = json_array();

	for (int i = 0; s && i < s->n; i++)
		json_array_append_new(
		    roles, render_role(req, &(struct role){ .id = s->id[i], .name = s->name[i] }));
	return roles;
}

static int add_trust(void *ctx, const struct trust *tr)
{
	struct tr_render *l = ctx;
	char exp[32];
	json_t *o;

	if (tr->expires_at >= 0)
		time_format_iso(tr->expires_at, exp);
	o = json_pack("{s:s,s:s,s:s,s:o,s:b,s:o,s:o,s:b,s:i,s:n,s:o}", "id", tr->id,
		      "trustor_user_id", tr->trustor_user_id, "trustee_user_id",
		      tr->trustee_user_id, "project_id",
		      tr->project_id ? json_string(tr->project_id) : json_null(), "impersonation",
		      tr->impersonation, "expires_at",
		      tr->expires_at >= 0 ? json_string(exp) : json_null(), "remaining_uses",
		      tr->remaining_uses >= 0 ? json_integer(tr->remaining_uses) : json_null(),
		      "allow_redelegation", tr->allow_redelegation, "redelegation_count", 0,
		      "redelegated_trust_id", "links", trust_links(l->req, tr->id, ""));
	if (o && l->with_roles) {
		json_t *rl = trust_links(l->req, tr->id, "/roles");
		json_object_set_new(rl, "next", json_null());
		json_object_set_new(rl, "previous", json_null());
		json_object_set_new(o, "roles", trust_roles(l->req, tr->roles));
		json_object_set_new(o, "roles_links", rl);
	}
	return o && json_array_append_new(l->items, o) == 0 ? 0 : -ENOMEM;
}

static int tr_error(struct http_request *req, struct http_response *res, int r, const char *id,
		    const char *missing)
{
	switch (r) {
	case -EKEYREJECTED:
		return http_error(res, 403,
				  "You are not authorized to perform the requested action: Using"
				  " method 'application_credential' is not allowed for managing"
				  " trusts.");
	case -EDOM:
		return http_error(res, 403,
				  "You are not authorized to perform the requested action: The"
				  " authenticated user should match the trustor.");
	case -ECHRNG:
		return http_error(res, 403,
				  "You are not authorized to perform the requested action: At"
				  " least one role should be specified.");
	case -ESRCH:
	case -ENOKEY:
		return http_error(res, 404, "Could not find role: %s.", missing ? missing : "");
	case -ENOENT:
		if (id)
			return http_error(res, 404, "Could not find trust: %s.", id);
		break;
	}
	return reply_error(req, res, r, "trust", id);
}

/* Run fn over the trust of the path (action's policy) in a read
 * transaction. */
static int load_trust(struct http_request *req, struct http_response *res, const char *action,
		      struct tr_render *l)
{
	const char *id = http_param(req, "trust_id");
	struct store *st = basalt_store(req->b);
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_begin_read(st);
	if (r >= 0) {
		r = trust_get(st, &req->caller, action, id, add_trust, l);
		store_rollback(st);
	}
	if (r >= 0 && !json_array_size(l->items))
		r = -ENOENT;
	if (r < 0)
		return tr_error(req, res, r, id, NULL);
	return 0;
}

int h_trust_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct tr_render l = { req, json_array(), false };
	int r;

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	r = store_begin_read(st);
	if (r >= 0) {
		r = trust_list(st, &req->caller, http_query(req, "trustor_user_id"),
			       http_query(req, "trustee_user_id"), add_trust, &l);
		store_rollback(st);
	}
	if (r < 0) {
		json_decref(l.items);
		return tr_error(req, res, r, NULL, NULL);
	}
	json_t *links = trust_links(req, NULL, "");
	json_object_set_new(links, "next", json_null());
	json_object_set_new(links, "previous", json_null());
	return http_reply(res, 200, json_pack("{s:o,s:o}", "trusts", l.items, "links", links));
}

int h_trust_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "trustor_user_id", J_STRING, true, 64 },
		{ "trustee_user_id", J_STRING, true, 64 },
		{ "impersonation", J_BOOL, true, 0 },
		{ "project_id", J_STRING_NULL, false, 64 },
		{ "roles", J_ARRAY, false, 0 },
		{ "expires_at", J_ANY, false, 0 },
		{ "remaining_uses", J_ANY, false, 0 },
		{ "allow_redelegation", J_ANY, false, 0 },
	};
	json_t *t;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "trust", fields, ARRAY_SIZE(fields), &t);
	struct trust_in in = { 0 };
	const json_t *uses, *redel;
	const char *missing = NULL;
	char id[ID_HEX_LEN + 1];
	struct tr_render l = { req, NULL, true };
	struct store *st;
	int r;

	if (!body)
		return -1;
	uses = json_object_get(t, "remaining_uses");
	redel = json_object_get(t, "allow_redelegation");
	if (uses && !json_is_null(uses) && (!json_is_integer(uses) || json_integer_value(uses) < 1))
		return http_error(res, 400,
				  "Invalid input for field 'remaining_uses': expected a positive"
				  " integer or null.");
	if (redel && !json_is_boolean(redel) && !json_is_null(redel))
		return http_error(res, 400,
				  "Invalid input for field 'allow_redelegation': expected a"
				  " boolean.");
	if (json_is_true(redel))
		return http_error(res, 400,
				  "Invalid input for field 'allow_redelegation': redelegation is"
				  " not supported by this cloud.");
	if (parse_expires_at(res, json_object_get(t, "expires_at"), &in.expires_at) < 0)
		return -1;
	if (parse_role_refs(res, json_object_get(t, "roles"), &in.nroles, in.role_id,
			    in.role_name) < 0)
		return -1;
	in.trustor_user_id = json_str(t, "trustor_user_id");
	in.trustee_user_id = json_str(t, "trustee_user_id");
	in.project_id = json_str(t, "project_id");
	in.impersonation = json_is_true(json_object_get(t, "impersonation"));
	in.remaining_uses = uses && json_is_integer(uses) ? json_integer_value(uses) : -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = trust_create(st, &req->caller, &in, id, &missing);
	if (r == -ESRCH && missing && strcmp(missing, "user") == 0)
		r = http_error(res, 404, "Could not find user: %s.", in.trustee_user_id);
	else if (r == -ESRCH && missing && strcmp(missing, "project") == 0)
		r = http_error(res, 404, "Could not find project: %s.", in.project_id);
	else if (r < 0)
		r = tr_error(req, res, r, NULL, missing);
	if (write_end(req, res, st, r, "trust") < 0)
		return -1;
	/* The trustor may read its trust back. */
	l.items = json_array();
	st = basalt_store(req->b);
	r = st ? trust_get(st, &req->caller, "identity:get_trust", id, add_trust, &l) : -EIO;
	return reply_one(req, res, 201, "trust", l.items, r, "trust", id);
}

int h_trust_get(struct http_request *req, struct http_response *res)
{
	struct tr_render l = { req, json_array(), true };

	if (load_trust(req, res, "identity:get_trust", &l) < 0) {
		json_decref(l.items);
		return -1;
	}
	return reply_one(req, res, 200, "trust", l.items, 0, "trust", http_param(req, "trust_id"));
}

int h_trust_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "trust_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = trust_delete(st, &req->caller, id);
	if (r < 0)
		r = tr_error(req, res, r, id, NULL);
	if (write_end(req, res, st, r, "trust") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* The trust's roles (rendered full) out of l's one trust. */
static json_t *roles_of(struct tr_render *l)
{
	json_t *roles = json_object_get(json_array_get(l->items, 0), "roles");

	return json_incref(roles ? roles : json_array());
}

int h_trust_roles(struct http_request *req, struct http_response *res)
{
	struct tr_render l = { req, json_array(), true };
	json_t *roles, *links;

	if (load_trust(req, res, "identity:list_roles_for_trust", &l) < 0) {
		json_decref(l.items);
		return -1;
	}
	roles = roles_of(&l);
	json_decref(l.items);
	links = trust_links(req, http_param(req, "trust_id"), "/roles");
	json_object_set_new(links, "next", json_null());
	json_object_set_new(links, "previous", json_null());
	return http_reply(res, 200, json_pack("{s:o,s:o}", "roles", roles, "links", links));
}

int h_trust_role(struct http_request *req, struct http_response *res)
{
	const char *role_id = http_param(req, "role_id");
	struct tr_render l = { req, json_array(), true };
	json_t *roles, *ro;
	size_t i;

	if (load_trust(req, res, "identity:get_role_for_trust", &l) < 0) {
		json_decref(l.items);
		return -1;
	}
	roles = roles_of(&l);
	json_decref(l.items);
	json_array_foreach(roles, i, ro)
	{
		if (strcmp(json_str(ro, "id"), role_id) == 0) {
			json_t *one = json_incref(ro);
			json_decref(roles);
			return http_reply(res, 200, json_pack("{s:o}", "role", one));
		}
	}
	json_decref(roles);
	return http_error(res, 404, "Could not find role: %s.", role_id);
}
