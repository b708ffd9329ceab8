/* ports.c - ports as other code makes them (the port API, Nova's server
 * create, routers, the DHCP port): Neutron's policy on what a caller may
 * ask, validation, MAC and address hand-out, security group bindings.
 * Everything here runs inside the caller's write transaction; the port
 * table itself is port_store.c's. */
#include <errno.h>
#include <sodium.h>
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

json_t *port_fixed_ips(struct store *st, const char *port_id)
{
	return ipam_port_addresses(st, port_id);
}

json_t *port_group_ids(struct store *st, const char *port_id)
{
	return secgroup_store_port_groups(st, port_id);
}

/* The id of the subnet of network_id whose CIDR holds ip into id. */
static int subnet_of_ip(struct store *st, const char *network_id, const char *ip, char id[65])
{
	uint32_t addr;
	size_t i;
	json_t *sn;
	int r;
	_cleanup_json_ json_t *cidrs = NULL;

	if (ip4_parse(ip, &addr) < 0)
		return -EINVAL;
	cidrs = subnet_store_cidrs(st, network_id, &r);
	if (!cidrs)
		return r;
	json_array_foreach(cidrs, i, sn) {
		struct cidr4 c;
		if (cidr4_parse(json_str(sn, "cidr"), false, &c) == 0 && cidr4_contains(&c, addr)) {
			snprintf(id, 65, "%s", json_str(sn, "id"));
			return 0;
		}
	}
	return -ENOENT;
}

int port_fixed_ips_add(struct store *st, const char *network_id, const char *port_id,
		       const json_t *fixed_ips, struct net_fault *f)
{
	char ip[16], sid[65];
	size_t i;
	json_t *e;
	int r;

	if (!fixed_ips) {
		/* One address from the first subnet with room. */
		json_t *ids = subnet_store_ids(st, network_id, false, &r);
		if (!ids)
			return r;
		r = json_array_size(ids) ? -ENOSPC : 0;
		json_array_foreach(ids, i, e) {
			r = ipam_allocate(st, json_string_value(e), network_id, port_id, NULL, ip);
			if (r != -ENOSPC)
				break;
		}
		json_decref(ids);
		if (r == -ENOSPC)
			return net_fault(f, r, NF_NETWORK_FULL, network_id, NULL);
		return r < 0 ? r : 0;
	}
	if (!json_is_array(fixed_ips))
		return net_fault(f, -EINVAL, NF_FIXED_IPS_NOT_LIST, NULL, NULL);
	json_array_foreach(fixed_ips, i, e) {
		const char *subnet = json_string_value(json_object_get(e, "subnet_id"));
		const char *addr = json_string_value(json_object_get(e, "ip_address"));
		if (!json_is_object(e) || (!subnet && !addr) ||
		    (json_object_get(e, "subnet_id") && !subnet) ||
		    (json_object_get(e, "ip_address") && !addr))
			return net_fault(f, -EINVAL, NF_FIXED_IPS_ENTRY, NULL, NULL);
		if (addr && ip4_parse(addr, &(uint32_t){ 0 }) < 0)
			return net_fault(f, -EINVAL, NF_BAD_IP, addr, NULL);
		if (!subnet) {
			r = subnet_of_ip(st, network_id, addr, sid);
			if (r == -ENOENT)
				return net_fault(f, -EINVAL, NF_IP_NO_SUBNET, addr, network_id);
			if (r < 0)
				return r;
			subnet = sid;
		}
		r = ipam_allocate(st, subnet, network_id, port_id, addr, ip);
		switch (r) {
		case 0:
			break;
		case -EEXIST:
			return net_fault(f, r, NF_IP_IN_USE, addr, subnet);
		case -ENOSPC:
			return net_fault(f, r, NF_SUBNET_FULL, subnet, NULL);
		case -ERANGE:
			return net_fault(f, -EINVAL, NF_IP_NOT_IN_SUBNET, addr, NULL);
		case -ENOENT:
			return net_fault(f, -EINVAL, NF_FIXED_IPS_SUBNET, network_id, subnet);
		default:
			return r;
		}
	}
	return 0;
}

int port_fixed_ips_replace(struct store *st, const struct port_row *p, const json_t *want,
			   struct net_fault *f)
{
	json_t *held = port_fixed_ips(st, p->id), *add, *h, *w;
	size_t i, j;
	int r = held ? 0 : -EIO;

