/* l3.h - the handlers of network_l3_routes (routes_l3.c): security groups,
 * routers and floating IPs, and the few helpers these files share.
 * Private to src/network and to the compute API's proxies of it
 * (compute/fip_proxy.c, secgroup_proxy.c); grouped by the file that
 * defines them. */
#ifndef BASALT_NETWORK_L3_H
#define BASALT_NETWORK_L3_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct basalt;
struct caller;
struct http_request;
struct net_fault;
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

/* secgroup_api.c */
int h_secgroup_list(struct http_request *req, struct http_response *res);
int h_secgroup_get(struct http_request *req, struct http_response *res);
int h_secgroup_create(struct http_request *req, struct http_response *res);
int h_secgroup_update(struct http_request *req, struct http_response *res);
int h_secgroup_delete(struct http_request *req, struct http_response *res);

/* The project a create names (project_id or tenant_id), or the caller's,
 * into *project (borrowed). Another project only when action's rule
 * allows it (admins; else -EPERM, NF_OTHER_PROJECT); the two must agree
 * (-EINVAL, NF_PROJECTS_DISAGREE). 0 or -errno. */
int l3_project_of(const struct caller *c, const char *action, const char *project_id,
		  const char *tenant_id, const char **project, struct net_fault *f);
/* For handlers (secgroup_api.c): l3_project_of of a create body, or NULL
 * with res filled. */
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
json_t *l3_sgrule_load(const struct caller *c, struct store *st, const char *id,
		       int *err);
/* Group id as c may see it into *g (a new reference): 0, -ENOENT
 * (NF_SG_NOT_FOUND), or -errno. */
int l3_secgroup_for(const struct caller *c, struct store *st, const char *id, json_t **g,
		    struct net_fault *f);
/* A security group create as the request asks it. */
struct secgroup_spec {
	const char *name, *description;	    /* NULL: "" */
	const char *project_id, *tenant_id; /* NULL: the caller's project */
	bool stateful;
};
/* An update: NULL members are kept; a JSON null name is "" (name_null). */
struct secgroup_change {
	const char *name, *description;
	bool name_null;
	const bool *stateful;
};
/* Create (with the project's default group first), update and delete a
 * group in the caller's write transaction. 0, or -errno with f: -EEXIST
 * (NF_SG_DEFAULT_EXISTS: the name "default"), l3_project_of's, -EINVAL
 * (NF_SG_NEEDS_PROJECT), -EDQUOT (NF_QUOTA), -ENOENT (NF_SG_NOT_FOUND),
 * -EPERM (NF_SG_DEFAULT_UPDATE, NF_SG_DEFAULT_DELETE), -EBUSY (NF_SG_IN_USE). */
int secgroup_create(struct basalt *b, const struct caller *c, struct store *st,
		    const struct secgroup_spec *s, char id[UUID_LEN + 1], struct net_fault *f);
int secgroup_update(const struct caller *c, struct store *st, const char *id,
		    const struct secgroup_change *ch, struct net_fault *f);
int secgroup_remove(const struct caller *c, struct store *st, const char *id,
		    struct net_fault *f);
/* Create a rule (body: the request's security_group_rule object; fills
 * id) in its group's project, or delete one, in the caller's write
 * transaction. 0, or -errno with f: -EINVAL (NF_SGR_*: Neutron's
 * validation), l3_project_of's, -ENOENT (NF_SG_NOT_FOUND of the group or
 * the remote group, NF_SGR_NOT_FOUND), -EEXIST (NF_SGR_EXISTS), -EDQUOT
 * (NF_QUOTA). */
int sgrule_create(struct basalt *b, const struct caller *c, struct store *st, const json_t *rule,
		  char id[UUID_LEN + 1], struct net_fault *f);
int sgrule_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *f);

/* secgroup_store.c: the security_group, security_group_rule and
 * port_security_group tables, and only it (no policy) */
/* Read group id into project_id (and with out, its rendering with its
 * rules, a new reference): 0, -ENOENT, or -errno. */
int secgroup_store_get(const struct caller *c, struct store *st, const char *id,
		       char project_id[65], json_t **out);
/* Read rule id likewise. */
int sgrule_store_get(struct store *st, const char *id, char project_id[65], json_t **out);
/* The rules of group_id as the API shows them, oldest first (a new
 * array, NULL on error with *err set). */
json_t *sgrule_store_of_group(struct store *st, const char *group_id, int *err);
/* Insert rule w of group_id (owned by project_id); fills id. -errno. */
int sgrule_store_insert(struct store *st, const char *group_id, const char *project_id,
			const struct l3_rule *w, char id[UUID_LEN + 1]);
