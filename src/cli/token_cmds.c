/* token_cmds.c - basalt token issue|revoke and catalog list|show. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "http/client.h"

/* "2026-01-02T03:04:05.000000Z" as openstack shows it: "2026-01-02T03:04:05+0000".
 * Other shapes are kept as they are. Owned JSON string, NULL on ENOMEM. */
static json_t *expires_text(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	char buf[32];

	if (!s)
		return json_null();
	if (n < 20 || n > 27 || s[n - 1] != 'Z' || s[10] != 'T' || (n > 20 && s[19] != '.'))
		return json_string(s);
	snprintf(buf, sizeof(buf), "%.19s+0000", s);
	return json_string(buf);
}

int cmd_token_issue(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *out = NULL;
	json_t *t;
	int r;

	if ((r = cli_login(cli)) < 0)
		return r;
	t = cli->token_body;
	out = json_pack("{s:o?,s:s,s:O?}", "expires",
			expires_text(json_object_get(t, "expires_at")), "id", cli->token, "user_id",
			json_object_get(json_object_get(t, "user"), "id"));
	if (!out)
		return -ENOMEM;
	if (json_object_get(t, "project") &&
	    json_object_set(out, "project_id",
			    json_object_get(json_object_get(t, "project"), "id")) < 0)
		return -ENOMEM;
	if (json_object_get(t, "domain") &&
	    json_object_set(out, "domain_id", json_object_get(json_object_get(t, "domain"), "id")) <
		0)
		return -ENOMEM;
	return cli_print_object(cli, out);
}

int cmd_token_revoke(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *base = NULL, *url = NULL;
	struct http_result res;
	int r;

	if ((r = cli_login(cli)) < 0 || (r = cli_endpoint(cli, "identity", &base)) < 0)
		return r;
	if (asprintf(&url, "%s/auth/tokens", base) < 0) {
		url = NULL;
		return -ENOMEM;
	}
	struct http_call call = {
		.method = "DELETE", .url = url, .token = cli->token, .subject_token = a->pos[0]
	};
	if ((r = http_client_do(cli->http, &call, &res)) < 0) {
		fprintf(stderr, "basalt: DELETE %s failed: %s\n", url,
			http_client_error(cli->http));
		return r;
	}
	if (res.status >= 400) {
		cli_print_http_error(res.status, res.reply, res.text, res.request_id);
		r = cli_status_errno(res.status);
	}
	http_result_free(&res);
	return r;
}

/* "RegionOne\n  public: URL\n..." for a catalog entry's endpoints; owned. */
static char *endpoints_text(const json_t *eps)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);
	json_t *ep;

	if (!f)
		return NULL;
	json_array_foreach(eps, i, ep)
	{
		const char *region = json_string_value(json_object_get(ep, "region"));
		const char *iface = json_string_value(json_object_get(ep, "interface"));
		const char *url = json_string_value(json_object_get(ep, "url"));

		fprintf(f, "%s%s\n  %s: %s", i ? "\n" : "", region ? region : "",
			iface ? iface : "", url ? url : "");
	}
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static const struct cli_column catalog_columns[] = {
	{ "Name", "name", NULL },
	{ "Type", "type", NULL },
	{ "Endpoints", "endpoints", endpoints_text },
};

int cmd_catalog_list(struct cli *cli, const struct cli_args *a)
{
	int r;

	if ((r = cli_login(cli)) < 0)
		return r;
	json_t *catalog = json_object_get(cli->token_body, "catalog");
	_cleanup_json_ json_t *empty = catalog ? NULL : json_array();
	return cli_print_list(cli, catalog_columns, 3, catalog ? catalog : empty);
}

int cmd_catalog_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *out = NULL;
	json_t *svc = NULL, *s;
	size_t i;
	int r;

	if ((r = cli_login(cli)) < 0)
		return r;
	json_array_foreach(json_object_get(cli->token_body, "catalog"), i, s)
	{
		const char *type = json_string_value(json_object_get(s, "type"));
		const char *name = json_string_value(json_object_get(s, "name"));

		if ((type && !strcmp(type, a->pos[0])) || (name && !strcmp(name, a->pos[0]))) {
			svc = s;
			break;
		}
	}
	if (!svc) {
		fprintf(stderr, "basalt: service %s not found in the catalog\n", a->pos[0]);
		return -ENOENT;
	}
	if (!(out = json_deep_copy(svc)))
		return -ENOMEM;
	if (cli->format != CLI_FMT_JSON) {
		char *text = endpoints_text(json_object_get(svc, "endpoints"));

		if (!text || json_object_set_new(out, "endpoints", json_string(text)) < 0) {
			free(text);
			return -ENOMEM;
		}
		free(text);
	}
	return cli_print_object(cli, out);
}
