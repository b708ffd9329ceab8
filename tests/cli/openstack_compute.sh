#!/usr/bin/env bash
# tests/cli/openstack_compute.sh - Nova's flavors, keypairs (ssh and x509), quotas,
# compute services, hypervisors, host aggregates and a server's security
# groups at 2.35 (Nova's addSecurityGroup action), server groups and the
# group scheduler hint through the real `openstack` CLI.
# (Servers booting on a compute agent are tested in tests/e2e.)
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 17
trap cleanup_controller EXIT

# compute0 registers once and never heartbeats again: on a loaded machine
# the CLI calls below may take longer than the default 60 s. The
# controller heartbeats its own services each second (t_controllers).
start_controller "[compute]
service_down_time = 3600
heartbeat_interval = 1" || { not_ok "start controller"; exit 1; }
export OS_COMPUTE_API_VERSION=2.60
WORK=$(mktemp -d /tmp/basalt-cli-compute.XXXXXX)
trap 'cleanup_controller; rm -rf "$WORK"' EXIT

t_flavor() {
	os flavor create --vcpus 2 --ram 512 --disk 3 --property hw:cpu_policy=shared \
		--description "two cpus" m1.test -f json >"$WORK/f.json" || return 1
	expect_eq vcpus "$(jfield vcpus <"$WORK/f.json")" 2 &&
	expect_eq ram "$(jfield ram <"$WORK/f.json")" 512 || return 1
	local list; list=$(os flavor list -f value -c Name) || return 1
	expect_line "flavor list" "$list" m1.test || return 1
	# found by name: GET /flavors/m1.test is a 404, then the list lookup
	expect_eq disk "$(os flavor show m1.test -f value -c disk)" 3 || return 1
	# at 2.60 the client asks os-extra_specs for the properties; left to
	# negotiate, it takes 2.61 and reads them from the flavor's extra_specs
	os flavor show m1.test -f value -c properties | grep -q "hw:cpu_policy.*shared" || return 1
	(unset OS_COMPUTE_API_VERSION
	 os --debug flavor show m1.test -f value -c properties >"$WORK/props" 2>"$WORK/debug") || return 1
	grep -q "hw:cpu_policy.*shared" "$WORK/props" || return 1
	expect_line "flavor show at 2.61" \
		"$(grep '^RESP BODY: {"flavors\?":' "$WORK/debug" | grep -o '"extra_specs":{[^}]*}')" \
		'"extra_specs":{"hw:cpu_policy":"shared"}' || return 1
	os flavor delete m1.test || return 1
	refused 404 "No Flavor found for m1.test" os flavor show m1.test
}
check "flavor create (with property), list, show by name (2.61: properties from extra_specs), delete" t_flavor

t_keypair() {
	os keypair create k-gen >"$WORK/k.pem" || return 1
	chmod 600 "$WORK/k.pem"
	# The private key is a real OpenSSH key whose public half Nova stored.
	local pub; pub=$(ssh-keygen -y -f "$WORK/k.pem") || return 1
	local fp; fp=$(os keypair show k-gen -f value -c fingerprint) || return 1
	expect_eq fingerprint "$fp" "$(ssh-keygen -l -E md5 -f <(echo "$pub") | awk '{print $2}' | sed 's/^MD5://')" || return 1
	ssh-keygen -t ed25519 -N '' -q -f "$WORK/imp" || return 1
	os keypair create --public-key "$WORK/imp.pub" k-imp >/dev/null || return 1
	expect_line "keypair list" "$(os keypair list -f value -c Name)" k-imp || return 1
	os keypair delete k-gen k-imp || return 1
	[ -z "$(os keypair list -f value -c Name)" ]
}
check "keypair create returns a working key; import; list; delete" t_keypair

