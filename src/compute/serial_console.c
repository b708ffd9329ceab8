/* serial_console.c - the serial console: Nova's os-remote-consoles
 * (protocol serial, microversion 2.6) and the older os-getSerialConsole
 * action hand out a URL, ws://<api>/compute/serial-console/<server>?token=T,
 * whose token works once, for that server only, until [compute]
 * console_token_ttl. The websocket that opens it is paired here with the
 * connection the server's host's agent opens when its desired state lists
 * the session (GET /agent/v1/hosts/{host}/consoles/{session}, upgraded to
 * raw bytes: the agent relays the guest's serial port), and the
 * controller relays between them (http/websocket.c).
 *
 * The store keeps only a hash of each token (console_token); the pairing
 * lives in this process (struct console_broker): with several controllers
 * the agent's connection must reach the one holding the websocket. */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

#define PAIR_WAIT_S  20		      /* a websocket waits this long for its agent */
#define AGENT_LINGER 60		      /* an agent's end waits this long for its websocket */
#define RELAY_IDLE_MS (30 * 60 * 1000) /* a console with nothing moving is closed */
#define SESSION_WAIT_S 30	      /* the desired state lists a session this long */

/* An agent's end of a session, waiting for the websocket's thread. */
struct console_end {
	char session[ID_HEX_LEN + 1];
	int fd;
	void *urh;
	time_t at;
	struct console_end *next;
};

struct console_broker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct console_end *agents;
};

struct console_broker *console_broker_new(void)
{
	struct console_broker *k = calloc(1, sizeof(*k));

	if (k) {
		pthread_mutex_init(&k->lock, NULL);
		pthread_cond_init(&k->cond, NULL);
	}
	return k;
}

void console_broker_free(struct console_broker *k)
{
	if (!k)
		return;
	for (struct console_end *e = k->agents, *n; e; e = n) {
		n = e->next;
		http_upgrade_done(e->urh);
		free(e);
	}
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->cond);
	free(k);
}

/* Remove and return the agent end of session (NULL: none); caller locks. */
static struct console_end *end_take(struct console_broker *k, const char *session)
{
	for (struct console_end **p = &k->agents; *p; p = &(*p)->next)
		if (strcmp((*p)->session, session) == 0) {
			struct console_end *e = *p;
			*p = e->next;
			return e;
		}
	return NULL;
}

/* The agent's connection is upgraded: it waits for its websocket. */
static void agent_upgraded(void *arg, int fd, const char *extra, size_t extra_len, void *urh)
{
	struct console_end *e = arg, *stale = NULL;
	struct console_broker *k = *(struct console_broker **)(e + 1);
	time_t now = time(NULL);

	(void)extra; /* the agent sends nothing before the answer */
	(void)extra_len;
	e->fd = fd;
	e->urh = urh;
	e->at = now;
	pthread_mutex_lock(&k->lock);
	/* Ends whose websocket never came go. */
	for (struct console_end **p = &k->agents; *p;) {
		if (now - (*p)->at > AGENT_LINGER) {
			struct console_end *old = *p;
			*p = old->next;
			old->next = stale;
			stale = old;
		} else {
			p = &(*p)->next;
		}
	}
	e->next = k->agents;
	k->agents = e;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	for (struct console_end *n; stale; stale = n) {
		n = stale->next;
		http_upgrade_done(stale->urh);
		free(stale);
	}
}

struct client {
	struct console_broker *k;
	char session[ID_HEX_LEN + 1];
	char server_id[65];
	int fd;
	void *urh;
	char *extra;
	size_t extra_len;
};

