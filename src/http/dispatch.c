/* dispatch.c - route a request, authenticate, authorise, run the handler
 * and render errors in the service's own OpenStack shape. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"

static const char *status_title(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 409:
		return "Conflict";
	case 413:
		return "Request Entity Too Large";
	case 415:
		return "Unsupported Media Type";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

int http_error(struct http_response *res, int status, const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	json_decref(res->body);
	res->body = NULL;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

int http_error_errno(struct http_response *res, int err, const char *what)
{
	switch (err) {
	case -ENOENT:
		return http_error(res, 404, "Could not find %s.", what);
	case -EEXIST:
		return http_error(
		    res, 409, "Conflict occurred attempting to store %s - Duplicate entry.", what);
	case -ENOLINK:
		return http_error(
		    res, 409,
		    "Conflict occurred attempting to store %s - it references, or is referenced by, another resource.",
		    what);
	case -EINVAL:
		return http_error(res, 400, "Invalid input for %s.", what);
	case -EBUSY:
		return http_error(res, 503, "The store is busy; retry the request.");
	case -EPERM: /* the policy refused: what names the action */
		return http_error(res, 403,
				  "You are not authorized to perform the requested action: %s.", what);
	default:
		return http_error(
		    res, 500,
		    "An unexpected error prevented the server from fulfilling your request.");
	}
}

int http_reply(struct http_response *res, int status, json_t *body)
{
	res->status = status;
	json_decref(res->body);
	res->body = body;
	return 0;
}

int http_reply_raw(struct http_response *res, int status, char *text)
{
	res->status = status;
	json_decref(res->body);
	res->body = NULL;
	free(res->raw);
	res->raw = text;
	res->raw_len = 0;
	return 0;
}

int http_reply_static(struct http_response *res, int status, const void *data, size_t len,
		      const char *content_type)
{
	http_reply_raw(res, status, NULL);
	res->static_body = data;
	res->static_len = len;
	res->content_type = content_type;
	return 0;
}

int http_wait(struct http_response *res, int64_t revision, int64_t until_usec)
{
	res->status = HTTP_WAIT;
	res->wait_revision = revision;
	res->wait_until = until_usec;
	return 0;
}

int http_header_add(struct http_response *res, const char *name, const char *value)
{
	char *copy;

	if (res->nheaders == HTTP_MAX_HEADERS)
		return -ENOSPC;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	res->headers[res->nheaders].name = name;
	res->headers[res->nheaders].value = copy;
	res->nheaders++;
	return 0;
}

void http_response_clear(struct http_response *res)
{
	json_decref(res->body);
	res->body = NULL;
	free(res->raw);
	res->raw = NULL;
	res->raw_len = 0;
	res->static_body = NULL;
	res->static_len = 0;
	if (res->has_file)
		close(res->file_fd);
	res->has_file = false;
	for (int i = 0; i < res->nheaders; i++)
		free(res->headers[i].value);
	res->nheaders = 0;
}

int http_reply_file(struct http_response *res, int status, int fd, uint64_t size,
		    const char *content_type)
{
	json_decref(res->body);
	res->body = NULL;
	free(res->raw);
	res->raw = NULL;
	if (res->has_file)
		close(res->file_fd);
	res->status = status;
	res->file_fd = fd;
	res->file_size = size;
	res->has_file = true;
	res->content_type = content_type;
	return 0;
}

const char *http_query(const struct http_request *req, const char *key)
{
	for (int i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].key, key) == 0)
			return req->query[i].value ? req->query[i].value : "";
	return NULL;
}

const char *http_param(const struct http_request *req, const char *name)
{
	const char *t = req->route ? req->route->path : NULL;
	size_t len = strlen(name);
	int i = 0;

	for (; t && (t = strchr(t, '{')); t++, i++)
		if (strncmp(t + 1, name, len) == 0 && t[1 + len] == '}')
			return i < req->nparams ? req->params[i] : NULL;
	return NULL;
}

