/* file.c - the image file store: streamed uploads (temp file, md5 and
 * sha512 as the bytes pass, vetting of the content against the declared
 * disk_format, fsync, rename), downloads, and recovery after a crash. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basalt.h"
#include "core/diskimg.h"
#include "core/log.h"
#include "core/md5.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "image/image.h"
#include "store/store.h"

char *image_store_dir(const struct basalt *b)
{
	char *dir = NULL;

	if (b->cfg.image_store_dir && b->cfg.image_store_dir[0])
		return strdup(b->cfg.image_store_dir);
	if (asprintf(&dir, "%s/images", b->cfg.state_dir) < 0)
		return NULL;
	return dir;
}

void image_file_remove(const struct basalt *b, const char *id, const char *request_id)
{
	char *dir = image_store_dir(b), *path = NULL;

	if (dir && asprintf(&path, "%s/%s", dir, id) >= 0 && unlink(path) < 0 && errno != ENOENT)
		log_error("%s image %s: cannot remove %s: %s", request_id, id, path,
			  strerror(errno));
	free(path);
	free(dir);
}

/* One upload in flight: owned by the stream from begin to end. */
struct upload {
	struct basalt *b;
	char id[IMAGE_ID_LEN + 1];
	char disk_format[16];
	char *tmp, *final, *dir; /* owned paths */
	int fd;
	uint64_t size, cap;
	uint64_t vsize_cap;	       /* [image] virtual_size_cap (0: none) */
	char refused[DISKIMG_ERR_MAX]; /* why the content was refused */
	struct md5 md5;
	crypto_hash_sha512_state sha;
};

static void upload_free(struct upload *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	free(u->tmp);
	free(u->final);
	free(u->dir);
	free(u);
}

/* Move the image from 'saving' to status in its own transaction (the
 * upload's outcome). Returns the rows changed (0: the image was deleted
 * meanwhile) or -errno. */
static int upload_mark(struct basalt *b, const char *id, const char *status, const struct upload *u,
		       const char *md5hex, const char *shahex, int64_t vsize)
{
	struct store *st = basalt_store(b);
	int r;

	if (!st)
		return -EIO;
	r = store_begin_write(st);
	if (r < 0)
		return r;
	if (!u)
		r = store_exec(st,
			       "UPDATE image SET status = ?, updated_at = ?, revision = ?"
			       " WHERE id = ? AND status = 'saving'",
			       "siis", status, now_usec(), store_txn_revision(st), id);
	else
		r = store_exec(
		    st,
		    "UPDATE image SET status = ?, size = ?, virtual_size = ?, checksum = ?,"
		    " os_hash_algo = 'sha512', os_hash_value = ?, updated_at = ?, revision = ?"
		    " WHERE id = ? AND status = 'saving'",
		    "siissiis", status, (int64_t)u->size, vsize, md5hex, shahex, now_usec(),
		    store_txn_revision(st), id);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	int c = store_commit(st);
	return c < 0 ? c : r;
}

static int upload_begin(struct http_request *req, struct http_response *res, void **state)
{
	const char *ct = req->content_type;
	struct upload *u;
	struct image im;
	struct store *st;
	int r;

	if (ct && strncmp(ct, "application/octet-stream", 24) != 0)
		return http_error(
		    res, 415, "Unsupported Content-Type: image data is application/octet-stream.");
	u = calloc(1, sizeof(*u));
	if (!u)
		return http_error_errno(res, -ENOMEM, "image");
	u->fd = -1;
	u->b = req->b;
	u->cap = req->b->cfg.image_size_cap > 0 ? (uint64_t)req->b->cfg.image_size_cap : UINT64_MAX;
	u->vsize_cap = req->b->cfg.image_virtual_size_cap > 0
			   ? (uint64_t)req->b->cfg.image_virtual_size_cap
			   : 0;
	snprintf(u->id, sizeof(u->id), "%s", http_param(req, "image_id"));
	u->dir = image_store_dir(req->b);
	if (!u->dir || asprintf(&u->tmp, "%s/%s.tmp", u->dir, u->id) < 0 ||
	    asprintf(&u->final, "%s/%s", u->dir, u->id) < 0) {
		upload_free(u);
		return http_error_errno(res, -ENOMEM, "image");
	}

	st = api_write_begin(req, res);
	if (!st) {
		upload_free(u);
		return -1;
	}
	r = image_load(st, u->id, &im);
	if (r == 0 && !image_visible(&req->caller, &im)) {
		image_free(&im);
		r = -ENOENT;
	}
	if (r == -ENOENT)
		r = http_error(res, 404, "No image found with ID %s", u->id);
	else if (r < 0)
		r = http_error_errno(res, r, "image");
	else if (!image_writable(&req->caller, &im))
		r = http_error(res, 403, "You are not permitted to upload data to image %s.",
			       u->id);
	else if (strcmp(im.status, "queued") != 0)
		r = http_error(res, 409, "Image status transition from %s to saving is not allowed",
			       im.status);
	else if (!im.disk_format[0] || !im.container_format[0])
		r = http_error(res, 400,
			       "Properties disk_format, container_format must be set prior to "
			       "saving data.");
	if (r == 0) {
		snprintf(u->disk_format, sizeof(u->disk_format), "%s", im.disk_format);
		snprintf(im.status, sizeof(im.status), "saving");
		im.updated_at = now_usec();
		r = image_save(st, &im);
		/* Whose upload it is (image_recover: only the one receiving
		 * it may call it cut off). */
		if (r == 0)
			r = store_exec(st, "UPDATE image SET saving_host = ? WHERE id = ?", "ss",
				       req->b->cfg.host, u->id);
	}
	image_free(&im);
	if (api_write_end(res, st, r, "image") < 0) {
		upload_free(u);
		return -1;
	}

	r = mkdir_p(u->dir, 0700);
	if (r == 0) {
		u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		r = u->fd < 0 ? -errno : 0;
	}
	if (r < 0) {
		log_error("%s image %s: cannot create %s: %s", req->request_id, u->id, u->tmp,
			  strerror(-r));
		upload_mark(req->b, u->id, "killed", NULL, NULL, NULL, 0);
		upload_free(u);
		return http_error(res, 500, "The image store cannot take the upload.");
	}
	md5_init(&u->md5);
	crypto_hash_sha512_init(&u->sha);
	*state = u;
	return 0;
}

