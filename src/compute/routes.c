/* routes.c (compute) - Nova's routes. */
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/util.h"
#include "http/http.h"

#define C "/compute/v2.1"
#define R(rule, method, path, handler) { rule, method, path, handler, NULL }

static const struct route routes[] = {
	R("compute:versions", "GET", "/compute", h_compute_versions),
	R("compute:version", "GET", C, h_compute_version),
	R("compute:version", "GET", "/compute/v2", h_compute_version_v2),

	R("os_compute_api:os-flavor-manage:list", "GET", C "/flavors", h_flavor_list),
	R("os_compute_api:os-flavor-manage:list", "GET", C "/flavors/detail", h_flavor_detail),
	R("os_compute_api:os-flavor-manage:show", "GET", C "/flavors/{flavor_id}", h_flavor_get),
	R("os_compute_api:os-flavor-manage:create", "POST", C "/flavors", h_flavor_create),
	R("os_compute_api:os-flavor-manage:delete", "DELETE", C "/flavors/{flavor_id}", h_flavor_delete),
	R("os_compute_api:os-flavor-manage:update", "PUT", C "/flavors/{flavor_id}", h_flavor_update),
	R("os_compute_api:os-flavor-access", "GET", C "/flavors/{flavor_id}/os-flavor-access", h_flavor_access_list),
	R("os_compute_api:os-flavor-access:add_tenant_access", "POST", C "/flavors/{flavor_id}/action", h_flavor_action),
	R("os_compute_api:os-flavor-extra-specs:index", "GET", C "/flavors/{flavor_id}/os-extra_specs", h_flavor_specs_list),
	R("os_compute_api:os-flavor-extra-specs:create", "POST", C "/flavors/{flavor_id}/os-extra_specs", h_flavor_specs_set),
	R("os_compute_api:os-flavor-extra-specs:show", "GET", C "/flavors/{flavor_id}/os-extra_specs/{key}", h_flavor_spec_get),
	R("os_compute_api:os-flavor-extra-specs:update", "PUT", C "/flavors/{flavor_id}/os-extra_specs/{key}", h_flavor_spec_update),
	R("os_compute_api:os-flavor-extra-specs:delete", "DELETE", C "/flavors/{flavor_id}/os-extra_specs/{key}", h_flavor_spec_delete),

	R("os_compute_api:images:index", "GET", C "/images", h_compute_image_list),
	R("os_compute_api:images:detail", "GET", C "/images/detail", h_compute_image_detail),
	R("os_compute_api:images:show", "GET", C "/images/{image_id}", h_compute_image_get),
	R("os_compute_api:images:delete", "DELETE", C "/images/{image_id}", h_compute_image_delete),
	R("os_compute_api:image-metadata:index", "GET", C "/images/{image_id}/metadata", h_compute_image_meta_list),
	R("os_compute_api:image-metadata:create", "POST", C "/images/{image_id}/metadata", h_compute_image_meta_set),
	R("os_compute_api:image-metadata:update_all", "PUT", C "/images/{image_id}/metadata", h_compute_image_meta_set),
	R("os_compute_api:image-metadata:show", "GET", C "/images/{image_id}/metadata/{key}", h_compute_image_meta_get),
	R("os_compute_api:image-metadata:update", "PUT", C "/images/{image_id}/metadata/{key}", h_compute_image_meta_put),
	R("os_compute_api:image-metadata:delete", "DELETE", C "/images/{image_id}/metadata/{key}", h_compute_image_meta_delete),

	R("os_compute_api:os-keypairs:index", "GET", C "/os-keypairs", h_keypair_list),
	R("os_compute_api:os-keypairs:create", "POST", C "/os-keypairs", h_keypair_create),
	R("os_compute_api:os-keypairs:show", "GET", C "/os-keypairs/{name}", h_keypair_get),
	R("os_compute_api:os-keypairs:delete", "DELETE", C "/os-keypairs/{name}", h_keypair_delete),

	R("os_compute_api:servers:index", "GET", C "/servers", h_server_list),
	R("os_compute_api:servers:detail", "GET", C "/servers/detail", h_server_detail),
	R("os_compute_api:servers:create", "POST", C "/servers", h_server_create),
	R("os_compute_api:servers:show", "GET", C "/servers/{server_id}", h_server_get),
	R("os_compute_api:servers:delete", "DELETE", C "/servers/{server_id}", h_server_delete),
	R("os_compute_api:servers:update", "PUT", C "/servers/{server_id}", h_server_update),
	R("os_compute_api:servers:action", "POST", C "/servers/{server_id}/action", h_server_action),
	R("os_compute_api:server-metadata:index", "GET", C "/servers/{server_id}/metadata", h_server_metadata_list),
	R("os_compute_api:server-metadata:create", "POST", C "/servers/{server_id}/metadata", h_server_metadata_set),
	R("os_compute_api:server-metadata:update_all", "PUT", C "/servers/{server_id}/metadata", h_server_metadata_set),
	R("os_compute_api:server-metadata:show", "GET", C "/servers/{server_id}/metadata/{key}", h_server_metadata_get),
	R("os_compute_api:server-metadata:delete", "DELETE", C "/servers/{server_id}/metadata/{key}", h_server_metadata_delete),
	R("os_compute_api:os-server-password:show", "GET", C "/servers/{server_id}/os-server-password", h_server_password_get),
	R("os_compute_api:os-server-password:clear", "DELETE", C "/servers/{server_id}/os-server-password", h_server_password_clear),
	R("os_compute_api:ips:index", "GET", C "/servers/{server_id}/ips", h_server_ips),
	R("os_compute_api:ips:show", "GET", C "/servers/{server_id}/ips/{network_label}", h_server_ips_network),
	R("os_compute_api:os-attach-interfaces:list", "GET", C "/servers/{server_id}/os-interface", h_server_interface_list),
	R("os_compute_api:os-attach-interfaces:show", "GET", C "/servers/{server_id}/os-interface/{port_id}", h_server_interface_get),
	R("os_compute_api:os-attach-interfaces:create", "POST", C "/servers/{server_id}/os-interface", h_server_interface_create),
	R("os_compute_api:os-attach-interfaces:delete", "DELETE", C "/servers/{server_id}/os-interface/{port_id}", h_server_interface_delete),
	R("os_compute_api:os-remote-consoles", "POST", C "/servers/{server_id}/remote-consoles", h_server_remote_console),
	R("compute:serial-console:connect", "GET", "/compute/serial-console/{server_id}", h_serial_console_ws),
	R("os_compute_api:os-instance-actions:list", "GET", C "/servers/{server_id}/os-instance-actions", h_instance_action_list),
	R("os_compute_api:os-instance-actions:show", "GET", C "/servers/{server_id}/os-instance-actions/{request_id}", h_instance_action_get),

	R("os_compute_api:os-migrations:index", "GET", C "/os-migrations", h_migration_list),
	R("os_compute_api:os-server-diagnostics", "GET", C "/servers/{server_id}/diagnostics", h_server_diagnostics),
	R("os_compute_api:os-server-external-events:create", "POST", C "/os-server-external-events", h_server_external_events),

	R("os_compute_api:os-services:list", "GET", C "/os-services", h_service_list_nova),
	R("os_compute_api:os-services:update", "PUT", C "/os-services/{service_id}", h_service_update_nova),
	R("os_compute_api:os-hypervisors:list", "GET", C "/os-hypervisors", h_hypervisor_list),
	R("os_compute_api:os-hypervisors:list-detail", "GET", C "/os-hypervisors/detail", h_hypervisor_detail),
	R("os_compute_api:os-hypervisors:statistics", "GET", C "/os-hypervisors/statistics", h_hypervisor_stats),
	R("os_compute_api:os-hypervisors:show", "GET", C "/os-hypervisors/{hypervisor_id}", h_hypervisor_get),

	R("os_compute_api:os-hypervisors:uptime", "GET", C "/os-hypervisors/{hypervisor_id}/uptime", h_hypervisor_uptime),
	R("os_compute_api:os-hypervisors:search", "GET", C "/os-hypervisors/{hypervisor_id}/search", h_hypervisor_search),
	R("os_compute_api:os-hypervisors:servers", "GET", C "/os-hypervisors/{hypervisor_id}/servers", h_hypervisor_servers),
	R("os_compute_api:os-aggregates:index", "GET", C "/os-aggregates", h_aggregate_list),
	R("os_compute_api:os-aggregates:create", "POST", C "/os-aggregates", h_aggregate_create),
	R("os_compute_api:os-aggregates:show", "GET", C "/os-aggregates/{aggregate_id}", h_aggregate_get),
	R("os_compute_api:os-aggregates:update", "PUT", C "/os-aggregates/{aggregate_id}", h_aggregate_update),
	R("os_compute_api:os-aggregates:delete", "DELETE", C "/os-aggregates/{aggregate_id}", h_aggregate_delete),
	/* The action's own rule (add_host, remove_host, set_metadata) is
	 * checked by the handler; admin-only like this one. */
	R("os_compute_api:os-aggregates:add_host", "POST", C "/os-aggregates/{aggregate_id}/action", h_aggregate_action),
	R("os_compute_api:os-availability-zone:list", "GET", C "/os-availability-zone", h_availability_zones),
	R("os_compute_api:os-availability-zone:detail", "GET", C "/os-availability-zone/detail", h_availability_zones),
	R("os_compute_api:limits", "GET", C "/limits", h_limits),
	R("os_compute_api:os-quota-sets:show", "GET", C "/os-quota-sets/{project_id}", h_quota_get),
	R("os_compute_api:os-quota-sets:detail", "GET", C "/os-quota-sets/{project_id}/detail", h_quota_get),
	R("os_compute_api:os-quota-sets:defaults", "GET", C "/os-quota-sets/{project_id}/defaults", h_quota_defaults),
	R("os_compute_api:os-quota-sets:update", "PUT", C "/os-quota-sets/{project_id}", h_quota_update),
	R("os_compute_api:os-quota-sets:delete", "DELETE", C "/os-quota-sets/{project_id}", h_quota_delete),
};

const struct route_table compute_routes = { routes, ARRAY_SIZE(routes) };
