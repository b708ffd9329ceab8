#!/usr/bin/env bash
# tests/cli/openstack_server_actions.sh - resize (confirm, revert, and
# the migration list of os-migrations),
# snapshot (server image create, then a server booted from it), backup
# (server backup create, with rotation), several
# servers in one create, access IPs, server tags and the usage of all those servers
# (os-simple-tenant-usage), through the real `openstack` CLI
# against a controller and one compute agent with the fake driver (its
# disk is the base image: the snapshot is a real qemu-img convert). The
# agent is killed in the middle of a resize, a revert and a snapshot (the
# fault injection BASALT_HV_CRASH_AT=<step> makes it SIGKILL itself at
# that step, as kill -9 would, with no timing involved); restarted, it
# finishes the work: nothing lost, nothing doubled, no half image.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 18

AGENT_PID=
stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	return 0
}
trap 'stop_agent; [ -n "${STATE:-}" ] && sanitizer_free "$STATE"/agent.log; cleanup_controller' EXIT

start_controller || { not_ok "start controller"; exit 1; }
export OS_COMPUTE_API_VERSION=2.60
CAPI="$URL/compute/v2.1"
make_service_user || { not_ok "service user"; exit 1; }
TOKEN=$(admin_token)
agent_conf cmp-r fake "$STATE/agent.conf"
INST=$STATE/cmp-r/instances

# start_agent [CRASH_AT]: the agent, optionally told to die at a step.
start_agent() {
	BASALT_HV_CRASH_AT=${1:-} "$BASALTD" --config "$STATE/agent.conf" --role compute \
		>>"$STATE/agent.log" 2>&1 &
	AGENT_PID=$!
}
# agent_died: the agent killed itself at its crash point (within 60 s).
agent_died() {
	for _ in $(seq 1 300); do
		kill -0 "$AGENT_PID" 2>/dev/null || { wait "$AGENT_PID"; AGENT_PID=; return 0; }
		sleep 0.2
	done
	echo "the agent did not reach its crash point"; tail -5 "$STATE/agent.log"
	return 1
}
# api GET_PATH EXPR: a compute API value, read with curl (the CLI is for
# the user's commands; polling through it costs seconds per call).
api() {
	[ -n "$TOKEN" ] || TOKEN=$(admin_token)
	curl -s --max-time 10 -H "X-Auth-Token: $TOKEN" -H 'OpenStack-API-Version: compute 2.60' \
		"$CAPI$1" | python3 -c "import json,sys
try: d=json.load(sys.stdin); v=$2
except Exception as e: v='<%s>' % e
print(v)"
}
# wait_field NAME FIELD VALUE: the server's FIELD becomes VALUE (60 s).
wait_field() {
	local v
	for _ in $(seq 1 300); do
		v=$(api "/servers/detail?name=$1" "[s.get('$2') for s in d['servers'] if s['name']=='$1'][0]")
		[ "$v" = "$3" ] && return 0
		sleep 0.2
	done
	echo "server $1: $2 is '$v', expected '$3'"; tail -5 "$STATE/agent.log"
	return 1
}
# call METHOD PATH [JSON]: a request as admin (fixtures); prints the body.
call() {
	[ -n "$TOKEN" ] || TOKEN=$(admin_token)
	curl -s --max-time 30 -X "$1" -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		-H 'OpenStack-API-Version: compute 2.60' "$URL$2" ${3:+-d "$3"}
}
flavor() { # NAME VCPUS RAM DISK
	call POST /compute/v2.1/flavors \
		"{\"flavor\": {\"name\": \"$1\", \"id\": \"$1\", \"vcpus\": $2, \"ram\": $3, \"disk\": $4}}" |
		grep -q "\"$1\""
}
# wait_gone NAME: no server of that name is left (60 s).
wait_gone() {
	for _ in $(seq 1 300); do
		[ "$(api "/servers?name=$1" "len([s for s in d['servers'] if s['name']=='$1'])")" = 0 ] && return 0
		sleep 0.2
	done
	echo "server $1 is still there"; return 1
}
# used RESOURCE: the hypervisor's use of it (vcpus_used, memory_mb_used).
used() { api /os-hypervisors/detail "[h['$1'] for h in d['hypervisors'] if h['hypervisor_hostname']=='cmp-r'][0]"; }

