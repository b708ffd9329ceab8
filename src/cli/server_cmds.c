/* server_cmds.c - basalt server list|show|create|delete|stop|start|reboot,
 * with --wait watching the server's state, and console log show. */
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/net_cmds.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/client.h"

#define WAIT_POLL_NS   500000000L /* GET the server every 0.5 s */
#define WAIT_DEFAULT_S 300.0
#define USER_DATA_MAX  49152 /* base64 of it fits Nova's 65535 characters */

/* The server named (name or id) by s; any project's with all. */
static int server_find(struct cli *cli, const char *s, bool all, json_t **obj)
{
	return cli_compute_find(cli, &cli_res_server, "name", s, all ? "all_tenants=1" : NULL, obj);
}

/* "servers/ID[suffix]" with ID escaped; owned, NULL on ENOMEM. */
static char *server_path(struct cli *cli, const char *id, const char *suffix)
{
	_cleanup_free_ char *esc = cli_escape(cli, id);
	char *p;

	if (!esc || asprintf(&p, "servers/%s%s", esc, suffix ? suffix : "") < 0)
		return NULL;
	return p;
}

/* --- how servers look --- */

/* Nova's power_state codes as openstack names them. */
static const char *power_state_name(const json_t *v)
{
	switch (json_integer_value(v)) {
	case 1:
		return "Running";
	case 3:
		return "Paused";
	case 4:
		return "Shutdown";
	case 6:
		return "Crashed";
	case 7:
		return "Suspended";
	default:
		return "NOSTATE";
	}
}

/* "net1=10.0.0.5, fd00::5; net2=..." from Nova's addresses. Owned. */
static char *addresses_text(const json_t *addrs)
{
	char *out = strdup(""), *next;
	const char *net;
	json_t *list, *a;
	size_t i;

	json_object_foreach((json_t *)addrs, net, list)
	{
		bool first = true;

		if (!out || asprintf(&next, "%s%s%s=", out, *out ? "; " : "", net) < 0)
			goto fail;
		free(out);
		out = next;
		json_array_foreach(list, i, a)
		{
			const char *ip = json_string_value(json_object_get(a, "addr"));

			if (asprintf(&next, "%s%s%s", out, first ? "" : ", ", ip ? ip : "") < 0)
				goto fail;
			free(out);
			out = next;
			first = false;
		}
	}
	return out;
fail:
	free(out);
	return NULL;
}

/* Set o[key] to text (owned, consumed) or fail with -ENOMEM. */
static int set_text(json_t *o, const char *key, char *text)
{
	int r = text && json_object_set_new(o, key, json_string(text)) == 0 ? 0 : -ENOMEM;

	free(text);
	return r;
}

/* Image id -> name from the image API, or an empty object when it is not
 * there (then images show as ids). Owned, NULL on ENOMEM. */
static json_t *image_names(struct cli *cli)
{
	_cleanup_json_ json_t *reply = NULL;
	json_t *names = json_object(), *im;
	long status;
	size_t i;

	if (!names ||
	    cli_request_status(cli, "image", "GET", "v2/images?limit=1000", NULL, &status, &reply) <
		0 ||
	    status != 200)
		return names;
	json_array_foreach(json_object_get(reply, "images"), i, im)
	{
		const char *id = json_string_value(json_object_get(im, "id"));
		const char *name = json_string_value(json_object_get(im, "name"));

		if (id && name)
			json_object_set_new(names, id, json_string(name));
	}
	return names;
}

/* The image of server s as openstack shows it: "name (id)" or the id. Owned. */
static char *image_text(const json_t *s, const json_t *names)
{
	const json_t *im = json_object_get(s, "image");
	const char *id = json_string_value(json_object_get(im, "id"));
	const char *name = id ? json_string_value(json_object_get(names, id)) : NULL;
	char *out;

	if (!id)
		return strdup("N/A (booted from volume)");
	if (!name)
		return strdup(id);
	if (asprintf(&out, "%s (%s)", name, id) < 0)
		return NULL;
	return out;
}