# x509 key pairs (2.2): a certificate imported as x509, its fingerprint
# the SHA-1 of the certificate (as openssl shows it), shown by the CLI.
# The import is sent with curl: this client (OSC 6.0.0 on openstacksdk
# 0.101) drops --type (it passes key_type, which the SDK's Keypair does
# not know) and sends its default, "ssh".
t_keypair_x509() {
	openssl req -x509 -nodes -days 1 -newkey rsa:2048 -keyout "$WORK/x.key" -out "$WORK/x.pem" \
		-subj /CN=cli 2>/dev/null || return 1
	local want; want=$(openssl x509 -in "$WORK/x.pem" -noout -fingerprint -sha1 | sed 's/.*=//' |
		tr 'A-F' 'a-f')
	python3 -c 'import json,sys; print(json.dumps({"keypair": {"name": "k-x509", "type": "x509",
		"public_key": open(sys.argv[1]).read()}}))' "$WORK/x.pem" >"$WORK/kx-req.json" || return 1
	curl -s --max-time 30 -X POST -H "X-Auth-Token: $(admin_token)" -H 'Content-Type: application/json' \
		-H 'OpenStack-API-Version: compute 2.2' -d @"$WORK/kx-req.json" \
		"$URL/compute/v2.1/os-keypairs" >"$WORK/kx.json" || return 1
	expect_eq "created" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["keypair"]["type"])' <"$WORK/kx.json")" x509 || return 1
	os keypair show k-x509 -f json >"$WORK/kx.json" || return 1
	expect_eq type "$(jfield type <"$WORK/kx.json")" x509 &&
		expect_eq fingerprint "$(jfield fingerprint <"$WORK/kx.json")" "$want" || return 1
	expect_line "keypair list" "$(os keypair list -f value -c Name -c Type)" "k-x509 x509" || return 1
	refused 400 "Keypair data is invalid: failed to generate fingerprint" \
		os keypair create --public-key "$WORK/x.pem" k-x509-ssh || return 1
	os keypair delete k-x509
}
check "keypair (x509, imported at 2.2): keypair show/list give its type and the certificate's SHA-1 fingerprint; as an ssh key a certificate is 400" t_keypair_x509

t_quota() {
	local p; p=$(os project show admin -f value -c id) || return 1
	os quota set --instances 7 --cores 9 --ram 4096 admin || return 1
	curl -s --max-time 10 -H "X-Auth-Token: $(admin_token)" "$URL/compute/v2.1/os-quota-sets/$p" >"$WORK/q.json"
	python3 - "$WORK/q.json" <<'PY'
import json, sys
q = json.load(open(sys.argv[1]))["quota_set"]
assert (q["instances"], q["cores"], q["ram"]) == (7, 9, 4096), q
PY
	expect_eq "quota show instances" "$(os quota show -f value -c instances admin)" 7
}
check "quota set and quota show (compute)" t_quota

# The default quota class: the defaults of every project without its own.
t_quota_class() {
	os quota set --class --instances 12 --key-pairs 33 default || return 1
	expect_eq "quota class instances" "$(os quota show --class -f value -c instances default)" 12 || return 1
	expect_eq "project default key-pairs" "$(os quota show -f value -c key-pairs admin)" 33 || return 1
	os quota set --class --instances 10 --key-pairs -1 default
}
check "quota set --class default changes every project's defaults" t_quota_class

t_hosts() {
	local tok; tok=$(admin_token)
	curl -sf --max-time 10 -X PUT -H "X-Auth-Token: $tok" -H 'Content-Type: application/json' \
		"$URL/agent/v1/hosts/compute0" \
		-d '{"host":{"roles":["compute"],"local_ip":"198.51.100.31","resources":{"vcpus":4,"memory_mb":4096,"disk_gb":50}}}' >/dev/null || return 1
	local svc; svc=$(os compute service list -f value -c Host -c State) || return 1
	expect_line "compute service list" "$svc" "compute0 up" || return 1
	local hv; hv=$(os hypervisor list -f value -c "Hypervisor Hostname" -c State) || return 1
	expect_line "hypervisor list" "$hv" "compute0 up" || return 1
	expect_eq vcpus "$(os hypervisor show compute0 -f value -c vcpus)" 4 || return 1
	expect_line "availability zones" "$(os availability zone list --compute -f value -c 'Zone Name' -c 'Zone Status')" "nova available"
}
check "compute service list and hypervisor list show a registered host" t_hosts

