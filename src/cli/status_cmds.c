/* status_cmds.c - basalt status (alias doctor): checks the cloud the way an
 * operator would after an install or an outage, and says in plain words
 * what is wrong and what to do. Every check reads the public APIs only:
 * the controller (version discovery, a token), compute services, network
 * agents, each DHCP-enabled network's DHCP port, each router, and the MTU
 * of the overlay networks. Exit status 0 when nothing failed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/status_cmds.h"
#include "core/cleanup.h"
#include "http/client.h"

/* VXLAN's outer Ethernet, IPv4, UDP and VXLAN headers (Neutron subtracts
 * the same 50 bytes from global_physnet_mtu for vxlan networks). */
#define VXLAN_OVERHEAD 50

/* One run: the checks made so far and what the later checks need. */
struct status {
	struct cli *cli;
	json_t *checks;	  /* owned: [{"check","result","reason","hint"}] */
	json_t *agents;	  /* owned: the network agents, NULL when not readable */
	bool agents_read; /* false: not admin, agent-based reasoning skipped */
	long underlay_mtu;
};

/* Append one check. result is "ok", "FAIL", "WARN" or "SKIP"; the reason
 * is formatted, hint may be NULL. 0 or -ENOMEM. */
__attribute__((format(printf, 5, 6))) static int
add(struct status *s, const char *result, const char *check, const char *hint, const char *fmt, ...)
{
	_cleanup_free_ char *reason = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&reason, fmt, ap);
	va_end(ap);
	if (n < 0) {
		reason = NULL;
		return -ENOMEM;
	}
	json_t *c = json_pack("{s:s,s:s,s:s,s:s?}", "check", check, "result", result, "reason",
			      reason, "hint", hint);
	return c && json_array_append_new(s->checks, c) == 0 ? 0 : -ENOMEM;
}

/* GET path of service; *status gets the HTTP status (0 when the transport
 * failed, the error already printed) and *reply the owned body. */
static int get(struct status *s, const char *service, const char *path, long *status,
	       json_t **reply)
{
	int r = cli_request_status(s->cli, service, "GET", path, NULL, status, reply);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		*status = 0;
	return 0;
}

