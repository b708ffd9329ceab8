/* serve.c - the metadata service's answers, from a loaded instance and a
 * path: OpenStack's layout (meta_data.json, network_data.json, user_data,
 * vendor data) and EC2's (meta-data/…, user-data). Pure: no store, no
 * HTTP, so unit tests drive it directly. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/util.h"
#include "metadata/metadata.h"

#define TEXT "text/plain; charset=UTF-8"
#define JSON "application/json"

/* The EC2 API versions nova-api-metadata lists, oldest first. */
static const char *const ec2_versions[] = {
	"1.0",	      "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
	"2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04",
};

/* OpenStack's metadata versions (Folsom … Victoria), oldest first. */
static const char *const os_versions[] = {
	"2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
	"2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14",
};

/* The files of an OpenStack version, in nova's listing order, and the
 * first version that has each ("" for every version). */
static const struct {
	const char *name, *since;
} os_files[] = {
	{ "meta_data.json", "" },
	{ "user_data", "" },
	{ "password", "2013-04-04" },
	{ "vendor_data.json", "2013-10-17" },
	{ "network_data.json", "2015-10-15" },
	{ "vendor_data2.json", "2016-10-06" },
};

int md_path_parse(const char *path, struct md_path *out)
{
	char *save = NULL, *seg;
	size_t len = strlen(path);

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(out->buf))
		return -ENAMETOOLONG;
	memcpy(out->buf, path, len + 1);
	out->dir = len == 0 || path[len - 1] == '/';
	for (seg = strtok_r(out->buf, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)
			return -EINVAL;
		if (out->n == MD_MAX_SEGS)
			return -ENAMETOOLONG;
		out->seg[out->n++] = seg;
	}
	return 0;
}

void md_ec2_id(const char *prefix, const char *id, char out[16])
{
	char hex[9];
	int n = 0;

	for (const char *p = id; *p && n < 8; p++)
		if (isxdigit((unsigned char)*p))
			hex[n++] = (char)tolower((unsigned char)*p);
	while (n < 8)
		hex[n++] = '0';
	hex[8] = '\0';
	snprintf(out, 16, "%.4s-%s", prefix, hex);
}

/* --- replies --- */

static int reply_bytes(struct md_reply *out, const char *type, const void *data, size_t len)
{
	/* One more byte: the body is also a C string for the HTTP layer. */
	out->body = malloc(len + 1);
	if (!out->body)
		return -ENOMEM;
	memcpy(out->body, data, len);
	out->body[len] = '\0';
	out->len = len;
	out->status = 200;
	out->content_type = type;
	return 0;
}

static int reply_json(struct md_reply *out, json_t *doc)
{
	char *text;

	if (!doc)
		return -ENOMEM;
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	out->body = text;
	out->len = strlen(text);
	out->status = 200;
	out->content_type = JSON;
	return 0;
}

static int not_found(struct md_reply *out)
{
	out->status = 404;
	return 0;
}

/* A listing: the items one a line, no newline after the last (as
 * nova's ec2_md_print joins them). items is a NULL-terminated array. */
static int reply_list(struct md_reply *out, const char *const *items)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; items[i]; i++)
		fprintf(f, "%s%s", i ? "\n" : "", items[i]);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	out->body = buf;
	out->len = len;
	out->status = 200;
	out->content_type = TEXT;
	return 0;
}

static int reply_versions(struct md_reply *out, const char *const *v, size_t n)
{
	const char *items[16];

	for (size_t i = 0; i < n; i++)
		items[i] = v[i];
	items[n] = "latest";
	items[n + 1] = NULL;
	return reply_list(out, items);
}

