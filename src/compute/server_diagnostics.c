/* server_diagnostics.c - Nova's GET /servers/{id}/diagnostics (admins):
 * live figures of a running server, read by its host's agent from the
 * hypervisor (QEMU: QMP query-cpus-fast with each vCPU thread's schedstat,
 * query-blockstats, the process's RSS, the taps' counters; the fake
 * driver: its own) and never made up here.
 *
 * The controller cannot call an agent, so a request goes through the
 * desired state (docs/agent-protocol.md): it moves the server's diag_seq
 * on by one, which changes the host's desired state and wakes its agent's
 * long poll; the agent takes one reading per seq and reports it in the
 * server's entry; the request waits (HTTP_WAIT, no thread held) until a
 * reading of its seq is stored, at most DIAG_WAIT_S seconds. From 2.48
 * the answer is Nova's standard format; below it the libvirt driver's
 * (cpu0_time, vda_read, <tap>_rx ...). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

/* How long a request waits for its host's reading. */
#define DIAG_WAIT_S 20

static const char *power_name(int64_t code)
{
	switch (code) {
	case 1: return "running";
	case 3: return "paused";
	case 4: return "shutdown";
	case 6: return "crashed";
	case 7: return "suspended";
	}
	return "pending";
}

/* A member of a reading as a JSON integer (new reference), null when it
 * is not a non-negative integer. */
static json_t *figure(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer(json_integer_value(v))
							      : json_null();
}

/* The reading rd in Nova's standard format (2.48); config_drive from the
 * server. New reference. */
static json_t *render_v248(const json_t *rd, bool config_drive)
{
	const json_t *cpus = json_object_get(rd, "cpus"), *nics = json_object_get(rd, "nics");
	const json_t *disks = json_object_get(rd, "disks"), *mem = json_object_get(rd, "memory");
	const json_t *v;
	json_t *cd = json_array(), *nd = json_array(), *dd = json_array(), *out;
	size_t i;

	json_array_foreach(cpus, i, v)
		json_array_append_new(cd, json_pack("{s:o,s:o,s:n}", "id", figure(v, "id"), "time",
						    figure(v, "time"), "utilisation"));
	json_array_foreach(nics, i, v)
		json_array_append_new(
		    nd, json_pack("{s:o,s:o,s:o,s:o,s:o,s:n,s:o,s:o,s:o,s:o,s:n}", "mac_address",
				  json_str(v, "mac") ? json_string(json_str(v, "mac")) : json_null(),
				  "rx_octets", figure(v, "rx_octets"), "rx_errors",
				  figure(v, "rx_errors"), "rx_drop", figure(v, "rx_drop"), "rx_packets",
				  figure(v, "rx_packets"), "rx_rate", "tx_octets",
				  figure(v, "tx_octets"), "tx_errors", figure(v, "tx_errors"),
				  "tx_drop", figure(v, "tx_drop"), "tx_packets",
				  figure(v, "tx_packets"), "tx_rate"));
	json_array_foreach(disks, i, v)
		json_array_append_new(
		    dd, json_pack("{s:o,s:o,s:o,s:o,s:o}", "read_bytes", figure(v, "read_bytes"),
				  "read_requests", figure(v, "read_requests"), "write_bytes",
				  figure(v, "write_bytes"), "write_requests",
				  figure(v, "write_requests"), "errors_count",
				  figure(v, "errors_count")));
	/* "driver": tempest (and Nova's API) know only Nova's drivers' names;
	 * Basalt drives QEMU itself, with the libvirt driver's figures. */
	out = json_pack("{s:s,s:s,s:o,s:s,s:o,s:b,s:I,s:I,s:I,s:{s:o,s:o},s:o,s:o,s:o}", "state",
			json_str(rd, "state") ? json_str(rd, "state") : "pending", "driver",
			"libvirt", "hypervisor",
			json_str(rd, "hypervisor") ? json_string(json_str(rd, "hypervisor"))
						   : json_null(),
			"hypervisor_os", "linux", "uptime", figure(rd, "uptime"), "config_drive",
			config_drive, "num_cpus", (json_int_t)json_array_size(cd), "num_nics",
			(json_int_t)json_array_size(nd), "num_disks", (json_int_t)json_array_size(dd),
			"memory_details", "maximum", figure(mem, "maximum"), "used",
			figure(mem, "used"), "cpu_details", cd, "nic_details", nd, "disk_details",
			dd);
	return out;
}

