/* network.h - Neutron v2.0 in the controller: networks, subnets, ports and
 * IPAM, routers, floating IPs, security groups, agents, quotas, and the
 * networking part of the agents' desired state (docs/agent-protocol.md).
 * Prototypes grouped by the file that defines them.
 *
 * Ids are uuid4 with dashes (UUID_LEN), as Neutron's. Functions that other
 * services call (Nova's server create and delete, the metadata API) work
 * inside the caller's write transaction and never commit. Those taking a
 * struct http_response fill it with the error (status and Neutron-style
 * message) when they fail, and return -1; others return -errno. */
#ifndef BASALT_NETWORK_H
#define BASALT_NETWORK_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct basalt;
struct store;
struct store_stmt;
struct http_request;
struct http_response;
struct route_table;
struct caller;
struct target;

#define MAC_PREFIX "fa:16:3e" /* Neutron's base_mac */

/* routes.c */
extern const struct route_table network_routes;
/* routes_l3.c: security groups, routers, floating IPs */
extern const struct route_table network_l3_routes;

/* ---- ipam.c: addresses (pure functions, unit tested) and allocation ---- */

/* An IPv4 prefix. */
struct cidr4 {
	uint32_t addr; /* host order, network address (host bits zero) */
	int len;       /* 0..32 */
};

/* Parse "a.b.c.d" (host order). Returns 0 or -EINVAL. */
int ip4_parse(const char *s, uint32_t *out);
/* Format host-order addr as "a.b.c.d" into out[16]. */
void ip4_format(uint32_t addr, char out[16]);
/* Parse "a.b.c.d/len"; host bits must be zero unless loose. -EINVAL. */
int cidr4_parse(const char *s, bool loose, struct cidr4 *out);
bool cidr4_contains(const struct cidr4 *c, uint32_t addr);
bool cidr4_overlap(const struct cidr4 *a, const struct cidr4 *b);

/* Hand out one address of subnet_id to port_id (of network_id) in the
 * caller's write transaction: ip_or_null asks for that address, otherwise
 * the lowest free address of the subnet's allocation pools. The primary
 * key of ip_allocation makes a double hand-out impossible. Fills ip[16].
 * Returns 0, -EEXIST (the address is taken), -ENOSPC (pools exhausted),
 * -ERANGE (not in the subnet's CIDR), -ENOENT (no such subnet). */
int ipam_allocate(struct store *st, const char *subnet_id, const char *network_id,
		  const char *port_id, const char *ip_or_null, char ip[16]);

/* The addresses port_id holds, [{subnet_id, ip_address}] in the order
 * they were handed out (a new array, NULL on error). */
json_t *ipam_port_addresses(struct store *st, const char *port_id);
/* The addresses handed out in subnet_id, strings (a new array, NULL on
 * error with *err set). */
json_t *ipam_subnet_addresses(struct store *st, const char *subnet_id, int *err);
/* Give back port_id's addresses (only of subnet_id / only ip when not
 * NULL). 0 or -errno. */
int ipam_release(struct store *st, const char *port_id, const char *subnet_id, const char *ip);
/* Give back every address of subnet_id (the subnet goes). */
int ipam_release_subnet(struct store *st, const char *subnet_id);

/* ---- fault.c: what a domain call refused, and its reply ---- */

/* Domain functions (they take a const struct caller *) return -errno and,
 * when they were given one, fill a struct net_fault naming which of
 * Neutron's errors it is and what it is about. Only the handlers turn it
 * into a status and Neutron's message (network_fault_reply). */
