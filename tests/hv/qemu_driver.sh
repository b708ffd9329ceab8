#!/usr/bin/env bash
# tests/hv/qemu_driver.sh - the QEMU driver with a real QEMU under TCG,
# through tests/hv/hvctl (a CLI over src/hv): spawn, boot to the guest's
# ready marker, adoption by a fresh process, stop/start, soft and hard
# reboot, snapshot, resize, NIC hotplug (a tap in a network namespace of
# its own: QMP netdev_add + device_add into a PCIe root port, device_del
# until the guest lets go), the serial port on its socket (a shell on the
# guest's console answers), pause (QMP stop: vCPUs stopped, same process),
# suspend (the state in a file, no process) and resume (the same boot goes
# on: the guest's boot id is unchanged), rescue (the rescue image first,
# the server's disk second) and unrescue, destroy. Uses
# $BUILD/basalt-test.qcow2 (built with tools/mkimage
# when missing); with no bootable image only process handling is checked.
# Makes a namespace: run it under `flock -o /tmp/basalt-ns.lock`.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib.sh
plan 67

command -v qemu-system-x86_64 >/dev/null || { not_ok "qemu-system-x86_64 installed (tools/deps --test)"; exit 1; }
command -v qemu-img >/dev/null || { not_ok "qemu-img installed (tools/deps --test)"; exit 1; }

