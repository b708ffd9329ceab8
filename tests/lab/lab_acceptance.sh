#!/usr/bin/env bash
# tests/lab/lab_acceptance.sh - issue 5's acceptance: the cloud of the
# install guide, end to end, on the lab (tools/lab up), for each lab size
# in LAB_SIZES ("3 2 1": controller + network + compute0; controller with
# the network role + compute0; all-in-one):
#   * as admin: project demo, user demo (member); as demo, with the real
#     openstack CLI only: network, subnet (DNS: the external namespace's
#     dnsmasq), router with the external gateway, keypair, ICMP and SSH
#     rules, two servers, a floating IP on the first;
#   * both VMs get DHCP addresses (console); each fetches
#     http://example.test/ BY NAME at boot (user data) and the external
#     server's log shows the router's gateway address (SNAT); the floating
#     IP answers ping and ssh from the external namespace; ssh with the
#     injected key runs a command; vm1 reaches vm2's fixed address;
#   * overcommit: the compute host reports N vCPUs (nproc in its node);
#     a server with N+1 vCPUs runs there; the host then takes servers up to
#     N x cpu_allocation_ratio (16) vCPUs in all, and one vCPU more is "No
#     valid host";
#   * faults: while a ping loop from the external namespace to the FIP
#     runs (counted), kill -9 each node's basaltd in turn (controller, then
#     the network agent, then the compute agent: on 3 nodes three daemons,
#     on 2 nodes controller+network then compute0, on 1 node the single
#     all-in-one daemon) and start it again (tools/lab start NODE); the
#     QEMUs are the same processes, the FIP still answers ping and ssh,
#     nothing is duplicated (servers, ports, floating IPs, routers,
#     networks, qdhcp-/qrouter- namespaces, dnsmasq, QEMU, nft tables,
#     bridges/vxlan/taps), `openstack server list` is unchanged;
#   * tools/lab down leaves nothing: namespaces, links, processes, mounts,
#     files (the checks of tests/lab/lab_down.sh).
# The whole sequence, fault section included, runs on every size (about
# 3-4 minutes each on 2 CPUs). Its own lab (LAB_PREFIX=lacc-, a temporary
# LAB_DIR) beside a developer's; bounded waits; the lab goes down whatever
# happens. Prints TAP; the time of each size as a comment.
# LAB_SHARED=1 (tests/run): the 3-node lab of LAB_PREFIX/LAB_DIR is up
# already: only size 3, on that lab; instead of up and down, the checks
# that it is up and that the demo project's resources are all deleted.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/lab/client.bash

[ "$(id -u)" = 0 ] || skip_tier "lab_acceptance needs root (network namespaces)"
for c in busybox ssh ssh-keygen openstack sqlite3; do
	command -v $c >/dev/null || { echo "not ok - lab_acceptance needs $c (tools/deps --test)"; exit 1; }
done
SIZES=${LAB_SIZES:-3 2 1}
[ "${LAB_SHARED:-}" = 1 ] && SIZES=3
# The plan: 16 checks per size plus one fault check per node of that size.
n=0; for s in $SIZES; do n=$((n + 16 + s)); done; plan $n
[ "${LAB_SHARED:-}" = 1 ] ||
	LAB_PREFIX=lacc- LAB_DIR=
export LAB_PREFIX LAB_DIR BUILD
P=$LAB_PREFIX
NS_EXT=${P}external
EXT_GW=203.0.113.1
WORK=$(mktemp -d /tmp/basalt-labacc.XXXXXX)
chmod 711 "$WORK" # the agents' dnsmasq (nobody) reaches its files in the lab
[ "${LAB_SHARED:-}" = 1 ] || LAB_DIR=$WORK/lab
KEY=$WORK/key
ssh-keygen -q -t ed25519 -N '' -C lacc@basalt-acceptance -f "$KEY"

# Numbered TAP (tests/run counts the ok/not ok lines against the plan);
# check() of tests/lib.sh calls these.
TAPN=0
ok() { TAPN=$((TAPN + 1)); echo "ok $TAPN - $*"; }
not_ok() { TAPN=$((TAPN + 1)); echo "not ok $TAPN - $*"; }

