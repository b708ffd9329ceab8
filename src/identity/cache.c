/* cache.c - the identity cache: token keys, revocation events and the
 * catalog, read without touching the store on the validation hot path,
 * and loaded again (all three from the store) within a second of a write
 * on any controller. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"

#define REFRESH_INTERVAL_USEC 1000000

static void revs_free(struct revocation *revs, int n)
{
	for (int i = 0; i < n; i++) {
		free(revs[i].user_id);
		free(revs[i].project_id);
		free(revs[i].domain_id);
		free(revs[i].audit_id);
	}
	free(revs);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Keystone's [revoke] expiration_buffer: events are kept this long past
 * the token lifetime before they are pruned. */
#define PRUNE_BUFFER_USEC  (1800LL * 1000000)
#define PRUNE_INTERVAL_USEC (60LL * 1000000)
/* A pruning controller keeps the job this long after its last prune: a
 * live one prunes again first, a dead one's turn passes to another. */
#define PRUNE_LEASE_USEC (3 * PRUNE_INTERVAL_USEC / 2)

/* The prune point: no token issued before it is alive under this
 * controller's token_expiration (plus the buffer). */
static int64_t prune_horizon(const struct basalt *b)
{
	return now_usec() - (int64_t)b->cfg.token_expiration * 1000000 - PRUNE_BUFFER_USEC;
}

/* The events of the store as the cache holds them: every one (pruning
 * keeps them few, and an event older than this controller's lifetime
 * still matters to a token issued under a longer one). Events are only
 * ever inserted, except by revocation_prune, which deletes and updates
 * its sentinel: so when the store holds exactly the events loaded plus
 * those of later revisions, those are added to the index in place (a few
 * under the write lock) instead of reloading all of them on every write. */
struct revs_delta {
	struct revocation *rows;
	int n;
	int64_t count, maxrev; /* the store's, in the same snapshot */
	int64_t min_before;    /* the oldest issued_before of rows (not the sentinel) */
	struct revocation_index *full; /* a whole new index, or NULL: add rows */
};

/* Read the events of revision > since into d->rows. */
static int revs_read(struct store *st, int64_t since, struct revs_delta *d)
{
	struct store_stmt *q;
	int cap = 0, r;

	d->min_before = INT64_MAX;
	r = store_query(st, &q,
			"SELECT user_id, project_id, domain_id, audit_id, issued_before, id"
			" FROM revocation_event WHERE revision > ?",
			"i", since);
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (d->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct revocation *nr = realloc(d->rows, sizeof(*nr) * (size_t)cap);
			if (!nr) {
				r = -ENOMEM;
				break;
			}
			d->rows = nr;
		}
		d->rows[d->n] = (struct revocation){
			.user_id = dup_or_null(store_text(q, 0)),
			.project_id = dup_or_null(store_text(q, 1)),
			.domain_id = dup_or_null(store_text(q, 2)),
			.audit_id = dup_or_null(store_text(q, 3)),
			.issued_before = store_int(q, 4),
		};
		if (strcmp(store_text(q, 5), "pruned") != 0 &&
		    d->rows[d->n].issued_before < d->min_before)
			d->min_before = d->rows[d->n].issued_before;
		d->n++;
	}
	store_done(q);
	return r;
}

/* What changed since the cache's index (c->revs, c->revs_count,
 * c->revs_rev), read in st's open read transaction. */
static int revs_load(const struct identity_cache *c, struct store *st, struct revs_delta *d)
{
	struct store_stmt *q;
	int r;

	r = store_query(st, &q,
			"SELECT COUNT(*), COALESCE(MAX(revision), -1) FROM revocation_event", "");
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		d->count = store_int(q, 0);
		d->maxrev = store_int(q, 1);
	}
	store_done(q);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	if (c->revs) {
		r = revs_read(st, c->revs_rev, d);
		if (r < 0 || c->revs_count + d->n == d->count)
			return r;
		revs_free(d->rows, d->n); /* some were deleted or changed */
		d->rows = NULL;
		d->n = 0;
	}
	r = revs_read(st, INT64_MIN, d);
	if (r == 0)
		r = revocation_index_build(d->rows, (size_t)d->n, &d->full);
	return r;
}