static void *client_relay(void *arg)
{
	struct client *c = arg;
	struct console_end *e = NULL;
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += PAIR_WAIT_S;
	pthread_mutex_lock(&c->k->lock);
	while (!(e = end_take(c->k, c->session)))
		if (pthread_cond_timedwait(&c->k->cond, &c->k->lock, &deadline) == ETIMEDOUT)
			break;
	if (!e)
		e = end_take(c->k, c->session);
	pthread_mutex_unlock(&c->k->lock);
	if (e) {
		log_info("server %s: serial console session %.8s open", c->server_id, c->session);
		ws_relay(c->fd, c->extra, c->extra_len, e->fd, RELAY_IDLE_MS);
		log_info("server %s: serial console session %.8s closed", c->server_id, c->session);
		http_upgrade_done(e->urh);
		free(e);
	} else {
		log_warn("server %s: serial console: its host's agent did not connect within %d s",
			 c->server_id, PAIR_WAIT_S);
		ws_close(c->fd, 1011);
	}
	http_upgrade_done(c->urh);
	free(c->extra);
	free(c);
	return NULL;
}

static void client_upgraded(void *arg, int fd, const char *extra, size_t extra_len, void *urh)
{
	struct client *c = arg;
	pthread_attr_t at;
	pthread_t t;

	c->fd = fd;
	c->urh = urh;
	c->extra = extra_len ? malloc(extra_len) : NULL;
	if (c->extra)
		memcpy(c->extra, extra, extra_len);
	c->extra_len = c->extra ? extra_len : 0;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, client_relay, c) != 0) {
		ws_close(fd, 1011);
		http_upgrade_done(urh);
		free(c->extra);
		free(c);
	}
	pthread_attr_destroy(&at);
}

/* --- tokens --- */

static void token_hash(const char *token, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Issue a token for server id as the caller (the remote consoles rule),
 * in the caller's write transaction; url (1024) receives the console's
 * URL. 0, or -errno with Nova's words in f. */
static int console_issue(struct basalt *b, struct store *st, const struct caller *c,
			 const char *id, char url[1024], struct nova_fault *f)
{
	unsigned char raw[32];
	char token[65], hash[65], host[256] = "", vm[32] = "";
	const char *base = b->public_url ? b->public_url : "";
	struct server_ref s;
	struct store_stmt *q;
	int64_t now = now_usec();
	int r = server_find(st, c, id, "os_compute_api:os-remote-consoles", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_query(st, &q, "SELECT host, vm_state, power_state FROM server WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0) {
		snprintf(host, sizeof(host), "%s", store_text(q, 0) ? store_text(q, 0) : "");
		snprintf(vm, sizeof(vm), "%s", store_text(q, 1) ? store_text(q, 1) : "");
		if (store_int(q, 2) != 1)
			vm[0] = '\0'; /* not running */
	}
	store_done(q);
	if (r < 0)
		return r;
	if (!host[0] || strcmp(vm, "active") != 0)
		return nova_fail(f, -EALREADY, "Instance %s is not ready", id);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token, sizeof(token), raw, sizeof(raw));
	token_hash(token, hash);
	r = store_exec(st, "DELETE FROM console_token WHERE expires_at < ?", "i",
		       now - (int64_t)3600 * 1000000);
	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO console_token (token_hash, server_id, project_id, host,"
			       " expires_at, revision) VALUES (?, ?, ?, ?, ?, ?)",
			       "ssssii", hash, id, s.project_id, host,
			       now + (int64_t)b->cfg.console_token_ttl * 1000000,
			       store_txn_revision(st));
	if (r < 0)
		return r;
	/* http://h:p/x -> ws://h:p/x (https -> wss) */
	snprintf(url, 1024, "%s%s/compute/serial-console/%s?token=%s",
		 strncmp(base, "https:", 6) == 0 ? "wss" : "ws",
		 strncmp(base, "https:", 6) == 0 ? base + 5 : strncmp(base, "http:", 5) == 0 ? base + 4 : base,
		 id, token);
	return 0;
}

static int issue_reply(struct http_request *req, struct http_response *res, const char *id,
		       bool v2_6)
{
	struct nova_fault f = { "" };
	char url[1024] = "";
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = console_issue(req->b, st, &req->caller, id, url, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "console") < 0)
		return -1;
	if (v2_6)
		return http_reply(res, 200, json_pack("{s:{s:s,s:s,s:s}}", "remote_console",
						      "protocol", "serial", "type", "serial", "url",
						      url));
	return http_reply(res, 200, json_pack("{s:{s:s,s:s}}", "console", "type", "serial", "url",
					      url));
}

