/* subnets.c - IPv4 subnets with their allocation pools, gateway, DNS
 * servers and host routes, and the network's DHCP port that follows its
 * DHCP-enabled subnets: create, update and delete with Neutron's policy.
 * Validation lives in subnet_check.c, the table in subnet_store.c, the
 * HTTP side in subnet_api.c; this file acts. Every call works in the
 * caller's write transaction and returns 0 or -errno with a net_fault. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "network/network.h"
#include "network/subnet_check.h"
#include "policy/policy.h"
#include "store/store.h"

json_t *subnet_render(const struct caller *c, struct store *st, const char *id)
{
	struct subnet_row sn;
	json_t *s = NULL;
	int r = subnet_store_get(c, st, id, &sn, &s);

	if (r >= 0 && !policy_allows(c, "get_subnet",
				     &(struct target){ .project_id = sn.project_id,
						       .network_project_id = sn.network_project_id,
						       .shared = sn.shared })) {
		json_decref(s);
		s = NULL;
	}
	return s;
}

static bool in_list(const json_t *list, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* Give an existing DHCP port one address in each DHCP subnet, and take
 * back the addresses it holds elsewhere. */
static int dhcp_port_sync(struct store *st, const char *network_id, const char *port_id,
			  const json_t *dhcp_subnets, struct net_fault *f)
{
	_cleanup_json_ json_t *held = port_fixed_ips(st, port_id);
	size_t i;
	json_t *v;
	char ip[16];
	int r = 0;

	if (!held)
		return -EIO;
	json_array_foreach(held, i, v) {
		const char *sid = json_str(v, "subnet_id");
		if (!in_list(dhcp_subnets, sid) &&
		    (r = ipam_release(st, port_id, sid, NULL)) < 0)
			return r;
	}
	json_array_foreach(dhcp_subnets, i, v) {
		bool has = false;
		size_t j;
		json_t *h;
		json_array_foreach(held, j, h)
			has |= strcmp(json_str(h, "subnet_id"), json_string_value(v)) == 0;
		if (has)
			continue;
		r = ipam_allocate(st, json_string_value(v), network_id, port_id, NULL, ip);
		if (r == -ENOSPC)
			return net_fault(f, r, NF_SUBNET_FULL, json_string_value(v), NULL);
		if (r < 0)
			return r;
	}
	return port_store_touch(st, port_id);
}

int network_dhcp_sync(struct basalt *b, struct store *st, const char *network_id,
		      struct net_fault *f)
{
	_cleanup_json_ json_t *subnets = subnet_store_ids(st, network_id, true, NULL);
	_cleanup_json_ json_t *ports = port_store_ids_on_network(st, network_id, "network:dhcp", NULL);
	_cleanup_json_ json_t *fixed = NULL;
	_cleanup_free_ char *project = NULL;
	struct port_spec spec = { 0 };
	char host[256], device[80], id[UUID_LEN + 1];
	size_t i;
	json_t *v;
	bool shared;
	int r;

	if (!subnets || !ports)
		return -EIO;
	/* One DHCP port at most; none without a DHCP subnet. */
	json_array_foreach(ports, i, v) {
		if (i == 0 && json_array_size(subnets))
			continue;
		r = port_delete(st, json_string_value(v));
		if (r < 0)
			return r;
	}
	if (!json_array_size(subnets))
		return 0;
	if (json_array_size(ports))
		return dhcp_port_sync(st, network_id, json_string_value(json_array_get(ports, 0)),
				      subnets, f);
	r = network_lookup(NULL, st, network_id, &project, &shared);
	if (r >= 0)
		r = network_host_pick(b, st, host);
	if (r < 0)
		return r;
	fixed = json_array();
	json_array_foreach(subnets, i, v)
		json_array_append_new(fixed, json_pack("{s:O}", "subnet_id", v));
	snprintf(device, sizeof(device), "dhcp-%s", network_id);
	spec.network_id = network_id;
	spec.project_id = project;
	spec.device_owner = "network:dhcp";
	spec.device_id = device;
	spec.host = host;
	spec.fixed_ips = fixed;
	spec.port_security_enabled = 0;
	return port_make(b, st, &spec, id, f);
}

int subnet_create(struct basalt *b, const struct caller *c, struct store *st, const json_t *body,
		  char id[UUID_LEN + 1], struct net_fault *f)
{
	struct subnet_input in;
	int r = subnet_input_parse(c, body, NULL, &in, f);

	if (r >= 0)
		r = subnet_input_check(c, st, &in, NULL, f);
	if (r >= 0)
		r = network_quota_check(b, st, in.project_id, "subnet", f);
	if (r >= 0) {
		uuid_new(id);
		r = subnet_store_insert(st, &in, id);
	}
	if (r >= 0)
		r = network_dhcp_sync(b, st, in.network_id, f);
	subnet_input_free(&in);
	return r;
}

/* Subnet id for action, rendered as c may see it (*cur, a new reference):
 * 0, -ENOENT (NF_SUBNET_NOT_FOUND), -EPERM (NF_POLICY). */
static int subnet_for(const struct caller *c, struct store *st, const char *id,
		      const char *action, json_t **cur, struct net_fault *f)
{
	*cur = subnet_render(c, st, id);
	if (!*cur)
		return net_fault(f, -ENOENT, NF_SUBNET_NOT_FOUND, id, NULL);
	if (!policy_allows(c, action, &(struct target){ .project_id = json_str(*cur, "project_id") }))
		return net_fault(f, -EPERM, NF_POLICY, action, NULL);
	return 0;
}

int subnet_update(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		  const json_t *body, struct net_fault *f)
{
	_cleanup_json_ json_t *cur = NULL;
	struct subnet_input in = { 0 };
	int r = subnet_for(c, st, id, "update_subnet", &cur, f);

	if (r >= 0)
		r = subnet_input_parse(c, body, cur, &in, f);
	if (r >= 0)
		r = subnet_input_check(c, st, &in, id, f);
	if (r >= 0)
		r = subnet_store_update(st, &in, id);
	if (r >= 0)
		r = network_dhcp_sync(b, st, in.network_id, f);
	subnet_input_free(&in);
	return r;
}

int subnet_remove(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		  struct net_fault *f)
{
	_cleanup_json_ json_t *cur = NULL;
	char network_id[65];
	int64_t used = 0;
	int r = subnet_for(c, st, id, "delete_subnet", &cur, f);

	if (r < 0 || (r = port_store_count_on_subnet(st, id, &used)) < 0)
		return r;
	if (used > 0)
		return net_fault(f, -EBUSY, NF_SUBNET_IN_USE, id, NULL);
	snprintf(network_id, sizeof(network_id), "%s", json_str(cur, "network_id"));
	/* The DHCP port gives its address back first, then the subnet goes. */
	r = ipam_release_subnet(st, id);
	if (r >= 0)
		r = subnet_store_delete(st, id);
	if (r >= 0)
		r = network_dhcp_sync(b, st, network_id, f);
	return r;
}
