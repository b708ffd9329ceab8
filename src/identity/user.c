/* user.c - the users table: every statement on it, its invariants (a user
 * stays in its domain; a disabled user or a new password ends the user's
 * tokens; a password changes only from the one the user gave) and the
 * policy checks against the loaded user. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

_Static_assert(sizeof(((struct user_login *)0)->hash) >= crypto_pwhash_STRBYTES,
	       "user_login.hash holds an argon2id hash");

#define USER_COLS "id, name, domain_id, enabled, default_project_id, description, email, extra"

static int each_row(struct store_stmt *q, int r, user_fn fn, void *ctx, int *n)
{
	struct user u;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		u = (struct user){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
				   store_text(q, 4), store_text(q, 5), store_text(q, 6),
				   store_bool(q, 3),	 store_text(q, 7) };
		r = fn(ctx, &u);
		if (r < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int user_list(struct store *st, const struct caller *c, const char *name, const char *domain_id,
	      const int64_t *enabled, user_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_users", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT " USER_COLS " FROM users WHERE (?1 IS NULL OR name = ?1)"
			" AND (?2 IS NULL OR domain_id = ?2) AND (?3 IS NULL OR enabled = ?3)"
			" ORDER BY name",
			"ssp", name, domain_id, enabled);
	return each_row(q, r, fn, ctx, NULL);
}

int user_list_of_group(struct store *st, const char *group_id, user_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = store_query(st, &q,
			    "SELECT " USER_COLS " FROM users WHERE id IN"
			    " (SELECT user_id FROM group_member WHERE group_id = ?) ORDER BY name",
			    "s", group_id);

	return each_row(q, r, fn, ctx, NULL);
}

/* The domain of user id into out (65 bytes): 1, 0 when no such user, -errno. */
static int user_domain(struct store *st, const char *id, char *out)
{
	return rows_first(st, out, 65, "SELECT domain_id FROM users WHERE id = ?", "s", id);
}

/* The caller may do action to user id (loaded: its domain is the target's).
 * 0, -ENOENT, -EPERM or -errno. */
static int check_user(struct store *st, const struct caller *c, const char *action,
		      const char *id, char *domain_out)
{
	char domain_id[65];
	int r = user_domain(st, id, domain_id);

	if (r < 0)
		return r;
	if (r == 0) /* who may not see it learns no more than that */
		return policy_check(c, action, &(struct target){ .user_id = id }) ?: -ENOENT;
	if (domain_out)
		memcpy(domain_out, domain_id, sizeof(domain_id));
	return policy_check(c, action, &(struct target){ .user_id = id, .domain_id = domain_id });
}

