/* fault.c - the one mapping from what a network domain call refused
 * (-errno and struct net_fault) to the HTTP status and Neutron's message. */
#include <errno.h>
#include <stdio.h>

#include "core/util.h"
#include "http/http.h"
#include "network/network.h"

int net_fault_more(struct net_fault *f, int r, enum net_fault_kind kind, const char *a,
		   const char *b, const char *c, const char *d, const char *e)
{
	if (f) {
		f->kind = kind;
		snprintf(f->a, sizeof(f->a), "%s", a ? a : "");
		snprintf(f->b, sizeof(f->b), "%s", b ? b : "");
		snprintf(f->c, sizeof(f->c), "%s", c ? c : "");
		snprintf(f->d, sizeof(f->d), "%s", d ? d : "");
		snprintf(f->e, sizeof(f->e), "%s", e ? e : "");
	}
	return r;
}

int net_fault(struct net_fault *f, int r, enum net_fault_kind kind, const char *a, const char *b)
{
	return net_fault_more(f, r, kind, a, b, NULL, NULL, NULL);
}

/* Status and message format of each kind; %1$s is a, %2$s is b. */
static const struct {
	int status;
	const char *fmt;
} faults[] = {
	[NF_POLICY] = { 403, "(rule:%1$s) is disallowed by policy" },
	[NF_NETWORK_NOT_FOUND] = { 404, "Network %1$s could not be found." },
	[NF_PORT_NOT_FOUND] = { 404, "Port %1$s could not be found." },
	[NF_SUBNET_NOT_FOUND] = { 404, "Subnet %1$s could not be found." },
	[NF_NETWORK_NOT_ALLOWED] = { 403, "Tenant %1$s not allowed to create port on this network" },
	[NF_DEVICE_NOT_OWNED] = { 409, "The following device_id %1$s is not owned by your tenant or matches another tenants router." },
	[NF_SG_NEEDS_SECURITY] = { 400, "Port security must be enabled and port must have an IP address in order to use security groups." },
	[NF_SG_ASSOCIATED] = { 409, "Port has security group associated. Cannot disable port security or ip address until security group is removed" },
	[NF_BAD_MAC] = { 400, "Invalid input for mac_address. Reason: '%1$s' is not a valid MAC address." },
	[NF_MAC_IN_USE] = { 409, "Unable to complete operation for network %1$s. The mac address %2$s is in use." },
	[NF_NETWORK_FULL] = { 409, "No more IP addresses available on network %1$s." },
	[NF_FIXED_IPS_NOT_LIST] = { 400, "Invalid input for fixed_ips. Reason: 'fixed_ips' is not a list." },
	[NF_FIXED_IPS_ENTRY] = { 400, "Invalid input for fixed_ips. Reason: each entry needs subnet_id and/or ip_address as strings." },
	[NF_BAD_IP] = { 400, "Invalid input for operation: '%1$s' is not a valid IP address." },
	[NF_IP_NO_SUBNET] = { 400, "Invalid input for operation: IP address %1$s is not a valid IP for any subnet on network %2$s." },
	[NF_IP_IN_USE] = { 409, "IP address %1$s already allocated in subnet %2$s" },
	[NF_SUBNET_FULL] = { 409, "No more IP addresses available for subnet %1$s." },
	[NF_IP_NOT_IN_SUBNET] = { 400, "Invalid input for operation: IP address %1$s is not a valid IP for the specified subnet." },
	[NF_FIXED_IPS_SUBNET] = { 400, "Invalid input for operation: Failed to create port on network %1$s, because fixed_ips included invalid subnet %2$s." },
	[NF_SG_NOT_LIST] = { 400, "Invalid input for security_groups. Reason: not a list." },
	[NF_SG_NOT_STRING] = { 400, "Invalid input for security_groups. Reason: ids are strings." },
	[NF_SG_NOT_FOUND] = { 404, "Security group %1$s does not exist" },
	[NF_QUOTA] = { 409, "Quota exceeded for resources: ['%1$s']." },
	[NF_PORT_L3_OWNED] = { 409, "Port %1$s has owner %2$s and therefore cannot be deleted directly via the port API." },
	[NF_ROUTER_NOT_FOUND] = { 404, "Router %1$s could not be found" },
	[NF_GW_IN_USE] = { 409, "Gateway cannot be updated for router %1$s, since a gateway to external network %2$s is required by one or more floating IPs." },
	[NF_ROUTES_INPUT] = { 400, "Invalid input for routes. Reason: %1$s." },
	[NF_ROUTES_EXHAUSTED] = { 400, "Unable to complete operation for %1$s. The number of routes exceeds the maximum %2$s." },
	[NF_ROUTES_INVALID] = { 400, "Invalid format for routes: %1$s, %2$s" },
	[NF_ROUTE_NEEDS_LEG] = { 409, "Router interface for subnet %1$s on router %2$s cannot be deleted, as it is required by one or more routes." },
	[NF_NOT_EXTERNAL] = { 400, "Bad router request: Network %1$s is not an external network." },
	[NF_NOT_EXTERNAL_FIP] = { 400, "Bad floatingip request: Network %1$s is not a valid external network." },
	[NF_ROUTER_IN_USE] = { 409, "Router %1$s still has ports" },
	[NF_LEG_EXISTS] = { 400, "Bad router request: Router already has a port on subnet %1$s." },
	[NF_LEG_OVERLAP] = { 400, "Bad router request: Cidr %1$s of subnet %2$s overlaps with cidr %3$s of subnet %4$s." },
	[NF_SUBNET_NO_GATEWAY] = { 400, "Bad router request: Subnet for router interface must have a gateway IP." },
	[NF_PORT_IN_USE] = { 409, "Unable to complete operation on port %1$s for network %2$s. Port already has an attached device %3$s." },
	[NF_ROUTER_PORT_ONE_IP] = { 400, "Bad router request: Router port must have exactly one fixed IP." },
	[NF_NO_LEG_PORT] = { 404, "Router %1$s does not have an interface with id %2$s" },
	[NF_NO_LEG_SUBNET] = { 404, "Router %1$s has no interface on subnet %2$s" },
	[NF_LEG_HAS_FIPS] = { 409, "Router interface for subnet %1$s on router %2$s cannot be deleted, as it is required by one or more floating IPs." },
	[NF_FIP_NOT_FOUND] = { 404, "Floating IP %1$s could not be found" },
	[NF_FIP_NO_FIXED_IP] = { 400, "Bad floatingip request: Port %1$s does not have fixed ip %2$s." },
	[NF_FIP_NO_V4] = { 400, "Bad floatingip request: Port %1$s does not have any IPv4 address to associate with a floating IP." },
	[NF_FIP_MANY_V4] = { 400, "Bad floatingip request: Port %1$s has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP." },
	[NF_FIP_PORT_OWNER] = { 400, "Bad floatingip request: Port %1$s has owner %2$s and therefore cannot be assigned a floating IP." },
	[NF_FIP_UNREACHABLE] = { 404, "External network %1$s is not reachable from subnet %2$s.  Therefore, cannot associate Port %3$s with a Floating IP." },
	[NF_SEG_VXLAN_PHYSNET] = { 400, "Invalid input for operation: provider:physical_network specified for vxlan network." },
	[NF_SEG_VNI_RANGE] = { 400, "Invalid input for operation: provider:segmentation_id %1$s out of range (1 through 16777215)." },
	[NF_SEG_VNI_TAKEN] = { 409, "Unable to create the network. The tunnel ID %1$s is in use." },
	[NF_SEG_NONE_LEFT] = { 503, "Unable to create the network. No tenant network is available for allocation." },
	[NF_SEG_FLAT_NO_PHYSNET] = { 400, "Invalid input for operation: physical_network required for flat provider network." },
	[NF_SEG_FLAT_ID] = { 400, "Invalid input for operation: segmentation_id specified for flat provider network." },
	[NF_SEG_FLAT_UNKNOWN] = { 400, "Invalid input for operation: physical_network '%1$s' unknown for flat provider network." },
	[NF_SEG_FLAT_TAKEN] = { 409, "Unable to create the flat network. Physical network %1$s is in use." },
	[NF_SEG_VLAN_NO_PHYSNET] = { 400, "Invalid input for operation: physical_network required for vlan provider network." },
	[NF_SEG_VLAN_UNKNOWN] = { 400, "Invalid input for operation: physical_network '%1$s' unknown for VLAN provider network." },
	[NF_SEG_VLAN_RANGE] = { 400, "Invalid input for operation: segmentation_id %1$s out of range for physical network %2$s." },
	[NF_SEG_VLAN_TAKEN] = { 409, "Unable to create the network. The VLAN %1$s on physical network %2$s is in use." },
	[NF_SEG_TYPE] = { 400, "Invalid input for operation: network_type value '%1$s' not supported." },
	[NF_SEGMENT_IN_USE] = { 409, "Unable to create the network. The segment %1$s is in use." },
	[NF_PROJECT_MISMATCH] = { 400, "Invalid input: tenant_id and project_id differ." },
	[NF_NET_PORT_SECURITY] = { 400, "Invalid input for operation: port_security_enabled false is not supported on networks." },
	[NF_SEGID_INVALID] = { 400, "Invalid input for provider:segmentation_id. Reason: %1$s." },
	[NF_MTU_INVALID] = { 400, "Invalid input for mtu. Reason: 'mtu' must be an integer of at least 68." },
	[NF_MTU_TOO_BIG] = { 400, "Invalid input for operation: Requested MTU is too big, maximum is %1$s." },
	[NF_NETWORK_IN_USE] = { 409, "Unable to complete operation on network %1$s. There are one or more ports still in use on the network." },
	[NF_UNSUPPORTED] = { 400, "Invalid input for operation: %1$s is not supported." },
	[NF_SUBNET_IN_USE] = { 409, "Unable to complete operation on subnet %1$s: One or more ports have an IP allocation from this subnet." },
	[NF_SN_POOLS_MANY] = { 400, "Invalid input for allocation_pools. Reason: too many pools." },
	[NF_SN_POOL_SHAPE] = { 400, "Invalid input for allocation_pools. Reason: each pool is {\"start\": IP, \"end\": IP}." },
	[NF_SN_POOL_REVERSED] = { 400, "Invalid input for operation: The allocation pool %1$s-%2$s is not valid: its start is after its end." },
	[NF_SN_POOL_OUTSIDE] = { 400, "The allocation pool %1$s-%2$s spans beyond the subnet cidr %3$s." },
	[NF_SN_GW_IN_POOL] = { 400, "Invalid input for operation: Gateway ip %1$s conflicts with allocation pool %2$s-%3$s." },
	[NF_SN_POOLS_OVERLAP] = { 400, "Found overlapping allocation pools: %1$s-%2$s and %3$s-%4$s for subnet %5$s." },
	[NF_SN_DNS_MANY] = { 400, "Number of DNS nameservers exceeds the limit %1$s." },
	[NF_SN_DNS_BAD] = { 400, "Invalid input for dns_nameservers. Reason: '%1$s' is not a valid nameserver." },
	[NF_SN_DNS_DUP] = { 400, "Invalid input for dns_nameservers. Reason: Duplicate nameserver '%1$s'." },
	[NF_SN_ROUTES_MANY] = { 400, "Unable to complete operation: the number of host routes exceeds the limit %1$s." },
	[NF_SN_ROUTE_SHAPE] = { 400, "Invalid input for host_routes. Reason: each route is {\"destination\": CIDR, \"nexthop\": IP}." },
	[NF_SN_ROUTE_DUP] = { 400, "Invalid input for host_routes. Reason: Duplicate hostroute '%1$s'." },
	[NF_SN_POOLS_UNSUPPORTED] = { 400, "Invalid input for operation: subnet pools and service types are not supported." },
	[NF_SN_IPV6] = { 400, "Invalid input for operation: IPv6 subnets are not supported; ip_version must be 4." },
	[NF_SN_IP_VERSION] = { 400, "Invalid input for ip_version. Reason: must be 4." },
	[NF_SN_CIDR_LOOSE] = { 400, "Invalid input for cidr. Reason: '%1$s' isn't a recognized IP subnet cidr, '%2$s' is recommended." },
	[NF_SN_CIDR_BAD] = { 400, "Invalid input for cidr. Reason: '%1$s' is not a valid IP subnet." },
	[NF_SN_PREFIX] = { 400, "Invalid input for operation: the prefix length of %1$s must be between 1 and 30." },
	[NF_SN_GW_BAD] = { 400, "Invalid input for operation: Gateway is not valid on subnet: %1$s is not a host address of %2$s." },
	[NF_SN_OVERLAP] = { 400, "Invalid input for operation: Requested subnet with cidr: %1$s for network: %2$s overlaps with another subnet." },
	[NF_SN_ADDR_OUTSIDE] = { 409, "Unable to complete operation on subnet %1$s: the address %2$s in use is outside the new allocation pools." },
	[NF_PROJECTS_DISAGREE] = { 400, "Invalid input: project_id and tenant_id do not match." },
	[NF_OTHER_PROJECT] = { 403, "Policy doesn't allow the creation of a resource for another project." },
	[NF_SG_DEFAULT_EXISTS] = { 409, "Default security group already exists." },
	[NF_SG_NEEDS_PROJECT] = { 400, "Invalid input: a security group needs a project." },
	[NF_SG_DEFAULT_UPDATE] = { 409, "Updating default security group not allowed." },
	[NF_SG_DEFAULT_DELETE] = { 409, "Insufficient rights for removing default security group." },
	[NF_SG_IN_USE] = { 409, "Security Group %1$s in use." },
	[NF_SGR_NOT_FOUND] = { 404, "Security group rule %1$s does not exist" },
	[NF_SGR_EXISTS] = { 409, "Security group rule already exists. Rule id is %1$s." },
	[NF_SGR_PROTO_INVALID] = { 400, "Security group rule protocol is invalid." },
	[NF_SGR_PROTO_UNSUPPORTED] = { 400, "Security group rule protocol %1$s not supported. Only protocol values "
					    "[None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', "
					    "'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', "
					    "'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', "
					    "'sctp', 'tcp', 'udp', 'udplite', 'vrrp'] and integer "
					    "representations [0 to 255] are supported." },
	[NF_SGR_PORT_VALUE] = { 400, "Invalid value for port %1$.32s." },
	[NF_SGR_PORT] = { 400, "Invalid value for port." },
	[NF_SGR_NEEDS_PROTOCOL] = { 400, "Must also specify protocol if port range is given." },
	[NF_SGR_PORT_ORDER] = { 400, "For TCP/UDP protocols, port_range_min must be <= port_range_max" },
	[NF_SGR_ICMP_TYPE] = { 400, "Invalid value for ICMP type (port_range_min) %1$s. It must be 0 to 255." },
	[NF_SGR_ICMP_CODE] = { 400, "Invalid value for ICMP code (port_range_max) %1$s. It must be 0 to 255." },
	[NF_SGR_ICMP_NO_TYPE] = { 400, "ICMP code (port-range-max) %1$s is provided but ICMP type (port-range-min) is missing." },
	[NF_SGR_PROTO_NO_PORTS] = { 400, "Invalid protocol %1$s for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP protocols." },
	[NF_SGR_PREFIX_BAD] = { 400, "Invalid input for remote_ip_prefix. Reason: '%1$.64s' is not a valid IP subnet." },
	[NF_SGR_PREFIX_ETHERTYPE] = { 400, "Conflicting value ethertype %1$s for CIDR %2$.64s" },
	[NF_SGR_DIRECTION] = { 400, "Invalid input for direction. Reason: '%1$.32s' is not in ['ingress', 'egress']." },
	[NF_SGR_ETHERTYPE] = { 400, "Invalid input for ethertype. Reason: '%1$.32s' is not in ['IPv4', 'IPv6']." },
	[NF_SGR_PROTO_ETHERTYPE] = { 400, "Invalid ethertype IPv4 for protocol %1$s." },
	[NF_SGR_ADDRESS_GROUPS] = { 400, "Address groups are not supported." },
	[NF_SGR_REMOTE_BOTH] = { 400, "Only remote_ip_prefix or remote_group_id may be provided." },
	[NF_FIP_FIXED_TAKEN] = { 409, "Cannot associate floating IP %1$s (%2$s) with port %3$s using fixed IP %4$s, as that fixed IP already has a floating IP on external network %5$s." },
};

int network_fault_reply(struct http_response *res, int r, const struct net_fault *f,
			const char *what)
{
	if (!f || f->kind <= NF_NONE || (size_t)f->kind >= ARRAY_SIZE(faults) ||
	    !faults[f->kind].fmt)
		return http_error_errno(res, r < 0 ? r : -EIO, what);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return http_error(res, faults[f->kind].status, faults[f->kind].fmt, f->a, f->b, f->c, f->d,
			  f->e);
#pragma GCC diagnostic pop
}

int network_fault_text(const struct net_fault *f, char *buf, size_t n)
{
	if (!f || f->kind <= NF_NONE || (size_t)f->kind >= ARRAY_SIZE(faults) ||
	    !faults[f->kind].fmt) {
		if (n)
			buf[0] = '\0';
		return 0;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, n, faults[f->kind].fmt, f->a, f->b, f->c, f->d, f->e);
#pragma GCC diagnostic pop
	return faults[f->kind].status;
}
