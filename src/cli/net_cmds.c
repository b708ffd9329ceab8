/* net_cmds.c - basalt network|subnet|port … and network agent list, shaped
 * like openstack's, against the networking service (Neutron v2.0). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/net_cmds.h"
#include "core/cleanup.h"
#include "core/util.h"

const struct cli_resource cli_res_network = { "network", "v2.0/networks", "network", "networks" };
const struct cli_resource cli_res_subnet = { "network", "v2.0/subnets", "subnet", "subnets" };
const struct cli_resource cli_res_port = { "network", "v2.0/ports", "port", "ports" };
static const struct cli_resource res_agent = { "network", "v2.0/agents", "agent", "agents" };

/* --- shared by the networking command files --- */

char *net_list_text(const json_t *v)
{
	size_t i, len = 0;
	json_t *item;
	char *out;

	if (!json_is_array(v))
		return cli_value_text(v);
	json_array_foreach(v, i, item) len += strlen(json_string_value(item) ?: "") + 2;
	if (!(out = calloc(1, len + 1)))
		return NULL;
	json_array_foreach(v, i, item)
	{
		if (i)
			strcat(out, ", ");
		strcat(out, json_string_value(item) ?: "");
	}
	return out;
}

char *net_fixed_ips_text(const json_t *v)
{
	size_t i;
	json_t *ip;
	char *out = strdup(""), *next;

	json_array_foreach(v, i, ip)
	{
		if (!out || asprintf(&next, "%s%sip_address='%s', subnet_id='%s'", out, i ? "\n" : "",
				     json_string_value(json_object_get(ip, "ip_address")) ?: "",
				     json_string_value(json_object_get(ip, "subnet_id")) ?: "") < 0) {
			free(out);
			return NULL;
		}
		free(out);
		out = next;
	}
	return out;
}

char *net_state_text(const json_t *v)
{
	return strdup(json_is_true(v) ? "UP" : "DOWN");
}

int net_list(struct cli *cli, const struct cli_resource *r, const char *query,
	     const struct cli_column *cols, size_t ncols)
{
	_cleanup_json_ json_t *reply = NULL;
	_cleanup_free_ char *path = NULL;
	int rc;

	if (asprintf(&path, "%s%s%s", r->path, query && *query ? "?" : "", query ? query : "") < 0)
		return -ENOMEM;
	if ((rc = cli_request(cli, r->service, "GET", path, NULL, &reply)) < 0)
		return rc;
	return cli_print_list(cli, cols, ncols, json_object_get(reply, r->plural));
}

int net_show(struct cli *cli, const struct cli_resource *r, const char *name_or_id)
{
	_cleanup_json_ json_t *obj = NULL;
	int rc;

	if ((rc = cli_find(cli, r, name_or_id, NULL, &obj)) < 0)
		return rc;
	return cli_print_object(cli, obj);
}

int net_update(struct cli *cli, const struct cli_resource *r, const char *id, json_t *changes)
{
	_cleanup_json_ json_t *body = json_pack("{s:O}", r->singular, changes);

	if (!body)
		return -ENOMEM;
	if (json_object_size(changes) == 0)
		return 0;
	return cli_item_request(cli, r, "PUT", id, body, NULL);
}

int net_query_add(struct cli *cli, char **query, const char *key, const char *value)
{
	_cleanup_free_ char *esc = cli_escape(cli, value);
	char *next;

	if (!esc || asprintf(&next, "%s%s%s=%s", *query ? *query : "", *query ? "&" : "", key,
			     esc) < 0)
		return -ENOMEM;
	free(*query);
	*query = next;
	return 0;
}

int net_query_find(struct cli *cli, char **query, const struct cli_args *a, const char *opt,
		   const struct cli_resource *r, const char *key)
{
	_cleanup_free_ char *id = NULL;
	const char *v = cli_opt(a, opt);
	int rc;

	if (!v)
		return 0;
	if ((rc = cli_find_id(cli, r, v, NULL, &id)) < 0)
		return rc;
	return net_query_add(cli, query, key, id);
}

int net_bool_pair(json_t *obj, const struct cli_args *a, const char *yes, const char *no,
		  const char *key)
{
	bool y = cli_flag(a, yes), n = cli_flag(a, no);

	if (y && n) {
		fprintf(stderr, "basalt: --%s and --%s exclude each other\n", yes, no);
		return -EINVAL;
	}
	if (!y && !n)
		return 0;
	return json_object_set_new(obj, key, json_boolean(y)) < 0 ? -ENOMEM : 0;
}

