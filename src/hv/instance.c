/* instance.c - the per-server directory INSTANCES/<id>: paths, the
 * directory lock, small JSON state files and removal. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"
#include "hv/hv.h"

bool hv_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	/* '_' and '.' prefixes are ours (_base, .virt_type, temp files). */
	return n > 0 && n < HV_ID_MAX && id[0] != '_' && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

int hv_path(const struct hv_driver *d, const char *id, const char *file, char *buf, size_t len)
{
	int n;

	if (!hv_id_valid(id))
		return -EINVAL;
	if (file)
		n = snprintf(buf, len, "%s/%s/%s", d->instances, id, file);
	else
		n = snprintf(buf, len, "%s/%s", d->instances, id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int hv_lock(const struct hv_driver *d, const char *id, bool create)
{
	char dir[4096];
	int fd, r;

	r = hv_path(d, id, NULL, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Removed by destroy while we waited for the lock: start again. */
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		close(fd);
		return create ? hv_lock(d, id, create) : -ENOENT;
	}
	return fd;
}

static int remove_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dir;
	struct dirent *e;
	int r = 0;

	if (fd < 0) {
		if (errno == ENOTDIR || errno == ELOOP)
			return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
		return errno == ENOENT ? 0 : -errno;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR) {
			int q = remove_tree(fd, e->d_name);
			if (q < 0)
				r = q;
		} else if (unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT) {
			r = -errno;
		}
	}
	closedir(dir);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int hv_remove_dir(const struct hv_driver *d, const char *id)
{
	char dir[4096];
	int r = hv_path(d, id, NULL, dir, sizeof(dir));

	return r < 0 ? r : remove_tree(AT_FDCWD, dir);
}

json_t *hv_file_read(const struct hv_driver *d, const char *id, const char *file)
{
	char path[4096];
	json_t *j;

	if (hv_path(d, id, file, path, sizeof(path)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	j = json_load_file(path, 0, NULL);
	if (!j && access(path, F_OK) == 0)
		errno = EBADMSG;
	else if (!j)
		errno = ENOENT;
	return j;
}

int hv_file_write(const struct hv_driver *d, const char *id, const char *file, const json_t *obj)
{
	char path[4096];
	_cleanup_free_ char *text = NULL;
	int r;

	r = hv_path(d, id, file, path, sizeof(path));
	if (r < 0)
		return r;
	text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	return file_write_atomic(path, text, strlen(text), 0600);
}

/* The lowest slot no NIC of nics but skip holds. */
static int spec_free_slot(const json_t *nics, const json_t *skip)
{
	const json_t *n;
	size_t i;
	int slot = 0;

again:
	json_array_foreach(nics, i, n)
		if (n != skip && json_is_integer(json_object_get(n, "slot")) &&
		    json_integer_value(json_object_get(n, "slot")) == slot) {
			slot++;
			goto again;
		}
	return slot;
}

int hv_spec_nics_set(struct hv_driver *d, const char *id, json_t *spec, const char *tap,
		     const char *mac, int slot)
{
	json_t *nics = json_object_get(spec, "nics"), *n;
	size_t i;

	if (!json_is_array(nics)) {
		nics = json_array();
		json_object_set_new(spec, "nics", nics);
	}
	json_array_foreach(nics, i, n)
		if (json_string_value(json_object_get(n, "tap")) && strcmp(json_string_value(json_object_get(n, "tap")), tap) == 0) {
			if (mac && (slot < 0 || json_integer_value(json_object_get(n, "slot")) == slot))
				return 0;
			if (mac)
				json_object_set_new(n, "slot", json_integer(slot));
			else
				json_array_remove(nics, i);
			return hv_file_write(d, id, "spec.json", spec);
		}
	if (!mac)
		return 0;
	json_array_append_new(nics, json_pack("{s:s,s:s,s:i}", "tap", tap, "mac", mac, "slot",
					      slot >= 0 ? slot : spec_free_slot(nics, NULL)));
	return hv_file_write(d, id, "spec.json", spec);
}

int hv_spec_nic_slot(const json_t *spec, const json_t *nic)
{
	json_t *slot = json_object_get(nic, "slot");

	if (json_is_integer(slot))
		return (int)json_integer_value(slot);
	return spec_free_slot(json_object_get(spec, "nics"), nic);
}

json_t *hv_spec_taps(const json_t *spec)
{
	json_t *taps = json_array(), *n;
	size_t i;

	json_array_foreach(json_object_get(spec, "nics"), i, n)
		if (json_string_value(json_object_get(n, "tap")))
			json_array_append_new(taps, json_string(json_string_value(json_object_get(n, "tap"))));
	return taps;
}
