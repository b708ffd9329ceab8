/* trust.c - the trust tables (OS-TRUST): every statement on them, their
 * invariants (only the trustor creates a trust, with roles it holds on the
 * project; uses are counted down in the write transaction that issues
 * the token, so concurrent logins never spend more than remaining_uses;
 * deleting a trust, or its trustor losing a role, ends the tokens it gave)
 * and the policy checks against the loaded trust. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

#define TR_COLS                                                                                \
	"t.id, t.trustor_user_id, t.trustee_user_id, t.project_id, t.impersonation,"            \
	" t.allow_redelegation, COALESCE(t.expires_at, -1), COALESCE(t.remaining_uses, -1),"    \
	" r.id, r.name"
#define TR_FROM                                                                                \
	" FROM trust t LEFT JOIN trust_role tr ON tr.trust_id = t.id"                           \
	" LEFT JOIN role r ON r.id = tr.role_id"
/* A used-up trust is kept (its tokens may still need revoking) but is
 * gone for the API and for logins, as Keystone deletes it. */
#define TR_LIVE " (t.remaining_uses IS NULL OR t.remaining_uses > 0)"

struct tr_row {
	char id[65], trustor[65], trustee[65], project[65];
	bool impersonation, redelegation, set, has_project;
	int64_t expires_at, remaining_uses;
	struct role_set roles;
};

static int tr_emit(struct tr_row *a, trust_fn fn, void *ctx, int *n)
{
	struct trust out = { a->id,
			     a->trustor,
			     a->trustee,
			     a->has_project ? a->project : NULL,
			     a->impersonation,
			     a->redelegation,
			     a->expires_at,
			     a->remaining_uses,
			     &a->roles };
	int r = 0;

	if (a->set) {
		r = fn ? fn(ctx, &out) : 0;
		(*n)++;
	}
	a->set = false;
	return r;
}

/* Hand each trust of q's rows (ordered by id, one row per role) to fn
 * (NULL: only count, the last one staying in *last when given). */
static int tr_each(struct store_stmt *q, trust_fn fn, void *ctx, int *n, struct tr_row *last)
{
	struct tr_row *a = last ? last : calloc(1, sizeof(*a));
	int r;

	*n = 0;
	if (!a) {
		store_done(q);
		return -ENOMEM;
	}
	a->set = false;
	while ((r = store_next(q)) > 0) {
		if (!a->set || strcmp(a->id, store_text(q, 0)) != 0) {
			if ((r = tr_emit(a, fn, ctx, n)) < 0)
				break;
			snprintf(a->id, sizeof(a->id), "%s", store_text(q, 0));
			snprintf(a->trustor, sizeof(a->trustor), "%s", store_text(q, 1));
			snprintf(a->trustee, sizeof(a->trustee), "%s", store_text(q, 2));
			a->has_project = store_text(q, 3) != NULL;
			snprintf(a->project, sizeof(a->project), "%s",
				 a->has_project ? store_text(q, 3) : "");
			a->impersonation = store_bool(q, 4);
			a->redelegation = store_bool(q, 5);
			a->expires_at = store_int(q, 6);
			a->remaining_uses = store_int(q, 7);
			a->roles.n = 0;
			a->set = true;
		}
		if ((r = role_set_add(&a->roles, store_text(q, 8), store_text(q, 9))) < 0)
			break;
	}
	store_done(q);
	if (r >= 0 && !last)
		r = tr_emit(a, fn, ctx, n);
	else if (r >= 0 && a->set)
		(*n)++;
	if (!last)
		free(a);
	return r < 0 ? r : 0;
}

/* Load trust id (live) into a: 1, 0 none, -errno. */
static int tr_load(struct store *st, const char *id, struct tr_row *a)
{
	struct store_stmt *q;
	int n, r = store_query(st, &q,
			       "SELECT " TR_COLS TR_FROM " WHERE t.id = ? AND" TR_LIVE
			       " ORDER BY t.id, r.name",
			       "s", id);

	if (r < 0)
		return r;
	r = tr_each(q, NULL, NULL, &n, a);
	return r < 0 ? r : n > 0;
}

static bool delegated_restricted(const struct caller *c)
{
	const struct token *t = c->token;

	return t && (t->trust_id || (t->app_cred_id && !t->app_cred_unrestricted));
}

