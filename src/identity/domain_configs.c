/* domain_configs.c - /v3/domains/{domain_id}/config[/{group}[/{option}]]
 * and /v3/domains/config/[{group}/[{option}/]]default: Keystone's
 * domain-specific configuration. The groups and options Keystone lets a
 * domain set (identity, ldap), their defaults (Keystone's), and the checks
 * of each request in Keystone's words; domain_config.c stores them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

/* Keystone's whitelisted options with its defaults (JSON), then the
 * sensitive ones (written, never shown; no default is read). */
static const struct known {
	const char *group, *option, *dflt;
} known[] = {
	{ "identity", "driver", "\"sql\"" },
	{ "identity", "list_limit", "null" },
	{ "ldap", "url", "\"ldap://localhost\"" },
	{ "ldap", "user", "null" },
	{ "ldap", "suffix", "\"cn=example,cn=com\"" },
	{ "ldap", "query_scope", "\"one\"" },
	{ "ldap", "page_size", "0" },
	{ "ldap", "alias_dereferencing", "\"default\"" },
	{ "ldap", "debug_level", "null" },
	{ "ldap", "chase_referrals", "null" },
	{ "ldap", "user_tree_dn", "null" },
	{ "ldap", "user_filter", "null" },
	{ "ldap", "user_objectclass", "\"inetOrgPerson\"" },
	{ "ldap", "user_id_attribute", "\"cn\"" },
	{ "ldap", "user_name_attribute", "\"sn\"" },
	{ "ldap", "user_mail_attribute", "\"mail\"" },
	{ "ldap", "user_description_attribute", "\"description\"" },
	{ "ldap", "user_pass_attribute", "\"userPassword\"" },
	{ "ldap", "user_enabled_attribute", "\"enabled\"" },
	{ "ldap", "user_enabled_invert", "false" },
	{ "ldap", "user_enabled_mask", "0" },
	{ "ldap", "user_enabled_default", "\"True\"" },
	{ "ldap", "user_attribute_ignore", "[\"default_project_id\"]" },
	{ "ldap", "user_default_project_id_attribute", "null" },
	{ "ldap", "user_enabled_emulation", "false" },
	{ "ldap", "user_enabled_emulation_dn", "null" },
	{ "ldap", "user_enabled_emulation_use_group_config", "false" },
	{ "ldap", "user_additional_attribute_mapping", "[]" },
	{ "ldap", "group_tree_dn", "null" },
	{ "ldap", "group_filter", "null" },
	{ "ldap", "group_objectclass", "\"groupOfNames\"" },
	{ "ldap", "group_id_attribute", "\"cn\"" },
	{ "ldap", "group_name_attribute", "\"ou\"" },
	{ "ldap", "group_members_are_ids", "false" },
	{ "ldap", "group_member_attribute", "\"member\"" },
	{ "ldap", "group_desc_attribute", "\"description\"" },
	{ "ldap", "group_attribute_ignore", "[]" },
	{ "ldap", "group_additional_attribute_mapping", "[]" },
	{ "ldap", "tls_cacertfile", "null" },
	{ "ldap", "tls_cacertdir", "null" },
	{ "ldap", "use_tls", "false" },
	{ "ldap", "tls_req_cert", "\"demand\"" },
	{ "ldap", "use_pool", "true" },
	{ "ldap", "pool_size", "10" },
	{ "ldap", "pool_retry_max", "3" },
	{ "ldap", "pool_retry_delay", "0.1" },
	{ "ldap", "pool_connection_timeout", "-1" },
	{ "ldap", "pool_connection_lifetime", "600" },
	{ "ldap", "use_auth_pool", "true" },
	{ "ldap", "auth_pool_size", "100" },
	{ "ldap", "auth_pool_connection_lifetime", "60" },
	{ "ldap", "password", NULL }, /* sensitive */
};

static const struct known *find(const char *group, const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strcmp(known[i].group, group) == 0 &&
		    (!option || strcmp(known[i].option, option) == 0))
			return &known[i];
	return NULL;
}

/* Keystone's InvalidDomainConfig (a 403). */
static int invalid(struct http_response *res, const char *reason)
{
	return http_error(res, 403, "Invalid domain specific configuration: %s.", reason);
}

/* Keystone's _assert_valid_group_and_option. */
static int group_option_ok(struct http_response *res, const char *group, const char *option)
{
	char why[600];

	if (!group)
		return 0;
	if (!find(group, NULL)) {
		snprintf(why, sizeof(why),
			 "Group %s is not supported for domain specific configurations", group);
		return invalid(res, why);
	}
	if (option && !find(group, option)) {
		snprintf(
		    why, sizeof(why),
		    "Option %s in group %s is not supported for domain specific configurations",
		    option, group);
		return invalid(res, why);
	}
	return 0;
}

