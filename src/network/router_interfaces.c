/* router_interfaces.c - PUT /network/v2.0/routers/{id}/add_router_interface
 * and remove_router_interface: a router leg on a tenant subnet, made on
 * the subnet's gateway address or from a free port, bound to the router's
 * network node. */
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

#define IFACE_OWNER "network:router_interface"

/* Subnet id as c may use it (get_subnet: own, its network's owner, or
 * on a shared network). 0, -ENOENT, or -errno. */
static int subnet_load(const struct caller *c, struct store *st, const char *id,
		       struct subnet_row *sn)
{
	int r = subnet_store_get(c, st, id, sn, NULL);

	if (r >= 0 && !policy_allows(c, "get_subnet",
				     &(struct target){ .project_id = sn->project_id,
						       .network_project_id = sn->network_project_id,
						       .shared = sn->shared }))
		r = -ENOENT;
	return r;
}

/* A new leg on sn: not a subnet the router has already, nor one that
 * overlaps any of its subnets (Neutron's _check_for_dup_router_subnets). */
static int check_subnet_free(struct store *st, const struct l3_router *rt,
			     const struct subnet_row *sn, struct http_response *res)
{
	struct l3_prefix want, have;
	int r;
	_cleanup_json_ json_t *legs = port_store_router_legs(st, rt->id, &r);
	size_t i;
	json_t *leg;

	if (!legs)
		return http_error_errno(res, r, "router interfaces");
	if (l3_prefix_parse(sn->cidr, &want) < 0)
		return http_error(res, 500, "Subnet %s has a bad CIDR.", sn->id);
	json_array_foreach(legs, i, leg) {
		const char *sid = json_str(leg, "subnet_id"), *cidr = json_str(leg, "cidr");
		if (strcmp(sid, sn->id) == 0)
			return http_error(res, 400, "Bad router request: Router already has a port on subnet %s.", sn->id);
		if (l3_prefix_parse(cidr, &have) == 0 && l3_prefix_overlap(&want, &have))
			return http_error(res, 400, "Bad router request: Cidr %s of subnet %s overlaps with cidr %s of subnet %s.", sn->cidr, sn->id, cidr, sid);
	}
	return 0;
}

/* 0 when c may do action to rt (its project's members, admins), else 403. */
static int router_may(const struct caller *c, const struct l3_router *rt, const char *action,
		      struct http_response *res)
{
	if (!policy_allows(c, action, &(struct target){ .project_id = rt->project_id }))
		return http_error(res, 403, "(rule:%s) is disallowed by policy", action);
	return 0;
}

/* The reply both calls give: the router and the leg. */
static int reply_interface(struct http_response *res, const struct l3_router *rt,
			   const char *port_id, const struct subnet_row *sn)
{
	return http_reply(res, 200,
			  json_pack("{s:s,s:[s],s:s,s:s,s:s,s:s,s:s}", "subnet_id", sn->id,
				    "subnet_ids", sn->id, "port_id", port_id, "id", rt->id,
				    "tenant_id", rt->project_id, "project_id", rt->project_id,
				    "network_id", sn->network_id));
}

static int touch_router(struct store *st, const struct l3_router *rt)
{
	return router_store_touch(st, rt->id);
}

/* {"subnet_id": …} or {"port_id": …}, exactly one for add. */
static json_t *interface_body(struct http_request *req, struct http_response *res, bool add)
{
	static const struct jfield fields[] = {
		{ "subnet_id", J_STRING, false, 64 },
		{ "port_id", J_STRING, false, 64 },
	};
	json_t *body = http_body_json(req, res);
	char err[256];

	if (!body)
		return NULL;
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0) {
		http_error(res, 400, "%s", err);
	} else if (!json_str(body, "subnet_id") && !json_str(body, "port_id")) {
		http_error(res, 400, "Bad router request: Either subnet_id or port_id must be specified.");
	} else if (add && json_str(body, "subnet_id") && json_str(body, "port_id")) {
		http_error(res, 400, "Bad router request: Cannot specify both subnet-id and port-id.");
	} else {
		return body;
	}
	json_decref(body);
	return NULL;
}

/* An existing port becomes the leg: it must be one c may see, of the
 * router's project (the legs of a router are its project's ports: the
 * network node plugs no other, see desired_l3.c), free, and have exactly
 * one address. Fills sn with that address's subnet. */
static int add_by_port(const struct caller *c, struct store *st, const struct l3_router *rt,
		       const char *port_id, struct subnet_row *sn, struct http_response *res)
{
	_cleanup_json_ json_t *ips = NULL;
	_cleanup_free_ char *net_project = NULL;
	struct port_row p;
	struct target t;
	int r = port_get(c, st, port_id, &p, &t, &net_project);

	if (r == -ENOENT || (r >= 0 && strcmp(p.project_id, rt->project_id) != 0))
		return http_error(res, 404, "Port %s could not be found.", port_id);
	if (r < 0)
		return http_error_errno(res, r, "port");
	if (p.device_id[0])
		return http_error(res, 409, "Unable to complete operation on port %s for network %s. Port already has an attached device %s.", port_id, p.network_id, p.device_id);
	ips = port_fixed_ips(st, port_id);
	if (!ips)
		return http_error_errno(res, -EIO, "port");
	if (json_array_size(ips) != 1)
		return http_error(res, 400, "Bad router request: Router port must have exactly one fixed IP.");
	r = subnet_load(c, st, json_string_value(json_object_get(json_array_get(ips, 0), "subnet_id")), sn);
	if (r < 0)
		return http_error_errno(res, r, "subnet");
	if (check_subnet_free(st, rt, sn, res) < 0)
		return -1;
	r = port_bind(st, port_id, rt->id, IFACE_OWNER, rt->host);
	return r < 0 ? http_error_errno(res, r, "port") : 0;
}

