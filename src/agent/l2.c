/* l2.c - layer 2 on every node: a bridge brq<11> per network with a port
 * here, its vxlan-<vni> device (FDB flood entries to exactly the peers) or
 * its provider interface, a persistent tap per VM port in its bridge, and
 * the removal of ours that nothing wants any more. Level-triggered: each
 * round reads the kernel afresh through src/dp (every call idempotent), so
 * a kill -9 anywhere is healed by the next round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "dp/dp.h"

#define VNI_MAX 16777215

/* The interface physical_interface_mappings gives physnet
 * ("PHYSNET:IFACE[,...]") into out; -ENOENT when none. */
static int physnet_iface(const char *mappings, const char *physnet, char out[DP_IFNAMSIZ])
{
	const char *p = mappings;
	size_t plen = strlen(physnet);

	while (p && *p) {
		const char *end = strchr(p, ','), *colon;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		colon = memchr(p, ':', len);
		if (colon && (size_t)(colon - p) == plen && strncmp(p, physnet, plen) == 0) {
			size_t ilen = len - plen - 1;
			while (ilen && (colon[ilen] == ' ' || colon[ilen] == '\t'))
				ilen--;
			if (ilen == 0 || ilen >= DP_IFNAMSIZ)
				return -EINVAL;
			memcpy(out, colon + 1, ilen);
			out[ilen] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

static int net_mtu(const json_t *n)
{
	json_int_t m = json_integer_value(json_object_get(n, "mtu"));

	return m >= 68 && m <= 65535 ? (int)m : 1500;
}

/* The entry of addrs[0..n) equal to ip (canonical form), or NULL. */
static const char *peer_addr(char (*addrs)[64], size_t n, const char *ip)
{
	char a[64];
	int fam;

	if (sg_addr_canon(ip, &fam, a) < 0 || fam != 4)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(addrs[i], a) == 0)
			return addrs[i];
	return NULL;
}

/* A vxlan network: its device on local_ip in the bridge, flooding to the
 * peers, and, l2population style, each remote port's MAC pinned to its
 * host's VTEP when the desired state lists them ("peer_ports"): without
 * those, unicast to a remote VM is flooded to every peer (a copy of each
 * packet to the network node too). The names of the devices it keeps go
 * to keep. */
static int plug_vxlan(struct agent *a, const json_t *n, const char *br, int mtu, json_t *keep)
{
	const char *local_ip = a->b->cfg.local_ip;
	json_int_t vni = json_integer_value(json_object_get(n, "segmentation_id"));
	const json_t *peers = json_object_get(n, "peers"), *p;
	const json_t *pports = json_object_get(n, "peer_ports");
	size_t i, np = 0, nf;
	char(*macs)[18] = NULL;
	char dev[DP_IFNAMSIZ], (*addrs)[64] = NULL;
	struct dp_fdb *fdb = NULL;
	int r;

	if (vni < 1 || vni > VNI_MAX)
		return -EINVAL;
	if (!local_ip || !local_ip[0]) {
		log_error("network %s: vxlan needs [network] local_ip", json_str(n, "id"));
		return -EINVAL;
	}
	dp_vxlan_name((uint32_t)vni, dev);
	json_object_set_new(keep, dev, json_true());
	r = dp_vxlan_ensure(NULL, dev, (uint32_t)vni, local_ip, NULL, mtu);
	if (r >= 0)
		r = dp_link_set_master(NULL, dev, br);
	if (r >= 0)
		r = dp_link_up(NULL, dev, mtu, NULL);
	if (r < 0)
		return r;
	addrs = calloc(json_array_size(peers) + 1, sizeof(*addrs));
	macs = calloc(json_array_size(pports) + 1, sizeof(*macs));
	fdb = calloc(json_array_size(peers) + json_array_size(pports) + 1, sizeof(*fdb));
	if (!addrs || !macs || !fdb) {
		free(addrs);
		free(macs);
		free(fdb);
		return -ENOMEM;
	}
	json_array_foreach(peers, i, p)
	{
		int fam;
		/* Only well-formed IPv4 peers that are not us. */
		if (sg_addr_canon(json_string_value(p), &fam, addrs[np]) < 0 || fam != 4 ||
		    strcmp(addrs[np], local_ip) == 0) {
			log_warn("network %s: peer skipped", json_str(n, "id"));
			continue;
		}
		fdb[np].mac = NULL;
		fdb[np].remote = addrs[np];
		np++;
	}
	nf = np;
	json_array_foreach(pports, i, p)
	{
		const char *remote = peer_addr(addrs, np, json_str(p, "local_ip"));
		/* A MAC only ever points at a VTEP we flood to anyway. */
		if (!remote || sg_mac_canon(json_str(p, "mac_address"), macs[i]) < 0) {
			log_warn("network %s: peer port skipped", json_str(n, "id"));
			continue;
		}
		fdb[nf].mac = macs[i];
		fdb[nf].remote = remote;
		nf++;
	}
	r = dp_fdb_sync(NULL, dev, fdb, nf);
	/* What the bridge learned behind the tunnel of a remote port that is
	 * gone (a deleted guest) goes now, not after the ageing time. Best
	 * effort: the bridge would forget it by itself. */
	if (r >= 0 && json_is_array(pports)) {
		const char **keep_macs = calloc(nf + 1, sizeof(*keep_macs));
		size_t nk = 0;
		for (size_t k = np; keep_macs && k < nf; k++)
			keep_macs[nk++] = fdb[k].mac;
		if (keep_macs)
			dp_fdb_learned_prune(NULL, dev, keep_macs, nk);
		free(keep_macs);
	}
	free(addrs);
	free(macs);
	free(fdb);
	return r;
}

/* A flat (or vlan) network: the mapped interface (or its VLAN device) in
 * the bridge, up. */
static int plug_provider(struct agent *a, const json_t *n, const char *br, int mtu, json_t *keep)
{
	const char *physnet = json_str(n, "physical_network"), *type = json_str(n, "network_type");
	char iface[DP_IFNAMSIZ], dev[DP_IFNAMSIZ + 8];
	int r;

	if (!physnet || physnet_iface(a->b->cfg.physical_interface_mappings, physnet, iface) < 0) {
		log_error("network %s: no interface for physical network %s in"
			  " [network] physical_interface_mappings",
			  json_str(n, "id"), physnet ? physnet : "(none)");
		return -ENOENT;
	}
	if (strcmp(type, "vlan") == 0) {
		json_int_t vid = json_integer_value(json_object_get(n, "segmentation_id"));
		if (vid < 1 || vid > 4094)
			return -EINVAL;
		/* Neutron's linuxbridge name, IFACE.VID, when it fits. */
		if (snprintf(dev, sizeof(dev), "%s.%d", iface, (int)vid) >= DP_IFNAMSIZ)
			return -ENAMETOOLONG;
		r = dp_vlan_ensure(NULL, iface, dev, (uint16_t)vid, mtu);
		if (r < 0)
			return r;
		memcpy(iface, dev, DP_IFNAMSIZ); /* fits: checked above */
		iface[DP_IFNAMSIZ - 1] = '\0';
	}
	json_object_set_new(keep, iface, json_true());
	r = dp_link_set_master(NULL, iface, br);
	/* The provider's MTU is the operator's: leave it. */
	if (r >= 0)
		r = dp_link_up(NULL, iface, 0, NULL);
	return r;
}

/* One desired network. Records its bridge (and devices) in keep and, when
 * fully plugged, "id" -> mtu in ready. */
static int plug_network(struct agent *a, const json_t *n, json_t *keep, json_t *ready)
{
	const char *id = json_str(n, "id"), *type = json_str(n, "network_type");
	char br[DP_IFNAMSIZ];
	int mtu = net_mtu(n), r;

	if (!sg_id_valid(id) || !type)
		return -EINVAL;
	dp_bridge_name(id, br);
	json_object_set_new(keep, br, json_true());
	r = dp_bridge_ensure(NULL, br, mtu);
	if (r < 0)
		return r;
	if (strcmp(type, "vxlan") == 0)
		r = plug_vxlan(a, n, br, mtu, keep);
	else if (strcmp(type, "flat") == 0 || strcmp(type, "vlan") == 0)
		r = plug_provider(a, n, br, mtu, keep);
	else
		r = -EPROTONOSUPPORT;
	if (r < 0) {
		log_error("network %s: %s", id, strerror(-r));
		return r;
	}
	json_object_set_new(ready, id, json_integer(mtu));
	return 0;
}

/* A VM port's tap in its network's bridge. */
static int plug_port(const json_t *p, const json_t *ready, json_t *keep)
{
	const char *id = json_str(p, "id"), *net = json_str(p, "network_id");
	const json_t *mtu = json_object_get(ready, net ? net : "");
	char tap[DP_IFNAMSIZ], br[DP_IFNAMSIZ];
	int r;

	if (!sg_id_valid(id))
		return -EINVAL;
	dp_port_dev("tap", id, tap);
	json_object_set_new(keep, tap, json_true());
	if (!mtu)
		return -ENETDOWN; /* its network is not plugged (yet) */
	dp_bridge_name(net, br);
	r = dp_tap_ensure(tap, (int)json_integer_value(mtu));
	if (r >= 0)
		r = dp_link_set_master(NULL, tap, br);
	if (r < 0)
		log_error("port %s: %s: %s", id, tap, strerror(-r));
	return r;
}

/* The taps of the network node's ports (DHCP, router legs) that l2 must
 * leave alone: they are veth peers named like VM taps. */
static void keep_netnode_taps(const json_t *desired, json_t *keep)
{
	const json_t *d, *rt, *itf;
	size_t i, j;
	char tap[DP_IFNAMSIZ];

	json_array_foreach(json_object_get(desired, "dhcp"), i, d)
	{
		const char *id = json_str(json_object_get(d, "port"), "id");
		if (sg_id_valid(id)) {
			dp_port_dev("tap", id, tap);
			json_object_set_new(keep, tap, json_true());
		}
	}
	json_array_foreach(json_object_get(desired, "routers"), i, rt)
	{
		const char *gw = json_str(json_object_get(rt, "gateway"), "port_id");
		if (sg_id_valid(gw)) {
			dp_port_dev("tap", gw, tap);
			json_object_set_new(keep, tap, json_true());
		}
		json_array_foreach(json_object_get(rt, "interfaces"), j, itf)
		{
			const char *id = json_str(itf, "port_id");
			if (sg_id_valid(id)) {
				dp_port_dev("tap", id, tap);
				json_object_set_new(keep, tap, json_true());
			}
		}
	}
}

/* True for names only Basalt makes: prefix then, for "tap" and "brq",
 * exactly 11 characters of an id; for "vxlan-", a number. A "tap0" or
 * "brq-lab" of someone else is never ours. */
static bool ours(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *rest = name + pl;

	if (strncmp(name, prefix, pl) != 0)
		return false;
	if (strcmp(prefix, "vxlan-") == 0)
		return rest[0] && strspn(rest, "0123456789") == strlen(rest);
	return strlen(rest) == 11 && strspn(rest, "0123456789abcdef-") == 11;
}

/* Remove our links with prefix that keep does not name. Taps go first,
 * then vxlan devices, then bridges (each emptied by then). */
static int sweep(const char *prefix, const json_t *keep)
{
	char **names = NULL;
	size_t n = 0;
	int r = dp_link_list(NULL, prefix, &names, &n), first = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!ours(names[i], prefix) || json_object_get(keep, names[i]))
			continue;
		r = dp_link_del(NULL, names[i]);
		if (r < 0 && !first)
			first = r;
		if (r >= 0)
			log_info("l2: removed %s", names[i]);
	}
	dp_names_free(names, n);
	return first;
}

