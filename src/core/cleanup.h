/* cleanup.h - scope-bound cleanup helpers (__attribute__((cleanup))).
 * Declare with _cleanup_free_ char *s = NULL; and early returns never leak. */
#ifndef BASALT_CLEANUP_H
#define BASALT_CLEANUP_H

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void json_unrefp(json_t **p)
{
	json_decref(*p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_	__attribute__((cleanup(freep)))
#define _cleanup_json_	__attribute__((cleanup(json_unrefp)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Hand ownership out of a cleanup-managed variable. */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) _tmp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tmp;                                                                              \
	})

#endif
