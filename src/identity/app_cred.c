/* app_cred.c - the application_credential tables: every statement on
 * them, their invariants (a credential carries only roles its user holds on
 * the project of the token that made it; its secret is stored hashed; deleting
 * it ends the tokens it gave) and the policy checks against the loaded
 * credential. Also the role sets delegations carry (trust.c shares them). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

/* --- role sets --- */

bool role_set_has(const struct role_set *s, const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->id[i], id) == 0)
			return true;
	return false;
}

int role_set_add(struct role_set *s, const char *id, const char *name)
{
	if (!id || !name || role_set_has(s, id))
		return 0;
	if (s->n == TOKEN_MAX_ROLES)
		return -E2BIG;
	snprintf(s->id[s->n], sizeof(s->id[0]), "%s", id);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	s->n++;
	return 0;
}

int role_set_resolve(struct store *st, int n, const char *const *ids, const char *const *names,
		     bool implied, struct role_set *out, const char **missing)
{
	char id[65], name[256];
	int r, direct;

	out->n = 0;
	for (int i = 0; i < n; i++) {
		*missing = ids[i] ? ids[i] : names[i];
		if (ids[i])
			r = rows_first(st, name, sizeof(name), "SELECT name FROM role WHERE id = ?",
				       "s", ids[i]);
		else
			r = rows_first(st, id, sizeof(id), "SELECT id FROM role WHERE name = ?", "s",
				       names[i]);
		if (r < 0)
			return r;
		if (r == 0)
			return -ESRCH;
		r = ids[i] ? role_set_add(out, ids[i], name) : role_set_add(out, id, names[i]);
		if (r < 0)
			return r;
	}
	*missing = NULL;
	/* The roles these imply come along, as Keystone adds them. */
	direct = implied ? out->n : 0;
	for (int i = 0; i < direct; i++) {
		struct store_stmt *q;
		r = store_query(st, &q,
				"WITH RECURSIVE c(rid) AS (SELECT implied_role_id FROM implied_role"
				" WHERE prior_role_id = ?1 UNION SELECT i.implied_role_id FROM"
				" implied_role i JOIN c ON i.prior_role_id = c.rid)"
				" SELECT r.id, r.name FROM c JOIN role r ON r.id = c.rid ORDER BY r.name",
				"s", out->id[i]);
		if (r < 0)
			return r;
		while ((r = store_next(q)) > 0 &&
		       (r = role_set_add(out, store_text(q, 0), store_text(q, 1))) == 0)
			;
		store_done(q);
		if (r < 0)
			return r;
	}
	return 0;
}

int role_set_of_user(struct store *st, const char *user_id, const char *project_id,
		     struct role_set *out)
{
	struct token t;
	int r;

	token_init(&t);
	out->n = 0;
	r = assignments_for_token(st, user_id, project_id, NULL, &t);
	for (int i = 0; r == 0 && i < t.nroles; i++)
		r = role_set_add(out, t.role_id[i], t.role_name[i]);
	return r;
}

bool role_set_within(const struct role_set *s, const struct role_set *of)
{
	for (int i = 0; i < s->n; i++)
		if (!role_set_has(of, s->id[i]))
			return false;
	return true;
}

void role_set_to_token(const struct role_set *s, struct token *t)
{
	t->nroles = 0;
	for (int i = 0; i < s->n; i++) {
		t->role_id[t->nroles] = token_str(t, s->id[i]);
		t->role_name[t->nroles] = token_str(t, s->name[i]);
		if (t->role_id[t->nroles] && t->role_name[t->nroles])
			t->nroles++;
	}
}

/* --- rows --- */

#define AC_COLS                                                                                \
	"a.id, a.name, a.description, a.user_id, a.project_id, COALESCE(a.expires_at, -1),"     \
	" a.unrestricted, r.id, r.name"
#define AC_FROM                                                                                \
	" FROM application_credential a LEFT JOIN application_credential_role ar"               \
	" ON ar.app_cred_id = a.id LEFT JOIN role r ON r.id = ar.role_id"

/* One credential being gathered from its rows (one per role). */
struct ac_row {
	char id[65], name[256], user_id[65], project_id[65];
	char *description;
	int64_t expires_at;
	bool unrestricted, set;
	struct role_set roles;
};

