/* handler.c - what every identity handler shares: the end of the write
 * transaction, boolean filters and PATCH bodies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <string.h>

#include "basalt.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

int write_end(struct http_request *req, struct http_response *res, struct store *st, int r,
	      const char *what)
{
	if (api_write_end(res, st, r, what) < 0)
		return -1;
	identity_cache_invalidate(req->b);
	return 0;
}

int query_bool(struct http_request *req, struct http_response *res, const char *name, int64_t *val,
	       int64_t **ptr)
{
	const char *v = http_query(req, name);
	int b;

	*ptr = NULL;
	if (!v)
		return 0;
	b = parse_bool(v);
	if (b < 0)
		return http_error(res, 400, "Invalid value for filter '%s': %s.", name, v);
	*val = b;
	*ptr = val;
	return 0;
}

json_t *patch_object(struct http_response *res, json_t *obj, const char *key, const char *path_id)
{
	const char *id = json_str(obj, "id");

	if (json_object_size(obj) == 0) {
		http_error(res, 400,
			   "Invalid input for field '%s': {} does not have enough properties.", key);
		return NULL;
	}
	if (json_object_get(obj, "id") && (!id || strcmp(id, path_id) != 0)) {
		http_error(res, 400, "Cannot change ID");
		return NULL;
	}
	return obj;
}

int tag_valid(struct http_response *res, const json_t *t, const char *field)
{
	char pre[64] = "";
	const char *s = json_string_value(t);

	if (field)
		snprintf(pre, sizeof(pre), "Invalid input for field '%s': ", field);
	if (!s)
		return http_error(res, 400, "%s%s is not of type 'string'", pre,
				  json_is_null(t) ? "None" : "the value");
	if (!s[0])
		return http_error(res, 400, "%s'' is too short", pre);
	if (strlen(s) > PROJECT_TAG_MAX_LEN)
		return http_error(res, 400, "%s'%.32s...' is too long", pre, s);
	if (strpbrk(s, ",/"))
		return http_error(res, 400, "%s'%s' does not match '^[^,/]*$'", pre, s);
	return 0;
}

int tags_parse(struct http_response *res, const json_t *v, const char **buf,
	       const char *const **tags, int *ntags, const char *field)
{
	char name[32];
	size_t i, j;

	*ntags = -1;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return http_error(res, 400, "Invalid input for field '%s': not of type 'array'",
				  field);
	if (json_array_size(v) > PROJECT_MAX_TAGS)
		return http_error(res, 400,
				  "Invalid input for field '%s': is too long (at most %d tags)",
				  field, PROJECT_MAX_TAGS);
	for (i = 0; i < json_array_size(v); i++) {
		snprintf(name, sizeof(name), "%s/%zu", field, i);
		if (tag_valid(res, json_array_get(v, i), name) < 0)
			return -1;
		buf[i] = json_string_value(json_array_get(v, i));
		for (j = 0; j < i; j++)
			if (strcmp(buf[j], buf[i]) == 0)
				return http_error(
				    res, 400,
				    "Invalid input for field '%s': has non-unique elements ('%s')",
				    field, buf[i]);
	}
	*tags = buf;
	*ntags = (int)i;
	return 0;
}
