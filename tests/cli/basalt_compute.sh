#!/usr/bin/env bash
# tests/cli/basalt_compute.sh - the basalt CLI's compute commands against a
# real controller: flavors, keypairs, hosts, and servers through their whole
# life (create/stop/start/reboot/delete with --wait, console log). No compute
# agent runs here: a small fake agent (python3, below) speaks the agent
# protocol (docs/agent-protocol.md) and reports what it is told to be.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source tests/lib.sh
plan 43

WORK=$(mktemp -d /tmp/basalt-compute.XXXXXX)
AGENT_PID=
stop_agent() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	return 0
}
trap 'stop_agent; cleanup_controller; rm -rf "$WORK"' EXIT
start_controller || { not_ok "controller starts"; exit 1; }

# basalt through a wrapper that sends sanitizer reports (ASan/UBSan builds)
# to files, checked at the end: a report in a failing command is not lost.
mkdir -p "$WORK/san"
cat >"$WORK/basalt" <<EOS
#!/bin/sh
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}log_path=$WORK/san/asan" \\
UBSAN_OPTIONS="\${UBSAN_OPTIONS:+\$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$WORK/san/ubsan" \\
	exec "$BASALT" "\$@"
EOS
chmod +x "$WORK/basalt"
B=$WORK/basalt
MARKER="BASALT-CONSOLE-MARKER-$$"

# json_has EXPR CMD...: CMD's JSON output makes the python expression on d true.
json_has() {
	local expr=$1; shift
	"$@" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
}
# has_line LINE CMD...: CMD succeeds and prints LINE exactly.
has_line() {
	local line=$1 out; shift
	out=$("$@") || { echo "failed: $*"; echo "$out"; return 1; }
	expect_line "$*" "$out" "$line"
}

# --- help ---
check "help lists the compute commands" bash -c "
	out=\$('$B' help) || exit 1
	for c in 'flavor list' 'flavor create' 'flavor set' 'keypair create' 'server list' \
		'server create' 'server delete' 'server stop' 'server start' 'server reboot' \
		'console log show' 'hypervisor list' 'hypervisor show' 'compute service list'; do
		grep -q \"^  \$c\" <<<\"\$out\" || { echo \"missing: \$c\"; exit 1; }
	done"

# --- flavors ---
check "flavor create with a property (-f json)" json_has \
	"d['name'] == 'm1.cli' and d['vcpus'] == 1 and d['ram'] == 256 and d['disk'] == 1 and d['properties'] == {'hw:cpu_policy': 'shared'} and d['description'] == 'for the cli test'" \
	"$B" flavor create m1.cli --vcpus 1 --ram 256 --disk 1 --property hw:cpu_policy=shared \
	--description 'for the cli test' -f json
check "flavor create --id --private" json_has "d['id'] == 'cli-2' and d['os-flavor-access:is_public'] is False" \
	"$B" flavor create m1.cli2 --id cli-2 --vcpus 2 --ram 512 --private -f json
check "flavor list shows it (table)" bash -c "'$B' flavor list | grep -q '| m1.cli *| 256 *| 1 *| 0 *| 1 *| True *|$'"
check "flavor list hides private ones unless --all" bash -c "
	out=\$('$B' flavor list -f value -c Name) && ! grep -qx m1.cli2 <<<\"\$out\" &&
	'$B' flavor list --all -f value -c Name | grep -qx m1.cli2"
check "flavor show by name" has_line 1 "$B" flavor show m1.cli -f value -c disk
check "flavor set --property" bash -c "'$B' flavor set m1.cli --property hw:mem=large &&
	'$B' flavor show m1.cli -f value -c properties | grep -qx \"hw:cpu_policy='shared', hw:mem='large'\""
check "flavor create with a bad --property fails" refused usage "KEY=VALUE" \
	"$B" flavor create m1.bad --vcpus 1 --ram 64 --property novalue
