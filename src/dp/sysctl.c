/* sysctl.c - network sysctls of a namespace, written under /proc/sys from
 * a thread inside it (/proc/sys/net shows the opener's namespace). */
#include "dp/dp.h"
#include "dp/internal.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sysctl_write {
	const char *path, *value;
};

static int sysctl_write_here(void *arg)
{
	const struct sysctl_write *w = arg;
	char path[512];
	size_t len = strlen(w->value);
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", w->path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, w->value, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

int dp_sysctl(const char *ns, const char *path, const char *value)
{
	struct sysctl_write w = { .path = path, .value = value };
	int r;

	if (!path || !*path || path[0] == '/' || strstr(path, "..") || strlen(path) > 400 ||
	    !value) {
		log_error("sysctl %s in %s: invalid path or value", path ? path : "(null)",
			  dp_ns_label(ns));
		return -EINVAL;
	}
	r = dp_netns_run(ns, sysctl_write_here, &w);
	if (r < 0)
		log_error("sysctl %s=%s in %s: %s", path, value, dp_ns_label(ns), strerror(-r));
	return r;
}
