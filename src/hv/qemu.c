/* qemu.c - the QEMU driver (KVM or TCG): a qcow2 overlay per server on a
 * cached base, QEMU started detached with a pidfile, QMP for power
 * operations. QEMU processes outlive the agent; a restarted agent adopts
 * them through their pidfiles (a live pid whose command line names the
 * server).
 *
 * Guests are confined. QEMU runs as [compute] qemu_user, never root, under
 * -sandbox on (seccomp: no obsolete calls, no privilege change, no fork or
 * exec, no resource control), with no_new_privs. The agent keeps what
 * needs root: it opens the taps and the QMP listening socket and passes
 * them as fds, writes the pidfile itself, and owns the instance directory
 * (root:qemu 0710) so QEMU can open its disk, config drive and console
 * (files it owns, 0600/0400) but create, rename or remove nothing there.
 * QEMU starts in that directory and names its files relatively (the
 * overlay's backing file too: ../_base/<image>), so no directory above
 * INSTANCES needs to be open to it. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/diskimg.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "hv/hv.h"

#define QMP_TIMEOUT_MS 5000
#define QUIT_WAIT_MS   5000
#define KILL_WAIT_MS   5000
#define START_WAIT_MS  30000 /* until QMP answers: QEMU is up */

/* The seccomp sandbox every QEMU runs in. */
#define QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

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

/* Make the overlay file (disk.qcow2, rescue.qcow2) of server id on base
 * through a temp file: a crash leaves only the temp file, which the next
 * attempt removes. The overlay names the base's declared format (-F), so
 * QEMU never probes the base; it grows to disk_gb when that is larger
 * than vsize, the base's virtual size. */
static int overlay_make(struct hv_driver *d, const char *id, const char *file, const char *base,
			const char *fmt, uint64_t vsize, int disk_gb, char *err)
{
	char disk[4096], tmp[4096], tmpname[64], size[32] = "";
	int r;

	snprintf(tmpname, sizeof(tmpname), "%s.tmp", file);
	if (hv_path(d, id, file, disk, sizeof(disk)) < 0 ||
	    hv_path(d, id, tmpname, tmp, sizeof(tmp)) < 0)
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
	/* A base in the cache is named relative to the overlay: QEMU opens
	 * it from the server's directory without walking INSTANCES' parents. */
	char rel[300];
	size_t blen = strlen(d->instances);
	if (strncmp(base, d->instances, blen) == 0 && strncmp(base + blen, "/_base/", 7) == 0 &&
	    !strchr(base + blen + 7, '/') && strlen(base + blen) < sizeof(rel) - 2)
		snprintf(rel, sizeof(rel), "..%s", base + blen);
	else
		snprintf(rel, sizeof(rel), "%s", base);
	if (strlen(rel) >= sizeof(rel) - 1) {
		snprintf(err, HV_ERR_MAX, "base image path too long");
		return -ENAMETOOLONG;
	}
	char *argv[] = { "qemu-img",
			 "create",
			 "-q",
			 "-f",
			 "qcow2",
			 "-F",
			 (char *)fmt,
			 "-b",
			 rel,
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

static int overlay_ensure(struct hv_driver *d, const struct hv_spec *s, char *err)
{
	return overlay_make(d, s->id, "disk.qcow2", s->base, s->base_format, s->base_size,
			    s->disk_gb, err);
}

#define ARGV_MAX 128
#define NICS_MAX 8 /* PCIe root ports: every NIC on its own, hot-pluggable */
#define DETACH_WAIT_MS 10000 /* the guest's release of an unplugged NIC */

/* The QEMU ids of the NIC on tap ("tap" + 11 characters of its port id):
 * the device nic-<those 11>, its backend hn-<those 11>. */
static void nic_ids(const char *tap, char dev[24], char netdev[24])
{
	const char *x = strncmp(tap, "tap", 3) == 0 ? tap + 3 : tap;

	snprintf(dev, 24, "nic-%.11s", x);
	snprintf(netdev, 24, "hn-%.11s", x);
}

int hv_confine_file(const struct hv_driver *d, const char *path, bool qemu_owns, unsigned mode)
{
	if (d->run_uid < 0)
		return 0;
	if (chown(path, qemu_owns ? (uid_t)d->run_uid : 0, (gid_t)d->run_gid) < 0 ||
	    chmod(path, mode) < 0)
		return -errno;
	return 0;
}

/* A listening unix socket at path (replacing what is there), root's 0600:
 * QEMU gets the fd, so only the agent can connect. Returns the fd. */
static int qmp_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 4) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* The persistent tap the data plane made, opened for QEMU (which, not
 * root, could not attach to it). Returns the fd. */
static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* The last bytes of QEMU's own log (its stderr), for a failed start. */
static void log_tail(const char *path, char *err)
{
	char buf[HV_ERR_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;
	off_t end;

	if (fd >= 0) {
		end = lseek(fd, 0, SEEK_END);
		if (end > (off_t)sizeof(buf) - 1)
			lseek(fd, end - (off_t)sizeof(buf) + 1, SEEK_SET);
		else
			lseek(fd, 0, SEEK_SET);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	snprintf(err, HV_ERR_MAX, "%s", n ? buf : "QEMU exited right after starting");
}

/* Make the server's files QEMU's (confined driver): the directory root's
 * with QEMU's group, the disk and console QEMU's, the config drive QEMU's
 * read-only. A console log is created here so QEMU need not create it. */
static int confine_dir(struct hv_driver *d, const char *dir, char *err)
{
	static const struct {
		const char *file;
		unsigned mode;
		bool create;
	} files[] = { { "disk.qcow2", 0600, false },
		      { "disk.eph0", 0600, false },
		      { "rescue.qcow2", 0600, false },
		      { "config.img", 0400, false },
		      { "console.log", 0600, true } };
	char p[4200];
	int r;

	if (d->run_uid < 0)
		return 0;
	r = hv_confine_file(d, dir, false, 0710);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i].file);
		if (files[i].create) {
			int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
		}
		if (access(p, F_OK) == 0)
			r = hv_confine_file(d, p, true, files[i].mode);
	}
	if (r < 0)
		snprintf(err, HV_ERR_MAX, "giving %.300s to the QEMU user: %s", dir, strerror(-r));
	return r;
}

