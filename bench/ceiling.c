/* ceiling.c - the bare ceiling of token validation (bench/identity): a
 * libmicrohttpd server set up as basaltd's API server is (internal epoll
 * thread pool of the same size, the same connection options) that only
 * decrypts the request's X-Auth-Token and X-Subject-Token with Basalt's
 * own token_decode, checks their expiry, and answers a fixed body (the
 * bytes basaltd answered for the same request, read from a file) with the
 * same response headers. Nothing else: no routing, policy, revocation,
 * JSON, logging or allocation per request beyond libmicrohttpd's own.
 *
 *   bench_ceiling KEYS_DIR LISTEN_PORT BODY_FILE [WORKERS]
 *
 * Runs until SIGTERM/SIGINT. Not a test and not part of basaltd. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "identity/token.h"

static struct token_keys keys;
static char *body;
static size_t body_len;

static bool valid(const char *s)
{
	struct token t;

	return s && token_decode(&keys, s, &t) == 0 && t.expires_at > now_usec();
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	const char *auth, *subject;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool ok;

	(void)cls, (void)url, (void)method, (void)version, (void)upload_data;
	if (!*con_cls) { /* headers only: answer on the second call, as basaltd */
		*con_cls = (void *)1;
		return MHD_YES;
	}
	*upload_size = 0;
	auth = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Auth-Token");
	subject = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Subject-Token");
	ok = valid(auth) && valid(subject);
	resp = MHD_create_response_from_buffer(ok ? body_len : 2, ok ? body : (void *)"{}",
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "x-openstack-request-id",
				"req-00000000-0000-4000-8000-000000000000");
	if (ok)
		MHD_add_response_header(resp, "X-Subject-Token", subject);
	ret = MHD_queue_response(mc, ok ? 200 : 401, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)mc, (void)toe;
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned workers;
	struct MHD_Daemon *d;
	sigset_t set;
	FILE *f;
	int sig;

	if (argc < 4) {
		fprintf(stderr, "usage: %s KEYS_DIR PORT BODY_FILE [WORKERS]\n", argv[0]);
		return 2;
	}
	if (sodium_init() < 0 || token_keys_load(argv[1], &keys) < 0) {
		fprintf(stderr, "bench_ceiling: no token keys in %s\n", argv[1]);
		return 1;
	}
	f = fopen(argv[3], "rb");
	if (!f || fseek(f, 0, SEEK_END) < 0 || (body_len = (size_t)ftell(f)) == 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || !(body = malloc(body_len)) ||
	    fread(body, 1, body_len, f) != body_len) {
		fprintf(stderr, "bench_ceiling: cannot read %s\n", argv[3]);
		return 1;
	}
	fclose(f);
	workers = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
	if (workers == 0) { /* basaltd's default: one per CPU */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		workers = (unsigned)(n > 0 ? n : 2);
	}
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Block the signals before the threads start, so they all inherit it. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				 MHD_ALLOW_SUSPEND_RESUME,
			     0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, workers,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
			     MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bench_ceiling: cannot listen on port %s\n", argv[2]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	sodium_memzero(&keys, sizeof(keys));
	free(body);
	return 0;
}
