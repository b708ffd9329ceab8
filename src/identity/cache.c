/* cache.c - the identity cache: token keys, revocation events and the
 * catalog, read without touching the store on the validation hot path. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The prune point: no token issued before it is alive under this
 * controller's token_expiration (plus the buffer). */
static int64_t prune_horizon(const struct basalt *b)
{
	return now_usec() - (int64_t)b->cfg.token_expiration * 1000000 - PRUNE_BUFFER_USEC;
}

/* Index every event in the store: pruning keeps them few, and an event
 * older than this controller's lifetime still matters to a token issued
 * under a longer one. *nold counts those revocation_prune would delete.
 * Caller owns *out. */
static int revs_load(struct basalt *b, struct store *st, struct revocation_index **out,
		     int *nold)
{
	int64_t horizon = prune_horizon(b);
	struct revocation *revs = NULL;
	struct store_stmt *q;
	int n = 0, cap = 0, r;

	*nold = 0;
	r = store_query(st, &q,
			"SELECT user_id, project_id, domain_id, audit_id, issued_before, id"
			" FROM revocation_event",
			"");
	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct revocation *nr = realloc(revs, sizeof(*revs) * (size_t)cap);
			if (!nr) {
				r = -ENOMEM;
				break;
			}
			revs = nr;
		}
		revs[n] = (struct revocation){
			.user_id = dup_or_null(store_text(q, 0)),
			.project_id = dup_or_null(store_text(q, 1)),
			.domain_id = dup_or_null(store_text(q, 2)),
			.audit_id = dup_or_null(store_text(q, 3)),
			.issued_before = store_int(q, 4),
		};
		if (revs[n].issued_before <= horizon && strcmp(store_text(q, 5), "pruned") != 0)
			(*nold)++;
		n++;
	}
	store_done(q);
	if (r == 0)
		r = revocation_index_build(revs, (size_t)n, out);
	revs_free(revs, n);
	return r;
}

/* Delete the events no live token can match, in a write transaction of
 * its own (the refresh's read has ended). A failure waits for the next
 * interval: the events stay, and are still checked. */
static void revs_prune(struct basalt *b, struct store *st)
{
	int r = store_begin_write(st);

	if (r == 0) {
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

static int64_t keys_dir_mtime(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) < 0)
		return -1;
	return (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

/* Reload what changed. Serialised by refresh_lock; readers keep going
 * under the read lock until the swap. */
static int refresh(struct basalt *b)
{
	struct identity_cache *c = &b->idc;
	struct store *st = basalt_store(b);
	struct revocation_index *revs = NULL;
	struct token_keys keys;
	struct token_catalogs *catalogs = NULL;
	int64_t rev, mtime;
	int nold = 0, r;
	bool have_keys = false;

	if (!st)
		return -EIO;
	if (store_in_txn(st)) /* a caller bug: it would read its own snapshot */
		return -EDEADLK;
	mtime = keys_dir_mtime(b->keys_dir);
	if (mtime != c->keys_mtime) {
		r = token_keys_load(b->keys_dir, &keys);
		if (r < 0)
			log_error("identity: cannot load token keys from %s: %s", b->keys_dir,
				  strerror(-r));
		else
			have_keys = true;
	}
	r = store_begin_read(st);
	if (r < 0)
		goto out;
	r = store_revision(st, &rev);
	if (r == 0 && rev != c->revision) {
		r = revs_load(b, st, &revs, &nold);
		if (r == 0)
			r = token_catalogs_load(st, &catalogs);
	}
	store_rollback(st);
	if (r < 0)
		goto out;

	pthread_rwlock_wrlock(&c->lock);
	if (have_keys) {
		c->keys = keys;
		c->keys_mtime = mtime;
	}
	if (catalogs) {
		revocation_index_free(c->revs);
		c->revs = revs;
		revs = NULL;
		token_catalogs_free(c->catalogs);
		c->catalogs = catalogs;
		catalogs = NULL;
		c->revision = rev;
	}
	pthread_rwlock_unlock(&c->lock);
	if (nold > 0 && now_usec() >= c->next_prune) {
		c->next_prune = now_usec() + PRUNE_INTERVAL_USEC;
		revs_prune(b, st);
	}
out:
	sodium_memzero(&keys, sizeof(keys));
	revocation_index_free(revs);
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
	c->keys_mtime = -1;
	r = refresh(b);
	if (r < 0)
		return r;
	if (c->keys.n == 0) {
		log_error("identity: no token keys in %s (run 'basaltd bootstrap')", b->keys_dir);
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
	sodium_memzero(&c->keys, sizeof(c->keys));
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
	r = token_decode(&c->keys, s, t);
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
	r = token_encode(&c->keys, t, out, outlen);
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
