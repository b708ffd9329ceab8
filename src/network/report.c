/* report.c - the networking members of an agent's report: the status of
 * the ports bound to the reporting host, of the routers it carries and of
 * those routers' floating IPs (docs/agent-protocol.md, "Networking in the
 * report"). Statuses of objects the host does not carry are ignored. */
#include <errno.h>
#include <string.h>

#include "core/json.h"
#include "network/l3.h"
#include "network/network.h"
#include "store/store.h"

static bool status_valid(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* Check every entry of member before anything is written: a report is
 * taken whole or refused. */
static int check_member(const json_t *list, const char *const *statuses)
{
	const json_t *e;
	size_t i;

	if (list && !json_is_array(list))
		return -EINVAL;
	json_array_foreach(list, i, e)
	{
		const char *id = json_str(e, "id");
		if (!id || strlen(id) > 64 || !status_valid(json_str(e, "status"), statuses))
			return -EINVAL;
	}
	return 0;
}

int network_report(struct store *st, const char *host, const json_t *report)
{
	static const char *const port_states[] = { "ACTIVE", "DOWN", "BUILD", "ERROR", NULL };
	static const char *const router_states[] = { "ACTIVE", "DOWN", "ERROR", NULL };
	const json_t *ports = json_object_get(report, "ports");
	const json_t *routers = json_object_get(report, "routers");
	const json_t *fips = json_object_get(report, "floatingips");
	const json_t *e;
	size_t i;
	int r;

	if (check_member(ports, port_states) < 0 || check_member(routers, router_states) < 0 ||
	    check_member(fips, router_states) < 0)
		return -EINVAL;
	r = 0;
	json_array_foreach(ports, i, e)
		if (r >= 0)
			r = port_store_set_status(st, host, json_str(e, "id"), json_str(e, "status"));
	json_array_foreach(routers, i, e)
		if (r >= 0)
			r = router_store_set_status(st, host, json_str(e, "id"), json_str(e, "status"));
	json_array_foreach(fips, i, e)
		if (r >= 0)
			r = fip_store_set_status(st, host, json_str(e, "id"), json_str(e, "status"));
	return r < 0 ? r : 0;
}