	json_array_foreach(held, i, h) {
		bool keep = false;
		json_array_foreach(want, j, w) {
			const char *ip = json_str(w, "ip_address"), *sub = json_str(w, "subnet_id");
			keep |= ip && strcmp(ip, json_str(h, "ip_address")) == 0 &&
				(!sub || strcmp(sub, json_str(h, "subnet_id")) == 0);
		}
		if (!keep && (r = ipam_release(st, p->id, json_str(h, "subnet_id"),
					       json_str(h, "ip_address"))) < 0)
			break;
	}
	add = json_array();
	json_array_foreach(want, j, w) {
		const char *ip = json_str(w, "ip_address");
		bool held_already = false;
		json_array_foreach(held, i, h)
			held_already |= ip && strcmp(ip, json_str(h, "ip_address")) == 0;
		if (!held_already)
			json_array_append(add, w);
	}
	if (r >= 0 && json_array_size(add))
		r = port_fixed_ips_add(st, p->network_id, p->id, add, f);
	json_decref(add);
	json_decref(held);
	return r < 0 ? r : 0;
}

int port_groups_set(const struct caller *c, struct store *st, const char *port_id,
		    const char *project_id, const json_t *groups, struct net_fault *f)
{
	char def[UUID_LEN + 1];
	size_t i;
	json_t *g;
	int r = secgroup_store_unbind_port(st, port_id);

	if (r < 0)
		return r;
	if (!groups) {
		if (!project_id[0])
			return 0;
		r = secgroup_default(st, project_id, def);
		if (r >= 0)
			r = secgroup_store_bind(st, port_id, def);
		return r < 0 ? r : 0;
	}
	if (!json_is_array(groups))
		return net_fault(f, -EINVAL, NF_SG_NOT_LIST, NULL, NULL);
	json_array_foreach(groups, i, g) {
		const char *id = json_string_value(g);
		char owner[65];
		bool ok;
		if (!id)
			return net_fault(f, -EINVAL, NF_SG_NOT_STRING, NULL, NULL);
		r = secgroup_store_get(NULL, st, id, owner, NULL);
		if (r < 0 && r != -ENOENT)
			return r;
		/* The port's project's groups, or any c may see (admins: all). */
		ok = r >= 0 && (strcmp(owner, project_id) == 0 ||
				(c && policy_allows(c, "get_security_group",
						    &(struct target){ .project_id = owner })));
		if (!ok)
			return net_fault(f, -ENOENT, NF_SG_NOT_FOUND, id, NULL);
		r = secgroup_store_bind(st, port_id, id);
		if (r == -EEXIST)
			continue; /* listed twice: one binding */
		if (r < 0)
			return r;
	}
	return 0;
}

static bool is_network_owner(const char *device_owner)
{
	return device_owner && strncmp(device_owner, "network:", 8) == 0;
}

/* Neutron's ROUTER_INTERFACE_OWNERS. */
static bool is_router_interface(const char *device_owner)
{
	static const char *const owners[] = { "network:router_interface",
					      "network:router_interface_distributed",
					      "network:ha_router_replicated_interface" };

	for (size_t i = 0; device_owner && i < ARRAY_SIZE(owners); i++)
		if (strcmp(device_owner, owners[i]) == 0)
			return true;
	return false;
}

/* Neutron's _enforce_device_owner_not_router_intf_or_device_id: a router
 * interface's device_id may name only a router c may add interfaces to
 * (its own project's; admins any). 0, -EEXIST with NF_DEVICE_NOT_OWNED,
 * or -errno. */
static int check_device_id(const struct caller *c, struct store *st, const char *device_owner,
			   const char *device_id, struct net_fault *f)
{
	struct l3_router rt;
	int r;

	if (!is_router_interface(device_owner) || !device_id || !device_id[0])
		return 0;
	r = router_store_get(st, device_id, &rt);
	if (r == -ENOENT)
		return 0; /* not a router's id: Neutron's check lets it be */
	if (r >= 0 && !policy_allows(c, "add_router_interface",
				     &(struct target){ .project_id = rt.project_id }))
		r = -EEXIST;
	if (r == -EEXIST)
		return net_fault(f, r, NF_DEVICE_NOT_OWNED, device_id, NULL);
	return r < 0 ? r : 0;
}

/* True when fixed_ips names an address (not only subnets). */
static bool asks_address(const json_t *fixed_ips)
{
	size_t i;
	json_t *e;

	json_array_foreach(fixed_ips, i, e)
		if (json_object_get(e, "ip_address"))
			return true;
	return false;
}

