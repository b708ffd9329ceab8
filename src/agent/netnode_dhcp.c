/* netnode_dhcp.c - the network node's DHCP servers: one qdhcp- namespace
 * per network with its ns- leg and dnsmasq, and the metadata listener of a
 * namespace whose subnet is isolated (no router serves it), as Neutron's
 * DHCP agent does with enable_isolated_metadata. Called by
 * netnode_reconcile (netnode.c), which owns the round. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/netnode.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "dp/dp.h"

static int dhcp_dir(const struct netnode *nn, const char *network_id, char **out)
{
	return asprintf(out, "%s/%s", nn->dhcp_dir, network_id) < 0 ? -ENOMEM : 0;
}

/* The prefix length of subnet_id among the entry's subnets, or -1. */
static int subnet_prefixlen(const json_t *subnets, const char *subnet_id)
{
	const json_t *s;
	size_t i;

	json_array_foreach(subnets, i, s) {
		const char *cidr = json_str(s, "cidr"), *slash = cidr ? strchr(cidr, '/') : NULL;
		if (slash && json_str(s, "id") && subnet_id && strcmp(json_str(s, "id"), subnet_id) == 0)
			return atoi(slash + 1);
	}
	return -1;
}

/* A JSON array of strings as a malloc'd array of borrowed pointers. */
static const char **str_array(const json_t *arr, size_t *n)
{
	const char **v = calloc(json_array_size(arr) + 1, sizeof(*v));
	const json_t *e;
	size_t i;

	*n = 0;
	if (!v)
		return NULL;
	json_array_foreach(arr, i, e)
		if (json_is_string(e))
			v[(*n)++] = json_string_value(e);
	return v;
}

/* The hosts of one "dhcp" entry (MAC, address, name): a malloc'd array of
 * borrowed strings in *out, or NULL on ENOMEM. */
struct dp_dhcp_host *nn_dhcp_hosts(const json_t *d, size_t *n)
{
	const json_t *hosts = json_object_get(d, "hosts"), *e;
	struct dp_dhcp_host *hv = calloc(json_array_size(hosts) + 1, sizeof(*hv));
	size_t i;

	*n = 0;
	if (!hv)
		return NULL;
	json_array_foreach(hosts, i, e) {
		if (!json_str(e, "mac_address") || !json_str(e, "ip_address"))
			continue;
		hv[*n].mac = json_str(e, "mac_address");
		hv[*n].ip = json_str(e, "ip_address");
		hv[(*n)++].hostname = json_str(e, "hostname");
	}
	return hv;
}

/* The DHCP port's address on subnet_id, or NULL. */
static const char *dhcp_port_ip(const json_t *d, const char *subnet_id)
{
	const json_t *ip;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(d, "port"), "fixed_ips"), i, ip)
		if (subnet_id && json_str(ip, "subnet_id") &&
		    strcmp(json_str(ip, "subnet_id"), subnet_id) == 0)
			return json_str(ip, "ip_address");
	return NULL;
}

/* Where a guest of subnet s reaches 169.254.169.254 with [network]
 * enable_isolated_metadata (Neutron's DHCP agent's routes): through the
 * DHCP port when the subnet is isolated (no router leg holds its
 * gateway), else through its gateway, the router (so a lease renewed
 * after a router came takes the guest there). NULL: no route. */
static const char *metadata_nexthop(const struct agent *a, const json_t *d, const json_t *s)
{
	if (!a->b->cfg.enable_isolated_metadata)
		return NULL;
	if (json_is_true(json_object_get(s, "isolated")))
		return dhcp_port_ip(d, json_str(s, "id"));
	return json_str(s, "gateway_ip");
}

/* Whether the DHCP namespace of entry d serves metadata: [network]
 * enable_isolated_metadata, and a subnet of it isolated with an address
 * of the DHCP port on it. */
bool nn_dhcp_serves_metadata(const struct agent *a, const json_t *d)
{
	const json_t *s;
	size_t i;

	if (!a->b->cfg.enable_isolated_metadata)
		return false;
	json_array_foreach(json_object_get(d, "subnets"), i, s)
		if (json_is_true(json_object_get(s, "isolated")) && dhcp_port_ip(d, json_str(s, "id")))
			return true;
	return false;
}

/* Whether the subnet's own host routes name 169.254.169.254/32 already
 * (the user's route wins). */
