/* netnode.c - the network node (role "network"): DHCP namespaces with
 * dnsmasq, routers with their legs, NAT and floating IPs, and the metadata
 * proxy's listeners, reconciled toward the desired state's "dhcp" and
 * "routers" (docs/agent-protocol.md); a DHCP namespace serves metadata
 * too when one of its subnets is isolated (no router serves it), as
 * Neutron's DHCP agent does with enable_isolated_metadata. Nothing is
 * remembered between rounds: what exists is read back from the kernel
 * (namespaces, links) each time, so a kill -9 at any point converges on
 * the next round (the listeners die with the process and are made
 * again). Only objects with our prefixes (qdhcp-, qrouter-, ns-, qr-,
 * qg-) are touched.
 *
 * This file: the round (netnode_reconcile), the namespaces this agent
 * owns, the legs DHCP and routers share; netnode_dhcp.c and
 * netnode_router.c build one DHCP server and one router. */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/netnode.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "dp/dp.h"

#define MD_PORT 80

int nn_strv_add(struct nn_strv *s, const char *fmt, ...)
{
	char **grown = realloc(s->v, sizeof(*s->v) * (s->n + 1));
	va_list ap;
	int r;

	if (!grown)
		return -ENOMEM;
	s->v = grown;
	va_start(ap, fmt);
	r = vasprintf(&s->v[s->n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	s->n++;
	return 0;
}

void nn_strv_free(struct nn_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

bool nn_strv_has(const struct nn_strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

/* Ids become namespace, device and directory names: letters, digits and
 * dashes only. */
bool nn_valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= 64 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}
/* Keep the first error of a round: every object is still tried. */
void nn_first_error(int *acc, int r)
{
	if (r < 0 && *acc == 0)
		*acc = r;
}

int netnode_start(struct agent *a)
{
	const struct config *cfg = &a->b->cfg;
	struct netnode *nn = calloc(1, sizeof(*nn));
	int r;

	if (!nn)
		return -ENOMEM;
	if (cfg->network_state_path && cfg->network_state_path[0])
		r = asprintf(&nn->dhcp_dir, "%s/dhcp", cfg->network_state_path);
	else
		r = asprintf(&nn->dhcp_dir, "%s/network/dhcp", cfg->state_dir);
	if (r >= 0 && asprintf(&nn->owned_dir, "%.*s/netns",
			       (int)(strlen(nn->dhcp_dir) - strlen("/dhcp")), nn->dhcp_dir) < 0) {
		nn->owned_dir = NULL;
		r = -1;
	}
	if (r < 0) {
		free(nn->dhcp_dir);
		free(nn);
		return -ENOMEM;
	}
	if (!cfg->metadata_proxy_shared_secret || !cfg->metadata_proxy_shared_secret[0])
		log_warn("netnode: [metadata] proxy_shared_secret is empty: the controller will "
			 "refuse every metadata request");
	r = mkdir_p(nn->dhcp_dir, 0755);
	if (r == 0)
		r = mkdir_p(nn->owned_dir, 0755);
	if (r == 0)
		r = mdproxy_new(&a->ctl, cfg->metadata_proxy_shared_secret, MD_PORT, &nn->md);
	if (r < 0) {
		log_error("netnode: start (state in %s): %s", nn->dhcp_dir, strerror(-r));
		free(nn->owned_dir);
		free(nn->dhcp_dir);
		free(nn);
		return r;
	}
	a->netnode = nn;
	log_info("netnode: DHCP state in %s, metadata proxy to %s/metadata", nn->dhcp_dir, a->ctl.url[0]);
	return 0;
}

void netnode_stop(struct agent *a)
{
	struct netnode *nn = a->netnode;

	if (!nn)
		return;
	/* Namespaces, dnsmasq and NAT stay: guests keep their network. */
	mdproxy_free(nn->md);
	free(nn->owned_dir);
	free(nn->dhcp_dir);
	free(nn);
	a->netnode = NULL;
}

/* ---- the namespaces this agent owns ---- */

/* /run/netns is the machine's: another network agent on the same machine
 * (a second lab, a test) has its own qrouter-/qdhcp- namespaces there. So
 * each namespace this agent makes is first recorded as an empty file in
 * owned_dir, forgotten once the namespace is gone, and only recorded ones
 * are ever pruned. */
int nn_owned_add(struct netnode *nn, const char *ns)
{
	_cleanup_free_ char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/%s", nn->owned_dir, ns) < 0)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return dp_netns_add(ns);
}

int nn_owned_del(struct netnode *nn, const char *ns)
{
	_cleanup_free_ char *path = NULL;
	int r = dp_netns_del(ns);

	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s", nn->owned_dir, ns) < 0)
		return -ENOMEM;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* The recorded namespaces whose names start with prefix (as dp_netns_list). */
int nn_owned_list(struct netnode *nn, const char *prefix, char ***names, size_t *n)
{
	struct nn_strv v = { 0 };
	DIR *d = opendir(nn->owned_dir);
	int r = d ? 0 : -errno;

	for (struct dirent *e; r == 0 && (e = readdir(d));)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			r = nn_strv_add(&v, "%s", e->d_name);
	if (d)
		closedir(d);
	if (r < 0) {
		nn_strv_free(&v);
		return r;
	}
	*names = v.v;
	*n = v.n;
	return 0;
}

/* ---- shared by DHCP and routers ---- */

/* Delete the links of ns whose names start with prefix and are not in
 * keep (NULL: all of them). Deleting a veth end deletes its peer too. */
int nn_links_prune(const char *ns, const char *prefix, const struct nn_strv *keep)
{
	char **names = NULL;
	size_t n = 0;
	int r = dp_link_list(ns, prefix, &names, &n), acc = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!keep || !nn_strv_has(keep, names[i])) {
			log_info("netnode: removing %s from %s", names[i], ns);
			nn_first_error(&acc, dp_link_del(ns, names[i]));
		}
	dp_names_free(names, n);
	return acc;
}

/* One leg: the veth dev (prefix + port) inside ns with mac, mtu and
 * exactly addrs, its peer tap<11> in the root namespace in the network's
 * bridge. */
int nn_leg_ensure(const char *ns, const char *prefix, const char *port_id, const char *mac,
		      const char *network_id, int mtu, const struct nn_strv *addrs)
{
	char dev[DP_IFNAMSIZ], peer[DP_IFNAMSIZ], br[DP_IFNAMSIZ];
	int r;

	dp_port_dev(prefix, port_id, dev);
	dp_port_dev("tap", port_id, peer);
	dp_bridge_name(network_id, br);
	r = dp_veth_ensure(ns, dev, NULL, peer, mtu);
	if (r == 0)
		r = dp_link_up(ns, dev, mtu, mac);
	if (r == 0)
		r = dp_addr_sync(ns, dev, (const char *const *)addrs->v, addrs->n);
	/* The bridge is l2's (made earlier in the round); without it the
	 * leg stays unplugged and the round reports the failure. */
	if (r == 0)
		r = dp_link_set_master(NULL, peer, br);
	if (r == 0)
		r = dp_link_up(NULL, peer, mtu, NULL);
	if (r < 0)
		log_warn("netnode: %s leg %s (peer %s in %s): %s", ns, dev, peer, br, strerror(-r));
	return r;
}

static bool keep_ns(const char *ns, void *arg)
{
	return nn_strv_has(arg, ns);
}

static void status_add(json_t *report, const char *key, const char *id, const char *status)
{
	json_t *arr = json_object_get(report, key);

	if (!arr) {
		arr = json_array();
		json_object_set_new(report, key, arr);
	}
	json_array_append_new(arr, json_pack("{s:s,s:s}", "id", id, "status", status));
}

int netnode_reconcile(struct agent *a, const json_t *desired, json_t *report)
{
	struct netnode *nn = a->netnode;
	const json_t *d, *rt, *fip, *leg;
	struct nn_strv want_dhcp = { 0 }, want_rt = { 0 }, want_md = { 0 };
	char **names = NULL;
	size_t i, j, n = 0;
	int acc = 0, r;

	if (!nn)
		return -EINVAL;
	/* Report arrays exist even when empty: "nothing here" is news too. */
	if (!json_object_get(report, "routers"))
		json_object_set_new(report, "routers", json_array());
	if (!json_object_get(report, "floatingips"))
		json_object_set_new(report, "floatingips", json_array());

	json_array_foreach(json_object_get(desired, "dhcp"), i, d)
		if (nn_valid_id(json_str(d, "network_id")))
			nn_first_error(&acc, nn_strv_add(&want_dhcp, "%s", json_str(d, "network_id")));
	json_array_foreach(json_object_get(desired, "routers"), i, rt)
		if (nn_valid_id(json_str(rt, "id")) && json_is_true(json_object_get(rt, "admin_state_up")))
			nn_first_error(&acc, nn_strv_add(&want_rt, "%s", json_str(rt, "id")));
	/* The namespaces whose metadata listeners stay. */
	json_array_foreach(json_object_get(desired, "dhcp"), i, d)
		if (nn_valid_id(json_str(d, "network_id")) && nn_dhcp_serves_metadata(a, d))
			nn_first_error(&acc, nn_strv_add(&want_md, NS_DHCP "%s", json_str(d, "network_id")));
	for (i = 0; i < want_rt.n; i++)
		nn_first_error(&acc, nn_strv_add(&want_md, NS_ROUTER "%s", want_rt.v[i]));
	if (acc < 0)
		goto out;

	/* Removals first: a port moving between namespaces frees its names.
	 * Listeners close before their namespaces go (a socket would keep a
	 * deleted namespace alive, serving nobody). */
	mdproxy_retain(nn->md, keep_ns, &want_md);
	nn_first_error(&acc, nn_dhcp_prune(nn, &want_dhcp));
	r = nn_owned_list(nn, NS_ROUTER, &names, &n);
	nn_first_error(&acc, r);
	for (i = 0; r == 0 && i < n; i++)
		if (!nn_strv_has(&want_rt, names[i] + strlen(NS_ROUTER)))
			nn_first_error(&acc, nn_router_absent(nn, names[i] + strlen(NS_ROUTER)));
	dp_names_free(names, n);

	/* The DHCP port and the router legs are this node's ports: their
	 * status follows their namespace (l2 reported the VM ports before). */
	json_array_foreach(json_object_get(desired, "dhcp"), i, d) {
		r = nn_dhcp_ensure(nn, a, d);
		nn_first_error(&acc, r);
		if (json_str(json_object_get(d, "port"), "id"))
			status_add(report, "ports", json_str(json_object_get(d, "port"), "id"),
				   r == 0 ? "ACTIVE" : "ERROR");
	}
	json_array_foreach(json_object_get(desired, "routers"), i, rt) {
		const char *status = "DOWN";
		if (!json_str(rt, "id"))
			continue;
		if (nn_strv_has(&want_rt, json_str(rt, "id"))) {
			r = nn_router_ensure(nn, desired, rt);
			nn_first_error(&acc, r);
			status = r == 0 ? "ACTIVE" : "ERROR";
		}
		status_add(report, "routers", json_str(rt, "id"), status);
		if (json_str(json_object_get(rt, "gateway"), "port_id"))
			status_add(report, "ports", json_str(json_object_get(rt, "gateway"), "port_id"),
				   status);
		json_array_foreach(json_object_get(rt, "interfaces"), j, leg)
			if (json_str(leg, "port_id"))
				status_add(report, "ports", json_str(leg, "port_id"), status);
		json_array_foreach(json_object_get(rt, "floating_ips"), j, fip)
			if (json_str(fip, "id"))
				status_add(report, "floatingips", json_str(fip, "id"),
					   strcmp(status, "ACTIVE") == 0 ? "ACTIVE" : "DOWN");
	}
out:
	nn_strv_free(&want_dhcp);
	nn_strv_free(&want_rt);
	nn_strv_free(&want_md);
	return acc;
}
