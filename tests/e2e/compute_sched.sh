#!/usr/bin/env bash
# tests/e2e/compute_sched.sh - scheduling across two compute hosts: a
# controller and two compute agents (cmp1, cmp2) with the fake driver on
# this machine. The controller's ram_allocation_ratio makes each host hold
# exactly three servers of a flavor sized from what `hypervisor show`
# reports. Six creates sent at once all land, three per host; a seventh
# finds no valid host; usage never exceeds capacity; a delete frees room
# for a new server on the freed host; the instances quota answers 403 as
# Nova does.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 13

RATIO=0.01 # of this machine's RAM: a few hundred MB of "capacity" per host
AGENT_PIDS=()
cleanup() {
	local p
	for p in "${AGENT_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE"/agent-*.log
	cleanup_controller
}
trap cleanup EXIT

start_controller "[compute]
service_down_time = 20
heartbeat_interval = 2
ram_allocation_ratio = $RATIO
reserved_host_memory_mb = 0" || { not_ok "start controller"; exit 1; }
export OS_COMPUTE_API_VERSION=2.60
CAPI="$URL/compute/v2.1"

make_service_user || { not_ok "service user"; exit 1; }

start_agent() { # HOST
	agent_conf "$1" fake "$STATE/agent-$1.conf"
	"$BASALTD" --config "$STATE/agent-$1.conf" --role compute >>"$STATE/agent-$1.log" 2>&1 &
	AGENT_PIDS+=($!)
}
start_agent cmp1
start_agent cmp2

t_agents_up() {
	local out
	for _ in $(seq 1 50); do
		out=$(os compute service list -f value -c Host -c State 2>/dev/null)
		grep -qx "cmp1 up" <<<"$out" && grep -qx "cmp2 up" <<<"$out" && return 0
		sleep 0.2
	done
	echo "$out"; tail -20 "$STATE"/agent-*.log
	return 1
}
check "two fake compute agents register and show up" t_agents_up || true

# --- sizing: exactly three servers of the flavor per host ---
MEM=$(os hypervisor show cmp1 -f value -c memory_mb)
MEM2=$(os hypervisor show cmp2 -f value -c memory_mb)
# placement's capacity: (memory_mb - reserved) x ratio; three fit, four not
read -r CAP RAM <<<"$(python3 -c "
m=int('${MEM:-0}'); cap=(m-0)*$RATIO; r=int(cap//3)
print(int(cap), r)")"
t_sizing() {
	[ "${MEM:-0}" -gt 0 ] 2>/dev/null || { echo "memory_mb of cmp1: '$MEM'"; return 1; }
	expect_eq "cmp2 memory_mb (same machine)" "$MEM2" "$MEM" || return 1
	python3 -c "cap=($MEM-0)*$RATIO; r=$RAM; assert r >= 16 and 3*r <= cap < 4*r, (cap, r)" || return 1
	echo "# memory_mb $MEM, capacity $CAP MB per host, flavor ram $RAM MB"
}
check "hypervisor show reports memory_mb; a flavor of 1/3 of the capacity" t_sizing

qemu-img create -q -f qcow2 "$STATE/tiny.qcow2" 16M >/dev/null 2>&1 ||
	{ not_ok "qemu-img create"; exit 1; }
check "image create (a small qcow2)" \
	os image create --file "$STATE/tiny.qcow2" --disk-format qcow2 --container-format bare --public tiny
check "flavor create (a third of a host)" os flavor create --vcpus 1 --ram "$RAM" --disk 1 s.third
IMAGE_ID=$(os image show tiny -f value -c id)
FLAVOR_ID=$(os flavor show s.third -f value -c id)

# A tenant: project sched, member sam. Creates go with sam's token.
os project create sched >/dev/null &&
	os user create --password sam-pw sam >/dev/null &&
	os role add --project sched --user sam member ||
	{ not_ok "project sched and member sam"; exit 1; }
SAM_TOKEN=$(curl -si -H 'Content-Type: application/json' "$URL/v3/auth/tokens" -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"sam","domain":{"id":"default"},"password":"sam-pw"}}},"scope":{"project":{"name":"sched","domain":{"id":"default"}}}}}' |
	tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
ADMIN_TOKEN=$(admin_token)
[ -n "$SAM_TOKEN" ] && [ -n "$ADMIN_TOKEN" ] || { not_ok "tokens"; exit 1; }

