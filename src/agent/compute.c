/* compute.c - the compute agent's work: register the host's resources,
 * reconcile servers toward the desired state (spawn, power, reboot,
 * destroy) and report what is. Level-triggered: every pass reads the host
 * afresh; the only memory between passes is on disk (agent.json per
 * server) plus this run's spawn failures. */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "dp/dp.h"
#include "http/client.h"

static long long mem_total_mb(void)
{
	char line[256];
	long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb / 1024;
}

/* QEMU's version as Nova shows it: 7.2.0 -> 7002000. */
static long long qemu_version(void)
{
	char out[512];
	char *argv[] = { "qemu-system-x86_64", "--version", NULL };
	int maj, min, mic;

	if (hv_run(argv, out, sizeof(out)) < 0 ||
	    sscanf(out, "QEMU emulator version %d.%d.%d", &maj, &min, &mic) != 3)
		return 0;
	return (long long)maj * 1000000 + min * 1000 + mic;
}

int compute_register_fill(struct agent *a, json_t *host)
{
	struct statvfs vfs;
	long long disk_gb = 0;
	bool fake = strcmp(a->hv->name, "fake") == 0;
	json_t *m;

	if (statvfs(a->instances, &vfs) == 0)
		disk_gb = (long long)((unsigned long long)vfs.f_blocks * vfs.f_frsize >> 30);
	m = json_pack("{s:s,s:s,s:I,s:{s:I,s:I,s:I}}", "virt_type",
		      fake				 ? "fake"
		      : strcmp(a->hv->accel, "kvm") == 0 ? "kvm"
							 : "qemu",
		      "hypervisor_type", fake ? "fake" : "QEMU", "hypervisor_version",
		      (json_int_t)(fake ? 1000 : qemu_version()), "resources", "vcpus",
		      (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "memory_mb",
		      (json_int_t)mem_total_mb(), "disk_gb", (json_int_t)disk_gb);
	if (!m || json_object_update(host, m) < 0) {
		json_decref(m);
		return -ENOMEM;
	}
	json_decref(m);
	return 0;
}

/* --- the per-server notes the agent keeps (agent.json) --- */

/* The seq (reboot_seq, rebuild_seq) the agent carried out for the server. */
static long long seq_done(struct agent *a, const char *id, const char *key, long long fallback)
{
	_cleanup_json_ json_t *n = hv_file_read(a->hv, id, "agent.json");
	json_t *v = json_object_get(n, key);

	return json_is_integer(v) ? json_integer_value(v) : fallback;
}

static long long reboot_done(struct agent *a, const char *id, long long fallback)
{
	return seq_done(a, id, "reboot_seq", fallback);
}

static void set_seq_done(struct agent *a, const char *id, const char *key, long long seq)
{
	_cleanup_json_ json_t *n = hv_file_read(a->hv, id, "agent.json");

	if (!n)
		n = json_object();
	if (!n || json_object_set_new(n, key, json_integer(seq)) < 0 ||
	    hv_file_write(a->hv, id, "agent.json", n) < 0)
		log_warn("server %s: cannot record %s %lld", id, key, seq);
}

static void set_reboot_done(struct agent *a, const char *id, long long seq)
{
	set_seq_done(a, id, "reboot_seq", seq);
}

/* --- tombstones: INSTANCES/_gone/<id> from the decision to destroy until
 * the controller took the report that says so (survives kill -9) --- */

static void gone_mark(struct agent *a, const char *id)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/_gone", a->instances);
	mkdir_p(p, 0700);
	snprintf(p, sizeof(p), "%s/_gone/%s", a->instances, id);
	if (file_write_atomic(p, "", 0, 0600) < 0)
		log_warn("server %s: cannot record its removal", id);
}

/* Append every tombstone whose server directory is gone to gone. */
static void gone_pending(struct agent *a, json_t *gone)
{
	char p[4096];
	DIR *d;
	struct dirent *e;

	snprintf(p, sizeof(p), "%s/_gone", a->instances);
	d = opendir(p);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!hv_id_valid(e->d_name))
			continue;
		if (hv_path(a->hv, e->d_name, NULL, p, sizeof(p)) == 0 && access(p, F_OK) == 0)
			continue; /* destroy failed: not gone yet */
		json_array_append_new(gone, json_string(e->d_name));
	}
	closedir(d);
}

