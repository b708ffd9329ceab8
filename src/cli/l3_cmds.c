/* l3_cmds.c - basalt router|floating ip|security group [rule] …, shaped like
 * openstack's, against the networking service (Neutron v2.0). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/net_cmds.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_resource res_router = { "network", "v2.0/routers", "router", "routers" };
static const struct cli_resource res_fip = { "network", "v2.0/floatingips", "floatingip",
					     "floatingips" };
static const struct cli_resource res_sg = { "network", "v2.0/security-groups", "security_group",
					    "security_groups" };
static const struct cli_resource res_rule = { "network", "v2.0/security-group-rules",
					      "security_group_rule", "security_group_rules" };

/* Security groups are found within the caller's project: every project has
 * its own "default", and admins see them all. Owned "project_id=…". */
static char *own_project(struct cli *cli)
{
	const char *p = json_string_value(
	    json_object_get(json_object_get(cli->token_body, "project"), "id"));
	char *q = NULL;

	if (p && asprintf(&q, "project_id=%s", p) < 0)
		return NULL;
	return q;
}

static int sg_find_id(struct cli *cli, const char *name_or_id, char **id)
{
	_cleanup_free_ char *q = own_project(cli);

	return cli_find_id(cli, &res_sg, name_or_id, q, id);
}

