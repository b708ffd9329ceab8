#!/usr/bin/env bash
# tests/e2e/compute_boot.sh - a server boots for real: a controller and a
# compute agent (QEMU under TCG) on this machine, the test guest image
# uploaded through Glance, and every step through the real openstack CLI:
# create --wait to ACTIVE, the guest's ready marker on the console,
# stop/start/reboot, hypervisor usage, delete leaving nothing behind, and
# the compute service going down when its agent stops.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 12

AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	# VMs outlive their agent by design: the test kills what it started
	# (each QEMU's pid file is in its instance directory under $STATE).
	local f
	for f in "${STATE:-/nonexistent}"/*/instances/*/qemu.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE/agent.log" "$STATE/bad.log"
	[ -n "${BADQ_DIR:-}" ] && rm -rf "$BADQ_DIR"
	cleanup_controller
}
trap cleanup EXIT

IMAGE=$BUILD/basalt-test.qcow2
[ -f "$IMAGE" ] || tools/mkimage "$IMAGE" >/dev/null 2>&1 || { not_ok "tools/mkimage"; exit 1; }

start_controller "[compute]
service_down_time = 6
heartbeat_interval = 2" || { not_ok "start controller"; exit 1; }
export OS_COMPUTE_API_VERSION=2.60

# The agent's service user, as the install guide makes nova's.
make_service_user || { not_ok "service user"; exit 1; }

start_agent() {
	agent_conf compute0 qemu "$STATE/agent.conf"
	"$BASALTD" --config "$STATE/agent.conf" --role compute >>"$STATE/agent.log" 2>&1 &
	AGENT_PID=$!
}
start_agent

t_agent_up() {
	for _ in $(seq 1 50); do
		os compute service list -f value -c Host -c State 2>/dev/null | grep -x "compute0 up" >/dev/null && return 0
		sleep 0.2
	done
	tail -20 "$STATE/agent.log"
	return 1
}
check "compute agent registers and shows up" t_agent_up

check "image create --file (the test guest)" \
	os image create --file "$IMAGE" --disk-format qcow2 --container-format bare basalt-test
check "flavor create" os flavor create --vcpus 1 --ram 256 --disk 1 m1.tiny
check "keypair create" sh -c "openstack keypair create k1 > '$STATE/k1.pem'"

t_boot() {
	local t0 t1
	t0=$(date +%s.%N)
	os server create --image basalt-test --flavor m1.tiny --nic none --key-name k1 \
		--config-drive True --property role=e2e --wait vm1 -f value -c status >"$STATE/create.out" 2>&1 ||
		{ cat "$STATE/create.out"; tail -30 "$STATE/agent.log"; return 1; }
	t1=$(date +%s.%N)
	echo "# create --wait to ACTIVE: $(python3 -c "print(round($t1 - $t0, 2))") s"
	expect_eq status "$(os server show vm1 -f value -c status)" ACTIVE &&
		expect_eq config_drive "$(os server show vm1 -f value -c config_drive)" True
}
check "server create --wait reaches ACTIVE" t_boot

t_console() {
	for _ in $(seq 1 120); do
		os console log show vm1 2>/dev/null | grep "basalt-guest: ready .*hostname=vm1" >/dev/null &&
			os console log show vm1 | grep "metadata source=config-drive" >/dev/null && return 0
		sleep 0.5
	done
	os console log show vm1 | tail -20
	return 1
}
check "console log shows the guest's ready marker (hostname from the config drive)" t_console

t_usage() {
	expect_eq vcpus_used "$(os hypervisor show compute0 -f value -c vcpus_used)" 1 &&
	expect_eq memory_mb_used "$(os hypervisor show compute0 -f value -c memory_mb_used)" 256
}
check "hypervisor show counts the server's vCPU and RAM" t_usage

qemu_pid() { pgrep -f "guest=$1" | head -1; }
# wait_status SERVER STATUS: the CLI of this release has no --wait on
# stop/start, so poll (bounded) as it would.
wait_status() {
	for _ in $(seq 1 240); do
		[ "$(os server show "$1" -f value -c status 2>/dev/null)" = "$2" ] && return 0
		sleep 0.5
	done
	echo "$1 never reached $2: $(os server show "$1" -f value -c status -c OS-EXT-STS:task_state)"
	return 1
}

