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
#include "http/http.h"
#include "identity/identity.h"
#include "store/store.h"

#define AUTH_FAILED "The request you have made requires authentication."

/* Verified against when the user does not exist, so an unknown user costs
 * the same time as a wrong password. Computed once per process. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static struct basalt *dummy_b;

static void dummy_init(void)
{
	if (password_hash(dummy_b, "basalt-dummy-password", dummy_hash) < 0)
		dummy_hash[0] = '\0';
}

/* --- resolving names from the request --- */

/* Resolve {"id": ...} or {"name": ..., "domain": {"id"|"name"}} of a
 * user or project into its id. Returns 1 found, 0 not found, -errno. */
static int domain_ref(struct store *st, const json_t *d, char *id_out, size_t idlen)
{
	struct store_stmt *q;
	const char *id = json_str(d, "id"), *name = json_str(d, "name");
	int r;

	if (!json_is_object(d) || (!id && !name))
		return -EINVAL;
	r = store_query(st, &q, "SELECT id FROM domain WHERE id = ?1 OR (?1 IS NULL AND name = ?2)",
			"ss", id, name);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(id_out, idlen, "%s", store_text(q, 0));
	store_done(q);
	return r;
}

/* The password method: returns 0 with u filled, or fills a 400/401. */
static int auth_password(struct basalt *b, struct http_response *res, struct store *st,
			 const json_t *pw, struct user_login *u)
{
	static const struct jfield pw_fields[] = { { "user", J_OBJECT, true, 0 } };
	static const struct jfield user_fields[] = {
		{ "id", J_STRING, false, 64 },
		{ "name", J_STRING, false, 255 },
		{ "domain", J_OBJECT, false, 0 },
		{ "password", J_STRING, true, 4096 },
	};
	const json_t *ju;
	char domain_id[65] = "", err[256];
	int r;

	if (json_check(pw, pw_fields, ARRAY_SIZE(pw_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	ju = json_object_get(pw, "user");
	if (json_check(ju, user_fields, ARRAY_SIZE(user_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	if (!json_str(ju, "id")) {
		if (!json_str(ju, "name") || !json_object_get(ju, "domain"))
			return http_error(
			    res, 400, "Invalid input: a user needs an id, or a name and a domain.");
		r = domain_ref(st, json_object_get(ju, "domain"), domain_id, sizeof(domain_id));
		if (r == -EINVAL)
			return http_error(res, 400,
					  "Invalid input: a domain needs an id or a name.");
		if (r < 0)
			return http_error_errno(res, r, "domain");
	}
	r = user_login_load(st, json_str(ju, "id"), json_str(ju, "name"), domain_id, u);
	if (r < 0)
		return http_error_errno(res, r, "user");
	dummy_b = b;
	pthread_once(&dummy_once, dummy_init);
	/* Always verify, so the answer's timing does not tell whether the
	 * user exists; and the same message either way. */
	bool good =
	    password_verify(r > 0 && u->hash[0] ? u->hash : dummy_hash, json_str(ju, "password"));
	if (r == 0 || !good || !u->enabled || !u->domain_enabled)
		return http_error(res, 401, AUTH_FAILED);
	return 0;
}

/* The token method: the new token keeps the old one's user, expiry and
 * audit chain. */
static int auth_token(struct http_response *res, struct store *st,
		      struct user_login *u, struct token *old)
{
	int r;

	/* The old token was validated (b->authenticate) before the store
	 * transaction began: validation may refresh the cache, which reads
	 * the store in a transaction of its own. */
	r = user_login_load(st, old->user_id, NULL, NULL, u);
	if (r < 0)
		return http_error_errno(res, r, "user");
	if (r == 0 || !u->enabled || !u->domain_enabled)
		return http_error(res, 401, AUTH_FAILED);
	return 0;
}

/* Scope t to the project, domain or system the request asks for (or the
 * user's default project). Fills 400/401 on failure. */
static int apply_scope(struct http_response *res, struct store *st, const json_t *scope,
		       const struct user_login *u, struct token *t)
{
	const json_t *jp = json_object_get(scope, "project");
	const json_t *jd = json_object_get(scope, "domain");
	const json_t *js = json_object_get(scope, "system");
	struct store_stmt *q;
	int r;

	if (scope && !json_is_object(scope) &&
	    !(json_is_string(scope) && strcmp(json_string_value(scope), "unscoped") == 0))
		return http_error(res, 400, "Invalid input for field 'scope'.");
	if (json_is_string(scope))
		return 0;
	if (scope && json_object_size(scope) != 1)
		return http_error(
		    res, 400,
		    "Invalid input for field 'scope': give exactly one of project, domain, system.");
	if (jp || (!scope && u->default_project[0])) {
		char domain_id[65] = "";
		const char *pid = jp ? json_str(jp, "id") : u->default_project;
		const char *pname = jp ? json_str(jp, "name") : NULL;
		if (jp && (!json_is_object(jp) || (!pid && !pname)))
			return http_error(
			    res, 400,
			    "Invalid input: a project needs an id, or a name and a domain.");
		if (!pid) {
			r = domain_ref(st, json_object_get(jp, "domain"), domain_id,
				       sizeof(domain_id));
			if (r == -EINVAL)
				return http_error(
				    res, 400,
				    "Invalid input: a project needs an id, or a name and a domain.");
			if (r <= 0)
				return r < 0 ? http_error_errno(res, r, "domain")
					     : http_error(res, 401, AUTH_FAILED);
		}
		r = store_query(
		    st, &q,
		    "SELECT p.id, p.name, p.domain_id, d.name, p.enabled, d.enabled"
		    " FROM project p JOIN domain d ON d.id = p.domain_id WHERE p.id = ?1"
		    " OR (?1 IS NULL AND p.name = ?2 AND p.domain_id = ?3)",
		    "sss", pid, pname, domain_id);
		if (r < 0)
			return http_error_errno(res, r, "project");
		r = store_next(q);
		if (r > 0 && store_bool(q, 4) && store_bool(q, 5)) {
			t->scope = SCOPE_PROJECT;
			t->scope_id = token_str(t, store_text(q, 0));
			t->scope_name = token_str(t, store_text(q, 1));
			t->scope_domain_id = token_str(t, store_text(q, 2));
			t->scope_domain_name = token_str(t, store_text(q, 3));
		}
		store_done(q);
		if (r < 0)
			return http_error_errno(res, r, "project");
		if (t->scope != SCOPE_PROJECT) {
			if (!jp) /* an unusable default project: stay unscoped */
				return 0;
			return http_error(res, 401, AUTH_FAILED);
		}
		r = assignments_for_token(st, u->id, t->scope_id, NULL, t);
		if (r < 0)
			return http_error_errno(res, r, "role assignment");
		if (t->nroles == 0) {
			if (!jp) {
				t->scope = SCOPE_NONE;
				return 0;
			}
			return http_error(res, 401, "User %s has no access to project %s.", u->id,
					  t->scope_id);
		}
		return 0;
	}
	if (jd) {
		char did[65];
		r = domain_ref(st, jd, did, sizeof(did));
		if (r == -EINVAL)
			return http_error(res, 400,
					  "Invalid input: a domain needs an id or a name.");
		if (r <= 0)
			return r < 0 ? http_error_errno(res, r, "domain")
				     : http_error(res, 401, AUTH_FAILED);
		r = store_query(st, &q, "SELECT id, name, enabled FROM domain WHERE id = ?", "s",
				did);
		if (r < 0)
			return http_error_errno(res, r, "domain");
		if (store_next(q) > 0 && store_bool(q, 2)) {
			t->scope = SCOPE_DOMAIN;
			t->scope_id = token_str(t, store_text(q, 0));
			t->scope_name = token_str(t, store_text(q, 1));
		}
		store_done(q);
		if (t->scope != SCOPE_DOMAIN)
			return http_error(res, 401, AUTH_FAILED);
		r = assignments_for_token(st, u->id, NULL, t->scope_id, t);
		if (r < 0)
			return http_error_errno(res, r, "role assignment");
		if (t->nroles == 0)
			return http_error(res, 401, "User %s has no access to domain %s.", u->id,
					  did);
		return 0;
	}
	if (js) {
		if (!json_is_object(js) || !json_is_true(json_object_get(js, "all")))
			return http_error(
			    res, 400,
			    "Invalid input for field 'system': expected {\"all\": true}.");
		r = grant_admin_anywhere(st, u->id);
		if (r < 0)
			return http_error_errno(res, r, "role assignment");
		if (r == 0)
			return http_error(res, 401, "User %s has no access to the system.", u->id);
		t->scope = SCOPE_SYSTEM;
		return assignments_for_token(st, u->id, NULL, NULL, t) < 0
			   ? http_error(res, 500, "role lookup failed")
			   : 0;
	}
	return 0;
}

/* The Keystone token body for t, without its catalog. New reference. */
static json_t *render_token(const struct token *t)
{
	char issued[32], expires[32];
	json_t *tok, *methods = json_array(), *audit = json_array(), *roles;

	time_format_iso(t->issued_at, issued);
	time_format_iso(t->expires_at, expires);
	if (t->methods & TOKEN_M_PASSWORD)
		json_array_append_new(methods, json_string("password"));
	if (t->methods & TOKEN_M_TOKEN)
		json_array_append_new(methods, json_string("token"));
	json_array_append_new(audit, json_string(t->audit_id));
	if (t->parent_audit_id[0])
		json_array_append_new(audit, json_string(t->parent_audit_id));
	tok = json_pack("{s:o,s:{s:{s:s,s:s},s:s,s:s,s:n},s:o,s:s,s:s}", "methods", methods, "user",
			"domain", "id", t->user_domain_id, "name", t->user_domain_name, "id",
			t->user_id, "name", t->user_name, "password_expires_at", "audit_ids", audit,
			"expires_at", expires, "issued_at", issued);
	if (t->scope == SCOPE_NONE)
		return json_pack("{s:o}", "token", tok);
	if (t->scope == SCOPE_PROJECT) {
		json_object_set_new(tok, "project",
				    json_pack("{s:{s:s,s:s},s:s,s:s}", "domain", "id",
					      t->scope_domain_id, "name", t->scope_domain_name,
					      "id", t->scope_id, "name", t->scope_name));
		json_object_set_new(tok, "is_domain", json_false());
	} else if (t->scope == SCOPE_DOMAIN) {
		json_object_set_new(
		    tok, "domain",
		    json_pack("{s:s,s:s}", "id", t->scope_id, "name", t->scope_name));
	} else {
		json_object_set_new(tok, "system", json_pack("{s:b}", "all", 1));
	}
	roles = json_array();
	for (int i = 0; i < t->nroles; i++)
		json_array_append_new(
		    roles, json_pack("{s:s,s:s}", "id", t->role_id[i], "name", t->role_name[i]));
	json_object_set_new(tok, "roles", roles);
	return json_pack("{s:o}", "token", tok);
}

/* Scoped tokens carry the catalog unless the caller asks ?nocatalog. */
static int reply_token(struct http_request *req, struct http_response *res, int status,
		       const struct token *t)
{
	bool with_catalog = t->scope != SCOPE_NONE && !http_query(req, "nocatalog");
	char *text = identity_token_text(req->b, render_token(t), with_catalog);

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
	};
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct store *st = basalt_store(req->b);
	const json_t *auth, *ident, *methods, *m;
	struct user_login u;
	struct token *old = NULL;
	char err[256], tokbuf[TOKEN_MAX_LEN + 1];
	struct token t;
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
		else
			return http_error(res, 401,
					  "Attempted to authenticate with an unsupported method.");
	}
	if (want == 0 || want == (TOKEN_M_PASSWORD | TOKEN_M_TOKEN))
		return http_error(res, 400,
				  "Invalid input for field 'methods': give password or token.");
	if (!json_object_get(ident, want == TOKEN_M_PASSWORD ? "password" : "token"))
		return http_error(res, 400, "Invalid input: the %s method needs its '%s' object.",
				  want == TOKEN_M_PASSWORD ? "password" : "token",
				  want == TOKEN_M_PASSWORD ? "password" : "token");

	struct token oldtok;
	if (want == TOKEN_M_TOKEN) {
		static const struct jfield tk_fields[] = { { "id", J_STRING, true,
							     TOKEN_MAX_LEN } };
		const json_t *tk = json_object_get(ident, "token");
		if (json_check(tk, tk_fields, ARRAY_SIZE(tk_fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "%s", err);
		if (req->b->authenticate(req->b, json_str(tk, "id"), &oldtok) < 0)
			return http_error(res, 401, AUTH_FAILED);
		old = &oldtok;
	}
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	if (want == TOKEN_M_PASSWORD)
		r = auth_password(req->b, res, st, json_object_get(ident, "password"), &u);
	else
		r = auth_token(res, st, &u, old);
	token_init(&t);
	if (r == 0) {
		t.methods = (uint8_t)want;
		t.issued_at = now_usec();
		t.expires_at = old ? old->expires_at
				   : t.issued_at + (int64_t)req->b->cfg.token_expiration * 1000000;
		token_new_audit_id(t.audit_id);
		if (old)
			snprintf(t.parent_audit_id, sizeof(t.parent_audit_id), "%s",
				 old->parent_audit_id[0] ? old->parent_audit_id : old->audit_id);
		t.user_id = token_str(&t, u.id);
		t.user_name = token_str(&t, u.name);
		t.user_domain_id = token_str(&t, u.domain_id);
		t.user_domain_name = token_str(&t, u.domain_name);
		r = apply_scope(res, st, json_object_get(auth, "scope"), &u, &t);
	}
	store_rollback(st);
	if (r < 0)
		return r;
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
	struct store *st = basalt_store(req->b);
	struct token t;
	int r;

	if (subject_reply(req, res, &t) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_begin_write(st);
	if (r == 0)
		r = identity_revoke(st, NULL, NULL, NULL, t.audit_id);
	if (r >= 0)
		r = store_commit(st);
	else
		store_rollback(st);
	if (r < 0)
		return http_error_errno(res, r, "revocation event");
	identity_cache_invalidate(req->b);
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
	cat = identity_catalog(req->b);
	return http_reply(res, 200,
			  json_pack("{s:o,s:o}", "catalog", cat ? cat : json_array(), "links",
				    render_links(req, "auth/catalog", NULL)));
}
