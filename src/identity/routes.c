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
	R("identity:get_auth_system", "GET", "/v3/auth/system", h_auth_system),

	R("identity:list_domains", "GET", "/v3/domains", h_domain_list),
	R("identity:create_domain", "POST", "/v3/domains", h_domain_create),
	R("identity:get_domain", "GET", "/v3/domains/{domain_id}", h_domain_get),
	R("identity:update_domain", "PATCH", "/v3/domains/{domain_id}", h_domain_update),
	R("identity:delete_domain", "DELETE", "/v3/domains/{domain_id}", h_domain_delete),
	R("identity:get_domain_config_default", "GET", "/v3/domains/config/default",
	  h_domain_config_default),
	R("identity:get_domain_config_default", "GET", "/v3/domains/config/{group}/default",
	  h_domain_config_default),
	R("identity:get_domain_config_default", "GET",
	  "/v3/domains/config/{group}/{option}/default", h_domain_config_default),
	R("identity:create_domain_config", "PUT", "/v3/domains/{domain_id}/config",
	  h_domain_config_put),
	R("identity:get_domain_config", "GET", "/v3/domains/{domain_id}/config",
	  h_domain_config_get),
	R("identity:update_domain_config", "PATCH", "/v3/domains/{domain_id}/config",
	  h_domain_config_patch),
	R("identity:delete_domain_config", "DELETE", "/v3/domains/{domain_id}/config",
	  h_domain_config_delete),
	R("identity:get_domain_config", "GET", "/v3/domains/{domain_id}/config/{group}",
	  h_domain_config_get),
	R("identity:update_domain_config", "PATCH", "/v3/domains/{domain_id}/config/{group}",
	  h_domain_config_patch),
	R("identity:delete_domain_config", "DELETE", "/v3/domains/{domain_id}/config/{group}",
	  h_domain_config_delete),
	R("identity:get_domain_config", "GET", "/v3/domains/{domain_id}/config/{group}/{option}",
	  h_domain_config_get),
	R("identity:update_domain_config", "PATCH",
	  "/v3/domains/{domain_id}/config/{group}/{option}", h_domain_config_patch),
	R("identity:delete_domain_config", "DELETE",
	  "/v3/domains/{domain_id}/config/{group}/{option}", h_domain_config_delete),

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
	R("identity:list_application_credentials", "GET",
	  "/v3/users/{user_id}/application_credentials", h_app_cred_list),
	R("identity:create_application_credential", "POST",
	  "/v3/users/{user_id}/application_credentials", h_app_cred_create),
	R("identity:get_application_credential", "GET",
	  "/v3/users/{user_id}/application_credentials/{application_credential_id}",
	  h_app_cred_get),
	R("identity:delete_application_credential", "DELETE",
	  "/v3/users/{user_id}/application_credentials/{application_credential_id}",
	  h_app_cred_delete),

	/* OS-TRUST. The list's route names the rule that lets a user list its
	 * own trusts; trust_list checks list_trusts (admin) when unfiltered. */
	R("identity:list_trusts_for_trustor", "GET", "/v3/OS-TRUST/trusts", h_trust_list),
	R("identity:create_trust", "POST", "/v3/OS-TRUST/trusts", h_trust_create),
	R("identity:get_trust", "GET", "/v3/OS-TRUST/trusts/{trust_id}", h_trust_get),
	R("identity:delete_trust", "DELETE", "/v3/OS-TRUST/trusts/{trust_id}", h_trust_delete),
	R("identity:list_roles_for_trust", "GET", "/v3/OS-TRUST/trusts/{trust_id}/roles",
	  h_trust_roles),
	R("identity:get_role_for_trust", "GET", "/v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}",
	  h_trust_role),

	R("identity:ec2_list_credentials", "GET", "/v3/users/{user_id}/credentials/OS-EC2",
	  h_ec2_list),
	R("identity:ec2_create_credential", "POST", "/v3/users/{user_id}/credentials/OS-EC2",
	  h_ec2_create),
	R("identity:ec2_get_credential", "GET",
	  "/v3/users/{user_id}/credentials/OS-EC2/{credential_id}", h_ec2_get),
	R("identity:ec2_delete_credential", "DELETE",
	  "/v3/users/{user_id}/credentials/OS-EC2/{credential_id}", h_ec2_delete),

	R("identity:list_credentials", "GET", "/v3/credentials", h_credential_list),
	R("identity:create_credential", "POST", "/v3/credentials", h_credential_create),
	R("identity:get_credential", "GET", "/v3/credentials/{credential_id}", h_credential_get),
	R("identity:update_credential", "PATCH", "/v3/credentials/{credential_id}",
	  h_credential_update),
	R("identity:delete_credential", "DELETE", "/v3/credentials/{credential_id}",
	  h_credential_delete),

	R("identity:list_policies", "GET", "/v3/policies", h_policy_blob_list),
	R("identity:create_policy", "POST", "/v3/policies", h_policy_blob_create),
	R("identity:get_policy", "GET", "/v3/policies/{policy_id}", h_policy_blob_get),
	R("identity:update_policy", "PATCH", "/v3/policies/{policy_id}", h_policy_blob_update),
	R("identity:delete_policy", "DELETE", "/v3/policies/{policy_id}", h_policy_blob_delete),

	R("identity:list_consumers", "GET", "/v3/OS-OAUTH1/consumers", h_consumer_list),
	R("identity:create_consumer", "POST", "/v3/OS-OAUTH1/consumers", h_consumer_create),
	R("identity:get_consumer", "GET", "/v3/OS-OAUTH1/consumers/{consumer_id}", h_consumer_get),
	R("identity:update_consumer", "PATCH", "/v3/OS-OAUTH1/consumers/{consumer_id}",
	  h_consumer_update),
	R("identity:delete_consumer", "DELETE", "/v3/OS-OAUTH1/consumers/{consumer_id}",
	  h_consumer_delete),

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

	/* groups, their members and their grants; OS-INHERIT; system grants
	 * (groups.c, roles.c) */
	R("identity:list_groups", "GET", "/v3/groups", h_group_list),
	R("identity:create_group", "POST", "/v3/groups", h_group_create),
	R("identity:get_group", "GET", "/v3/groups/{group_id}", h_group_get),
	R("identity:update_group", "PATCH", "/v3/groups/{group_id}", h_group_update),
	R("identity:delete_group", "DELETE", "/v3/groups/{group_id}", h_group_delete),
	R("identity:list_users_in_group", "GET", "/v3/groups/{group_id}/users", h_group_users),
	R("identity:add_user_to_group", "PUT", "/v3/groups/{group_id}/users/{user_id}",
	  h_group_user_put),
	R("identity:check_user_in_group", "GET", "/v3/groups/{group_id}/users/{user_id}",
	  h_group_user_check),
	R("identity:remove_user_from_group", "DELETE", "/v3/groups/{group_id}/users/{user_id}",
	  h_group_user_delete),
	R("identity:list_groups_for_user", "GET", "/v3/users/{user_id}/groups", h_user_groups),
