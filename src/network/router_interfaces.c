/* router_interfaces.c - a router's legs on tenant subnets, as Neutron's
 * add_router_interface and remove_router_interface make and take them:
 * on the subnet's gateway address or from a free port of the router's
 * project, bound to the router's network node. A leg is always a port of
 * the router's project (desired_l3.c plugs no other). Every call works in
 * the caller's write transaction and returns 0 or -errno with a
 * net_fault. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

#define IFACE_OWNER "network:router_interface"

/* Subnet id as c may use it (get_subnet: own, its network's owner, or
 * on a shared network). 0, -ENOENT (NF_SUBNET_NOT_FOUND), or -errno. */
static int subnet_load(const struct caller *c, struct store *st, const char *id,
		       struct subnet_row *sn, struct net_fault *f)
{
	int r = subnet_store_get(c, st, id, sn, NULL);

	if (r >= 0 && !policy_allows(c, "get_subnet",
				     &(struct target){ .project_id = sn->project_id,
						       .network_project_id = sn->network_project_id,
						       .shared = sn->shared }))
		r = -ENOENT;
	if (r == -ENOENT)
		return net_fault(f, r, NF_SUBNET_NOT_FOUND, id, NULL);
	return r;
}

/* A new leg on sn: not a subnet the router has already, nor one that
 * overlaps any of its subnets (Neutron's _check_for_dup_router_subnets). */
static int check_subnet_free(struct store *st, const struct l3_router *rt,
			     const struct subnet_row *sn, struct net_fault *f)
{
	struct l3_prefix want, have;
	int r;
	_cleanup_json_ json_t *legs = port_store_router_legs(st, rt->id, &r);
	size_t i;
	json_t *leg;

	if (!legs)
		return r;
	if (l3_prefix_parse(sn->cidr, &want) < 0)
		return -EIO;
	json_array_foreach(legs, i, leg) {
		const char *sid = json_str(leg, "subnet_id"), *cidr = json_str(leg, "cidr");
		if (strcmp(sid, sn->id) == 0)
			return net_fault(f, -EEXIST, NF_LEG_EXISTS, sn->id, NULL);
		if (l3_prefix_parse(cidr, &have) == 0 && l3_prefix_overlap(&want, &have)) {
			net_fault(f, -EINVAL, NF_LEG_OVERLAP, sn->cidr, sn->id);
			if (f) {
				snprintf(f->c, sizeof(f->c), "%s", cidr);
				snprintf(f->d, sizeof(f->d), "%s", sid);
			}
			return -EINVAL;
		}
	}
	return 0;
}

/* An existing port becomes the leg: it must be one c may see, of the
 * router's project, free, and have exactly one address. Fills sn with
 * that address's subnet. */
static int add_by_port(const struct caller *c, struct store *st, const struct l3_router *rt,
		       const char *port_id, struct subnet_row *sn, struct net_fault *f)
{
	_cleanup_json_ json_t *ips = NULL;
	_cleanup_free_ char *net_project = NULL;
	struct port_row p;
	struct target t;
	int r = port_get(c, st, port_id, &p, &t, &net_project);

	if (r == -ENOENT || (r >= 0 && strcmp(p.project_id, rt->project_id) != 0))
		return net_fault(f, -ENOENT, NF_PORT_NOT_FOUND, port_id, NULL);
	if (r < 0)
		return r;
	if (p.device_id[0]) {
		net_fault(f, -EBUSY, NF_PORT_IN_USE, port_id, p.network_id);
		if (f)
			snprintf(f->c, sizeof(f->c), "%s", p.device_id);
		return -EBUSY;
	}
	ips = port_fixed_ips(st, port_id);
	if (!ips)
		return -EIO;
	if (json_array_size(ips) != 1)
		return net_fault(f, -EINVAL, NF_ROUTER_PORT_ONE_IP, NULL, NULL);
	r = subnet_load(c, st, json_str(json_array_get(ips, 0), "subnet_id"), sn, f);
	if (r >= 0)
		r = check_subnet_free(st, rt, sn, f);
	if (r >= 0)
		r = port_bind(st, port_id, rt->id, IFACE_OWNER, rt->host);
	return r < 0 ? r : 0;
}

/* A new port on the subnet's gateway address becomes the leg: Neutron's
 * own port (no create_port policy), of the router's project. */
