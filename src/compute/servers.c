/* servers.c - the handlers of /compute/v2.1/servers: create, list, show,
 * delete (parse, call the server resource in server.c, render Nova's
 * shape). Actions and metadata are in server_actions.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "http/api.h"
#include "http/http.h"
#include "network/l3.h"
#include "policy/policy.h"
#include "store/store.h"

static const char *status_of(const char *vm, const char *task, int64_t power)
{
	if (strcmp(vm, "building") == 0)
		return "BUILD";
	if (strcmp(vm, "error") == 0)
		return "ERROR";
	if (task && strcmp(task, "resize_reverting") == 0)
		return "REVERT_RESIZE";
	if (strcmp(vm, "resized") == 0)
		return "VERIFY_RESIZE";
	if (task && strncmp(task, "resize_", 7) == 0)
		return "RESIZE";
	if (task && strcmp(task, "rebuilding") == 0)
		return "REBUILD";
	if (strcmp(vm, "stopped") == 0)
		return "SHUTOFF";
	if (strcmp(vm, "paused") == 0)
		return "PAUSED";
	if (strcmp(vm, "suspended") == 0)
		return "SUSPENDED";
	if (strcmp(vm, "rescued") == 0)
		return "RESCUE";
	if (strcmp(vm, "deleting") == 0)
		return power == 1 ? "ACTIVE" : "SHUTOFF";
	if (task && strcmp(task, "rebooting") == 0)
		return "REBOOT";
	if (task && strcmp(task, "rebooting_hard") == 0)
		return "HARD_REBOOT";
	return "ACTIVE";
}

void server_host_id(const char *project, const char *host, char out[57])
{
	unsigned char h[28];
	crypto_generichash_state s;

	if (!host) {
		out[0] = '\0';
		return;
	}
	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)project, strlen(project));
	crypto_generichash_update(&s, (const unsigned char *)host, strlen(host));
	crypto_generichash_final(&s, h, sizeof(h));
	sodium_bin2hex(out, 57, h, sizeof(h));
}

int server_visible(struct http_request *req, struct http_response *res, struct store *st,
		   const char *id, const char *action)
{
	struct nova_fault f = { "" };
	struct server_ref s;
	int r = server_find(st, &req->caller, id, action, &s, &f);

	if (r < 0)
		return nova_error(res, r, &f, "server");
	server_ref_free(&s);
	return 0;
}

json_t *render_server_brief(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, SC_ID);

	return json_pack("{s:s,s:s,s:o}", "id", id, "name", store_text(q, SC_NAME), "links",
			 nova_links(req, "servers", id));
}

/* Nova's "security_groups" of a server's view: {"name"} (the id when the
 * group has no name) of each group on each of its ports, as the caller
 * may see them in the network service, port after port; NULL when there
 * is none, and Nova leaves the key out. */
static json_t *server_groups(const struct http_request *req, struct store *st, const char *id)
{
	json_t *out = NULL;
	struct store_stmt *q;
	int e;

	if (store_query(st, &q,
			"SELECT g.id FROM server_port p JOIN port_security_group pg"
			" ON pg.port_id = p.port_id JOIN security_group g ON g.id = pg.security_group_id"
			" WHERE p.server_id = ? AND p.detaching = 0 ORDER BY p.ord, g.name, g.id",
			"s", id) < 0)
		return NULL;
	while (store_next(q) > 0) {
		_cleanup_json_ json_t *g = l3_secgroup_load(&req->caller, st, store_text(q, 0), &e);
		const char *name = g ? json_str(g, "name") : NULL;
		if (!g)
			continue;
		if (!out)
			out = json_array();
		json_array_append_new(out, json_pack("{s:s}", "name",
						     name && name[0] ? name : store_text(q, 0)));
	}
	store_done(q);
	return out;
}

/* Nova shows "progress" only in the statuses that can have one. */
static bool status_has_progress(const char *status)
{
	static const char *const with[] = { "ACTIVE", "BUILD", "REBUILD", "RESIZE",
					    "VERIFY_RESIZE", "MIGRATING" };

	for (size_t i = 0; status && i < ARRAY_SIZE(with); i++)
		if (strcmp(status, with[i]) == 0)
			return true;
	return false;
}