static int upload_write(void *state, const char *data, size_t len)
{
	struct upload *u = state;
	size_t off = 0;

	if (len > u->cap || u->size > u->cap - len)
		return -EFBIG;
	while (off < len) {
		ssize_t w = write(u->fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	md5_update(&u->md5, data, len);
	crypto_hash_sha512_update(&u->sha, (const unsigned char *)data, len);
	u->size += len;
	return 0;
}

/* fsync the directory so the rename survives a crash. */
static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Make the temp file the image's file: fsync, close, rename, fsync dir. */
static int upload_commit_file(struct upload *u)
{
	int fd = u->fd;

	u->fd = -1;
	if (fsync(fd) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (close(fd) < 0)
		return -errno;
	if (rename(u->tmp, u->final) < 0)
		return -errno;
	return fsync_dir(u->dir);
}

/* Vet the bytes received against the declared disk_format before they
 * become the image: the same checks the compute node makes again
 * (core/diskimg.h). 0 with the virtual size in *vsize, -EMEDIUMTYPE with
 * the reason in u->refused, or -errno. */
static int upload_vet(struct upload *u, uint64_t *vsize)
{
	struct diskimg_info info;
	int r = diskimg_vet_file(u->tmp, u->disk_format, u->vsize_cap, &info, u->refused,
				 sizeof(u->refused));

	if (r == -EFBIG)
		r = -EMEDIUMTYPE; /* a virtual size over the cap: 400, not 413 */
	/* Glance's virtual_size: the header's for qcow2, the bytes' else. */
	if (r == 0 && strcmp(info.format, "qcow2") == 0)
		*vsize = info.virtual_size;
	else if (r < 0 && r != -EMEDIUMTYPE)
		log_error("image %s: cannot inspect %s: %s", u->id, u->tmp, u->refused);
	return r;
}

static void upload_end(void *state, struct http_request *req, struct http_response *res, int err)
{
	struct upload *u = state;
	unsigned char md5[16], sha[crypto_hash_sha512_BYTES];
	char md5hex[33], shahex[2 * crypto_hash_sha512_BYTES + 1];
	uint64_t vsize = u->size;
	bool renamed = false;
	int r;

	if (err == 0)
		err = upload_vet(u, &vsize);
	if (err == 0) {
		err = upload_commit_file(u);
		renamed = err == 0;
	}
	if (err == 0) {
		md5_final(&u->md5, md5);
		crypto_hash_sha512_final(&u->sha, sha);
		sodium_bin2hex(md5hex, sizeof(md5hex), md5, sizeof(md5));
		sodium_bin2hex(shahex, sizeof(shahex), sha, sizeof(sha));
		r = upload_mark(u->b, u->id, "active", u, md5hex, shahex,
				vsize > INT64_MAX ? -1 : (int64_t)vsize);
		if (r > 0) {
			log_info("%s image %s: %llu bytes uploaded, md5 %s", req->request_id, u->id,
				 (unsigned long long)u->size, md5hex);
			http_reply(res, 204, NULL);
			upload_free(u);
			return;
		}
		err = r == 0 ? -ESTALE : r;
	}

	/* Nothing half-written stays: the bytes go, the image is killed. */
	if (u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
	if (unlink(renamed ? u->final : u->tmp) < 0 && errno != ENOENT)
		log_error("image %s: cannot remove %s: %s", u->id, renamed ? u->final : u->tmp,
			  strerror(errno));
	if (err != -ESTALE)
		upload_mark(u->b, u->id, "killed", NULL, NULL, NULL, 0);
	log_info("%s image %s: upload failed after %llu bytes: %s", req->request_id, u->id,
		 (unsigned long long)u->size, strerror(-err));
	switch (err) {
	case -EFBIG:
		http_error(res, 413,
			   "Image exceeds the storage quota: the image size cap is %llu bytes.",
			   (unsigned long long)u->cap);
		break;
	case -ENOSPC:
	case -EDQUOT:
		http_error(res, 413, "Image storage media is full.");
		break;
	case -EMEDIUMTYPE:
		http_error(res, 400, "Image %s is refused: %s.", u->id, u->refused);
		break;
	case -ESTALE:
		http_error(res, 409, "Image %s was deleted or changed during the upload.", u->id);
		break;
	case -ECONNABORTED:
		http_error(res, 400, "The client went away during the upload.");
		break;
	default:
		http_error(res, 500, "The image store failed during the upload.");
	}
	upload_free(u);
}

const struct http_stream image_upload_stream = {
	.begin = upload_begin,
	.write = upload_write,
	.end = upload_end,
};

int h_image_download(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "image_id");
	char *dir, *path = NULL;
	struct image im;
	struct stat sb;
	int r, fd;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = image_load(st, id, &im);
	if (r == 0 && !image_visible(&req->caller, &im)) {
		image_free(&im);
		r = -ENOENT;
	}
	if (r == -ENOENT)
		return http_error(res, 404, "No image found with ID %s", id);
	if (r < 0)
		return http_error_errno(res, r, "image");
	image_free(&im);
	if (strcmp(im.status, "active") != 0)
		return http_reply(res, 204, NULL);
	dir = image_store_dir(req->b);
	if (!dir || asprintf(&path, "%s/%s", dir, im.id) < 0)
		path = NULL;
	free(dir);
	if (!path)
		return http_error_errno(res, -ENOMEM, "image");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return http_error(res, errno == ENOENT ? 404 : 500,
				  "The image data for %s is missing from the store.", im.id);
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return http_error_errno(res, -EIO, "image");
	}
	http_reply_file(res, 200, fd, (uint64_t)sb.st_size, "application/octet-stream");
	if (im.checksum[0])
		http_header_add(res, "Content-MD5", im.checksum);
	return 0;
}

/* Whether name is a file the store may hold for an image that is gone. */
static bool looks_like_image_file(const char *name)
{
	size_t n = strlen(name);

	if (n != IMAGE_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef-", name[i]))
			return false;
	return true;
}

int image_recover(struct basalt *b)
{
	struct store *st = basalt_store(b);
	char *dir = image_store_dir(b);
	struct dirent *de;
	DIR *d;
	int r;

	if (!st || !dir) {
		free(dir);
		return -EIO;
	}
	r = store_begin_write(st);
	if (r == 0) {
		/* Only this controller's: another one sharing the store may be
		 * receiving an upload right now. */
		r = store_exec(st,
			       "UPDATE image SET status = 'killed', updated_at = ?, revision = ?"
			       " WHERE status = 'saving' AND (saving_host = ? OR saving_host IS NULL)",
			       "iis", now_usec(), store_txn_revision(st), b->cfg.host);
		if (r > 0)
			log_info("image: %d upload(s) interrupted by a restart marked killed", r);
		if (r >= 0)
			r = store_commit(st);
		else
			store_rollback(st);
	}
	if (r < 0) {
		free(dir);
		return r;
	}
	d = opendir(dir);
	if (!d) {
		r = errno == ENOENT ? 0 : -errno;
		free(dir);
		return r;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		bool stray = n > 4 && strcmp(de->d_name + n - 4, ".tmp") == 0;

		if (!stray && looks_like_image_file(de->d_name)) {
			struct store_stmt *q;
			if (store_query(st, &q, "SELECT status FROM image WHERE id = ?", "s",
					de->d_name) < 0)
				continue;
			int row = store_next(q);
			stray = row == 0 || (row > 0 && strcmp(store_text(q, 0), "active") != 0);
			store_done(q);
		} else if (stray) {
			/* Another controller's upload under way stays. */
			char id[IMAGE_ID_LEN + 1];
			struct store_stmt *q;
			snprintf(id, sizeof(id), "%.*s", (int)(n - 4), de->d_name);
			if (store_query(st, &q,
					"SELECT 1 FROM image WHERE id = ? AND status = 'saving'"
					" AND saving_host <> ?",
					"ss", id, b->cfg.host) < 0)
				continue;
			stray = store_next(q) == 0;
			store_done(q);
		}
		if (!stray)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_info("image: removed stray file %s/%s", dir, de->d_name);
		else
			log_error("image: cannot remove %s/%s: %s", dir, de->d_name,
				  strerror(errno));
	}
	closedir(d);
	free(dir);
	return 0;
}