enum net_fault_kind {
	NF_NONE,		/* the store's error: -errno alone */
	NF_POLICY,		/* 403: rule a refused */
	NF_NETWORK_NOT_FOUND,	/* 404: network a */
	NF_PORT_NOT_FOUND,	/* 404: port a */
	NF_SUBNET_NOT_FOUND,	/* 404: subnet a */
	NF_NETWORK_NOT_ALLOWED, /* 403: project a may not use this network */
	NF_DEVICE_NOT_OWNED,	/* 409: device_id a names another project's router */
	NF_SG_NEEDS_SECURITY,	/* 400: groups asked on a port without port security */
	NF_SG_ASSOCIATED,	/* 409: port security off while groups are bound */
	NF_BAD_MAC,		/* 400: a is not a MAC */
	NF_MAC_IN_USE,		/* 409: MAC b in use on network a */
	NF_NETWORK_FULL,	/* 409: no address left on network a */
	NF_FIXED_IPS_NOT_LIST,	/* 400 */
	NF_FIXED_IPS_ENTRY,	/* 400: an entry is not {subnet_id?, ip_address?} */
	NF_BAD_IP,		/* 400: a is not an IP address */
	NF_IP_NO_SUBNET,	/* 400: address a is in no subnet of network b */
	NF_IP_IN_USE,		/* 409: address a taken in subnet b */
	NF_SUBNET_FULL,		/* 409: no address left in subnet a */
	NF_IP_NOT_IN_SUBNET,	/* 400: address a is not in the subnet asked */
	NF_FIXED_IPS_SUBNET,	/* 400: subnet b is not on network a */
	NF_SG_NOT_LIST,		/* 400 */
	NF_SG_NOT_STRING,	/* 400 */
	NF_SG_NOT_FOUND,	/* 404: group a */
	NF_QUOTA,		/* 409: over quota for resource a */
	NF_PORT_L3_OWNED,	/* 409: port a has owner b (deleted by its router) */
	NF_ROUTER_NOT_FOUND,	/* 404: router a */
	NF_GW_IN_USE,		/* 409: router a's gateway on b carries floating IPs */
	NF_NOT_EXTERNAL,	/* 400: network a is not external (router) */
	NF_NOT_EXTERNAL_FIP,	/* 400: network a is not external (floating IP) */
	NF_ROUTER_IN_USE,	/* 409: router a still has legs */
	NF_LEG_EXISTS,		/* 400: the router has a leg on subnet a */
	NF_LEG_OVERLAP,		/* 400: cidr a of subnet b overlaps cidr c of subnet d */
	NF_SUBNET_NO_GATEWAY,	/* 400: a leg's subnet needs a gateway */
	NF_PORT_IN_USE,		/* 409: port a on network b has device c */
	NF_ROUTER_PORT_ONE_IP,	/* 400: a leg's port has exactly one address */
	NF_NO_LEG_PORT,		/* 404: router a has no leg port b */
	NF_NO_LEG_SUBNET,	/* 404: router a has no leg on subnet b */
	NF_LEG_HAS_FIPS,	/* 409: the leg on subnet a of router b carries floating IPs */
	NF_FIP_NOT_FOUND,	/* 404: floating IP a */
	NF_FIP_NO_FIXED_IP,	/* 400: port a has no fixed IP b */
	NF_FIP_NO_V4,		/* 400: port a has no IPv4 address */
	NF_FIP_MANY_V4,		/* 400: port a has several: one must be named */
	NF_FIP_PORT_OWNER,	/* 400: port a has owner b */
	NF_FIP_UNREACHABLE,	/* 404: network a not reachable from subnet b for port c */
	NF_FIP_FIXED_TAKEN,	/* 409: floating IP a (b) holds port c's fixed IP d on e */
	NF_SEG_VXLAN_PHYSNET,	/* 400: a physical network for vxlan */
	NF_SEG_VNI_RANGE,	/* 400: VNI a out of range */
	NF_SEG_VNI_TAKEN,	/* 409: VNI a in use */
	NF_SEG_NONE_LEFT,	/* 503: no segment left */
	NF_SEG_FLAT_NO_PHYSNET, /* 400 */
	NF_SEG_FLAT_ID,		/* 400: a segmentation id for flat */
	NF_SEG_FLAT_UNKNOWN,	/* 400: physical network a unknown (flat) */
	NF_SEG_FLAT_TAKEN,	/* 409: physical network a in use (flat) */
	NF_SEG_VLAN_NO_PHYSNET, /* 400 */
	NF_SEG_VLAN_UNKNOWN,	/* 400: physical network a unknown (vlan) */
	NF_SEG_VLAN_RANGE,	/* 400: VLAN a out of range on b */
	NF_SEG_VLAN_TAKEN,	/* 409: VLAN a on b in use */
	NF_SEG_TYPE,		/* 400: network type a unsupported */
	NF_SEGMENT_IN_USE,	/* 409: segment key a in use */
	NF_PROJECT_MISMATCH,	/* 400: tenant_id and project_id differ */
	NF_NET_PORT_SECURITY,	/* 400: port security off asked of a network */
	NF_SEGID_INVALID,	/* 400: provider:segmentation_id, reason a */
	NF_MTU_INVALID,		/* 400: the MTU is no integer of at least 68 */
	NF_MTU_TOO_BIG,		/* 400: the MTU is above the largest, a */
	NF_NETWORK_IN_USE,	/* 409: network a still has ports in use */
	NF_UNSUPPORTED,		/* 400: attribute a is not supported */
	NF_SUBNET_IN_USE,	/* 409: subnet a has addresses of ports */
	NF_SN_POOLS_MANY,	/* 400: too many allocation pools */
	NF_SN_POOL_SHAPE,	/* 400: a pool is not {start, end} */
	NF_SN_POOL_REVERSED,	/* 400: pool a-b starts after its end */
	NF_SN_POOL_OUTSIDE,	/* 400: pool a-b beyond cidr c */
	NF_SN_GW_IN_POOL,	/* 400: gateway a inside pool b-c */
	NF_SN_POOLS_OVERLAP,	/* 400: pools a-b and c-d overlap in subnet e */
	NF_SN_DNS_MANY,		/* 400: more DNS servers than a */
	NF_SN_DNS_BAD,		/* 400: a is no nameserver */
	NF_SN_DNS_DUP,		/* 400: nameserver a twice */
	NF_SN_ROUTES_MANY,	/* 400: more host routes than a */
	NF_SN_ROUTE_SHAPE,	/* 400: a route is not {destination, nexthop} */
	NF_SN_ROUTE_DUP,	/* 400: host route to a twice */
	NF_SN_POOLS_UNSUPPORTED, /* 400: subnet pools, service types */
	NF_SN_IPV6,		/* 400: IPv6 asked */
	NF_SN_IP_VERSION,	/* 400: ip_version not 4 */
	NF_SN_CIDR_LOOSE,	/* 400: cidr a has host bits; b is meant */
	NF_SN_CIDR_BAD,		/* 400: a is no cidr */
	NF_SN_PREFIX,		/* 400: cidr a's prefix not within 1..30 */
	NF_SN_GW_BAD,		/* 400: gateway a is no host of cidr b */
	NF_SN_OVERLAP,		/* 400: cidr a overlaps another subnet of network b */
	NF_SN_ADDR_OUTSIDE,	/* 409: subnet a's address b in use outside the new pools */
	NF_PROJECTS_DISAGREE,	/* 400: project_id and tenant_id differ (L3, groups) */
	NF_OTHER_PROJECT,	/* 403: a create for another project */
	NF_SG_DEFAULT_EXISTS,	/* 409: the name "default" asked */
	NF_SG_NEEDS_PROJECT,	/* 400 */
	NF_SG_DEFAULT_UPDATE,	/* 409: renaming a default group */
	NF_SG_DEFAULT_DELETE,	/* 409: deleting a default group */
	NF_SG_IN_USE,		/* 409: group a still on ports */
	NF_SGR_NOT_FOUND,	/* 404: rule a */
	NF_SGR_EXISTS,		/* 409: the same rule exists: a */
	NF_SGR_PROTO_INVALID,	/* 400: protocol neither name nor number */
	NF_SGR_PROTO_UNSUPPORTED, /* 400: protocol a unknown */
	NF_SGR_PORT_VALUE,	/* 400: port a */
	NF_SGR_PORT,		/* 400: a port neither integer nor text */
	NF_SGR_NEEDS_PROTOCOL,	/* 400: a port range without protocol */
	NF_SGR_PORT_ORDER,	/* 400: min above max */
	NF_SGR_ICMP_TYPE,	/* 400: ICMP type a above 255 */
	NF_SGR_ICMP_CODE,	/* 400: ICMP code a above 255 */
	NF_SGR_ICMP_NO_TYPE,	/* 400: ICMP code a without type */
	NF_SGR_PROTO_NO_PORTS,	/* 400: protocol a takes no ports */
	NF_SGR_PREFIX_BAD,	/* 400: a is no prefix */
	NF_SGR_PREFIX_ETHERTYPE, /* 400: ethertype a against prefix b */
	NF_SGR_DIRECTION,	/* 400: direction a */
	NF_SGR_ETHERTYPE,	/* 400: ethertype a */
	NF_SGR_PROTO_ETHERTYPE, /* 400: IPv6 protocol a with IPv4 */
	NF_SGR_ADDRESS_GROUPS,	/* 400 */
	NF_SGR_REMOTE_BOTH,	/* 400: remote prefix and group */
	NF_ROUTES_INPUT,	/* 400: routes malformed, reason a */
	NF_ROUTES_EXHAUSTED,	/* 400: router a asks more routes than b */
	NF_ROUTES_INVALID,	/* 400: routes a (as Python shows them), reason b */
	NF_ROUTE_NEEDS_LEG,	/* 409: a route's nexthop is in subnet a of router b */
};

