# tests/lib.sh - shared helpers for the shell test tiers (sourced).
#
# Each tier prints TAP, which tests/run counts: a plan (plan N first, or
# done_testing last) and "ok - NAME" / "not ok - NAME" lines (ok, not_ok,
# check, check_refused, skip). A negative check asserts the exact status and
# message (check_refused, http_refused), never only that a command failed.
# BUILD is the build directory under test. DB picks the store back end of
# the controllers start_controller makes: sqlite (default) or postgresql
# (each controller gets a fresh database in one throwaway cluster that
# this shell starts on first use and cleanup_controller stops: tests/pg.sh).

: "${BUILD:?BUILD must name the build directory}"
DB=${DB:-sqlite}
case $DB in sqlite|postgresql) ;; *) echo "lib.sh: DB=$DB: sqlite or postgresql" >&2; exit 1 ;; esac
. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
BUILD=$(cd "$BUILD" && pwd)
BASALTD="$BUILD/basaltd"
BASALT="$BUILD/basalt"
ADMIN_PASSWORD=admin-secret-pw

# TAP lines. TAP_N counts them (in this shell) for done_testing.
TAP_N=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok - $*"; }
# skip NAME REASON: a check that did not run; tests/run counts it as a skip
# (never a pass), and in CI a skip fails the run.
skip() { TAP_N=$((TAP_N + 1)); echo "ok - $1 # SKIP $2"; }
# plan N: the TAP plan, printed first: this tier runs N checks. tests/run
# fails a tier whose ok/not ok lines do not add up to N (one that died
# half-way, or left a part out in silence).
plan() { echo "1..$1"; }
# done_testing: the plan printed last, for a tier whose count depends on
# what it finds (the checks counted by TAP_N): the last line of the tier,
# never in an EXIT trap, so a tier that dies half-way prints no plan.
done_testing() { echo "1..$TAP_N"; }
# skip_tier REASON: the whole tier cannot run here (one skip), then exit 0.
skip_tier() { echo "1..0 # SKIP $*"; exit 0; }
# check NAME CMD...: run CMD, report ok/not ok under NAME; returns CMD's
# status (0 on ok).
check() {
	local name=$1 out rc=0; shift
	out=$(mktemp /tmp/basalt-check.XXXXXX)
	"$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then ok "$name"; else
		not_ok "$name"; sed 's/^/#   /' "$out" | tail -n 20; fi
	rm -f "$out"
	return "$rc"
}

# refused STATUS REGEX CLI ARGS...: CLI (openstack, basalt, or a function
# passing its arguments to one, e.g. os, dos) is refused the way expected,
# not failing for another reason: run with --debug (unless ARGS has it),
# it must exit 1 (or 2 for STATUS "usage"), the last error response it got
# (RESP: >= 400) must be STATUS, and its message (the output without the
# debug lines that echo the request) must match the extended REGEX.
#   STATUS  an HTTP status: the last response >= 400 was that one;
#           "-": the CLI refused by itself: the last response it got (if
#           any) was a success (e.g. --wait saw the server go to ERROR);
#           "usage": a usage error (exit 1 or 2), no error response.
# A crash is not a refusal: a signal, a timeout, a sanitizer report, or an
# openstack CLI that ended on a Python error (the exception before cliff's
# clean_up is not one of the clients' API or command errors) fails it.
refused() {
	local want=$1 re=$2 cli=$3 out rc=0 got msg exc; shift 3
	case " $* " in *" --debug "*) out=$("$cli" "$@" 2>&1) || rc=$? ;;
	*) out=$("$cli" --debug "$@" 2>&1) || rc=$? ;; esac
	local all last
	# responses: "RESP: [409] ..." (openstack), "RESP: 409 (...)" (basalt),
	# and keystoneauth's own "Request returned failure status: 401"
	all=$(sed -nE 's/^RESP: \[?([0-9]{3})[] ].*/\1/p; s/^Request returned failure status: ([0-9]{3})$/\1/p' <<<"$out")
	got=$(awk '$1 >= 400' <<<"$all" | tail -n 1) last=$(tail -n 1 <<<"$all")
	msg=$(grep -vE '^(REQ: |START with options|Using parameters|command: )|curl -g -i' <<<"$out")
	exc=$(grep -B1 '^clean_up ' <<<"$out" | head -n 1)
	local why=""
	case $want in
	usage) [ "$rc" = 1 ] || [ "$rc" = 2 ] || why="exit status $rc, expected 1 or 2 (usage)"
		[ -z "$got" ] || why+="${why:+; }got HTTP $got, expected no error response" ;;
	-) [ "$rc" = 1 ] || why="exit status $rc, expected 1"
		[ -z "$last" ] || [ "$last" -lt 400 ] || why+="${why:+; }the last response was HTTP $last, expected none or a success" ;;
	*) [ "$rc" = 1 ] || why="exit status $rc, expected 1"
		[ "$got" = "$want" ] || why+="${why:+; }last error response HTTP ${got:-none}, expected $want" ;;
	esac
	grep -qE -- "$re" <<<"$msg" || why+="${why:+; }no message matching /$re/"
	grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' <<<"$out" &&
		why+="${why:+; }a sanitizer report"
	if grep -q '^clean_up ' <<<"$out" &&
		! grep -qE '^([a-z -]+: error: |(keystoneauth1\.exceptions|openstack\.exceptions|osc_lib\.exceptions|novaclient\.exceptions|glanceclient\.exc|neutronclient\.common\.exceptions|keystoneclient\.exceptions)\.)' <<<"$exc"; then
		why+="${why:+; }the CLI crashed: ${exc:-no exception line}"
	fi
	[ -z "$why" ] && return 0
	echo "$cli $*: $why; its output:"
	grep -E '^RESP: |^RESP BODY: ' <<<"$out" | tail -n 4 | cut -c1-300
	grep -vE '^(REQ: |RESP|Using parameters|  File |    |auth_config_hook|\{"token"|http://)' <<<"$out" | tail -n 8
	return 1
}
# check_refused NAME STATUS REGEX CLI ARGS...: check NAME refused ...
check_refused() { local name=$1; shift; check "$name" refused "$@"; }

