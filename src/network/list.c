/* list.c - the one way every Neutron collection is listed: filters on any
 * attribute, fields=, sorting and pagination with COLLECTION_links.
 *
 * Rows arrive rendered (only those the caller may see), so every filter
 * works on exactly what the API shows, and one implementation serves every
 * collection. Collections are small (one cloud's networks, ports...); the
 * in-memory work is cheaper than the HTTP round trip.
 *
 * Filters are validated as Neutron's filter-validation extension does: a
 * key that is not a filterable attribute of the collection is a 400, never
 * a silent "matches nothing" (a typo must not look like an empty cloud)
 * nor a silent "ignored" (a script deleting what it listed must not get
 * everything). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basalt.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* Query keys that are not attribute filters. */
static bool is_control_key(const char *k)
{
	static const char *const keys[] = { "fields", "sort_key", "sort_dir", "limit", "marker",
					    "page_reverse", "tags", "tags-any", "not-tags",
					    "not-tags-any" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

json_t *network_time(int64_t usec)
{
	char buf[32];

	time_format_iso_sec(usec, buf);
	return json_string(buf);
}

const char *network_caller_project(const struct caller *c)
{
	return c && c->project_id ? c->project_id : "";
}

void network_target_col1(struct store_stmt *q, struct target *t)
{
	t->project_id = store_text(q, 1);
}

void network_target_col2(struct store_stmt *q, struct target *t)
{
	t->project_id = store_text(q, 2);
}

/* Does one scalar JSON value equal the query text? */
static bool scalar_matches(const json_t *v, const char *want)
{
	char buf[32];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strcmp(json_string_value(v), want) == 0;
	case JSON_TRUE:
	case JSON_FALSE:
		return parse_bool(want) == (json_is_true(v) ? 1 : 0);
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strcmp(buf, want) == 0;
	case JSON_NULL:
		return !want[0] || strcasecmp(want, "none") == 0;
	default:
		return false;
	}
}

/* fixed_ips=ip_address=X, fixed_ips=subnet_id=X, fixed_ips=ip_address_substr=X */
static bool fixed_ips_match(const json_t *ips, const char *want)
{
	const char *eq = strchr(want, '=');
	char key[32];
	size_t i;
	json_t *ip;

	if (!eq || (size_t)(eq - want) >= sizeof(key))
		return false;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - want), want);
	json_array_foreach(ips, i, ip) {
		const char *addr = json_string_value(json_object_get(ip, "ip_address"));
		if (strcmp(key, "ip_address_substr") == 0) {
			if (addr && strstr(addr, eq + 1))
				return true;
			continue;
		}
		const json_t *v = json_object_get(ip, key);
		if (json_is_string(v) && strcmp(json_string_value(v), eq + 1) == 0)
			return true;
	}
	return false;
}

static bool value_matches(const char *attr, const json_t *v, const char *want)
{
	size_t i;
	json_t *x;

	if (strcmp(attr, "fixed_ips") == 0 && json_is_array(v))
		return fixed_ips_match(v, want);
	if (json_is_array(v)) { /* a list attribute: any member */
		json_array_foreach(v, i, x)
			if (scalar_matches(x, want))
				return true;
		return false;
	}
	return scalar_matches(v, want);
}

/* One filter key: true when obj matches any of the key's values. */
static bool filter_matches(const struct http_request *req, const json_t *obj, const char *attr)
{
	const json_t *v = json_object_get(obj, attr);

	/* Only what the row shows is compared (check_filters refused a key
	 * the caller is not shown); a row without the attribute never
	 * matches. */
	if (!v)
		return false;
	for (int i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].key, attr) == 0 &&
		    value_matches(attr, v, req->query[i].value ? req->query[i].value : ""))
			return true;
	return false;
}

/* Neutron's standard attributes, filterable on every resource that has them. */
#define STD_FILTERS "id", "tenant_id", "project_id", "description", "revision_number"

/* What each collection may be filtered on: the attributes Basalt shows
 * that Neutron marks is_filter. Shown but not filterable in Neutron
 * either: created_at/updated_at, subnets, port_security_enabled, a
 * router's status and gateway, binding:* but host_id, tags (tags= and
 * friends are their own filters). */
