/* servers.c - /compute/v2.1/servers: create (validate, quota, schedule and
 * claim in one transaction), list, show, delete, metadata. Actions (stop,
 * start, reboot, console output) are in server_actions.c. */
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
#include "store/store.h"

static const char *status_of(const char *vm, const char *task, int64_t power)
{
	if (strcmp(vm, "building") == 0)
		return "BUILD";
	if (strcmp(vm, "error") == 0)
		return "ERROR";
	if (strcmp(vm, "stopped") == 0)
		return "SHUTOFF";
	if (strcmp(vm, "deleting") == 0)
		return power == 1 ? "ACTIVE" : "SHUTOFF";
	if (task && strcmp(task, "rebooting") == 0)
		return "REBOOT";
	if (task && strcmp(task, "rebooting_hard") == 0)
		return "HARD_REBOOT";
	return "ACTIVE";
}

/* Nova's hostId: an opaque per-project digest of the host name. */
static void host_id(const char *project, const char *host, char out[57])
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

static json_t *metadata_of(struct store *st, const char *id)
{
	struct store_stmt *q;
	json_t *m = json_object();

	if (store_query(st, &q, "SELECT meta_key, meta_value FROM server_metadata WHERE server_id = ?",
			"s", id) < 0)
		return m;
	while (store_next(q) > 0)
		json_object_set_new(m, store_text(q, 0), json_string(store_text(q, 1)));
	store_done(q);
	return m;
}

json_t *render_server_brief(const struct http_request *req, struct store_stmt *q)
{
	const char *id = store_text(q, SC_ID);

	return json_pack("{s:s,s:s,s:o}", "id", id, "name", store_text(q, SC_NAME), "links",
			 nova_links(req, "servers", id));
}