/* One object of server s for show: openstack's field names and texts. In
 * JSON the dictionaries stay dictionaries. Owned, NULL on ENOMEM. */
static json_t *server_display(const struct cli *cli, const json_t *s, const json_t *names)
{
	_cleanup_json_ json_t *o = json_deep_copy(s);
	bool json = cli->format == CLI_FMT_JSON;
	json_t *v;

	if (!o)
		return NULL;
	json_object_del(o, "links");
	if ((v = json_object_get(o, "tenant_id")) &&
	    (json_object_set(o, "project_id", v) < 0 || json_object_del(o, "tenant_id") < 0))
		return NULL;
	if ((v = json_object_get(o, "metadata"))) {
		_cleanup_free_ char *text = json ? NULL : cli_dict_text(v);
		json_t *props = json ? json_incref(v) : text ? json_string(text) : NULL;

		if (!props || json_object_set_new(o, "properties", props) < 0 ||
		    json_object_del(o, "metadata") < 0)
			return NULL;
	}
	if ((v = json_object_get(o, "OS-EXT-STS:power_state")) &&
	    json_object_set_new(o, "OS-EXT-STS:power_state", json_string(power_state_name(v))) < 0)
		return NULL;
	if (set_text(o, "image", image_text(s, names)) < 0)
		return NULL;
	if (!json) {
		if ((v = json_object_get(o, "flavor")) && json_is_object(v) &&
		    set_text(o, "flavor", cli_dict_text(v)) < 0)
			return NULL;
		if ((v = json_object_get(o, "addresses")) &&
		    set_text(o, "addresses", addresses_text(v)) < 0)
			return NULL;
		if ((v = json_object_get(o, "fault")) && json_is_object(v) &&
		    set_text(o, "fault", cli_dict_text(v)) < 0)
			return NULL;
	}
	return steal_ptr(o);
}

static int server_print(struct cli *cli, const json_t *s)
{
	_cleanup_json_ json_t *names = image_names(cli), *o = NULL;

	if (!names || !(o = server_display(cli, s, names)))
		return -ENOMEM;
	return cli_print_object(cli, o);
}

static const struct cli_column server_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Status", "status", NULL },
	{ "Networks", "networks", NULL },
	{ "Image", "image", NULL },
	{ "Flavor", "flavor", NULL },
	/* --long */
	{ "Task State", "task_state", NULL },
	{ "Power State", "power_state", NULL },
	{ "Availability Zone", "availability_zone", NULL },
	{ "Host", "host", NULL },
	{ "Properties", "properties", NULL },
};

/* A list row of server s (flat, named like the columns' keys). */
static json_t *server_row(const struct cli *cli, const json_t *s, const json_t *names)
{
	bool json = cli->format == CLI_FMT_JSON;
	const json_t *addrs = json_object_get(s, "addresses"),
		     *meta = json_object_get(s, "metadata");
	const json_t *image = json_object_get(json_object_get(s, "image"), "id");
	const json_t *name = image ? json_object_get(names, json_string_value(image)) : NULL;
	const json_t *flavor = json_object_get(s, "flavor");
	_cleanup_json_ json_t *row =
	    json_pack("{s:O?,s:O?,s:O?,s:O?,s:s,s:O?,s:O?}", "id", json_object_get(s, "id"), "name",
		      json_object_get(s, "name"), "status", json_object_get(s, "status"),
		      "task_state", json_object_get(s, "OS-EXT-STS:task_state"), "power_state",
		      power_state_name(json_object_get(s, "OS-EXT-STS:power_state")),
		      "availability_zone", json_object_get(s, "OS-EXT-AZ:availability_zone"),
		      "host", json_object_get(s, "OS-EXT-SRV-ATTR:host"));

	if (!row)
		return NULL;
	if (name || image
		? json_object_set(row, "image", (json_t *)(name ? name : image)) < 0
		: json_object_set_new(row, "image", json_string("N/A (booted from volume)")) < 0)
		return NULL;
	/* The flavor's name: the embedded copy's original_name since 2.47. */
	if (json_object_set(row, "flavor",
			    json_is_object(flavor) && json_object_get(flavor, "original_name")
				? json_object_get(flavor, "original_name")
				: json_object_get(flavor, "id")) < 0)
		return NULL;
	if (json) {
		if (json_object_set(row, "networks", addrs ? (json_t *)addrs : json_object()) < 0 ||
		    json_object_set(row, "properties", meta ? (json_t *)meta : json_object()) < 0)
			return NULL;
	} else if (set_text(row, "networks", addresses_text(addrs)) < 0 ||
		   set_text(row, "properties", cli_dict_text(meta ? meta : json_object())) < 0) {
		return NULL;
	}
	return steal_ptr(row);
}

