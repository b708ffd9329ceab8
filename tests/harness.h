/* harness.h - an in-process controller for unit tests and the fuzzer:
 * a fresh state dir, bootstrap, and requests straight into http_dispatch. */
#ifndef BASALT_TEST_HARNESS_H
#define BASALT_TEST_HARNESS_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "identity/identity.h"
#include "store/store.h"

#define HARNESS_PASSWORD "harness-pw"

static inline int harness_start(struct basalt *b, char *dir_template)
{
	char conf[512];
	FILE *f;

	if (sodium_init() < 0 || !mkdtemp(dir_template))
		return -1;
	snprintf(conf, sizeof(conf), "%s/basalt.conf", dir_template);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
		"[DEFAULT]\nstate_dir = %s\nlog_level = error\n[database]\nbusy_timeout_ms = 1000\n"
		"[identity]\npassword_hash_opslimit = 1\npassword_hash_memlimit_kib = 8\n",
		dir_template);
	fclose(f);
	struct bootstrap_opts o = { HARNESS_PASSWORD, "admin", "admin", "RegionOne",
				    "http://127.0.0.1:5000" };
	if (basalt_init(b, conf) < 0 || mkdir_p(b->cfg.state_dir, 0700) < 0)
		return -1;
	if (!basalt_store(b) || store_migrate(basalt_store(b)) < 0 ||
	    identity_bootstrap(b, &o) < 0 || basalt_open(b) < 0)
		return -1;
	return 0;
}

static inline void harness_stop(struct basalt *b, const char *dir)
{
	char cmd[600];

	basalt_fini(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: cannot remove %s\n", dir);
}

/* Run one request; res must be cleared by the caller. query is
 * "k=v&k2=v2" or NULL (split in place: pass a writable copy). */
static inline void harness_request(struct basalt *b, const char *method, const char *path,
				   char *query, const char *token, const char *body,
				   struct http_request *req, struct http_response *res)
{
	memset(req, 0, offsetof(struct http_request, tok));
	req->b = b;
	req->method = method;
	req->path = path;
	req->auth_token = token;
	req->body = body;
	req->body_len = body ? strlen(body) : 0;
	for (char *save = NULL, *kv = query ? strtok_r(query, "&", &save) : NULL;
	     kv && req->nquery < HTTP_MAX_QUERY; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = '\0';
		req->query[req->nquery].key = kv;
		req->query[req->nquery].value = eq;
		req->nquery++;
	}
	http_dispatch(req, res);
}

/* An admin token for the bootstrap admin; malloc'd. */
static inline char *harness_admin_token(struct basalt *b)
{
	static const char body[] =
	    "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":"
	    "{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"" HARNESS_PASSWORD
	    "\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}";
	struct http_request req;
	struct http_response res;
	char *tok = NULL;

	harness_request(b, "POST", "/v3/auth/tokens", NULL, NULL, body, &req, &res);
	for (int i = 0; i < res.nheaders; i++)
		if (strcmp(res.headers[i].name, "X-Subject-Token") == 0)
			tok = strdup(res.headers[i].value);
	http_response_clear(&res);
	return tok;
}

#endif
