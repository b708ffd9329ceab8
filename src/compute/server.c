/* server.c - the server resource: every read and write of the server and
 * server_metadata tables that the API makes (create with quota, flavor,
 * image, key and scheduling in the caller's transaction; list; delete;
 * power changes; console; metadata), each checked with Nova's rules
 * against the server's real project. Domain calls: they take the caller,
 * return 0 or -errno, and put Nova's words in a struct nova_fault; the
 * handlers (servers.c, server_actions.c) map them to HTTP. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basalt.h"
#include "compute/compute.h"
#include "compute/servers.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/util.h"
#include "image/image.h"
#include "policy/policy.h"
#include "store/store.h"

/* --- finding a server for the caller --- */

int server_find(struct store *st, const struct caller *c, const char *id, const char *action,
		struct server_ref *out, struct nova_fault *f)
{
	struct store_stmt *q;
	struct target t = { 0 };
	int r = store_query(st, &q,
			    "SELECT project_id, vm_state, console, task_state, locked_by, image_id"
			    " FROM server WHERE id = ?",
			    "s", id);

	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		snprintf(out->project_id, sizeof(out->project_id), "%s", store_text(q, 0));
		snprintf(out->vm_state, sizeof(out->vm_state), "%s", store_text(q, 1));
		snprintf(out->task_state, sizeof(out->task_state), "%s",
			 store_text(q, 3) ? store_text(q, 3) : "");
		snprintf(out->locked_by, sizeof(out->locked_by), "%s",
			 store_text(q, 4) ? store_text(q, 4) : "");
		snprintf(out->image_id, sizeof(out->image_id), "%s",
			 store_text(q, 5) ? store_text(q, 5) : "");
		if (store_text(q, 2) && !(out->console = strdup(store_text(q, 2))))
			r = -ENOMEM;
	}
	store_done(q);
	if (r < 0)
		return r;
	t.project_id = out->project_id;
	/* Nova shows no other project's servers (its queries are project
	 * only): 404, never 403, for them. */
	if (r == 0 || !policy_allows(c, "os_compute_api:servers:show", &t)) {
		server_ref_free(out);
		return nova_fail(f, -ENOENT, "Instance %s could not be found.", id);
	}
	if (action && !policy_allows(c, action, &t)) {
		server_ref_free(out);
		return nova_denied(f, action);
	}
	return 0;
}

void server_ref_free(struct server_ref *s)
{
	free(s->console);
	s->console = NULL;
}

/* --- listing --- */

/* s (NULL: none) as a LIKE pattern of the addresses that hold it, in
 * lower case ('!' escapes), malloc'd; NULL for none (or no memory: then
 * the filter matches nothing rather than everything). */
static char *like_part(const char *s)
{
	char *out, *o;

	if (!s)
		return NULL;
	out = o = malloc(2 * strlen(s) + 3);
	if (!out)
		return strdup("");
	*o++ = '%';
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '!')
			*o++ = '!';
		*o++ = (char)tolower((unsigned char)*s);
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

int server_list_query(struct store *st, const struct caller *c, const struct server_filter *flt,
		      struct store_stmt **q, struct nova_fault *f)
{
	const char *all_rule = flt->detail ? "os_compute_api:servers:detail:get_all_tenants"
					   : "os_compute_api:servers:index:get_all_tenants";
	/* A token without a project sees no project's servers. */
	const char *project = c->project_id ? c->project_id : "";
	/* Filters only admins may use (host) are ignored for others, as
	 * Nova's allow_all_filters. */
	bool any_filter = policy_allows(c, "os_compute_api:servers:allow_all_filters", NULL);
	const char *host = any_filter ? flt->host : NULL;
	const struct server_tag_filter *tf = flt->tags;
	static const struct server_tag_filter none;
	_cleanup_free_ char *ip = like_part(flt->ip), *ip6 = like_part(flt->ip6);
	int r;