/* Insert a group and Neutron's rules for a new one (egress anywhere for
 * both ethertypes; for the default group ingress from itself too);
 * fills id. 0 or -errno. */
int secgroup_store_insert(struct store *st, const char *project_id, const char *name,
			  const char *description, bool stateful, bool is_default,
			  char id[UUID_LEN + 1]);
/* The id of project_id's oldest "default" group: 0, -ENOENT, -errno. */
int secgroup_store_default_id(struct store *st, const char *project_id, char id[UUID_LEN + 1]);
/* Change what is not NULL and bump the revision (a rule changed when
 * all are NULL). 0 or -errno. */
int secgroup_store_update(struct store *st, const char *id, const char *name,
			  const char *description, const bool *stateful);
/* Delete a group, its rules and the rules naming it as remote. */
int secgroup_store_delete(struct store *st, const char *id);
int sgrule_store_delete(struct store *st, const char *id);
/* The groups of port_id, sorted ids (a new array, NULL on error). */
json_t *secgroup_store_port_groups(struct store *st, const char *port_id);
/* Bind port_id to group_id: 0, -EEXIST (bound already), or -errno. */
int secgroup_store_bind(struct store *st, const char *port_id, const char *group_id);
/* Unbind port_id from every group. */
int secgroup_store_unbind_port(struct store *st, const char *port_id);
/* How many ports group_id has. */
int secgroup_store_count_ports(struct store *st, const char *group_id, int64_t *n);
/* A row of secgroup_store_list_sql as the API shows it (with its rules). */
json_t *secgroup_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q);
/* Every group / every rule in the API's order (project in column 2). */
extern const char secgroup_store_list_sql[], sgrule_store_list_sql[];

/* sgrule_api.c */
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

/* router_store.c: the router table, and only it (no policy) */
/* Read router id into rt: 0, -ENOENT, or -errno. */
int router_store_get(struct store *st, const char *id, struct l3_router *rt);
/* Insert rt (id, project, enable_snat, host; no gateway yet), ACTIVE. */
int router_store_insert(struct store *st, const struct l3_router *rt, const char *name,
			const char *description, bool admin_state_up);
/* Change what is not NULL, bump the revision: 0, -ENOENT, or -errno. */
int router_store_update(struct store *st, const char *id, const char *name,
			const char *description, const bool *admin_state_up);
/* Bump the router's revision (its legs changed). */
int router_store_touch(struct store *st, const char *id);
/* Store rt's gateway ("" members: none) and enable_snat. 0 or -errno. */
int router_store_set_gateway(struct store *st, const struct l3_router *rt);
/* The status the agent of host reported; 1 changed, 0 not, -errno. */
int router_store_set_status(struct store *st, const char *host, const char *id,
			    const char *status);
/* Place router id on host (scheduling). 0 or -errno. */
int router_store_set_host(struct store *st, const char *id, const char *host);
/* Store the router's extra routes (an array routers.c checked), bump
 * its revision: 0, -ENOENT, or -errno. */
int router_store_set_routes(struct store *st, const char *id, const json_t *routes);
/* The router's extra routes (a new array; NULL with *err -ENOENT or
 * -errno). */
json_t *router_store_routes(struct store *st, const char *id, int *err);
/* Delete the row. 0 or -errno. */
int router_store_delete(struct store *st, const char *id);
/* A row of router_store_list_sql (or of id) as the API shows it to c
 * (distributed and ha by policy); new reference, NULL on error. */
json_t *router_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q);
json_t *router_store_render(const struct caller *c, struct store *st, const char *id);
/* Every router in the API's order (project in column 2). */
extern const char router_store_list_sql[];
/* The routers placed on host, in the API's order (one text argument). */
extern const char router_store_on_host_sql[];
/* Routers not on host (one text argument): "id, roles, last_seen" of
 * their host, as schedule.c's orphans reads them. */
extern const char router_store_orphans_sql[];
/* Enabled hosts with "name, roles, last_seen, routers carried", the
 * least loaded first. */
extern const char router_store_hosts_sql[];

/* routers.c: routers as Neutron makes them (0 or -errno with f) */
/* Read router id as c may see it (get_router) into rt: 0, -ENOENT
 * (missing or another project's), or -errno. */
int l3_router_load(const struct caller *c, struct store *st, const char *id,
		   struct l3_router *rt);
/* l3_router_load, then action's rule on the router: 0, -ENOENT
 * (NF_ROUTER_NOT_FOUND), -EPERM (NF_POLICY), or -errno. */
int router_for(const struct caller *c, struct store *st, const char *id, const char *action,
	       struct l3_router *rt, struct net_fault *f);
