/* secgroup_api.c - /network/v2.0/security-groups: parse, call
 * secgroups.c, render; and the create-body project of routers, floating
 * IPs and rules. */
#include <errno.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

const char *l3_body_project(const struct caller *c, const char *action, const json_t *obj,
			    struct http_response *res)
{
	struct net_fault f = { 0 };
	const char *p = NULL;
	int r = l3_project_of(c, action, json_str(obj, "project_id"), json_str(obj, "tenant_id"),
			      &p, &f);

	if (r < 0) {
		network_fault_reply(res, r, &f, "project");
		return NULL;
	}
	return p;
}

/* The group id as c may see it, or NULL with the refusal in res. */
static json_t *secgroup_find(const struct caller *c, struct store *st, const char *id,
			 struct http_response *res)
{
	struct net_fault f = { 0 };
	json_t *g = NULL;
	int r = l3_secgroup_for(c, st, id, &g, &f);

	if (r < 0)
		network_fault_reply(res, r, &f, "security group");
	return g;
}

int h_secgroup_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "security_groups", "security groups",
						 "get_security_group", network_target_col2,
						 secgroup_store_render_row };
	const char *project = network_caller_project(&req->caller);
	struct store *st = api_write_begin(req, res);
	json_t *rows = NULL;
	char def[UUID_LEN + 1];
	int r;

	if (!st)
		return -1;
	/* Neutron makes the caller's default group the first time it looks. */
	r = project[0] ? secgroup_default(st, project, def) : 0;
	if (r >= 0)
		rows = network_list_rows(&req->caller, st, &l, &r, secgroup_store_list_sql, "");
	if (api_write_end(res, st, r, "security groups") < 0) {
		json_decref(rows);
		return -1;
	}
	return network_list_reply(req, res, "security_groups", rows);
}

int h_secgroup_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = basalt_store(req->b);
	json_t *g;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	g = secgroup_find(&req->caller, st, id, res);
	return g ? network_show_reply(req, res, 200, "security_group", g) : -1;
}

/* The group id as shown after a write (r < 0 kept). */
static json_t *written(const struct caller *c, struct store *st, const char *id, int *r)
{
	json_t *out = NULL;
	int err;

	if (*r >= 0 && !(out = l3_secgroup_load(c, st, id, &err)))
		*r = err ? err : -EIO;
	return out;
}

int h_secgroup_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING_NULL, false, 255 },	   { "description", J_STRING_NULL, false, 255 },
		{ "stateful", J_BOOL, false, 0 },	   { "project_id", J_STRING, false, 64 },
		{ "tenant_id", J_STRING, false, 64 },
	};
	json_t *sg, *out;
	_cleanup_json_ json_t *body = api_body_object(req, res, "security_group", fields,
						      ARRAY_SIZE(fields), &sg);
	struct net_fault f = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body || !(st = api_write_begin(req, res)))
		return -1;
	const struct secgroup_spec s = {
		.name = json_str(sg, "name"),
		.description = json_str(sg, "description"),
		.project_id = json_str(sg, "project_id"),
		.tenant_id = json_str(sg, "tenant_id"),
		.stateful = !json_is_false(json_object_get(sg, "stateful")),
	};
	r = secgroup_create(req->b, &req->caller, st, &s, id, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "security group");
	out = written(&req->caller, st, id, &r);
	return network_write_reply(req, res, st, r, "security group", 201, "security_group", out);
}

int h_secgroup_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING_NULL, false, 255 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "stateful", J_BOOL, false, 0 },
	};
	const char *id = http_param(req, "id");
	json_t *sg, *out;
	_cleanup_json_ json_t *body = api_body_object(req, res, "security_group", fields,
						      ARRAY_SIZE(fields), &sg);
	bool stateful = json_is_true(json_object_get(sg, "stateful"));
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body || !(st = api_write_begin(req, res)))
		return -1;
	const struct secgroup_change ch = {
		.name = network_text_or_empty(sg, "name"),
		.description = network_text_or_empty(sg, "description"),
		.name_null = json_is_null(json_object_get(sg, "name")),
		.stateful = json_object_get(sg, "stateful") ? &stateful : NULL,
	};
	r = secgroup_update(&req->caller, st, id, &ch, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "security group");
	out = written(&req->caller, st, id, &r);
	return network_write_reply(req, res, st, r, "security group", 200, "security_group", out);
}

int h_secgroup_delete(struct http_request *req, struct http_response *res)
{
	return network_delete_reply(req, res, "id", "security group", secgroup_remove);
}