start_agent
t_up() {
	for _ in $(seq 1 100); do
		os compute service list -f value -c Host -c State 2>/dev/null | grep -qx "cmp-r up" &&
			return 0
		sleep 0.2
	done
	tail -20 "$STATE/agent.log"; return 1
}
check "the fake compute agent registers" t_up

truncate -s 4M "$STATE/base.raw"
BASE=$(call POST /image/v2/images '{"name": "base", "disk_format": "raw", "container_format": "bare", "visibility": "public", "hw_test": "kept"}' | jfield id)
curl -s --max-time 30 -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$STATE/base.raw" "$URL/image/v2/images/$BASE/file" &&
	flavor r.small 1 64 1 && flavor r.big 2 128 2 &&
	flavor r.bigger 2 256 2 || { not_ok "image and flavors"; exit 1; }

# --- several servers in one create; access IPs ---
t_multi() {
	os server create --image base --flavor r.small --nic none --min 2 --max 3 rm >/dev/null ||
		return 1
	local names; names=$(api '/servers?name=rm-' "' '.join(sorted(s['name'] for s in d['servers']))")
	expect_eq names "$names" "rm-1 rm-2 rm-3" || return 1
	for n in rm-1 rm-2 rm-3; do wait_field "$n" status ACTIVE || return 1; done
	os server delete rm-1 rm-2 rm-3 && wait_gone rm-1 && wait_gone rm-2 && wait_gone rm-3
}
check "server create --min 2 --max 3: rm-1..rm-3, all ACTIVE" t_multi

os server create --image base --flavor r.small --nic none rs >/dev/null && wait_field rs status ACTIVE >/dev/null ||
	{ not_ok "server rs"; exit 1; }
RS=$(api '/servers?name=rs' "[s['id'] for s in d['servers'] if s['name']=='rs'][0]")
t_access() {
	curl -s -o /dev/null --max-time 10 -X PUT -H "X-Auth-Token: $(admin_token)" \
		-H 'Content-Type: application/json' "$CAPI/servers/$RS" \
		-d '{"server": {"accessIPv4": "192.0.2.5", "accessIPv6": "2001:db8::5"}}' || return 1
	os server show rs -f json -c accessIPv4 -c accessIPv6 >"$STATE/ip.json" || return 1
	expect_eq accessIPv4 "$(jfield accessIPv4 <"$STATE/ip.json")" 192.0.2.5 &&
		expect_eq accessIPv6 "$(jfield accessIPv6 <"$STATE/ip.json")" 2001:db8::5
}
check "accessIPv4/accessIPv6 set by update show in server show" t_access

# --- server tags (2.26): set adds each tag (PUT .../tags/TAG), unset
# deletes each, list --tags / --not-tags filter (comma lists, all of) ---
t_tags() {
	os --debug server set --tag blue --tag green rs >/dev/null 2>"$STATE/tags.debug" || return 1
	grep -q "PUT $CAPI/servers/$RS/tags/blue" "$STATE/tags.debug" || {
		echo "no PUT .../tags/blue in the client's requests"; return 1; }
	expect_eq tags "$(os server show rs -f json -c tags | jfield tags)" '["blue", "green"]' || return 1
	expect_eq "list --tags blue --tags green" \
		"$(os server list --tags blue --tags green -f value -c Name)" rs || return 1
	expect_eq "list --tags blue --tags red" "$(os server list --tags blue --tags red -f value -c Name)" "" ||
		return 1
	expect_no_line "list --not-tags green" "$(os server list --not-tags green -f value -c Name)" rs || return 1
	os server unset --tag blue rs || return 1
	expect_eq "tags after unset" "$(os server show rs -f json -c tags | jfield tags)" '["green"]' || return 1
	expect_line "list --not-tags blue" "$(os server list --not-tags blue -f value -c Name)" rs || return 1
	os server unset --tag green rs &&
		expect_eq "no tags" "$(os server show rs -f json -c tags | jfield tags)" '[]'
}
check "server set --tag, show, list --tags/--not-tags, unset --tag (2.26's tags)" t_tags

