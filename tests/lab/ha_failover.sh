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
# temp dir), also under LAB_SHARED=1 where the shared 3-node lab of
# tests/run stays up beside it untouched. HA_DB=sqlite runs the same on
# one SQLite file (the lab's nodes share a machine). Run it under
# flock /tmp/basalt-ns.lock. Prints TAP.
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
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp -r "$LAB_DIR"/. "$KEEP_LOGS"/ 2>/dev/null
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
		aos subnet create --network ha-net --subnet-range 10.62.0.0/24 ha-sub >/dev/null &&
		aos quota set --instances 200 --cores 200 --ram 200000 admin || return 1
	AGENTS="$(cat "$LAB_DIR/compute0/basaltd.pid") $(cat "$LAB_DIR/network/basaltd.pid")"
}
check "a tenant network for the storm" t_setup || exit 1

# The storm runs in the network node's namespace (on the management
# network, as a user's client would be) against the load balancer.
STOP=$WORK/stop
t_storm() {
	rm -f "$STOP"
	tools/lab exec network python3 tests/lab/ha_storm.py "$LB" "$(cat "$LAB_DIR/admin-password")" \
		"$NET_ID" "$WORK/storm.json" "$STOP" 4 30 >"$WORK/storm.log" 2>&1 &
	local storm=$! c
	# Wait for the storm to be under way, then each controller in turn:
	# SIGKILL, start again (tools/lab start waits for its API), go on.
	for _ in $(seq 1 300); do
		grep -q 'under way' "$WORK/storm.log" && break
		sleep 0.1
	done
	for c in controller controller2; do
		sleep 1
		echo "# $(date +%T.%N | cut -c1-12) kill -9 $c"
		kill -9 "$(cat "$LAB_DIR/$c/basaltd.pid")" || return 1
		sleep 1
		tools/lab start "$c" >>"$WORK/start.log" 2>&1 || { cat "$WORK/start.log"; return 1; }
		echo "# $(date +%T.%N | cut -c1-12) $c answers again"
	done
	sleep 1
	touch "$STOP"
	wait "$storm" || { cat "$WORK/storm.log"; return 1; }
	python3 - "$WORK/storm.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["requests"]
kinds = {}
for q in r:
    kinds[q.get("kind", "none")] = kinds.get(q.get("kind", "none"), 0) + 1
print("# %d requests: %s; %d servers kept, %d deleted" % (len(r), kinds, len(d["alive"]), len(d["deleted"])))
bad = [q for q in r if q.get("kind") != "ok" and q.get("kind") != "retryable"]
for q in bad[:10]:
    print("unretryable: %s" % q)
sys.exit(1 if bad or not d["alive"] else 0)
EOF
}
check "a storm of creates and deletes from 4 clients while each controller is killed -9 and restarted: every request succeeded or failed retryably" t_storm

# Wait (bounded) until the storm's servers are ACTIVE and its deletes gone.
settled() {
	local out
	out=$(aos server list --all-projects --name '^storm-' -f value -c Name -c Status) || return 1
	! grep -qv ' ACTIVE$' <<<"$out" &&
		[ "$(grep -c . <<<"$out")" = "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["alive"]))' "$WORK/storm.json")" ]
}
for _ in $(seq 1 60); do settled && break; sleep 1; done

t_servers() {
	local api want
	api=$(aos server list --all-projects --name '^storm-' -f value -c Name | sort)
	want=$(python3 -c 'import json,sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["alive"])))' "$WORK/storm.json")
	[ "$api" = "$want" ] || { echo "the API lists:"; echo "$api"; echo "the clients made and kept:"; echo "$want"; diff <(echo "$api") <(echo "$want"); return 1; }
	[ -z "$(uniq -d <<<"$api")" ] || { echo "duplicated: $(uniq -d <<<"$api")"; return 1; }
	aos server list --all-projects --name '^storm-' -f value -c Status | grep -vx ACTIVE && return 1
	return 0
}
check "no server lost or duplicated: the API lists exactly what the clients kept, all ACTIVE" t_servers

# api PATH: GET PATH of the load balancer's API as the admin (JSON).
api() {
	local tok
	tok=$(aos token issue -f value -c id) || return 1
	tools/lab exec network curl -sf -m 30 -H "X-Auth-Token: $tok" "$LB$1"
}
t_ports() {
	api "/network/v2.0/ports?network_id=$NET_ID" >"$WORK/ports.json" &&
		api "/compute/v2.1/servers?all_tenants=1&name=%5Estorm-" >"$WORK/servers.json" || return 1
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
print("# %d server ports, %d IPs on the network" % (len(owners), len(ips)))
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
	out=$(aos compute service list -f value -c Host -c State) || return 1
	grep -qx "compute0 up" <<<"$out" || { echo "$out"; return 1; }
	out=$(aos network agent list -f value -c Host -c Alive) || return 1
	grep -Eq "^network (True|:-\))$" <<<"$out" || { echo "$out"; return 1; }
}
check "the agents carried on: the same processes, compute0 up and the network agent alive" t_agents

t_guests() {
	local api run d
	api=$(aos server list --all-projects --name '^storm-' -f value -c ID | sort)
	run=$(for d in "$LAB_DIR"/compute0/state/instances/*/; do
		grep -q '"power": *"running"' "$d/fake.json" 2>/dev/null && basename "$d"
	done | sort)
	[ "$api" = "$run" ] || { echo "API:"; echo "$api"; echo "running on compute0:"; echo "$run"; return 1; }
}
check "openstack server list matches the guests compute0 runs" t_guests

t_clean() {
	local ids
	ids=$(aos server list --all-projects --name '^storm-' -f value -c ID) &&
		[ -z "$ids" ] || aos server delete --wait $ids
}
check "the storm's servers delete cleanly afterwards" t_clean