PINGER=
cleanup() {
	[ -n "$PINGER" ] && kill "$PINGER" 2>/dev/null
	[ "${LAB_SHARED:-}" = 1 ] ||
		tools/lab down >"$WORK/down.log" 2>&1 || { echo "# tools/lab down:"; sed 's/^/#   /' "$WORK/down.log"; }
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

# aos ARGS...: openstack as the lab admin; dos ARGS...: as demo. Both from
# the controller node, as the lab's operator and tenant would.
aos() { lab_os "$@"; }
dos() {
	lab_os OS_USERNAME=demo OS_PASSWORD=demo-secret-pw \
		OS_PROJECT_NAME=demo "$@"
}
# vssh IP CMD: ssh as root with the injected key, from the internet.
vssh() {
	local ip=$1; shift
	timeout 25 ip netns exec "$NS_EXT" ssh -i "$KEY" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 \
		-o BatchMode=yes "root@$ip" "$@"
}
eping() { ip netns exec "$NS_EXT" busybox ping "$@"; }
console() { dos console log show "$1" 2>/dev/null | grep 'basalt-guest:'; }
# wait_console SERVER PATTERN SECONDS
wait_console() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		console "$1" | grep -q -- "$2" && return 0
		sleep 2
	done
	echo "no '$2' on $1's console in $3 s:"; console "$1"
	return 1
}
# retry SECONDS CMD...: until CMD succeeds, bounded; the last try's output.
retry() {
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 2; done
	"$@"
}
# wait_status SECONDS SERVER... : every one ACTIVE (stops at an ERROR).
wait_active() {
	local end=$((SECONDS + $1)) s st; shift
	while :; do
		st=""
		for s in "$@"; do st+="$s $(dos server show "$s" -f value -c status 2>&1)"$'\n'; done
		grep -qv ' ACTIVE$' <<<"${st%$'\n'}" || return 0
		grep -q ' ERROR$' <<<"$st" && break
		[ $SECONDS -ge $end ] && break
		sleep 2
	done
	echo "$st"
	for s in "$@"; do dos server show "$s" -f value -c fault 2>/dev/null; done
	return 1
}

# The lab's resources, to compare before and after the faults: what the
# API lists and what the nodes run. Prints one line per thing.
lab_ids() { sqlite3 -readonly "$LAB_DIR/controller/state/basalt.db" \
	"SELECT id FROM network; SELECT id FROM router;" 2>/dev/null; }
inventory() {
	local ns ids n
	aos server list --all-projects -f value -c ID -c Name -c Status -c Networks | sort | sed 's/^/server /'
	aos port list -f value -c ID -c device_owner -c 'Fixed IP Addresses' | sort | sed 's/^/port /'
	aos floating ip list -f value -c ID -c 'Floating IP Address' -c 'Fixed IP Address' | sort | sed 's/^/fip /'
	aos router list -f value -c ID -c Name | sort | sed 's/^/router /'
	aos network list -f value -c ID -c Name | sort | sed 's/^/network /'
	ids=$(lab_ids | paste -sd'|')
	ip netns list | awk '{print $1}' | grep -E "^(qdhcp|qrouter)-($ids)\$" | sort | sed 's/^/namespace /'
	echo "dnsmasq of the agents: $(pgrep -f "dnsmasq.*$LAB_DIR/" | wc -l)"
	echo "qemu pids: $(qemu_in "$LAB_DIR" | paste -sd' ')"
	for n in network compute0 controller; do
		ns=${P}$n
		[ -e "/run/netns/$ns" ] || continue
		echo "$n links: $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
			grep -E '^(brq|vxlan-|tap)' | sort | paste -sd' ')"
		echo "$n nft tables: $(ip netns exec "$ns" nft list tables 2>/dev/null | sort | paste -sd' ')"
	done
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^(qdhcp|qrouter)-($ids)\$" | sort); do
		echo "$ns links: $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | paste -sd' ')"
		echo "$ns nft tables: $(ip netns exec "$ns" nft list tables 2>/dev/null | sort | paste -sd' ')"
	done
}

