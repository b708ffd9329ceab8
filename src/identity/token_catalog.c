/* token_catalog.c - the catalogs tokens carry, as Keystone's
 * endpoint_filter catalog driver makes them: the whole catalog (every
 * enabled service with its enabled endpoints) for every token, except a
 * project-scoped one whose project has OS-EP-FILTER associations: that
 * one sees only the enabled endpoints it is associated with (directly or
 * through an endpoint group), and no service left without endpoints.
 * Built in one read transaction when the store moves (cache.c), so that
 * issuing or validating a token never reads the store for its catalog;
 * a token of a project without associations costs what it always did. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "identity/identity.h"
#include "store/store.h"

/* One row of service_catalog_rows, owned. */
struct catalog_ep {
	char *service_id, *type, *name, *endpoint_id, *interface, *url, *region_id;
	bool service_enabled, endpoint_enabled;
};

struct project_catalog {
	char *project_id;
	json_t *json;
	char *text;
	size_t len;
};

struct token_catalogs {
	json_t *all;
	char *all_text;
	size_t all_len;
	struct project_catalog *projects; /* sorted by project_id */
	int nprojects;
};

/* What loading holds while it runs. */
struct build {
	struct catalog_ep *rows;
	int nrows, cap;
	bool *mark;	 /* rows of the project being read */
	int nmarked;	 /* how many marks it has */
	char *project;	 /* the project being read, owned */
	struct token_catalogs *tc;
};

static void rows_free(struct build *b)
{
	for (int i = 0; i < b->nrows; i++) {
		struct catalog_ep *e = &b->rows[i];
		free(e->service_id);
		free(e->type);
		free(e->name);
		free(e->endpoint_id);
		free(e->interface);
		free(e->url);
		free(e->region_id);
	}
	free(b->rows);
	free(b->mark);
	free(b->project);
}

