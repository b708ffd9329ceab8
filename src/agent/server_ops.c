/* server_ops.c - the compute agent's part of a resize, a snapshot and a
 * diagnostics reading, level-triggered like the rest: what the desired
 * server says (its "resize" record, its "snapshots", its "diagnostics"
 * seq) is compared with what the server's
 * directory holds, and the driver's idempotent steps close the gap. An
 * agent killed in the middle redoes the rest on its next pass. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "http/client.h"

/* The vm_state a report of a step gives: the guest's power as it is. */
static const char *vm_now(struct agent *a, const char *id)
{
	return a->hv->state(a->hv, id) == HV_RUNNING ? "active" : "stopped";
}

static struct hv_flavor flavor_of(const json_t *s)
{
	const json_t *fl = json_object_get(s, "flavor");
	struct hv_flavor f = {
		.vcpus = (int)json_integer_value(json_object_get(fl, "vcpus")),
		.ram_mb = (int)json_integer_value(json_object_get(fl, "ram")),
		.disk_gb = (int)json_integer_value(json_object_get(fl, "disk")),
		.ephemeral_gb = (int)json_integer_value(json_object_get(fl, "ephemeral")),
	};

	/* As spawn_server launches it. */
	if (f.vcpus < 1)
		f.vcpus = 1;
	if (f.ram_mb < 16)
		f.ram_mb = 16;
	return f;
}

void server_ops_resize(struct agent *a, struct http_client *c, const json_t *s)
{
	const char *id = json_str(s, "id");
	const json_t *rs = json_object_get(s, "resize");
	const char *status = json_str(rs, "status");
	struct hv_flavor fl = flavor_of(s);
	char err[HV_ERR_MAX] = "";
	int r = 0;

	if (!rs) {
		/* Confirmed (or never resized): what was kept goes. */
		if (hv_resize_kept(a->hv, id))
			r = a->hv->resize_finish(a->hv, id, false, err);
		if (r < 0)
			log_error("server %s: dropping the pre-resize disk: %s", id,
				  err[0] ? err : strerror(-r));
		return;
	}
	if (status && strcmp(status, "migrating") == 0 && !hv_resize_done(a->hv, id, &fl)) {
		report_task(a, c, id, "active", "resize_migrating");
		r = a->hv->resize(a->hv, id, &fl, err);
		if (r < 0)
			log_error("server %s: resize: %s", id, err[0] ? err : strerror(-r));
		else
			log_info("server %s: resized to %d vcpus, %d MB, %d GB", id, fl.vcpus,
				 fl.ram_mb, fl.disk_gb);
		report_task(a, c, id, "active", "resize_finish");
	} else if (status && strcmp(status, "reverting") == 0 && hv_resize_kept(a->hv, id)) {
		r = a->hv->resize_finish(a->hv, id, true, err);
		if (r < 0)
			log_error("server %s: revert resize: %s", id, err[0] ? err : strerror(-r));
		else
			log_info("server %s: resize reverted", id);
	}
}

void server_ops_report(struct agent *a, const json_t *s, json_t *entry)
{
	const char *id = json_str(s, "id");
	const json_t *rs = json_object_get(s, "resize");
	const char *status = json_str(rs, "status");
	struct hv_flavor fl = flavor_of(s);
	const char *done = NULL;

	if (!rs || !status || !json_str(rs, "id"))
		return;
	if (strcmp(status, "migrating") == 0 && hv_resize_done(a->hv, id, &fl))
		done = "finished";
	else if (strcmp(status, "reverting") == 0 && !hv_resize_kept(a->hv, id))
		done = "reverted";
	if (done)
		json_object_set_new(entry, "resize",
				    json_pack("{s:s,s:s}", "id", json_str(rs, "id"), "status", done));
}

/* --- diagnostics --- */

void server_ops_diagnostics(struct agent *a, const json_t *s, json_t *entry)
{
	const char *id = json_str(s, "id");
	json_int_t seq = json_integer_value(json_object_get(s, "diagnostics"));
	_cleanup_json_ json_t *rd = NULL;
	char err[HV_ERR_MAX] = "";
	int r;

	if (!id || seq <= 0)
		return;
	rd = hv_file_read(a->hv, id, "diagnostics.json");
	if (!rd || json_integer_value(json_object_get(rd, "seq")) != seq) {
		json_decref(rd);
		rd = NULL;
		r = a->hv->diagnostics ? a->hv->diagnostics(a->hv, id, &rd, err) : -EOPNOTSUPP;
		if (r < 0) {
			log_warn("server %s: diagnostics: %s", id, err[0] ? err : strerror(-r));
			json_decref(rd);
			rd = json_pack("{s:s}", "error", err[0] ? err : strerror(-r));
		}
		if (!rd || json_object_set_new(rd, "seq", json_integer(seq)) < 0)
			return;
		/* Kept, so the entry stays the same (no news) until the next seq. */
		if (hv_file_write(a->hv, id, "diagnostics.json", rd) < 0)
			log_warn("server %s: cannot keep its diagnostics", id);
	}
	json_object_set(entry, "diagnostics", rd);
}

