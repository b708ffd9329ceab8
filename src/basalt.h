/* basalt.h - the daemon's context: configuration, the per-thread store
 * connections and the identity cache. Passed down instead of globals. */
#ifndef BASALT_BASALT_H
#define BASALT_BASALT_H

#include <pthread.h>

#include "core/config.h"
#include "identity/identity.h"

struct basalt {
	struct config cfg;
	char *config_path; /* the file cfg came from (NULL: defaults), for SIGHUP */
	char *db_url;	  /* resolved [database] connection */
	char *secret_key_file; /* [database] secret_key_file: seals the keys in the store */
	/* Where token and credential keys were files before they moved into
	 * the store (key_store.c imports them once): STATE_DIR/token-keys,
	 * STATE_DIR/credential-keys. */
	char *keys_dir;
	char *cred_keys_dir;
	char *public_url; /* no trailing slash */
	pthread_key_t store_key;
	struct identity_cache idc;
	/* The authentication hook the API server calls for every token:
	 * decode and check s into t; 0 or -errno. basalt_init installs the
	 * identity service's (identity_validate), so http/ never calls up
	 * into a service. */
	int (*authenticate)(struct basalt *b, const char *s, struct token *t);
	/* Serial consoles: websockets waiting for their agents (compute/). */
	struct console_broker *consoles;
};

/* basalt.c */
/* Load the configuration (path may be NULL) and derive paths. Does not
 * touch the store or keys. Returns 0 or -errno. */
int basalt_init(struct basalt *b, const char *config_path);
/* SIGHUP: read the configuration file again and apply what is safe to
 * change while running (log_level); name every other changed option as
 * needing a restart. A file that does not load changes nothing. */
void basalt_reload(struct basalt *b);
/* Open the store, apply migrations, load the token keys and caches. */
int basalt_open(struct basalt *b);
/* A controller's periodic work, called by the API server's watch thread
 * (several times a second): the heartbeat of its services, each [compute]
 * heartbeat_interval. */
void basalt_controller_tick(struct basalt *b);
void basalt_fini(struct basalt *b);
/* This thread's store connection, opened on first use; NULL on failure.
 * Owned by the thread (closed when it exits) - never pass it to another. */
struct store *basalt_store(struct basalt *b);

#endif
