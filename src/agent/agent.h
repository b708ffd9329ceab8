/* agent.h - the agent of compute and network nodes: registers the host
 * (its roles and overlay address) with the controller, heartbeats,
 * long-polls the desired state, reconciles the host toward it (L2 and
 * security groups on every node, QEMU on compute nodes, DHCP, routers and
 * the metadata proxy on network nodes) and reports what is in one report
 * per round (docs/agent-protocol.md). Level-triggered and idempotent:
 * killed at any instant and started again, it converges without touching
 * the VMs that should keep running. One agent per process, whatever its
 * roles. */
#ifndef BASALT_AGENT_H
#define BASALT_AGENT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "basalt.h"
#include "hv/hv.h"

struct http_client;
struct netnode;

/* The controllers an agent talks to ([agent] controller_url: one URL or
 * a comma list), the one in use, and when to try the first again
 * (controllers.c). Read by every agent thread; only the atomics change. */
#define CONTROLLERS_MAX		  8
#define CONTROLLERS_FAILBACK_USEC (60LL * 1000000)
struct controllers {
	int n;
	char *url[CONTROLLERS_MAX]; /* no trailing slash (owned) */
	_Atomic int cur;
	_Atomic int64_t failback_at; /* usec: back to url[0] from then */
};

/* The agent roles a process runs (a bit set). */
#define AGENT_COMPUTE 1u
#define AGENT_NETWORK 2u

struct agent {
	struct basalt *b;
	const char *host;     /* borrowed from b->cfg */
	unsigned roles;	      /* AGENT_COMPUTE | AGENT_NETWORK */
	struct controllers ctl; /* where the controller API is */
	char *instances;      /* resolved instances_path (owned; compute role) */
	struct hv_driver *hv; /* compute role only, else NULL */
	atomic_bool stop;

	/* Network node state (owned by netnode.c: made by netnode_start,
	 * freed by netnode_stop; NULL otherwise). */
	struct netnode *netnode;
	/* Security groups (secgroup.c): port id -> mark index, kept on disk
	 * so marks stay put across restarts; the ruleset texts last loaded. */
	json_t *sg_index;
	char *sg_bridge_text, *sg_inet_text;
	/* Fail closed: the taps whose filtering is in the kernel (rules
	 * loaded, or none wanted) -> true; every other tap of a port is
	 * blocked by the guard table (its text last loaded) and no guest
	 * starts on it. */
	json_t *sg_ready;
	char *sg_guard_text;

	pthread_mutex_t lock; /* guards token; stop_cond wakes sleepers */
	pthread_cond_t stop_cond;
	char *token;

	json_t *failed; /* server id -> fault of a failed spawn (this run only) */
	json_t *consoles; /* serial console sessions served (console.c; this run only) */
	char etag[80];
	/* report.c (poll thread only): what the controller took, "member/id"
	 * -> signature of the entry; server id -> console offset taken; the
	 * page budget; the applied_revision taken (-1: none yet). */
	json_t *acked, *console_acked;
	size_t page_max;
	int64_t applied_acked;
	/* Until then (CLOCK_MONOTONIC seconds) poll briefly, not for the full
	 * long poll: a guest that just started writes its console, and users
	 * wait for it ("console log show" after "server create --wait"). */
	_Atomic int64_t watch_until;
};

/* After acting on a server, report its console often for a while. */
#define AGENT_WATCH_S	   60
#define AGENT_WATCH_POLL_S 1

/* controllers.c */
/* Parse list (URLs separated by commas or blanks, http:// or https://)
 * into cs, the first in use. 0, -EINVAL (empty, not a URL, more than
 * CONTROLLERS_MAX), -ENOMEM; on error cs holds nothing. */
int controllers_parse(const char *list, struct controllers *cs);
void controllers_free(struct controllers *cs);
/* The URL to call now (borrowed; lives as long as cs) and its index for
 * controllers_failed; back to the first once now passes failback_at. */
const char *controllers_pick(struct controllers *cs, int64_t now, int *idx);
/* The call to url[idx] failed (why: for the log): the next one is used
 * from now on, unless another thread has moved already. No-op with one. */