static int ac_emit(struct ac_row *a, app_cred_fn fn, void *ctx, int *n)
{
	struct app_cred out = { a->id,	       a->name,	      a->description, a->user_id,
				a->project_id, a->expires_at, a->unrestricted, &a->roles };
	int r = 0;

	if (a->set) {
		r = fn(ctx, &out);
		(*n)++;
	}
	free(a->description);
	a->description = NULL;
	a->set = false;
	return r;
}

/* Hand each credential of q's rows (ordered by id) to fn; the number
 * handed into *n. */
static int ac_each(struct store_stmt *q, app_cred_fn fn, void *ctx, int *n)
{
	struct ac_row *a = calloc(1, sizeof(*a));
	int r;

	*n = 0;
	if (!a) {
		store_done(q);
		return -ENOMEM;
	}
	while ((r = store_next(q)) > 0) {
		if (!a->set || strcmp(a->id, store_text(q, 0)) != 0) {
			if ((r = ac_emit(a, fn, ctx, n)) < 0)
				break;
			snprintf(a->id, sizeof(a->id), "%s", store_text(q, 0));
			snprintf(a->name, sizeof(a->name), "%s", store_text(q, 1));
			a->description = store_text(q, 2) ? strdup(store_text(q, 2)) : NULL;
			snprintf(a->user_id, sizeof(a->user_id), "%s", store_text(q, 3));
			snprintf(a->project_id, sizeof(a->project_id), "%s", store_text(q, 4));
			a->expires_at = store_int(q, 5);
			a->unrestricted = store_bool(q, 6);
			a->roles.n = 0;
			a->set = true;
		}
		if ((r = role_set_add(&a->roles, store_text(q, 7), store_text(q, 8))) < 0)
			break;
	}
	store_done(q);
	if (r >= 0)
		r = ac_emit(a, fn, ctx, n);
	free(a->description);
	free(a);
	return r < 0 ? r : 0;
}

/* The owner of credential id into out (65 bytes): 1, 0 none, -errno. */
static int ac_owner(struct store *st, const char *id, char *out)
{
	return rows_first(st, out, 65, "SELECT user_id FROM application_credential WHERE id = ?",
			  "s", id);
}

/* The caller may do action to credential id of user_id (the path's user:
 * a credential of another user is not found). */
static int ac_check(struct store *st, const struct caller *c, const char *action,
		    const char *user_id, const char *id)
{
	char owner[65];
	int r = ac_owner(st, id, owner);

	if (r < 0)
		return r;
	if (r == 0 || strcmp(owner, user_id) != 0)
		return policy_check(c, action, &(struct target){ .user_id = user_id }) ?: -ENOENT;
	return policy_check(c, action, &(struct target){ .user_id = owner });
}

/* Tokens of a trust, or of a restricted application credential, may not
 * manage application credentials (Keystone's rule). */
static bool delegated_restricted(const struct caller *c)
{
	const struct token *t = c->token;

	return t && (t->trust_id || (t->app_cred_id && !t->app_cred_unrestricted));
}

int app_cred_create(struct store *st, const struct caller *c, const char *user_id,
		    const struct app_cred_in *in, char *id_out, const char **missing)
{
	struct role_set held, roles, now;
	int r = policy_check(c, "identity:create_application_credential",
			     &(struct target){ .user_id = user_id });

	*missing = NULL;
	if (r < 0)
		return r;
	if (delegated_restricted(c))
		return -EKEYREJECTED;
	if (!c->user_id || strcmp(c->user_id, user_id) != 0 || !c->project_id || !c->token)
		return -EDOM;
	/* The roles the user holds there now (Keystone reads them at each
	 * validation; our token may predate a grant), and no more than the
	 * token's when it is itself a credential's. */
	r = role_set_of_user(st, user_id, c->project_id, &now);
	if (r < 0)
		return r;
	held.n = 0;
	for (int i = 0; i < now.n; i++) {
		bool in_token = !c->token->app_cred_id;
		for (int j = 0; !in_token && j < c->token->nroles; j++)
			in_token = strcmp(c->token->role_id[j], now.id[i]) == 0;
		if (in_token && (r = role_set_add(&held, now.id[i], now.name[i])) < 0)
			return r;
	}
	if (in->roles_given) {
		/* As Keystone: a role given by an id the user does not hold is
		 * refused as unassigned, whether or not such a role exists. */
		for (int i = 0; i < in->nroles; i++)
			if (in->role_id[i] && !role_set_has(&held, in->role_id[i]))
				return -ENOKEY;
		r = role_set_resolve(st, in->nroles, in->role_id, in->role_name, true, &roles,
				     missing);
		if (r < 0)
			return r;
		if (!role_set_within(&roles, &held))
			return -ENOKEY;
	} else {
		roles = held;
	}
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO application_credential (id, name, user_id, project_id,"
		       " description, secret_hash, expires_at, unrestricted, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "sssssspbi", id_out, in->name, user_id, c->project_id, in->description,
		       in->secret_hash, in->expires_at >= 0 ? &in->expires_at : NULL,
		       in->unrestricted, store_txn_revision(st));
	for (int i = 0; r >= 0 && i < roles.n; i++)
		r = store_exec(st,
			       "INSERT INTO application_credential_role (app_cred_id, role_id)"
			       " VALUES (?, ?)",
			       "ss", id_out, roles.id[i]);
	return r < 0 ? r : 0;
}

