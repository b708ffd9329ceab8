/* agentapi.c - the agents' API (/agent/v1, docs/agent-protocol.md): a
 * host registers (compute's host resource; a network node adopts the
 * routers and DHCP ports left without a live host), heartbeats, long-polls
 * its desired state (compute's servers and network's members in one
 * document with one etag), and reports what it did (applied to compute's
 * servers and network's ports, routers and floating IPs). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentapi/agentapi.h"
#include "basalt.h"
#include "compute/compute.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "image/image.h"
#include "network/network.h"
#include "store/store.h"

#define R(rule, method, path, handler) { rule, method, path, handler, NULL }

static const struct route routes[] = {
	R("agent:register", "PUT", "/agent/v1/hosts/{host}", h_agent_register),
	R("agent:heartbeat", "POST", "/agent/v1/hosts/{host}/heartbeat", h_agent_heartbeat),
	R("agent:desired", "GET", "/agent/v1/hosts/{host}/desired", h_agent_desired),
	R("agent:report", "POST", "/agent/v1/hosts/{host}/report", h_agent_report),
	R("agent:console", "GET", "/agent/v1/hosts/{host}/consoles/{session}", h_agent_console),
};

const struct route_table agent_routes = { routes, ARRAY_SIZE(routes) };

int h_agent_register(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "roles", J_ARRAY, true, 0 },	       { "local_ip", J_STRING_NULL, false, 64 },
		{ "virt_type", J_STRING_NULL, false, 16 }, { "hypervisor_type", J_STRING_NULL, false, 32 },
		{ "hypervisor_version", J_ANY, false, 0 }, { "resources", J_OBJECT, false, 0 },
	};
	const char *name = http_param(req, "host");
	json_t *h, *rs, *role;
	_cleanup_json_ json_t *body = api_body_object(req, res, "host", fields, ARRAY_SIZE(fields), &h);
	char roles[256] = "";
	struct host_info info;
	struct store *st;
	size_t i;
	int r;

	if (!body)
		return -1;
	json_array_foreach(json_object_get(h, "roles"), i, role) {
		const char *rn = json_string_value(role);
		if (!rn || (strcmp(rn, "compute") != 0 && strcmp(rn, "network") != 0))
			return http_error(res, 400, "Invalid role: roles are compute and network.");
		if (strlen(roles) + strlen(rn) + 2 < sizeof(roles))
			snprintf(roles + strlen(roles), sizeof(roles) - strlen(roles), "%s%s",
				 roles[0] ? "," : "", rn);
	}
	rs = json_object_get(h, "resources");
	json_int_t vcpus = json_integer_value(json_object_get(rs, "vcpus"));
	json_int_t mem = json_integer_value(json_object_get(rs, "memory_mb"));
	json_int_t disk = json_integer_value(json_object_get(rs, "disk_gb"));
	if (vcpus < 0 || mem < 0 || disk < 0 || vcpus > 1 << 20 || mem > 1LL << 40 || disk > 1LL << 40)
		return http_error(res, 400, "Invalid resources.");
	info = (struct host_info){
		.name = name,
		.roles = roles,
		.local_ip = json_str(h, "local_ip"),
		.virt_type = json_str(h, "virt_type"),
		.hypervisor_type = json_str(h, "hypervisor_type"),
		.hypervisor_version = (int64_t)json_integer_value(json_object_get(h, "hypervisor_version")),
		.vcpus = (int64_t)vcpus,
		.memory_mb = (int64_t)mem,
		.disk_gb = (int64_t)disk,
	};
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = host_register(st, &info);
	if (r == -EINVAL)
		r = http_error(res, 400, "Invalid host name.");
	/* A network node (re)registering adopts the routers and DHCP ports
	 * that have no alive host. */
	if (r >= 0 && strstr(roles, "network")) {
		int s = network_schedule(req->b, st, name);
		if (s < 0)
			r = s;
	}
	if (api_write_end(res, st, r, "host") < 0)
		return -1;
	return http_reply(res, 200, json_pack("{s:{s:s,s:s,s:b}}", "host", "name", name, "roles",
					      roles, "enabled", 1));
}


