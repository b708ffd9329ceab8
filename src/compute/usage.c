/* usage.c - Nova's os-simple-tenant-usage: what each project's servers
 * used over a period [start, end), from the servers (live rows) and the
 * server_terminated rows deleted servers leave (migration 030).
 *
 * As Nova: a server is in the period when it launched before its end and
 * was not terminated before its start; it is billed from max(launched,
 * start) to min(terminated, end) in hours (a float); a project's totals
 * are the sums of hours and of vcpus, memory_mb and local_gb (root +
 * ephemeral) times hours, in the order of (project_id, server id), which
 * is also the paging order (limit/marker from 2.40, with the next link).
 * The end is never later than now. Times as Nova's JSON shows datetimes:
 * "YYYY-MM-DDTHH:MM:SS.ffffff", no zone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

/* Nova's [api] max_limit: the longest page. */
#define USAGE_MAX_LIMIT 1000

/* Parse n digits (between min and max of them) at *p into *v. */
static bool digits_at(const char **p, int min, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= min;
}

int usage_parse_time(const char *s, int64_t *usec)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h, mi, sec, frac = 0, nfrac = 0;
	char sep;
	struct tm tm = { 0 };

	if (!s || !digits_at(&p, 4, 4, &y) || *p++ != '-' || !digits_at(&p, 1, 2, &mo) ||
	    *p++ != '-' || !digits_at(&p, 1, 2, &d))
		return -EINVAL;
	sep = *p++;
	if ((sep != 'T' && sep != ' ') || !digits_at(&p, 1, 2, &h) || *p++ != ':' ||
	    !digits_at(&p, 1, 2, &mi) || *p++ != ':' || !digits_at(&p, 1, 2, &sec))
		return -EINVAL;
	if (*p == '.') {
		const char *f = ++p;
		if (!digits_at(&p, 1, 6, &frac))
			return -EINVAL;
		nfrac = (int)(p - f);
	}
	/* Nova's three formats: "T" with or without a fraction, a space
	 * only with one. */
	if (*p || (sep == ' ' && !nfrac))
		return -EINVAL;
	for (int i = nfrac; i < 6 && nfrac; i++)
		frac *= 10;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	if (d > mdays[mo - 1] + (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*usec = (int64_t)timegm(&tm) * 1000000 + frac;
	return 0;
}

double usage_hours(int64_t launched, int64_t terminated, int64_t start, int64_t stop)
{
	int64_t from, to;

	if (terminated && terminated < start)
		return 0;
	if (!launched || launched > stop)
		return 0;
	from = launched > start ? launched : start;
	to = terminated && terminated < stop ? terminated : stop;
	/* timedelta.total_seconds() / 3600.0 */
	return ((double)(to - from) / 1e6) / 3600.0;
}

/* A datetime as Nova's JSON shows one (oslo's PERFECT_TIME_FORMAT). */
static json_t *usage_time(int64_t usec)
{
	char buf[32];

	time_format_iso(usec, buf);
	buf[26] = '\0'; /* no "Z" */
	return json_string(buf);
}

/* Append s to out (at *len, of size n) as urlencode's quote_plus does. */
static void url_put(char *out, size_t n, size_t *len, const char *s)
{
	for (; *s && *len + 4 < n; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("_.-~", c))
			out[(*len)++] = (char)c;
		else if (c == ' ')
			out[(*len)++] = '+';
		else
			*len += (size_t)snprintf(out + *len, n - *len, "%%%02X", c);
	}
	out[*len] = '\0';
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Nova's next link (_get_collection_links): the request's query
 * parameters sorted by name, marker replaced by the last server's id. */
static json_t *usage_next_link(const struct http_request *req, const char *path,
			       const char *marker)
{
	struct kv q[HTTP_MAX_QUERY + 1];
	char href[4096];
	size_t len, n = 0;

	for (int i = 0; i < req->nquery; i++) {
		bool seen = strcmp(req->query[i].key, "marker") == 0;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(q[j].key, req->query[i].key) == 0;
		if (!seen)
			q[n++] = req->query[i];
	}
	q[n++] = (struct kv){ "marker", marker };
	qsort(q, n, sizeof(q[0]), kv_cmp);
	len = (size_t)snprintf(href, sizeof(href), "%s/compute/v2.1/%s?", http_base_url(req), path);
	for (size_t i = 0; i < n && len + 2 < sizeof(href); i++) {
		if (i)
			href[len++] = '&';
		url_put(href, sizeof(href), &len, q[i].key);
		href[len++] = '=';
		href[len] = '\0';
		url_put(href, sizeof(href), &len, q[i].value);
	}
	return json_pack("[{s:s,s:s}]", "rel", "next", "href", href);
}

/* One period's request: the window, the page and who. */
struct usage_query {
	int64_t start, stop, now;
	int64_t limit;
	const char *marker;
	const char *project_id; /* NULL: every project */
	bool detailed;
};

/* Parse start/end (now when absent), limit and marker (from 2.40) into
 * uq: 0, or -1 with Nova's 400. */
static int usage_params(struct http_request *req, struct http_response *res,
			struct usage_query *uq)
{
	const char *start = http_query(req, "start"), *end = http_query(req, "end");
	const char *lim = http_query(req, "limit");

	uq->limit = USAGE_MAX_LIMIT;
	uq->marker = NULL;
	/* Nova's query schema (2.40: limit, marker) before the dates. */
	if (microversion_at_least(req, 2, 40)) {
		if (lim && (!*lim || strspn(lim, "0123456789") != strlen(lim)))
			return http_error(res, 400, "Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", lim, lim);
		if (lim && strlen(lim) < 5 && atoll(lim) < uq->limit)
			uq->limit = atoll(lim);
		uq->marker = http_query(req, "marker");
	}
	/* Absent, start and end are Nova's two successive utcnow(). */
	uq->now = now_usec();
	uq->start = uq->now - 1;
	uq->stop = uq->now;
	if ((start && *start && usage_parse_time(start, &uq->start) < 0) ||
	    (end && *end && usage_parse_time(end, &uq->stop) < 0))
		return http_error(res, 400, "Invalid datetime string: Datetime is in invalid format");
	if (!(uq->start < uq->stop))
		return http_error(res, 400, "Invalid start time. The start time cannot occur after the end time.");
	if (uq->stop > uq->now)
		uq->stop = uq->now;
	uq->detailed = uq->project_id || (http_query(req, "detailed") &&
					  strcmp(http_query(req, "detailed"), "1") == 0);
	return 0;
}

#define USAGE_COLS                                                                                 \
	"id, name, project_id, flavor_name, vcpus, ram, disk + ephemeral AS local_gb"

/* The usages of uq's period: *out (new reference) is Nova's list of
 * project summaries, *servers (new reference) every server's usage in
 * order. 0, -ENOENT when the marker is no server (Nova's MarkerNotFound),
 * or -errno. */
static int usage_collect(struct store *st, const struct usage_query *uq, json_t **out,
			 json_t **servers)
{
	const char *m_project = "", *m_id = "";
	struct store_stmt *q;
	json_t *list, *all, *sum = NULL;
	char *mp = NULL, *mi = NULL;
	int r;

	if (uq->marker) {
		r = store_query(st, &q,
				"SELECT project_id, id FROM server WHERE id = ?1 UNION ALL"
				" SELECT project_id, id FROM server_terminated WHERE id = ?1",
				"s", uq->marker);
		if (r < 0)
			return r;
		r = store_next(q);
		if (r > 0) {
			mp = strdup(store_text(q, 0));
			mi = strdup(store_text(q, 1));
		}
		store_done(q);
		if (r <= 0)
			return r < 0 ? r : -ENOENT;
		if (!mp || !mi) {
			free(mp);
			free(mi);
			return -ENOMEM;
		}
		m_project = mp;
		m_id = mi;
	}
	r = store_query(
	    st, &q,
	    "SELECT " USAGE_COLS ", vm_state, launched_at, 0 AS terminated_at FROM server"
	    " WHERE launched_at IS NOT NULL AND launched_at < ?2 AND (?3 IS NULL OR project_id = ?3)"
	    "  AND (?4 = 0 OR project_id > ?5 OR (project_id = ?5 AND id > ?6))"
	    " UNION ALL SELECT " USAGE_COLS ", 'terminated', launched_at, terminated_at"
	    " FROM server_terminated WHERE terminated_at > ?1 AND launched_at < ?2"
	    "  AND (?3 IS NULL OR project_id = ?3)"
	    "  AND (?4 = 0 OR project_id > ?5 OR (project_id = ?5 AND id > ?6))"
	    " ORDER BY project_id, id LIMIT ?7",
	    "iisissi", uq->start, uq->stop, uq->project_id, (int64_t)(uq->marker != NULL),
	    m_project, m_id, uq->limit);
	free(mp);
	free(mi);
	if (r < 0)
		return r;
	list = json_array();
	all = json_array();
	while ((r = store_next(q)) > 0) {
		const char *project = store_text(q, 2), *vm = store_text(q, 7);
		int64_t launched = store_int(q, 8), terminated = store_int(q, 9);
		int64_t vcpus = store_int(q, 4), ram = store_int(q, 5), gb = store_int(q, 6);
		double hours = usage_hours(launched, terminated, uq->start, uq->stop);
		int64_t up = (terminated ? terminated : uq->now) - launched;
		json_t *u;

		if (strcmp(vm, "deleting") == 0)
			vm = "active"; /* Nova's vm_state while its task deletes */
		u = json_pack("{s:f,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:s,s:I}", "hours", hours,
			      "flavor", store_text(q, 3), "instance_id", store_text(q, 0), "name",
			      store_text(q, 1), "tenant_id", project, "memory_mb", ram, "local_gb",
			      gb, "vcpus", vcpus, "started_at", usage_time(launched), "ended_at",
			      terminated ? usage_time(terminated) : json_null(), "state",
			      terminated ? "terminated" : vm, "uptime",
			      (json_int_t)(up / 1000000));
		if (!sum || strcmp(json_string_value(json_object_get(sum, "tenant_id")), project)) {
			sum = json_pack("{s:s,s:f,s:f,s:f,s:f,s:o,s:o}", "tenant_id", project,
					"total_local_gb_usage", 0.0, "total_vcpus_usage", 0.0,
					"total_memory_mb_usage", 0.0, "total_hours", 0.0, "start",
					usage_time(uq->start), "stop", usage_time(uq->stop));
			if (uq->detailed)
				json_object_set_new(sum, "server_usages", json_array());
			json_array_append_new(list, sum);
		}
#define ADD(key, v)                                                                                \
	json_object_set_new(sum, key, json_real(json_real_value(json_object_get(sum, key)) + (v)))
		ADD("total_local_gb_usage", (double)gb * hours);
		ADD("total_vcpus_usage", (double)vcpus * hours);
		ADD("total_memory_mb_usage", (double)ram * hours);
		ADD("total_hours", hours);
#undef ADD
		if (uq->detailed)
			json_array_append(json_object_get(sum, "server_usages"), u);
		json_array_append_new(all, u);
	}
	store_done(q);
	if (r < 0) {
		json_decref(list);
		json_decref(all);
		return r;
	}
	*out = list;
	*servers = all;
	return 0;
}

/* GET /os-simple-tenant-usage (admins) and /os-simple-tenant-usage/{id}. */
static int usage_reply(struct http_request *req, struct http_response *res, const char *project)
{
	struct usage_query uq = { .project_id = project };
	struct store *st = basalt_store(req->b);
	json_t *list, *servers, *body;
	char path[512];
	int r;

	if (usage_params(req, res, &uq) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = usage_collect(st, &uq, &list, &servers);
	if (r == -ENOENT)
		return http_error(res, 400, "Marker %s could not be found.", uq.marker);
	if (r < 0)
		return http_error_errno(res, r, "usage");
	if (project) {
		json_t *one = json_array_size(list) ? json_incref(json_array_get(list, 0)) : json_object();
		json_decref(list);
		body = json_pack("{s:o}", "tenant_usage", one);
		snprintf(path, sizeof(path), "os-simple-tenant-usage/%s", project);
	} else {
		body = json_pack("{s:o}", "tenant_usages", list);
		snprintf(path, sizeof(path), "os-simple-tenant-usage");
	}
	/* Nova's links: a page as long as the limit (never 0) has a next. */
	if (microversion_at_least(req, 2, 40) && uq.limit > 0 &&
	    json_array_size(servers) == (size_t)uq.limit) {
		const char *last = json_string_value(json_object_get(
		    json_array_get(servers, json_array_size(servers) - 1), "instance_id"));
		json_object_set_new(body, project ? "tenant_usage_links" : "tenant_usages_links",
				    usage_next_link(req, path, last));
	}
	json_decref(servers);
	return http_reply(res, 200, body);
}

int h_usage_list(struct http_request *req, struct http_response *res)
{
	/* "/os-simple-tenant-usage/": no tenant id, Nova's 404. */
	size_t n = strlen(req->path);
	if (n && req->path[n - 1] == '/')
		return http_error(res, 404, "The resource could not be found.");
	return usage_reply(req, res, NULL);
}

int h_usage_get(struct http_request *req, struct http_response *res)
{
	return usage_reply(req, res, http_param(req, "project_id"));
}