struct net_fault {
	enum net_fault_kind kind;
	char a[256], b[256], c[256], d[256], e[256];
};

/* Set f (when not NULL) and return r. */
int net_fault(struct net_fault *f, int r, enum net_fault_kind kind, const char *a, const char *b);
/* The same for the kinds that name more than two things (NULL: ""). */
int net_fault_more(struct net_fault *f, int r, enum net_fault_kind kind, const char *a,
		   const char *b, const char *c, const char *d, const char *e);
/* The handler's reply to a domain call that returned r < 0 with f: the
 * status and Neutron's message; what names the resource for store errors.
 * Returns -1. */
int network_fault_reply(struct http_response *res, int r, const struct net_fault *f,
			const char *what);
/* For a caller in another service (compute making ports): Neutron's
 * message of f into buf[n] and its status, or 0 (buf "") when f names
 * none. */
int network_fault_text(const struct net_fault *f, char *buf, size_t n);

/* ---- port_store.c: the port table, and only it ---- */

/* A port as the store keeps it. */
struct port_row {
	char id[UUID_LEN + 1], network_id[65], project_id[65];
	char device_owner[256], device_id[256], host[256], mac[18], status[16];
	bool admin_state_up, port_security;
};

/* Read port id into p: 0, -ENOENT, or -errno. */
int port_store_get(struct store *st, const char *id, struct port_row *p);
/* Insert p (its id, network, project, MAC, owner, device, host, flags)
 * with name and description, status DOWN. 0, -EEXIST (the MAC is taken
 * on the network), or -errno. */
int port_store_insert(struct store *st, const struct port_row *p, const char *name,
		      const char *description);
/* What port_store_update changes: NULL members keep the stored value. */
struct port_change {
	const char *name, *description, *device_id, *device_owner, *host;
	const bool *admin_state_up, *port_security;
};
/* Apply ch to port id, bumping its revision. 0, -ENOENT, or -errno. */
int port_store_update(struct store *st, const char *id, const struct port_change *ch);
/* Set the status the agent of host reported for port id (bound to that
 * host); 1 when it changed, 0 when not (or no such port), or -errno. */
