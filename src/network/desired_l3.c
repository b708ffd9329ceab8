/* desired_l3.c - the network node's part of the desired state: the DHCP
 * servers ("dhcp") and routers ("routers") placed on a host
 * (docs/agent-protocol.md, "Networking in the desired state"). Only IPv4:
 * the data plane serves DHCPv4 and NATs IPv4.
 *
 * The queries here read port, subnet, router and floating IP rows in the
 * joins the agent's document needs (read-only): moving each into its
 * owning module would copy every join for one reader. Which ports are a
 * router's legs is port_store.c's to say. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "network/network.h"
#include "store/store.h"

/* The prefix length of "a.b.c.d/len", or -1. */
static int prefixlen(const char *cidr)
{
	const char *slash = cidr ? strrchr(cidr, '/') : NULL;
	char *end;
	long n;

	if (!slash)
		return -1;
	n = strtol(slash + 1, &end, 10);
	return *end || n < 0 || n > 32 ? -1 : (int)n;
}

static bool is_ipv4(const char *ip)
{
	return ip && !strchr(ip, ':');
}

/* A JSON array stored as text (new reference; [] when unreadable). */
static json_t *json_column(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	if (json_is_array(v))
		return v;
	json_decref(v);
	return json_array();
}

/* A DNS label for a guest: the server's name lowercased, other
 * characters turned into '-', at most 63; "host-A-B-C-D" when nothing
 * usable is left or the port is not a server's (as Neutron's DHCP agent). */
static void dhcp_hostname(const char *name, const char *ip, char out[64])
{
	size_t n = 0;

	for (const char *p = name; p && *p && n < 63; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c))
			out[n++] = (char)tolower(c);
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n > 0)
		return;
	snprintf(out, 64, "host-%s", ip);
	for (char *p = out; *p; p++)
		if (*p == '.')
			*p = '-';
}

/* out, or on error (r < 0) NULL with *err = r and out released. */
static json_t *out_or_error(json_t *out, int r, int *err)
{
	if (r >= 0)
		return out;
	*err = r;
	json_decref(out);
	return NULL;
}

/* What fixed_ip_row fills: with detail also prefixlen and cidr, and
 * (when gateway_ip) the first subnet's gateway. */
struct fixed_ips_ctx {
	bool detail;
	json_t **gateway_ip;
};

static int fixed_ip_row(struct store_stmt *q, json_t *out, void *ctx)
{
	const struct fixed_ips_ctx *c = ctx;
	const char *ip = store_text(q, 1), *cidr = store_text(q, 2);
	json_t *e;

	if (!is_ipv4(ip) || prefixlen(cidr) < 0)
		return 0;
	e = json_pack("{s:s,s:s}", "subnet_id", store_text(q, 0), "ip_address", ip);
	if (c->detail) {
		json_object_set_new(e, "prefixlen", json_integer(prefixlen(cidr)));
		json_object_set_new(e, "cidr", json_string(cidr));
	}
	if (c->gateway_ip && !*c->gateway_ip && store_text(q, 3))
		*c->gateway_ip = json_string(store_text(q, 3));
	json_array_append_new(out, e);
	return 0;
}

/* The IPv4 fixed IPs of port_id: [{subnet_id, ip_address}], and with
 * detail also prefixlen, cidr and (into *gateway_ip, first one) the
 * subnet's gateway. New reference or NULL. */
static json_t *fixed_ips(struct store *st, const char *port_id, bool detail, json_t **gateway_ip,
			 int *err)
{
	struct fixed_ips_ctx c = { detail, gateway_ip };

	return network_rows(st, fixed_ip_row, &c, err,
			    "SELECT a.subnet_id, a.ip_address, s.cidr, s.gateway_ip FROM ip_allocation a"
			    " JOIN subnet s ON s.id = a.subnet_id WHERE a.port_id = ?"
			    " ORDER BY a.subnet_id, a.ip_address",
			    "s", port_id);
}

static int dhcp_subnet_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_array_append_new(out, json_pack("{s:s,s:s,s:s?,s:o,s:o,s:b}", "id", store_text(q, 0),
					     "cidr", store_text(q, 1), "gateway_ip", store_text(q, 2),
					     "dns_nameservers", json_column(store_text(q, 3)),
					     "host_routes", json_column(store_text(q, 4)),
					     "isolated", store_int(q, 5) != 0));
	return 0;
}

/* Every DHCP-enabled IPv4 subnet of network_id (new reference or NULL),
 * each "isolated" when no router leg holds its gateway address (Neutron's
 * DHCP agent's test): then no router serves it metadata, and the network
 * node's DHCP namespace does. A leg is a real one, as router_interfaces
 * takes them: a network:router_interface port of its router's project,
 * so a port that merely claims the owner cannot turn the service off. */
