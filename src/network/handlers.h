/* handlers.h - the Neutron API handlers of network_routes (routes.c),
 * grouped by the file that defines them. Private to src/network. */
#ifndef BASALT_NETWORK_HANDLERS_H
#define BASALT_NETWORK_HANDLERS_H

struct http_request;
struct http_response;

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
