/* server_ports.c - Nova's side of Neutron: the NICs a server asks for
 * ("networks" and "security_groups" of POST /servers), the ports made or
 * bound for it in the create transaction, released in the transaction that
 * drops the server, and how its addresses and interfaces are shown
 * (addresses, /ips, /os-interface, the agents' "nics").
 *
 * server_port keeps each server's ports in the order the guest sees them
 * and whether Nova made them (deleted with the server) or the user passed
 * them (only unbound). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/json.h"
#include "core/util.h"
#include "http/http.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

#define NOVA_AZ_OWNER "compute:nova" /* device_owner: compute:<availability zone> */

struct nic_req {
	char net_id[UUID_LEN + 1];  /* "" when port_id names an existing port */
	char port_id[UUID_LEN + 1]; /* "" when Nova makes the port */
	char fixed_ip[INET_ADDRSTRLEN];
	char tag[256];
};

void nic_plan_free(struct nic_plan *p)
{
	free(p->nics);
	json_decref(p->sg_names);
	*p = (struct nic_plan){ 0 };
}

static int plan_add(struct nic_plan *p, struct nova_fault *f, const char *net,
		    const char *port, const char *ip, const char *tag)
{
	struct nic_req *n = realloc(p->nics, sizeof(*n) * (p->n + 1));

	if (!n)
		return -ENOMEM;
	p->nics = n;
	n += p->n++;
	*n = (struct nic_req){ 0 };
	snprintf(n->net_id, sizeof(n->net_id), "%s", net ? net : "");
	snprintf(n->port_id, sizeof(n->port_id), "%s", port ? port : "");
	snprintf(n->fixed_ip, sizeof(n->fixed_ip), "%s", ip ? ip : "");
	snprintf(n->tag, sizeof(n->tag), "%s", tag ? tag : "");
	return 0;
}

int nic_plan_single_use(const struct nic_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->nics[i].port_id[0])
			return 1;
	for (size_t i = 0; i < p->n; i++)
		if (p->nics[i].fixed_ip[0])
			return 2;
	return 0;
}

/* The networks a server lands on when it names none: the project's own
 * and the shared ones, as Nova's _get_available_networks (external ones
 * only when shared). Adds the only one to p; 0 with none, 409 with
 * several, 400 with none when auto was asked. */
static int plan_default(const struct caller *c, struct nova_fault *f, struct store *st,
			struct nic_plan *p, bool want_auto)
{
	struct store_stmt *q;
	char id[UUID_LEN + 1] = "";
	int n = 0, r;