/* Keystone's DomainConfigNotFound (404) for what a request named. */
static int not_found(struct http_response *res, const char *domain_id, const char *group,
		     const char *option)
{
	if (option)
		return http_error(
		    res, 404,
		    "Could not find option %s in group %s in domain configuration for domain %s.",
		    option, group, domain_id);
	if (group)
		return http_error(res, 404,
				  "Could not find group %s in domain configuration for domain %s.",
				  group, domain_id);
	return http_error(res, 404,
			  "Could not find any options in domain configuration for domain %s.",
			  domain_id);
}

/* A config {group: {option: value}} as options, checked as Keystone's
 * _assert_valid_config does; *opts is malloc'd (values' JSON text too:
 * free with opts_free). */
static void opts_free(struct config_opt *opts, int n)
{
	for (int i = 0; i < n; i++)
		free((char *)opts[i].value);
	free(opts);
}

static int config_opts(struct http_response *res, const json_t *cfg, struct config_opt **out,
		       int *nout)
{
	const char *group, *option;
	json_t *g, *v;
	struct config_opt *opts;
	char why[600];
	int n = 0;

	*out = NULL;
	*nout = 0;
	if (!json_is_object(cfg) || json_object_size(cfg) == 0)
		return invalid(res, "No options specified");
	json_object_foreach((json_t *)cfg, group, g)
	{
		if (!json_is_object(g) || json_object_size(g) == 0) {
			snprintf(
			    why, sizeof(why),
			    "The value of group %s specified in the config should be a dictionary of options",
			    group);
			return invalid(res, why);
		}
		json_object_foreach(g, option,
				    v) if (group_option_ok(res, group, option) < 0) return -1;
		n += (int)json_object_size(g);
	}
	opts = calloc((size_t)n, sizeof(*opts));
	if (!opts)
		return http_error_errno(res, -ENOMEM, "config");
	n = 0;
	json_object_foreach((json_t *)cfg, group, g) json_object_foreach(g, option, v)
	{
		opts[n] = (struct config_opt){ group, option,
					       json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT),
					       find(group, option)->dflt == NULL };
		if (!opts[n++].value) {
			opts_free(opts, n);
			return http_error_errno(res, -ENOMEM, "config");
		}
	}
	*out = opts;
	*nout = n;
	return 0;
}

/* Rendering: {group: {option: value}}, or {option: value} for one option. */
struct shown {
	json_t *config;
	const char *option; /* the one option asked for, or NULL */
};

static int show(void *ctx, const char *group, const char *option, const char *value)
{
	struct shown *s = ctx;
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL), *g;

	if (!v)
		return -EIO;
	if (s->option)
		return json_object_set_new(s->config, option, v) == 0 ? 0 : -ENOMEM;
	g = json_object_get(s->config, group);
	if (!g) {
		g = json_object();
		json_object_set_new(s->config, group, g);
	}
	return json_object_set_new(g, option, v) == 0 ? 0 : -ENOMEM;
}

/* Reply status {"config": ...} with what domain_id shows in group/option
 * (404 when nothing). */
static int reply_config(struct http_request *req, struct http_response *res, int status,
			struct store *st, const char *domain_id, const char *group,
			const char *option)
{
	struct shown s = { json_object(), option };
	int r = domain_config_list(st, &req->caller, domain_id, group, option, show, &s);

	if (r >= 0 && json_object_size(s.config) == 0)
		r = -ENODATA;
	if (r < 0) {
		json_decref(s.config);
		if (r == -ENODATA)
			return not_found(res, domain_id, group, option);
		return reply_error(req, res, r, "domain", domain_id);
	}
	return http_reply(res, status, json_pack("{s:o}", "config", s.config));
}

int h_domain_config_get(struct http_request *req, struct http_response *res)
{
	const char *group = http_param(req, "group"), *option = http_param(req, "option");
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (group_option_ok(res, group, option) < 0)
		return -1;
	return reply_config(req, res, 200, st, http_param(req, "domain_id"), group, option);
}

/* The "config" object of the request body (borrowed from *body). */
static json_t *config_body(struct http_request *req, struct http_response *res, json_t **body)
{
	json_t *cfg;

	*body = http_body_json(req, res);
	if (!*body)
		return NULL;
	cfg = json_object_get(*body, "config");
	if (!json_is_object(cfg)) {
		http_error(res, 400,
			   "Invalid input for field 'config': 'config' is a required property.");
		return NULL;
	}
	return cfg;
}

int h_domain_config_put(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	_cleanup_json_ json_t *body = NULL;
	json_t *cfg = config_body(req, res, &body);
	struct config_opt *opts;
	struct store *st;
	int n, r, had;

	if (!cfg || config_opts(res, cfg, &opts, &n) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st) {
		opts_free(opts, n);
		return -1;
	}
	had = domain_config_count(st, id, NULL, NULL);
	r = had < 0 ? had
		    : domain_config_set(st, &req->caller, id, "identity:create_domain_config", true,
					opts, n);
	opts_free(opts, n);
	if (r < 0)
		r = reply_error(req, res, r, "domain", id);
	if (write_end(req, res, st, r, "domain config") < 0)
		return -1;
	return reply_config(req, res, had > 0 ? 200 : 201, st, id, NULL, NULL);
}