# --- scheduler hints (one host: same_host fits, different_host cannot) ---
t_hints() {
	os server create --image base --flavor r.small --nic none --hint "same_host=$RS" rh >/dev/null &&
		os server create --image base --flavor r.small --nic none --hint "different_host=$RS" \
			rd >/dev/null || return 1
	wait_field rh status ACTIVE && wait_field rh OS-EXT-SRV-ATTR:host cmp-r &&
		wait_field rd status ERROR || return 1
	expect_eq fault "$(api '/servers/detail?name=rd' "[s['fault']['message'] for s in d['servers']][0]")" \
		"No valid host was found. There are not enough hosts available." || return 1
	os server delete rh rd && wait_gone rh && wait_gone rd
}
check "server create --hint same_host=rs: ACTIVE on rs's host; --hint different_host=rs: ERROR, no valid host" t_hints

# --- resize ---
check_refused "resize to the same flavor: 400 in Nova's words" 400 \
	"When resizing, instances must change flavor!" os server resize --flavor r.small rs
# (a smaller disk, confirm or revert of a server not resized: API cases
# 36-compute-resize-snapshot)

t_resize_confirm() {
	local v0 m0; v0=$(used vcpus_used) m0=$(used memory_mb_used)
	os server resize --flavor r.big rs || return 1
	wait_field rs status VERIFY_RESIZE || return 1
	# both claims held on the host until the resize is confirmed
	expect_eq "vcpus_used while VERIFY_RESIZE" "$(used vcpus_used)" $((v0 + 2)) || return 1
	expect_eq flavor "$(api "/servers/$RS" "d['server']['flavor']['vcpus']")" 2 || return 1
	python3 -c "import json;s=json.load(open('$INST/$RS/spec.json'));assert (s['vcpus'],s['ram_mb'],s['disk_gb'])==(2,128,2),s" ||
		return 1
	os server resize confirm rs || return 1
	wait_field rs status ACTIVE || return 1
	expect_eq "vcpus_used after confirm" "$(used vcpus_used)" $((v0 + 1)) &&
		expect_eq "memory_mb_used after confirm" "$(used memory_mb_used)" $((m0 + 64)) || return 1
	# the agent drops the disk it kept
	for _ in $(seq 1 100); do [ -e "$INST/$RS/spec.orig.json" ] || return 0; sleep 0.2; done
	echo "spec.orig.json still kept"; return 1
}
check "resize to VERIFY_RESIZE (both claims held), confirm: ACTIVE on the new flavor, old claim freed" t_resize_confirm

os server create --image base --flavor r.small --nic none rv >/dev/null && wait_field rv status ACTIVE >/dev/null ||
	{ not_ok "server rv"; exit 1; }
