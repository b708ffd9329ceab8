/* user_cmds.c - basalt user list|create|show|set|delete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_column user_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
};

int cmd_user_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL, *assignments = NULL, *users = NULL;
	_cleanup_free_ char *query = NULL, *path = NULL, *pid = NULL;
	const char *project = cli_opt(a, "project");
	int r;

	if ((r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	if (asprintf(&path, "users%s%s", query ? "?" : "", query ? query : "") < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request(cli, "identity", "GET", path, NULL, &reply)) < 0)
		return r;
	if (!project)
		return cli_print_list(cli, user_columns, ARRAY_SIZE(user_columns),
				      json_object_get(reply, "users"));

	/* --project: the users with a role there, from the role assignments. */
	if ((r = cli_find_id(cli, &cli_res_project, project, NULL, &pid)) < 0)
		return r;
	free(path);
	if (asprintf(&path, "role_assignments?scope.project.id=%s", pid) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request(cli, "identity", "GET", path, NULL, &assignments)) < 0)
		return r;
	if (!(users = json_array()))
		return -ENOMEM;
	size_t i, j;
	json_t *u, *as;
	json_array_foreach(json_object_get(reply, "users"), i, u)
	{
		json_t *uid = json_object_get(u, "id");

		json_array_foreach(json_object_get(assignments, "role_assignments"), j, as)
		{
			if (json_equal(json_object_get(json_object_get(as, "user"), "id"), uid)) {
				if (json_array_append(users, u) < 0)
					return -ENOMEM;
				break;
			}
		}
	}
	return cli_print_list(cli, user_columns, ARRAY_SIZE(user_columns), users);
}

/* Fill u from the options shared by create and set. */
static int user_fields(struct cli *cli, json_t *u, const struct cli_args *a)
{
	int r;

	if ((r = cli_body_opt(u, a, "password", "password")) < 0 ||
	    (r = cli_body_opt(u, a, "email", "email")) < 0 ||
	    (r = cli_body_opt(u, a, "description", "description")) < 0 ||
	    (r = cli_body_enabled(u, a)) < 0 ||
	    (r = cli_body_find(cli, u, a, "project", &cli_res_project, NULL,
			       "default_project_id")) < 0)
		return r;
	return 0;
}

int cmd_user_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *u = json_pack("{s:s,s:b}", "name", a->pos[0], "enabled", 1);
	_cleanup_free_ char *query = NULL;
	int r;

	if (!u)
		return -ENOMEM;
	if ((r = user_fields(cli, u, a)) < 0 ||
	    (r = cli_body_find(cli, u, a, "domain", &cli_res_domain, NULL, "domain_id")) < 0 ||
	    (r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	return cli_create(cli, &cli_res_user, u, cli_flag(a, "or-show"), query);
}

/* The user named (name or id) by s, within --domain when given. */
static int user_find(struct cli *cli, const struct cli_args *a, const char *s, json_t **obj)
{
	_cleanup_free_ char *query = NULL;
	int r;

	if ((r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	return cli_find(cli, &cli_res_user, s, query, obj);
}

int cmd_user_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	if ((r = user_find(cli, a, a->pos[0], &obj)) < 0)
		return r;
	return cli_print_object(cli, obj);
}

int cmd_user_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL, *u = json_object(), *body = NULL;
	int r;

	if (!u)
		return -ENOMEM;
	if ((r = cli_body_opt(u, a, "name", "name")) < 0 || (r = user_fields(cli, u, a)) < 0)
		return r;
	if ((r = user_find(cli, a, a->pos[0], &obj)) < 0)
		return r;
	if (json_object_size(u) == 0)
		return 0;
	if (!(body = json_pack("{s:O}", "user", u)))
		return -ENOMEM;
	return cli_item_request(cli, &cli_res_user, "PATCH",
				json_string_value(json_object_get(obj, "id")), body, NULL);
}

int cmd_user_delete(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *query = NULL;
	int r;

	if ((r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	return cli_delete_each(cli, &cli_res_user, a->pos, a->npos, query);
}
