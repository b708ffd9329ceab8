/* images.c - Nova's image proxy: /compute/v2.1/images[/detail], one
 * image, its deletion and its metadata, served from Basalt's image service
 * (src/image) in Nova's shapes, up to microversion 2.35 as Nova (404 from
 * 2.36: use the image API). The metadata are the image's properties. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "image/image.h"
#include "store/store.h"

/* Nova's osapi_max_limit. */
#define IMAGE_MAX_LIMIT 1000

/* Nova's status and progress of a Glance status. */
static const char *nova_status(const char *s, int *progress)
{
	*progress = 0;
	if (strcmp(s, "active") == 0)
		return *progress = 100, "ACTIVE";
	if (strcmp(s, "queued") == 0)
		return *progress = 25, "SAVING";
	if (strcmp(s, "saving") == 0 || strcmp(s, "importing") == 0 || strcmp(s, "uploading") == 0)
		return *progress = 50, "SAVING";
	if (strcmp(s, "deleted") == 0 || strcmp(s, "pending_delete") == 0)
		return "DELETED";
	if (strcmp(s, "killed") == 0)
		return "ERROR";
	return "UNKNOWN";
}

static json_t *image_links(const struct http_request *req, const char *id)
{
	json_t *links = nova_links(req, "images", id);
	char alt[1024];

	snprintf(alt, sizeof(alt), "%s/image/v2/images/%s", http_base_url(req), id);
	json_array_append_new(links, json_pack("{s:s,s:s,s:s}", "rel", "alternate", "type",
					       "application/vnd.openstack.image", "href", alt));
	return links;
}

/* An image in Nova's shape: brief (id, name, links) or detailed. */
static json_t *render(const struct http_request *req, const struct image *im, bool detail)
{
	const char *server = json_string_value(json_object_get(im->props, "instance_uuid"));
	json_t *o = json_pack("{s:s,s:o,s:o}", "id", im->id, "name",
			      im->has_name ? json_string(im->name) : json_null(), "links",
			      image_links(req, im->id));
	int progress = 0;
	const char *status = nova_status(im->status, &progress);

	if (!detail)
		return o;
	json_object_update_new(
		o, json_pack("{s:s,s:i,s:I,s:I,s:o,s:o,s:o,s:o}", "status", status, "progress",
			     progress, "minDisk", im->min_disk, "minRam", im->min_ram, "metadata",
			     im->props ? json_deep_copy(im->props) : json_object(), "created",
			     nova_time(im->created_at), "updated", nova_time(im->updated_at),
			     "OS-EXT-IMG-SIZE:size",
			     im->size >= 0 ? json_integer(im->size) : json_null()));
	if (server)
		json_object_set_new(o, "server", json_pack("{s:s,s:o}", "id", server, "links",
							   nova_links(req, "servers", server)));
	if (json_is_string(json_object_get(im->props, "auto_disk_config")))
		json_object_set_new(o, "OS-DCF:diskConfig",
				    json_string(nova_bool(json_string_value(json_object_get(
							im->props, "auto_disk_config"))) == 1
							? "AUTO"
							: "MANUAL"));
	return o;
}

/* Nova removed the proxy in 2.36: 404 from then on. -1 with it, else 0. */
static int proxy_gone(struct http_request *req, struct http_response *res)
{
	if (microversion_at_least(req, 2, 36))
		return http_error(res, 404, "The resource could not be found.");
	return 0;
}

static bool prop_is(const struct image *im, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(im->props, key));

	return v && strcmp(v, want) == 0;
}

/* Whether im's properties pass the request's property-KEY=VALUE filters
 * (Nova hands them to the image service as they are). */
static bool props_match(const struct http_request *req, const struct image *im)
{
	for (int i = 0; i < req->nquery; i++)
		if (strncmp(req->query[i].key, "property-", 9) == 0 &&
		    !prop_is(im, req->query[i].key + 9, req->query[i].value))
			return false;
	return true;
}

