/* aggregates.c - Nova's host aggregates and availability zones: the
 * aggregate, aggregate_host and aggregate_metadata tables, os-aggregates
 * (admins), os-availability-zone, and the zone of a host as the scheduler
 * and a server's OS-EXT-AZ:availability_zone see it. As in Nova, a zone is
 * the metadata key availability_zone of an aggregate; a host is in the
 * zone of its aggregates (never two different ones), else in the default
 * zone; a host that runs servers never changes zone. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

#define AZ_KEY "availability_zone"

struct aggregate {
	int64_t id, created_at, updated_at; /* updated_at 0: never */
	char uuid[UUID_LEN + 1], name[256];
	char zone[256]; /* "" when it has none */
};

/* --- the store --- */

/* Load live aggregate id into a: 0, -ENOENT or -errno. */
static int aggregate_load(struct store *st, int64_t id, struct aggregate *a)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT a.uuid, a.name, a.created_at, a.updated_at, m.meta_value"
			    " FROM aggregate a LEFT JOIN aggregate_metadata m"
			    " ON m.aggregate_id = a.id AND m.meta_key = '" AZ_KEY "'"
			    " WHERE a.id = ? AND a.deleted_at IS NULL",
			    "i", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		a->id = id;
		snprintf(a->uuid, sizeof(a->uuid), "%s", store_text(q, 0));
		snprintf(a->name, sizeof(a->name), "%s", store_text(q, 1));
		a->created_at = store_int(q, 2);
		a->updated_at = store_text(q, 3) ? store_int(q, 3) : 0;
		snprintf(a->zone, sizeof(a->zone), "%s", store_text(q, 4) ? store_text(q, 4) : "");
	}
	store_done(q);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

static int load_or_404(struct store *st, int64_t id, struct aggregate *a, struct nova_fault *f)
{
	int r = aggregate_load(st, id, a);

	if (r == -ENOENT)
		return nova_fail(f, r, "Aggregate %" PRId64 " could not be found.", id);
	return r;
}

/* 1 when a live aggregate other than except is named name, 0, -errno. */
static int name_taken(struct store *st, const char *name, int64_t except)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT 1 FROM aggregate WHERE name = ? AND id <> ? AND deleted_at IS NULL",
			    "si", name, except);

	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	return r;
}

static int touch(struct store *st, int64_t id, int64_t now)
{
	int r = store_exec(st, "UPDATE aggregate SET updated_at = ?, revision = ? WHERE id = ?",
			   "iii", now, store_txn_revision(st), id);

	return r < 0 ? r : 0;
}

/* Set key to value (NULL: remove it) in aggregate id's metadata. */
static int meta_put(struct store *st, int64_t id, const char *key, const char *value)
{
	int r = store_exec(st, "DELETE FROM aggregate_metadata WHERE aggregate_id = ? AND meta_key = ?",
			   "is", id, key);

	if (r >= 0 && value)
		r = store_exec(st,
			       "INSERT INTO aggregate_metadata (aggregate_id, meta_key, meta_value, revision)"
			       " VALUES (?, ?, ?, ?)",
			       "issi", id, key, value, store_txn_revision(st));
	return r < 0 ? r : 0;
}

/* The zone host is in apart from aggregate except (0: none excluded)
 * in zone[256]: 1, or 0 with "" when none of those aggregates has one;
 * -errno. */
static int zone_without(struct store *st, const char *host, int64_t except, char zone[256])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT m.meta_value FROM aggregate_host h JOIN aggregate_metadata m"
			    " ON m.aggregate_id = h.aggregate_id AND m.meta_key = '" AZ_KEY "'"
			    " WHERE h.host = ? AND h.aggregate_id <> ? ORDER BY h.aggregate_id",
			    "si", host, except);

	if (r < 0)
		return r;
	r = store_next(q);
	snprintf(zone, 256, "%s", r > 0 ? store_text(q, 0) : "");
	store_done(q);
	return r;
}

