/* test_compute.c - the console tail the controller keeps per server
 * (src/compute/console.c): deltas by offset appended, duplicates dropped,
 * gaps and resets start afresh, at most CONSOLE_TAIL_MAX kept; and the
 * usage arithmetic (src/compute/usage.c, usage_audit.c): Nova's hours,
 * the times its usage accepts, its audit period. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compute/compute.h"

/* Merge text at off into (*tail, *end); returns console_merge's result. */
static int merge(char **tail, int64_t *end, int64_t off, const char *text, bool reset)
{
	char *out = NULL;
	int64_t oe = -1;
	int r = console_merge(*tail, *end, off, text, strlen(text), reset, &out, &oe);

	if (r == 1) {
		free(*tail);
		*tail = out;
		*end = oe;
	} else {
		assert_null(out);
	}
	return r;
}

static void appends_in_order(void **state)
{
	char *t = NULL;
	int64_t end = 0;

	assert_int_equal(merge(&t, &end, 0, "boot\n", false), 1);
	assert_int_equal(merge(&t, &end, 5, "login:", false), 1);
	assert_string_equal(t, "boot\nlogin:");
	assert_int_equal(end, 11);
	free(t);
}

/* An agent killed after the controller took a delta sends it again:
 * nothing is doubled, and the part that is new in an overlap lands. */
static void duplicates_and_overlaps(void **state)
{
	char *t = NULL;
	int64_t end = 0;

	assert_int_equal(merge(&t, &end, 0, "abcdef", false), 1);
	assert_int_equal(merge(&t, &end, 0, "abcdef", false), 0); /* the same again */
	assert_int_equal(merge(&t, &end, 2, "cd", false), 0);	  /* inside what is held */
	assert_int_equal(merge(&t, &end, 6, "", false), 0);	  /* empty */
	assert_int_equal(merge(&t, &end, 3, "defgh", false), 1);  /* overlaps: gh is new */
	assert_string_equal(t, "abcdefgh");
	assert_int_equal(end, 8);
	free(t);
}

/* A delta past the end (the agent skipped what the tail would drop)
 * starts the tail afresh; so does a reset (the log began anew). */
static void gaps_and_resets(void **state)
{
	char *t = NULL;
	int64_t end = 0;

	assert_int_equal(merge(&t, &end, 0, "old", false), 1);
	assert_int_equal(merge(&t, &end, 100, "new", false), 1);
	assert_string_equal(t, "new");
	assert_int_equal(end, 103);
	assert_int_equal(merge(&t, &end, 0, "again", true), 1);
	assert_string_equal(t, "again");
	assert_int_equal(end, 5);
	assert_int_equal(merge(&t, &end, 0, "", true), 1); /* a new, empty log */
	assert_string_equal(t, "");
	assert_int_equal(end, 0);
	assert_int_equal(merge(&t, &end, -1, "x", false), -EINVAL);
	free(t);
}

/* Only the last CONSOLE_TAIL_MAX bytes stay, however they arrive. */
static void bounded_tail(void **state)
{
	size_t big = CONSOLE_TAIL_MAX + 1000;
	char *text = malloc(big + 1), *t = NULL;
	int64_t end = 0;

	assert_non_null(text);
	for (size_t i = 0; i < big; i++)
		text[i] = (char)('a' + i % 26);
	text[big] = '\0';
	/* in chunks of 4000 bytes */
	for (size_t off = 0; off < big; off += 4000) {
		char save = text[off + 4000 < big ? off + 4000 : big];
		text[off + 4000 < big ? off + 4000 : big] = '\0';
		assert_int_equal(merge(&t, &end, (int64_t)off, text + off, false), 1);
		text[off + 4000 < big ? off + 4000 : big] = save;
	}
	assert_int_equal(end, (int64_t)big);
	assert_int_equal(strlen(t), CONSOLE_TAIL_MAX);
	assert_memory_equal(t, text + 1000, CONSOLE_TAIL_MAX);
	free(t);
	t = NULL;
	end = 0;
	/* in one delta larger than the tail */
	assert_int_equal(merge(&t, &end, 0, text, false), 1);
	assert_int_equal(end, (int64_t)big);
	assert_int_equal(strlen(t), CONSOLE_TAIL_MAX);
	assert_memory_equal(t, text + 1000, CONSOLE_TAIL_MAX);
	free(t);
	free(text);
}

#define H (INT64_C(3600) * 1000000) /* an hour in usec */

