/* quotas.c - os-quota-sets, os-quota-class-sets and limits: instances,
 * cores and ram per project, defaults from [quota] under the 'default'
 * quota class, enforced at server create (server groups and their
 * members where those are made); Nova's other quota resources kept as
 * set, in the shape of each microversion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

/* What project_id uses of the resources Basalt counts. */
static int usage_of(struct store *st, const char *project_id, struct quota_usage *used)
{
	int r = server_usage(st, project_id, used);
	int64_t n = r < 0 ? 0 : server_group_count(st, project_id);

	used->server_groups = n < 0 ? 0 : n;
	used->server_group_members = 0;
	return r < 0 ? r : n < 0 ? (int)n : 0;
}

int quota_set_one(struct store *st, const char *project_id, const char *resource, int64_t limit)
{
	int r = store_exec(st, "DELETE FROM quota WHERE project_id = ? AND resource = ?", "ss",
			   project_id, resource);

	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO quota (project_id, resource, hard_limit, revision)"
			       " VALUES (?, ?, ?, ?)",
			       "ssii", project_id, resource, limit, store_txn_revision(st));
	return r < 0 ? r : 0;
}

/* Nova's quota resources, and the microversion that dropped each from
 * its API (0: none). Basalt counts and enforces instances, cores, ram,
 * server_groups and server_group_members (defaults from [quota]); the
 * others it keeps as set, unlimited (-1) unless an admin set them, and
 * enforces none of them. */
static const struct {
	const char *name;
	int gone; /* the minor version of 2.x that dropped it */
} resources[] = {
	{ "instances", 0 },	   { "cores", 0 },		 { "ram", 0 },
	{ "metadata_items", 0 },   { "key_pairs", 0 },		 { "server_groups", 0 },
	{ "server_group_members", 0 },
	{ "floating_ips", 36 },	   { "fixed_ips", 36 },		 { "security_groups", 36 },
	{ "security_group_rules", 36 },
	{ "injected_files", 57 },  { "injected_file_content_bytes", 57 },
	{ "injected_file_path_bytes", 57 },
};
#define NRES ARRAY_SIZE(resources)

/* Resource i exists at the request's microversion. */
static bool shown(const struct http_request *req, size_t i)
{
	return !resources[i].gone || !microversion_at_least(req, 2, resources[i].gone);
}

/* Overlay the (resource, limit) rows sql selects for key on lim[]. */
static int limits_overlay(struct store *st, const char *sql, const char *key, int64_t lim[NRES])
{
	struct store_stmt *q;
	int r = store_query(st, &q, sql, "s", key);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		for (size_t i = 0; i < NRES; i++)
			if (strcmp(store_text(q, 0), resources[i].name) == 0)
				lim[i] = store_int(q, 1);
	store_done(q);
	return r;
}

/* The limits of every resource: [quota]'s, then the 'default' quota
 * class's (what every project without its own limit gets), then those of
 * quota class cls (NULL: none), then project_id's own (NULL: none).
 * The one place Basalt's limits come from. 0 or -errno. */
static int limits_load(struct basalt *b, struct store *st, const char *cls,
		       const char *project_id, int64_t lim[NRES])
{
	int r;

	for (size_t i = 0; i < NRES; i++)
		lim[i] = -1;
	lim[0] = b->cfg.quota_instances;
	lim[1] = b->cfg.quota_cores;
	lim[2] = b->cfg.quota_ram;
	lim[5] = b->cfg.quota_server_groups;
	lim[6] = b->cfg.quota_server_group_members;
	r = limits_overlay(st, "SELECT resource, hard_limit FROM quota_class WHERE class_name = ?",
			   "default", lim);
	if (r >= 0 && cls && strcmp(cls, "default") != 0)
		r = limits_overlay(st,
				   "SELECT resource, hard_limit FROM quota_class WHERE class_name = ?",
				   cls, lim);
	if (r >= 0 && project_id)
		r = limits_overlay(st, "SELECT resource, hard_limit FROM quota WHERE project_id = ?",
				   project_id, lim);
	return r < 0 ? r : 0;
}

int quota_get(struct basalt *b, struct store *st, const char *project_id,
	      struct quota_usage *limit, struct quota_usage *used)
{
	int64_t lim[NRES];
	int r = limits_load(b, st, NULL, project_id, lim);

	if (r < 0)
		return r;
	limit->instances = lim[0];
	limit->cores = lim[1];
	limit->ram = lim[2];
	limit->server_groups = lim[5];
	limit->server_group_members = lim[6];
	return used ? usage_of(st, project_id, used) : 0;
}

/* {"id"?, resource: limit | {"limit", "in_use", "reserved"}} for the
 * resources of the request's microversion (used: the detail shape). */
