/* auth.c - /v3/auth: issue, validate and revoke tokens; the projects,
 * domains and catalog a token can reach. */
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

#define AUTH_FAILED "The request you have made requires authentication."

/* --- parsing the request into a struct login (400s here; the rest is
 * login.c's) --- */

/* A {"id"} or {"name"} object: the domain of a user or scope. */
static bool domain_obj_ok(const json_t *d)
{
	return json_is_object(d) && (json_str(d, "id") || json_str(d, "name"));
}

/* The password method's object pw into in: 0, or a 400. */
static int parse_password(struct http_response *res, const json_t *pw, struct login *in)
{
	static const struct jfield pw_fields[] = { { "user", J_OBJECT, true, 0 } };
	static const struct jfield user_fields[] = {
		{ "id", J_STRING, false, 64 },
		{ "name", J_STRING, false, 255 },
		{ "domain", J_OBJECT, false, 0 },
		{ "password", J_STRING, true, 4096 },
	};
	const json_t *ju, *jd;
	char err[256];

	if (json_check(pw, pw_fields, ARRAY_SIZE(pw_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	ju = json_object_get(pw, "user");
	if (json_check(ju, user_fields, ARRAY_SIZE(user_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	in->user_id = json_str(ju, "id");
	in->user_name = json_str(ju, "name");
	in->password = json_str(ju, "password");
	if (in->user_id)
		return 0;
	jd = json_object_get(ju, "domain");
	if (!in->user_name || !jd)
		return http_error(res, 400,
				  "Invalid input: a user needs an id, or a name and a domain.");
	if (!domain_obj_ok(jd))
		return http_error(res, 400, "Invalid input: a domain needs an id or a name.");
	in->user_domain_id = json_str(jd, "id");
	in->user_domain_name = json_str(jd, "name");
	return 0;
}

/* The application_credential method's object ac into in: 0, or a 400. */
static int parse_app_cred(struct http_response *res, const json_t *ac, struct login *in)
{
	static const struct jfield ac_fields[] = {
		{ "id", J_STRING, false, 64 },
		{ "name", J_STRING, false, 255 },
		{ "secret", J_STRING, true, 4096 },
		{ "user", J_OBJECT, false, 0 },
	};
	static const struct jfield user_fields[] = {
		{ "id", J_STRING, false, 64 },
		{ "name", J_STRING, false, 255 },
		{ "domain", J_OBJECT, false, 0 },
	};
	const json_t *ju, *jd;
	char err[256];

	if (json_check(ac, ac_fields, ARRAY_SIZE(ac_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	in->app_cred = true;
	in->app_cred_id = json_str(ac, "id");
	in->app_cred_name = json_str(ac, "name");
	in->app_cred_secret = json_str(ac, "secret");
	if (in->app_cred_id)
		return 0;
	ju = json_object_get(ac, "user");
	if (!in->app_cred_name || !ju)
		return http_error(res, 400,
				  "Invalid input: an application credential needs an id, or a name"
				  " and a user.");
	if (json_check(ju, user_fields, ARRAY_SIZE(user_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	in->user_id = json_str(ju, "id");
	in->user_name = json_str(ju, "name");
	if (in->user_id)
		return 0;
	jd = json_object_get(ju, "domain");
	if (!in->user_name || !domain_obj_ok(jd))
		return http_error(res, 400,
				  "Invalid input: a user needs an id, or a name and a domain.");
	in->user_domain_id = json_str(jd, "id");
	in->user_domain_name = json_str(jd, "name");
	return 0;
}

/* The request's scope into in: 0, or a 400. */
static int parse_scope(struct http_response *res, const json_t *scope, struct login *in)
{
	const json_t *jp = json_object_get(scope, "project");
	const json_t *jd = json_object_get(scope, "domain");
	const json_t *js = json_object_get(scope, "system");
	const json_t *jt = json_object_get(scope, "OS-TRUST:trust");

	if (!scope)
		return 0;
	if (!json_is_object(scope) &&
	    !(json_is_string(scope) && strcmp(json_string_value(scope), "unscoped") == 0))
		return http_error(res, 400, "Invalid input for field 'scope'.");
	in->scope_given = true;
	in->scope = SCOPE_NONE;
	if (json_is_string(scope))
		return 0;
	if (json_object_size(scope) != 1)
		return http_error(
		    res, 400,
		    "Invalid input for field 'scope': give exactly one of project, domain, system,"
		    " OS-TRUST:trust.");
	if (jt) {
		/* A trust scope is not a scope the user asks for: the trust
		 * decides it. */
		in->scope_given = false;
		in->trust_id = json_str(jt, "id");
		if (!json_is_object(jt) || !in->trust_id || json_object_size(jt) != 1)
			return http_error(res, 400,
					  "Invalid input for field 'OS-TRUST:trust': expected"
					  " {\"id\": ...}.");
	} else if (jp) {
		in->scope = SCOPE_PROJECT;
		in->scope_id = json_str(jp, "id");
		in->scope_name = json_str(jp, "name");
		if (!json_is_object(jp) || (!in->scope_id && !in->scope_name) ||
		    (!in->scope_id && !domain_obj_ok(json_object_get(jp, "domain"))))
			return http_error(
			    res, 400,
			    "Invalid input: a project needs an id, or a name and a domain.");
		in->scope_domain_id = json_str(json_object_get(jp, "domain"), "id");
		in->scope_domain_name = json_str(json_object_get(jp, "domain"), "name");
	} else if (jd) {
		if (!domain_obj_ok(jd))
			return http_error(res, 400,
					  "Invalid input: a domain needs an id or a name.");
		in->scope = SCOPE_DOMAIN;
		in->scope_id = json_str(jd, "id");
		in->scope_name = json_str(jd, "name");
	} else if (js) {
		if (!json_is_object(js) || !json_is_true(json_object_get(js, "all")))
			return http_error(
			    res, 400,
			    "Invalid input for field 'system': expected {\"all\": true}.");
		in->scope = SCOPE_SYSTEM;
	}
	return 0;
}

/* login_issue's error as Keystone answers it (a reason ending in "." gets
 * Keystone's second one, as its ForbiddenAction does). */
static int login_error(struct http_response *res, int r, const struct token *t,
		       const struct login *in, const char *why)
{
	if (r == -EACCES)
		return http_error(res, 401, "%s", why ? why : AUTH_FAILED);
	if (r == -EPERM)
		return http_error(res, 403,
				  "You are not authorized to perform the requested action: %s.",
				  why ? why : "issue_token");
	if (r == -ENOENT && in->trust_id)
		return http_error(res, 404, "Could not find trust: %s.", in->trust_id);
	if (r == -ENOKEY)
		return t->scope == SCOPE_SYSTEM
			   ? http_error(res, 401, "User %s has no access to the system.",
					t->user_id)
			   : http_error(res, 401, "User %s has no access to %s %s.", t->user_id,
					t->scope == SCOPE_DOMAIN ? "domain" : "project", t->scope_id);
	/* Basalt's tokens carry the roles, at most TOKEN_MAX_ROLES: rather
	 * than a token silently missing some, none (the operator trims the
	 * grants or the implied-role rules). */
	if (r == -E2BIG)
		return http_error(res, 403,
				  "User %s holds more roles on the requested scope than a token "
				  "carries (at most %d, implied roles included).",
				  t->user_id, TOKEN_MAX_ROLES);
	return http_error_errno(res, r, "user");
}

/* Scoped tokens carry the catalog unless the caller asks ?nocatalog. */
static int reply_token(struct http_request *req, struct http_response *res, int status,
		       const struct token *t)
{
	bool with_catalog = t->scope != SCOPE_NONE && !http_query(req, "nocatalog");
	char *text = identity_token_text(req->b, t, with_catalog);

	if (!text)
		return http_error(res, 500, "Could not render the token.");
	return http_reply_raw(res, status, text);
}

int h_auth_issue(struct http_request *req, struct http_response *res)
{
	static const struct jfield top[] = { { "auth", J_OBJECT, true, 0 } };
	static const struct jfield auth_fields[] = {
		{ "identity", J_OBJECT, true, 0 },
		{ "scope", J_ANY, false, 0 },
	};
	static const struct jfield ident_fields[] = {
		{ "methods", J_ARRAY, true, 0 },
		{ "password", J_OBJECT, false, 0 },
		{ "token", J_OBJECT, false, 0 },
		{ "application_credential", J_OBJECT, false, 0 },
	};
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct store *st = basalt_store(req->b);
	const json_t *auth, *ident, *methods, *m;
	struct login in = { 0 };
	char err[256], tokbuf[TOKEN_MAX_LEN + 1];
	struct token t, oldtok;
	const char *why = NULL, *mname;
	size_t i;
	int r, want = 0;

	if (!body)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (json_check(body, top, ARRAY_SIZE(top), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	auth = json_object_get(body, "auth");
	if (json_check(auth, auth_fields, ARRAY_SIZE(auth_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	ident = json_object_get(auth, "identity");
	if (json_check(ident, ident_fields, ARRAY_SIZE(ident_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	methods = json_object_get(ident, "methods");
	json_array_foreach(methods, i, m)
	{
		const char *name = json_string_value(m);
		if (name && strcmp(name, "password") == 0)
			want |= TOKEN_M_PASSWORD;
		else if (name && strcmp(name, "token") == 0)
			want |= TOKEN_M_TOKEN;
		else if (name && strcmp(name, "application_credential") == 0)
			want |= TOKEN_M_APP_CRED;
		else
			return http_error(res, 401,
					  "Attempted to authenticate with an unsupported method.");
	}
	if (want != TOKEN_M_PASSWORD && want != TOKEN_M_TOKEN && want != TOKEN_M_APP_CRED)
		return http_error(res, 400,
				  "Invalid input for field 'methods': give password, token or"
				  " application_credential.");
	mname = want == TOKEN_M_PASSWORD ? "password"
		: want == TOKEN_M_TOKEN	 ? "token"
					 : "application_credential";
	if (!json_object_get(ident, mname))
		return http_error(res, 400, "Invalid input: the %s method needs its '%s' object.",
				  mname, mname);

	if (want == TOKEN_M_TOKEN) {
		static const struct jfield tk_fields[] = { { "id", J_STRING, true,
							     TOKEN_MAX_LEN } };
		const json_t *tk = json_object_get(ident, "token");
		if (json_check(tk, tk_fields, ARRAY_SIZE(tk_fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "%s", err);
	} else if (want == TOKEN_M_APP_CRED) {
		if (parse_app_cred(res, json_object_get(ident, mname), &in) < 0)
			return -1;
	} else if (parse_password(res, json_object_get(ident, "password"), &in) < 0) {
		return -1;
	}
	if (parse_scope(res, json_object_get(auth, "scope"), &in) < 0)
		return -1;
	if (want == TOKEN_M_TOKEN) {
		if (req->b->authenticate(req->b, json_str(json_object_get(ident, "token"), "id"),
					 &oldtok) < 0)
			return http_error(res, 401, AUTH_FAILED);
		in.old = &oldtok;
	}
	/* A trust scope spends a use: that needs a write transaction. */
	r = in.trust_id ? store_begin_write(st) : store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	r = login_issue(req->b, st, &in, &t, &why);
	if (r >= 0 && in.trust_id) {
		r = store_commit(st);
		identity_cache_invalidate(req->b);
	} else {
		store_rollback(st);
	}
	if (r < 0)
		return login_error(res, r, &t, &in, why);
	r = identity_encode(req->b, &t, tokbuf, sizeof(tokbuf));
	if (r < 0)
		return http_error(res, 500, "Could not issue the token.");
	http_header_add(res, "X-Subject-Token", tokbuf);
	sodium_memzero(tokbuf, sizeof(tokbuf));
	return reply_token(req, res, 201, &t);
}

/* The subject token of a validate or revoke request: 0, -ENOENT when it
 * is not a valid token, -EPERM when the caller may not act on it (only
 * admins act on other users' tokens: the action's rule with the subject's
 * user as the target). */
static int subject(struct basalt *b, const struct caller *c, const char *action, const char *s,
		   struct token *t)
{
	if (b->authenticate(b, s, t) < 0)
		return -ENOENT;
	return policy_check(c, action, &(struct target){ .user_id = t->user_id });
}

/* The subject token of req, or the error reply. */
static int subject_reply(struct http_request *req, struct http_response *res, struct token *t)
{
	int r;

	if (!req->subject_token)
		return http_error(res, 400,
				  "Invalid input: the X-Subject-Token header is required.");
	r = subject(req->b, &req->caller, req->route->rule, req->subject_token, t);
	if (r == -ENOENT)
		return http_error(
		    res, 404, "Could not find token: the token is invalid, expired or revoked.");
	if (r < 0)
		return http_error_errno(res, r, req->route->rule);
	return 0;
}

int h_auth_validate(struct http_request *req, struct http_response *res)
{
	struct token t;

	if (subject_reply(req, res, &t) < 0)
		return -1;
	http_header_add(res, "X-Subject-Token", req->subject_token);
	return reply_token(req, res, 200, &t);
}

int h_auth_revoke(struct http_request *req, struct http_response *res)
{
	struct store *st;
	struct token t;
	int r;

	if (subject_reply(req, res, &t) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = identity_revoke(st, NULL, NULL, NULL, t.audit_id);
	if (write_end(req, res, st, r, "revocation event") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_auth_projects(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, json_array() };

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	return reply_items(req, res, "projects", l.items,
			   project_list_of_user(st, &req->caller, req->caller.user_id, true,
						render_add_project, &l));
}

int h_auth_domains(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, json_array() };

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	return reply_items(req, res, "domains", l.items,
			   domain_list_of_caller(st, &req->caller, render_add_domain, &l));
}

int h_auth_catalog(struct http_request *req, struct http_response *res)
{
	json_t *cat;

	if (!req->caller.project_id && !req->caller.domain_id && !req->caller.system)
		return http_error(res, 403,
				  "The authenticated token must be scoped to get a catalog.");
	cat = identity_catalog(req->b, req->caller.project_id);
	return http_reply(res, 200,
			  json_pack("{s:o,s:o}", "catalog", cat ? cat : json_array(), "links",
				    render_links(req, "auth/catalog", NULL)));
}

int h_auth_system(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	json_t *system = json_array();
	int r;

	/* The system scope goes to holders of the admin role (login.c). */
	r = st ? grant_admin_anywhere(st, req->caller.user_id) : -EIO;
	if (r < 0) {
		json_decref(system);
		return http_error_errno(res, r, "store");
	}
	if (r > 0)
		json_array_append_new(system, json_pack("{s:b}", "all", 1));
	return http_reply(res, 200,
			  json_pack("{s:o,s:o}", "system", system, "links",
				    render_links(req, "auth/system", NULL)));
}
