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

#define SG_COLS "id, name, project_id, description, stateful, created_at, updated_at, revision"

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

static json_t *int_or_null(struct store_stmt *q, int col)
{
	return store_text(q, col) ? json_integer(store_int(q, col)) : json_null();
}

static json_t *text_or_null(struct store_stmt *q, int col)
{
	return store_text(q, col) ? json_string(store_text(q, col)) : json_null();
}

/* One row of RULE_COLS as the API shows it (new reference). */
json_t *l3_sgrule_render(struct store_stmt *q)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", store_text(q, 0),
			      "security_group_id", store_text(q, 1), "project_id", store_text(q, 2),
			      "tenant_id", store_text(q, 2), "description", store_text(q, 3),
			      "direction", store_text(q, 4), "ethertype", store_text(q, 5));
	struct l3_prefix p;
	char norm[64];

	json_object_set_new(r, "protocol", text_or_null(q, 6));
	json_object_set_new(r, "port_range_min", int_or_null(q, 7));
	json_object_set_new(r, "port_range_max", int_or_null(q, 8));
	json_object_set_new(r, "remote_ip_prefix", text_or_null(q, 9));
	json_object_set_new(r, "remote_group_id", text_or_null(q, 10));
	json_object_set_new(r, "remote_address_group_id", json_null());
	if (store_text(q, 9) && l3_prefix_parse(store_text(q, 9), &p) == 0) {
		l3_prefix_format(&p, norm);
		json_object_set_new(r, "normalized_cidr", json_string(norm));
	} else {
		json_object_set_new(r, "normalized_cidr", json_null());
	}
	json_object_set_new(r, "created_at", network_time(store_int(q, 11)));
	json_object_set_new(r, "updated_at", network_time(store_int(q, 12)));
	json_object_set_new(r, "revision_number", json_integer(store_int(q, 13)));
	json_object_set_new(r, "tags", json_array());
	return r;
}

/* The rules of group_id (new reference, NULL on error). */
static json_t *group_rules(struct store *st, const char *group_id)
{
	struct store_stmt *q;
	json_t *list;
	int r = store_query(st, &q,
			    "SELECT " RULE_COLS " FROM security_group_rule WHERE security_group_id = ?"
			    " ORDER BY created_at, id",
			    "s", group_id);

	if (r < 0)
		return NULL;
	list = json_array();
	while ((r = store_next(q)) > 0)
		json_array_append_new(list, l3_sgrule_render(q));
	store_done(q);
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* One row of SG_COLS with its rules (new reference, NULL on error). */
static json_t *render_group(const struct caller *c, struct store *st,
			    struct store_stmt *q)
{
	json_t *rules = group_rules(st, store_text(q, 0));

	if (!rules)
		return NULL;
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:I,s:[],s:b}", "id",
			 store_text(q, 0), "name", store_text(q, 1), "project_id", store_text(q, 2),
			 "tenant_id", store_text(q, 2), "description", store_text(q, 3), "stateful",
			 store_bool(q, 4), "security_group_rules", rules, "created_at",
			 network_time(store_int(q, 5)), "updated_at", network_time(store_int(q, 6)),
			 "revision_number", (json_int_t)store_int(q, 7), "tags", "shared", 0);
}

/* The group id as the caller may see it (new reference; NULL with *err
 * -ENOENT when missing or not the caller's, or another -errno). */
