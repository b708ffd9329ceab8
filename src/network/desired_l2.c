/* desired_l2.c - the L2 part of an agent's desired state: the networks
 * with a port bound to the host and their VXLAN peers, the host's VM
 * ports, and the security groups those ports use (docs/agent-protocol.md,
 * "Networking in the desired state"). Read-only; runs in the caller's
 * read transaction. Its queries read port, network and host rows in the
 * joins the agent's document needs: they stay here, read-only, rather
 * than be copied into each owning module (port_store.c writes ports). */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "network/network.h"
#include "store/store.h"

static int peer_port_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_t *p = json_pack("{s:s,s:s}", "mac_address", store_text(q, 0), "local_ip",
			      store_text(q, 1));

	return !p || json_array_append_new(out, p) < 0 ? -ENOMEM : 0;
}

/* The ports of network_id on every other host that has a local_ip not
 * ours (hosts without one, or sharing ours, carry no tunnel): MAC and
 * VTEP, sorted by VTEP. New reference; NULL on error. */
static json_t *network_peer_ports(struct store *st, const char *network_id, const char *host)
{
	return network_rows(st, peer_port_row, NULL, NULL,
			    "SELECT p.mac_address, h.local_ip FROM port p JOIN host h ON h.name = p.host"
			    " WHERE p.network_id = ?1 AND p.host <> ?2 AND h.local_ip IS NOT NULL"
			    " AND h.local_ip <> '' AND h.local_ip <> COALESCE((SELECT local_ip FROM host"
			    " WHERE name = ?2), '') ORDER BY h.local_ip, p.mac_address",
			    "ss", network_id, host);
}

/* The VTEPs of pports (sorted by VTEP), each once: the peers flooded to.
 * New reference; NULL on error. */
static json_t *peers_of(const json_t *pports)
{
	json_t *peers = json_array(), *p;
	const char *last = NULL;
	size_t i;

	json_array_foreach(pports, i, p)
	{
		const char *ip = json_str(p, "local_ip");
		if (last && strcmp(last, ip) == 0)
			continue;
		if (!peers || json_array_append_new(peers, json_string(ip)) < 0) {
			json_decref(peers);
			return NULL;
		}
		last = ip;
	}
	return peers;
}

/* Move rows (a new array from network_rows; NULL: its error err) to the
 * end of out: 0 or -errno. */
static int append_rows(json_t *out, json_t *rows, int err)
{
	int r;

	if (!rows)
		return err;
	r = json_array_extend(out, rows) < 0 ? -ENOMEM : 0;
	json_decref(rows);
	return r;
}

static int network_row(struct store_stmt *q, json_t *out, void *ctx)
{
	const char *seg = store_text(q, 2);
	json_t *n = json_pack("{s:s,s:s,s:o,s:s?,s:I}", "id", store_text(q, 0), "network_type",
			      store_text(q, 1), "segmentation_id",
			      seg ? json_integer(store_int(q, 2)) : json_null(), "physical_network",
			      store_text(q, 3), "mtu", (json_int_t)store_int(q, 4));

	return !n || json_array_append_new(out, n) < 0 ? -ENOMEM : 0;
}

static int add_networks(struct store *st, const char *host, json_t *out)
{
	size_t i;
	json_t *n, *rows;
	int r = 0;

	rows = network_rows(st, network_row, NULL, &r,
			    "SELECT DISTINCT n.id, n.network_type, n.segmentation_id,"
			    " n.physical_network, n.mtu FROM network n JOIN port p"
			    " ON p.network_id = n.id WHERE p.host = ? ORDER BY n.id",
			    "s", host);
	r = append_rows(out, rows, r);
	if (r < 0)
		return r;
	/* Peers only matter to the overlay; other types get none, so their
	 * documents do not move when unrelated hosts come and go. */
	json_array_foreach(out, i, n)
	{
		json_t *pports = strcmp(json_str(n, "network_type"), "vxlan") == 0
				     ? network_peer_ports(st, json_str(n, "id"), host)
				     : json_array();
		json_t *peers = pports ? peers_of(pports) : NULL;
		int a = peers ? json_object_set_new(n, "peers", peers) : -1;
		int b = pports ? json_object_set_new(n, "peer_ports", pports) : -1;
		if (a < 0 || b < 0)
			return -ENOMEM;
	}
	return 0;
}

static int port_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "id", store_text(q, 0), "network_id",
			      store_text(q, 1), "mac_address", store_text(q, 2), "device_id",
			      store_text(q, 3), "admin_state_up", store_bool(q, 4),
			      "port_security_enabled", store_bool(q, 5));

	return !p || json_array_append_new(out, p) < 0 ? -ENOMEM : 0;
}