json_t *render_server(const struct http_request *req, struct store_stmt *q)
{
	struct store *st = basalt_store(req->b);
	const char *id = store_text(q, SC_ID), *vm = store_text(q, SC_VM_STATE);
	const char *task = store_text(q, SC_TASK_STATE), *host = store_text(q, SC_HOST);
	const char *image = store_text(q, SC_IMAGE_ID), *key = store_text(q, SC_KEY_NAME);
	/* Admins see where a server runs (Nova's extended attributes). */
	bool ext = policy_allows(&req->caller, "os_compute_api:os-extended-server-attributes", NULL);
	char hid[57];
	json_t *s, *flavor, *groups;

	server_host_id(store_text(q, SC_PROJECT), host, hid);
	if (microversion_at_least(req, 2, 47)) {
		flavor = json_pack("{s:I,s:I,s:I,s:I,s:I,s:s}", "vcpus", store_int(q, SC_VCPUS),
				   "ram", store_int(q, SC_RAM), "disk", store_int(q, SC_DISK),
				   "ephemeral", store_int(q, SC_EPHEMERAL), "swap",
				   store_int(q, SC_SWAP), "original_name",
				   store_text(q, SC_FLAVOR_NAME));
		/* under the rule of the flavor's own (as Nova) */
		if (policy_allows(&req->caller, "os_compute_api:os-flavor-extra-specs:index", NULL))
			json_object_set_new(flavor, "extra_specs",
					    flavor_extra_specs(st, store_text(q, SC_FLAVOR_ID)));
	} else {
		flavor = json_pack("{s:s,s:o}", "id", store_text(q, SC_FLAVOR_ID), "links",
				   nova_links(req, "flavors", store_text(q, SC_FLAVOR_ID)));
	}
	s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:s,"
		      "s:s,s:s,s:o,s:o,s:n,s:o,s:s,s:I,s:[]}",
		      "id", id, "name", store_text(q, SC_NAME), "status",
		      status_of(vm, task, store_int(q, SC_POWER_STATE)), "tenant_id",
		      store_text(q, SC_PROJECT), "user_id", store_text(q, SC_USER), "metadata",
		      server_metadata(st, id), "hostId", hid, "image",
		      image ? json_pack("{s:s,s:o}", "id", image, "links",
					nova_links(req, "images", image))
			    : json_string(""),
		      "flavor", flavor, "created", nova_time(store_int(q, SC_CREATED)), "updated",
		      nova_time(store_int(q, SC_UPDATED)), "addresses",
		      server_addresses(st, id, true), "accessIPv4",
		      store_text(q, SC_ACCESS_IPV4) ? store_text(q, SC_ACCESS_IPV4) : "", "accessIPv6",
		      store_text(q, SC_ACCESS_IPV6) ? store_text(q, SC_ACCESS_IPV6) : "", "links", nova_links(req, "servers", id),
		      "OS-DCF:diskConfig", store_int(q, SC_AUTO_DISK) ? "AUTO" : "MANUAL",
		      "OS-EXT-AZ:availability_zone",
		      store_text(q, SC_AZ), "config_drive",
		      store_int(q, SC_CONFIG_DRIVE) ? "True" : "", "key_name",
		      key ? json_string(key) : json_null(), "OS-SRV-USG:launched_at",
		      nova_time(store_int(q, SC_LAUNCHED)), "OS-SRV-USG:terminated_at",
		      "OS-EXT-STS:task_state", task ? json_string(task) : json_null(),
		      "OS-EXT-STS:vm_state", strcmp(vm, "deleting") == 0 ? "active" : vm,
		      "OS-EXT-STS:power_state", store_int(q, SC_POWER_STATE),
		      "os-extended-volumes:volumes_attached");
	if (status_has_progress(json_string_value(json_object_get(s, "status"))))
		json_object_set_new(s, "progress", json_integer(0));
	groups = server_groups(req, st, id);
	if (groups)
		json_object_set_new(s, "security_groups", groups);
	if (microversion_at_least(req, 2, 9))
		json_object_set_new(s, "locked", json_boolean(store_text(q, SC_LOCKED_BY) != NULL));
	if (microversion_at_least(req, 2, 73))
		json_object_set_new(s, "locked_reason", store_text(q, SC_LOCKED_REASON)
							    ? json_string(store_text(q, SC_LOCKED_REASON))
							    : json_null());
	if (microversion_at_least(req, 2, 19))
		json_object_set_new(s, "description", json_null());
	if (microversion_at_least(req, 2, 26))
		json_object_set_new(s, "tags", server_tags(st, id));
	if (ext) {
		char inst[64];
		snprintf(inst, sizeof(inst), "instance-%.8s", id);
		json_object_set_new(s, "OS-EXT-SRV-ATTR:host", host ? json_string(host) : json_null());
		json_object_set_new(s, "OS-EXT-SRV-ATTR:hypervisor_hostname",
				    host ? json_string(host) : json_null());
		json_object_set_new(s, "OS-EXT-SRV-ATTR:instance_name", json_string(inst));
		if (microversion_at_least(req, 2, 3)) {
			const char *rid = store_text(q, SC_RESERVATION);
			json_object_set_new(s, "OS-EXT-SRV-ATTR:reservation_id",
					    rid ? json_string(rid) : json_null());
			json_object_set_new(s, "OS-EXT-SRV-ATTR:launch_index",
					    json_integer(store_int(q, SC_LAUNCH_INDEX)));
		}
	}
	if (strcmp(vm, "error") == 0 && store_text(q, SC_FAULT_MESSAGE)) {
		json_t *f = json_pack("{s:I,s:o,s:s}", "code", store_int(q, SC_FAULT_CODE),
				      "created", nova_time(store_int(q, SC_FAULT_AT)), "message",
				      store_text(q, SC_FAULT_MESSAGE));
		if (ext && store_text(q, SC_FAULT_DETAILS))
			json_object_set_new(f, "details", json_string(store_text(q, SC_FAULT_DETAILS)));
		json_object_set_new(s, "fault", f);
	}
	return s;
}

