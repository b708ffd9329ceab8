/* addr.c - IPv4 addresses and routes through netlink: a device's address
 * set made exact, routes made or replaced. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

struct cidr4 {
	struct in_addr a;
	int len;
};

/* Parse "a.b.c.d/len" (len 0..32); a bare address is /32. */
static int cidr4_parse(const char *s, struct cidr4 *c)
{
	char buf[32], *slash, *end;
	long len = 32;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end || len < 0 || len > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &c->a) != 1)
		return -EINVAL;
	c->len = (int)len;
	return 0;
}

static struct nl_addr *cidr4_nl(const struct cidr4 *c)
{
	struct nl_addr *a = nl_addr_build(AF_INET, &c->a, sizeof(c->a));

	if (a)
		nl_addr_set_prefixlen(a, c->len);
	return a;
}

/* Whether the kernel address object o (an rtnl_addr) is c on ifindex. */
static bool addr_is(struct rtnl_addr *o, int ifindex, const struct cidr4 *c)
{
	struct nl_addr *local = rtnl_addr_get_local(o);

	return rtnl_addr_get_ifindex(o) == ifindex && rtnl_addr_get_family(o) == AF_INET && local &&
	       nl_addr_get_len(local) == 4 &&
	       memcmp(nl_addr_get_binary_addr(local), &c->a, 4) == 0 &&
	       (int)rtnl_addr_get_prefixlen(o) == c->len;
}

static bool wanted(struct rtnl_addr *o, int ifindex, const struct cidr4 *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_is(o, ifindex, &want[i]))
			return true;
	return false;
}

/* Remove the IPv4 addresses of ifindex not in want[]. */
static int addr_remove_others(struct nl_sock *sk, int ifindex, const struct cidr4 *want, size_t n)
{
	struct nl_cache *cache;
	int r = dp_nl_err(rtnl_addr_alloc_cache(sk, &cache));

	if (r < 0)
		return r;
	for (struct nl_object *o = nl_cache_get_first(cache); o && r == 0;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET ||
		    wanted(a, ifindex, want, n))
			continue;
		r = dp_nl_err(rtnl_addr_delete(sk, a, 0));
		/* Deleting a primary takes its secondaries along: already gone. */
		if (r == -EADDRNOTAVAIL || r == -ENOENT)
			r = 0;
	}
	nl_cache_free(cache);
	return r;
}

/* Add the addresses of want[] that ifindex lacks. */
static int addr_add_missing(struct nl_sock *sk, int ifindex, const struct cidr4 *want, size_t n)
{
	struct nl_cache *cache;
	int r = dp_nl_err(rtnl_addr_alloc_cache(sk, &cache));

	for (size_t i = 0; i < n && r == 0; i++) {
		struct rtnl_addr *a;
		struct nl_addr *local;
		bool have = false;

		for (struct nl_object *o = nl_cache_get_first(cache); o && !have;
		     o = nl_cache_get_next(o))
			have = addr_is((struct rtnl_addr *)o, ifindex, &want[i]);
		if (have)
			continue;
		a = rtnl_addr_alloc();
		local = cidr4_nl(&want[i]);
		if (!a || !local)
			r = -ENOMEM;
		else {
			rtnl_addr_set_ifindex(a, ifindex);
			rtnl_addr_set_family(a, AF_INET);
			rtnl_addr_set_local(a, local);
			rtnl_addr_set_prefixlen(a, want[i].len);
			if (want[i].len < 31) {
				/* The broadcast address, as `ip addr add … brd +` sets it. */
				uint32_t mask = want[i].len ? htonl(~0u << (32 - want[i].len)) : 0;
				struct in_addr b = { .s_addr = want[i].a.s_addr | ~mask };
				struct nl_addr *brd = nl_addr_build(AF_INET, &b, sizeof(b));

				if (brd) {
					rtnl_addr_set_broadcast(a, brd);
					nl_addr_put(brd);
				}
			}
			r = dp_nl_err(rtnl_addr_add(sk, a, 0));
			if (r == -EEXIST)
				r = 0;
		}
		if (local)
			nl_addr_put(local);
		if (a)
			rtnl_addr_put(a);
	}
	if (cache)
		nl_cache_free(cache);
	return r;
}