RV=$(api '/servers?name=rv' "[s['id'] for s in d['servers'] if s['name']=='rv'][0]")
t_resize_revert() {
	local v0; v0=$(used vcpus_used)
	os server resize --flavor r.big rv && wait_field rv status VERIFY_RESIZE || return 1
	os server resize revert rv || return 1
	wait_field rv status ACTIVE || return 1
	expect_eq flavor "$(api "/servers/$RV" "d['server']['flavor']['original_name']")" r.small || return 1
	expect_eq "vcpus_used after revert" "$(used vcpus_used)" "$v0" || return 1
	python3 -c "import json;s=json.load(open('$INST/$RV/spec.json'));assert (s['vcpus'],s['ram_mb'])==(1,64),s"
}
check "resize then revert: ACTIVE on the old flavor, the agent's spec back, one claim" t_resize_revert
t_migration_list() {
	local out
	out=$(os server migration list --server rv -f json) || return 1
	python3 -c 'import json,sys
rows=json.loads(sys.argv[1])
want={"Status":"reverted","Type":"resize","Source Compute":"cmp-r","Dest Compute":"cmp-r","Server UUID":sys.argv[2]}
sys.exit(0 if len(rows)==1 and all(rows[0].get(k)==v for k,v in want.items()) and rows[0].get("UUID") else "got %r" % rows)' "$out" "$RV"
}
check "server migration list --server: rv's resize, type resize, reverted, on cmp-r (os-migrations)" t_migration_list

# --- kill -9 in the middle ---
t_kill_resize() {
	local v0; v0=$(used vcpus_used)
	stop_agent
	start_agent resize-kept
	os server resize --flavor r.big rv || return 1
	agent_died || return 1
	wait_field rv status RESIZE || return 1
	start_agent
	wait_field rv status VERIFY_RESIZE || return 1
	os server resize confirm rv || return 1
	wait_field rv status ACTIVE || return 1
	expect_eq "vcpus_used" "$(used vcpus_used)" $((v0 + 1)) || return 1
	python3 -c "import json;s=json.load(open('$INST/$RV/spec.json'));assert (s['vcpus'],s['ram_mb'])==(2,128),s"
}
check "agent killed in the middle of a resize: restarted, it finishes; confirm leaves one claim" t_kill_resize

t_kill_revert() {
	os server resize --flavor r.bigger rv && wait_field rv status VERIFY_RESIZE || return 1
	stop_agent
	start_agent revert-disk
	os server resize revert rv || return 1
	agent_died || return 1
	start_agent
	wait_field rv status ACTIVE || return 1
	expect_eq flavor "$(api "/servers/$RV" "d['server']['flavor']['original_name']")" r.big || return 1
	python3 -c "import json;s=json.load(open('$INST/$RV/spec.json'));assert (s['vcpus'],s['ram_mb'])==(2,128),s" &&
		[ ! -e "$INST/$RV/spec.orig.json" ] && [ ! -e "$INST/$RV/disk.orig" ]
}
check "agent killed in the middle of a revert: restarted, the old flavor is back, nothing kept" t_kill_revert

# --- snapshot ---
t_snapshot() {
	os server image create --name rs-snap rs >/dev/null || return 1
	wait_field rs OS-EXT-STS:task_state None || return 1
	call GET '/image/v2/images?name=rs-snap' >"$STATE/snap.json" || return 1
	python3 - "$STATE/snap.json" "$RS" "$BASE" "$(api /servers/$RS "d['server']['tenant_id']")" <<'PY' || return 1
import json, sys
i = json.load(open(sys.argv[1]))["images"][0]
p = i
assert i["status"] == "active" and i["disk_format"] == "qcow2", i
assert p.get("image_type") == "snapshot" and p.get("instance_uuid") == sys.argv[2], p
assert p.get("base_image_ref") == sys.argv[3] and p.get("hw_test") == "kept", p
assert i["owner"] == sys.argv[4] and i["visibility"] == "private", i
PY
	wait_field rs status ACTIVE || return 1
	wait_field rs OS-EXT-STS:task_state None
}
check "server image create: an active qcow2 image with Nova's properties, owned by the server's project" t_snapshot

t_boot_snapshot() {
	os server create --image rs-snap --flavor r.big --nic none from-snap >/dev/null &&
		wait_field from-snap status ACTIVE
}
check "a server boots from the snapshot" t_boot_snapshot

