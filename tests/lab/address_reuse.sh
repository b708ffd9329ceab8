#!/usr/bin/env bash
# tests/lab/address_reuse.sh - an address used again gets DHCP at once
# (issue 10): on the lab, delete a guest and create another at once; IPAM
# hands out the lowest free address, so the new guest (a new port, a new
# MAC) gets the deleted one's address. The network node must have
# released the old lease (dhcp_release) before the new guest asks: every
# new guest's console says "ready ip=<that address>" (its DHCP client
# tries for a few seconds only, then says ip=none), and the network node's
# dnsmasq never logs "not using configured address ... because it is
# leased to" the old MAC. ROUNDS rounds (default 3: about a minute each
# under TCG, and CI keeps to an hour) of real TCG guests.
# Then the same once more after a kill -9 of the network agent between
# the delete and the create (the agent that starts again finds the stale
# lease in dnsmasq's lease file). Its own 3-node lab (LAB_PREFIX=ar-)
# unless LAB_SHARED=1 (then the lab of LAB_DIR/LAB_PREFIX, already up).
# Run it under flock /tmp/basalt-ns.lock. Prints TAP.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/lab/client.bash

ROUNDS=${ROUNDS:-3}
# lab up, network, first guest, ROUNDS rounds x 3 checks, the kill -9
# round (3 checks), the dnsmasq log, the lease file.
echo "1..$((3 + ROUNDS * 3 + 3 + 2))"
[ "$(id -u)" = 0 ] || {
	for i in $(seq 1 $((3 + ROUNDS * 3 + 5))); do echo "ok - address_reuse $i # SKIP needs root"; done
	exit 0
}
T0=$SECONDS
SHARED=${LAB_SHARED:-0}
WORK=$(mktemp -d /tmp/basalt-areuse.XXXXXX)
chmod 711 "$WORK" # the agents' dnsmasq (nobody) reaches its files in the lab
if [ "$SHARED" != 1 ]; then
	export LAB_PREFIX=ar- LAB_DIR=$WORK/lab
fi
export BUILD
P=${LAB_PREFIX:-}
NET_NAME=ar-net

cleanup() {
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp -r "$LAB_DIR"/. "$KEEP_LOGS"/ 2>/dev/null
	if [ "$SHARED" = 1 ]; then
		server_delete aos ar-vm >/dev/null 2>&1
		aos router remove subnet ar-router ar-sub >/dev/null 2>&1
		aos router delete ar-router >/dev/null 2>&1
		aos network delete "$NET_NAME" >/dev/null 2>&1
	else
		tools/lab down >"$WORK/down.log" 2>&1 || { echo "# tools/lab down:"; sed 's/^/#   /' "$WORK/down.log"; }
	fi
	echo "# address_reuse: $((SECONDS - T0)) s"
	rm -rf "$WORK"
}
trap cleanup EXIT

aos() { lab_os "$@"; }
# console SERVER: the guest's own marker lines.
console() { aos console log show "$1" 2>/dev/null | grep 'basalt-guest:'; }
# wait_ready SERVER: the guest's ready line (it comes after DHCP gave up
# or got a lease), printed; 1 when none came in 180 s.
wait_ready() {
	local end=$((SECONDS + 180)) line
	while [ $SECONDS -lt $end ]; do
		line=$(console "$1" | grep -m1 'ready ip=') && { echo "$line"; return 0; }
		sleep 2
	done
	echo "no ready line on $1's console in 180 s:"
	console "$1"
	return 1
}

t_up() {
	if [ "$SHARED" = 1 ]; then
		[ -f "$LAB_DIR/nodes" ] || { echo "LAB_SHARED=1 but no lab in ${LAB_DIR:-LAB_DIR unset}"; return 1; }
		return 0
	fi
	timeout 300 tools/lab up --nodes 3 >"$WORK/up.log" 2>&1 || { tail -30 "$WORK/up.log"; return 1; }
}
check "the lab is up" t_up

NET_ID=""
t_net() {
	NET_ID=$(aos network create "$NET_NAME" -f value -c id) &&
		aos subnet create --network "$NET_NAME" --subnet-range 10.61.0.0/24 \
			--allocation-pool start=10.61.0.10,end=10.61.0.20 ar-sub >/dev/null || return 1
	# A router on it (10.61.0.1, outside the pool) serves the guests'
	# metadata (169.254.169.254, in its namespace): without one each boot
	# asked in vain for 32 s (tools/guest/init: 8 tries of 3 s, 1 s apart)
	# before its ready line.
	aos router create ar-router >/dev/null && aos router add subnet ar-router ar-sub || return 1
	# The DHCP port takes the first address of the pool; guests the next.
	for _ in $(seq 1 60); do
		[ -f "$(dhcp_dir)/pid" ] && return 0
		sleep 1
	done
	echo "no dnsmasq for $NET_ID on the network node ($(dhcp_dir))"
	return 1
}
dhcp_dir() { echo "$LAB_DIR/network/state/network/dhcp/$NET_ID"; }
check "a tenant network whose DHCP runs on the network node, with a router" t_net

