/* domain_config.c - the domain_config table: every statement on it and the
 * policy checks. An option is (group, option) of a domain with a JSON value;
 * sensitive ones are written and counted, never read back (Keystone's
 * whitelisted and sensitive options). Which groups and options exist is the
 * handler's to check (domain_configs.c). */
#include <errno.h>
#include <stdlib.h>

#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

/* The domain exists: 0, -ENOENT, -errno, after the policy check. */
static int domain_target(struct store *st, const struct caller *c, const char *action,
			 const char *domain_id)
{
	int r = policy_check(c, action, &(struct target){ .domain_id = domain_id });

	if (r < 0)
		return r;
	r = domain_exists(st, domain_id);
	return r < 0 ? r : r ? 0 : -ENOENT;
}

int domain_config_list(struct store *st, const struct caller *c, const char *domain_id,
		       const char *group, const char *option, config_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = domain_target(st, c, "identity:get_domain_config", domain_id);

	if (r < 0)
		return r;
	r = store_query(
	    st, &q,
	    "SELECT grp, opt, value FROM domain_config WHERE domain_id = ?1"
	    " AND sensitive = 0 AND (?2 IS NULL OR grp = ?2) AND (?3 IS NULL OR opt = ?3)"
	    " ORDER BY grp, opt",
	    "sss", domain_id, group, option);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		r = fn(ctx, store_text(q, 0), store_text(q, 1), store_text(q, 2));
		if (r < 0)
			break;
	}
	store_done(q);
	return r;
}

int domain_config_count(struct store *st, const char *domain_id, const char *group,
			const char *option)
{
	char n[32];
	int r = rows_first(st, n, sizeof(n),
			   "SELECT COUNT(*) FROM domain_config WHERE domain_id = ?1"
			   " AND (?2 IS NULL OR grp = ?2) AND (?3 IS NULL OR opt = ?3)",
			   "sss", domain_id, group, option);

	return r < 0 ? r : atoi(n);
}

int domain_config_set(struct store *st, const struct caller *c, const char *domain_id,
		      const char *action, bool replace, const struct config_opt *opts, int n)
{
	int i, r = domain_target(st, c, action, domain_id);

	if (r < 0)
		return r;
	if (replace)
		r = store_exec(st, "DELETE FROM domain_config WHERE domain_id = ?", "s", domain_id);
	for (i = 0; r >= 0 && i < n; i++) {
		r = store_exec(
		    st, "DELETE FROM domain_config WHERE domain_id = ? AND grp = ? AND opt = ?",
		    "sss", domain_id, opts[i].group, opts[i].option);
		if (r >= 0)
			r = store_exec(
			    st,
			    "INSERT INTO domain_config (domain_id, grp, opt, value, sensitive,"
			    " revision) VALUES (?, ?, ?, ?, ?, ?)",
			    "ssssbi", domain_id, opts[i].group, opts[i].option, opts[i].value,
			    opts[i].sensitive, store_txn_revision(st));
	}
	return r < 0 ? r : 0;
}

int domain_config_delete(struct store *st, const struct caller *c, const char *domain_id,
			 const char *group, const char *option)
{
	int r = domain_target(st, c, "identity:delete_domain_config", domain_id);

	if (r < 0)
		return r;
	r = store_exec(st,
		       "DELETE FROM domain_config WHERE domain_id = ?1 AND (?2 IS NULL OR grp = ?2)"
		       " AND (?3 IS NULL OR opt = ?3)",
		       "sss", domain_id, group, option);
	return r < 0 ? r : r ? 0 : -ENODATA;
}
