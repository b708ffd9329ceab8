/* secgroup.c - security groups on the host: keeps the mark index of every
 * filtered port and the conntrack zone of every network stable (on disk,
 * so a restarted agent reloads the same numbers), has sg_rules.c build the
 * rulesets, and loads each table through dp_nft_table_replace only when
 * its text changed.
 *
 * Fail closed: a filtered port's tap is blocked (table `bridge
 * basalt-guard`: every frame from or to it dropped at prerouting and
 * postrouting, ahead of everything else) from before it joins its bridge
 * until a load of the rules that include it succeeded; a failed load
 * keeps it blocked, reports the port DOWN (l2.c) and holds its guest
 * back (compute.c asks secgroup_tap_ready). A restarted agent blocks
 * every filtered tap again until its first load succeeds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "dp/dp.h"

#define SG_TABLE    "basalt-sg"
#define GUARD_TABLE "basalt-guard"

static int index_path(struct agent *a, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/sg-index.json", a->b->cfg.state_dir);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The index map as last written, or empty. A file that cannot be read
 * only costs renumbering (one reload of both tables). */
static json_t *index_load(struct agent *a)
{
	char path[4096];
	json_t *m = NULL;

	if (index_path(a, path, sizeof(path)) == 0)
		m = json_load_file(path, 0, NULL);
	if (!json_is_object(m)) {
		json_decref(m);
		m = json_object();
	}
	return m;
}

static int index_save(struct agent *a)
{
	char path[4096];
	_cleanup_free_ char *text = json_dumps(a->sg_index, JSON_COMPACT | JSON_SORT_KEYS);
	int r = index_path(a, path, sizeof(path));

	if (r < 0)
		return r;
	if (!text)
		return -ENOMEM;
	r = mkdir_p(a->b->cfg.state_dir, 0700);
	if (r < 0)
		return r;
	return file_write_atomic(path, text, strlen(text), 0600);
}

/* The lowest index of kind ("port" or "net") that no key uses. */
static long index_free(const json_t *m, const char *kind)
{
	size_t klen = strlen(kind);
	unsigned char used[SG_INDEX_MAX + 1] = { 0 };
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)m, key, v)
	{
		json_int_t i = json_integer_value(v);
		if (strncmp(key, kind, klen) == 0 && key[klen] == ':' && i >= 1 &&
		    i <= SG_INDEX_MAX)
			used[i] = 1;
	}
	for (long i = 1; i <= SG_INDEX_MAX; i++)
		if (!used[i])
			return i;
	return -ENOSPC;
}

/* Give every filtered port and its network an index, drop those of ports
 * and networks no longer here, and write the map before any ruleset uses
 * it. want: the keys needed now. */
static int index_sync(struct agent *a, const json_t *want)
{
	const char *key;
	json_t *v;
	void *tmp;
	bool changed = false;

	if (!a->sg_index && !(a->sg_index = index_load(a)))
		return -ENOMEM;
	json_object_foreach_safe(a->sg_index, tmp, key, v)
	{
		if (!json_object_get(want, key)) {
			json_object_del(a->sg_index, key);
			changed = true;
		}
	}
	json_object_foreach((json_t *)want, key, v)
	{
		if (json_object_get(a->sg_index, key))
			continue;
		long i = index_free(a->sg_index, strncmp(key, "net:", 4) == 0 ? "net" : "port");
		if (i < 0)
			return (int)i;
		json_object_set_new(a->sg_index, key, json_integer(i));
		changed = true;
	}
	return changed ? index_save(a) : 0;
}

/* Load one table when its text differs from what we loaded last; a NULL
 * body removes it. *last follows what the kernel holds ("" for no table). */
static int table_apply_named(const char *family, const char *table, const char *body, char **last)
{
	char err[1024] = "";
	int r;

	if (*last && strcmp(*last, body ? body : "") == 0)
		return 0;
	if (body)
		r = dp_nft_table_replace(NULL, family, table, body, err, sizeof(err));
	else
		r = dp_nft_table_del(NULL, family, table);
	if (r < 0) {
		log_error("security groups: %s %s %s: %s", body ? "loading" : "removing", family,
			  table, err[0] ? err : strerror(-r));
		return r;
	}
	free(*last);
	*last = strdup(body ? body : "");
	if (body)
		log_info("security groups: loaded table %s %s", family, table);
	return *last ? 0 : -ENOMEM;
}

static int table_apply(const char *family, const char *body, char **last)
{
	return table_apply_named(family, SG_TABLE, body, last);
}

static bool filtered(const json_t *p)
{
	return json_is_true(json_object_get(p, "port_security_enabled"));
}

bool secgroup_tap_ready(const struct agent *a, const char *tap)
{
	return a->sg_ready && tap && json_object_get(a->sg_ready, tap) != NULL;
}