int port_attr_check(const struct caller *c, struct store *st, const char *verb,
		    const struct port_attrs *a, const char *device_owner, const char *device_id,
		    const struct target *t, struct net_fault *f)
{
	static char rule[96];
	const struct {
		bool asked;
		const char *attr;
	} attrs[] = {
		{ a->device_owner && is_network_owner(a->device_owner), "device_owner" },
		{ a->port_security, "port_security_enabled" },
		{ a->mac, "mac_address" },
		{ a->fixed_ips != NULL, "fixed_ips" },
		{ asks_address(a->fixed_ips), "fixed_ips:ip_address" },
		{ a->host, "binding:host_id" },
		{ a->profile, "binding:profile" },
		{ a->address_pairs, "allowed_address_pairs" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (!attrs[i].asked)
			continue;
		snprintf(rule, sizeof(rule), "%s:%s", verb, attrs[i].attr);
		if (!policy_allows(c, rule, t))
			return net_fault(f, -EPERM, NF_POLICY, rule, NULL);
	}
	return check_device_id(c, st, device_owner, device_id, f);
}

/* port_make for caller c (NULL: the service). */
static int make(struct basalt *b, const struct caller *c, struct store *st,
		const struct port_spec *spec, char id[UUID_LEN + 1], struct net_fault *f)
{
	struct port_row p = {
		.admin_state_up = !spec->admin_state_down,
		.port_security = spec->port_security_enabled != 0,
	};
	int r;

	if (!p.port_security && json_array_size(spec->security_groups))
		return net_fault(f, -EINVAL, NF_SG_NEEDS_SECURITY, NULL, NULL);
	if (spec->project_id[0]) {
		r = network_quota_allows(b, st, spec->project_id, "port", 1);
		if (r == -EDQUOT)
			return net_fault(f, r, NF_QUOTA, "port", NULL);
		if (r < 0)
			return r;
	}
	if (spec->mac && !mac_valid(spec->mac, p.mac))
		return net_fault(f, -EINVAL, NF_BAD_MAC, spec->mac, NULL);
	uuid_new(id);
	snprintf(p.id, sizeof(p.id), "%s", id);
	snprintf(p.network_id, sizeof(p.network_id), "%s", spec->network_id);
	snprintf(p.project_id, sizeof(p.project_id), "%s", spec->project_id);
	snprintf(p.device_owner, sizeof(p.device_owner), "%s", spec->device_owner ? spec->device_owner : "");
	snprintf(p.device_id, sizeof(p.device_id), "%s", spec->device_id ? spec->device_id : "");
	snprintf(p.host, sizeof(p.host), "%s", spec->host ? spec->host : "");
	for (int tries = 0;; tries++) {
		if (!spec->mac)
			mac_new(p.mac);
		r = port_store_insert(st, &p, spec->name, spec->description);
		/* A fresh MAC may collide in the network; a given one is in use. */
		if (r != -EEXIST || spec->mac || tries == 16)
			break;
	}
	if (r == -EEXIST)
		return net_fault(f, r, NF_MAC_IN_USE, spec->network_id, p.mac);
	if (r < 0)
		return r;
	r = port_fixed_ips_add(st, spec->network_id, id, spec->fixed_ips, f);
	if (r < 0)
		return r;
	if (p.port_security && !is_network_owner(spec->device_owner))
		return port_groups_set(c, st, id, spec->project_id, spec->security_groups, f);
	return 0;
}

int port_create(struct basalt *b, const struct caller *c, struct store *st,
		const struct port_spec *spec, char id[UUID_LEN + 1], struct net_fault *f)
{
	_cleanup_free_ char *net_project = NULL;
	const struct port_attrs attrs = {
		.device_owner = spec->device_owner,
		.port_security = spec->port_security_enabled >= 0,
		.mac = spec->mac != NULL,
		.fixed_ips = spec->fixed_ips,
		.host = spec->host != NULL,
		.profile = spec->binding_profile,
		.address_pairs = spec->allowed_address_pairs,
	};
	struct target t = { .project_id = spec->project_id };
	bool shared = false;
	int r;

	r = network_lookup(c, st, spec->network_id, &net_project, &shared);
	if (r == -ENOENT)
		return net_fault(f, r, NF_NETWORK_NOT_FOUND, spec->network_id, NULL);
	if (r < 0)
		return r;
	t.network_project_id = net_project;
	t.shared = shared;
	/* Others' networks (external ones are visible) take ports only when
	 * shared (the rule of addresses on a network: admins, its owner, or
	 * shared); Neutron's own ports on them are port_make's. */
	if (!policy_allows(c, "create_port:fixed_ips", &t))
		return net_fault(f, -EPERM, NF_NETWORK_NOT_ALLOWED, network_caller_project(c), NULL);
	r = port_attr_check(c, st, "create_port", &attrs, spec->device_owner, spec->device_id, &t, f);
	if (r < 0)
		return r;
	return make(b, c, st, spec, id, f);
}

int port_make(struct basalt *b, struct store *st, const struct port_spec *spec,
	      char id[UUID_LEN + 1], struct net_fault *f)
{
	return make(b, NULL, st, spec, id, f);
}

int port_target(struct store *st, const struct port_row *p, struct target *t, char **net_project)
{
	bool shared = false;
	int r = network_lookup(NULL, st, p->network_id, net_project, &shared);

	if (r < 0)
		return r;
	*t = (struct target){ .project_id = p->project_id, .network_project_id = *net_project,
			      .shared = shared };
	return 0;
}

int port_get(const struct caller *c, struct store *st, const char *id, struct port_row *p,
	     struct target *t, char **net_project)
{
	int r = port_store_get(st, id, p);

	if (r >= 0)
		r = port_target(st, p, t, net_project);
	if (r >= 0 && !policy_allows(c, "get_port", t))
		r = -ENOENT;
	if (r < 0) {
		free(*net_project);
		*net_project = NULL;
	}
	return r;
}

/* port_get, then action's rule on the port: 0, -ENOENT or -EPERM with f. */
static int port_for(const struct caller *c, struct store *st, const char *id, const char *action,
		    struct port_row *p, struct target *t, char **net_project, struct net_fault *f)
{
	int r = port_get(c, st, id, p, t, net_project);

	if (r == -ENOENT)
		return net_fault(f, r, NF_PORT_NOT_FOUND, id, NULL);
	if (r >= 0 && !policy_allows(c, action, t))
		return net_fault(f, -EPERM, NF_POLICY, action, NULL);
	return r;
}

int port_update(const struct caller *c, struct store *st, const char *id,
		const struct port_update *u, struct net_fault *f)
{
	_cleanup_free_ char *net_project = NULL;
	_cleanup_json_ json_t *groups_now = NULL;
	const char *owner = u->ch.device_owner, *device = u->ch.device_id;
	struct port_row p;
	struct target t;
	bool security;
	int r = port_for(c, st, id, "update_port", &p, &t, &net_project, f);

	if (r < 0)
		return r;
	/* The device the port will have, checked when it changes. */
	if (owner || device) {
		owner = owner ? owner : p.device_owner;
		device = device ? device : p.device_id;
	}
	r = port_attr_check(c, st, "update_port", &u->attrs, owner, device, &t, f);
	if (r < 0)
		return r;
	security = u->ch.port_security ? *u->ch.port_security : p.port_security;
	groups_now = u->security_groups ? NULL : port_group_ids(st, id);
	if (!security &&
	    (u->security_groups ? json_array_size(u->security_groups) : json_array_size(groups_now)))
		return net_fault(f, -EBUSY, NF_SG_ASSOCIATED, NULL, NULL);
	r = port_store_update(st, id, &u->ch);
	if (r >= 0 && u->fixed_ips)
		r = port_fixed_ips_replace(st, &p, u->fixed_ips, f);
	if (r >= 0 && u->security_groups)
		r = port_groups_set(c, st, id, p.project_id, u->security_groups, f);
	return r < 0 ? r : 0;
}

int port_remove(const struct caller *c, struct store *st, const char *id, struct net_fault *f)
{
	static const char *const l3_owners[] = { "network:router_interface",
						 "network:router_gateway", "network:floatingip" };
	_cleanup_free_ char *net_project = NULL;
	struct port_row p;
	struct target t;
	int r = port_for(c, st, id, "delete_port", &p, &t, &net_project, f);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(l3_owners); i++)
		if (strcmp(p.device_owner, l3_owners[i]) == 0)
			return net_fault(f, -EBUSY, NF_PORT_L3_OWNED, id, l3_owners[i]);
	return port_delete(st, id);
}

int port_delete(struct store *st, const char *port_id)
{
	int r = fip_store_release_port(st, port_id);

	if (r >= 0)
		r = secgroup_store_unbind_port(st, port_id);
	if (r >= 0)
		r = ipam_release(st, port_id, NULL, NULL);
	if (r >= 0)
		r = port_store_delete(st, port_id);
	return r < 0 ? r : 0;
}

int port_bind(struct store *st, const char *port_id, const char *device_id,
	      const char *device_owner, const char *host)
{
	const struct port_change ch = { .device_id = device_id, .device_owner = device_owner,
					.host = host };

	return port_store_update(st, port_id, &ch);
}
