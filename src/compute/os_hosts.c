/* os_hosts.c - Nova's os-hosts (deprecated; every route is 404 from
 * microversion 2.43, as Nova's): the services listed with their host and
 * zone (the controllers' too, controller_services.c),
 * a host's resources ((total), (used_now), (used_max) and per project),
 * its status set the way os-services sets it, and what Nova's libvirt
 * driver does not implement (maintenance mode, startup, shutdown, reboot:
 * 501). The host table itself is hosts.c's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

/* os-hosts' topic for a nova-compute service. */
#define TOPIC "compute"

/* Nova's answer to a method its microversion removed: -1 with a 404 from
 * 2.43, else 0. */
static int removed(struct http_request *req, struct http_response *res)
{
	if (microversion_at_least(req, 2, 43))
		return http_error(res, 404, "The resource could not be found.");
	return 0;
}

/* Nova's 404 for a host it has no mapping of. Returns -1. */
static int unknown_host(struct http_response *res, const char *host)
{
	return http_error(res, 404, "Host '%s' is not mapped to any cell", host);
}

/* Below 2.43, open host_query of the compute hosts (only the one named
 * name when not NULL) into *q; NULL with the error in res. */
static struct store *open_hosts(struct http_request *req, struct http_response *res,
				const char *name, struct store_stmt **q)
{
	struct store *st = basalt_store(req->b);
	int r;

	if (removed(req, res) < 0)
		return NULL;
	if (!st) {
		http_error_errno(res, -EIO, "store");
		return NULL;
	}
	r = host_query(st, name, NULL, NULL, NULL, q);
	if (r < 0) {
		http_error_errno(res, r, "hosts");
		return NULL;
	}
	return st;
}

/* GET /os-hosts[?zone=Z]: one row per enabled service (Nova lists no
 * disabled one), of zone Z only when Z is not empty: the compute hosts
 * ("compute", their aggregates' zone), then each controller's scheduler
 * and conductor (zone "internal"). */
int h_os_host_list(struct http_request *req, struct http_response *res)
{
	const char *want = http_query(req, "zone");
	_cleanup_json_ json_t *hosts = json_array();
	struct store_stmt *q;
	struct store *st = open_hosts(req, res, NULL, &q);
	int r = 0;

	if (!st)
		return -1;
	while ((r = store_next(q)) > 0) {
		char zone[256];
		if (!store_bool(q, 2))
			continue;
		r = aggregate_host_zone(st, store_text(q, 0), zone);
		if (r < 0)
			break;
		if (want && want[0] && strcmp(want, zone) != 0)
			continue;
		json_array_append_new(hosts, json_pack("{s:s,s:s,s:s}", "host_name",
						       store_text(q, 0), "service", TOPIC,
						       "zone", zone));
	}
	store_done(q);
	if (r >= 0 && (!want || !want[0] || strcmp(want, AZ_INTERNAL) == 0)) {
		r = ctlsvc_query(st, NULL, NULL, NULL, &q);
		if (r >= 0) {
			while ((r = store_next(q)) > 0)
				json_array_append_new(hosts, json_pack("{s:s,s:s,s:s}", "host_name",
								       store_text(q, 0), "service",
								       store_text(q, 5), "zone",
								       AZ_INTERNAL));
			store_done(q);
		}
	}
	if (r < 0)
		return http_error_errno(res, r, "hosts");
	return http_reply(res, 200, json_pack("{s:O}", "hosts", hosts));
}

static json_t *resource(const char *host, const char *project, int64_t cpu, int64_t mem,
			int64_t disk)
{
	return json_pack("{s:{s:s,s:s,s:I,s:I,s:I}}", "resource", "host", host, "project",
			 project, "cpu", (json_int_t)cpu, "memory_mb", (json_int_t)mem, "disk_gb",
			 (json_int_t)disk);
}

/* Append to out the rows of host's servers: what their flavors add up to
 * ((used_max)), then the same per project. 0 or -errno. */
static int add_server_rows(struct store *st, const char *host, json_t *out)
{
	int64_t cpu = 0, mem = 0, disk = 0;
	_cleanup_json_ json_t *projects = json_array();
	struct store_stmt *q;
	int r;

	r = store_query(st, &q,
			"SELECT project_id, SUM(vcpus), SUM(ram), SUM(disk + ephemeral) FROM server"
			" WHERE host = ? GROUP BY project_id ORDER BY project_id",
			"s", host);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		cpu += store_int(q, 1);
		mem += store_int(q, 2);
		disk += store_int(q, 3);
		json_array_append_new(projects, resource(host, store_text(q, 0), store_int(q, 1),
							 store_int(q, 2), store_int(q, 3)));
	}
	store_done(q);
	if (r < 0)
		return r;
	json_array_append_new(out, resource(host, "(used_max)", cpu, mem, disk));
	json_array_extend(out, projects);
	return 0;
}

/* GET /os-hosts/{host}: the host's resources as Nova's rows. */
int h_os_host_get(struct http_request *req, struct http_response *res)
{
	const char *host = http_param(req, "host");
	_cleanup_json_ json_t *rows = json_array();
	struct store_stmt *q;
	struct store *st = open_hosts(req, res, host, &q);
	int r;

	if (!st)
		return -1;
	r = store_next(q);
	if (r > 0) {
		json_array_append_new(rows, resource(host, "(total)", store_int(q, 5),
						     store_int(q, 6), store_int(q, 7)));
		json_array_append_new(rows, resource(host, "(used_now)", store_int(q, 11),
						     store_int(q, 12), store_int(q, 13)));
	}
	store_done(q);
	if (r == 0)
		return unknown_host(res, host);
	if (r > 0)
		r = add_server_rows(st, host, rows);
	if (r < 0)
		return http_error_errno(res, r, "host");
	return http_reply(res, 200, json_pack("{s:O}", "host", rows));
}

