#!/usr/bin/env bash
# tests/lab/isolation_acceptance.sh - issue 9's acceptance: tenant isolation
# on the three-node lab, through the real openstack CLI as two member users
# (alpha and beta) and the lab admin, each attack of the issue tried as a
# hostile tenant would:
#   * router hijack: beta makes a port on its own network with device_owner
#     network:router_interface and device_id = alpha's router: refused, and
#     no qr- leg with beta's address appears in alpha's qrouter namespace;
#   * images with a backing file (/etc/shadow) or an external data file:
#     the upload is refused (400), the image never becomes active;
#   * on alpha's shared network beta may not turn port security off nor
#     make a network:dhcp port;
#   * a member may not set enable_snat=false nor external_fixed_ips;
#   * every guest's QEMU runs unprivileged, under seccomp, and holds no
#     host path beyond its own files.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip_tier "isolation_acceptance needs root (network namespaces)"
plan 15
WORK=$(mktemp -d /tmp/basalt-isoacc.XXXXXX)
chmod 711 "$WORK"
if [ "${LAB_SHARED:-}" = 1 ]; then
	: "${LAB_PREFIX?LAB_SHARED needs LAB_PREFIX}" "${LAB_DIR:?LAB_SHARED needs LAB_DIR}"
else
	LAB_PREFIX=ia- LAB_DIR=$WORK/lab
fi
export LAB_PREFIX LAB_DIR BUILD
T0=$SECONDS
cleanup() {
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp -r "$LAB_DIR"/. "$KEEP_LOGS"/ 2>/dev/null
	if [ "${LAB_SHARED:-}" != 1 ]; then
		tools/lab down >"$WORK/down.log" 2>&1 || { echo "# tools/lab down:"; sed 's/^/#   /' "$WORK/down.log"; }
	fi
	echo "# isolation_acceptance: $((SECONDS - T0)) s"
	rm -rf "$WORK"
}
trap cleanup EXIT

NS_NET=${LAB_PREFIX}network NS_CMP=${LAB_PREFIX}compute0
aos() { timeout 90 tools/lab exec controller openstack "$@"; }
pos() {
	local p=$1; shift
	timeout 90 tools/lab exec controller env OS_USERNAME="$p-iso" OS_PASSWORD="pw-$p-iso" \
		OS_PROJECT_NAME="iso-$p" openstack "$@"
}
pa() { pos alpha "$@"; }
pb() { pos beta "$@"; }
# LAB_SHARED=1 (tests/run): the 3-node lab of LAB_PREFIX/LAB_DIR is up
# already and stays up; this tier only deletes what it made.
# Refusals by policy: Neutron says "... is disallowed by policy" (403).
POLICY_RE='disallowed by policy|not authorized|not allowed'

# --- the lab, two tenants ---------------------------------------------------------
t_up() {
	if [ "${LAB_SHARED:-}" != 1 ]; then
		timeout 300 tools/lab up --nodes 3 >"$WORK/up.log" 2>&1 || { tail -25 "$WORK/up.log"; return 1; }
	fi
	expect_eq "compute services up" "$(aos compute service list --service nova-compute -f value -c Host -c State)" "compute0 up"
}
check "the 3-node lab is up (compute0's service up)" t_up || true
[ -f "$LAB_DIR/admin-openrc" ] || { not_ok "the lab is up (no admin-openrc: cannot go on)"; exit 1; }

t_tenants() {
	local p
	for p in alpha beta; do
		aos project create "iso-$p" >/dev/null &&
			aos user create --project "iso-$p" --password "pw-$p-iso" "$p-iso" >/dev/null &&
			aos role add --project "iso-$p" --user "$p-iso" member || return 1
	done
	ANET=$(pa network create ia-a-net -f value -c id) &&
		pa subnet create --network ia-a-net --subnet-range 10.66.0.0/24 ia-a-sub >/dev/null &&
		pa router create ia-a-router >/dev/null &&
		pa router set --external-gateway public ia-a-router &&
		pa router add subnet ia-a-router ia-a-sub &&
		ARTR=$(pa router show ia-a-router -f value -c id) &&
		BNET=$(pb network create ia-b-net -f value -c id) &&
		pb subnet create --network ia-b-net --subnet-range 10.67.0.0/24 ia-b-sub >/dev/null &&
		pb router create ia-b-router >/dev/null &&
		SNET=$(aos network create --share --project iso-alpha ia-shared -f value -c id) &&
		aos subnet create --project iso-alpha --network ia-shared --subnet-range 10.68.0.0/24 ia-shared-sub >/dev/null
}
check "alpha: network, router with a gateway; beta: network, router; a shared network of alpha's" t_tenants

# --- the router hijack ------------------------------------------------------------
# Neutron's DeviceIDNotOwnedByTenant: a 409.
check_refused "beta cannot make a router_interface port naming alpha's router" 409 \
	"not owned by your tenant" pb port create --network ia-b-net --device-owner network:router_interface \
	--device "$ARTR" --fixed-ip subnet=ia-b-sub,ip-address=10.67.0.1 ia-hijack
t_no_leg() {
	local ports addrs
	ports=$(pb port list --network ia-b-net --device-owner network:router_interface -f value -c ID)
	[ -z "$ports" ] || { echo "beta has router_interface ports: $ports"; return 1; }
	sleep 3 # a leg would appear within the network node's next round
	addrs=$(ip netns exec "qrouter-$ARTR" ip -o -4 addr show 2>&1)
	grep -q '10\.66\.0\.1/' <<<"$addrs" || { echo "alpha's own leg is missing: $addrs"; return 1; }
	! grep -q '10\.67\.' <<<"$addrs" || { echo "beta's address in alpha's router: $addrs"; return 1; }
	expect_eq "qr- legs in alpha's router" "$(grep -c ' qr-' <<<"$addrs")" 1
}
check "no port was made and alpha's qrouter namespace has only its own qr- leg" t_no_leg
t_own_router() { pb router add subnet ia-b-router ia-b-sub && pb router remove subnet ia-b-router ia-b-sub; }
check "beta still adds and removes an interface on its own router" t_own_router

