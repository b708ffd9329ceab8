/* hosts.c - the compute host resource: the host table (registered,
 * seen and applied by the agents' API, src/agentapi/), and how Nova's API
 * shows hosts: os-services and os-hypervisors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

bool host_alive(const struct basalt *b, int64_t last_seen)
{
	return now_usec() - last_seen <= (int64_t)b->cfg.service_down_time * 1000000;
}

int host_up(struct basalt *b, struct store *st, const char *name)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT last_seen FROM host WHERE name = ?", "s", name);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		r = host_alive(b, store_int(q, 0));
	store_done(q);
	return r;
}

static bool valid_host_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 256 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

int host_register(struct store *st, const struct host_info *h)
{
	char sid[ID_HEX_LEN + 1];
	int64_t now = now_usec();
	int r;

	if (!valid_host_name(h->name))
		return -EINVAL;
	id_new(sid);
	r = store_exec(st,
		       "UPDATE host SET roles = ?, local_ip = ?, virt_type = ?, hypervisor_type = ?,"
		       " hypervisor_version = ?, vcpus = ?, memory_mb = ?, disk_gb = ?, last_seen = ?,"
		       " revision = ? WHERE name = ?",
		       "ssssiiiiiis", h->roles, h->local_ip, h->virt_type, h->hypervisor_type,
		       h->hypervisor_version, h->vcpus, h->memory_mb, h->disk_gb, now,
		       store_txn_revision(st), h->name);
	if (r == 0)
		r = store_exec(st,
			       "INSERT INTO host (name, service_id, roles, local_ip, virt_type,"
			       " hypervisor_type, hypervisor_version, vcpus, memory_mb, disk_gb,"
			       " enabled, last_seen, created_at, revision)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
			       "ssssssiiiiiii", h->name, sid, h->roles, h->local_ip, h->virt_type,
			       h->hypervisor_type, h->hypervisor_version, h->vcpus, h->memory_mb,
			       h->disk_gb, now, now, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int host_seen(struct store *st, const char *name, int64_t now)
{
	int r = store_exec(st, "UPDATE host SET last_seen = ? WHERE name = ?", "is", now, name);

	return r < 0 ? r : r > 0;
}

int host_applied(struct store *st, const char *name, int64_t revision)
{
	int r = store_exec(st,
			   "UPDATE host SET applied_revision = ?1 WHERE name = ?2"
			   " AND applied_revision < ?1",
			   "is", revision, name);

	return r < 0 ? r : 0;
}

int host_roles(struct store *st, const char *host, char roles[256])
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT roles FROM host WHERE name = ?", "s", host);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(roles, 256, "%s", store_text(q, 0) ? store_text(q, 0) : "");
	store_done(q);
	return r;
}

int host_service_update(struct store *st, const char *service_id, const char *status,
			const char *reason)
{
	int r = store_exec(st,
			   "UPDATE host SET enabled = COALESCE(?, enabled), disabled_reason = ?,"
			   " revision = ? WHERE service_id = ?",
			   "psis", status ? &(int64_t){ strcmp(status, "enabled") == 0 } : NULL,
			   status && strcmp(status, "disabled") == 0 ? reason : NULL,
			   store_txn_revision(st), service_id);

	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* Columns of host_query: 0 name, 1 service_id, 2 enabled, 3
 * disabled_reason, 4 last_seen, 5 vcpus, 6 memory_mb, 7 disk_gb, 8
 * hypervisor_type, 9 hypervisor_version, 10 local_ip, 11-13 vcpus,
 * memory and disk allocated, 14 servers. */
#define HOST_COLS                                                                                  \
	"h.name, h.service_id, h.enabled, h.disabled_reason, h.last_seen, h.vcpus, h.memory_mb,"   \
	" h.disk_gb, h.hypervisor_type, h.hypervisor_version, h.local_ip,"                        \
	" COALESCE(SUM(a.vcpus), 0), COALESCE(SUM(a.memory_mb), 0), COALESCE(SUM(a.disk_gb), 0),"  \
	" COUNT(a.server_id)"
#define HOST_FROM                                                                                  \
	" FROM host h LEFT JOIN allocation a ON a.host = h.name"                                   \
	" WHERE h.roles LIKE '%compute%'"

