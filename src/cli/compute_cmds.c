/* compute_cmds.c - requests to the compute service (Nova v2.1 at microversion
 * 2.60), finding compute resources by name or id, and basalt hypervisor
 * list|show and compute service list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/client.h"

/* Every compute request asks for this microversion. */
#define COMPUTE_API_VERSION "compute 2.60"

const struct cli_resource cli_res_flavor = { "compute", "flavors", "flavor", "flavors" };
const struct cli_resource cli_res_server = { "compute", "servers", "server", "servers" };
static const struct cli_resource res_hypervisor = { "compute", "os-hypervisors", "hypervisor",
						    "hypervisors" };

int cli_compute_request_status(struct cli *cli, const char *method, const char *path,
			       const json_t *body, long *status, json_t **reply)
{
	_cleanup_free_ char *base = NULL, *url = NULL;
	struct http_result res;
	int r;

	if (reply)
		*reply = NULL;
	if ((r = cli_login(cli)) < 0 || (r = cli_endpoint(cli, "compute", &base)) < 0)
		return r;
	if (asprintf(&url, "%s/%s", base, path) < 0) {
		url = NULL;
		return -ENOMEM;
	}
	struct http_call call = { .method = method,
				  .url = url,
				  .token = cli->token,
				  .body = body,
				  .api_version = COMPUTE_API_VERSION };
	if ((r = http_client_do(cli->http, &call, &res)) < 0) {
		fprintf(stderr, "basalt: %s %s failed: %s\n", method, url,
			http_client_error(cli->http));
		return r;
	}
	*status = res.status;
	if (res.status >= 400 && !res.reply && res.text && *res.text)
		res.reply = json_pack("{s:s}", "message", res.text); /* keep a plain-text error */
	if (reply)
		*reply = steal_ptr(res.reply);
	http_result_free(&res);
	return 0;
}

int cli_compute_request(struct cli *cli, const char *method, const char *path, const json_t *body,
			json_t **reply)
{
	_cleanup_json_ json_t *out = NULL;
	long status;
	int r;

	if (reply)
		*reply = NULL;
	if ((r = cli_compute_request_status(cli, method, path, body, &status, &out)) < 0)
		return r;
	if (status >= 400) {
		cli_print_http_error(status, out, NULL, NULL);
		return cli_status_errno(status);
	}
	if (reply)
		*reply = steal_ptr(out);
	return 0;
}

