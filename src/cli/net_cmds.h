/* net_cmds.h - the networking commands (net_cmds.c: networks, subnets,
 * ports, agents; l3_cmds.c: routers, floating IPs, security groups) and
 * the helpers they share. */
#ifndef BASALT_NET_CMDS_H
#define BASALT_NET_CMDS_H

#include <jansson.h>

#include "cli/cli.h"

extern const struct cli_resource cli_res_network, cli_res_subnet, cli_res_port;

/* net_cmds.c - shared helpers */
/* Column formatters: "a, b" of a string array; openstack's fixed_ips text;
 * UP/DOWN of admin_state_up. Owned strings, NULL on ENOMEM. */
char *net_list_text(const json_t *v);
char *net_fixed_ips_text(const json_t *v);
char *net_state_text(const json_t *v);
/* GET r's collection with query (may be NULL) and print cols. */
int net_list(struct cli *cli, const struct cli_resource *r, const char *query,
	     const struct cli_column *cols, size_t ncols);
/* Find by name or id and print. */
int net_show(struct cli *cli, const struct cli_resource *r, const char *name_or_id);
/* PUT {singular: changes} to r/id; nothing when changes is empty. */
int net_update(struct cli *cli, const struct cli_resource *r, const char *id, json_t *changes);
/* Append key=escaped(value) to the owned query string *query. */
int net_query_add(struct cli *cli, char **query, const char *key, const char *value);
/* Append key=ID of the r named by option opt, when given. */
int net_query_find(struct cli *cli, char **query, const struct cli_args *a, const char *opt,
		   const struct cli_resource *r, const char *key);
/* obj[key] = true for --yes, false for --no (both: error; neither: nothing). */
int net_bool_pair(json_t *obj, const struct cli_args *a, const char *yes, const char *no,
		  const char *key);
/* Parse "k1=v1,k2=v2" with keys[] into out[names[i]]; unknown keys: -EINVAL. */
int net_kv_parse(const char *spec, const char *const *keys, size_t nkeys, json_t *out,
		 const char *const *names);

int cmd_network_list(struct cli *cli, const struct cli_args *a);
int cmd_network_show(struct cli *cli, const struct cli_args *a);
int cmd_network_create(struct cli *cli, const struct cli_args *a);
int cmd_network_set(struct cli *cli, const struct cli_args *a);
int cmd_network_delete(struct cli *cli, const struct cli_args *a);
int cmd_subnet_list(struct cli *cli, const struct cli_args *a);
int cmd_subnet_show(struct cli *cli, const struct cli_args *a);
int cmd_subnet_create(struct cli *cli, const struct cli_args *a);
int cmd_subnet_delete(struct cli *cli, const struct cli_args *a);
int cmd_port_list(struct cli *cli, const struct cli_args *a);
int cmd_port_show(struct cli *cli, const struct cli_args *a);
int cmd_port_create(struct cli *cli, const struct cli_args *a);
int cmd_port_set(struct cli *cli, const struct cli_args *a);
int cmd_port_delete(struct cli *cli, const struct cli_args *a);
int cmd_network_agent_list(struct cli *cli, const struct cli_args *a);

/* l3_cmds.c */
/* Append the ids of the repeated --security-group options to arr. */
int net_security_groups(struct cli *cli, json_t *arr, const struct cli_args *a);
int cmd_router_list(struct cli *cli, const struct cli_args *a);
int cmd_router_show(struct cli *cli, const struct cli_args *a);
int cmd_router_create(struct cli *cli, const struct cli_args *a);
int cmd_router_set(struct cli *cli, const struct cli_args *a);
int cmd_router_unset(struct cli *cli, const struct cli_args *a);
int cmd_router_delete(struct cli *cli, const struct cli_args *a);
int cmd_router_add_subnet(struct cli *cli, const struct cli_args *a);
int cmd_router_remove_subnet(struct cli *cli, const struct cli_args *a);
int cmd_floating_ip_list(struct cli *cli, const struct cli_args *a);
int cmd_floating_ip_show(struct cli *cli, const struct cli_args *a);
int cmd_floating_ip_create(struct cli *cli, const struct cli_args *a);
int cmd_floating_ip_set(struct cli *cli, const struct cli_args *a);
int cmd_floating_ip_unset(struct cli *cli, const struct cli_args *a);
int cmd_floating_ip_delete(struct cli *cli, const struct cli_args *a);
int cmd_security_group_list(struct cli *cli, const struct cli_args *a);
int cmd_security_group_show(struct cli *cli, const struct cli_args *a);
int cmd_security_group_create(struct cli *cli, const struct cli_args *a);
int cmd_security_group_delete(struct cli *cli, const struct cli_args *a);
int cmd_security_group_rule_list(struct cli *cli, const struct cli_args *a);
int cmd_security_group_rule_create(struct cli *cli, const struct cli_args *a);
int cmd_security_group_rule_delete(struct cli *cli, const struct cli_args *a);

#endif
