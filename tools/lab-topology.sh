# shellcheck shell=bash
# tools/lab-topology.sh - the lab's wiring (sourced by tools/lab): names,
# addresses, and the functions that make and unmake the namespaces, bridges
# and cables of DESIGN.md section 1 on one machine.
#
#                 lab-mgmt (nic1: management/public, 192.0.2.0/24)
#     host ----------+-------------------+
#   (API access)     |                   |
#               controller            network ---- lab-ext ---- external
#               192.0.2.10            192.0.2.11   (eth-ext,    203.0.113.1
#               198.51.100.10         198.51.100.11 no address:  HTTP + DNS
#                    |                   |          Neutron's    "the internet"
#     lab-int -------+-------------------+------+   provider
#     (nic2: internal, API + VXLAN, 198.51.100.0/24)| interface)
#                                               compute0
#                                  one NIC eth0 (192.0.2.12), macvlan
#                                  eth0.int (198.51.100.12, local_ip)
#
#     client: a user's machine, 192.0.2.20 on lab-mgmt (the API) and
#     203.0.113.2 on lab-ext (the internet, where floating IPs answer): what
#     tools/conformance runs tempest in, so that its ssh to a guest's
#     floating IP finds a route as a user's does.
#
# compute0 has one physical NIC. In a rack its switch port is a trunk that
# carries both networks (the internal one tagged); these kernels have no
# 802.1Q, so the lab plugs that one NIC into the internal switch lab-int,
# which then carries both of compute0's subnets untagged: the management
# address on eth0 itself, the internal address (local_ip, the VXLAN
# endpoint) on the macvlan eth0.int, the lab's stand-in for a VLAN
# sub-interface. Nothing on compute0 needs the management network (its
# agent reaches the controller over the internal one, like the network
# node's), so the management address is there only as a real node has it.
#
# Every name takes LAB_PREFIX (default none) so a test can run a second lab
# next to a developer's: namespaces ${P}controller…, bridges ${P}lab-mgmt…,
# root-side cable ends ${P}l-…. Interface names inside a namespace (nic1,
# nic2, eth-ext, eth0) are the node's own and need no prefix.

P=${LAB_PREFIX:-}
case $P in *[!a-z0-9-]*) echo "lab: LAB_PREFIX may hold a-z 0-9 - only" >&2; exit 2 ;; esac
[ ${#P} -le 7 ] || { echo "lab: LAB_PREFIX longer than 7 (interface names have 15 bytes)" >&2; exit 2; }

NS_CTL=${P}controller NS_NET=${P}network NS_CMP=${P}compute0 NS_EXT=${P}external NS_CLI=${P}client
# Several controllers (tools/lab up --controllers 2): the second one and
# the load balancer in front of both (HAProxy), each a node of its own.
NS_CTL2=${P}controller2 NS_LB=${P}lb
BR_MGMT=${P}lab-mgmt BR_INT=${P}lab-int BR_EXT=${P}lab-ext
BRIDGES="$BR_MGMT $BR_INT $BR_EXT"
# Root-side ends of the cables (the switch ports), by node and NIC.
CABLES="${P}l-ctl1 ${P}l-ctl2 ${P}l-net1 ${P}l-net2 ${P}l-netx ${P}l-cmp0 ${P}l-ext ${P}l-cli1 ${P}l-clix ${P}l-c2m ${P}l-c2i ${P}l-lbm ${P}l-lbi"

MGMT_NET=192.0.2.0/24 MGMT_HOST=192.0.2.1
CTL_MGMT=192.0.2.10 NET_MGMT=192.0.2.11 CMP_MGMT=192.0.2.12
CTL_INT=198.51.100.10 NET_INT=198.51.100.11 CMP_INT=198.51.100.12
EXT_GW=203.0.113.1 EXT_NET=203.0.113.0/24
CTL2_MGMT=192.0.2.13 CTL2_INT=198.51.100.13 LB_MGMT=192.0.2.9 LB_INT=198.51.100.9
CLI_MGMT=192.0.2.20 CLI_EXT=203.0.113.2
API_PORT=5000

# The nodes of an N-node lab and their roles (DESIGN.md section 1).
lab_nodes() {
	case $1 in
	3) echo controller network compute0 ;;
	2) echo controller compute0 ;;
	1) echo controller ;;
	esac
}
node_roles() { # NODES NODE
	case $1:$2 in
	3:controller) echo controller ;;
	*:controller2) echo controller ;;
	3:network) echo network ;;
	*:compute0) echo compute ;;
	2:controller) echo controller,network ;;
	1:controller) echo controller,compute,network ;;
	esac
}
node_ns() { # NODE -> its namespace
	case $1 in
	controller) echo "$NS_CTL" ;;
	controller2) echo "$NS_CTL2" ;;
	lb) echo "$NS_LB" ;;
	network) echo "$NS_NET" ;;
	compute0) echo "$NS_CMP" ;;
	external) echo "$NS_EXT" ;;
	client) echo "$NS_CLI" ;;
	*) return 1 ;;
	esac
}
# The internal (overlay) address of a node.
node_int_ip() {
	case $1 in controller) echo $CTL_INT ;; controller2) echo $CTL2_INT ;; network) echo $NET_INT ;; compute0) echo $CMP_INT ;; esac
}
# The node that carries the network role (and so the external leg).
network_node() { [ "$1" = 3 ] && echo network || echo controller; }