static json_t *quota_set(const struct http_request *req, const char *id, const int64_t lim[NRES],
			 const struct quota_usage *u)
{
	json_t *q = id ? json_pack("{s:s}", "id", id) : json_object();
	int64_t use[NRES] = { u ? u->instances : 0, u ? u->cores : 0, u ? u->ram : 0, 0, 0,
			      u ? u->server_groups : 0, 0 };

	for (size_t i = 0; i < NRES; i++)
		if (shown(req, i))
			json_object_set_new(q, resources[i].name,
					    u ? json_pack("{s:I,s:I,s:i}", "limit", lim[i],
							  "in_use", use[i], "reserved", 0)
					      : json_integer(lim[i]));
	return q;
}

int h_quota_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	/* Dispatch checked the action against the project the path names:
	 * its reader (or an admin) reads it. */
	const char *p = http_param(req, "project_id");
	bool detail = strstr(req->path, "/detail") != NULL;
	struct quota_usage u = { 0 };
	int64_t lim[NRES];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = limits_load(req->b, st, NULL, p, lim);
	if (r >= 0 && detail)
		r = usage_of(st, p, &u);
	if (r < 0)
		return http_error_errno(res, r, "quota");
	return http_reply(res, 200,
			  json_pack("{s:o}", "quota_set", quota_set(req, p, lim, detail ? &u : NULL)));
}

int h_quota_defaults(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	int64_t lim[NRES];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = limits_load(req->b, st, NULL, NULL, lim);
	if (r < 0)
		return http_error_errno(res, r, "quota");
	return http_reply(res, 200, json_pack("{s:o}", "quota_set",
					      quota_set(req, http_param(req, "project_id"), lim, NULL)));
}

/* A quota value as Nova takes it: an integer or a string of one, >= -1. */
static bool quota_value(const json_t *v, int64_t *out)
{
	char *end;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0]) {
		*out = strtoll(json_string_value(v), &end, 10);
		if (*end)
			return false;
	} else {
		return false;
	}
	return *out >= -1 && *out <= INT32_MAX;
}

/* Nova's check of a quota update body {"<wrap>": {resource: value}} whose
 * resources are those ok() takes (and "force" if force): 0, or an answer
 * of 400 sent (-1). */
static int quota_body_check(const struct http_request *req, struct http_response *res,
			    const json_t *body, const char *wrap,
			    bool (*ok)(const struct http_request *, size_t), bool force)
{
	json_t *qs = json_object_get(body, wrap), *v;
	const char *k;
	int64_t val;
	size_t i;

	if (!json_is_object(qs) || json_object_size(body) != 1)
		return http_error(res, 400, "Invalid input: expected {\"%s\": {...}}.", wrap);
	json_object_foreach(qs, k, v) {
		if (force && strcmp(k, "force") == 0 && json_is_boolean(v))
			continue;
		for (i = 0; i < NRES && !(ok(req, i) && strcmp(k, resources[i].name) == 0); i++)
			;
		if (i == NRES)
			return http_error(res, 400, "Invalid input for field/attribute %s. Additional properties are not allowed ('%s' was unexpected)", wrap, k);
		if (!quota_value(v, &val))
			return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. It must be an integer from -1.", k, json_is_string(v) ? json_string_value(v) : "(not an integer)");
	}
	return 0;
}

