/* handler.c - /metadata: trust the request by the proxy's signature (no
 * token: guests have none), find the asking instance and serve its data. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "basalt.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/sign.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "metadata/metadata.h"
#include "store/store.h"

#define PREFIX "/metadata"
#define PASSWORD_MAX 256 /* Nova's: a longer post is a 400 */

/* Whether the empty-secret warning was logged. Only rate-limits a log
 * line (nothing behaves differently), so it may live outside struct
 * basalt without being state anyone depends on. */
static atomic_flag secret_warned = ATOMIC_FLAG_INIT;

/* The proxy's headers and signature (docs/agent-protocol.md). 0 or a 403
 * in res. */
static int check_proxy(struct http_request *req, struct http_response *res)
{
	const char *secret = req->b->cfg.metadata_proxy_shared_secret;

	if (!secret || !secret[0]) {
		if (!atomic_flag_test_and_set(&secret_warned))
			log_warn("metadata: [metadata] proxy_shared_secret is empty: every metadata "
				 "request is refused (set the same secret here and on the network "
				 "nodes)");
		return http_error(res, 403, "The metadata service is not configured.");
	}
	if (!req->forwarded_for || !req->md_network_id || !req->md_signature)
		return http_error(res, 403,
				  "X-Forwarded-For, X-Basalt-Network-ID and X-Basalt-Signature "
				  "are required.");
	if (!metadata_sign_ok(secret, req->md_network_id, req->forwarded_for, req->md_signature)) {
		log_warn("%s metadata: bad signature for network %.64s address %.64s",
			 req->request_id, req->md_network_id, req->forwarded_for);
		return http_error(res, 403, "Invalid proxy request signature.");
	}
	return 0;
}

static int h_metadata(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	struct md_instance in;
	struct md_reply out;
	struct md_path path;
	int r;

	if (check_proxy(req, res) < 0)
		return -1;
	/* The route matched, so the path starts with PREFIX. */
	if (md_path_parse(req->path + strlen(PREFIX), &path) < 0)
		return http_error(res, 404, "The resource could not be found.");
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	r = md_instance_load(st, req->md_network_id, req->forwarded_for, &in);
	store_rollback(st);
	if (r == 0)
		r = md_serve(&in, &path, &out);
	md_instance_free(&in);
	if (r == -ENOENT) {
		log_info("%s metadata: no instance at %.64s on network %.64s", req->request_id,
			 req->forwarded_for, req->md_network_id);
		return http_error(res, 404, "No instance with address %.64s on network %.64s.",
				  req->forwarded_for, req->md_network_id);
	}
	if (r < 0)
		return http_error_errno(res, r, "instance metadata");
	if (out.status != 200)
		return http_error(res, out.status, "The resource could not be found.");
	http_reply_raw(res, 200, out.body);
	/* Set after http_reply_raw, which resets it: user data may hold NULs. */
	res->raw_len = out.len;
	res->content_type = out.content_type;
	return 0;
}

/* POST /openstack/VERSION/password: the guest sets its password once
 * (Nova: 409 when it has one; an operator clears it through the compute
 * API's os-server-password), up to 256 bytes; 200 with no body. */
static int h_metadata_password(struct http_request *req, struct http_response *res)
{
	struct md_path path;
	_cleanup_free_ char *pw = NULL;
	struct md_instance in;
	struct store *st;
	int r;

	if (check_proxy(req, res) < 0)
		return -1;
	if (md_path_parse(req->path + strlen(PREFIX), &path) < 0 || !md_password_path(&path))
		return http_error(res, 404, "The resource could not be found.");
	if (req->body_len > PASSWORD_MAX)
		return http_error(res, 400, "Request is too large.");
	if (memchr(req->body ? req->body : "", '\0', req->body_len))
		return http_error(res, 400, "The password holds a NUL byte.");
	pw = strndup(req->body ? req->body : "", req->body_len);
	if (!pw)
		return http_error_errno(res, -ENOMEM, "password");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = md_instance_load(st, req->md_network_id, req->forwarded_for, &in);
	if (r == 0)
		r = server_password_post(st, in.id, pw);
	md_instance_free(&in);
	if (r == -ENOENT)
		http_error(res, 404, "No instance with address %.64s on network %.64s.",
			   req->forwarded_for, req->md_network_id);
	else if (r == -EEXIST)
		http_error(res, 409, "The password was set already.");
	if (api_write_end(res, st, r, "password") < 0)
		return -1;
	log_info("%s metadata: the guest at %.64s set its password", req->request_id,
		 req->forwarded_for);
	http_reply_raw(res, 200, strdup(""));
	res->content_type = "text/plain; charset=UTF-8";
	return 0;
}

#define R(path) { "metadata:get", "GET", path, h_metadata, NULL }

/* Every depth the two layouts reach; the handler reads the path itself. */
static const struct route routes[] = {
	R(PREFIX),
	R(PREFIX "/{a}"),
	R(PREFIX "/{a}/{b}"),
	R(PREFIX "/{a}/{b}/{c}"),
	R(PREFIX "/{a}/{b}/{c}/{d}"),
	R(PREFIX "/{version}/meta-data/{a}/{b}/{c}"), /* public-keys/0/openssh-key */
	{ "metadata:post", "POST", PREFIX "/{a}/{b}/{c}", h_metadata_password, NULL },
};

const struct route_table metadata_routes = { routes, ARRAY_SIZE(routes) };
