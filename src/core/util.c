/* util.c - small helpers shared by every layer: ids, time, strings. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

void request_id_new(char out[41])
{
	char uuid[UUID_LEN + 1];

	uuid_new(uuid);
	snprintf(out, 41, "req-%s", uuid);
}

int64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_format_iso(int64_t usec, char out[32])
{
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
