/* agents.c - GET /network/v2.0/agents: Neutron's agents, derived from the
 * registered hosts (one basaltd per host plays every agent of its roles).
 * Ids are stable: an md5 of host and binary shaped as a uuid. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/md5.h"
#include "core/util.h"
#include "http/http.h"
#include "network/handlers.h"
#include "network/network.h"
#include "store/store.h"

static const struct {
	const char *role, *type, *binary, *topic;
	bool zoned; /* has availability_zone "nova" (DHCP, L3) */
} agent_kinds[] = {
	{ "network", "DHCP agent", "neutron-dhcp-agent", "dhcp_agent", true },
	{ "network", "L3 agent", "neutron-l3-agent", "l3_agent", true },
	{ "network", "Metadata agent", "neutron-metadata-agent", "N/A", false },
	{ "compute,network", "Linux bridge agent", "neutron-linuxbridge-agent", "N/A", false },
};

/* Does the comma list roles hold one of the comma list want? */
static bool has_role(const char *roles, const char *want)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", want);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(w);
		for (const char *p = roles; (p = strstr(p, w)); p += n)
			if ((p == roles || p[-1] == ',') && (p[n] == ',' || !p[n]))
				return true;
	}
	return false;
}

void network_agent_id(const char *host, const char *binary, char out[UUID_LEN + 1])
{
	char key[600], hex[33];

	snprintf(key, sizeof(key), "%s/%s", host, binary);
	md5_hex(key, strlen(key), hex);
	snprintf(out, UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
		 hex + 20);
}

#define HOST_COLS "name, roles, enabled, last_seen, created_at"

/* The agent of kind k on the host of row q (HOST_COLS), as the API shows
 * it (new reference). */
static json_t *agent_render(const struct basalt *b, struct store_stmt *q, size_t k)
{
	const char *host = store_text(q, 0);
	char id[UUID_LEN + 1];

	network_agent_id(host, agent_kinds[k].binary, id);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:o,s:o,s:o,s:o,s:{},s:s,s:n}", "id", id,
			 "agent_type", agent_kinds[k].type, "binary", agent_kinds[k].binary, "topic",
			 agent_kinds[k].topic, "host", host, "admin_state_up", store_bool(q, 2),
			 "alive", host_alive(b, store_int(q, 3)), "heartbeat_timestamp",
			 network_time(store_int(q, 3)), "created_at", network_time(store_int(q, 4)),
			 "started_at", network_time(store_int(q, 4)), "availability_zone",
			 agent_kinds[k].zoned ? json_string("nova") : json_null(), "configurations",
			 "description", "", "resources_synced");
}

/* Every agent of every host into a new array. */
static json_t *agents_all(struct http_request *req, struct store *st)
{
	struct store_stmt *q;
	json_t *list;

	if (store_query(st, &q, "SELECT " HOST_COLS " FROM host ORDER BY name", "") < 0)
		return NULL;
	list = json_array();
	while (store_next(q) > 0)
		for (size_t i = 0; i < ARRAY_SIZE(agent_kinds); i++)
			if (has_role(store_text(q, 1), agent_kinds[i].role))
				json_array_append_new(list, agent_render(req->b, q, i));
	store_done(q);
	return list;
}

static bool is_l3(size_t k)
{
	return strcmp(agent_kinds[k].binary, "neutron-l3-agent") == 0;
}

int network_agent_get(const struct basalt *b, struct store *st, const char *id,
		      struct net_agent *a)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT " HOST_COLS " FROM host ORDER BY name", "");

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		for (size_t i = 0; i < ARRAY_SIZE(agent_kinds); i++) {
			char aid[UUID_LEN + 1];
			if (!has_role(store_text(q, 1), agent_kinds[i].role))
				continue;
			network_agent_id(store_text(q, 0), agent_kinds[i].binary, aid);
			if (strcmp(aid, id) != 0)
				continue;
			snprintf(a->host, sizeof(a->host), "%s", store_text(q, 0));
			a->l3 = is_l3(i);
			a->enabled = store_bool(q, 2);
			a->alive = host_alive(b, store_int(q, 3));
			a->json = agent_render(b, q, i);
			store_done(q);
			return a->json ? 0 : -ENOMEM;
		}
	}
	store_done(q);
	return r < 0 ? r : -ENOENT;
}

json_t *network_l3_agent_render(const struct basalt *b, struct store *st, const char *host,
				int *err)
{
	struct store_stmt *q;
	json_t *o = NULL;
	int r = store_query(st, &q, "SELECT " HOST_COLS " FROM host WHERE name = ?", "s", host);

	if (r < 0) {
		*err = r;
		return NULL;
	}
	if ((r = store_next(q)) > 0)
		for (size_t i = 0; i < ARRAY_SIZE(agent_kinds); i++)
			if (is_l3(i) && has_role(store_text(q, 1), agent_kinds[i].role))
				o = agent_render(b, q, i);
	store_done(q);
	*err = r < 0 ? r : o ? 0 : -ENOENT;
	return o;
}

static json_t *agents_read(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	json_t *list;

	if (!st || store_begin_read(st) < 0) {
		http_error_errno(res, -EIO, "store");
		return NULL;
	}
	list = agents_all(req, st);
	store_rollback(st);
	if (!list)
		http_error_errno(res, -EIO, "agent");
	return list;
}

int h_net_agent_list(struct http_request *req, struct http_response *res)
{
	json_t *list = policy_allows(&req->caller, "get_agent", NULL) ? agents_read(req, res)
								       : json_array();

	return list ? network_list_reply(req, res, "agents", list) : -1;
}

int h_net_agent_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "agent_id");
	struct store *st = basalt_store(req->b);
	struct net_agent a = { 0 };
	int r;

	if (!st || store_begin_read(st) < 0)
		return http_error_errno(res, -EIO, "store");
	r = network_agent_get(req->b, st, id, &a);
	store_rollback(st);
	if (r == -ENOENT)
		return http_error(res, 404, "Agent %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "agent");
	return network_show_reply(req, res, 200, "agent", a.json);
}
