/* qmp.c - a small QMP client: greeting, qmp_capabilities, then one command
 * at a time, matched by id, skipping asynchronous events. Messages are JSON
 * objects, one per line (QEMU ends each with CRLF). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "hv/hv.h"

#define QMP_LINE_MAX (1 << 20)

struct qmp {
	int fd;
	int timeout_ms;
	unsigned next_id;
	char *buf;
	size_t len, cap;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read one message (a line) before deadline. Returns 0 with an owned *out,
 * -ETIMEDOUT, -ECONNRESET on EOF, -EPROTO on an overlong or non-object line. */
static int read_message(struct qmp *q, long long deadline, json_t **out)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - q->buf) + 1, ws = 0;
			while (ws < n && strchr(" \t\r\n", q->buf[ws]))
				ws++;
			json_t *j = ws == n ? NULL : json_loadb(q->buf, n, 0, NULL);
			memmove(q->buf, q->buf + n, q->len - n);
			q->len -= n;
			if (ws == n)
				continue; /* a blank line between messages */
			if (!j || !json_is_object(j)) {
				json_decref(j);
				return -EPROTO;
			}
			*out = j;
			return 0;
		}
		if (q->len >= QMP_LINE_MAX)
			return -EPROTO;
		if (q->cap - q->len < 4096) {
			size_t cap = q->cap ? q->cap * 2 : 8192;
			char *b = realloc(q->buf, cap);
			if (!b)
				return -ENOMEM;
			q->buf = b;
			q->cap = cap;
		}
		long long left = deadline - mono_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		q->len += (size_t)n;
	}
}

static int write_all(int fd, const char *s, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			long long left = deadline - mono_ms();
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (left <= 0 || poll(&p, 1, (int)left) == 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send the first byte of s with fd attached (SCM_RIGHTS). */
static int send_fd(int sock, const char *s, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)s, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -ECONNRESET : -errno;
	return n == 1 ? 0 : -EIO;
}

int qmp_execute(struct qmp *q, const char *cmd, const json_t *args, json_t **ret, char *err,
		size_t errlen)
{
	return qmp_execute_fd(q, cmd, args, -1, ret, err, errlen);
}

int qmp_execute_fd(struct qmp *q, const char *cmd, const json_t *args, int fd, json_t **ret,
		   char *err, size_t errlen)
{
	long long deadline = mono_ms() + q->timeout_ms;
	_cleanup_json_ json_t *msg = NULL;
	_cleanup_free_ char *text = NULL;
	char id[32];
	int r;

	if (ret)
		*ret = NULL;
	if (errlen)
		err[0] = '\0';
	snprintf(id, sizeof(id), "basalt-%u", q->next_id++);
	msg = json_pack("{s:s,s:s}", "execute", cmd, "id", id);
	if (!msg)
		return -ENOMEM;
	if (args)
		json_object_set(msg, "arguments", (json_t *)args);
	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	if (fd >= 0) {
		r = send_fd(q->fd, text, fd);
		if (r == 0)
			r = write_all(q->fd, text + 1, strlen(text) - 1, deadline);
	} else {
		r = write_all(q->fd, text, strlen(text), deadline);
	}
	if (r == 0)
		r = write_all(q->fd, "\r\n", 2, deadline);
	if (r < 0)
		return r;
	for (;;) {
		json_t *m = NULL;
		r = read_message(q, deadline, &m);
		if (r < 0)
			return r;
		const char *mid = json_string_value(json_object_get(m, "id"));
		/* Events (and replies to someone else's id) are not ours: skip. */
		if (json_object_get(m, "event") || !mid || strcmp(mid, id) != 0) {
			json_decref(m);
			continue;
		}
		json_t *rv = json_object_get(m, "return");
		json_t *e = json_object_get(m, "error");
		if (rv) {
			if (ret)
				*ret = json_incref(rv);
			json_decref(m);
			return 0;
		}
		if (e) {
			if (errlen)
				snprintf(err, errlen, "%s: %s",
					 json_string_value(json_object_get(e, "class"))
					     ?: "GenericError",
					 json_string_value(json_object_get(e, "desc")) ?: "");
			json_decref(m);
			return -EREMOTEIO;
		}
		json_decref(m);
		return -EPROTO;
	}
}

int qmp_getfd(struct qmp *q, const char *name, int fd, char *err, size_t errlen)
{
	_cleanup_json_ json_t *args = json_pack("{s:s}", "fdname", name);

	if (!args)
		return -ENOMEM;
	return qmp_execute_fd(q, "getfd", args, fd, NULL, err, errlen);
}

int qmp_attach(int fd, int timeout_ms, struct qmp **out)
{
	struct qmp *q = calloc(1, sizeof(*q));
	json_t *greeting = NULL;
	char err[256];
	int r;

	if (!q) {
		close(fd);
		return -ENOMEM;
	}
	q->fd = fd;
	q->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	r = read_message(q, mono_ms() + q->timeout_ms, &greeting);
	if (r == 0 && !json_object_get(greeting, "QMP"))
		r = -EPROTO;
	json_decref(greeting);
	if (r == 0)
		r = qmp_execute(q, "qmp_capabilities", NULL, NULL, err, sizeof(err));
	if (r < 0) {
		qmp_close(q);
		return r;
	}
	*out = q;
	return 0;
}

int qmp_open(const char *path, int timeout_ms, struct qmp **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return qmp_attach(fd, timeout_ms, out);
}

void qmp_close(struct qmp *q)
{
	if (!q)
		return;
	close(q->fd);
	free(q->buf);
	free(q);
}

int qmp_command(const char *path, const char *cmd, int timeout_ms, char *err, size_t errlen)
{
	struct qmp *q;
	int r = qmp_open(path, timeout_ms, &q);

	if (r < 0) {
		if (errlen)
			snprintf(err, errlen, "QMP %s: %s", path, strerror(-r));
		return r;
	}
	r = qmp_execute(q, cmd, NULL, NULL, err, errlen);
	qmp_close(q);
	return r;
}
