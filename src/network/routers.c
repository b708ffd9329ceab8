/* routers.c - routers as Neutron makes them: create, update and delete,
 * and their external gateway (a port on a router:external network, bound
 * to the router's network node), with Neutron's policy checked against
 * the router's real project. Legs are router_interfaces.c's, the table
 * router_store.c's, the HTTP side router_api.c's. Every call works in the
 * caller's write transaction and returns 0 or -errno with a net_fault. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/json.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int l3_router_load(const struct caller *c, struct store *st, const char *id,
		   struct l3_router *rt)
{
	int r = router_store_get(st, id, rt);

	if (r >= 0 && !policy_allows(c, "get_router", &(struct target){ .project_id = rt->project_id }))
		r = -ENOENT;
	return r;
}

int router_for(const struct caller *c, struct store *st, const char *id, const char *action,
	       struct l3_router *rt, struct net_fault *f)
{
	int r = l3_router_load(c, st, id, rt);

	if (r == -ENOENT)
		return net_fault(f, r, NF_ROUTER_NOT_FOUND, id, NULL);
	if (r >= 0 && !policy_allows(c, action, &(struct target){ .project_id = rt->project_id }))
		return net_fault(f, -EPERM, NF_POLICY, action, NULL);
	return r;
}

int l3_check_external(const struct caller *c, struct store *st, const char *network_id,
		      bool for_fip, struct net_fault *f)
{
	struct network_row n;
	int r = network_get_row(c, st, network_id, &n);

	if (r == -ENOENT)
		return net_fault(f, r, NF_NETWORK_NOT_FOUND, network_id, NULL);
	if (r < 0)
		return r;
	if (!n.external)
		return net_fault(f, -EINVAL, for_fip ? NF_NOT_EXTERNAL_FIP : NF_NOT_EXTERNAL,
				 network_id, NULL);
	return 0;
}

/* ---- the external gateway ---- */

/* Floating IPs go through the router's gateway: it stays while they do. */
static int gw_check_unused(struct store *st, const struct l3_router *rt, struct net_fault *f)
{
	int64_t n = 0;
	int r = fip_store_count_on_router(st, rt->id, &n);

	if (r < 0)
		return r;
	if (n > 0)
		return net_fault(f, -EBUSY, NF_GW_IN_USE, rt->id, rt->gw_network_id);
	return 0;
}

/* Drop the gateway port (first from the router, so that its addresses
 * may be asked again). */
static int gw_port_drop(struct store *st, struct l3_router *rt)
{
	char old[sizeof(rt->gw_port_id)];
	int r;

	copy(old, sizeof(old), rt->gw_port_id);
	rt->gw_port_id[0] = '\0';
	r = router_store_set_gateway(st, rt);
	return r < 0 ? r : port_delete(st, old);
}

static int gw_clear(struct store *st, struct l3_router *rt, struct net_fault *f)
{
	int r;

	if (!rt->gw_port_id[0])
		return 0;
	r = gw_check_unused(st, rt, f);
	if (r < 0)
		return r;
	rt->gw_network_id[0] = '\0';
	return gw_port_drop(st, rt);
}

/* Gateway options only admins may set (Neutron's
 * VERB_router:external_gateway_info:ATTR rules). */
static int gw_policy(const struct caller *c, const char *verb, const struct l3_router *rt,
		     const json_t *info, struct net_fault *f)
{
	static const char *const attrs[] = { "enable_snat", "external_fixed_ips" };
	const struct target t = { .project_id = rt->project_id };
	char rule[96];

	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (!json_object_get(info, attrs[i]))
			continue;
		snprintf(rule, sizeof(rule), "%s_router:external_gateway_info:%s", verb, attrs[i]);
		if (!policy_allows(c, rule, &t))
			return net_fault(f, -EPERM, NF_POLICY, rule, NULL);
	}
	return 0;
}

/* Make the router's gateway what info asks (NULL, null or {}: none; its
 * shape checked by the handler) for c (verb: "create" or "update", for
 * the rules). rt is updated. */