static bool has_prop_filter(const struct http_request *req)
{
	for (int i = 0; i < req->nquery; i++)
		if (strncmp(req->query[i].key, "property-", 9) == 0)
			return true;
	return false;
}

/* Nova's list filters: name, status (Nova's), server (the snapshot's
 * instance_uuid: an id, or a server's URL whose last segment is one, as
 * Nova takes it), type (snapshot|backup: image_type), minRam, minDisk,
 * changes-since, property-KEY; newest first, paged by marker and limit. */
static int list(struct http_request *req, struct http_response *res, bool detail)
{
	const char *name = http_query(req, "name"), *status = http_query(req, "status");
	const char *server = http_query(req, "server"), *type = http_query(req, "type");
	const char *marker = http_query(req, "marker"), *limit_s = http_query(req, "limit");
	const char *since_s = http_query(req, "changes-since");
	const char *min_s[2] = { http_query(req, "minRam"), http_query(req, "minDisk") };
	int64_t limit = IMAGE_MAX_LIMIT, min[2] = { 0, 0 }, since = 0;
	struct store *st = basalt_store(req->b);
	struct image *all = NULL;
	size_t n = 0, shown = 0, i;
	bool after = !marker, found = !marker, props = has_prop_filter(req);
	json_t *out;
	int r;

	if (proxy_gone(req, res) < 0)
		return -1;
	if (server && strrchr(server, '/'))
		server = strrchr(server, '/') + 1;
	if (limit_s) {
		char *end;
		limit = strtoll(limit_s, &end, 10);
		if (!*limit_s || *end || limit < 0)
			return http_error(res, 400, "limit param must be an integer");
		if (limit > IMAGE_MAX_LIMIT)
			limit = IMAGE_MAX_LIMIT;
	}
	for (int k = 0; k < 2; k++) {
		char *end;
		if (!min_s[k])
			continue;
		min[k] = strtoll(min_s[k], &end, 10);
		if (!*min_s[k] || *end)
			return http_error(res, 400, "Invalid filter value %s.", min_s[k]);
	}
	if (since_s && time_parse_iso(since_s, &since) < 0)
		return http_error(res, 400, "Invalid filter field: changes-since.");
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = image_load_all(st, &all, &n);
	if (r < 0)
		return http_error_errno(res, r, "images");
	out = json_array();
	/* image_load_all: oldest first; Nova (Glance) lists newest first. */
	for (i = n; i-- > 0;) {
		struct image *im = &all[i];
		int progress;

		if (!after) {
			if (strcmp(im->id, marker) == 0)
				after = found = true;
			continue;
		}
		if (!image_visible(&req->caller, im) ||
		    (strcmp(im->visibility, "community") == 0 &&
		     !(req->caller.project_id && strcmp(im->owner, req->caller.project_id) == 0)))
			continue;
		if ((name && !(im->has_name && strcmp(im->name, name) == 0)) ||
		    (status && strcasecmp(nova_status(im->status, &progress), status) != 0) ||
		    im->min_ram < min[0] || im->min_disk < min[1] ||
		    (since && im->updated_at < since))
			continue;
		if (server || type || detail || props) {
			if (image_load_extras(st, im) < 0)
				continue;
			if ((server && !prop_is(im, "instance_uuid", server)) ||
			    (type && !prop_is(im, "image_type", type)) || !props_match(req, im))
				continue;
		}
		if ((int64_t)shown >= limit)
			break;
		json_array_append_new(out, render(req, im, detail));
		shown++;
	}
	for (i = 0; i < n; i++)
		image_free(&all[i]);
	free(all);
	if (!found) {
		json_decref(out);
		return http_error(res, 400, "marker [%s] not found", marker);
	}
	r = http_reply(res, 200, json_pack("{s:o}", "images", out));
	if (limit_s && shown > 0 && (int64_t)shown == limit) {
		char href[2048];
		snprintf(href, sizeof(href), "%s/compute/v2.1/images%s?limit=%lld&marker=%s",
			 http_base_url(req), detail ? "/detail" : "", (long long)limit,
			 json_string_value(json_object_get(json_array_get(out, shown - 1), "id")));
		json_object_set_new(res->body, "images_links",
				    json_pack("[{s:s,s:s}]", "rel", "next", "href", href));
	}
	return r;
}

