/* networks.c - networks as Neutron makes them: tenant (vxlan) and provider
 * (flat, vlan) networks, shared and external ones; create, update and
 * delete with Neutron's policy checked against the network's real project.
 * The table is network_store.c's, the HTTP side network_api.c's. Every
 * call works in the caller's write transaction and returns 0 or -errno
 * with a net_fault. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/json.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "network/segments.h"
#include "policy/policy.h"
#include "store/store.h"

/* get_network on n: its project's, and every project's when shared or
 * external. */
static bool network_visible(const struct caller *c, const struct network_row *n)
{
	const struct target t = { .project_id = n->project_id, .shared = n->shared || n->external };

	return policy_allows(c, "get_network", &t);
}

int network_get_row(const struct caller *c, struct store *st, const char *network_id,
		    struct network_row *n)
{
	int r = network_store_get(c, st, network_id, n, NULL);

	if (r >= 0 && c && !network_visible(c, n))
		r = -ENOENT;
	return r;
}

int network_lookup(const struct caller *c, struct store *st, const char *network_id,
		   char **project, bool *shared)
{
	struct network_row n;
	int r = network_get_row(c, st, network_id, &n);

	if (r < 0)
		return r;
	*project = strdup(n.project_id);
	*shared = n.shared;
	return *project ? 0 : -ENOMEM;
}

int network_make(struct basalt *b, struct store *st, const struct network_new *nn,
		 struct segment *seg, char id[UUID_LEN + 1], struct net_fault *f)
{
	struct network_new row = *nn;
	int r = network_quota_check(b, st, nn->project_id, "network", f);

	if (r >= 0)
		r = segment_pick(b, st, seg, f);
	if (r < 0)
		return r;
	uuid_new(id);
	row.id = id;
	row.seg = seg;
	r = network_store_insert(st, &row);
	if (r == -EEXIST)
		return net_fault(f, r, NF_SEGMENT_IN_USE, seg->key, NULL);
	return r;
}

