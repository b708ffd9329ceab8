/* rows.c - what the identity table modules share: the mechanics of "is
 * there a row" and "the first column of the first row". Each SQL string
 * stays in the module that owns its table. */
#include <stdarg.h>
#include <stdio.h>

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
