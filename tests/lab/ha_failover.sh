#!/usr/bin/env bash
# tests/lab/ha_failover.sh - the whole cloud with two controllers behind
# HAProxy on one PostgreSQL (issue 14): a create/delete storm of servers
# from several clients (tests/lab/ha_storm.py, fake-driver guests on
# compute0, each with a port on a tenant network) while one controller is
# killed with SIGKILL and started again, then the other. Every request
# either succeeded or failed with an error the client retries (no
# connection, 502/503/504 from the load balancer); afterwards no server,
# port or IP lost or duplicated, the agents carried on (same processes,
# up), and the servers the API lists are the guests compute0 runs.
#
# It needs a lab of its own (two controllers, a load balancer, compute0
# with the fake driver), so it always brings one up (LAB_PREFIX=ha-, in a
# temp dir) and takes it down; under LAB_SHARED=1 too, where the shared
# 3-node lab stays up beside it untouched. tests/run leaves it out of its
# shared-lab loop (its cost is there). HA_DB=postgresql (default) or
# sqlite (one SQLite file for both controllers: the lab's nodes share a
# machine). Run it under flock -o /tmp/basalt-ns.lock, as root. Prints
# TAP, and how many requests failed (retryably) around each kill.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

plan 8
[ "$(id -u)" = 0 ] || { for i in $(seq 1 8); do echo "ok - ha_failover $i # SKIP needs root"; done; exit 0; }
T0=$SECONDS
WORK=$(mktemp -d /tmp/basalt-ha.XXXXXX)
chmod 711 "$WORK"
# Whatever LAB_SHARED says: this lab is its own (see above).
export LAB_PREFIX=ha- LAB_DIR=$WORK/lab LAB_VIRT_TYPE=fake BUILD
unset LAB_SHARED
HA_DB=${HA_DB:-postgresql}
LB=http://192.0.2.9:5000

cleanup() {
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp -r "$WORK"/. "$KEEP_LOGS"/ 2>/dev/null
	tools/lab down >"$WORK/down.log" 2>&1 || { echo "# tools/lab down:"; sed 's/^/#   /' "$WORK/down.log"; }
	echo "# ha_failover: $((SECONDS - T0)) s"
	rm -rf "$WORK"
}
trap cleanup EXIT

aos() { timeout 90 tools/lab exec network openstack "$@"; }

t_up() {
	timeout 300 tools/lab up --controllers 2 --db "$HA_DB" >"$WORK/up.log" 2>&1 ||
		{ tail -30 "$WORK/up.log"; return 1; }
	grep -q "controllers up behind http://192.0.2.9:5000" "$WORK/up.log" || { tail "$WORK/up.log"; return 1; }
}
check "tools/lab up --controllers 2 --db $HA_DB: two controllers behind HAProxy" t_up || exit 1

NET_ID=""
AGENTS=""
t_setup() {
	NET_ID=$(aos network create ha-net -f value -c id) &&
		aos subnet create --network ha-net --subnet-range 10.62.0.0/20 ha-sub >/dev/null &&
		aos quota set --instances 1000 --cores 1000 --ram 1000000 admin || return 1
	AGENTS="$(cat "$LAB_DIR/compute0/basaltd.pid") $(cat "$LAB_DIR/network/basaltd.pid")"
}
check "a tenant network for the storm" t_setup || exit 1