check "flavor create duplicate fails with the server's message" refused 409 "already exists" \
	"$B" flavor create m1.cli --vcpus 1 --ram 256
t_flavor_delete() { "$B" flavor delete cli-2 && refused 404 "No flavor with a name or ID of 'cli-2' exists" "$B" flavor show cli-2; }
check "flavor delete by id (then show: 404)" t_flavor_delete
check "flavor show missing fails" refused 404 "No flavor with a name or ID of 'nope' exists" \
	"$B" flavor show nope
"$B" flavor create m1.huge --vcpus 1 --ram 40000 --disk 1 >/dev/null

# --- keypairs ---
t_keypair() {
	"$B" keypair create k1 >"$WORK/k1.pem" || return 1
	chmod 600 "$WORK/k1.pem"
	local pub fp
	pub=$(ssh-keygen -y -f "$WORK/k1.pem") || return 1
	# The public half Nova stored is the one of the private key printed.
	expect_eq "public key" "$("$B" keypair show k1 --public-key | awk '{print $1, $2}')" \
		"$(awk '{print $1, $2}' <<<"$pub")" || return 1
	fp=$("$B" keypair show k1 -f value -c fingerprint) || return 1
	expect_eq fingerprint "$fp" "$(ssh-keygen -l -E md5 -f <(echo "$pub") | awk '{print $2}' | sed 's/^MD5://')"
}
check "keypair create prints a valid private key (ssh-keygen -y)" t_keypair
check "keypair create --public-key imports" bash -c "
	ssh-keygen -t ed25519 -N '' -q -f '$WORK/imp' &&
	'$B' keypair create k-imp --public-key '$WORK/imp.pub' -f json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"name\"] == \"k-imp\" and d[\"fingerprint\"]'"
check "keypair list" bash -c "[ \"\$('$B' keypair list -f value -c Name | LC_ALL=C sort | tr '\n' ' ')\" = 'k-imp k1 ' ]"
check "keypair create duplicate fails" refused 409 "already exists" "$B" keypair create k1
t_keypair_delete() { "$B" keypair delete k-imp && refused 404 "No keypair with a name or ID of 'k-imp'" "$B" keypair show k-imp; }
check "keypair delete (then show: 404)" t_keypair_delete
check "keypair delete missing fails" refused 404 "No keypair with a name or ID of 'k-imp'" \
	"$B" keypair delete k-imp

# --- a compute host, registered by hand ---
TOKEN=$(admin_token)
api() { # api METHOD PATH [BODY]: curl with the admin token
	curl -sf --max-time 20 -X "$1" -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		"$URL$2" ${3:+-d "$3"}
}
api PUT /agent/v1/hosts/h1 '{"host":{"roles":["compute"],"local_ip":"198.51.100.7","hypervisor_type":"QEMU","resources":{"vcpus":4,"memory_mb":8192,"disk_gb":40}}}' >/dev/null ||
	not_ok "register host h1"
check "hypervisor list shows h1" has_line "h1 up" "$B" hypervisor list -f value -c "Hypervisor Hostname" -c State
check "hypervisor show h1" json_has "d['vcpus'] == 4 and d['memory_mb'] == 8192 and d['service_host'] == 'h1'" \
	"$B" hypervisor show h1 -f json
check "hypervisor show missing fails" refused 404 "No hypervisor" "$B" hypervisor show nope
check "compute service list shows h1 up" has_line "nova-compute h1 enabled up" \
	"$B" compute service list -f value -c Binary -c Host -c Status -c State

