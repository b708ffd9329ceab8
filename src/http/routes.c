/* routes.c - every service's routing table, in the order they are matched. */
#include "core/util.h"
#include "http/http.h"
#include "compute/compute.h"
#include "identity/identity.h"
#include "image/image.h"
#include "network/network.h"
#include "metadata/metadata.h"

const struct route_table *const http_route_tables[] = {
	&identity_routes,
	&image_routes,
	&compute_routes,
	&agent_routes,
	&network_routes,
	&network_l3_routes,
	&metadata_routes,
};

const size_t http_route_tables_count = ARRAY_SIZE(http_route_tables);
