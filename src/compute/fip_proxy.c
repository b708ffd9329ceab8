/* fip_proxy.c - Nova's floating IP proxy: os-floating-ips (list, show,
 * allocate, deallocate; up to microversion 2.35, 404 from 2.36) and the
 * server actions addFloatingIp / removeFloatingIp (up to 2.43, as Nova
 * until it removed them in 2.44). A thin view in Nova's shapes over the
 * network service's floating IPs (src/network/floatingips.c), made as the
 * caller: another project's floating IP or server is 404, never touched. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
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
#include "network/network.h"
#include "policy/policy.h"
#include "store/store.h"

/* Floating IP id (as c may see it) in Nova's shape: pool is its network's
 * name (its id when nameless), instance_id the device of its port. NULL
 * with *err. */
static json_t *nova_fip(const struct caller *c, struct store *st, const char *id, int *err)
{
	_cleanup_json_ json_t *n = NULL, *nf = NULL;
	struct fip_row f;
	struct port_row p;
	const char *pool, *fixed;
	json_t *instance = json_null();
	int r = fip_load(c, st, id, &f, &nf, NULL);

	if (r < 0) {
		*err = r;
		return NULL;
	}
	n = network_render(c, st, f.network_id);
	pool = n && json_str(n, "name") && json_str(n, "name")[0] ? json_str(n, "name") : f.network_id;
	fixed = json_str(nf, "fixed_ip_address");
	if (f.port_id[0] && port_store_get(st, f.port_id, &p) >= 0)
		instance = json_string(p.device_id);
	*err = 0;
	return json_pack("{s:o,s:s,s:o,s:s,s:s}", "fixed_ip", fixed ? json_string(fixed) : json_null(), "id", f.id, "instance_id",
			 instance, "ip", f.address, "pool", pool);
}

int h_nova_fip_list(struct http_request *req, struct http_response *res)
{
	struct store *st = basalt_store(req->b);
	_cleanup_json_ json_t *ids = NULL;
	json_t *out, *id;
	size_t i;
	int r = 0;

	if (nova_proxy_gone(req, res, 36) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	/* Nova lists the caller's project's, admins included. */
	ids = network_ids(st, &r,
			  "SELECT id FROM floatingip WHERE project_id = ? ORDER BY created_at, id", "s",
			  network_caller_project(&req->caller));
	if (!ids || !(out = json_array()))
		return http_error_errno(res, r < 0 ? r : -ENOMEM, "floating IPs");
	json_array_foreach(ids, i, id) {
		json_t *one = nova_fip(&req->caller, st, json_string_value(id), &r);
		if (one)
			json_array_append_new(out, one);
	}
	return http_reply(res, 200, json_pack("{s:o}", "floating_ips", out));
}

int h_nova_fip_get(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "fip_id");
	struct store *st = basalt_store(req->b);
	json_t *out;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0)
		return -1;
	if (!st)
		return http_error_errno(res, -EIO, "store");
	out = nova_fip(&req->caller, st, id, &r);
	if (r == -ENOENT)
		return http_error(res, 404, "Floating IP not found for ID %s", id);
	if (!out)
		return http_error_errno(res, r, "floating IP");
	return http_reply(res, 200, json_pack("{s:o}", "floating_ip", out));
}

/* The external network pool names (a uuid: its id, else its name) as
 * Nova's _get_floating_ip_pool_id_by_name_or_id, or the only one when
 * pool is NULL. 0 with id, -ENOENT, -EEXIST (several), or -errno. */
static int pool_find(const struct caller *c, struct store *st, const char *pool,
		     char id[UUID_LEN + 1])
{
	_cleanup_json_ json_t *ids = NULL;
	json_t *e;
	size_t i, n = 0;
	int r;

	ids = pool ? network_ids(st, &r,
				 "SELECT id FROM network WHERE external = 1 AND (id = ?1 OR name = ?1)"
				 " ORDER BY created_at, id",
				 "s", pool)
		   : network_ids(st, &r, "SELECT id FROM network WHERE external = 1"
					 " ORDER BY created_at, id", "");
	if (!ids)
		return r;
	json_array_foreach(ids, i, e) {
		_cleanup_json_ json_t *net = network_render(c, st, json_string_value(e));
		if (!net)
			continue;
		if (n++ == 0)
			snprintf(id, UUID_LEN + 1, "%s", json_string_value(e));
	}
	return n == 1 ? 0 : n == 0 ? -ENOENT : -EEXIST;
}

