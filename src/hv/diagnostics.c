/* diagnostics.c - the figures of a running server (Nova's server
 * diagnostics), read where the host keeps them: for QEMU, QMP
 * (query-cpus-fast for the vCPU threads, whose run time is in their
 * /proc schedstat; query-blockstats for the disks), the process's RSS and
 * start time in /proc; for every driver, the taps' counters in
 * /sys/class/net/TAP/statistics. A reading is bounded: at most
 * HV_DIAG_MAX_ITEMS vCPUs, disks and NICs each. Nothing here is made up:
 * a figure the host cannot read is left out (the API shows null). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "hv/hv.h"

#define QMP_DIAG_TIMEOUT_MS 5000

/* The first number in file path: 0 with *out, or -errno. */
static int read_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return -errno;
	r = fscanf(f, "%" SCNu64, out) == 1 ? 0 : -EINVAL;
	fclose(f);
	return r;
}

/* Set key to the counter in /sys/class/net/TAP/statistics/FILE, when
 * there is one. */
static void tap_counter(json_t *nic, const char *key, const char *tap, const char *file)
{
	char p[256];
	uint64_t v;

	snprintf(p, sizeof(p), "/sys/class/net/%s/statistics/%s", tap, file);
	if (read_u64(p, &v) == 0)
		json_object_set_new(nic, key, json_integer((json_int_t)v));
}

/* A tap name as the data plane makes them (it goes into a path). */
static bool tap_valid(const char *tap)
{
	size_t n = tap ? strlen(tap) : 0;

	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((tap[i] >= 'a' && tap[i] <= 'z') || (tap[i] >= '0' && tap[i] <= '9') ||
		      tap[i] == '-' || tap[i] == '_'))
			return false;
	return true;
}

/* One NIC's reading: its tap, MAC and counters (new reference). */
static json_t *diag_nic(const char *tap, const char *mac)
{
	json_t *nic = json_pack("{s:s,s:s?}", "tap", tap, "mac", mac);

	if (!nic || !tap_valid(tap))
		return nic;
	/* The tap's receive side is what the guest sent: swapped, so the
	 * figures are the guest's (as libvirt shows them). */
	tap_counter(nic, "rx_octets", tap, "tx_bytes");
	tap_counter(nic, "rx_packets", tap, "tx_packets");
	tap_counter(nic, "rx_errors", tap, "tx_errors");
	tap_counter(nic, "rx_drop", tap, "tx_dropped");
	tap_counter(nic, "tx_octets", tap, "rx_bytes");
	tap_counter(nic, "tx_packets", tap, "rx_packets");
	tap_counter(nic, "tx_errors", tap, "rx_errors");
	tap_counter(nic, "tx_drop", tap, "rx_dropped");
	return nic;
}

json_t *hv_diag_nics(const json_t *spec)
{
	json_t *nics = json_array();
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(spec, "nics"), i, n) {
		if (i >= HV_DIAG_MAX_ITEMS)
			break;
		json_array_append_new(nics, diag_nic(json_str(n, "tap"), json_str(n, "mac")));
	}
	return nics;
}

/* The seconds since process pid started, or -1. */
static long long proc_uptime(int pid)
{
	char p[64], buf[1024], *s;
	unsigned long long start = 0;
	double up = 0;
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	f = fopen(p, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Field 22 (starttime, clock ticks after boot) is the 20th after the
	 * ") " that ends the command name. */
	s = strrchr(buf, ')');
	for (int field = 2; s && field < 22; field++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s + 1, "%llu", &start) != 1)
		return -1;
	f = fopen("/proc/uptime", "re");
	if (!f)
		return -1;
	if (fscanf(f, "%lf", &up) != 1)
		up = -1;
	fclose(f);
	long ticks = sysconf(_SC_CLK_TCK);
	if (up < 0 || ticks <= 0)
		return -1;
	return (long long)up - (long long)(start / (unsigned long long)ticks);
}

