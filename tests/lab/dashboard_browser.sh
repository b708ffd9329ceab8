#!/usr/bin/env bash
# tests/lab/dashboard_browser.sh - issue 13's browser tier: the dashboard
# (served by the lab's controller at /dashboard/) driven in headless
# Chromium by tests/browser/dashboard.py as a new user would use it:
# log in, switch project, make a network and a router, launch an instance
# and watch it become ACTIVE, read its ready line in the console log,
# give it a floating IP, find it all in the topology picture, delete it
# all; an admin sees the hypervisors' usage change; a server named as HTML
# shows as text; the launch form's labels and keyboard use. Then the
# openstack CLI checks that nothing the member made is left.
#
# Screenshots of every page land in $BUILD/dashboard-shots/ (developers
# look at them; CI keeps nothing else).
#
# Its own lab (LAB_PREFIX=db-, a temporary LAB_DIR) beside a developer's;
# run under flock /tmp/basalt-ns.lock. LAB_SHARED=1 (tests/run): the 3-node
# lab of LAB_PREFIX/LAB_DIR is up already and stays up.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. tests/lab/client.bash

[ "$(id -u)" = 0 ] || skip_tier "the browser tier needs root (the lab's namespaces)"
lab_tier dash db-
SHOTS=$BUILD/dashboard-shots
SUFFIX=$$
P1=dash-a-$SUFFIX P2=dash-b-$SUFFIX U=dash-user-$SUFFIX OTHER_NET=admin-only-$SUFFIX
XSS_NAME='<img src=x onerror=window.__xss=1;alert(1)>'

# A test's lab gives the host no route to it: its clients, the browser
# included, run in the controller's namespace.
in_ctl() { nsenter --net="/run/netns/${LAB_PREFIX}controller" "$@"; }
# aos ARGS...: openstack as the lab admin; mos ARGS...: as the member, in P1.
aos() { lab_os "$@"; }
mos() { lab_os OS_USERNAME="$U" OS_PASSWORD="$(cat "$WORK/pw")" OS_PROJECT_NAME="$P1" "$@"; }
cleanup() {
	if [ -f "$LAB_DIR/admin-openrc" ]; then
		# Whatever the browser left (on a failure): the member's things first.
		for s in $(mos server list -f value -c ID 2>/dev/null); do server_delete mos "$s" >/dev/null 2>&1; done
		for f in $(mos floating ip list -f value -c ID 2>/dev/null); do mos floating ip delete "$f" >/dev/null 2>&1; done
		for r in $(mos router list -f value -c ID 2>/dev/null); do
			for sn in $(mos subnet list -f value -c ID 2>/dev/null); do mos router remove subnet "$r" "$sn" >/dev/null 2>&1; done
			mos router delete "$r" >/dev/null 2>&1
		done
		for n in $(mos network list -f value -c ID -c Name 2>/dev/null | awk '$2 != "public" {print $1}'); do mos network delete "$n" >/dev/null 2>&1; done
		aos network delete "$OTHER_NET" >/dev/null 2>&1
		aos user delete "$U" >/dev/null 2>&1
		aos project delete "$P1" "$P2" >/dev/null 2>&1
	fi
	lab_tier_end dashboard_browser
}
trap cleanup EXIT
trap 'exit 1' TERM INT

t_tools() {
	local missing=""
	[ -x /usr/bin/chromium ] || missing="$missing chromium"
	[ -x /usr/bin/chromedriver ] || missing="$missing chromium-driver"
	/usr/bin/python3 -c 'import selenium' 2>/dev/null || missing="$missing python3-selenium"
	[ -z "$missing" ] || { echo "missing (tools/deps --test installs them):$missing"; return 1; }
}
check "the browser and its driver are installed" t_tools || { echo "1..1"; exit 1; }
check "the 3-node lab is up" lab_up || { echo "1..2"; exit 1; }

# The member: two projects with the member role. Another project's
# network the member must never see. A server whose name is HTML (no NIC:
# it needs no network).
t_users() {
	(umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$WORK/pw")
	aos project create "$P1" >/dev/null && aos project create "$P2" >/dev/null &&
		aos user create --password "$(cat "$WORK/pw")" "$U" >/dev/null &&
		aos role add --project "$P1" --user "$U" member && aos role add --project "$P2" --user "$U" member &&
		aos network create "$OTHER_NET" >/dev/null &&
		mos server create --image basalt-test --flavor m1.nano --nic none "$XSS_NAME" >/dev/null
}
check "a member of two projects, another project's network, a server named as HTML" t_users

mkdir -p "$SHOTS"
URL_=$(. "$LAB_DIR/admin-openrc" && echo "${OS_AUTH_URL%/v3}")
DASH_URL=$URL_ DASH_USER=$U DASH_PASSWORD=$(cat "$WORK/pw") DASH_PROJECT=$P1 DASH_PROJECT2=$P2 \
	ADMIN_PASSWORD=$(. "$LAB_DIR/admin-openrc" && echo "$OS_PASSWORD") EXT_NET=public IMAGE=basalt-test \
	FLAVOR=m1.nano XSS_NAME=$XSS_NAME SHOTS=$SHOTS OTHER_NET=$OTHER_NET \
	in_ctl timeout 900 /usr/bin/python3 tests/browser/dashboard.py >"$WORK/browser.tap" 2>"$WORK/browser.err"
rc=$?
grep -v '^1\.\.' "$WORK/browser.tap"
NB=$(grep -cE '^(ok|not ok) - ' "$WORK/browser.tap")
TAP_N=$((TAP_N + NB))
if [ "$rc" != 0 ] && ! grep -q '^not ok' "$WORK/browser.tap"; then
	not_ok "the browser test ran to its end (exit $rc)"
	grep -vE '^#[0-9]+ 0x|^Stacktrace:|^$' "$WORK/browser.err" | tail -n 25 | sed 's/^/#   /'
else
	ok "the browser test ran to its end"
fi

# What the browser did, seen by the CLI: nothing of the member's is left.
t_nothing_left() {
	local left
	left=$(mos server list -f value -c Name; mos router list -f value -c Name; mos floating ip list -f value -c ID
		mos network list -f value -c Name | grep -v '^public$')
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
check "the openstack CLI sees nothing of the member's left" t_nothing_left
echo "1..$TAP_N"
