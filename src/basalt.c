/* basalt.c - the daemon's context: configuration and per-thread store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"

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
	r = config_load(&b->cfg, config_path);
	if (r < 0)
		return r;
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
	if (b->cfg.public_url[0])
		b->public_url = strdup(b->cfg.public_url);
	else
		b->public_url = strfmt("http://%s", b->cfg.api_listen);
	if (!b->db_url || !b->keys_dir || !b->public_url)
		return -ENOMEM;
	size_t n = strlen(b->public_url);
	while (n > 0 && b->public_url[n - 1] == '/')
		b->public_url[--n] = '\0';
	if (pthread_key_create(&b->store_key, store_key_free) != 0)
		return -ENOMEM;
	return 0;
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

int basalt_open(struct basalt *b)
{
	struct store *st;
	int r;

	r = mkdir_p(b->cfg.state_dir, 0700);
	if (r < 0) {
		log_error("cannot create state_dir %s: %s", b->cfg.state_dir, strerror(-r));
		return r;
	}
	st = basalt_store(b);
	if (!st)
		return -EIO;
	r = store_migrate(st);
	if (r < 0)
		return r;
	return identity_cache_init(b);
}

void basalt_fini(struct basalt *b)
{
	struct store *st = pthread_getspecific(b->store_key);

	identity_cache_fini(b);
	if (st) {
		store_close(st);
		pthread_setspecific(b->store_key, NULL);
	}
	pthread_key_delete(b->store_key);
	free(b->db_url);
	free(b->keys_dir);
	free(b->public_url);
	config_free(&b->cfg);
}
