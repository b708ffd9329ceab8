/* image.h - the image service (Glance v2): the image record, its store
 * queries, the JSON patch, the file store, and the request handlers,
 * grouped by the file that defines them.
 *
 * Images live as files named by their id under the store dir
 * ([image] store_dir, default STATE_DIR/images); an upload goes to
 * ID.tmp first and is renamed into place once checksummed and synced. */
#ifndef BASALT_IMAGE_H
#define BASALT_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct basalt;
struct caller;
struct store;
struct http_request;
struct http_response;
struct route_table;

#define IMAGE_ID_LEN 36 /* uuid with dashes, as Glance */

/* One image as the store holds it. Strings are empty for SQL NULL where
 * the API shows null (name, formats, checksums); size and virtual_size
 * are -1 for null. props (object name -> string) and tags (array of
 * strings) are owned. */
struct image {
	char id[IMAGE_ID_LEN + 1];
	char name[256];
	bool has_name;
	char status[16];
	char visibility[16];
	bool protected_;
	bool os_hidden;
	char owner[65];
	char disk_format[16];
	char container_format[16];
	int64_t min_disk, min_ram;
	int64_t size, virtual_size;
	char checksum[33];
	char os_hash_algo[16];
	char os_hash_value[129];
	int64_t created_at, updated_at; /* usec */
	json_t *props;
	json_t *tags;
};

extern const struct route_table image_routes;

/* images.c */
/* Load image id with its properties and tags into im (which the caller
 * later passes to image_free). Returns 0, -ENOENT or -errno. */
int image_load(struct store *st, const char *id, struct image *im);
/* The core columns of every image, oldest first (props and tags not loaded), into *out
 * (malloc'd array of *n; image_free each, then free it). 0 or -errno. */
int image_load_all(struct store *st, struct image **out, size_t *n);
/* Load im's properties and tags. Returns 0 or -errno. */
int image_load_extras(struct store *st, struct image *im);
/* Release what im owns. */
void image_free(struct image *im);
/* Write every column, property and tag of im (row must exist) at the
 * open write transaction's revision. Returns 0 or -errno. */
int image_save(struct store *st, const struct image *im);
/* The image as Glance renders it (new reference). */
json_t *image_render(const struct image *im);
/* Whether the caller may see (image:get_image) / modify
 * (image:modify_image) im, judged against its real owner. */
bool image_visible(const struct caller *c, const struct image *im);
bool image_writable(const struct caller *c, const struct image *im);
/* Load image id as image_load when the caller may see it: 0, -ENOENT
 * (missing or invisible) or -errno. */
int image_find(struct store *st, const struct caller *c, const char *id, struct image *im);
/* Whether s is one of Glance's disk (container) formats. */
bool image_disk_format_valid(const char *s);
bool image_container_format_valid(const char *s);
/* Whether name is a core attribute (not a custom property), and whether
 * it is one the API never lets a caller set. */
bool image_attr_is_core(const char *name);
bool image_attr_is_readonly(const char *name);
/* The domain calls, in the caller's write transaction; each returns 0 or
 * -errno with Glance's words in err: -EINVAL (400), -EPERM (403: the
 * caller may not, or the image is protected), -ENOENT (404: no image the
 * caller sees), -EEXIST or -ENODATA (409: the id is taken; a property to
 * replace is absent). create and update fill im (image_free it) on 0. */
int image_create(struct store *st, const struct caller *c, const json_t *body, struct image *im,
		 char *err, size_t errlen);
int image_update(struct store *st, const struct caller *c, const char *id, const json_t *ops,
		 struct image *im, char *err, size_t errlen);
int image_delete(struct store *st, const struct caller *c, const char *id, char *err,
		 size_t errlen);
/* Delete image id unless it is active (no policy: a snapshot that never
 * finished, compute/server_snapshot.c), in the caller's write
 * transaction. Its file, if any, goes with image_recover. 0 or -errno. */
int image_drop_unfinished(struct store *st, const char *id);
int h_image_create(struct http_request *req, struct http_response *res);
int h_image_get(struct http_request *req, struct http_response *res);
int h_image_delete(struct http_request *req, struct http_response *res);
int h_image_update(struct http_request *req, struct http_response *res);

/* image_list.c */
int h_image_list(struct http_request *req, struct http_response *res);

/* patch.c */
/* Apply a Glance v2.1 JSON patch (a list of {op, path, value}) to im for
 * the caller (visibility public needs image:publicize_image, community
 * image:communitize_image, a new owner image:set_image_owner). On
 * failure im may be partly changed (the caller discards it); returns
 * -EINVAL (400), -EPERM (403) or -ENOENT (409: the property to replace or
 * remove is absent), with a message in err. */
int image_patch_apply(struct image *im, const json_t *ops, const struct caller *c, char *err,
		      size_t errlen);
/* The same patch in the older media type openstack-images-v2.0-json-patch,
 * whose operations name their op as the key of the path ({"add": "/x",
 * "value": 1}), as {op, path, value} (new reference in *out). -EINVAL with
 * a message in err for an operation with no or several op members. */
int image_patch_from_v20(const json_t *ops, json_t **out, char *err, size_t errlen);

/* file.c */
/* The store dir (owned string) of b. */
char *image_store_dir(const struct basalt *b);
/* Remove the file of image id, whose row is gone (a failure is logged:
 * image_recover removes it at the next start). */
void image_file_remove(const struct basalt *b, const char *id, const char *request_id);
/* On controller start: images left 'saving' by a crash become 'killed',
 * and temporary files (and files of images no longer in the store) are
 * removed. Returns 0 or -errno. */
int image_recover(struct basalt *b);
int h_image_download(struct http_request *req, struct http_response *res);
extern const struct http_stream image_upload_stream;

/* routes.c */
int h_image_versions(struct http_request *req, struct http_response *res);
int h_image_schema(struct http_request *req, struct http_response *res);
int h_image_schemas(struct http_request *req, struct http_response *res);

#endif