json_t *render_server(const struct http_request *req, struct store_stmt *q)
{
	struct store *st = basalt_store(req->b);
	const char *id = store_text(q, SC_ID), *vm = store_text(q, SC_VM_STATE);
	const char *task = store_text(q, SC_TASK_STATE), *host = store_text(q, SC_HOST);
	const char *image = store_text(q, SC_IMAGE_ID), *key = store_text(q, SC_KEY_NAME);
	char hid[57];
	json_t *s, *flavor;

	host_id(store_text(q, SC_PROJECT), host, hid);
	if (microversion_at_least(req, 2, 47)) {
		flavor = json_pack("{s:I,s:I,s:I,s:I,s:I,s:s,s:o}", "vcpus", store_int(q, SC_VCPUS),
				   "ram", store_int(q, SC_RAM), "disk", store_int(q, SC_DISK),
				   "ephemeral", store_int(q, SC_EPHEMERAL), "swap",
				   store_int(q, SC_SWAP), "original_name",
				   store_text(q, SC_FLAVOR_NAME), "extra_specs",
				   flavor_extra_specs(st, store_text(q, SC_FLAVOR_ID)));
	} else {
		flavor = json_pack("{s:s,s:o}", "id", store_text(q, SC_FLAVOR_ID), "links",
				   nova_links(req, "flavors", store_text(q, SC_FLAVOR_ID)));
	}
	s = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:s,s:i,"
		      "s:s,s:s,s:o,s:o,s:n,s:o,s:s,s:I,s:[]}",
		      "id", id, "name", store_text(q, SC_NAME), "status",
		      status_of(vm, task, store_int(q, SC_POWER_STATE)), "tenant_id",
		      store_text(q, SC_PROJECT), "user_id", store_text(q, SC_USER), "metadata",
		      metadata_of(st, id), "hostId", hid, "image",
		      image ? json_pack("{s:s,s:o}", "id", image, "links",
					nova_links(req, "images", image))
			    : json_string(""),
		      "flavor", flavor, "created", nova_time(store_int(q, SC_CREATED)), "updated",
		      nova_time(store_int(q, SC_UPDATED)), "addresses",
		      server_addresses(st, id, true), "accessIPv4", "",
		      "accessIPv6", "", "links", nova_links(req, "servers", id),
		      "OS-DCF:diskConfig", "MANUAL", "progress", 0, "OS-EXT-AZ:availability_zone",
		      store_text(q, SC_AZ), "config_drive",
		      store_int(q, SC_CONFIG_DRIVE) ? "True" : "", "key_name",
		      key ? json_string(key) : json_null(), "OS-SRV-USG:launched_at",
		      nova_time(store_int(q, SC_LAUNCHED)), "OS-SRV-USG:terminated_at",
		      "OS-EXT-STS:task_state", task ? json_string(task) : json_null(),
		      "OS-EXT-STS:vm_state", strcmp(vm, "deleting") == 0 ? "active" : vm,
		      "OS-EXT-STS:power_state", store_int(q, SC_POWER_STATE),
		      "os-extended-volumes:volumes_attached");
	if (microversion_at_least(req, 2, 9))
		json_object_set_new(s, "locked", json_false());
	if (microversion_at_least(req, 2, 19))
		json_object_set_new(s, "description", json_null());
	if (microversion_at_least(req, 2, 26))
		json_object_set_new(s, "tags", json_array());
	if (http_is_admin(req)) {
		char inst[64];
		snprintf(inst, sizeof(inst), "instance-%.8s", id);
		json_object_set_new(s, "OS-EXT-SRV-ATTR:host", host ? json_string(host) : json_null());
		json_object_set_new(s, "OS-EXT-SRV-ATTR:hypervisor_hostname",
				    host ? json_string(host) : json_null());
		json_object_set_new(s, "OS-EXT-SRV-ATTR:instance_name", json_string(inst));
	}
	if (strcmp(vm, "error") == 0 && store_text(q, SC_FAULT_MESSAGE)) {
		json_t *f = json_pack("{s:I,s:o,s:s}", "code", store_int(q, SC_FAULT_CODE),
				      "created", nova_time(store_int(q, SC_FAULT_AT)), "message",
				      store_text(q, SC_FAULT_MESSAGE));
		if (http_is_admin(req) && store_text(q, SC_FAULT_DETAILS))
			json_object_set_new(f, "details", json_string(store_text(q, SC_FAULT_DETAILS)));
		json_object_set_new(s, "fault", f);
	}
	return s;
}

/* Admins see every project's servers with all_tenants; others their own. */
static const char *visible_project(const struct http_request *req)
{
	const char *all = http_query(req, "all_tenants");

	if (http_is_admin(req) && all && (all[0] == '\0' || parse_bool(all) != 0))
		return NULL;
	return req->tok.scope_id;
}

/* The longest page of servers (Nova's default osapi_max_limit): a list
 * never renders the whole table at once. */
#define NOVA_MAX_LIMIT 1000

