/* test_metadata.c - the metadata service's pure parts: path parsing, the
 * EC2 ids, and every answer of both layouts rendered from a struct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "metadata/metadata.h"

/* A server with two ports: one on a DHCP subnet (with a floating IP and
 * nameservers), one on a static subnet. Freed with md_instance_free. */
static void fixture(struct md_instance *in, bool with_key, bool with_ud)
{
	static const unsigned char ud[] = { '#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n',
					    0, 0xff, 'x' };

	memset(in, 0, sizeof(*in));
	strcpy(in->id, "0123abcd89ef4567aaaabbbbccccdddd");
	strcpy(in->name, "vm1");
	strcpy(in->project_id, "proj1");
	strcpy(in->availability_zone, "nova");
	strcpy(in->flavor_name, "m1.tiny");
	strcpy(in->image_id, "feedface-0000-4000-8000-000000000000");
	if (with_key) {
		strcpy(in->key_name, "k1");
		in->public_key = strdup("ssh-ed25519 AAAAC3Nza test@host");
	}
	if (with_ud) {
		in->user_data = malloc(sizeof(ud));
		memcpy(in->user_data, ud, sizeof(ud));
		in->user_data_len = sizeof(ud);
	}
	in->meta = json_pack("{s:s}", "role", "web");
	strcpy(in->fixed_ip, "10.0.0.5");
	strcpy(in->floating_ip, "203.0.113.10");
	in->security_groups = json_pack("[s,s]", "default", "web");
	in->dns = json_pack("[s]", "192.0.2.53");
	in->nports = 2;
	in->ports = calloc(2, sizeof(*in->ports));
	strcpy(in->ports[0].id, "11112222-3333-4444-5555-666677778888");
	strcpy(in->ports[0].network_id, "net-a");
	strcpy(in->ports[0].mac, "fa:16:3e:00:00:01");
	in->ports[0].mtu = 1450;
	strcpy(in->ports[1].id, "99990000-3333-4444-5555-666677778888");
	strcpy(in->ports[1].network_id, "net-b");
	strcpy(in->ports[1].mac, "fa:16:3e:00:00:02");
	in->ports[1].mtu = 1500;
	in->nips = 2;
	in->ips = calloc(2, sizeof(*in->ips));
	in->ips[0] = (struct md_ip){ .port = 0, .address = "10.0.0.5", .cidr = "10.0.0.0/24",
				     .gateway = "10.0.0.1", .dhcp = true };
	in->ips[1] = (struct md_ip){ .port = 1, .address = "10.1.0.7", .cidr = "10.1.0.0/20",
				     .gateway = "10.1.0.1", .dhcp = false };
}

/* Serve path; returns the status, *body a NUL-terminated copy (owned). */
static int get(const struct md_instance *in, const char *path, char **body, size_t *len,
	       const char **type)
{
	struct md_path p;
	struct md_reply out;

	assert_int_equal(md_path_parse(path, &p), 0);
	assert_int_equal(md_serve(in, &p, &out), 0);
	*body = out.body;
	if (len)
		*len = out.len;
	if (type)
		*type = out.content_type;
	return out.status;
}

/* Assert path answers 200 with exactly want (text). */
static void expect_text(const struct md_instance *in, const char *path, const char *want)
{
	char *body;
	size_t len;
	const char *type;

	assert_int_equal(get(in, path, &body, &len, &type), 200);
	assert_string_equal(body, want);
	assert_int_equal(len, strlen(want));
	assert_non_null(strstr(type, "text/plain"));
	free(body);
}

static void expect_404(const struct md_instance *in, const char *path)
{
	char *body;

	assert_int_equal(get(in, path, &body, NULL, NULL), 404);
	assert_null(body);
}

static json_t *get_json(const struct md_instance *in, const char *path)
{
	char *body;
	const char *type;
	json_t *j;

	assert_int_equal(get(in, path, &body, NULL, &type), 200);
	assert_string_equal(type, "application/json");
	j = json_loads(body, 0, NULL);
	assert_non_null(j);
	free(body);
	return j;
}

