#!/usr/bin/env bash
# tests/image/boot.sh - build (if needed) and boot the Basalt test guest image
# under QEMU TCG: config drive (vfat on virtio, iso9660 on IDE CD-ROM), a bare
# boot, then DHCP (dnsmasq) + the metadata service + SSH with the injected key
# on a tap device inside a network namespace this test creates, and a NIC with
# no DHCP server. Prints TAP-style "ok - NAME" / "not ok - NAME" lines (tests/run
# counts them) and "# boot to ready: N.N s" timings.
# BUILD (default: build) only says where the image lives:
# $BUILD/basalt-test.qcow2, made or refreshed by tools/mkimage (idempotent).
# Needs no Basalt controller and sends no traffic outside its namespace:
# QEMU gets no user-mode (slirp) networking. KEEP=DIR keeps consoles and logs.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
IMG="$BUILD/basalt-test.qcow2"
READY_TIMEOUT=${READY_TIMEOUT:-60}

# TAP; the plan is printed last (done_testing): which boots run depends on
# root and genisoimage.
TAP_N=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok - $1 # SKIP $2"; }
done_testing() { echo "1..$TAP_N"; }
# expect NAME CMD...: run CMD, report ok/not ok under NAME.
expect() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$name"; else
		not_ok "$name"; [ -n "$out" ] && printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'; fi
}

T=$(mktemp -d /tmp/basalt-image-test.XXXXXX)
NS=basalt-img-$$
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	[ -n "${KEEP:-}" ] && { mkdir -p "$KEEP" && cp -r "$T"/. "$KEEP"/; }
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- host packages this test needs (tools/mkimage installs its own) ---------
need=""
for p in qemu-system-x86 qemu-utils dnsmasq-base mtools dosfstools genisoimage openssh-client iproute2 python3; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	echo "# installing:$need"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get install -y -q --no-install-recommends $need ||
		{ apt-get update -q && apt-get install -y -q --no-install-recommends $need; }; } >"$T/apt.log" 2>&1 ||
		{ not_ok "install test packages:$need"; tail -n 20 "$T/apt.log" | sed 's/^/#   /'; exit 1; }
fi

# --- the image ------------------------------------------------------------------
# tools/mkimage is idempotent: it rebuilds only when its inputs changed.
t0=$SECONDS
expect "tools/mkimage builds or refreshes $IMG" tools/mkimage "$IMG"
echo "# mkimage: $((SECONDS - t0)) s"
if [ ! -s "$IMG" ]; then not_ok "image exists"; exit 1; fi
fmt=$(qemu-img info --output=json "$IMG" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["format"])' 2>/dev/null)
expect "image is qcow2 (got '${fmt}')" test "$fmt" = qcow2
size=$(stat -c %s "$IMG")
echo "# image size: $size bytes"
expect "image is under 32 MiB" test "$size" -lt $((32 * 1024 * 1024))
sum_before=$(sha256sum <"$IMG")

