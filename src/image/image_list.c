/* image_list.c - GET /image/v2/images: Glance's listing (visibility,
 * filters on core and custom properties and tags, sort keys, markers and
 * links) over the image resource's rows (images.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "http/http.h"
#include "image/image.h"
#include "policy/policy.h"

#define LIST_DEFAULT_LIMIT 25
#define LIST_MAX_LIMIT	   1000

static bool is_one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static const char *const sort_keys[] = { "name",	"status", "container_format", "disk_format",
					 "size",	"id",	  "created_at",	      "updated_at",
					 "visibility",	"owner",  "min_disk",	      "min_ram",
					 "virtual_size" };

/* Query arguments the list understands itself; any other is a filter on
 * a custom property, as Glance does. */
static const char *const list_params[] = {
	"limit",	 "marker",	"sort_key",	    "sort_dir",
	"sort",		 "name",	"status",	    "visibility",
	"owner",	 "disk_format", "container_format", "id",
	"member_status", "os_hidden",	"protected",	    "tag",
	"size_min",	 "size_max",
};

/* One key of the list's order. */
struct sort_spec {
	int key; /* index into sort_keys */
	bool desc;
};

#define MAX_SORT_KEYS 8

/* Parse sort_key/sort_dir (repeatable) or sort=key:dir,key into spec
 * (the last entry is always id, as a tie-break). Returns the number of
 * entries, or -1 with a 400 in res. */
static int list_order(struct http_request *req, struct http_response *res,
		      struct sort_spec spec[MAX_SORT_KEYS + 1])
{
	const char *keys[MAX_SORT_KEYS] = { 0 }, *dirs[MAX_SORT_KEYS] = { 0 };
	const char *sort = http_query(req, "sort");
	char sortbuf[256];
	int nk = 0, nd = 0;

	if (sort) {
		char *save = NULL, *item;
		snprintf(sortbuf, sizeof(sortbuf), "%s", sort);
		for (item = strtok_r(sortbuf, ",", &save); item && nk < MAX_SORT_KEYS;
		     item = strtok_r(NULL, ",", &save)) {
			char *colon = strchr(item, ':');
			if (colon)
				*colon++ = '\0';
			keys[nk] = item;
			dirs[nk++] = colon ? colon : "desc";
		}
		nd = nk;
	}
	for (int i = 0; i < req->nquery; i++) {
		if (strcmp(req->query[i].key, "sort_key") == 0 && nk < MAX_SORT_KEYS)
			keys[nk++] = req->query[i].value ? req->query[i].value : "";
		else if (strcmp(req->query[i].key, "sort_dir") == 0 && nd < MAX_SORT_KEYS)
			dirs[nd++] = req->query[i].value ? req->query[i].value : "";
	}
	if (nk == 0)
		keys[nk++] = "created_at";
	if (nd > nk)
		return http_error(res, 400, "The number of sort_dir values exceeds sort_key's.");
	for (int i = 0; i < nk; i++) {
		/* A single sort_dir applies to every key (Glance). */
		const char *d = i < nd ? dirs[i] : nd == 1 ? dirs[0] : "desc";
		spec[i].key = -1;
		for (size_t k = 0; k < ARRAY_SIZE(sort_keys); k++)
			if (strcmp(keys[i], sort_keys[k]) == 0)
				spec[i].key = (int)k;
		if (spec[i].key < 0)
			return http_error(res, 400, "Invalid sort key: %s.", keys[i]);
		if (strcmp(d, "asc") != 0 && strcmp(d, "desc") != 0)
			return http_error(res, 400, "Invalid sort direction: %s.", d);
		spec[i].desc = d[0] == 'd';
	}
	spec[nk].key = 5; /* id */
	spec[nk].desc = spec[nk - 1].desc;
	return nk + 1;
}