/* The marker must name a server the caller can see (Nova: 400). */
static int marker_known(struct http_request *req, struct http_response *res, const char *marker)
{
	struct store *st = basalt_store(req->b);
	struct store_stmt *q;
	int r;

	if (!marker)
		return 0;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	r = store_query(st, &q, "SELECT 1 FROM server WHERE id = ?1 AND (?2 IS NULL OR project_id = ?2)",
			"ss", marker, visible_project(req));
	if (r == 0) {
		r = store_next(q);
		store_done(q);
	}
	if (r < 0)
		return http_error_errno(res, r, "marker");
	if (r == 0)
		return http_error(res, 400, "marker [%s] not found", marker);
	return 0;
}

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
	const char *limit = http_query(req, "limit"), *marker = http_query(req, "marker");
	int64_t n = NOVA_MAX_LIMIT;
	int r;

	if (limit) {
		char *end;
		n = strtoll(limit, &end, 10);
		if (!*limit || *end || n < 0)
			return http_error(res, 400, "Invalid input for query parameters limit.");
		/* Pages are at most max_limit long, as Nova's osapi_max_limit. */
		if (n > NOVA_MAX_LIMIT)
			n = NOVA_MAX_LIMIT;
	}
	if (marker_known(req, res, marker) < 0)
		return -1;
	/* The marker names the last server of the previous page: newest first,
	 * ties broken by id. */
	r = nova_reply_list(
		req, res, "servers", render,
		"SELECT " SERVER_COLS " FROM server WHERE (?1 IS NULL OR project_id = ?1)"
		" AND (?2 IS NULL OR name LIKE '%' || ?2 || '%')"
		" AND (?3 IS NULL OR host = ?3) AND (?4 IS NULL OR image_id = ?4)"
		" AND (?5 IS NULL OR flavor_id = ?5)"
		" AND (?6 IS NULL OR (created_at < (SELECT created_at FROM server WHERE id = ?6))"
		"  OR (created_at = (SELECT created_at FROM server WHERE id = ?6) AND id < ?6))"
		" AND (?7 IS NULL OR ?7 = CASE vm_state WHEN 'building' THEN 'BUILD'"
		"  WHEN 'error' THEN 'ERROR' WHEN 'stopped' THEN 'SHUTOFF' ELSE 'ACTIVE' END)"
		" ORDER BY created_at DESC, id DESC LIMIT ?8",
		"sssssssi", visible_project(req), http_query(req, "name"),
		http_is_admin(req) ? http_query(req, "host") : NULL, http_query(req, "image"),
		http_query(req, "flavor"), marker, http_query(req, "status"), n);
	if (r == 0)
		add_next_link(req, res, n, collection);
	return r;
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

	return nova_reply_one(req, res, 200, "server", render_server, "Instance", id,
			      "SELECT " SERVER_COLS " FROM server WHERE id = ?1"
			      " AND (?2 IS NULL OR project_id = ?2)",
			      "ss", id, http_is_admin(req) ? NULL : req->tok.scope_id);
}

/* --- create --- */

struct boot_image {
	char id[65];
	int64_t size, min_disk, min_ram;
};

/* The last path element of an href, or the value itself: Nova accepts
 * both for imageRef and flavorRef. */
static const char *ref_id(const char *ref)
{
	const char *slash = ref ? strrchr(ref, '/') : NULL;

	return slash ? slash + 1 : ref;
}

static int load_flavor(struct http_response *res, struct store *st, const char *id,
		       struct server_spec *spec)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT id, name, vcpus, ram, disk, ephemeral, swap FROM flavor WHERE id = ?",
			    "s", id);

	if (r < 0)
		return http_error_errno(res, r, "flavor");
	r = store_next(q);
	if (r > 0) {
		snprintf(spec->flavor_id, sizeof(spec->flavor_id), "%s", store_text(q, 0));
		snprintf(spec->flavor_name, sizeof(spec->flavor_name), "%s", store_text(q, 1));
		spec->vcpus = store_int(q, 2);
		spec->ram = store_int(q, 3);
		spec->disk = store_int(q, 4);
		spec->ephemeral = store_int(q, 5);
		spec->swap = store_int(q, 6);
	}
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "flavor");
	if (r == 0)
		return http_error(res, 400, "Flavor %s could not be found.", id);
	return 0;
}

/* The image must exist, be visible to the project, be active, and fit
 * the flavor. */
