#!/usr/bin/env bash
# tests/lab/network_acceptance.sh - issue 4's acceptance: networking end to
# end on the three-node lab (tools/lab up: controller, network, compute0 and
# the "external" internet in network namespaces), every step through the
# real openstack CLI as an operator and two tenants would do it:
#   * external + tenant networks, a router, the test image booted: DHCP with
#     MTU 1450, the SSH key from the metadata service, the external web
#     server reached through SNAT (its log shows the router's address);
#   * a floating IP: ssh from the internet; the SSH rule removed: refused;
#     added back: works;
#   * two projects cannot reach each other; spoofed IP or MAC gets nothing
#     through; one instance cannot read another's metadata;
#   * bad input answers 400/409 in Neutron's error shape, nothing half-done;
#   * delete everything: no namespace, bridge, vxlan, tap, nft rule,
#     dnsmasq or FDB entry left on the network node or compute0.
# Runs its own lab (LAB_PREFIX=na-, a temporary LAB_DIR) beside a
# developer's. Bounded waits everywhere; the lab goes down whatever happens.
# LAB_SHARED=1 (tests/run): the 3-node lab of LAB_PREFIX/LAB_DIR is up
# already; use it, leave it up, delete what this test made.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/lab/client.bash

[ "$(id -u)" = 0 ] || skip_tier "network_acceptance needs root (network namespaces)"
plan 30
WORK=$(mktemp -d /tmp/basalt-netacc.XXXXXX)
chmod 711 "$WORK" # the agents' dnsmasq (nobody) reaches its files in the lab
if [ "${LAB_SHARED:-}" = 1 ]; then
	: "${LAB_PREFIX?LAB_SHARED needs LAB_PREFIX}" "${LAB_DIR:?LAB_SHARED needs LAB_DIR}"
else
	LAB_PREFIX=na- LAB_DIR=$WORK/lab
fi
export LAB_PREFIX LAB_DIR BUILD
T0=$SECONDS
cleanup() {
	# KEEP_LOGS=DIR keeps the nodes' logs and configs for a post-mortem.
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp -r "$LAB_DIR"/. "$KEEP_LOGS"/ 2>/dev/null
	[ "${LAB_SHARED:-}" = 1 ] ||
		tools/lab down >"$WORK/down.log" 2>&1 || { echo "# tools/lab down:"; sed 's/^/#   /' "$WORK/down.log"; }
	echo "# network_acceptance: $((SECONDS - T0)) s"
	rm -rf "$WORK"
}
trap cleanup EXIT

NS_NET=${LAB_PREFIX}network NS_CMP=${LAB_PREFIX}compute0 NS_EXT=${LAB_PREFIX}external NS_CTL=${LAB_PREFIX}controller
KEY=$WORK/key
# aos ARGS...: openstack as the lab admin; pos PROJECT ARGS...: as the
# member user of PROJECT (alpha or beta). Both from the controller node.
aos() { lab_os "$@"; }
pos() {
	local p=$1; shift
	lab_os OS_USERNAME="$p-user" OS_PASSWORD="pw-$p-secret" \
		OS_PROJECT_NAME="$p" "$@"
}
# vssh IP CMD: ssh as root with the test key from the internet (external ns).
vssh() {
	local ip=$1; shift
	timeout 25 ip netns exec "$NS_EXT" ssh -i "$KEY" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 \
		-o BatchMode=yes "root@$ip" "$@"
}
# console PROJECT SERVER: the guest's own marker lines.
console() { pos "$1" console log show "$2" 2>/dev/null | grep 'basalt-guest:'; }
# wait_console PROJECT SERVER PATTERN SECONDS
wait_console() {
	local end=$((SECONDS + $4))
	while [ $SECONDS -lt $end ]; do
		console "$1" "$2" | grep -q -- "$3" && return 0
		sleep 2
	done
	echo "no '$3' on $2's console in $4 s:"; console "$1" "$2"
	return 1
}
# retry SECONDS CMD...: until CMD succeeds, bounded.
retry() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 2; done
	"$@"
}
# The body of a failed call must be Neutron's: {"NeutronError": {type, message, detail}}.
neutron_error() {
	python3 -c 'import json,sys
e=json.load(sys.stdin)["NeutronError"]
assert isinstance(e["type"], str) and e["type"] and e["message"] and "detail" in e, e' 2>&1
}

