#!/usr/bin/env bash
# tests/pg/unit_store.sh - the store's unit tests (unit_store, unit_ipam,
# unit_revoke) on PostgreSQL: each binary gets a fresh database of a
# throwaway cluster (tests/pg.sh) through BASALT_TEST_DB_URL. TAP: one
# plan per binary, as cmocka prints them.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
trap pg_stop EXIT

pg_start || { plan 1; not_ok "start a PostgreSQL cluster"; exit 1; }
rc=0
for u in store ipam revoke; do
	url=$(pg_createdb "unit_$u") || { plan 1; not_ok "createdb unit_$u"; rc=1; continue; }
	BASALT_TEST_DB_URL=$url CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$BUILD/tests/unit_$u" || rc=1
done
exit $rc
