/* groups.c - /v3/groups: CRUD, membership (/v3/groups/{id}/users[/{uid}])
 * and a user's groups (/v3/users/{id}/groups). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

static const struct jfield group_fields[] = {
	{ "name", J_STRING, false, 255 },
	{ "domain_id", J_STRING, false, 64 },
	{ "description", J_STRING_NULL, false, 65535 },
};

/* The body {"group": {...}}: the known fields checked, any other member an
 * extra attribute, kept and answered back as Keystone does (its group
 * schema allows additional properties). Returns the body (caller owns it)
 * with *g borrowed and *extra the extras' JSON text (malloc'd, NULL when
 * none), or NULL with a 400 in res. */
static json_t *group_body(struct http_request *req, struct http_response *res, json_t **g,
			  char **extra)
{
	json_t *body = http_body_json(req, res), *known, *more, *v;
	const char *key;
	char err[256];
	int r = 0;

	*extra = NULL;
	if (!body)
		return NULL;
	*g = json_object_get(body, "group");
	if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_object(*g)) {
		json_decref(body);
		http_error(res, 400, "Invalid input: the body must be {\"group\": {...}}.");
		return NULL;
	}
	known = json_object();
	more = json_object();
	json_object_foreach(*g, key, v)
	{
		bool is_known = false;
		for (size_t i = 0; i < ARRAY_SIZE(group_fields); i++)
			is_known |= strcmp(key, group_fields[i].name) == 0;
		if (is_known)
			json_object_set(known, key, v);
		else if (strcmp(key, "id") != 0 && strcmp(key, "links") != 0)
			json_object_set(more, key, v);
	}
	if (json_check(known, group_fields, ARRAY_SIZE(group_fields), err, sizeof(err)) < 0)
		r = http_error(res, 400, "%s", err);
	else if (json_object_size(more) && !(*extra = json_dumps(more, JSON_COMPACT)))
		r = http_error(res, 500, "Could not keep the group's attributes.");
	else if (*extra && strlen(*extra) > 65535)
		r = http_error(res, 400, "Invalid input: the group's other attributes are too long.");
	json_decref(known);
	json_decref(more);
	if (r < 0) {
		free(*extra);
		*extra = NULL;
		json_decref(body);
		return NULL;
	}
	return body;
}

static int reply_group(struct http_request *req, struct http_response *res, int status,
		       struct store *st, const char *id)
{
	struct render_list l = { req, json_array() };
	int r = group_get(st, &req->caller, id, render_add_group, &l);

	return reply_one(req, res, status, "group", l.items, r, "group", id);
}

/* A write's error, as Keystone words it. */
static int group_error(struct http_request *req, struct http_response *res, int r,
		       const char *name, const char *domain_id, const char *id)
{
	switch (r) {
	case -ESRCH:
		return http_error(res, 400, "Could not find domain: %s.", domain_id);
	case -EXDEV:
		return http_error(
		    res, 400,
		    "Invalid input for field 'domain_id': a group cannot move to another domain.");
	case -EEXIST:
		return http_error(
		    res, 409,
		    "Conflict occurred attempting to store group - Duplicate entry found with name %s.",
		    name);
	default:
		return reply_error(req, res, r, "group", id);
	}
}

int h_group_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	return reply_items(req, res, "groups", l.items,
			   group_list(st, &req->caller, http_query(req, "name"),
				      http_query(req, "domain_id"), render_add_group, &l));
}

int h_group_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_group(req, res, 200, st, http_param(req, "group_id"));
}

static int check_group_body(struct http_response *res, const json_t *g)
{
	const char *name = json_str(g, "name");

	if (name && !name[0])
		return http_error(res, 400, "Invalid input for field 'name': must not be empty.");
	return 0;
}

