# tests/pg.sh - a throwaway PostgreSQL cluster for the test tiers (sourced
# by tests/lib.sh; usable alone: it needs nothing else from lib.sh).
#
# pg_start initdb's a cluster in a temp directory and starts it listening
# on a unix socket in that directory only (listen_addresses = '': no TCP
# port, so parallel runs never collide); pg_stop stops it and removes the
# directory. PostgreSQL refuses to run as root: as root the cluster runs
# as the unprivileged user PG_USER (Debian's postgresql package makes
# "postgres"), otherwise as the caller. fsync is off: a test cluster dies
# with its test, durability is not what it checks.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${PG_USER:-postgres}
PG_DIR=

# pg_as CMD...: run CMD as the cluster's owner.
pg_as() {
	if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

# pg_start: start the cluster; exports PG_DIR (its socket directory too).
pg_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "pg_start: no $PG_BIN/initdb (tools/deps --test installs postgresql)" >&2; return 1; }
	PG_DIR=$(mktemp -d /tmp/basalt-pg.XXXXXX) || return 1
	[ "$(id -u)" = 0 ] && chown "$PG_USER" "$PG_DIR"
	# -U basalt: the superuser the tests connect as; C collation so text
	# sorts by bytes, as SQLite sorts it.
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U basalt --auth=trust -E UTF8 --locale=C \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >"$PG_DIR/pg_ctl.log" 2>&1 || { cat "$PG_DIR/pg_ctl.log" "$PG_DIR/server.log" >&2; return 1; }
	export PG_DIR
}

# pg_createdb NAME: a fresh empty database; prints its connection URL.
pg_createdb() {
	"$PG_BIN/createdb" -h "$PG_DIR" -U basalt "$1" || return 1
	echo "postgresql:///$1?host=$PG_DIR&user=basalt"
}

# pg_psql DB ARGS...: psql on database DB of the cluster.
pg_psql() { local db=$1; shift; "$PG_BIN/psql" -X -q -h "$PG_DIR" -U basalt -d "$db" "$@"; }

# pg_stop: stop the cluster (immediate: nothing in it is kept) and remove
# it; with PG_LOG=FILE, the server's log (every failed statement) is
# appended to FILE first.
pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	[ -n "${PG_LOG:-}" ] && cat "$PG_DIR/server.log" >>"$PG_LOG"
	rm -rf "$PG_DIR"
	PG_DIR=
}