static int add_by_subnet(struct basalt *b, const struct caller *c, struct store *st,
			 const struct l3_router *rt, const char *subnet_id, struct subnet_row *sn,
			 char port[UUID_LEN + 1], struct net_fault *f)
{
	_cleanup_json_ json_t *ips = NULL;
	int r = subnet_load(c, st, subnet_id, sn, f);
	struct port_spec spec = {
		.network_id = sn->network_id,
		.project_id = rt->project_id,
		.device_owner = IFACE_OWNER,
		.device_id = rt->id,
		.host = rt->host,
		.port_security_enabled = -1,
	};

	if (r < 0)
		return r;
	if (!sn->gateway_ip[0])
		return net_fault(f, -EINVAL, NF_SUBNET_NO_GATEWAY, NULL, NULL);
	r = check_subnet_free(st, rt, sn, f);
	if (r < 0)
		return r;
	ips = json_pack("[{s:s,s:s}]", "subnet_id", sn->id, "ip_address", sn->gateway_ip);
	spec.fixed_ips = ips;
	return port_make(b, st, &spec, port, f);
}

static void leg_fill(struct router_leg *leg, const struct l3_router *rt, const char *port,
		     const struct subnet_row *sn)
{
	snprintf(leg->router_id, sizeof(leg->router_id), "%s", rt->id);
	snprintf(leg->project_id, sizeof(leg->project_id), "%s", rt->project_id);
	snprintf(leg->port_id, sizeof(leg->port_id), "%s", port);
	snprintf(leg->subnet_id, sizeof(leg->subnet_id), "%s", sn->id);
	snprintf(leg->network_id, sizeof(leg->network_id), "%s", sn->network_id);
}

int router_interface_add(struct basalt *b, const struct caller *c, struct store *st,
			 const char *id, const char *subnet_id, const char *port_id,
			 struct router_leg *leg, struct net_fault *f)
{
	struct subnet_row sn;
	struct l3_router rt;
	char port[UUID_LEN + 1] = "";
	int r = router_for(c, st, id, "add_router_interface", &rt, f);

	if (r >= 0 && port_id) {
		snprintf(port, sizeof(port), "%s", port_id);
		r = add_by_port(c, st, &rt, port, &sn, f);
	} else if (r >= 0) {
		r = add_by_subnet(b, c, st, &rt, subnet_id, &sn, port, f);
	}
	if (r >= 0)
		r = router_store_touch(st, rt.id);
	if (r >= 0)
		leg_fill(leg, &rt, port, &sn);
	return r < 0 ? r : 0;
}

/* The router's leg named by port_id and/or subnet_id into port and sn. */
static int find_leg(struct store *st, const struct l3_router *rt, const char *pid,
		    const char *sid, char port[UUID_LEN + 1], struct subnet_row *sn,
		    struct net_fault *f)
{
	int r;
	_cleanup_json_ json_t *legs = port_store_router_legs(st, rt->id, &r);
	const json_t *leg = NULL, *l;
	size_t i;

	if (!legs)
		return r;
	json_array_foreach(legs, i, l) {
		if ((!pid || strcmp(pid, json_str(l, "port_id")) == 0) &&
		    (!sid || strcmp(sid, json_str(l, "subnet_id")) == 0)) {
			leg = l;
			break;
		}
	}
	if (!leg && pid)
		return net_fault(f, -ENOENT, NF_NO_LEG_PORT, rt->id, pid);
	if (!leg)
		return net_fault(f, -ENOENT, NF_NO_LEG_SUBNET, rt->id, sid);
	snprintf(port, UUID_LEN + 1, "%s", json_str(leg, "port_id"));
	/* The leg's subnet may be another project's shared one: read it as is. */
	r = subnet_store_get(NULL, st, json_str(leg, "subnet_id"), sn, NULL);
	return r == -ENOENT ? -EIO : r;
}

int router_interface_remove(const struct caller *c, struct store *st, const char *id,
			    const char *subnet_id, const char *port_id, struct router_leg *leg,
			    struct net_fault *f)
{
	struct subnet_row sn;
	struct l3_router rt;
	char port[UUID_LEN + 1] = "";
	int64_t fips = 0;
	int r = router_for(c, st, id, "remove_router_interface", &rt, f);

	if (r >= 0)
		r = find_leg(st, &rt, port_id, subnet_id, port, &sn, f);
	/* Floating IPs reach their fixed IPs through this leg. */
	if (r >= 0)
		r = fip_store_count_via_subnet(st, rt.id, sn.id, &fips);
	if (r >= 0 && fips > 0)
		r = net_fault(f, -EBUSY, NF_LEG_HAS_FIPS, sn.id, rt.id);
	if (r >= 0)
		r = router_routes_leg_free(st, rt.id, sn.id, sn.cidr, f);
	if (r >= 0)
		r = port_delete(st, port);
	if (r >= 0)
		r = router_store_touch(st, rt.id);
	if (r >= 0)
		leg_fill(leg, &rt, port, &sn);
	return r < 0 ? r : 0;
}