/* Set key to figure(o, from) in out unless that is null. */
static void put_figure(json_t *out, const char *key, const json_t *o, const char *from)
{
	json_t *v = figure(o, from);

	if (json_is_null(v))
		json_decref(v);
	else
		json_object_set_new(out, key, v);
}

/* The reading rd in the libvirt driver's format (below 2.48): cpuN_time,
 * memory (KiB), memory-rss (KiB), vdX_read/_read_req/_write/_write_req/
 * _errors, <tap>_rx/_rx_drop/_rx_errors/_rx_packets and the same for tx.
 * New reference. */
static json_t *render_libvirt(const json_t *rd)
{
	const json_t *mem = json_object_get(rd, "memory"), *v;
	json_t *out = json_object();
	char k[96];
	size_t i;

	json_array_foreach(json_object_get(rd, "cpus"), i, v) {
		snprintf(k, sizeof(k), "cpu%zu_time", i);
		put_figure(out, k, v, "time");
	}
	if (json_integer_value(json_object_get(mem, "maximum")) > 0)
		json_object_set_new(out, "memory",
				    json_integer(json_integer_value(json_object_get(mem, "maximum")) *
						 1024));
	if (json_integer_value(json_object_get(mem, "used")) > 0)
		json_object_set_new(out, "memory-rss",
				    json_integer(json_integer_value(json_object_get(mem, "used")) *
						 1024));
	json_array_foreach(json_object_get(rd, "disks"), i, v) {
		static const char *const f[][2] = { { "read", "read_bytes" },
						    { "read_req", "read_requests" },
						    { "write", "write_bytes" },
						    { "write_req", "write_requests" },
						    { "errors", "errors_count" } };
		const char *name = json_str(v, "name");
		for (size_t j = 0; name && strlen(name) < 32 && j < ARRAY_SIZE(f); j++) {
			snprintf(k, sizeof(k), "%s_%s", name, f[j][0]);
			put_figure(out, k, v, f[j][1]);
		}
	}
	json_array_foreach(json_object_get(rd, "nics"), i, v) {
		static const char *const f[][2] = {
			{ "rx", "rx_octets" },	     { "rx_drop", "rx_drop" },
			{ "rx_errors", "rx_errors" }, { "rx_packets", "rx_packets" },
			{ "tx", "tx_octets" },	     { "tx_drop", "tx_drop" },
			{ "tx_errors", "tx_errors" }, { "tx_packets", "tx_packets" },
		};
		const char *tap = json_str(v, "tap");
		for (size_t j = 0; tap && strlen(tap) < 32 && j < ARRAY_SIZE(f); j++) {
			snprintf(k, sizeof(k), "%s_%s", tap, f[j][0]);
			put_figure(out, k, v, f[j][1]);
		}
	}
	return out;
}

/* The first step of a request: check that server id can be read (its
 * host set, running, the host up) and move its diag_seq on, in one write
 * transaction. 0 with *rev the revision written, or -errno with Nova's
 * words in f (-EALREADY: 409). */
