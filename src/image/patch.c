/* patch.c - Glance's v2.1 JSON patch (application/openstack-images-v2.1-
 * json-patch): add / replace / remove of core attributes, tags and custom
 * properties, with Glance's answers to what it refuses. Pure: no store,
 * no request, so unit tests drive it directly. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/util.h"
#include "image/image.h"
#include "policy/policy.h"

#define PROP_VALUE_MAX 65535

static int fail(int err, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int err, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return err;
}

/* Decode a JSON pointer "/a/b" into at most two unescaped segments.
 * Returns the number of segments, or -EINVAL. */
static int pointer_split(const char *path, char seg[2][256])
{
	int n = 0;
	size_t o = 0;

	if (path[0] != '/')
		return -EINVAL;
	for (const char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			if (o == 0 || n == 2)
				return -EINVAL;
			seg[n++][o] = '\0';
			o = 0;
			if (!*p)
				break;
			continue;
		}
		if (o + 1 >= 256)
			return -EINVAL;
		if (*p == '~') {
			if (p[1] != '0' && p[1] != '1')
				return -EINVAL;
			seg[n][o++] = p[1] == '0' ? '~' : '/';
			p++;
		} else {
			seg[n][o++] = *p;
		}
	}
	return n;
}

static bool tag_has(const json_t *tags, const char *t)
{
	size_t i;
	json_t *v;

	json_array_foreach(tags, i, v) if (strcmp(json_string_value(v), t) == 0) return true;
	return false;
}

static int tag_check(const json_t *v, char *err, size_t len)
{
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 255)
		return fail(-EINVAL, err, len,
			    "Invalid tag: tags are strings of 1 to 255 characters.");
	return 0;
}

/* A whole new tag list: strings, duplicates dropped (Glance keeps a set). */
static int tags_set(struct image *im, const json_t *v, char *err, size_t len)
{
	json_t *tags;
	size_t i;
	json_t *t;

	if (!json_is_array(v))
		return fail(-EINVAL, err, len,
			    "Invalid value for tags: expected a list of strings.");
	if (json_array_size(v) > 128)
		return fail(-EINVAL, err, len, "Maximum number of tags exceeded (128).");
	tags = json_array();
	if (!tags)
		return fail(-ENOMEM, err, len, "Out of memory.");
	json_array_foreach(v, i, t)
	{
		if (tag_check(t, err, len) < 0) {
			json_decref(tags);
			return -EINVAL;
		}
		if (!tag_has(tags, json_string_value(t)))
			json_array_append(tags, t);
	}
	json_decref(im->tags);
	im->tags = tags;
	return 0;
}

/* /tags/N or /tags/- */
static int tags_index(struct image *im, const char *op, const char *idx, const json_t *v, char *err,
		      size_t len)
{
	size_t n = json_array_size(im->tags), i = 0;
	char *end;

	if (strcmp(idx, "-") == 0) {
		i = n;
	} else {
		unsigned long u = strtoul(idx, &end, 10);
		if (*end || !*idx || (idx[0] == '0' && idx[1]))
			return fail(-EINVAL, err, len, "Invalid JSON pointer: /tags/%s.", idx);
		i = (size_t)u;
	}
	if (strcmp(op, "add") == 0) {
		if (i > n)
			return fail(-EINVAL, err, len, "Invalid tag index %s.", idx);
		if (tag_check(v, err, len) < 0)
			return -EINVAL;
		if (!tag_has(im->tags, json_string_value(v)))
			json_array_insert(im->tags, i, (json_t *)v);
		return 0;
	}
	if (i >= n)
		return fail(-EINVAL, err, len, "Invalid tag index %s.", idx);
	if (strcmp(op, "remove") == 0)
		return json_array_remove(im->tags, i) == 0 ? 0 : -EINVAL;
	if (tag_check(v, err, len) < 0)
		return -EINVAL;
	if (tag_has(im->tags, json_string_value(v)))
		return json_array_remove(im->tags, i) == 0 ? 0 : -EINVAL;
	return json_array_set(im->tags, i, (json_t *)v) == 0 ? 0 : -EINVAL;
}

static int set_bool(bool *dst, const char *name, const json_t *v, char *err, size_t len)
{
	if (!json_is_boolean(v))
		return fail(-EINVAL, err, len, "Invalid value for %s: expected a boolean.", name);
	*dst = json_is_true(v);
	return 0;
}