/* Nova's _hours_for: the part of [launched, terminated) inside the
 * window [start, stop], in hours. */
static void usage_hours_window(void **state)
{
	(void)state;
	int64_t t0 = INT64_C(1767225600) * 1000000; /* 2026-01-01T00:00:00 */

	/* ran 10 h, window around it: all 10 */
	assert_true(usage_hours(t0 + H, t0 + 11 * H, t0, t0 + 24 * H) == 10.0);
	/* window inside its life: the window's 1.5 h */
	assert_true(usage_hours(t0, t0 + 11 * H, t0 + 2 * H, t0 + 2 * H + H * 3 / 2) == 1.5);
	/* still running: up to the window's end */
	assert_true(usage_hours(t0 + H, 0, t0, t0 + 3 * H) == 2.0);
	/* terminated before the start, launched after the stop, never launched */
	assert_true(usage_hours(t0, t0 + H, t0 + 2 * H, t0 + 3 * H) == 0.0);
	assert_true(usage_hours(t0 + 4 * H, 0, t0 + 2 * H, t0 + 3 * H) == 0.0);
	assert_true(usage_hours(0, 0, t0, t0 + H) == 0.0);
	/* 36 s are 0.01 h */
	assert_true(usage_hours(t0, t0 + 36000000, t0 - H, t0 + H) == 36.0 / 3600.0);
}

/* Nova's three formats, as Python's strptime reads them; nothing else. */
static void usage_times(void **state)
{
	(void)state;
	int64_t t = 0;

	assert_int_equal(usage_parse_time("2026-01-01T00:00:00", &t), 0);
	assert_int_equal(t, INT64_C(1767225600) * 1000000);
	assert_int_equal(usage_parse_time("2026-01-01T00:00:01.5", &t), 0);
	assert_int_equal(t, INT64_C(1767225601) * 1000000 + 500000);
	assert_int_equal(usage_parse_time("2026-1-2 3:04:05.000001", &t), 0);
	assert_int_equal(t, INT64_C(1767225600) * 1000000 + (86400 + 3 * 3600 + 245) * INT64_C(1000000) + 1);
	assert_int_equal(usage_parse_time("2024-02-29T00:00:00", &t), 0);
	const char *bad[] = { "2026-01-01", "2026-01-01 00:00:00", "2026-01-01T00:00:00Z",
			      "2026-01-01T00:00:00+01:00", "2026-02-29T00:00:00",
			      "2026-13-01T00:00:00", "2026-01-01T24:00:00", "2026-01-01T00:00:00.",
			      "2026-01-01T00:00:00.1234567", "26-01-01T00:00:00", "", "now" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(usage_parse_time(bad[i], &t), -EINVAL);
}

/* Nova's last_completed_audit_period, unit "month". */
static void usage_audit_month(void **state)
{
	(void)state;
	char b[32], e[32];
	int64_t t = 0;

	assert_int_equal(usage_parse_time("2026-03-15T10:00:00", &t), 0);
	usage_audit_period(t, b, e);
	assert_string_equal(b, "2026-02-01 00:00:00");
	assert_string_equal(e, "2026-03-01 00:00:00");
	/* exactly the 1st: that month is not completed yet */
	assert_int_equal(usage_parse_time("2026-03-01T00:00:00", &t), 0);
	usage_audit_period(t, b, e);
	assert_string_equal(b, "2026-01-01 00:00:00");
	assert_string_equal(e, "2026-02-01 00:00:00");
	/* across the year */
	assert_int_equal(usage_parse_time("2026-01-01T00:00:00.000001", &t), 0);
	usage_audit_period(t, b, e);
	assert_string_equal(b, "2025-12-01 00:00:00");
	assert_string_equal(e, "2026-01-01 00:00:00");
	assert_int_equal(usage_parse_time("2026-01-01T00:00:00", &t), 0);
	usage_audit_period(t, b, e);
	assert_string_equal(b, "2025-11-01 00:00:00");
	assert_string_equal(e, "2025-12-01 00:00:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(appends_in_order),
		cmocka_unit_test(duplicates_and_overlaps),
		cmocka_unit_test(gaps_and_resets),
		cmocka_unit_test(bounded_tail),
		cmocka_unit_test(usage_hours_window),
		cmocka_unit_test(usage_times),
		cmocka_unit_test(usage_audit_month),
	};
	return cmocka_run_group_tests_name("compute", tests, NULL, NULL);
}
