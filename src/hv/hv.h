/* hv.h - the hypervisor layer of a compute node: one driver interface with
 * two implementations (qemu: KVM or TCG; fake: no process, for load tests),
 * the per-server directory they share, the QMP client and the image cache.
 *
 * Every server lives in INSTANCES/<server id>/:
 *   spec.json     what was launched (struct hv_spec), so a restarted agent knows
 *   disk.qcow2    qcow2 overlay on INSTANCES/_base/<image id>
 *   disk.eph0     the flavor's ephemeral disk (ephemeral.c), the second disk
 *                 (not attached while rescued, as Nova's legacy rescue)
 *   console.log   the serial console
 *   qmp.sock      QMP, qemu.pid (QEMU runs daemonized: VMs outlive the agent)
 *   serial.sock   the serial port (everything the guest prints also goes
 *                 to console.log), for the interactive console
 *   agent.json    the agent's own notes (the reboot and rebuild seqs it carried out)
 *   paused        present while the agent holds the vCPUs stopped (QMP stop)
 *   suspend.state the VM's whole state while suspended (no QEMU then)
 *   rescue.qcow2  while rescued: an overlay on the rescue image, booted
 *                 first with disk.qcow2 second (spec.json's "rescue")
 * Every state file is written temp-then-rename. Each operation on a server
 * holds an flock on its directory, so two agents (or threads) never act on
 * one server at once and a server never gets two QEMUs. */
#ifndef BASALT_HV_H
#define BASALT_HV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_ID_MAX  64 /* server ids: [A-Za-z0-9_-], 1..63 characters */
#define HV_ERR_MAX 512

/* HV_PAUSED: the process runs with its vCPUs stopped (QMP stop);
 * HV_SUSPENDED: no process, the VM's state saved in suspend.state. */
enum hv_power { HV_NOSTATE = 0, HV_RUNNING, HV_SHUTDOWN, HV_CRASHED, HV_PAUSED, HV_SUSPENDED };
enum hv_reboot { HV_REBOOT_SOFT, HV_REBOOT_HARD };

/* A NIC on a tap device the data plane made (networking arrives later). */
struct hv_nic {
	char tap[16]; /* IFNAMSIZ */
	char mac[18]; /* aa:bb:cc:dd:ee:ff */
};

/* What to launch. Strings are borrowed by the calls that take a spec. */
struct hv_spec {
	const char *id;
	const char *base;	 /* cached base image (absolute path) */
	const char *base_format; /* its declared disk_format: "raw" or "qcow2" */
	uint64_t base_size;	 /* its virtual size in bytes */
	int vcpus;
	int ram_mb;
	int disk_gb; /* overlay size when larger than the base's virtual size */
	int ephemeral_gb; /* the ephemeral disk's size (ephemeral.c); 0: none */
	const struct hv_nic *nics;
	size_t nnics;
	/* The config drive's openstack/latest/meta_data.json (NULL: no config
	 * drive), network_data.json and user_data (NULL: none). */
	const char *meta_data;
	const char *network_data;
	const unsigned char *user_data;
	size_t user_data_len;
};

/* The flavor a server runs with (a resize changes it). */
struct hv_flavor {
	int vcpus, ram_mb, disk_gb, ephemeral_gb;
};

struct hv_config {
	const char *instances_path; /* absolute; created when missing */
	const char *virt_type;	    /* kvm, qemu, fake or auto */
	int shutdown_timeout;	    /* seconds an ACPI powerdown may take (default 10) */
	/* The unprivileged user QEMU runs as ([compute] qemu_user). Must
	 * exist when the driver is qemu and the agent is root; NULL or "":
	 * QEMU runs as the agent's own user (tests without root). */
	const char *qemu_user;
};

/* A driver. Every call that names a server takes that server's directory
 * lock for its duration. Calls return 0 or -errno; those with an err buffer
 * (HV_ERR_MAX bytes) put a human message there on failure. */
