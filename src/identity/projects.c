/* projects.c - /v3/projects: CRUD and a user's projects. */
#include <errno.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

/* The project id as the reply after a write: 200/201 {"project": ...}. */
static int reply_project(struct http_request *req, struct http_response *res, int status,
			 struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = project_get(st, &req->caller, id, render_add_project, &l);

	return reply_one(req, res, status, "project", l.items, r, "project", id);
}

int h_project_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	struct project_filter f = { .name = http_query(req, "name"),
				    .domain_id = http_query(req, "domain_id"),
				    .parent_id = http_query(req, "parent_id"),
				    .tags = http_query(req, "tags"),
				    .tags_any = http_query(req, "tags-any"),
				    .not_tags = http_query(req, "not-tags"),
				    .not_tags_any = http_query(req, "not-tags-any") };
	int64_t enabled, is_domain, *isd;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (query_bool(req, res, "enabled", &enabled, (int64_t **)&f.enabled) < 0 ||
	    query_bool(req, res, "is_domain", &is_domain, &isd) < 0)
		return -1;
	f.is_domain = isd && *isd;
	l.items = json_array();
	return reply_items(req, res, "projects", l.items,
			   project_list(st, &req->caller, &f, render_add_project, &l));
}

int h_user_projects(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, json_array() };

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	return reply_items(req, res, "projects", l.items,
			   project_list_of_user(st, &req->caller, http_param(req, "user_id"), false,
						render_add_project, &l));
}

/* A query flag as Keystone reads it: present without a value, or true. */
static bool query_flag(struct http_request *req, const char *name)
{
	const char *v = http_query(req, name);

	return v && (!v[0] || parse_bool(v) == 1);
}

/* Each project as {"project": {...}} (Keystone's parents/subtree lists). */
static int add_wrapped(void *ctx, const struct project *p)
{
	struct render_list *l = ctx;
	json_t *o = render_project(l->req, p);

	return o && json_array_append_new(l->items, json_pack("{s:o}", "project", o)) == 0
		   ? 0
		   : -ENOMEM;
}

/* The ids of a subtree (items: its projects, each after its parent) below
 * id: {child: {grandchild: null}, ...}, null when none. */
static json_t *subtree_ids(json_t *items, const char *id)
{
	json_t *o = NULL, *p;
	size_t i;

	json_array_foreach(items, i, p)
	{
		if (!json_is_string(json_object_get(p, "parent_id")) ||
		    strcmp(json_str(p, "parent_id"), id) != 0)
			continue;
		if (!o)
			o = json_object();
		json_object_set_new(o, json_str(p, "id"), subtree_ids(items, json_str(p, "id")));
	}
	return o ? o : json_null();
}

/* parents_as_list/_ids, subtree_as_list/_ids on GET: Keystone's
 * hierarchy views added to project (a JSON body). */
static int add_hierarchy(struct http_request *req, struct http_response *res, struct store *st,
			 json_t *project)
{
	const char *id = json_str(project, "id");
	bool pl = query_flag(req, "parents_as_list"), pi = query_flag(req, "parents_as_ids");
	bool sl = query_flag(req, "subtree_as_list"), si = query_flag(req, "subtree_as_ids");
	struct render_list l = { req, NULL };
	json_t *ids, *p;
	size_t i;
	int r = 0;

	if (pl && pi)
		return http_error(
		    res, 400,
		    "Cannot use parents_as_list and parents_as_ids query params at the same time.");
	if (sl && si)
		return http_error(
		    res, 400,
		    "Cannot use subtree_as_list and subtree_as_ids query params at the same time.");
	if (json_is_true(json_object_get(project, "is_domain"))) {
		if (pl || pi)
			json_object_set_new(project, "parents", pl ? json_array() : json_null());
		if (sl || si)
			json_object_set_new(project, "subtree", sl ? json_array() : json_null());
		return 0;
	}
	if (pl || pi) {
		l.items = json_array();
		r = project_parents(st, &req->caller, id, pl, pl ? add_wrapped : render_add_project,
				    &l);
		if (r >= 0 && pl) {
			json_object_set_new(project, "parents", l.items);
		} else if (r >= 0) { /* {parent: {grandparent: {domain: null}}} */
			ids = json_pack("{s:n}", json_str(project, "domain_id"));
			for (i = json_array_size(l.items); i-- > 0;) {
				p = json_array_get(l.items, i);
				ids = json_pack("{s:o}", json_str(p, "id"), ids);
			}
			json_object_set_new(project, "parents", ids);
			json_decref(l.items);
		} else {
			json_decref(l.items);
		}
	}
	if (r >= 0 && (sl || si)) {
		l.items = json_array();
		r = project_subtree(st, &req->caller, id, sl, sl ? add_wrapped : render_add_project,
				    &l);
		if (r >= 0 && sl) {
			json_object_set_new(project, "subtree", l.items);
		} else {
			if (r >= 0)
				json_object_set_new(project, "subtree", subtree_ids(l.items, id));
			json_decref(l.items);
		}
	}
	return r < 0 ? reply_error(req, res, r, "project", id) : 0;
}