int net_security_groups(struct cli *cli, json_t *arr, const struct cli_args *a)
{
	for (int i = 0; i < a->nopt; i++) {
		_cleanup_free_ char *id = NULL;
		int r;

		if (strcmp(a->opt[i].name, "security-group") != 0)
			continue;
		if ((r = sg_find_id(cli, a->opt[i].value, &id)) < 0)
			return r;
		if (json_array_append_new(arr, json_string(id)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* --- routers --- */

static const struct cli_column router_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Status", "status", NULL },
	{ "State", "admin_state_up", net_state_text },
	{ "Project", "project_id", NULL },
	/* --long */
	{ "External gateway info", "external_gateway_info", NULL },
};

int cmd_router_list(struct cli *cli, const struct cli_args *a)
{
	return net_list(cli, &res_router, NULL, router_columns,
			cli_flag(a, "long") ? ARRAY_SIZE(router_columns) : 5);
}

int cmd_router_show(struct cli *cli, const struct cli_args *a)
{
	return net_show(cli, &res_router, a->pos[0]);
}

/* --external-gateway NET [--disable-snat|--enable-snat] into r. */
static int gateway_body(struct cli *cli, json_t *r, const struct cli_args *a)
{
	_cleanup_json_ json_t *gw = json_object();
	int rc;

	if (!gw)
		return -ENOMEM;
	if (!cli_opt(a, "external-gateway")) {
		if (cli_flag(a, "enable-snat") || cli_flag(a, "disable-snat")) {
			fprintf(stderr, "basalt: --enable-snat/--disable-snat need --external-gateway\n");
			return -EINVAL;
		}
		return 0;
	}
	if ((rc = cli_body_find(cli, gw, a, "external-gateway", &cli_res_network, NULL,
				"network_id")) < 0 ||
	    (rc = net_bool_pair(gw, a, "enable-snat", "disable-snat", "enable_snat")) < 0)
		return rc;
	return json_object_set(r, "external_gateway_info", gw) < 0 ? -ENOMEM : 0;
}

int cmd_router_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *r = json_pack("{s:s}", "name", a->pos[0]);
	int rc;

	if (!r)
		return -ENOMEM;
	if ((rc = cli_body_opt(r, a, "description", "description")) < 0 ||
	    (rc = net_bool_pair(r, a, "enable", "disable", "admin_state_up")) < 0 ||
	    (rc = gateway_body(cli, r, a)) < 0)
		return rc;
	return cli_create(cli, &res_router, r, false, NULL);
}

int cmd_router_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *r = json_object();
	_cleanup_free_ char *id = NULL;
	int rc;

	if (!r)
		return -ENOMEM;
	if ((rc = cli_find_id(cli, &res_router, a->pos[0], NULL, &id)) < 0 ||
	    (rc = cli_body_opt(r, a, "name", "name")) < 0 ||
	    (rc = cli_body_opt(r, a, "description", "description")) < 0 ||
	    (rc = net_bool_pair(r, a, "enable", "disable", "admin_state_up")) < 0 ||
	    (rc = gateway_body(cli, r, a)) < 0)
		return rc;
	return net_update(cli, &res_router, id, r);
}

int cmd_router_unset(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *r = json_object();
	_cleanup_free_ char *id = NULL;
	int rc;

	if (!r)
		return -ENOMEM;
	if ((rc = cli_find_id(cli, &res_router, a->pos[0], NULL, &id)) < 0)
		return rc;
	if (cli_flag(a, "external-gateway") &&
	    json_object_set_new(r, "external_gateway_info", json_null()) < 0)
		return -ENOMEM;
	return net_update(cli, &res_router, id, r);
}

int cmd_router_delete(struct cli *cli, const struct cli_args *a)
{
	return cli_delete_each(cli, &res_router, a->pos, a->npos, NULL);
}

/* PUT routers/ID/ACTION {"subnet_id": …} for router pos[0], subnet pos[1]. */
static int router_interface(struct cli *cli, const struct cli_args *a, const char *action)
{
	_cleanup_free_ char *router = NULL, *subnet = NULL, *esc = NULL, *path = NULL;
	_cleanup_json_ json_t *body = NULL;
	int rc;

	if ((rc = cli_find_id(cli, &res_router, a->pos[0], NULL, &router)) < 0 ||
	    (rc = cli_find_id(cli, &cli_res_subnet, a->pos[1], NULL, &subnet)) < 0)
		return rc;
	if (!(body = json_pack("{s:s}", "subnet_id", subnet)) || !(esc = cli_escape(cli, router)) ||
	    asprintf(&path, "%s/%s/%s", res_router.path, esc, action) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	return cli_request(cli, "network", "PUT", path, body, NULL);
}

int cmd_router_add_subnet(struct cli *cli, const struct cli_args *a)
{
	return router_interface(cli, a, "add_router_interface");
}

int cmd_router_remove_subnet(struct cli *cli, const struct cli_args *a)
{
	return router_interface(cli, a, "remove_router_interface");
}

/* --- floating IPs: found by id or by address --- */

static const struct cli_column fip_columns[] = {
	{ "ID", "id", NULL },
	{ "Floating IP Address", "floating_ip_address", NULL },
	{ "Fixed IP Address", "fixed_ip_address", NULL },
	{ "Port", "port_id", NULL },
	{ "Floating Network", "floating_network_id", NULL },
	{ "Project", "project_id", NULL },
};

int cmd_floating_ip_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *q = NULL;
	int r;

	if ((r = net_query_find(cli, &q, a, "port", &cli_res_port, "port_id")) < 0 ||
	    (r = net_query_find(cli, &q, a, "network", &cli_res_network, "floating_network_id")) <
		0)
		return r;
	return net_list(cli, &res_fip, q, fip_columns, ARRAY_SIZE(fip_columns));
}

/* The floating IP whose id or address is s (owned object). */
static int fip_find(struct cli *cli, const char *s, json_t **obj)
{
	_cleanup_json_ json_t *reply = NULL;
	_cleanup_free_ char *q = NULL, *path = NULL;
	json_t *list;
	long status;
	int r;

	*obj = NULL;
	if ((r = cli_item_request(cli, &res_fip, "GET", s, NULL, &reply)) == 0) {
		*obj = json_incref(json_object_get(reply, res_fip.singular));
		return *obj ? 0 : -EPROTO;
	}
	json_decref(reply);
	reply = NULL;
	if ((r = net_query_add(cli, &q, "floating_ip_address", s)) < 0 ||
	    asprintf(&path, "%s?%s", res_fip.path, q) < 0)
		return -ENOMEM;
	if ((r = cli_request_status(cli, "network", "GET", path, NULL, &status, &reply)) < 0)
		return r;
	list = json_object_get(reply, res_fip.plural);
	if (status != 200 || json_array_size(list) != 1) {
		fprintf(stderr, "basalt: No floating IP with an ID or address of '%s' exists.\n", s);
		return -ENOENT;
	}
	*obj = json_incref(json_array_get(list, 0));
	return 0;
}

static int fip_find_id(struct cli *cli, const char *s, char **id)
{
	_cleanup_json_ json_t *f = NULL;
	int r;

	if ((r = fip_find(cli, s, &f)) < 0)
		return r;
	*id = strdup(json_string_value(json_object_get(f, "id")) ?: "");
	return *id ? 0 : -ENOMEM;
}

int cmd_floating_ip_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = NULL;
	int r;

	if ((r = fip_find(cli, a->pos[0], &f)) < 0)
		return r;
	return cli_print_object(cli, f);
}