static int add_ports(struct store *st, const char *host, json_t *out)
{
	size_t i;
	json_t *p, *rows;
	int r = 0;

	rows = network_rows(st, port_row, NULL, &r,
			    "SELECT id, network_id, mac_address, device_id, admin_state_up,"
			    " port_security_enabled FROM port WHERE host = ?"
			    " AND device_owner LIKE 'compute:%' ORDER BY id",
			    "s", host);
	r = append_rows(out, rows, r);
	if (r < 0)
		return r;
	json_array_foreach(out, i, p)
	{
		const char *id = json_str(p, "id");
		json_t *ips = port_fixed_ips(st, id);
		/* A port without port security has no groups in force. */
		json_t *groups = json_is_true(json_object_get(p, "port_security_enabled"))
				     ? port_group_ids(st, id)
				     : json_array();
		int a = ips ? json_object_set_new(p, "fixed_ips", ips) : -1;
		int b = groups ? json_object_set_new(p, "security_groups", groups) : -1;
		if (a < 0 || b < 0)
			return -ENOMEM;
	}
	return 0;
}

static int rule_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_t *rule = json_pack(
	    "{s:s,s:s,s:s,s:s?,s:o,s:o,s:s?,s:s?}", "id", store_text(q, 0), "direction",
	    store_text(q, 1), "ethertype", store_text(q, 2), "protocol", store_text(q, 3),
	    "port_range_min", store_text(q, 4) ? json_integer(store_int(q, 4)) : json_null(),
	    "port_range_max", store_text(q, 5) ? json_integer(store_int(q, 5)) : json_null(),
	    "remote_ip_prefix", store_text(q, 6), "remote_group_id", store_text(q, 7));

	return !rule || json_array_append_new(out, rule) < 0 ? -ENOMEM : 0;
}

static json_t *group_rules(struct store *st, const char *group_id)
{
	return network_rows(st, rule_row, NULL, NULL,
			    "SELECT id, direction, ethertype, protocol, port_range_min,"
			    " port_range_max, remote_ip_prefix, remote_group_id"
			    " FROM security_group_rule WHERE security_group_id = ? ORDER BY id",
			    "s", group_id);
}

/* The fixed IPs of every port in the group, on any host. */
static json_t *group_members(struct store *st, const char *group_id)
{
	return network_ids(st, NULL,
			   "SELECT DISTINCT a.ip_address FROM port_security_group g"
			   " JOIN ip_allocation a ON a.port_id = g.port_id"
			   " WHERE g.security_group_id = ? ORDER BY a.ip_address",
			   "s", group_id);
}

static bool id_listed(const json_t *ids, const char *id)
{
	size_t i;
	const json_t *v;

	json_array_foreach(ids, i, v)
	{
		if (json_string_value(v) && strcmp(json_string_value(v), id) == 0)
			return true;
	}
	return false;
}

/* Every group the ports use, plus the groups their rules name as
 * remote_group_id (whose member_ips the rules need). */
static int add_groups(struct store *st, const json_t *ports, json_t *out)
{
	_cleanup_json_ json_t *ids = json_array();
	const json_t *p, *g;
	size_t i, j;

	if (!ids)
		return -ENOMEM;
	json_array_foreach(ports, i, p)
	{
		json_array_foreach(json_object_get(p, "security_groups"), j, g)
		{
			if (!id_listed(ids, json_string_value(g)))
				json_array_append(ids, (json_t *)g);
		}
	}
	/* ids grows while walked: referenced groups are visited too. */
	for (i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		json_t *rules = group_rules(st, id), *members = group_members(st, id), *rule;
		if (!rules || !members) {
			json_decref(rules);
			json_decref(members);
			return -EIO;
		}
		json_array_foreach(rules, j, rule)
		{
			const char *remote = json_str(rule, "remote_group_id");
			if (remote && !id_listed(ids, remote))
				json_array_append_new(ids, json_string(remote));
		}
		if (json_array_append_new(out, json_pack("{s:s,s:o,s:o}", "id", id, "rules", rules,
							 "member_ips", members)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int network_desired_l2(struct basalt *b, struct store *st, const char *host, json_t *doc)
{
	json_t *networks = json_array(), *ports = json_array(), *groups = json_array();
	int r;

	if (json_object_set_new(doc, "networks", networks) < 0 ||
	    json_object_set_new(doc, "ports", ports) < 0 ||
	    json_object_set_new(doc, "security_groups", groups) < 0 || !networks || !ports ||
	    !groups)
		return -ENOMEM;
	r = add_networks(st, host, networks);
	if (r >= 0)
		r = add_ports(st, host, ports);
	if (r >= 0)
		r = add_groups(st, ports, groups);
	return r < 0 ? r : 0;
}
