#!/usr/bin/env bash
# tests/e2e/metadata_api.sh - the controller's /metadata API as the network
# nodes' metadata proxies call it (docs/agent-protocol.md): requests signed
# with HMAC-SHA256 of "<network id>\n<address>" under [metadata]
# proxy_shared_secret. A controller and a fake compute agent; two servers
# (vm1 with a key, user data and metadata; vm2 without) with ports on one
# network, made through the Neutron API. Checks the guest's paths
# (openstack/latest/meta_data.json, user_data), agreement with the desired
# state the config drive is built from, the EC2 layout, that each instance
# sees only its own data, and the refusals: no secret configured, missing
# or bad signature, another network's signature, an unknown address.
# A floating IP (external network, router, association) shows as vm1's
# public-ipv4. No traffic leaves loopback: the addresses only live in the
# store.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 16

SECRET=md-e2e-shared-secret
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "${STATE:-}" ] && sanitizer_free "$STATE"/agent-*.log
	cleanup_controller
}
trap cleanup EXIT

start_controller || { not_ok "start controller"; exit 1; }

# sig NET ADDRESS [SECRET]: the proxy's signature.
sig() {
	python3 -c 'import hashlib, hmac, sys
print(hmac.new(sys.argv[3].encode(), (sys.argv[1] + "\n" + sys.argv[2]).encode(), hashlib.sha256).hexdigest())' \
		"$1" "$2" "${3:-$SECRET}"
}
# md NET ADDRESS PATH [SIGNATURE]: GET /metadata PATH as the proxy would;
# the body goes to $STATE/md.body, "STATUS CONTENT-TYPE" to stdout.
md() {
	local s=${4-$(sig "$1" "$2")}
	curl -s --max-time 10 -o "$STATE/md.body" -w '%{http_code} %{content_type}' \
		-H "X-Forwarded-For: $2" -H "X-Basalt-Network-ID: $1" -H "X-Basalt-Signature: $s" \
		"$URL/metadata$3"
}
# md_body NET ADDRESS PATH: the body of a 200, or fail.
md_body() {
	local st
	st=$(md "$@")
	[ "${st%% *}" = 200 ] || { echo "GET /metadata$3 for $2: $st: $(cat "$STATE/md.body")"; return 1; }
	cat "$STATE/md.body"
}
# jq_py EXPR: evaluate a Python expression over the JSON on stdin (as d).
jq_py() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# --- before a secret is configured: refused, and said so in the log ---
t_no_secret() {
	local st
	st=$(md 00000000-0000-4000-8000-000000000000 192.0.2.10 /openstack/latest/meta_data.json)
	expect_eq "status without a secret" "${st%% *}" 403 || return 1
	md 00000000-0000-4000-8000-000000000000 192.0.2.10 / >/dev/null
	expect_eq "log lines about the empty secret" \
		"$(grep -c 'proxy_shared_secret is empty' "$STATE/basaltd.log")" 1 || return 1
	grep -q '^403 Forbidden' "$STATE/md.body" ||
		{ echo "a plain-text error body expected:"; cat "$STATE/md.body"; return 1; }
}
check "no proxy_shared_secret: every request is 403, logged once, plain text" t_no_secret

stop_controller
cat >>"$CONF" <<EOC
[metadata]
proxy_shared_secret = $SECRET
EOC
run_controller || { not_ok "restart controller with a secret"; exit 1; }

export OS_COMPUTE_API_VERSION=2.60 # --nic none
make_service_user || { not_ok "service user"; exit 1; }
agent_conf cmp1 fake "$STATE/agent-cmp1.conf"
"$BASALTD" --config "$STATE/agent-cmp1.conf" --role compute >>"$STATE/agent-cmp1.log" 2>&1 &
AGENT_PID=$!
t_agent_up() {
	for _ in $(seq 1 50); do
		os compute service list -f value -c Host -c State 2>/dev/null | grep -x "cmp1 up" >/dev/null &&
			return 0
		sleep 0.2
	done
	tail -20 "$STATE/agent-cmp1.log"
	return 1
}
check "a fake compute agent registers" t_agent_up || true

