#!/usr/bin/env bash
# tests/e2e/agent_reports.sh - the agents' reports are bounded and
# incremental (docs/agent-protocol.md, "Report"): a controller and one
# compute agent with the fake driver on this machine; the test writes the
# guests' console logs itself (INSTANCES/<id>/console.log).
#
# Reproduces issue 10 (ten guests each with 64 KiB of console made every
# report 413 forever) and checks: the agents' API has its own body limit
# with a clear 413; every console tail is right (the last 64 KiB of each
# log, byte for byte) with no report over 64 KiB and none refused; an idle
# node sends no report; a backlog longer than the tail (a gap) and a log
# that starts anew (a reset) come out right; an agent killed with -9 in
# the middle of sending and started again loses and doubles nothing; a
# controller whose agent limit is below the agent's page size refuses
# pages with the reason in the agent's log, the agent sends them smaller
# and every tail still lands; deletes complete through "gone".
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

N=10 # the issue's ten guests
plan 17
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE"/agent*.log
	[ -n "${KEEP_LOGS:-}" ] && cp "$STATE"/agent.log "$STATE"/basaltd.log "$KEEP_LOGS"/
	cleanup_controller
}
trap cleanup EXIT

# The public limit stays the default (112 KiB); the agents' is 256 KiB.
start_controller "[api]
max_agent_request_body_size = 262144
[compute]
heartbeat_interval = 2" || { not_ok "start controller"; exit 1; }
make_service_user || { not_ok "service user"; exit 1; }
TOKEN=$(admin_token)
[ -n "$TOKEN" ] || { not_ok "admin token"; exit 1; }

# --- the agents' API has its own body limit ---
body() { python3 -c 'import json,sys; print(json.dumps({"servers": [], "pad": "x" * int(sys.argv[1])}))' "$1"; }
t_limits() {
	local b
	curl -s -o /dev/null -H "X-Auth-Token: $TOKEN" -X PUT -H 'Content-Type: application/json' \
		"$URL/agent/v1/hosts/h0" -d '{"host":{"roles":["compute"]}}' || return 1
	body 300000 >"$STATE/big.json"
	http_refused 413 '^Request is too large: 3000[0-9]{2} bytes, over the limit of 262144 bytes \(\[api\] max_agent_request_body_size\)\.$' \
		-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		"$URL/agent/v1/hosts/h0/report" --data-binary @"$STATE/big.json" || return 1
	body 150000 >"$STATE/mid.json"
	# over the public limit, under the agents' one: the agents' API takes
	# the size (and refuses the unknown member by name, not by size) ...
	http_refused 400 'pad' -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		"$URL/agent/v1/hosts/h0/report" --data-binary @"$STATE/mid.json" || return 1
	# ... the public API does not
	http_refused 413 '^Request is too large: 1500[0-9]{2} bytes, over the limit of 114688 bytes \(\[api\] max_request_body_size\)\.$' \
		-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		"$URL/v3/projects" --data-binary @"$STATE/mid.json"
}
check "agents' API: its own body limit (256 KiB here, the public 112 KiB); 413 names the limit and the option" t_limits

# --- ten servers on a fake compute agent ---
agent_conf h1 fake "$STATE/agent.conf"
sed -i 's/^log_level = info/log_level = debug/' "$STATE/agent.conf"
python3 - "$STATE/agent.conf" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("[agent]\n", "[agent]\nreport_max_bytes = 49152\n", 1)
open(p, "w").write(s)
PY
start_agent() {
	"$BASALTD" --config "$STATE/agent.conf" --role compute >>"$STATE/agent.log" 2>&1 &
	AGENT_PID=$!
}
start_agent
INST="$STATE/h1/instances"
qemu-img create -q -f qcow2 "$STATE/tiny.qcow2" 16M >/dev/null 2>&1 || { not_ok "qemu-img"; exit 1; }

