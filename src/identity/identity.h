/* identity.h - Keystone v3: the identity cache, token validation, the
 * request handlers (grouped by the file that defines them) and bootstrap. */
#ifndef BASALT_IDENTITY_H
#define BASALT_IDENTITY_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "identity/token.h"

struct basalt;
struct store;
struct store_stmt;
struct http_request;
struct http_response;

typedef json_t *(*render_fn)(const struct http_request *req, struct store_stmt *q);

struct revocation {
	char *user_id, *project_id, *domain_id, *audit_id; /* NULL: any */
	int64_t issued_before;
};

/* What validation reads on every request, refreshed from the store when
 * its revision moves (checked at most once a second, and at once after a
 * local write), so the hot path never reads the store. */
struct identity_cache {
	pthread_rwlock_t lock; /* guards everything below */
	struct token_keys keys;
	struct revocation *revs;
	int nrevs;
	json_t *catalog;    /* the token catalog, immutable once published */
	char *catalog_text; /* the same, serialised: spliced into token bodies */
	size_t catalog_len;
	int64_t revision;
	int64_t keys_mtime;
	_Atomic int64_t next_refresh; /* usec; 0 forces a refresh */
	pthread_mutex_t refresh_lock;
};

/* cache.c */
int identity_cache_init(struct basalt *b);
void identity_cache_fini(struct basalt *b);
/* Refresh when due; cheap when not. */
void identity_cache_refresh(struct basalt *b);
/* A local write changed what the cache holds: refresh before next use. */
void identity_cache_invalidate(struct basalt *b);
/* Decode and check s: keys, expiry, revocation. Returns 0, or -EINVAL for
 * any token that must be refused (no reason told apart). */
int identity_validate(struct basalt *b, const char *s, struct token *t);
/* Encrypt t with the current signing key. */
int identity_encode(struct basalt *b, const struct token *t, char *out, size_t outlen);
/* The catalog (new reference). */
json_t *identity_catalog(struct basalt *b);
/* A token body: body (a {"token": {...}} object, consumed) serialised,
 * with the catalog spliced into the token object when with_catalog.
 * Returns malloc'd text or NULL. */
char *identity_token_text(struct basalt *b, json_t *body, bool with_catalog);
/* Record a revocation event in the open write transaction. Columns given
 * as NULL match any token. */
int identity_revoke(struct store *st, const char *user_id, const char *project_id,
		    const char *domain_id, const char *audit_id);

/* password.c */
/* Hash password with argon2id; out must hold crypto_pwhash_STRBYTES. */
int password_hash(struct basalt *b, const char *password, char *out);
/* Constant-time verification; false on any mismatch or bad hash. */
bool password_verify(const char *hash, const char *password);

/* render.c - Keystone JSON shapes, from store rows */
json_t *render_links(const struct http_request *req, const char *collection, const char *id);
json_t *render_list(const struct http_request *req, const char *collection, json_t *items);
json_t *render_domain(const struct http_request *req, struct store_stmt *q);
json_t *render_project(const struct http_request *req, struct store_stmt *q);
json_t *render_user(const struct http_request *req, struct store_stmt *q);
json_t *render_role(const struct http_request *req, struct store_stmt *q);
/* Column lists matching the render functions, for SELECTs. */
#define DOMAIN_COLS  "id, name, description, enabled"
#define PROJECT_COLS "id, name, domain_id, description, enabled"
#define USER_COLS    "id, name, domain_id, enabled, default_project_id, description, email"
#define ROLE_COLS    "id, name, description"

/* Reply 200 with every row of q (the statement store_query made, with its
 * return value r) rendered into a Keystone list. Consumes q. */
int reply_rows(struct http_request *req, struct http_response *res, const char *collection,
	       render_fn render, int r, struct store_stmt *q);
/* Reply status with q's first row as {key: object}, or 404 naming what
 * (with id) when there is none. Consumes q. */
int reply_row(struct http_request *req, struct http_response *res, int status, const char *key,
	      render_fn render, int r, struct store_stmt *q, const char *what, const char *id);
/* 1 and fills out when the row exists, 0 when not, -errno. */
int identity_exists(struct store *st, const char *sql, const char *id);

/* handler.c */
/* api_write_end (http/api.h), then invalidate the identity cache. */
int write_end(struct http_request *req, struct http_response *res, struct store *st, int r,
	      const char *what);
/* Reply with every row of sql (arguments as for store_query) rendered
 * into a Keystone list. */
int reply_list(struct http_request *req, struct http_response *res, const char *collection,
	       render_fn render, const char *sql, const char *fmt, ...);
