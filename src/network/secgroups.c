/* secgroups.c - security groups with their rules, each project's
 * "default" group: create, update and delete as Neutron does them, with
 * -errno and a net_fault (the HTTP side is secgroup_api.c's, the tables
 * secgroup_store.c's); and the prefix helpers of l3.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "network/l3.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"


/* ---- helpers shared with routers.c and floatingips.c ---- */

int l3_project_of(const struct caller *c, const char *action, const char *project_id,
		  const char *tenant_id, const char **project, struct net_fault *f)
{
	const char *p = project_id;

	if (p && tenant_id && strcmp(p, tenant_id) != 0)
		return net_fault(f, -EINVAL, NF_PROJECTS_DISAGREE, NULL, NULL);
	if (!p)
		p = tenant_id;
	if (!p || !p[0]) {
		*project = network_caller_project(c);
		return 0;
	}
	if (!policy_allows(c, action, &(struct target){ .project_id = p }))
		return net_fault(f, -EPERM, NF_OTHER_PROJECT, NULL, NULL);
	*project = p;
	return 0;
}

int l3_prefix_parse(const char *s, struct l3_prefix *p)
{
	char buf[64], *slash, *end;
	int max;
	long len;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6, max = 128;
	else
		return -EINVAL;
	len = max;
	if (slash) {
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || len < 0 || len > max)
			return -EINVAL;
	}
	p->len = (int)len;
	for (int bit = p->len; bit < max; bit++)
		p->addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
	return 0;
}

void l3_prefix_format(const struct l3_prefix *p, char out[64])
{
	char a[INET6_ADDRSTRLEN] = "";

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(out, 64, "%s/%d", a, p->len);
}

bool l3_prefix_overlap(const struct l3_prefix *a, const struct l3_prefix *b)
{
	int len = a->len < b->len ? a->len : b->len;

	if (a->family != b->family)
		return false;
	for (int bit = 0; bit < len; bit++) {
		unsigned char m = (unsigned char)(0x80 >> (bit % 8));
		if ((a->addr[bit / 8] & m) != (b->addr[bit / 8] & m))
			return false;
	}
	return true;
}

/* ---- rendering ---- */

/* The group id as the caller may see it (new reference; NULL with *err
 * -ENOENT when missing or not the caller's, or another -errno). */
json_t *l3_secgroup_load(const struct caller *c, struct store *st, const char *id,
			  int *err)
{
	char project[65];
	json_t *g = NULL;
	int r = secgroup_store_get(c, st, id, project, &g);

	if (r >= 0 && !policy_allows(c, "get_security_group",
				     &(struct target){ .project_id = project })) {
		json_decref(g);
		g = NULL;
		r = -ENOENT;
	}
	*err = r < 0 ? r : 0;
	return g;
}

int l3_secgroup_for(const struct caller *c, struct store *st, const char *id, json_t **g,
		    struct net_fault *f)
{
	int err;

	*g = l3_secgroup_load(c, st, id, &err);
	if (err == -ENOENT)
		return net_fault(f, err, NF_SG_NOT_FOUND, id, NULL);
	return *g ? 0 : err ? err : -EIO;
}

/* The rule id as the caller may see it (new reference; NULL, *err set). */
json_t *l3_sgrule_load(const struct caller *c, struct store *st, const char *id,
			 int *err)
{
	char project[65];
	json_t *rule = NULL;
	int r = sgrule_store_get(st, id, project, &rule);

	if (r >= 0 && !policy_allows(c, "get_security_group_rule",
				     &(struct target){ .project_id = project })) {
		json_decref(rule);
		rule = NULL;
		r = -ENOENT;
	}
	*err = r < 0 ? r : 0;
	return rule;
}

/* ---- the default group ---- */


int secgroup_default(struct store *st, const char *project_id, char id[UUID_LEN + 1])
{
	int r = secgroup_store_default_id(st, project_id, id);

	if (r != -ENOENT)
		return r;
	return secgroup_store_insert(st, project_id, "default", "Default security group", true,
				     true, id);
}

/* ---- groups ---- */

int secgroup_create(struct basalt *b, const struct caller *c, struct store *st,
		    const struct secgroup_spec *s, char id[UUID_LEN + 1], struct net_fault *f)
{
	char def[UUID_LEN + 1];
	const char *project;
	int r;

	/* Neutron keeps the name "default" for the group it makes itself. */
	if (s->name && strcmp(s->name, "default") == 0)
		return net_fault(f, -EEXIST, NF_SG_DEFAULT_EXISTS, NULL, NULL);
	r = l3_project_of(c, "create_security_group", s->project_id, s->tenant_id, &project, f);
	if (r < 0)
		return r;
	if (!project[0])
		return net_fault(f, -EINVAL, NF_SG_NEEDS_PROJECT, NULL, NULL);
	r = secgroup_default(st, project, def);
	if (r >= 0)
		r = network_quota_check(b, st, project, "security_group", f);
	if (r >= 0)
		r = secgroup_store_insert(st, project, s->name ? s->name : "",
					  s->description ? s->description : "", s->stateful, false,
					  id);
	return r;
}

int secgroup_update(const struct caller *c, struct store *st, const char *id,
		    const struct secgroup_change *ch, struct net_fault *f)
{
	_cleanup_json_ json_t *g = NULL;
	int r;

	if (ch->name && strcmp(ch->name, "default") == 0)
		return net_fault(f, -EEXIST, NF_SG_DEFAULT_EXISTS, NULL, NULL);
	if ((r = l3_secgroup_for(c, st, id, &g, f)) < 0)
		return r;
	if (strcmp(json_str(g, "name"), "default") == 0 && ch->name && !ch->name_null)
		return net_fault(f, -EPERM, NF_SG_DEFAULT_UPDATE, NULL, NULL);
	return secgroup_store_update(st, id, ch->name, ch->description, ch->stateful);
}

int secgroup_remove(const struct caller *c, struct store *st, const char *id,
		    struct net_fault *f)
{
	_cleanup_json_ json_t *g = NULL;
	int64_t ports = 0;
	int r = l3_secgroup_for(c, st, id, &g, f);

	if (r < 0)
		return r;
	if (strcmp(json_str(g, "name"), "default") == 0 &&
	    !policy_allows(c, "delete_security_group:default", NULL))
		return net_fault(f, -EPERM, NF_SG_DEFAULT_DELETE, NULL, NULL);
	if ((r = secgroup_store_count_ports(st, id, &ports)) < 0)
		return r;
	if (ports > 0)
		return net_fault(f, -EBUSY, NF_SG_IN_USE, id, NULL);
	return secgroup_store_delete(st, id);
}