static int cmp_int(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Compare two images on one key of sort_keys. Nulls sort first. */
static int cmp_key(const struct image *a, const struct image *b, int key)
{
	switch (key) {
	case 0:
		if (a->has_name != b->has_name)
			return a->has_name ? 1 : -1;
		return strcmp(a->name, b->name);
	case 1:
		return strcmp(a->status, b->status);
	case 2:
		return strcmp(a->container_format, b->container_format);
	case 3:
		return strcmp(a->disk_format, b->disk_format);
	case 4:
		return cmp_int(a->size, b->size);
	case 5:
		return strcmp(a->id, b->id);
	case 6:
		return cmp_int(a->created_at, b->created_at);
	case 7:
		return cmp_int(a->updated_at, b->updated_at);
	case 8:
		return strcmp(a->visibility, b->visibility);
	case 9:
		return strcmp(a->owner, b->owner);
	case 10:
		return cmp_int(a->min_disk, b->min_disk);
	case 11:
		return cmp_int(a->min_ram, b->min_ram);
	default:
		return cmp_int(a->virtual_size, b->virtual_size);
	}
}

static int cmp_images(const void *pa, const void *pb, void *ctx)
{
	const struct sort_spec *spec = ctx;

	for (int i = 0;; i++) {
		int c = cmp_key(pa, pb, spec[i].key);
		if (c)
			return spec[i].desc ? -c : c;
		if (spec[i].key == 5)
			return 0;
	}
}

/* Append s to buf percent-encoded for a query value. */
static void url_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.~:,", c))
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

/* "/v2/images?..." with every query argument but marker, then marker. */
static char *list_link(const struct http_request *req, const char *marker)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	char sep = '?';

	if (!f)
		return NULL;
	fputs("/v2/images", f);
	for (int i = 0; i < req->nquery; i++) {
		if (strcmp(req->query[i].key, "marker") == 0)
			continue;
		fputc(sep, f);
		url_escape(f, req->query[i].key);
		fputc('=', f);
		url_escape(f, req->query[i].value ? req->query[i].value : "");
		sep = '&';
	}
	if (marker) {
		fprintf(f, "%cmarker=", sep);
		url_escape(f, marker);
	}
	fclose(f);
	return text;
}

static bool filter_eq(const struct http_request *req, const char *key, const char *val)
{
	const char *want = http_query(req, key);

	return !want || strcmp(want, val) == 0;
}

/* Whether im (props and tags loaded) passes the property and tag filters. */
static bool filter_extras(const struct http_request *req, const struct image *im)
{
	for (int i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key,
			   *v = req->query[i].value ? req->query[i].value : "";
		if (strcmp(k, "tag") == 0) {
			size_t j;
			json_t *t;
			bool found = false;
			json_array_foreach(im->tags, j, t) found =
			    found || strcmp(json_string_value(t), v) == 0;
			if (!found)
				return false;
		} else if (!is_one_of(k, list_params, ARRAY_SIZE(list_params))) {
			const char *p = json_string_value(json_object_get(im->props, k));
			if (!p || strcmp(p, v) != 0)
				return false;
		}
	}
	return true;
}

static bool has_extra_filters(const struct http_request *req)
{
	for (int i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].key, "tag") == 0 ||
		    !is_one_of(req->query[i].key, list_params, ARRAY_SIZE(list_params)))
			return true;
	return false;
}

/* Whether the list shows im under the visibility filter vis (NULL: the
 * default listing - public, the caller's own, and for admin everything). */
static bool list_visible(const struct caller *c, const struct image *im, const char *vis)
{
	/* The default listing leaves out community images of others (Glance
	 * lists them only when asked): the caller sees them as if private. */
	bool public = strcmp(im->visibility, "public") == 0;

	if (!vis)
		return public || policy_allows(c, "image:get_image",
					       &(struct target){ .project_id = im->owner });
	if (strcmp(vis, "all") == 0)
		return image_visible(c, im);
	return strcmp(im->visibility, vis) == 0 && image_visible(c, im);
}

/* Parse an optional non-negative integer query argument. */
static int query_int(struct http_request *req, struct http_response *res, const char *key,
		     int64_t *out)
{
	const char *v = http_query(req, key);
	char *end;
	long long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < 0)
		return http_error(res, 400, "Invalid value for %s: %s.", key, v);
	*out = n;
	return 1;
}

