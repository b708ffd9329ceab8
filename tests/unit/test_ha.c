/* test_ha.c - several controllers: the agents' controller list (parse,
 * move on after a failure, back to the first later) and the leases that
 * run a background job on one controller at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "store/store.h"

static void list_parse(void **state)
{
	struct controllers cs;

	assert_int_equal(controllers_parse("http://a:5000/", &cs), 0);
	assert_int_equal(cs.n, 1);
	assert_string_equal(cs.url[0], "http://a:5000");
	controllers_free(&cs);

	assert_int_equal(controllers_parse(" http://a:5000, https://b/x//,http://c ", &cs), 0);
	assert_int_equal(cs.n, 3);
	assert_string_equal(cs.url[0], "http://a:5000");
	assert_string_equal(cs.url[1], "https://b/x");
	assert_string_equal(cs.url[2], "http://c");
	controllers_free(&cs);

	assert_int_equal(controllers_parse("", &cs), -EINVAL);
	assert_int_equal(controllers_parse(" , ", &cs), -EINVAL);
	assert_int_equal(controllers_parse(NULL, &cs), -EINVAL);
	assert_int_equal(controllers_parse("http://a,ftp://b", &cs), -EINVAL);
	assert_int_equal(cs.n, 0);
	assert_int_equal(controllers_parse("a:5000", &cs), -EINVAL);
	char many[512] = "";
	for (int i = 0; i <= CONTROLLERS_MAX; i++)
		strcat(many, "http://h,");
	assert_int_equal(controllers_parse(many, &cs), -EINVAL);
}

static void list_failover(void **state)
{
	struct controllers cs;
	int idx;
	int64_t t = 1000;

	assert_int_equal(controllers_parse("http://a,http://b,http://c", &cs), 0);
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://a");
	assert_int_equal(idx, 0);
	controllers_failed(&cs, 0, t, "refused");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://b");
	/* A second thread that saw a fail too does not skip b. */
	controllers_failed(&cs, 0, t, "refused");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://b");
	controllers_failed(&cs, 1, t, "timeout");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://c");
	assert_int_equal(idx, 2);
	/* Not yet time to go back: c stays. */
	assert_string_equal(controllers_pick(&cs, t + CONTROLLERS_FAILBACK_USEC - 1, &idx),
			    "http://c");
	/* Then the first one again. */
	assert_string_equal(controllers_pick(&cs, t + CONTROLLERS_FAILBACK_USEC, &idx),
			    "http://a");
	assert_int_equal(idx, 0);
	/* Round the list: after c, a; no failback time while on the first. */
	controllers_failed(&cs, 0, t, "refused");
	controllers_failed(&cs, 1, t, "refused");
	controllers_failed(&cs, 2, t, "refused");
	assert_string_equal(controllers_pick(&cs, t + 10 * CONTROLLERS_FAILBACK_USEC, &idx),
			    "http://a");
	controllers_free(&cs);

	/* One controller (a load balancer): nothing moves. */
	assert_int_equal(controllers_parse("http://lb", &cs), 0);
	controllers_failed(&cs, 0, t, "refused");
	assert_string_equal(controllers_pick(&cs, t, &idx), "http://lb");
	controllers_free(&cs);
}

static void move_rule(void **state)
{
	assert_true(controllers_should_move(-ECONNREFUSED, 0));
	assert_true(controllers_should_move(-ETIMEDOUT, 0));
	assert_true(controllers_should_move(-EIO, 0));
	assert_false(controllers_should_move(-ENOMEM, 0));
	assert_true(controllers_should_move(0, 500));
	assert_true(controllers_should_move(0, 502));
	assert_true(controllers_should_move(0, 503));
	assert_false(controllers_should_move(0, 200));
	assert_false(controllers_should_move(0, 401));
	assert_false(controllers_should_move(0, 404));
	assert_false(controllers_should_move(0, 409));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_parse),
		cmocka_unit_test(list_failover),
		cmocka_unit_test(move_rule),
	};
	return cmocka_run_group_tests_name("ha", tests, NULL, NULL);
}
