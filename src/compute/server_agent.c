/* server_agent.c - the server resource as the compute agents see it (the
 * agents' API, src/agentapi/, calls these): the servers a host should
 * run, and what its reports say of them applied to the server table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "image/image.h"
#include "metadata/metadata.h"
#include "store/store.h"

/* The image as the image service holds it (its checksum, size and
 * declared format: the agent fetches, checks and uses it as such). */
static json_t *desired_image(struct store *st, const char *image)
{
	struct image im = { 0 };
	char file[128];
	bool have = image_load(st, image, &im) == 0;
	json_t *j;

	snprintf(file, sizeof(file), "/image/v2/images/%s/file", image);
	j = json_pack("{s:s,s:s?,s:I,s:s?,s:s}", "id", image, "checksum",
		      have && im.checksum[0] ? im.checksum : NULL, "size",
		      (json_int_t)(have && im.size > 0 ? im.size : 0), "disk_format",
		      have && im.disk_format[0] ? im.disk_format : NULL, "file", file);
	image_free(&im);
	return j;
}

/* Columns: 0 id, 1 name, 2 project, 3 user, 4 power, 5 reboot_seq,
 * 6 reboot_type, 7 flavor_id, 8 flavor_name, 9 vcpus, 10 ram, 11 disk,
 * 12 ephemeral, 13 swap, 14 image_id, 15 key_name, 16 public_key,
 * 17 user_data, 18 availability_zone, 19 created_at, 20 config_drive
 * (21 console_end: kept out of the document, see compute_desired),
 * 22 the open resize's id, 23 its status (NULL: none), 24 rebuild_seq,
 * 25 rescue_image_id, 26 diag_seq. */
static json_t *desired_server(struct basalt *b, struct store *st, struct store_stmt *q)
{
	/* Past vif_plugging_timeout a VM starts even without its DHCP. */
	bool waited = now_usec() - store_int(q, 19) >
		      (int64_t)b->cfg.vif_plugging_timeout * 1000000;
	const char *id = store_text(q, 0), *image = store_text(q, 14), *power = store_text(q, 4);
	json_t *keys = json_object(), *meta = server_metadata(st, id), *s, *detaching;
	char host[64];

	if (store_text(q, 15) && store_text(q, 16))
		json_object_set_new(keys, store_text(q, 15), json_string(store_text(q, 16)));
	/* The store's 'pause' and 'suspend' (VARCHAR(8)) as the agents read them. */
	if (strcmp(power, "pause") == 0)
		power = "paused";
	else if (strcmp(power, "suspend") == 0)
		power = "suspended";
	hostname_of(store_text(q, 1), id, host);
	s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:I,s:s},s:{s:s,s:s,s:I,s:I,s:I,s:I,s:I},"
		      "s:o,s:o,s:o,s:o,s:s}",
		      "id", id, "name", store_text(q, 1), "hostname", host, "project_id",
		      store_text(q, 2), "user_id", store_text(q, 3), "power", power,
		      "reboot", "seq", store_int(q, 5), "type",
		      store_text(q, 6) ? store_text(q, 6) : "SOFT", "flavor", "id", store_text(q, 7),
		      "name", store_text(q, 8), "vcpus", store_int(q, 9), "ram", store_int(q, 10),
		      "disk", store_int(q, 11), "ephemeral", store_int(q, 12), "swap",
		      store_int(q, 13), "public_keys", keys, "metadata", meta, "user_data",
		      store_text(q, 17) ? json_string(store_text(q, 17)) : json_null(), "key_name",
		      store_text(q, 15) ? json_string(store_text(q, 15)) : json_null(),
		      "availability_zone", store_text(q, 18));
	if (image)
		json_object_set_new(s, "image", desired_image(st, image));
	/* A rebuild makes the disk anew from "image" once per seq; a rescue
	 * boots its image with the server's disk second. */
	json_object_set_new(s, "rebuild", json_pack("{s:I}", "seq", store_int(q, 24)));
	json_object_set_new(s, "rescue", store_text(q, 25)
						 ? json_pack("{s:o}", "image",
							     desired_image(st, store_text(q, 25)))
						 : json_null());
	json_object_set_new(s, "config_drive", json_boolean(store_int(q, 20)));
	/* The config drive's network_data.json, as the metadata service
	 * serves it (the guest reads it before it has a network). */
	if (store_int(q, 20)) {
		struct md_instance in;
		if (md_instance_load_network(st, id, &in) == 0)
			json_object_set_new(s, "network_data", md_network_data(&in));
		md_instance_free(&in);
	}
	/* An open resize: the agent resizes (migrating), keeps the old disk
	 * (finished) or puts it back (reverting); none: it drops what it
	 * kept. */
	if (store_text(q, 22))
		json_object_set_new(s, "resize", json_pack("{s:s,s:s}", "id", store_text(q, 22),
							   "status", store_text(q, 23)));
	/* The NICs in the order the guest sees them, on the taps the data
	 * plane makes for their ports. */
	json_object_set_new(s, "nics", server_nics_desired(st, id, waited));
	/* NICs being detached (no longer in "nics"): named, so the entry
	 * differs from before their attach even when the agent never saw
	 * them plugged, and its report (which releases them) goes again. */
	detaching = server_nics_detaching(st, id);
	if (json_array_size(detaching) > 0)
		json_object_set_new(s, "nics_detaching", detaching);
	else
		json_decref(detaching);
	/* A diagnostics request (server_diagnostics.c): one reading per seq. */
	if (store_int(q, 26) > 0)
		json_object_set_new(s, "diagnostics", json_integer(store_int(q, 26)));
	return s;
}