# The helper: API calls and console checks (python3 stdlib).
cat >"$STATE/t.py" <<'PY'
import json, os, sys, time, urllib.request, urllib.error
URL, TOKEN, INST, STATE = (os.environ[k] for k in ("URL", "TOKEN", "INST", "STATE"))
def call(method, path, body=None, headers=None):
    h = {"X-Auth-Token": TOKEN, "Content-Type": "application/json",
         "OpenStack-API-Version": "compute 2.60"}
    h.update(headers or {})
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, method=method, data=data, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            d = r.read()
            return r.status, json.loads(d) if d and r.headers.get_content_type() == "application/json" else d
    except urllib.error.HTTPError as e:
        return e.code, e.read()
def ids():
    return open(STATE + "/ids").read().split()
def log_path(i):
    return "%s/%s/console.log" % (INST, i)
def tail_of(i):
    st, b = call("POST", "/compute/v2.1/servers/%s/action" % i, {"os-getConsoleOutput": {}})
    return b["output"] if st == 200 else None
def want(i):
    with open(log_path(i), "rb") as f:
        d = f.read()
    d = bytes(c if c in (9, 10, 13) or 32 <= c < 128 else (63 if c >= 128 else 32) for c in d)
    return d[-65536:].decode()
def wait_tails(secs=90):
    deadline, bad = time.time() + secs, None
    while time.time() < deadline:
        bad = [i for i in ids() if tail_of(i) != want(i)]
        if not bad:
            return 0
        time.sleep(0.5)
    for i in bad[:3]:
        t, w = tail_of(i) or "", want(i)
        print("server %s: tail %d bytes, log's last %d; differ at %s" % (i, len(t), len(w),
              next((k for k in range(min(len(t), len(w))) if t[k] != w[k]), min(len(t), len(w)))))
    print("%d of %d tails wrong" % (len(bad), len(ids())))
    return 1
def write(i, tag, nbytes, mode="a"):
    """Append nbytes of numbered lines tagged tag to server i's log."""
    out, k = [], 0
    while sum(map(len, out)) < nbytes:
        out.append("%s %s line %06d: the quick brown fox jumps over the lazy dog\n" % (i[:8], tag, k))
        k += 1
    with open(log_path(i), mode) as f:
        f.write("".join(out)[:nbytes])
cmd = sys.argv[1]
if cmd == "create":
    n = int(sys.argv[2])
    st, img = call("POST", "/image/v2/images", {"name": "tiny", "disk_format": "qcow2",
                   "container_format": "bare", "visibility": "public"})
    assert st == 201, (st, img)
    st, _ = call("PUT", "/image/v2/images/%s/file" % img["id"], open(STATE + "/tiny.qcow2", "rb").read(),
                 {"Content-Type": "application/octet-stream"})
    assert st == 204, st
    st, fl = call("POST", "/compute/v2.1/flavors", {"flavor": {"name": "t", "vcpus": 1, "ram": 16, "disk": 1}})
    assert st == 200, (st, fl)
    out = []
    # 40,000 bytes of user data each: the desired state (which carries it)
    # is over 256 KiB and goes in pages
    import base64
    ud = base64.b64encode(("#!/bin/sh\n" + "# padding\n" * 4000)[:40000].encode()).decode()
    for k in range(n):
        st, s = call("POST", "/compute/v2.1/servers", {"server": {"name": "r%d" % k, "imageRef": img["id"],
                     "flavorRef": fl["flavor"]["id"], "networks": "none", "user_data": ud}})
        assert st == 202, (st, s)
        out.append(s["server"]["id"])
    open(STATE + "/ids", "w").write("\n".join(out) + "\n")
    deadline = time.time() + 60
    while time.time() < deadline:
        sts = [call("GET", "/compute/v2.1/servers/%s" % i)[1]["server"]["status"] for i in out]
        if all(s == "ACTIVE" for s in sts):
            sys.exit(0)
        time.sleep(0.3)
    print("statuses:", sts); sys.exit(1)
