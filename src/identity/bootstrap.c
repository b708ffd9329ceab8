/* bootstrap.c - like keystone-manage bootstrap: the default domain, the
 * built-in roles, the admin project and user, and the catalog of every
 * Basalt endpoint. Idempotent: what exists is kept. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "identity/identity.h"
#include "store/store.h"

/* The services the controller serves, with their path prefixes. Only
 * services that answer are listed: clients probe every catalog entry
 * (openstack quota show asks the network service), and an endpoint that
 * 404s everything breaks them. */
static const struct {
	const char *type, *name, *description, *path;
} services[] = {
	{ "identity", "keystone", "Basalt identity (Keystone v3)", "/v3" },
	{ "compute", "nova", "Basalt compute (Nova v2.1)", "/compute/v2.1" },
	{ "image", "glance", "Basalt images (Glance v2)", "/image" },
	{ "network", "neutron", "Basalt networking (Neutron v2.0)", "/network" },
};

/* Id of the row the SELECT finds (by name) into id, or insert one with a
 * fresh id. */
static int ensure(struct store *st, const char *select_sql, const char *key, char id[65],
		  int (*insert)(struct store *st, const char *id, void *ctx), void *ctx)
{
	struct store_stmt *q;
	int r = store_query(st, &q, select_sql, "s", key);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0)
		snprintf(id, 65, "%s", store_text(q, 0));
	store_done(q);
	if (r != 0)
		return r < 0 ? r : 0;
	id_new(id);
	return insert(st, id, ctx);
}

static int insert_role(struct store *st, const char *id, void *name)
{
	return store_exec(st, "INSERT INTO role (id, name, revision) VALUES (?, ?, ?)", "ssi", id,
			  (const char *)name, store_txn_revision(st));
}

static int insert_project(struct store *st, const char *id, void *name)
{
	return store_exec(
	    st,
	    "INSERT INTO project (id, name, domain_id, description, enabled, revision)"
	    " VALUES (?, ?, 'default', 'Bootstrap project for the cloud admin', 1, ?)",
	    "ssi", id, (const char *)name, store_txn_revision(st));
}

static int insert_user(struct store *st, const char *id, void *ctx)
{
	const char **a = ctx; /* name, hash, default project */

	return store_exec(st,
			  "INSERT INTO users (id, name, domain_id, enabled, password_hash,"
			  " default_project_id, revision) VALUES (?, ?, 'default', 1, ?, ?, ?)",
			  "ssssi", id, a[0], a[1], a[2], store_txn_revision(st));
}

static int insert_service(struct store *st, const char *id, void *ctx)
{
	const int *i = ctx;

	return store_exec(st,
			  "INSERT INTO service (id, type, name, description, enabled, revision)"
			  " VALUES (?, ?, ?, ?, 1, ?)",
			  "ssssi", id, services[*i].type, services[*i].name,
			  services[*i].description, store_txn_revision(st));
}

static int ensure_endpoints(struct store *st, const char *service_id, const char *region,
			    const char *url)
{
	static const char *const ifaces[] = { "public", "internal", "admin" };
	int r = 0;

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(ifaces); i++) {
		char id[ID_HEX_LEN + 1];
		/* An existing endpoint of this interface is updated to the
		 * current public URL (re-running bootstrap moves the cloud). */
		r = store_exec(st,
			       "UPDATE endpoint SET url = ?, region_id = ?, revision = ?"
			       " WHERE service_id = ? AND interface = ?",
			       "ssiss", url, region, store_txn_revision(st), service_id, ifaces[i]);
		if (r != 0)
			continue;
		id_new(id);
		r = store_exec(st,
			       "INSERT INTO endpoint (id, service_id, interface, url, region_id,"
			       " enabled, revision) VALUES (?, ?, ?, ?, ?, 1, ?)",
			       "sssssi", id, service_id, ifaces[i], url, region,
			       store_txn_revision(st));
	}
	return r;
}

static int run(struct store *st, const struct bootstrap_opts *o, const char *hash)
{
	static const char *const roles[] = { "admin", "member", "reader" };
	char admin_role[65], role_id[65], project_id[65], user_id[65];
	struct store_stmt *q;
	int r;

	r = store_exec(st,
		       "INSERT INTO domain (id, name, description, enabled, revision)"
		       " SELECT 'default', 'Default', 'The default domain', 1, ?"
		       " WHERE NOT EXISTS (SELECT 1 FROM domain WHERE id = 'default')",
		       "i", store_txn_revision(st));
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(roles); i++) {
		r = ensure(st, "SELECT id FROM role WHERE name = ?", roles[i], role_id, insert_role,
			   (void *)roles[i]);
		if (i == 0)
			memcpy(admin_role, role_id, sizeof(role_id));
	}
	if (r >= 0)
		r = ensure(st, "SELECT id FROM project WHERE domain_id = 'default' AND name = ?",
			   o->admin_project, project_id, insert_project, (void *)o->admin_project);
	if (r >= 0) {
		const char *args[] = { o->admin_username, hash, project_id };
		r = ensure(st, "SELECT id FROM users WHERE domain_id = 'default' AND name = ?",
			   o->admin_username, user_id, insert_user, args);
	}
	/* Like keystone-manage bootstrap: the given password becomes the
	 * admin's password, and the admin is enabled. */
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE users SET password_hash = ?, enabled = 1, revision = ?"
			       " WHERE id = ?",
			       "sis", hash, store_txn_revision(st), user_id);
	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO project_role (user_id, project_id, role_id, revision)"
			       " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM project_role"
			       " WHERE user_id = ?1 AND project_id = ?2 AND role_id = ?3)",
			       "sssi", user_id, project_id, admin_role, store_txn_revision(st));
	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO region (id, description, revision) SELECT ?1, '', ?2"
			       " WHERE NOT EXISTS (SELECT 1 FROM region WHERE id = ?1)",
			       "si", o->region, store_txn_revision(st));
	for (int i = 0; r >= 0 && i < (int)ARRAY_SIZE(services); i++) {
		char svc_id[65], url[1024];
		r = ensure(st, "SELECT id FROM service WHERE type = ?", services[i].type, svc_id,
			   insert_service, &i);
		snprintf(url, sizeof(url), "%s%s", o->public_url, services[i].path);
		if (r >= 0)
			r = ensure_endpoints(st, svc_id, o->region, url);
	}
	(void)q;
	return r;
}

int identity_bootstrap(struct basalt *b, const struct bootstrap_opts *o)
{
	char hash[crypto_pwhash_STRBYTES];
	struct store *st = basalt_store(b);
	int r;

	if (!st)
		return -EIO;
	r = token_keys_ensure(b->keys_dir);
	if (r < 0) {
		log_error("bootstrap: token keys in %s: %s", b->keys_dir, strerror(-r));
		return r;
	}
	r = password_hash(b, o->admin_password, hash);
	if (r < 0)
		return r;
	r = store_begin_write(st);
	if (r < 0)
		return r;
	r = run(st, o, hash);
	sodium_memzero(hash, sizeof(hash));
	if (r < 0) {
		store_rollback(st);
		log_error("bootstrap failed: %s", strerror(-r));
		return r;
	}
	r = store_commit(st);
	if (r == 0)
		log_info("bootstrap: admin user '%s' on project '%s', region %s, catalog at %s",
			 o->admin_username, o->admin_project, o->region, o->public_url);
	return r;
}
