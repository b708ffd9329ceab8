/* server_groups.c - Nova's server groups (os-server-groups): the
 * server_group and server_group_member tables, their handlers, and what
 * a server create (the "group" scheduler hint), the scheduler and the
 * quotas ask of a group. A group is its project's: Nova shows no other
 * project's groups but to admins (404, or 400 as a create's hint). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "policy/policy.h"
#include "store/store.h"

#define SG_COLS "id, name, project_id, user_id, policy, max_server_per_host"
/* Nova's osapi_max_limit: the longest page. */
#define SG_MAX_LIMIT 1000

/* --- the server group resource --- */

int server_group_load(struct store *st, const struct caller *c, const char *id,
		      struct server_group *out)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT project_id, policy, max_server_per_host FROM server_group"
			    " WHERE id = ?",
			    "s", id);

	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(out->project_id, sizeof(out->project_id), "%s", store_text(q, 0));
		snprintf(out->policy, sizeof(out->policy), "%s", store_text(q, 1));
		out->max_per_host = store_text(q, 2) ? store_int(q, 2) : 1;
	}
	store_done(q);
	if (r < 0)
		return r;
	/* Nova's InstanceGroup query keeps to the caller's project unless
	 * the caller is an admin. */
	if (r == 0 || (c && !policy_allows(c, "context_is_admin", NULL) &&
		       (!c->project_id || strcmp(c->project_id, out->project_id) != 0)))
		return -ENOENT;
	return 0;
}

int server_group_add(struct store *st, const char *id, const char *server_id)
{
	int r = store_exec(st,
			   "INSERT INTO server_group_member (server_id, group_id, created_at, revision)"
			   " VALUES (?, ?, ?, ?)",
			   "ssii", server_id, id, now_usec(), store_txn_revision(st));

	return r < 0 ? r : 0;
}

/* The one integer of a COUNT query (store_query's fmt and arguments):
 * >= 0 or -errno. */
static int64_t count_of(struct store *st, const char *sql, const char *fmt, ...)
{
	struct store_stmt *q;
	int64_t n = 0;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = store_vquery(st, &q, sql, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		n = store_int(q, 0);
	store_done(q);
	return r < 0 ? r : n;
}

int64_t server_group_count(struct store *st, const char *project_id)
{
	return count_of(st, "SELECT COUNT(*) FROM server_group WHERE project_id = ?", "s",
			project_id);
}

int64_t server_group_user_members(struct store *st, const char *id, const char *user_id)
{
	return count_of(st,
			"SELECT COUNT(*) FROM server_group_member m JOIN server s ON s.id = m.server_id"
			" WHERE m.group_id = ? AND s.user_id = ?",
			"ss", id, user_id);
}

int64_t server_group_on_host(struct store *st, const char *id, const char *host)
{
	return count_of(st,
			"SELECT COUNT(*) FROM server_group_member m JOIN server s ON s.id = m.server_id"
			" WHERE m.group_id = ?1 AND (s.host = ?2 OR (?2 IS NULL AND s.host IS NOT NULL))",
			"ss", id, host);
}

/* --- the view --- */

/* A group as Nova shows it at the request's microversion: "policies"
 * and an empty "metadata" below 2.64, "policy" and "rules" from it;
 * project_id and user_id from 2.13; "members" the ids of its servers. */
static json_t *render_server_group(const struct http_request *req, struct store_stmt *q)
{
	struct store *st = basalt_store(req->b);
	json_t *g = json_pack("{s:s,s:s}", "id", store_text(q, 0), "name", store_text(q, 1));
	json_t *members = json_array();
	struct store_stmt *m;

	if (microversion_at_least(req, 2, 64)) {
		json_object_set_new(g, "policy", json_string(store_text(q, 4)));
		json_object_set_new(g, "rules",
				    store_text(q, 5) ? json_pack("{s:I}", "max_server_per_host",
								 store_int(q, 5))
						     : json_object());
	} else {
		json_object_set_new(g, "policies", json_pack("[s]", store_text(q, 4)));
		json_object_set_new(g, "metadata", json_object());
	}
	if (st && store_query(st, &m,
			      "SELECT server_id FROM server_group_member WHERE group_id = ?"
			      " ORDER BY created_at, server_id",
			      "s", store_text(q, 0)) >= 0) {
		while (store_next(m) > 0)
			json_array_append_new(members, json_string(store_text(m, 0)));
		store_done(m);
	}
	json_object_set_new(g, "members", members);
	if (microversion_at_least(req, 2, 13)) {
		json_object_set_new(g, "project_id", json_string(store_text(q, 2)));
		json_object_set_new(g, "user_id", json_string(store_text(q, 3)));
	}
	return g;
}

/* --- the handlers --- */

/* A query parameter Nova's schema takes as a non-negative integer (the
 * last one given): 0 with *out (def when absent), or a 400 in res. */
static int query_count(struct http_request *req, struct http_response *res, const char *key,
		       int64_t def, int64_t *out)
{
	const char *v = http_query(req, key);

	*out = def;
	if (!v)
		return 0;
	*out = strtoll(v, NULL, 10);
	if (!v[0] || strspn(v, "0123456789") != strlen(v))
		return http_error(res, 400,
				  "Invalid input for query parameters %s. Value: %s. '%s' does not match "
				  "'^[0-9]*$'",
				  key, v, v);
	return 0;
}

int h_server_group_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	/* A token without a project lists no project's groups. */
	const char *project = req->caller.project_id ? req->caller.project_id : "";
	struct store_stmt *q;
	int64_t limit, offset;
	int r;

	/* 2.75 refuses what its schema does not name. */
	if (microversion_at_least(req, 2, 75))
		for (int i = 0; i < req->nquery; i++)
			if (strcmp(req->query[i].key, "all_projects") != 0 &&
			    strcmp(req->query[i].key, "limit") != 0 &&
			    strcmp(req->query[i].key, "offset") != 0)
				return http_error(res, 400,
						  "Invalid input for query parameters: Additional "
						  "properties are not allowed ('%s' was unexpected)",
						  req->query[i].key);
	if (query_count(req, res, "limit", 0, &limit) < 0 ||
	    query_count(req, res, "offset", 0, &offset) < 0)
		return -1;
	/* Nova's common.limited: no limit, 0 or more than the most is the most. */
	if (limit == 0 || limit > SG_MAX_LIMIT)
		limit = SG_MAX_LIMIT;
	/* all_projects (any value) widens the list for admins only; others
	 * get their own groups, as Nova (no 403). */
	if (http_query(req, "all_projects") &&
	    policy_allows(&req->caller, "context_is_admin", NULL) &&
	    policy_allows(&req->caller, "os_compute_api:os-server-groups:index:all_projects", NULL))
		project = NULL;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q,
			"SELECT " SG_COLS " FROM server_group WHERE ?1 IS NULL OR project_id = ?1"
			" ORDER BY created_at, id LIMIT ?2 OFFSET ?3",
			"sii", project, limit, offset);
	if (r < 0)
		return http_error_errno(res, r, "server groups");
	return nova_reply_rows(req, res, "server_groups", render_server_group, q);
}

