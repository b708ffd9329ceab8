/* servers.h - the server resource (server.c), the NICs of servers
 * (server_ports.c) and what their handlers (servers.c, server_actions.c)
 * share: the column list of server rows and the spec of a server being
 * created. */
#ifndef BASALT_SERVERS_H
#define BASALT_SERVERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

struct store_stmt;

#define SERVER_COLS                                                                                \
	"id, name, project_id, user_id, host, flavor_id, flavor_name, vcpus, ram, disk,"           \
	" ephemeral, swap, image_id, key_name, availability_zone, vm_state, task_state,"           \
	" power_state, fault_code, fault_message, fault_details, fault_at, created_at,"            \
	" updated_at, launched_at, console, config_drive, access_ipv4, access_ipv6,"       \
	" reservation_id, launch_index, locked_by, locked_reason, auto_disk_config"

enum server_col {
	SC_ID, SC_NAME, SC_PROJECT, SC_USER, SC_HOST, SC_FLAVOR_ID, SC_FLAVOR_NAME, SC_VCPUS,
	SC_RAM, SC_DISK, SC_EPHEMERAL, SC_SWAP, SC_IMAGE_ID, SC_KEY_NAME, SC_AZ, SC_VM_STATE,
	SC_TASK_STATE, SC_POWER_STATE, SC_FAULT_CODE, SC_FAULT_MESSAGE, SC_FAULT_DETAILS,
	SC_FAULT_AT, SC_CREATED, SC_UPDATED, SC_LAUNCHED, SC_CONSOLE, SC_CONFIG_DRIVE,
	SC_ACCESS_IPV4, SC_ACCESS_IPV6, SC_RESERVATION, SC_LAUNCH_INDEX, SC_LOCKED_BY,
	SC_LOCKED_REASON, SC_AUTO_DISK,
};

/* A server being created: parsed by the handler, completed by
 * server_prepare (flavor, key). Strings point into the request body. */
struct server_spec {
	char id[ID_HEX_LEN + 1];
	const char *name, *flavor_ref, *image_ref, *key_name, *user_data;
	const char *availability_zone; /* as asked; the zone once parsed */
	const json_t *metadata;	       /* NULL or an object */
	char flavor_buf[32];
	char zone[256], forced_host[256]; /* "zone:host[:node]" (admins) */
	char *public_key;		  /* owned */
	char flavor_id[256], flavor_name[256];
	int64_t vcpus, ram, disk, ephemeral, swap;
	bool config_drive;
	const char *access_ipv4, *access_ipv6; /* NULL: none */
	/* OS-DCF:diskConfig: -1 not given (server_prepare: the image's), 0
	 * MANUAL, 1 AUTO (server_prepare: what the server gets);
	 * image_disk_config: the image's auto_disk_config property ("":
	 * none), kept with the server. */
	int auto_disk;
	char image_disk_config[256];
	/* A multiple create: min_count..max_count servers asked (1..1 for
	 * one); server_prepare sets count, how many the quota lets it make.
	 * Each server: reservation (shared "r-xxxxxxxx"), its launch_index,
	 * and no_host (recorded in ERROR, unscheduled: the create's servers
	 * did not all fit). */
	int64_t min_count, max_count, count;
	char reservation[16];
	int64_t launch_index;
	bool no_host;
	/* os:scheduler_hints: arrays of server ids (32 hex) the servers go
	 * on the host of (same_host) or away from (different_host), owned
	 * by the caller, NULL when not asked; group: a server group's id as
	 * asked (NULL: none), group_id the same as Basalt keeps ids. */
	json_t *same_host, *different_host;
	const char *group;
	const json_t *tags; /* NULL or the checked array of its tags (2.52) */
	char group_id[ID_HEX_LEN + 1];
};

struct caller;
struct basalt;
struct http_request;
struct http_response;
struct nova_fault;
struct store;

/* server.c - the server resource (the server and server_metadata tables) */