int aggregate_host_zone(struct store *st, const char *host, char zone[256])
{
	int r = zone_without(st, host, 0, zone);

	if (r == 0)
		snprintf(zone, 256, "%s", AZ_DEFAULT);
	return r;
}

/* Nova's is_safe_to_update_az: no host of the aggregate (or only host,
 * when not NULL) may be in another aggregate whose zone differs from
 * zone: -EINVAL with the zones in f ("['az1', 'az2']"), else 0. */
static int zone_conflicts(struct store *st, const struct aggregate *a, const char *host,
			  const char *zone, struct nova_fault *f)
{
	char list[400] = "";
	size_t n = 0;
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT DISTINCT m.aggregate_id, m.meta_value FROM aggregate_metadata m"
			    " JOIN aggregate_host h ON h.aggregate_id = m.aggregate_id"
			    " WHERE m.meta_key = '" AZ_KEY "' AND m.aggregate_id <> ?1"
			    " AND m.meta_value <> ?2 AND (h.host = ?3 OR ?3 IS NULL AND h.host IN"
			    "  (SELECT host FROM aggregate_host WHERE aggregate_id = ?1))"
			    " ORDER BY m.aggregate_id",
			    "iss", a->id, zone, host);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0 && n < sizeof(list))
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s'%s'", n ? ", " : "",
				      store_text(q, 1));
	store_done(q);
	if (r < 0)
		return r;
	if (n)
		return nova_fail(f, -EINVAL, "One or more hosts already in availability zone(s) [%s]",
				 list);
	return 0;
}

/* How many servers host runs: >= 0 or -errno. */
static int host_servers(struct store *st, const char *host)
{
	json_t *l = server_host_list(st, host);
	int n = l ? (int)json_array_size(l) : -ENOMEM;

	json_decref(l);
	return n;
}

/* 1 when some host of aggregate id runs servers, 0, -errno. */
static int hosts_busy(struct store *st, int64_t id)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT host FROM aggregate_host WHERE aggregate_id = ?", "i", id);
	int busy = 0;

	if (r < 0)
		return r;
	while (!busy && (r = store_next(q)) > 0) {
		int n = host_servers(st, store_text(q, 0));
		if (n < 0) {
			r = n;
			break;
		}
		busy = n > 0;
	}
	store_done(q);
	return r < 0 ? r : busy;
}

/* Nova's check before a's zone becomes zone (update, set_metadata):
 * not empty, no conflict with the hosts' other zones, no server moved
 * to another zone. 0 or -EINVAL with the reason in f. */
static int zone_change_ok(struct store *st, const struct aggregate *a, const char *zone,
			  struct nova_fault *f)
{
	int r;

	if (!zone || !zone[0])
		return nova_fail(f, -EINVAL, "Aggregate %s does not support empty named availability zone",
				 a->name);
	r = zone_conflicts(st, a, NULL, zone, f);
	if (r < 0 || strcmp(a->zone, zone) == 0)
		return r;
	r = hosts_busy(st, a->id);
	if (r > 0)
		r = nova_fail(f, -EINVAL, "One or more hosts contain instances in this zone");
	return r < 0 ? r : 0;
}

/* The host must be a compute service: 0, or -ENOENT. */
static int compute_host(struct store *st, const char *host)
{
	char roles[256];
	int r = host_roles(st, host, roles);

	if (r < 0)
		return r;
	return r > 0 && strstr(roles, "compute") ? 0 : -ENOENT;
}

int aggregate_create(struct store *st, const char *name, const char *zone, int64_t *id,
		     struct nova_fault *f)
{
	char uuid[UUID_LEN + 1];
	struct store_stmt *q;
	int64_t now = now_usec();
	int r = name_taken(st, name, 0);

