/* floatingips.c - floating IPs as Neutron makes them: an address of a
 * router:external network (held by a port of its own), associated with a
 * fixed IP that a router with a gateway on that network reaches through
 * a leg. Policy is checked against the floating IP's real project. Every
 * call works in the caller's write transaction and returns 0 or -errno
 * with a net_fault; the table is fip_store.c's, the HTTP side
 * fip_api.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

int fip_load(const struct caller *c, struct store *st, const char *id, struct fip_row *f,
	     json_t **out, struct net_fault *nf)
{
	int r = fip_store_get(c, st, id, f, out);

	if (r >= 0 && !policy_allows(c, "get_floatingip",
				     &(struct target){ .project_id = f->project_id })) {
		if (out) {
			json_decref(*out);
			*out = NULL;
		}
		r = -ENOENT;
	}
	if (r == -ENOENT)
		return net_fault(nf, r, NF_FIP_NOT_FOUND, id, NULL);
	return r;
}

/* The association asked for: port_id and fixed_ip_address, and the router
 * that carries it, all checked as Neutron's _get_assoc_data does. */
struct assoc {
	char port_id[65], fixed_ip[65], subnet_id[65], router_id[65];
};

/* Pick the fixed IP of port_id: want (must be one of the port's), else
 * its only IPv4 address. Fills a->fixed_ip and a->subnet_id. */
static int pick_fixed_ip(struct store *st, const char *port_id, const char *want, struct assoc *a,
			 struct net_fault *nf)
{
	_cleanup_json_ json_t *ips = port_fixed_ips(st, port_id);
	int v4 = 0;
	size_t i;
	json_t *ip;

	if (!ips)
		return -EIO;
	json_array_foreach(ips, i, ip) {
		const char *addr = json_str(ip, "ip_address"), *sub = json_str(ip, "subnet_id");
		bool is_v4 = addr && !strchr(addr, ':');
		if ((want && addr && strcmp(addr, want) == 0) || (!want && is_v4 && v4++ == 0)) {
			snprintf(a->fixed_ip, sizeof(a->fixed_ip), "%s", addr);
			snprintf(a->subnet_id, sizeof(a->subnet_id), "%s", sub ? sub : "");
			if (want)
				return 0;
		}
	}
	if (want)
		return net_fault(nf, -EINVAL, NF_FIP_NO_FIXED_IP, port_id, want);
	if (v4 == 0)
		return net_fault(nf, -EINVAL, NF_FIP_NO_V4, port_id, NULL);
	if (v4 > 1)
		return net_fault(nf, -EINVAL, NF_FIP_MANY_V4, port_id, NULL);
	return 0;
}

/* Validate the association of floating IP f (f->id may be "" when new)
 * with port_id / fixed_ip for c; fills a. */
static int check_assoc(const struct caller *c, struct store *st, const struct fip_row *f,
		       const char *port_id, const char *fixed_ip, struct assoc *a,
		       struct net_fault *nf)
{
	_cleanup_free_ char *net_project = NULL;
	char other[65] = "", other_addr[65] = "";
	struct port_row p;
	struct target t;
	int r = port_get(c, st, port_id, &p, &t, &net_project);

	memset(a, 0, sizeof(*a));
	/* The floating IP's project's ports (admins: any). */
	if (r >= 0 && !policy_allows(c, "update_port", &(struct target){ .project_id = p.project_id }))
		r = -ENOENT;
	if (r == -ENOENT)
		return net_fault(nf, r, NF_PORT_NOT_FOUND, port_id, NULL);
	if (r < 0)
		return r;
	if (strncmp(p.device_owner, "network:", 8) == 0)
		return net_fault(nf, -EINVAL, NF_FIP_PORT_OWNER, port_id, p.device_owner);
	snprintf(a->port_id, sizeof(a->port_id), "%s", port_id);
	r = pick_fixed_ip(st, port_id, fixed_ip, a, nf);
	if (r < 0)
		return r;
	/* A router with its gateway on the floating network and a leg on the
	 * fixed IP's subnet. */
	r = port_store_router_on_subnet(st, f->network_id, a->subnet_id, a->router_id);
	if (r == -ENOENT) {
		net_fault(nf, r, NF_FIP_UNREACHABLE, f->network_id, a->subnet_id);
		if (nf)
			snprintf(nf->c, sizeof(nf->c), "%s", port_id);
		return r;
	}
	if (r < 0)
		return r;
	/* One floating IP per fixed IP on a network. */
	r = fip_store_find_fixed(st, port_id, a->fixed_ip, f->network_id, f->id, other, other_addr);
	if (r == 0) {
		net_fault(nf, -EEXIST, NF_FIP_FIXED_TAKEN, other_addr, other);
		if (nf) {
			snprintf(nf->c, sizeof(nf->c), "%s", port_id);
			snprintf(nf->d, sizeof(nf->d), "%s", a->fixed_ip);
			snprintf(nf->e, sizeof(nf->e), "%s", f->network_id);
		}
		return -EEXIST;
	}
	return r == -ENOENT ? 0 : r;
}

/* Store the association a (NULL: none). Status goes DOWN until the
 * network node carrying the router reports the NAT in place. */
static int set_assoc(struct store *st, const char *fip_id, const struct assoc *a)
{
	return fip_store_set_assoc(st, fip_id, a ? a->port_id : NULL, a ? a->fixed_ip : NULL,
				   a ? a->router_id : NULL);
}