json_t *render_server_changed(const struct http_request *req, struct store_stmt *q)
{
	static const char *const extended[] = {
		"OS-EXT-AZ:availability_zone", "config_drive", "key_name",
		"OS-SRV-USG:launched_at", "OS-SRV-USG:terminated_at", "OS-EXT-STS:task_state",
		"OS-EXT-STS:vm_state", "OS-EXT-STS:power_state",
		"os-extended-volumes:volumes_attached", "security_groups", "host_status",
		"OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname",
		"OS-EXT-SRV-ATTR:instance_name", "OS-EXT-SRV-ATTR:reservation_id",
		"OS-EXT-SRV-ATTR:launch_index",
	};
	json_t *s = render_server(req, q);

	if (!s || microversion_at_least(req, 2, 75))
		return s;
	for (size_t i = 0; i < ARRAY_SIZE(extended); i++)
		json_object_del(s, extended[i]);
	json_object_set_new(s, "addresses",
			    server_addresses(basalt_store(req->b), store_text(q, SC_ID), false));
	return s;
}

/* The longest page of servers (Nova's default osapi_max_limit): a list
 * never renders the whole table at once. */
#define NOVA_MAX_LIMIT 1000

/* A full page links to the next one, marked by its last server, as Nova's
 * servers_links do. */
static void add_next_link(struct http_request *req, struct http_response *res, int64_t limit,
			  const char *collection)
{
	json_t *servers = json_object_get(res->body, "servers");
	size_t n = json_array_size(servers);
	char href[2048];

	if (res->status != 200 || limit <= 0 || n < (size_t)limit)
		return;
	snprintf(href, sizeof(href), "%s/compute/v2.1/%s?limit=%lld&marker=%s", http_base_url(req),
		 collection, (long long)limit,
		 json_string_value(json_object_get(json_array_get(servers, n - 1), "id")));
	json_object_set_new(res->body, "servers_links",
			    json_pack("[{s:s,s:s}]", "rel", "next", "href", href));
}

