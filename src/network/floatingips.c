/* floatingips.c - /network/v2.0/floatingips: an address of a router:external
 * network (held by a port of its own), associated with a fixed IP that a
 * router with a gateway on that network reaches through an interface. */
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
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* Floating IP id as c may see it: 0, -ENOENT, or -errno. With out
 * non-NULL, its rendering too (new reference). */
static int fip_load(const struct caller *c, struct store *st, const char *id,
		    struct fip_row *f, json_t **out)
{
	int r = fip_store_get(c, st, id, f, out);

	if (r >= 0 && !policy_allows(c, "get_floatingip",
				     &(struct target){ .project_id = f->project_id })) {
		if (out) {
			json_decref(*out);
			*out = NULL;
		}
		r = -ENOENT;
	}
	return r;
}

/* The association asked for: port_id and fixed_ip_address, and the router
 * that carries it, all checked as Neutron's _get_assoc_data does. */
struct assoc {
	char port_id[65], fixed_ip[65], subnet_id[65], router_id[65];
};

/* Pick the fixed IP of port_id: want (must be one of the port's), else
 * its only IPv4 address. Fills a->fixed_ip and a->subnet_id. */
static int pick_fixed_ip(struct store *st, const char *port_id, const char *want, struct assoc *a,
			 struct http_response *res)
{
	_cleanup_json_ json_t *ips = port_fixed_ips(st, port_id);
	int v4 = 0;
	size_t i;
	json_t *ip;

	if (!ips)
		return http_error_errno(res, -EIO, "port");
	json_array_foreach(ips, i, ip) {
		const char *addr = json_string_value(json_object_get(ip, "ip_address"));
		const char *sub = json_string_value(json_object_get(ip, "subnet_id"));
		bool is_v4 = addr && !strchr(addr, ':');
		if ((want && addr && strcmp(addr, want) == 0) || (!want && is_v4 && v4++ == 0)) {
			snprintf(a->fixed_ip, sizeof(a->fixed_ip), "%s", addr);
			snprintf(a->subnet_id, sizeof(a->subnet_id), "%s", sub ? sub : "");
			if (want)
				return 0;
		}
	}
	if (want)
		return http_error(res, 400, "Bad floatingip request: Port %s does not have fixed ip %s.", port_id, want);
	if (v4 == 0)
		return http_error(res, 400, "Bad floatingip request: Port %s does not have any IPv4 address to associate with a floating IP.", port_id);
	if (v4 > 1)
		return http_error(res, 400, "Bad floatingip request: Port %s has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP.", port_id);
	return 0;
}

/* Validate the association of floating IP f (f->id may be "" when new)
 * with port_id / fixed_ip; fills a. 0, or -1 with res filled. */
static int check_assoc(const struct caller *c, struct store *st, const struct fip_row *f,
		       const char *port_id, const char *fixed_ip, struct assoc *a,
		       struct http_response *res)
{
	_cleanup_free_ char *net_project = NULL;
	char other[65] = "", other_addr[65] = "";
	struct port_row p;
	struct target t;
	int r = port_get(c, st, port_id, &p, &t, &net_project);

	memset(a, 0, sizeof(*a));
	/* The floating IP's project's ports (admins: any). */
	if (r >= 0 && !policy_allows(c, "update_port", &(struct target){ .project_id = p.project_id }))
		r = -ENOENT;
	if (r == -ENOENT)
		return http_error(res, 404, "Port %s could not be found.", port_id);
	if (r < 0)
		return http_error_errno(res, r, "port");
	if (strncmp(p.device_owner, "network:", 8) == 0)
		return http_error(res, 400, "Bad floatingip request: Port %s has owner %s and therefore cannot be assigned a floating IP.", port_id, p.device_owner);
	snprintf(a->port_id, sizeof(a->port_id), "%s", port_id);
	if (pick_fixed_ip(st, port_id, fixed_ip, a, res) < 0)
		return -1;
	/* A router with its gateway on the floating network and a leg on the
	 * fixed IP's subnet. */
	r = port_store_router_on_subnet(st, f->network_id, a->subnet_id, a->router_id);
	if (r < 0 && r != -ENOENT)
		return http_error_errno(res, r, "routers");
	if (r == -ENOENT)
		return http_error(res, 404, "External network %s is not reachable from subnet %s.  Therefore, cannot associate Port %s with a Floating IP.", f->network_id, a->subnet_id, port_id);
	/* One floating IP per fixed IP on a network. */
	r = fip_store_find_fixed(st, port_id, a->fixed_ip, f->network_id, f->id, other, other_addr);
	if (r < 0 && r != -ENOENT)
		return http_error_errno(res, r, "floating IPs");
	if (r == 0)
		return http_error(res, 409, "Cannot associate floating IP %s (%s) with port %s using fixed IP %s, as that fixed IP already has a floating IP on external network %s.", other_addr, other, port_id, a->fixed_ip, f->network_id);
	return 0;
}

