/* server_tags.c - Nova's server tags (microversion 2.26): the server_tag
 * table, the tag checks in Nova's words, the handlers of
 * /servers/{id}/tags, the tags of the server view, the tags of a create
 * (2.52) and the list filters tags, tags-any, not-tags, not-tags-any. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"

/* Nova's MAX_TAG_COUNT and MAX_TAG_LENGTH (characters). */
#define TAG_MAX_COUNT 50
#define TAG_MAX_LEN 60

/* Characters (UTF-8 code points) of s, as Nova's maxLength counts them. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Why tag is not one of Nova's tags (parameter_types.tag: a string of 1
 * to 60 characters without ',' or '/'), in jsonschema's words, into why;
 * 0 when it is one, else -EINVAL. */
static int tag_problem(const char *tag, char *why, size_t n)
{
	if (!tag[0])
		snprintf(why, n, "'' is too short");
	else if (utf8_chars(tag) > TAG_MAX_LEN)
		snprintf(why, n, "'%s' is too long", tag);
	else if (strpbrk(tag, ",/"))
		snprintf(why, n, "'%s' does not match '^[^,/]*$'", tag);
	else
		return 0;
	return -EINVAL;
}

/* The list of strings tags as Python shows one (['a', 'b']), as Nova's
 * messages quote a value (malloc'd; NULL on failure). */
static char *py_repr(const json_t *tags)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	size_t i;
	json_t *t;

	if (!f)
		return NULL;
	fputc('[', f);
	json_array_foreach(tags, i, t) {
		char *v = json_is_string(t) ? NULL : json_dumps(t, JSON_ENCODE_ANY);
		if (json_is_string(t))
			fprintf(f, "%s'%s'", i ? ", " : "", json_string_value(t));
		else
			fprintf(f, "%s%s", i ? ", " : "", v ? v : "");
		free(v);
	}
	fputc(']', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int server_tags_check(const json_t *tags, struct nova_fault *f)
{
	char why[400];
	size_t i;
	json_t *t;

	if (!tags)
		return 0;
	if (!json_is_array(tags)) {
		char *v = json_dumps(tags, JSON_ENCODE_ANY);
		int r = nova_fail(f, -EINVAL,
				  "Invalid input for field/attribute tags. Value: %s. %s is not of "
				  "type 'array'",
				  v ? v : "", v ? v : "");
		free(v);
		return r;
	}
	if (json_array_size(tags) > TAG_MAX_COUNT) {
		char *v = py_repr(tags);
		int r = nova_fail(f, -EINVAL,
				  "Invalid input for field/attribute tags. Value: %s. %s is too long",
				  v ? v : "", v ? v : "");
		free(v);
		return r;
	}
	json_array_foreach(tags, i, t) {
		if (!json_is_string(t)) {
			char *v = json_dumps(t, JSON_ENCODE_ANY);
			int r = nova_fail(f, -EINVAL,
					  "Invalid input for field/attribute %zu. Value: %s. %s is not "
					  "of type 'string'",
					  i, v ? v : "", v ? v : "");
			free(v);
			return r;
		}
		if (tag_problem(json_string_value(t), why, sizeof(why)) < 0 ||
		    memchr(json_string_value(t), '\0', json_string_length(t)))
			return nova_fail(f, -EINVAL,
					 "Invalid input for field/attribute %zu. Value: %s. %s", i,
					 json_string_value(t),
					 why[0] ? why : "It holds a NUL character");
	}
	return 0;
}

json_t *server_tags(struct store *st, const char *id)
{
	struct store_stmt *q;
	json_t *out = json_array();

	if (store_query(st, &q, "SELECT tag FROM server_tag WHERE server_id = ? ORDER BY tag", "s",
			id) < 0)
		return out;
	while (store_next(q) > 0)
		json_array_append_new(out, json_string(store_text(q, 0)));
	store_done(q);
	return out;
}

/* Add tag to server id unless it has it: 1 added, 0 had it, -errno. */
static int tag_insert(struct store *st, const char *id, const char *tag)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT 1 FROM server_tag WHERE server_id = ? AND tag = ?",
			    "ss", id, tag);

	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	if (r != 0)
		return r < 0 ? r : 0;
	r = store_exec(st, "INSERT INTO server_tag (server_id, tag, revision) VALUES (?, ?, ?)",
		       "ssi", id, tag, store_txn_revision(st));
	return r < 0 ? r : 1;
}

