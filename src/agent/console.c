/* console.c - the compute agent's end of serial consoles: for each
 * session the desired state's "consoles" names (a websocket waiting at the
 * controller), a thread opens the guest's serial port (the driver's
 * serial_open), connects to the controller (GET
 * /agent/v1/hosts/{host}/consoles/{session}, upgraded to raw bytes) and
 * relays between the two until either closes. Nothing is kept on disk: a
 * session the agent missed (killed meanwhile) fails its websocket, and
 * the user asks for a new URL. */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define CONNECT_S  10
#define IO_WAIT_MS 10000

struct console_job {
	char *url; /* the controller's, no trailing slash */
	char *token;
	char host[256], session[ID_HEX_LEN + 1], server_id[HV_ID_MAX];
	int serial;
};

static void job_free(struct console_job *j)
{
	if (j->serial >= 0)
		close(j->serial);
	free(j->url);
	free(j->token);
	free(j);
}

/* Send all of buf through c (its socket is sock). */
static int c_send(CURL *c, curl_socket_t sock, const char *buf, size_t len)
{
	while (len > 0) {
		size_t n = 0;
		CURLcode e = curl_easy_send(c, buf, len, &n);
		if (e == CURLE_AGAIN) {
			struct pollfd pf = { .fd = sock, .events = POLLOUT };
			if (poll(&pf, 1, IO_WAIT_MS) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (e != CURLE_OK)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

static int fd_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The request line, headers, answer: 0 when the controller upgraded the
 * connection (anything it sent after its answer goes to the guest). */
static int handshake(CURL *c, curl_socket_t sock, struct console_job *j)
{
	const char *hp = strstr(j->url, "://");
	const char *path = hp ? strchr(hp + 3, '/') : NULL;
	char req[2048], buf[4096];
	size_t have = 0;
	int n;

	hp = hp ? hp + 3 : j->url;
	n = snprintf(req, sizeof(req),
		     "GET %s/agent/v1/hosts/%s/consoles/%s HTTP/1.1\r\nHost: %.*s\r\n"
		     "X-Auth-Token: %s\r\nConnection: Upgrade\r\nUpgrade: basalt-console\r\n\r\n",
		     path ? path : "", j->host, j->session,
		     (int)(path ? (size_t)(path - hp) : strlen(hp)), hp, j->token);
	if (n < 0 || (size_t)n >= sizeof(req) || c_send(c, sock, req, (size_t)n) < 0)
		return -EIO;
	for (;;) {
		size_t got = 0;
		CURLcode e = curl_easy_recv(c, buf + have, sizeof(buf) - 1 - have, &got);
		if (e == CURLE_AGAIN) {
			struct pollfd pf = { .fd = sock, .events = POLLIN };
			if (poll(&pf, 1, IO_WAIT_MS) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (e != CURLE_OK || got == 0)
			return -ECONNRESET;
		have += got;
		buf[have] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (end) {
			if (strncmp(buf, "HTTP/1.1 101", 12) != 0) {
				log_warn("console %.8s: the controller answered %.40s", j->session, buf);
				return -EPROTO;
			}
			end += 4;
			return fd_write(j->serial, end, have - (size_t)(end - buf));
		}
		if (have >= sizeof(buf) - 1)
			return -EPROTO;
	}
}

static void *job_run(void *arg)
{
	struct console_job *j = arg;
	CURL *c = curl_easy_init();
	curl_socket_t sock = CURL_SOCKET_BAD;
	char url[2048], buf[4096];

	snprintf(url, sizeof(url), "%s/agent/v1/hosts/%s/consoles/%s", j->url, j->host, j->session);
	if (!c)
		goto out;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_S);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD || handshake(c, sock, j) < 0) {
		log_warn("server %s: serial console %.8s: cannot reach the controller", j->server_id,
			 j->session);
		goto out;
	}
	log_info("server %s: serial console %.8s relayed", j->server_id, j->session);
	for (;;) {
		struct pollfd pf[2] = { { .fd = sock, .events = POLLIN },
					{ .fd = j->serial, .events = POLLIN } };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(j->serial, buf, sizeof(buf));
			if (n <= 0 || c_send(c, sock, buf, (size_t)n) < 0)
				break;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			size_t n = 0;
			CURLcode e = curl_easy_recv(c, buf, sizeof(buf), &n);
			if (e == CURLE_AGAIN)
				continue;
			if (e != CURLE_OK || n == 0 || fd_write(j->serial, buf, n) < 0)
				break;
		}
	}
	log_info("server %s: serial console %.8s ended", j->server_id, j->session);
out:
	if (c)
		curl_easy_cleanup(c);
	job_free(j);
	return NULL;
}

void console_serve(struct agent *a, struct http_client *hc, const json_t *desired)
{
	const json_t *list = json_object_get(desired, "consoles"), *e;
	const char *key;
	json_t *v;
	void *tmp;
	size_t i;

	if (!a->consoles && !(a->consoles = json_object()))
		return;
	/* Forget sessions the controller no longer lists. */
	json_object_foreach_safe(a->consoles, tmp, key, v) {
		bool listed = false;
		json_array_foreach(list, i, e)
			listed = listed || (json_str(e, "session") && strcmp(json_str(e, "session"), key) == 0);
		if (!listed)
			json_object_del(a->consoles, key);
	}
	json_array_foreach(list, i, e) {
		const char *session = json_str(e, "session"), *id = json_str(e, "server_id");
		struct console_job *j;
		pthread_attr_t at;
		pthread_t t;
		int idx;
		if (!session || !id || strlen(session) > ID_HEX_LEN || !hv_id_valid(id) ||
		    json_object_get(a->consoles, session))
			continue;
		json_object_set_new(a->consoles, session, json_true());
		j = calloc(1, sizeof(*j));
		if (!j)
			continue;
		j->serial = a->hv->serial_open ? a->hv->serial_open(a->hv, id) : -EOPNOTSUPP;
		/* The controller the agent uses now: the one behind its load
		 * balancer, or the first of its list that answers. */
		j->url = strdup(controllers_pick(&a->ctl, now_usec(), &idx));
		j->token = agent_token(a, hc);
		snprintf(j->host, sizeof(j->host), "%s", a->host);
		snprintf(j->session, sizeof(j->session), "%s", session);
		snprintf(j->server_id, sizeof(j->server_id), "%s", id);
		if (j->serial < 0 || !j->url || !j->token) {
			log_warn("server %s: serial console: %s", id,
				 j->serial < 0 ? strerror(-j->serial) : "out of memory");
			job_free(j);
			continue;
		}
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &at, job_run, j) != 0)
			job_free(j);
		pthread_attr_destroy(&at);
	}
}
