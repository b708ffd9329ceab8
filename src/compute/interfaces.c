/* interfaces.c - the handlers of /servers/{id}/os-interface: list, show,
 * attach (POST: a port_id, or a net_id with fixed_ips, or the only
 * network) and detach (DELETE, 202: the host's agent takes the NIC out of
 * the guest, then the port is released), and the actions addFixedIp /
 * removeFixedIp (Nova's os-multinic, below 2.44) done the same way.
 * server_ports.c does the work. */
#include <arpa/inet.h>
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

/* The port of server_id that holds address (canonical form) into port:
 * 1, 0 (none), or -errno. */
static int port_of_address(struct store *st, const char *server_id, const char *address,
			   char port[UUID_LEN + 1])
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT sp.port_id FROM server_port sp JOIN ip_allocation a"
			    " ON a.port_id = sp.port_id WHERE sp.server_id = ? AND a.ip_address = ?"
			    " ORDER BY sp.ord",
			    "ss", server_id, address);

	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0)
		snprintf(port, UUID_LEN + 1, "%s", store_text(q, 0));
	store_done(q);
	return r;
}

int server_fixed_ip_action(struct http_request *req, struct http_response *res, const char *id,
			   bool add, const json_t *arg)
{
	const char *action = add ? "addFixedIp" : "removeFixedIp";
	const char *field = add ? "networkId" : "address";
	const json_t *v = json_object_get(arg, field);
	char net[64] = "", addr[INET6_ADDRSTRLEN] = "", port[UUID_LEN + 1] = "";
	unsigned char bin[16];
	struct nova_fault f = { "" };
	struct server_ref s;
	struct store *st;
	int r, af = 0;

	/* Gone from 2.44: Nova's 404, as for a method its version lacks. */
	if (nova_proxy_gone(req, res, 44) < 0)
		return -1;
	if (!json_is_object(arg) || !v || json_object_size(arg) != 1)
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. "
				  "It must be {\"%s\": %s}.", action,
				  json_is_object(arg) ? "(other members)" : "(not an object)", field,
				  add ? "a network id" : "an IP address");
	if (add) {
		if (json_is_string(v) && json_string_length(v) >= 1 && json_string_length(v) <= 36)
			snprintf(net, sizeof(net), "%s", json_string_value(v));
		else if (json_is_number(v))
			snprintf(net, sizeof(net), "%lld", (long long)json_number_value(v));
		else
			return http_error(res, 400, "Invalid input for field/attribute networkId. Value: %s. It must be a string of 1 to 36 characters or a number.",
					  json_is_string(v) ? json_string_value(v) : "(not a string)");
	} else {
		const char *a = json_string_value(v);
		if (a && inet_pton(AF_INET, a, bin) == 1)
			af = AF_INET;
		else if (a && inet_pton(AF_INET6, a, bin) == 1)
			af = AF_INET6;
		if (!af)
			return http_error(res, 400, "Invalid input for field/attribute address. Value: %s. '%s' is not a 'ip-address'",
					  a ? a : "(not a string)", a ? a : "");
		inet_ntop(af, bin, addr, sizeof(addr));
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_find(st, &req->caller, id,
			add ? "os_compute_api:os-multinic:add" : "os_compute_api:os-multinic:remove",
			&s, &f);
	if (r >= 0)
		server_ref_free(&s);
	if (r >= 0 && add) {
		/* A new NIC on that network, as os-interface attach makes. */
		json_t *att = json_pack("{s:s}", "net_id", net);
		r = att ? server_interface_attach(req->b, st, &req->caller, id, att, false, port, &f)
			: -ENOMEM;
		json_decref(att);
	} else if (r >= 0) {
		r = port_of_address(st, id, addr, port);
		if (r == 0)
			r = nova_fail(&f, -EINVAL, "Instance %s does not have fixed IP '%s'.", id, addr);
		if (r > 0)
			r = server_interface_detach(st, &req->caller, id, port, &f);
	}
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "interface") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}
