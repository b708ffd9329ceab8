/* policy.h - who may do what: the one place that decides.
 *
 * Dispatch turns a validated token into a struct caller once per request.
 * Each service has a policy table (rules_*.c): one rule per action, named
 * as OpenStack's policy-in-code names them (Zed defaults), each an OR of
 * the checks below. Route tables name their action; dispatch checks it
 * against the target the path names; domain code checks it again (and
 * the finer attribute rules such as "create_port:device_owner") against
 * the resource it loaded. Nothing else compares roles or owners. */
#ifndef BASALT_POLICY_H
#define BASALT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct token;

/* The caller of a request, from its token. Strings point into the token,
 * which outlives the request's handling. */
struct caller {
	const char *user_id;
	const char *user_domain_id;
	const char *project_id;	       /* project scope, else NULL */
	const char *project_domain_id; /* project scope, else NULL */
	const char *domain_id;	       /* domain scope, else NULL */
	bool system;		       /* system scope */
	/* Roles, with Keystone's default implications: admin implies member,
	 * member implies reader. */
	bool admin, member, reader;
	const struct token *token;
	const char *request_id; /* the request's (logs, Nova's instance actions), or NULL */
};

/* What an action is done to. A NULL owner means "the caller's own": a
 * create or a list in the caller's project, the caller's own user or
 * token (dispatch checks a path without {user_id} that way; the domain
 * code checks again with the loaded resource's user). */
struct target {
	const char *project_id; /* the resource's project */
	const char *user_id;	/* the resource's user (identity) */
	const char *domain_id;	/* the resource's domain (identity) */
	/* The project that owns the network a port or subnet is on. */
	const char *network_project_id;
	bool shared; /* shared/external network, public or shared image, ... */
};

/* The checks a rule ORs together. */
enum {
	P_PUBLIC = 1u << 0,    /* no token needed */
	P_ANY = 1u << 1,       /* any valid token, any scope */
	P_ADMIN = 1u << 2,     /* the admin role */
	P_MEMBER = 1u << 3,    /* member of the target's project (project scope) */
	P_READER = 1u << 4,    /* reader or member of the target's project */
	P_SELF = 1u << 5,      /* the target user is the caller */
	P_NET_OWNER = 1u << 6, /* member of the project owning the target's network */
	P_SHARED = 1u << 7,    /* project-scoped reader, the target is shared */
	P_SCOPED = 1u << 8,    /* any project-scoped token (the handler keeps to
				* the caller's project) */
	P_DOMAIN_USER = 1u << 9, /* scoped to the target domain or a project in it */
	P_DOMAIN_SCOPE = 1u << 10, /* domain-scoped to the target's domain (NULL: its own) */
};

struct policy_rule {
	const char *action; /* "create_port", "identity:get_user", ... */
	unsigned allow;	    /* P_* ORed */
};

struct policy_table {
	const struct policy_rule *rules;
	size_t n;
};

/* rules_*.c: every service's table. */
extern const struct policy_table identity_policy, compute_policy, image_policy, network_policy,
    agent_policy, metadata_policy, dashboard_policy;

/* Fill c from a validated token. */
void caller_from_token(struct caller *c, const struct token *tok);

/* The domain the caller works in: its project's, its domain scope's, else
 * "default" (where creates without a domain_id go, as in Keystone). */
const char *caller_domain(const struct caller *c);

/* The rule of action, or NULL when no table has it. */
const struct policy_rule *policy_rule(const char *action);

/* True when the action's rule lets c act on t (t NULL: the caller's own).
 * An action without a rule is refused (and logged once): policy fails
 * closed. */
bool policy_allows(const struct caller *c, const char *action, const struct target *t);

/* 0 when allowed, else -EPERM. For domain functions: return the result. */
int policy_check(const struct caller *c, const char *action, const struct target *t);

/* Check at start that every table is sorted-unique and every route names
 * an action that has a rule. Returns 0 or -EINVAL (logged). */
int policy_selftest(void);

#endif
