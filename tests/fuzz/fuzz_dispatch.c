/* fuzz_dispatch.c - libFuzzer target: arbitrary requests into the router
 * and every identity handler, with no token, an admin token or garbage.
 *
 * Input: line 1 "METHOD PATH[?QUERY]", line 2 a token selector ('0' none,
 * '1' admin, else the line itself as the token), the rest is the body. */
#include <stdint.h>

#include "harness.h"

static struct basalt b;
static char dir[] = "/tmp/basalt-fuzz.XXXXXX";
static char *admin;

static void cleanup(void)
{
	free(admin);
	harness_stop(&b, dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (harness_start(&b, dir) < 0 || !(admin = harness_admin_token(&b)))
		abort();
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line1, *line2, *body, *path, *query, *method, *sp;
	struct http_request req;
	struct http_response res;
	const char *token;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	line1 = buf;
	line2 = strchr(line1, '\n');
	if (!line2)
		goto out;
	*line2++ = '\0';
	body = strchr(line2, '\n');
	if (body)
		*body++ = '\0';
	sp = strchr(line1, ' ');
	if (!sp)
		goto out;
	*sp = '\0';
	method = line1;
	path = sp + 1;
	query = strchr(path, '?');
	if (query)
		*query++ = '\0';
	token = line2[0] == '0' && !line2[1] ? NULL : line2[0] == '1' && !line2[1] ? admin : line2;
	harness_request(&b, method, path, query, token, body, &req, &res);
	/* Every answer is well formed: a status, and an error body (in the
	 * shape of the service the path names: JSON, or plain text from the
	 * metadata service, as nova-api-metadata answers guests) on errors. */
	if (res.status < 200 || res.status > 599)
		abort();
	if (res.status >= 400 && !json_is_object(res.body) &&
	    !(strncmp(path, "/metadata", 9) == 0 && res.raw && res.raw[0]))
		abort();
	http_response_clear(&res);
out:
	free(buf);
	return 0;
}