/* Start QEMU for the server described by spec.json. Caller holds the lock. */
static int launch(struct hv_driver *d, const char *id, const json_t *spec, char *err)
{
	char dir[4096], pidfile[4096], sock[4200], ssock[4200], logp[4200], name[HV_ID_MAX + 32];
	char cfg[4200], mem[32], smp[32], qmp[64], serial[128], nicbuf[NICS_MAX][2][160], pidtxt[24];
	char rpbuf[NICS_MAX][64];
	char state[4200], incoming[32], eph[4200];
	char *argv[ARGV_MAX];
	int fds[3 + NICS_MAX], nfds = 0, logfd = -1, pid;
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
	snprintf(sock, sizeof(sock), "%s/qmp.sock", dir);
	snprintf(ssock, sizeof(ssock), "%s/serial.sock", dir);
	snprintf(logp, sizeof(logp), "%s/qemu.log", dir);
	snprintf(cfg, sizeof(cfg), "%s/config.img", dir);
	snprintf(eph, sizeof(eph), "%s/disk.eph0", dir);
	snprintf(state, sizeof(state), "%s/suspend.state", dir);
	/* A fresh process runs: nothing holds its vCPUs. */
	unlink_in(d, id, "paused");
	snprintf(name, sizeof(name), "guest=%s,debug-threads=on", id);
	snprintf(mem, sizeof(mem), "%d", (int)json_integer_value(json_object_get(spec, "ram_mb")));
	snprintf(smp, sizeof(smp), "%d", (int)json_integer_value(json_object_get(spec, "vcpus")));
	unlink(pidfile);
	r = confine_dir(d, dir, err);
	if (r < 0)
		return r;

	/* fd 3: QMP; 4: the serial port; 5...: the taps, then a saved state. */
	fds[nfds] = qmp_listen(sock);
	if (fds[nfds] < 0) {
		r = fds[nfds];
		snprintf(err, HV_ERR_MAX, "QMP socket %.300s: %s", sock, strerror(-r));
		return r;
	}
	nfds++;
	snprintf(qmp, sizeof(qmp), "socket,id=qmp,fd=3,server=on,wait=off");
	/* fd 4: the serial port, for the interactive console (the agent
	 * relays it); everything the guest prints also goes to console.log. */
	fds[nfds] = qmp_listen(ssock);
	if (fds[nfds] < 0) {
		r = fds[nfds];
		snprintf(err, HV_ERR_MAX, "serial socket %.300s: %s", ssock, strerror(-r));
		goto out;
	}
	nfds++;
	snprintf(serial, sizeof(serial),
		 "socket,id=serial0,fd=4,server=on,wait=off,logfile=console.log,logappend=on");

#define ARG(s) (argv[n++] = (char *)(s))
	ARG(qemu_binary());
	ARG("-name"), ARG(name);
	ARG("-no-user-config"), ARG("-nodefaults");
	ARG("-sandbox"), ARG(QEMU_SANDBOX);
	ARG("-machine"), ARG("q35");
	ARG("-accel"), ARG(strcmp(d->accel, "kvm") == 0 ? "kvm" : "tcg");
	if (strcmp(d->accel, "kvm") == 0)
		ARG("-cpu"), ARG("host");
	ARG("-m"), ARG(mem);
	ARG("-smp"), ARG(smp);
	ARG("-display"), ARG("none");
	ARG("-chardev"), ARG(qmp);
	ARG("-mon"), ARG("chardev=qmp,mode=control");
	ARG("-chardev"), ARG(serial);
	ARG("-serial"), ARG("chardev:serial0");
	/* Rescued: the rescue image boots, the server's own disk comes second. */
	if (json_object_get(spec, "rescue"))
		ARG("-drive"), ARG("file=rescue.qcow2,if=virtio,format=qcow2,discard=unmap");
	ARG("-drive"), ARG("file=disk.qcow2,if=virtio,format=qcow2,discard=unmap");
	/* The flavor's ephemeral disk after it, as Nova's disk.local; not in a
	 * rescue, as Nova's (legacy) rescue attaches only the two. */
	if (access(eph, F_OK) == 0 && !json_object_get(spec, "rescue"))
		ARG("-drive"), ARG("file=disk.eph0,if=virtio,format=qcow2,discard=unmap");
	if (access(cfg, F_OK) == 0)
		ARG("-drive"), ARG("file=config.img,if=virtio,format=raw,readonly=on");
	/* One PCIe root port per possible NIC: a NIC is hot-plugged into a
	 * free one (q35's root bus takes none), and unplugged from it. */
	for (i = 0; i < NICS_MAX; i++) {
		snprintf(rpbuf[i], sizeof(rpbuf[i]), "pcie-root-port,id=rp%zu,chassis=%zu", i, i + 1);
		ARG("-device"), ARG(rpbuf[i]);
	}
	/* NICs on taps the data plane made: {tap, mac, slot} in spec.json,
	 * each in the root port it had (a saved state expects it there). */
	json_array_foreach(json_object_get(spec, "nics"), i, nic)
	{
		const char *tap = json_string_value(json_object_get(nic, "tap"));
		char dev[24], netdev[24];
		int slot = hv_spec_nic_slot(spec, nic);
		if (i >= NICS_MAX)
			break;
		if (slot < 0 || slot >= NICS_MAX) {
			snprintf(err, HV_ERR_MAX, "NIC %s: no PCIe slot %d", tap ? tap : "", slot);
			r = -EINVAL;
			goto out;
		}
		nic_ids(tap ? tap : "", dev, netdev);
		int fd = tap_open(tap ? tap : "");
		if (fd < 0) {
			r = fd;
			snprintf(err, HV_ERR_MAX, "tap %s: %s", tap ? tap : "", strerror(-r));
			goto out;
		}
		fds[nfds] = fd;
		snprintf(nicbuf[i][0], sizeof(nicbuf[i][0]), "tap,id=%s,fd=%d", netdev, 3 + nfds);
		nfds++;
		snprintf(nicbuf[i][1], sizeof(nicbuf[i][1]),
			 "virtio-net-pci,netdev=%s,mac=%s,id=%s,bus=rp%d", netdev,
			 json_string_value(json_object_get(nic, "mac")) ?: "", dev, slot);
		ARG("-netdev"), ARG(nicbuf[i][0]);
		ARG("-device"), ARG(nicbuf[i][1]);
	}
	if (json_array_size(json_object_get(spec, "nics")) == 0)
		ARG("-nic"), ARG("none");
	/* Suspended: the saved state comes in on the last fd (QEMU reads it,
	 * then the guest goes on where it was). */
	if (access(state, F_OK) == 0) {
		int fd = open(state, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			r = -errno;
			snprintf(err, HV_ERR_MAX, "%.300s: %s", state, strerror(errno));
			goto out;
		}
		fds[nfds] = fd;
		snprintf(incoming, sizeof(incoming), "fd:%d", 3 + nfds);
		nfds++;
		ARG("-incoming"), ARG(incoming);
	}
	argv[n] = NULL;
#undef ARG

	logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "%.300s: %s", logp, strerror(errno));
		goto out;
	}
	struct hv_proc p = { .argv = argv,
			     .cwd = dir,
			     .log_fd = logfd,
			     .fds = fds,
			     .nfds = (size_t)nfds,
			     .uid = d->run_uid,
			     .gid = d->run_gid,
			     .kvm_gid = d->kvm_gid };
	pid = hv_proc_start(&p);
	if (pid < 0) {
		r = pid;
		snprintf(err, HV_ERR_MAX, "starting QEMU: %s", strerror(-r));
		goto out;
	}
	snprintf(pidtxt, sizeof(pidtxt), "%d\n", pid);
	r = file_write_atomic(pidfile, pidtxt, strlen(pidtxt), 0600);
	if (r < 0) {
		kill(pid, SIGKILL);
		snprintf(err, HV_ERR_MAX, "%.300s: %s", pidfile, strerror(-r));
		goto out;
	}
	/* Up when QMP answers (QEMU serves it once its devices are made);
	 * a QEMU that exits first failed: its log says why. */
	r = -ETIMEDOUT;
	for (int waited = 0; waited < START_WAIT_MS; waited += 100) {
		char qerr[128];
		/* (not running_pid: until its exec, the child's command line is ours) */
		if (hv_pid_wait_gone(pid, 0)) {
			r = -EIO;
			break;
		}
		if (qmp_command(sock, "query-status", 500, qerr, sizeof(qerr)) == 0) {
			r = 0;
			break;
		}
		nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
	}
	if (r < 0) {
		if (r == -ETIMEDOUT)
			snprintf(err, HV_ERR_MAX, "QEMU did not answer QMP within %d s",
				 START_WAIT_MS / 1000);
		else
			log_tail(logp, err);
		kill(pid, SIGKILL);
		hv_pid_wait_gone(pid, KILL_WAIT_MS);
		unlink(pidfile);
		log_warn("server %s: QEMU failed to start: %s", id, err);
		goto out;
	}
	log_info("server %s: QEMU %d started (%s, %s%s)", id, pid, d->accel,
		 d->run_uid >= 0 ? "confined" : "as the agent's user",
		 json_object_get(spec, "rescue") ? ", rescue image first" : "");
	/* Which disk this process booted (q_rescue, q_unrescue). */
	if (json_object_get(spec, "rescue")) {
		char mark[4200];
		snprintf(mark, sizeof(mark), "%s/rescue.booted", dir);
		if (file_write_atomic(mark, "", 0, 0600) < 0)
			log_warn("server %s: cannot record its rescue boot", id);
	} else {
		unlink_in(d, id, "rescue.booted");
	}