static const struct filterable {
	const char *collection, *resource; /* "networks", "network" */
	const char *const attrs[20];	   /* NULL-terminated */
} filterables[] = {
	{ "networks",
	  "network",
	  { STD_FILTERS, "name", "admin_state_up", "status", "shared", "router:external", "mtu",
	    "provider:network_type", "provider:physical_network", "provider:segmentation_id" } },
	{ "subnets",
	  "subnet",
	  { STD_FILTERS, "name", "ip_version", "network_id", "subnetpool_id", "cidr", "gateway_ip",
	    "enable_dhcp", "segment_id" } },
	{ "ports",
	  "port",
	  { STD_FILTERS, "name", "network_id", "admin_state_up", "mac_address", "fixed_ips",
	    "device_id", "device_owner", "status", "security_groups", "binding:host_id" } },
	{ "routers", "router", { STD_FILTERS, "name", "admin_state_up" } },
	{ "floatingips",
	  "floatingip",
	  { STD_FILTERS, "floating_ip_address", "floating_network_id", "router_id", "port_id",
	    "fixed_ip_address", "status" } },
	{ "security_groups", "security_group", { STD_FILTERS, "name", "shared", "stateful" } },
	{ "security_group_rules",
	  "security_group_rule",
	  { STD_FILTERS, "security_group_id", "remote_group_id", "direction", "protocol",
	    "port_range_min", "port_range_max", "ethertype", "remote_ip_prefix", "normalized_cidr",
	    "remote_address_group_id" } },
	{ "agents",
	  "agent",
	  { "id", "agent_type", "binary", "topic", "host", "admin_state_up", "alive", "description",
	    "availability_zone" } },
};

/* May c filter f's rows on attr? Only on an attribute f has and c is shown.
 * One that a "get_RESOURCE:ATTR" rule hides from c (provider:* or
 * binding:host_id from a project member) is, for c, no attribute at all:
 * were it filtered on, the rows c gets back would tell the hidden values
 * (provider:segmentation_id=N, one N at a time). The rule is checked
 * without a target, as the rules that hide attributes are role rules. */
static bool may_filter(const struct caller *c, const struct filterable *f, const char *attr)
{
	char rule[128];

	for (size_t i = 0; i < ARRAY_SIZE(f->attrs) && f->attrs[i]; i++) {
		if (strcmp(f->attrs[i], attr))
			continue;
		if ((size_t)snprintf(rule, sizeof(rule), "get_%s:%s", f->resource, attr) >=
		    sizeof(rule))
			return false;
		return !policy_rule(rule) || policy_allows(c, rule, NULL);
	}
	return false;
}

/* Refuse, as Neutron's filter validation does, every query key that is
 * neither a control key nor an attribute of collection the caller may
 * filter on: 400 "['k1', 'k2'] is invalid attribute for filtering" (each
 * key once, in query order). The answer depends on the keys and the
 * caller's roles only, never on the rows. 0, or -1 with the error in res. */
static int check_filters(const struct http_request *req, struct http_response *res,
			 const char *collection)
{
	const struct filterable *f = NULL;
	char bad[400] = "";
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(filterables) && !f; i++)
		if (strcmp(filterables[i].collection, collection) == 0)
			f = &filterables[i];
	if (!f) { /* a collection without its row above: a defect, said loudly */
		log_error("network: no filter attributes for collection %s", collection);
		return http_error(res, 500, "Could not list %s.", collection);
	}
	for (int i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key;
		bool seen = false;

		if (is_control_key(k) || may_filter(&req->caller, f, k))
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(req->query[j].key, k) == 0;
		if (seen)
			continue;
		if (len + 80 > sizeof(bad)) { /* enough named: say there are more */
			len += (size_t)snprintf(bad + len, sizeof(bad) - len, "%s...",
						len ? ", " : "");
			break;
		}
		len +=
		    (size_t)snprintf(bad + len, sizeof(bad) - len, "%s'%.64s'", len ? ", " : "", k);
	}
	if (len)
		return http_error(res, 400, "[%s] is invalid attribute for filtering", bad);
	return 0;
}

/* Neutron's tag filters: tags (all of), tags-any, not-tags, not-tags-any;
 * each value a comma list. */