int h_compute_image_list(struct http_request *req, struct http_response *res)
{
	return list(req, res, false);
}

int h_compute_image_detail(struct http_request *req, struct http_response *res)
{
	return list(req, res, true);
}

/* Load the path's image for the caller: 0, or Nova's 404 in res (-1). */
static int find(struct http_request *req, struct http_response *res, struct store *st,
		struct image *im)
{
	int r = image_find(st, &req->caller, http_param(req, "image_id"), im);

	if (r == -ENOENT)
		return http_error(res, 404, "Image not found.");
	return r < 0 ? http_error_errno(res, r, "image") : 0;
}

int h_compute_image_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct image im;

	if (proxy_gone(req, res) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (find(req, res, st, &im) < 0)
		return -1;
	http_reply(res, 200, json_pack("{s:o}", "image", render(req, &im, true)));
	image_free(&im);
	return 0;
}

int h_compute_image_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "image_id");
	struct store *st;
	char err[300] = "";
	int r;

	if (proxy_gone(req, res) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = image_delete(st, &req->caller, id, err, sizeof(err));
	if (r == -ENOENT)
		http_error(res, 404, "Image not found.");
	else if (r == -EPERM)
		http_error(res, 403, "%s", err[0] ? err : "Not allowed to delete this image.");
	if (api_write_end(res, st, r, "image") < 0)
		return -1;
	image_file_remove(req->b, id, req->request_id);
	return http_reply(res, 204, NULL);
}

/* --- /images/{id}/metadata[/{key}]: the image's properties --- */

/* Apply ops (a Glance JSON patch) to the path's image; reply status with
 * {key: the image's properties}, or with {key: only} when only is set. */
static int patch_props(struct http_request *req, struct http_response *res, const json_t *ops,
		       const char *key, json_t *only)
{
	const char *id = http_param(req, "image_id");
	struct image im = { 0 };
	struct store *st = api_write_begin(req, res);
	char err[300] = "";
	int r;

	if (!st) {
		json_decref(only);
		return -1;
	}
	r = image_update(st, &req->caller, id, ops, &im, err, sizeof(err));
	if (r == -ENOENT)
		http_error(res, 404, "Image not found.");
	else if (r == -EPERM)
		http_error(res, 403, "%s", err[0] ? err : "Not allowed to modify this image.");
	else if (r == -EINVAL)
		http_error(res, 400, "%s", err[0] ? err : "Invalid image metadata.");
	if (api_write_end(res, st, r, "image") < 0) {
		json_decref(only);
		return -1;
	}
	r = http_reply(res, 200,
		       json_pack("{s:o}", key, only ? only : json_deep_copy(im.props ? im.props : json_object())));
	image_free(&im);
	return r;
}

/* A metadata object: string keys of 1..255 characters, string values of
 * up to 255. 0, or Nova's 400 in res. */
static int check_meta(struct http_response *res, const json_t *m)
{
	const char *k;
	json_t *v;

	if (!json_is_object(m))
		return http_error(res, 400, "Invalid input for field/attribute metadata.");
	json_object_foreach((json_t *)m, k, v)
		if (!k[0] || strlen(k) > 255 || !json_is_string(v) || json_string_length(v) > 255)
			return http_error(res, 400, "Invalid input for field/attribute metadata. Value: %s.", k);
	return 0;
}

/* ops that set every key of m ("add" replaces a present property). */
static void ops_set(json_t *ops, const json_t *m)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)m, k, v) {
		char path[300];
		snprintf(path, sizeof(path), "/%s", k);
		json_array_append_new(ops, json_pack("{s:s,s:s,s:O}", "op", "add", "path", path,
						     "value", v));
	}
}

