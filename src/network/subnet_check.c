/* subnet_check.c - what a subnet must be before it is written: an IPv4
 * CIDR without host bits, a gateway inside it (or none), allocation pools
 * inside it that neither overlap nor hold the gateway, valid DNS servers
 * and host routes, and no overlap with the network's other subnets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/http.h"
#include "network/network.h"
#include "network/subnet_check.h"
#include "policy/policy.h"
#include "store/store.h"

#define MAX_DNS	   5  /* Neutron's max_dns_nameservers */
#define MAX_ROUTES 20 /* Neutron's max_subnet_host_routes */
#define STR_(x)	   #x
#define STR(x)	   STR_(x) /* a limit in a fault */

const struct jfield subnet_create_fields[] = {
	{ "network_id", J_STRING, true, 64 },
	{ "cidr", J_STRING, true, 64 },
	{ "ip_version", J_ANY, false, 0 },
	{ "name", J_STRING_NULL, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "gateway_ip", J_STRING_NULL, false, 64 },
	{ "allocation_pools", J_ARRAY, false, 0 },
	{ "dns_nameservers", J_ARRAY, false, 0 },
	{ "host_routes", J_ARRAY, false, 0 },
	{ "enable_dhcp", J_BOOL, false, 0 },
	{ "tenant_id", J_STRING, false, 64 },
	{ "project_id", J_STRING, false, 64 },
	{ "ipv6_address_mode", J_ANY, false, 0 },
	{ "ipv6_ra_mode", J_ANY, false, 0 },
	{ "subnetpool_id", J_ANY, false, 0 },
	{ "use_default_subnetpool", J_BOOL, false, 0 },
	{ "service_types", J_ARRAY, false, 0 },
	{ "segment_id", J_ANY, false, 0 },
};
const size_t subnet_create_nfields = ARRAY_SIZE(subnet_create_fields);

const struct jfield subnet_update_fields[] = {
	{ "name", J_STRING_NULL, false, 255 },
	{ "description", J_STRING_NULL, false, 255 },
	{ "gateway_ip", J_STRING_NULL, false, 64 },
	{ "allocation_pools", J_ARRAY, false, 0 },
	{ "dns_nameservers", J_ARRAY, false, 0 },
	{ "host_routes", J_ARRAY, false, 0 },
	{ "enable_dhcp", J_BOOL, false, 0 },
};
const size_t subnet_update_nfields = ARRAY_SIZE(subnet_update_fields);

void subnet_input_free(struct subnet_input *in)
{
	json_decref(in->dns);
	json_decref(in->routes);
	json_decref(in->pools);
	in->dns = in->routes = in->pools = NULL;
}

static uint32_t last_host(const struct cidr4 *c)
{
	return (c->addr | (c->len ? ~(0xffffffffu << (32 - c->len)) : 0xffffffffu)) - 1;
}

static json_t *pool_json(uint32_t a, uint32_t b)
{
	char s[16], e[16];

	ip4_format(a, s);
	ip4_format(b, e);
	return json_pack("{s:s,s:s}", "start", s, "end", e);
}

/* The whole host range minus the gateway (gw 0: none). */
static json_t *pools_default(const struct cidr4 *c, uint32_t gw)
{
	uint32_t first = c->addr + 1, last = last_host(c);
	json_t *v = json_array();

	if (!gw || gw < first || gw > last) {
		json_array_append_new(v, pool_json(first, last));
	} else {
		if (gw > first)
			json_array_append_new(v, pool_json(first, gw - 1));
		if (gw < last)
			json_array_append_new(v, pool_json(gw + 1, last));
	}
	return v;
}

/* Explicit pools: inside the hosts of c, start <= end, disjoint, without
 * the gateway. Normalised copy into *out. */