int l2_reconcile(struct agent *a, const json_t *desired, json_t *report)
{
	_cleanup_json_ json_t *keep = json_object(), *ready = json_object(),
			      *plugged = json_object();
	json_t *statuses = json_array();
	const json_t *n, *p;
	size_t i;
	int r, first = 0, sg;

	if (!keep || !ready || !plugged || !statuses ||
	    json_object_set_new(report, "ports", statuses) < 0)
		return -ENOMEM;
	json_array_foreach(json_object_get(desired, "networks"), i, n)
	{
		if (atomic_load(&a->stop))
			return -EINTR;
		r = plug_network(a, n, keep, ready);
		if (r < 0 && !first)
			first = r;
	}
	/* Fail closed: filtered taps are blocked before they join a bridge;
	 * without the block, they are not plugged at all. */
	int guard = secgroup_guard(a, desired);
	json_array_foreach(json_object_get(desired, "ports"), i, p)
	{
		if (guard < 0 && json_is_true(json_object_get(p, "port_security_enabled"))) {
			if (!first)
				first = guard;
			continue;
		}
		r = plug_port(p, ready, keep);
		if (r < 0 && !first)
			first = r;
		if (r >= 0)
			json_object_set_new(plugged, json_str(p, "id"), json_true());
	}
	/* The rules before anything reports the ports usable. */
	sg = secgroup_reconcile(a, desired);
	if (sg < 0 && !first)
		first = sg;
	json_array_foreach(json_object_get(desired, "ports"), i, p)
	{
		const char *id = json_str(p, "id");
		bool filtered = json_is_true(json_object_get(p, "port_security_enabled"));
		bool up = id && json_object_get(plugged, id) && (sg >= 0 || !filtered) &&
			  !json_is_false(json_object_get(p, "admin_state_up"));
		if (id && sg_id_valid(id))
			json_array_append_new(statuses, json_pack("{s:s,s:s}", "id", id, "status",
								  up ? "ACTIVE" : "DOWN"));
	}
	/* Removal only once the wanted state read back fine: a round that
	 * failed to parse never sweeps what it did not understand. */
	if (!json_is_array(json_object_get(desired, "networks")) ||
	    !json_is_array(json_object_get(desired, "ports")))
		return first; /* a controller that does not speak networking */
	keep_netnode_taps(desired, keep);
	r = sweep("tap", keep);
	if (r < 0 && !first)
		first = r;
	r = sweep("vxlan-", keep);
	if (r < 0 && !first)
		first = r;
	r = sweep("brq", keep);
	if (r < 0 && !first)
		first = r;
	return first;
}
