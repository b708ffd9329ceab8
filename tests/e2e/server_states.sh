#!/usr/bin/env bash
# tests/e2e/server_states.sh - the server actions through the real
# openstack CLI against a controller and one compute agent with the fake
# driver (no QEMU, no network: tests/hv/qemu_driver.sh and
# tests/e2e/compute_restart.sh drive the real hypervisor): lock/unlock
# with Nova's rules on locked servers, pause/unpause, suspend/resume,
# rescue/unrescue, rebuild (also of a stopped server), the instance
# actions with their events, server diagnostics (the agent reads the
# driver's figures when the desired state asks), and the refusals in
# Nova's words (a wrong state: 409; another project's server: 404; a
# locked one: 409; an admin's lock: 403 to the owner). An e2e tier, not a CLI one: a real
# compute agent runs in this namespace, and an agent sweeps the Basalt
# bridges it finds there (l2.c), so it runs alone (tests/run, or under
# /tmp/basalt-ns.lock).
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 29

AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE/agent.log"
	cleanup_controller
}
trap cleanup EXIT

start_controller || { not_ok "start controller"; exit 1; }
export OS_COMPUTE_API_VERSION=2.60
make_service_user || { not_ok "service user"; exit 1; }
agent_conf cmp-act fake "$STATE/agent.conf"
"$BASALTD" --config "$STATE/agent.conf" --role compute >>"$STATE/agent.log" 2>&1 &
AGENT_PID=$!

# The owner (alice, member of act-a) and another project's member (bob).
os project create act-a >/dev/null && os project create act-b >/dev/null &&
	os user create --password alice-pw act-alice >/dev/null &&
	os user create --password bob-pw act-bob >/dev/null &&
	os role add --project act-a --user act-alice member &&
	os role add --project act-b --user act-bob member || { not_ok "users"; exit 1; }
printf 'image bytes of act-img1' >"$STATE/img1" && printf 'image bytes of act-img2' >"$STATE/img2"
os image create --file "$STATE/img1" --disk-format raw --public act-img1 >/dev/null &&
	os image create --file "$STATE/img2" --disk-format raw --public act-img2 >/dev/null &&
	os flavor create --vcpus 1 --ram 64 --disk 1 act.tiny >/dev/null || { not_ok "fixtures"; exit 1; }
IMG2=$(os image show act-img2 -f value -c id)
alice() { OS_USERNAME=act-alice OS_PASSWORD=alice-pw OS_PROJECT_NAME=act-a os "$@"; }
bob() { OS_USERNAME=act-bob OS_PASSWORD=bob-pw OS_PROJECT_NAME=act-b os "$@"; }

t_agent_up() {
	for _ in $(seq 1 50); do
		os compute service list -f value -c Host -c State 2>/dev/null | grep -qx "cmp-act up" && return 0
		sleep 0.2
	done
	tail -20 "$STATE/agent.log"; return 1
}
check "fake compute agent registers" t_agent_up

status() { alice server show "$1" -f value -c status 2>/dev/null; }
# wait_status SERVER STATUS: the status (through the CLI) within 30 s.
wait_status() {
	local s
	for _ in $(seq 1 150); do
		s=$(status "$1")
		[ "$s" = "$2" ] && return 0
		sleep 0.2
	done
	echo "$1 is '$s' (task $(alice server show "$1" -f value -c OS-EXT-STS:task_state 2>/dev/null)), expected $2"
	tail -5 "$STATE/agent.log"; return 1
}
check "create --wait: ACTIVE" alice server create --image act-img1 --flavor act.tiny --nic none --wait act-vm
ID=$(alice server show act-vm -f value -c id)

