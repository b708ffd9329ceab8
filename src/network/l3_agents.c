/* l3_agents.c - Neutron's l3-agent scheduler API (extension
 * l3_agent_scheduler, admin only): which network node's L3 agent carries
 * a router, and moving it. A router is on one node (no HA): the agent
 * that carries it must let it go (DELETE) before another takes it
 * (POST). The network nodes follow through the desired state: the old one
 * removes the qrouter- namespace, the new one builds it with its legs,
 * floating IPs and SNAT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

#define L3_BINARY "neutron-l3-agent"

/* Agent id into a, or 404 in res (-1). */
static int agent_or_404(struct http_request *req, struct http_response *res, struct store *st,
			const char *id, struct net_agent *a)
{
	int r = network_agent_get(req->b, st, id, a);

	if (r == -ENOENT)
		return http_error(res, 404, "Agent %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "agent");
	return 0;
}

/* Router id into rt, or 404 in res (-1). */
static int router_or_404(struct http_response *res, struct store *st, const char *id,
			 struct l3_router *rt)
{
	int r = router_store_get(st, id, rt);

	if (r == -ENOENT)
		return http_error(res, 404, "Router %s could not be found", id);
	if (r < 0)
		return http_error_errno(res, r, "router");
	return 0;
}

static json_t *render_router_row(const struct caller *c, struct store *st, struct store_stmt *q)
{
	return router_store_render_row(c, st, q);
}

/* The routers on host (new array, NULL on error with *err). */
static json_t *routers_on(const struct caller *c, struct store *st, const char *host, int *err)
{
	struct store_stmt *q;
	json_t *out;
	int r = store_query(st, &q, router_store_on_host_sql, "s", host);

	if (r < 0) {
		*err = r;
		return NULL;
	}
	out = json_array();
	while ((r = store_next(q)) > 0) {
		json_t *o = render_router_row(c, st, q);
		if (!o) {
			r = -EIO;
			break;
		}
		json_array_append_new(out, o);
	}
	store_done(q);
	if (r < 0) {
		*err = r;
		json_decref(out);
		return NULL;
	}
	return out;
}

int h_l3_agent_router_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct net_agent a = { 0 };
	json_t *list = NULL;
	int r = 0;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	if (agent_or_404(req, res, st, http_param(req, "agent_id"), &a) < 0) {
		store_rollback(st);
		return -1;
	}
	json_decref(a.json);
	list = a.l3 ? routers_on(&req->caller, st, a.host, &r) : json_array();
	store_rollback(st);
	if (!list)
		return http_error_errno(res, r, "router");
	return network_list_reply(req, res, "routers", list);
}

/* Place the router the body names on agent id: 0 done, 1 when it is
 * there already (nothing to do), -1 with res filled. */
static int router_add(struct http_request *req, struct http_response *res, struct store *st,
		      const char *agent, const char *router_id)
{
	struct net_agent a = { 0 };
	struct l3_router rt;
	char have[UUID_LEN + 1];

	if (agent_or_404(req, res, st, agent, &a) < 0)
		return -1;
	json_decref(a.json);
	if (!a.l3 || !a.enabled)
		return http_error(res, 404, "Agent %s is not a L3 Agent or has been disabled", agent);
	if (router_or_404(res, st, router_id, &rt) < 0)
		return -1;
	if (!rt.host[0])
		return network_router_place(st, rt.id, a.host);
	network_agent_id(rt.host, L3_BINARY, have);
	if (strcmp(rt.host, a.host) == 0)
		return 1; /* already there: nothing to schedule */
	return http_error(res, 409, "The router %s has been already hosted by the L3 Agent %s.",
			  rt.id, have);
}

int h_l3_agent_router_add(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = { { "router_id", J_STRING, true, 64 } };
	_cleanup_json_ json_t *body = http_body_json(req, res);
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (!json_is_object(body) || network_item_check(res, body, fields, ARRAY_SIZE(fields)) < 0)
		return json_is_object(body) ? -1
					    : http_error(res, 400, "Invalid input: the body must be {\"router_id\": ...}.");
	if (!(st = api_write_begin(req, res)))
		return -1;
	r = router_add(req, res, st, http_param(req, "agent_id"), json_str(body, "router_id"));
	if (r == 1)
		store_rollback(st);
	else if (api_write_end(res, st, r, "router") < 0)
		return -1;
	/* Neutron answers the add with JSON null. */
	return http_reply_raw(res, 201, strdup("null"));
}

/* Take router_id off agent: it must be the one carrying it. */
static int router_remove_from(struct http_request *req, struct http_response *res,
			      struct store *st, const char *agent, const char *router_id)
{
	struct net_agent a = { 0 };
	struct l3_router rt;

	if (agent_or_404(req, res, st, agent, &a) < 0)
		return -1;
	json_decref(a.json);
	if (router_or_404(res, st, router_id, &rt) < 0)
		return -1;
	if (!a.l3 || strcmp(rt.host, a.host) != 0)
		return http_error(res, 409, "The router %s is not hosted by L3 agent %s.", rt.id,
				  agent);
	return network_router_place(st, rt.id, NULL);
}

int h_l3_agent_router_remove(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = router_remove_from(req, res, st, http_param(req, "agent_id"),
			       http_param(req, "router_id"));
	if (api_write_end(res, st, r, "router") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_router_l3_agent_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct l3_router rt;
	json_t *list = NULL, *a = NULL;
	int r = 0;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	if (router_or_404(res, st, http_param(req, "id"), &rt) < 0) {
		store_rollback(st);
		return -1;
	}
	list = json_array();
	if (rt.host[0] && !(a = network_l3_agent_render(req->b, st, rt.host, &r)) && r != -ENOENT) {
		json_decref(list);
		list = NULL;
	} else if (a) {
		json_array_append_new(list, a);
	}
	store_rollback(st);
	if (!list)
		return http_error_errno(res, r, "agent");
	return network_list_reply(req, res, "agents", list);
}
