/* config.c - oslo.config-style INI configuration, one table of options. */
#include <errno.h>
#include <stdbool.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/util.h"

enum opt_type { OPT_STR, OPT_INT, OPT_I64, OPT_DOUBLE, OPT_BOOL };

struct option {
	const char *section;
	const char *name;
	enum opt_type type;
	size_t offset;
	const char *def;
	const char *help;
};

#define STR(sec, name, field, def, help)                                                           \
	{                                                                                          \
		sec, name, OPT_STR, offsetof(struct config, field), def, help                      \
	}
#define INT(sec, name, field, def, help)                                                           \
	{                                                                                          \
		sec, name, OPT_INT, offsetof(struct config, field), def, help                      \
	}

#define I64(sec, name, field, def, help)                                                           \
	{                                                                                          \
		sec, name, OPT_I64, offsetof(struct config, field), def, help                      \
	}
#define BOOL(sec, name, field, def, help)                                                          \
	{                                                                                          \
		sec, name, OPT_BOOL, offsetof(struct config, field), def, help                     \
	}
#define DBL(sec, name, field, def, help)                                                           \
	{                                                                                          \
		sec, name, OPT_DOUBLE, offsetof(struct config, field), def, help                   \
	}

static const struct option options[] = {
	STR("DEFAULT", "host", host, "localhost",
	    "Name of this node, as agents and the catalog show it."),
	STR("DEFAULT", "state_dir", state_dir, "/var/lib/basalt",
	    "Directory for the store, token keys and other local state."),
	STR("DEFAULT", "log_level", log_level, "info", "One of debug, info, warning, error."),
	STR("database", "connection", db_connection, "",
	    "sqlite:///PATH (default: sqlite:///STATE_DIR/basalt.db), or"
	    " postgresql://USER:PASSWORD@HOST:PORT/DB, or postgresql:///DB?host=/SOCKET/DIR"
	    " (several controllers share one PostgreSQL database)."),
	STR("database", "secret_key_file", secret_key_file, "",
	    "The key that seals the token and credential keys kept in the database (64 hex digits; default STATE_DIR/secret.key, made by bootstrap). Every controller needs the same file: copy it when adding one, back it up apart from the database."),
	INT("database", "busy_timeout_ms", db_busy_timeout_ms, "10000",
	    "How long a writer waits for another writer before giving up (PostgreSQL:"
	    " lock_timeout)."),
	STR("api", "listen", api_listen, "127.0.0.1:5000", "Address and port the API listens on."),
	STR("api", "public_url", public_url, "",
	    "Base URL clients use to reach the API (default: http://LISTEN)."),
	INT("api", "workers", api_workers, "0", "HTTP worker threads (0: one per CPU)."),
	INT("api", "max_request_body_size", max_request_body_size, "114688",
	    "Largest request body accepted, in bytes; larger ones get 413."),
	INT("api", "max_agent_request_body_size", max_agent_request_body_size, "1048576",
	    "Largest body the agents' API (/agent/v1) accepts, in bytes (apart from the public API's; agents page their reports well below it)."),
	INT("identity", "token_expiration", token_expiration, "3600",
	    "Lifetime of a token, in seconds."),
	INT("identity", "max_active_keys", max_active_keys, "3",
	    "Token keys kept by 'token-keys rotate' (the newest signs, all validate)."),
	INT("identity", "password_hash_opslimit", password_hash_opslimit, "2",
	    "argon2id time cost (passes)."),
	INT("identity", "password_hash_memlimit_kib", password_hash_memlimit_kib, "19456",
	    "argon2id memory cost in KiB (19 MiB: the OWASP baseline)."),
	STR("identity", "region", region, "RegionOne",
	    "Region of the endpoints that bootstrap creates."),
	STR("image", "store_dir", image_store_dir, "",
	    "Where image files live (default: STATE_DIR/images), like Glance's file store."),
	I64("image", "image_size_cap", image_size_cap, "1099511627776",
	    "Largest image accepted, in bytes (Glance's default: 1 TiB)."),
	I64("image", "virtual_size_cap", image_virtual_size_cap, "1099511627776",
	    "Largest virtual disk size an uploaded image may declare (qcow2 header), in bytes; 0: no limit."),
	STR("compute", "virt_type", virt_type, "auto",
	    "kvm, qemu (TCG), fake (no VMs: load tests only) or auto (kvm where a guest really boots)."),
	STR("compute", "qemu_user", qemu_user, "basalt-qemu",
	    "Unprivileged user QEMU runs as (sandboxed); must exist on compute nodes (docs/install.md)."),
	DBL("compute", "cpu_allocation_ratio", cpu_allocation_ratio, "16.0",
	    "Virtual CPUs scheduled per physical CPU, as in Nova."),
	DBL("compute", "ram_allocation_ratio", ram_allocation_ratio, "1.5",
	    "Virtual RAM scheduled per MB of physical RAM, as in Nova."),
	DBL("compute", "disk_allocation_ratio", disk_allocation_ratio, "1.0",
	    "Virtual disk scheduled per GB of physical disk, as in Nova."),
	INT("compute", "reserved_host_cpus", reserved_host_cpus, "0",
	    "CPUs kept back for the host."),
	INT("compute", "reserved_host_memory_mb", reserved_host_memory_mb, "512",
	    "RAM kept back for the host, in MB."),
	INT("compute", "reserved_host_disk_mb", reserved_host_disk_mb, "0",
	    "Disk kept back for the host, in MB."),
	STR("compute", "instances_path", instances_path, "",
	    "Where VM disks, consoles and sockets live (default: STATE_DIR/instances)."),
	INT("compute", "service_down_time", service_down_time, "60",
	    "Seconds without a heartbeat after which a compute service is down."),
	INT("compute", "heartbeat_interval", heartbeat_interval, "10",
	    "Seconds between an agent's heartbeats."),
	INT("compute", "vif_plugging_timeout", vif_plugging_timeout, "300",
	    "Seconds a new VM waits for the DHCP server of its networks before it starts anyway (Nova's)."),
	INT("compute", "console_token_ttl", console_token_ttl, "600",
	    "Seconds a serial console URL's one-time token stays valid (Nova's [consoleauth] token_ttl)."),
	BOOL("compute", "force_config_drive", force_config_drive, "false",
	     "Give every new VM a config drive, asked for or not (Nova's); else only those created with config_drive."),
	STR("agent", "controller_url", agent_controller_url, "",
	    "The controller's API, e.g. http://controller:5000, for compute and network nodes: the load balancer's address with several controllers, or a comma list of controllers (on a failure, the next; back to the first after a minute)."),
	STR("agent", "username", agent_username, "", "The agent's service user."),
	STR("agent", "password", agent_password, "", "The service user's password."),
	STR("agent", "project", agent_project, "service", "The service user's project."),
	INT("agent", "report_max_bytes", agent_report_max_bytes, "49152",
	    "Largest report body an agent sends; bigger reports go in pages (halved while the controller refuses them as too large)."),
	STR("network", "local_ip", local_ip, "",
	    "This node's overlay (VXLAN tunnel) address, on whichever interface holds it."),
	STR("network", "physical_interface_mappings", physical_interface_mappings, "",
	    "PHYSNET:IFACE[,...]: the interfaces flat (and vlan) networks are bridged to."),
	STR("network", "vni_ranges", vni_ranges, "1:1000",
	    "MIN:MAX[,...]: VXLAN ids for tenant networks (controller)."),
	STR("network", "flat_networks", flat_networks, "*",
	    "Physical networks flat networks may use (* any, empty none) (controller)."),
	STR("network", "network_vlan_ranges", network_vlan_ranges, "",
	    "PHYSNET[:MIN:MAX][,...]: physical networks vlan networks may use (controller)."),
	INT("network", "global_physnet_mtu", global_physnet_mtu, "1500",
	    "MTU of the underlay; vxlan networks get this minus 50 (controller)."),
	STR("network", "dns_domain", dns_domain, "openstacklocal", "Domain DHCP gives instances."),
	BOOL("network", "enable_isolated_metadata", enable_isolated_metadata, "true",
	     "Serve 169.254.169.254 from the DHCP namespace of a subnet no router serves (its gateway on no router leg), with a DHCP route to it (Neutron's DHCP agent option; its default is false)."),
	STR("network", "state_path", network_state_path, "",
	    "Where DHCP hosts files and pid files live (default: STATE_DIR/network)."),
	STR("metadata", "proxy_shared_secret", metadata_proxy_shared_secret, "",
	    "Secret the metadata proxies sign requests with; the same on controller and network nodes."),
	INT("quota", "instances", quota_instances, "10", "Default servers per project (the default quota class, os-quota-class-sets, overrides it)."),
	INT("quota", "cores", quota_cores, "20", "Default vCPUs per project (the default quota class overrides it)."),
	INT("quota", "ram", quota_ram, "51200", "Default RAM per project, in MB (the default quota class overrides it)."),
	INT("quota", "server_groups", quota_server_groups, "10",
	    "Default server groups per project (the default quota class overrides it)."),
	INT("quota", "server_group_members", quota_server_group_members, "10",
	    "Default servers a user puts in one server group (the default quota class overrides it)."),
	INT("quota", "network", quota_network, "100", "Default networks per project."),
	INT("quota", "subnet", quota_subnet, "100", "Default subnets per project."),
	INT("quota", "port", quota_port, "500", "Default ports per project."),
	INT("quota", "router", quota_router, "10", "Default routers per project."),
	INT("quota", "floatingip", quota_floatingip, "50", "Default floating IPs per project."),
	INT("quota", "security_group", quota_security_group, "10",
	    "Default security groups per project."),
	INT("quota", "security_group_rule", quota_security_group_rule, "100",
	    "Default security group rules per project."),
};

