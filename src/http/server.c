/* server.c - libmicrohttpd glue: collect a request, hand it to
 * http_dispatch, send the response with its request id. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

struct conn;

struct http_server {
	struct basalt *b;
	struct MHD_Daemon *daemon;
	/* Long polls: suspended requests and the thread that wakes them. */
	pthread_mutex_t lock;
	struct conn *waiting;
	pthread_t watcher;
	bool watcher_running;
	_Atomic bool stopping;
};

/* Per-request state, from the headers to the response. */
struct conn {
	struct http_request req; /* last member holds the token: keep it here, not copied */
	struct http_response res;
	const struct route *rt; /* NULL: res already holds the answer */
	char *body;		/* collected body (routes without a stream) */
	size_t len, cap;
	size_t limit; /* the largest body this request's API accepts */
	bool too_big;
	struct MHD_Connection *mc;
	struct conn *next_waiting; /* in http_server.waiting while suspended */
	void *stream;		/* stream routes: the handler's state ... */
	int stream_err;		/* ... and the first write error */
	bool stream_open;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct http_request *req = cls;

	if (req->nquery == HTTP_MAX_QUERY)
		return MHD_NO;
	req->query[req->nquery].key = key;
	req->query[req->nquery].value = value;
	req->nquery++;
	return MHD_YES;
}

struct upgrade {
	void (*fn)(void *arg, int fd, const char *extra, size_t extra_len, void *urh);
	void *arg;
};

static void on_upgrade(void *cls, struct MHD_Connection *connection, void *con_cls,
		       const char *extra_in, size_t extra_in_size, MHD_socket sock,
		       struct MHD_UpgradeResponseHandle *urh)
{
	struct upgrade *u = cls;

	u->fn(u->arg, sock, extra_in, extra_in_size, urh);
	free(u);
}

void http_upgrade_done(void *urh)
{
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_request *req,
				     struct http_response *res)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *type = res->content_type ? res->content_type : "application/json";
	char *text = NULL;
	size_t len = 0;

	if (res->upgrade && res->status == 101) {
		struct upgrade *u = malloc(sizeof(*u));
		if (!u)
			return MHD_NO;
		*u = (struct upgrade){ res->upgrade, res->upgrade_arg };
		resp = MHD_create_response_for_upgrade(on_upgrade, u);
		if (!resp)
			free(u);
	} else if (res->has_file) {
		resp = MHD_create_response_from_fd64(res->file_size, res->file_fd);
		res->has_file = false; /* MHD closes it */
	} else if (res->static_body) {
		resp = MHD_create_response_from_buffer(res->static_len, (void *)res->static_body,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		if (res->raw && res->status != 204) {
			text = res->raw;
			res->raw = NULL; /* MHD frees it now */
			len = res->raw_len ? res->raw_len : strlen(text);
		} else if (res->body && res->status != 204) {
			text = json_dumps(res->body, JSON_COMPACT);
			len = text ? strlen(text) : 0;
		}
		resp = MHD_create_response_from_buffer(len, text ? text : (void *)"",
						       text ? MHD_RESPMEM_MUST_FREE
							    : MHD_RESPMEM_PERSISTENT);
		if (!resp)
			free(text);
	}
	if (!resp)
		return MHD_NO;
	if (text || res->static_body || res->has_file || res->file_size)
		MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "x-openstack-request-id", req->request_id);
	/* Nova's own name for it (tempest reads it from a server create). */
	if (strncmp(req->path, "/compute", 8) == 0)
		MHD_add_response_header(resp, "x-compute-request-id", req->request_id);
	for (int i = 0; i < res->nheaders; i++)
		MHD_add_response_header(resp, res->headers[i].name, res->headers[i].value);
	ret = MHD_queue_response(conn, (unsigned)res->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The body limit of a path. The agents' API has its own, apart from the
 * public API's [api] max_request_body_size: agents page their reports
 * below [agent] report_max_bytes (src/agent/report.c), so a node's size
 * never meets the limit users are held to, and a user-facing limit tuned
 * down never locks out the agents. */
static size_t body_limit(const struct basalt *b, const char *url)
{
	if (strncmp(url, "/agent/v1/", 10) == 0)
		return (size_t)b->cfg.max_agent_request_body_size;
	return (size_t)b->cfg.max_request_body_size;
}

/* The 413 answer: which limit, and how far over it (when known). */
static void too_large(struct conn *c, unsigned long long got)
{
	const char *opt = strncmp(c->req.path, "/agent/v1/", 10) == 0
				  ? "max_agent_request_body_size"
				  : "max_request_body_size";

	if (got)
		http_error(&c->res, 413,
			   "Request is too large: %llu bytes, over the limit of %zu bytes ([api] %s).",
			   got, c->limit, opt);
	else
		http_error(&c->res, 413, "Request is too large: over the limit of %zu bytes ([api] %s).",
			   c->limit, opt);
}

/* The headers are in: route, authenticate and authorise before any of the
 * body is read, so a refused request never costs its upload. */
static struct conn *conn_start(struct http_server *srv, struct MHD_Connection *mc,
			       const char *url, const char *method)
{
	size_t limit = body_limit(srv->b, url);
	const char *cl;
	struct conn *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct conn, req) + offsetof(struct http_request, tok));
	memset((char *)c + offsetof(struct conn, res), 0, sizeof(*c) - offsetof(struct conn, res));
	c->req.b = srv->b;
	c->limit = limit;
	c->req.method = method;
	c->req.path = url;
	c->req.auth_token = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Auth-Token");
	c->req.subject_token = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Subject-Token");
	c->req.content_type = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
	c->req.accept = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept");
	c->req.accept_encoding = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Accept-Encoding");
	c->req.if_none_match = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "If-None-Match");
	c->req.api_version = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "OpenStack-API-Version");
	c->req.nova_version =
		MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-OpenStack-Nova-API-Version");
	c->req.forwarded_for = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Forwarded-For");
	c->req.md_network_id = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Basalt-Network-ID");
	c->req.md_signature = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Basalt-Signature");
	c->req.upgrade = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Upgrade");
	c->req.ws_key = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Sec-WebSocket-Key");
	c->req.ws_protocol = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Sec-WebSocket-Protocol");
	MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, collect_query, &c->req);
	c->rt = http_prepare(&c->req, &c->res);
	if (!c->rt)
		return c;
	cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!c->rt->stream && cl && strtoull(cl, NULL, 10) > limit) {
		too_large(c, strtoull(cl, NULL, 10));
		http_finish(&c->req, &c->res);
		c->rt = NULL;
		return c;
	}
	if (c->rt->stream) {
		if (c->rt->stream->begin(&c->req, &c->res, &c->stream) < 0) {
			http_finish(&c->req, &c->res);
			c->rt = NULL;
			return c;
		}
		c->stream_open = true;
	}
	return c;
}