int h_image_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *marker = http_query(req, "marker"), *vis = http_query(req, "visibility");
	const char *hidden = http_query(req, "os_hidden"), *prot = http_query(req, "protected");
	int64_t limit = LIST_DEFAULT_LIMIT, size_min = -1, size_max = -1;
	bool extras = has_extra_filters(req), past_marker = !marker, more = false;
	int want_hidden = 0, want_prot = -1;
	struct sort_spec spec[MAX_SORT_KEYS + 1];
	char last[IMAGE_ID_LEN + 1] = "";
	struct image *all = NULL;
	size_t n = 0, i;
	json_t *list, *body;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (query_int(req, res, "limit", &limit) < 0 ||
	    query_int(req, res, "size_min", &size_min) < 0 ||
	    query_int(req, res, "size_max", &size_max) < 0)
		return -1;
	if (limit > LIST_MAX_LIMIT)
		limit = LIST_MAX_LIMIT;
	if (vis && strcmp(vis, "public") != 0 && strcmp(vis, "private") != 0 &&
	    strcmp(vis, "shared") != 0 && strcmp(vis, "community") != 0 && strcmp(vis, "all") != 0)
		return http_error(res, 400, "Invalid visibility value: %s", vis);
	if (hidden && (want_hidden = parse_bool(hidden)) < 0)
		return http_error(res, 400, "Invalid value for os_hidden: %s.", hidden);
	if (prot && (want_prot = parse_bool(prot)) < 0)
		return http_error(res, 400, "Invalid value for protected: %s.", prot);
	if (list_order(req, res, spec) < 0)
		return -1;
	/* Every row's core columns, sorted here: a private cloud holds
	 * hundreds of images, not millions, and the order stays one
	 * function for both store back ends. */
	r = image_load_all(st, &all, &n);
	if (r < 0)
		return http_error_errno(res, r, "images");
	if (n)
		qsort_r(all, n, sizeof(*all), cmp_images, spec);
	list = json_array();
	for (i = 0; i < n; i++) {
		struct image im = all[i];

		if (!past_marker) {
			if (strcmp(im.id, marker) == 0 && image_visible(&req->caller, &im))
				past_marker = true;
			continue;
		}
		if (!list_visible(&req->caller, &im, vis) || !filter_eq(req, "name", im.name) ||
		    (http_query(req, "name") && !im.has_name) ||
		    !filter_eq(req, "status", im.status) || !filter_eq(req, "owner", im.owner) ||
		    !filter_eq(req, "id", im.id) ||
		    !filter_eq(req, "disk_format", im.disk_format) ||
		    !filter_eq(req, "container_format", im.container_format) ||
		    (hidden ? im.os_hidden != want_hidden : im.os_hidden) ||
		    (want_prot >= 0 && im.protected_ != want_prot) ||
		    (size_min >= 0 && im.size < size_min) ||
		    (size_max >= 0 && (im.size < 0 || im.size > size_max)))
			continue;
		if (extras || (int64_t)json_array_size(list) < limit) {
			if (image_load_extras(st, &im) < 0) {
				image_free(&im);
				r = -EIO;
				break;
			}
			if (extras && !filter_extras(req, &im)) {
				image_free(&im);
				continue;
			}
		}
		if ((int64_t)json_array_size(list) >= limit) {
			more = true;
			image_free(&im);
			break;
		}
		json_array_append_new(list, image_render(&im));
		snprintf(last, sizeof(last), "%s", im.id);
		image_free(&im);
	}
	free(all);
	if (r < 0) {
		json_decref(list);
		return http_error_errno(res, r, "images");
	}
	if (!past_marker) {
		json_decref(list);
		return http_error(res, 400, "marker not found: %s", marker);
	}
	body = json_pack("{s:o,s:s}", "images", list, "schema", "/v2/schemas/images");
	{
		char *first = list_link(req, NULL);
		json_object_set_new(body, "first", first ? json_string(first) : json_null());
		free(first);
	}
	if (more && last[0]) {
		char *next = list_link(req, last);
		if (next)
			json_object_set_new(body, "next", json_string(next));
		free(next);
	}
	return http_reply(res, 200, body);
}
