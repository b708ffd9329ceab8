/* hosts.c - compute hosts: the agent endpoints (register, heartbeat,
 * desired state, report; docs/agent-protocol.md), and how the API shows
 * hosts: os-services and os-hypervisors. */
#include <errno.h>
#include <sodium.h>
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
#include "network/network.h"
#include "store/store.h"

bool host_alive(const struct basalt *b, int64_t last_seen)
{
	return now_usec() - last_seen <= (int64_t)b->cfg.service_down_time * 1000000;
}

static bool valid_host_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 256 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

int h_agent_register(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "roles", J_ARRAY, true, 0 },	       { "local_ip", J_STRING_NULL, false, 64 },
		{ "virt_type", J_STRING_NULL, false, 16 }, { "hypervisor_type", J_STRING_NULL, false, 32 },
		{ "hypervisor_version", J_ANY, false, 0 }, { "resources", J_OBJECT, false, 0 },
	};
	const char *name = http_param(req, "host");
	json_t *h, *rs, *role;
	_cleanup_json_ json_t *body = api_body_object(req, res, "host", fields, ARRAY_SIZE(fields), &h);
	char roles[256] = "", sid[ID_HEX_LEN + 1];
	struct store *st;
	size_t i;
	int64_t now = now_usec();
	int r;

	if (!body)
		return -1;
	if (!valid_host_name(name))
		return http_error(res, 400, "Invalid host name.");
	json_array_foreach(json_object_get(h, "roles"), i, role) {
		const char *rn = json_string_value(role);
		if (!rn || (strcmp(rn, "compute") != 0 && strcmp(rn, "network") != 0))
			return http_error(res, 400, "Invalid role: roles are compute and network.");
		if (strlen(roles) + strlen(rn) + 2 < sizeof(roles))
			snprintf(roles + strlen(roles), sizeof(roles) - strlen(roles), "%s%s",
				 roles[0] ? "," : "", rn);
	}
	rs = json_object_get(h, "resources");
	json_int_t vcpus = json_integer_value(json_object_get(rs, "vcpus"));
	json_int_t mem = json_integer_value(json_object_get(rs, "memory_mb"));
	json_int_t disk = json_integer_value(json_object_get(rs, "disk_gb"));
	if (vcpus < 0 || mem < 0 || disk < 0 || vcpus > 1 << 20 || mem > 1LL << 40 || disk > 1LL << 40)
		return http_error(res, 400, "Invalid resources.");
	id_new(sid);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_exec(st,
		       "UPDATE host SET roles = ?, local_ip = ?, virt_type = ?, hypervisor_type = ?,"
		       " hypervisor_version = ?, vcpus = ?, memory_mb = ?, disk_gb = ?, last_seen = ?,"
		       " revision = ? WHERE name = ?",
		       "ssssiiiiiis", roles, json_str(h, "local_ip"), json_str(h, "virt_type"),
		       json_str(h, "hypervisor_type"),
		       (int64_t)json_integer_value(json_object_get(h, "hypervisor_version")),
		       (int64_t)vcpus, (int64_t)mem, (int64_t)disk, now, store_txn_revision(st), name);
	if (r == 0)
		r = store_exec(st,
			       "INSERT INTO host (name, service_id, roles, local_ip, virt_type,"
			       " hypervisor_type, hypervisor_version, vcpus, memory_mb, disk_gb,"
			       " enabled, last_seen, created_at, revision)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
			       "ssssssiiiiiii", name, sid, roles, json_str(h, "local_ip"),
			       json_str(h, "virt_type"), json_str(h, "hypervisor_type"),
			       (int64_t)json_integer_value(json_object_get(h, "hypervisor_version")),
			       (int64_t)vcpus, (int64_t)mem, (int64_t)disk, now, now,
			       store_txn_revision(st));
	/* A network node (re)registering adopts the routers and DHCP ports
	 * that have no alive host. */
	if (r >= 0 && strstr(roles, "network")) {
		int s = network_schedule(req->b, st, name);
		if (s < 0)
			r = s;
	}
	if (api_write_end(res, st, r, "host") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:{s:s,s:s,s:b}}", "host", "name", name, "roles",
					      roles, "enabled", 1));
}

