/* endpoint_groups.c - /v3/OS-EP-FILTER: endpoint groups, and which
 * endpoints (one by one or by group) a project's catalog is limited to:
 * parse, call endpoint_group.c, render. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

#define GROUPS "OS-EP-FILTER/endpoint_groups"

static int add_group(void *ctx, const struct endpoint_group *g)
{
	struct render_list *l = ctx;
	json_t *filters = json_loads(g->filters, 0, NULL);

	if (!filters)
		return -EIO;
	return json_array_append_new(
		   l->items,
		   json_pack("{s:s,s:s,s:o,s:o,s:o}", "id", g->id, "name", g->name, "description",
			     g->description ? json_string(g->description) : json_null(), "filters",
			     filters, "links", render_links(l->req, GROUPS, g->id)))
		   ? -ENOMEM
		   : 0;
}

/* Reply 200 {key: items, links} (links.self the request's collection,
 * path under /v3) when r >= 0, else r's error: -ENOENT names what and id. */
static int reply_collection(struct http_request *req, struct http_response *res, const char *key,
			    const char *path, json_t *items, int r, const char *what,
			    const char *id)
{
	json_t *body, *self;

	if (r < 0) {
		json_decref(items);
		return reply_error(req, res, r, what, id);
	}
	body = render_list(req, key, items);
	self = render_links(req, path, NULL);
	json_object_set(json_object_get(body, "links"), "self", json_object_get(self, "self"));
	json_decref(self);
	return http_reply(res, 200, body);
}

static int reply_group(struct http_request *req, struct http_response *res, int status,
		       struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = endpoint_group_get(st, &req->caller, id, add_group, &l);

	return reply_one(req, res, status, "endpoint_group", l.items, r, "Endpoint Group", id);
}

/* name, when given, is a Keystone name: not empty, not only blanks. */
static int name_check(struct http_response *res, const char *name)
{
	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': '' is too short.");
	if (name && !name[strspn(name, " \t\n\r\f\v")])
		return http_error(res, 400,
				  "Invalid input for field 'name': '%s' does not match '[\\S]+'.",
				  name);
	return 0;
}

/* filters: a non-empty object of service_id (a string), interface (public,
 * internal or admin) and region_id (a string or null), as Keystone checks
 * them. Its canonical text into *text (the caller frees it); -1 with the
 * 400 in res. */
static int filters_text(struct http_response *res, const json_t *f, char **text)
{
	const char *key;
	json_t *v;

	if (json_object_size(f) == 0)
		return http_error(res, 400, "filters field is required and cannot be empty");
	json_object_foreach((json_t *)f, key, v)
	{
		const char *s = json_string_value(v);
		if (strcmp(key, "service_id") != 0 && strcmp(key, "interface") != 0 &&
		    strcmp(key, "region_id") != 0)
			return http_error(res, 400,
					  "Expecting to find service_id or region_id or interface in"
					  " endpoint_group. The server could not comply with the"
					  " request since it is either malformed or otherwise"
					  " incorrect. The client is assumed to be in error.");
		if (strcmp(key, "region_id") == 0 ? !s && !json_is_null(v) : !s)
			return http_error(res, 400,
					  "Invalid input for field 'filters/%s': is not of type %s.",
					  key,
					  strcmp(key, "region_id") == 0 ? "'string', 'null'"
									: "'string'");
		if (strcmp(key, "interface") == 0 && strcmp(s, "public") != 0 &&
		    strcmp(s, "internal") != 0 && strcmp(s, "admin") != 0)
			return http_error(res, 400,
					  "Invalid input for field 'filters/interface': '%.64s' is"
					  " not one of ['admin', 'internal', 'public'].",
					  s);
		if (s && strlen(s) > 255)
			return http_error(res, 400,
					  "Invalid input for field 'filters/%s': is too long (at most"
					  " 255 characters).",
					  key);
	}
	*text = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
	return *text ? 0 : http_error(res, 500, "Could not store the filters.");
}