static int set_int(int64_t *dst, const char *name, const json_t *v, char *err, size_t len)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 2147483647)
		return fail(-EINVAL, err, len, "Invalid value for %s: expected an integer >= 0.",
			    name);
	*dst = json_integer_value(v);
	return 0;
}

/* A core attribute other than tags: add and replace both set it. */
static int core_set(struct image *im, const char *name, const json_t *v, const struct caller *c, char *err,
		    size_t len)
{
	if (strcmp(name, "name") == 0) {
		if (json_is_null(v)) {
			im->has_name = false;
			im->name[0] = '\0';
			return 0;
		}
		if (!json_is_string(v) || json_string_length(v) > 255)
			return fail(
			    -EINVAL, err, len,
			    "Invalid value for name: expected a string of at most 255 characters.");
		snprintf(im->name, sizeof(im->name), "%s", json_string_value(v));
		im->has_name = true;
		return 0;
	}
	if (strcmp(name, "visibility") == 0) {
		const char *s = json_string_value(v);
		if (!s || (strcmp(s, "public") != 0 && strcmp(s, "private") != 0 &&
			   strcmp(s, "shared") != 0 && strcmp(s, "community") != 0))
			return fail(
			    -EINVAL, err, len,
			    "Invalid value for visibility: expected public, private, shared or community.");
		struct target t = { .project_id = im->owner };
		if (strcmp(s, "public") == 0 && strcmp(im->visibility, "public") != 0 &&
		    !policy_allows(c, "image:publicize_image", &t))
			return fail(-EPERM, err, len,
				    "You are not authorized to complete publicize_image action.");
		if (strcmp(s, "community") == 0 && strcmp(im->visibility, "community") != 0 &&
		    !policy_allows(c, "image:communitize_image", &t))
			return fail(-EPERM, err, len,
				    "You are not authorized to complete communitize_image action.");
		snprintf(im->visibility, sizeof(im->visibility), "%s", s);
		return 0;
	}
	if (strcmp(name, "protected") == 0)
		return set_bool(&im->protected_, name, v, err, len);
	if (strcmp(name, "os_hidden") == 0)
		return set_bool(&im->os_hidden, name, v, err, len);
	if (strcmp(name, "min_disk") == 0)
		return set_int(&im->min_disk, name, v, err, len);
	if (strcmp(name, "min_ram") == 0)
		return set_int(&im->min_ram, name, v, err, len);
	if (strcmp(name, "disk_format") == 0 || strcmp(name, "container_format") == 0) {
		bool disk = name[0] == 'd';
		const char *s = json_is_null(v) ? "" : json_string_value(v);
		char *dst = disk ? im->disk_format : im->container_format;
		if (!s || (s[0] &&
			   !(disk ? image_disk_format_valid(s) : image_container_format_valid(s))))
			return fail(-EINVAL, err, len, "Invalid value for %s: '%s'.", name,
				    s ? s : "(not a string)");
		if (strcmp(im->status, "queued") != 0 && strcmp(s, dst) != 0)
			return fail(-EPERM, err, len,
				    "Attribute %s can be only replaced for a queued image.", name);
		snprintf(dst, 16, "%s", s);
		return 0;
	}
	if (strcmp(name, "owner") == 0) {
		if (!policy_allows(c, "image:set_image_owner", NULL))
			return fail(-EPERM, err, len, "Attribute 'owner' is read-only.");
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 64)
			return fail(-EINVAL, err, len, "Invalid value for owner.");
		snprintf(im->owner, sizeof(im->owner), "%s", json_string_value(v));
		return 0;
	}
	return fail(-EINVAL, err, len, "Unknown attribute '%s'.", name);
}