out:
	for (int k = 0; k < nfds; k++)
		close(fds[k]);
	if (logfd >= 0)
		close(logfd);
	return r;
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
	unlink_in(d, id, "serial.sock");
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
			json_array_append_new(nics, json_pack("{s:s,s:s,s:i}", "tap", s->nics[i].tap,
							      "mac", s->nics[i].mac, "slot", (int)i));
		spec = json_pack("{s:s,s:s,s:s?,s:i,s:i,s:i,s:i,s:o,s:s,s:b}", "id", s->id,
				 "base", s->base, "base_format", s->base_format, "vcpus", s->vcpus,
				 "ram_mb", s->ram_mb, "disk_gb", s->disk_gb, "ephemeral_gb",
				 s->ephemeral_gb, "nics", nics, "accel", d->accel, "launched", 0);
		if (!spec)
			return -ENOMEM;
		r = hv_file_write(d, s->id, "spec.json", spec);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(-r));
			goto fail;
		}
		r = overlay_ensure(d, s, err);
		if (r >= 0)
			r = hv_ephemeral_make(d, s->id, s->ephemeral_gb, err);
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

static bool file_in(struct hv_driver *d, const char *id, const char *file);
static int resume_done(struct hv_driver *d, const char *id, char *err);

static int q_power_on(struct hv_driver *d, const char *id, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;
	bool resuming;
	int r;

	err[0] = '\0';
	if (lock < 0) {
		snprintf(err, HV_ERR_MAX, "no such server on this host");
		return lock;
	}
	/* Running: a resume an agent killed midway left the state file. */
	if (running_pid(d, id))
		return file_in(d, id, "suspend.state") ? resume_done(d, id, err) : 0;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec || !json_is_true(json_object_get(spec, "launched"))) {
		snprintf(err, HV_ERR_MAX, "server was never created on this host");
		return -ENOENT;
	}
	resuming = file_in(d, id, "suspend.state");
	r = launch(d, id, spec, err);
	return r == 0 && resuming ? resume_done(d, id, err) : r;
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