# os-hosts (deprecated; the client sends no microversion, so 2.1): the
# list, a host's resource rows, --disable/--enable (os-services' update:
# the API cases check both sides); no maintenance mode (501, as Nova with
# libvirt).
t_os_hosts() {
	expect_line "host list" "$(os host list -f value -c 'Host Name' -c Service -c Zone)" "compute0 compute nova" || return 1
	expect_line "host show" "$(os host show compute0 -f value -c Project -c CPU -c 'Memory MB' -c 'Disk GB')" "(total) 4 4096 50" || return 1
	os host set --disable compute0 || return 1
	expect_no_line "a disabled host is not listed" "$(os host list -f value -c 'Host Name')" compute0 || return 1
	os host set --enable compute0 || return 1
	refused 501 "The requested functionality is not supported." os host set --enable-maintenance compute0
}
check "host list, show, set --disable/--enable, no maintenance mode (501)" t_os_hosts

# The controller's own services (compute/controller_services.c): Nova's
# nova-scheduler and nova-conductor on its host ([DEFAULT] host:
# localhost here), in the zone internal, up while it heartbeats; os-hosts'
# scheduler and conductor rows; Nova updates no service but nova-compute.
t_controller_services() {
	local svc; svc=$(os compute service list -f value -c Binary -c Host -c Zone -c Status -c State) || return 1
	expect_line "scheduler" "$svc" "nova-scheduler localhost internal enabled up" || return 1
	expect_line "conductor" "$svc" "nova-conductor localhost internal enabled up" || return 1
	expect_line "compute" "$svc" "nova-compute compute0 nova enabled up" || return 1
	expect_eq "--service nova-conductor" "$(os compute service list --service nova-conductor -f value -c Host)" localhost || return 1
	expect_eq "--host compute0" "$(os compute service list --host compute0 -f value -c Binary)" nova-compute || return 1
	local hosts; hosts=$(os host list -f value -c 'Host Name' -c Service -c Zone) || return 1
	expect_line "host list: scheduler" "$hosts" "localhost scheduler internal" || return 1
	expect_line "host list: conductor" "$hosts" "localhost conductor internal" || return 1
	expect_eq "host list --zone internal" "$(os host list --zone internal -f value -c Service | sort | tr '\n' ' ')" \
		"conductor scheduler " || return 1
	expect_line "availability zone list --long" \
		"$(os availability zone list --compute --long -f value -c 'Zone Name' -c 'Host Name' -c 'Service Name')" \
		"internal localhost nova-scheduler" || return 1
	refused 400 "Updating a nova-scheduler service is not supported. Only nova-compute services can be updated." \
		os compute service set --disable localhost nova-scheduler
}
check "compute service list and host list show the controller's nova-scheduler and nova-conductor (zone internal); they cannot be updated" t_controller_services

# Host aggregates: a zone as an aggregate attribute and metadata key, the
# host's zone following it (availability zone list); Nova's errors are
# the API cases' (tests/api/cases/38-compute-aggregates.json).
t_aggregate() {
	os aggregate create --zone az-cli --property tier=gold agg-cli -f json >"$WORK/a.json" || return 1
	expect_eq zone "$(jfield availability_zone <"$WORK/a.json")" az-cli || return 1
	os aggregate add host agg-cli compute0 >/dev/null || return 1
	os aggregate set --property ssd=yes agg-cli || return 1
	os aggregate show agg-cli -f json >"$WORK/a.json" || return 1
	expect_eq hosts "$(jfield hosts <"$WORK/a.json")" '["compute0"]' || return 1
	expect_eq properties "$(jfield properties <"$WORK/a.json")" '{"ssd": "yes", "tier": "gold"}' || return 1
	expect_line "zone list" "$(os availability zone list --compute -f value -c 'Zone Name' -c 'Zone Status')" \
		"az-cli available" || return 1
	os aggregate remove host agg-cli compute0 >/dev/null || return 1
	os aggregate delete agg-cli
}
check "aggregate create --zone --property, add host, set --property, show, remove host, delete" t_aggregate