# --- diagnostics (admins): asked of the host's agent, the fake's own figures ---
t_diag() {
	local out
	out=$(os server show --diagnostics "$ID" -f json) || return 1
	python3 -c 'import json,sys
d=json.loads(sys.argv[1])
want={"driver":"libvirt","hypervisor":"fake","hypervisor_os":"linux","state":"running",
      "num_cpus":1,"num_disks":1,"num_nics":0,"config_drive":False,
      "memory_details":{"maximum":64,"used":0},"nic_details":[],
      "cpu_details":[{"id":0,"time":0,"utilisation":None}]}
bad={k:(d.get(k),v) for k,v in want.items() if d.get(k)!=v}
if not isinstance(d.get("uptime"),int) or d["uptime"]<0: bad["uptime"]=d.get("uptime")
sys.exit("got, expected: %r" % bad if bad else 0)' "$out" || return 1
	grep -q '"seq"' "$STATE/cmp-act/instances/$ID/diagnostics.json"
}
check "server show --diagnostics (admin, 2.60): Nova's 2.48 format with the fake's figures, read by the agent" t_diag
t_diag_old() {
	local out
	out=$(os --os-compute-api-version 2.47 server show --diagnostics "$ID" -f json) || return 1
	python3 -c 'import json,sys
d=json.loads(sys.argv[1])
want={"cpu0_time":0,"memory":65536,"vda_errors":0,"vda_read":0,"vda_read_req":0,"vda_write":0,"vda_write_req":0}
sys.exit(0 if d==want else "got %r, expected %r" % (d,want))' "$out"
}
check "server show --diagnostics below 2.48: the libvirt driver's keys" t_diag_old
check_refused "diagnostics are admin's: the owner gets 403 in Nova's words" \
	403 "Policy doesn't allow os_compute_api:os-server-diagnostics to be performed" \
	alice server show --diagnostics act-vm

# --- lock ---
t_lock() {
	alice server lock act-vm || return 1
	expect_eq locked "$(alice server show act-vm -f value -c locked)" True
}
check "lock (owner): locked True" t_lock
check_refused "a locked server refuses the owner's stop: 409 'Instance X is locked'" \
	409 "Instance $ID is locked" alice server stop act-vm
check_refused "... and its delete" 409 "Instance $ID is locked" alice server delete act-vm
t_unlock() {
	alice server unlock act-vm || return 1
	expect_eq locked "$(alice server show act-vm -f value -c locked)" False
}
check "unlock (owner): locked False" t_unlock
t_admin_lock() {
	os server lock "$ID" || return 1
	refused 403 "os_compute_api:os-lock-server:unlock:unlock_override" alice server unlock act-vm || return 1
	os server unlock "$ID"
}
check "an admin's lock: the owner's unlock is 403 (unlock_override), the admin's works" t_admin_lock

# --- pause ---
t_pause() { alice server pause act-vm && wait_status act-vm PAUSED; }
check "pause: PAUSED" t_pause
check_refused "pause again: 409 in Nova's words" \
	409 "Cannot 'pause' instance $ID while it is in vm_state paused" alice server pause act-vm
# snapshot SERVER STATUS IMAGE: createImage of a server in STATUS (as Nova
# allows): the image goes active and the server is left as it was.
t_snapshot_in() {
	alice server image create --name "$3" --wait "$1" >/dev/null || return 1
	expect_eq "image status" "$(alice image show "$3" -f value -c status)" active &&
		expect_eq "server status" "$(alice server show "$1" -f value -c status)" "$2"
}
check "image create of a paused server: the image active, the server still PAUSED" \
	t_snapshot_in act-vm PAUSED act-snap-paused
check_refused "diagnostics of a paused server: 409 in Nova's words" \
	409 "Cannot 'get_diagnostics' instance $ID while it is in power state paused" \
	os server show --diagnostics "$ID"
t_unpause() { alice server unpause act-vm && wait_status act-vm ACTIVE; }
check "unpause: ACTIVE" t_unpause

# --- suspend ---
t_suspend() {
	alice server suspend act-vm && wait_status act-vm SUSPENDED || return 1
	expect_eq power_state "$(alice server show act-vm -f value -c OS-EXT-STS:power_state)" 7
}
check "suspend: SUSPENDED, power state 7 (Nova's SUSPENDED)" t_suspend
check "image create of a suspended server: the image active, the server still SUSPENDED" \
	t_snapshot_in act-vm SUSPENDED act-snap-susp
