/* flavors.c - the flavor resource (the flavor and flavor_extra_spec
 * tables; private flavors only for those os-flavor-access allows) and the
 * handlers of /compute/v2.1/flavors and their extra specs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

#define GET_FLAVOR "SELECT " FLAVOR_COLS " FROM flavor WHERE id = ?"

/* The detailed flavor (show, detail, create, update) in the request's
 * microversion. Columns of FLAVOR_COLS: 0 id, 1 name, 2 vcpus, 3 ram,
 * 4 disk, 5 ephemeral, 6 swap, 7 rxtx_factor, 8 is_public, 9 description. */
static json_t *render_flavor(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, 0), *desc = store_text(q, 9);
	json_t *f = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o,s:f,s:b,s:b,s:o}", "id", id, "name",
			      store_text(q, 1), "vcpus", store_int(q, 2), "ram", store_int(q, 3),
			      "disk", store_int(q, 4), "OS-FLV-EXT-DATA:ephemeral",
			      store_int(q, 5), "swap",
			      store_int(q, 6) ? json_integer(store_int(q, 6)) : json_string(""),
			      "rxtx_factor", 1.0, "os-flavor-access:is_public", store_bool(q, 8),
			      "OS-FLV-DISABLED:disabled", 0, "links",
			      nova_links(req, "flavors", id));

	if (microversion_at_least(req, 2, 55))
		json_object_set_new(f, "description", desc ? json_string(desc) : json_null());
	/* 2.61: the extra specs, to callers Nova's os-flavor-extra-specs:index
	 * allows (project readers and admins by default); others get the
	 * flavor without them. Never in the brief list. */
	if (microversion_at_least(req, 2, 61) &&
	    policy_allows(&req->caller, "os_compute_api:os-flavor-extra-specs:index", NULL))
		json_object_set_new(f, "extra_specs", flavor_extra_specs(basalt_store(req->b), id));
	return f;
}

static json_t *render_flavor_brief(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, 0), *desc = store_text(q, 9);
	json_t *f = json_pack("{s:s,s:s,s:o}", "id", id, "name", store_text(q, 1), "links",
			      nova_links(req, "flavors", id));

	if (microversion_at_least(req, 2, 55))
		json_object_set_new(f, "description", desc ? json_string(desc) : json_null());
	return f;
}

/* Who sees which flavor, as Nova: by default the public ones and the
 * private ones the caller's project has access to (os-flavor-access);
 * admins may ask for the private ones only (?is_public=false) or all
 * (?is_public=none), and see any flavor by id. Nova's order is its own
 * (here: smallest RAM first, then id); the marker is the last flavor of
 * the previous page. */
#define LIST_FLAVORS                                                                               \
	"SELECT " FLAVOR_COLS " FROM flavor f WHERE (?1 = -1 OR (?1 = 0 AND is_public = 0)"      \
	"  OR (?1 = 1 AND (is_public = 1 OR EXISTS (SELECT 1 FROM flavor_access a"               \
	"   WHERE a.flavor_id = f.id AND a.project_id = ?7))))"                                   \
	" AND (?2 IS NULL OR vcpus >= ?2) AND (?3 IS NULL OR ram >= ?3)"                           \
	" AND (?4 IS NULL OR disk >= ?4)"                                                          \
	" AND (?5 IS NULL OR ram > (SELECT ram FROM flavor WHERE id = ?5)"                         \
	"  OR (ram = (SELECT ram FROM flavor WHERE id = ?5) AND id > ?5))"                         \
	" ORDER BY ram, id LIMIT ?6"

/* Nova's osapi_max_limit: the longest page. */
#define FLAVOR_MAX_LIMIT 1000

