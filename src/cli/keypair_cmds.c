/* keypair_cmds.c - basalt keypair list|show|create|delete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_column keypair_columns[] = {
	{ "Name", "name", NULL },
	{ "Fingerprint", "fingerprint", NULL },
	{ "Type", "type", NULL },
};

int cmd_keypair_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL, *rows = json_array();
	json_t *item;
	size_t i;
	int r;

	if (!rows)
		return -ENOMEM;
	if ((r = cli_compute_request(cli, "GET", "os-keypairs", NULL, &reply)) < 0)
		return r;
	/* Nova wraps each: {"keypairs": [{"keypair": {...}}]}. */
	json_array_foreach(json_object_get(reply, "keypairs"), i, item)
	{
		json_t *k = json_object_get(item, "keypair");

		if (json_is_object(k) && json_array_append(rows, k) < 0)
			return -ENOMEM;
	}
	return cli_print_list(cli, keypair_columns, ARRAY_SIZE(keypair_columns), rows);
}

/* GET os-keypairs/NAME into *k (owned). -errno, printed. */
static int keypair_get(struct cli *cli, const char *name, json_t **k)
{
	_cleanup_free_ char *esc = NULL, *path = NULL;
	_cleanup_json_ json_t *reply = NULL;
	long status;
	int r;

	*k = NULL;
	if (!(esc = cli_escape(cli, name)) || asprintf(&path, "os-keypairs/%s", esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_compute_request_status(cli, "GET", path, NULL, &status, &reply)) < 0)
		return r;
	if (status == 404) {
		fprintf(stderr, "basalt: No keypair with a name or ID of '%s' exists.\n", name);
		return -ENOENT;
	}
	if (status >= 400) {
		cli_print_http_error(status, reply, NULL, NULL);
		return cli_status_errno(status);
	}
	if (!json_is_object(json_object_get(reply, "keypair"))) {
		fprintf(stderr, "basalt: the server's reply has no keypair\n");
		return -EPROTO;
	}
	*k = json_incref(json_object_get(reply, "keypair"));
	return 0;
}

int cmd_keypair_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *k = NULL;
	int r;

	if ((r = keypair_get(cli, a->pos[0], &k)) < 0)
		return r;
	if (cli_flag(a, "public-key")) {
		const char *pub = json_string_value(json_object_get(k, "public_key"));

		printf("%s\n", pub ? pub : "");
		return 0;
	}
	json_object_del(k, "public_key"); /* like openstack: --public-key shows it */
	return cli_print_object(cli, k);
}

int cmd_keypair_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *k = json_pack("{s:s}", "name", a->pos[0]), *body = NULL;
	_cleanup_json_ json_t *reply = NULL;
	_cleanup_free_ char *pub = NULL;
	const char *file = cli_opt(a, "public-key"), *priv;
	json_t *made;
	size_t len;
	int r;

	if (!k)
		return -ENOMEM;
	if (file) {
		if ((r = cli_file_read(file, 16384, &pub, &len)) < 0)
			return r;
		if (json_object_set_new(k, "public_key", json_string(pub)) < 0)
			return -ENOMEM;
	}
	if (!(body = json_pack("{s:O}", "keypair", k)))
		return -ENOMEM;
	if ((r = cli_compute_request(cli, "POST", "os-keypairs", body, &reply)) < 0)
		return r;
	made = json_object_get(reply, "keypair");
	/* A generated pair: the private key is shown once, as it is (openstack too). */
	if ((priv = json_string_value(json_object_get(made, "private_key")))) {
		fputs(priv, stdout);
		if (*priv && priv[strlen(priv) - 1] != '\n')
			putchar('\n');
		return 0;
	}
	json_object_del(made, "public_key");
	return cli_print_object(cli, made);
}

int cmd_keypair_delete(struct cli *cli, const struct cli_args *a)
{
	int failed = 0;

	for (int i = 0; i < a->npos; i++) {
		_cleanup_free_ char *esc = NULL, *path = NULL;
		_cleanup_json_ json_t *reply = NULL;
		long status;

		if (!(esc = cli_escape(cli, a->pos[i])) ||
		    asprintf(&path, "os-keypairs/%s", esc) < 0) {
			path = NULL;
			return -ENOMEM;
		}
		if (cli_compute_request_status(cli, "DELETE", path, NULL, &status, &reply) < 0) {
			failed++;
		} else if (status == 404) {
			fprintf(stderr, "basalt: No keypair with a name or ID of '%s' exists.\n",
				a->pos[i]);
			failed++;
		} else if (status >= 400) {
			cli_print_http_error(status, reply, NULL, NULL);
			failed++;
		}
	}
	if (failed && a->npos > 1)
		fprintf(stderr, "basalt: %d of %d keypairs failed to delete.\n", failed, a->npos);
	return failed ? -EIO : 0;
}
