/* util.c - small helpers shared by every layer: ids, time, strings. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <regex.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

void id_new(char out[ID_HEX_LEN + 1])
{
	unsigned char raw[16];

	randombytes_buf(raw, sizeof(raw));
	raw[6] = (raw[6] & 0x0f) | 0x40; /* uuid version 4 */
	raw[8] = (raw[8] & 0x3f) | 0x80;
	sodium_bin2hex(out, ID_HEX_LEN + 1, raw, sizeof(raw));
}

void uuid_new(char out[UUID_LEN + 1])
{
	char hex[ID_HEX_LEN + 1];

	id_new(hex);
	snprintf(out, UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
		 hex + 16, hex + 20);
}

/* Request ids need to be unique, not secret: their random bytes come
 * from a per-thread pool refilled 512 bytes at a time, which spares a
 * getrandom call (and two snprintf) on every request. */
void request_id_new(char out[41])
{
	static const char hex[] = "0123456789abcdef";
	static __thread unsigned char pool[512];
	static __thread size_t used = sizeof(pool);
	unsigned char raw[16];
	char *p = out;

	if (used + sizeof(raw) > sizeof(pool)) {
		randombytes_buf(pool, sizeof(pool));
		used = 0;
	}
	memcpy(raw, pool + used, sizeof(raw));
	used += sizeof(raw);
	raw[6] = (raw[6] & 0x0f) | 0x40; /* uuid version 4 */
	raw[8] = (raw[8] & 0x3f) | 0x80;
	memcpy(p, "req-", 4);
	p += 4;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[raw[i] >> 4];
		*p++ = hex[raw[i] & 15];
	}
	*p = '\0';
}

int64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write v as n decimal digits, zero-padded. */
static char *digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

void time_format_iso(int64_t usec, char out[32])
{
	/* Every token body carries two of these: the civil date by Howard
	 * Hinnant's days-to-date arithmetic, not gmtime_r + strftime +
	 * snprintf. Years 1970-9999 only; others (never a token's) take
	 * libc's path. */
	if (usec >= 0 && usec < INT64_C(253402300800) * 1000000) {
		int64_t secs = usec / 1000000, z = secs / 86400 + 719468;
		unsigned sod = (unsigned)(secs % 86400);
		unsigned era = (unsigned)(z / 146097), doe = (unsigned)(z - (int64_t)era * 146097);
		unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
		unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
		unsigned y = yoe + era * 400 + (m <= 2);
		char *p = out;

		p = digits(p, y, 4);
		*p++ = '-';
		p = digits(p, m, 2);
		*p++ = '-';
		p = digits(p, d, 2);
		*p++ = 'T';
		p = digits(p, sod / 3600, 2);
		*p++ = ':';
		p = digits(p, sod / 60 % 60, 2);
		*p++ = ':';
		p = digits(p, sod % 60, 2);
		*p++ = '.';
		p = digits(p, (unsigned)(usec % 1000000), 6);
		*p++ = 'Z';
		*p = '\0';
		return;
	}
	time_t secs = (time_t)(usec / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 13, ".%06dZ", (int)(usec % 1000000));
}

void time_format_iso_sec(int64_t usec, char out[32])
{
	time_t secs = (time_t)(usec / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int time_parse_iso(const char *s, int64_t *usec)
{
	struct tm tm = { 0 };
	const char *p;
	int64_t frac = 0, off = 0;
	int digits = 0;

	if (!s)
		return -EINVAL;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p || strlen(s) < 19)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 6)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -EINVAL;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		unsigned hh, mm;
		int n = 0;
		if (sscanf(p + 1, "%2u:%2u%n", &hh, &mm, &n) != 2 || n != 5 || hh > 23 || mm > 59)
			return -EINVAL;
		off = ((int64_t)hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	}
	if (*p)
		return -EINVAL;
	*usec = ((int64_t)timegm(&tm) - off) * 1000000 + frac;
	return 0;
}

bool secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char ha[32], hb[32];

	/* Compare fixed-size digests so neither content nor length leaks
	 * through timing. */
	crypto_generichash(ha, sizeof(ha), (const unsigned char *)a, la, NULL, 0);
	crypto_generichash(hb, sizeof(hb), (const unsigned char *)b, lb, NULL, 0);
	return sodium_memcmp(ha, hb, sizeof(ha)) == 0;
}

int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

bool regex_valid(const char *s)
{
	regex_t re;

	if (regcomp(&re, s, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	regfree(&re);
	return true;
}

void hostname_of(const char *name, const char *id, char out[64])
{
	size_t n = 0, i, start = 0;

	for (i = 0; name[i] && i < 63; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == ' ' || c == '_' || c == '.')
			out[n++] = '-';
		else if (isalnum(c) || c == '-')
			out[n++] = (char)tolower(c);
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	while (start < n && out[start] == '-')
		start++;
	memmove(out, out + start, n - start);
	out[n - start] = '\0';
	if (!out[0])
		snprintf(out, 64, "Server-%s", id);
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, r = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

int file_write_atomic(const char *path, const void *buf, size_t len, unsigned mode)
{
	char tmp[4096];
	const char *p = buf;
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return fsync_dir_of(path);
fail:
	close(fd);
	unlink(tmp);
	return r;
}

int mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
