#!/usr/bin/env bash
# tests/cli/openstack_l3.sh - Neutron's extra routes, the l3-agent
# scheduler and the extensions list through the real `openstack` CLI:
# router set --route/--no-route, router add/remove route (extraroute-
# atomic), network agent list --router, network agent add/remove router
# --l3, extension list --network / show; refusals in Neutron's words.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 9
trap 'cleanup_controller' EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

# register NAME IP: a network node registers, as its agent does (again
# before a router is made: the CLI is slow enough on a loaded machine for
# a node without heartbeats to count as down, and a router goes to an
# alive one).
register() {
	local tok; tok=$(admin_token) || return 1
	curl -sf -X PUT -H "X-Auth-Token: $tok" -H "Content-Type: application/json" \
		"$URL/agent/v1/hosts/$1" -d "{\"host\":{\"roles\":[\"network\"],\"local_ip\":\"$2\"}}" >/dev/null
}
routes_of() { os router show "$1" -f json | python3 -c '
import json, sys
print(" ".join("%s>%s" % (r["destination"], r["nexthop"]) for r in json.load(sys.stdin)["routes"]))'; }
l3_agent_of() { os network agent list --agent-type l3 --host "$1" -f value -c ID; }

setup() {
	os network create --external cli-ext >/dev/null &&
		os subnet create --network cli-ext --subnet-range 203.0.113.0/24 --no-dhcp cli-ext-sub >/dev/null &&
		os network create cli-int >/dev/null &&
		os subnet create --network cli-int --subnet-range 198.51.100.0/24 --no-dhcp cli-int-sub >/dev/null &&
		register cli-net1 198.51.100.81 && register cli-net2 198.51.100.82 &&
		os router create --external-gateway cli-ext cli-r >/dev/null &&
		os router add subnet cli-r cli-int-sub &&
		os project create cli-p >/dev/null && os user create --password cli-pw cli-u >/dev/null &&
		os role add --project cli-p --user cli-u member
}
check "setup: two network nodes, networks, a router with a gateway and a leg, a member" setup

t_set_route() {
	os router set --route destination=192.0.2.0/24,gateway=198.51.100.7 \
		--route destination=192.0.2.128/25,gateway=203.0.113.254 cli-r || return 1
	expect_eq routes "$(routes_of cli-r)" "192.0.2.0/24>198.51.100.7 192.0.2.128/25>203.0.113.254"
}
check "router set --route (nexthops on the leg's and the gateway's subnets), kept sorted" t_set_route

t_route_refused() {
	refused 400 "Invalid format for routes: \\[\\{'destination': '10\\.0\\.0\\.0/8', 'nexthop': '10\\.9\\.9\\.9'\\}\\], the nexthop is not connected with router" \
		os router set --no-route --route destination=10.0.0.0/8,gateway=10.9.9.9 cli-r || return 1
	refused 400 "Invalid input for routes\\. Reason: '192\\.0\\.2\\.1/24' is not a recognized CIDR, '192\\.0\\.2\\.0/24' is recommended\\." \
		os router set --route destination=192.0.2.1/24,gateway=198.51.100.7 cli-r || return 1
	refused 409 "Router interface for subnet [0-9a-f-]{36} on router [0-9a-f-]{36} cannot be deleted, as it is required by one or more routes\\." \
		os router remove subnet cli-r cli-int-sub || return 1
	expect_eq routes "$(routes_of cli-r)" "192.0.2.0/24>198.51.100.7 192.0.2.128/25>203.0.113.254"
}
check "a nexthop off the router, a CIDR with host bits: 400; the leg a route needs: 409; nothing changed" t_route_refused

t_atomic() {
	os router add route --route destination=10.1.0.0/16,gateway=198.51.100.9 cli-r || return 1
	expect_eq added "$(routes_of cli-r)" "10.1.0.0/16>198.51.100.9 192.0.2.0/24>198.51.100.7 192.0.2.128/25>203.0.113.254" || return 1
	os router remove route --route destination=192.0.2.128/25,gateway=203.0.113.254 cli-r || return 1
	expect_eq removed "$(routes_of cli-r)" "10.1.0.0/16>198.51.100.9 192.0.2.0/24>198.51.100.7" || return 1
	os router unset --route destination=10.1.0.0/16,gateway=198.51.100.9 cli-r || return 1
	expect_eq unset "$(routes_of cli-r)" "192.0.2.0/24>198.51.100.7" || return 1
	os router set --no-route cli-r || return 1
	expect_eq cleared "$(routes_of cli-r)" ""
}
check "router add/remove route (extraroute-atomic), unset --route, set --no-route" t_atomic

t_agents() {
	local a1 a2 cur j
	a1=$(l3_agent_of cli-net1) && a2=$(l3_agent_of cli-net2) || return 1
	[ -n "$a1" ] && [ -n "$a2" ] || { echo "no L3 agents: '$a1' '$a2'"; return 1; }
	cur=$(os network agent list --router cli-r -f value -c ID) || return 1
	[ "$cur" = "$a1" ] || [ "$cur" = "$a2" ] || { echo "hosted by '$cur'"; return 1; }
	os network agent remove router --l3 "$cur" cli-r || return 1
	expect_eq unscheduled "$(os network agent list --router cli-r -f value -c ID)" "" || return 1
	os network agent add router --l3 "$a2" cli-r || return 1
	j=$(os network agent list --router cli-r -f value -c ID -c Host) || return 1
	expect_eq hosted "$j" "$a2 cli-net2" || return 1
	os router list --agent "$a2" -f value -c Name | grep -qx cli-r || { echo "router list --agent $a2"; return 1; }
	expect_eq "net1's routers" "$(os router list --agent "$a1" -f value -c Name)" "" || return 1
	# openstacksdk's add/remove router calls do not raise on an error
	# status (the CLI exits 0): the API's 409s are in
	# tests/api/cases/49-network-l3-agents.json; here the router stays put.
	os network agent add router --l3 "$a1" cli-r >/dev/null 2>&1
	os network agent remove router --l3 "$a1" cli-r >/dev/null 2>&1
	j=$(os network agent list --router cli-r -f value -c ID -c Host) || return 1
	expect_eq "still hosted" "$j" "$a2 cli-net2"
}
check "network agent list --router, remove/add router --l3 moves it, router list --agent; Neutron's 409s" t_agents

asU() { env OS_USERNAME=cli-u OS_PASSWORD=cli-pw OS_PROJECT_NAME=cli-p timeout 60 openstack "$@"; }
t_agents_member() {
	local a2 rid
	register cli-net2 198.51.100.82 && a2=$(l3_agent_of cli-net2) &&
		rid=$(asU router create cli-ur -f value -c id) || return 1
	refused 403 "\\(rule:get_l3-agents\\) is disallowed by policy" asU network agent list --router "$rid" || return 1
	# the CLI reads the agent first: refused there already (get_agent)
	refused 403 "\\(rule:get_agent\\) is disallowed by policy" asU network agent add router --l3 "$a2" "$rid" || return 1
	expect_eq "its agents" "$(os network agent list --router "$rid" -f value -c ID | wc -l)" 1 &&
		asU router delete "$rid"
}
check "a member may not see or move routers between agents (403, admin only)" t_agents_member

t_extensions() {
	local out; out=$(os extension list --network -f value -c Alias) || return 1
	local a
	for a in extraroute extraroute-atomic l3_agent_scheduler router external-net net-mtu net-mtu-writable agent; do
		grep -qx "$a" <<<"$out" || { echo "missing $a"; return 1; }
	done
	for a in dvr l3-ha dhcp_agent_scheduler allowed-address-pairs extra_dhcp_opt network-mtu; do
		grep -qx "$a" <<<"$out" && { echo "claims $a"; return 1; }
	done
	expect_eq name "$(os extension show extraroute -f value -c name)" "Neutron Extra Route"
}
check "extension list --network: what Basalt has (extraroute, l3_agent_scheduler...), nothing it lacks" t_extensions

t_extension_missing() {
	refused 404 "Extension with alias dvr does not exist" os extension show dvr
}
check "extension show of an absent alias: 404" t_extension_missing

t_cleanup() {
	os router remove subnet cli-r cli-int-sub && os router delete cli-r &&
		os subnet delete cli-int-sub && os network delete cli-int cli-ext &&
		expect_eq ports "$(os port list -f value -c ID | wc -l)" 0
}
check "router remove subnet and delete once its routes are gone, nothing left" t_cleanup