t_kill_snapshot() {
	stop_agent
	start_agent snapshot-upload
	os server image create --name rs-snap2 rs >/dev/null || return 1
	agent_died || return 1
	local img; img=$(call GET '/image/v2/images?name=rs-snap2' | python3 -c 'import json,sys; print(json.load(sys.stdin)["images"][0]["id"])')
	expect_eq "image before the restart" "$(call GET /image/v2/images/$img | jfield status)" queued ||
		return 1
	start_agent
	for _ in $(seq 1 300); do
		[ "$(curl -s -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images/$img" | jfield status)" = active ] && break
		sleep 0.2
	done
	expect_eq "image after the restart" "$(call GET /image/v2/images/$img | jfield status)" active &&
		expect_eq "images named rs-snap2" "$(call GET '/image/v2/images?name=rs-snap2' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["images"]))')" 1 &&
		wait_field rs OS-EXT-STS:task_state None
}
check "agent killed before the upload: restarted, the snapshot completes, one image" t_kill_snapshot

t_snapshot_gone() {
	# An upload that fails: the image is killed by the image service and
	# the controller then deletes it: no half image is left.
	local tok img
	tok=$(admin_token)
	stop_agent
	start_agent snapshot-upload
	os server image create --name rs-snap3 rs >/dev/null || return 1
	agent_died || return 1
	img=$(call GET '/image/v2/images?name=rs-snap3' | python3 -c 'import json,sys; print(json.load(sys.stdin)["images"][0]["id"])') || return 1
	# the upload cut short, as a killed agent's would be: 3 bytes, then gone
	curl -s --max-time 5 -o /dev/null -X PUT -H "X-Auth-Token: $tok" \
		-H 'Content-Type: application/octet-stream' "$URL/image/v2/images/$img/file" \
		--data-binary 'abc' >/dev/null
	start_agent
	for _ in $(seq 1 300); do
		[ "$(http_status "$tok" "/image/v2/images/$img")" = 404 ] && break
		sleep 0.2
	done
	expect_eq "the image" "$(http_status "$tok" "/image/v2/images/$img")" 404 &&
		wait_field rs OS-EXT-STS:task_state None
}
check "a snapshot whose upload fails is deleted; the server's task ends" t_snapshot_gone

# server backup create (Nova's createBackup): a snapshot with
# image_type=backup; once the second daily backup is active, rotation 1
# leaves only it (the first one's row and file are gone).
t_backup() {
	local first ids
	os server backup create --name rs-bk1 --type daily --rotate 1 rs >/dev/null || return 1
	wait_field rs OS-EXT-STS:task_state None || return 1
	first=$(call GET '/image/v2/images?name=rs-bk1' | python3 -c 'import json,sys; i=json.load(sys.stdin)["images"][0]; assert i["status"]=="active" and i["image_type"]=="backup" and i["backup_type"]=="daily", i; print(i["id"])') || return 1
	[ -e "$STATE/images/$first" ] || { echo "no file for $first"; return 1; }
	os server backup create --name rs-bk2 --type daily --rotate 1 rs >/dev/null || return 1
	wait_field rs OS-EXT-STS:task_state None || return 1
	ids=$(call GET "/image/v2/images?image_type=backup&instance_uuid=$RS" | python3 -c 'import json,sys; print(" ".join(i["name"]+":"+i["status"] for i in json.load(sys.stdin)["images"]))') || return 1
	expect_eq "backups of rs" "$ids" "rs-bk2:active" || return 1
	[ ! -e "$STATE/images/$first" ] || { echo "the rotated backup's file is left"; return 1; }
	os image delete rs-bk2
}
check "server backup create --rotate 1: a backup image, and the older one rotated out (row and file)" t_backup

t_delete() {
	os server delete rs rv from-snap && wait_gone rs && wait_gone rv && wait_gone from-snap &&
		expect_eq "vcpus_used after delete" "$(used vcpus_used)" 0 &&
		expect_eq "memory_mb_used after delete" "$(used memory_mb_used)" 0
}
check "delete: every claim freed" t_delete

