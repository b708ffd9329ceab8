#!/usr/bin/env bash
# tests/e2e/sg_fail_closed.sh - security groups fail closed. A controller
# and a fake compute agent (cmp1) in a network namespace of their own; the
# agent runs in a mount namespace where the bridge-netfilter sysctl it
# must set before loading any rule is read-only, so every load of its
# security-group rules fails (a real failure from the kernel's side, no
# hook in the code). Then, for a server on a network: its port's tap
# exists but is blocked (the guard table drops every frame from and to
# it), the port is DOWN, the guest is not started (BUILD), and the agent's
# log says why. Once the sysctl is writable again, the rules load, the
# block goes, the port is ACTIVE and the guest starts.
# Run under `flock /tmp/basalt-ns.lock`.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1

if [ -z "${SG_E2E_NS:-}" ] && [ "$(id -u)" = 0 ]; then
	ns="bsgfc-e2e-$$"
	if ip netns add "$ns" 2>/dev/null; then
		ip -n "$ns" link set lo up
		SG_E2E_NS=$ns ip netns exec "$ns" "$0" "$@"
		rc=$?
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns"
		exit $rc
	fi
fi
. tests/lib.sh
plan 10

SYSCTL=/proc/sys/net/bridge/bridge-nf-call-iptables
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE"/agent-*.log
	cleanup_controller
}
trap cleanup EXIT

start_controller || { not_ok "start controller"; exit 1; }
make_service_user || { not_ok "service user"; exit 1; }
agent_conf cmp1 fake "$STATE/agent-cmp1.conf"
printf '[network]\nlocal_ip = 127.0.0.1\n' >>"$STATE/agent-cmp1.conf"
cat "$SYSCTL" >"$STATE/ro-sysctl"
# The agent's own mount namespace, with the sysctl read-only in it.
unshare -m --propagation private sh -c '
	mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && shift 2 && exec "$@"' \
	sh "$STATE/ro-sysctl" "$SYSCTL" "$BASALTD" --config "$STATE/agent-cmp1.conf" --role compute \
	>>"$STATE/agent-cmp1.log" 2>&1 &
AGENT_PID=$!

t_agent_up() {
	for _ in $(seq 1 50); do
		os compute service list -f value -c Host -c State 2>/dev/null | grep -x "cmp1 up" >/dev/null && return 0
		sleep 0.2
	done
	tail -20 "$STATE/agent-cmp1.log"
	return 1
}
check "a fake compute agent registers (its rule loads will fail)" t_agent_up

qemu-img create -q -f qcow2 "$STATE/tiny.qcow2" 16M >/dev/null 2>&1 &&
	os image create --file "$STATE/tiny.qcow2" --disk-format qcow2 --container-format bare --public tiny >/dev/null &&
	os flavor create --vcpus 1 --ram 64 --disk 1 n.tiny >/dev/null &&
	os network create sgnet >/dev/null &&
	os subnet create --network sgnet --subnet-range 192.0.2.0/24 sgsub >/dev/null &&
	os server create --image tiny --flavor n.tiny --network sgnet s1 >/dev/null ||
	{ not_ok "image, flavor, network, server"; exit 1; }
PORT=$(os port list --server s1 -f value -c ID | head -1)
MAC=$(os port show "$PORT" -f value -c mac_address)
NET=$(os network show sgnet -f value -c id)
TAP=tap${PORT:0:11}
BR=brq${NET:0:11}

# wait_for WHAT CMD...: until CMD succeeds (at most 30 s).
wait_for() {
	local what=$1; shift
	for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	echo "never: $what"; tail -5 "$STATE/agent-cmp1.log"; return 1
}
failures() { grep -c 'security groups: rules not loaded' "$STATE/agent-cmp1.log"; }
check "the agent's log says the rules are not loaded" wait_for "a logged failure" sh -c "[ \$(grep -c 'security groups: rules not loaded' '$STATE/agent-cmp1.log') -ge 1 ]"
check "the port's tap is in its bridge" wait_for "$TAP in $BR" sh -c "ip -o link show master $BR | grep -q ' $TAP[:@]'"
# Two more failed passes: the state below is what the agent keeps doing.
n=$(failures)
wait_for "two more passes" sh -c "[ \$(grep -c 'security groups: rules not loaded' '$STATE/agent-cmp1.log') -ge $((n + 2)) ]"

t_guard() {
	local t
	t=$(nft list table bridge basalt-guard) || return 1
	grep -q "hook prerouting priority \(-300\|dstnat\); policy accept;" <<<"$t" &&
		grep -q "iifname \"$TAP\" drop\|iifname { .*\"$TAP\".* } drop" <<<"$t" &&
		grep -q "hook postrouting priority -300; policy accept;" <<<"$t" &&
		grep -q "oifname \"$TAP\" drop\|oifname { .*\"$TAP\".* } drop" <<<"$t" || { echo "$t"; return 1; }
}
check "the guard table drops every frame from and to the tap (prerouting, postrouting)" t_guard
check "the port is DOWN" expect_eq status "$(os port show "$PORT" -f value -c status)" DOWN
check "the guest has not started (BUILD)" expect_eq status "$(os server show s1 -f value -c status)" BUILD
check "the agent waits for the rules" grep -q "server .*: waiting for the security group rules of $TAP" "$STATE/agent-cmp1.log"

# The kernel takes the rules again: everything follows.
nsenter -t "$AGENT_PID" -m umount "$SYSCTL" || not_ok "umount the read-only sysctl"
check "the rules load, the port goes ACTIVE" wait_for "port ACTIVE" sh -c "[ \"\$(openstack port show $PORT -f value -c status)\" = ACTIVE ]"
check "the guest starts (ACTIVE)" wait_for "server ACTIVE" sh -c "[ \"\$(openstack server show s1 -f value -c status)\" = ACTIVE ]"
check "the block is gone" sh -c "! nft list table bridge basalt-guard 2>/dev/null | grep -q '\"$TAP\"'"