int h_agent_heartbeat(struct http_request *req, struct http_response *res)
{
	const char *name = http_param(req, "host");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = store_exec(st, "UPDATE host SET last_seen = ? WHERE name = ?", "is", now_usec(), name);
	if (r == 0)
		r = http_error(res, 404, "Host %s is not registered.", name);
	if (api_write_end(res, st, r, "host") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* 1 with the host's roles (comma list) in roles[256], 0 when it is not
 * registered, or -errno. */
static int host_registered(struct store *st, const char *host, char roles[256])
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

/* Columns: 0 id, 1 name, 2 project, 3 user, 4 power, 5 reboot_seq,
 * 6 reboot_type, 7 flavor_id, 8 flavor_name, 9 vcpus, 10 ram, 11 disk,
 * 12 ephemeral, 13 swap, 14 image_id, 15 key_name, 16 public_key,
 * 17 user_data, 18 availability_zone, 19 image checksum, 20 image size,
 * 21 image disk_format, 22 created_at, 23 config_drive (24 console_end: kept
 * out of the document, see desired()). */
static json_t *desired_server(struct basalt *b, struct store *st, struct store_stmt *q)
{
	/* Past vif_plugging_timeout a VM starts even without its DHCP. */
	bool waited = now_usec() - store_int(q, 22) >
		      (int64_t)b->cfg.vif_plugging_timeout * 1000000;
	char file[128];
	const char *id = store_text(q, 0), *image = store_text(q, 14);
	json_t *keys = json_object(), *meta = server_metadata(st, id), *s;

	if (store_text(q, 15) && store_text(q, 16))
		json_object_set_new(keys, store_text(q, 15), json_string(store_text(q, 16)));
	snprintf(file, sizeof(file), "/image/v2/images/%s/file", image ? image : "");
	s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:I,s:s},s:{s:s,s:s,s:I,s:I,s:I,s:I,s:I},"
		      "s:o,s:o,s:o,s:o,s:s}",
		      "id", id, "name", store_text(q, 1), "hostname", store_text(q, 1), "project_id",
		      store_text(q, 2), "user_id", store_text(q, 3), "power", store_text(q, 4),
		      "reboot", "seq", store_int(q, 5), "type",
		      store_text(q, 6) ? store_text(q, 6) : "SOFT", "flavor", "id", store_text(q, 7),
		      "name", store_text(q, 8), "vcpus", store_int(q, 9), "ram", store_int(q, 10),
		      "disk", store_int(q, 11), "ephemeral", store_int(q, 12), "swap",
		      store_int(q, 13), "public_keys", keys, "metadata", meta, "user_data",
		      store_text(q, 17) ? json_string(store_text(q, 17)) : json_null(), "key_name",
		      store_text(q, 15) ? json_string(store_text(q, 15)) : json_null(),
		      "availability_zone", store_text(q, 18));
	if (image)
		json_object_set_new(s, "image",
				    json_pack("{s:s,s:s?,s:I,s:s?,s:s}", "id", image, "checksum",
					      store_text(q, 19), "size", store_int(q, 20),
					      "disk_format", store_text(q, 21), "file", file));
	json_object_set_new(s, "config_drive", json_boolean(store_int(q, 23)));
	/* The NICs in the order the guest sees them, on the taps the data
	 * plane makes for their ports. */
	json_object_set_new(s, "nics", server_nics_desired(st, id, waited));
	return s;
}

/* The host's desired state and its etag (a hash of the whole document:
 * servers and the networking members alike). Each server also carries
 * console_offset, where the console tail the controller holds ends: it is
 * added after the etag, so a console delta never wakes a long poll, and a
 * restarted agent learns from it where to go on (nothing sent twice,
 * nothing lost). */