static void path_parse(void **state)
{
	struct md_path p;
	char big[600];

	assert_int_equal(md_path_parse("", &p), 0);
	assert_int_equal(p.n, 0);
	assert_true(p.dir);
	assert_int_equal(md_path_parse("/openstack/latest/meta_data.json", &p), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.seg[0], "openstack");
	assert_string_equal(p.seg[2], "meta_data.json");
	assert_false(p.dir);
	assert_int_equal(md_path_parse("//latest//meta-data/", &p), 0);
	assert_int_equal(p.n, 2);
	assert_true(p.dir);
	assert_int_equal(md_path_parse("/latest/../x", &p), -EINVAL);
	assert_int_equal(md_path_parse("/./x", &p), -EINVAL);
	assert_int_equal(md_path_parse("/a/b/c/d/e/f/g/h/i", &p), -ENAMETOOLONG);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(md_path_parse(big, &p), -ENAMETOOLONG);
}

static void ec2_ids(void **state)
{
	char out[16];

	md_ec2_id("i", "0123ABCD89ef", out);
	assert_string_equal(out, "i-0123abcd");
	md_ec2_id("ami", "feed-face-0000", out);
	assert_string_equal(out, "ami-feedface");
	md_ec2_id("r", "ab", out);
	assert_string_equal(out, "r-ab000000");
}

static void versions(void **state)
{
	struct md_instance in;

	fixture(&in, true, true);
	expect_text(&in, "", "1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n"
			     "2008-02-01\n2008-09-01\n2009-04-04\nlatest");
	expect_text(&in, "/", "1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n"
			      "2008-02-01\n2008-09-01\n2009-04-04\nlatest");
	expect_text(&in, "/openstack", "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n"
				       "2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n"
				       "2020-10-14\nlatest");
	expect_404(&in, "/openstack/2011-01-01");
	expect_404(&in, "/2010-01-01/meta-data/");
	md_instance_free(&in);
}

/* Which paths take a guest's POST of its password. */
static void password_paths(void **state)
{
	static const struct {
		const char *path;
		bool ok;
	} cases[] = {
		{ "/openstack/latest/password", true },
		{ "/openstack/2013-04-04/password", true },
		{ "/openstack/2020-10-14/password", true },
		{ "/openstack/2012-08-10/password", false }, /* before Grizzly */
		{ "/openstack/2011-01-01/password", false }, /* no such version */
		{ "/openstack/latest/password/", false },
		{ "/openstack/latest/password/x", false },
		{ "/openstack/latest/meta_data.json", false },
		{ "/latest/password", false },
		{ "/openstack/password", false },
	};
	struct md_path p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(md_path_parse(cases[i].path, &p), 0);
		if (md_password_path(&p) != cases[i].ok)
			fail_msg("%s: %s", cases[i].path, cases[i].ok ? "refused" : "taken");
	}
}

static void openstack_listing(void **state)
{
	struct md_instance in;

	fixture(&in, true, true);
	expect_text(&in, "/openstack/latest/", "meta_data.json\nuser_data\npassword\n"
					       "vendor_data.json\nnetwork_data.json\nvendor_data2.json");
	/* Files appear with the version that brought them. */
	expect_text(&in, "/openstack/2012-08-10", "meta_data.json\nuser_data");
	expect_text(&in, "/openstack/2015-10-15",
		    "meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json");
	expect_404(&in, "/openstack/2012-08-10/network_data.json");
	expect_404(&in, "/openstack/2012-08-10/password");
	md_instance_free(&in);
	fixture(&in, false, false);
	expect_text(&in, "/openstack/latest", "meta_data.json\npassword\nvendor_data.json\n"
					      "network_data.json\nvendor_data2.json");
	expect_404(&in, "/openstack/latest/user_data");
	/* the password the guest posted ("" none), as Nova serves it */
	expect_text(&in, "/openstack/latest/password", "");
	in.password = strdup("sekrit");
	expect_text(&in, "/openstack/2013-04-04/password", "sekrit");
	expect_404(&in, "/openstack/latest/meta_data.json/x");
	md_instance_free(&in);
}