int cmd_server_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL, *rows = json_array(), *names = NULL;
	_cleanup_free_ char *path = NULL, *esc = NULL;
	const char *name = cli_opt(a, "name");
	json_t *s;
	size_t i;
	int r;

	if (!rows || (name && !(esc = cli_escape(cli, name))))
		return -ENOMEM;
	if (asprintf(&path, "servers/detail?%s%s%s",
		     cli_flag(a, "all-projects") ? "all_tenants=1&" : "", name ? "name=" : "",
		     name ? esc : "") < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_compute_request(cli, "GET", path, NULL, &reply)) < 0)
		return r;
	if (json_array_size(json_object_get(reply, "servers")) > 0 && !(names = image_names(cli)))
		return -ENOMEM;
	json_array_foreach(json_object_get(reply, "servers"), i, s)
	{
		json_t *row = server_row(cli, s, names);

		if (!row || json_array_append_new(rows, row) < 0)
			return -ENOMEM;
	}
	return cli_print_list(cli, server_columns,
			      cli_flag(a, "long") ? ARRAY_SIZE(server_columns) : 6, rows);
}

int cmd_server_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *s = NULL;
	int r;

	if ((r = server_find(cli, a->pos[0], cli_flag(a, "all-projects"), &s)) < 0)
		return r;
	return server_print(cli, s);
}

/* --- --wait --- */

enum wait_for { WAIT_ACTIVE, WAIT_SHUTOFF, WAIT_GONE };

static const char *const wait_names[] = { "ACTIVE", "SHUTOFF", "deleted" };

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress goes to stdout, or to stderr when stdout carries -f json/value. */
static FILE *progress_stream(const struct cli *cli)
{
	return cli->format == CLI_FMT_TABLE ? stdout : stderr;
}

/* Say that server name reached state (task may be NULL) after t seconds:
 * on a terminal one arrow-joined step per line, otherwise a plain line. */
static void progress(FILE *f, const char *name, const char *state, const char *task, double t,
		     bool first)
{
	if (isatty(fileno(f)))
		fprintf(f, "%s%s%s%s%s %.1fs\n", first ? "" : "→ ", state, task ? " (" : "",
			task ? task : "", task ? ")" : "", t);
	else
		fprintf(f, "server %s: %s%s%s after %.1fs\n", name, state, task ? "/" : "",
			task ? task : "", t);
	fflush(f);
}

/* Poll server id (called name) until it reaches what. 0 when it does;
 * -EIO (the fault printed) when it goes to ERROR with no task under way,
 * -ETIMEDOUT after timeout seconds, other -errno printed. */