int h_nova_fip_create(struct http_request *req, struct http_response *res)
{
	const struct caller *c = &req->caller;
	_cleanup_json_ json_t *body = NULL;
	const json_t *pool_v = NULL;
	struct net_fault nf = { 0 };
	char net[UUID_LEN + 1], id[UUID_LEN + 1], msg[512];
	const char *pool = NULL;
	json_t *out = NULL;
	struct store *st;
	int r, status;

	if (nova_proxy_gone(req, res, 36) < 0)
		return -1;
	if (req->body_len > 0) {
		if (!(body = http_body_json(req, res)))
			return -1;
		if (!json_is_object(body) && !json_is_null(body))
			return http_error(res, 400, "Invalid input for field/attribute body. "
					  "It is not of type 'object', 'null'");
		pool_v = json_object_get(body, "pool");
		if (pool_v && !json_is_string(pool_v) && !json_is_null(pool_v))
			return http_error(res, 400, "Invalid input for field/attribute pool. "
					  "It is not of type 'string', 'null'");
		pool = json_string_value(pool_v);
	}
	if (!(st = api_write_begin(req, res)))
		return -1;
	r = pool_find(c, st, pool, net);
	if (r == -ENOENT) {
		http_error(res, 404, "Floating IP pool not found.");
		goto out;
	}
	if (r == -EEXIST) {
		http_error(res, 409, "Multiple floating IP pools matches found for name '%s'",
			   pool ? pool : "");
		goto out;
	}
	if (r < 0)
		goto out;
	r = fip_create(req->b, c, st,
		       &(struct fip_spec){ .project_id = network_caller_project(c), .network_id = net },
		       id, &nf);
	if (r < 0) {
		status = network_fault_text(&nf, msg, sizeof(msg));
		if (nf.kind == NF_NETWORK_FULL || nf.kind == NF_SUBNET_FULL)
			pool ? http_error(res, 404, "No more floating IPs in pool %s.", pool)
			     : http_error(res, 404, "No more floating IPs available.");
		else if (nf.kind == NF_QUOTA)
			pool ? http_error(res, 403, "IP allocation over quota in pool %s.", pool)
			     : http_error(res, 403, "IP allocation over quota.");
		else if (status)
			http_error(res, status == 409 ? 400 : status, "%s", msg);
		goto out;
	}
	out = nova_fip(c, st, id, &r);
out:
	if (api_write_end(res, st, r, "floating IP") < 0) {
		json_decref(out);
		return -1;
	}
	return http_reply(res, 200, json_pack("{s:o}", "floating_ip", out));
}