# --- an active image, through the image API ---
qemu-img create -q -f qcow2 "$WORK/tiny.qcow2" 16M || not_ok "qemu-img create"
IMAGE_ID=$(api POST /image/v2/images '{"name":"tiny","disk_format":"qcow2","container_format":"bare","visibility":"public"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf --max-time 20 -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$WORK/tiny.qcow2" "$URL/image/v2/images/$IMAGE_ID/file" >/dev/null ||
	not_ok "image upload"
IMAGE=tiny # by name: basalt looks it up through the image API

# --- the fake agent: reports every desired server as it should be ---
cat >"$WORK/agent.py" <<'PY'
import json, sys, time, urllib.request
url, token, host, marker = sys.argv[1:5]
def call(method, path, body=None):
    req = urllib.request.Request(url + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"X-Auth-Token": token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=40) as r:
        data = r.read()
        return json.loads(data) if data else None
def report(s, vm, power, task):
    return {"id": s["id"], "vm_state": vm, "power_state": power, "task_state": task,
            "reboot_seq": s["reboot"]["seq"],
            "console_tail": "booting %s\n%s login:\n%s\n" % (s["name"], s["name"], marker)}
etag, known, deadline = "", set(), time.time() + 240
while time.time() < deadline:
    d = call("GET", "/agent/v1/hosts/%s/desired?after=%s&wait=2" % (host, etag))
    etag, desired = d["etag"], {s["id"]: s for s in d["servers"]}
    new = [s for i, s in desired.items() if i not in known]
    if new:  # show a spawning step first, as a real agent would
        call("POST", "/agent/v1/hosts/%s/report" % host,
             {"servers": [report(s, "building", "nostate", "spawning") for s in new]})
        time.sleep(0.6)
    call("POST", "/agent/v1/hosts/%s/report" % host, {
        "servers": [report(s, "active", "running", None) if s["power"] == "on"
                    else report(s, "stopped", "shutdown", None) for s in desired.values()],
        "gone": sorted(known - set(desired))})
    known = set(desired)
PY
timeout 250 python3 "$WORK/agent.py" "$URL" "$TOKEN" h1 "$MARKER" 2>"$WORK/agent.err" &
AGENT_PID=$!

# --- servers ---
printf '#cloud-config\nhostname: vm1\n' >"$WORK/user-data"
t_create() {
	"$B" server create vm1 --nic none --image "$IMAGE" --flavor m1.cli --key-name k1 --config-drive \
		--user-data "$WORK/user-data" --property role=test --wait >"$WORK/create.out" 2>&1 || {
		cat "$WORK/create.out"; return 1; }
	# stdout is not a terminal: plain progress lines, then the server.
	grep -q "^server vm1: BUILD/spawning after [0-9.]*s$" "$WORK/create.out" &&
	grep -q "^server vm1: ACTIVE after [0-9.]*s$" "$WORK/create.out" &&
	grep -q "^| status  *| ACTIVE  *|$" "$WORK/create.out" &&
	grep -q "^| adminPass  *| [0-9a-f]\{16\} *|$" "$WORK/create.out" ||
		{ cat "$WORK/create.out"; return 1; }
}
check "server create --wait reaches ACTIVE and shows progress" t_create
check "server list shows it ACTIVE" has_line "vm1 ACTIVE tiny m1.cli" \
	"$B" server list -f value -c Name -c Status -c Image -c Flavor
check "server list --long -f json" json_has \
	"d[0]['Name'] == 'vm1' and d[0]['Host'] == 'h1' and d[0]['Power State'] == 'Running' and d[0]['Properties'] == {'role': 'test'}" \
	"$B" server list --long -f json
check "server show -f json" json_has \
	"d['status'] == 'ACTIVE' and d['key_name'] == 'k1' and d['config_drive'] == 'True' and d['properties'] == {'role': 'test'} and d['flavor']['original_name'] == 'm1.cli' and d['image'].endswith('($IMAGE_ID)') and 'project_id' in d" \
	"$B" server show vm1 -f json
check "console log show prints the console" bash -c "'$B' console log show vm1 | grep -qx '$MARKER'"
check "console log show --lines 1" has_line "$MARKER" "$B" console log show vm1 --lines 1
check "server stop --wait reaches SHUTOFF" bash -c "
	out=\$('$B' server stop vm1 --wait) || exit 1
	tail -n 1 <<<\"\$out\" | grep -q '^server vm1: SHUTOFF after' || { echo \"\$out\"; exit 1; }
	[ \"\$('$B' server show vm1 -f value -c status)\" = SHUTOFF ]"
check "server start --wait reaches ACTIVE" bash -c "
	out=\$('$B' server start vm1 --wait) || exit 1
	tail -n 1 <<<\"\$out\" | grep -q '^server vm1: ACTIVE after' || { echo \"\$out\"; exit 1; }
	[ \"\$('$B' server show vm1 -f value -c OS-EXT-STS:power_state)\" = Running ]"
check "server reboot --wait reaches ACTIVE" bash -c "
	'$B' server reboot vm1 --wait | tail -n 1 | grep -q '^server vm1: ACTIVE after'"
# On a terminal: one state per line, arrows from the second on (script(1)
# gives a pty; the fake agent holds a new server in spawning for 0.6 s).
check "server create --wait on a terminal" bash -c "
	script -qec \"'$B' server create vm-tty --nic none --image '$IMAGE' --flavor m1.cli --wait\" /dev/null |
		tr -d '\r' >'$WORK/tty.out' || { cat '$WORK/tty.out'; exit 1; }
	head -n 1 '$WORK/tty.out' | grep -q '^BUILD (spawning) [0-9.]*s$' &&
	grep -q '^→ ACTIVE [0-9.]*s$' '$WORK/tty.out' && ! grep -q '^server ' '$WORK/tty.out' ||
		{ cat '$WORK/tty.out'; exit 1; }
	'$B' server delete vm-tty --wait >/dev/null"
check "server reboot --hard --wait" bash -c "
	'$B' server reboot --hard vm1 --wait | tail -n 1 | grep -q '^server vm1: ACTIVE after'"
check "server start of an active server fails with the server's message" \
	refused 409 "Cannot 'start' instance .* while it is in vm_state active" "$B" server start vm1
check "server create with an unknown flavor fails with the server's message" \
	refused 400 "Flavor nope could not be found" "$B" server create vm2 --nic none --image "$IMAGE" --flavor nope
check "server create with an unknown key fails" \
	refused 400 "Invalid key_name provided" "$B" server create vm2 --nic none --image "$IMAGE" --flavor m1.cli --key-name nokey
check "server create --wait exits non-zero with the fault when it goes to ERROR" \
	refused - "server vm-big went to ERROR: No valid host was found" \
	"$B" server create vm-big --nic none --image "$IMAGE" --flavor m1.huge --wait
check "server delete of an ERROR server" bash -c "'$B' server delete vm-big --wait | tail -n 1 | grep -q 'server vm-big: deleted after'"
check "server show missing fails" refused 404 "No server with a name or ID of 'nope' exists" "$B" server show nope
t_server_gone() {
	local out
	out=$("$B" server delete vm1 --wait) || return 1
	tail -n 1 <<<"$out" | grep -q '^server vm1: deleted after' || { echo "$out"; return 1; }
	refused 404 "No server with a name or ID of 'vm1' exists" "$B" server show vm1 &&
		expect_eq "server list" "$("$B" server list -f value)" ""
}
check "server delete --wait ends with the server gone (show: 404, list empty)" t_server_gone
check "--wait with a bad --timeout is refused" refused usage "positive number" \
	"$B" server delete nope --wait --timeout abc
# A host that stopped reporting: the server stays BUILD and --wait gives up.
stop_agent
check "server create --wait --timeout gives up" refused - "timed out after 1s waiting for server vm3" \
	"$B" server create vm3 --nic none --image "$IMAGE" --flavor m1.cli --wait --timeout 1
check "fake agent had no errors" bash -c "[ ! -s '$WORK/agent.err' ] || { cat '$WORK/agent.err'; exit 1; }"
check "basalt ran free of sanitizer reports" bash -c "
	[ -z \"\$(ls -A '$WORK/san')\" ] || { head -n 40 '$WORK'/san/*; exit 1; }"