# --- the lab ------------------------------------------------------------------------
t_up() {
	if [ "${LAB_SHARED:-}" = 1 ]; then
		[ "$(cat "$LAB_DIR/nodes" 2>/dev/null)" = 3 ] || { echo "no 3-node lab in $LAB_DIR"; return 1; }
		tools/lab status
		return
	fi
	timeout 300 tools/lab up --nodes 3 >"$WORK/up.log" 2>&1 || { tail -25 "$WORK/up.log"; return 1; }
}
check "tools/lab up --nodes 3 (controller, network, compute0, external)${LAB_SHARED:+: the shared lab}" t_up || true
[ -f "$LAB_DIR/admin-openrc" ] || { not_ok "the lab is up (no admin-openrc: cannot go on)"; exit 1; }

t_public() {
	local j
	j=$(aos network show public -f json) || return 1
	expect_eq router:external "$(jfield router:external <<<"$j")" true &&
		expect_eq provider:network_type "$(jfield provider:network_type <<<"$j")" flat &&
		expect_eq provider:physical_network "$(jfield provider:physical_network <<<"$j")" external &&
		expect_eq gateway "$(aos subnet show public-subnet -f value -c gateway_ip)" 203.0.113.1
}
check "the external network public (flat on physnet external), gateway 203.0.113.1" t_public

# --- two tenants, their networks and routers --------------------------------------
t_tenants() {
	local p
	for p in alpha beta; do
		aos project create "$p" >/dev/null &&
			aos user create --project "$p" --password "pw-$p-secret" "$p-user" >/dev/null &&
			aos role add --project "$p" --user "$p-user" member || return 1
	done
}
check "projects alpha and beta, each with a member user" t_tenants

ssh-keygen -q -t ed25519 -N '' -C na-key@basalt-acceptance -f "$KEY"
# Both tenants use 10.1.0.0/24: only the overlay keeps them apart.
t_alpha_net() {
	ANET=$(pos alpha network create a-net -f value -c id) &&
		pos alpha subnet create --network a-net --subnet-range 10.1.0.0/24 \
			--dns-nameserver 203.0.113.1 a-sub >/dev/null &&
		pos alpha router create a-router >/dev/null &&
		pos alpha router set --external-gateway public a-router &&
		pos alpha router add subnet a-router a-sub &&
		ARTR=$(pos alpha router show a-router -f value -c id) &&
		pos alpha keypair create --public-key "$KEY.pub" a-key >/dev/null &&
		pos alpha security group rule create --protocol icmp default >/dev/null &&
		SSH_RULE=$(pos alpha security group rule create --protocol tcp --dst-port 22 default -f value -c id) ||
		return 1
	expect_eq "a-net mtu (1500 - 50 for VXLAN)" "$(pos alpha network show a-net -f value -c mtu)" 1450
}
check "alpha: network, subnet, router with the external gateway, keypair, ICMP and SSH rules" t_alpha_net
t_beta_net() {
	BNET=$(pos beta network create b-net -f value -c id) &&
		pos beta subnet create --network b-net --subnet-range 10.1.0.0/24 \
			--dns-nameserver 203.0.113.1 b-sub >/dev/null &&
		pos beta router create b-router >/dev/null &&
		pos beta router set --external-gateway public b-router &&
		pos beta router add subnet b-router b-sub &&
		BRTR=$(pos beta router show b-router -f value -c id) &&
		pos beta keypair create --public-key "$KEY.pub" b-key >/dev/null &&
		pos beta security group rule create --protocol tcp --dst-port 22 default >/dev/null
}
check "beta: network (the same 10.1.0.0/24), subnet, router, keypair, SSH rule" t_beta_net

