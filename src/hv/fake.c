/* fake.c - the fake driver: no process, just files under INSTANCES/<id>
 * (spec.json, fake.json with the power state and the rescue image), so
 * state survives agent restarts. For load tests of the controller and
 * agent, and the CLI tiers of the server actions. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "hv/hv.h"

/* Set fake.json's member key (power, rescue) to v (NULL: remove it). */
static int set_note(struct hv_driver *d, const char *id, const char *key, const char *v)
{
	_cleanup_json_ json_t *st = hv_file_read(d, id, "fake.json");

	if (!st)
		st = json_object();
	if (!st)
		return -ENOMEM;
	if (v)
		json_object_set_new(st, key, json_string(v));
	else
		json_object_del(st, key);
	return hv_file_write(d, id, "fake.json", st);
}

static int set_power(struct hv_driver *d, const char *id, const char *power)
{
	return set_note(d, id, "power", power);
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
	spec = json_pack("{s:s,s:s?,s:s?,s:i,s:i,s:i,s:i,s:s,s:b,s:[]}", "id", s->id, "base",
			 s->base, "base_format", s->base_format, "vcpus", s->vcpus, "ram_mb",
			 s->ram_mb, "disk_gb", s->disk_gb, "ephemeral_gb", s->ephemeral_gb, "accel",
			 "none", "launched", 1, "nics");
	if (!spec)
		return -ENOMEM;
	for (size_t i = 0; i < s->nnics; i++)
		json_array_append_new(json_object_get(spec, "nics"),
				      json_pack("{s:s,s:s}", "tap", s->nics[i].tap, "mac",
						s->nics[i].mac));
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

/* Change the power from one of from (NULL: any) to power. */
static int f_power_from(struct hv_driver *d, const char *id, const char *const *from,
			const char *power)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *st = NULL;
	const char *p;

	if (lock < 0)
		return lock;
	if (!exists(d, id))
		return -ENOENT;
	st = hv_file_read(d, id, "fake.json");
	p = json_string_value(json_object_get(st, "power"));
	for (; p && from && *from; from++)
		if (strcmp(p, *from) == 0)
			return set_power(d, id, power);
	return p && strcmp(p, power) == 0 ? 0 : -EINVAL;
}

static int f_pause(struct hv_driver *d, const char *id, char *err)
{
	static const char *const from[] = { "running", NULL };

	err[0] = '\0';
	return f_power_from(d, id, from, "paused");
}

static int f_unpause(struct hv_driver *d, const char *id, char *err)
{
	static const char *const from[] = { "paused", NULL };

	err[0] = '\0';
	return f_power_from(d, id, from, "running");
}

static int f_suspend(struct hv_driver *d, const char *id, char *err)
{
	static const char *const from[] = { "running", "paused", NULL };

	err[0] = '\0';
	return f_power_from(d, id, from, "suspended");
}

static int f_rescue_set(struct hv_driver *d, const char *id, const char *base)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int r;

	if (lock < 0)
		return lock;
	if (!exists(d, id))
		return -ENOENT;
	r = set_note(d, id, "rescue", base);
	return r < 0 ? r : set_power(d, id, "running");
}

static int f_rescue(struct hv_driver *d, const char *id, const char *base, const char *format,
		    char *err)
{
	(void)format;
	err[0] = '\0';
	return f_rescue_set(d, id, base ? base : "");
}

static int f_unrescue(struct hv_driver *d, const char *id, char *err)
{
	err[0] = '\0';
	return f_rescue_set(d, id, NULL);
}

static bool f_rescued(struct hv_driver *d, const char *id)
{
	_cleanup_json_ json_t *st = hv_file_read(d, id, "fake.json");

	return json_object_get(st, "rescue") != NULL;
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
	if (p && strcmp(p, "paused") == 0)
		return HV_PAUSED;
	if (p && strcmp(p, "suspended") == 0)
		return HV_SUSPENDED;
	return p && strcmp(p, "running") == 0 ? HV_RUNNING : HV_SHUTDOWN;
}

/* The fake's own figures: its vCPUs never ran and its disk was never
 * read (zeros), its memory is the flavor's, its uptime the time since
 * its power state last changed (fake.json), its NICs the taps' counters
 * when the data plane made them. */
