/* sign.h - the metadata proxy's request signature (docs/agent-protocol.md):
 * hex(HMAC-SHA256(secret, "<network id>\n<address>")). */
#ifndef BASALT_SIGN_H
#define BASALT_SIGN_H

#include <stdbool.h>

#define SIGN_HEX_LEN 64

/* sign.c */
/* Fill out with the signature of (network_id, address) under secret. */
void metadata_sign(const char *secret, const char *network_id, const char *address,
		   char out[SIGN_HEX_LEN + 1]);
/* Whether sig is that signature (constant time); false for an empty secret. */
bool metadata_sign_ok(const char *secret, const char *network_id, const char *address,
		      const char *sig);

#endif
