/* consumer.c - the oauth1_consumer table (OS-OAUTH1 consumers): every
 * statement on it and its policy checks (admin only, Keystone's
 * admin_required). A consumer's secret is made here, handed out once, and
 * only its hash is kept: it is 128 random bits, so a fast unkeyed
 * BLAKE2b is enough (no dictionary to slow down). */
#include <errno.h>
#include <sodium.h>

#include "core/util.h"
#include "identity/identity.h"
#include "policy/policy.h"
#include "store/store.h"

static int each_row(struct store_stmt *q, int r, consumer_fn fn, void *ctx, int *n)
{
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		struct consumer co = { store_text(q, 0), store_text(q, 1) };
		if ((r = fn(ctx, &co)) < 0)
			break;
		if (n)
			(*n)++;
	}
	store_done(q);
	return r;
}

int consumer_list(struct store *st, const struct caller *c, consumer_fn fn, void *ctx)
{
	struct store_stmt *q = NULL;
	int r = policy_check(c, "identity:list_consumers", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT id, description FROM oauth1_consumer ORDER BY id", "");
	return each_row(q, r, fn, ctx, NULL);
}

int consumer_get(struct store *st, const struct caller *c, const char *id, consumer_fn fn,
		 void *ctx)
{
	struct store_stmt *q = NULL;
	int n = 0, r = policy_check(c, "identity:get_consumer", NULL);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT id, description FROM oauth1_consumer WHERE id = ?", "s",
			id);
	r = each_row(q, r, fn, ctx, &n);
	return r < 0 ? r : n ? 0 : -ENOENT;
}

int consumer_create(struct store *st, const struct caller *c, const char *description,
		    char *id_out, char secret_out[33])
{
	unsigned char h[32];
	char hex[65];
	int r = policy_check(c, "identity:create_consumer", NULL);

	if (r < 0)
		return r;
	id_new(id_out);
	id_new(secret_out);
	crypto_generichash(h, sizeof(h), (const unsigned char *)secret_out, ID_HEX_LEN, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	r = store_exec(st,
		       "INSERT INTO oauth1_consumer (id, description, secret_hash, revision)"
		       " VALUES (?, ?, ?, ?)",
		       "sssi", id_out, description, hex, store_txn_revision(st));
	if (r < 0)
		sodium_memzero(secret_out, 33);
	return r < 0 ? r : 0;
}

int consumer_update(struct store *st, const struct caller *c, const char *id,
		    const char *description)
{
	int r = policy_check(c, "identity:update_consumer", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "UPDATE oauth1_consumer SET description = ?, revision = ? WHERE id = ?",
		       "sis", description, store_txn_revision(st), id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int consumer_delete(struct store *st, const struct caller *c, const char *id)
{
	int r = policy_check(c, "identity:delete_consumer", NULL);

	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM oauth1_consumer WHERE id = ?", "s", id);
	return r < 0 ? r : r == 0 ? -ENOENT : 0;
}
