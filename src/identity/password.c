/* password.c - argon2id password hashes (libsodium crypto_pwhash_str). */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "basalt.h"

int password_hash(struct basalt *b, const char *password, char *out)
{
	unsigned long long ops = (unsigned long long)b->cfg.password_hash_opslimit;
	size_t mem = (size_t)b->cfg.password_hash_memlimit_kib * 1024;

	if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN)
		ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	if (mem < crypto_pwhash_argon2id_MEMLIMIT_MIN)
		mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -ENOMEM;
	return 0;
}

bool password_verify(const char *hash, const char *password)
{
	if (!hash || !password)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