# os-simple-tenant-usage: every server above ran and was deleted; each is
# billed (ended_at - started_at) hours, and a window chosen inside rs's
# life (its middle half) bills rs exactly half of that; the CLI's usage
# show and usage list agree with the API's figures.
t_usage() {
	local p; p=$(os project show admin -f value -c id) || return 1
	call GET "/compute/v2.1/os-simple-tenant-usage/$p?start=2000-01-01T00:00:00&end=2100-01-01T00:00:00" >"$STATE/u.json" || return 1
	python3 - "$STATE/u.json" "$STATE/w.txt" <<'PY' || return 1
import datetime as dt, json, sys
u = json.load(open(sys.argv[1]))["tenant_usage"]
t = lambda s: dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f")
flavors = {"r.small": (1, 64, 1), "r.big": (2, 128, 2), "r.bigger": (2, 256, 2)}
sums = [0.0] * 4
for s in u["server_usages"]:
    life = (t(s["ended_at"]) - t(s["started_at"])).total_seconds()
    assert s["state"] == "terminated" and s["uptime"] == int(life), s
    assert abs(s["hours"] - life / 3600) < 1e-9, s
    assert (s["vcpus"], s["memory_mb"], s["local_gb"]) == flavors[s["flavor"]], s
    for i, v in enumerate((1, s["vcpus"], s["memory_mb"], s["local_gb"])):
        sums[i] += v * s["hours"]
names = sorted(s["name"] for s in u["server_usages"])
assert names == ["from-snap", "rh", "rm-1", "rm-2", "rm-3", "rs", "rv"], names
got = [u["total_hours"], u["total_vcpus_usage"], u["total_memory_mb_usage"], u["total_local_gb_usage"]]
assert all(abs(a - b) < 1e-9 for a, b in zip(got, sums)), (got, sums)
rs = [s for s in u["server_usages"] if s["name"] == "rs"][0]
a, b = t(rs["started_at"]), t(rs["ended_at"])
f = "%Y-%m-%dT%H:%M:%S.%f"
open(sys.argv[2], "w").write("%s %s %r %s %s\n" % ((a + (b - a) / 4).strftime(f),
    (a + 3 * (b - a) / 4).strftime(f), (b - a).total_seconds() / 2 / 3600, rs["instance_id"],
    u["total_memory_mb_usage"]))
PY
	local start end half id ram; read -r start end half id ram <"$STATE/w.txt"
	call GET "/compute/v2.1/os-simple-tenant-usage/$p?start=$start&end=$end" >"$STATE/uw.json" || return 1
	python3 - "$STATE/uw.json" "$id" "$half" <<'PY' || return 1
import json, sys
u = json.load(open(sys.argv[1]))["tenant_usage"]
rs = [s for s in u["server_usages"] if s["instance_id"] == sys.argv[2]][0]
assert abs(rs["hours"] - float(sys.argv[3])) < 2e-9, (rs["hours"], sys.argv[3])
PY
	os usage show --project admin --start 2000-01-01 --end 2100-01-01 -f json >"$STATE/us.json" &&
		os usage list --start 2000-01-01 --end 2100-01-01 -f json >"$STATE/ul.json" || return 1
	python3 - "$STATE/us.json" "$STATE/ul.json" "$p" "$ram" <<'PY'
import json, sys
show, lst = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(show["Servers"]) == 7 and abs(show["RAM MB-Hours"] - float(sys.argv[4])) < 1e-6, show
row = [r for r in lst if r["Project"] in (sys.argv[3], "admin")]
assert len(row) == 1 and len(row[0]["Servers"]) == 7, lst
PY
}
check "usage (os-simple-tenant-usage): each deleted server billed its life in hours, the totals its flavor's figures times hours; a window inside rs's life bills half; usage show/list" t_usage