qemu-img create -q -f qcow2 "$STATE/tiny.qcow2" 16M >/dev/null 2>&1 || { not_ok "qemu-img"; exit 1; }
os image create --file "$STATE/tiny.qcow2" --disk-format qcow2 --container-format bare \
	mdtiny >/dev/null && os flavor create --vcpus 1 --ram 64 --disk 1 md.small >/dev/null &&
	ssh-keygen -q -t ed25519 -N '' -C md-e2e -f "$STATE/k1" &&
	os keypair create --public-key "$STATE/k1.pub" k1 >/dev/null ||
	{ not_ok "image, flavor and keypair"; exit 1; }
# User data with bytes a text path would mangle: a NUL, high bytes, CRLF.
printf '#!/bin/sh\r\necho md-e2e\n\000\377\376tail' >"$STATE/user_data"

TOKEN=$(admin_token)
# server NAME EXTRA: create through the API (the CLI reads user data as
# UTF-8 text) and wait for ACTIVE; EXTRA are more members of "server".
server() {
	local body code
	body='{"server":{"name":"'"$1"'","imageRef":"'"$(os image show mdtiny -f value -c id)"'","flavorRef":"'"$(os flavor show md.small -f value -c id)"'","networks":"none"'"$2"'}}'
	code=$(curl -s --max-time 30 -o "$STATE/create.body" -w '%{http_code}' \
		-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
		-H 'OpenStack-API-Version: compute 2.60' "$URL/compute/v2.1/servers" -d "$body")
	expect_eq "create $1" "$code" 202 || { cat "$STATE/create.body"; return 1; }
	for _ in $(seq 1 100); do
		[ "$(os server show "$1" -f value -c status)" = ACTIVE ] && return 0
		sleep 0.2
	done
	echo "$1 is not ACTIVE"; return 1
}
t_servers() {
	server vm1 ',"key_name":"k1","metadata":{"role":"web"},"user_data":"'"$(base64 -w0 "$STATE/user_data")"'"' &&
		server vm2 ''
}
check "two servers (vm1 with key, user data, metadata; vm2 bare) reach ACTIVE" t_servers
VM1=$(os server show vm1 -f value -c id)
VM2=$(os server show vm2 -f value -c id)
PROJECT=$(os server show vm1 -f value -c project_id)
[ -n "$VM1" ] && [ -n "$VM2" ] && [ -n "$PROJECT" ] || exit 1