int h_server_remote_console(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = NULL;
	const json_t *rc;
	const char *proto, *type, *k;
	json_t *v;

	if (!microversion_at_least(req, 2, 6))
		return http_error(res, 404, "The resource could not be found.");
	body = http_body_json(req, res);
	if (!body)
		return -1;
	rc = json_object_get(body, "remote_console");
	if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_object(rc))
		return http_error(res, 400, "Invalid input for field/attribute remote_console. Value: remote_console is a required property.");
	json_object_foreach((json_t *)rc, k, v)
		if (strcmp(k, "protocol") != 0 && strcmp(k, "type") != 0)
			return http_error(res, 400, "Invalid input for field/attribute remote_console. Value: Additional properties are not allowed ('%s' was unexpected)", k);
	proto = json_str(rc, "protocol");
	type = json_str(rc, "type");
	if (!proto || !type)
		return http_error(res, 400, "Invalid input for field/attribute remote_console. Value: '%s' is a required property",
				  !proto ? "protocol" : "type");
	if (strcmp(proto, "serial") != 0)
		return http_error(res, 400, "Unavailable console type %s.", proto);
	if (strcmp(type, "serial") != 0)
		return http_error(res, 400, "Invalid console type %s", type);
	return issue_reply(req, res, http_param(req, "server_id"), true);
}

int server_serial_console_action(struct http_request *req, struct http_response *res,
				 const char *id, const json_t *arg)
{
	const char *type = json_str(arg, "type");

	if (!json_is_object(arg) || !type)
		return http_error(res, 400, "Invalid input for field/attribute os-getSerialConsole. Value: 'type' is a required property");
	if (strcmp(type, "serial") != 0)
		return http_error(res, 400, "Invalid input for field/attribute type. Value: %s. '%s' is not one of ['serial']",
				  type, type);
	return issue_reply(req, res, id, false);
}

/* Take the token (once) for server id: 0 with session (a fresh id) and
 * the server's host, -EACCES when it is not valid for it (unknown, used,
 * expired, another server's), -EPERM when the caller (a token sent along)
 * is of another project, -errno. In the caller's write transaction. */
static int console_take(struct store *st, const struct caller *c, const char *id,
			const char *token, char session[ID_HEX_LEN + 1], char host[256])
{
	char hash[65], project[65] = "";
	struct store_stmt *q;
	int64_t now = now_usec();
	bool ok = false;
	int r;

	token_hash(token, hash);
	r = store_query(st, &q,
			"SELECT t.project_id, t.host FROM console_token t JOIN server s"
			" ON s.id = t.server_id WHERE t.token_hash = ? AND t.server_id = ?"
			" AND t.used_at IS NULL AND t.expires_at > ? AND s.vm_state = 'active'"
			" AND s.host = t.host",
			"ssi", hash, id, now);
	if (r < 0)
		return r;
	if ((r = store_next(q)) > 0) {
		snprintf(project, sizeof(project), "%s", store_text(q, 0));
		snprintf(host, 256, "%s", store_text(q, 1));
		ok = true;
	}
	store_done(q);
	if (r < 0)
		return r;
	if (!ok)
		return -EACCES;
	if (c && !c->admin && (!c->project_id || strcmp(c->project_id, project) != 0))
		return -EPERM;
	id_new(session);
	r = store_exec(st,
		       "UPDATE console_token SET used_at = ?, session = ?, revision = ?"
		       " WHERE token_hash = ? AND used_at IS NULL",
		       "isis", now, session, store_txn_revision(st), hash);
	return r < 0 ? r : r == 0 ? -EACCES : 0;
}

