/* config.h - oslo.config-style INI configuration: every option, its
 * default and its meaning live in one table (config.c), which also prints
 * etc/basalt.conf.sample. */
#ifndef BASALT_CONFIG_H
#define BASALT_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
	/* [DEFAULT] */
	char *host;
	char *state_dir;
	char *log_level;
	/* [database] */
	char *db_connection;
	char *secret_key_file;
	int db_busy_timeout_ms;
	/* [api] */
	char *api_listen;
	char *public_url;
	int api_workers;
	int max_request_body_size;
	int max_agent_request_body_size;
	/* [identity] */
	int token_expiration;
	int max_active_keys;
	int password_hash_opslimit;
	int password_hash_memlimit_kib;
	char *region;
	/* [image] */
	char *image_store_dir;
	long long image_size_cap;
	long long image_virtual_size_cap;
	/* [compute] */
	char *virt_type;
	char *qemu_user;
	double cpu_allocation_ratio;
	double ram_allocation_ratio;
	double disk_allocation_ratio;
	int reserved_host_cpus;
	int reserved_host_memory_mb;
	int reserved_host_disk_mb;
	char *instances_path;
	int service_down_time;
	int heartbeat_interval;
	int vif_plugging_timeout;
	int console_token_ttl;
	bool force_config_drive;
	/* [agent] */
	char *agent_controller_url;
	char *agent_username;
	char *agent_password;
	char *agent_project;
	int agent_report_max_bytes;
	/* [network] */
	char *local_ip;
	char *physical_interface_mappings;
	char *vni_ranges;
	char *flat_networks;
	char *network_vlan_ranges;
	int global_physnet_mtu;
	char *dns_domain;
	bool enable_isolated_metadata;
	char *network_state_path;
	/* [metadata] */
	char *metadata_proxy_shared_secret;
	/* [quota] */
	int quota_instances;
	int quota_cores;
	int quota_ram;
	int quota_server_groups;
	int quota_server_group_members;
	int quota_network;
	int quota_subnet;
	int quota_port;
	int quota_router;
	int quota_floatingip;
	int quota_security_group;
	int quota_security_group_rule;
};

/* config.c */
/* Fill cfg with defaults, then read path (NULL: defaults only). Unknown
 * sections or options are rejected so typos do not pass silently.
 * On error returns -errno (or -EINVAL with a logged line number). */
int config_load(struct config *cfg, const char *path);
void config_free(struct config *cfg);
/* Call fn for every option whose value differs between a and b. */
void config_diff(const struct config *a, const struct config *b,
		 void (*fn)(const char *section, const char *name, void *arg), void *arg);
/* Print the documented sample configuration (etc/basalt.conf.sample). */
void config_print_sample(FILE *out);

#endif
