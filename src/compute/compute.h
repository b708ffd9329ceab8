/* compute.h - Nova v2.1 in the controller: flavors, keypairs, servers,
 * the scheduler and placement accounting, compute hosts, and the domain
 * functions the agents' API (src/agentapi/) calls. Prototypes grouped by
 * the file that defines them. */
#ifndef BASALT_COMPUTE_H
#define BASALT_COMPUTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct basalt;
struct caller;
struct store;
struct store_stmt;
struct http_request;
struct http_response;
struct route_table;

/* Domain functions (below the handlers) take the caller, return 0 or
 * -errno, and put Nova's words for a failure in a struct nova_fault; the
 * handler maps the -errno to the status (nova_error). */
struct nova_fault {
	char msg[512];
};

/* routes.c */
extern const struct route_table compute_routes;

/* render.c - Nova's shapes */
/* {"rel": "self"...} links of a resource under /compute/v2.1/COLLECTION/ID. */
json_t *nova_links(const struct http_request *req, const char *collection, const char *id);
/* A full page (limit items) of res's list key links to the next one:
 * KEY_links [{"rel": "next", "href": .../compute/v2.1/PATH?limit=&marker=
 * the last item's marker_field}]. Nothing for a shorter page. */
void nova_next_link(const struct http_request *req, struct http_response *res, const char *key,
		    const char *path, int64_t limit, const char *marker_field);
/* ISO 8601 without fraction, as Nova shows times. New reference. */
json_t *nova_time(int64_t usec);
/* Reply 200 {"key": [rows rendered]} for the query sql (store_query args). */
typedef json_t *(*nova_render_fn)(const struct http_request *req, struct store_stmt *q);
int nova_reply_list(struct http_request *req, struct http_response *res, const char *key,
		    nova_render_fn render, const char *sql, const char *fmt, ...);
/* Reply 200 {"key": [rows rendered]} for the open query q (done here). */
int nova_reply_rows(struct http_request *req, struct http_response *res, const char *key,
		    nova_render_fn render, struct store_stmt *q);
/* Reply status {"key": row} for one row, or 404 "what ID could not be found." */
int nova_reply_one(struct http_request *req, struct http_response *res, int status,
		   const char *key, nova_render_fn render, const char *what, const char *id,
		   const char *sql, const char *fmt, ...);
/* The same for the first row of the open query q (done here). */
int nova_reply_first(struct http_request *req, struct http_response *res, int status,
		     const char *key, nova_render_fn render, const char *what, const char *id,
		     struct store_stmt *q);

