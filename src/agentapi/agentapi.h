/* agentapi.h - the agents' API (/agent/v1, docs/agent-protocol.md):
 * register, heartbeat, desired state, report. Its handlers parse the
 * agents' documents and call the compute and network services' domain
 * functions; neither service knows of the agents' HTTP. */
#ifndef BASALT_AGENTAPI_H
#define BASALT_AGENTAPI_H

struct http_request;
struct http_response;
struct route_table;

/* agentapi.c */
extern const struct route_table agent_routes;
int h_agent_register(struct http_request *req, struct http_response *res);
int h_agent_heartbeat(struct http_request *req, struct http_response *res);
int h_agent_desired(struct http_request *req, struct http_response *res);
int h_agent_report(struct http_request *req, struct http_response *res);

#endif