# --- the network: through the Neutron API ---
NAPI="$URL/network/v2.0"
# napi METHOD PATH BODY: the response body; fails unless 2xx.
napi() {
	local code
	code=$(curl -s --max-time 10 -o "$STATE/napi.body" -w '%{http_code}' -X "$1" \
		-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$NAPI$2" -d "$3")
	[ "${code:0:1}" = 2 ] || { echo "$1 $2: $code $(cat "$STATE/napi.body")"; return 1; }
	cat "$STATE/napi.body"
}
# port NET SUBNET SERVER IP: a compute port of SERVER with IP; prints its id.
port() {
	napi POST /ports '{"port":{"network_id":"'"$1"'","device_id":"'"$3"'","device_owner":"compute:nova","fixed_ips":[{"subnet_id":"'"$2"'","ip_address":"'"$4"'"}]}}' |
		jq_py 'd["port"]["id"]'
}
t_network() {
	NET_A=$(napi POST /networks '{"network":{"name":"md-net-a"}}' | jq_py 'd["network"]["id"]') &&
		SUB_A=$(napi POST /subnets '{"subnet":{"network_id":"'"$NET_A"'","ip_version":4,"cidr":"192.0.2.0/24","dns_nameservers":["192.0.2.53"]}}' |
			jq_py 'd["subnet"]["id"]') &&
		NET_B=$(napi POST /networks '{"network":{"name":"md-net-b"}}' | jq_py 'd["network"]["id"]') &&
		SUB_B=$(napi POST /subnets '{"subnet":{"network_id":"'"$NET_B"'","ip_version":4,"cidr":"192.0.2.0/24"}}' |
			jq_py 'd["subnet"]["id"]') &&
		PORT1=$(port "$NET_A" "$SUB_A" "$VM1" 192.0.2.10) &&
		PORT2=$(port "$NET_A" "$SUB_A" "$VM2" 192.0.2.11) &&
		PORT2B=$(port "$NET_B" "$SUB_B" "$VM2" 192.0.2.10) &&
		MAC1=$(napi GET "/ports/$PORT1" '' | jq_py 'd["port"]["mac_address"]')
}
check "networks A and B (same CIDR), ports: vm1 .10 on A, vm2 .11 on A and .10 on B" t_network
[ -n "${PORT2B:-}" ] && [ -n "${MAC1:-}" ] || exit 1

# --- the OpenStack layout, as the guest's init reads it ---
t_meta_data() {
	local j want
	j=$(md_body "$NET_A" 192.0.2.10 /openstack/latest/meta_data.json) || return 1
	expect_eq uuid "$(jq_py 'd["uuid"]' <<<"$j")" "$VM1" || return 1
	expect_eq name "$(jq_py 'd["name"]' <<<"$j")" vm1 || return 1
	expect_eq project_id "$(jq_py 'd["project_id"]' <<<"$j")" "$PROJECT" || return 1
	expect_eq launch_index "$(jq_py 'd["launch_index"]' <<<"$j")" 0 || return 1
	expect_eq meta "$(jq_py 'd["meta"]' <<<"$j")" "{'role': 'web'}" || return 1
	expect_eq devices "$(jq_py 'd["devices"]' <<<"$j")" "[]" || return 1
	want=$(cat "$STATE/k1.pub")
	expect_eq public_keys.k1 "$(jq_py 'd["public_keys"]["k1"].strip()' <<<"$j")" "$want" || return 1
	expect_eq keys "$(jq_py '[(k["name"], k["type"], k["data"].strip()) for k in d["keys"]]' <<<"$j")" \
		"[('k1', 'ssh', '$want')]"
}
check "openstack/latest/meta_data.json: vm1's uuid, name, project, keys, meta" t_meta_data

# The config drive is built from the agent's desired state (compute.c's
# config_drive_meta): every member it writes must match ours.
t_agrees_with_config_drive() {
	curl -s --max-time 10 -H "X-Auth-Token: $TOKEN" "$URL/agent/v1/hosts/cmp1/desired" \
		>"$STATE/desired.json" || return 1
	md_body "$NET_A" 192.0.2.10 /openstack/2012-08-10/meta_data.json >"$STATE/md.json" || return 1
	python3 - "$STATE/desired.json" "$STATE/md.json" "$VM1" <<'EOF'
import json, sys
desired = json.load(open(sys.argv[1]))
md = json.load(open(sys.argv[2]))
s = [s for s in desired["servers"] if s["id"] == sys.argv[3]][0]
cd = {"uuid": s["id"], "name": s["name"], "hostname": s["hostname"],
      "availability_zone": s["availability_zone"], "project_id": s["project_id"],
      "launch_index": 0, "public_keys": s["public_keys"], "meta": s["metadata"],
      "keys": [{"name": k, "type": "ssh", "data": v} for k, v in s["public_keys"].items()]}
bad = {k: (v, md.get(k)) for k, v in cd.items() if md.get(k) != v}
if bad:
    sys.exit("differs from the config drive: %r" % bad)
EOF
}
check "meta_data.json agrees with the config drive's source (desired state)" t_agrees_with_config_drive

t_user_data() {
	local st
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest/user_data)
	expect_eq "status, type" "$st" "200 text/plain" || return 1
	cmp "$STATE/md.body" "$STATE/user_data" || return 1
	md "$NET_A" 192.0.2.10 /latest/user-data >/dev/null
	cmp "$STATE/md.body" "$STATE/user_data"
}
check "user_data and EC2 user-data: the exact bytes given at create (text/plain)" t_user_data

t_listings() {
	local st
	expect_eq "openstack versions" "$(md_body "$NET_A" 192.0.2.10 /openstack)" \
		"$(printf '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n2020-10-14\nlatest')" || return 1
	expect_eq "openstack/latest/ for vm1" "$(md_body "$NET_A" 192.0.2.10 /openstack/latest/)" \
		"$(printf 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json')" || return 1
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest)
	expect_eq "listing type" "${st#* }" "text/plain; charset=UTF-8" || return 1
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest/meta_data.json)
	expect_eq "json type" "${st#* }" "application/json" || return 1
	expect_eq "vendor_data.json" "$(md_body "$NET_A" 192.0.2.10 /openstack/latest/vendor_data.json)" "{}" || return 1
	expect_eq "EC2 versions" "$(md_body "$NET_A" 192.0.2.10 /)" \
		"$(printf '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest')"
}
check "version and file listings in text/plain; .json files in application/json" t_listings