static int list(struct http_request *req, struct http_response *res, nova_render_fn render,
		const char *collection)
{
	const char *limit = http_query(req, "limit"), *all = http_query(req, "all_tenants");
	struct store *st = basalt_store(req->b);
	struct server_filter flt = {
		.detail = render == render_server,
		.all_tenants = all && (all[0] == '\0' || parse_bool(all) != 0),
		.name = http_query(req, "name"),
		.host = http_query(req, "host"),
		.image = http_query(req, "image"),
		.flavor = http_query(req, "flavor"),
		.status = http_query(req, "status"),
		.marker = http_query(req, "marker"),
		.ip = http_query(req, "ip"),
		.ip6 = http_query(req, "ip6"),
		/* Nova's tenant_id and project_id (tenant_id's remapping) */
		.project = http_query(req, "tenant_id") ? http_query(req, "tenant_id")
							: http_query(req, "project_id"),
		.limit = NOVA_MAX_LIMIT,
	};
	const char *since = http_query(req, "changes-since");
	/* Nova's tag filters, comma lists, from 2.26 (ignored below). */
	const bool tagged = microversion_at_least(req, 2, 26);
	const char *const tag_lists[4] = {
		tagged ? http_query(req, "tags") : NULL,
		tagged ? http_query(req, "tags-any") : NULL,
		tagged ? http_query(req, "not-tags") : NULL,
		tagged ? http_query(req, "not-tags-any") : NULL,
	};
	struct server_tag_filter tags;
	struct nova_fault f = { "" };
	struct store_stmt *q;
	char status[32];
	int r;

	/* Nova takes the status in any case ("active"). */
	if (flt.status) {
		size_t i;
		for (i = 0; flt.status[i] && i < sizeof(status) - 1; i++)
			status[i] = (char)toupper((unsigned char)flt.status[i]);
		status[i] = '\0';
		flt.status = status;
	}
	/* name is a regular expression, as Nova's (tempest and the CLI send
	 * '^NAME$'); the store matches it (REGEXP), after this check. */
	if (flt.name && !regex_valid(flt.name))
		return http_error(res, 400, "Invalid input for query parameters name. Value: %s. '%s' is not a 'regex'", flt.name, flt.name);
	/* ip and ip6 are regular expressions to Nova's schema too (it matches
	 * them as substrings of the ports' addresses, through Neutron). */
	if (flt.ip && !regex_valid(flt.ip))
		return http_error(res, 400, "Invalid input for query parameters ip. Value: %s. '%s' is not a 'regex'", flt.ip, flt.ip);
	/* ip6 is a filter of 2.5 on; before, only for those who may use any. */
	if (!microversion_at_least(req, 2, 5) &&
	    !policy_allows(&req->caller, "os_compute_api:servers:allow_all_filters", NULL))
		flt.ip6 = NULL;
	if (flt.ip6 && !regex_valid(flt.ip6))
		return http_error(res, 400, "Invalid input for query parameters ip6. Value: %s. '%s' is not a 'regex'", flt.ip6, flt.ip6);
	if (since && time_parse_iso(since, &flt.changes_since) < 0)
		return http_error(res, 400, "Invalid input for query parameters changes-since. Value: %s. '%s' is not a 'date-time'", since, since);
	if (limit) {
		char *end;
		flt.limit = strtoll(limit, &end, 10);
		if (!*limit || *end || flt.limit < 0)
			return http_error(res, 400, "Invalid input for query parameters limit.");
		/* Pages are at most max_limit long, as Nova's osapi_max_limit. */
		if (flt.limit > NOVA_MAX_LIMIT)
			flt.limit = NOVA_MAX_LIMIT;
	}
	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_tag_filter_init(&tags, tag_lists) < 0)
		return http_error_errno(res, -ENOMEM, "servers");
	flt.tags = &tags;
	r = server_list_query(st, &req->caller, &flt, &q, &f);
	server_tag_filter_free(&tags);
	if (r < 0)
		return nova_error(res, r, &f, "servers");
	if (nova_reply_rows(req, res, "servers", render, q) < 0)
		return -1;
	add_next_link(req, res, flt.limit, collection);
	return 0;
}

int h_server_list(struct http_request *req, struct http_response *res)
{
	return list(req, res, render_server_brief, "servers");
}

int h_server_detail(struct http_request *req, struct http_response *res)
{
	return list(req, res, render_server, "servers/detail");
}

int h_server_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	json_t *out;
	int r;

	if (!st)
		return http_error_errno(res, -EIO, "store");
	if (server_visible(req, res, st, id, NULL) < 0)
		return -1;
	r = server_row_query(st, id, &q);
	if (r == -ENOENT)
		return http_error(res, 404, "Instance %s could not be found.", id);
	if (r < 0)
		return http_error_errno(res, r, "server");
	out = render_server(req, q);
	store_done(q);
	return http_reply(res, 200, json_pack("{s:o}", "server", out));
}

/* --- create --- */

/* The last path element of an href, or the value itself: Nova accepts
 * both for imageRef and flavorRef. */
static const char *ref_id(const char *ref)
{
	const char *slash = ref ? strrchr(ref, '/') : NULL;

	return slash ? slash + 1 : ref;
}

/* Nova's boolean config_drive: true/false or a string such as "True" or
 * "no". 0, or a 400 in res. */
static int config_drive_of(struct http_response *res, const json_t *v, bool *out)
{
	int b = !v ? 0 : json_is_boolean(v) ? json_is_true(v)
		   : json_is_string(v)	   ? parse_bool(json_string_value(v))
					   : -EINVAL;

	*out = b == 1;
	if (b >= 0)
		return 0;
	return http_error(res, 400, "Invalid input for field/attribute config_drive. Value: %s. "
				    "It is not a boolean (true or false).",
			  json_is_string(v) ? json_string_value(v) : "(not a string)");
}