/* 0 when network_id is visible to c and router:external; else -ENOENT
 * (NF_NETWORK_NOT_FOUND) or -EINVAL (NF_NOT_EXTERNAL, NF_NOT_EXTERNAL_FIP
 * when for_fip). */
int l3_check_external(const struct caller *c, struct store *st, const char *network_id,
		      bool for_fip, struct net_fault *f);
/* What a new router is. gateway: external_gateway_info as the API takes
 * it, its shape checked (NULL: none). */
struct router_spec {
	const char *project_id, *name, *description;
	bool admin_state_up;
	const json_t *gateway;
};
/* What an update changes: NULL members (and gateway when !gateway_given)
 * are kept. */
struct router_change {
	const char *name, *description;
	const bool *admin_state_up;
	const json_t *gateway;
	bool gateway_given;
	const json_t *routes; /* the extra routes (JSON null: none); NULL: keep */
};
/* Create router s for c (create_router; the gateway options by their
 * rules), placed on a network node; fills id. */
int router_create(struct basalt *b, const struct caller *c, struct store *st,
		  const struct router_spec *s, char id[UUID_LEN + 1], struct net_fault *f);
/* Update router id for c (update_router; gateway options by rule). */
int router_update(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		  const struct router_change *u, struct net_fault *f);
/* Delete router id for c (delete_router): refused while it has legs
 * (-EBUSY, NF_ROUTER_IN_USE) or floating IPs use its gateway. */
int router_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *f);

/* l3_agents.c: the l3-agent scheduler API (l3_agent_scheduler) */
int h_l3_agent_router_list(struct http_request *req, struct http_response *res);
int h_l3_agent_router_add(struct http_request *req, struct http_response *res);
int h_l3_agent_router_remove(struct http_request *req, struct http_response *res);
int h_router_l3_agent_list(struct http_request *req, struct http_response *res);

/* router_routes.c: extra routes (extraroute, extraroute-atomic) */
#define ROUTER_MAX_ROUTES 30 /* Neutron's max_routes */
/* Check routes (the API's list of {destination, nexthop}; JSON null is
 * none) against router rt as Neutron does: the shape (-EINVAL,
 * NF_ROUTES_INPUT), at most ROUTER_MAX_ROUTES (NF_ROUTES_EXHAUSTED), each
 * nexthop on a subnet of the router's ports and none of their addresses
 * (NF_ROUTES_INVALID). On success *out is a new array of the routes,
 * canonical ("destination" with host bits cleared) and sorted. */
int router_routes_check(struct store *st, const struct l3_router *rt, const json_t *routes,
			json_t **out, struct net_fault *f);
/* Replace router rt's extra routes by routes (checked as above), in the
 * caller's write transaction. 0 or -errno with f. */
int router_routes_set(struct store *st, const struct l3_router *rt, const json_t *routes,
		      struct net_fault *f);
/* add_extraroutes / remove_extraroutes (extraroute-atomic): the router's
 * routes with routes added (duplicates once) or taken away (absent ones
 * ignored), for c (the action's rule). 0 or -errno with f. */
int router_routes_change(const struct caller *c, struct store *st, const char *id,
			 const json_t *routes, bool add, struct net_fault *f);
/* Refuse removing router_id's leg on subnet sn_id (cidr) while a route's
 * nexthop is in it: 0, -EBUSY (NF_ROUTE_NEEDS_LEG), or -errno. */
int router_routes_leg_free(struct store *st, const char *router_id, const char *sn_id,
			   const char *cidr, struct net_fault *f);

/* router_api.c */
int h_router_list(struct http_request *req, struct http_response *res);
int h_router_get(struct http_request *req, struct http_response *res);
int h_router_create(struct http_request *req, struct http_response *res);
int h_router_update(struct http_request *req, struct http_response *res);
int h_router_delete(struct http_request *req, struct http_response *res);
int h_router_add_interface(struct http_request *req, struct http_response *res);
int h_router_remove_interface(struct http_request *req, struct http_response *res);
int h_router_add_extraroutes(struct http_request *req, struct http_response *res);
int h_router_remove_extraroutes(struct http_request *req, struct http_response *res);

/* router_interfaces.c: legs (0 or -errno with f) */
/* A leg as the interface calls answer it. */
struct router_leg {
	char router_id[65], project_id[65], port_id[65], subnet_id[65], network_id[65];
};
/* Add a leg to router id for c (add_router_interface): on subnet_id's
 * gateway address, or the free port port_id of the router's project. */
int router_interface_add(struct basalt *b, const struct caller *c, struct store *st,
			 const char *id, const char *subnet_id, const char *port_id,
			 struct router_leg *leg, struct net_fault *f);
