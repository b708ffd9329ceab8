/* resize.c - what both drivers do to a server's directory for a cold
 * resize and a snapshot, step by step so that an agent killed at any
 * point redoes the rest and nothing is lost:
 *   disk.orig        the disk as it was before the resize (a copy)
 *   spec.orig.json   the spec as it was: its presence says a resize is
 *                    open (written last when keeping, removed last when
 *                    dropping, renamed back last when reverting)
 * Callers hold the server's lock and have stopped its QEMU. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "hv/hv.h"

void hv_crash_point(const char *name)
{
	const char *at = getenv("BASALT_HV_CRASH_AT");

	/* Fault injection for the tests: die here as kill -9 would. */
	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
}

static bool present(const struct hv_driver *d, const char *id, const char *file)
{
	char p[4096];

	return hv_path(d, id, file, p, sizeof(p)) == 0 && access(p, F_OK) == 0;
}

/* Copy file to file.tmp with cp (sparse), fsync it, rename it to to. */
static int copy_aside(const struct hv_driver *d, const char *id, const char *from, const char *to,
		      char *err)
{
	char src[4096], tmp[4200], dst[4096];
	int fd, r;

	if (hv_path(d, id, from, src, sizeof(src)) < 0 || hv_path(d, id, to, dst, sizeof(dst)) < 0)
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	char *argv[] = { "cp", "--sparse=always", "--reflink=auto", src, tmp, NULL };
	r = hv_run(argv, err, HV_ERR_MAX);
	if (r < 0)
		return r;
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || rename(tmp, dst) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "keeping %s: %s", from, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return r;
	}
	close(fd);
	return 0;
}

int hv_resize_apply(struct hv_driver *d, const char *id, const struct hv_flavor *fl, char *err)
{
	_cleanup_json_ json_t *spec = hv_file_read(d, id, "spec.json");
	char disk[4096], size[32];
	int old_gb, r;

	if (!spec) {
		snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(errno));
		return -ENOENT;
	}
	if (!present(d, id, "spec.orig.json")) {
		if (present(d, id, "disk.qcow2") && !present(d, id, "disk.orig")) {
			r = copy_aside(d, id, "disk.qcow2", "disk.orig", err);
			if (r < 0)
				return r;
		}
		if (present(d, id, "disk.eph0") && !present(d, id, "eph0.orig")) {
			r = copy_aside(d, id, "disk.eph0", "eph0.orig", err);
			if (r < 0)
				return r;
		}
		r = hv_file_write(d, id, "spec.orig.json", spec);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "spec.orig.json: %s", strerror(-r));
			return r;
		}
	}
	hv_crash_point("resize-kept");
	/* The disk only grows (the API refuses a smaller one); growing it
	 * again to the same size is harmless. */
	old_gb = (int)json_integer_value(json_object_get(spec, "disk_gb"));
	if (fl->disk_gb > 0 && fl->disk_gb > old_gb && present(d, id, "disk.qcow2")) {
		if (hv_path(d, id, "disk.qcow2", disk, sizeof(disk)) < 0)
			return -ENAMETOOLONG;
		snprintf(size, sizeof(size), "%dG", fl->disk_gb);
		char *argv[] = { "qemu-img", "resize", "-q", "-f", "qcow2", disk, size, NULL };
		r = hv_run(argv, err, HV_ERR_MAX);
		if (r < 0)
			return r;
	}
	/* The ephemeral disk too, for a server with disks (the fake driver's
	 * have none). */
	if (present(d, id, "disk.qcow2")) {
		r = hv_ephemeral_grow(d, id, fl->ephemeral_gb, err);
		if (r < 0)
			return r;
	}
	json_object_set_new(spec, "vcpus", json_integer(fl->vcpus));
	json_object_set_new(spec, "ram_mb", json_integer(fl->ram_mb));
	json_object_set_new(spec, "disk_gb", json_integer(fl->disk_gb));
	json_object_set_new(spec, "ephemeral_gb", json_integer(fl->ephemeral_gb));
	r = hv_file_write(d, id, "spec.json", spec);
	if (r < 0)
		snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(-r));
	return r;
}