int app_cred_list(struct store *st, const struct caller *c, const char *user_id, const char *name,
		  app_cred_fn fn, void *ctx)
{
	struct store_stmt *q;
	int n, r = policy_check(c, "identity:list_application_credentials",
				&(struct target){ .user_id = user_id });

	if (r < 0)
		return r;
	if (c->token && c->token->trust_id)
		return -EKEYREJECTED;
	r = store_query(st, &q,
			"SELECT " AC_COLS AC_FROM " WHERE a.user_id = ?1 AND (?2 IS NULL OR"
			" a.name = ?2) ORDER BY a.id, r.name",
			"ss", user_id, name);
	if (r < 0)
		return r;
	return ac_each(q, fn, ctx, &n);
}

int app_cred_get(struct store *st, const struct caller *c, const char *user_id, const char *id,
		 app_cred_fn fn, void *ctx)
{
	struct store_stmt *q;
	int n, r = ac_check(st, c, "identity:get_application_credential", user_id, id);

	if (r < 0)
		return r;
	if (c->token && c->token->trust_id)
		return -EKEYREJECTED;
	r = store_query(st, &q, "SELECT " AC_COLS AC_FROM " WHERE a.id = ? ORDER BY a.id, r.name",
			"s", id);
	if (r < 0)
		return r;
	r = ac_each(q, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int app_cred_delete(struct store *st, const struct caller *c, const char *user_id,
		    const char *id)
{
	char chain[AUDIT_ID_LEN + 1];
	int r = ac_check(st, c, "identity:delete_application_credential", user_id, id);

	if (r < 0)
		return r;
	if (delegated_restricted(c))
		return -EKEYREJECTED;
	r = store_exec(st, "DELETE FROM application_credential WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	/* Every token it gave carries its chain id as parent audit id. */
	if (r > 0 && token_chain_id(id, chain) == 0)
		r = identity_revoke(st, NULL, NULL, NULL, chain);
	return r < 0 ? r : 0;
}

int app_cred_login_load(struct store *st, const char *id, const char *name, const char *user_id,
			struct app_cred_login *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT a.id, a.name, a.user_id, a.project_id, a.secret_hash,"
			    " COALESCE(a.expires_at, -1), a.unrestricted, r.id, r.name" AC_FROM
			    " WHERE a.id = ?1 OR (?1 IS NULL AND a.name = ?2 AND a.user_id = ?3)"
			    " ORDER BY r.name",
			    "sss", id, name, user_id);
	int found = 0;

	if (r < 0)
		return r;
	out->roles.n = 0;
	while ((r = store_next(q)) > 0) {
		if (!found) {
			snprintf(out->id, sizeof(out->id), "%s", store_text(q, 0));
			snprintf(out->name, sizeof(out->name), "%s", store_text(q, 1));
			snprintf(out->user_id, sizeof(out->user_id), "%s", store_text(q, 2));
			snprintf(out->project_id, sizeof(out->project_id), "%s", store_text(q, 3));
			snprintf(out->hash, sizeof(out->hash), "%s", store_text(q, 4));
			out->expires_at = store_int(q, 5);
			out->unrestricted = store_bool(q, 6);
			found = 1;
		}
		if ((r = role_set_add(&out->roles, store_text(q, 7), store_text(q, 8))) < 0)
			break;
	}
	store_done(q);
	return r < 0 ? r : found;
}