	if (!tf)
		tf = &none;
	if (flt->all_tenants) {
		if (!policy_allows(c, all_rule, NULL))
			return nova_denied(f, all_rule);
		/* Without all_tenants, Nova ignores tenant_id (lp:#1185290). */
		project = any_filter ? flt->project : NULL;
	}
	if (flt->marker) {
		struct store_stmt *m;
		r = store_query(st, &m,
				"SELECT 1 FROM server WHERE id = ?1 AND (?2 IS NULL OR project_id = ?2)",
				"ss", flt->marker, project);
		if (r == 0) {
			r = store_next(m);
			store_done(m);
		}
		if (r < 0)
			return r;
		if (r == 0)
			return nova_fail(f, -EINVAL, "marker [%s] not found", flt->marker);
	}
	/* The marker names the last server of the previous page: newest
	 * first, ties broken by id. */
	return store_query(
		st, q,
		"SELECT " SERVER_COLS " FROM server WHERE (?1 IS NULL OR project_id = ?1)"
		" AND (?2 IS NULL OR name REGEXP ?2)"
		" AND (?3 IS NULL OR host = ?3) AND (?4 IS NULL OR image_id = ?4)"
		" AND (?5 IS NULL OR flavor_id = ?5)"
		" AND (?6 IS NULL OR (created_at < (SELECT created_at FROM server WHERE id = ?6))"
		"  OR (created_at = (SELECT created_at FROM server WHERE id = ?6) AND id < ?6))"
		" AND (?7 IS NULL OR ?7 = CASE WHEN vm_state = 'building' THEN 'BUILD'"
		"  WHEN vm_state = 'error' THEN 'ERROR'"
		"  WHEN task_state = 'resize_reverting' THEN 'REVERT_RESIZE'"
		"  WHEN vm_state = 'resized' THEN 'VERIFY_RESIZE'"
		"  WHEN task_state LIKE 'resize%' THEN 'RESIZE'"
		"  WHEN task_state = 'rebuilding' THEN 'REBUILD'"
		"  WHEN vm_state = 'stopped' THEN 'SHUTOFF' WHEN vm_state = 'paused' THEN 'PAUSED'"
		"  WHEN vm_state = 'suspended' THEN 'SUSPENDED' WHEN vm_state = 'rescued' THEN 'RESCUE'"
		"  ELSE 'ACTIVE' END)"
		" AND (?9 = 0 OR updated_at >= ?9)"
		/* the tag filters (server_tags.c): all of, any of, not all of,
		 * none of the tags each names */
		" AND (?10 IS NULL OR (SELECT COUNT(*) FROM server_tag t WHERE t.server_id = server.id"
		"  AND t.tag REGEXP ?10) = ?11)"
		" AND (?12 IS NULL OR EXISTS (SELECT 1 FROM server_tag t WHERE t.server_id = server.id"
		"  AND t.tag REGEXP ?12))"
		" AND (?13 IS NULL OR (SELECT COUNT(*) FROM server_tag t WHERE t.server_id = server.id"
		"  AND t.tag REGEXP ?13) < ?14)"
		" AND (?15 IS NULL OR NOT EXISTS (SELECT 1 FROM server_tag t"
		"  WHERE t.server_id = server.id AND t.tag REGEXP ?15))"
		/* ip, ip6: a part of an address of one of its ports */
		" AND (?16 IS NULL AND ?17 IS NULL OR id IN (SELECT p.server_id FROM server_port p"
		"  JOIN ip_allocation a ON a.port_id = p.port_id"
		"  WHERE LOWER(a.ip_address) LIKE ?16 ESCAPE '!'"
		"  OR LOWER(a.ip_address) LIKE ?17 ESCAPE '!'))"
		" ORDER BY created_at DESC, id DESC LIMIT ?8",
		"sssssssiisississs", project, flt->name, host, flt->image, flt->flavor, flt->marker,
		flt->status, flt->limit, flt->changes_since, tf->re[SERVER_TAGS_ALL],
		tf->n[SERVER_TAGS_ALL], tf->re[SERVER_TAGS_ANY], tf->re[SERVER_TAGS_NOT],
		tf->n[SERVER_TAGS_NOT], tf->re[SERVER_TAGS_NOT_ANY], ip, ip6);
}

int server_row_query(struct store *st, const char *id, struct store_stmt **q)
{
	int r = store_query(st, q, "SELECT " SERVER_COLS " FROM server WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(*q);
	if (r <= 0) {
		store_done(*q);
		*q = NULL;
		return r < 0 ? r : -ENOENT;
	}
	return 0;
}

int server_usage(struct store *st, const char *project_id, struct quota_usage *used)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT COUNT(*), COALESCE(SUM(vcpus), 0), COALESCE(SUM(ram), 0)"
			    " FROM server WHERE project_id = ?",
			    "s", project_id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		used->instances = store_int(q, 0);
		used->cores = store_int(q, 1);
		used->ram = store_int(q, 2);
	}
	store_done(q);
	return r < 0 ? r : 0;
}