json_t *http_body_json(const struct http_request *req, struct http_response *res)
{
	json_error_t err;
	json_t *j;

	if (!req->body || req->body_len == 0) {
		http_error(res, 400, "Invalid input: a JSON request body is required.");
		return NULL;
	}
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		http_error(res, 400, "Malformed JSON in request body: %s (line %d, column %d).",
			   err.text, err.line, err.column);
		return NULL;
	}
	return j;
}

const char *http_base_url(const struct http_request *req)
{
	return req->b->public_url;
}

/* Match path against a route template; fills params into req. */
static bool match(const char *tmpl, char *path, struct http_request *req)
{
	char *save = NULL, *seg;
	const char *t = tmpl;
	int n = 0;

	/* path is a scratch copy we may cut into segments. */
	for (seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		while (*t == '/')
			t++;
		if (!*t)
			return false;
		const char *end = strchr(t, '/');
		size_t len = end ? (size_t)(end - t) : strlen(t);
		if (t[0] == '{') {
			if (n == HTTP_MAX_PARAMS)
				return false;
			req->params[n++] = seg;
		} else if (strlen(seg) != len || strncmp(seg, t, len) != 0) {
			return false;
		}
		t += len;
	}
	while (*t == '/')
		t++;
	if (*t)
		return false;
	req->nparams = n;
	return true;
}

#define FOR_EACH_ROUTE(rt)                                                                         \
	for (size_t t_ = 0; t_ < http_route_tables_count; t_++)                                    \
		for (const struct route *rt = http_route_tables[t_]->routes;                       \
		     rt < http_route_tables[t_]->routes + http_route_tables[t_]->n; rt++)

void http_routes_print(FILE *out)
{
	FOR_EACH_ROUTE(rt)
	fprintf(out, "%s %s %s\n", rt->method, rt->path, rt->rule);
}

/* Find the route for req. Returns it, or NULL with *status 404 or 405. */
static const struct route *route_find(struct http_request *req, int *status)
{
	/* HEAD runs the GET route; the server drops the body. */
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	bool path_known = false;

	size_t len = strlen(req->path);

	*status = 404;
	if (len >= sizeof(req->pathbuf))
		return NULL;
	/* Neutron takes a format suffix on any of its paths, the same
	 * resource ("/quotas/P/details.json", as tempest's client asks). */
	if (service_of(req->path) == SVC_NETWORK && len > 5 &&
	    strcmp(req->path + len - 5, ".json") == 0)
		len -= 5;
	FOR_EACH_ROUTE(rt) {
		memcpy(req->pathbuf, req->path, len);
		req->pathbuf[len] = '\0';
		if (!match(rt->path, req->pathbuf, req))
			continue;
		path_known = true;
		if (strcmp(rt->method, method) == 0) {
			req->route = rt;
			return rt;
		}
	}
	/* A path ending in '/' names an item whose id is empty ("DELETE
	 * /compute/v2.1/images/"): no such item, 404 (as Nova), not the 405
	 * of the collection it matches without the slash. */
	size_t plen = strlen(req->path);
	if (path_known && !(plen > 1 && req->path[plen - 1] == '/'))
		*status = 405;
	req->nparams = 0;
	return NULL;
}