static const struct jfield group_fields[] = {
	{ "id", J_STRING, false, 64 },
	{ "name", J_STRING, false, 255 },
	{ "description", J_STRING_NULL, false, 65535 },
	{ "filters", J_OBJECT, false, 0 },
};

int h_endpoint_group_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "endpoint_groups", l.items,
			   endpoint_group_list(st, &req->caller, http_query(req, "name"), add_group,
					       &l));
}

int h_endpoint_group_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_group(req, res, 200, st, http_param(req, "endpoint_group_id"));
}

int h_endpoint_group_create(struct http_request *req, struct http_response *res)
{
	json_t *g;
	_cleanup_json_ json_t *body = api_body_object(req, res, "endpoint_group", group_fields,
						      ARRAY_SIZE(group_fields), &g);
	_cleanup_free_ char *filters = NULL;
	char id[ID_HEX_LEN + 1];
	struct store *st;
	int r;

	if (!body)
		return -1;
	for (const char *const *f = (const char *const[]){ "name", "filters", NULL }; *f; f++)
		if (!json_object_get(g, *f))
			return http_error(res, 400,
					  "Invalid input for field '%s': '%s' is a required property.",
					  *f, *f);
	if (name_check(res, json_str(g, "name")) < 0 ||
	    filters_text(res, json_object_get(g, "filters"), &filters) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = endpoint_group_create(st, &req->caller, json_str(g, "name"),
				  json_str(g, "description"), filters, id);
	if (r < 0)
		r = reply_error(req, res, r, "endpoint_group", NULL);
	if (write_end(req, res, st, r, "endpoint_group") < 0)
		return -1;
	return reply_group(req, res, 201, st, id);
}

int h_endpoint_group_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "endpoint_group_id");
	json_t *g;
	_cleanup_json_ json_t *body = api_body_object(req, res, "endpoint_group", group_fields,
						      ARRAY_SIZE(group_fields), &g);
	_cleanup_free_ char *filters = NULL;
	struct store *st;
	int r;

	if (!body || !patch_object(res, g, "endpoint_group", id) ||
	    name_check(res, json_str(g, "name")) < 0)
		return -1;
	if (json_object_get(g, "filters") &&
	    filters_text(res, json_object_get(g, "filters"), &filters) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = endpoint_group_update(st, &req->caller, id, json_str(g, "name"),
				  json_object_get(g, "description") != NULL,
				  json_str(g, "description"), filters);
	if (r < 0)
		r = reply_error(req, res, r, "Endpoint Group", id);
	if (write_end(req, res, st, r, "endpoint_group") < 0)
		return -1;
	return reply_group(req, res, 200, st, id);
}