static int load_image(struct http_request *req, struct http_response *res, struct store *st,
		      const char *id, const struct server_spec *spec)
{
	struct store_stmt *q;
	struct boot_image im = { 0 };
	const char *status = NULL;
	char st_buf[32] = "";
	int r = store_query(st, &q,
			    "SELECT id, status, size, min_disk, min_ram FROM image WHERE id = ?1"
			    " AND (visibility IN ('public', 'community') OR owner = ?2 OR ?3 = 1)",
			    "ssb", id, req->tok.scope_id, http_is_admin(req));

	if (r < 0)
		return http_error_errno(res, r, "image");
	r = store_next(q);
	if (r > 0) {
		snprintf(im.id, sizeof(im.id), "%s", store_text(q, 0));
		snprintf(st_buf, sizeof(st_buf), "%s", store_text(q, 1));
		status = st_buf;
		im.size = store_int(q, 2);
		im.min_disk = store_int(q, 3);
		im.min_ram = store_int(q, 4);
	}
	store_done(q);
	if (r < 0)
		return http_error_errno(res, r, "image");
	if (r == 0)
		return http_error(res, 400, "Image %s could not be found.", id);
	if (strcmp(status, "active") != 0)
		return http_error(res, 400, "Image %s is not active.", id);
	if (spec->disk > 0 && im.size > spec->disk * 1073741824LL)
		return http_error(res, 400,
				  "Flavor's disk is too small for requested image. Flavor disk is "
				  "%lld bytes, image is %lld bytes.",
				  (long long)spec->disk * 1073741824LL, (long long)im.size);
	if (spec->disk > 0 && im.min_disk > spec->disk)
		return http_error(res, 400,
				  "Flavor's disk is too small for requested image. Flavor disk is "
				  "%lld GB, minimum is %lld GB.",
				  (long long)spec->disk, (long long)im.min_disk);
	if (im.min_ram > spec->ram)
		return http_error(res, 400,
				  "Flavor's memory is too small for requested image.");
	return 0;
}

int server_metadata_check(struct http_response *res, const json_t *m)
{
	const char *k;
	json_t *v;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return http_error(res, 400, "Invalid input for field/attribute metadata.");
	json_object_foreach((json_t *)m, k, v)
		if (!json_is_string(v) || !k[0] || strlen(k) > 255 || json_string_length(v) > 255)
			return http_error(res, 400, "Invalid input for field/attribute metadata: keys and values are strings of 1 to 255 characters.");
	return 0;
}

int server_metadata_put(struct store *st, const char *id, const json_t *m)
{
	const char *k;
	json_t *v;
	int r = 0;

	json_object_foreach((json_t *)m, k, v) {
		r = store_exec(st, "DELETE FROM server_metadata WHERE server_id = ? AND meta_key = ?",
			       "ss", id, k);
		if (r >= 0)
			r = store_exec(st,
				       "INSERT INTO server_metadata (server_id, meta_key, meta_value,"
				       " revision) VALUES (?, ?, ?, ?)",
				       "sssi", id, k, json_string_value(v), store_txn_revision(st));
		if (r < 0)
			break;
	}
	return r;
}

/* Quota, the requested NICs checked, then the row, scheduling, and the
 * ports on the chosen host: all in the caller's transaction, so a failure
 * anywhere leaves nothing (no server, no port, no allocation). */
static int create_in_txn(struct http_request *req, struct http_response *res, struct store *st,
			 struct server_spec *spec, const json_t *s, struct nic_plan *nics)
{
	struct quota_usage limit, used;
	struct sched_request sr;
	char host[256];
	int64_t now = now_usec();
	int r;