int port_store_set_status(struct store *st, const char *host, const char *id, const char *status);
/* Bind port id to host (scheduling); 0 or -errno. */
int port_store_set_host(struct store *st, const char *id, const char *host);
/* Bind the gateway and legs of router_id to host; 0 or -errno. */
int port_store_set_router_host(struct store *st, const char *router_id, const char *host);
/* Bump the port's revision (its addresses changed); 0 or -errno. */
int port_store_touch(struct store *st, const char *id);
/* Delete the row of port id (its addresses and bindings are the caller's
 * business: see port_delete). 0 or -errno. */
int port_store_delete(struct store *st, const char *id);
/* The port as the API shows it to c, binding:* by policy (c NULL: the
 * service, everything); new reference, NULL when missing or on error. */
json_t *port_store_render(const struct caller *c, struct store *st, const char *id);
/* The ids of network_id's ports, only those with device_owner when not
 * NULL, sorted (a new array, NULL on error with *err set). */
json_t *port_store_ids_on_network(struct store *st, const char *network_id,
				  const char *device_owner, int *err);
/* The ids of the ports with device_id and device_owner, sorted (a new
 * array, NULL on error with *err set). */
json_t *port_store_ids_of_device(struct store *st, const char *device_id,
				 const char *device_owner, int *err);
/* The ports the network node plugs into router_id: those with its id as
 * device_id, owner network:router_interface, and the router's project
 * (add_router_interface makes them so; a port another project made
 * naming the router is never a leg). Sorted ids (a new array, NULL on
 * error with *err set). */
json_t *port_store_router_leg_ids(struct store *st, const char *router_id, int *err);
/* How many ports network_id has that are not its DHCP port: 0 or -errno. */
int port_store_count_used(struct store *st, const char *network_id, int64_t *n);
/* How many ports other than DHCP ports hold an address of subnet_id. */
int port_store_count_on_subnet(struct store *st, const char *subnet_id, int64_t *n);
/* The legs of router_id: [{port_id, subnet_id, cidr}] in the order they
 * were added (a new array, NULL on error with *err set). */
json_t *port_store_router_legs(struct store *st, const char *router_id, int *err);
/* The addresses of router_id's ports (legs and gateway):
 * [{port_id, subnet_id, cidr, ip_address}] (a new array, NULL on error
 * with *err set). */
json_t *port_store_router_addresses(struct store *st, const char *router_id, int *err);
/* The first router (by age) with its gateway on gw_network_id and a leg
 * on subnet_id into router_id: 0, -ENOENT, or -errno. */
int port_store_router_on_subnet(struct store *st, const char *gw_network_id,
				const char *subnet_id, char router_id[65]);
/* The device_id of the port holding ip on network_id into device_id:
 * 0, -ENOENT (nobody holds it), or -errno. */
int port_store_device_holding(struct store *st, const char *network_id, const char *ip,
			      char device_id[256]);
/* Every port, as rows "port id, its project, its network's project" in
 * the API's order: what network_lister reads for GET /ports. */
extern const char port_store_list_sql[];
/* DHCP ports not on host: rows "id, roles of its host, last_seen" (one
 * text argument: the host), as schedule.c's orphans reads them. */
extern const char port_store_dhcp_orphans_sql[];

/* ---- ports.c: ports as the API, Nova and routers make them ---- */

/* What a new port should be. NULL strings take Neutron's defaults. */
struct port_spec {
	const char *network_id; /* required */
	const char *project_id; /* required: the owner ("" for the service's own) */
	const char *name, *description;
	const char *device_owner, *device_id;
	const char *host;     /* binding:host_id (asked by the caller: admin only) */
	const char *mac;      /* NULL: a fresh fa:16:3e:xx:xx:xx unique in the network */
	/* [{"subnet_id": …, "ip_address": …}, …] as the API takes them; NULL:
	 * one address from the network's first IPv4 subnet with room. An
	 * empty array: no address. */
	const json_t *fixed_ips;
	/* Array of group ids; NULL: the project's "default" group (made when
	 * missing). Ignored for ports without port security. */
	const json_t *security_groups;
	int port_security_enabled; /* -1: not asked (true) */
	bool admin_state_down;
	/* Asked by the caller, checked by policy only (Basalt refuses a
	 * non-empty value later as unsupported). */
	bool binding_profile, allowed_address_pairs;
};

/* Create the port c asks for, in the caller's write transaction, after
 * Neutron's checks: the network must be visible to c (own, shared,
 * external, or any for admins) and usable (own or shared); network:*
 * owners, port_security_enabled, mac_address, fixed IPs with an address,
 * binding:* only as the policy says (admins or the network's owner); a
 * router interface owner with the device_id of another project's router
 * is refused (-EEXIST, NF_DEVICE_NOT_OWNED). Fills id[UUID_LEN + 1].
 * 0 or -errno with f filled. */
