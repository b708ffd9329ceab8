/* router_routes.c - a router's extra routes (Neutron's extraroute and
 * extraroute-atomic extensions): checked as Neutron checks them, kept in
 * the router's row (router_store.c), installed by the network node in
 * the router's namespace (desired state "routes"). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

/* routes as Python shows the list Neutron puts in InvalidRoutes. */
static void routes_repr(const json_t *routes, char *out, size_t n)
{
	const json_t *v;
	size_t i, len = 0;

	len += (size_t)snprintf(out, n, "[");
	json_array_foreach(routes, i, v) {
		if (len >= n)
			break;
		len += (size_t)snprintf(out + len, n - len,
					"%s{'destination': '%s', 'nexthop': '%s'}", i ? ", " : "",
					json_str(v, "destination") ? json_str(v, "destination") : "",
					json_str(v, "nexthop") ? json_str(v, "nexthop") : "");
	}
	if (len < n)
		snprintf(out + len, n - len, "]");
}

/* A bare address of either family into p (a host prefix): 0 or -EINVAL. */
static int address_parse(const char *s, struct l3_prefix *p)
{
	if (!s || strchr(s, '/'))
		return -EINVAL;
	return l3_prefix_parse(s, p);
}

/* Neutron's validate_hostroutes and validate_route_cidr on one entry. */
static int entry_check(const json_t *v, char dest[64], struct net_fault *f)
{
	const char *d = json_str(v, "destination"), *nh = json_str(v, "nexthop");
	struct l3_prefix p;
	char msg[256];

	if (!json_is_object(v) || json_object_size(v) != 2 || !d || !nh) {
		snprintf(msg, sizeof(msg),
			 "Validation of dictionary's keys failed. Expected keys: "
			 "{'destination', 'nexthop'}");
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
	}
	if (l3_prefix_parse(d, &p) < 0) {
		snprintf(msg, sizeof(msg), "'%.64s' is not a valid CIDR", d);
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
	}
	l3_prefix_format(&p, dest);
	if (!strchr(d, '/') || strcmp(dest, d) != 0) {
		snprintf(msg, sizeof(msg), "'%.64s' is not a recognized CIDR, '%s' is recommended", d,
			 dest);
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
	}
	if (p.family == AF_INET && p.len > 0 && p.addr[0] == 127) {
		snprintf(msg, sizeof(msg), "'%.64s' is not a routable CIDR", d);
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
	}
	if (address_parse(nh, &p) < 0) {
		snprintf(msg, sizeof(msg), "'%.64s' is not a valid IP address", nh);
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
	}
	return 0;
}

static int route_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int r = strcmp(json_str(x, "destination"), json_str(y, "destination"));

	return r ? r : strcmp(json_str(x, "nexthop"), json_str(y, "nexthop"));
}

/* A new array of routes' entries sorted (they are checked already). */
static json_t *sorted(const json_t *routes)
{
	size_t n = json_array_size(routes), i;
	json_t **v = calloc(n + 1, sizeof(*v)), *out = json_array();

	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(routes, i);
	qsort(v, n, sizeof(*v), route_cmp);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* The nexthop must be on a subnet of the router's ports and none of their
 * addresses (Neutron's _validate_routes_nexthop). */
static int nexthop_check(const json_t *addrs, const json_t *routes, const char *nexthop,
			 struct net_fault *f)
{
	struct l3_prefix nh, cidr;
	const json_t *a;
	bool connected = false;
	char repr[256];
	size_t i;

	if (address_parse(nexthop, &nh) < 0)
		return -EINVAL;
	json_array_foreach(addrs, i, a)
		if (l3_prefix_parse(json_str(a, "cidr"), &cidr) == 0 && l3_prefix_overlap(&cidr, &nh))
			connected = true;
	routes_repr(routes, repr, sizeof(repr));
	if (!connected)
		return net_fault(f, -EINVAL, NF_ROUTES_INVALID, repr,
				 "the nexthop is not connected with router");
	json_array_foreach(addrs, i, a) {
		struct l3_prefix ip;
		if (address_parse(json_str(a, "ip_address"), &ip) == 0 && ip.family == nh.family &&
		    memcmp(ip.addr, nh.addr, sizeof(ip.addr)) == 0)
			return net_fault(f, -EINVAL, NF_ROUTES_INVALID, repr,
					 "the nexthop is used by router");
	}
	return 0;
}

int router_routes_check(struct store *st, const struct l3_router *rt, const json_t *routes,
			json_t **out, struct net_fault *f)
{
	_cleanup_json_ json_t *canon = json_array(), *addrs = NULL;
	const json_t *v;
	char msg[256];
	size_t i, j;
	int r = 0;

	*out = NULL;
	if (!routes || json_is_null(routes))
		return (*out = json_array()) ? 0 : -ENOMEM;
	if (!json_is_array(routes)) {
		snprintf(msg, sizeof(msg), "Invalid data format for hostroute: '%s'",
			 json_is_string(routes) ? json_string_value(routes) : "?");
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
	}
	json_array_foreach(routes, i, v) {
		char dest[64];
		if ((r = entry_check(v, dest, f)) < 0)
			return r;
		json_array_append_new(canon, json_pack("{s:s,s:s}", "destination", dest, "nexthop",
						       json_str(json_array_get(routes, i), "nexthop")));
	}
	json_array_foreach(canon, i, v)
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(canon, j))) {
				snprintf(msg, sizeof(msg),
					 "Duplicate hostroute '{'destination': '%s', 'nexthop': '%s'}'",
					 json_str(v, "destination"), json_str(v, "nexthop"));
				return net_fault(f, -EINVAL, NF_ROUTES_INPUT, msg, NULL);
			}
	if (json_array_size(canon) > ROUTER_MAX_ROUTES) {
		snprintf(msg, sizeof(msg), "%d", ROUTER_MAX_ROUTES);
		return net_fault(f, -EINVAL, NF_ROUTES_EXHAUSTED, rt->id, msg);
	}
	if (json_array_size(canon) && !(addrs = port_store_router_addresses(st, rt->id, &r)))
		return r;
	json_array_foreach(canon, i, v)
		if ((r = nexthop_check(addrs, routes, json_str(v, "nexthop"), f)) < 0)
			return r;
	*out = sorted(canon);
	return *out ? 0 : -ENOMEM;
}