static int list(struct http_request *req, struct http_response *res, nova_render_fn render)
{
	const char *args[4] = { http_query(req, "minVcpus"), http_query(req, "minRam"),
				http_query(req, "minDisk"), http_query(req, "limit") };
	const char *pub = http_query(req, "is_public"), *marker = http_query(req, "marker");
	const char *project = req->caller.project_id ? req->caller.project_id : "";
	int64_t v[4], mode = 1;
	const int64_t *p[4];
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	int r;

	for (int i = 0; i < 4; i++) {
		char *end;
		p[i] = NULL;
		if (!args[i])
			continue;
		v[i] = strtoll(args[i], &end, 10);
		if (!*args[i] || *end || v[i] < 0)
			return http_error(res, 400, "Invalid input for query parameters %s. Value: %s.",
					  i == 3 ? "limit" : i == 2 ? "minDisk" : i ? "minRam" : "minVcpus",
					  args[i]);
		p[i] = &v[i];
	}
	/* Only admins choose (Nova ignores is_public for others). */
	if (pub && policy_allows(&req->caller, "os_compute_api:os-flavor-access", NULL)) {
		int b = strcasecmp(pub, "none") == 0 ? -1 : nova_bool(pub);
		if (b < -1)
			return http_error(res, 400, "Invalid is_public filter [%s]", pub);
		mode = b;
	}
	if (!p[3] || v[3] > FLAVOR_MAX_LIMIT)
		v[3] = FLAVOR_MAX_LIMIT;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (marker) {
		r = store_query(st, &q, "SELECT 1 FROM flavor WHERE id = ?", "s", marker);
		if (r >= 0) {
			r = store_next(q);
			store_done(q);
		}
		if (r < 0)
			return http_error_errno(res, r, "flavors");
		if (r == 0)
			return http_error(res, 400, "marker [%s] not found", marker);
	}
	r = store_query(st, &q, LIST_FLAVORS, "ipppsis", mode, p[0], p[1], p[2], marker, v[3],
			project);
	if (r < 0)
		return http_error_errno(res, r, "flavors");
	if (nova_reply_rows(req, res, "flavors", render, q) < 0)
		return -1;
	nova_next_link(req, res, "flavors", render == render_flavor ? "flavors/detail" : "flavors",
		       v[3], "id");
	return 0;
}

int h_flavor_list(struct http_request *req, struct http_response *res)
{
	return list(req, res, render_flavor_brief);
}

int h_flavor_detail(struct http_request *req, struct http_response *res)
{
	return list(req, res, render_flavor);
}

int nova_bool(const char *s)
{
	static const char *const yes[] = { "t", "y" }, *const no[] = { "f", "n" };
	int b = parse_bool(s);

	for (size_t i = 0; b < 0 && i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			b = 1;
		if (strcasecmp(s, no[i]) == 0)
			b = 0;
	}
	return b < 0 ? -EINVAL : b;
}

int flavor_find(struct store *st, const struct caller *c, const char *id, struct flavor *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, GET_FLAVOR, "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(out->id, sizeof(out->id), "%s", store_text(q, 0));
		snprintf(out->name, sizeof(out->name), "%s", store_text(q, 1));
		out->vcpus = store_int(q, 2);
		out->ram = store_int(q, 3);
		out->disk = store_int(q, 4);
		out->ephemeral = store_int(q, 5);
		out->swap = store_int(q, 6);
		out->is_public = store_bool(q, 8);
	}
	store_done(q);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	if (out->is_public || policy_allows(c, "os_compute_api:os-flavor-access", NULL))
		return 0;
	r = flavor_access_has(st, id, c->project_id);
	return r < 0 ? r : r ? 0 : -ENOENT;
}

/* 0 when the caller may see flavor id, else Nova's 404 in res. */
static int flavor_visible(struct http_request *req, struct http_response *res, struct store *st,
			  const char *id)
{
	struct flavor fl;
	int r = flavor_find(st, &req->caller, id, &fl);

	if (r == -ENOENT)
		return http_error(res, 404, "Flavor %s could not be found.", id);
	return r < 0 ? http_error_errno(res, r, "flavor") : 0;
}

int h_flavor_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "flavor_id");

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (flavor_visible(req, res, st, id) < 0)
		return -1;
	return nova_reply_one(req, res, 200, "flavor", render_flavor, "Flavor", id, GET_FLAVOR,
			      "s", id);
}

/* Nova accepts integers, or strings of digits, for sizes. -1 if neither. */
static int64_t int_field(const json_t *obj, const char *name, int64_t def, int64_t min)
{
	const json_t *v = json_object_get(obj, name);
	int64_t n;

	if (!v)
		return def;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0]) {
		char *end;
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			return -1;
	} else {
		return -1;
	}
	return n < min || n > INT32_MAX ? -1 : n;
}

