/* instance.c - load what the metadata service shows about one server: the
 * server with a compute port on a network at an address, its keys, user
 * data, metadata, ports, addresses, floating IP and security groups. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute/servers.h"
#include "metadata/metadata.h"
#include "store/store.h"

/* Ports Nova plugs into a server (compute:nova, compute:<zone>). */
#define COMPUTE_PORT "p.device_owner LIKE 'compute:%'"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void md_instance_free(struct md_instance *in)
{
	free(in->public_key);
	free(in->user_data);
	free(in->password);
	json_decref(in->meta);
	json_decref(in->security_groups);
	json_decref(in->dns);
	free(in->ports);
	free(in->ips);
	memset(in, 0, sizeof(*in));
}

/* The port with address ip on network_id, when a server owns it: fills
 * port_id and in->id. 1 found, 0 not, or -errno. */
static int find_port(struct store *st, const char *network_id, const char *ip,
		     char port_id[65], struct md_instance *in)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT p.id, p.device_id FROM ip_allocation a"
			    " JOIN port p ON p.id = a.port_id"
			    " WHERE a.network_id = ? AND a.ip_address = ? AND " COMPUTE_PORT
			    " AND p.device_id <> ''",
			    "ss", network_id, ip);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		copy(port_id, 65, store_text(q, 0));
		copy(in->id, sizeof(in->id), store_text(q, 1));
	}
	store_done(q);
	return r;
}

/* The user data stored base64 (as the API took it), decoded. */
static int user_data_decode(const char *b64, struct md_instance *in)
{
	size_t cap = strlen(b64) / 4 * 3 + 3;

	in->user_data = malloc(cap);
	if (!in->user_data)
		return -ENOMEM;
	if (sodium_base642bin(in->user_data, cap, b64, strlen(b64), "\r\n", &in->user_data_len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -EINVAL;
	return 0;
}

/* The server as its guest sees it (the server resource reads it): 1
 * found, 0 not, or -errno. */
static int load_server(struct store *st, struct md_instance *in)
{
	struct server_guest g;
	int r = server_guest_load(st, in->id, &g);

	if (r <= 0)
		return r;
	copy(in->name, sizeof(in->name), g.name);
	copy(in->project_id, sizeof(in->project_id), g.project_id);
	copy(in->availability_zone, sizeof(in->availability_zone), g.availability_zone);
	copy(in->flavor_name, sizeof(in->flavor_name), g.flavor_name);
	copy(in->image_id, sizeof(in->image_id), g.image_id);
	if (g.key_name[0] && g.public_key) {
		copy(in->key_name, sizeof(in->key_name), g.key_name);
		in->public_key = g.public_key;
		g.public_key = NULL;
	}
	in->password = g.password;
	g.password = NULL;
	if (g.user_data) {
		int e = user_data_decode(g.user_data, in);
		if (e < 0)
			r = e;
	}
	server_guest_free(&g);
	return r;
}

static int load_meta(struct store *st, struct md_instance *in)
{
	json_t *m = server_metadata(st, in->id);
	int r = json_object_update(in->meta, m) < 0 ? -ENOMEM : 0;

	json_decref(m);
	return r;
}

static int load_ports(struct store *st, struct md_instance *in)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT p.id, p.network_id, p.mac_address, n.mtu FROM port p"
			    " JOIN network n ON n.id = p.network_id"
			    " WHERE p.device_id = ? AND " COMPUTE_PORT " ORDER BY p.created_at, p.id",
			    "s", in->id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct md_port *more = realloc(in->ports, (in->nports + 1) * sizeof(*more));
		if (!more) {
			r = -ENOMEM;
			break;
		}
		in->ports = more;
		struct md_port *p = &in->ports[in->nports++];
		copy(p->id, sizeof(p->id), store_text(q, 0));
		copy(p->network_id, sizeof(p->network_id), store_text(q, 1));
		copy(p->mac, sizeof(p->mac), store_text(q, 2));
		p->mtu = (int)store_int(q, 3);
	}
	store_done(q);
	return r;
}