	if (load_flavor(res, st, spec->flavor_ref, spec) < 0)
		return -1;
	if (spec->image_ref && load_image(req, res, st, spec->image_ref, spec) < 0)
		return -1;
	r = quota_get(req->b, st, req->tok.scope_id, &limit, &used);
	if (r < 0)
		return r;
	if ((limit.instances >= 0 && used.instances + 1 > limit.instances) ||
	    (limit.cores >= 0 && used.cores + spec->vcpus > limit.cores) ||
	    (limit.ram >= 0 && used.ram + spec->ram > limit.ram)) {
		const char *what = limit.instances >= 0 && used.instances + 1 > limit.instances ? "instances"
				   : limit.cores >= 0 && used.cores + spec->vcpus > limit.cores ? "cores"
				   : "ram";
		return http_error(res, 403, "Quota exceeded for %s: Requested %lld, but already used %lld of %lld %s",
				  what,
				  (long long)(strcmp(what, "instances") == 0 ? 1 : strcmp(what, "cores") == 0 ? spec->vcpus : spec->ram),
				  (long long)(strcmp(what, "instances") == 0 ? used.instances : strcmp(what, "cores") == 0 ? used.cores : used.ram),
				  (long long)(strcmp(what, "instances") == 0 ? limit.instances : strcmp(what, "cores") == 0 ? limit.cores : limit.ram),
				  what);
	}
	if (server_nics_plan(req, res, st, json_object_get(s, "networks"),
			     json_object_get(s, "security_groups"), nics) < 0)
		return -1;
	r = store_exec(st,
		       "INSERT INTO server (id, name, project_id, user_id, flavor_id, flavor_name,"
		       " vcpus, ram, disk, ephemeral, swap, image_id, key_name, public_key, user_data,"
		       " availability_zone, config_drive, vm_state, task_state, created_at, updated_at,"
		       " revision)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'building',"
		       " 'scheduling', ?, ?, ?)",
		       "ssssssiiiiisssssiiii", spec->id, json_str(s, "name"), req->tok.scope_id,
		       req->tok.user_id, spec->flavor_id, spec->flavor_name, spec->vcpus, spec->ram,
		       spec->disk, spec->ephemeral, spec->swap, spec->image_ref, spec->key_name,
		       spec->public_key, json_str(s, "user_data"), "nova",
		       (int64_t)(spec->config_drive || req->b->cfg.force_config_drive), now, now,
		       store_txn_revision(st));
	if (r >= 0)
		r = server_metadata_put(st, spec->id, json_object_get(s, "metadata"));
	if (r < 0)
		return r;
	sr = (struct sched_request){ (int)spec->vcpus, (int)spec->ram,
				     (int)(spec->disk + spec->ephemeral),
				     json_str(s, "availability_zone") };
	r = scheduler_place(req->b, st, spec->id, &sr, host);
	if (r < 0)
		return r;
	if (r == 0)
		return store_exec(st,
				  "UPDATE server SET vm_state = 'error', task_state = NULL,"
				  " fault_code = 500, fault_message = ?, fault_at = ? WHERE id = ?",
				  "sis",
				  "No valid host was found. There are not enough hosts available.",
				  now, spec->id);
	r = store_exec(st, "UPDATE server SET host = ?, task_state = 'spawning' WHERE id = ?", "ss",
		       host, spec->id);
	if (r < 0)
		return r;
	/* Nova makes the ports once the host is chosen: binding:host_id is it. */
	return server_nics_make(req, res, st, spec->id, host, nics);
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

/* The key pair named, for the caller. 0, or a 400 in res. */
static int load_key(struct http_request *req, struct http_response *res, struct store *st,
		    struct server_spec *spec)
{
	struct store_stmt *q;
	int r;