t_power() {
	local id; id=$(os server show vm1 -f value -c id) || return 1
	os server stop vm1 && wait_status vm1 SHUTOFF || return 1
	[ -z "$(qemu_pid "$id")" ] || { echo "qemu still runs after stop"; return 1; }
	os server start vm1 && wait_status vm1 ACTIVE || return 1
	[ -n "$(qemu_pid "$id")" ] || { echo "no qemu after start"; return 1; }
	os server reboot --hard --wait vm1 && expect_eq status "$(os server show vm1 -f value -c status)" ACTIVE
}
check "server stop / start / reboot --wait" t_power

t_metadata() {
	# -f value shows properties as a Python dict: {'role': 'e2e'}
	os server show vm1 -f value -c properties | grep -q "'role': 'e2e'" || return 1
	os server set --property color=blue vm1 || return 1
	local p; p=$(os server show vm1 -f value -c properties) || return 1
	grep -q "'color': 'blue'" <<<"$p" && grep -q "'role': 'e2e'" <<<"$p" || { echo "$p"; return 1; }
	os server unset --property color vm1 || return 1
	p=$(os server show vm1 -f value -c properties) || return 1
	! grep -q color <<<"$p" || { echo "$p"; return 1; }
}
check "server metadata: from create, set, unset" t_metadata

t_delete() {
	local id; id=$(os server show vm1 -f value -c id) || return 1
	os server delete --wait vm1 || return 1
	refused 404 "No server with a name or ID of 'vm1' exists" os server show vm1 || return 1
	[ -z "$(qemu_pid "$id")" ] || { echo "qemu left running"; return 1; }
	[ ! -e "$STATE/compute0/instances/$id" ] || { echo "instance directory left"; return 1; }
	expect_eq vcpus_used "$(os hypervisor show compute0 -f value -c vcpus_used)" 0
}
check "server delete --wait leaves no QEMU, no files, no allocation" t_delete

# A QEMU that cannot start: a second agent whose "QEMU" fails at once
# (BASALT_QEMU), the only enabled host; the server goes ERROR with the
# hypervisor's message and leaves nothing on the host.
t_qemu_fails() {
	local conf="$STATE/bad.conf" pid sid
	# QEMU runs as basalt-qemu: its binary must be where that user reaches.
	BADQ_DIR=$(mktemp -d /tmp/basalt-badqemu.XXXXXX) && chmod 755 "$BADQ_DIR" || return 1
	printf '#!/bin/sh\necho "qemu-system-x86_64: cannot set up guest memory" >&2\nexit 1\n' >"$BADQ_DIR/badqemu"
	chmod 755 "$BADQ_DIR/badqemu"
	sed -e 's/^host = compute0/host = compute-bad/' -e "s|$STATE/compute0|$STATE/compute-bad|" \
		"$STATE/agent.conf" >"$conf"
	BASALT_QEMU="$BADQ_DIR/badqemu" "$BASALTD" --config "$conf" --role compute >>"$STATE/bad.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 50); do
		os compute service list -f value -c Host -c State | grep -x "compute-bad up" >/dev/null && break
		sleep 0.2
	done
	os compute service set --disable compute0 nova-compute || { kill "$pid"; return 1; }
	os server create --image basalt-test --flavor m1.tiny --nic none badvm >/dev/null
	for _ in $(seq 1 120); do
		[ "$(os server show badvm -f value -c status)" = ERROR ] && break
		sleep 0.5
	done
	local st fault
	st=$(os server show badvm -f value -c status) fault=$(os server show badvm -f value -c fault)
	sid=$(os server show badvm -f value -c id)
	os compute service set --enable compute0 nova-compute
	expect_eq status "$st" ERROR || { kill "$pid"; return 1; }
	grep -q "cannot set up guest memory" <<<"$fault" || { echo "fault: $fault"; kill "$pid"; return 1; }
	[ ! -e "$STATE/compute-bad/instances/$sid" ] || { echo "left behind: $(ls "$STATE/compute-bad/instances/$sid")"; kill "$pid"; return 1; }
	os server delete --wait badvm || { kill "$pid"; return 1; }
	kill "$pid" && wait "$pid"
}
check "a QEMU that fails to start: server ERROR with its message, nothing left" t_qemu_fails

t_down() {
	kill "$AGENT_PID" && wait "$AGENT_PID"
	AGENT_PID=
	sleep 7
	os compute service list -f value -c Host -c State | grep -x "compute0 down" >/dev/null
}
check "compute service shows down once the agent stops heartbeating" t_down