/* A server as server_find loads it for the caller. */
struct server_ref {
	char project_id[65];
	char vm_state[16];
	char *console; /* owned, NULL when none; server_ref_free */
	char task_state[32]; /* "" when none */
	char locked_by[8];   /* "owner", "admin", or "" when not locked */
	char image_id[65];
};
/* Load server id when the caller may see it (os_compute_api:servers:show
 * against its project) and may do action to it (NULL: only see it).
 * 0 with *out filled, -ENOENT (missing or another project's: Nova shows
 * no other project's servers), -EPERM (action refused), or -errno. */
int server_find(struct store *st, const struct caller *c, const char *id, const char *action,
		struct server_ref *out, struct nova_fault *f);
/* A handler's check that the caller may see server id and do action to it
 * (NULL: only see it): 0, or -1 with Nova's error in res. */
int server_visible(struct http_request *req, struct http_response *res, struct store *st,
		   const char *id, const char *action);
void server_ref_free(struct server_ref *s);

struct server_tag_filter;
/* What a list asks for (NULL: no filter). */
struct server_filter {
	bool detail, all_tenants;
	const char *name, *host, *image, *flavor, *status, *marker;
	/* ip, ip6: a part of an address of one of the server's ports (Nova
	 * through Neutron's ip_address_substr); project: one project's
	 * servers, with all_tenants and for those who may use any filter */
	const char *ip, *ip6, *project;
	int64_t limit;
	int64_t changes_since; /* usec; 0: none */
	const struct server_tag_filter *tags; /* NULL: none (server_tags.c) */
};
/* Open the query of the servers the caller lists under flt, rows of
 * SERVER_COLS (the caller passes *q to store_done): all_tenants only as
 * the get_all_tenants rules allow (-EPERM), the host filter only for
 * admins (ignored otherwise), a marker the caller can see (-EINVAL). */
int server_list_query(struct store *st, const struct caller *c, const struct server_filter *flt,
		      struct store_stmt **q, struct nova_fault *f);
/* Open the query of server id (SERVER_COLS) on its row: 0, -ENOENT or
 * -errno. No policy: call server_find first. */
int server_row_query(struct store *st, const char *id, struct store_stmt **q);

/* The servers on host as os-hypervisors lists them, [{"uuid", "name"}]
 * oldest first (new reference; empty on error). */
json_t *server_host_list(struct store *st, const char *host);

struct quota_usage;
/* What project_id's servers use (instances, cores, ram): 0 or -errno. */
int server_usage(struct store *st, const char *project_id, struct quota_usage *used);

/* What the metadata service tells a guest about its server. Strings ""
 * for NULL; the owned ones NULL. */
struct server_guest {
	char name[256], project_id[65], availability_zone[256], flavor_name[256];
	char image_id[65], key_name[256];
	char *public_key; /* owned */
	char *user_data;  /* owned, base64 as the API took it */
	char *password;	  /* owned; "" when the guest posted none */
};
/* Load server id for its guest (no caller: the metadata service proves
 * the guest by its address): 1 found, 0 not, or -errno. */
int server_guest_load(struct store *st, const char *id, struct server_guest *g);
void server_guest_free(struct server_guest *g);

/* The server's metadata as an object, keys in order (new reference;
 * empty on error). */
json_t *server_metadata(struct store *st, const char *id);
/* 0 when m (NULL, or an object) is valid server metadata, else -EINVAL. */
int server_metadata_check(const json_t *m, struct nova_fault *f);
/* The metadata calls: each checks its rule against the server. list
 * fills *out (new reference); set merges m, or replaces everything with
 * replace; get fills *value (malloc'd). -ENOENT: no server, or no key. */
int server_metadata_list(struct store *st, const struct caller *c, const char *id, json_t **out,
			 struct nova_fault *f);
int server_metadata_set(struct store *st, const struct caller *c, const char *id,
			const json_t *m, bool replace, struct nova_fault *f);
