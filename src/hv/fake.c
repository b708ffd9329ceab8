/* fake.c - the fake driver: no process, just files under INSTANCES/<id>
 * (spec.json, fake.json with the power state), so state survives agent
 * restarts. For load tests of the controller and agent only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "hv/hv.h"

static int set_power(struct hv_driver *d, const char *id, const char *power)
{
	_cleanup_json_ json_t *st = json_pack("{s:s}", "power", power);

	return st ? hv_file_write(d, id, "fake.json", st) : -ENOMEM;
}

static bool exists(struct hv_driver *d, const char *id)
{
	_cleanup_json_ json_t *spec = hv_file_read(d, id, "spec.json");

	return spec && json_is_true(json_object_get(spec, "launched"));
}

static int f_spawn(struct hv_driver *d, const struct hv_spec *s, char *err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_json_ json_t *spec = NULL;
	int r;

	err[0] = '\0';
	if (!hv_id_valid(s->id)) {
		snprintf(err, HV_ERR_MAX, "invalid server id");
		return -EINVAL;
	}
	lock = hv_lock(d, s->id, true);
	if (lock < 0)
		return lock;
	if (exists(d, s->id))
		return 0;
	spec = json_pack("{s:s,s:s?,s:s?,s:i,s:i,s:i,s:s,s:b}", "id", s->id, "base", s->base,
			 "base_format", s->base_format, "vcpus", s->vcpus, "ram_mb", s->ram_mb,
			 "disk_gb", s->disk_gb, "accel", "none", "launched", 1);
	if (!spec)
		return -ENOMEM;
	r = set_power(d, s->id, "running");
	if (r == 0)
		r = hv_file_write(d, s->id, "spec.json", spec);
	if (r < 0) {
		snprintf(err, HV_ERR_MAX, "fake spawn: %s", strerror(-r));
		hv_remove_dir(d, s->id);
	}
	return r;
}

static int f_destroy(struct hv_driver *d, const char *id)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);

	if (lock == -ENOENT)
		return 0;
	return lock < 0 ? lock : hv_remove_dir(d, id);
}

static int f_power(struct hv_driver *d, const char *id, const char *power)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);

	if (lock < 0)
		return lock;
	if (!exists(d, id))
		return -ENOENT;
	return set_power(d, id, power);
}

static int f_power_on(struct hv_driver *d, const char *id, char *err)
{
	err[0] = '\0';
	return f_power(d, id, "running");
}

static int f_power_off(struct hv_driver *d, const char *id)
{
	return f_power(d, id, "shutdown");
}

static int f_reboot(struct hv_driver *d, const char *id, enum hv_reboot type, char *err)
{
	err[0] = '\0';
	return f_power(d, id, "running");
}

static int f_resize(struct hv_driver *d, const char *id, const struct hv_flavor *fl, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	if (!exists(d, id))
		return -ENOENT;
	if (hv_resize_done(d, id, fl))
		return 0;
	r = set_power(d, id, "shutdown");
	return r < 0 ? r : hv_resize_apply(d, id, fl, err);
}

static int f_resize_finish(struct hv_driver *d, const char *id, bool revert, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int r;

	err[0] = '\0';
	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	if (!hv_resize_kept(d, id))
		return 0;
	if (!revert)
		return hv_resize_drop(d, id);
	r = set_power(d, id, "shutdown");
	return r < 0 ? r : hv_resize_restore(d, id, err);
}

/* The fake server's disk is its base image: the snapshot is that base
 * as a standalone qcow2. */
static int f_snapshot(struct hv_driver *d, const char *id, const char *path, char *err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_json_ json_t *spec = NULL;
	const char *base, *fmt;

	err[0] = '\0';
	if (!path)
		return 0;
	lock = hv_lock(d, id, false);
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	base = json_string_value(json_object_get(spec, "base"));
	fmt = json_string_value(json_object_get(spec, "base_format"));
	if (!base) {
		snprintf(err, HV_ERR_MAX, "the server has no disk");
		return -ENOENT;
	}
	return hv_snapshot_flatten(d, id, base, fmt ? fmt : "raw", path, err);
}

static enum hv_power f_state(struct hv_driver *d, const char *id)
{
	_cleanup_json_ json_t *st = NULL;
	const char *p;

	if (!exists(d, id))
		return HV_NOSTATE;
	st = hv_file_read(d, id, "fake.json");
	p = json_string_value(json_object_get(st, "power"));
	return p && strcmp(p, "running") == 0 ? HV_RUNNING : HV_SHUTDOWN;
}

int hv_fake_new(struct hv_driver *d)
{
	d->name = "fake";
	d->accel = "none";
	d->spawn = f_spawn;
	d->destroy = f_destroy;
	d->power_on = f_power_on;
	d->power_off = f_power_off;
	d->reboot = f_reboot;
	d->resize = f_resize;
	d->resize_finish = f_resize_finish;
	d->snapshot = f_snapshot;
	d->state = f_state;
	return 0;
}
