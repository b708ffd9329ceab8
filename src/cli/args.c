/* args.c - split a command's arguments into positionals and --options. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char *cli_opt(const struct cli_args *a, const char *name)
{
	for (int i = a->nopt - 1; i >= 0; i--)
		if (strcmp(a->opt[i].name, name) == 0)
			return a->opt[i].value;
	return NULL;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_opt(a, name) != NULL;
}

/* Look name (len bytes) up in the space-separated spec; returns 1 when it
 * takes a value ("name="), 0 for a flag, -ENOENT when not accepted. */
static int option_kind(const char *spec, const char *name, size_t len)
{
	const char *p = spec ? spec : "";

	while (*p) {
		size_t n = strcspn(p, " ");
		size_t base = (n > 0 && p[n - 1] == '=') ? n - 1 : n;

		if (base == len && strncmp(p, name, len) == 0)
			return base != n;
		p += n;
		p += strspn(p, " ");
	}
	return -ENOENT;
}

static int usage_error(const struct command *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "basalt %s: %s%s%s\nusage: basalt %s %s\n", cmd->words, what,
		arg ? ": " : "", arg ? arg : "", cmd->words, cmd->usage ? cmd->usage : "");
	return -EINVAL;
}

int cli_args_parse(const struct command *cmd, int argc, char **argv, struct cli_args *a)
{
	bool only_pos = false;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (a->npos == CLI_MAX_ARGS)
				return usage_error(cmd, "too many arguments", NULL);
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (arg[1] != '-')
			return usage_error(cmd, "unknown option", arg);
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int kind = option_kind(cmd->options, name, len);

		if (kind < 0)
			return usage_error(cmd, "unknown option", arg);
		if (a->nopt == CLI_MAX_ARGS)
			return usage_error(cmd, "too many options", NULL);
		/* Point name into argv: cut "--name=value" at '=' via a copy-free view. */
		if (eq)
			*(char *)eq = '\0'; /* argv strings are ours to modify */
		a->opt[a->nopt].name = name;
		if (kind == 1) {
			if (eq)
				a->opt[a->nopt].value = eq + 1;
			else if (i + 1 < argc)
				a->opt[a->nopt].value = argv[++i];
			else
				return usage_error(cmd, "option needs a value", arg);
		} else {
			if (eq)
				return usage_error(cmd, "option takes no value", arg);
			a->opt[a->nopt].value = "";
		}
		a->nopt++;
	}
	if (a->npos < cmd->min_pos)
		return usage_error(cmd, "missing argument", NULL);
	if (a->npos > cmd->max_pos)
		return usage_error(cmd, "unexpected argument", a->pos[cmd->max_pos]);
	return 0;
}