int server_metadata_get(struct store *st, const struct caller *c, const char *id,
			const char *key, char **value, struct nova_fault *f);
int server_metadata_delete(struct store *st, const struct caller *c, const char *id,
			   const char *key, struct nova_fault *f);

/* The password a guest posts to the metadata service (Nova's
 * os-server-password). post (the metadata service's, no caller: the guest
 * is proven by its address) sets it in the caller's write transaction:
 * -EEXIST when one is set already (Nova: 409), -ENOENT no server. get
 * fills *password ("" for none; malloc'd); clear empties it; both check
 * their rule against the server (-ENOENT for another project's). */
int server_password_post(struct store *st, const char *id, const char *password);
int server_password_get(struct store *st, const struct caller *c, const char *id,
			char **password, struct nova_fault *f);
int server_password_clear(struct store *st, const struct caller *c, const char *id,
			  struct nova_fault *f);

struct image;
/* 0 when image im fits a flavor of disk GB (0: any) and ram MB, else
 * -EINVAL with Nova's words. */
int server_image_fits(const struct image *im, int64_t disk, int64_t ram, struct nova_fault *f);
/* Check a create in the caller's write transaction: metadata, zone (a
 * forced host only for admins: -EPERM), key pair (-EINVAL), flavor and
 * image (visible, active, fitting: -EINVAL), quota (-EDQUOT). Fills the
 * flavor and key of spec. 0 or -errno. */
int server_prepare(struct basalt *b, struct store *st, const struct caller *c,
		   struct server_spec *spec, struct nova_fault *f);
/* Record the prepared server for the caller and schedule it (claiming
 * its resources) in the caller's write transaction: 1 with host filled,
 * 0 when no host fits (the server is in ERROR with Nova's fault), -errno. */
int server_insert(struct basalt *b, struct store *st, const struct caller *c,
		  const struct server_spec *spec, char host[256]);
/* Put server id (just recorded, or scheduled with the other servers of
 * a multiple create that did not all fit) in ERROR with Nova's "No valid
 * host was found", holding no claim and no port. 0 or -errno. */
int server_no_host(struct store *st, const char *id);
/* What PUT /servers/{id} changes (NULL name: kept; set_ipv4/6: the
 * access address given, "" clearing it). */
struct server_change {
	const char *name;
	int auto_disk; /* OS-DCF:diskConfig: -1 kept, 0 MANUAL, 1 AUTO */
	bool set_ipv4, set_ipv6;
	const char *access_ipv4, *access_ipv6;
};
/* Apply ch to server id for the caller (os_compute_api:servers:update).
 * 0 or -errno. */
int server_update(struct store *st, const struct caller *c, const char *id,
		  const struct server_change *ch, struct nova_fault *f);
/* Delete server id for the caller under rule (NULL: servers:delete;
 * forceDelete's os-deferred-delete:force): at once when it has no live
 * host (or is in ERROR), else marked 'deleting' for its host's agent.
 * 0 or -errno. */
int server_delete(struct basalt *b, struct store *st, const struct caller *c, const char *id,
		  const char *rule, struct nova_fault *f);
/* Drop the row of server id with its allocation and ports (no policy: the
 * agents' API and server_delete), in the caller's write transaction; a
 * server that ran leaves its server_terminated row (usage.c). */
int server_row_delete(struct store *st, const char *id);
/* The console log of server id (malloc'd, NULL when none yet); -EALREADY
 * while it builds without one. */
int server_console(struct store *st, const struct caller *c, const char *id, char **console,
		   struct nova_fault *f);
enum server_power { SERVER_START, SERVER_STOP, SERVER_REBOOT };
/* Record a power change; -EALREADY when the state forbids it (Nova's
 * 409). hard: a HARD reboot. */
int server_power(struct store *st, const struct caller *c, const char *id, enum server_power op,
		 bool hard, struct nova_fault *f);

