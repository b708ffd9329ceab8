/* l3.h - the handlers of network_l3_routes (routes_l3.c): security groups,
 * routers and floating IPs, and the few helpers these files share.
 * Private to src/network; grouped by the file that defines them. */
#ifndef BASALT_NETWORK_L3_H
#define BASALT_NETWORK_L3_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct caller;
struct http_request;
struct http_response;
struct store;
struct store_stmt;

/* An IPv4 or IPv6 prefix, host bits cleared. */
struct l3_prefix {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int len;
};

/* The columns l3_sgrule_render reads. */
#define RULE_COLS                                                                                  \
	"id, security_group_id, project_id, description, direction, ethertype, protocol,"          \
	" port_range_min, port_range_max, remote_ip_prefix, remote_group_id, created_at,"          \
	" updated_at, revision"

/* A security group rule as the store keeps it; NULL members are NULL. */
struct l3_rule {
	const char *direction, *ethertype, *protocol, *remote_ip_prefix, *remote_group_id;
	const char *description;
	int64_t port_min, port_max;
	bool has_min, has_max;
};

/* secgroups.c */
int h_secgroup_list(struct http_request *req, struct http_response *res);
int h_secgroup_get(struct http_request *req, struct http_response *res);
int h_secgroup_create(struct http_request *req, struct http_response *res);
int h_secgroup_update(struct http_request *req, struct http_response *res);
int h_secgroup_delete(struct http_request *req, struct http_response *res);

/* The project a create body names ("project_id" or "tenant_id"), or the
 * caller's. Another project only when action's rule allows it (admins;
 * else 403); the two keys must agree (400). Returns the borrowed id, or NULL with res filled. */
const char *l3_body_project(const struct caller *c, const char *action, const json_t *obj,
			    struct http_response *res);
/* Parse "addr/len" or a bare address (a host prefix) of either family
 * into p, clearing host bits. Returns 0 or -EINVAL. */
int l3_prefix_parse(const char *s, struct l3_prefix *p);
/* Format p as "addr/len" into out[64]. */
void l3_prefix_format(const struct l3_prefix *p, char out[64]);
bool l3_prefix_overlap(const struct l3_prefix *a, const struct l3_prefix *b);
/* One row of RULE_COLS as the API shows it (new reference). */
json_t *l3_sgrule_render(struct store_stmt *q);
/* Group (or rule) id as the caller may see it: a new reference, or NULL
 * with *err -ENOENT (missing, or another project's) or another -errno. */
json_t *l3_secgroup_load(const struct caller *c, struct store *st, const char *id,
			 int *err);
/* l3_secgroup_load with its errors in res (404 "Security group … does
 * not exist", or the store's): a new reference, or NULL. */
json_t *l3_secgroup_find(const struct caller *c, struct store *st, const char *id,
			 struct http_response *res);
json_t *l3_sgrule_load(const struct caller *c, struct store *st, const char *id,
		       int *err);
/* Insert rule w of group_id (owned by project_id); fills id. -errno. */
int l3_sgrule_insert(struct store *st, const char *group_id, const char *project_id,
		     const struct l3_rule *w, char id[UUID_LEN + 1]);

/* secgroup_rules.c */
int h_sgrule_list(struct http_request *req, struct http_response *res);
int h_sgrule_get(struct http_request *req, struct http_response *res);
int h_sgrule_create(struct http_request *req, struct http_response *res);
int h_sgrule_delete(struct http_request *req, struct http_response *res);

/* What routers.c and router_interfaces.c read of a router. */
struct l3_router {
	char id[65], project_id[65], gw_network_id[65], gw_port_id[65];
	char host[256];
	bool enable_snat;
};

/* routers.c */
/* Read router id as the caller may see it into rt: 0, -ENOENT (missing
 * or another project's), or -errno. */
int l3_router_load(const struct caller *c, struct store *st, const char *id,
		   struct l3_router *rt);
/* l3_router_load with its errors in res (404 "Router … could not be
 * found", or the store's): 0 or -1. */
int l3_router_find(const struct caller *c, struct store *st, const char *id,
		   struct l3_router *rt, struct http_response *res);
/* Router id as the API shows it (new reference; NULL on error). */
json_t *l3_router_render(const struct caller *c, struct store *st, const char *id);
/* 0 when network_id is visible to the caller and router:external; else
 * 404 or 400 (worded for resource "router" or "floatingip") in res, -1. */
int l3_check_external(const struct caller *c, struct store *st, const char *network_id,
		      const char *resource, struct http_response *res);
int h_router_list(struct http_request *req, struct http_response *res);
int h_router_get(struct http_request *req, struct http_response *res);
int h_router_create(struct http_request *req, struct http_response *res);
int h_router_update(struct http_request *req, struct http_response *res);
int h_router_delete(struct http_request *req, struct http_response *res);

/* router_interfaces.c */
int h_router_add_interface(struct http_request *req, struct http_response *res);
int h_router_remove_interface(struct http_request *req, struct http_response *res);

/* floatingips.c */
int h_fip_list(struct http_request *req, struct http_response *res);
int h_fip_get(struct http_request *req, struct http_response *res);
int h_fip_create(struct http_request *req, struct http_response *res);
int h_fip_update(struct http_request *req, struct http_response *res);
int h_fip_delete(struct http_request *req, struct http_response *res);

#endif