int host_query(struct store *st, const char *name, const char *service_id, const char *id,
	       struct store_stmt **q)
{
	return store_query(st, q,
			   "SELECT " HOST_COLS HOST_FROM " AND (?1 IS NULL OR h.name = ?1)"
			   " AND (?2 IS NULL OR h.service_id = ?2)"
			   " AND (?3 IS NULL OR h.service_id = ?3 OR h.name = ?3)"
			   " GROUP BY h.name ORDER BY h.name",
			   "sss", name, service_id, id);
}

/* --- os-services and os-hypervisors: the handlers --- */

/* Reply with every host of host_query rendered (a list), or the first
 * (one, 404 "what ID could not be found." when none). */
static int reply_hosts(struct http_request *req, struct http_response *res, const char *key,
		       nova_render_fn render, const char *what, const char *name,
		       const char *service_id, const char *id)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = host_query(st, name, service_id, id, &q);
	if (r < 0)
		return http_error_errno(res, r, key);
	if (!what)
		return nova_reply_rows(req, res, key, render, q);
	return nova_reply_first(req, res, 200, key, render, what, service_id ? service_id : id, q);
}

static json_t *render_service(const struct http_request *req, struct store_stmt *q)
{
	const char *reason = store_text(q, 3);

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:b}", "id", store_text(q, 1), "binary",
			 "nova-compute", "host", store_text(q, 0), "zone", "nova", "status",
			 store_bool(q, 2) ? "enabled" : "disabled", "state",
			 host_alive(req->b, store_int(q, 4)) ? "up" : "down", "updated_at",
			 nova_time(store_int(q, 4)), "disabled_reason",
			 reason ? json_string(reason) : json_null(), "forced_down", 0);
}

int h_service_list_nova(struct http_request *req, struct http_response *res)
{
	const char *binary = http_query(req, "binary");

	if (binary && strcmp(binary, "nova-compute") != 0)
		return http_reply(res, 200, json_pack("{s:[]}", "services"));
	return reply_hosts(req, res, "services", render_service, NULL, http_query(req, "host"),
			   NULL, NULL);
}

int h_service_update_nova(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "status", J_STRING, false, 16 },
		{ "disabled_reason", J_STRING_NULL, false, 255 },
		{ "forced_down", J_BOOL, false, 0 },
	};
	const char *id = http_param(req, "service_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const char *status;
	struct store *st;
	char err[256];
	int r;

	if (!body)
		return -1;
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	status = json_str(body, "status");
	if (status && strcmp(status, "enabled") != 0 && strcmp(status, "disabled") != 0)
		return http_error(res, 400, "Invalid input for field/attribute status.");
	if (json_is_true(json_object_get(body, "forced_down")))
		return http_error(res, 400, "forced_down is not supported: a host is down when its heartbeats stop.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = host_service_update(st, id, status, json_str(body, "disabled_reason"));
	if (r == -ENOENT)
		r = http_error(res, 404, "Service %s could not be found.", id);
	if (api_write_end(res, st, r, "service") < 0)
		return -1;
	return reply_hosts(req, res, "service", render_service, "Service", NULL, id, NULL);
}

static json_t *render_hypervisor_brief(const struct http_request *req, struct store_stmt *q)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "id", store_text(q, 1), "hypervisor_hostname",
			 store_text(q, 0), "state", host_alive(req->b, store_int(q, 4)) ? "up" : "down",
			 "status", store_bool(q, 2) ? "enabled" : "disabled");
}

static json_t *render_hypervisor(const struct http_request *req, struct store_stmt *q)
{
	json_t *h = render_hypervisor_brief(req, q);
	int64_t vcpus = store_int(q, 5), mem = store_int(q, 6), disk = store_int(q, 7);
	int64_t uv = store_int(q, 11), um = store_int(q, 12), ud = store_int(q, 13);
	const char *reason = store_text(q, 3);

	json_object_update_new(
		h, json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I,s:I,s:s,s:s,s:o,s:I}",
			     "vcpus", vcpus, "memory_mb", mem, "local_gb", disk, "vcpus_used", uv,
			     "memory_mb_used", um, "local_gb_used", ud, "free_ram_mb", mem - um,
			     "free_disk_gb", disk - ud, "running_vms", store_int(q, 14),
			     "hypervisor_type", store_text(q, 8) ? store_text(q, 8) : "QEMU",
			     "hypervisor_version", store_int(q, 9), "current_workload", (json_int_t)0,
			     "host_ip", store_text(q, 10) ? store_text(q, 10) : "", "cpu_info", "{}",
			     "service",
			     json_pack("{s:s,s:s,s:o}", "host", store_text(q, 0), "id",
				       store_text(q, 1), "disabled_reason",
				       reason ? json_string(reason) : json_null()),
			     "disk_available_least", disk - ud));
	/* A JSON text before 2.28, an object from then on (as Nova). */
	if (microversion_at_least(req, 2, 28))
		json_object_set_new(h, "cpu_info", json_object());
	return h;
}

