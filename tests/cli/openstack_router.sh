#!/usr/bin/env bash
# tests/cli/openstack_router.sh - routers, floating IPs and security groups
# (Neutron v2.0) through the real `openstack` CLI: router create, set
# --external-gateway, add/remove subnet; floating ip create/set/unset/delete
# and server add/remove floating ip (a port whose device_id names the
# server); security group rule create/delete/show.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 8
trap 'cleanup_controller' EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

setup() {
	os network create --external cli-ext -f value -c id >/dev/null &&
		os subnet create --network cli-ext --subnet-range 203.0.113.0/24 --no-dhcp cli-ext-sub >/dev/null &&
		os network create cli-int >/dev/null &&
		os subnet create --network cli-int --subnet-range 198.51.100.0/24 --no-dhcp cli-int-sub >/dev/null &&
		os port create --network cli-int --device-owner compute:nova --device cli-server-1 cli-vm-port >/dev/null
}
check "setup: external and internal networks, a server's port" setup

t_router() {
	local j; j=$(os router create cli-r1 -f json) || return 1
	expect_eq status "$(jfield status <<<"$j")" ACTIVE || return 1
	os router set --external-gateway cli-ext cli-r1 || return 1
	j=$(os router show cli-r1 -f json) || return 1
	expect_eq gateway "$(jfield external_gateway_info <<<"$j" | jfield network_id)" \
		"$(os network show cli-ext -f value -c id)"
}
check "router create, set --external-gateway" t_router

t_add_subnet() {
	os router add subnet cli-r1 cli-int-sub || return 1
	local owners; owners=$(os port list --router cli-r1 -f value -c "Fixed IP Addresses")
	grep -q "198.51.100.1'" <<<"$owners" || { echo "no leg on the gateway IP: $owners"; return 1; }
	# twice is refused
	refused 400 "Bad router request: Router already has a port on subnet [0-9a-f-]{36}\\." \
		os router add subnet cli-r1 cli-int-sub
}
check "router add subnet (refused twice)" t_add_subnet

t_fip() {
	local fip j
	fip=$(os floating ip create cli-ext -f value -c floating_ip_address) || return 1
	[[ $fip == 203.0.113.* ]] || { echo "address $fip"; return 1; }
	os floating ip set --port cli-vm-port "$fip" || return 1
	j=$(os floating ip show "$fip" -f json) || return 1
	expect_eq fixed "$(jfield fixed_ip_address <<<"$j")" \
		"$(os port show cli-vm-port -f json | jfield fixed_ips | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ip_address"])')" || return 1
	expect_eq router "$(jfield router_id <<<"$j")" "$(os router show cli-r1 -f value -c id)" || return 1
	# the subnet cannot go while the floating IP needs it
	refused 409 "Router interface for subnet [0-9a-f-]{36} on router [0-9a-f-]{36} cannot be deleted, as it is required by one or more floating IPs\\." \
		os router remove subnet cli-r1 cli-int-sub || return 1
	os floating ip unset --port "$fip" || return 1
	expect_eq port "$(os floating ip show "$fip" -f value -c port_id)" None || return 1
	os floating ip delete "$fip" || return 1
	[ -z "$(os floating ip list -f value -c ID)" ]
}
check "floating ip create, set --port, unset --port, delete" t_fip

t_server_fip() {
	local fip id
	fip=$(os floating ip create cli-ext -f value -c floating_ip_address) || return 1
	id=$(os floating ip show "$fip" -f value -c id) || return 1
	# openstack server add floating ip does GET ports?device_id=SERVER,
	# then PUT /floatingips/ID with that port: the same two calls here,
	# as the compute service's servers are not part of this tier.
	local port; port=$(os port list --device-id cli-server-1 -f value -c ID) || return 1
	os floating ip set --port "$port" "$fip" || return 1
	expect_eq port "$(os floating ip show "$id" -f value -c port_id)" "$port" || return 1
	os floating ip unset --port "$fip" && os floating ip delete "$fip"
}
check "floating ip of a server's port (server add/remove floating ip calls)" t_server_fip

t_remove() {
	os router remove subnet cli-r1 cli-int-sub || return 1
	[ -z "$(os port list --router cli-r1 --device-owner network:router_interface -f value -c ID)" ] || return 1
	os router unset --external-gateway cli-r1 || return 1
	os router delete cli-r1 || return 1
	refused 404 "No Router found for cli-r1" os router show cli-r1
}
check "router remove subnet, unset gateway, delete" t_remove

t_rules() {
	local id j
	id=$(os security group rule create --protocol tcp --dst-port 22 default -f value -c id) || return 1
	j=$(os security group rule show "$id" -f json) || return 1
	expect_eq min "$(jfield port_range_min <<<"$j")" 22 || return 1
	expect_eq proto "$(jfield protocol <<<"$j")" tcp || return 1
	refused 409 "Security group rule already exists\\. Rule id is [0-9a-f-]{36}\\." os security group rule create --protocol tcp --dst-port 22 default || return 1
	os security group rule create --protocol icmp default >/dev/null || return 1
	os security group rule delete "$id" || return 1
	refused 404 "No SecurityGroupRule found for $id" os security group rule show "$id" || return 1
	j=$(os security group show default -f json) || return 1
	[ "$(jfield rules <<<"$j" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 5 ]
}
check "security group rule create (tcp 22, icmp), duplicate refused, delete, show" t_rules

t_groups() {
	os security group create cli-web >/dev/null || { echo "create failed"; return 1; }
	os security group show cli-web -f value -c name | grep -qx cli-web || { echo "show failed"; return 1; }
	os security group list -f value -c Name | grep -x default >/dev/null || { os security group list; return 1; }
	os security group delete cli-web
}
check "security group create, show, list, delete" t_groups