int port_create(struct basalt *b, const struct caller *c, struct store *st,
		const struct port_spec *spec, char id[UUID_LEN + 1], struct net_fault *f);
/* Make a port of Neutron's own (router gateways and legs, floating IP
 * and DHCP ports): no policy, the caller has checked what it needed. The
 * rest as port_create. */
int port_make(struct basalt *b, struct store *st, const struct port_spec *spec,
	      char id[UUID_LEN + 1], struct net_fault *f);
/* Delete a port, its addresses and group bindings, and disassociate the
 * floating IPs pointing at it, in the caller's write transaction. 0 when
 * gone (also when it never existed) or -errno. */
int port_delete(struct store *st, const char *port_id);
/* Set device_id, device_owner and binding:host_id of a port (Nova binding
 * its ports on the chosen host, a router taking a leg). 0, -ENOENT, or
 * -errno. */
int port_bind(struct store *st, const char *port_id, const char *device_id,
	      const char *device_owner, const char *host);
/* The fixed_ips of a port as the API shows them: [{"subnet_id","ip_address"}]
 * (new reference, NULL on error). */
json_t *port_fixed_ips(struct store *st, const char *port_id);
/* The ids of the port's security groups, sorted (new reference, NULL on
 * error). */
json_t *port_group_ids(struct store *st, const char *port_id);
/* A fresh MAC fa:16:3e:xx:xx:xx into out[18]. */
void mac_new(char out[18]);
/* Hand out addresses to port_id as fixed_ips asks (see struct port_spec;
 * NULL: one from the first subnet with room). 0 or -errno with f. */
int port_fixed_ips_add(struct store *st, const char *network_id, const char *port_id,
		       const json_t *fixed_ips, struct net_fault *f);
/* Replace the port's addresses by want: kept entries stay, the rest go
 * back, new ones are handed out. 0 or -errno with f. */
int port_fixed_ips_replace(struct store *st, const struct port_row *p, const json_t *want,
			   struct net_fault *f);
/* Replace the port's groups by groups (ids, each of project_id, or any
 * for an admin c); NULL: the project's default group. 0 or -errno. */
int port_groups_set(const struct caller *c, struct store *st, const char *port_id,
		    const char *project_id, const json_t *groups, struct net_fault *f);
/* What a port create or update asks for that Neutron's attribute rules
 * govern ("create_port:mac_address", ...). */
struct port_attrs {
	const char *device_owner; /* checked when network:* */
	bool port_security, mac, host, profile, address_pairs;
	const json_t *fixed_ips; /* checked when given; with an address, more */
};
/* Check a against the rules VERB:ATTR ("create_port", "update_port") for
 * target t (the port's project, its network's owner, shared), and a
 * router interface's device_id against its router's project. 0, -EPERM
 * (NF_POLICY), -EEXIST (NF_DEVICE_NOT_OWNED) or -errno. */
int port_attr_check(const struct caller *c, struct store *st, const char *verb,
		    const struct port_attrs *a, const char *device_owner, const char *device_id,
		    const struct target *t, struct net_fault *f);
/* Port id as c may see it (get_port: its project, its network's owner,
 * admins) into p, with its policy target t (backed by *net_project,
 * strdup'ed, the caller frees). 0, -ENOENT (missing or invisible), or
 * -errno. */
int port_get(const struct caller *c, struct store *st, const char *id, struct port_row *p,
	     struct target *t, char **net_project);
/* What PUT /ports/{id} asks. */
struct port_update {
	struct port_change ch;
	struct port_attrs attrs;
	const json_t *fixed_ips;       /* NULL: keep */
	const json_t *security_groups; /* NULL: keep */
};
/* Update port id as c asks (update_port and its attribute rules, a router
 * interface's device_id, groups only with port security). 0 or -errno
 * with f: -ENOENT, -EPERM, -EEXIST, -EBUSY (NF_SG_ASSOCIATED), ... */
int port_update(const struct caller *c, struct store *st, const char *id,
		const struct port_update *u, struct net_fault *f);
/* Delete port id as c asks (delete_port: its project or its network's
 * owner); ports of routers and floating IPs go with them (-EBUSY,
 * NF_PORT_L3_OWNED). 0 or -errno with f. */
int port_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *f);
/* The policy target of port p: its project and its network's. 0 or
 * -errno; *net_project (strdup'ed, the caller frees) backs t. */
int port_target(struct store *st, const struct port_row *p, struct target *t, char **net_project);

/* ---- network_store.c: the network table, and only it ---- */

struct segment;

/* What the API and its callers read of a network. */
struct network_row {
	char id[65], project_id[65], network_type[16];
	bool shared, external;
};
/* A new network's values (network_store_insert). */
struct network_new {
	const char *id, *name, *project_id, *description;
	bool admin_state_up, shared, external;
	const struct segment *seg;
	int64_t mtu;
};
/* What network_store_update changes: NULL members keep the stored value. */
struct network_change {
	const char *name, *description;
	const bool *admin_state_up, *shared, *external;
	const int64_t *mtu;
};

/* Read network id into n (and with out, its rendering for c, provider:*
 * by policy; a new reference): 0, -ENOENT, or -errno. No policy. */
