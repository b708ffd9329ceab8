/* secgroups.c - /network/v2.0/security-groups: groups with their rules,
 * each project's "default" group; and the prefix helpers of l3.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"


/* ---- helpers shared with routers.c and floatingips.c ---- */

const char *l3_body_project(const struct caller *c, const char *action, const json_t *obj,
			    struct http_response *res)
{
	const char *p = json_str(obj, "project_id"), *t = json_str(obj, "tenant_id");

	if (p && t && strcmp(p, t) != 0) {
		http_error(res, 400, "Invalid input: project_id and tenant_id do not match.");
		return NULL;
	}
	if (!p)
		p = t;
	if (!p || !p[0])
		return network_caller_project(c);
	if (!policy_allows(c, action, &(struct target){ .project_id = p })) {
		http_error(res, 403, "Policy doesn't allow the creation of a resource for another project.");
		return NULL;
	}
	return p;
}

int l3_prefix_parse(const char *s, struct l3_prefix *p)
{
	char buf[64], *slash, *end;
	int max;
	long len;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6, max = 128;
	else
		return -EINVAL;
	len = max;
	if (slash) {
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || len < 0 || len > max)
			return -EINVAL;
	}
	p->len = (int)len;
	for (int bit = p->len; bit < max; bit++)
		p->addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
	return 0;
}

void l3_prefix_format(const struct l3_prefix *p, char out[64])
{
	char a[INET6_ADDRSTRLEN] = "";

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(out, 64, "%s/%d", a, p->len);
}

bool l3_prefix_overlap(const struct l3_prefix *a, const struct l3_prefix *b)
{
	int len = a->len < b->len ? a->len : b->len;

	if (a->family != b->family)
		return false;
	for (int bit = 0; bit < len; bit++) {
		unsigned char m = (unsigned char)(0x80 >> (bit % 8));
		if ((a->addr[bit / 8] & m) != (b->addr[bit / 8] & m))
			return false;
	}
	return true;
}

/* ---- rendering ---- */

/* The group id as the caller may see it (new reference; NULL with *err
 * -ENOENT when missing or not the caller's, or another -errno). */
json_t *l3_secgroup_load(const struct caller *c, struct store *st, const char *id,
			  int *err)
{
	char project[65];
	json_t *g = NULL;
	int r = secgroup_store_get(c, st, id, project, &g);

	if (r >= 0 && !policy_allows(c, "get_security_group",
				     &(struct target){ .project_id = project })) {
		json_decref(g);
		g = NULL;
		r = -ENOENT;
	}
	*err = r < 0 ? r : 0;
	return g;
}

json_t *l3_secgroup_find(const struct caller *c, struct store *st, const char *id,
			 struct http_response *res)
{
	int err;
	json_t *g = l3_secgroup_load(c, st, id, &err);

	if (err == -ENOENT)
		http_error(res, 404, "Security group %s does not exist", id);
	else if (!g)
		http_error_errno(res, err ? err : -EIO, "security group");
	return g;
}

/* The rule id as the caller may see it (new reference; NULL, *err set). */
json_t *l3_sgrule_load(const struct caller *c, struct store *st, const char *id,
			 int *err)
{
	char project[65];
	json_t *rule = NULL;
	int r = sgrule_store_get(st, id, project, &rule);

	if (r >= 0 && !policy_allows(c, "get_security_group_rule",
				     &(struct target){ .project_id = project })) {
		json_decref(rule);
		rule = NULL;
		r = -ENOENT;
	}
	*err = r < 0 ? r : 0;
	return rule;
}

/* ---- the default group ---- */


int secgroup_default(struct store *st, const char *project_id, char id[UUID_LEN + 1])
{
	int r = secgroup_store_default_id(st, project_id, id);

	if (r != -ENOENT)
		return r;
	return secgroup_store_insert(st, project_id, "default", "Default security group", true,
				     true, id);
}