# --- boot --------------------------------------------------------------------------
# User data runs at boot, before any floating IP exists, and prints to the
# console: the MTU DHCP gave, whether the metadata service serves our key,
# whether the web server answers by name (so through the router's SNAT).
cat >"$WORK/ud-a1" <<'EOF'
#!/bin/sh
say() { echo "basalt-guest: ud $*"; }
say "mtu=$(cat /sys/class/net/eth0/mtu)"
if timeout 5 wget -q -O /tmp/md.json http://169.254.169.254/openstack/latest/meta_data.json; then
	grep -q 'na-key@basalt-acceptance' /tmp/md.json && say "md-key=yes" || say "md-key=no"
else
	say "md-key=unreachable"
fi
timeout 10 wget -q -O /dev/null "http://example.test/?from=a1" && say "web=ok" || say "web=fail"
EOF
t_boot() {
	A1=$(pos alpha server create --image basalt-test --flavor m1.nano --key-name a-key \
		--nic "net-id=$ANET,v4-fixed-ip=10.1.0.11" --user-data "$WORK/ud-a1" a1 -f value -c id) &&
		A2=$(pos alpha server create --image basalt-test --flavor m1.nano --key-name a-key \
			--nic "net-id=$ANET,v4-fixed-ip=10.1.0.12" a2 -f value -c id) &&
		B1=$(pos beta server create --image basalt-test --flavor m1.nano --key-name b-key \
			--nic "net-id=$BNET,v4-fixed-ip=10.1.0.50" b1 -f value -c id) ||
		return 1
	local end=$((SECONDS + 120)) st
	while [ $SECONDS -lt $end ]; do
		st=$( (pos alpha server list -f value -c Name -c Status; pos beta server list -f value -c Name -c Status) | sort)
		[ "$st" = $'a1 ACTIVE\na2 ACTIVE\nb1 ACTIVE' ] && return 0
		grep -q ERROR <<<"$st" && break
		sleep 2
	done
	echo "$st"; pos alpha server show a1 -c fault -f value
	return 1
}
check "boot the test image: a1, a2 (alpha), b1 (beta) ACTIVE on compute0" t_boot

t_dhcp() {
	wait_console alpha a1 "ready ip=10.1.0.11 " 90 &&
		wait_console alpha a2 "ready ip=10.1.0.12 " 60 &&
		wait_console beta b1 "ready ip=10.1.0.50 " 60
}
check "every VM gets its address by DHCP (guest console)" t_dhcp
t_mtu() {
	wait_console alpha a1 "ud mtu=" 30 && console alpha a1 | grep -q "ud mtu=1450" ||
		{ console alpha a1; return 1; }
}
check "DHCP gives the VXLAN MTU 1450 (guest console)" t_mtu
t_mdkey() {
	wait_console alpha a1 "ud md-key=" 30 && console alpha a1 | grep -q "ud md-key=yes" ||
		{ console alpha a1; return 1; }
}
check "the metadata service (169.254.169.254) serves the VM its SSH key" t_mdkey

RGW=$(pos alpha router show a-router -f json -c external_gateway_info 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["external_gateway_info"]["external_fixed_ips"][0]["ip_address"])' 2>/dev/null)
t_snat() {
	[ -n "$RGW" ] || { echo "a-router has no gateway address"; return 1; }
	wait_console alpha a1 "ud web=" 40 && console alpha a1 | grep -q "ud web=ok" ||
		{ console alpha a1; return 1; }
	grep -q "^$RGW - - .*GET /?from=a1 " "$LAB_DIR/external/http.log" ||
		{ echo "no request from $RGW:"; cat "$LAB_DIR/external/http.log"; return 1; }
}
check "the VM reaches http://example.test/ by name; the server sees the router's address ($RGW, SNAT)" t_snat

