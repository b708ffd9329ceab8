/* server_actions.c - POST /servers/{id}/action (os-stop, os-start, reboot,
 * os-getConsoleOutput) and the server metadata calls. Actions record what
 * should be; the host's agent makes it so (docs/agent-protocol.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

/* Load the caller's server's state. 1 found, 0 not (404 in res), <0. */
static int server_state(struct http_request *req, struct http_response *res, struct store *st,
			const char *id, char vm[16], char **console)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT vm_state, console FROM server WHERE id = ?1"
			    " AND (?2 IS NULL OR project_id = ?2)",
			    "ss", id, http_is_admin(req) ? NULL : req->tok.scope_id);

	if (r < 0)
		return http_error_errno(res, r, "server");
	r = store_next(q);
	if (r > 0) {
		snprintf(vm, 16, "%s", store_text(q, 0));
		if (console)
			*console = store_text(q, 1) ? strdup(store_text(q, 1)) : NULL;
	}
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "server");
	if (r == 0)
		return http_error(res, 404, "Instance %s could not be found.", id);
	return 1;
}

/* The last `lines` lines of text (all of it for lines < 0). */
static const char *tail_lines(const char *text, long lines)
{
	const char *p = text + strlen(text);

	if (lines < 0)
		return text;
	if (lines == 0)
		return p;
	/* A trailing newline ends the last line; it does not start another. */
	if (p > text && p[-1] == '\n')
		p--;
	for (; p > text; p--)
		if (p[-1] == '\n' && --lines == 0)
			break;
	return p;
}

static int console_output(struct http_request *req, struct http_response *res, const char *id,
			  const json_t *arg)
{
	struct store *st = basalt_store(req->b);
	_cleanup_free_ char *console = NULL;
	const json_t *len = json_object_get(arg, "length");
	long lines = -1;
	char vm[16];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (len && !json_is_null(len)) {
		if (json_is_integer(len))
			lines = (long)json_integer_value(len);
		else if (json_is_string(len))
			lines = strtol(json_string_value(len), NULL, 10);
		else
			return http_error(res, 400, "Invalid input for field/attribute length.");
		if (lines < -1)
			return http_error(res, 400, "Invalid input for field/attribute length.");
	}
	r = server_state(req, res, st, id, vm, &console);
	if (r <= 0)
		return -1;
	if (strcmp(vm, "building") == 0 && !console)
		return http_error(res, 409, "Instance %s is not ready yet.", id);
	return http_reply(res, 200, json_pack("{s:s}", "output", console ? tail_lines(console, lines) : ""));
}

