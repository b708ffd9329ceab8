/* domain_cmds.c - basalt domain list|show, and the identity resources. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/cleanup.h"

const struct cli_resource cli_res_domain = { "identity", "domains", "domain", "domains" };
const struct cli_resource cli_res_project = { "identity", "projects", "project", "projects" };
const struct cli_resource cli_res_user = { "identity", "users", "user", "users" };
const struct cli_resource cli_res_role = { "identity", "roles", "role", "roles" };

static const struct cli_column domain_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Enabled", "enabled", NULL },
	{ "Description", "description", NULL },
};

int cmd_domain_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	int r;

	if ((r = cli_request(cli, "identity", "GET", "domains", NULL, &reply)) < 0)
		return r;
	return cli_print_list(cli, domain_columns, 4, json_object_get(reply, "domains"));
}

int cmd_domain_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	if ((r = cli_find(cli, &cli_res_domain, a->pos[0], NULL, &obj)) < 0)
		return r;
	return cli_print_object(cli, obj);
}

int cli_domain_query(struct cli *cli, const char *d, char **query)
{
	_cleanup_free_ char *id = NULL, *esc = NULL;
	int r;

	*query = NULL;
	if (!d)
		return 0;
	if ((r = cli_find_id(cli, &cli_res_domain, d, NULL, &id)) < 0)
		return r;
	if (!(esc = cli_escape(cli, id)) || asprintf(query, "domain_id=%s", esc) < 0) {
		*query = NULL;
		return -ENOMEM;
	}
	return 0;
}