static int server_wait(struct cli *cli, const char *id, const char *name, enum wait_for what,
		       double timeout)
{
	_cleanup_free_ char *path = server_path(cli, id, NULL);
	char last[128] = "";
	FILE *out = progress_stream(cli);
	double start = monotonic_s();
	bool first = true;

	if (!path)
		return -ENOMEM;
	for (;;) {
		_cleanup_json_ json_t *reply = NULL;
		double t;
		long status;
		int r;

		/* Bound each poll too: a stalled controller cannot outlast --timeout. */
		t = timeout - (monotonic_s() - start);
		t = t < 1 ? 1 : t > 30 ? 30 : t;
		http_client_set_timeout(cli->http, (long)(t * 1000));
		r = cli_compute_request_status(cli, "GET", path, NULL, &status, &reply);
		http_client_set_timeout(cli->http, 0);
		if (r < 0)
			return r;
		t = monotonic_s() - start;
		if (status == 404) {
			if (what == WAIT_GONE) {
				progress(out, name, "deleted", NULL, t, first);
				return 0;
			}
			fprintf(stderr, "basalt: server %s disappeared\n", name);
			return -ENOENT;
		}
		if (status >= 400) {
			cli_print_http_error(status, reply, NULL, NULL);
			return cli_status_errno(status);
		}
		json_t *s = json_object_get(reply, "server");
		const char *st = json_string_value(json_object_get(s, "status"));
		const char *task = json_string_value(json_object_get(s, "OS-EXT-STS:task_state"));
		char now[128];

		if (!st) {
			fprintf(stderr, "basalt: the server's reply has no status\n");
			return -EPROTO;
		}
		snprintf(now, sizeof(now), "%s/%s", st, task ? task : "");
		if (strcmp(now, last) != 0) {
			progress(out, name, st, task, t, first);
			first = false;
			snprintf(last, sizeof(last), "%s", now);
		}
		if (!task && strcmp(st, "ERROR") == 0 && what != WAIT_GONE) {
			const char *m = json_string_value(
			    json_object_get(json_object_get(s, "fault"), "message"));

			fprintf(stderr, "basalt: server %s went to ERROR: %s\n", name,
				m ? m : "(no fault message)");
			return -EIO;
		}
		if (!task && what != WAIT_GONE && strcmp(st, wait_names[what]) == 0)
			return 0;
		if (t >= timeout) {
			fprintf(
			    stderr,
			    "basalt: timed out after %.0fs waiting for server %s to be %s (it is "
			    "%s%s%s)\n",
			    timeout, name, wait_names[what], st, task ? "/" : "", task ? task : "");
			return -ETIMEDOUT;
		}
		nanosleep(&(struct timespec){ 0, WAIT_POLL_NS }, NULL);
	}
}

/* --timeout S (default 300). -EINVAL (printed) when not a positive number. */
static int wait_timeout(const struct cli_args *a, double *timeout)
{
	const char *v = cli_opt(a, "timeout");
	char *end;

	*timeout = WAIT_DEFAULT_S;
	if (!v)
		return 0;
	*timeout = strtod(v, &end);
	if (!*v || *end || !isfinite(*timeout) || *timeout <= 0) {
		fprintf(stderr, "basalt: --timeout needs a positive number of seconds, not '%s'\n",
			v);
		return -EINVAL;
	}
	return 0;
}

/* --- create --- */

/* The id of the image named (name or id) by s: GET v2/images/s, then
 * ?name=s. Without an image API in the catalog's image endpoint, s as it is. */