static json_t *desired(struct basalt *b, struct store *st, const char *host, const char *roles,
		       int *err)
{
	struct store_stmt *q;
	json_t *servers = json_array(), *doc;
	unsigned char hash[16];
	char etag[33], *text;
	int r;

	/* 'error' and 'deleting' servers are absent: the agent removes them. */
	r = store_query(st, &q,
			"SELECT s.id, s.name, s.project_id, s.user_id, s.power, s.reboot_seq,"
			" s.reboot_type, s.flavor_id, s.flavor_name, s.vcpus, s.ram, s.disk,"
			" s.ephemeral, s.swap, s.image_id, s.key_name, s.public_key, s.user_data,"
			" s.availability_zone, i.checksum, i.size, i.disk_format, s.created_at,"
			" s.config_drive, s.console_end"
			" FROM server s LEFT JOIN image i ON i.id = s.image_id"
			" WHERE s.host = ? AND s.vm_state IN ('building', 'active', 'stopped')"
			" ORDER BY s.id",
			"s", host);
	if (r < 0) {
		*err = r;
		json_decref(servers);
		return NULL;
	}
	json_t *offsets = json_array();
	while ((r = store_next(q)) > 0) {
		json_array_append_new(servers, desired_server(b, st, q));
		json_array_append_new(offsets, json_integer(store_int(q, 24)));
	}
	store_done(q);
	if (r < 0 || json_array_size(offsets) != json_array_size(servers)) {
		*err = r < 0 ? r : -ENOMEM;
		json_decref(servers);
		json_decref(offsets);
		return NULL;
	}
	/* Servers being deleted are listed apart: not desired, but naming
	 * them changes the etag, so the agent wakes, destroys what it has and
	 * reports, and the rows go at once rather than at its next poll. */
	json_t *deleting = json_array();
	r = store_query(st, &q,
			"SELECT id FROM server WHERE host = ? AND vm_state = 'deleting' ORDER BY id",
			"s", host);
	if (r == 0) {
		while ((r = store_next(q)) > 0)
			json_array_append_new(deleting, json_string(store_text(q, 0)));
		store_done(q);
	}
	if (r < 0) {
		*err = r;
		json_decref(servers);
		json_decref(deleting);
		return NULL;
	}
	doc = json_pack("{s:s,s:O,s:o}", "host", host, "servers", servers, "deleting", deleting);
	if (!doc) {
		*err = -ENOMEM;
		json_decref(servers);
		json_decref(offsets);
		return NULL;
	}
	r = network_desired_l2(b, st, host, doc);
	if (r >= 0)
		r = network_desired_l3(b, st, host, roles, doc);
	if (r < 0) {
		*err = r;
		json_decref(doc);
		json_decref(servers);
		json_decref(offsets);
		return NULL;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		*err = -ENOMEM;
		json_decref(doc);
		json_decref(servers);
		json_decref(offsets);
		return NULL;
	}
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)text, strlen(text), NULL,
			   0);
	free(text);
	sodium_bin2hex(etag, sizeof(etag), hash, sizeof(hash));
	json_object_set_new(doc, "etag", json_string(etag));
	json_t *s;
	size_t i;
	json_array_foreach(servers, i, s)
		json_object_set(s, "console_offset", json_array_get(offsets, i));
	json_decref(servers);
	json_decref(offsets);
	return doc;
}

/* The desired state goes in pages of at most DESIRED_PAGE_MAX bytes of
 * array entries (servers, deleting, networks, ports, security groups,
 * DHCP, routers), so no answer grows with what the host carries: page 0
 * has every member (arrays cut to their first entries) and says how many
 * pages there are; the agent asks for the others by number with the etag
 * (docs/agent-protocol.md, "Desired state"). The cut is a pure function
 * of the document, so every page of one etag fits with the others. One
 * entry larger than a page (a server with 64 KiB of user data, a network's
 * DHCP hosts) makes a page of its own. */
#define DESIRED_PAGE_MAX (256 * 1024)