json_t *l3_secgroup_load(const struct caller *c, struct store *st, const char *id,
			  int *err)
{
	struct store_stmt *q;
	json_t *g = NULL;
	int r = store_query(st, &q, "SELECT " SG_COLS " FROM security_group WHERE id = ?", "s", id);

	if (r >= 0) {
		r = store_next(q);
		if (r == 0 || (r > 0 && !policy_allows(c, "get_security_group",
						       &(struct target){ .project_id = store_text(q, 2) })))
			r = -ENOENT;
		else if (r > 0 && !(g = render_group(c, st, q)))
			r = -EIO;
		store_done(q);
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
	struct store_stmt *q;
	json_t *rule = NULL;
	int r = store_query(st, &q, "SELECT " RULE_COLS " FROM security_group_rule WHERE id = ?",
			    "s", id);

	if (r >= 0) {
		r = store_next(q);
		if (r == 0 || (r > 0 && !policy_allows(c, "get_security_group_rule",
						       &(struct target){ .project_id = store_text(q, 2) })))
			r = -ENOENT;
		else if (r > 0)
			rule = l3_sgrule_render(q);
		store_done(q);
	}
	*err = r < 0 ? r : 0;
	return rule;
}

/* ---- the default group ---- */


int l3_sgrule_insert(struct store *st, const char *group_id, const char *project_id,
		       const struct l3_rule *w, char id[UUID_LEN + 1])
{
	int64_t now = now_usec();

	uuid_new(id);
	return store_exec(st,
			  "INSERT INTO security_group_rule (id, security_group_id, project_id,"
			  " description, direction, ethertype, protocol, port_range_min,"
			  " port_range_max, remote_ip_prefix, remote_group_id, created_at,"
			  " updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  "sssssssppssiii", id, group_id, project_id,
			  w->description ? w->description : "", w->direction, w->ethertype,
			  w->protocol, w->has_min ? &w->port_min : NULL,
			  w->has_max ? &w->port_max : NULL, w->remote_ip_prefix, w->remote_group_id,
			  now, now, store_txn_revision(st));
}

/* Insert a group and Neutron's rules for a new one: egress anywhere for
 * both ethertypes, and for the default group ingress from itself too. */
static int group_insert(struct store *st, const char *project_id, const char *name,
			const char *description, bool stateful, bool is_default,
			char id[UUID_LEN + 1])
{
	static const char *const types[] = { "IPv4", "IPv6" };
	int64_t now = now_usec();
	char rid[UUID_LEN + 1];
	int r;

	uuid_new(id);
	r = store_exec(st,
		       "INSERT INTO security_group (id, name, project_id, description, stateful,"
		       " created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		       "ssssbiii", id, name, project_id, description, stateful, now, now,
		       store_txn_revision(st));
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(types); i++) {
		struct l3_rule w = { .direction = "egress", .ethertype = types[i] };
		r = l3_sgrule_insert(st, id, project_id, &w, rid);
		if (r >= 0 && is_default) {
			w.direction = "ingress";
			w.remote_group_id = id;
			r = l3_sgrule_insert(st, id, project_id, &w, rid);
		}
	}
	return r < 0 ? r : 0;
}

int secgroup_default(struct store *st, const char *project_id, char id[UUID_LEN + 1])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT id FROM security_group WHERE project_id = ? AND name = 'default'"
			    " ORDER BY created_at, id LIMIT 1",
			    "s", project_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(id, UUID_LEN + 1, "%s", store_text(q, 0));
	store_done(q);
	if (r != 0)
		return r < 0 ? r : 0;
	return group_insert(st, project_id, "default", "Default security group", true, true, id);
}

/* ---- groups ---- */

int h_secgroup_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "security_groups", "security groups",
						 "get_security_group", network_target_col2,
						 render_group };
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
		rows = network_list_rows(&req->caller, st, &l, &r,
					 "SELECT " SG_COLS " FROM security_group ORDER BY created_at, id",
					 "");
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
		r = network_quota_check(req->b, st, project, "security_group", 1, res);
	if (r >= 0)
		r = group_insert(st, project, name, desc,
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
	if (r >= 0 && json_object_get(sg, "name"))
		r = store_exec(st, "UPDATE security_group SET name = ? WHERE id = ?", "ss",
			       json_str(sg, "name") ? json_str(sg, "name") : "", id);
	if (r >= 0 && json_object_get(sg, "description"))
		r = store_exec(st, "UPDATE security_group SET description = ? WHERE id = ?", "ss",
			       json_str(sg, "description") ? json_str(sg, "description") : "", id);
	if (r >= 0 && json_object_get(sg, "stateful"))
		r = store_exec(st, "UPDATE security_group SET stateful = ? WHERE id = ?", "bs",
			       json_is_true(json_object_get(sg, "stateful")), id);
	if (r >= 0)
		r = store_exec(st, "UPDATE security_group SET updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
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
		r = network_count(st, &ports,
				  "SELECT count(*) FROM port_security_group WHERE security_group_id = ?",
				  "s", id);
	if (r >= 0 && ports > 0)
		r = http_error(res, 409, "Security Group %s in use.", id);
	/* Rules of other groups naming this one as their remote go with it,
	 * as Neutron's foreign key cascades. */
	if (r >= 0)
		r = store_exec(st, "DELETE FROM security_group_rule WHERE remote_group_id = ?", "s", id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM security_group_rule WHERE security_group_id = ?", "s", id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM security_group WHERE id = ?", "s", id);
	json_decref(g);
	if (api_write_end(res, st, r, "security group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

