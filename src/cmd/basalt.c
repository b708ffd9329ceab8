/* basalt.c - the basalt command-line client: global options, command lookup
 * in the table of src/cli/commands.c, and the exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "http/client.h"

/* Take the value of option arg: "--name=value" or the next argument.
 * Returns the value or NULL (printed) when missing. */
static const char *option_value(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	fprintf(stderr, "basalt: %s needs a value\n", argv[*i]);
	return NULL;
}

/* Whether arg (its first len bytes) is "--NAME" of a global authentication
 * option; NAME is copied into name. */
static bool auth_flag_name(const char *arg, size_t len, char *name, size_t size)
{
	if (len <= 2 || len - 2 >= size || arg[0] != '-' || arg[1] != '-')
		return false;
	memcpy(name, arg + 2, len - 2);
	name[len - 2] = '\0';
	return cli_auth_is_flag(name);
}

/* Pull the global options out of argv into cli and flags; the rest (command
 * words and the command's own arguments) go to rest. 0 or -EINVAL. */
static int parse_globals(struct cli *cli, struct cli_auth *flags, int argc, char **argv,
			 char **rest, int *nrest, bool *help)
{
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		char *eq = arg[0] == '-' && arg[1] == '-' ? strchr(arg, '=') : NULL;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *v;
		char name[64];

		if (strcmp(arg, "--") == 0) {
			while (i < argc)
				rest[(*nrest)++] = argv[i++];
			break;
		}
#define IS(s) (len == strlen(s) && strncmp(arg, s, len) == 0)
		if (IS("-f") || IS("--format")) {
			if (!(v = option_value(argc, argv, &i, eq)))
				return -EINVAL;
			if (cli_format_parse(v, &cli->format) < 0) {
				fprintf(stderr, "basalt: unknown format %s (table, json, value)\n",
					v);
				return -EINVAL;
			}
		} else if (IS("-c") || IS("--column")) {
			if (!(v = option_value(argc, argv, &i, eq)))
				return -EINVAL;
			if (cli->ncolumns == CLI_MAX_COLUMNS) {
				fprintf(stderr, "basalt: too many -c options\n");
				return -EINVAL;
			}
			cli->columns[cli->ncolumns++] = v;
		} else if (IS("--debug")) {
			cli->debug = true;
		} else if (IS("-h") || IS("--help")) {
			*help = true;
		} else if (IS("--insecure")) {
			if (cli_auth_set_flag(flags, "insecure", "true") < 0)
				return -ENOMEM;
		} else if (auth_flag_name(arg, len, name, sizeof(name))) {
			if (!(v = option_value(argc, argv, &i, eq)))
				return -EINVAL;
			if (cli_auth_set_flag(flags, name, v) < 0)
				return -ENOMEM;
		} else {
			rest[(*nrest)++] = arg;
		}
#undef IS
	}
	return 0;
}

/* How many leading words of rest the command's words match (0: no match). */
static int words_match(const char *words, char **rest, int nrest)
{
	int n = 0;

	for (const char *w = words; *w; n++) {
		size_t len = strcspn(w, " ");

		if (n >= nrest || strlen(rest[n]) != len || strncmp(rest[n], w, len) != 0)
			return 0;
		w += len;
		w += strspn(w, " ");
	}
	return n;
}

/* The command with the longest match of rest's leading words, or NULL. */
static const struct command *command_find(char **rest, int nrest, int *nwords)
{
	const struct command *best = NULL;

	*nwords = 0;
	for (size_t i = 0; i < cli_ncommands; i++) {
		int n = words_match(cli_commands[i].words, rest, nrest);

		if (n > *nwords) {
			*nwords = n;
			best = &cli_commands[i];
		}
	}
	return best;
}

/* Complain about an unknown command, listing what starts like it. */
static void unknown_command(char **rest, int nrest)
{
	char prefix[256] = "";
	int n = 0;

	/* The longest prefix of words that some command starts with. */
	for (int i = 0; i < nrest && rest[i][0] != '-'; i++) {
		char try[256];
		bool any = false;

		snprintf(try, sizeof(try), "%s%s%s", prefix, *prefix ? " " : "", rest[i]);
		for (size_t c = 0; c < cli_ncommands && !any; c++)
			any = strncmp(cli_commands[c].words, try, strlen(try)) == 0 &&
			      (cli_commands[c].words[strlen(try)] == ' ');
		if (!any)
			break;
		memcpy(prefix, try, sizeof(prefix));
		n++;
	}
	if (n > 0) {
		fprintf(stderr, "basalt: '%s' needs a subcommand:\n", prefix);
		fflush(stderr);
		cli_help_commands(prefix);
		return;
	}
	fprintf(stderr, "basalt: '%s' is not a basalt command. See 'basalt help'.\n",
		nrest ? rest[0] : "");
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct cli_auth flags = { 0 };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	const struct command *cmd;
	struct cli_args args;
	int nrest = 0, nwords, r;
	bool help = false, usage = true; /* until the command runs, errors are usage errors */

	if (!rest)
		return 1;
	r = parse_globals(cli, &flags, argc, argv, rest, &nrest, &help);
	if (r < 0)
		goto out;
	if (help || nrest == 0) {
		struct cli_args none = { .npos = 0 };

		for (int i = 0; i < nrest && i < CLI_MAX_ARGS; i++)
			none.pos[none.npos++] = rest[i];
		r = cmd_help(cli, &none);
		if (nrest == 0 && !help)
			r = -EINVAL;
		goto out;
	}
	cmd = command_find(rest, nrest, &nwords);
	if (!cmd) {
		unknown_command(rest, nrest);
		r = -EINVAL;
		goto out;
	}
	if ((r = cli_args_parse(cmd, nrest - nwords, rest + nwords, &args)) < 0)
		goto out;
	if (!cmd->no_auth && (r = cli_auth_resolve(cli, &flags)) < 0)
		goto out;
	http_client_set_debug(cli->http, cli->debug);
	usage = false;
	r = cmd->run(cli, &args);
	fflush(stdout);
	if (r == -ENOMEM)
		fprintf(stderr, "basalt: out of memory\n");
out:
	cli_auth_free(&flags);
	free(rest);
	if (r < 0)
		return usage && r == -EINVAL ? 2 : 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	int status;

	if (http_client_global_init() < 0 || !(cli.http = http_client_new())) {
		fprintf(stderr, "basalt: cannot initialise libcurl\n");
		return 1;
	}
	status = run(&cli, argc, argv);
	cli_auth_free(&cli.auth);
	free(cli.token);
	json_decref(cli.token_body);
	http_client_free(cli.http);
	http_client_global_cleanup();
	return status;
}
