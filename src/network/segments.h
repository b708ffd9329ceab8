/* segments.h - the segment (type, physical network, id) of a network. */
#ifndef BASALT_NETWORK_SEGMENTS_H
#define BASALT_NETWORK_SEGMENTS_H

#include <stdint.h>

struct basalt;
struct store;
struct net_fault;

#define SEGMENT_KEY_LEN 128

struct segment {
	char type[16];	       /* vxlan, flat, vlan */
	char physnet[64];      /* "" for vxlan */
	int64_t id;	       /* VNI or VLAN id; -1: pick one (out: the id, -1 for flat) */
	char key[SEGMENT_KEY_LEN]; /* out: network.segment_key */
};

/* segments.c */
/* Validate seg against the [network] options and pick a free id when none
 * was asked, in the caller's write transaction. 0, or -EINVAL (a bad
 * segment), -EEXIST (in use), -ENOSPC (none left) with f (NF_SEG_*), or
 * -errno. */
int segment_pick(struct basalt *b, struct store *st, struct segment *seg, struct net_fault *f);

#endif
