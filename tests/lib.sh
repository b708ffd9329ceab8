# tests/lib.sh - shared helpers for the shell test tiers (sourced).
#
# Each tier prints TAP-style lines, "ok - NAME" or "not ok - NAME", which
# tests/run counts. BUILD is the build directory under test.

: "${BUILD:?BUILD must name the build directory}"
BUILD=$(cd "$BUILD" && pwd)
BASALTD="$BUILD/basaltd"
BASALT="$BUILD/basalt"
ADMIN_PASSWORD=admin-secret-pw

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# check NAME CMD...: run CMD, report ok/not ok under NAME.
check() {
	local name=$1; shift
	if "$@" >/tmp/basalt-check.$$ 2>&1; then ok "$name"; else
		not_ok "$name"; sed 's/^/#   /' /tmp/basalt-check.$$ | tail -n 20; fi
	rm -f /tmp/basalt-check.$$
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_controller: fresh state dir and config, bootstrap, start basaltd on
# a free loopback port; exports STATE, CONF, PORT, URL, CTRL_PID and the
# OS_* variables of the bootstrap admin.
start_controller() {
	STATE=$(mktemp -d /tmp/basalt-test.XXXXXX)
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	CONF="$STATE/basalt.conf"
	cat >"$CONF" <<EOC
[DEFAULT]
state_dir = $STATE
log_level = ${LOG_LEVEL:-info}
[api]
listen = 127.0.0.1:$PORT
[identity]
password_hash_opslimit = 1
password_hash_memlimit_kib = 8192
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
