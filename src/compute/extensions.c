/* extensions.c - the compute API's extensions list (GET /extensions and
 * /extensions/{alias}): Nova still answers it with the v2.0 extensions
 * its v2.1 API kept; Basalt lists those of them it serves. */
#include <string.h>

#include "compute/compute.h"
#include "core/util.h"
#include "http/http.h"

/* Nova's entries, in its order, for what Basalt has: a feature that lands
 * adds its entry here (and one that Basalt drops loses it). Not listed,
 * though Nova lists them: what Basalt lacks (Multinic, block device
 * mappings, volumes and their attributes, changePassword,
 * createBackup, deferred delete, evacuate and migrate, shelve,
 * personality, sort keys, several statuses in one filter,
 * per-user quotas, quota classes, console auth tokens) and what Nova
 * itself removed (nova-network's, cells v1, cloudpipe, baremetal,
 * certificates, agents, fping...). */
static const struct {
	const char *alias, *name, *description;
} exts[] = {
	{ "OS-DCF", "DiskConfig", "Disk Management Extension." },
	{ "OS-EXT-AZ", "ExtendedAvailabilityZone", "Extended Availability Zone support." },
	{ "OS-EXT-IMG-SIZE", "ImageSize", "Adds image size to image listings." },
	{ "OS-EXT-IPS", "ExtendedIps", "Adds type parameter to the ip list." },
	{ "OS-EXT-IPS-MAC", "ExtendedIpsMac", "Adds mac address parameter to the ip list." },
	{ "OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Extended Server Attributes support." },
	{ "OS-EXT-STS", "ExtendedStatus", "Extended Status support." },
	{ "OS-FLV-DISABLED", "FlavorDisabled", "Support to show the disabled status of a flavor." },
	{ "OS-FLV-EXT-DATA", "FlavorExtraData", "Provide additional data for flavors." },
	{ "OS-SCH-HNT", "SchedulerHints", "Pass arbitrary key/value pairs to the scheduler." },
	{ "OS-SRV-USG", "ServerUsage", "Adds launched_at and terminated_at on Servers." },
	{ "os-access-ips", "AccessIPs", "Access IPs support." },
	/* os-resetState (Nova's resetNetwork went with nova-network) */
	{ "os-admin-actions", "AdminActions",
	  "Enable admin-only server actions\n\n    Actions include: resetNetwork, injectNetworkInfo, os-resetState\n    " },
	{ "os-aggregates", "Aggregates", "Admin-only aggregate administration." },
	{ "os-attach-interfaces", "AttachInterfaces", "Attach interface support." },
	{ "os-availability-zone", "AvailabilityZone",
	  "1. Add availability_zone to the Create Server API.\n       2. Add availability zones describing.\n    " },
	{ "os-config-drive", "ConfigDrive", "Config Drive Extension." },
	{ "os-console-output", "ConsoleOutput", "Console log output support, with tailing ability." },
	/* the interactive consoles: Basalt's is the serial one */
	{ "os-consoles", "Consoles", "Interactive Console support." },
	{ "os-extended-floating-ips", "ExtendedFloatingIps", "Adds optional fixed_address to the add floating IP command." },
	{ "os-extended-hypervisors", "ExtendedHypervisors", "Extended hypervisors support." },
	{ "os-extended-quotas", "ExtendedQuotas", "Adds ability for admins to delete quota and optionally force the update Quota command." },
	{ "os-extended-rescue-with-image", "ExtendedRescueWithImage", "Allow the user to specify the image to use for rescue." },
	{ "os-extended-services", "ExtendedServices", "Extended services support." },
	{ "os-extended-status", "ExtendedStatus", "Extended Status support." },
	{ "os-flavor-access", "FlavorAccess", "Flavor access support." },
	{ "os-flavor-extra-specs", "FlavorExtraSpecs", "Flavors extra specs support." },
	{ "os-flavor-manage", "FlavorManage", "Flavor create/delete API support." },
	{ "os-flavor-rxtx", "FlavorRxtx", "Support to show the rxtx status of a flavor." },
	{ "os-flavor-swap", "FlavorSwap", "Support to show the swap status of a flavor." },
	{ "os-floating-ip-pools", "FloatingIpPools", "Floating IPs support." },
	{ "os-floating-ips", "FloatingIps", "Floating IPs support." },
	{ "os-hosts", "Hosts", "Admin-only host administration." },
	{ "os-hypervisor-status", "HypervisorStatus", "Show hypervisor status." },
	{ "os-hypervisors", "Hypervisors", "Admin-only hypervisor administration." },
	{ "os-instance-actions", "InstanceActions", "View a log of actions and events taken on an instance." },
	{ "os-keypairs", "Keypairs", "Keypair Support." },
	{ "os-lock-server", "LockServer", "Enable lock/unlock server actions." },
	{ "os-migrations", "Migrations", "Provide data on migrations." },
	{ "os-multiple-create", "MultipleCreate", "Allow multiple create in the Create Server v2.1 API." },
	{ "os-networks", "Networks", "Admin-only Network Management Extension." },
	{ "os-pause-server", "PauseServer", "Enable pause/unpause server actions." },
	{ "os-quota-sets", "Quotas", "Quotas management support." },
	{ "os-rescue", "Rescue", "Instance rescue mode." },
	{ "os-security-groups", "SecurityGroups", "Security group support." },
	{ "os-server-diagnostics", "ServerDiagnostics", "Allow Admins to view server diagnostics through server action." },
	{ "os-server-external-events", "ServerExternalEvents", "Server External Event Triggers." },
	{ "os-server-group-quotas", "ServerGroupQuotas", "Adds quota support to server groups." },
	{ "os-server-groups", "ServerGroups", "Server group support." },
	{ "os-server-password", "ServerPassword", "Server password support." },
	{ "os-server-start-stop", "ServerStartStop", "Start/Stop instance compute API support." },
	{ "os-services", "Services", "Services support." },
	{ "os-simple-tenant-usage", "SimpleTenantUsage", "Simple tenant usage extension." },
	{ "os-suspend-server", "SuspendServer", "Enable suspend/resume server actions." },
	{ "os-tenant-networks", "OSTenantNetworks", "Tenant-based Network Management Extension." },
	{ "os-used-limits", "UsedLimits", "Provide data on limited resources that are being used." },
	{ "os-used-limits-for-admin", "UsedLimitsForAdmin", "Provide data to admin on limited resources used by other tenants." },
	{ "os-user-data", "UserData", "Add user_data to the Create Server API." },
};

static json_t *render_extension(size_t i)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[]}", "alias", exts[i].alias, "name",
			 exts[i].name, "description", exts[i].description, "namespace",
			 "http://docs.openstack.org/compute/ext/fake_xml", "updated",
			 "2014-12-03T00:00:00Z", "links");
}

int h_compute_extension_list(struct http_request *req, struct http_response *res)
{
	json_t *list = json_array();

	(void)req;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		json_array_append_new(list, render_extension(i));
	return http_reply(res, 200, json_pack("{s:o}", "extensions", list));
}

/* By alias (case-sensitive, as Nova's); Nova's bare 404 for another. */
int h_compute_extension_get(struct http_request *req, struct http_response *res)
{
	const char *alias = http_param(req, "alias");

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (strcmp(exts[i].alias, alias) == 0)
			return http_reply(res, 200, json_pack("{s:o}", "extension", render_extension(i)));
	return http_error(res, 404, "The resource could not be found.");
}
