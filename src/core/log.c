/* log.c - leveled logging to stderr, one line per event. */
#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

static atomic_int min_level = LOG_INFO;
static char node[64];

static const char *const level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR" };

void log_set_level(enum log_level level)
{
	atomic_store(&min_level, (int)level);
}

void log_set_node(const char *name)
{
	snprintf(node, sizeof(node), "%s", name ? name : "");
}

int log_level_parse(const char *s, enum log_level *out)
{
	static const char *const names[] = { "debug", "info", "warning", "error" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	char line[2048];
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ld %s %s%s", stamp, ts.tv_nsec / 1000000,
		     level_names[level], node, node[0] ? " " : "");
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line so concurrent threads never interleave. */
	fprintf(stderr, "%s\n", line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level < atomic_load(&min_level))
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
