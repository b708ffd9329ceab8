/* server.c - libmicrohttpd glue: collect a request, hand it to
 * http_dispatch, send the response with its request id. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"

struct http_server {
	struct basalt *b;
	struct MHD_Daemon *daemon;
};

/* Per-connection state while a request body arrives. */
struct upload {
	char *body;
	size_t len, cap;
	bool too_big;
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

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_request *req,
				     struct http_response *res)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = NULL;
	size_t len = 0;

	if (res->raw && res->status != 204) {
		text = res->raw;
		res->raw = NULL; /* MHD frees it now */
		len = strlen(text);
	} else if (res->body && res->status != 204) {
		text = json_dumps(res->body, JSON_COMPACT);
		len = text ? strlen(text) : 0;
	}
	resp = MHD_create_response_from_buffer(
	    len, text ? text : (void *)"", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	if (text)
		MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "x-openstack-request-id", req->request_id);
	for (int i = 0; i < res->nheaders; i++)
		MHD_add_response_header(resp, res->headers[i].name, res->headers[i].value);
	ret = MHD_queue_response(conn, (unsigned)res->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_too_big(struct http_server *srv, struct MHD_Connection *conn,
				     const char *method, const char *url)
{
	struct http_request req = { .b = srv->b, .method = method, .path = url };
	struct http_response res = { 0 };
	enum MHD_Result ret;

	request_id_new(req.request_id);
	http_error(&res, 413, "Request is too large.");
	res.body = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", 413, "message", res.message,
			     "title", "Request Entity Too Large");
	ret = send_response(conn, &req, &res);
	http_response_clear(&res);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	size_t limit = (size_t)srv->b->cfg.max_request_body_size;
	struct upload *up = *con_cls;

	if (!up) {
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* Refuse a declared oversize body before reading any of it. */
		if (cl && strtoull(cl, NULL, 10) > limit)
			return reply_too_big(srv, conn, method, url);
		up = calloc(1, sizeof(*up));
		if (!up)
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!up->too_big && up->len + *upload_size > limit) {
			up->too_big = true;
			free(up->body);
			up->body = NULL;
			up->len = up->cap = 0;
		}
		if (!up->too_big) {
			if (up->len + *upload_size + 1 > up->cap) {
				size_t cap = (up->len + *upload_size + 1) * 2;
				char *nb = realloc(up->body, cap);
				if (!nb)
					return MHD_NO;
				up->body = nb;
				up->cap = cap;
			}
			memcpy(up->body + up->len, upload_data, *upload_size);
			up->len += *upload_size;
			up->body[up->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (up->too_big)
		return reply_too_big(srv, conn, method, url);

	struct http_request req;
	struct http_response res;
	enum MHD_Result ret;

	memset(&req, 0, offsetof(struct http_request, tok));
	req.b = srv->b;
	req.method = method;
	req.path = url;
	req.body = up->body;
	req.body_len = up->len;
	req.auth_token = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Auth-Token");
	req.subject_token = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Subject-Token");
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, &req);
	http_dispatch(&req, &res);
	ret = send_response(conn, &req, &res);
	http_response_clear(&res);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	if (up) {
		free(up->body);
		free(up);
		*con_cls = NULL;
	}
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
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

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
	log_info("API listening on %s (%u workers), public URL %s", b->cfg.api_listen, workers,
		 b->public_url);
	*out = srv;
	return 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