static int q_resize(struct hv_driver *d, const char *id, const struct hv_flavor *fl, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int pid, r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	if (hv_resize_done(d, id, fl))
		return 0;
	pid = running_pid(d, id);
	if (pid) {
		r = stop_pid(d, id, pid, "system_powerdown", d->shutdown_timeout * 1000);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "stopping QEMU: %s", strerror(-r));
			return r;
		}
	}
	return hv_resize_apply(d, id, fl, err);
}

static int q_resize_finish(struct hv_driver *d, const char *id, bool revert, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int pid, r;

	err[0] = '\0';
	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	if (!hv_resize_kept(d, id))
		return 0;
	if (!revert)
		return hv_resize_drop(d, id);
	pid = running_pid(d, id);
	if (pid) {
		r = stop_pid(d, id, pid, "system_powerdown", d->shutdown_timeout * 1000);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "stopping QEMU: %s", strerror(-r));
			return r;
		}
	}
	return hv_resize_restore(d, id, err);
}

/* snapshot.paused marks a guest paused for a snapshot: a cut-short one
 * is continued by the next call. */
static int q_snapshot(struct hv_driver *d, const char *id, const char *path, char *err)
{
	_cleanup_close_ int lock = -1;
	char sock[4096], disk[4096], mark[4096];
	int pid, r;

	err[0] = '\0';
	if (hv_path(d, id, "qmp.sock", sock, sizeof(sock)) < 0 ||
	    hv_path(d, id, "disk.qcow2", disk, sizeof(disk)) < 0 ||
	    hv_path(d, id, "snapshot.paused", mark, sizeof(mark)) < 0)
		return -ENAMETOOLONG;
	if (!path && access(mark, F_OK) < 0)
		return 0;
	lock = hv_lock(d, id, false);
	if (lock < 0)
		return lock;
	pid = running_pid(d, id);
	if (path && pid) {
		r = file_write_atomic(mark, "", 0, 0600);
		if (r >= 0)
			r = qmp_command(sock, "stop", QMP_TIMEOUT_MS, err, HV_ERR_MAX);
		if (r < 0)
			return r;
	}
	r = path ? hv_snapshot_flatten(d, id, disk, "qcow2", path, err) : 0;
	if (pid && access(mark, F_OK) == 0 && !file_in(d, id, "paused")) { /* a user's pause stays */
		char e2[HV_ERR_MAX];
		int c = qmp_command(sock, "cont", QMP_TIMEOUT_MS, e2, sizeof(e2));
		if (c < 0) {
			log_error("server %s: cannot continue the guest after a snapshot: %s", id, e2);
			return r < 0 ? r : c;
		}
	}
	unlink(mark);
	return r;
}

static bool file_in(struct hv_driver *d, const char *id, const char *file)
{
	char p[4096];

	return hv_path(d, id, file, p, sizeof(p)) == 0 && access(p, F_OK) == 0;
}

static enum hv_power q_state(struct hv_driver *d, const char *id)
{
	_cleanup_json_ json_t *spec = NULL;

	if (running_pid(d, id))
		return file_in(d, id, "paused") ? HV_PAUSED : HV_RUNNING;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec || !json_is_true(json_object_get(spec, "launched")))
		return HV_NOSTATE;
	return file_in(d, id, "suspend.state") ? HV_SUSPENDED : HV_SHUTDOWN;
}

/* One QMP command with arguments on the server's socket. */
static int qmp_call(struct hv_driver *d, const char *id, const char *cmd, const json_t *args,
		    json_t **ret, char *err)
{
	char sock[4096];
	struct qmp *q;
	int r;

	if (hv_path(d, id, "qmp.sock", sock, sizeof(sock)) < 0)
		return -EINVAL;
	r = qmp_open(sock, QMP_TIMEOUT_MS, &q);
	if (r < 0) {
		snprintf(err, HV_ERR_MAX, "QMP: %s", strerror(-r));
		return r;
	}
	r = qmp_execute(q, cmd, args, ret, err, HV_ERR_MAX);
	qmp_close(q);
	return r;
}

