/* server_snapshot.c - createImage as Nova's: an image record (queued,
 * owned by the server's project, with the properties Nova sets:
 * image_type=snapshot, instance_uuid, base_image_ref, user_id,
 * image_location=snapshot, the base image's own properties and the
 * request's metadata) and a pending snapshot (server_snapshot) that the
 * server's host takes: it flattens the disk and uploads it through the
 * image API (queued -> saving -> active). A snapshot that cannot finish
 * (the upload cut short, the agent refused) has its image deleted, so no
 * half image is ever left, and the server's task ends either way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/json.h"
#include "core/util.h"
#include "image/image.h"
#include "policy/policy.h"
#include "store/store.h"

/* Base image properties Nova does not carry into a snapshot. */
static bool inherited(const char *k)
{
	static const char *const skip[] = { "image_type", "instance_uuid", "base_image_ref",
					     "image_location", "user_id", "owner_id",
					     "owner_project_name", "owner_user_name", NULL };

	if (strncmp(k, "os_glance", 9) == 0)
		return false;
	for (const char *const *s = skip; *s; s++)
		if (strcmp(k, *s) == 0)
			return false;
	return true;
}

int server_snapshot(struct store *st, const struct caller *c, const char *id, const char *name,
		    const json_t *metadata, char image_id[65], struct nova_fault *f)
{
	struct server_ref s;
	struct store_stmt *q;
	struct image base = { 0 }, im;
	char vm[16] = "", task[32] = "", proj[65] = "", base_id[65] = "", err[300] = "";
	bool has_task = false, has_host = false, have_base = false;
	int64_t disk = 0;
	json_t *body = NULL;
	const char *k;
	json_t *v;
	int r = server_find(st, c, id, "os_compute_api:servers:create_image", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_query(st, &q,
			"SELECT vm_state, task_state, host, project_id, image_id, disk FROM server"
			" WHERE id = ?",
			"s", id);
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0) {
		snprintf(vm, sizeof(vm), "%s", store_text(q, 0));
		has_task = store_text(q, 1) != NULL;
		snprintf(task, sizeof(task), "%s", has_task ? store_text(q, 1) : "");
		has_host = store_text(q, 2) != NULL;
		snprintf(proj, sizeof(proj), "%s", store_text(q, 3));
		snprintf(base_id, sizeof(base_id), "%s", store_text(q, 4) ? store_text(q, 4) : "");
		disk = store_int(q, 5);
	}
	store_done(q);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	if (has_task)
		return nova_fail(f, -EALREADY,
				 "Cannot 'createImage' instance %s while it is in task_state %s", id,
				 task);
	/* Nova's states for createImage: the guest running, stopped, paused
	 * (the driver leaves a user's pause as it was) or suspended (no
	 * process: the disk is read as it lies). */
	if ((strcmp(vm, "active") != 0 && strcmp(vm, "stopped") != 0 &&
	     strcmp(vm, "paused") != 0 && strcmp(vm, "suspended") != 0) ||
	    !has_host)
		return nova_fail(f, -EALREADY,
				 "Cannot 'createImage' instance %s while it is in vm_state %s", id, vm);
	if (base_id[0])
		have_base = image_load(st, base_id, &base) == 0;
	body = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "name", name, "disk_format", "qcow2",
			 "container_format", "bare", "visibility", "private", "min_disk",
			 (json_int_t)(have_base && base.min_disk > disk ? base.min_disk : disk),
			 "min_ram", (json_int_t)(have_base ? base.min_ram : 0));
	if (body && have_base)
		json_object_foreach(base.props, k, v)
			if (inherited(k) && json_is_string(v))
				json_object_set(body, k, v);
	if (body && metadata)
		json_object_update(body, (json_t *)metadata);
	json_t *nova = json_pack("{s:s,s:s,s:s,s:s,s:s}", "image_type", "snapshot", "instance_uuid",
				 id, "base_image_ref", base_id, "user_id",
				 c->user_id ? c->user_id : "", "image_location", "snapshot");
	if (body && nova)
		json_object_update(body, nova);
	json_decref(nova);
	image_free(&base);
	if (!body)
		return -ENOMEM;
	r = image_create(st, c, body, &im, err, sizeof(err));
	json_decref(body);
	if (r < 0)
		return nova_fail(f, r == -ENOMEM ? r : -EINVAL, "%s", err[0] ? err : "Image create failed.");
	/* The snapshot is the server's project's, whoever asked. */
	snprintf(im.owner, sizeof(im.owner), "%s", proj);
	r = image_save(st, &im);
	snprintf(image_id, 65, "%s", im.id);
	image_free(&im);
	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO server_snapshot (image_id, server_id, created_at, revision)"
			       " VALUES (?, ?, ?, ?)",
			       "ssii", image_id, id, now_usec(), store_txn_revision(st));
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET task_state = 'image_snapshot', updated_at = ?,"
			       " revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

