/* agent.c - the agent's life: configuration, login, registration, the
 * heartbeat thread, the long poll of the desired state, one reconcile
 * round per document (L2 first, then compute, then the network node) with
 * one report, and clean shutdown. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/util.h"
#include "http/client.h"

#define POLL_WAIT_S 25
/* The first wait after a failed poll (doubling to 30 s): short, as the
 * usual failure is a controller that died under the long poll while the
 * load balancer already sends the next request to one that lives. */
#define BACKOFF_FIRST_MS 500

int agent_login(struct agent *a, struct http_client *c)
{
	const struct config *cfg = &a->b->cfg;
	_cleanup_json_ json_t *body = NULL;
	char *tok = NULL;
	long status = 0;
	int r = -EIO;

	body = json_pack("{s:{s:{s:[s],s:{s:{s:s,s:{s:s},s:s}}},s:{s:{s:s,s:{s:s}}}}}", "auth",
			 "identity", "methods", "password", "password", "user", "name",
			 cfg->agent_username, "domain", "id", "default", "password",
			 cfg->agent_password, "scope", "project", "name", cfg->agent_project,
			 "domain", "id", "default");
	if (!body)
		return -ENOMEM;
	/* Each controller once at most: one that cannot answer hands over. */
	for (int tries = 0; tries < a->ctl.n; tries++) {
		_cleanup_free_ char *url = NULL;
		int idx;
		const char *base = controllers_pick(&a->ctl, now_usec(), &idx);
		if (asprintf(&url, "%s/v3/auth/tokens", base) < 0)
			return -ENOMEM;
		r = http_client_call(c, "POST", url, NULL, body, &status, NULL, &tok);
		if (r < 0)
			log_warn("agent: login to %s: %s", base, http_client_error(c));
		if (!controllers_should_move(r, status))
			break;
		controllers_failed(&a->ctl, idx, now_usec(),
				   r < 0 ? http_client_error(c) : "HTTP 5xx");
		if (tries + 1 < a->ctl.n) {
			free(tok);
			tok = NULL;
		}
	}
	if (r < 0)
		return r;
	if (status != 201 || !tok) {
		log_warn("agent: login as %s failed: HTTP %ld", cfg->agent_username, status);
		free(tok);
		return status == 401 ? -EACCES : -EIO;
	}
	pthread_mutex_lock(&a->lock);
	free(a->token);
	a->token = tok;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

char *agent_token(struct agent *a, struct http_client *c)
{
	char *t = NULL;

	pthread_mutex_lock(&a->lock);
	if (a->token)
		t = strdup(a->token);
	pthread_mutex_unlock(&a->lock);
	if (t || agent_login(a, c) < 0)
		return t;
	pthread_mutex_lock(&a->lock);
	if (a->token)
		t = strdup(a->token);
	pthread_mutex_unlock(&a->lock);
	return t;
}

int agent_call(struct agent *a, struct http_client *c, const char *method, const char *path,
	       const json_t *body, long *status, json_t **reply)
{
	int r = 0, moves = 0;

	/* A 401 logs in again once; a controller that cannot answer hands
	 * the call to the next one (each tried once): every agent call is
	 * idempotent (docs/agent-protocol.md), so sending it again is safe. */
	for (int attempt = 0; attempt < 2;) {
		_cleanup_free_ char *url = NULL;
		int idx;
		const char *base = controllers_pick(&a->ctl, now_usec(), &idx);
		if (asprintf(&url, "%s%s", base, path) < 0)
			return -ENOMEM;
		_cleanup_free_ char *tok = agent_token(a, c);
		if (!tok)
			return -EACCES;
		if (reply)
			*reply = NULL;
		r = http_client_call(c, method, url, tok, body, status, reply, NULL);
		if (r < 0)
			log_warn("agent: %s %s%s: %s", method, base, path, http_client_error(c));
		if (controllers_should_move(r, r < 0 ? 0 : *status)) {
			controllers_failed(&a->ctl, idx, now_usec(),
					   r < 0 ? http_client_error(c) : "HTTP 5xx");
			if (++moves < a->ctl.n) {
				if (reply && r == 0) {
					json_decref(*reply);
					*reply = NULL;
				}
				continue;
			}
		}
		if (r < 0)
			return r;
		if (*status != 401)
			break;
		/* Expired or revoked: log in again once. */
		if (reply) {
			json_decref(*reply);
			*reply = NULL;
		}
		if (agent_login(a, c) < 0)
			break;
		attempt++;
	}
	return 0;
}

bool agent_sleep(struct agent *a, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->lock);
	while (!atomic_load(&a->stop))
		if (pthread_cond_timedwait(&a->stop_cond, &a->lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&a->lock);
	return atomic_load(&a->stop);
}

int agent_register(struct agent *a, struct http_client *c)
{
	const char *local_ip = a->b->cfg.local_ip;
	_cleanup_json_ json_t *body = NULL;
	json_t *h, *roles;
	char path[512];
	long status = 0;
	int r;

	body = json_pack("{s:{s:[]}}", "host", "roles");
	if (!body)
		return -ENOMEM;
	h = json_object_get(body, "host");
	roles = json_object_get(h, "roles");
	if ((a->roles & AGENT_COMPUTE) && json_array_append_new(roles, json_string("compute")) < 0)
		return -ENOMEM;
	if ((a->roles & AGENT_NETWORK) && json_array_append_new(roles, json_string("network")) < 0)
		return -ENOMEM;
	if (local_ip && local_ip[0] &&
	    json_object_set_new(h, "local_ip", json_string(local_ip)) < 0)
		return -ENOMEM;
	/* A network-only node has no hypervisor: it registers no resources. */
	if ((a->roles & AGENT_COMPUTE) && (r = compute_register_fill(a, h)) < 0)
		return r;
	snprintf(path, sizeof(path), "/agent/v1/hosts/%s", a->host);
	r = agent_call(a, c, "PUT", path, body, &status, NULL);
	if (r < 0)
		return r;
	if (status != 200) {
		log_warn("agent: register %s: HTTP %ld", a->host, status);
		return -EIO;
	}
	log_info("agent: registered host %s", a->host);
	return 0;
}

/* --- heartbeat thread --- */

static void *heartbeat_main(void *arg)
{
	struct agent *a = arg;
	struct http_client *c = http_client_new();
	char path[512];
	int interval = a->b->cfg.heartbeat_interval > 0 ? a->b->cfg.heartbeat_interval : 10;

	if (!c)
		return NULL;
	http_client_set_timeout(c, 10000);
	snprintf(path, sizeof(path), "/agent/v1/hosts/%s/heartbeat", a->host);
	while (!agent_sleep(a, interval * 1000)) {
		long status = 0;
		if (agent_call(a, c, "POST", path, NULL, &status, NULL) == 0 && status != 204)
			log_warn("agent: heartbeat: HTTP %ld", status);
		/* 404: the controller forgot us (fresh store): register again. */
		if (status == 404)
			agent_register(a, c);
	}
	http_client_free(c);
	return NULL;
}

/* --- the long poll, on its own handle so a signal aborts it at once --- */

struct body {
	char *data;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;
	char *d;

	/* A safety net only: the controller pages the desired state (256 KiB
	 * pages, one entry more at most: hosts.c), so no answer comes near it. */
	if (b->len + n > (64u << 20))
		return 0;
	d = realloc(b->data, b->len + n + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, p, n);
	b->len += n;
	d[b->len] = '\0';
	b->data = d;
	return n;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct agent *a = arg;

	return atomic_load(&a->stop) ? 1 : 0;
}

/* GET url (a path under the agent's controller URL and query) with the
 * token; *doc owned on 200. Returns the HTTP status, or -EIO when the
 * controller could not be reached, -EACCES without a token. */
static int get_doc(struct agent *a, const char *url, json_t **doc)
{
	_cleanup_free_ char *tok = NULL, *hdr = NULL;
	struct body body = { 0 };
	struct curl_slist *h = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURL *c;
	CURLcode cr;

	*doc = NULL;
	pthread_mutex_lock(&a->lock);
	tok = a->token ? strdup(a->token) : NULL;
	pthread_mutex_unlock(&a->lock);
	if (!tok)
		return -EACCES;
	if (asprintf(&hdr, "X-Auth-Token: %s", tok) < 0)
		return -ENOMEM;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	h = curl_slist_append(h, hdr);
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)POLL_WAIT_S + 15);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (cr != CURLE_OK) {
		if (!atomic_load(&a->stop))
			log_warn("agent: desired state: %s", cerr[0] ? cerr : curl_easy_strerror(cr));
		free(body.data);
		return -EIO;
	}
	if (status == 200 && (!body.data || !(*doc = json_loads(body.data, 0, NULL)) ||
			      !json_is_object(*doc))) {
		json_decref(*doc);
		*doc = NULL;
		status = 0; /* unusable */
	}
	free(body.data);
	return (int)status;
}