static bool version_known(const char *v, const char *const *list, size_t n)
{
	if (strcmp(v, "latest") == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

/* --- OpenStack layout --- */

/* Whether version (known, or "latest") has the file os_files[i]: the
 * versions are ISO dates, so they compare as strings. */
static bool os_has_file(const struct md_instance *in, const char *version, size_t i)
{
	if (strcmp(os_files[i].name, "user_data") == 0 && !in->user_data)
		return false;
	return strcmp(version, "latest") == 0 || strcmp(version, os_files[i].since) >= 0;
}

json_t *md_meta_data(const struct md_instance *in)
{
	json_t *pk = json_object(), *keys = json_array();
	char host[64];

	/* The same members as the config drive (src/agent/compute.c), so
	 * both sources agree; the host name is made the same way there. */
	hostname_of(in->name, in->id, host);
	if (pk && keys && in->public_key) {
		json_object_set_new(pk, in->key_name, json_string(in->public_key));
		json_array_append_new(keys, json_pack("{s:s,s:s,s:s}", "name", in->key_name,
						       "type", "ssh", "data", in->public_key));
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:o,s:O,s:o,s:[]}", "uuid", in->id, "name",
			 in->name, "hostname", host, "availability_zone",
			 in->availability_zone, "project_id", in->project_id, "launch_index", 0,
			 "public_keys", pk, "meta", in->meta, "keys", keys, "devices");
}

/* "a.b.c.d/len" -> the dotted netmask of len into out[16]; -EINVAL. */
static int cidr_netmask(const char *cidr, char out[16])
{
	const char *slash = strchr(cidr, '/');
	char *end;
	long len = slash ? strtol(slash + 1, &end, 10) : -1;
	struct in_addr a;

	if (!slash || *end || len < 0 || len > 32)
		return -EINVAL;
	a.s_addr = htonl(len == 0 ? 0 : 0xffffffffu << (32 - len));
	return inet_ntop(AF_INET, &a, out, 16) ? 0 : -EINVAL;
}

/* The tap name the data plane gives a port: "tap" + its first 11 chars. */
static void tap_name(const char *port_id, char out[16])
{
	snprintf(out, 16, "tap%.11s", port_id);
}

static json_t *nd_network(const struct md_instance *in, size_t i)
{
	const struct md_ip *ip = &in->ips[i];
	const struct md_port *p = &in->ports[ip->port];
	char id[32], tap[16], mask[16];
	json_t *n;

	snprintf(id, sizeof(id), "network%zu", i);
	tap_name(p->id, tap);
	if (ip->dhcp)
		return json_pack("{s:s,s:s,s:s,s:s}", "id", id, "type", "ipv4_dhcp", "link", tap,
				 "network_id", p->network_id);
	/* Without DHCP the guest configures the address itself: say which. */
	if (cidr_netmask(ip->cidr, mask) < 0)
		return NULL;
	n = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[]}", "id", id, "type", "ipv4", "link", tap,
		      "network_id", p->network_id, "ip_address", ip->address, "netmask", mask,
		      "routes");
	if (n && ip->gateway[0])
		json_array_append_new(json_object_get(n, "routes"),
				      json_pack("{s:s,s:s,s:s}", "network", "0.0.0.0", "netmask",
						"0.0.0.0", "gateway", ip->gateway));
	return n;
}

json_t *md_network_data(const struct md_instance *in)
{
	_cleanup_json_ json_t *links = json_array(), *nets = json_array(), *svcs = json_array();
	size_t i;
	json_t *v;
	char tap[16];

	if (!links || !nets || !svcs)
		return NULL;
	for (i = 0; i < in->nports; i++) {
		const struct md_port *p = &in->ports[i];
		tap_name(p->id, tap);
		/* "bridge": a Linux bridge plugs the tap, as nova's
		 * VIF_TYPE_BRIDGE under linuxbridge. */
		if (json_array_append_new(links, json_pack("{s:s,s:s,s:s,s:i,s:s}", "id", tap,
							   "type", "bridge",
							   "ethernet_mac_address", p->mac,
							   "mtu", p->mtu, "vif_id", p->id)) < 0)
			return NULL;
	}
	for (i = 0; i < in->nips; i++)
		if (json_array_append_new(nets, nd_network(in, i)) < 0)
			return NULL;
	json_array_foreach(in->dns, i, v)
		if (json_array_append_new(svcs, json_pack("{s:s,s:O}", "type", "dns", "address",
							  v)) < 0)
			return NULL;
	return json_pack("{s:O,s:O,s:O}", "links", links, "networks", nets, "services", svcs);
}

/* /openstack/… with seg[0] == "openstack". */
static int serve_openstack(const struct md_instance *in, const struct md_path *p,
			   struct md_reply *out)
{
	const char *v = p->n > 1 ? p->seg[1] : NULL, *file = p->n > 2 ? p->seg[2] : NULL;
	const char *items[ARRAY_SIZE(os_files) + 1];
	size_t i, n = 0;

