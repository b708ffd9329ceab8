/* mdproxy.c - the metadata proxy: one listening socket per namespace that
 * serves metadata (169.254.169.254:80 in a router's, or in the DHCP one of
 * a network no router serves), one thread polling them all, and a
 * bounded number of short-lived request threads that forward a guest's GET
 * (or the POST of its password) to the controller's /metadata with the
 * signed headers
 * (docs/agent-protocol.md, "The metadata proxy"). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/netnode.h"
#include "core/log.h"
#include "core/sign.h"
#include "core/util.h"
#include "dp/dp.h"

#define MD_ADDR "169.254.169.254"
#define MD_MAX_REQUESTS 16	  /* requests served at once; more get 503 */
#define MD_REQUEST_MAX 8192	  /* request head */
#define MD_REPLY_MAX (4u << 20)	  /* body relayed back */
#define MD_BODY_MAX 4096	  /* a POST's body (the controller takes 256) */
#define MD_IO_TIMEOUT_S 5	  /* guest side, each read and write */
#define MD_UPSTREAM_TIMEOUT_S 15  /* controller side, whole request */

struct md_net {
	uint32_t addr, mask; /* host order */
	char network_id[64];
};

struct md_listener {
	char ns[80]; /* the namespace's name: qrouter-ID or qdhcp-ID */
	int fd;
	ino_t ns_ino; /* the namespace the socket lives in (/run/netns/NAME's inode) */
	bool closing; /* asked to close; the poll thread does it */
	struct md_net *nets;
	size_t nnets;
};

struct mdproxy {
	struct controllers *ctl; /* borrowed: the agent's, which outlives the proxy */
	char *secret;
	int port;
	int wake[2]; /* pipe: the poll thread looks at the table again */
	pthread_t thread;
	bool stopping;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	struct md_listener *ls;
	size_t nls;
	uint64_t asked, done; /* closing generations: asked by callers, done by the thread */
	int active;	      /* request threads running */
};

/* What a request thread needs, owned by it. */
struct md_request {
	struct mdproxy *p;
	int fd;
	struct md_net *nets;
	size_t nnets;
};

static const char *reason(long status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return; /* the guest went away or stalled: nothing to do */
		buf += n;
		len -= (size_t)n;
	}
}

static void reply(int fd, long status, const char *type, const char *body, size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.0 %ld %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, reason(status), type, len);

	write_all(fd, head, (size_t)n);
	write_all(fd, body, len);
}

static void reply_text(int fd, long status, const char *text)
{
	reply(fd, status, "text/plain; charset=UTF-8", text, strlen(text));
}

/* Read the request head (up to the blank line) into buf. Returns its
 * length, or -1 when the guest sent too much, too slowly, or nothing. */
static ssize_t read_head(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n = recv(fd, buf + len, size - 1 - len, 0);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)len;
	}
	return -1;
}

/* Split "GET /path HTTP/1.x" (or POST) off the head: 0 with path
 * (pointing into head) set, *post for a POST and *rest at the headers
 * after that line; -EINVAL malformed, -EOPNOTSUPP another method. */
