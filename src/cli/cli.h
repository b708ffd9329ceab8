/* cli.h - the basalt command-line client: its context, the command table,
 * and the helpers every command file shares, grouped by defining file. */
#ifndef BASALT_CLI_H
#define BASALT_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct http_client;

#define CLI_MAX_ARGS	64
#define CLI_MAX_COLUMNS 16

/* Where to authenticate and as whom. Every string is owned (NULL: unset). */
struct cli_auth {
	char *cloud; /* clouds.yaml entry (OS_CLOUD / --os-cloud) */
	char *auth_url;
	char *token; /* an existing token (OS_TOKEN) instead of a password */
	char *username;
	char *user_id;
	char *password;
	char *user_domain_name;
	char *user_domain_id;
	char *project_name;
	char *project_id;
	char *project_domain_name;
	char *project_domain_id;
	char *domain_name; /* domain scope */
	char *domain_id;
	char *system_scope;   /* "all" for system scope */
	char *default_domain; /* user/project domain id when neither is given */
	char *region_name;
	char *interface; /* public (default), internal, admin */
	char *cacert;
	char *insecure; /* "true" disables TLS verification */
};

enum cli_format { CLI_FMT_TABLE, CLI_FMT_JSON, CLI_FMT_VALUE };

/* The whole client state, passed to every command; nothing global. */
struct cli {
	struct cli_auth auth;	  /* resolved: clouds.yaml < environment < flags */
	struct http_client *http; /* owned */
	bool debug;
	enum cli_format format;
	const char *columns[CLI_MAX_COLUMNS]; /* -c filters, borrowed from argv */
	int ncolumns;
	/* After cli_login(): */
	char *token;	    /* owned: the X-Subject-Token */
	json_t *token_body; /* owned: the "token" object (user, project, catalog...) */
};

/* A command's arguments once the global options and command words are gone. */
struct cli_args {
	const char *pos[CLI_MAX_ARGS]; /* positionals, borrowed from argv */
	int npos;
	struct {
		const char *name;  /* without the leading "--" */
		const char *value; /* "" for a flag without a value */
	} opt[CLI_MAX_ARGS];
	int nopt;
};

/* One row of the command table: basalt help is generated from it. */
struct command {
	const char *words;    /* "project create" */
	const char *usage;    /* what follows the words: "NAME [--description D]" */
	const char *options;  /* accepted options, space-separated; "name=" takes a value */
	int min_pos, max_pos; /* how many positionals */
	bool no_auth;	      /* runs without logging in */
	int (*run)(struct cli *cli, const struct cli_args *a); /* 0 or -errno, message printed */
	const char *help;
};

/* One column of a list: heading, the member it shows, an optional formatter
 * for table/value output (returns an owned string or NULL on ENOMEM). */
struct cli_column {
	const char *heading;
	const char *key;
	char *(*format)(const json_t *value);
};

/* A REST collection that names or ids can find ("projects" of identity). */
struct cli_resource {
	const char *service;  /* catalog type: "identity" */
	const char *path;     /* collection path below the endpoint: "projects" */
	const char *singular; /* body key of one: "project" */
	const char *plural;   /* body key of many: "projects" */
};

/* commands.c */
extern const struct command cli_commands[];
extern const size_t cli_ncommands;

/* args.c */
/* Value of option name, "" for a flag, NULL when absent (last one wins). */
const char *cli_opt(const struct cli_args *a, const char *name);
bool cli_flag(const struct cli_args *a, const char *name);
/* Split argv (after the command words) per cmd->options. Prints a usage
 * error and returns -EINVAL on unknown options or a wrong positional count. */
int cli_args_parse(const struct command *cmd, int argc, char **argv, struct cli_args *a);

/* auth.c */
/* Whether --NAME is a global authentication option (and so takes a value). */
bool cli_auth_is_flag(const char *name);
/* Store the value of global option --NAME into flags (copied). 0 or -ENOMEM. */
int cli_auth_set_flag(struct cli_auth *flags, const char *name, const char *value);
/* Resolve cli->auth from clouds.yaml, then the OS_* environment, then flags
 * (flags is consumed: its strings move into cli->auth). Prints and returns
 * -errno when the named cloud cannot be read. */
int cli_auth_resolve(struct cli *cli, struct cli_auth *flags);
void cli_auth_free(struct cli_auth *a);
/* POST {auth_url}/auth/tokens and keep the token and catalog in cli. Does
 * nothing when already logged in. Prints the reason and returns -errno. */
int cli_login(struct cli *cli);
/* The catalog URL of a service type for the configured interface and
 * region; owned, without trailing '/'. -ENOENT (printed) when absent. */
int cli_endpoint(struct cli *cli, const char *type, char **url);
/* Help text for the environment and global options. */
void cli_auth_usage(void);

/* token_cache.c */
/* Use the cached token of these credentials when the identity service at
 * tokens_url (.../v3/auth/tokens) still accepts it: 0 with cli->token and
 * token_body set, or -ENOENT (nothing usable; a stale entry is removed). */
