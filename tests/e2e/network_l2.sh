#!/bin/bash
# tests/e2e/network_l2.sh - L2 and security groups on the nodes (root):
# a controller and two compute agents (virt_type fake), each in its own
# network namespace on an underlay bridge (198.51.100.0/24). A network, a
# subnet and one port bound to each host, made through the Neutron API,
# must give on each host the bridge, the vxlan device flooding to the
# other host, the port's tap and the nftables tables; a "VM" namespace per
# host (a veth relayed to the real tap by a small reader) then pings
# across the VXLAN, security-group rules open ICMP, spoofed sources are
# dropped, an agent killed with -9 restarts into the same state, and
# deleting everything leaves no brq/vxlan/tap/nft table behind.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip_tier "network_l2 needs root"
plan 44

NS_C=l2t-c NS_1=l2t-h1 NS_2=l2t-h2 NS_V1=l2t-vm1 NS_V2=l2t-vm2
ALL_NS="$NS_C $NS_1 $NS_2 $NS_V1 $NS_V2"
STATE=$(mktemp -d /tmp/basalt-l2t.XXXXXX)
CONF=$STATE/basalt.conf
PORT=5000
URL=http://198.51.100.1:$PORT
PIDS=()

cleanup() {
	for p in "${PIDS[@]}" ${AGENT1:-} ${AGENT2:-} ${CTRL:-}; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in $ALL_NS; do ip netns del "$n" 2>/dev/null; done
	sanitizer_free "$STATE"/*.log "$STATE"/*/*.log
	[ -n "${L2T_KEEP:-}" ] || rm -rf "$STATE"
}
trap cleanup EXIT

in_c() { ip netns exec $NS_C "$@"; }
fails() { ! "$@"; }
os() { in_c timeout 60 openstack "$@"; }

# --- the underlay: a bridge in the controller's namespace, one veth per host
for n in $ALL_NS; do ip netns del "$n" 2>/dev/null; ip netns add "$n"; done
for n in $ALL_NS; do ip -n "$n" link set lo up; done
ip -n $NS_C link add l2t-u type bridge
ip -n $NS_C link set l2t-u up
ip -n $NS_C addr add 198.51.100.1/24 dev l2t-u
for i in 1 2; do
	ip link add l2t-u$i netns $NS_C type veth peer name uplink netns l2t-h$i
	ip -n $NS_C link set l2t-u$i master l2t-u up
	ip -n l2t-h$i addr add 198.51.100.1$i/24 dev uplink
	ip -n l2t-h$i link set uplink up
	# The provider (flat) network's interface, unaddressed.
	ip link add l2t-pp$i netns $NS_C type veth peer name l2t-phys netns l2t-h$i
	ip -n $NS_C link set l2t-pp$i up
done

# --- the controller, inside its namespace
cat >"$CONF" <<EOC
[DEFAULT]
state_dir = $STATE
log_level = info
[api]
listen = 198.51.100.1:$PORT
public_url = $URL
[identity]
password_hash_opslimit = 1
password_hash_memlimit_kib = 8192
[compute]
heartbeat_interval = 2
EOC
"$BASALTD" --config "$CONF" bootstrap --admin-password "$ADMIN_PASSWORD" >"$STATE/bootstrap.log" 2>&1 ||
	{ not_ok "bootstrap"; cat "$STATE/bootstrap.log"; exit 1; }
# Not through in_c: $! must be basaltd (ip execs it), not a subshell that
# cleanup would kill while the controller lives on.
ip netns exec "$NS_C" "$BASALTD" --config "$CONF" --role controller >"$STATE/controller.log" 2>&1 &
CTRL=$!
for _ in $(seq 100); do in_c curl -sf "$URL/" >/dev/null 2>&1 && break; sleep 0.1; done
export OS_AUTH_URL="$URL/v3" OS_USERNAME=admin OS_PASSWORD="$ADMIN_PASSWORD" \
	OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
	OS_IDENTITY_API_VERSION=3 OS_INTERFACE=public OS_REGION_NAME=RegionOne
check "controller answers in its namespace" in_c curl -sf "$URL/"
make_service_user || { not_ok "service user"; exit 1; }

