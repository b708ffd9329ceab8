#!/usr/bin/env bash
# tests/durability/kill9_users.sh - acknowledged writes survive kill -9.
#
# Two writers create users through POST /v3/users and record every id the
# API answered 201; after a random 1-3 s the controller is killed with
# SIGKILL, restarted on the same state, and every recorded user must exist,
# the store must pass integrity_check and hold no half-written rows. Twice.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 22 # 11 checks in each of 2 rounds
export LOG_LEVEL=warning
WORK=$(mktemp -d /tmp/basalt-kill9.XXXXXX)
WRITERS=
cleanup() {
	local w
	for w in $WRITERS; do kill "$w" 2>/dev/null; done
	cleanup_controller
	rm -rf "$WORK"
}
trap cleanup EXIT

start_controller || { not_ok "start controller"; exit 1; }
DB="$STATE/basalt.db"
TOKEN=$(admin_token)
[ -n "$TOKEN" ] || { not_ok "admin token"; exit 1; }

# writer ROUND W: create users until the controller stops answering, 25 s
# pass or 300 were made; append "id name" of every 201 to $WORK/ok.R.W.
writer() {
	local round=$1 w=$2 i code body id end=$((SECONDS + 25))
	for i in $(seq 1 300); do
		[ "$SECONDS" -lt "$end" ] || break
		body=$(curl -s --max-time 5 -w '\n%{http_code}' -H "X-Auth-Token: $TOKEN" \
			-H 'Content-Type: application/json' "$URL/v3/users" \
			-d '{"user":{"name":"k9-'"$round-$w-$i"'","domain_id":"default","password":"pw-'"$i"'","email":"k9-'"$i"'@example.org"}}')
		[ $? -eq 0 ] || break # refused, or the answer was cut: the controller is gone
		code=${body##*$'\n'}
		case $code in
		201)
			id=$(grep -o '"id": *"[^"]*"' <<<"${body%$'\n'*}" | head -n 1 | sed 's/.*"\([^"]*\)"$/\1/')
			if [ -n "$id" ]; then echo "$id k9-$round-$w-$i" >>"$WORK/ok.$round.$w"
			else echo "201 without a user id: ${body%$'\n'*}" >>"$WORK/err.$round.$w"; fi
			;;
		*) echo "$code ${body%$'\n'*}" >>"$WORK/err.$round.$w" ;;
		esac
	done
}

sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