int cli_token_cache_load(struct cli *cli, const char *tokens_url);
/* Keep cli's token for the next command (best effort). */
void cli_token_cache_save(const struct cli *cli);

/* clouds.c */
/* Find cloud name in clouds.yaml (OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/,
 * /etc/openstack/), merged with the matching secure.yaml, into *cloud (owned
 * object: "auth", "region_name"...). -ENOENT when no file defines it. */
int clouds_load(const char *name, json_t **cloud);
/* Parse a YAML document into JSON (mappings, sequences, strings).
 * Returns 0 and an owned value, -ENOENT, or -EINVAL with a message in err. */
int yaml_file_to_json(const char *path, json_t **out, char *err, size_t errlen);

/* api.c */
/* Perform METHOD {endpoint of service}/{path}. Transport errors are printed
 * and returned as -errno; HTTP >= 400 prints the server's message and returns
 * cli_status_errno(status). *reply (when non-NULL) gets the owned body. */
int cli_request(struct cli *cli, const char *service, const char *method, const char *path,
		const json_t *body, json_t **reply);
/* Like cli_request() but returns every HTTP status in *status without
 * printing; reply owned by the caller. Transport errors printed. */
int cli_request_status(struct cli *cli, const char *service, const char *method, const char *path,
		       const json_t *body, long *status, json_t **reply);
int cli_status_errno(long status);
/* Print "basalt: MESSAGE (HTTP n)" from an error body of any OpenStack service. */
void cli_print_http_error(long status, const json_t *reply, const char *text,
			  const char *request_id);
/* Find one member of r by id, then by exact name (filtered by extra, a
 * "k=v&..." query, or NULL). *obj gets the owned object. Prints and returns
 * -ENOENT when none, -EEXIST when the name is ambiguous. */
int cli_find(struct cli *cli, const struct cli_resource *r, const char *name_or_id,
	     const char *extra, json_t **obj);
/* Same, writing just the id (owned) into *id. */
int cli_find_id(struct cli *cli, const struct cli_resource *r, const char *name_or_id,
		const char *extra, char **id);
/* METHOD {r->path}/{id} of r's service, like cli_request(). */
int cli_item_request(struct cli *cli, const struct cli_resource *r, const char *method,
		     const char *id, const json_t *body, json_t **reply);
/* Find and DELETE each of names[0..n) (extra as in cli_find()); keeps going
 * after a failure, then says how many failed. 0 or -EIO. */
int cli_delete_each(struct cli *cli, const struct cli_resource *r, const char *const *names, int n,
		    const char *extra);
/* Create {singular: obj} in r; with or_show a conflict shows the existing
 * one found by name (extra as in cli_find()). Prints the result. */
int cli_create(struct cli *cli, const struct cli_resource *r, const json_t *obj, bool or_show,
	       const char *extra);
/* URL-escape s; owned or NULL on ENOMEM. */
char *cli_escape(struct cli *cli, const char *s);

/* body.c */
/* obj[key] = the string value of option opt, when given. 0 or -ENOMEM. */
int cli_body_opt(json_t *obj, const struct cli_args *a, const char *opt, const char *key);
/* obj["enabled"] from --enable/--disable, when given. 0, -EINVAL or -ENOMEM. */
int cli_body_enabled(json_t *obj, const struct cli_args *a);
/* obj[key] = the id of the r named by option opt, when given. 0 or -errno (printed). */
int cli_body_find(struct cli *cli, json_t *obj, const struct cli_args *a, const char *opt,
		  const struct cli_resource *r, const char *extra, const char *key);

/* output.c */
/* Print rows (a JSON array of objects) with cols in the chosen format. */
int cli_print_list(const struct cli *cli, const struct cli_column *cols, size_t ncols,
		   const json_t *rows);
/* Print one object as a Field|Value table (keys sorted, "links" dropped). */
int cli_print_object(const struct cli *cli, const json_t *obj);
/* Table text of one JSON value: strings verbatim, True/False, None, numbers,
 * compact JSON for the rest. Owned, NULL on ENOMEM. */
char *cli_value_text(const json_t *v);
/* Parse "table", "json", "value"; -EINVAL otherwise. */
int cli_format_parse(const char *s, enum cli_format *out);

/* help.c */
int cmd_help(struct cli *cli, const struct cli_args *a);
/* Print the commands whose words start with prefix (NULL: all); returns
 * how many. */
int cli_help_commands(const char *prefix);

/* token_cmds.c */
int cmd_token_issue(struct cli *cli, const struct cli_args *a);
int cmd_token_revoke(struct cli *cli, const struct cli_args *a);
int cmd_catalog_list(struct cli *cli, const struct cli_args *a);
int cmd_catalog_show(struct cli *cli, const struct cli_args *a);