int h_endpoint_group_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "endpoint_group_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = endpoint_group_delete(st, &req->caller, id);
	if (r < 0)
		r = reply_error(req, res, r, "Endpoint Group", id);
	if (write_end(req, res, st, r, "endpoint_group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* GET a collection of one group, project or endpoint (the path's param)
 * with list: 404 naming what when it does not exist. */
#define REPLY_OF(req, res, key, param, what, list, add)                                            \
	({                                                                                         \
		struct store *st_ = basalt_store((req)->b);                                        \
		const char *id_ = http_param((req), (param));                                      \
		struct render_list l_ = { (req), json_array() };                                   \
		char path_[512];                                                                   \
		int r_ = st_ ? list(st_, &(req)->caller, id_, (add), &l_) : -EIO;                  \
		snprintf(path_, sizeof(path_), "%s", (req)->path + strlen("/v3/"));                \
		reply_collection((req), (res), (key), path_, l_.items, r_, (what), id_);           \
	})

int h_endpoint_group_endpoints(struct http_request *req, struct http_response *res)
{
	return REPLY_OF(req, res, "endpoints", "endpoint_group_id", "Endpoint Group",
			endpoint_group_endpoints, render_add_endpoint);
}

int h_endpoint_group_projects(struct http_request *req, struct http_response *res)
{
	return REPLY_OF(req, res, "projects", "endpoint_group_id", "Endpoint Group",
			endpoint_group_projects, render_add_project);
}

int h_project_endpoint_groups(struct http_request *req, struct http_response *res)
{
	return REPLY_OF(req, res, "endpoint_groups", "project_id", "project",
			endpoint_groups_of_project, add_group);
}

int h_endpoint_projects(struct http_request *req, struct http_response *res)
{
	return REPLY_OF(req, res, "projects", "endpoint_id", "endpoint", endpoint_projects,
			render_add_project);
}

int h_project_endpoints(struct http_request *req, struct http_response *res)
{
	return REPLY_OF(req, res, "endpoints", "project_id", "project", project_endpoint_list,
			render_add_endpoint);
}

/* --- associations --- */

/* An association call's error as Keystone answers it. */
static int assoc_error(struct http_request *req, struct http_response *res, int r,
		       const char *missing, bool group, const char *first_id,
		       const char *project_id)
{
	if (r == -ENOENT && missing && strcmp(missing, "project") == 0)
		return http_error(res, 404, "Could not find project: %s.", project_id);
	if (r == -ENOENT && missing && strcmp(missing, "association") == 0)
		return group ? http_error(res, 404, "Endpoint Group Project Association not found")
			     : http_error(res, 404, "Endpoint %s not found in project %s", first_id,
					  project_id);
	if (r == -ENOENT)
		return http_error(res, 404, "Could not find %s: %s.",
				  group ? "Endpoint Group" : "endpoint", first_id);
	if (r == -EEXIST)
		return http_error_errno(res, r,
					group ? "project_endpoint_group" : "project_endpoint");
	return reply_error(req, res, r, group ? "project_endpoint_group" : "project_endpoint",
			   NULL);
}

/* Check (read), add or remove an association of the path's group or
 * endpoint with its project; 204, or for a group's check the association. */
static int assoc_reply(struct http_request *req, struct http_response *res, bool group,
		       enum assoc_op op)
{
	const char *first = http_param(req, group ? "endpoint_group_id" : "endpoint_id");
	const char *project = http_param(req, "project_id"), *missing = NULL;
	struct store *st;
	int r;

	if (op == ASSOC_CHECK) {
		st = basalt_store(req->b);
		if (!st)
			return http_error_errno(res, -EIO, "store");
		r = group ? endpoint_group_project(st, &req->caller, op, first, project, &missing)
			  : project_endpoint(st, &req->caller, op, project, first, &missing);
		if (r < 0)
			return assoc_error(req, res, r, missing, group, first, project);
		if (!group)
			return http_reply(res, 204, NULL);
		char self[512];
		snprintf(self, sizeof(self), "%s/v3/" GROUPS "/%s/projects/%s", http_base_url(req),
			 first, project);
		return http_reply(res, 200,
				  json_pack("{s:{s:s,s:s,s:{s:s}}}", "project_endpoint_group",
					    "endpoint_group_id", first, "project_id", project,
					    "links", "self", self));
	}
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = group ? endpoint_group_project(st, &req->caller, op, first, project, &missing)
		  : project_endpoint(st, &req->caller, op, project, first, &missing);
	if (r < 0)
		r = assoc_error(req, res, r, missing, group, first, project);
	if (write_end(req, res, st, r, group ? "project_endpoint_group" : "project_endpoint") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_endpoint_group_project_check(struct http_request *req, struct http_response *res)
{
	return assoc_reply(req, res, true, ASSOC_CHECK);
}

int h_endpoint_group_project_put(struct http_request *req, struct http_response *res)
{
	return assoc_reply(req, res, true, ASSOC_ADD);
}

int h_endpoint_group_project_delete(struct http_request *req, struct http_response *res)
{
	return assoc_reply(req, res, true, ASSOC_REMOVE);
}

int h_project_endpoint_check(struct http_request *req, struct http_response *res)
{
	return assoc_reply(req, res, false, ASSOC_CHECK);
}

int h_project_endpoint_put(struct http_request *req, struct http_response *res)
{
	return assoc_reply(req, res, false, ASSOC_ADD);
}

int h_project_endpoint_delete(struct http_request *req, struct http_response *res)
{
	return assoc_reply(req, res, false, ASSOC_REMOVE);
}
