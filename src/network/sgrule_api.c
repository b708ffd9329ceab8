/* sgrule_api.c - /network/v2.0/security-group-rules: parse, call
 * secgroup_rules.c, render. */
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

static json_t *render_rule(const struct caller *c, struct store *st, struct store_stmt *q)
{
	(void)c;
	(void)st;
	return l3_sgrule_render(q);
}

int h_sgrule_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "security_group_rules", "security group rules",
						 "get_security_group_rule", network_target_col2,
						 render_rule };

	return network_list_sql(req, res, &l, sgrule_store_list_sql, "");
}

int h_sgrule_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = basalt_store(req->b);
	json_t *rule;
	int err;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	rule = l3_sgrule_load(&req->caller, st, id, &err);
	if (err == -ENOENT)
		return http_error(res, 404, "Security group rule %s does not exist", id);
	if (!rule)
		return http_error_errno(res, err ? err : -EIO, "security group rule");
	return network_show_reply(req, res, 200, "security_group_rule", rule);
}

int h_sgrule_delete(struct http_request *req, struct http_response *res)
{
	return network_delete_reply(req, res, "id", "security group rule", sgrule_remove);
}

int h_sgrule_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "security_group_id", J_STRING, true, 64 },
		{ "direction", J_STRING, true, 16 },
		{ "ethertype", J_STRING, false, 16 },
		{ "protocol", J_ANY, false, 0 },
		{ "port_range_min", J_ANY, false, 0 },
		{ "port_range_max", J_ANY, false, 0 },
		{ "remote_ip_prefix", J_STRING_NULL, false, 64 },
		{ "remote_group_id", J_STRING_NULL, false, 64 },
		{ "remote_address_group_id", J_STRING_NULL, false, 64 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "project_id", J_STRING, false, 64 },
		{ "tenant_id", J_STRING, false, 64 },
	};
	json_t *rule, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "security_group_rule", fields,
						      ARRAY_SIZE(fields), &rule);
	struct net_fault f = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r, err;

	if (!body || !(st = api_write_begin(req, res)))
		return -1;
	r = sgrule_create(req->b, &req->caller, st, rule, id, &f);
	if (r < 0)
		network_fault_reply(res, r, &f, "security group rule");
	else if (!(out = l3_sgrule_load(&req->caller, st, id, &err)))
		r = err ? err : -EIO;
	return network_write_reply(req, res, st, r, "security group rule", 201, "security_group_rule",
				   out);
}