/* --- metadata --- */

json_t *server_metadata(struct store *st, const char *id)
{
	struct store_stmt *q;
	json_t *m = json_object();

	if (store_query(st, &q,
			"SELECT meta_key, meta_value FROM server_metadata WHERE server_id = ?"
			" ORDER BY meta_key",
			"s", id) < 0)
		return m;
	while (store_next(q) > 0)
		json_object_set_new(m, store_text(q, 0), json_string(store_text(q, 1)));
	store_done(q);
	return m;
}

static void copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int server_guest_load(struct store *st, const char *id, struct server_guest *g)
{
	struct store_stmt *q;
	int r = store_query(st, &q,
			    "SELECT name, project_id, availability_zone, flavor_name, image_id,"
			    " key_name, public_key, user_data, password FROM server WHERE id = ?",
			    "s", id);

	memset(g, 0, sizeof(*g));
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0) {
		copy_text(g->name, sizeof(g->name), store_text(q, 0));
		copy_text(g->project_id, sizeof(g->project_id), store_text(q, 1));
		copy_text(g->availability_zone, sizeof(g->availability_zone), store_text(q, 2));
		copy_text(g->flavor_name, sizeof(g->flavor_name), store_text(q, 3));
		copy_text(g->image_id, sizeof(g->image_id), store_text(q, 4));
		copy_text(g->key_name, sizeof(g->key_name), store_text(q, 5));
		if ((store_text(q, 6) && !(g->public_key = strdup(store_text(q, 6)))) ||
		    (store_text(q, 7) && !(g->user_data = strdup(store_text(q, 7)))) ||
		    !(g->password = strdup(store_text(q, 8) ? store_text(q, 8) : "")))
			r = -ENOMEM;
	}
	store_done(q);
	if (r < 0)
		server_guest_free(g);
	return r;
}

void server_guest_free(struct server_guest *g)
{
	free(g->public_key);
	free(g->user_data);
	free(g->password);
	g->public_key = g->user_data = g->password = NULL;
}

int server_metadata_check(const json_t *m, struct nova_fault *f)
{
	const char *k;
	json_t *v;

	if (!m)
		return 0;
	if (!json_is_object(m))
		return nova_fail(f, -EINVAL, "Invalid input for field/attribute metadata.");
	json_object_foreach((json_t *)m, k, v)
		if (!json_is_string(v) || !k[0] || strlen(k) > 255 || json_string_length(v) > 255)
			return nova_fail(f, -EINVAL, "Invalid input for field/attribute metadata: keys and values are strings of 1 to 255 characters.");
	return 0;
}

/* Set every key of m on the server, in the caller's write transaction. */
static int metadata_put(struct store *st, const char *id, const json_t *m)
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

int server_metadata_list(struct store *st, const struct caller *c, const char *id, json_t **out,
			 struct nova_fault *f)
{
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:server-metadata:index", &s, f);

	*out = NULL;
	if (r < 0)
		return r;
	server_ref_free(&s);
	*out = server_metadata(st, id);
	return 0;
}

int server_metadata_set(struct store *st, const struct caller *c, const char *id,
			const json_t *m, bool replace, struct nova_fault *f)
{
	struct server_ref s;
	int r = server_metadata_check(m, f);

	if (r < 0)
		return r;
	r = server_find(st, c, id,
			replace ? "os_compute_api:server-metadata:update_all"
				: "os_compute_api:server-metadata:create",
			&s, f);
	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r < 0)
		return r;
	if (replace)
		r = store_exec(st, "DELETE FROM server_metadata WHERE server_id = ?", "s", id);
	return r < 0 ? r : metadata_put(st, id, m);
}

