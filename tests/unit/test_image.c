/* test_image.c - the image service in process: checksums, qcow2 headers,
 * the JSON patch rules, and uploads through http_dispatch (a stream route
 * gets the whole body as one chunk), including crash recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diskimg.h"
#include "core/md5.h"
#include "harness.h"
#include "image/image.h"
#include "policy/policy.h"

static struct basalt b;
static char dir[] = "/tmp/basalt-unit-image.XXXXXX";
static char *admin;

/* --- checksums --- */

static void md5_rfc1321(void **state)
{
	static const char *const v[][2] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	unsigned char d[16];
	char hex[33];

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		/* Byte by byte, as an upload arriving in tiny chunks. */
		struct md5 m;
		md5_init(&m);
		for (const char *p = v[i][0]; *p; p++)
			md5_update(&m, p, 1);
		md5_final(&m, d);
		for (int j = 0; j < 16; j++)
			sprintf(hex + 2 * j, "%02x", d[j]);
		assert_string_equal(hex, v[i][1]);
	}
}

/* --- disk image inspection (core/diskimg.c) --- */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (24 - 8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* A qcow2 v3 header as qemu-img writes it: 64 KiB clusters, 104 bytes. */
static void qcow2_v3(unsigned char *h, size_t len, uint64_t vsize)
{
	memset(h, 0, len);
	memcpy(h, "QFI\xfb", 4);
	put32(h + 4, 3);
	put32(h + 20, 16);
	put64(h + 24, vsize);
	put32(h + 96, 4);
	put32(h + 100, 104);
}

static int vet(const unsigned char *h, size_t len, const char *declared, uint64_t max, char *err)
{
	struct diskimg_info info;
	int r = diskimg_inspect(h, len, len, &info, err, DISKIMG_ERR_MAX);

	return r < 0 ? r : diskimg_vet(&info, declared, max, err, DISKIMG_ERR_MAX);
}

static void diskimg_headers(void **state)
{
	unsigned char h[512];
	char err[DISKIMG_ERR_MAX];
	struct diskimg_info info;

	/* 64 MiB, big-endian all the way */
	qcow2_v3(h, sizeof(h), (1ULL << 56) | (64ULL << 20));
	assert_int_equal(diskimg_inspect(h, sizeof(h), sizeof(h), &info, err, sizeof(err)), 0);
	assert_string_equal(info.format, "qcow2");
	assert_true(info.virtual_size == ((1ULL << 56) | (64ULL << 20)));
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), 0);
	/* a virtual size over the cap */
	assert_int_equal(vet(h, sizeof(h), "qcow2", 1 << 30, err), -EFBIG);
	assert_non_null(strstr(err, "exceeds"));
	/* declared raw (or iso, ami): refused; a qcow2 declared vmdk too */
	assert_int_equal(vet(h, sizeof(h), "raw", 0, err), -EMEDIUMTYPE);
	assert_string_equal(err, "the image data is qcow2, not the declared disk_format raw");
	assert_int_equal(vet(h, sizeof(h), "iso", 0, err), -EMEDIUMTYPE);
	assert_int_equal(vet(h, sizeof(h), "vmdk", 0, err), -EMEDIUMTYPE);
	/* truncated: a v3 header needs 104 bytes */
	assert_int_equal(vet(h, 103, "qcow2", 0, err), -EBADMSG);
	/* unknown version, bad cluster size */
	put32(h + 4, 4);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EBADMSG);
	put32(h + 4, 3);
	put32(h + 20, 22);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EBADMSG);
	put32(h + 20, 16);
	/* a backing file, named in the message */
	put64(h + 8, 200);
	put32(h + 16, 11);
	memcpy(h + 200, "/etc/shadow", 11);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EMEDIUMTYPE);
	assert_string_equal(err, "qcow2 images with a backing file are refused (/etc/shadow)");
	put64(h + 8, 0);
	put32(h + 16, 0);
	/* an external data file: the incompatible bit ... */
	put64(h + 72, 1 << 2);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "external data file"));
	/* ... or only its name extension */
	put64(h + 72, 0);
	put32(h + 104, 0x44415441);
	put32(h + 108, 9);
	memcpy(h + 112, "data.raw", 9);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EMEDIUMTYPE);
	assert_non_null(strstr(err, "external data file"));
	/* an extension running past the bytes there are */
	put32(h + 104, 0xE2792ACA);
	put32(h + 108, 0x7fffffff);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EBADMSG);
	put32(h + 104, 0);
	put32(h + 108, 0);
	/* unknown incompatible features, encryption */
	put64(h + 72, 1ULL << 40);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EMEDIUMTYPE);
	put64(h + 72, 0);
	put32(h + 32, 1);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EMEDIUMTYPE);
	put32(h + 32, 0);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), 0);

	/* raw: anything without a known magic, sized by the file */
	memset(h, 'x', sizeof(h));
	assert_int_equal(vet(h, sizeof(h), "raw", 0, err), 0);
	assert_int_equal(vet(h, sizeof(h), "qcow2", 0, err), -EMEDIUMTYPE);
	assert_string_equal(
	    err,
	    "the image data is not a recognised image format, not the declared disk_format qcow2");
	assert_int_equal(vet(h, 3, "qcow2", 0, err), -EMEDIUMTYPE);
	/* other formats' magics are refused as raw; QED always */
	static const char *const magics[][2] = { { "KDMV", "vmdk" },
						 { "conectix", "vhd" },
						 { "vhdxfile", "vhdx" },
						 { "QED", "qed" },
						 { "LUKS\xba\xbe", "luks" } };
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++) {
		memset(h, 0, sizeof(h));
		memcpy(h, magics[i][0], strlen(magics[i][0]));
		assert_int_equal(diskimg_inspect(h, sizeof(h), sizeof(h), &info, err, sizeof(err)),
				 0);
		assert_string_equal(info.format, magics[i][1]);
		assert_int_equal(vet(h, sizeof(h), "raw", 0, err), -EMEDIUMTYPE);
	}
	assert_int_equal(vet(h, sizeof(h), "luks", 0, err), 0);
	memcpy(h, "QED", 4);
	assert_int_equal(vet(h, sizeof(h), "qed", 0, err), -EMEDIUMTYPE);
	memset(h, 0, sizeof(h));
	h[0x40] = 0x7f, h[0x41] = 0x10, h[0x42] = 0xda, h[0x43] = 0xbe;
	assert_int_equal(vet(h, sizeof(h), "ami", 0, err), -EMEDIUMTYPE);
	assert_int_equal(vet(h, sizeof(h), "vdi", 0, err), 0);
}

