/* client.c - JSON-over-HTTP client on one keep-alive libcurl handle. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "http/client.h"

#define REPLY_MAX	   (64u << 20) /* refuse bodies over 64 MiB */
#define CONNECT_TIMEOUT_MS 10000L      /* give up connecting after 10 s */

struct http_client {
	CURL *curl; /* owned; reused so the connection stays alive */
	long timeout_ms;
	bool verify;
	char *cacert; /* owned or NULL */
	bool debug;
	char error[CURL_ERROR_SIZE];
};

/* The body being received. */
struct buf {
	char *data; /* owned; NUL-terminated once anything arrived */
	size_t len, cap;
	bool too_big;
};

int http_client_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void http_client_global_cleanup(void)
{
	curl_global_cleanup();
}

struct http_client *http_client_new(void)
{
	struct http_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return NULL;
	}
	c->verify = true;
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->cacert);
	free(c);
}

void http_client_set_timeout(struct http_client *c, long timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

int http_client_set_tls(struct http_client *c, bool verify, const char *cacert)
{
	char *copy = NULL;

	if (cacert && !(copy = strdup(cacert)))
		return -ENOMEM;
	free(c->cacert);
	c->cacert = copy;
	c->verify = verify;
	return 0;
}

void http_client_set_debug(struct http_client *c, bool debug)
{
	c->debug = debug;
}

const char *http_client_error(const struct http_client *c)
{
	return c->error;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n + 1 > REPLY_MAX) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Copy the value of header line "Name: value\r\n" into *out when it is name. */
static void header_take(const char *line, size_t n, const char *name, char **out)
{
	size_t nl = strlen(name);
	const char *v, *end = line + n;

	if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return;
	v = line + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	free(*out);
	*out = strndup(v, (size_t)(end - v)); /* NULL on ENOMEM: header treated as absent */
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_result *res = userdata;
	size_t n = size * nmemb;

	header_take(ptr, n, "X-Subject-Token", &res->subject_token);
	header_take(ptr, n, "X-Openstack-Request-Id", &res->request_id);
	return n;
}

static int curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

void http_result_free(struct http_result *res)
{
	json_decref(res->reply);
	free(res->text);
	free(res->subject_token);
	free(res->request_id);
	memset(res, 0, sizeof(*res));
}

/* Build the request headers; returns an owned list or NULL (ENOMEM). */
static struct curl_slist *headers_build(const struct http_call *call)
{
	struct curl_slist *h = NULL, *t;
	const char *fixed[] = { "Accept: application/json",
				call->upload_path ? "Content-Type: application/octet-stream"
						  : "Content-Type: application/json",
				"User-Agent: basalt/0.1", "Expect:" };
	_cleanup_free_ char *line = NULL;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!(t = curl_slist_append(h, fixed[i])))
			goto oom;
		h = t;
	}
	const struct {
		const char *name, *value;
	} opt[] = { { "X-Auth-Token", call->token },
		    { "X-Subject-Token", call->subject_token },
		    { "OpenStack-API-Version", call->api_version } };
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		if (!opt[i].value)
			continue;
		free(line);
		if (asprintf(&line, "%s: %s", opt[i].name, opt[i].value) < 0) {
			line = NULL;
			goto oom;
		}
		if (!(t = curl_slist_append(h, line)))
			goto oom;
		h = t;
	}
	return h;
oom:
	curl_slist_free_all(h);
	return NULL;
}

static void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

int http_client_do(struct http_client *c, const struct http_call *call, struct http_result *res)
{
	CURL *k = c->curl;
	struct curl_slist *headers;
	_cleanup_free_ char *payload = NULL;
	struct buf body = { 0 };
	CURLcode rc;
	json_error_t jerr;
	__attribute__((cleanup(fclosep))) FILE *up = NULL;
	struct stat sb;

	memset(res, 0, sizeof(*res));
	c->error[0] = '\0';
	if (call->body && !(payload = json_dumps(call->body, JSON_COMPACT)))
		return -ENOMEM;
	if (call->upload_path) {
		up = fopen(call->upload_path, "rbe");
		if (!up || fstat(fileno(up), &sb) < 0) {
			snprintf(c->error, sizeof(c->error), "%s: %s", call->upload_path, strerror(errno));
			return -errno;
		}
	}
	if (!(headers = headers_build(call)))
		return -ENOMEM;

	/* Reset options only: the connection cache survives, keeping keep-alive. */
	curl_easy_reset(k);
	curl_easy_setopt(k, CURLOPT_URL, call->url);
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(k, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(k, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(k, CURLOPT_HEADERDATA, res);
	curl_easy_setopt(k, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(k, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYPEER, c->verify ? 1L : 0L);
	curl_easy_setopt(k, CURLOPT_SSL_VERIFYHOST, c->verify ? 2L : 0L);
	if (c->cacert)
		curl_easy_setopt(k, CURLOPT_CAINFO, c->cacert);
	if (strcmp(call->method, "HEAD") == 0)
		curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
	else if (strcmp(call->method, "GET") != 0)
		curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, call->method);
	if (up) {
		curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(k, CURLOPT_READDATA, up);
		curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sb.st_size);
		curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, call->method);
	} else if (payload) {
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	} else if (!strcmp(call->method, "POST") || !strcmp(call->method, "PUT") ||
		   !strcmp(call->method, "PATCH")) {
		/* No body: still say Content-Length: 0 so the server does not wait. */
		curl_easy_setopt(k, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE, 0L);
	}
	if (c->debug)
		fprintf(stderr, "REQ: %s %s\n", call->method, call->url);

	rc = curl_easy_perform(k);
	curl_slist_free_all(headers);
	/* Never leave borrowed pointers behind in the handle. */
	curl_easy_setopt(k, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(k, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(k, CURLOPT_READDATA, NULL);
	if (rc != CURLE_OK) {
		int r = body.too_big ? -EFBIG : curl_errno(rc);

		if (!c->error[0])
			snprintf(c->error, sizeof(c->error), "%s", curl_easy_strerror(rc));
		free(body.data);
		http_result_free(res);
		return r;
	}
	curl_easy_getinfo(k, CURLINFO_RESPONSE_CODE, &res->status);
	res->text = body.data ? body.data : strdup("");
	if (!res->text) {
		http_result_free(res);
		return -ENOMEM;
	}
	if (body.len > 0)
		res->reply = json_loadb(res->text, body.len, 0, &jerr); /* NULL when not JSON */
	if (c->debug)
		fprintf(stderr, "RESP: %ld (%zu bytes)%s%s\n", res->status, body.len,
			res->request_id ? " request-id " : "",
			res->request_id ? res->request_id : "");
	return 0;
}

int http_client_call(struct http_client *c, const char *method, const char *url, const char *token,
		     const json_t *body, long *status, json_t **reply, char **subject_token_out)
{
	struct http_call call = { .method = method, .url = url, .token = token, .body = body };
	struct http_result res;
	int r;

	r = http_client_do(c, &call, &res);
	if (r < 0)
		return r;
	*status = res.status;
	if (reply)
		*reply = steal_ptr(res.reply);
	if (subject_token_out)
		*subject_token_out = steal_ptr(res.subject_token);
	http_result_free(&res);
	return 0;
}

char *http_url_escape(struct http_client *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	char *out;

	if (!e)
		return NULL;
	out = strdup(e); /* hand back memory that free() can release */
	curl_free(e);
	return out;
}