static int image_find(struct cli *cli, const char *s, char **id)
{
	_cleanup_free_ char *esc = NULL, *path = NULL;
	_cleanup_json_ json_t *reply = NULL;
	json_t *list, *im;
	const char *found = NULL;
	size_t i, n = 0;
	long status;
	int r;

	*id = NULL;
	if (!(esc = cli_escape(cli, s)) || asprintf(&path, "v2/images/%s", esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request_status(cli, "image", "GET", path, NULL, &status, &reply)) < 0)
		return r;
	if (status == 200 && json_string_value(json_object_get(reply, "id"))) {
		*id = strdup(json_string_value(json_object_get(reply, "id")));
		return *id ? 0 : -ENOMEM;
	}
	free(path);
	json_decref(reply);
	reply = NULL;
	if (asprintf(&path, "v2/images?name=%s", esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request_status(cli, "image", "GET", path, NULL, &status, &reply)) < 0)
		return r;
	list = json_object_get(reply, "images");
	if (status != 200 || !json_is_array(list)) {
		*id = strdup(s); /* no image API yet: Nova checks the id */
		return *id ? 0 : -ENOMEM;
	}
	json_array_foreach(list, i, im)
	{
		const char *name = json_string_value(json_object_get(im, "name"));

		if (name && strcmp(name, s) == 0 && json_string_value(json_object_get(im, "id"))) {
			found = json_string_value(json_object_get(im, "id"));
			n++;
		}
	}
	if (n == 0) {
		fprintf(stderr, "basalt: No image with a name or ID of '%s' exists.\n", s);
		return -ENOENT;
	}
	if (n > 1) {
		fprintf(stderr, "basalt: More than one image exists with the name '%s'.\n", s);
		return -EEXIST;
	}
	*id = strdup(found);
	return *id ? 0 : -ENOMEM;
}

/* body["networks"] from --nic (repeated: net-id=N,v4-fixed-ip=IP,port-id=P,
 * or one "none"/"auto"), --network NET and --port PORT; nothing given is
 * "auto", as openstack sends from microversion 2.37 on. Networks and ports
 * are found by name or id. */
static int networks_set(struct cli *cli, json_t *body, const struct cli_args *a)
{
	static const char *const keys[] = { "net-id", "v4-fixed-ip", "port-id" };
	static const char *const names[] = { "uuid", "fixed_ip", "port" };
	_cleanup_json_ json_t *nets = json_array();
	const char *word = NULL;
	int r;

	if (!nets)
		return -ENOMEM;
	for (int i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].name, *v = a->opt[i].value;
		_cleanup_json_ json_t *nic = json_object();
		_cleanup_free_ char *id = NULL;
		const char *ref;

		if (!nic)
			return -ENOMEM;
		if (strcmp(name, "nic") == 0 && (strcmp(v, "none") == 0 || strcmp(v, "auto") == 0)) {
			word = v;
			continue;
		}
		if (strcmp(name, "nic") == 0) {
			if ((r = net_kv_parse(v, keys, ARRAY_SIZE(keys), nic, names)) < 0)
				return r;
		} else if (strcmp(name, "network") == 0) {
			json_object_set_new(nic, "uuid", json_string(v));
		} else if (strcmp(name, "port") == 0) {
			json_object_set_new(nic, "port", json_string(v));
		} else {
			continue;
		}
		if ((ref = json_string_value(json_object_get(nic, "uuid")))) {
			if ((r = cli_find_id(cli, &cli_res_network, ref, NULL, &id)) < 0)
				return r;
			json_object_set_new(nic, "uuid", json_string(id));
		} else if ((ref = json_string_value(json_object_get(nic, "port")))) {
			if ((r = cli_find_id(cli, &cli_res_port, ref, NULL, &id)) < 0)
				return r;
			json_object_set_new(nic, "port", json_string(id));
		}
		if (json_array_append(nets, nic) < 0)
			return -ENOMEM;
	}
	if (word && json_array_size(nets)) {
		fprintf(stderr, "basalt: --nic %s cannot go with other NICs\n", word);
		return -EINVAL;
	}
	if (json_array_size(nets))
		return json_object_set(body, "networks", nets) < 0 ? -ENOMEM : 0;
	return json_object_set_new(body, "networks", json_string(word ? word : "auto")) < 0
		   ? -ENOMEM
		   : 0;
}

/* body["security_groups"] = [{"name": …}] of --security-group, as Nova takes them. */
static int groups_set(json_t *body, const struct cli_args *a)
{
	_cleanup_json_ json_t *groups = json_array();

	if (!groups)
		return -ENOMEM;
	for (int i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].name, "security-group") == 0 &&
		    json_array_append_new(groups, json_pack("{s:s}", "name", a->opt[i].value)) < 0)
			return -ENOMEM;
	if (!json_array_size(groups))
		return 0;
	return json_object_set(body, "security_groups", groups) < 0 ? -ENOMEM : 0;
}