int h_project_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *id = http_param(req, "project_id");
	struct render_list l = { req, json_array() };
	json_t *p;
	int r;

	if (!st) {
		json_decref(l.items);
		return http_error_errno(res, -EIO, "store");
	}
	r = project_get(st, &req->caller, id, render_add_project, &l);
	p = json_array_get(l.items, 0);
	if (r >= 0 && p && add_hierarchy(req, res, st, p) < 0) {
		json_decref(l.items);
		return -1;
	}
	return reply_one(req, res, 200, "project", l.items, r, "project", id);
}

/* in->tags from the list v (NULL: unchanged), as tags_parse checks them. */
static int tags_in(struct http_response *res, const json_t *v, const char **buf,
		   struct project_in *in, const char *field)
{
	return tags_parse(res, v, buf, &in->tags, &in->ntags, field);
}

static const struct jfield project_fields[] = {
	{ "name", J_STRING, false, 64 },
	{ "domain_id", J_STRING_NULL, false, 64 },
	{ "description", J_STRING_NULL, false, 65535 },
	{ "enabled", J_BOOL, false, 0 },
	{ "parent_id", J_STRING_NULL, false, 64 },
	{ "is_domain", J_BOOL, false, 0 },
	{ "tags", J_ARRAY, false, 0 },
	{ "options", J_OBJECT, false, 0 },
};

/* Project options (immutable) Basalt does not model are refused, not
 * silently dropped. */
static int unsupported(struct http_response *res, const json_t *p)
{
	if (json_object_size(json_object_get(p, "options")) > 0)
		return http_error(
		    res, 400,
		    "Invalid input for field 'options': no project options are supported.");
	return 0;
}

static int name_ok(struct http_response *res, const char *name)
{
	if (name && (!name[0] || strspn(name, " \t") == strlen(name)))
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	return 0;
}

/* A write's error (the project named by name when it clashes). */
static int project_error(struct http_request *req, struct http_response *res, int r,
			 const struct project_in *in, const char *id)
{
	switch (r) {
	case -ESRCH:
		return http_error(res, 400, "Could not find domain: %s.", in->domain_id);
	case -EXDEV:
		return http_error(res, 400, "Cannot change Domain ID");
	case -EPIPE:
		return http_error(res, 403, "Update of `parent_id` is not allowed.");
	case -EISDIR:
		return http_error(res, 400, "Update of `is_domain` is not allowed.");
	case -ECANCELED:
		return http_error(res, 403,
				  "Cannot enable project %s since it has disabled parents", id);
	case -EACCES: /* a domain acting as a project, still enabled */
		return http_error(
		    res, 403, "Cannot delete a domain that is enabled, please disable it first.");
	case -EEXIST:
		return in->domain_id
			   ? http_error(
				 res, 409,
				 "Conflict occurred attempting to store project - Duplicate entry found with name %s at domain ID %s.",
				 in->name, in->domain_id)
			   : http_error(
				 res, 409,
				 "Conflict occurred attempting to store project - Duplicate entry found with name %s.",
				 in->name);
	case -ENOLINK:
		return http_error(res, 409, "Cannot delete project %s: it is still in use.", id);
	case -ENOTEMPTY:
		return in->enabled == 0
			   ? http_error(
				 res, 403,
				 "Cannot disable project %s since its subtree contains enabled projects.",
				 id)
			   : http_error(
				 res, 403,
				 "Cannot delete the project %s since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.",
				 id);
	default:
		return reply_error(req, res, r, "project", id);
	}
}

