/* usage_audit.c - Nova's os-instance_usage_audit_log (admins). Nova
 * answers from the task logs its periodic instance-usage audit writes on
 * each compute host; Basalt runs no such audit, so every answer is Nova's
 * for a period with no task log: every compute host (enabled or not) has
 * not run, nothing counted. The period is Nova's default
 * instance_usage_audit_period, "month": the last whole month (1st 00:00
 * UTC to the next 1st) completed before the timestamp (now for the list). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

void usage_audit_period(int64_t before, char begin[32], char end[32])
{
	time_t secs = (time_t)(before / 1000000);
	struct tm tm, e = { 0 }, b = { 0 };

	gmtime_r(&secs, &tm);
	e.tm_year = tm.tm_year;
	e.tm_mon = tm.tm_mon;
	e.tm_mday = 1;
	/* The 1st of before's month, unless that is not before it. */
	if ((int64_t)timegm(&e) * 1000000 >= before && --e.tm_mon < 0) {
		e.tm_mon = 11;
		e.tm_year--;
	}
	b = e;
	if (--b.tm_mon < 0) {
		b.tm_mon = 11;
		b.tm_year--;
	}
	/* Python's str(datetime): "YYYY-MM-DD HH:MM:SS". */
	strftime(begin, 32, "%Y-%m-%d %H:%M:%S", &b);
	strftime(end, 32, "%Y-%m-%d %H:%M:%S", &e);
}

/* Nova's audit log of the period before `before` (usec), no task logs:
 * 200 {key: log}. */
static int audit_reply(struct http_request *req, struct http_response *res, const char *key,
		       int64_t before)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_t *hosts;
	char begin[32], end[32], status[64];
	size_t n;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q, "SELECT name FROM host WHERE roles LIKE '%compute%' ORDER BY name",
			"");
	if (r < 0)
		return http_error_errno(res, r, "hosts");
	hosts = json_array();
	while ((r = store_next(q)) > 0)
		json_array_append_new(hosts, json_string(store_text(q, 0)));
	store_done(q);
	if (r < 0) {
		json_decref(hosts);
		return http_error_errno(res, r, "hosts");
	}
	n = json_array_size(hosts);
	usage_audit_period(before, begin, end);
	/* Nova's "ALL" when every host is done: with none, vacuously. */
	if (n == 0)
		snprintf(status, sizeof(status), "ALL hosts done. 0 errors.");
	else
		snprintf(status, sizeof(status), "0 of %zu hosts done. 0 errors.", n);
	return http_reply(res, 200,
			  json_pack("{s:{s:s,s:s,s:I,s:i,s:i,s:I,s:o,s:i,s:i,s:s,s:{}}}", key,
				    "period_beginning", begin, "period_ending", end, "num_hosts",
				    (json_int_t)n, "num_hosts_done", 0, "num_hosts_running", 0,
				    "num_hosts_not_run", (json_int_t)n, "hosts_not_run", hosts,
				    "total_instances", 0, "total_errors", 0, "overall_status",
				    status, "log"));
}

int h_usage_audit_list(struct http_request *req, struct http_response *res)
{
	return audit_reply(req, res, "instance_usage_audit_logs", now_usec());
}

int h_usage_audit_get(struct http_request *req, struct http_response *res)
{
	const char *ts = http_param(req, "before_timestamp");
	char buf[64];
	int64_t before;

	/* Nova's strptime: "%Y-%m-%d %H:%M:%S", with ".%f" when a '.' is in
	 * (usage_parse_time takes a space only with a fraction). */
	snprintf(buf, sizeof(buf), "%s%s", ts, strchr(ts, '.') ? "" : ".0");
	if (strlen(ts) > 40 || strchr(ts, 'T') || usage_parse_time(buf, &before) < 0)
		return http_error(res, 400, "Invalid timestamp for date %s", ts);
	return audit_reply(req, res, "instance_usage_audit_log", before);
}
