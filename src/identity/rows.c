/* rows.c - what the identity table modules share: the mechanics of "is
 * there a row" and "the first column of the first row". Each SQL string
 * stays in the module that owns its table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/identity.h"
#include "store/store.h"

int rows_first(struct store *st, char *out, size_t outlen, const char *sql, const char *fmt, ...)
{
	struct store_stmt *q = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = store_vquery(st, &q, sql, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && out)
		snprintf(out, outlen, "%s", store_text(q, 0) ? store_text(q, 0) : "");
	store_done(q);
	return r;
}

int rows_each(struct store *st, int (*fn)(void *ctx, const char *value), void *ctx,
	      const char *sql, const char *fmt, ...)
{
	struct store_stmt *q = NULL;
	char **vals = NULL;
	int n = 0, r;
	va_list ap;

	va_start(ap, fmt);
	r = store_vquery(st, &q, sql, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		char **nv = realloc(vals, sizeof(*vals) * (size_t)(n + 1));
		if (!nv || !(nv[n] = strdup(store_text(q, 0) ? store_text(q, 0) : ""))) {
			vals = nv ? nv : vals;
			r = -ENOMEM;
			break;
		}
		vals = nv;
		n++;
	}
	store_done(q);
	for (int i = 0; i < n; i++) {
		if (r >= 0)
			r = fn(ctx, vals[i]);
		free(vals[i]);
	}
	free(vals);
	return r < 0 ? r : 0;
}