/* QEMU's run state ("running", "paused", "inmigrate", ...) into buf. */
static int run_status(struct hv_driver *d, const char *id, char *buf, size_t len, char *err)
{
	_cleanup_json_ json_t *ret = NULL;
	int r = qmp_call(d, id, "query-status", NULL, &ret, err);

	if (r == 0)
		snprintf(buf, len, "%s", json_string_value(json_object_get(ret, "status")) ?: "");
	return r;
}

/* The marker that the agent holds the vCPUs stopped (q_state reads it:
 * no QMP round trip per state query). */
static int paused_mark(struct hv_driver *d, const char *id, bool on)
{
	char p[4096];

	if (hv_path(d, id, "paused", p, sizeof(p)) < 0)
		return -EINVAL;
	if (!on)
		return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
	return file_write_atomic(p, "", 0, 0600);
}

/* QMP stop (pause) or cont: idempotent, so a kill between the command and
 * the marker converges on the next pass. */
static int pause_set(struct hv_driver *d, const char *id, bool pause, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	if (!running_pid(d, id)) {
		snprintf(err, HV_ERR_MAX, "the server is not running");
		return -ESRCH;
	}
	r = qmp_call(d, id, pause ? "stop" : "cont", NULL, NULL, err);
	return r < 0 ? r : paused_mark(d, id, pause);
}

static int q_pause(struct hv_driver *d, const char *id, char *err)
{
	return pause_set(d, id, true, err);
}

static int q_unpause(struct hv_driver *d, const char *id, char *err)
{
	return pause_set(d, id, false, err);
}

#define SUSPEND_WAIT_MS 300000 /* the state written to disk */
#define RESUME_WAIT_MS	300000 /* the state read back */

/* Save the VM (stopped first, so the state is one instant) into tmp
 * through a migration to an fd QEMU gets over QMP. */
static int save_state(struct hv_driver *d, const char *id, const char *tmp, char *err)
{
	_cleanup_json_ json_t *params = json_pack("{s:I}", "max-bandwidth", (json_int_t)1 << 40);
	_cleanup_json_ json_t *uri = json_pack("{s:s}", "uri", "fd:basalt-suspend");
	char sock[4096];
	struct qmp *q = NULL;
	int fd, r;

	if (!params || !uri)
		return -ENOMEM;
	if (hv_path(d, id, "qmp.sock", sock, sizeof(sock)) < 0)
		return -EINVAL;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "%.300s: %s", tmp, strerror(errno));
		return r;
	}
	r = qmp_open(sock, QMP_TIMEOUT_MS, &q);
	if (r < 0)
		snprintf(err, HV_ERR_MAX, "QMP: %s", strerror(-r));
	if (r == 0)
		r = qmp_execute(q, "stop", NULL, NULL, err, HV_ERR_MAX);
	if (r == 0)
		r = qmp_execute(q, "migrate-set-parameters", params, NULL, err, HV_ERR_MAX);
	if (r == 0)
		r = qmp_getfd(q, "basalt-suspend", fd, err, HV_ERR_MAX);
	if (r == 0)
		r = qmp_execute(q, "migrate", uri, NULL, err, HV_ERR_MAX);
	for (int waited = 0; r == 0; waited += 50) {
		_cleanup_json_ json_t *ret = NULL;
		const char *st;
		r = qmp_execute(q, "query-migrate", NULL, &ret, err, HV_ERR_MAX);
		st = json_string_value(json_object_get(ret, "status"));
		if (r < 0 || (st && strcmp(st, "completed") == 0))
			break;
		if (st && (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0)) {
			snprintf(err, HV_ERR_MAX, "saving the state: migration %s: %s", st,
				 json_string_value(json_object_get(ret, "error-desc")) ?: "");
			r = -EIO;
		} else if (waited >= SUSPEND_WAIT_MS) {
			snprintf(err, HV_ERR_MAX, "saving the state took over %d s",
				 SUSPEND_WAIT_MS / 1000);
			r = -ETIMEDOUT;
		} else {
			nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
		}
	}
	qmp_close(q);
	if (r == 0 && fsync(fd) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "fsync %.300s: %s", tmp, strerror(errno));
	}
	close(fd);
	return r;
}

static int q_suspend(struct hv_driver *d, const char *id, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	char tmp[4096], state[4096];
	int pid, r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	if (hv_path(d, id, "suspend.state.tmp", tmp, sizeof(tmp)) < 0 ||
	    hv_path(d, id, "suspend.state", state, sizeof(state)) < 0)
		return -EINVAL;
	pid = running_pid(d, id);
	if (!pid) {
		if (access(state, F_OK) == 0)
			return 0;
		snprintf(err, HV_ERR_MAX, "the server is not running");
		return -ESRCH;
	}
	/* A state already saved (an agent killed before the quit below) is
	 * older than what runs now: save again. */
	r = save_state(d, id, tmp, err);
	if (r == 0 && rename(tmp, state) < 0) {
		r = -errno;
		snprintf(err, HV_ERR_MAX, "rename %.300s: %s", tmp, strerror(errno));
	}
	if (r < 0) {
		unlink(tmp);
		/* The guest goes on running rather than stay stopped. */
		char e2[HV_ERR_MAX];
		qmp_call(d, id, "cont", NULL, NULL, e2);
		return r;
	}
	paused_mark(d, id, false);
	r = stop_pid(d, id, pid, "quit", QUIT_WAIT_MS);
	log_info("server %s: suspended to %s", id, state);
	return r;
}