static bool dup_ok(char **out, const char *s)
{
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

static int add_row(void *ctx, const struct catalog_row *row)
{
	struct build *b = ctx;
	struct catalog_ep *e;

	if (b->nrows == b->cap) {
		int cap = b->cap ? b->cap * 2 : 32;
		struct catalog_ep *grown = realloc(b->rows, sizeof(*grown) * (size_t)cap);
		if (!grown)
			return -ENOMEM;
		b->rows = grown;
		b->cap = cap;
	}
	e = &b->rows[b->nrows++];
	*e = (struct catalog_ep){ .service_enabled = row->service_enabled,
				  .endpoint_enabled = row->endpoint_enabled };
	if (!dup_ok(&e->service_id, row->service_id) || !dup_ok(&e->type, row->type) ||
	    !dup_ok(&e->name, row->name) || !dup_ok(&e->endpoint_id, row->endpoint_id) ||
	    !dup_ok(&e->interface, row->interface) || !dup_ok(&e->url, row->url) ||
	    !dup_ok(&e->region_id, row->region_id))
		return -ENOMEM;
	return 0;
}

static json_t *null_or(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The catalog of the rows mark selects (mark NULL: the whole catalog, with
 * services that have no endpoint). New reference, NULL on error. */
static json_t *catalog_json(const struct build *b, const bool *mark)
{
	json_t *cat = json_array(), *svc = NULL;
	const char *cur = NULL;

	if (!cat)
		return NULL;
	for (int i = 0; i < b->nrows; i++) {
		const struct catalog_ep *e = &b->rows[i];
		bool take = e->endpoint_id && e->endpoint_enabled && (!mark || mark[i]);
		if (!e->service_enabled)
			continue;
		if (!cur || strcmp(cur, e->service_id) != 0) {
			cur = e->service_id;
			svc = NULL;
		}
		if (!svc && (take || !mark)) {
			svc = json_pack("{s:[],s:s,s:s,s:s}", "endpoints", "id", e->service_id,
					"type", e->type, "name", e->name ? e->name : "");
			if (json_array_append_new(cat, svc) < 0)
				goto fail;
		}
		if (take && json_array_append_new(json_object_get(svc, "endpoints"),
						  json_pack("{s:s,s:s,s:o,s:o,s:s}", "id",
							    e->endpoint_id, "interface",
							    e->interface, "region_id",
							    null_or(e->region_id), "region",
							    null_or(e->region_id), "url", e->url)) < 0)
			goto fail;
	}
	return cat;
fail:
	json_decref(cat);
	return NULL;
}

/* The serialised form of j into *text and *len: 0 or -ENOMEM. */
static int catalog_dump(json_t *j, char **text, size_t *len)
{
	*text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	*len = *text ? strlen(*text) : 0;
	return *text ? 0 : -ENOMEM;
}

/* The project read so far gets its own catalog when it named any endpoint
 * (enabled or not, as Keystone: an association that names only disabled
 * endpoints leaves an empty catalog; one whose groups match nothing, the
 * whole one). */
static int project_done(struct build *b)
{
	struct token_catalogs *tc = b->tc;
	struct project_catalog *p, *grown;
	int r = 0;

	if (b->project && b->nmarked > 0) {
		grown = realloc(tc->projects, sizeof(*grown) * (size_t)(tc->nprojects + 1));
		if (!grown)
			return -ENOMEM;
		tc->projects = grown;
		p = &tc->projects[tc->nprojects];
		*p = (struct project_catalog){ .project_id = b->project,
					       .json = catalog_json(b, b->mark) };
		b->project = NULL;
		tc->nprojects++;
		r = catalog_dump(p->json, &p->text, &p->len);
	}
	free(b->project);
	b->project = NULL;
	b->nmarked = 0;
	memset(b->mark, 0, sizeof(*b->mark) * (size_t)b->nrows);
	return r;
}

/* One association (endpoint_filter_all hands them over by project). */
static int add_association(void *ctx, const char *project_id, const char *endpoint_id,
			   const char *filters)
{
	struct build *b = ctx;
	json_t *f = NULL;
	int r;

	if (!b->project || strcmp(b->project, project_id) != 0) {
		if ((r = project_done(b)) < 0)
			return r;
		if (!(b->project = strdup(project_id)))
			return -ENOMEM;
	}
	if (filters && !(f = json_loads(filters, 0, NULL)))
		return -EIO;
	/* Linear: catalogs hold tens of endpoints, associations are few. */
	for (int i = 0; i < b->nrows; i++) {
		const struct catalog_ep *e = &b->rows[i];
		if (!e->endpoint_id || b->mark[i])
			continue;
		if (f ? endpoint_group_matches(f, e->service_id, e->interface, e->region_id)
		      : strcmp(e->endpoint_id, endpoint_id) == 0) {
			b->mark[i] = true;
			b->nmarked++;
		}
	}
	json_decref(f);
	return 0;
}

static int by_project(const void *a, const void *b)
{
	return strcmp(((const struct project_catalog *)a)->project_id,
		      ((const struct project_catalog *)b)->project_id);
}

void token_catalogs_free(struct token_catalogs *tc)
{
	if (!tc)
		return;
	for (int i = 0; i < tc->nprojects; i++) {
		free(tc->projects[i].project_id);
		json_decref(tc->projects[i].json);
		free(tc->projects[i].text);
	}
	free(tc->projects);
	json_decref(tc->all);
	free(tc->all_text);
	free(tc);
}

int token_catalogs_load(struct store *st, struct token_catalogs **out)
{
	struct build b = { 0 };
	int r;

	b.tc = calloc(1, sizeof(*b.tc));
	if (!b.tc)
		return -ENOMEM;
	r = service_catalog_rows(st, add_row, &b);
	if (r >= 0) {
		b.tc->all = catalog_json(&b, NULL);
		r = catalog_dump(b.tc->all, &b.tc->all_text, &b.tc->all_len);
	}
	if (r >= 0 && !(b.mark = calloc((size_t)b.nrows + 1, sizeof(*b.mark))))
		r = -ENOMEM;
	if (r >= 0)
		r = endpoint_filter_all(st, add_association, &b);
	if (r >= 0)
		r = project_done(&b);
	rows_free(&b);
	if (r < 0) {
		token_catalogs_free(b.tc);
		return r;
	}
	if (b.tc->nprojects) /* projects is NULL when none has a filter */
		qsort(b.tc->projects, (size_t)b.tc->nprojects, sizeof(*b.tc->projects), by_project);
	*out = b.tc;
	return 0;
}

/* The catalog of project_id, or NULL when it sees the whole one. */
static const struct project_catalog *find(const struct token_catalogs *tc, const char *project_id)
{
	struct project_catalog key = { .project_id = (char *)project_id };

	if (!project_id || tc->nprojects == 0)
		return NULL;
	return bsearch(&key, tc->projects, (size_t)tc->nprojects, sizeof(key), by_project);
}

const char *token_catalogs_text(const struct token_catalogs *tc, const char *project_id,
				size_t *len)
{
	const struct project_catalog *p = find(tc, project_id);

	*len = p ? p->len : tc->all_len;
	return p ? p->text : tc->all_text;
}

json_t *token_catalogs_json(const struct token_catalogs *tc, const char *project_id)
{
	const struct project_catalog *p = find(tc, project_id);

	return p ? p->json : tc->all;
}
