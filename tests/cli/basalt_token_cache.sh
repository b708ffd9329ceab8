#!/usr/bin/env bash
# tests/cli/basalt_token_cache.sh - the basalt CLI reuses its token between
# commands (one password check, not one per command), but only while the
# identity service accepts it: a revoked token, a wrong password or
# BASALT_TOKEN_CACHE=0 each go back to a real login.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source tests/lib.sh
plan 5

WORK=$(mktemp -d /tmp/basalt-tokcache.XXXXXX)
trap 'cleanup_controller; rm -rf "$WORK"' EXIT
LOG_LEVEL=debug start_controller || { not_ok "controller starts"; exit 1; }
export XDG_CACHE_HOME=$WORK/cache
B=$BASALT
LOG=$STATE/basaltd.log
logins() { grep -c "POST /v3/auth/tokens -> 201" "$LOG"; }

t_reuse() {
	local before after
	before=$(logins)
	"$B" project list >/dev/null && "$B" project list >/dev/null && "$B" user list >/dev/null || return 1
	after=$(logins)
	expect_eq "password logins for three commands" "$((after - before))" 1
}
check "three commands, one password login" t_reuse
check "the cache is private (0700 directory, 0600 files)" bash -c "
	[ \"\$(stat -c %a '$XDG_CACHE_HOME/basalt')\" = 700 ] &&
	! find '$XDG_CACHE_HOME/basalt' -type f ! -perm 600 | grep -q ."
check_refused "a wrong password does not find the right one's token: 401" 401 "requires authentication" \
	env OS_PASSWORD=wrong "$B" --debug project list
t_revoked() {
	local tok before
	tok=$(python3 -c 'import json,glob,sys; print(json.load(open(glob.glob(sys.argv[1] + "/basalt/token-*.json")[0]))["token"])' "$XDG_CACHE_HOME") || return 1
	"$B" token revoke "$tok" || return 1
	before=$(logins)
	"$B" project list >/dev/null || return 1
	expect_eq "logins after the cached token was revoked" "$(($(logins) - before))" 1
}
check "a revoked cached token is dropped and the CLI logs in again" t_revoked
t_off() {
	local before
	before=$(logins)
	BASALT_TOKEN_CACHE=0 "$B" project list >/dev/null && BASALT_TOKEN_CACHE=0 "$B" project list >/dev/null || return 1
	expect_eq "logins with the cache off" "$(($(logins) - before))" 2
}
check "BASALT_TOKEN_CACHE=0: a login per command" t_off
sanitizer_free "$LOG"
