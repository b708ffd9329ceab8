/* link.c - network devices through netlink: existence, listing, deletion,
 * state (up, MTU, MAC), bridge membership, moving between namespaces, and
 * persistent tap devices for QEMU. The device kinds are made in
 * devices.c. */
#include "dp/dp.h"
#include "dp/internal.h"
#include "dp/link.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

static bool ns_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int dp_link_get(struct nl_sock *sk, const char *name, struct rtnl_link **link)
{
	int r = rtnl_link_get_kernel(sk, 0, name, link);

	if (r < 0) {
		*link = NULL;
		r = dp_nl_err(r);
		return r == -ENOENT ? -ENODEV : r;
	}
	return 0;
}

bool dp_link_kind_is(struct rtnl_link *link, const char *kind)
{
	const char *k = rtnl_link_get_type(link);

	return k && strcmp(k, kind) == 0;
}

bool dp_link_exists(const char *ns, const char *name)
{
	struct nl_sock *sk;
	int r;

	if (!dp_ifname_valid(name) || (ns && !dp_netns_exists(ns)))
		return false;
	if (dp_nl_open(ns, &sk) < 0)
		return false;
	r = dp_nl_ifindex(sk, name);
	nl_socket_free(sk);
	return r > 0;
}

int dp_link_list(const char *ns, const char *prefix, char ***names, size_t *n)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	int r;

	*names = NULL;
	*n = 0;
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	r = dp_nl_err(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache));
	for (struct nl_object *o = r < 0 ? NULL : nl_cache_get_first(cache); o;
	     o = nl_cache_get_next(o)) {
		const char *name = rtnl_link_get_name((struct rtnl_link *)o);

		if (!name || (plen && strncmp(name, prefix, plen) != 0))
			continue;
		r = dp_names_push(names, n, name);
		if (r < 0)
			break;
	}
	if (cache)
		nl_cache_free(cache);
	nl_socket_free(sk);
	if (r < 0) {
		dp_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		log_error("link list %s in %s: %s", prefix ? prefix : "", dp_ns_label(ns),
			  strerror(-r));
	}
	return r;
}

int dp_link_del_sk(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int r = dp_link_get(sk, name, &link);

	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	r = dp_nl_err(rtnl_link_delete(sk, link));
	rtnl_link_put(link);
	return r == -ENODEV || r == -ENOENT ? 0 : r;
}