void controllers_failed(struct controllers *cs, int idx, int64_t now, const char *why);
/* Whether a call that returned r (http_client_do) and status calls for
 * another controller: it could not be reached, or answered 5xx. */
bool controllers_should_move(int r, long status);

/* agent.c */
struct agent_run;
/* Start the agent for roles (AGENT_COMPUTE and/or AGENT_NETWORK; its
 * threads run beside whatever else the process serves). The caller blocks
 * SIGTERM/SIGINT in every thread first. Returns 0, or -errno when it
 * cannot start (bad config, no driver). */
int agent_start(struct basalt *b, unsigned roles, struct agent_run **out);
/* Stop it; VMs, bridges, taps and namespaces stay. NULL is a no-op. */
void agent_stop(struct agent_run *ar);
/* The registration body's roles, local_ip and (compute role) the
 * hypervisor's resources; PUT /agent/v1/hosts/{host}. */
int agent_register(struct agent *a, struct http_client *c);
/* Get a fresh token (POST /v3/auth/tokens with [agent] credentials). */
int agent_login(struct agent *a, struct http_client *c);
/* An owned copy of the current token, logging in when there is none; NULL on failure. */
char *agent_token(struct agent *a, struct http_client *c);
/* One call to the controller at path (under the controller URL), logging in
 * again once on 401. Returns 0 with *status set (and *reply owned when
 * non-NULL) or -errno on transport failure. */
int agent_call(struct agent *a, struct http_client *c, const char *method, const char *path,
	       const json_t *body, long *status, json_t **reply);
/* Sleep up to ms, waking early when the agent stops; true when stopping. */
bool agent_sleep(struct agent *a, int ms);

/* compute.c */
/* Tell the controller what is under way on server id before a slow step
 * (a partial report of that one server). */
void report_task(struct agent *a, struct http_client *c, const char *id, const char *vm_state,
		 const char *task);

/* server_ops.c - resize, snapshot and diagnostics steps of one desired server s */
/* Resize, revert or drop the kept disk as s's "resize" record says. */
void server_ops_resize(struct agent *a, struct http_client *c, const json_t *s);
/* Add to s's report entry the resize step the host has reached
 * ({"id", "status": "finished" | "reverted"}), when it has. */
void server_ops_report(struct agent *a, const json_t *s, json_t *entry);
/* Add to s's report entry the diagnostics reading its "diagnostics" seq
 * asks for: read from the driver once per seq (diagnostics.json in the
 * server's directory), {"seq", "error"} when it cannot be read. */
void server_ops_diagnostics(struct agent *a, const json_t *s, json_t *entry);
/* Take and upload s's pending snapshots (its "snapshots": image ids);
 * append to failed the images that cannot be made (the controller
 * gives them up). */
void server_ops_snapshots(struct agent *a, struct http_client *c, const json_t *s,
			  json_t *failed);

/* report.c */
/* A server's console goes in deltas of at most this many bytes per round
 * (and at most a quarter of a page), so one noisy guest never delays the
 * others' reports. */
#define REPORT_CONSOLE_CHUNK (16 * 1024)
/* A console log on the host is cut to its last CONSOLE_TAIL_MAX bytes
 * (what the controller keeps) once it passes this: a guest printing
 * without end cannot fill the node's disk. */
#define CONSOLE_FILE_MAX (1024 * 1024)
void report_init(struct agent *a);
void report_fini(struct agent *a);
/* Send what in report (the round's full report of what is, which the
 * roles filled for the document desired) the controller has not taken
 * yet: changed entries and console deltas, in pages of at most
 * [agent] report_max_bytes; a refused page is logged and split, the rest
 * still sent. Returns 1 when console output is left for the next round,
 * 0 when all of it is in, -errno when the controller could not be
 * reached (the rest goes next round). */
int report_send(struct agent *a, struct http_client *c, const json_t *desired, json_t *report);

/* compute.c */
/* Add this machine's hypervisor members (virt_type, hypervisor_type and
 * _version, resources) to host, the registration body's "host" object. */
int compute_register_fill(struct agent *a, json_t *host);
/* Make the servers of the host match desired (the controller's document)
 * and put "servers" and "gone" into report (the round's report, which the
 * agent sends). Progress of slow steps is reported at once. */
