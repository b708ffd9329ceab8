/* implied_role.c - the implied_role table: rules "holding the prior role
 * gives the implied one", expanded when a token is issued and in the
 * effective assignment listing (grant.c). Invariants, as Keystone keeps
 * them: a role does not imply itself; a global role does not imply a
 * domain-specific one; removing a rule ends the tokens of the prior role's
 * holders (their tokens carry the implied role). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

/* The domain of role id into out ("" for a global role): 1, 0 when no
 * such role, -errno. */
static int role_domain(struct store *st, const char *id, char out[65])
{
	return rows_first(st, out, 65, "SELECT COALESCE(domain_id, '') FROM role WHERE id = ?",
			  "s", id);
}

/* The caller may do action, and both roles exist (their domains into
 * prior_dom/implied_dom when not NULL): 0, or -ENOENT with *missing. */
static int rule_begin(struct store *st, const struct caller *c, const char *action,
		      const char *prior_id, const char *implied_id, char *prior_dom,
		      char *implied_dom, const char **missing)
{
	char pd[65], id[65];
	int r = policy_check(c, action, NULL);

	*missing = NULL;
	if (r < 0)
		return r;
	*missing = "prior role";
	r = role_domain(st, prior_id, prior_dom ? prior_dom : pd);
	if (r > 0 && implied_id) {
		*missing = "implied role";
		r = role_domain(st, implied_id, implied_dom ? implied_dom : id);
	}
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int implied_role_put(struct store *st, const struct caller *c, const char *prior_id,
		     const char *implied_id, const char **missing)
{
	char prior_dom[65], implied_dom[65];
	int r = rule_begin(st, c, "identity:create_implied_role", prior_id, implied_id, prior_dom,
			   implied_dom, missing);

	if (r < 0)
		return r;
	if (strcmp(prior_id, implied_id) == 0)
		return -EINVAL;
	/* Keystone's [assignment] prohibited_implied_role default: admin is
	 * never implied. */
	r = rows_first(st, NULL, 0, "SELECT 1 FROM role WHERE id = ? AND name = 'admin'", "s",
		       implied_id);
	if (r != 0)
		return r < 0 ? r : -EINVAL;
	if (!prior_dom[0] && implied_dom[0])
		return -EACCES; /* a global role cannot imply a domain-specific one */
	r = store_exec(st,
		       "INSERT INTO implied_role (prior_role_id, implied_role_id, revision)"
		       " VALUES (?, ?, ?)",
		       "ssi", prior_id, implied_id, store_txn_revision(st));
	if (r == -EEXIST) /* twice is not an error */
		r = 0;
	return r < 0 ? r : 0;
}

static int each_rule(struct store_stmt *q, int r, implied_role_fn fn, void *ctx, int *n)
{
	struct implied_role ir;

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		ir = (struct implied_role){ store_text(q, 0), store_text(q, 1), store_text(q, 2),
					    store_text(q, 3) };
		if ((r = fn(ctx, &ir)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

#define RULE_SELECT                                                                        \
	"SELECT i.prior_role_id, p.name, i.implied_role_id, m.name FROM implied_role i"      \
	" JOIN role p ON p.id = i.prior_role_id JOIN role m ON m.id = i.implied_role_id"

int implied_role_get(struct store *st, const struct caller *c, const char *prior_id,
		     const char *implied_id, bool check, implied_role_fn fn, void *ctx,
		     const char **missing)
{
	struct store_stmt *q = NULL;
	int n = 0, r = rule_begin(st, c,
				  check ? "identity:check_implied_role" : "identity:get_implied_role",
				  prior_id, implied_id, NULL, NULL, missing);

	if (r < 0)
		return r;
	*missing = "implied role rule";
	r = store_query(st, &q, RULE_SELECT " WHERE i.prior_role_id = ? AND i.implied_role_id = ?",
			"ss", prior_id, implied_id);
	r = each_rule(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

static int revoke_user(void *ctx, const char *user_id)
{
	return identity_revoke(ctx, user_id, NULL, NULL, NULL);
}

int implied_role_delete(struct store *st, const struct caller *c, const char *prior_id,
			const char *implied_id, const char **missing)
{
	int r = rule_begin(st, c, "identity:delete_implied_role", prior_id, implied_id, NULL, NULL,
			   missing);

	if (r < 0)
		return r;
	*missing = "implied role rule";
	/* The holders' tokens carry the implied role: end them (found while
	 * the rule still links the roles). */
	r = rows_first(st, NULL, 0,
		       "SELECT 1 FROM implied_role WHERE prior_role_id = ? AND implied_role_id = ?",
		       "ss", prior_id, implied_id);
	if (r > 0)
		r = grant_role_holders(st, prior_id, revoke_user, st);
	if (r >= 0)
		r = store_exec(st,
			       "DELETE FROM implied_role WHERE prior_role_id = ? AND implied_role_id = ?",
			       "ss", prior_id, implied_id);
	if (r == 0)
		return -ENOENT;
	return r < 0 ? r : 0;
}

int implied_role_list(struct store *st, const struct caller *c, const char *prior_id,
		      implied_role_fn fn, void *ctx, const char **missing)
{
	struct store_stmt *q = NULL;
	int r;

	if (prior_id)
		r = rule_begin(st, c, "identity:list_implied_roles", prior_id, NULL, NULL, NULL,
			       missing);
	else
		r = policy_check(c, "identity:list_role_inference_rules", NULL);
	if (r < 0)
		return r;
	r = store_query(st, &q,
			RULE_SELECT " WHERE ?1 IS NULL OR i.prior_role_id = ?1 ORDER BY p.name, m.name",
			"s", prior_id);
	return each_rule(q, r, fn, ctx, NULL);
}

int implied_role_ensure(struct store *st, const char *prior, const char *implied)
{
	int r = store_exec(st,
			   "INSERT INTO implied_role (prior_role_id, implied_role_id, revision)"
			   " SELECT p.id, i.id, ?3 FROM role p, role i WHERE p.name = ?1"
			   " AND i.name = ?2 AND p.domain_id IS NULL AND i.domain_id IS NULL"
			   " AND NOT EXISTS (SELECT 1 FROM implied_role WHERE prior_role_id = p.id"
			   " AND implied_role_id = i.id)",
			   "ssi", prior, implied, store_txn_revision(st));

	return r < 0 ? r : 0;
}
