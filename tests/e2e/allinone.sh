#!/usr/bin/env bash
# tests/e2e/allinone.sh - one process, several roles (DESIGN.md section 1:
# the all-in-one node): basaltd --role controller,compute serves the API
# and runs a compute agent (fake driver) that logs in to that same API.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 3
trap cleanup_controller EXIT

start_controller || { not_ok "start controller"; exit 1; }
make_service_user || { not_ok "service user"; exit 1; }
stop_controller
cat >>"$CONF" <<EOC
[agent]
controller_url = $URL
username = basalt-agent
password = agent-pw
project = service
[compute]
virt_type = fake
heartbeat_interval = 2
EOC
export OS_COMPUTE_API_VERSION=2.60

t_start() {
	"$BASALTD" --config "$CONF" --role controller,compute >>"$STATE/basaltd.log" 2>&1 &
	CTRL_PID=$!
	for _ in $(seq 1 100); do
		os compute service list -f value -c State 2>/dev/null | grep -x up >/dev/null && return 0
		kill -0 "$CTRL_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -20 "$STATE/basaltd.log"
	return 1
}
check "basaltd --role controller,compute: API up, its own compute service up" t_start

t_boot() {
	qemu-img create -q -f qcow2 "$STATE/tiny.qcow2" 16M &&
		os image create --file "$STATE/tiny.qcow2" --disk-format qcow2 --container-format bare tiny >/dev/null &&
		os flavor create --vcpus 1 --ram 64 --disk 1 t1 >/dev/null &&
		os server create --image tiny --flavor t1 --nic none --wait aio-vm >/dev/null || return 1
	expect_eq status "$(os server show aio-vm -f value -c status)" ACTIVE &&
		os server delete --wait aio-vm
}
check "a server boots and goes on the node's own compute role (fake driver)" t_boot

t_stop() {
	kill "$CTRL_PID" && wait "$CTRL_PID"
	local rc=$?
	CTRL_PID=
	[ "$rc" -eq 0 ] || { echo "exit status $rc"; tail "$STATE/basaltd.log"; return 1; }
}
check "SIGTERM stops both roles cleanly (exit 0)" t_stop