static int diag_ask(struct basalt *b, struct store *st, const struct caller *c, const char *id,
		    int64_t *rev, struct nova_fault *f)
{
	struct server_ref s;
	struct store_stmt *q;
	char host[256] = "";
	int64_t power = 0;
	int r = server_find(st, c, id, "os_compute_api:os-server-diagnostics", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_query(st, &q, "SELECT COALESCE(host, ''), power_state FROM server WHERE id = ?",
			"s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(host, sizeof(host), "%s", store_text(q, 0));
		power = store_int(q, 1);
	}
	store_done(q);
	if (r <= 0)
		return r < 0 ? r : nova_fail(f, -ENOENT, "Instance %s could not be found.", id);
	if (!host[0])
		return nova_fail(f, -EALREADY, "Instance %s is not ready", id);
	if (power != 1)
		return nova_fail(f, -EALREADY,
				 "Cannot 'get_diagnostics' instance %s while it is in power state %s",
				 id, power_name(power));
	r = host_up(b, st, host);
	if (r < 0)
		return r;
	if (r == 0)
		return nova_fail(f, -EALREADY,
				 "Cannot 'get_diagnostics' instance %s: its compute host is down", id);
	*rev = store_txn_revision(st);
	r = store_exec(st, "UPDATE server SET diag_seq = diag_seq + 1, revision = ? WHERE id = ?",
		       "is", *rev, id);
	return r < 0 ? r : 0;
}

/* The reading of server id once it answers the latest request: 1 with
 * *rd (new reference) and *config_drive, 0 while it does not yet (*rev:
 * the store's revision read), or -errno (-ENOENT: the server went). */
static int diag_read(struct store *st, const char *id, json_t **rd, bool *config_drive,
		     int64_t *rev)
{
	struct store_stmt *q;
	int r = store_begin_read(st);

	*rd = NULL;
	if (r < 0)
		return r;
	r = store_revision(st, rev);
	if (r >= 0)
		r = store_query(st, &q,
				"SELECT diag_seq, diagnostics, config_drive FROM server WHERE id = ?",
				"s", id);
	if (r >= 0) {
		r = store_next(q);
		if (r > 0 && store_text(q, 1)) {
			json_t *v = json_loads(store_text(q, 1), 0, NULL);
			if (json_integer_value(json_object_get(v, "seq")) >= store_int(q, 0)) {
				*rd = v;
				*config_drive = store_int(q, 2) != 0;
			} else {
				json_decref(v);
			}
		}
		store_done(q);
		if (r == 0)
			r = -ENOENT;
	}
	store_rollback(st);
	if (r < 0)
		return r;
	return *rd != NULL;
}

int h_server_diagnostics(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	struct nova_fault f = { "" };
	_cleanup_json_ json_t *rd = NULL;
	bool config_drive = false;
	struct store *st;
	int64_t rev = 0;
	int r;

	/* The first run asks; the runs after a wait look for the answer. */
	if (!res->wait_until) {
		st = api_write_begin(req, res);
		if (!st)
			return -1;
		r = diag_ask(req->b, st, &req->caller, id, &rev, &f);
		if (r < 0)
			nova_error(res, r, &f, "server");
		if (api_write_end(res, st, r, "server") < 0)
			return -1;
		return http_wait(res, rev, now_usec() + DIAG_WAIT_S * 1000000LL);
	}
	st = basalt_store(req->b);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = diag_read(st, id, &rd, &config_drive, &rev);
	if (r == -ENOENT)
		return http_error(res, 404, "Instance %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "server");
	if (r == 0 && !req->wait_expired)
		return http_wait(res, rev, res->wait_until);
	if (r == 0)
		return http_error(res, 409,
				  "Cannot 'get_diagnostics' instance %s: its compute host did not "
				  "answer within %d seconds",
				  id, DIAG_WAIT_S);
	/* The host could not read it (the guest stopped meanwhile...). */
	if (json_str(rd, "error"))
		return http_error(res, 409, "Cannot 'get_diagnostics' instance %s: %s", id,
				  json_str(rd, "error"));
	if (microversion_at_least(req, 2, 48))
		return http_reply(res, 200, render_v248(rd, config_drive));
	return http_reply(res, 200, render_libvirt(rd));
}