static int apply_one(struct image *im, const json_t *op_obj, const struct caller *c, char *err, size_t len)
{
	const char *op = json_string_value(json_object_get(op_obj, "op"));
	const char *path = json_string_value(json_object_get(op_obj, "path"));
	json_t *v = json_object_get(op_obj, "value");
	char seg[2][256];
	int n;

	if (!json_is_object(op_obj) || !op || !path)
		return fail(-EINVAL, err, len,
			    "Each patch operation must be an object with 'op' and 'path'.");
	if (strcmp(op, "add") != 0 && strcmp(op, "replace") != 0 && strcmp(op, "remove") != 0)
		return fail(-EINVAL, err, len,
			    "Invalid operation: '%s'. It must be one of: add, replace, remove.",
			    op);
	if (strcmp(op, "remove") != 0 && !v)
		return fail(-EINVAL, err, len, "Operation '%s' needs a 'value'.", op);
	n = pointer_split(path, seg);
	if (n < 0)
		return fail(-EINVAL, err, len, "Invalid JSON pointer for this resource: '%s'.",
			    path);
	if (image_attr_is_readonly(seg[0]))
		return fail(-EPERM, err, len, "Attribute '%s' is read-only.", seg[0]);
	if (strcmp(seg[0], "tags") == 0) {
		if (n == 2)
			return tags_index(im, op, seg[1], v, err, len);
		if (strcmp(op, "remove") == 0) {
			json_t *empty = json_array();
			int r = tags_set(im, empty, err, len);
			json_decref(empty);
			return r;
		}
		return tags_set(im, v, err, len);
	}
	if (n != 1)
		return fail(-EINVAL, err, len, "Invalid JSON pointer for this resource: '%s'.",
			    path);
	if (image_attr_is_core(seg[0])) {
		if (strcmp(op, "remove") == 0)
			return fail(-EPERM, err, len, "Cannot remove core attribute '%s'.", seg[0]);
		return core_set(im, seg[0], v, c, err, len);
	}
	/* A custom property. */
	if (strcmp(op, "remove") == 0 || strcmp(op, "replace") == 0) {
		if (!json_object_get(im->props, seg[0]))
			return fail(-ENOENT, err, len, "Property %s does not exist.", seg[0]);
		if (strcmp(op, "remove") == 0)
			return json_object_del(im->props, seg[0]) == 0 ? 0 : -EINVAL;
	}
	if (!json_is_string(v) || json_string_length(v) > PROP_VALUE_MAX)
		return fail(
		    -EINVAL, err, len,
		    "Invalid value for property '%s': expected a string of at most %d characters.",
		    seg[0], PROP_VALUE_MAX);
	if (json_object_size(im->props) >= 128 && !json_object_get(im->props, seg[0]))
		return fail(-EPERM, err, len, "Maximum number of properties exceeded (128).");
	return json_object_set(im->props, seg[0], v) == 0 ? 0 : -ENOMEM;
}

int image_patch_from_v20(const json_t *ops, json_t **out, char *err, size_t len)
{
	static const char *const kinds[] = { "add", "replace", "remove" };
	_cleanup_json_ json_t *v21 = json_array();
	const json_t *e;
	size_t i;

	if (!v21)
		return -ENOMEM;
	if (!json_is_array(ops))
		return fail(-EINVAL, err, len, "Request body must be a JSON array of operation objects.");
	json_array_foreach(ops, i, e) {
		const char *op = NULL;
		json_t *o;
		for (size_t k = 0; json_is_object(e) && k < ARRAY_SIZE(kinds); k++) {
			if (!json_object_get(e, kinds[k]))
				continue;
			if (op)
				return fail(-EINVAL, err, len,
					    "Operation objects must contain only one member named "
					    "\"add\", \"remove\", or \"replace\".");
			op = kinds[k];
		}
		if (!op)
			return fail(-EINVAL, err, len,
				    "Operation objects must contain exactly one member named "
				    "\"add\", \"remove\", or \"replace\".");
		o = json_pack("{s:s,s:O}", "op", op, "path", json_object_get(e, op));
		if (o && json_object_get(e, "value"))
			json_object_set(o, "value", json_object_get(e, "value"));
		if (!o || json_array_append_new(v21, o) < 0)
			return -ENOMEM;
	}
	*out = json_incref(v21);
	return 0;
}

int image_patch_apply(struct image *im, const json_t *ops, const struct caller *c, char *err, size_t errlen)
{
	size_t i;
	json_t *op;
	int r;

	if (!json_is_array(ops))
		return fail(-EINVAL, err, errlen,
			    "Invalid input: the body must be a list of patch operations.");
	json_array_foreach(ops, i, op)
	{
		r = apply_one(im, op, c, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}