/* The methods req's path has routes for, as an Allow header value. */
static void allowed_methods(struct http_request *req, char *out, size_t outlen)
{
	size_t len = 0;

	out[0] = '\0';
	FOR_EACH_ROUTE(rt) {
		strcpy(req->pathbuf, req->path);
		if (len >= outlen || !match(rt->path, req->pathbuf, req) || strstr(out, rt->method))
			continue;
		len += (size_t)snprintf(out + len, outlen - len, "%s%s%s", len ? ", " : "",
					rt->method, strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
	}
	req->nparams = 0;
}

/* The target a route's path names: {project_id}, {user_id}, {domain_id}.
 * Other resources are checked again by the domain code once loaded. */
static struct target path_target(const struct http_request *req)
{
	return (struct target){
		.project_id = http_param(req, "project_id"),
		.user_id = http_param(req, "user_id"),
		.domain_id = http_param(req, "domain_id"),
	};
}

static bool utf8_valid(const char *s)
{
	json_t *j = json_string(s); /* jansson validates UTF-8 */
	bool ok = j != NULL;

	json_decref(j);
	return ok;
}

enum service service_of(const char *path)
{
	static const struct {
		const char *prefix;
		enum service svc;
	} prefixes[] = {
		{ "/compute", SVC_COMPUTE },
		{ "/image", SVC_IMAGE },
		{ "/network", SVC_NETWORK },
		{ "/placement", SVC_PLACEMENT },
		{ "/metadata", SVC_METADATA },
	};

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i].prefix);
		if (strncmp(path, prefixes[i].prefix, n) == 0 && (path[n] == '/' || !path[n]))
			return prefixes[i].svc;
	}
	return SVC_IDENTITY;
}

/* Nova names its error bodies by status (nova.api.openstack.wsgi). */
static const char *nova_fault(int status)
{
	switch (status) {
	case 400: return "badRequest";
	case 403: return "forbidden";
	case 404: return "itemNotFound";
	case 405: return "badMethod";
	case 409: return "conflictingRequest";
	case 413: return "overLimit";
	case 415: return "badMediaType";
	case 429: return "overLimit";
	case 501: return "notImplemented";
	case 503: return "serviceUnavailable";
	default: return "computeFault";
	}
}

static json_t *error_body(struct http_request *req, struct http_response *res)
{
	const char *title = status_title(res->status);
	char code[64];

	/* 401 comes from the token check in front of every service, in
	 * Keystone's shape, as keystonemiddleware answers it. */
	switch (res->status == 401 ? SVC_IDENTITY : service_of(req->path)) {
	case SVC_COMPUTE:
		return json_pack("{s:{s:i,s:s}}", nova_fault(res->status), "code", res->status,
				 "message", res->message);
	case SVC_IMAGE: /* webob's JSON error page, which Glance answers with */
		snprintf(code, sizeof(code), "%d %s", res->status, title);
		return json_pack("{s:s,s:s,s:s}", "message", res->message, "code", code, "title",
				 title);
	case SVC_NETWORK:
		return json_pack("{s:{s:s,s:s,s:s}}", "NeutronError", "type",
				 res->status == 404 ? "NotFound"
				 : res->status == 409 ? "Conflict"
				 : res->status == 403 ? "Forbidden"
				 : res->status < 500 ? "BadRequest" : "InternalError",
				 "message", res->message, "detail", "");
	case SVC_PLACEMENT:
		return json_pack("{s:[{s:i,s:s,s:s,s:s,s:s}]}", "errors", "status", res->status,
				 "title", title, "detail", res->message, "request_id",
				 req->request_id, "code", "placement.undefined_code");
	default:
		return json_pack("{s:{s:i,s:s,s:s}}", "error", "code", res->status, "message",
				 res->message, "title", title);
	}
}