	if (r > 0)
		return nova_fail(f, -EEXIST, "Aggregate %s already exists.", name);
	if (r < 0)
		return r;
	/* Ids only grow: deleted aggregates keep their rows. */
	r = store_query(st, &q, "SELECT COALESCE(MAX(id), 0) + 1 FROM aggregate", "");
	if (r < 0)
		return r;
	r = store_next(q);
	*id = r > 0 ? store_int(q, 0) : 1;
	store_done(q);
	if (r < 0)
		return r;
	uuid_new(uuid);
	r = store_exec(st,
		       "INSERT INTO aggregate (id, uuid, name, created_at, revision)"
		       " VALUES (?, ?, ?, ?, ?)",
		       "issii", *id, uuid, name, now, store_txn_revision(st));
	if (r >= 0 && zone && zone[0])
		r = meta_put(st, *id, AZ_KEY, zone);
	return r < 0 ? r : 0;
}

int aggregate_update(struct store *st, int64_t id, const char *name, bool set_zone,
		     const char *zone, struct nova_fault *f)
{
	struct aggregate a;
	int r = load_or_404(st, id, &a, f);

	if (r < 0)
		return r;
	if (name) {
		r = name_taken(st, name, id);
		if (r > 0)
			return nova_fail(f, -EEXIST, "Aggregate %s already exists.", name);
		if (r >= 0)
			r = store_exec(st, "UPDATE aggregate SET name = ? WHERE id = ?", "si", name, id);
		if (r < 0)
			return r;
		snprintf(a.name, sizeof(a.name), "%s", name);
	}
	if (set_zone) {
		r = zone_change_ok(st, &a, zone, f);
		if (r == -EINVAL) {
			char why[512];
			snprintf(why, sizeof(why), "%s", f->msg);
			return nova_fail(f, r, "Cannot update aggregate %" PRId64 ". Reason: %s.", id,
					 why);
		}
		if (r >= 0)
			r = meta_put(st, id, AZ_KEY, zone);
		if (r < 0)
			return r;
	}
	return touch(st, id, now_usec());
}

int aggregate_set_metadata(struct store *st, int64_t id, const json_t *metadata,
			   struct nova_fault *f)
{
	struct aggregate a;
	const char *key;
	json_t *v;
	int r = load_or_404(st, id, &a, f);

	if (r < 0)
		return r;
	if (json_object_get(metadata, AZ_KEY)) {
		r = zone_change_ok(st, &a, json_string_value(json_object_get(metadata, AZ_KEY)), f);
		if (r == -EINVAL) {
			char why[512];
			snprintf(why, sizeof(why), "%s", f->msg);
			return nova_fail(f, r, "Cannot update metadata of aggregate %" PRId64 ". Reason: %s.",
					 id, why);
		}
		if (r < 0)
			return r;
	}
	json_object_foreach((json_t *)metadata, key, v) {
		r = meta_put(st, id, key, json_string_value(v));
		if (r < 0)
			return r;
	}
	return touch(st, id, now_usec());
}