int network_store_get(const struct caller *c, struct store *st, const char *id,
		      struct network_row *n, json_t **out);
/* 0, -EEXIST (the segment is taken), or -errno. */
int network_store_insert(struct store *st, const struct network_new *n);
/* 0, -ENOENT, or -errno. */
int network_store_update(struct store *st, const char *id, const struct network_change *ch);
int network_store_delete(struct store *st, const char *id);
/* 1 when a network has segment key, 0 when none, or -errno. */
int network_store_segment_taken(struct store *st, const char *key);
/* A row of network_store_list_sql as the API shows it to c, and its
 * policy target (its project; shared when shared or external). */
json_t *network_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q);
void network_store_target(struct store_stmt *q, struct target *t);
/* Every network in the API's order. */
extern const char network_store_list_sql[];

/* ---- networks.c ---- */

/* Read network_id as c may see it (get_network: own, shared, external,
 * or any for admins; c NULL: the service, any): 0 with *project (its
 * owner, strdup'ed, the caller frees) and *shared filled (shared only,
 * not external), -ENOENT when missing or invisible, or -errno. */
int network_lookup(const struct caller *c, struct store *st, const char *network_id,
		   char **project, bool *shared);
/* Make network nn (its id and segment left to this call) in the caller's
 * write transaction: the project's quota, a segment picked for seg (see
 * segment_pick), the row; fills id. 0, or -EDQUOT (NF_QUOTA), -EEXIST
 * (NF_SEGMENT_IN_USE, NF_SEG_*_TAKEN), -EINVAL, -ENOSPC (NF_SEG_*), -errno. */
int network_make(struct basalt *b, struct store *st, const struct network_new *nn,
		 struct segment *seg, char id[UUID_LEN + 1], struct net_fault *f);
/* network_id as c may see it (get_network; c NULL: the service) into n:
 * 0, -ENOENT (missing or invisible), or -errno. */
int network_get_row(const struct caller *c, struct store *st, const char *network_id,
		    struct network_row *n);
/* Network id as c may see it (get_network), rendered (a new reference);
 * NULL when missing, invisible or on error. */
json_t *network_render(const struct caller *c, struct store *st, const char *id);

/* The admin-only attributes a create or update may name (Neutron's
 * ACTION_network:ATTR rules). */
enum network_attr { NA_SHARED, NA_EXTERNAL, NA_TYPE, NA_PHYSNET, NA_SEGID, NA_COUNT };
extern const char *const network_attr_names[NA_COUNT]; /* their keys */
/* A network create as the request asks it. */
struct network_spec {
	const char *name, *description;
	const char *tenant_id, *project_id; /* both NULL: the caller's project */
	bool admin_state_up, shared, external;
	bool port_security_off;	       /* port_security_enabled false asked */
	const char *network_type, *physnet; /* NULL: vxlan, none */
	const json_t *segmentation_id, *mtu; /* NULL or null: picked, the largest */
	bool named[NA_COUNT];
};
/* A network update: ch's members (its mtu is set from mtu here). */
struct network_update {
	struct network_change ch;
	const json_t *mtu; /* NULL: kept; null: the largest */
	bool port_security_off;
	bool named[NA_COUNT];
};
/* Create, update, delete (with its DHCP port and subnets) a network in
 * the caller's write transaction, as c may (create_network, the
 * ACTION_network:ATTR rules, update_network, delete_network against the
 * network's project). 0, or -EPERM (NF_POLICY), -ENOENT
 * (NF_NETWORK_NOT_FOUND), -EINVAL (NF_PROJECT_MISMATCH,
 * NF_NET_PORT_SECURITY, NF_SEGID_INVALID, NF_MTU_*), -EBUSY
 * (NF_NETWORK_IN_USE), network_make's, or -errno. */
int network_create(struct basalt *b, const struct caller *c, struct store *st,
		   const struct network_spec *s, char id[UUID_LEN + 1], struct net_fault *f);
int network_update(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		   const struct network_update *u, struct net_fault *f);
int network_remove(const struct caller *c, struct store *st, const char *id,
		   struct net_fault *f);

/* ---- subnet_store.c: the subnet table, and only it ---- */

struct subnet_input;

/* A subnet as the store keeps it, with its network's owner and shared
 * flag (its policy target). */
struct subnet_row {
	char id[65], network_id[65], project_id[65], cidr[65], gateway_ip[65];
	char network_project_id[65];
	bool shared, enable_dhcp;
};

/* Read subnet id into sn (and with out, its rendering for c, a new
 * reference): 0, -ENOENT, or -errno. No policy. */
int subnet_store_get(const struct caller *c, struct store *st, const char *id,
		     struct subnet_row *sn, json_t **out);
/* The CIDR (into cidr) and allocation pools (JSON text, strdup'ed into
 * *pools, the caller frees) of subnet id on network_id: 0, -ENOENT, or
 * -errno. */
int subnet_store_pools(struct store *st, const char *id, const char *network_id, char cidr[65],
		       char **pools);
/* The ids of network_id's IPv4 subnets (only DHCP-enabled ones when
 * dhcp_only), oldest first: a new array, NULL with *err on error. */
