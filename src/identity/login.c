/* login.c - who a token is for and what it is scoped to: the password or
 * token method against the users table, then the project, domain or system
 * scope with the roles the user holds there; or an application credential
 * (its user, project and roles); or a trust scope (the trustor's roles,
 * one use spent). Returns -errno; auth.c parses the request and maps the
 * errors to Keystone's answers. */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "identity/identity.h"

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

/* The user of in: 0 with u filled, -EACCES for any failure to
 * authenticate (no reason told apart), -errno. */
static int login_user(struct basalt *b, struct store *st, const struct login *in,
		      struct user_login *u)
{
	char domain_id[65] = "";
	bool good;
	int r;

	if (in->old) {
		/* The old token was validated (b->authenticate) before the store
		 * transaction began: validation may refresh the cache, which
		 * reads the store in a transaction of its own. */
		r = user_login_load(st, in->old->user_id, NULL, NULL, u);
		if (r < 0)
			return r;
		return r == 0 || !u->enabled || !u->domain_enabled ? -EACCES : 0;
	}
	if (!in->user_id) {
		r = domain_resolve(st, in->user_domain_id, in->user_domain_name, domain_id,
				   sizeof(domain_id));
		if (r < 0)
			return r;
	}
	r = user_login_load(st, in->user_id, in->user_name, domain_id, u);
	if (r < 0)
		return r;
	(void)b;
	/* Always verify, so the answer's timing does not tell whether the
	 * user exists; and the same answer either way. */
	good = password_verify(r > 0 && u->hash[0] ? u->hash : dummy_hash, in->password);
	sodium_memzero(u->hash, sizeof(u->hash));
	return r == 0 || !good || !u->enabled || !u->domain_enabled ? -EACCES : 0;
}

static void set_scope(struct token *t, enum token_scope scope, const struct scope_row *s)
{
	t->scope = scope;
	t->scope_id = token_str(t, s->id);
	t->scope_name = token_str(t, s->name);
	if (scope == SCOPE_PROJECT) {
		t->scope_domain_id = token_str(t, s->domain_id);
		t->scope_domain_name = token_str(t, s->domain_name);
	}
}

/* Scope t as in asks (or to the user's default project when in gives no
 * scope: a default project that cannot be used leaves t unscoped). */
static int login_scope(struct store *st, const struct login *in, const struct user_login *u,
		       struct token *t)
{
	const char *pid = in->scope_id, *pname = in->scope_name;
	char domain_id[65] = "";
	struct scope_row s;
	bool dflt = !in->scope_given;
	int r;

	if (dflt && !u->default_project[0])
		return 0;
	if (dflt || in->scope == SCOPE_PROJECT) {
		if (dflt) {
			pid = u->default_project;
			pname = NULL;
		} else if (!pid) {
			r = domain_resolve(st, in->scope_domain_id, in->scope_domain_name,
					   domain_id, sizeof(domain_id));
			if (r < 0)
				return r;
			if (r == 0)
				return -EACCES;
		}
		r = project_scope_load(st, pid, pname, domain_id, &s);
		if (r < 0)
			return r;
		if (r == 0 || !s.enabled)
			return dflt ? 0 : -EACCES;
		set_scope(t, SCOPE_PROJECT, &s);
		r = assignments_for_token(st, u->id, t->scope_id, NULL, t);
		if (r < 0)
			return r;
		if (t->nroles == 0) {
			if (dflt) {
				t->scope = SCOPE_NONE;
				return 0;
			}
			return -ENOKEY;
		}
		return 0;
	}
	if (in->scope == SCOPE_DOMAIN) {
		r = domain_resolve(st, in->scope_id, in->scope_name, domain_id, sizeof(domain_id));
		if (r < 0)
			return r;
		if (r == 0)
			return -EACCES;
		r = domain_scope_load(st, domain_id, &s);
		if (r < 0)
			return r;
		if (r == 0 || !s.enabled)
			return -EACCES;
		set_scope(t, SCOPE_DOMAIN, &s);
		r = assignments_for_token(st, u->id, NULL, t->scope_id, t);
		if (r < 0)
			return r;
		return t->nroles == 0 ? -ENOKEY : 0;
	}
	if (in->scope == SCOPE_SYSTEM) {
		r = grant_admin_anywhere(st, u->id);
		if (r < 0)
			return r;
		if (r == 0)
			return -ENOKEY;
		t->scope = SCOPE_SYSTEM;
		return assignments_for_token(st, u->id, NULL, NULL, t);
	}
	return 0; /* unscoped */
}