/* Append the servers the controller is deleting here that this host does
 * not have (never made, or destroyed) and that gone does not list yet:
 * the controller drops them once it takes the report. */
static void gone_deleting(struct agent *a, const json_t *deleting, json_t *gone)
{
	const json_t *v, *g;
	size_t i, j;
	char p[4096];

	json_array_foreach(deleting, i, v) {
		const char *id = json_string_value(v);
		bool listed = false;
		if (!id || !hv_id_valid(id) || hv_path(a->hv, id, NULL, p, sizeof(p)) < 0 ||
		    access(p, F_OK) == 0)
			continue;
		json_array_foreach(gone, j, g)
			listed = listed || strcmp(json_string_value(g), id) == 0;
		if (!listed)
			json_array_append_new(gone, json_string(id));
	}
}

static void gone_acked(struct agent *a, const json_t *gone)
{
	const json_t *v;
	size_t i;
	char p[4096];

	json_array_foreach(gone, i, v)
	{
		snprintf(p, sizeof(p), "%s/_gone/%s", a->instances, json_string_value(v));
		unlink(p);
	}
}

/* --- reports --- */

static json_t *server_report(struct agent *a, const char *id, const char *vm_state,
			     const char *task, const json_t *fault)
{
	enum hv_power p = a->hv->state(a->hv, id);
	json_t *s;

	s = json_pack("{s:s,s:s,s:s,s:o,s:I,s:I}", "id", id, "power_state", hv_power_name(p),
		      "vm_state", vm_state, "task_state", task ? json_string(task) : json_null(),
		      "reboot_seq", (json_int_t)reboot_done(a, id, 0), "rebuild_seq",
		      (json_int_t)seq_done(a, id, "rebuild_seq", 0));
	if (!s)
		return NULL;
	if (fault)
		json_object_set(s, "fault", (json_t *)fault);
	/* The taps its guest holds: the controller releases the NICs being
	 * detached that are not among them. */
	json_t *taps = NULL;
	if (p != HV_NOSTATE && a->hv->nic_list && a->hv->nic_list(a->hv, id, &taps) == 0)
		json_object_set_new(s, "nics", taps);
	/* The console goes apart, as deltas (report.c). */
	return s;
}

/* Tell the controller what is under way before a slow step: a report of
 * this one server's state (its console follows with the round's report),
 * marked partial so the controller does not take the servers it leaves
 * out as gone. */
void report_task(struct agent *a, struct http_client *c, const char *id, const char *vm_state,
		 const char *task)
{
	_cleanup_json_ json_t *body = json_pack("{s:[o],s:b}", "servers",
						server_report(a, id, vm_state, task, NULL),
						"partial", 1);
	char path[512];
	long status = 0;

	if (!body)
		return;
	snprintf(path, sizeof(path), "/agent/v1/hosts/%s/report", a->host);
	if (agent_call(a, c, "POST", path, body, &status, NULL) == 0 && status != 204)
		log_warn("compute: report of server %s: HTTP %ld", id, status);
}

static void record_failure(struct agent *a, const char *id, const char *what, int r,
			   const char *err)
{
	char msg[HV_ERR_MAX + 128];

	snprintf(msg, sizeof(msg), "%s: %s", what, err && err[0] ? err : strerror(-r));
	log_error("server %s: %s", id, msg);
	json_object_set_new(
	    a->failed, id,
	    json_pack("{s:i,s:s,s:s}", "code", 500, "message", msg, "details", strerror(-r)));
}

/* Report consoles every AGENT_WATCH_POLL_S for a while after acting. */
static void watch_console(struct agent *a)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	atomic_store(&a->watch_until, (int64_t)now.tv_sec + AGENT_WATCH_S);
}

/* --- the config drive --- */

/* meta_data.json in OpenStack's layout, from the desired server. Owned. */
static char *config_drive_meta(const json_t *s)
{
	const json_t *pk = json_object_get(s, "public_keys"), *v;
	json_t *keys = json_array(), *md;
	const char *name;
	char *text;

	json_object_foreach((json_t *)pk, name, v)
		json_array_append_new(keys, json_pack("{s:s,s:s,s:O}", "name", name, "type", "ssh",
						      "data", v));
	md = json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:i,s:O?,s:O?,s:o}", "uuid", json_str(s, "id"),
		       "name", json_str(s, "name"), "hostname", json_str(s, "hostname"),
		       "availability_zone", json_str(s, "availability_zone"), "project_id",
		       json_str(s, "project_id"), "launch_index", 0, "public_keys", pk, "meta",
		       json_object_get(s, "metadata"), "keys", keys);
	text = md ? json_dumps(md, JSON_COMPACT) : NULL;
	json_decref(md);
	return text;
}