int h_flavor_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, true, 255 },
		{ "id", J_ANY, false, 0 },
		{ "ram", J_ANY, true, 0 },
		{ "vcpus", J_ANY, true, 0 },
		{ "disk", J_ANY, true, 0 },
		{ "OS-FLV-EXT-DATA:ephemeral", J_ANY, false, 0 },
		{ "swap", J_ANY, false, 0 },
		{ "rxtx_factor", J_ANY, false, 0 },
		{ "os-flavor-access:is_public", J_ANY, false, 0 },
		{ "description", J_STRING_NULL, false, 65535 },
	};
	json_t *f;
	_cleanup_json_ json_t *body = api_body_object(req, res, "flavor", fields, ARRAY_SIZE(fields), &f);
	const json_t *jid, *jpub;
	char id[256];
	int pub = 1;
	int64_t ram, vcpus, disk, eph, swap;
	struct nova_fault nf = { "" };
	struct flavor fl;
	struct store *st;
	int r;

	if (!body)
		return -1;
	ram = int_field(f, "ram", 0, 1);
	vcpus = int_field(f, "vcpus", 0, 1);
	disk = int_field(f, "disk", 0, 0);
	eph = int_field(f, "OS-FLV-EXT-DATA:ephemeral", 0, 0);
	swap = int_field(f, "swap", 0, 0);
	if (ram < 0 || vcpus < 0 || disk < 0 || eph < 0 || swap < 0)
		return http_error(res, 400, "Invalid input for field/attribute flavor: ram and vcpus must be positive integers; disk, ephemeral and swap non-negative integers.");
	if (!json_str(f, "name")[0] || strspn(json_str(f, "name"), " ") == strlen(json_str(f, "name")))
		return http_error(res, 400, "Invalid input for field/attribute name: must not be empty.");
	if (json_object_get(f, "description") && !microversion_at_least(req, 2, 55))
		return http_error(res, 400, "Invalid input for field/attribute flavor. Value: description needs microversion 2.55.");
	jpub = json_object_get(f, "os-flavor-access:is_public");
	if (jpub) {
		pub = json_is_boolean(jpub) ? json_is_true(jpub)
		      : json_is_string(jpub) ? nova_bool(json_string_value(jpub))
					     : -EINVAL;
		if (pub < 0)
			return http_error(res, 400, "Invalid input for field/attribute os-flavor-access:is_public. Value: %s. It is not a boolean.", json_is_string(jpub) ? json_string_value(jpub) : "(not a string)");
	}
	/* Nova takes a string or a number; none (or null) makes a uuid. */
	jid = json_object_get(f, "id");
	if (json_is_string(jid) && json_string_length(jid) > 0 && json_string_length(jid) < sizeof(id))
		snprintf(id, sizeof(id), "%s", json_string_value(jid));
	else if (json_is_integer(jid))
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(jid));
	else if (!jid || json_is_null(jid))
		uuid_new(id);
	else
		return http_error(res, 400, "Invalid input for field/attribute id.");
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. ") != strlen(id))
		return http_error(res, 400, "Invalid input for field/attribute id: only letters, digits, '-', '_', '.' and spaces.");
	fl = (struct flavor){ .vcpus = vcpus, .ram = ram, .disk = disk, .ephemeral = eph,
			      .swap = swap,
			      .is_public = pub };
	snprintf(fl.id, sizeof(fl.id), "%s", id);
	snprintf(fl.name, sizeof(fl.name), "%s", json_str(f, "name"));
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = flavor_insert(st, &fl, json_str(f, "description"), &nf);
	if (r < 0)
		nova_error(res, r, &nf, "flavor");
	if (api_write_end(res, st, r, "flavor") < 0)
		return -1;
	return nova_reply_one(req, res, 200, "flavor", render_flavor, "Flavor", id, GET_FLAVOR,
			      "s", id);
}

int h_flavor_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "flavor_id");
	struct store *st = api_write_begin(req, res);
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return -1;
	r = flavor_delete(st, id, &f);
	if (r < 0)
		nova_error(res, r, &f, "flavor");
	if (api_write_end(res, st, r, "flavor") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

int flavor_insert(struct store *st, const struct flavor *fl, const char *description,
		  struct nova_fault *f)
{
	int r = store_exec(st,
			   "INSERT INTO flavor (id, name, vcpus, ram, disk, ephemeral, swap, is_public,"
			   " description, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   "ssiiiiibsi", fl->id, fl->name, fl->vcpus, fl->ram, fl->disk, fl->ephemeral,
			   fl->swap, fl->is_public, description, store_txn_revision(st));

	if (r == -EEXIST)
		return nova_fail(f, r, "Flavor with name %s or ID %s already exists.", fl->name,
				 fl->id);
	return r < 0 ? r : 0;
}

int flavor_delete(struct store *st, const char *id, struct nova_fault *f)
{
	/* Servers keep a copy of their flavor: deleting one never breaks them. */
	int r = store_exec(st, "DELETE FROM flavor WHERE id = ?", "s", id);

	if (r == 0)
		return nova_fail(f, -ENOENT, "Flavor %s could not be found.", id);
	return r < 0 ? r : 0;
}

int flavor_specs_set(struct store *st, const char *id, const json_t *specs)
{
	const char *k;
	json_t *v;
	int r = 0;

	json_object_foreach((json_t *)specs, k, v) {
		r = store_exec(st, "DELETE FROM flavor_extra_spec WHERE flavor_id = ? AND spec_key = ?",
			       "ss", id, k);
		if (r >= 0)
			r = store_exec(st,
				       "INSERT INTO flavor_extra_spec (flavor_id, spec_key, spec_value,"
				       " revision) VALUES (?, ?, ?, ?)",
				       "sssi", id, k, json_string_value(v), store_txn_revision(st));
		if (r < 0)
			return r;
	}
	return 0;
}

int flavor_spec_delete(struct store *st, const char *id, const char *key, struct nova_fault *f)
{
	int r = store_exec(st, "DELETE FROM flavor_extra_spec WHERE flavor_id = ? AND spec_key = ?",
			   "ss", id, key);

	if (r == 0)
		return nova_fail(f, -ENOENT, "Flavor %s has no extra specs with key %s.", id, key);
	return r < 0 ? r : 0;
}

json_t *flavor_extra_specs(struct store *st, const char *id)
{
	struct store_stmt *q;
	json_t *specs = json_object();

	if (store_query(st, &q, "SELECT spec_key, spec_value FROM flavor_extra_spec WHERE flavor_id = ?",
			"s", id) < 0)
		return specs;
	while (store_next(q) > 0)
		json_object_set_new(specs, store_text(q, 0), json_string(store_text(q, 1)));
	store_done(q);
	return specs;
}

int h_flavor_specs_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "flavor_id");

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (flavor_visible(req, res, st, id) < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:o}", "extra_specs", flavor_extra_specs(st, id)));
}