static void set_user(struct token *t, const struct user_login *u)
{
	t->user_id = token_str(t, u->id);
	t->user_name = token_str(t, u->name);
	t->user_domain_id = token_str(t, u->domain_id);
	t->user_domain_name = token_str(t, u->domain_name);
}

/* A delegation's token: its chain id as the parent audit id, so that one
 * revocation event (app_cred_delete, trust_delete) ends them all. */
static void set_chain(struct token *t, const char *delegation_id)
{
	if (token_chain_id(delegation_id, t->parent_audit_id) < 0)
		t->parent_audit_id[0] = '\0';
}

/* Load the project id as t's scope when it and its domain are enabled:
 * 0, -EACCES when not, -errno. */
static int scope_project(struct store *st, const char *id, struct token *t)
{
	struct scope_row s;
	int r = project_scope_load(st, id, NULL, NULL, &s);

	if (r < 0)
		return r;
	if (r == 0 || !s.enabled)
		return -EACCES;
	set_scope(t, SCOPE_PROJECT, &s);
	return 0;
}

/* The application_credential method: the credential's user, project and
 * those of its roles the user still holds there. */
static int login_app_cred(struct store *st, const struct login *in, struct token *t,
			  const char **why)
{
	struct app_cred_login a;
	struct user_login u;
	struct role_set now, kept = { .n = 0 };
	char user_id[65] = "", domain_id[65] = "";
	bool good;
	int r;

	if (in->scope_given) {
		*why = "Error authenticating with application credential: Application"
		       " credentials cannot request a scope.";
		return -EACCES;
	}
	if (!in->app_cred_id && in->user_id) {
		snprintf(user_id, sizeof(user_id), "%s", in->user_id);
	} else if (!in->app_cred_id) {
		r = domain_resolve(st, in->user_domain_id, in->user_domain_name, domain_id,
				   sizeof(domain_id));
		if (r > 0)
			r = user_login_load(st, NULL, in->user_name, domain_id, &u);
		if (r < 0)
			return r;
		if (r > 0)
			snprintf(user_id, sizeof(user_id), "%s", u.id);
	}
	r = app_cred_login_load(st, in->app_cred_id, in->app_cred_name, user_id, &a);
	if (r < 0)
		return r;
	/* Always verify, so the timing does not tell whether it exists. */
	good = password_verify(r > 0 ? a.hash : dummy_hash, in->app_cred_secret);
	sodium_memzero(a.hash, sizeof(a.hash));
	if (r == 0 || !good)
		return -EACCES;
	if (a.expires_at >= 0 && a.expires_at <= now_usec()) {
		*why = "Error authenticating with application credential: Application"
		       " credential has expired.";
		return -EACCES;
	}
	r = user_login_load(st, a.user_id, NULL, NULL, &u);
	if (r < 0)
		return r;
	sodium_memzero(u.hash, sizeof(u.hash));
	if (r == 0 || !u.enabled || !u.domain_enabled)
		return -EACCES;
	set_user(t, &u);
	r = scope_project(st, a.project_id, t);
	if (r < 0)
		return r;
	/* The user's roles now, not when the credential was made. */
	r = role_set_of_user(st, u.id, a.project_id, &now);
	for (int i = 0; r >= 0 && i < a.roles.n; i++)
		if (role_set_has(&now, a.roles.id[i]))
			r = role_set_add(&kept, a.roles.id[i], a.roles.name[i]);
	if (r < 0)
		return r;
	if (kept.n == 0)
		return -EACCES;
	role_set_to_token(&kept, t);
	t->methods = TOKEN_M_APP_CRED;
	t->app_cred_id = token_str(t, a.id);
	t->app_cred_name = token_str(t, a.name);
	t->app_cred_unrestricted = a.unrestricted;
	set_chain(t, a.id);
	return 0;
}

/* A trust scope for the user u (the trustee): one use of the trust, the
 * trustor's roles of the trust, the trustor as the token's user when the
 * trust impersonates. */
static int login_trust(struct store *st, const struct login *in, const struct user_login *u,
		       struct token *t, const char **why)
{
	struct trust_login tl;
	struct user_login trustor;
	int r = trust_consume(st, in->trust_id, u->id, &tl);

