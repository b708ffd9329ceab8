/* qemu.c - the QEMU driver (KVM or TCG): a qcow2 overlay per server on a
 * cached base, QEMU daemonized with a pidfile, QMP for power operations.
 * QEMU processes outlive the agent; a restarted agent adopts them through
 * their pidfiles (a live pid whose command line names the server). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "hv/hv.h"

#define QMP_TIMEOUT_MS 5000
#define QUIT_WAIT_MS   5000
#define KILL_WAIT_MS   5000

static const char *qemu_binary(void)
{
	const char *s = getenv("BASALT_QEMU");

	return s && s[0] ? s : "qemu-system-x86_64";
}

/* "guest=<id>" is in every QEMU's command line we start: it is how a pid
 * is proven ours. */
static void needle_of(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "guest=%s", id);
}

static int running_pid(struct hv_driver *d, const char *id)
{
	char pidfile[4096], needle[HV_ID_MAX + 8];

	if (hv_path(d, id, "qemu.pid", pidfile, sizeof(pidfile)) < 0)
		return 0;
	needle_of(id, needle, sizeof(needle));
	int pid = hv_pid_alive(pidfile, needle);
	return pid > 0 ? pid : 0;
}

static void unlink_in(struct hv_driver *d, const char *id, const char *file)
{
	char p[4096];

	if (hv_path(d, id, file, p, sizeof(p)) == 0)
		unlink(p);
}

/* Make disk.qcow2 on the base through a temp file: a crash leaves only the
 * temp file, which the next attempt removes. The overlay names the base's
 * declared format (-F), so QEMU never probes the base. */
static int overlay_ensure(struct hv_driver *d, const struct hv_spec *s, char *err)
{
	char disk[4096], tmp[4096], size[32] = "";
	const char *id = s->id, *base = s->base, *fmt = s->base_format;
	int disk_gb = s->disk_gb;
	uint64_t vsize = s->base_size;
	int r;

	if (hv_path(d, id, "disk.qcow2", disk, sizeof(disk)) < 0 ||
	    hv_path(d, id, "disk.qcow2.tmp", tmp, sizeof(tmp)) < 0)
		return -ENAMETOOLONG;
	if (access(disk, F_OK) == 0)
		return 0;
	unlink(tmp);
	if (!fmt || (strcmp(fmt, "raw") != 0 && strcmp(fmt, "qcow2") != 0)) {
		snprintf(err, HV_ERR_MAX, "base image %s: no declared format (raw or qcow2)", base);
		return -EINVAL;
	}
	if (access(base, R_OK) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "base image %s: %s", base, strerror(errno));
		return r;
	}
	if (disk_gb > 0 && (uint64_t)disk_gb << 30 > vsize)
		snprintf(size, sizeof(size), "%dG", disk_gb);
	char *argv[] = { "qemu-img",
			 "create",
			 "-q",
			 "-f",
			 "qcow2",
			 "-F",
			 (char *)fmt,
			 "-b",
			 (char *)base,
			 tmp,
			 size[0] ? size : NULL,
			 NULL };
	r = hv_run(argv, err, HV_ERR_MAX);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (rename(tmp, disk) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "rename %.300s: %s", tmp, strerror(errno));
		unlink(tmp);
		return r;
	}
	return 0;
}

#define ARGV_MAX 64

