/* sha1.h - SHA-1 (FIPS 180-4), for the fingerprints OpenStack shows (an
 * X.509 certificate's, as Nova's x509 key pairs). Not for security. */
#ifndef BASALT_SHA1_H
#define BASALT_SHA1_H

#include <stddef.h>

/* sha1.c */
/* The SHA-1 digest of data into digest. */
void sha1(const void *data, size_t len, unsigned char digest[20]);

#endif