/* Record a power change. Nova refuses what the current state forbids. */
static int power_action(struct http_request *req, struct http_response *res, const char *id,
			const char *action, const json_t *arg)
{
	struct store *st = api_write_begin(req, res);
	const char *type = NULL;
	char vm[16];
	int r;

	if (!st)
		return -1;
	r = server_state(req, res, st, id, vm, NULL);
	if (r > 0 && strcmp(action, "reboot") == 0) {
		type = json_str(arg, "type");
		if (!type || (strcmp(type, "SOFT") != 0 && strcmp(type, "HARD") != 0))
			r = http_error(res, 400, "Invalid input for field/attribute type. Value: must be SOFT or HARD.");
	}
	if (r > 0) {
		bool ok = strcmp(action, "os-start") == 0	? strcmp(vm, "stopped") == 0
			  : strcmp(action, "os-stop") == 0	? strcmp(vm, "active") == 0 || strcmp(vm, "error") == 0
			  : /* reboot */ strcmp(vm, "active") == 0 ||
				  (strcmp(type, "HARD") == 0 && (strcmp(vm, "stopped") == 0 || strcmp(vm, "error") == 0));
		if (!ok)
			r = http_error(res, 409, "Cannot '%s' instance %s while it is in vm_state %s",
				       strcmp(action, "os-start") == 0	 ? "start"
				       : strcmp(action, "os-stop") == 0 ? "stop"
									 : "reboot",
				       id, vm);
	}
	if (r > 0 && strcmp(action, "os-stop") == 0)
		r = store_exec(st,
			       "UPDATE server SET power = 'off', task_state = 'powering-off',"
			       " updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	else if (r > 0 && strcmp(action, "os-start") == 0)
		r = store_exec(st,
			       "UPDATE server SET power = 'on', task_state = 'powering-on',"
			       " updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	else if (r > 0)
		r = store_exec(st,
			       "UPDATE server SET power = 'on', reboot_seq = reboot_seq + 1,"
			       " reboot_type = ?, task_state = ?, updated_at = ?, revision = ?"
			       " WHERE id = ?",
			       "ssiis", type, strcmp(type, "HARD") == 0 ? "rebooting_hard" : "rebooting",
			       now_usec(), store_txn_revision(st), id);
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

int h_server_action(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const char *action;
	json_t *arg;

	if (!body)
		return -1;
	if (!json_is_object(body) || json_object_size(body) != 1)
		return http_error(res, 400, "Invalid input: an action body names exactly one action.");
	action = json_object_iter_key(json_object_iter(body));
	arg = json_object_iter_value(json_object_iter(body));
	if (strcmp(action, "os-getConsoleOutput") == 0)
		return console_output(req, res, id, arg);
	if (strcmp(action, "os-stop") == 0 || strcmp(action, "os-start") == 0 ||
	    strcmp(action, "reboot") == 0)
		return power_action(req, res, id, action, arg);
	return http_error(res, 400, "There is no such action: %s", action);
}

/* --- metadata --- */

static int metadata_reply(struct http_request *req, struct http_response *res, const char *id)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_t *m = json_object();
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q, "SELECT meta_key, meta_value FROM server_metadata WHERE server_id = ?",
			"s", id);
	while (r >= 0 && (r = store_next(q)) > 0)
		json_object_set_new(m, store_text(q, 0), json_string(store_text(q, 1)));
	if (r >= 0 || q)
		store_done(q);
	return http_reply(res, 200, json_pack("{s:o}", "metadata", m));
}

int h_server_metadata_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "server_id");
	char vm[16];

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_state(req, res, st, id, vm, NULL) <= 0)
		return -1;
	return metadata_reply(req, res, id);
}

/* POST merges, PUT replaces everything. */
int h_server_metadata_set(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *m = json_object_get(body, "metadata");
	struct store *st;
	char vm[16];
	int r;

	if (!body)
		return -1;
	if (!json_is_object(m) || json_object_size(body) != 1)
		return http_error(res, 400, "Malformed request body: expected {\"metadata\": {...}}.");
	if (server_metadata_check(res, m) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_state(req, res, st, id, vm, NULL);
	if (r > 0 && strcmp(req->method, "PUT") == 0)
		r = store_exec(st, "DELETE FROM server_metadata WHERE server_id = ?", "s", id);
	if (r >= 0)
		r = server_metadata_put(st, id, m);
	if (api_write_end(res, st, r, "metadata") < 0)
		return -1;
	return metadata_reply(req, res, id);
}

int h_server_metadata_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "server_id"), *key = http_param(req, "key");
	struct store_stmt *q;
	json_t *out = NULL;
	char vm[16];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_state(req, res, st, id, vm, NULL) <= 0)
		return -1;
	r = store_query(st, &q,
			"SELECT meta_value FROM server_metadata WHERE server_id = ? AND meta_key = ?",
			"ss", id, key);
	if (r < 0)
		return http_error_errno(res, r, "metadata");
	if (store_next(q) > 0)
		out = json_pack("{s:{s:s}}", "meta", key, store_text(q, 0));
	store_done(q);
	if (!out)
		return http_error(res, 404, "Metadata item was not found");
	return http_reply(res, 200, out);
}

int h_server_metadata_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id"), *key = http_param(req, "key");
	struct store *st = api_write_begin(req, res);
	char vm[16];
	int r;

	if (!st)
		return -1;
	r = server_state(req, res, st, id, vm, NULL);
	if (r > 0)
		r = store_exec(st, "DELETE FROM server_metadata WHERE server_id = ? AND meta_key = ?",
			       "ss", id, key);
	if (r == 0)
		r = http_error(res, 404, "Metadata item was not found");
	if (api_write_end(res, st, r, "metadata") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