int secgroup_guard(struct agent *a, const json_t *desired)
{
	const json_t *p;
	char tap[DP_IFNAMSIZ], *body = NULL;
	size_t i, len = 0, n = 0;
	FILE *f;
	int r;

	if (!a->sg_ready && !(a->sg_ready = json_object()))
		return -ENOMEM;
	f = open_memstream(&body, &len);
	if (!f)
		return -ENOMEM;
	json_array_foreach(json_object_get(desired, "ports"), i, p)
	{
		const char *id = json_str(p, "id");
		if (!sg_id_valid(id) || !filtered(p))
			continue;
		dp_port_dev("tap", id, tap);
		if (secgroup_tap_ready(a, tap))
			continue;
		fprintf(f, "%s\"%s\"", n++ ? ", " : "", tap);
	}
	fclose(f);
	if (!body)
		return -ENOMEM;
	_cleanup_free_ char *set = body, *text = NULL;
	if (n && asprintf(&text,
			  "\tchain pre {\n\t\ttype filter hook prerouting priority -300; policy "
			  "accept;\n\t\tiifname { %s } drop\n\t}\n"
			  "\tchain post {\n\t\ttype filter hook postrouting priority -300; policy "
			  "accept;\n\t\toifname { %s } drop\n\t}\n",
			  set, set) < 0)
		return -ENOMEM;
	r = table_apply_named("bridge", GUARD_TABLE, text, &a->sg_guard_text);
	if (r < 0)
		log_error("security groups: cannot block the taps whose rules are not loaded: %s",
			  strerror(-r));
	return r;
}

/* After a load (ok: it succeeded): the taps of desired's ports whose
 * filtering is now in place, then the guard again to unblock them. */
static int ready_update(struct agent *a, const json_t *desired, bool ok)
{
	_cleanup_json_ json_t *now = json_object();
	const json_t *p;
	char tap[DP_IFNAMSIZ];
	size_t i;

	if (!now)
		return -ENOMEM;
	json_array_foreach(json_object_get(desired, "ports"), i, p)
	{
		const char *id = json_str(p, "id");
		if (!sg_id_valid(id))
			continue;
		dp_port_dev("tap", id, tap);
		/* A failed load leaves loaded what was: those taps stay ready. */
		if (ok || !filtered(p) || secgroup_tap_ready(a, tap))
			json_object_set_new(now, tap, json_true());
	}
	json_decref(a->sg_ready);
	a->sg_ready = steal_ptr(now);
	return secgroup_guard(a, desired);
}

static int reconcile(struct agent *a, const json_t *desired);

int secgroup_reconcile(struct agent *a, const json_t *desired)
{
	int r = reconcile(a, desired), g;

	if (r < 0)
		log_error("security groups: rules not loaded (%s): new ports stay blocked and "
			  "their guests wait",
			  strerror(-r));
	g = ready_update(a, desired, r >= 0);
	return r < 0 ? r : g;
}

static int reconcile(struct agent *a, const json_t *desired)
{
	const json_t *ports = json_object_get(desired, "ports");
	const json_t *groups = json_object_get(desired, "security_groups");
	_cleanup_json_ json_t *want = json_object();
	_cleanup_free_ char *bridge = NULL, *inet = NULL;
	char err[512] = "", key[96];
	const json_t *p;
	size_t i;
	int r;

	if (!want)
		return -ENOMEM;
	json_array_foreach(ports, i, p)
	{
		const char *id = json_str(p, "id"), *net = json_str(p, "network_id");
		if (!json_is_true(json_object_get(p, "port_security_enabled")) ||
		    !sg_id_valid(id) || !sg_id_valid(net))
			continue;
		snprintf(key, sizeof(key), "port:%s", id);
		json_object_set_new(want, key, json_true());
		snprintf(key, sizeof(key), "net:%s", net);
		json_object_set_new(want, key, json_true());
	}
	r = index_sync(a, want);
	if (r < 0) {
		log_error("security groups: mark indices: %s", strerror(-r));
		return r;
	}
	if (json_object_size(want) == 0) {
		/* Nothing to filter: no table at all. */
		r = table_apply("bridge", NULL, &a->sg_bridge_text);
		int q = table_apply("inet", NULL, &a->sg_inet_text);
		return r < 0 ? r : q;
	}
	/* The bridge-nf hooks let the inet table (and its conntrack) see
	 * bridged IPv4/IPv6; without them only anti-spoofing would hold. */
	r = dp_sysctl(NULL, "net/bridge/bridge-nf-call-iptables", "1");
	if (r >= 0)
		r = dp_sysctl(NULL, "net/bridge/bridge-nf-call-ip6tables", "1");
	if (r < 0) {
		log_error("security groups: cannot enable bridge netfilter: %s", strerror(-r));
		return r;
	}
	r = sg_rules_build(ports, groups, a->sg_index, &bridge, &inet, err, sizeof(err));
	if (err[0])
		log_warn("security groups: %s", err);
	if (r < 0)
		return r;
	/* The inet table first: a new port's chains exist before packets
	 * carry its mark. */
	r = table_apply("inet", inet, &a->sg_inet_text);
	if (r >= 0)
		r = table_apply("bridge", bridge, &a->sg_bridge_text);
	return r;
}

void secgroup_fini(struct agent *a)
{
	json_decref(a->sg_index);
	a->sg_index = NULL;
	free(a->sg_bridge_text);
	free(a->sg_inet_text);
	a->sg_bridge_text = a->sg_inet_text = NULL;
	json_decref(a->sg_ready);
	a->sg_ready = NULL;
	free(a->sg_guard_text);
	a->sg_guard_text = NULL;
}
