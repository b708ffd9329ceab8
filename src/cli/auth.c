/* auth.c - where and as whom the CLI authenticates (flags, OS_* environment,
 * clouds.yaml), the Keystone v3 login, and endpoint lookup in the catalog. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/client.h"

#define OFF(f) offsetof(struct cli_auth, f)

/* One setting: its global option, environment variable and clouds.yaml key
 * (in the cloud's "auth" mapping, or at the cloud's top level when top). */
static const struct auth_opt {
	const char *flag;
	const char *env;
	const char *yaml;
	bool top;
	size_t off;
	const char *help;
} auth_opts[] = {
	{ "os-cloud", "OS_CLOUD", NULL, false, OFF(cloud), "cloud name in clouds.yaml" },
	{ "os-auth-url", "OS_AUTH_URL", "auth_url", false, OFF(auth_url), "identity URL" },
	{ "os-token", "OS_TOKEN", "token", false, OFF(token), "authenticate with a token" },
	{ "os-username", "OS_USERNAME", "username", false, OFF(username), "user name" },
	{ "os-user-id", "OS_USER_ID", "user_id", false, OFF(user_id), "user id" },
	{ "os-password", "OS_PASSWORD", "password", false, OFF(password), "password" },
	{ "os-user-domain-name", "OS_USER_DOMAIN_NAME", "user_domain_name", false,
	  OFF(user_domain_name), "domain of the user" },
	{ "os-user-domain-id", "OS_USER_DOMAIN_ID", "user_domain_id", false, OFF(user_domain_id),
	  "domain id of the user" },
	{ "os-project-name", "OS_PROJECT_NAME", "project_name", false, OFF(project_name),
	  "project scope" },
	{ "os-project-id", "OS_PROJECT_ID", "project_id", false, OFF(project_id),
	  "project scope by id" },
	{ "os-project-domain-name", "OS_PROJECT_DOMAIN_NAME", "project_domain_name", false,
	  OFF(project_domain_name), "domain of the project" },
	{ "os-project-domain-id", "OS_PROJECT_DOMAIN_ID", "project_domain_id", false,
	  OFF(project_domain_id), "domain id of the project" },
	{ "os-domain-name", "OS_DOMAIN_NAME", "domain_name", false, OFF(domain_name),
	  "domain scope" },
	{ "os-domain-id", "OS_DOMAIN_ID", "domain_id", false, OFF(domain_id),
	  "domain scope by id" },
	{ "os-system-scope", "OS_SYSTEM_SCOPE", "system_scope", false, OFF(system_scope),
	  "system scope (all)" },
	{ "os-default-domain", "OS_DEFAULT_DOMAIN", "default_domain", true, OFF(default_domain),
	  "domain id when none is given (default)" },
	{ "os-region-name", "OS_REGION_NAME", "region_name", true, OFF(region_name),
	  "region of the endpoints" },
	{ "os-interface", "OS_INTERFACE", "interface", true, OFF(interface),
	  "endpoint interface: public, internal, admin (public)" },
	{ "os-cacert", "OS_CACERT", "cacert", true, OFF(cacert), "CA bundle for TLS" },
	{ "insecure", "OS_INSECURE", NULL, false, OFF(insecure), "do not verify TLS (true)" },
};

static char **field(struct cli_auth *a, const struct auth_opt *o)
{
	return (char **)((char *)a + o->off);
}

static const struct auth_opt *opt_find(const char *flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(auth_opts); i++)
		if (strcmp(auth_opts[i].flag, flag) == 0)
			return &auth_opts[i];
	return NULL;
}

bool cli_auth_is_flag(const char *name)
{
	return opt_find(name) != NULL;
}

/* Replace *slot with a copy of value. */
static int set_str(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

int cli_auth_set_flag(struct cli_auth *flags, const char *name, const char *value)
{
	const struct auth_opt *o = opt_find(name);

	if (!o)
		return -ENOENT;
	return set_str(field(flags, o), value);
}

void cli_auth_free(struct cli_auth *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(auth_opts); i++) {
		free(*field(a, &auth_opts[i]));
		*field(a, &auth_opts[i]) = NULL;
	}
}

void cli_auth_usage(void)
{
	printf("\nGlobal options (each also read from its environment variable):\n");
	for (size_t i = 0; i < ARRAY_SIZE(auth_opts); i++)
		printf("  --%-24s %-24s %s\n", auth_opts[i].flag, auth_opts[i].env,
		       auth_opts[i].help);
	printf("  %-26s %-24s %s\n", "-f, --format FORMAT", "", "table, json or value");
	printf("  %-26s %-24s %s\n", "-c, --column COLUMN", "", "show only this column (repeat)");
	printf("  %-26s %-24s %s\n", "--debug", "", "print each request's method, URL, status");
	printf("\nPrecedence: options, then OS_* variables, then the clouds.yaml entry named by\n"
	       "--os-cloud/OS_CLOUD (./clouds.yaml, ~/.config/openstack/clouds.yaml,\n"
	       "/etc/openstack/clouds.yaml; secrets may be in secure.yaml beside it).\n");
}