/* Keystone's _assert_valid_update for a PATCH naming group (and option):
 * the config holds that group (option) alone. */
static int update_ok(struct http_response *res, const json_t *cfg, const char *group,
		     const char *option)
{
	const json_t *g = json_object_get(cfg, group);
	char why[800];

	if (!group)
		return 0;
	if (json_object_size(cfg) != 1 || (option && json_object_size(g) != 1)) {
		if (option)
			snprintf(
			    why, sizeof(why),
			    "Trying to update option %s in group %s, so that, and only that, option must be specified  in the config",
			    option, group);
		else
			snprintf(
			    why, sizeof(why),
			    "Trying to update group %s, so that, and only that, group must be specified in the config",
			    group);
		return invalid(res, why);
	}
	if (!g) {
		snprintf(
		    why, sizeof(why),
		    "request to update group %s, but config provided contains group %s instead",
		    group, json_object_iter_key(json_object_iter((json_t *)cfg)));
		return invalid(res, why);
	}
	if (option && !json_object_get(g, option)) {
		snprintf(
		    why, sizeof(why),
		    "Trying to update option %s in group %s, but config provided contains option %s instead",
		    option, group, json_object_iter_key(json_object_iter((json_t *)g)));
		return invalid(res, why);
	}
	return 0;
}

int h_domain_config_patch(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	const char *group = http_param(req, "group"), *option = http_param(req, "option");
	_cleanup_json_ json_t *body = NULL, *wrapped = NULL;
	json_t *cfg = config_body(req, res, &body);
	struct config_opt *opts;
	struct store *st;
	int n, r;

	if (!cfg)
		return -1;
	if (group && option) /* the body is {option: value} */
		cfg = wrapped = json_pack("{s:O}", group, cfg);
	if (config_opts(res, cfg, &opts, &n) < 0)
		return -1;
	if (group_option_ok(res, group, option) < 0 || update_ok(res, cfg, group, option) < 0) {
		opts_free(opts, n);
		return -1;
	}
	st = api_write_begin(req, res);
	if (!st) {
		opts_free(opts, n);
		return -1;
	}
	r = domain_exists(st, id);
	if (r == 0)
		r = -ENOENT;
	/* An update of a group or option changes one that is there. */
	if (r > 0 && group) {
		r = domain_config_count(st, id, group, option);
		if (r == 0)
			r = not_found(res, id, group, option);
	}
	if (r >= 0)
		r = domain_config_set(st, &req->caller, id, "identity:update_domain_config", false,
				      opts, n);
	opts_free(opts, n);
	if (r < 0 && res->status < 400) /* not_found may have answered */
		r = reply_error(req, res, r, "domain", id);
	if (write_end(req, res, st, r, "domain config") < 0)
		return -1;
	return reply_config(req, res, 200, st, id, NULL, NULL);
}

int h_domain_config_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	const char *group = http_param(req, "group"), *option = http_param(req, "option");
	struct store *st;
	int r;

	if (group_option_ok(res, group, option) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = domain_config_delete(st, &req->caller, id, group, option);
	if (r == -ENODATA && !group)
		r = 0; /* deleting all of nothing is no error */
	if (r == -ENODATA)
		r = not_found(res, id, group, option);
	else if (r < 0)
		r = reply_error(req, res, r, "domain", id);
	if (write_end(req, res, st, r, "domain config") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_domain_config_default(struct http_request *req, struct http_response *res)
{
	const char *group = http_param(req, "group"), *option = http_param(req, "option");
	const struct known *k;
	json_t *cfg = json_object(), *g;
	char why[600];

	if (group_option_ok(res, group, option) < 0) {
		json_decref(cfg);
		return -1;
	}
	if (option) {
		k = find(group, option);
		if (!k->dflt) {
			json_decref(cfg);
			snprintf(why, sizeof(why),
				 "Reading the default for option %s in group %s is not supported",
				 option, group);
			return invalid(res, why);
		}
		json_object_set_new(cfg, option, json_loads(k->dflt, JSON_DECODE_ANY, NULL));
		return http_reply(res, 200, json_pack("{s:o}", "config", cfg));
	}
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		k = &known[i];
		if (!k->dflt || (group && strcmp(group, k->group) != 0))
			continue;
		g = json_object_get(cfg, k->group);
		if (!g) {
			g = json_object();
			json_object_set_new(cfg, k->group, g);
		}
		json_object_set_new(g, k->option, json_loads(k->dflt, JSON_DECODE_ANY, NULL));
	}
	return http_reply(res, 200, json_pack("{s:o}", "config", cfg));
}
