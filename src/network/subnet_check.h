/* subnet_check.h - validation of subnet create/update bodies. */
#ifndef BASALT_NETWORK_SUBNET_CHECK_H
#define BASALT_NETWORK_SUBNET_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "network/network.h"

struct caller;
struct store;
struct jfield;

/* A subnet as it will be: strings borrowed from the body (or the current
 * subnet's rendering on update); the JSON arrays are owned. */
struct subnet_input {
	const char *network_id, *project_id, *name, *description;
	char cidr[32];
	struct cidr4 c;
	char gateway[16]; /* "" for none */
	bool enable_dhcp;
	bool pools_given;
	json_t *dns, *routes, *pools; /* owned */
};

/* subnet_check.c */
extern const struct jfield subnet_create_fields[], subnet_update_fields[];
extern const size_t subnet_create_nfields, subnet_update_nfields;
/* Parse and check body s on its own (cur: the subnet as shown, for an
 * update; NULL for a create). Fills in (free with subnet_input_free even
 * on error); 0, or -EINVAL (NF_SN_*, NF_UNSUPPORTED, NF_PROJECT_MISMATCH),
 * -EPERM (NF_POLICY: create_subnet for the project named). */
int subnet_input_parse(const struct caller *c, const json_t *s, const json_t *cur,
		       struct subnet_input *in, struct net_fault *f);
/* The checks that need the store (the network, overlaps, addresses in
 * use outside new pools); subnet_id NULL for a create. 0, or -ENOENT
 * (NF_NETWORK_NOT_FOUND), -EPERM (NF_POLICY), -EINVAL (NF_SN_OVERLAP),
 * -EBUSY (NF_SN_ADDR_OUTSIDE), -errno. */
int subnet_input_check(const struct caller *c, struct store *st, const struct subnet_input *in,
		       const char *subnet_id, struct net_fault *f);
void subnet_input_free(struct subnet_input *in);

#endif