/* body["user_data"] = base64 of the file named by --user-data, when given. */
static int user_data_set(json_t *body, const struct cli_args *a)
{
	_cleanup_free_ char *data = NULL, *b64 = NULL;
	const char *file = cli_opt(a, "user-data");
	size_t len, n;
	int r;

	if (!file)
		return 0;
	if ((r = cli_file_read(file, USER_DATA_MAX, &data, &len)) < 0)
		return r;
	n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(n)))
		return -ENOMEM;
	sodium_bin2base64(b64, n, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
	return json_object_set_new(body, "user_data", json_string(b64)) < 0 ? -ENOMEM : 0;
}

int cmd_server_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *s = json_pack("{s:s}", "name", a->pos[0]), *meta = json_object();
	_cleanup_json_ json_t *body = NULL, *reply = NULL, *shown = NULL;
	_cleanup_free_ char *image = NULL, *flavor = NULL, *path = NULL;
	const char *image_opt = cli_opt(a, "image");
	const char *flavor_opt = cli_opt(a, "flavor"), *id, *pass;
	double timeout;
	int r;

	if (!s || !meta)
		return -ENOMEM;
	if (!image_opt || !flavor_opt) {
		fprintf(stderr, "basalt server create: --image and --flavor are required\n");
		return -EINVAL;
	}
	if ((r = wait_timeout(a, &timeout)) < 0 ||
	    (r = cli_properties_parse(meta, a, "property")) < 0 || (r = user_data_set(s, a)) < 0 ||
	    (r = networks_set(cli, s, a)) < 0 || (r = groups_set(s, a)) < 0)
		return r;
	/* An unknown flavor goes to Nova as it is, which says what is wrong. */
	if ((r = image_find(cli, image_opt, &image)) < 0 ||
	    (r = cli_compute_ref(cli, &cli_res_flavor, flavor_opt, "is_public=None", &flavor)) < 0)
		return r;
	if (json_object_set_new(s, "imageRef", json_string(image)) < 0 ||
	    json_object_set_new(s, "flavorRef", json_string(flavor)) < 0 ||
	    (json_object_size(meta) && json_object_set(s, "metadata", meta) < 0) ||
	    (r = cli_body_opt(s, a, "key-name", "key_name")) < 0 ||
	    (r = cli_body_opt(s, a, "availability-zone", "availability_zone")) < 0 ||
	    (cli_flag(a, "config-drive") && json_object_set_new(s, "config_drive", json_true()) < 0) ||
	    !(body = json_pack("{s:O}", "server", s)))
		return r < 0 ? r : -ENOMEM;
	if ((r = cli_compute_request(cli, "POST", "servers", body, &reply)) < 0)
		return r;
	if (!(id = json_string_value(json_object_get(json_object_get(reply, "server"), "id")))) {
		fprintf(stderr, "basalt: the server's reply has no server id\n");
		return -EPROTO;
	}
	pass = json_string_value(json_object_get(json_object_get(reply, "server"), "adminPass"));
	if (cli_flag(a, "wait") && (r = server_wait(cli, id, a->pos[0], WAIT_ACTIVE, timeout)) < 0)
		return r;
	if (!(path = server_path(cli, id, NULL)))
		return -ENOMEM;
	if ((r = cli_compute_request(cli, "GET", path, NULL, &shown)) < 0)
		return r;
	json_t *srv = json_object_get(shown, "server");
	if (pass && json_object_set_new(srv, "adminPass", json_string(pass)) < 0)
		return -ENOMEM;
	return server_print(cli, srv);
}

/* --- delete, stop, start, reboot --- */