struct hv_driver {
	const char *name;  /* "qemu" or "fake" */
	const char *accel; /* "kvm", "tcg" or "none" */
	char *instances;   /* owned copy of instances_path */
	int shutdown_timeout;
	/* Confinement (qemu driver, agent root): QEMU runs as run_uid:run_gid
	 * (plus the kvm group) in a seccomp sandbox; base images are
	 * root:run_gid 0440 and instance directories root:run_gid 0710, so QEMU
	 * reads what it needs and changes nothing but its own disk and console.
	 * -1: not confined (QEMU runs as the agent's user). */
	int run_uid, run_gid, kvm_gid;
	void *priv;

	/* Create the server (overlay, files) and start it. Idempotent: finishes
	 * a half-made server and returns 0 when it already runs. When QEMU fails
	 * to start, a server that never ran is removed entirely (nothing left
	 * behind) and err holds QEMU's stderr. */
	int (*spawn)(struct hv_driver *d, const struct hv_spec *spec, char *err);
	/* Stop (quit, then SIGKILL) and remove every file of the server.
	 * 0 when it was already absent. */
	int (*destroy)(struct hv_driver *d, const char *id);
	/* Launch again on the same overlay; 0 when already running. */
	int (*power_on)(struct hv_driver *d, const char *id, char *err);
	/* ACPI powerdown, then after shutdown_timeout `quit`, then SIGKILL. */
	int (*power_off)(struct hv_driver *d, const char *id);
	/* SOFT: powerdown + relaunch, or system_reset when the guest ignores
	 * ACPI within shutdown_timeout; HARD: system_reset. */
	int (*reboot)(struct hv_driver *d, const char *id, enum hv_reboot type, char *err);
	/* Cold resize to fl: stop the server (ACPI, then quit), keep its disk
	 * and spec as they were (resize.c), grow the disk to fl's and record
	 * fl in spec.json. Leaves the server stopped (the caller starts it
	 * when it should run). 0 at once when already done. */
	int (*resize)(struct hv_driver *d, const char *id, const struct hv_flavor *fl, char *err);
	/* End a resize: revert stops the server and puts the kept disk and
	 * spec back (it stays stopped); else what was kept is dropped. 0 when
	 * nothing is kept. */
	int (*resize_finish)(struct hv_driver *d, const char *id, bool revert, char *err);
	/* Flatten the server's disk (overlay and base) into a standalone
	 * qcow2 at path (temp, then renamed): a running guest is paused (QMP
	 * stop) for the copy and continued after it. path NULL: only continue
	 * a guest that a snapshot cut short (agent killed) left paused. */
	int (*snapshot)(struct hv_driver *d, const char *id, const char *path, char *err);
	/* The power state now: HV_NOSTATE for a server absent or half-made. */
	enum hv_power (*state)(struct hv_driver *d, const char *id);
	/* The taps of the server's NICs (*taps: a new array of names): those
	 * the running guest holds, else those it boots with. */
	int (*nic_list)(struct hv_driver *d, const char *id, json_t **taps);
	/* Add nic: hot-plugged into a running guest, and among the NICs it
	 * boots with. 0 when the server has it already (a half-done attach is
	 * finished); -EOPNOTSUPP for a guest started without spare slots. */
	int (*nic_attach)(struct hv_driver *d, const char *id, const struct hv_nic *nic,
			  char *err);
	/* Take the NIC on tap out (a running guest: unplugged, waiting until
	 * the guest lets go of it, then its backend removed). 0 when absent;
	 * -ETIMEDOUT while the guest holds it (call again). */
	int (*nic_detach)(struct hv_driver *d, const char *id, const char *tap, char *err);
	/* A connection to the server's serial port (the guest's console,
	 * both ways): an fd the caller closes, or -errno (-ENOENT: no such
	 * server running; one client at a time). */
	int (*serial_open)(struct hv_driver *d, const char *id);
	/* Stop the vCPUs (memory and devices stay); 0 when already paused. */
	int (*pause)(struct hv_driver *d, const char *id, char *err);
	/* Let them run again; 0 when running. */
	int (*unpause)(struct hv_driver *d, const char *id, char *err);
	/* Save the VM's whole state to suspend.state (temp-then-rename), then
	 * end its process; power_on restores it (the guest goes on where it
	 * was, no boot). 0 when already suspended. */
	int (*suspend)(struct hv_driver *d, const char *id, char *err);
	/* Restart the server on a fresh overlay of base (a rescue image of
	 * format "raw" or "qcow2") with its own disk attached second; 0 when
	 * already rescued. unrescue drops the rescue disk and restarts it on
	 * its own disk. */
	int (*rescue)(struct hv_driver *d, const char *id, const char *base, const char *format,
		      char *err);
	int (*unrescue)(struct hv_driver *d, const char *id, char *err);
	/* Whether the server runs (or is set to run) from a rescue image. */
	bool (*rescued)(struct hv_driver *d, const char *id);
	/* A reading of the server's figures for Nova's diagnostics (*out: a
	 * new object, the "diagnostics" of docs/agent-protocol.md less its
	 * seq): -ENOENT (err says why) when it does not run. */
	int (*diagnostics)(struct hv_driver *d, const char *id, json_t **out, char *err);
	void (*free)(struct hv_driver *d);
};

