/* controllers.c - the controllers an agent talks to: [agent]
 * controller_url is one URL (a load balancer's, usually) or a list of
 * them; a call that cannot reach the current one (connection refused,
 * timeout) or gets a 5xx moves on to the next, and after FAILBACK_USEC
 * away the agent tries the first again, so load comes back to where the
 * operator listed it first once that controller is up. Shared by the
 * agent's threads: the index is an atomic, the URLs never change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/log.h"
#include "core/util.h"

void controllers_free(struct controllers *cs)
{
	for (int i = 0; i < cs->n; i++)
		free(cs->url[i]);
	cs->n = 0;
}

int controllers_parse(const char *list, struct controllers *cs)
{
	const char *p = list ? list : "";

	memset(cs, 0, sizeof(*cs));
	while (*p) {
		size_t len = strcspn(p, ", \t");
		if (len > 0) {
			if (cs->n == CONTROLLERS_MAX ||
			    (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0)) {
				controllers_free(cs);
				return -EINVAL;
			}
			while (len > 0 && p[len - 1] == '/')
				len--;
			if (!(cs->url[cs->n] = strndup(p, len))) {
				controllers_free(cs);
				return -ENOMEM;
			}
			cs->n++;
			p += strcspn(p, ", \t");
		}
		p += strspn(p, ", \t");
	}
	return cs->n > 0 ? 0 : -EINVAL;
}

const char *controllers_pick(struct controllers *cs, int64_t now, int *idx)
{
	int i = atomic_load(&cs->cur);

	/* Away from the first one long enough: try it again (a failure
	 * moves on at once, so a controller still down costs one call). */
	if (i != 0 && now >= atomic_load(&cs->failback_at)) {
		int want = i;
		if (atomic_compare_exchange_strong(&cs->cur, &want, 0))
			log_info("agent: trying the first controller %s again", cs->url[0]);
		i = atomic_load(&cs->cur);
	}
	*idx = i;
	return cs->url[i];
}

void controllers_failed(struct controllers *cs, int idx, int64_t now, const char *why)
{
	int want = idx, next = (idx + 1) % cs->n;

	if (cs->n < 2)
		return;
	/* Only the first thread to see idx fail moves the index: two
	 * threads failing on one controller must not skip the next. */
	if (!atomic_compare_exchange_strong(&cs->cur, &want, next))
		return;
	if (next != 0)
		atomic_store(&cs->failback_at, now + CONTROLLERS_FAILBACK_USEC);
	log_warn("agent: controller %s failed (%s): moving to %s", cs->url[idx], why,
		 cs->url[next]);
}

bool controllers_should_move(int r, long status)
{
	return r < 0 ? r != -ENOMEM && r != -EACCES : status >= 500 && status <= 599;
}