json_t *subnet_store_ids(struct store *st, const char *network_id, bool dhcp_only, int *err);
/* [{id, cidr}] of every subnet of network_id, oldest first. */
json_t *subnet_store_cidrs(struct store *st, const char *network_id, int *err);
/* Insert in as subnet id / store in as subnet id's new values. */
int subnet_store_insert(struct store *st, const struct subnet_input *in, const char *id);
int subnet_store_update(struct store *st, const struct subnet_input *in, const char *id);
int subnet_store_delete(struct store *st, const char *id);
int subnet_store_delete_on_network(struct store *st, const char *network_id);
/* A row of subnet_store_list_sql as the API shows it (new reference),
 * and its policy target. */
json_t *subnet_store_render_row(const struct caller *c, struct store *st, struct store_stmt *q);
void subnet_store_target(struct store_stmt *q, struct target *t);
/* Every subnet in the API's order, with its network's owner. */
extern const char subnet_store_list_sql[];

/* ---- subnets.c ---- */

/* Make the DHCP port of network_id match its DHCP-enabled subnets: one
 * port (device_owner network:dhcp, device_id dhcp-NETWORK) with one
 * address in each, none when there is no such subnet. Caller's write
 * transaction; 0 or -errno with f. */
int network_dhcp_sync(struct basalt *b, struct store *st, const char *network_id,
		      struct net_fault *f);
/* Subnet id as c may see it (get_subnet: its project, its network's
 * owner, or on a shared network), rendered: a new reference, or NULL. */
json_t *subnet_render(const struct caller *c, struct store *st, const char *id);
/* Create (from body, the request's subnet object; fills id), update and
 * delete a subnet in the caller's write transaction, as c may
 * (create_subnet against the project named and the network's owner,
 * update_subnet, delete_subnet against the subnet's project), keeping the
 * network's DHCP port in step. 0, or -errno with f: subnet_input_parse's
 * and subnet_input_check's, -ENOENT (NF_SUBNET_NOT_FOUND), -EDQUOT
 * (NF_QUOTA), -EBUSY (NF_SUBNET_IN_USE), network_dhcp_sync's. */
int subnet_create(struct basalt *b, const struct caller *c, struct store *st, const json_t *body,
		  char id[UUID_LEN + 1], struct net_fault *f);
int subnet_update(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		  const json_t *body, struct net_fault *f);
int subnet_remove(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		  struct net_fault *f);

/* ---- secgroups.c ---- */

/* The id of project_id's "default" security group, made (with Neutron's
 * four default rules: egress any IPv4/IPv6, ingress from the same group
 * IPv4/IPv6) when missing, in the caller's write transaction. */
int secgroup_default(struct store *st, const char *project_id, char id[UUID_LEN + 1]);

/* ---- desired_l2.c, desired_l3.c: the agents' desired state ---- */

/* Add the networking members to doc, the desired state of host (whose
 * roles are a comma list as registered): "networks", "ports",
 * "security_groups" (every host), "dhcp", "routers" (network hosts).
 * Returns 0 or -errno. */
int network_desired_l2(struct basalt *b, struct store *st, const char *host, json_t *doc);
int network_desired_l3(struct basalt *b, struct store *st, const char *host, const char *roles,
		       json_t *doc);
/* report.c: apply the networking members of an agent's report ("ports",
 * "routers", "floatingips" status) in the caller's write transaction. */
int network_report(struct store *st, const char *host, const json_t *report);

/* ---- schedule.c: which network node carries a router or a DHCP port ---- */

/* An alive host with the network role for a new router or DHCP port (the
 * one carrying the fewest routers) into host[256]; "" when there is none.
 * Returns 0 or -errno. */
int network_host_pick(struct basalt *b, struct store *st, char host[256]);
/* A network node registered: give it the routers (and their ports) and
 * DHCP ports that have no alive host (caller's write transaction). */
int network_schedule(struct basalt *b, struct store *st, const char *host);

/* The l3-agent scheduler (admin): place router_id (its gateway and legs
 * with it) on host, or take it off (host NULL: no network node builds it
 * until one is given, as Neutron leaves it). 0 or -errno. */
int network_router_place(struct store *st, const char *router_id, const char *host);

/* ---- agents.c: Neutron's agents, one set per registered host ---- */

/* An agent as agents.c finds it by id. */
struct net_agent {
	char host[256];
	bool l3, enabled, alive;
	json_t *json; /* as the API shows it: the caller owns it */
};
/* Agent id into a: 0, -ENOENT, or -errno. */
int network_agent_get(const struct basalt *b, struct store *st, const char *id,
		      struct net_agent *a);
/* The L3 agent of host as the API shows it (new reference; NULL with
 * *err -ENOENT when host has none, or -errno). */
json_t *network_l3_agent_render(const struct basalt *b, struct store *st, const char *host,
				int *err);
/* The id of host's agent of binary into out. */
void network_agent_id(const char *host, const char *binary, char out[UUID_LEN + 1]);

/* ---- quotas.c ---- */

