/* server_resize.c - cold resize with confirm/revert, as Nova's: the new
 * flavor is claimed on the server's own host (Nova's
 * allow_resize_to_same_host: a disk is never copied between hosts here)
 * beside the old claim, which the resize record (server_migration) keeps
 * until the user confirms (freed) or reverts (the new claim freed, the old
 * flavor back). The host's agent stops the VM, keeps its disk, grows it
 * and starts it again with the new flavor, then reports the resize
 * finished (VERIFY_RESIZE); a revert makes it put the kept disk back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/util.h"
#include "store/store.h"

/* The server's state and flavor as a resize needs them. */
struct resize_view {
	char vm_state[16], task_state[32], power[8], host[256], project[65];
	char flavor_id[256];
	int64_t vcpus, ram, disk;
	bool has_task, has_host;
};

static int view_load(struct store *st, const char *id, struct resize_view *v)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT vm_state, task_state, power, host, project_id, flavor_id, vcpus,"
			    " ram, disk FROM server WHERE id = ?",
			    "s", id);

	memset(v, 0, sizeof(*v));
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(v->vm_state, sizeof(v->vm_state), "%s", store_text(q, 0));
		v->has_task = store_text(q, 1) != NULL;
		snprintf(v->task_state, sizeof(v->task_state), "%s",
			 v->has_task ? store_text(q, 1) : "");
		snprintf(v->power, sizeof(v->power), "%s", store_text(q, 2));
		v->has_host = store_text(q, 3) != NULL;
		snprintf(v->host, sizeof(v->host), "%s", v->has_host ? store_text(q, 3) : "");
		snprintf(v->project, sizeof(v->project), "%s", store_text(q, 4));
		snprintf(v->flavor_id, sizeof(v->flavor_id), "%s", store_text(q, 5));
		v->vcpus = store_int(q, 6);
		v->ram = store_int(q, 7);
		v->disk = store_int(q, 8);
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* Nova's 409 for an action the server's state forbids: its vm_state, or
 * its task_state when one is under way. */
static int wrong_state(struct nova_fault *f, const char *action, const char *id,
		       const struct resize_view *v)
{
	if (v->has_task)
		return nova_fail(f, -EALREADY, "Cannot '%s' instance %s while it is in task_state %s",
				 action, id, v->task_state);
	return nova_fail(f, -EALREADY, "Cannot '%s' instance %s while it is in vm_state %s", action,
			 id, v->vm_state);
}

/* The quota of the project leaves room for the flavor's growth. */
static int check_growth(struct basalt *b, struct store *st, const char *project, int64_t dcores,
			int64_t dram, struct nova_fault *f)
{
	struct quota_usage limit, used;
	int r = quota_get(b, st, project, &limit, &used);

	if (r < 0)
		return r;
	if (dcores > 0 && limit.cores >= 0 && used.cores + dcores > limit.cores)
		return nova_fail(f, -EDQUOT,
				 "Quota exceeded for cores: Requested %lld, but already used %lld of "
				 "%lld cores",
				 (long long)dcores, (long long)used.cores, (long long)limit.cores);
	if (dram > 0 && limit.ram >= 0 && used.ram + dram > limit.ram)
		return nova_fail(f, -EDQUOT,
				 "Quota exceeded for ram: Requested %lld, but already used %lld of "
				 "%lld ram",
				 (long long)dram, (long long)used.ram, (long long)limit.ram);
	return 0;
}

/* Nova's _check_auto_disk_config of a resize to AUTO: against the image
 * the server was built from, as it was then. */
static int check_disk_config(struct store *st, const char *id, int auto_disk,
			     struct nova_fault *f)
{
	struct store_stmt *q;
	int r;

	if (auto_disk != 1)
		return 0;
	r = store_query(st, &q, "SELECT image_id, image_auto_disk_config FROM server WHERE id = ?",
			"s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		r = server_disk_config_check(store_text(q, 1),
					     store_text(q, 0) ? store_text(q, 0) : "", auto_disk, f);
	store_done(q);
	return r < 0 ? r : 0;
}

