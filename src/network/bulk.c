/* bulk.c - POST to a collection of networks, subnets or ports: one
 * {"network": {...}} or Neutron's bulk create {"networks": [{...}, ...]},
 * every item checked and created as a single create does it (fields,
 * policy with its attribute rules, quota, IPAM), all in one write
 * transaction: one refused, none made. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/network.h"
#include "store/store.h"

int network_item_check(struct http_response *res, const json_t *item,
		       const struct jfield *fields, size_t nfields)
{
	char err[256];

	if (json_check(item, fields, nfields, err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	return 0;
}

/* Create every item of list in st; their renderings into out (a new
 * array). -1 with res filled by the item that failed. */
static int create_all(struct http_request *req, struct http_response *res, struct store *st,
		      const struct network_creator *k, json_t *list, json_t *out)
{
	json_t *item;
	size_t i;

	json_array_foreach(list, i, item) {
		char id[UUID_LEN + 1];
		json_t *o;
		if (!json_is_object(item))
			return http_error(res, 400, "Invalid input: each of %s must be an object.",
					  k->collection);
		if (k->create(req, res, st, item, id) < 0)
			return -1;
		if (!(o = k->render(&req->caller, st, id)))
			return http_error_errno(res, -EIO, k->member);
		json_array_append_new(out, o);
	}
	return 0;
}

static int bulk(struct http_request *req, struct http_response *res,
		const struct network_creator *k, json_t *list)
{
	_cleanup_json_ json_t *out = json_array();
	struct store *st;
	int r;

	if (json_array_size(list) == 0)
		return http_error(res, 400, "Resources required");
	if (!out)
		return http_error_errno(res, -ENOMEM, k->collection);
	if (!(st = api_write_begin(req, res)))
		return -1;
	r = create_all(req, res, st, k, list, out);
	if (api_write_end(res, st, r, k->collection) < 0)
		return -1;
	return http_reply(res, 201, json_pack("{s:O}", k->collection, out));
}

int network_create_reply(struct http_request *req, struct http_response *res,
			 const struct network_creator *k)
{
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *item, *out = NULL;
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (json_is_object(body) && json_object_size(body) == 1 &&
	    json_is_array(json_object_get(body, k->collection)))
		return bulk(req, res, k, json_object_get(body, k->collection));
	item = json_object_get(body, k->member);
	if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_object(item))
		return http_error(res, 400, "Invalid input: the body must be {\"%s\": {...}}.",
				  k->member);
	if (!(st = api_write_begin(req, res)))
		return -1;
	r = k->create(req, res, st, item, id);
	if (r >= 0 && !(out = k->render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, k->member, 201, k->member, out);
}