/* project_cmds.c */
int cmd_project_list(struct cli *cli, const struct cli_args *a);
int cmd_project_create(struct cli *cli, const struct cli_args *a);
int cmd_project_show(struct cli *cli, const struct cli_args *a);
int cmd_project_set(struct cli *cli, const struct cli_args *a);
int cmd_project_delete(struct cli *cli, const struct cli_args *a);
/* Resolve --domain NAME_OR_ID into an owned "domain_id=ID" query, or NULL
 * into *query when d is NULL. 0 or -errno (printed). */
int cli_domain_query(struct cli *cli, const char *d, char **query);

/* user_cmds.c */
int cmd_user_list(struct cli *cli, const struct cli_args *a);
int cmd_user_create(struct cli *cli, const struct cli_args *a);
int cmd_user_show(struct cli *cli, const struct cli_args *a);
int cmd_user_set(struct cli *cli, const struct cli_args *a);
int cmd_user_delete(struct cli *cli, const struct cli_args *a);

/* role_cmds.c */
int cmd_role_list(struct cli *cli, const struct cli_args *a);
int cmd_role_create(struct cli *cli, const struct cli_args *a);
int cmd_role_show(struct cli *cli, const struct cli_args *a);
int cmd_role_delete(struct cli *cli, const struct cli_args *a);
int cmd_role_add(struct cli *cli, const struct cli_args *a);
int cmd_role_remove(struct cli *cli, const struct cli_args *a);
int cmd_role_assignment_list(struct cli *cli, const struct cli_args *a);

/* domain_cmds.c */
int cmd_domain_list(struct cli *cli, const struct cli_args *a);
int cmd_domain_show(struct cli *cli, const struct cli_args *a);

/* Identity resources shared by the identity command files. */
extern const struct cli_resource cli_res_domain, cli_res_project, cli_res_user, cli_res_role;

/* compute_cmds.c */
/* Like cli_request_status()/cli_request() for the compute service, sending
 * OpenStack-API-Version: compute 2.60. A plain-text error body becomes
 * {"message": text} in *reply. */
int cli_compute_request_status(struct cli *cli, const char *method, const char *path,
			       const json_t *body, long *status, json_t **reply);
int cli_compute_request(struct cli *cli, const char *method, const char *path, const json_t *body,
			json_t **reply);
/* Find one compute r by id (GET r->path/ID), then by exact name_key among
 * GET r->path/detail?name_key=NAME&extra. *obj gets the owned object.
 * Prints and returns -ENOENT when none, -EEXIST when ambiguous. */
int cli_compute_find(struct cli *cli, const struct cli_resource *r, const char *name_key,
		     const char *name_or_id, const char *extra, json_t **obj);
/* The id (owned) of the r named name_or_id; when none exists, a copy of
 * name_or_id itself, so that the server says what is wrong with it. */
int cli_compute_ref(struct cli *cli, const struct cli_resource *r, const char *name_or_id,
		    const char *extra, char **id);
/* obj[k] = v for each --opt k=v. -EINVAL (printed) or -ENOMEM. */
int cli_properties_parse(json_t *obj, const struct cli_args *a, const char *opt);
/* "k1='v1', k2='v2'" of an object (sorted keys), cli_value_text() of
 * anything else. Owned, NULL on ENOMEM. */
char *cli_dict_text(const json_t *v);
/* Read file path (at most max bytes) into *data (owned, NUL-terminated).
 * -errno, printed. */
int cli_file_read(const char *path, size_t max, char **data, size_t *len);
int cmd_hypervisor_list(struct cli *cli, const struct cli_args *a);
int cmd_hypervisor_show(struct cli *cli, const struct cli_args *a);
int cmd_compute_service_list(struct cli *cli, const struct cli_args *a);
/* Compute resources shared by the compute command files. */
extern const struct cli_resource cli_res_flavor, cli_res_server;

/* flavor_cmds.c */
int cmd_flavor_list(struct cli *cli, const struct cli_args *a);
int cmd_flavor_show(struct cli *cli, const struct cli_args *a);
int cmd_flavor_create(struct cli *cli, const struct cli_args *a);
int cmd_flavor_delete(struct cli *cli, const struct cli_args *a);
int cmd_flavor_set(struct cli *cli, const struct cli_args *a);

/* keypair_cmds.c */
int cmd_keypair_list(struct cli *cli, const struct cli_args *a);
int cmd_keypair_show(struct cli *cli, const struct cli_args *a);
int cmd_keypair_create(struct cli *cli, const struct cli_args *a);
int cmd_keypair_delete(struct cli *cli, const struct cli_args *a);

/* server_cmds.c */
int cmd_server_list(struct cli *cli, const struct cli_args *a);
int cmd_server_show(struct cli *cli, const struct cli_args *a);
int cmd_server_create(struct cli *cli, const struct cli_args *a);
int cmd_server_delete(struct cli *cli, const struct cli_args *a);
int cmd_server_stop(struct cli *cli, const struct cli_args *a);
int cmd_server_start(struct cli *cli, const struct cli_args *a);
int cmd_server_reboot(struct cli *cli, const struct cli_args *a);
int cmd_console_log_show(struct cli *cli, const struct cli_args *a);

#endif
