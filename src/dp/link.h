/* link.h - link helpers shared by link.c and devices.c, on a socket that
 * dp_nl_open bound to a namespace. */
#ifndef BASALT_DP_LINK_H
#define BASALT_DP_LINK_H

#include <stdbool.h>

struct nl_sock;
struct rtnl_link;

/* link.c */
/* Fetch name (caller puts *link); -ENODEV when absent. */
int dp_link_get(struct nl_sock *sk, const char *name, struct rtnl_link **link);
bool dp_link_kind_is(struct rtnl_link *link, const char *kind);
/* Delete name; 0 when absent. */
int dp_link_del_sk(struct nl_sock *sk, const char *name);
/* Up, with mtu when > 0 and mac when non-empty; changes only what differs. */
int dp_link_up_sk(struct nl_sock *sk, const char *name, int mtu, const char *mac);

#endif
