/* role_cmds.c - basalt role list|create|show|delete|add|remove and role assignment list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_column role_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
};

int cmd_role_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	int r;

	if ((r = cli_request(cli, "identity", "GET", "roles", NULL, &reply)) < 0)
		return r;
	return cli_print_list(cli, role_columns, ARRAY_SIZE(role_columns),
			      json_object_get(reply, "roles"));
}

int cmd_role_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *role = json_pack("{s:s}", "name", a->pos[0]);
	int r;

	if (!role)
		return -ENOMEM;
	if ((r = cli_body_opt(role, a, "description", "description")) < 0)
		return r;
	return cli_create(cli, &cli_res_role, role, cli_flag(a, "or-show"), NULL);
}

int cmd_role_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	if ((r = cli_find(cli, &cli_res_role, a->pos[0], NULL, &obj)) < 0)
		return r;
	return cli_print_object(cli, obj);
}

int cmd_role_delete(struct cli *cli, const struct cli_args *a)
{
	return cli_delete_each(cli, &cli_res_role, a->pos, a->npos, NULL);
}

/* Resolve --OPT (within --OPT-domain when given) of resource r into *id. */
static int find_in_domain(struct cli *cli, const struct cli_args *a, const char *opt,
			  const char *domain_opt, const struct cli_resource *r, char **id)
{
	_cleanup_free_ char *query = NULL;
	const char *v = cli_opt(a, opt);
	int rc;

	*id = NULL;
	if (!v) {
		fprintf(stderr, "basalt: --%s is required\n", opt);
		return -EINVAL;
	}
	if ((rc = cli_domain_query(cli, cli_opt(a, domain_opt), &query)) < 0)
		return rc;
	return cli_find_id(cli, r, v, query, id);
}

/* PUT or DELETE projects/{p}/users/{u}/roles/{role}. */
static int role_grant(struct cli *cli, const struct cli_args *a, const char *method)
{
	_cleanup_free_ char *pid = NULL, *uid = NULL, *rid = NULL, *path = NULL;
	int r;

	if ((r = find_in_domain(cli, a, "project", "project-domain", &cli_res_project, &pid)) < 0 ||
	    (r = find_in_domain(cli, a, "user", "user-domain", &cli_res_user, &uid)) < 0 ||
	    (r = cli_find_id(cli, &cli_res_role, a->pos[0], NULL, &rid)) < 0)
		return r;
	if (asprintf(&path, "projects/%s/users/%s/roles/%s", pid, uid, rid) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	return cli_request(cli, "identity", method, path, NULL, NULL);
}

int cmd_role_add(struct cli *cli, const struct cli_args *a)
{
	return role_grant(cli, a, "PUT");
}

int cmd_role_remove(struct cli *cli, const struct cli_args *a)
{
	return role_grant(cli, a, "DELETE");
}

/* "name@domain" (with --names) or the id of an assignment's actor or
 * target, "" when absent. Owned, NULL on ENOMEM. */
static char *actor_text(const json_t *v)
{
	const char *id = json_string_value(json_object_get(v, "id"));
	const char *name = json_string_value(json_object_get(v, "name"));
	const char *dom = json_string_value(json_object_get(json_object_get(v, "domain"), "name"));
	char *s;

	if (!name)
		return strdup(id ? id : "");
	if (asprintf(&s, "%s%s%s", name, dom ? "@" : "", dom ? dom : "") < 0)
		return NULL;
	return s;
}

static const struct cli_column assignment_columns[] = {
	{ "Role", "role", NULL },	    { "User", "user", NULL },
	{ "Group", "group", NULL },	    { "Project", "project", NULL },
	{ "Domain", "domain", NULL },	    { "System", "system", NULL },
	{ "Inherited", "inherited", NULL },
};

/* One flat row (strings) of an assignment; owned, NULL on ENOMEM. */
static json_t *assignment_row(const json_t *as)
{
	json_t *scope = json_object_get(as, "scope");
	const json_t *parts[] = { json_object_get(as, "role"), json_object_get(as, "user"),
				  json_object_get(as, "group"), json_object_get(scope, "project"),
				  json_object_get(scope, "domain") };
	json_t *row = json_object();

	if (!row)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		char *t = actor_text(parts[i]);

		if (!t || json_object_set_new(row, assignment_columns[i].key, json_string(t)) < 0) {
			free(t);
			json_decref(row);
			return NULL;
		}
		free(t);
	}
	if (json_object_set_new(row, "system",
				json_string(json_object_get(scope, "system") ? "all" : "")) < 0 ||
	    json_object_set_new(row, "inherited",
				json_boolean(json_object_get(scope, "OS-INHERIT:inherited_to"))) <
		0) {
		json_decref(row);
		return NULL;
	}
	return row;
}

int cmd_role_assignment_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL, *rows = json_array();
	_cleanup_free_ char *path = NULL, *pid = NULL, *uid = NULL, *rid = NULL;
	char *q = NULL;
	size_t len = 0, i;
	FILE *f;
	json_t *as;
	int r = 0;
	char sep = '?';

	if (!rows)
		return -ENOMEM;
	if ((cli_opt(a, "project") &&
	     (r = cli_find_id(cli, &cli_res_project, cli_opt(a, "project"), NULL, &pid)) < 0) ||
	    (cli_opt(a, "user") &&
	     (r = cli_find_id(cli, &cli_res_user, cli_opt(a, "user"), NULL, &uid)) < 0) ||
	    (cli_opt(a, "role") &&
	     (r = cli_find_id(cli, &cli_res_role, cli_opt(a, "role"), NULL, &rid)) < 0))
		return r;
	if (!(f = open_memstream(&q, &len)))
		return -ENOMEM;
	fputs("role_assignments", f);
	if (pid)
		fprintf(f, "%cscope.project.id=%s", sep, pid), sep = '&';
	if (uid)
		fprintf(f, "%cuser.id=%s", sep, uid), sep = '&';
	if (rid)
		fprintf(f, "%crole.id=%s", sep, rid), sep = '&';
	if (cli_flag(a, "names"))
		fprintf(f, "%cinclude_names=true", sep);
	if (fclose(f) != 0) {
		free(q);
		return -ENOMEM;
	}
	path = q;
	if ((r = cli_request(cli, "identity", "GET", path, NULL, &reply)) < 0)
		return r;
	json_array_foreach(json_object_get(reply, "role_assignments"), i, as)
	{
		json_t *row = assignment_row(as);

		if (!row || json_array_append_new(rows, row) < 0)
			return -ENOMEM;
	}
	return cli_print_list(cli, assignment_columns, ARRAY_SIZE(assignment_columns), rows);
}