ns_exists() { [ -e "/run/netns/$1" ]; }
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }

# cable NS IFACE BRIDGE ROOTEND [ADDR/LEN]: a veth from NS (named IFACE
# there) to ROOTEND, a port of BRIDGE in the root namespace.
cable() {
	ip link add "$4" type veth peer name "$2" netns "$1" &&
		ip link set "$4" master "$3" up &&
		ip -n "$1" link set "$2" up || return 1
	[ -z "${5:-}" ] || ip -n "$1" addr add "$5" dev "$2"
}

# topo_up NODES: namespaces, bridges and cables of an N-node lab. Fails on
# the first error (the caller runs topo_down to clean up).
topo_up() {
	local nodes=$1 n ns netnode
	for br in $BRIDGES; do
		ip link add "$br" type bridge stp_state 0 forward_delay 0 || return 1
		ip link set "$br" up || return 1
	done
	for n in $(lab_nodes "$nodes") external client; do
		ns=$(node_ns "$n")
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	cable "$NS_CTL" nic1 "$BR_MGMT" "${P}l-ctl1" "$CTL_MGMT/24" &&
		cable "$NS_CTL" nic2 "$BR_INT" "${P}l-ctl2" "$CTL_INT/24" || return 1
	if [ "$nodes" = 3 ]; then
		cable "$NS_NET" nic1 "$BR_MGMT" "${P}l-net1" "$NET_MGMT/24" &&
			cable "$NS_NET" nic2 "$BR_INT" "${P}l-net2" "$NET_INT/24" || return 1
	fi
	# The network role's provider interface: no address, Neutron bridges it
	# (physical_interface_mappings = external:eth-ext).
	netnode=$(node_ns "$(network_node "$nodes")")
	cable "$netnode" eth-ext "$BR_EXT" "${P}l-netx" || return 1
	if [ "$nodes" != 1 ]; then
		cable "$NS_CMP" eth0 "$BR_INT" "${P}l-cmp0" "$CMP_MGMT/24" &&
			ip -n "$NS_CMP" link add link eth0 name eth0.int type macvlan mode bridge &&
			ip -n "$NS_CMP" addr add "$CMP_INT/24" dev eth0.int &&
			ip -n "$NS_CMP" link set eth0.int up || return 1
		# Two interfaces on one wire: each answers ARP for its own address
		# only, so the overlay address keeps the macvlan's MAC.
		ip netns exec "$NS_CMP" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 || return 1
	fi
	cable "$NS_EXT" eth0 "$BR_EXT" "${P}l-ext" "$EXT_GW/24" || return 1
	cable "$NS_CLI" nic1 "$BR_MGMT" "${P}l-cli1" "$CLI_MGMT/24" &&
		cable "$NS_CLI" eth-ext "$BR_EXT" "${P}l-clix" "$CLI_EXT/24" || return 1
	host_access_up
}

# topo_ha_up: the second controller and the load balancer, on both
# networks like the first controller (clients come in on nic1, agents on
# nic2, and HAProxy reaches the controllers over nic2).
topo_ha_up() {
	local ns
	for ns in "$NS_CTL2" "$NS_LB"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	cable "$NS_CTL2" nic1 "$BR_MGMT" "${P}l-c2m" "$CTL2_MGMT/24" &&
		cable "$NS_CTL2" nic2 "$BR_INT" "${P}l-c2i" "$CTL2_INT/24" &&
		cable "$NS_LB" nic1 "$BR_MGMT" "${P}l-lbm" "$LB_MGMT/24" &&
		cable "$NS_LB" nic2 "$BR_INT" "${P}l-lbi" "$LB_INT/24" || return 1
	# The host's /32 route (a machine in 192.0.2.0/24 itself) to the
	# address clients use: the load balancer's.
	[ -z "$P" ] || [ "${LAB_HOST_ACCESS:-0}" = 1 ] || return 0
	ip -4 route show "$CTL_MGMT/32" dev "$BR_MGMT" 2>/dev/null | grep -q . || return 0
	ip route add "$LB_MGMT/32" dev "$BR_MGMT"
}