int server_snapshots_desired(struct store *st, const char *host, json_t *servers)
{
	struct store_stmt *q;
	const json_t *s;
	size_t i;
	int r = store_query(st, &q,
			    "SELECT ss.server_id, ss.image_id FROM server_snapshot ss"
			    " JOIN server s ON s.id = ss.server_id JOIN image i ON i.id = ss.image_id"
			    " WHERE s.host = ? AND i.status = 'queued' ORDER BY ss.created_at",
			    "s", host);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		json_array_foreach(servers, i, s)
			if (strcmp(json_str(s, "id"), store_text(q, 0)) == 0) {
				json_t *list = json_object_get(s, "snapshots");
				if (!list) {
					list = json_array();
					json_object_set_new((json_t *)s, "snapshots", list);
				}
				json_array_append_new(list, json_string(store_text(q, 1)));
				break;
			}
	store_done(q);
	return r;
}

/* Collect the image ids of the pending snapshots of sql's rows. */
static int pending_list(struct store *st, json_t *out, const char *sql, const char *arg)
{
	struct store_stmt *q;
	int r = store_query(st, &q, sql, "s", arg);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		json_array_append_new(out, json_string(store_text(q, 0)));
	store_done(q);
	return r;
}

/* Drop the pending snapshot image (the image too, unless it became
 * active). */
static int snapshot_drop(struct store *st, const char *image)
{
	int r = image_drop_unfinished(st, image);

	return r < 0 ? r : store_exec(st, "DELETE FROM server_snapshot WHERE image_id = ?", "s", image);
}

int server_snapshots_settle(struct store *st, const char *host, const char *server_id,
			    const json_t *failed)
{
	json_t *done = json_array(), *v;
	size_t i;
	int r = 0;

	if (!done)
		return -ENOMEM;
	/* What the host gives up, then: uploaded (active), cut short
	 * (killed), or deleted meanwhile. */
	json_array_foreach(failed, i, v) {
		struct store_stmt *q;
		r = store_query(st, &q,
				"SELECT 1 FROM server_snapshot ss JOIN server s ON s.id = ss.server_id"
				" WHERE ss.image_id = ? AND s.host = ?",
				"ss", json_string_value(v), host);
		if (r < 0)
			break;
		r = store_next(q);
		store_done(q);
		if (r > 0)
			json_array_append(done, v);
	}
	if (r >= 0)
		r = pending_list(st, done,
				 host ? "SELECT ss.image_id FROM server_snapshot ss JOIN server s"
					" ON s.id = ss.server_id LEFT JOIN image i ON i.id = ss.image_id"
					" WHERE s.host = ? AND (i.id IS NULL OR i.status IN"
					" ('active', 'killed', 'deleted'))"
				      : "SELECT image_id FROM server_snapshot WHERE server_id = ?",
				 host ? host : server_id);
	json_array_foreach(done, i, v)
		if (r >= 0)
			r = snapshot_drop(st, json_string_value(v));
	json_decref(done);
	if (r >= 0 && host)
		r = store_exec(st,
			       "UPDATE server SET task_state = NULL, updated_at = ?, revision = ?"
			       " WHERE host = ? AND task_state LIKE 'image%' AND NOT EXISTS"
			       " (SELECT 1 FROM server_snapshot ss WHERE ss.server_id = server.id)",
			       "iis", now_usec(), store_txn_revision(st), host);
	return r < 0 ? r : 0;
}