int net_kv_parse(const char *spec, const char *const *keys, size_t nkeys, json_t *out,
		 const char *const *names)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		size_t i;

		if (!eq) {
			fprintf(stderr, "basalt: expected KEY=VALUE in '%s'\n", spec);
			return -EINVAL;
		}
		*eq = '\0';
		for (i = 0; i < nkeys && strcmp(keys[i], kv) != 0; i++)
			;
		if (i == nkeys) {
			fprintf(stderr, "basalt: unknown key '%s' in '%s'\n", kv, spec);
			return -EINVAL;
		}
		if (json_object_set_new(out, names[i], json_string(eq + 1)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* --- networks --- */

static const struct cli_column network_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Subnets", "subnets", net_list_text },
	/* --long */
	{ "Network Type", "provider:network_type", NULL },
	{ "Router Type", "router:external", NULL },
	{ "Shared", "shared", NULL },
	{ "State", "admin_state_up", net_state_text },
	{ "MTU", "mtu", NULL },
};

int cmd_network_list(struct cli *cli, const struct cli_args *a)
{
	const char *q = cli_flag(a, "external") ? "router:external=True" : NULL;

	return net_list(cli, &cli_res_network, q, network_columns,
			cli_flag(a, "long") ? ARRAY_SIZE(network_columns) : 3);
}

int cmd_network_show(struct cli *cli, const struct cli_args *a)
{
	return net_show(cli, &cli_res_network, a->pos[0]);
}

/* The network attributes that create and set share. */
static int network_body(json_t *n, const struct cli_args *a)
{
	int r;

	if ((r = cli_body_opt(n, a, "description", "description")) < 0 ||
	    (r = net_bool_pair(n, a, "external", "internal", "router:external")) < 0 ||
	    (r = net_bool_pair(n, a, "share", "no-share", "shared")) < 0 ||
	    (r = net_bool_pair(n, a, "enable", "disable", "admin_state_up")) < 0)
		return r;
	if (cli_opt(a, "mtu") &&
	    json_object_set_new(n, "mtu", json_integer(atoi(cli_opt(a, "mtu")))) < 0)
		return -ENOMEM;
	return 0;
}

int cmd_network_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *n = json_pack("{s:s}", "name", a->pos[0]);
	const char *seg = cli_opt(a, "provider-segment");
	int r;

	if (!n)
		return -ENOMEM;
	if ((r = network_body(n, a)) < 0 ||
	    (r = cli_body_opt(n, a, "provider-network-type", "provider:network_type")) < 0 ||
	    (r = cli_body_opt(n, a, "provider-physical-network", "provider:physical_network")) < 0)
		return r;
	if (seg && json_object_set_new(n, "provider:segmentation_id", json_integer(atoi(seg))) < 0)
		return -ENOMEM;
	return cli_create(cli, &cli_res_network, n, false, NULL);
}

int cmd_network_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *n = json_object();
	_cleanup_free_ char *id = NULL;
	int r;

	if (!n)
		return -ENOMEM;
	if ((r = network_body(n, a)) < 0 || (r = cli_body_opt(n, a, "name", "name")) < 0 ||
	    (r = cli_find_id(cli, &cli_res_network, a->pos[0], NULL, &id)) < 0)
		return r;
	return net_update(cli, &cli_res_network, id, n);
}

int cmd_network_delete(struct cli *cli, const struct cli_args *a)
{
	return cli_delete_each(cli, &cli_res_network, a->pos, a->npos, NULL);
}

/* --- subnets --- */

static const struct cli_column subnet_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Network", "network_id", NULL },
	{ "Subnet", "cidr", NULL },
	/* --long */
	{ "Gateway", "gateway_ip", NULL },
	{ "DHCP", "enable_dhcp", NULL },
	{ "Name Servers", "dns_nameservers", net_list_text },
};

int cmd_subnet_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *q = NULL;
	int r;

	if ((r = net_query_find(cli, &q, a, "network", &cli_res_network, "network_id")) < 0)
		return r;
	return net_list(cli, &cli_res_subnet, q, subnet_columns,
			cli_flag(a, "long") ? ARRAY_SIZE(subnet_columns) : 4);
}

int cmd_subnet_show(struct cli *cli, const struct cli_args *a)
{
	return net_show(cli, &cli_res_subnet, a->pos[0]);
}

/* Append to arr the repeated option opt, each parsed as KEY=VALUE pairs
 * (keys renamed to names) or, with nkeys 0, as a plain string. */