int compute_desired(struct basalt *b, struct store *st, const char *host, json_t *doc,
		    json_t **offsets)
{
	struct store_stmt *q;
	json_t *servers = json_array(), *deleting = json_array();
	int r;

	*offsets = json_array();
	if (!servers || !deleting || !*offsets) {
		r = -ENOMEM;
		goto fail;
	}
	/* 'deleting' servers are absent: the agent removes them; so are
	 * servers in 'error' that never ran (nothing to keep). One that ran
	 * stays: an error (os-resetState, a failed step) never destroys a VM,
	 * only a delete does, as in Nova. */
	r = store_query(st, &q,
			"SELECT s.id, s.name, s.project_id, s.user_id, s.power, s.reboot_seq,"
			" s.reboot_type, s.flavor_id, s.flavor_name, s.vcpus, s.ram, s.disk,"
			" s.ephemeral, s.swap, s.image_id, s.key_name, s.public_key, s.user_data,"
			" s.availability_zone, s.created_at,"
			" s.config_drive, s.console_end, m.id, m.status, s.rebuild_seq, s.rescue_image_id,"
			" s.diag_seq"
			" FROM server s LEFT JOIN server_migration m ON m.server_id = s.id"
			"  AND m.status IN ('migrating', 'finished', 'reverting')"
			" WHERE s.host = ? AND s.vm_state IN ('building', 'active', 'stopped', 'resized',"
			" 'paused', 'suspended', 'rescued')"
			"  OR s.host = ? AND s.vm_state = 'error' AND s.launched_at IS NOT NULL"
			" ORDER BY s.id",
			"ss", host, host);
	if (r < 0)
		goto fail;
	while ((r = store_next(q)) > 0) {
		json_array_append_new(servers, desired_server(b, st, q));
		json_array_append_new(*offsets, json_integer(store_int(q, 21)));
	}
	store_done(q);
	if (r >= 0 && json_array_size(*offsets) != json_array_size(servers))
		r = -ENOMEM;
	if (r >= 0)
		r = server_snapshots_desired(st, host, servers);
	if (r < 0)
		goto fail;
	/* Servers being deleted are listed apart: not desired, but naming
	 * them changes the etag, so the agent wakes, destroys what it has and
	 * reports, and the rows go at once rather than at its next poll. */
	r = store_query(st, &q,
			"SELECT id FROM server WHERE host = ? AND vm_state = 'deleting' ORDER BY id",
			"s", host);
	if (r == 0) {
		while ((r = store_next(q)) > 0)
			json_array_append_new(deleting, json_string(store_text(q, 0)));
		store_done(q);
	}
	if (r < 0)
		goto fail;
	/* Serial consoles whose websocket waits for this host's agent. */
	if (json_object_set_new(doc, "servers", servers) < 0 ||
	    json_object_set_new(doc, "deleting", deleting) < 0 ||
	    json_object_set_new(doc, "consoles", console_desired(st, host)) < 0) {
		json_decref(*offsets);
		*offsets = NULL;
		return -ENOMEM;
	}
	return 0;
fail:
	json_decref(servers);
	json_decref(deleting);
	json_decref(*offsets);
	*offsets = NULL;
	return r;
}

