# shellcheck shell=bash
# tests/lab/client.bash - sourced by the lab tiers: the lab a tier runs on,
# the openstack client as the lab's users run it, and servers created and
# deleted with a wait.

# lab_tier NAME PREFIX: the tier's work directory WORK (under /tmp, 711:
# the agents' dnsmasq, as nobody, reaches its files in the lab) and its
# lab, exported as LAB_PREFIX and LAB_DIR (and BUILD): with LAB_SHARED=1
# (tests/run) the 3-node lab of LAB_PREFIX/LAB_DIR, up already, which stays
# up; otherwise a lab of its own beside a developer's (LAB_PREFIX=PREFIX,
# LAB_DIR=$WORK/lab), which lab_up brings up and lab_tier_end takes down.
# T0 is the tier's start (SECONDS).
lab_tier() {
	WORK=$(mktemp -d "/tmp/basalt-$1.XXXXXX")
	chmod 711 "$WORK"
	if [ "${LAB_SHARED:-}" = 1 ]; then
		: "${LAB_PREFIX?LAB_SHARED needs LAB_PREFIX}" "${LAB_DIR:?LAB_SHARED needs LAB_DIR}"
	else
		LAB_PREFIX=$2 LAB_DIR=$WORK/lab
	fi
	export LAB_PREFIX LAB_DIR BUILD
	T0=$SECONDS
}
# lab_tier_end NAME: the end of the tier's EXIT trap: KEEP_LOGS=DIR keeps
# the nodes' logs and configs for a post-mortem; the tier's own lab goes
# down; its time as a comment; WORK removed.
lab_tier_end() {
	[ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp -r "$LAB_DIR"/. "$KEEP_LOGS"/ 2>/dev/null
	if [ "${LAB_SHARED:-}" != 1 ]; then
		tools/lab down >"$WORK/down.log" 2>&1 || { echo "# tools/lab down:"; sed 's/^/#   /' "$WORK/down.log"; }
	fi
	echo "# $1: $((SECONDS - T0)) s"
	rm -rf "$WORK"
}
# lab_up: the tier's own 3-node lab comes up (at most 600 s; else the end
# of its log), or the shared one is there: 1 if there is no admin-openrc.
lab_up() {
	if [ "${LAB_SHARED:-}" != 1 ]; then
		timeout 600 tools/lab up --nodes 3 >"$WORK/up.log" 2>&1 || { tail -n 30 "$WORK/up.log"; return 1; }
	fi
	[ -f "$LAB_DIR/admin-openrc" ] || { echo "no $LAB_DIR/admin-openrc"; return 1; }
}

# lab_os [OS_VAR=VALUE...] ARGS...: openstack in the controller's network
# namespace as the lab's admin (OS_VAR=VALUE: in place of the admin's,
# e.g. OS_USERNAME=demo), at most 90 s. As `tools/lab exec controller
# openstack`, but in this mount namespace: ip netns exec makes one of its
# own, where tests/run's openstack (tests/osc: the client loaded once and
# forked per call) falls back to /usr/bin/openstack and every call started
# the client cold, 2-3 s of CPU; nsenter --net keeps the zygote.
lab_os() {
	(
		# shellcheck disable=SC1091
		. "${LAB_DIR:?}/admin-openrc" || exit 1
		while [[ ${1:-} == OS_*=* ]]; do export "${1?}"; shift; done
		exec timeout 90 nsenter --net="/run/netns/${LAB_PREFIX:-}controller" openstack "$@"
	)
}

# Waits as `openstack server create/delete --wait`, but polling every
# second: the client's --wait sleeps 5 s between its polls (osc_lib's
# wait_for_status and wait_for_delete), so each wait idled up to 5 s after
# the server was there or gone.
#   CLI: the tier's openstack function and its arguments, one word list
#   ("aos", "dos", "pos alpha").

# server_active CLI SERVER...: every SERVER ACTIVE (in turn); 1 at ERROR
# (with its fault) or after 300 s.
server_active() {
	local cli=$1 s st end; shift
	for s in "$@"; do
		end=$((SECONDS + 300))
		while :; do
			st=$($cli server show "$s" -f value -c status) || return 1
			case $st in
			ACTIVE) break ;;
			ERROR) echo "$s: ERROR: $($cli server show "$s" -f value -c fault)"; return 1 ;;
			esac
			[ $SECONDS -lt $end ] || { echo "$s: still $st after 300 s"; return 1; }
			sleep 1
		done
	done
}

# server_delete CLI SERVER...: delete them, then wait until each is gone
# (server show: "No server with a name or ID of ... exists."); 1 if one
# goes to ERROR, the CLI fails otherwise, or it is there after 300 s.
server_delete() {
	local cli=$1 s out end; shift
	$cli server delete "$@" || return 1
	for s in "$@"; do
		end=$((SECONDS + 300))
		while out=$($cli server show "$s" -f value -c status 2>&1); do
			[ "$out" != ERROR ] || { echo "$s: ERROR while deleting"; return 1; }
			[ $SECONDS -lt $end ] || { echo "$s: still $out 300 s after its delete"; return 1; }
			sleep 1
		done
		case $out in *"No server with a name or ID of"*) ;; *) echo "$out"; return 1 ;; esac
	done
}