int router_routes_set(struct store *st, const struct l3_router *rt, const json_t *routes,
		      struct net_fault *f)
{
	_cleanup_json_ json_t *canon = NULL;
	int r = router_routes_check(st, rt, routes, &canon, f);

	return r < 0 ? r : router_store_set_routes(st, rt->id, canon);
}

/* Whether routes holds an entry equal to v (destination compared in its
 * canonical form). */
static bool routes_have(const json_t *routes, const json_t *v)
{
	const json_t *e;
	size_t i;

	json_array_foreach(routes, i, e)
		if (json_equal(e, v))
			return true;
	return false;
}

int router_routes_change(const struct caller *c, struct store *st, const char *id,
			 const json_t *routes, bool add, struct net_fault *f)
{
	_cleanup_json_ json_t *have = NULL, *asked = NULL, *next = NULL;
	struct l3_router rt;
	const json_t *v;
	size_t i;
	int r = router_for(c, st, id, add ? "add_extraroutes" : "remove_extraroutes", &rt, f);

	if (r < 0)
		return r;
	if (!(have = router_store_routes(st, id, &r)))
		return r;
	/* The entries asked for, checked for their shape (their nexthops are
	 * checked with the whole set below, as Neutron delays it). */
	if (!json_is_array(routes))
		return net_fault(f, -EINVAL, NF_ROUTES_INPUT, "'routes' is not a list", NULL);
	asked = json_array();
	json_array_foreach(routes, i, v) {
		char dest[64];
		if ((r = entry_check(v, dest, f)) < 0)
			return r;
		json_array_append_new(asked, json_pack("{s:s,s:s}", "destination", dest, "nexthop",
						       json_str(v, "nexthop")));
	}
	next = json_array();
	json_array_foreach(have, i, v)
		if (add || !routes_have(asked, v))
			json_array_append(next, (json_t *)v);
	json_array_foreach(asked, i, v)
		if (add && !routes_have(next, v))
			json_array_append(next, (json_t *)v);
	return router_routes_set(st, &rt, next, f);
}

int router_routes_leg_free(struct store *st, const char *router_id, const char *sn_id,
			   const char *cidr, struct net_fault *f)
{
	_cleanup_json_ json_t *routes = NULL;
	struct l3_prefix net, nh;
	const json_t *v;
	size_t i;
	int r = 0;

	if (!(routes = router_store_routes(st, router_id, &r)))
		return r;
	if (l3_prefix_parse(cidr, &net) < 0)
		return 0;
	json_array_foreach(routes, i, v)
		if (address_parse(json_str(v, "nexthop"), &nh) == 0 && l3_prefix_overlap(&net, &nh))
			return net_fault(f, -EBUSY, NF_ROUTE_NEEDS_LEG, sn_id, router_id);
	return 0;
}
