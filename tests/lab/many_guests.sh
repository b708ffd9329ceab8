#!/usr/bin/env bash
# tests/lab/many_guests.sh - issue 10's whole-cloud test: one compute node
# carries many real guests with noisy consoles, and its reports keep
# flowing (docs/agent-protocol.md, "Report").
#
# On the three-node lab (tools/lab up: controller, network, compute0),
# GUESTS (12) real TCG guests of the test image are created at once on
# compute0, on one tenant network (DHCP), each with user data (on a config
# drive: the network has no router, so no metadata service) that prints
# 64 KiB of numbered noise to the serial console before the guest's ready
# line, and a line every second after it. Checks: all ACTIVE; each prints
# its ready line (seen through the compute API's console output, i.e. the
# reports); each console tail is a true piece of the guest's console log
# on compute0 (nothing lost or doubled: the tail is a contiguous part of
# the log), 64 KiB long; compute0's agent log shows no refused report and
# no 413; then all deleted: no server, no QEMU, no tap, no instance
# directory, no allocation (running_vms 0, memory used 0), no FDB entry
# of their MACs on compute0 or the network node. Timings (create -> all
# ACTIVE, -> all ready, delete -> all gone) are printed as comments;
# bench/scale runs this with GUESTS=20 for its lab figures.
#
# Its own lab (LAB_PREFIX=mg-, a temporary LAB_DIR) beside a developer's;
# run under flock /tmp/basalt-ns.lock. LAB_SHARED=1 (tests/run): the 3-node
# lab of LAB_PREFIX/LAB_DIR is up already and stays up. Bounded waits; the lab goes down
# whatever happens.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/lab/client.bash

[ "$(id -u)" = 0 ] || skip_tier "many_guests needs root (network namespaces)"
GUESTS=${GUESTS:-12}
plan 9
lab_tier many mg-
trap 'lab_tier_end many_guests' EXIT
trap 'exit 1' TERM INT
NS_NET=${LAB_PREFIX}network NS_CMP=${LAB_PREFIX}compute0

check "the 3-node lab is up" lab_up || exit 1
INST=$LAB_DIR/compute0/state/instances
CLOG=$LAB_DIR/compute0/basaltd.log
# On a shared lab the log has earlier tiers' lines: this tier reads its own.
CLOG_START=$(stat -c %s "$CLOG" 2>/dev/null || echo 0)
clog() { tail -c +$((CLOG_START + 1)) "$CLOG"; }

# The guests' user data: 64 KiB of numbered noise, then a line a second.
cat >"$WORK/user-data" <<'UD'
#!/bin/sh
i=0
while [ $i -lt 1024 ]; do
	printf 'noise %04d ....................................................\n' $i
	i=$((i + 1))
done
(n=0; while :; do n=$((n + 1)); echo "tick $n"; sleep 1; done) </dev/null >/dev/console 2>&1 &
UD

# The client: the compute and network APIs as the lab admin, from the
# controller's namespace (python3 stdlib).
cat >"$WORK/mg.py" <<'PY'
import base64, json, os, sys, threading, time, urllib.request, urllib.error
AUTH = os.environ["OS_AUTH_URL"].rstrip("/")
WORK, INST, N = os.environ["WORK"], os.environ["INST"], int(os.environ["GUESTS"])
def token():
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": os.environ["OS_USERNAME"],
            "domain": {"name": "Default"}, "password": os.environ["OS_PASSWORD"]}}},
            "scope": {"project": {"name": os.environ["OS_PROJECT_NAME"], "domain": {"name": "Default"}}}}}
    r = urllib.request.urlopen(urllib.request.Request(AUTH + "/auth/tokens", json.dumps(body).encode(),
                               {"Content-Type": "application/json"}), timeout=30)
    doc = json.loads(r.read())
    cat = {e["type"]: [x["url"] for x in e["endpoints"] if x["interface"] == "public"][0] for e in doc["token"]["catalog"]}
    return r.headers["X-Subject-Token"], doc["token"]["project"]["id"], cat
