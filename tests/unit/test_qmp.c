/* test_qmp.c - QMP framing against a fake QEMU on a socketpair: greeting,
 * capabilities, a return found past interleaved events, an error reply,
 * a bad greeting, a timeout, and a file descriptor handed over with getfd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/hv.h"

#define GREETING                                                                                   \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"

/* The fake server: reads a command line, checks it, answers with a script
 * where "%ID%" stands for the command's id. NULL reply: answer nothing. */
struct step {
	const char *expect; /* substring of the command, or NULL: read nothing */
	const char *reply;
};

struct fake {
	int fd;
	const char *greeting;
	const struct step *steps;
	int failures;
};

static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t k = read(fd, buf + n, 1);
		if (k <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return 0;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	char line[4096], id[64], out[8192];

	if (f->greeting && write(f->fd, f->greeting, strlen(f->greeting)) < 0)
		f->failures++;
	for (const struct step *s = f->steps; s && s->expect; s++) {
		if (read_line(f->fd, line, sizeof(line)) < 0) {
			f->failures++;
			break;
		}
		if (!strstr(line, s->expect))
			f->failures++;
		char *p = strstr(line, "\"id\":\"");
		id[0] = '\0';
		if (p)
			sscanf(p + 6, "%63[^\"]", id);
		if (!s->reply)
			continue;
		/* substitute %ID% */
		size_t o = 0;
		for (const char *r = s->reply; *r && o + 70 < sizeof(out);) {
			if (strncmp(r, "%ID%", 4) == 0) {
				o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", id);
				r += 4;
			} else {
				out[o++] = *r++;
			}
		}
		if (write(f->fd, out, o) < 0)
			f->failures++;
	}
	return NULL;
}

static struct qmp *start(struct fake *f, pthread_t *t, int timeout_ms, int *rc)
{
	int sv[2];
	struct qmp *q = NULL;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->fd = sv[1];
	assert_int_equal(pthread_create(t, NULL, fake_main, f), 0);
	*rc = qmp_attach(sv[0], timeout_ms, &q);
	return q;
}

static void finish(struct fake *f, pthread_t t, struct qmp *q)
{
	qmp_close(q);
	pthread_join(t, NULL);
	close(f->fd);
	assert_int_equal(f->failures, 0);
}

/* A macro, not a const object: static initialisers need constants. */
#define CAPS_OK { "\"qmp_capabilities\"", "{\"return\": {}, \"id\": \"%ID%\"}\r\n" }

static void greeting_and_capabilities(void **state)
{
	static const struct step steps[] = { CAPS_OK, { NULL, NULL } };
	struct fake f = { .greeting = GREETING, .steps = steps };
	pthread_t t;
	int rc;
	struct qmp *q = start(&f, &t, 2000, &rc);

	assert_int_equal(rc, 0);
	assert_non_null(q);
	finish(&f, t, q);
}

/* A fake QEMU for getfd: capabilities, then a descriptor with the byte
 * before the command (SCM_RIGHTS), through which it writes. */
static void *fake_getfd(void *arg)
{
	struct fake *f = arg;
	char line[4096], id[64] = "", out[256], byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	int got = -1;

	for (int i = 0; i < 2; i++) {
		if (i == 0 && write(f->fd, GREETING, strlen(GREETING)) < 0)
			f->failures++;
		if (i == 1) {
			if (recvmsg(f->fd, &mh, 0) == 1 && (cm = CMSG_FIRSTHDR(&mh)) &&
			    cm->cmsg_type == SCM_RIGHTS)
				memcpy(&got, CMSG_DATA(cm), sizeof(int));
			if (got < 0 || write(got, "through the fd", 14) != 14)
				f->failures++;
			if (got >= 0)
				close(got);
		}
		if (read_line(f->fd, line, sizeof(line)) < 0 ||
		    !strstr(line, i ? "\"getfd\"" : "qmp_capabilities") ||
		    (i && !strstr(line, "\"fdname\":\"basalt-suspend\""))) {
			f->failures++;
			return NULL;
		}
		char *p = strstr(line, "\"id\":\"");
		if (p)
			sscanf(p + 6, "%63[^\"]", id);
		snprintf(out, sizeof(out), "{\"return\": {}, \"id\": \"%s\"}\r\n", id);
		if (write(f->fd, out, strlen(out)) < 0)
			f->failures++;
	}
	return NULL;
}

/* qmp_getfd hands the very file to QEMU's side (it writes through it). */
static void getfd_passes_the_fd(void **state)
{
	struct fake f = { 0 };
	char path[] = "/tmp/basalt-test-qmp-XXXXXX", buf[32] = "", err[256];
	struct qmp *q = NULL;
	pthread_t t;
	int sv[2], fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f.fd = sv[1];
	assert_int_equal(pthread_create(&t, NULL, fake_getfd, &f), 0);
	assert_int_equal(qmp_attach(sv[0], 2000, &q), 0);
	assert_int_equal(qmp_getfd(q, "basalt-suspend", fd, err, sizeof(err)), 0);
	finish(&f, t, q);
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), 14);
	assert_string_equal(buf, "through the fd");
	close(fd);
	unlink(path);
}