static json_t *dhcp_subnets(struct store *st, const char *network_id, int *err)
{
	return network_rows(st, dhcp_subnet_row, NULL, err,
			    "SELECT s.id, s.cidr, s.gateway_ip, s.dns_nameservers, s.host_routes,"
			    " CASE WHEN EXISTS (SELECT 1 FROM ip_allocation a"
			    "  JOIN port p ON p.id = a.port_id"
			    "  JOIN router r ON r.id = p.device_id AND r.project_id = p.project_id"
			    "  WHERE a.subnet_id = s.id AND a.ip_address = s.gateway_ip"
			    "  AND p.device_owner = 'network:router_interface') THEN 0 ELSE 1 END"
			    " FROM subnet s"
			    " WHERE s.network_id = ? AND s.enable_dhcp = 1 AND s.ip_version = 4"
			    " ORDER BY s.id",
			    "s", network_id);
}

static int dhcp_host_row(struct store_stmt *q, json_t *out, void *ctx)
{
	char name[64];

	if (!is_ipv4(store_text(q, 1)))
		return 0;
	dhcp_hostname(store_text(q, 2), store_text(q, 1), name);
	json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "mac_address", store_text(q, 0),
					     "ip_address", store_text(q, 1), "hostname", name));
	return 0;
}

/* Every port of network_id with an IPv4 address: MAC, address, name. */
static json_t *dhcp_hosts(struct store *st, const char *network_id, int *err)
{
	return network_rows(st, dhcp_host_row, NULL, err,
			    "SELECT p.mac_address, a.ip_address, s.name FROM port p"
			    " JOIN ip_allocation a ON a.port_id = p.id"
			    " LEFT JOIN server s ON s.id = p.device_id AND p.device_owner LIKE 'compute:%'"
			    " WHERE p.network_id = ? ORDER BY a.ip_address, p.id",
			    "s", network_id);
}

static int dhcp_port_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:I}", "id", store_text(q, 0),
					     "network_id", store_text(q, 1), "mac_address",
					     store_text(q, 2), "mtu", store_int(q, 3)));
	return 0;
}

/* One "dhcp" entry per network whose DHCP port is bound to host. */
static json_t *desired_dhcp(struct store *st, const char *host, int *err)
{
	/* Details are read after the statement is done: one open at a time. */
	_cleanup_json_ json_t *rows = network_rows(
		st, dhcp_port_row, NULL, err,
		"SELECT p.id, p.network_id, p.mac_address, n.mtu FROM port p"
		" JOIN network n ON n.id = p.network_id"
		" WHERE p.device_owner = 'network:dhcp' AND p.host = ? ORDER BY p.network_id",
		"s", host);
	json_t *out, *row;
	size_t i;
	int r = 0;

	if (!rows)
		return NULL;
	out = json_array();
	json_array_foreach(rows, i, row) {
		const char *net = json_str(row, "network_id");
		json_t *ips, *subnets, *hosts;
		if (r < 0)
			break;
		ips = fixed_ips(st, json_str(row, "id"), false, NULL, &r);
		subnets = ips ? dhcp_subnets(st, net, &r) : NULL;
		hosts = subnets ? dhcp_hosts(st, net, &r) : NULL;
		if (!hosts) {
			json_decref(ips);
			json_decref(subnets);
			break;
		}
		json_array_append_new(
			out, json_pack("{s:s,s:O,s:{s:s,s:s,s:o},s:o,s:o}", "network_id", net, "mtu",
				       json_object_get(row, "mtu"), "port", "id", json_str(row, "id"),
				       "mac_address", json_str(row, "mac_address"), "fixed_ips", ips,
				       "subnets", subnets, "hosts", hosts));
	}
	return out_or_error(out, r, err);
}

/* A router port (gateway or interface) as the agent wants it. */
static json_t *router_port(struct store *st, const char *port_id, bool gateway, int *err)
{
	json_t *gw_ip = NULL, *ips, *p;
	struct store_stmt *q;
	int r;

	r = store_query(st, &q, "SELECT network_id, mac_address FROM port WHERE id = ?", "s",
			port_id);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	r = store_next(q);
	p = r > 0 ? json_pack("{s:s,s:s,s:s}", "port_id", port_id, "network_id", store_text(q, 0),
			      "mac_address", store_text(q, 1))
		  : NULL;
	store_done(q);
	if (!p) {
		*err = r < 0 ? r : -ENOENT;
		return NULL;
	}
	ips = fixed_ips(st, port_id, true, gateway ? &gw_ip : NULL, err);
	if (!ips) {
		json_decref(p);
		return NULL;
	}
	if (gateway) {
		/* The gateway needs only addresses; its subnet details are the
		 * external network's business. */
		json_t *e;
		size_t i;
		json_array_foreach(ips, i, e) {
			json_object_del(e, "cidr");
			json_object_del(e, "subnet_id");
		}
		json_object_set_new(p, "gateway_ip", gw_ip ? gw_ip : json_null());
	}
	json_object_set_new(p, "fixed_ips", ips);
	return p;
}

