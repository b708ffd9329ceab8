/* names.c - the device names Neutron uses (brq…, tap…, qr-…, vxlan-N), so
 * operators find the objects they expect. */
#include "dp/dp.h"

#include <stdio.h>
#include <string.h>

/* prefix + the first 11 characters of id: 14 characters at most, under
 * the kernel's 15. */
static void prefixed(const char *prefix, const char *id, char out[DP_IFNAMSIZ])
{
	snprintf(out, DP_IFNAMSIZ, "%.3s%.11s", prefix, id);
}

void dp_bridge_name(const char *network_id, char out[DP_IFNAMSIZ])
{
	prefixed("brq", network_id, out);
}

void dp_port_dev(const char *prefix, const char *port_id, char out[DP_IFNAMSIZ])
{
	prefixed(prefix, port_id, out);
}

void dp_vxlan_name(uint32_t vni, char out[DP_IFNAMSIZ])
{
	snprintf(out, DP_IFNAMSIZ, "vxlan-%u", vni);
}