static int f_diagnostics(struct hv_driver *d, const char *id, json_t **out, char *err)
{
	_cleanup_json_ json_t *spec = NULL;
	enum hv_power p = f_state(d, id);
	char path[4096];
	struct stat sb;
	json_t *cpus;

	*out = NULL;
	if (p != HV_RUNNING && p != HV_PAUSED) {
		snprintf(err, HV_ERR_MAX, "the server is not running");
		return -ENOENT;
	}
	spec = hv_file_read(d, id, "spec.json");
	cpus = json_array();
	for (json_int_t i = 0; cpus && i < json_integer_value(json_object_get(spec, "vcpus")) &&
			       i < HV_DIAG_MAX_ITEMS; i++)
		json_array_append_new(cpus, json_pack("{s:I,s:i}", "id", i, "time", 0));
	*out = json_pack("{s:s,s:s,s:{s:I,s:i},s:o,s:[{s:s,s:i,s:i,s:i,s:i,s:i}],s:o}", "state",
			 p == HV_PAUSED ? "paused" : "running", "hypervisor", "fake", "memory",
			 "maximum", json_integer_value(json_object_get(spec, "ram_mb")), "used", 0,
			 "cpus", cpus, "disks", "name", "vda", "read_bytes", 0, "read_requests", 0,
			 "write_bytes", 0, "write_requests", 0, "errors_count", 0, "nics",
			 hv_diag_nics(spec));
	if (!*out)
		return -ENOMEM;
	if (hv_path(d, id, "fake.json", path, sizeof(path)) == 0 && stat(path, &sb) == 0)
		json_object_set_new(*out, "uptime", json_integer(time(NULL) - sb.st_mtime));
	return 0;
}

/* The NICs are spec.json's "nics": [{tap, mac}]. */
static int f_nic_list(struct hv_driver *d, const char *id, json_t **taps)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;

	*taps = NULL;
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	*taps = hv_spec_taps(spec);
	return 0;
}

/* Add (mac) or remove (mac NULL) the NIC on tap. */
static int f_nic_set(struct hv_driver *d, const char *id, const char *tap, const char *mac)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;

	if (lock < 0)
		return lock == -ENOENT && !mac ? 0 : lock;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec)
		return mac ? -ENOENT : 0;
	return hv_spec_nics_set(d, id, spec, tap, mac, -1);
}

static int f_nic_attach(struct hv_driver *d, const char *id, const struct hv_nic *nic, char *err)
{
	err[0] = '\0';
	return f_nic_set(d, id, nic->tap, nic->mac);
}

static int f_nic_detach(struct hv_driver *d, const char *id, const char *tap, char *err)
{
	err[0] = '\0';
	return f_nic_set(d, id, tap, NULL);
}

/* The fake serial port: a shell that answers each line it is sent with
 * "fake-console: LINE" (tests see the round trip). */
static void *fake_console(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char line[512], c;
	size_t n = 0;
	ssize_t got;

	while ((got = read(fd, &c, 1)) > 0) {
		if (c == '\r')
			continue;
		if (c != '\n' && n < sizeof(line) - 1) {
			line[n++] = c;
			continue;
		}
		if (c != '\n')
			continue;
		char out[600];
		int len = snprintf(out, sizeof(out), "fake-console: %.*s\r\n", (int)n, line);
		n = 0;
		if (write(fd, out, (size_t)len) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static int f_serial_open(struct hv_driver *d, const char *id)
{
	int sv[2];
	pthread_t t;

	if (f_state(d, id) != HV_RUNNING)
		return -ENOENT;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (pthread_create(&t, NULL, fake_console, (void *)(intptr_t)sv[1]) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -EAGAIN;
	}
	pthread_detach(t);
	return sv[0];
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
	d->nic_list = f_nic_list;
	d->nic_attach = f_nic_attach;
	d->nic_detach = f_nic_detach;
	d->serial_open = f_serial_open;
	d->pause = f_pause;
	d->unpause = f_unpause;
	d->suspend = f_suspend;
	d->rescue = f_rescue;
	d->unrescue = f_unrescue;
	d->rescued = f_rescued;
	d->diagnostics = f_diagnostics;
	return 0;
}