/* --- JSON patch --- */

static void image_init(struct image *im)
{
	memset(im, 0, sizeof(*im));
	strcpy(im->id, "00000000-0000-4000-8000-000000000001");
	strcpy(im->status, "queued");
	strcpy(im->visibility, "shared");
	strcpy(im->owner, "p1");
	im->size = im->virtual_size = -1;
	im->props = json_object();
	im->tags = json_array();
}

static int patch(struct image *im, const char *ops, bool admin_)
{
	json_error_t e;
	json_t *j = json_loads(ops, 0, &e);
	char err[256] = "";
	int r;

	struct caller c = { .project_id = "p1", .admin = admin_, .member = true, .reader = true };

	assert_non_null(j);
	r = image_patch_apply(im, j, &c, err, sizeof(err));
	if (r < 0)
		assert_true(err[0] != '\0');
	json_decref(j);
	return r;
}

static void json_patch(void **state)
{
	struct image im;

	image_init(&im);
	assert_int_equal(
	    patch(&im,
		  "[{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"n1\"},"
		  "{\"op\":\"add\",\"path\":\"/os_distro\",\"value\":\"cirros\"},"
		  "{\"op\":\"add\",\"path\":\"/a~1b\",\"value\":\"slash\"},"
		  "{\"op\":\"replace\",\"path\":\"/min_disk\",\"value\":3},"
		  "{\"op\":\"replace\",\"path\":\"/protected\",\"value\":true},"
		  "{\"op\":\"add\",\"path\":\"/tags\",\"value\":[\"x\",\"y\",\"x\"]},"
		  "{\"op\":\"add\",\"path\":\"/tags/-\",\"value\":\"z\"},"
		  "{\"op\":\"remove\",\"path\":\"/tags/0\"},"
		  "{\"op\":\"replace\",\"path\":\"/disk_format\",\"value\":\"qcow2\"}]",
		  false),
	    0);
	assert_true(im.has_name);
	assert_string_equal(im.name, "n1");
	assert_string_equal(json_string_value(json_object_get(im.props, "os_distro")), "cirros");
	assert_string_equal(json_string_value(json_object_get(im.props, "a/b")), "slash");
	assert_int_equal(im.min_disk, 3);
	assert_true(im.protected_);
	assert_int_equal(json_array_size(im.tags), 2);
	assert_string_equal(json_string_value(json_array_get(im.tags, 0)), "y");
	assert_string_equal(json_string_value(json_array_get(im.tags, 1)), "z");
	assert_string_equal(im.disk_format, "qcow2");

	/* remove a property; replace / remove of absent ones is -ENOENT (409) */
	assert_int_equal(patch(&im, "[{\"op\":\"remove\",\"path\":\"/os_distro\"}]", false), 0);
	assert_null(json_object_get(im.props, "os_distro"));
	assert_int_equal(patch(&im, "[{\"op\":\"remove\",\"path\":\"/os_distro\"}]", false),
			 -ENOENT);
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/nope\",\"value\":\"v\"}]", false),
	    -ENOENT);
	/* read-only and core removals are -EPERM (403) */
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"active\"}]", false),
	    -EPERM);
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/checksum\",\"value\":\"x\"}]", false),
	    -EPERM);
	assert_int_equal(patch(&im, "[{\"op\":\"remove\",\"path\":\"/name\"}]", false), -EPERM);
	/* publishing is for admins */
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/visibility\",\"value\":\"public\"}]",
		  false),
	    -EPERM);
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/visibility\",\"value\":\"public\"}]",
		  true),
	    0);
	assert_string_equal(im.visibility, "public");
	/* malformed: -EINVAL (400) */
	assert_int_equal(patch(&im, "{\"op\":\"add\"}", false), -EINVAL);
	assert_int_equal(
	    patch(&im, "[{\"op\":\"move\",\"path\":\"/name\",\"value\":\"x\"}]", false), -EINVAL);
	assert_int_equal(patch(&im, "[{\"op\":\"add\",\"path\":\"name\",\"value\":\"x\"}]", false),
			 -EINVAL);
	assert_int_equal(patch(&im, "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":\"x\"}]", false),
			 -EINVAL);
	assert_int_equal(patch(&im, "[{\"op\":\"add\",\"path\":\"/k\",\"value\":1}]", false),
			 -EINVAL);
	assert_int_equal(patch(&im, "[{\"op\":\"add\",\"path\":\"/k\"}]", false), -EINVAL);
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/min_ram\",\"value\":-1}]", false),
	    -EINVAL);
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/disk_format\",\"value\":\"floppy\"}]",
		  false),
	    -EINVAL);
	assert_int_equal(patch(&im, "[{\"op\":\"remove\",\"path\":\"/tags/9\"}]", false), -EINVAL);
	/* formats are fixed once data is in */
	strcpy(im.status, "active");
	assert_int_equal(
	    patch(&im, "[{\"op\":\"replace\",\"path\":\"/disk_format\",\"value\":\"raw\"}]", false),
	    -EPERM);
	image_free(&im);
}