int dp_addr_sync(const char *ns, const char *dev, const char *const *cidrs, size_t n)
{
	struct cidr4 *want;
	struct nl_sock *sk;
	int r, ifindex;

	if (!dp_ifname_valid(dev)) {
		log_error("addr sync %s in %s: invalid device name", dev ? dev : "(null)",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	want = calloc(n ? n : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (cidr4_parse(cidrs[i], &want[i]) < 0) {
			log_error("addr sync %s in %s: bad address %s", dev, dp_ns_label(ns),
				  cidrs[i] ? cidrs[i] : "(null)");
			free(want);
			return -EINVAL;
		}
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0) {
		free(want);
		return r;
	}
	ifindex = dp_nl_ifindex(sk, dev);
	r = ifindex < 0 ? ifindex : addr_remove_others(sk, ifindex, want, n);
	/* Re-read after removal: a removed primary may have taken wanted
	 * secondaries with it. */
	if (r == 0)
		r = addr_add_missing(sk, ifindex, want, n);
	if (r < 0)
		log_error("addr sync %s in %s: %s", dev, dp_ns_label(ns), strerror(-r));
	nl_socket_free(sk);
	free(want);
	return r;
}

/* A route object for dst (NULL: default) in the main table. */
static int route_build(const char *dst, struct rtnl_route **out)
{
	struct cidr4 c = { .len = 0 };
	struct rtnl_route *route;
	struct nl_addr *d;

	if (dst && cidr4_parse(dst, &c) < 0)
		return -EINVAL;
	if (c.len < 32 && c.len > 0) /* the network address, as the kernel wants */
		c.a.s_addr &= htonl(~0u << (32 - c.len));
	else if (c.len == 0)
		c.a.s_addr = 0;
	route = rtnl_route_alloc();
	d = cidr4_nl(&c);
	if (!route || !d) {
		if (route)
			rtnl_route_put(route);
		if (d)
			nl_addr_put(d);
		return -ENOMEM;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_dst(route, d);
	nl_addr_put(d);
	*out = route;
	return 0;
}

int dp_route_ensure(const char *ns, const char *dst, const char *gw, const char *dev)
{
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *via = NULL;
	struct nl_sock *sk = NULL;
	int r, ifindex = 0;

	if ((dev && !dp_ifname_valid(dev)) || (!gw && !dev)) {
		log_error("route %s in %s: needs a valid gateway or device", dst ? dst : "default",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	r = route_build(dst, &route);
	if (r == 0 && gw &&
	    (nl_addr_parse(gw, AF_INET, &via) < 0 || nl_addr_get_prefixlen(via) != 32))
		r = -EINVAL;
	if (r == 0)
		r = dp_nl_open(ns, &sk);
	if (r == 0 && dev && (ifindex = dp_nl_ifindex(sk, dev)) < 0)
		r = ifindex;
	if (r == 0 && !(nh = rtnl_route_nh_alloc()))
		r = -ENOMEM;
	if (r == 0) {
		if (ifindex > 0)
			rtnl_route_nh_set_ifindex(nh, ifindex);
		if (via)
			rtnl_route_nh_set_gateway(nh, via);
		rtnl_route_add_nexthop(route, nh); /* route owns nh now */
		nh = NULL;
		rtnl_route_set_scope(route, via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
		rtnl_route_set_protocol(route, RTPROT_BOOT);
		rtnl_route_set_type(route, RTN_UNICAST);
		/* CREATE|REPLACE: made when missing, swapped in one step when the
		 * gateway or device differ. */
		r = dp_nl_err(rtnl_route_add(sk, route, NLM_F_REPLACE));
	}
	if (r < 0)
		log_error("route %s via %s dev %s in %s: %s", dst ? dst : "default", gw ? gw : "-",
			  dev ? dev : "-", dp_ns_label(ns), strerror(-r));
	if (nh)
		rtnl_route_nh_free(nh);
	if (via)
		nl_addr_put(via);
	if (route)
		rtnl_route_put(route);
	if (sk)
		nl_socket_free(sk);
	return r;
}

int dp_route_del(const char *ns, const char *dst)
{
	struct rtnl_route *route = NULL;
	struct nl_sock *sk = NULL;
	int r;

	if (ns && !dp_netns_exists(ns))
		return 0;
	r = route_build(dst, &route);
	if (r == 0)
		r = dp_nl_open(ns, &sk);
	if (r == 0) {
		/* Match any scope and protocol (libnl defaults to static). */
		rtnl_route_set_scope(route, RT_SCOPE_NOWHERE);
		rtnl_route_set_protocol(route, RTPROT_UNSPEC);
		r = dp_nl_err(rtnl_route_delete(sk, route, 0));
		if (r == -ENOENT)
			r = 0; /* already gone */
	}
	if (r < 0)
		log_error("route del %s in %s: %s", dst ? dst : "default", dp_ns_label(ns),
			  strerror(-r));
	if (route)
		rtnl_route_put(route);
	if (sk)
		nl_socket_free(sk);
	return r;
}

/* ---- extra routes: the routes of protocol static in ns's main table ---- */

/* A wanted route: dst and via as netlink addresses. */
struct route_want {
	struct nl_addr *dst, *via;
};

static void route_wants_free(struct route_want *w, size_t n)
{
	for (size_t i = 0; w && i < n; i++) {
		if (w[i].dst)
			nl_addr_put(w[i].dst);
		if (w[i].via)
			nl_addr_put(w[i].via);
	}
	free(w);
}

/* Whether the kernel route o is one of want[] (destination and gateway). */
static bool route_wanted(struct rtnl_route *o, const struct route_want *want, size_t n)
{
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(o, 0);
	struct nl_addr *gw = nh ? rtnl_route_nh_get_gateway(nh) : NULL;

	for (size_t i = 0; i < n; i++)
		if (rtnl_route_get_dst(o) && gw && !nl_addr_cmp(rtnl_route_get_dst(o), want[i].dst) &&
		    !nl_addr_cmp(gw, want[i].via))
			return true;
	return false;
}

int dp_route_sync(const char *ns, const struct dp_route *routes, size_t n)
{
	struct route_want *want = calloc(n ? n : 1, sizeof(*want));
	struct nl_cache *cache = NULL;
	struct nl_sock *sk = NULL;
	size_t i;
	int r = want ? 0 : -ENOMEM;

	for (i = 0; r == 0 && i < n; i++) {
		struct cidr4 c;
		if (cidr4_parse(routes[i].dst, &c) < 0 ||
		    nl_addr_parse(routes[i].via, AF_INET, &want[i].via) < 0 ||
		    nl_addr_get_prefixlen(want[i].via) != 32) {
			log_error("route sync in %s: bad route %s via %s", dp_ns_label(ns),
				  routes[i].dst ? routes[i].dst : "-", routes[i].via ? routes[i].via : "-");
			r = -EINVAL;
		} else if (!(want[i].dst = cidr4_nl(&c))) {
			r = -ENOMEM;
		}
	}
	if (r == 0)
		r = dp_nl_open(ns, &sk);
	if (r == 0)
		r = dp_nl_err(rtnl_route_alloc_cache(sk, AF_INET, 0, &cache));
	/* Ours that are no longer wanted go first. */
	for (struct nl_object *o = cache ? nl_cache_get_first(cache) : NULL; r == 0 && o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
		    rtnl_route_get_protocol(rt) != RTPROT_STATIC || route_wanted(rt, want, n))
			continue;
		r = dp_nl_err(rtnl_route_delete(sk, rt, 0));
		if (r == -ENOENT || r == -ESRCH)
			r = 0;
	}
	for (i = 0; r == 0 && i < n; i++) {
		struct rtnl_route *rt = rtnl_route_alloc();
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
		if (!rt || !nh) {
			r = -ENOMEM;
		} else {
			rtnl_route_set_family(rt, AF_INET);
			rtnl_route_set_table(rt, RT_TABLE_MAIN);
			rtnl_route_set_dst(rt, want[i].dst);
			rtnl_route_nh_set_gateway(nh, want[i].via);
			rtnl_route_add_nexthop(rt, nh); /* rt owns nh now */
			nh = NULL;
			rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
			rtnl_route_set_protocol(rt, RTPROT_STATIC);
			rtnl_route_set_type(rt, RTN_UNICAST);
			r = dp_nl_err(rtnl_route_add(sk, rt, NLM_F_REPLACE));
			if (r < 0)
				log_error("route %s via %s in %s: %s", routes[i].dst, routes[i].via,
					  dp_ns_label(ns), strerror(-r));
		}
		if (nh)
			rtnl_route_nh_free(nh);
		if (rt)
			rtnl_route_put(rt);
	}
	if (cache)
		nl_cache_free(cache);
	if (sk)
		nl_socket_free(sk);
	route_wants_free(want, n);
	return r;
}