/* GET the desired state, held by the controller until it changes from
 * a->etag or wait_s pass, and its further pages (page=K&etag=E) when it
 * has more than one (hosts.c: each page is bounded, whatever the node
 * carries). 0 with an owned *doc, 1 when it is still a->etag (HTTP 304:
 * no copy of what the agent has), -EAGAIN when it changed between pages
 * (ask again), -EACCES on 401, -ENOENT when not registered,
 * -EHOSTUNREACH when the controller could not answer and the next one of
 * the list is to be asked. */
static int poll_desired(struct agent *a, json_t **doc, int wait_s)
{
	_cleanup_free_ char *url = NULL;
	json_t *d = NULL;
	int st, idx;
	const char *base = controllers_pick(&a->ctl, now_usec(), &idx);

	*doc = NULL;
	if (asprintf(&url, "%s/agent/v1/hosts/%s/desired%s%s%s%d%s", base, a->host,
		     a->etag[0] ? "?after=" : "?", a->etag, a->etag[0] ? "&wait=" : "wait=", wait_s,
		     a->etag[0] ? "&not_modified=1" : "") < 0)
		return -ENOMEM;
	st = get_doc(a, url, &d);
	if ((st == -EIO || st >= 500) && a->ctl.n > 1 && !atomic_load(&a->stop)) {
		controllers_failed(&a->ctl, idx, now_usec(),
				   st < 0 ? "unreachable" : "HTTP 5xx");
		json_decref(d);
		return -EHOSTUNREACH;
	}
	if (st < 0)
		return st;
	if (st == 401)
		return -EACCES;
	if (st == 404)
		return -ENOENT; /* not registered (any more) */
	if (st == 304)
		return 1;
	if (st != 200 || !d) {
		log_warn("agent: desired state: HTTP %d, unusable body", st);
		return -EPROTO;
	}
	long pages = (long)json_integer_value(json_object_get(d, "pages"));
	const char *etag = json_string_value(json_object_get(d, "etag"));
	for (long k = 1; k < pages && etag; k++) {
		_cleanup_free_ char *purl = NULL;
		_cleanup_json_ json_t *p = NULL;
		const char *key;
		json_t *v;
		if (asprintf(&purl, "%s/agent/v1/hosts/%s/desired?page=%ld&etag=%s", base, a->host, k,
			     etag) < 0) {
			json_decref(d);
			return -ENOMEM;
		}
		st = get_doc(a, purl, &p);
		if (st != 200 || !p) {
			json_decref(d);
			if (st == 409)
				return -EAGAIN;
			log_warn("agent: desired state, page %ld of %ld: HTTP %d", k, pages, st);
			return st < 0 ? st : st == 401 ? -EACCES : -EPROTO;
		}
		json_object_foreach(p, key, v)
			if (json_is_array(v) && json_is_array(json_object_get(d, key)))
				json_array_extend(json_object_get(d, key), v);
	}
	json_object_del(d, "page");
	json_object_del(d, "pages");
	*doc = d;
	return 0;
}