	r = store_query(st, &q,
			"SELECT id FROM network WHERE shared = 1 OR (project_id = ? AND external = 0)"
			" ORDER BY created_at, id",
			"s", c->project_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		if (n++ == 0)
			snprintf(id, sizeof(id), "%s", store_text(q, 0));
	store_done(q);
	if (r < 0)
		return r;
	if (n > 1)
		return nova_fail(f, -EEXIST,
				  "More than one possible network found. Specify network ID(s) to "
				  "select which one(s) to connect to.");
	if (n == 0)
		return want_auto ? nova_fail(f, -EINVAL,
					      "Unable to automatically allocate a network for project %s",
					      c->project_id)
				 : 0;
	return plan_add(p, f, id, NULL, NULL, NULL);
}

/* Syntax of one item of a networks list, as Nova's schema. */
static int plan_item(struct nova_fault *f, struct nic_plan *p, const json_t *it)
{
	const char *k, *net, *port, *ip, *tag;
	const json_t *v;
	unsigned char a[16];

	if (!json_is_object(it))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute networks. Value: an item is not an object.");
	json_object_foreach((json_t *)it, k, v) {
		if (strcmp(k, "uuid") && strcmp(k, "port") && strcmp(k, "fixed_ip") && strcmp(k, "tag"))
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute networks. Additional properties are not allowed ('%s' was unexpected)", k);
		if (!json_is_string(v) && !(json_is_null(v) && strcmp(k, "port") == 0))
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute %s. Value: not a string.", k);
	}
	net = json_str(it, "uuid");
	port = json_str(it, "port");
	ip = json_str(it, "fixed_ip");
	tag = json_str(it, "tag");
	if (!net && !port)
		return nova_fail(f, -EINVAL, "Bad network format: missing 'uuid'");
	/* Longer than an id: it names nothing (and must not be cut to one). */
	if (port && strlen(port) != UUID_LEN)
		return nova_fail(f, -EINVAL, "Port id %s could not be found.", port);
	if (!port && strlen(net) != UUID_LEN)
		return nova_fail(f, -EINVAL, "Network %s could not be found.", net);
	if (ip && inet_pton(AF_INET, ip, a) != 1)
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute fixed_ip. Value: %s. '%s' is not a 'ipv4'", ip, ip);
	if (tag && strlen(tag) > 60)
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute tag. Value: %s. is too long", tag);
	if (port)
		return plan_add(p, f, NULL, port, NULL, tag);
	return plan_add(p, f, net, NULL, ip, tag);
}

/* The network must be visible and usable; a fixed IP must be free. */
static int check_network(const struct caller *c, struct nova_fault *f, struct store *st,
			 const struct nic_req *n, bool attach)
{
	struct network_row net;
	bool shared, external;
	size_t subnets = 0;
	json_t *cidrs;
	char device[256];
	int r = network_get_row(c, st, n->net_id, &net);

	if (r == -ENOENT)
		return nova_fail(f, attach ? -ENOENT : -EINVAL, "Network %s could not be found.",
				 n->net_id);
	if (r < 0)
		return r;
	shared = net.shared;
	external = net.external;
	cidrs = subnet_store_cidrs(st, n->net_id, &r);
	if (cidrs)
		subnets = json_array_size(cidrs);
	json_decref(cidrs);
	/* An external network that is not shared: its project's or an
	 * admin's (Neutron refuses others a port on it). */
	if (r >= 0 && external && !shared &&
	    !policy_allows(c, "os_compute_api:servers:create:attach_network",
			   &(struct target){ .project_id = net.project_id }))
		r = nova_fail(f, -EPERM, "It is not allowed to create an interface on external network %s", n->net_id);
	else if (r >= 0 && subnets == 0)
		r = nova_fail(f, -EINVAL, "Network %s requires a subnet in order to boot instances on.", n->net_id);
	if (r < 0 || !n->fixed_ip[0])
		return r < 0 ? r : 0;
	/* Nova asks Neutron for a port holding the address before it makes
	 * anything, and names the instance that has it. */
	r = port_store_device_holding(st, n->net_id, n->fixed_ip, device);
	if (r == 0)
		return nova_fail(f, attach ? -EEXIST : -EINVAL,
				 "Fixed IP address %s is already in use on instance %s.", n->fixed_ip,
				 device);
	return r == -ENOENT ? 0 : r;
}

/* An existing port must be the caller's, free, and have an address. */
static int check_port(const struct caller *c, struct nova_fault *f, struct store *st,
		      const struct nic_plan *p, size_t i)
{
	const struct nic_req *n = &p->nics[i];
	struct port_row port;
	json_t *ips;
	size_t held;
	int r;

	for (size_t j = 0; j < i; j++)
		if (strcmp(p->nics[j].port_id, n->port_id) == 0)
			return nova_fail(f, -EEXIST, "Port %s is still in use.", n->port_id);
	r = port_store_get(st, n->port_id, &port);
	if (r >= 0 && !policy_allows(c, "update_port",
				     &(struct target){ .project_id = port.project_id }))
		r = -ENOENT;
	if (r == -ENOENT)
		return nova_fail(f, p->attach ? -ENOENT : -EINVAL, "Port id %s could not be found.",
				 n->port_id);
	if (r < 0)
		return r;
	if (port.device_id[0] || port.device_owner[0])
		return nova_fail(f, -EEXIST, "Port %s is still in use.", n->port_id);
	ips = port_fixed_ips(st, n->port_id);
	if (!ips)
		return -EIO;
	held = json_array_size(ips);
	json_decref(ips);
	if (held == 0)
		return nova_fail(f, -EINVAL, "Port %s requires a FixedIP in order to be used.", n->port_id);
	return 0;
}

/* "security_groups": [{"name": N}] names groups of the caller's project
 * by name or id; "default" is made on first use by port_create. */
static int check_groups(const struct caller *c, struct nova_fault *f, struct store *st,
			const json_t *groups)
{
	const json_t *g;
	size_t i;

	json_array_foreach(groups, i, g) {
		const char *name = json_str(g, "name");
		struct store_stmt *q;
		int r, n = 0;

		if (!name || !name[0])
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute security_groups. Value: each item is {\"name\": NAME}.");
		if (strcmp(name, "default") == 0)
			continue;
		r = store_query(st, &q,
				"SELECT id FROM security_group WHERE project_id = ? AND (name = ? OR id = ?)",
				"sss", c->project_id, name, name);
		if (r < 0)
			return r;
		while ((r = store_next(q)) > 0)
			n++;
		store_done(q);
		if (r < 0)
			return r;
		if (n == 0)
			return nova_fail(f, -EINVAL, "Security group %s not found for project %s.", name, c->project_id);
		if (n > 1)
			return nova_fail(f, -EEXIST, "Multiple security groups found matching '%s'. Use an ID to be more specific.", name);
	}
	return 0;
}

int server_nics_plan(struct basalt *b, const struct caller *c, struct store *st,
		     const json_t *networks, const json_t *groups, bool v2_37, struct nic_plan *p,
		     struct nova_fault *f)
{
	const json_t *it;
	size_t i, nova_ports = 0;
	int r;