/* Page k of doc (a new document) and *pages, the number of pages. */
static json_t *desired_page(const json_t *doc, long k, long *pages)
{
	json_t *out = json_object(), *v;
	const char *key;
	long page = 0;
	size_t used = 0;

	if (!out)
		return NULL;
	/* Members in the order of their names: the same cut every time. */
	json_object_foreach((json_t *)doc, key, v)
		if (!json_is_array(v))
			json_object_set(out, key, v);
	const char **keys = NULL;
	size_t nk = 0;
	json_object_foreach((json_t *)doc, key, v) {
		if (!json_is_array(v))
			continue;
		const char **nkeys = realloc(keys, (nk + 1) * sizeof(*keys));
		if (!nkeys) {
			free(keys);
			json_decref(out);
			return NULL;
		}
		keys = nkeys;
		keys[nk++] = key;
	}
	for (size_t i = 1; i < nk; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (size_t i = 0; i < nk; i++) {
		json_t *arr = json_object_get(doc, keys[i]), *mine = json_array(), *e;
		size_t j;
		json_array_foreach(arr, j, e) {
			char *t = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
			size_t n = t ? strlen(t) + 1 : 1;
			free(t);
			if (used > 0 && used + n > DESIRED_PAGE_MAX) {
				page++;
				used = 0;
			}
			used += n;
			if (page == k)
				json_array_append(mine, e);
		}
		json_object_set_new(out, keys[i], mine);
	}
	free(keys);
	*pages = page + 1;
	return out;
}

int h_agent_desired(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *host = http_param(req, "host");
	const char *after = http_query(req, "after"), *wait = http_query(req, "wait");
	const char *nm = http_query(req, "not_modified");
	bool not_modified = nm && strcmp(nm, "1") == 0;
	long wait_s = wait ? strtol(wait, NULL, 10) : 0;
	int64_t rev = 0;
	char roles[256] = "";
	json_t *doc;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (wait_s < 0 || wait_s > 30)
		return http_error(res, 400, "wait is 0 to 30 seconds.");
	/* page=K&etag=E: page K of the document whose etag is E (409 once it
	 * changed: the agent starts again from page 0). */
	const char *page_q = http_query(req, "page"), *etag_q = http_query(req, "etag");
	char *endp = NULL;
	long page = page_q ? strtol(page_q, &endp, 10) : 0;
	if (page_q && (!*page_q || *endp || page < 0 || page > 1000000))
		return http_error(res, 400, "page is a page number.");
	if (page > 0 && !etag_q)
		return http_error(res, 400, "page needs the etag of the document.");
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	r = host_registered(st, host, roles);
	if (r > 0)
		r = store_revision(st, &rev) < 0 ? -EIO : 1;
	doc = r > 0 ? desired(req->b, st, host, roles, &r) : NULL;
	store_rollback(st);
	if (r == 0)
		return http_error(res, 404, "Host %s is not registered.", host);
	if (!doc)
		return http_error_errno(res, r, "desired state");
	if (etag_q && strcmp(etag_q, json_string_value(json_object_get(doc, "etag"))) != 0) {
		json_decref(doc);
		return http_error(res, 409, "The desired state of %s changed: start again from page 0.",
				  host);
	}
	bool same = after && strcmp(after, json_string_value(json_object_get(doc, "etag"))) == 0;
	/* A long poll: nothing new for this host yet, so wait for a write. */
	if (same && wait_s > 0 && !req->wait_expired) {
		json_decref(doc);
		return http_wait(res, rev,
				 res->wait_until ? res->wait_until : now_usec() + wait_s * 1000000);
	}
	/* Still the same at the end of the wait: an agent that keeps the
	 * document it has asks for no copy of it (not_modified=1), so an idle
	 * node's polls carry no state at all, whatever it holds. */
	if (same && not_modified) {
		json_decref(doc);
		return http_reply(res, 304, NULL);
	}
	/* The revision the document was read at, outside the etag (which
	 * changes only with the content): the agent reports it back as
	 * applied_revision once it has carried the document out. */
	json_object_set_new(doc, "revision", json_integer(rev));
	long pages = 1;
	json_t *pg = desired_page(doc, page, &pages);
	json_decref(doc);
	if (!pg)
		return http_error_errno(res, -ENOMEM, "desired state");
	if (page >= pages) {
		json_decref(pg);
		return http_error(res, 404, "Page %ld of the desired state of %s: it has %ld.", page,
				  host, pages);
	}
	json_object_set_new(pg, "page", json_integer(page));
	json_object_set_new(pg, "pages", json_integer(pages));
	return http_reply(res, 200, pg);
}

static int power_state_code(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "running") == 0)
		return 1;
	if (strcmp(s, "shutdown") == 0)
		return 4;
	if (strcmp(s, "crashed") == 0)
		return 6;
	return 0;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* A console delta of a server entry: {"offset": N, "data": "...",
 * "reset": bool}. Merged into the stored tail (console.c) in the caller's
 * write transaction; a duplicate writes nothing. */