int server_metadata_get(struct store *st, const struct caller *c, const char *id,
			const char *key, char **value, struct nova_fault *f)
{
	struct server_ref s;
	struct store_stmt *q;
	int r = server_find(st, c, id, "os_compute_api:server-metadata:show", &s, f);

	*value = NULL;
	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_query(st, &q,
			"SELECT meta_value FROM server_metadata WHERE server_id = ? AND meta_key = ?",
			"ss", id, key);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && !(*value = strdup(store_text(q, 0))))
		r = -ENOMEM;
	store_done(q);
	if (r == 0)
		return nova_fail(f, -ENOENT, "Metadata item was not found");
	return r < 0 ? r : 0;
}

int server_metadata_delete(struct store *st, const struct caller *c, const char *id,
			   const char *key, struct nova_fault *f)
{
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:server-metadata:delete", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r < 0)
		return r;
	r = store_exec(st, "DELETE FROM server_metadata WHERE server_id = ? AND meta_key = ?", "ss",
		       id, key);
	if (r == 0)
		return nova_fail(f, -ENOENT, "Metadata item was not found");
	return r < 0 ? r : 0;
}

/* --- the password the guest posts (os-server-password) --- */

int server_password_post(struct store *st, const char *id, const char *password)
{
	struct store_stmt *q;
	int r = store_query(st, &q, "SELECT password FROM server WHERE id = ?", "s", id);

	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && store_text(q, 0) && store_text(q, 0)[0])
		r = -EEXIST;
	store_done(q);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	r = store_exec(st, "UPDATE server SET password = ? WHERE id = ?", "ss", password, id);
	return r < 0 ? r : 0;
}

int server_password_get(struct store *st, const struct caller *c, const char *id,
			char **password, struct nova_fault *f)
{
	struct server_ref s;
	struct store_stmt *q;
	int r = server_find(st, c, id, "os_compute_api:os-server-password:show", &s, f);

	*password = NULL;
	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_query(st, &q, "SELECT password FROM server WHERE id = ?", "s", id);
	if (r < 0)
		return r;
	r = store_next(q);
	if (r > 0 && !(*password = strdup(store_text(q, 0) ? store_text(q, 0) : "")))
		r = -ENOMEM;
	store_done(q);
	if (r == 0)
		return nova_fail(f, -ENOENT, "Instance %s could not be found.", id);
	return r < 0 ? r : 0;
}

int server_password_clear(struct store *st, const struct caller *c, const char *id,
			  struct nova_fault *f)
{
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:os-server-password:clear", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_exec(st, "UPDATE server SET password = '' WHERE id = ?", "s", id);
	return r < 0 ? r : 0;
}

/* --- create --- */

/* The flavor by id, for the caller: private flavors only for those who
 * may see them (os-flavor-access). */
static int load_flavor(struct store *st, const struct caller *c, struct server_spec *spec,
		       struct nova_fault *f)
{
	struct flavor fl;
	int r = flavor_find(st, c, spec->flavor_ref, &fl);

	if (r == -ENOENT)
		return nova_fail(f, -EINVAL, "Flavor %s could not be found.", spec->flavor_ref);
	if (r < 0)
		return r;
	snprintf(spec->flavor_id, sizeof(spec->flavor_id), "%s", fl.id);
	snprintf(spec->flavor_name, sizeof(spec->flavor_name), "%s", fl.name);
	spec->vcpus = fl.vcpus;
	spec->ram = fl.ram;
	spec->disk = fl.disk;
	spec->ephemeral = fl.ephemeral;
	spec->swap = fl.swap;
	return 0;
}

/* The image must exist, be visible to the caller, be active, and fit the
 * flavor; it gives the server's diskConfig when the create does not. */
static int check_image(struct store *st, const struct caller *c, struct server_spec *spec,
		       struct nova_fault *f)
{
	const char *id = spec->image_ref;
	struct image im = { 0 };
	int r = image_find(st, c, id, &im);

	if (r == -ENOENT)
		return nova_fail(f, -EINVAL, "Image %s could not be found.", id);
	if (r < 0)
		return r;
	if (strcmp(im.status, "active") != 0)
		r = nova_fail(f, -EINVAL, "Image %s is not active.", id);
	else
		r = server_image_fits(&im, spec->disk, spec->ram, f);
	if (r >= 0)
		r = server_disk_config_from_image(&im, spec->auto_disk, f);
	if (r >= 0) {
		spec->auto_disk = r;
		snprintf(spec->image_disk_config, sizeof(spec->image_disk_config), "%s",
			 server_image_disk_config(&im) ? server_image_disk_config(&im) : "");
	}
	image_free(&im);
	return r < 0 ? r : 0;
}