	*p = (struct nic_plan){ 0 };
	if (groups && !json_is_array(groups))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute security_groups.");
	r = check_groups(c, f, st, groups);
	if (r < 0)
		return r;
	p->sg_names = groups ? json_incref((json_t *)groups) : NULL;
	if (!networks) {
		if (v2_37)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute server. Value: networks is a required property.");
		r = plan_default(c, f, st, p, false);
	} else if (json_is_string(networks) && v2_37 &&
		   strcmp(json_string_value(networks), "none") == 0) {
		return 0;
	} else if (json_is_string(networks) && v2_37 &&
		   strcmp(json_string_value(networks), "auto") == 0) {
		r = plan_default(c, f, st, p, true);
	} else if (json_is_array(networks)) {
		json_array_foreach(networks, i, it)
			if ((r = plan_item(f, p, it)) < 0)
				return r;
	} else {
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute networks.");
	}
	if (r < 0)
		return r;
	/* Everything is checked before anything is made. */
	for (i = 0; i < p->n; i++) {
		r = p->nics[i].port_id[0] ? check_port(c, f, st, p, i)
					  : check_network(c, f, st, &p->nics[i], false);
		if (r < 0)
			return r;
		nova_ports += !p->nics[i].port_id[0];
	}
	r = nova_ports ? network_quota_allows(b, st, c->project_id, "port", (int)nova_ports) : 0;
	if (r == -EDQUOT)
		return nova_fail(f, -EPERM, "Maximum number of ports exceeded");
	return r < 0 ? r : 0;
}

/* The ids of the groups the request named, "default" made when missing:
 * a new array, or NULL (port_create's default) when none were named. */
static int group_ids(const struct caller *c, struct store *st, const json_t *names,
		     json_t **out)
{
	const json_t *g;
	size_t i;

	*out = NULL;
	if (json_array_size(names) == 0)
		return 0;
	*out = json_array();
	json_array_foreach(names, i, g) {
		const char *name = json_str(g, "name");
		char id[UUID_LEN + 1] = "";
		struct store_stmt *q;
		int r;

		if (strcmp(name, "default") == 0) {
			r = secgroup_default(st, c->project_id, id);
		} else {
			r = store_query(st, &q,
					"SELECT id FROM security_group WHERE project_id = ?"
					" AND (name = ? OR id = ?)",
					"sss", c->project_id, name, name);
			if (r == 0) {
				r = store_next(q);
				if (r > 0)
					snprintf(id, sizeof(id), "%s", store_text(q, 0));
				store_done(q);
				r = r > 0 ? 0 : r == 0 ? -ENOENT : r;
			}
		}
		if (r < 0) {
			json_decref(*out);
			*out = NULL;
			return r;
		}
		json_array_append_new(*out, json_string(id));
	}
	return 0;
}

/* Nova's errno for the status of a network fault (compute's handlers
 * map it back, with the network's message). */
static int fault_from_network(int r, const struct net_fault *nf, struct nova_fault *f)
{
	int status = network_fault_text(nf, f->msg, sizeof(f->msg));

	return status == 400   ? -EINVAL
	       : status == 403 ? -EPERM
	       : status == 404 ? -ENOENT
	       : status == 409 ? -EEXIST
			       : r;
}

/* server_nics_make, the NICs numbered from ord on. */
static int nics_make(struct basalt *b, const struct caller *c, struct store *st,
		     const char *server_id, const char *host, const struct nic_plan *p,
		     int64_t ord, struct nova_fault *f)
{
	json_t *groups = NULL;
	int r = group_ids(c, st, p->sg_names, &groups);

	if (r == -ENOENT)
		nova_fail(f, r, "Could not find security group.");
	for (size_t i = 0; r >= 0 && i < p->n; i++) {
		const struct nic_req *n = &p->nics[i];
		char id[UUID_LEN + 1];
		bool made = !n->port_id[0];

		if (made) {
			json_t *ips = n->fixed_ip[0] ? json_pack("[{s:s}]", "ip_address", n->fixed_ip)
						     : NULL;
			struct port_spec spec = {
				.network_id = n->net_id,
				.project_id = c->project_id,
				.device_owner = NOVA_AZ_OWNER,
				.device_id = server_id,
				.fixed_ips = ips,
				.security_groups = groups,
				.port_security_enabled = -1,
			};
			struct net_fault nf = { 0 };
			r = port_create(b, c, st, &spec, id, &nf);
			json_decref(ips);
			if (r < 0) {
				r = fault_from_network(r, &nf, f);
				break;
			}
		} else {
			snprintf(id, sizeof(id), "%s", n->port_id);
		}
		/* Nova binds the port to the host (as Neutron's service user). */
		r = port_bind(st, id, server_id, NOVA_AZ_OWNER, host);
		if (r >= 0)
			r = store_exec(st,
				       "INSERT INTO server_port (server_id, port_id, created_by_nova, ord,"
				       " tag, revision) VALUES (?, ?, ?, ?, ?, ?)",
				       "ssbisi", server_id, id, made, ord + (int64_t)i,
				       n->tag[0] ? n->tag : NULL, store_txn_revision(st));
	}
	json_decref(groups);
	return r < 0 ? r : 0;
}

int server_nics_make(struct basalt *b, const struct caller *c, struct store *st,
		     const char *server_id, const char *host, const struct nic_plan *p,
		     struct nova_fault *f)
{
	return nics_make(b, c, st, server_id, host, p, 0, f);
}

/* Nova's own ports go with the server; the user's stay, unbound. */
static int port_release(struct store *st, const char *port_id, bool made)
{
	int r = made ? port_delete(st, port_id) : port_bind(st, port_id, "", "", "");

	return r == -ENOENT ? 0 : r;
}

int server_ports_release(struct store *st, const char *server_id)
{
	struct store_stmt *q;
	struct {
		char id[UUID_LEN + 1];
		bool made;
	} *ports = NULL;
	size_t n = 0;
	int r = store_query(st, &q,
			    "SELECT port_id, created_by_nova FROM server_port WHERE server_id = ?",
			    "s", server_id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		void *np = realloc(ports, sizeof(*ports) * (n + 1));
		if (!np) {
			r = -ENOMEM;
			break;
		}
		ports = np;
		snprintf(ports[n].id, sizeof(ports[n].id), "%s", store_text(q, 0));
		ports[n++].made = store_bool(q, 1);
	}
	store_done(q);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = port_release(st, ports[i].id, ports[i].made);
	free(ports);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM server_port WHERE server_id = ?", "s", server_id);
	return r < 0 ? r : 0;
}

/* --- how they are shown --- */

#define NIC_SQL_OF(cond)                                                                           \
	"SELECT sp.port_id, p.mac_address, p.network_id, n.name, n.mtu, p.status, sp.tag"         \
	" FROM server_port sp JOIN port p ON p.id = sp.port_id"                                    \
	" JOIN network n ON n.id = p.network_id WHERE sp.server_id = ?" cond " ORDER BY sp.ord"
/* Every NIC of a server, those being detached too (their ports still
 * name it); what its guest should have: the others. */
#define NIC_SQL	       NIC_SQL_OF("")
#define NIC_SQL_WANTED NIC_SQL_OF(" AND sp.detaching = 0")

/* Whether the DHCP server of the port's network still lacks its address:
 * the network host that serves it has not yet carried out a desired state
 * as recent as the address (docs/agent-protocol.md, "applied_revision"). */
#define DHCP_PENDING_SQL                                                                           \
	"SELECT 1 FROM port d JOIN host h ON h.name = d.host"                                      \
	" WHERE d.network_id = ?1 AND d.device_owner = 'network:dhcp'"                             \
	" AND h.applied_revision < (SELECT MAX(a.revision) FROM ip_allocation a"                   \
	" WHERE a.port_id = ?2)"

static bool dhcp_pending(struct store *st, const char *network_id, const char *port_id)
{
	struct store_stmt *q;
	int r = store_query(st, &q, DHCP_PENDING_SQL, "ss", network_id, port_id);

	if (r < 0)
		return false;
	r = store_next(q);
	store_done(q);
	return r > 0;
}

/* Append the addresses of one port to list: its fixed IPs, then the
 * floating IPs pointing at it. */
static int port_addresses(struct store *st, const char *port_id, const char *mac, bool extended,
			  json_t *list)
{
	struct store_stmt *q;
	json_t *ip;
	int r = store_query(st, &q,
			    "SELECT ip_address, 'fixed' FROM ip_allocation WHERE port_id = ?1"
			    " UNION ALL SELECT floating_ip_address, 'floating' FROM floatingip"
			    " WHERE port_id = ?1 ORDER BY 2, 1",
			    "s", port_id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		const char *addr = store_text(q, 0);
		ip = json_pack("{s:i,s:s}", "version", strchr(addr, ':') ? 6 : 4, "addr", addr);
		if (extended) {
			json_object_set_new(ip, "OS-EXT-IPS:type", json_string(store_text(q, 1)));
			json_object_set_new(ip, "OS-EXT-IPS-MAC:mac_addr", json_string(mac));
		}
		json_array_append_new(list, ip);
	}
	store_done(q);
	return r;
}

json_t *server_addresses(struct store *st, const char *server_id, bool extended)
{
	struct store_stmt *q;
	json_t *out = json_object();
	int r = store_query(st, &q, NIC_SQL, "s", server_id);

	if (r < 0)
		return out;
	while ((r = store_next(q)) > 0) {
		const char *net = store_text(q, 3);
		json_t *list = json_object_get(out, net);
		if (!list) {
			list = json_array();
			json_object_set_new(out, net, list);
		}
		if (port_addresses(st, store_text(q, 0), store_text(q, 1), extended, list) < 0)
			break;
	}
	store_done(q);
	return out;
}

/* What nic_row needs: the store (for dhcp_pending) and whether the
 * server has waited long enough to start regardless. */
struct nic_ctx {
	struct store *st;
	bool waited_enough;
};

static int nic_row(struct store_stmt *q, json_t *out, void *ctx)
{
	const struct nic_ctx *c = ctx;
	bool ready = c->waited_enough || !dhcp_pending(c->st, store_text(q, 2), store_text(q, 0));
	char tap[16];

	snprintf(tap, sizeof(tap), "tap%.11s", store_text(q, 0));
	json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:I,s:b}", "port_id", store_text(q, 0),
					     "mac_address", store_text(q, 1), "network_id",
					     store_text(q, 2), "tap", tap, "mtu", store_int(q, 4),
					     "ready", ready));
	return 0;
}