/* After a launch from suspend.state: wait until QEMU read it and the
 * guest runs, then the state file goes (kept on failure). */
static int resume_done(struct hv_driver *d, const char *id, char *err)
{
	char st[32] = "";
	int r = 0;

	for (int waited = 0; waited < RESUME_WAIT_MS; waited += 50) {
		r = run_status(d, id, st, sizeof(st), err);
		if (r < 0 || strcmp(st, "running") == 0)
			break;
		/* The state carries the run state it was saved in (stopped, to
		 * be one instant): once it is all in, the guest goes on. */
		if (strcmp(st, "paused") == 0) {
			_cleanup_json_ json_t *mig = NULL;
			const char *ms;
			r = qmp_call(d, id, "query-migrate", NULL, &mig, err);
			ms = json_string_value(json_object_get(mig, "status"));
			if (r == 0 && ms && strcmp(ms, "completed") == 0)
				r = qmp_call(d, id, "cont", NULL, NULL, err);
			if (r < 0)
				break;
		}
		if (strcmp(st, "inmigrate") != 0 && strcmp(st, "prelaunch") != 0 &&
		    strcmp(st, "restore-vm") != 0 && strcmp(st, "paused") != 0) {
			snprintf(err, HV_ERR_MAX, "restoring the state: QEMU is %s", st);
			return -EIO;
		}
		nanosleep(&(struct timespec){ 0, 50 * 1000000L }, NULL);
	}
	if (r < 0)
		return r;
	if (strcmp(st, "running") != 0) {
		snprintf(err, HV_ERR_MAX, "restoring the state took over %d s (QEMU is %s)",
			 RESUME_WAIT_MS / 1000, st);
		return -ETIMEDOUT;
	}
	unlink_in(d, id, "suspend.state");
	log_info("server %s: resumed from its saved state", id);
	return 0;
}

/* Restart the server in rescue mode. spec.json's "rescue" says which mode
 * is wanted, the rescue.booted marker (launch) which one runs: an agent
 * killed between the two finishes on the next call. */
static int q_rescue(struct hv_driver *d, const char *id, const char *base, const char *format,
		    char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;
	struct diskimg_info info = { 0 };
	int pid, r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec || !json_is_true(json_object_get(spec, "launched"))) {
		snprintf(err, HV_ERR_MAX, "server was never created on this host");
		return -ENOENT;
	}
	if (!json_object_get(spec, "rescue")) {
		r = diskimg_vet_file(base, format, 0, &info, err, HV_ERR_MAX);
		unlink_in(d, id, "rescue.qcow2");
		if (r == 0)
			r = overlay_make(d, id, "rescue.qcow2", base, format, info.virtual_size, 0,
					 err);
		if (r < 0)
			return r;
		json_object_set_new(spec, "rescue",
				    json_pack("{s:s,s:s}", "base", base, "base_format", format));
		r = hv_file_write(d, id, "spec.json", spec);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(-r));
			return r;
		}
	}
	pid = running_pid(d, id);
	if (pid && file_in(d, id, "rescue.booted"))
		return 0;
	if (pid) {
		r = stop_pid(d, id, pid, "quit", QUIT_WAIT_MS);
		if (r < 0)
			return r;
	}
	/* A rescue boots afresh: a saved state is not resumed. */
	unlink_in(d, id, "suspend.state");
	return launch(d, id, spec, err);
}

static int q_unrescue(struct hv_driver *d, const char *id, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL;
	int pid, r;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec) {
		snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(errno));
		return -ENOENT;
	}
	if (json_object_get(spec, "rescue")) {
		json_object_del(spec, "rescue");
		r = hv_file_write(d, id, "spec.json", spec);
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "spec.json: %s", strerror(-r));
			return r;
		}
	}
	pid = running_pid(d, id);
	if (pid && !file_in(d, id, "rescue.booted"))
		return 0;
	if (pid) {
		r = stop_pid(d, id, pid, "quit", QUIT_WAIT_MS);
		if (r < 0)
			return r;
	}
	unlink_in(d, id, "rescue.qcow2");
	return launch(d, id, spec, err);
}

static bool q_rescued(struct hv_driver *d, const char *id)
{
	_cleanup_json_ json_t *spec = hv_file_read(d, id, "spec.json");

	return json_object_get(spec, "rescue") != NULL;
}

/* --- NIC hotplug --- */

/* The ids under /machine/peripheral of the running guest (an object of
 * names), through q. */
static int peripherals(struct qmp *q, json_t **out, char *err)
{
	_cleanup_json_ json_t *args = json_pack("{s:s}", "path", "/machine/peripheral");
	json_t *ret = NULL, *e;
	size_t i;
	int r = qmp_execute(q, "qom-list", args, &ret, err, HV_ERR_MAX);

	*out = NULL;
	if (r < 0)
		return r;
	*out = json_object();
	json_array_foreach(ret, i, e)
		if (json_str(e, "name"))
			json_object_set_new(*out, json_str(e, "name"), json_true());
	json_decref(ret);
	return 0;
}

/* Open QMP on a running guest made with root ports: 1 with *q, 0 when it
 * does not run (or runs without them: *slots false), -errno. */