int fip_create(struct basalt *b, const struct caller *c, struct store *st,
	       const struct fip_spec *s, char id[UUID_LEN + 1], struct net_fault *nf)
{
	const struct target own = { .project_id = s->project_id };
	_cleanup_json_ json_t *want = NULL, *ips = NULL;
	struct fip_row f = { .id = "" };
	struct assoc a;
	char port[UUID_LEN + 1];
	int r;

	if (!policy_allows(c, "create_floatingip", &own))
		return net_fault(nf, -EPERM, NF_POLICY, "create_floatingip", NULL);
	/* An address of one's choice is the operator's (Neutron's policy). */
	if (s->address && !policy_allows(c, "create_floatingip:floating_ip_address", &own))
		return net_fault(nf, -EPERM, NF_POLICY, "create_floatingip:floating_ip_address", NULL);
	if (s->address || s->subnet_id) {
		json_t *e = json_object();
		if (s->subnet_id)
			json_object_set_new(e, "subnet_id", json_string(s->subnet_id));
		if (s->address)
			json_object_set_new(e, "ip_address", json_string(s->address));
		want = json_pack("[o]", e);
		if (!want)
			return -ENOMEM;
	}
	snprintf(f.network_id, sizeof(f.network_id), "%s", s->network_id);
	/* Validate everything before the address is taken. */
	r = l3_check_external(c, st, f.network_id, true, nf);
	if (r < 0)
		return r;
	r = network_quota_allows(b, st, s->project_id, "floatingip", 1);
	if (r == -EDQUOT)
		return net_fault(nf, r, NF_QUOTA, "floatingip", NULL);
	if (r >= 0 && s->port_id)
		r = check_assoc(c, st, &f, s->port_id, s->fixed_ip, &a, nf);
	if (r < 0)
		return r;
	uuid_new(f.id);
	{
		struct port_spec spec = {
			.network_id = f.network_id,
			.project_id = "", /* Neutron's own port, as its floating IP ports are */
			.device_owner = "network:floatingip",
			.device_id = f.id,
			.fixed_ips = want,
			.port_security_enabled = -1,
		};
		r = port_make(b, st, &spec, port, nf);
	}
	if (r < 0)
		return r;
	ips = port_fixed_ips(st, port);
	if (!ips || json_array_size(ips) == 0)
		return net_fault(nf, -ENOSPC, NF_NETWORK_FULL, f.network_id, NULL);
	snprintf(f.project_id, sizeof(f.project_id), "%s", s->project_id);
	snprintf(f.address, sizeof(f.address), "%s", json_str(json_array_get(ips, 0), "ip_address"));
	snprintf(f.floating_port_id, sizeof(f.floating_port_id), "%s", port);
	r = fip_store_insert(st, &f, s->description);
	if (r >= 0 && s->port_id)
		r = set_assoc(st, f.id, &a);
	if (r >= 0)
		snprintf(id, UUID_LEN + 1, "%.*s", UUID_LEN, f.id);
	return r < 0 ? r : 0;
}

int fip_update(const struct caller *c, struct store *st, const char *id,
	       const struct fip_change *u, struct net_fault *nf)
{
	struct fip_row f;
	struct assoc a;
	int r = fip_load(c, st, id, &f, NULL, nf);

	if (r >= 0 && !policy_allows(c, "update_floatingip",
				     &(struct target){ .project_id = f.project_id }))
		r = net_fault(nf, -EPERM, NF_POLICY, "update_floatingip", NULL);
	if (r >= 0 && u->disassociate) {
		r = set_assoc(st, id, NULL);
	} else if (r >= 0 && (u->port_id || (u->fixed_ip && f.port_id[0]))) {
		r = check_assoc(c, st, &f, u->port_id ? u->port_id : f.port_id, u->fixed_ip, &a, nf);
		if (r >= 0)
			r = set_assoc(st, id, &a);
	}
	if (r >= 0)
		r = fip_store_update(st, id, u->description);
	return r < 0 ? r : 0;
}

int fip_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *nf)
{
	struct fip_row f;
	int r = fip_load(c, st, id, &f, NULL, nf);

	if (r >= 0 && !policy_allows(c, "delete_floatingip",
				     &(struct target){ .project_id = f.project_id }))
		r = net_fault(nf, -EPERM, NF_POLICY, "delete_floatingip", NULL);
	/* The row names its port: the row goes first, then the port and its
	 * address. */
	if (r >= 0)
		r = fip_store_delete(st, id);
	if (r >= 0)
		r = port_delete(st, f.floating_port_id);
	return r < 0 ? r : 0;
}

int fip_remove_free_on_network(struct store *st, const char *network_id)
{
	int r = 0;
	json_t *ids = fip_store_free_on_network(st, network_id, &r), *id;
	struct fip_row f;
	size_t i;

	json_array_foreach(ids, i, id) {
		/* As fip_remove: the row first, then its port and address. */
		if (r >= 0)
			r = fip_store_get(NULL, st, json_string_value(id), &f, NULL);
		if (r >= 0)
			r = fip_store_delete(st, f.id);
		if (r >= 0)
			r = port_delete(st, f.floating_port_id);
	}
	json_decref(ids);
	return r < 0 ? r : 0;
}