# The storm runs in the network node's namespace (on the management
# network, as a user's client would be) against the load balancer, until
# both controllers have been killed and are back.
STOP=$WORK/stop
t_storm() {
	rm -f "$STOP"
	tools/lab exec network python3 tests/lab/ha_storm.py "$LB" "$(cat "$LAB_DIR/admin-password")" \
		"$NET_ID" "$WORK/storm.json" "$STOP" 4 100000 >"$WORK/storm.log" 2>&1 &
	local storm=$! c ups
	# Wait for the storm to be under way, then each controller in turn:
	# SIGKILL in the middle of the storm, start again (tools/lab start
	# waits for its API), go on.
	for _ in $(seq 1 300); do
		grep -qs 'under way' "$WORK/storm.log" && break
		sleep 0.1
	done
	for c in controller controller2; do
		sleep 1
		ups=$(grep -c "Server controllers/$c is UP" "$LAB_DIR/lb/haproxy.log")
		date +%s.%N >"$WORK/kill-$c"
		kill -9 "$(cat "$LAB_DIR/$c/basaltd.pid")" || return 1
		sleep 1
		tools/lab start "$c" >>"$WORK/start.log" 2>&1 || { cat "$WORK/start.log"; return 1; }
		date +%s.%N >"$WORK/back-$c"
		# One controller down at a time: the next is killed once the load
		# balancer has this one back (its check passed twice; bounded).
		for _ in $(seq 1 300); do
			[ "$(grep -c "Server controllers/$c is UP" "$LAB_DIR/lb/haproxy.log")" -gt "$ups" ] && break
			sleep 0.1
		done
	done
	sleep 1
	touch "$STOP"
	wait "$storm" || { cat "$WORK/storm.log"; return 1; }
	python3 - "$WORK" <<'EOF'
import json, sys
w = sys.argv[1]
d = json.load(open(w + "/storm.json"))
r = d["requests"]
kinds = {}
for q in r:
    kinds[q.get("kind", "none")] = kinds.get(q.get("kind", "none"), 0) + 1
out = ["%d requests: %s; %d servers kept, %d deleted" % (len(r), kinds, len(d["alive"]), len(d["deleted"]))]
for c in ("controller", "controller2"):
    k = float(open(w + "/kill-" + c).read())
    back = float(open(w + "/back-" + c).read())
    during = [q for q in r if q["t1"] >= k and q["t0"] <= back]
    bad = [q for q in during if q.get("kind") == "retryable"]
    last = max((q["t1"] for q in bad), default=k)
    out.append("kill -9 %s: %d requests answered between the kill and its restart (%.1f s),"
               " %d of them retryable failures, the last %.2f s after the kill"
               % (c, len(during), back - k, len(bad), last - k))
open(w + "/storm.summary", "w").write("".join("# " + o + "\n" for o in out))
bad = [q for q in r if q.get("kind") not in ("ok", "retryable")]
for q in bad[:10]:
    print("unretryable: %s" % q)
sys.exit(1 if bad or not d["alive"] else 0)
EOF
}
check "a storm of creates and deletes from 4 clients while each controller is killed -9 and restarted: every request succeeded or failed retryably" t_storm
cat "$WORK/storm.summary" 2>/dev/null