int h_hypervisor_list(struct http_request *req, struct http_response *res)
{
	return reply_hosts(req, res, "hypervisors", render_hypervisor_brief, NULL, NULL, NULL,
			   NULL);
}

int h_hypervisor_detail(struct http_request *req, struct http_response *res)
{
	return reply_hosts(req, res, "hypervisors", render_hypervisor, NULL, NULL, NULL, NULL);
}

int h_hypervisor_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "hypervisor_id");

	return reply_hosts(req, res, "hypervisor", render_hypervisor, "Hypervisor", NULL, NULL, id);
}

int h_hypervisor_stats(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_int_t t[9] = { 0 };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = host_query(st, NULL, NULL, NULL, &q);
	if (r < 0)
		return http_error_errno(res, r, "hypervisors");
	while ((r = store_next(q)) > 0) {
		t[0]++;
		t[1] += store_int(q, 5);
		t[2] += store_int(q, 6);
		t[3] += store_int(q, 7);
		t[4] += store_int(q, 11);
		t[5] += store_int(q, 12);
		t[6] += store_int(q, 13);
		t[7] += store_int(q, 14);
	}
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "hypervisors");
	return http_reply(res, 200,
			  json_pack("{s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}}",
				    "hypervisor_statistics", "count", t[0], "vcpus", t[1],
				    "memory_mb", t[2], "local_gb", t[3], "vcpus_used", t[4],
				    "memory_mb_used", t[5], "local_gb_used", t[6], "running_vms",
				    t[7], "free_ram_mb", t[2] - t[5], "free_disk_gb", t[3] - t[6],
				    "current_workload", (json_int_t)0, "disk_available_least",
				    t[3] - t[6]));
}

/* Basalt has no host aggregates: the list is honestly empty. */
int h_aggregate_list(struct http_request *req, struct http_response *res)
{
	return http_reply(res, 200, json_pack("{s:[]}", "aggregates"));
}

/* Every host is in the one zone, "nova", available while any enabled
 * compute host is up; /detail (admin) lists the hosts. */
int h_availability_zones(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	bool detail = strstr(req->path, "/detail") != NULL;
	json_t *hosts = detail ? json_object() : json_null();
	struct store_stmt *q;
	bool up = false;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = host_query(st, NULL, NULL, NULL, &q);
	if (r < 0) {
		json_decref(hosts);
		return http_error_errno(res, r, "hosts");
	}
	while ((r = store_next(q)) > 0) {
		bool alive = host_alive(req->b, store_int(q, 4)), enabled = store_bool(q, 2);
		up = up || (alive && enabled);
		if (detail)
			json_object_set_new(hosts, store_text(q, 0),
					    json_pack("{s:{s:b,s:b,s:o}}", "nova-compute", "available",
						      alive, "active", enabled, "updated_at",
						      nova_time(store_int(q, 4))));
	}
	store_done(q);
	return http_reply(res, 200,
			  json_pack("{s:[{s:s,s:{s:b},s:o}]}", "availabilityZoneInfo", "zoneName",
				    "nova", "zoneState", "available", up, "hosts", hosts));
}

/* Nova asks the hypervisor's host for `uptime`; agents do not report it
 * (yet), so it says so rather than make one up. */
int h_hypervisor_uptime(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "hypervisor_id");
	int r = reply_hosts(req, res, "hypervisor", render_hypervisor_brief, "Hypervisor", NULL,
			    NULL, id);

	if (r == 0)
		json_object_set_new(json_object_get(res->body, "hypervisor"), "uptime",
				    json_string("unknown"));
	return r;
}