static int hotplug_qmp(struct hv_driver *d, const char *id, struct qmp **q, json_t **have,
		       bool *slots, char *err)
{
	char sock[4096];
	int r;

	*q = NULL;
	*have = NULL;
	*slots = false;
	if (!running_pid(d, id))
		return 0;
	if (hv_path(d, id, "qmp.sock", sock, sizeof(sock)) < 0)
		return -EINVAL;
	r = qmp_open(sock, QMP_TIMEOUT_MS, q);
	if (r < 0) {
		snprintf(err, HV_ERR_MAX, "QMP: %s", strerror(-r));
		return r;
	}
	r = peripherals(*q, have, err);
	if (r < 0) {
		qmp_close(*q);
		*q = NULL;
		return r;
	}
	*slots = json_object_get(*have, "rp0") != NULL;
	return 1;
}

static int q_nic_list(struct hv_driver *d, const char *id, json_t **taps)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL, *have = NULL;
	char err[HV_ERR_MAX];
	struct qmp *q;
	const char *k;
	json_t *v;
	bool slots;
	int r;

	*taps = NULL;
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	r = hotplug_qmp(d, id, &q, &have, &slots, err);
	if (r < 0)
		return r;
	qmp_close(q);
	if (r == 0 || !slots) {
		*taps = hv_spec_taps(spec);
		return 0;
	}
	*taps = json_array();
	json_object_foreach(have, k, v)
		if (strncmp(k, "nic-", 4) == 0)
			json_array_append_new(*taps, json_sprintf("tap%s", k + 4));
	return 0;
}

/* The root port device dev is plugged into, or with dev NULL the first
 * one with nothing plugged into it: 0..NICS_MAX-1, or -ENOSPC/-ENOENT. */
static int root_port(struct qmp *q, const char *dev, char *err)
{
	json_t *ret = NULL, *port, *child;
	size_t i, j;
	int found = -1, r = qmp_execute(q, "query-pci", NULL, &ret, err, HV_ERR_MAX);

	if (r < 0)
		return r;
	json_array_foreach(json_object_get(json_array_get(ret, 0), "devices"), i, port) {
		const char *qid = json_str(port, "qdev_id");
		json_t *children = json_object_get(json_object_get(port, "pci_bridge"), "devices");
		int k;
		if (!qid || sscanf(qid, "rp%d", &k) != 1 || k < 0 || k >= NICS_MAX)
			continue;
		if (!dev && json_array_size(children) == 0 && (found < 0 || k < found))
			found = k;
		json_array_foreach(children, j, child)
			if (dev && json_str(child, "qdev_id") && strcmp(json_str(child, "qdev_id"), dev) == 0)
				found = k;
	}
	json_decref(ret);
	if (found >= 0)
		return found;
	if (dev) {
		snprintf(err, HV_ERR_MAX, "%s is on no root port", dev);
		return -ENOENT;
	}
	snprintf(err, HV_ERR_MAX, "no free PCIe slot (%d NICs)", NICS_MAX);
	return -ENOSPC;
}

static int q_nic_attach(struct hv_driver *d, const char *id, const struct hv_nic *nic, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL, *have = NULL, *args = NULL;
	char dev[24], netdev[24], bus[16];
	struct qmp *q = NULL;
	bool slots;
	int r, fd, k;

	err[0] = '\0';
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec)
		return -ENOENT;
	nic_ids(nic->tap, dev, netdev);
	r = hotplug_qmp(d, id, &q, &have, &slots, err);
	if (r <= 0) /* not running: it boots with it */
		return r < 0 ? r : hv_spec_nics_set(d, id, spec, nic->tap, nic->mac, -1);
	if (!slots) {
		snprintf(err, HV_ERR_MAX, "the guest was started without hot-plug slots (restart it)");
		r = -EOPNOTSUPP;
		goto out;
	}
	if (json_object_get(have, dev)) { /* plugged before a crash */
		k = root_port(q, dev, err);
		r = k;
		if (k < 0)
			goto out;
		goto record;
	}
	/* A backend left by an attach cut short goes first. */
	args = json_pack("{s:s}", "id", netdev);
	qmp_execute(q, "netdev_del", args, NULL, NULL, 0);
	json_decref(args);
	fd = tap_open(nic->tap);
	if (fd < 0) {
		r = fd;
		snprintf(err, HV_ERR_MAX, "tap %s: %s", nic->tap, strerror(-r));
		goto out;
	}
	r = qmp_getfd(q, netdev, fd, err, HV_ERR_MAX);
	close(fd);
	args = json_pack("{s:s,s:s,s:s}", "type", "tap", "id", netdev, "fd", netdev);
	if (r >= 0)
		r = qmp_execute(q, "netdev_add", args, NULL, err, HV_ERR_MAX);
	k = r < 0 ? r : root_port(q, NULL, err);
	if (k < 0) {
		r = k;
		goto out;
	}
	snprintf(bus, sizeof(bus), "rp%d", k);
	json_decref(args);
	args = json_pack("{s:s,s:s,s:s,s:s,s:s}", "driver", "virtio-net-pci", "id", dev, "netdev",
			 netdev, "mac", nic->mac, "bus", bus);
	r = qmp_execute(q, "device_add", args, NULL, err, HV_ERR_MAX);
	if (r < 0) {
		json_decref(args);
		args = json_pack("{s:s}", "id", netdev);
		qmp_execute(q, "netdev_del", args, NULL, NULL, 0);
		goto out;
	}
	log_info("server %s: NIC %s (%s) plugged into %s", id, nic->tap, nic->mac, bus);
record:
	r = hv_spec_nics_set(d, id, spec, nic->tap, nic->mac, k);
out:
	qmp_close(q);
	return r;
}