int h_agent_heartbeat(struct http_request *req, struct http_response *res)
{
	const char *name = http_param(req, "host");
	struct store *st = api_write_begin(req, res);
	int r;

	if (!st)
		return -1;
	r = host_seen(st, name, now_usec());
	if (r == 0)
		r = http_error(res, 404, "Host %s is not registered.", name);
	if (api_write_end(res, st, r, "host") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* The host's desired state and its etag (a hash of the whole document:
 * compute's servers and network's members alike). Each server also
 * carries console_offset, where the console tail the controller holds
 * ends: it is added after the etag, so a console delta never wakes a long
 * poll, and a restarted agent learns from it where to go on (nothing sent
 * twice, nothing lost). */
static json_t *desired(struct basalt *b, struct store *st, const char *host, const char *roles,
		       int *err)
{
	json_t *doc = json_pack("{s:s}", "host", host), *offsets = NULL, *s;
	unsigned char hash[16];
	char etag[33], *text;
	size_t i;
	int r = doc ? compute_desired(b, st, host, doc, &offsets) : -ENOMEM;

	if (r >= 0)
		r = network_desired_l2(b, st, host, doc);
	if (r >= 0)
		r = network_desired_l3(b, st, host, roles, doc);
	text = r >= 0 ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (r >= 0 && !text)
		r = -ENOMEM;
	if (r < 0) {
		*err = r;
		json_decref(doc);
		json_decref(offsets);
		return NULL;
	}
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)text, strlen(text), NULL,
			   0);
	free(text);
	sodium_bin2hex(etag, sizeof(etag), hash, sizeof(hash));
	json_object_set_new(doc, "etag", json_string(etag));
	json_array_foreach(json_object_get(doc, "servers"), i, s)
		json_object_set(s, "console_offset", json_array_get(offsets, i));
	json_decref(offsets);
	return doc;
}

/* The desired state goes in pages of at most DESIRED_PAGE_MAX bytes of
 * array entries (servers, deleting, networks, ports, security groups,
 * DHCP, routers), so no answer grows with what the host carries: page 0
 * has every member (arrays cut to their first entries) and says how many
 * pages there are; the agent asks for the others by number with the etag
 * (docs/agent-protocol.md, "Desired state"). The cut is a pure function
 * of the document, so every page of one etag fits with the others. One
 * entry larger than a page (a server with 64 KiB of user data, a network's
 * DHCP hosts) makes a page of its own. */
#define DESIRED_PAGE_MAX (256 * 1024)

