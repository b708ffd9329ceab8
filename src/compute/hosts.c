/* hosts.c - the compute host resource: the host table (registered,
 * seen and applied by the agents' API, src/agentapi/), and how Nova's API
 * shows hosts: os-services and os-hypervisors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	int64_t now = now_usec(), num, ctl;
	int r;

	if (!valid_host_name(h->name))
		return -EINVAL;
	/* A new host's integer id follows those of every service, the
	 * controllers' too (controller_services.c): no two share one. */
	r = host_service_num_max(st, &num);
	if (r >= 0)
		r = ctlsvc_max_num(st, &ctl);
	if (r < 0)
		return r;
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
			       " enabled, last_seen, created_at, revision, service_num)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
			       "ssssssiiiiiiii", h->name, sid, h->roles, h->local_ip, h->virt_type,
			       h->hypervisor_type, h->hypervisor_version, h->vcpus, h->memory_mb,
			       h->disk_gb, now, now, store_txn_revision(st), (num > ctl ? num : ctl) + 1);
	return r < 0 ? r : 0;
}

int host_service_num_max(struct store *st, int64_t *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT COALESCE(MAX(service_num), 0) FROM host", "");

	if (r < 0)
		return r;
	r = store_next(q);
	*out = r > 0 ? store_int(q, 0) : 0;
	store_done(q);
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
			const char *reason, int forced_down)
{
	/* -1: unchanged (typed integers: PostgreSQL infers no type for a
	 * parameter only tested IS NULL). */
	int64_t enabled = !status ? -1 : strcmp(status, "enabled") == 0;
	int r = store_exec(st,
			   "UPDATE host SET enabled = CASE WHEN ?1 < 0 THEN enabled ELSE ?1 END,"
			   " disabled_reason = CASE WHEN ?1 < 0 THEN disabled_reason"
			   "  WHEN ?1 = 1 THEN NULL ELSE ?2 END,"
			   " forced_down = CASE WHEN ?3 < 0 THEN forced_down ELSE ?3 END,"
			   " revision = ?4 WHERE service_id = ?5",
			   "isiis", enabled, reason, (int64_t)forced_down, store_txn_revision(st),
			   service_id);

	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* Columns of host_query: 0 name, 1 service_id, 2 enabled, 3
 * disabled_reason, 4 last_seen, 5 vcpus, 6 memory_mb, 7 disk_gb, 8
 * hypervisor_type, 9 hypervisor_version, 10 local_ip, 11-13 vcpus,
 * memory and disk in use, 14 servers (the host's usage counters, which
 * also hold the old claim of a resize not yet confirmed, as Nova's
 * resource tracker counts it), 15 service_num, 16 forced_down. */
#define HOST_COLS                                                                                  \
	"h.name, h.service_id, h.enabled, h.disabled_reason, h.last_seen, h.vcpus, h.memory_mb,"   \
	" h.disk_gb, h.hypervisor_type, h.hypervisor_version, h.local_ip,"                        \
	" h.vcpus_used, h.memory_mb_used, h.disk_gb_used, h.servers, h.service_num, h.forced_down"
#define HOST_FROM " FROM host h WHERE h.roles LIKE '%compute%'"

int host_query(struct store *st, const char *name, const char *service_id, const char *id,
	       const char *like, struct store_stmt **q)
{
	return store_query(st, q,
			   "SELECT " HOST_COLS HOST_FROM " AND (?1 IS NULL OR h.name = ?1)"
			   " AND (?2 IS NULL OR h.service_id = ?2)"
			   " AND (?3 IS NULL OR h.service_id = ?3 OR h.name = ?3"
			   "  OR CAST(h.service_num AS VARCHAR(20)) = ?3)"
			   " AND (?4 IS NULL OR h.name LIKE '%' || ?4 || '%')"
			   " ORDER BY h.name",
			   "ssss", name, service_id, id, like);
}

int host_service_of(struct store *st, const char *name, char service_id[65])
{
	struct store_stmt *q;
	int r = host_query(st, name, NULL, NULL, NULL, &q);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(service_id, 65, "%s", store_text(q, 1));
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
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
	r = host_query(st, name, service_id, id, NULL, &q);
	if (r < 0)
		return http_error_errno(res, r, key);
	if (!what)
		return nova_reply_rows(req, res, key, render, q);
	return nova_reply_first(req, res, 200, key, render, what, service_id ? service_id : id, q);
}

json_t *host_service_id(const struct http_request *req, struct store_stmt *q)
{
	if (microversion_at_least(req, 2, 53))
		return json_string(store_text(q, 1));
	return json_integer(store_int(q, 15));
}

const char *host_state(const struct basalt *b, struct store_stmt *q)
{
	return !store_bool(q, 16) && host_alive(b, store_int(q, 4)) ? "up" : "down";
}

static json_t *render_hypervisor_brief(const struct http_request *req, struct store_stmt *q)
{
	return json_pack("{s:o,s:s,s:s,s:s}", "id", host_service_id(req, q),
			 "hypervisor_hostname", store_text(q, 0), "state", host_state(req->b, q),
			 "status", store_bool(q, 2) ? "enabled" : "disabled");
}

/* Nova's host_ip is the node's my_ip: the overlay address it registered,
 * else loopback (an all-in-one node that never set local_ip). */
static const char *host_ip(struct store_stmt *q)
{
	const char *ip = store_text(q, 10);

	return ip && ip[0] ? ip : "127.0.0.1";
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
			     "host_ip", host_ip(q), "cpu_info", "{}", "service",
			     json_pack("{s:s,s:o,s:o}", "host", store_text(q, 0), "id",
				       host_service_id(req, q), "disabled_reason",
				       reason ? json_string(reason) : json_null()),
			     "disk_available_least", disk - ud));
	/* A JSON text before 2.28, an object from then on (as Nova). */
	if (microversion_at_least(req, 2, 28))
		json_object_set_new(h, "cpu_info", json_object());
	return h;
}