static int q_nic_detach(struct hv_driver *d, const char *id, const char *tap, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	_cleanup_json_ json_t *spec = NULL, *have = NULL, *args = NULL;
	char dev[24], netdev[24];
	struct qmp *q = NULL;
	bool slots;
	int r;

	err[0] = '\0';
	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	spec = hv_file_read(d, id, "spec.json");
	if (!spec)
		return 0;
	nic_ids(tap, dev, netdev);
	r = hotplug_qmp(d, id, &q, &have, &slots, err);
	if (r <= 0)
		return r < 0 ? r : hv_spec_nics_set(d, id, spec, tap, NULL, -1);
	if (!slots) {
		snprintf(err, HV_ERR_MAX, "the guest was started without hot-plug slots (restart it)");
		r = -EOPNOTSUPP;
		goto out;
	}
	if (json_object_get(have, dev)) {
		/* The guest is asked to let go (again, after a cut-short detach:
		 * QEMU may answer that the unplug is under way). */
		args = json_pack("{s:s}", "id", dev);
		qmp_execute(q, "device_del", args, NULL, NULL, 0);
		r = -ETIMEDOUT;
		for (int waited = 0; waited < DETACH_WAIT_MS; waited += 100) {
			json_decref(have);
			have = NULL;
			if ((r = peripherals(q, &have, err)) < 0)
				goto out;
			if (!json_object_get(have, dev))
				break;
			r = -ETIMEDOUT;
			nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
		}
		if (r < 0) {
			snprintf(err, HV_ERR_MAX, "the guest did not release %s within %d s", dev,
				 DETACH_WAIT_MS / 1000);
			goto out;
		}
		log_info("server %s: NIC %s unplugged", id, tap);
	}
	json_decref(args);
	args = json_pack("{s:s}", "id", netdev);
	qmp_execute(q, "netdev_del", args, NULL, NULL, 0);
	r = hv_spec_nics_set(d, id, spec, tap, NULL, -1);
out:
	qmp_close(q);
	return r;
}

static int q_serial_open(struct hv_driver *d, const char *id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[4096];
	int fd, r;

	if (!running_pid(d, id))
		return -ENOENT;
	if (hv_path(d, id, "serial.sock", path, sizeof(path)) < 0 ||
	    strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno; /* a guest started before serial.sock existed */
		close(fd);
		return r;
	}
	return fd;
}

static int q_diagnostics(struct hv_driver *d, const char *id, json_t **out, char *err)
{
	_cleanup_close_ int lock = hv_lock(d, id, false);
	int pid;

	*out = NULL;
	if (lock < 0) {
		snprintf(err, HV_ERR_MAX, "no such server");
		return lock;
	}
	pid = running_pid(d, id);
	if (!pid) {
		snprintf(err, HV_ERR_MAX, "the server is not running");
		return -ENOENT;
	}
	return hv_qemu_diagnostics(d, id, pid, file_in(d, id, "paused"), out, err);
}

int hv_qemu_new(struct hv_driver *d, const char *accel, const struct hv_config *cfg)
{
	const char *user = cfg->qemu_user;
	char base[4200];

	if (user && user[0] && geteuid() == 0) {
		struct passwd *pw = getpwnam(user);
		struct group *kvm = getgrnam("kvm");
		if (!pw) {
			log_error(
			    "compute: the QEMU user '%s' does not exist: create it "
			    "(useradd --system --no-create-home --shell /usr/sbin/nologin "
			    "--user-group %s; see docs/install.md) or set [compute] qemu_user",
			    user, user);
			return -ENOENT;
		}
		if (pw->pw_uid == 0 || pw->pw_gid == 0) {
			log_error("compute: [compute] qemu_user '%s' is root: QEMU must run "
				  "unprivileged",
				  user);
			return -EPERM;
		}
		d->run_uid = (int)pw->pw_uid;
		d->run_gid = (int)pw->pw_gid;
		d->kvm_gid = kvm ? (int)kvm->gr_gid : -1;
		/* QEMU may pass through INSTANCES and _base, and read bases. */
		snprintf(base, sizeof(base), "%s/_base", d->instances);
		if (hv_confine_file(d, d->instances, false, 0710) < 0 ||
		    hv_confine_file(d, base, false, 0710) < 0) {
			log_error("compute: cannot give %s to the QEMU user: %s", d->instances,
				  strerror(errno));
			return -errno;
		}
		log_info("compute: QEMU runs as %s (uid %d), sandboxed", user, d->run_uid);
	} else if (user && user[0]) {
		log_warn("compute: not root: QEMU runs as the agent's own user, not %s", user);
	}
	d->name = "qemu";
	d->accel = strcmp(accel, "kvm") == 0 ? "kvm" : "tcg";
	d->spawn = q_spawn;
	d->destroy = q_destroy;
	d->power_on = q_power_on;
	d->power_off = q_power_off;
	d->reboot = q_reboot;
	d->resize = q_resize;
	d->resize_finish = q_resize_finish;
	d->snapshot = q_snapshot;
	d->state = q_state;
	d->nic_list = q_nic_list;
	d->nic_attach = q_nic_attach;
	d->nic_detach = q_nic_detach;
	d->serial_open = q_serial_open;
	d->pause = q_pause;
	d->unpause = q_unpause;
	d->suspend = q_suspend;
	d->rescue = q_rescue;
	d->unrescue = q_unrescue;
	d->rescued = q_rescued;
	d->diagnostics = q_diagnostics;
	return 0;
}
