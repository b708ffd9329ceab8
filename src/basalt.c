/* basalt.c - the composition root: the daemon's context (configuration,
 * per-thread store, the authentication hook) and the route tables of
 * every service, wired together here so that http/ depends on none. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentapi/agentapi.h"
#include "basalt.h"
#include "compute/compute.h"
#include "dashboard/dashboard.h"
#include "http/http.h"
#include "identity/identity.h"
#include "image/image.h"
#include "metadata/metadata.h"
#include "network/network.h"
#include "policy/policy.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"

/* Every service's routing table, in the order they are matched
 * (dispatch.c walks them; policy_selftest checks their actions). */
const struct route_table *const http_route_tables[] = {
	&identity_routes, &image_routes,   &compute_routes,	&agent_routes,
	&network_routes,  &network_l3_routes, &metadata_routes, &dashboard_routes,
};

const size_t http_route_tables_count = ARRAY_SIZE(http_route_tables);

static char *strfmt(const char *fmt, const char *a)
{
	char *s = NULL;

	if (asprintf(&s, fmt, a) < 0)
		return NULL;
	return s;
}

static void store_key_free(void *st)
{
	store_close(st);
}

int basalt_init(struct basalt *b, const char *config_path)
{
	enum log_level level;
	int r;

	memset(b, 0, sizeof(*b));
	b->authenticate = identity_validate;
	b->consoles = console_broker_new();
	if (!b->consoles)
		return -ENOMEM;
	r = config_load(&b->cfg, config_path);
	if (r < 0)
		return r;
	if (config_path && !(b->config_path = strdup(config_path)))
		return -ENOMEM;
	log_set_node(b->cfg.host);
	if (log_level_parse(b->cfg.log_level, &level) < 0) {
		log_error("config: bad log_level '%s'", b->cfg.log_level);
		return -EINVAL;
	}
	log_set_level(level);
	if (b->cfg.db_connection[0])
		b->db_url = strdup(b->cfg.db_connection);
	else
		b->db_url = strfmt("sqlite://%s/basalt.db", b->cfg.state_dir);
	b->keys_dir = strfmt("%s/token-keys", b->cfg.state_dir);
	b->cred_keys_dir = strfmt("%s/credential-keys", b->cfg.state_dir);
	if (b->cfg.secret_key_file[0])
		b->secret_key_file = strdup(b->cfg.secret_key_file);
	else
		b->secret_key_file = strfmt("%s/secret.key", b->cfg.state_dir);
	if (b->cfg.public_url[0])
		b->public_url = strdup(b->cfg.public_url);
	else
		b->public_url = strfmt("http://%s", b->cfg.api_listen);
	if (!b->db_url || !b->keys_dir || !b->cred_keys_dir || !b->secret_key_file ||
	    !b->public_url)
		return -ENOMEM;
	size_t n = strlen(b->public_url);
	while (n > 0 && b->public_url[n - 1] == '/')
		b->public_url[--n] = '\0';
	if (pthread_key_create(&b->store_key, store_key_free) != 0)
		return -ENOMEM;
	return 0;
}

static void needs_restart(const char *section, const char *name, void *arg)
{
	int *n = arg;

	if (strcmp(section, "DEFAULT") == 0 && strcmp(name, "log_level") == 0)
		return;
	log_warn("reload: [%s] %s changed: it takes effect at the next restart", section, name);
	(*n)++;
}

void basalt_controller_tick(struct basalt *b)
{
	ctlsvc_tick(b);
}

void basalt_reload(struct basalt *b)
{
	struct config fresh;
	enum log_level level;
	int n = 0;

	if (config_load(&fresh, b->config_path) < 0) {
		log_error("reload: %s does not load: nothing changed",
			  b->config_path ? b->config_path : "(defaults)");
		config_free(&fresh);
		return;
	}
	if (log_level_parse(fresh.log_level, &level) < 0) {
		log_error("reload: bad log_level '%s': nothing changed", fresh.log_level);
		config_free(&fresh);
		return;
	}
	/* Only the log level changes under running threads (an atomic); every
	 * other option is read without locks, so it waits for a restart. */
	log_set_level(level);
	config_diff(&b->cfg, &fresh, needs_restart, &n);
	log_info("reload: %s read again: log_level %s%s",
		 b->config_path ? b->config_path : "(defaults)", fresh.log_level,
		 n ? "; see above for what needs a restart" : "");
	config_free(&fresh);
}

struct store *basalt_store(struct basalt *b)
{
	struct store *st = pthread_getspecific(b->store_key);

	if (st)
		return st;
	if (store_open(b->db_url, b->cfg.db_busy_timeout_ms, &st) < 0)
		return NULL;
	pthread_setspecific(b->store_key, st);
	return st;
}

/* A store from before the keys moved into it (migration 026) gets its
 * key files imported, once; the metadata secret is compared with the one
 * the other controllers use (key_store_md_secret_check). */
static int basalt_keys_ensure(struct basalt *b, struct store *st)
{
	int r, md = -ENOENT;

	/* Reads only when all is in place (every start but the first). */
	r = store_begin_read(st);
	if (r < 0)
		return r;
	r = key_store_complete(st);
	if (r == 1)
		md = key_store_md_secret_check(b, st, MD_SECRET_CHECK);
	store_rollback(st);
	if (r < 0)
		return r;
	if (md != -ENOENT)
		return md; /* 0: the same secret as recorded */
	r = store_begin_write(st);
	if (r < 0)
		return r;
	r = key_store_ensure(b, st, KEY_KIND_TOKEN, b->keys_dir, false);
	if (r == 0)
		r = key_store_ensure(b, st, KEY_KIND_CREDENTIAL, b->cred_keys_dir, false);
	if (r == 0)
		r = key_store_md_secret_check(b, st, MD_SECRET_RECORD);
	if (r == 0)
		return store_commit(st);
	store_rollback(st);
	return r;
}

int basalt_open(struct basalt *b)
{
	struct store *st;
	int r;

	r = mkdir_p(b->cfg.state_dir, 0700);
	if (r < 0) {
		log_error("cannot create state_dir %s: %s", b->cfg.state_dir, strerror(-r));
		return r;
	}
	r = policy_selftest();
	if (r < 0)
		return r;
	st = basalt_store(b);
	if (!st)
		return -EIO;
	r = store_migrate(st);
	if (r < 0)
		return r;
	r = basalt_keys_ensure(b, st);
	if (r < 0)
		return r;
	return identity_cache_init(b);
}

void basalt_fini(struct basalt *b)
{
	struct store *st = pthread_getspecific(b->store_key);

	identity_cache_fini(b);
	console_broker_free(b->consoles);
	b->consoles = NULL;
	if (st) {
		store_close(st);
		pthread_setspecific(b->store_key, NULL);
	}
	pthread_key_delete(b->store_key);
	free(b->config_path);
	free(b->db_url);
	free(b->keys_dir);
	free(b->cred_keys_dir);
	free(b->secret_key_file);
	free(b->public_url);
	config_free(&b->cfg);
}
