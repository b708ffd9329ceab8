/* dp.h - the data plane of compute and network nodes: kernel objects made
 * through netlink (libnl-route-3), named network namespaces (as iproute2
 * makes them: bind mounts under /run/netns), nftables through libnftables,
 * dnsmasq processes, and the metadata proxy's listeners.
 *
 * Every "ensure" call is idempotent: it reads what is, changes only what
 * differs, and succeeds when the object is already as asked. Every "del"
 * call succeeds when the object is already gone. Calls return 0 or -errno
 * (with a log line naming the object on failure); none runs a command.
 *
 * ns names a network namespace under /run/netns; NULL is the namespace the
 * process runs in. Calls that take ns enter it on the calling thread only
 * for their duration (setns), so threads never disturb each other. */
#ifndef BASALT_DP_H
#define BASALT_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_IFNAMSIZ 16

/* ---- names.c: the device names Neutron uses, so operators know them ---- */
/* "brq" + first 11 characters of the network id. */
void dp_bridge_name(const char *network_id, char out[DP_IFNAMSIZ]);
/* "tap" / "qr-" / "qg-" / "ns-" + first 11 characters of the port id. */
void dp_port_dev(const char *prefix, const char *port_id, char out[DP_IFNAMSIZ]);
/* "vxlan-VNI". */
void dp_vxlan_name(uint32_t vni, char out[DP_IFNAMSIZ]);

/* ---- netns.c ---- */
int dp_netns_add(const char *name);
int dp_netns_del(const char *name); /* also kills nothing: callers stop processes first */
bool dp_netns_exists(const char *name);
/* Names under /run/netns that start with prefix (malloc'd array of
 * malloc'd strings; free with dp_names_free). */
int dp_netns_list(const char *prefix, char ***names, size_t *n);
void dp_names_free(char **names, size_t n);
/* Enter ns on this thread; *saved gets a fd of the old one. */
int dp_netns_enter(const char *ns, int *saved);
/* Return to the saved namespace and close saved. */
int dp_netns_leave(int saved);
/* Run fn(arg) inside ns on this thread and come back. Returns fn's result
 * or -errno when the namespace cannot be entered. */
int dp_netns_run(const char *ns, int (*fn)(void *arg), void *arg);

/* ---- link.c (netlink) ---- */
bool dp_link_exists(const char *ns, const char *name);
/* Names of links in ns starting with prefix (as dp_netns_list). */
int dp_link_list(const char *ns, const char *prefix, char ***names, size_t *n);
int dp_link_del(const char *ns, const char *name);
/* Bring up, with mtu when mtu > 0, and optionally a MAC ("" or NULL: keep). */
int dp_link_up(const char *ns, const char *name, int mtu, const char *mac);
/* Enslave name to the bridge master (NULL: release it). */
int dp_link_set_master(const char *ns, const char *name, const char *master);
/* Move a link into another namespace (to_ns NULL: the process's own). */
int dp_link_move(const char *ns, const char *name, const char *to_ns);
/* A bridge, up, with mtu (no STP, forward delay 0). */
int dp_bridge_ensure(const char *ns, const char *name, int mtu);
/* A VXLAN device: vni, local IP, UDP 4789, no learning, on the device that
 * holds local_ip (dev NULL: let the kernel route), up with mtu. When one
 * exists with other parameters it is replaced. */
int dp_vxlan_ensure(const char *ns, const char *name, uint32_t vni, const char *local_ip,
		    const char *dev, int mtu);
/* A veth pair: name in ns, peer in peer_ns (made together; when one end
 * exists without the other, both are made again). */
int dp_veth_ensure(const char *ns, const char *name, const char *peer_ns, const char *peer,
		   int mtu);
/* A persistent tap device (owned by root, multi-queue off), up, with mtu,
 * for QEMU to open by name. */
int dp_tap_ensure(const char *name, int mtu);
/* Build (not send) the RTM_NEWLINK message for a VLAN sub-interface
 * name = parent.vid; for unit tests and for kernels that have 802.1Q. The
 * caller frees *msg with nlmsg_free. */
struct nl_msg;
int dp_vlan_msg(const char *parent_ifname, int parent_ifindex, const char *name, uint16_t vid,
		struct nl_msg **msg);
int dp_vlan_ensure(const char *ns, const char *parent, const char *name, uint16_t vid, int mtu);

/* ---- addr.c (netlink): addresses, routes, neighbours, FDB ---- */
/* Make the IPv4 addresses of dev exactly cidrs[] ("a.b.c.d/len"):
 * missing ones added, others removed. */
int dp_addr_sync(const char *ns, const char *dev, const char *const *cidrs, size_t n);
/* The default route (dst NULL) or a route to dst "a.b.c.d/len" via gw
 * (NULL: on-link) out of dev (NULL: any); replaced when different. */
int dp_route_ensure(const char *ns, const char *dst, const char *gw, const char *dev);
int dp_route_del(const char *ns, const char *dst);
/* The routes of protocol static in ns's main table made exactly routes[]
 * (a router's extra routes): each "a.b.c.d/len" via a gateway the kernel
 * reaches on-link; others of that protocol are removed, a changed one is
 * replaced. 0 or -errno (also for a nexthop not on-link). */
struct dp_route {
	const char *dst, *via;
};
int dp_route_sync(const char *ns, const struct dp_route *routes, size_t n);
/* The FDB of a vxlan device: exactly one all-zeros entry per remote VTEP
 * in remotes[] (flooding by unicast, l2population style), plus, when
 * macs is non-NULL, an entry mac -> remote for each pair. Stale entries
 * are removed. */