int h_nova_fip_delete(struct http_request *req, struct http_response *res)
{
	const char *id = http_param(req, "fip_id");
	struct net_fault nf = { 0 };
	struct store *st;
	int r;

	if (nova_proxy_gone(req, res, 36) < 0 || !(st = api_write_begin(req, res)))
		return -1;
	/* Deleting disassociates it first (the row and its NAT go). */
	r = fip_remove(&req->caller, st, id, &nf);
	if (r == -ENOENT)
		http_error(res, 404, "Floating IP not found for ID %s", id);
	else if (r == -EPERM)
		http_error(res, 403, "Policy doesn't allow delete_floatingip to be performed.");
	if (api_write_end(res, st, r, "floating IP") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}

/* ---- addFloatingIp, removeFloatingIp ---- */

static bool is_ip(const char *s)
{
	unsigned char a[16];

	return s && (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1);
}

/* The floating IP of address that c may see into f: 0, -ENOENT, -EEXIST
 * (several: Nova's FloatingIpMultipleFoundForAddress), or -errno. */
static int fip_by_address(const struct caller *c, struct store *st, const char *address,
			  struct fip_row *f)
{
	_cleanup_json_ json_t *ids = NULL;
	json_t *e;
	size_t i, n = 0;
	int r;

	ids = network_ids(st, &r, "SELECT id FROM floatingip WHERE floating_ip_address = ?", "s",
			  address);
	if (!ids)
		return r;
	json_array_foreach(ids, i, e) {
		struct fip_row one;
		if (fip_load(c, st, json_string_value(e), &one, NULL, NULL) < 0)
			continue;
		if (n++ == 0)
			*f = one;
	}
	return n == 1 ? 0 : n == 0 ? -ENOENT : -EEXIST;
}

/* The port of server id holding fixed address want (NULL: its first IPv4
 * address) into port and fixed, or -1 with Nova's 400 in res. */
static int server_fixed_ip(struct http_response *res, struct store *st, const char *id,
			   const char *address, const char *want, char port[UUID_LEN + 1],
			   char fixed[64])
{
	_cleanup_json_ json_t *ports = NULL;
	json_t *p;
	size_t i, count = 0;
	int r;

	ports = network_ids(st, &r,
			    "SELECT port_id FROM server_port WHERE server_id = ? AND detaching = 0"
			    " ORDER BY ord",
			    "s", id);
	if (!ports)
		return http_error_errno(res, r, "ports");
	fixed[0] = '\0';
	json_array_foreach(ports, i, p) {
		_cleanup_json_ json_t *ips = port_fixed_ips(st, json_string_value(p));
		json_t *ip;
		size_t j;
		json_array_foreach(ips, j, ip) {
			const char *a = json_str(ip, "ip_address");
			count++;
			if (fixed[0] || !a || (want ? strcmp(a, want) != 0 : strchr(a, ':') != NULL))
				continue;
			snprintf(fixed, 64, "%s", a);
			snprintf(port, UUID_LEN + 1, "%s", json_string_value(p));
		}
	}
	if (count == 0)
		return http_error(res, 400, "No fixed IPs associated to instance");
	if (!fixed[0] && want)
		return http_error(res, 400, "Specified fixed address not assigned to instance");
	if (!fixed[0])
		return http_error(res, 400, "Unable to associate floating IP %s to any fixed IPs "
				  "for instance %s. Instance has no fixed IPv4 addresses to associate.",
				  address, id);
	return 0;
}

/* {"addFloatingIp": {"address": A, "fixed_address": F}} and
 * {"removeFloatingIp": {"address": A}} of server id, below 2.44. */
int server_fip_action(struct http_request *req, struct http_response *res, const char *id,
		      bool add, const json_t *arg)
{
	const char *action = add ? "addFloatingIp" : "removeFloatingIp";
	const struct caller *c = &req->caller;
	const char *address = json_str(arg, "address"), *want = json_str(arg, "fixed_address");
	struct nova_fault f = { "" };
	struct net_fault nf = { 0 };
	char port[UUID_LEN + 1], fixed[64], msg[512];
	struct server_ref s;
	struct fip_row fip;
	struct store *st;
	int r;

	/* Gone from 2.44: Nova's 404, as for a method its version lacks. */
	if (nova_proxy_gone(req, res, 44) < 0)
		return -1;
	if (!json_is_object(arg) || json_object_size(arg) != (size_t)(1 + (want != NULL)) ||
	    (!add && want) || !is_ip(address) || (json_object_get(arg, "fixed_address") && !is_ip(want)))
		return http_error(res, 400, "Invalid input for field/attribute %s. Value: %s. "
				  "It must be {\"address\": IP%s}.", action,
				  address ? address : "(none)", add ? ", \"fixed_address\": IP" : "");
	if (!(st = api_write_begin(req, res)))
		return -1;
	r = server_find(st, c, id,
			add ? "os_compute_api:os-floating-ips:add" : "os_compute_api:os-floating-ips:remove",
			&s, &f);
	if (r < 0) {
		nova_error(res, r, &f, "server");
		goto out;
	}
	server_ref_free(&s);
	if (add && (r = server_fixed_ip(res, st, id, address, want, port, fixed)) < 0) {
		r = -EINVAL;
		goto out;
	}
	r = fip_by_address(c, st, address, &fip);
	if (r == -ENOENT) {
		add ? http_error(res, 404, "floating IP not found")
		    : http_error(res, 404, "Floating IP not found for address %s.", address);
		goto out;
	}
	if (r == -EEXIST) {
		http_error(res, 409, "Multiple floating IPs are found for address %s.", address);
		goto out;
	}
	if (r < 0)
		goto out;
	if (!add) {
		struct port_row p;
		/* Only from the server it is on. */
		if (!fip.port_id[0] || port_store_get(st, fip.port_id, &p) < 0 ||
		    strcmp(p.device_id, id) != 0) {
			r = -EBUSY;
			http_error(res, 409, "Floating IP %s is not associated with instance %s.",
				   address, id);
			goto out;
		}
	}
	r = fip_update(c, st, fip.id,
		       add ? &(struct fip_change){ .port_id = port, .fixed_ip = fixed }
			   : &(struct fip_change){ .disassociate = true },
		       &nf);
	if (r < 0) {
		int status = network_fault_text(&nf, msg, sizeof(msg));
		if (status == 403)
			http_error(res, 403, "%s", msg);
		else if (status == 409 || !add)
			status ? http_error(res, 400, "%s", msg) : 0;
		else
			http_error(res, 400, "Unable to associate floating IP %s to fixed IP %s for "
				   "instance %s. Error: %s", address, fixed, id,
				   status ? msg : "internal error");
	}
out:
	if (api_write_end(res, st, r, "floating IP") < 0)
		return -1;
	return http_reply(res, 202, NULL);
}
