/* images.c - the image resource: the image, image_property and image_tag
 * tables, Glance's rendering, who may see and change an image (judged
 * against its owner), the domain calls create / update / delete (caller
 * in, -errno and Glance's words out), and the handlers of /image/v2/images
 * (parse, call, render). */
#include <errno.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "image/image.h"
#include "policy/policy.h"
#include "store/store.h"

#define IMAGE_COLS                                                                                 \
	"id, name, status, visibility, protected, os_hidden, owner, disk_format,"                  \
	" container_format, min_disk, min_ram, size, virtual_size, checksum, os_hash_algo,"        \
	" os_hash_value, created_at, updated_at"

static const char *const disk_formats[] = { "ami", "ari",   "aki", "vhd", "vhdx", "vmdk",
					    "raw", "qcow2", "vdi", "iso", "ploop" };
static const char *const container_formats[] = { "ami", "ari", "aki",	 "bare",
						 "ovf", "ova", "docker", "compressed" };
/* Attributes Glance computes itself: a caller setting one gets 403. */
static const char *const readonly_attrs[] = {
	"id",	      "status",	   "checksum", "size",	  "virtual_size", "created_at",
	"updated_at", "self",	   "file",     "schema",  "os_hash_algo", "os_hash_value",
	"direct_url", "locations", "location", "deleted", "deleted_at",	  "stores",
};
/* Core attributes a caller may set (patch.c and create). */
static const char *const core_attrs[] = { "name",      "visibility",  "protected",
					  "os_hidden", "min_disk",    "min_ram",
					  "tags",      "disk_format", "container_format",
					  "owner" };

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool image_disk_format_valid(const char *s)
{
	return in_list(s, disk_formats, ARRAY_SIZE(disk_formats));
}

bool image_container_format_valid(const char *s)
{
	return in_list(s, container_formats, ARRAY_SIZE(container_formats));
}

bool image_attr_is_readonly(const char *name)
{
	return in_list(name, readonly_attrs, ARRAY_SIZE(readonly_attrs));
}

bool image_attr_is_core(const char *name)
{
	return image_attr_is_readonly(name) || in_list(name, core_attrs, ARRAY_SIZE(core_attrs));
}