int dp_link_del(const char *ns, const char *name)
{
	struct nl_sock *sk;
	int r;

	if (!dp_ifname_valid(name)) {
		log_error("link del %s in %s: invalid name", name ? name : "(null)",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	if (ns && !dp_netns_exists(ns))
		return 0; /* the namespace and all its devices are gone */
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	r = dp_link_del_sk(sk, name);
	nl_socket_free(sk);
	if (r < 0)
		log_error("link del %s in %s: %s", name, dp_ns_label(ns), strerror(-r));
	return r;
}

int dp_link_up_sk(struct nl_sock *sk, const char *name, int mtu, const char *mac)
{
	struct rtnl_link *link, *change = NULL;
	struct nl_addr *addr = NULL;
	bool differs = false;
	int r;

	if (mac && *mac) {
		r = dp_nl_err(nl_addr_parse(mac, AF_LLC, &addr));
		if (r < 0 || nl_addr_get_len(addr) != 6) {
			if (addr)
				nl_addr_put(addr);
			return -EINVAL;
		}
	}
	r = dp_link_get(sk, name, &link);
	if (r < 0)
		goto out;
	change = rtnl_link_alloc();
	if (!change) {
		r = -ENOMEM;
		goto out;
	}
	if (!(rtnl_link_get_flags(link) & IFF_UP)) {
		rtnl_link_set_flags(change, IFF_UP);
		differs = true;
	}
	if (mtu > 0 && rtnl_link_get_mtu(link) != (unsigned)mtu) {
		rtnl_link_set_mtu(change, (unsigned)mtu);
		differs = true;
	}
	if (addr && nl_addr_cmp(rtnl_link_get_addr(link), addr) != 0) {
		rtnl_link_set_addr(change, addr);
		differs = true;
	}
	if (differs)
		r = dp_nl_err(rtnl_link_change(sk, link, change, 0));
out:
	if (change)
		rtnl_link_put(change);
	if (link)
		rtnl_link_put(link);
	if (addr)
		nl_addr_put(addr);
	return r;
}

int dp_link_up(const char *ns, const char *name, int mtu, const char *mac)
{
	struct nl_sock *sk;
	int r;

	if (!dp_ifname_valid(name)) {
		log_error("link up %s in %s: invalid name", name ? name : "(null)",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	r = dp_link_up_sk(sk, name, mtu, mac);
	nl_socket_free(sk);
	if (r < 0)
		log_error("link up %s in %s (mtu %d, mac %s): %s", name, dp_ns_label(ns), mtu,
			  mac && *mac ? mac : "-", strerror(-r));
	return r;
}

int dp_link_set_master(const char *ns, const char *name, const char *master)
{
	struct nl_sock *sk;
	int r, idx, midx = 0, cur;
	struct rtnl_link *link = NULL;

	if (!dp_ifname_valid(name) || (master && !dp_ifname_valid(master))) {
		log_error("link master %s in %s: invalid name", name ? name : "(null)",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	r = dp_link_get(sk, name, &link);
	if (r < 0)
		goto out;
	idx = rtnl_link_get_ifindex(link);
	cur = rtnl_link_get_master(link);
	if (master) {
		midx = dp_nl_ifindex(sk, master);
		if (midx < 0) {
			r = midx;
			goto out;
		}
	}
	if (cur == midx)
		goto out;
	r = dp_nl_err(master ? rtnl_link_enslave_ifindex(sk, midx, idx)
			     : rtnl_link_release_ifindex(sk, idx));
out:
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	if (r < 0)
		log_error("link %s in %s: set master %s: %s", name, dp_ns_label(ns),
			  master ? master : "(none)", strerror(-r));
	return r;
}

int dp_link_move(const char *ns, const char *name, const char *to_ns)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct nl_sock *sk;
	int r, fd = -1;

	if (!dp_ifname_valid(name)) {
		log_error("link move %s: invalid name", name ? name : "(null)");
		return -EINVAL;
	}
	if (ns_same(ns, to_ns))
		return dp_link_exists(ns, name) ? 0 : -ENODEV;
	r = dp_nl_open(ns, &sk);
	if (r < 0)
		return r;
	r = dp_link_get(sk, name, &link);
	if (r == -ENODEV && dp_link_exists(to_ns, name)) {
		r = 0; /* moved already */
		goto out;
	}
	if (r < 0)
		goto out;
	fd = dp_ns_open(to_ns);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	change = rtnl_link_alloc();
	if (!change) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ns_fd(change, fd);
	r = dp_nl_err(rtnl_link_change(sk, link, change, 0));
out:
	if (fd >= 0)
		close(fd);
	if (change)
		rtnl_link_put(change);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	if (r < 0)
		log_error("link move %s from %s to %s: %s", name, dp_ns_label(ns),
			  dp_ns_label(to_ns), strerror(-r));
	return r;
}

/* Create the tap in the namespace this thread is in (the tun driver makes
 * it where /dev/net/tun was opened) and make it outlive the fd. */
static int tap_create(void *arg)
{
	const char *name = arg;
	struct ifreq ifr = { 0 };
	int fd, r = 0;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI; /* no IFF_MULTI_QUEUE: QEMU opens one queue */
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0)
		r = -errno;
	close(fd);
	return r;
}

int dp_tap_ensure(const char *name, int mtu)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	int r;

	if (!dp_ifname_valid(name)) {
		log_error("tap %s: invalid name", name ? name : "(null)");
		return -EINVAL;
	}
	r = dp_nl_open(NULL, &sk);
	if (r < 0)
		return r;
	r = dp_link_get(sk, name, &link);
	if (r == 0 && !dp_link_kind_is(link, "tun")) {
		log_error("tap %s: a %s device has this name", name,
			  rtnl_link_get_type(link) ? rtnl_link_get_type(link) : "non-tap");
		r = -EEXIST;
		goto out;
	}
	if (r == -ENODEV)
		r = dp_netns_run(NULL, tap_create, (void *)name);
	if (r == 0)
		r = dp_link_up_sk(sk, name, mtu, NULL);
	if (r < 0)
		log_error("tap %s: %s", name, strerror(-r));
out:
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return r;
}