/* cli_compute_find(), saying nothing when none exists if quiet. */
static int find(struct cli *cli, const struct cli_resource *r, const char *name_key,
		const char *name_or_id, const char *extra, bool quiet, json_t **obj)
{
	_cleanup_free_ char *esc = NULL, *path = NULL;
	_cleanup_json_ json_t *reply = NULL;
	json_t *item, *match = NULL;
	size_t i, n = 0;
	long status;
	int rc;

	*obj = NULL;
	if (!(esc = cli_escape(cli, name_or_id)))
		return -ENOMEM;
	/* By id first... */
	if (asprintf(&path, "%s/%s", r->path, esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((rc = cli_compute_request_status(cli, "GET", path, NULL, &status, &reply)) < 0)
		return rc;
	if (status < 300 && json_is_object(json_object_get(reply, r->singular))) {
		*obj = json_incref(json_object_get(reply, r->singular));
		return 0;
	}
	if (status != 404 && status != 400) {
		cli_print_http_error(status, reply, NULL, NULL);
		return cli_status_errno(status);
	}
	/* ...then by exact name among the details (a name filter may match more). */
	free(path);
	json_decref(reply);
	reply = NULL;
	if (asprintf(&path, "%s/detail?%s=%s%s%s", r->path, name_key, esc, extra ? "&" : "",
		     extra ? extra : "") < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((rc = cli_compute_request(cli, "GET", path, NULL, &reply)) < 0)
		return rc;
	json_array_foreach(json_object_get(reply, r->plural), i, item)
	{
		const char *name = json_string_value(json_object_get(item, name_key));

		if (name && strcmp(name, name_or_id) == 0) {
			match = item;
			n++;
		}
	}
	if (n == 0) {
		if (!quiet)
			fprintf(stderr, "basalt: No %s with a name or ID of '%s' exists.\n",
				r->singular, name_or_id);
		return -ENOENT;
	}
	if (n > 1) {
		fprintf(stderr, "basalt: More than one %s exists with the name '%s'.\n",
			r->singular, name_or_id);
		return -EEXIST;
	}
	*obj = json_incref(match);
	return 0;
}

int cli_compute_find(struct cli *cli, const struct cli_resource *r, const char *name_key,
		     const char *name_or_id, const char *extra, json_t **obj)
{
	return find(cli, r, name_key, name_or_id, extra, false, obj);
}

int cli_compute_ref(struct cli *cli, const struct cli_resource *r, const char *name_or_id,
		    const char *extra, char **id)
{
	_cleanup_json_ json_t *obj = NULL;
	const char *v;
	int rc = find(cli, r, "name", name_or_id, extra, true, &obj);

	*id = NULL;
	if (rc == -ENOENT)
		v = name_or_id;
	else if (rc < 0)
		return rc;
	else if (!(v = json_string_value(json_object_get(obj, "id"))))
		v = name_or_id;
	*id = strdup(v);
	return *id ? 0 : -ENOMEM;
}

int cli_properties_parse(json_t *obj, const struct cli_args *a, const char *opt)
{
	for (int i = 0; i < a->nopt; i++) {
		const char *kv = a->opt[i].value, *eq;
		_cleanup_free_ char *k = NULL;

		if (strcmp(a->opt[i].name, opt) != 0)
			continue;
		if (!(eq = strchr(kv, '=')) || eq == kv) {
			fprintf(stderr, "basalt: --%s needs KEY=VALUE, not '%s'\n", opt, kv);
			return -EINVAL;
		}
		if (!(k = strndup(kv, (size_t)(eq - kv))) ||
		    json_object_set_new(obj, k, json_string(eq + 1)) < 0)
			return -ENOMEM;
	}
	return 0;
}

char *cli_dict_text(const json_t *v)
{
	char *out = strdup(""), *next;
	const char *k;
	json_t *x;

	if (!json_is_object(v)) {
		free(out);
		return cli_value_text(v);
	}
	/* Sorted keys, like openstack's format_dict. */
	_cleanup_free_ const char **keys = calloc(json_object_size(v) + 1, sizeof(*keys));
	size_t n = 0;

	if (!keys || !out) {
		free(out);
		return NULL;
	}
	json_object_foreach((json_t *)v, k, x) keys[n++] = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *val = cli_value_text(json_object_get(v, keys[i]));

		if (!val || asprintf(&next, "%s%s%s='%s'", out, i ? ", " : "", keys[i], val) < 0) {
			free(out);
			return NULL;
		}
		free(out);
		out = next;
	}
	return out;
}

/* --- hypervisors --- */

static const struct cli_column hypervisor_columns[] = {
	{ "ID", "id", NULL },
	{ "Hypervisor Hostname", "hypervisor_hostname", NULL },
	{ "Hypervisor Type", "hypervisor_type", NULL },
	{ "Host IP", "host_ip", NULL },
	{ "State", "state", NULL },
	/* --long */
	{ "vCPUs Used", "vcpus_used", NULL },
	{ "vCPUs", "vcpus", NULL },
	{ "Memory MB Used", "memory_mb_used", NULL },
	{ "Memory MB", "memory_mb", NULL },
};

int cmd_hypervisor_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	int r;

	if ((r = cli_compute_request(cli, "GET", "os-hypervisors/detail", NULL, &reply)) < 0)
		return r;
	return cli_print_list(cli, hypervisor_columns,
			      cli_flag(a, "long") ? ARRAY_SIZE(hypervisor_columns) : 5,
			      json_object_get(reply, "hypervisors"));
}

int cmd_hypervisor_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *h = NULL;
	json_t *svc;
	int r;

	if ((r = cli_compute_find(cli, &res_hypervisor, "hypervisor_hostname", a->pos[0], NULL,
				  &h)) < 0)
		return r;
	/* Like openstack: the service's members flattened into service_*. */
	if ((svc = json_object_get(h, "service"))) {
		if (json_object_set(h, "service_host", json_object_get(svc, "host")) < 0 ||
		    json_object_set(h, "service_id", json_object_get(svc, "id")) < 0 ||
		    json_object_del(h, "service") < 0)
			return -ENOMEM;
	}
	return cli_print_object(cli, h);
}

/* --- compute services --- */

static const struct cli_column service_columns[] = {
	{ "ID", "id", NULL },
	{ "Binary", "binary", NULL },
	{ "Host", "host", NULL },
	{ "Zone", "zone", NULL },
	{ "Status", "status", NULL },
	{ "State", "state", NULL },
	{ "Updated At", "updated_at", NULL },
	/* --long */
	{ "Disabled Reason", "disabled_reason", NULL },
};

int cmd_compute_service_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	_cleanup_free_ char *path = NULL, *host = NULL, *binary = NULL;
	const char *h = cli_opt(a, "host"), *b = cli_opt(a, "service");
	int r;

	if ((h && !(host = cli_escape(cli, h))) || (b && !(binary = cli_escape(cli, b))))
		return -ENOMEM;
	if (asprintf(&path, "os-services%s%s%s%s%s%s", h || b ? "?" : "", h ? "host=" : "",
		     h ? host : "", h && b ? "&" : "", b ? "binary=" : "", b ? binary : "") < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_compute_request(cli, "GET", path, NULL, &reply)) < 0)
		return r;
	return cli_print_list(cli, service_columns,
			      cli_flag(a, "long") ? ARRAY_SIZE(service_columns) : 7,
			      json_object_get(reply, "services"));
}

int cli_file_read(const char *path, size_t max, char **data, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *f;
	int r = 0;

	*data = NULL;
	*len = 0;
	if (!(f = fopen(path, "rb"))) {
		r = -errno;
		fprintf(stderr, "basalt: cannot read %s: %s\n", path, strerror(errno));
		return r;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			if (!(nb = realloc(buf, cap))) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (n > max) {
			fprintf(stderr, "basalt: %s is larger than %zu bytes\n", path, max);
			r = -EFBIG;
			break;
		}
		if (got == 0) {
			if (ferror(f)) {
				fprintf(stderr, "basalt: cannot read %s\n", path);
				r = -EIO;
			}
			break;
		}
	}
	fclose(f);
	if (r < 0)
		return r;
	buf[n] = '\0';
	*data = steal_ptr(buf);
	*len = n;
	return 0;
}