int aggregate_delete(struct store *st, int64_t id, struct nova_fault *f)
{
	struct aggregate a;
	struct store_stmt *q;
	int r = load_or_404(st, id, &a, f);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT 1 FROM aggregate_host WHERE aggregate_id = ?", "i", id);
	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	if (r > 0)
		return nova_fail(f, -EINVAL,
				 "Cannot remove host from aggregate %" PRId64
				 ". Reason: Host aggregate is not empty.",
				 id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM aggregate_metadata WHERE aggregate_id = ?", "i", id);
	if (r >= 0)
		r = store_exec(st, "UPDATE aggregate SET deleted_at = ?, revision = ? WHERE id = ?",
			       "iii", now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

/* A host running n servers may not change zone, from old to new ("":
 * Nova's None): 0 or -EEXIST with Nova's words ("added" or "removed"). */
static int servers_stay(struct store *st, const char *host, const char *old, const char *new,
			const char *verb, struct nova_fault *f, int64_t id)
{
	int n;

	if (strcmp(old, new) == 0)
		return 0;
	n = host_servers(st, host);
	if (n <= 0)
		return n;
	return nova_fail(f, -EEXIST,
			 "Cannot %s host %s aggregate %" PRId64 ". Reason: The host cannot be %s %s"
			 " the aggregate as the availability zone of the host would change from"
			 " '%s' to '%s' but the host already has %d instance(s). Changing the AZ"
			 " of an existing instance is not supported by this action. Move the"
			 " instances away from this host then try again. If you need to move the"
			 " instances between AZs then you can use shelve_offload and unshelve to"
			 " achieve this..",
			 strcmp(verb, "added") == 0 ? "add" : "remove",
			 strcmp(verb, "added") == 0 ? "to" : "from", id, verb,
			 strcmp(verb, "added") == 0 ? "to" : "from", old[0] ? old : "None",
			 new[0] ? new : "None", n);
}

int aggregate_add_host(struct store *st, int64_t id, const char *host, struct nova_fault *f)
{
	struct aggregate a;
	char old[256];
	int r = compute_host(st, host);

	if (r == -ENOENT)
		return nova_fail(f, r, "Compute host %s could not be found.", host);
	if (r >= 0)
		r = load_or_404(st, id, &a, f);
	if (r < 0)
		return r;
	if (a.zone[0]) {
		r = zone_conflicts(st, &a, host, a.zone, f);
		if (r == -EINVAL) {
			char why[512];
			snprintf(why, sizeof(why), "%s", f->msg);
			return nova_fail(f, -EEXIST, "Cannot add host to aggregate %" PRId64 ". Reason: %s.",
					 id, why);
		}
		if (r >= 0)
			r = zone_without(st, host, id, old);
		if (r >= 0)
			r = servers_stay(st, host, old, a.zone, "added", f, id);
		if (r < 0)
			return r;
	}
	r = store_exec(st, "INSERT INTO aggregate_host (aggregate_id, host, revision) VALUES (?, ?, ?)",
		       "isi", id, host, store_txn_revision(st));
	if (r == -EEXIST)
		return nova_fail(f, r, "Aggregate %" PRId64 " already has host %s.", id, host);
	return r < 0 ? r : 0;
}

int aggregate_remove_host(struct store *st, int64_t id, const char *host, struct nova_fault *f)
{
	struct aggregate a;
	char rest[256];
	int r = compute_host(st, host);

	if (r >= 0)
		r = aggregate_load(st, id, &a);
	if (r >= 0 && a.zone[0]) {
		r = zone_without(st, host, id, rest);
		if (r >= 0)
			r = servers_stay(st, host, a.zone, rest, "removed", f, id);
	}
	if (r >= 0)
		r = store_exec(st, "DELETE FROM aggregate_host WHERE aggregate_id = ? AND host = ?",
			       "is", id, host);
	if (r == 0)
		r = -ENOENT;
	if (r == -ENOENT)
		return nova_fail(f, r, "Cannot remove host %s in aggregate %" PRId64, host, id);
	return r < 0 ? r : 0;
}

/* --- Nova's shapes --- */

/* Nova's aggregate times: naive ISO 8601 with microseconds. */
static json_t *agg_time(int64_t usec)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	char buf[64];

	if (!usec)
		return json_null();
	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(usec % 1000000));
	return json_string(buf);
}

/* Aggregate a as Nova shows it (new reference): with its hosts and
 * metadata when full (all but create's reply), its uuid from 2.41.
 * NULL on a store error. */
static json_t *render_aggregate(const struct http_request *req, struct store *st,
				const struct aggregate *a, bool full)
{
	json_t *o = json_pack("{s:o,s:o,s:b,s:n,s:I,s:s,s:o}", "availability_zone",
			      a->zone[0] ? json_string(a->zone) : json_null(), "created_at",
			      agg_time(a->created_at), "deleted", 0, "deleted_at", "id",
			      (json_int_t)a->id, "name", a->name, "updated_at",
			      agg_time(a->updated_at));
	json_t *hosts, *meta;
	struct store_stmt *q;
	int r;

	if (microversion_at_least(req, 2, 41))
		json_object_set_new(o, "uuid", json_string(a->uuid));
	if (!full)
		return o;
	hosts = json_array();
	meta = json_object();
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "metadata", meta);
	r = store_query(st, &q, "SELECT host FROM aggregate_host WHERE aggregate_id = ? ORDER BY host",
			"i", a->id);
	if (r >= 0) {
		while ((r = store_next(q)) > 0)
			json_array_append_new(hosts, json_string(store_text(q, 0)));
		store_done(q);
	}
	if (r >= 0)
		r = store_query(st, &q,
				"SELECT meta_key, meta_value FROM aggregate_metadata"
				" WHERE aggregate_id = ?",
				"i", a->id);
	if (r >= 0) {
		while ((r = store_next(q)) > 0)
			json_object_set_new(meta, store_text(q, 0), json_string(store_text(q, 1)));
		store_done(q);
	}
	if (r < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"aggregate": ...} of aggregate id read in st's open transaction. */
static json_t *aggregate_reply(const struct http_request *req, struct store *st, int64_t id,
			       bool full)
{
	struct aggregate a;
	json_t *o;

	if (aggregate_load(st, id, &a) < 0)
		return NULL;
	o = render_aggregate(req, st, &a, full);
	return o ? json_pack("{s:o}", "aggregate", o) : NULL;
}

/* {id}: Nova's utils.validate_integer; -1 with a 400. */
static int path_id(const struct http_request *req, struct http_response *res, int64_t *id)
{
	const char *s = http_param(req, "aggregate_id");
	char *end;
	long long v;

	errno = 0;
	v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || errno)
		return http_error(res, 400, "Invalid input received: id must be an integer");
	*id = v;
	return 0;
}

