/* instance_actions.c - Nova's os-instance-actions: every action asked of
 * a server (create, delete, stop, start, reboot, lock, pause, ...) with
 * the request that asked, and the events its host carried out for it.
 * Rows are recorded in the write transaction of the action itself, so a
 * refused or rolled-back action leaves none and a retried agent report
 * finishes an event once. They outlive the server (microversion 2.21
 * lists a deleted server's actions). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/util.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

int instance_action_record(struct store *st, const struct caller *c, const char *server_id,
			   const char *project_id, const char *action, const char *event)
{
	char id[ID_HEX_LEN + 1], req[64];
	int64_t now = now_usec();
	int r;

	id_new(id);
	/* A request without an id (none reaches here from the API) gets one. */
	if (c->request_id && c->request_id[0])
		snprintf(req, sizeof(req), "%s", c->request_id);
	else
		snprintf(req, sizeof(req), "req-%s", id);
	r = store_exec(st,
		       "INSERT INTO instance_action (id, server_id, project_id, user_id, action,"
		       " request_id, message, start_time, updated_at, revision)"
		       " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
		       "ssssssiii", id, server_id, project_id, c->user_id ? c->user_id : "", action,
		       req, now, now, store_txn_revision(st));
	/* The host finishes what an earlier action left open: it was
	 * overtaken (a stop asked while a pause was under way). */
	if (r >= 0 && event)
		r = instance_action_finish(st, server_id, NULL, "Success", now);
	if (r >= 0 && event)
		r = store_exec(st,
			       "INSERT INTO instance_action_event (action_id, server_id, event,"
			       " start_time, revision) VALUES (?, ?, ?, ?, ?)",
			       "sssii", id, server_id, event, now, store_txn_revision(st));
	return r < 0 ? r : 0;
}

int instance_action_finish(struct store *st, const char *server_id, const char *host,
			   const char *result, int64_t now)
{
	int r = store_exec(st,
			   "UPDATE instance_action_event SET finish_time = ?1, result = ?2,"
			   " host = COALESCE(?3, host), revision = ?4"
			   " WHERE server_id = ?5 AND finish_time IS NULL",
			   "issis", now, result, host, store_txn_revision(st), server_id);

	if (r > 0)
		r = store_exec(st,
			       "UPDATE instance_action SET updated_at = ?, revision = ?"
			       " WHERE id IN (SELECT action_id FROM instance_action_event"
			       " WHERE server_id = ? AND finish_time = ?)",
			       "iisi", now, store_txn_revision(st), server_id, now);
	return r < 0 ? r : 0;
}

/* The project of server id's actions when the caller may list them (rule
 * against the project): the server itself, or at 2.21 and later a deleted
 * one through its recorded actions. 0, -ENOENT (as Nova: also for another
 * project's), -EPERM or -errno. */
static int actions_owner(struct store *st, const struct caller *c, const char *id,
			 const char *rule, bool deleted_too, char project[65],
			 struct nova_fault *f)
{
	struct server_ref s;
	struct store_stmt *q;
	int r = server_find(st, c, id, rule, &s, f);

