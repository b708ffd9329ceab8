/* quotas.c - os-quota-sets and limits: instances, cores and ram per
 * project, defaults from [quota], enforced at server create. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

int quota_get(struct basalt *b, struct store *st, const char *project_id,
	      struct quota_usage *limit, struct quota_usage *used)
{
	struct store_stmt *q;
	int r;

	limit->instances = b->cfg.quota_instances;
	limit->cores = b->cfg.quota_cores;
	limit->ram = b->cfg.quota_ram;
	r = store_query(st, &q, "SELECT resource, hard_limit FROM quota WHERE project_id = ?", "s",
			project_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		const char *name = store_text(q, 0);
		int64_t v = store_int(q, 1);
		if (strcmp(name, "instances") == 0)
			limit->instances = v;
		else if (strcmp(name, "cores") == 0)
			limit->cores = v;
		else if (strcmp(name, "ram") == 0)
			limit->ram = v;
	}
	store_done(q);
	if (r < 0 || !used)
		return r;
	return server_usage(st, project_id, used);
}

int quota_update(struct basalt *b, struct store *st, const char *project_id, const json_t *qs,
		 struct quota_usage *limit)
{
	const char *k;
	json_t *v;
	int r = 0;

	json_object_foreach((json_t *)qs, k, v) {
		if (strcmp(k, "force") == 0)
			continue;
		r = store_exec(st, "DELETE FROM quota WHERE project_id = ? AND resource = ?", "ss",
			       project_id, k);
		if (r >= 0)
			r = store_exec(st,
				       "INSERT INTO quota (project_id, resource, hard_limit, revision)"
				       " VALUES (?, ?, ?, ?)",
				       "ssii", project_id, k, (int64_t)json_integer_value(v),
				       store_txn_revision(st));
		if (r < 0)
			return r;
	}
	return quota_get(b, st, project_id, limit, NULL);
}

static json_t *quota_set(const char *id, const struct quota_usage *l, const struct quota_usage *u)
{
	json_t *q = json_pack("{s:s}", "id", id);
	const char *names[] = { "instances", "cores", "ram" };
	int64_t lim[] = { l->instances, l->cores, l->ram };
	int64_t use[] = { u ? u->instances : 0, u ? u->cores : 0, u ? u->ram : 0 };

	for (int i = 0; i < 3; i++)
		json_object_set_new(q, names[i],
				    u ? json_pack("{s:I,s:I,s:I}", "limit", lim[i], "in_use", use[i],
						  "reserved", (json_int_t)0)
				      : json_integer(lim[i]));
	/* Resources Basalt does not limit show as unlimited, as Nova does. */
	static const char *const unlimited[] = { "key_pairs", "metadata_items",
						 "server_groups", "server_group_members",
						 "injected_files", "injected_file_content_bytes",
						 "injected_file_path_bytes" };
	for (size_t i = 0; i < ARRAY_SIZE(unlimited); i++)
		json_object_set_new(q, unlimited[i],
				    u ? json_pack("{s:i,s:i,s:i}", "limit", -1, "in_use", 0,
						  "reserved", 0)
				      : json_integer(-1));
	return q;
}

int h_quota_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	/* Dispatch checked the action against the project the path names:
	 * its reader (or an admin) reads it. */
	const char *p = http_param(req, "project_id");
	struct quota_usage l, u;
	bool detail = strstr(req->path, "/detail") != NULL;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = quota_get(req->b, st, p, &l, &u);
	if (r < 0)
		return http_error_errno(res, r, "quota");
	return http_reply(res, 200, json_pack("{s:o}", "quota_set", quota_set(p, &l, detail ? &u : NULL)));
}

int h_quota_defaults(struct http_request *req, struct http_response *res)
{
	struct quota_usage l = { req->b->cfg.quota_instances, req->b->cfg.quota_cores,
				 req->b->cfg.quota_ram };

	return http_reply(res, 200, json_pack("{s:o}", "quota_set",
					      quota_set(http_param(req, "project_id"), &l, NULL)));
}

int h_quota_update(struct http_request *req, struct http_response *res)
{
	const char *p = http_param(req, "project_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *qs = json_object_get(body, "quota_set"), *v;
	struct quota_usage l;
	struct store *st;
	const char *k;
	int r;

	if (!body)
		return -1;
	if (!json_is_object(qs) || json_object_size(body) != 1)
		return http_error(res, 400, "Invalid input: expected {\"quota_set\": {...}}.");
	json_object_foreach(qs, k, v) {
		if (strcmp(k, "force") == 0 && json_is_boolean(v))
			continue;
		if (strcmp(k, "instances") != 0 && strcmp(k, "cores") != 0 && strcmp(k, "ram") != 0)
			return http_error(res, 400, "Invalid input for field/attribute quota_set. Additional properties are not allowed ('%s' was unexpected)", k);
		if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > INT32_MAX)
			return http_error(res, 400, "Invalid input for field/attribute %s: must be an integer from -1.", k);
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = quota_update(req->b, st, p, qs, &l);
	if (api_write_end(res, st, r, "quota") < 0)
		return -1;
	json_t *set = quota_set(p, &l, NULL);
	json_object_del(set, "id");
	return http_reply(res, 200, json_pack("{s:o}", "quota_set", set));
}

int h_limits(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct quota_usage l, u;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = quota_get(req->b, st, req->caller.project_id ? req->caller.project_id : "", &l, &u);
	if (r < 0)
		return http_error_errno(res, r, "limits");
	return http_reply(
		res, 200,
		json_pack("{s:{s:[],s:{s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:i,s:i,s:i,s:i,s:i}}}", "limits",
			  "rate", "absolute", "maxTotalInstances", l.instances, "maxTotalCores",
			  l.cores, "maxTotalRAMSize", l.ram, "totalInstancesUsed", u.instances,
			  "totalCoresUsed", u.cores, "totalRAMUsed", u.ram, "maxTotalKeypairs", -1,
			  "maxServerMeta", -1, "maxPersonality", -1, "maxPersonalitySize", -1,
			  "maxServerGroups", -1, "maxServerGroupMembers", -1));
}
