/* subnets.c - /network/v2.0/subnets: IPv4 subnets with their allocation
 * pools, gateway, DNS servers and host routes, and the network's DHCP port
 * that follows its DHCP-enabled subnets. Validation lives in
 * subnet_check.c; this file acts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/network.h"
#include "network/subnet_check.h"
#include "policy/policy.h"
#include "store/store.h"

/* Subnet id as c may see it (get_subnet: its project, its network's
 * owner, or on a shared network): a new reference, or NULL. */
static json_t *subnet_get(const struct caller *c, struct store *st, const char *id)
{
	struct subnet_row sn;
	json_t *s = NULL;
	int r = subnet_store_get(c, st, id, &sn, &s);

	if (r >= 0 && !policy_allows(c, "get_subnet",
				     &(struct target){ .project_id = sn.project_id,
						       .network_project_id = sn.network_project_id,
						       .shared = sn.shared })) {
		json_decref(s);
		s = NULL;
	}
	return s;
}

int h_subnet_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "subnets", "subnet", "get_subnet",
						 subnet_store_target, subnet_store_render_row };

	return network_list_sql(req, res, &l, subnet_store_list_sql, "");
}

int h_subnet_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "subnet_id");
	json_t *s;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	s = subnet_get(&req->caller, st, id);
	store_rollback(st);
	if (!s)
		return http_error(res, 404, "Subnet %s could not be found.", id);
	return network_show_reply(req, res, 200, "subnet", s);
}

