/* availability_zones.c - Nova's os-availability-zone: the zones of the
 * compute hosts (each host's zone from its aggregates, aggregates.c), in
 * /detail also the zone "internal" of the controllers' services, and
 * whether a zone a server asks for is one (a compute host's). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "http/http.h"
#include "store/store.h"

int aggregate_zone_available(struct basalt *b, struct store *st, const char *zone)
{
	struct store_stmt *q;
	int r = host_query(st, NULL, NULL, NULL, NULL, &q);
	bool found = false;

	(void)b;
	if (r < 0)
		return r;
	while (!found && (r = store_next(q)) > 0) {
		char z[256];
		int zr;
		if (!store_bool(q, 2))
			continue;
		zr = aggregate_host_zone(st, store_text(q, 0), z);
		if (zr < 0) {
			r = zr;
			break;
		}
		found = strcmp(z, zone) == 0;
	}
	store_done(q);
	return r < 0 ? r : found;
}

/* Append to list the zone "internal" with the controllers' services, as
 * /detail shows a zone: available while one of them is up. 0 or -errno. */
static int add_internal_zone(struct basalt *b, struct store *st, json_t *list)
{
	json_t *z = NULL, *hosts = json_object();
	struct store_stmt *q;
	bool up = false;
	int r = ctlsvc_query(st, NULL, NULL, NULL, &q);

	if (r < 0) {
		json_decref(hosts);
		return r;
	}
	while ((r = store_next(q)) > 0) {
		bool alive = host_alive(b, store_int(q, 4));
		json_t *h = json_object_get(hosts, store_text(q, 0));
		if (!h) {
			h = json_object();
			json_object_set_new(hosts, store_text(q, 0), h);
		}
		json_object_set_new(h, store_text(q, 1),
				    json_pack("{s:b,s:b,s:o}", "available", alive, "active", 1,
					      "updated_at", nova_time(store_int(q, 4))));
		up = up || alive;
	}
	store_done(q);
	if (r < 0 || json_object_size(hosts) == 0) {
		json_decref(hosts);
		return r;
	}
	z = json_pack("{s:s,s:{s:b},s:o}", "zoneName", AZ_INTERNAL, "zoneState", "available", up,
		      "hosts", hosts);
	return json_array_append_new(list, z) == 0 ? 0 : -ENOMEM;
}

/* Nova's zones: each zone of the enabled compute hosts is available
 * (here: while one of them is up), a zone only of disabled hosts is not;
 * /detail (admin) lists each zone's hosts. */
int h_availability_zones(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	bool detail = strstr(req->path, "/detail") != NULL;
	json_t *zones = json_object(), *list = json_array(), *z;
	struct store_stmt *q;
	bool opened;
	int r;

	if (!st) {
		json_decref(zones);
		json_decref(list);
		return http_error_errno(res, -EIO, "store");
	}
	r = host_query(st, NULL, NULL, NULL, NULL, &q);
	opened = r >= 0;
	while (r >= 0 && (r = store_next(q)) > 0) {
		bool alive = host_alive(req->b, store_int(q, 4)), enabled = store_bool(q, 2);
		char zone[256];
		int zr = aggregate_host_zone(st, store_text(q, 0), zone);
		if (zr < 0) {
			r = zr;
			break;
		}
		z = json_object_get(zones, zone);
		if (!z) {
			z = json_pack("{s:s,s:{s:b},s:o}", "zoneName", zone, "zoneState", "available",
				      0, "hosts", detail ? json_object() : json_null());
			json_object_set_new(zones, zone, z);
			json_array_append(list, z);
		}
		if (alive && enabled)
			json_object_set_new(json_object_get(z, "zoneState"), "available",
					    json_true());
		if (detail)
			json_object_set_new(json_object_get(z, "hosts"), store_text(q, 0),
					    json_pack("{s:{s:b,s:b,s:o}}", "nova-compute", "available",
						      alive, "active", enabled, "updated_at",
						      nova_time(store_int(q, 4))));
	}
	if (opened)
		store_done(q);
	json_decref(zones);
	if (r < 0) {
		json_decref(list);
		return http_error_errno(res, r, "availability zones");
	}
	/* No compute host at all: the default zone, not available. */
	if (json_array_size(list) == 0)
		json_array_append_new(list, json_pack("{s:s,s:{s:b},s:o}", "zoneName", AZ_DEFAULT,
						      "zoneState", "available", 0, "hosts",
						      detail ? json_object() : json_null()));
	/* The zone of the other services, which only /detail shows (Nova's
	 * list hides it: no server can ask for it). */
	if (detail && (r = add_internal_zone(req->b, st, list)) < 0) {
		json_decref(list);
		return http_error_errno(res, r, "availability zones");
	}
	return http_reply(res, 200, json_pack("{s:o}", "availabilityZoneInfo", list));
}