json_t *server_nics_desired(struct store *st, const char *server_id, bool waited_enough)
{
	struct nic_ctx c = { st, waited_enough };
	json_t *out = network_rows(st, nic_row, &c, NULL, NIC_SQL_WANTED, "s", server_id);

	/* The contract is an array, always: a store error shows no nics. */
	return out ? out : json_array();
}

json_t *server_nics_detaching(struct store *st, const char *server_id)
{
	json_t *out = json_array();
	struct store_stmt *q;
	int r;

	if (!out)
		return NULL;
	r = store_query(st, &q,
			"SELECT port_id FROM server_port WHERE server_id = ? AND detaching = 1"
			" ORDER BY port_id",
			"s", server_id);
	if (r < 0) {
		json_decref(out);
		return NULL;
	}
	while ((r = store_next(q)) > 0)
		json_array_append_new(out, json_string(store_text(q, 0)));
	store_done(q);
	if (r < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* --- /servers/{id}/ips and /servers/{id}/os-interface --- */

int h_server_ips(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "server_id");

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, id, "os_compute_api:ips:index") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:o}", "addresses", server_addresses(st, id, false)));
}

int h_server_ips_network(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "server_id"), *label = http_param(req, "network_label");
	json_t *all, *one;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, id, "os_compute_api:ips:show") < 0)
		return -1;
	all = server_addresses(st, id, false);
	one = json_object_get(all, label);
	if (!one) {
		json_decref(all);
		return http_error(res, 404, "Instance is not a member of specified network");
	}
	one = json_pack("{s:O}", label, one);
	json_decref(all);
	return http_reply(res, 200, one);
}

