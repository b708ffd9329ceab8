/* revoke.c - the revocation index: the store's revocation events hashed by
 * the fields each names, so checking a token costs a few hash lookups
 * whatever the number of events; and their pruning from the store.
 *
 * An event names any subset of (user, project, domain, audit id) and
 * revokes every token issued before its issued_before that matches every
 * field it names (revocation_matches, the reference). Events are grouped
 * by that subset (their "shape", 4 bits); within a shape, the values of
 * the named fields are the key and the latest issued_before is kept. A
 * token can match a shape only through the few values it holds for each
 * field (one user, one project, up to three domains, up to two audit
 * ids), so the check looks up each combination in each shape present. */
#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "identity/identity.h"
#include "store/store.h"

enum { F_USER = 1, F_PROJECT = 2, F_DOMAIN = 4, F_AUDIT = 8, NSHAPES = 16 };

/* The longest key: the shape byte and four length-prefixed fields. */
#define KEY_MAX (1 + 4 * 256)

struct rev_slot {
	char *key; /* NULL: empty */
	size_t keylen;
	uint64_t hash;
	int64_t issued_before;
};

struct revocation_index {
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	struct rev_slot *slots;
	size_t mask;		/* slots - 1 (a power of two minus one) */
	size_t nkeys;		/* distinct keys */
	size_t nevents;		/* events indexed */
	uint16_t shapes;	/* bit s: some event of shape s (s > 0) */
	int64_t all_before;	/* latest issued_before of events naming nothing */
	int64_t latest_before;	/* latest issued_before of any event */
};

bool revocation_matches(const struct revocation *e, const struct token *t)
{
	if (t->issued_at >= e->issued_before)
		return false;
	if (e->user_id && strcmp(e->user_id, t->user_id) != 0)
		return false;
	if (e->project_id &&
	    !(t->scope == SCOPE_PROJECT && strcmp(e->project_id, t->scope_id) == 0))
		return false;
	if (e->domain_id && strcmp(e->domain_id, t->user_domain_id) != 0 &&
	    !(t->scope_domain_id && strcmp(e->domain_id, t->scope_domain_id) == 0) &&
	    !(t->scope == SCOPE_DOMAIN && strcmp(e->domain_id, t->scope_id) == 0))
		return false;
	if (e->audit_id && strcmp(e->audit_id, t->audit_id) != 0 &&
	    strcmp(e->audit_id, t->parent_audit_id) != 0)
		return false;
	return true;
}

/* Append field s (length-prefixed) to key at *len. False when it is longer
 * than any token field can be (255 bytes): such an event matches nothing. */
static bool key_put(char *key, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n > 255)
		return false;
	key[(*len)++] = (char)n;
	memcpy(key + *len, s, n);
	*len += n;
	return true;
}

/* The key of the values f (in field order) under shape. */
static bool key_make(char *key, size_t *len, unsigned shape, const char *const f[4])
{
	*len = 0;
	key[(*len)++] = (char)shape;
	for (int i = 0; i < 4; i++)
		if ((shape & (1u << i)) && !key_put(key, len, f[i]))
			return false;
	return true;
}

static uint64_t key_hash(const struct revocation_index *idx, const char *key, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)key, len, idx->hash_key);
	memcpy(&h, out, sizeof(h));
	return h;
}

