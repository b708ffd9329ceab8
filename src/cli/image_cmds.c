/* image_cmds.c - basalt image list|show|create|save|delete: Glance v2,
 * with image data streamed between the file and the server (never held
 * in memory whole). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/image_cmds.h"
#include "core/cleanup.h"
#include "core/util.h"

static const struct cli_column image_columns[] = {
	{ "ID", "id", NULL },
	{ "Name", "name", NULL },
	{ "Status", "status", NULL },
};

/* obj[k] = v for each --property k=v. -EINVAL (printed) or -ENOMEM. */
static int properties_parse(json_t *obj, const struct cli_args *a)
{
	for (int i = 0; i < a->nopt; i++) {
		const char *kv = a->opt[i].value, *eq;
		_cleanup_free_ char *k = NULL;

		if (strcmp(a->opt[i].name, "property") != 0)
			continue;
		if (!(eq = strchr(kv, '=')) || eq == kv) {
			fprintf(stderr, "basalt: --property needs KEY=VALUE, not '%s'\n", kv);
			return -EINVAL;
		}
		if (!(k = strndup(kv, (size_t)(eq - kv))) ||
		    json_object_set_new(obj, k, json_string(eq + 1)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cmd_image_list(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *all = json_array();
	_cleanup_free_ char *path = strdup("v2/images?limit=1000");
	int r;

	if (!all || !path)
		return -ENOMEM;
	/* Follow Glance's "next" links ("/v2/images?...&marker=ID"). */
	while (path) {
		_cleanup_json_ json_t *reply = NULL;
		const char *next;

		if ((r = cli_request(cli, "image", "GET", path, NULL, &reply)) < 0)
			return r;
		json_array_extend(all, json_object_get(reply, "images"));
		free(path);
		path = NULL;
		next = json_string_value(json_object_get(reply, "next"));
		if (next && (path = strdup(next[0] == '/' ? next + 1 : next)) == NULL)
			return -ENOMEM;
	}
	return cli_print_list(cli, image_columns, ARRAY_SIZE(image_columns), all);
}

/* The image named by id, else by exact name (ambiguous names refused). */
static int image_find(struct cli *cli, const char *name_or_id, json_t **obj)
{
	_cleanup_free_ char *esc = cli_escape(cli, name_or_id), *path = NULL;
	_cleanup_json_ json_t *reply = NULL;
	json_t *list;
	long status;
	int r;

	*obj = NULL;
	if (!esc || asprintf(&path, "v2/images/%s", esc) < 0)
		return -ENOMEM;
	if ((r = cli_request_status(cli, "image", "GET", path, NULL, &status, &reply)) < 0)
		return r;
	if (status < 300 && json_is_object(reply)) {
		*obj = steal_ptr(reply);
		return 0;
	}
	json_decref(reply);
	reply = NULL;
	free(path);
	if (asprintf(&path, "v2/images?name=%s", esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request(cli, "image", "GET", path, NULL, &reply)) < 0)
		return r;
	list = json_object_get(reply, "images");
	if (json_array_size(list) == 0) {
		fprintf(stderr, "basalt: No Image found for %s\n", name_or_id);
		return -ENOENT;
	}
	if (json_array_size(list) > 1) {
		fprintf(stderr, "basalt: More than one Image exists with the name '%s'.\n",
			name_or_id);
		return -EEXIST;
	}
	*obj = json_incref(json_array_get(list, 0));
	return 0;
}

int cmd_image_show(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL;
	int r;

	if ((r = image_find(cli, a->pos[0], &obj)) < 0)
		return r;
	return cli_print_object(cli, obj);
}

/* A curl handle for {image endpoint}/v2/images/ID/file with the token and
 * the client's TLS settings. */
static CURL *file_handle(struct cli *cli, const char *id, struct curl_slist **hdrs)
{
	_cleanup_free_ char *base = NULL, *url = NULL, *tok = NULL;
	CURL *c;

	if (cli_login(cli) < 0 || cli_endpoint(cli, "image", &base) < 0)
		return NULL;
	if (asprintf(&url, "%s/v2/images/%s/file", base, id) < 0 ||
	    asprintf(&tok, "X-Auth-Token: %s", cli->token) < 0)
		return NULL;
	c = curl_easy_init();
	if (!c)
		return NULL;
	*hdrs = curl_slist_append(NULL, tok);
	*hdrs = curl_slist_append(*hdrs, "Content-Type: application/octet-stream");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
	if (cli->auth.insecure && parse_bool(cli->auth.insecure) == 1) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cli->auth.cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, cli->auth.cacert);
	return c;
}

/* Collect an error body (small) while streaming success bodies to f. */
struct sink {
	FILE *f;
	long status;
	CURL *c;
	char err[2048];
	size_t errlen;
};

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n;

	if (!s->status)
		curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status >= 300) {
		size_t room = sizeof(s->err) - 1 - s->errlen;
		memcpy(s->err + s->errlen, p, len < room ? len : room);
		s->errlen += len < room ? len : room;
		s->err[s->errlen] = '\0';
		return len;
	}
	return s->f ? fwrite(p, 1, len, s->f) : len;
}

/* Transfer progress on stderr (stdout stays the command's output): a bar
 * redrawn in place on a terminal, a plain line per quarter otherwise. */
struct progress {
	const char *what; /* "upload" or "download" */
	bool tty;
	int last; /* last percentage (tty) or quarter (plain) shown; -1 none */
	double start;
};

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct progress *p = ud;
	bool up = strcmp(p->what, "upload") == 0;
	double total = (double)(up ? ultotal : dltotal), now = (double)(up ? ulnow : dlnow);
	double secs = seconds_now() - p->start;
	int pct;

	if (total <= 0)
		return 0;
	pct = (int)(now * 100 / total);
	if (p->tty && pct != p->last) {
		char bar[31];
		int fill = pct * 30 / 100;
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(30 - fill));
		bar[30] = '\0';
		fprintf(stderr, "\r%s [%s] %3d%% %.1f/%.1f MB %.1f MB/s", p->what, bar, pct,
			now / 1048576, total / 1048576, secs > 0 ? now / 1048576 / secs : 0.0);
		if (pct == 100)
			fputc('\n', stderr);
		p->last = pct;
	} else if (!p->tty && pct / 25 > p->last) {
		p->last = pct / 25;
		fprintf(stderr, "%s: %d%% (%.1f of %.1f MB) after %.1fs\n", p->what, p->last * 25,
			now / 1048576, total / 1048576, secs);
	}
	return 0;
}

