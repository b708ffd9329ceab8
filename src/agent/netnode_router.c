/* netnode_router.c - the network node's routers: one qrouter- namespace
 * per router with its qr- legs (interfaces) and qg- leg (gateway, with
 * the floating IPs on it), the default and extra routes, the NAT table
 * (nat_rules.c) and the metadata listener of its subnets. Called by
 * netnode_reconcile (netnode.c), which owns the round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/netnode.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "dp/dp.h"

static int network_mtu(const json_t *desired, const char *network_id)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(desired, "networks"), i, n)
		if (json_str(n, "id") && strcmp(json_str(n, "id"), network_id) == 0 &&
		    json_integer_value(json_object_get(n, "mtu")) > 0)
			return (int)json_integer_value(json_object_get(n, "mtu"));
	return DEFAULT_MTU;
}

/* Forget the ARP entries of a router's leg dev in ns that point an address
 * of network_id at a MAC no port has it with any more (a deleted port's),
 * and the router's connections of those addresses (NAT state): a new port
 * given the address is reached at once and inherits nothing. Best effort:
 * the kernel would find out by itself, later. */
static void neigh_prune(const json_t *desired, const char *network_id, const char *ns,
			const char *dev)
{
	const json_t *d;
	size_t i, n;

	json_array_foreach(json_object_get(desired, "dhcp"), i, d) {
		struct dp_dhcp_host *hv;
		char **gone = NULL;
		size_t ngone = 0, nct = 0;
		if (!json_str(d, "network_id") || strcmp(json_str(d, "network_id"), network_id) != 0)
			continue;
		hv = nn_dhcp_hosts(d, &n);
		if (hv && dp_neigh_prune(ns, dev, hv, n, &gone, &ngone) == 0 && ngone > 0 &&
		    dp_conntrack_flush_addrs(ns, (const char *const *)gone, ngone, &nct) == 0 && nct)
			log_info("netnode: %s: forgot %zu connections of %zu addresses gone", ns, nct,
				 ngone);
		dp_names_free(gone, ngone);
		free(hv);
		return;
	}
}