/* The vCPUs ([{"id", "time": ns}]) from query-cpus-fast's thread ids. */
static json_t *qemu_cpus(struct qmp *q, int pid)
{
	_cleanup_json_ json_t *ret = NULL;
	char err[HV_ERR_MAX], p[128];
	json_t *cpus = json_array();
	const json_t *c;
	size_t i;

	if (qmp_execute(q, "query-cpus-fast", NULL, &ret, err, sizeof(err)) < 0)
		return cpus;
	json_array_foreach(ret, i, c) {
		json_t *one;
		uint64_t ns;
		if (i >= HV_DIAG_MAX_ITEMS)
			break;
		one = json_pack("{s:I}", "id", json_integer_value(json_object_get(c, "cpu-index")));
		/* schedstat's first figure: the time the thread ran, in ns. */
		snprintf(p, sizeof(p), "/proc/%d/task/%" JSON_INTEGER_FORMAT "/schedstat", pid,
			 json_integer_value(json_object_get(c, "thread-id")));
		if (one && read_u64(p, &ns) == 0)
			json_object_set_new(one, "time", json_integer((json_int_t)ns));
		json_array_append_new(cpus, one);
	}
	return cpus;
}

/* The disks ([{"name": "vda", read/write bytes and requests, errors}])
 * from query-blockstats, in the order QEMU has them (vda, vdb, ...). */
static json_t *qemu_disks(struct qmp *q)
{
	_cleanup_json_ json_t *ret = NULL;
	char err[HV_ERR_MAX], name[8];
	json_t *disks = json_array();
	const json_t *b;
	size_t i;

	if (qmp_execute(q, "query-blockstats", NULL, &ret, err, sizeof(err)) < 0)
		return disks;
	json_array_foreach(ret, i, b) {
		const json_t *st = json_object_get(b, "stats");
		if (i >= HV_DIAG_MAX_ITEMS)
			break;
		snprintf(name, sizeof(name), "vd%c", (char)('a' + i));
		json_array_append_new(
		    disks,
		    json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "name", name, "read_bytes",
			      json_integer_value(json_object_get(st, "rd_bytes")), "read_requests",
			      json_integer_value(json_object_get(st, "rd_operations")), "write_bytes",
			      json_integer_value(json_object_get(st, "wr_bytes")), "write_requests",
			      json_integer_value(json_object_get(st, "wr_operations")), "errors_count",
			      json_integer_value(json_object_get(st, "failed_rd_operations")) +
				  json_integer_value(json_object_get(st, "failed_wr_operations")) +
				  json_integer_value(json_object_get(st, "failed_flush_operations"))));
	}
	return disks;
}

int hv_qemu_diagnostics(struct hv_driver *d, const char *id, int pid, bool paused,
			json_t **out, char *err)
{
	_cleanup_json_ json_t *spec = hv_file_read(d, id, "spec.json");
	char sock[4096], p[64];
	struct qmp *q;
	uint64_t pages;
	json_t *rd;
	int r;

	*out = NULL;
	if (!spec) {
		snprintf(err, HV_ERR_MAX, "no spec.json");
		return -ENOENT;
	}
	r = hv_path(d, id, "qmp.sock", sock, sizeof(sock));
	if (r < 0)
		return r;
	r = qmp_open(sock, QMP_DIAG_TIMEOUT_MS, &q);
	if (r < 0) {
		snprintf(err, HV_ERR_MAX, "QMP: %s", strerror(-r));
		return r;
	}
	long long up = proc_uptime(pid);
	rd = json_pack("{s:s,s:s,s:o,s:{s:I},s:o,s:o,s:o}", "state", paused ? "paused" : "running",
		       "hypervisor", strcmp(d->accel, "kvm") == 0 ? "kvm" : "qemu", "uptime",
		       up >= 0 ? json_integer(up) : json_null(), "memory", "maximum",
		       json_integer_value(json_object_get(spec, "ram_mb")), "cpus",
		       qemu_cpus(q, pid), "disks", qemu_disks(q), "nics", hv_diag_nics(spec));
	qmp_close(q);
	if (!rd)
		return -ENOMEM;
	/* What the guest's memory costs the host: the process's resident set
	 * (statm's second figure, in pages), in MiB. */
	snprintf(p, sizeof(p), "/proc/%d/statm", pid);
	FILE *f = fopen(p, "re");
	if (f) {
		uint64_t size;
		if (fscanf(f, "%" SCNu64 " %" SCNu64, &size, &pages) == 2)
			json_object_set_new(json_object_get(rd, "memory"), "used",
					    json_integer((json_int_t)(pages * (uint64_t)sysconf(
									       _SC_PAGESIZE) >>
								      20)));
		fclose(f);
	}
	*out = rd;
	return 0;
}