static void openstack_meta_data(void **state)
{
	struct md_instance in;
	json_t *j, *k;

	fixture(&in, true, false);
	j = get_json(&in, "/openstack/latest/meta_data.json");
	assert_string_equal(json_string_value(json_object_get(j, "uuid")), in.id);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "vm1");
	assert_string_equal(json_string_value(json_object_get(j, "hostname")), "vm1");
	assert_string_equal(json_string_value(json_object_get(j, "availability_zone")), "nova");
	assert_string_equal(json_string_value(json_object_get(j, "project_id")), "proj1");
	assert_int_equal(json_integer_value(json_object_get(j, "launch_index")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "public_keys"),
							      "k1")),
			    in.public_key);
	k = json_array_get(json_object_get(j, "keys"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "name")), "k1");
	assert_string_equal(json_string_value(json_object_get(k, "type")), "ssh");
	assert_string_equal(json_string_value(json_object_get(k, "data")), in.public_key);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "meta"), "role")),
			    "web");
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 0);
	json_decref(j);
	md_instance_free(&in);

	fixture(&in, false, false);
	j = get_json(&in, "/openstack/2012-08-10/meta_data.json");
	assert_int_equal(json_object_size(json_object_get(j, "public_keys")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "keys")), 0);
	json_decref(j);
	md_instance_free(&in);
}

static void openstack_user_data(void **state)
{
	struct md_instance in;
	char *body;
	size_t len;
	const char *type;

	fixture(&in, false, true);
	/* Raw bytes, NULs and all. */
	assert_int_equal(get(&in, "/openstack/latest/user_data", &body, &len, &type), 200);
	assert_int_equal(len, in.user_data_len);
	assert_memory_equal(body, in.user_data, len);
	assert_string_equal(type, "text/plain");
	free(body);
	assert_int_equal(get(&in, "/latest/user-data", &body, &len, NULL), 200);
	assert_int_equal(len, in.user_data_len);
	assert_memory_equal(body, in.user_data, len);
	free(body);
	md_instance_free(&in);
}

static void openstack_network_data(void **state)
{
	struct md_instance in;
	json_t *j, *l, *n;

	fixture(&in, false, false);
	j = get_json(&in, "/openstack/latest/network_data.json");
	assert_int_equal(json_array_size(json_object_get(j, "links")), 2);
	l = json_array_get(json_object_get(j, "links"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "id")), "tap11112222-33");
	assert_string_equal(json_string_value(json_object_get(l, "type")), "bridge");
	assert_string_equal(json_string_value(json_object_get(l, "ethernet_mac_address")),
			    "fa:16:3e:00:00:01");
	assert_int_equal(json_integer_value(json_object_get(l, "mtu")), 1450);
	assert_string_equal(json_string_value(json_object_get(l, "vif_id")), in.ports[0].id);
	n = json_array_get(json_object_get(j, "networks"), 0);
	assert_string_equal(json_string_value(json_object_get(n, "id")), "network0");
	assert_string_equal(json_string_value(json_object_get(n, "type")), "ipv4_dhcp");
	assert_string_equal(json_string_value(json_object_get(n, "link")), "tap11112222-33");
	assert_string_equal(json_string_value(json_object_get(n, "network_id")), "net-a");
	n = json_array_get(json_object_get(j, "networks"), 1);
	assert_string_equal(json_string_value(json_object_get(n, "type")), "ipv4");
	assert_string_equal(json_string_value(json_object_get(n, "link")), "tap99990000-33");
	assert_string_equal(json_string_value(json_object_get(n, "ip_address")), "10.1.0.7");
	assert_string_equal(json_string_value(json_object_get(n, "netmask")), "255.255.240.0");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(json_object_get(n, "routes"), 0),
					      "gateway")),
	    "10.1.0.1");
	l = json_array_get(json_object_get(j, "services"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "type")), "dns");
	assert_string_equal(json_string_value(json_object_get(l, "address")), "192.0.2.53");
	json_decref(j);
	j = get_json(&in, "/openstack/latest/vendor_data.json");
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
	md_instance_free(&in);
}

