#!/usr/bin/env bash
# tests/e2e/compute_restart.sh - the compute agent killed with SIGKILL at
# any instant converges again without touching VMs that should keep
# running (DESIGN.md section 2). A controller and one agent (QEMU under
# TCG, the test guest image) on this machine:
#   * vm1 boots; the agent is killed; vm2 is created while it is dead and
#     stays BUILD; the agent starts again: vm1's QEMU is the same process
#     (never restarted) and ACTIVE, vm2 boots, one QEMU per server;
#   * the agent is killed in the middle of vm3's spawn (best effort: as
#     soon as vm3's instance directory appears) and started again: vm3
#     ends ACTIVE with exactly one QEMU;
#   * vm2 is suspended and the agent is killed in the middle of it (as
#     soon as the state file is being written) and started again: vm2 ends
#     SUSPENDED with its state in one file and no QEMU; resume brings the
#     same guest back (QEMU restored from the file, no new boot), and the
#     instance actions hold one suspend and one resume, both Success;
#   * every server deleted with --wait: no QEMU, no instance directory.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 12

AGENT_PID=
INST=
# qemu_pids: every QEMU of this test (their command lines name files in
# this test's own temp dir), one pid per line.
qemu_pids() {
	[ -n "$INST" ] || return 0
	pgrep -f -- "-name guest=.*$INST/" 2>/dev/null
	local f
	for f in "$INST"/*/qemu.pid; do
		[ -f "$f" ] && grep -qs "guest=" "/proc/$(cat "$f" 2>/dev/null)/cmdline" 2>/dev/null &&
			tr -d '\n' <"$f" && echo
	done
}
cleanup() {
	local p
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	# VMs outlive their agent by design: the test kills what it started.
	for p in $(qemu_pids | sort -u); do kill -9 "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do [ -z "$(qemu_pids)" ] && break; sleep 0.1; done
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE/agent.log"
	cleanup_controller
}
trap cleanup EXIT

IMAGE=$BUILD/basalt-test.qcow2
[ -f "$IMAGE" ] || tools/mkimage "$IMAGE" >/dev/null 2>&1 || { not_ok "tools/mkimage"; exit 1; }

# service_down_time well above the time the agent is dead: the host stays
# up, so creates are scheduled to it meanwhile.
start_controller "[compute]
service_down_time = 60
heartbeat_interval = 2" || { not_ok "start controller"; exit 1; }
export OS_COMPUTE_API_VERSION=2.60
CAPI="$URL/compute/v2.1"
INST=$STATE/compute0/instances

make_service_user || { not_ok "service user"; exit 1; }

agent_conf compute0 qemu "$STATE/agent.conf"
start_agent() {
	echo "--- agent start $(date +%T.%N)" >>"$STATE/agent.log"
	"$BASALTD" --config "$STATE/agent.conf" --role compute >>"$STATE/agent.log" 2>&1 &
	AGENT_PID=$!
}
kill_agent() {
	kill -9 "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	echo "--- agent killed (SIGKILL) $(date +%T.%N)" >>"$STATE/agent.log"
	AGENT_PID=
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
IMAGE_ID=$(os image show basalt-test -f value -c id)
FLAVOR_ID=$(os flavor show m1.tiny -f value -c id)
ADMIN_TOKEN=$(admin_token)

# guest_pids ID: the pids whose command line names the server.
guest_pids() { pgrep -f -- "guest=$1" 2>/dev/null; }
start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
sid() { os server show "$1" -f value -c id; }
status() { os server show "$1" -f value -c status 2>/dev/null; }
# wait_status NAME STATUS SECONDS
wait_status() {
	local s deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		s=$(status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.5
	done
	echo "$1 is '$s' (task $(os server show "$1" -f value -c OS-EXT-STS:task_state 2>/dev/null)), expected $2"
	tail -15 "$STATE/agent.log"
	return 1
}
# wait_ready NAME: the guest's ready marker in the console log the API
# shows (the agent reports the console tail on its passes: up to ~30 s).
wait_ready() {
	local deadline=$((SECONDS + 90))
	while [ $SECONDS -lt $deadline ]; do
		os console log show "$1" 2>/dev/null | grep "basalt-guest: ready .*hostname=$1" >/dev/null && return 0
		sleep 1
	done
	echo "no ready marker for $1 in the API's console log; last lines:"
	os console log show "$1" 2>/dev/null | tail -5
	echo "console.log on disk:"
	tail -5 "$INST/$(sid "$1")/console.log" 2>/dev/null
	return 1
}
# one_qemu NAME: exactly one QEMU process for the server.
one_qemu() {
	local id n
	id=$(sid "$1") || return 1
	n=$(guest_pids "$id" | wc -l)
	expect_eq "QEMU processes for $1 ($id)" "$n" 1
}

t_vm1() {
	os server create --image basalt-test --flavor m1.tiny --nic none --config-drive True --wait vm1 \
		-f value -c status >"$STATE/vm1.out" 2>&1 || { cat "$STATE/vm1.out"; tail -20 "$STATE/agent.log"; return 1; }
	expect_eq status "$(status vm1)" ACTIVE && wait_ready vm1 && one_qemu vm1
}
check "vm1: create --wait ACTIVE, the ready marker on the console, one QEMU" t_vm1
VM1_ID=$(sid vm1)
VM1_PID=$(guest_pids "$VM1_ID" | head -1)
VM1_START=$(start_time "$VM1_PID")

t_dead_create() {
	[ -n "$VM1_PID" ] || { echo "no QEMU pid for vm1"; return 1; }
	kill_agent
	os server create --image basalt-test --flavor m1.tiny --nic none --config-drive True vm2 >/dev/null || return 1
	sleep 3
	expect_eq "vm2 status with the agent dead" "$(status vm2)" BUILD || return 1
	expect_eq "vm2's host" "$(os server show vm2 -f value -c OS-EXT-SRV-ATTR:host)" compute0 || return 1
	# nothing ran it
	[ -z "$(guest_pids "$(sid vm2)")" ] || { echo "a QEMU for vm2 with no agent"; return 1; }
	expect_eq "vm1 still runs its QEMU" "$(guest_pids "$VM1_ID" | head -1)" "$VM1_PID"
}
check "agent killed (SIGKILL): vm2 created meanwhile is scheduled and stays BUILD; vm1's QEMU runs on" t_dead_create

start_agent
t_vm2_after_restart() {
	wait_status vm2 ACTIVE 120 && wait_ready vm2 && one_qemu vm2
}
check "agent started again: vm2 reaches ACTIVE, its ready marker, one QEMU" t_vm2_after_restart

t_vm1_untouched() {
	local now
	now=$(guest_pids "$VM1_ID")
	expect_eq "vm1's QEMU pid(s) after the restart" "$now" "$VM1_PID" || return 1
	expect_eq "vm1's QEMU start time" "$(start_time "$VM1_PID")" "$VM1_START" || return 1
	expect_eq "vm1 status" "$(status vm1)" ACTIVE || return 1
	one_qemu vm1
}
check "vm1 untouched by the restart: same QEMU process (pid and start time), ACTIVE" t_vm1_untouched

# vm3: the agent dies in the middle of the spawn. The create goes through
# curl so it returns at once; the kill comes as soon as the agent has made
# vm3's instance directory (it holds its lock there while it spawns).
VM3_ID=
t_kill_mid_spawn() {
	local body before='' after='' watcher
	# The watcher starts before the create: it polls the instances
	# directory every 0.2 ms (20 s at most) and SIGKILLs the agent the
	# moment a new server directory appears, then says what it held.
	python3 - "$INST" "$AGENT_PID" >"$STATE/killpoint.raw" <<'PY' &
import os, signal, sys, time
inst, pid = sys.argv[1], int(sys.argv[2])
old = set(os.listdir(inst))
end = time.monotonic() + 20
new = []
while time.monotonic() < end:
    new = [e for e in os.listdir(inst) if e not in old and not e.startswith(("_", "."))]
    if new:
        break
    time.sleep(0.0002)
os.kill(pid, signal.SIGKILL)
try:
    print(" ".join(sorted(os.listdir(os.path.join(inst, new[0])))) if new else "(no directory)")
except OSError:
    print("(directory gone)")
PY
	watcher=$!
	sleep 0.3 # the watcher has listed what exists
	body=$(curl -s --max-time 30 -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' \
		-H 'OpenStack-API-Version: compute 2.60' "$CAPI/servers" \
		-d '{"server":{"name":"vm3","imageRef":"'"$IMAGE_ID"'","flavorRef":"'"$FLAVOR_ID"'","networks":"none","config_drive":true}}')
	VM3_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["server"]["id"])' <<<"$body") ||
		{ echo "create vm3: $body"; kill "$watcher"; return 1; }
	wait "$watcher"
	kill_agent
	before=$(cat "$STATE/killpoint.raw")
	after=$(ls "$INST/$VM3_ID" 2>/dev/null | tr '\n' ' ')
	# where the kill landed, for the log
	echo "# agent killed with vm3's directory holding [$before] (then [$after]), $(guest_pids "$VM3_ID" | wc -l) QEMU for vm3" |
		tee "$STATE/killpoint"
	[ -d "$INST/$VM3_ID" ] || { echo "the agent never started vm3's spawn"; return 1; }
	start_agent
	wait_status vm3 ACTIVE 120 && wait_ready vm3 && one_qemu vm3
}
check "agent killed mid-spawn of vm3, started again: vm3 ACTIVE with exactly one QEMU" t_kill_mid_spawn
cat "$STATE/killpoint" 2>/dev/null # where the kill landed (best effort)

t_all_one_qemu() {
	local n bad=0 v
	for v in vm1 vm2 vm3; do one_qemu "$v" || bad=1; done
	expect_eq "vm1 QEMU pid at the end" "$(guest_pids "$VM1_ID")" "$VM1_PID" || bad=1
	n=$(qemu_pids | sort -u | wc -l)
	expect_eq "QEMU processes of this test" "$n" 3 || bad=1
	return $bad
}
check "after both kills: one QEMU per server, three in all, vm1's the original" t_all_one_qemu

# vm2: the agent dies in the middle of a suspend (while QEMU writes the
# state file) and is started again.
t_kill_mid_suspend() {
	local id watcher before
	id=$(sid vm2)
	python3 - "$INST/$id/suspend.state.tmp" "$AGENT_PID" >"$STATE/killpoint2.raw" <<'PY' &
import os, signal, sys, time
tmp, pid = sys.argv[1], int(sys.argv[2])
end = time.monotonic() + 60
while time.monotonic() < end and not os.path.exists(tmp):
    time.sleep(0.0002)
os.kill(pid, signal.SIGKILL)
print("state file being written" if os.path.exists(tmp) else "(no state file seen)")
PY
	watcher=$!
	sleep 0.3
	VM2_READY=$(grep -c "basalt-guest: ready" "$INST/$id/console.log")
	os server suspend vm2 || { kill "$watcher"; return 1; }
	wait "$watcher"
	kill_agent
	before=$(cat "$STATE/killpoint2.raw")
	echo "# agent killed mid-suspend: $before; $(guest_pids "$id" | wc -l) QEMU for vm2" | tee "$STATE/killpoint2"
	start_agent
	wait_status vm2 SUSPENDED 120 || return 1
	[ -z "$(guest_pids "$id")" ] || { echo "a QEMU for the suspended vm2: $(guest_pids "$id")"; return 1; }
	[ -s "$INST/$id/suspend.state" ] || { echo "no state file"; ls -la "$INST/$id"; return 1; }
	[ ! -e "$INST/$id/suspend.state.tmp" ] || { echo "a temp state file left"; return 1; }
}
check "agent killed mid-suspend of vm2, started again: SUSPENDED, its state in one file, no QEMU" t_kill_mid_suspend
cat "$STATE/killpoint2" 2>/dev/null

t_resume() {
	local id pid
	id=$(sid vm2)
	os server resume vm2 && wait_status vm2 ACTIVE 120 && one_qemu vm2 || return 1
	pid=$(guest_pids "$id")
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-incoming fd:" ||
		{ echo "vm2's QEMU was not restored from its state"; return 1; }
	[ ! -e "$INST/$id/suspend.state" ] || { echo "the state file is left"; return 1; }
	expect_eq "vm2's ready markers (no new boot)" "$(grep -c "basalt-guest: ready" "$INST/$id/console.log")" "$VM2_READY" || return 1
	# one suspend and one resume recorded, both carried out
	os server event list vm2 -f value -c Action | sort | uniq -c | grep -E ' (suspend|resume)$' >"$STATE/ev" &&
		expect_eq "suspend/resume actions" "$(awk '{print $1 $2}' "$STATE/ev" | tr '\n' ' ')" "1resume 1suspend " || return 1
	local req
	for req in $(os server event list vm2 -f value -c "Request ID" -c Action | awk '$2 == "suspend" || $2 == "resume" {print $1}'); do
		expect_eq "event result" "$(os server event show vm2 "$req" -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"][0]["result"])')" Success || return 1
	done
}
check "resume: vm2 ACTIVE, its QEMU restored from the state file (no new boot), one suspend and one resume, both Success" t_resume

t_delete_all() {
	local v ids=()
	for v in vm1 vm2 vm3; do ids+=("$(sid "$v")"); done
	os server delete --wait vm1 vm2 vm3 || return 1
	for v in vm1 vm2 vm3; do
		refused 404 "No server with a name or ID of '$v' exists" os server show "$v" || return 1
	done
	for v in "${ids[@]}"; do
		[ -z "$(guest_pids "$v")" ] || { echo "QEMU left for $v"; return 1; }
		[ ! -e "$INST/$v" ] || { echo "instance directory left: $INST/$v"; return 1; }
	done
	[ -z "$(qemu_pids)" ] || { echo "QEMU left: $(qemu_pids)"; return 1; }
	local left
	left=$(find "$INST" -mindepth 1 -maxdepth 1 ! -name '_*' ! -name '.*' 2>/dev/null)
	[ -z "$left" ] || { echo "left in $INST: $left"; return 1; }
	expect_eq vcpus_used "$(os hypervisor show compute0 -f value -c vcpus_used)" 0
}
check "delete --wait of all three: no QEMU, no instance directories, no allocation" t_delete_all
