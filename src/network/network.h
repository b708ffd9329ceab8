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

/* ---- ports.c ---- */

/* What a new port should be. NULL strings take Neutron's defaults. */
struct port_spec {
	const char *network_id; /* required */
	const char *project_id; /* required: the owner */
	const char *name, *description;
	const char *device_owner, *device_id;
	const char *host;     /* binding:host_id */
	const char *mac;      /* NULL: a fresh fa:16:3e:xx:xx:xx unique in the network */
	/* [{"subnet_id": …, "ip_address": …}, …] as the API takes them; NULL:
	 * one address from the network's first IPv4 subnet with room. An
	 * empty array: no address. */
	const json_t *fixed_ips;
	/* Array of group ids; NULL: the project's "default" group (made when
	 * missing). Ignored for ports without port security. */
	const json_t *security_groups;
	int port_security_enabled; /* -1: true */
	bool admin_state_down;
};

/* Validate and create a port, its addresses and group bindings in the
 * caller's write transaction. Fills id[UUID_LEN + 1]. Errors (network not
 * found 404, address in use 409, no more addresses 409, bad subnet/IP 400,
 * quota 409) go to res; returns 0 or -1. req names the caller (policy:
 * a project may only use its own or shared networks, admins any). */
int port_create(struct http_request *req, struct store *st, const struct port_spec *spec,
		char id[UUID_LEN + 1], struct http_response *res);
/* Delete a port, its addresses and group bindings, and disassociate the
 * floating IPs pointing at it, in the caller's write transaction. 0 when
 * gone (also when it never existed) or -errno. */
int port_delete(struct store *st, const char *port_id);
/* Set device_id, device_owner and binding:host_id of a port (Nova binding
 * its ports on the chosen host). 0, -ENOENT, or -errno. */
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
 * NULL: one from the first subnet with room). Errors in res; 0 or -1. */
int port_fixed_ips_add(struct store *st, const char *network_id, const char *port_id,
		       const json_t *fixed_ips, struct http_response *res);
/* Replace the port's groups by groups (ids, each the project's own, or
 * any for an admin caller); NULL: the project's default group. 0 or -1. */
int port_groups_set(struct http_request *req, struct store *st, const char *port_id,
		    const char *project_id, const json_t *groups, struct http_response *res);
/* The port as the API shows it, binding:* only to admins (req NULL: all);
 * new reference, NULL when missing. */
json_t *port_render(const struct http_request *req, struct store *st, const char *port_id);

/* ---- networks.c ---- */

/* Read network_id as the caller may see it (own, shared, external, or any
 * for admins): 0 with *project (its owner, strdup'ed, the caller frees)
 * and *shared filled, -ENOENT when missing or invisible, or -errno. */
int network_lookup(const struct http_request *req, struct store *st, const char *network_id,
		   char **project, bool *shared);

/* ---- subnets.c ---- */

/* Make the DHCP port of network_id match its DHCP-enabled subnets: one
 * port (device_owner network:dhcp, device_id dhcp-NETWORK) with one
 * address in each, none when there is no such subnet. Caller's write
 * transaction; errors in res, returns 0 or -1. */
int network_dhcp_sync(struct http_request *req, struct store *st, const char *network_id,
		      struct http_response *res);

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

/* ---- quotas.c ---- */

/* 0 when project_id may have `adding` more of resource ("network",
 * "subnet", "port", "router", "floatingip", "security_group",
 * "security_group_rule"); else 409 OverQuota in res and -1. */
int network_quota_check(struct basalt *b, struct store *st, const char *project_id,
			const char *resource, int adding, struct http_response *res);

/* ---- list.c: the one way every collection is listed ---- */

/* Reply 200 {"COLLECTION": [...]} from rows, the caller's rendering of
 * every row the caller may see (stolen, even on error). Applies, as
 * Neutron does, the query's filters on any attribute (repeated keys: any
 * of them; booleans True/true/False/false; for ports fixed_ips=ip_address=X
 * and fixed_ips=subnet_id=X; tenant_id and project_id alike), sort_key /
 * sort_dir, limit / marker / page_reverse with "COLLECTION_links", and
 * fields= (repeated). Unknown filter attributes match nothing, as
 * Neutron's would. Returns 0 or -1 with a 400 in res. */
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
	int owner_col;          /* the column of the row's project; -1: sql filters */
	/* The row as the API shows it (new reference; NULL: error). */
	json_t *(*render)(const struct http_request *req, struct store *st, struct store_stmt *q);
};
/* The rows of sql the caller may see, rendered by l, in the caller's
 * transaction: a new array, or NULL with *err set. */
json_t *network_list_rows(const struct http_request *req, struct store *st,
			  const struct network_lister *l, int *err, const char *sql, const char *fmt,
			  ...);
/* Reply to a list request with network_list_rows of sql, read in one read
 * transaction; store errors in res. */
int network_list_sql(struct http_request *req, struct http_response *res,
		     const struct network_lister *l, const char *sql, const char *fmt, ...);
/* 0 when the caller may change cur (a row as the API shows it; NULL:
 * missing or invisible): else 404 "KIND ID could not be found." or 403
 * "(rule:ACTION) is disallowed by policy" in res, and -1. */
int network_may_change(const struct http_request *req, struct http_response *res,
		       const json_t *cur, const char *kind, const char *id, const char *action);
/* End the caller's write transaction (api_write_end: commit when r >= 0,
 * else roll back with the error in res, naming what), then reply status
 * {"KEY": obj} as network_show_reply. obj is stolen, even on error. */
int network_write_reply(struct http_request *req, struct http_response *res, struct store *st,
			int r, const char *what, int status, const char *key, json_t *obj);
/* Neutron's time: "2026-01-02T03:04:05Z" (new reference). */
json_t *network_time(int64_t usec);
/* The project the caller acts for (its token's project). */
const char *network_caller_project(const struct http_request *req);
/* True when the caller may see a row of project_id: admins see all,
 * others their own project's. */
bool network_owns(const struct http_request *req, const char *project_id);

#endif
