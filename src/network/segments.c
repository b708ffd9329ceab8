/* segments.c - which segment a new network gets: a VXLAN id from
 * [network] vni_ranges, a flat physical network allowed by flat_networks,
 * or a VLAN of network_vlan_ranges. network.segment_key (UNIQUE) makes two
 * networks on one segment impossible. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "http/http.h"
#include "network/network.h"
#include "network/segments.h"
#include "store/store.h"

/* Is key taken? 1 yes, 0 no, -errno. */
static int key_taken(struct store *st, const char *key)
{
	return network_store_segment_taken(st, key);
}

/* For each "MIN:MAX" in ranges (after an optional "PHYSNET:" prefix that
 * must equal physnet when given), the lowest id whose key is free. */
static int lowest_free(struct store *st, const char *ranges, const char *physnet,
		       const char *fmt_prefix, int64_t *out, char key[SEGMENT_KEY_LEN])
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", ranges ? ranges : "");
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		long lo, hi;
		char name[64];
		while (*t == ' ')
			t++;
		if (physnet) {
			if (sscanf(t, "%63[^:]:%ld:%ld", name, &lo, &hi) != 3 || strcmp(name, physnet))
				continue;
		} else if (sscanf(t, "%ld:%ld", &lo, &hi) != 2) {
			continue;
		}
		for (long id = lo; id <= hi; id++) {
			snprintf(key, SEGMENT_KEY_LEN, "%s%ld", fmt_prefix, id);
			int r = key_taken(st, key);
			if (r < 0)
				return r;
			if (r == 0) {
				*out = id;
				return 0;
			}
		}
	}
	return -ENOSPC;
}

/* Is physnet listed in a comma list of PHYSNET[:MIN:MAX] ("*" matches
 * all when star)? */
static bool physnet_listed(const char *list, const char *physnet, bool star)
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		char *colon = strchr(t, ':');
		if (colon)
			*colon = '\0';
		if ((star && strcmp(t, "*") == 0) || strcmp(t, physnet) == 0)
			return true;
	}
	return false;
}

/* Is vlan id in one of physnet's ranges (or may it be any: no range)? */
static bool vlan_in_range(const char *list, const char *physnet, int64_t id)
{
	char buf[1024], *save = NULL;
	bool ranged = false;

	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char name[64];
		long lo, hi;
		while (*t == ' ')
			t++;
		int n = sscanf(t, "%63[^:]:%ld:%ld", name, &lo, &hi);
		if (n < 1 || strcmp(name, physnet))
			continue;
		if (n == 3) {
			ranged = true;
			if (id >= lo && id <= hi)
				return true;
		}
	}
	return !ranged;
}

int segment_pick(struct basalt *b, struct store *st, struct segment *seg, struct http_response *res)
{
	int r;

	if (strcmp(seg->type, "vxlan") == 0) {
		if (seg->physnet[0])
			return http_error(res, 400, "Invalid input for operation: provider:physical_network specified for vxlan network.");
		if (seg->id >= 0) {
			if (seg->id < 1 || seg->id > 16777215)
				return http_error(res, 400, "Invalid input for operation: provider:segmentation_id %lld out of range (1 through 16777215).", (long long)seg->id);
			snprintf(seg->key, sizeof(seg->key), "vxlan:%lld", (long long)seg->id);
			r = key_taken(st, seg->key);
			if (r > 0)
				return http_error(res, 409, "Unable to create the network. The tunnel ID %lld is in use.", (long long)seg->id);
			return r < 0 ? http_error_errno(res, r, "network") : 0;
		}
		r = lowest_free(st, b->cfg.vni_ranges, NULL, "vxlan:", &seg->id, seg->key);
		if (r == -ENOSPC)
			return http_error(res, 503, "Unable to create the network. No tenant network is available for allocation.");
		return r < 0 ? http_error_errno(res, r, "network") : 0;
	}
	if (strcmp(seg->type, "flat") == 0) {
		if (!seg->physnet[0])
			return http_error(res, 400, "Invalid input for operation: physical_network required for flat provider network.");
		if (seg->id >= 0)
			return http_error(res, 400, "Invalid input for operation: segmentation_id specified for flat provider network.");
		if (!physnet_listed(b->cfg.flat_networks, seg->physnet, true))
			return http_error(res, 400, "Invalid input for operation: physical_network '%s' unknown for flat provider network.", seg->physnet);
		snprintf(seg->key, sizeof(seg->key), "flat:%s", seg->physnet);
		r = key_taken(st, seg->key);
		if (r > 0)
			return http_error(res, 409, "Unable to create the flat network. Physical network %s is in use.", seg->physnet);
		return r < 0 ? http_error_errno(res, r, "network") : 0;
	}
	if (strcmp(seg->type, "vlan") == 0) {
		if (!seg->physnet[0])
			return http_error(res, 400, "Invalid input for operation: physical_network required for vlan provider network.");
		if (!physnet_listed(b->cfg.network_vlan_ranges, seg->physnet, false))
			return http_error(res, 400, "Invalid input for operation: physical_network '%s' unknown for VLAN provider network.", seg->physnet);
		if (seg->id < 0) {
			char prefix[80];
			snprintf(prefix, sizeof(prefix), "vlan:%s:", seg->physnet);
			r = lowest_free(st, b->cfg.network_vlan_ranges, seg->physnet, prefix, &seg->id, seg->key);
			if (r == -ENOSPC)
				return http_error(res, 503, "Unable to create the network. No tenant network is available for allocation.");
			return r < 0 ? http_error_errno(res, r, "network") : 0;
		}
		if (seg->id < 1 || seg->id > 4094 ||
		    !vlan_in_range(b->cfg.network_vlan_ranges, seg->physnet, seg->id))
			return http_error(res, 400, "Invalid input for operation: segmentation_id %lld out of range for physical network %s.", (long long)seg->id, seg->physnet);
		snprintf(seg->key, sizeof(seg->key), "vlan:%s:%lld", seg->physnet, (long long)seg->id);
		r = key_taken(st, seg->key);
		if (r > 0)
			return http_error(res, 409, "Unable to create the network. The VLAN %lld on physical network %s is in use.", (long long)seg->id, seg->physnet);
		return r < 0 ? http_error_errno(res, r, "network") : 0;
	}
	return http_error(res, 400, "Invalid input for operation: network_type value '%s' not supported.", seg->type);
}
