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
plan 13
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

# ---- two member users of two projects, as a hostile tenant would try ----
# (issue 9: router hijack, anti-spoofing off on a shared network, gateway
# options; the API cases in tests/api/cases/48-network-policy-holes.json
# hold the same and more.)
asA() { env OS_USERNAME=np-ua OS_PASSWORD=np-pw-a OS_PROJECT_NAME=np-a timeout 60 openstack "$@"; }
asB() { env OS_USERNAME=np-ub OS_PASSWORD=np-pw-b OS_PROJECT_NAME=np-b timeout 60 openstack "$@"; }

t_members() {
	local p
	for p in a b; do
		os project create "np-$p" >/dev/null &&
			os user create --password "np-pw-$p" "np-u$p" >/dev/null &&
			os role add --project "np-$p" --user "np-u$p" member || return 1
	done
	# A's shared network (made for A by the admin), A's router; B's network
	os network create --project np-a --share np-shared >/dev/null &&
		os subnet create --project np-a --network np-shared --subnet-range 10.66.0.0/24 np-shared-sub >/dev/null &&
		asA router create np-ra >/dev/null &&
		asB network create np-bnet >/dev/null &&
		asB subnet create --network np-bnet --subnet-range 10.67.0.0/24 --no-dhcp np-bsub >/dev/null
}
check "two member users: A's shared network and router, B's network" t_members

t_hijack() {
	local ra; ra=$(asA router show np-ra -f value -c id) || return 1
	refused 409 "The following device_id $ra is not owned by your tenant or matches another tenants router\\." \
		asB port create --network np-bnet --device-owner network:router_interface --device "$ra" \
		--fixed-ip subnet=np-bsub,ip-address=10.67.0.1 hijack || return 1
	expect_eq "ports naming A's router" "$(os port list --device-id "$ra" -f value -c ID)" ""
}
check "router hijack: B's port naming A's router as its interface is refused, no port made" t_hijack

t_shared_security() {
	local net; net=$(os network show np-shared -f value -c id) || return 1
	refused 403 "\\(rule:create_port:port_security_enabled\\) is disallowed by policy" \
		asB port create --network "$net" --disable-port-security b-nosec || return 1
	refused 403 "\\(rule:create_port:device_owner\\) is disallowed by policy" \
		asB port create --network "$net" --device-owner network:dhcp b-dhcp || return 1
	# an ordinary port there is fine, with port security on
	expect_eq port_security "$(asB port create --network "$net" b-ok -f value -c port_security_enabled)" True
}
check "anti-spoofing stays on for B on A's shared network (port security off, network:dhcp refused)" t_shared_security

t_gateway_options() {
	refused 403 "\\(rule:update_router:external_gateway_info:enable_snat\\) is disallowed by policy" \
		asA router set --external-gateway cli-ext --disable-snat np-ra || return 1
	refused 403 "\\(rule:update_router:external_gateway_info:external_fixed_ips\\) is disallowed by policy" \
		asA router set --external-gateway cli-ext --fixed-ip ip-address=203.0.113.77 np-ra || return 1
	# the gateway itself is the member's to set; SNAT is on
	asA router set --external-gateway cli-ext np-ra || return 1
	expect_eq enable_snat "$(asA router show np-ra -f json | jfield external_gateway_info | jfield enable_snat)" true
}
check "gateway options: enable_snat and external_fixed_ips are refused to a member" t_gateway_options

t_member_normal() {
	asA network create np-anet >/dev/null &&
		asA subnet create --network np-anet --subnet-range 10.68.0.0/24 np-asub >/dev/null &&
		asA router add subnet np-ra np-asub &&
		asA port create --network np-anet --fixed-ip subnet=np-asub,ip-address=10.68.0.20 np-aport >/dev/null &&
		asA router remove subnet np-ra np-asub &&
		asA router unset --external-gateway np-ra &&
		asA router delete np-ra
}
check "a member still does the normal things (network, subnet, interface, fixed address on its own network)" t_member_normal