# os-services updates as each microversion makes them: by id from 2.53,
# through disable-log-reason / enable / force-down by host and binary below.
t_services() {
	os compute service set --disable --disable-reason "new disks" compute0 nova-compute || return 1
	expect_line "disabled (2.60: by id)" "$(os compute service list --long -f value -c Host -c Status -c 'Disabled Reason')" \
		"compute0 disabled new disks" || return 1
	os --os-compute-api-version 2.1 compute service set --enable compute0 nova-compute || return 1
	expect_line "enabled (2.1: by host)" "$(os compute service list --long -f value -c Host -c Status -c 'Disabled Reason')" \
		"compute0 enabled None" || return 1
	os --os-compute-api-version 2.11 compute service set --down compute0 nova-compute || return 1
	expect_line "forced down (2.11)" "$(os compute service list -f value -c Host -c State)" "compute0 down" || return 1
	# 1 and 2 are the controller's nova-scheduler and nova-conductor,
	# made when it started: the first compute host is 3
	expect_eq "integer id below 2.53" \
		"$(os --os-compute-api-version 2.52 compute service list --service nova-compute -f value -c ID)" 3 || return 1
	os compute service set --up compute0 nova-compute || return 1
	expect_line "up again" "$(os compute service list -f value -c Host -c State)" "compute0 up" || return 1
	refused 404 "Host 'nowhere' is not mapped to any cell" \
		os --os-compute-api-version 2.1 compute service set --disable nowhere nova-compute
}
check "compute service set: disable with a reason, enable, force down and up (2.1, 2.11, 2.60)" t_services

t_hypervisor_match() {
	expect_eq "--matching (2.60: pattern)" "$(os hypervisor list --matching mpute -f value -c 'Hypervisor Hostname')" compute0 || return 1
	expect_eq "--matching (2.52: search)" "$(os --os-compute-api-version 2.52 hypervisor list --matching mpute -f value -c 'Hypervisor Hostname')" compute0 || return 1
	refused 404 "No hypervisor matching 'zzz' could be found." os hypervisor list --matching zzz
}
check "hypervisor list --matching (search below 2.53, pattern from 2.53)" t_hypervisor_match

t_limits() {
	local l; l=$(os limits show --absolute -f value -c Name -c Value) || return 1
	expect_line "maxTotalInstances" "$l" "maxTotalInstances 7" || return 1
	expect_no_line "no maxImageMeta at 2.60" "$(echo "$l" | grep -o '^maxImageMeta')" maxImageMeta || return 1
	l=$(os --os-compute-api-version 2.1 limits show --absolute -f value -c Name -c Value) || return 1
	expect_line "maxImageMeta at 2.1" "$l" "maxImageMeta -1" &&
		expect_line "maxPersonality at 2.1" "$l" "maxPersonality -1"
}
check "limits show --absolute: Nova's names of each microversion" t_limits