int server_resize(struct basalt *b, struct store *st, const struct caller *c, const char *id,
		  const char *flavor_ref, int auto_disk, struct nova_fault *f)
{
	struct server_ref s;
	struct resize_view v;
	struct flavor fl;
	struct sched_request sr;
	char mig[ID_HEX_LEN + 1], host[256];
	int64_t now = now_usec();
	int r = server_find(st, c, id, "os_compute_api:servers:resize", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = view_load(st, id, &v);
	if (r < 0)
		return r;
	if ((strcmp(v.vm_state, "active") != 0 && strcmp(v.vm_state, "stopped") != 0) ||
	    v.has_task)
		return wrong_state(f, "resize", id, &v);
	r = flavor_find(st, c, flavor_ref, &fl);
	if (r == -ENOENT)
		return nova_fail(f, -EINVAL, "Unable to locate requested flavor.");
	if (r < 0)
		return r;
	if (strcmp(fl.id, v.flavor_id) == 0)
		return nova_fail(f, -EINVAL, "When resizing, instances must change flavor!");
	if (fl.disk < v.disk)
		return nova_fail(f, -EINVAL,
				 "Server disk was unable to be resized because: Resizing to a "
				 "smaller disk flavor is not allowed.");
	if (!v.has_host)
		return wrong_state(f, "resize", id, &v);
	r = check_disk_config(st, id, auto_disk, f);
	if (r >= 0)
		r = check_growth(b, st, v.project, fl.vcpus - v.vcpus, fl.ram - v.ram, f);
	if (r < 0)
		return r;
	/* The old claim leaves the allocation table but stays in the host's
	 * usage (the resize record holds it); the new one is placed on the
	 * same host beside it, as placement does for a same-host resize. */
	id_new(mig);
	r = store_exec(st,
		       "INSERT INTO server_migration (id, server_id, source_host, dest_host,"
		       " old_flavor_id, old_flavor_name, old_vcpus, old_ram, old_disk,"
		       " old_ephemeral, old_swap, status, created_at, updated_at, revision, num,"
		       " new_flavor_id)"
		       " SELECT ?1, id, host, host, flavor_id, flavor_name, vcpus, ram, disk,"
		       " ephemeral, swap, 'migrating', ?2, ?2, ?3,"
		       " (SELECT COALESCE(MAX(num), 0) + 1 FROM server_migration), ?5"
		       " FROM server WHERE id = ?4",
		       "siiss", mig, now, store_txn_revision(st), id, fl.id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM allocation WHERE server_id = ?", "s", id);
	if (r < 0)
		return r;
	sr = (struct sched_request){ (int)fl.vcpus, (int)fl.ram, (int)(fl.disk + fl.ephemeral),
				     NULL, v.host, NULL, NULL, NULL };
	r = scheduler_place(b, st, id, &sr, host);
	if (r < 0)
		return r;
	if (r == 0)
		return nova_fail(f, -ENOSPC,
				 "No valid host was found. No host has room for flavor %s beside "
				 "the server's current one.",
				 fl.id);
	/* The placement counted the server once more on its host. */
	r = store_exec(st, "UPDATE host SET servers = servers - 1 WHERE name = ?", "s", host);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET flavor_id = ?, flavor_name = ?, vcpus = ?, ram = ?,"
			       " disk = ?, ephemeral = ?, swap = ?, task_state = 'resize_prep',"
			       " auto_disk_config = ?, updated_at = ?, revision = ? WHERE id = ?",
			       "ssiiiiiiiis", fl.id, fl.name, fl.vcpus, fl.ram, fl.disk, fl.ephemeral,
			       fl.swap, (int64_t)(auto_disk == 1), now, store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

/* The open resize of server id in status (NULL: any open one) into mig:
 * 0, -ENOENT or -errno. */
static int open_migration(struct store *st, const char *id, const char *status,
			  char mig[ID_HEX_LEN + 1])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT id FROM server_migration WHERE server_id = ?1 AND"
			    " (?2 IS NULL AND status IN ('migrating', 'finished', 'reverting')"
			    " OR status = ?2) ORDER BY created_at DESC",
			    "ss", id, status);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(mig, ID_HEX_LEN + 1, "%s", store_text(q, 0));
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

/* Take the old claim of resize mig out of its source host's usage. */
static int release_old_claim(struct store *st, const char *mig)
{
	return store_exec(st,
			  "UPDATE host SET"
			  " vcpus_used = vcpus_used - (SELECT old_vcpus FROM server_migration WHERE id = ?1),"
			  " memory_mb_used = memory_mb_used -"
			  " (SELECT old_ram FROM server_migration WHERE id = ?1),"
			  " disk_gb_used = disk_gb_used -"
			  " (SELECT old_disk + old_ephemeral FROM server_migration WHERE id = ?1)"
			  " WHERE name = (SELECT source_host FROM server_migration WHERE id = ?1)",
			  "s", mig);
}

/* The finished resize of server id that confirmResize or revertResize
 * (action, under policy rule) acts on: its id in mig. */
static int finished_resize(struct store *st, const struct caller *c, const char *id,
			   const char *rule, const char *action, char mig[ID_HEX_LEN + 1],
			   struct nova_fault *f)
{
	struct server_ref s;
	struct resize_view v;
	int r = server_find(st, c, id, rule, &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = view_load(st, id, &v);
	if (r < 0)
		return r;
	if (strcmp(v.vm_state, "resized") != 0 || v.has_task)
		return wrong_state(f, action, id, &v);
	r = open_migration(st, id, "finished", mig);
	if (r == -ENOENT)
		return nova_fail(f, -EINVAL, "Instance has not been resized.");
	return r;
}

int server_resize_confirm(struct store *st, const struct caller *c, const char *id,
			  struct nova_fault *f)
{
	char mig[ID_HEX_LEN + 1];
	int r = finished_resize(st, c, id, "os_compute_api:servers:confirm_resize",
				"confirmResize", mig, f);

	if (r >= 0)
		r = release_old_claim(st, mig);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server_migration SET status = 'confirmed', updated_at = ?,"
			       " revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), mig);
	/* The agent drops the disk it kept once no resize is open. */
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET vm_state = CASE WHEN power = 'off' THEN 'stopped'"
			       " ELSE 'active' END, task_state = NULL, updated_at = ?, revision = ?"
			       " WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

int server_resize_revert(struct store *st, const struct caller *c, const char *id,
			 struct nova_fault *f)
{
	char mig[ID_HEX_LEN + 1];
	int64_t now = now_usec();
	int r = finished_resize(st, c, id, "os_compute_api:servers:revert_resize", "revertResize",
				mig, f);

	/* The new claim goes; the old one, still counted on the source
	 * host, becomes the server's allocation again. */
	if (r >= 0)
		r = scheduler_release(st, id);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE host SET servers = servers + 1 WHERE name ="
			       " (SELECT source_host FROM server_migration WHERE id = ?)",
			       "s", mig);
	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO allocation (server_id, host, vcpus, memory_mb, disk_gb,"
			       " revision) SELECT server_id, source_host, old_vcpus, old_ram,"
			       " old_disk + old_ephemeral, ? FROM server_migration WHERE id = ?",
			       "is", store_txn_revision(st), mig);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET (flavor_id, flavor_name, vcpus, ram, disk, ephemeral,"
			       " swap) = (SELECT old_flavor_id, old_flavor_name, old_vcpus, old_ram,"
			       " old_disk, old_ephemeral, old_swap FROM server_migration WHERE id = ?1),"
			       " host = (SELECT source_host FROM server_migration WHERE id = ?1),"
			       " task_state = 'resize_reverting', updated_at = ?2, revision = ?3"
			       " WHERE id = ?4",
			       "siis", mig, now, store_txn_revision(st), id);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server_migration SET status = 'reverting', updated_at = ?,"
			       " revision = ? WHERE id = ?",
			       "iis", now, store_txn_revision(st), mig);
	return r < 0 ? r : 0;
}

int server_resize_release(struct store *st, const char *id)
{
	char mig[ID_HEX_LEN + 1];
	int r = open_migration(st, id, NULL, mig);

	if (r == -ENOENT)
		return 0;
	if (r >= 0)
		r = release_old_claim(st, mig);
	if (r >= 0)
		r = store_exec(st, "UPDATE server_migration SET status = 'error' WHERE id = ?", "s",
			       mig);
	return r < 0 ? r : 0;
}

int server_resize_reported(struct store *st, const char *host, const char *id, const char *mig,
			   const char *status)
{
	int64_t now = now_usec();
	int r;

	if (strcmp(status, "finished") == 0) {
		r = store_exec(st,
			       "UPDATE server_migration SET status = 'finished', updated_at = ?,"
			       " revision = ? WHERE id = ? AND server_id = ? AND status = 'migrating'"
			       " AND dest_host = ?",
			       "iisss", now, store_txn_revision(st), mig, id, host);
		if (r > 0)
			r = store_exec(st,
				       "UPDATE server SET vm_state = 'resized', task_state = NULL,"
				       " updated_at = ?, revision = ? WHERE id = ?",
				       "iis", now, store_txn_revision(st), id);
	} else if (strcmp(status, "reverted") == 0) {
		r = store_exec(st,
			       "UPDATE server_migration SET status = 'reverted', updated_at = ?,"
			       " revision = ? WHERE id = ? AND server_id = ? AND status = 'reverting'"
			       " AND source_host = ?",
			       "iisss", now, store_txn_revision(st), mig, id, host);
		if (r > 0)
			r = store_exec(st,
				       "UPDATE server SET vm_state = CASE WHEN power = 'off' THEN"
				       " 'stopped' ELSE 'active' END, task_state = NULL,"
				       " updated_at = ?, revision = ? WHERE id = ?",
				       "iis", now, store_txn_revision(st), id);
	} else {
		return -EINVAL;
	}
	return r < 0 ? r : 0;
}
