/* test_dispatch.c - routing, policy and error shapes, in process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

static struct basalt b;
static char dir[] = "/tmp/basalt-unit-dispatch.XXXXXX";
static char *admin;

static int status_of(const char *method, const char *path, const char *token, const char *body)
{
	struct http_request req;
	struct http_response res;
	int status;

	harness_request(&b, method, path, NULL, token, body, &req, &res);
	status = res.status;
	/* Identity errors carry Keystone's shape (other services' in
	 * error_shapes below). */
	if (status >= 400 && strncmp(path, "/v3", 3) == 0) {
		json_t *e = json_object_get(res.body, "error");
		assert_true(json_is_object(e));
		assert_int_equal(json_integer_value(json_object_get(e, "code")), status);
		assert_non_null(json_string_value(json_object_get(e, "message")));
		assert_non_null(json_string_value(json_object_get(e, "title")));
	}
	http_response_clear(&res);
	return status;
}

static void routes_and_methods(void **state)
{
	assert_int_equal(status_of("GET", "/v3", NULL, NULL), 200);
	assert_int_equal(status_of("GET", "/", NULL, NULL), 300);
	assert_int_equal(status_of("GET", "/v3/nothing", admin, NULL), 404);
	assert_int_equal(status_of("PUT", "/v3/projects", admin, NULL), 405);
	assert_int_equal(status_of("GET", "/v3/projects", admin, NULL), 200);
	assert_int_equal(status_of("HEAD", "/v3/projects", admin, NULL), 200);
	assert_int_equal(status_of("GET", "/v3/projects/nope", admin, NULL), 404);
}

static void authentication(void **state)
{
	assert_int_equal(status_of("GET", "/v3/projects", NULL, NULL), 401);
	assert_int_equal(status_of("GET", "/v3/projects", "garbage", NULL), 401);
	assert_int_equal(
	    status_of("POST", "/v3/auth/tokens", NULL,
		      "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":"
		      "{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},"
		      "\"password\":\"wrong\"}}}}}"),
	    401);
}

static void bad_bodies(void **state)
{
	assert_int_equal(status_of("POST", "/v3/projects", admin, "{"), 400);
	assert_int_equal(status_of("POST", "/v3/projects", admin, "{\"project\":{\"name\":1}}"),
			 400);
	assert_int_equal(status_of("POST", "/v3/projects", admin, "{\"project\":{}}"), 400);
	assert_int_equal(status_of("POST", "/v3/projects", admin,
				   "{\"project\":{\"name\":\"x\",\"bogus\":true}}"),
			 400);
	assert_int_equal(status_of("POST", "/v3/projects", admin, "{\"project\":{\"name\":\"x\"}}"),
			 201);
	assert_int_equal(status_of("POST", "/v3/projects", admin, "{\"project\":{\"name\":\"x\"}}"),
			 409);
}

/* Regression: a revoked token must not buy a new one through the token
 * method (validation once ran inside the auth transaction, where the
 * revocation cache could not refresh). */
static void revoked_token_cannot_rescope(void **state)
{
	char *tok = harness_admin_token(&b), body[2048];
	struct http_request req;
	struct http_response res;

	assert_non_null(tok);
	memset(&req, 0, offsetof(struct http_request, tok));
	req.b = &b;
	req.method = "DELETE";
	req.path = "/v3/auth/tokens";
	req.auth_token = admin;
	req.subject_token = tok;
	http_dispatch(&req, &res);
	assert_int_equal(res.status, 204);
	http_response_clear(&res);
	snprintf(body, sizeof(body),
		 "{\"auth\":{\"identity\":{\"methods\":[\"token\"],\"token\":{\"id\":\"%s\"}}}}",
		 tok);
	assert_int_equal(status_of("POST", "/v3/auth/tokens", NULL, body), 401);
	assert_int_equal(status_of("GET", "/v3/projects", tok, NULL), 401);
	free(tok);
}

/* Each service answers errors in its own OpenStack shape; 401 always in
 * Keystone's, as keystonemiddleware does. */
static void error_shapes(void **state)
{
	static const struct {
		const char *path, *token_kind, *pointer;
	} cases[] = {
		{ "/compute/v2.1/nothing", "admin", "itemNotFound" },
		{ "/image/v2/nothing", "admin", "title" },
		{ "/network/v2.0/nothing", "admin", "NeutronError" },
		{ "/placement/nothing", "admin", "errors" },
		{ "/v3/nothing", "admin", "error" },
	};
	struct http_request req;
	struct http_response res;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		harness_request(&b, "GET", cases[i].path, NULL, admin, NULL, &req, &res);
		assert_int_equal(res.status, 404);
		assert_non_null(json_object_get(res.body, cases[i].pointer));
		http_response_clear(&res);
	}
	harness_request(&b, "GET", "/v3/projects", NULL, "bad", NULL, &req, &res);
	assert_int_equal(res.status, 401);
	assert_non_null(json_object_get(res.body, "error"));
	http_response_clear(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routes_and_methods),
		cmocka_unit_test(authentication),
		cmocka_unit_test(bad_bodies),
		cmocka_unit_test(revoked_token_cannot_rescope),
		cmocka_unit_test(error_shapes),
	};
	int r;

	if (harness_start(&b, dir) < 0 || !(admin = harness_admin_token(&b)))
		return 1;
	r = cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
	free(admin);
	harness_stop(&b, dir);
	return r;
}