/* The desired server's user data, decoded from base64 (*out NULL when it
 * has none). Returns 0 or -EINVAL. */
static int user_data_decode(const json_t *s, unsigned char **out, size_t *len)
{
	const char *b64 = json_str(s, "user_data");
	size_t cap;

	*out = NULL;
	*len = 0;
	if (!b64)
		return 0;
	cap = strlen(b64) / 4 * 3 + 3;
	*out = malloc(cap);
	if (!*out)
		return -ENOMEM;
	if (sodium_base642bin(*out, cap, b64, strlen(b64), "\r\n", len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* --- the NICs --- */

/* The QEMU driver's limit of NICs per server. */
#define SERVER_NICS_MAX 8

/* The desired server's "nics" (in order) into nics[SERVER_NICS_MAX].
 * Returns how many, -EAGAIN (with the tap named in err) when a tap is not
 * there yet: the data plane makes it before this pass, so it comes on a
 * later one; -E2BIG or -EINVAL (err says why) for what never will. */
static int server_nics(const struct agent *a, const json_t *s, struct hv_nic *nics, char *err)
{
	const json_t *nic;
	size_t i;

	if (json_array_size(json_object_get(s, "nics")) > SERVER_NICS_MAX) {
		snprintf(err, HV_ERR_MAX, "more than %d NICs", SERVER_NICS_MAX);
		return -E2BIG;
	}
	json_array_foreach(json_object_get(s, "nics"), i, nic) {
		const char *tap = json_str(nic, "tap"), *mac = json_str(nic, "mac_address");
		if (!tap || !mac || strlen(tap) >= sizeof(nics[i].tap) ||
		    strlen(mac) >= sizeof(nics[i].mac) || strncmp(tap, "tap", 3) != 0) {
			snprintf(err, HV_ERR_MAX, "NIC %zu has no usable tap or MAC", i);
			return -EINVAL;
		}
		if (!dp_link_exists(NULL, tap)) {
			snprintf(err, HV_ERR_MAX, "%s", tap);
			return -EAGAIN;
		}
		/* Fail closed: never on a tap whose security group rules are
		 * not loaded (secgroup.c). */
		if (!secgroup_tap_ready(a, tap)) {
			snprintf(err, HV_ERR_MAX, "the security group rules of %s", tap);
			return -EAGAIN;
		}
		/* Not before the network's DHCP server knows the port (or the
		 * controller's vif_plugging_timeout passed): a guest asks for
		 * its address once, early. */
		if (json_is_false(json_object_get(nic, "ready"))) {
			snprintf(err, HV_ERR_MAX, "the DHCP server of %s", tap);
			return -EAGAIN;
		}
		snprintf(nics[i].tap, sizeof(nics[i].tap), "%s", tap);
		snprintf(nics[i].mac, sizeof(nics[i].mac), "%s", mac);
	}
	return (int)i;
}

/* --- reconcile one desired server --- */

/* Fetch the desired image (an "image" member: id, checksum, disk_format,
 * file) into the cache: base (PATH_MAX), its format and virtual size.
 * 0; -EAGAIN for a transport failure that may heal (retried next pass);
 * else -errno with err (HV_ERR_MAX) saying why. */
static int fetch_image(struct agent *a, struct http_client *c, const json_t *image,
		       json_int_t root_gb, char *base, const char **format, uint64_t *size,
		       char *err)
{
	const char *file = json_str(image, "file");
	_cleanup_free_ char *url = NULL;
	int r = -EINVAL, idx;

	if (!image || !json_str(image, "id") || !file) {
		snprintf(err, HV_ERR_MAX, "the server has no image");
		return -EINVAL;
	}
	if (asprintf(&url, "%s%s", controllers_pick(&a->ctl, now_usec(), &idx), file) < 0) {
		url = NULL;
		return -ENOMEM;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		_cleanup_free_ char *tok = agent_token(a, c);
		struct image_fetch f = { .url = url,
					 .token = tok,
					 .image_id = json_str(image, "id"),
					 .checksum = json_str(image, "checksum"),
					 .disk_format = json_str(image, "disk_format"),
					 .max_size = root_gb > 0 ? (uint64_t)root_gb << 30 : 0 };
		r = hv_image_ensure(a->hv, &f, base, format, size, err, HV_ERR_MAX);
		if (r != -EACCES || agent_login(a, c) < 0)
			break;
	}
	if (r == -EIO && !strstr(err, "HTTP")) {
		/* The next pass downloads from the next controller, if any. */
		controllers_failed(&a->ctl, idx, now_usec(), "image download");
		return -EAGAIN;
	}
	return r;
}

static void spawn_server(struct agent *a, struct http_client *c, const json_t *s)
{
	const char *id = json_str(s, "id");
	const json_t *flavor = json_object_get(s, "flavor"), *image = json_object_get(s, "image");
	long long seq = json_integer_value(json_object_get(json_object_get(s, "reboot"), "seq"));
	long long rebuild = json_integer_value(json_object_get(json_object_get(s, "rebuild"), "seq"));
	char base[4096], err[HV_ERR_MAX];
	const char *base_format = NULL;
	uint64_t base_size = 0;
	struct hv_nic nics[SERVER_NICS_MAX];
	int r, nnics;

	/* QEMU opens the taps by name: a server waits, building, for its
	 * taps rather than start without its network. */
	nnics = server_nics(a, s, nics, err);
	if (nnics == -EAGAIN) {
		log_info("server %s: waiting for %s", id, err);
		watch_console(a); /* poll again soon rather than after a long poll */
		return;
	}
	if (nnics < 0) {
		record_failure(a, id, "spawn", nnics, err);
		return;
	}
	/* A rebuild's spawn says so (the disk is new, the server is not). */
	if (seq_done(a, id, "rebuild_seq", 0) < rebuild)
		report_task(a, c, id, "active", "rebuilding");
	else
		report_task(a, c, id, "building", "spawning");
	r = fetch_image(a, c, image, json_integer_value(json_object_get(flavor, "disk")), base,
			&base_format, &base_size, err);
	if (r == -EAGAIN)
		return; /* a transport failure may heal: retry on the next pass */
	if (r < 0) {
		record_failure(a, id, r == -EINVAL ? "spawn" : "image", r, err);
		return;
	}
	/* Without a config drive the guest asks 169.254.169.254. */
	_cleanup_free_ char *meta = json_is_true(json_object_get(s, "config_drive"))
					    ? config_drive_meta(s)
					    : NULL;
	_cleanup_free_ char *net = meta && json_object_get(s, "network_data")
					   ? json_dumps(json_object_get(s, "network_data"), JSON_COMPACT)
					   : NULL;
	_cleanup_free_ unsigned char *user_data = NULL;
	size_t ud_len = 0;
	if (user_data_decode(s, &user_data, &ud_len) < 0) {
		record_failure(a, id, "spawn", -EINVAL, "user_data is not valid base64");
		return;
	}
	struct hv_spec spec = {
		.id = id,
		.base = base,
		.base_format = base_format,
		.base_size = base_size,
		.meta_data = meta,
		.network_data = net,
		.user_data = user_data,
		.user_data_len = ud_len,
		.vcpus = (int)json_integer_value(json_object_get(flavor, "vcpus")),
		.ram_mb = (int)json_integer_value(json_object_get(flavor, "ram")),
		.disk_gb = (int)json_integer_value(json_object_get(flavor, "disk")),
		.ephemeral_gb = (int)json_integer_value(json_object_get(flavor, "ephemeral")),
		.nics = nics,
		.nnics = (size_t)nnics,
	};
	if (spec.vcpus < 1)
		spec.vcpus = 1;
	if (spec.ram_mb < 16)
		spec.ram_mb = 16;
	r = a->hv->spawn(a->hv, &spec, err);
	if (r < 0) {
		record_failure(a, id, "spawn", r, err);
		return;
	}
	/* A fresh boot carries out every reboot and rebuild asked for so far. */
	set_reboot_done(a, id, seq);
	set_seq_done(a, id, "rebuild_seq", rebuild);
	log_info("server %s: spawned", id);
	watch_console(a);
}

/* The vm_state the host shows for a server in power state p. */
static const char *vm_state_of(struct agent *a, const char *id, enum hv_power p)
{
	switch (p) {
	case HV_RUNNING:
		return a->hv->rescued(a->hv, id) ? "rescued" : "active";
	case HV_PAUSED:
		return "paused";
	case HV_SUSPENDED:
		return "suspended";
	case HV_NOSTATE:
		return "building";
	default:
		return "stopped";
	}
}

/* Rebuild: the server's disk (and every file of it) goes, and it is made
 * anew from the desired image on the same taps. The seq done is noted
 * by the spawn, so an agent killed in between spawns on its next pass.
 * Returns the power state after, HV_NOSTATE while the spawn waits. */
static enum hv_power rebuild_server(struct agent *a, struct http_client *c, const json_t *s,
				    enum hv_power p)
{
	const char *id = json_str(s, "id");
	int r;

	report_task(a, c, id, vm_state_of(a, id, p), "rebuilding");
	r = a->hv->destroy(a->hv, id);
	if (r < 0) {
		log_error("server %s: rebuild: destroy: %s", id, strerror(-r));
		return p;
	}
	log_info("server %s: rebuilding from image %s", id,
		 json_str(json_object_get(s, "image"), "id"));
	spawn_server(a, c, s);
	return a->hv->state(a->hv, id);
}

/* Rescue or unrescue as the desired "rescue" says. */
static void converge_rescue(struct agent *a, struct http_client *c, const json_t *s,
			    enum hv_power p)
{
	const char *id = json_str(s, "id");
	const json_t *rescue = json_object_get(s, "rescue");
	char base[4096], err[HV_ERR_MAX] = "";
	const char *fmt = NULL;
	uint64_t size = 0;
	int r;

	if (json_is_object(rescue) == a->hv->rescued(a->hv, id) &&
	    (p == HV_RUNNING || p == HV_PAUSED))
		return;
	if (json_is_object(rescue)) {
		report_task(a, c, id, vm_state_of(a, id, p), "rescuing");
		r = fetch_image(a, c, json_object_get(rescue, "image"), 0, base, &fmt, &size, err);
		if (r == 0)
			r = a->hv->rescue(a->hv, id, base, fmt, err);
	} else if (a->hv->rescued(a->hv, id)) {
		report_task(a, c, id, "rescued", "unrescuing");
		r = a->hv->unrescue(a->hv, id, err);
	} else {
		return;
	}
	watch_console(a);
	if (r < 0 && r != -EAGAIN)
		log_error("server %s: %s: %s", id, json_is_object(rescue) ? "rescue" : "unrescue",
			  err[0] ? err : strerror(-r));
}

/* Bring an existing server to the desired power state and reboot seq. */
static void converge_server(struct agent *a, struct http_client *c, const json_t *s,
			    enum hv_power p)
{
	const char *id = json_str(s, "id");
	const json_t *reboot = json_object_get(s, "reboot");
	long long seq = json_integer_value(json_object_get(reboot, "seq"));
	long long rebuild = json_integer_value(json_object_get(json_object_get(s, "rebuild"), "seq"));
	const char *power = json_str(s, "power") ? json_str(s, "power") : "on";
	bool want_off = strcmp(power, "off") == 0;
	bool want_on = !want_off;
	/* A server adopted without notes has done every reboot asked so far. */
	long long done = reboot_done(a, id, seq);
	char err[HV_ERR_MAX] = "";
	int r;

	if (seq_done(a, id, "rebuild_seq", rebuild) < rebuild) {
		p = rebuild_server(a, c, s, p);
		if (p == HV_NOSTATE)
			return; /* the spawn waits (taps) or failed: a later pass */
		done = reboot_done(a, id, seq);
	}
	/* Rescue and unrescue restart the server (on or off as asked). */
	if (want_on) {
		converge_rescue(a, c, s, p);
		p = a->hv->state(a->hv, id);
	}
	if (strcmp(power, "paused") == 0 || strcmp(power, "suspended") == 0) {
		bool suspend = power[0] == 's';
		if (p == HV_SHUTDOWN || (!suspend && p == HV_SUSPENDED)) {
			/* Its process is gone (a host restart): start it first. */
			r = a->hv->power_on(a->hv, id, err);
			if (r < 0)
				log_error("server %s: start: %s", id, err[0] ? err : strerror(-r));
			p = a->hv->state(a->hv, id);
		}
		if (!suspend && p == HV_RUNNING) {
			report_task(a, c, id, vm_state_of(a, id, p), "pausing");
			r = a->hv->pause(a->hv, id, err);
			if (r < 0)
				log_error("server %s: pause: %s", id, err[0] ? err : strerror(-r));
		} else if (suspend && (p == HV_RUNNING || p == HV_PAUSED)) {
			report_task(a, c, id, vm_state_of(a, id, p), "suspending");
			r = a->hv->suspend(a->hv, id, err);
			if (r < 0)
				log_error("server %s: suspend: %s", id, err[0] ? err : strerror(-r));
		}
		if (done < seq)
			set_reboot_done(a, id, seq); /* a reboot is not owed once paused */
		return;
	}
	if (want_on && p == HV_PAUSED) {
		report_task(a, c, id, "paused", "unpausing");
		r = a->hv->unpause(a->hv, id, err);
		if (r < 0)
			log_error("server %s: unpause: %s", id, err[0] ? err : strerror(-r));
		p = a->hv->state(a->hv, id);
	}
	if (want_on && p == HV_SUSPENDED) {
		report_task(a, c, id, "suspended", "resuming");
		watch_console(a);
		r = a->hv->power_on(a->hv, id, err);
		if (r < 0)
			log_error("server %s: resume: %s", id, err[0] ? err : strerror(-r));
		p = a->hv->state(a->hv, id);
	}
	if (want_on && p != HV_RUNNING) {
		report_task(a, c, id, "stopped", "powering-on");
		watch_console(a);
		r = a->hv->power_on(a->hv, id, err);
		if (r < 0)
			log_error("server %s: start: %s", id, err[0] ? err : strerror(-r));
		else
			set_reboot_done(a, id, seq);
	} else if (want_on && done < seq) {
		const char *type = json_str(reboot, "type");
		bool hard = type && strcmp(type, "HARD") == 0;
		report_task(a, c, id, "active", "rebooting");
		watch_console(a);
		r = a->hv->reboot(a->hv, id, hard ? HV_REBOOT_HARD : HV_REBOOT_SOFT, err);
		if (r < 0)
			log_error("server %s: reboot: %s", id, err[0] ? err : strerror(-r));
		set_reboot_done(a, id, seq);
	} else if (want_off && (p == HV_RUNNING || p == HV_PAUSED)) {
		report_task(a, c, id, vm_state_of(a, id, p), "powering-off");
		r = a->hv->power_off(a->hv, id);
		if (r < 0)
			log_error("server %s: stop: %s", id, strerror(-r));
	}
	if (!want_on && done < seq)
		set_reboot_done(a, id, seq); /* nothing to reboot while stopped */
}

static bool has_tap(const json_t *list, const char *key, const char *tap)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *t = key ? json_str(v, key) : json_string_value(v);
		if (t && strcmp(t, tap) == 0)
			return true;
	}
	return false;
}

/* Bring an existing server's NICs to the desired ones: unplug those no
 * longer wanted, then hot-plug those it lacks once their taps, rules and
 * DHCP are ready (as at spawn). A step that must wait is retried soon. */
static void sync_nics(struct agent *a, const json_t *s)
{
	const char *id = json_str(s, "id");
	const json_t *want = json_object_get(s, "nics"), *nic, *t;
	_cleanup_json_ json_t *have = NULL;
	char err[HV_ERR_MAX];
	size_t i;
	int r;

	if (!a->hv->nic_list || a->hv->nic_list(a->hv, id, &have) < 0)
		return;
	json_array_foreach(have, i, t) {
		const char *tap = json_string_value(t);
		if (!tap || has_tap(want, "tap", tap))
			continue;
		r = a->hv->nic_detach(a->hv, id, tap, err);
		if (r < 0) {
			log_warn("server %s: detach %s: %s", id, tap, err[0] ? err : strerror(-r));
			watch_console(a);
		}
	}
	json_array_foreach(want, i, nic) {
		const char *tap = json_str(nic, "tap"), *mac = json_str(nic, "mac_address");
		struct hv_nic n;
		if (!tap || !mac || has_tap(have, NULL, tap) || strlen(tap) >= sizeof(n.tap) ||
		    strlen(mac) >= sizeof(n.mac))
			continue;
		if (!dp_link_exists(NULL, tap) || !secgroup_tap_ready(a, tap) ||
		    json_is_false(json_object_get(nic, "ready"))) {
			watch_console(a); /* its tap comes on a later pass */
			continue;
		}
		snprintf(n.tap, sizeof(n.tap), "%s", tap);
		snprintf(n.mac, sizeof(n.mac), "%s", mac);
		r = a->hv->nic_attach(a->hv, id, &n, err);
		if (r < 0)
			log_warn("server %s: attach %s: %s", id, tap, err[0] ? err : strerror(-r));
		else
			log_info("server %s: NIC %s attached", id, tap);
	}
}

static const json_t *desired_of(const json_t *servers, const char *id)
{
	size_t i;
	const json_t *s;

	json_array_foreach(servers, i, s)
	{
		const char *sid = json_str(s, "id");
		if (sid && strcmp(sid, id) == 0)
			return s;
	}
	return NULL;
}

static bool in_desired(const json_t *servers, const char *id)
{
	return desired_of(servers, id) != NULL;
}

int compute_reconcile(struct agent *a, struct http_client *c, const json_t *desired,
		      json_t *report)
{
	const json_t *servers = json_object_get(desired, "servers"), *s;
	json_t *present = json_array(), *gone = json_array();
	_cleanup_json_ json_t *snap_failed = json_object();
	char **ids = NULL;
	size_t i, n = 0;
	const char *key;
	json_t *v;
	void *tmp;
	int r;

	if (!present || !gone) {
		json_decref(present);
		json_decref(gone);
		return -ENOMEM;
	}
	/* Consoles first: a websocket waits for them, spawns take long. */
	console_serve(a, c, desired);
	/* Forget failures of servers the controller no longer wants here. */
	json_object_foreach_safe(a->failed, tmp, key, v)
	{
		if (!in_desired(servers, key))
			json_object_del(a->failed, key);
	}
	json_array_foreach(servers, i, s)
	{
		const char *id = json_str(s, "id");
		if (atomic_load(&a->stop))
			break;
		if (!id || !hv_id_valid(id))
			continue;
		if (json_object_get(a->failed, id))
			continue;
		enum hv_power p = a->hv->state(a->hv, id);
		if (p == HV_NOSTATE)
			spawn_server(a, c, s);
		if (json_object_get(a->failed, id))
			continue;
		if (a->hv->state(a->hv, id) == HV_NOSTATE)
			continue; /* a transient failure, retried next pass */
		server_ops_resize(a, c, s);
		p = a->hv->state(a->hv, id);
		converge_server(a, c, s, p);
		sync_nics(a, s);
		json_t *sf = json_array();
		server_ops_snapshots(a, c, s, sf);
		if (json_array_size(sf))
			json_object_set(snap_failed, id, sf);
		json_decref(sf);
	}
	/* What exists here now: remove what should not, report the rest. */
	r = hv_list(a->hv, &ids, &n);
	for (i = 0; r == 0 && i < n && !atomic_load(&a->stop); i++) {
		if (!in_desired(servers, ids[i])) {
			gone_mark(a, ids[i]);
			int q = a->hv->destroy(a->hv, ids[i]);
			if (q == 0) {
				log_info("server %s: destroyed", ids[i]);
			} else {
				log_error("server %s: destroy: %s", ids[i], strerror(-q));
			}
			continue;
		}
		enum hv_power p = a->hv->state(a->hv, ids[i]);
		const char *vm = vm_state_of(a, ids[i], p);
		json_t *one =
		    server_report(a, ids[i], vm, p == HV_NOSTATE ? "spawning" : NULL, NULL);
		if (one) {
			server_ops_report(a, desired_of(servers, ids[i]), one);
			server_ops_diagnostics(a, desired_of(servers, ids[i]), one);
			if (json_object_get(snap_failed, ids[i]))
				json_object_set(one, "snapshots_failed",
						json_object_get(snap_failed, ids[i]));
			json_array_append_new(present, one);
		}
	}
	hv_ids_free(ids, n);
	/* Servers whose spawn failed exist nowhere: report them in error. */
	json_object_foreach(a->failed, key, v)
	{
		json_t *one = json_pack("{s:s,s:s,s:s,s:n,s:I,s:O}", "id", key, "power_state",
					"nostate", "vm_state", "error", "task_state", "reboot_seq",
					(json_int_t)0, "fault", v);
		if (one)
			json_array_append_new(present, one);
	}
	gone_pending(a, gone);
	gone_deleting(a, json_object_get(desired, "deleting"), gone);
	r = json_object_set_new(report, "servers", present);
	if (json_object_set_new(report, "gone", gone) < 0 || r < 0)
		return -ENOMEM;
	return 0;
}

void compute_report_sent(struct agent *a, const json_t *gone)
{
	gone_acked(a, gone);
}
