/* quotas.c - Neutron's quotas: per-project limits (network_quota rows over
 * the [quota] defaults), their usage, and the check every create makes. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/network.h"
#include "network/handlers.h"
#include "store/store.h"

/* Each quota resource, the table its usage counts and its default. */
struct quota_res {
	const char *name, *table;
	size_t cfg_off;
};

#define Q(name, table, field) { name, table, offsetof(struct config, field) }
static const struct quota_res resources[] = {
	Q("network", "network", quota_network),
	Q("subnet", "subnet", quota_subnet),
	Q("port", "port", quota_port),
	Q("router", "router", quota_router),
	Q("floatingip", "floatingip", quota_floatingip),
	Q("security_group", "security_group", quota_security_group),
	Q("security_group_rule", "security_group_rule", quota_security_group_rule),
};

static int default_limit(const struct basalt *b, const struct quota_res *q)
{
	return *(const int *)((const char *)&b->cfg + q->cfg_off);
}

static const struct quota_res *find_res(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(resources); i++)
		if (strcmp(resources[i].name, name) == 0)
			return &resources[i];
	return NULL;
}

/* The limit of q for project_id into *limit (-1: unlimited). */
static int quota_limit(struct basalt *b, struct store *st, const char *project_id,
		       const struct quota_res *q, int64_t *limit)
{
	struct store_stmt *s;
	int r = store_query(st, &s,
			    "SELECT hard_limit FROM network_quota WHERE project_id = ? AND resource = ?",
			    "ss", project_id, q->name);

	if (r < 0)
		return r;
	r = store_next(s);
	*limit = r > 0 ? store_int(s, 0) : default_limit(b, q);
	store_done(s);
	return r < 0 ? r : 0;
}

static int quota_used(struct store *st, const char *project_id, const struct quota_res *q,
		      int64_t *used)
{
	char sql[128];

	/* q->table comes from the table above, never from a request. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE project_id = ?", q->table);
	return network_count(st, used, sql, "s", project_id);
}

int network_quota_allows(struct basalt *b, struct store *st, const char *project_id,
			 const char *resource, int adding)
{
	const struct quota_res *q = find_res(resource);
	int64_t limit, used;
	int r;

	if (!q)
		return -EINVAL;
	r = quota_limit(b, st, project_id, q, &limit);
	if (r >= 0)
		r = quota_used(st, project_id, q, &used);
	if (r < 0)
		return r;
	return limit >= 0 && used + adding > limit ? -EDQUOT : 0;
}

int network_quota_check(struct basalt *b, struct store *st, const char *project_id,
			const char *resource, struct net_fault *f)
{
	int r = network_quota_allows(b, st, project_id, resource, 1);

	return r == -EDQUOT ? net_fault(f, r, NF_QUOTA, resource, NULL) : r;
}

int network_quota_reply(struct basalt *b, struct store *st, const char *project_id,
			const char *resource, struct http_response *res)
{
	struct net_fault f = { 0 };
	int r = network_quota_check(b, st, project_id, resource, &f);

	return r < 0 ? network_fault_reply(res, r, &f, "quota") : 0;
}

/* {"network": L, ...} (or with details {"network": {"limit","used","reserved"}}). */
static json_t *quota_doc(struct basalt *b, struct store *st, const char *project_id,
			 bool details, bool defaults)
{
	json_t *doc = json_object();

	for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
		int64_t limit = default_limit(b, &resources[i]), used = 0;
		if ((!defaults && quota_limit(b, st, project_id, &resources[i], &limit) < 0) ||
		    (details && quota_used(st, project_id, &resources[i], &used) < 0)) {
			json_decref(doc);
			return NULL;
		}
		json_object_set_new(doc, resources[i].name,
				    details ? json_pack("{s:I,s:I,s:i}", "limit", (json_int_t)limit,
							"used", (json_int_t)used, "reserved", 0)
					    : json_integer(limit));
	}
	return doc;
}