/* server_reset_state.c - os-resetState (admins) */
/* Set server id's vm_state to state ("active" or "error", checked by the
 * caller) and clear its task, for the caller (reset_state rule), in the
 * caller's write transaction: 0, -ENOENT, -EPERM, -EALREADY (being
 * deleted) with Nova's words in f, or -errno. Nothing else changes. */
int server_reset_state(struct store *st, const struct caller *c, const char *id,
		       const char *state, struct nova_fault *f);
/* The {"os-resetState": {"state": ...}} action of server id: 202. */
int server_reset_state_action(struct http_request *req, struct http_response *res,
			      const char *id, const json_t *arg);

/* server_resize.c - cold resize, confirm, revert (see the file) */
/* Resize server id to flavor_ref for the caller (auto_disk: the
 * OS-DCF:diskConfig asked, -1 none: MANUAL, as Nova's): the new flavor claimed
 * on the server's host beside the old one (-ENOSPC with Nova's words when
 * it has no room), a resize record, task_state resize_prep. -EINVAL for
 * an unknown, the same or a smaller-disk flavor, -EDQUOT, -EALREADY for a
 * state that forbids it. 0 or -errno, in the caller's write transaction. */
int server_resize(struct basalt *b, struct store *st, const struct caller *c, const char *id,
		  const char *flavor_ref, int auto_disk, struct nova_fault *f);
/* Confirm (the old claim freed, the server active or stopped) or revert
 * (the new claim freed, the old flavor and claim back, task_state
 * resize_reverting until the agent reports the old disk back) a resize in
 * VERIFY_RESIZE. -EALREADY in another state. 0 or -errno. */
int server_resize_confirm(struct store *st, const struct caller *c, const char *id,
			  struct nova_fault *f);
int server_resize_revert(struct store *st, const struct caller *c, const char *id,
			 struct nova_fault *f);
/* Free the old claim of server id's open resize (none: nothing), before
 * the server's row and allocation go. 0 or -errno. */
int server_resize_release(struct store *st, const char *id);
/* host's agent reports resize mig of server id "finished" (the server
 * goes VERIFY_RESIZE) or "reverted" (back to active or stopped). A report
 * that does not match the record's state changes nothing. 0, -EINVAL for
 * another status, or -errno. */
int server_resize_reported(struct store *st, const char *host, const char *id, const char *mig,
			   const char *status);

/* server_snapshot.c - createImage, createBackup */
/* Snapshot server id for the caller (os_compute_api:servers:create_image):
 * a queued image (name, metadata as properties) owned by the server's
 * project, a pending snapshot for its host, task_state image_snapshot.
 * image_id receives the image's id. -EALREADY (Nova's 409) when the
 * server's state forbids it. 0 or -errno. */
int server_snapshot(struct store *st, const struct caller *c, const char *id, const char *name,
		    const json_t *metadata, char image_id[65], struct nova_fault *f);
/* createBackup: the same (os_compute_api:os-create-backup, task_state
 * image_backup) with image_type=backup and backup_type; once its image is
 * active, the server's backups of that type beyond the `rotation` newest
 * are deleted (server_snapshots_settle). */
int server_backup(struct store *st, const struct caller *c, const char *id, const char *name,
		  const json_t *metadata, const char *backup_type, int64_t rotation,
		  char image_id[65], struct nova_fault *f);
/* Add "snapshots" (image ids still queued) to the desired servers of
 * host. 0 or -errno. */
int server_snapshots_desired(struct store *st, const char *host, json_t *servers);
/* End the pending snapshots that are over: on host, those the agent gives
 * up (failed: image ids) or whose image is active, killed or gone, then
 * the image task of its servers that have none left; with host NULL,
 * every one of server_id (being deleted). Unfinished images are deleted;
 * on host, an active backup rotates its server's backups, and the ids of
 * the images that deletes go into gone (the caller removes their files
 * after the commit). 0 or -errno, in the caller's write transaction. */
