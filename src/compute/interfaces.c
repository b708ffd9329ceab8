/* interfaces.c - the handlers of /servers/{id}/os-interface: list, show,
 * attach (POST: a port_id, or a net_id with fixed_ips, or the only
 * network) and detach (DELETE, 202: the host's agent takes the NIC out of
 * the guest, then the port is released). server_ports.c does the work. */
#include <errno.h>
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

/* The caller's view of server id's NICs (all, or the one on port). */
static int interfaces(struct http_request *req, struct http_response *res, const char *rule,
		      const char *port, json_t **out)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "server_id");
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, id, rule) < 0)
		return -1;
	r = server_interfaces(st, id, port, microversion_at_least(req, 2, 70), out);
	if (r < 0)
		return http_error_errno(res, r, "interfaces");
	return 0;
}

int h_server_interface_list(struct http_request *req, struct http_response *res)
{
	json_t *list;

	if (interfaces(req, res, "os_compute_api:os-attach-interfaces:list", NULL, &list) < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:o}", "interfaceAttachments", list));
}

/* status 200 {"interfaceAttachment": {...}} for port, or Nova's 404. */
static int reply_interface(struct http_request *req, struct http_response *res, const char *rule,
		     const char *port)
{
	json_t *list, *one;

	if (interfaces(req, res, rule, port, &list) < 0)
		return -1;
	one = json_array_get(list, 0);
	if (!one) {
		json_decref(list);
		return http_error(res, 404, "Instance %s does not have a port with id %s",
				  http_param(req, "server_id"), port);
	}
	one = json_pack("{s:O}", "interfaceAttachment", one);
	json_decref(list);
	return http_reply(res, 200, one);
}

int h_server_interface_get(struct http_request *req, struct http_response *res)
{
	return reply_interface(req, res, "os_compute_api:os-attach-interfaces:show",
			 http_param(req, "port_id"));
}

int h_server_interface_create(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = NULL;
	const json_t *att = NULL;
	char port[UUID_LEN + 1] = "";
	struct nova_fault f = { "" };
	struct store *st;
	const char *k;
	json_t *v;
	int r;

	/* Nova takes no body, {} or {"interfaceAttachment": {...}}. */
	if (req->body_len) {
		body = http_body_json(req, res);
		if (!body)
			return -1;
		if (!json_is_object(body))
			return http_error(res, 400, "Invalid input for field/attribute body. Value: not an object.");
		json_object_foreach(body, k, v)
			if (strcmp(k, "interfaceAttachment") != 0)
				return http_error(res, 400, "Invalid input for field/attribute body. Value: Additional properties are not allowed ('%s' was unexpected)", k);
		att = json_object_get(body, "interfaceAttachment");
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_interface_attach(req->b, st, &req->caller, http_param(req, "server_id"), att,
				    microversion_at_least(req, 2, 49), port, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "interface") < 0)
		return -1;
	return reply_interface(req, res, "os_compute_api:os-attach-interfaces:create", port);
}

int h_server_interface_delete(struct http_request *req, struct http_response *res)
{
	struct nova_fault f = { "" };
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = server_interface_detach(st, &req->caller, http_param(req, "server_id"),
				    http_param(req, "port_id"), &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "interface") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}