/* The group of the path for the caller, and the rule of action against
 * its project: 0, or -1 with Nova's 404 (unknown, or another project's
 * for a non-admin) or 403 in res. */
static int group_visible(struct http_request *req, struct http_response *res, struct store *st,
			 const char *id, const char *action)
{
	struct server_group g;
	int r = server_group_load(st, &req->caller, id, &g);

	if (r == -ENOENT)
		return http_error(res, 404, "Instance group %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "server group");
	if (!policy_allows(&req->caller, action, &(struct target){ .project_id = g.project_id }))
		return http_error(res, 403, "Policy doesn't allow %s to be performed.", action);
	return 0;
}

int h_server_group_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_group_id");
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (group_visible(req, res, st, id, "os_compute_api:os-server-groups:show") < 0)
		return -1;
	return nova_reply_one(req, res, 200, "server_group", render_server_group, "Instance group", id,
			      "SELECT " SG_COLS " FROM server_group WHERE id = ?", "s", id);
}

int h_server_group_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_group_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	/* The members go with the group (the foreign key); its servers stay. */
	r = group_visible(req, res, st, id, "os_compute_api:os-server-groups:delete");
	if (r >= 0)
		r = store_exec(st, "DELETE FROM server_group WHERE id = ?", "s", id);
	if (api_write_end(res, st, r, "server group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* Nova's parameter_types.name: printable, no whitespace at either end. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static const char *const policies[] = { "anti-affinity", "affinity", "soft-anti-affinity",
					"soft-affinity" };

/* policy is one of the first n of policies. */
static bool policy_known(const char *policy, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(policy, policies[i]) == 0)
			return true;
	return false;
}

/* Nova's enum message: "'x' is not one of ['a', 'b']" into buf. */
static const char *enum_words(char *buf, size_t len, size_t n)
{
	size_t off = 0;

	off += (size_t)snprintf(buf, len, "[");
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s'%s'", i ? ", " : "", policies[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
	return buf;
}

