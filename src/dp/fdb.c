/* fdb.c - the forwarding database of a VXLAN device, l2population style:
 * all-zeros entries flood to every peer VTEP by unicast, MAC entries pin a
 * MAC to one VTEP. Read with an AF_BRIDGE neighbour dump, changed with
 * RTM_NEWNEIGH/RTM_DELNEIGH (NTF_SELF: the vxlan driver's own table). */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>

struct fdb_entry {
	unsigned char mac[6];
	struct in_addr dst;
};

struct fdb_dump {
	int ifindex;
	struct fdb_entry *v;
	size_t n;
	int r;
};

static int mac_parse(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char tail;

	if (!s) {
		memset(mac, 0, 6);
		return 0;
	}
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -EINVAL;
		mac[i] = (unsigned char)v[i];
	}
	return 0;
}

/* Keep the entries of the vxlan driver's own table (NTF_SELF, with a
 * remote) on our device; skip the bridge's entries that point at it. */
static int on_neigh(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct fdb_dump *d = arg;
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg *ndm;
	struct fdb_entry *grown;

	if (h->nlmsg_type != RTM_NEWNEIGH || nlmsg_parse(h, sizeof(*ndm), tb, NDA_MAX, NULL) < 0)
		return NL_SKIP;
	ndm = nlmsg_data(h);
	if (ndm->ndm_family != AF_BRIDGE || ndm->ndm_ifindex != d->ifindex ||
	    (ndm->ndm_flags & NTF_MASTER) || !tb[NDA_LLADDR] || !tb[NDA_DST] ||
	    nla_len(tb[NDA_LLADDR]) != 6 || nla_len(tb[NDA_DST]) != 4)
		return NL_SKIP;
	grown = realloc(d->v, (d->n + 1) * sizeof(*d->v));
	if (!grown) {
		d->r = -ENOMEM;
		return NL_STOP;
	}
	d->v = grown;
	memcpy(d->v[d->n].mac, nla_data(tb[NDA_LLADDR]), 6);
	memcpy(&d->v[d->n].dst, nla_data(tb[NDA_DST]), 4);
	d->n++;
	return NL_OK;
}

static int fdb_read(struct nl_sock *sk, struct fdb_dump *d)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = d->ifindex };
	int r = dp_nl_dump(sk, RTM_GETNEIGH, &ndm, sizeof(ndm), on_neigh, d);

	return d->r < 0 ? d->r : r;
}

static int fdb_change(struct nl_sock *sk, int type, int flags, int ifindex,
		      const struct fdb_entry *e)
{
	struct ndmsg ndm = {
		.ndm_family = AF_BRIDGE,
		.ndm_ifindex = ifindex,
		.ndm_flags = NTF_SELF,
		.ndm_state = NUD_PERMANENT,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_LLADDR, 6, e->mac) < 0 || nla_put(msg, NDA_DST, 4, &e->dst) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return dp_nl_send(sk, msg);
}

static bool entry_eq(const struct fdb_entry *a, const struct fdb_entry *b)
{
	return memcmp(a->mac, b->mac, 6) == 0 && a->dst.s_addr == b->dst.s_addr;
}

static bool entry_in(const struct fdb_entry *e, const struct fdb_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (entry_eq(e, &v[i]))
			return true;
	return false;
}

static bool mac_zero(const unsigned char mac[6])
{
	static const unsigned char zero[6];

	return memcmp(mac, zero, 6) == 0;
}

int dp_fdb_sync(const char *ns, const char *vxlan_dev, const struct dp_fdb *entries, size_t n)
{
	struct fdb_dump d = { 0 };
	struct fdb_entry *want;
	struct nl_sock *sk;
	int r;

	if (!dp_ifname_valid(vxlan_dev)) {
		log_error("fdb sync %s in %s: invalid device name",
			  vxlan_dev ? vxlan_dev : "(null)", dp_ns_label(ns));
		return -EINVAL;
	}
	want = calloc(n ? n : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (mac_parse(entries[i].mac, want[i].mac) < 0 || !entries[i].remote ||
		    inet_pton(AF_INET, entries[i].remote, &want[i].dst) != 1) {
			log_error("fdb sync %s in %s: bad entry %s -> %s", vxlan_dev,
				  dp_ns_label(ns), entries[i].mac ? entries[i].mac : "flood",
				  entries[i].remote ? entries[i].remote : "(null)");
			free(want);
			return -EINVAL;
		}
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0) {
		free(want);
		return r;
	}
	d.ifindex = dp_nl_ifindex(sk, vxlan_dev);
	r = d.ifindex < 0 ? d.ifindex : fdb_read(sk, &d);
	/* Stale ones first, so a MAC that moved to another VTEP never points at
	 * two. */
	for (size_t i = 0; i < d.n && r == 0; i++) {
		if (entry_in(&d.v[i], want, n))
			continue;
		r = fdb_change(sk, RTM_DELNEIGH, 0, d.ifindex, &d.v[i]);
		if (r == -ENOENT)
			r = 0;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		if (entry_in(&want[i], d.v, d.n) || entry_in(&want[i], want, i))
			continue;
		/* APPEND lets several all-zeros entries (one per VTEP) coexist,
		 * as `bridge fdb append` does; a MAC has exactly one VTEP. */
		r = fdb_change(sk, RTM_NEWNEIGH,
			       NLM_F_CREATE |
				   (mac_zero(want[i].mac) ? NLM_F_APPEND : NLM_F_REPLACE),
			       d.ifindex, &want[i]);
	}
	if (r < 0)
		log_error("fdb sync %s in %s: %s", vxlan_dev, dp_ns_label(ns), strerror(-r));
	nl_socket_free(sk);
	free(d.v);
	free(want);
	return r;
}
