/* login.c - who a token is for and what it is scoped to: the password or
 * token method against the users table, then the project, domain or system
 * scope with the roles the user holds there. Returns -errno; auth.c parses
 * the request and maps the errors to Keystone's answers. */
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
	dummy_b = b;
	pthread_once(&dummy_once, dummy_init);
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

int login_issue(struct basalt *b, struct store *st, const struct login *in, struct token *t)
{
	struct user_login u;
	int r;

	token_init(t);
	r = login_user(b, st, in, &u);
	if (r < 0)
		return r;
	t->methods = in->old ? TOKEN_M_TOKEN : TOKEN_M_PASSWORD;
	t->issued_at = now_usec();
	t->expires_at = in->old ? in->old->expires_at
				: t->issued_at + (int64_t)b->cfg.token_expiration * 1000000;
	token_new_audit_id(t->audit_id);
	if (in->old)
		snprintf(t->parent_audit_id, sizeof(t->parent_audit_id), "%s",
			 in->old->parent_audit_id[0] ? in->old->parent_audit_id
						     : in->old->audit_id);
	t->user_id = token_str(t, u.id);
	t->user_name = token_str(t, u.name);
	t->user_domain_id = token_str(t, u.domain_id);
	t->user_domain_name = token_str(t, u.domain_name);
	return login_scope(st, in, &u, t);
}