# The host reaches the controller's API on the management network. Where
# the host itself does not use 192.0.2.0/24, the bridge gets 192.0.2.1/24
# (the management network's router, as on a real site). Where it does (a
# machine whose own uplink sits in that documentation range), the host's
# addresses are left alone and only a /32 route to the controller goes
# through the bridge; the controller answers the host's own address on the
# same wire. A prefixed lab (a test's) gets no host access: its clients run
# inside the namespaces, and the developer's lab keeps the route.
host_access_up() {
	[ -z "$P" ] || [ "${LAB_HOST_ACCESS:-0}" = 1 ] || return 0
	if ! ip -4 route show root "$MGMT_NET" | grep -q . &&
		! ip -4 route show exact 0.0.0.0/0 | grep -q "via 192\.0\.2\."; then
		ip addr add "$MGMT_HOST/24" dev "$BR_MGMT"
	else
		ip route add "$CTL_MGMT/32" dev "$BR_MGMT" ||
			{ echo "lab: the host already routes $CTL_MGMT (another lab?)" >&2; return 1; }
	fi
}

# The namespaces an agent of this lab made (qdhcp-…, qrouter-…): their
# veths lead into one of the lab's node namespaces (ip prints that as
# "link-netns NAME"), or their ids are in the lab's store, or the agent
# recorded them (state/network/netns: it does before it makes one).
child_namespaces() {
	local ns ids="" db=$LAB/controller/state/basalt.db
	if [ -f "$db" ]; then
		ids=$(timeout 5 sqlite3 -readonly "$db" \
			"SELECT 'qdhcp-' || id FROM network; SELECT 'qrouter-' || id FROM router;" 2>/dev/null)
	fi
	if [ -n "$LAB" ] && [ -d "$LAB" ]; then
		ids="$ids
$(ls "$LAB"/*/state/network/netns/ 2>/dev/null | grep -E '^(qdhcp|qrouter)-')"
	fi
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in qdhcp-*|qrouter-*) ;; *) continue ;; esac
		if grep -qxF "$ns" <<<"$ids" ||
			ip -n "$ns" -o link show 2>/dev/null |
			grep -Eq "link-netns ($NS_CTL|$NS_NET|$NS_CMP|$NS_CTL2)( |\$)"; then
			echo "$ns"
		fi
	done
}

# kill_ns_procs NS...: every process in those namespaces, TERM then KILL.
kill_ns_procs() {
	local ns pids=""
	for ns in "$@"; do
		ns_exists "$ns" && pids="$pids $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
	done
	pids=$(echo $pids)
	[ -n "$pids" ] || return 0
	kill $pids 2>/dev/null
	for _ in $(seq 1 30); do
		kill -0 $pids 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 $pids 2>/dev/null
	sleep 0.2
	return 0
}

# topo_down: remove every namespace, bridge and cable of this lab (of any
# size, also half-made), the agents' child namespaces first.
topo_down() {
	local children ns
	children=$(child_namespaces)
	kill_ns_procs $children "$NS_CTL" "$NS_NET" "$NS_CMP" "$NS_EXT" "$NS_CLI" "$NS_CTL2" "$NS_LB"
	for ns in $children "$NS_CTL" "$NS_NET" "$NS_CMP" "$NS_EXT" "$NS_CLI" "$NS_CTL2" "$NS_LB"; do
		ns_exists "$ns" && ip netns del "$ns"
	done
	# A namespace some process still held lives on without its name, and
	# so do its cables: deleting the root ends deletes both ends. The
	# kernel also removes a cable by itself, a moment after its namespace
	# goes: a link that vanished between the check and the delete is gone,
	# as wanted; only one still there is a failure.
	for l in $CABLES $BRIDGES; do
		link_exists "$l" && { ip link del "$l" 2>/dev/null || ! link_exists "$l"; }
	done
	return 0
}

# leftovers: print what of this lab is still on the machine (nothing when
# it is all gone): namespaces, links, mounts, processes.
leftovers() {
	local ns l
	for ns in "$NS_CTL" "$NS_NET" "$NS_CMP" "$NS_EXT" "$NS_CLI" "$NS_CTL2" "$NS_LB" $(child_namespaces); do
		ns_exists "$ns" && echo "namespace $ns"
	done
	for l in $CABLES $BRIDGES; do link_exists "$l" && echo "link $l"; done
	ip -4 route show "$CTL_MGMT/32" dev "$BR_MGMT" 2>/dev/null | sed 's/^/route /'
	ip -4 route show "$LB_MGMT/32" dev "$BR_MGMT" 2>/dev/null | sed 's/^/route /'
	grep -E " /run/netns/($NS_CTL|$NS_NET|$NS_CMP|$NS_EXT|$NS_CLI|$NS_CTL2|$NS_LB) " /proc/self/mountinfo |
		awk '{print "mount " $5}'
	# Processes that name the lab directory (daemons, QEMU, dnsmasq, the
	# external HTTP server) wherever they run.
	[ -n "$LAB" ] && pgrep -af -- "$LAB/" | grep -v "^$$ " | sed 's/^/process /'
	# and a confined QEMU, which runs in its instance directory with
	# relative paths: only its working directory names the lab.
	local p cwd
	[ -n "$LAB" ] && for p in $(pgrep qemu-system); do
		cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
		case $cwd/ in "$LAB"/*) echo "process $p qemu (in $cwd)" ;; esac
	done
	return 0
}
