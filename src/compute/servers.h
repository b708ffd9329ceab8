/* servers.h - what servers.c and server_actions.c share: the column list
 * of server rows and the spec of a server being created. */
#ifndef BASALT_SERVERS_H
#define BASALT_SERVERS_H

#include <jansson.h>
#include <stdint.h>

#include "core/util.h"

struct http_request;
struct store_stmt;

#define SERVER_COLS                                                                                \
	"id, name, project_id, user_id, host, flavor_id, flavor_name, vcpus, ram, disk,"           \
	" ephemeral, swap, image_id, key_name, availability_zone, vm_state, task_state,"           \
	" power_state, fault_code, fault_message, fault_details, fault_at, created_at,"            \
	" updated_at, launched_at, console"

enum server_col {
	SC_ID, SC_NAME, SC_PROJECT, SC_USER, SC_HOST, SC_FLAVOR_ID, SC_FLAVOR_NAME, SC_VCPUS,
	SC_RAM, SC_DISK, SC_EPHEMERAL, SC_SWAP, SC_IMAGE_ID, SC_KEY_NAME, SC_AZ, SC_VM_STATE,
	SC_TASK_STATE, SC_POWER_STATE, SC_FAULT_CODE, SC_FAULT_MESSAGE, SC_FAULT_DETAILS,
	SC_FAULT_AT, SC_CREATED, SC_UPDATED, SC_LAUNCHED, SC_CONSOLE,
};

struct server_spec {
	char id[ID_HEX_LEN + 1];
	const char *flavor_ref, *image_ref, *key_name;
	char flavor_buf[32];
	char *public_key; /* owned */
	char flavor_id[256], flavor_name[256];
	int64_t vcpus, ram, disk, ephemeral, swap;
};

struct http_response;
struct store;

/* servers.c */
/* 0 when m (NULL, or an object) is valid server metadata, else a 400. */
int server_metadata_check(struct http_response *res, const json_t *m);
/* Set every key of m on the server, in the caller's write transaction. */
int server_metadata_put(struct store *st, const char *id, const json_t *m);
json_t *render_server(const struct http_request *req, struct store_stmt *q);
json_t *render_server_brief(const struct http_request *req, struct store_stmt *q);

#endif