/* Publish d under the write lock. */
static void revs_apply(struct identity_cache *c, struct revs_delta *d)
{
	c->revs_count = d->count;
	c->revs_rev = d->maxrev;
	if (d->full) {
		revocation_index_free(c->revs);
		c->revs = d->full;
		d->full = NULL;
		c->revs_min_before = d->min_before;
		return;
	}
	if (revocation_index_add(c->revs, d->rows, (size_t)d->n) < 0)
		c->revs_count = -1; /* it refuses every token now: rebuild it */
	if (d->min_before < c->revs_min_before)
		c->revs_min_before = d->min_before;
}

/* Delete the events no live token can match, in a write transaction of
 * its own (the refresh's read has ended). A failure waits for the next
 * interval: the events stay, and are still checked. With several
 * controllers on one store, the one that holds the lease "revocation-
 * prune" prunes (store/lease.c); the others skip their turn. */
static void revs_prune(struct basalt *b, struct store *st)
{
	char holder[300];
	int r = store_begin_write(st);

	store_lease_holder(b->cfg.host, holder, sizeof(holder));
	if (r == 0) {
		r = store_lease_take(st, "revocation-prune", holder, now_usec(), PRUNE_LEASE_USEC);
		if (r == 0) {
			store_rollback(st);
			log_debug("identity: another controller prunes the revocation events");
			return;
		}
		if (r > 0)
			r = revocation_prune(st, prune_horizon(b));
		if (r >= 0) {
			int c = store_commit(st);
			if (c < 0)
				r = c;
		} else {
			store_rollback(st);
		}
	}
	if (r < 0)
		log_warn("identity: cannot prune revocation events: %s", strerror(-r));
	else
		log_info("identity: pruned %d revocation events", r);
}

/* Reload what changed. Serialised by refresh_lock; readers keep going
 * under the read lock until the swap. */
static int refresh(struct basalt *b)
{
	struct identity_cache *c = &b->idc;
	struct store *st = basalt_store(b);
	struct revs_delta revs = { 0 };
	struct key_ring ring;
	struct token_catalogs *catalogs = NULL;
	int64_t rev;
	int r;
	bool have_keys = false;

	if (!st)
		return -EIO;
	if (store_in_txn(st)) /* a caller bug: it would read its own snapshot */
		return -EDEADLK;
	r = store_begin_read(st);
	if (r < 0)
		goto out;
	r = store_revision(st, &rev);
	if (r == 0 && rev != c->revision) {
		/* The token keys too: a rotation on any controller is a
		 * write (key_store.c), seen here within a refresh. */
		int k = key_store_load(b, st, KEY_KIND_TOKEN, &ring);
		if (k < 0)
			log_error("identity: cannot load the token keys: %s", strerror(-k));
		have_keys = k == 0;
		r = revs_load(c, st, &revs);
		if (r == 0)
			r = token_catalogs_load(st, &catalogs);
	}
	store_rollback(st);
	if (r < 0)
		goto out;

	pthread_rwlock_wrlock(&c->lock);
	if (have_keys)
		c->ring = ring;
	if (catalogs) {
		revs_apply(c, &revs);
		token_catalogs_free(c->catalogs);
		c->catalogs = catalogs;
		catalogs = NULL;
		c->revision = rev;
	}
	pthread_rwlock_unlock(&c->lock);
	if (c->revs_min_before <= prune_horizon(b) && now_usec() >= c->next_prune) {
		c->next_prune = now_usec() + PRUNE_INTERVAL_USEC;
		revs_prune(b, st);
	}
out:
	sodium_memzero(&ring, sizeof(ring));
	revocation_index_free(revs.full);
	revs_free(revs.rows, revs.n);
	token_catalogs_free(catalogs);
	return r;
}

int identity_cache_init(struct basalt *b)
{
	struct identity_cache *c = &b->idc;
	int r;

	pthread_rwlock_init(&c->lock, NULL);
	pthread_mutex_init(&c->refresh_lock, NULL);
	c->revision = -1;
	r = refresh(b);
	if (r < 0)
		return r;
	if (c->ring.keys.n == 0) {
		log_error("identity: no token keys (run 'basaltd bootstrap'; every controller needs"
			  " the secret key file %s of the first)",
			  b->secret_key_file);
		return -ENOKEY;
	}
	c->next_refresh = now_usec() + REFRESH_INTERVAL_USEC;
	return 0;
}