/* Like get() for the compute service (it wants its microversion header). */
static int get_compute(struct status *s, const char *path, long *status, json_t **reply)
{
	int r = cli_compute_request_status(s->cli, "GET", path, NULL, status, reply);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		*status = 0;
	return 0;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* --- the controller --- */

/* Version discovery (no token needed), then a token. false when the
 * controller cannot be used: every later check would fail the same way. */
static int check_controller(struct status *s, bool *usable)
{
	const char *url = s->cli->auth.auth_url;
	struct http_result res;
	int r;

	*usable = false;
	if (!url)
		return add(s, "FAIL", "controller",
			   "set OS_AUTH_URL (or OS_CLOUD), e.g. "
			   "export OS_AUTH_URL=http://CONTROLLER:5000/v3",
			   "no identity URL is configured");
	struct http_call call = { .method = "GET", .url = url };
	if ((r = http_client_do(s->cli->http, &call, &res)) < 0) {
		if (r == -ENOMEM)
			return r;
		return add(s, "FAIL", "controller",
			   "is basalt-controller running on the controller (systemctl status "
			   "basalt-controller)? Is 5000/tcp open between here and there?",
			   "%s does not answer: %s", url, http_client_error(s->cli->http));
	}
	long st = res.status;
	http_result_free(&res);
	if (st >= 400 && st != 401)
		return add(s, "FAIL", "controller",
			   "OS_AUTH_URL should be the identity URL, http://CONTROLLER:5000/v3",
			   "%s answers HTTP %ld to version discovery", url, st);
	if ((r = cli_login(s->cli)) < 0) {
		if (r == -ENOMEM)
			return r;
		return add(s, "FAIL", "authentication",
			   "check OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME and the domains "
			   "(the message above says which)",
			   "%s answers but gives no token", url);
	}
	*usable = true;
	return add(s, "ok", "controller", NULL, "%s answers and issued a token", url);
}

/* --- compute services --- */

static int check_compute(struct status *s)
{
	_cleanup_json_ json_t *reply = NULL;
	json_t *svc;
	size_t i, n;
	long st;
	int r;

	if ((r = get_compute(s, "os-services?binary=nova-compute", &st, &reply)) < 0)
		return r;
	if (st == 403 || st == 401)
		return add(s, "SKIP", "compute services",
			   "run with admin credentials (the agents' state is admin-only)",
			   "this token is not an admin's");
	if (st < 200 || st >= 300)
		return add(s, "FAIL", "compute services", "see the controller's log",
			   "GET /compute/v2.1/os-services answered HTTP %ld", st);
	json_t *list = json_object_get(reply, "services");
	if ((n = json_array_size(list)) == 0)
		return add(s, "FAIL", "compute services",
			   "start basalt-compute on each compute node (its [agent] section names "
			   "this controller and the service user)",
			   "no compute node has registered: servers cannot be scheduled");
	json_array_foreach(list, i, svc)
	{
		const char *host = str(svc, "host") ?: "?", *state = str(svc, "state") ?: "?";
		const char *status = str(svc, "status") ?: "?";
		char check[300];

		snprintf(check, sizeof(check), "compute service on %s", host);
		if (strcmp(state, "up") != 0)
			r = add(s, "FAIL", check,
				"on that node: systemctl status basalt-compute; journalctl -u "
				"basalt-compute (can it reach [agent] controller_url?)",
				"%s is down: no heartbeat since %s (longer than [compute] "
				"service_down_time); the scheduler skips it",
				host, str(svc, "updated_at") ?: "it registered");
		else if (strcmp(status, "enabled") != 0)
			r = add(s, "WARN", check,
				"openstack compute service set --enable HOST nova-compute",
				"%s is up but disabled: the scheduler skips it", host);
		else
			r = add(s, "ok", check, NULL, "up and enabled");
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- network agents --- */

/* Whether the agent_type agent of host is alive: 1 alive, 0 dead, -1 not
 * registered or not known (no admin). */
static int agent_alive(const struct status *s, const char *host, const char *type)
{
	json_t *a;
	size_t i;

	json_array_foreach(s->agents, i, a)
	{
		if (host && str(a, "host") && strcmp(str(a, "host"), host) == 0 &&
		    str(a, "agent_type") && strcmp(str(a, "agent_type"), type) == 0)
			return json_is_true(json_object_get(a, "alive")) ? 1 : 0;
	}
	return -1;
}

/* Whether the token carries the admin role (its body lists the roles). */
static bool token_has_admin(const struct cli *cli)
{
	json_t *role;
	size_t i;

	json_array_foreach(json_object_get(cli->token_body, "roles"), i, role)
	{
		if (str(role, "name") && strcmp(str(role, "name"), "admin") == 0)
			return true;
	}
	return false;
}

/* One line per host: one basaltd plays every agent of its host, so they
 * live and die together; the line names the ones that are dead. */
static int check_agents(struct status *s)
{
	json_t *reply = NULL, *a, *b;
	size_t i, j;
	long st;
	bool dhcp = false, refused;
	int r;

	/* Neutron answers a member 200 with the agents it may see (none), so
	 * a member's token is not asked; an admin's may still be refused. */
	refused = !token_has_admin(s->cli);
	if (!refused) {
		if ((r = get(s, "network", "v2.0/agents", &st, &reply)) < 0)
			return r;
		refused = st == 403 || st == 401;
	}
	if (refused) {
		json_decref(reply);
		return add(s, "SKIP", "network agents",
			   "run with admin credentials (the agents list is admin-only)",
			   "this token is not an admin's");
	}
	if (st < 200 || st >= 300) {
		json_decref(reply);
		return add(s, "FAIL", "network agents", "see the controller's log",
			   "GET /network/v2.0/agents answered HTTP %ld", st);
	}
	s->agents = json_incref(json_object_get(reply, "agents"));
	s->agents_read = s->agents != NULL;
	json_decref(reply);
	json_array_foreach(s->agents, i, a)
	{
		const char *host = str(a, "host") ?: "?";
		char check[300], hint[200], dead[256] = "", *p = dead;
		const char *unit;
		bool first = true;
		int nagents = 0;

		if (str(a, "agent_type") && strcmp(str(a, "agent_type"), "DHCP agent") == 0)
			dhcp = true;
		/* Only at the first agent of each host. */
		for (j = 0; j < i && first; j++)
			if (str(json_array_get(s->agents, j), "host") &&
			    strcmp(str(json_array_get(s->agents, j), "host"), host) == 0)
				first = false;
		if (!first)
			continue;
		json_array_foreach(s->agents, j, b)
		{
			if (!str(b, "host") || strcmp(str(b, "host"), host) != 0)
				continue;
			nagents++;
			if (!json_is_true(json_object_get(b, "alive")))
				p += snprintf(p, sizeof(dead) - (size_t)(p - dead), "%s%s",
					      p == dead ? "" : ", ", str(b, "agent_type") ?: "?");
			if (p >= dead + sizeof(dead))
				p = dead + sizeof(dead) - 1;
		}
		snprintf(check, sizeof(check), "network agents on %s", host);
		/* DHCP and L3 agents run on network nodes, a lone bridge agent on a
		 * compute node: name the unit to look at. */
		unit = strstr(dead, "DHCP") || strstr(dead, "L3") ? "basalt-network"
								  : "basalt-compute";
		snprintf(hint, sizeof(hint), "on that node: systemctl status %s; journalctl -u %s",
			 unit, unit);
		if (*dead)
			r = add(s, "FAIL", check, hint, "%s not alive: no heartbeat since %s", dead,
				str(a, "heartbeat_timestamp") ?: "it registered");
		else
			r = add(s, "ok", check, NULL, "%d agent%s alive", nagents,
				nagents == 1 ? "" : "s");
		if (r < 0)
			return r;
	}
	if (!dhcp)
		return add(s, "FAIL", "network node",
			   "start basalt-network on the network node (basaltd --role network)",
			   "no DHCP or L3 agent is registered: no node plays the network role, so "
			   "instances get no addresses and routers do not exist");
	return 0;
}

/* --- DHCP per network --- */

/* The name of network id in nets (borrowed; the id when unnamed). */
static const char *net_name(const json_t *nets, const char *id)
{
	json_t *n;
	size_t i;

	json_array_foreach(nets, i, n)
	{
		if (str(n, "id") && strcmp(str(n, "id"), id) == 0)
			return str(n, "name") && *str(n, "name") ? str(n, "name") : id;
	}
	return id;
}

/* Why what (a DHCP port or a router, in state status, bound to host or
 * NULL) carries no traffic, from that host's agent_type agent. */
static int explain_down(struct status *s, const char *check, const char *host, const char *what,
			const char *status, const char *agent_type)
{
	if (!s->agents_read)
		return add(s, "FAIL", check,
			   "run basalt status as admin to see which node should serve it",
			   "%s is %s: no network node has set it up", what, status);
	if (!host || !*host)
		return add(s, "FAIL", check,
			   "start basalt-network on a network node; the first one alive adopts it",
			   "%s is %s and placed on no network node", what, status);
	switch (agent_alive(s, host, agent_type)) {
	case 0:
		return add(s, "FAIL", check,
			   "on that node: systemctl status basalt-network; journalctl -u "
			   "basalt-network",
			   "%s is %s: its node %s is down (%s not alive)", what, status, host,
			   agent_type);
	case -1:
		return add(s, "FAIL", check,
			   "start basalt-network on that node, or delete and recreate the "
			   "resource so that an alive node adopts it",
			   "%s is %s: its node %s has no %s", what, status, host, agent_type);
	default:
		return add(s, "FAIL", check,
			   "on that node: journalctl -u basalt-network; ip netns (is the "
			   "namespace there?)",
			   "%s is %s although %s on %s is alive: the agent failed to set it up",
			   what, status, agent_type, host);
	}
}

static int check_dhcp(struct status *s, const json_t *nets)
{
	_cleanup_json_ json_t *subs = NULL, *ports = NULL;
	json_t *sub, *p, *n;
	size_t i, j;
	long st1, st2;
	int r, checked = 0;

	if ((r = get(s, "network", "v2.0/subnets", &st1, &subs)) < 0 ||
	    (r = get(s, "network", "v2.0/ports?device_owner=network%3Adhcp", &st2, &ports)) < 0)
		return r;
	if (st1 != 200 || st2 != 200)
		return add(s, "FAIL", "DHCP", "see the controller's log",
			   "listing subnets or DHCP ports answered HTTP %ld",
			   st1 != 200 ? st1 : st2);
	json_array_foreach(nets, i, n)
	{
		const char *id = str(n, "id"), *dhcp_port = NULL, *host = NULL;
		json_t *port = NULL;
		bool wants = false;
		char check[400];

		if (!id)
			continue;
		json_array_foreach(json_object_get(subs, "subnets"), j, sub)
		{
			if (str(sub, "network_id") && !strcmp(str(sub, "network_id"), id) &&
			    json_is_true(json_object_get(sub, "enable_dhcp")))
				wants = true;
		}
		if (!wants)
			continue;
		checked++;
		snprintf(check, sizeof(check), "DHCP of network %s", net_name(nets, id));
		/* A network has one DHCP port; an ACTIVE one wins if there are more. */
		json_array_foreach(json_object_get(ports, "ports"), j, p)
		{
			if (str(p, "network_id") && !strcmp(str(p, "network_id"), id) &&
			    (!port || !strcmp(str(p, "status") ?: "", "ACTIVE")))
				port = p;
		}
		if (port) {
			dhcp_port = str(port, "status");
			host = str(port, "binding:host_id");
		}
		if (!port)
			r = add(s, "FAIL", check,
				"disable and enable DHCP on the subnet (openstack subnet set "
				"--no-dhcp SUBNET; openstack subnet set --dhcp SUBNET)",
				"it has a DHCP-enabled subnet but no DHCP port");
		else if (dhcp_port && !strcmp(dhcp_port, "ACTIVE") &&
			 (!s->agents_read || agent_alive(s, host, "DHCP agent") == 1))
			r = add(s, "ok", check, NULL, "DHCP port ACTIVE%s%s", host ? " on " : "",
				host ?: "");
		else if (dhcp_port && !strcmp(dhcp_port, "ACTIVE"))
			/* ACTIVE was true when last reported; its dnsmasq may be gone. */
			r = explain_down(s, check, host, "its DHCP server", "unattended",
					 "DHCP agent");
		else
			r = explain_down(s, check, host, "its DHCP port", dhcp_port ?: "?",
					 "DHCP agent");
		if (r < 0)
			return r;
	}
	if (checked == 0)
		return add(s, "ok", "DHCP", NULL, "no network has a DHCP-enabled subnet");
	return 0;
}

/* --- routers --- */

/* The router's port on the external network (or any of its ports when it
 * has no gateway), from ports; borrowed, NULL when it has none. */
static json_t *router_port(const json_t *ports, const char *router_id)
{
	json_t *p, *any = NULL;
	size_t i;

	json_array_foreach(ports, i, p)
	{
		if (!str(p, "device_id") || strcmp(str(p, "device_id"), router_id) != 0)
			continue;
		if (str(p, "device_owner") &&
		    !strcmp(str(p, "device_owner"), "network:router_gateway"))
			return p;
		any = any ? any : p;
	}
	return any;
}

static int check_routers(struct status *s, const json_t *nets)
{
	_cleanup_json_ json_t *routers = NULL, *ports = NULL;
	json_t *rt;
	size_t i;
	long st1, st2;
	int r;

	if ((r = get(s, "network", "v2.0/routers", &st1, &routers)) < 0 ||
	    (r = get(s, "network", "v2.0/ports", &st2, &ports)) < 0)
		return r;
	if (st1 != 200 || st2 != 200)
		return add(s, "FAIL", "routers", "see the controller's log",
			   "listing routers or ports answered HTTP %ld", st1 != 200 ? st1 : st2);
	json_t *list = json_object_get(routers, "routers");
	if (json_array_size(list) == 0)
		return add(s, "ok", "routers", NULL, "no router exists");
	json_array_foreach(list, i, rt)
	{
		const char *id = str(rt, "id") ?: "?", *name = str(rt, "name");
		const char *status = str(rt, "status") ?: "?";
		json_t *gw = json_object_get(rt, "external_gateway_info");
		json_t *port = router_port(json_object_get(ports, "ports"), id);
		const char *host = port ? str(port, "binding:host_id") : NULL;
		char check[400];

		snprintf(check, sizeof(check), "router %s", name && *name ? name : id);
		if (json_is_false(json_object_get(rt, "admin_state_up")))
			r = add(s, "WARN", check, "openstack router set --enable ROUTER",
				"administratively down: it routes nothing");
		else if (strcmp(status, "ACTIVE") != 0)
			r = explain_down(s, check, host, "the router", status, "L3 agent");
		else if (s->agents_read && port && (!host || !*host))
			r = add(s, "FAIL", check,
				"start basalt-network on a network node; the first one alive "
				"adopts it",
				"placed on no network node: it exists only in the database");
		else if (s->agents_read && host && *host && agent_alive(s, host, "L3 agent") != 1)
			r = add(s, "FAIL", check,
				"on that node: systemctl status basalt-network; journalctl -u "
				"basalt-network",
				"its node %s has no alive L3 agent: traffic through it stops",
				host);
		else if (!json_is_object(gw))
			r = add(s, "WARN", check,
				"openstack router set --external-gateway EXTERNAL_NET ROUTER",
				"ACTIVE but without an external gateway: its subnets do not reach "
				"outside");
		else
			r = add(s, "ok", check, NULL, "ACTIVE, gateway on %s%s%s",
				net_name(nets, str(gw, "network_id") ?: "?"), host ? ", on " : "",
				host ?: "");
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- overlay MTU --- */

static int check_mtu(struct status *s, const json_t *nets)
{
	long max = s->underlay_mtu - VXLAN_OVERHEAD;
	json_t *n;
	size_t i;
	int r, checked = 0, bad = 0;

	json_array_foreach(nets, i, n)
	{
		const char *type = str(n, "provider:network_type");
		json_int_t mtu = json_integer_value(json_object_get(n, "mtu"));
		char check[400];

		/* Without admin the type is hidden: a project's own network that is
		 * neither shared nor external is a tenant (vxlan) network. */
		if (type ? strcmp(type, "vxlan") != 0
			 : json_is_true(json_object_get(n, "shared")) ||
			       json_is_true(json_object_get(n, "router:external")))
			continue;
		checked++;
		if (mtu <= max)
			continue;
		bad++;
		snprintf(check, sizeof(check), "MTU of network %s",
			 str(n, "name") && *str(n, "name") ? str(n, "name") : str(n, "id") ?: "?");
		r = add(
		    s, "FAIL", check,
		    "lower it (openstack network set --mtu N NETWORK, N at most the underlay "
		    "MTU minus 50) or raise the underlay MTU and [network] global_physnet_mtu "
		    "with it (jumbo frames)",
		    "mtu %" JSON_INTEGER_FORMAT " is more than %ld: VXLAN adds %d bytes of "
		    "headers, so on a %ld-byte underlay larger packets are dropped (ping works, "
		    "ssh and HTTP hang)",
		    mtu, max, VXLAN_OVERHEAD, s->underlay_mtu);
		if (r < 0)
			return r;
	}
	if (bad)
		return 0;
	return add(s, "ok", "overlay MTU", NULL,
		   "%d vxlan network%s, none above %ld (underlay %ld - %d)", checked,
		   checked == 1 ? "" : "s", max, s->underlay_mtu, VXLAN_OVERHEAD);
}

static int check_network(struct status *s)
{
	_cleanup_json_ json_t *reply = NULL;
	long st;
	int r;

	if ((r = get(s, "network", "v2.0/networks", &st, &reply)) < 0)
		return r;
	if (st != 200)
		return add(s, "FAIL", "networking API",
			   "is the networking service in the catalog (openstack catalog list)?",
			   "GET /network/v2.0/networks answered HTTP %ld", st);
	json_t *nets = json_object_get(reply, "networks");
	if ((r = check_dhcp(s, nets)) < 0 || (r = check_routers(s, nets)) < 0)
		return r;
	return check_mtu(s, nets);
}

/* --- output --- */

static int print(const struct status *s)
{
	int n[4] = { 0 };
	static const char *const results[] = { "ok", "FAIL", "WARN", "SKIP" };
	json_t *c;
	size_t i;

	json_array_foreach(s->checks, i, c)
	{
		for (int k = 0; k < 4; k++)
			if (!strcmp(str(c, "result"), results[k]))
				n[k]++;
	}
	if (s->cli->format == CLI_FMT_JSON) {
		_cleanup_json_ json_t *out = json_pack(
		    "{s:O,s:{s:i,s:i,s:i,s:i},s:b}", "checks", s->checks, "summary", "ok", n[0],
		    "failed", n[1], "warnings", n[2], "skipped", n[3], "healthy", n[1] == 0);
		if (!out)
			return -ENOMEM;
		if (json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
			return -EIO;
		putchar('\n');
		return n[1];
	}
	json_array_foreach(s->checks, i, c)
	{
		printf("%-4s %s: %s", str(c, "result"), str(c, "check"), str(c, "reason"));
		if (str(c, "hint"))
			printf(" \u2014 %s", str(c, "hint"));
		putchar('\n');
	}
	printf("\n%d ok, %d failed, %d warning%s, %d skipped", n[0], n[1], n[2],
	       n[2] == 1 ? "" : "s", n[3]);
	if (n[3])
		printf(" (skipped checks need the admin role: use admin credentials)");
	printf(n[1] ? ": the cloud needs attention.\n" : ": the cloud looks healthy.\n");
	return n[1];
}

int cmd_status(struct cli *cli, const struct cli_args *a)
{
	struct status s = { .cli = cli, .checks = json_array(), .underlay_mtu = 1500 };
	const char *mtu = cli_opt(a, "underlay-mtu");
	bool usable;
	int r;

	if (mtu) {
		char *end;
		s.underlay_mtu = strtol(mtu, &end, 10);
		if (*end || s.underlay_mtu < 576 + VXLAN_OVERHEAD || s.underlay_mtu > 65535) {
			fprintf(stderr, "basalt: --underlay-mtu wants a number from %d to 65535\n",
				576 + VXLAN_OVERHEAD);
			json_decref(s.checks);
			return -EINVAL;
		}
	}
	if (!s.checks)
		return -ENOMEM;
	/* An unanswered request must not hang a health check. */
	http_client_set_timeout(cli->http, 20000);
	r = check_controller(&s, &usable);
	if (r >= 0 && usable && (r = check_compute(&s)) >= 0 && (r = check_agents(&s)) >= 0)
		r = check_network(&s);
	if (r >= 0)
		r = print(&s);
	json_decref(s.checks);
	json_decref(s.agents);
	if (r < 0)
		return r;
	/* The failures are printed: exit 1 without another message. */
	return r > 0 ? -EIO : 0;
}