static struct rev_slot *slot_find(const struct revocation_index *idx, const char *key,
				  size_t len, uint64_t h)
{
	for (size_t i = h & idx->mask;; i = (i + 1) & idx->mask) {
		struct rev_slot *s = &idx->slots[i];
		if (!s->key || (s->hash == h && s->keylen == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

/* Double the table: every key rehomed by its stored hash. */
static int grow(struct revocation_index *idx)
{
	size_t cap = (idx->mask + 1) * 2;
	struct rev_slot *old = idx->slots, *slots = calloc(cap, sizeof(*slots));
	size_t oldcap = idx->mask + 1;

	if (!slots)
		return -ENOMEM;
	idx->slots = slots;
	idx->mask = cap - 1;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*slot_find(idx, old[i].key, old[i].keylen, old[i].hash) = old[i];
	free(old);
	return 0;
}

/* Out of memory half-way: the index no longer holds every event, so it
 * refuses every token (an event naming nothing, issued at the end of
 * time) until it is rebuilt. */
static int fail_closed(struct revocation_index *idx)
{
	idx->all_before = idx->latest_before = INT64_MAX;
	return -ENOMEM;
}

int revocation_index_add(struct revocation_index *idx, const struct revocation *ev, size_t n)
{
	char key[KEY_MAX];

	for (size_t i = 0; i < n; i++) {
		const struct revocation *e = &ev[i];
		const char *f[4] = { e->user_id, e->project_id, e->domain_id, e->audit_id };
		unsigned shape = 0;
		size_t len;

		for (int k = 0; k < 4; k++)
			if (f[k])
				shape |= 1u << k;
		if (e->issued_before > idx->latest_before)
			idx->latest_before = e->issued_before;
		idx->nevents++;
		if (shape == 0) {
			if (e->issued_before > idx->all_before)
				idx->all_before = e->issued_before;
			continue;
		}
		if (!key_make(key, &len, shape, f))
			continue;
		/* At most half full, so a probe ends soon. */
		if ((idx->nkeys + 1) * 2 > idx->mask + 1 && grow(idx) < 0)
			return fail_closed(idx);
		uint64_t h = key_hash(idx, key, len);
		struct rev_slot *s = slot_find(idx, key, len, h);
		if (s->key) {
			if (e->issued_before > s->issued_before)
				s->issued_before = e->issued_before;
			continue;
		}
		s->key = malloc(len);
		if (!s->key)
			return fail_closed(idx);
		memcpy(s->key, key, len);
		s->keylen = len;
		s->hash = h;
		s->issued_before = e->issued_before;
		idx->nkeys++;
		idx->shapes |= (uint16_t)(1u << shape);
	}
	return 0;
}

int revocation_index_build(const struct revocation *ev, size_t n, struct revocation_index **out)
{
	struct revocation_index *idx = calloc(1, sizeof(*idx));
	size_t cap = 16;

	if (!idx)
		return -ENOMEM;
	while (cap < n * 2)
		cap *= 2;
	idx->slots = calloc(cap, sizeof(*idx->slots));
	if (!idx->slots) {
		free(idx);
		return -ENOMEM;
	}
	idx->mask = cap - 1;
	idx->all_before = idx->latest_before = INT64_MIN;
	crypto_shorthash_keygen(idx->hash_key);
	if (revocation_index_add(idx, ev, n) < 0) {
		revocation_index_free(idx);
		return -ENOMEM;
	}
	*out = idx;
	return 0;
}

void revocation_index_free(struct revocation_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i <= idx->mask; i++)
		free(idx->slots[i].key);
	free(idx->slots);
	free(idx);
}

size_t revocation_index_count(const struct revocation_index *idx)
{
	return idx ? idx->nevents : 0;
}

/* Add s to the candidate list c (of n) unless it is there already. */
static void cand_add(const char **c, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(c[i], s) == 0)
			return;
	c[(*n)++] = s;
}

bool revocation_index_revoked(const struct revocation_index *idx, const struct token *t)
{
	const char *cand[4][3];
	int ncand[4] = { 0 };
	char key[KEY_MAX];

	if (!idx || t->issued_at >= idx->latest_before)
		return false; /* issued after every event */
	if (t->issued_at < idx->all_before)
		return true;
	/* The values of t each field of an event can equal (see
	 * revocation_matches). */
	cand_add(cand[0], &ncand[0], t->user_id);
	if (t->scope == SCOPE_PROJECT)
		cand_add(cand[1], &ncand[1], t->scope_id);
	cand_add(cand[2], &ncand[2], t->user_domain_id);
	if (t->scope_domain_id)
		cand_add(cand[2], &ncand[2], t->scope_domain_id);
	if (t->scope == SCOPE_DOMAIN)
		cand_add(cand[2], &ncand[2], t->scope_id);
	cand_add(cand[3], &ncand[3], t->audit_id);
	cand_add(cand[3], &ncand[3], t->parent_audit_id);

	for (unsigned shape = 1; shape < NSHAPES; shape++) {
		int pick[4] = { 0 }, k;

		if (!(idx->shapes & (1u << shape)))
			continue;
		for (k = 0; k < 4; k++)
			if ((shape & (1u << k)) && ncand[k] == 0)
				break;
		if (k < 4)
			continue; /* a field t has no value for */
		/* Every combination of the named fields' candidates. */
		for (;;) {
			const char *f[4];
			size_t len;
			for (k = 0; k < 4; k++)
				f[k] = (shape & (1u << k)) ? cand[k][pick[k]] : NULL;
			if (key_make(key, &len, shape, f)) {
				const struct rev_slot *s =
				    slot_find(idx, key, len, key_hash(idx, key, len));
				if (s->key && t->issued_at < s->issued_before)
					return true;
			}
			for (k = 0; k < 4; k++) {
				if (!(shape & (1u << k)))
					continue;
				if (++pick[k] < ncand[k])
					break;
				pick[k] = 0;
			}
			if (k == 4)
				break;
		}
	}
	return false;
}

/* The all-NULL event standing for every event pruned: it revokes whatever
 * was issued before the last prune point, so a token that outlives the
 * prune horizon (issued under a longer token_expiration, by another
 * controller or before a restart) is refused rather than let through
 * because the event that revoked it is gone. */
#define PRUNED_ID "pruned"

int revocation_prune(struct store *st, int64_t before)
{
	int r, n;

	n = store_exec(st,
		       "DELETE FROM revocation_event WHERE issued_before <= ? AND id <> '" PRUNED_ID
		       "'",
		       "i", before);
	if (n <= 0)
		return n;
	r = store_exec(st,
		       "UPDATE revocation_event SET issued_before = ?, revision = ?"
		       " WHERE id = '" PRUNED_ID "' AND issued_before < ?",
		       "iii", before, store_txn_revision(st), before);
	if (r < 0)
		return r;
	if (r == 0)
		r = store_exec(st,
			       "INSERT INTO revocation_event (id, issued_before, revision)"
			       " SELECT '" PRUNED_ID "', ?, ? WHERE NOT EXISTS"
			       " (SELECT 1 FROM revocation_event WHERE id = '" PRUNED_ID "')",
			       "ii", before, store_txn_revision(st));
	return r < 0 ? r : n;
}
