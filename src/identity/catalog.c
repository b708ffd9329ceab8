/* catalog.c - regions, services and endpoints, and the catalog built from
 * them that tokens carry. */
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

#define REGION_COLS   "id, description, parent_region_id"
#define SERVICE_COLS  "id, type, name, description, enabled"
#define ENDPOINT_COLS "id, service_id, interface, url, region_id, enabled"

static json_t *render_region(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, 0), *parent = store_text(q, 2);

	return json_pack("{s:s,s:s,s:o,s:o}", "id", id, "description", store_text(q, 1),
			 "parent_region_id", parent ? json_string(parent) : json_null(), "links",
			 render_links(req, "regions", id));
}

static json_t *render_service(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, 0);

	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:o}", "id", id, "type", store_text(q, 1), "name",
			 store_text(q, 2), "description", store_text(q, 3), "enabled",
			 store_bool(q, 4), "links", render_links(req, "services", id));
}

static json_t *render_endpoint(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, 0), *region = store_text(q, 4);
	json_t *jr = region ? json_string(region) : json_null();

	return json_pack("{s:s,s:s,s:s,s:s,s:O,s:o,s:b,s:o}", "id", id, "service_id",
			 store_text(q, 1), "interface", store_text(q, 2), "url", store_text(q, 3),
			 "region_id", jr, "region", jr, "enabled", store_bool(q, 5), "links",
			 render_links(req, "endpoints", id));
}

/* --- regions --- */

int h_region_list(struct http_request *req, struct http_response *res)
{
	return reply_list(req, res, "regions", render_region,
			  "SELECT " REGION_COLS
			  " FROM region WHERE (?1 IS NULL OR parent_region_id = ?1)"
			  " ORDER BY id",
			  "s", http_query(req, "parent_region_id"));
}

int h_region_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, "SELECT " REGION_COLS " FROM region WHERE id = ?", "region_id",
			 "region", render_region);
}

int h_region_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "id", J_STRING, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "parent_region_id", J_STRING_NULL, false, 255 },
	};
	json_t *rg;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "region", fields, ARRAY_SIZE(fields), &rg);
	char id[256];
	struct store_stmt *q = NULL;
	struct store *st;
	const char *desc;
	int r;

	if (!body)
		return -1;
	if (json_str(rg, "id") && !json_str(rg, "id")[0])
		return http_error(res, 400, "Invalid input for field 'id': must not be empty.");
	if (json_str(rg, "id"))
		snprintf(id, sizeof(id), "%s", json_str(rg, "id"));
	else
		id_new(id);
	desc = json_str(rg, "description");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_exec(st,
		       "INSERT INTO region (id, description, parent_region_id, revision)"
		       " VALUES (?, ?, ?, ?)",
		       "sssi", id, desc ? desc : "", json_str(rg, "parent_region_id"),
		       store_txn_revision(st));
	if (r == -EEXIST)
		r = http_error(res, 409,
			       "Conflict occurred attempting to store region - Duplicate ID, %s.",
			       id);
	if (r == -ENOLINK)
		r = http_error(res, 404, "Could not find region: %s.",
			       json_str(rg, "parent_region_id"));
	if (write_end(req, res, st, r, "region") < 0)
		return -1;
	r = store_query(st, &q, "SELECT " REGION_COLS " FROM region WHERE id = ?", "s", id);
	return reply_row(req, res, 201, "region", render_region, r, q, "region", id);
}

int h_region_delete(struct http_request *req, struct http_response *res)
{
	return reply_delete(req, res, "DELETE FROM region WHERE id = ?", "region_id", "region",
			    NULL);
}

/* --- services --- */

int h_service_list(struct http_request *req, struct http_response *res)
{
	return reply_list(req, res, "services", render_service,
			  "SELECT " SERVICE_COLS " FROM service WHERE (?1 IS NULL OR type = ?1)"
			  " AND (?2 IS NULL OR name = ?2) ORDER BY type",
			  "ss", http_query(req, "type"), http_query(req, "name"));
}

int h_service_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, "SELECT " SERVICE_COLS " FROM service WHERE id = ?",
			 "service_id", "service", render_service);
}

int h_service_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "type", J_STRING, true, 255 },
		{ "name", J_STRING, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "enabled", J_BOOL, false, 0 },
	};
	json_t *sv;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "service", fields, ARRAY_SIZE(fields), &sv);
	char id[ID_HEX_LEN + 1];
	struct store_stmt *q = NULL;
	struct store *st;
	const char *name, *desc;
	int r;

	if (!body)
		return -1;
	if (!json_str(sv, "type")[0])
		return http_error(res, 400, "Invalid input for field 'type': must not be empty.");
	name = json_str(sv, "name");
	desc = json_str(sv, "description");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	id_new(id);
	r = store_exec(st,
		       "INSERT INTO service (id, type, name, description, enabled, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?)",
		       "ssssbi", id, json_str(sv, "type"), name ? name : "", desc ? desc : "",
		       !json_is_false(json_object_get(sv, "enabled")), store_txn_revision(st));
	if (write_end(req, res, st, r, "service") < 0)
		return -1;
	r = store_query(st, &q, "SELECT " SERVICE_COLS " FROM service WHERE id = ?", "s", id);
	return reply_row(req, res, 201, "service", render_service, r, q, "service", id);
}

