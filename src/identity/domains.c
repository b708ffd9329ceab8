/* domains.c - /v3/domains: CRUD. A domain must be disabled before it is
 * deleted, as in Keystone. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"
#include "store/store.h"

#define GET_DOMAIN "SELECT " DOMAIN_COLS " FROM domain WHERE id = ?"

static const struct jfield domain_fields[] = {
	{ "name", J_STRING, false, 64 },   { "description", J_STRING_NULL, false, 65535 },
	{ "enabled", J_BOOL, false, 0 },   { "tags", J_ARRAY, false, 0 },
	{ "options", J_OBJECT, false, 0 },
};

int h_domain_list(struct http_request *req, struct http_response *res)
{
	int64_t enabled, *en;

	if (query_bool(req, res, "enabled", &enabled, &en) < 0)
		return -1;
	return reply_list(req, res, "domains", render_domain,
			  "SELECT " DOMAIN_COLS " FROM domain WHERE (?1 IS NULL OR name = ?1)"
			  " AND (?2 IS NULL OR enabled = ?2) ORDER BY name",
			  "sp", http_query(req, "name"), en);
}

int h_domain_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, GET_DOMAIN, "domain_id", "domain", render_domain);
}

static int check_domain_body(struct http_response *res, const json_t *d)
{
	const char *name = json_str(d, "name");

	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	if (json_array_size(json_object_get(d, "tags")) > 0 ||
	    json_object_size(json_object_get(d, "options")) > 0)
		return http_error(res, 400,
				  "Invalid input: domain tags and options are not supported.");
	return 0;
}

int h_domain_create(struct http_request *req, struct http_response *res)
{
	json_t *d;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "domain", domain_fields, ARRAY_SIZE(domain_fields), &d);
	char id[ID_HEX_LEN + 1];
	struct store_stmt *q = NULL;
	const char *name, *desc;
	struct store *st;
	int r;

	if (!body)
		return -1;
	name = json_str(d, "name");
	if (!name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (check_domain_body(res, d) < 0)
		return -1;
	desc = json_str(d, "description");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	id_new(id);
	r = store_exec(st,
		       "INSERT INTO domain (id, name, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "sssbi", id, name, desc ? desc : "",
		       !json_is_false(json_object_get(d, "enabled")), store_txn_revision(st));
	if (r == -EEXIST)
		r = http_error(
		    res, 409,
		    "Conflict occurred attempting to store domain - Duplicate entry found with name %s.",
		    name);
	if (write_end(req, res, st, r, "domain") < 0)
		return -1;
	r = store_query(st, &q, GET_DOMAIN, "s", id);
	return reply_row(req, res, 201, "domain", render_domain, r, q, "domain", id);
}

int h_domain_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	json_t *d;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "domain", domain_fields, ARRAY_SIZE(domain_fields), &d);
	struct store_stmt *q = NULL;
	const json_t *en;
	struct store *st;
	int64_t enabled;
	int r;

	if (!body)
		return -1;
	if (check_domain_body(res, d) < 0)
		return -1;
	en = json_object_get(d, "enabled");
	enabled = json_is_true(en);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_exec(st,
		       "UPDATE domain SET name = COALESCE(?, name), description = COALESCE(?,"
		       " description), enabled = COALESCE(?, enabled), revision = ? WHERE id = ?",
		       "sspis", json_str(d, "name"), json_str(d, "description"),
		       en ? &enabled : NULL, store_txn_revision(st), id);
	if (r == 0)
		r = http_error(res, 404, "Could not find domain: %s.", id);
	if (r == -EEXIST)
		r = http_error(
		    res, 409,
		    "Conflict occurred attempting to store domain - Duplicate entry found with name %s.",
		    json_str(d, "name"));
	if (r > 0 && json_is_false(en))
		r = identity_revoke(st, NULL, NULL, id, NULL);
	if (write_end(req, res, st, r, "domain") < 0)
		return -1;
	r = store_query(st, &q, GET_DOMAIN, "s", id);
	return reply_row(req, res, 200, "domain", render_domain, r, q, "domain", id);
}

int h_domain_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "domain_id");
	struct store *st = api_write_begin(req, res);
	struct store_stmt *q = NULL;
	int r;

	if (!st)
		return -1;
	r = store_query(st, &q, "SELECT enabled FROM domain WHERE id = ?", "s", id);
	if (r == 0) {
		r = store_next(q);
		if (r > 0 && store_bool(q, 0))
			r = http_error(
			    res, 403,
			    "Cannot delete a domain that is enabled, please disable it first.");
		store_done(q);
	}
	if (r == 0)
		r = http_error(res, 404, "Could not find domain: %s.", id);
	if (r > 0)
		r = store_exec(st, "DELETE FROM domain WHERE id = ?", "s", id);
	if (r == -ENOLINK)
		r = http_error(res, 409,
			       "Cannot delete domain %s: it still owns projects or users.", id);
	if (write_end(req, res, st, r, "domain") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