static bool tags_match(const struct http_request *req, const json_t *obj)
{
	const json_t *tags = json_object_get(obj, "tags");

	for (int i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key, *val = req->query[i].value ? req->query[i].value : "";
		bool any = strstr(k, "-any") != NULL, neg = strncmp(k, "not-", 4) == 0;
		size_t have = 0, total = 0;
		char buf[512], *save = NULL;

		if (strcmp(k, "tags") && strcmp(k, "tags-any") && strcmp(k, "not-tags") &&
		    strcmp(k, "not-tags-any"))
			continue;
		snprintf(buf, sizeof(buf), "%s", val);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			size_t j;
			json_t *x;
			total++;
			json_array_foreach(tags, j, x)
				if (json_is_string(x) && strcmp(json_string_value(x), t) == 0) {
					have++;
					break;
				}
		}
		bool m = any ? have > 0 : have == total;
		if (m == neg)
			return false;
	}
	return true;
}

static bool row_matches(const struct http_request *req, const json_t *obj)
{
	for (int i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key;
		if (is_control_key(k))
			continue;
		/* tenant_id and project_id name the same owner. */
		if (!filter_matches(req, obj, k))
			return false;
	}
	return tags_match(req, obj);
}

struct sort_spec {
	const char *keys[8];
	bool desc[8];
	int n;
};

static int cmp_values(const json_t *a, const json_t *b)
{
	if (!a || json_is_null(a))
		return (!b || json_is_null(b)) ? 0 : -1;
	if (!b || json_is_null(b))
		return 1;
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);
		return x < y ? -1 : x > y;
	}
	if (json_is_boolean(a) && json_is_boolean(b))
		return (int)json_is_true(a) - (int)json_is_true(b);
	return 0;
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	const struct sort_spec *s = ctx;

	for (int i = 0; i < s->n; i++) {
		int c = cmp_values(json_object_get(a, s->keys[i]),
				   json_object_get(b, s->keys[i]));
		if (c)
			return s->desc[i] ? -c : c;
	}
	/* id breaks ties so that markers name one position. */
	return cmp_values(json_object_get(a, "id"), json_object_get(b, "id"));
}

static int parse_sort(const struct http_request *req, struct http_response *res,
		      struct sort_spec *s)
{
	int ndir = 0;

	s->n = 0;
	for (int i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key, *v = req->query[i].value ? req->query[i].value : "";
		if (strcmp(k, "sort_key") == 0) {
			if (s->n == (int)ARRAY_SIZE(s->keys))
				return http_error(res, 400, "Too many sort keys.");
			s->desc[s->n] = false;
			s->keys[s->n++] = v;
		} else if (strcmp(k, "sort_dir") == 0) {
			if (strcmp(v, "asc") && strcmp(v, "desc"))
				return http_error(res, 400, "Invalid sort_dir '%.64s'; it must be 'asc' or 'desc'.", v);
			if (ndir < (int)ARRAY_SIZE(s->desc))
				s->desc[ndir] = strcmp(v, "desc") == 0;
			ndir++;
		}
	}
	if (ndir && ndir != s->n)
		return http_error(res, 400, "The number of sort_keys and sort_dirs must be same.");
	return 0;
}

/* Append "k=v" URL-encoded to buf. */
static void url_append(char *buf, size_t len, const char *k, const char *v)
{
	size_t n = strlen(buf);
	const char *parts[2] = { k, v };

	if (n + 1 < len)
		buf[n++] = strchr(buf, '?') ? '&' : '?';
	for (int p = 0; p < 2; p++) {
		for (const unsigned char *c = (const unsigned char *)parts[p]; *c && n + 4 < len; c++) {
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || strchr("-_.~:", *c))
				buf[n++] = (char)*c;
			else
				n += (size_t)snprintf(buf + n, len - n, "%%%02X", *c);
		}
		if (p == 0 && n + 1 < len)
			buf[n++] = '=';
	}
	buf[n < len ? n : len - 1] = '\0';
}

static json_t *page_link(const struct http_request *req, const char *rel, const char *marker,
			 bool reverse)
{
	char href[2048];

	snprintf(href, sizeof(href), "%s%s", http_base_url(req), req->path);
	for (int i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].key;
		if (strcmp(k, "marker") && strcmp(k, "page_reverse"))
			url_append(href, sizeof(href), k, req->query[i].value ? req->query[i].value : "");
	}
	url_append(href, sizeof(href), "marker", marker);
	if (reverse)
		url_append(href, sizeof(href), "page_reverse", "True");
	return json_pack("{s:s,s:s}", "href", href, "rel", rel);
}