/* Page k of doc (a new document) and *pages, the number of pages. */
static json_t *desired_page(const json_t *doc, long k, long *pages)
{
	json_t *out = json_object(), *v;
	const char *key;
	long page = 0;
	size_t used = 0;

	if (!out)
		return NULL;
	/* Members in the order of their names: the same cut every time. */
	json_object_foreach((json_t *)doc, key, v)
		if (!json_is_array(v))
			json_object_set(out, key, v);
	const char **keys = NULL;
	size_t nk = 0;
	json_object_foreach((json_t *)doc, key, v) {
		if (!json_is_array(v))
			continue;
		const char **nkeys = realloc(keys, (nk + 1) * sizeof(*keys));
		if (!nkeys) {
			free(keys);
			json_decref(out);
			return NULL;
		}
		keys = nkeys;
		keys[nk++] = key;
	}
	for (size_t i = 1; i < nk; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (size_t i = 0; i < nk; i++) {
		json_t *arr = json_object_get(doc, keys[i]), *mine = json_array(), *e;
		size_t j;
		json_array_foreach(arr, j, e) {
			char *t = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
			size_t n = t ? strlen(t) + 1 : 1;
			free(t);
			if (used > 0 && used + n > DESIRED_PAGE_MAX) {
				page++;
				used = 0;
			}
			used += n;
			if (page == k)
				json_array_append(mine, e);
		}
		json_object_set_new(out, keys[i], mine);
	}
	free(keys);
	*pages = page + 1;
	return out;
}


int h_agent_desired(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	const char *host = http_param(req, "host");
	const char *after = http_query(req, "after"), *wait = http_query(req, "wait");
	const char *nm = http_query(req, "not_modified");
	bool not_modified = nm && strcmp(nm, "1") == 0;
	long wait_s = wait ? strtol(wait, NULL, 10) : 0;
	int64_t rev = 0;
	char roles[256] = "";
	json_t *doc;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (wait_s < 0 || wait_s > 30)
		return http_error(res, 400, "wait is 0 to 30 seconds.");
	/* page=K&etag=E: page K of the document whose etag is E (409 once it
	 * changed: the agent starts again from page 0). */
	const char *page_q = http_query(req, "page"), *etag_q = http_query(req, "etag");
	char *endp = NULL;
	long page = page_q ? strtol(page_q, &endp, 10) : 0;
	if (page_q && (!*page_q || *endp || page < 0 || page > 1000000))
		return http_error(res, 400, "page is a page number.");
	if (page > 0 && !etag_q)
		return http_error(res, 400, "page needs the etag of the document.");
	r = store_begin_read(st);
	if (r < 0)
		return http_error_errno(res, r, "store");
	r = host_roles(st, host, roles);
	if (r > 0)
		r = store_revision(st, &rev) < 0 ? -EIO : 1;
	doc = r > 0 ? desired(req->b, st, host, roles, &r) : NULL;
	store_rollback(st);
	if (r == 0)
		return http_error(res, 404, "Host %s is not registered.", host);
	if (!doc)
		return http_error_errno(res, r, "desired state");
	if (etag_q && strcmp(etag_q, json_string_value(json_object_get(doc, "etag"))) != 0) {
		json_decref(doc);
		return http_error(res, 409, "The desired state of %s changed: start again from page 0.",
				  host);
	}
	bool same = after && strcmp(after, json_string_value(json_object_get(doc, "etag"))) == 0;
	/* A long poll: nothing new for this host yet, so wait for a write. */
	if (same && wait_s > 0 && !req->wait_expired) {
		json_decref(doc);
		return http_wait(res, rev,
				 res->wait_until ? res->wait_until : now_usec() + wait_s * 1000000);
	}
	/* Still the same at the end of the wait: an agent that keeps the
	 * document it has asks for no copy of it (not_modified=1), so an idle
	 * node's polls carry no state at all, whatever it holds. */
	if (same && not_modified) {
		json_decref(doc);
		return http_reply(res, 304, NULL);
	}
	/* The revision the document was read at, outside the etag (which
	 * changes only with the content): the agent reports it back as
	 * applied_revision once it has carried the document out. */
	json_object_set_new(doc, "revision", json_integer(rev));
	long pages = 1;
	json_t *pg = desired_page(doc, page, &pages);
	json_decref(doc);
	if (!pg)
		return http_error_errno(res, -ENOMEM, "desired state");
	if (page >= pages) {
		json_decref(pg);
		return http_error(res, 404, "Page %ld of the desired state of %s: it has %ld.", page,
				  host, pages);
	}
	json_object_set_new(pg, "page", json_integer(page));
	json_object_set_new(pg, "pages", json_integer(pages));
	return http_reply(res, 200, pg);
}


/* A report's size is bounded by the agents' body limit ([api]
 * max_agent_request_body_size, src/http/server.c); agents page below
 * [agent] report_max_bytes and send only what changed (src/agent/report.c),
 * so a node's size never meets it. A page is taken whole or refused whole
 * (400 names what is wrong); the agent splits a refused page and sends the
 * rest. */
int h_agent_report(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "servers", J_ARRAY, false, 0 },  { "gone", J_ARRAY, false, 0 },
		{ "ports", J_ARRAY, false, 0 },	   { "routers", J_ARRAY, false, 0 },
		{ "floatingips", J_ARRAY, false, 0 }, { "partial", J_BOOL, false, 0 },
		{ "applied_revision", J_ANY, false, 0 },
	};
	const json_t *applied;
	const char *host = http_param(req, "host");
	_cleanup_json_ json_t *body = http_body_json(req, res);
	_cleanup_json_ json_t *images_gone = json_array();
	struct nova_fault f = { "" };
	struct store *st;
	char err[256];
	int64_t now = now_usec();
	json_t *v;
	size_t i;
	int r;

	if (!body)
		return -1;
	if (!images_gone)
		return http_error_errno(res, -ENOMEM, "report");
	if (json_check(body, fields, ARRAY_SIZE(fields), err, sizeof(err)) < 0)
		return http_error(res, 400, "%s", err);
	applied = json_object_get(body, "applied_revision");
	if (applied && (!json_is_integer(applied) || json_integer_value(applied) < 0))
		return http_error(res, 400, "applied_revision must be a non-negative integer.");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = host_seen(st, host, now);
	if (r == 0)
		r = http_error(res, 404, "Host %s is not registered.", host);
	if (r > 0 && applied)
		r = host_applied(st, host, (int64_t)json_integer_value(applied));
	if (r >= 0) {
		r = compute_report(st, host, body, now, &f, images_gone);
		if (r == -EINVAL)
			r = http_error(res, 400, "%s", f.msg);
	}
	if (r >= 0) {
		int n = network_report(st, host, body);
		if (n == -EINVAL)
			r = http_error(res, 400, "Invalid networking report.");
		else if (n < 0)
			r = n;
	}
	if (api_write_end(res, st, r, "report") < 0)
		return -1;
	/* The backups a finished createBackup rotated out: their rows are
	 * gone, now their files. */
	json_array_foreach(images_gone, i, v)
		image_file_remove(req->b, json_string_value(v), req->request_id);
	return http_reply(res, 204, NULL);
}