# create_req NAME OUTFILE: POST /servers as sam; OUTFILE gets the body,
# OUTFILE.code the status.
create_req() {
	curl -s --max-time 30 -o "$2" -w '%{http_code}' \
		-H "X-Auth-Token: $SAM_TOKEN" -H 'Content-Type: application/json' \
		-H 'OpenStack-API-Version: compute 2.60' "$CAPI/servers" \
		-d '{"server":{"name":"'"$1"'","imageRef":"'"$IMAGE_ID"'","flavorRef":"'"$FLAVOR_ID"'","networks":"none"}}' \
		>"$2.code"
}
# server_get ID KEY...: the server's fields (admin view), one per line.
server_get() {
	local id=$1; shift
	curl -s --max-time 10 -H "X-Auth-Token: $ADMIN_TOKEN" -H 'OpenStack-API-Version: compute 2.60' \
		"$CAPI/servers/$id" | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["server"]
except Exception:
    print("<no server>"); sys.exit(0)
for k in sys.argv[1:]:
    v = s.get(k)
    if k == "fault":
        v = (v or {}).get("message")
    print(v)' "$@"
}
# used_mb HOST: memory_mb_used of the hypervisor.
used_mb() { os hypervisor show "$1" -f value -c memory_mb_used; }
# usage_ok: neither host's memory_mb_used exceeds its capacity.
usage_ok() {
	local h u
	for h in cmp1 cmp2; do
		u=$(used_mb "$h") || { echo "hypervisor show $h failed"; return 1; }
		[ "$u" -le "$CAP" ] || { echo "$h memory_mb_used $u > capacity $CAP"; return 1; }
	done
}
# wait_status ID STATUS [SECONDS]
wait_status() {
	local s deadline=$((SECONDS + ${3:-60}))
	while [ $SECONDS -lt $deadline ]; do
		s=$(server_get "$1" status)
		[ "$s" = "$2" ] && return 0
		sleep 0.2
	done
	echo "$1 is $s, expected $2"
	return 1
}

# --- six at once ---
IDS=()
t_six() {
	local i pids=() code id bad=0
	for i in 1 2 3 4 5 6; do
		create_req "sched-$i" "$STATE/create-$i.json" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3 4 5 6; do
		code=$(cat "$STATE/create-$i.json.code")
		id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["server"]["id"])' <"$STATE/create-$i.json" 2>/dev/null)
		[ "$code" = 202 ] && [ -n "$id" ] || { echo "create sched-$i: $code $(cat "$STATE/create-$i.json")"; bad=1; }
		[ -n "$id" ] && IDS+=("$id")
	done
	return $bad
}
check "six concurrent POST /servers (sam, networks none, 2.60) all answer 202" t_six
# (check runs its function in this shell: IDS keeps what t_six found)

t_six_active() {
	local id bad=0
	[ ${#IDS[@]} -eq 6 ] || { echo "only ${#IDS[@]} servers created"; return 1; }
	for id in "${IDS[@]}"; do
		wait_status "$id" ACTIVE 60 || bad=1
		usage_ok || bad=1
	done
	return $bad
}
check "all six reach ACTIVE (usage within capacity while they build)" t_six_active

t_spread() {
	local id h n1=0 n2=0
	for id in "${IDS[@]}"; do
		h=$(server_get "$id" OS-EXT-SRV-ATTR:host)
		case $h in cmp1) n1=$((n1 + 1)) ;; cmp2) n2=$((n2 + 1)) ;; *) echo "$id on '$h'" ;; esac
	done
	expect_eq "servers on cmp1/cmp2" "$n1/$n2" "3/3"
}
check "the six are spread 3/3 over cmp1 and cmp2 (OS-EXT-SRV-ATTR:host)" t_spread

t_full_usage() {
	expect_eq "cmp1 memory_mb_used" "$(used_mb cmp1)" "$((3 * RAM))" &&
		expect_eq "cmp2 memory_mb_used" "$(used_mb cmp2)" "$((3 * RAM))" &&
		expect_eq "cmp1 running_vms" "$(os hypervisor show cmp1 -f value -c running_vms)" 3 &&
		usage_ok
}
check "hypervisor show: memory_mb_used = 3 x flavor ram on each, within capacity" t_full_usage