t_network_data() {
	local j
	j=$(md_body "$NET_A" 192.0.2.10 /openstack/latest/network_data.json) || return 1
	expect_eq links "$(jq_py '[(l["id"], l["type"], l["ethernet_mac_address"], l["vif_id"]) for l in d["links"]]' <<<"$j")" \
		"[('tap${PORT1:0:11}', 'bridge', '$MAC1', '$PORT1')]" || return 1
	expect_eq networks "$(jq_py '[(n["id"], n["type"], n["link"], n["network_id"]) for n in d["networks"]]' <<<"$j")" \
		"[('network0', 'ipv4_dhcp', 'tap${PORT1:0:11}', '$NET_A')]" || return 1
	expect_eq services "$(jq_py 'd["services"]' <<<"$j")" "[{'type': 'dns', 'address': '192.0.2.53'}]"
}
check "network_data.json: vm1's one port, its DHCP network and the subnet's DNS" t_network_data

# --- the EC2 layout ---
t_ec2() {
	local m="/latest/meta-data"
	expect_eq "instance-id" "$(md_body "$NET_A" 192.0.2.10 $m/instance-id)" "i-${VM1:0:8}" || return 1
	expect_eq hostname "$(md_body "$NET_A" 192.0.2.10 $m/hostname)" vm1 || return 1
	expect_eq local-hostname "$(md_body "$NET_A" 192.0.2.10 $m/local-hostname)" vm1 || return 1
	expect_eq local-ipv4 "$(md_body "$NET_A" 192.0.2.10 $m/local-ipv4)" 192.0.2.10 || return 1
	expect_eq instance-type "$(md_body "$NET_A" 192.0.2.10 $m/instance-type)" md.small || return 1
	expect_eq ami-launch-index "$(md_body "$NET_A" 192.0.2.10 $m/ami-launch-index)" 0 || return 1
	expect_eq availability-zone "$(md_body "$NET_A" 192.0.2.10 $m/placement/availability-zone)" nova || return 1
	expect_eq public-keys/ "$(md_body "$NET_A" 192.0.2.10 $m/public-keys/)" "0=k1" || return 1
	expect_eq openssh-key "$(md_body "$NET_A" 192.0.2.10 $m/public-keys/0/openssh-key)" \
		"$(cat "$STATE/k1.pub")" || return 1
	expect_eq security-groups "$(md_body "$NET_A" 192.0.2.10 $m/security-groups)" default || return 1
	expect_eq reservation-id "$(md_body "$NET_A" 192.0.2.10 $m/reservation-id)" "r-${VM1:0:8}" || return 1
	expect_eq public-ipv4 "$(md_body "$NET_A" 192.0.2.10 $m/public-ipv4)" "" || return 1
	expect_line listing "$(md_body "$NET_A" 192.0.2.10 $m/)" "placement/" || return 1
	expect_line listing "$(md_body "$NET_A" 192.0.2.10 $m/)" "public-keys/" || return 1
	expect_eq "version listing" "$(md_body "$NET_A" 192.0.2.10 /2009-04-04/)" \
		"$(printf 'meta-data/\nuser-data')"
}
check "EC2 meta-data: instance-id, hostnames, local-ipv4, type, zone, keys, groups" t_ec2

# --- isolation: vm2 on the same network sees only itself ---
t_second_instance() {
	local j st
	j=$(md_body "$NET_A" 192.0.2.11 /openstack/latest/meta_data.json) || return 1
	expect_eq uuid "$(jq_py 'd["uuid"]' <<<"$j")" "$VM2" || return 1
	expect_eq keys "$(jq_py 'd["keys"], d["public_keys"], d["meta"]' <<<"$j")" "([], {}, {})" || return 1
	grep -q "$VM1\|role" <<<"$j" && { echo "vm1's data in vm2's: $j"; return 1; }
	st=$(md "$NET_A" 192.0.2.11 /openstack/latest/user_data)
	expect_eq "vm2 user_data" "${st%% *}" 404 || return 1
	expect_eq "vm2 listing" "$(md_body "$NET_A" 192.0.2.11 /openstack/latest)" \
		"$(printf 'meta_data.json\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json')" || return 1
	expect_eq "vm2 local-ipv4" "$(md_body "$NET_A" 192.0.2.11 /latest/meta-data/local-ipv4)" 192.0.2.11 || return 1
	# The same address on network B is vm2's port there, not vm1's.
	j=$(md_body "$NET_B" 192.0.2.10 /openstack/latest/meta_data.json) || return 1
	expect_eq "uuid of .10 on B" "$(jq_py 'd["uuid"]' <<<"$j")" "$VM2" || return 1
	expect_eq "vm2's links" "$(md_body "$NET_B" 192.0.2.10 /openstack/latest/network_data.json |
		jq_py 'sorted(l["vif_id"] for l in d["links"])')" \
		"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$PORT2" "$PORT2B")"
}
check "a second instance on the same network sees only its own data" t_second_instance