int user_get(struct store *st, const struct caller *c, const char *id, user_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = check_user(st, c, "identity:get_user", id, NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT " USER_COLS " FROM users WHERE id = ?", "s", id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int user_exists(struct store *st, const char *id)
{
	char domain_id[65];

	return user_domain(st, id, domain_id);
}

/* The rows user_in names exist: -ESRCH the domain, -ENXIO the default
 * project. */
static int check_refs(struct store *st, const char *domain_id, const char *project_id)
{
	int r = domain_id ? domain_exists(st, domain_id) : 1;

	if (r == 0)
		return -ESRCH;
	if (r > 0 && project_id)
		r = project_exists(st, project_id);
	if (r == 0)
		return -ENXIO;
	return r < 0 ? r : 0;
}

int user_create(struct store *st, const struct caller *c, const struct user_in *in,
		char *id_out)
{
	int r = policy_check(c, "identity:create_user",
			     &(struct target){ .domain_id = in->domain_id });

	if (r < 0)
		return r;
	r = check_refs(st, in->domain_id, in->default_project_id);
	if (r < 0)
		return r;
	id_new(id_out);
	r = store_exec(st,
		       "INSERT INTO users (id, name, domain_id, enabled, password_hash,"
		       " default_project_id, description, email, extra, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       "sssbsssssi", id_out, in->name, in->domain_id, in->enabled != 0,
		       in->password_hash, in->default_project_id, in->description, in->email,
		       in->extra, store_txn_revision(st));
	return r < 0 ? r : 0;
}

/* Add the attributes of extra (JSON object text) to user id's, the new
 * ones replacing the old of the same name. */
static int merge_extra(struct store *st, const char *id, const char *extra)
{
	struct store_stmt *q;
	json_t *old = NULL, *add = json_loads(extra, 0, NULL);
	char *text = NULL;
	int r = add ? store_query(st, &q, "SELECT extra FROM users WHERE id = ?", "s", id)
		    : -EINVAL;

	if (r < 0)
		goto out;
	if ((r = store_next(q)) > 0 && store_text(q, 0))
		old = json_loads(store_text(q, 0), 0, NULL);
	store_done(q);
	if (r < 0)
		goto out;
	if (!old)
		old = json_object();
	json_object_update(old, add);
	text = json_dumps(old, JSON_COMPACT | JSON_SORT_KEYS);
	r = text ? store_exec(st, "UPDATE users SET extra = ? WHERE id = ?", "ss", text, id)
		 : -ENOMEM;
out:
	json_decref(old);
	json_decref(add);
	free(text);
	return r < 0 ? r : 0;
}

int user_update(struct store *st, const struct caller *c, const char *id, const struct user_in *in)
{
	int64_t enabled = in->enabled > 0;
	char domain_id[65];
	int r = check_user(st, c, "identity:update_user", id, domain_id);

	if (r < 0)
		return r;
	if (in->domain_id && strcmp(in->domain_id, domain_id) != 0)
		return -EXDEV; /* a user stays in its domain */
	r = check_refs(st, NULL, in->default_project_id);
	if (r < 0)
		return r;
	/* COALESCE(?, col) keeps a column the body leaves out; a JSON null
	 * clears an optional one (the set_ flags). */
	r = store_exec(st,
		       "UPDATE users SET name = COALESCE(?, name),"
		       " enabled = COALESCE(?, enabled),"
		       " password_hash = CASE WHEN ? = 1 THEN ? ELSE password_hash END,"
		       " default_project_id = CASE WHEN ? = 1 THEN ? ELSE default_project_id END,"
		       " description = CASE WHEN ? = 1 THEN ? ELSE description END,"
		       " email = CASE WHEN ? = 1 THEN ? ELSE email END,"
		       " revision = ? WHERE id = ?",
		       "spbsbsbsbsis", in->name, in->enabled >= 0 ? &enabled : NULL,
		       in->set_password, in->password_hash, in->set_default_project,
		       in->default_project_id, in->set_description, in->description,
		       in->set_email, in->email, store_txn_revision(st), id);
	if (r >= 0 && in->extra)
		r = merge_extra(st, id, in->extra);
	/* A disabled user or a reset password ends the user's tokens. */
	if (r >= 0 && (in->enabled == 0 || in->set_password))
		r = identity_revoke(st, id, NULL, NULL, NULL);
	/* A disabled user's trusts end their tokens too, on either side. */
	if (r >= 0 && in->enabled == 0)
		r = trust_revoke_of_user(st, id, NULL);
	return r < 0 ? r : 0;
}

int user_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = check_user(st, c, "identity:delete_user", id, NULL);

	if (r < 0)
		return r;
	/* Its trusts go with it (the rows cascade): end their tokens first. */
	r = trust_revoke_of_user(st, id, NULL);
	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM users WHERE id = ?", "s", id);
	if (r == 0)
		return -ENOENT;
	if (r > 0)
		r = identity_revoke(st, id, NULL, NULL, NULL);
	return r < 0 ? r : 0;
}

int user_delete_in_domain(struct store *st, const char *domain_id)
{
	int r = store_exec(st, "DELETE FROM users WHERE domain_id = ?", "s", domain_id);

	/* Their tokens: a domain's revocation event names its users' too. */
	return r < 0 ? r : identity_revoke(st, NULL, NULL, domain_id, NULL);
}

int user_password_hash(struct store *st, const struct caller *c, const char *id, char *out,
		       size_t outlen)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:change_password", &(struct target){ .user_id = id });

	if (r < 0)
		return r;
	out[0] = '\0';
	r = store_query(st, &q, "SELECT password_hash FROM users WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && store_text(q, 0))
		snprintf(out, outlen, "%s", store_text(q, 0));
	store_done(q);
	return r < 0 ? r : 0;
}

int user_password_set(struct store *st, const struct caller *c, const char *id,
		      const char *old_hash, const char *new_hash)
{
	int r = policy_check(c, "identity:change_password", &(struct target){ .user_id = id });

	if (r < 0)
		return r;
	/* Only if nobody changed it meanwhile: compare-and-swap on the hash. */
	r = store_exec(st,
		       "UPDATE users SET password_hash = ?, revision = ? WHERE id = ?"
		       " AND password_hash = ?",
		       "siss", new_hash, store_txn_revision(st), id, old_hash);
	if (r == 0)
		return -EAGAIN;
	if (r > 0)
		r = identity_revoke(st, id, NULL, NULL, NULL);
	return r < 0 ? r : 0;
}

int user_login_load(struct store *st, const char *id, const char *name, const char *domain_id,
		    struct user_login *u)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT u.id, u.name, u.domain_id, d.name, u.password_hash, u.enabled,"
			    " d.enabled, u.default_project_id FROM users u JOIN domain d"
			    " ON d.id = u.domain_id WHERE u.id = ?1 OR"
			    " (?1 IS NULL AND u.name = ?2 AND u.domain_id = ?3)",
			    "sss", id, name, domain_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(u->id, sizeof(u->id), "%s", store_text(q, 0));
		snprintf(u->name, sizeof(u->name), "%s", store_text(q, 1));
		snprintf(u->domain_id, sizeof(u->domain_id), "%s", store_text(q, 2));
		snprintf(u->domain_name, sizeof(u->domain_name), "%s", store_text(q, 3));
		snprintf(u->hash, sizeof(u->hash), "%s", store_text(q, 4) ? store_text(q, 4) : "");
		u->enabled = store_bool(q, 5);
		u->domain_enabled = store_bool(q, 6);
		snprintf(u->default_project, sizeof(u->default_project), "%s",
			 store_text(q, 7) ? store_text(q, 7) : "");
	}
	store_done(q);
	return r;
}

int user_ensure(struct store *st, const char *domain_id, const char *name, const char *hash,
		const char *default_project_id, char out[65])
{
	int r = rows_first(st, out, 65, "SELECT id FROM users WHERE domain_id = ? AND name = ?",
			   "ss", domain_id, name);

	if (r < 0)
		return r;
	if (r == 0) {
		id_new(out);
		r = store_exec(st,
			       "INSERT INTO users (id, name, domain_id, enabled, password_hash,"
			       " default_project_id, revision) VALUES (?, ?, ?, 1, ?, ?, ?)",
			       "sssssi", out, name, domain_id, hash, default_project_id,
			       store_txn_revision(st));
		return r < 0 ? r : 0;
	}
	/* Like keystone-manage bootstrap: the given password becomes the
	 * user's, and the user is enabled. */
	r = store_exec(st, "UPDATE users SET password_hash = ?, enabled = 1, revision = ? WHERE id = ?",
		       "sis", hash, store_txn_revision(st), out);
	return r < 0 ? r : 0;
}