/* Keep only the fields= members of obj (all when none asked). */
static void keep_fields(const struct http_request *req, json_t *obj)
{
	const char *k;
	json_t *v;
	void *tmp;
	bool any = false;

	for (int i = 0; i < req->nquery; i++)
		any |= strcmp(req->query[i].key, "fields") == 0;
	if (!any || !json_is_object(obj))
		return;
	json_object_foreach_safe(obj, tmp, k, v) {
		bool keep = false;
		for (int i = 0; i < req->nquery && !keep; i++)
			keep = strcmp(req->query[i].key, "fields") == 0 && req->query[i].value &&
			       strcmp(req->query[i].value, k) == 0;
		if (!keep)
			json_object_del(obj, k);
	}
}

int network_show_reply(struct http_request *req, struct http_response *res, int status,
		       const char *key, json_t *obj)
{
	if (!obj)
		return http_error(res, 500, "The %s could not be rendered.", key);
	keep_fields(req, obj);
	return http_reply(res, status, json_pack("{s:o}", key, obj));
}

const char *network_text_or_empty(const json_t *o, const char *key)
{
	if (!json_object_get(o, key))
		return NULL;
	return json_str(o, key) ? json_str(o, key) : "";
}

int network_delete_reply(struct http_request *req, struct http_response *res, const char *param,
			 const char *what, network_remove_fn *rm)
{
	struct store *st = api_write_begin(req, res);
	struct net_fault f = { 0 };
	int r;

	if (!st)
		return -1;
	r = rm(&req->caller, st, http_param(req, param), &f);
	if (r < 0)
		network_fault_reply(res, r, &f, what);
	if (api_write_end(res, st, r, what) < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

int network_write_reply(struct http_request *req, struct http_response *res, struct store *st,
			int r, const char *what, int status, const char *key, json_t *obj)
{
	if (api_write_end(res, st, r, what) < 0) {
		json_decref(obj);
		return -1;
	}
	return network_show_reply(req, res, status, key, obj);
}

int network_list_reply(struct http_request *req, struct http_response *res,
		       const char *collection, json_t *rows)
{
	const char *limit_s = http_query(req, "limit"), *marker = http_query(req, "marker");
	const char *rev_s = http_query(req, "page_reverse");
	bool reverse = rev_s && parse_bool(rev_s) == 1;
	struct sort_spec sort;
	json_t **v = NULL, *out = NULL, *links = NULL, *body;
	size_t n = 0, i, start = 0, end;
	long limit = 0;
	char lkey[64];
	json_t *row;

	if (!rows)
		return http_error(res, 500, "Could not list %s.", collection);
	if (limit_s) {
		char *e;
		limit = strtol(limit_s, &e, 10);
		if (!*limit_s || *e || limit < 0) {
			json_decref(rows);
			return http_error(res, 400, "Bad limit request: Limit must be an integer 0 or greater and not '%.32s'.", limit_s);
		}
	}
	if (check_filters(req, res, collection) < 0 || parse_sort(req, res, &sort) < 0) {
		json_decref(rows);
		return -1;
	}
	v = calloc(json_array_size(rows) + 1, sizeof(*v));
	if (!v) {
		json_decref(rows);
		return http_error_errno(res, -ENOMEM, collection);
	}
	json_array_foreach(rows, i, row)
		if (row_matches(req, row))
			v[n++] = row;
	if (sort.n || limit || marker)
		qsort_r(v, n, sizeof(*v), cmp_rows, &sort);
	end = n;
	if (marker) {
		for (i = 0; i < n; i++)
			if (json_is_string(json_object_get(v[i], "id")) &&
			    strcmp(json_string_value(json_object_get(v[i], "id")), marker) == 0)
				break;
		if (i == n) {
			free(v);
			json_decref(rows);
			return http_error(res, 404, "Marker %.64s could not be found.", marker);
		}
		if (reverse)
			end = i;
		else
			start = i + 1;
	}
	if (limit > 0 && end - start > (size_t)limit) {
		if (reverse)
			start = end - (size_t)limit;
		else
			end = start + (size_t)limit;
	}
	out = json_array();
	for (i = start; i < end; i++) {
		json_t *o = json_deep_copy(v[i]);
		keep_fields(req, o);
		json_array_append_new(out, o);
	}
	if (limit > 0) {
		/* More beyond this page in its direction, or a page behind the marker. */
		bool more = reverse ? start > 0 : end < n;
		links = json_array();
		if (end > start) {
			const char *first = json_string_value(json_object_get(v[start], "id"));
			const char *last = json_string_value(json_object_get(v[end - 1], "id"));
			if ((reverse ? marker != NULL : more) && last)
				json_array_append_new(links, page_link(req, "next", last, false));
			if ((reverse ? more : marker != NULL) && first)
				json_array_append_new(links, page_link(req, "previous", first, true));
		}
	}
	free(v);
	json_decref(rows);
	body = json_pack("{s:o}", collection, out);
	if (links) {
		snprintf(lkey, sizeof(lkey), "%s_links", collection);
		json_object_set_new(body, lkey, links);
	}
	return http_reply(res, 200, body);
}

json_t *network_vrows(struct store *st, network_row_fn *row, void *ctx, int *err, const char *sql,
		      const char *fmt, va_list ap)
{
	json_t *out = json_array();
	struct store_stmt *q;
	int r = out ? store_vquery(st, &q, sql, fmt, ap) : -ENOMEM;

	if (r >= 0) {
		while ((r = store_next(q)) > 0 && (r = row(q, out, ctx)) >= 0)
			;
		store_done(q);
	}
	if (r < 0) {
		json_decref(out);
		if (err)
			*err = r;
		return NULL;
	}
	return out;
}

json_t *network_rows(struct store *st, network_row_fn *row, void *ctx, int *err, const char *sql,
		     const char *fmt, ...)
{
	va_list ap;
	json_t *out;

	va_start(ap, fmt);
	out = network_vrows(st, row, ctx, err, sql, fmt, ap);
	va_end(ap);
	return out;
}

static int id_row(struct store_stmt *q, json_t *out, void *ctx)
{
	return json_array_append_new(out, json_string(store_text(q, 0))) < 0 ? -ENOMEM : 0;
}

json_t *network_ids(struct store *st, int *err, const char *sql, const char *fmt, ...)
{
	va_list ap;
	json_t *out;

	va_start(ap, fmt);
	out = network_vrows(st, id_row, NULL, err, sql, fmt, ap);
	va_end(ap);
	return out;
}

int network_count(struct store *st, int64_t *n, const char *sql, const char *fmt, ...)
{
	struct store_stmt *q;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = store_vquery(st, &q, sql, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	r = store_next(q);
	*n = r > 0 ? store_int(q, 0) : 0;
	store_done(q);
	return r < 0 ? r : 0;
}

/* What list_row needs: the caller and its lister. */
struct list_ctx {
	const struct caller *c;
	struct store *st;
	const struct network_lister *l;
};

static int list_row(struct store_stmt *q, json_t *out, void *ctx)
{
	const struct list_ctx *c = ctx;
	json_t *o;

	struct target t = { 0 };

	c->l->target(q, &t);
	if (!policy_allows(c->c, c->l->action, &t))
		return 0;
	o = c->l->render(c->c, c->st, q);
	if (!o)
		return -EIO;
	return json_array_append_new(out, o) < 0 ? -ENOMEM : 0;
}

json_t *network_list_rows(const struct caller *caller, struct store *st,
			  const struct network_lister *l, int *err, const char *sql, const char *fmt,
			  ...)
{
	struct list_ctx c = { caller, st, l };
	va_list ap;
	json_t *rows;

	va_start(ap, fmt);
	rows = network_vrows(st, list_row, &c, err, sql, fmt, ap);
	va_end(ap);
	return rows;
}

int network_list_sql(struct http_request *req, struct http_response *res,
		     const struct network_lister *l, const char *sql, const char *fmt, ...)
{
	struct list_ctx c = { &req->caller, basalt_store(req->b), l };
	json_t *rows = NULL;
	va_list ap;
	int r;

	if (!c.st || store_begin_read(c.st) < 0)
		return http_error_errno(res, -EIO, "store");
	va_start(ap, fmt);
	rows = network_vrows(c.st, list_row, &c, &r, sql, fmt, ap);
	va_end(ap);
	store_rollback(c.st);
	if (!rows)
		return http_error_errno(res, r, l->what);
	return network_list_reply(req, res, l->collection, rows);
}
