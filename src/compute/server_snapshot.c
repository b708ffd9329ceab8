/* server_snapshot.c - createImage and createBackup as Nova's: an image
 * record (queued,
 * owned by the server's project, with the properties Nova sets:
 * image_type=snapshot, instance_uuid, base_image_ref, user_id,
 * image_location=snapshot, the base image's own properties and the
 * request's metadata) and a pending snapshot (server_snapshot) that the
 * server's host takes: it flattens the disk and uploads it through the
 * image API (queued -> saving -> active). A snapshot that cannot finish
 * (the upload cut short, the agent refused) has its image deleted, so no
 * half image is ever left, and the server's task ends either way.
 * A backup is such a snapshot with image_type=backup and its backup_type;
 * once its image is active, only the `rotation` newest backups of that
 * type of that server are kept (Nova's _rotate_backups). */
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

/* createImage (backup_type NULL) or createBackup (rotation >= 0). */
static int snapshot_make(struct store *st, const struct caller *c, const char *id,
			 const char *name, const json_t *metadata, const char *backup_type,
			 int64_t rotation, char image_id[65], struct nova_fault *f)
{
	const char *action = backup_type ? "createBackup" : "createImage";
	struct server_ref s;
	struct store_stmt *q;
	struct image base = { 0 }, im;
	char vm[16] = "", task[32] = "", proj[65] = "", base_id[65] = "", err[300] = "";
	bool has_task = false, has_host = false, have_base = false;
	int64_t disk = 0;
	json_t *body = NULL;
	const char *k;
	json_t *v;
	int r = server_find(st, c, id,
			    backup_type ? "os_compute_api:os-create-backup"
					: "os_compute_api:servers:create_image",
			    &s, f);

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
				 "Cannot '%s' instance %s while it is in task_state %s", action,
				 id, task);
	/* Nova's states for createImage: the guest running, stopped, paused
	 * (the driver leaves a user's pause as it was) or suspended (no
	 * process: the disk is read as it lies). */
	if ((strcmp(vm, "active") != 0 && strcmp(vm, "stopped") != 0 &&
	     strcmp(vm, "paused") != 0 && strcmp(vm, "suspended") != 0) ||
	    !has_host)
		return nova_fail(f, -EALREADY,
				 "Cannot '%s' instance %s while it is in vm_state %s", action, id,
				 vm);
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
	/* Nova's order of precedence: the base image's properties, then
	 * instance_uuid, user_id and image_type, then the request's metadata
	 * (a user's image_type stays), then a backup's backup_type; the
	 * driver's image_location last. */
	json_t *nova = json_pack("{s:s,s:s,s:s,s:s}", "image_type",
				 backup_type ? "backup" : "snapshot", "instance_uuid", id,
				 "base_image_ref", base_id, "user_id", c->user_id ? c->user_id : "");
	if (body && nova)
		json_object_update(body, nova);
	if (body && metadata)
		json_object_update(body, (json_t *)metadata);
	if (body && backup_type)
		json_object_set_new(body, "backup_type", json_string(backup_type));
	if (body)
		json_object_set_new(body, "image_location", json_string("snapshot"));
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
	if (r >= 0 && backup_type)
		r = store_exec(st, "UPDATE server_snapshot SET rotation = ? WHERE image_id = ?", "is",
			       rotation, image_id);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET task_state = ?, updated_at = ?,"
			       " revision = ? WHERE id = ?",
			       "siis", backup_type ? "image_backup" : "image_snapshot", now_usec(),
			       store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

int server_snapshot(struct store *st, const struct caller *c, const char *id, const char *name,
		    const json_t *metadata, char image_id[65], struct nova_fault *f)
{
	return snapshot_make(st, c, id, name, metadata, NULL, -1, image_id, f);
}

