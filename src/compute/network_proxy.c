/* network_proxy.c - Nova's network proxies: os-networks and
 * os-tenant-networks (list, show) and os-floating-ip-pools, views in
 * Nova's shapes of the networks the caller may see in the network service
 * (get_network: its own, shared and external ones), up to microversion
 * 2.35; 404 from 2.36 as Nova. Also the cut-off every proxy shares, and
 * what Nova with Neutron answers to nova-network's os-virtual-interfaces. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/http.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

int nova_proxy_gone(struct http_request *req, struct http_response *res, int minor)
{
	if (microversion_at_least(req, 2, minor))
		return http_error(res, 404, "The resource could not be found.");
	return 0;
}

int h_nova_proxy_no_id(struct http_request *req, struct http_response *res)
{
	(void)req;
	return http_error(res, 404, "The resource could not be found.");
}

int h_nova_gone(struct http_request *req, struct http_response *res)
{
	(void)req;
	return http_error(res, 410, "This resource is no longer available. No forwarding address "
			  "is given.");
}

/* os-virtual-interfaces was nova-network's: a Nova with Neutron answers
 * 400 below 2.44 (after the server is found: 404 first for a missing or
 * another project's), and 404 from 2.44, where the API went away. */
int h_nova_virtual_interfaces(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (nova_proxy_gone(req, res, 44) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, http_param(req, "server_id"), NULL) < 0)
		return -1;
	return http_error(res, 400, "Listing virtual interfaces is not supported by this cloud.");
}

/* os-networks shows nova-network's fields: only id and label (the name)
 * have values behind Neutron; admins see more, all null. */
static json_t *nova_network(const struct caller *c, const json_t *n, bool tenant)
{
	static const char *const fields[] = { "cidr", "netmask", "gateway", "broadcast", "dns1",
					      "dns2", "cidr_v6", "gateway_v6", "netmask_v6" };
	static const char *const admin_fields[] = {
		"created_at", "updated_at", "deleted_at", "deleted", "injected", "bridge", "vlan",
		"vpn_public_address", "vpn_public_port", "vpn_private_address", "dhcp_start",
		"project_id", "host", "bridge_interface", "multi_host", "priority", "rxtx_base",
		"mtu", "dhcp_server", "enable_dhcp", "share_address"
	};
	json_t *o = json_pack("{s:s,s:s}", "id", json_str(n, "id"), "label", json_str(n, "name"));

	if (!o)
		return NULL;
	if (tenant) /* os-tenant-networks: cidr is str(None) */
		return json_object_set_new(o, "cidr", json_string("None")), o;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		json_object_set_new(o, fields[i], json_null());
	if (policy_allows(c, "context_is_admin", NULL))
		for (size_t i = 0; i < ARRAY_SIZE(admin_fields); i++)
			json_object_set_new(o, admin_fields[i], json_null());
	return o;
}

/* The networks c may see, rendered as the network service does (new
 * reference; NULL with *err). external_only: the floating IP pools. */
static json_t *visible(const struct caller *c, struct store *st, bool external_only, int *err)
{
	_cleanup_json_ json_t *ids = NULL;
	json_t *out, *id;
	size_t i;

	ids = external_only ? network_ids(st, err, "SELECT id FROM network WHERE external = 1"
						   " ORDER BY created_at, id", "")
			    : network_ids(st, err, "SELECT id FROM network ORDER BY created_at, id", "");
	if (!ids || !(out = json_array()))
		return NULL;
	json_array_foreach(ids, i, id) {
		json_t *n = network_render(c, st, json_string_value(id));
		if (n)
			json_array_append_new(out, n);
	}
	return out;
}

/* What a list shows: os-networks, os-tenant-networks, or the floating IP
 * pools (the external networks, by name or id). */
enum view { V_NETWORKS, V_TENANT, V_POOLS };

static int list(struct http_request *req, struct http_response *res, enum view v)
{
	struct store *st = basalt_store(req->b);
	_cleanup_json_ json_t *nets = NULL;
	json_t *out, *n;
	size_t i;
	int r = -ENOMEM;

	if (nova_proxy_gone(req, res, 36) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (!(nets = visible(&req->caller, st, v == V_POOLS, &r)) || !(out = json_array()))
		return http_error_errno(res, r, "networks");
	json_array_foreach(nets, i, n) {
		const char *name = json_str(n, "name");
		if (v != V_POOLS)
			json_array_append_new(out, nova_network(&req->caller, n, v == V_TENANT));
		else
			json_array_append_new(out, json_pack("{s:s}", "name", name && name[0] ? name
											: json_str(n, "id")));
	}
	return http_reply(res, 200, json_pack("{s:o}", v == V_POOLS ? "floating_ip_pools" : "networks",
					      out));
}

static int show(struct http_request *req, struct http_response *res, bool tenant)
{
	struct store *st = basalt_store(req->b);
	_cleanup_json_ json_t *n = NULL;

	if (nova_proxy_gone(req, res, 36) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	n = network_render(&req->caller, st, http_param(req, "network_id"));
	if (!n)
		return http_error(res, 404, "Network not found");
	return http_reply(res, 200,
			  json_pack("{s:o}", "network", nova_network(&req->caller, n, tenant)));
}

int h_nova_network_list(struct http_request *req, struct http_response *res)
{
	return list(req, res, V_NETWORKS);
}

int h_nova_network_get(struct http_request *req, struct http_response *res)
{
	return show(req, res, false);
}

int h_nova_tenant_network_list(struct http_request *req, struct http_response *res)
{
	return list(req, res, V_TENANT);
}

int h_nova_tenant_network_get(struct http_request *req, struct http_response *res)
{
	return show(req, res, true);
}

int h_nova_fip_pools(struct http_request *req, struct http_response *res)
{
	return list(req, res, V_POOLS);
}