SEVENTH=
t_seventh() {
	local code fault
	create_req sched-7 "$STATE/create-7.json"
	code=$(cat "$STATE/create-7.json.code")
	SEVENTH=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["server"]["id"])' <"$STATE/create-7.json" 2>/dev/null)
	expect_eq "create sched-7 status" "$code" 202 || { cat "$STATE/create-7.json"; return 1; }
	wait_status "$SEVENTH" ERROR 20 || return 1
	fault=$(server_get "$SEVENTH" fault)
	case $fault in "No valid host was found"*) ;; *) echo "fault message: '$fault'"; return 1 ;; esac
	[ "$(server_get "$SEVENTH" OS-EXT-SRV-ATTR:host)" = None ] || { echo "ERROR server has a host"; return 1; }
	usage_ok
}
check "a seventh goes ERROR: fault 'No valid host was found', no host, no usage change" t_seventh

# Delete one server on cmp1: a new one goes ACTIVE there.
t_free_and_reuse() {
	local id victim='' h new
	for id in "${IDS[@]}"; do
		[ "$(server_get "$id" OS-EXT-SRV-ATTR:host)" = cmp1 ] && { victim=$id; break; }
	done
	[ -n "$victim" ] || { echo "no server on cmp1"; return 1; }
	os server delete --wait "$victim" || return 1
	[ "$(http_status "$ADMIN_TOKEN" "/compute/v2.1/servers/$victim")" = 404 ] ||
		{ echo "deleted server still answers"; return 1; }
	expect_eq "cmp1 memory_mb_used after delete" "$(used_mb cmp1)" "$((2 * RAM))" || return 1
	local keep=()
	for id in "${IDS[@]}"; do [ "$id" = "$victim" ] || keep+=("$id"); done
	IDS=("${keep[@]}")
	create_req sched-8 "$STATE/create-8.json"
	expect_eq "create sched-8 status" "$(cat "$STATE/create-8.json.code")" 202 ||
		{ cat "$STATE/create-8.json"; return 1; }
	new=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["server"]["id"])' <"$STATE/create-8.json")
	IDS+=("$new")
	wait_status "$new" ACTIVE 30 || return 1
	h=$(server_get "$new" OS-EXT-SRV-ATTR:host)
	expect_eq "host of the new server" "$h" cmp1 && usage_ok
}
check "delete --wait frees room: a new server goes ACTIVE on the freed host" t_free_and_reuse

t_quota() {
	local code msg
	os quota set --instances 3 sched || return 1
	create_req sched-9 "$STATE/create-9.json"
	code=$(cat "$STATE/create-9.json.code")
	expect_eq "create over quota status" "$code" 403 || { cat "$STATE/create-9.json"; return 1; }
	msg=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["forbidden"]["message"])' <"$STATE/create-9.json") ||
		{ echo "body: $(cat "$STATE/create-9.json")"; return 1; }
	case $msg in "Quota exceeded for instances"*) ;; *) echo "message: '$msg'"; return 1 ;; esac
	echo "# $msg"
	# Nothing was recorded for the refused create.
	local names; names=$(os server list --all-projects -f value -c Name) || return 1
	! grep -x sched-9 <<<"$names" >/dev/null ||
		{ echo "refused server listed"; return 1; }
}
check "instances quota below the count: create answers 403 'Quota exceeded for instances ...'" t_quota

t_quota_lifted() {
	os quota set --instances 20 sched || return 1
	create_req sched-10 "$STATE/create-10.json"
	# no room on either host now: accepted, then ERROR (not 403)
	expect_eq "create after raising quota" "$(cat "$STATE/create-10.json.code")" 202 ||
		{ cat "$STATE/create-10.json"; return 1; }
}
check "raising the quota lets creates through again" t_quota_lifted

# Each host's usage counters (what the scheduler reads) equal the sum of
# its allocations after every create, failure and delete above.
t_usage_consistent() {
	local bad
	bad=$(db_query "SELECT name FROM host h WHERE
		vcpus_used <> (SELECT COALESCE(SUM(vcpus), 0) FROM allocation a WHERE a.host = h.name) OR
		memory_mb_used <> (SELECT COALESCE(SUM(memory_mb), 0) FROM allocation a WHERE a.host = h.name) OR
		disk_gb_used <> (SELECT COALESCE(SUM(disk_gb), 0) FROM allocation a WHERE a.host = h.name) OR
		servers <> (SELECT COUNT(*) FROM allocation a WHERE a.host = h.name)") || return 1
	[ -z "$bad" ] || { echo "hosts whose usage drifted: $bad"; return 1; }
	[ "$(db_query "SELECT SUM(servers) FROM host")" -gt 0 ]
}
check "host usage counters equal the sum of allocations" t_usage_consistent