# nothing_left NAMESPACES...: no trace of the lab on the machine (as in
# tests/lab/lab_down.sh): our namespaces and the agents' ones named,
# links, mounts, processes, files.
nothing_left() {
	local left="" ns
	left+=$(ip netns list | awk '{print $1}' | grep "^$P" | sed 's/^/namespace /')
	for ns in "$@"; do [ -e "/run/netns/$ns" ] && left+=$'\n'"namespace $ns"; done
	left+=$'\n'$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$P" | sed 's/^/link /')
	left+=$'\n'$(grep -E " /run/netns/($P|qdhcp-|qrouter-)" /proc/self/mountinfo | awk '{print $5}' |
		while read -r m; do
			for ns in "$@"; do [ "$m" = "/run/netns/$ns" ] && echo "mount $m"; done
			case $m in "/run/netns/$P"*) echo "mount $m" ;; esac
		done)
	left+=$'\n'$(pgrep -af -- "$LAB_DIR/" | sed 's/^/process /')
	[ -e "$LAB_DIR" ] && left+=$'\n'"file $LAB_DIR"
	left=$(grep . <<<"$left")
	[ -z "$left" ] || { echo "left behind:"; echo "$left"; return 1; }
}

# ---------------------------------------------------------------- one size
run_size() {
	local N=$1 t0=$SECONDS cnode nnode
	cnode=$([ "$N" = 1 ] && echo controller || echo compute0)
	nnode=$([ "$N" = 3 ] && echo network || echo controller)
	local nodes
	case $N in 3) nodes="controller network compute0" ;; 2) nodes="controller compute0" ;; 1) nodes=controller ;; esac
	echo "# --- lab of $N node(s): $nodes"

	t_up() {
		if [ "${LAB_SHARED:-}" = 1 ]; then
			[ "$(cat "$LAB_DIR/nodes" 2>/dev/null)" = "$N" ] || { echo "no $N-node lab in $LAB_DIR"; return 1; }
			tools/lab status
			return
		fi
		timeout 300 tools/lab up --nodes "$N" >"$WORK/up-$N.log" 2>&1 || { tail -25 "$WORK/up-$N.log"; return 1; }
	}
	check "[$N] tools/lab up --nodes $N${LAB_SHARED:+ (the shared lab)}" t_up
	if [ ! -f "$LAB_DIR/admin-openrc" ]; then
		not_ok "[$N] the lab is up (no admin-openrc: skipping this size)"
		[ "${LAB_SHARED:-}" = 1 ] || tools/lab down >/dev/null 2>&1
		return
	fi

	t_demo_user() {
		aos project create demo >/dev/null &&
			aos user create --project demo --password demo-secret-pw demo >/dev/null &&
			aos role add --project demo --user demo member &&
			expect_eq "demo's roles" "$(aos role assignment list --project demo --user demo --names -f value -c Role)" member
	}
	check "[$N] as admin: project demo, user demo with the member role" t_demo_user

	NET="" RGW=""
	t_tenant() {
		NET=$(dos network create net1 -f value -c id) &&
			dos subnet create --network net1 --subnet-range 10.5.0.0/24 \
				--dns-nameserver "$EXT_GW" sub1 >/dev/null &&
			dos router create rtr1 >/dev/null &&
			dos router set --external-gateway public rtr1 &&
			dos router add subnet rtr1 sub1 &&
			dos keypair create --public-key "$KEY.pub" key1 >/dev/null &&
			dos security group rule create --protocol icmp default >/dev/null &&
			dos security group rule create --protocol tcp --dst-port 22 default >/dev/null || return 1
		RGW=$(dos router show rtr1 -f json -c external_gateway_info |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["external_gateway_info"]["external_fixed_ips"][0]["ip_address"])') ||
			return 1
		dos subnet show sub1 -f value -c dns_nameservers | grep -qF "'$EXT_GW'" ||
			{ echo "sub1's DNS is not $EXT_GW"; dos subnet show sub1; return 1; }
	}
	check "[$N] as demo: network, subnet (DNS $EXT_GW), router with the external gateway, keypair, ICMP and SSH rules" t_tenant

	# At boot, before any floating IP: the page by name, through SNAT.
	local v
	for v in vm1 vm2; do
		cat >"$WORK/ud-$v" <<EOF
#!/bin/sh
if timeout 10 wget -q -O /dev/null "http://example.test/?from=$v-$N"; then
	echo "basalt-guest: ud web=ok"
else
	echo "basalt-guest: ud web=fail"; cat /etc/resolv.conf