int compute_reconcile(struct agent *a, struct http_client *c, const json_t *desired,
		      json_t *report);
/* The controller took that the servers in gone (an array of ids) are
 * gone: forget their tombstones. */
void compute_report_sent(struct agent *a, const json_t *gone);

/* console.c */
/* Serve the serial console sessions desired names ("consoles": a
 * websocket waiting at the controller), each on a thread of its own that
 * relays the guest's serial port to the controller. */
void console_serve(struct agent *a, struct http_client *c, const json_t *desired);

/* l2.c: every agent role */
/* Make bridges, vxlan devices, FDB flood entries, provider interfaces and
 * the taps of VM ports match desired ("networks", "ports"), then the
 * security groups (secgroup.c); put "ports" (id, status ACTIVE/DOWN) into
 * report. Removes only devices with our prefixes (brq, vxlan-, tap) that
 * nothing desired uses. Returns 0 or the first -errno (after trying
 * everything). */
int l2_reconcile(struct agent *a, const json_t *desired, json_t *report);

/* secgroup.c */
/* Load the security-group rules of the ports in desired into the nftables
 * tables `bridge basalt-sg` and `inet basalt-sg` (each replaced
 * atomically, and only when its text changed); with no port to filter,
 * both tables go. Returns 0 or -errno. */
int secgroup_reconcile(struct agent *a, const json_t *desired);
/* Load `bridge basalt-guard`, which drops every frame from or to the tap
 * of a filtered port in desired whose rules are not loaded yet. Called
 * before taps join their bridges: a tap forwards nothing until its rules
 * are in place (secgroup_reconcile lifts the block once they are, and
 * keeps it when loading fails). Returns 0 or -errno (then no filtered tap
 * may be plugged). */
int secgroup_guard(struct agent *a, const json_t *desired);
/* Whether tap's filtering is in place (its rules loaded, or none wanted):
 * the compute role starts no guest on a tap before. */
bool secgroup_tap_ready(const struct agent *a, const char *tap);
/* Free what secgroup.c keeps in a. */
void secgroup_fini(struct agent *a);

/* sg_rules.c: the rulesets' text (pure, unit tested) */
/* Mark indices of ports ("port:ID") and conntrack zones of networks
 * ("net:ID") run from 1 to SG_INDEX_MAX. */
#define SG_INDEX_MAX 0x7fff
/* Validators and canonical forms of what the controller sends. Each
 * returns 0 (or true) only for a well-formed value. */
bool sg_id_valid(const char *s);
int sg_mac_canon(const char *s, char out[18]);
int sg_addr_canon(const char *s, int *family, char out[64]);
int sg_prefix_canon(const char *s, int *family, char out[80]);
/* A rule's protocol as its IP protocol number, -1 for any (null, "any"),
 * -EINVAL when unknown. */
int sg_protocol_number(const json_t *proto);
/* The bodies of `bridge basalt-sg` and `inet basalt-sg` for ports (the
 * desired "ports") and groups (the desired "security_groups"), with the
 * mark indices in index. Invalid rules, addresses and members are left
 * out (they allow nothing) and the first is described in err. Returns 0
 * with both bodies (owned by the caller), -EINVAL when a filtered port has
 * no index (nothing built: a port left out would be unfiltered), or
 * -ENOMEM. */
int sg_rules_build(const json_t *ports, const json_t *groups, const json_t *index,
		   char **bridge_body, char **inet_body, char *err, size_t errlen);

/* netnode.c (engineer l3): the network role */
/* Start the network node's own threads (the metadata proxy), making
 * a->netnode. Returns 0 or -errno. Called once, before the first round. */
int netnode_start(struct agent *a);
/* Stop them and free a->netnode (NULL-safe). */
void netnode_stop(struct agent *a);
/* Make DHCP namespaces, routers, NAT and floating IPs match desired
 * ("dhcp", "routers"), and put "routers" and "floatingips" statuses into
 * report. Runs after l2_reconcile in the same round. 0 or -errno. */
int netnode_reconcile(struct agent *a, const json_t *desired, json_t *report);

#endif
