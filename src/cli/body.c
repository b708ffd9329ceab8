/* body.c - build request bodies from command options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/cleanup.h"

int cli_body_opt(json_t *obj, const struct cli_args *a, const char *opt, const char *key)
{
	const char *v = cli_opt(a, opt);

	if (!v)
		return 0;
	return json_object_set_new(obj, key, json_string(v)) < 0 ? -ENOMEM : 0;
}

int cli_body_enabled(json_t *obj, const struct cli_args *a)
{
	bool en = cli_flag(a, "enable"), dis = cli_flag(a, "disable");

	if (en && dis) {
		fprintf(stderr, "basalt: --enable and --disable exclude each other\n");
		return -EINVAL;
	}
	if (!en && !dis)
		return 0;
	return json_object_set_new(obj, "enabled", json_boolean(en)) < 0 ? -ENOMEM : 0;
}

int cli_body_find(struct cli *cli, json_t *obj, const struct cli_args *a, const char *opt,
		  const struct cli_resource *r, const char *extra, const char *key)
{
	_cleanup_free_ char *id = NULL;
	const char *v = cli_opt(a, opt);
	int rc;

	if (!v)
		return 0;
	if ((rc = cli_find_id(cli, r, v, extra, &id)) < 0)
		return rc;
	return json_object_set_new(obj, key, json_string(id)) < 0 ? -ENOMEM : 0;
}
