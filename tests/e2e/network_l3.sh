#!/usr/bin/env bash
# tests/e2e/network_l3.sh - the network node's data plane (DHCP, a router
# with SNAT and a floating IP, the metadata proxy) driven by netnodectl
# from desired-state documents, in a topology made here (root only):
#   l3t-vm  (guest: udhcpc, an HTTP listener)  -- tenant bridge brql3tnett0001
#   l3t-ext (203.0.113.1, an HTTP server)      -- external bridge brql3tnete0001
# and a fake controller on loopback that checks the metadata signature.
# Also: an extra route (a packet from the guest follows it to the nexthop
# l3t-gw), removal of a floating IP, of everything, and kill -9 at random
# points of a reconcile converging to the same state without duplicates.
# Without the router the subnet is isolated: the DHCP namespace serves
# metadata (DHCP option 121 leads the guest there), across a kill -9, and
# stops when the router comes back.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip_tier "network_l3 needs root"
plan 19
CTL="$BUILD/tests/netnodectl"
[ -x "$CTL" ] || { not_ok "netnodectl built"; exit 1; }

T=l3tnett0001-0000-4000-8000-000000000001 # tenant network
E=l3tnete0001-0000-4000-8000-000000000002 # external network
R=l3trout0001-0000-4000-8000-000000000003 # router
PD=l3tpdhc0001-0000-4000-8000-000000000004 # DHCP port
PR=l3tpqr00001-0000-4000-8000-000000000005 # router interface port
PG=l3tpqg00001-0000-4000-8000-000000000006 # router gateway port
F=l3tfip00001-0000-4000-8000-000000000007 # floating IP
BT=brql3tnett0001 BE=brql3tnete0001
VM_MAC=fa:16:3e:00:00:05
SECRET=l3t-shared-secret

W=$(mktemp -d /tmp/l3t.XXXXXX)
# dnsmasq drops to nobody and must read its hosts and options files.
chmod 755 "$W"
PIDS=()
CTL_PID=