static int option_set(struct config *cfg, const struct option *o, const char *value)
{
	void *field = (char *)cfg + o->offset;

	if (o->type == OPT_STR) {
		char *copy = strdup(value);
		if (!copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	if (o->type == OPT_BOOL) {
		int v = parse_bool(value);
		if (v < 0)
			return v;
		*(bool *)field = v;
		return 0;
	}
	char *end;
	errno = 0;
	if (o->type == OPT_DOUBLE) {
		double d = strtod(value, &end);
		if (errno || end == value || *end || d < 0)
			return -EINVAL;
		*(double *)field = d;
		return 0;
	}
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || *end)
		return -EINVAL;
	if (o->type == OPT_I64) {
		*(long long *)field = v;
		return 0;
	}
	if (v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*(int *)field = (int)v;
	return 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct config *cfg = user;

	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (strcmp(options[i].section, section) == 0 &&
		    strcmp(options[i].name, name) == 0) {
			if (option_set(cfg, &options[i], value) < 0) {
				log_error("config: bad value for [%s] %s: %s", section, name,
					  value);
				return 0;
			}
			return 1;
		}
	}
	log_error("config: unknown option [%s] %s", section, name);
	return 0;
}

void config_diff(const struct config *a, const struct config *b,
		 void (*fn)(const char *section, const char *name, void *arg), void *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *o = &options[i];
		const void *fa = (const char *)a + o->offset, *fb = (const char *)b + o->offset;
		bool same;

		switch (o->type) {
		case OPT_STR:
			same = strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
			break;
		case OPT_DOUBLE:
			same = *(const double *)fa == *(const double *)fb;
			break;
		case OPT_I64:
			same = *(const long long *)fa == *(const long long *)fb;
			break;
		case OPT_BOOL:
			same = *(const bool *)fa == *(const bool *)fb;
			break;
		default:
			same = *(const int *)fa == *(const int *)fb;
		}
		if (!same)
			fn(o->section, o->name, arg);
	}
}

int config_load(struct config *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		int r = option_set(cfg, &options[i], options[i].def);
		if (r < 0)
			return r;
	}
	if (path) {
		int r = ini_parse(path, on_entry, cfg);
		if (r < 0) {
			log_error("config: cannot read %s", path);
			return -ENOENT;
		}
		if (r > 0) {
			log_error("config: %s: error on line %d", path, r);
			return -EINVAL;
		}
	}
	return 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (options[i].type == OPT_STR) {
			char **field = (char **)((char *)cfg + options[i].offset);
			free(*field);
			*field = NULL;
		}
	}
}

void config_print_sample(FILE *out)
{
	const char *section = NULL;

	fprintf(out, "# basalt.conf - every option with its default. Generated by\n"
		     "# 'basaltd config-sample'; a test keeps this file in step.\n");
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *o = &options[i];
		if (!section || strcmp(section, o->section) != 0) {
			section = o->section;
			fprintf(out, "\n[%s]\n", section);
		}
		fprintf(out, "\n# %s\n#%s = %s\n", o->help, o->name, o->def);
	}
}
