/* console.c - the console tail the controller keeps per server: agents
 * send what the guest printed as deltas by byte offset in its console log
 * (docs/agent-protocol.md, "Console"), and the controller keeps the last
 * CONSOLE_TAIL_MAX bytes, like Nova keeps the last part of the log. Pure:
 * the store's columns in, the new ones out. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compute/compute.h"

int console_merge(const char *tail, int64_t end, int64_t off, const char *data, size_t len,
		  bool reset, char **out, int64_t *out_end)
{
	size_t tl = tail ? strlen(tail) : 0, keep, n;
	char *t;

	*out = NULL;
	*out_end = end;
	if (off < 0 || end < 0 || len > (size_t)INT64_MAX || off > INT64_MAX - (int64_t)len)
		return -EINVAL;
	if (!reset && off + (int64_t)len <= end)
		return 0; /* taken before (an agent that restarted, a retry) */
	*out_end = off + (int64_t)len;
	if (reset || off > end) {
		tl = 0; /* a new log, or a gap: the old tail no longer leads here */
	} else {
		size_t skip = (size_t)(end - off); /* the part already taken */
		data += skip;
		len -= skip;
	}
	if (len >= CONSOLE_TAIL_MAX) {
		data += len - CONSOLE_TAIL_MAX;
		len = CONSOLE_TAIL_MAX;
	}
	/* The last CONSOLE_TAIL_MAX bytes of the old tail followed by data. */
	keep = tl + len > CONSOLE_TAIL_MAX ? CONSOLE_TAIL_MAX - len : tl;
	n = keep + len;
	t = malloc(n + 1);
	if (!t)
		return -ENOMEM;
	if (keep)
		memcpy(t, tail + tl - keep, keep);
	memcpy(t + keep, data, len);
	t[n] = '\0';
	*out = t;
	return 1;
}
