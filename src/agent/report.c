/* report.c - the agent's reports, bounded and incremental
 * (docs/agent-protocol.md, "Report"). Each round the roles fill one full
 * report of what is (servers, ports, routers, floating IPs, gone); this
 * file sends only what the controller has not taken yet, in pages:
 *
 * - an entry goes when its signature (its own text plus the text of the
 *   desired entries with the same id) differs from the one the controller
 *   last took: a state the controller moved (an API action changes the
 *   desired entry) is sent again, an unchanged one never;
 * - a server's console goes as a delta from the offset the controller
 *   holds (the desired state's console_offset after a restart, then what
 *   it took), at most REPORT_CONSOLE_CHUNK bytes per server and round, so
 *   a noisy guest never holds back the others; a backlog longer than the
 *   controller's tail is skipped to its last CONSOLE_TAIL_MAX bytes; a log
 *   over CONSOLE_FILE_MAX on the host is cut to that tail first (the
 *   controller sees a new log and takes it again);
 * - pages hold at most page_max bytes ([agent] report_max_bytes), however
 *   many servers the node has;
 * - a page the controller refuses is logged with its answer and split
 *   (413 also halves page_max; a single server's console is retried in
 *   halves): the other entries still land, and the refused one is retried
 *   smaller, then again next round.
 *
 * With nothing new, a round sends nothing: an idle node's traffic is its
 * heartbeats (and the long poll's empty answers). All of it runs on the
 * poll thread only. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "http/client.h"

/* The smallest page budget and console delta that refusals shrink to. */
#define PAGE_MIN    2048
#define CONSOLE_MIN 256
/* What a page's envelope and an entry's members cost beyond their text. */
#define PAGE_OVERHEAD 128

/* The members of a report whose entries have an "id", in sending order. */
static const char *const members[] = { "servers", "ports", "routers", "floatingips" };

struct item {
	const char *member; /* one of members[], or "gone" */
	const json_t *entry;   /* borrowed from the round's report (a string for gone) */
	char key[160];	       /* member/id */
	char sig[33];
	bool state;	       /* the entry itself is news */
	/* The console delta (servers): [off, off + len) of the log. */
	bool console, reset;
	int64_t off;
	char *data;
	size_t len;
	int64_t size; /* the log's size when read */
};

static void sig_of(const char *a, const char *b, char out[33])
{
	unsigned char h[16];
	crypto_generichash_state s;

	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)a, strlen(a));
	crypto_generichash_update(&s, (const unsigned char *)"\n", 1);
	crypto_generichash_update(&s, (const unsigned char *)b, strlen(b));
	crypto_generichash_final(&s, h, sizeof(h));
	sodium_bin2hex(out, 33, h, sizeof(h));
}

/* The text of v without its console_offset (which moves outside the
 * etag and is no change of what is wanted). Owned. */
static char *entry_text(const json_t *v)
{
	if (json_is_object(v) && json_object_get(v, "console_offset")) {
		_cleanup_json_ json_t *c = json_copy((json_t *)v);
		if (!c)
			return NULL;
		json_object_del(c, "console_offset");
		return json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	}
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* index[id] += the text of every object of the desired document with that
 * "id" or "port_id" (servers, ports, DHCP ports, router legs, routers,
 * floating IPs). */
static void index_walk(const json_t *v, json_t *index)
{
	const char *k;
	const json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			index_walk(x, index);
		return;
	}
	if (!json_is_object(v))
		return;
	const char *ids[] = { json_str(v, "id"), json_str(v, "port_id") };
	for (size_t j = 0; j < 2; j++) {
		if (!ids[j])
			continue;
		_cleanup_free_ char *t = entry_text(v);
		const char *had = json_string_value(json_object_get(index, ids[j]));
		_cleanup_free_ char *both = NULL;
		if (t && asprintf(&both, "%s%s", had ? had : "", t) >= 0)
			json_object_set_new(index, ids[j], json_string(both));
	}
	json_object_foreach((json_t *)v, k, x)
		if (json_is_array(x) || json_is_object(x))
			index_walk(x, index);
}

