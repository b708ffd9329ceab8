/* internal.h - helpers shared by the files of src/dp (not part of the
 * contract in dp.h): netlink sockets bound to a namespace, libnl error
 * mapping, name checks. */
#ifndef BASALT_DP_INTERNAL_H
#define BASALT_DP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

struct nl_sock;
struct nl_msg;

/* netns.c */
/* Open (O_RDONLY|O_CLOEXEC) the namespace ns (NULL: the process's own);
 * returns the fd or -errno. */
int dp_ns_open(const char *ns);
/* Append name to a growing malloc'd array (for the *_list calls). */
int dp_names_push(char ***names, size_t *n, const char *name);

/* dnsmasq.c */
/* Run argv[0] (a path) in the network namespace ns with stdio on
 * /dev/null, in a session of its own, and wait for it: 0 with its wait
 * status in *status (0 when unknown: SIGCHLD ignored), or -errno. */
int dp_ns_run(const char *ns, char *const argv[], int *status);

/* nl.c */
/* A NETLINK_ROUTE socket living in ns: it is created inside ns and keeps
 * talking to ns after the thread has come back. Free with nl_socket_free. */
int dp_nl_open(const char *ns, struct nl_sock **sk);
/* The same for another netlink protocol (NETLINK_NETFILTER...). */
int dp_nl_open_proto(const char *ns, int proto, struct nl_sock **sk);
/* Send a dump request of type with the family header hdr (len bytes) and
 * call fn (libnl's NL_CB_VALID callback) on each answer: 0 or -errno. */
int dp_nl_dump(struct nl_sock *sk, int type, const void *hdr, size_t len,
	       int (*fn)(struct nl_msg *msg, void *arg), void *arg);
/* -errno for a (negative) libnl error code. */
int dp_nl_err(int nlerr);
/* ifindex of name (> 0), or -ENODEV. */
int dp_nl_ifindex(struct nl_sock *sk, const char *name);
/* Send msg (consumed) and wait for the kernel's ack: 0 or the kernel's
 * -errno. */
int dp_nl_send(struct nl_sock *sk, struct nl_msg *msg);
/* A device name the kernel accepts: 1..15 chars, no '/', no spaces. */
bool dp_ifname_valid(const char *name);
/* A namespace name: non-empty, no '/', not "." or "..". */
bool dp_nsname_valid(const char *name);
/* "ns" for log lines: the name or "(host)". */
const char *dp_ns_label(const char *ns);

#endif
