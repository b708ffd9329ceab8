/* segments.h - the segment (type, physical network, id) of a network. */
#ifndef BASALT_NETWORK_SEGMENTS_H
#define BASALT_NETWORK_SEGMENTS_H

#include <stdint.h>

struct basalt;
struct store;
struct http_response;

#define SEGMENT_KEY_LEN 128

struct segment {
	char type[16];	       /* vxlan, flat, vlan */
	char physnet[64];      /* "" for vxlan */
	int64_t id;	       /* VNI or VLAN id; -1: pick one (out: the id, -1 for flat) */
	char key[SEGMENT_KEY_LEN]; /* out: network.segment_key */
};

/* segments.c */
/* Validate seg against the [network] options and pick a free id when none
 * was asked, in the caller's write transaction. Errors (400 bad segment,
 * 409 in use, 503 none left) go to res; returns 0 or -1. */
int segment_pick(struct basalt *b, struct store *st, struct segment *seg, struct http_response *res);

#endif
