#!/usr/bin/env bash
# tests/pg/migrate.sh - moving a cloud from SQLite to PostgreSQL with
# basaltd db export / db import (docs/install.md): a populated SQLite
# controller is stopped and exported, the document imported into a fresh
# PostgreSQL database (throwaway cluster, tests/pg.sh), and a controller
# on PostgreSQL with the same state dir (keys) serves the same resources,
# takes the old tokens, and goes on writing above the old revision.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
DB=sqlite
. tests/lib.sh

plan 8
trap 'rm -f "${DUMP:-}" "${DUMP2:-}"; cleanup_controller' EXIT

start_controller || { not_ok "start a SQLite controller"; exit 1; }
T=$(admin_token)
# post PATH BODY: a create as admin; prints the body.
post() { curl -s --max-time 60 -H "X-Auth-Token: $T" -H 'Content-Type: application/json' -d "$2" "$URL$1"; }
get() { curl -s --max-time 60 -H "X-Auth-Token: $T" "$URL$1"; }
post /v3/projects '{"project": {"name": "mig-p", "tags": ["a", "b"]}}' >/dev/null
post /v3/users '{"user": {"name": "mig-u", "password": "pw-secret-1"}}' >/dev/null
net=$(post /network/v2.0/networks '{"network": {"name": "mig-net"}}' | jfield network | jfield id)
post /network/v2.0/subnets '{"subnet": {"network_id": "'"$net"'", "cidr": "10.90.0.0/24", "ip_version": 4}}' >/dev/null
post /network/v2.0/ports '{"port": {"network_id": "'"$net"'", "name": "mig-port"}}' >/dev/null
post /compute/v2.1/flavors '{"flavor": {"name": "mig-f", "vcpus": 1, "ram": 64, "disk": 1}}' >/dev/null
# what a client sees, in a stable order
view() {
	{
		get /v3/projects | python3 -c 'import json,sys; [print("project", p["name"], p["domain_id"], sorted(p.get("tags", []))) for p in sorted(json.load(sys.stdin)["projects"], key=lambda p: p["name"])]'
		get /v3/users | python3 -c 'import json,sys; [print("user", u["name"], u["id"]) for u in sorted(json.load(sys.stdin)["users"], key=lambda u: u["name"])]'
		get /network/v2.0/ports | python3 -c 'import json,sys; [print("port", p["id"], p["name"], p["mac_address"], [i["ip_address"] for i in p["fixed_ips"]]) for p in sorted(json.load(sys.stdin)["ports"], key=lambda p: p["id"])]'
		get /network/v2.0/networks | python3 -c 'import json,sys; [print("network", n["id"], n["name"], n["provider:segmentation_id"]) for n in sorted(json.load(sys.stdin)["networks"], key=lambda n: n["id"])]'
		get /compute/v2.1/flavors | python3 -c 'import json,sys; [print("flavor", f["id"], f["name"]) for f in sorted(json.load(sys.stdin)["flavors"], key=lambda f: f["id"])]'
	}
}
before=$(view)
check "the SQLite cloud holds what was made" expect_line "view" "$before" "user mig-u $(get '/v3/users?name=mig-u' | python3 -c 'import json,sys; print(json.load(sys.stdin)["users"][0]["id"])')"
rev_before=$(sqlite3 "$STATE/basalt.db" 'SELECT revision FROM meta')
stop_controller

DUMP=$(mktemp /tmp/basalt-dump.XXXXXX) && rm -f "$DUMP"
check "db export of the stopped SQLite controller" "$BASALTD" --config "$CONF" db export "$DUMP"
t_doc() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["format"] == "basalt-db", d["format"]
t = d["tables"]; ports = t["port"]; i = ports["columns"].index("name")
assert "mig-port" in [r[i] for r in ports["rows"]], ports["rows"]
assert int(t["meta"]["rows"][0][t["meta"]["columns"].index("revision")]) == int(sys.argv[2])' "$DUMP" "$rev_before"
}
check "the document holds every table, the port and the revision" t_doc

# The same state dir (token and credential keys), PostgreSQL's database.
db_url_pg() { DB=postgresql; db_url "$STATE"; }
db_url_pg || { not_ok "a PostgreSQL database"; exit 1; }
sed -i "s|^connection = .*|connection = ${DB_URL//&/\\&}|" "$CONF"
check "db import into a fresh PostgreSQL database" "$BASALTD" --config "$CONF" db import "$DUMP"
run_controller || { not_ok "a controller on PostgreSQL"; exit 1; }
t_same() {
	local after
	after=$(view)
	[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after"); return 1; }
}
check "the controller on PostgreSQL serves the same projects, users, networks, ports, flavors (and takes the old token)" t_same
t_write() {
	local out rev
	out=$(post /network/v2.0/ports '{"port": {"network_id": "'"$net"'", "name": "mig-port2"}}')
	[ "$(jfield port <<<"$out" | jfield name)" = mig-port2 ] || { echo "create: $out"; return 1; }
	rev=$(pg_psql "$(sed -E 's|^postgresql:///([^?]*).*|\1|' <<<"$DB_URL")" -At -c 'SELECT revision FROM meta')
	[ "$rev" -gt "$rev_before" ] || { echo "revision $rev, was $rev_before"; return 1; }
}
check "it writes on, above the imported revision" t_write
# Never into a store that has been written: it would merge two clouds.
stop_controller
t_refused() {
	local out rc=0
	out=$("$BASALTD" --config "$CONF" db import "$DUMP" 2>&1) || rc=$?
	expect_eq "exit status" "$rc" 1 &&
		grep -q "db import: the target store is not new (revision [0-9]*): import into a new, empty database" <<<"$out" ||
		{ echo "$out"; return 1; }
}
check "db import into a store that has had writes is refused, with why" t_refused
run_controller || { not_ok "the controller on PostgreSQL again"; exit 1; }
t_kept() { get /network/v2.0/ports | grep -q mig-port2 || { echo "mig-port2 is gone"; return 1; }; }
check "the refused import changed nothing (the later port is there)" t_kept