int server_image_fits(const struct image *im, int64_t disk, int64_t ram, struct nova_fault *f)
{
	if (disk > 0 && im->size > disk * 1073741824LL)
		return nova_fail(f, -EINVAL,
				 "Flavor's disk is too small for requested image. Flavor disk is "
				 "%lld bytes, image is %lld bytes.",
				 (long long)disk * 1073741824LL, (long long)im->size);
	if (disk > 0 && im->min_disk > disk)
		return nova_fail(f, -EINVAL,
				 "Flavor's disk is too small for requested image. Flavor disk is "
				 "%lld GB, minimum is %lld GB.",
				 (long long)disk, (long long)im->min_disk);
	if (im->min_ram > ram)
		return nova_fail(f, -EINVAL, "Flavor's memory is too small for requested image.");
	return 0;
}

/* The quota of the caller's project leaves room for spec->min_count of
 * the servers: spec->count becomes how many of the max_count asked fit
 * (Nova makes fewer when the quota lets it make at least min_count). */
static int check_quota(struct basalt *b, struct store *st, const char *project,
		       struct server_spec *spec, struct nova_fault *f)
{
	struct quota_usage limit, used;
	const char *what = NULL;
	int64_t per = 1, u = 0, l = 0, fit = spec->max_count;
	int r = quota_get(b, st, project, &limit, &used);
	const struct {
		const char *name;
		int64_t limit, used, per;
	} res[] = {
		{ "instances", limit.instances, used.instances, 1 },
		{ "cores", limit.cores, used.cores, spec->vcpus },
		{ "ram", limit.ram, used.ram, spec->ram },
	};

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(res); i++) {
		int64_t n;
		if (res[i].limit < 0 || res[i].per <= 0)
			continue;
		n = res[i].limit > res[i].used ? (res[i].limit - res[i].used) / res[i].per : 0;
		if (n < spec->min_count && !what)
			what = res[i].name, per = res[i].per, u = res[i].used, l = res[i].limit;
		if (n < fit)
			fit = n;
	}
	if (!what) {
		spec->count = fit;
		return 0;
	}
	return nova_fail(f, -EDQUOT,
			 "Quota exceeded for %s: Requested %lld, but already used %lld of %lld %s",
			 what, (long long)(spec->max_count * per), (long long)u, (long long)l, what);
}

/* The "group" hint names a server group the caller sees (Nova's
 * InstanceGroupNotFound is a create's 400). */
static int check_group(struct store *st, const struct caller *c, const struct server_spec *spec,
		       struct nova_fault *f)
{
	struct server_group g;
	int r = server_group_load(st, c, spec->group_id, &g);

	if (r == -ENOENT)
		return nova_fail(f, -EINVAL, "Instance group %s could not be found.", spec->group);
	return r;
}

/* Nova's server_group_members quota: the caller's servers in the group,
 * with the spec->count of this create, stay within the project's limit
 * (the whole create fails when they do not: Nova's 403). */
static int check_group_quota(struct basalt *b, struct store *st, const struct caller *c,
			     const struct server_spec *spec, struct nova_fault *f)
{
	struct quota_usage limit;
	int64_t n;
	int r = quota_get(b, st, c->project_id, &limit, NULL);

	if (r < 0 || limit.server_group_members < 0)
		return r;
	n = server_group_user_members(st, spec->group_id, c->user_id);
	if (n < 0)
		return (int)n;
	if (n + spec->count > limit.server_group_members)
		return nova_fail(f, -EDQUOT, "Quota exceeded, too many servers in group");
	return 0;
}

/* "zone", "zone:host" or "zone:host:node": a host (or node) forces the
 * server there, which Nova's forced_host rule keeps to admins. */
