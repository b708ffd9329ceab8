#!/usr/bin/env bash
# tests/hv/qemu_driver.sh - the QEMU driver with a real QEMU under TCG,
# through tests/hv/hvctl (a CLI over src/hv): spawn, boot to the guest's
# ready marker, adoption by a fresh process, stop/start, soft and hard
# reboot, destroy. Uses $BUILD/basalt-test.qcow2 (built with tools/mkimage
# when missing); with no bootable image only process handling is checked.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. tests/lib.sh
plan 27

command -v qemu-system-x86_64 >/dev/null || { not_ok "qemu-system-x86_64 installed (tools/deps --test)"; exit 1; }
command -v qemu-img >/dev/null || { not_ok "qemu-img installed (tools/deps --test)"; exit 1; }

WORK=$(mktemp -d /tmp/basalt-hv.XXXXXX)
# QEMU confined as the agent runs it (the user tools/deps --test makes).
export HV_INSTANCES=$WORK/instances HV_VIRT_TYPE=qemu HV_SHUTDOWN_TIMEOUT=3 HV_QEMU_USER=basalt-qemu
cleanup() {
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

pid=$(pid_of)
check "destroy" "$HVCTL" destroy "$ID"
check "destroy leaves no process" sh -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
check "destroy leaves no directory" test ! -e "$HV_INSTANCES/$ID"
check "state is nostate after destroy" state_is nostate
check "a QEMU that cannot start: error with its message, nothing left" sh -c "! '$HVCTL' spawn bad1 '$BASE' 1 99999999 1 2>'$WORK/err' && grep -q 'memory' '$WORK/err' && [ ! -e '$HV_INSTANCES/bad1' ]"
