/* conntrack.c - forget the connections of addresses that changed hands: a
 * router's NAT state (SNAT out, a floating IP's DNAT in) of a deleted
 * port must not carry on to the next port given the same address, as
 * Neutron's L3 agent deletes conntrack state of removed ports. ctnetlink
 * through libnl's core: a dump of the IPv4 table, then one delete per
 * entry that names one of the addresses, by its original tuple. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

struct ct_entry {
	void *orig; /* the CTA_TUPLE_ORIG attribute's payload, copied */
	int orig_len;
	uint16_t zone; /* network order */
	bool has_zone;
};

struct ct_dump {
	const struct in_addr *ips;
	size_t nips;
	struct ct_entry *v;
	size_t n;
	int r;
};

/* Whether the tuple attribute t (CTA_TUPLE_ORIG or _REPLY) names one of
 * the addresses as source or destination. */
static bool tuple_has(struct nlattr *t, const struct in_addr *ips, size_t n)
{
	struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1];
	const int which[] = { CTA_IP_V4_SRC, CTA_IP_V4_DST };

	if (!t || nla_parse_nested(tb, CTA_TUPLE_MAX, t, NULL) < 0 || !tb[CTA_TUPLE_IP] ||
	    nla_parse_nested(ip, CTA_IP_MAX, tb[CTA_TUPLE_IP], NULL) < 0)
		return false;
	for (size_t w = 0; w < 2; w++) {
		if (!ip[which[w]] || nla_len(ip[which[w]]) != 4)
			continue;
		for (size_t i = 0; i < n; i++)
			if (memcmp(nla_data(ip[which[w]]), &ips[i], 4) == 0)
				return true;
	}
	return false;
}

static int on_ct(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ct_dump *d = arg;
	struct nlattr *tb[CTA_MAX + 1];
	struct ct_entry *grown, *e;

	if (nlmsg_parse(h, sizeof(struct nfgenmsg), tb, CTA_MAX, NULL) < 0 || !tb[CTA_TUPLE_ORIG])
		return NL_SKIP;
	if (!tuple_has(tb[CTA_TUPLE_ORIG], d->ips, d->nips) &&
	    !tuple_has(tb[CTA_TUPLE_REPLY], d->ips, d->nips))
		return NL_OK;
	grown = realloc(d->v, (d->n + 1) * sizeof(*d->v));
	if (!grown) {
		d->r = -ENOMEM;
		return NL_STOP;
	}
	d->v = grown;
	e = &d->v[d->n];
	memset(e, 0, sizeof(*e));
	e->orig_len = nla_len(tb[CTA_TUPLE_ORIG]);
	e->orig = malloc(e->orig_len > 0 ? (size_t)e->orig_len : 1);
	if (!e->orig) {
		d->r = -ENOMEM;
		return NL_STOP;
	}
	memcpy(e->orig, nla_data(tb[CTA_TUPLE_ORIG]), (size_t)e->orig_len);
	if (tb[CTA_ZONE] && nla_len(tb[CTA_ZONE]) == 2) {
		memcpy(&e->zone, nla_data(tb[CTA_ZONE]), 2);
		e->has_zone = true;
	}
	d->n++;
	return NL_OK;
}

static int ct_dump(struct nl_sock *sk, struct ct_dump *d)
{
	struct nfgenmsg g = { .nfgen_family = AF_INET, .version = NFNETLINK_V0 };
	int r = dp_nl_dump(sk, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, &g, sizeof(g), on_ct,
			   d);

	return d->r < 0 ? d->r : r;
}

static int ct_delete(struct nl_sock *sk, const struct ct_entry *e)
{
	struct nfgenmsg g = { .nfgen_family = AF_INET, .version = NFNETLINK_V0 };
	struct nl_msg *msg = nlmsg_alloc_simple((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE, 0);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, CTA_TUPLE_ORIG | NLA_F_NESTED, e->orig_len, e->orig) < 0 ||
	    (e->has_zone && nla_put(msg, CTA_ZONE, 2, &e->zone) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return dp_nl_send(sk, msg);
}

int dp_conntrack_flush_addrs(const char *ns, const char *const *ips, size_t n, size_t *deleted)
{
	struct ct_dump d = { 0 };
	struct in_addr *v;
	struct nl_sock *sk = NULL;
	size_t k = 0;
	int r, acc = 0;

	if (deleted)
		*deleted = 0;
	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (ips[i] && inet_pton(AF_INET, ips[i], &v[k]) == 1)
			k++;
	d.ips = v;
	d.nips = k;
	r = k ? dp_nl_open_proto(ns, NETLINK_NETFILTER, &sk) : 0;
	if (r == 0 && k)
		r = ct_dump(sk, &d);
	for (size_t i = 0; i < d.n; i++) {
		int e = r == 0 ? ct_delete(sk, &d.v[i]) : 0;
		if (e == 0 && r == 0 && deleted)
			(*deleted)++;
		if (e < 0 && e != -ENOENT && acc == 0)
			acc = e;
		free(d.v[i].orig);
	}
	if (sk)
		nl_socket_free(sk);
	free(d.v);
	free(v);
	if (r == 0)
		r = acc;
	/* No conntrack in this kernel or namespace: nothing to forget. */
	if (r == -EPROTONOSUPPORT || r == -EOPNOTSUPP)
		r = 0;
	if (r < 0)
		log_warn("conntrack %s: flush: %s", dp_ns_label(ns), strerror(-r));
	return r;
}
