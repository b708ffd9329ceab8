#!/usr/bin/env bash
# tests/fresh/run.sh - the README on a fresh Debian 12, as a new user would
# run it: a minimal Debian 12 root (debootstrap --variant=minbase from the
# machine's Debian mirror), a fresh `git clone` of this repository's HEAD in
# /root/basalt, and inside that root, as root: the README's prerequisite
# (apt-get update; apt-get install make) and `make lab`. Checks the demo's
# proof lines (the external web server's log line from the router's SNAT
# address; the guest's ssh answer on its floating IP), then `tools/lab
# down` and removes everything.
#
# Isolation. The root runs in its own mount and network namespaces (the
# kernel is the host's): the root bound on itself (a mount point, as / is),
# fresh /proc, /sys and cgroup2 mounts, /dev bound, a tmpfs /run (where ip
# netns keeps the lab's namespaces). Its network
# reaches Debian's mirror through slirp4netns (user-mode NAT: no route,
# forwarding or firewall change on the host), so the lab's 192.0.2.0/24
# and friends never touch the host's namespace. Nothing of the host's
# /usr, /etc or /var is visible inside: what `make lab` needs, it must
# install itself.
#
# Cache. Only the pristine debootstrap output is kept, as a tar under
# FRESH_CACHE (default /var/cache/basalt-fresh), keyed by the day, the
# mirror and the debootstrap arguments: it holds nothing `make lab`
# installed, so it cannot hide a missing install step. The .debs apt
# downloads are kept between runs too (FRESH_CACHE/archives, bound to the
# root's /var/cache/apt/archives): apt still installs each of them.
#
# Takes /tmp/basalt-ns.lock itself for the make lab part (it runs a lab;
# BASALT_NS_LOCKED=1: the caller holds it). Needs root,
# debootstrap and slirp4netns (tools/deps --test). FRESH_TIMEOUT (default
# 2400 s) bounds the make lab; KEEP_LOGS=DIR keeps the log.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
export BUILD=${BUILD:-$TOP} # lib.sh wants one; this tier builds its own
. tests/lib.sh

[ "$(id -u)" = 0 ] || skip_tier "tests/fresh/run.sh needs root (debootstrap, namespaces)"
plan 6
for c in debootstrap slirp4netns unshare git tar; do
	command -v "$c" >/dev/null || { not_ok "$c installed (tools/deps --test)"; exit 1; }
done

SUITE=bookworm VARIANT=minbase
# The machine's Debian mirror (deb822 "URIs:" or one-line "deb URL bookworm").
MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}
	     /^deb / && $0 ~ / bookworm / && $2 ~ /\/debian\/?$/ {print $2; exit}')
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${FRESH_CACHE:-/var/cache/basalt-fresh}
KEY=$SUITE-$VARIANT-$(date -u +%Y%m%d)-$(echo "$MIRROR $SUITE $VARIANT" | sha256sum | cut -c1-12)
WORK=$(mktemp -d /var/tmp/basalt-fresh.XXXXXX)
ROOT=$WORK/root
LOG=$WORK/lab.log
UPID="" SLIRP=""

