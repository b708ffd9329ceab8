/* api.c - service requests for commands: endpoint + path, error messages,
 * and finding a resource by name or id the way openstack does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "http/client.h"

int cli_status_errno(long status)
{
	switch (status) {
	case 400:
		return -EINVAL;
	case 401:
		return -EACCES;
	case 403:
		return -EPERM;
	case 404:
		return -ENOENT;
	case 409:
		return -EEXIST;
	case 413:
		return -EFBIG;
	case 503:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* The message in an OpenStack error body: Keystone {"error":{"message"}},
 * Nova {"itemNotFound":{"message"}}, Neutron {"NeutronError":{"message"}}
 * or a plain "message"/"description". Borrowed, NULL when none. */
static const char *error_message(const json_t *reply)
{
	const char *k, *m;
	json_t *v;

	if (!json_is_object(reply))
		return NULL;
	if ((m = json_string_value(json_object_get(reply, "message"))))
		return m;
	json_object_foreach((json_t *)reply, k, v)
	{
		if (json_is_object(v) && (m = json_string_value(json_object_get(v, "message"))))
			return m;
	}
	return json_string_value(json_object_get(reply, "description"));
}

void cli_print_http_error(long status, const json_t *reply, const char *text,
			  const char *request_id)
{
	const char *m = error_message(reply);

	if (!m && text && *text && !reply)
		m = text;
	fprintf(stderr, "basalt: %s (HTTP %ld)", m ? m : "request failed", status);
	if (request_id)
		fprintf(stderr, " (Request-ID: %s)", request_id);
	fputc('\n', stderr);
}

/* Perform the request; res is filled on 0. Transport errors printed. */
static int request(struct cli *cli, const char *service, const char *method, const char *path,
		   const json_t *body, struct http_result *res)
{
	_cleanup_free_ char *base = NULL, *url = NULL;
	int r;

	if ((r = cli_login(cli)) < 0)
		return r;
	if ((r = cli_endpoint(cli, service, &base)) < 0)
		return r;
	if (asprintf(&url, "%s/%s", base, path) < 0) {
		url = NULL;
		return -ENOMEM;
	}
	struct http_call call = { .method = method, .url = url, .token = cli->token, .body = body };
	r = http_client_do(cli->http, &call, res);
	if (r < 0)
		fprintf(stderr, "basalt: %s %s failed: %s\n", method, url,
			http_client_error(cli->http));
	return r;
}

int cli_request_status(struct cli *cli, const char *service, const char *method, const char *path,
		       const json_t *body, long *status, json_t **reply)
{
	struct http_result res;
	int r;

	if (reply)
		*reply = NULL;
	if ((r = request(cli, service, method, path, body, &res)) < 0)
		return r;
	*status = res.status;
	if (reply)
		*reply = steal_ptr(res.reply);
	http_result_free(&res);
	return 0;
}

int cli_request(struct cli *cli, const char *service, const char *method, const char *path,
		const json_t *body, json_t **reply)
{
	struct http_result res;
	int r;

	if (reply)
		*reply = NULL;
	if ((r = request(cli, service, method, path, body, &res)) < 0)
		return r;
	if (res.status >= 400) {
		cli_print_http_error(res.status, res.reply, res.text, res.request_id);
		r = cli_status_errno(res.status);
	} else if (reply) {
		*reply = steal_ptr(res.reply);
	}
	http_result_free(&res);
	return r;
}

char *cli_escape(struct cli *cli, const char *s)
{
	return http_url_escape(cli->http, s);
}