static bool routes_have_metadata(const json_t *s)
{
	const json_t *hr;
	size_t i;

	json_array_foreach(json_object_get(s, "host_routes"), i, hr)
		if (json_str(hr, "destination") && strcmp(json_str(hr, "destination"), MD_ADDR "/32") == 0)
			return true;
	return false;
}

/* Start dnsmasq for one "dhcp" entry with its subnets and hosts. */
static int dhcp_server(const struct netnode *nn, const struct agent *a, const json_t *d,
		       const char *ns, const char *dev, const char *dir)
{
	const json_t *subnets = json_object_get(d, "subnets");
	size_t nsub = json_array_size(subnets), nhosts = 0;
	struct dp_dhcp_subnet *sv = calloc(nsub + 1, sizeof(*sv));
	struct dp_dhcp_host *hv = nn_dhcp_hosts(d, &nhosts);
	struct nn_strv *routes = calloc(nsub + 1, sizeof(*routes));
	const json_t *e;
	size_t i;
	int r = 0;

	if (!sv || !hv || !routes) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(subnets, i, e) {
		const char *md_via = metadata_nexthop(a, d, e);
		const json_t *hr;
		size_t j;
		sv[i].cidr = json_str(e, "cidr");
		sv[i].gateway = json_str(e, "gateway_ip");
		sv[i].dns = str_array(json_object_get(e, "dns_nameservers"), &sv[i].ndns);
		json_array_foreach(json_object_get(e, "host_routes"), j, hr)
			if (json_str(hr, "destination") && json_str(hr, "nexthop") &&
			    nn_strv_add(&routes[i], "%s,%s", json_str(hr, "destination"),
				     json_str(hr, "nexthop")) < 0)
				r = -ENOMEM;
		/* Option 121 replaces the router option for the clients that
		 * take it: dp_dhcp_ensure adds the default route after these. */
		if (md_via && !routes_have_metadata(e) &&
		    nn_strv_add(&routes[i], MD_ADDR "/32,%s", md_via) < 0)
			r = -ENOMEM;
		sv[i].routes = (const char *const *)routes[i].v;
		sv[i].nroutes = routes[i].n;
		if (!sv[i].cidr || !sv[i].dns)
			r = r ? r : (sv[i].cidr ? -ENOMEM : -EINVAL);
	}
	if (r == 0) {
		struct dp_dhcp cfg = { .ns = ns, .dev = dev, .dir = dir,
				       .domain = a->b->cfg.dns_domain,
				       .mtu = (int)json_integer_value(json_object_get(d, "mtu")),
				       .subnets = sv, .nsubnets = nsub, .hosts = hv, .nhosts = nhosts };
		r = mkdir_p(dir, 0755);
		if (r == 0)
			r = dp_dhcp_ensure(&cfg);
	}
out:
	for (i = 0; sv && i < nsub; i++)
		free((void *)sv[i].dns);
	for (i = 0; routes && i < nsub; i++)
		nn_strv_free(&routes[i]);
	free(routes);
	free(sv);
	free(hv);
	return r;
}

/* The DHCP namespace's metadata listener, serving every subnet of its
 * network (the network is the namespace's: a guest can only ever be
 * taken for one of this network). */
static int dhcp_metadata(struct netnode *nn, const json_t *d, const char *ns)
{
	const json_t *subnets = json_object_get(d, "subnets"), *s;
	struct mdproxy_net *nets = calloc(json_array_size(subnets) + 1, sizeof(*nets));
	size_t i, n = 0;
	int r;

	if (!nets)
		return -ENOMEM;
	json_array_foreach(subnets, i, s)
		if (json_str(s, "cidr"))
			nets[n++] = (struct mdproxy_net){ json_str(s, "cidr"),
							  json_str(d, "network_id") };
	r = mdproxy_ensure(nn->md, ns, nets, n);
	free(nets);
	return r;
}

