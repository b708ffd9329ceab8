/* driver.c - choosing and creating a driver; what all drivers share:
 * listing servers on the host and reading console tails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "hv/hv.h"

int hv_driver_new(const struct hv_config *cfg, struct hv_driver **out)
{
	struct hv_driver *d;
	char base[4096];
	const char *vt = cfg->virt_type && cfg->virt_type[0] ? cfg->virt_type : "auto";
	int r;

	if (!cfg->instances_path || cfg->instances_path[0] != '/')
		return -EINVAL;
	r = mkdir_p(cfg->instances_path, 0700);
	if (r < 0)
		return r;
	snprintf(base, sizeof(base), "%s/_base", cfg->instances_path);
	r = mkdir_p(base, 0700);
	if (r < 0)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->instances = strdup(cfg->instances_path))) {
		free(d);
		return -ENOMEM;
	}
	d->shutdown_timeout = cfg->shutdown_timeout > 0 ? cfg->shutdown_timeout : 10;
	d->run_uid = d->run_gid = d->kvm_gid = -1;
	if (strcmp(vt, "fake") == 0)
		r = hv_fake_new(d);
	else if (strcmp(vt, "qemu") == 0 || strcmp(vt, "tcg") == 0)
		r = hv_qemu_new(d, "tcg", cfg);
	else if (strcmp(vt, "kvm") == 0)
		r = hv_qemu_new(d, "kvm", cfg);
	else if (strcmp(vt, "auto") == 0)
		r = hv_qemu_new(d, hv_probe_accel(cfg->instances_path), cfg);
	else
		r = -EINVAL;
	if (r < 0) {
		if (r == -EINVAL)
			log_error("virt_type '%s': not one of kvm, qemu, fake, auto", vt);
		hv_driver_free(d);
		return r;
	}
	*out = d;
	return 0;
}

void hv_driver_free(struct hv_driver *d)
{
	if (!d)
		return;
	if (d->free)
		d->free(d);
	free(d->instances);
	free(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hv_list(const struct hv_driver *d, char ***ids, size_t *n)
{
	DIR *dir = opendir(d->instances);
	struct dirent *e;
	char **v = NULL;
	size_t cnt = 0, cap = 0;

	*ids = NULL;
	*n = 0;
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (!hv_id_valid(e->d_name))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto oom;
			v = nv;
		}
		if (!(v[cnt] = strdup(e->d_name)))
			goto oom;
		cnt++;
	}
	closedir(dir);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*ids = v;
	*n = cnt;
	return 0;
oom:
	closedir(dir);
	hv_ids_free(v, cnt);
	return -ENOMEM;
}

void hv_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* JSON wants text: replace NULs, other control bytes and bytes past
 * ASCII the guest printed, one for one (offsets in the log stay true). */
static void console_clean(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == 0 || c >= 0x80 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t'))
			buf[i] = c >= 0x80 ? '?' : ' ';
	}
}

int hv_console_read(const struct hv_driver *d, const char *id, int64_t offset, size_t max,
		    char **out, size_t *len, int64_t *size)
{
	char path[4096], dir[4096];
	struct stat st;
	_cleanup_close_ int fd = -1;
	ssize_t got = 0;
	char *buf;

	*out = NULL;
	*len = 0;
	*size = 0;
	if (offset < 0 || hv_path(d, id, NULL, dir, sizeof(dir)) < 0 ||
	    hv_path(d, id, "console.log", path, sizeof(path)) < 0)
		return -EINVAL;
	if (access(dir, F_OK) < 0)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0)
		*size = st.st_size;
	size_t n = *size > offset ? (size_t)(*size - offset) : 0;
	if (n > max)
		n = max;
	buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	if (n)
		got = pread(fd, buf, n, offset);
	if (got < 0)
		got = 0;
	buf[got] = '\0';
	console_clean(buf, (size_t)got);
	*out = buf;
	*len = (size_t)got;
	return 0;
}

int hv_console_tail(const struct hv_driver *d, const char *id, size_t max, char **out)
{
	char path[4096], dir[4096];
	struct stat st;
	char *buf;
	ssize_t got;
	int fd;

	*out = NULL;
	if (hv_path(d, id, NULL, dir, sizeof(dir)) < 0 ||
	    hv_path(d, id, "console.log", path, sizeof(path)) < 0)
		return -EINVAL;
	if (access(dir, F_OK) < 0)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		*out = strdup("");
		return *out ? 0 : -ENOMEM;
	}
	size_t len = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	got = pread(fd, buf, len, st.st_size - (off_t)len);
	close(fd);
	if (got < 0)
		got = 0;
	buf[got] = '\0';
	console_clean(buf, (size_t)got);
	*out = buf;
	return 0;
}

int hv_console_trim(const struct hv_driver *d, const char *id, size_t max, size_t keep)
{
	char path[4096];
	struct stat st;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	ssize_t got;

	if (keep > max || hv_path(d, id, "console.log", path, sizeof(path)) < 0)
		return -EINVAL;
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size <= max)
		return 0;
	buf = malloc(keep ? keep : 1);
	if (!buf)
		return -ENOMEM;
	got = pread(fd, buf, keep, st.st_size - (off_t)keep);
	if (got < 0)
		return -errno;
	/* QEMU appends to the same open file: what the guest prints between
	 * the read and the cut is lost, what it prints between the cut and
	 * the write lands before the kept part. A log's rare hiccup, against
	 * a disk a guest could otherwise fill. */
	if (ftruncate(fd, 0) < 0)
		return -errno;
	if (got > 0 && write(fd, buf, (size_t)got) != got)
		return -EIO;
	return 1;
}

const char *hv_power_name(enum hv_power p)
{
	switch (p) {
	case HV_RUNNING:
		return "running";
	case HV_SHUTDOWN:
		return "shutdown";
	case HV_CRASHED:
		return "crashed";
	case HV_PAUSED:
		return "paused";
	case HV_SUSPENDED:
		return "suspended";
	default:
		return "nostate";
	}
}
