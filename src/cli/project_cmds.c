/* project_cmds.c - basalt project list|create|show|set|delete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_column project_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
};

int cmd_project_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	_cleanup_free_ char *query = NULL, *path = NULL, *uid = NULL;
	const char *user = cli_opt(a, "user");
	int r;

	if ((r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	if (user) {
		if ((r = cli_find_id(cli, &cli_res_user, user, query, &uid)) < 0)
			return r;
		r = asprintf(&path, "users/%s/projects", uid);
	} else {
		r = asprintf(&path, "projects%s%s", query ? "?" : "", query ? query : "");
	}
	if (r < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request(cli, "identity", "GET", path, NULL, &reply)) < 0)
		return r;
	return cli_print_list(cli, project_columns, ARRAY_SIZE(project_columns),
			      json_object_get(reply, "projects"));
}

int cmd_project_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *p = json_pack("{s:s,s:b}", "name", a->pos[0], "enabled", 1);
	_cleanup_free_ char *query = NULL;
	int r;

	if (!p)
		return -ENOMEM;
	if ((r = cli_body_opt(p, a, "description", "description")) < 0 ||
	    (r = cli_body_enabled(p, a)) < 0 ||
	    (r = cli_body_find(cli, p, a, "domain", &cli_res_domain, NULL, "domain_id")) < 0 ||
	    (r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	return cli_create(cli, &cli_res_project, p, cli_flag(a, "or-show"), query);
}

/* The project named (name or id) by s, within --domain when given. */
static int project_find(struct cli *cli, const struct cli_args *a, const char *s, json_t **obj)
{
	_cleanup_free_ char *query = NULL;
	int r;

	if ((r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	return cli_find(cli, &cli_res_project, s, query, obj);
}

int cmd_project_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	if ((r = project_find(cli, a, a->pos[0], &obj)) < 0)
		return r;
	return cli_print_object(cli, obj);
}

int cmd_project_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL, *p = json_object(), *body = NULL;
	int r;

	if (!p)
		return -ENOMEM;
	if ((r = cli_body_opt(p, a, "name", "name")) < 0 ||
	    (r = cli_body_opt(p, a, "description", "description")) < 0 ||
	    (r = cli_body_enabled(p, a)) < 0)
		return r;
	if ((r = project_find(cli, a, a->pos[0], &obj)) < 0)
		return r;
	if (json_object_size(p) == 0)
		return 0;
	if (!(body = json_pack("{s:O}", "project", p)))
		return -ENOMEM;
	return cli_item_request(cli, &cli_res_project, "PATCH",
				json_string_value(json_object_get(obj, "id")), body, NULL);
}

int cmd_project_delete(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *query = NULL;
	int r;

	if ((r = cli_domain_query(cli, cli_opt(a, "domain"), &query)) < 0)
		return r;
	return cli_delete_each(cli, &cli_res_project, a->pos, a->npos, query);
}