# in_root_pids: processes whose root directory is the fresh root.
in_root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
	done
}
cleanup() {
	local p
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp "$LOG" "$KEEP_LOGS/" 2>/dev/null
	for p in $(in_root_pids); do kill -9 "$p" 2>/dev/null; done
	[ -n "$UPID" ] && kill -9 "$UPID" 2>/dev/null
	[ -n "$SLIRP" ] && kill "$SLIRP" 2>/dev/null
	wait 2>/dev/null
	# the mounts live in the root's own mount namespace; none should be here
	grep -F " $WORK/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------- the root
t_base() {
	mkdir -p "$CACHE" "$ROOT" || return 1
	if [ -s "$CACHE/$KEY.tar" ]; then
		echo "# debootstrap output from the cache: $CACHE/$KEY.tar"
	else
		rm -f "$CACHE"/"$SUITE-$VARIANT"-*.tar # an older day's
		debootstrap --variant="$VARIANT" "$SUITE" "$WORK/base" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
			{ tail -n 20 "$WORK/debootstrap.log"; return 1; }
		tar -C "$WORK/base" -cf "$CACHE/$KEY.tar.part" . && mv "$CACHE/$KEY.tar.part" "$CACHE/$KEY.tar" || return 1
		rm -rf "$WORK/base"
	fi
	tar -C "$ROOT" -xf "$CACHE/$KEY.tar" || return 1
	grep -q '^12\.' "$ROOT/etc/debian_version" || { echo "not Debian 12: $(cat "$ROOT/etc/debian_version")"; return 1; }
	# minimal indeed: none of what make lab needs is there yet
	local f
	for f in usr/bin/make usr/bin/gcc usr/bin/busybox usr/bin/qemu-system-x86_64 usr/bin/openstack usr/sbin/ip; do
		[ ! -e "$ROOT/$f" ] && [ ! -L "$ROOT/$f" ] || { echo "the fresh root already has /$f"; return 1; }
	done
}
check "a minimal Debian 12 root (debootstrap --variant=$VARIANT $SUITE $MIRROR)" t_base || exit 1

HEAD=$(git rev-parse HEAD)
t_clone() {
	git clone -q --no-hardlinks "$TOP" "$ROOT/root/basalt" &&
		git -C "$ROOT/root/basalt" checkout -q "$HEAD" || return 1
	git -C "$ROOT/root/basalt" remote remove origin
	[ -z "$(git -C "$TOP" status --porcelain --untracked-files=no)" ] ||
		echo "# note: uncommitted changes in $TOP are not in a fresh clone"
}
check "a fresh git clone of $(git log -1 --format='%h %s' | cut -c1-60) in /root/basalt" t_clone || exit 1

# ---------------------------------------------------------------- make lab
# What a new user types, in the fresh root (the README: on a fresh Debian 12
# machine, as root).
cat >"$ROOT/root/new-user.sh" <<'EOF'
set -u
cd /root/basalt
echo "### apt-get update && apt-get install make"
apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make ||
	{ echo "### prerequisite failed"; exit 10; }
echo "### make lab"
make lab
rc=$?
echo "### make lab exit $rc"
echo "### tools/lab down"
tools/lab down
echo "### tools/lab down exit $?"
exit $rc
EOF
# The namespaces' side, before chroot: wait for slirp4netns' tap0, mount
# what a booted machine has, then run the new user's shell in the root.
ENTER='
set -e
root=$1
for _ in $(seq 1 100); do ip link show tap0 >/dev/null 2>&1 && break; sleep 0.1; done
ip link set lo up
# / of a booted machine is a mount point (ip netns exec remounts it rslave)
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup" 2>/dev/null || true
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
mkdir -p "$root/var/cache/apt/archives" "$2"
mount --bind "$2" "$root/var/cache/apt/archives"
echo "nameserver 10.0.2.3" >"$root/etc/resolv.conf"
exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash /root/new-user.sh
'
# The lab part holds the namespace lock (unless the caller holds it).
if [ -z "${BASALT_NS_LOCKED:-}" ]; then exec 9>/tmp/basalt-ns.lock; flock 9; fi
t_make_lab() {
	local t0=$SECONDS rc
	mkdir -p "$CACHE/archives"
	timeout "${FRESH_TIMEOUT:-2400}" unshare --net --mount --propagation private --fork \
		bash -c "$ENTER" enter "$ROOT" "$CACHE/archives" >"$LOG" 2>&1 &
	UPID=$!
	# the namespace exists once unshare runs; slirp4netns gives it a NIC
	local npid=""
	for _ in $(seq 1 50); do
		npid=$(pgrep -P "$UPID" -x unshare || true)
		[ -n "$npid" ] && break
		sleep 0.1
	done
	[ -n "$npid" ] || { echo "unshare did not start"; cat "$LOG"; return 1; }
	slirp4netns --configure --mtu=1500 --disable-host-loopback "$npid" tap0 >"$WORK/slirp.log" 2>&1 &
	SLIRP=$!
	wait "$UPID"; rc=$?
	UPID=""
	kill "$SLIRP" 2>/dev/null; wait "$SLIRP" 2>/dev/null; SLIRP=""
	echo "$((SECONDS - t0)) s (exit $rc)" >"$WORK/lab.time"
	grep -q '^### make lab exit 0$' "$LOG" || { grep -v '^Get:\|^Unpacking\|^Setting up\|^Selecting\|^Preparing' "$LOG" | tail -n 40; return 1; }
}
check "in the fresh root, as root: apt-get install make; make lab" t_make_lab
echo "# make lab in the fresh root: $(cat "$WORK/lab.time" 2>/dev/null)"
t=$(grep -m1 -o 'The VM reached the internet through the router; the demo took [0-9]* s' "$LOG")
[ -n "$t" ] && echo "# $t"

# The proof lines of tools/lab demo, as the README shows them.
t_snat() {
	local addr
	addr=$(sed -n "s/.*the VM's request came from the router's SNAT address \([0-9.]*\)$/\1/p" "$LOG" | tail -n 1)
	[ -n "$addr" ] || { echo "no SNAT address line in the demo's output"; grep '^==' "$LOG" | tail; return 1; }
	grep -A1 "the VM's request came from the router's SNAT address $addr\$" "$LOG" | tail -n 1 |
		grep -E "^    $addr - - \[.*\] \"GET /\?from=demo-vm HTTP/1\.[01]\" 200" ||
		{ echo "the log line after it is not a request from $addr:"; grep -A2 "SNAT address" "$LOG"; return 1; }
}
check "proof: the external web server's log line shows the VM's request from the router's SNAT address" t_snat
t_ssh() {
	grep -A1 "^== ssh root@[0-9.]* 'wget -qO- http://example.test/'" "$LOG" | tail -n 1 |
		grep -E "^    Hello from the lab's internet: example\.test \(203\.0\.113\.1\)$" ||
		{ echo "no ssh answer from the floating IP:"; grep -A3 '^== ssh\|^== floating' "$LOG"; return 1; }
}
check "proof: the guest answers ssh on its floating IP (wget of example.test from inside it)" t_ssh

# ---------------------------------------------------------------- nothing left
t_gone() {
	grep -q '^### tools/lab down exit 0$' "$LOG" || { echo "tools/lab down failed:"; grep -A15 '^### tools/lab down$' "$LOG"; return 1; }
	local left
	left=$(in_root_pids)
	[ -z "$left" ] || { echo "processes left in the root:"; for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done; return 1; }
	! grep -qF " $WORK/" /proc/self/mountinfo || { echo "mounts left:"; grep -F " $WORK/" /proc/self/mountinfo; return 1; }
	rm -rf "$ROOT" && [ ! -e "$ROOT" ]
}
check "tools/lab down in the root, then no process, mount or file of it is left" t_gone
