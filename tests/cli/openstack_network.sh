#!/usr/bin/env bash
# tests/cli/openstack_network.sh [BUILD] - the Networking API through the
# real openstack CLI: networks, subnets, ports, the errors (each leaving
# nothing half-written), agents and quotas.
set -uo pipefail
[ $# -ge 1 ] && BUILD=$1
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 18
trap cleanup_controller EXIT
start_controller || { not_ok "start controller"; exit 1; }
export URL ADMIN_PASSWORD
export -f jfield

count() { os "$1" list -f value -c ID "${@:2}" | wc -l; }

check "network create (vxlan, mtu 1450)" bash -c '
	j=$(timeout 60 openstack network create cli-net -f json) || exit 1
	t=$(jfield provider:network_type <<<"$j"); m=$(jfield mtu <<<"$j")
	[ "$t" = vxlan ] && [ "$m" = 1450 ] || { echo "$j"; exit 1; }'
check "network list and show by name" bash -c '
	timeout 60 openstack network list -f value -c Name | grep -x cli-net >/dev/null &&
	timeout 60 openstack network show cli-net -f value -c status | grep -x ACTIVE >/dev/null'
check "network set name/description" bash -c '
	timeout 60 openstack network set --name cli-net2 --description hello cli-net &&
	[ "$(timeout 60 openstack network show cli-net2 -f value -c description)" = hello ] &&
	timeout 60 openstack network set --name cli-net cli-net2'
check "subnet create with range, gateway, pool, dns, host route" bash -c '
	j=$(timeout 60 openstack subnet create cli-sub --network cli-net --subnet-range 192.0.2.0/24 \
		--gateway 192.0.2.1 --allocation-pool start=192.0.2.10,end=192.0.2.100 \
		--dns-nameserver 192.0.2.53 --host-route destination=198.51.100.0/24,gateway=192.0.2.254 -f json) || exit 1
	python3 -c "
import json,sys; s=json.loads(sys.argv[1])
assert s[\"allocation_pools\"]==[{\"start\":\"192.0.2.10\",\"end\":\"192.0.2.100\"}], s
assert s[\"dns_nameservers\"]==[\"192.0.2.53\"], s
assert s[\"host_routes\"]==[{\"destination\":\"198.51.100.0/24\",\"nexthop\":\"192.0.2.254\"}], s
assert s[\"gateway_ip\"]==\"192.0.2.1\" and s[\"enable_dhcp\"] is True, s" "$j"'
check "the DHCP port takes the first free address" bash -c '
	timeout 60 openstack port list --device-owner network:dhcp -f value -c "Fixed IP Addresses" | grep "192.0.2.10" >/dev/null'
check "subnet create --no-dhcp" bash -c '
	[ "$(timeout 60 openstack subnet create cli-sub2 --network cli-net --subnet-range 203.0.113.0/24 --no-dhcp -f value -c enable_dhcp)" = False ]'
before=$(count subnet)
check_refused "overlapping subnet is 400" 400 "overlaps with another subnet" \
	os subnet create bad --network cli-net --subnet-range 192.0.2.128/25
check_refused "gateway outside the CIDR is 400" 400 "Gateway is not valid on subnet: 203\\.0\\.113\\.1 is not a host address of 198\\.51\\.100\\.0/24" \
	os subnet create bad --network cli-net --subnet-range 198.51.100.0/24 --gateway 203.0.113.1
check "no subnet was half-written" expect_eq "subnet count" "$(count subnet)" "$before"
check "port create with fixed IP and MAC" bash -c '
	j=$(timeout 60 openstack port create cli-port --network cli-net --fixed-ip subnet=cli-sub,ip-address=192.0.2.50 \
		--mac-address fa:16:3e:12:34:56 -f json) || exit 1
	python3 -c "
import json,sys; p=json.loads(sys.argv[1])
assert p[\"mac_address\"]==\"fa:16:3e:12:34:56\", p
assert [f[\"ip_address\"] for f in p[\"fixed_ips\"]]==[\"192.0.2.50\"], p
assert p[\"status\"]==\"DOWN\" and p[\"port_security_enabled\"] is True, p" "$j"'
check "port show by name" bash -c '[ "$(timeout 60 openstack port show cli-port -f value -c mac_address)" = fa:16:3e:12:34:56 ]'
before=$(count port)
check_refused "fixed IP in use is 409" 409 "IP address 192\.0\.2\.50 already allocated" \
	os port create dup --network cli-net --fixed-ip subnet=cli-sub,ip-address=192.0.2.50
check_refused "MAC in use is 409" 409 "The mac address fa:16:3e:12:34:56 is in use" \
	os port create dup --network cli-net --mac-address fa:16:3e:12:34:56
check "no port was half-written" expect_eq "port count" "$(count port)" "$before"
t_delete_in_use() {
	refused 409 "There are one or more ports still in use on the network" os network delete cli-net || return 1
	os network show cli-net -f value -c id >/dev/null &&
		expect_eq "subnets of cli-net" "$(os subnet list --network cli-net -f value -c ID | wc -l)" 2
}
check "delete network with ports is 409 and keeps it" t_delete_in_use
check "network agent list shows a network node's agents" bash -c '
	tok=$(curl -si -H "Content-Type: application/json" "$URL/v3/auth/tokens" -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$ADMIN_PASSWORD\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}" | tr -d "\r" | awk -F": " "tolower(\$1)==\"x-subject-token\"{print \$2}")
	curl -sf -X PUT -H "X-Auth-Token: $tok" -H "Content-Type: application/json" "$URL/agent/v1/hosts/netapi-nn1" \
		-d "{\"host\":{\"roles\":[\"network\"],\"local_ip\":\"198.51.100.7\",\"resources\":{\"vcpus\":1,\"memory_mb\":512,\"disk_gb\":1}}}" >/dev/null || exit 1
	out=$(timeout 60 openstack network agent list -f value -c "Agent Type" -c Host) || exit 1
	for a in "DHCP agent" "L3 agent" "Metadata agent" "Linux bridge agent"; do
		grep -qx "$a netapi-nn1" <<<"$out" || { echo "$out"; exit 1; }
	done'
check "quota show has the network quotas" bash -c '
	out=$(timeout 60 openstack quota show admin -f json) || exit 1
	python3 -c "
import json,sys; q=json.loads(sys.argv[1])
assert q[\"networks\"]==100 and q[\"subnets\"]==100 and q[\"ports\"]==500, q" "$out"'
check "port, subnets and network delete" bash -c '
	timeout 60 openstack port delete cli-port && timeout 60 openstack subnet delete cli-sub2 &&
	timeout 60 openstack network delete cli-net &&
	[ "$(timeout 60 openstack port list -f value -c ID | wc -l)" = 0 ] &&
	[ "$(timeout 60 openstack subnet list -f value -c ID | wc -l)" = 0 ]'