	if (r == -EACCES) {
		*why = "User is not a trustee";
		return -EPERM;
	}
	if (r == -ENOKEY) {
		*why = "Trustee has no delegated roles";
		return -EPERM;
	}
	if (r < 0)
		return r; /* -ENOENT: no such trust, expired or used up */
	r = user_login_load(st, tl.trustor_user_id, NULL, NULL, &trustor);
	if (r < 0)
		return r;
	sodium_memzero(trustor.hash, sizeof(trustor.hash));
	if (r == 0 || !trustor.enabled || !trustor.domain_enabled) {
		*why = "Trustor is disabled";
		return -EPERM;
	}
	if (tl.impersonation)
		set_user(t, &trustor);
	if (tl.project_id[0] && (r = scope_project(st, tl.project_id, t)) < 0)
		return r;
	role_set_to_token(&tl.roles, t);
	t->trust_id = token_str(t, tl.id);
	t->trustor_id = token_str(t, tl.trustor_user_id);
	t->trustee_id = token_str(t, tl.trustee_user_id);
	t->trust_impersonation = tl.impersonation;
	set_chain(t, tl.id);
	return 0;
}

/* Keystone's rules for the token method: which old tokens may become
 * which new ones. 0, or -EPERM with *why. */
static int check_rescope(const struct login *in, const char **why)
{
	const struct token *old = in->old;
	bool scoped = in->scope_given && in->scope != SCOPE_NONE;

	if (old->trust_id) {
		*why = "Using trust-scoped token to create another token. Create a new"
		       " trust-scoped token instead";
		return -EPERM;
	}
	if (old->scope == SCOPE_SYSTEM && scoped &&
	    (in->scope == SCOPE_PROJECT || in->scope == SCOPE_DOMAIN)) {
		*why = "Using a system-scoped token to create a project-scoped or domain-scoped"
		       " token is not allowed.";
		return -EPERM;
	}
	if (old->app_cred_id && (in->scope_given || in->trust_id)) {
		*why = "Using an application credential token to create a scoped token is not"
		       " allowed.";
		return -EPERM;
	}
	return 0;
}

/* The token method on an application credential's token: the same
 * credential, scope and roles, under the old token's expiry. */
static void copy_app_cred(const struct token *old, struct token *t)
{
	t->scope = old->scope;
	t->scope_id = token_str(t, old->scope_id);
	t->scope_name = token_str(t, old->scope_name);
	t->scope_domain_id = token_str(t, old->scope_domain_id);
	t->scope_domain_name = token_str(t, old->scope_domain_name);
	t->nroles = 0;
	for (int i = 0; i < old->nroles; i++) {
		t->role_id[i] = token_str(t, old->role_id[i]);
		t->role_name[i] = token_str(t, old->role_name[i]);
		t->nroles++;
	}
	t->app_cred_id = token_str(t, old->app_cred_id);
	t->app_cred_name = token_str(t, old->app_cred_name);
	t->app_cred_unrestricted = old->app_cred_unrestricted;
}

int login_issue(struct basalt *b, struct store *st, const struct login *in, struct token *t,
		const char **why)
{
	struct user_login u;
	int r;

	*why = NULL;
	token_init(t);
	dummy_b = b;
	pthread_once(&dummy_once, dummy_init);
	t->issued_at = now_usec();
	t->expires_at = in->old ? in->old->expires_at
				: t->issued_at + (int64_t)b->cfg.token_expiration * 1000000;
	token_new_audit_id(t->audit_id);
	if (in->app_cred)
		return login_app_cred(st, in, t, why);
	if (in->old && (r = check_rescope(in, why)) < 0)
		return r;
	r = login_user(b, st, in, &u);
	if (r < 0)
		return r;
	/* The token method keeps the methods that made the old token. */
	t->methods = in->old ? (uint8_t)(in->old->methods | TOKEN_M_TOKEN) : TOKEN_M_PASSWORD;
	if (in->old)
		snprintf(t->parent_audit_id, sizeof(t->parent_audit_id), "%s",
			 in->old->parent_audit_id[0] ? in->old->parent_audit_id
						     : in->old->audit_id);
	set_user(t, &u);
	if (in->trust_id)
		return login_trust(st, in, &u, t, why);
	if (in->old && in->old->app_cred_id) {
		copy_app_cred(in->old, t);
		return 0;
	}
	return login_scope(st, in, &u, t);
}
