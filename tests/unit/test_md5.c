/* test_md5.c - MD5 against the RFC 1321 test suite, whole and in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/md5.h"

static const char *const vectors[][2] = {
	{ "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "0cc175b9c0f1b6a831c399e269772661" },
	{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	  "57edf4a22be3c955ac49da2e2107b67a" },
};

static void rfc1321(void **state)
{
	char hex[33];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		md5_hex(vectors[i][0], strlen(vectors[i][0]), hex);
		assert_string_equal(hex, vectors[i][1]);
	}
}

static void in_pieces(void **state)
{
	const char *s = vectors[6][0];
	unsigned char d1[16], d2[16];
	struct md5 m;

	/* Every split point gives the digest of the whole. */
	for (size_t cut = 0; cut <= strlen(s); cut++) {
		md5_init(&m);
		md5_update(&m, s, cut);
		md5_update(&m, s + cut, strlen(s) - cut);
		md5_final(&m, d1);
		md5_init(&m);
		md5_update(&m, s, strlen(s));
		md5_final(&m, d2);
		assert_memory_equal(d1, d2, 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1321),
		cmocka_unit_test(in_pieces),
	};
	return cmocka_run_group_tests_name("md5", tests, NULL, NULL);
}