/* Nova's min_count/max_count: a positive integer, or a string of
 * digits. 0, or a 400 in res. */
static int count_of(struct http_response *res, const json_t *s, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(s, name);
	const char *t = json_is_string(v) ? json_string_value(v) : NULL;
	char *end = NULL;
	long long n = 0;

	if (!v)
		return 0;
	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (t && t[0] && strspn(t, "0123456789") == strlen(t) && strlen(t) < 10)
		n = strtoll(t, &end, 10);
	else
		return http_error(res, 400,
				  "Invalid input for field/attribute %s. Value: %s. %s is not of "
				  "type 'integer', 'string'",
				  name, t ? t : "(not a string)", t ? t : "it");
	if (n < 1)
		return http_error(res, 400,
				  "Invalid input for field/attribute %s. Value: %lld. %lld is less "
				  "than the minimum of 1",
				  name, n, n);
	*out = n;
	return 0;
}

/* accessIPv4 / accessIPv6: an address of family af (Nova's formats ipv4
 * and ipv6). *out points into s; 0, or a 400 in res. */
static int access_ip_of(struct http_response *res, const json_t *s, const char *name, int af,
			char canon[INET6_ADDRSTRLEN], const char **out)
{
	const char *v = json_str(s, name);
	unsigned char buf[16];

	if (!json_object_get(s, name))
		return 0;
	if (!v || inet_pton(af, v, buf) != 1)
		return http_error(res, 400,
				  "Invalid input for field/attribute %s. Value: %s. '%s' is not a '%s'",
				  name, v ? v : "(not a string)", v ? v : "", af == AF_INET ? "ipv4" : "ipv6");
	/* Kept in its canonical form (RFC 5952), as Nova stores it. */
	if (!inet_ntop(af, buf, canon, INET6_ADDRSTRLEN))
		return http_error_errno(res, -errno, name);
	*out = canon;
	return 0;
}

/* A server id as Nova's "uuid" format takes it (dashes anywhere, any
 * case) into out as Basalt keeps ids: 32 lowercase hex. 0 or -EINVAL. */
static int hint_id(const char *v, char out[ID_HEX_LEN + 1])
{
	size_t n = 0;

	for (; *v; v++) {
		if (*v == '-')
			continue;
		if (n == ID_HEX_LEN || !isxdigit((unsigned char)*v))
			return -EINVAL;
		out[n++] = (char)tolower((unsigned char)*v);
	}
	out[n] = '\0';
	return n == ID_HEX_LEN ? 0 : -EINVAL;
}

/* One same_host/different_host hint: a server id or a list of them, into
 * *out (a new array of ids). 0, or a 400 in Nova's words in res. */
static int hint_ids(struct http_response *res, const json_t *h, const char *name, json_t **out)
{
	const json_t *v = json_object_get(h, name), *one;
	char id[ID_HEX_LEN + 1];
	size_t i;

	if (!v)
		return 0;
	if (!json_is_string(v) && !json_is_array(v)) {
		char *t = json_dumps(v, JSON_ENCODE_ANY);
		int r = http_error(res, 400,
				   "Invalid input for field/attribute %s. Value: %s. %s is not of "
				   "type 'string', 'array'",
				   name, t ? t : "", t ? t : "");
		free(t);
		return r;
	}
	*out = json_array();
	if (!*out)
		return http_error(res, 500, "out of memory");
	if (json_is_string(v) && hint_id(json_string_value(v), id) == 0)
		return json_array_append_new(*out, json_string(id))
			       ? http_error(res, 500, "out of memory")
			       : 0;
	if (json_is_string(v))
		return http_error(res, 400,
				  "Invalid input for field/attribute %s. Value: %s. '%s' is not a 'uuid'",
				  name, json_string_value(v), json_string_value(v));
	json_array_foreach(v, i, one) {
		if (!json_is_string(one) || hint_id(json_string_value(one), id) < 0)
			return http_error(res, 400,
					  "Invalid input for field/attribute %s. Value: %s. '%s' is "
					  "not a 'uuid'",
					  name, json_is_string(one) ? json_string_value(one) : "",
					  json_is_string(one) ? json_string_value(one) : "");
		if (json_array_append_new(*out, json_string(id)))
			return http_error(res, 500, "out of memory");
	}
	return 0;
}

/* Nova's os:scheduler_hints (or OS-SCH-HNT:scheduler_hints), beside
 * "server" in the body: same_host, different_host and group are
 * checked and kept in spec; other hints are ignored, as Nova's schema
 * lets them through. 0, or a 400 in res. */