int server_tags_put(struct store *st, const char *id, const json_t *tags)
{
	size_t i;
	json_t *t;
	int r = 0;

	json_array_foreach(tags, i, t) {
		r = tag_insert(st, id, json_string_value(t));
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- the tags of one server, for the caller --- */

/* Find server id for the caller under rule (os-server-tags:NAME) and, for
 * a change (action, Nova's words for it), check its vm_state lets tags
 * change: Nova's active, paused, suspended or stopped (no lock check,
 * no task check, as Nova's). A server being deleted is still "active"
 * to Nova (its task is). 0 or -errno with Nova's words in f. */
static int tag_server(struct store *st, const struct caller *c, const char *id, const char *rule,
		      const char *action, struct nova_fault *f)
{
	static const char *const ok[] = { "active", "paused", "suspended", "stopped", "deleting" };
	struct server_ref s;
	int r = server_find(st, c, id, rule, &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	if (!action)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (strcmp(s.vm_state, ok[i]) == 0)
			return 0;
	return nova_fail(f, -EALREADY, "Cannot '%s' instance %s while it is in vm_state %s", action,
			 id, s.vm_state);
}

int server_tag_list(struct store *st, const struct caller *c, const char *id, json_t **out,
		    struct nova_fault *f)
{
	int r = tag_server(st, c, id, "os_compute_api:os-server-tags:index", NULL, f);

	*out = r < 0 ? NULL : server_tags(st, id);
	return r;
}

int server_tag_exists(struct store *st, const struct caller *c, const char *id, const char *tag,
		      struct nova_fault *f)
{
	struct store_stmt *q;
	int r = tag_server(st, c, id, "os_compute_api:os-server-tags:show", NULL, f);

	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT 1 FROM server_tag WHERE server_id = ? AND tag = ?", "ss",
			id, tag);
	if (r < 0)
		return r;
	r = store_next(q);
	store_done(q);
	if (r == 0)
		return nova_fail(f, -ENOENT, "Server %s has no tag '%s'", id, tag);
	return r < 0 ? r : 0;
}

int server_tag_add(struct store *st, const struct caller *c, const char *id, const char *tag,
		   struct nova_fault *f)
{
	struct store_stmt *q;
	char why[400];
	int64_t n = 0;
	int r = tag_server(st, c, id, "os_compute_api:os-server-tags:update", "update tag", f);

	if (r < 0)
		return r;
	if (tag_problem(tag, why, sizeof(why)) < 0)
		return nova_fail(f, -EINVAL,
				 "Tag '%s' is invalid. It must be a non empty string without "
				 "characters '/' and ','. Validation error message: %s",
				 tag, why);
	r = store_query(st, &q, "SELECT COUNT(*) FROM server_tag WHERE server_id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		n = store_int(q, 0);
	store_done(q);
	if (r < 0)
		return r;
	/* Nova counts before it looks for the tag: a full server refuses
	 * even the tag it has. */
	if (n >= TAG_MAX_COUNT)
		return nova_fail(f, -EINVAL, "The number of tags exceeded the per-server limit %d",
				 TAG_MAX_COUNT);
	return tag_insert(st, id, tag);
}

int server_tag_replace(struct store *st, const struct caller *c, const char *id,
		       const json_t *tags, struct nova_fault *f)
{
	int r = server_tags_check(tags, f);

	if (r >= 0)
		r = tag_server(st, c, id, "os_compute_api:os-server-tags:update_all", "update tags",
			       f);
	if (r >= 0)
		r = store_exec(st, "DELETE FROM server_tag WHERE server_id = ?", "s", id);
	return r < 0 ? r : server_tags_put(st, id, tags);
}

int server_tag_delete(struct store *st, const struct caller *c, const char *id, const char *tag,
		      struct nova_fault *f)
{
	int r = tag_server(st, c, id, "os_compute_api:os-server-tags:delete", "delete tag", f);

	if (r >= 0)
		r = store_exec(st, "DELETE FROM server_tag WHERE server_id = ? AND tag = ?", "ss", id,
			       tag);
	if (r == 0)
		return nova_fail(f, -ENOENT, "Instance %s has no tag '%s'", id, tag);
	return r < 0 ? r : 0;
}

int server_tag_clear(struct store *st, const struct caller *c, const char *id,
		     struct nova_fault *f)
{
	int r = tag_server(st, c, id, "os_compute_api:os-server-tags:delete_all", "delete tags",
			   f);

	if (r >= 0)
		r = store_exec(st, "DELETE FROM server_tag WHERE server_id = ?", "s", id);
	return r < 0 ? r : 0;
}

/* --- the list filters --- */

/* Append s to the regular expression being built in *buf (*len used of
 * *cap), each character of the store's REGEXP syntax (POSIX ERE, and
 * PostgreSQL's ~) that is special escaped. 0 or -ENOMEM. */
static int re_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n, bool escape)
{
	for (size_t i = 0; i < n; i++) {
		if (*len + 3 > *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			char *m = realloc(*buf, c);
			if (!m)
				return -ENOMEM;
			*buf = m;
			*cap = c;
		}
		if (escape && strchr(".[\\()*+?{|^$", s[i]))
			(*buf)[(*len)++] = '\\';
		(*buf)[(*len)++] = s[i];
	}
	(*buf)[*len] = '\0';
	return 0;
}

/* One filter's comma list into a regular expression matching exactly
 * one of its tags (*re, malloc'd; "^$" when it names none that can be a
 * tag) and the number of distinct tags it names (an empty one counts: no
 * server has it). 0 or -ENOMEM. */
static int filter_one(const char *list, char **re, int64_t *n)
{
	size_t len = 0, cap = 0, words = 0;
	char *buf = NULL;
	int r = re_append(&buf, &len, &cap, "^(", 2, false);

	*n = 0;
	for (const char *p = list; r >= 0; p++) {
		size_t w = strcspn(p, ",");
		bool seen = false;
		/* distinct: the same tag earlier in the list counts once */
		for (const char *q = list; q < p && !seen; q += strcspn(q, ",") + 1)
			seen = strcspn(q, ",") == w && strncmp(q, p, w) == 0;
		if (!seen) {
			(*n)++;
			if (w > 0) {
				if (words++)
					r = re_append(&buf, &len, &cap, "|", 1, false);
				if (r >= 0)
					r = re_append(&buf, &len, &cap, p, w, true);
			}
		}
		p += w;
		if (!*p)
			break;
	}
	if (r >= 0)
		r = words ? re_append(&buf, &len, &cap, ")$", 2, false)
			  : (len = 0, re_append(&buf, &len, &cap, "^$", 2, false));
	if (r < 0) {
		free(buf);
		return r;
	}
	*re = buf;
	return 0;
}

int server_tag_filter_init(struct server_tag_filter *tf, const char *const lists[4])
{
	memset(tf, 0, sizeof(*tf));
	for (int i = 0; i < 4; i++) {
		if (!lists[i])
			continue;
		int r = filter_one(lists[i], &tf->re[i], &tf->n[i]);
		if (r < 0) {
			server_tag_filter_free(tf);
			return r;
		}
	}
	return 0;
}

void server_tag_filter_free(struct server_tag_filter *tf)
{
	for (int i = 0; i < 4; i++) {
		free(tf->re[i]);
		tf->re[i] = NULL;
	}
}

/* --- the handlers --- */

static const char *const NOT_FOUND = "The resource could not be found.";

int h_server_tag_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct nova_fault f = { "" };
	json_t *tags;
	int r;

	if (!microversion_at_least(req, 2, 26))
		return http_error(res, 404, "%s", NOT_FOUND);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = server_tag_list(st, &req->caller, http_param(req, "server_id"), &tags, &f);
	if (r < 0)
		return nova_error(res, r, &f, "tags");
	return http_reply(res, 200, json_pack("{s:o}", "tags", tags));
}

/* PUT /servers/{id}/tags {"tags": [...]}: every tag replaced. */
int h_server_tag_replace(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	_cleanup_json_ json_t *body = NULL;
	struct nova_fault f = { "" };
	const char *key;
	struct store *st;
	json_t *v;
	int r;

	if (!microversion_at_least(req, 2, 26))
		return http_error(res, 404, "%s", NOT_FOUND);
	body = http_body_json(req, res);
	if (!body)
		return -1;
	if (!json_is_object(body))
		return http_error(res, 400, "Invalid input: the request body must be an object.");
	json_object_foreach(body, key, v)
		if (strcmp(key, "tags") != 0)
			return http_error(res, 400,
					  "Additional properties are not allowed ('%s' was unexpected)",
					  key);
	if (!json_object_get(body, "tags"))
		return http_error(res, 400, "'tags' is a required property");
	if (server_tags_check(json_object_get(body, "tags"), &f) < 0)
		return nova_error(res, -EINVAL, &f, "tags");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_tag_replace(st, &req->caller, id, json_object_get(body, "tags"), &f);
	if (r < 0)
		nova_error(res, r, &f, "tags");
	if (api_write_end(res, st, r, "tags") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:o}", "tags", server_tags(st, id)));
}

int h_server_tag_clear(struct http_request *req, struct http_response *res)
{
	struct nova_fault f = { "" };
	struct store *st;
	int r;

	if (!microversion_at_least(req, 2, 26))
		return http_error(res, 404, "%s", NOT_FOUND);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_tag_clear(st, &req->caller, http_param(req, "server_id"), &f);
	if (r < 0)
		nova_error(res, r, &f, "tags");
	if (api_write_end(res, st, r, "tags") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* GET /servers/{id}/tags/{tag}: 204 when the server has it, else 404. */
int h_server_tag_check(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct nova_fault f = { "" };
	int r;

	if (!microversion_at_least(req, 2, 26))
		return http_error(res, 404, "%s", NOT_FOUND);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = server_tag_exists(st, &req->caller, http_param(req, "server_id"),
			      http_param(req, "tag"), &f);
	if (r < 0)
		return nova_error(res, r, &f, "tag");
	return http_reply(res, 204, NULL);
}

/* PUT /servers/{id}/tags/{tag} (no body): 201 with the tag's Location
 * when added, 204 when the server had it (as Nova, no Location then). */
int h_server_tag_add(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id"), *tag = http_param(req, "tag");
	struct nova_fault f = { "" };
	char loc[2048];
	struct store *st;
	int r;

	if (!microversion_at_least(req, 2, 26))
		return http_error(res, 404, "%s", NOT_FOUND);
	/* Nova's schema for this body is null: nothing, or JSON null. */
	if (req->body_len > 0) {
		_cleanup_json_ json_t *body = http_body_json(req, res);
		char *v;
		if (!body)
			return -1;
		if (!json_is_null(body)) {
			v = json_dumps(body, JSON_ENCODE_ANY | JSON_COMPACT);
			r = http_error(res, 400, "%s is not of type 'null'", v ? v : "The body");
			free(v);
			return r;
		}
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_tag_add(st, &req->caller, id, tag, &f);
	if (r < 0)
		nova_error(res, r, &f, "tag");
	if (api_write_end(res, st, r, "tag") < 0)
		return -1;
	if (r == 0)
		return http_reply(res, 204, NULL);
	snprintf(loc, sizeof(loc), "%s/compute/v2.1/servers/%s/tags/%s", http_base_url(req), id,
		 tag);
	http_header_add(res, "Location", loc);
	return http_reply(res, 201, NULL);
}

int h_server_tag_delete(struct http_request *req, struct http_response *res)
{
	struct nova_fault f = { "" };
	struct store *st;
	int r;

	if (!microversion_at_least(req, 2, 26))
		return http_error(res, 404, "%s", NOT_FOUND);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_tag_delete(st, &req->caller, http_param(req, "server_id"),
			      http_param(req, "tag"), &f);
	if (r < 0)
		nova_error(res, r, &f, "tag");
	if (api_write_end(res, st, r, "tag") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