# api PATH: GET PATH through the load balancer as the admin (JSON).
TOK=""
api() {
	[ -n "$TOK" ] || TOK=$(aos token issue -f value -c id) || return 1
	tools/lab exec network curl -sf -m 30 -H "X-Auth-Token: $TOK" "$LB$1"
}
want_names() { python3 -c 'import json,sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["alive"])))' "$WORK/storm.json"; }
running_guests() {
	local d
	for d in "$LAB_DIR"/compute0/state/instances/*/; do
		grep -q '"power": *"running"' "$d/fake.json" 2>/dev/null && basename "$d"
	done | sort
}
# settled: the storm's servers are what the clients kept, all ACTIVE, and
# compute0 runs exactly them (the agent has caught up with the deletes).
settled() {
	api "/compute/v2.1/servers/detail?all_tenants=1&name=storm-" >"$WORK/settle.json" || return 1
	python3 - "$WORK/settle.json" "$WORK/storm.json" "$(running_guests | tr '\n' ' ')" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["servers"]
want = sorted(json.load(open(sys.argv[2]))["alive"])
run = sorted(sys.argv[3].split())
ok = (sorted(x["name"] for x in s) == want and all(x["status"] == "ACTIVE" for x in s)
      and sorted(x["id"] for x in s) == run)
sys.exit(0 if ok else 1)
EOF
}
# Bounded: the agent works through what the storm left (two minutes at
# most; then the checks below say what differs).
t0=$SECONDS
until settled || [ $((SECONDS - t0)) -ge 120 ]; do sleep 1; done

LIST=""
t_servers() {
	local want
	LIST=$(aos server list --all-projects --name storm- -f value -c ID -c Name -c Status) || return 1
	want=$(want_names)
	[ "$(awk '{print $2}' <<<"$LIST" | sort)" = "$want" ] || {
		echo "openstack server list:"; echo "$LIST"; echo "the clients made and kept:"; echo "$want"
		diff <(awk '{print $2}' <<<"$LIST" | sort) <(echo "$want"); return 1; }
	[ -z "$(awk '{print $2}' <<<"$LIST" | sort | uniq -d)" ] || { echo "duplicated: $(awk '{print $2}' <<<"$LIST" | sort | uniq -d)"; return 1; }
	! awk '{print $3}' <<<"$LIST" | grep -vx ACTIVE || { echo "$LIST"; return 1; }
}
check "no server lost or duplicated: openstack server list shows exactly what the clients kept, all ACTIVE" t_servers

t_ports() {
	api "/network/v2.0/ports?network_id=$NET_ID" >"$WORK/ports.json" &&
		api "/compute/v2.1/servers?all_tenants=1&name=storm-" >"$WORK/servers.json" || return 1
	python3 - "$WORK/ports.json" "$WORK/servers.json" <<'EOF'
import json, sys
ports = json.load(open(sys.argv[1]))["ports"]
servers = sorted(s["id"] for s in json.load(open(sys.argv[2]))["servers"])
owners = sorted(p["device_id"] for p in ports if p["device_owner"].startswith("compute:"))
ips = [f["ip_address"] for p in ports for f in p["fixed_ips"]]
bad = []
if owners != servers:
    bad.append("servers of the ports %s, servers %s" % (owners, servers))
if len(set(ips)) != len(ips):
    bad.append("an IP twice: %s" % sorted(ips))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
}
check "no port or IP lost or duplicated: one port per server, none left of the deleted, every IP once" t_ports

t_agents() {
	local now out
	now="$(cat "$LAB_DIR/compute0/basaltd.pid") $(cat "$LAB_DIR/network/basaltd.pid")"
	expect_eq "agent processes (compute0 network)" "$now" "$AGENTS" || return 1
	out=$(aos compute service list -f value -c Binary -c Host -c State) || return 1
	grep -qx "nova-compute compute0 up" <<<"$out" || { echo "$out"; return 1; }
	# Each controller, killed and started again, heartbeats its services
	# on the rows it made at first (one of each, up).
	for c in controller controller2; do
		for s in nova-scheduler nova-conductor; do
			[ "$(grep -cx "$s $c up" <<<"$out")" = 1 ] || { echo "$out"; return 1; }
		done
	done
	out=$(aos network agent list -f value -c Host -c Alive) || return 1
	grep -Eq "^network (True|:-\))$" <<<"$out" || { echo "$out"; return 1; }
}
check "the agents carried on: the same processes, compute0 up and the network agent alive; both controllers' nova-scheduler and nova-conductor up, once each" t_agents

t_guests() {
	local api run
	api=$(awk '{print $1}' <<<"$LIST" | sort)
	run=$(running_guests)
	[ -n "$api" ] && [ "$api" = "$run" ] || { echo "openstack server list:"; echo "$api"; echo "running on compute0:"; echo "$run"; return 1; }
}
check "openstack server list matches the guests compute0 runs" t_guests

t_clean() {
	local ids
	ids=$(awk '{print $1}' <<<"$LIST")
	[ -z "$ids" ] || aos server delete --wait $ids || return 1
	[ -z "$(aos server list --all-projects --name storm- -f value -c ID)" ]
}
check "the storm's servers delete cleanly afterwards" t_clean
