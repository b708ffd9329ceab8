/* ports.c - ports as other code makes them (the port API, Nova's server
 * create, routers, the DHCP port): validation, MAC and address hand-out,
 * security group bindings, and the port as the API shows it. Everything
 * here runs inside the caller's write transaction. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/util.h"
#include "http/http.h"
#include "network/network.h"
#include "store/store.h"

void mac_new(char out[18])
{
	unsigned char b[3];

	randombytes_buf(b, sizeof(b));
	snprintf(out, 18, MAC_PREFIX ":%02x:%02x:%02x", b[0], b[1], b[2]);
}

/* "xx:xx:xx:xx:xx:xx", unicast and not all zeros; lowercased into out. */
static bool mac_valid(const char *s, char out[18])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	if ((v[0] & 1) || !(v[0] | v[1] | v[2] | v[3] | v[4] | v[5]))
		return false;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", v[0] & 255, v[1] & 255, v[2] & 255,
		 v[3] & 255, v[4] & 255, v[5] & 255);
	return true;
}

static int fixed_ip_row(struct store_stmt *q, json_t *out, void *ctx)
{
	json_array_append_new(out, json_pack("{s:s,s:s}", "subnet_id", store_text(q, 0),
					     "ip_address", store_text(q, 1)));
	return 0;
}

json_t *port_fixed_ips(struct store *st, const char *port_id)
{
	return network_rows(st, fixed_ip_row, NULL, NULL,
			    "SELECT subnet_id, ip_address FROM ip_allocation WHERE port_id = ?"
			    " ORDER BY revision, subnet_id, ip_address",
			    "s", port_id);
}

json_t *port_group_ids(struct store *st, const char *port_id)
{
	return network_ids(st, NULL,
			   "SELECT security_group_id FROM port_security_group WHERE port_id = ?"
			   " ORDER BY security_group_id",
			   "s", port_id);
}

#define PORT_COLS                                                                                  \
	"id, network_id, project_id, name, description, mac_address, admin_state_up, status,"      \
	" device_owner, device_id, host, port_security_enabled, created_at, updated_at, revision"

json_t *port_render(const struct http_request *req, struct store *st, const char *port_id)
{
	struct store_stmt *q;
	json_t *p = NULL, *ips, *groups;
	int r = store_query(st, &q, "SELECT " PORT_COLS " FROM port WHERE id = ?", "s", port_id);

	if (r < 0)
		return NULL;
	if (store_next(q) <= 0) {
		store_done(q);
		return NULL;
	}
	ips = port_fixed_ips(st, port_id);
	groups = port_group_ids(st, port_id);
	if (!ips || !groups) {
		json_decref(ips);
		json_decref(groups);
		store_done(q);
		return NULL;
	}
	p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:o,s:o,s:[],s:[],s:b,s:s,"
		      "s:[],s:o,s:o,s:I}",
		      "id", store_text(q, 0), "network_id", store_text(q, 1), "project_id",
		      store_text(q, 2), "tenant_id", store_text(q, 2), "name", store_text(q, 3),
		      "description", store_text(q, 4), "mac_address", store_text(q, 5),
		      "admin_state_up", store_bool(q, 6), "status", store_text(q, 7),
		      "device_owner", store_text(q, 8), "device_id", store_text(q, 9), "fixed_ips",
		      ips, "security_groups", groups, "allowed_address_pairs", "extra_dhcp_opts",
		      "port_security_enabled", store_bool(q, 11), "dns_name", "", "tags",
		      "created_at", network_time(store_int(q, 12)), "updated_at",
		      network_time(store_int(q, 13)), "revision_number", (json_int_t)store_int(q, 14));
	/* binding:* is for admins (and services, which hold admin), as in Neutron. */
	if (p && (!req || http_is_admin(req))) {
		const char *host = store_text(q, 10);
		json_object_set_new(p, "binding:host_id", json_string(host));
		json_object_set_new(p, "binding:vif_type", json_string(host[0] ? "bridge" : "unbound"));
		json_object_set_new(p, "binding:vnic_type", json_string("normal"));
		json_object_set_new(p, "binding:profile", json_object());
		json_object_set_new(p, "binding:vif_details", json_object());
	}
	store_done(q);
	return p;
}

/* The id of the subnet of network_id whose CIDR holds ip into id. */
static int subnet_of_ip(struct store *st, const char *network_id, const char *ip, char id[65])
{
	struct store_stmt *q;
	uint32_t addr;
	int r;

	if (ip4_parse(ip, &addr) < 0)
		return -EINVAL;
	r = store_query(st, &q, "SELECT id, cidr FROM subnet WHERE network_id = ? ORDER BY created_at, id",
			"s", network_id);
	if (r < 0)
		return r;
	r = -ENOENT;
	while (store_next(q) > 0) {
		struct cidr4 c;
		if (cidr4_parse(store_text(q, 1), false, &c) == 0 && cidr4_contains(&c, addr)) {
			snprintf(id, 65, "%s", store_text(q, 0));
			r = 0;
			break;
		}
	}
	store_done(q);
	return r;
}

