#!/usr/bin/env bash
# tests/pg/two_controllers.sh - two controllers on one PostgreSQL database
# (a throwaway cluster, tests/pg.sh), with concurrent writers on both:
#   * port creates on one small subnet from both at once: the pool is
#     handed out exactly once (no address twice, the rest 409 full);
#   * quota-limited creates from both at once: never more than the quota;
#   * every write transaction has its own revision (rows never share one);
#   * a long poll waiting on controller B returns when a write on A changes
#     what it waits for (LISTEN/NOTIFY; asserted by its answer, not a time).
# B shares A's database and A's secret key file, copied as an operator
# adding a controller does (docs/install.md): the token keys are in the
# database, sealed with it, and B validates A's tokens without a store read.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
DB=postgresql
. tests/lib.sh

plan 9
B_PID='' B_STATE=''
cleanup() {
	[ -n "$B_PID" ] && kill "$B_PID" 2>/dev/null && wait "$B_PID" 2>/dev/null
	[ -n "$B_STATE" ] && { sanitizer_free "$B_STATE/basaltd.log"; rm -rf "$B_STATE"; }
	[ -n "${W:-}" ] && rm -rf "$W"
	cleanup_controller
}
trap cleanup EXIT

start_controller || { not_ok "start controller A"; exit 1; }
A_URL=$URL
B_STATE=$(mktemp -d /tmp/basalt-test.XXXXXX)
B_PORT=$(free_port)
B_URL=http://127.0.0.1:$B_PORT
sed -e "s|^state_dir = .*|state_dir = $B_STATE|" -e "s|^listen = .*|listen = 127.0.0.1:$B_PORT|" \
	-e "s|^\[DEFAULT\]\$|[DEFAULT]\nhost = ctl-b|" "$CONF" >"$B_STATE/basalt.conf"
cp -a "$STATE/secret.key" "$B_STATE/"
"$BASALTD" --config "$B_STATE/basalt.conf" --role controller >>"$B_STATE/basaltd.log" 2>&1 &
B_PID=$!
started=no
for _ in $(seq 1 600); do
	curl -sf "$B_URL/" >/dev/null 2>&1 && { started=yes; break; }
	kill -0 "$B_PID" 2>/dev/null || break
	sleep 0.05
done
[ $started = yes ] || { not_ok "start controller B"; tail -n 30 "$B_STATE/basaltd.log" | sed 's/^/#   /'; exit 1; }
W=$(mktemp -d /tmp/basalt-pg2.XXXXXX)
T=$(admin_token)

# api BASE METHOD PATH [BODY]: the response body; the status in $W/status.
api() {
	curl -s --max-time 60 -o "$W/body" -w '%{http_code}' -X "$2" -H "X-Auth-Token: $T" \
		-H 'Content-Type: application/json' ${4:+-d "$4"} "$1$3" >"$W/status"
	cat "$W/body"
}
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[int(k)] if k.isdigit() else d[k]
print(d)' "$1"; }

t_b_serves() {
	local out
	out=$(api "$B_URL" GET /v3/projects?name=admin)
	expect_eq "B: GET /v3/projects with A's token" "$(cat "$W/status")" 200 &&
		expect_eq "B sees A's admin project" "$(jget projects.0.name <<<"$out")" admin
}
check "controller B serves A's database and validates A's tokens" t_b_serves