/* --- in-process requests --- */

/* harness_request with a binary body and a Content-Type. */
static void request(const char *method, const char *path, const char *ctype, const char *body,
		    size_t len, struct http_response *res)
{
	struct http_request req;

	memset(&req, 0, offsetof(struct http_request, tok));
	req.b = &b;
	req.method = method;
	req.path = path;
	req.auth_token = admin;
	req.content_type = ctype;
	req.body = body;
	req.body_len = len;
	http_dispatch(&req, res);
}

static char *create_image(const char *disk_format)
{
	struct http_response res;
	char body[200];
	char *id;

	snprintf(body, sizeof(body),
		 "{\"name\":\"unit\",\"disk_format\":\"%s\",\"container_format\":\"bare\"}",
		 disk_format);
	request("POST", "/image/v2/images", "application/json", body, strlen(body), &res);
	assert_int_equal(res.status, 201);
	assert_string_equal(json_string_value(json_object_get(res.body, "status")), "queued");
	id = strdup(json_string_value(json_object_get(res.body, "id")));
	http_response_clear(&res);
	return id;
}

static json_t *show(const char *id)
{
	struct http_response res;
	char path[128];
	json_t *j;

	snprintf(path, sizeof(path), "/image/v2/images/%s", id);
	request("GET", path, NULL, NULL, 0, &res);
	assert_int_equal(res.status, 200);
	j = json_incref(res.body);
	http_response_clear(&res);
	return j;
}