int server_backup(struct store *st, const struct caller *c, const char *id, const char *name,
		  const json_t *metadata, const char *backup_type, int64_t rotation,
		  char image_id[65], struct nova_fault *f)
{
	return snapshot_make(st, c, id, name, metadata, backup_type, rotation, image_id, f);
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

/* Nova's _rotate_backups, once backup image is active: of the backups of
 * its type of its server (the images of the server's project with
 * image_type=backup, that backup_type and instance_uuid, whatever their
 * status), keep the `rotation` newest and delete the others (a protected
 * one stays, as Glance refuses Nova). Each deleted id goes into gone
 * (its file is removed after the commit); gone NULL (the server is being
 * deleted): no rotation. 0 or -errno. */
static int backup_rotate(struct store *st, const char *image, json_t *gone)
{
	struct store_stmt *q;
	_cleanup_json_ json_t *old = NULL;
	char server[65] = "", project[65] = "", type[256] = "";
	int64_t rotation = -1, n = 0;
	json_t *v;
	size_t i;
	int r;

	if (!gone)
		return 0;
	r = store_query(st, &q,
			"SELECT ss.rotation, s.id, s.project_id, p.value FROM server_snapshot ss"
			" JOIN server s ON s.id = ss.server_id JOIN image i ON i.id = ss.image_id"
			" JOIN image_property p ON p.image_id = i.id AND p.name = 'backup_type'"
			" WHERE ss.image_id = ? AND ss.rotation IS NOT NULL AND i.status = 'active'",
			"s", image);
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0) {
		rotation = store_int(q, 0);
		snprintf(server, sizeof(server), "%s", store_text(q, 1));
		snprintf(project, sizeof(project), "%s", store_text(q, 2));
		snprintf(type, sizeof(type), "%s", store_text(q, 3));
	}
	store_done(q);
	if (r <= 0)
		return r; /* not an active backup: nothing to rotate */
	old = json_array();
	if (!old)
		return -ENOMEM;
	r = store_query(st, &q,
			"SELECT i.id, i.protected FROM image i"
			" JOIN image_property t ON t.image_id = i.id AND t.name = 'image_type'"
			" JOIN image_property b ON b.image_id = i.id AND b.name = 'backup_type'"
			" JOIN image_property u ON u.image_id = i.id AND u.name = 'instance_uuid'"
			" WHERE i.owner = ? AND t.value = 'backup' AND b.value = ? AND u.value = ?"
			" AND i.status <> 'deleted' ORDER BY i.created_at DESC, i.id DESC",
			"sss", project, type, server);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		if (n++ >= rotation && !store_int(q, 1))
			json_array_append_new(old, json_string(store_text(q, 0)));
	store_done(q);
	json_array_foreach(old, i, v) {
		if (r < 0)
			break;
		r = store_exec(st, "DELETE FROM image WHERE id = ?", "s", json_string_value(v));
		if (r >= 0)
			r = json_array_append(gone, v) < 0 ? -ENOMEM : 0;
	}
	return r < 0 ? r : 0;
}

/* Drop the pending snapshot image (the image too, unless it became
 * active; an active backup rotates its server's backups first). */
static int snapshot_drop(struct store *st, const char *image, json_t *gone)
{
	int r = backup_rotate(st, image, gone);

	if (r >= 0)
		r = image_drop_unfinished(st, image);
	return r < 0 ? r : store_exec(st, "DELETE FROM server_snapshot WHERE image_id = ?", "s", image);
}

int server_snapshots_settle(struct store *st, const char *host, const char *server_id,
			    const json_t *failed, json_t *gone)
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
			r = snapshot_drop(st, json_string_value(v), host ? gone : NULL);
	json_decref(done);
	if (r >= 0 && host)
		r = store_exec(st,
			       "UPDATE server SET task_state = NULL, updated_at = ?, revision = ?"
			       " WHERE host = ? AND task_state LIKE 'image%' AND NOT EXISTS"
			       " (SELECT 1 FROM server_snapshot ss WHERE ss.server_id = server.id)",
			       "iis", now_usec(), store_txn_revision(st), host);
	return r < 0 ? r : 0;
}