/* GET one row by the route placeholder param: 200 {key: ...} or 404. */
int reply_get(struct http_request *req, struct http_response *res, const char *sql,
	      const char *param, const char *key, render_fn render);
/* DELETE the row named by param (sql has one '?'), then run after (may be
 * NULL) in the same transaction: 204, 404, or 409 when still referenced. */
int reply_delete(struct http_request *req, struct http_response *res, const char *sql,
		 const char *param, const char *what,
		 int (*after)(struct store *st, const char *id));
/* Boolean query filter name: *ptr is NULL when absent, else points at
 * *val. A value that is not a boolean fills a 400. */
int query_bool(struct http_request *req, struct http_response *res, const char *name,
	       int64_t *val, int64_t **ptr);

/* routes.c */
struct route_table;
extern const struct route_table identity_routes;

/* Handlers: each is an http_handler (see http.h). */
/* version.c */
int h_versions(struct http_request *req, struct http_response *res);
int h_version_v3(struct http_request *req, struct http_response *res);
/* auth.c */
int h_auth_issue(struct http_request *req, struct http_response *res);
int h_auth_validate(struct http_request *req, struct http_response *res);
int h_auth_revoke(struct http_request *req, struct http_response *res);
int h_auth_projects(struct http_request *req, struct http_response *res);
int h_auth_domains(struct http_request *req, struct http_response *res);
int h_auth_catalog(struct http_request *req, struct http_response *res);
/* domains.c */
int h_domain_list(struct http_request *req, struct http_response *res);
int h_domain_create(struct http_request *req, struct http_response *res);
int h_domain_get(struct http_request *req, struct http_response *res);
int h_domain_update(struct http_request *req, struct http_response *res);
int h_domain_delete(struct http_request *req, struct http_response *res);
/* projects.c */
int h_project_list(struct http_request *req, struct http_response *res);
int h_project_create(struct http_request *req, struct http_response *res);
int h_project_get(struct http_request *req, struct http_response *res);
int h_project_update(struct http_request *req, struct http_response *res);
int h_project_delete(struct http_request *req, struct http_response *res);
int h_user_projects(struct http_request *req, struct http_response *res);
/* users.c */
int h_user_list(struct http_request *req, struct http_response *res);
int h_user_create(struct http_request *req, struct http_response *res);
int h_user_get(struct http_request *req, struct http_response *res);
int h_user_update(struct http_request *req, struct http_response *res);
int h_user_delete(struct http_request *req, struct http_response *res);
int h_user_password(struct http_request *req, struct http_response *res);
/* roles.c */
int h_role_list(struct http_request *req, struct http_response *res);
int h_role_create(struct http_request *req, struct http_response *res);
int h_role_get(struct http_request *req, struct http_response *res);
int h_role_update(struct http_request *req, struct http_response *res);
int h_role_delete(struct http_request *req, struct http_response *res);
int h_grant_list(struct http_request *req, struct http_response *res);
int h_grant_check(struct http_request *req, struct http_response *res);
int h_grant_put(struct http_request *req, struct http_response *res);
int h_grant_delete(struct http_request *req, struct http_response *res);
/* assignments.c */
int h_role_assignments(struct http_request *req, struct http_response *res);
/* Effective role (id, name) pairs of user on a project or domain, with
 * the built-in implications admin > member > reader expanded. Fills t. */
int assignments_for_token(struct store *st, const char *user_id, const char *project_id,
			  const char *domain_id, struct token *t);
/* catalog.c */
int h_region_list(struct http_request *req, struct http_response *res);
int h_region_create(struct http_request *req, struct http_response *res);
int h_region_get(struct http_request *req, struct http_response *res);
int h_region_delete(struct http_request *req, struct http_response *res);
int h_service_list(struct http_request *req, struct http_response *res);
int h_service_create(struct http_request *req, struct http_response *res);
int h_service_get(struct http_request *req, struct http_response *res);
int h_service_delete(struct http_request *req, struct http_response *res);
int h_endpoint_list(struct http_request *req, struct http_response *res);
int h_endpoint_create(struct http_request *req, struct http_response *res);
int h_endpoint_get(struct http_request *req, struct http_response *res);
int h_endpoint_delete(struct http_request *req, struct http_response *res);
/* Build the token catalog from the store (new reference, NULL on error). */
json_t *catalog_load(struct store *st);

/* bootstrap.c */
struct bootstrap_opts {
	const char *admin_password;
	const char *admin_username;
	const char *admin_project;
	const char *region;
	const char *public_url;
};
/* Create (or keep) the default domain, admin project/user/roles, the
 * catalog and token keys. Idempotent; one transaction. */
int identity_bootstrap(struct basalt *b, const struct bootstrap_opts *o);

#endif