int h_service_delete(struct http_request *req, struct http_response *res)
{
	return reply_delete(req, res, "DELETE FROM service WHERE id = ?", "service_id", "service",
			    NULL);
}

/* --- endpoints --- */

int h_endpoint_list(struct http_request *req, struct http_response *res)
{
	return reply_list(req, res, "endpoints", render_endpoint,
			  "SELECT " ENDPOINT_COLS
			  " FROM endpoint WHERE (?1 IS NULL OR service_id = ?1)"
			  " AND (?2 IS NULL OR interface = ?2) AND (?3 IS NULL OR region_id = ?3)"
			  " ORDER BY service_id, interface",
			  "sss", http_query(req, "service_id"), http_query(req, "interface"),
			  http_query(req, "region_id"));
}

int h_endpoint_get(struct http_request *req, struct http_response *res)
{
	return reply_get(req, res, "SELECT " ENDPOINT_COLS " FROM endpoint WHERE id = ?",
			 "endpoint_id", "endpoint", render_endpoint);
}

int h_endpoint_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "service_id", J_STRING, true, 64 },	 { "interface", J_STRING, true, 8 },
		{ "url", J_STRING, true, 1024 },	 { "region_id", J_STRING_NULL, false, 255 },
		{ "region", J_STRING_NULL, false, 255 }, { "enabled", J_BOOL, false, 0 },
	};
	json_t *ep;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "endpoint", fields, ARRAY_SIZE(fields), &ep);
	const char *iface, *region, *url;
	char id[ID_HEX_LEN + 1];
	struct store_stmt *q = NULL;
	struct store *st;
	int r;

	if (!body)
		return -1;
	iface = json_str(ep, "interface");
	url = json_str(ep, "url");
	region = json_str(ep, "region_id") ? json_str(ep, "region_id") : json_str(ep, "region");
	if (strcmp(iface, "public") != 0 && strcmp(iface, "internal") != 0 &&
	    strcmp(iface, "admin") != 0)
		return http_error(
		    res, 400,
		    "Invalid input for field 'interface': must be one of public, internal, admin.");
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return http_error(res, 400,
				  "Invalid input for field 'url': must be an http(s) URL.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	id_new(id);
	r = identity_exists(st, "SELECT 1 FROM service WHERE id = ?", json_str(ep, "service_id"));
	if (r == 0)
		r = http_error(res, 400, "Could not find service: %s.", json_str(ep, "service_id"));
	if (r > 0 && region) {
		r = identity_exists(st, "SELECT 1 FROM region WHERE id = ?", region);
		if (r == 0)
			r = http_error(res, 400, "Could not find region: %s.", region);
	}
	if (r > 0)
		r = store_exec(st,
			       "INSERT INTO endpoint (id, service_id, interface, url, region_id,"
			       " enabled, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       "sssssbi", id, json_str(ep, "service_id"), iface, url, region,
			       !json_is_false(json_object_get(ep, "enabled")),
			       store_txn_revision(st));
	if (write_end(req, res, st, r, "endpoint") < 0)
		return -1;
	r = store_query(st, &q, "SELECT " ENDPOINT_COLS " FROM endpoint WHERE id = ?", "s", id);
	return reply_row(req, res, 201, "endpoint", render_endpoint, r, q, "endpoint", id);
}

int h_endpoint_delete(struct http_request *req, struct http_response *res)
{
	return reply_delete(req, res, "DELETE FROM endpoint WHERE id = ?", "endpoint_id",
			    "endpoint", NULL);
}

/* --- the catalog in tokens --- */

json_t *catalog_load(struct store *st)
{
	struct store_stmt *q;
	json_t *cat = json_array(), *svc = NULL;
	const char *cur = NULL;
	int r;

	r = store_query(
	    st, &q,
	    "SELECT s.id, s.type, s.name, e.id, e.interface, e.url, e.region_id"
	    " FROM service s LEFT JOIN endpoint e ON e.service_id = s.id AND e.enabled = 1"
	    " WHERE s.enabled = 1 ORDER BY s.type, s.id, e.interface",
	    "");
	if (r < 0) {
		json_decref(cat);
		return NULL;
	}
	while ((r = store_next(q)) > 0) {
		const char *sid = store_text(q, 0);
		if (!cur || strcmp(cur, sid) != 0) {
			svc = json_pack("{s:[],s:s,s:s,s:s}", "endpoints", "id", sid, "type",
					store_text(q, 1), "name", store_text(q, 2));
			json_array_append_new(cat, svc);
			cur = json_string_value(json_object_get(svc, "id"));
		}
		if (store_text(q, 3)) {
			const char *region = store_text(q, 6);
			json_t *jr = region ? json_string(region) : json_null();
			json_array_append_new(json_object_get(svc, "endpoints"),
					      json_pack("{s:s,s:s,s:O,s:o,s:s}", "id",
							store_text(q, 3), "interface",
							store_text(q, 4), "region_id", jr, "region",
							jr, "url", store_text(q, 5)));
		}
	}
	store_done(q);
	if (r < 0) {
		json_decref(cat);
		return NULL;
	}
	return cat;
}