# port_of SERVER: "MAC IP" of its port.
port_of() {
	local line
	line=$(aos port list --server "$1" -f value -c 'MAC Address' -c 'Fixed IP Addresses') || return 1
	echo "$(grep -oE '^[0-9a-f:]{17}' <<<"$line") $(grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' <<<"$line" | head -1)"
}

ADDR="" MAC=""
t_first() {
	local line
	aos server create --image basalt-test --flavor m1.nano --network "$NET_NAME" ar-vm \
		>/dev/null && server_active aos ar-vm || return 1
	read -r MAC ADDR < <(port_of ar-vm)
	[ -n "$ADDR" ] || { echo "no port for ar-vm"; return 1; }
	line=$(wait_ready ar-vm) || { echo "$line"; return 1; }
	case $line in *"ready ip=$ADDR "*) echo "# first guest: $ADDR $MAC" ;; *) echo "$line"; return 1 ;; esac
}
check "a first guest gets its address by DHCP" t_first

# One round: delete the guest and at once create the next; it must get
# the same address with a new MAC and a lease at once. $1: what happens
# between the delete and the create ("" or "kill").
OLD_MAC=""
round() {
	local i=$1 between=${2:-} mac addr line
	OLD_MAC=$MAC
	if [ "$between" != kill ]; then
		server_delete aos ar-vm >/dev/null || { echo "delete failed"; return 1; }
		aos server create --image basalt-test --flavor m1.nano --network "$NET_NAME" \
			ar-vm >/dev/null && server_active aos ar-vm || { echo "create failed"; return 1; }
	else
		# The agent dies; the port goes and the new one comes while it
		# is away; it starts again and finds dnsmasq's stale lease.
		kill -9 "$(cat "$LAB_DIR/network/basaltd.pid")" || return 1
		server_delete aos ar-vm >/dev/null || { echo "delete failed"; return 1; }
		aos server create --image basalt-test --flavor m1.nano --network "$NET_NAME" \
			ar-vm >"$WORK/create.out" 2>&1 || { echo "create failed:"; cat "$WORK/create.out"; return 1; }
		# the new port is there while the agent is away (it cannot go
		# ACTIVE before the agent has its network: docs/agent-protocol.md)
		aos port list --server ar-vm -f value -c ID | grep -q . ||
			{ echo "no port for the new ar-vm"; return 1; }
		tools/lab start network >/dev/null || { echo "could not start the network agent"; return 1; }
		server_active aos ar-vm || { echo "create failed"; return 1; }
	fi
	read -r mac addr < <(port_of ar-vm)
	[ "$addr" = "$ADDR" ] && [ "$mac" != "$OLD_MAC" ] ||
		{ echo "round $i: got $addr $mac, wanted $ADDR with a MAC other than $OLD_MAC"; return 1; }
	MAC=$mac
	return 0
}
t_same() { round "$@"; }
t_lease() {
	local line
	line=$(wait_ready ar-vm) || { echo "$line"; return 1; }
	case $line in *"ready ip=$ADDR "*) ;; *) echo "$line"; return 1 ;; esac
}
t_released() {
	if grep -F "$OLD_MAC" "$(dhcp_dir)/leases"; then
		echo "the deleted port's lease is still in dnsmasq's lease file"
		return 1
	fi
	grep -q "DHCPACK(.*) $ADDR $MAC" "$(dhcp_dir)/log" || { tail -20 "$(dhcp_dir)/log"; return 1; }
}

for i in $(seq 1 "$ROUNDS"); do
	check "round $i: deleted and created at once: the same address, a new MAC" t_same "$i"
	check "round $i: the new guest's ready line carries the address (DHCP at once)" t_lease
	check "round $i: the old lease is gone, the new MAC's acknowledged" t_released
done

check "the network agent killed (-9) across a delete and a create: the same address, a new MAC" \
	t_same after-kill kill
check "after the kill -9: the new guest gets its lease at once" t_lease
check "after the kill -9: the old lease is gone, the new MAC's acknowledged" t_released

t_log() {
	if grep "not using configured address" "$(dhcp_dir)/log"; then return 1; fi
	grep -c "DHCPRELEASE" "$(dhcp_dir)/log" | sed 's/^/# releases in the log: /'
}
check "dnsmasq never refused an address as leased to another MAC" t_log
t_leases() {
	local n
	n=$(grep -c " $ADDR " "$(dhcp_dir)/leases")
	[ "$n" = 1 ] && grep -q " $MAC $ADDR " "$(dhcp_dir)/leases" ||
		{ cat "$(dhcp_dir)/leases"; return 1; }
}
check "dnsmasq's lease file holds one lease of the address: the last guest's" t_leases