static int report_console(struct store *st, const char *host, const char *id,
			  const json_t *con)
{
	const json_t *off = json_object_get(con, "offset"), *data = json_object_get(con, "data");
	const json_t *reset = json_object_get(con, "reset");
	_cleanup_free_ char *tail = NULL, *merged = NULL;
	struct store_stmt *q;
	int64_t end = 0, new_end;
	int r;

	if (!json_is_object(con) || !json_is_integer(off) || !json_is_string(data) ||
	    (reset && !json_is_boolean(reset)))
		return -EINVAL;
	r = store_query(st, &q,
			"SELECT console, console_end FROM server WHERE id = ? AND host = ?"
			" AND vm_state <> 'deleting'",
			"ss", id, host);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		tail = store_text(q, 0) ? strdup(store_text(q, 0)) : NULL;
		end = store_int(q, 1);
		if (store_text(q, 0) && !tail)
			r = -ENOMEM;
	}
	store_done(q);
	if (r <= 0)
		return r; /* a server not (any more) here: ignored */
	r = console_merge(tail, end, json_integer_value(off), json_string_value(data),
			  json_string_length(data), json_is_true(reset), &merged, &new_end);
	if (r <= 0)
		return r;
	return store_exec(st, "UPDATE server SET console = ?, console_end = ? WHERE id = ?", "sis",
			  merged, new_end, id);
}

static int report_server(struct store *st, const char *host, const json_t *s, int64_t now)
{
	static const char *const vm_states[] = { "building", "active", "stopped", "error", NULL };
	const char *id = json_str(s, "id"), *vm = json_str(s, "vm_state");
	const json_t *fault = json_object_get(s, "fault"), *con = json_object_get(s, "console");
	const char *console = json_str(s, "console_tail");
	int r;

	if (!id || !one_of(vm, vm_states) || (con && !json_is_object(con)))
		return -EINVAL;
	/* console_tail (a whole tail, as first agents sent it) replaces;
	 * agents now send "console" deltas. Either way at most the last
	 * CONSOLE_TAIL_MAX bytes are kept. */
	if (console && strlen(console) > CONSOLE_TAIL_MAX)
		console += strlen(console) - CONSOLE_TAIL_MAX;
	/* A server being deleted keeps that state whatever the agent says. */
	r = store_exec(st,
			  "UPDATE server SET vm_state = ?1,"
			  /* A report read before the latest request must not end that
			   * request's task: keep it while a reboot is still owed or the
			   * power differs from what was asked. */
			  " task_state = CASE WHEN ?1 = 'error' THEN ?2"
			  "  WHEN reboot_seq > ?4 THEN task_state"
			  "  WHEN power = 'off' AND ?3 = 1 THEN task_state"
			  "  WHEN power = 'on' AND ?3 <> 1 AND task_state IN ('powering-on', 'spawning')"
			  "  THEN task_state ELSE ?2 END,"
			  " power_state = ?3, reboot_done = ?4, fault_code = COALESCE(?5, fault_code),"
			  " fault_message = COALESCE(?6, fault_message),"
			  " fault_details = COALESCE(?7, fault_details),"
			  " fault_at = CASE WHEN ?8 = 1 THEN ?9 ELSE fault_at END,"
			  " console = COALESCE(?10, console),"
			  " launched_at = CASE WHEN ?11 = 'active' AND launched_at IS NULL THEN ?12"
			  " ELSE launched_at END, updated_at = ?13, revision = ?14"
			  " WHERE id = ?15 AND host = ?16 AND vm_state <> 'deleting'",
			  "ssiipssbissiiiss", vm, json_str(s, "task_state"),
			  (int64_t)power_state_code(json_str(s, "power_state")),
			  (int64_t)json_integer_value(json_object_get(s, "reboot_seq")),
			  fault ? &(int64_t){ json_integer_value(json_object_get(fault, "code")) } : NULL,
			  json_str(fault, "message"), json_str(fault, "details"), fault != NULL, now,
			  console, vm, now, now, store_txn_revision(st), id, host);
	if (r > 0 && con)
		r = report_console(st, host, id, con);
	return r;
}

static bool listed(const json_t *servers, const char *id)
{
	const json_t *s;
	size_t i;

	json_array_foreach(servers, i, s)
		if (json_str(s, "id") && strcmp(json_str(s, "id"), id) == 0)
			return true;
	return false;
}