/* One round: every role reconciles toward doc in order (L2 before QEMU
 * opens the taps, and before the network node plugs its legs), then the
 * report of what each found goes, as far as it is news to the controller
 * (report.c). A role that fails still reports what it has; the next round
 * retries. Returns 1 when console output is left for a next round. */
static int reconcile_round(struct agent *a, struct http_client *c, const json_t *doc)
{
	_cleanup_json_ json_t *report = json_object();
	bool applied;
	int r;

	if (!report)
		return 0;
	r = l2_reconcile(a, doc, report);
	if (r < 0)
		log_warn("agent: l2: %s", strerror(-r));
	applied = r >= 0;
	if ((a->roles & AGENT_COMPUTE) && !atomic_load(&a->stop) &&
	    (r = compute_reconcile(a, c, doc, report)) < 0)
		log_warn("agent: compute: %s", strerror(-r));
	if ((a->roles & AGENT_NETWORK) && !atomic_load(&a->stop) &&
	    (r = netnode_reconcile(a, doc, report)) < 0) {
		log_warn("agent: network node: %s", strerror(-r));
		applied = false;
	}
	/* The network plumbing of this document is in place (VMs wait for
	 * their DHCP by this: docs/agent-protocol.md, "applied_revision"). */
	if (applied && json_is_integer(json_object_get(doc, "revision")))
		json_object_set(report, "applied_revision", json_object_get(doc, "revision"));
	r = report_send(a, c, doc, report);
	return r > 0;
}