int cmd_floating_ip_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = json_object();
	int r;

	if (!f)
		return -ENOMEM;
	if ((r = cli_body_find(cli, f, a, "network", &cli_res_network, NULL,
			       "floating_network_id")) < 0)
		return r;
	if (!cli_opt(a, "network")) {
		_cleanup_free_ char *net = NULL;

		if ((r = cli_find_id(cli, &cli_res_network, a->pos[0], NULL, &net)) < 0 ||
		    json_object_set_new(f, "floating_network_id", json_string(net)) < 0)
			return r < 0 ? r : -ENOMEM;
	}
	if ((r = cli_body_opt(f, a, "floating-ip-address", "floating_ip_address")) < 0 ||
	    (r = cli_body_opt(f, a, "fixed-ip-address", "fixed_ip_address")) < 0 ||
	    (r = cli_body_opt(f, a, "description", "description")) < 0 ||
	    (r = cli_body_find(cli, f, a, "port", &cli_res_port, NULL, "port_id")) < 0)
		return r;
	return cli_create(cli, &res_fip, f, false, NULL);
}

int cmd_floating_ip_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = json_object();
	_cleanup_free_ char *id = NULL;
	int r;

	if (!f)
		return -ENOMEM;
	if ((r = fip_find_id(cli, a->pos[0], &id)) < 0 ||
	    (r = cli_body_find(cli, f, a, "port", &cli_res_port, NULL, "port_id")) < 0 ||
	    (r = cli_body_opt(f, a, "fixed-ip-address", "fixed_ip_address")) < 0 ||
	    (r = cli_body_opt(f, a, "description", "description")) < 0)
		return r;
	return net_update(cli, &res_fip, id, f);
}

int cmd_floating_ip_unset(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *f = json_object();
	_cleanup_free_ char *id = NULL;
	int r;

	if (!f)
		return -ENOMEM;
	if ((r = fip_find_id(cli, a->pos[0], &id)) < 0)
		return r;
	if (cli_flag(a, "port") && json_object_set_new(f, "port_id", json_null()) < 0)
		return -ENOMEM;
	return net_update(cli, &res_fip, id, f);
}

int cmd_floating_ip_delete(struct cli *cli, const struct cli_args *a)
{
	int failed = 0;

	for (int i = 0; i < a->npos; i++) {
		_cleanup_free_ char *id = NULL;

		if (fip_find_id(cli, a->pos[i], &id) < 0 ||
		    cli_item_request(cli, &res_fip, "DELETE", id, NULL, NULL) < 0)
			failed++;
	}
	return failed ? -EIO : 0;
}

/* --- security groups and rules --- */

static const struct cli_column sg_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Description", "description", NULL },
	{ "Project", "project_id", NULL },
};

int cmd_security_group_list(struct cli *cli, const struct cli_args *a)
{
	return net_list(cli, &res_sg, NULL, sg_columns, ARRAY_SIZE(sg_columns));
}

int cmd_security_group_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *g = NULL;
	_cleanup_free_ char *id = NULL;
	int r;

	if ((r = sg_find_id(cli, a->pos[0], &id)) < 0 ||
	    (r = cli_item_request(cli, &res_sg, "GET", id, NULL, &g)) < 0)
		return r;
	return cli_print_object(cli, json_object_get(g, res_sg.singular));
}

int cmd_security_group_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *g = json_pack("{s:s}", "name", a->pos[0]);
	int r;

	if (!g)
		return -ENOMEM;
	if ((r = cli_body_opt(g, a, "description", "description")) < 0)
		return r;
	return cli_create(cli, &res_sg, g, false, NULL);
}

int cmd_security_group_delete(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *q = own_project(cli);

	return cli_delete_each(cli, &res_sg, a->pos, a->npos, q);
}

static char *port_range_text(const json_t *rule)
{
	json_int_t lo = json_integer_value(json_object_get(rule, "port_range_min"));
	json_int_t hi = json_integer_value(json_object_get(rule, "port_range_max"));
	char *s = NULL;

	if (!json_is_integer(json_object_get(rule, "port_range_min")))
		return strdup("");
	if (asprintf(&s, "%lld:%lld", (long long)lo, (long long)hi) < 0)
		return NULL;
	return s;
}

static const struct cli_column rule_columns[] = {
	{ "ID", "id", NULL },
	{ "IP Protocol", "protocol", NULL },
	{ "Ethertype", "ethertype", NULL },
	{ "IP Range", "remote_ip_prefix", NULL },
	{ "Port Range", "port_range", NULL },
	{ "Direction", "direction", NULL },
	{ "Remote Security Group", "remote_group_id", NULL },
};