/* Fill a from the cloud's clouds.yaml entry. */
static int auth_from_cloud(struct cli_auth *a, const char *name)
{
	_cleanup_json_ json_t *cloud = NULL;
	int r;

	r = clouds_load(name, &cloud);
	if (r == -ENOENT) {
		fprintf(stderr, "basalt: cloud %s was not found in any clouds.yaml\n", name);
		return r;
	}
	if (r < 0) {
		if (r != -EINVAL)
			fprintf(stderr, "basalt: cannot read clouds.yaml: %s\n", strerror(-r));
		return r;
	}
	json_t *auth = json_object_get(cloud, "auth");
	for (size_t i = 0; i < ARRAY_SIZE(auth_opts); i++) {
		const struct auth_opt *o = &auth_opts[i];
		const char *v;

		if (!o->yaml)
			continue;
		v = json_string_value(json_object_get(o->top ? cloud : auth, o->yaml));
		if (v && (r = set_str(field(a, o), v)) < 0)
			return r;
	}
	const char *verify = json_string_value(json_object_get(cloud, "verify"));
	if (verify && parse_bool(verify) == 0 && (r = set_str(&a->insecure, "true")) < 0)
		return r;
	return 0;
}

int cli_auth_resolve(struct cli *cli, struct cli_auth *flags)
{
	struct cli_auth *a = &cli->auth;
	const char *cloud = flags->cloud ? flags->cloud : getenv("OS_CLOUD");
	int r;

	if (cloud && *cloud && (r = auth_from_cloud(a, cloud)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(auth_opts); i++) {
		const struct auth_opt *o = &auth_opts[i];
		const char *env = getenv(o->env);
		char **flag = field(flags, o);

		if (*flag) {
			free(*field(a, o));
			*field(a, o) = steal_ptr(*flag);
		} else if (env && *env && (r = set_str(field(a, o), env)) < 0) {
			return r;
		}
	}
	if (!a->interface && (r = set_str(&a->interface, "public")) < 0)
		return r;
	if (!a->default_domain && (r = set_str(&a->default_domain, "default")) < 0)
		return r;
	return http_client_set_tls(cli->http, !(a->insecure && parse_bool(a->insecure) == 1),
				   a->cacert);
}

/* {"id": id} or {"name": name}, or {"id": fallback_id} when both are NULL. */
static json_t *ref(const char *id, const char *name, const char *fallback_id)
{
	if (id)
		return json_pack("{s:s}", "id", id);
	if (name)
		return json_pack("{s:s}", "name", name);
	return json_pack("{s:s}", "id", fallback_id);
}

/* The scope object of the request, NULL for unscoped; *err on ENOMEM. */
static json_t *scope_build(const struct cli_auth *a, bool *err)
{
	json_t *s = NULL;

	*err = false;
	if (a->project_id)
		s = json_pack("{s:{s:s}}", "project", "id", a->project_id);
	else if (a->project_name)
		s = json_pack("{s:{s:s,s:o}}", "project", "name", a->project_name, "domain",
			      ref(a->project_domain_id, a->project_domain_name, a->default_domain));
	else if (a->domain_id || a->domain_name)
		s = json_pack("{s:o}", "domain", ref(a->domain_id, a->domain_name, NULL));
	else if (a->system_scope)
		s = json_pack("{s:{s:b}}", "system", "all", 1);
	else
		return NULL;
	*err = s == NULL;
	return s;
}

/* The Keystone v3 auth request body (owned), or NULL with a message printed. */
static json_t *auth_body(const struct cli_auth *a)
{
	json_t *identity, *scope, *body;
	bool err;

	if (a->token) {
		identity =
		    json_pack("{s:[s],s:{s:s}}", "methods", "token", "token", "id", a->token);
	} else {
		json_t *user;

		if (!a->username && !a->user_id) {
			fprintf(stderr, "basalt: missing value for username (set OS_USERNAME, "
					"--os-username or OS_CLOUD)\n");
			return NULL;
		}
		if (!a->password) {
			fprintf(stderr, "basalt: missing value for password (set OS_PASSWORD or "
					"--os-password)\n");
			return NULL;
		}
		if (a->user_id)
			user = json_pack("{s:s,s:s}", "id", a->user_id, "password", a->password);
		else
			user = json_pack(
			    "{s:s,s:o,s:s}", "name", a->username, "domain",
			    ref(a->user_domain_id, a->user_domain_name, a->default_domain),
			    "password", a->password);
		identity =
		    json_pack("{s:[s],s:{s:o}}", "methods", "password", "password", "user", user);
	}
	scope = scope_build(a, &err);
	if (!identity || err) {
		json_decref(identity);
		json_decref(scope);
		fprintf(stderr, "basalt: out of memory\n");
		return NULL;
	}
	body = scope ? json_pack("{s:{s:o,s:o}}", "auth", "identity", identity, "scope", scope)
		     : json_pack("{s:{s:o}}", "auth", "identity", identity);
	if (!body)
		fprintf(stderr, "basalt: out of memory\n");
	return body;
}

/* The versioned identity URL ("http://h:5000/v3") of base; owned or NULL. */
static char *identity_v3(const char *base)
{
	size_t n = strlen(base);
	char *out;

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n >= 3 && strncmp(base + n - 3, "/v3", 3) == 0)
		return strndup(base, n);
	if (asprintf(&out, "%.*s/v3", (int)n, base) < 0)
		return NULL;
	return out;
}