/* Store the association a (NULL: none). Status goes DOWN until the
 * network node carrying the router reports the NAT in place. */
static int set_assoc(struct store *st, const char *fip_id, const struct assoc *a)
{
	return fip_store_set_assoc(st, fip_id, a ? a->port_id : NULL, a ? a->fixed_ip : NULL,
				   a ? a->router_id : NULL);
}

/* fip_load with its errors in res (404, or the store's): 0 or -1. */
static int fip_find(const struct caller *c, struct store *st, const char *id,
		    struct fip_row *f, json_t **out, struct http_response *res)
{
	int r = fip_load(c, st, id, f, out);

	if (r == -ENOENT)
		return http_error(res, 404, "Floating IP %s could not be found", id);
	if (r < 0)
		return http_error_errno(res, r, "floating IP");
	return 0;
}

int h_fip_list(struct http_request *req, struct http_response *res)
{
	static const struct network_lister l = { "floatingips", "floating IPs", "get_floatingip",
						 network_target_col1, fip_store_render_row };

	return network_list_sql(req, res, &l, fip_store_list_sql, "");
}

int h_fip_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = basalt_store(req->b);
	struct fip_row f;
	json_t *o = NULL;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (fip_find(&req->caller, st, id, &f, &o, res) < 0)
		return -1;
	return network_show_reply(req, res, 200, "floatingip", o);
}

/* Reply with floating IP id as it is now in st (inside the transaction). */
static json_t *fip_render(const struct caller *c, struct store *st, const char *id)
{
	struct fip_row f;
	json_t *o = NULL;

	if (fip_load(c, st, id, &f, &o) < 0)
		return NULL;
	return o;
}