# http_refused STATUS REGEX CURL-ARGS...: one HTTP request with curl (the
# URL and options in CURL-ARGS) answers exactly STATUS with a Keystone-style
# error body whose message matches REGEX.
http_refused() {
	local want=$1 re=$2 out st; shift 2
	out=$(curl -s --max-time 30 -w '\n%{http_code}' "$@") || { echo "curl failed: $?"; return 1; }
	st=${out##*$'\n'} out=${out%$'\n'*}
	[ "$st" = "$want" ] || { echo "HTTP $st, expected $want: $out"; return 1; }
	python3 -c 'import json,re,sys
e=json.loads(sys.argv[1])
m=e.get("error",{}).get("message") if isinstance(e.get("error"),dict) else None
m=m or e.get("message") or next((v.get("message") for v in e.values() if isinstance(v,dict) and v.get("message")),None)
sys.exit(0 if m and re.search(sys.argv[2],m) else "message %r does not match /%s/" % (m,sys.argv[2]))' "$out" "$re" ||
		{ echo "body: $out"; return 1; }
}

# procs_in DIR: "PID COMMAND" of each process that names DIR on its command
# line or runs in it: a confined QEMU starts in its instance directory with
# relative paths, so only its working directory tells where it belongs.
procs_in() {
	local d=${1%/} p cwd
	[ -n "$d" ] || return 1
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] || [ "${p#/proc/}" = "$BASHPID" ] && continue
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		case $cwd/ in "$d"/*) echo "${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" ;; esac
	done
	pgrep -af -- "$d/" | grep -v "^$$ "
}
# qemu_in DIR: the pids of the QEMUs of DIR (procs_in), sorted.
qemu_in() { procs_in "$1" | awk '$2 ~ /qemu-system/ {print $1}' | sort -nu; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# db_url STATE: the [database] connection for a new controller whose state
# dir is STATE, and exports DB_URL: SQLite's file in STATE, or (DB=postgresql)
# a fresh database in the shell's cluster, started on first use.
db_url() {
	if [ "$DB" = sqlite ]; then DB_URL="sqlite://$1/basalt.db"; export DB_URL; return 0; fi
	if [ -z "$PG_DIR" ]; then pg_start || return 1; fi
	DB_URL=$(pg_createdb "b$(printf %s "$1" | md5sum | cut -c1-16)") || return 1
	export DB_URL
}

# db_query SQL: SQL on this controller's store (SQLite's file, or the
# PostgreSQL database of DB_URL), for checks the API cannot make; rows one
# per line, columns split by '|' on both back ends.
db_query() {
	if [ "$DB" = sqlite ]; then sqlite3 "$STATE/basalt.db" "$1"
	else "$PG_BIN/psql" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$DB_URL" -c "$1"; fi
}
# db_bytes: all the store holds, as an attacker with the disk reads it
# (SQLite's files with the write-ahead log, or a dump of the database).
db_bytes() {
	if [ "$DB" = sqlite ]; then cat "$STATE"/basalt.db*
	else "$PG_BIN/pg_dump" -d "$DB_URL"; fi
}

# start_controller [CONFIG]: fresh state dir and config (CONFIG, sections
# and keys such as "[compute]\nheartbeat_interval = 2", added at its end),
# bootstrap, start basaltd on a free loopback port; exports STATE, CONF,
# PORT, URL, CTRL_PID, DB_URL and the OS_* variables of the bootstrap admin.
start_controller() {
	STATE=$(mktemp -d /tmp/basalt-test.XXXXXX)
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	CONF="$STATE/basalt.conf"
	db_url "$STATE" || return 1
	cat >"$CONF" <<EOC
[DEFAULT]
state_dir = $STATE
log_level = ${LOG_LEVEL:-info}
[api]
listen = 127.0.0.1:$PORT
[database]
connection = $DB_URL
[identity]
password_hash_opslimit = 1
password_hash_memlimit_kib = 8192
${1:-}
EOC
	"$BASALTD" --config "$CONF" bootstrap --admin-password "$ADMIN_PASSWORD" \
		>"$STATE/bootstrap.log" 2>&1 || { cat "$STATE/bootstrap.log" >&2; return 1; }
	run_controller
	export OS_AUTH_URL="$URL/v3" OS_USERNAME=admin OS_PASSWORD="$ADMIN_PASSWORD" \
		OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default \
		OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3 \
		OS_INTERFACE=public OS_REGION_NAME=RegionOne
}

# run_controller: (re)start basaltd on the existing STATE/CONF.
run_controller() {
	"$BASALTD" --config "$CONF" --role controller >>"$STATE/basaltd.log" 2>&1 &
	CTRL_PID=$!
	for _ in $(seq 1 100); do
		curl -sf "$URL/" >/dev/null 2>&1 && return 0
		kill -0 "$CTRL_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "controller did not start:" >&2
	tail -n 30 "$STATE/basaltd.log" >&2
	return 1
}

stop_controller() {
	[ -n "${CTRL_PID:-}" ] && kill "$CTRL_PID" 2>/dev/null && wait "$CTRL_PID" 2>/dev/null
	CTRL_PID=
	return 0
}

cleanup_controller() {
	stop_controller
	# ASan builds report leaks and errors to the log: surface them.
	if [ -n "${STATE:-}" ] && grep -q "ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error:" "$STATE/basaltd.log" 2>/dev/null; then
		not_ok "controller log free of sanitizer reports"
		grep -A 15 "Sanitizer\|runtime error" "$STATE/basaltd.log" | head -40 | sed 's/^/#   /'
	fi
	[ -n "${STATE:-}" ] && rm -rf "$STATE"
	pg_stop
	return 0
}

# token: print a project-scoped admin token (curl, no client library).
admin_token() {
	curl -si -H 'Content-Type: application/json' "$URL/v3/auth/tokens" -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"'"$ADMIN_PASSWORD"'"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' |
		tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}'
}

# --- helpers for tests through the openstack CLI ---
# os ARGS...: the openstack CLI, bounded in time.
os() { timeout 60 openstack "$@"; }
# field JSON KEY: print KEY of a JSON object on stdin (python3 stdlib).
jfield() { python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if isinstance(v,(list,dict,bool)) or v is None else v)' "$1"; }
# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || { echo "$1: got '$2', expected '$3'"; return 1; }; }
# expect_line WHAT TEXT LINE: TEXT has a line equal to LINE.
expect_line() { grep -qxF -- "$3" <<<"$2" || { echo "$1: no line '$3' in:"; echo "$2"; return 1; }; }
expect_no_line() { ! grep -qxF -- "$3" <<<"$2" || { echo "$1: unexpected line '$3' in:"; echo "$2"; return 1; }; }
# http_status TOKEN PATH: status of an authenticated GET through curl.
http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Auth-Token: $1" "$URL$2"; }


# --- helpers for tests with compute agents ---
# make_service_user: the agents' service user (basalt-agent/agent-pw, admin
# on project "service"), as the install guide makes nova's.
make_service_user() {
	os project create service >/dev/null &&
		os user create --password agent-pw basalt-agent >/dev/null &&
		os role add --project service --user basalt-agent admin
}
# agent_conf HOST VIRT_TYPE FILE: a compute agent's config for this
# controller, its state under $STATE/HOST.
agent_conf() {
	cat >"$3" <<EOC
[DEFAULT]
host = $1
state_dir = $STATE/$1
log_level = info
[agent]
controller_url = $URL
username = basalt-agent
password = agent-pw
project = service
[compute]
virt_type = $2
heartbeat_interval = 2
EOC
}
# sanitizer_free LOG...: not ok (with the report) when a log holds one.
sanitizer_free() {
	local log
	for log in "$@"; do
		grep -q "ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error:" "$log" 2>/dev/null || continue
		not_ok "$(basename "$log") free of sanitizer reports"
		grep -A 15 "Sanitizer\|runtime error" "$log" | head -40 | sed 's/^/#   /'
	done
}