int server_snapshots_settle(struct store *st, const char *host, const char *server_id,
			    const json_t *failed, json_t *gone);

/* server_states.c - the server actions that change what a host runs (lock,
 * pause, suspend, rescue, rebuild), each recorded as an instance action */

/* 0, or -EALREADY with Nova's "Instance X is locked" when s is locked
 * and the caller is not an admin (Nova's check_instance_lock). */
int server_lock_check(const struct caller *c, const struct server_ref *s, const char *id,
		      struct nova_fault *f);
/* Lock (reason: NULL or the 2.73 locked_reason) or unlock server id for
 * the caller; unlocking a server an admin locked takes the admin's
 * unlock_override rule. 0 or -errno. */
int server_lock(struct store *st, const struct caller *c, const char *id, bool lock,
		const char *reason, struct nova_fault *f);
enum server_op { SERVER_PAUSE, SERVER_UNPAUSE, SERVER_SUSPEND, SERVER_RESUME, SERVER_RESCUE,
		 SERVER_UNRESCUE };
/* Record op for server id's host: the vm_state it requires (else
 * -EALREADY "Cannot 'op' instance X while it is in vm_state Y"), no task
 * under way, not locked. rescue_image: the image a rescue boots (NULL:
 * the server's own; checked visible and active: -EINVAL). 0 or -errno. */
int server_state_op(struct store *st, const struct caller *c, const char *id, enum server_op op,
		    const char *rescue_image, struct nova_fault *f);
/* What a rebuild changes besides the image (NULL / false: kept). */
struct server_rebuild {
	const char *image_ref, *name, *user_data, *key_name;
	bool set_key_name, set_user_data; /* key_name/user_data given (null: unset) */
	const json_t *metadata;		  /* replaces all metadata when non-NULL */
	int auto_disk;			  /* OS-DCF:diskConfig: -1 the new image's, 0, 1 */
};
/* Rebuild server id from rb->image_ref (visible, active, fitting its
 * flavor), with the changes rb asks for: the disk is made anew from the
 * image by its host, the ports and addresses stay. 0 or -errno. */
int server_rebuild(struct store *st, const struct caller *c, const char *id,
		   const struct server_rebuild *rb, struct nova_fault *f);
/* Nova's restore of a SOFT_DELETED server. Basalt deletes at once (Nova's
 * default reclaim_instance_interval = 0: no soft delete), so no server is
 * ever SOFT_DELETED: after the rule and the lock, -EALREADY "Cannot
 * 'restore' instance X while it is in vm_state Y" for every server. */
int server_restore(struct store *st, const struct caller *c, const char *id,
		   struct nova_fault *f);

/* instance_actions.c - Nova's os-instance-actions */

/* Record action (Nova's name: "create", "pause", ...) on server_id of
 * project_id, asked by c under its request id, in the caller's write
 * transaction; event (NULL: none, as lock and unlock) opens the event its
 * host finishes. 0 or -errno. */
int instance_action_record(struct store *st, const struct caller *c, const char *server_id,
			   const char *project_id, const char *action, const char *event);
/* Finish the open events of server_id with result ("Success", "Error"),
 * on host, in the caller's write transaction. 0 or -errno. */
int instance_action_finish(struct store *st, const char *server_id, const char *host,
			   const char *result, int64_t now);
int h_instance_action_list(struct http_request *req, struct http_response *res);
int h_instance_action_get(struct http_request *req, struct http_response *res);