bool hv_resize_done(const struct hv_driver *d, const char *id, const struct hv_flavor *fl)
{
	_cleanup_json_ json_t *spec = hv_file_read(d, id, "spec.json");

	return spec && present(d, id, "spec.orig.json") &&
	       json_integer_value(json_object_get(spec, "vcpus")) == fl->vcpus &&
	       json_integer_value(json_object_get(spec, "ram_mb")) == fl->ram_mb &&
	       json_integer_value(json_object_get(spec, "disk_gb")) == fl->disk_gb &&
	       json_integer_value(json_object_get(spec, "ephemeral_gb")) == fl->ephemeral_gb;
}

bool hv_resize_kept(const struct hv_driver *d, const char *id)
{
	return present(d, id, "spec.orig.json");
}

int hv_resize_restore(struct hv_driver *d, const char *id, char *err)
{
	char from[4096], to[4096];

	if (!present(d, id, "spec.orig.json"))
		return 0;
	if (present(d, id, "disk.orig")) {
		if (hv_path(d, id, "disk.orig", from, sizeof(from)) < 0 ||
		    hv_path(d, id, "disk.qcow2", to, sizeof(to)) < 0)
			return -ENAMETOOLONG;
		if (rename(from, to) < 0) {
			snprintf(err, HV_ERR_MAX, "restoring the disk: %s", strerror(errno));
			return -errno;
		}
	}
	hv_crash_point("revert-disk");
	/* The ephemeral disk as it was: the kept one, or none when the server
	 * had none before (the resize made it). */
	if (hv_path(d, id, "disk.eph0", to, sizeof(to)) < 0 ||
	    hv_path(d, id, "eph0.orig", from, sizeof(from)) < 0)
		return -ENAMETOOLONG;
	if (present(d, id, "eph0.orig")) {
		if (rename(from, to) < 0) {
			snprintf(err, HV_ERR_MAX, "restoring the ephemeral disk: %s", strerror(errno));
			return -errno;
		}
	} else {
		_cleanup_json_ json_t *orig = hv_file_read(d, id, "spec.orig.json");
		if (orig && json_integer_value(json_object_get(orig, "ephemeral_gb")) <= 0 &&
		    unlink(to) < 0 && errno != ENOENT) {
			snprintf(err, HV_ERR_MAX, "removing the ephemeral disk: %s", strerror(errno));
			return -errno;
		}
	}
	if (hv_path(d, id, "spec.orig.json", from, sizeof(from)) < 0 ||
	    hv_path(d, id, "spec.json", to, sizeof(to)) < 0)
		return -ENAMETOOLONG;
	if (rename(from, to) < 0) {
		snprintf(err, HV_ERR_MAX, "restoring the spec: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int hv_resize_drop(struct hv_driver *d, const char *id)
{
	char p[4096];

	if (hv_path(d, id, "disk.orig", p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	if (hv_path(d, id, "eph0.orig", p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	if (hv_path(d, id, "spec.orig.json", p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int hv_snapshot_flatten(struct hv_driver *d, const char *id, const char *src, const char *format,
			const char *path, char *err)
{
	char tmp[4200];
	int r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	/* -U: QEMU holds the disk (paused); the copy only reads it. The
	 * result has no backing file: the whole chain, flattened. */
	char *argv[] = { "qemu-img", "convert", "-U", "-f", (char *)format, "-O", "qcow2",
			 (char *)src, tmp, NULL };
	r = hv_run(argv, err, HV_ERR_MAX);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	hv_crash_point("snapshot-flattened");
	if (rename(tmp, path) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "snapshot of %s: %s", id, strerror(errno));
		unlink(tmp);
		return r;
	}
	return 0;
}
