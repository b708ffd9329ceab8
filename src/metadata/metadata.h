/* metadata.h - the metadata API that the network nodes' proxies call
 * (docs/agent-protocol.md "The metadata proxy"): one instance's data in
 * OpenStack's layout (/metadata/openstack/…) and EC2's (/metadata/…), as
 * nova-api-metadata serves them.
 *
 * Three files, one job each: serve.c turns a struct md_instance and a
 * path into a reply (pure, unit tested); instance.c loads that struct
 * from the store; handler.c checks the proxy's signature and glues them.
 * Each instance sees only its own data by construction: the struct holds
 * one server, found from the signed (network, address) pair. */
#ifndef BASALT_METADATA_H
#define BASALT_METADATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct store;
struct route_table;

#define MD_MAX_SEGS 8

/* One of the instance's ports (device_owner compute:*, device_id = it). */
struct md_port {
	char id[65];
	char network_id[65];
	char mac[32];
	int mtu;
};

/* One IPv4 address of one of those ports. */
struct md_ip {
	size_t port; /* index into md_instance.ports */
	char address[46];
	char cidr[50];
	char gateway[46]; /* "" when the subnet has none */
	bool dhcp;
};

/* Everything the service shows about one server. Strings are "" when the
 * server has no value; pointers are owned (md_instance_free). */
struct md_instance {
	char id[65];
	char name[256];
	char project_id[65];
	char availability_zone[256];
	char flavor_name[256];
	char image_id[65];
	char key_name[256];
	char *public_key;	  /* NULL: no key */
	unsigned char *user_data; /* NULL: none; decoded bytes otherwise */
	size_t user_data_len;
	char *password;		  /* what the guest posted; "" none (owned) */
	json_t *meta;		  /* server metadata, an object */
	char fixed_ip[46];	  /* the address that asks */
	char floating_ip[46];	  /* associated with that port; "" none */
	json_t *security_groups;  /* array of group names (all its ports) */
	json_t *dns;		  /* array of nameserver addresses */
	struct md_port *ports;
	size_t nports;
	struct md_ip *ips;
	size_t nips;
};

/* A request path below /metadata, cut into segments. */
struct md_path {
	int n;
	const char *seg[MD_MAX_SEGS]; /* point into buf */
	bool dir;		      /* ended with '/' (or was empty) */
	char buf[512];
};

/* What to answer. */
struct md_reply {
	int status; /* 200 or 404 */
	const char *content_type;
	char *body; /* owned; NULL for 404 */
	size_t len;
};

/* handler.c */
extern const struct route_table metadata_routes;

/* instance.c */
/* Fill in with the server whose compute port on network_id has address
 * ip, in the caller's read transaction. Returns 0, -ENOENT (no such
 * port or server) or -errno; in must go to md_instance_free either way. */
int md_instance_load(struct store *st, const char *network_id, const char *ip,
		     struct md_instance *in);
/* Fill in only the ports, addresses and nameservers of server_id (what
 * md_network_data reads), for its config drive. 0 or -errno; in must go
 * to md_instance_free either way. */
int md_instance_load_network(struct store *st, const char *server_id, struct md_instance *in);
void md_instance_free(struct md_instance *in);

/* serve.c */
/* Cut path (the part after "/metadata", maybe "" or "/") into segments.
 * Returns 0, -ENAMETOOLONG (too long or too many segments) or -EINVAL
 * ("." or ".." segments). */
int md_path_parse(const char *path, struct md_path *out);
/* An EC2-style id: prefix ("i", "r", "ami") and the first 8 hex digits of
 * id, e.g. i-1a2b3c4d (nova prints its integer ids as i-%08x; ours are
 * random hex, so their head is as stable and has the same shape). Hex
 * digits missing from id (or a dash) are skipped; short ids give "0"s. */
void md_ec2_id(const char *prefix, const char *id, char out[16]);
/* The answer for path about in: 200 with a body, or 404 (no such item).
 * Returns 0 with out filled, or -ENOMEM. The caller frees out->body. */
int md_serve(const struct md_instance *in, const struct md_path *path, struct md_reply *out);
/* Whether path is a password a guest may POST (/openstack/VERSION/password
 * of a version that has it, Grizzly's 2013-04-04 on). */
bool md_password_path(const struct md_path *path);
/* meta_data.json, network_data.json of in: new references, NULL on ENOMEM. */
json_t *md_meta_data(const struct md_instance *in);
json_t *md_network_data(const struct md_instance *in);

#endif