int nn_dhcp_ensure(struct netnode *nn, struct agent *a, const json_t *d)
{
	static const char *const lo_addrs[] = { "127.0.0.1/8", MD_ADDR "/32" };
	const char *net = json_str(d, "network_id");
	const json_t *port = json_object_get(d, "port"), *ip;
	const char *port_id = json_str(port, "id");
	int mtu = (int)json_integer_value(json_object_get(d, "mtu"));
	_cleanup_free_ char *ns = NULL, *dir = NULL;
	struct nn_strv keep = { 0 }, addrs = { 0 };
	bool md = nn_dhcp_serves_metadata(a, d);
	char dev[DP_IFNAMSIZ];
	size_t i;
	int r;

	if (!nn_valid_id(net) || !nn_valid_id(port_id))
		return -EINVAL;
	if (asprintf(&ns, NS_DHCP "%s", net) < 0 || dhcp_dir(nn, net, &dir) < 0)
		return -ENOMEM;
	dp_port_dev("ns-", port_id, dev);
	json_array_foreach(json_object_get(port, "fixed_ips"), i, ip) {
		int len = subnet_prefixlen(json_object_get(d, "subnets"), json_str(ip, "subnet_id"));
		if (len >= 0 && json_str(ip, "ip_address") &&
		    nn_strv_add(&addrs, "%s/%d", json_str(ip, "ip_address"), len) < 0) {
			nn_strv_free(&addrs);
			return -ENOMEM;
		}
	}
	r = nn_owned_add(nn, ns);
	if (r == 0)
		r = dp_link_up(ns, "lo", 0, NULL);
	/* 169.254.169.254 only while this namespace serves it (its listener
	 * was closed before this round when it no longer does). */
	if (r == 0)
		r = dp_addr_sync(ns, "lo", lo_addrs, md ? 2 : 1);
	/* A port that changed leaves its old leg behind: drop it. */
	if (r == 0 && (r = nn_strv_add(&keep, "%s", dev)) == 0)
		r = nn_links_prune(ns, "ns-", &keep);
	if (r == 0)
		r = nn_leg_ensure(ns, "ns-", port_id, json_str(port, "mac_address"), net,
			       mtu > 0 ? mtu : DEFAULT_MTU, &addrs);
	if (r == 0)
		r = dhcp_server(nn, a, d, ns, dev, dir);
	if (r == 0 && md)
		r = dhcp_metadata(nn, d, ns);
	if (r == 0) {
		size_t n;
		struct dp_dhcp_host *hv = nn_dhcp_hosts(d, &n);
		if (hv)
			dp_neigh_prune(ns, dev, hv, n, NULL, NULL);
		free(hv);
	}
	if (r < 0)
		log_warn("netnode: DHCP of network %s: %s", net, strerror(-r));
	nn_strv_free(&keep);
	nn_strv_free(&addrs);
	return r;
}

/* Stop dnsmasq, then drop the legs (and so their peers) and the namespace. */
static int dhcp_absent(struct netnode *nn, const char *net)
{
	_cleanup_free_ char *ns = NULL, *dir = NULL;
	int r, acc = 0;

	if (asprintf(&ns, NS_DHCP "%s", net) < 0 || dhcp_dir(nn, net, &dir) < 0)
		return -ENOMEM;
	log_info("netnode: removing DHCP of network %s", net);
	nn_first_error(&acc, dp_dhcp_stop(dir));
	if (dp_netns_exists(ns)) {
		nn_first_error(&acc, nn_links_prune(ns, "ns-", NULL));
		r = nn_owned_del(nn, ns);
		nn_first_error(&acc, r);
	}
	return acc;
}

/* Remove every DHCP server not desired: namespaces and, for a crash
 * between the two, state directories. */
int nn_dhcp_prune(struct netnode *nn, const struct nn_strv *want)
{
	struct nn_strv stale = { 0 };
	char **names = NULL;
	size_t n = 0;
	int acc = 0, r;

	r = nn_owned_list(nn, NS_DHCP, &names, &n);
	nn_first_error(&acc, r);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *net = names[i] + strlen(NS_DHCP);
		if (!nn_strv_has(want, net) && !nn_strv_has(&stale, net))
			nn_first_error(&acc, nn_strv_add(&stale, "%s", net));
	}
	dp_names_free(names, n);
	DIR *d = opendir(nn->dhcp_dir);
	for (struct dirent *e; d && (e = readdir(d));)
		if (nn_valid_id(e->d_name) && !nn_strv_has(want, e->d_name) &&
		    !nn_strv_has(&stale, e->d_name))
			nn_first_error(&acc, nn_strv_add(&stale, "%s", e->d_name));
	if (d)
		closedir(d);
	for (size_t i = 0; i < stale.n; i++)
		if (nn_valid_id(stale.v[i]))
			nn_first_error(&acc, dhcp_absent(nn, stale.v[i]));
	nn_strv_free(&stale);
	return acc;
}