/* v as Python's repr shows it, as Nova's validation messages do ('a',
 * ['a', 'b'], {'k': 1}, True, None), to f. */
static void repr(FILE *f, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v)) {
		fprintf(f, "'%s'", json_string_value(v));
	} else if (json_is_array(v)) {
		fputc('[', f);
		json_array_foreach((json_t *)v, i, x) {
			fputs(i ? ", " : "", f);
			repr(f, x);
		}
		fputc(']', f);
	} else if (json_is_object(v)) {
		i = 0;
		fputc('{', f);
		json_object_foreach((json_t *)v, k, x) {
			fprintf(f, "%s'%s': ", i++ ? ", " : "", k);
			repr(f, x);
		}
		fputc('}', f);
	} else if (json_is_boolean(v) || json_is_null(v)) {
		fputs(json_is_true(v) ? "True" : json_is_false(v) ? "False" : "None", f);
	} else {
		char *t = json_dumps(v, JSON_ENCODE_ANY);
		fputs(t ? t : "", f);
		free(t);
	}
}

/* repr of v (malloc'd; "" on ENOMEM). */
static char *dump(const json_t *v)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	if (!f)
		return strdup("");
	repr(f, v);
	fclose(f);
	return t ? t : strdup("");
}

/* Check a create body at the request's microversion with Nova's schema
 * and words: 0 with the name, policy and max_server_per_host (0: no
 * rule) filled, or a 400 in res. */
static int create_check(struct http_request *req, struct http_response *res, const json_t *body,
			const char **name, const char **policy, int64_t *max)
{
	bool v264 = microversion_at_least(req, 2, 64);
	size_t npol = microversion_at_least(req, 2, 15) ? 4 : 2;
	const char *want = v264 ? "policy" : "policies";
	const json_t *sg = json_object_get(body, "server_group"), *v, *rules;
	char words[128];
	const char *k;
	int r;

	*max = 0;
	if (!json_is_object(body) || !json_is_object(sg)) {
		_cleanup_free_ char *t = dump(body);
		return http_error(res, 400,
				  json_is_object(body) && !sg
					  ? "Invalid input for field/attribute server_group. Value: %s. "
					    "'server_group' is a required property"
					  : "Invalid input for field/attribute server_group. Value: %s. "
					    "It is not of type 'object'",
				  t);
	}
	json_object_foreach((json_t *)body, k, v)
		if (strcmp(k, "server_group") != 0)
			return http_error(res, 400,
					  "Additional properties are not allowed ('%s' was unexpected)",
					  k);
	json_object_foreach((json_t *)sg, k, v)
		if (strcmp(k, "name") != 0 && strcmp(k, want) != 0 &&
		    !(v264 && strcmp(k, "rules") == 0))
		{
			_cleanup_free_ char *t = dump(sg);
			return http_error(res, 400,
					  "Invalid input for field/attribute server_group. Value: %s. "
					  "Additional properties are not allowed ('%s' was unexpected)",
					  t, k);
		}
	for (int i = 0; i < 2; i++) {
		const char *need = i ? want : "name";
		if (!json_object_get(sg, need)) {
			_cleanup_free_ char *t = dump(sg);
			return http_error(res, 400,
					  "Invalid input for field/attribute server_group. Value: %s. "
					  "'%s' is a required property",
					  t, need);
		}
	}
	v = json_object_get(sg, "name");
	if (!json_is_string(v)) {
		_cleanup_free_ char *t = dump(v);
		return http_error(res, 400,
				  "Invalid input for field/attribute name. Value: %s. %s is not of type "
				  "'string'",
				  t, t);
	}
	*name = json_string_value(v);
	if (!(*name)[0])
		return http_error(res, 400,
				  "Invalid input for field/attribute name. Value: . '' is too short");
	if (json_string_length(v) > 255)
		return http_error(res, 400,
				  "Invalid input for field/attribute name. Value: %.255s. '%.255s' is "
				  "too long",
				  *name, *name);
	if (!name_ok(*name))
		return http_error(res, 400,
				  "An invalid 'name' value was provided. The name must be: printable "
				  "characters. Can not start or end with whitespace.");
	v = json_object_get(sg, want);
	if (v264) {
		if (!json_is_string(v) || !policy_known(json_string_value(v), npol)) {
			_cleanup_free_ char *t = dump(v);
			return http_error(res, 400,
					  "Invalid input for field/attribute policy. Value: %s. %s is not "
					  "one of %s",
					  json_is_string(v) ? json_string_value(v) : t, t,
					  enum_words(words, sizeof(words), npol));
		}
		*policy = json_string_value(v);
	} else {
		_cleanup_free_ char *t = dump(v);
		const json_t *p0 = json_array_get(v, 0);
		if (!json_is_array(v))
			return http_error(res, 400,
					  "Invalid input for field/attribute policies. Value: %s. %s is "
					  "not of type 'array'",
					  t, t);
		if (json_array_size(v) != 1)
			return http_error(res, 400,
					  "Invalid input for field/attribute policies. Value: %s. %s is "
					  "too %s",
					  t, t, json_array_size(v) ? "long" : "short");
		if (!json_is_string(p0) || !policy_known(json_string_value(p0), npol)) {
			_cleanup_free_ char *t0 = dump(p0);
			return http_error(res, 400,
					  "Invalid input for field/attribute 0. Value: %s. %s is not one "
					  "of %s",
					  json_is_string(p0) ? json_string_value(p0) : t0, t0,
					  enum_words(words, sizeof(words), npol));
		}
		*policy = json_string_value(p0);
	}
	rules = json_object_get(sg, "rules");
	if (!rules)
		return 0;
	if (!json_is_object(rules)) {
		_cleanup_free_ char *t = dump(rules);
		return http_error(res, 400,
				  "Invalid input for field/attribute rules. Value: %s. %s is not of type "
				  "'object'",
				  t, t);
	}
	json_object_foreach((json_t *)rules, k, v)
		if (strcmp(k, "max_server_per_host") != 0) {
			_cleanup_free_ char *t = dump(rules);
			return http_error(res, 400,
					  "Invalid input for field/attribute rules. Value: %s. Additional "
					  "properties are not allowed ('%s' was unexpected)",
					  t, k);
		}
	v = json_object_get(rules, "max_server_per_host");
	if (v) {
		/* Nova's positive_integer: an integer, or a string of digits. */
		_cleanup_free_ char *t = dump(v);
		char *end = NULL;
		const char *s = json_string_value(v);
		r = json_is_integer(v) ? 0 : -EINVAL;
		if (json_is_integer(v))
			*max = json_integer_value(v);
		else if (s && s[0] && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10) {
			*max = strtoll(s, &end, 10);
			r = 0;
		}
		if (r < 0)
			return http_error(res, 400,
					  "Invalid input for field/attribute max_server_per_host. Value: "
					  "%s. %s is not of type 'integer', 'string'",
					  s ? s : t, t);
		if (*max < 1 || *max > INT32_MAX)
			return http_error(res, 400,
					  "Invalid input for field/attribute max_server_per_host. Value: "
					  "%s. %s is %s the %s of %s",
					  s ? s : t, t, *max < 1 ? "less than" : "greater than",
					  *max < 1 ? "minimum" : "maximum",
					  *max < 1 ? "1" : "2147483647");
	}
	if (json_object_size(rules) && strcmp(*policy, "anti-affinity") != 0)
		return http_error(res, 400, "Only anti-affinity policy supports rules.");
	return 0;
}

