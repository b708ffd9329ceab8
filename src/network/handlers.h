/* handlers.h - the Neutron API handlers of network_routes (routes.c),
 * grouped by the file that defines them. Private to src/network. */
#ifndef BASALT_NETWORK_HANDLERS_H
#define BASALT_NETWORK_HANDLERS_H

#include <jansson.h>
#include <stddef.h>

#include "core/util.h"

struct caller;
struct http_request;
struct http_response;
struct jfield;
struct store;

/* bulk.c */
/* What a POST to a collection makes: create checks item (its fields
 * unchecked yet) and creates it in the caller's write transaction st,
 * filling id, or fills res and returns -1; render shows it. */
struct network_creator {
	const char *member, *collection; /* "network", "networks" */
	int (*create)(struct http_request *req, struct http_response *res, struct store *st,
		      json_t *item, char id[UUID_LEN + 1]);
	json_t *(*render)(const struct caller *c, struct store *st, const char *id);
};
/* POST to k's collection: {"member": {...}} creates one (201 {"member":
 * ...}); {"collection": [{...}, ...]} creates them all in one write
 * transaction or none (201 {"collection": [...]}, in the order asked; the
 * first refused item's error otherwise). */
int network_create_reply(struct http_request *req, struct http_response *res,
			 const struct network_creator *k);
/* item's fields checked against fields: 0, or -1 with a 400 in res. */
int network_item_check(struct http_response *res, const json_t *item,
		       const struct jfield *fields, size_t nfields);

/* version.c */
int h_net_versions(struct http_request *req, struct http_response *res);
int h_net_version(struct http_request *req, struct http_response *res);

/* extensions.c */
int h_net_extension_list(struct http_request *req, struct http_response *res);
int h_net_extension_get(struct http_request *req, struct http_response *res);

/* network_api.c */
int h_network_list(struct http_request *req, struct http_response *res);
int h_network_get(struct http_request *req, struct http_response *res);
int h_network_create(struct http_request *req, struct http_response *res);
int h_network_update(struct http_request *req, struct http_response *res);
int h_network_delete(struct http_request *req, struct http_response *res);

/* subnet_api.c */
int h_subnet_list(struct http_request *req, struct http_response *res);
int h_subnet_get(struct http_request *req, struct http_response *res);
int h_subnet_create(struct http_request *req, struct http_response *res);
int h_subnet_update(struct http_request *req, struct http_response *res);
int h_subnet_delete(struct http_request *req, struct http_response *res);

/* ports.c */
int h_port_list(struct http_request *req, struct http_response *res);
int h_port_get(struct http_request *req, struct http_response *res);
int h_port_create(struct http_request *req, struct http_response *res);
int h_port_update(struct http_request *req, struct http_response *res);
int h_port_delete(struct http_request *req, struct http_response *res);

/* quotas.c */
int h_net_quota_list(struct http_request *req, struct http_response *res);
int h_net_quota_get(struct http_request *req, struct http_response *res);
int h_net_quota_details(struct http_request *req, struct http_response *res);
int h_net_quota_default(struct http_request *req, struct http_response *res);
int h_net_quota_update(struct http_request *req, struct http_response *res);
int h_net_quota_delete(struct http_request *req, struct http_response *res);

/* agents.c */
int h_net_agent_list(struct http_request *req, struct http_response *res);
int h_net_agent_get(struct http_request *req, struct http_response *res);

#endif
