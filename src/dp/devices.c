/* devices.c - the kinds of devices the agents make: bridges, VXLAN
 * devices, veth pairs across namespaces and VLAN sub-interfaces. Each
 * ensure compares what exists with what is asked and replaces a device
 * whose fixed parameters differ. */
#include "dp/dp.h"
#include "dp/internal.h"
#include "dp/link.h"

#include "core/log.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <unistd.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>

#define VXLAN_PORT 4789

/* RTM_NEWLINK for a bridge with STP off and forward delay 0. Without
 * NLM_F_EXCL the kernel applies the bridge options to an existing bridge
 * of that name (changelink), so one message creates or corrects. libnl has
 * no setter for the bridge's IFLA_INFO_DATA, hence the hand-built message. */
static int bridge_msg(const char *name, int mtu, struct nl_msg **out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data;
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    (mtu > 0 && nla_put_u32(msg, IFLA_MTU, (uint32_t)mtu) < 0) ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 ||
	    !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    nla_put_u32(msg, IFLA_BR_FORWARD_DELAY, 0) < 0 ||
	    nla_put_u32(msg, IFLA_BR_STP_STATE, 0) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	*out = msg;
	return 0;
}

int dp_bridge_ensure(const char *ns, const char *name, int mtu)
{
	struct rtnl_link *link = NULL;
	struct nl_msg *msg;
	struct nl_sock *sk;
	int r;

	if (!dp_ifname_valid(name)) {
		log_error("bridge %s in %s: invalid name", name ? name : "(null)", dp_ns_label(ns));
		return -EINVAL;
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	r = dp_link_get(sk, name, &link);
	if (r == 0 && !dp_link_kind_is(link, "bridge")) {
		r = -EEXIST;
		log_error("bridge %s in %s: a %s device has this name", name, dp_ns_label(ns),
			  rtnl_link_get_type(link) ? rtnl_link_get_type(link) : "non-bridge");
		goto out;
	}
	if (r < 0 && r != -ENODEV)
		goto fail;
	r = bridge_msg(name, mtu, &msg);
	if (r == 0)
		r = dp_nl_send(sk, msg);
	if (r == 0)
		r = dp_link_up_sk(sk, name, mtu, NULL);
fail:
	if (r < 0)
		log_error("bridge %s in %s: %s", name, dp_ns_label(ns), strerror(-r));
out:
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return r;
}

/* Whether an existing vxlan device has the asked fixed parameters. */
static bool vxlan_matches(struct rtnl_link *link, uint32_t vni, struct nl_addr *local, int dev_idx)
{
	struct nl_addr *cur = NULL;
	uint32_t id = 0, port = 0, lower = 0;
	bool same;

	if (!dp_link_kind_is(link, "vxlan"))
		return false;
	if (rtnl_link_vxlan_get_id(link, &id) < 0 || id != vni)
		return false;
	if (rtnl_link_vxlan_get_port(link, &port) < 0 || port != VXLAN_PORT)
		return false;
	if (rtnl_link_vxlan_get_learning(link) != 0)
		return false;
	if (rtnl_link_vxlan_get_link(link, &lower) < 0)
		lower = 0;
	if ((int)lower != dev_idx)
		return false;
	if (rtnl_link_vxlan_get_local(link, &cur) < 0)
		return false;
	same = nl_addr_cmp(cur, local) == 0;
	nl_addr_put(cur);
	return same;
}

int dp_vxlan_ensure(const char *ns, const char *name, uint32_t vni, const char *local_ip,
		    const char *dev, int mtu)
{
	struct rtnl_link *link = NULL, *want = NULL;
	struct nl_addr *local = NULL;
	struct nl_sock *sk;
	int r, dev_idx = 0;

	if (!dp_ifname_valid(name) || (dev && !dp_ifname_valid(dev)) || vni == 0 ||
	    vni > 0xffffff || !local_ip) {
		log_error("vxlan %s in %s: invalid parameters", name ? name : "(null)",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	if (nl_addr_parse(local_ip, AF_INET, &local) < 0 || nl_addr_get_prefixlen(local) != 32) {
		if (local)
			nl_addr_put(local);
		log_error("vxlan %s in %s: bad local address %s", name, dp_ns_label(ns), local_ip);
		return -EINVAL;
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0) {
		nl_addr_put(local);
		return r;
	}
	if (dev && (dev_idx = dp_nl_ifindex(sk, dev)) < 0) {
		r = dev_idx;
		goto out;
	}
	r = dp_link_get(sk, name, &link);
	if (r == 0 && !vxlan_matches(link, vni, local, dev_idx)) {
		if (!dp_link_kind_is(link, "vxlan")) {
			/* Never delete a device of another kind (a bridge…). */
			r = -EEXIST;
			log_error(
			    "vxlan %s in %s: a %s device has this name", name, dp_ns_label(ns),
			    rtnl_link_get_type(link) ? rtnl_link_get_type(link) : "non-vxlan");
			goto free;
		}
		log_info("vxlan %s in %s: parameters differ, replacing it", name, dp_ns_label(ns));
		r = dp_link_del_sk(sk, name);
		if (r == 0)
			r = -ENODEV;
	}
	if (r == -ENODEV) {
		want = rtnl_link_vxlan_alloc();
		if (!want) {
			r = -ENOMEM;
			goto out;
		}
		rtnl_link_set_name(want, name);
		if (mtu > 0)
			rtnl_link_set_mtu(want, (unsigned)mtu);
		rtnl_link_vxlan_set_id(want, vni);
		rtnl_link_vxlan_set_local(want, local);
		rtnl_link_vxlan_set_port(want, VXLAN_PORT);
		rtnl_link_vxlan_set_learning(want, 0);
		if (dev_idx > 0)
			rtnl_link_vxlan_set_link(want, (uint32_t)dev_idx);
		r = dp_nl_err(rtnl_link_add(sk, want, NLM_F_CREATE | NLM_F_EXCL));
	}
	if (r == 0)
		r = dp_link_up_sk(sk, name, mtu, NULL);
out:
	if (r < 0)
		log_error("vxlan %s (vni %u, local %s) in %s: %s", name, vni, local_ip,
			  dp_ns_label(ns), strerror(-r));
free:
	if (want)
		rtnl_link_put(want);
	if (link)
		rtnl_link_put(link);
	nl_addr_put(local);
	nl_socket_free(sk);
	return r;
}

/* Whether name (on sk) and peer (on psk) are the two ends of one veth. */
static bool veth_pair_ok(struct nl_sock *sk, const char *name, struct nl_sock *psk,
			 const char *peer)
{
	struct rtnl_link *a = NULL, *b = NULL;
	bool ok = false;

	if (dp_link_get(sk, name, &a) == 0 && dp_link_get(psk, peer, &b) == 0)
		ok = dp_link_kind_is(a, "veth") && dp_link_kind_is(b, "veth") &&
		     rtnl_link_get_link(a) == rtnl_link_get_ifindex(b) &&
		     rtnl_link_get_link(b) == rtnl_link_get_ifindex(a);
	if (a)
		rtnl_link_put(a);
	if (b)
		rtnl_link_put(b);
	return ok;
}

static int veth_create(struct nl_sock *sk, const char *name, const char *peer_ns, bool other_ns,
		       const char *peer, int mtu)
{
	struct rtnl_link *link, *p;
	int fd = -1, r;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	p = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(p, peer);
	if (mtu > 0) {
		rtnl_link_set_mtu(link, (unsigned)mtu);
		rtnl_link_set_mtu(p, (unsigned)mtu);
	}
	if (other_ns) {
		fd = dp_ns_open(peer_ns);
		if (fd < 0) {
			r = fd;
			goto out;
		}
		rtnl_link_set_ns_fd(p, fd);
	}
	/* Both ends in one message: the pair exists whole or not at all. */
	r = dp_nl_err(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (fd >= 0)
		close(fd);
	rtnl_link_put(p);
	rtnl_link_veth_release(link);
	return r;
}

int dp_veth_ensure(const char *ns, const char *name, const char *peer_ns, const char *peer, int mtu)
{
	bool other_ns = !((!ns && !peer_ns) || (ns && peer_ns && strcmp(ns, peer_ns) == 0));
	struct nl_sock *sk = NULL, *psk = NULL;
	int r;

	if (!dp_ifname_valid(name) || !dp_ifname_valid(peer) ||
	    (!other_ns && strcmp(name, peer) == 0)) {
		log_error("veth %s in %s: invalid names", name ? name : "(null)", dp_ns_label(ns));
		return -EINVAL;
	}
	r = dp_nl_open(ns, &sk);
	if (r == 0)
		r = dp_nl_open(peer_ns, &psk);
	if (r < 0)
		goto out;
	if (!veth_pair_ok(sk, name, psk, peer)) {
		/* Half a pair, or two unrelated devices: start again whole. */
		r = dp_link_del_sk(sk, name);
		if (r == 0)
			r = dp_link_del_sk(psk, peer);
		if (r == 0)
			r = veth_create(sk, name, peer_ns, other_ns, peer, mtu);
	}
	if (r == 0)
		r = dp_link_up_sk(sk, name, mtu, NULL);
	if (r == 0)
		r = dp_link_up_sk(psk, peer, mtu, NULL);
out:
	if (r < 0)
		log_error("veth %s in %s / %s in %s: %s", name, dp_ns_label(ns), peer,
			  dp_ns_label(peer_ns), strerror(-r));
	if (sk)
		nl_socket_free(sk);
	if (psk)
		nl_socket_free(psk);
	return r;
}

int dp_vlan_msg(const char *parent_ifname, int parent_ifindex, const char *name, uint16_t vid,
		struct nl_msg **msg)
{
	struct rtnl_link *link;
	int r;

	*msg = NULL;
	if (!dp_ifname_valid(name) || parent_ifindex <= 0 || vid == 0 || vid >= 4095) {
		log_error("vlan %s on %s: invalid parameters", name ? name : "(null)",
			  parent_ifname ? parent_ifname : "(null)");
		return -EINVAL;
	}
	link = rtnl_link_vlan_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	rtnl_link_set_link(link, parent_ifindex);
	r = dp_nl_err(rtnl_link_vlan_set_id(link, vid));
	if (r == 0)
		r = dp_nl_err(rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, msg));
	rtnl_link_put(link);
	if (r < 0)
		log_error("vlan %s on %s: build message: %s", name,
			  parent_ifname ? parent_ifname : "(null)", strerror(-r));
	return r;
}

int dp_vlan_ensure(const char *ns, const char *parent, const char *name, uint16_t vid, int mtu)
{
	struct rtnl_link *link = NULL;
	struct nl_msg *msg;
	struct nl_sock *sk;
	int r, pidx;

	if (!dp_ifname_valid(parent) || !dp_ifname_valid(name)) {
		log_error("vlan %s in %s: invalid names", name ? name : "(null)", dp_ns_label(ns));
		return -EINVAL;
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	pidx = dp_nl_ifindex(sk, parent);
	if (pidx < 0) {
		r = pidx;
		goto out;
	}
	r = dp_link_get(sk, name, &link);
	if (r == 0 && !(dp_link_kind_is(link, "vlan") && rtnl_link_vlan_get_id(link) == vid &&
			rtnl_link_get_link(link) == pidx)) {
		r = dp_link_del_sk(sk, name);
		if (r == 0)
			r = -ENODEV;
	}
	if (r == -ENODEV) {
		r = dp_vlan_msg(parent, pidx, name, vid, &msg);
		if (r == 0)
			r = dp_nl_send(sk, msg);
	}
	if (r == 0)
		r = dp_link_up_sk(sk, name, mtu, NULL);
out:
	if (r < 0)
		log_error("vlan %s (%s.%u) in %s: %s", name, parent, vid, dp_ns_label(ns),
			  strerror(-r));
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return r;
}