# --- refusals ---
t_refused() {
	local st good
	good=$(sig "$NET_A" 192.0.2.10)
	st=$(curl -s -o /dev/null -w '%{http_code}' "$URL/metadata/openstack/latest/meta_data.json")
	expect_eq "no headers" "$st" 403 || return 1
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: 192.0.2.10" \
		-H "X-Basalt-Network-ID: $NET_A" "$URL/metadata/openstack/latest/meta_data.json")
	expect_eq "no signature" "$st" 403 || return 1
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest/meta_data.json "${good%?}0")
	[ "${good: -1}" = 0 ] && st=$(md "$NET_A" 192.0.2.10 /openstack/latest/meta_data.json "${good%?}1")
	expect_eq "a wrong signature" "${st%% *}" 403 || return 1
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest/meta_data.json "$(sig "$NET_A" 192.0.2.10 other-secret)")
	expect_eq "signed with another secret" "${st%% *}" 403 || return 1
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest/meta_data.json "")
	expect_eq "an empty signature" "${st%% *}" 403 || return 1
	# vm1's signature on network B's header, and the other way round.
	st=$(md "$NET_B" 192.0.2.10 /openstack/latest/meta_data.json "$good")
	expect_eq "network A's signature with network B" "${st%% *}" 403 || return 1
	st=$(md "$NET_A" 192.0.2.11 /openstack/latest/meta_data.json "$good")
	expect_eq "another address's signature" "${st%% *}" 403 || return 1
	grep -q '^403 Forbidden' "$STATE/md.body" || { cat "$STATE/md.body"; return 1; }
	! grep -q "$VM1" "$STATE/md.body"
}
check "missing, wrong, foreign-network or foreign-address signatures: 403" t_refused

t_not_found() {
	local st
	st=$(md "$NET_A" 192.0.2.99 /openstack/latest/meta_data.json)
	expect_eq "unknown address" "${st%% *}" 404 || return 1
	st=$(md "$NET_B" 192.0.2.11 /openstack/latest/meta_data.json)
	expect_eq "an address of network A asked on B" "${st%% *}" 404 || return 1
	st=$(md "$NET_A" 192.0.2.10 /openstack/latest/nothing.json)
	expect_eq "no such file" "$st" "404 text/plain; charset=UTF-8" || return 1
	st=$(md "$NET_A" 192.0.2.10 /latest/meta-data/a/b/c/d/e/f)
	expect_eq "too deep" "${st%% *}" 404 || return 1
	st=$(md "$NET_A" 192.0.2.10 /2001-01-01/meta-data/)
	expect_eq "unknown version" "${st%% *}" 404
}
check "unknown address, file, depth or version: 404 in plain text" t_not_found

# A floating IP on vm1's port shows as public-ipv4 (only for vm1).
t_floating() {
	local ext esub router
	ext=$(napi POST /networks '{"network":{"name":"md-ext","router:external":true}}' |
		jq_py 'd["network"]["id"]') &&
		esub=$(napi POST /subnets '{"subnet":{"network_id":"'"$ext"'","ip_version":4,"cidr":"203.0.113.0/24","enable_dhcp":false}}' |
			jq_py 'd["subnet"]["id"]') &&
		router=$(napi POST /routers '{"router":{"name":"md-r","external_gateway_info":{"network_id":"'"$ext"'"}}}' |
			jq_py 'd["router"]["id"]') &&
		napi PUT "/routers/$router/add_router_interface" '{"subnet_id":"'"$SUB_A"'"}' >/dev/null &&
		napi POST /floatingips '{"floatingip":{"floating_network_id":"'"$ext"'","port_id":"'"$PORT1"'","floating_ip_address":"203.0.113.77"}}' >/dev/null ||
		return 1
	[ -n "$esub" ] || return 1
	expect_eq "vm1 public-ipv4" "$(md_body "$NET_A" 192.0.2.10 /latest/meta-data/public-ipv4)" 203.0.113.77 || return 1
	expect_eq "vm2 public-ipv4" "$(md_body "$NET_A" 192.0.2.11 /latest/meta-data/public-ipv4)" ""
}
check "a floating IP associated with vm1's port is its public-ipv4" t_floating