#define GRANT_ROUTES(prefix, actor, suffix)                                                \
	R("identity:list_grants", "GET", prefix "/{target_id}/" actor "/roles" suffix,     \
	  h_grant_list),                                                                   \
	    R("identity:check_grant", "GET",                                               \
	      prefix "/{target_id}/" actor "/roles/{role_id}" suffix, h_grant_check),      \
	    R("identity:create_grant", "PUT",                                              \
	      prefix "/{target_id}/" actor "/roles/{role_id}" suffix, h_grant_put),        \
	    R("identity:revoke_grant", "DELETE",                                           \
	      prefix "/{target_id}/" actor "/roles/{role_id}" suffix, h_grant_delete)
	GRANT_ROUTES("/v3/projects", "groups/{group_id}", ""),
	GRANT_ROUTES("/v3/domains", "groups/{group_id}", ""),
	GRANT_ROUTES("/v3/OS-INHERIT/projects", "users/{user_id}", "/inherited_to_projects"),
	GRANT_ROUTES("/v3/OS-INHERIT/projects", "groups/{group_id}", "/inherited_to_projects"),
	GRANT_ROUTES("/v3/OS-INHERIT/domains", "users/{user_id}", "/inherited_to_projects"),
	GRANT_ROUTES("/v3/OS-INHERIT/domains", "groups/{group_id}", "/inherited_to_projects"),
