/* assignments.c - GET /v3/role_assignments and the effective roles that go
 * into a token. The built-in roles imply each other as Keystone's
 * bootstrap sets them up: admin > member > reader. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "http/http.h"
#include "identity/identity.h"
#include "store/store.h"

/* The roles name implies, strongest first; NULL-terminated. */
static const char *const *implied(const char *name)
{
	static const char *const by_admin[] = { "member", "reader", NULL };
	static const char *const by_member[] = { "reader", NULL };
	static const char *const none[] = { NULL };

	if (strcmp(name, "admin") == 0)
		return by_admin;
	if (strcmp(name, "member") == 0)
		return by_member;
	return none;
}

static bool token_has_role(const struct token *t, const char *name)
{
	for (int i = 0; i < t->nroles; i++)
		if (strcmp(t->role_name[i], name) == 0)
			return true;
	return false;
}

static int token_add_role(struct token *t, const char *id, const char *name)
{
	if (token_has_role(t, name))
		return 0;
	if (t->nroles == TOKEN_MAX_ROLES)
		return -E2BIG;
	t->role_id[t->nroles] = token_str(t, id);
	t->role_name[t->nroles] = token_str(t, name);
	if (!t->role_id[t->nroles] || !t->role_name[t->nroles])
		return -E2BIG;
	t->nroles++;
	return 0;
}

/* Id of the role called name, into out; 1 found, 0 not, -errno. */
static int role_id_by_name(struct store *st, const char *name, char out[65])
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT id FROM role WHERE name = ?", "s", name);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(out, 65, "%s", store_text(q, 0));
	store_done(q);
	return r;
}

int assignments_for_token(struct store *st, const char *user_id, const char *project_id,
			  const char *domain_id, struct token *t)
{
	struct store_stmt *q;
	int r, direct;

	if (project_id)
		r = store_query(
		    st, &q,
		    "SELECT r.id, r.name FROM project_role a JOIN role r ON r.id = a.role_id"
		    " WHERE a.user_id = ? AND a.project_id = ? ORDER BY r.name",
		    "ss", user_id, project_id);
	else if (domain_id)
		r = store_query(
		    st, &q,
		    "SELECT r.id, r.name FROM domain_role a JOIN role r ON r.id = a.role_id"
		    " WHERE a.user_id = ? AND a.domain_id = ? ORDER BY r.name",
		    "ss", user_id, domain_id);
	else /* system scope: the admin role */
		r = store_query(st, &q, "SELECT id, name FROM role WHERE name = 'admin'", "");
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0 &&
	       (r = token_add_role(t, store_text(q, 0), store_text(q, 1))) == 0)
		;
	store_done(q);
	if (r < 0)
		return r;
	direct = t->nroles;
	for (int i = 0; i < direct; i++) {
		for (const char *const *imp = implied(t->role_name[i]); *imp; imp++) {
			char id[65];
			if (token_has_role(t, *imp))
				continue;
			r = role_id_by_name(st, *imp, id);
			if (r < 0)
				return r;
			if (r > 0 && (r = token_add_role(t, id, *imp)) < 0)
				return r;
		}
	}
	return 0;
}

/* One row of the listing. Columns of the query below:
 * 0 role id, 1 role name, 2 user id, 3 user name, 4 user domain id,
 * 5 user domain name, 6 scope kind, 7 target id, 8 target name,
 * 9 target domain id, 10 target domain name. */
static json_t *render_assignment(const struct http_request *req, const char *role_id,
				 const char *role_name, struct store_stmt *q, bool names)
{
	bool project = strcmp(store_text(q, 6), "project") == 0;
	json_t *role = json_pack("{s:s}", "id", role_id);
	json_t *user = json_pack("{s:s}", "id", store_text(q, 2));
	json_t *target = json_pack("{s:s}", "id", store_text(q, 7));
	char url[1024];

	if (names) {
		json_object_set_new(role, "name", json_string(role_name));
		json_object_set_new(user, "name", json_string(store_text(q, 3)));
		json_object_set_new(
		    user, "domain",
		    json_pack("{s:s,s:s}", "id", store_text(q, 4), "name", store_text(q, 5)));
		json_object_set_new(target, "name", json_string(store_text(q, 8)));
		if (project)
			json_object_set_new(target, "domain",
					    json_pack("{s:s,s:s}", "id", store_text(q, 9), "name",
						      store_text(q, 10)));
	}
	snprintf(url, sizeof(url), "%s/v3/%s/%s/users/%s/roles/%s", http_base_url(req),
		 project ? "projects" : "domains", store_text(q, 7), store_text(q, 2), role_id);
	return json_pack("{s:o,s:o,s:{s:o},s:{s:s}}", "role", role, "user", user, "scope",
			 project ? "project" : "domain", target, "links", "assignment", url);
}