static json_t *render_attachment(struct store *st, struct store_stmt *q, bool tag)
{
	json_t *ips = port_fixed_ips(st, store_text(q, 0));
	json_t *a = json_pack("{s:s,s:o,s:s,s:s,s:s}", "port_state", store_text(q, 5), "fixed_ips",
			      ips ? ips : json_array(), "port_id", store_text(q, 0), "net_id",
			      store_text(q, 2), "mac_addr", store_text(q, 1));

	if (a && tag)
		json_object_set_new(a, "tag", store_text(q, 6) ? json_string(store_text(q, 6))
							       : json_null());
	return a;
}

int server_interfaces(struct store *st, const char *server_id, const char *port_id, bool tag,
		      json_t **out)
{
	struct store_stmt *q;
	int r = store_query(st, &q, NIC_SQL, "s", server_id);

	*out = NULL;
	if (r < 0)
		return r;
	*out = json_array();
	while ((r = store_next(q)) > 0)
		if (!port_id || strcmp(store_text(q, 0), port_id) == 0)
			json_array_append_new(*out, render_attachment(st, q, tag));
	store_done(q);
	if (r < 0 || !*out) {
		json_decref(*out);
		*out = NULL;
		return r < 0 ? r : -ENOMEM;
	}
	return 0;
}

