/* nl.c - netlink plumbing for the dp files: a route socket bound to a
 * namespace, sending with the kernel's errno, libnl error codes mapped back
 * to errno. */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <errno.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

int dp_nl_err(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	default:
		return -EIO;
	}
}

bool dp_ifname_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len >= DP_IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ')
			return false;
	return true;
}

int dp_nl_open(const char *ns, struct nl_sock **out)
{
	return dp_nl_open_proto(ns, NETLINK_ROUTE, out);
}

int dp_nl_dump(struct nl_sock *sk, int type, const void *hdr, size_t len,
	       int (*fn)(struct nl_msg *msg, void *arg), void *arg)
{
	struct nl_cb *base, *cb;
	int r = nl_send_simple(sk, type, NLM_F_DUMP, (void *)hdr, len);

	if (r < 0)
		return dp_nl_err(r);
	base = nl_socket_get_cb(sk); /* takes a reference */
	cb = nl_cb_clone(base);
	nl_cb_put(base);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	r = dp_nl_err(nl_recvmsgs(sk, cb));
	nl_cb_put(cb);
	return r;
}

int dp_nl_open_proto(const char *ns, int proto, struct nl_sock **out)
{
	struct nl_sock *sk;
	int saved, r, l;

	*out = NULL;
	r = dp_netns_enter(ns, &saved);
	if (r < 0)
		return r;
	sk = nl_socket_alloc();
	if (!sk)
		r = -ENOMEM;
	else if ((r = nl_connect(sk, proto)) < 0) {
		r = dp_nl_err(r);
		nl_socket_free(sk);
		sk = NULL;
	}
	l = dp_netns_leave(saved);
	if (l < 0 && sk) {
		nl_socket_free(sk);
		return l;
	}
	if (r < 0)
		log_error("netlink socket in %s: %s", dp_ns_label(ns), strerror(-r));
	*out = sk;
	return r;
}

int dp_nl_ifindex(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = NULL;
	int r, idx;

	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r < 0)
		return dp_nl_err(r) == -ENOENT ? -ENODEV : dp_nl_err(r);
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx > 0 ? idx : -ENODEV;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	*(int *)arg = e->error; /* already negative */
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	*(int *)arg = 0;
	return NL_STOP;
}

int dp_nl_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nl_cb *base, *cb;
	int r, kerr = 1;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	r = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (r < 0)
		return dp_nl_err(r);
	base = nl_socket_get_cb(sk); /* takes a reference */
	cb = nl_cb_clone(base);
	nl_cb_put(base);
	if (!cb)
		return -ENOMEM;
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &kerr);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &kerr);
	while (kerr == 1) {
		r = nl_recvmsgs(sk, cb);
		if (r < 0 && kerr == 1) {
			kerr = dp_nl_err(r);
			break;
		}
	}
	nl_cb_put(cb);
	return kerr;
}
