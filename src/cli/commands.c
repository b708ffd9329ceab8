/* commands.c - the command table: every basalt command, its arguments and
 * help line. The dispatcher and basalt help both read it; a new service adds
 * its rows here and its handlers in its own file. */
#include "cli/cli.h"
#include "core/util.h"

const struct command cli_commands[] = {
	{ "help", "[COMMAND...]", "", 0, 8, true, cmd_help,
	  "List commands (or those starting with COMMAND)" },

	/* Identity: tokens and the catalog */
	{ "token issue", "", "", 0, 0, false, cmd_token_issue, "Issue a new token" },
	{ "token revoke", "TOKEN", "", 1, 1, false, cmd_token_revoke, "Revoke a token" },
	{ "catalog list", "", "", 0, 0, false, cmd_catalog_list,
	  "List services in the service catalog" },
	{ "catalog show", "SERVICE", "", 1, 1, false, cmd_catalog_show,
	  "Show a service catalog entry by type or name" },

	/* Identity: domains, projects, users, roles */
	{ "domain list", "", "", 0, 0, false, cmd_domain_list, "List domains" },
	{ "domain show", "DOMAIN", "", 1, 1, false, cmd_domain_show, "Show domain details" },
	{ "project list", "[--domain D] [--user U]", "domain= user=", 0, 0, false, cmd_project_list,
	  "List projects" },
	{ "project create", "NAME [--description D] [--domain D] [--enable|--disable] [--or-show]",
	  "description= domain= enable disable or-show", 1, 1, false, cmd_project_create,
	  "Create new project" },
	{ "project show", "PROJECT [--domain D]", "domain=", 1, 1, false, cmd_project_show,
	  "Display project details" },
	{ "project set", "PROJECT [--name N] [--description D] [--enable|--disable] [--domain D]",
	  "name= description= enable disable domain=", 1, 1, false, cmd_project_set,
	  "Set project properties" },
	{ "project delete", "PROJECT... [--domain D]", "domain=", 1, CLI_MAX_ARGS, false,
	  cmd_project_delete, "Delete project(s)" },
	{ "user list", "[--domain D] [--project P]", "domain= project=", 0, 0, false, cmd_user_list,
	  "List users" },
	{ "user create",
	  "NAME [--password PW] [--email E] [--description D] [--project P] [--domain D] "
	  "[--enable|--disable] [--or-show]",
	  "password= email= description= project= domain= enable disable or-show", 1, 1, false,
	  cmd_user_create, "Create new user" },
	{ "user show", "USER [--domain D]", "domain=", 1, 1, false, cmd_user_show,
	  "Display user details" },
	{ "user set",
	  "USER [--name N] [--password PW] [--email E] [--description D] [--project P] "
	  "[--enable|--disable] [--domain D]",
	  "name= password= email= description= project= enable disable domain=", 1, 1, false,
	  cmd_user_set, "Set user properties" },
	{ "user delete", "USER... [--domain D]", "domain=", 1, CLI_MAX_ARGS, false, cmd_user_delete,
	  "Delete user(s)" },
	{ "role list", "", "", 0, 0, false, cmd_role_list, "List roles" },
	{ "role create", "NAME [--description D] [--or-show]", "description= or-show", 1, 1, false,
	  cmd_role_create, "Create new role" },
	{ "role show", "ROLE", "", 1, 1, false, cmd_role_show, "Display role details" },
	{ "role delete", "ROLE...", "", 1, CLI_MAX_ARGS, false, cmd_role_delete, "Delete role(s)" },
	{ "role add", "--project P --user U ROLE [--user-domain D] [--project-domain D]",
	  "project= user= user-domain= project-domain=", 1, 1, false, cmd_role_add,
	  "Add a role to a user on a project" },
	{ "role remove", "--project P --user U ROLE [--user-domain D] [--project-domain D]",
	  "project= user= user-domain= project-domain=", 1, 1, false, cmd_role_remove,
	  "Remove a role from a user on a project" },
	{ "role assignment list", "[--project P] [--user U] [--role R] [--names]",
	  "project= user= role= names", 0, 0, false, cmd_role_assignment_list,
	  "List role assignments" },
};

const size_t cli_ncommands = ARRAY_SIZE(cli_commands);