static int hints_of(struct http_response *res, const json_t *body, struct server_spec *spec)
{
	const char *key = json_object_get(body, "os:scheduler_hints")
				  ? "os:scheduler_hints"
				  : "OS-SCH-HNT:scheduler_hints";
	const json_t *h = json_object_get(body, key), *g;
	char id[ID_HEX_LEN + 1];

	if (!h)
		return 0;
	if (!json_is_object(h))
		return http_error(res, 400,
				  "Invalid input for field/attribute %s. Value: %s. It is not of "
				  "type 'object'",
				  key, json_is_string(h) ? json_string_value(h) : "(not an object)");
	if (hint_ids(res, h, "same_host", &spec->same_host) < 0 ||
	    hint_ids(res, h, "different_host", &spec->different_host) < 0)
		return -1;
	g = json_object_get(h, "group");
	if (g && (!json_is_string(g) || hint_id(json_string_value(g), id) < 0))
		return http_error(res, 400,
				  "Invalid input for field/attribute group. Value: %s. '%s' is not a "
				  "'uuid'",
				  json_is_string(g) ? json_string_value(g) : "",
				  json_is_string(g) ? json_string_value(g) : "");
	spec->group = json_string_value(g);
	if (g)
		snprintf(spec->group_id, sizeof(spec->group_id), "%s", id);
	return 0;
}

void server_admin_pass(char out[17])
{
	unsigned char raw[8];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, 17, raw, sizeof(raw));
}

/* The servers of one create share a reservation id, "r-" and 8
 * characters as Nova's. */
static void reservation_new(struct server_spec *spec)
{
	unsigned char raw[4];

	randombytes_buf(raw, sizeof(raw));
	snprintf(spec->reservation, sizeof(spec->reservation), "r-");
	sodium_bin2hex(spec->reservation + 2, sizeof(spec->reservation) - 2, raw, sizeof(raw));
}

/* Take back the placements of the servers of reservation made so far:
 * each goes ERROR with no claim and no port. 0 or -errno. */
static int multi_unplace(struct store *st, const char *reservation)
{
	struct store_stmt *q;
	char (*ids)[ID_HEX_LEN + 1] = NULL;
	size_t n = 0;
	int r = store_query(st, &q, "SELECT id FROM server WHERE reservation_id = ?", "s",
			    reservation);

	if (r < 0)
		return r;
	while ((r = store_next(q)) > 0) {
		void *m = realloc(ids, sizeof(*ids) * (n + 1));
		if (!m) {
			r = -ENOMEM;
			break;
		}
		ids = m;
		snprintf(ids[n++], ID_HEX_LEN + 1, "%s", store_text(q, 0));
	}
	store_done(q);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = server_no_host(st, ids[i]);
	free(ids);
	return r < 0 ? r : 0;
}

/* Record server number i of spec's create (named "name-N" when several,
 * as Nova's multi_instance_display_name_template '%(name)s-%(count)d'),
 * with its NICs, scheduled unless spec->no_host. 1 placed, 0 not, -errno. */
static int create_one(struct http_request *req, struct store *st, const json_t *s,
		      struct server_spec *spec, int64_t i, struct nova_fault *f)
{
	struct nic_plan nics = { 0 };
	char name[300], host[256];
	const char *base = spec->name;
	int r;

	id_new(spec->id);
	spec->launch_index = i;
	if (spec->count > 1) {
		snprintf(name, sizeof(name), "%s-%lld", base, (long long)i + 1);
		spec->name = name;
	}
	r = server_nics_plan(req->b, &req->caller, st, json_object_get(s, "networks"),
			     json_object_get(s, "security_groups"), microversion_at_least(req, 2, 37),
			     &nics, f);
	if (r >= 0 && spec->count > 1 && nic_plan_single_use(&nics))
		r = nova_fail(f, -EINVAL,
			      nic_plan_single_use(&nics) == 1
				      ? "Unable to launch multiple instances with a single configured "
					"port ID. Please launch your instance one by one with "
					"different ports."
				      : "max_count cannot be greater than 1 if an fixed_ip is specified.");
	if (r >= 0)
		r = server_insert(req->b, st, &req->caller, spec, host);
	/* Nova makes the ports once the host is chosen: binding:host_id is it. */
	if (r > 0) {
		int m = server_nics_make(req->b, &req->caller, st, spec->id, host, &nics, f);
		if (m < 0)
			r = m;
	}
	spec->name = base;
	nic_plan_free(&nics);
	return r;
}