int cli_find(struct cli *cli, const struct cli_resource *r, const char *name_or_id,
	     const char *extra, json_t **obj)
{
	_cleanup_free_ char *esc = NULL, *path = NULL;
	_cleanup_json_ json_t *reply = NULL;
	long status;
	int rc;

	*obj = NULL;
	if (!(esc = cli_escape(cli, name_or_id)))
		return -ENOMEM;
	/* By id first... */
	if (asprintf(&path, "%s/%s", r->path, esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	rc = cli_request_status(cli, r->service, "GET", path, NULL, &status, &reply);
	if (rc < 0)
		return rc;
	if (status < 300 && json_is_object(json_object_get(reply, r->singular))) {
		*obj = json_incref(json_object_get(reply, r->singular));
		return 0;
	}
	if (status != 404 && status != 400) {
		cli_print_http_error(status, reply, NULL, NULL);
		return cli_status_errno(status);
	}
	/* ...then by exact name. */
	free(path);
	json_decref(reply);
	reply = NULL;
	if (asprintf(&path, "%s?name=%s%s%s", r->path, esc, extra ? "&" : "", extra ? extra : "") <
	    0) {
		path = NULL;
		return -ENOMEM;
	}
	if ((rc = cli_request(cli, r->service, "GET", path, NULL, &reply)) < 0)
		return rc;
	json_t *list = json_object_get(reply, r->plural), *item, *match = NULL;
	size_t i, n = 0;
	json_array_foreach(list, i, item)
	{
		/* Servers may ignore the filter: compare names here too. */
		const char *name = json_string_value(json_object_get(item, "name"));

		if (name && strcmp(name, name_or_id) == 0) {
			match = item;
			n++;
		}
	}
	if (n == 0) {
		fprintf(stderr, "basalt: No %s with a name or ID of '%s' exists.\n", r->singular,
			name_or_id);
		return -ENOENT;
	}
	if (n > 1) {
		fprintf(stderr, "basalt: More than one %s exists with the name '%s'.\n",
			r->singular, name_or_id);
		return -EEXIST;
	}
	*obj = json_incref(match);
	return 0;
}

int cli_find_id(struct cli *cli, const struct cli_resource *r, const char *name_or_id,
		const char *extra, char **id)
{
	_cleanup_json_ json_t *obj = NULL;
	const char *v;
	int rc;

	*id = NULL;
	if ((rc = cli_find(cli, r, name_or_id, extra, &obj)) < 0)
		return rc;
	if (!(v = json_string_value(json_object_get(obj, "id")))) {
		fprintf(stderr, "basalt: the %s '%s' has no id\n", r->singular, name_or_id);
		return -EPROTO;
	}
	*id = strdup(v);
	return *id ? 0 : -ENOMEM;
}

int cli_item_request(struct cli *cli, const struct cli_resource *r, const char *method,
		     const char *id, const json_t *body, json_t **reply)
{
	_cleanup_free_ char *esc = NULL, *path = NULL;

	if (reply)
		*reply = NULL;
	if (!(esc = cli_escape(cli, id)) || asprintf(&path, "%s/%s", r->path, esc) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	return cli_request(cli, r->service, method, path, body, reply);
}

int cli_delete_each(struct cli *cli, const struct cli_resource *r, const char *const *names, int n,
		    const char *extra)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *id = NULL;

		if (cli_find_id(cli, r, names[i], extra, &id) < 0 ||
		    cli_item_request(cli, r, "DELETE", id, NULL, NULL) < 0)
			failed++;
	}
	if (failed && n > 1)
		fprintf(stderr, "basalt: %d of %d %s failed to delete.\n", failed, n, r->plural);
	return failed ? -EIO : 0;
}

int cli_create(struct cli *cli, const struct cli_resource *r, const json_t *obj, bool or_show,
	       const char *extra)
{
	_cleanup_json_ json_t *body = json_pack("{s:O}", r->singular, (json_t *)obj);
	_cleanup_json_ json_t *reply = NULL, *found = NULL;
	long status;
	int rc;

	if (!body)
		return -ENOMEM;
	if (!or_show) {
		if ((rc = cli_request(cli, r->service, "POST", r->path, body, &reply)) < 0)
			return rc;
		return cli_print_object(cli, json_object_get(reply, r->singular));
	}
	if ((rc = cli_request_status(cli, r->service, "POST", r->path, body, &status, &reply)) < 0)
		return rc;
	if (status == 409) {
		const char *name = json_string_value(json_object_get(obj, "name"));

		if ((rc = cli_find(cli, r, name ? name : "", extra, &found)) < 0)
			return rc;
		return cli_print_object(cli, found);
	}
	if (status >= 400) {
		cli_print_http_error(status, reply, NULL, NULL);
		return cli_status_errno(status);
	}
	return cli_print_object(cli, json_object_get(reply, r->singular));
}