static int repeated(json_t *arr, const struct cli_args *a, const char *opt,
		    const char *const *keys, const char *const *names, size_t nkeys)
{
	for (int i = 0; i < a->nopt; i++) {
		json_t *item;
		int r;

		if (strcmp(a->opt[i].name, opt) != 0)
			continue;
		item = nkeys ? json_object() : json_string(a->opt[i].value);
		if (!item || json_array_append_new(arr, item) < 0)
			return -ENOMEM;
		if (nkeys && (r = net_kv_parse(a->opt[i].value, keys, nkeys, item, names)) < 0)
			return r;
	}
	return 0;
}

int cmd_subnet_create(struct cli *cli, const struct cli_args *a)
{
	static const char *const pool_keys[] = { "start", "end" };
	static const char *const route_keys[] = { "destination", "gateway" };
	static const char *const route_names[] = { "destination", "nexthop" };
	_cleanup_json_ json_t *s = json_pack("{s:s,s:i}", "name", a->pos[0], "ip_version", 4);
	_cleanup_json_ json_t *pools = json_array(), *dns = json_array(), *routes = json_array();
	const char *gw = cli_opt(a, "gateway");
	int r;

	if (!s || !pools || !dns || !routes)
		return -ENOMEM;
	if (!cli_opt(a, "network") || !cli_opt(a, "subnet-range")) {
		fprintf(stderr, "basalt subnet create: --network and --subnet-range are required\n");
		return -EINVAL;
	}
	if ((r = repeated(pools, a, "allocation-pool", pool_keys, pool_keys, 2)) < 0 ||
	    (r = repeated(dns, a, "dns-nameserver", NULL, NULL, 0)) < 0 ||
	    (r = repeated(routes, a, "host-route", route_keys, route_names, 2)) < 0 ||
	    (r = net_bool_pair(s, a, "dhcp", "no-dhcp", "enable_dhcp")) < 0 ||
	    (r = cli_body_opt(s, a, "subnet-range", "cidr")) < 0 ||
	    (r = cli_body_opt(s, a, "description", "description")) < 0 ||
	    (r = cli_body_find(cli, s, a, "network", &cli_res_network, NULL, "network_id")) < 0)
		return r;
	if (gw && json_object_set_new(s, "gateway_ip",
				      strcmp(gw, "none") == 0 ? json_null() : json_string(gw)) < 0)
		return -ENOMEM;
	if ((json_array_size(pools) && json_object_set(s, "allocation_pools", pools) < 0) ||
	    (json_array_size(dns) && json_object_set(s, "dns_nameservers", dns) < 0) ||
	    (json_array_size(routes) && json_object_set(s, "host_routes", routes) < 0))
		return -ENOMEM;
	return cli_create(cli, &cli_res_subnet, s, false, NULL);
}

int cmd_subnet_delete(struct cli *cli, const struct cli_args *a)
{
	return cli_delete_each(cli, &cli_res_subnet, a->pos, a->npos, NULL);
}

/* --- ports --- */

static const struct cli_column port_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "MAC Address", "mac_address", NULL },
	{ "Fixed IP Addresses", "fixed_ips", net_fixed_ips_text },
	{ "Status", "status", NULL },
	/* --long */
	{ "Security Groups", "security_groups", net_list_text },
	{ "Device Owner", "device_owner", NULL },
	{ "Tags", "tags", net_list_text },
};

int cmd_port_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *q = NULL, *server = NULL;
	int r;

	if ((r = net_query_find(cli, &q, a, "network", &cli_res_network, "network_id")) < 0)
		return r;
	if (cli_opt(a, "server") &&
	    ((r = cli_compute_ref(cli, &cli_res_server, cli_opt(a, "server"), NULL, &server)) < 0 ||
	     (r = net_query_add(cli, &q, "device_id", server)) < 0))
		return r;
	if (cli_opt(a, "device-owner") &&
	    (r = net_query_add(cli, &q, "device_owner", cli_opt(a, "device-owner"))) < 0)
		return r;
	return net_list(cli, &cli_res_port, q, port_columns,
			cli_flag(a, "long") ? ARRAY_SIZE(port_columns) : 5);
}

int cmd_port_show(struct cli *cli, const struct cli_args *a)
{
	return net_show(cli, &cli_res_port, a->pos[0]);
}

/* --fixed-ip subnet=S,ip-address=A (repeated) into [{subnet_id, ip_address}],
 * subnets found by name or id. */