	if (!v)
		return reply_versions(out, os_versions, ARRAY_SIZE(os_versions));
	if (p->n > 3 || !version_known(v, os_versions, ARRAY_SIZE(os_versions)))
		return not_found(out);
	if (!file) {
		for (i = 0; i < ARRAY_SIZE(os_files); i++)
			if (os_has_file(in, v, i))
				items[n++] = os_files[i].name;
		items[n] = NULL;
		return reply_list(out, items);
	}
	for (i = 0; i < ARRAY_SIZE(os_files); i++)
		if (strcmp(file, os_files[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(os_files) || !os_has_file(in, v, i))
		return not_found(out);
	if (strcmp(file, "meta_data.json") == 0)
		return reply_json(out, md_meta_data(in));
	if (strcmp(file, "network_data.json") == 0)
		return reply_json(out, md_network_data(in));
	if (strcmp(file, "user_data") == 0)
		return reply_bytes(out, "text/plain", in->user_data, in->user_data_len);
	if (strcmp(file, "password") == 0)
		return reply_bytes(out, TEXT, in->password ? in->password : "",
				   in->password ? strlen(in->password) : 0);
	return reply_json(out, json_object()); /* vendor data: none configured */
}

bool md_password_path(const struct md_path *p)
{
	size_t i;

	if (p->n != 3 || p->dir || strcmp(p->seg[0], "openstack") != 0 ||
	    strcmp(p->seg[2], "password") != 0 ||
	    !version_known(p->seg[1], os_versions, ARRAY_SIZE(os_versions)))
		return false;
	for (i = 0; strcmp(os_files[i].name, "password") != 0; i++)
		;
	return strcmp(p->seg[1], "latest") == 0 || strcmp(p->seg[1], os_files[i].since) >= 0;
}

/* --- EC2 layout --- */

/* meta-data as a tree: objects are directories, strings are values. */
static json_t *ec2_tree(const struct md_instance *in)
{
	char iid[16], rid[16], ami[16], host[64];
	_cleanup_json_ json_t *t = NULL;
	json_t *groups_text;
	char *groups = NULL;
	size_t glen = 0, i;
	json_t *g;
	FILE *f;

	md_ec2_id("i", in->id, iid);
	md_ec2_id("r", in->id, rid);
	f = open_memstream(&groups, &glen);
	if (!f)
		return NULL;
	json_array_foreach(in->security_groups, i, g)
		fprintf(f, "%s%s", i ? "\n" : "", json_string_value(g));
	if (fclose(f) != 0) {
		free(groups);
		return NULL;
	}
	groups_text = json_string(groups);
	free(groups);
	hostname_of(in->name, in->id, host);
	t = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s},s:s,s:s,s:s,s:o}", "ami-launch-index",
		      "0", "hostname", host, "instance-id", iid, "instance-type",
		      in->flavor_name, "local-hostname", host, "local-ipv4", in->fixed_ip,
		      "placement", "availability-zone", in->availability_zone, "public-hostname",
		      host, "public-ipv4", in->floating_ip, "reservation-id", rid,
		      "security-groups", groups_text);
	if (!t)
		return NULL;
	if (in->image_id[0]) {
		md_ec2_id("ami", in->image_id, ami);
		if (json_object_set_new(t, "ami-id", json_string(ami)) < 0)
			return NULL;
	}
	if (in->public_key &&
	    json_object_set_new(t, "public-keys",
				json_pack("{s:{s:s}}", "0", "openssh-key", in->public_key)) < 0)
		return NULL;
	return steal_ptr(t);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A directory of the tree: its names sorted, subdirectories with '/'. */
static int reply_dir(struct md_reply *out, const json_t *dir)
{
	size_t n = json_object_size(dir), i = 0;
	_cleanup_free_ char **names = calloc(n + 1, sizeof(*names));
	const char *k;
	json_t *v;
	int r;

	if (!names)
		return -ENOMEM;
	json_object_foreach((json_t *)dir, k, v) {
		if (asprintf(&names[i], "%s%s", k, json_is_object(v) ? "/" : "") < 0) {
			names[i] = NULL;
			r = -ENOMEM;
			goto out;
		}
		i++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	r = reply_list(out, (const char *const *)names);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	return r;
}

/* /VERSION/meta-data/… : seg[2…] walk the tree. */
static int serve_ec2_meta(const struct md_instance *in, const struct md_path *p,
			  struct md_reply *out)
{
	_cleanup_json_ json_t *tree = ec2_tree(in);
	const json_t *node = tree;
	int i;

	if (!tree)
		return -ENOMEM;
	for (i = 2; i < p->n; i++) {
		node = json_is_object(node) ? json_object_get(node, p->seg[i]) : NULL;
		if (!node)
			return not_found(out);
	}
	if (json_is_string(node))
		return reply_bytes(out, TEXT, json_string_value(node), json_string_length(node));
	/* public-keys/ lists "index=name", as EC2 does. */
	if (p->n == 3 && strcmp(p->seg[2], "public-keys") == 0) {
		_cleanup_free_ char *line = NULL;
		if (asprintf(&line, "0=%s", in->key_name) < 0)
			return -ENOMEM;
		return reply_list(out, (const char *const[]){ line, NULL });
	}
	return reply_dir(out, node);
}

static int serve_ec2(const struct md_instance *in, const struct md_path *p, struct md_reply *out)
{
	const char *what = p->n > 1 ? p->seg[1] : NULL;

	if (!version_known(p->seg[0], ec2_versions, ARRAY_SIZE(ec2_versions)))
		return not_found(out);
	if (!what) {
		const char *items[] = { "meta-data/", in->user_data ? "user-data" : NULL, NULL };
		return reply_list(out, items);
	}
	if (strcmp(what, "meta-data") == 0)
		return serve_ec2_meta(in, p, out);
	if (strcmp(what, "user-data") == 0 && p->n == 2 && in->user_data)
		return reply_bytes(out, "text/plain", in->user_data, in->user_data_len);
	return not_found(out);
}

int md_serve(const struct md_instance *in, const struct md_path *p, struct md_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (p->n == 0)
		return reply_versions(out, ec2_versions, ARRAY_SIZE(ec2_versions));
	if (strcmp(p->seg[0], "openstack") == 0)
		return serve_openstack(in, p, out);
	return serve_ec2(in, p, out);
}