int port_fixed_ips_add(struct store *st, const char *network_id, const char *port_id,
		       const json_t *fixed_ips, struct http_response *res)
{
	char ip[16], sid[65];
	size_t i;
	json_t *f;
	int r;

	if (!fixed_ips) {
		/* One address from the first subnet with room. */
		json_t *ids = network_ids(st, &r, "SELECT id FROM subnet WHERE network_id = ?"
						  " AND ip_version = 4 ORDER BY created_at, id",
					  "s", network_id);
		if (!ids)
			return http_error_errno(res, r, "subnet");
		r = json_array_size(ids) ? -ENOSPC : 0;
		json_array_foreach(ids, i, f) {
			r = ipam_allocate(st, json_string_value(f), network_id, port_id, NULL, ip);
			if (r != -ENOSPC)
				break;
		}
		json_decref(ids);
		if (r == -ENOSPC)
			return http_error(res, 409, "No more IP addresses available on network %s.", network_id);
		return r < 0 ? http_error_errno(res, r, "IP allocation") : 0;
	}
	if (!json_is_array(fixed_ips))
		return http_error(res, 400, "Invalid input for fixed_ips. Reason: '%s' is not a list.", "fixed_ips");
	json_array_foreach(fixed_ips, i, f) {
		const char *subnet = json_string_value(json_object_get(f, "subnet_id"));
		const char *addr = json_string_value(json_object_get(f, "ip_address"));
		if (!json_is_object(f) || (!subnet && !addr) ||
		    (json_object_get(f, "subnet_id") && !subnet) ||
		    (json_object_get(f, "ip_address") && !addr))
			return http_error(res, 400, "Invalid input for fixed_ips. Reason: each entry needs subnet_id and/or ip_address as strings.");
		if (addr && ip4_parse(addr, &(uint32_t){ 0 }) < 0)
			return http_error(res, 400, "Invalid input for operation: '%s' is not a valid IP address.", addr);
		if (!subnet) {
			r = subnet_of_ip(st, network_id, addr, sid);
			if (r == -ENOENT)
				return http_error(res, 400, "Invalid input for operation: IP address %s is not a valid IP for any subnet on network %s.", addr, network_id);
			if (r < 0)
				return http_error_errno(res, r, "subnet");
			subnet = sid;
		}
		r = ipam_allocate(st, subnet, network_id, port_id, addr, ip);
		switch (r) {
		case 0:
			break;
		case -EEXIST:
			return http_error(res, 409, "IP address %s already allocated in subnet %s", addr, subnet);
		case -ENOSPC:
			return http_error(res, 409, "No more IP addresses available for subnet %s.", subnet);
		case -ERANGE:
			return http_error(res, 400, "Invalid input for operation: IP address %s is not a valid IP for the specified subnet.", addr);
		case -ENOENT:
			return http_error(res, 400, "Invalid input for operation: Failed to create port on network %s, because fixed_ips included invalid subnet %s.", network_id, subnet);
		default:
			return http_error_errno(res, r, "IP allocation");
		}
	}
	return 0;
}

int port_groups_set(struct http_request *req, struct store *st, const char *port_id,
		    const char *project_id, const json_t *groups, struct http_response *res)
{
	char def[UUID_LEN + 1];
	size_t i;
	json_t *g;
	int r = store_exec(st, "DELETE FROM port_security_group WHERE port_id = ?", "s", port_id);

	if (r < 0)
		return http_error_errno(res, r, "port");
	if (!groups) {
		if (!project_id[0])
			return 0;
		r = secgroup_default(st, project_id, def);
		if (r < 0)
			return http_error_errno(res, r, "security group");
		r = store_exec(st, "INSERT INTO port_security_group (port_id, security_group_id, revision)"
				   " VALUES (?, ?, ?)", "ssi", port_id, def, store_txn_revision(st));
		return r < 0 ? http_error_errno(res, r, "port") : 0;
	}
	if (!json_is_array(groups))
		return http_error(res, 400, "Invalid input for security_groups. Reason: not a list.");
	json_array_foreach(groups, i, g) {
		struct store_stmt *q;
		const char *id = json_string_value(g);
		bool ok = false;
		if (!id)
			return http_error(res, 400, "Invalid input for security_groups. Reason: ids are strings.");
		r = store_query(st, &q, "SELECT project_id FROM security_group WHERE id = ?", "s", id);
		if (r < 0)
			return http_error_errno(res, r, "security group");
		if (store_next(q) > 0)
			ok = http_is_admin(req) || strcmp(store_text(q, 0), project_id) == 0;
		store_done(q);
		if (!ok)
			return http_error(res, 404, "Security group %s does not exist", id);
		r = store_exec(st, "INSERT INTO port_security_group (port_id, security_group_id, revision)"
				   " VALUES (?, ?, ?)", "ssi", port_id, id, store_txn_revision(st));
		if (r == -EEXIST)
			continue; /* listed twice: one binding */
		if (r < 0)
			return http_error_errno(res, r, "port");
	}
	return 0;
}