/* --- attaching and detaching NICs (os-interface) --- */

/* The server's host ("" when it has none) when its state allows action,
 * as Nova's check_instance_state for interfaces: vm_state active, paused
 * or stopped, and no task under way; else -EALREADY in Nova's words. */
static int nic_change_allowed(struct store *st, const char *id, const char *action,
			      char host[256], struct nova_fault *f)
{
	static const char *const ok[] = { "active", "paused", "stopped" };
	char vm[32] = "", task[64] = "";
	struct store_stmt *q;
	bool allowed = false;
	int r = store_query(st, &q, "SELECT host, vm_state, task_state FROM server WHERE id = ?", "s",
			    id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(host, 256, "%s", store_text(q, 0) ? store_text(q, 0) : "");
		snprintf(vm, sizeof(vm), "%s", store_text(q, 1) ? store_text(q, 1) : "");
		snprintf(task, sizeof(task), "%s", store_text(q, 2) ? store_text(q, 2) : "");
	}
	store_done(q);
	if (r <= 0)
		return r < 0 ? r : nova_fail(f, -ENOENT, "Instance %s could not be found.", id);
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		allowed = allowed || strcmp(vm, ok[i]) == 0;
	if (!allowed)
		return nova_fail(f, -EALREADY,
				 "Cannot '%s' instance %s while it is in vm_state %s", action, id, vm);
	if (task[0])
		return nova_fail(f, -EALREADY,
				 "Cannot '%s' instance %s while it is in task_state %s", action, id,
				 task);
	return 0;
}

