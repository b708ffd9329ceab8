#!/usr/bin/env bash
# tests/ops/reload.sh - basaltd answers SIGHUP by reading its config again:
# log_level changes at once, other changed options are named as needing a
# restart, a file that no longer loads changes nothing, and the daemon
# keeps serving throughout. Log lines name the node.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source tests/lib.sh
plan 5

trap cleanup_controller EXIT
start_controller || { not_ok "controller starts"; exit 1; }
LOG=$STATE/basaltd.log

# wait_log TEXT: the log gains a line with TEXT within 5 s.
wait_log() {
	for _ in $(seq 1 50); do grep -q -- "$1" "$LOG" && return 0; sleep 0.1; done
	echo "no '$1' in the log:"; tail -n 5 "$LOG"; return 1
}

check "log lines name the node" bash -c "grep -q ' INFO $(hostname) ' '$LOG' ||
	grep -q ' INFO localhost ' '$LOG'"

t_level() {
	sed -i 's/^log_level = .*/log_level = debug/' "$CONF"
	kill -HUP "$CTRL_PID" && wait_log "reload: $CONF read again: log_level debug" || return 1
	curl -sf "$URL/v3" >/dev/null || return 1
	wait_log " DEBUG " && kill -0 "$CTRL_PID"
}
check "SIGHUP: log_level debug takes effect without a restart" t_level

t_restart_needed() {
	printf '[quota]\ninstances = 7\n' >>"$CONF"
	kill -HUP "$CTRL_PID" && wait_log "reload: \[quota\] instances changed: it takes effect at the next restart"
}
check "SIGHUP: another changed option is named as needing a restart" t_restart_needed

t_bad_file() {
	cp "$CONF" "$STATE/good.conf"
	printf '[nosuch]\nthing = 1\n' >>"$CONF"
	kill -HUP "$CTRL_PID" && wait_log "does not load: nothing changed" || return 1
	cp "$STATE/good.conf" "$CONF"
	kill -0 "$CTRL_PID" && curl -sf "$URL/v3" >/dev/null
}
check "SIGHUP with a broken file changes nothing and keeps serving" t_bad_file

t_term() {
	kill -TERM "$CTRL_PID" && wait "$CTRL_PID"
	local rc=$?
	CTRL_PID=
	expect_eq "exit status after SIGTERM" "$rc" 0 && wait_log "shutting down"
}
check "SIGTERM still stops it cleanly" t_term
sanitizer_free "$LOG"