/* Whether s is a uuid (with dashes, any case). */
static bool uuid_valid(const char *s)
{
	if (strlen(s) != IMAGE_ID_LEN)
		return false;
	for (int i = 0; i < IMAGE_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

static void copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* Fill the columns of IMAGE_COLS into im (props and tags untouched). */
static void image_from_row(struct store_stmt *q, struct image *im)
{
	copy_text(im->id, sizeof(im->id), store_text(q, 0));
	im->has_name = store_text(q, 1) != NULL;
	copy_text(im->name, sizeof(im->name), store_text(q, 1));
	copy_text(im->status, sizeof(im->status), store_text(q, 2));
	copy_text(im->visibility, sizeof(im->visibility), store_text(q, 3));
	im->protected_ = store_bool(q, 4);
	im->os_hidden = store_bool(q, 5);
	copy_text(im->owner, sizeof(im->owner), store_text(q, 6));
	copy_text(im->disk_format, sizeof(im->disk_format), store_text(q, 7));
	copy_text(im->container_format, sizeof(im->container_format), store_text(q, 8));
	im->min_disk = store_int(q, 9);
	im->min_ram = store_int(q, 10);
	im->size = store_text(q, 11) ? store_int(q, 11) : -1;
	im->virtual_size = store_text(q, 12) ? store_int(q, 12) : -1;
	copy_text(im->checksum, sizeof(im->checksum), store_text(q, 13));
	copy_text(im->os_hash_algo, sizeof(im->os_hash_algo), store_text(q, 14));
	copy_text(im->os_hash_value, sizeof(im->os_hash_value), store_text(q, 15));
	im->created_at = store_int(q, 16);
	im->updated_at = store_int(q, 17);
}

int image_load_extras(struct store *st, struct image *im)
{
	struct store_stmt *q;
	int r;

	json_decref(im->props);
	json_decref(im->tags);
	im->props = json_object();
	im->tags = json_array();
	if (!im->props || !im->tags)
		return -ENOMEM;
	r = store_query(st, &q, "SELECT name, value FROM image_property WHERE image_id = ?", "s",
			im->id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		json_object_set_new(im->props, store_text(q, 0), json_string(store_text(q, 1)));
	store_done(q);
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT tag FROM image_tag WHERE image_id = ? ORDER BY tag", "s",
			im->id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		json_array_append_new(im->tags, json_string(store_text(q, 0)));
	store_done(q);
	return r;
}

int image_load(struct store *st, const char *id, struct image *im)
{
	struct store_stmt *q;
	int r;

	memset(im, 0, sizeof(*im));
	r = store_query(st, &q, "SELECT " IMAGE_COLS " FROM image WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		image_from_row(q, im);
	store_done(q);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	return image_load_extras(st, im);
}

int image_load_all(struct store *st, struct image **out, size_t *count)
{
	struct image *all = NULL;
	size_t n = 0, cap = 0;
	struct store_stmt *q;
	/* Oldest first, stated: without ORDER BY a row's place is the
	 * backend's (PostgreSQL moves an updated row to the end). */
	int r = store_query(st, &q, "SELECT " IMAGE_COLS " FROM image ORDER BY created_at, id", "");

	*out = NULL;
	*count = 0;
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (n == cap) {
			struct image *na = realloc(all, (cap = cap ? 2 * cap : 64) * sizeof(*all));
			if (!na) {
				r = -ENOMEM;
				break;
			}
			all = na;
		}
		memset(&all[n], 0, sizeof(all[n]));
		image_from_row(q, &all[n++]);
	}
	store_done(q);
	if (r < 0) {
		free(all);
		return r;
	}
	*out = all;
	*count = n;
	return 0;
}

void image_free(struct image *im)
{
	json_decref(im->props);
	json_decref(im->tags);
	im->props = im->tags = NULL;
}

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* Write im's properties and tags, replacing what the store held. */
static int image_save_extras(struct store *st, const struct image *im, int64_t rev)
{
	const char *k;
	json_t *v;
	size_t i;
	int r;

	r = store_exec(st, "DELETE FROM image_property WHERE image_id = ?", "s", im->id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM image_tag WHERE image_id = ?", "s", im->id);
	json_object_foreach(im->props, k, v)
	{
		if (r < 0)
			break;
		r = store_exec(st,
			       "INSERT INTO image_property (image_id, name, value, revision)"
			       " VALUES (?, ?, ?, ?)",
			       "sssi", im->id, k, json_string_value(v), rev);
	}
	json_array_foreach(im->tags, i, v)
	{
		if (r < 0)
			break;
		r = store_exec(st,
			       "INSERT INTO image_tag (image_id, tag, revision) VALUES (?, ?, ?)",
			       "ssi", im->id, json_string_value(v), rev);
	}
	return r < 0 ? r : 0;
}

int image_save(struct store *st, const struct image *im)
{
	int64_t rev = store_txn_revision(st);
	int r = store_exec(
	    st,
	    "UPDATE image SET name = ?, status = ?, visibility = ?, protected = ?, os_hidden = ?,"
	    " owner = ?, disk_format = ?, container_format = ?, min_disk = ?, min_ram = ?,"
	    " updated_at = ?, revision = ? WHERE id = ?",
	    "sssbbsssiiiis", im->has_name ? im->name : NULL, im->status, im->visibility,
	    im->protected_, im->os_hidden, im->owner, or_null(im->disk_format),
	    or_null(im->container_format), im->min_disk, im->min_ram, im->updated_at, rev, im->id);

	if (r == 0)
		return -ENOENT;
	if (r < 0)
		return r;
	return image_save_extras(st, im, rev);
}

static int image_insert(struct store *st, const struct image *im)
{
	int64_t rev = store_txn_revision(st);
	int r = store_exec(
	    st,
	    "INSERT INTO image (id, name, status, visibility, protected, os_hidden, owner,"
	    " disk_format, container_format, min_disk, min_ram, created_at, updated_at, revision)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "ssssbbsssiiiii", im->id, im->has_name ? im->name : NULL, im->status, im->visibility,
	    im->protected_, im->os_hidden, im->owner, or_null(im->disk_format),
	    or_null(im->container_format), im->min_disk, im->min_ram, im->created_at,
	    im->updated_at, rev);

	if (r < 0)
		return r;
	return image_save_extras(st, im, rev);
}

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static json_t *time_json(int64_t usec)
{
	char t[32];

	time_format_iso_sec(usec, t);
	return json_string(t);
}

json_t *image_render(const struct image *im)
{
	char path[64];
	const char *k;
	json_t *o = json_object(), *v;

	if (!o)
		return NULL;
	/* Custom properties first: core attributes can never be shadowed. */
	json_object_foreach(im->props, k, v) json_object_set(o, k, v);
	json_object_set_new(o, "id", json_string(im->id));
	json_object_set_new(o, "name", im->has_name ? json_string(im->name) : json_null());
	json_object_set_new(o, "status", json_string(im->status));
	json_object_set_new(o, "visibility", json_string(im->visibility));
	json_object_set_new(o, "protected", json_boolean(im->protected_));
	json_object_set_new(o, "os_hidden", json_boolean(im->os_hidden));
	json_object_set_new(o, "checksum", str_or_null(im->checksum));
	json_object_set_new(o, "os_hash_algo", str_or_null(im->os_hash_algo));
	json_object_set_new(o, "os_hash_value", str_or_null(im->os_hash_value));
	json_object_set_new(o, "size", im->size >= 0 ? json_integer(im->size) : json_null());
	json_object_set_new(o, "virtual_size",
			    im->virtual_size >= 0 ? json_integer(im->virtual_size) : json_null());
	json_object_set_new(o, "disk_format", str_or_null(im->disk_format));
	json_object_set_new(o, "container_format", str_or_null(im->container_format));
	json_object_set_new(o, "min_disk", json_integer(im->min_disk));
	json_object_set_new(o, "min_ram", json_integer(im->min_ram));
	json_object_set_new(o, "owner", json_string(im->owner));
	json_object_set_new(o, "created_at", time_json(im->created_at));
	json_object_set_new(o, "updated_at", time_json(im->updated_at));
	json_object_set_new(o, "tags", im->tags ? json_copy(im->tags) : json_array());
	snprintf(path, sizeof(path), "/v2/images/%s", im->id);
	json_object_set_new(o, "self", json_string(path));
	snprintf(path, sizeof(path), "/v2/images/%s/file", im->id);
	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "schema", json_string("/v2/schemas/image"));
	return o;
}

/* The policy target of an image: its owner, shared with every project
 * when public or community (Basalt keeps no member lists). */
static struct target image_target(const struct image *im)
{
	return (struct target){ .project_id = im->owner,
				.shared = strcmp(im->visibility, "public") == 0 ||
					  strcmp(im->visibility, "community") == 0 };
}

bool image_visible(const struct caller *c, const struct image *im)
{
	struct target t = image_target(im);

	return policy_allows(c, "image:get_image", &t);
}

bool image_writable(const struct caller *c, const struct image *im)
{
	struct target t = image_target(im);

	return policy_allows(c, "image:modify_image", &t);
}

int image_find(struct store *st, const struct caller *c, const char *id, struct image *im)
{
	int r = image_load(st, id, im);

	if (r == 0 && !image_visible(c, im)) {
		image_free(im);
		r = -ENOENT;
	}
	return r;
}

/* --- create, update, delete: the domain calls --- */

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* Apply a patch for the caller: the patch's -ENOENT (a property to replace
 * or remove is absent: Glance's 409) becomes -ENODATA, so that -ENOENT
 * always means "no such image". */
static int patch_for(const struct caller *c, struct image *im, const json_t *ops, char *err,
		     size_t errlen)
{
	int r = image_patch_apply(im, ops, c, err, errlen);

	return r == -ENOENT ? -ENODATA : r;
}

/* Validate one member of a create body into im. 0 or -errno with err. */
static int create_member(const struct caller *c, struct image *im, const char *k, json_t *v,
			 char *err, size_t errlen)
{
	if (strcmp(k, "id") == 0) {
		if (!json_is_string(v) || !uuid_valid(json_string_value(v)))
			return fail(err, errlen, -EINVAL, "Invalid image id: must be a UUID.");
		copy_text(im->id, sizeof(im->id), json_string_value(v));
		for (char *p = im->id; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
		return 0;
	}
	if (image_attr_is_readonly(k))
		return fail(err, errlen, -EPERM, "Attribute '%s' is read-only.", k);
	if (strcmp(k, "tags") == 0) {
		json_t *patch =
		    json_pack("[{s:s,s:s,s:O}]", "op", "replace", "path", "/tags", "value", v);
		int r = patch_for(c, im, patch, err, errlen);
		json_decref(patch);
		return r;
	}
	if (strcmp(k, "owner") == 0) {
		if (!json_is_string(v) || json_string_length(v) > 64)
			return fail(err, errlen, -EINVAL, "Invalid value for owner.");
		if (strcmp(json_string_value(v), im->owner) != 0 &&
		    !policy_allows(c, "image:set_image_owner", NULL))
			return fail(err, errlen, -EPERM,
				    "You are not permitted to create images owned by '%s'.",
				    json_string_value(v));
		copy_text(im->owner, sizeof(im->owner), json_string_value(v));
		return 0;
	}
	/* Everything else goes through the patch rules: one source of truth
	 * for types, ranges and formats. */
	{
		char path[600];
		json_t *patch;
		int r;

		if (strlen(k) > 255)
			return fail(err, errlen, -EINVAL, "Property name too long (at most 255).");
		snprintf(path, sizeof(path), "/%s", k);
		/* JSON pointer escapes: '~' -> "~0", '/' -> "~1". */
		if (strchr(k, '/') || strchr(k, '~')) {
			char *o = path + 1;
			for (const char *p = k; *p && o < path + sizeof(path) - 3; p++) {
				if (*p == '~' || *p == '/') {
					*o++ = '~';
					*o++ = *p == '~' ? '0' : '1';
				} else {
					*o++ = *p;
				}
			}
			*o = '\0';
		}
		patch = json_pack("[{s:s,s:s,s:O}]", "op", "add", "path", path, "value", v);
		r = patch_for(c, im, patch, err, errlen);
		json_decref(patch);
		return r;
	}
}

int image_create(struct store *st, const struct caller *c, const json_t *body, struct image *im,
		 char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	int r = 0;

	memset(im, 0, sizeof(*im));
	if (!c->project_id)
		return fail(err, errlen, -EINVAL, "An image is created in a project: use a project-scoped token.");
	uuid_new(im->id);
	copy_text(im->status, sizeof(im->status), "queued");
	copy_text(im->visibility, sizeof(im->visibility), "shared");
	copy_text(im->owner, sizeof(im->owner), c->project_id);
	im->size = im->virtual_size = -1;
	im->created_at = im->updated_at = now_usec();
	im->props = json_object();
	im->tags = json_array();
	if (!im->props || !im->tags)
		r = -ENOMEM;
	json_object_foreach((json_t *)body, k, v) {
		if (r < 0)
			break;
		r = create_member(c, im, k, v, err, errlen);
	}
	if (r >= 0)
		r = image_insert(st, im);
	if (r == -EEXIST)
		r = fail(err, errlen, -EEXIST, "Image with identifier %s already exists!", im->id);
	if (r < 0)
		image_free(im);
	return r;
}

/* Load image id for a write by the caller: -ENOENT when it does not see
 * it, -EPERM when it may not modify it. */
static int find_writable(struct store *st, const struct caller *c, const char *id,
			 struct image *im, char *err, size_t errlen)
{
	int r = image_find(st, c, id, im);

	if (r == -ENOENT)
		return fail(err, errlen, r, "No image found with ID %s", id);
	if (r < 0)
		return r;
	if (!image_writable(c, im)) {
		image_free(im);
		return fail(err, errlen, -EPERM, "You are not permitted to modify image %s.", id);
	}
	return 0;
}

int image_update(struct store *st, const struct caller *c, const char *id, const json_t *ops,
		 struct image *im, char *err, size_t errlen)
{
	int r = find_writable(st, c, id, im, err, errlen);

	if (r < 0)
		return r;
	r = patch_for(c, im, ops, err, errlen);
	if (r >= 0) {
		im->updated_at = now_usec();
		r = image_save(st, im);
	}
	if (r < 0)
		image_free(im);
	return r;
}

int image_delete(struct store *st, const struct caller *c, const char *id, char *err,
		 size_t errlen)
{
	struct image im;
	int r = find_writable(st, c, id, &im, err, errlen);

	if (r < 0)
		return r;
	if (im.protected_)
		r = fail(err, errlen, -EPERM, "Image %s is protected and cannot be deleted.", im.id);
	else
		r = store_exec(st, "DELETE FROM image WHERE id = ?", "s", im.id);
	image_free(&im);
	return r < 0 ? r : 0;
}

int image_drop_unfinished(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM image WHERE id = ? AND status <> 'active'", "s", id);

	return r < 0 ? r : 0;
}

/* --- the handlers: parse, call, render --- */

/* Glance's status for a domain call's error, with its message. -1. */
static int glance_error(struct http_response *res, int r, const char *err, const char *what)
{
	int status = r == -EINVAL			 ? 400
		     : r == -EPERM			 ? 403
		     : r == -ENOENT			 ? 404
		     : r == -EEXIST || r == -ENODATA ? 409
							 : 0;

	if (status && err[0])
		return http_error(res, status, "%s", err);
	return http_error_errno(res, r, what);
}

int h_image_create(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct image im;
	struct store *st;
	char err[300] = "";
	int r;

	if (!body)
		return -1;
	if (!json_is_object(body))
		return http_error(res, 400, "Invalid input: the body must be a JSON object.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = image_create(st, &req->caller, body, &im, err, sizeof(err));
	if (r < 0)
		glance_error(res, r, err, "image");
	if (api_write_end(res, st, r, "image") < 0) {
		if (r >= 0)
			image_free(&im);
		return -1;
	}
	r = http_reply(res, 201, image_render(&im));
	image_free(&im);
	return r;
}

int h_image_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "image_id");
	struct image im;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = image_find(st, &req->caller, id, &im);
	if (r == -ENOENT)
		return http_error(res, 404, "No image found with ID %s", id);
	if (r < 0)
		return http_error_errno(res, r, "image");
	r = http_reply(res, 200, image_render(&im));
	image_free(&im);
	return r;
}

int h_image_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "image_id");
	struct store *st = api_write_begin(req, res);
	char err[300] = "";
	int r;

	if (!st)
		return -1;
	r = image_delete(st, &req->caller, id, err, sizeof(err));
	if (r < 0)
		glance_error(res, r, err, "image");
	if (api_write_end(res, st, r, "image") < 0)
		return -1;
	/* The row is gone: the file follows (image_recover removes it should
	 * we die right here). An upload in flight finds the row gone and
	 * removes its own file. */
	image_file_remove(req->b, id, req->request_id);
	return http_reply(res, 204, NULL);
}

/* Glance's two patch media types: v2.1 is RFC 6902's {op, path, value};
 * v2.0 names the op as the key of the path (tempest still sends it). */
#define V20_PATCH "application/openstack-images-v2.0-json-patch"

static bool is_patch_type(const char *ct)
{
	static const char *const types[] = { "application/openstack-images-v2.1-json-patch",
					     V20_PATCH };

	for (size_t i = 0; ct && i < ARRAY_SIZE(types); i++)
		if (strncmp(ct, types[i], strlen(types[i])) == 0)
			return true;
	return false;
}

int h_image_update(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *ops = NULL;
	struct image im;
	struct store *st;
	char err[300] = "";
	int r;

	if (!is_patch_type(req->content_type))
		return http_error(res, 415,
				  "Unsupported Content-Type: use "
				  "application/openstack-images-v2.1-json-patch.");
	ops = http_body_json(req, res);
	if (!ops)
		return -1;
	if (strncmp(req->content_type, V20_PATCH, strlen(V20_PATCH)) == 0) {
		json_t *v21 = NULL;
		r = image_patch_from_v20(ops, &v21, err, sizeof(err));
		if (r < 0)
			return glance_error(res, r, err, "image");
		json_decref(ops);
		ops = v21;
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = image_update(st, &req->caller, http_param(req, "image_id"), ops, &im, err,
			 sizeof(err));
	if (r < 0)
		glance_error(res, r, err, "image");
	if (api_write_end(res, st, r, "image") < 0) {
		if (r >= 0)
			image_free(&im);
		return -1;
	}
	r = http_reply(res, 200, image_render(&im));
	image_free(&im);
	return r;
}