int h_flavor_specs_set(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "flavor_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *specs = json_object_get(body, "extra_specs"), *v;
	struct store *st;
	const char *k;
	int r = 0;

	if (!body)
		return -1;
	if (!json_is_object(specs) || json_object_size(body) != 1)
		return http_error(res, 400, "Invalid input for field/attribute extra_specs: expected {\"extra_specs\": {...}}.");
	json_object_foreach(specs, k, v)
		if (!json_is_string(v) || strlen(k) == 0 || strlen(k) > 255 || json_string_length(v) > 255)
			return http_error(res, 400, "Invalid input for field/attribute extra_specs: keys and values are strings of 1 to 255 characters.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = flavor_visible(req, res, st, id);
	if (r >= 0)
		r = flavor_specs_set(st, id, specs);
	if (api_write_end(res, st, r, "extra spec") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:O}", "extra_specs", specs));
}

int h_flavor_spec_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "flavor_id"), *key = http_param(req, "key");
	_cleanup_json_ json_t *specs = NULL;
	json_t *v;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (flavor_visible(req, res, st, id) < 0)
		return -1;
	specs = flavor_extra_specs(st, id);
	v = json_object_get(specs, key);
	if (!v)
		return http_error(res, 404, "Flavor %s has no extra specs with key %s.", id, key);
	return http_reply(res, 200, json_pack("{s:O}", key, v));
}

int h_flavor_spec_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "flavor_id"), *key = http_param(req, "key");
	struct store *st = api_write_begin(req, res);
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return -1;
	r = flavor_spec_delete(st, id, key, &f);
	if (r < 0)
		nova_error(res, r, &f, "extra spec");
	if (api_write_end(res, st, r, "extra spec") < 0)
		return -1;
	return http_reply(res, 200, NULL);
}

/* PUT /flavors/{id}/os-extra_specs/{key} with {key: value}: one key, the
 * path's. */
int h_flavor_spec_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "flavor_id"), *key = http_param(req, "key");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *v = json_object_get(body, key);
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (!json_is_object(body) || json_object_size(body) == 0)
		return http_error(res, 400, "Invalid input for field/attribute extra_specs: expected {\"%s\": \"value\"}.", key);
	if (json_object_size(body) > 1)
		return http_error(res, 400, "Request body contains too many items");
	if (!v)
		return http_error(res, 400, "Request body and URI mismatch");
	if (!json_is_string(v) || json_string_length(v) > 255)
		return http_error(res, 400, "Invalid input for field/attribute %s: a string of at most 255 characters.", key);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = flavor_visible(req, res, st, id);
	if (r >= 0)
		r = flavor_specs_set(st, id, body);
	if (api_write_end(res, st, r, "extra spec") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:O}", key, v));
}

/* PUT /flavors/{id} (2.55): only the description changes. */
int h_flavor_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = { { "description", J_STRING_NULL, true, 65535 } };
	const char *id = http_param(req, "flavor_id");
	json_t *f;
	_cleanup_json_ json_t *body = NULL;
	struct store *st;
	int r;

	if (!microversion_at_least(req, 2, 55))
		return http_error(res, 404, "The resource could not be found.");
	body = api_body_object(req, res, "flavor", fields, ARRAY_SIZE(fields), &f);
	if (!body)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = flavor_visible(req, res, st, id);
	if (r >= 0)
		r = store_exec(st, "UPDATE flavor SET description = ?, revision = ? WHERE id = ?",
			       "sis", json_str(f, "description"), store_txn_revision(st), id);
	if (api_write_end(res, st, r, "flavor") < 0)
		return -1;
	return nova_reply_one(req, res, 200, "flavor", render_flavor, "Flavor", id, GET_FLAVOR,
			      "s", id);
}