static int pools_check(struct net_fault *f, const json_t *pools, const struct cidr4 *c,
		       const char *cidr, uint32_t gw, json_t **out)
{
	uint32_t s[256], e[256];
	size_t i, n = json_array_size(pools);
	json_t *p;

	if (n > ARRAY_SIZE(s))
		return net_fault(f, -EINVAL, NF_SN_POOLS_MANY, NULL, NULL);
	json_array_foreach(pools, i, p) {
		const char *a = json_str(p, "start"), *b = json_str(p, "end");
		if (!json_is_object(p) || json_object_size(p) != 2 || ip4_parse(a, &s[i]) < 0 ||
		    ip4_parse(b, &e[i]) < 0)
			return net_fault(f, -EINVAL, NF_SN_POOL_SHAPE, NULL, NULL);
		if (s[i] > e[i])
			return net_fault(f, -EINVAL, NF_SN_POOL_REVERSED, a, b);
		if (!cidr4_contains(c, s[i]) || !cidr4_contains(c, e[i]) || s[i] <= c->addr ||
		    e[i] > last_host(c))
			return net_fault_more(f, -EINVAL, NF_SN_POOL_OUTSIDE, a, b, cidr, NULL, NULL);
		if (gw && gw >= s[i] && gw <= e[i]) {
			char g[16];
			ip4_format(gw, g);
			return net_fault_more(f, -EINVAL, NF_SN_GW_IN_POOL, g, a, b, NULL, NULL);
		}
	}
	for (i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (s[i] <= e[j] && s[j] <= e[i])
				return net_fault_more(f, -EINVAL, NF_SN_POOLS_OVERLAP,
						      json_str(json_array_get(pools, i), "start"),
						      json_str(json_array_get(pools, i), "end"),
						      json_str(json_array_get(pools, j), "start"),
						      json_str(json_array_get(pools, j), "end"), cidr);
	*out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(*out, pool_json(s[i], e[i]));
	return 0;
}

static int dns_check(struct net_fault *f, const json_t *dns, json_t **out)
{
	size_t i, j;
	json_t *v;
	uint32_t a;

	if (json_array_size(dns) > MAX_DNS)
		return net_fault(f, -EINVAL, NF_SN_DNS_MANY, STR(MAX_DNS), NULL);
	json_array_foreach(dns, i, v) {
		if (!json_is_string(v) || ip4_parse(json_string_value(v), &a) < 0)
			return net_fault(f, -EINVAL, NF_SN_DNS_BAD,
					 json_is_string(v) ? json_string_value(v) : "?", NULL);
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(dns, j)))
				return net_fault(f, -EINVAL, NF_SN_DNS_DUP, json_string_value(v), NULL);
	}
	*out = json_deep_copy(dns);
	return 0;
}

static int routes_check(struct net_fault *f, const json_t *routes, json_t **out)
{
	size_t i, j;
	json_t *v;
	struct cidr4 c;
	uint32_t a;

	if (json_array_size(routes) > MAX_ROUTES)
		return net_fault(f, -EINVAL, NF_SN_ROUTES_MANY, STR(MAX_ROUTES), NULL);
	json_array_foreach(routes, i, v) {
		if (!json_is_object(v) || json_object_size(v) != 2 ||
		    cidr4_parse(json_str(v, "destination"), false, &c) < 0 ||
		    ip4_parse(json_str(v, "nexthop"), &a) < 0)
			return net_fault(f, -EINVAL, NF_SN_ROUTE_SHAPE, NULL, NULL);
		for (j = 0; j < i; j++)
			if (json_equal(v, json_array_get(routes, j)))
				return net_fault(f, -EINVAL, NF_SN_ROUTE_DUP, json_str(v, "destination"), NULL);
	}
	*out = json_deep_copy(routes);
	return 0;
}

static const char *str_or(const json_t *o, const char *k, const json_t *cur, const char *def)
{
	const json_t *v = json_object_get(o, k);

	if (v)
		return json_is_string(v) ? json_string_value(v) : def;
	return cur && json_str(cur, k) ? json_str(cur, k) : def;
}

int subnet_input_parse(const struct caller *c, const json_t *s, const json_t *cur,
		       struct subnet_input *in, struct net_fault *f)
{
	const json_t *ipv = json_object_get(s, "ip_version"), *gw = json_object_get(s, "gateway_ip");
	const char *t = json_str(s, "tenant_id"), *p = json_str(s, "project_id");
	uint32_t g = 0;
	int r;