json_t *network_render(const struct caller *c, struct store *st, const char *id)
{
	struct network_row n;
	json_t *out = NULL;
	int r = network_store_get(c, st, id, &n, &out);

	if (r >= 0 && !network_visible(c, &n)) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

const char *const network_attr_names[NA_COUNT] = {
	[NA_SHARED] = "shared",
	[NA_EXTERNAL] = "router:external",
	[NA_TYPE] = "provider:network_type",
	[NA_PHYSNET] = "provider:physical_network",
	[NA_SEGID] = "provider:segmentation_id",
};

/* Attributes only admins may set (Neutron's default policy: the rules
 * ACTION_network:ATTR). A value equal to the default (shared false on
 * create) is not "set", as Neutron's _is_attribute_explicitly_set. */
static int attr_policy(const struct caller *c, const bool named[NA_COUNT], bool shared,
		       const char *action, struct net_fault *f)
{
	char rule[96];

	for (size_t i = 0; i < NA_COUNT; i++) {
		if (!named[i] || (strcmp(action, "create") == 0 && i == NA_SHARED && !shared))
			continue;
		snprintf(rule, sizeof(rule), "%s_network:%s", action, network_attr_names[i]);
		if (!policy_allows(c, rule, NULL))
			return net_fault(f, -EPERM, NF_POLICY, rule, NULL);
	}
	return 0;
}

/* An MTU asked (NULL or null: the largest, max). */
static int mtu_check(const json_t *v, int max, int64_t *mtu, struct net_fault *f)
{
	char n[24];

	if (!v || json_is_null(v)) {
		*mtu = max;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 68)
		return net_fault(f, -EINVAL, NF_MTU_INVALID, "mtu", NULL);
	if (json_integer_value(v) > max) {
		snprintf(n, sizeof(n), "%d", max);
		return net_fault(f, -EINVAL, NF_MTU_TOO_BIG, n, NULL);
	}
	*mtu = json_integer_value(v);
	return 0;
}

/* The owner a create names: the caller's project, or any the create rule
 * allows (admins). */
static int owner_of(const struct caller *c, const struct network_spec *s, const char **project,
		    struct net_fault *f)
{
	const char *t = s->tenant_id, *p = s->project_id;

	if (t && p && strcmp(t, p))
		return net_fault(f, -EINVAL, NF_PROJECT_MISMATCH, NULL, NULL);
	*project = p ? p : t ? t : network_caller_project(c);
	if (!policy_allows(c, "create_network", &(struct target){ .project_id = *project }))
		return net_fault(f, -EPERM, NF_POLICY, "create_network", NULL);
	return 0;
}

int network_create(struct basalt *b, const struct caller *c, struct store *st,
		   const struct network_spec *s, char id[UUID_LEN + 1], struct net_fault *f)
{
	struct segment seg = { .id = -1 };
	const char *project = NULL;
	int64_t mtu;
	int r, max;

	if ((r = attr_policy(c, s->named, s->shared, "create", f)) < 0 ||
	    (r = owner_of(c, s, &project, f)) < 0)
		return r;
	if (s->port_security_off)
		return net_fault(f, -EINVAL, NF_NET_PORT_SECURITY, NULL, NULL);
	snprintf(seg.type, sizeof(seg.type), "%s", s->network_type ? s->network_type : "vxlan");
	snprintf(seg.physnet, sizeof(seg.physnet), "%s", s->physnet ? s->physnet : "");
	if (s->segmentation_id && !json_is_null(s->segmentation_id)) {
		if (!json_is_integer(s->segmentation_id))
			return net_fault(f, -EINVAL, NF_SEGID_INVALID, "not an integer", NULL);
		seg.id = json_integer_value(s->segmentation_id);
		if (seg.id < 0)
			return net_fault(f, -EINVAL, NF_SEGID_INVALID, "negative", NULL);
	}
	max = b->cfg.global_physnet_mtu - (strcmp(seg.type, "vxlan") == 0 ? 50 : 0);
	if ((r = mtu_check(s->mtu, max, &mtu, f)) < 0)
		return r;
	const struct network_new nn = {
		.name = s->name,
		.project_id = project,
		.description = s->description,
		.admin_state_up = s->admin_state_up,
		.shared = s->shared,
		.external = s->external,
		.mtu = mtu,
	};
	return network_make(b, st, &nn, &seg, id, f);
}

/* network_id for action: 0 with n, -ENOENT (NF_NETWORK_NOT_FOUND: missing
 * or invisible), -EPERM (NF_POLICY). */
static int network_for(const struct caller *c, struct store *st, const char *id,
		       const char *action, struct network_row *n, struct net_fault *f)
{
	int r = network_get_row(c, st, id, n);

	if (r == -ENOENT)
		return net_fault(f, r, NF_NETWORK_NOT_FOUND, id, NULL);
	if (r >= 0 && !policy_allows(c, action, &(struct target){ .project_id = n->project_id }))
		return net_fault(f, -EPERM, NF_POLICY, action, NULL);
	return r;
}

int network_update(struct basalt *b, const struct caller *c, struct store *st, const char *id,
		   const struct network_update *u, struct net_fault *f)
{
	struct network_change ch = u->ch;
	struct network_row n;
	int64_t mtu = 0;
	int r, max;

	if ((r = attr_policy(c, u->named, false, "update", f)) < 0)
		return r;
	if (u->port_security_off)
		return net_fault(f, -EINVAL, NF_NET_PORT_SECURITY, NULL, NULL);
	if ((r = network_for(c, st, id, "update_network", &n, f)) < 0)
		return r;
	/* The segment is kept; its type bounds the MTU. */
	max = b->cfg.global_physnet_mtu - (strcmp(n.network_type, "vxlan") == 0 ? 50 : 0);
	if (u->mtu && (r = mtu_check(u->mtu, max, &mtu, f)) < 0)
		return r;
	ch.mtu = u->mtu && !json_is_null(u->mtu) ? &mtu : NULL;
	return network_store_update(st, id, &ch);
}

int network_remove(const struct caller *c, struct store *st, const char *id,
		   struct net_fault *f)
{
	struct network_row n;
	int64_t used = 0;
	json_t *ids, *p;
	size_t i;
	int r = network_for(c, st, id, "delete_network", &n, f);

	/* Its floating IPs that no port uses go with it, as in Neutron
	 * (their ports would keep it in use); an associated one keeps it. */
	if (r >= 0)
		r = fip_remove_free_on_network(st, id);
	if (r >= 0)
		r = port_store_count_used(st, id, &used);
	if (r >= 0 && used > 0)
		return net_fault(f, -EBUSY, NF_NETWORK_IN_USE, id, NULL);
	if (r < 0)
		return r;
	/* What Neutron deletes with the network: its DHCP port, subnets. */
	ids = port_store_ids_on_network(st, id, NULL, &r);
	json_array_foreach(ids, i, p)
		if (r >= 0)
			r = port_delete(st, json_string_value(p));
	json_decref(ids);
	if (r >= 0)
		r = subnet_store_delete_on_network(st, id);
	if (r >= 0)
		r = network_store_delete(st, id);
	return r;
}