int h_role_assignments(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *user = http_query(req, "user.id");
	const char *project = http_query(req, "scope.project.id");
	const char *domain = http_query(req, "scope.domain.id");
	const char *role = http_query(req, "role.id");
	const char *names_arg = http_query(req, "include_names");
	const char *eff_arg = http_query(req, "effective");
	bool names = names_arg && (names_arg[0] == '\0' || parse_bool(names_arg) == 1);
	bool effective = eff_arg && (eff_arg[0] == '\0' || parse_bool(eff_arg) == 1);
	struct store_stmt *q = NULL;
	json_t *items;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (http_query(req, "group.id"))
		/* Basalt has no groups: nothing is assigned to one. */
		return http_reply(res, 200, render_list(req, "role_assignments", json_array()));
	r = store_query(
	    st, &q,
	    "SELECT a.role_id, r.name, a.user_id, u.name, u.domain_id, ud.name,"
	    " 'project', a.project_id, p.name, p.domain_id, pd.name"
	    " FROM project_role a JOIN role r ON r.id = a.role_id"
	    " JOIN users u ON u.id = a.user_id JOIN domain ud ON ud.id = u.domain_id"
	    " JOIN project p ON p.id = a.project_id JOIN domain pd ON pd.id = p.domain_id"
	    " WHERE (?1 IS NULL OR a.user_id = ?1) AND (?2 IS NULL OR a.project_id = ?2)"
	    " AND ?3 IS NULL"
	    " UNION ALL"
	    " SELECT a.role_id, r.name, a.user_id, u.name, u.domain_id, ud.name,"
	    " 'domain', a.domain_id, d.name, NULL, NULL"
	    " FROM domain_role a JOIN role r ON r.id = a.role_id"
	    " JOIN users u ON u.id = a.user_id JOIN domain ud ON ud.id = u.domain_id"
	    " JOIN domain d ON d.id = a.domain_id"
	    " WHERE (?1 IS NULL OR a.user_id = ?1) AND ?2 IS NULL"
	    " AND (?3 IS NULL OR a.domain_id = ?3)"
	    " ORDER BY 3, 8, 2",
	    "sss", user, project, domain);
	if (r < 0)
		return http_error_errno(res, r, "role assignments");
	items = json_array();
	while ((r = store_next(q)) > 0) {
		const char *rname = store_text(q, 1);
		if (!role || strcmp(role, store_text(q, 0)) == 0)
			json_array_append_new(
			    items, render_assignment(req, store_text(q, 0), rname, q, names));
		if (!effective)
			continue;
		/* Effective: the roles each grant implies, as Keystone lists them. */
		for (const char *const *imp = implied(rname); *imp; imp++) {
			char id[65];
			/* A nested query: the store hands out a fresh statement. */
			int r2 = role_id_by_name(st, *imp, id);
			if (r2 < 0) {
				r = r2;
				break;
			}
			if (r2 > 0 && (!role || strcmp(role, id) == 0))
				json_array_append_new(items,
						      render_assignment(req, id, *imp, q, names));
		}
		if (r < 0)
			break;
	}
	store_done(q);
	if (r < 0) {
		json_decref(items);
		return http_error_errno(res, r, "role assignments");
	}
	if (effective) {
		/* Drop duplicates: a role both granted and implied appears once. */
		for (size_t i = 0; i < json_array_size(items); i++)
			for (size_t j = i + 1; j < json_array_size(items);)
				if (json_equal(json_object_get(json_array_get(items, i), "links"),
					       json_object_get(json_array_get(items, j), "links")))
					json_array_remove(items, j);
				else
					j++;
	}
	return http_reply(res, 200, render_list(req, "role_assignments", items));
}