t_flavor_access() {
	os project create fa-proj >/dev/null || return 1
	os flavor create --private --project fa-proj --vcpus 1 --ram 96 --disk 1 fa.priv >/dev/null || return 1
	expect_eq "access list" "$(os flavor show fa.priv -f value -c access_project_ids)" "['$(os project show fa-proj -f value -c id)']" || return 1
	expect_no_line "default list: public only" "$(os flavor list -f value -c Name)" fa.priv || return 1
	expect_line "flavor list --private" "$(os flavor list --private -f value -c Name)" fa.priv || return 1
	os flavor unset --project fa-proj fa.priv || return 1
	expect_eq "access list emptied" "$(os flavor show fa.priv -f value -c access_project_ids)" "[]" || return 1
	os flavor set --description "for fa-proj" fa.priv || return 1
	expect_eq description "$(os flavor show fa.priv -f value -c description)" "for fa-proj" || return 1
	# pages of one, in the order of the list
	local first; first=$(os flavor list --all --limit 1 -f value -c ID) || return 1
	expect_eq "one per page" "$(echo "$first" | wc -l)" 1 || return 1
	expect_no_line "the next page starts after the marker" \
		"$(os flavor list --all --marker "$first" -f value -c ID)" "$first"
}
check "flavor access: --private --project, unset --project, list --private, set --description, --limit/--marker" t_flavor_access

# server add/remove security group: the CLI calls Nova's proxy (GET
# /os-security-groups) and its actions at the microversion asked; the
# group lands on the server's port in the network service. (server add
# floating ip and floating ip pool list use only Neutron's API.)
t_server_groups() {
	local ip="--os-compute-api-version 2.35" tok net sg port img
	# the fixtures over HTTP (each CLI call costs seconds): a network with a
	# subnet, a flavor, an image, a group, a server with a port on compute0
	tok=$(admin_token) || return 1
	api() { curl -sf --max-time 20 -H "X-Auth-Token: $tok" -H "Content-Type: ${CT:-application/json}" "$@"; }
	id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]]["id"])' "$1"; }
	net=$(api -X POST "$URL/network/v2.0/networks" -d '{"network": {"name": "sg-cli-net"}}' | id_of network) &&
		api -X POST "$URL/network/v2.0/subnets" -d '{"subnet": {"network_id": "'"$net"'", "ip_version": 4, "cidr": "10.31.0.0/24"}}' >/dev/null &&
		api -X POST "$URL/compute/v2.1/flavors" -d '{"flavor": {"name": "sg-cli-f", "id": "sg-cli-f", "vcpus": 1, "ram": 64, "disk": 1}}' >/dev/null &&
		img=$(api -X POST "$URL/image/v2/images" -d '{"name": "sg-cli-img", "disk_format": "raw", "container_format": "bare"}' |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') &&
		CT=application/octet-stream api -X PUT "$URL/image/v2/images/$img/file" --data-binary "sg-cli image" >/dev/null &&
		sg=$(api -X POST "$URL/network/v2.0/security-groups" -d '{"security_group": {"name": "sg-cli"}}' | id_of security_group) &&
		sid=$(api -X POST "$URL/compute/v2.1/servers" -d '{"server": {"name": "sg-cli-srv", "imageRef": "'"$img"'", "flavorRef": "sg-cli-f", "networks": [{"uuid": "'"$net"'"}]}}' | id_of server) &&
		port=$(api "$URL/network/v2.0/ports?device_id=$sid" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ports"][0]["id"])') || return 1
	groups() { api "$URL/network/v2.0/ports/$port" | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["port"]["security_groups"]))'; }
	os $ip server add security group sg-cli-srv sg-cli &&
		expect_line "port groups" "$(groups)" "$sg" &&
		os $ip server remove security group sg-cli-srv sg-cli &&
		expect_no_line "port groups" "$(groups)" "$sg" &&
		refused 404 "Security group $sg not associated with the instance $sid" \
			os $ip server remove security group sg-cli-srv sg-cli
}
check "server add/remove security group at 2.35 (Nova's addSecurityGroup/removeSecurityGroup); removing one it lacks is 404" t_server_groups