/* Nova's schema of an interfaceAttachment (tag from 2.49). */
static int attach_parse(const json_t *att, bool v2_49, const char **net, const char **port,
			const char **ip, const char **tag, struct nova_fault *f)
{
	const json_t *v, *ips = json_object_get(att, "fixed_ips");
	const char *k;
	unsigned char a[16];

	*net = *port = *ip = *tag = NULL;
	if (!att)
		return 0;
	if (!json_is_object(att))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute interfaceAttachment. Value: not an object.");
	json_object_foreach((json_t *)att, k, v) {
		bool known = strcmp(k, "net_id") == 0 || strcmp(k, "port_id") == 0 ||
			     strcmp(k, "fixed_ips") == 0 || (v2_49 && strcmp(k, "tag") == 0);
		if (!known)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute interfaceAttachment. Value: Additional properties are not allowed ('%s' was unexpected)", k);
		if (strcmp(k, "fixed_ips") != 0 && !json_is_string(v))
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute %s. Value: not a string.", k);
	}
	*net = json_str(att, "net_id");
	*port = json_str(att, "port_id");
	*tag = json_str(att, "tag");
	if (ips) {
		const json_t *one = json_array_get(ips, 0);
		if (!json_is_array(ips) || json_array_size(ips) != 1 || !json_is_object(one) ||
		    json_object_size(one) != 1 || !json_str(one, "ip_address"))
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute fixed_ips. Value: one item {\"ip_address\": ADDRESS}.");
		*ip = json_str(one, "ip_address");
		if (inet_pton(AF_INET, *ip, a) != 1)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute ip_address. Value: %s. '%s' is not a 'ipv4'", *ip, *ip);
	}
	if ((*net && strlen(*net) != UUID_LEN) || (*port && strlen(*port) != UUID_LEN))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute %s. Value: %s. is not a 'uuid'",
				 *net && strlen(*net) != UUID_LEN ? "net_id" : "port_id",
				 *net && strlen(*net) != UUID_LEN ? *net : *port);
	if (*tag && (strlen(*tag) > 60 || strchr(*tag, '/') || strchr(*tag, ',')))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute tag. Value: %s.", *tag);
	if (*net && *port)
		return nova_fail(f, -EINVAL, "Must not input both network_id and port_id");
	if (*ip && !*net)
		return nova_fail(f, -EINVAL, "Must input network_id when request IP address");
	return 0;
}

int server_interface_attach(struct basalt *b, struct store *st, const struct caller *c,
			    const char *server_id, const json_t *att, bool v2_49,
			    char port_out[UUID_LEN + 1], struct nova_fault *f)
{
	struct nic_plan p = { 0 };
	const char *net, *port, *ip, *tag;
	char host[256] = "";
	struct server_ref s;
	struct store_stmt *q;
	int64_t ord = 0, count = 0;
	int r;

	r = server_find(st, c, server_id, "os_compute_api:os-attach-interfaces:create", &s, f);
	if (r < 0)
		return r;
	server_ref_free(&s);
	r = attach_parse(att, v2_49, &net, &port, &ip, &tag, f);
	if (r >= 0)
		r = nic_change_allowed(st, server_id, "attach_interface", host, f);
	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT COALESCE(MAX(ord) + 1, 0), COUNT(*) FROM server_port WHERE server_id = ?",
			"s", server_id);
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0) {
		ord = store_int(q, 0);
		count = store_int(q, 1);
	}
	store_done(q);
	if (r < 0)
		return r;
	if (count >= SERVER_NICS_MAX)
		return nova_fail(f, -EINVAL, "Failed to attach network adapter device to %s (it has %d, the most a server can have)",
				 server_id, SERVER_NICS_MAX);
	p.attach = true;
	if (port || net) {
		r = plan_add(&p, f, net, port, ip, tag);
	} else {
		r = plan_default(c, f, st, &p, false);
		if (r == -EEXIST)
			r = nova_fail(f, -EINVAL, "Multiple possible networks found, use a Network ID to be more specific.");
		else if (r >= 0 && p.n == 0)
			r = nova_fail(f, -EINVAL, "No specific network was requested and none are available for project '%s'.",
				      c->project_id);
	}
	if (r >= 0)
		r = p.nics[0].port_id[0] ? check_port(c, f, st, &p, 0)
					 : check_network(c, f, st, &p.nics[0], true);
	if (r >= 0 && !p.nics[0].port_id[0]) {
		r = network_quota_allows(b, st, c->project_id, "port", 1);
		if (r == -EDQUOT)
			r = nova_fail(f, -EPERM, "Maximum number of ports exceeded");
	}
	if (r >= 0)
		r = nics_make(b, c, st, server_id, host, &p, ord, f);
	/* The port Nova made or took: the last one of the server's NICs. */
	if (r >= 0) {
		r = store_query(st, &q, "SELECT port_id FROM server_port WHERE server_id = ? AND ord = ?",
				"si", server_id, ord);
		if (r >= 0) {
			r = store_next(q);
			if (r > 0)
				snprintf(port_out, UUID_LEN + 1, "%s", store_text(q, 0));
			store_done(q);
			r = r > 0 ? 0 : r < 0 ? r : -EIO;
		}
	}
	nic_plan_free(&p);
	return r;
}