/* server_ports.c */
/* The most NICs a server has (the QEMU driver's PCIe root ports). */
#define SERVER_NICS_MAX 8
struct nic_req;
/* The NICs a server create asks for, checked and in order. */
struct nic_plan {
	struct nic_req *nics; /* owned */
	size_t n;
	json_t *sg_names; /* the request's "security_groups" (a reference) or NULL */
	bool attach;	  /* os-interface: a missing port or network is 404, a taken IP 409 */
};
/* Parse and check "networks" and "security_groups" of a create for the
 * caller in its write transaction, making nothing: networks visible and
 * with a subnet, fixed IPs free, ports the caller's and free, groups
 * known, port quota (v2_37: microversion 2.37's networks "auto"/"none" and
 * required). Fills p (free it with nic_plan_free, also on error); 0, or
 * -errno with Nova's words in f. */
int server_nics_plan(struct basalt *b, const struct caller *c, struct store *st,
		     const json_t *networks, const json_t *groups, bool v2_37, struct nic_plan *p,
		     struct nova_fault *f);
void nic_plan_free(struct nic_plan *p);
/* What ties p to one server: 1 a port it names, 2 a fixed IP, 0 none. */
int nic_plan_single_use(const struct nic_plan *p);
/* Make (port_create) or take the planned ports for server_id, bind them
 * on host and record them in order, in the caller's write transaction.
 * 0, or -errno with the network's words in f (the caller rolls back). */
int server_nics_make(struct basalt *b, const struct caller *c, struct store *st,
		     const char *server_id, const char *host, const struct nic_plan *p,
		     struct nova_fault *f);
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
/* The port ids of the server's NICs being detached (sorted); NULL on a
 * store error. New reference. */
json_t *server_nics_detaching(struct store *st, const char *server_id);

/* The server's NICs as os-interface shows them (those being detached
 * too: their ports still name it), all or the one on port_id; "tag" with
 * tag (2.70). *out: a new array. 0 or -errno. */
int server_interfaces(struct store *st, const char *server_id, const char *port_id, bool tag,
		      json_t **out);
/* os-interface create in the caller's write transaction: att (NULL: pick
 * the only network) names port_id, or net_id (+ fixed_ips); the server
 * active, paused or stopped with no task (-EALREADY); the port made or
 * taken, bound to the server's host and recorded as its last NIC; its id
 * in port_out. Nova's errors: -EINVAL, -ENOENT (port, network), -EEXIST
 * (port or address in use), -EPERM (port quota). */
int server_interface_attach(struct basalt *b, struct store *st, const struct caller *c,
			    const char *server_id, const json_t *att, bool v2_49,
			    char port_out[UUID_LEN + 1], struct nova_fault *f);
/* os-interface delete in the caller's write transaction: the NIC marked
 * detaching (its host's agent takes it out of the guest; the port is
 * released once a report says so, server_nics_reported), or released now
 * when the server has no host. -ENOENT: not attached. */
int server_interface_detach(struct store *st, const struct caller *c, const char *server_id,
			    const char *port_id, struct nova_fault *f);
/* A host's report of the taps server_id's guest holds: release the NICs
 * being detached that it no longer holds (taps not an array: nothing). */
int server_nics_reported(struct store *st, const char *server_id, const json_t *taps);

/* server_tags.c - Nova's server tags (2.26): the server_tag table */

/* The tag filters of a list, in the order tags (all of), tags-any,
 * not-tags (not all of), not-tags-any (none of): re[i] NULL when not
 * asked, else a regular expression (REGEXP) matching exactly the tags its
 * comma list names, n[i] how many distinct tags it names. */
enum { SERVER_TAGS_ALL, SERVER_TAGS_ANY, SERVER_TAGS_NOT, SERVER_TAGS_NOT_ANY };
struct server_tag_filter {
	char *re[4]; /* owned */
	int64_t n[4];
};
/* Fill tf from the four comma lists (NULL: not asked). 0 or -ENOMEM;
 * server_tag_filter_free after. */
int server_tag_filter_init(struct server_tag_filter *tf, const char *const lists[4]);
void server_tag_filter_free(struct server_tag_filter *tf);
/* The tags of server id, sorted (new reference; empty on error). */
json_t *server_tags(struct store *st, const char *id);
/* 0 when tags (NULL, or what a body gave) is a list of at most 50 of
 * Nova's tags (1 to 60 characters, no ',' or '/'), else -EINVAL with
 * jsonschema's words as Nova's. */
