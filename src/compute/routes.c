/* routes.c (compute) - Nova's routes and the agents' (docs/agent-protocol.md). */
#include "compute/compute.h"
#include "core/util.h"
#include "http/http.h"

#define C "/compute/v2.1"
#define R(rule, method, path, handler, policy) { rule, method, path, handler, policy, NULL }

static const struct route routes[] = {
	R("compute:versions", "GET", "/compute", h_compute_versions, POL_NONE),
	R("compute:version", "GET", C, h_compute_version, POL_NONE),

	R("os_compute_api:os-flavor-manage:list", "GET", C "/flavors", h_flavor_list, POL_PROJECT),
	R("os_compute_api:os-flavor-manage:list", "GET", C "/flavors/detail", h_flavor_detail, POL_PROJECT),
	R("os_compute_api:os-flavor-manage:show", "GET", C "/flavors/{flavor_id}", h_flavor_get, POL_PROJECT),
	R("os_compute_api:os-flavor-manage:create", "POST", C "/flavors", h_flavor_create, POL_ADMIN),
	R("os_compute_api:os-flavor-manage:delete", "DELETE", C "/flavors/{flavor_id}", h_flavor_delete, POL_ADMIN),
	R("os_compute_api:os-flavor-extra-specs:index", "GET", C "/flavors/{flavor_id}/os-extra_specs", h_flavor_specs_list, POL_PROJECT),
	R("os_compute_api:os-flavor-extra-specs:create", "POST", C "/flavors/{flavor_id}/os-extra_specs", h_flavor_specs_set, POL_ADMIN),
	R("os_compute_api:os-flavor-extra-specs:show", "GET", C "/flavors/{flavor_id}/os-extra_specs/{key}", h_flavor_spec_get, POL_PROJECT),
	R("os_compute_api:os-flavor-extra-specs:delete", "DELETE", C "/flavors/{flavor_id}/os-extra_specs/{key}", h_flavor_spec_delete, POL_ADMIN),

	R("os_compute_api:os-keypairs:index", "GET", C "/os-keypairs", h_keypair_list, POL_TOKEN),
	R("os_compute_api:os-keypairs:create", "POST", C "/os-keypairs", h_keypair_create, POL_TOKEN),
	R("os_compute_api:os-keypairs:show", "GET", C "/os-keypairs/{name}", h_keypair_get, POL_TOKEN),
	R("os_compute_api:os-keypairs:delete", "DELETE", C "/os-keypairs/{name}", h_keypair_delete, POL_TOKEN),

	R("os_compute_api:servers:index", "GET", C "/servers", h_server_list, POL_PROJECT),
	R("os_compute_api:servers:detail", "GET", C "/servers/detail", h_server_detail, POL_PROJECT),
	R("os_compute_api:servers:create", "POST", C "/servers", h_server_create, POL_PROJECT),
	R("os_compute_api:servers:show", "GET", C "/servers/{server_id}", h_server_get, POL_PROJECT),
	R("os_compute_api:servers:delete", "DELETE", C "/servers/{server_id}", h_server_delete, POL_PROJECT),
	R("os_compute_api:servers:action", "POST", C "/servers/{server_id}/action", h_server_action, POL_PROJECT),
	R("os_compute_api:server-metadata:index", "GET", C "/servers/{server_id}/metadata", h_server_metadata_list, POL_PROJECT),
	R("os_compute_api:server-metadata:create", "POST", C "/servers/{server_id}/metadata", h_server_metadata_set, POL_PROJECT),
	R("os_compute_api:server-metadata:update_all", "PUT", C "/servers/{server_id}/metadata", h_server_metadata_set, POL_PROJECT),
	R("os_compute_api:server-metadata:show", "GET", C "/servers/{server_id}/metadata/{key}", h_server_metadata_get, POL_PROJECT),
	R("os_compute_api:server-metadata:delete", "DELETE", C "/servers/{server_id}/metadata/{key}", h_server_metadata_delete, POL_PROJECT),
	R("os_compute_api:ips:index", "GET", C "/servers/{server_id}/ips", h_server_ips, POL_PROJECT),
	R("os_compute_api:ips:show", "GET", C "/servers/{server_id}/ips/{network_label}", h_server_ips_network, POL_PROJECT),
	R("os_compute_api:os-attach-interfaces:list", "GET", C "/servers/{server_id}/os-interface", h_server_interface_list, POL_PROJECT),
	R("os_compute_api:os-attach-interfaces:show", "GET", C "/servers/{server_id}/os-interface/{port_id}", h_server_interface_get, POL_PROJECT),

	R("os_compute_api:os-services:list", "GET", C "/os-services", h_service_list_nova, POL_ADMIN),
	R("os_compute_api:os-services:update", "PUT", C "/os-services/{service_id}", h_service_update_nova, POL_ADMIN),
	R("os_compute_api:os-hypervisors:list", "GET", C "/os-hypervisors", h_hypervisor_list, POL_ADMIN),
	R("os_compute_api:os-hypervisors:list-detail", "GET", C "/os-hypervisors/detail", h_hypervisor_detail, POL_ADMIN),
	R("os_compute_api:os-hypervisors:statistics", "GET", C "/os-hypervisors/statistics", h_hypervisor_stats, POL_ADMIN),
	R("os_compute_api:os-hypervisors:show", "GET", C "/os-hypervisors/{hypervisor_id}", h_hypervisor_get, POL_ADMIN),

	R("os_compute_api:os-hypervisors:uptime", "GET", C "/os-hypervisors/{hypervisor_id}/uptime", h_hypervisor_uptime, POL_ADMIN),
	R("os_compute_api:os-aggregates:index", "GET", C "/os-aggregates", h_aggregate_list, POL_ADMIN),
	R("os_compute_api:os-availability-zone:list", "GET", C "/os-availability-zone", h_availability_zones, POL_PROJECT),
	R("os_compute_api:os-availability-zone:detail", "GET", C "/os-availability-zone/detail", h_availability_zones, POL_ADMIN),
	R("os_compute_api:limits", "GET", C "/limits", h_limits, POL_PROJECT),
	R("os_compute_api:os-quota-sets:show", "GET", C "/os-quota-sets/{project_id}", h_quota_get, POL_TOKEN),
	R("os_compute_api:os-quota-sets:detail", "GET", C "/os-quota-sets/{project_id}/detail", h_quota_get, POL_TOKEN),
	R("os_compute_api:os-quota-sets:defaults", "GET", C "/os-quota-sets/{project_id}/defaults", h_quota_defaults, POL_TOKEN),
	R("os_compute_api:os-quota-sets:update", "PUT", C "/os-quota-sets/{project_id}", h_quota_update, POL_ADMIN),
};

const struct route_table compute_routes = { routes, ARRAY_SIZE(routes) };

static const struct route agent[] = {
	R("agent:register", "PUT", "/agent/v1/hosts/{host}", h_agent_register, POL_ADMIN),
	R("agent:heartbeat", "POST", "/agent/v1/hosts/{host}/heartbeat", h_agent_heartbeat, POL_ADMIN),
	R("agent:desired", "GET", "/agent/v1/hosts/{host}/desired", h_agent_desired, POL_ADMIN),
	R("agent:report", "POST", "/agent/v1/hosts/{host}/report", h_agent_report, POL_ADMIN),
};

const struct route_table agent_routes = { agent, ARRAY_SIZE(agent) };