/* ---- groups ---- */

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
	g = l3_secgroup_find(&req->caller, st, id, res);
	return g ? network_show_reply(req, res, 200, "security_group", g) : -1;
}

/* Neutron keeps the name "default" for the group it makes itself. */
static int name_not_default(const json_t *sg, struct http_response *res)
{
	const char *name = json_str(sg, "name");

	if (name && strcmp(name, "default") == 0)
		return http_error(res, 409, "Default security group already exists.");
	return 0;
}

int h_secgroup_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING_NULL, false, 255 },	   { "description", J_STRING_NULL, false, 255 },
		{ "stateful", J_BOOL, false, 0 },	   { "project_id", J_STRING, false, 64 },
		{ "tenant_id", J_STRING, false, 64 },
	};
	json_t *sg;
	_cleanup_json_ json_t *body = api_body_object(req, res, "security_group", fields,
						      ARRAY_SIZE(fields), &sg);
	const char *project, *name, *desc;
	char id[UUID_LEN + 1], def[UUID_LEN + 1];
	struct store *st;
	json_t *out;
	int r, err;

	if (!body || name_not_default(sg, res) < 0 || !(project = l3_body_project(&req->caller, "create_security_group", sg, res)))
		return -1;
	if (!project[0])
		return http_error(res, 400, "Invalid input: a security group needs a project.");
	name = json_str(sg, "name") ? json_str(sg, "name") : "";
	desc = json_str(sg, "description") ? json_str(sg, "description") : "";
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = secgroup_default(st, project, def);
	if (r >= 0)
		r = network_quota_reply(req->b, st, project, "security_group", res);
	if (r >= 0)
		r = secgroup_store_insert(st, project, name, desc,
					  !json_is_false(json_object_get(sg, "stateful")), false, id);
	out = r >= 0 ? l3_secgroup_load(&req->caller, st, id, &err) : NULL;
	if (r >= 0 && !out)
		r = -EIO;
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
	json_t *sg, *g = NULL, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "security_group", fields,
						      ARRAY_SIZE(fields), &sg);
	bool stateful = json_is_true(json_object_get(sg, "stateful"));
	struct store *st;
	int r, err;

	if (!body || name_not_default(sg, res) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	g = l3_secgroup_find(&req->caller, st, id, res);
	r = g ? 0 : -1;
	if (r >= 0 && strcmp(json_string_value(json_object_get(g, "name")), "default") == 0 &&
		 json_str(sg, "name"))
		r = http_error(res, 409, "Updating default security group not allowed.");
	if (r >= 0)
		r = secgroup_store_update(
			st, id,
			json_object_get(sg, "name") ? (json_str(sg, "name") ? json_str(sg, "name") : "") : NULL,
			json_object_get(sg, "description")
				? (json_str(sg, "description") ? json_str(sg, "description") : "")
				: NULL,
			json_object_get(sg, "stateful") ? &stateful : NULL);
	if (r >= 0 && !(out = l3_secgroup_load(&req->caller, st, id, &err)))
		r = err ? err : -EIO;
	json_decref(g);
	return network_write_reply(req, res, st, r, "security group", 200, "security_group", out);
}

int h_secgroup_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = api_write_begin(req, res);
	json_t *g;
	int64_t ports = 0;
	int r;

	if (!st)
		return -1;
	g = l3_secgroup_find(&req->caller, st, id, res);
	r = g ? 0 : -1;
	if (r >= 0 && strcmp(json_string_value(json_object_get(g, "name")), "default") == 0 &&
		 !policy_allows(&req->caller, "delete_security_group:default", NULL))
		r = http_error(res, 409, "Insufficient rights for removing default security group.");
	if (r >= 0)
		r = secgroup_store_count_ports(st, id, &ports);
	if (r >= 0 && ports > 0)
		r = http_error(res, 409, "Security Group %s in use.", id);
	if (r >= 0)
		r = secgroup_store_delete(st, id);
	json_decref(g);
	if (api_write_end(res, st, r, "security group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