# --- helpers ---------------------------------------------------------------------
# boot LOG [NETNS] [QEMU ARGS...]: start a guest (overlay: -snapshot) whose
# serial console goes to LOG; sets QPID.
boot() {
	local log=$1 ns=$2; shift 2
	local pre=()
	[ -n "$ns" ] && pre=(ip netns exec "$ns")
	: >"$log"
	"${pre[@]}" qemu-system-x86_64 -accel tcg -m 256 -nographic -monitor none \
		-nic none -snapshot \
		-drive "file=$IMG,if=virtio,format=qcow2" \
		-serial "file:$log" "$@" </dev/null >"$log.qemu" 2>&1 &
	QPID=$!
	PIDS+=("$QPID")
	BOOT_START=$(date +%s.%N)
}
# wait_ready LOG: wait (bounded) for the ready line; sets READY_SECS.
wait_ready() {
	local log=$1 deadline=$((SECONDS + READY_TIMEOUT))
	READY_SECS=
	while [ $SECONDS -lt $deadline ]; do
		if grep -aq '^basalt-guest: ready ' "$1"; then
			READY_SECS=$(awk -v a="$BOOT_START" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
			return 0
		fi
		kill -0 "$QPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# console (tail):"; tr -d '\r' <"$log" | tail -n 25 | sed 's/^/#   /'
	sed 's/^/#   qemu: /' "$log.qemu"
	return 1
}
stop_vm() {
	kill "$QPID" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$QPID" 2>/dev/null
	wait "$QPID" 2>/dev/null
	return 0
}
# console_has LOG LINE-REGEX
console_has() { tr -d '\r' <"$1" | grep -aqE "$2" || { echo "no line matching /$2/ on console:"; tr -d '\r' <"$1" | grep -a 'basalt-guest' ; return 1; }; }

ssh-keygen -q -t ed25519 -N '' -C basalt-image-test -f "$T/key" || { not_ok "ssh-keygen"; exit 1; }
PUBKEY=$(cat "$T/key.pub")

# --- boot 1: config drive (vfat, label config-2), no NIC ---------------------------
mkdir -p "$T/cd/openstack/latest"
cat >"$T/cd/openstack/latest/meta_data.json" <<EOJ
{"uuid": "4f1c1e0a-5b7d-4c1e-9a43-0f4c6a8a1b01", "name": "testvm", "hostname": "testvm",
 "launch_index": 0, "availability_zone": "nova", "project_id": "p1",
 "public_keys": {"testkey": "$PUBKEY\n"},
 "keys": [{"name": "testkey", "type": "ssh", "data": "$PUBKEY\n"}]}
EOJ
# The user data also reports the tools tempest's scenarios run in a guest:
# blkid finding the config drive as tempest does, lsblk listing the disks
# as tempest counts them (the root disk and the config drive), Debian's
# curl, sudo, the cirros login and udhcpc's pidfile directory.
cat >"$T/cd/openstack/latest/user_data" <<'EOU'
#!/bin/sh
echo "basalt-test-marker: user data from config drive on $(hostname)"
echo "basalt-test-marker: blkid -L config-2: $(blkid -L config-2 -o device)"
echo "basalt-test-marker: lsblk disks: $(lsblk -lb --nodeps -o NAME,TYPE | awk '$2 == "disk" { printf "%s ", $1 }')"
echo "basalt-test-marker: $(curl --version | head -n 1 | cut -d' ' -f1-2)"
echo "basalt-test-marker: sudo id -u: $(sudo id -u)"
echo "basalt-test-marker: login cirros: $(awk -F: '$1 == "cirros" { print $3 ":" $6 ":" $7 }' /etc/passwd)"
echo "basalt-test-marker: /var/run is $(readlink -f /var/run)"
EOU
cdimg="$T/config-drive.img"
if mkfs.vfat -C -n config-2 "$cdimg" 1024 >"$T/mkfs.log" 2>&1 &&
	MTOOLS_SKIP_CHECK=1 mmd -i "$cdimg" ::openstack ::openstack/latest &&
	MTOOLS_SKIP_CHECK=1 mcopy -i "$cdimg" "$T/cd/openstack/latest/meta_data.json" \
		"$T/cd/openstack/latest/user_data" ::openstack/latest/; then
	ok "config drive image made"
else
	not_ok "config drive image made"; sed 's/^/#   /' "$T/mkfs.log"
fi

log1="$T/console-cd.log"
boot "$log1" "" -drive "file=$cdimg,if=virtio,format=raw,readonly=on"
if wait_ready "$log1"; then
	ok "config-drive boot reaches ready"
	echo "# boot to ready: $READY_SECS s (config drive, no NIC)"
else
	not_ok "config-drive boot reaches ready within ${READY_TIMEOUT}s"
fi
expect "config-drive boot: metadata source=config-drive" console_has "$log1" '^basalt-guest: metadata source=config-drive$'
expect "config-drive boot: ready ip=none hostname=testvm" console_has "$log1" '^basalt-guest: ready ip=none hostname=testvm$'
expect "config-drive boot: user data ran (marker)" console_has "$log1" '^basalt-test-marker: user data from config drive on testvm$'
expect "config-drive boot: user-data ran line" console_has "$log1" '^basalt-guest: user-data ran$'
expect "config-drive boot: blkid -L config-2 -o device finds it" console_has "$log1" '^basalt-test-marker: blkid -L config-2: /dev/vdb$'
expect "config-drive boot: lsblk lists the two disks" console_has "$log1" '^basalt-test-marker: lsblk disks: vda vdb $'
expect "config-drive boot: Debian's curl runs" console_has "$log1" '^basalt-test-marker: curl 7\.[0-9.]+$'
expect "config-drive boot: sudo runs the command as root" console_has "$log1" '^basalt-test-marker: sudo id -u: 0$'
expect "config-drive boot: a cirros login (uid 0, /root, /bin/sh)" console_has "$log1" '^basalt-test-marker: login cirros: 0:/root:/bin/sh$'
expect "config-drive boot: /var/run is /run" console_has "$log1" '^basalt-test-marker: /var/run is /run$'
stop_vm

# --- boot 1b: the same config drive as iso9660 on an IDE CD-ROM (Nova's default) ---
sed -i 's/from config drive/from iso config drive/' "$T/cd/openstack/latest/user_data"
if genisoimage -quiet -V config-2 -r -J -o "$T/config-drive.iso" "$T/cd" 2>"$T/iso.log"; then
	logi="$T/console-iso.log"
	boot "$logi" "" -drive "file=$T/config-drive.iso,media=cdrom,readonly=on"
	if wait_ready "$logi"; then
		ok "iso config-drive boot reaches ready"
		echo "# boot to ready: $READY_SECS s (iso9660 config drive on IDE CD-ROM, no NIC)"
	else
		not_ok "iso config-drive boot reaches ready within ${READY_TIMEOUT}s"
	fi
	expect "iso config-drive boot: metadata source=config-drive" console_has "$logi" '^basalt-guest: metadata source=config-drive$'
	expect "iso config-drive boot: ready ip=none hostname=testvm" console_has "$logi" '^basalt-guest: ready ip=none hostname=testvm$'
	expect "iso config-drive boot: user data ran (marker)" console_has "$logi" '^basalt-test-marker: user data from iso config drive on testvm$'
	stop_vm
else
	not_ok "genisoimage made the iso config drive"; sed 's/^/#   /' "$T/iso.log"
fi

# --- boot 2: no config drive, no NIC: must be quick and say source=none -------------
log0="$T/console-none.log"
boot "$log0" ""
if wait_ready "$log0"; then
	ok "bare boot reaches ready"
	echo "# boot to ready: $READY_SECS s (no config drive, no NIC)"
else
	not_ok "bare boot reaches ready within ${READY_TIMEOUT}s"
fi
expect "bare boot: metadata source=none" console_has "$log0" '^basalt-guest: metadata source=none$'
expect "bare boot: ready ip=none hostname=basalt-guest" console_has "$log0" '^basalt-guest: ready ip=none hostname=basalt-guest$'
stop_vm

# --- boot 3: virtio NIC on a tap in a namespace: DHCP (dnsmasq), metadata, SSH --------
if [ "$(id -u)" != 0 ]; then
	skip "network boot" "needs root for a network namespace"
	done_testing
	exit 0
fi
net_setup() {
	ip netns add "$NS" &&
	ip -n "$NS" link set lo up &&
	ip -n "$NS" link add br0 type bridge forward_delay 0 stp_state 0 &&
	ip -n "$NS" addr add 198.51.100.1/24 dev br0 &&
	ip -n "$NS" link set br0 up &&
	ip -n "$NS" tuntap add dev tap0 mode tap &&
	ip -n "$NS" link set tap0 master br0 &&
	ip -n "$NS" link set tap0 up &&
	# the metadata service address, on the namespace's loopback
	ip -n "$NS" addr add 169.254.169.254/32 dev lo
}
expect "network namespace with bridge and tap" net_setup

mkdir -p "$T/md/openstack/latest"
cat >"$T/md/openstack/latest/meta_data.json" <<EOJ
{"uuid": "9d2f7c3e-1111-4a2b-8c3d-5e6f7a8b9c0d", "name": "netvm", "hostname": "netvm",
 "public_keys": {"testkey": "$PUBKEY\n"}}
EOJ
printf '#!/bin/sh\necho "basalt-test-marker: user data from metadata service"\n' \
	>"$T/md/openstack/latest/user_data"
ip netns exec "$NS" python3 -m http.server --bind 169.254.169.254 --directory "$T/md" 80 \
	>"$T/http.log" 2>&1 &
PIDS+=("$!")
ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
	--user=root --group=root --interface=br0 --bind-interfaces \
	--dhcp-range=198.51.100.10,198.51.100.50,255.255.255.0,1h \
	--dhcp-option=3,198.51.100.1 --dhcp-option=26,1400 \
	--dhcp-leasefile="$T/dnsmasq.leases" --pid-file="$T/dnsmasq.pid" \
	--log-dhcp --log-facility="$T/dnsmasq.log" >"$T/dnsmasq.out" 2>&1 &
DNSMASQ_PID=$!
PIDS+=("$DNSMASQ_PID")
for _ in $(seq 1 50); do
	ip netns exec "$NS" python3 -c 'import urllib.request; urllib.request.urlopen("http://169.254.169.254/openstack/latest/meta_data.json", timeout=1)' 2>/dev/null && break
	sleep 0.1
done

log2="$T/console-net.log"
boot "$log2" "$NS" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:51:00:02
if wait_ready "$log2"; then
	ok "network boot reaches ready"
	echo "# boot to ready: $READY_SECS s (DHCP + metadata service)"
else
	not_ok "network boot reaches ready within ${READY_TIMEOUT}s"
	sed 's/^/#   dnsmasq: /' "$T/dnsmasq.log" "$T/dnsmasq.out" 2>/dev/null | tail -n 20
fi
expect "network boot: metadata source=metadata" console_has "$log2" '^basalt-guest: metadata source=metadata$'
expect "network boot: ready ip=198.51.100.x hostname=netvm" console_has "$log2" '^basalt-guest: ready ip=198\.51\.100\.[0-9]+ hostname=netvm$'
expect "network boot: user data from the metadata service ran" console_has "$log2" '^basalt-test-marker: user data from metadata service$'
gip=$(tr -d '\r' <"$log2" | sed -n 's/^basalt-guest: ready ip=\(198\.51\.100\.[0-9]*\) .*/\1/p' | head -n 1)

guest_ssh() {
	ip netns exec "$NS" timeout 30 ssh -i "$T/key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -o LogLevel=ERROR "root@$gip" "$@"
}
guest_ssh_as() {
	local user=$1; shift
	ip netns exec "$NS" timeout 30 ssh -i "$T/key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -o LogLevel=ERROR "$user@$gip" "$@"
}
if [ -n "$gip" ]; then
	out=""
	for _ in 1 2 3; do
		out=$(guest_ssh 'hostname; cat /sys/class/net/eth0/mtu; ip route' 2>"$T/ssh.err") && break
		sleep 2
	done
	h=$(sed -n 1p <<<"$out"); mtu=$(sed -n 2p <<<"$out")
	expect "ssh with the injected key: hostname netvm (got '$h')" test "$h" = netvm
	expect "DHCP option 26 applied: MTU 1400 (got '$mtu')" test "$mtu" = 1400
	expect "DHCP router applied: default via 198.51.100.1" grep -q '^default via 198.51.100.1 ' <<<"$out"
	[ -s "$T/ssh.err" ] && sed 's/^/#   ssh: /' "$T/ssh.err" | tail -n 5
	# As tempest drives a CirrOS guest: user cirros, its shell prologue, curl
	# to the metadata service, udhcpc's pidfile and a renewal on SIGUSR1.
	pre='set -eu -o pipefail; PATH=$PATH:/sbin;'
	out=$(guest_ssh_as cirros "$pre hostname; curl -s http://169.254.169.254/openstack/latest/meta_data.json" 2>>"$T/ssh.err")
	expect "ssh as cirros, tempest's prologue: hostname netvm" test "$(sed -n 1p <<<"$out")" = netvm
	expect "curl in the guest reads the metadata service" grep -q '"uuid": "9d2f7c3e-1111-4a2b-8c3d-5e6f7a8b9c0d"' <<<"$out"
	acks() { grep -c 'DHCPACK(br0)' "$T/dnsmasq.log" 2>/dev/null || true; }
	before=$(acks)
	renew() {
		local pid n
		pid=$(guest_ssh_as cirros "$pre cat /var/run/udhcpc.eth0.pid") || return 1
		guest_ssh_as cirros "$pre test \"\$(cat /proc/$pid/comm)\" = udhcpc && sudo /bin/kill -USR1 $pid" ||
			{ echo "pid '$pid' is not udhcpc's"; return 1; }
		for n in $(seq 1 100); do [ "$(acks)" -gt "$before" ] && return 0; sleep 0.1; done
		echo "no DHCPACK after SIGUSR1 (before: $before, now: $(acks))"; return 1
	}
	expect "udhcpc's pidfile /var/run/udhcpc.eth0.pid; SIGUSR1 renews the lease" renew
else
	not_ok "ssh with the injected key (no guest ip)"
fi
stop_vm

# --- boot 4: a NIC but no DHCP server: DHCP gives up quickly, ready ip=none ----------
kill "$DNSMASQ_PID" 2>/dev/null; wait "$DNSMASQ_PID" 2>/dev/null
log3="$T/console-nodhcp.log"
boot "$log3" "$NS" -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:51:00:03
if wait_ready "$log3"; then
	ok "no-DHCP boot reaches ready"
	echo "# boot to ready: $READY_SECS s (NIC, no DHCP server)"
else
	not_ok "no-DHCP boot reaches ready within ${READY_TIMEOUT}s"
fi
expect "no-DHCP boot: metadata source=none" console_has "$log3" '^basalt-guest: metadata source=none$'
expect "no-DHCP boot: ready ip=none" console_has "$log3" '^basalt-guest: ready ip=none hostname=basalt-guest$'
stop_vm

expect "image unchanged by the boots" test "$(sha256sum <"$IMG")" = "$sum_before"
done_testing
