/* sign.c - the metadata proxy's request signature. */
#include <sodium.h>
#include <string.h>

#include "core/sign.h"
#include "core/util.h"

void metadata_sign(const char *secret, const char *network_id, const char *address,
		   char out[SIGN_HEX_LEN + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)network_id, strlen(network_id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)address, strlen(address));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, SIGN_HEX_LEN + 1, mac, sizeof(mac));
}

bool metadata_sign_ok(const char *secret, const char *network_id, const char *address,
		      const char *sig)
{
	char want[SIGN_HEX_LEN + 1];

	if (!secret || !*secret || !sig)
		return false;
	metadata_sign(secret, network_id, address, want);
	return secret_equal(want, sig);
}