/* resize.c - the steps of a resize and a snapshot on a server's
 * directory, shared by the drivers (the caller holds the lock and has
 * stopped QEMU where it must). Each is idempotent: an agent killed in
 * the middle redoes it. */
/* Keep disk.qcow2 and spec.json as disk.orig and spec.orig.json (unless
 * kept already), grow the disk to fl's size, write fl into spec.json. */
int hv_resize_apply(struct hv_driver *d, const char *id, const struct hv_flavor *fl, char *err);
/* Whether spec.json has fl and the original is kept (the resize is done). */
bool hv_resize_done(const struct hv_driver *d, const char *id, const struct hv_flavor *fl);
/* Whether an original is kept (a resize not yet confirmed or reverted). */
bool hv_resize_kept(const struct hv_driver *d, const char *id);
/* Put the kept disk and spec back (0 when none is kept). */
int hv_resize_restore(struct hv_driver *d, const char *id, char *err);
/* Drop the kept disk and spec (0 when none is kept). */
int hv_resize_drop(struct hv_driver *d, const char *id);
/* qemu-img convert src (of format) into a standalone qcow2 at path, via
 * path.tmp. 0 or -errno with err filled. */
int hv_snapshot_flatten(struct hv_driver *d, const char *id, const char *src, const char *format,
			const char *path, char *err);
/* Tests' fault injection: SIGKILL the process here when the environment
 * variable BASALT_HV_CRASH_AT names this point. */
void hv_crash_point(const char *name);

/* diagnostics.c - the figures of a running server */
#define HV_DIAG_MAX_ITEMS 64 /* vCPUs, disks, NICs: each at most this many */
/* The NICs of spec ("nics": [{tap, mac}]) with their taps' counters
 * (sysfs), as the guest sees them (new reference). */
json_t *hv_diag_nics(const json_t *spec);
/* The reading of QEMU process pid of server id (paused: its vCPUs held
 * stopped): vCPU times, disks, RSS and uptime through QMP and /proc, the
 * NICs' counters. 0 with *out, or -errno with err filled. */
int hv_qemu_diagnostics(struct hv_driver *d, const char *id, int pid, bool paused,
			json_t **out, char *err);

/* ephemeral.c - the flavor's ephemeral disk (see the file) */
/* Make disk.eph0 of gb GiB (vfat, label ephemeral0) for server id unless
 * it exists or gb is 0. Crash-safe: built aside, renamed into place. */
int hv_ephemeral_make(const struct hv_driver *d, const char *id, int gb, char *err);
/* A resize to a flavor of gb: disk.eph0 grows to it (made when missing);
 * a disk as large or larger stays as it is. */
int hv_ephemeral_grow(const struct hv_driver *d, const char *id, int gb, char *err);

/* config_drive.c */
/* Make INSTANCES/<id>/config.img (vfat, label config-2) from spec's
 * metadata and user data, unless it exists or spec has no metadata.
 * Crash-safe: built aside, renamed into place. */
int hv_config_drive_make(const struct hv_driver *d, const struct hv_spec *s, char *err);

/* driver.c */
/* The driver virt_type names (auto: kvm only where a probe guest really
 * boots, cached in INSTANCES/.virt_type). *out is owned: hv_driver_free(). */
