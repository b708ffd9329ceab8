#!/usr/bin/env bash
# tests/lab/lab_down.sh - 'tools/lab down' leaves nothing behind (issue 5):
# after a three-node lab with a VM, a tenant network and a router (so QEMU,
# the agents' dnsmasq and their qdhcp-/qrouter- namespaces exist), and
# after an 'up' killed half-way. Checks namespaces, links, processes,
# mounts and files. Runs its own lab (LAB_PREFIX, LAB_DIR) beside any
# developer's lab. LAB_SHARED=1 (tests/run, last of the whole-cloud
# tiers): the lab the others shared is up; this test loads it, takes it
# down (the one down of the run) and checks it.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/lab/client.bash

[ "$(id -u)" = 0 ] || skip_tier "lab_down needs root (network namespaces)"
plan 4
MINE="" # the directory this tier made, removed at the end (never a caller's)
if [ "${LAB_SHARED:-}" = 1 ]; then
	: "${LAB_PREFIX?LAB_SHARED needs LAB_PREFIX}" "${LAB_DIR:?LAB_SHARED needs LAB_DIR}"
else
	MINE=$(mktemp -d /tmp/basalt-labdown.XXXXXX)
	LAB_PREFIX=ld- LAB_DIR=$MINE/lab
	chmod 711 "$MINE" # the agents' dnsmasq (nobody) reaches its files
fi
export LAB_PREFIX LAB_DIR
P=$LAB_PREFIX
export BUILD
trap 'tools/lab down >/dev/null 2>&1; [ -z "$MINE" ] || rm -rf "$MINE"' EXIT

# nothing_left [NAMESPACES...]: no trace of the lab on the machine.
nothing_left() {
	local left="" ns
	left+=$(ip netns list | awk '{print $1}' | grep "^$P" | sed 's/^/namespace /')
	for ns in "$@"; do [ -e "/run/netns/$ns" ] && left+=$'\n'"namespace $ns"; done
	left+=$(ip -o link show | awk -F': ' '{print $2}' | grep "^$P" | sed 's/^/link /')
	left+=$(grep -E " /run/netns/($P|qdhcp-|qrouter-)" /proc/self/mountinfo | awk '{print $5}' |
		while read -r m; do
			for ns in "$@"; do [ "$m" = "/run/netns/$ns" ] && echo "mount $m"; done
			case $m in "/run/netns/$P"*) echo "mount $m" ;; esac
		done)
	left+=$(procs_in "$LAB_DIR" | sed 's/^/process /')
	[ -e "$LAB_DIR" ] && left+=$'\n'"file $LAB_DIR"
	left=$(echo "$left" | grep .)
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
}

t_up() {
	if [ "${LAB_SHARED:-}" = 1 ]; then
		[ "$(cat "$LAB_DIR/nodes" 2>/dev/null)" = 3 ] || { echo "no 3-node lab in $LAB_DIR"; return 1; }
		tools/lab status
		return
	fi
	timeout 300 tools/lab up --nodes 3 >"$LAB_DIR.up.log" 2>&1 || { tail -20 "$LAB_DIR.up.log"; return 1; }
}
check "tools/lab up --nodes 3${LAB_SHARED:+ (the shared lab)}" t_up

# Things the agents make, so down has them to remove (whatever of this
# works; the check below is only about what is left afterwards).
CHILDREN=""
t_load() {
	local net router
	lab_os server create --image basalt-test --flavor m1.nano --nic none ld-vm >/dev/null &&
		server_active lab_os ld-vm || return 1
	[ -n "$(qemu_in "$LAB_DIR/compute0/state/instances")" ] || { echo "no QEMU running"; return 1; }
	net=$(lab_os network create ld-net -f value -c id) &&
		lab_os subnet create --network ld-net --subnet-range 10.9.0.0/24 ld-sub >/dev/null &&
		router=$(lab_os router create ld-router -f value -c id) &&
		lab_os router add subnet ld-router ld-sub || return 1
	CHILDREN="qdhcp-$net qrouter-$router"
	for _ in $(seq 1 30); do
		[ -e "/run/netns/qdhcp-$net" ] && [ -e "/run/netns/qrouter-$router" ] && return 0
		sleep 1
	done
	echo "the network agent made no qdhcp-$net / qrouter-$router"; return 1
}
check "the lab runs a VM, a DHCP namespace and a router namespace" t_load
net_ids=$(lab_os network list -f value -c ID 2>/dev/null)
router_ids=$(lab_os router list -f value -c ID 2>/dev/null)
for id in $net_ids; do CHILDREN+=" qdhcp-$id"; done
for id in $router_ids; do CHILDREN+=" qrouter-$id"; done

t_down() { timeout 120 tools/lab down || return 1; nothing_left $CHILDREN; }
check "tools/lab down leaves no namespace, link, process, mount or file" t_down

# An up that dies half-way (here: killed once the controller runs).
t_half() {
	# its own process group (setsid execs in place: $! is its pid), so the
	# kill takes the script and its children, not the daemons it started
	setsid tools/lab up --nodes 3 >"$LAB_DIR.half.log" 2>&1 &
	local up=$!
	for _ in $(seq 1 300); do
		[ -f "$LAB_DIR/controller/basaltd.pid" ] && break
		sleep 0.1
	done
	sleep 1
	kill -9 -- "-$up" 2>/dev/null
	wait "$up" 2>/dev/null
	[ -e "/run/netns/${P}controller" ] || { echo "the killed up made no namespace yet"; return 1; }
	timeout 120 tools/lab down || return 1
	nothing_left
}
check "tools/lab down after an up killed half-way leaves nothing" t_half