/* Nova's parameter_types.name (and az_name, which refuses ':'): 1..255
 * characters, none of them leading or trailing spaces. -1 with a 400. */
static int check_name(struct http_response *res, const char *field, const json_t *v, bool az)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. is not of type 'string'",
				  field, json_is_null(v) ? "None" : "(not a string)");
	if (n == 0)
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: . '' is too short", field);
	if (json_string_length(v) > 255)
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %.40s.... '%.40s...' is too long",
				  field, s, s);
	if (n != json_string_length(v) || strchr(" \t\n\r", s[0]) || strchr(" \t\n\r", s[n - 1]))
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. '%s' does not match the name format: no leading or trailing spaces",
				  field, s, s);
	if (az && strchr(s, ':'))
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. '%s' does not match '^[^:]*$'",
				  field, s, s);
	return 0;
}

/* Parse {"aggregate": {"name", "availability_zone"}}: the body (owned)
 * with name and zone borrowed from it (NULL: absent; *zone_given for a
 * present availability_zone, null included), or NULL with a 400. */
static json_t *aggregate_body(struct http_request *req, struct http_response *res, bool create,
			      const char **name, bool *zone_given, const char **zone)
{
	/* Types and lengths: check_name's, in Nova's words. */
	static const struct jfield fields[] = { { "name", J_ANY, false, SIZE_MAX },
						{ AZ_KEY, J_ANY, false, SIZE_MAX } };
	json_t *in, *body = api_body_object(req, res, "aggregate", fields, ARRAY_SIZE(fields), &in);
	json_t *jn, *jz;

	if (!body)
		return NULL;
	jn = json_object_get(in, "name");
	jz = json_object_get(in, AZ_KEY);
	if (create && !jn) {
		http_error(res, 400, "Invalid input for field/attribute aggregate. Value: %s. 'name' is a required property",
			   "{}");
		goto bad;
	}
	if (!create && !jn && !jz) {
		http_error(res, 400, "Invalid input for field/attribute aggregate. Value: {}. {} is not valid under any of the given schemas");
		goto bad;
	}
	/* An update's name may have leading or trailing spaces: Nova strips
	 * them (normalize_name). */
	if (!create && json_is_string(jn) && json_string_length(jn) <= 255) {
		const char *v = json_string_value(jn), *end = v + strlen(v);
		while (*v && strchr(" \t\n\r", *v))
			v++;
		while (end > v && strchr(" \t\n\r", end[-1]))
			end--;
		json_object_set_new(in, "name", json_stringn(v, (size_t)(end - v)));
		jn = json_object_get(in, "name");
	}
	if ((jn && check_name(res, "name", jn, false) < 0) ||
	    (jz && !json_is_null(jz) && check_name(res, AZ_KEY, jz, true) < 0))
		goto bad;
	*name = json_string_value(jn);
	*zone_given = jz != NULL;
	*zone = json_string_value(jz);
	return body;
bad:
	json_decref(body);
	return NULL;
}