static void *poll_main(void *arg)
{
	struct agent *a = arg;
	struct http_client *c = http_client_new();
	bool registered = false;
	int backoff = BACKOFF_FIRST_MS, moves = 0;
	int64_t failed_at = 0; /* usec of the first failed poll of a run, 0: none */

	if (!c) {
		atomic_store(&a->stop, true);
		return NULL;
	}
	http_client_set_timeout(c, 30000);
	/* The last document: a 304 answer means it still holds, and the
	 * round reconciles toward it again (level-triggered: a QEMU that died
	 * is noticed, and new console output goes). */
	json_t *last = NULL;
	bool more = false;
	while (!atomic_load(&a->stop)) {
		json_t *doc = NULL;
		struct timespec t0, t1;
		int r, wait;
		bool probe;

		if (!registered && agent_register(a, c) < 0) {
			agent_sleep(a, backoff);
			backoff = backoff < 16000 ? backoff * 2 : 30000;
			continue;
		}
		registered = true;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* Console output left over, or the first poll after a failed
		 * one (is a controller serving again? answered at once, so the
		 * agent knows and says so): come back at once; after acting:
		 * soon; else the full long poll. */
		probe = failed_at != 0;
		wait = more || probe ? 0
			: t0.tv_sec < atomic_load(&a->watch_until) ? AGENT_WATCH_POLL_S
								   : POLL_WAIT_S;
		r = poll_desired(a, &doc, last ? wait : 0);
		if (r == 1 && !last)
			r = -EPROTO; /* 304 to a poll without an etag: never */
		if (r == -EACCES && agent_login(a, c) == 0)
			continue;
		if (r == -ENOENT) {
			registered = false;
			continue;
		}
		if (r == -EAGAIN && !agent_sleep(a, 100))
			continue; /* changed between its pages: again */
		if (r < 0 && r != -EAGAIN && !failed_at)
			failed_at = now_usec();
		if (r == -EHOSTUNREACH && ++moves < a->ctl.n)
			continue; /* the next controller, at once */
		if (r < 0) {
			moves = 0;
			agent_sleep(a, backoff);
			backoff = backoff < 16000 ? backoff * 2 : 30000;
			continue;
		}
		backoff = BACKOFF_FIRST_MS;
		moves = 0;
		if (failed_at) {
			/* For the operator (and bench/ha): how long it was cut off. */
			log_info("agent: the controller answers again, %lld ms after the poll failed",
				 (long long)((now_usec() - failed_at) / 1000));
			failed_at = 0;
		}
		if (r == 1)
			doc = json_incref(last);
		const char *etag = json_string_value(json_object_get(doc, "etag"));
		bool same = etag && strcmp(etag, a->etag) == 0;
		if (!atomic_load(&a->stop))
			more = reconcile_round(a, c, doc) > 0;
		if (etag)
			snprintf(a->etag, sizeof(a->etag), "%s", etag);
		json_decref(last);
		last = doc;
		/* A controller that does not hold the request (or answered
		 * unchanged at once): do not spin. */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (same && !more && !probe && t1.tv_sec - t0.tv_sec < 1)
			agent_sleep(a, 2000);
	}
	json_decref(last);
	http_client_free(c);
	return NULL;
}