TOK, PROJECT, CAT = token()
def call(service, method, path, body=None):
    url = CAT[service].rstrip("/") + path
    req = urllib.request.Request(url, None if body is None else json.dumps(body).encode(), method=method,
        headers={"X-Auth-Token": TOK, "Content-Type": "application/json", "OpenStack-API-Version": "compute 2.60"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            d = r.read()
            return r.status, json.loads(d) if d else None
    except urllib.error.HTTPError as e:
        return e.code, e.read()
def ids():
    return open(WORK + "/ids").read().split()
def statuses():
    return {i: (call("compute", "GET", "/servers/" + i)[1] or {}).get("server", {}).get("status") for i in ids()}
def console(i):
    st, d = call("compute", "POST", "/servers/%s/action" % i, {"os-getConsoleOutput": {}})
    return d["output"] if st == 200 else ""
def clean(b):
    return bytes(c if c in (9, 10, 13) or 32 <= c < 128 else (63 if c >= 128 else 32) for c in b).decode()
cmd = sys.argv[1]
if cmd == "create":
    st, _ = call("compute", "PUT", "/os-quota-sets/" + PROJECT, {"quota_set": {"instances": -1, "cores": -1, "ram": -1}})
    assert st == 200, st
    st, net = call("network", "POST", "/v2.0/networks", {"network": {"name": "mg-net"}})
    assert st == 201, (st, net)
    st, sub = call("network", "POST", "/v2.0/subnets", {"subnet": {"network_id": net["network"]["id"],
                   "ip_version": 4, "cidr": "10.77.0.0/24", "name": "mg-sub"}})
    assert st == 201, (st, sub)
    st, imgs = call("image", "GET", "/v2/images?name=basalt-test")
    img = imgs["images"][0]["id"]
    ud = base64.b64encode(open(WORK + "/user-data", "rb").read()).decode()
    out, errs = [None] * N, []
    def one(k):
        st, d = call("compute", "POST", "/servers", {"server": {"name": "mg%02d" % k, "imageRef": img,
                     "flavorRef": "42", "networks": [{"uuid": net["network"]["id"]}], "user_data": ud,
                     "config_drive": True}})
        if st == 202:
            out[k] = d["server"]["id"]
        else:
            errs.append((st, d))
    t0 = time.time()
    ts = [threading.Thread(target=one, args=(k,)) for k in range(N)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    open(WORK + "/t0", "w").write(repr(t0))
    if errs:
        print("creates refused:", errs[:3]); sys.exit(1)
    open(WORK + "/ids", "w").write("\n".join(out) + "\n")
    print("%d POST /servers at once, all answered 202 in %.2f s" % (N, time.time() - t0))
elif cmd == "active":
    t0, s = float(open(WORK + "/t0").read()), {}
    while time.time() - t0 < 600:
        s = statuses()
        if all(v == "ACTIVE" for v in s.values()) or "ERROR" in s.values():
            break
        time.sleep(1)
    bad = {i: v for i, v in s.items() if v != "ACTIVE"}
    if bad:
        print("not ACTIVE:", bad); sys.exit(1)
    print("# all %d ACTIVE %.1f s after the creates were sent" % (N, time.time() - t0))
elif cmd == "ready":
    t0, todo = float(open(WORK + "/t0").read()), set(ids())
    while todo and time.time() - t0 < 900:
        todo = {i for i in todo if "basalt-guest: ready" not in console(i)}
        if todo:
            time.sleep(2)
    if todo:
        for i in sorted(todo)[:3]:
            print("%s: no ready line; console tail ends:\n%s" % (i, console(i)[-600:]))
        sys.exit(1)
    print("# every guest's ready line in the API's console output %.1f s after the creates were sent" % (time.time() - t0))
elif cmd == "tails":
    bad = []
    for i in ids():
        t = console(i)
        log = clean(open("%s/%s/console.log" % (INST, i), "rb").read())
        if len(t) != 65536 or t not in log:
            bad.append("%s: tail %d bytes, in the log: %s, log %d bytes" % (i, len(t), t in log, len(log)))
        elif "noise 1023" not in log or "tick" not in t:
            bad.append("%s: no noise or ticks (log %d bytes)" % (i, len(log)))
    if bad:
        print("\n".join(bad)); sys.exit(1)
elif cmd == "macs":
    for i in ids():
        st, d = call("network", "GET", "/v2.0/ports?device_id=" + i)
        for p in d["ports"]:
            print(p["mac_address"])
elif cmd == "delete":
    t0 = time.time()
    for i in ids():
        st, _ = call("compute", "DELETE", "/servers/" + i)
        assert st == 204, st
    left = ids()
    while left and time.time() - t0 < 300:
        left = [i for i in ids() if call("compute", "GET", "/servers/" + i)[0] != 404]
        if left:
            time.sleep(1)
    if left:
        print("not deleted:", left); sys.exit(1)
    print("# all %d deleted (404) %.1f s after the first DELETE" % (N, time.time() - t0))
elif cmd == "usage":
    st, d = call("compute", "GET", "/os-hypervisors/detail")
    h = [x for x in d["hypervisors"] if x["hypervisor_hostname"] == "compute0"][0]
    print(h["running_vms"], h["memory_mb_used"], h["vcpus_used"])
elif cmd == "cleanup":
    st, d = call("network", "GET", "/v2.0/networks?name=mg-net")
    for n in d["networks"]:
        call("network", "DELETE", "/v2.0/networks/" + n["id"])
PY
export WORK INST GUESTS
mg() { tools/lab exec controller python3 "$WORK/mg.py" "$@"; }

t_create() { mg create || return 1; }
check "$GUESTS servers created at once on compute0 (one network, noisy user data)" t_create
# the figures go to our output (check only shows them on failure)
t_active() { mg active >"$WORK/active.out" 2>&1; local rc=$?; cat "$WORK/active.out"; return $rc; }
check "all $GUESTS ACTIVE" t_active
grep '^#' "$WORK/active.out" 2>/dev/null
t_ready() { mg ready >"$WORK/ready.out" 2>&1; local rc=$?; cat "$WORK/ready.out"; return $rc; }
check "every guest printed its ready line (in the API's console output: the reports carry it)" t_ready
grep '^#' "$WORK/ready.out" 2>/dev/null
sleep 3 # a few ticks more
check "each console tail is a true part of its console log on compute0: 64 KiB, noise and ticks, nothing lost or doubled" mg tails
t_no_refusal() {
	! clog | grep -E 'refused|HTTP 413|report: HTTP'
}
check "compute0's agent log: no refused report, no 413" t_no_refusal
mg macs >"$WORK/macs" 2>/dev/null
t_delete() { mg delete >"$WORK/delete.out" 2>&1; local rc=$?; cat "$WORK/delete.out"; return $rc; }
check "all $GUESTS deleted" t_delete
grep '^#' "$WORK/delete.out" 2>/dev/null
t_nothing_left() {
	local end=$((SECONDS + 60)) left mac
	while :; do
		left=$(qemu_in "$INST" | sed 's/^/process qemu /'
			ip -n "$NS_CMP" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^tap' | sed 's/^/link /'
			find "$INST" -mindepth 1 -maxdepth 1 ! -name '_*' ! -name '.*' | sed 's/^/file /'
			for mac in $(cat "$WORK/macs"); do
				# compute0: any entry; the network node: the tunnel (l2pop)
				# entries Basalt makes, not what its bridge learned
				ip netns exec "$NS_CMP" bridge fdb show 2>/dev/null | grep -i "$mac" | sed "s/^/compute0 fdb /"
				ip netns exec "$NS_NET" bridge fdb show 2>/dev/null | grep -i "$mac" | grep ' dst ' |
					sed "s/^/network fdb /"
			done
			read -r vms mem vcpus <<<"$(mg usage 2>/dev/null)"
			[ "${vms:-x}/${mem:-x}/${vcpus:-x}" = 0/0/0 ] || echo "allocation: running_vms $vms, memory_mb_used $mem, vcpus_used $vcpus")
		[ -z "$left" ] && return 0
		[ $SECONDS -ge $end ] && break
		sleep 3
	done
	echo "left 60 s after the deletes:"; echo "$left" | head -30
	return 1
}
check "nothing left: no QEMU, tap, instance directory, allocation or FDB entry of theirs" t_nothing_left
[ -s "$WORK/macs" ] || echo "# (no MACs recorded: the FDB check had nothing to look for)"
mg cleanup >/dev/null 2>&1
check "compute0's agent log free of sanitizer reports" \
	bash -c "! grep -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' '$CLOG'"