int h_server_group_create(struct http_request *req, struct http_response *res)
{
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const char *name = NULL, *policy = NULL;
	struct quota_usage lim, used;
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int64_t max;
	int r;

	if (!body)
		return -1;
	if (!req->caller.project_id)
		return http_error(res, 400, "A server group is made in a project: use a "
					    "project-scoped token.");
	if (create_check(req, res, body, &name, &policy, &max) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	/* The quota and the row in one transaction: two creates racing for
	 * the last group cannot both pass. */
	r = quota_get(req->b, st, req->caller.project_id, &lim, &used);
	if (r >= 0 && lim.server_groups >= 0 && used.server_groups + 1 > lim.server_groups)
		r = http_error(res, 403, "Quota exceeded, too many server groups.");
	if (r >= 0) {
		id_new(id);
		r = store_exec(st,
			       "INSERT INTO server_group (id, name, project_id, user_id, policy,"
			       " max_server_per_host, created_at, revision) VALUES (?, ?, ?, ?, ?, ?,"
			       " ?, ?)",
			       "ssssspii", id, name, req->caller.project_id, req->caller.user_id, policy,
			       max ? &max : NULL, now_usec(), store_txn_revision(st));
	}
	if (api_write_end(res, st, r, "server group") < 0)
		return -1;
	st = basalt_store(req->b);
	if (!st)
		return http_error_errno(res, -EIO, "store");
	return nova_reply_one(req, res, 200, "server_group", render_server_group, "Instance group", id,
			      "SELECT " SG_COLS " FROM server_group WHERE id = ?", "s", id);
}