/* Run c; print the server's message on HTTP >= 400. Returns 0 or -errno.
 * what names the transfer for the progress display. */
static int file_perform(CURL *c, struct sink *s, const char *what)
{
	struct progress p = { what, isatty(STDERR_FILENO), -1, seconds_now() };
	CURLcode cr;
	long status = 0;

	s->c = c;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &p);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	cr = curl_easy_perform(c);
	if (p.tty && p.last >= 0 && p.last < 100)
		fputc('\n', stderr);
	if (cr != CURLE_OK) {
		fprintf(stderr, "basalt: image data transfer failed: %s\n", curl_easy_strerror(cr));
		return -EIO;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 400) {
		json_t *j = json_loads(s->err, 0, NULL);
		cli_print_http_error(status, j, s->err, NULL);
		json_decref(j);
		return cli_status_errno(status);
	}
	return 0;
}

static int upload(struct cli *cli, const char *id, const char *file)
{
	struct curl_slist *hdrs = NULL;
	struct sink s = { 0 };
	struct stat sb;
	FILE *f = fopen(file, "rb");
	CURL *c;
	int r;

	if (!f || fstat(fileno(f), &sb) < 0) {
		fprintf(stderr, "basalt: cannot read %s: %s\n", file, strerror(errno));
		if (f)
			fclose(f);
		return -errno;
	}
	c = file_handle(cli, id, &hdrs);
	if (!c) {
		fclose(f);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READDATA, f);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sb.st_size);
	r = file_perform(c, &s, "upload");
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	fclose(f);
	return r;
}

int cmd_image_create(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *body = json_pack(
	    "{s:s,s:s,s:s}", "name", a->pos[0], "disk_format",
	    cli_opt(a, "disk-format") ? cli_opt(a, "disk-format") : "raw", "container_format",
	    cli_opt(a, "container-format") ? cli_opt(a, "container-format") : "bare");
	_cleanup_json_ json_t *img = NULL, *shown = NULL;
	_cleanup_free_ char *path = NULL;
	const char *file = cli_opt(a, "file"), *id;
	int r;

	if (!body)
		return -ENOMEM;
	if (cli_flag(a, "public"))
		json_object_set_new(body, "visibility", json_string("public"));
	else if (cli_flag(a, "private"))
		json_object_set_new(body, "visibility", json_string("private"));
	if (cli_flag(a, "protected"))
		json_object_set_new(body, "protected", json_true());
	if ((r = properties_parse(body, a)) < 0)
		return r;
	if ((r = cli_request(cli, "image", "POST", "v2/images", body, &img)) < 0)
		return r;
	id = json_string_value(json_object_get(img, "id"));
	if (!id)
		return -EIO;
	if (file && (r = upload(cli, id, file)) < 0)
		return r;
	if (asprintf(&path, "v2/images/%s", id) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((r = cli_request(cli, "image", "GET", path, NULL, &shown)) < 0)
		return r;
	return cli_print_object(cli, shown);
}

int cmd_image_save(struct cli *cli, const struct cli_args *a)
{
	_cleanup_json_ json_t *obj = NULL;
	struct curl_slist *hdrs = NULL;
	struct sink s = { 0 };
	const char *file = cli_opt(a, "file");
	CURL *c;
	int r;

	if (!file || !*file) {
		fprintf(stderr, "basalt: image save needs --file FILE\n");
		return -EINVAL;
	}
	if ((r = image_find(cli, a->pos[0], &obj)) < 0)
		return r;
	c = file_handle(cli, json_string_value(json_object_get(obj, "id")), &hdrs);
	if (!c)
		return -ENOMEM;
	s.f = fopen(file, "wb");
	if (!s.f) {
		r = -errno;
		fprintf(stderr, "basalt: cannot write %s: %s\n", file, strerror(errno));
	} else {
		r = file_perform(c, &s, "download");
		if (fclose(s.f) != 0 && r == 0) {
			r = -errno;
			fprintf(stderr, "basalt: cannot write %s: %s\n", file, strerror(errno));
		}
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return r;
}

int cmd_image_delete(struct cli *cli, const struct cli_args *a)
{
	int failed = 0;

	for (int i = 0; i < a->npos; i++) {
		_cleanup_json_ json_t *obj = NULL;
		_cleanup_free_ char *path = NULL;

		if (image_find(cli, a->pos[i], &obj) < 0 ||
		    asprintf(&path, "v2/images/%s", json_string_value(json_object_get(obj, "id"))) <
			0 ||
		    cli_request(cli, "image", "DELETE", path, NULL, NULL) < 0) {
			failed++;
			continue;
		}
	}
	if (failed) {
		fprintf(stderr, "basalt: %d of %d images failed to delete.\n", failed, a->npos);
		return -EIO;
	}
	return 0;
}
