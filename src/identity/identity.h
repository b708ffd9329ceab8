/* identity.h - Keystone v3, grouped by the file that defines each part:
 * the identity cache and token validation (cache.c; the API server calls
 * identity_validate only through struct basalt.authenticate, which
 * basalt_init installs); the resource layer, one module per table
 * (domain.c, project.c, user.c, group.c, role.c, implied_role.c, grant.c,
 * region.c, service.c, endpoint.c, endpoint_group.c, credential.c,
 * policy_blob.c, consumer.c: the only files with identity SQL, each
 * checking the caller against the row it loaded), the credential blobs'
 * keys (credential_keys.c), the token catalogs (token_catalog.c) and
 * login.c; the handlers (domains.c, projects.c, users.c, groups.c, roles.c,
 * implied_roles.c, assignments.c, catalog.c, endpoint_groups.c,
 * credentials.c, policy_blobs.c, consumers.c, auth.c: parse, call, render,
 * and the one mapping of -errno to Keystone's answers); bootstrap. */
#ifndef BASALT_IDENTITY_H
#define BASALT_IDENTITY_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "identity/token.h"

struct basalt;
struct caller;
struct store;
struct store_stmt;
struct http_request;
struct http_response;

struct revocation {
	char *user_id, *project_id, *domain_id, *audit_id; /* NULL: any */
	int64_t issued_before;
};
struct revocation_index;

/* What validation reads on every request, refreshed from the store when
 * its revision moves (checked at most once a second, and at once after a
 * local write), so the hot path never reads the store. */
/* Keys as loaded: oldest first (the last is the newest), and from when
 * each may sign (a staged token key validates before it signs). */
struct key_ring {
	struct token_keys keys;
	int64_t signs_from[TOKEN_MAX_KEYS];
};