/* 0 when project_id may have `adding` more of resource ("network",
 * "subnet", "port", "router", "floatingip", "security_group",
 * "security_group_rule"), -EDQUOT when not (NF_QUOTA), or -errno. */
int network_quota_allows(struct basalt *b, struct store *st, const char *project_id,
			 const char *resource, int adding);
/* network_quota_allows for one more, with its fault (NF_QUOTA). */
int network_quota_check(struct basalt *b, struct store *st, const char *project_id,
			const char *resource, struct net_fault *f);
/* For handlers: network_quota_allows for one more, its refusal (409
 * OverQuota) or error in res. 0 or -1. */
int network_quota_reply(struct basalt *b, struct store *st, const char *project_id,
			const char *resource, struct http_response *res);

/* ---- list.c: the one way every collection is listed ---- */

/* Reply 200 {"COLLECTION": [...]} from rows, the caller's rendering of
 * every row the caller may see (stolen, even on error). Applies, as
 * Neutron does, the query's filters on any attribute (repeated keys: any
 * of them; booleans True/true/False/false; for ports fixed_ips=ip_address=X
 * and fixed_ips=subnet_id=X; tenant_id and project_id alike), sort_key /
 * sort_dir, limit / marker / page_reverse with "COLLECTION_links", and
 * fields= (repeated). A key that is not a filterable attribute of the
 * collection, or one the caller is not shown (provider:* for a project
 * member), is a 400 as Neutron's filter-validation answers it. Returns 0
 * or -1 with a 400 in res. */
int network_list_reply(struct http_request *req, struct http_response *res,
		       const char *collection, json_t *rows);
/* Reply status {"KEY": obj} keeping only the fields= asked (obj stolen). */
int network_show_reply(struct http_request *req, struct http_response *res, int status,
		       const char *key, json_t *obj);
/* One row of a query made into what the caller collects: append it to out
 * (or skip it) and return 0, or -errno to stop. ctx is the caller's. */
typedef int network_row_fn(struct store_stmt *q, json_t *out, void *ctx);
/* Run sql (arguments as store_query) and hand every row to row: a new
 * array of what it appended, or NULL with *err (when err is not NULL) set
 * to -errno. The statement is done when it returns. */
json_t *network_rows(struct store *st, network_row_fn *row, void *ctx, int *err, const char *sql,
		     const char *fmt, ...);
json_t *network_vrows(struct store *st, network_row_fn *row, void *ctx, int *err, const char *sql,
		      const char *fmt, va_list ap);
/* The first column of every row of sql as a new array of strings (ids),
 * or NULL with *err (when err is not NULL) set. */
json_t *network_ids(struct store *st, int *err, const char *sql, const char *fmt, ...);
/* The integer in the first column of sql's first row (a count) into *n,
 * 0 when there is no row. Returns 0 or -errno. */
int network_count(struct store *st, int64_t *n, const char *sql, const char *fmt, ...);
/* How a collection is read for network_list_sql. */
struct network_lister {
	const char *collection; /* "networks": the reply's key */
	const char *what;       /* "network": named in a store error */
	const char *action;     /* "get_network": the rule every row must pass */
	/* Fill the policy target of a row (its project, network owner...). */
	void (*target)(struct store_stmt *q, struct target *t);
	/* The row as the API shows it to c (new reference; NULL: error). */
	json_t *(*render)(const struct caller *c, struct store *st, struct store_stmt *q);
};
/* network_lister targets of rows whose project is column 1 (2). */
void network_target_col1(struct store_stmt *q, struct target *t);
void network_target_col2(struct store_stmt *q, struct target *t);
/* The rows of sql that l->action lets c see, rendered by l, in the
 * caller's transaction: a new array, or NULL with *err set. */
json_t *network_list_rows(const struct caller *c, struct store *st,
			  const struct network_lister *l, int *err, const char *sql, const char *fmt,
			  ...);
/* Reply to a list request with network_list_rows of sql, read in one read
 * transaction; store errors in res. */
int network_list_sql(struct http_request *req, struct http_response *res,
		     const struct network_lister *l, const char *sql, const char *fmt, ...);
/* An update's name or description: NULL when absent, "" for a JSON null
 * (as Neutron's). */
const char *network_text_or_empty(const json_t *o, const char *key);
/* A DELETE of the id in path parameter param: rm in a write transaction,
 * then 204, or Neutron's refusal of f (what names the resource). */
typedef int network_remove_fn(const struct caller *c, struct store *st, const char *id,
			      struct net_fault *f);
int network_delete_reply(struct http_request *req, struct http_response *res, const char *param,
			 const char *what, network_remove_fn *rm);
/* End the caller's write transaction (api_write_end: commit when r >= 0,
 * else roll back with the error in res, naming what), then reply status
 * {"KEY": obj} as network_show_reply. obj is stolen, even on error. */
int network_write_reply(struct http_request *req, struct http_response *res, struct store *st,
			int r, const char *what, int status, const char *key, json_t *obj);
/* Neutron's time: "2026-01-02T03:04:05Z" (new reference). */
json_t *network_time(int64_t usec);
/* The project c acts for (its token's project scope), "" when none. */
const char *network_caller_project(const struct caller *c);

#endif