# --- another project's shared network ------------------------------------------------
check_refused "beta cannot turn port security off on alpha's shared network" 403 "$POLICY_RE" \
	pb port create --network ia-shared --disable-port-security ia-nosec
check_refused "beta cannot make a network:dhcp port on alpha's shared network" 403 "$POLICY_RE" \
	pb port create --network ia-shared --device-owner network:dhcp ia-fakedhcp
t_shared_port() {
	local j
	j=$(pb port create --network ia-shared ia-ok -f json) || return 1
	expect_eq port_security_enabled "$(jfield port_security_enabled <<<"$j")" true &&
		pb port delete ia-ok
}
check "beta's ordinary port on the shared network has port security on" t_shared_port

# --- gateway options are the admin's ---------------------------------------------------
check_refused "a member cannot disable SNAT on its router's gateway" 403 "$POLICY_RE" \
	pb router set --external-gateway public --disable-snat ia-b-router
# A member does not see the external network's subnet (not shared), so the
# CLI cannot name it: the request as the API gets it, with beta's token.
t_gw_fixed_ip() {
	local tok psub pnet brtr out st
	tok=$(pb token issue -f value -c id) && psub=$(aos subnet show public-subnet -f value -c id) &&
		pnet=$(aos network show public -f value -c id) &&
		brtr=$(pb router show ia-b-router -f value -c id) || return 1
	out=$(timeout 20 tools/lab exec controller curl -s -X PUT -H "X-Auth-Token: $tok" \
		-H 'Content-Type: application/json' -w '\n%{http_code}' \
		-d "{\"router\":{\"external_gateway_info\":{\"network_id\":\"$pnet\",\"external_fixed_ips\":[{\"subnet_id\":\"$psub\",\"ip_address\":\"203.0.113.150\"}]}}}" \
		"$(. "$LAB_DIR/admin-openrc"; echo "${OS_AUTH_URL%/v3}")/network/v2.0/routers/$brtr")
	st=${out##*$'\n'} out=${out%$'\n'*}
	expect_eq "status" "$st" 403 || { echo "$out"; return 1; }
	grep -qE "$POLICY_RE" <<<"$out" || { echo "message: $out"; return 1; }
	expect_eq "beta's gateway" "$(pb router show ia-b-router -f value -c external_gateway_info)" None
}
check "a member cannot choose its gateway's external fixed IP (403, no gateway set)" t_gw_fixed_ip

# --- images that name host files -------------------------------------------------------
qemu-img create -q -f qcow2 -b /etc/shadow -F raw "$WORK/backing.qcow2" 1M
qemu-img create -q -f qcow2 -o data_file="$WORK/data.raw" "$WORK/datafile.qcow2" 1M
# not_active NAME: the image is not (and never becomes) active.
not_active() {
	local st
	st=$(pb image list --name "$1" -f value -c Status)
	[ "$st" != active ] || { echo "image $1 is active"; return 1; }
}
t_backing() {
	refused 400 'backing file' pb image create --disk-format qcow2 --container-format bare \
		--file "$WORK/backing.qcow2" ia-backing && not_active ia-backing
}
check "a qcow2 with a backing file (/etc/shadow) is refused at upload (400) and never active" t_backing
t_datafile() {
	refused 400 'data file' pb image create --disk-format qcow2 --container-format bare \
		--file "$WORK/datafile.qcow2" ia-datafile && not_active ia-datafile
}
check "a qcow2 with an external data file is refused at upload (400) and never active" t_datafile

# --- confined guests -----------------------------------------------------------------
t_guest() {
	local end=$((SECONDS + 150)) st
	pb server create --image basalt-test --flavor m1.nano --network ia-b-net ia-vm >/dev/null || return 1
	while [ $SECONDS -lt $end ]; do
		st=$(pb server show ia-vm -f value -c status)
		[ "$st" = ACTIVE ] && return 0
		[ "$st" = ERROR ] && break
		sleep 2
	done
	pb server show ia-vm -c status -c fault -f value
	return 1
}
check "a guest of beta's boots" t_guest
t_confined() {
	local pids="" pid bad=0 uid seccomp path
	pids=$(qemu_in "$LAB_DIR")
	[ -n "$pids" ] || { echo "no QEMU of this lab runs"; return 1; }
	for pid in $pids; do
		uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
		seccomp=$(awk '/^Seccomp:/ {print $2}' "/proc/$pid/status")
		[ "$uid" != 0 ] || { echo "QEMU $pid runs as root"; bad=1; }
		[ "$seccomp" = 2 ] || { echo "QEMU $pid: Seccomp $seccomp, expected 2 (filter)"; bad=1; }
		for path in $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -exec readlink {} \; 2>/dev/null); do
			case $path in
			"$LAB_DIR"/*|/dev/net/tun|/dev/null|/dev/urandom|/dev/kvm|socket:*|pipe:*|anon_inode:*) ;;
			*) echo "QEMU $pid holds $path"; bad=1 ;;
			esac
		done
	done
	return "$bad"
}
check "every QEMU of the lab: not root, seccomp filter on, only its own files open" t_confined

t_delete() {
	pb server delete --wait ia-vm &&
		pa router remove subnet ia-a-router ia-a-sub && pa router delete ia-a-router &&
		pb router delete ia-b-router && pa network delete ia-a-net && pb network delete ia-b-net &&
		aos network delete ia-shared
}
check "delete what the test made" t_delete