static int parse_zone(const struct caller *c, struct server_spec *spec, struct nova_fault *f)
{
	const char *az = spec->availability_zone, *colon = az ? strchr(az, ':') : NULL;
	const char *node;

	if (!colon)
		return 0;
	if (!policy_allows(c, "os_compute_api:servers:create:forced_host", NULL))
		return nova_denied(f, "os_compute_api:servers:create:forced_host");
	snprintf(spec->zone, sizeof(spec->zone), "%.*s", (int)(colon - az), az);
	node = strchr(colon + 1, ':');
	snprintf(spec->forced_host, sizeof(spec->forced_host), "%.*s",
		 node ? (int)(node - colon - 1) : (int)strlen(colon + 1), colon + 1);
	/* "zone::node": the node names the host (one node per host here). */
	if (!spec->forced_host[0] && node)
		snprintf(spec->forced_host, sizeof(spec->forced_host), "%s", node + 1);
	spec->availability_zone = spec->zone;
	return 0;
}

int server_prepare(struct basalt *b, struct store *st, const struct caller *c,
		   struct server_spec *spec, struct nova_fault *f)
{
	int r;

	if (!c->project_id)
		return nova_fail(f, -EINVAL, "A server is created in a project: use a project-scoped token.");
	if (spec->min_count < 1)
		spec->min_count = 1;
	if (spec->max_count < spec->min_count)
		spec->max_count = spec->min_count;
	r = server_metadata_check(spec->metadata, f);
	if (r >= 0)
		r = parse_zone(c, spec, f);
	/* A zone asked for (no forced host) must be one of the enabled hosts'. */
	if (r >= 0 && spec->availability_zone && spec->availability_zone[0] &&
	    !spec->forced_host[0]) {
		r = aggregate_zone_available(b, st, spec->availability_zone);
		if (r == 0)
			r = nova_fail(f, -EINVAL, "The requested availability zone is not available");
	}
	if (r >= 0 && spec->key_name) {
		r = keypair_public_key(st, c->user_id, spec->key_name, &spec->public_key);
		if (r == -ENOENT)
			r = nova_fail(f, -EINVAL, "Invalid key_name provided.");
	}
	if (r >= 0 && spec->group)
		r = check_group(st, c, spec, f);
	if (r >= 0)
		r = load_flavor(st, c, spec, f);
	if (r >= 0 && spec->image_ref)
		r = check_image(st, c, spec, f);
	if (r >= 0)
		r = check_quota(b, st, c->project_id, spec, f);
	if (r >= 0 && spec->group)
		r = check_group_quota(b, st, c, spec, f);
	return r;
}

int server_insert(struct basalt *b, struct store *st, const struct caller *c,
		  const struct server_spec *spec, char host[256])
{
	struct sched_request sr;
	char zone[256];
	int64_t now = now_usec();
	int r;

	r = store_exec(st,
		       "INSERT INTO server (id, name, project_id, user_id, flavor_id, flavor_name,"
		       " vcpus, ram, disk, ephemeral, swap, image_id, key_name, public_key, user_data,"
		       " availability_zone, config_drive, access_ipv4, access_ipv6, reservation_id,"
		       " launch_index, vm_state, task_state, created_at, updated_at, revision,"
		       " auto_disk_config, image_auto_disk_config)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		       " 'building', 'scheduling', ?, ?, ?, ?, ?)",
		       "ssssssiiiiisssssisssiiiiis", spec->id, spec->name, c->project_id, c->user_id,
		       spec->flavor_id, spec->flavor_name, spec->vcpus, spec->ram, spec->disk,
		       spec->ephemeral, spec->swap, spec->image_ref, spec->key_name,
		       spec->public_key, spec->user_data,
		       spec->availability_zone && spec->availability_zone[0] ? spec->availability_zone
									     : AZ_DEFAULT,
		       (int64_t)(spec->config_drive || b->cfg.force_config_drive), spec->access_ipv4,
		       spec->access_ipv6, spec->reservation[0] ? spec->reservation : NULL,
		       spec->launch_index, now, now, store_txn_revision(st),
		       (int64_t)(spec->auto_disk == 1),
		       spec->image_disk_config[0] ? spec->image_disk_config : NULL);
	if (r >= 0 && spec->metadata)
		r = metadata_put(st, spec->id, spec->metadata);
	if (r >= 0 && spec->tags)
		r = server_tags_put(st, spec->id, spec->tags);
	/* A member from the start (Nova adds it before scheduling), so the
	 * servers of a multiple create see each other. */
	if (r >= 0 && spec->group)
		r = server_group_add(st, spec->group_id, spec->id);
	if (r >= 0)
		r = instance_action_record(st, c, spec->id, c->project_id, "create",
					   "compute__do_build_and_run_instance");
	if (r < 0)
		return r;
	sr = (struct sched_request){ (int)spec->vcpus, (int)spec->ram,
				     (int)(spec->disk + spec->ephemeral), spec->availability_zone,
				     spec->forced_host[0] ? spec->forced_host : NULL,
				     spec->same_host, spec->different_host,
				     spec->group ? spec->group_id : NULL };
	r = spec->no_host ? 0 : scheduler_place(b, st, spec->id, &sr, host);
	if (r < 0)
		return r;
	if (r == 0) {
		r = server_no_host(st, spec->id);
		return r < 0 ? r : 0;
	}
	/* The server is in its host's zone from now on (Nova's conductor). */
	r = aggregate_host_zone(st, host, zone);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET host = ?, availability_zone = ?, task_state = 'spawning'"
			       " WHERE id = ?",
			       "sss", host, zone, spec->id);
	return r < 0 ? r : 1;
}