static int collect(struct conn *c, size_t limit, const char *data, size_t n)
{
	if (c->too_big || c->len + n > limit) {
		c->too_big = true;
		free(c->body);
		c->body = NULL;
		c->len = c->cap = 0;
		return 0;
	}
	if (c->len + n + 1 > c->cap) {
		size_t cap = (c->len + n + 1) * 2;
		char *nb = realloc(c->body, cap);
		if (!nb)
			return -ENOMEM;
		c->body = nb;
		c->cap = cap;
	}
	memcpy(c->body + c->len, data, n);
	c->len += n;
	c->body[c->len] = '\0';
	return 0;
}

/* The whole request is in: run the handler (or close the stream).
 * Returns false when the handler asked to wait. */
static bool conn_run(struct conn *c)
{
	if (c->rt->stream) {
		c->stream_open = false;
		c->rt->stream->end(c->stream, &c->req, &c->res, c->stream_err);
	} else if (c->too_big) {
		too_large(c, 0);
	} else {
		c->req.body = c->body;
		c->req.body_len = c->len;
		c->rt->handler(&c->req, &c->res);
		if (c->res.status == HTTP_WAIT)
			return false;
	}
	http_finish(&c->req, &c->res);
	c->rt = NULL;
	return true;
}

static void wait_add(struct http_server *srv, struct conn *c)
{
	pthread_mutex_lock(&srv->lock);
	c->next_waiting = srv->waiting;
	srv->waiting = c;
	MHD_suspend_connection(c->mc);
	pthread_mutex_unlock(&srv->lock);
}

/* Wake the waiters whose revision moved or whose time is up (all of them
 * when stopping). */
static void wake(struct http_server *srv, int64_t revision, bool all)
{
	int64_t now = now_usec();

	pthread_mutex_lock(&srv->lock);
	for (struct conn **pp = &srv->waiting; *pp;) {
		struct conn *c = *pp;
		if (all || revision != c->res.wait_revision || now >= c->res.wait_until) {
			*pp = c->next_waiting;
			c->req.wait_expired = all || now >= c->res.wait_until;
			MHD_resume_connection(c->mc);
		} else {
			pp = &c->next_waiting;
		}
	}
	pthread_mutex_unlock(&srv->lock);
}

