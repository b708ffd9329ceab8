/* render.c - Keystone's JSON shapes for identity resources. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "http/http.h"
#include "identity/identity.h"

json_t *render_links(const struct http_request *req, const char *collection, const char *id)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/v3/%s%s%s", http_base_url(req), collection, id ? "/" : "",
		 id ? id : "");
	return json_pack("{s:s}", "self", url);
}

json_t *render_list(const struct http_request *req, const char *collection, json_t *items)
{
	json_t *links = render_links(req, collection, NULL);

	json_object_set_new(links, "previous", json_null());
	json_object_set_new(links, "next", json_null());
	return json_pack("{s:o,s:o}", collection, items, "links", links);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A comma-joined tag list as a JSON array. */
static json_t *tags_array(const char *tags)
{
	json_t *a = json_array();
	const char *e;

	for (; tags && *tags; tags = *e ? e + 1 : e) {
		e = strchr(tags, ',');
		if (!e)
			e = tags + strlen(tags);
		json_array_append_new(a, json_stringn(tags, (size_t)(e - tags)));
	}
	return a;
}

json_t *render_domain(const struct http_request *req, const struct domain *d)
{
	return json_pack("{s:s,s:s,s:s,s:b,s:o,s:{},s:o}", "id", d->id, "name", d->name,
			 "description", d->description ? d->description : "", "enabled",
			 d->enabled, "tags", tags_array(d->tags), "options", "links",
			 render_links(req, "domains", d->id));
}

json_t *render_project(const struct http_request *req, const struct project *p)
{
	/* Top-level projects have their domain as parent, as in Keystone; a
	 * domain acting as a project has neither. */
	return json_pack("{s:s,s:s,s:o,s:s,s:b,s:o,s:b,s:o,s:{},s:o}", "id", p->id, "name",
			 p->name, "domain_id", str_or_null(p->domain_id), "description",
			 p->description ? p->description : "", "enabled", p->enabled, "parent_id",
			 p->is_domain ? json_null()
				      : json_string(p->parent_id ? p->parent_id : p->domain_id),
			 "is_domain", p->is_domain, "tags", tags_array(p->tags), "options", "links",
			 render_links(req, "projects", p->id));
}

json_t *render_user(const struct http_request *req, const struct user *u)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:n,s:{},s:o}", "id", u->id, "name", u->name,
			      "domain_id", u->domain_id, "enabled", u->enabled,
			      "password_expires_at", "options", "links",
			      render_links(req, "users", u->id));

	/* Optional attributes appear only when set, as Keystone's extras do. */
	if (u->default_project_id)
		json_object_set_new(o, "default_project_id", json_string(u->default_project_id));
	if (u->description)
		json_object_set_new(o, "description", json_string(u->description));
	if (u->email)
		json_object_set_new(o, "email", json_string(u->email));
	/* Keystone's extras, never over a known attribute. */
	if (u->extra) {
		json_t *ex = json_loads(u->extra, 0, NULL), *v;
		const char *k;
		json_object_foreach(ex, k, v)
		{
			if (!json_object_get(o, k))
				json_object_set(o, k, v);
		}
		json_decref(ex);
	}
	return o;
}

json_t *render_role(const struct http_request *req, const struct role *ro)
{
	return json_pack("{s:s,s:s,s:o,s:o,s:{},s:o}", "id", ro->id, "name", ro->name,
			 "domain_id", str_or_null(ro->domain_id), "description",
			 str_or_null(ro->description), "options", "links",
			 render_links(req, "roles", ro->id));
}

json_t *render_group(const struct http_request *req, const struct group *g)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", g->id, "name", g->name, "domain_id",
			      g->domain_id, "description", g->description ? g->description : "",
			      "links", render_links(req, "groups", g->id));
	json_t *extra = g->extra ? json_loads(g->extra, 0, NULL) : NULL;

	/* The other attributes the group was given, as Keystone answers them. */
	if (o && json_is_object(extra))
		json_object_update_missing(o, extra);
	json_decref(extra);
	return o;
}

json_t *render_endpoint(const struct http_request *req, const struct endpoint *ep)
{
	/* "region" is the legacy name of region_id; Keystone sends both. */
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:o}", "id", ep->id, "service_id",
			 ep->service_id, "interface", ep->interface, "url", ep->url, "region_id",
			 str_or_null(ep->region_id), "region", str_or_null(ep->region_id),
			 "enabled", ep->enabled, "links", render_links(req, "endpoints", ep->id));
}

static int add(void *ctx, json_t *item)
{
	struct render_list *l = ctx;

	return item && json_array_append_new(l->items, item) == 0 ? 0 : -ENOMEM;
}

int render_add_domain(void *ctx, const struct domain *d)
{
	return add(ctx, render_domain(((struct render_list *)ctx)->req, d));
}

int render_add_project(void *ctx, const struct project *p)
{
	return add(ctx, render_project(((struct render_list *)ctx)->req, p));
}

int render_add_user(void *ctx, const struct user *u)
{
	return add(ctx, render_user(((struct render_list *)ctx)->req, u));
}

int render_add_role(void *ctx, const struct role *ro)
{
	return add(ctx, render_role(((struct render_list *)ctx)->req, ro));
}

int render_add_endpoint(void *ctx, const struct endpoint *ep)
{
	return add(ctx, render_endpoint(((struct render_list *)ctx)->req, ep));
}

int render_add_group(void *ctx, const struct group *g)
{
	return add(ctx, render_group(((struct render_list *)ctx)->req, g));
}

int reply_error(struct http_request *req, struct http_response *res, int r, const char *what,
		const char *id)
{
	if (r == -EPERM) /* the policy, naming the route's action */
		return http_error_errno(res, r, req->route ? req->route->rule : what);
	if (r == -ENOENT && id)
		return http_error(res, 404, "Could not find %s: %s.", what, id);
	return http_error_errno(res, r, what);
}

int reply_items(struct http_request *req, struct http_response *res, const char *collection,
		json_t *items, int r)
{
	if (r < 0) {
		json_decref(items);
		return reply_error(req, res, r, collection, NULL);
	}
	return http_reply(res, 200, render_list(req, collection, items));
}

int reply_one(struct http_request *req, struct http_response *res, int status, const char *key,
	      json_t *items, int r, const char *what, const char *id)
{
	json_t *obj = json_array_get(items, 0);

	if (r >= 0 && !obj)
		r = -ENOENT;
	if (r < 0) {
		json_decref(items);
		return reply_error(req, res, r, what, id);
	}
	json_incref(obj);
	json_decref(items);
	return http_reply(res, status, json_pack("{s:o}", key, obj));
}
