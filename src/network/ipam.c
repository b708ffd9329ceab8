/* ipam.c - IPv4 addresses: parsing and prefix arithmetic (pure), and the
 * hand-out of subnet addresses to ports, whose uniqueness rests on the
 * primary key of ip_allocation (subnet_id, ip_address), not on reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network.h"
#include "store/store.h"

int ip4_parse(const char *s, uint32_t *out)
{
	uint32_t addr = 0;
	int parts = 0;

	if (!s)
		return -EINVAL;
	while (parts < 4) {
		unsigned v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			/* No leading zeros: "010" is octal to some parsers. */
			if (digits == 1 && v == 0)
				return -EINVAL;
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		addr = addr << 8 | v;
		if (++parts < 4 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	*out = addr;
	return 0;
}

void ip4_format(uint32_t addr, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
		 addr & 255);
}

static uint32_t mask_of(int len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int cidr4_parse(const char *s, bool loose, struct cidr4 *out)
{
	char buf[32], *slash, *end;
	long len;
	uint32_t addr;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (!slash[1] || (slash[1] == '0' && slash[2]))
		return -EINVAL;
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 0 || len > 32 || ip4_parse(buf, &addr) < 0)
		return -EINVAL;
	if ((addr & ~mask_of((int)len)) && !loose)
		return -EINVAL;
	out->addr = addr & mask_of((int)len);
	out->len = (int)len;
	return 0;
}

bool cidr4_contains(const struct cidr4 *c, uint32_t addr)
{
	return (addr & mask_of(c->len)) == c->addr;
}

