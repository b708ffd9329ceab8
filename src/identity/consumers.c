/* consumers.c - /v3/OS-OAUTH1/consumers: parse, call consumer.c, render.
 * The secret appears in the create reply only. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

#define COLLECTION "OS-OAUTH1/consumers"

static int add_consumer(void *ctx, const struct consumer *co)
{
	struct render_list *l = ctx;
	json_t *o = json_pack("{s:s,s:o,s:o}", "id", co->id, "description",
			      co->description ? json_string(co->description) : json_null(),
			      "links", render_links(l->req, COLLECTION, co->id));

	return o && json_array_append_new(l->items, o) == 0 ? 0 : -ENOMEM;
}

/* The consumer id as {"consumer": ...}, with secret when not NULL. */
static int reply_consumer(struct http_request *req, struct http_response *res, int status,
			  struct store *st, const char *id, const char *secret)
{
	struct render_list l = { req, json_array() };
	int r = consumer_get(st, &req->caller, id, add_consumer, &l);

	if (r >= 0 && secret)
		json_object_set_new(json_array_get(l.items, 0), "secret", json_string(secret));
	return reply_one(req, res, status, "consumer", l.items, r, "consumer", id);
}

int h_consumer_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	char url[1024];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	r = consumer_list(st, &req->caller, add_consumer, &l);
	if (r < 0) {
		json_decref(l.items);
		return reply_error(req, res, r, "consumers", NULL);
	}
	/* render_list's shape, under the OS-OAUTH1 prefix. */
	snprintf(url, sizeof(url), "%s/v3/" COLLECTION, http_base_url(req));
	return http_reply(res, 200,
			  json_pack("{s:o,s:{s:s,s:n,s:n}}", "consumers", l.items, "links", "self",
				    url, "previous", "next"));
}

int h_consumer_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_consumer(req, res, 200, st, http_param(req, "consumer_id"), NULL);
}

static const struct jfield consumer_fields[] = {
	{ "description", J_STRING_NULL, false, 255 },
};

int h_consumer_create(struct http_request *req, struct http_response *res)
{
	json_t *co;
	_cleanup_json_ json_t *body = api_body_object(req, res, "consumer", consumer_fields,
						      ARRAY_SIZE(consumer_fields), &co);
	char id[ID_HEX_LEN + 1], secret[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = consumer_create(st, &req->caller, json_str(co, "description"), id, secret);
	if (r < 0)
		r = reply_error(req, res, r, "consumer", NULL);
	if (write_end(req, res, st, r, "consumer") < 0)
		return -1;
	r = reply_consumer(req, res, 201, st, id, secret);
	sodium_memzero(secret, sizeof(secret));
	return r;
}

int h_consumer_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "consumer_id");
	json_t *co;
	/* "secret" is refused with the other unknown fields: it never changes. */
	_cleanup_json_ json_t *body = api_body_object(req, res, "consumer", consumer_fields,
						      ARRAY_SIZE(consumer_fields), &co);
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (json_object_size(co) == 0)
		return http_error(res, 400,
				  "Invalid input for field 'consumer': {} does not have enough"
				  " properties.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = consumer_update(st, &req->caller, id, json_str(co, "description"));
	if (r < 0)
		r = reply_error(req, res, r, "consumer", id);
	if (write_end(req, res, st, r, "consumer") < 0)
		return -1;
	return reply_consumer(req, res, 200, st, id, NULL);
}

int h_consumer_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "consumer_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = consumer_delete(st, &req->caller, id);
	if (r < 0)
		r = reply_error(req, res, r, "consumer", id);
	if (write_end(req, res, st, r, "consumer") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