static int parse_request_line(char *head, char **path, bool *post, char **rest)
{
	char *eol = strpbrk(head, "\r\n"), *sp1, *sp2;

	if (!eol)
		return -EINVAL;
	*rest = eol + (eol[0] == '\r' && eol[1] == '\n' ? 2 : 1);
	*eol = '\0';
	sp1 = strchr(head, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -EINVAL;
	*sp1 = *sp2 = '\0';
	*path = sp1 + 1;
	/* Only an origin-form path, printable, without escapes out of /metadata. */
	if ((*path)[0] != '/' || strstr(*path, "..") || strlen(*path) > 1024)
		return -EINVAL;
	for (const char *c = *path; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return -EINVAL;
	*post = strcmp(head, "POST") == 0;
	return *post || strcmp(head, "GET") == 0 ? 0 : -EOPNOTSUPP;
}

/* The value of header name (case-insensitive) in the headers at h, as a
 * pointer into them past the colon and blanks, or NULL. */
static const char *header(const char *h, const char *name)
{
	size_t n = strlen(name);

	while (*h && *h != '\r' && *h != '\n') {
		if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
			h += n + 1;
			while (*h == ' ' || *h == '\t')
				h++;
			return h;
		}
		h = strchr(h, '\n');
		if (!h)
			break;
		h++;
	}
	return NULL;
}

/* A POST's body: the have bytes at got that read_head took past the
 * blank line, then the rest of Content-Length from fd. Returns the body
 * (malloc'd, *blen bytes) or NULL with the status to answer in *status
 * (400: no or bad length, too large, cut short). */
static char *read_body(int fd, const char *got, size_t have, const char *headers, size_t *blen,
		       long *status)
{
	const char *cl = header(headers, "Content-Length"), *ex = header(headers, "Expect");
	size_t want;
	char *body, *e;

	*status = 400;
	if (!cl)
		return NULL;
	want = strtoul(cl, &e, 10);
	if (e == cl || (*e != '\r' && *e != '\n') || want > MD_BODY_MAX || have > want)
		return NULL;
	body = malloc(want + 1);
	if (!body)
		return NULL;
	memcpy(body, got, have);
	/* curl asks before a large body: say go on rather than make it wait */
	if (have < want && ex && strncasecmp(ex, "100-continue", 12) == 0)
		write_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	while (have < want) {
		ssize_t n = recv(fd, body + have, want - have, 0);
		if (n <= 0) {
			free(body);
			return NULL;
		}
		have += (size_t)n;
	}
	body[want] = '\0';
	*blen = want;
	return body;
}

struct buf {
	char *data;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *d;

	if (b->len + n > MD_REPLY_MAX)
		return 0;
	d = realloc(b->data, b->len + n + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, ptr, n);
	b->len += n;
	d[b->len] = '\0';
	b->data = d;
	return n;
}

/* Forward path for guest (of network_id) and relay the answer to fd. */
static void forward(struct mdproxy *p, int fd, const char *path, const char *guest,
		    const char *network_id, const char *post, size_t post_len)
{
	char sig[SIGN_HEX_LEN + 1], h1[128], h2[160], h3[128], *url = NULL, *type = NULL;
	struct curl_slist *h = NULL, *h_next;
	struct buf body = { 0 };
	long status = 0;
	CURLcode cr = CURLE_OUT_OF_MEMORY;
	CURL *c = curl_easy_init();

	metadata_sign(p->secret, network_id, guest, sig);
	snprintf(h1, sizeof(h1), "X-Forwarded-For: %s", guest);
	snprintf(h2, sizeof(h2), "X-Basalt-Network-ID: %s", network_id);
	snprintf(h3, sizeof(h3), "X-Basalt-Signature: %s", sig);
	int idx;
	const char *base = controllers_pick(p->ctl, now_usec(), &idx);

	if (c && asprintf(&url, "%s/metadata%s", base, path) >= 0 &&
	    (h_next = curl_slist_append(h, h1)) && (h = h_next) &&
	    (h_next = curl_slist_append(h, h2)) && (h = h_next) &&
	    (h_next = curl_slist_append(h, h3)) && (h = h_next)) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MD_UPSTREAM_TIMEOUT_S);
		if (post) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)post_len);
		}
		cr = curl_easy_perform(c);
	}
	if (cr == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
		reply(fd, status, type ? type : "text/plain; charset=UTF-8",
		      body.data ? body.data : "", body.len);
	} else {
		/* The next request goes to the next controller of a list. */
		controllers_failed(p->ctl, idx, now_usec(), curl_easy_strerror(cr));
		log_warn("mdproxy: %s for %s (network %s): %s", path, guest, network_id,
			 curl_easy_strerror(cr));
		reply_text(fd, 502, "The metadata service is unreachable.\n");
	}
	free(body.data);
	free(url);
	curl_slist_free_all(h);
	if (c)
		curl_easy_cleanup(c);
}