int h_server_create(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, true, 255 },
		{ "imageRef", J_STRING, false, 1024 },
		{ "flavorRef", J_ANY, true, 0 },
		{ "key_name", J_STRING_NULL, false, 255 },
		{ "user_data", J_STRING_NULL, false, 65535 },
		{ "metadata", J_OBJECT, false, 0 },
		{ "networks", J_ANY, false, 0 },
		{ "availability_zone", J_STRING_NULL, false, 255 },
		{ "min_count", J_ANY, false, 0 },
		{ "max_count", J_ANY, false, 0 },
		{ "security_groups", J_ARRAY, false, 0 },
		{ "config_drive", J_ANY, false, 0 },
		{ "adminPass", J_STRING, false, 255 },
		{ "OS-DCF:diskConfig", J_STRING, false, 16 },
		{ "description", J_STRING_NULL, false, 255 },
		{ "block_device_mapping_v2", J_ARRAY, false, 0 },
		{ "return_reservation_id", J_BOOL, false, 0 },
		{ "accessIPv4", J_STRING, false, 64 },
		{ "accessIPv6", J_STRING, false, 64 },
		{ "tags", J_ANY, false, 0 },
	};
	static const char *const hints[] = { "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints",
					     NULL };
	json_t *s;
	_cleanup_json_ json_t *body =
		api_body_object_with(req, res, "server", fields, ARRAY_SIZE(fields), &s, hints);
	_cleanup_json_ json_t *same_host = NULL;
	_cleanup_json_ json_t *different_host = NULL;
	struct server_spec spec = { .min_count = 1, .max_count = 1, .auto_disk = -1 };
	struct nova_fault f = { "" };
	const json_t *fr, *groups;
	char pass[256], first[ID_HEX_LEN + 1] = "", ip4[INET6_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];
	struct store *st;
	int r;

	if (!body)
		return -1;
	if (!json_str(s, "name")[0])
		return http_error(res, 400, "Invalid input for field/attribute name. Value: . '' is too short");
	if (json_array_size(json_object_get(s, "block_device_mapping_v2")) > 0)
		return http_error(res, 400, "Block device mapping is not supported: boot from an image.");
	if (!json_str(s, "imageRef") || !json_str(s, "imageRef")[0])
		return http_error(res, 400, "Missing imageRef attribute");
	if (count_of(res, s, "min_count", &spec.min_count) < 0 ||
	    count_of(res, s, "max_count", &spec.max_count) < 0)
		return -1;
	if (!json_object_get(s, "max_count"))
		spec.max_count = spec.min_count;
	if (spec.min_count > spec.max_count)
		return http_error(res, 400, "min_count must be <= max_count");
	if (access_ip_of(res, s, "accessIPv4", AF_INET, ip4, &spec.access_ipv4) < 0 ||
	    access_ip_of(res, s, "accessIPv6", AF_INET6, ip6, &spec.access_ipv6) < 0)
		return -1;
	if (json_str(s, "user_data")) {
		unsigned char tmp[65536];
		size_t n;
		const char *ud = json_str(s, "user_data");
		if (sodium_base642bin(tmp, sizeof(tmp), ud, strlen(ud), "\n\r", &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0)
			return http_error(res, 400, "User data needs to be valid base 64.");
	}
	if (config_drive_of(res, json_object_get(s, "config_drive"), &spec.config_drive) < 0)
		return -1;
	/* Tags on create from 2.52; before, the schema has no such field. */
	spec.tags = json_object_get(s, "tags");
	if (spec.tags && !microversion_at_least(req, 2, 52))
		return http_error(res, 400, "Invalid input for field 'tags': Additional properties "
					    "are not allowed ('tags' was unexpected).");
	if (server_tags_check(spec.tags, &f) < 0)
		return nova_error(res, -EINVAL, &f, "tags");
	if (server_disk_config_of(s, &spec.auto_disk, &f) < 0)
		return http_error(res, 400, "%s", f.msg);
	r = hints_of(res, body, &spec);
	same_host = spec.same_host;
	different_host = spec.different_host;
	if (r < 0)
		return -1;
	fr = json_object_get(s, "flavorRef");
	if (json_is_integer(fr)) {
		snprintf(spec.flavor_buf, sizeof(spec.flavor_buf), "%lld", (long long)json_integer_value(fr));
		spec.flavor_ref = spec.flavor_buf;
	} else if (json_is_string(fr)) {
		spec.flavor_ref = ref_id(json_string_value(fr));
	} else {
		return http_error(res, 400, "Invalid input for field/attribute flavorRef.");
	}
	spec.name = json_str(s, "name");
	spec.image_ref = ref_id(json_str(s, "imageRef"));
	spec.key_name = json_str(s, "key_name");
	spec.user_data = json_str(s, "user_data");
	spec.availability_zone = json_str(s, "availability_zone");
	spec.metadata = json_object_get(s, "metadata");
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	/* One transaction: checks, the NICs planned, the rows, scheduling and
	 * the ports on the chosen hosts; a failure anywhere leaves nothing (no
	 * server, no port, no allocation). */
	reservation_new(&spec);
	r = server_prepare(req->b, st, &req->caller, &spec, &f);
	for (int64_t i = 0; r >= 0 && i < spec.count; i++) {
		r = create_one(req, st, s, &spec, i, &f);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", spec.id);
		/* Nova schedules a multiple create as one request: when its
		 * servers do not all fit, none is placed (all go ERROR). */
		if (r == 0 && spec.count > 1 && !spec.no_host) {
			spec.no_host = true;
			r = multi_unplace(st, spec.reservation);
		}
	}
	if (r < 0)
		nova_error(res, r, &f, "server");
	free(spec.public_key);
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	if (json_is_true(json_object_get(s, "return_reservation_id")))
		return http_reply(res, 202, json_pack("{s:s}", "reservation_id", spec.reservation));
	/* The password as given, or one made up, is Nova's answer; as Nova's
	 * libvirt driver by default (no password injection), the guest does
	 * not get it: the test image logs in by key only. */
	if (json_str(s, "adminPass"))
		snprintf(pass, sizeof(pass), "%s", json_str(s, "adminPass"));
	else
		server_admin_pass(pass);
	/* The groups as asked, as Nova echoes them ("default" when none). */
	groups = json_object_get(s, "security_groups");
	return http_reply(res, 202,
			  json_pack("{s:{s:s,s:o,s:s,s:o,s:s}}", "server", "id", first, "links",
				    nova_links(req, "servers", first), "OS-DCF:diskConfig",
				    spec.auto_disk == 1 ? "AUTO" : "MANUAL", "security_groups",
				    json_array_size(groups) ? json_deep_copy(groups)
							    : json_pack("[{s:s}]", "name", "default"),
				    "adminPass", pass));
}