static bool is_network_owner(const char *device_owner)
{
	return device_owner && strncmp(device_owner, "network:", 8) == 0;
}

int port_create(struct http_request *req, struct store *st, const struct port_spec *spec,
		char id[UUID_LEN + 1], struct http_response *res)
{
	char *net_project = NULL, mac[18];
	bool shared = false, security = spec->port_security_enabled != 0;
	int64_t now = now_usec();
	int r;

	r = network_lookup(req, st, spec->network_id, &net_project, &shared);
	if (r == -ENOENT)
		return http_error(res, 404, "Network %s could not be found.", spec->network_id);
	if (r < 0)
		return http_error_errno(res, r, "network");
	/* Others' networks take ports only when shared, or from Neutron
	 * itself (router gateways on an external network). */
	r = !http_is_admin(req) && !shared && strcmp(net_project, network_caller_project(req)) != 0 &&
	    !is_network_owner(spec->device_owner);
	free(net_project);
	if (r)
		return http_error(res, 403, "Tenant %s not allowed to create port on this network",
				  network_caller_project(req));
	if (!security && json_array_size(spec->security_groups))
		return http_error(res, 400, "Port security must be enabled and port must have an IP address in order to use security groups.");
	if (spec->project_id[0] &&
	    network_quota_check(req->b, st, spec->project_id, "port", 1, res) < 0)
		return -1;
	if (spec->mac && !mac_valid(spec->mac, mac))
		return http_error(res, 400, "Invalid input for mac_address. Reason: '%s' is not a valid MAC address.", spec->mac);
	uuid_new(id);
	for (int tries = 0;; tries++) {
		if (!spec->mac)
			mac_new(mac);
		r = store_exec(st,
			       "INSERT INTO port (id, network_id, project_id, name, description,"
			       " mac_address, admin_state_up, status, device_owner, device_id, host,"
			       " port_security_enabled, created_at, updated_at, revision)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, 'DOWN', ?, ?, ?, ?, ?, ?, ?)",
			       "ssssssbsssbiii", id, spec->network_id, spec->project_id,
			       spec->name ? spec->name : "", spec->description ? spec->description : "",
			       mac, !spec->admin_state_down, spec->device_owner ? spec->device_owner : "",
			       spec->device_id ? spec->device_id : "", spec->host ? spec->host : "",
			       security, now, now, store_txn_revision(st));
		/* A fresh MAC may collide in the network; a given one is in use. */
		if (r != -EEXIST || spec->mac || tries == 16)
			break;
	}
	if (r == -EEXIST)
		return http_error(res, 409, "Unable to complete operation for network %s. The mac address %s is in use.", spec->network_id, mac);
	if (r < 0)
		return http_error_errno(res, r, "port");
	if (port_fixed_ips_add(st, spec->network_id, id, spec->fixed_ips, res) < 0)
		return -1;
	if (security && !is_network_owner(spec->device_owner) &&
	    port_groups_set(req, st, id, spec->project_id, spec->security_groups, res) < 0)
		return -1;
	return 0;
}

int port_delete(struct store *st, const char *port_id)
{
	int r = store_exec(st,
			   "UPDATE floatingip SET port_id = NULL, fixed_ip_address = NULL,"
			   " router_id = NULL, revision = ? WHERE port_id = ?",
			   "is", store_txn_revision(st), port_id);

	if (r >= 0)
		r = store_exec(st, "DELETE FROM port_security_group WHERE port_id = ?", "s", port_id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM ip_allocation WHERE port_id = ?", "s", port_id);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM port WHERE id = ?", "s", port_id);
	return r < 0 ? r : 0;
}

int port_bind(struct store *st, const char *port_id, const char *device_id,
	      const char *device_owner, const char *host)
{
	int r = store_exec(st,
			   "UPDATE port SET device_id = COALESCE(?, device_id),"
			   " device_owner = COALESCE(?, device_owner), host = COALESCE(?, host),"
			   " updated_at = ?, revision = ? WHERE id = ?",
			   "sssiis", device_id, device_owner, host, now_usec(), store_txn_revision(st),
			   port_id);

	if (r < 0)
		return r;
	return r == 0 ? -ENOENT : 0;
}
