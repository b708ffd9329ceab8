/* routes.c (identity) - Keystone's routes: method + path template -> handler + policy. */
#include "http/http.h"
#include "identity/identity.h"
#include "core/util.h"

#define R(rule, method, path, handler)                                                     \
	{                                                                                          \
		rule, method, path, handler, NULL                                          \
	}

static const struct route routes[] = {
	R("identity:versions", "GET", "/", h_versions),
	R("identity:version", "GET", "/v3", h_version_v3),

	R("identity:issue_token", "POST", "/v3/auth/tokens", h_auth_issue),
	R("identity:validate_token", "GET", "/v3/auth/tokens", h_auth_validate),
	R("identity:revoke_token", "DELETE", "/v3/auth/tokens", h_auth_revoke),
	R("identity:get_auth_projects", "GET", "/v3/auth/projects", h_auth_projects),
	R("identity:get_auth_domains", "GET", "/v3/auth/domains", h_auth_domains),
	R("identity:get_auth_catalog", "GET", "/v3/auth/catalog", h_auth_catalog),

	R("identity:list_domains", "GET", "/v3/domains", h_domain_list),
	R("identity:create_domain", "POST", "/v3/domains", h_domain_create),
	R("identity:get_domain", "GET", "/v3/domains/{domain_id}", h_domain_get),
	R("identity:update_domain", "PATCH", "/v3/domains/{domain_id}", h_domain_update),
	R("identity:delete_domain", "DELETE", "/v3/domains/{domain_id}", h_domain_delete),

	R("identity:list_projects", "GET", "/v3/projects", h_project_list),
	R("identity:create_project", "POST", "/v3/projects", h_project_create),
	R("identity:get_project", "GET", "/v3/projects/{project_id}", h_project_get),
	R("identity:update_project", "PATCH", "/v3/projects/{project_id}", h_project_update),
	R("identity:delete_project", "DELETE", "/v3/projects/{project_id}", h_project_delete),
	R("identity:list_project_tags", "GET", "/v3/projects/{project_id}/tags", h_project_tags_get),
	R("identity:update_project_tags", "PUT", "/v3/projects/{project_id}/tags",
	  h_project_tags_put),
	R("identity:delete_project_tags", "DELETE", "/v3/projects/{project_id}/tags",
	  h_project_tags_delete),
	R("identity:get_project_tag", "GET", "/v3/projects/{project_id}/tags/{tag}",
	  h_project_tag_get),
	R("identity:create_project_tag", "PUT", "/v3/projects/{project_id}/tags/{tag}",
	  h_project_tag_put),
	R("identity:delete_project_tag", "DELETE", "/v3/projects/{project_id}/tags/{tag}",
	  h_project_tag_delete),

	R("identity:list_users", "GET", "/v3/users", h_user_list),
	R("identity:create_user", "POST", "/v3/users", h_user_create),
	R("identity:get_user", "GET", "/v3/users/{user_id}", h_user_get),
	R("identity:update_user", "PATCH", "/v3/users/{user_id}", h_user_update),
	R("identity:delete_user", "DELETE", "/v3/users/{user_id}", h_user_delete),
	R("identity:change_password", "POST", "/v3/users/{user_id}/password", h_user_password),
	R("identity:list_user_projects", "GET", "/v3/users/{user_id}/projects", h_user_projects),

	R("identity:list_roles", "GET", "/v3/roles", h_role_list),
	R("identity:create_role", "POST", "/v3/roles", h_role_create),
	R("identity:get_role", "GET", "/v3/roles/{role_id}", h_role_get),
	R("identity:update_role", "PATCH", "/v3/roles/{role_id}", h_role_update),
	R("identity:delete_role", "DELETE", "/v3/roles/{role_id}", h_role_delete),

	R("identity:list_grants", "GET", "/v3/projects/{target_id}/users/{user_id}/roles",
	  h_grant_list),
	R("identity:check_grant", "GET", "/v3/projects/{target_id}/users/{user_id}/roles/{role_id}",
	  h_grant_check),
	R("identity:create_grant", "PUT",
	  "/v3/projects/{target_id}/users/{user_id}/roles/{role_id}", h_grant_put),
	R("identity:revoke_grant", "DELETE",
	  "/v3/projects/{target_id}/users/{user_id}/roles/{role_id}", h_grant_delete),
	R("identity:list_grants", "GET", "/v3/domains/{target_id}/users/{user_id}/roles",
	  h_grant_list),
	R("identity:check_grant", "GET", "/v3/domains/{target_id}/users/{user_id}/roles/{role_id}",
	  h_grant_check),
	R("identity:create_grant", "PUT", "/v3/domains/{target_id}/users/{user_id}/roles/{role_id}",
	  h_grant_put),
	R("identity:revoke_grant", "DELETE",
	  "/v3/domains/{target_id}/users/{user_id}/roles/{role_id}", h_grant_delete),
	R("identity:list_role_assignments", "GET", "/v3/role_assignments", h_role_assignments),

	R("identity:list_regions", "GET", "/v3/regions", h_region_list),
	R("identity:create_region", "POST", "/v3/regions", h_region_create),
	R("identity:get_region", "GET", "/v3/regions/{region_id}", h_region_get),
	R("identity:delete_region", "DELETE", "/v3/regions/{region_id}", h_region_delete),
	R("identity:list_services", "GET", "/v3/services", h_service_list),
	R("identity:create_service", "POST", "/v3/services", h_service_create),
	R("identity:get_service", "GET", "/v3/services/{service_id}", h_service_get),
	R("identity:delete_service", "DELETE", "/v3/services/{service_id}", h_service_delete),
	R("identity:list_endpoints", "GET", "/v3/endpoints", h_endpoint_list),
	R("identity:create_endpoint", "POST", "/v3/endpoints", h_endpoint_create),
	R("identity:get_endpoint", "GET", "/v3/endpoints/{endpoint_id}", h_endpoint_get),
	R("identity:delete_endpoint", "DELETE", "/v3/endpoints/{endpoint_id}", h_endpoint_delete),
};

const struct route_table identity_routes = { routes, ARRAY_SIZE(routes) };
