/* netnode.c - the network node (role "network"): DHCP namespaces with
 * dnsmasq, routers with their legs, NAT and floating IPs, and the metadata
 * proxy's listeners, reconciled toward the desired state's "dhcp" and
 * "routers" (docs/agent-protocol.md); a DHCP namespace serves metadata
 * too when one of its subnets is isolated (no router serves it), as
 * Neutron's DHCP agent does with enable_isolated_metadata. Nothing is
 * remembered between rounds: what exists is read back from the kernel
 * (namespaces, links) each time, so a kill -9 at any point converges on
 * the next round (the listeners die with the process and are made
 * again). Only objects with our prefixes (qdhcp-, qrouter-, ns-, qr-,
 * qg-) are touched. */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/netnode.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "dp/dp.h"

#define NS_DHCP "qdhcp-"
#define NS_ROUTER "qrouter-"
#define MD_PORT 80
#define MD_ADDR "169.254.169.254"
#define DEFAULT_MTU 1500

struct netnode {
	struct mdproxy *md;
	char *dhcp_dir;	 /* [network] state_path (or STATE_DIR/network) + "/dhcp" */
	char *owned_dir; /* the same + "/netns": the namespaces this agent made */
};

/* A growing list of owned strings, for the dp calls that take arrays. */
struct strv {
	char **v;
	size_t n;
};