static void serve(struct md_request *rq)
{
	struct timeval tv = { .tv_sec = MD_IO_TIMEOUT_S };
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char head[MD_REQUEST_MAX], guest[INET_ADDRSTRLEN], *path = NULL, *rest = NULL;
	char *body = NULL, *hend;
	const char *network_id = NULL;
	size_t blen = 0;
	bool post = false;
	ssize_t len;
	long status;
	uint32_t addr;
	int r;

	setsockopt(rq->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(rq->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getpeername(rq->fd, (struct sockaddr *)&peer, &plen) < 0 || peer.sin_family != AF_INET)
		return;
	addr = ntohl(peer.sin_addr.s_addr);
	inet_ntop(AF_INET, &peer.sin_addr, guest, sizeof(guest));
	len = read_head(rq->fd, head, sizeof(head));
	if (len < 0) {
		reply_text(rq->fd, 400, "Bad request.\n");
		return;
	}
	/* where the body starts, before parse_request_line cuts the head up */
	hend = strstr(head, "\r\n\r\n");
	hend = hend ? hend + 4 : strstr(head, "\n\n") + 2;
	r = parse_request_line(head, &path, &post, &rest);
	if (r == -EOPNOTSUPP) {
		reply_text(rq->fd, 405, "Only GET and POST are served.\n");
		return;
	}
	if (r < 0) {
		reply_text(rq->fd, 400, "Bad request.\n");
		return;
	}
	if (post && !(body = read_body(rq->fd, hend, (size_t)(head + len - hend), rest, &blen,
				       &status))) {
		reply_text(rq->fd, status, "Bad request: a POST needs a Content-Length of at most "
					   "4096 bytes, and that many bytes.\n");
		return;
	}
	for (size_t i = 0; i < rq->nnets && !network_id; i++)
		if ((addr & rq->nets[i].mask) == rq->nets[i].addr)
			network_id = rq->nets[i].network_id;
	if (!network_id)
		reply_text(rq->fd, 404, "No subnet served here holds your address.\n");
	else
		forward(rq->p, rq->fd, path, guest, network_id, body, blen);
	free(body);
}

static void *request_main(void *arg)
{
	struct md_request *rq = arg;
	struct mdproxy *p = rq->p;

	serve(rq);
	close(rq->fd);
	free(rq->nets);
	free(rq);
	pthread_mutex_lock(&p->lock);
	p->active--;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Accept on listener l (the caller holds the lock) and hand the
 * connection to a request thread, or turn it away when too many run. */
static void accept_one(struct mdproxy *p, struct md_listener *l)
{
	struct md_request *rq;
	pthread_attr_t attr;
	pthread_t t;
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (p->active >= MD_MAX_REQUESTS) {
		reply_text(fd, 503, "Too many metadata requests, try again.\n");
		close(fd);
		return;
	}
	rq = calloc(1, sizeof(*rq));
	if (rq)
		rq->nets = malloc(sizeof(*rq->nets) * (l->nnets ? l->nnets : 1));
	if (!rq || !rq->nets) {
		if (rq)
			free(rq);
		close(fd);
		return;
	}
	memcpy(rq->nets, l->nets, sizeof(*rq->nets) * l->nnets);
	rq->nnets = l->nnets;
	rq->fd = fd;
	rq->p = p;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, request_main, rq) == 0) {
		p->active++;
	} else {
		close(fd);
		free(rq->nets);
		free(rq);
	}
	pthread_attr_destroy(&attr);
}

/* Close the listeners asked to close and tell the askers. Lock held. */
static void reap(struct mdproxy *p)
{
	size_t j = 0;

	for (size_t i = 0; i < p->nls; i++) {
		if (p->ls[i].closing) {
			close(p->ls[i].fd);
			free(p->ls[i].nets);
		} else {
			p->ls[j++] = p->ls[i];
		}
	}
	p->nls = j;
	p->done = p->asked;
	pthread_cond_broadcast(&p->cond);
}

static void *poll_main(void *arg)
{
	struct mdproxy *p = arg;
	struct pollfd *fds = NULL;
	char drain[64];

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		size_t n = p->nls;
		struct pollfd *nf;
		reap(p);
		n = p->nls;
		nf = realloc(fds, sizeof(*fds) * (n + 1));
		if (!nf) {
			pthread_mutex_unlock(&p->lock);
			sleep(1);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		fds = nf;
		fds[0] = (struct pollfd){ .fd = p->wake[0], .events = POLLIN };
		for (size_t i = 0; i < n; i++)
			fds[i + 1] = (struct pollfd){ .fd = p->ls[i].fd, .events = POLLIN };
		/* Listeners are closed only here, so the fds polled stay valid. */
		pthread_mutex_unlock(&p->lock);
		int r = poll(fds, n + 1, -1);
		pthread_mutex_lock(&p->lock);
		if (r <= 0)
			continue;
		if (fds[0].revents & POLLIN)
			while (read(p->wake[0], drain, sizeof(drain)) == (ssize_t)sizeof(drain))
				;
		/* The table may have grown, never shrunk: entries 0..n-1 are
		 * the ones polled. */
		for (size_t i = 0; i < n; i++)
			if ((fds[i + 1].revents & POLLIN) && !p->ls[i].closing)
				accept_one(p, &p->ls[i]);
	}
	reap(p);
	pthread_mutex_unlock(&p->lock);
	free(fds);
	return NULL;
}

static void wake(struct mdproxy *p)
{
	ssize_t n = write(p->wake[1], "w", 1);

	(void)n; /* a full pipe already wakes the thread */
}

int mdproxy_new(struct controllers *ctl, const char *secret, int port, struct mdproxy **out)
{
	struct mdproxy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->port = port;
	p->wake[0] = p->wake[1] = -1;
	p->ctl = ctl;
	p->secret = strdup(secret ? secret : "");
	if (!p->secret || pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, poll_main, p) != 0) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	if (p->wake[0] >= 0) {
		close(p->wake[0]);
		close(p->wake[1]);
	}
	free(p->secret);
	free(p);
	return -ENOMEM;
}