elif cmd == "pages":
    st, d = call("GET", "/agent/v1/hosts/h1/desired")
    assert st == 200, st
    pages, etag, sizes, got = d["pages"], d["etag"], [], list(d["servers"])
    assert pages >= 2, "one page of %d bytes" % len(json.dumps(d))
    sizes.append(len(json.dumps(d)))
    for k in range(1, pages):
        st, p = call("GET", "/agent/v1/hosts/h1/desired?page=%d&etag=%s" % (k, etag))
        assert st == 200 and p["page"] == k and p["etag"] == etag, (st, k)
        sizes.append(len(json.dumps(p)))
        got += p["servers"]
    assert sorted(s["id"] for s in got) == sorted(ids()), "the pages do not add up to the servers"
    assert max(sizes) < 256 * 1024 + 60000, sizes
    st, b = call("GET", "/agent/v1/hosts/h1/desired?page=1&etag=0123")
    assert st == 409 and b"changed" in b, (st, b)
    st, b = call("GET", "/agent/v1/hosts/h1/desired?page=%d&etag=%s" % (pages, etag))
    assert st == 404, st
    st, b = call("GET", "/agent/v1/hosts/h1/desired?page=1")
    assert st == 400, st
    print("# desired state: %d pages of %s bytes" % (pages, sizes))
elif cmd == "write":  # write TAG NBYTES [truncate]
    for i in ids():
        write(i, sys.argv[2], int(sys.argv[3]), "w" if len(sys.argv) > 4 else "a")
elif cmd == "tails":
    sys.exit(wait_tails())
elif cmd == "delete":
    for i in ids():
        st, _ = call("DELETE", "/compute/v2.1/servers/%s" % i)
        assert st == 204, st
    deadline = time.time() + 60
    while time.time() < deadline:
        left = [i for i in ids() if call("GET", "/compute/v2.1/servers/%s" % i)[0] != 404 or os.path.exists(INST + "/" + i)]
        if not left:
            sys.exit(0)
        time.sleep(0.3)
    print("not gone:", left); sys.exit(1)
PY
export URL TOKEN INST STATE
t() { python3 "$STATE/t.py" "$@"; }

check "$N servers (40,000 bytes of user data each) on the fake agent reach ACTIVE" t create "$N"
check "desired state in pages of at most 256 KiB (+ one entry); a page of a changed state 409, past the last 404, without etag 400" t pages
# pages: the largest report the agent sent, and how many were refused
largest() { sed -n 's/.*agent: report page: [0-9]* entries, \([0-9]*\) bytes: HTTP.*/\1/p' "$STATE/agent.log" | sort -n | tail -1; }
pages() { grep -c 'agent: report page: ' "$STATE/agent.log"; }
t_64k() {
	t write boot 65536 || return 1
	t tails || return 1
	local big; big=$(largest)
	[ -n "$big" ] && [ "$big" -lt 65536 ] || { echo "largest report: ${big:-none} bytes"; return 1; }
	echo "# largest report: $big bytes, $(pages) pages"
	! grep -E 'refused|HTTP 413' "$STATE/agent.log" || { echo "a report was refused"; return 1; }
}
check "each of $N guests writes 64 KiB of console: every tail exact, largest report < 64 KiB, none refused" t_64k

t_idle() {
	local before after
	before=$(pages)
	sleep 6 # three heartbeats; the agent still polls every second after acting
	after=$(pages)
	expect_eq "report pages sent while idle" "$((after - before))" 0 || return 1
	grep -q "agent: report page" "$STATE/agent.log" || return 1
	# its desired-state polls were answered 304 (no copy of the state)
	curl -s -o /dev/null -w '%{http_code}\n' -H "X-Auth-Token: $TOKEN" \
		"$URL/agent/v1/hosts/h1/desired" >"$STATE/code" && [ "$(cat "$STATE/code")" = 200 ] || return 1
	local etag
	etag=$(curl -s -H "X-Auth-Token: $TOKEN" "$URL/agent/v1/hosts/h1/desired" | jfield etag)
	expect_eq "desired with not_modified=1 and the current etag" \
		"$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$URL/agent/v1/hosts/h1/desired?after=$etag&wait=0&not_modified=1")" 304
}
check "an idle node sends no report (heartbeats only); desired answers 304 when unchanged" t_idle