/* Append v as Python's repr shows it (jsonschema's messages quote the
 * instance that way) to buf[*at..len), truncating. */
static void py_repr_at(const json_t *v, char *buf, size_t len, size_t *at)
{
#define PUT(...)                                                                                   \
	do {                                                                                       \
		if (*at < len)                                                                     \
			*at += (size_t)snprintf(buf + *at, len - *at, __VA_ARGS__);                \
	} while (0)
	const char *key;
	size_t i;
	json_t *x;

	if (json_is_null(v))
		PUT("None");
	else if (json_is_boolean(v))
		PUT("%s", json_is_true(v) ? "True" : "False");
	else if (json_is_integer(v))
		PUT("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		PUT("%g", json_real_value(v));
	else if (json_is_string(v))
		PUT(strchr(json_string_value(v), '\'') ? "\"%s\"" : "'%s'", json_string_value(v));
	else if (json_is_array(v)) {
		PUT("[");
		json_array_foreach(v, i, x) {
			PUT("%s", i ? ", " : "");
			py_repr_at(x, buf, len, at);
		}
		PUT("]");
	} else {
		i = 0;
		PUT("{");
		json_object_foreach((json_t *)v, key, x) {
			PUT("%s'%s': ", i++ ? ", " : "", key);
			py_repr_at(x, buf, len, at);
		}
		PUT("}");
	}
#undef PUT
}

static const char *py_repr(const json_t *v, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	py_repr_at(v, buf, len, &at);
	return buf;
}

/* Check {"status", "maintenance_mode"} as Nova's schema does, with its
 * words (jsonschema's best match: the body's own errors before its
 * fields'): 0, or -1 with a 400 in res. */
static int check_update(struct http_response *res, const json_t *body)
{
	static const char *const fields[] = { "status", "maintenance_mode" };
	static const char *const modes[] = { "enable", "disable", "Enable",
					     "Disable", "ENABLE", "DISABLE" };
	const char *key;
	char repr[300];
	json_t *v;

	if (!json_is_object(body))
		return http_error(res, 400, "%s is not of type 'object'",
				  py_repr(body, repr, sizeof(repr)));
	json_object_foreach((json_t *)body, key, v)
		if (strcmp(key, fields[0]) != 0 && strcmp(key, fields[1]) != 0)
			return http_error(res, 400, "Additional properties are not allowed ('%s' was unexpected)", key);
	if (json_object_size(body) == 0)
		return http_error(res, 400, "{} is not valid under any of the given schemas");
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		bool known = false;
		v = json_object_get(body, fields[i]);
		if (!v)
			continue;
		if (!json_is_string(v)) {
			const char *r = py_repr(v, repr, sizeof(repr));
			/* Nova prints the value with str(): the same here but
			 * for strings, which are never this case. */
			return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. %s is not of type 'string'",
					  fields[i], r, r);
		}
		for (size_t m = 0; m < ARRAY_SIZE(modes); m++)
			known = known || strcmp(json_string_value(v), modes[m]) == 0;
		if (!known)
			return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. %s is not one of ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE']",
					  fields[i], json_string_value(v), py_repr(v, repr, sizeof(repr)));
	}
	return 0;
}

/* PUT /os-hosts/{host} {"status": "enable"|"disable", "maintenance_mode":
 * ...}: the status enables or disables the host's compute service (the
 * os-services update); Nova's libvirt driver has no maintenance mode, so
 * asking for one is 501, and then nothing is changed. Replies {"host",
 * "status"}. */
int h_os_host_update(struct http_request *req, struct http_response *res)
{
	const char *host = http_param(req, "host"), *status;
	_cleanup_json_ json_t *body = NULL;
	char sid[65];
	struct store *st;
	int r;

	if (removed(req, res) < 0)
		return -1;
	/* Nova validates an empty body as None. */
	if (!req->body || req->body_len == 0)
		return http_error(res, 400, "None is not of type 'object'");
	body = http_body_json(req, res);
	if (!body || check_update(res, body) < 0)
		return -1;
	status = json_str(body, "status");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = host_service_of(st, host, sid);
	if (r == -ENOENT)
		r = unknown_host(res, host);
	else if (r >= 0 && json_object_get(body, "maintenance_mode"))
		r = http_error(res, 501, "The requested functionality is not supported.");
	else if (r >= 0 && status)
		r = host_service_update(st, sid, strcasecmp(status, "enable") == 0 ? "enabled" : "disabled",
					NULL, -1);
	if (api_write_end(res, st, r, "host") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:s,s:s}", "host", host, "status",
					      strcasecmp(status, "enable") == 0 ? "enabled" : "disabled"));
}

/* GET /os-hosts/{host}/startup|shutdown|reboot: a known host's power
 * action, which Nova's libvirt driver does not implement. */
int h_os_host_power(struct http_request *req, struct http_response *res)
{
	const char *host = http_param(req, "host");
	struct store *st = basalt_store(req->b);
	char sid[65];
	int r;

	if (removed(req, res) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = host_service_of(st, host, sid);
	if (r == -ENOENT)
		return unknown_host(res, host);
	if (r < 0)
		return http_error_errno(res, r, "host");
	return http_error(res, 501, "The requested functionality is not supported.");
}