/* Remove the leg of router id named by port_id and/or subnet_id for c
 * (remove_router_interface); refused while floating IPs use it. */
int router_interface_remove(const struct caller *c, struct store *st, const char *id,
			    const char *subnet_id, const char *port_id, struct router_leg *leg,
			    struct net_fault *f);

/* What floatingips.c needs of a floating IP. */
struct fip_row {
	char id[65], project_id[65], network_id[65], address[65], floating_port_id[65];
	char port_id[65];
};

/* fip_store.c: the floatingip table, and only it (no policy) */
/* Read floating IP id into f (and with out, its rendering for c, a new
 * reference): 0, -ENOENT, or -errno. */
int fip_store_get(const struct caller *c, struct store *st, const char *id, struct fip_row *f,
		  json_t **out);
/* Insert f (id, project, network, address, its port), DOWN. */
int fip_store_insert(struct store *st, const struct fip_row *f, const char *description);
/* Associate id with port_id's fixed_ip through router_id (all NULL:
 * none); DOWN until the network node reports the NAT. */
int fip_store_set_assoc(struct store *st, const char *id, const char *port_id,
			const char *fixed_ip, const char *router_id);
/* Set the description when not NULL, bump the revision. */
int fip_store_update(struct store *st, const char *id, const char *description);
int fip_store_delete(struct store *st, const char *id);
/* The ids of network_id's floating IPs without a port (new array), or
 * NULL with *err set. */
json_t *fip_store_free_on_network(struct store *st, const char *network_id, int *err);
/* Disassociate every floating IP of port_id (the port goes). */
int fip_store_release_port(struct store *st, const char *port_id);
/* How many floating IPs go through router_id / through its leg on
 * subnet_id. 0 or -errno. */
int fip_store_count_on_router(struct store *st, const char *router_id, int64_t *n);
int fip_store_count_via_subnet(struct store *st, const char *router_id, const char *subnet_id,
			       int64_t *n);
/* The floating IP (other than except_id) of network_id on port_id's
 * fixed_ip into id and address: 0, -ENOENT, or -errno. */
int fip_store_find_fixed(struct store *st, const char *port_id, const char *fixed_ip,
			 const char *network_id, const char *except_id, char id[65],
			 char address[65]);
/* The status the agent of host (carrying its router) reported; 1
 * changed, 0 not, -errno. */
int fip_store_set_status(struct store *st, const char *host, const char *id, const char *status);
/* The floating IPs of a router no node carries any more: DOWN (no agent
 * will report them until one carries the router again). */
int fip_store_router_down(struct store *st, const char *router_id);
/* A row of fip_store_list_sql as the API shows it (new reference). */
json_t *fip_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q);
/* Every floating IP in the API's order (project in column 1). */
extern const char fip_store_list_sql[];

/* floatingips.c: floating IPs as Neutron makes them (0 or -errno with f) */
/* Floating IP id as c may see it (get_floatingip) into f, and with out
 * its rendering (a new reference): 0, -ENOENT (NF_FIP_NOT_FOUND), -errno. */
int fip_load(const struct caller *c, struct store *st, const char *id, struct fip_row *f,
	     json_t **out, struct net_fault *nf);
/* What a new floating IP is (NULL: not asked). */
struct fip_spec {
	const char *project_id, *network_id, *address, *subnet_id, *port_id, *fixed_ip;
	const char *description;
};
/* What an update asks: port_id (or disassociate), fixed_ip, description
 * (NULL: kept). */
struct fip_change {
	const char *port_id, *fixed_ip, *description;
	bool disassociate;
};
/* Create floating IP s for c (create_floatingip; an explicit address by
 * its rule, admins); fills id. */
int fip_create(struct basalt *b, const struct caller *c, struct store *st,
	       const struct fip_spec *s, char id[UUID_LEN + 1], struct net_fault *nf);
int fip_update(const struct caller *c, struct store *st, const char *id,
	       const struct fip_change *u, struct net_fault *nf);
int fip_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *nf);
/* Delete network_id's floating IPs that no port uses, and their floating
 * ports, as Neutron does before it deletes a network (the network's
 * delete decided who may). An associated one stays (it keeps the network
 * in use). 0 or -errno; the caller's transaction rolls back on error. */
int fip_remove_free_on_network(struct store *st, const char *network_id);

/* fip_api.c */
int h_fip_list(struct http_request *req, struct http_response *res);
int h_fip_get(struct http_request *req, struct http_response *res);
int h_fip_create(struct http_request *req, struct http_response *res);
int h_fip_update(struct http_request *req, struct http_response *res);
int h_fip_delete(struct http_request *req, struct http_response *res);

#endif