check "a backlog of 300 KiB per console (more than the tail: the agent skips ahead): tails exact" \
	bash -c 't() { python3 "$STATE/t.py" "$@"; }; t write gap 307200 && t tails'
check "a log that starts anew (truncated, the server made again): tails exact" \
	bash -c 't() { python3 "$STATE/t.py" "$@"; }; t write reset 5000 truncate && t tails'
t_cut() {
	t write big 1258291 || return 1 # 1.2 MiB more each: past CONSOLE_FILE_MAX (1 MiB)
	t tails || return 1
	local f big=0
	for f in "$INST"/*/console.log; do
		[ "$(stat -c %s "$f")" -le 1048576 ] || big=$((big + 1))
	done
	expect_eq "console logs over 1 MiB left on the host" "$big" 0 &&
		grep -q 'agent: console of .* over 1048576 bytes: cut to its last 65536' "$STATE/agent.log"
}
check "a console past 1 MiB on the host is cut to its last 64 KiB (the guest cannot fill the disk): tails exact" t_cut

t_kill9() {
	local i
	# a flood being sent when the agent dies; more written while it is down
	t write flood1 200000 || return 1
	for i in $(seq 1 20); do
		grep -q 'report page' <(tail -n 5 "$STATE/agent.log") && break
		sleep 0.05
	done
	kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
	t write down 30000 || return 1
	start_agent
	t write up 20000 || return 1
	t tails
}
check "agent killed with -9 mid-send and started again: every tail exact (nothing lost, nothing doubled)" t_kill9

t_restart_small() {
	stop_controller
	printf '[api]\nmax_agent_request_body_size = 20000\n' >>"$CONF"
	run_controller || return 1
}
check "the controller restarted with an agents' limit (20000 bytes) below the agent's pages (49152)" t_restart_small
t_refused() {
	t write small 65536 || return 1
	t tails || return 1
	grep -E 'agent: report page of [0-9]+ entries \([0-9]+ bytes\) refused: HTTP 413: Request is too large: [0-9]+ bytes, over the limit of 20000 bytes \(\[api\] max_agent_request_body_size\)\.' \
		"$STATE/agent.log" | head -1 | grep . || { echo "no refusal logged"; return 1; }
	grep -q 'agent: report pages now at most 12288 bytes' "$STATE/agent.log" ||
		{ grep 'pages now' "$STATE/agent.log"; return 1; }
}
check "pages over the limit refused (413, the reason logged), sent smaller: every tail still exact" t_refused
t_after() {
	local n
	n=$(grep -c 'refused: HTTP 413' "$STATE/agent.log")
	t write later 30000 && t tails || return 1
	expect_eq "refusals after the agent shrank its pages" "$(grep -c 'refused: HTTP 413' "$STATE/agent.log")" "$n"
}
check "once smaller, no page is refused again" t_after

check "every server deleted: gone from the API and from the host (reported gone)" t delete
t_hyp() {
	expect_eq "running_vms" "$(curl -s -H "X-Auth-Token: $TOKEN" "$URL/compute/v2.1/os-hypervisors/detail" |
		python3 -c 'import json,sys; print([h["running_vms"] for h in json.load(sys.stdin)["hypervisors"] if h["hypervisor_hostname"]=="h1"])')" "[0]"
}
check "no allocation left on h1 (running_vms 0)" t_hyp
check "agent log: no refused report, no error except the 413s of the small-limit phase" \
	bash -c "! grep -E 'ERROR|error' '$STATE/agent.log' | grep -v 'HTTP 413' | grep ."
check "agent log free of sanitizer reports" \
	bash -c "! grep -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' '$STATE/agent.log'"
check "controller still answers" curl -sf "$URL/" -o /dev/null
