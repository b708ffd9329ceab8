/* flavor_cmds.c - basalt flavor list|show|create|delete|set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_column flavor_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "RAM", "ram", NULL },
	{ "Disk", "disk", NULL },
	{ "Ephemeral", "OS-FLV-EXT-DATA:ephemeral", NULL },
	{ "VCPUs", "vcpus", NULL },
	{ "Is Public", "os-flavor-access:is_public", NULL },
	/* --long */
	{ "Swap", "swap", NULL },
	{ "RXTX Factor", "rxtx_factor", NULL },
	{ "Description", "description", NULL },
};

int cmd_flavor_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	int r;

	/* Private flavors are listed for admins with is_public=None. */
	if ((r = cli_compute_request(cli, "GET",
				     cli_flag(a, "all") ? "flavors/detail?is_public=None"
							: "flavors/detail",
				     NULL, &reply)) < 0)
		return r;
	return cli_print_list(cli, flavor_columns,
			      cli_flag(a, "long") ? ARRAY_SIZE(flavor_columns) : 7,
			      json_object_get(reply, "flavors"));
}

/* The flavor named (name or id) by s; private ones too, for admins. */
static int flavor_find(struct cli *cli, const char *s, json_t **obj)
{
	return cli_compute_find(cli, &cli_res_flavor, "name", s, "is_public=None", obj);
}

/* Print flavor f (borrowed) as openstack does: extra specs as "properties". */
static int flavor_print(struct cli *cli, json_t *f)
{
	_cleanup_free_ char *esc = NULL, *path = NULL, *text = NULL;
	_cleanup_json_ json_t *specs = NULL, *out = json_deep_copy(f);
	const char *id = json_string_value(json_object_get(f, "id"));
	json_t *props;
	int r;

	if (!out || !id)
		return out ? -EPROTO : -ENOMEM;
	if (!(esc = cli_escape(cli, id)) || asprintf(&path, "flavors/%s/os-extra_specs", esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_compute_request(cli, "GET", path, NULL, &specs)) < 0)
		return r;
	props = json_object_get(specs, "extra_specs");
	if (!props)
		props = json_object();
	else
		json_incref(props);
	if (cli->format != CLI_FMT_JSON) {
		text = cli_dict_text(props);
		json_decref(props);
		if (!text)
			return -ENOMEM;
		props = json_string(text);
	}
	if (json_object_set_new(out, "properties", props) < 0 ||
	    json_object_set_new(out, "access_project_ids", json_null()) < 0)
		return -ENOMEM;
	return cli_print_object(cli, out);
}

int cmd_flavor_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = NULL;
	int r;

	if ((r = flavor_find(cli, a->pos[0], &f)) < 0)
		return r;
	return flavor_print(cli, f);
}

/* A non-negative integer option into f[key]; absent is 0 unless required. */
static int int_opt(json_t *f, const struct cli_args *a, const char *opt, const char *key,
		   bool required)
{
	const char *v = cli_opt(a, opt);
	char *end;
	long long n;

	if (!v) {
		if (required) {
			fprintf(stderr, "basalt flavor create: --%s is required\n", opt);
			return -EINVAL;
		}
		return 0;
	}
	n = strtoll(v, &end, 10);
	if (!*v || *end || n < 0) {
		fprintf(stderr, "basalt: --%s needs a non-negative integer, not '%s'\n", opt, v);
		return -EINVAL;
	}
	return json_object_set_new(f, key, json_integer(n)) < 0 ? -ENOMEM : 0;
}

/* POST the --property pairs as extra specs of flavor id (none: nothing). */
static int specs_set(struct cli *cli, const char *id, const struct cli_args *a)
{
	_cleanup_json_ json_t *specs = json_object(), *body = NULL;
	_cleanup_free_ char *esc = NULL, *path = NULL;
	int r;

	if (!specs)
		return -ENOMEM;
	if ((r = cli_properties_parse(specs, a, "property")) < 0)
		return r;
	if (json_object_size(specs) == 0)
		return 0;
	if (!(body = json_pack("{s:O}", "extra_specs", specs)) || !(esc = cli_escape(cli, id)) ||
	    asprintf(&path, "flavors/%s/os-extra_specs", esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	return cli_compute_request(cli, "POST", path, body, NULL);
}

int cmd_flavor_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = json_pack("{s:s}", "name", a->pos[0]), *body = NULL;
	_cleanup_json_ json_t *reply = NULL, *check = json_object();
	json_t *made;
	bool pub = cli_flag(a, "public"), priv = cli_flag(a, "private");
	int r;

	if (!f || !check)
		return -ENOMEM;
	if (pub && priv) {
		fprintf(stderr, "basalt: --public and --private exclude each other\n");
		return -EINVAL;
	}
	/* Check the properties before anything is created. */
	if ((r = cli_properties_parse(check, a, "property")) < 0)
		return r;
	if ((r = int_opt(f, a, "vcpus", "vcpus", true)) < 0 ||
	    (r = int_opt(f, a, "ram", "ram", true)) < 0 ||
	    (r = int_opt(f, a, "disk", "disk", false)) < 0 ||
	    (r = int_opt(f, a, "ephemeral", "OS-FLV-EXT-DATA:ephemeral", false)) < 0 ||
	    (r = int_opt(f, a, "swap", "swap", false)) < 0 ||
	    (r = cli_body_opt(f, a, "id", "id")) < 0 ||
	    (r = cli_body_opt(f, a, "description", "description")) < 0)
		return r;
	if (!json_object_get(f, "disk") && json_object_set_new(f, "disk", json_integer(0)) < 0)
		return -ENOMEM;
	if (json_object_set_new(f, "os-flavor-access:is_public", json_boolean(!priv)) < 0 ||
	    !(body = json_pack("{s:O}", "flavor", f)))
		return -ENOMEM;
	if ((r = cli_compute_request(cli, "POST", "flavors", body, &reply)) < 0)
		return r;
	made = json_object_get(reply, "flavor");
	if (!json_string_value(json_object_get(made, "id"))) {
		fprintf(stderr, "basalt: the server's reply has no flavor id\n");
		return -EPROTO;
	}
	if ((r = specs_set(cli, json_string_value(json_object_get(made, "id")), a)) < 0)
		return r;
	return flavor_print(cli, made);
}

int cmd_flavor_delete(struct cli *cli, const struct cli_args *a)
{
	int failed = 0;

	for (int i = 0; i < a->npos; i++) {
		_cleanup_json_ json_t *f = NULL;
		_cleanup_free_ char *esc = NULL, *path = NULL;

		if (flavor_find(cli, a->pos[i], &f) < 0) {
			failed++;
			continue;
		}
		if (!(esc = cli_escape(cli, json_string_value(json_object_get(f, "id")))) ||
		    asprintf(&path, "flavors/%s", esc) < 0) {
			path = NULL;
			return -ENOMEM;
		}
		if (cli_compute_request(cli, "DELETE", path, NULL, NULL) < 0)
			failed++;
	}
	if (failed && a->npos > 1)
		fprintf(stderr, "basalt: %d of %d flavors failed to delete.\n", failed, a->npos);
	return failed ? -EIO : 0;
}

int cmd_flavor_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = NULL;
	int r;

	if ((r = flavor_find(cli, a->pos[0], &f)) < 0)
		return r;
	return specs_set(cli, json_string_value(json_object_get(f, "id")), a);
}