	if (!spec->key_name)
		return 0;
	r = store_query(st, &q, "SELECT public_key FROM keypair WHERE user_id = ? AND name = ?",
			"ss", req->tok.user_id, spec->key_name);
	if (r < 0)
		return http_error_errno(res, r, "keypair");
	r = store_next(q);
	if (r > 0)
		spec->public_key = strdup(store_text(q, 0));
	store_done(q);
	if (r <= 0)
		return http_error(res, 400, "Invalid key_name provided.");
	return spec->public_key ? 0 : http_error_errno(res, -ENOMEM, "keypair");
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
	};
	json_t *s;
	_cleanup_json_ json_t *body = api_body_object(req, res, "server", fields, ARRAY_SIZE(fields), &s);
	struct server_spec spec = { 0 };
	struct nic_plan nics = { 0 };
	const json_t *fr, *groups;
	unsigned char raw[8];
	char pass[17];
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
	for (const char *cnt[] = { "min_count", "max_count", NULL }, **c = cnt; *c; c++) {
		const json_t *v = json_object_get(s, *c);
		if (v && !(json_is_integer(v) && json_integer_value(v) == 1) &&
		    !(json_is_string(v) && strcmp(json_string_value(v), "1") == 0))
			return http_error(res, 400, "Creating several servers at once (%s) is not supported: create them one by one.", *c);
	}
	if (json_str(s, "user_data")) {
		unsigned char tmp[65536];
		size_t n;
		const char *ud = json_str(s, "user_data");
		if (sodium_base642bin(tmp, sizeof(tmp), ud, strlen(ud), "\n\r", &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0)
			return http_error(res, 400, "User data needs to be valid base 64.");
	}
	if (server_metadata_check(res, json_object_get(s, "metadata")) < 0)
		return -1;
	if (config_drive_of(res, json_object_get(s, "config_drive"), &spec.config_drive) < 0)
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
	spec.image_ref = ref_id(json_str(s, "imageRef"));
	spec.key_name = json_str(s, "key_name");
	id_new(spec.id);
	st = api_write_begin(req, res);
	if (!st)
		return -1;
	r = load_key(req, res, st, &spec);
	if (r >= 0)
		r = create_in_txn(req, res, st, &spec, s, &nics);
	free(spec.public_key);
	nic_plan_free(&nics);
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	/* The password is Nova's field; the test image logs in by key only. */
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(pass, sizeof(pass), raw, sizeof(raw));
	/* The groups as asked, as Nova echoes them ("default" when none). */
	groups = json_object_get(s, "security_groups");
	return http_reply(res, 202,
			  json_pack("{s:{s:s,s:o,s:s,s:o,s:s}}", "server", "id", spec.id, "links",
				    nova_links(req, "servers", spec.id), "OS-DCF:diskConfig",
				    "MANUAL", "security_groups",
				    json_array_size(groups) ? json_deep_copy(groups)
							    : json_pack("[{s:s}]", "name", "default"),
				    "adminPass", pass));
}

/* --- delete --- */

static int delete_row(struct store *st, const char *id)
{
	int r = scheduler_release(st, id);

	if (r >= 0)
		r = server_ports_release(st, id);
	return r < 0 ? r : store_exec(st, "DELETE FROM server WHERE id = ?", "s", id);
}

int h_server_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "server_id");
	const char *project = http_is_admin(req) ? NULL : req->tok.scope_id;
	struct store *st = api_write_begin(req, res);
	struct store_stmt *q;
	bool local = true;
	int r;

	if (!st)
		return -1;
	r = store_query(st, &q,
			"SELECT CASE WHEN s.vm_state = 'error' THEN NULL ELSE h.last_seen END"
			" FROM server s LEFT JOIN host h ON h.name = s.host"
			" WHERE s.id = ?1 AND (?2 IS NULL OR s.project_id = ?2)",
			"ss", id, project);
	if (r == 0) {
		r = store_next(q);
		/* On a live host the agent destroys the VM, then the row goes;
		 * with no host, a dead one, or in ERROR (which hosts never keep:
		 * it is not desired), the row goes now (Nova's local delete). */
		if (r > 0 && store_text(q, 0) && host_alive(req->b, store_int(q, 0)))
			local = false;
		store_done(q);
	}
	if (r == 0)
		r = http_error(res, 404, "Instance %s could not be found.", id);
	if (r > 0)
		r = local ? delete_row(st, id)
			  : store_exec(st,
				       "UPDATE server SET vm_state = 'deleting', task_state = 'deleting',"
				       " updated_at = ?, revision = ? WHERE id = ?",
				       "iis", now_usec(), store_txn_revision(st), id);
	if (api_write_end(res, st, r, "server") < 0)
		return -1;
	return http_reply(res, 204, NULL);
}