static void return_skips_events(void **state)
{
	static const struct step steps[] = {
		CAPS_OK,
		{ "\"query-status\"",
		  "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n"
		  "\r\n"
		  "{\"return\": {\"status\": \"stale\"}, \"id\": \"someone-else\"}\r\n"
		  "{\"event\": \"POWERDOWN\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 3}}\r\n"
		  "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": \"%ID%\"}\r\n" },
		{ "\"system_reset\"", "{\"return\": {}, \"id\": \"%ID%\"}\r\n" },
		{ NULL, NULL },
	};
	struct fake f = { .greeting = GREETING, .steps = steps };
	pthread_t t;
	json_t *ret = NULL;
	char err[256];
	int rc;
	struct qmp *q = start(&f, &t, 2000, &rc);

	assert_int_equal(rc, 0);
	assert_int_equal(qmp_execute(q, "query-status", NULL, &ret, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(ret, "status")), "running");
	json_decref(ret);
	/* The connection stays usable for the next command. */
	assert_int_equal(qmp_execute(q, "system_reset", NULL, NULL, err, sizeof(err)), 0);
	finish(&f, t, q);
}

static void error_reply(void **state)
{
	static const struct step steps[] = {
		CAPS_OK,
		{ "\"no-such-command\"",
		  "{\"id\": \"%ID%\", \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
		  "\"The command no-such-command has not been found\"}}\r\n" },
		{ NULL, NULL },
	};
	struct fake f = { .greeting = GREETING, .steps = steps };
	pthread_t t;
	char err[256];
	int rc;
	struct qmp *q = start(&f, &t, 2000, &rc);

	assert_int_equal(rc, 0);
	assert_int_equal(qmp_execute(q, "no-such-command", NULL, NULL, err, sizeof(err)),
			 -EREMOTEIO);
	assert_non_null(strstr(err, "CommandNotFound"));
	assert_non_null(strstr(err, "has not been found"));
	finish(&f, t, q);
}

static void arguments_are_sent(void **state)
{
	static const struct step steps[] = {
		CAPS_OK,
		{ "\"arguments\":{\"device\":\"virtio0\"}",
		  "{\"return\": {}, \"id\": \"%ID%\"}\r\n" },
		{ NULL, NULL },
	};
	struct fake f = { .greeting = GREETING, .steps = steps };
	pthread_t t;
	char err[256];
	int rc;
	struct qmp *q = start(&f, &t, 2000, &rc);
	json_t *args = json_pack("{s:s}", "device", "virtio0");

	assert_int_equal(rc, 0);
	assert_int_equal(qmp_execute(q, "eject", args, NULL, err, sizeof(err)), 0);
	json_decref(args);
	finish(&f, t, q);
}

static void timeout(void **state)
{
	static const struct step steps[] = { CAPS_OK,
					     { "\"query-status\"", NULL },
					     { NULL, NULL } };
	struct fake f = { .greeting = GREETING, .steps = steps };
	pthread_t t;
	char err[256];
	int rc;
	struct qmp *q = start(&f, &t, 200, &rc);

	assert_int_equal(rc, 0);
	assert_int_equal(qmp_execute(q, "query-status", NULL, NULL, err, sizeof(err)), -ETIMEDOUT);
	finish(&f, t, q);
}

static void no_greeting_times_out(void **state)
{
	struct fake f = { .greeting = NULL, .steps = NULL };
	pthread_t t;
	int rc;
	struct qmp *q = start(&f, &t, 200, &rc);

	assert_int_equal(rc, -ETIMEDOUT);
	assert_null(q);
	pthread_join(t, NULL);
	close(f.fd);
}

static void bad_greeting(void **state)
{
	struct fake f = { .greeting = "{\"hello\": 1}\r\n", .steps = NULL };
	pthread_t t;
	int rc;
	struct qmp *q = start(&f, &t, 1000, &rc);

	assert_int_equal(rc, -EPROTO);
	assert_null(q);
	pthread_join(t, NULL);
	close(f.fd);
}

static void closed_mid_command(void **state)
{
	static const struct step steps[] = { CAPS_OK, { NULL, NULL } };
	struct fake f = { .greeting = GREETING, .steps = steps };
	pthread_t t;
	char err[256];
	int rc;
	struct qmp *q = start(&f, &t, 1000, &rc);

	assert_int_equal(rc, 0);
	pthread_join(t, NULL);
	close(f.fd); /* QEMU went away (quit) */
	rc = qmp_execute(q, "query-status", NULL, NULL, err, sizeof(err));
	assert_true(rc == -ECONNRESET || rc == -EPIPE);
	qmp_close(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(greeting_and_capabilities),
		cmocka_unit_test(getfd_passes_the_fd),
		cmocka_unit_test(return_skips_events),
		cmocka_unit_test(error_reply),
		cmocka_unit_test(arguments_are_sent),
		cmocka_unit_test(timeout),
		cmocka_unit_test(no_greeting_times_out),
		cmocka_unit_test(bad_greeting),
		cmocka_unit_test(closed_mid_command),
	};
	return cmocka_run_group_tests_name("qmp", tests, NULL, NULL);
}