static int floating_ip_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "id", store_text(q, 0),
					     "floating_ip_address", store_text(q, 1),
					     "fixed_ip_address", store_text(q, 2)));
	return 0;
}

static json_t *router_floating_ips(struct store *st, const char *router_id, int *err)
{
	return network_rows(st, floating_ip_row, NULL, err,
			    "SELECT id, floating_ip_address, fixed_ip_address FROM floatingip"
			    " WHERE router_id = ? AND port_id IS NOT NULL AND fixed_ip_address IS NOT NULL"
			    " ORDER BY id",
			    "s", router_id);
}

/* The router's interfaces: the legs add_router_interface made (its
 * project's network:router_interface ports naming it; defense in depth
 * against a port that merely names the router). */
static json_t *router_interfaces(struct store *st, const char *router_id, int *err)
{
	_cleanup_json_ json_t *ids = port_store_router_leg_ids(st, router_id, err);
	json_t *out, *id;
	size_t i;
	int r = 0;

	if (!ids)
		return NULL;
	out = json_array();
	json_array_foreach(ids, i, id) {
		json_t *p;
		if (r < 0)
			break;
		p = router_port(st, json_string_value(id), false, &r);
		if (p)
			json_array_append_new(out, p);
	}
	return out_or_error(out, r, err);
}

/* The router's extra routes the data plane can carry: IPv4 ones. */
static json_t *router_routes(const char *text)
{
	json_t *all = json_column(text), *out = json_array(), *v;
	size_t i;

	json_array_foreach(all, i, v)
		if (is_ipv4(json_str(v, "destination")) && is_ipv4(json_str(v, "nexthop")))
			json_array_append(out, v);
	json_decref(all);
	return out;
}

static int router_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_array_append_new(out, json_pack("{s:s,s:b,s:b,s:s?,s:o}", "id", store_text(q, 0),
					     "admin_state_up", store_bool(q, 1), "enable_snat",
					     store_bool(q, 2), "gw_port_id", store_text(q, 3),
					     "routes", router_routes(store_text(q, 4))));
	return 0;
}

static json_t *desired_routers(struct store *st, const char *host, int *err)
{
	_cleanup_json_ json_t *rows = network_rows(
		st, router_row, NULL, err,
		"SELECT id, admin_state_up, enable_snat, gw_port_id, routes FROM router WHERE host = ?"
		" ORDER BY id",
		"s", host);
	json_t *out, *row;
	size_t i;
	int r = 0;

	if (!rows)
		return NULL;
	out = json_array();
	json_array_foreach(rows, i, row) {
		const char *id = json_str(row, "id"), *gw = json_str(row, "gw_port_id");
		json_t *gateway = NULL, *ifaces = NULL, *fips = NULL;
		if (r < 0)
			break;
		/* A gateway port gone under us reads as no gateway. */
		if (gw && !(gateway = router_port(st, gw, true, &r))) {
			if (r != -ENOENT)
				break;
			r = 0;
		}
		ifaces = router_interfaces(st, id, &r);
		fips = ifaces ? router_floating_ips(st, id, &r) : NULL;
		if (!fips) {
			json_decref(gateway);
			json_decref(ifaces);
			break;
		}
		json_array_append_new(
			out, json_pack("{s:s,s:O,s:O,s:o,s:o,s:o,s:O}", "id", id, "admin_state_up",
				       json_object_get(row, "admin_state_up"), "enable_snat",
				       json_object_get(row, "enable_snat"), "gateway",
				       gateway ? gateway : json_null(), "interfaces", ifaces,
				       "floating_ips", fips, "routes", json_object_get(row, "routes")));
	}
	return out_or_error(out, r, err);
}

int network_desired_l3(struct basalt *b, struct store *st, const char *host, const char *roles,
		       json_t *doc)
{
	json_t *dhcp, *routers;
	int r = 0;

	if (!roles || !strstr(roles, "network"))
		return 0;
	dhcp = desired_dhcp(st, host, &r);
	if (!dhcp)
		return r;
	routers = desired_routers(st, host, &r);
	if (!routers) {
		json_decref(dhcp);
		return r;
	}
	json_object_set_new(doc, "dhcp", dhcp);
	json_object_set_new(doc, "routers", routers);
	return 0;
}
