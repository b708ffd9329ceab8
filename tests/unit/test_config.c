/* test_config.c - INI parsing, defaults, and the committed sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static void defaults(void **state)
{
	struct config c;

	assert_int_equal(config_load(&c, NULL), 0);
	assert_string_equal(c.api_listen, "127.0.0.1:5000");
	assert_int_equal(c.token_expiration, 3600);
	config_free(&c);
}

static int load_text(const char *text, struct config *c)
{
	char path[] = "/tmp/basalt-unit-conf.XXXXXX";
	int fd = mkstemp(path), r;
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	r = config_load(c, path);
	remove(path);
	return r;
}

static void parses_sections(void **state)
{
	struct config c;

	assert_int_equal(load_text("[DEFAULT]\nhost = ctl\n[api]\nlisten = 0.0.0.0:6000\n"
				   "[identity]\ntoken_expiration = 60\n",
				   &c),
			 0);
	assert_string_equal(c.host, "ctl");
	assert_string_equal(c.api_listen, "0.0.0.0:6000");
	assert_int_equal(c.token_expiration, 60);
	config_free(&c);
}

static void rejects_unknown_and_bad(void **state)
{
	struct config c;

	assert_int_not_equal(load_text("[api]\nlisen = 1\n", &c), 0);
	config_free(&c);
	assert_int_not_equal(load_text("[identity]\ntoken_expiration = soon\n", &c), 0);
	config_free(&c);
}

/* Booleans take oslo.config's spellings, in any case, and nothing else. */
static void parses_booleans(void **state)
{
	struct config c;

	assert_int_equal(config_load(&c, NULL), 0);
	assert_false(c.force_config_drive);
	config_free(&c);
	assert_int_equal(load_text("[compute]\nforce_config_drive = True\n", &c), 0);
	assert_true(c.force_config_drive);
	config_free(&c);
	assert_int_equal(load_text("[compute]\nforce_config_drive = off\n", &c), 0);
	assert_false(c.force_config_drive);
	config_free(&c);
	assert_int_not_equal(load_text("[compute]\nforce_config_drive = maybe\n", &c), 0);
	config_free(&c);
	assert_int_not_equal(load_text("[compute]\nforce_config_drive = \n", &c), 0);
	config_free(&c);
}

/* etc/basalt.conf.sample is generated from the option table: keep it so. */
static void sample_up_to_date(void **state)
{
	char *gen = NULL, committed[65536];
	size_t len = 0, n;
	FILE *m = open_memstream(&gen, &len);
	FILE *f = fopen(SOURCE_ROOT "/etc/basalt.conf.sample", "r");

	assert_non_null(f);
	config_print_sample(m);
	fclose(m);
	n = fread(committed, 1, sizeof(committed) - 1, f);
	fclose(f);
	committed[n] = '\0';
	assert_string_equal(committed, gen);
	free(gen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(parses_sections),
		cmocka_unit_test(rejects_unknown_and_bad),
		cmocka_unit_test(parses_booleans),
		cmocka_unit_test(sample_up_to_date),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