static bool in_list(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* Give an existing DHCP port one address in each DHCP subnet, and take
 * back the addresses it holds elsewhere. */
static int dhcp_port_sync(struct store *st, const char *network_id, const char *port_id,
			  const json_t *dhcp_subnets, struct net_fault *f)
{
	_cleanup_json_ json_t *held = port_fixed_ips(st, port_id);
	size_t i;
	json_t *v;
	char ip[16];
	int r = 0;

	if (!held)
		return -EIO;
	json_array_foreach(held, i, v) {
		const char *sid = json_str(v, "subnet_id");
		if (!in_list(dhcp_subnets, sid) &&
		    (r = ipam_release(st, port_id, sid, NULL)) < 0)
			return r;
	}
	json_array_foreach(dhcp_subnets, i, v) {
		bool has = false;
		size_t j;
		json_t *h;
		json_array_foreach(held, j, h)
			has |= strcmp(json_str(h, "subnet_id"), json_string_value(v)) == 0;
		if (has)
			continue;
		r = ipam_allocate(st, json_string_value(v), network_id, port_id, NULL, ip);
		if (r == -ENOSPC)
			return net_fault(f, r, NF_SUBNET_FULL, json_string_value(v), NULL);
		if (r < 0)
			return r;
	}
	return port_store_touch(st, port_id);
}

int network_dhcp_sync(struct basalt *b, struct store *st, const char *network_id,
		      struct net_fault *f)
{
	_cleanup_json_ json_t *subnets = subnet_store_ids(st, network_id, true, NULL);
	_cleanup_json_ json_t *ports = port_store_ids_on_network(st, network_id, "network:dhcp", NULL);
	_cleanup_json_ json_t *fixed = NULL;
	_cleanup_free_ char *project = NULL;
	struct port_spec spec = { 0 };
	char host[256], device[80], id[UUID_LEN + 1];
	size_t i;
	json_t *v;
	bool shared;
	int r;

	if (!subnets || !ports)
		return -EIO;
	/* One DHCP port at most; none without a DHCP subnet. */
	json_array_foreach(ports, i, v) {
		if (i == 0 && json_array_size(subnets))
			continue;
		r = port_delete(st, json_string_value(v));
		if (r < 0)
			return r;
	}
	if (!json_array_size(subnets))
		return 0;
	if (json_array_size(ports))
		return dhcp_port_sync(st, network_id, json_string_value(json_array_get(ports, 0)),
				      subnets, f);
	r = network_lookup(NULL, st, network_id, &project, &shared);
	if (r >= 0)
		r = network_host_pick(b, st, host);
	if (r < 0)
		return r;
	fixed = json_array();
	json_array_foreach(subnets, i, v)
		json_array_append_new(fixed, json_pack("{s:O}", "subnet_id", v));
	snprintf(device, sizeof(device), "dhcp-%s", network_id);
	spec.network_id = network_id;
	spec.project_id = project;
	spec.device_owner = "network:dhcp";
	spec.device_id = device;
	spec.host = host;
	spec.fixed_ips = fixed;
	spec.port_security_enabled = 0;
	return port_make(b, st, &spec, id, f);
}

int h_subnet_create(struct http_request *req, struct http_response *res)
{
	json_t *s, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "subnet", subnet_create_fields,
						      subnet_create_nfields, &s);
	struct subnet_input in;
	struct net_fault f = { 0 };
	char id[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (subnet_input_parse(&req->caller, res, s, NULL, &in) < 0) {
		subnet_input_free(&in);
		return -1;
	}
	st = api_write_begin(req, res);
	if (!st) {
		subnet_input_free(&in);
		return -1;
	}
	r = subnet_input_check(&req->caller, st, res, &in, NULL);
	if (r >= 0)
		r = network_quota_reply(req->b, st, in.project_id, "subnet", res);
	if (r >= 0) {
		uuid_new(id);
		if ((r = subnet_store_insert(st, &in, id)) < 0)
			r = http_error_errno(res, r, "subnet");
	}
	if (r >= 0 && (r = network_dhcp_sync(req->b, st, in.network_id, &f)) < 0)
		network_fault_reply(res, r, &f, "DHCP port");
	if (r >= 0)
		out = subnet_get(&req->caller, st, id);
	subnet_input_free(&in);
	return network_write_reply(req, res, st, r, "subnet", 201, "subnet", out);
}

int h_subnet_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "subnet_id");
	json_t *s, *cur = NULL, *out = NULL;
	_cleanup_json_ json_t *body = api_body_object(req, res, "subnet", subnet_update_fields,
						      subnet_update_nfields, &s);
	struct subnet_input in = { 0 };
	struct net_fault f = { 0 };
	struct store *st;
	int r;

	if (!body)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	cur = subnet_get(&req->caller, st, id);
	r = network_may_change(&req->caller, res, cur, NULL, "Subnet", id, "update_subnet");
	if (r >= 0)
		r = subnet_input_parse(&req->caller, res, s, cur, &in);
	if (r >= 0)
		r = subnet_input_check(&req->caller, st, res, &in, id);
	if (r >= 0 && (r = subnet_store_update(st, &in, id)) < 0)
		r = http_error_errno(res, r, "subnet");
	if (r >= 0 && (r = network_dhcp_sync(req->b, st, in.network_id, &f)) < 0)
		network_fault_reply(res, r, &f, "DHCP port");
	if (r >= 0)
		out = subnet_get(&req->caller, st, id);
	json_decref(cur);
	subnet_input_free(&in);
	return network_write_reply(req, res, st, r, "subnet", 200, "subnet", out);
}

int h_subnet_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "subnet_id");
	struct store *st = api_write_begin(req, res);
	char network_id[65] = "";
	struct net_fault f = { 0 };
	int64_t used = 0;
	json_t *cur;
	int r;

	if (!st)
		return -1;
	cur = subnet_get(&req->caller, st, id);
	r = network_may_change(&req->caller, res, cur, NULL, "Subnet", id, "delete_subnet");
	if (r >= 0)
		r = port_store_count_on_subnet(st, id, &used);
	if (cur)
		snprintf(network_id, sizeof(network_id), "%s", json_str(cur, "network_id"));
	json_decref(cur);
	if (r >= 0 && used > 0)
		r = http_error(res, 409, "Unable to complete operation on subnet %s: One or more ports have an IP allocation from this subnet.", id);
	/* The DHCP port gives its address back first, then the subnet goes. */
	if (r >= 0)
		r = ipam_release_subnet(st, id);
	if (r >= 0)
		r = subnet_store_delete(st, id);
	if (r < 0 && res->status < 400)
		http_error_errno(res, r, "subnet");
	if (r >= 0 && (r = network_dhcp_sync(req->b, st, network_id, &f)) < 0)
		network_fault_reply(res, r, &f, "DHCP port");
	if (api_write_end(res, st, r, "subnet") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
