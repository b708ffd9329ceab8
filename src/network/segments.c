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

/* f for kind about a number n (and b). */
static int fault_n(struct net_fault *f, int r, enum net_fault_kind kind, int64_t n, const char *b)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)n);
	return net_fault(f, r, kind, num, b);
}

int segment_pick(struct basalt *b, struct store *st, struct segment *seg, struct net_fault *f)
{
	int r;

	if (strcmp(seg->type, "vxlan") == 0) {
		if (seg->physnet[0])
			return net_fault(f, -EINVAL, NF_SEG_VXLAN_PHYSNET, NULL, NULL);
		if (seg->id >= 0) {
			if (seg->id < 1 || seg->id > 16777215)
				return fault_n(f, -EINVAL, NF_SEG_VNI_RANGE, seg->id, NULL);
			snprintf(seg->key, sizeof(seg->key), "vxlan:%lld", (long long)seg->id);
			r = key_taken(st, seg->key);
			if (r > 0)
				return fault_n(f, -EEXIST, NF_SEG_VNI_TAKEN, seg->id, NULL);
			return r < 0 ? r : 0;
		}
		r = lowest_free(st, b->cfg.vni_ranges, NULL, "vxlan:", &seg->id, seg->key);
		if (r == -ENOSPC)
			return net_fault(f, r, NF_SEG_NONE_LEFT, NULL, NULL);
		return r < 0 ? r : 0;
	}
	if (strcmp(seg->type, "flat") == 0) {
		if (!seg->physnet[0])
			return net_fault(f, -EINVAL, NF_SEG_FLAT_NO_PHYSNET, NULL, NULL);
		if (seg->id >= 0)
			return net_fault(f, -EINVAL, NF_SEG_FLAT_ID, NULL, NULL);
		if (!physnet_listed(b->cfg.flat_networks, seg->physnet, true))
			return net_fault(f, -EINVAL, NF_SEG_FLAT_UNKNOWN, seg->physnet, NULL);
		snprintf(seg->key, sizeof(seg->key), "flat:%s", seg->physnet);
		r = key_taken(st, seg->key);
		if (r > 0)
			return net_fault(f, -EEXIST, NF_SEG_FLAT_TAKEN, seg->physnet, NULL);
		return r < 0 ? r : 0;
	}
	if (strcmp(seg->type, "vlan") == 0) {
		if (!seg->physnet[0])
			return net_fault(f, -EINVAL, NF_SEG_VLAN_NO_PHYSNET, NULL, NULL);
		if (!physnet_listed(b->cfg.network_vlan_ranges, seg->physnet, false))
			return net_fault(f, -EINVAL, NF_SEG_VLAN_UNKNOWN, seg->physnet, NULL);
		if (seg->id < 0) {
			char prefix[80];
			snprintf(prefix, sizeof(prefix), "vlan:%s:", seg->physnet);
			r = lowest_free(st, b->cfg.network_vlan_ranges, seg->physnet, prefix, &seg->id, seg->key);
			if (r == -ENOSPC)
				return net_fault(f, r, NF_SEG_NONE_LEFT, NULL, NULL);
			return r < 0 ? r : 0;
		}
		if (seg->id < 1 || seg->id > 4094 ||
		    !vlan_in_range(b->cfg.network_vlan_ranges, seg->physnet, seg->id))
			return fault_n(f, -EINVAL, NF_SEG_VLAN_RANGE, seg->id, seg->physnet);
		snprintf(seg->key, sizeof(seg->key), "vlan:%s:%lld", seg->physnet, (long long)seg->id);
		r = key_taken(st, seg->key);
		if (r > 0)
			return fault_n(f, -EEXIST, NF_SEG_VLAN_TAKEN, seg->id, seg->physnet);
		return r < 0 ? r : 0;
	}
	return net_fault(f, -EINVAL, NF_SEG_TYPE, seg->type, NULL);
}
