#!/usr/bin/env bash
# tests/dp/run.sh - the data-plane library (src/dp) against the real kernel:
# runs $BUILD/tests/dptest as root, which prints TAP, then removes anything
# a crashed run may have left (namespaces and links named dpt-*, dnsmasq
# processes serving /tmp/dpt-* directories).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip_tier "tests/dp/run.sh needs root"
DPTEST=$BUILD/tests/dptest
[ -x "$DPTEST" ] || { plan 1; not_ok "dptest built ($DPTEST)"; exit 1; }

cleanup() {
	for f in /tmp/dpt-*/*/pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		grep -qa "dnsmasq" "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid"
	done
	for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^dpt-/ {print $1}'); do
		ip netns del "$ns" 2>/dev/null
	done
	for l in dpt-tap0 dpt-hbr0; do
		ip link del "$l" 2>/dev/null
	done
	rm -rf /tmp/dpt-??????
}
trap cleanup EXIT

# dptest prints its own TAP, the plan last (tests/run fails a run that
# prints no plan: a crash half-way, or nothing at all).
"$DPTEST"