int h_fip_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "floating_network_id", J_STRING, true, 64 },
		{ "floating_ip_address", J_STRING_NULL, false, 64 },
		{ "subnet_id", J_STRING_NULL, false, 64 },
		{ "port_id", J_STRING_NULL, false, 64 },
		{ "fixed_ip_address", J_STRING_NULL, false, 64 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "project_id", J_STRING, false, 64 },
		{ "tenant_id", J_STRING, false, 64 },
	};
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "floatingip", fields, ARRAY_SIZE(fields), &o);
	_cleanup_json_ json_t *want = NULL, *ips = NULL;
	struct fip_row f = { .id = "" };
	struct assoc a;
	struct net_fault nf0 = { 0 };
	const char *project, *port_id;
	char port[UUID_LEN + 1];
	struct store *st;
	int r;

	if (!body || !(project = l3_body_project(&req->caller, "create_floatingip", o, res)))
		return -1;
	snprintf(f.network_id, sizeof(f.network_id), "%s", json_str(o, "floating_network_id"));
	port_id = json_str(o, "port_id");
	/* An address of one's choice is the operator's (Neutron's policy). */
	if (json_str(o, "floating_ip_address") &&
	    !policy_allows(&req->caller, "create_floatingip:floating_ip_address",
			   &(struct target){ .project_id = project }))
		return http_error(res, 403, "(rule:create_floatingip:floating_ip_address) is disallowed by policy");
	if (json_str(o, "floating_ip_address") || json_str(o, "subnet_id")) {
		want = json_object();
		if (json_str(o, "subnet_id"))
			json_object_set_new(want, "subnet_id", json_string(json_str(o, "subnet_id")));
		if (json_str(o, "floating_ip_address"))
			json_object_set_new(want, "ip_address", json_string(json_str(o, "floating_ip_address")));
		want = json_pack("[o]", want);
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	/* Validate everything before the address is taken. */
	r = l3_check_external(&req->caller, st, f.network_id, true, &nf0);
	if (r < 0)
		network_fault_reply(res, r, &nf0, "floating IP");
	if (r >= 0)
		r = network_quota_check(req->b, st, project, "floatingip", 1, res);
	if (r >= 0 && port_id)
		r = check_assoc(&req->caller, st, &f, port_id, json_str(o, "fixed_ip_address"), &a, res);
	if (r >= 0) {
		struct port_spec spec = {
			.network_id = f.network_id,
			.project_id = "", /* Neutron's own port, as its floating IP ports are */
			.device_owner = "network:floatingip",
			.fixed_ips = want,
			.port_security_enabled = -1,
		};
		uuid_new(f.id);
		spec.device_id = f.id;
		struct net_fault nf = { 0 };
		r = port_make(req->b, st, &spec, port, &nf);
		if (r < 0)
			network_fault_reply(res, r, &nf, "floating IP");
	}
	if (r >= 0 && (!(ips = port_fixed_ips(st, port)) || json_array_size(ips) == 0))
		r = http_error(res, 409, "No more IP addresses available on network %s.", f.network_id);
	if (r >= 0) {
		snprintf(f.project_id, sizeof(f.project_id), "%s", project);
		snprintf(f.address, sizeof(f.address), "%s",
			 json_string_value(json_object_get(json_array_get(ips, 0), "ip_address")));
		snprintf(f.floating_port_id, sizeof(f.floating_port_id), "%s", port);
		if ((r = fip_store_insert(st, &f, json_str(o, "description"))) < 0)
			r = http_error_errno(res, r, "floating IP");
	}
	if (r >= 0 && port_id && (r = set_assoc(st, f.id, &a)) < 0)
		r = http_error_errno(res, r, "floating IP");
	if (r >= 0 && !(out = fip_render(&req->caller, st, f.id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "floating IP", 201, "floatingip", out);
}

int h_fip_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "port_id", J_STRING_NULL, false, 64 },
		{ "fixed_ip_address", J_STRING_NULL, false, 64 },
		{ "description", J_STRING_NULL, false, 255 },
	};
	const char *id = http_param(req, "id");
	json_t *o, *out = NULL;
	_cleanup_json_ json_t *body =
		api_body_object(req, res, "floatingip", fields, ARRAY_SIZE(fields), &o);
	const json_t *pv;
	struct fip_row f;
	struct assoc a;
	struct store *st;
	int r;

	if (!body)
		return -1;
	pv = json_object_get(o, "port_id");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = fip_find(&req->caller, st, id, &f, NULL, res);
	if (r >= 0 && pv && json_is_null(pv)) {
		r = set_assoc(st, id, NULL);
	} else if (r >= 0 && (json_is_string(pv) || (json_str(o, "fixed_ip_address") && f.port_id[0]))) {
		r = check_assoc(&req->caller, st, &f, json_is_string(pv) ? json_string_value(pv) : f.port_id,
				json_str(o, "fixed_ip_address"), &a, res);
		if (r >= 0)
			r = set_assoc(st, id, &a);
	}
	if (r >= 0)
		r = fip_store_update(st, id, json_object_get(o, "description")
						 ? (json_str(o, "description") ? json_str(o, "description") : "")
						 : NULL);
	if (r >= 0 && !(out = fip_render(&req->caller, st, id)))
		r = -EIO;
	return network_write_reply(req, res, st, r, "floating IP", 200, "floatingip", out);
}

int h_fip_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	struct store *st = api_write_begin(req, res);
	struct fip_row f;
	int r;

	if (!st)
		return -1;
	r = fip_find(&req->caller, st, id, &f, NULL, res);
	/* The row names its port: the row goes first, then the port and its
	 * address. */
	if (r >= 0)
		r = fip_store_delete(st, id);
	if (r >= 0)
		r = port_delete(st, f.floating_port_id);
	if (api_write_end(res, st, r, "floating IP") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
