/* neigh.c - the ARP table of a device inside a namespace, pruned to the
 * ports that hold its network's addresses: when a port goes and its
 * address comes back at once with another MAC, the router (and the DHCP
 * namespace) must not keep sending to the old MAC until the kernel's
 * neighbour entry times out. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>

/* Whether some host has this address with this MAC (false: the address
 * is another MAC's now, or nobody's). */
static bool neigh_wanted(const char *ip, const char *mac, const struct dp_dhcp_host *hosts,
			 size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hosts[i].ip && hosts[i].mac && strcmp(hosts[i].ip, ip) == 0)
			return mac && strcasecmp(hosts[i].mac, mac) == 0;
	return false;
}

int dp_neigh_prune(const char *ns, const char *dev, const struct dp_dhcp_host *hosts, size_t n,
		   char ***gone, size_t *ngone)
{
	struct nl_cache *cache = NULL;
	struct nl_sock *sk = NULL;
	struct nl_object *o;
	int ifindex, r, acc = 0;

	if (gone) {
		*gone = NULL;
		*ngone = 0;
	}
	if (!dp_ifname_valid(dev))
		return -EINVAL;
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	ifindex = dp_nl_ifindex(sk, dev);
	if (ifindex < 0) {
		nl_socket_free(sk);
		return ifindex;
	}
	r = dp_nl_err(rtnl_neigh_alloc_cache(sk, &cache));
	if (r < 0) {
		nl_socket_free(sk);
		return r;
	}
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *nb = (struct rtnl_neigh *)o;
		struct nl_addr *dst = rtnl_neigh_get_dst(nb), *ll = rtnl_neigh_get_lladdr(nb);
		char ip[INET_ADDRSTRLEN], mac[32] = "";
		int state = rtnl_neigh_get_state(nb);

		if (rtnl_neigh_get_ifindex(nb) != ifindex || rtnl_neigh_get_family(nb) != AF_INET ||
		    !dst || nl_addr_get_len(dst) != 4 || (state > 0 && (state & (NUD_PERMANENT | NUD_NOARP))))
			continue;
		inet_ntop(AF_INET, nl_addr_get_binary_addr(dst), ip, sizeof(ip));
		if (ll && nl_addr_get_len(ll) == 6) {
			const unsigned char *m = nl_addr_get_binary_addr(ll);
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
				 m[3], m[4], m[5]);
		}
		/* No MAC yet (being resolved, failed): it sends nowhere. */
		if (!mac[0] || neigh_wanted(ip, mac, hosts, n))
			continue;
		log_info("neigh %s %s: removing %s -> %s", dp_ns_label(ns), dev, ip, mac);
		r = dp_nl_err(rtnl_neigh_delete(sk, nb, 0));
		if (r < 0 && r != -ENOENT && acc == 0)
			acc = r;
		if (r == 0 && gone && dp_names_push(gone, ngone, ip) < 0 && acc == 0)
			acc = -ENOMEM;
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	if (acc < 0)
		log_warn("neigh %s %s: prune: %s", dp_ns_label(ns), dev, strerror(-acc));
	return acc;
}