	memset(in, 0, sizeof(*in));
	for (const char *const *k = (const char *const[]){ "ipv6_address_mode", "ipv6_ra_mode", "subnetpool_id", "segment_id", NULL }; *k; k++)
		if (json_object_get(s, *k) && !json_is_null(json_object_get(s, *k)))
			return net_fault(f, -EINVAL, NF_UNSUPPORTED, *k, NULL);
	if (json_is_true(json_object_get(s, "use_default_subnetpool")) ||
	    json_array_size(json_object_get(s, "service_types")))
		return net_fault(f, -EINVAL, NF_SN_POOLS_UNSUPPORTED, NULL, NULL);
	if (ipv && !(json_is_integer(ipv) && json_integer_value(ipv) == 4)) {
		if (json_is_integer(ipv) && json_integer_value(ipv) == 6)
			return net_fault(f, -EINVAL, NF_SN_IPV6, NULL, NULL);
		return net_fault(f, -EINVAL, NF_SN_IP_VERSION, NULL, NULL);
	}
	in->network_id = cur ? json_str(cur, "network_id") : json_str(s, "network_id");
	if (cur) {
		in->project_id = json_str(cur, "project_id");
	} else {
		if (t && p && strcmp(t, p))
			return net_fault(f, -EINVAL, NF_PROJECT_MISMATCH, NULL, NULL);
		in->project_id = p ? p : t ? t : network_caller_project(c);
		if (!policy_allows(c, "create_subnet", &(struct target){ .project_id = in->project_id }))
			return net_fault(f, -EPERM, NF_POLICY, "create_subnet", NULL);
	}
	in->name = str_or(s, "name", cur, "");
	in->description = str_or(s, "description", cur, "");
	snprintf(in->cidr, sizeof(in->cidr), "%s", cur ? json_str(cur, "cidr") : json_str(s, "cidr"));
	if (cidr4_parse(in->cidr, false, &in->c) < 0) {
		struct cidr4 loose;
		if (cidr4_parse(in->cidr, true, &loose) == 0) {
			char net[16], want[24];
			ip4_format(loose.addr, net);
			snprintf(want, sizeof(want), "%s/%d", net, loose.len);
			return net_fault(f, -EINVAL, NF_SN_CIDR_LOOSE, in->cidr, want);
		}
		return net_fault(f, -EINVAL, NF_SN_CIDR_BAD, in->cidr, NULL);
	}
	if (in->c.len < 1 || in->c.len > 30)
		return net_fault(f, -EINVAL, NF_SN_PREFIX, in->cidr, NULL);
	in->enable_dhcp = json_object_get(s, "enable_dhcp")
				  ? json_is_true(json_object_get(s, "enable_dhcp"))
				  : cur ? json_is_true(json_object_get(cur, "enable_dhcp")) : true;
	/* Gateway: absent takes the first host on create (the current one on
	 * update); null means none. */
	if (!gw && cur)
		gw = json_object_get(cur, "gateway_ip");
	if (!gw) {
		g = in->c.addr + 1;
		ip4_format(g, in->gateway);
	} else if (json_is_string(gw)) {
		if (ip4_parse(json_string_value(gw), &g) < 0 || !cidr4_contains(&in->c, g) ||
		    g == in->c.addr || g > last_host(&in->c))
			return net_fault(f, -EINVAL, NF_SN_GW_BAD, json_string_value(gw), in->cidr);
		ip4_format(g, in->gateway);
	}
	if (json_object_get(s, "allocation_pools")) {
		in->pools_given = true;
		if ((r = pools_check(f, json_object_get(s, "allocation_pools"), &in->c, in->cidr, g, &in->pools)) < 0)
			return r;
	} else if (cur) {
		if ((r = pools_check(f, json_object_get(cur, "allocation_pools"), &in->c, in->cidr, g, &in->pools)) < 0)
			return r;
	} else {
		in->pools = pools_default(&in->c, g);
	}
	if ((r = dns_check(f, json_object_get(s, "dns_nameservers") ? json_object_get(s, "dns_nameservers")
				 : cur ? json_object_get(cur, "dns_nameservers") : NULL, &in->dns)) < 0)
		return r;
	if ((r = routes_check(f, json_object_get(s, "host_routes") ? json_object_get(s, "host_routes")
				 : cur ? json_object_get(cur, "host_routes") : NULL, &in->routes)) < 0)
		return r;
	if (!in->dns)
		in->dns = json_array();
	if (!in->routes)
		in->routes = json_array();
	return 0;
}

/* Is addr inside one of pools? */
static bool in_pools(const json_t *pools, uint32_t addr)
{
	size_t i;
	json_t *p;
	uint32_t s, e;

	json_array_foreach(pools, i, p)
		if (ip4_parse(json_str(p, "start"), &s) == 0 && ip4_parse(json_str(p, "end"), &e) == 0 &&
		    addr >= s && addr <= e)
			return true;
	return false;
}

int subnet_input_check(const struct caller *c, struct store *st, const struct subnet_input *in,
		       const char *subnet_id, struct net_fault *f)
{
	_cleanup_free_ char *owner = NULL;
	_cleanup_json_ json_t *cidrs = NULL;
	size_t i;
	json_t *sn;
	bool shared;
	int r = network_lookup(c, st, in->network_id, &owner, &shared);

	if (r == -ENOENT)
		return net_fault(f, r, NF_NETWORK_NOT_FOUND, in->network_id, NULL);
	if (r < 0)
		return r;
	/* create_subnet's target is the network (Neutron's admin_or_network_owner). */
	if (!subnet_id && !policy_allows(c, "create_subnet", &(struct target){ .project_id = owner }))
		return net_fault(f, -EPERM, NF_POLICY, "create_subnet", NULL);
	cidrs = subnet_store_cidrs(st, in->network_id, &r);
	if (!cidrs)
		return r < 0 ? r : -EIO;
	json_array_foreach(cidrs, i, sn) {
		struct cidr4 have;
		if (subnet_id && strcmp(json_str(sn, "id"), subnet_id) == 0)
			continue;
		if (cidr4_parse(json_str(sn, "cidr"), false, &have) == 0 && cidr4_overlap(&have, &in->c))
			return net_fault(f, -EINVAL, NF_SN_OVERLAP, in->cidr, in->network_id);
	}
	if (!subnet_id || !in->pools_given)
		return 0;
	/* New pools must keep every address handed out (the gateway's
	 * router port may sit outside them). */
	json_decref(cidrs);
	cidrs = ipam_subnet_addresses(st, subnet_id, &r);
	if (!cidrs)
		return r < 0 ? r : -EIO;
	json_array_foreach(cidrs, i, sn) {
		const char *ip = json_string_value(sn);
		uint32_t a;
		if (ip4_parse(ip, &a) == 0 && !in_pools(in->pools, a) && strcmp(ip, in->gateway))
			return net_fault(f, -EBUSY, NF_SN_ADDR_OUTSIDE, subnet_id, ip);
	}
	return 0;
}
