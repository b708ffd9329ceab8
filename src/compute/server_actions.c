/* server_actions.c - the handlers of POST /servers/{id}/action (os-stop,
 * os-start, reboot, os-getConsoleOutput, resize, confirmResize,
 * revertResize, createImage, createBackup, lock, unlock, pause, unpause, suspend,
 * resume, rescue, unrescue, rebuild, forceDelete, restore) and of the server metadata and
 * os-server-password calls
 * (the server resource, server.c, does the work). Actions record what
 * should be; the host's agent makes it so (docs/agent-protocol.md). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

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
	struct nova_fault f = { "" };
	long lines = -1;
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
	r = server_console(st, &req->caller, id, &console, &f);
	if (r < 0)
		return nova_error(res, r, &f, "server");
	return http_reply(res, 200, json_pack("{s:s}", "output", console ? tail_lines(console, lines) : ""));
}

/* Record a power change. Nova refuses what the current state forbids. */
static int power_action(struct http_request *req, struct http_response *res, const char *id,
			const char *action, const json_t *arg)
{
	enum server_power op = strcmp(action, "os-start") == 0	 ? SERVER_START
			       : strcmp(action, "os-stop") == 0 ? SERVER_STOP
								 : SERVER_REBOOT;
	const char *type = op == SERVER_REBOOT ? json_str(arg, "type") : NULL;
	struct nova_fault f = { "" };
	struct store *st;
	int r;

	if (op == SERVER_REBOOT && (!type || (strcmp(type, "SOFT") != 0 && strcmp(type, "HARD") != 0)))
		return http_error(res, 400, "Invalid input for field/attribute type. Value: must be SOFT or HARD.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_power(st, &req->caller, id, op, type && strcmp(type, "HARD") == 0, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

/* resize, confirmResize, revertResize (server_resize.c). */
static int resize_action(struct http_request *req, struct http_response *res, const char *id,
			 const char *action, const json_t *arg)
{
	static const struct jfield fields[] = {
		{ "flavorRef", J_ANY, true, 0 },
		{ "OS-DCF:diskConfig", J_STRING, false, 16 },
	};
	const json_t *fr = json_object_get(arg, "flavorRef");
	char flavor[256] = "", err[300];
	struct nova_fault f = { "" };
	struct store *st;
	int status = 202, auto_disk = -1, r;

	if (strcmp(action, "resize") == 0) {
		if (!json_is_object(arg))
			return http_error(res, 400, "Invalid input for field/attribute resize. Value: %s. It is not of type 'object'",
					  json_is_string(arg) ? json_string_value(arg) : "(not an object)");
		if (json_check(arg, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "Invalid input for field/attribute resize. %s", err);
		if (json_is_integer(fr))
			snprintf(flavor, sizeof(flavor), "%lld", (long long)json_integer_value(fr));
		else if (json_is_string(fr) && json_string_length(fr) > 0 && json_string_length(fr) < 256)
			snprintf(flavor, sizeof(flavor), "%s",
				 strrchr(json_string_value(fr), '/') ? strrchr(json_string_value(fr), '/') + 1
								     : json_string_value(fr));
		else
			return http_error(res, 400, "Invalid input for field/attribute flavorRef.");
		if (server_disk_config_of(arg, &auto_disk, &f) < 0)
			return http_error(res, 400, "%s", f.msg);
	}
	/* confirmResize and revertResize take any value, as in Nova (its
	 * schema leaves them open; tempest sends {}). */
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	if (strcmp(action, "resize") == 0) {
		r = server_resize(req->b, st, &req->caller, id, flavor, auto_disk, &f);
	} else if (strcmp(action, "confirmResize") == 0) {
		r = server_resize_confirm(st, &req->caller, id, &f);
		status = 204;
	} else {
		r = server_resize_revert(st, &req->caller, id, &f);
	}
	/* No room on the host: as Nova's, the request is taken and the
	 * server stays as it was (the scheduler's NoValidHost is logged). */
	if (r == -ENOSPC) {
		log_warn("%s server %s: resize: %s", req->request_id, id, f.msg);
		store_rollback(st);
		return http_reply(res, 202, NULL);
	}
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, status, NULL);
}

/* createImage (server_snapshot.c): 202 with the image's Location, or at
 * 2.45 and later a body naming it. */
static int create_image(struct http_request *req, struct http_response *res, const char *id,
			const json_t *arg)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, true, 255 },
		{ "metadata", J_OBJECT, false, 0 },
	};
	char err[300], image[65] = "", loc[2048];
	struct nova_fault f = { "" };
	struct store *st;
	int r;

	if (!json_is_object(arg))
		return http_error(res, 400, "Invalid input for field/attribute createImage. It is not of type 'object'");
	if (json_check(arg, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "Invalid input for field/attribute createImage. %s", err);
	if (!json_str(arg, "name")[0])
		return http_error(res, 400, "Invalid input for field/attribute name. Value: . '' is too short");
	if (server_metadata_check(json_object_get(arg, "metadata"), &f) < 0)
		return http_error(res, 400, "%s", f.msg);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_snapshot(st, &req->caller, id, json_str(arg, "name"),
			    json_object_get(arg, "metadata"), image, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	if (microversion_at_least(req, 2, 45))
		return http_reply(res, 202, json_pack("{s:s}", "image_id", image));
	snprintf(loc, sizeof(loc), "%s/compute/v2.1/images/%s", http_base_url(req), image);
	http_header_add(res, "Location", loc);
	return http_reply(res, 202, NULL);
}

/* Nova's non_negative_integer: an integer, or a string of digits, >= 0.
 * 1 and *out, or 0. */
static bool non_negative(const json_t *v, int64_t *out)
{
	const char *p;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return *out >= 0 && *out <= INT32_MAX;
	}
	if (!json_is_string(v) || !json_string_value(v)[0])
		return false;
	*out = 0;
	for (p = json_string_value(v); *p; p++) {
		if (*p < '0' || *p > '9' || *out > INT32_MAX / 10)
			return false;
		*out = *out * 10 + (*p - '0');
	}
	return *out <= INT32_MAX;
}