# The server of t_server_groups as Nova's view shows it: its port's groups
# (the key left out when none), its disk config; the list's ip filter (a
# part of an address) and an admin's --all-projects --project.
t_server_view() {
	[ -n "${sid:-}" ] || return 1
	local tok; tok=$(admin_token) || return 1
	expect_eq "security groups" "$(os server show sg-cli-srv -f json -c security_groups | jfield security_groups)" \
		'[{"name": "default"}]' || return 1
	expect_eq "disk config" "$(os server show sg-cli-srv -f value -c OS-DCF:diskConfig)" MANUAL || return 1
	curl -sf --max-time 20 -X PUT -H "X-Auth-Token: $tok" -H "Content-Type: application/json" \
		"$URL/compute/v2.1/servers/$sid" -d '{"server": {"OS-DCF:diskConfig": "AUTO"}}' >/dev/null || return 1
	expect_eq "disk config set" "$(os server show sg-cli-srv -f value -c OS-DCF:diskConfig)" AUTO || return 1
	expect_eq "--ip" "$(os server list --ip 10.31.0. -f value -c Name)" sg-cli-srv || return 1
	expect_eq "--ip elsewhere" "$(os server list --ip 10.32. -f value -c Name)" "" || return 1
	expect_eq "--all-projects --project" \
		"$(os server list --all-projects --project admin -f value -c Name)" sg-cli-srv || return 1
	os project create view-proj >/dev/null || return 1
	expect_eq "--all-projects --project (none there)" \
		"$(os server list --all-projects --project view-proj -f value -c Name)" "" || return 1
	os --os-compute-api-version 2.35 server remove security group sg-cli-srv default || return 1
	os server show sg-cli-srv -f json >"$WORK/s.json" || return 1
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit("security_groups: %r" % s["security_groups"] if s.get("security_groups") else 0)' "$WORK/s.json" || return 1
	os server delete "$sid"
}
check "server show: security_groups of its ports (none: no key), OS-DCF:diskConfig; server list --ip, --all-projects --project" t_server_view

# Nova's server groups and the "group" scheduler hint: on the only
# compute host an anti-affinity group takes one server; the next one is
# accepted (202), then ERROR with Nova's No valid host fault. Deleting a
# server takes it out of the members, deleting the group leaves the
# server. (The API cases, tests/api/cases/39-compute-server-groups.json,
# check each policy, quotas and another project's group.)
t_nova_server_groups() {
	local gid s1 s2 members
	os server group create --policy anti-affinity sgp-anti -f json >"$WORK/g.json" || return 1
	gid=$(jfield id <"$WORK/g.json")
	expect_eq policies "$(jfield policies <"$WORK/g.json")" '["anti-affinity"]' || return 1
	expect_line "server group list" "$(os server group list -f value -c Name -c Policies)" \
		"sgp-anti ['anti-affinity']" || return 1
	s1=$(os server create --flavor sg-cli-f --image sg-cli-img --nic none --hint "group=$gid" \
		sgp-1 -f value -c id) || return 1
	s2=$(os server create --flavor sg-cli-f --image sg-cli-img --nic none --hint "group=$gid" \
		sgp-2 -f value -c id) || return 1
	expect_eq "first member's host" "$(os server show sgp-1 -f value -c OS-EXT-SRV-ATTR:host)" compute0 || return 1
	expect_eq "second member" "$(os server show sgp-2 -f value -c status)" ERROR || return 1
	os server show sgp-2 -f value -c fault | grep -q "No valid host was found. There are not enough hosts available." || return 1
	os server group show sgp-anti -f json >"$WORK/g.json" || return 1
	members=$(jfield members <"$WORK/g.json")
	expect_eq members "$members" "[\"$s1\", \"$s2\"]" || return 1
	os server delete sgp-2 || return 1
	expect_eq "members after a delete" "$(os server group show sgp-anti -f json | jfield members)" "[\"$s1\"]" || return 1
	os server group delete sgp-anti || return 1
	expect_no_line "group list" "$(os server group list -f value -c Name)" sgp-anti || return 1
	expect_eq "the member stays" "$(os server show "$s1" -f value -c name)" sgp-1 || return 1
	os server delete "$s1"
}
check "server group create/list/show/delete; server create --hint group= (anti-affinity on one host: the second server ERROR, No valid host)" t_nova_server_groups

