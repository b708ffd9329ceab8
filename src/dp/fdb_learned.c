/* fdb_learned.c - what a bridge has learned behind one of its ports (here
 * a VXLAN device): entries of MACs no remote port has any more (a deleted
 * guest's) are forgotten at once instead of after the bridge's ageing
 * time. Only learned (dynamic) entries are touched; the bridge learns a
 * live MAC again from its next frame. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>

struct learned {
	unsigned char mac[6];
	unsigned short vlan;
	bool has_vlan;
};

struct learned_dump {
	int ifindex;
	struct learned *v;
	size_t n;
	int r;
};

/* The bridge's learned entries on our port. */
static int on_entry(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct learned_dump *d = arg;
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg *ndm;
	struct learned *grown;

	if (h->nlmsg_type != RTM_NEWNEIGH || nlmsg_parse(h, sizeof(*ndm), tb, NDA_MAX, NULL) < 0)
		return NL_SKIP;
	ndm = nlmsg_data(h);
	/* The bridge's entries name it (NDA_MASTER); the port's own (NTF_SELF,
	 * the vxlan driver's table) do not. */
	if (ndm->ndm_family != AF_BRIDGE || ndm->ndm_ifindex != d->ifindex ||
	    (ndm->ndm_flags & NTF_SELF) || !(tb[NDA_MASTER] || (ndm->ndm_flags & NTF_MASTER)) ||
	    (ndm->ndm_state & (NUD_PERMANENT | NUD_NOARP)) || !tb[NDA_LLADDR] ||
	    nla_len(tb[NDA_LLADDR]) != 6)
		return NL_SKIP;
	grown = realloc(d->v, (d->n + 1) * sizeof(*d->v));
	if (!grown) {
		d->r = -ENOMEM;
		return NL_STOP;
	}
	d->v = grown;
	memset(&d->v[d->n], 0, sizeof(d->v[d->n]));
	memcpy(d->v[d->n].mac, nla_data(tb[NDA_LLADDR]), 6);
	if (tb[NDA_VLAN] && nla_len(tb[NDA_VLAN]) == 2) {
		d->v[d->n].vlan = nla_get_u16(tb[NDA_VLAN]);
		d->v[d->n].has_vlan = true;
	}
	d->n++;
	return NL_OK;
}

static int learned_read(struct nl_sock *sk, struct learned_dump *d)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = d->ifindex };
	int r = dp_nl_dump(sk, RTM_GETNEIGH, &ndm, sizeof(ndm), on_entry, d);

	return d->r < 0 ? d->r : r;
}

static int learned_del(struct nl_sock *sk, int ifindex, const struct learned *e)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = ifindex,
			     .ndm_flags = NTF_MASTER };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELNEIGH, 0);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_LLADDR, 6, e->mac) < 0 ||
	    (e->has_vlan && nla_put_u16(msg, NDA_VLAN, e->vlan) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return dp_nl_send(sk, msg);
}

int dp_fdb_learned_prune(const char *ns, const char *port, const char *const *macs, size_t n)
{
	struct learned_dump d = { 0 };
	struct nl_sock *sk;
	int r, acc = 0;

	if (!dp_ifname_valid(port))
		return -EINVAL;
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	d.ifindex = dp_nl_ifindex(sk, port);
	r = d.ifindex < 0 ? d.ifindex : learned_read(sk, &d);
	for (size_t i = 0; i < d.n && r == 0; i++) {
		char mac[18];
		bool keep = false;

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", d.v[i].mac[0],
			 d.v[i].mac[1], d.v[i].mac[2], d.v[i].mac[3], d.v[i].mac[4], d.v[i].mac[5]);
		for (size_t k = 0; k < n && !keep; k++)
			keep = macs[k] && strcasecmp(macs[k], mac) == 0;
		if (keep)
			continue;
		log_info("fdb %s %s: forgetting learned %s", dp_ns_label(ns), port, mac);
		int e = learned_del(sk, d.ifindex, &d.v[i]);
		if (e < 0 && e != -ENOENT && acc == 0)
			acc = e;
	}
	nl_socket_free(sk);
	free(d.v);
	if (r == 0)
		r = acc;
	if (r < 0)
		log_warn("fdb %s %s: learned entries: %s", dp_ns_label(ns), port, strerror(-r));
	return r;
}