int h_compute_image_meta_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct image im;

	if (proxy_gone(req, res) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (find(req, res, st, &im) < 0)
		return -1;
	http_reply(res, 200, json_pack("{s:o}", "metadata",
				       im.props ? json_deep_copy(im.props) : json_object()));
	image_free(&im);
	return 0;
}

/* POST merges the body's metadata, PUT replaces all of them. */
int h_compute_image_meta_set(struct http_request *req, struct http_response *res)
{
	bool replace = strcmp(req->method, "PUT") == 0;
	_cleanup_json_ json_t *body = NULL, *ops = NULL;
	struct store *st = basalt_store(req->b);
	json_t *m;
	struct image im;

	if (proxy_gone(req, res) < 0)
		return -1;
	body = http_body_json(req, res);
	if (!body)
		return -1;
	m = json_object_get(body, "metadata");
	if (!json_is_object(body) || json_object_size(body) != 1 || check_meta(res, m) < 0)
		return res->status >= 400 ? -1 : http_error(res, 400, "Invalid input for field/attribute metadata.");
	ops = json_array();
	if (replace) {
		const char *k;
		json_t *v;
		if (!st)
			return http_error_errno(res, -EIO, "store");
		if (find(req, res, st, &im) < 0)
			return -1;
		json_object_foreach(im.props, k, v) {
			char path[300];
			if (json_object_get(m, k))
				continue;
			snprintf(path, sizeof(path), "/%s", k);
			json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "remove", "path", path));
		}
		image_free(&im);
	}
	ops_set(ops, m);
	return patch_props(req, res, ops, "metadata", NULL);
}

int h_compute_image_meta_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *key = http_param(req, "key");
	struct image im;
	json_t *v;
	int r;

	if (proxy_gone(req, res) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (find(req, res, st, &im) < 0)
		return -1;
	v = json_object_get(im.props, key);
	r = v ? http_reply(res, 200, json_pack("{s:{s:O}}", "meta", key, v))
	      : http_error(res, 404, "The resource could not be found.");
	image_free(&im);
	return r;
}

/* PUT /images/{id}/metadata/{key} with {"meta": {key: value}}. */
int h_compute_image_meta_put(struct http_request *req, struct http_response *res)
{
	const char *key = http_param(req, "key");
	_cleanup_json_ json_t *body = NULL, *ops = NULL;
	json_t *meta;

	if (proxy_gone(req, res) < 0)
		return -1;
	body = http_body_json(req, res);
	if (!body)
		return -1;
	meta = json_object_get(body, "meta");
	if (!json_is_object(body) || json_object_size(body) != 1 || check_meta(res, meta) < 0)
		return res->status >= 400 ? -1 : http_error(res, 400, "Invalid input for field/attribute meta.");
	if (json_object_size(meta) != 1)
		return http_error(res, 400, "Request body contains too many items");
	if (!json_object_get(meta, key))
		return http_error(res, 400, "Request body and URI mismatch");
	ops = json_array();
	ops_set(ops, meta);
	return patch_props(req, res, ops, "meta", json_deep_copy(meta));
}

int h_compute_image_meta_delete(struct http_request *req, struct http_response *res)
{
	const char *key = http_param(req, "key");
	struct store *st = basalt_store(req->b);
	_cleanup_json_ json_t *ops = NULL;
	struct image im;
	bool has;
	char path[300];

	if (proxy_gone(req, res) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (find(req, res, st, &im) < 0)
		return -1;
	has = json_object_get(im.props, key) != NULL;
	image_free(&im);
	if (!has)
		return http_error(res, 404, "Invalid metadata key");
	snprintf(path, sizeof(path), "/%s", key);
	ops = json_pack("[{s:s,s:s}]", "op", "remove", "path", path);
	if (patch_props(req, res, ops, "metadata", NULL) < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