int h_serial_console_ws(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id"), *token = http_query(req, "token");
	struct caller who, *c = NULL;
	struct client *cl;
	char accept[29], session[ID_HEX_LEN + 1], host[256];
	struct store *st;
	int r;

	if (!req->upgrade || strcasecmp(req->upgrade, "websocket") != 0 ||
	    ws_accept_key(req->ws_key, accept) < 0)
		return http_error(res, 400, "A serial console is a websocket: Upgrade: websocket and Sec-WebSocket-Key expected.");
	if (!token || strlen(token) != 64)
		return http_error(res, 401, "The console token is invalid or has expired.");
	/* A caller who sends its own token as well must be of the server's
	 * project (or an admin): another tenant's token never opens it. */
	if (req->auth_token && req->auth_token[0]) {
		if (!req->b->authenticate || req->b->authenticate(req->b, req->auth_token, &req->tok) < 0)
			return http_error(res, 401, "The request you have made requires authentication.");
		caller_from_token(&who, &req->tok);
		c = &who;
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = console_take(st, c, id, token, session, host);
	if (r == -EACCES)
		http_error(res, 401, "The console token is invalid or has expired.");
	else if (r == -EPERM)
		http_error(res, 403, "The console token is not for this project.");
	if (api_write_end(res, st, r, "console") < 0)
		return -1;
	if (!req->b->consoles)
		return http_error(res, 503, "The serial console proxy is not running.");
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return http_error_errno(res, -ENOMEM, "console");
	cl->k = req->b->consoles;
	snprintf(cl->session, sizeof(cl->session), "%s", session);
	snprintf(cl->server_id, sizeof(cl->server_id), "%s", id);
	http_header_add(res, "Upgrade", "websocket");
	http_header_add(res, "Sec-WebSocket-Accept", accept);
	if (req->ws_protocol && strstr(req->ws_protocol, "binary"))
		http_header_add(res, "Sec-WebSocket-Protocol", "binary");
	res->status = 101;
	res->upgrade = client_upgraded;
	res->upgrade_arg = cl;
	return 0;
}

int h_agent_console(struct http_request *req, struct http_response *res)
{
	const char *host = http_param(req, "host"), *session = http_param(req, "session");
	struct console_end *e;
	struct store *st;
	int r;

	if (!req->upgrade || strcasecmp(req->upgrade, "basalt-console") != 0)
		return http_error(res, 400, "Upgrade: basalt-console expected.");
	if (!req->b->consoles)
		return http_error(res, 503, "The serial console proxy is not running.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = store_exec(st,
		       "UPDATE console_token SET agent_at = ?, revision = ? WHERE session = ?"
		       " AND host = ? AND agent_at IS NULL",
		       "iiss", now_usec(), store_txn_revision(st), session, host);
	if (r == 0)
		r = http_error(res, 404, "No console session %s waits on host %s.", session, host);
	if (api_write_end(res, st, r, "console") < 0)
		return -1;
	/* The broker rides after the end, for agent_upgraded. */
	e = calloc(1, sizeof(*e) + sizeof(struct console_broker *));
	if (!e)
		return http_error_errno(res, -ENOMEM, "console");
	snprintf(e->session, sizeof(e->session), "%s", session);
	*(struct console_broker **)(e + 1) = req->b->consoles;
	http_header_add(res, "Upgrade", "basalt-console");
	res->status = 101;
	res->upgrade = agent_upgraded;
	res->upgrade_arg = e;
	return 0;
}

json_t *console_desired(struct store *st, const char *host)
{
	struct store_stmt *q;
	json_t *out = json_array();
	int r = store_query(st, &q,
			    "SELECT session, server_id FROM console_token WHERE host = ?"
			    " AND session IS NOT NULL AND agent_at IS NULL AND used_at > ?"
			    " ORDER BY session",
			    "si", host, now_usec() - (int64_t)SESSION_WAIT_S * 1000000);

	if (r < 0)
		return out;
	while (store_next(q) > 0)
		json_array_append_new(out, json_pack("{s:s,s:s}", "session", store_text(q, 0),
						     "server_id", store_text(q, 1)));
	store_done(q);
	return out;
}