# --- two compute agents with distinct local_ip
start_agent() { # N ROLES
	local h=l2t-h$1
	mkdir -p "$STATE/$h"
	if [ ! -f "$STATE/$h.conf" ]; then
		agent_conf "$h" fake "$STATE/$h.conf"
		printf '[network]\nlocal_ip = 198.51.100.1%s\nphysical_interface_mappings = physnet1:l2t-phys\n' \
			"$1" >>"$STATE/$h.conf"
	fi
	ip netns exec "$h" "$BASALTD" --config "$STATE/$h.conf" --role "$2" \
		>>"$STATE/$h.log" 2>&1 &
	eval "AGENT$1=$!"
}
start_agent 1 compute
# The second host carries the network role too: one agent, both roles.
start_agent 2 compute,network

wait_for() { # SECONDS CMD...: retry CMD until it succeeds
	local t=$1; shift
	for _ in $(seq $((t * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	"$@"
}
hosts_up() { [ "$(os compute service list -f value -c Host | grep -c '^l2t-h')" = 2 ]; }
check "both agents registered" wait_for 20 hosts_up
check "the compute,network host is a network agent" sh -c \
	"ip netns exec $NS_C timeout 60 openstack network agent list -f value -c Host | grep -x l2t-h2 >/dev/null"

# --- a network, a subnet, a group without ingress rules, a port per host
NET=$(os network create l2t-net -f value -c id)
os subnet create l2t-sub --network l2t-net --subnet-range 10.0.0.0/24 --no-dhcp >/dev/null
SG=$(os security group create l2t-sg -f value -c id)
P1=$(os port create l2t-p1 --network l2t-net --fixed-ip ip-address=10.0.0.5 \
	--security-group l2t-sg --device-owner compute:nova --host l2t-h1 -f value -c id)
P2=$(os port create l2t-p2 --network l2t-net --fixed-ip ip-address=10.0.0.6 \
	--security-group l2t-sg --device-owner compute:nova --host l2t-h2 -f value -c id)
M1=$(os port show "$P1" -f value -c mac_address)
M2=$(os port show "$P2" -f value -c mac_address)
VNI=$(os network show l2t-net -f value -c provider:segmentation_id)
MTU=$(os network show l2t-net -f value -c mtu)
BR=brq${NET:0:11} T1=tap${P1:0:11} T2=tap${P2:0:11}
echo "# network $NET vni $VNI mtu $MTU ports $P1 ($M1) $P2 ($M2)"

has_link() { ip -n "$1" -o link show "$2" >/dev/null 2>&1; }
master_of() { ip -n "$1" -o link show "$2" | grep -o 'master [^ ]*' | cut -d' ' -f2; }
fdb_dsts() { bridge -n "$1" fdb show dev vxlan-$VNI | grep '^00:00:00:00:00:00' | grep -o 'dst [^ ]*' | sort; }
port_active() { [ "$(os port show "$1" -f value -c status)" = ACTIVE ]; }
for i in 1 2; do
	h=l2t-h$i; t=$([ $i = 1 ] && echo $T1 || echo $T2); peer=198.51.100.1$((3 - i))
	check "$h: bridge $BR" wait_for 20 has_link $h $BR
	check "$h: vxlan-$VNI in $BR" wait_for 10 test "$(master_of $h vxlan-$VNI)" = $BR
	check "$h: tap $t in $BR with mtu $MTU" wait_for 10 sh -c \
		"ip -n $h -o link show $t | grep -q 'mtu $MTU .*master $BR'"
	check "$h: vxlan floods to exactly $peer" wait_for 10 test "$(fdb_dsts $h)" = "dst $peer"
	m=$([ $i = 1 ] && echo $M2 || echo $M1)
	check "$h: the other port's MAC $m goes to $peer alone" wait_for 10 sh -c \
		"bridge -n $h fdb show dev vxlan-$VNI | grep -x '$m dst $peer self permanent' >/dev/null"
	check "$h: nft tables bridge and inet basalt-sg" sh -c \
		"ip netns exec $h nft list table bridge basalt-sg >/dev/null &&
		 ip netns exec $h nft list table inet basalt-sg | grep -q 'ct state established,related accept'"
done
check "port 1 ACTIVE" wait_for 20 port_active "$P1"
check "port 2 ACTIVE" wait_for 20 port_active "$P2"
check "anti-spoofing of port 1 names its MAC" sh -c \
	"ip netns exec $NS_1 nft list table bridge basalt-sg | grep -q 'ether saddr != $M1 drop'"

# --- "VMs": a namespace per host whose eth0 (the port's MAC and IP) is
# relayed to the real tap by a reader, as QEMU would read it.
cat >"$STATE/relay.py" <<'EOP'
import fcntl, os, select, socket, struct, sys
tap, dev = sys.argv[1], sys.argv[2]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", tap.encode(), 0x0002 | 0x1000))  # TUNSETIFF IFF_TAP|IFF_NO_PI
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
print("ready", flush=True)
while True:
    r, _, _ = select.select([fd, s], [], [])
    if fd in r:
        s.send(os.read(fd, 65536))
    if s in r:
        data, addr = s.recvfrom(65536)
        if addr[2] != socket.PACKET_OUTGOING:
            os.write(fd, data)
EOP
plug_vm() { # N TAP MAC IP
	local h=l2t-h$1 v=l2t-vm$1
	ip link add l2t-r$1 netns $h type veth peer name eth0 netns $v
	ip -n $h link set l2t-r$1 up
	ip -n $v link set eth0 address "$3" mtu "$MTU" up
	ip -n $v addr add "$4/24" dev eth0
	# veth leaves TCP checksums to "hardware"; the relay is no hardware,
	# so the VM computes them itself (ETHTOOL_STXCSUM off, no ethtool here).
	ip netns exec $v python3 -c '
import array, fcntl, socket, struct
ev, s = array.array("I", [0x17, 0]), socket.socket()
fcntl.ioctl(s.fileno(), 0x8946, struct.pack("16sP", b"eth0", ev.buffer_info()[0]))'
	ip netns exec $h python3 "$STATE/relay.py" "$2" l2t-r$1 >"$STATE/relay$1.log" 2>&1 &
	PIDS+=($!)
}
plug_vm 1 $T1 "$M1" 10.0.0.5
plug_vm 2 $T2 "$M2" 10.0.0.6
check "relays attached to the taps" wait_for 10 sh -c "grep -q ready $STATE/relay1.log && grep -q ready $STATE/relay2.log"
vping() { ip netns exec l2t-vm$1 busybox ping -c 2 -W 2 "${@:2}"; }
# ARP is allowed (anti-spoofing lets the port's own MAC/IP through) and
# egress is open, but l2t-sg has no ingress rule yet.
check "no ingress rule: vm1 -> vm2 ICMP dropped" sh -c "! ip netns exec $NS_V1 busybox ping -c 2 -W 2 10.0.0.6"
check "ARP resolved across the VXLAN" sh -c "ip -n $NS_V1 neigh show 10.0.0.6 | grep -qi '$M2'"
os security group rule create l2t-sg --ingress --protocol icmp >/dev/null
check "ingress ICMP rule: vm1 -> vm2 ping across the VXLAN" wait_for 15 vping 1 10.0.0.6
check "and vm2 -> vm1" wait_for 10 vping 2 10.0.0.5
# vm2 counts what reaches it by source; vm1 knows vm2's MAC, and vm2
# 10.0.0.99's, so nothing but the anti-spoofing rule can stop the packets.
ip netns exec $NS_V2 nft -f - <<'EON'
table ip l2tcount {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr 10.0.0.99 counter
		ip saddr 10.0.0.5 counter
	}
}
EON
counted() { ip netns exec $NS_V2 nft list chain ip l2tcount in | grep "saddr $1 counter" | grep -o 'packets [0-9]*'; }
ip -n $NS_V1 addr add 10.0.0.99/24 dev eth0
ip -n $NS_V1 neigh replace 10.0.0.6 lladdr "$M2" dev eth0
ip -n $NS_V2 neigh replace 10.0.0.99 lladdr "$M1" dev eth0
ip netns exec $NS_V1 busybox ping -c 3 -W 1 -I 10.0.0.99 10.0.0.6 >/dev/null 2>&1
check "spoofed source 10.0.0.99 never reaches vm2" expect_eq spoofed "$(counted 10.0.0.99)" "packets 0"
ip -n $NS_V1 addr del 10.0.0.99/24 dev eth0
check "the port's own address still passes" vping 1 10.0.0.6
check "and reaches vm2 (the counter works)" sh -c "! test '$(counted 10.0.0.5)' = 'packets 0'"
ip -n $NS_V2 link set eth0 address fa:16:3e:99:99:99
ip -n $NS_V2 neigh flush all; ip -n $NS_V1 neigh flush all
check "spoofed MAC dropped" sh -c "! ip netns exec $NS_V2 busybox ping -c 2 -W 2 10.0.0.5"
ip -n $NS_V2 link set eth0 address "$M2"
ip netns exec $NS_V2 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(8)
while True: s.accept()[0].close()' &
PIDS+=($!)
tcp22() { ip netns exec $NS_V1 timeout 4 python3 -c '
import socket; socket.create_connection(("10.0.0.6", 22), timeout=2)'; }
check "TCP 22 closed while only ICMP is allowed" fails tcp22
os security group rule create l2t-sg --ingress --protocol tcp --dst-port 20:22 >/dev/null
check "TCP 22 open once a rule allows ports 20-22" wait_for 15 tcp22

# --- a network-only node is no hypervisor and no nova-compute service
TOKEN=$(in_c curl -si -X POST "$URL/v3/auth/tokens" -H 'Content-Type: application/json' -d '{"auth":
	{"identity":{"methods":["password"],"password":{"user":{"name":"basalt-agent","domain":{"id":"default"},
	"password":"agent-pw"}}},"scope":{"project":{"name":"service","domain":{"id":"default"}}}}}' |
	tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')
check "a network-only host registers" test "$(in_c curl -s -o /dev/null -w '%{http_code}' -X PUT \
	-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$URL/agent/v1/hosts/l2t-net0" \
	-d '{"host": {"roles": ["network"], "local_ip": "198.51.100.20"}}')" = 200
listed() { os "$@" -f value | grep l2t-net0 >/dev/null; }
check "it is not a hypervisor" fails listed hypervisor list
check "nor a nova-compute service" fails listed compute service list
check "the scheduler still sees two compute hosts" test "$(os hypervisor list -f value | grep -c l2t-h)" = 2

# --- kill -9 and restart: the same state, no duplicates
snapshot() { # N: links, fdb, nft rules of a host
	local h=l2t-h$1
	ip -n $h -o link show | grep -o ': \(brq\|vxlan-\|tap\)[^:@]*' | sort
	bridge -n $h fdb show dev vxlan-$VNI | grep '^00:00:00:00:00:00' | sort
	ip netns exec $h nft list table bridge basalt-sg
	ip netns exec $h nft list table inet basalt-sg | grep -v 'packets'
}
snapshot 1 >"$STATE/before"
kill -9 "$AGENT1"; wait "$AGENT1" 2>/dev/null
start_agent 1 compute
sleep 6
snapshot 1 >"$STATE/after"
check "restart after kill -9: same links, FDB and rules" diff "$STATE/before" "$STATE/after"
check "restart: one flood entry per peer" test "$(bridge -n $NS_1 fdb show dev vxlan-$VNI | grep -c '^00:00:00:00:00:00')" = 1
check "restart: traffic still flows" vping 1 10.0.0.6

# --- a flat provider network: the mapped interface joins its bridge
FNET=$(os network create l2t-flat --provider-network-type flat \
	--provider-physical-network physnet1 -f value -c id)
os subnet create l2t-fsub --network l2t-flat --subnet-range 192.0.2.0/24 --no-dhcp >/dev/null
FP=$(os port create l2t-fp --network l2t-flat --device-owner compute:nova --host l2t-h1 \
	--no-security-group --disable-port-security -f value -c id)
FBR=brq${FNET:0:11}
check "flat: l2t-phys enslaved to $FBR and up" wait_for 20 sh -c \
	"ip -n $NS_1 -o link show l2t-phys | grep -q 'state UP.*master $FBR\|master $FBR.*state UP'"
check "flat: the port's tap in $FBR" test "$(master_of $NS_1 tap${FP:0:11})" = $FBR
check "flat: port without port security is not filtered" fails sh -c \
	"ip netns exec $NS_1 nft list table bridge basalt-sg | grep -q tap${FP:0:11}"
check "flat: the host without a port has no bridge for it" fails has_link $NS_2 $FBR
os port delete "$FP"
os subnet delete l2t-fsub
os network delete l2t-flat
check "flat: bridge gone, l2t-phys kept and released" wait_for 20 sh -c \
	"! ip -n $NS_1 -o link show $FBR 2>/dev/null | grep -q . &&
	 ip -n $NS_1 -o link show l2t-phys | grep -vq master"

# --- delete everything: nothing of ours left on either host
kill "${PIDS[@]}" 2>/dev/null
os port delete "$P1" "$P2"
os subnet delete l2t-sub
os network delete l2t-net
nothing_left() {
	local h=$1
	! ip -n $h -o link show | grep -q ': \(brq\|vxlan-\|tap\)' &&
		! ip netns exec $h nft list tables | grep -q basalt-sg
}
check "l2t-h1: no brq, vxlan, tap or nft table left" wait_for 20 nothing_left $NS_1
check "l2t-h2: no brq, vxlan, tap or nft table left" wait_for 20 nothing_left $NS_2
check "the underlay is untouched" has_link $NS_1 uplink