static void ec2(void **state)
{
	struct md_instance in;

	fixture(&in, true, true);
	expect_text(&in, "/latest", "meta-data/\nuser-data");
	expect_text(&in, "/2009-04-04/meta-data/",
		    "ami-id\nami-launch-index\nhostname\ninstance-id\ninstance-type\n"
		    "local-hostname\nlocal-ipv4\nplacement/\npublic-hostname\npublic-ipv4\n"
		    "public-keys/\nreservation-id\nsecurity-groups");
	expect_text(&in, "/latest/meta-data/instance-id", "i-0123abcd");
	expect_text(&in, "/latest/meta-data/reservation-id", "r-0123abcd");
	expect_text(&in, "/latest/meta-data/ami-id", "ami-feedface");
	expect_text(&in, "/latest/meta-data/hostname", "vm1");
	expect_text(&in, "/latest/meta-data/local-hostname", "vm1");
	expect_text(&in, "/latest/meta-data/local-ipv4", "10.0.0.5");
	expect_text(&in, "/latest/meta-data/public-ipv4", "203.0.113.10");
	expect_text(&in, "/latest/meta-data/ami-launch-index", "0");
	expect_text(&in, "/latest/meta-data/instance-type", "m1.tiny");
	expect_text(&in, "/latest/meta-data/security-groups", "default\nweb");
	expect_text(&in, "/latest/meta-data/placement/", "availability-zone");
	expect_text(&in, "/latest/meta-data/placement/availability-zone", "nova");
	expect_text(&in, "/latest/meta-data/public-keys/", "0=k1");
	expect_text(&in, "/latest/meta-data/public-keys/0", "openssh-key");
	expect_text(&in, "/latest/meta-data/public-keys/0/openssh-key", in.public_key);
	expect_404(&in, "/latest/meta-data/public-keys/1/openssh-key");
	expect_404(&in, "/latest/meta-data/hostname/x");
	expect_404(&in, "/latest/meta-data/nothing");
	expect_404(&in, "/latest/other");
	md_instance_free(&in);

	/* No key, no user data, no floating IP, no image. */
	fixture(&in, false, false);
	in.floating_ip[0] = '\0';
	in.image_id[0] = '\0';
	expect_text(&in, "/latest/", "meta-data/");
	expect_404(&in, "/latest/user-data");
	expect_404(&in, "/latest/meta-data/public-keys/");
	expect_404(&in, "/latest/meta-data/ami-id");
	expect_text(&in, "/latest/meta-data/public-ipv4", "");
	md_instance_free(&in);
}

/* The guest's host name is Nova's sanitize_hostname of the server name. */
static void host_names(void **state)
{
	static const char *const cases[][2] = {
		{ "vm1", "vm1" },
		{ "tempest-ServersTestJSON-server-1394981381", "tempest-serverstestjson-server-1394981381" },
		{ "my web_server.example", "my-web-server-example" },
		{ "--a!b@c--", "abc" },
		{ "\xc3\xa9t\xc3\xa9", "t" },
		{ "0123456789012345678901234567890123456789012345678901234567890123456789",
		  "012345678901234567890123456789012345678901234567890123456789012" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hostname_of(cases[i][0], "abc", out);
		assert_string_equal(out, cases[i][1]);
	}
	hostname_of("!!!", "0123abcd", out);
	assert_string_equal(out, "Server-0123abcd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_parse),
		cmocka_unit_test(ec2_ids),
		cmocka_unit_test(versions),
		cmocka_unit_test(openstack_listing),
		cmocka_unit_test(password_paths),
		cmocka_unit_test(openstack_meta_data),
		cmocka_unit_test(openstack_user_data),
		cmocka_unit_test(openstack_network_data),
		cmocka_unit_test(ec2),
		cmocka_unit_test(host_names),
	};
	return cmocka_run_group_tests_name("metadata", tests, NULL, NULL);
}