struct dp_fdb {
	const char *mac; /* NULL or "00:00:00:00:00:00": flood entry */
	const char *remote;
};
int dp_fdb_sync(const char *ns, const char *vxlan_dev, const struct dp_fdb *entries, size_t n);
/* Write a sysctl under /proc/sys inside ns (path like
 * "net/ipv4/ip_forward"). */
int dp_sysctl(const char *ns, const char *path, const char *value);

/* ---- nft.c (libnftables) ---- */
/* Replace table `family name` in ns by the ruleset text body (what goes
 * between the table's braces: chains, sets, rules) in one atomic
 * transaction: the old table and the new never coexist half-made. err
 * (when non-NULL, errlen bytes) gets nft's message on failure. */
int dp_nft_table_replace(const char *ns, const char *family, const char *name,
			 const char *body, char *err, size_t errlen);
int dp_nft_table_del(const char *ns, const char *family, const char *name);
/* Names of tables in ns of family starting with prefix. */
int dp_nft_table_list(const char *ns, const char *family, const char *prefix, char ***names,
		      size_t *n);

/* ---- dnsmasq.c: one dnsmasq per DHCP namespace ---- */
struct dp_dhcp_host {
	const char *mac, *ip, *hostname;
};
struct dp_dhcp_subnet {
	const char *cidr, *gateway; /* gateway NULL: no router option */
	const char *const *dns;	    /* nameservers */
	size_t ndns;
	const char *const *routes; /* host routes as "DEST/LEN,NEXTHOP" */
	size_t nroutes;
};
struct dp_dhcp {
	const char *ns;	 /* qdhcp-<network id> */
	const char *dev; /* the ns- device inside ns */
	const char *dir; /* state directory of this network (hosts, opts, pid, leases) */
	const char *domain;
	int mtu;
	const struct dp_dhcp_subnet *subnets;
	size_t nsubnets;
	const struct dp_dhcp_host *hosts;
	size_t nhosts;
};
/* Write the hosts and options files (crash-safe) and make sure dnsmasq
 * runs in ns with them: started when not running (pid file checked against
 * /proc), sent SIGHUP when the hosts or options files changed (dnsmasq
 * re-reads both), restarted when its command line would differ (device,
 * subnets, domain). Leases no host holds any more (a deleted port's, an
 * address now another MAC's) are released (dhcp_release; failing that,
 * dnsmasq restarts without them) before this returns 0: the address can
 * go to a new MAC at once. Everything is validated before anything is written.
 * dnsmasq drops root to nobody when dir and its parents are searchable by
 * others; otherwise (a private state_dir) it keeps root to read its files.
 * It runs in a session of its own and outlives the caller. */
int dp_dhcp_ensure(const struct dp_dhcp *d);
/* Stop the dnsmasq whose state is in dir (SIGTERM, then SIGKILL) and
 * remove dir. */
int dp_dhcp_stop(const char *dir);

/* ---- fdb_learned.c: a bridge's learned entries ---- */
/* Delete what the bridge has learned (dynamic entries) behind its port
 * `port` in ns (NULL: ours) for MACs not in macs[] (any case). */
int dp_fdb_learned_prune(const char *ns, const char *port, const char *const *macs, size_t n);

/* ---- conntrack.c ---- */
/* Delete the IPv4 connections tracked in ns (NULL: ours) whose original
 * or reply direction has one of ips as source or destination; *deleted
 * (when non-NULL) counts them. A kernel without conntrack: 0. */
int dp_conntrack_flush_addrs(const char *ns, const char *const *ips, size_t n, size_t *deleted);

/* ---- neigh.c: ARP entries ---- */
/* Delete the IPv4 neighbour entries of dev in ns (NULL: ours) that point
 * an address at a MAC no host has it with (a deleted port's, or the
 * address's previous owner); permanent entries and unresolved ones stay.
 * When gone is non-NULL, the addresses whose entries went are added to it
 * (dp_names_free). */
int dp_neigh_prune(const char *ns, const char *dev, const struct dp_dhcp_host *hosts, size_t n,
		   char ***gone, size_t *ngone);

/* ---- dhcp_leases.c: dnsmasq's lease file ---- */
struct dp_dhcp_lease {
	char mac[18];
	char ip[16];
	char client_id[768]; /* as dnsmasq prints it (hex with colons); "" or "*": none */
};
/* The IPv4 leases of the lease file text that no host holds (the same MAC
 * with the same address): a malloc'd array in *out (NULL when none).
 * -ENOMEM with nothing allocated. */
int dp_dhcp_leases_stale(const char *text, const struct dp_dhcp_host *hosts, size_t nhosts,
			 struct dp_dhcp_lease **out, size_t *n);
/* The lease file text without its stale leases (malloc'd in *out); other
 * lines (IPv6, duid) are kept. */
int dp_dhcp_leases_filter(const char *text, const struct dp_dhcp_host *hosts, size_t nhosts,
			  char **out);
/* Run dhcp_release (dnsmasq-utils) in ns: a DHCPRELEASE for l on dev, the
 * device dnsmasq serves. -ENOENT when dhcp_release is not installed. That
 * it exited 0 does not prove dnsmasq dropped the lease: read the file. */
int dp_dhcp_lease_release(const char *ns, const char *dev, const struct dp_dhcp_lease *l);

#endif