int h_group_create(struct http_request *req, struct http_response *res)
{
	json_t *g;
	_cleanup_free_ char *extra = NULL;
	_cleanup_json_ json_t *body = group_body(req, res, &g, &extra);
	char id[ID_HEX_LEN + 1];
	const char *name, *domain_id;
	struct store *st;
	int r;

	if (!body)
		return -1;
	name = json_str(g, "name");
	if (!name)
		return http_error(res, 400,
				  "Invalid input for field 'name': 'name' is a required property.");
	if (check_group_body(res, g) < 0)
		return -1;
	domain_id = json_str(g, "domain_id");
	if (!domain_id)
		domain_id = caller_domain(&req->caller);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = group_create(st, &req->caller, name, domain_id, json_str(g, "description"), extra, id);
	if (r < 0)
		r = group_error(req, res, r, name, domain_id, NULL);
	if (write_end(req, res, st, r, "group") < 0)
		return -1;
	return reply_group(req, res, 201, st, id);
}

int h_group_update(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "group_id");
	json_t *g;
	_cleanup_free_ char *extra = NULL;
	_cleanup_json_ json_t *body = group_body(req, res, &g, &extra);
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (check_group_body(res, g) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = group_update(st, &req->caller, id, json_str(g, "name"), json_str(g, "domain_id"),
			 json_str(g, "description"), extra);
	if (r < 0)
		r = group_error(req, res, r, json_str(g, "name"), NULL, id);
	if (write_end(req, res, st, r, "group") < 0)
		return -1;
	return reply_group(req, res, 200, st, id);
}

int h_group_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "group_id");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = group_delete(st, &req->caller, id);
	if (r < 0)
		r = group_error(req, res, r, NULL, NULL, id);
	if (write_end(req, res, st, r, "group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* A membership call's error: missing names what does not exist. */
static int member_error(struct http_request *req, struct http_response *res, int r,
			const char *missing)
{
	const char *gid = http_param(req, "group_id"), *uid = http_param(req, "user_id");

	if (r != -ENOENT || !missing)
		return reply_error(req, res, r, "group", NULL);
	if (strcmp(missing, "membership") == 0)
		return http_error(res, 404, "User '%s' not found in group '%s'.", uid, gid);
	return http_error(res, 404, "Could not find %s: %s.", missing,
			  strcmp(missing, "user") == 0 ? uid : gid);
}

int h_group_users(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct render_list l = { req, NULL };
	const char *missing;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	r = group_member_list(st, &req->caller, http_param(req, "group_id"), render_add_user, &l,
			      &missing);
	if (r < 0) {
		json_decref(l.items);
		return member_error(req, res, r, missing);
	}
	return reply_items(req, res, "users", l.items, 0);
}

int h_group_user_check(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *missing;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = group_member_check(st, &req->caller, http_param(req, "group_id"),
			       http_param(req, "user_id"), &missing);
	if (r < 0)
		return member_error(req, res, r, missing);
	return http_reply(res, 204, NULL);
}

int h_group_user_put(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	const char *missing;
	int r;

	if (!st)
		return -1;
	r = group_member_add(st, &req->caller, http_param(req, "group_id"),
			     http_param(req, "user_id"), &missing);
	if (r < 0)
		r = member_error(req, res, r, missing);
	if (write_end(req, res, st, r, "group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_group_user_delete(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	const char *missing;
	int r;

	if (!st)
		return -1;
	r = group_member_remove(st, &req->caller, http_param(req, "group_id"),
				http_param(req, "user_id"), &missing);
	if (r < 0)
		r = member_error(req, res, r, missing);
	if (write_end(req, res, st, r, "group") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_user_groups(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *uid = http_param(req, "user_id");
	struct render_list l = { req, NULL };
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	l.items = json_array();
	r = group_list_of_user(st, &req->caller, uid, render_add_group, &l);
	if (r == -ENOENT) {
		json_decref(l.items);
		return http_error(res, 404, "Could not find user: %s.", uid);
	}
	return reply_items(req, res, "groups", l.items, r);
}