# The guest's password, as CirrOS and tempest's test_server_basic_ops post it:
# POST openstack/VERSION/password once, shown by the compute API's
# os-server-password, cleared there; Nova's 409 and 400.
# md_post NET ADDRESS PATH DATA: "STATUS" of the POST, the body in md.body.
md_post() {
	curl -s --max-time 10 -o "$STATE/md.body" -w '%{http_code}' -X POST --data-binary "$4" \
		-H "X-Forwarded-For: $2" -H "X-Basalt-Network-ID: $1" -H "X-Basalt-Signature: $(sig "$1" "$2")" \
		"$URL/metadata$3"
}
# pw_api [DELETE]: the compute API's os-server-password of vm1 (GET: the password).
pw_api() {
	if [ "${1:-}" = DELETE ]; then
		curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X DELETE -H "X-Auth-Token: $TOKEN" \
			"$URL/compute/v2.1/servers/$VM1/os-server-password"
	else
		curl -s --max-time 10 -H "X-Auth-Token: $TOKEN" "$URL/compute/v2.1/servers/$VM1/os-server-password" |
			jq_py 'd["password"]'
	fi
}
t_password() {
	local pw=testtesttesttesttesttesttesttesttesttest
	expect_eq "no password yet" "$(pw_api)" "" || return 1
	expect_eq "POST openstack/2013-10-17/password" "$(md_post "$NET_A" 192.0.2.10 /openstack/2013-10-17/password "$pw")" 200 || return 1
	expect_eq "the compute API shows it" "$(pw_api)" "$pw" || return 1
	expect_eq "the guest reads it back" "$(md_body "$NET_A" 192.0.2.10 /openstack/latest/password)" "$pw" || return 1
	expect_eq "vm2 has none" "$(md_body "$NET_A" 192.0.2.11 /openstack/latest/password)" "" || return 1
	expect_eq "a second POST: 409" "$(md_post "$NET_A" 192.0.2.10 /openstack/latest/password other)" 409 || return 1
	grep -q 'The password was set already.' "$STATE/md.body" || { cat "$STATE/md.body"; return 1; }
	expect_eq "unchanged by the 409" "$(pw_api)" "$pw" || return 1
	expect_eq "DELETE os-server-password" "$(pw_api DELETE)" 204 || return 1
	expect_eq "cleared" "$(pw_api)" "" || return 1
	expect_eq "257 bytes: 400" "$(md_post "$NET_A" 192.0.2.10 /openstack/latest/password "$(head -c 257 /dev/zero | tr '\0' x)")" 400 || return 1
	grep -q 'Request is too large.' "$STATE/md.body" || { cat "$STATE/md.body"; return 1; }
	expect_eq "still none after the 400" "$(pw_api)" "" || return 1
	expect_eq "before 2013-04-04: 404" "$(md_post "$NET_A" 192.0.2.10 /openstack/2012-08-10/password x)" 404 || return 1
	expect_eq "256 bytes are taken" "$(md_post "$NET_A" 192.0.2.10 /openstack/latest/password "$(head -c 256 /dev/zero | tr '\0' y)")" 200 || return 1
	expect_eq "all 256" "$(pw_api | wc -c)" 257
}
check "password: POST once (409 after), os-server-password shows and clears it, 256 bytes at most" t_password
t_password_refused() {
	local st
	st=$(curl -s --max-time 10 -o "$STATE/md.body" -w '%{http_code}' -X POST --data-binary x \
		-H "X-Forwarded-For: 192.0.2.10" -H "X-Basalt-Network-ID: $NET_A" -H "X-Basalt-Signature: $(sig "$NET_A" 192.0.2.10 wrong)" \
		"$URL/metadata/openstack/latest/password")
	expect_eq "bad signature" "$st" 403 || return 1
	expect_eq "unknown address" "$(md_post "$NET_A" 192.0.2.99 /openstack/latest/password x)" 404 || return 1
	grep -q 'No instance with address 192.0.2.99' "$STATE/md.body" || { cat "$STATE/md.body"; return 1; }
	expect_eq "the password of another file: 404" "$(md_post "$NET_A" 192.0.2.10 /openstack/latest/user_data x)" 404
}
check "password POST: a bad signature 403, an unknown address or another path 404" t_password_refused