/* Add "servers" [{"uuid", "name"}] to each hypervisor of hyps (an
 * array or one object) that runs some, as Nova's with_servers does. */
static void add_servers(struct http_request *req, json_t *hyps)
{
	struct store *st = basalt_store(req->b);
	size_t i;
	json_t *h;

	if (json_is_object(hyps)) {
		json_t *one = json_pack("[O]", hyps);
		add_servers(req, one);
		json_decref(one);
		return;
	}
	json_array_foreach(hyps, i, h) {
		json_t *servers = server_host_list(st, json_string_value(json_object_get(h, "hypervisor_hostname")));
		if (json_array_size(servers))
			json_object_set_new(h, "servers", servers);
		else
			json_decref(servers);
	}
}

/* The hypervisors whose name holds pattern (all when NULL), each with
 * its servers when with_servers; a pattern matching none is Nova's 404. */
static int reply_hypervisors(struct http_request *req, struct http_response *res,
			     nova_render_fn render, const char *pattern, bool with_servers)
{
	struct store *st = basalt_store(req->b);
	json_t *hyps;
	struct store_stmt *q;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = host_query(st, NULL, NULL, NULL, pattern, &q);
	if (r < 0)
		return http_error_errno(res, r, "hypervisors");
	if (nova_reply_rows(req, res, "hypervisors", render, q) < 0)
		return -1;
	hyps = json_object_get(res->body, "hypervisors");
	if (pattern && json_array_size(hyps) == 0)
		return http_error(res, 404, "No hypervisor matching '%s' could be found.", pattern);
	if (with_servers)
		add_servers(req, hyps);
	return 0;
}

/* with_servers (2.53): a boolean, false when absent; -1 with a 400. */
static int with_servers(struct http_request *req, struct http_response *res)
{
	const char *v = http_query(req, "with_servers");
	int b = v ? parse_bool(v) : 0;

	if (b < 0)
		return http_error(res, 400, "Invalid input for query parameters with_servers. Value: %s. '%s' is not a 'boolean'", v, v);
	return b;
}

/* GET /os-hypervisors[/detail]: from 2.53 also ?hypervisor_hostname_pattern
 * and ?with_servers (before, /{pattern}/search and /{pattern}/servers). */
static int list_hypervisors(struct http_request *req, struct http_response *res,
			    nova_render_fn render)
{
	const char *pattern = NULL;
	int ws = 0;

	if (microversion_at_least(req, 2, 53)) {
		pattern = http_query(req, "hypervisor_hostname_pattern");
		ws = with_servers(req, res);
		if (ws < 0)
			return -1;
	}
	return reply_hypervisors(req, res, render, pattern, ws);
}

int h_hypervisor_list(struct http_request *req, struct http_response *res)
{
	return list_hypervisors(req, res, render_hypervisor_brief);
}

int h_hypervisor_detail(struct http_request *req, struct http_response *res)
{
	return list_hypervisors(req, res, render_hypervisor);
}

int h_hypervisor_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "hypervisor_id");
	int ws = microversion_at_least(req, 2, 53) ? with_servers(req, res) : 0;

	if (ws < 0 || reply_hosts(req, res, "hypervisor", render_hypervisor, "Hypervisor", NULL,
				  NULL, id) < 0)
		return -1;
	if (ws)
		add_servers(req, json_object_get(res->body, "hypervisor"));
	return 0;
}

/* Below 2.53: GET /os-hypervisors/{pattern}/search and .../servers (from
 * 2.53 the list's query parameters replace them: 404). */
int h_hypervisor_search(struct http_request *req, struct http_response *res)
{
	if (microversion_at_least(req, 2, 53))
		return http_error(res, 404, "The resource could not be found.");
	return reply_hypervisors(req, res, render_hypervisor_brief,
				 http_param(req, "hypervisor_id"), false);
}

int h_hypervisor_servers(struct http_request *req, struct http_response *res)
{
	if (microversion_at_least(req, 2, 53))
		return http_error(res, 404, "The resource could not be found.");
	return reply_hypervisors(req, res, render_hypervisor_brief,
				 http_param(req, "hypervisor_id"), true);
}

int h_hypervisor_stats(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_int_t t[9] = { 0 };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = host_query(st, NULL, NULL, NULL, NULL, &q);
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