/* --- delete --- */

int h_server_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	struct store *st = api_write_begin(req, res);
	struct nova_fault f = { "" };
	int r;

	if (!st)
		return -1;
	r = server_delete(req->b, st, &req->caller, id, NULL, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}

/* --- update --- */

int h_server_update(struct http_request *req, struct http_response *res)
{
	static const struct jfield fields[] = {
		{ "name", J_STRING, false, 255 },
		{ "accessIPv4", J_STRING, false, 64 },
		{ "accessIPv6", J_STRING, false, 64 },
		{ "OS-DCF:diskConfig", J_STRING, false, 16 },
	};
	const char *id = http_param(req, "server_id");
	json_t *s;
	_cleanup_json_ json_t *body = api_body_object(req, res, "server", fields, ARRAY_SIZE(fields), &s);
	struct server_change ch = { 0 };
	struct nova_fault f = { "" };
	char ip4[INET6_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];
	struct store_stmt *q;
	struct store *st;
	json_t *out;
	int r;

	if (!body)
		return -1;
	ch.name = json_str(s, "name");
	if (ch.name && !ch.name[0])
		return http_error(res, 400, "Invalid input for field/attribute name. Value: . '' is too short");
	if (server_disk_config_of(s, &ch.auto_disk, &f) < 0)
		return http_error(res, 400, "%s", f.msg);
	ch.set_ipv4 = json_object_get(s, "accessIPv4") != NULL;
	ch.set_ipv6 = json_object_get(s, "accessIPv6") != NULL;
	if (access_ip_of(res, s, "accessIPv4", AF_INET, ip4, &ch.access_ipv4) < 0 ||
	    access_ip_of(res, s, "accessIPv6", AF_INET6, ip6, &ch.access_ipv6) < 0)
		return -1;
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = server_update(st, &req->caller, id, &ch, &f);
	if (r < 0)
		nova_error(res, r, &f, "server");
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	st = basalt_store(req->b);
	r = st ? server_row_query(st, id, &q) : -EIO;
	if (r < 0)
		return http_error_errno(res, r, "server");
	out = render_server_changed(req, q);
	store_done(q);
	return http_reply(res, 200, json_pack("{s:o}", "server", out));
}