int cmd_security_group_rule_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *reply = NULL;
	_cleanup_free_ char *q = NULL, *id = NULL, *path = NULL;
	size_t i;
	json_t *rule;
	int r;

	if (a->npos && ((r = sg_find_id(cli, a->pos[0], &id)) < 0 ||
			(r = net_query_add(cli, &q, "security_group_id", id)) < 0))
		return r;
	if (asprintf(&path, "%s%s%s", res_rule.path, q ? "?" : "", q ? q : "") < 0)
		return -ENOMEM;
	if ((r = cli_request(cli, "network", "GET", path, NULL, &reply)) < 0)
		return r;
	json_array_foreach(json_object_get(reply, res_rule.plural), i, rule)
	{
		char *range = port_range_text(rule);

		if (!range || json_object_set_new(rule, "port_range", json_string(range)) < 0) {
			free(range);
			return -ENOMEM;
		}
		free(range);
	}
	return cli_print_list(cli, rule_columns, ARRAY_SIZE(rule_columns),
			      json_object_get(reply, res_rule.plural));
}

/* --dst-port N or N:M into the rule's port range. */
static int dst_port(json_t *rule, const char *spec)
{
	char *end;
	long lo = strtol(spec, &end, 10), hi = lo;

	if (*end == ':')
		hi = strtol(end + 1, &end, 10);
	if (end == spec || *end || lo < 0 || hi < lo || hi > 65535) {
		fprintf(stderr, "basalt: --dst-port takes PORT or MIN:MAX, not '%s'\n", spec);
		return -EINVAL;
	}
	if (json_object_set_new(rule, "port_range_min", json_integer(lo)) < 0 ||
	    json_object_set_new(rule, "port_range_max", json_integer(hi)) < 0)
		return -ENOMEM;
	return 0;
}

int cmd_security_group_rule_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *rule = json_object();
	_cleanup_free_ char *group = NULL, *remote = NULL;
	const char *proto = cli_opt(a, "protocol");
	bool egress = cli_flag(a, "egress");
	int r;

	if (!rule)
		return -ENOMEM;
	if (egress && cli_flag(a, "ingress")) {
		fprintf(stderr, "basalt: --ingress and --egress exclude each other\n");
		return -EINVAL;
	}
	if ((r = sg_find_id(cli, a->pos[0], &group)) < 0)
		return r;
	if (json_object_set_new(rule, "security_group_id", json_string(group)) < 0 ||
	    json_object_set_new(rule, "direction", json_string(egress ? "egress" : "ingress")) < 0 ||
	    json_object_set_new(rule, "ethertype",
				json_string(cli_opt(a, "ethertype") ?: "IPv4")) < 0)
		return -ENOMEM;
	/* openstack's default protocol is tcp; "any" sends none. */
	if (!proto)
		proto = "tcp";
	if (strcmp(proto, "any") != 0 &&
	    json_object_set_new(rule, "protocol", json_string(proto)) < 0)
		return -ENOMEM;
	if (cli_opt(a, "dst-port") && (r = dst_port(rule, cli_opt(a, "dst-port"))) < 0)
		return r;
	if ((r = cli_body_opt(rule, a, "remote-ip", "remote_ip_prefix")) < 0 ||
	    (r = cli_body_opt(rule, a, "description", "description")) < 0)
		return r;
	if (cli_opt(a, "remote-group")) {
		if ((r = sg_find_id(cli, cli_opt(a, "remote-group"), &remote)) < 0)
			return r;
		if (json_object_set_new(rule, "remote_group_id", json_string(remote)) < 0)
			return -ENOMEM;
	} else if (!cli_opt(a, "remote-ip") &&
		   json_object_set_new(rule, "remote_ip_prefix",
				       json_string(cli_opt(a, "ethertype") &&
							   strcmp(cli_opt(a, "ethertype"),
								  "IPv6") == 0
						   ? "::/0"
						   : "0.0.0.0/0")) < 0) {
		return -ENOMEM;
	}
	return cli_create(cli, &res_rule, rule, false, NULL);
}

int cmd_security_group_rule_delete(struct cli *cli, const struct cli_args *a)
{
	int failed = 0;

	for (int i = 0; i < a->npos; i++)
		if (cli_item_request(cli, &res_rule, "DELETE", a->pos[i], NULL, NULL) < 0)
			failed++;
	return failed ? -EIO : 0;
}
