/* server_states.c - the server actions that change what a host runs: lock
 * and unlock (Nova's check_instance_lock), pause/unpause, suspend/resume,
 * rescue/unrescue, rebuild and restore. Each checks Nova's rule against the
 * server's project, the lock, the vm_state Nova requires and that no task
 * is under way, then records what should be (the host's agent makes it
 * so: docs/agent-protocol.md) and the instance action, in the caller's
 * write transaction: a refused action changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "image/image.h"
#include "policy/policy.h"
#include "store/store.h"

int server_lock_check(const struct caller *c, const struct server_ref *s, const char *id,
		      struct nova_fault *f)
{
	if (s->locked_by[0] && !c->admin)
		return nova_fail(f, -EALREADY, "Instance %s is locked", id);
	return 0;
}

/* --- lock --- */

int server_lock(struct store *st, const struct caller *c, const char *id, bool lock,
		const char *reason, struct nova_fault *f)
{
	const char *rule = lock ? "os_compute_api:os-lock-server:lock"
				: "os_compute_api:os-lock-server:unlock";
	struct server_ref s;
	bool owner;
	int r = server_find(st, c, id, rule, &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	/* Nova's locked_by: the owner when the server's project locked it,
	 * else an admin (of another project); the owner may not undo an
	 * admin's lock without unlock_override. */
	owner = c->project_id && strcmp(c->project_id, s.project_id) == 0;
	if (lock) {
		/* A server locked by its owner stays so (reason kept). */
		if (!(s.locked_by[0] && owner))
			r = store_exec(st,
				       "UPDATE server SET locked_by = ?, locked_reason = ?,"
				       " updated_at = ?, revision = ? WHERE id = ?",
				       "ssiis", owner ? "owner" : "admin", reason, now_usec(),
				       store_txn_revision(st), id);
	} else {
		if (s.locked_by[0] && strcmp(s.locked_by, owner ? "owner" : "admin") != 0 &&
		    !policy_allows(c, "os_compute_api:os-lock-server:unlock:unlock_override",
				   &(struct target){ .project_id = s.project_id }))
			return nova_denied(f, "os_compute_api:os-lock-server:unlock:unlock_override");
		r = store_exec(st,
			       "UPDATE server SET locked_by = NULL, locked_reason = NULL,"
			       " updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	}
	if (r >= 0)
		r = instance_action_record(st, c, id, s.project_id, lock ? "lock" : "unlock", NULL);
	return r < 0 ? r : 0;
}

/* --- pause, suspend, rescue --- */

static const struct op_def {
	const char *rule, *verb, *event, *task;
	const char *from[3]; /* the vm_states it may start from */
	const char *power;   /* the desired power it sets */
} ops[] = {
	[SERVER_PAUSE] = { "os_compute_api:os-pause-server:pause", "pause",
			   "compute_pause_instance", "pausing", { "active" }, "pause" },
	[SERVER_UNPAUSE] = { "os_compute_api:os-pause-server:unpause", "unpause",
			     "compute_unpause_instance", "unpausing", { "paused" }, "on" },
	[SERVER_SUSPEND] = { "os_compute_api:os-suspend-server:suspend", "suspend",
			     "compute_suspend_instance", "suspending", { "active" }, "suspend" },
	[SERVER_RESUME] = { "os_compute_api:os-suspend-server:resume", "resume",
			    "compute_resume_instance", "resuming", { "suspended" }, "on" },
	/* A server in ERROR has no VM on its host here (it is not desired),
	 * so rescue starts from ACTIVE or SHUTOFF only. */
	[SERVER_RESCUE] = { "os_compute_api:os-rescue", "rescue", "compute_rescue_instance",
			    "rescuing", { "active", "stopped" }, "on" },
	[SERVER_UNRESCUE] = { "os_compute_api:os-unrescue", "unrescue",
			      "compute_unrescue_instance", "unrescuing", { "rescued" }, "on" },
};

/* Nova's refusal of an action in the wrong state: the vm_state first,
 * then a task under way (its check_instance_state). */
static int state_allows(const struct server_ref *s, const char *const *from, const char *verb,
			const char *id, struct nova_fault *f)
{
	bool ok = false;

	for (int i = 0; i < 3 && from[i]; i++)
		ok = ok || strcmp(s->vm_state, from[i]) == 0;
	if (!ok)
		return nova_fail(f, -EALREADY, "Cannot '%s' instance %s while it is in vm_state %s",
				 verb, id, strcmp(s->vm_state, "deleting") == 0 ? "active" : s->vm_state);
	if (s->task_state[0])
		return nova_fail(f, -EALREADY,
				 "Cannot '%s' instance %s while it is in task_state %s", verb, id,
				 s->task_state);
	return 0;
}

/* The image a rescue or rebuild boots: visible to the caller, active. */
static int image_usable(struct store *st, const struct caller *c, const char *image_id,
			struct image *im, struct nova_fault *f)
{
	int r = image_find(st, c, image_id, im);

	if (r == -ENOENT)
		return nova_fail(f, -EINVAL, "Image %s could not be found.", image_id);
	if (r < 0)
		return r;
	if (strcmp(im->status, "active") != 0) {
		image_free(im);
		return nova_fail(f, -EINVAL, "Image %s is not active.", image_id);
	}
	return 0;
}

int server_state_op(struct store *st, const struct caller *c, const char *id, enum server_op op,
		    const char *rescue_image, struct nova_fault *f)
{
	const struct op_def *d = &ops[op];
	struct server_ref s;
	int r = server_find(st, c, id, d->rule, &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r >= 0)
		r = state_allows(&s, d->from, d->verb, id, f);
	if (r < 0)
		return r;
	if (op == SERVER_RESCUE) {
		struct image im = { 0 };
		if (!rescue_image)
			rescue_image = s.image_id;
		if (!rescue_image[0])
			return nova_fail(f, -EINVAL, "Cannot rescue a server without an image.");
		r = image_usable(st, c, rescue_image, &im, f);
		if (r < 0)
			return r;
		image_free(&im);
	}
	r = store_exec(st,
		       "UPDATE server SET power = ?1, task_state = ?2,"
		       " rescue_image_id = CASE ?3 WHEN 1 THEN ?4 WHEN 2 THEN NULL"
		       "  ELSE rescue_image_id END,"
		       " updated_at = ?5, revision = ?6 WHERE id = ?7",
		       "ssisiis", d->power, d->task,
		       (int64_t)(op == SERVER_RESCUE ? 1 : op == SERVER_UNRESCUE ? 2 : 0),
		       op == SERVER_RESCUE ? rescue_image : NULL, now_usec(), store_txn_revision(st),
		       id);
	if (r >= 0)
		r = instance_action_record(st, c, id, s.project_id, d->verb, d->event);
	return r < 0 ? r : 0;
}

/* --- rebuild --- */

/* The new image must fit the server's flavor as a create's must. */
static int image_fits(struct store *st, const char *id, const struct image *im,
		      struct nova_fault *f)
{
	struct store_stmt *q;
	int64_t disk = 0, ram = 0;
	int r = store_query(st, &q, "SELECT disk, ram FROM server WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	if (store_next(q) > 0) {
		disk = store_int(q, 0);
		ram = store_int(q, 1);
	}
	store_done(q);
	return server_image_fits(im, disk, ram, f);
}

/* 1 when server id ran on its host (launched_at set), 0 not, or -errno. */
static int server_launched(struct store *st, const char *id)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT launched_at IS NOT NULL FROM server WHERE id = ?", "s",
			    id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		r = store_int(q, 0) != 0;
	store_done(q);
	return r;
}

int server_rebuild(struct store *st, const struct caller *c, const char *id,
		   const struct server_rebuild *rb, struct nova_fault *f)
{
	/* Nova rebuilds from ACTIVE, SHUTOFF and ERROR. A server in ERROR
	 * that ran stays on its host (compute_desired), which rebuilds its
	 * disk and reports it active; one that never ran has no host here
	 * to rebuild it (Nova's conductor would schedule it anew): 409. */
	static const char *const from[3] = { "active", "stopped", "error" };
	_cleanup_free_ char *public_key = NULL;
	struct image im = { 0 };
	struct server_ref s;
	char image_dc[256];
	int auto_disk, r = server_find(st, c, id, "os_compute_api:servers:rebuild", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r >= 0)
		r = state_allows(&s, from, "rebuild", id, f);
	if (r >= 0 && strcmp(s.vm_state, "error") == 0) {
		r = server_launched(st, id);
		if (r == 0)
			r = nova_fail(f, -EALREADY,
				      "Cannot 'rebuild' instance %s while it is in vm_state error", id);
	}
	if (r >= 0)
		r = server_metadata_check(rb->metadata, f);
	if (r < 0)
		return r;
	if (rb->set_key_name && rb->key_name) {
		r = keypair_public_key(st, c->user_id, rb->key_name, &public_key);
		if (r == -ENOENT)
			return nova_fail(f, -EINVAL, "Invalid key_name provided.");
		if (r < 0)
			return r;
	}
	r = image_usable(st, c, rb->image_ref, &im, f);
	if (r < 0)
		return r;
	r = image_fits(st, id, &im, f);
	/* The new image gives the diskConfig when the rebuild does not. */
	if (r >= 0)
		r = auto_disk = server_disk_config_from_image(&im, rb->auto_disk, f);
	if (r >= 0)
		snprintf(image_dc, sizeof(image_dc), "%s",
			 server_image_disk_config(&im) ? server_image_disk_config(&im) : "");
	image_free(&im);
	if (r < 0)
		return r;
	/* The disk goes back to the image; a stopped server stays stopped,
	 * as in Nova. */
	r = store_exec(st,
		       "UPDATE server SET image_id = ?1, name = COALESCE(?2, name),"
		       " key_name = CASE WHEN ?3 = 1 THEN ?4 ELSE key_name END,"
		       " public_key = CASE WHEN ?3 = 1 THEN ?5 ELSE public_key END,"
		       " user_data = CASE WHEN ?6 = 1 THEN ?7 ELSE user_data END,"
		       " rebuild_seq = rebuild_seq + 1, task_state = 'rebuilding',"
		       " fault_code = NULL, fault_message = NULL, fault_details = NULL,"
		       " auto_disk_config = ?11, image_auto_disk_config = ?12,"
		       " updated_at = ?8, revision = ?9 WHERE id = ?10",
		       "ssissisiisis", rb->image_ref, rb->name, (int64_t)rb->set_key_name,
		       rb->key_name, public_key, (int64_t)rb->set_user_data, rb->user_data,
		       now_usec(), store_txn_revision(st), id, (int64_t)auto_disk,
		       image_dc[0] ? image_dc : NULL);
	if (r >= 0 && rb->metadata) {
		r = server_metadata_set(st, c, id, rb->metadata, true, f);
	}
	if (r >= 0)
		r = instance_action_record(st, c, id, s.project_id, "rebuild",
					   "compute_rebuild_instance");
	return r < 0 ? r : 0;
}

/* --- restore (os-deferred-delete) --- */

int server_restore(struct store *st, const struct caller *c, const char *id,
		   struct nova_fault *f)
{
	static const char *const from[3] = { "soft-delete" };
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:os-deferred-delete:restore", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r >= 0)
		r = state_allows(&s, from, "restore", id, f);
	return r;
}
