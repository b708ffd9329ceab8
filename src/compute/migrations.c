/* migrations.c - Nova's GET /os-migrations (admins): the resize records
 * (server_migration, made by server_resize.c) as Nova shows migrations of
 * type "resize": the integer id, the hosts (source and destination are
 * the same: Basalt resizes in place), the status the resize reached
 * (migrating, finished, confirmed, reverting, reverted, error), from 2.23
 * the migration_type, from 2.59 the uuid and paging (limit, marker,
 * changes-since). Filters: status, host (either end), instance_uuid,
 * migration_type, source_compute. Nova's old/new_instance_type_id are the
 * integer ids of its flavors, which Basalt's flavors have none of: null. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

/* Nova's osapi_max_limit: the longest page. */
#define MIGRATION_MAX_LIMIT 1000

#define MIGRATION_COLS                                                                             \
	"m.num, m.id, m.server_id, m.source_host, m.dest_host, m.status, m.created_at,"            \
	" m.updated_at, h.local_ip"

static json_t *render_migration(const struct http_request *req, struct store_stmt *q)
{
	json_t *m = json_pack(
	    "{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:n,s:n,s:o,s:o}", "id", store_int(q, 0), "status",
	    store_text(q, 5), "instance_uuid", store_text(q, 2), "source_node", store_text(q, 3),
	    "source_compute", store_text(q, 3), "dest_node", store_text(q, 4), "dest_compute",
	    store_text(q, 4), "dest_host",
	    store_text(q, 8) ? json_string(store_text(q, 8)) : json_null(), "old_instance_type_id",
	    "new_instance_type_id", "created_at", nova_time(store_int(q, 6)), "updated_at",
	    nova_time(store_int(q, 7)));

	if (m && microversion_at_least(req, 2, 23))
		json_object_set_new(m, "migration_type", json_string("resize"));
	if (m && microversion_at_least(req, 2, 59))
		json_object_set_new(m, "uuid", json_string(store_text(q, 1)));
	return m;
}

int h_migration_list(struct http_request *req, struct http_response *res)
{
	bool v259 = microversion_at_least(req, 2, 59);
	const char *status = http_query(req, "status"), *host = http_query(req, "host");
	const char *server = http_query(req, "instance_uuid"), *type = http_query(req, "migration_type");
	const char *source = http_query(req, "source_compute");
	const char *lim = v259 ? http_query(req, "limit") : NULL;
	const char *marker = v259 ? http_query(req, "marker") : NULL;
	const char *since = v259 ? http_query(req, "changes-since") : NULL;
	struct store *st = basalt_store(req->b);
	int64_t limit = MIGRATION_MAX_LIMIT, since_us = 0, m_created = 0, m_num = 0;
	struct store_stmt *q;
	int r;

	if (lim) {
		char *end;
		limit = strtoll(lim, &end, 10);
		if (!*lim || *end || limit < 0)
			return http_error(res, 400, "Invalid input for query parameters limit. Value: %s. '%s' is not a 'positive_integer'", lim, lim);
		if (limit > MIGRATION_MAX_LIMIT)
			limit = MIGRATION_MAX_LIMIT;
	}
	if (since && time_parse_iso(since, &since_us) < 0)
		return http_error(res, 400, "Invalid input for query parameters changes-since. Value: %s. '%s' is not a 'date-time'", since, since);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (marker) {
		r = store_query(st, &q, "SELECT created_at, num FROM server_migration WHERE id = ?",
				"s", marker);
		if (r >= 0) {
			r = store_next(q);
			if (r > 0) {
				m_created = store_int(q, 0);
				m_num = store_int(q, 1);
			}
			store_done(q);
		}
		if (r < 0)
			return http_error_errno(res, r, "migrations");
		if (r == 0)
			return http_error(res, 400, "Marker %s could not be found.", marker);
	}
	/* Nova's other types (migration, live-migration, evacuation) are
	 * never made here: such a filter matches nothing. */
	r = nova_reply_list(
	    req, res, "migrations", render_migration,
	    "SELECT " MIGRATION_COLS " FROM server_migration m LEFT JOIN host h ON h.name = m.dest_host"
	    " WHERE (?1 IS NULL OR m.status = ?1)"
	    " AND (?2 IS NULL OR m.source_host = ?2 OR m.dest_host = ?2)"
	    " AND (?3 IS NULL OR m.server_id = ?3) AND (?4 IS NULL OR ?4 = 'resize')"
	    " AND (?5 IS NULL OR m.source_host = ?5) AND m.updated_at >= ?6"
	    " AND (?7 = 0 OR m.created_at < ?7 OR (m.created_at = ?7 AND m.num < ?8))"
	    " ORDER BY m.created_at DESC, m.num DESC LIMIT ?9",
	    "sssssiiii", status, host, server, type, source, since_us, m_created, m_num, limit);
	if (r >= 0 && lim)
		nova_next_link(req, res, "migrations", "os-migrations", limit, "uuid");
	return r;
}