/* Add the nameservers of a subnet (a JSON array) that are not there yet. */
static int add_dns(struct md_instance *in, const char *list)
{
	json_t *a = json_loads(list ? list : "[]", 0, NULL), *v, *w;
	size_t i, j;
	int r = 0;

	if (!json_is_array(a)) {
		json_decref(a);
		return -EINVAL;
	}
	json_array_foreach(a, i, v) {
		bool seen = false;
		json_array_foreach(in->dns, j, w)
			seen = seen || json_equal(v, w);
		if (!seen && json_is_string(v) && json_array_append(in->dns, v) < 0)
			r = -ENOMEM;
	}
	json_decref(a);
	return r;
}

static int load_ips(struct store *st, struct md_instance *in)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT a.port_id, a.ip_address, s.cidr, s.gateway_ip, s.enable_dhcp,"
			    " s.dns_nameservers FROM ip_allocation a"
			    " JOIN subnet s ON s.id = a.subnet_id JOIN port p ON p.id = a.port_id"
			    " WHERE p.device_id = ? AND " COMPUTE_PORT " AND s.ip_version = 4"
			    " ORDER BY p.created_at, p.id, s.created_at, a.ip_address",
			    "s", in->id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		size_t port = 0;
		while (port < in->nports && strcmp(in->ports[port].id, store_text(q, 0)) != 0)
			port++;
		if (port == in->nports)
			continue; /* its network vanished under it: nothing to link to */
		struct md_ip *more = realloc(in->ips, (in->nips + 1) * sizeof(*more));
		if (!more) {
			r = -ENOMEM;
			break;
		}
		in->ips = more;
		struct md_ip *ip = &in->ips[in->nips++];
		ip->port = port;
		copy(ip->address, sizeof(ip->address), store_text(q, 1));
		copy(ip->cidr, sizeof(ip->cidr), store_text(q, 2));
		copy(ip->gateway, sizeof(ip->gateway), store_text(q, 3));
		ip->dhcp = store_bool(q, 4);
		r = add_dns(in, store_text(q, 5));
		if (r < 0)
			break;
	}
	store_done(q);
	return r;
}

/* The floating IP associated with the asking port (and address). */
static int load_floating(struct store *st, const char *port_id, struct md_instance *in)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT floating_ip_address FROM floatingip WHERE port_id = ?"
			    " AND (fixed_ip_address IS NULL OR fixed_ip_address = ?)"
			    " ORDER BY floating_ip_address",
			    "ss", port_id, in->fixed_ip);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		copy(in->floating_ip, sizeof(in->floating_ip), store_text(q, 0));
	store_done(q);
	return r;
}

static int load_groups(struct store *st, struct md_instance *in)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT DISTINCT g.name FROM port_security_group b"
			    " JOIN security_group g ON g.id = b.security_group_id"
			    " JOIN port p ON p.id = b.port_id"
			    " WHERE p.device_id = ? AND " COMPUTE_PORT " ORDER BY g.name",
			    "s", in->id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0)
		if (json_array_append_new(in->security_groups, json_string(store_text(q, 0))) < 0) {
			r = -ENOMEM;
			break;
		}
	store_done(q);
	return r;
}

/* An empty instance: 0, or -ENOMEM. */
static int instance_init(struct md_instance *in)
{
	memset(in, 0, sizeof(*in));
	in->meta = json_object();
	in->security_groups = json_array();
	in->dns = json_array();
	return in->meta && in->security_groups && in->dns ? 0 : -ENOMEM;
}

int md_instance_load_network(struct store *st, const char *server_id, struct md_instance *in)
{
	int r = instance_init(in);

	if (r < 0)
		return r;
	copy(in->id, sizeof(in->id), server_id);
	r = load_ports(st, in);
	if (r >= 0)
		r = load_ips(st, in);
	return r < 0 ? r : 0;
}

int md_instance_load(struct store *st, const char *network_id, const char *ip,
		     struct md_instance *in)
{
	char port_id[65];
	int r = instance_init(in);

	if (r < 0)
		return r;
	copy(in->fixed_ip, sizeof(in->fixed_ip), ip);
	r = find_port(st, network_id, ip, port_id, in);
	if (r > 0)
		r = load_server(st, in);
	if (r == 0)
		return -ENOENT;
	if (r > 0)
		r = load_meta(st, in);
	if (r >= 0)
		r = load_ports(st, in);
	if (r >= 0)
		r = load_ips(st, in);
	if (r >= 0)
		r = load_floating(st, port_id, in);
	if (r >= 0)
		r = load_groups(st, in);
	return r < 0 ? r : 0;
}