void mdproxy_free(struct mdproxy *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	for (size_t i = 0; i < p->nls; i++)
		p->ls[i].closing = true;
	p->asked++;
	wake(p);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	/* Request threads hold p: wait for them (bounded by their timeouts). */
	pthread_mutex_lock(&p->lock);
	while (p->active > 0)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	close(p->wake[0]);
	close(p->wake[1]);
	free(p->ls);
	free(p->secret);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

/* A TCP listener on MD_ADDR:port made inside ns (it stays in that
 * namespace after we leave). Returns the fd or -errno. */
static int listen_in(const char *ns, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int saved, fd, r, one = 1;

	inet_pton(AF_INET, MD_ADDR, &sa.sin_addr);
	r = dp_netns_enter(ns, &saved);
	if (r < 0)
		return r;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	r = fd < 0 ? -errno : 0;
	if (r == 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		       bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0))
		r = -errno;
	if (dp_netns_leave(saved) < 0 && r == 0)
		r = -EIO;
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		log_warn("mdproxy: listen on %s:%d in %s: %s", MD_ADDR, port, ns, strerror(-r));
		return r;
	}
	return fd;
}

static int parse_nets(const struct mdproxy_net *nets, size_t n, struct md_net **out)
{
	struct md_net *m = calloc(n ? n : 1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char ip[INET_ADDRSTRLEN];
		const char *slash = strchr(nets[i].cidr, '/');
		struct in_addr a;
		int len = slash ? atoi(slash + 1) : -1;
		if (!slash || (size_t)(slash - nets[i].cidr) >= sizeof(ip) || len < 0 || len > 32) {
			free(m);
			return -EINVAL;
		}
		memcpy(ip, nets[i].cidr, (size_t)(slash - nets[i].cidr));
		ip[slash - nets[i].cidr] = '\0';
		if (inet_pton(AF_INET, ip, &a) != 1) {
			free(m);
			return -EINVAL;
		}
		m[i].mask = len ? ~0u << (32 - len) : 0;
		m[i].addr = ntohl(a.s_addr) & m[i].mask;
		snprintf(m[i].network_id, sizeof(m[i].network_id), "%s", nets[i].network_id);
	}
	*out = m;
	return 0;
}

/* The inode of /run/netns/NAME: which namespace that name is now. */
static int stat_ns(const char *ns, ino_t *ino)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int mdproxy_ensure(struct mdproxy *p, const char *ns, const struct mdproxy_net *nets, size_t n)
{
	struct md_listener *l = NULL, *grown;
	struct md_net *m = NULL;
	ino_t ino = 0;
	int r, fd;

	if (strlen(ns) >= sizeof(l->ns))
		return -ENAMETOOLONG;
	r = parse_nets(nets, n, &m);
	if (r < 0)
		return r;
	/* A namespace made again (by a restart, or by someone else's
	 * cleanup) is a new one: a socket in the old one serves nobody. */
	if (stat_ns(ns, &ino) < 0) {
		free(m);
		return -ENOENT;
	}
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nls && !l; i++)
		if (!p->ls[i].closing && strcmp(p->ls[i].ns, ns) == 0)
			l = &p->ls[i];
	if (l && l->ns_ino != ino) {
		log_info("mdproxy: namespace %s was made again: listening anew", ns);
		l->closing = true;
		wake(p);
		l = NULL;
	}
	if (l) {
		/* Already listening: only the subnets may have changed. */
		free(l->nets);
		l->nets = m;
		l->nnets = n;
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	pthread_mutex_unlock(&p->lock);
	fd = listen_in(ns, p->port);
	if (fd < 0) {
		free(m);
		return fd;
	}
	pthread_mutex_lock(&p->lock);
	grown = realloc(p->ls, sizeof(*p->ls) * (p->nls + 1));
	if (!grown) {
		pthread_mutex_unlock(&p->lock);
		close(fd);
		free(m);
		return -ENOMEM;
	}
	p->ls = grown;
	l = &p->ls[p->nls++];
	memset(l, 0, sizeof(*l));
	snprintf(l->ns, sizeof(l->ns), "%s", ns);
	l->fd = fd;
	l->ns_ino = ino;
	l->nets = m;
	l->nnets = n;
	wake(p);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void mdproxy_retain(struct mdproxy *p, bool (*keep)(const char *ns, void *arg), void *arg)
{
	bool any = false;
	uint64_t gen;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nls; i++)
		if (!p->ls[i].closing && !keep(p->ls[i].ns, arg)) {
			p->ls[i].closing = true;
			any = true;
		}
	if (any) {
		gen = ++p->asked;
		wake(p);
		while (p->done < gen && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
	}
	pthread_mutex_unlock(&p->lock);
}