int h_quota_update(struct http_request *req, struct http_response *res)
{
	const char *p = http_param(req, "project_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *qs = json_object_get(body, "quota_set"), *v;
	int64_t lim[NRES], val;
	struct store *st;
	const char *k;
	int r = 0;

	if (!body)
		return -1;
	if (quota_body_check(req, res, body, "quota_set", shown, true) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	json_object_foreach(qs, k, v) {
		if (strcmp(k, "force") == 0 || r < 0)
			continue;
		quota_value(v, &val);
		r = quota_set_one(st, p, k, val);
	}
	if (r >= 0)
		r = limits_load(req->b, st, NULL, p, lim);
	if (api_write_end(res, st, r, "quota") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:o}", "quota_set", quota_set(req, NULL, lim, NULL)));
}

/* DELETE /os-quota-sets/{project_id}: back to the defaults. */
int h_quota_delete(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = store_exec(st, "DELETE FROM quota WHERE project_id = ?", "s",
		       http_param(req, "project_id"));
	if (api_write_end(res, st, r, "quota") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

/* Nova's absolute limits at the request's microversion (the names of
 * what 2.36 proxied from Neutron, 2.39 image metadata and 2.57 personality
 * files go with them); an admin may ask for another project's with
 * ?tenant_id. */
int h_limits(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *project = req->caller.project_id ? req->caller.project_id : "";
	const char *other = http_query(req, "tenant_id");
	struct quota_usage u;
	int64_t lim[NRES];
	json_t *abs;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (other && policy_allows(&req->caller, "os_compute_api:limits:other_project", NULL))
		project = other;
	r = limits_load(req->b, st, NULL, project, lim);
	if (r >= 0)
		r = usage_of(st, project, &u);
	if (r < 0)
		return http_error_errno(res, r, "limits");
	abs = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "maxTotalInstances",
			lim[0], "maxTotalCores", lim[1], "maxTotalRAMSize", lim[2], "maxServerMeta",
			lim[3], "maxTotalKeypairs", lim[4], "maxServerGroups", lim[5],
			"maxServerGroupMembers", lim[6], "totalInstancesUsed", u.instances,
			"totalCoresUsed", u.cores, "totalRAMUsed", u.ram, "totalServerGroupsUsed", u.server_groups);
	if (!microversion_at_least(req, 2, 36))
		json_object_update_new(abs, json_pack("{s:I,s:I,s:I,s:i,s:i}", "maxTotalFloatingIps",
						      lim[7], "maxSecurityGroups", lim[9],
						      "maxSecurityGroupRules", lim[10],
						      "totalFloatingIpsUsed", 0,
						      "totalSecurityGroupsUsed", 0));
	if (!microversion_at_least(req, 2, 39))
		json_object_set_new(abs, "maxImageMeta", json_integer(lim[3]));
	if (!microversion_at_least(req, 2, 57))
		json_object_update_new(abs, json_pack("{s:I,s:I}", "maxPersonality", lim[11],
						      "maxPersonalitySize", lim[12]));
	return http_reply(res, 200, json_pack("{s:{s:[],s:o}}", "limits", "rate", "absolute", abs));
}

/* os-quota-class-sets (admin only). Nova's quota class API shows the
 * resources of quota sets with its own history: below 2.50 without
 * server_groups and server_group_members, from 2.50 without the network
 * ones (fixed_ips, floating_ips, security_groups, security_group_rules),
 * from 2.57 without the injected files. Its update takes every resource
 * below 2.50 (and no "force"). */
static bool class_shown(const struct http_request *req, size_t i)
{
	if (!microversion_at_least(req, 2, 50))
		return i != 5 && i != 6; /* server_groups, server_group_members */
	return !resources[i].gone || !microversion_at_least(req, 2, resources[i].gone == 36 ? 50 : 57);
}

static bool class_takes(const struct http_request *req, size_t i)
{
	return !microversion_at_least(req, 2, 50) || class_shown(req, i);
}

/* {"quota_class_set": {"id"?: cls, resource: limit}}; new reference. */
static json_t *quota_class_set(const struct http_request *req, const char *cls,
			       const int64_t lim[NRES])
{
	json_t *q = cls ? json_pack("{s:s}", "id", cls) : json_object();

	for (size_t i = 0; i < NRES; i++)
		if (class_shown(req, i))
			json_object_set_new(q, resources[i].name, json_integer(lim[i]));
	return json_pack("{s:o}", "quota_class_set", q);
}

/* GET /os-quota-class-sets/{id}: the defaults, under the class's own
 * limits (a class never set shows the defaults, as in Nova). */
int h_quota_class_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *cls = http_param(req, "class_name");
	int64_t lim[NRES];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = limits_load(req->b, st, cls, NULL, lim);
	if (r < 0)
		return http_error_errno(res, r, "quota class");
	return http_reply(res, 200, quota_class_set(req, cls, lim));
}

/* PUT /os-quota-class-sets/{id}: set the class's limits. The 'default'
 * class's are the limits of every project without its own. */
int h_quota_class_update(struct http_request *req, struct http_response *res)
{
	const char *cls = http_param(req, "class_name");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *qs = json_object_get(body, "quota_class_set"), *v;
	int64_t lim[NRES], val;
	struct store *st;
	const char *k;
	int r = 0;

	if (!body)
		return -1;
	if (strlen(cls) > 255)
		return http_error(res, 400, "quota_class_name has %zu characters, more than 255.",
				  strlen(cls));
	if (quota_body_check(req, res, body, "quota_class_set", class_takes, false) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	json_object_foreach(qs, k, v) {
		if (r < 0)
			break;
		quota_value(v, &val);
		r = store_exec(st, "DELETE FROM quota_class WHERE class_name = ? AND resource = ?",
			       "ss", cls, k);
		if (r >= 0)
			r = store_exec(st,
				       "INSERT INTO quota_class (class_name, resource, hard_limit, revision)"
				       " VALUES (?, ?, ?, ?)",
				       "ssii", cls, k, val, store_txn_revision(st));
	}
	if (r >= 0)
		r = limits_load(req->b, st, cls, NULL, lim);
	if (api_write_end(res, st, r, "quota class") < 0)
		return -1;
	return http_reply(res, 200, quota_class_set(req, NULL, lim));
}
