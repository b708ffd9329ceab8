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

static int run(struct store *st, const struct bootstrap_opts *o, const char *hash)
{
	static const char *const roles[] = { "admin", "member", "reader" };
	static const char *const ifaces[] = { "public", "internal", "admin" };
	char admin_role[65], role_id[65], project_id[65], user_id[65];
	int r = domain_ensure_default(st);

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(roles); i++) {
		r = role_ensure(st, roles[i], role_id);
		if (i == 0)
			memcpy(admin_role, role_id, sizeof(role_id));
	}
	/* Keystone's bootstrap rules: admin implies member, member reader. */
	if (r >= 0)
		r = implied_role_ensure(st, "admin", "member");
	if (r >= 0)
		r = implied_role_ensure(st, "member", "reader");
	if (r >= 0)
		r = project_ensure(st, "default", o->admin_project,
				   "Bootstrap project for the cloud admin", project_id);
	if (r >= 0)
		r = user_ensure(st, "default", o->admin_username, hash, project_id, user_id);
	if (r >= 0)
		r = grant_ensure(st, user_id, project_id, admin_role);
	if (r >= 0)
		r = region_ensure(st, o->region);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(services); i++) {
		char svc_id[65], url[1024];
		r = service_ensure(st, services[i].type, services[i].name, services[i].description,
				   svc_id);
		snprintf(url, sizeof(url), "%s%s", o->public_url, services[i].path);
		for (size_t j = 0; r >= 0 && j < ARRAY_SIZE(ifaces); j++)
			r = endpoint_ensure(st, svc_id, ifaces[j], url, o->region);
	}
	return r;
}

int identity_bootstrap(struct basalt *b, const struct bootstrap_opts *o)
{
	char hash[crypto_pwhash_STRBYTES];
	struct store *st = basalt_store(b);
	int r;

	if (!st)
		return -EIO;
	r = password_hash(b, o->admin_password, hash);
	if (r < 0)
		return r;
	r = store_begin_write(st);
	if (r < 0)
		return r;
	/* The token keys and the credential blobs' keys (credential_keys.c),
	 * in the database under the node's secret key (key_store.c). */
	r = key_store_ensure(b, st, KEY_KIND_TOKEN, b->keys_dir, true);
	if (r == 0)
		r = key_store_ensure(b, st, KEY_KIND_CREDENTIAL, b->cred_keys_dir, true);
	if (r == 0)
		r = key_store_md_secret_check(b, st, MD_SECRET_RECORD);
	if (r == 0)
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
