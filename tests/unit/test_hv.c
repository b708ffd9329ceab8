/* test_hv.c - the hv layer without a real VM: the fake driver (lifecycle,
 * state surviving a new driver), the qemu driver's qcow2 overlay made with
 * the real qemu-img and a stand-in QEMU (BASALT_QEMU), start failures
 * leaving nothing behind, adoption, console tails, the image cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/md5.h"
#include "hv/hv.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/basalt-hv-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	log_set_level(LOG_ERROR);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct hv_driver *driver(const char *virt_type)
{
	struct hv_config cfg = { .instances_path = dir,
				 .virt_type = virt_type,
				 .shutdown_timeout = 1 };
	struct hv_driver *d = NULL;

	assert_int_equal(hv_driver_new(&cfg, &d), 0);
	return d;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

/* --- fake driver --- */

static void fake_lifecycle(void **state)
{
	struct hv_driver *d = driver("fake");
	struct hv_spec s = { .id = "srv1", .base = "/nonexistent", .vcpus = 1, .ram_mb = 64 };
	char err[HV_ERR_MAX], **ids;
	size_t n;

	assert_string_equal(d->name, "fake");
	assert_int_equal(d->state(d, "srv1"), HV_NOSTATE);
	assert_int_equal(d->spawn(d, &s, err), 0);
	assert_int_equal(d->spawn(d, &s, err), 0); /* idempotent */
	assert_int_equal(d->state(d, "srv1"), HV_RUNNING);
	assert_int_equal(hv_list(d, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "srv1");
	hv_ids_free(ids, n);
	assert_int_equal(d->power_off(d, "srv1"), 0);
	assert_int_equal(d->state(d, "srv1"), HV_SHUTDOWN);
	assert_int_equal(d->power_on(d, "srv1", err), 0);
	assert_int_equal(d->state(d, "srv1"), HV_RUNNING);
	assert_int_equal(d->reboot(d, "srv1", HV_REBOOT_HARD, err), 0);
	assert_int_equal(d->state(d, "srv1"), HV_RUNNING);
	assert_int_equal(d->power_off(d, "nope"), -ENOENT);
	assert_int_equal(d->destroy(d, "srv1"), 0);
	assert_int_equal(d->destroy(d, "srv1"), 0); /* absent is fine */
	assert_int_equal(d->state(d, "srv1"), HV_NOSTATE);
	assert_int_equal(hv_list(d, &ids, &n), 0);
	assert_int_equal(n, 0);
	hv_ids_free(ids, n);
	hv_driver_free(d);
}

/* Pause, suspend and rescue on the fake driver: each one a state the
 * next driver (a restarted agent) reads back; the wrong state refused. */
static void fake_pause_suspend_rescue(void **state)
{
	struct hv_driver *d = driver("fake");
	struct hv_spec s = { .id = "srv2", .vcpus = 1, .ram_mb = 64 };
	char err[HV_ERR_MAX];

	assert_int_equal(d->spawn(d, &s, err), 0);
	assert_int_equal(d->unpause(d, "srv2", err), 0); /* running: nothing to do */
	assert_int_equal(d->pause(d, "srv2", err), 0);
	assert_int_equal(d->pause(d, "srv2", err), 0); /* idempotent */
	assert_int_equal(d->state(d, "srv2"), HV_PAUSED);
	assert_int_equal(d->suspend(d, "srv2", err), 0); /* from paused too */
	hv_driver_free(d);
	d = driver("fake");
	assert_int_equal(d->state(d, "srv2"), HV_SUSPENDED);
	assert_int_equal(d->pause(d, "srv2", err), -EINVAL);
	assert_int_equal(d->power_on(d, "srv2", err), 0); /* resume */
	assert_int_equal(d->state(d, "srv2"), HV_RUNNING);
	assert_false(d->rescued(d, "srv2"));
	assert_int_equal(d->rescue(d, "srv2", "/base/rescue", "raw", err), 0);
	assert_true(d->rescued(d, "srv2"));
	assert_int_equal(d->state(d, "srv2"), HV_RUNNING);
	assert_int_equal(d->unrescue(d, "srv2", err), 0);
	assert_false(d->rescued(d, "srv2"));
	assert_int_equal(d->pause(d, "nope", err), -ENOENT);
	assert_int_equal(d->destroy(d, "srv2"), 0);
	hv_driver_free(d);
}

static void fake_state_survives_restart(void **state)
{
	struct hv_driver *d = driver("fake");
	struct hv_spec a = { .id = "a1", .vcpus = 1, .ram_mb = 64 };
	struct hv_spec b = { .id = "b2", .vcpus = 2, .ram_mb = 128 };
	char err[HV_ERR_MAX], **ids;
	size_t n;

	assert_int_equal(d->spawn(d, &a, err), 0);
	assert_int_equal(d->spawn(d, &b, err), 0);
	assert_int_equal(d->power_off(d, "b2"), 0);
	hv_driver_free(d);

	d = driver("fake"); /* a restarted agent */
	assert_int_equal(hv_list(d, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "a1");
	assert_string_equal(ids[1], "b2");
	hv_ids_free(ids, n);
	assert_int_equal(d->state(d, "a1"), HV_RUNNING);
	assert_int_equal(d->state(d, "b2"), HV_SHUTDOWN);
	assert_int_equal(d->destroy(d, "a1"), 0);
	assert_int_equal(d->destroy(d, "b2"), 0);
	hv_driver_free(d);
}

static void ids_are_checked(void **state)
{
	struct hv_driver *d = driver("fake");
	char err[HV_ERR_MAX];

	assert_false(hv_id_valid("../etc"));
	assert_false(hv_id_valid("_base"));
	assert_false(hv_id_valid(".virt_type"));
	assert_false(hv_id_valid(""));
	assert_true(hv_id_valid("2b7e0c1d9a0c4f3e8b1a2c3d4e5f6a7b"));
	struct hv_spec s = { .id = "../x", .vcpus = 1, .ram_mb = 64 };
	assert_int_equal(d->spawn(d, &s, err), -EINVAL);
	hv_driver_free(d);
}

static void console_tail(void **state)
{
	struct hv_driver *d = driver("fake");
	struct hv_spec s = { .id = "c1", .vcpus = 1, .ram_mb = 64 };
	char err[HV_ERR_MAX], path[PATH_MAX], *t;
	FILE *f;

	assert_int_equal(d->spawn(d, &s, err), 0);
	assert_int_equal(hv_console_tail(d, "c1", 65536, &t), 0);
	assert_string_equal(t, ""); /* no log yet */
	free(t);
	snprintf(path, sizeof(path), "%s/c1/console.log", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 10000; i++)
		fprintf(f, "line %05d\n", i); /* 11 bytes a line */
	fputc('\0', f);
	fputs("\x1b[6nend\n", f);
	fclose(f);
	assert_int_equal(hv_console_tail(d, "c1", 65536, &t), 0);
	assert_int_equal(strlen(t), 65536);
	assert_non_null(strstr(t, "line 09999\n  [6nend\n"));
	free(t);
	assert_int_equal(hv_console_tail(d, "zz", 65536, &t), -ENOENT);
	/* Deltas by offset: the same bytes, cleaned one for one. */
	size_t n;
	int64_t size;
	assert_int_equal(hv_console_read(d, "c1", 109995, 100, &t, &n, &size), 0);
	assert_int_equal(size, 110000 + 1 + 8);
	assert_int_equal(n, 14);
	assert_string_equal(t, "9999\n  [6nend\n");
	free(t);
	assert_int_equal(hv_console_read(d, "c1", 11, 11, &t, &n, &size), 0);
	assert_string_equal(t, "line 00001\n");
	free(t);
	assert_int_equal(hv_console_read(d, "c1", size + 5, 100, &t, &n, &size), 0);
	assert_int_equal(n, 0); /* past the end: nothing */
	free(t);
	assert_int_equal(hv_console_read(d, "zz", 0, 100, &t, &n, &size), -ENOENT);
	/* Bounded on the host: over max, cut to the last keep bytes. */
	assert_int_equal(hv_console_trim(d, "c1", 200000, 1000), 0); /* under max */
	assert_int_equal(hv_console_trim(d, "c1", 100000, 1000), 1);
	assert_int_equal(hv_console_read(d, "c1", 0, 2000, &t, &n, &size), 0);
	assert_int_equal(size, 1000);
	assert_int_equal(n, 1000);
	assert_non_null(strstr(t, "line 09999\n  [6nend\n"));
	assert_int_equal(strlen(t) - strlen(strstr(t, "line 09999")), 1000 - 20);
	free(t);
	assert_int_equal(hv_console_trim(d, "c1", 100000, 1000), 0); /* cut already */
	assert_int_equal(hv_console_trim(d, "c1", 100, 1000), -EINVAL);
	assert_int_equal(hv_console_trim(d, "zz", 100000, 1000), 0); /* no log */
	assert_int_equal(d->destroy(d, "c1"), 0);
	hv_driver_free(d);
}

/* --- qemu driver with the real qemu-img and a stand-in QEMU --- */

static void need_qemu_img(void)
{
	if (system("qemu-img --version >/dev/null 2>&1") != 0)
		fail_msg("qemu-img is missing: run tools/deps --test (qemu-utils)");
}

/* A "QEMU" for the driver's process handling: started detached as the
 * real one, it serves QMP on the listening socket it is handed as fd 3
 * (the driver waits for an answer) and quits on "quit". */
static void stand_in_qemu(char *path, size_t len)
{
	snprintf(path, len, "%s/fake-qemu", dir);
	write_file(
	    path,
	    "#!/usr/bin/env python3\n"
	    "import json, socket, sys\n"
	    "s = socket.socket(fileno=3)\n"
	    "while True:\n"
	    "    c, _ = s.accept()\n"
	    "    try:\n"
	    "        f = c.makefile('rw')\n"
	    "        f.write(json.dumps({'QMP': {'version': {}, 'capabilities': []}}) + '\\n')\n"
	    "        f.flush()\n"
	    "        for line in f:\n"
	    "            m = json.loads(line)\n"
	    "            f.write(json.dumps({'return': {}, 'id': m.get('id')}) + '\\n')\n"
	    "            f.flush()\n"
	    "            if m.get('execute') == 'quit':\n"
	    "                sys.exit(0)\n"
	    "    except OSError:\n"
	    "        pass\n"
	    "    c.close()\n",
	    0755);
	setenv("BASALT_QEMU", path, 1);
}

static char *qemu_img_info(const char *disk)
{
	char cmd[PATH_MAX + 64], *buf = calloc(1, 8192);
	FILE *p;

	snprintf(cmd, sizeof(cmd), "qemu-img info --force-share --output=json '%s'", disk);
	p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(buf, 1, 8191, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static void qcow2_overlay_and_adoption(void **state)
{
	char base[PATH_MAX], disk[PATH_MAX], cmd[PATH_MAX + 64], qemu[PATH_MAX], err[HV_ERR_MAX];
	char pidfile[PATH_MAX];
	struct hv_driver *d;
	json_t *info;

	need_qemu_img();
	stand_in_qemu(qemu, sizeof(qemu));
	snprintf(base, sizeof(base), "%s/_base/img", dir);
	d = driver("qemu");
	assert_string_equal(d->name, "qemu");
	assert_string_equal(d->accel, "tcg");
	snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 '%s' 64M", base);
	assert_int_equal(system(cmd), 0);

	/* flavor disk 1 GB > 64 MiB base: the overlay grows to 1 GiB */
	struct hv_spec s = { .id = "q1",
			     .base = base,
			     .base_format = "qcow2",
			     .base_size = 64 << 20,
			     .vcpus = 1,
			     .ram_mb = 64,
			     .disk_gb = 1 };
	assert_int_equal(d->spawn(d, &s, err), 0);
	snprintf(disk, sizeof(disk), "%s/q1/disk.qcow2", dir);
	char *text = qemu_img_info(disk);
	info = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(info);
	/* named relative to the overlay: QEMU needs no way through INSTANCES' parents */
	assert_string_equal(json_string_value(json_object_get(info, "backing-filename")),
			    "../_base/img");
	assert_string_equal(json_string_value(json_object_get(info, "backing-filename-format")),
			    "qcow2");
	assert_int_equal(json_integer_value(json_object_get(info, "virtual-size")), 1LL << 30);
	json_decref(info);
	assert_false(exists(strcat(strcpy(cmd, disk), ".tmp")));
	assert_int_equal(d->state(d, "q1"), HV_RUNNING);
	snprintf(pidfile, sizeof(pidfile), "%s/q1/qemu.pid", dir);
	int pid = hv_pid_alive(pidfile, "guest=q1");
	assert_true(pid > 0);

	/* A new driver (restarted agent) adopts it: running, same pid, and
	 * spawn again does not start a second one. */
	hv_driver_free(d);
	d = driver("qemu");
	assert_int_equal(d->state(d, "q1"), HV_RUNNING);
	assert_int_equal(d->spawn(d, &s, err), 0);
	assert_int_equal(hv_pid_alive(pidfile, "guest=q1"), pid);
	assert_int_equal(hv_pid_alive(pidfile, "guest=other"), 0); /* not ours */

	/* flavor disk 0: the overlay keeps the base's size */
	struct hv_spec s2 = { .id = "q2",
			      .base = base,
			      .base_format = "qcow2",
			      .base_size = 64 << 20,
			      .vcpus = 1,
			      .ram_mb = 64,
			      .disk_gb = 0 };
	assert_int_equal(d->spawn(d, &s2, err), 0);
	snprintf(disk, sizeof(disk), "%s/q2/disk.qcow2", dir);
	text = qemu_img_info(disk);
	info = json_loads(text, 0, NULL);
	free(text);
	assert_int_equal(json_integer_value(json_object_get(info, "virtual-size")), 64LL << 20);
	json_decref(info);

	/* The process dies behind our back: shutdown, and start relaunches. */
	kill(pid, SIGKILL);
	assert_true(hv_pid_wait_gone(pid, 5000));
	assert_int_equal(d->state(d, "q1"), HV_SHUTDOWN);
	assert_int_equal(d->power_on(d, "q1", err), 0);
	assert_int_equal(d->state(d, "q1"), HV_RUNNING);
	pid = hv_pid_alive(pidfile, "guest=q1");

	/* destroy: no process (no QMP here: it is killed), no directory */
	assert_int_equal(d->destroy(d, "q1"), 0);
	assert_int_equal(d->destroy(d, "q2"), 0);
	assert_true(hv_pid_wait_gone(pid, 1000));
	snprintf(cmd, sizeof(cmd), "%s/q1", dir);
	assert_false(exists(cmd));
	assert_int_equal(d->state(d, "q1"), HV_NOSTATE);
	hv_driver_free(d);
	unsetenv("BASALT_QEMU");
}

static void start_failure_leaves_nothing(void **state)
{
	char base[PATH_MAX], qemu[PATH_MAX], cmd[PATH_MAX + 64], err[HV_ERR_MAX];
	struct hv_driver *d;

	need_qemu_img();
	snprintf(qemu, sizeof(qemu), "%s/bad-qemu", dir);
	write_file(qemu, "#!/bin/sh\necho 'qemu: could not open disk: boom' >&2\nexit 1\n", 0755);
	setenv("BASALT_QEMU", qemu, 1);
	snprintf(base, sizeof(base), "%s/_base/img2", dir);
	d = driver("qemu");
	snprintf(cmd, sizeof(cmd), "qemu-img create -q -f raw '%s' 1M", base);
	assert_int_equal(system(cmd), 0);
	struct hv_spec s = { .id = "bad1",
			     .base = base,
			     .base_format = "raw",
			     .base_size = 1 << 20,
			     .vcpus = 1,
			     .ram_mb = 64,
			     .disk_gb = 1 };
	assert_int_equal(d->spawn(d, &s, err), -EIO);
	assert_non_null(strstr(err, "boom"));
	snprintf(cmd, sizeof(cmd), "%s/bad1", dir);
	assert_false(exists(cmd));
	/* a missing base image: an error, nothing left */
	struct hv_spec s2 = { .id = "bad2",
			      .base = "/nonexistent/base",
			      .base_format = "raw",
			      .vcpus = 1,
			      .ram_mb = 64 };
	assert_true(d->spawn(d, &s2, err) < 0);
	assert_non_null(strstr(err, "/nonexistent/base"));
	snprintf(cmd, sizeof(cmd), "%s/bad2", dir);
	assert_false(exists(cmd));
	hv_driver_free(d);
	unsetenv("BASALT_QEMU");
}

static void half_made_server_is_finished(void **state)
{
	char base[PATH_MAX], qemu[PATH_MAX], p[PATH_MAX + 64], err[HV_ERR_MAX];
	struct hv_driver *d;

	need_qemu_img();
	stand_in_qemu(qemu, sizeof(qemu));
	d = driver("qemu");
	snprintf(base, sizeof(base), "%s/_base/img3", dir);
	snprintf(p, sizeof(p), "qemu-img create -q -f qcow2 '%s' 1M", base);
	assert_int_equal(system(p), 0);
	/* An agent killed while qemu-img ran: a directory with a temp overlay. */
	snprintf(p, sizeof(p), "%s/h1", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/h1/disk.qcow2.tmp", dir);
	write_file(p, "half", 0600);
	assert_int_equal(d->state(d, "h1"), HV_NOSTATE); /* listed, not yet a server */
	struct hv_spec s = { .id = "h1",
			     .base = base,
			     .base_format = "qcow2",
			     .base_size = 64 << 20,
			     .vcpus = 1,
			     .ram_mb = 64,
			     .disk_gb = 1 };
	assert_int_equal(d->spawn(d, &s, err), 0);
	assert_false(exists(p));
	assert_int_equal(d->state(d, "h1"), HV_RUNNING);
	assert_int_equal(d->destroy(d, "h1"), 0);
	hv_driver_free(d);
	unsetenv("BASALT_QEMU");
}

/* --- image cache (file:// URLs stand in for the image API) --- */

static void image_cache_verifies_md5(void **state)
{
	char src[PATH_MAX], url[PATH_MAX + 16], path[PATH_MAX], err[512], sum[33];
	struct hv_driver *d = driver("fake");
	const char *fmt = NULL;
	uint64_t vsize = 0;

	snprintf(src, sizeof(src), "%s/source.img", dir);
	write_file(src, "not really a disk image\n", 0600);
	md5_hex("not really a disk image\n", 24, sum);
	snprintf(url, sizeof(url), "file://%s", src);

	struct image_fetch bad = { .url = url,
				   .image_id = "img-a",
				   .disk_format = "raw",
				   .checksum = "0123456789abcdef0123456789abcdef" };
	assert_int_equal(hv_image_ensure(d, &bad, path, &fmt, &vsize, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "checksum"));
	snprintf(path, sizeof(path), "%s/_base/img-a", dir);
	assert_false(exists(path));
	snprintf(path, sizeof(path), "%s/_base/.img-a.part", dir);
	assert_false(exists(path));

	struct image_fetch good = {
		.url = url, .image_id = "img-a", .checksum = sum, .disk_format = "raw"
	};
	assert_int_equal(hv_image_ensure(d, &good, path, &fmt, &vsize, err, sizeof(err)), 0);
	assert_true(exists(path));
	assert_string_equal(fmt, "raw");
	assert_int_equal(vsize, 512);
	/* Present and verified: never fetched again (the source may vanish). */
	unlink(src);
	assert_int_equal(hv_image_ensure(d, &good, path, &fmt, &vsize, err, sizeof(err)), 0);
	/* ...but vetted again at every use: the same entry declared qcow2. */
	struct image_fetch lie = {
		.url = url, .image_id = "img-a", .checksum = sum, .disk_format = "qcow2"
	};
	assert_int_equal(hv_image_ensure(d, &lie, path, &fmt, &vsize, err, sizeof(err)),
			 -EMEDIUMTYPE);
	assert_non_null(strstr(err, "not the declared disk_format qcow2"));

	struct image_fetch missing = {
		.url = url, .image_id = "img-b", .checksum = sum, .disk_format = "raw"
	};
	assert_true(hv_image_ensure(d, &missing, path, &fmt, &vsize, err, sizeof(err)) < 0);
	struct image_fetch evil = {
		.url = url, .image_id = "../x", .checksum = sum, .disk_format = "raw"
	};
	assert_int_equal(hv_image_ensure(d, &evil, path, &fmt, &vsize, err, sizeof(err)), -EINVAL);
	hv_driver_free(d);
}

/* A refused download never becomes a cache entry: a qcow2 with a backing
 * file, one declared raw, and one larger than the flavor's root disk. */
static void image_cache_refuses_unsafe(void **state)
{
	char src[PATH_MAX], url[PATH_MAX + 16], path[PATH_MAX], err[512], cmd[3 * PATH_MAX];
	struct hv_driver *d = driver("fake");
	const char *fmt = NULL;
	uint64_t vsize = 0;

	need_qemu_img();
	snprintf(src, sizeof(src), "%s/evil.qcow2", dir);
	snprintf(url, sizeof(url), "file://%s", src);
	snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 -b /etc/shadow -F raw '%s' 1M",
		 src);
	assert_int_equal(system(cmd), 0);
	struct image_fetch evil = { .url = url, .image_id = "evil", .disk_format = "qcow2" };
	assert_int_equal(hv_image_ensure(d, &evil, path, &fmt, &vsize, err, sizeof(err)),
			 -EMEDIUMTYPE);
	assert_non_null(strstr(err, "backing file"));
	snprintf(path, sizeof(path), "%s/_base/evil", dir);
	assert_false(exists(path));
	snprintf(path, sizeof(path), "%s/_base/.evil.part", dir);
	assert_false(exists(path));

	snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 '%s' 2G", src);
	assert_int_equal(system(cmd), 0);
	struct image_fetch asraw = { .url = url, .image_id = "q-raw", .disk_format = "raw" };
	assert_int_equal(hv_image_ensure(d, &asraw, path, &fmt, &vsize, err, sizeof(err)),
			 -EMEDIUMTYPE);
	assert_non_null(strstr(err, "qcow2, not the declared disk_format raw"));
	struct image_fetch big = {
		.url = url, .image_id = "big", .disk_format = "qcow2", .max_size = 1ull << 30
	};
	assert_int_equal(hv_image_ensure(d, &big, path, &fmt, &vsize, err, sizeof(err)),
			 -EMEDIUMTYPE);
	assert_non_null(strstr(err, "Flavor's disk is too small"));
	big.max_size = 2ull << 30;
	assert_int_equal(hv_image_ensure(d, &big, path, &fmt, &vsize, err, sizeof(err)), 0);
	assert_string_equal(fmt, "qcow2");
	assert_true(vsize == 2ull << 30);
	struct image_fetch vmdk = { .url = url, .image_id = "vm", .disk_format = "vmdk" };
	assert_int_equal(hv_image_ensure(d, &vmdk, path, &fmt, &vsize, err, sizeof(err)),
			 -EMEDIUMTYPE);
	assert_non_null(strstr(err, "cannot be booted here"));
	hv_driver_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fake_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(fake_pause_suspend_rescue, setup, teardown),
		cmocka_unit_test_setup_teardown(fake_state_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(ids_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(console_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(qcow2_overlay_and_adoption, setup, teardown),
		cmocka_unit_test_setup_teardown(start_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(half_made_server_is_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(image_cache_verifies_md5, setup, teardown),
		cmocka_unit_test_setup_teardown(image_cache_refuses_unsafe, setup, teardown),
	};
	return cmocka_run_group_tests_name("hv", tests, NULL, NULL);
}