static void upload_and_download(void **state)
{
	static const char data[] = "hello world";
	struct http_response res;
	char path[128], buf[64];
	char *id = create_image("raw");
	json_t *j;
	ssize_t n;

	snprintf(path, sizeof(path), "/image/v2/images/%s/file", id);
	request("PUT", path, "application/octet-stream", data, 11, &res);
	assert_int_equal(res.status, 204);
	http_response_clear(&res);

	j = show(id);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "active");
	assert_int_equal(json_integer_value(json_object_get(j, "size")), 11);
	assert_string_equal(json_string_value(json_object_get(j, "checksum")),
			    "5eb63bbbe01eeed093cb22bb8f5acdc3");
	assert_string_equal(
	    json_string_value(json_object_get(j, "os_hash_value")),
	    "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc"
	    "5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f");
	json_decref(j);

	request("GET", path, NULL, NULL, 0, &res);
	assert_int_equal(res.status, 200);
	assert_true(res.has_file);
	assert_int_equal(res.file_size, 11);
	n = pread(res.file_fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, data, 11);
	assert_int_equal(res.nheaders, 1);
	assert_string_equal(res.headers[0].name, "Content-MD5");
	assert_string_equal(res.headers[0].value, "5eb63bbbe01eeed093cb22bb8f5acdc3");
	http_response_clear(&res);

	/* Not queued any more: 409, and the data is unchanged. */
	request("PUT", path, "application/octet-stream", "other", 5, &res);
	assert_int_equal(res.status, 409);
	http_response_clear(&res);
	j = show(id);
	assert_int_equal(json_integer_value(json_object_get(j, "size")), 11);
	json_decref(j);
	free(id);
}

/* Count the files of the store dir whose names end in suffix. */
static int count_files(const char *suffix)
{
	char cmd[600];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -1 '%s/images' 2>/dev/null | grep -c -- '%s$'", dir, suffix);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void failed_uploads_leave_nothing(void **state)
{
	unsigned char q[128];
	struct http_response res;
	char path[128];
	char *id = create_image("qcow2");
	char *id2 = create_image("qcow2");
	char *id3 = create_image("raw");
	json_t *j;

	/* Not qcow2 data for a qcow2 image: 400, killed, no file. */
	snprintf(path, sizeof(path), "/image/v2/images/%s/file", id);
	request("PUT", path, "application/octet-stream", "definitely not a qcow2 header.....", 34,
		&res);
	assert_int_equal(res.status, 400);
	http_response_clear(&res);
	j = show(id);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "killed");
	assert_true(json_is_null(json_object_get(j, "checksum")));
	json_decref(j);
	assert_int_equal(count_files(id), 0);

	/* A real qcow2 header: the virtual size comes from bytes 24..31. */
	qcow2_v3(q, sizeof(q), 1 << 20);
	snprintf(path, sizeof(path), "/image/v2/images/%s/file", id2);
	request("PUT", path, NULL, (const char *)q, sizeof(q), &res);
	assert_int_equal(res.status, 204);
	http_response_clear(&res);
	j = show(id2);
	assert_int_equal(json_integer_value(json_object_get(j, "virtual_size")), 1 << 20);
	assert_int_equal(json_integer_value(json_object_get(j, "size")), 128);
	json_decref(j);

	/* Over the size cap: 413, killed, no temp file left. */
	b.cfg.image_size_cap = 10;
	snprintf(path, sizeof(path), "/image/v2/images/%s/file", id3);
	request("PUT", path, "application/octet-stream", "eleven byte", 11, &res);
	b.cfg.image_size_cap = 1LL << 40;
	assert_int_equal(res.status, 413);
	http_response_clear(&res);
	j = show(id3);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "killed");
	json_decref(j);
	assert_int_equal(count_files(".tmp"), 0);
	free(id);
	free(id2);
	free(id3);
}