/* Fill f with Nova's message; returns err (a -errno). */
int nova_fail(struct nova_fault *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The reply for a failed domain call, the one mapping of compute's
 * errors: -EINVAL 400, -EPERM and -EDQUOT 403, -ENOENT 404, -EEXIST and
 * -EALREADY 409, else as http_error_errno; f's message when it has one.
 * Returns -1. */
int nova_error(struct http_response *res, int r, const struct nova_fault *f, const char *what);
/* Nova's refusal of a finer rule: -EPERM and "Policy doesn't allow ACTION
 * to be performed." in f. */
int nova_denied(struct nova_fault *f, const char *action);

/* version.c */
int h_compute_versions(struct http_request *req, struct http_response *res);
int h_compute_version(struct http_request *req, struct http_response *res);
int h_compute_version_v2(struct http_request *req, struct http_response *res);

/* flavors.c */
#define FLAVOR_COLS "id, name, vcpus, ram, disk, ephemeral, swap, rxtx_factor, is_public, description"
int h_flavor_list(struct http_request *req, struct http_response *res);
int h_flavor_detail(struct http_request *req, struct http_response *res);
int h_flavor_get(struct http_request *req, struct http_response *res);
int h_flavor_create(struct http_request *req, struct http_response *res);
int h_flavor_delete(struct http_request *req, struct http_response *res);
int h_flavor_specs_list(struct http_request *req, struct http_response *res);
int h_flavor_specs_set(struct http_request *req, struct http_response *res);
int h_flavor_spec_get(struct http_request *req, struct http_response *res);
int h_flavor_spec_delete(struct http_request *req, struct http_response *res);
int h_flavor_spec_update(struct http_request *req, struct http_response *res);
int h_flavor_update(struct http_request *req, struct http_response *res);
/* The extra specs of flavor id as an object (new reference). */
json_t *flavor_extra_specs(struct store *st, const char *id);
/* A flavor's sizes. */
struct flavor {
	char id[256], name[256];
	int64_t vcpus, ram, disk, ephemeral, swap;
	bool is_public;
};
/* Load flavor id as the caller may see it (private flavors only for
 * admins and the projects of its access list): 0, -ENOENT or -errno. */
int flavor_find(struct store *st, const struct caller *c, const char *id, struct flavor *out);
/* The writes, in the caller's write transaction (admins only: the routes'
 * rules): 0, -EEXIST (id or name taken), -ENOENT (no flavor, no key), or
 * -errno. specs_set sets every key of specs (strings). */
int flavor_insert(struct store *st, const struct flavor *fl, const char *description,
		  struct nova_fault *f);
int flavor_delete(struct store *st, const char *id, struct nova_fault *f);
int flavor_specs_set(struct store *st, const char *id, const json_t *specs);
int flavor_spec_delete(struct store *st, const char *id, const char *key, struct nova_fault *f);
/* Nova's booleans in strings ("True", "no", "t", "0"...): 1, 0 or -EINVAL. */
int nova_bool(const char *s);

/* images.c - the image proxy (below 2.36) */
int h_compute_image_list(struct http_request *req, struct http_response *res);
int h_compute_image_detail(struct http_request *req, struct http_response *res);
int h_compute_image_get(struct http_request *req, struct http_response *res);
int h_compute_image_delete(struct http_request *req, struct http_response *res);
int h_compute_image_meta_list(struct http_request *req, struct http_response *res);
int h_compute_image_meta_set(struct http_request *req, struct http_response *res);
int h_compute_image_meta_get(struct http_request *req, struct http_response *res);
int h_compute_image_meta_put(struct http_request *req, struct http_response *res);
int h_compute_image_meta_delete(struct http_request *req, struct http_response *res);

/* flavor_access.c - os-flavor-access */
int h_flavor_access_list(struct http_request *req, struct http_response *res);
int h_flavor_action(struct http_request *req, struct http_response *res);
/* 1 when project_id (NULL: none) may use private flavor_id, 0 when not,
 * or -errno. */
int flavor_access_has(struct store *st, const char *flavor_id, const char *project_id);
/* In the caller's write transaction: 0, -EEXIST (add: already there),
 * -ENOENT (remove: not there) with Nova's words in f, or -errno. */
int flavor_access_add(struct store *st, const char *flavor_id, const char *project_id,
		      struct nova_fault *f);
int flavor_access_remove(struct store *st, const char *flavor_id, const char *project_id,
			 struct nova_fault *f);

/* keypair_x509.c - Nova's x509 key pairs (2.2) */
/* The SHA-1 fingerprint ("aa:bb:...") of the first certificate of pem
 * (PEM): 0, or -EINVAL with why it is no certificate in why. */
int keypair_x509_fingerprint(const char *pem, char fp[60], char *why, size_t whylen);
/* A new self-signed client certificate for user_id (CN and UPN, 10
 * years, RSA 2048) made by the openssl command, as Nova's: *cert (PEM)
 * and *priv (base64 PKCS#12 of the key, empty password), both malloc'd,
 * and its fingerprint. Nothing left on disk. 0 or -errno. */
int keypair_x509_generate(const char *user_id, char **cert, char **priv, char fp[60]);

/* keypairs.c */
int h_keypair_list(struct http_request *req, struct http_response *res);
int h_keypair_get(struct http_request *req, struct http_response *res);
int h_keypair_create(struct http_request *req, struct http_response *res);
int h_keypair_delete(struct http_request *req, struct http_response *res);
/* The public key of user_id's key pair name into *key (malloc'd): 0,
 * -ENOENT or -errno. */
int keypair_public_key(struct store *st, const char *user_id, const char *name, char **key);
/* Open the query of user_id's key pairs (only name, when not NULL), rows
 * of name, public_key, fingerprint, key_type, user_id, created_at. */
int keypair_query(struct store *st, const char *user_id, const char *name, struct store_stmt **q);
/* In the caller's write transaction: 0, -EEXIST (the user has one by that
 * name), -ENOENT (delete: none), or -errno. */
int keypair_insert(struct store *st, const char *user_id, const char *name, const char *type,
		   const char *public_key, const char *fingerprint);
int keypair_delete(struct store *st, const char *user_id, const char *name);

/* services.c - Nova's os-services */
int h_service_list_nova(struct http_request *req, struct http_response *res);
int h_service_update_nova(struct http_request *req, struct http_response *res);

/* hosts.c - the compute host resource (the host table) and Nova's
 * os-hypervisors */
int h_hypervisor_list(struct http_request *req, struct http_response *res);
int h_hypervisor_detail(struct http_request *req, struct http_response *res);
int h_hypervisor_get(struct http_request *req, struct http_response *res);
int h_hypervisor_stats(struct http_request *req, struct http_response *res);
int h_hypervisor_uptime(struct http_request *req, struct http_response *res);
int h_hypervisor_search(struct http_request *req, struct http_response *res);
int h_hypervisor_servers(struct http_request *req, struct http_response *res);
/* What a host registers with (strings may be NULL but name and roles). */
struct host_info {
	const char *name, *roles; /* roles: a comma list of compute, network */
	const char *local_ip, *virt_type, *hypervisor_type;
	int64_t hypervisor_version, vcpus, memory_mb, disk_gb;
};
/* Record (or update) a host, seen now, enabled when new, in the caller's
 * write transaction: 0, -EINVAL (a bad name) or -errno. */
int host_register(struct store *st, const struct host_info *h);
/* A host was heard from at now: 1, 0 when it is not registered, -errno. */
int host_seen(struct store *st, const char *name, int64_t now);
/* The host has carried out the desired state of revision (it only grows). */
int host_applied(struct store *st, const char *name, int64_t revision);
/* 1 with the host's roles (comma list) in roles[256], 0 when it is not
 * registered, or -errno. */
int host_roles(struct store *st, const char *host, char roles[256]);
/* Open the query of the compute hosts with their usage (the columns
 * os-services and os-hypervisors show), by name: all, or those named name,
 * those of service_id, those whose service id (uuid or integer) or name
 * is id, those whose name holds like (NULL: no such filter). */
int host_query(struct store *st, const char *name, const char *service_id, const char *id,
	       const char *like, struct store_stmt **q);
/* The service_id (uuid) of compute host name into service_id: 0,
 * -ENOENT (no such compute host) or -errno. */
int host_service_of(struct store *st, const char *name, char service_id[65]);
/* os-services update of the host of service_id, in the caller's write
 * transaction: enable or disable it (status "enabled"/"disabled"; NULL
 * leaves status and reason unchanged; the reason is kept only when
 * disabled), force it down or clear that (forced_down 1/0, -1:
 * unchanged). 0, -ENOENT or -errno. */
int host_service_update(struct store *st, const char *service_id, const char *status,
			const char *reason, int forced_down);
/* A row of host_query's id as Nova shows it at the request's
 * microversion: the integer below 2.53, the uuid from then on (new
 * reference). */
json_t *host_service_id(const struct http_request *req, struct store_stmt *q);
/* "up" or "down" for a row of host_query: down when forced down or when
 * its heartbeats stopped. */
const char *host_state(const struct basalt *b, struct store_stmt *q);
/* 1 when host name is registered and alive, 0 when not, or -errno. */
int host_up(struct basalt *b, struct store *st, const char *name);
/* True when the host's last heartbeat is within service_down_time. */
bool host_alive(const struct basalt *b, int64_t last_seen);

/* The largest integer id (service_num) of the compute services into
 * *out (0: none): 0 or -errno. */
int host_service_num_max(struct store *st, int64_t *out);

/* controller_services.c - a controller's nova-scheduler and nova-conductor
 * (migration 035) */
/* Nova's zone of the services that are not nova-compute. */
#define AZ_INTERNAL "internal"
/* Make or refresh this controller's ([DEFAULT] host) service rows: their
 * last_seen (no revision taken), and in a write transaction of its own
 * the rows missing. 0 or -errno. */
int ctlsvc_heartbeat(struct basalt *b);
/* ctlsvc_heartbeat when heartbeat_interval has passed since the last one
 * (a failure is logged and tried again at the next interval). */
void ctlsvc_tick(struct basalt *b);
/* The largest integer id of the controllers' services into *out. */
int ctlsvc_max_num(struct store *st, int64_t *out);
/* Open the query of the controllers' services (NULL: no such filter) by
 * host, by binary, or whose uuid is id. Columns: 0 host,
 * 1 binary, 2 service_id, 3 service_num, 4 last_seen, 5 topic. */
int ctlsvc_query(struct store *st, const char *host, const char *binary, const char *id,
		 struct store_stmt **q);

/* os_hosts.c - Nova's os-hosts (below 2.43) */
int h_os_host_list(struct http_request *req, struct http_response *res);
int h_os_host_get(struct http_request *req, struct http_response *res);
int h_os_host_update(struct http_request *req, struct http_response *res);
int h_os_host_power(struct http_request *req, struct http_response *res);

/* extensions.c - the compute API's extensions list */
int h_compute_extension_list(struct http_request *req, struct http_response *res);
int h_compute_extension_get(struct http_request *req, struct http_response *res);

/* aggregates.c - Nova's host aggregates (os-aggregates) */
/* The zone of a host outside every aggregate with one. */
#define AZ_DEFAULT "nova"
int h_aggregate_list(struct http_request *req, struct http_response *res);
int h_aggregate_get(struct http_request *req, struct http_response *res);
int h_aggregate_create(struct http_request *req, struct http_response *res);
int h_aggregate_update(struct http_request *req, struct http_response *res);
int h_aggregate_delete(struct http_request *req, struct http_response *res);
int h_aggregate_action(struct http_request *req, struct http_response *res);
/* The writes, each in the caller's write transaction, with Nova's rules
 * and words in f: 0, or -ENOENT (no such aggregate, or host: not a
 * compute service / not in the aggregate), -EEXIST (name taken; host
 * already in it; add_host: the host would leave its zone or change it
 * under its servers), -EINVAL (a zone change Nova refuses: empty, another
 * zone of the hosts, servers on the hosts; delete: hosts left), -errno.
 * Nothing is changed on failure once the caller rolls back. create sets
 * *id; update sets name (NULL: kept) and the zone when set_zone;
 * set_metadata sets each key of metadata (null values remove theirs). */
int aggregate_create(struct store *st, const char *name, const char *zone, int64_t *id,
		     struct nova_fault *f);
int aggregate_update(struct store *st, int64_t id, const char *name, bool set_zone,
		     const char *zone, struct nova_fault *f);
int aggregate_set_metadata(struct store *st, int64_t id, const json_t *metadata,
			   struct nova_fault *f);
int aggregate_delete(struct store *st, int64_t id, struct nova_fault *f);
int aggregate_add_host(struct store *st, int64_t id, const char *host, struct nova_fault *f);
int aggregate_remove_host(struct store *st, int64_t id, const char *host, struct nova_fault *f);
/* The zone of host in zone[256] (AZ_DEFAULT when none of its aggregates
 * has one): 1 from an aggregate, 0 the default, or -errno. */
int aggregate_host_zone(struct store *st, const char *host, char zone[256]);

/* availability_zones.c - Nova's os-availability-zone */
int h_availability_zones(struct http_request *req, struct http_response *res);
/* 1 when an enabled compute host is in zone (Nova's "available"), 0 when
 * none is, or -errno. */
int aggregate_zone_available(struct basalt *b, struct store *st, const char *zone);

/* console.c - the console tail kept per server */
/* The controller keeps this much of each console (the newest bytes). */
#define CONSOLE_TAIL_MAX (64 * 1024)
/* Merge a delta of the guest's console log, data[0..len) at byte offset
 * off, into the stored tail (NUL-terminated, NULL for none), which ends at
 * offset end. A delta starting at or before end appends what is new in it;
 * one past end (a gap: the agent skipped what would not fit the tail) or
 * with reset (the log started anew) replaces the tail. Returns 1 with
 * *out (owned, the last CONSOLE_TAIL_MAX bytes) and *out_end, 0 when the
 * delta brings nothing new (a duplicate: *out NULL), -EINVAL for a
 * negative offset, -ENOMEM. */
int console_merge(const char *tail, int64_t end, int64_t off, const char *data, size_t len,
		  bool reset, char **out, int64_t *out_end);

/* server_agent.c - the server resource as the agents see it */
/* Add "servers" (what host should run) and "deleting" (its servers being
 * deleted) to doc, the host's desired state; *offsets (new reference) is
 * each server's console_offset, in the order of "servers", kept out of
 * the document's etag. 0 or -errno. */
int compute_desired(struct basalt *b, struct store *st, const char *host, json_t *doc,
		    json_t **offsets);
/* Apply a host's report ("servers", "gone", "partial") to its servers in
 * the caller's write transaction: 0, -EINVAL with the reason in f, or
 * -errno. The ids of the images it deletes whose files may remain (the
 * backups a finished createBackup rotates out) go into images_gone: the
 * caller removes their files once the transaction commits. */
int compute_report(struct store *st, const char *host, const json_t *body, int64_t now,
		   struct nova_fault *f, json_t *images_gone);

/* scheduler.c */
struct sched_request {
	int vcpus, ram_mb, disk_gb;
	const char *availability_zone;
	const char *host; /* a forced host (admins only), or NULL */
	/* Nova's SameHostFilter / DifferentHostFilter: arrays of server ids
	 * (NULL: none); a host passes when it holds one of same_host and
	 * none of different_host. A forced host skips them. */
	const json_t *same_host, *different_host;
	/* A server group the server is a member of (NULL: none): Nova's
	 * ServerGroupAffinityFilter / AntiAffinityFilter and its soft
	 * weighers, the group's policy deciding. A forced host skips it. */
	const char *group;
};
/* Pick a host for req and claim its resources for server_id, inside the
 * caller's write transaction. Returns 1 with host filled, 0 when no host
 * fits (nothing claimed), or -errno. */
int scheduler_place(struct basalt *b, struct store *st, const char *server_id,
		    const struct sched_request *req, char host[256]);
/* Give back what server_id holds on its host, in the caller's write
 * transaction; every server row is deleted only after this. */
int scheduler_release(struct store *st, const char *server_id);

/* server_groups.c - Nova's server groups (os-server-groups) */
int h_server_group_list(struct http_request *req, struct http_response *res);
int h_server_group_get(struct http_request *req, struct http_response *res);
int h_server_group_create(struct http_request *req, struct http_response *res);
int h_server_group_delete(struct http_request *req, struct http_response *res);
/* What placement needs of a group. */
struct server_group {
	char project_id[65];
	char policy[32];      /* affinity, anti-affinity, soft-affinity, soft-anti-affinity */
	int64_t max_per_host; /* anti-affinity's max_server_per_host (1 when not set) */
};
/* Load group id (32 hex) as caller c sees it (NULL: no caller, the
 * scheduler): Nova shows no other project's group but to admins. 0 with
 * *out filled, -ENOENT, or -errno. */
int server_group_load(struct store *st, const struct caller *c, const char *id,
		      struct server_group *out);
/* Make server_id a member of group id, in the caller's write transaction
 * (a member leaves when its server row goes: the foreign key). 0 or -errno. */
int server_group_add(struct store *st, const char *id, const char *server_id);
/* Counts, >= 0 or -errno: the groups of project_id; the members of group
 * id that user_id made (Nova's server_group_members quota); the members
 * of group id on host (NULL: on any host). */
int64_t server_group_count(struct store *st, const char *project_id);
int64_t server_group_user_members(struct store *st, const char *id, const char *user_id);
int64_t server_group_on_host(struct store *st, const char *id, const char *host);

/* servers.c and server_actions.c */
int h_server_list(struct http_request *req, struct http_response *res);
int h_server_detail(struct http_request *req, struct http_response *res);
int h_server_get(struct http_request *req, struct http_response *res);
int h_server_create(struct http_request *req, struct http_response *res);
int h_server_delete(struct http_request *req, struct http_response *res);
int h_server_update(struct http_request *req, struct http_response *res);
int h_server_action(struct http_request *req, struct http_response *res);
int h_server_metadata_list(struct http_request *req, struct http_response *res);
int h_server_metadata_set(struct http_request *req, struct http_response *res);
int h_server_metadata_get(struct http_request *req, struct http_response *res);
int h_server_metadata_delete(struct http_request *req, struct http_response *res);
int h_server_password_get(struct http_request *req, struct http_response *res);
int h_server_password_clear(struct http_request *req, struct http_response *res);
/* server_ports.c */
int h_server_ips(struct http_request *req, struct http_response *res);
int h_server_ips_network(struct http_request *req, struct http_response *res);
/* interfaces.c */
int h_server_interface_list(struct http_request *req, struct http_response *res);
int h_server_interface_get(struct http_request *req, struct http_response *res);
int h_server_interface_create(struct http_request *req, struct http_response *res);
int h_server_interface_delete(struct http_request *req, struct http_response *res);

/* migrations.c - os-migrations (admins): the resize records */
int h_migration_list(struct http_request *req, struct http_response *res);

/* server_diagnostics.c - GET /servers/{id}/diagnostics (admins) */
int h_server_diagnostics(struct http_request *req, struct http_response *res);

/* server_external_events.c - os-server-external-events (admins) */
int h_server_external_events(struct http_request *req, struct http_response *res);

/* usage.c - os-simple-tenant-usage */
int h_usage_list(struct http_request *req, struct http_response *res);
int h_usage_get(struct http_request *req, struct http_response *res);
/* Parse one of the times Nova's usage accepts ("YYYY-MM-DDTHH:MM:SS",
 * the same with ".ffffff", "YYYY-MM-DD HH:MM:SS.ffffff"; UTC) into *usec:
 * 0 or -EINVAL. */
int usage_parse_time(const char *s, int64_t *usec);
/* Nova's hours billed for a server launched at launched (0: never) and
 * terminated at terminated (0: still there) over [start, stop], in usec. */
double usage_hours(int64_t launched, int64_t terminated, int64_t start, int64_t stop);

/* usage_audit.c - os-instance_usage_audit_log (admins) */
int h_usage_audit_list(struct http_request *req, struct http_response *res);
int h_usage_audit_get(struct http_request *req, struct http_response *res);
/* The audit period (Nova's default "month") last completed before
 * `before` (usec) as Python's str(datetime): "YYYY-MM-DD HH:MM:SS". */
void usage_audit_period(int64_t before, char begin[32], char end[32]);

/* serial_console.c - the serial console's tokens and websocket proxy */
struct console_broker;
/* The pairing of websockets with their agents' connections (struct
 * basalt's consoles). NULL on ENOMEM. */
struct console_broker *console_broker_new(void);
void console_broker_free(struct console_broker *k);
int h_server_remote_console(struct http_request *req, struct http_response *res);
/* The os-getSerialConsole action ({"type": "serial"}) of server id. */
int server_serial_console_action(struct http_request *req, struct http_response *res,
				 const char *id, const json_t *arg);
/* GET /compute/serial-console/{server_id}?token=: the websocket. */
int h_serial_console_ws(struct http_request *req, struct http_response *res);
/* GET /agent/v1/hosts/{host}/consoles/{session}: the agent's end. */
int h_agent_console(struct http_request *req, struct http_response *res);
/* The desired state's "consoles" of host: [{"session", "server_id"}] of
 * websockets waiting for its agent (new reference). */
json_t *console_desired(struct store *st, const char *host);

/* network_proxy.c, secgroup_proxy.c, fip_proxy.c - Nova's proxies of the
 * network service (below 2.36; the server's groups and its group actions
 * at every microversion, addFloatingIp/removeFloatingIp below 2.44) */
/* Nova's 404 for a proxy it removed at 2.minor: -1 with it, else 0. */
int nova_proxy_gone(struct http_request *req, struct http_response *res, int minor);
/* A DELETE without an id ("/os-security-groups/"): Nova's 404. */
int h_nova_proxy_no_id(struct http_request *req, struct http_response *res);
/* What Nova removed with nova-network (os-floating-ips-bulk): 410. */
int h_nova_gone(struct http_request *req, struct http_response *res);
/* GET /servers/{id}/os-virtual-interfaces: 400 (404) below 2.44, 404 from it. */
int h_nova_virtual_interfaces(struct http_request *req, struct http_response *res);
int h_nova_network_list(struct http_request *req, struct http_response *res);
int h_nova_network_get(struct http_request *req, struct http_response *res);
int h_nova_tenant_network_list(struct http_request *req, struct http_response *res);
int h_nova_tenant_network_get(struct http_request *req, struct http_response *res);
int h_nova_fip_pools(struct http_request *req, struct http_response *res);
int h_nova_secgroup_list(struct http_request *req, struct http_response *res);
int h_nova_secgroup_get(struct http_request *req, struct http_response *res);
int h_nova_secgroup_create(struct http_request *req, struct http_response *res);
int h_nova_secgroup_update(struct http_request *req, struct http_response *res);
int h_nova_secgroup_delete(struct http_request *req, struct http_response *res);
int h_nova_sgrule_create(struct http_request *req, struct http_response *res);
int h_nova_sgrule_delete(struct http_request *req, struct http_response *res);
int h_nova_server_secgroups(struct http_request *req, struct http_response *res);
int h_nova_fip_list(struct http_request *req, struct http_response *res);
int h_nova_fip_get(struct http_request *req, struct http_response *res);
int h_nova_fip_create(struct http_request *req, struct http_response *res);
int h_nova_fip_delete(struct http_request *req, struct http_response *res);
/* The actions addSecurityGroup / removeSecurityGroup ({"name": N}) and
 * addFloatingIp / removeFloatingIp ({"address": A}) of server id. */
int server_secgroup_action(struct http_request *req, struct http_response *res, const char *id,
			   bool add, const json_t *arg);
int server_fip_action(struct http_request *req, struct http_response *res, const char *id,
		      bool add, const json_t *arg);
/* addFixedIp ({"networkId": N}: a new NIC on that network, as os-interface
 * attach) and removeFixedIp ({"address": A}: the NIC whose port holds A
 * detached) of server id (interfaces.c); 404 from 2.44, as Nova. */
int server_fixed_ip_action(struct http_request *req, struct http_response *res, const char *id,
			   bool add, const json_t *arg);

/* quotas.c */
int h_limits(struct http_request *req, struct http_response *res);
int h_quota_get(struct http_request *req, struct http_response *res);
int h_quota_defaults(struct http_request *req, struct http_response *res);
int h_quota_update(struct http_request *req, struct http_response *res);
int h_quota_delete(struct http_request *req, struct http_response *res);
int h_quota_class_get(struct http_request *req, struct http_response *res);
int h_quota_class_update(struct http_request *req, struct http_response *res);
struct quota_usage {
	int64_t instances, cores, ram;
	/* Used: the project's groups, and 0 for the members (a limit per
	 * group and user, which Nova never shows in use). */
	int64_t server_groups, server_group_members;
};
/* The project's limits (-1: unlimited) and current usage. */
int quota_get(struct basalt *b, struct store *st, const char *project_id,
	      struct quota_usage *limit, struct quota_usage *used);
/* Set project_id's limit of resource (a name of Nova's quota sets,
 * checked by the handler) in the caller's write transaction: 0 or -errno. */
int quota_set_one(struct store *st, const char *project_id, const char *resource, int64_t limit);

#endif