/* --- snapshots --- */

static bool listed(const json_t *snaps, const char *image)
{
	const json_t *v;
	size_t i;

	json_array_foreach(snaps, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), image) == 0)
			return true;
	return false;
}

/* Remove the snapshot files of the server that no pending snapshot
 * names (uploaded, or given up by the controller). */
static void snapshot_files_prune(struct agent *a, const char *id, const json_t *snaps)
{
	char dir[4096], p[4400], image[128];
	struct dirent *e;
	DIR *d;

	if (hv_path(a->hv, id, NULL, dir, sizeof(dir)) < 0 || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "snapshot-", 9) != 0 ||
		    sscanf(e->d_name + 9, "%127[0-9a-f-]", image) != 1)
			continue;
		if (listed(snaps, image))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

/* PUT the file to the image service as the image's data: 0, -EACCES
 * (log in again), -EIO (transport: retried), or -EPROTO (refused: the
 * controller gives the snapshot up). */
static int snapshot_upload(struct agent *a, struct http_client *c, const char *image,
			   const char *path)
{
	_cleanup_free_ char *tok = agent_token(a, c), *url = NULL;
	struct http_result res;
	int r, idx;
	const char *base = controllers_pick(&a->ctl, now_usec(), &idx);

	if (!tok || asprintf(&url, "%s/image/v2/images/%s/file", base, image) < 0)
		return -ENOMEM;
	struct http_call call = { .method = "PUT", .url = url, .token = tok, .upload_path = path };
	r = http_client_do(c, &call, &res);
	if (r < 0 || controllers_should_move(0, res.status))
		/* The retry goes to the next controller of a list. */
		controllers_failed(&a->ctl, idx, now_usec(),
				   r < 0 ? http_client_error(c) : "HTTP 5xx");
	if (r < 0) {
		log_warn("snapshot %s: upload: %s", image, http_client_error(c));
		return -EIO;
	}
	r = res.status == 204 ? 0 : res.status == 401 ? -EACCES : -EPROTO;
	if (r == -EPROTO)
		log_error("snapshot %s: upload refused: HTTP %ld %s", image, res.status, res.text);
	http_result_free(&res);
	return r;
}

void server_ops_snapshots(struct agent *a, struct http_client *c, const json_t *s,
			  json_t *failed)
{
	const char *id = json_str(s, "id");
	const json_t *snaps = json_object_get(s, "snapshots"), *v;
	char err[HV_ERR_MAX] = "", path[4096], file[128];
	size_t i;
	int r;

	/* A guest a snapshot left paused (agent killed) runs again. */
	if (json_array_size(snaps) == 0) {
		if (a->hv->snapshot(a->hv, id, NULL, err) < 0)
			log_error("server %s: continuing the guest: %s", id, err);
		return;
	}
	/* Files of snapshots given up while the agent was down go with the
	 * next snapshot (or the server): no directory walk on every pass. */
	snapshot_files_prune(a, id, snaps);
	json_array_foreach(snaps, i, v) {
		const char *image = json_string_value(v);
		if (!image || strlen(image) > 64 || strspn(image, "0123456789abcdef-") != strlen(image))
			continue;
		snprintf(file, sizeof(file), "snapshot-%s.qcow2", image);
		if (hv_path(a->hv, id, file, path, sizeof(path)) < 0)
			continue;
		if (access(path, F_OK) < 0) {
			report_task(a, c, id, vm_now(a, id), "image_pending_upload");
			r = a->hv->snapshot(a->hv, id, path, err);
			if (r < 0) {
				log_error("server %s: snapshot %s: %s", id, image, err);
				json_array_append_new(failed, json_string(image));
				continue;
			}
		}
		report_task(a, c, id, vm_now(a, id), "image_uploading");
		hv_crash_point("snapshot-upload");
		r = snapshot_upload(a, c, image, path);
		if (r == -EACCES && agent_login(a, c) == 0)
			r = snapshot_upload(a, c, image, path);
		if (r == 0) {
			log_info("server %s: snapshot %s uploaded", id, image);
			unlink(path);
		} else if (r == -EPROTO) {
			json_array_append_new(failed, json_string(image));
			unlink(path);
		}
	}
}
