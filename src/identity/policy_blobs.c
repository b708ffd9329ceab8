/* policy_blobs.c - /v3/policies (Keystone's policy blobs): parse, call
 * policy_blob.c, render. */
#include <errno.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

static int add_policy_blob(void *ctx, const struct policy_blob *pb)
{
	struct render_list *l = ctx;
	json_t *o = json_pack("{s:s,s:s,s:s,s:o}", "id", pb->id, "type", pb->type, "blob",
			      pb->blob, "links", render_links(l->req, "policies", pb->id));

	return o && json_array_append_new(l->items, o) == 0 ? 0 : -ENOMEM;
}

static int reply_policy_blob(struct http_request *req, struct http_response *res, int status,
			     struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = policy_blob_get(st, &req->caller, id, add_policy_blob, &l);

	return reply_one(req, res, status, "policy", l.items, r, "policy", id);
}

int h_policy_blob_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "policies", l.items,
			   policy_blob_list(st, &req->caller, http_query(req, "type"),
					    add_policy_blob, &l));
}

int h_policy_blob_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_policy_blob(req, res, 200, st, http_param(req, "policy_id"));
}

static const struct jfield policy_fields[] = {
	{ "blob", J_STRING, false, 65535 },
	{ "type", J_STRING, false, 255 },
};

int h_policy_blob_create(struct http_request *req, struct http_response *res)
{
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "policy", policy_fields, ARRAY_SIZE(policy_fields), &p);
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(policy_fields); i++)
		if (!json_object_get(p, policy_fields[i].name))
			return http_error(res, 400,
					  "Invalid input for field '%s': '%s' is a required property.",
					  policy_fields[i].name, policy_fields[i].name);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = policy_blob_create(st, &req->caller, json_str(p, "type"), json_str(p, "blob"), id);
	if (r < 0)
		r = reply_error(req, res, r, "policy", NULL);
	if (write_end(req, res, st, r, "policy") < 0)
		return -1;
	return reply_policy_blob(req, res, 201, st, id);
}

int h_policy_blob_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "policy_id");
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "policy", policy_fields, ARRAY_SIZE(policy_fields), &p);
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (json_object_size(p) == 0)
		return http_error(res, 400,
				  "Invalid input for field 'policy': {} does not have enough"
				  " properties.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = policy_blob_update(st, &req->caller, id, json_str(p, "type"), json_str(p, "blob"));
	if (r < 0)
		r = reply_error(req, res, r, "policy", id);
	if (write_end(req, res, st, r, "policy") < 0)
		return -1;
	return reply_policy_blob(req, res, 200, st, id);
}

int h_policy_blob_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "policy_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = policy_blob_delete(st, &req->caller, id);
	if (r < 0)
		r = reply_error(req, res, r, "policy", id);
	if (write_end(req, res, st, r, "policy") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
