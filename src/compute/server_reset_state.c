/* server_reset_state.c - Nova's os-resetState admin action: the server's
 * vm_state set to "active" or "error" (its task cleared) in the database
 * and nowhere else, as Nova does. A server an admin marks ERROR keeps its
 * VM: the desired state goes on listing a server in error once it was
 * launched (server_agent.c), and the host's reports do not move it out of
 * error; only a delete removes the VM. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

int server_reset_state(struct store *st, const struct caller *c, const char *id,
		       const char *state, struct nova_fault *f)
{
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:os-admin-actions:reset_state", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	/* Basalt's deleting is a vm_state (Nova's a task): a delete under way
	 * is not undone. */
	if (strcmp(s.vm_state, "deleting") == 0)
		return nova_fail(f, -EALREADY,
				 "Cannot 'os-resetState' instance %s while it is in vm_state deleting",
				 id);
	r = store_exec(st,
		       "UPDATE server SET vm_state = ?, task_state = NULL, updated_at = ?,"
		       " revision = ? WHERE id = ?",
		       "siis", state, now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

int server_reset_state_action(struct http_request *req, struct http_response *res,
			      const char *id, const json_t *arg)
{
	const char *state = json_str(arg, "state"), *k;
	struct nova_fault f = { "" };
	struct store *st;
	json_t *v;
	int r;

	if (!json_is_object(arg))
		return http_error(res, 400, "Invalid input for field/attribute os-resetState. Value: %s. It is not an object.",
				  json_is_null(arg) ? "None" : "not an object");
	json_object_foreach((json_t *)arg, k, v)
		if (strcmp(k, "state") != 0)
			return http_error(res, 400, "Invalid input for field/attribute os-resetState. Value: Additional properties are not allowed ('%s' was unexpected)", k);
	if (!json_object_get(arg, "state"))
		return http_error(res, 400, "Invalid input for field/attribute os-resetState. Value: {}. 'state' is a required property");
	if (!state || (strcmp(state, "active") != 0 && strcmp(state, "error") != 0))
		return http_error(res, 400, "Invalid input for field/attribute state. Value: %s. '%s' is not one of ['active', 'error']",
				  state ? state : "(not a string)", state ? state : "(not a string)");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_reset_state(st, &req->caller, id, state, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}
