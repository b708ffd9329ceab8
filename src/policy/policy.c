/* policy.c - the caller from its token, and the one check of every rule. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "identity/token.h"
#include "policy/policy.h"

static const struct policy_table *const tables[] = {
	&identity_policy, &compute_policy, &image_policy,
	&network_policy,  &agent_policy,   &metadata_policy, &dashboard_policy,
};

static bool has_role(const struct token *tok, const char *name)
{
	for (int i = 0; i < tok->nroles; i++)
		if (strcmp(tok->role_name[i], name) == 0)
			return true;
	return false;
}

void caller_from_token(struct caller *c, const struct token *tok)
{
	memset(c, 0, sizeof(*c));
	c->token = tok;
	c->user_id = tok->user_id;
	c->user_domain_id = tok->user_domain_id;
	switch (tok->scope) {
	case SCOPE_PROJECT:
		c->project_id = tok->scope_id;
		c->project_domain_id = tok->scope_domain_id;
		break;
	case SCOPE_DOMAIN:
		c->domain_id = tok->scope_id;
		break;
	case SCOPE_SYSTEM:
		c->system = true;
		break;
	case SCOPE_NONE:
		break;
	}
	c->admin = has_role(tok, "admin");
	c->member = c->admin || has_role(tok, "member");
	c->reader = c->member || has_role(tok, "reader");
}

const char *caller_domain(const struct caller *c)
{
	return c->project_domain_id ? c->project_domain_id : c->domain_id ? c->domain_id : "default";
}

static int rule_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct policy_rule *)elem)->action);
}

const struct policy_rule *policy_rule(const char *action)
{
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		const struct policy_rule *r =
		    bsearch(action, tables[i]->rules, tables[i]->n, sizeof(*r), rule_cmp);
		if (r)
			return r;
	}
	return NULL;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The caller's project is the target's: a NULL target project means the
 * caller's own (creates and lists). */
static bool in_project(const struct caller *c, const struct target *t)
{
	return c->project_id && (!t->project_id || strcmp(t->project_id, c->project_id) == 0);
}

static bool check(const struct caller *c, unsigned allow, const struct target *t)
{
	if (allow & P_PUBLIC)
		return true;
	if (!c)
		return false;
	if (allow & P_ANY)
		return true;
	if ((allow & P_ADMIN) && c->admin)
		return true;
	if ((allow & P_MEMBER) && c->member && in_project(c, t))
		return true;
	if ((allow & P_READER) && c->reader && in_project(c, t))
		return true;
	if ((allow & P_SELF) && (!t->user_id || same(t->user_id, c->user_id)))
		return true;
	if ((allow & P_NET_OWNER) && c->member && same(t->network_project_id, c->project_id))
		return true;
	if ((allow & P_SHARED) && c->reader && c->project_id && t->shared)
		return true;
	if ((allow & P_SCOPED) && c->project_id)
		return true;
	if ((allow & P_DOMAIN_USER) &&
	    (same(t->domain_id, c->domain_id) || same(t->domain_id, c->project_domain_id)))
		return true;
	if ((allow & P_DOMAIN_SCOPE) && c->domain_id &&
	    (!t->domain_id || same(t->domain_id, c->domain_id)))
		return true;
	return false;
}

bool policy_allows(const struct caller *c, const char *action, const struct target *t)
{
	static const struct target own;
	const struct policy_rule *r = policy_rule(action);

	if (!r) {
		log_error("policy: no rule for action %s: refused", action);
		return false;
	}
	return check(c, r->allow, t ? t : &own);
}

int policy_check(const struct caller *c, const char *action, const struct target *t)
{
	return policy_allows(c, action, t) ? 0 : -EPERM;
}

int policy_selftest(void)
{
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		for (size_t j = 1; j < tables[i]->n; j++)
			if (strcmp(tables[i]->rules[j - 1].action, tables[i]->rules[j].action) >= 0) {
				log_error("policy: table not sorted/unique at %s",
					  tables[i]->rules[j].action);
				bad++;
			}
	for (size_t t = 0; t < http_route_tables_count; t++)
		for (size_t k = 0; k < http_route_tables[t]->n; k++)
			if (!policy_rule(http_route_tables[t]->routes[k].rule)) {
				log_error("policy: route %s %s names action %s, which has no rule",
					  http_route_tables[t]->routes[k].method,
					  http_route_tables[t]->routes[k].path,
					  http_route_tables[t]->routes[k].rule);
				bad++;
			}
	return bad ? -EINVAL : 0;
}