/* The caller is the trustor or the trustee (or passes action otherwise,
 * as admin does). */
static int tr_policy(const struct caller *c, const char *action, const struct tr_row *a)
{
	int r = policy_check(c, action, &(struct target){ .user_id = a->trustor });

	if (r == -EPERM)
		r = policy_check(c, action, &(struct target){ .user_id = a->trustee });
	return r;
}

int trust_create(struct store *st, const struct caller *c, const struct trust_in *in,
		 char *id_out, const char **missing)
{
	struct role_set roles, held;
	int r = policy_check(c, "identity:create_trust",
			     &(struct target){ .user_id = in->trustor_user_id });

	*missing = NULL;
	if (r < 0)
		return r;
	if (delegated_restricted(c))
		return -EKEYREJECTED;
	if (in->project_id && in->nroles == 0)
		return -ECHRNG;
	if (!c->user_id || strcmp(c->user_id, in->trustor_user_id) != 0)
		return -EDOM;
	*missing = "user";
	r = user_exists(st, in->trustee_user_id);
	if (r == 0)
		return -ESRCH;
	if (r > 0 && in->project_id) {
		*missing = "project";
		r = project_exists(st, in->project_id);
		if (r == 0)
			return -ESRCH;
	}
	if (r < 0)
		return r;
	r = role_set_resolve(st, in->nroles, in->role_id, in->role_name, false, &roles, missing);
	if (r < 0)
		return r;
	held.n = 0;
	if (in->project_id && (r = role_set_of_user(st, in->trustor_user_id, in->project_id,
						    &held)) < 0)
		return r;
	for (int i = 0; i < roles.n; i++)
		if (!role_set_has(&held, roles.id[i])) {
			*missing = in->role_id[i] ? in->role_id[i] : roles.id[i];
			return -ENOKEY;
		}
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO trust (id, trustor_user_id, trustee_user_id, project_id,"
		       " impersonation, expires_at, remaining_uses, allow_redelegation, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "ssssbppbi", id_out, in->trustor_user_id, in->trustee_user_id,
		       in->project_id, in->impersonation,
		       in->expires_at >= 0 ? &in->expires_at : NULL,
		       in->remaining_uses >= 0 ? &in->remaining_uses : NULL, in->allow_redelegation,
		       store_txn_revision(st));
	for (int i = 0; r >= 0 && i < roles.n; i++)
		r = store_exec(st, "INSERT INTO trust_role (trust_id, role_id) VALUES (?, ?)", "ss",
			       id_out, roles.id[i]);
	return r < 0 ? r : 0;
}

int trust_list(struct store *st, const struct caller *c, const char *trustor,
	       const char *trustee, trust_fn fn, void *ctx)
{
	struct store_stmt *q;
	int n, r;

	if (trustor)
		r = policy_check(c, "identity:list_trusts_for_trustor",
				 &(struct target){ .user_id = trustor });
	else if (trustee)
		r = policy_check(c, "identity:list_trusts_for_trustee",
				 &(struct target){ .user_id = trustee });
	else
		r = policy_check(c, "identity:list_trusts", NULL);
	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " TR_COLS TR_FROM " WHERE (?1 IS NULL OR t.trustor_user_id = ?1)"
			" AND (?2 IS NULL OR t.trustee_user_id = ?2) AND" TR_LIVE
			" ORDER BY t.id, r.name",
			"ss", trustor, trustee);
	if (r < 0)
		return r;
	return tr_each(q, fn, ctx, &n, NULL);
}

int trust_get(struct store *st, const struct caller *c, const char *action, const char *id,
	      trust_fn fn, void *ctx)
{
	struct tr_row *a = calloc(1, sizeof(*a));
	int n = 0, r;

	if (!a)
		return -ENOMEM;
	/* A missing trust is 404 before any policy (Keystone, lp#1840288). */
	r = tr_load(st, id, a);
	if (r == 0)
		r = -ENOENT;
	if (r > 0)
		r = tr_policy(c, action, a);
	if (r >= 0)
		r = tr_emit(a, fn, ctx, &n);
	free(a);
	return r < 0 ? r : 0;
}