	if (r != -ENOENT || !deleted_too) {
		if (r == 0) {
			snprintf(project, 65, "%s", s.project_id);
			server_ref_free(&s);
		}
		return r;
	}
	r = store_query(st, &q,
			"SELECT project_id FROM instance_action WHERE server_id = ?"
			" AND NOT EXISTS (SELECT 1 FROM server WHERE id = ?) LIMIT 1",
			"ss", id, id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(project, 65, "%s", store_text(q, 0));
	store_done(q);
	if (r < 0)
		return r;
	if (r == 0 || !policy_allows(c, "os_compute_api:servers:show",
				     &(struct target){ .project_id = project }))
		return nova_fail(f, -ENOENT, "Instance %s could not be found.", id);
	if (!policy_allows(c, rule, &(struct target){ .project_id = project }))
		return nova_denied(f, rule);
	return 0;
}

#define ACTION_COLS                                                                                \
	"id, action, server_id, message, project_id, request_id, start_time, user_id, updated_at"

static json_t *render_action(const struct http_request *req, struct store_stmt *q)
{
	json_t *a = json_pack("{s:s,s:s,s:o,s:s,s:s,s:o,s:s}", "action", store_text(q, 1),
			      "instance_uuid", store_text(q, 2), "message",
			      store_text(q, 3) ? json_string(store_text(q, 3)) : json_null(),
			      "project_id", store_text(q, 4), "request_id", store_text(q, 5),
			      "start_time", nova_time(store_int(q, 6)), "user_id", store_text(q, 7));

	if (a && microversion_at_least(req, 2, 58))
		json_object_set_new(a, "updated_at", nova_time(store_int(q, 8)));
	return a;
}

int h_instance_action_list(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	struct store *st = basalt_store(req->b);
	struct nova_fault f = { "" };
	struct store_stmt *q;
	char project[65];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = actions_owner(st, &req->caller, id, "os_compute_api:os-instance-actions:list",
			  microversion_at_least(req, 2, 21), project, &f);
	if (r < 0)
		return nova_error(res, r, &f, "instance actions");
	r = store_query(st, &q,
			"SELECT " ACTION_COLS " FROM instance_action WHERE server_id = ?"
			" ORDER BY start_time DESC, id DESC",
			"s", id);
	if (r < 0)
		return http_error_errno(res, r, "instance actions");
	return nova_reply_rows(req, res, "instanceActions", render_action, q);
}

/* The events of action action_id, as the caller may see them. */
static json_t *action_events(const struct http_request *req, struct store *st,
			     const char *action_id, const char *project, bool admin_view)
{
	json_t *events = json_array();
	struct store_stmt *q;

	if (store_query(st, &q,
			"SELECT event, start_time, finish_time, result, traceback, host"
			" FROM instance_action_event WHERE action_id = ? ORDER BY start_time, event",
			"s", action_id) < 0)
		return events;
	while (store_next(q) > 0) {
		const char *host = store_text(q, 5);
		json_t *e = json_pack("{s:s,s:o,s:o,s:o}", "event", store_text(q, 0), "start_time",
				      nova_time(store_int(q, 1)), "finish_time",
				      nova_time(store_int(q, 2)), "result",
				      store_text(q, 3) ? json_string(store_text(q, 3)) : json_null());
		if (!e)
			continue;
		if (admin_view)
			json_object_set_new(e, "traceback",
					    store_text(q, 4) ? json_string(store_text(q, 4))
							     : json_null());
		if (microversion_at_least(req, 2, 62)) {
			char hid[57];
			server_host_id(project, host, hid);
			json_object_set_new(e, "hostId", json_string(hid));
			if (admin_view)
				json_object_set_new(e, "host", json_string(host ? host : ""));
		}
		json_array_append_new(events, e);
	}
	store_done(q);
	return events;
}

int h_instance_action_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id"), *rid = http_param(req, "request_id");
	struct store *st = basalt_store(req->b);
	struct nova_fault f = { "" };
	struct store_stmt *q;
	char project[65], action_id[ID_HEX_LEN + 1] = "";
	json_t *a = NULL;
	bool admin_view;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = actions_owner(st, &req->caller, id, "os_compute_api:os-instance-actions:show",
			  microversion_at_least(req, 2, 21), project, &f);
	if (r < 0)
		return nova_error(res, r, &f, "instance action");
	r = store_query(st, &q,
			"SELECT " ACTION_COLS " FROM instance_action WHERE server_id = ?"
			" AND request_id = ? ORDER BY start_time DESC LIMIT 1",
			"ss", id, rid);
	if (r < 0)
		return http_error_errno(res, r, "instance action");
	r = store_next(q);
	if (r > 0) {
		a = render_action(req, q);
		snprintf(action_id, sizeof(action_id), "%s", store_text(q, 0));
	}
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "instance action");
	if (r == 0 || !a) {
		json_decref(a);
		return http_error(res, 404, "Action for request_id %s on instance %s not found", rid,
				  id);
	}
	/* Events: to everyone from 2.51, before only to those the events
	 * rule allows; tracebacks and host names only to them. */
	admin_view = policy_allows(&req->caller, "os_compute_api:os-instance-actions:events",
				   &(struct target){ .project_id = project });
	if (admin_view || microversion_at_least(req, 2, 51))
		json_object_set_new(a, "events", action_events(req, st, action_id, project, admin_view));
	return http_reply(res, 200, json_pack("{s:o}", "instanceAction", a));
}