/* createBackup {name, backup_type, rotation, metadata?}
 * (server_snapshot.c): as createImage, but the Location (below 2.45) only
 * when rotation > 0, as Nova. */
static int create_backup(struct http_request *req, struct http_response *res, const char *id,
			 const json_t *arg)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, true, 255 },
		{ "backup_type", J_STRING, true, 255 },
		{ "rotation", J_ANY, true, 0 },
		{ "metadata", J_OBJECT, false, 0 },
	};
	const json_t *rot = json_object_get(arg, "rotation");
	const char *name;
	char err[300], image[65] = "", loc[2048];
	struct nova_fault f = { "" };
	struct store *st;
	int64_t rotation;
	size_t n;
	int r;

	if (!json_is_object(arg))
		return http_error(res, 400, "Invalid input for field/attribute createBackup. It is not of type 'object'");
	if (json_check(arg, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "Invalid input for field/attribute createBackup. %s", err);
	name = json_str(arg, "name");
	n = strlen(name);
	if (!n)
		return http_error(res, 400, "Invalid input for field/attribute name. Value: . '' is too short");
	if (strchr(" \t\n\r\v\f", name[0]) || strchr(" \t\n\r\v\f", name[n - 1]))
		return http_error(res, 400, "Invalid input for field/attribute name. Value: %s. An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.", name);
	if (!non_negative(rot, &rotation)) {
		if (json_is_integer(rot))
			return http_error(res, 400, "Invalid input for field/attribute rotation. Value: %lld. %lld is less than the minimum of 0", (long long)json_integer_value(rot), (long long)json_integer_value(rot));
		return http_error(res, 400, "Invalid input for field/attribute rotation. Value: %s. It must be a non-negative integer.", json_is_string(rot) ? json_string_value(rot) : "(not an integer)");
	}
	if (server_metadata_check(json_object_get(arg, "metadata"), &f) < 0)
		return http_error(res, 400, "%s", f.msg);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_backup(st, &req->caller, id, name, json_object_get(arg, "metadata"),
			  json_str(arg, "backup_type"), rotation, image, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	if (microversion_at_least(req, 2, 45))
		return http_reply(res, 202, json_pack("{s:s}", "image_id", image));
	if (rotation > 0) {
		snprintf(loc, sizeof(loc), "%s/compute/v2.1/images/%s", http_base_url(req), image);
		http_header_add(res, "Location", loc);
	}
	return http_reply(res, 202, NULL);
}

/* --- lock, pause, suspend, rescue, rebuild (server_states.c does the work) --- */

/* Nova validates only lock's body, from 2.73: {"lock": null} or {"lock":
 * {"locked_reason": "..."}}. Before 2.73, and for unlock, any body goes
 * ({"lock": null} as the CLI sends, {"lock": {}} as tempest does). */
static int lock_action(struct http_request *req, struct http_response *res, const char *id,
		       bool lock, const json_t *arg)
{
	static const struct jfield fields[] = { { "locked_reason", J_STRING, false, 255 } };
	const char *reason = NULL;
	struct nova_fault f = { "" };
	char err[256];
	struct store *st;
	int r;

	if (lock && microversion_at_least(req, 2, 73) && json_is_object(arg)) {
		if (json_check(arg, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "Invalid input for field/attribute lock. %s", err);
		reason = json_str(arg, "locked_reason");
	} else if (lock && microversion_at_least(req, 2, 73) && !json_is_null(arg)) {
		return http_error(res, 400, "Invalid input for field/attribute lock. "
				  "It is not of type 'object', 'null'");
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_lock(st, &req->caller, id, lock, reason, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

static int state_action(struct http_request *req, struct http_response *res, const char *id,
			enum server_op op, const json_t *arg)
{
	static const struct jfield rescue_fields[] = { { "adminPass", J_STRING, false, 255 },
						       { "rescue_image_ref", J_STRING, false, 255 } };
	const char *image = NULL, *pass = NULL;
	struct nova_fault f = { "" };
	char err[256], made[17];
	struct store *st;
	int r;

	if (op == SERVER_RESCUE && !json_is_null(arg)) {
		if (!json_is_object(arg) ||
		    json_check(arg, rescue_fields, ARRAY_SIZE(rescue_fields), err, sizeof(err)) < 0)
			return http_error(res, 400, "Invalid input for field/attribute rescue. %s",
					  json_is_object(arg) ? err : "Value: not an object or null.");
		image = json_str(arg, "rescue_image_ref");
		pass = json_str(arg, "adminPass");
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_state_op(st, &req->caller, id, op, image, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	if (op != SERVER_RESCUE)
		return http_reply(res, 202, NULL);
	if (!pass) {
		server_admin_pass(made);
		pass = made;
	}
	return http_reply(res, 200, json_pack("{s:s}", "adminPass", pass));
}

static int rebuild_action(struct http_request *req, struct http_response *res, const char *id,
			  const json_t *arg)
{
	static const struct jfield fields[] = {
		{ "imageRef", J_STRING, true, 1024 },
		{ "name", J_STRING, false, 255 },
		{ "adminPass", J_STRING, false, 255 },
		{ "metadata", J_OBJECT, false, 0 },
		{ "preserve_ephemeral", J_BOOL, false, 0 },
		{ "OS-DCF:diskConfig", J_STRING, false, 16 },
		{ "accessIPv4", J_STRING_NULL, false, 64 },
		{ "accessIPv6", J_STRING_NULL, false, 64 },
		{ "personality", J_ARRAY, false, 0 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "key_name", J_STRING_NULL, false, 255 },
		{ "user_data", J_STRING_NULL, false, 65535 },
	};
	struct server_rebuild rb = { 0 };
	struct nova_fault f = { "" };
	const char *image, *pass;
	char err[256], made[17];
	struct store_stmt *q;
	struct store *st;
	json_t *out;
	int r;

	if (!json_is_object(arg))
		return http_error(res, 400, "Invalid input for field/attribute rebuild. Value: not an object.");
	if (json_check(arg, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "Invalid input for field/attribute rebuild. %s", err);
	/* Fields of later microversions are refused before them, as Nova's
	 * schemas do (additionalProperties: false). */
	if ((json_object_get(arg, "key_name") && !microversion_at_least(req, 2, 54)) ||
	    (json_object_get(arg, "user_data") && !microversion_at_least(req, 2, 57)) ||
	    (json_object_get(arg, "description") && !microversion_at_least(req, 2, 19)) ||
	    (json_object_get(arg, "personality") && microversion_at_least(req, 2, 57)))
		return http_error(res, 400, "Invalid input for field/attribute rebuild. "
				  "Additional properties are not allowed.");
	image = json_str(arg, "imageRef");
	if (!image[0])
		return http_error(res, 400, "Invalid input for field/attribute imageRef. Value: . '' is too short");
	if (json_str(arg, "name") && !json_str(arg, "name")[0])
		return http_error(res, 400, "Invalid input for field/attribute name. Value: . '' is too short");
	if (server_disk_config_of(arg, &rb.auto_disk, &f) < 0)
		return http_error(res, 400, "%s", f.msg);
	if (json_str(arg, "user_data")) {
		unsigned char tmp[65536];
		const char *ud = json_str(arg, "user_data");
		size_t n;
		if (sodium_base642bin(tmp, sizeof(tmp), ud, strlen(ud), "\n\r", &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0)
			return http_error(res, 400, "User data needs to be valid base 64.");
	}
	rb.image_ref = strrchr(image, '/') ? strrchr(image, '/') + 1 : image;
	rb.name = json_str(arg, "name");
	rb.metadata = json_object_get(arg, "metadata");
	rb.set_key_name = json_object_get(arg, "key_name") != NULL;
	rb.key_name = json_str(arg, "key_name");
	rb.set_user_data = json_object_get(arg, "user_data") != NULL;
	rb.user_data = json_str(arg, "user_data");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_rebuild(st, &req->caller, id, &rb, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	/* Nova answers with the server as it shows it now (REBUILD). */
	r = server_row_query(st, id, &q);
	if (r < 0)
		return http_error_errno(res, r, "server");
	out = render_server_changed(req, q);
	/* What a rebuild may change, in its reply from the microversion that
	 * lets it change it (as Nova's): key_name from 2.54, user_data 2.57. */
	if (out && microversion_at_least(req, 2, 54))
		json_object_set_new(out, "key_name", store_text(q, SC_KEY_NAME)
							 ? json_string(store_text(q, SC_KEY_NAME))
							 : json_null());
	store_done(q);
	if (out && microversion_at_least(req, 2, 57)) {
		struct server_guest g;
		r = server_guest_load(st, id, &g);
		if (r < 0) {
			json_decref(out);
			return http_error_errno(res, r, "server");
		}
		json_object_set_new(out, "user_data",
				    g.user_data ? json_string(g.user_data) : json_null());
		server_guest_free(&g);
	}
	pass = json_str(arg, "adminPass");
	if (!pass) {
		server_admin_pass(made);
		pass = made;
	}
	json_object_set_new(out, "adminPass", json_string(pass));
	return http_reply(res, 202, json_pack("{s:o}", "server", out));
}

/* forceDelete and restore (Nova's os-deferred-delete). Basalt has Nova's
 * default reclaim_instance_interval = 0, so no soft delete: a server is
 * never SOFT_DELETED, forceDelete deletes as DELETE does (under its own
 * rule) and restore is 409 for every server. Both take any body. */
static int deferred_delete_action(struct http_request *req, struct http_response *res,
				  const char *id, bool force)
{
	struct nova_fault f = { "" };
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = force ? server_delete(req->b, st, &req->caller, id,
				  "os_compute_api:os-deferred-delete:force", &f)
		  : server_restore(st, &req->caller, id, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

/* An action Basalt does not know: 404 when the caller cannot see server
 * id (Nova looks the server up before it runs any action it has), else
 * Nova's 400 for an unknown action. */
static int unknown_action(struct http_request *req, struct http_response *res, const char *id,
			  const char *action)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, id, NULL) < 0)
		return -1;
	return http_error(res, 400, "There is no such action: %s", action);
}

int h_server_action(struct http_request *req, struct http_response *res)
{
	static const struct {
		const char *name;
		enum server_op op;
	} state_ops[] = { { "pause", SERVER_PAUSE },	 { "unpause", SERVER_UNPAUSE },
			  { "suspend", SERVER_SUSPEND }, { "resume", SERVER_RESUME },
			  { "rescue", SERVER_RESCUE },	 { "unrescue", SERVER_UNRESCUE } };
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
	if (strcmp(action, "os-getSerialConsole") == 0)
		return server_serial_console_action(req, res, id, arg);
	if (strcmp(action, "os-stop") == 0 || strcmp(action, "os-start") == 0 ||
	    strcmp(action, "reboot") == 0)
		return power_action(req, res, id, action, arg);
	if (strcmp(action, "resize") == 0 || strcmp(action, "confirmResize") == 0 ||
	    strcmp(action, "revertResize") == 0)
		return resize_action(req, res, id, action, arg);
	if (strcmp(action, "createImage") == 0)
		return create_image(req, res, id, arg);
	if (strcmp(action, "createBackup") == 0)
		return create_backup(req, res, id, arg);
	if (strcmp(action, "lock") == 0 || strcmp(action, "unlock") == 0)
		return lock_action(req, res, id, strcmp(action, "lock") == 0, arg);
	for (size_t i = 0; i < ARRAY_SIZE(state_ops); i++)
		if (strcmp(action, state_ops[i].name) == 0)
			return state_action(req, res, id, state_ops[i].op, arg);
	if (strcmp(action, "rebuild") == 0)
		return rebuild_action(req, res, id, arg);
	if (strcmp(action, "os-resetState") == 0)
		return server_reset_state_action(req, res, id, arg);
	if (strcmp(action, "addSecurityGroup") == 0 || strcmp(action, "removeSecurityGroup") == 0)
		return server_secgroup_action(req, res, id, action[0] == 'a', arg);
	if (strcmp(action, "addFloatingIp") == 0 || strcmp(action, "removeFloatingIp") == 0)
		return server_fip_action(req, res, id, action[0] == 'a', arg);
	if (strcmp(action, "addFixedIp") == 0 || strcmp(action, "removeFixedIp") == 0)
		return server_fixed_ip_action(req, res, id, action[0] == 'a', arg);
	if (strcmp(action, "forceDelete") == 0 || strcmp(action, "restore") == 0)
		return deferred_delete_action(req, res, id, action[0] == 'f');
	return unknown_action(req, res, id, action);
}

/* --- metadata --- */

int h_server_metadata_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct nova_fault f = { "" };
	json_t *m;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = server_metadata_list(st, &req->caller, http_param(req, "server_id"), &m, &f);
	if (r < 0)
		return nova_error(res, r, &f, "metadata");
	return http_reply(res, 200, json_pack("{s:o}", "metadata", m));
}

/* POST merges, PUT replaces everything. */
int h_server_metadata_set(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	json_t *m = json_object_get(body, "metadata");
	struct nova_fault f = { "" };
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (!json_is_object(m) || json_object_size(body) != 1)
		return http_error(res, 400, "Malformed request body: expected {\"metadata\": {...}}.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_metadata_set(st, &req->caller, id, m, strcmp(req->method, "PUT") == 0, &f);
	if (r < 0)
		nova_error(res, r, &f, "metadata");
	if (api_write_end(res, st, r, "metadata") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:o}", "metadata", server_metadata(st, id)));
}

int h_server_metadata_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *key = http_param(req, "key");
	_cleanup_free_ char *value = NULL;
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = server_metadata_get(st, &req->caller, http_param(req, "server_id"), key, &value, &f);
	if (r < 0)
		return nova_error(res, r, &f, "metadata");
	return http_reply(res, 200, json_pack("{s:{s:s}}", "meta", key, value));
}

int h_server_metadata_delete(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return -1;
	r = server_metadata_delete(st, &req->caller, http_param(req, "server_id"),
				   http_param(req, "key"), &f);
	if (r < 0)
		nova_error(res, r, &f, "metadata");
	if (api_write_end(res, st, r, "metadata") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- the password the guest posted (os-server-password) --- */

int h_server_password_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	_cleanup_free_ char *password = NULL;
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = server_password_get(st, &req->caller, http_param(req, "server_id"), &password, &f);
	if (r < 0)
		return nova_error(res, r, &f, "server");
	return http_reply(res, 200, json_pack("{s:s}", "password", password));
}

int h_server_password_clear(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return -1;
	r = server_password_clear(st, &req->caller, http_param(req, "server_id"), &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
