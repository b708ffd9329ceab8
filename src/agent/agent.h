/* agent.h - the compute agent: registers the host with the controller,
 * heartbeats, long-polls the desired state, reconciles QEMU toward it and
 * reports what is (docs/agent-protocol.md). Level-triggered and idempotent:
 * killed at any instant and started again, it converges without touching
 * the VMs that should keep running. */
#ifndef BASALT_AGENT_H
#define BASALT_AGENT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "basalt.h"
#include "hv/hv.h"

struct http_client;

struct agent {
	struct basalt *b;
	const char *host; /* borrowed from b->cfg */
	char *url;	  /* controller URL, no trailing slash (owned) */
	char *instances;  /* resolved instances_path (owned) */
	struct hv_driver *hv;
	atomic_bool stop;

	pthread_mutex_t lock; /* guards token; stop_cond wakes sleepers */
	pthread_cond_t stop_cond;
	char *token;

	json_t *failed; /* server id -> fault of a failed spawn (this run only) */
	char etag[80];
	/* Until then (CLOCK_MONOTONIC seconds) poll briefly, not for the full
	 * long poll: a guest that just started writes its console, and users
	 * wait for it ("console log show" after "server create --wait"). */
	_Atomic int64_t watch_until;
};

/* After acting on a server, report its console often for a while. */
#define AGENT_WATCH_S 60
#define AGENT_WATCH_POLL_S 1

/* agent.c */
struct agent_compute;
/* Start the compute role (its threads run beside whatever else the
 * process serves). The caller blocks SIGTERM/SIGINT in every thread first.
 * Returns 0, or -errno when it cannot start (bad config, no driver). */
int agent_compute_start(struct basalt *b, struct agent_compute **out);
/* Stop it; VMs keep running. */
void agent_compute_stop(struct agent_compute *ac);
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
/* PUT /agent/v1/hosts/{host} with this machine's resources. */
int compute_register(struct agent *a, struct http_client *c);
/* Make the host match desired (the controller's document) and report. */
int compute_reconcile(struct agent *a, struct http_client *c, const json_t *desired);

#endif