/* Start QEMU for the server described by spec.json. Caller holds the lock. */
static int launch(struct hv_driver *d, const char *id, const json_t *spec, char *err)
{
	char dir[4096], pidfile[4096], qmp[4200], serial[4200], drive[4200], name[HV_ID_MAX + 32];
	char cfg[4200], cfgdrive[4300];
	char mem[32], smp[32], nicbuf[8][2][160];
	char *argv[ARGV_MAX];
	const json_t *nic;
	size_t i, n = 0;
	int r;

	if (hv_path(d, id, NULL, dir, sizeof(dir)) < 0 ||
	    hv_path(d, id, "qemu.pid", pidfile, sizeof(pidfile)) < 0)
		return -EINVAL;
	if (strlen(dir) + sizeof("/qmp.sock") > 108) {
		snprintf(err, HV_ERR_MAX, "instances_path too long for a QMP socket path");
		return -ENAMETOOLONG;
	}
	snprintf(qmp, sizeof(qmp), "unix:%s/qmp.sock,server=on,wait=off", dir);
	snprintf(serial, sizeof(serial), "file,id=serial0,path=%s/console.log,append=on", dir);
	snprintf(drive, sizeof(drive), "file=%s/disk.qcow2,if=virtio,format=qcow2,discard=unmap",
		 dir);
	snprintf(name, sizeof(name), "guest=%s,debug-threads=on", id);
	snprintf(mem, sizeof(mem), "%d", (int)json_integer_value(json_object_get(spec, "ram_mb")));
	snprintf(smp, sizeof(smp), "%d", (int)json_integer_value(json_object_get(spec, "vcpus")));
	unlink(pidfile);
	unlink_in(d, id, "qmp.sock");

#define ARG(s) (argv[n++] = (char *)(s))
	ARG(qemu_binary());
	ARG("-name"), ARG(name);
	ARG("-no-user-config"), ARG("-nodefaults");
	ARG("-machine"), ARG("q35");
	ARG("-accel"), ARG(strcmp(d->accel, "kvm") == 0 ? "kvm" : "tcg");
	if (strcmp(d->accel, "kvm") == 0)
		ARG("-cpu"), ARG("host");
	ARG("-m"), ARG(mem);
	ARG("-smp"), ARG(smp);
	ARG("-display"), ARG("none");
	ARG("-daemonize");
	ARG("-pidfile"), ARG(pidfile);
	ARG("-qmp"), ARG(qmp);
	ARG("-chardev"), ARG(serial);
	ARG("-serial"), ARG("chardev:serial0");
	ARG("-drive"), ARG(drive);
	snprintf(cfg, sizeof(cfg), "%s/config.img", dir);
	if (access(cfg, F_OK) == 0) {
		snprintf(cfgdrive, sizeof(cfgdrive), "file=%s,if=virtio,format=raw,readonly=on",
			 cfg);
		ARG("-drive"), ARG(cfgdrive);
	}
	/* NICs on taps the data plane made: {tap, mac} in spec.json. */
	json_array_foreach(json_object_get(spec, "nics"), i, nic)
	{
		if (i >= ARRAY_SIZE(nicbuf))
			break;
		snprintf(nicbuf[i][0], sizeof(nicbuf[i][0]),
			 "tap,id=net%zu,ifname=%s,script=no,downscript=no", i,
			 json_string_value(json_object_get(nic, "tap")) ?: "");
		snprintf(nicbuf[i][1], sizeof(nicbuf[i][1]), "virtio-net-pci,netdev=net%zu,mac=%s",
			 i, json_string_value(json_object_get(nic, "mac")) ?: "");
		ARG("-netdev"), ARG(nicbuf[i][0]);
		ARG("-device"), ARG(nicbuf[i][1]);
	}
	if (json_array_size(json_object_get(spec, "nics")) == 0)
		ARG("-nic"), ARG("none");
	argv[n] = NULL;
#undef ARG

	r = hv_run(argv, err, HV_ERR_MAX);
	if (r < 0) {
		log_warn("server %s: QEMU failed to start: %s", id, err);
		return r;
	}
	if (running_pid(d, id) == 0) {
		snprintf(err, HV_ERR_MAX, "QEMU exited right after starting");
		return -EIO;
	}
	log_info("server %s: QEMU started (%s)", id, d->accel);
	return 0;
}

static void spec_set_launched(struct hv_driver *d, const char *id, json_t *spec)
{
	if (json_is_true(json_object_get(spec, "launched")))
		return;
	json_object_set_new(spec, "launched", json_true());
	if (hv_file_write(d, id, "spec.json", spec) < 0)
		log_warn("server %s: cannot record spec.json", id);
}

/* Make a QEMU go away: a polite request (cmd), then SIGKILL. */
static int stop_pid(struct hv_driver *d, const char *id, int pid, const char *cmd, int wait_ms)
{
	char sock[4096], err[HV_ERR_MAX];

	if (hv_path(d, id, "qmp.sock", sock, sizeof(sock)) < 0)
		return -EINVAL;
	if (cmd && qmp_command(sock, cmd, QMP_TIMEOUT_MS, err, sizeof(err)) == 0 &&
	    hv_pid_wait_gone(pid, wait_ms))
		goto gone;
	if (!cmd || strcmp(cmd, "quit") != 0) {
		if (qmp_command(sock, "quit", QMP_TIMEOUT_MS, err, sizeof(err)) == 0 &&
		    hv_pid_wait_gone(pid, QUIT_WAIT_MS))
			goto gone;
	}
	log_warn("server %s: QEMU %d does not quit: killing it", id, pid);
	kill(pid, SIGKILL);
	if (!hv_pid_wait_gone(pid, KILL_WAIT_MS))
		return -ETIMEDOUT;
gone:
	unlink_in(d, id, "qemu.pid");
	unlink_in(d, id, "qmp.sock");
	return 0;
}