static int power_state_code(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "running") == 0)
		return 1;
	if (strcmp(s, "paused") == 0)
		return 3;
	if (strcmp(s, "shutdown") == 0)
		return 4;
	if (strcmp(s, "suspended") == 0)
		return 7;
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

/* End the open instance action events of server id once its task is
 * done (none left after the report) or it failed. */
static int report_events(struct store *st, const char *host, const char *id, const char *vm,
			 int64_t now)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT task_state FROM server WHERE id = ?", "s", id);
	bool idle = false;

	if (r < 0)
		return r;
	if (store_next(q) > 0)
		idle = store_text(q, 0) == NULL;
	store_done(q);
	if (strcmp(vm, "error") == 0)
		return instance_action_finish(st, id, host, "Error", now);
	return idle ? instance_action_finish(st, id, host, "Success", now) : 1;
}

/* A diagnostics reading ({"seq", ...}, docs/agent-protocol.md) of server
 * id: stored when it answers the server's latest request and is new; one
 * that is not an object with a seq, or larger than DIAG_MAX bytes, is
 * left out (logged), never refusing the rest of the report. 1 or -errno. */
#define DIAG_MAX 16384
static int report_diagnostics(struct store *st, const char *host, const char *id,
			      const json_t *d)
{
	_cleanup_free_ char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (!json_is_object(d) || !json_is_integer(json_object_get(d, "seq")) || !text ||
	    strlen(text) > DIAG_MAX) {
		log_warn("host %s: diagnostics of server %s left out: not a reading of at most %d "
			 "bytes", host, id, DIAG_MAX);
		return 1;
	}
	r = store_exec(st,
		       "UPDATE server SET diagnostics = ?, revision = ? WHERE id = ? AND host = ?"
		       " AND diag_seq = ? AND (diagnostics IS NULL OR diagnostics <> ?)",
		       "sissis", text, store_txn_revision(st), id, host,
		       (int64_t)json_integer_value(json_object_get(d, "seq")), text);
	return r < 0 ? r : 1;
}

