/* util.h - small helpers shared by every layer: ids, time, strings. */
#ifndef BASALT_UTIL_H
#define BASALT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_HEX_LEN 32 /* Keystone-style ids: uuid4 as 32 lowercase hex digits */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* util.c */
/* Write a fresh random id (32 hex digits + NUL) into out. */
void id_new(char out[ID_HEX_LEN + 1]);
#define UUID_LEN 36 /* uuid4 with dashes, as Glance's and Neutron's ids */
/* Write a fresh uuid4 with dashes (36 chars + NUL) into out. */
void uuid_new(char out[UUID_LEN + 1]);
/* Write a request id "req-xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (40 chars + NUL). */
void request_id_new(char out[41]);
/* Wall clock in microseconds since the epoch. */
int64_t now_usec(void);
/* Format microseconds since the epoch as "2026-01-02T03:04:05.000000Z". */
void time_format_iso(int64_t usec, char out[32]);
/* Same, without fractional seconds: "2026-01-02T03:04:05Z". */
void time_format_iso_sec(int64_t usec, char out[32]);
/* Parse an ISO 8601 time as Keystone accepts an expires_at:
 * "YYYY-MM-DDTHH:MM:SS", optional ".ffffff" fraction, then "Z", "+HH:MM",
 * "-HH:MM" or nothing (UTC). Returns 0 with *usec set, or -EINVAL. */
int time_parse_iso(const char *s, int64_t *usec);
/* Constant-time comparison of two NUL-terminated secrets. */
bool secret_equal(const char *a, const char *b);
/* Case-insensitive match of "true"/"1"/"yes"/"on" (returns 1), their
 * opposites (0), or -EINVAL. */
int parse_bool(const char *s);
/* Whether s compiles as a POSIX extended regular expression (the store's
 * REGEXP). */
bool regex_valid(const char *s);
/* A server's host name from its name, as Nova's sanitize_hostname makes
 * it: the first 63 characters, ' ', '_' and '.' become '-', anything but ASCII
 * letters, digits and '-' dropped, lower case, no '-' at either end; for
 * a name with nothing left, "Server-ID". */
void hostname_of(const char *name, const char *id, char out[64]);
/* Write an entire buffer to path crash-safely: temp file, fsync, rename,
 * fsync of the directory. On error returns -errno and path is unchanged. */
int file_write_atomic(const char *path, const void *buf, size_t len, unsigned mode);
/* mkdir -p with mode; returns 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

#endif