static int agent_init(struct agent *a, struct basalt *b, unsigned roles)
{
	const struct config *cfg = &b->cfg;
	struct hv_config hc = { .virt_type = cfg->virt_type, .qemu_user = cfg->qemu_user };
	int r;

	memset(a, 0, sizeof(*a));
	a->b = b;
	a->host = cfg->host;
	a->roles = roles;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->stop_cond, NULL);
	if (!cfg->agent_controller_url || !cfg->agent_controller_url[0]) {
		log_error("agent: [agent] controller_url is not set");
		return -EINVAL;
	}
	if (!cfg->agent_username[0] || !cfg->agent_password[0]) {
		log_error("agent: [agent] username and password are required");
		return -EINVAL;
	}
	r = controllers_parse(cfg->agent_controller_url, &a->ctl);
	if (r < 0) {
		log_error("agent: [agent] controller_url '%s': want http(s) URLs separated by"
			  " commas (at most %d)",
			  cfg->agent_controller_url, CONTROLLERS_MAX);
		return r;
	}
	a->failed = json_object();
	report_init(a);
	if (!a->failed || !a->acked || !a->console_acked)
		return -ENOMEM;
	if (!(roles & AGENT_COMPUTE)) {
		log_info("agent: host %s, roles network, local_ip %s, controller %s%s", a->host,
			 cfg->local_ip && cfg->local_ip[0] ? cfg->local_ip : "(none)", a->ctl.url[0],
			 a->ctl.n > 1 ? " (and others)" : "");
		return 0;
	}
	if (cfg->instances_path && cfg->instances_path[0])
		a->instances = strdup(cfg->instances_path);
	else if (asprintf(&a->instances, "%s/instances", cfg->state_dir) < 0)
		a->instances = NULL;
	if (!a->instances)
		return -ENOMEM;
	hc.instances_path = a->instances;
	r = hv_driver_new(&hc, &a->hv);
	if (r < 0) {
		log_error("compute: hypervisor driver (virt_type %s, instances %s): %s",
			  cfg->virt_type, a->instances, strerror(-r));
		return r;
	}
	log_info("agent: host %s, roles %s, local_ip %s, driver %s (%s), instances in %s,"
		 " controller %s",
		 a->host, roles & AGENT_NETWORK ? "compute,network" : "compute",
		 cfg->local_ip && cfg->local_ip[0] ? cfg->local_ip : "(none)", a->hv->name,
		 a->hv->accel, a->instances, a->ctl.url[0]);
	return 0;
}

static void agent_fini(struct agent *a)
{
	if (a->hv)
		hv_driver_free(a->hv);
	secgroup_fini(a);
	report_fini(a);
	json_decref(a->failed);
	json_decref(a->consoles);
	controllers_free(&a->ctl);
	free(a->instances);
	free(a->token);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->stop_cond);
}

/* A running agent and its two threads. */
struct agent_run {
	struct agent a;
	pthread_t poller, heart;
	bool netnode; /* netnode_start succeeded */
};

static void agent_run_free(struct agent_run *ar, bool global)
{
	if (ar->netnode)
		netnode_stop(&ar->a);
	agent_fini(&ar->a);
	if (global)
		http_client_global_cleanup();
	free(ar);
}

int agent_start(struct basalt *b, unsigned roles, struct agent_run **out)
{
	struct agent_run *ar = calloc(1, sizeof(*ar));
	int r;

	if (!ar)
		return -ENOMEM;
	signal(SIGPIPE, SIG_IGN);
	r = agent_init(&ar->a, b, roles);
	if (r < 0) {
		agent_run_free(ar, false);
		return r;
	}
	if ((r = http_client_global_init()) < 0) {
		agent_run_free(ar, false);
		return r;
	}
	if (roles & AGENT_NETWORK) {
		r = netnode_start(&ar->a);
		if (r < 0) {
			log_error("agent: network node: %s", strerror(-r));
			agent_run_free(ar, true);
			return r;
		}
		ar->netnode = true;
	}
	if (pthread_create(&ar->poller, NULL, poll_main, &ar->a) != 0) {
		agent_run_free(ar, true);
		return -EAGAIN;
	}
	if (pthread_create(&ar->heart, NULL, heartbeat_main, &ar->a) != 0) {
		atomic_store(&ar->a.stop, true);
		pthread_join(ar->poller, NULL);
		agent_run_free(ar, true);
		return -EAGAIN;
	}
	*out = ar;
	return 0;
}

void agent_stop(struct agent_run *ar)
{
	if (!ar)
		return;
	log_info("agent: stopping (servers, bridges and namespaces stay)");
	pthread_mutex_lock(&ar->a.lock);
	atomic_store(&ar->a.stop, true);
	pthread_cond_broadcast(&ar->a.stop_cond);
	pthread_mutex_unlock(&ar->a.lock);
	/* The poller finishes the step under way (bounded by the driver's
	 * timeouts) and the long poll aborts at once. */
	pthread_join(ar->poller, NULL);
	pthread_join(ar->heart, NULL);
	agent_run_free(ar, true);
}