static int report_server(struct store *st, const char *host, const json_t *s, int64_t now)
{
	static const char *const vm_states[] = { "building", "active",	  "stopped", "error",
						 "paused",   "suspended", "rescued", NULL };
	const char *id = json_str(s, "id"), *vm = json_str(s, "vm_state");
	const json_t *fault = json_object_get(s, "fault"), *con = json_object_get(s, "console");
	const char *console = json_str(s, "console_tail");
	const json_t *rs = json_object_get(s, "resize");
	int r;

	if (!id || !one_of(vm, vm_states) || (con && !json_is_object(con)) ||
	    (rs && (!json_str(rs, "id") || !json_str(rs, "status"))))
		return -EINVAL;
	/* console_tail (a whole tail, as first agents sent it) replaces;
	 * agents now send "console" deltas. Either way at most the last
	 * CONSOLE_TAIL_MAX bytes are kept. */
	if (console && strlen(console) > CONSOLE_TAIL_MAX)
		console += strlen(console) - CONSOLE_TAIL_MAX;
	/* A server being deleted keeps that state whatever the agent says,
	 * and so does one in error (os-resetState, a failed step) until a
	 * task asked of it (a stop, a hard reboot, a rebuild) moves it. */
	r = store_exec(st,
			  /* While a resize is open the controller moves the state
			   * (server_resize_reported); the agent's reports name only
			   * its steps (task_state resize_*), or an error. */
			  "UPDATE server SET vm_state = CASE WHEN vm_state = 'error' AND task_state IS NULL"
			  "  THEN vm_state"
			  "  WHEN ?1 <> 'error' AND (vm_state = 'resized'"
			  "  OR task_state LIKE 'resize%') THEN vm_state ELSE ?1 END,"
			  " task_state = CASE WHEN ?1 <> 'error' AND (vm_state = 'resized'"
			  "  OR task_state LIKE 'resize%') THEN (CASE WHEN ?2 LIKE 'resize%'"
			  "  AND vm_state <> 'resized' THEN ?2 ELSE task_state END)"
			  /* A report read before the latest request must not end that
			   * request's task: keep it while a reboot is still owed or the
			   * power differs from what was asked. */
			  "  WHEN ?1 = 'error' THEN ?2"
			  "  WHEN reboot_seq > ?4 THEN task_state"
			  "  WHEN power = 'off' AND ?3 = 1 THEN task_state"
			  "  WHEN power = 'on' AND ?3 <> 1 AND task_state IN ('powering-on', 'spawning')"
			  "  THEN task_state"
			  /* ... or while a rebuild is owed, or the state a pause,
			   * suspend or rescue (or their undoing) asked for is not
			   * reached yet. */
			  "  WHEN rebuild_seq > ?17 THEN task_state"
			  "  WHEN task_state IN ('pausing', 'unpausing', 'suspending', 'resuming',"
			  "   'rescuing', 'unrescuing') AND ?1 <> CASE"
			  "   WHEN rescue_image_id IS NOT NULL THEN 'rescued'"
			  "   WHEN power = 'pause' THEN 'paused' WHEN power = 'suspend' THEN 'suspended'"
			  "   ELSE 'active' END THEN task_state ELSE ?2 END,"
			  " power_state = ?3, reboot_done = ?4, fault_code = COALESCE(?5, fault_code),"
			  " fault_message = COALESCE(?6, fault_message),"
			  " fault_details = COALESCE(?7, fault_details),"
			  " fault_at = CASE WHEN ?8 = 1 THEN ?9 ELSE fault_at END,"
			  " console = COALESCE(?10, console),"
			  " launched_at = CASE WHEN ?11 = 'active' AND launched_at IS NULL THEN ?12"
			  " ELSE launched_at END, updated_at = ?13, revision = ?14"
			  " WHERE id = ?15 AND host = ?16 AND vm_state <> 'deleting'",
			  "ssiipssbissiiissi", vm, json_str(s, "task_state"),
			  (int64_t)power_state_code(json_str(s, "power_state")),
			  (int64_t)json_integer_value(json_object_get(s, "reboot_seq")),
			  fault ? &(int64_t){ json_integer_value(json_object_get(fault, "code")) } : NULL,
			  json_str(fault, "message"), json_str(fault, "details"), fault != NULL, now,
			  console, vm, now, now, store_txn_revision(st), id, host,
			  (int64_t)json_integer_value(json_object_get(s, "rebuild_seq")));
	if (r > 0 && con)
		r = report_console(st, host, id, con);
	/* The taps the guest holds: NICs being detached that it no longer
	 * holds are released. */
	if (r > 0 && json_object_get(s, "nics")) {
		int q = server_nics_reported(st, id, json_object_get(s, "nics"));
		if (q < 0)
			r = q;
	}
	if (r > 0 && json_object_get(s, "diagnostics"))
		r = report_diagnostics(st, host, id, json_object_get(s, "diagnostics"));
	if (r > 0 && rs)
		r = server_resize_reported(st, host, id, json_str(rs, "id"), json_str(rs, "status"));
	/* The host carried out what was asked: the open events end. */
	if (r > 0)
		r = report_events(st, host, id, vm, now);
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
		r = server_row_delete(st, gone[i]);
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
			r = server_row_delete(st, id);
		if (r < 0)
			return r;
	}
	return 0;
}

int compute_report(struct store *st, const char *host, const json_t *body, int64_t now,
		   struct nova_fault *f, json_t *images_gone)
{
	const json_t *s, *servers = json_object_get(body, "servers");
	const json_t *gone = json_object_get(body, "gone");
	_cleanup_json_ json_t *failed = json_array();
	size_t i;
	int r = 0;

	if (!failed)
		return -ENOMEM;
	json_array_foreach(servers, i, s) {
		const json_t *sf = json_object_get(s, "snapshots_failed"), *v;
		size_t j;
		r = report_server(st, host, s, now);
		if (r == -EINVAL)
			return nova_fail(f, r, "Invalid server report.");
		if (r < 0)
			return r;
		json_array_foreach(sf, j, v)
			if (json_is_string(v) && json_string_length(v) <= 64)
				json_array_append(failed, (json_t *)v);
	}
	/* Snapshots that are over (uploaded, cut short, given up) end here. */
	r = server_snapshots_settle(st, host, NULL, failed, images_gone);
	if (r < 0)
		return r;
	/* Servers being deleted that the host no longer has (destroyed, or
	 * never made) go now, with their allocations: those the report names
	 * gone, and, for a whole report (one that lists every server the
	 * host has), those it leaves out. A partial report (a page, or
	 * deltas: what agents send) says nothing of the servers it omits. */
	if (json_array_size(gone)) {
		r = drop_gone(st, host, gone);
		if (r == -EINVAL)
			return nova_fail(f, r, "Invalid gone: a list of server ids.");
		if (r < 0)
			return r;
	}
	if (servers && !json_is_true(json_object_get(body, "partial")))
		r = drop_deleted(st, host, servers);
	return r < 0 ? r : 0;
}