/* A deleted server's row goes, with its allocation and its ports. */
static int server_drop(struct store *st, const char *id)
{
	int r = scheduler_release(st, id);

	if (r >= 0)
		r = server_ports_release(st, id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM server WHERE id = ?", "s", id);
	return r;
}

/* A whole report (no "partial": older agents, tests) lists every server
 * present on the host: a 'deleting' server it does not list is gone,
 * whether the agent destroyed it or never got to make it. */
static int drop_deleted(struct store *st, const char *host, const json_t *present)
{
	struct store_stmt *q;
	char (*gone)[ID_HEX_LEN + 1] = NULL;
	int n = 0, r;

	r = store_query(st, &q, "SELECT id FROM server WHERE host = ? AND vm_state = 'deleting'",
			"s", host);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		const char *id = store_text(q, 0);
		if (listed(present, id) || strlen(id) > ID_HEX_LEN)
			continue;
		void *ng = realloc(gone, sizeof(*gone) * (size_t)(n + 1));
		if (!ng) {
			r = -ENOMEM;
			break;
		}
		gone = ng;
		snprintf(gone[n++], ID_HEX_LEN + 1, "%s", id);
	}
	store_done(q);
	for (int i = 0; r >= 0 && i < n; i++)
		r = server_drop(st, gone[i]);
	free(gone);
	return r;
}

/* Drop the servers being deleted on host that gone names. */
static int drop_gone(struct store *st, const char *host, const json_t *gone)
{
	const json_t *v;
	size_t i;
	int r = 0;

	json_array_foreach(gone, i, v) {
		const char *id = json_string_value(v);
		if (!id || strlen(id) > 64)
			return -EINVAL;
	}
	json_array_foreach(gone, i, v) {
		const char *id = json_string_value(v);
		struct store_stmt *q;
		r = store_query(st, &q,
				"SELECT 1 FROM server WHERE id = ? AND host = ? AND vm_state = 'deleting'",
				"ss", id, host);
		if (r < 0)
			return r;
		r = store_next(q);
		store_done(q);
		if (r > 0)
			r = server_drop(st, id);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A report's size is bounded by the agents' body limit ([api]
 * max_agent_request_body_size, src/http/server.c); agents page below
 * [agent] report_max_bytes and send only what changed (src/agent/report.c),
 * so a node's size never meets it. A page is taken whole or refused whole
 * (400 names what is wrong); the agent splits a refused page and sends the
 * rest. */
int h_agent_report(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "servers", J_ARRAY, false, 0 },  { "gone", J_ARRAY, false, 0 },
		{ "ports", J_ARRAY, false, 0 },	   { "routers", J_ARRAY, false, 0 },
		{ "floatingips", J_ARRAY, false, 0 }, { "partial", J_BOOL, false, 0 },
		{ "applied_revision", J_ANY, false, 0 },
	};
	const json_t *applied;
	const char *host = http_param(req, "host");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const json_t *s;
	struct store *st;
	char err[256];
	int64_t now = now_usec();
	size_t i;
	int r;

	if (!body)
		return -1;
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	applied = json_object_get(body, "applied_revision");
	if (applied && (!json_is_integer(applied) || json_integer_value(applied) < 0))
		return http_error(res, 400, "applied_revision must be a non-negative integer.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_exec(st, "UPDATE host SET last_seen = ? WHERE name = ?", "is", now, host);
	if (r == 0)
		r = http_error(res, 404, "Host %s is not registered.", host);
	if (r > 0 && applied)
		r = store_exec(st,
			       "UPDATE host SET applied_revision = ?1 WHERE name = ?2"
			       " AND applied_revision < ?1",
			       "is", (int64_t)json_integer_value(applied), host);
	json_array_foreach(json_object_get(body, "servers"), i, s) {
		if (r < 0)
			break;
		r = report_server(st, host, s, now);
		if (r == -EINVAL)
			r = http_error(res, 400, "Invalid server report.");
	}
	/* Servers being deleted that the host no longer has (destroyed, or
	 * never made) go now, with their allocations: those the report names
	 * gone, and, for a whole report (one that lists every server the
	 * host has), those it leaves out. A partial report (a page, or
	 * deltas: what agents send) says nothing of the servers it omits. */
	if (r >= 0 && json_array_size(json_object_get(body, "gone")))
		r = drop_gone(st, host, json_object_get(body, "gone"));
	if (r == -EINVAL)
		r = http_error(res, 400, "Invalid gone: a list of server ids.");
	if (r >= 0 && json_object_get(body, "servers") &&
	    !json_is_true(json_object_get(body, "partial")))
		r = drop_deleted(st, host, json_object_get(body, "servers"));
	if (r >= 0) {
		int n = network_report(st, host, body);
		if (n == -EINVAL)
			r = http_error(res, 400, "Invalid networking report.");
		else if (n < 0)
			r = n;
	}
	if (api_write_end(res, st, r, "report") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- os-services and os-hypervisors --- */

#define HOST_COLS                                                                                  \
	"h.name, h.service_id, h.enabled, h.disabled_reason, h.last_seen, h.vcpus, h.memory_mb,"   \
	" h.disk_gb, h.hypervisor_type, h.hypervisor_version, h.local_ip,"                        \
	" COALESCE(SUM(a.vcpus), 0), COALESCE(SUM(a.memory_mb), 0), COALESCE(SUM(a.disk_gb), 0),"  \
	" COUNT(a.server_id)"
#define HOST_FROM                                                                                  \
	" FROM host h LEFT JOIN allocation a ON a.host = h.name"                                   \
	" WHERE h.roles LIKE '%compute%'"

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
	return nova_reply_list(req, res, "services", render_service,
			       "SELECT " HOST_COLS HOST_FROM " AND (?1 IS NULL OR h.name = ?1)"
			       " GROUP BY h.name ORDER BY h.name",
			       "s", http_query(req, "host"));
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
	r = store_exec(st,
		       "UPDATE host SET enabled = COALESCE(?, enabled), disabled_reason = ?,"
		       " revision = ? WHERE service_id = ?",
		       "psis", status ? &(int64_t){ strcmp(status, "enabled") == 0 } : NULL,
		       status && strcmp(status, "disabled") == 0 ? json_str(body, "disabled_reason")
								 : NULL,
		       store_txn_revision(st), id);
	if (r == 0)
		r = http_error(res, 404, "Service %s could not be found.", id);
	if (api_write_end(res, st, r, "service") < 0)
		return -1;
	return nova_reply_one(req, res, 200, "service", render_service, "Service", id,
			      "SELECT " HOST_COLS HOST_FROM " AND h.service_id = ? GROUP BY h.name",
			      "s", id);
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
	return nova_reply_list(req, res, "hypervisors", render_hypervisor_brief,
			       "SELECT " HOST_COLS HOST_FROM " GROUP BY h.name ORDER BY h.name", "");
}

int h_hypervisor_detail(struct http_request *req, struct http_response *res)
{
	return nova_reply_list(req, res, "hypervisors", render_hypervisor,
			       "SELECT " HOST_COLS HOST_FROM " GROUP BY h.name ORDER BY h.name", "");
}

int h_hypervisor_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "hypervisor_id");

	return nova_reply_one(req, res, 200, "hypervisor", render_hypervisor, "Hypervisor", id,
			      "SELECT " HOST_COLS HOST_FROM " AND (h.service_id = ?1 OR h.name = ?1)"
			      " GROUP BY h.name",
			      "s", id);
}

