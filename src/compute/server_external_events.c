/* server_external_events.c - Nova's os-server-external-events: what
 * another service (Neutron, an admin) tells the compute service about a
 * server. Each event of a request is answered on its own: code 200
 * ("completed") when its server has a host, 404 when there is no such
 * server, 422 when the server has no host yet, 400 when an event that
 * needs a tag has none ("failed" for all three); 207 when any failed, as
 * Nova answers since bug 1855752 (never 404 for the whole request).
 *
 * What Basalt does with them: nothing more than log them. The network
 * events (network-changed, network-vif-plugged/-unplugged/-deleted) ask
 * Nova to refresh its cache of a server's network info or to stop waiting
 * for a VIF; Basalt keeps no such cache (the compute API and every host's
 * desired state read the server's ports each time, so a changed or deleted
 * port shows at once) and its hosts wait for DHCP by applied_revision, not
 * for an event (docs/agent-protocol.md). volume-extended (2.51) names
 * volumes, which Basalt has none of. Nothing is written: a request leaves
 * the store as it was. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

/* The event names of the request's microversion: 1 when name is one. */
static int event_name_known(const char *name, bool v251)
{
	static const char *const names[] = { "network-changed", "network-vif-plugged",
					     "network-vif-unplugged", "network-vif-deleted" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return v251 && strcmp(name, "volume-extended") == 0;
}

/* The server id of s, a uuid (32 hex digits, or 36 with dashes at 8, 13,
 * 18 and 23), as Basalt stores server ids (32 lowercase hex) in out:
 * 0, or -EINVAL when s is no uuid. */
static int event_server_id(const char *s, char out[ID_HEX_LEN + 1])
{
	size_t n = strlen(s), k = 0;

	if (n != ID_HEX_LEN && n != UUID_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (n == UUID_LEN && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		out[k++] = (char)tolower((unsigned char)s[i]);
	}
	out[k] = '\0';
	return 0;
}

/* Check the body against Nova's schema of the request's microversion
 * (v251: 2.51 and later): 0, or -EINVAL with Nova's words in f. */
static int events_check(const json_t *body, bool v251, struct nova_fault *f)
{
	const json_t *events = json_object_get(body, "events"), *ev;
	char id[ID_HEX_LEN + 1];
	const char *k;
	json_t *v;
	size_t i;

	if (!json_is_object(body))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute body. Value: not an object.");
	json_object_foreach((json_t *)body, k, v)
		if (strcmp(k, "events") != 0)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute body. Value: Additional properties are not allowed ('%s' was unexpected)", k);
	if (!events)
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute body. Value: 'events' is a required property");
	if (!json_is_array(events))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute events. Value: not an array.");
	if (json_array_size(events) == 0)
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute events. Value: []. [] is too short");
	json_array_foreach(events, i, ev) {
		if (!json_is_object(ev))
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute events[%zu]. Value: not an object.", i);
		json_object_foreach((json_t *)ev, k, v) {
			if (strcmp(k, "name") != 0 && strcmp(k, "server_uuid") != 0 &&
			    strcmp(k, "status") != 0 && strcmp(k, "tag") != 0)
				return nova_fail(f, -EINVAL, "Invalid input for field/attribute events[%zu]. Value: Additional properties are not allowed ('%s' was unexpected)", i, k);
			if (!json_is_string(v))
				return nova_fail(f, -EINVAL, "Invalid input for field/attribute %s. Value: not a string.", k);
		}
		const char *name = json_str(ev, "name"), *uuid = json_str(ev, "server_uuid");
		const char *status = json_str(ev, "status"), *tag = json_str(ev, "tag");
		if (!name || !uuid)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute events[%zu]. Value: '%s' is a required property", i, name ? "server_uuid" : "name");
		if (!event_name_known(name, v251))
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute name. Value: %s. '%s' is not one of the event names", name, name);
		if (event_server_id(uuid, id) < 0)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute server_uuid. Value: %s. '%s' is not a 'uuid'", uuid, uuid);
		if (status && strcmp(status, "failed") != 0 && strcmp(status, "completed") != 0 &&
		    strcmp(status, "in-progress") != 0)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute status. Value: %s. '%s' is not one of ['failed', 'completed', 'in-progress']", status, status);
		if (tag && strlen(tag) > 255)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute tag. Value: %s. It is longer than 255 characters", tag);
	}
	return 0;
}

/* Answer one checked event ev in place ("code" and "status"): 1 when it
 * was taken, 0 when it failed, or -errno when the store failed. */
static int event_deliver(struct store *st, json_t *ev, const char *request_id)
{
	const char *name = json_str(ev, "name"), *tag = json_str(ev, "tag");
	char id[ID_HEX_LEN + 1], host[256] = "";
	struct store_stmt *q;
	int code, r;

	event_server_id(json_str(ev, "server_uuid"), id);
	r = store_query(st, &q, "SELECT COALESCE(host, '') FROM server WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(host, sizeof(host), "%s", store_text(q, 0));
	store_done(q);
	if (r < 0)
		return r;
	if (r == 0)
		code = 404;
	else if (!tag && strcmp(name, "volume-extended") == 0)
		code = 400; /* Nova's events about a device name it in the tag */
	else if (!host[0])
		code = 422; /* not scheduled: no host to deliver it to */
	else
		code = 200;
	if (code == 200)
		log_info("%s: event %s%s%s for server %s on %s: taken (nothing cached to refresh)",
			 request_id, name, tag ? ":" : "", tag ? tag : "", id, host);
	else
		log_info("%s: event %s for server %s dropped (%d)", request_id, name, id, code);
	json_object_set_new(ev, "code", json_integer(code));
	json_object_set_new(ev, "status", json_string(code == 200 ? "completed" : "failed"));
	return code == 200;
}

int h_server_external_events(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct store *st = basalt_store(req->b);
	struct nova_fault f = { "" };
	bool failed = false;
	json_t *ev;
	size_t i;
	int r;

	if (!body)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = events_check(body, microversion_at_least(req, 2, 51), &f);
	if (r < 0)
		return nova_error(res, r, &f, "events");
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	json_array_foreach(json_object_get(body, "events"), i, ev) {
		r = event_deliver(st, ev, req->request_id);
		if (r < 0)
			break;
		failed |= r == 0;
	}
	store_rollback(st);
	if (r < 0)
		return http_error_errno(res, r, "server");
	return http_reply(res, failed ? 207 : 200, json_incref(body));
}