/* A create's error: about its parent in Keystone's words, else as any
 * write's. bad: what project_create wrote to its id_out. */
static int create_error(struct http_request *req, struct http_response *res, int r,
			const struct project_in *in, const char *bad)
{
	switch (r) {
	case -ENXIO:
		return http_error(res, 400, "Could not find project: %s.", in->parent_id);
	case -EXDEV:
		return http_error(
		    res, 400,
		    "Cannot create project, since it specifies its domain_id %s, but specifies a parent in a different domain (%s).",
		    in->domain_id, bad);
	case -EISDIR:
		return http_error(
		    res, 400,
		    "Cannot create project, the parent (%s) is acting as a domain, but this project's domain id (%s) does not match the parent's id.",
		    in->parent_id, in->domain_id);
	case -ECANCELED:
		return http_error(
		    res, 400,
		    "cannot create a project in a branch containing a disabled project: %s", bad);
	case -ELOOP:
		return http_error(res, 403, "Max hierarchy depth reached for %s branch.",
				  in->parent_id);
	case -EEXIST:
		if (in->is_domain)
			return http_error(
			    res, 409,
			    "Conflict occurred attempting to store project - it is not permitted to have two projects acting as domains with the same name: %s",
			    in->name);
		/* fall through */
	default:
		return project_error(req, res, r, in, NULL);
	}
}

static int enabled_of(const json_t *p)
{
	const json_t *en = json_object_get(p, "enabled");

	return en ? json_is_true(en) : -1;
}

/* The reply after a write: the project as GET shows it. */
static int reply_written(struct http_request *req, struct http_response *res, int status,
			 struct store *st, const char *id)
{
	return reply_project(req, res, status, st, id);
}

int h_project_create(struct http_request *req, struct http_response *res)
{
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "project", project_fields, ARRAY_SIZE(project_fields), &p);
	const char *tags[PROJECT_MAX_TAGS];
	struct project_in in;
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	in = (struct project_in){ .name = json_str(p, "name"),
				  .domain_id = json_str(p, "domain_id"),
				  .description = json_str(p, "description"),
				  .parent_id = json_str(p, "parent_id"),
				  .enabled = enabled_of(p),
				  .is_domain = json_is_true(json_object_get(p, "is_domain")) };
	if (!in.name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (name_ok(res, in.name) < 0 || unsupported(res, p) < 0 ||
	    tags_in(res, json_object_get(p, "tags"), tags, &in, "tags") < 0)
		return -1;
	if (in.is_domain && (in.domain_id || in.parent_id))
		return http_error(res, 400, "only root projects are allowed to act as domains.");
	if (!in.domain_id && !in.is_domain) /* Keystone: the token's domain, else the default */
		in.domain_id = caller_domain(&req->caller);
	if (in.enabled < 0)
		in.enabled = 1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = project_create(st, &req->caller, &in, id);
	if (r < 0)
		r = create_error(req, res, r, &in, id);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return reply_written(req, res, 201, st, id);
}

int h_project_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	json_t *p;
	_cleanup_json_ json_t *body =
	    api_body_object(req, res, "project", project_fields, ARRAY_SIZE(project_fields), &p);
	const char *tags[PROJECT_MAX_TAGS];
	const json_t *isd;
	struct project_in in;
	struct store *st;
	int r;

	if (!body)
		return -1;
	in = (struct project_in){ .name = json_str(p, "name"),
				  .domain_id = json_str(p, "domain_id"),
				  .description = json_str(p, "description"),
				  .parent_id = json_str(p, "parent_id"),
				  .enabled = enabled_of(p) };
	if (name_ok(res, in.name) < 0 || unsupported(res, p) < 0 ||
	    tags_in(res, json_object_get(p, "tags"), tags, &in, "tags") < 0)
		return -1;
	isd = json_object_get(p, "is_domain");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	/* is_domain may be repeated, never changed. */
	r = 0;
	if (isd) {
		r = project_exists(st, id);
		if (r >= 0 && (r > 0) == json_is_true(isd) && (r > 0 || domain_exists(st, id) > 0))
			r = -EISDIR;
	}
	if (r >= 0)
		r = project_update(st, &req->caller, id, &in);
	if (r < 0)
		r = project_error(req, res, r,
				  &(struct project_in){ .name = in.name, .enabled = in.enabled },
				  id);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return reply_written(req, res, 200, st, id);
}