# Two more controllers on the store (tests/lab/ha_failover.sh's
# deployment): ctl2 watches with service_down_time = 3, ctl3 is killed
# with SIGKILL. Each lists its own services; ctl3's go down once its
# heartbeats stop, and come back up on the same rows (the same ids) when
# it starts again.
ctl_start() { # NAME PORT: a controller of this store named NAME on PORT
	sed -e "s/^\[DEFAULT\]\$/[DEFAULT]\nhost = $1/" -e "s/^listen = .*/listen = 127.0.0.1:$2/" \
		-e "s/^service_down_time = .*/service_down_time = 3/" "$CONF" >"$WORK/$1.conf"
	"$BASALTD" --config "$WORK/$1.conf" --role controller >>"$WORK/$1.log" 2>&1 &
	echo $! >"$WORK/$1.pid"
	for _ in $(seq 1 100); do
		curl -sf "http://127.0.0.1:$2/" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	tail -n 20 "$WORK/$1.log"; return 1
}
ctl_services() { # PORT: "BINARY HOST STATE ID" of every controller service, seen by PORT's
	curl -sf --max-time 10 -H "X-Auth-Token: $1" -H "OpenStack-API-Version: compute 2.53" \
		"http://127.0.0.1:$2/compute/v2.1/os-services" |
		python3 -c 'import json,sys
for s in json.load(sys.stdin)["services"]:
    if s["binary"] != "nova-compute": print(s["binary"], s["host"], s["state"], s["id"])'
}
t_controllers() {
	local tok p2 p3 out ids i; tok=$(admin_token) || return 1
	p2=$(free_port) p3=$(free_port)
	ctl_start ctl2 "$p2" && ctl_start ctl3 "$p3" || return 1
	out=$(os compute service list --service nova-scheduler -f value -c Host -c State) || return 1
	for h in localhost ctl2 ctl3; do expect_line "$h" "$out" "$h up" || return 1; done
	ids=$(ctl_services "$tok" "$p2" | awk '$2 == "ctl3" {print $1, $4}' | sort) || return 1
	kill -9 "$(cat "$WORK/ctl3.pid")"
	for i in $(seq 1 100); do
		out=$(ctl_services "$tok" "$p2" | awk '{print $1, $2, $3}')
		grep -qx "nova-conductor ctl3 down" <<<"$out" && grep -qx "nova-scheduler ctl3 down" <<<"$out" && break
		sleep 0.1
	done
	expect_line "ctl3 down" "$out" "nova-scheduler ctl3 down" || return 1
	expect_line "ctl2 still up" "$out" "nova-scheduler ctl2 up" || return 1
	expect_line "the first still up" "$out" "nova-conductor localhost up" || return 1
	ctl_start ctl3 "$p3" || return 1
	out=$(ctl_services "$tok" "$p2") || return 1
	expect_line "ctl3 up again" "$(awk '{print $1, $2, $3}' <<<"$out")" "nova-scheduler ctl3 up" || return 1
	expect_eq "ctl3's rows re-used" "$(awk '$2 == "ctl3" {print $1, $4}' <<<"$out" | sort)" "$ids" || return 1
	expect_eq "two rows each" "$(awk '{print $2}' <<<"$out" | sort | uniq -c | awk '{print $1}' | sort -u)" 2
}
check "controllers on one store each list nova-scheduler and nova-conductor; a killed one is down after service_down_time, back on its rows when restarted" t_controllers
for c in ctl2 ctl3; do
	[ -f "$WORK/$c.pid" ] && kill "$(cat "$WORK/$c.pid")" 2>/dev/null && wait "$(cat "$WORK/$c.pid")" 2>/dev/null
done