int h_hypervisor_stats(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_int_t t[9] = { 0 };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q, "SELECT " HOST_COLS HOST_FROM " GROUP BY h.name", "");
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
	r = store_query(st, &q,
			"SELECT name, last_seen, enabled FROM host WHERE roles LIKE '%compute%'", "");
	if (r < 0) {
		json_decref(hosts);
		return http_error_errno(res, r, "hosts");
	}
	while ((r = store_next(q)) > 0) {
		bool alive = host_alive(req->b, store_int(q, 1)), enabled = store_bool(q, 2);
		up = up || (alive && enabled);
		if (detail)
			json_object_set_new(hosts, store_text(q, 0),
					    json_pack("{s:{s:b,s:b,s:o}}", "nova-compute", "available",
						      alive, "active", enabled, "updated_at",
						      nova_time(store_int(q, 1))));
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
	int r = nova_reply_one(req, res, 200, "hypervisor", render_hypervisor_brief, "Hypervisor",
			       id,
			       "SELECT " HOST_COLS HOST_FROM " AND (h.service_id = ?1 OR h.name = ?1)"
			       " GROUP BY h.name",
			       "s", id);

	if (r == 0)
		json_object_set_new(json_object_get(res->body, "hypervisor"), "uptime",
				    json_string("unknown"));
	return r;
}