int server_no_host(struct store *st, const char *id)
{
	int r = scheduler_release(st, id);

	if (r >= 0)
		r = server_ports_release(st, id);
	if (r >= 0)
		r = store_exec(st,
			       "UPDATE server SET host = NULL, vm_state = 'error', task_state = NULL,"
			       " fault_code = 500, fault_message = ?, fault_at = ? WHERE id = ?",
			       "sis", "No valid host was found. There are not enough hosts available.",
			       now_usec(), id);
	if (r >= 0)
		r = instance_action_finish(st, id, NULL, "Error", now_usec());
	return r < 0 ? r : 0;
}

int server_update(struct store *st, const struct caller *c, const char *id,
		  const struct server_change *ch, struct nova_fault *f)
{
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:servers:update", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = store_exec(st,
		       "UPDATE server SET name = COALESCE(?1, name),"
		       " access_ipv4 = CASE WHEN ?2 = 1 THEN ?3 ELSE access_ipv4 END,"
		       " access_ipv6 = CASE WHEN ?4 = 1 THEN ?5 ELSE access_ipv6 END,"
		       " auto_disk_config = CASE WHEN ?9 < 0 THEN auto_disk_config ELSE ?9 END,"
		       " updated_at = ?6, revision = ?7 WHERE id = ?8",
		       "sisisiisi", ch->name, (int64_t)ch->set_ipv4, ch->access_ipv4,
		       (int64_t)ch->set_ipv6, ch->access_ipv6, now_usec(), store_txn_revision(st), id,
		       (int64_t)ch->auto_disk);
	return r < 0 ? r : 0;
}

/* --- delete --- */

