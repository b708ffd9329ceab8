/* servers.h - what servers.c and server_actions.c share: the column list
 * of server rows and the spec of a server being created. */
#ifndef BASALT_SERVERS_H
#define BASALT_SERVERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct http_request;
struct store_stmt;

#define SERVER_COLS                                                                                \
	"id, name, project_id, user_id, host, flavor_id, flavor_name, vcpus, ram, disk,"           \
	" ephemeral, swap, image_id, key_name, availability_zone, vm_state, task_state,"           \
	" power_state, fault_code, fault_message, fault_details, fault_at, created_at,"            \
	" updated_at, launched_at, console, config_drive"

enum server_col {
	SC_ID, SC_NAME, SC_PROJECT, SC_USER, SC_HOST, SC_FLAVOR_ID, SC_FLAVOR_NAME, SC_VCPUS,
	SC_RAM, SC_DISK, SC_EPHEMERAL, SC_SWAP, SC_IMAGE_ID, SC_KEY_NAME, SC_AZ, SC_VM_STATE,
	SC_TASK_STATE, SC_POWER_STATE, SC_FAULT_CODE, SC_FAULT_MESSAGE, SC_FAULT_DETAILS,
	SC_FAULT_AT, SC_CREATED, SC_UPDATED, SC_LAUNCHED, SC_CONSOLE, SC_CONFIG_DRIVE,
};

struct server_spec {
	char id[ID_HEX_LEN + 1];
	const char *flavor_ref, *image_ref, *key_name;
	char flavor_buf[32];
	char *public_key; /* owned */
	char flavor_id[256], flavor_name[256];
	int64_t vcpus, ram, disk, ephemeral, swap;
	bool config_drive;
};

struct http_response;
struct store;

/* server_ports.c */
struct nic_req;
/* The NICs a server create asks for, checked and in order. */
struct nic_plan {
	struct nic_req *nics; /* owned */
	size_t n;
	json_t *sg_names; /* the request's "security_groups" (a reference) or NULL */
};
/* Parse and check "networks" and "security_groups" of a create in the
 * caller's write transaction, making nothing: networks visible and with a
 * subnet, fixed IPs free, ports free, groups known, port quota. Fills p
 * (free it with nic_plan_free, also on error); 0, or -1 with the error in
 * res. */
int server_nics_plan(struct http_request *req, struct http_response *res, struct store *st,
		     const json_t *networks, const json_t *groups, struct nic_plan *p);
void nic_plan_free(struct nic_plan *p);
/* Make (port_create) or bind (port_bind) the planned ports for server_id
 * on host and record them in order, in the caller's write transaction.
 * 0, or -1 with the error in res (the caller rolls back). */
int server_nics_make(struct http_request *req, struct http_response *res, struct store *st,
		     const char *server_id, const char *host, const struct nic_plan *p);
/* Delete the ports Nova made for server_id and unbind those the user
 * passed, in the write transaction that drops the server. 0 or -errno. */
int server_ports_release(struct store *st, const char *server_id);
/* {"<network name>": [{"version", "addr"(, "OS-EXT-IPS:type",
 * "OS-EXT-IPS-MAC:mac_addr" when extended)}]} in NIC order, floating IPs
 * after the fixed ones of their port. New reference. */
json_t *server_addresses(struct store *st, const char *server_id, bool extended);
/* The agents' "nics": [{"port_id", "mac_address", "network_id", "tap",
 * "mtu", "ready"}] in NIC order; "ready" is false while the DHCP server of
 * the port's network lacks its address, unless waited_enough. New
 * reference. */
json_t *server_nics_desired(struct store *st, const char *server_id, bool waited_enough);

/* servers.c */
/* 0 when m (NULL, or an object) is valid server metadata, else a 400. */
int server_metadata_check(struct http_response *res, const json_t *m);
/* Set every key of m on the server, in the caller's write transaction. */
int server_metadata_put(struct store *st, const char *id, const json_t *m);
json_t *render_server(const struct http_request *req, struct store_stmt *q);
json_t *render_server_brief(const struct http_request *req, struct store_stmt *q);

#endif
