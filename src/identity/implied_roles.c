/* implied_roles.c - implied roles: PUT/GET/HEAD/DELETE
 * /v3/roles/{prior_role_id}/implies/{implied_role_id}, GET
 * /v3/roles/{prior_role_id}/implies and GET /v3/role_inferences. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "http/api.h"
#include "http/http.h"
#include "identity/identity.h"

/* {"id", "name", "links"} of a role in a rule. */
static json_t *rule_role(const struct http_request *req, const char *id, const char *name)
{
	return json_pack("{s:s,s:s,s:o}", "id", id, "name", name, "links",
			 render_links(req, "roles", id));
}

static json_t *rule_links(const struct http_request *req, const char *prior, const char *implied)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s/v3/roles/%s/implies%s%s", http_base_url(req), prior,
		 implied ? "/" : "", implied ? implied : "");
	return json_pack("{s:s}", "self", url);
}

/* The rules being rendered: one object per prior role, in order. */
struct rules {
	const struct http_request *req;
	json_t *items; /* [{"prior_role": ..., "implies": [...]}] */
	json_t *one;   /* the single rule of a GET, or NULL */
};

static int add_rule(void *ctx, const struct implied_role *ir)
{
	struct rules *l = ctx;
	json_t *last = json_array_get(l->items, json_array_size(l->items) - 1);
	json_t *implied = rule_role(l->req, ir->implied_id, ir->implied_name);

	if (!l->one)
		l->one = json_pack("{s:o,s:O}", "prior_role",
				   rule_role(l->req, ir->prior_id, ir->prior_name), "implies",
				   implied);
	if (!last || strcmp(json_string_value(json_object_get(
				json_object_get(last, "prior_role"), "id")),
			    ir->prior_id) != 0) {
		last = json_pack("{s:o,s:[]}", "prior_role",
				 rule_role(l->req, ir->prior_id, ir->prior_name), "implies");
		json_array_append_new(l->items, last);
	}
	json_array_append_new(json_object_get(last, "implies"), implied);
	return 0;
}

static int rule_error(struct http_request *req, struct http_response *res, int r,
		      const char *missing)
{
	const char *prior = http_param(req, "prior_role_id");
	const char *implied = http_param(req, "implied_role_id");

	if (r == -EINVAL)
		return http_error(res, 400, "%s cannot be an implied role.", implied);
	if (r == -EACCES)
		return http_error(res, 403, "Global role cannot imply a domain-specific role.");
	if (r != -ENOENT || !missing)
		return reply_error(req, res, r, "implied role", NULL);
	if (strcmp(missing, "implied role rule") == 0)
		return http_error(res, 404, "%s does not imply %s.", prior, implied);
	return http_error(res, 404, "Could not find role: %s.",
			  strcmp(missing, "prior role") == 0 ? prior : implied);
}

/* Reply status with the rule prior -> implied (HEAD: 204 alone). */
static int reply_rule(struct http_request *req, struct http_response *res, int status,
		      struct store *st)
{
	const char *prior = http_param(req, "prior_role_id");
	const char *implied = http_param(req, "implied_role_id");
	bool head = strcmp(req->method, "HEAD") == 0;
	struct rules l = { req, json_array(), NULL };
	const char *missing = NULL;
	int r = implied_role_get(st, &req->caller, prior, implied, head, add_rule, &l, &missing);

	json_decref(l.items);
	if (r < 0) {
		json_decref(l.one);
		return rule_error(req, res, r, missing);
	}
	if (head) {
		json_decref(l.one);
		return http_reply(res, 204, NULL);
	}
	return http_reply(res, status,
			  json_pack("{s:o,s:o}", "role_inference", l.one, "links",
				    rule_links(req, prior, implied)));
}

int h_implied_role_get(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);

	if (!st)
		return http_error_errno(res, -EIO, "store");
	return reply_rule(req, res, 200, st);
}

int h_implied_role_put(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	const char *missing = NULL;
	int r;

	if (!st)
		return -1;
	r = implied_role_put(st, &req->caller, http_param(req, "prior_role_id"),
			     http_param(req, "implied_role_id"), &missing);
	if (r < 0)
		r = rule_error(req, res, r, missing);
	if (write_end(req, res, st, r, "implied role") < 0)
		return -1;
	return reply_rule(req, res, 201, st);
}

int h_implied_role_delete(struct http_request *req, struct http_response *res)
{
	struct store *st = api_write_begin(req, res);
	const char *missing = NULL;
	int r;

	if (!st)
		return -1;
	r = implied_role_delete(st, &req->caller, http_param(req, "prior_role_id"),
				http_param(req, "implied_role_id"), &missing);
	if (r < 0)
		r = rule_error(req, res, r, missing);
	if (write_end(req, res, st, r, "implied role") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int h_implied_role_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *prior = http_param(req, "prior_role_id");
	struct rules l = { req, json_array(), NULL };
	const char *missing = NULL;
	json_t *inf;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = implied_role_list(st, &req->caller, prior, add_rule, &l, &missing);
	json_decref(l.one);
	if (r < 0) {
		json_decref(l.items);
		return rule_error(req, res, r, missing);
	}
	inf = json_array_get(l.items, 0);
	if (inf)
		json_incref(inf);
	else { /* no rules: the prior role, implying nothing */
		struct render_list rl = { req, json_array() };
		r = role_get(st, &req->caller, prior, render_add_role, &rl);
		json_t *ro = json_array_get(rl.items, 0);
		inf = json_pack("{s:o,s:[]}", "prior_role",
				rule_role(req, prior,
					  ro ? json_string_value(json_object_get(ro, "name")) : ""),
				"implies");
		json_decref(rl.items);
	}
	json_decref(l.items);
	return http_reply(res, 200,
			  json_pack("{s:o,s:o}", "role_inference", inf, "links",
				    rule_links(req, prior, NULL)));
}

int h_role_inferences(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct rules l = { req, json_array(), NULL };
	const char *missing = NULL;
	char url[1024];
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = implied_role_list(st, &req->caller, NULL, add_rule, &l, &missing);
	json_decref(l.one);
	if (r < 0) {
		json_decref(l.items);
		return rule_error(req, res, r, missing);
	}
	snprintf(url, sizeof(url), "%s/v3/role_inferences", http_base_url(req));
	return http_reply(res, 200,
			  json_pack("{s:o,s:{s:s}}", "role_inferences", l.items, "links", "self",
				    url));
}