/* The client goes away mid-upload: end() gets an error, nothing stays. */
static void client_gone(void **state)
{
	struct http_request req;
	struct http_response res;
	const struct route *rt;
	char path[128];
	char *id = create_image("raw");
	void *st = NULL;
	json_t *j;

	snprintf(path, sizeof(path), "/image/v2/images/%s/file", id);
	memset(&req, 0, offsetof(struct http_request, tok));
	req.b = &b;
	req.method = "PUT";
	req.path = path;
	req.auth_token = admin;
	rt = http_prepare(&req, &res);
	assert_non_null(rt);
	assert_non_null(rt->stream);
	assert_int_equal(rt->stream->begin(&req, &res, &st), 0);
	j = show(id);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "saving");
	json_decref(j);
	assert_int_equal(rt->stream->write(st, "partial", 7), 0);
	assert_int_equal(count_files(".tmp"), 1);
	rt->stream->end(st, &req, &res, -ECONNABORTED);
	http_finish(&req, &res);
	http_response_clear(&res);
	j = show(id);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "killed");
	json_decref(j);
	assert_int_equal(count_files(".tmp"), 0);
	free(id);
}

/* After kill -9 mid-upload: 'saving' becomes 'killed', strays go. */
static void recovery(void **state)
{
	struct store *st = basalt_store(&b);
	char *id = create_image("raw");
	char tmp[600], orphan[600];
	json_t *j;
	int fd;

	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(store_exec(st, "UPDATE image SET status = 'saving' WHERE id = ?", "s", id),
			 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(mkdir_p(dir, 0700), 0);
	snprintf(tmp, sizeof(tmp), "%s/images/%s.tmp", dir, id);
	snprintf(orphan, sizeof(orphan), "%s/images/0b6a4c1e-7f53-4f0e-9d0a-3c1e2b7d9f11", dir);
	fd = open(tmp, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(orphan, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);

	/* An upload another controller on the same store (and image store)
	 * is receiving: its row and temp file stay. */
	char *other = create_image("raw"), otmp[600];
	assert_int_equal(store_begin_write(st), 0);
	assert_int_equal(store_exec(st,
				    "UPDATE image SET status = 'saving', saving_host = 'ctl-other'"
				    " WHERE id = ?",
				    "s", other),
			 1);
	assert_int_equal(store_commit(st), 0);
	snprintf(otmp, sizeof(otmp), "%s/images/%s.tmp", dir, other);
	fd = open(otmp, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(image_recover(&b), 0);
	j = show(id);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "killed");
	json_decref(j);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(access(orphan, F_OK), -1);
	j = show(other);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "saving");
	json_decref(j);
	assert_int_equal(access(otmp, F_OK), 0);
	unlink(otmp);
	/* Active images keep their files. */
	assert_true(count_files("") >= 2);
	free(other);
	free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(md5_rfc1321),
		cmocka_unit_test(diskimg_headers),
		cmocka_unit_test(json_patch),
		cmocka_unit_test(upload_and_download),
		cmocka_unit_test(failed_uploads_leave_nothing),
		cmocka_unit_test(client_gone),
		cmocka_unit_test(recovery),
	};
	int r;

	if (harness_start(&b, dir) < 0 || !(admin = harness_admin_token(&b)))
		return 1;
	r = cmocka_run_group_tests_name("image", tests, NULL, NULL);
	free(admin);
	harness_stop(&b, dir);
	return r;
}