nsexec() { ip netns exec "$@"; }
cleanup() {
	local p
	[ -n "$CTL_PID" ] && kill -9 "$CTL_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# Whatever the test left: our namespaces, dnsmasq, links, bridges.
	for p in $(pgrep -f "dnsmasq.*$W" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^(l3t-|qdhcp-l3t|qrouter-l3t)"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for l in $BT $BE l3tvm0p l3text0p l3tgw0p tapl3tpdhc0001 tapl3tpqr00001 tapl3tpqg00001; do
		ip link del "$l" 2>/dev/null
	done
	sanitizer_free "$W"/ctl*.log
	rm -rf "$W"
}
trap cleanup EXIT
cleanup_pre() { W_SAVE=$W; W=/nonexistent; PIDS=(); cleanup 2>/dev/null; W=$W_SAVE; }
cleanup_pre

# --- the topology l2 would make, and the outside world ---
ip link add $BT type bridge && ip link set $BT up &&
	ip link add $BE type bridge && ip link set $BE up &&
	ip netns add l3t-vm && ip netns add l3t-ext &&
	ip link add l3tvm0 type veth peer name l3tvm0p &&
	ip link set l3tvm0 netns l3t-vm address $VM_MAC mtu 1500 &&
	ip link set l3tvm0p master $BT up mtu 1450 &&
	ip link add l3text0 type veth peer name l3text0p &&
	ip link set l3text0 netns l3t-ext && ip link set l3text0p master $BE up &&
	nsexec l3t-vm ip link set lo up && nsexec l3t-vm ip link set l3tvm0 up &&
	nsexec l3t-ext ip link set lo up && nsexec l3t-ext ip link set l3text0 up &&
	nsexec l3t-ext ip addr add 203.0.113.1/24 dev l3text0 ||
	{ not_ok "topology"; exit 1; }
# A plain HTTP server logging each client's address (http.server's own
# main resolves its name first, which waits for DNS the namespaces lack).
cat >"$W/serve.py" <<'EOF'
import http.server, socketserver, sys
socketserver.TCPServer.allow_reuse_address = True
socketserver.TCPServer((sys.argv[1], int(sys.argv[2])),
                       http.server.SimpleHTTPRequestHandler).serve_forever()
EOF
(cd "$W" && exec ip netns exec l3t-ext python3 -u serve.py 203.0.113.1 8080) >"$W/ext-http.log" 2>&1 &
PIDS+=($!)

# A controller's /metadata that checks the signature as the real one does
# and echoes what it was told.
cat >"$W/fakectl.py" <<'EOF'
import hashlib, hmac, json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
secret = sys.argv[1].encode()
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        net = self.headers.get("X-Basalt-Network-ID", "")
        ff = self.headers.get("X-Forwarded-For", "")
        want = hmac.new(secret, (net + "\n" + ff).encode(), hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, self.headers.get("X-Basalt-Signature", ""))
        body = json.dumps({"path": self.path, "network_id": net, "forwarded_for": ff}).encode()
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
python3 "$W/fakectl.py" "$SECRET" "$W/fakectl.port" >"$W/fakectl.log" 2>&1 &
FAKE_PID=$!
PIDS+=($FAKE_PID)
for _ in $(seq 50); do [ -s "$W/fakectl.port" ] && break; sleep 0.1; done
MDPORT=$(cat "$W/fakectl.port")

cat >"$W/node.conf" <<EOC
[DEFAULT]
host = l3t-net
state_dir = $W/state
[agent]
controller_url = http://127.0.0.1:$MDPORT
[network]
state_path = $W/state/network
[metadata]
proxy_shared_secret = $SECRET
EOC

# desired ETAG FIP(0|1) ROUTER(0|1) DHCP(0|1) [ISOLATED(0|1)]: a
# desired-state document (the router's extra routes: the JSON list in
# L3T_ROUTES; ISOLATED: the controller found no router leg on the subnet's
# gateway).
desired() {
	python3 - "$@" <<EOF
import json, os, sys
etag, fip, router, dhcp = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", sys.argv[4] == "1"
iso = len(sys.argv) > 5 and sys.argv[5] == "1"
doc = {"etag": etag, "host": "l3t-net",
       "networks": [{"id": "$T", "network_type": "vxlan", "segmentation_id": 77,
                     "physical_network": None, "mtu": 1450, "peers": []},
                    {"id": "$E", "network_type": "flat", "segmentation_id": None,
                     "physical_network": "ext", "mtu": 1500, "peers": []}],
       "ports": [], "security_groups": [], "dhcp": [], "routers": []}
if dhcp:
    doc["dhcp"].append({"network_id": "$T", "mtu": 1450,
        "port": {"id": "$PD", "mac_address": "fa:16:3e:00:00:02",
                 "fixed_ips": [{"subnet_id": "l3tsub", "ip_address": "10.99.0.2"}]},
        "subnets": [{"id": "l3tsub", "cidr": "10.99.0.0/24", "gateway_ip": "10.99.0.1",
                     "dns_nameservers": ["192.0.2.53"], "host_routes": [], "isolated": iso}],
        "hosts": [{"mac_address": "fa:16:3e:00:00:01", "ip_address": "10.99.0.1", "hostname": "host-10-99-0-1"},
                  {"mac_address": "fa:16:3e:00:00:02", "ip_address": "10.99.0.2", "hostname": "host-10-99-0-2"},
                  {"mac_address": "$VM_MAC", "ip_address": "10.99.0.5", "hostname": "vm1"}]})
if router:
    doc["routers"].append({"id": "$R", "admin_state_up": True, "enable_snat": True,
        "gateway": {"port_id": "$PG", "network_id": "$E", "mac_address": "fa:16:3e:00:01:0a",
                    "fixed_ips": [{"ip_address": "203.0.113.10", "prefixlen": 24}],
                    "gateway_ip": "203.0.113.1"},
        "interfaces": [{"port_id": "$PR", "network_id": "$T", "mac_address": "fa:16:3e:00:00:01",
                        "fixed_ips": [{"ip_address": "10.99.0.1", "prefixlen": 24,
                                       "subnet_id": "l3tsub", "cidr": "10.99.0.0/24"}]}],
        "floating_ips": [{"id": "$F", "floating_ip_address": "203.0.113.20",
                          "fixed_ip_address": "10.99.0.5"}] if fip else [],
        "routes": json.loads(os.environ.get("L3T_ROUTES") or "[]")})
print(json.dumps(doc))
EOF
}
# apply ETAG ARGS...: write the document and wait for its report.
apply() {
	local etag=$1
	desired "$@" >"$W/desired.tmp" && mv "$W/desired.tmp" "$W/desired.json"
	for _ in $(seq 150); do
		[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("etag"))' "$W/report.json" 2>/dev/null)" = "$etag" ] && return 0
		sleep 0.1
	done
	echo "no report for $etag"; cat "$W/report.json" 2>/dev/null; tail -20 "$W"/ctl*.log
	return 1
}
rfield() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$W/report.json" "$1"; }
start_ctl() {
	"$CTL" "$W/node.conf" "$W/desired.json" "$W/report.json" >>"$W/ctl$1.log" 2>&1 &
	CTL_PID=$!
}

desired d0 0 0 0 >"$W/desired.json"
start_ctl 0
t_converge() {
	apply d1 0 1 1 || return 1
	expect_eq rc "$(rfield rc)" 0 && expect_eq router "$(rfield routers.0.status)" ACTIVE
}
check "reconcile makes the DHCP namespace and the router (ACTIVE)" t_converge

# need WHAT CMD...: run CMD; on failure say what was missing.
need() { local what=$1; shift; "$@" >/dev/null 2>&1 || { echo "missing: $what"; return 1; }; }
master_of() { ip -o link show "$1" | grep -o "master [^ ]*"; }
t_objects() {
	need "DHCP address" sh -c "ip netns exec qdhcp-$T ip -br addr show ns-l3tpdhc0001 | grep -q 10.99.0.2/24" &&
		need "qr address" sh -c "ip netns exec qrouter-$R ip -br addr show qr-l3tpqr00001 | grep -q 10.99.0.1/24" &&
		need "qg address" sh -c "ip netns exec qrouter-$R ip -br addr show qg-l3tpqg00001 | grep -q 203.0.113.10/24" &&
		need "metadata address" sh -c "ip netns exec qrouter-$R ip -br addr show lo | grep -q 169.254.169.254/32" &&
		need "qr peer in $BT" test "$(master_of tapl3tpqr00001)" = "master $BT" &&
		need "qg peer in $BE" test "$(master_of tapl3tpqg00001)" = "master $BE" &&
		need "DHCP peer in $BT" test "$(master_of tapl3tpdhc0001)" = "master $BT" &&
		need "ip_forward" test "$(nsexec qrouter-$R cat /proc/sys/net/ipv4/ip_forward)" = 1 &&
		need "default route" sh -c "ip netns exec qrouter-$R ip route show default | grep -q 'via 203.0.113.1 dev qg-l3tpqg00001'" &&
		need "SNAT rule" sh -c "ip netns exec qrouter-$R nft list table ip basalt-nat | grep -q 'snat to 203.0.113.10'" &&
		need "one dnsmasq" test "$(pgrep -fc "dnsmasq.*$W")" = 1 ||
		{ ip netns list; pgrep -fa "dnsmasq.*$W"; return 1; }
}
check "namespaces, legs in the bridges, addresses, route, NAT and dnsmasq are in place" t_objects

cat >"$W/udhcpc.sh" <<EOF
#!/bin/sh
case "\$1" in
bound|renew)
	ip addr flush dev "\$interface"
	ip addr add "\$ip/\$mask" dev "\$interface"
	[ -n "\$mtu" ] && ip link set "\$interface" mtu "\$mtu"
	if [ -n "\$staticroutes" ]; then
		set -- \$staticroutes
		while [ \$# -ge 2 ]; do ip route replace "\$1" via "\$2" dev "\$interface"; shift 2; done
	elif [ -n "\$router" ]; then
		ip route replace default via "\${router%% *}" dev "\$interface"
	fi
	env >"$W/lease.env" ;;
esac
EOF
chmod +x "$W/udhcpc.sh"
t_dhcp() {
	nsexec l3t-vm busybox udhcpc -i l3tvm0 -n -q -t 5 -T 2 -O mtu -s "$W/udhcpc.sh" \
		>"$W/udhcpc.log" 2>&1 || { cat "$W/udhcpc.log"; return 1; }
	expect_line ip "$(cat "$W/lease.env")" "ip=10.99.0.5" &&
		expect_line mtu "$(cat "$W/lease.env")" "mtu=1450" &&
		expect_line router "$(cat "$W/lease.env")" "router=10.99.0.1" &&
		nsexec l3t-vm ip -br addr show l3tvm0 | grep -q "10.99.0.5/24"
}
check "the guest gets its address, router and MTU 1450 from dnsmasq" t_dhcp

t_snat() {
	nsexec l3t-vm curl -sf --max-time 5 -o /dev/null http://203.0.113.1:8080/ &&
		sleep 0.2 && tail -1 "$W/ext-http.log" | grep -q "^203.0.113.10 " ||
		{ tail -3 "$W/ext-http.log"; return 1; }
}
check "the guest reaches the outside, SNATed to the router's gateway address" t_snat

t_metadata() {
	local out
	out=$(nsexec l3t-vm curl -sf --max-time 10 http://169.254.169.254/openstack/latest/meta_data.json) ||
		{ echo "curl failed"; tail -5 "$W"/ctl*.log; return 1; }
	expect_eq path "$(jfield path <<<"$out")" /metadata/openstack/latest/meta_data.json &&
		expect_eq network "$(jfield network_id <<<"$out")" "$T" &&
		expect_eq guest "$(jfield forwarded_for <<<"$out")" 10.99.0.5
}
check "metadata: the proxy forwards to the controller, signed, with the guest's network and address" t_metadata

t_metadata_errors() {
	local code
	code=$(nsexec l3t-vm curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X PUT -d x \
		http://169.254.169.254/openstack/latest/meta_data.json)
	expect_eq PUT "$code" 405 || return 1
	code=$(printf 'GARBAGE\r\n\r\n' | nsexec l3t-vm timeout 5 busybox nc 169.254.169.254 80 | head -1 | tr -d '\r')
	expect_eq garbage "$code" "HTTP/1.0 400 Bad Request" || return 1
	kill "$FAKE_PID" && wait "$FAKE_PID" 2>/dev/null
	code=$(nsexec l3t-vm curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		http://169.254.169.254/openstack/latest/meta_data.json)
	expect_eq "controller down" "$code" 502
}
check "metadata: 405 for PUT (the proxy serves GET and POST), 400 for garbage, 502 when the controller is unreachable" t_metadata_errors

t_fip() {
	apply d2 1 1 1 || return 1
	expect_eq fip "$(rfield floatingips.0.status)" ACTIVE || return 1
	(cd "$W" && exec ip netns exec l3t-vm python3 -u serve.py 10.99.0.5 8081) >"$W/vm-http.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 30); do nsexec l3t-vm ss -ltn | grep -q 10.99.0.5:8081 && break; sleep 0.1; done
	nsexec l3t-ext curl -sf --max-time 5 -o /dev/null http://203.0.113.20:8081/ &&
		sleep 0.2 && tail -1 "$W/vm-http.log" | grep -q "^203.0.113.1 " ||
		{ echo "inbound:"; tail -3 "$W/vm-http.log"; return 1; }
	nsexec qrouter-$R ip -br addr show qg-l3tpqg00001 | grep -q "203.0.113.20/32" || return 1
	nsexec l3t-vm curl -sf --max-time 5 -o /dev/null http://203.0.113.1:8080/ &&
		sleep 0.2 && tail -1 "$W/ext-http.log" | grep -q "^203.0.113.20 " ||
		{ echo "outbound:"; tail -3 "$W/ext-http.log"; return 1; }
}
check "a floating IP: the outside reaches the guest through it, the guest leaves with it" t_fip

t_fip_gone() {
	apply d3 0 1 1 || return 1
	! nsexec qrouter-$R nft list table ip basalt-nat | grep -q "dnat" &&
		! nsexec qrouter-$R ip -br addr show qg-l3tpqg00001 | grep -q "203.0.113.20" &&
		! nsexec l3t-ext curl -sf --max-time 2 -o /dev/null http://203.0.113.20:8081/
}
check "removing the floating IP removes its DNAT and address" t_fip_gone

# A second router on the tenant network, l3t-gw (10.99.0.7), in front of
# 192.0.2.77 (an HTTP server on its loopback): the extra route
# 192.0.2.64/26 via 10.99.0.7 sends the guest's packets there through the
# router (the guest knows only its default route).
t_extra_route() {
	ip netns add l3t-gw && ip link add l3tgw0 type veth peer name l3tgw0p &&
		ip link set l3tgw0 netns l3t-gw && ip link set l3tgw0p master $BT up mtu 1450 &&
		nsexec l3t-gw ip link set lo up && nsexec l3t-gw ip link set l3tgw0 up mtu 1450 &&
		nsexec l3t-gw ip addr add 10.99.0.7/24 dev l3tgw0 &&
		nsexec l3t-gw ip addr add 192.0.2.77/32 dev lo || return 1
	(cd "$W" && exec ip netns exec l3t-gw python3 -u serve.py 192.0.2.77 8082) >"$W/gw-http.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 30); do nsexec l3t-gw ss -ltn | grep -q 192.0.2.77:8082 && break; sleep 0.1; done
	nsexec l3t-vm curl -sf --max-time 2 -o /dev/null http://192.0.2.77:8082/ &&
		{ echo "reached 192.0.2.77 before the route"; return 1; }
	L3T_ROUTES='[{"destination": "192.0.2.64/26", "nexthop": "10.99.0.7"}]' apply x1 0 1 1 || return 1
	expect_eq rc "$(rfield rc)" 0 || return 1
	nsexec qrouter-$R ip route show proto static | grep -q "192.0.2.64/26 via 10.99.0.7 dev qr-l3tpqr00001" ||
		{ nsexec qrouter-$R ip route; return 1; }
	nsexec l3t-vm curl -sf --max-time 5 -o /dev/null http://192.0.2.77:8082/ &&
		sleep 0.2 && tail -1 "$W/gw-http.log" | grep -q "^10.99.0.5 " ||
		{ tail -3 "$W/gw-http.log"; return 1; }
}
check "an extra route: in the router's namespace, and the guest's packet follows it to its nexthop" t_extra_route

t_extra_route_gone() {
	apply x2 0 1 1 || return 1
	! nsexec qrouter-$R ip route show proto static | grep -q via &&
		! nsexec l3t-vm curl -sf --max-time 2 -o /dev/null http://192.0.2.77:8082/ ||
		{ nsexec qrouter-$R ip route; return 1; }
}
check "removing the extra route removes it from the namespace: 192.0.2.77 unreachable" t_extra_route_gone

# The state as the kernel shows it (names, addresses, masters, rules).
snapshot() {
	ip netns list | awk '{print $1}' | grep -E "^(qdhcp|qrouter)-l3t" | sort
	for ns in qdhcp-$T qrouter-$R; do
		echo "== $ns"
		nsexec $ns ip -br -4 addr 2>&1 | sed 's/@[^ ]*//' | awk '{$2=""; print}' | sort
		nsexec $ns ip route 2>&1 | sort
	done
	nsexec qrouter-$R nft list table ip basalt-nat 2>&1 | grep -v handle
	ip -o link show | grep -oE "tapl3t[^:@]*.*master [^ ]*" | awk '{print $1, $NF}' | sort
	echo "dnsmasq $(pgrep -fc "dnsmasq.*$W")"
}
snapshot >"$W/snap.ref"

t_idempotent() {
	apply d3b 0 1 1 && expect_eq rc "$(rfield rc)" 0 && snapshot >"$W/snap.again" &&
		diff "$W/snap.ref" "$W/snap.again"
}
check "a second round on the same document changes nothing" t_idempotent

t_kill9() {
	local i
	for i in 1 2 3 4; do
		apply k$i-empty 0 0 0 || return 1
		kill -9 "$CTL_PID"; wait "$CTL_PID" 2>/dev/null
		desired k$i 0 1 1 >"$W/desired.json"
		start_ctl $i
		sleep "0.0$((RANDOM % 9 + 1))"
		kill -9 "$CTL_PID"; wait "$CTL_PID" 2>/dev/null
		start_ctl $i
		apply k$i-after 0 1 1 || return 1
		expect_eq rc "$(rfield rc)" 0 || return 1
		snapshot >"$W/snap.k$i"
		diff "$W/snap.ref" "$W/snap.k$i" || return 1
	done
}
check "kill -9 in the middle of a reconcile, then a round: the same state, no duplicates" t_kill9

t_metadata_after_restart() {
	python3 "$W/fakectl.py" "$SECRET" "$W/fakectl.port2" >"$W/fakectl2.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do [ -s "$W/fakectl.port2" ] && break; sleep 0.1; done
	sed -i "s|controller_url = .*|controller_url = http://127.0.0.1:$(cat "$W/fakectl.port2")|" "$W/node.conf"
	kill "$CTL_PID"; wait "$CTL_PID" 2>/dev/null
	start_ctl 9
	apply m1 0 1 1 || return 1
	nsexec l3t-vm curl -sf --max-time 10 http://169.254.169.254/latest/meta-data/ | grep -q '"forwarded_for": "10.99.0.5"'
}
check "a restarted node listens for metadata again" t_metadata_after_restart

# md_soon: the guest's metadata within 10 s (new legs take a moment to
# learn the guest's neighbour entry).
md_soon() {
	for _ in $(seq 10); do
		nsexec l3t-vm curl -sf --max-time 3 http://169.254.169.254/latest/meta-data/ |
			grep -q '"forwarded_for": "10.99.0.5"' && return 0
		sleep 1
	done
	return 1
}
t_ns_made_again() {
	# Someone removes the router's namespace; the next round makes it
	# again, and the proxy must listen in the new one, not the dead one.
	ip netns del "qrouter-$R" || return 1
	apply m2 0 1 1 || return 1
	md_soon
}
check "a router namespace made again gets the metadata proxy again" t_ns_made_again

# The router goes: the subnet is isolated, and the DHCP namespace serves
# metadata, the route to it handed out by DHCP (option 121, with the
# default route: a client taking 121 ignores the router option).
md_listeners() { nsexec "qdhcp-$T" ss -Hltn 'sport = :80' | wc -l; }
t_isolated() {
	apply i1 0 0 1 1 || return 1
	expect_eq rc "$(rfield rc)" 0 || return 1
	nsexec l3t-vm ip route flush dev l3tvm0 proto boot 2>/dev/null
	nsexec l3t-vm ip route del default 2>/dev/null
	nsexec l3t-vm busybox udhcpc -i l3tvm0 -n -q -t 5 -T 2 -O mtu -O staticroutes -s "$W/udhcpc.sh" \
		>"$W/udhcpc.log" 2>&1 || { cat "$W/udhcpc.log"; return 1; }
	expect_line routes "$(cat "$W/lease.env")" "staticroutes=169.254.169.254/32 10.99.0.2 0.0.0.0/0 10.99.0.1" &&
		expect_eq "route to 169.254.169.254" \
			"$(nsexec l3t-vm ip -o route get 169.254.169.254 | grep -o 'via [^ ]*')" "via 10.99.0.2" &&
		expect_eq "listeners in qdhcp-" "$(md_listeners)" 1 || return 1
	# What the guest says about itself is not forwarded: the namespace
	# names the network, the source address the guest.
	local out
	out=$(nsexec l3t-vm curl -sf --max-time 10 -H 'X-Forwarded-For: 10.99.0.9' \
		-H 'X-Basalt-Network-ID: l3t-someone-else' -H 'X-Basalt-Signature: 00' \
		http://169.254.169.254/latest/meta-data/public-keys/) ||
		{ echo "curl failed"; tail -5 "$W"/ctl*.log; return 1; }
	expect_eq path "$(jfield path <<<"$out")" /metadata/latest/meta-data/public-keys/ &&
		expect_eq network "$(jfield network_id <<<"$out")" "$T" &&
		expect_eq guest "$(jfield forwarded_for <<<"$out")" 10.99.0.5
}
check "no router: the DHCP namespace serves metadata with the guest's network and address (forged headers ignored), DHCP routes the guest there" t_isolated

t_isolated_kill9() {
	kill -9 "$CTL_PID"; wait "$CTL_PID" 2>/dev/null
	start_ctl 10
	apply i2 0 0 1 1 || return 1
	expect_eq rc "$(rfield rc)" 0 && expect_eq "listeners in qdhcp-" "$(md_listeners)" 1 &&
		expect_eq dnsmasq "$(pgrep -fc "dnsmasq.*$W")" 1 &&
		expect_eq "169.254.169.254 on lo" "$(nsexec "qdhcp-$T" ip -br -4 addr show lo | grep -o '169.254.169.254/32')" \
			169.254.169.254/32 || return 1
	nsexec l3t-vm curl -sf --max-time 10 http://169.254.169.254/latest/meta-data/ | grep -q '"forwarded_for": "10.99.0.5"'
}
check "kill -9 of the node, a round: the DHCP namespace's proxy is back, once, with one dnsmasq" t_isolated_kill9

t_router_back() {
	apply i3 0 1 1 0 || return 1
	expect_eq rc "$(rfield rc)" 0 && expect_eq "listeners in qdhcp-" "$(md_listeners)" 0 &&
		expect_eq "lo of qdhcp-" "$(nsexec "qdhcp-$T" ip -br -4 addr show lo | awk '{$1=$2=""; print}' | xargs)" \
			127.0.0.1/8 &&
		expect_line opts "$(cat "$W/state/network/dhcp/$T/opts")" \
			"tag:subnet0,option:classless-static-route,169.254.169.254/32,10.99.0.1,0.0.0.0/0,10.99.0.1" || return 1
	# (as the guest's next lease says)
	nsexec l3t-vm ip route replace 169.254.169.254/32 via 10.99.0.1 dev l3tvm0
	md_soon
}
check "the router back: the DHCP namespace stops serving (no listener, no address), the route leads to the router, which serves" t_router_back

t_foreign() {
	# Another network agent on this machine (a second lab) has its own
	# namespaces in /run/netns: a round leaves them alone.
	local fr=qrouter-l3t-foreign-$$ fd=qdhcp-l3t-foreign-$$ rc=0
	ip netns add "$fr" && ip netns add "$fd" || return 1
	apply m3 0 1 1 || rc=1
	[ -e "/run/netns/$fr" ] && [ -e "/run/netns/$fd" ] ||
		{ echo "another agent's namespace was removed"; rc=1; }
	ip netns del "$fr" 2>/dev/null; ip netns del "$fd" 2>/dev/null
	return $rc
}
check "namespaces this node did not make are left alone" t_foreign

t_remove_all() {
	apply gone 0 0 0 || return 1
	expect_eq routers "$(rfield routers)" "[]" || return 1
	! ip netns list | grep -qE "^(qdhcp|qrouter)-l3t" &&
		! ip -o link show | grep -q "tapl3t" &&
		[ "$(pgrep -fc "dnsmasq.*$W")" = 0 ] &&
		[ -z "$(ls -A "$W/state/network/dhcp")" ] ||
		{ ip netns list; ip -o link show | grep tapl3t; ls "$W/state/network/dhcp"; return 1; }
}
check "removing the router and DHCP leaves no namespace, leg, dnsmasq or state" t_remove_all

kill "$CTL_PID" 2>/dev/null && wait "$CTL_PID" 2>/dev/null
CTL_PID=