static int strv_add(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int strv_add(struct strv *s, const char *fmt, ...)
{
	char **grown = realloc(s->v, sizeof(*s->v) * (s->n + 1));
	va_list ap;
	int r;

	if (!grown)
		return -ENOMEM;
	s->v = grown;
	va_start(ap, fmt);
	r = vasprintf(&s->v[s->n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	s->n++;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static bool strv_has(const struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

/* Ids become namespace, device and directory names: letters, digits and
 * dashes only. */
static bool valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= 64 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int mkdir_p(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Keep the first error of a round: every object is still tried. */
static void first_error(int *acc, int r)
{
	if (r < 0 && *acc == 0)
		*acc = r;
}

int netnode_start(struct agent *a)
{
	const struct config *cfg = &a->b->cfg;
	struct netnode *nn = calloc(1, sizeof(*nn));
	int r;

	if (!nn)
		return -ENOMEM;
	if (cfg->network_state_path && cfg->network_state_path[0])
		r = asprintf(&nn->dhcp_dir, "%s/dhcp", cfg->network_state_path);
	else
		r = asprintf(&nn->dhcp_dir, "%s/network/dhcp", cfg->state_dir);
	if (r >= 0 && asprintf(&nn->owned_dir, "%.*s/netns",
			       (int)(strlen(nn->dhcp_dir) - strlen("/dhcp")), nn->dhcp_dir) < 0) {
		nn->owned_dir = NULL;
		r = -1;
	}
	if (r < 0) {
		free(nn->dhcp_dir);
		free(nn);
		return -ENOMEM;
	}
	if (!cfg->metadata_proxy_shared_secret || !cfg->metadata_proxy_shared_secret[0])
		log_warn("netnode: [metadata] proxy_shared_secret is empty: the controller will "
			 "refuse every metadata request");
	r = mkdir_p(nn->dhcp_dir);
	if (r == 0)
		r = mkdir_p(nn->owned_dir);
	if (r == 0)
		r = mdproxy_new(&a->ctl, cfg->metadata_proxy_shared_secret, MD_PORT, &nn->md);
	if (r < 0) {
		log_error("netnode: start (state in %s): %s", nn->dhcp_dir, strerror(-r));
		free(nn->owned_dir);
		free(nn->dhcp_dir);
		free(nn);
		return r;
	}
	a->netnode = nn;
	log_info("netnode: DHCP state in %s, metadata proxy to %s/metadata", nn->dhcp_dir, a->ctl.url[0]);
	return 0;
}

void netnode_stop(struct agent *a)
{
	struct netnode *nn = a->netnode;

	if (!nn)
		return;
	/* Namespaces, dnsmasq and NAT stay: guests keep their network. */
	mdproxy_free(nn->md);
	free(nn->owned_dir);
	free(nn->dhcp_dir);
	free(nn);
	a->netnode = NULL;
}

/* ---- the namespaces this agent owns ---- */

/* /run/netns is the machine's: another network agent on the same machine
 * (a second lab, a test) has its own qrouter-/qdhcp- namespaces there. So
 * each namespace this agent makes is first recorded as an empty file in
 * owned_dir, forgotten once the namespace is gone, and only recorded ones
 * are ever pruned. */
static int owned_add(struct netnode *nn, const char *ns)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/%s", nn->owned_dir, ns) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return dp_netns_add(ns);
}

static int owned_del(struct netnode *nn, const char *ns)
{
	_cleanup_free_ char *path = NULL;
	int r = dp_netns_del(ns);

	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s", nn->owned_dir, ns) < 0)
		return -ENOMEM;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* The recorded namespaces whose names start with prefix (as dp_netns_list). */
static int owned_list(struct netnode *nn, const char *prefix, char ***names, size_t *n)
{
	struct strv v = { 0 };
	DIR *d = opendir(nn->owned_dir);
	int r = d ? 0 : -errno;

	for (struct dirent *e; r == 0 && (e = readdir(d));)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			r = strv_add(&v, "%s", e->d_name);
	if (d)
		closedir(d);
	if (r < 0) {
		strv_free(&v);
		return r;
	}
	*names = v.v;
	*n = v.n;
	return 0;
}

/* ---- shared by DHCP and routers ---- */

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

/* Delete the links of ns whose names start with prefix and are not in
 * keep (NULL: all of them). Deleting a veth end deletes its peer too. */
static int links_prune(const char *ns, const char *prefix, const struct strv *keep)
{
	char **names = NULL;
	size_t n = 0;
	int r = dp_link_list(ns, prefix, &names, &n), acc = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!keep || !strv_has(keep, names[i])) {
			log_info("netnode: removing %s from %s", names[i], ns);
			first_error(&acc, dp_link_del(ns, names[i]));
		}
	dp_names_free(names, n);
	return acc;
}

/* One leg: the veth dev (prefix + port) inside ns with mac, mtu and
 * exactly addrs, its peer tap<11> in the root namespace in the network's
 * bridge. */
static int leg_ensure(const char *ns, const char *prefix, const char *port_id, const char *mac,
		      const char *network_id, int mtu, const struct strv *addrs)
{
	char dev[DP_IFNAMSIZ], peer[DP_IFNAMSIZ], br[DP_IFNAMSIZ];
	int r;

	dp_port_dev(prefix, port_id, dev);
	dp_port_dev("tap", port_id, peer);
	dp_bridge_name(network_id, br);
	r = dp_veth_ensure(ns, dev, NULL, peer, mtu);
	if (r == 0)
		r = dp_link_up(ns, dev, mtu, mac);
	if (r == 0)
		r = dp_addr_sync(ns, dev, (const char *const *)addrs->v, addrs->n);
	/* The bridge is l2's (made earlier in the round); without it the
	 * leg stays unplugged and the round reports the failure. */
	if (r == 0)
		r = dp_link_set_master(NULL, peer, br);
	if (r == 0)
		r = dp_link_up(NULL, peer, mtu, NULL);
	if (r < 0)
		log_warn("netnode: %s leg %s (peer %s in %s): %s", ns, dev, peer, br, strerror(-r));
	return r;
}

/* ---- DHCP ---- */

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
static struct dp_dhcp_host *dhcp_hosts(const json_t *d, size_t *n)
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
		hv = dhcp_hosts(d, &n);
		if (hv && dp_neigh_prune(ns, dev, hv, n, &gone, &ngone) == 0 && ngone > 0 &&
		    dp_conntrack_flush_addrs(ns, (const char *const *)gone, ngone, &nct) == 0 && nct)
			log_info("netnode: %s: forgot %zu connections of %zu addresses gone", ns, nct,
				 ngone);
		dp_names_free(gone, ngone);
		free(hv);
		return;
	}
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
static bool dhcp_serves_metadata(const struct agent *a, const json_t *d)
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
	struct dp_dhcp_host *hv = dhcp_hosts(d, &nhosts);
	struct strv *routes = calloc(nsub + 1, sizeof(*routes));
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
			    strv_add(&routes[i], "%s,%s", json_str(hr, "destination"),
				     json_str(hr, "nexthop")) < 0)
				r = -ENOMEM;
		/* Option 121 replaces the router option for the clients that
		 * take it: dp_dhcp_ensure adds the default route after these. */
		if (md_via && !routes_have_metadata(e) &&
		    strv_add(&routes[i], MD_ADDR "/32,%s", md_via) < 0)
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
		r = mkdir_p(dir);
		if (r == 0)
			r = dp_dhcp_ensure(&cfg);
	}
out:
	for (i = 0; sv && i < nsub; i++)
		free((void *)sv[i].dns);
	for (i = 0; routes && i < nsub; i++)
		strv_free(&routes[i]);
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

static int dhcp_ensure(struct netnode *nn, struct agent *a, const json_t *d)
{
	static const char *const lo_addrs[] = { "127.0.0.1/8", MD_ADDR "/32" };
	const char *net = json_str(d, "network_id");
	const json_t *port = json_object_get(d, "port"), *ip;
	const char *port_id = json_str(port, "id");
	int mtu = (int)json_integer_value(json_object_get(d, "mtu"));
	_cleanup_free_ char *ns = NULL, *dir = NULL;
	struct strv keep = { 0 }, addrs = { 0 };
	bool md = dhcp_serves_metadata(a, d);
	char dev[DP_IFNAMSIZ];
	size_t i;
	int r;

	if (!valid_id(net) || !valid_id(port_id))
		return -EINVAL;
	if (asprintf(&ns, NS_DHCP "%s", net) < 0 || dhcp_dir(nn, net, &dir) < 0)
		return -ENOMEM;
	dp_port_dev("ns-", port_id, dev);
	json_array_foreach(json_object_get(port, "fixed_ips"), i, ip) {
		int len = subnet_prefixlen(json_object_get(d, "subnets"), json_str(ip, "subnet_id"));
		if (len >= 0 && json_str(ip, "ip_address") &&
		    strv_add(&addrs, "%s/%d", json_str(ip, "ip_address"), len) < 0) {
			strv_free(&addrs);
			return -ENOMEM;
		}
	}
	r = owned_add(nn, ns);
	if (r == 0)
		r = dp_link_up(ns, "lo", 0, NULL);
	/* 169.254.169.254 only while this namespace serves it (its listener
	 * was closed before this round when it no longer does). */
	if (r == 0)
		r = dp_addr_sync(ns, "lo", lo_addrs, md ? 2 : 1);
	/* A port that changed leaves its old leg behind: drop it. */
	if (r == 0 && (r = strv_add(&keep, "%s", dev)) == 0)
		r = links_prune(ns, "ns-", &keep);
	if (r == 0)
		r = leg_ensure(ns, "ns-", port_id, json_str(port, "mac_address"), net,
			       mtu > 0 ? mtu : DEFAULT_MTU, &addrs);
	if (r == 0)
		r = dhcp_server(nn, a, d, ns, dev, dir);
	if (r == 0 && md)
		r = dhcp_metadata(nn, d, ns);
	if (r == 0) {
		size_t n;
		struct dp_dhcp_host *hv = dhcp_hosts(d, &n);
		if (hv)
			dp_neigh_prune(ns, dev, hv, n, NULL, NULL);
		free(hv);
	}
	if (r < 0)
		log_warn("netnode: DHCP of network %s: %s", net, strerror(-r));
	strv_free(&keep);
	strv_free(&addrs);
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
	first_error(&acc, dp_dhcp_stop(dir));
	if (dp_netns_exists(ns)) {
		first_error(&acc, links_prune(ns, "ns-", NULL));
		r = owned_del(nn, ns);
		first_error(&acc, r);
	}
	return acc;
}

/* Remove every DHCP server not desired: namespaces and, for a crash
 * between the two, state directories. */
static int dhcp_prune(struct netnode *nn, const struct strv *want)
{
	struct strv stale = { 0 };
	char **names = NULL;
	size_t n = 0;
	int acc = 0, r;

	r = owned_list(nn, NS_DHCP, &names, &n);
	first_error(&acc, r);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const char *net = names[i] + strlen(NS_DHCP);
		if (!strv_has(want, net) && !strv_has(&stale, net))
			first_error(&acc, strv_add(&stale, "%s", net));
	}
	dp_names_free(names, n);
	DIR *d = opendir(nn->dhcp_dir);
	for (struct dirent *e; d && (e = readdir(d));)
		if (valid_id(e->d_name) && !strv_has(want, e->d_name) &&
		    !strv_has(&stale, e->d_name))
			first_error(&acc, strv_add(&stale, "%s", e->d_name));
	if (d)
		closedir(d);
	for (size_t i = 0; i < stale.n; i++)
		if (valid_id(stale.v[i]))
			first_error(&acc, dhcp_absent(nn, stale.v[i]));
	strv_free(&stale);
	return acc;
}

/* ---- routers ---- */

/* The addresses of a router port's fixed_ips as "ip/prefixlen". */
static int port_addrs(const json_t *port, struct strv *out)
{
	const json_t *ip;
	size_t i;

	json_array_foreach(json_object_get(port, "fixed_ips"), i, ip) {
		json_int_t len = json_integer_value(json_object_get(ip, "prefixlen"));
		if (!json_str(ip, "ip_address") || len < 0 || len > 32)
			continue;
		if (strv_add(out, "%s/%d", json_str(ip, "ip_address"), (int)len) < 0)
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
	struct strv cidrs = { 0 };
	size_t i, j, nfips = 0, nnets = 0;
	char *body = NULL, err[512] = "";
	int r = fips ? 0 : -ENOMEM;

	json_array_foreach(json_object_get(rt, "interfaces"), i, iface)
		json_array_foreach(json_object_get(iface, "fixed_ips"), j, ip)
			if (r == 0 && json_str(ip, "cidr"))
				r = strv_add(&cidrs, "%s", json_str(ip, "cidr"));
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
	strv_free(&cidrs);
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

static int router_ensure(struct netnode *nn, const json_t *desired, const json_t *rt)
{
	static const char *const lo_addrs[] = { "127.0.0.1/8", "169.254.169.254/32" };
	const char *id = json_str(rt, "id");
	const json_t *gw = json_object_get(rt, "gateway"), *iface, *fip;
	_cleanup_free_ char *ns = NULL;
	struct strv legs = { 0 };
	char gw_dev[DP_IFNAMSIZ] = "";
	size_t i;
	int r;

	if (!valid_id(id))
		return -EINVAL;
	if (asprintf(&ns, NS_ROUTER "%s", id) < 0)
		return -ENOMEM;
	r = owned_add(nn, ns);
	if (r == 0)
		r = dp_link_up(ns, "lo", 0, NULL);
	if (r == 0)
		r = dp_addr_sync(ns, "lo", lo_addrs, 2);
	if (r == 0)
		r = dp_sysctl(ns, "net/ipv4/ip_forward", "1");
	/* The legs we want; others (interfaces removed, gateway cleared) go. */
	json_array_foreach(json_object_get(rt, "interfaces"), i, iface) {
		char dev[DP_IFNAMSIZ];
		if (r == 0 && !valid_id(json_str(iface, "port_id")))
			r = -EINVAL;
		if (r < 0)
			break;
		dp_port_dev("qr-", json_str(iface, "port_id"), dev);
		r = strv_add(&legs, "%s", dev);
	}
	if (r == 0 && json_is_object(gw)) {
		if (!valid_id(json_str(gw, "port_id")))
			r = -EINVAL;
		else {
			dp_port_dev("qg-", json_str(gw, "port_id"), gw_dev);
			r = strv_add(&legs, "%s", gw_dev);
		}
	}
	if (r == 0)
		r = links_prune(ns, "qr-", &legs);
	if (r == 0)
		r = links_prune(ns, "qg-", &legs);
	json_array_foreach(json_object_get(rt, "interfaces"), i, iface) {
		struct strv addrs = { 0 };
		const char *net = json_str(iface, "network_id");
		if (r < 0)
			break;
		r = net ? port_addrs(iface, &addrs) : -EINVAL;
		if (r == 0)
			r = leg_ensure(ns, "qr-", json_str(iface, "port_id"),
				       json_str(iface, "mac_address"), net, network_mtu(desired, net),
				       &addrs);
		if (r == 0) {
			char dev[DP_IFNAMSIZ];
			dp_port_dev("qr-", json_str(iface, "port_id"), dev);
			neigh_prune(desired, net, ns, dev);
		}
		strv_free(&addrs);
	}
	if (r == 0 && gw_dev[0]) {
		struct strv addrs = { 0 };
		const char *net = json_str(gw, "network_id");
		r = net ? port_addrs(gw, &addrs) : -EINVAL;
		/* Floating IPs answer ARP on the gateway leg as /32s. */
		json_array_foreach(json_object_get(rt, "floating_ips"), i, fip)
			if (r == 0 && json_str(fip, "floating_ip_address"))
				r = strv_add(&addrs, "%s/32", json_str(fip, "floating_ip_address"));
		if (r == 0)
			r = leg_ensure(ns, "qg-", json_str(gw, "port_id"),
				       json_str(gw, "mac_address"), net, network_mtu(desired, net),
				       &addrs);
		strv_free(&addrs);
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
	strv_free(&legs);
	return r;
}

/* Drop the legs first (their peers go with them, at once rather than when
 * the kernel gets round to the namespace), then the namespace. The proxy's
 * listener must be closed already: it would keep the namespace alive. */
static int router_absent(struct netnode *nn, const char *id)
{
	_cleanup_free_ char *ns = NULL;
	int acc = 0;

	if (asprintf(&ns, NS_ROUTER "%s", id) < 0)
		return -ENOMEM;
	if (!dp_netns_exists(ns))
		return 0;
	log_info("netnode: removing router %s", id);
	first_error(&acc, links_prune(ns, "qr-", NULL));
	first_error(&acc, links_prune(ns, "qg-", NULL));
	first_error(&acc, owned_del(nn, ns));
	return acc;
}

static bool keep_ns(const char *ns, void *arg)
{
	return strv_has(arg, ns);
}

static void status_add(json_t *report, const char *key, const char *id, const char *status)
{
	json_t *arr = json_object_get(report, key);

	if (!arr) {
		arr = json_array();
		json_object_set_new(report, key, arr);
	}
	json_array_append_new(arr, json_pack("{s:s,s:s}", "id", id, "status", status));
}

int netnode_reconcile(struct agent *a, const json_t *desired, json_t *report)
{
	struct netnode *nn = a->netnode;
	const json_t *d, *rt, *fip, *leg;
	struct strv want_dhcp = { 0 }, want_rt = { 0 }, want_md = { 0 };
	char **names = NULL;
	size_t i, j, n = 0;
	int acc = 0, r;

	if (!nn)
		return -EINVAL;
	/* Report arrays exist even when empty: "nothing here" is news too. */
	if (!json_object_get(report, "routers"))
		json_object_set_new(report, "routers", json_array());
	if (!json_object_get(report, "floatingips"))
		json_object_set_new(report, "floatingips", json_array());

	json_array_foreach(json_object_get(desired, "dhcp"), i, d)
		if (valid_id(json_str(d, "network_id")))
			first_error(&acc, strv_add(&want_dhcp, "%s", json_str(d, "network_id")));
	json_array_foreach(json_object_get(desired, "routers"), i, rt)
		if (valid_id(json_str(rt, "id")) && json_is_true(json_object_get(rt, "admin_state_up")))
			first_error(&acc, strv_add(&want_rt, "%s", json_str(rt, "id")));
	/* The namespaces whose metadata listeners stay. */
	json_array_foreach(json_object_get(desired, "dhcp"), i, d)
		if (valid_id(json_str(d, "network_id")) && dhcp_serves_metadata(a, d))
			first_error(&acc, strv_add(&want_md, NS_DHCP "%s", json_str(d, "network_id")));
	for (i = 0; i < want_rt.n; i++)
		first_error(&acc, strv_add(&want_md, NS_ROUTER "%s", want_rt.v[i]));
	if (acc < 0)
		goto out;

	/* Removals first: a port moving between namespaces frees its names.
	 * Listeners close before their namespaces go (a socket would keep a
	 * deleted namespace alive, serving nobody). */
	mdproxy_retain(nn->md, keep_ns, &want_md);
	first_error(&acc, dhcp_prune(nn, &want_dhcp));
	r = owned_list(nn, NS_ROUTER, &names, &n);
	first_error(&acc, r);
	for (i = 0; r == 0 && i < n; i++)
		if (!strv_has(&want_rt, names[i] + strlen(NS_ROUTER)))
			first_error(&acc, router_absent(nn, names[i] + strlen(NS_ROUTER)));
	dp_names_free(names, n);

	/* The DHCP port and the router legs are this node's ports: their
	 * status follows their namespace (l2 reported the VM ports before). */
	json_array_foreach(json_object_get(desired, "dhcp"), i, d) {
		r = dhcp_ensure(nn, a, d);
		first_error(&acc, r);
		if (json_str(json_object_get(d, "port"), "id"))
			status_add(report, "ports", json_str(json_object_get(d, "port"), "id"),
				   r == 0 ? "ACTIVE" : "ERROR");
	}
	json_array_foreach(json_object_get(desired, "routers"), i, rt) {
		const char *status = "DOWN";
		if (!json_str(rt, "id"))
			continue;
		if (strv_has(&want_rt, json_str(rt, "id"))) {
			r = router_ensure(nn, desired, rt);
			first_error(&acc, r);
			status = r == 0 ? "ACTIVE" : "ERROR";
		}
		status_add(report, "routers", json_str(rt, "id"), status);
		if (json_str(json_object_get(rt, "gateway"), "port_id"))
			status_add(report, "ports", json_str(json_object_get(rt, "gateway"), "port_id"),
				   status);
		json_array_foreach(json_object_get(rt, "interfaces"), j, leg)
			if (json_str(leg, "port_id"))
				status_add(report, "ports", json_str(leg, "port_id"), status);
		json_array_foreach(json_object_get(rt, "floating_ips"), j, fip)
			if (json_str(fip, "id"))
				status_add(report, "floatingips", json_str(fip, "id"),
					   strcmp(status, "ACTIVE") == 0 ? "ACTIVE" : "DOWN");
	}
out:
	strv_free(&want_dhcp);
	strv_free(&want_rt);
	strv_free(&want_md);
	return acc;
}