# --- floating IP and security groups ------------------------------------------------
t_fip() {
	FIP=$(pos alpha floating ip create public -f value -c floating_ip_address) &&
		pos alpha server add floating ip a1 "$FIP" || return 1
	retry 60 vssh "$FIP" true
	expect_eq uname "$(vssh "$FIP" uname)" Linux
}
check "floating IP: from the internet, ssh -i KEY root@FIP uname works" t_fip
t_fip_snat() {
	vssh "$FIP" 'wget -q -O /dev/null "http://example.test/?from=a1-fip"' &&
		grep -q "^$FIP - - .*GET /?from=a1-fip " "$LAB_DIR/external/http.log" ||
		{ tail -3 "$LAB_DIR/external/http.log"; return 1; }
}
check "with a floating IP the VM's traffic leaves with that address" t_fip_snat
t_mtu_ssh() { expect_eq "mtu in the guest" "$(vssh "$FIP" cat /sys/class/net/eth0/mtu)" 1450; }
check "the guest's eth0 has MTU 1450" t_mtu_ssh

t_sg_remove() {
	pos alpha security group rule delete "$SSH_RULE" || return 1
	# the agent applies it on its next pass: two refusals in a row
	local end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ]; do
		if ! vssh "$FIP" true >/dev/null 2>&1 && ! vssh "$FIP" true >/dev/null 2>&1; then return 0; fi
		sleep 2
	done
	echo "ssh still works 20 s after the rule was deleted"; return 1
}
check "security group rule for port 22 deleted: ssh is refused" t_sg_remove
t_sg_add() {
	SSH_RULE=$(pos alpha security group rule create --protocol tcp --dst-port 22 default -f value -c id) ||
		return 1
	retry 30 vssh "$FIP" true
}
check "the rule added back: ssh works again" t_sg_add