/* Find each server of a->pos, POST action (or DELETE when action is NULL),
 * then with --wait wait for each to reach what. Keeps going past a failure. */
static int each_server(struct cli *cli, const struct cli_args *a, const json_t *action,
		       enum wait_for what)
{
	_cleanup_json_ json_t *done = json_array();
	double timeout;
	int failed = 0, r;
	json_t *s;
	size_t i;

	if (!done)
		return -ENOMEM;
	if ((r = wait_timeout(a, &timeout)) < 0)
		return r;
	for (int k = 0; k < a->npos; k++) {
		_cleanup_json_ json_t *found = NULL;
		_cleanup_free_ char *path = NULL;

		if (server_find(cli, a->pos[k], cli_flag(a, "all-projects"), &found) < 0) {
			failed++;
			continue;
		}
		if (!(path = server_path(cli, json_string_value(json_object_get(found, "id")),
					 action ? "/action" : NULL)))
			return -ENOMEM;
		if (cli_compute_request(cli, action ? "POST" : "DELETE", path, action, NULL) < 0) {
			failed++;
			continue;
		}
		if (json_array_append(done, found) < 0)
			return -ENOMEM;
	}
	json_array_foreach(done, i, s)
	{
		if (cli_flag(a, "wait") &&
		    server_wait(cli, json_string_value(json_object_get(s, "id")),
				json_string_value(json_object_get(s, "name")), what, timeout) < 0)
			failed++;
	}
	if (failed && a->npos > 1)
		fprintf(stderr, "basalt: %d of %d servers failed.\n", failed, a->npos);
	return failed ? -EIO : 0;
}

int cmd_server_delete(struct cli *cli, const struct cli_args *a)
{
	return each_server(cli, a, NULL, WAIT_GONE);
}

int cmd_server_stop(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *action = json_pack("{s:n}", "os-stop");

	return action ? each_server(cli, a, action, WAIT_SHUTOFF) : -ENOMEM;
}

int cmd_server_start(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *action = json_pack("{s:n}", "os-start");

	return action ? each_server(cli, a, action, WAIT_ACTIVE) : -ENOMEM;
}

int cmd_server_reboot(struct cli *cli, const struct cli_args *a)
{
	bool hard = cli_flag(a, "hard");
	_cleanup_json_ json_t *action =
	    json_pack("{s:{s:s}}", "reboot", "type", hard ? "HARD" : "SOFT");

	if (hard && cli_flag(a, "soft")) {
		fprintf(stderr, "basalt: --hard and --soft exclude each other\n");
		return -EINVAL;
	}
	return action ? each_server(cli, a, action, WAIT_ACTIVE) : -ENOMEM;
}

/* --- console --- */

int cmd_console_log_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *s = NULL, *action = NULL, *reply = NULL;
	_cleanup_free_ char *path = NULL;
	const char *lines = cli_opt(a, "lines"), *out;
	long n = -1;
	char *end;
	int r;

	if (lines) {
		n = strtol(lines, &end, 10);
		if (!*lines || *end || n < 0) {
			fprintf(stderr, "basalt: --lines needs a non-negative integer, not '%s'\n",
				lines);
			return -EINVAL;
		}
	}
	if ((r = server_find(cli, a->pos[0], false, &s)) < 0)
		return r;
	action = n >= 0 ? json_pack("{s:{s:I}}", "os-getConsoleOutput", "length", (json_int_t)n)
			: json_pack("{s:{s:n}}", "os-getConsoleOutput", "length");
	if (!action ||
	    !(path = server_path(cli, json_string_value(json_object_get(s, "id")), "/action")))
		return -ENOMEM;
	if ((r = cli_compute_request(cli, "POST", path, action, &reply)) < 0)
		return r;
	out = json_string_value(json_object_get(reply, "output"));
	if (out && *out) {
		fputs(out, stdout);
		if (out[strlen(out) - 1] != '\n')
			putchar('\n');
	}
	return 0;
}