/* Wakes long polls when the store's revision moves. With a back end that
 * tells of commits (PostgreSQL LISTEN/NOTIFY: a write on any controller),
 * the listener wakes them within milliseconds and the revision is read
 * only each 500 ms, for the time-outs and a notification lost to a
 * reconnect; without one (SQLite), one cheap read each 50 ms while
 * someone waits, so writes by any process wake long polls. */
static void *watch(void *arg)
{
	struct http_server *srv = arg;
	struct store_listener *l = NULL;
	int r = store_listen(srv->b->db_url, &l);
	int every = l ? 10 : 1, n = 0; /* reads of the revision, in 50 ms ticks */
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	if (r < 0 && r != -EOPNOTSUPP)
		log_warn("store: no listener for commits of other controllers (%s): polling",
			 strerror(-r));
	while (!srv->stopping) {
		int64_t rev;
		basalt_controller_tick(srv->b);
		if (l) {
			r = store_listen_wait(l, 50, &rev);
			if (r > 0) {
				wake(srv, rev, false);
				continue;
			}
		} else {
			nanosleep(&tick, NULL);
		}
		if (++n < every)
			continue;
		n = 0;
		pthread_mutex_lock(&srv->lock);
		bool any = srv->waiting != NULL;
		pthread_mutex_unlock(&srv->lock);
		if (!any)
			continue;
		struct store *st = basalt_store(srv->b);
		if (st && store_revision(st, &rev) == 0)
			wake(srv, rev, false);
	}
	store_listen_close(l);
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct conn *c = *con_cls;

	if (!c) {
		c = conn_start(srv, mc, url, method);
		if (!c)
			return MHD_NO;
		*con_cls = c;
		/* A refused request is answered at once; MHD drops its body. */
		if (!c->rt)
			return send_response(mc, &c->req, &c->res);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (!c->rt)
			return MHD_YES; /* answered already: discard */
		if (c->rt->stream) {
			if (c->stream_err == 0)
				c->stream_err = c->rt->stream->write(c->stream, upload_data, n);
			return MHD_YES;
		}
		return collect(c, c->limit, upload_data, n) < 0
			       ? MHD_NO
			       : MHD_YES;
	}
	if (!c->rt)
		return MHD_YES; /* answered in the first call */
	c->mc = mc;
	if (!conn_run(c)) {
		wait_add(srv, c);
		return MHD_YES;
	}
	return send_response(mc, &c->req, &c->res);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;

	if (!c)
		return;
	/* The client left mid-upload: the stream still ends, as a failure. */
	if (c->stream_open) {
		c->rt->stream->end(c->stream, &c->req, &c->res, -ECONNABORTED);
		c->stream_open = false;
	}
	http_response_clear(&c->res);
	free(c->body);
	free(c);
	*con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	long port;

	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		size_t hl = strlen(host);
		if (hl < 2 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -EINVAL;
	*len = sizeof(*s4);
	return 0;
}

int http_server_start(struct basalt *b, struct http_server **out)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct http_server *srv;
	unsigned workers = (unsigned)b->cfg.api_workers;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_ALLOW_UPGRADE;

	if (parse_listen(b->cfg.api_listen, &ss, &sslen) < 0) {
		log_error("config: bad [api] listen '%s' (want ADDR:PORT)", b->cfg.api_listen);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		workers = (unsigned)(n > 0 ? n : 2);
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->b = b;
	pthread_mutex_init(&srv->lock, NULL);
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, workers, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_LISTENING_ADDRESS_REUSE,
	    (unsigned)1, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		log_error("cannot listen on %s", b->cfg.api_listen);
		free(srv);
		return -EADDRINUSE;
	}
	if (pthread_create(&srv->watcher, NULL, watch, srv) != 0) {
		MHD_stop_daemon(srv->daemon);
		free(srv);
		return -EAGAIN;
	}
	srv->watcher_running = true;
	log_info("API listening on %s (%u workers), public URL %s", b->cfg.api_listen, workers,
		 b->public_url);
	*out = srv;
	return 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	srv->stopping = true;
	if (srv->watcher_running)
		pthread_join(srv->watcher, NULL);
	/* Long polls answer now rather than be cut off. */
	wake(srv, 0, true);
	MHD_stop_daemon(srv->daemon);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