int hv_driver_new(const struct hv_config *cfg, struct hv_driver **out);
void hv_driver_free(struct hv_driver *d);
/* Ids of every server directory on the host (half-made ones included),
 * sorted. *ids is owned: hv_ids_free(). */
int hv_list(const struct hv_driver *d, char ***ids, size_t *n);
void hv_ids_free(char **ids, size_t n);
/* The last max bytes of the server's console log. *out is owned (NUL-
 * terminated, "" when there is no log yet); -ENOENT when no such server. */
int hv_console_tail(const struct hv_driver *d, const char *id, size_t max, char **out);
/* Up to max bytes of the server's console log from byte offset on, made
 * JSON-safe one byte for one (so offsets stay true): *out owned and NUL-
 * terminated, *len bytes of it; *size is the log's size now (0 when there
 * is no log yet). -ENOENT when no such server. */
int hv_console_read(const struct hv_driver *d, const char *id, int64_t offset, size_t max,
		    char **out, size_t *len, int64_t *size);
/* Keep the server's console log on the host bounded, as virtlogd does
 * for libvirt's: once it is over max bytes, cut it to its last keep
 * bytes (a new log to the reader: shorter than the offsets read before).
 * 1 when cut, 0 when not needed (or no log), -errno. */
int hv_console_trim(const struct hv_driver *d, const char *id, size_t max, size_t keep);
const char *hv_power_name(enum hv_power p);

/* instance.c - the per-server directory */
bool hv_id_valid(const char *id);
/* INSTANCES/<id>[/file] into buf; -ENAMETOOLONG or -EINVAL. */
int hv_path(const struct hv_driver *d, const char *id, const char *file, char *buf, size_t len);
/* mkdir (when create) and flock the server's directory; returns the lock
 * fd (close it to unlock) or -errno (-ENOENT when absent and !create). */
int hv_lock(const struct hv_driver *d, const char *id, bool create);
/* Remove the server's directory and everything in it. */
int hv_remove_dir(const struct hv_driver *d, const char *id);
/* Read / write a small JSON state file of the server (temp-then-rename).
 * hv_file_read returns an owned object or NULL (errno set). */
json_t *hv_file_read(const struct hv_driver *d, const char *id, const char *file);
int hv_file_write(const struct hv_driver *d, const char *id, const char *file, const json_t *obj);
/* The NICs of spec ("nics": [{tap, mac, slot}]) with {tap, mac} added
 * in slot (-1: the lowest free; a running guest's NIC keeps the PCIe root
 * port it was plugged into, so a saved state restores onto the same
 * devices), or (mac NULL) the one on tap removed; spec.json written when
 * that changed them. 0 or -errno. */
int hv_spec_nics_set(struct hv_driver *d, const char *id, json_t *spec, const char *tap,
		     const char *mac, int slot);
/* The slot of nic, one of spec's NICs: its own, or for a spec written
 * before slots were recorded, the lowest one no other NIC holds. */
int hv_spec_nic_slot(const json_t *spec, const json_t *nic);
/* The taps of spec's NICs (a new array). */
json_t *hv_spec_taps(const json_t *spec);

/* proc.c - child processes and pid files */
/* A long-lived process (QEMU) started detached from the agent. */
struct hv_proc {
	char *const *argv; /* argv[0] looked up in PATH */
	const char *cwd;   /* its working directory (relative paths start there) */
	int log_fd;	   /* its stdout and stderr */
	const int *fds;	   /* passed on as fds 3, 4, ... in this order */
	size_t nfds;
	int uid, gid, kvm_gid; /* run as (uid -1: as the caller) */
};
/* Start p in its own session, reparented away from the agent (VMs outlive
 * it), with nothing else inherited. Returns its pid or -errno. */
int hv_proc_start(const struct hv_proc *p);
/* Run argv (argv[0] looked up in PATH) to completion with stdin from
 * /dev/null, stdout and stderr captured into err (truncated). Returns 0
 * when it exited 0, -EIO otherwise (err says why). */
int hv_run(char *const argv[], char *err, size_t errlen);
/* The pid in pidfile when that process is alive and its command line
 * contains needle; 0 when not; -errno on a read error. */
