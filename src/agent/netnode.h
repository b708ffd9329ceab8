/* netnode.h - the network node's insides (role "network"): what
 * netnode.c shares with netnode_dhcp.c and netnode_router.c (nn_*), the
 * routers' NAT ruleset (nat_rules.c) and the metadata proxy (mdproxy.c)
 * of the routers and of the DHCP namespaces of isolated subnets. The
 * entry points the agent loop calls (netnode_start, netnode_reconcile,
 * netnode_stop) are declared in agent.h. */
#ifndef BASALT_AGENT_NETNODE_H
#define BASALT_AGENT_NETNODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct agent;
struct controllers;
struct dp_dhcp_host;

/* ---- netnode.c: shared by the DHCP servers and the routers ---- */

#define NS_DHCP "qdhcp-"
#define NS_ROUTER "qrouter-"
#define MD_ADDR "169.254.169.254"
#define DEFAULT_MTU 1500

struct netnode {
	struct mdproxy *md;
	char *dhcp_dir;	 /* [network] state_path (or STATE_DIR/network) + "/dhcp" */
	char *owned_dir; /* the same + "/netns": the namespaces this agent made */
};

/* A growing list of owned strings, for the dp calls that take arrays. */
struct nn_strv {
	char **v;
	size_t n;
};

int nn_strv_add(struct nn_strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nn_strv_free(struct nn_strv *s);
bool nn_strv_has(const struct nn_strv *s, const char *x);
/* Ids become namespace, device and directory names: letters, digits and
 * dashes only. */
bool nn_valid_id(const char *id);
/* Keep the first error of a round: every object is still tried. */
void nn_first_error(int *acc, int r);
/* Make / delete namespace ns, recorded as this agent's (only recorded
 * ones are ever pruned); list the recorded ones starting with prefix. */
int nn_owned_add(struct netnode *nn, const char *ns);
int nn_owned_del(struct netnode *nn, const char *ns);
int nn_owned_list(struct netnode *nn, const char *prefix, char ***names, size_t *n);
/* Delete the links of ns whose names start with prefix and are not in
 * keep (NULL: all of them). */
int nn_links_prune(const char *ns, const char *prefix, const struct nn_strv *keep);
/* One leg: the veth dev (prefix + port) inside ns with mac, mtu and
 * exactly addrs, its peer in the network's bridge. */
int nn_leg_ensure(const char *ns, const char *prefix, const char *port_id, const char *mac,
		  const char *network_id, int mtu, const struct nn_strv *addrs);

/* ---- netnode_dhcp.c: one qdhcp- namespace per network ---- */

/* The hosts (MAC, address, name) of one desired "dhcp" entry: a malloc'd
 * array of borrowed strings, NULL on ENOMEM. */
struct dp_dhcp_host *nn_dhcp_hosts(const json_t *d, size_t *n);
/* Whether entry d's namespace serves metadata (an isolated subnet). */
bool nn_dhcp_serves_metadata(const struct agent *a, const json_t *d);
/* Make entry d's namespace, leg, dnsmasq (and metadata listener) be. */
int nn_dhcp_ensure(struct netnode *nn, struct agent *a, const json_t *d);
/* Remove every DHCP server whose network is not in want. */
int nn_dhcp_prune(struct netnode *nn, const struct nn_strv *want);

/* ---- netnode_router.c: one qrouter- namespace per router ---- */

int nn_router_ensure(struct netnode *nn, const json_t *desired, const json_t *rt);
/* Drop the legs, then the namespace (its listener already closed). */
int nn_router_absent(struct netnode *nn, const char *id);

/* ---- nat_rules.c: the body of table `ip basalt-nat` of one router ---- */

struct nat_fip {
	const char *floating_ip; /* on the gateway leg, "a.b.c.d" */
	const char *fixed_ip;	 /* the guest's address behind it */
};

struct nat_router {
	const char *gw_dev; /* the qg- leg; NULL without a gateway */
	const char *gw_ip;  /* the gateway port's address; NULL without one */
	bool snat;	    /* enable_snat */
	const char *const *cidrs; /* the interface subnets, "a.b.c.d/len" */
	size_t ncidrs;
	const struct nat_fip *fips;
	size_t nfips;
};

/* Build the chains of the router's NAT table: DNAT of each floating IP to
 * its fixed IP (prerouting); in postrouting, hairpin SNAT of internal
 * traffic that was DNATed, no NAT between the router's own subnets, SNAT
 * of each fixed IP to its floating IP out of the gateway leg, then (with
 * snat) the interface subnets to the gateway address. Every address is
 * checked, so the text can never carry anything but rules. On success
 * *out is a malloc'd string the caller frees; -EINVAL on a malformed
 * address or device name, -ENOMEM. */
int nat_rules_build(const struct nat_router *r, char **out);

/* ---- mdproxy.c: 169.254.169.254:80 in the namespaces that serve it ---- */

struct mdproxy;

/* A subnet the listener serves and the network it belongs to: a guest's
 * network is found by its source address. */
struct mdproxy_net {
	const char *cidr;
	const char *network_id;
};

/* Start the proxy's thread; requests go to a controller of ctl (borrowed:
 * it must outlive the proxy) + "/metadata" signed with secret (copied).
 * 0 or -errno. */
int mdproxy_new(struct controllers *ctl, const char *secret, int port, struct mdproxy **out);
/* Close every listener and stop (waits for requests under way). */
void mdproxy_free(struct mdproxy *p);
/* A listener inside namespace ns (a router's or a DHCP one; made when
 * missing, or anew when ns was made again; the address must already be
 * on the namespace's lo), serving nets[] (copied, replacing the previous
 * list): only a source address in one of them is answered, as a guest of
 * that subnet's network. 0 or -errno (-ENOENT: no such namespace). */
int mdproxy_ensure(struct mdproxy *p, const char *ns, const struct mdproxy_net *nets, size_t n);
/* Close the listeners of the namespaces keep() rejects, before those
 * namespaces go; returns when they are closed. */
void mdproxy_retain(struct mdproxy *p, bool (*keep)(const char *ns, void *arg), void *arg);

#endif
