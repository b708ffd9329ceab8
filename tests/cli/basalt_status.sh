#!/usr/bin/env bash
# tests/cli/basalt_status.sh [BUILD] - basalt status (and its alias doctor)
# against a controller with two fake hosts registered over the agent API
# (ops-cmp: compute, ops-net: network) whose heartbeats this script sends.
# All alive: every line ok, exit 0. A DHCP port no agent reported: FAIL.
# Heartbeats stopped past service_down_time: the dead host is named, exit 1.
# An overlay MTU above the underlay's minus 50: FAIL. A member: SKIP lines.
set -uo pipefail
[ $# -ge 1 ] && BUILD=$1
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 11

DOWN_TIME=3
HB_PIDS=()
stop_heartbeats() {
	local p
	for p in "${HB_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	HB_PIDS=()
}
trap 'stop_heartbeats; cleanup_controller' EXIT

start_controller "[compute]
service_down_time = $DOWN_TIME" || { not_ok "start controller"; exit 1; }
TOKEN=$(admin_token)
[ -n "$TOKEN" ] || { not_ok "admin token"; exit 1; }
B() { timeout 60 "$BASALT" "$@"; }

# agent_call METHOD PATH [BODY]: the agent API with the admin token.
agent_call() {
	curl -sf --max-time 10 -X "$1" -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		"$URL$2" ${3:+-d "$3"}
}
register() { # HOST ROLE LOCAL_IP
	agent_call PUT "/agent/v1/hosts/$1" '{"host":{"roles":["'"$2"'"],"local_ip":"'"$3"'","hypervisor_type":"QEMU","resources":{"vcpus":2,"memory_mb":2048,"disk_gb":10}}}' >/dev/null
}
heartbeats() { # HOST: one per second in the background
	(while agent_call POST "/agent/v1/hosts/$1/heartbeat" >/dev/null; do sleep 1; done) &
	HB_PIDS+=($!)
}
register ops-cmp compute 198.51.100.21 && register ops-net network 198.51.100.22 ||
	{ not_ok "register fake hosts"; exit 1; }
heartbeats ops-cmp
heartbeats ops-net

OUT=
# status_rc WANT [ARGS...]: run basalt status; OUT gets its output.
status_rc() {
	local want=$1 rc
	shift
	OUT=$(B status "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || { echo "exit $rc, expected $want:"; echo "$OUT"; return 1; }
}
has() { grep -qF -- "$1" <<<"$OUT" || { echo "no '$1' in:"; echo "$OUT"; return 1; }; }

t_all_ok() {
	status_rc 0 || return 1
	has "ok   controller: $URL/v3 answers and issued a token" &&
		has "ok   compute service on ops-cmp: up and enabled" &&
		has "ok   network agents on ops-net: 4 agents alive" &&
		has "0 failed" || return 1
	! grep -q '^FAIL' <<<"$OUT" || { echo "$OUT"; return 1; }
}
check "status: everything alive, no resources: all ok, exit 0" t_all_ok
check "doctor is the same command" bash -c "timeout 60 '$BASALT' doctor | grep -qF 'ok   compute service on ops-cmp'"

# --- a network whose DHCP port no agent reported ---
openstack network create st-net >/dev/null &&
	openstack subnet create st-sub --network st-net --subnet-range 10.77.0.0/24 >/dev/null ||
	{ not_ok "network and DHCP subnet"; exit 1; }
DHCP_PORT=$(openstack port list --network st-net --device-owner network:dhcp -f value -c ID)
t_dhcp_down() {
	status_rc 1 || return 1
	has "FAIL DHCP of network st-net: its DHCP port is DOWN although DHCP agent on ops-net is alive" &&
		has "1 failed"
}
check "status: a DHCP port no agent reported ACTIVE is a FAIL naming network and node, exit 1" t_dhcp_down

t_dhcp_active() {
	[ -n "$DHCP_PORT" ] || { echo "no DHCP port"; return 1; }
	agent_call POST /agent/v1/hosts/ops-net/report '{"servers":[],"ports":[{"id":"'"$DHCP_PORT"'","status":"ACTIVE"}]}' >/dev/null ||
		{ echo "report failed"; return 1; }
	status_rc 0 && has "ok   DHCP of network st-net: DHCP port ACTIVE on ops-net"
}
check "status: once the network node reports the DHCP port ACTIVE, ok again" t_dhcp_active

# --- routers: without a gateway (warning), with one (ok) ---
t_router() {
	openstack network create st-ext --external --provider-network-type flat \
		--provider-physical-network external >/dev/null &&
		openstack subnet create st-ext-sub --network st-ext --subnet-range 203.0.113.0/24 \
			--no-dhcp >/dev/null &&
		openstack router create st-r >/dev/null || return 1
	status_rc 0 && has "WARN router st-r: ACTIVE but without an external gateway" || return 1
	openstack router set --external-gateway st-ext st-r >/dev/null &&
		openstack router add subnet st-r st-sub >/dev/null || return 1
	status_rc 0 && has "ok   router st-r: ACTIVE, gateway on st-ext, on ops-net"
}
check "status: a router without gateway warns (exit 0); with one it is ok on its node" t_router

t_json() {
	local j
	j=$(B status -f json) || { echo "exit $?"; return 1; }
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["healthy"] is True and d["summary"]["failed"] == 0, d["summary"]
names = [c["check"] for c in d["checks"]]
assert "router st-r" in names and "compute service on ops-cmp" in names, names
assert all(set(c) == {"check", "result", "reason", "hint"} for c in d["checks"]), d' "$j"
}
check "status -f json: checks and summary" t_json

# --- a member sees what it may, and is told what was skipped ---
t_member() {
	openstack project create st-proj >/dev/null && openstack user create --password m-pw st-mem >/dev/null &&
		openstack role add --project st-proj --user st-mem member || return 1
	OUT=$(OS_USERNAME=st-mem OS_PASSWORD=m-pw OS_PROJECT_NAME=st-proj timeout 60 "$BASALT" status 2>&1)
	has "SKIP compute services: this token is not an admin's" &&
		has "SKIP network agents: this token is not an admin's" &&
		has "skipped checks need the admin role"
}
check "status as a member: the admin-only checks are SKIP, and the summary says so" t_member

# --- the compute host stops heartbeating ---
kill "${HB_PIDS[0]}" 2>/dev/null && wait "${HB_PIDS[0]}" 2>/dev/null
t_dead_compute() {
	local deadline=$((SECONDS + DOWN_TIME + 10))
	while [ $SECONDS -lt $deadline ]; do
		OUT=$(B status 2>&1) && { sleep 0.5; continue; }
		break
	done
	status_rc 1 || return 1
	has "FAIL compute service on ops-cmp: ops-cmp is down: no heartbeat since" &&
		has "FAIL network agents on ops-cmp: Linux bridge agent not alive" &&
		has "ok   network agents on ops-net" && has "systemctl status basalt-compute"
}
check "status: a compute host without heartbeats is named as down, with what to do, exit 1" t_dead_compute

stop_heartbeats
t_dead_network() {
	sleep $((DOWN_TIME + 1))
	status_rc 1 || return 1
	has "FAIL network agents on ops-net: DHCP agent, L3 agent, Metadata agent, Linux bridge agent not alive" &&
		has "FAIL DHCP of network st-net: its DHCP server is unattended: its node ops-net is down" &&
		has "FAIL router st-r: its node ops-net has no alive L3 agent"
}
check "status: a dead network node fails its agents, the DHCP and the router it carries" t_dead_network

# --- the overlay MTU: global_physnet_mtu raised above what the underlay carries ---
stop_controller
cat >>"$CONF" <<EOC
[network]
global_physnet_mtu = 1600
EOC
run_controller || { not_ok "restart controller"; exit 1; }
t_mtu() {
	openstack network create st-big >/dev/null || return 1
	status_rc 1 || return 1
	has "FAIL MTU of network st-big: mtu 1550 is more than 1450: VXLAN adds 50 bytes" || return 1
	grep -q "MTU of network st-net" <<<"$OUT" && { echo "st-net (1450) flagged"; return 1; }
	OUT=$(B status --underlay-mtu 1600 2>&1)
	has "ok   overlay MTU: 2 vxlan networks, none above 1550 (underlay 1600 - 50)"
}
check "status: a vxlan network above underlay MTU - 50 is a FAIL saying why (--underlay-mtu changes the limit)" t_mtu

t_unreachable() {
	stop_controller
	status_rc 1 || return 1
	has "FAIL controller: $URL/v3 does not answer" && has "is basalt-controller running"
}
check "status: an unreachable controller is one FAIL line with the hint, exit 1" t_unreachable
