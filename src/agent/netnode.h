/* netnode.h - the network node's insides (role "network"): the routers'
 * NAT ruleset (nat_rules.c) and the metadata proxy (mdproxy.c) of the
 * routers and of the DHCP namespaces of isolated subnets. The entry
 * points the agent loop calls (netnode_start, netnode_reconcile,
 * netnode_stop) are declared in agent.h. */
#ifndef BASALT_AGENT_NETNODE_H
#define BASALT_AGENT_NETNODE_H

#include <stdbool.h>
#include <stddef.h>

struct controllers;

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
