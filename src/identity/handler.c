/* handler.c - what every identity handler shares: the end of the write
 * transaction, boolean filters and PATCH bodies. */
#include <errno.h>
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
