#!/usr/bin/env bash
# tests/e2e/allinone.sh - one process, several roles (DESIGN.md section 1:
# the all-in-one node): basaltd --role controller,compute serves the API
# and runs a compute agent (fake driver) that logs in to that same API.
# The serial console end to end on it (the fake driver's serial port
# answers each line "fake-console: LINE"): openstack console url show
# --serial, a websocket (tests/wsconsole.py) through the controller to the
# agent and back, and the token refused once used, expired, on another
# server's URL or to another project's user.
# Its controller list names a controller that is down first (nothing
# listens on port 1): the agent moves on to the next (issue 14).
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 11
trap cleanup_controller EXIT

start_controller || { not_ok "start controller"; exit 1; }
make_service_user || { not_ok "service user"; exit 1; }
stop_controller
cat >>"$CONF" <<EOC
[agent]
controller_url = http://127.0.0.1:1, $URL
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
		os compute service list --service nova-compute -f value -c State 2>/dev/null | grep -x up >/dev/null && return 0
		kill -0 "$CTRL_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -20 "$STATE/basaltd.log"
	return 1
}
check "basaltd --role controller,compute: API up, its own compute service up" t_start

t_moved() {
	grep -q "agent: controller http://127.0.0.1:1 failed (.*): moving to $URL" "$STATE/basaltd.log" ||
		{ grep agent: "$STATE/basaltd.log" | tail; return 1; }
}
check "the agent's first controller is down: it logged that and moved to the next" t_moved

t_boot() {
	qemu-img create -q -f qcow2 "$STATE/tiny.qcow2" 16M &&
		os image create --file "$STATE/tiny.qcow2" --disk-format qcow2 --container-format bare tiny >/dev/null &&
		os flavor create --vcpus 1 --ram 64 --disk 1 t1 >/dev/null &&
		os server create --image tiny --flavor t1 --nic none --wait aio-vm >/dev/null || return 1
	expect_eq status "$(os server show aio-vm -f value -c status)" ACTIVE &&
		os server delete --wait aio-vm
}
check "a server boots and goes on the node's own compute role (fake driver)" t_boot

# --- the serial console ---
WS=tests/wsconsole.py
# console_url SERVER: a fresh serial console URL, through the real CLI.
console_url() { os console url show --serial "$1" -f value -c url; }
t_console_url() {
	os server create --image tiny --flavor t1 --nic none --wait con-vm >/dev/null &&
		os server create --image tiny --flavor t1 --nic none --wait con-vm2 >/dev/null || return 1
	CURL1=$(console_url con-vm)
	grep -Eq "^ws://127\.0\.0\.1:$PORT/compute/serial-console/$(os server show con-vm -f value -c id)\?token=[0-9a-f]{64}$" <<<"$CURL1" ||
		{ echo "url: $CURL1"; return 1; }
}
check "openstack console url show --serial: a ws:// URL with a one-time token" t_console_url
check "a websocket types a line into the guest's console and reads its answer" \
	"$WS" "$CURL1" "hello basalt" "fake-console: hello basalt"
t_used() { local out; out=$("$WS" "$CURL1" x x) && return 1; grep -q "^HTTP/1.1 401 " <<<"$out" || { echo "$out"; return 1; }; }
check "the same URL again: 401 (the token worked once)" t_used
t_other_server() {
	local u out
	u=$(console_url con-vm) || return 1
	u=${u/$(os server show con-vm -f value -c id)/$(os server show con-vm2 -f value -c id)}
	out=$("$WS" "$u" x x) && return 1
	grep -q "^HTTP/1.1 401 .*invalid or has expired" <<<"$out" || { echo "$out"; return 1; }
}
check "con-vm's token on con-vm2's URL: 401" t_other_server
t_expired() {
	local u out
	u=$(console_url con-vm) || return 1
	db_query "UPDATE console_token SET expires_at = 0 WHERE used_at IS NULL" || return 1
	out=$("$WS" "$u" x x) && return 1
	grep -q "^HTTP/1.1 401 " <<<"$out" || { echo "$out"; return 1; }
}
check "an expired token: 401" t_expired
t_other_project() {
	local u out tok
	os project create con-other >/dev/null && os user create --password pw-other --project con-other con-other >/dev/null &&
		os role add --project con-other --user con-other member || return 1
	tok=$(OS_USERNAME=con-other OS_PASSWORD=pw-other OS_PROJECT_NAME=con-other os token issue -f value -c id) || return 1
	u=$(console_url con-vm) || return 1
	out=$("$WS" "$u" x x "$tok") && return 1
	grep -q "^HTTP/1.1 403 " <<<"$out" || { echo "$out"; return 1; }
	# nor may it ask for one: another project's server is not found
	refused 404 "could not be found" os --os-username con-other --os-password pw-other \
		--os-project-name con-other console url show --serial con-vm
}
check "another project's user: its token refused (403), no URL for it (404)" t_other_project
t_remote_consoles_api() {
	local id tok
	id=$(os server show con-vm -f value -c id)
	tok=$(admin_token)
	http_refused 400 "^Unavailable console type vnc\.$" -X POST -H "X-Auth-Token: $tok" \
		-H "OpenStack-API-Version: compute 2.6" -H "Content-Type: application/json" \
		-d '{"remote_console": {"protocol": "vnc", "type": "novnc"}}' "$URL/compute/v2.1/servers/$id/remote-consoles" &&
		http_refused 404 "could not be found" -X POST -H "X-Auth-Token: $tok" \
			-H "OpenStack-API-Version: compute 2.5" -H "Content-Type: application/json" \
			-d '{"remote_console": {"protocol": "serial", "type": "serial"}}' "$URL/compute/v2.1/servers/$id/remote-consoles" &&
		curl -sf -X POST -H "X-Auth-Token: $tok" -H "OpenStack-API-Version: compute 2.6" \
			-H "Content-Type: application/json" -d '{"remote_console": {"protocol": "serial", "type": "serial"}}' \
			"$URL/compute/v2.1/servers/$id/remote-consoles" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["remote_console"]; assert r["protocol"]=="serial" and r["type"]=="serial" and r["url"].startswith("ws://"), r'
}
check "POST remote-consoles (2.6): serial only, 404 below 2.6" t_remote_consoles_api

t_stop() {
	kill "$CTRL_PID" && wait "$CTRL_PID"
	local rc=$?
	CTRL_PID=
	[ "$rc" -eq 0 ] || { echo "exit status $rc"; tail "$STATE/basaltd.log"; return 1; }
}
check "SIGTERM stops both roles cleanly (exit 0)" t_stop
