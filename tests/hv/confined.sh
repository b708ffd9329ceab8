#!/usr/bin/env bash
# tests/hv/confined.sh - a confined guest, as the agent starts it: a real
# QEMU (TCG) through tests/hvctl with [compute] qemu_user basalt-qemu, a
# config drive and a NIC on a tap in a network namespace this test makes.
# Checks on the running process: its uid and gid are not 0, seccomp is on
# (Seccomp: 2) with no_new_privs, and /proc/PID/fd holds only its own disk,
# config drive, console, log, image base, tap and sockets (no host path);
# the instance directory, QMP socket and console are closed to other users
# and the base is readable but not writable by QEMU. Run it under
# `flock /tmp/basalt-ns.lock` (it makes a namespace).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/lib.sh

QUSER=basalt-qemu
NS=basalt-conf-$$
TAP=tapconf$$
WORK=$(mktemp -d /tmp/basalt-confined.XXXXXX) # 0700: QEMU must not need a way through it
export HV_INSTANCES=$WORK/instances HV_VIRT_TYPE=qemu HV_SHUTDOWN_TIMEOUT=3 HV_QEMU_USER=$QUSER
ID=c0ffee00c0ffee00c0ffee00c0ffee00
cleanup() {
	[ -f "$HV_INSTANCES/$ID/qemu.pid" ] && kill -9 "$(cat "$HV_INSTANCES/$ID/qemu.pid")" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
echo "1..19"

# The user tools/lab, deploy/ and docs/install.md create.
getent passwd "$QUSER" >/dev/null ||
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$QUSER"
HVCTL=$BUILD/tests/hvctl
mkdir -p "$HV_INSTANCES/_base"
BASE=$HV_INSTANCES/_base/img
qemu-img create -q -f qcow2 "$BASE" 64M
# As image_cache.c leaves a base: root's, QEMU's group, read-only.
chown "root:$QUSER" "$BASE" && chmod 0440 "$BASE"
ip netns add "$NS" && ip -n "$NS" tuntap add "$TAP" mode tap && ip -n "$NS" link set "$TAP" up ||
	{ not_ok "namespace with a tap"; exit 1; }

check "spawn a confined server with a config drive and a NIC on $TAP" \
	ip netns exec "$NS" env HV_NICS="$TAP=fa:16:3e:00:00:01" HV_META='{"uuid":"c0ffee00"}' \
	"$HVCTL" spawn "$ID" "$BASE" 1 128 1 qcow2
PID=$(cat "$HV_INSTANCES/$ID/qemu.pid" 2>/dev/null)
check "QEMU runs" test -n "$PID" -a -d "/proc/$PID"
status() { awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$PID/status"; }
quid=$(id -u "$QUSER")
check "its uid is $QUSER's, never 0 (real, effective, saved, fs)" \
	expect_eq Uid "$(status Uid | tr -s '\t ' ' ')" "$quid $quid $quid $quid"
check "its gid is not 0" awk '$1 == "Gid:" { for (i = 2; i <= 5; i++) if ($i == 0) exit 1 }' "/proc/$PID/status"
check "no supplementary group but kvm" sh -c "for g in $(status Groups); do [ \"\$(getent group \$g | cut -d: -f1)\" = kvm ] || exit 1; done"
check "seccomp filter on (Seccomp: 2)" expect_eq Seccomp "$(status Seccomp)" 2
check "no_new_privs" expect_eq NoNewPrivs "$(status NoNewPrivs)" 1
check "no capabilities" expect_eq CapEff "$(status CapEff)" 0000000000000000
check "the command line has -sandbox with every deny" \
	sh -c "tr '\\0' ' ' </proc/$PID/cmdline | grep -q -- '-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'"

# Every open file is one of the server's own, its base, its tap or an
# anonymous kernel object; nothing else on the host.
fds_ok() {
	local dir=$HV_INSTANCES/$ID bad=0 seen="" t
	for f in /proc/"$PID"/fd/*; do
		t=$(readlink "$f") || continue
		case $t in
		"$dir/disk.qcow2" | "$dir/config.img" | "$dir/console.log" | "$dir/qemu.log" | "$BASE" | \
			/dev/net/tun | /dev/null | /dev/kvm | socket:* | anon_inode:* | pipe:*)
			seen="$seen $(basename "$t")" ;;
		*) echo "unexpected fd $(basename "$f") -> $t"; bad=1 ;;
		esac
	done
	for want in disk.qcow2 config.img img tun; do
		grep -qw "$want" <<<"$seen" || { echo "no fd on $want (have:$seen)"; bad=1; }
	done
	return $bad
}
check "/proc/PID/fd: only its disk, config drive, console, base, tap and sockets" fds_ok
check "no fd on a host path such as /etc" sh -c "! ls -l /proc/$PID/fd | grep -q ' /etc/'"

mode() { stat -c '%U:%G %a' "$1"; }
check "instance directory root:$QUSER 0710 (QEMU creates and removes nothing)" \
	expect_eq dir "$(mode "$HV_INSTANCES/$ID")" "root:$QUSER 710"
check "QMP socket root's 0600" expect_eq qmp.sock "$(mode "$HV_INSTANCES/$ID/qmp.sock")" "root:root 600"
check "console log $QUSER's 0600" expect_eq console.log "$(mode "$HV_INSTANCES/$ID/console.log")" "$QUSER:$QUSER 600"
check "base root:$QUSER 0440: QEMU reads it, never writes it" expect_eq base "$(mode "$BASE")" "root:$QUSER 440"
check "another user can read neither console nor QMP" \
	sh -c "! runuser -u nobody -- cat '$HV_INSTANCES/$ID/console.log' 2>/dev/null && ! runuser -u nobody -- python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect(\"$HV_INSTANCES/$ID/qmp.sock\")' 2>/dev/null"
check "the agent (root) still talks QMP: stop" "$HVCTL" stop "$ID"
check "and starts it again, confined" sh -c "ip netns exec '$NS' '$HVCTL' start $ID && p=\$(cat '$HV_INSTANCES/$ID/qemu.pid') && awk '\$1 == \"Seccomp:\" { exit \$2 != 2 }' /proc/\$p/status && [ \"\$(stat -c %u /proc/\$p)\" = '$quid' ]"
check "destroy" "$HVCTL" destroy "$ID"
