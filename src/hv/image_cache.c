/* image_cache.c - base images under INSTANCES/_base/<image id>: downloaded
 * once from the controller's image API, md5-verified while streaming into a
 * temp file, renamed into place only when the checksum matches. Shared by
 * every server of that image. Its bytes are trusted to be the image's (they
 * were verified before the rename made them visible), its content is not:
 * every use vets it against the declared disk_format again, so an entry
 * cached before a check existed is refused too. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diskimg.h"
#include "core/log.h"
#include "core/md5.h"
#include "core/util.h"
#include "hv/hv.h"

struct sink {
	int fd;
	struct md5 md5;
	long long bytes;
	int err; /* errno of a failed write */
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t len = size * nmemb, done = 0;

	while (done < len) {
		ssize_t n = write(s->fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->err = errno;
			return 0; /* aborts the transfer */
		}
		done += (size_t)n;
	}
	md5_update(&s->md5, p, len);
	s->bytes += (long long)len;
	return len;
}

static bool image_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n < 128 && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static int download(const struct image_fetch *f, int fd, char *md5hex, long *status, char *err,
		    size_t errlen)
{
	struct sink s = { .fd = fd };
	char hdr[4200], cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	unsigned char dig[16];
	CURL *c = curl_easy_init();
	CURLcode cr;

	if (!c)
		return -ENOMEM;
	md5_init(&s.md5);
	if (f->token) {
		snprintf(hdr, sizeof(hdr), "X-Auth-Token: %s", f->token);
		h = curl_slist_append(h, hdr);
	}
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	/* Abort a transfer that stalls below 1 KB/s for 60 s. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (s.err) {
		snprintf(err, errlen, "writing the image: %s", strerror(s.err));
		return -s.err;
	}
	if (cr != CURLE_OK) {
		snprintf(err, errlen, "downloading %s: %s", f->url,
			 cerr[0] ? cerr : curl_easy_strerror(cr));
		return -EIO;
	}
	md5_final(&s.md5, dig);
	for (int i = 0; i < 16; i++)
		snprintf(md5hex + 2 * i, 3, "%02x", dig[i]);
	log_info("image %s: downloaded %lld bytes (HTTP %ld)", f->image_id, s.bytes, *status);
	return 0;
}

/* The format QEMU is told for a declared disk_format, or NULL. */
static const char *qemu_format(const char *declared)
{
	if (!declared)
		return NULL;
	if (strcmp(declared, "qcow2") == 0)
		return "qcow2";
	if (strcmp(declared, "raw") == 0 || strcmp(declared, "iso") == 0 ||
	    strcmp(declared, "ami") == 0)
		return "raw";
	return NULL;
}

/* Vet the file at path as f declares it; 0 or -EMEDIUMTYPE (err says why). */
static int vet(const struct image_fetch *f, const char *path, uint64_t *vsize, char *err,
	       size_t errlen)
{
	char why[DISKIMG_ERR_MAX];
	struct diskimg_info info;
	int r;

	if (!qemu_format(f->disk_format)) {
		snprintf(err, errlen,
			 "image %s: disk_format %s cannot be booted here (raw or qcow2)",
			 f->image_id, f->disk_format ? f->disk_format : "(none)");
		return -EMEDIUMTYPE;
	}
	r = diskimg_vet_file(path, f->disk_format, 0, &info, why, sizeof(why));
	if (r == 0 && f->max_size && info.virtual_size > f->max_size) {
		/* Nova's FlavorDiskSmallerThanImage */
		snprintf(err, errlen,
			 "image %s: Flavor's disk is too small for requested image. Flavor disk "
			 "is %llu bytes, image is %llu bytes.",
			 f->image_id, (unsigned long long)f->max_size,
			 (unsigned long long)info.virtual_size);
		return -EMEDIUMTYPE;
	}
	if (r < 0) {
		snprintf(err, errlen, "image %s is refused: %s", f->image_id, why);
		return r == -EMEDIUMTYPE || r == -EFBIG ? -EMEDIUMTYPE : r;
	}
	*vsize = info.virtual_size;
	return 0;
}

/* A base QEMU may read and never write: root:qemu 0440 (confined driver;
 * entries cached before confinement are fixed up here). */
static int base_confine(const struct hv_driver *d, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int r;

	if (d->run_uid < 0 || (stat(path, &st) == 0 && st.st_uid == 0 &&
			       st.st_gid == (gid_t)d->run_gid && (st.st_mode & 07777) == 0440))
		return 0;
	r = hv_confine_file(d, path, false, 0440);
	if (r < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	return r;
}

int hv_image_ensure(const struct hv_driver *d, const struct image_fetch *f, char *path,
		    const char **format, uint64_t *vsize, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 32], lockp[PATH_MAX + 32], md5hex[33];
	long status = 0;
	int fd, lock, r;

	err[0] = '\0';
	if (!image_id_valid(f->image_id)) {
		snprintf(err, errlen, "invalid image id");
		return -EINVAL;
	}
	*format = qemu_format(f->disk_format);
	snprintf(path, PATH_MAX, "%s/_base/%s", d->instances, f->image_id);
	if (access(path, F_OK) == 0) {
		r = vet(f, path, vsize, err, errlen);
		if (r < 0)
			log_warn("%s", err);
		else
			r = base_confine(d, path, err, errlen);
		return r;
	}
	/* One download per image at a time, whoever asks. */
	snprintf(lockp, sizeof(lockp), "%s/_base/.%s.lock", d->instances, f->image_id);
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		r = -errno;
		snprintf(err, errlen, "image cache lock: %s", strerror(errno));
		if (lock >= 0)
			close(lock);
		return r;
	}
	if (access(path, F_OK) == 0) {
		r = vet(f, path, vsize, err, errlen);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s/_base/.%s.part", d->instances, f->image_id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	r = download(f, fd, md5hex, &status, err, errlen);
	if (r == 0 && fsync(fd) < 0) {
		r = -errno;
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
	}
	close(fd);
	/* file:// URLs (tests, local mirrors) have no HTTP status. */
	if (r == 0 && status != 200 && !(status == 0 && strncmp(f->url, "file:", 5) == 0)) {
		r = status == 401 || status == 403 ? -EACCES : status == 404 ? -ENOENT : -EIO;
		snprintf(err, errlen, "image %s: the image API answered HTTP %ld", f->image_id,
			 status);
	}
	if (r == 0 && f->checksum && f->checksum[0] && strcasecmp(md5hex, f->checksum) != 0) {
		r = -EBADMSG;
		snprintf(err, errlen, "image %s: checksum mismatch (got md5 %s, expected %s)",
			 f->image_id, md5hex, f->checksum);
	}
	/* Refused content never becomes a cache entry. */
	if (r == 0)
		r = vet(f, tmp, vsize, err, errlen);
	if (r == 0 && rename(tmp, path) < 0) {
		r = -errno;
		snprintf(err, errlen, "rename %.300s: %s", tmp, strerror(errno));
	}
	if (r < 0)
		unlink(tmp);
	else if (d->run_uid < 0)
		chmod(path, 0400);
	if (r == 0)
		r = base_confine(d, path, err, errlen);
out:
	close(lock);
	if (r < 0)
		log_warn("image %s: %s", f->image_id, err);
	return r;
}