static void render_error(struct http_request *req, struct http_response *res)
{
	if (res->status == 401) {
		char hdr[600];
		snprintf(hdr, sizeof(hdr), "Keystone uri=\"%s/v3\"", http_base_url(req));
		http_header_add(res, "WWW-Authenticate", hdr);
	}
	/* Messages may quote request bytes; JSON wants UTF-8, so anything
	 * else becomes '?'. */
	if (!utf8_valid(res->message))
		for (char *p = res->message; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	/* The metadata service answers guests in plain text, as
	 * nova-api-metadata's webob errors do. */
	if (res->status != 401 && service_of(req->path) == SVC_METADATA) {
		char *text;
		if (asprintf(&text, "%d %s\n\n%s\n", res->status, status_title(res->status),
			     res->message) >= 0) {
			http_reply_raw(res, res->status, text);
			res->content_type = "text/plain; charset=UTF-8";
			return;
		}
	}
	res->body = error_body(req, res);
}

/* The route-level refusal, in the words of the service the path names:
 * oslo.policy's PolicyNotAuthorized as each project words it. */
static void policy_refused(struct http_request *req, struct http_response *res,
			   const char *action)
{
	switch (service_of(req->path)) {
	case SVC_COMPUTE:
		http_error(res, 403, "Policy doesn't allow %s to be performed.", action);
		break;
	case SVC_NETWORK:
		http_error(res, 403, "(rule:%s) is disallowed by policy", action);
		break;
	case SVC_IMAGE:
		http_error(res, 403, "You are not authorized to complete %s action.", action);
		break;
	case SVC_PLACEMENT:
		http_error(res, 403, "Policy does not allow %s to be performed.", action);
		break;
	default: /* Keystone's words (and the metadata proxy's) */
		http_error(res, 403,
			   "You are not authorized to perform the requested action: %s.", action);
		break;
	}
}

const struct route *http_prepare(struct http_request *req, struct http_response *res)
{
	const struct policy_rule *rule;
	const struct route *rt;
	int status;

	memset(res, 0, sizeof(*res));
	res->status = 500;
	if (!req->request_id[0])
		request_id_new(req->request_id);
	rt = route_find(req, &status);
	if (!rt) {
		if (status == 405) {
			char allow[128];
			allowed_methods(req, allow, sizeof(allow));
			http_header_add(res, "Allow", allow);
			http_error(res, 405,
				   "The method %.16s is not allowed for the requested URL.",
				   req->method);
		} else {
			http_error(res, 404, "The resource could not be found.");
		}
		goto fail;
	}
	if (microversion_negotiate(req, res, service_of(req->path)) < 0)
		goto fail;
	rule = policy_rule(rt->rule);
	if (!rule) { /* policy_selftest refuses to start with such a route */
		policy_refused(req, res, rt->rule);
		goto fail;
	}
	if (!(rule->allow & P_PUBLIC)) {
		if (!req->auth_token || !req->auth_token[0] ||
		    !req->b->authenticate ||
		    req->b->authenticate(req->b, req->auth_token, &req->tok) < 0) {
			http_error(res, 401, "The request you have made requires authentication.");
			goto fail;
		}
		req->has_token = true;
		caller_from_token(&req->caller, &req->tok);
		req->caller.request_id = req->request_id;
		struct target t = path_target(req);
		if (!policy_allows(&req->caller, rt->rule, &t)) {
			policy_refused(req, res, rt->rule);
			goto fail;
		}
	}
	return rt;
fail:
	http_finish(req, res);
	return NULL;
}

void http_finish(struct http_request *req, struct http_response *res)
{
	if (res->status == HTTP_WAIT)
		return;
	if (res->status >= 400 && !res->body && !res->raw)
		render_error(req, res);
	if (res->status >= 500)
		log_error("%s %s %s -> %d: %s", req->request_id, req->method, req->path,
			  res->status, res->message);
	else
		log_debug("%s %s %s -> %d", req->request_id, req->method, req->path, res->status);
}

void http_dispatch(struct http_request *req, struct http_response *res)
{
	const struct route *rt = http_prepare(req, res);
	void *state = NULL;
	int r;

	if (!rt)
		return;
	if (!rt->stream) {
		rt->handler(req, res);
		/* No event loop here (tests, the fuzzer): a wait ends at once. */
		if (res->status == HTTP_WAIT) {
			req->wait_expired = true;
			rt->handler(req, res);
		}
	} else if (rt->stream->begin(req, res, &state) == 0) {
		r = req->body_len ? rt->stream->write(state, req->body, req->body_len) : 0;
		rt->stream->end(state, req, res, r);
	}
	http_finish(req, res);
}