int server_tags_check(const json_t *tags, struct nova_fault *f);
/* Add the checked tags to server id (those it has stay once), in the
 * caller's write transaction. 0 or -errno. */
int server_tags_put(struct store *st, const char *id, const json_t *tags);
/* The calls of /servers/{id}/tags: each checks its os-server-tags rule
 * against the server (-ENOENT for another project's); the changes also
 * its vm_state (active, paused, suspended or stopped, else -EALREADY as
 * Nova). list fills *out (new reference); exists: 0 or -ENOENT; add: 1
 * added, 0 already there, -EINVAL (bad tag, 50 already); replace puts
 * tags in place of all; delete: -ENOENT when it has no tag; clear: none
 * left. Changes in the caller's write transaction. */
int server_tag_list(struct store *st, const struct caller *c, const char *id, json_t **out,
		    struct nova_fault *f);
int server_tag_exists(struct store *st, const struct caller *c, const char *id, const char *tag,
		      struct nova_fault *f);
int server_tag_add(struct store *st, const struct caller *c, const char *id, const char *tag,
		   struct nova_fault *f);
int server_tag_replace(struct store *st, const struct caller *c, const char *id,
		       const json_t *tags, struct nova_fault *f);
int server_tag_delete(struct store *st, const struct caller *c, const char *id, const char *tag,
		      struct nova_fault *f);
int server_tag_clear(struct store *st, const struct caller *c, const char *id,
		     struct nova_fault *f);
int h_server_tag_list(struct http_request *req, struct http_response *res);
int h_server_tag_replace(struct http_request *req, struct http_response *res);
int h_server_tag_clear(struct http_request *req, struct http_response *res);
int h_server_tag_check(struct http_request *req, struct http_response *res);
int h_server_tag_add(struct http_request *req, struct http_response *res);
int h_server_tag_delete(struct http_request *req, struct http_response *res);

/* server_disk_config.c - OS-DCF:diskConfig (see the file) */
/* "OS-DCF:diskConfig" of object o into *out: -1 absent, 0 MANUAL, 1 AUTO;
 * -EINVAL with Nova's schema words for another value. */
int server_disk_config_of(const json_t *o, int *out, struct nova_fault *f);
/* -EINVAL with Nova's words when AUTO (asked 1) is asked of a server of
 * image image_id whose auto_disk_config property image_prop (NULL: none)
 * is "disabled", else 0. */
int server_disk_config_check(const char *image_prop, const char *image_id, int asked,
			     struct nova_fault *f);
struct image;
/* The image's auto_disk_config property, NULL when none (points into im). */
const char *server_image_disk_config(const struct image *im);
/* A create's or rebuild's diskConfig from image im: asked (0, 1) when
 * given, else the image's; -EINVAL when the image disables AUTO. */
int server_disk_config_from_image(const struct image *im, int asked, struct nova_fault *f);

/* servers.c */
/* Nova's hostId: an opaque per-project digest of the host name ("" for
 * none) into out. */
void server_host_id(const char *project, const char *host, char out[57]);
json_t *render_server(const struct http_request *req, struct store_stmt *q);
json_t *render_server_brief(const struct http_request *req, struct store_stmt *q);
/* The server as an update (PUT) or a rebuild answers it: below 2.75 Nova
 * leaves out the extended attributes (zone, config drive, key, usage,
 * states, volumes, host) and the addresses' type and MAC. */
json_t *render_server_changed(const struct http_request *req, struct store_stmt *q);

/* An adminPass as Nova makes one, 16 hex characters (the guest takes
 * keys, not passwords): create, rebuild and rescue answer it. */
void server_admin_pass(char out[17]);

#endif