int cli_login(struct cli *cli)
{
	const struct cli_auth *a = &cli->auth;
	_cleanup_json_ json_t *body = NULL;
	_cleanup_free_ char *base = NULL, *url = NULL;
	struct http_result res;
	int r;

	if (cli->token)
		return 0;
	if (!a->auth_url) {
		fprintf(stderr, "basalt: missing value for auth_url (set OS_AUTH_URL, "
				"--os-auth-url or OS_CLOUD)\n");
		return -EINVAL;
	}
	if (!(body = auth_body(a)))
		return -EINVAL;
	if (!(base = identity_v3(a->auth_url)) || asprintf(&url, "%s/auth/tokens", base) < 0) {
		url = NULL;
		return -ENOMEM;
	}
	if (cli_token_cache_load(cli, url) == 0)
		return 0;
	struct http_call call = { .method = "POST", .url = url, .body = body };
	r = http_client_do(cli->http, &call, &res);
	if (r < 0) {
		fprintf(stderr, "basalt: cannot reach %s: %s\n", url, http_client_error(cli->http));
		return r;
	}
	if (res.status >= 300 || !res.subject_token ||
	    !json_is_object(json_object_get(res.reply, "token"))) {
		if (res.status < 300)
			fprintf(stderr, "basalt: authentication at %s returned no token\n", url);
		else
			cli_print_http_error(res.status, res.reply, res.text, res.request_id);
		r = res.status >= 300 ? cli_status_errno(res.status) : -EPROTO;
		http_result_free(&res);
		return r;
	}
	cli->token = steal_ptr(res.subject_token);
	cli->token_body = json_incref(json_object_get(res.reply, "token"));
	http_result_free(&res);
	cli_token_cache_save(cli);
	return 0;
}

/* Whether interface names match, "public" == "publicURL". */
static bool interface_match(const char *have, const char *want)
{
	size_t n = strlen(want);

	if (n > 3 && strcmp(want + n - 3, "URL") == 0)
		n -= 3;
	return have && strncmp(have, want, n) == 0 && (have[n] == '\0' || !strcmp(have + n, "URL"));
}

static bool region_match(const json_t *ep, const char *want)
{
	const char *r = json_string_value(json_object_get(ep, "region"));
	const char *rid = json_string_value(json_object_get(ep, "region_id"));

	return !want || (r && !strcmp(r, want)) || (rid && !strcmp(rid, want));
}

int cli_endpoint(struct cli *cli, const char *type, char **url)
{
	const struct cli_auth *a = &cli->auth;
	json_t *catalog = json_object_get(cli->token_body, "catalog");
	json_t *svc, *ep;
	size_t i, j;
	const char *found = NULL;

	*url = NULL;
	json_array_foreach(catalog, i, svc)
	{
		const char *t = json_string_value(json_object_get(svc, "type"));

		if (!t || strcmp(t, type) != 0)
			continue;
		json_array_foreach(json_object_get(svc, "endpoints"), j, ep)
		{
			const char *iface = json_string_value(json_object_get(ep, "interface"));

			if (interface_match(iface, a->interface) &&
			    region_match(ep, a->region_name)) {
				found = json_string_value(json_object_get(ep, "url"));
				break;
			}
		}
		if (found)
			break;
	}
	if (strcmp(type, "identity") == 0) {
		/* Unscoped tokens carry no catalog: the auth URL is identity. */
		*url = identity_v3(found ? found : a->auth_url);
		return *url ? 0 : -ENOMEM;
	}
	if (!found) {
		fprintf(stderr, "basalt: no %s endpoint for interface %s%s%s in the catalog\n",
			type, a->interface, a->region_name ? " in region " : "",
			a->region_name ? a->region_name : "");
		return -ENOENT;
	}
	size_t n = strlen(found);
	while (n > 0 && found[n - 1] == '/')
		n--;
	*url = strndup(found, n);
	return *url ? 0 : -ENOMEM;
}