/* Bytes s takes inside a JSON string. */
static size_t json_len(const char *s, size_t n)
{
	size_t out = n;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == '\\' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			out++;
	return out;
}

/* Where the controller's tail of server id ends: what it took from us,
 * else what the desired state says, else 0. */
static int64_t console_acked(struct agent *a, const json_t *desired_server, const char *id)
{
	const json_t *v = json_object_get(a->console_acked, id);

	if (json_is_integer(v))
		return json_integer_value(v);
	v = json_object_get(desired_server, "console_offset");
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Decide the console delta of a server (not read yet): from the
 * controller's offset, skipping what its tail would drop, starting over
 * when the log is shorter than what the controller holds. */
static void console_plan(struct agent *a, struct item *it, const json_t *desired_server,
			 const char *id)
{
	char *none = NULL;
	size_t n;
	int64_t size, off;

	if (!a->hv)
		return;
	/* A cut log is a new log, though it may still be longer than what
	 * the controller took of the old one: until the controller has taken
	 * it from its start, it holds "more" than the log has (a reset). */
	if (hv_console_trim(a->hv, id, CONSOLE_FILE_MAX, CONSOLE_TAIL_MAX) > 0) {
		log_info("agent: console of %s over %d bytes: cut to its last %d", id,
			 CONSOLE_FILE_MAX, CONSOLE_TAIL_MAX);
		json_object_set_new(a->console_acked, id, json_integer(INT64_MAX));
	}
	if (hv_console_read(a->hv, id, 0, 0, &none, &n, &size) < 0)
		return;
	free(none);
	off = console_acked(a, desired_server, id);
	it->size = size;
	if (size < off) {
		it->reset = true; /* a new log (the server was made again) */
		off = 0;
	}
	if (size - off > CONSOLE_TAIL_MAX)
		off = size - CONSOLE_TAIL_MAX;
	if (size > off || it->reset) {
		it->console = true;
		it->off = off;
	}
}

/* Read the item's delta, at most max bytes. */
static void console_load(struct agent *a, struct item *it, size_t max)
{
	const char *id = json_str(it->entry, "id");

	free(it->data);
	it->data = NULL;
	it->len = 0;
	if (hv_console_read(a->hv, id, it->off, max, &it->data, &it->len, &it->size) < 0) {
		it->console = it->reset; /* gone meanwhile: nothing to read */
		return;
	}
}

/* The entry as it goes into a page (owned). */
static json_t *item_json(const struct item *it)
{
	json_t *e;

	if (strcmp(it->member, "gone") == 0)
		return json_incref((json_t *)it->entry);
	e = json_copy((json_t *)it->entry);
	if (e && it->console && it->data)
		json_object_set_new(e, "console",
				    json_pack("{s:I,s:s%,s:b}", "offset", (json_int_t)it->off,
					      "data", it->data, it->len, "reset", it->reset));
	return e;
}

static size_t item_size(const struct item *it)
{
	_cleanup_free_ char *t = json_dumps(it->entry, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n = (t ? strlen(t) : 0) + 8;

	if (it->console && it->data)
		n += json_len(it->data, it->len) + 64;
	return n;
}

/* The controller took items: remember it. */
static void items_acked(struct agent *a, struct item *items, size_t n, json_t *gone)
{
	for (size_t i = 0; i < n; i++) {
		struct item *it = &items[i];
		json_object_set_new(a->acked, it->key, json_string(it->sig));
		if (it->console && it->data)
			json_object_set_new(a->console_acked, json_str(it->entry, "id"),
					    json_integer(it->off + (json_int_t)it->len));
		if (strcmp(it->member, "gone") == 0)
			json_array_append(gone, (json_t *)it->entry);
	}
}

/* The error message of a refusal, for the log. */
static const char *reason(const json_t *reply)
{
	const char *m = json_str(json_object_get(reply, "error"), "message");

	return m ? m : "no reason given";
}

/* POST items[0..n) as one page (applied: the applied_revision to carry,
 * or -1). 0 when every item landed or was given up on for this round,
 * -EIO when the controller cannot be reached (stop the round). */
static int send_page(struct agent *a, struct http_client *c, struct item *items, size_t n,
		     int64_t applied)
{
	_cleanup_json_ json_t *body = json_pack("{s:b}", "partial", 1), *reply = NULL;
	_cleanup_json_ json_t *gone = json_array();
	char path[512];
	long status = 0;
	int r;

	if (!body || !gone)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *arr = json_object_get(body, items[i].member);
		if (!arr) {
			arr = json_array();
			json_object_set_new(body, items[i].member, arr);
		}
		json_array_append_new(arr, item_json(&items[i]));
	}
	if (applied >= 0)
		json_object_set_new(body, "applied_revision", json_integer(applied));
	_cleanup_free_ char *text = json_dumps(body, JSON_COMPACT);
	size_t bytes = text ? strlen(text) : 0;
	snprintf(path, sizeof(path), "/agent/v1/hosts/%s/report", a->host);
	r = agent_call(a, c, "POST", path, body, &status, &reply);
	if (r < 0)
		return -EIO;
	/* bench/scale and tests read these lines (log_level = debug). */
	log_debug("agent: report page: %zu entries, %zu bytes: HTTP %ld", n, bytes, status);
	if (status == 204) {
		items_acked(a, items, n, gone);
		if (applied > a->applied_acked)
			a->applied_acked = applied;
		if (json_array_size(gone) && (a->roles & AGENT_COMPUTE))
			compute_report_sent(a, gone);
		return 0;
	}
	if (status >= 500 || status == 401 || status == 403 || status == 404) {
		log_warn("agent: report: HTTP %ld: %s", status, reason(reply));
		return -EIO;
	}
	/* Refused (413 too large, 400 invalid): say why, then send the rest
	 * without what the controller will not take. */
	log_warn("agent: report page of %zu entries (%zu bytes) refused: HTTP %ld: %s", n, bytes,
		 status, reason(reply));
	if (status == 413 && a->page_max > PAGE_MIN) {
		a->page_max = a->page_max / 2 > PAGE_MIN ? a->page_max / 2 : PAGE_MIN;
		log_warn("agent: report pages now at most %zu bytes", a->page_max);
	}
	if (n > 1) {
		r = send_page(a, c, items, n / 2, applied);
		return r < 0 ? r : send_page(a, c, items + n / 2, n - n / 2, -1);
	}
	if (items[0].console && items[0].data && items[0].len > CONSOLE_MIN) {
		items[0].len /= 2;
		items[0].data[items[0].len] = '\0';
		log_warn("agent: report: retrying server %s with %zu bytes of console",
			 json_str(items[0].entry, "id"), items[0].len);
		return send_page(a, c, items, 1, applied);
	}
	log_warn("agent: report: %s not taken; retried next round", items[0].key);
	return 0;
}

void report_init(struct agent *a)
{
	int max = a->b->cfg.agent_report_max_bytes;

	a->acked = json_object();
	a->console_acked = json_object();
	a->page_max = max > PAGE_MIN ? (size_t)max : PAGE_MIN;
	a->applied_acked = -1;
}

void report_fini(struct agent *a)
{
	json_decref(a->acked);
	json_decref(a->console_acked);
}

int report_send(struct agent *a, struct http_client *c, const json_t *desired, json_t *report)
{
	_cleanup_json_ json_t *index = json_object(), *seen = json_object(), *want = json_object();
	struct item *items = NULL;
	size_t n = 0, cap = 0, i;
	const json_t *e;
	const char *k;
	json_t *v;
	void *tmp;
	int64_t applied = -1;
	bool more = false;
	int r = 0;

	if (!index || !seen || !want || !a->acked || !a->console_acked)
		return -ENOMEM;
	index_walk(desired, index);
	json_array_foreach(json_object_get(desired, "servers"), i, e)
		if (json_str(e, "id"))
			json_object_set(want, json_str(e, "id"), (json_t *)e);
	/* What is news. */
	for (size_t m = 0; m <= ARRAY_SIZE(members); m++) {
		const char *member = m < ARRAY_SIZE(members) ? members[m] : "gone";
		json_array_foreach(json_object_get(report, member), i, e) {
			const char *id = m < ARRAY_SIZE(members) ? json_str(e, "id")
								  : json_string_value(e);
			if (!id || strlen(id) > 100)
				continue;
			if (n == cap) {
				struct item *ni = realloc(items, (cap = cap ? cap * 2 : 64) * sizeof(*ni));
				if (!ni) {
					r = -ENOMEM;
					goto out;
				}
				items = ni;
			}
			struct item *it = &items[n];
			memset(it, 0, sizeof(*it));
			it->member = member;
			it->entry = e;
			snprintf(it->key, sizeof(it->key), "%s/%s", member, id);
			_cleanup_free_ char *t = entry_text(e);
			const char *d = json_string_value(json_object_get(index, id));
			sig_of(t ? t : "", d ? d : "", it->sig);
			json_object_set_new(seen, it->key, json_true());
			const char *had = json_string_value(json_object_get(a->acked, it->key));
			it->state = !had || strcmp(had, it->sig) != 0;
			if (strcmp(member, "servers") == 0) {
				json_object_set_new(seen, id, json_true());
				console_plan(a, it, json_object_get(want, id), id);
			}
			if (it->state || it->console)
				n++;
		}
	}
	/* Forget what no longer exists here. */
	json_object_foreach_safe(a->acked, tmp, k, v)
		if (!json_object_get(seen, k))
			json_object_del(a->acked, k);
	json_object_foreach_safe(a->console_acked, tmp, k, v)
		if (!json_object_get(seen, k))
			json_object_del(a->console_acked, k);
	v = json_object_get(report, "applied_revision");
	if (json_is_integer(v) && json_integer_value(v) > a->applied_acked)
		applied = json_integer_value(v);
	if (n == 0 && applied < 0)
		goto out; /* nothing new: no report at all */

	/* Pages of at most page_max bytes; each server gets one console
	 * delta per round of at most a quarter of a page. */
	size_t first = 0, used = PAGE_OVERHEAD;
	for (i = 0; i < n && r >= 0; i++) {
		struct item *it = &items[i];
		size_t chunk = a->page_max / 4 < REPORT_CONSOLE_CHUNK ? a->page_max / 4
								       : REPORT_CONSOLE_CHUNK;
		if (it->console) {
			console_load(a, it, chunk);
			/* Escaping may make it longer than the page: cut it. */
			while (it->data && it->len > CONSOLE_MIN &&
			       item_size(it) + PAGE_OVERHEAD > a->page_max) {
				it->len /= 2;
				it->data[it->len] = '\0';
			}
			if (it->off + (int64_t)it->len < it->size)
				more = true;
		}
		size_t sz = item_size(it);
		if (i > first && used + sz > a->page_max) {
			r = send_page(a, c, items + first, i - first, applied);
			applied = -1;
			for (size_t j = first; j < i; j++) {
				free(items[j].data);
				items[j].data = NULL;
			}
			first = i;
			used = PAGE_OVERHEAD;
		}
		used += sz;
	}
	if (r >= 0 && (first < n || applied >= 0)) /* items is NULL when n is 0 */
		r = send_page(a, c, n ? items + first : NULL, n - first, applied);
out:
	for (i = 0; i < n; i++)
		free(items[i].data);
	free(items);
	if (r < 0)
		return r;
	return more ? 1 : 0;
}