void identity_cache_fini(struct basalt *b)
{
	struct identity_cache *c = &b->idc;

	revocation_index_free(c->revs);
	c->revs = NULL;
	token_catalogs_free(c->catalogs);
	c->catalogs = NULL;
	sodium_memzero(&c->ring, sizeof(c->ring));
}

void identity_cache_refresh(struct basalt *b)
{
	struct identity_cache *c = &b->idc;
	int64_t now = now_usec();

	if (now < atomic_load(&c->next_refresh))
		return;
	/* One thread refreshes; the others go on with the current state. A
	 * forced refresh (next_refresh 0) waits so the caller sees its own
	 * write. */
	if (atomic_load(&c->next_refresh) == 0)
		pthread_mutex_lock(&c->refresh_lock);
	else if (pthread_mutex_trylock(&c->refresh_lock) != 0)
		return;
	if (now_usec() >= atomic_load(&c->next_refresh)) {
		atomic_store(&c->next_refresh, now + REFRESH_INTERVAL_USEC);
		if (refresh(b) < 0) {
			log_warn("identity: cache refresh failed; retrying");
			atomic_store(&c->next_refresh, 0);
		}
	}
	pthread_mutex_unlock(&c->refresh_lock);
}

void identity_cache_invalidate(struct basalt *b)
{
	atomic_store(&b->idc.next_refresh, 0);
}

int identity_validate(struct basalt *b, const char *s, struct token *t)
{
	struct identity_cache *c = &b->idc;
	int r;

	identity_cache_refresh(b);
	pthread_rwlock_rdlock(&c->lock);
	r = token_decode(&c->ring.keys, s, t);
	if (r == 0 && t->expires_at <= now_usec())
		r = -EINVAL;
	if (r == 0 && revocation_index_revoked(c->revs, t))
		r = -EINVAL;
	pthread_rwlock_unlock(&c->lock);
	return r;
}

int identity_encode(struct basalt *b, const struct token *t, char *out, size_t outlen)
{
	struct identity_cache *c = &b->idc;
	int r;

	identity_cache_refresh(b);
	pthread_rwlock_rdlock(&c->lock);
	r = token_encode_key(key_ring_signer(&c->ring, now_usec()), t, out, outlen);
	pthread_rwlock_unlock(&c->lock);
	return r;
}

json_t *identity_catalog(struct basalt *b, const char *project_id)
{
	struct identity_cache *c = &b->idc;
	json_t *cat;

	identity_cache_refresh(b);
	pthread_rwlock_rdlock(&c->lock);
	cat = json_incref(token_catalogs_json(c->catalogs, project_id));
	pthread_rwlock_unlock(&c->lock);
	return cat;
}

int identity_revoke(struct store *st, const char *user_id, const char *project_id,
		    const char *domain_id, const char *audit_id)
{
	char id[ID_HEX_LEN + 1];

	id_new(id);
	/* +1: tokens issued in this very microsecond are revoked too. */
	return store_exec(st,
			  "INSERT INTO revocation_event (id, user_id, project_id, domain_id,"
			  " audit_id, issued_before, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
			  "sssssii", id, user_id, project_id, domain_id, audit_id, now_usec() + 1,
			  store_txn_revision(st));
}

char *identity_token_text(struct basalt *b, const struct token *t, bool with_catalog)
{
	struct identity_cache *c = &b->idc;
	const char *cat;
	size_t cat_len;
	char *text;

	if (!with_catalog)
		return token_body_text(t, NULL, 0);
	identity_cache_refresh(b);
	pthread_rwlock_rdlock(&c->lock);
	cat = token_catalogs_text(c->catalogs, t->scope == SCOPE_PROJECT ? t->scope_id : NULL,
				 &cat_len);
	text = token_body_text(t, cat, cat_len);
	pthread_rwlock_unlock(&c->lock);
	return text;
}