int h_project_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = project_delete(st, &req->caller, id);
	if (r < 0)
		r = project_error(req, res, r, &(struct project_in){ .enabled = -1 }, id);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- /v3/projects/{project_id}/tags --- */

static int add_tag(void *ctx, const char *tag)
{
	return json_array_append_new(ctx, json_string(tag)) == 0 ? 0 : -ENOMEM;
}

/* A tag call's error: the project or the tag not found, else as a write's. */
static int tag_error(struct http_request *req, struct http_response *res, int r, const char *id,
		     const char *tag)
{
	switch (r) {
	case -ENODATA:
		return http_error(res, 404, "Could not find project tag: %s.", tag);
	case -EEXIST:
		return http_error(res, 400,
				  "Invalid input for field 'tags': has non-unique elements ('%s')",
				  tag);
	case -E2BIG:
		return http_error(res, 400,
				  "Invalid input for field 'tags': is too long (at most %d tags)",
				  PROJECT_MAX_TAGS);
	default:
		return reply_error(req, res, r, "project", id);
	}
}

/* {"tags": [...], "links": {"self": ...}} of project id. */
static int reply_tags(struct http_request *req, struct http_response *res, struct store *st,
		      const char *id)
{
	json_t *tags = json_array();
	char url[1024];
	int r = project_tags(st, &req->caller, id, add_tag, tags);

	if (r < 0) {
		json_decref(tags);
		return tag_error(req, res, r, id, NULL);
	}
	snprintf(url, sizeof(url), "%s/v3/projects/%s/tags", http_base_url(req), id);
	return http_reply(res, 200, json_pack("{s:o,s:{s:s}}", "tags", tags, "links", "self", url));
}

int h_project_tags_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_tags(req, res, st, http_param(req, "project_id"));
}

static const struct jfield tags_fields[] = {
	{ "tags", J_ARRAY, true, 0 },
};

int h_project_tags_put(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	const char *tags[PROJECT_MAX_TAGS];
	struct project_in in = { 0 };
	char err[256];
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (json_check(body, tags_fields, ARRAY_SIZE(tags_fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	if (tags_in(res, json_object_get(body, "tags"), tags, &in, "tags") < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = project_tags_set(st, &req->caller, id, in.tags, in.ntags);
	if (r < 0)
		r = tag_error(req, res, r, id, NULL);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return reply_tags(req, res, st, id);
}

int h_project_tags_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = project_tags_set(st, &req->caller, id, NULL, 0);
	if (r < 0)
		r = tag_error(req, res, r, id, NULL);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_project_tag_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id"), *tag = http_param(req, "tag");
	struct store *st = basalt_store(req->b);
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = project_tag_check(st, &req->caller, id, tag);
	if (r < 0)
		return tag_error(req, res, r, id, tag);
	return http_reply(res, 204, NULL);
}

int h_project_tag_put(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id"), *tag = http_param(req, "tag");
	_cleanup_json_ json_t *t = json_string(tag);
	char url[1024];
	struct store *st;
	int r;

	if (!t)
		return http_error(res, 400, "Invalid input for field 'tag': not valid UTF-8.");
	if (tag_valid(res, t, NULL) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = project_tag_add(st, &req->caller, id, tag);
	if (r < 0)
		r = tag_error(req, res, r, id, tag);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	snprintf(url, sizeof(url), "%s/v3/projects/%s/tags/%s", http_base_url(req), id, tag);
	http_header_add(res, "Location", url);
	return http_reply(res, 201, NULL);
}

int h_project_tag_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "project_id"), *tag = http_param(req, "tag");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = project_tag_delete(st, &req->caller, id, tag);
	if (r < 0)
		r = tag_error(req, res, r, id, tag);
	if (write_end(req, res, st, r, "project") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