/* The addresses of a router port's fixed_ips as "ip/prefixlen". */
static int port_addrs(const json_t *port, struct nn_strv *out)
{
	const json_t *ip;
	size_t i;

	json_array_foreach(json_object_get(port, "fixed_ips"), i, ip) {
		json_int_t len = json_integer_value(json_object_get(ip, "prefixlen"));
		if (!json_str(ip, "ip_address") || len < 0 || len > 32)
			continue;
		if (nn_strv_add(out, "%s/%d", json_str(ip, "ip_address"), (int)len) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The first address of the gateway port, or NULL. */
static const char *gateway_address(const json_t *gw)
{
	const json_t *ip;
	size_t i;

	json_array_foreach(json_object_get(gw, "fixed_ips"), i, ip)
		if (json_str(ip, "ip_address"))
			return json_str(ip, "ip_address");
	return NULL;
}

/* Load the router's NAT table and the proxy's map of its subnets. */
static int router_nat(struct netnode *nn, const json_t *rt, const char *ns, const char *gw_dev)
{
	const json_t *gw = json_object_get(rt, "gateway"), *iface, *ip, *fip;
	struct nat_fip *fips = calloc(json_array_size(json_object_get(rt, "floating_ips")) + 1,
				      sizeof(*fips));
	struct mdproxy_net *nets = NULL;
	struct nn_strv cidrs = { 0 };
	size_t i, j, nfips = 0, nnets = 0;
	char *body = NULL, err[512] = "";
	int r = fips ? 0 : -ENOMEM;

	json_array_foreach(json_object_get(rt, "interfaces"), i, iface)
		json_array_foreach(json_object_get(iface, "fixed_ips"), j, ip)
			if (r == 0 && json_str(ip, "cidr"))
				r = nn_strv_add(&cidrs, "%s", json_str(ip, "cidr"));
	nets = calloc(cidrs.n + 1, sizeof(*nets));
	if (!nets)
		r = -ENOMEM;
	json_array_foreach(json_object_get(rt, "interfaces"), i, iface)
		json_array_foreach(json_object_get(iface, "fixed_ips"), j, ip)
			if (r == 0 && json_str(ip, "cidr") && json_str(iface, "network_id"))
				nets[nnets++] = (struct mdproxy_net){ json_str(ip, "cidr"),
								      json_str(iface, "network_id") };
	json_array_foreach(json_object_get(rt, "floating_ips"), i, fip)
		if (fips && json_str(fip, "floating_ip_address") && json_str(fip, "fixed_ip_address"))
			fips[nfips++] = (struct nat_fip){ json_str(fip, "floating_ip_address"),
							  json_str(fip, "fixed_ip_address") };
	if (r == 0) {
		struct nat_router nr = { .gw_dev = gw_dev, .gw_ip = gateway_address(gw),
					 .snat = json_is_true(json_object_get(rt, "enable_snat")),
					 .cidrs = (const char *const *)cidrs.v, .ncidrs = cidrs.n,
					 .fips = fips, .nfips = nfips };
		r = nat_rules_build(&nr, &body);
	}
	if (r == 0) {
		r = dp_nft_table_replace(ns, "ip", "basalt-nat", body, err, sizeof(err));
		if (r < 0)
			log_warn("netnode: %s: nft: %s", ns, err);
	}
	if (r == 0)
		r = mdproxy_ensure(nn->md, ns, nets, nnets);
	free(body);
	free(nets);
	free(fips);
	nn_strv_free(&cidrs);
	return r;
}

/* The router's extra routes, once its legs are up (their nexthops are
 * on-link through them). */
static int router_extra_routes(const char *ns, const json_t *routes)
{
	size_t n = json_array_size(routes), i;
	struct dp_route *v = calloc(n ? n : 1, sizeof(*v));
	const json_t *e;
	int r;

	if (!v)
		return -ENOMEM;
	json_array_foreach(routes, i, e) {
		v[i].dst = json_str(e, "destination");
		v[i].via = json_str(e, "nexthop");
	}
	r = dp_route_sync(ns, v, n);
	free(v);
	return r;
}

int nn_router_ensure(struct netnode *nn, const json_t *desired, const json_t *rt)
{
	static const char *const lo_addrs[] = { "127.0.0.1/8", "169.254.169.254/32" };
	const char *id = json_str(rt, "id");
	const json_t *gw = json_object_get(rt, "gateway"), *iface, *fip;
	_cleanup_free_ char *ns = NULL;
	struct nn_strv legs = { 0 };
	char gw_dev[DP_IFNAMSIZ] = "";
	size_t i;
	int r;

	if (!nn_valid_id(id))
		return -EINVAL;
	if (asprintf(&ns, NS_ROUTER "%s", id) < 0)
		return -ENOMEM;
	r = nn_owned_add(nn, ns);
	if (r == 0)
		r = dp_link_up(ns, "lo", 0, NULL);
	if (r == 0)
		r = dp_addr_sync(ns, "lo", lo_addrs, 2);
	if (r == 0)
		r = dp_sysctl(ns, "net/ipv4/ip_forward", "1");
	/* The legs we want; others (interfaces removed, gateway cleared) go. */
	json_array_foreach(json_object_get(rt, "interfaces"), i, iface) {
		char dev[DP_IFNAMSIZ];
		if (r == 0 && !nn_valid_id(json_str(iface, "port_id")))
			r = -EINVAL;
		if (r < 0)
			break;
		dp_port_dev("qr-", json_str(iface, "port_id"), dev);
		r = nn_strv_add(&legs, "%s", dev);
	}
	if (r == 0 && json_is_object(gw)) {
		if (!nn_valid_id(json_str(gw, "port_id")))
			r = -EINVAL;
		else {
			dp_port_dev("qg-", json_str(gw, "port_id"), gw_dev);
			r = nn_strv_add(&legs, "%s", gw_dev);
		}
	}
	if (r == 0)
		r = nn_links_prune(ns, "qr-", &legs);
	if (r == 0)
		r = nn_links_prune(ns, "qg-", &legs);
	json_array_foreach(json_object_get(rt, "interfaces"), i, iface) {
		struct nn_strv addrs = { 0 };
		const char *net = json_str(iface, "network_id");
		if (r < 0)
			break;
		r = net ? port_addrs(iface, &addrs) : -EINVAL;
		if (r == 0)
			r = nn_leg_ensure(ns, "qr-", json_str(iface, "port_id"),
				       json_str(iface, "mac_address"), net, network_mtu(desired, net),
				       &addrs);
		if (r == 0) {
			char dev[DP_IFNAMSIZ];
			dp_port_dev("qr-", json_str(iface, "port_id"), dev);
			neigh_prune(desired, net, ns, dev);
		}
		nn_strv_free(&addrs);
	}
	if (r == 0 && gw_dev[0]) {
		struct nn_strv addrs = { 0 };
		const char *net = json_str(gw, "network_id");
		r = net ? port_addrs(gw, &addrs) : -EINVAL;
		/* Floating IPs answer ARP on the gateway leg as /32s. */
		json_array_foreach(json_object_get(rt, "floating_ips"), i, fip)
			if (r == 0 && json_str(fip, "floating_ip_address"))
				r = nn_strv_add(&addrs, "%s/32", json_str(fip, "floating_ip_address"));
		if (r == 0)
			r = nn_leg_ensure(ns, "qg-", json_str(gw, "port_id"),
				       json_str(gw, "mac_address"), net, network_mtu(desired, net),
				       &addrs);
		nn_strv_free(&addrs);
		if (r == 0 && json_str(gw, "gateway_ip"))
			r = dp_route_ensure(ns, NULL, json_str(gw, "gateway_ip"), gw_dev);
		else if (r == 0)
			r = dp_route_del(ns, "0.0.0.0/0");
	} else if (r == 0) {
		r = dp_route_del(ns, "0.0.0.0/0");
	}
	if (r == 0)
		r = router_extra_routes(ns, json_object_get(rt, "routes"));
	if (r == 0)
		r = router_nat(nn, rt, ns, gw_dev[0] ? gw_dev : NULL);
	if (r < 0)
		log_warn("netnode: router %s: %s", id, strerror(-r));
	nn_strv_free(&legs);
	return r;
}

/* Drop the legs first (their peers go with them, at once rather than when
 * the kernel gets round to the namespace), then the namespace. The proxy's
 * listener must be closed already: it would keep the namespace alive. */
int nn_router_absent(struct netnode *nn, const char *id)
{
	_cleanup_free_ char *ns = NULL;
	int acc = 0;

	if (asprintf(&ns, NS_ROUTER "%s", id) < 0)
		return -ENOMEM;
	if (!dp_netns_exists(ns))
		return 0;
	log_info("netnode: removing router %s", id);
	nn_first_error(&acc, nn_links_prune(ns, "qr-", NULL));
	nn_first_error(&acc, nn_links_prune(ns, "qg-", NULL));
	nn_first_error(&acc, nn_owned_del(nn, ns));
	return acc;
}
