/* secgroup_store.c - the security_group, security_group_rule and
 * port_security_group tables: the only file of src/network that writes
 * them or reads them for the API (desired_l2.c reads a host's groups and
 * rules for the agent, read-only; so does the metadata API). Every call
 * works in the caller's transaction and never commits. No policy here:
 * secgroups.c, secgroup_rules.c and ports.c decide who may do what. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

#define SG_COLS "id, name, project_id, description, stateful, created_at, updated_at, revision"

const char secgroup_store_list_sql[] =
	"SELECT " SG_COLS " FROM security_group ORDER BY created_at, id";
const char sgrule_store_list_sql[] =
	"SELECT " RULE_COLS " FROM security_group_rule ORDER BY created_at, id";

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
json_t *secgroup_store_render_row(const struct caller *c, struct store *st,
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

int secgroup_store_get(const struct caller *c, struct store *st, const char *id,
		       char project_id[65], json_t **out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " SG_COLS " FROM security_group WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(project_id, 65, "%s", store_text(q, 2));
		if (out && !(*out = secgroup_store_render_row(c, st, q)))
			r = -EIO;
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int sgrule_store_get(struct store *st, const char *id, char project_id[65], json_t **out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " RULE_COLS " FROM security_group_rule WHERE id = ?",
			    "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(project_id, 65, "%s", store_text(q, 2));
		if (out && !(*out = l3_sgrule_render(q)))
			r = -ENOMEM;
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

json_t *sgrule_store_of_group(struct store *st, const char *group_id, int *err)
{
	json_t *rules = group_rules(st, group_id);

	if (!rules && err)
		*err = -EIO;
	return rules;
}

int sgrule_store_insert(struct store *st, const char *group_id, const char *project_id,
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
int secgroup_store_insert(struct store *st, const char *project_id, const char *name,
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
		r = sgrule_store_insert(st, id, project_id, &w, rid);
		if (r >= 0 && is_default) {
			w.direction = "ingress";
			w.remote_group_id = id;
			r = sgrule_store_insert(st, id, project_id, &w, rid);
		}
	}
	return r < 0 ? r : 0;
}

int secgroup_store_default_id(struct store *st, const char *project_id, char id[UUID_LEN + 1])
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
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int secgroup_store_update(struct store *st, const char *id, const char *name,
			  const char *description, const bool *stateful)
{
	int64_t sf = stateful ? *stateful : 0;
	int r = store_exec(st,
			   "UPDATE security_group SET name = COALESCE(?, name),"
			   " description = COALESCE(?, description), stateful = COALESCE(?, stateful),"
			   " updated_at = ?, revision = ? WHERE id = ?",
			   "sspiis", name, description, stateful ? &sf : NULL, now_usec(),
			   store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

int secgroup_store_delete(struct store *st, const char *id)
{
	/* Rules of other groups naming this one as their remote go with it,
	 * as Neutron's foreign key cascades. */
	int r = store_exec(st, "DELETE FROM security_group_rule WHERE remote_group_id = ?", "s", id);

	if (r >= 0)
		r = store_exec(st, "DELETE FROM security_group_rule WHERE security_group_id = ?", "s", id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM security_group WHERE id = ?", "s", id);
	return r < 0 ? r : 0;
}

int sgrule_store_delete(struct store *st, const char *id)
{
	int r = store_exec(st, "DELETE FROM security_group_rule WHERE id = ?", "s", id);

	return r < 0 ? r : 0;
}

/* ---- port_security_group: which groups a port is in ---- */

json_t *secgroup_store_port_groups(struct store *st, const char *port_id)
{
	return network_ids(st, NULL,
			   "SELECT security_group_id FROM port_security_group WHERE port_id = ?"
			   " ORDER BY security_group_id",
			   "s", port_id);
}

int secgroup_store_bind(struct store *st, const char *port_id, const char *group_id)
{
	int r = store_exec(st,
			   "INSERT INTO port_security_group (port_id, security_group_id, revision)"
			   " VALUES (?, ?, ?)",
			   "ssi", port_id, group_id, store_txn_revision(st));

	return r < 0 ? r : 0;
}

int secgroup_store_unbind_port(struct store *st, const char *port_id)
{
	int r = store_exec(st, "DELETE FROM port_security_group WHERE port_id = ?", "s", port_id);

	return r < 0 ? r : 0;
}

int secgroup_store_count_ports(struct store *st, const char *group_id, int64_t *n)
{
	return network_count(st, n,
			     "SELECT count(*) FROM port_security_group WHERE security_group_id = ?",
			     "s", group_id);
}