int server_interface_detach(struct store *st, const struct caller *c, const char *server_id,
			    const char *port_id, struct nova_fault *f)
{
	char host[256] = "";
	struct server_ref s;
	struct store_stmt *q;
	bool made = false;
	int r;

	r = server_find(st, c, server_id, "os_compute_api:os-attach-interfaces:delete", &s, f);
	if (r < 0)
		return r;
	server_ref_free(&s);
	r = nic_change_allowed(st, server_id, "detach_interface", host, f);
	if (r < 0)
		return r;
	r = store_query(st, &q,
			"SELECT created_by_nova FROM server_port WHERE server_id = ? AND port_id = ?",
			"ss", server_id, port_id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		made = store_bool(q, 0);
	store_done(q);
	if (r == 0)
		return nova_fail(f, -ENOENT, "Port %s is not attached", port_id);
	if (r < 0)
		return r;
	/* Without a host no guest holds it: released at once. Else the host's
	 * agent takes it out of the guest and its report releases it
	 * (server_nics_reported). */
	if (!host[0]) {
		r = port_release(st, port_id, made);
		return r < 0 ? r
			     : store_exec(st, "DELETE FROM server_port WHERE port_id = ?", "s", port_id);
	}
	r = store_exec(st, "UPDATE server_port SET detaching = 1, revision = ? WHERE port_id = ?", "is",
		       store_txn_revision(st), port_id);
	return r < 0 ? r : 0;
}

int server_nics_reported(struct store *st, const char *server_id, const json_t *taps)
{
	struct store_stmt *q;
	struct {
		char id[UUID_LEN + 1];
		bool made;
	} gone[SERVER_NICS_MAX * 2];
	size_t n = 0;
	int r;

	if (!json_is_array(taps))
		return 0;
	r = store_query(st, &q,
			"SELECT port_id, created_by_nova FROM server_port WHERE server_id = ?"
			" AND detaching = 1",
			"s", server_id);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0 && n < ARRAY_SIZE(gone)) {
		char tap[16];
		const json_t *t;
		size_t i;
		bool held = false;
		snprintf(tap, sizeof(tap), "tap%.11s", store_text(q, 0));
		json_array_foreach(taps, i, t)
			held = held || (json_string_value(t) && strcmp(json_string_value(t), tap) == 0);
		if (held)
			continue;
		snprintf(gone[n].id, sizeof(gone[n].id), "%s", store_text(q, 0));
		gone[n++].made = store_bool(q, 1);
	}
	store_done(q);
	/* The guest no longer holds them: the ports go (or are unbound). */
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = port_release(st, gone[i].id, gone[i].made);
		if (r >= 0)
			r = store_exec(st, "DELETE FROM server_port WHERE port_id = ?", "s", gone[i].id);
	}
	return r < 0 ? r : 0;
}