/* End the write transaction begun for aggregate id: on success reply
 * {"aggregate"} as read in it (full, or create's brief form), else
 * Nova's error. */
static int write_reply(struct http_request *req, struct http_response *res, struct store *st,
		       int r, const struct nova_fault *f, int64_t id, bool full)
{
	json_t *out = NULL;

	if (r < 0)
		nova_error(res, r, f, "aggregate");
	else if (!(out = aggregate_reply(req, st, id, full)))
		r = http_error_errno(res, -EIO, "aggregate");
	if (api_write_end(res, st, r, "aggregate") < 0) {
		json_decref(out);
		return -1;
	}
	return http_reply(res, 200, out);
}

int h_aggregate_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	json_t *list = json_array();
	struct store_stmt *q;
	int64_t *ids = NULL;
	size_t n = 0;
	int r;

	if (!st) {
		json_decref(list);
		return http_error_errno(res, -EIO, "store");
	}
	r = store_query(st, &q, "SELECT id FROM aggregate WHERE deleted_at IS NULL ORDER BY id", "");
	if (r >= 0) {
		while ((r = store_next(q)) > 0) {
			int64_t *more = realloc(ids, (n + 1) * sizeof(*ids));
			if (!more) {
				r = -ENOMEM;
				break;
			}
			ids = more;
			ids[n++] = store_int(q, 0);
		}
		store_done(q);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		json_t *one = aggregate_reply(req, st, ids[i], true);
		if (one) /* deleted meanwhile: not listed */
			json_array_append(list, json_object_get(one, "aggregate"));
		json_decref(one);
	}
	free(ids);
	if (r < 0) {
		json_decref(list);
		return http_error_errno(res, r, "aggregates");
	}
	return http_reply(res, 200, json_pack("{s:o}", "aggregates", list));
}

int h_aggregate_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct aggregate a;
	int64_t id;
	json_t *o;
	int r;

	if (path_id(req, res, &id) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = aggregate_load(st, id, &a);
	if (r == -ENOENT)
		return http_error(res, 404, "Aggregate %" PRId64 " could not be found.", id);
	if (r < 0 || !(o = render_aggregate(req, st, &a, true)))
		return http_error_errno(res, r < 0 ? r : -EIO, "aggregate");
	return http_reply(res, 200, json_pack("{s:o}", "aggregate", o));
}

int h_aggregate_create(struct http_request *req, struct http_response *res)
{
	const char *name, *zone;
	struct nova_fault f = { "" };
	_cleanup_json_ json_t *body = NULL;
	struct store *st;
	bool zone_given;
	int64_t id = 0;
	int r;

	body = aggregate_body(req, res, true, &name, &zone_given, &zone);
	if (!body || !(st = api_write_begin(req, res)))
		return -1;
	r = aggregate_create(st, name, zone, &id, &f);
	return write_reply(req, res, st, r, &f, id, false);
}

int h_aggregate_update(struct http_request *req, struct http_response *res)
{
	const char *name, *zone;
	struct nova_fault f = { "" };
	_cleanup_json_ json_t *body = NULL;
	struct store *st;
	bool zone_given;
	int64_t id;
	int r;

	body = aggregate_body(req, res, false, &name, &zone_given, &zone);
	if (!body || path_id(req, res, &id) < 0 || !(st = api_write_begin(req, res)))
		return -1;
	r = aggregate_update(st, id, name, zone_given, zone, &f);
	return write_reply(req, res, st, r, &f, id, true);
}

