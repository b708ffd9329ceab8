/* md5.h - MD5 (RFC 1321), for the checksums OpenStack shows (Glance's
 * "checksum", keypair fingerprints). Not for security. */
#ifndef BASALT_MD5_H
#define BASALT_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5 {
	uint32_t state[4];
	uint64_t bytes;
	unsigned char buf[64];
};

/* md5.c */
void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const void *data, size_t len);
void md5_final(struct md5 *m, unsigned char digest[16]);
/* The digest of data as 32 lowercase hex digits + NUL. */
void md5_hex(const void *data, size_t len, char out[33]);

#endif
