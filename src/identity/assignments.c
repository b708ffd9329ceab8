/* assignments.c - GET /v3/role_assignments: the grants (grant.c) as
 * Keystone lists them, or with ?effective the roles each user really
 * holds: through groups, inherited to projects, and implied. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "http/http.h"
#include "identity/identity.h"
#include "policy/policy.h"

struct listing {
	const struct http_request *req;
	json_t *items;
	bool names, effective;
};

/* {"id", and with names "name" and "domain": {"id", "name"}}. */
static json_t *named(const char *id, const char *name, const char *domain_id,
		     const char *domain_name, bool names)
{
	json_t *o = json_pack("{s:s}", "id", id);

	if (names && name)
		json_object_set_new(o, "name", json_string(name));
	if (names && domain_id)
		json_object_set_new(o, "domain",
				    json_pack("{s:s,s:s}", "id", domain_id, "name",
					      domain_name ? domain_name : ""));
	return o;
}

/* The URL of the grant a listed row stands for. */
static void grant_url(char *url, size_t len, const struct http_request *req,
		      const struct assignment *a, bool effective)
{
	const char *actor = a->user_id && !(effective && a->group_id) ? "users" : "groups";
	const char *actor_id = strcmp(actor, "users") == 0 ? a->user_id : a->group_id;
	const char *role = effective && a->granted_role_id ? a->granted_role_id : a->role_id;
	const char *base = http_base_url(req);

	if (a->from_project_id || a->from_domain_id)
		snprintf(url, len, "%s/v3/OS-INHERIT/%s/%s/%s/%s/roles/%s/inherited_to_projects",
			 base, a->from_project_id ? "projects" : "domains",
			 a->from_project_id ? a->from_project_id : a->from_domain_id, actor,
			 actor_id, role);
	else if (a->system)
		snprintf(url, len, "%s/v3/system/%s/%s/roles/%s", base, actor, actor_id, role);
	else
		snprintf(url, len, "%s/v3/%s%s/%s/%s/%s/roles/%s%s", base,
			 a->inherited ? "OS-INHERIT/" : "", a->on_project ? "projects" : "domains",
			 a->target_id, actor, actor_id, role,
			 a->inherited ? "/inherited_to_projects" : "");
}

static int add_assignment(void *ctx, const struct assignment *a)
{
	struct listing *l = ctx;
	const char *base = http_base_url(l->req);
	json_t *item, *scope, *links;
	char url[1024];

	grant_url(url, sizeof(url), l->req, a, l->effective);
	links = json_pack("{s:s}", "assignment", url);
	if (l->effective && a->group_id) {
		snprintf(url, sizeof(url), "%s/v3/groups/%s/users/%s", base, a->group_id,
			 a->user_id);
		json_object_set_new(links, "membership", json_string(url));
	}
	if (l->effective && a->prior_role_id) {
		snprintf(url, sizeof(url), "%s/v3/roles/%s", base, a->prior_role_id);
		json_object_set_new(links, "prior_role", json_string(url));
	}
	if (a->system)
		scope = json_pack("{s:{s:b}}", "system", "all", 1);
	else if (a->on_project)
		scope = json_pack("{s:o}", "project",
				  named(a->target_id, a->target_name, a->target_domain_id,
					a->target_domain_name, l->names));
	else
		scope = json_pack("{s:o}", "domain",
				  named(a->target_id, a->target_name, NULL, NULL, l->names));
	if (a->inherited && !l->effective)
		json_object_set_new(scope, "OS-INHERIT:inherited_to", json_string("projects"));
	item = json_pack("{s:o,s:o,s:o}", "role",
			 named(a->role_id, a->role_name, NULL, NULL, l->names), "scope",
			 scope, "links", links);
	if (l->names && a->role_domain_id) /* a domain role's domain: its id */
		json_object_set_new(json_object_get(item, "role"), "domain",
				    json_pack("{s:s}", "id", a->role_domain_id));
	if (a->user_id)
		json_object_set_new(item, "user",
				    named(a->user_id, a->user_name, a->user_domain_id,
					  a->user_domain_name, l->names));
	else
		json_object_set_new(item, "group",
				    named(a->group_id, a->group_name, a->group_domain_id,
					  a->group_domain_name, l->names));
	return item && json_array_append_new(l->items, item) == 0 ? 0 : -ENOMEM;
}

/* ?name as a flag: present and empty, or a true value. */
static bool query_flag(const struct http_request *req, const char *name)
{
	const char *v = http_query(req, name);

	return v && (v[0] == '\0' || parse_bool(v) == 1);
}

int h_role_assignments(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *inherited_to = http_query(req, "scope.OS-INHERIT:inherited_to");
	const char *system = http_query(req, "scope.system");
	struct listing l = { .req = req,
			     .names = query_flag(req, "include_names"),
			     .effective = query_flag(req, "effective") };
	struct assignment_filter f = {
		.user_id = http_query(req, "user.id"),
		.group_id = http_query(req, "group.id"),
		.project_id = http_query(req, "scope.project.id"),
		.domain_id = http_query(req, "scope.domain.id"),
		.role_id = http_query(req, "role.id"),
		.system = system != NULL,
		.inherited = inherited_to != NULL,
		.subtree = query_flag(req, "include_subtree"),
		.effective = l.effective,
	};
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	/* The combinations Keystone refuses (400), after the policy. */
	r = policy_check(&req->caller, "identity:list_role_assignments", NULL);
	if (r < 0)
		return reply_error(req, res, r, "role_assignments", NULL);
	if (f.user_id && f.group_id)
		return http_error(res, 400,
				  "Specify a user or group, not both");
	if ((f.project_id != NULL) + (f.domain_id != NULL) + f.system > 1)
		return http_error(res, 400,
				  "Specify one of domain, project or system, not more");
	if (system && strcmp(system, "all") != 0)
		return http_error(res, 400, "Invalid input for filter 'scope.system': %s.", system);
	if (inherited_to && strcmp(inherited_to, "projects") != 0)
		return http_error(res, 400,
				  "Invalid input for filter 'scope.OS-INHERIT:inherited_to': %s.",
				  inherited_to);
	if (f.effective && f.group_id)
		return http_error(res, 400,
				  "Combining effective and group filter will always result in an "
				  "empty list.");
	if (f.effective && f.inherited && f.domain_id)
		return http_error(res, 400,
				  "Combining effective, domain and inherited filters will always "
				  "result in an empty list.");
	if (f.subtree && !f.project_id)
		return http_error(res, 400,
				  "scope.project.id needs to be specified if include_subtree is "
				  "also specified.");
	l.items = json_array();
	r = assignment_list(st, &req->caller, &f, add_assignment, &l);
	if (r >= 0 && l.effective) {
		/* A role reached twice the same way appears once. */
		for (size_t i = 0; i < json_array_size(l.items); i++)
			for (size_t j = i + 1; j < json_array_size(l.items);)
				if (json_equal(json_array_get(l.items, i),
					       json_array_get(l.items, j)))
					json_array_remove(l.items, j);
				else
					j++;
	}
	return reply_items(req, res, "role_assignments", l.items, r);
}