static int fixed_ips(struct cli *cli, json_t *out, const struct cli_args *a)
{
	static const char *const keys[] = { "subnet", "ip-address" };
	static const char *const names[] = { "subnet_id", "ip_address" };
	size_t i;
	json_t *ip;
	int r;

	if ((r = repeated(out, a, "fixed-ip", keys, names, 2)) < 0)
		return r;
	json_array_foreach(out, i, ip)
	{
		_cleanup_free_ char *id = NULL;
		const char *s = json_string_value(json_object_get(ip, "subnet_id"));

		if (!s)
			continue;
		if ((r = cli_find_id(cli, &cli_res_subnet, s, NULL, &id)) < 0)
			return r;
		if (json_object_set_new(ip, "subnet_id", json_string(id)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cmd_port_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *p = json_pack("{s:s}", "name", a->pos[0]);
	_cleanup_json_ json_t *ips = json_array(), *groups = json_array();
	int r;

	if (!p || !ips || !groups)
		return -ENOMEM;
	if (!cli_opt(a, "network")) {
		fprintf(stderr, "basalt port create: --network is required\n");
		return -EINVAL;
	}
	if ((r = cli_body_find(cli, p, a, "network", &cli_res_network, NULL, "network_id")) < 0 ||
	    (r = fixed_ips(cli, ips, a)) < 0 ||
	    (r = net_security_groups(cli, groups, a)) < 0 ||
	    (r = cli_body_opt(p, a, "mac-address", "mac_address")) < 0 ||
	    (r = cli_body_opt(p, a, "description", "description")) < 0 ||
	    (r = cli_body_opt(p, a, "device", "device_id")) < 0 ||
	    (r = cli_body_opt(p, a, "device-owner", "device_owner")) < 0 ||
	    (r = cli_body_opt(p, a, "host", "binding:host_id")) < 0 ||
	    (r = net_bool_pair(p, a, "enable-port-security", "disable-port-security",
			       "port_security_enabled")) < 0)
		return r;
	if ((json_array_size(ips) && json_object_set(p, "fixed_ips", ips) < 0) ||
	    ((json_array_size(groups) || cli_flag(a, "no-security-group")) &&
	     json_object_set(p, "security_groups", groups) < 0))
		return -ENOMEM;
	return cli_create(cli, &cli_res_port, p, false, NULL);
}

int cmd_port_set(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *p = json_object(), *ips = json_array(), *groups = json_array();
	_cleanup_free_ char *id = NULL;
	int r;

	if (!p || !ips || !groups)
		return -ENOMEM;
	if ((r = cli_find_id(cli, &cli_res_port, a->pos[0], NULL, &id)) < 0 ||
	    (r = cli_body_opt(p, a, "name", "name")) < 0 ||
	    (r = cli_body_opt(p, a, "description", "description")) < 0 ||
	    (r = fixed_ips(cli, ips, a)) < 0 || (r = net_security_groups(cli, groups, a)) < 0 ||
	    (r = net_bool_pair(p, a, "enable-port-security", "disable-port-security",
			       "port_security_enabled")) < 0)
		return r;
	if ((json_array_size(ips) && json_object_set(p, "fixed_ips", ips) < 0) ||
	    ((json_array_size(groups) || cli_flag(a, "no-security-group")) &&
	     json_object_set(p, "security_groups", groups) < 0))
		return -ENOMEM;
	return net_update(cli, &cli_res_port, id, p);
}

int cmd_port_delete(struct cli *cli, const struct cli_args *a)
{
	return cli_delete_each(cli, &cli_res_port, a->pos, a->npos, NULL);
}

/* --- agents --- */

static char *alive_text(const json_t *v)
{
	return strdup(json_is_true(v) ? ":-)" : "XXX");
}

static const struct cli_column agent_columns[] = {
	{ "ID", "id", NULL },
	{ "Agent Type", "agent_type", NULL },
	{ "Host", "host", NULL },
	{ "Availability Zone", "availability_zone", NULL },
	{ "Alive", "alive", alive_text },
	{ "State", "admin_state_up", net_state_text },
	{ "Binary", "binary", NULL },
};

int cmd_network_agent_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_free_ char *q = NULL;

	if (cli_opt(a, "host") && net_query_add(cli, &q, "host", cli_opt(a, "host")) < 0)
		return -ENOMEM;
	return net_list(cli, &res_agent, q, agent_columns, ARRAY_SIZE(agent_columns));
}