fi
EOF
	done
	t_servers() {
		dos server create --image basalt-test --flavor m1.nano --key-name key1 \
			--nic "net-id=$NET" --user-data "$WORK/ud-vm1" vm1 >/dev/null &&
			dos server create --image basalt-test --flavor m1.nano --key-name key1 \
				--nic "net-id=$NET" --user-data "$WORK/ud-vm2" vm2 >/dev/null || return 1
		wait_active 120 vm1 vm2 || return 1
		for v in vm1 vm2; do
			expect_eq "$v's host" "$(aos server show "$(dos server show $v -f value -c id)" \
				-f value -c OS-EXT-SRV-ATTR:host)" "$cnode" || return 1
		done
	}
	check "[$N] as demo: two servers ACTIVE on $cnode" t_servers

	VM1_IP="" VM2_IP=""
	t_dhcp() {
		wait_console vm1 "ready ip=10\.5\.0\." 90 && wait_console vm2 "ready ip=10\.5\.0\." 60 || return 1
		VM1_IP=$(console vm1 | sed -n 's/.*ready ip=\([0-9.]*\) .*/\1/p' | tail -1)
		VM2_IP=$(console vm2 | sed -n 's/.*ready ip=\([0-9.]*\) .*/\1/p' | tail -1)
		expect_eq "vm1's DHCP address = its port's" "$VM1_IP" \
			"$(dos port list --server vm1 -f value -c 'Fixed IP Addresses' | grep -o '10\.5\.0\.[0-9]*')" &&
			expect_eq "vm2's DHCP address = its port's" "$VM2_IP" \
				"$(dos port list --server vm2 -f value -c 'Fixed IP Addresses' | grep -o '10\.5\.0\.[0-9]*')"
	}
	check "[$N] both VMs get their addresses by DHCP (guest console)" t_dhcp

	t_snat() {
		[ -n "$RGW" ] || { echo "rtr1 has no gateway address"; return 1; }
		for v in vm1 vm2; do
			wait_console $v "ud web=" 40 && console $v | grep -q "ud web=ok" || { console $v; return 1; }
			grep -q "^$RGW - - .*GET /?from=$v-$N " "$LAB_DIR/external/http.log" ||
				{ echo "no request from $RGW for $v:"; cat "$LAB_DIR/external/http.log"; return 1; }
		done
		grep -q "example.test" "$LAB_DIR/external/dnsmasq.log" ||
			{ echo "the lab's DNS saw no query for example.test"; return 1; }
	}
	check "[$N] each VM reaches http://example.test/ by name; the server sees the router's address ($RGW, SNAT)" t_snat

	FIP=""
	t_fip() {
		FIP=$(dos floating ip create public -f value -c floating_ip_address) &&
			dos server add floating ip vm1 "$FIP" || return 1
		retry 60 eping -c 1 -W 2 "$FIP" >/dev/null || return 1
		retry 60 vssh "$FIP" true
	}
	check "[$N] a floating IP on vm1 answers ping and ssh from the external namespace" t_fip

	t_ssh_cmd() {
		expect_eq "ssh root@FIP 'hostname; uname'" "$(vssh "$FIP" 'hostname; uname' | paste -sd' ')" "vm1 Linux"
	}
	check "[$N] ssh with the injected key runs a command in vm1" t_ssh_cmd

	t_east_west() {
		[ -n "$VM2_IP" ] || return 1
		vssh "$FIP" "ping -c 2 -W 2 $VM2_IP" || return 1
		expect_eq "vm2's MAC as vm1 learned it" \
			"$(vssh "$FIP" "ip neigh show $VM2_IP" | awk '{print $5}')" \
			"$(dos port list --server vm2 -f value -c 'MAC Address')"
	}
	check "[$N] vm1 reaches vm2 over the tenant network (ping $VM2_IP from vm1)" t_east_west

	# ---- overcommit
	# hv FIELD: a column of the compute host's row in hypervisor list --long.
	hv() {
		aos hypervisor list --long -f json | python3 -c 'import json,sys
h=[r for r in json.load(sys.stdin) if r["Hypervisor Hostname"] == sys.argv[1]]
print(h[0][sys.argv[2]] if h else "no hypervisor " + sys.argv[1])' "$cnode" "$1"
	}
	t_hv_show() {
		local out
		out=$(aos hypervisor show "$cnode" -f json 2>&1) ||
			{ echo "$out"; echo "(GET /os-hypervisors/$cnode answers cpu_info as a string;" \
				"from microversion 2.28 the CLI expects an object)"; return 1; }
		expect_eq "hypervisor show: vcpus" "$(jfield vcpus <<<"$out")" "$(hv vCPUs)"
	}
	check "[$N] openstack hypervisor show $cnode" t_hv_show
	t_overcommit() {
		local ncpu used ratio=16 fill id
		ncpu=$(tools/lab exec "$cnode" nproc) || return 1
		expect_eq "vCPUs of hypervisor $cnode (nproc in the node)" "$(hv vCPUs)" "$ncpu" || return 1
		aos quota set --cores 1000 --instances 50 demo || return 1
		aos flavor create --vcpus $((ncpu + 1)) --ram 64 --disk 1 ovc.big >/dev/null || return 1
		id=$(dos server create --image basalt-test --flavor ovc.big --nic none ovc-big -f value -c id) || return 1
		wait_active 90 ovc-big || return 1
		expect_eq "ovc-big's host" "$(aos server show "$id" -f value -c OS-EXT-SRV-ATTR:host)" "$cnode" || return 1
		used=$(hv "vCPUs Used") || return 1
		expect_eq "vCPUs used with vm1, vm2 (1 each) and ovc-big" "$used" $((2 + ncpu + 1)) || return 1
		# The rest up to N x ratio in one server: placed; then one vCPU more is not.
		fill=$((ncpu * ratio - used))
		aos flavor create --vcpus "$fill" --ram 64 --disk 1 ovc.fill >/dev/null &&
			id=$(dos server create --image basalt-test --flavor ovc.fill --nic none ovc-fill -f value -c id) ||
			return 1
		if [ "$(dos server show ovc-fill -f value -c status)" = ERROR ]; then
			dos server show ovc-fill -f value -c fault; return 1
		fi
		expect_eq "ovc-fill's host" "$(aos server show "$id" -f value -c OS-EXT-SRV-ATTR:host)" "$cnode" &&
			expect_eq "vCPUs used" "$(hv "vCPUs Used")" $((ncpu * ratio)) || return 1
		dos server create --image basalt-test --flavor m1.nano --nic none ovc-over >/dev/null || return 1
		expect_eq "ovc-over's status" "$(dos server show ovc-over -f value -c status)" ERROR || return 1
		dos server show ovc-over -f value -c fault | grep -q "No valid host" ||
			{ dos server show ovc-over -f value -c fault; return 1; }
		echo "# [$N] $cnode: $ncpu CPUs; placed $ncpu + 1 in one server, $((ncpu * ratio)) in all; one more: No valid host" >&3
		server_delete dos ovc-fill ovc-over ovc-big || return 1
		expect_eq "vCPUs used after the deletes" "$(hv "vCPUs Used")" 2
	}
	check "[$N] overcommit: $cnode with N CPUs runs a server of N+1 vCPUs and takes N x 16 vCPUs in all, then 'No valid host'" t_overcommit 3>&1
	aos flavor delete ovc.big ovc.fill >/dev/null 2>&1

	# ---- faults
	local before after
	before=$(inventory 2>&1)
	dos server list -f value -c ID -c Name -c Status -c Networks -c Image -c Flavor | sort >"$WORK/servers-before"
	# A background job starts with SIGINT ignored, and busybox ping prints
	# its count only on SIGINT: python gives the default action back.
	ip netns exec "$NS_EXT" python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' busybox ping -i 0.2 -w 600 "${FIP:-203.0.113.250}" >"$WORK/ping-$N.log" 2>&1 &
	PINGER=$!
	services_up() {
		local agents
		aos compute service list --service nova-compute -f value -c Host -c State | grep -x "$cnode up" >/dev/null &&
			agents=$(aos network agent list -f value -c Host -c Alive) &&
			! grep "^$nnode False" <<<"$agents" >/dev/null && grep "^$nnode True" <<<"$agents" >/dev/null
	}
	t_fault() {
		local node=$1 pid
		pid=$(cat "$LAB_DIR/$node/basaltd.pid") || return 1
		kill -9 "$pid" || return 1
		sleep 3 # traffic flows with the daemon down
		kill -0 "$PINGER" 2>/dev/null || { echo "the ping loop stopped"; return 1; }
		tools/lab start "$node" >/dev/null || return 1
		# its services are back: the API, the agents' heartbeats
		retry 60 services_up || return 1
		[ "$(cat "$LAB_DIR/$node/basaltd.pid")" != "$pid" ]
	}
	for v in $nodes; do
		check "[$N] kill -9 $v's basaltd (--role $(grep -o -- '--role [a-z,]*' "$LAB_DIR/$v/basalt.conf" | cut -d' ' -f2)) while pinging the FIP; start it again" t_fault "$v"
	done
	sleep 5 # a full reconcile of every agent after its start
	kill -INT "$PINGER" 2>/dev/null
	wait "$PINGER" 2>/dev/null
	PINGER=
	t_ping_counted() {
		local line tx rx
		line=$(grep 'packets transmitted' "$WORK/ping-$N.log")
		tx=$(awk '{print $1}' <<<"$line") rx=$(awk '{print $4}' <<<"$line")
		echo "# [$N] ping to the FIP through the faults: $line" >&3
		[ -n "$tx" ] && [ "$tx" -gt 0 ] || { tail -5 "$WORK/ping-$N.log"; return 1; }
		# the data plane is not the daemons': at most 5% lost while they restart
		[ $((rx * 100)) -ge $((tx * 95)) ] || { echo "$line"; grep -v 'bytes from' "$WORK/ping-$N.log" | tail; return 1; }
	}
	check "[$N] the FIP answered while the daemons died and came back (>= 95% of the pings)" t_ping_counted 3>&1
	t_after() {
		retry 30 eping -c 1 -W 2 "$FIP" || { echo "no answer to ping $FIP"; return 1; }
		retry 30 vssh "$FIP" true || { echo "ssh root@$FIP: $?"; return 1; }
		expect_eq "ssh root@FIP hostname" "$(vssh "$FIP" hostname)" vm1
	}
	check "[$N] afterwards the FIP answers ping and ssh" t_after
	t_same() {
		local end=$((SECONDS + 30))
		while :; do
			after=$(inventory 2>&1)
			[ "$after" = "$before" ] && break
			[ $SECONDS -ge $end ] && { diff <(echo "$before") <(echo "$after"); return 1; }
			sleep 3
		done
		grep -q "^qemu pids: [0-9]" <<<"$after" || { echo "no QEMU"; return 1; }
		grep '^qemu pids' <<<"$after"
	}
	check "[$N] the VMs were never restarted (same QEMU pids), nothing duplicated (servers, ports, FIPs, namespaces, dnsmasq, links, nft tables)" t_same
	t_list() {
		dos server list -f value -c ID -c Name -c Status -c Networks -c Image -c Flavor | sort >"$WORK/servers-after"
		diff "$WORK/servers-before" "$WORK/servers-after" && grep -c ACTIVE "$WORK/servers-after" | grep -qx 2
	}
	check "[$N] openstack server list is unchanged" t_list

	# ---- down
	local children=""
	for v in $(lab_ids); do children+=" qdhcp-$v qrouter-$v"; done
	t_down() { timeout 120 tools/lab down >"$WORK/down-$N.log" 2>&1 || { cat "$WORK/down-$N.log"; return 1; }; nothing_left $children; }
	# On the shared lab: delete what the demo project made (tests/lab/
	# lab_down.sh takes the lab down at the end of the run and checks it).
	t_release() {
		local fip
		server_delete dos vm1 vm2 || return 1
		for fip in $(dos floating ip list -f value -c ID); do dos floating ip delete "$fip" || return 1; done
		dos router remove subnet rtr1 sub1 && dos router unset --external-gateway rtr1 &&
			dos router delete rtr1 && dos network delete net1 && dos keypair delete key1 || return 1
		aos user delete demo && aos project delete demo || return 1
		expect_eq "vm1, vm2 left" "$(aos server list --all-projects -f value -c Name | grep -cx 'vm[12]')" 0 &&
			expect_eq "net1, rtr1 left" "$(aos network list -f value -c Name | grep -cx net1)$(aos router list -f value -c Name | grep -cx rtr1)" 00
	}
	if [ "${LAB_SHARED:-}" = 1 ]; then
		check "[$N] the demo project's servers, floating IP, router, network, keypair, user and project are deleted" t_release
	else
		check "[$N] tools/lab down leaves no namespace, link, process, mount or file" t_down
	fi
	echo "# lab of $N node(s): $((SECONDS - t0)) s"
}

for n in $SIZES; do run_size "$n"; done