check_refused "unpause a suspended server: 409" \
	409 "Cannot 'unpause' instance $ID while it is in vm_state suspended" alice server unpause act-vm
t_resume() { alice server resume act-vm && wait_status act-vm ACTIVE; }
check "resume: ACTIVE" t_resume

# --- rescue ---
t_rescue() {
	alice server rescue --image act-img2 act-vm && wait_status act-vm RESCUE || return 1
	grep -q '"rescue":"' "$STATE/cmp-act/instances/$ID/fake.json" ||
		{ echo "the fake driver holds no rescue image:"; cat "$STATE/cmp-act/instances/$ID/fake.json"; return 1; }
}
check "rescue --image: RESCUE (the host boots the rescue image)" t_rescue
t_unrescue() {
	alice server unrescue act-vm && wait_status act-vm ACTIVE || return 1
	! grep -q '"rescue"' "$STATE/cmp-act/instances/$ID/fake.json"
}
check "unrescue: ACTIVE on its own disk" t_unrescue

# --- rebuild ---
t_rebuild() {
	local out
	out=$(alice server rebuild --image act-img2 --name act-vm2 --property k=v --wait act-vm -f value -c status) ||
		{ echo "$out"; return 1; }
	expect_eq status "$(status act-vm2)" ACTIVE || return 1
	expect_eq image "$(alice server show act-vm2 -f json | jfield image)" "act-img2 ($IMG2)" || return 1
	expect_eq properties "$(alice server show act-vm2 -f value -c properties)" "{'k': 'v'}" || return 1
	# the disk was made anew from the new image
	grep -q "$IMG2" "$STATE/cmp-act/instances/$ID/spec.json"
}
check "rebuild --image --name --property --wait: ACTIVE on the new image" t_rebuild
t_rebuild_stopped() {
	alice server stop act-vm2 && wait_status act-vm2 SHUTOFF || return 1
	alice server rebuild --image act-img1 act-vm2 >/dev/null || return 1
	wait_status act-vm2 SHUTOFF || return 1
	expect_eq task "$(alice server show act-vm2 -f value -c OS-EXT-STS:task_state)" None
}
check "rebuild of a stopped server: it stays SHUTOFF" t_rebuild_stopped
check_refused "pause of a stopped server: 409 in Nova's words" \
	409 "Cannot 'pause' instance $ID while it is in vm_state stopped" alice server pause act-vm2

# --- another project's server ---
check_refused "another project's member: pause is 404" \
	404 "No [Ss]erver (found for |with a name or ID of ')$ID" bob server pause "$ID"
check_refused "another project's member: lock is 404" \
	404 "No server with a name or ID of '$ID' exists" bob server lock "$ID"

# --- instance actions ---
t_events() {
	local want got
	got=$(alice server event list act-vm2 -f value -c Action | tac | tr '\n' ' ')
	want="create lock unlock lock unlock pause unpause suspend resume rescue unrescue rebuild stop rebuild "
	expect_eq "actions, oldest first" "$got" "$want"
}
check "server event list: every action, newest first" t_events
t_event_show() {
	local req out
	req=$(alice server event list act-vm2 -f value -c "Request ID" -c Action | awk '$2 == "pause" {print $1}')
	out=$(OS_COMPUTE_API_VERSION=2.60 alice server event show act-vm2 "$req" -f json) || return 1
	python3 -c 'import json,sys
d=json.loads(sys.argv[1]); e=d["events"]
assert d["action"] == "pause" and d["request_id"] == sys.argv[2], d
assert len(e) == 1 and e[0]["event"] == "compute_pause_instance" and e[0]["result"] == "Success" and e[0]["finish_time"], e' "$out" "$req"
}
check "server event show: the pause's compute_pause_instance event, Success" t_event_show

t_deleted() {
	alice server delete --wait act-vm2 || return 1
	local got
	got=$(OS_COMPUTE_API_VERSION=2.21 alice server event list "$ID" -f value -c Action | head -1)
	expect_eq "the deleted server's last action (2.21)" "$got" delete
}
check "delete: the deleted server's actions still list at 2.21, delete last" t_deleted