# Each controller records its nova-scheduler and nova-conductor (A's host
# is localhost, B's ctl-b): both see all four, up, each with its own id.
t_services() {
	local base out
	for base in "$A_URL" "$B_URL"; do
		out=$(curl -sf --max-time 30 -H "X-Auth-Token: $T" -H "OpenStack-API-Version: compute 2.52" \
			"$base/compute/v2.1/os-services" | python3 -c 'import json,sys
s = json.load(sys.stdin)["services"]
ids = [x["id"] for x in s]
print("ids unique" if len(set(ids)) == len(ids) else "ids twice: %r" % ids)
for x in s: print(x["binary"], x["host"], x["zone"], x["state"])') || return 1
		expect_line "$base" "$out" "ids unique" || return 1
		for h in localhost ctl-b; do
			expect_line "$base" "$out" "nova-scheduler $h internal up" &&
				expect_line "$base" "$out" "nova-conductor $h internal up" || return 1
		done
	done
}
check "both controllers list each one's nova-scheduler and nova-conductor (zone internal), up, no id twice" t_services

# burst N PATH BODY: N creates at once, alternately on A and B; the
# statuses in $W/burst/*.status, the bodies in *.body.
burst() {
	local i base pids=()
	rm -rf "$W/burst" && mkdir "$W/burst"
	for i in $(seq 1 "$1"); do
		if [ $((i % 2)) = 0 ]; then base=$A_URL; else base=$B_URL; fi
		curl -s --max-time 120 -o "$W/burst/$i.body" -w '%{http_code}' -X POST \
			-H "X-Auth-Token: $T" -H 'Content-Type: application/json' -d "$3" \
			"$base$2" >"$W/burst/$i.status" &
		pids+=($!)
	done
	wait "${pids[@]}"
}
statuses() { for f in "$W"/burst/*.status; do cat "$f"; echo; done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'; }

net=$(api "$A_URL" POST /network/v2.0/networks '{"network": {"name": "race"}}' | jget network.id)
sub=$(api "$B_URL" POST /network/v2.0/subnets '{"subnet": {"network_id": "'"$net"'", "cidr": "10.77.0.0/28", "ip_version": 4, "enable_dhcp": false}}' | jget subnet.id)

# A /28 less its gateway: 13 addresses (.2-.14); 24 creates race for them.
t_ipam() {
	burst 24 /network/v2.0/ports '{"port": {"network_id": "'"$net"'"}}'
	expect_eq "statuses of 24 creates on a 13-address pool" "$(statuses)" "201:13 409:11 " ||
		return 1
	local f
	for f in "$W"/burst/*.status; do
		[ "$(cat "$f")" = 409 ] || continue
		grep -q "No more IP addresses available" "${f%.status}.body" ||
			{ echo "409 body: $(cat "${f%.status}.body")"; return 1; }
	done
	local ips
	ips=$(api "$A_URL" GET "/network/v2.0/ports?network_id=$net" |
		python3 -c 'import json,sys; [print(ip["ip_address"]) for p in json.load(sys.stdin)["ports"] for ip in p["fixed_ips"]]' | sort)
	expect_eq "ports on the network" "$(wc -l <<<"$ips")" 13 &&
		expect_eq "distinct addresses" "$(sort -u <<<"$ips" | wc -l)" 13
}
check "24 port creates from two controllers on a 13-address subnet: 13 made, 11 refused 409, no address twice" t_ipam

proj=$(api "$A_URL" POST /v3/projects '{"project": {"name": "quota-race"}}' | jget project.id)
net2=$(api "$A_URL" POST /network/v2.0/networks '{"network": {"name": "race2", "project_id": "'"$proj"'"}}' | jget network.id)
api "$B_URL" POST /network/v2.0/subnets '{"subnet": {"network_id": "'"$net2"'", "project_id": "'"$proj"'", "cidr": "10.78.0.0/24", "ip_version": 4, "enable_dhcp": false}}' >/dev/null
api "$A_URL" PUT "/network/v2.0/quotas/$proj" '{"quota": {"port": 5}}' >/dev/null
t_quota() {
	burst 12 /network/v2.0/ports '{"port": {"network_id": "'"$net2"'", "project_id": "'"$proj"'"}}'
	expect_eq "statuses of 12 creates under a quota of 5" "$(statuses)" "201:5 409:7 " || return 1
	local f
	for f in "$W"/burst/*.status; do
		[ "$(cat "$f")" = 409 ] || continue
		grep -qF "Quota exceeded for resources: ['port']" "${f%.status}.body" ||
			{ echo "409 body: $(cat "${f%.status}.body")"; return 1; }
	done
	expect_eq "the project's ports" \
		"$(api "$B_URL" GET "/network/v2.0/ports?project_id=$proj" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ports"]))')" 5
}
check "12 quota-limited creates from two controllers: exactly the quota of 5 made, 7 refused 409" t_quota

t_revisions() {
	local out
	out=$(pg_psql "$(sed -E 's|^postgresql:///([^?]*).*|\1|' <<<"$DB_URL")" -At -c \
		"SELECT count(*), count(DISTINCT revision), max(revision) <= (SELECT revision FROM meta) FROM port")
	expect_eq "ports, distinct revisions, all at or below the global one" "$out" "18|18|t"
}
check "every port was written in its own revision, none above the global revision" t_revisions

# The wake-up: a network node registered through A; B's long poll on its
# desired state returns when A makes a network with a DHCP subnet.
api "$A_URL" PUT /agent/v1/hosts/net-w '{"host": {"roles": ["network"], "local_ip": "198.51.100.31"}}' >/dev/null
check "register a network node on A" expect_eq "PUT /agent/v1/hosts/net-w" "$(cat "$W/status")" 200
api "$A_URL" POST /agent/v1/hosts/net-w/heartbeat >/dev/null
etag=$(api "$B_URL" GET /agent/v1/hosts/net-w/desired | jget etag)
check "B answers the network node's desired state" expect_eq "GET desired on B" "$(cat "$W/status")" 200
t0=$(date +%s%N)
curl -s --max-time 120 -o "$W/poll.body" -w '%{http_code}' -H "X-Auth-Token: $T" \
	"$B_URL/agent/v1/hosts/net-w/desired?after=$etag&wait=30" >"$W/poll.status" &
poll=$!
# (Should A's write land before B suspends the poll, B answers the new
# document at once: the check below holds either way; a B that is never
# woken answers the old etag after 30 s and fails it.)
net3=$(api "$A_URL" POST /network/v2.0/networks '{"network": {"name": "wake"}}' | jget network.id)
api "$A_URL" POST /network/v2.0/subnets '{"subnet": {"network_id": "'"$net3"'", "cidr": "10.79.0.0/24", "ip_version": 4}}' >/dev/null
t1=$(date +%s%N)
check "A makes a network with a DHCP subnet" expect_eq "POST subnet on A" "$(cat "$W/status")" 201
wait "$poll"
t2=$(date +%s%N)
t_woken() {
	expect_eq "long poll status" "$(cat "$W/poll.status")" 200 || return 1
	local got
	got=$(jget etag <"$W/poll.body")
	[ "$got" != "$etag" ] || { echo "the poll answered the same document (etag $etag): it timed out"; return 1; }
}
check "B's long poll returned with the new desired state after A's write" t_woken
echo "# long poll on B answered at most $(( (t2 - t1) / 1000000 )) ms after A's subnet create answered ($(( (t2 - t0) / 1000000 )) ms after the poll was sent)"
sanitizer_free "$B_STATE/basaltd.log"