static int q_spawn(struct hv_driver *d, const struct hv_spec *s, char *err)
{
	_cleanup_close_ int lock = -1;
	_cleanup_json_ json_t *spec = NULL;
	json_t *nics;
	bool launched;
	int r;

	err[0] = '\0';
	if (!hv_id_valid(s->id)) {
		snprintf(err, HV_ERR_MAX, "invalid server id");
		return -EINVAL;
	}
	lock = hv_lock(d, s->id, true);
	if (lock < 0) {
		snprintf(err, HV_ERR_MAX, "lock %s: %s", s->id, strerror(-lock));
		return lock;
	}
	if (running_pid(d, s->id))
		return 0; /* never two QEMUs for one server */
	spec = hv_file_read(d, s->id, "spec.json");
	launched = spec && json_is_true(json_object_get(spec, "launched"));
	if (!launched) {
		json_decref(spec);
		nics = json_array();
		for (size_t i = 0; i < s->nnics; i++)
			json_array_append_new(nics, json_pack("{s:s,s:s}", "tap", s->nics[i].tap,
							      "mac", s->nics[i].mac));
		spec = json_pack("{s:s,s:s,s:s?,s:i,s:i,s:i,s:o,s:s,s:b}", "id", s->id, "base",
				 s->base, "base_format", s->base_format, "vcpus", s->vcpus,
				 "ram_mb", s->ram_mb, "disk_gb", s->disk_gb, "nics", nics, "accel",
				 d->accel, "launched", 0);
		if (!spec)
			return -ENOMEM;
		r = hv_file_write(d, s->id, "spec.json", spec);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(-r));
			goto fail;
		}
		r = overlay_ensure(d, s, err);
		if (r >= 0)
			r = hv_config_drive_make(d, s, err);
		if (r < 0)
			goto fail;
	}
	r = launch(d, s->id, spec, err);
	if (r < 0)
		goto fail;
	spec_set_launched(d, s->id, spec);
	return 0;
fail:
	/* A server that never ran leaves nothing behind. */
	if (!launched)
		hv_remove_dir(d, s->id);
	return r;
}

static int q_destroy(struct hv_driver *d, const char *id)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int pid, r;

	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	pid = running_pid(d, id);
	if (pid) {
		r = stop_pid(d, id, pid, "quit", QUIT_WAIT_MS);
		if (r < 0)
			return r;
	}
	return hv_remove_dir(d, id);
}

static int q_power_on(struct hv_driver *d, const char *id, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;

	err[0] = '\0';
	if (lock < 0) {
		snprintf(err, HV_ERR_MAX, "no such server on this host");
		return lock;
	}
	if (running_pid(d, id))
		return 0;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec || !json_is_true(json_object_get(spec, "launched"))) {
		snprintf(err, HV_ERR_MAX, "server was never created on this host");
		return -ENOENT;
	}
	return launch(d, id, spec, err);
}

static int q_power_off(struct hv_driver *d, const char *id)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int pid;

	if (lock < 0)
		return lock;
	pid = running_pid(d, id);
	if (!pid)
		return 0;
	return stop_pid(d, id, pid, "system_powerdown", d->shutdown_timeout * 1000);
}

static int q_reboot(struct hv_driver *d, const char *id, enum hv_reboot type, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;
	char sock[4096];
	int pid, r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	if (hv_path(d, id, "qmp.sock", sock, sizeof(sock)) < 0)
		return -EINVAL;
	pid = running_pid(d, id);
	if (pid && type == HV_REBOOT_HARD)
		return qmp_command(sock, "system_reset", QMP_TIMEOUT_MS, err, HV_ERR_MAX);
	if (pid) {
		r = qmp_command(sock, "system_powerdown", QMP_TIMEOUT_MS, err, HV_ERR_MAX);
		if (r < 0)
			return r;
		if (!hv_pid_wait_gone(pid, d->shutdown_timeout * 1000)) {
			/* The guest ignores ACPI: reset it instead. */
			log_info("server %s: guest ignored ACPI powerdown; resetting", id);
			return qmp_command(sock, "system_reset", QMP_TIMEOUT_MS, err, HV_ERR_MAX);
		}
	}
	/* Powered off (by the guest, or it was not running): start it again. */
	spec = hv_file_read(d, id, "spec.json");
	if (!spec) {
		snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(errno));
		return -ENOENT;
	}
	return launch(d, id, spec, err);
}

static enum hv_power q_state(struct hv_driver *d, const char *id)
{
	_cleanup_json_ json_t *spec = NULL;

	if (running_pid(d, id))
		return HV_RUNNING;
	spec = hv_file_read(d, id, "spec.json");
	return spec && json_is_true(json_object_get(spec, "launched")) ? HV_SHUTDOWN : HV_NOSTATE;
}

int hv_qemu_new(struct hv_driver *d, const char *accel)
{
	d->name = "qemu";
	d->accel = strcmp(accel, "kvm") == 0 ? "kvm" : "tcg";
	d->spawn = q_spawn;
	d->destroy = q_destroy;
	d->power_on = q_power_on;
	d->power_off = q_power_off;
	d->reboot = q_reboot;
	d->state = q_state;
	return 0;
}