int trust_delete(struct store *st, const struct caller *c, const char *id)
{
	struct tr_row *a = calloc(1, sizeof(*a));
	char chain[AUDIT_ID_LEN + 1];
	int r;

	if (!a)
		return -ENOMEM;
	r = tr_load(st, id, a);
	if (r == 0)
		r = -ENOENT;
	if (r > 0)
		r = policy_check(c, "identity:delete_trust",
				 &(struct target){ .user_id = a->trustor });
	free(a);
	if (r < 0)
		return r;
	if (delegated_restricted(c))
		return -EKEYREJECTED;
	r = store_exec(st, "DELETE FROM trust WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	/* Every token it gave carries its chain id as parent audit id. */
	if (r > 0 && token_chain_id(id, chain) == 0)
		r = identity_revoke(st, NULL, NULL, NULL, chain);
	return r < 0 ? r : 0;
}

int trust_consume(struct store *st, const char *id, const char *trustee_id,
		  struct trust_login *out)
{
	struct tr_row *a = calloc(1, sizeof(*a));
	struct role_set held, kept;
	const char *ids[TOKEN_MAX_ROLES], *missing;
	int n = 0, r;

	if (!a)
		return -ENOMEM;
	r = tr_load(st, id, a);
	if (r == 0 || (r > 0 && a->expires_at >= 0 && a->expires_at <= now_usec()))
		r = -ENOENT;
	else if (r > 0 && strcmp(a->trustee, trustee_id) != 0)
		r = -EACCES;
	if (r < 0)
		goto out;
	/* The trustor's roles now, not when the trust was made. */
	held.n = 0;
	if (a->has_project && (r = role_set_of_user(st, a->trustor, a->project, &held)) < 0)
		goto out;
	for (int i = 0; i < a->roles.n; i++)
		if (role_set_has(&held, a->roles.id[i]))
			ids[n++] = a->roles.id[i];
	if (n == 0) {
		r = -ENOKEY;
		goto out;
	}
	r = role_set_resolve(st, n, ids, (const char *const[TOKEN_MAX_ROLES]){ NULL }, true, &kept,
			     &missing);
	if (r < 0)
		goto out;
	/* Count the use down only while one is left: two logins racing for
	 * the last use cannot both pass this UPDATE. */
	if (a->remaining_uses >= 0) {
		r = store_exec(st,
			       "UPDATE trust SET remaining_uses = remaining_uses - 1, revision = ?"
			       " WHERE id = ? AND remaining_uses > 0",
			       "is", store_txn_revision(st), id);
		if (r == 0)
			r = -ENOENT;
		if (r < 0)
			goto out;
	}
	snprintf(out->id, sizeof(out->id), "%s", a->id);
	snprintf(out->trustor_user_id, sizeof(out->trustor_user_id), "%s", a->trustor);
	snprintf(out->trustee_user_id, sizeof(out->trustee_user_id), "%s", a->trustee);
	snprintf(out->project_id, sizeof(out->project_id), "%s", a->project);
	out->impersonation = a->impersonation;
	out->roles = kept;
	r = 0;
out:
	free(a);
	return r;
}

int trust_revoke_of_user(struct store *st, const char *user_id, const char *project_id)
{
	struct store_stmt *q;
	char (*ids)[65] = NULL;
	int n = 0, cap = 0, r;

	if (project_id)
		r = store_query(st, &q,
				"SELECT id FROM trust WHERE trustor_user_id = ? AND project_id = ?",
				"ss", user_id, project_id);
	else
		r = store_query(st, &q,
				"SELECT id FROM trust WHERE trustor_user_id = ?1 OR"
				" trustee_user_id = ?1",
				"s", user_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (n == cap) {
			char(*nids)[65] = realloc(ids, sizeof(*ids) * (size_t)(cap = cap ? cap * 2 : 8));
			if (!nids) {
				r = -ENOMEM;
				break;
			}
			ids = nids;
		}
		snprintf(ids[n++], sizeof(ids[0]), "%s", store_text(q, 0));
	}
	store_done(q);
	for (int i = 0; r >= 0 && i < n; i++) {
		char chain[AUDIT_ID_LEN + 1];
		if (token_chain_id(ids[i], chain) == 0)
			r = identity_revoke(st, NULL, NULL, NULL, chain);
	}
	free(ids);
	return r < 0 ? r : 0;
}