static int reply_quota(struct http_request *req, struct http_response *res, bool details,
		       bool defaults)
{
	struct store *st = basalt_store(req->b);
	const char *pid = http_param(req, "project_id");
	json_t *doc;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	doc = quota_doc(req->b, st, pid, details, defaults);
	store_rollback(st);
	if (!doc)
		return http_error_errno(res, -EIO, "quota");
	return http_reply(res, 200, json_pack("{s:o}", "quota", doc));
}

int h_net_quota_get(struct http_request *req, struct http_response *res)
{
	return reply_quota(req, res, false, false);
}

int h_net_quota_details(struct http_request *req, struct http_response *res)
{
	return reply_quota(req, res, true, false);
}

int h_net_quota_default(struct http_request *req, struct http_response *res)
{
	return reply_quota(req, res, false, true);
}

/* Projects with limits of their own, as Neutron lists them. */
int h_net_quota_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_t *list;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_begin_read(st);
	if (r >= 0)
		r = store_query(st, &q, "SELECT DISTINCT project_id FROM network_quota ORDER BY project_id", "");
	if (r < 0) {
		store_rollback(st);
		return http_error_errno(res, r, "quota");
	}
	list = json_array();
	while ((r = store_next(q)) > 0) {
		json_t *doc = quota_doc(req->b, st, store_text(q, 0), false, false);
		if (!doc) {
			r = -EIO;
			break;
		}
		json_object_set_new(doc, "project_id", json_string(store_text(q, 0)));
		json_object_set_new(doc, "tenant_id", json_string(store_text(q, 0)));
		json_array_append_new(list, doc);
	}
	store_done(q);
	store_rollback(st);
	if (r < 0) {
		json_decref(list);
		return http_error_errno(res, r, "quota");
	}
	return http_reply(res, 200, json_pack("{s:o}", "quotas", list));
}

int h_net_quota_update(struct http_request *req, struct http_response *res)
{
	const char *pid = http_param(req, "project_id"), *k;
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *quota = json_object_get(body, "quota"), *v, *doc;
	struct store *st;
	int r = 0;

	if (!body)
		return -1;
	if (!json_is_object(quota) || json_object_size(body) != 1)
		return http_error(res, 400, "Invalid input: the body must be {\"quota\": {...}}.");
	json_object_foreach(quota, k, v) {
		if (!find_res(k))
			return http_error(res, 400, "Unrecognized attribute(s) '%.64s'", k);
		if (!json_is_integer(v) || json_integer_value(v) < -1 ||
		    json_integer_value(v) > INT32_MAX)
			return http_error(res, 400, "Invalid input for %s. Reason: '%s' is not an integer greater than or equal to -1.", k, k);
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	json_object_foreach(quota, k, v) {
		r = store_exec(st, "DELETE FROM network_quota WHERE project_id = ? AND resource = ?",
			       "ss", pid, k);
		if (r >= 0)
			r = store_exec(st,
				       "INSERT INTO network_quota (project_id, resource, hard_limit,"
				       " revision) VALUES (?, ?, ?, ?)",
				       "ssii", pid, k, (int64_t)json_integer_value(v),
				       store_txn_revision(st));
		if (r < 0)
			break;
	}
	doc = r >= 0 ? quota_doc(req->b, st, pid, false, false) : NULL;
	if (r >= 0 && !doc)
		r = -EIO;
	if (api_write_end(res, st, r, "quota") < 0) {
		json_decref(doc);
		return -1;
	}
	return http_reply(res, 200, json_pack("{s:o}", "quota", doc));
}

int h_net_quota_delete(struct http_request *req, struct http_response *res)
{
	const char *pid = http_param(req, "project_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = store_exec(st, "DELETE FROM network_quota WHERE project_id = ?", "s", pid);
	if (api_write_end(res, st, r, "quota") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