/* A new port on the subnet's gateway address becomes the leg: Neutron's
 * own port (no create_port policy), of the router's project. */
static int add_by_subnet(struct basalt *b, const struct caller *c, struct store *st,
			 const struct l3_router *rt, const char *subnet_id, struct subnet_row *sn,
			 char port[UUID_LEN + 1], struct http_response *res)
{
	_cleanup_json_ json_t *ips = NULL;
	struct net_fault f = { 0 };
	int r = subnet_load(c, st, subnet_id, sn);
	struct port_spec spec = {
		.network_id = sn->network_id,
		.project_id = rt->project_id,
		.device_owner = IFACE_OWNER,
		.device_id = rt->id,
		.host = rt->host,
		.port_security_enabled = -1,
	};

	if (r == -ENOENT)
		return http_error(res, 404, "Subnet %s could not be found.", subnet_id);
	if (r < 0)
		return http_error_errno(res, r, "subnet");
	if (!sn->gateway_ip[0])
		return http_error(res, 400, "Bad router request: Subnet for router interface must have a gateway IP.");
	if (check_subnet_free(st, rt, sn, res) < 0)
		return -1;
	ips = json_pack("[{s:s,s:s}]", "subnet_id", sn->id, "ip_address", sn->gateway_ip);
	spec.fixed_ips = ips;
	r = port_make(b, st, &spec, port, &f);
	return r < 0 ? network_fault_reply(res, r, &f, "router interface") : 0;
}

int h_router_add_interface(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	_cleanup_json_ json_t *body = interface_body(req, res, true);
	struct subnet_row sn;
	struct l3_router rt;
	char port[UUID_LEN + 1] = "";
	struct store *st;
	int r;

	if (!body)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = l3_router_find(&req->caller, st, id, &rt, res);
	if (r >= 0)
		r = router_may(&req->caller, &rt, "add_router_interface", res);
	if (r >= 0 && json_str(body, "port_id")) {
		snprintf(port, sizeof(port), "%s", json_str(body, "port_id"));
		r = add_by_port(&req->caller, st, &rt, port, &sn, res);
	} else if (r >= 0) {
		r = add_by_subnet(req->b, &req->caller, st, &rt, json_str(body, "subnet_id"), &sn,
				  port, res);
	}
	if (r >= 0)
		r = touch_router(st, &rt);
	if (api_write_end(res, st, r, "router interface") < 0)
		return -1;
	return reply_interface(res, &rt, port, &sn);
}

/* The router's leg named by port_id and/or subnet_id into port and sn. */
static int find_leg(struct store *st, const struct l3_router *rt,
		    const json_t *body, char port[UUID_LEN + 1], struct subnet_row *sn,
		    struct http_response *res)
{
	const char *pid = json_str(body, "port_id"), *sid = json_str(body, "subnet_id");
	int r;
	_cleanup_json_ json_t *legs = port_store_router_legs(st, rt->id, &r);
	const json_t *leg = NULL, *l;
	size_t i;

	if (!legs)
		return http_error_errno(res, r, "router interfaces");
	json_array_foreach(legs, i, l) {
		if ((!pid || strcmp(pid, json_str(l, "port_id")) == 0) &&
		    (!sid || strcmp(sid, json_str(l, "subnet_id")) == 0)) {
			leg = l;
			break;
		}
	}
	if (!leg && pid)
		return http_error(res, 404, "Router %s does not have an interface with id %s", rt->id, pid);
	if (!leg)
		return http_error(res, 404, "Router %s has no interface on subnet %s", rt->id, sid);
	snprintf(port, UUID_LEN + 1, "%s", json_str(leg, "port_id"));
	/* The leg's subnet may be another project's shared one: read it as is. */
	r = subnet_store_get(NULL, st, json_str(leg, "subnet_id"), sn, NULL);
	if (r < 0)
		return http_error_errno(res, r == -ENOENT ? -EIO : r, "subnet");
	return 0;
}

int h_router_remove_interface(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "id");
	_cleanup_json_ json_t *body = interface_body(req, res, false);
	struct subnet_row sn;
	struct l3_router rt;
	char port[UUID_LEN + 1] = "";
	struct store *st;
	int64_t fips = 0;
	int r;

	if (!body)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = l3_router_find(&req->caller, st, id, &rt, res);
	if (r >= 0)
		r = router_may(&req->caller, &rt, "remove_router_interface", res);
	if (r >= 0)
		r = find_leg(st, &rt, body, port, &sn, res);
	/* Floating IPs reach their fixed IPs through this leg. */
	if (r >= 0) {
		r = fip_store_count_via_subnet(st, rt.id, sn.id, &fips);
		if (r < 0)
			r = http_error_errno(res, r, "floating IPs");
		else if (fips > 0)
			r = http_error(res, 409, "Router interface for subnet %s on router %s cannot be deleted, as it is required by one or more floating IPs.", sn.id, rt.id);
	}
	if (r >= 0 && (r = port_delete(st, port)) < 0)
		r = http_error_errno(res, r, "port");
	if (r >= 0)
		r = touch_router(st, &rt);
	if (api_write_end(res, st, r, "router interface") < 0)
		return -1;
	return reply_interface(res, &rt, port, &sn);
}