bool cidr4_overlap(const struct cidr4 *a, const struct cidr4 *b)
{
	int len = a->len < b->len ? a->len : b->len;

	return (a->addr & mask_of(len)) == (b->addr & mask_of(len));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct pool {
	uint32_t start, end;
};

static int cmp_pool(const void *a, const void *b)
{
	return cmp_u32(&((const struct pool *)a)->start, &((const struct pool *)b)->start);
}

/* The subnet's pools from their JSON text, sorted by start. The caller
 * frees *out. */
static int pools_parse(const char *text, struct pool **out, size_t *n)
{
	json_t *arr = json_loads(text ? text : "[]", 0, NULL), *p;
	struct pool *v;
	size_t i;

	if (!json_is_array(arr)) {
		json_decref(arr);
		return -EIO;
	}
	v = calloc(json_array_size(arr) + 1, sizeof(*v));
	if (!v) {
		json_decref(arr);
		return -ENOMEM;
	}
	json_array_foreach(arr, i, p) {
		if (ip4_parse(json_string_value(json_object_get(p, "start")), &v[i].start) < 0 ||
		    ip4_parse(json_string_value(json_object_get(p, "end")), &v[i].end) < 0) {
			free(v);
			json_decref(arr);
			return -EIO;
		}
	}
	*n = json_array_size(arr);
	json_decref(arr);
	qsort(v, *n, sizeof(*v), cmp_pool);
	*out = v;
	return 0;
}

/* Every address of subnet_id already handed out, sorted. Caller frees. */
static int allocated_load(struct store *st, const char *subnet_id, uint32_t **out, size_t *n)
{
	struct store_stmt *q;
	uint32_t *v = NULL, a;
	size_t cap = 0, len = 0;
	int r = store_query(st, &q, "SELECT ip_address FROM ip_allocation WHERE subnet_id = ?", "s",
			    subnet_id);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (ip4_parse(store_text(q, 0), &a) < 0)
			continue; /* not ours to judge: only IPv4 subnets exist */
		if (len == cap) {
			uint32_t *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[len++] = a;
	}
	store_done(q);
	if (r < 0) {
		free(v);
		return r;
	}
	if (len)
		qsort(v, len, sizeof(*v), cmp_u32);
	*out = v;
	*n = len;
	return 0;
}

static int insert(struct store *st, const char *subnet_id, const char *network_id,
		  const char *port_id, uint32_t addr, char ip[16])
{
	ip4_format(addr, ip);
	return store_exec(st,
			  "INSERT INTO ip_allocation (subnet_id, ip_address, network_id, port_id,"
			  " revision) VALUES (?, ?, ?, ?, ?)",
			  "ssssi", subnet_id, ip, network_id, port_id, store_txn_revision(st));
}

/* The lowest address of the pools that is not in used[] and inserts. */
static int allocate_any(struct store *st, const char *subnet_id, const char *network_id,
			const char *port_id, const struct pool *pools, size_t npools,
			const uint32_t *used, size_t nused, char ip[16])
{
	for (size_t p = 0; p < npools; p++) {
		for (uint64_t a = pools[p].start; a <= pools[p].end; a++) {
			uint32_t x = (uint32_t)a;
			if (nused && bsearch(&x, used, nused, sizeof(*used), cmp_u32))
				continue;
			int r = insert(st, subnet_id, network_id, port_id, x, ip);
			/* Taken meanwhile: the key refused it, try the next. */
			if (r != -EEXIST)
				return r < 0 ? r : 0;
		}
	}
	return -ENOSPC;
}

int ipam_allocate(struct store *st, const char *subnet_id, const char *network_id,
		  const char *port_id, const char *ip_or_null, char ip[16])
{
	struct cidr4 c;
	struct pool *pools = NULL;
	uint32_t *used = NULL, addr;
	size_t npools = 0, nused = 0;
	char cidr[65], *pools_text = NULL;
	int r = subnet_store_pools(st, subnet_id, network_id, cidr, &pools_text);

	if (r >= 0) {
		r = cidr4_parse(cidr, false, &c) < 0 ? -EIO : 0;
		if (r == 0 && !ip_or_null)
			r = pools_parse(pools_text, &pools, &npools);
	}
	free(pools_text);
	if (r < 0)
		return r;
	if (ip_or_null) {
		/* Any address of the CIDR but its network and broadcast
		 * addresses may be asked for, inside the pools or not. */
		if (ip4_parse(ip_or_null, &addr) < 0 || !cidr4_contains(&c, addr) ||
		    (c.len < 31 && (addr == c.addr || addr == (c.addr | ~mask_of(c.len)))))
			return -ERANGE;
		r = insert(st, subnet_id, network_id, port_id, addr, ip);
		return r < 0 ? r : 0;
	}
	r = allocated_load(st, subnet_id, &used, &nused);
	if (r == 0)
		r = allocate_any(st, subnet_id, network_id, port_id, pools, npools, used, nused, ip);
	free(used);
	free(pools);
	return r;
}

static int address_row(struct store_stmt *q, json_t *out, void *ctx)
{
	(void)ctx;
	return json_array_append_new(out, json_pack("{s:s,s:s}", "subnet_id", store_text(q, 0),
						    "ip_address", store_text(q, 1))) < 0
		       ? -ENOMEM
		       : 0;
}

json_t *ipam_port_addresses(struct store *st, const char *port_id)
{
	return network_rows(st, address_row, NULL, NULL,
			    "SELECT subnet_id, ip_address FROM ip_allocation WHERE port_id = ?"
			    " ORDER BY revision, subnet_id, ip_address",
			    "s", port_id);
}

json_t *ipam_subnet_addresses(struct store *st, const char *subnet_id, int *err)
{
	return network_ids(st, err, "SELECT ip_address FROM ip_allocation WHERE subnet_id = ?"
			   " ORDER BY ip_address", "s", subnet_id);
}

int ipam_release(struct store *st, const char *port_id, const char *subnet_id, const char *ip)
{
	int r = store_exec(st,
			   "DELETE FROM ip_allocation WHERE port_id = ?1 AND (?2 IS NULL OR subnet_id = ?2)"
			   " AND (?3 IS NULL OR ip_address = ?3)",
			   "sss", port_id, subnet_id, ip);

	return r < 0 ? r : 0;
}

int ipam_release_subnet(struct store *st, const char *subnet_id)
{
	int r = store_exec(st, "DELETE FROM ip_allocation WHERE subnet_id = ?", "s", subnet_id);

	return r < 0 ? r : 0;
}