static int gw_set(struct basalt *b, const struct caller *c, const char *verb, struct store *st,
		  struct l3_router *rt, const json_t *info, struct net_fault *f)
{
	const json_t *ips;
	const char *net;
	int r;

	if (!info || json_is_null(info) || json_object_size(info) == 0)
		return gw_clear(st, rt, f);
	r = gw_policy(c, verb, rt, info, f);
	if (r < 0)
		return r;
	net = json_str(info, "network_id");
	ips = json_object_get(info, "external_fixed_ips");
	r = l3_check_external(c, st, net, false, f);
	if (r < 0)
		return r;
	/* Same network, same addresses: only SNAT may change. */
	if (!rt->gw_port_id[0] || strcmp(rt->gw_network_id, net) != 0 || ips) {
		struct port_spec spec = {
			.network_id = net,
			.project_id = "", /* Neutron's own port, as its gateway ports are */
			.device_owner = "network:router_gateway",
			.device_id = rt->id,
			.host = rt->host,
			.fixed_ips = ips,
			.port_security_enabled = -1,
		};
		char port[UUID_LEN + 1];

		if (rt->gw_port_id[0] && strcmp(rt->gw_network_id, net) != 0 &&
		    (r = gw_check_unused(st, rt, f)) < 0)
			return r;
		if (rt->gw_port_id[0] && (r = gw_port_drop(st, rt)) < 0)
			return r;
		r = port_make(b, st, &spec, port, f);
		if (r < 0)
			return r;
		copy(rt->gw_port_id, sizeof(rt->gw_port_id), port);
		copy(rt->gw_network_id, sizeof(rt->gw_network_id), net);
	}
	rt->enable_snat = !json_is_false(json_object_get(info, "enable_snat"));
	return router_store_set_gateway(st, rt);
}

/* ---- routers ---- */

int router_create(struct basalt *b, const struct caller *c, struct store *st,
		  const struct router_spec *s, char id[UUID_LEN + 1], struct net_fault *f)
{
	struct l3_router rt = { .enable_snat = true };
	int r;

	if (!policy_allows(c, "create_router", &(struct target){ .project_id = s->project_id }))
		return net_fault(f, -EPERM, NF_POLICY, "create_router", NULL);
	uuid_new(rt.id);
	copy(rt.project_id, sizeof(rt.project_id), s->project_id);
	r = network_quota_allows(b, st, s->project_id, "router", 1);
	if (r == -EDQUOT)
		return net_fault(f, r, NF_QUOTA, "router", NULL);
	if (r >= 0)
		r = network_host_pick(b, st, rt.host);
	if (r >= 0)
		r = router_store_insert(st, &rt, s->name, s->description, s->admin_state_up);
	if (r >= 0)
		r = gw_set(b, c, "create", st, &rt, s->gateway, f);
	if (r >= 0)
		snprintf(id, UUID_LEN + 1, "%.*s", UUID_LEN, rt.id);
	return r < 0 ? r : 0;
}

int router_update(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		  const struct router_change *u, struct net_fault *f)
{
	struct l3_router rt;
	int r = router_for(c, st, id, "update_router", &rt, f);

	if (r >= 0 && u->gateway_given)
		r = gw_set(b, c, "update", st, &rt, u->gateway, f);
	/* After the gateway: a nexthop may be on the new external subnet. */
	if (r >= 0 && u->routes)
		r = router_routes_set(st, &rt, u->routes, f);
	if (r >= 0)
		r = router_store_update(st, id, u->name, u->description, u->admin_state_up);
	return r < 0 ? r : 0;
}

int router_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *f)
{
	struct l3_router rt;
	json_t *legs;
	int r = router_for(c, st, id, "delete_router", &rt, f);

	if (r < 0)
		return r;
	legs = port_store_ids_of_device(st, id, "network:router_interface", &r);
	if (!legs)
		return r;
	r = json_array_size(legs) ? net_fault(f, -EBUSY, NF_ROUTER_IN_USE, id, NULL) : 0;
	json_decref(legs);
	if (r >= 0)
		r = gw_clear(st, &rt, f);
	if (r >= 0)
		r = router_store_delete(st, id);
	return r < 0 ? r : 0;
}
