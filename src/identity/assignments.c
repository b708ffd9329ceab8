/* assignments.c - GET /v3/role_assignments: the grants (grant.c), with
 * the roles each implies when ?effective. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "http/http.h"
#include "identity/identity.h"

struct listing {
	const struct http_request *req;
	struct store *st;
	json_t *items;
	const char *role; /* ?role.id, or NULL */
	bool names, effective;
};

/* One item of the listing, for the role (id, name) of grant a. */
static json_t *render_assignment(const struct http_request *req, const char *role_id,
				 const char *role_name, const struct assignment *a, bool names)
{
	json_t *role = json_pack("{s:s}", "id", role_id);
	json_t *user = json_pack("{s:s}", "id", a->user_id);
	json_t *target = json_pack("{s:s}", "id", a->target_id);
	char url[1024];

	if (names) {
		json_object_set_new(role, "name", json_string(role_name));
		json_object_set_new(user, "name", json_string(a->user_name));
		json_object_set_new(user, "domain",
				    json_pack("{s:s,s:s}", "id", a->user_domain_id, "name",
					      a->user_domain_name));
		json_object_set_new(target, "name", json_string(a->target_name));
		if (a->on_project)
			json_object_set_new(target, "domain",
					    json_pack("{s:s,s:s}", "id", a->target_domain_id,
						      "name", a->target_domain_name));
	}
	snprintf(url, sizeof(url), "%s/v3/%s/%s/users/%s/roles/%s", http_base_url(req),
		 a->on_project ? "projects" : "domains", a->target_id, a->user_id, role_id);
	return json_pack("{s:o,s:o,s:{s:o},s:{s:s}}", "role", role, "user", user, "scope",
			 a->on_project ? "project" : "domain", target, "links", "assignment",
			 url);
}

static int add_assignment(void *ctx, const struct assignment *a)
{
	struct listing *l = ctx;
	int r;

	if (!l->role || strcmp(l->role, a->role_id) == 0)
		json_array_append_new(l->items,
				      render_assignment(l->req, a->role_id, a->role_name, a, l->names));
	if (!l->effective)
		return 0;
	/* Effective: the roles each grant implies, as Keystone lists them. */
	for (const char *const *imp = role_implied(a->role_name); *imp; imp++) {
		char id[65];
		/* A nested query: the store hands out a fresh statement. */
		r = role_id_by_name(l->st, *imp, id);
		if (r < 0)
			return r;
		if (r > 0 && (!l->role || strcmp(l->role, id) == 0))
			json_array_append_new(l->items,
					      render_assignment(l->req, id, *imp, a, l->names));
	}
	return 0;
}

int h_role_assignments(struct http_request *req, struct http_response *res)
{
	const char *names_arg = http_query(req, "include_names");
	const char *eff_arg = http_query(req, "effective");
	struct listing l = {
		.req = req,
		.st = basalt_store(req->b),
		.role = http_query(req, "role.id"),
		.names = names_arg && (names_arg[0] == '\0' || parse_bool(names_arg) == 1),
		.effective = eff_arg && (eff_arg[0] == '\0' || parse_bool(eff_arg) == 1),
	};
	struct assignment_filter f = { http_query(req, "user.id"),
				       http_query(req, "scope.project.id"),
				       http_query(req, "scope.domain.id") };
	int r;

	if (!l.st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	if (http_query(req, "group.id")) /* Basalt has no groups: nothing is assigned to one. */
		r = policy_check(&req->caller, "identity:list_role_assignments", NULL);
	else
		r = assignment_list(l.st, &req->caller, &f, add_assignment, &l);
	if (r >= 0 && l.effective) {
		/* Drop duplicates: a role both granted and implied appears once. */
		for (size_t i = 0; i < json_array_size(l.items); i++)
			for (size_t j = i + 1; j < json_array_size(l.items);)
				if (json_equal(json_object_get(json_array_get(l.items, i), "links"),
					       json_object_get(json_array_get(l.items, j), "links")))
					json_array_remove(l.items, j);
				else
					j++;
	}
	return reply_items(req, res, "role_assignments", l.items, r);
}