int server_row_delete(struct store *st, const char *id)
{
	int r = server_resize_release(st, id);

	if (r >= 0)
		r = server_snapshots_settle(st, NULL, id, NULL, NULL);
	if (r >= 0)
		r = scheduler_release(st, id);

	if (r >= 0)
		r = server_ports_release(st, id);
	if (r >= 0)
		r = instance_action_finish(st, id, NULL, "Success", now_usec());
	/* Nova's terminated_at: what os-simple-tenant-usage bills it for. */
	if (r >= 0)
		r = store_exec(st,
			       "INSERT INTO server_terminated (id, name, project_id, user_id,"
			       " flavor_name, vcpus, ram, disk, ephemeral, created_at, launched_at,"
			       " terminated_at, revision) SELECT id, name, project_id, user_id,"
			       " flavor_name, vcpus, ram, disk, ephemeral, created_at, launched_at, ?, ?"
			       " FROM server WHERE id = ? AND launched_at IS NOT NULL",
			       "iis", now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : store_exec(st, "DELETE FROM server WHERE id = ?", "s", id);
}

int server_delete(struct basalt *b, struct store *st, const struct caller *c, const char *id,
		  const char *rule, struct nova_fault *f)
{
	struct server_ref s;
	struct store_stmt *q;
	bool local = true;
	int r = server_find(st, c, id, rule ? rule : "os_compute_api:servers:delete", &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r >= 0)
		r = instance_action_record(st, c, id, s.project_id, "delete",
					   "compute_terminate_instance");
	if (r < 0)
		return r;
	r = store_query(st, &q, "SELECT host, vm_state, launched_at FROM server WHERE id = ?", "s",
			id);
	if (r == 0) {
		r = store_next(q);
		/* On a live host the agent destroys the VM, then the row goes;
		 * with no host, a dead one, or in ERROR without ever having run
		 * (hosts do not keep those: they are not desired), the row goes
		 * now (Nova's local delete). */
		if (r > 0 && store_text(q, 0) &&
		    (strcmp(store_text(q, 1), "error") != 0 || store_text(q, 2))) {
			int a = host_up(b, st, store_text(q, 0));
			if (a < 0)
				r = a;
			local = a == 0;
		}
		store_done(q);
	}
	if (r < 0)
		return r;
	r = local ? server_row_delete(st, id)
		  : store_exec(st,
			       "UPDATE server SET vm_state = 'deleting', task_state = 'deleting',"
			       " updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

/* --- actions --- */

int server_console(struct store *st, const struct caller *c, const char *id, char **console,
		   struct nova_fault *f)
{
	struct server_ref s;
	int r = server_find(st, c, id, "os_compute_api:os-console-output", &s, f);

	*console = NULL;
	if (r < 0)
		return r;
	if (strcmp(s.vm_state, "building") == 0 && !s.console) {
		server_ref_free(&s);
		return nova_fail(f, -EALREADY, "Instance %s is not ready yet.", id);
	}
	*console = s.console;
	return 0;
}

int server_power(struct store *st, const struct caller *c, const char *id, enum server_power op,
		 bool hard, struct nova_fault *f)
{
	static const char *const rules[] = { "os_compute_api:servers:start",
					     "os_compute_api:servers:stop",
					     "os_compute_api:servers:reboot" };
	static const char *const verbs[] = { "start", "stop", "reboot" };
	static const char *const events[] = { "compute_start_instance", "compute_stop_instance",
					      "compute_reboot_instance" };
	struct server_ref s;
	const char *vm;
	bool ok;
	int r = server_find(st, c, id, rules[op], &s, f);

	if (r < 0)
		return r;
	server_ref_free(&s);
	r = server_lock_check(c, &s, id, f);
	if (r < 0)
		return r;
	vm = s.vm_state;
	/* A HARD reboot also brings a paused or suspended server back. */
	ok = op == SERVER_START	 ? strcmp(vm, "stopped") == 0
	     : op == SERVER_STOP ? strcmp(vm, "active") == 0 || strcmp(vm, "error") == 0
				 : strcmp(vm, "active") == 0 ||
				       (hard && (strcmp(vm, "stopped") == 0 || strcmp(vm, "error") == 0 ||
						 strcmp(vm, "paused") == 0 ||
						 strcmp(vm, "suspended") == 0));
	if (!ok)
		return nova_fail(f, -EALREADY, "Cannot '%s' instance %s while it is in vm_state %s",
				 verbs[op], id, vm);
	r = instance_action_record(st, c, id, s.project_id, verbs[op], events[op]);
	if (r < 0)
		return r;
	if (op == SERVER_STOP)
		r = store_exec(st,
			       "UPDATE server SET power = 'off', task_state = 'powering-off',"
			       " updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	else if (op == SERVER_START)
		r = store_exec(st,
			       "UPDATE server SET power = 'on', task_state = 'powering-on',"
			       " updated_at = ?, revision = ? WHERE id = ?",
			       "iis", now_usec(), store_txn_revision(st), id);
	else
		r = store_exec(st,
			       "UPDATE server SET power = 'on', reboot_seq = reboot_seq + 1,"
			       " reboot_type = ?, task_state = ?, updated_at = ?, revision = ?"
			       " WHERE id = ?",
			       "ssiis", hard ? "HARD" : "SOFT", hard ? "rebooting_hard" : "rebooting",
			       now_usec(), store_txn_revision(st), id);
	return r < 0 ? r : 0;
}

/* --- the servers of a host (os-hypervisors' servers) --- */

json_t *server_host_list(struct store *st, const char *host)
{
	json_t *out = json_array();
	struct store_stmt *q;

	if (!host || store_query(st, &q, "SELECT id, name FROM server WHERE host = ?"
				 " ORDER BY created_at, id", "s", host) < 0)
		return out;
	while (store_next(q) > 0)
		json_array_append_new(out, json_pack("{s:s,s:s}", "uuid", store_text(q, 0), "name",
						     store_text(q, 1)));
	store_done(q);
	return out;
}