WORK=$(mktemp -d /tmp/basalt-hv.XXXXXX)
# QEMU confined as the agent runs it (the user tools/deps --test makes).
export HV_INSTANCES=$WORK/instances HV_VIRT_TYPE=qemu HV_SHUTDOWN_TIMEOUT=3 HV_QEMU_USER=basalt-qemu
NS=basalt-hv-$$
HPTAP=taphp$$ HPTAP2=taphq$$
cleanup() {
	ip netns del "$NS" 2>/dev/null
	for d in "$HV_INSTANCES"/*/; do
		[ -f "$d/qemu.pid" ] && kill -9 "$(cat "$d/qemu.pid")" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

HVCTL=$BUILD/tests/hvctl
if [ ! -x "$HVCTL" ]; then
	HVCTL=$WORK/hvctl
	gcc -std=gnu11 -D_GNU_SOURCE -O1 -Isrc -o "$HVCTL" tests/hv/hvctl.c src/hv/*.c \
		src/core/log.c src/core/util.c src/core/md5.c src/core/diskimg.c -ljansson -lcurl -lsodium -lpthread \
		>"$WORK/cc.log" 2>&1 || { not_ok "build hvctl"; sed 's/^/#   /' "$WORK/cc.log"; exit 1; }
fi

IMAGE=$BUILD/basalt-test.qcow2
if [ ! -f "$IMAGE" ] && [ -x tools/mkimage ]; then
	tools/mkimage "$IMAGE" >"$WORK/mkimage.log" 2>&1 || rm -f "$IMAGE"
fi
mkdir -p "$HV_INSTANCES/_base"
if [ -f "$IMAGE" ]; then
	REAL=1
	cp "$IMAGE" "$HV_INSTANCES/_base/test-image"
else
	REAL=0
	echo "# no test image (tools/mkimage failed or absent): blank disk, process checks only"
	qemu-img create -q -f qcow2 "$HV_INSTANCES/_base/test-image" 64M
fi
BASE=$HV_INSTANCES/_base/test-image
ID=0123456789abcdef0123456789abcdef
CONSOLE=$HV_INSTANCES/$ID/console.log
pid_of() { cat "$HV_INSTANCES/$ID/qemu.pid" 2>/dev/null; }
ready_count() { grep -c "basalt-guest: ready" "$CONSOLE" 2>/dev/null || true; }
# wait_ready N: wait (up to 60 s) until the console shows N ready markers.
wait_ready() {
	for _ in $(seq 1 600); do
		[ "$(ready_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "console has $(ready_count) ready markers, wanted $1:"; tail -n 15 "$CONSOLE"; return 1
}
# guest_check NAME CMD...: a check of the booted guest; a skip without a
# bootable image (tools/mkimage failed), which CI counts as a failure.
guest_check() { if [ "$REAL" = 1 ]; then check "$@"; else skip "$1" "no bootable test image"; fi; }
state_is() { local s; s=$("$HVCTL" state "$ID"); expect_eq "state" "$s" "$1"; }

# The guest's user data (on a config drive) prints its boot id and uptime
# every second: a resumed guest goes on with the same boot id, a reboot
# would make a new one.
export HV_META='{"uuid": "0123456789abcdef0123456789abcdef", "hostname": "hv-test"}'
export HV_USER_DATA='#!/bin/sh
b=$(cat /proc/sys/kernel/random/boot_id)
(while :; do echo "basalt-tick boot=$b up=$(cut -d" " -f1 /proc/uptime)"; sleep 1; done) </dev/null >/dev/console 2>&1 &'
# last_boot: the boot id of the last tick on the console.
last_boot() { grep -a "^basalt-tick boot=" "$CONSOLE" 2>/dev/null | tail -n 1 | sed 's/^basalt-tick boot=\([^ ]*\).*/\1/'; }
ticks() { grep -ac "^basalt-tick boot=" "$CONSOLE" 2>/dev/null || true; }
# wait_ticks N: until the console has more than N ticks (60 s at most).
wait_ticks() {
	for _ in $(seq 1 600); do
		[ "$(ticks)" -gt "$1" ] && return 0
		sleep 0.1
	done
	echo "no tick after the first $1:"; tail -n 5 "$CONSOLE"; return 1
}
qmp_json() { "$HVCTL" qmp "$ID" query-status; }

t0=$(date +%s.%N)
check "spawn a server (overlay on the cached base, QEMU detached, confined)" "$HVCTL" spawn "$ID" "$BASE" 1 256 1
check "state is running" state_is running
check "console log appears" test -f "$CONSOLE"
check "list shows the server" expect_eq list "$("$HVCTL" list)" "$ID"
# The overlay names its base relatively (../_base/ID: a confined QEMU opens
# it from its instance directory); it must resolve to the cached base.
t_backing() {
	local full
	full=$(qemu-img info -U --output=json "$HV_INSTANCES/$ID/disk.qcow2" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("full-backing-filename", ""))') ||
		return 1
	expect_eq "the overlay's backing file" "$(realpath -m "$full")" "$(realpath "$BASE")"
}
check "overlay backs onto the base" t_backing
guest_check "guest prints its ready marker" wait_ready 1
[ "$REAL" = 1 ] && echo "# boot to ready under TCG: $(echo "$(date +%s.%N) - $t0" | bc) s"
pid=$(pid_of)
check "a fresh process adopts the running VM (same pid)" sh -c "[ \"\$('$HVCTL' state $ID)\" = running ] && '$HVCTL' spawn $ID '$BASE' 1 256 1 && [ \"\$(cat '$HV_INSTANCES/$ID/qemu.pid')\" = '$pid' ]"
check "one QEMU for the server" expect_eq "qemu processes" "$(pgrep -fc "guest=$ID")" 1

check "hard reboot (system_reset) keeps the process" sh -c "'$HVCTL' reboot $ID hard && [ \"\$(cat '$HV_INSTANCES/$ID/qemu.pid')\" = '$pid' ]"
guest_check "guest boots again after the hard reboot" wait_ready 2
# A soft reboot is an ACPI powerdown: the guest (busybox acpid) powers off
# and the driver starts it again, a new process (a guest that ignored ACPI
# would be reset after shutdown_timeout, in the same process).
check "soft reboot (the guest powers off on ACPI; started again)" "$HVCTL" reboot "$ID"
guest_check "guest boots again after the soft reboot" wait_ready 3
guest_check "the guest powered itself off on ACPI (a new QEMU process)" test "$(pid_of)" != "$pid"
pid=$(pid_of)
check "state is running after reboots" state_is running

check "stop (powerdown, then quit)" "$HVCTL" stop "$ID"
check "state is shutdown" state_is shutdown
check "no process after stop" sh -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
check "overlay kept after stop" test -f "$HV_INSTANCES/$ID/disk.qcow2"
check "start again on the same overlay" "$HVCTL" start "$ID"
check "state is running after start" state_is running
guest_check "guest boots after start" wait_ready 4
check "start is idempotent" sh -c "p=\$(cat '$HV_INSTANCES/$ID/qemu.pid'); '$HVCTL' start $ID && [ \"\$(cat '$HV_INSTANCES/$ID/qemu.pid')\" = \"\$p\" ]"
check "console tail is served" sh -c "'$HVCTL' console $ID | tail -c 65536 >/dev/null"

# serial CMD: type CMD into the guest's shell on the serial socket and
# print what it answers until the end marker (at most 20 s); SID: another
# server's.
serial() {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(0.5)
s.sendall(("\n%s; echo END-$((6*7))\n" % sys.argv[2]).encode())
buf, end = b"", time.time() + 20
while time.time() < end and b"END-42" not in buf:
	try:
		buf += s.recv(4096)
	except socket.timeout:
		pass
print(buf.decode(errors="replace"))
sys.exit(0 if b"END-42" in buf else 1)' "$HV_INSTANCES/${SID:-$ID}/serial.sock" "$1"
}
HPMAC=fa:16:3e:00:48:50
# (the output is read whole before grep: grep -q quitting at the first
# match would break the pipe of a long console backlog)
t_serial() { local out; out=$(serial 'echo hello-$((1+1))') && grep -q hello-2 <<<"$out"; }
guest_sees() { local out; out=$(serial "cat /sys/class/net/*/address") && grep -q "$1" <<<"$out"; }
guest_lacks() { local out; out=$(serial "cat /sys/class/net/*/address") && ! grep -q "$HPMAC" <<<"$out"; }
guest_check "the serial console answers on its socket (a shell in the guest)" t_serial
# The guest's /mnt is its boot disk: a file written there (and synced) is
# on the server's disk, so a snapshot carries it (checked after it).
t_disk_write() {
	local out
	out=$(serial 'grep -q " /mnt vfat " /proc/mounts && echo on-disk-$((40+2)) >/mnt/persist && sync && cat /mnt/persist') &&
		grep -q on-disk-42 <<<"$out"
}
guest_check "the guest writes a file under /mnt, its boot disk" t_disk_write
if ip netns add "$NS" && ip -n "$NS" tuntap add "$HPTAP" mode tap && ip -n "$NS" link set "$HPTAP" up; then
	check "hot-plug a NIC on a tap (QMP getfd, netdev_add, device_add)" \
		ip netns exec "$NS" "$HVCTL" nic-attach "$ID" "$HPTAP" "$HPMAC"
else
	not_ok "a namespace with a tap for the hot-plugged NIC"
fi
check "the driver lists it" expect_eq nics "$("$HVCTL" nics "$ID")" "$HPTAP"
guest_check "the guest sees the new NIC (its MAC, read on the serial console)" guest_sees "$HPMAC"
check "hot-unplug: device_del, the guest releases it, netdev_del" "$HVCTL" nic-detach "$ID" "$HPTAP"
guest_check "the guest no longer has it" guest_lacks

# --- snapshot of the running guest, booted once; cold resize, revert ---
# qmp_status: the guest's run state through its QMP socket.
qmp_status() {
	python3 - "$HV_INSTANCES/$ID/qmp.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "query-status"):
    f.write(json.dumps({"execute": cmd}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m:
            break
print(m.get("return", {}).get("status"))
PY
}
vsize() { qemu-img info -U --output=json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])'; }
spec_of() { python3 -c "import json; s=json.load(open('$HV_INSTANCES/$ID/spec.json')); print(s['vcpus'], s['ram_mb'], s['disk_gb'])"; }
t_snapshot() {
	local p; p=$(pid_of)
	"$HVCTL" snapshot "$ID" "$WORK/snap.qcow2" || return 1
	qemu-img info --output=json "$WORK/snap.qcow2" | python3 -c 'import json,sys; i=json.load(sys.stdin); assert i["format"] == "qcow2" and "backing-filename" not in i, i' ||
		return 1
	expect_eq "QEMU after the snapshot" "$(pid_of)" "$p" &&
		expect_eq "guest after the snapshot" "$(qmp_status)" running &&
		test ! -e "$HV_INSTANCES/$ID/snapshot.paused"
}
check "snapshot of the running guest: a standalone qcow2; the guest runs on (paused only for the copy)" t_snapshot
t_snapshot_file() {
	local disk raw="$WORK/snap.raw"
	qemu-img convert -O raw "$WORK/snap.qcow2" "$raw" && disk=$(mtype -i "$raw" ::persist)
	rm -f "$raw"
	grep -q on-disk-42 <<<"$disk"
}
guest_check "the snapshot carries the file the guest wrote under /mnt" t_snapshot_file
ID2=fedcba9876543210fedcba9876543210
t_boot_snapshot() {
	cp "$WORK/snap.qcow2" "$HV_INSTANCES/_base/snap" && "$HVCTL" spawn "$ID2" "$HV_INSTANCES/_base/snap" 1 256 1 ||
		return 1
	for _ in $(seq 1 600); do
		grep -q "basalt-guest: ready" "$HV_INSTANCES/$ID2/console.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q "basalt-guest: ready" "$HV_INSTANCES/$ID2/console.log" || { tail -n 15 "$HV_INSTANCES/$ID2/console.log"; return 1; }
	"$HVCTL" destroy "$ID2"
}
guest_check "a server boots from the snapshot" t_boot_snapshot
t_resize() {
	"$HVCTL" resize "$ID" 2 320 2 && state_is shutdown &&
		expect_eq spec "$(spec_of)" "2 320 2" &&
		expect_eq "disk virtual size" "$(vsize "$HV_INSTANCES/$ID/disk.qcow2")" $((2 << 30)) &&
		test -f "$HV_INSTANCES/$ID/disk.orig" && "$HVCTL" start "$ID" &&
		pgrep -af "guest=$ID" | grep -q -- "-m 320 -smp 2"
}
check "cold resize: stopped, old disk kept, disk grown to 2 GiB, started with 2 vcpus and 320 MB" t_resize
guest_check "guest boots after the resize" wait_ready 5
t_revert() {
	"$HVCTL" resize-finish "$ID" revert && state_is shutdown &&
		expect_eq spec "$(spec_of)" "1 256 1" &&
		expect_eq "disk virtual size" "$(vsize "$HV_INSTANCES/$ID/disk.qcow2")" $((1 << 30)) &&
		test ! -e "$HV_INSTANCES/$ID/disk.orig" && "$HVCTL" start "$ID"
}
check "revert: the old disk and flavor back" t_revert
guest_check "guest boots after the revert" wait_ready 6
t_confirm() {
	"$HVCTL" resize "$ID" 2 320 2 && "$HVCTL" resize-finish "$ID" confirm &&
		test ! -e "$HV_INSTANCES/$ID/disk.orig" && test ! -e "$HV_INSTANCES/$ID/spec.orig.json" &&
		expect_eq spec "$(spec_of)" "2 320 2" && "$HVCTL" start "$ID"
}
check "confirm: the kept disk dropped, the new flavor stays" t_confirm

# --- pause, suspend, rescue ---
pid=$(pid_of)
check "pause: state paused, the same process" sh -c "'$HVCTL' pause $ID && [ \"\$('$HVCTL' state $ID)\" = paused ] && [ \"\$(cat '$HV_INSTANCES/$ID/qemu.pid')\" = '$pid' ]"
t_vcpus_stopped() {
	local st
	st=$(qmp_json) || return 1
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d["status"] == "paused" and d["running"] is False else "query-status: %s" % d)' "$st"
}
check "paused: QEMU's vCPUs are stopped (query-status paused, not running)" t_vcpus_stopped
t_unpause() {
	"$HVCTL" unpause "$ID" && state_is running || return 1
	python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1])["status"] == "running" else 1)' "$(qmp_json)" &&
		expect_eq pid "$(pid_of)" "$pid"
}
check "unpause: running again in the same process" t_unpause
# a tick of this boot (the confirm's start above boots the guest)
t_fresh_tick() { wait_ready 7 && wait_ticks "$(ticks)"; }
guest_check "the guest ticks with a boot id before the suspend" t_fresh_tick
# diagnostics: what the agent reports for Nova's server diagnostics
t_diagnostics() {
	local out
	out=$("$HVCTL" diagnostics "$ID") || return 1
	python3 -c 'import json,sys
d=json.loads(sys.argv[1]); m=d["memory"]; disks=d["disks"]; cpus=d["cpus"]
bad=[]
if d["state"]!="running" or d["hypervisor"] not in ("qemu","kvm"): bad.append("state/hypervisor")
if [c["id"] for c in cpus]!=[0,1] or not all(c.get("time",0)>0 for c in cpus): bad.append("2 vCPUs with their run time")
if m["maximum"]!=320 or not 0<m.get("used",0)<=2048: bad.append("memory: 320 MB, RSS used")
if not disks or disks[0]["name"]!="vda" or disks[0]["read_bytes"]<=0 or disks[0]["read_requests"]<=0: bad.append("vda read by the boot")
if not 0<=d["uptime"]<3600: bad.append("uptime")
sys.exit("%s: %s" % (", ".join(bad), d) if bad else 0)' "$out"
}
guest_check "diagnostics: 2 vCPUs with their run time (query-cpus-fast + schedstat), 320 MB with its RSS, vda's reads (query-blockstats), uptime" t_diagnostics
# Two NICs hot-plugged, the first unplugged: the second stays in the
# second root port, and the saved state of a suspend expects it there.
HPMAC2=fa:16:3e:00:48:51
t_plug_two() {
	ip -n "$NS" tuntap add "$HPTAP2" mode tap && ip -n "$NS" link set "$HPTAP2" up &&
		ip netns exec "$NS" "$HVCTL" nic-attach "$ID" "$HPTAP" "$HPMAC" &&
		ip netns exec "$NS" "$HVCTL" nic-attach "$ID" "$HPTAP2" "$HPMAC2" &&
		"$HVCTL" nic-detach "$ID" "$HPTAP" || return 1
	expect_eq nics "$("$HVCTL" nics "$ID")" "$HPTAP2"
}
check "hot-plug two NICs, unplug the first: the second one stays" t_plug_two
BOOT=$(last_boot)
t_suspend() {
	"$HVCTL" suspend "$ID" || return 1
	test -s "$HV_INSTANCES/$ID/suspend.state" || { echo "no state file"; return 1; }
	[ ! -e "$HV_INSTANCES/$ID/suspend.state.tmp" ] || { echo "a temp state file left"; return 1; }
	! kill -0 "$pid" 2>/dev/null || grep -q '^State:.*Z' "/proc/$pid/status" || { echo "QEMU $pid still runs"; return 1; }
	expect_eq "qemu processes" "$(pgrep -fc "guest=$ID")" 0 && state_is suspended
}
check "suspend: the state saved to a file, no QEMU process, state suspended" t_suspend
t_resume() {
	ip netns exec "$NS" "$HVCTL" start "$ID" && state_is running || return 1
	[ ! -e "$HV_INSTANCES/$ID/suspend.state" ] || { echo "the state file is still there"; return 1; }
	expect_eq "qemu processes" "$(pgrep -fc "guest=$ID")" 1
}
check "start resumes from the state file (the hot-plugged NIC in its root port): running, the file gone" t_resume
t_same_boot() {
	local n r0
	n=$(ticks) r0=$(ready_count)
	wait_ticks "$n" || return 1
	expect_eq "boot id after the resume" "$(last_boot)" "$BOOT" || return 1
	expect_eq "ready markers (no boot)" "$(ready_count)" "$r0"
}
guest_check "the resumed guest goes on: the same boot id ticks on, no new boot" t_same_boot
guest_check "the resumed guest has the hot-plugged NIC, restored into its own root port" guest_sees "$HPMAC2"
check "and lets it go" "$HVCTL" nic-detach "$ID" "$HPTAP2"
cp "$BASE" "$HV_INSTANCES/_base/rescue-image"
t_rescue() {
	local p args
	"$HVCTL" rescue "$ID" "$HV_INSTANCES/_base/rescue-image" && state_is running || return 1
	p=$(pid_of)
	args=$(tr '\0' ' ' <"/proc/$p/cmdline")
	case $args in *"file=rescue.qcow2,if=virtio"*"file=disk.qcow2,if=virtio"*) ;;
	*) echo "QEMU's disks are not rescue first, own disk second: $args"; return 1 ;; esac
	"$HVCTL" qmp "$ID" query-block | python3 -c 'import json,sys