int hv_pid_alive(const char *pidfile, const char *needle);
/* Wait until pid is gone, at most timeout_ms; true when gone. */
bool hv_pid_wait_gone(int pid, int timeout_ms);

/* qmp.c - a QMP client over a unix socket (one command at a time) */
struct qmp;
/* Connect to path, read the greeting and negotiate capabilities. Every read
 * is bounded by timeout_ms. *out is owned: qmp_close(). */
int qmp_open(const char *path, int timeout_ms, struct qmp **out);
/* The same over an already connected fd (taken over, closed by qmp_close). */
int qmp_attach(int fd, int timeout_ms, struct qmp **out);
/* Execute cmd with args (borrowed, may be NULL) and wait for its reply,
 * skipping events. *ret (when non-NULL) receives the owned "return" value.
 * -EREMOTEIO with err filled on an error reply, -ETIMEDOUT, -EPROTO on bad
 * framing, -ECONNRESET when QEMU closed the socket. */
int qmp_execute(struct qmp *q, const char *cmd, const json_t *args, json_t **ret, char *err,
		size_t errlen);
/* qmp_execute passing fd along (SCM_RIGHTS), as getfd and add-fd want. */
int qmp_execute_fd(struct qmp *q, const char *cmd, const json_t *args, int fd, json_t **ret,
		   char *err, size_t errlen);
/* Hand fd to QEMU under name (QMP getfd through qmp_execute_fd): a later
 * netdev_add's "fd" or an "fd:name" migration URI uses it. fd stays the
 * caller's. */
int qmp_getfd(struct qmp *q, const char *name, int fd, char *err, size_t errlen);
void qmp_close(struct qmp *q);
/* One-shot: open, execute, close. */
int qmp_command(const char *path, const char *cmd, int timeout_ms, char *err, size_t errlen);

/* qemu.c */
/* Set d up as the QEMU driver; resolves cfg->qemu_user (-ENOENT with a
 * logged explanation when the agent is root and the user is missing). */
int hv_qemu_new(struct hv_driver *d, const char *accel, const struct hv_config *cfg);
/* Make a file the agent created QEMU's (owner run_uid, mode) or, for a
 * base image, readable by QEMU's group only (owner root, group run_gid,
 * mode). No-op when the driver is not confined. 0 or -errno. */
int hv_confine_file(const struct hv_driver *d, const char *path, bool qemu_owns, unsigned mode);
/* probe.c - does a KVM guest really boot here? */
/* "kvm" or "tcg" for virt_type auto; cached in INSTANCES/.virt_type. */
const char *hv_probe_accel(const char *instances_path);
/* fake.c */
int hv_fake_new(struct hv_driver *d);

/* image_cache.c - base images under INSTANCES/_base */
struct image_fetch {
	const char *url;      /* absolute URL of the image's file */
	const char *token;    /* X-Auth-Token */
	const char *image_id; /* names the cache entry */
	const char *checksum; /* md5 hex the bytes must have (NULL: not checked) */
	const char *disk_format; /* the image's declared disk_format */
	uint64_t max_size;	 /* largest virtual size allowed (the flavor's root disk; 0: any) */
};
/* Ensure INSTANCES/_base/<image id> exists, matches checksum and is what
 * disk_format declares: download it into a temp file when absent,
 * verifying md5 while streaming; rename only on a match. Every call (a
 * cached entry too) vets the base (core/diskimg.h): a qcow2 with a backing
 * file or an external data file, content that is not the declared format,
 * a format QEMU is never told here (only raw and qcow2, and iso/ami as
 * raw), or a virtual size over max_size is refused with -EMEDIUMTYPE (err
 * says why). path (PATH_MAX) receives the cached file, *format the format
 * QEMU is to be told ("raw" or "qcow2", static) and *vsize its virtual
 * size. -EBADMSG on a checksum mismatch, -EIO on a transfer error (err
 * says which), -EACCES on 401/403 (the caller logs in again), -ENOENT on
 * 404. */
int hv_image_ensure(const struct hv_driver *d, const struct image_fetch *f, char *path,
		    const char **format, uint64_t *vsize, char *err, size_t errlen);

#endif