#define SYSTEM_ROUTES(actor, kind)                                                         \
	R("identity:list_system_grants_for_" kind, "GET", "/v3/system/" actor "/roles",    \
	  h_grant_list),                                                                   \
	    R("identity:check_system_grant_for_" kind, "GET",                              \
	      "/v3/system/" actor "/roles/{role_id}", h_grant_check),                      \
	    R("identity:create_system_grant_for_" kind, "PUT",                             \
	      "/v3/system/" actor "/roles/{role_id}", h_grant_put),                        \
	    R("identity:revoke_system_grant_for_" kind, "DELETE",                          \
	      "/v3/system/" actor "/roles/{role_id}", h_grant_delete)
	SYSTEM_ROUTES("users/{user_id}", "user"),
	SYSTEM_ROUTES("groups/{group_id}", "group"),

	/* implied roles (implied_roles.c) */
	R("identity:list_implied_roles", "GET", "/v3/roles/{prior_role_id}/implies",
	  h_implied_role_list),
	R("identity:get_implied_role", "GET", "/v3/roles/{prior_role_id}/implies/{implied_role_id}",
	  h_implied_role_get),
	R("identity:create_implied_role", "PUT",
	  "/v3/roles/{prior_role_id}/implies/{implied_role_id}", h_implied_role_put),
	R("identity:delete_implied_role", "DELETE",
	  "/v3/roles/{prior_role_id}/implies/{implied_role_id}", h_implied_role_delete),
	R("identity:list_role_inference_rules", "GET", "/v3/role_inferences", h_role_inferences),

	R("identity:list_regions", "GET", "/v3/regions", h_region_list),
	R("identity:create_region", "POST", "/v3/regions", h_region_create),
	R("identity:get_region", "GET", "/v3/regions/{region_id}", h_region_get),
	R("identity:create_region", "PUT", "/v3/regions/{region_id}", h_region_put),
	R("identity:update_region", "PATCH", "/v3/regions/{region_id}", h_region_update),
	R("identity:delete_region", "DELETE", "/v3/regions/{region_id}", h_region_delete),
	R("identity:list_services", "GET", "/v3/services", h_service_list),
	R("identity:create_service", "POST", "/v3/services", h_service_create),
	R("identity:get_service", "GET", "/v3/services/{service_id}", h_service_get),
	R("identity:update_service", "PATCH", "/v3/services/{service_id}", h_service_update),
	R("identity:delete_service", "DELETE", "/v3/services/{service_id}", h_service_delete),
	R("identity:list_endpoints", "GET", "/v3/endpoints", h_endpoint_list),
	R("identity:create_endpoint", "POST", "/v3/endpoints", h_endpoint_create),
	R("identity:get_endpoint", "GET", "/v3/endpoints/{endpoint_id}", h_endpoint_get),
	R("identity:update_endpoint", "PATCH", "/v3/endpoints/{endpoint_id}", h_endpoint_update),
	R("identity:delete_endpoint", "DELETE", "/v3/endpoints/{endpoint_id}", h_endpoint_delete),

	R("identity:list_registered_limits", "GET", "/v3/registered_limits",
	  h_registered_limit_list),
	R("identity:create_registered_limits", "POST", "/v3/registered_limits",
	  h_registered_limit_create),
	R("identity:get_registered_limit", "GET", "/v3/registered_limits/{registered_limit_id}",
	  h_registered_limit_get),
	R("identity:update_registered_limit", "PATCH",
	  "/v3/registered_limits/{registered_limit_id}", h_registered_limit_update),
	R("identity:delete_registered_limit", "DELETE",
	  "/v3/registered_limits/{registered_limit_id}", h_registered_limit_delete),
	R("identity:get_limit_model", "GET", "/v3/limits/model", h_limit_model),
	R("identity:list_limits", "GET", "/v3/limits", h_limit_list),
	R("identity:create_limits", "POST", "/v3/limits", h_limit_create),
	R("identity:get_limit", "GET", "/v3/limits/{limit_id}", h_limit_get),
	R("identity:update_limit", "PATCH", "/v3/limits/{limit_id}", h_limit_update),
	R("identity:delete_limit", "DELETE", "/v3/limits/{limit_id}", h_limit_delete),

	/* OS-EP-FILTER */
#define EPF "/v3/OS-EP-FILTER"
	R("identity:list_endpoint_groups", "GET", EPF "/endpoint_groups", h_endpoint_group_list),
	R("identity:create_endpoint_group", "POST", EPF "/endpoint_groups",
	  h_endpoint_group_create),
	R("identity:get_endpoint_group", "GET", EPF "/endpoint_groups/{endpoint_group_id}",
	  h_endpoint_group_get),
	R("identity:update_endpoint_group", "PATCH", EPF "/endpoint_groups/{endpoint_group_id}",
	  h_endpoint_group_update),
	R("identity:delete_endpoint_group", "DELETE", EPF "/endpoint_groups/{endpoint_group_id}",
	  h_endpoint_group_delete),
	R("identity:list_endpoints_associated_with_endpoint_group", "GET",
	  EPF "/endpoint_groups/{endpoint_group_id}/endpoints", h_endpoint_group_endpoints),
	R("identity:list_projects_associated_with_endpoint_group", "GET",
	  EPF "/endpoint_groups/{endpoint_group_id}/projects", h_endpoint_group_projects),
	R("identity:get_endpoint_group_in_project", "GET",
	  EPF "/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
	  h_endpoint_group_project_check),
	R("identity:add_endpoint_group_to_project", "PUT",
	  EPF "/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
	  h_endpoint_group_project_put),
	R("identity:remove_endpoint_group_from_project", "DELETE",
	  EPF "/endpoint_groups/{endpoint_group_id}/projects/{project_id}",
	  h_endpoint_group_project_delete),
	R("identity:list_endpoint_groups_for_project", "GET",
	  EPF "/projects/{project_id}/endpoint_groups", h_project_endpoint_groups),
	R("identity:list_projects_for_endpoint", "GET", EPF "/endpoints/{endpoint_id}/projects",
	  h_endpoint_projects),
	R("identity:list_endpoints_for_project", "GET", EPF "/projects/{project_id}/endpoints",
	  h_project_endpoints),
	R("identity:check_endpoint_in_project", "GET",
	  EPF "/projects/{project_id}/endpoints/{endpoint_id}", h_project_endpoint_check),
	R("identity:add_endpoint_to_project", "PUT",
	  EPF "/projects/{project_id}/endpoints/{endpoint_id}", h_project_endpoint_put),
	R("identity:remove_endpoint_from_project", "DELETE",
	  EPF "/projects/{project_id}/endpoints/{endpoint_id}", h_project_endpoint_delete),
#undef EPF
};

const struct route_table identity_routes = { routes, ARRAY_SIZE(routes) };