round() {
	local r=$1 w pids=
	: >"$WORK/ok.$r.1"; : >"$WORK/ok.$r.2"
	writer "$r" 1 & pids="$pids $!"
	writer "$r" 2 & pids="$pids $!"
	WRITERS=$pids
	sleep "$(python3 -c 'import random; print(round(random.uniform(1, 3), 2))')"
	local acked_before_kill; acked_before_kill=$(cat "$WORK/ok.$r".* | wc -l)
	kill -9 "$CTRL_PID"
	wait "$CTRL_PID" 2>/dev/null
	CTRL_PID=
	for w in $pids; do wait "$w"; done
	WRITERS=
	cat "$WORK/ok.$r".* >>"$WORK/all"
	local n; n=$(cat "$WORK/ok.$r".* | wc -l)
	if [ "$n" -gt 0 ] && [ "$acked_before_kill" -gt 0 ]; then
		ok "round $r: $n users answered 201 before kill -9"
	else
		not_ok "round $r: users answered 201 before kill -9 (got $n)"
		cat "$WORK/err.$r".* 2>/dev/null | head -5 | sed 's/^/#   /'
	fi
	if [ -s "$WORK/err.$r.1" ] || [ -s "$WORK/err.$r.2" ]; then
		not_ok "round $r: no error answers while writing"
		cat "$WORK/err.$r".* | head -5 | sed 's/^/#   /'
	else
		ok "round $r: no error answers while writing"
	fi

	if run_controller; then ok "round $r: controller restarts after kill -9"; else
		not_ok "round $r: controller restarts after kill -9"; return 1; fi
	TOKEN=$(admin_token)

	# every acknowledged user (of this and earlier rounds) is there, by id and name
	local missing=0 id name got
	while read -r id name; do
		got=$(curl -s --max-time 5 -w '\n%{http_code}' -H "X-Auth-Token: $TOKEN" "$URL/v3/users/$id")
		if [ "${got##*$'\n'}" != 200 ] || ! grep -q "\"name\": *\"$name\"" <<<"$got"; then
			missing=$((missing + 1))
			[ "$missing" -le 5 ] && echo "#   user $id ($name): ${got//$'\n'/ }"
		fi
	done <"$WORK/all"
	local total; total=$(wc -l <"$WORK/all")
	if [ "$missing" -eq 0 ]; then ok "round $r: all $total acknowledged users exist after restart"
	else not_ok "round $r: $missing of $total acknowledged users lost after restart"; fi

	local ic; ic=$(sql 'PRAGMA integrity_check;' 2>&1)
	if [ "$ic" = ok ]; then ok "round $r: sqlite integrity_check"; else
		not_ok "round $r: sqlite integrity_check"; echo "$ic" | head -5 | sed 's/^/#   /'; fi
	local fk; fk=$(sql 'PRAGMA foreign_key_check;' 2>&1)
	if [ -z "$fk" ]; then ok "round $r: sqlite foreign_key_check"; else
		not_ok "round $r: sqlite foreign_key_check"; echo "$fk" | head -5 | sed 's/^/#   /'; fi

	# no half-written rows
	local q res
	q="SELECT
	 (SELECT count(*) FROM users WHERE domain_id IS NULL OR domain_id NOT IN (SELECT id FROM domain)),
	 (SELECT count(*) - count(DISTINCT domain_id || '/' || name) FROM users),
	 (SELECT count(*) FROM users WHERE name LIKE 'k9-%' AND (password_hash IS NULL OR password_hash = '' OR email IS NULL OR revision IS NULL)),
	 (SELECT count(*) FROM users WHERE id IS NULL OR length(id) <> 32),
	 (SELECT count(*) FROM users WHERE revision > (SELECT revision FROM meta));"
	res=$(sql "$q" 2>&1)
	if [ "$res" = "0|0|0|0|0" ]; then ok "round $r: no half-written user rows"; else
		not_ok "round $r: no half-written user rows"
		echo "#   orphan-domain|duplicate-names|missing-fields|bad-ids|revision-ahead-of-meta = $res"
	fi
	local k9 dbn apin
	k9=$(sql "SELECT count(*) FROM users WHERE name LIKE 'k9-%';")
	if [ "$k9" -ge "$total" ]; then ok "round $r: store holds >= acknowledged users ($k9 >= $total)"; else
		not_ok "round $r: store holds >= acknowledged users ($k9 < $total)"; fi
	dbn=$(sql "SELECT count(*) FROM users;")
	apin=$(curl -s --max-time 10 -H "X-Auth-Token: $TOKEN" "$URL/v3/users" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)["users"]))' 2>&1)
	if [ "$dbn" = "$apin" ]; then ok "round $r: GET /v3/users lists every stored user ($dbn)"; else
		not_ok "round $r: GET /v3/users lists $apin users, the store holds $dbn"; fi

	# the store is writable again and a recovered user can log in
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Auth-Token: $TOKEN" \
		-H 'Content-Type: application/json' "$URL/v3/users" \
		-d '{"user":{"name":"after-'"$r"'","domain_id":"default"}}')
	if [ "$code" = 201 ]; then ok "round $r: store writable after restart"; else
		not_ok "round $r: store writable after restart (POST /v3/users -> $code)"; fi
	read -r id name < <(tail -n 1 "$WORK/all")
	local i=${name##*-}
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' "$URL/v3/auth/tokens" \
		-d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"'"$id"'","password":"pw-'"$i"'"}}}}}')
	if [ "$code" = 201 ]; then ok "round $r: last acknowledged user authenticates"; else
		not_ok "round $r: last acknowledged user ($name) authenticates (-> $code)"; fi
}

: >"$WORK/all"
round 1
round 2
exit 0
