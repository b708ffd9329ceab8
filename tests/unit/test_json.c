/* test_json.c - request body validation against field tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

static const struct jfield fields[] = {
	{ "name", J_STRING, true, 8 },
	{ "enabled", J_BOOL, false, 0 },
	{ "description", J_STRING_NULL, false, 0 },
};

static int check(const char *text, char *err)
{
	json_t *j = json_loads(text, 0, NULL);
	int r = json_check(j, fields, ARRAY_SIZE(fields), err, 256);

	json_decref(j);
	return r;
}

static void accepts_valid(void **state)
{
	char err[256];

	assert_int_equal(check("{\"name\":\"a\"}", err), 0);
	assert_int_equal(check("{\"name\":\"a\",\"enabled\":false,\"description\":null}", err), 0);
}

static void rejects_bad(void **state)
{
	char err[256];

	assert_int_not_equal(check("{\"name\":1}", err), 0);
	assert_non_null(strstr(err, "'name'"));
	assert_int_not_equal(check("{}", err), 0);
	assert_non_null(strstr(err, "required"));
	assert_int_not_equal(check("{\"name\":\"a\",\"bogus\":1}", err), 0);
	assert_non_null(strstr(err, "bogus"));
	assert_int_not_equal(check("{\"name\":\"123456789\"}", err), 0);
	assert_int_not_equal(check("{\"name\":\"a\",\"enabled\":\"yes\"}", err), 0);
	assert_int_not_equal(check("[1]", err), 0);
}

/* J_OTHERS: members the table does not name pass unchecked; the named ones
 * are still checked. */
static void others_allowed(void **state)
{
	static const struct jfield open[] = { { "name", J_STRING, true, 8 }, J_OTHERS };
	json_t *ok = json_loads("{\"name\":\"a\",\"enabled\":true,\"x\":[1]}", 0, NULL);
	json_t *bad = json_loads("{\"name\":5,\"x\":1}", 0, NULL);
	json_t *missing = json_loads("{\"x\":1}", 0, NULL);
	char err[256];

	assert_int_equal(json_check(ok, open, ARRAY_SIZE(open), err, sizeof(err)), 0);
	assert_int_not_equal(json_check(bad, open, ARRAY_SIZE(open), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "'name'"));
	assert_int_not_equal(json_check(missing, open, ARRAY_SIZE(open), err, sizeof(err)), 0);
	assert_int_not_equal(check("{\"name\":\"a\",\"x\":1}", err), 0);
	json_decref(ok);
	json_decref(bad);
	json_decref(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_valid),
		cmocka_unit_test(rejects_bad),
		cmocka_unit_test(others_allowed),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