files = [b["inserted"]["file"] for b in json.load(sys.stdin) if b.get("inserted")]
sys.exit(0 if [f for f in files if "rescue.qcow2" in f] and [f for f in files if "disk.qcow2" in f] else "disks: %s" % files)'
}
check "rescue: restarted with two disks, the rescue image first and the server's disk second" t_rescue
guest_check "the rescue image boots" wait_ready 8
t_unrescue() {
	local args
	"$HVCTL" unrescue "$ID" && state_is running || return 1
	args=$(tr '\0' ' ' <"/proc/$(pid_of)/cmdline")
	case $args in *rescue.qcow2*) echo "still a rescue disk: $args"; return 1 ;; esac
	[ ! -e "$HV_INSTANCES/$ID/rescue.qcow2" ] || { echo "rescue.qcow2 left"; return 1; }
}
check "unrescue: restarted on its own disk alone, the rescue overlay gone" t_unrescue
guest_check "the guest boots again from its own disk" wait_ready 9


# --- the flavor's ephemeral disk (Nova's disk.local): a second disk of its
# size, vfat labelled ephemeral0, after the root disk; kept across stop and
# start, grown by a resize (the old one kept until confirmed or put back by
# a revert), made by a resize to a flavor that has one, gone with the
# server ---
ID3=ee0123456789abcdef0123456789abcd
EPH=$HV_INSTANCES/$ID3/disk.eph0
# eph_ready N: ID3's console shows N ready markers (60 s at most).
eph_ready() {
	for _ in $(seq 1 600); do
		[ "$(grep -c "basalt-guest: ready" "$HV_INSTANCES/$ID3/console.log" 2>/dev/null)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "no ready marker $1:"; tail -n 15 "$HV_INSTANCES/$ID3/console.log"; return 1
}
t_eph_spawn() {
	local args
	HV_EPHEMERAL=1 "$HVCTL" spawn "$ID3" "$BASE" 1 256 1 && test -f "$EPH" || return 1
	expect_eq "ephemeral virtual size" "$(vsize "$EPH")" $((1 << 30)) || return 1
	args=$(tr '\0' ' ' <"/proc/$(cat "$HV_INSTANCES/$ID3/qemu.pid")/cmdline")
	case $args in *"file=disk.qcow2,if=virtio"*"file=disk.eph0,if=virtio"*) ;;
	*) echo "QEMU's disks are not the root disk, then the ephemeral one: $args"; return 1 ;; esac
}
check "spawn with an ephemeral disk: disk.eph0, a qcow2 of 1 GiB, attached after the root disk" t_eph_spawn
# eph_guest N SECTORS: once booted N times, the guest's second disk has
# SECTORS 512-byte sectors, is vfat labelled ephemeral0 (as lsblk, which
# tempest runs, lists it) and holds the mark written on it the first time.
eph_guest() {
	local out
	eph_ready "$1" || return 1
	out=$(SID=$ID3 serial "cat /sys/block/vdb/size; blkid /dev/vdb; lsblk -lb --nodeps; mount /dev/vdb /mnt && { [ -f /mnt/mark ] || echo kept-\$((40+2)) >/mnt/mark; cat /mnt/mark; umount /mnt; }") || return 1
	out=$(tr -d '\r' <<<"$out")
	grep -qx "$2" <<<"$out" || { echo "no size $2 in: $out"; return 1; }
	grep -q 'LABEL="ephemeral0"' <<<"$out" && grep -q 'TYPE="vfat"' <<<"$out" ||
		{ echo "not vfat ephemeral0: $out"; return 1; }
	grep -q "^vdb .* disk" <<<"$out" || { echo "lsblk lists no disk vdb: $out"; return 1; }
	grep -qx "kept-42" <<<"$out" || { echo "no mark: $out"; return 1; }
}
guest_check "the guest sees a second disk of 1 GiB, vfat labelled ephemeral0, and writes on it" eph_guest 1 2097152
check "stop and start: the ephemeral disk stays" sh -c "'$HVCTL' stop $ID3 && test -f '$EPH' && '$HVCTL' start $ID3"
guest_check "the guest finds its mark on it again" eph_guest 2 2097152
t_eph_resize() {
	"$HVCTL" resize "$ID3" 1 256 1 2 && test -f "$HV_INSTANCES/$ID3/eph0.orig" &&
		expect_eq "ephemeral virtual size" "$(vsize "$EPH")" $((2 << 30)) &&
		expect_eq "kept one" "$(vsize "$HV_INSTANCES/$ID3/eph0.orig")" $((1 << 30)) &&
		"$HVCTL" start "$ID3"
}
check "resize to an ephemeral disk of 2 GiB: grown, the old one kept" t_eph_resize
guest_check "the guest sees 2 GiB, the mark still there" eph_guest 3 4194304
t_eph_revert() {
	"$HVCTL" resize-finish "$ID3" revert && test ! -e "$HV_INSTANCES/$ID3/eph0.orig" &&
		expect_eq "ephemeral virtual size" "$(vsize "$EPH")" $((1 << 30)) &&
		"$HVCTL" resize "$ID3" 1 256 1 2 && "$HVCTL" resize-finish "$ID3" confirm &&
		test ! -e "$HV_INSTANCES/$ID3/eph0.orig" &&
		expect_eq "ephemeral virtual size" "$(vsize "$EPH")" $((2 << 30))
}
check "revert puts the 1 GiB one back; a confirmed resize drops it" t_eph_revert
t_eph_destroy() { "$HVCTL" destroy "$ID3" && test ! -e "$HV_INSTANCES/$ID3"; }
check "destroy takes the ephemeral disk with the server" t_eph_destroy
t_eph_made() {
	"$HVCTL" spawn "$ID3" "$BASE" 1 256 1 && test ! -e "$EPH" &&
		"$HVCTL" resize "$ID3" 1 256 1 1 && expect_eq "ephemeral virtual size" "$(vsize "$EPH")" $((1 << 30)) &&
		"$HVCTL" resize-finish "$ID3" revert && test ! -e "$EPH" && "$HVCTL" destroy "$ID3"
}
check "a resize to a flavor with one makes it; its revert takes it away" t_eph_made

pid=$(pid_of)
check "destroy" "$HVCTL" destroy "$ID"
check "destroy leaves no process" sh -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
check "destroy leaves no directory" test ! -e "$HV_INSTANCES/$ID"
check "state is nostate after destroy" state_is nostate
check "a QEMU that cannot start: error with its message, nothing left" sh -c "! '$HVCTL' spawn bad1 '$BASE' 1 99999999 1 2>'$WORK/err' && grep -q 'memory' '$WORK/err' && [ ! -e '$HV_INSTANCES/bad1' ]"
