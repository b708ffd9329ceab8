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

#define SUBNET_COLS                                                                                \
	"s.id, s.network_id, s.project_id, s.name, s.description, s.ip_version, s.cidr,"           \
	" s.gateway_ip, s.enable_dhcp, s.dns_nameservers, s.host_routes, s.allocation_pools,"      \
	" s.created_at, s.updated_at, s.revision"
/* With the network's project and shared flag: the policy target. */
#define SUBNET_FROM " , n.project_id, n.shared FROM subnet s JOIN network n ON n.id = s.network_id"

/* A subnet is seen by admins, its project, the network's project, and
 * everyone when the network is shared (Neutron's get_subnet policy). */
static void subnet_target(struct store_stmt *q, struct target *t)
{
	t->project_id = store_text(q, 2);
	t->network_project_id = store_text(q, 15);
	t->shared = store_bool(q, 16);
}

static json_t *json_text(const char *text)
{
	json_t *v = json_loads(text ? text : "[]", 0, NULL);

	return v ? v : json_array();
}

static json_t *render_subnet(const struct caller *c, struct store *st, struct store_stmt *q)
{
	const char *gw = store_text(q, 7);

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:b,s:o,s:o,s:o,s:[],s:o,s:o,s:I,"
			 "s:n,s:n,s:n,s:[],s:n}",
			 "id", store_text(q, 0), "network_id", store_text(q, 1), "project_id",
			 store_text(q, 2), "tenant_id", store_text(q, 2), "name", store_text(q, 3),
			 "description", store_text(q, 4), "ip_version", (json_int_t)store_int(q, 5),
			 "cidr", store_text(q, 6), "gateway_ip", gw ? json_string(gw) : json_null(),
			 "enable_dhcp", store_bool(q, 8), "dns_nameservers", json_text(store_text(q, 9)),
			 "host_routes", json_text(store_text(q, 10)), "allocation_pools",
			 json_text(store_text(q, 11)), "tags", "created_at",
			 network_time(store_int(q, 12)), "updated_at", network_time(store_int(q, 13)),
			 "revision_number", (json_int_t)store_int(q, 14), "ipv6_address_mode",
			 "ipv6_ra_mode", "subnetpool_id", "service_types", "segment_id");
}

static json_t *subnet_get(const struct caller *c, struct store *st, const char *id)
{
	struct store_stmt *q;
	struct target t = { 0 };
	json_t *s = NULL;

	if (store_query(st, &q, "SELECT " SUBNET_COLS SUBNET_FROM " WHERE s.id = ?", "s", id) < 0)
		return NULL;
	if (store_next(q) > 0) {
		subnet_target(q, &t);
		if (policy_allows(c, "get_subnet", &t))
			s = render_subnet(c, st, q);
	}
	store_done(q);
	return s;
}

int h_subnet_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "subnets", "subnet", "get_subnet", subnet_target,
						 render_subnet };

	return network_list_sql(req, res, &l,
				"SELECT " SUBNET_COLS SUBNET_FROM " ORDER BY s.created_at, s.id", "");
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
		    (r = store_exec(st, "DELETE FROM ip_allocation WHERE port_id = ? AND subnet_id = ?",
				    "ss", port_id, sid)) < 0)
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
	_cleanup_json_ json_t *subnets = network_ids(
		st, NULL, "SELECT id FROM subnet WHERE network_id = ? AND enable_dhcp = 1"
			  " ORDER BY created_at, id", "s", network_id);
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
	int64_t now = now_usec();
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
		r = network_quota_check(req->b, st, in.project_id, "subnet", 1, res);
	if (r >= 0) {
		_cleanup_free_ char *dns = json_dumps(in.dns, JSON_COMPACT);
		_cleanup_free_ char *routes = json_dumps(in.routes, JSON_COMPACT);
		_cleanup_free_ char *pools = json_dumps(in.pools, JSON_COMPACT);
		uuid_new(id);
		r = store_exec(st,
			       "INSERT INTO subnet (id, network_id, project_id, name, description,"
			       " ip_version, cidr, gateway_ip, enable_dhcp, dns_nameservers,"
			       " host_routes, allocation_pools, created_at, updated_at, revision)"
			       " VALUES (?, ?, ?, ?, ?, 4, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       "sssssssbsssiii", id, in.network_id, in.project_id, in.name,
			       in.description, in.cidr, in.gateway[0] ? in.gateway : NULL, in.enable_dhcp,
			       dns, routes, pools, now, now, store_txn_revision(st));
		if (r < 0)
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
	if (r >= 0) {
		_cleanup_free_ char *dns = json_dumps(in.dns, JSON_COMPACT);
		_cleanup_free_ char *routes = json_dumps(in.routes, JSON_COMPACT);
		_cleanup_free_ char *pools = json_dumps(in.pools, JSON_COMPACT);
		r = store_exec(st,
			       "UPDATE subnet SET name = ?, description = ?, gateway_ip = ?,"
			       " enable_dhcp = ?, dns_nameservers = ?, host_routes = ?,"
			       " allocation_pools = ?, updated_at = ?, revision = ? WHERE id = ?",
			       "sssbsssiis", in.name, in.description, in.gateway[0] ? in.gateway : NULL,
			       in.enable_dhcp, dns, routes, pools, now_usec(), store_txn_revision(st), id);
		if (r < 0)
			r = http_error_errno(res, r, "subnet");
	}
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
		r = store_exec(st, "DELETE FROM ip_allocation WHERE subnet_id = ?", "s", id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM subnet WHERE id = ?", "s", id);
	if (r < 0 && res->status < 400)
		http_error_errno(res, r, "subnet");
	if (r >= 0 && (r = network_dhcp_sync(req->b, st, network_id, &f)) < 0)
		network_fault_reply(res, r, &f, "DHCP port");
	if (api_write_end(res, st, r, "subnet") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
