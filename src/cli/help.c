/* help.c - basalt help, generated from the command table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Whether the command's words start with the words of prefix. */
static bool starts_with_words(const char *words, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(words, prefix, n) == 0 && (words[n] == '\0' || words[n] == ' ');
}

int cli_help_commands(const char *prefix)
{
	int n = 0;

	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct command *c = &cli_commands[i];

		if (prefix && !starts_with_words(c->words, prefix))
			continue;
		printf("  %s%s%s\n      %s\n", c->words, c->usage && *c->usage ? " " : "",
		       c->usage ? c->usage : "", c->help);
		n++;
	}
	return n;
}

int cmd_help(struct cli *cli, const struct cli_args *a)
{
	char prefix[256] = "";

	for (int i = 0; i < a->npos; i++) {
		if (i)
			strncat(prefix, " ", sizeof(prefix) - strlen(prefix) - 1);
		strncat(prefix, a->pos[i], sizeof(prefix) - strlen(prefix) - 1);
	}
	if (!*prefix)
		printf("usage: basalt [GLOBAL OPTIONS] COMMAND [ARGS] [-f table|json|value] "
		       "[-c COLUMN]\n\nCommands:\n");
	if (cli_help_commands(*prefix ? prefix : NULL) == 0) {
		fprintf(stderr, "basalt: no command starts with '%s'\n", prefix);
		return -ENOENT;
	}
	if (!*prefix)
		cli_auth_usage();
	return 0;
}