int h_aggregate_delete(struct http_request *req, struct http_response *res)
{
	struct nova_fault f = { "" };
	struct store *st;
	int64_t id;
	int r;

	if (path_id(req, res, &id) < 0 || !(st = api_write_begin(req, res)))
		return -1;
	r = aggregate_delete(st, id, &f);
	if (r < 0)
		nova_error(res, r, &f, "aggregate");
	if (api_write_end(res, st, r, "aggregate") < 0)
		return -1;
	return http_reply(res, 200, NULL);
}

/* Nova's metadata_with_null: keys of 1..255 of [a-zA-Z0-9-_:. ], values
 * strings up to 255 or null. -1 with a 400. */
static int check_metadata(struct http_response *res, const json_t *m)
{
	const char *key;
	json_t *v;

	if (!json_is_object(m))
		return http_error(res, 400, "Invalid input for field/attribute metadata. Value: %s. is not of type 'object'",
				  "(not an object)");
	json_object_foreach((json_t *)m, key, v) {
		size_t n = strlen(key);
		if (n < 1 || n > 255 ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. ") != n)
			return http_error(res, 400, "Invalid input for field/attribute metadata. Value: %.64s. Additional properties are not allowed ('%.64s' was unexpected)",
					  key, key);
		if (!json_is_null(v) && (!json_is_string(v) || json_string_length(v) > 255))
			return http_error(res, 400, "Invalid input for field/attribute %.64s. Value: %s. is not valid under any of the given schemas",
					  key, json_is_string(v) ? "(too long)" : "(not a string)");
	}
	return 0;
}

/* POST /os-aggregates/{id}/action: {"add_host": {"host"}},
 * {"remove_host": {"host"}} or {"set_metadata": {"metadata"}}, each
 * under its own rule. */
int h_aggregate_action(struct http_request *req, struct http_response *res)
{
	static const struct jfield host_fields[] = { { "host", J_STRING, true, 255 } };
	static const struct jfield meta_fields[] = { { "metadata", J_ANY, true, 0 } };
	static const char *const actions[] = { "add_host", "remove_host", "set_metadata" };
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct nova_fault f = { "" };
	const char *action = NULL, *host = NULL;
	char rule[64], err[256];
	struct store *st;
	json_t *args;
	int64_t id;
	int r;

	if (!body)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (json_object_get(body, actions[i]))
			action = actions[i];
	if (!json_is_object(body) || json_object_size(body) != 1)
		return http_error(res, 400, "Malformed request body");
	if (!action) {
		json_object_foreach(body, action, args)
			break;
		return http_error(res, 400, "There is no such action: %s", action);
	}
	snprintf(rule, sizeof(rule), "os_compute_api:os-aggregates:%s", action);
	if (!policy_allows(&req->caller, rule, NULL))
		return http_error(res, 403, "Policy doesn't allow %s to be performed.", rule);
	args = json_object_get(body, action);
	if (strcmp(action, "set_metadata") == 0) {
		if (json_check(args, meta_fields, 1, err, sizeof(err)) < 0)
			return http_error(res, 400, "%s", err);
		if (check_metadata(res, json_object_get(args, "metadata")) < 0)
			return -1;
	} else {
		if (json_check(args, host_fields, 1, err, sizeof(err)) < 0)
			return http_error(res, 400, "%s", err);
		host = json_str(args, "host");
		if (!host[0] || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789-._") != strlen(host))
			return http_error(res, 400, "Invalid input for field/attribute host. Value: %s. '%s' does not match '^[a-zA-Z0-9-._]*$'",
					  host, host);
	}
	if (path_id(req, res, &id) < 0 || !(st = api_write_begin(req, res)))
		return -1;
	if (strcmp(action, "add_host") == 0)
		r = aggregate_add_host(st, id, host, &f);
	else if (strcmp(action, "remove_host") == 0)
		r = aggregate_remove_host(st, id, host, &f);
	else
		r = aggregate_set_metadata(st, id, json_object_get(args, "metadata"), &f);
	return write_reply(req, res, st, r, &f, id, true);
}