struct identity_cache {
	pthread_rwlock_t lock; /* guards everything below */
	struct revocation_index *revs; /* every event in the store (revoke.c) */
	int64_t revs_count, revs_rev;  /* how many, and the latest revision */
	int64_t revs_min_before;       /* the oldest issued_before (for pruning) */
	int64_t next_prune;	       /* usec: when refresh may prune again */
	/* The token catalogs (token_catalog.c), immutable once published:
	 * their text is spliced into token bodies. */
	struct token_catalogs *catalogs;
	int64_t revision;
	struct key_ring ring; /* the token keys: keys validate, ring signs */
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
/* The catalog of a token scoped to project_id (NULL: not project-scoped),
 * a new reference. */
json_t *identity_catalog(struct basalt *b, const char *project_id);
/* The Keystone token body of t as JSON text, with the catalog of its
 * project (as identity_catalog) when with_catalog. Returns malloc'd text
 * or NULL. */
char *identity_token_text(struct basalt *b, const struct token *t, bool with_catalog);
/* Record a revocation event in the open write transaction. Columns given
 * as NULL match any token. */
int identity_revoke(struct store *st, const char *user_id, const char *project_id,
		    const char *domain_id, const char *audit_id);

/* token_body.c */
/* {"token": {...}} for t, written directly, with catalog (catalog_len
 * bytes of JSON text) as its "catalog" unless NULL. Returns malloc'd text
 * or NULL. */
char *token_body_text(const struct token *t, const char *catalog, size_t catalog_len);

/* revoke.c */
/* The reference check: e revokes t (t issued before it, and every field
 * e names matches t). */
bool revocation_matches(const struct revocation *e, const struct token *t);
/* Index the n events ev (copied; ev stays the caller's). Returns 0 or
 * -ENOMEM, with *out the caller's to free. */
int revocation_index_build(const struct revocation *ev, size_t n, struct revocation_index **out);
/* Add the n events ev to idx in place (readers must be kept out: the
 * cache's write lock). On -ENOMEM idx holds only some of them and
 * refuses every token until it is rebuilt. */
int revocation_index_add(struct revocation_index *idx, const struct revocation *ev, size_t n);
void revocation_index_free(struct revocation_index *idx);
/* True when some indexed event revokes t: the same answer as
 * revocation_matches over every event, in a few hash lookups. */
bool revocation_index_revoked(const struct revocation_index *idx, const struct token *t);
/* How many events idx was built from. */
size_t revocation_index_count(const struct revocation_index *idx);
/* In the open write transaction: delete the events issued before before
 * (no token issued before them is still alive) and leave one event naming
 * nothing with that issued_before in their place, so a token older than
 * that is refused even where a longer token lifetime is configured.
 * Returns the number deleted, or -errno. */
int revocation_prune(struct store *st, int64_t before);

/* password.c */
/* Hash password with argon2id; out must hold crypto_pwhash_STRBYTES. */
int password_hash(struct basalt *b, const char *password, char *out);
/* Constant-time verification; false on any mismatch or bad hash. */
bool password_verify(const char *hash, const char *password);

/* --- the resource layer: each identity table's statements, invariants and
 * policy checks in the one module that owns it. Functions run in the
 * store transaction st has open (a write transaction for writes), check
 * the caller against the loaded row (policy/policy.h) and return 0 or
 * -errno: -EPERM the policy refused, -ENOENT no such row, -EEXIST a
 * duplicate name, -ENOLINK still referenced, -ESRCH a row the input names
 * (domain, default project, service, region) does not exist. Rows handed
 * to a callback are borrowed for the call; a callback's negative return
 * stops the iteration and is returned. A create writes the new id to id_out
 * (ID_HEX_LEN + 1 bytes, core/util.h). */

/* A project or domain as a token's scope (login.c): enabled when it and
 * its domain are. */
struct scope_row {
	char id[65], name[256], domain_id[65], domain_name[256];
	bool enabled;
};

struct domain {
	const char *id, *name, *description;
	const char *tags; /* comma-joined, NULL: none (project.c keeps them) */
	bool enabled;
};
typedef int (*domain_fn)(void *ctx, const struct domain *d);

/* rows.c */
/* Run sql (arguments as store_query) and copy the first column of its
 * first row into out (when out is not NULL): 1 when there is a row, 0
 * when not, -errno. */
int rows_first(struct store *st, char *out, size_t outlen, const char *sql, const char *fmt, ...);
/* Run sql and call fn with the first column of each row, after the
 * statement is done (so fn may write): 0, or fn's first negative return
 * (the rest are not called), or -errno. */
int rows_each(struct store *st, int (*fn)(void *ctx, const char *value), void *ctx,
	      const char *sql, const char *fmt, ...);

/* domain.c */
/* enabled NULL: any. */
int domain_list(struct store *st, const struct caller *c, const char *name, const int64_t *enabled,
		domain_fn fn, void *ctx);
/* The enabled domains the caller holds a role on. */
int domain_list_of_caller(struct store *st, const struct caller *c, domain_fn fn, void *ctx);
int domain_get(struct store *st, const struct caller *c, const char *id, domain_fn fn, void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int domain_exists(struct store *st, const char *id);
/* The id of the domain named by id, or by name when id is NULL, into out:
 * 1 found, 0 not, -EINVAL neither given, -errno. */
int domain_resolve(struct store *st, const char *id, const char *name, char *out, size_t outlen);
int domain_create(struct store *st, const struct caller *c, const char *name,
		  const char *description, bool enabled, char *id_out);
/* NULL / enabled < 0: unchanged. Disabling ends the domain's tokens. */
int domain_update(struct store *st, const struct caller *c, const char *id, const char *name,
		  const char *description, int enabled);
/* Load domain id as a scope: 1, 0 when none, -errno. */
int domain_scope_load(struct store *st, const char *id, struct scope_row *out);
/* -EACCES while the domain is enabled (Keystone's rule). Deletes what it
 * owns with it: its projects (their grants and tags), its users (their
 * grants), its own grants, tags and configuration; -ENOLINK while something
 * else still refers to them. */
int domain_delete(struct store *st, const struct caller *c, const char *id);

/* An option of a domain's configuration (domain_config.c). */
struct config_opt {
	const char *group, *option;
	const char *value; /* its JSON text */
	bool sensitive;
};
typedef int (*config_fn)(void *ctx, const char *group, const char *option, const char *value);

/* domain_config.c */
/* The options shown (not sensitive) of domain_id, in group and option
 * when not NULL. -ENOENT: no such domain. */
int domain_config_list(struct store *st, const struct caller *c, const char *domain_id,
		       const char *group, const char *option, config_fn fn, void *ctx);
/* How many options (sensitive ones too) match; no policy check. */
int domain_config_count(struct store *st, const char *domain_id, const char *group,
			const char *option);
/* Write opts (replace: instead of all the domain has) under action's
 * policy. -ENOENT: no such domain. */
int domain_config_set(struct store *st, const struct caller *c, const char *domain_id,
		      const char *action, bool replace, const struct config_opt *opts, int n);
/* -ENODATA: nothing matched. */
int domain_config_delete(struct store *st, const struct caller *c, const char *domain_id,
			 const char *group, const char *option);

/* A project, or a domain seen as a project acting as a domain (is_domain:
 * no domain_id, no parent_id), as Keystone's projects API shows domains. */
struct project {
	const char *id, *name, *domain_id, *description;
	const char *parent_id; /* NULL: top-level, the domain is its parent */
	const char *tags;      /* comma-joined (a tag holds no ','), NULL: none */
	bool enabled, is_domain;
};
typedef int (*project_fn)(void *ctx, const struct project *p);
typedef int (*tag_fn)(void *ctx, const char *tag);
struct project_filter {
	const char *name, *domain_id, *parent_id; /* NULL: any */
	const int64_t *enabled;			  /* NULL: any */
	bool is_domain;				  /* list the domains instead */
	/* Comma-separated tags: has them all, has any, lacks one, lacks all
	 * (NULL: any). */
	const char *tags, *tags_any, *not_tags, *not_tags_any;
};
/* What a create or update sets: NULL (enabled < 0) leaves it unchanged
 * (create: enabled defaults to 1, description to ""). */
struct project_in {
	const char *name, *domain_id, *description;
	const char *parent_id; /* create only: NULL or the domain id is top-level */
	const char *const *tags; /* ntags of them, checked (tag_valid) */
	int ntags;		 /* < 0: unchanged (create: none) */
	int enabled;
	bool is_domain; /* create: a domain */
};
/* Keystone's default max_project_tree_depth: levels of projects under a
 * domain. */
#define PROJECT_MAX_DEPTH 5
/* Keystone's limits on a project's tags. */
#define PROJECT_MAX_TAGS 80
#define PROJECT_TAG_MAX_LEN 255

/* project.c */
int project_list(struct store *st, const struct caller *c, const struct project_filter *f,
		 project_fn fn, void *ctx);
/* The projects user_id holds a role on, all or only the enabled ones
 * (identity:list_user_projects: admin, or the user's own). */
int project_list_of_user(struct store *st, const struct caller *c, const char *user_id,
			 bool enabled_only, project_fn fn, void *ctx);
int project_get(struct store *st, const struct caller *c, const char *id, project_fn fn,
		void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int project_exists(struct store *st, const char *id);
/* Load the project id (or called name in domain_id) with its domain as a
 * scope: 1, 0 when none, -errno. */
int project_scope_load(struct store *st, const char *id, const char *name, const char *domain_id,
		       struct scope_row *out);
/* in->is_domain: a domain (domain_create). -ESRCH: in->domain_id does not
 * exist; -ENXIO: the parent does not
 * exist; -EISDIR: the parent is another domain; -EXDEV: the parent is in
 * another domain (id_out then names it);
 * -ECANCELED: the parent, one of its ancestors or the domain is disabled
 * (id_out then names it); -ELOOP: the new project would be deeper than
 * PROJECT_MAX_DEPTH. */
int project_create(struct store *st, const struct caller *c, const struct project_in *in,
		   char *id_out);
/* -EXDEV: in->domain_id is not the project's (a project stays in its
 * domain); -ECANCELED: enabling it under a disabled parent; -ENOTEMPTY:
 * disabling it above an enabled project. Disabling ends the tokens scoped to
 * the project. On a domain id, updates the domain. */
int project_update(struct store *st, const struct caller *c, const char *id,
		   const struct project_in *in);
/* The ancestors of id, nearest first (projects, not the domain); or the
 * projects below it, each after its parent. caller_only: only those the
 * caller holds a role on (Keystone's parents_as_list/subtree_as_list). */
int project_parents(struct store *st, const struct caller *c, const char *id, bool caller_only,
		    project_fn fn, void *ctx);
int project_subtree(struct store *st, const struct caller *c, const char *id, bool caller_only,
		    project_fn fn, void *ctx);
/* The tags of project (or domain) id, by name. -ENOENT: no such project. */
int project_tags(struct store *st, const struct caller *c, const char *id, tag_fn fn, void *ctx);
/* Replace them all (n of them, checked, unique). */
int project_tags_set(struct store *st, const struct caller *c, const char *id,
		     const char *const *tags, int n);
/* -ENODATA: the project lacks it. */
int project_tag_check(struct store *st, const struct caller *c, const char *id, const char *tag);
/* -EEXIST: it has it; -E2BIG: it has PROJECT_MAX_TAGS already. */
int project_tag_add(struct store *st, const struct caller *c, const char *id, const char *tag);
/* -ENODATA: the project lacks it. */
int project_tag_delete(struct store *st, const struct caller *c, const char *id, const char *tag);
/* Ends the tokens scoped to it; -ENOTEMPTY while it has children,
 * -ENOLINK while still referenced. On a domain id, deletes the domain. */
int project_delete(struct store *st, const struct caller *c, const char *id);
/* The tags of project or domain id, comma-joined, into *out (malloc'd;
 * NULL when none); or replace them all (no policy check: the caller's
 * module made it). */
int project_tags_joined(struct store *st, const char *id, char **out);
int project_tags_replace(struct store *st, const char *id, const char *const *tags, int n);
/* domain_delete's part: every project of domain_id, and the tags of them
 * and of the domain (no policy check: the domain's was made). */
int project_delete_in_domain(struct store *st, const char *domain_id);

struct user {
	const char *id, *name, *domain_id, *default_project_id, *description, *email;
	bool enabled;
	const char *extra; /* JSON object text of Keystone's extra attributes, or NULL */
};
typedef int (*user_fn)(void *ctx, const struct user *u);
/* What a create or update sets. Create: NULL is "none", enabled 0 or 1.
 * Update: name/domain_id NULL and enabled < 0 leave them; the optional
 * ones change only with their set_ flag (NULL then clears them). */
struct user_in {
	const char *name, *domain_id, *default_project_id, *description, *email;
	const char *password_hash; /* argon2id hash (password.c), NULL: none */
	/* Attributes Keystone does not know, kept as they came: a JSON object
	 * text (NULL: none). An update adds them to (or replaces them among)
	 * the user's. */
	const char *extra;
	bool set_default_project, set_description, set_email, set_password;
	int enabled;
};
/* A user as login needs it (auth.c). */
struct user_login {
	char id[65], name[256], domain_id[65], domain_name[256];
	char hash[128]; /* crypto_pwhash_STRBYTES; "" when the user has none */
	char default_project[65];
	bool enabled, domain_enabled;
};

/* user.c */
/* name, domain_id, enabled NULL: any. */
int user_list(struct store *st, const struct caller *c, const char *name, const char *domain_id,
	      const int64_t *enabled, user_fn fn, void *ctx);
int user_get(struct store *st, const struct caller *c, const char *id, user_fn fn, void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int user_exists(struct store *st, const char *id);
/* -ESRCH: no such domain; -ENXIO: no such default project. */
int user_create(struct store *st, const struct caller *c, const struct user_in *in,
		char *id_out);
/* As create, and -EXDEV: a user stays in its domain. A disabled user or a
 * new password ends the user's tokens. */
int user_update(struct store *st, const struct caller *c, const char *id, const struct user_in *in);
/* Ends the user's tokens. */
int user_delete(struct store *st, const struct caller *c, const char *id);
/* domain_delete's part: every user of domain_id, ending their tokens (no
 * policy check: the domain's was made). */
int user_delete_in_domain(struct store *st, const char *domain_id);
/* The user's password hash into out ("" when none or no such user), for
 * identity:change_password. */
int user_password_hash(struct store *st, const struct caller *c, const char *id, char *out,
		       size_t outlen);
/* Set the password hash if it is still old_hash (-EAGAIN when it changed
 * meanwhile); ends the user's tokens. */
int user_password_set(struct store *st, const struct caller *c, const char *id,
		      const char *old_hash, const char *new_hash);
/* Load a user by id, or by name in domain_id, with its domain (no policy:
 * this is how a caller comes to be). 1 found, 0 not, -errno. */
int user_login_load(struct store *st, const char *id, const char *name, const char *domain_id,
		    struct user_login *u);
/* The members of group_id (no policy: group.c checked it). */
int user_list_of_group(struct store *st, const char *group_id, user_fn fn, void *ctx);

struct group {
	const char *id, *name, *domain_id, *description;
	const char *extra; /* JSON object text of other attributes, or NULL */
};
typedef int (*group_fn)(void *ctx, const struct group *g);

/* group.c - the identity_group and group_member tables. The membership
 * functions return -ENOENT with *missing naming what does not exist
 * ("group", "user", "membership"). */
/* name, domain_id NULL: any. */
int group_list(struct store *st, const struct caller *c, const char *name, const char *domain_id,
	       group_fn fn, void *ctx);
/* The groups user_id is in (identity:list_groups_for_user: admin or the
 * user); -ENOENT: no such user. */
int group_list_of_user(struct store *st, const struct caller *c, const char *user_id,
		       group_fn fn, void *ctx);
int group_get(struct store *st, const struct caller *c, const char *id, group_fn fn, void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int group_exists(struct store *st, const char *id);
/* extra: JSON object text of other attributes (NULL: none). -ESRCH: no
 * such domain; -EEXIST: the name is taken in the domain. */
int group_create(struct store *st, const struct caller *c, const char *name,
		 const char *domain_id, const char *description, const char *extra,
		 char *id_out);
/* NULL leaves a field (extra replaces the stored one); -EXDEV: domain_id
 * is not the group's. */
int group_update(struct store *st, const struct caller *c, const char *id, const char *name,
		 const char *domain_id, const char *description, const char *extra);
/* Deletes its memberships and grants; ends its members' tokens when it
 * held grants. */
int group_delete(struct store *st, const struct caller *c, const char *id);
/* Adding twice is not an error. */
int group_member_add(struct store *st, const struct caller *c, const char *group_id,
		     const char *user_id, const char **missing);
int group_member_check(struct store *st, const struct caller *c, const char *group_id,
		       const char *user_id, const char **missing);
/* Ends the user's tokens when the group holds grants. */
int group_member_remove(struct store *st, const struct caller *c, const char *group_id,
			const char *user_id, const char **missing);
int group_member_list(struct store *st, const struct caller *c, const char *group_id,
		      user_fn fn, void *ctx, const char **missing);

struct role {
	const char *id, *name, *description;
	const char *domain_id; /* a domain-specific role's domain, NULL: global */
};
typedef int (*role_fn)(void *ctx, const struct role *ro);

/* role.c */
int role_list(struct store *st, const struct caller *c, const char *name, const char *domain_id,
	      role_fn fn, void *ctx);
int role_get(struct store *st, const struct caller *c, const char *id, role_fn fn, void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int role_exists(struct store *st, const char *id);
/* The id of the role called name into out: 1 found, 0 not, -errno. */
int role_id_by_name(struct store *st, const char *name, char out[65]);
/* domain_id: a domain-specific role (-ESRCH: no such domain), NULL: global. */
int role_create(struct store *st, const struct caller *c, const char *name,
		const char *description, const char *domain_id, char *id_out);
/* NULL leaves a field. A new name ends the tokens of the role's holders. */
int role_update(struct store *st, const struct caller *c, const char *id, const char *name,
		const char *description);
/* Ends the tokens of the role's holders; -ENOLINK while still granted. */
int role_delete(struct store *st, const struct caller *c, const char *id);

/* A grant of role_id (NULL: any, for listing) to user_id, or to group_id
 * when set, on a project or a domain (target_id), or on the system. */
struct grant {
	bool on_project;
	const char *target_id, *user_id, *role_id;
	const char *group_id;
	bool inherited; /* OS-INHERIT: to the projects under the target */
	bool system;	/* the system scope; target_id unused */
};
/* A row of the assignment listing, with the names of the role, the actor,
 * the target and their domains (NULL where they do not apply). Effective
 * rows are a user's: group_id then names the group the role came through,
 * from_project_id/from_domain_id the inherited grant's target,
 * granted_role_id the role granted and prior_role_id the role that
 * implied this one. */
struct assignment {
	const char *role_id, *role_name, *role_domain_id;
	const char *user_id, *user_name, *user_domain_id, *user_domain_name;
	const char *group_id, *group_name, *group_domain_id, *group_domain_name;
	bool on_project, system, inherited;
	const char *target_id, *target_name, *target_domain_id, *target_domain_name;
	const char *from_project_id, *from_domain_id, *granted_role_id, *prior_role_id;
};
typedef int (*assignment_fn)(void *ctx, const struct assignment *a);
struct assignment_filter {
	const char *user_id, *group_id, *project_id, *domain_id, *role_id; /* NULL: any */
	bool system;	/* only the system's */
	bool inherited; /* only the inherited ones (not effective) */
	bool subtree;	/* project_id's subtree too */
	bool effective; /* through groups, inheritance and implied roles */
};

/* grant.c - the project_role, domain_role and role_grant tables */
/* Each grant function returns -ENOENT with *missing naming what does not
 * exist ("project", "domain", "user", "group", "role", "role assignment"). */
int grant_list(struct store *st, const struct caller *c, const struct grant *g, role_fn fn,
	       void *ctx, const char **missing);
int grant_check(struct store *st, const struct caller *c, const struct grant *g,
		const char **missing);
/* Granting twice is not an error. */
int grant_put(struct store *st, const struct caller *c, const struct grant *g,
	      const char **missing);
/* Ends the user's tokens for the target. */
int grant_delete(struct store *st, const struct caller *c, const struct grant *g,
		 const char **missing);
/* 1 when group_id holds some grant, 0 when not, -errno. */
int grant_group_holds_any(struct store *st, const char *group_id);
/* Call fn for every user who holds role_id, or a role implying it, through
 * any grant (a group's too): for ending their tokens. */
int grant_role_holders(struct store *st, const char *role_id,
		       int (*fn)(void *ctx, const char *user_id), void *ctx);
int assignment_list(struct store *st, const struct caller *c, const struct assignment_filter *f,
		    assignment_fn fn, void *ctx);
/* Effective role (id, name) pairs of user on a project or domain (both
 * NULL: the system), into t: granted to the user or a group of the user,
 * inherited from the project's domain or ancestors, and the roles those
 * imply. -E2BIG: more than TOKEN_MAX_ROLES. No policy: this is how a
 * caller comes to hold roles. */
int assignments_for_token(struct store *st, const char *user_id, const char *project_id,
			  const char *domain_id, struct token *t);
/* 1 when user_id may take the system scope (holds the admin role on some
 * project, or a role on the system), 0 when not, -errno. */
int grant_admin_anywhere(struct store *st, const char *user_id);

struct implied_role {
	const char *prior_id, *prior_name, *implied_id, *implied_name;
};
typedef int (*implied_role_fn)(void *ctx, const struct implied_role *ir);

/* implied_role.c - the implied_role table: holding the prior role gives
 * the implied one (in tokens and effective assignments). -ENOENT with
 * *missing naming "prior role", "implied role" or "implied role rule";
 * -EACCES: a global role cannot imply a domain-specific one; -EINVAL: a
 * role cannot imply itself, and admin is never implied. */
int implied_role_put(struct store *st, const struct caller *c, const char *prior_id,
		     const char *implied_id, const char **missing);
/* The rule prior -> implied (fn once): identity:get_implied_role or, when
 * check, identity:check_implied_role. */
int implied_role_get(struct store *st, const struct caller *c, const char *prior_id,
		     const char *implied_id, bool check, implied_role_fn fn, void *ctx,
		     const char **missing);
/* Ends the tokens of the prior role's holders. */
int implied_role_delete(struct store *st, const struct caller *c, const char *prior_id,
			const char *implied_id, const char **missing);
/* The rules of prior_id (NULL: every rule, identity:list_role_inference_rules),
 * ordered by prior role. */
int implied_role_list(struct store *st, const struct caller *c, const char *prior_id,
		      implied_role_fn fn, void *ctx, const char **missing);
/* bootstrap: prior implies implied (by name), when both exist. */
int implied_role_ensure(struct store *st, const char *prior, const char *implied);

struct region {
	const char *id, *description, *parent_region_id;
};
typedef int (*region_fn)(void *ctx, const struct region *rg);
struct catalog_service {
	const char *id, *type, *name, *description;
	bool enabled;
};
typedef int (*service_fn)(void *ctx, const struct catalog_service *sv);
struct endpoint {
	const char *id, *service_id, *interface, *url, *region_id;
	bool enabled;
};
typedef int (*endpoint_fn)(void *ctx, const struct endpoint *ep);
/* What an endpoint create or update sets. Update: NULL, !set_region and
 * enabled < 0 leave a field. region_legacy: region_id came as "region",
 * and the region is made when missing (Keystone's v2 compatibility). */
struct endpoint_in {
	const char *service_id, *interface, *url, *region_id;
	bool set_region, region_legacy;
	int enabled;
};
/* A service with one of its endpoints (endpoint_* NULL for a service that
 * has none), as the token catalog is made of. */
struct catalog_row {
	const char *service_id, *type, *name;
	bool service_enabled;
	const char *endpoint_id, *interface, *url, *region_id;
	bool endpoint_enabled;
};
typedef int (*catalog_row_fn)(void *ctx, const struct catalog_row *row);
/* An OS-EP-FILTER endpoint group: filters is a JSON object's text
 * (service_id, region_id, interface), description NULL when none. */
struct endpoint_group {
	const char *id, *name, *description, *filters;
};
typedef int (*endpoint_group_fn)(void *ctx, const struct endpoint_group *g);
/* An association of a project with an endpoint (endpoint_id) or with an
 * endpoint group (its filters). */
typedef int (*endpoint_filter_fn)(void *ctx, const char *project_id, const char *endpoint_id,
				  const char *filters);
enum assoc_op { ASSOC_CHECK, ASSOC_ADD, ASSOC_REMOVE };

/* limit.c: Keystone's unified limits. Strings borrowed; region_id and
 * description NULL when none. */
struct registered_limit {
	const char *id, *service_id, *region_id, *resource_name, *description;
	int64_t default_limit;
};
typedef int (*registered_limit_fn)(void *ctx, const struct registered_limit *rl);
/* A limit: of one project or one domain (the other NULL), with its
 * registered limit's service, region and resource. */
struct unified_limit {
	const char *id, *project_id, *domain_id, *service_id, *region_id, *resource_name,
	    *description;
	int64_t resource_limit;
};
typedef int (*limit_fn)(void *ctx, const struct unified_limit *l);
/* List filters, NULL: any. */
struct limit_filter {
	const char *service_id, *region_id, *resource_name, *project_id, *domain_id;
};
/* What a registered limit create or update sets. Update: NULL and the
 * set_ flags false leave a field. */
struct registered_limit_in {
	const char *service_id, *region_id, *resource_name, *description;
	int64_t default_limit;
	bool set_region, set_default, set_description;
};
/* What a limit create (project_id or domain_id) or update (resource_limit
 * and description, when their set_ flag) sets. */
struct limit_in {
	const char *project_id, *domain_id, *service_id, *region_id, *resource_name,
	    *description;
	int64_t resource_limit;
	bool set_limit, set_description;
};

/* limit.c */
int registered_limit_list(struct store *st, const struct caller *c,
			  const struct limit_filter *f, registered_limit_fn fn, void *ctx);
int registered_limit_get(struct store *st, const struct caller *c, const char *id,
			 registered_limit_fn fn, void *ctx);
/* All n or none, their ids into ids. -ESRCH: *bad names the attribute
 * (service_id, region_id) naming nothing; -EEXIST: a registered limit of
 * that service, region and resource exists (or comes twice). */
int registered_limits_create(struct store *st, const struct caller *c,
			     const struct registered_limit_in *in, size_t n,
			     char (*ids)[ID_HEX_LEN + 1], const char **bad);
/* -ESRCH as create; -ENOLINK: a limit names it (Keystone refuses any
 * change then); -EEXIST: the change would duplicate another. */
int registered_limit_update(struct store *st, const struct caller *c, const char *id,
			    const struct registered_limit_in *in, const char **bad);
/* -ENOLINK: a limit names it. */
int registered_limit_delete(struct store *st, const struct caller *c, const char *id);
/* Only the limits the caller may see, as Keystone lists them. */
int limit_list(struct store *st, const struct caller *c, const struct limit_filter *f,
	       limit_fn fn, void *ctx);
int limit_get(struct store *st, const struct caller *c, const char *id, limit_fn fn, void *ctx);
/* All n or none. -ESRCH: *bad names the attribute (service_id, region_id,
 * project_id, domain_id) naming nothing; -ENOKEY: no registered limit of
 * that service, region and resource (Keystone's NoLimitReference);
 * -EEXIST: the project or domain has that limit already. A project_id
 * naming a domain is made the domain_id, as Keystone. */
int limits_create(struct store *st, const struct caller *c, struct limit_in *in, size_t n,
		  char (*ids)[ID_HEX_LEN + 1], const char **bad);
int limit_update(struct store *st, const struct caller *c, const char *id,
		 const struct limit_in *in);
int limit_delete(struct store *st, const struct caller *c, const char *id);

/* region.c */
int region_list(struct store *st, const struct caller *c, const char *parent_id, region_fn fn,
		void *ctx);
int region_get(struct store *st, const struct caller *c, const char *id, region_fn fn, void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int region_exists(struct store *st, const char *id);
/* -ESRCH: no such parent region; -EEXIST: the id is taken. */
int region_create(struct store *st, const struct caller *c, const char *id,
		  const char *description, const char *parent_id);
/* description NULL leaves it; set_parent sets the parent (NULL: none).
 * -ESRCH: no such parent; -ELOOP: the parent is the region or below it. */
int region_update(struct store *st, const struct caller *c, const char *id,
		  const char *description, bool set_parent, const char *parent_id);
/* Deletes the regions below it too, as Keystone; -ENOTEMPTY while it or
 * one below it has endpoints. */
int region_delete(struct store *st, const struct caller *c, const char *id);

/* service.c */
int service_list(struct store *st, const struct caller *c, const char *type, const char *name,
		 service_fn fn, void *ctx);
int service_get(struct store *st, const struct caller *c, const char *id, service_fn fn,
		void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int service_exists(struct store *st, const char *id);
int service_create(struct store *st, const struct caller *c, const char *type, const char *name,
		   const char *description, bool enabled, char *id_out);
/* NULL / enabled < 0: unchanged. */
int service_update(struct store *st, const struct caller *c, const char *id, const char *type,
		   const char *name, const char *description, int enabled);
/* Deletes its endpoints too. */
int service_delete(struct store *st, const struct caller *c, const char *id);
/* Every service with each of its endpoints, enabled or not, by type,
 * service and interface (no policy: the token catalog's source). */
int service_catalog_rows(struct store *st, catalog_row_fn fn, void *ctx);

/* endpoint.c */
int endpoint_list(struct store *st, const struct caller *c, const char *service_id,
		  const char *interface, const char *region_id, endpoint_fn fn, void *ctx);
int endpoint_get(struct store *st, const struct caller *c, const char *id, endpoint_fn fn,
		 void *ctx);
/* Every endpoint (no policy: OS-EP-FILTER's listings). */
int endpoint_all(struct store *st, endpoint_fn fn, void *ctx);
/* 1 when it exists, 0 when not, -errno. */
int endpoint_exists(struct store *st, const char *id);
/* -ESRCH: no such service; -ENXIO: no such region. */
int endpoint_create(struct store *st, const struct caller *c, const struct endpoint_in *in,
		    char *id_out);
/* As create, and -ENOENT. */
int endpoint_update(struct store *st, const struct caller *c, const char *id,
		    const struct endpoint_in *in);
int endpoint_delete(struct store *st, const struct caller *c, const char *id);

/* endpoint_group.c - OS-EP-FILTER's tables */
/* name NULL: any. */
int endpoint_group_list(struct store *st, const struct caller *c, const char *name,
			endpoint_group_fn fn, void *ctx);
int endpoint_group_get(struct store *st, const struct caller *c, const char *id,
		       endpoint_group_fn fn, void *ctx);
/* filters: a JSON object's text the caller validated. */
int endpoint_group_create(struct store *st, const struct caller *c, const char *name,
			  const char *description, const char *filters, char *id_out);
/* name, filters NULL leave them; set_description sets it (NULL: none). */
int endpoint_group_update(struct store *st, const struct caller *c, const char *id,
			  const char *name, bool set_description, const char *description,
			  const char *filters);
/* Ends its project associations. */
int endpoint_group_delete(struct store *st, const struct caller *c, const char *id);
/* True when an endpoint equals every one of filters' members. */
bool endpoint_group_matches(const json_t *filters, const char *service_id, const char *interface,
			    const char *region_id);
/* The endpoints group id's filters name; -ENOENT: no such group. */
int endpoint_group_endpoints(struct store *st, const struct caller *c, const char *id,
			     endpoint_fn fn, void *ctx);
/* The projects associated with group id (none for an unknown group, as
 * Keystone). */
int endpoint_group_projects(struct store *st, const struct caller *c, const char *id,
			    project_fn fn, void *ctx);
/* The groups associated with project_id; -ENOENT: no such project. */
int endpoint_groups_of_project(struct store *st, const struct caller *c, const char *project_id,
			       endpoint_group_fn fn, void *ctx);
/* The projects associated with endpoint_id; -ENOENT: no such endpoint. */
int endpoint_projects(struct store *st, const struct caller *c, const char *endpoint_id,
		      project_fn fn, void *ctx);
/* The endpoints project_id is associated with, one by one or through its
 * groups (enabled or not); -ENOENT: no such project. */
int project_endpoint_list(struct store *st, const struct caller *c, const char *project_id,
			  endpoint_fn fn, void *ctx);
/* Check, add or remove the association of group_id (project_endpoint:
 * endpoint_id) with project_id: -ENOENT with *missing naming what does
 * not exist ("project", "endpoint group", "endpoint", "association"),
 * -EEXIST: added already. */
int endpoint_group_project(struct store *st, const struct caller *c, enum assoc_op op,
			   const char *group_id, const char *project_id, const char **missing);
int project_endpoint(struct store *st, const struct caller *c, enum assoc_op op,
		     const char *project_id, const char *endpoint_id, const char **missing);
/* Every association, ordered by project (no policy: the token catalogs'
 * source). */
int endpoint_filter_all(struct store *st, endpoint_filter_fn fn, void *ctx);

/* token_catalog.c */
struct token_catalogs;
/* Build the catalogs in st's open read transaction; the caller owns *out
 * (token_catalogs_free). */
int token_catalogs_load(struct store *st, struct token_catalogs **out);
void token_catalogs_free(struct token_catalogs *tc);
/* The catalog of a token scoped to project_id (NULL: any other scope),
 * serialised (its length in *len) and as JSON; borrowed from tc. */
const char *token_catalogs_text(const struct token_catalogs *tc, const char *project_id,
				size_t *len);
json_t *token_catalogs_json(const struct token_catalogs *tc, const char *project_id);
/* A stored credential (/v3/credentials; type "ec2" also OS-EC2's), its
 * blob opened. */
struct credential {
	const char *id, *user_id, *project_id, *type, *blob;
};
typedef int (*credential_fn)(void *ctx, const struct credential *cr);
/* What a create or update sets. Update: NULL leaves a field, project_id
 * changes only with set_project (NULL then clears it). */
struct credential_in {
	const char *user_id, *project_id, *type, *blob;
	bool set_project;
};

/* key_store.c - the token and credential keys in the database, sealed
 * with the node's secret key file (b->secret_key_file). */
#define KEY_KIND_TOKEN		 "token"
#define KEY_KIND_CREDENTIAL	 "credential"
#define KEY_STORE_NODE_KEY_BYTES 32
#define KEY_STORE_SEALED_LEN	 128 /* base64 of nonce + key + tag, with room */
/* How long a new token key waits before it signs: longer than the
 * identity cache's refresh (1 s) with room for a slow controller. */
#define KEY_STORE_STAGE_USEC (5LL * 1000000)
/* Read the node's secret key: 0, -ENOKEY when the file is missing,
 * -EINVAL when it is not 64 hex digits, -errno. */
int key_store_node_key(const struct basalt *b, unsigned char out[KEY_STORE_NODE_KEY_BYTES]);
/* The newest TOKEN_MAX_KEYS keys of kind into *out. 0; -ENOKEY none (or
 * no secret key file); -EBADMSG a key does not open with this node's
 * secret key (logged: the controllers' files differ); -errno. */
int key_store_load(const struct basalt *b, struct store *st, const char *kind,
		   struct key_ring *out);
/* The key that signs at now: the newest whose signs_from has come
 * (borrowed from ring), NULL when none has. */
const struct token_key *key_ring_signer(const struct key_ring *ring, int64_t now);
/* In the open write transaction: a new key of kind, numbered after the
 * newest, signing from signs_from; its number in *id (may be NULL). */
int key_store_add(const struct basalt *b, struct store *st, const char *kind, int64_t signs_from,
		  uint32_t *id);
/* In the open write transaction: when kind has no key, make the secret
 * key file if there is none, then import the keys of legacy_dir (the key
 * files of a store from before the keys moved into it; NULL: none) or,
 * when make, a first key. 0 or -errno. */
int key_store_ensure(const struct basalt *b, struct store *st, const char *kind,
		     const char *legacy_dir, bool make);
/* Whether the store has keys of both kinds: 1, 0, or -errno. */
int key_store_complete(struct store *st);
/* Delete all but the newest keep keys of kind (numbers are consecutive):
 * the count deleted or -errno. */
int key_store_prune(struct store *st, const char *kind, int keep);
/* Delete key id of kind: the count deleted or -errno. */
int key_store_delete(struct store *st, const char *kind, uint32_t id);
/* [metadata] proxy_shared_secret against the one the last controller to
 * start recorded (a keyed hash in table setting; the secret itself is
 * configuration, as in Nova and Neutron: network nodes need it and have
 * no database). CHECK reads: 0 the same, -ENOENT not. RECORD (a write
 * transaction) records this one, and logs an error when it differs from
 * one another controller recorded: a mismatch behind a load balancer
 * refuses every other metadata request, hard to trace from a guest.
 * Without a secret key file yet (not bootstrapped), RECORD does nothing. */
enum md_secret_mode { MD_SECRET_CHECK, MD_SECRET_RECORD };
int key_store_md_secret_check(const struct basalt *b, struct store *st, enum md_secret_mode mode);
/* `basaltd token-keys rotate`: a new token key, staged for
 * KEY_STORE_STAGE_USEC, and only the newest max_active kept, in one
 * transaction. 0 or -errno. */
int token_keys_rotate_store(struct basalt *b, int max_active);

/* credential_keys.c - the credential keys (key_store.c, kind credential) */
/* Load them from st: 0, -ENOKEY when there is none (logged), -errno. */
int credential_keys_load(struct basalt *b, struct store *st, struct token_keys *out);
/* Seal plain for credential id with the primary key: *out (malloc'd
 * base64) and the key's number. -ENOKEY with no key. */
int credential_seal(const struct token_keys *keys, const char *id, const char *plain, char **out,
		    int64_t *key_id);
/* Open what credential_seal made for id under key key_id: *out malloc'd.
 * -ENOKEY the key is gone, -EBADMSG it does not open (tampered, moved). */
int credential_unseal(const struct token_keys *keys, const char *id, int64_t key_id,
		      const char *sealed, char **out);
/* `basaltd credential-keys rotate`: a new primary key, every blob sealed
 * again with it in one transaction, then the keys no row names removed. */
int credential_keys_rotate(struct basalt *b);

/* credential.c - the credential table. -ESRCH: no such user; -ENXIO: no
 * such project; -EINVAL: *why is Keystone's message (an ec2 credential's
 * blob or project); -EEXIST: an ec2 credential with that access key. */
int credential_list(struct store *st, const struct caller *c, const struct token_keys *keys,
		    const char *user_id, const char *type, credential_fn fn, void *ctx);
int credential_get(struct store *st, const struct caller *c, const struct token_keys *keys,
		   const char *id, credential_fn fn, void *ctx);
/* id_out: 33 bytes, or 65 for an ec2 credential's SHA-256 id. */
int credential_create(struct store *st, const struct caller *c, const struct token_keys *keys,
		      const struct credential_in *in, char id_out[65], const char **why);
int credential_update(struct store *st, const struct caller *c, const struct token_keys *keys,
		      const char *id, const struct credential_in *in, const char **why);
int credential_delete(struct store *st, const struct caller *c, const char *id);
/* 0 when blob is an ec2 credential's (a JSON object with an "access"
 * string; *out, when out is not NULL, the parsed object: the caller's),
 * else -EINVAL with Keystone's message in *why. */
int credential_ec2_blob_check(const char *blob, json_t **out, const char **why);
/* The id of the ec2 credential of access key access: hex SHA-256. */
void credential_ec2_id(const char *access, char out[65]);
/* OS-EC2: user_id's credentials of type ec2, by access key. -ESRCH: no
 * such user (list); a credential of another user is -ENOENT. */
int credential_ec2_create(struct store *st, const struct caller *c, const struct token_keys *keys,
			  const char *user_id, const char *project_id, const char *access,
			  const char *secret);
int credential_ec2_list(struct store *st, const struct caller *c, const struct token_keys *keys,
			const char *user_id, credential_fn fn, void *ctx);
int credential_ec2_get(struct store *st, const struct caller *c, const struct token_keys *keys,
		       const char *user_id, const char *access, credential_fn fn, void *ctx);
int credential_ec2_delete(struct store *st, const struct caller *c, const char *user_id,
			  const char *access);
/* Seal every blob not under the primary key with it (a write
 * transaction); no policy: the operator's rotation. */
int credential_rekey(struct store *st, const struct token_keys *keys);
/* 1 when a row is sealed with key_id, 0 when none, -errno. */
int credential_key_in_use(struct store *st, int64_t key_id);

/* A Keystone policy blob (/v3/policies: stored, never enforced; Basalt's
 * own policy is src/policy/). */
struct policy_blob {
	const char *id, *type, *blob;
};
typedef int (*policy_blob_fn)(void *ctx, const struct policy_blob *pb);

/* policy_blob.c - the policy_blob table. Update: NULL leaves a field. */
int policy_blob_list(struct store *st, const struct caller *c, const char *type,
		     policy_blob_fn fn, void *ctx);
int policy_blob_get(struct store *st, const struct caller *c, const char *id, policy_blob_fn fn,
		    void *ctx);
int policy_blob_create(struct store *st, const struct caller *c, const char *type,
		       const char *blob, char *id_out);
int policy_blob_update(struct store *st, const struct caller *c, const char *id, const char *type,
		       const char *blob);
int policy_blob_delete(struct store *st, const struct caller *c, const char *id);

/* An OS-OAUTH1 consumer. */
struct consumer {
	const char *id, *description;
};
typedef int (*consumer_fn)(void *ctx, const struct consumer *co);

/* consumer.c - the oauth1_consumer table. Create makes the secret (out:
 * 33 bytes, shown once) and keeps only its hash. Update sets the
 * description (NULL clears it). */
int consumer_list(struct store *st, const struct caller *c, consumer_fn fn, void *ctx);
int consumer_get(struct store *st, const struct caller *c, const char *id, consumer_fn fn,
		 void *ctx);
int consumer_create(struct store *st, const struct caller *c, const char *description,
		    char *id_out, char secret_out[33]);
int consumer_update(struct store *st, const struct caller *c, const char *id,
		    const char *description);
int consumer_delete(struct store *st, const struct caller *c, const char *id);

/* Roles a delegation carries (an application credential, a trust),
 * copied out of the store. */
struct role_set {
	int n;
	char id[TOKEN_MAX_ROLES][65], name[TOKEN_MAX_ROLES][256];
};

/* app_cred.c: role sets. Add id/name unless present (NULL: nothing);
 * -E2BIG past TOKEN_MAX_ROLES. */
int role_set_add(struct role_set *s, const char *id, const char *name);
/* The n roles given by id (ids[i]) or name (names[i]), and when implied
 * the roles they imply, into out; -ESRCH with *missing naming one that
 * does not exist. */
int role_set_resolve(struct store *st, int n, const char *const *ids, const char *const *names,
		     bool implied, struct role_set *out, const char **missing);
/* The effective roles of user_id on project_id (as a token gets them). */
int role_set_of_user(struct store *st, const char *user_id, const char *project_id,
		     struct role_set *out);
/* id is one of s's roles. */
bool role_set_has(const struct role_set *s, const char *id);
/* Every role of s is in of. */
bool role_set_within(const struct role_set *s, const struct role_set *of);
/* Replace t's roles with s's. */
void role_set_to_token(const struct role_set *s, struct token *t);

/* An application credential: some of a user's roles on one project,
 * under a secret (stored as an argon2id hash). */
struct app_cred {
	const char *id, *name, *description, *user_id, *project_id;
	int64_t expires_at; /* usec; -1 never */
	bool unrestricted;
	const struct role_set *roles; /* NULL in listings that leave them out */
};
typedef int (*app_cred_fn)(void *ctx, const struct app_cred *a);
/* What a create gives: roles by id or name (NULL: the caller's token's
 * roles), expires_at -1 for never. */
struct app_cred_in {
	const char *name, *description, *secret_hash;
	int64_t expires_at;
	bool unrestricted;
	int nroles;
	const char *role_id[TOKEN_MAX_ROLES], *role_name[TOKEN_MAX_ROLES];
	bool roles_given;
};
/* An application credential as the auth method needs it. */
struct app_cred_login {
	char id[65], name[256], user_id[65], project_id[65];
	char hash[128];
	int64_t expires_at;
	bool unrestricted;
	struct role_set roles;
};

/* app_cred.c - the application_credential tables. Beyond the common
 * codes: -EKEYREJECTED the caller's token is a restricted application
 * credential's (or a trust's) and may not manage credentials; -ENOKEY a
 * role the user does not hold on the caller's project; -ESRCH no such role (by name,
 * *missing names it); -EDOM the caller is not project-scoped or is not
 * the user. */
int app_cred_create(struct store *st, const struct caller *c, const char *user_id,
		    const struct app_cred_in *in, char *id_out, const char **missing);
/* name NULL: any. */
int app_cred_list(struct store *st, const struct caller *c, const char *user_id, const char *name,
		  app_cred_fn fn, void *ctx);
int app_cred_get(struct store *st, const struct caller *c, const char *user_id, const char *id,
		 app_cred_fn fn, void *ctx);
/* Ends the tokens the credential gave. */
int app_cred_delete(struct store *st, const struct caller *c, const char *user_id,
		    const char *id);
/* Load the credential id, or called name of user_id (no policy: this is
 * how a caller comes to be). 1 found, 0 not, -errno. */
int app_cred_login_load(struct store *st, const char *id, const char *name, const char *user_id,
			struct app_cred_login *out);

/* A trust (OS-TRUST): the trustor lends roles on a project to the
 * trustee. */
struct trust {
	const char *id, *trustor_user_id, *trustee_user_id, *project_id;
	bool impersonation, allow_redelegation;
	int64_t expires_at;	      /* usec; -1 never */
	int64_t remaining_uses;	      /* -1 unlimited */
	const struct role_set *roles; /* NULL in listings */
};
typedef int (*trust_fn)(void *ctx, const struct trust *tr);
struct trust_in {
	const char *trustor_user_id, *trustee_user_id, *project_id;
	bool impersonation, allow_redelegation;
	int64_t expires_at, remaining_uses;
	int nroles;
	const char *role_id[TOKEN_MAX_ROLES], *role_name[TOKEN_MAX_ROLES];
};
/* A trust as a trust-scoped login needs it (one use consumed). */
struct trust_login {
	char id[65], trustor_user_id[65], trustee_user_id[65], project_id[65];
	bool impersonation;
	struct role_set roles;
};

/* trust.c - the trust tables. Beyond the common codes: -EKEYREJECTED the
 * caller's token is a restricted application credential's; -EDOM the
 * caller is not the trustor; -ESRCH the trustee (or a role by name:
 * *missing names which) does not exist; -ENOKEY the trustor does not
 * hold a role on the project; -ECHRNG a project-scoped trust without
 * roles. */
int trust_create(struct store *st, const struct caller *c, const struct trust_in *in,
		 char *id_out, const char **missing);
/* trustor / trustee NULL: any (identity:list_trusts, admin); else the
 * trusts of that trustor or trustee (the user itself or admin). */
int trust_list(struct store *st, const struct caller *c, const char *trustor,
	       const char *trustee, trust_fn fn, void *ctx);
/* action: identity:get_trust, list_roles_for_trust or
 * get_role_for_trust (the trustor, the trustee or admin). */
int trust_get(struct store *st, const struct caller *c, const char *action, const char *id,
	      trust_fn fn, void *ctx);
/* The trustor or admin; ends the tokens the trust gave. */
int trust_delete(struct store *st, const struct caller *c, const char *id);
/* Consume one use of trust id for trustee_id in the open write
 * transaction: 0 with out filled; -ENOENT no such (or expired, or used
 * up) trust; -EACCES trustee_id is not the trustee; -ENOKEY the trustor
 * no longer holds a role of the trust. The trust's last use deletes it. */
int trust_consume(struct store *st, const char *id, const char *trustee_id,
		  struct trust_login *out);
/* End the tokens of the trusts user_id gave on project_id (it lost a role
 * there); project_id NULL: of every trust user_id is the trustor or the
 * trustee of (it was disabled or deleted). */
int trust_revoke_of_user(struct store *st, const char *user_id, const char *project_id);

/* What a token request asks for (auth.c parses it). */
struct login {
	/* The password method: the user by id, or by name in the domain given
	 * by id or name; or the token method: old, already validated. */
	const char *user_id, *user_name, *user_domain_id, *user_domain_name, *password;
	const struct token *old;
	/* The application_credential method: by app_cred_id, or by
	 * app_cred_name of the user given as above; app_cred_secret. */
	const char *app_cred_id, *app_cred_name, *app_cred_secret;
	bool app_cred;
	/* A trust scope (OS-TRUST:trust): the trust's id. */
	const char *trust_id;
	/* The scope: SCOPE_PROJECT by scope_id, or scope_name in the domain
	 * scope_domain_id/_name; SCOPE_DOMAIN by scope_id or scope_name;
	 * SCOPE_SYSTEM; SCOPE_NONE. Not scope_given: the user's default
	 * project when it can be used, else unscoped. */
	bool scope_given;
	enum token_scope scope;
	const char *scope_id, *scope_name, *scope_domain_id, *scope_domain_name;
};

/* login.c */
/* Authenticate in and fill t (issued now; the token method keeps the old
 * token's expiry and audit chain). A trust scope spends one of the
 * trust's uses: st must then hold a write transaction. -EACCES: not
 * authenticated (no reason told apart, unless *why says one Keystone
 * tells); -EPERM: forbidden, *why says what (a rescope Keystone refuses,
 * a trust that cannot be used by this user); -ENOENT: no such trust (or
 * expired, or used up); -ENOKEY: the user holds no role on the scope (t
 * names the user and the scope); -errno. */
int login_issue(struct basalt *b, struct store *st, const struct login *in, struct token *t,
		const char **why);

/* render.c - Keystone JSON shapes (handler side: links need the request) */
json_t *render_links(const struct http_request *req, const char *collection, const char *id);
json_t *render_list(const struct http_request *req, const char *collection, json_t *items);
json_t *render_domain(const struct http_request *req, const struct domain *d);
json_t *render_project(const struct http_request *req, const struct project *p);
json_t *render_user(const struct http_request *req, const struct user *u);
json_t *render_role(const struct http_request *req, const struct role *ro);
json_t *render_endpoint(const struct http_request *req, const struct endpoint *ep);
json_t *render_group(const struct http_request *req, const struct group *g);
/* Column lists matching the render functions, for SELECTs. */

/* A list being rendered: a callback's context. */
struct render_list {
	const struct http_request *req;
	json_t *items;
};
int render_add_domain(void *ctx, const struct domain *d);
int render_add_project(void *ctx, const struct project *p);
int render_add_user(void *ctx, const struct user *u);
int render_add_role(void *ctx, const struct role *ro);
int render_add_endpoint(void *ctx, const struct endpoint *ep);
int render_add_group(void *ctx, const struct group *g);
/* The error reply of a resource function's r: -EPERM names the route's
 * action, -ENOENT what and id; others as http_error_errno. */
int reply_error(struct http_request *req, struct http_response *res, int r, const char *what,
		const char *id);
/* Reply 200 {collection: items, links} when r >= 0, else r's error.
 * Consumes items. */
int reply_items(struct http_request *req, struct http_response *res, const char *collection,
		json_t *items, int r);
/* Reply status with {key: items[0]} when r >= 0 (404 when items is
 * empty), else r's error naming what and id. Consumes items. */
int reply_one(struct http_request *req, struct http_response *res, int status, const char *key,
	      json_t *items, int r, const char *what, const char *id);

/* handler.c */
/* api_write_end (http/api.h), then invalidate the identity cache. */
int write_end(struct http_request *req, struct http_response *res, struct store *st, int r,
	      const char *what);
/* Boolean query filter name: *ptr is NULL when absent, else points at
 * *val. A value that is not a boolean fills a 400. */
int query_bool(struct http_request *req, struct http_response *res, const char *name,
	       int64_t *val, int64_t **ptr);
/* A project or domain tag as Keystone's schema takes it (a string of 1 to
 * PROJECT_TAG_MAX_LEN characters without ',' or '/'); field: its place in
 * the body ("tags/0"), NULL for a tag in the URL. A 400 when not. */
int tag_valid(struct http_response *res, const json_t *t, const char *field);
/* The tag list v (NULL: *ntags -1, unchanged): at most PROJECT_MAX_TAGS
 * valid, unique tags, borrowed from v into buf (PROJECT_MAX_TAGS long). */
int tags_parse(struct http_response *res, const json_t *v, const char **buf,
	       const char *const **tags, int *ntags, const char *field);
/* The inner object obj of a PATCH body (under key): at least one member,
 * and an "id" member only when it is path_id (Keystone: "Cannot change
 * ID"). Returns obj, or NULL with the 400 in res. */
json_t *patch_object(struct http_response *res, json_t *obj, const char *key,
		     const char *path_id);

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
int h_auth_system(struct http_request *req, struct http_response *res);
/* app_creds.c */
/* An expires_at member (absent or null: -1, never): 0, or a 400 in
 * Keystone's words (malformed, or not after now). */
int parse_expires_at(struct http_response *res, const json_t *v, int64_t *usec);
/* A roles array of {"id"} or {"name"} objects into ids/names (each
 * TOKEN_MAX_ROLES long; the one not given is NULL): 0 or a 400. */
int parse_role_refs(struct http_response *res, const json_t *roles, int *n, const char **ids,
		    const char **names);
int h_app_cred_list(struct http_request *req, struct http_response *res);
int h_app_cred_create(struct http_request *req, struct http_response *res);
int h_app_cred_get(struct http_request *req, struct http_response *res);
int h_app_cred_delete(struct http_request *req, struct http_response *res);
/* trusts.c */
int h_trust_list(struct http_request *req, struct http_response *res);
int h_trust_create(struct http_request *req, struct http_response *res);
int h_trust_get(struct http_request *req, struct http_response *res);
int h_trust_delete(struct http_request *req, struct http_response *res);
int h_trust_roles(struct http_request *req, struct http_response *res);
int h_trust_role(struct http_request *req, struct http_response *res);
/* domains.c */
int h_domain_list(struct http_request *req, struct http_response *res);
int h_domain_create(struct http_request *req, struct http_response *res);
int h_domain_get(struct http_request *req, struct http_response *res);
int h_domain_update(struct http_request *req, struct http_response *res);
int h_domain_delete(struct http_request *req, struct http_response *res);
/* domain_configs.c */
int h_domain_config_get(struct http_request *req, struct http_response *res);
int h_domain_config_put(struct http_request *req, struct http_response *res);
int h_domain_config_patch(struct http_request *req, struct http_response *res);
int h_domain_config_delete(struct http_request *req, struct http_response *res);
int h_domain_config_default(struct http_request *req, struct http_response *res);
/* projects.c */
int h_project_list(struct http_request *req, struct http_response *res);
int h_project_create(struct http_request *req, struct http_response *res);
int h_project_get(struct http_request *req, struct http_response *res);
int h_project_update(struct http_request *req, struct http_response *res);
int h_project_delete(struct http_request *req, struct http_response *res);
int h_user_projects(struct http_request *req, struct http_response *res);
int h_project_tags_get(struct http_request *req, struct http_response *res);
int h_project_tags_put(struct http_request *req, struct http_response *res);
int h_project_tags_delete(struct http_request *req, struct http_response *res);
int h_project_tag_get(struct http_request *req, struct http_response *res);
int h_project_tag_put(struct http_request *req, struct http_response *res);
int h_project_tag_delete(struct http_request *req, struct http_response *res);
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
/* groups.c */
int h_group_list(struct http_request *req, struct http_response *res);
int h_group_create(struct http_request *req, struct http_response *res);
int h_group_get(struct http_request *req, struct http_response *res);
int h_group_update(struct http_request *req, struct http_response *res);
int h_group_delete(struct http_request *req, struct http_response *res);
int h_group_users(struct http_request *req, struct http_response *res);
int h_group_user_put(struct http_request *req, struct http_response *res);
int h_group_user_check(struct http_request *req, struct http_response *res);
int h_group_user_delete(struct http_request *req, struct http_response *res);
int h_user_groups(struct http_request *req, struct http_response *res);
/* implied_roles.c */
int h_implied_role_put(struct http_request *req, struct http_response *res);
int h_implied_role_get(struct http_request *req, struct http_response *res);
int h_implied_role_delete(struct http_request *req, struct http_response *res);
int h_implied_role_list(struct http_request *req, struct http_response *res);
int h_role_inferences(struct http_request *req, struct http_response *res);
/* catalog.c */
int h_region_list(struct http_request *req, struct http_response *res);
int h_region_create(struct http_request *req, struct http_response *res);
int h_region_get(struct http_request *req, struct http_response *res);
int h_region_put(struct http_request *req, struct http_response *res);
int h_region_update(struct http_request *req, struct http_response *res);
int h_region_delete(struct http_request *req, struct http_response *res);
int h_registered_limit_list(struct http_request *req, struct http_response *res);
int h_registered_limit_create(struct http_request *req, struct http_response *res);
int h_registered_limit_get(struct http_request *req, struct http_response *res);
int h_registered_limit_update(struct http_request *req, struct http_response *res);
int h_registered_limit_delete(struct http_request *req, struct http_response *res);
int h_limit_list(struct http_request *req, struct http_response *res);
int h_limit_create(struct http_request *req, struct http_response *res);
int h_limit_get(struct http_request *req, struct http_response *res);
int h_limit_update(struct http_request *req, struct http_response *res);
int h_limit_delete(struct http_request *req, struct http_response *res);
int h_limit_model(struct http_request *req, struct http_response *res);
int h_service_list(struct http_request *req, struct http_response *res);
int h_service_create(struct http_request *req, struct http_response *res);
int h_service_get(struct http_request *req, struct http_response *res);
int h_service_update(struct http_request *req, struct http_response *res);
int h_service_delete(struct http_request *req, struct http_response *res);
int h_endpoint_list(struct http_request *req, struct http_response *res);
int h_endpoint_create(struct http_request *req, struct http_response *res);
int h_endpoint_get(struct http_request *req, struct http_response *res);
int h_endpoint_update(struct http_request *req, struct http_response *res);
int h_endpoint_delete(struct http_request *req, struct http_response *res);
/* endpoint_groups.c (/v3/OS-EP-FILTER) */
int h_endpoint_group_list(struct http_request *req, struct http_response *res);
int h_endpoint_group_create(struct http_request *req, struct http_response *res);
int h_endpoint_group_get(struct http_request *req, struct http_response *res);
int h_endpoint_group_update(struct http_request *req, struct http_response *res);
int h_endpoint_group_delete(struct http_request *req, struct http_response *res);
int h_endpoint_group_endpoints(struct http_request *req, struct http_response *res);
int h_endpoint_group_projects(struct http_request *req, struct http_response *res);
int h_endpoint_group_project_check(struct http_request *req, struct http_response *res);
int h_endpoint_group_project_put(struct http_request *req, struct http_response *res);
int h_endpoint_group_project_delete(struct http_request *req, struct http_response *res);
int h_project_endpoint_groups(struct http_request *req, struct http_response *res);
int h_endpoint_projects(struct http_request *req, struct http_response *res);
int h_project_endpoints(struct http_request *req, struct http_response *res);
int h_project_endpoint_check(struct http_request *req, struct http_response *res);
int h_project_endpoint_put(struct http_request *req, struct http_response *res);
int h_project_endpoint_delete(struct http_request *req, struct http_response *res);

/* credentials.c */
int h_credential_list(struct http_request *req, struct http_response *res);
int h_credential_create(struct http_request *req, struct http_response *res);
int h_credential_get(struct http_request *req, struct http_response *res);
int h_credential_update(struct http_request *req, struct http_response *res);
int h_credential_delete(struct http_request *req, struct http_response *res);
int h_ec2_list(struct http_request *req, struct http_response *res);
int h_ec2_create(struct http_request *req, struct http_response *res);
int h_ec2_get(struct http_request *req, struct http_response *res);
int h_ec2_delete(struct http_request *req, struct http_response *res);
/* policy_blobs.c */
int h_policy_blob_list(struct http_request *req, struct http_response *res);
int h_policy_blob_create(struct http_request *req, struct http_response *res);
int h_policy_blob_get(struct http_request *req, struct http_response *res);
int h_policy_blob_update(struct http_request *req, struct http_response *res);
int h_policy_blob_delete(struct http_request *req, struct http_response *res);
/* consumers.c */
int h_consumer_list(struct http_request *req, struct http_response *res);
int h_consumer_create(struct http_request *req, struct http_response *res);
int h_consumer_get(struct http_request *req, struct http_response *res);
int h_consumer_update(struct http_request *req, struct http_response *res);
int h_consumer_delete(struct http_request *req, struct http_response *res);

/* Bootstrap's idempotent makers (no policy: the operator runs bootstrap).
 * Each keeps what exists, fills the id of the row it found or made into
 * out (65 bytes), and returns 0 or -errno. */
/* domain.c: the domain "default" ("Default"). */
int domain_ensure_default(struct store *st);
/* role.c: the role called name. */
int role_ensure(struct store *st, const char *name, char out[65]);
/* project.c: the project called name in domain_id. */
int project_ensure(struct store *st, const char *domain_id, const char *name,
		   const char *description, char out[65]);
/* user.c: the user called name in domain_id, enabled, with password hash
 * (also when it already exists, as keystone-manage bootstrap does). */
int user_ensure(struct store *st, const char *domain_id, const char *name, const char *hash,
		const char *default_project_id, char out[65]);
/* grant.c: role_id for user_id on project_id. */
int grant_ensure(struct store *st, const char *user_id, const char *project_id,
		 const char *role_id);
/* region.c: the region id. */
int region_ensure(struct store *st, const char *id);
/* service.c: the service of type. */
int service_ensure(struct store *st, const char *type, const char *name, const char *description,
		   char out[65]);
/* endpoint.c: service_id's endpoint of interface, at url in region_id
 * (an existing one moves there). */
int endpoint_ensure(struct store *st, const char *service_id, const char *interface,
		    const char *url, const char *region_id);

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
