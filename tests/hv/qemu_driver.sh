#!/usr/bin/env bash
# tests/hv/qemu_driver.sh - the QEMU driver with a real QEMU under TCG,
# through tests/hv/hvctl (a CLI over src/hv): spawn, boot to the guest's
# ready marker, adoption by a fresh process, stop/start, soft and hard
# reboot, NIC hotplug (a tap in a network namespace of its own: QMP
# netdev_add + device_add into a PCIe root port, device_del until the guest
# lets go), the serial port on its socket (a shell on the guest's console
# answers), destroy. Uses $BUILD/basalt-test.qcow2 (built with tools/mkimage
# when missing); with no bootable image only process handling is checked.
# Makes a namespace: run it under `flock -o /tmp/basalt-ns.lock`.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib.sh
plan 40

command -v qemu-system-x86_64 >/dev/null || { not_ok "qemu-system-x86_64 installed (tools/deps --test)"; exit 1; }
command -v qemu-img >/dev/null || { not_ok "qemu-img installed (tools/deps --test)"; exit 1; }

WORK=$(mktemp -d /tmp/basalt-hv.XXXXXX)
# QEMU confined as the agent runs it (the user tools/deps --test makes).
export HV_INSTANCES=$WORK/instances HV_VIRT_TYPE=qemu HV_SHUTDOWN_TIMEOUT=3 HV_QEMU_USER=basalt-qemu
NS=basalt-hv-$$
HPTAP=taphp$$
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
check "soft reboot (ACPI ignored by the guest: reset after the timeout)" "$HVCTL" reboot "$ID"
guest_check "guest boots again after the soft reboot" wait_ready 3
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
# print what it answers until the end marker (at most 20 s).
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
sys.exit(0 if b"END-42" in buf else 1)' "$HV_INSTANCES/$ID/serial.sock" "$1"
}
HPMAC=fa:16:3e:00:48:50
t_serial() { serial 'echo hello-$((1+1))' | grep -q hello-2; }
guest_sees() { serial "cat /sys/class/net/*/address" | grep -q "$HPMAC"; }
guest_lacks() { local out; out=$(serial "cat /sys/class/net/*/address") && ! grep -q "$HPMAC" <<<"$out"; }
guest_check "the serial console answers on its socket (a shell in the guest)" t_serial
if ip netns add "$NS" && ip -n "$NS" tuntap add "$HPTAP" mode tap && ip -n "$NS" link set "$HPTAP" up; then
	check "hot-plug a NIC on a tap (QMP getfd, netdev_add, device_add)" \
		ip netns exec "$NS" "$HVCTL" nic-attach "$ID" "$HPTAP" "$HPMAC"
else
	not_ok "a namespace with a tap for the hot-plugged NIC"
fi
check "the driver lists it" expect_eq nics "$("$HVCTL" nics "$ID")" "$HPTAP"
guest_check "the guest sees the new NIC (its MAC, read on the serial console)" guest_sees
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

pid=$(pid_of)
check "destroy" "$HVCTL" destroy "$ID"
check "destroy leaves no process" sh -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
check "destroy leaves no directory" test ! -e "$HV_INSTANCES/$ID"
check "state is nostate after destroy" state_is nostate
check "a QEMU that cannot start: error with its message, nothing left" sh -c "! '$HVCTL' spawn bad1 '$BASE' 1 99999999 1 2>'$WORK/err' && grep -q 'memory' '$WORK/err' && [ ! -e '$HV_INSTANCES/bad1' ]"