# --- isolation, anti-spoofing, metadata ---------------------------------------------
t_same_net() { vssh "$FIP" 'ping -c 2 -W 2 10.1.0.12' >/dev/null; }
check "a1 reaches a2 over alpha's network (control for the next checks)" t_same_net
t_isolation() {
	BFIP=$(pos beta floating ip create public -f value -c floating_ip_address) &&
		pos beta server add floating ip b1 "$BFIP" || return 1
	retry 60 vssh "$BFIP" true || return 1
	# control: b1 reaches its own router
	vssh "$BFIP" 'ping -c 2 -W 2 10.1.0.1' >/dev/null || { echo "b1 cannot reach 10.1.0.1"; return 1; }
	# each looks for the other at its address in the same 10.1.0.0/24
	! vssh "$BFIP" 'ping -c 2 -W 1 10.1.0.11' >/dev/null 2>&1 ||
		{ echo "beta's b1 reached 10.1.0.11, alpha's a1"; return 1; }
	! vssh "$FIP" 'ping -c 2 -W 1 10.1.0.50' >/dev/null 2>&1 ||
		{ echo "alpha's a1 reached 10.1.0.50, beta's b1"; return 1; }
}
check "two projects' VMs on different networks cannot reach each other" t_isolation
t_spoof_ip() {
	# a spare address as a second one on eth0, used as the source
	vssh "$FIP" 'ip addr add 10.1.0.99/32 dev eth0
		ping -c 2 -W 2 -I 10.1.0.99 10.1.0.12 >/dev/null 2>&1; s=$?
		ping -c 2 -W 2 -I 10.1.0.99 10.1.0.1 >/dev/null 2>&1; r=$?
		ip addr del 10.1.0.99/32 dev eth0
		echo "$s $r"' >"$WORK/spoof-ip" || { cat "$WORK/spoof-ip"; return 1; }
	expect_eq "exit status of the pings from 10.1.0.99 (to a2, to the router)" "$(cat "$WORK/spoof-ip")" "1 1"
}
check "a VM that spoofs another IP gets nothing through" t_spoof_ip
t_spoof_mac() {
	# The session dies while the MAC is wrong: the VM runs the probe alone
	# and keeps the result for the next ssh.
	vssh "$FIP" 'mac=$(cat /sys/class/net/eth0/address)
		setsid sh -c "ip link set eth0 address fa:16:3e:00:66:66; ip neigh flush dev eth0
			ping -c 3 -W 2 10.1.0.12 >/dev/null 2>&1; echo \$? >/tmp/spoof-mac
			ip link set eth0 address $mac" </dev/null >/dev/null 2>&1 &' || return 1
	# ssh answers again once the probe is done and the MAC is back
	retry 30 vssh "$FIP" test -f /tmp/spoof-mac
	expect_eq "exit status of the ping with a spoofed MAC" "$(vssh "$FIP" cat /tmp/spoof-mac)" 1
}
check "a VM that spoofs another MAC gets nothing through" t_spoof_mac
t_metadata_own() {
	vssh "$FIP" 'timeout 5 wget -q -O - http://169.254.169.254/openstack/latest/meta_data.json' >"$WORK/md" ||
		return 1
	expect_eq "uuid in a1's metadata" "$(jfield uuid <"$WORK/md")" "$A1"
}
check "an instance reads its own metadata (meta_data.json uuid is its own)" t_metadata_own
t_metadata_other() {
	# Pretend to be a2 (10.1.0.12) towards the metadata address only.
	vssh "$FIP" 'ip addr add 10.1.0.12/32 dev eth0
		ip route replace 169.254.169.254/32 via 10.1.0.1 dev eth0 src 10.1.0.12
		timeout 8 wget -q -O - http://169.254.169.254/openstack/latest/meta_data.json; s=$?
		ip route del 169.254.169.254/32 2>/dev/null; ip addr del 10.1.0.12/32 dev eth0
		exit $s' >"$WORK/md-other" 2>&1
	! grep -q "$A2" "$WORK/md-other" || { echo "a1 read a2's metadata"; return 1; }
	# the metadata API trusts no unsigned request, whoever claims to ask
	local code
	code=$(timeout 10 ip netns exec "$NS_CTL" curl -s -o /dev/null -w '%{http_code}' \
		-H "X-Forwarded-For: 10.1.0.12" -H "X-Basalt-Network-ID: $ANET" \
		-H "X-Basalt-Signature: 00" http://198.51.100.10:5000/metadata/openstack/latest/meta_data.json)
	expect_eq "status of a badly signed metadata request" "$code" 403
}
check "one instance cannot read another's metadata" t_metadata_other

# --- bad input: 400/409 in Neutron's shape, nothing half-done -------------------------
TOKEN=$(lab_os OS_USERNAME=alpha-user OS_PASSWORD=pw-alpha-secret \
	OS_PROJECT_NAME=alpha token issue -f value -c id 2>/dev/null)
# napi METHOD PATH [BODY]: alpha's raw Neutron call; prints "STATUS BODY".
napi() {
	timeout 20 ip netns exec "$NS_CTL" curl -s -X "$1" -H "X-Auth-Token: $TOKEN" \
		-H 'Content-Type: application/json' ${3:+-d "$3"} -w '\n%{http_code}' \
		"http://192.0.2.10:5000/network/v2.0$2" | tail -c 2000
}
# bad NAME WANT_STATUS METHOD PATH BODY -- CLI...: the CLI fails naming the
# status, the same request through curl gets it in Neutron's shape.
bad() {
	local want=$1 m=$2 p=$3 b=$4 out st
	shift 5
	# the CLI: refused with that status (not crashed); the API: the status
	# and Neutron's error body
	refused "$want" . pos alpha --debug "$@" || return 1
	out=$(napi "$m" "$p" "$b")
	st=$(tail -n 1 <<<"$out")
	expect_eq "status of $m $p" "$st" "$want" || { echo "$out"; return 1; }
	sed '$d' <<<"$out" | neutron_error
}
ASUB=$(pos alpha subnet show a-sub -f value -c id 2>/dev/null)
check "an overlapping subnet in one network: 400" bad 400 POST /subnets \
	"{\"subnet\":{\"network_id\":\"$ANET\",\"ip_version\":4,\"cidr\":\"10.1.0.128/25\"}}" -- \
	subnet create --network a-net --subnet-range 10.1.0.128/25 a-overlap
check "a gateway outside the CIDR: 400" bad 400 POST /subnets \
	"{\"subnet\":{\"network_id\":\"$ANET\",\"ip_version\":4,\"cidr\":\"10.3.0.0/24\",\"gateway_ip\":\"10.4.0.1\"}}" -- \
	subnet create --network a-net --subnet-range 10.3.0.0/24 --gateway 10.4.0.1 a-badgw
check "a fixed IP already in use: 409" bad 409 POST /ports \
	"{\"port\":{\"network_id\":\"$ANET\",\"fixed_ips\":[{\"subnet_id\":\"$ASUB\",\"ip_address\":\"10.1.0.11\"}]}}" -- \
	port create --network a-net --fixed-ip subnet=a-sub,ip-address=10.1.0.11 a-dup
check "deleting a network with ports: 409" bad 409 DELETE "/networks/$ANET" "" -- \
	network delete a-net
check "a subnet added to a router twice: 400" bad 400 PUT "/routers/$ARTR/add_router_interface" \
	"{\"subnet_id\":\"$ASUB\"}" -- router add subnet a-router a-sub
check "a floating IP from a non-external network: 400" bad 400 POST /floatingips \
	"{\"floatingip\":{\"floating_network_id\":\"$ANET\"}}" -- floating ip create a-net
t_nothing_half() {
	expect_eq "subnets of a-net" "$(pos alpha subnet list --network a-net -f value -c Name)" a-sub &&
		expect_eq "ports holding 10.1.0.11" \
			"$(pos alpha port list --fixed-ip ip-address=10.1.0.11 -f value -c ID | wc -l)" 1 &&
		expect_eq "a-router's interfaces" \
			"$(pos alpha port list --router a-router --device-owner network:router_interface -f value -c ID | wc -l)" 1 &&
		expect_eq "alpha's floating IPs" "$(pos alpha floating ip list -f value -c ID | wc -l)" 1 &&
		expect_eq "a-net" "$(pos alpha network show a-net -f value -c status)" ACTIVE
}
check "after the bad requests nothing is half-done" t_nothing_half

# --- delete everything ----------------------------------------------------------------
t_delete() {
	server_delete "pos alpha" a1 a2 && server_delete "pos beta" b1 &&
		pos alpha floating ip delete "$FIP" && pos beta floating ip delete "$BFIP" &&
		pos alpha router remove subnet a-router a-sub && pos alpha router delete a-router &&
		pos beta router remove subnet b-router b-sub && pos beta router delete b-router &&
		pos alpha network delete a-net && pos beta network delete b-net
}
check "delete servers, floating IP, routers, networks" t_delete
# traces NS: what networking of the tenants is left in a node's namespace.
traces() {
	local ns=$1
	ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
		grep -E '^(brq|vxlan-|tap|ns-|qr-|qg-)' | sed 's/^/link /'
	ip netns exec "$ns" bridge fdb show 2>/dev/null | grep ' dst ' | sed 's/^/fdb /'
	# rules about a port, a tenant address or a floating IP
	ip netns exec "$ns" nft list ruleset 2>/dev/null | grep -E 'tap|10\.1\.0\.|fa:16:3e|203\.0\.113\.' |
		sed 's/^/nft rule /'
}
t_clean() {
	local end=$((SECONDS + 45)) left
	while :; do
		left=$(for ns in $NS_NET $NS_CMP; do traces "$ns" | sed "s/^/$ns: /"; done
			for n in ${ANET:+qdhcp-$ANET} ${BNET:+qdhcp-$BNET} ${ARTR:+qrouter-$ARTR} ${BRTR:+qrouter-$BRTR}; do
				[ -e "/run/netns/$n" ] && echo "namespace $n"
			done
			pgrep -af dnsmasq | grep -F "$LAB_DIR/network" | sed 's/^/process /'
			qemu_in "$LAB_DIR" | sed 's/^/process qemu /')
		[ -z "$left" ] && return 0
		[ $SECONDS -ge $end ] && break
		sleep 3
	done
	echo "left 45 s after the deletes:"; echo "$left"
	return 1
}
check "nothing left on network and compute0: namespace, bridge, vxlan, tap, nft rule, dnsmasq, FDB" t_clean
