/* token_cache.c - the CLI keeps the token it got for a set of credentials
 * in ~/.cache/basalt (mode 0600), so a command costs one validation (about
 * a millisecond) instead of a password check (argon2id, tens of ms). A
 * cached token is used only after the identity service confirms it, so a
 * revoked one (password change, disabled user, role removed) is dropped
 * and the CLI logs in again. Files are named by a keyed hash of the
 * credentials, password included. BASALT_TOKEN_CACHE=0 turns it off. */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "http/client.h"

/* The cache's directory (owned), or NULL when the cache is off: tokens the
 * user gives (OS_TOKEN) are never cached. */
static char *cache_dir(const struct cli *cli)
{
	const char *off = getenv("BASALT_TOKEN_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL;

	if (cli->auth.token || (off && strcmp(off, "0") == 0) || (!xdg && !home))
		return NULL;
	if (asprintf(&dir, "%s%s/basalt", xdg ? xdg : home, xdg ? "" : "/.cache") < 0)
		return NULL;
	return dir;
}

/* The random key the cache names its files with (made on first use), so a
 * file name says nothing about the credentials it stands for. */
static int cache_key(const char *dir, unsigned char key[crypto_generichash_KEYBYTES])
{
	_cleanup_free_ char *path = NULL;
	FILE *f;
	int r;

	if (asprintf(&path, "%s/key", dir) < 0)
		return -ENOMEM;
	if ((f = fopen(path, "re"))) {
		r = fread(key, 1, crypto_generichash_KEYBYTES, f) == crypto_generichash_KEYBYTES
			? 0
			: -EIO;
		fclose(f);
		return r;
	}
	randombytes_buf(key, crypto_generichash_KEYBYTES);
	if ((r = mkdir_p(dir, 0700)) < 0)
		return r;
	return file_write_atomic(path, key, crypto_generichash_KEYBYTES, 0600);
}

/* The cache file for cli's credentials (owned), or NULL. The password is
 * part of the name: a wrong one never finds another login's token. */
static char *cache_path(const struct cli *cli)
{
	const struct cli_auth *a = &cli->auth;
	const char *parts[] = { a->auth_url,	      a->username,	   a->user_id,
				a->password,	      a->user_domain_name, a->user_domain_id,
				a->project_name,      a->project_id,	   a->project_domain_name,
				a->project_domain_id, a->domain_name,	   a->domain_id,
				a->system_scope,      a->default_domain };
	_cleanup_free_ char *dir = cache_dir(cli);
	unsigned char key[crypto_generichash_KEYBYTES], hash[16];
	char hex[33], *path = NULL;
	crypto_generichash_state st;

	if (!dir || cache_key(dir, key) < 0)
		return NULL;
	crypto_generichash_init(&st, key, sizeof(key), sizeof(hash));
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *p = parts[i] ? parts[i] : "";
		crypto_generichash_update(&st, (const unsigned char *)p, strlen(p) + 1);
	}
	crypto_generichash_final(&st, hash, sizeof(hash));
	sodium_memzero(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (asprintf(&path, "%s/token-%s.json", dir, hex) < 0)
		return NULL;
	return path;
}

/* Seconds until the token body's expires_at; negative when past or unknown. */
static long long seconds_left(const json_t *body)
{
	const char *s = json_string_value(json_object_get(body, "expires_at"));
	struct tm tm = { 0 };

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return -1;
	return (long long)timegm(&tm) - (long long)time(NULL);
}

int cli_token_cache_load(struct cli *cli, const char *tokens_url)
{
	_cleanup_free_ char *path = cache_path(cli);
	_cleanup_json_ json_t *doc = NULL;
	struct http_result res;
	const char *tok;
	json_t *body;

	if (!path || !(doc = json_load_file(path, 0, NULL)))
		return -ENOENT;
	tok = json_string_value(json_object_get(doc, "token"));
	body = json_object_get(doc, "body");
	if (!tok || !json_is_object(body) || seconds_left(body) < 60) {
		unlink(path);
		return -ENOENT;
	}
	struct http_call call = {
		.method = "HEAD", .url = tokens_url, .token = tok, .subject_token = tok
	};
	if (http_client_do(cli->http, &call, &res) < 0)
		return -ENOENT;
	if (res.status != 200) {
		http_result_free(&res);
		unlink(path);
		return -ENOENT;
	}
	http_result_free(&res);
	if (!(cli->token = strdup(tok)))
		return -ENOMEM;
	cli->token_body = json_incref(body);
	return 0;
}

/* Remove the cached tokens of other credentials not touched for a day
 * (tokens live an hour by default): the cache does not grow for ever. */
static void prune(const char *keep)
{
	_cleanup_free_ char *dir = strndup(keep, (size_t)(strrchr(keep, '/') - keep));
	time_t old = time(NULL) - 24 * 3600;
	struct dirent *e;
	DIR *d;

	if (!dir || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (strncmp(e->d_name, "token-", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strcmp(path, keep) != 0 && stat(path, &st) == 0 && st.st_mtime < old)
			unlink(path);
	}
	closedir(d);
}

void cli_token_cache_save(const struct cli *cli)
{
	_cleanup_free_ char *path = cache_path(cli), *text = NULL;
	_cleanup_json_ json_t *doc = NULL;

	if (!path || !cli->token || !cli->token_body)
		return;
	doc = json_pack("{s:s,s:O}", "token", cli->token, "body", cli->token_body);
	if (!doc || !(text = json_dumps(doc, JSON_COMPACT)))
		return;
	/* The directory exists: cache_path made the key in it. A cache
	 * that cannot be written only costs the next login. */
	(void)file_write_atomic(path, text, strlen(text), 0600);
	prune(path);
}
