#!/usr/bin/env bash
# tests/cli/basalt_network.sh - the basalt CLI's networking commands against
# a real controller: networks, subnets, ports, routers, floating IPs,
# security groups and rules, network agents, and server create with NICs.
# Each result is checked through the API, not only through the CLI's words.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source tests/lib.sh
plan 25

WORK=$(mktemp -d /tmp/basalt-netcli.XXXXXX)
trap 'cleanup_controller; rm -rf "$WORK"' EXIT
start_controller || { not_ok "controller starts"; exit 1; }

mkdir -p "$WORK/san"
cat >"$WORK/basalt" <<EOS
#!/bin/sh
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}log_path=$WORK/san/asan" \\
UBSAN_OPTIONS="\${UBSAN_OPTIONS:+\$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$WORK/san/ubsan" \\
	exec "$BASALT" "\$@"
EOS
chmod +x "$WORK/basalt"
B=$WORK/basalt

# bj CMD...: basalt -f json CMD..., then a python expression on d must hold.
bj() {
	local expr=$1; shift
	"$B" -f json "$@" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
}
val() { "$B" -f value "$@"; }

check "help lists the networking commands" bash -c "
	out=\$('$B' help) || exit 1
	for c in 'network create' 'subnet create' 'port create' 'router add subnet' \
		'floating ip create' 'security group rule create' 'network agent list'; do
		grep -q \"^  \$c\" <<<\"\$out\" || { echo \"missing: \$c\"; exit 1; }
	done"

check "network create (external, flat) and list --external" bash -c "
	'$B' network create public --external --provider-network-type flat \
		--provider-physical-network external >/dev/null &&
	'$B' network list --external -f value -c Name | grep -qx public"
check "network create (tenant): vxlan, mtu 1450" \
	bj 'd["provider:network_type"] == "vxlan" and d["mtu"] == 1450' network create net1
check "network set --name, then show by the new name" bash -c "
	'$B' network set net1 --name net1b && '$B' -f value network show net1b | grep -q net1b"

check "subnet create with a pool, DNS and a host route" \
	bj 'd["cidr"] == "10.9.0.0/24" and d["gateway_ip"] == "10.9.0.1" and
	    d["allocation_pools"] == [{"start": "10.9.0.10", "end": "10.9.0.99"}] and
	    d["dns_nameservers"] == ["192.0.2.53"] and
	    d["host_routes"] == [{"destination": "192.0.2.0/24", "nexthop": "10.9.0.254"}]' \
	subnet create sub1 --network net1b --subnet-range 10.9.0.0/24 \
		--allocation-pool start=10.9.0.10,end=10.9.0.99 --dns-nameserver 192.0.2.53 \
		--host-route destination=192.0.2.0/24,gateway=10.9.0.254
check "subnet create on the external network, no DHCP, gateway 203.0.113.1" \
	bj 'd["enable_dhcp"] is False and d["gateway_ip"] == "203.0.113.1"' \
	subnet create pubsub --network public --subnet-range 203.0.113.0/24 \
		--gateway 203.0.113.1 --no-dhcp
check "subnet list --network shows only that network's subnets" bash -c "
	[ \"\$('$B' subnet list --network net1b -f value -c Name)\" = sub1 ]"
check "an overlapping subnet fails with the server's message" \
	refused 400 "overlaps with another subnet" "$B" subnet create sub2 --network net1b --subnet-range 10.9.0.128/25

check "port create --fixed-ip takes that address" \
	bj 'd["fixed_ips"][0]["ip_address"] == "10.9.0.50"' \
	port create p1 --network net1b --fixed-ip subnet=sub1,ip-address=10.9.0.50
check "port create with the same address fails (in use)" \
	refused 409 "IP address 10\.9\.0\.50 already allocated" "$B" port create p2 --network net1b --fixed-ip subnet=sub1,ip-address=10.9.0.50
check "port list --network shows p1 with its address" bash -c "
	'$B' port list --network net1b | grep p1 | grep -q \"ip_address='10.9.0.50'\""
check "port set --name" bash -c "'$B' port set p1 --name p1b && '$B' port show p1b >/dev/null"

check "security group create, rule create tcp 22 and icmp, rule list" bash -c "
	'$B' security group create web >/dev/null &&
	'$B' security group rule create web --protocol tcp --dst-port 22 >/dev/null &&
	'$B' security group rule create web --protocol icmp >/dev/null &&
	out=\$('$B' security group rule list web -f value -c 'IP Protocol' -c 'Port Range') &&
	grep -qx 'tcp 22:22' <<<\"\$out\" && grep -qx 'icmp ' <<<\"\$out\""
check "a duplicate rule fails (409)" \
	refused 409 "already exists" "$B" security group rule create web --protocol tcp --dst-port 22
check "the project's default group is found by name" bash -c "
	'$B' security group show default -f value -c name | grep -qx default"
check "security group rule delete" bash -c "
	id=\$('$B' security group rule list web -f value -c ID -c 'IP Protocol' | awk '\$2==\"icmp\"{print \$1}') &&
	'$B' security group rule delete \"\$id\" &&
	out=\$('$B' security group rule list web -f value -c 'IP Protocol') && ! grep -q icmp <<<\"\$out\""

check "router create with the external gateway, add subnet" bash -c "
	'$B' router create r1 --external-gateway public >/dev/null &&
	'$B' router add subnet r1 sub1 &&
	'$B' port list --device-owner network:router_interface -f value -c 'Fixed IP Addresses' |
		grep -q \"ip_address='10.9.0.1'\""
check "router add subnet twice fails" refused 400 "already has a port" "$B" router add subnet r1 sub1
check "router show has the gateway with SNAT" \
	bj 'd["external_gateway_info"]["network_id"] and d["external_gateway_info"]["enable_snat"] is True' \
	router show r1

check "floating ip create on the external network, set --port, show by address" bash -c "
	fip=\$('$B' floating ip create public -f value -c floating_ip_address) &&
	'$B' floating ip set \"\$fip\" --port p1b &&
	[ \"\$('$B' floating ip show \"\$fip\" -f value -c fixed_ip_address)\" = 10.9.0.50 ]"
check "floating ip from a network that is not external fails" \
	refused 400 "not a valid external network" "$B" floating ip create net1b
check "floating ip unset --port, then delete" bash -c "
	fip=\$('$B' floating ip list -f value -c 'Floating IP Address' | head -n1) &&
	'$B' floating ip unset \"\$fip\" --port &&
	[ \"\$('$B' floating ip show \"\$fip\" -f value -c port_id)\" = None ] &&
	'$B' floating ip delete \"\$fip\" && [ -z \"\$('$B' floating ip list -f value)\" ]"

check "deleting a network with ports fails" refused 409 "still in use" "$B" network delete net1b
t_teardown() {
	"$B" router remove subnet r1 sub1 && "$B" router delete r1 &&
		"$B" port delete p1b && "$B" network delete net1b &&
		refused 404 "No network with a name or ID of 'net1b'" "$B" network show net1b
}
check "router remove subnet, router delete, port delete, network delete (then show: 404)" t_teardown
check "network agent list answers (no agents yet: empty)" bash -c "
	[ -z \"\$('$B' network agent list -f value)\" ]"
sanitizer_free "$WORK"/san/* "$STATE/basaltd.log"
