#!/usr/bin/env bash
# tests/cli/openstack_identity.sh - the identity API through the real
# `openstack` CLI (python3-openstackclient): every user-facing identity flow,
# checking what each command printed, not only its exit status.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 25
trap cleanup_controller EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

ADMIN_PROJECT_ID=$(os project show admin -f value -c id 2>/dev/null)
ADMIN_USER_ID=$(os user show admin -f value -c id 2>/dev/null)

# --- tokens -----------------------------------------------------------------
t_token_issue() {
	local j; j=$(os token issue -f json) || return 1
	echo "$j"
	local id exp pid uid
	id=$(jfield id <<<"$j") exp=$(jfield expires <<<"$j")
	pid=$(jfield project_id <<<"$j") uid=$(jfield user_id <<<"$j")
	[ ${#id} -ge 20 ] || { echo "token id too short: '$id'"; return 1; }
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}' <<<"$exp" ||
		{ echo "expires not a timestamp: '$exp'"; return 1; }
	# expires in the future, about an hour away
	python3 - "$exp" <<'EOF' || return 1
import sys, datetime
s = sys.argv[1].replace("Z", "+00:00")
e = datetime.datetime.fromisoformat(s)
if e.tzinfo is None: e = e.replace(tzinfo=datetime.timezone.utc)
left = (e - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
if not 3000 < left < 3700: sys.exit("token expires in %d s, expected about 3600" % left)
EOF
	expect_eq project_id "$pid" "$ADMIN_PROJECT_ID" && expect_eq user_id "$uid" "$ADMIN_USER_ID"
	[ "$(http_status "$id" /v3/projects)" = 200 ] || { echo "issued token refused by the API"; return 1; }
}
check "token issue: id, expires, project_id, user_id" t_token_issue

t_token_revoke() {
	local t s; t=$(os token issue -f value -c id) || return 1
	s=$(http_status "$t" /v3/projects); expect_eq "status before revoke" "$s" 200 || return 1
	os token revoke "$t" || return 1
	s=$(http_status "$t" /v3/projects); expect_eq "status after revoke" "$s" 401 || return 1
	# the CLI's own fresh token still works
	os project list -f value -c Name >/dev/null
}
check "token revoke: the revoked token gets 401" t_token_revoke

t_catalog_list() {
	local out; out=$(os catalog list -f value -c Type) || return 1
	for ty in identity compute image network; do expect_line types "$out" "$ty" || return 1; done
	local j; j=$(os catalog show identity -f json) || return 1
	python3 - "$j" "$URL/v3" <<'PY'
import json, sys
c = json.loads(sys.argv[1])
eps = c["endpoints"]
if isinstance(eps, str):  # older cliff: "RegionOne\n  public: URL\n..."
    got = {l.split(": ", 1)[0].strip(): l.split(": ", 1)[1] for l in eps.splitlines() if ": " in l}
else:
    got = {e["interface"]: e["url"] for e in eps if e.get("region_id", e.get("region")) == "RegionOne"}
want = {i: sys.argv[2] for i in ("public", "internal", "admin")}
if c["type"] != "identity" or got != want:
    sys.exit("identity endpoints %r, expected %r" % (got, want))
PY
}
check "catalog list shows identity, compute, image" t_catalog_list

# --- projects ---------------------------------------------------------------
t_project_create() {
	local j; j=$(os project create --domain default --description "first desc" cli-proj -f json) || return 1
	expect_eq name "$(jfield name <<<"$j")" cli-proj &&
		expect_eq description "$(jfield description <<<"$j")" "first desc" &&
		expect_eq enabled "$(jfield enabled <<<"$j")" true &&
		expect_eq domain_id "$(jfield domain_id <<<"$j")" default || return 1
	P1=$(jfield id <<<"$j")
	grep -Eq '^[0-9a-f]{32}$' <<<"$P1" || { echo "project id '$P1' is not a uuid hex"; return 1; }
}
P1=
check "project create --description" t_project_create

t_project_list() {
	local out; out=$(os project list -f value -c Name) || return 1
	expect_line names "$out" cli-proj && expect_line names "$out" admin
	out=$(os project list -f value -c ID) || return 1
	expect_line ids "$out" "$P1"
}
check "project list shows the new project and admin" t_project_list

t_project_show() {
	local j; j=$(os project show cli-proj -f json) || return 1
	expect_eq id "$(jfield id <<<"$j")" "$P1" && expect_eq description "$(jfield description <<<"$j")" "first desc" || return 1
	j=$(os project show "$P1" -f json) || return 1
	expect_eq "name by id" "$(jfield name <<<"$j")" cli-proj
}
check "project show by name and by id" t_project_show

t_project_set() {
	os project set --description "second desc" cli-proj || return 1
	expect_eq description "$(os project show cli-proj -f value -c description)" "second desc" || return 1
	os project set --disable cli-proj || return 1
	expect_eq "enabled after --disable" "$(os project show cli-proj -f value -c enabled)" False || return 1
	os project set --enable cli-proj || return 1
	expect_eq "enabled after --enable" "$(os project show cli-proj -f value -c enabled)" True || return 1
	os project set --name cli-proj-renamed cli-proj || return 1
	expect_eq "id after rename" "$(os project show cli-proj-renamed -f value -c id)" "$P1" || return 1
	refused 404 "No project with a name or ID of 'cli-proj' exists" os project show cli-proj || return 1
	expect_eq "description survives rename" "$(os project show "$P1" -f value -c description)" "second desc"
}
check "project set --description, --disable, --enable, --name" t_project_set

t_project_delete() {
	os project delete cli-proj-renamed || return 1
	refused 404 "No project with a name or ID of '$P1' exists" os project show "$P1" || return 1
	expect_no_line "list after delete" "$(os project list -f value -c ID)" "$P1"
}
check "project delete, then show fails" t_project_delete

# --- users ------------------------------------------------------------------
os project create --domain default cli-home >/dev/null 2>&1
HOME_PROJECT_ID=$(os project show cli-home -f value -c id 2>/dev/null)

t_user_create() {
	local j; j=$(os user create --domain default --password bob-pw-1 --email bob@example.org \
		--project cli-home cli-bob -f json) || return 1
	echo "$j"
	expect_eq name "$(jfield name <<<"$j")" cli-bob &&
		expect_eq email "$(jfield email <<<"$j")" bob@example.org &&
		expect_eq default_project_id "$(jfield default_project_id <<<"$j")" "$HOME_PROJECT_ID" &&
		expect_eq enabled "$(jfield enabled <<<"$j")" true &&
		expect_eq domain_id "$(jfield domain_id <<<"$j")" default || return 1
	grep -q 'bob-pw-1' <<<"$j" && { echo "password echoed back"; return 1; }
	U1=$(jfield id <<<"$j")
}
U1=
check "user create --password --email --project" t_user_create

t_user_list() {
	local out; out=$(os user list -f value -c Name) || return 1
	expect_line names "$out" cli-bob && expect_line names "$out" admin
}
check "user list" t_user_list

t_user_show() {
	local j; j=$(os user show cli-bob -f json) || return 1
	expect_eq id "$(jfield id <<<"$j")" "$U1" && expect_eq email "$(jfield email <<<"$j")" bob@example.org || return 1
	python3 -c 'import json,sys; u=json.loads(sys.argv[1]); bad=[k for k in ("password", "password_hash") if k in u]; sys.exit("user show exposes %s" % bad if bad else 0)' "$j"
}
check "user show" t_user_show

t_user_set() {
	os user set --email bobby@example.org cli-bob || return 1
	expect_eq email "$(os user show cli-bob -f value -c email)" bobby@example.org || return 1
	# a disabled user cannot get a token
	os role add --project cli-home --user cli-bob member || return 1
	OS_USERNAME=cli-bob OS_PASSWORD=bob-pw-1 OS_PROJECT_NAME=cli-home os token issue -f value -c id >/dev/null ||
		{ echo "enabled user cannot get a token"; return 1; }
	os user set --disable cli-bob || return 1
	expect_eq "enabled after --disable" "$(os user show cli-bob -f value -c enabled)" False || return 1
	OS_USERNAME=cli-bob OS_PASSWORD=bob-pw-1 OS_PROJECT_NAME=cli-home \
		refused 401 "^The request you have made requires authentication\\." os token issue || return 1
	os user set --enable cli-bob || return 1
	expect_eq "enabled after --enable" "$(os user show cli-bob -f value -c enabled)" True
}
check "user set --email, --disable (then no token), --enable" t_user_set

t_user_delete() {
	os user delete cli-bob || return 1
	refused 404 "No user with a name or ID of '$U1' exists" os user show "$U1" || return 1
	expect_no_line "list after delete" "$(os user list -f value -c ID)" "$U1" || return 1
	OS_USERNAME=cli-bob OS_PASSWORD=bob-pw-1 OS_PROJECT_NAME=cli-home \
		refused 401 "^The request you have made requires authentication\\." os token issue
}
check "user delete, then show fails" t_user_delete

t_user_password_set() {
	os user create --domain default --password old-pw-1 cli-pat >/dev/null || return 1
	os role add --project cli-home --user cli-pat member || return 1
	local old_tok
	old_tok=$(OS_USERNAME=cli-pat OS_PASSWORD=old-pw-1 OS_PROJECT_NAME=cli-home os token issue -f value -c id) || return 1
	expect_eq "old token before" "$(http_status "$old_tok" "/v3/projects/$HOME_PROJECT_ID")" 200 || return 1
	OS_USERNAME=cli-pat OS_PASSWORD=old-pw-1 OS_PROJECT_NAME=cli-home \
		os user password set --password new-pw-2 --original-password old-pw-1 || return 1
	OS_USERNAME=cli-pat OS_PASSWORD=old-pw-1 OS_PROJECT_NAME=cli-home \
		refused 401 "^The request you have made requires authentication\\." os token issue || return 1
	OS_USERNAME=cli-pat OS_PASSWORD=new-pw-2 OS_PROJECT_NAME=cli-home os token issue -f value -c id >/dev/null ||
		{ echo "new password refused"; return 1; }
	expect_eq "old token after password change" "$(http_status "$old_tok" "/v3/projects/$HOME_PROJECT_ID")" 401
}
check "user password set as that user: old fails, new works, old token refused" t_user_password_set

t_user_password_wrong_original() {
	OS_USERNAME=cli-pat OS_PASSWORD=new-pw-2 OS_PROJECT_NAME=cli-home \
		refused 401 "^The request you have made requires authentication\\." os user password set --password other-pw-3 --original-password not-the-password || return 1
	OS_USERNAME=cli-pat OS_PASSWORD=new-pw-2 OS_PROJECT_NAME=cli-home os token issue -f value -c id >/dev/null
}
check "user password set with a wrong original password fails" t_user_password_wrong_original

# --- roles ------------------------------------------------------------------
t_role_create_list() {
	local j; j=$(os role create cli-auditor -f json) || return 1
	expect_eq name "$(jfield name <<<"$j")" cli-auditor || return 1
	local out; out=$(os role list -f value -c Name) || return 1
	for r in admin member reader cli-auditor; do expect_line roles "$out" "$r" || return 1; done
}
check "role create, role list" t_role_create_list

os user create --domain default --password carol-pw-1 cli-carol >/dev/null 2>&1
t_role_add() {
	os role add --project cli-home --user cli-carol cli-auditor || return 1
	os role add --project cli-home --user cli-carol member || return 1
	local out; out=$(os role assignment list --user cli-carol --project cli-home -f value -c Role) || return 1
	local aud mem
	aud=$(os role show cli-auditor -f value -c id) mem=$(os role show member -f value -c id)
	expect_line "assignment role ids" "$out" "$aud" && expect_line "assignment role ids" "$out" "$mem" || return 1
	[ "$(wc -l <<<"$out")" -eq 2 ] || { echo "expected exactly 2 assignments: $out"; return 1; }
	# the new role shows up in carol's token
	local j; j=$(OS_USERNAME=cli-carol OS_PASSWORD=carol-pw-1 OS_PROJECT_NAME=cli-home os token issue -f value -c id) || return 1
	curl -s --max-time 10 -H "X-Auth-Token: $j" -H "X-Subject-Token: $j" "$URL/v3/auth/tokens" | grep -q '"cli-auditor"' ||
		{ echo "cli-auditor missing from carol's token"; return 1; }
}
check "role add --project --user (role assignment list shows it)" t_role_add

t_role_assignment_names() {
	local j; j=$(os role assignment list --user cli-carol --names -f json) || return 1
	echo "$j"
	python3 - "$j" <<'EOF'
import json, sys
rows = json.loads(sys.argv[1])
got = sorted((r["Role"], r["User"], r["Project"]) for r in rows)
want = [("cli-auditor", "cli-carol@Default", "cli-home@Default"), ("member", "cli-carol@Default", "cli-home@Default")]
if got != want:
    sys.exit("got %r, expected %r" % (got, want))
EOF
}
check "role assignment list --user --names shows name@Default" t_role_assignment_names

t_role_assignment_admin() {
	local out; out=$(os role assignment list --user admin --project admin --names -f value -c Role -c User -c Project) || return 1
	expect_line "admin assignment" "$out" "admin admin@Default admin@Default"
}
check "role assignment list: bootstrap admin has admin on admin" t_role_assignment_admin

t_role_remove() {
	os role remove --project cli-home --user cli-carol cli-auditor || return 1
	local out; out=$(os role assignment list --user cli-carol --project cli-home --names -f value -c Role) || return 1
	expect_line "after remove" "$out" member && expect_no_line "after remove" "$out" cli-auditor || return 1
	os role remove --project cli-home --user cli-carol member || return 1
	out=$(os role assignment list --user cli-carol -f value -c Role) || return 1
	[ -z "$out" ] || { echo "assignments left: $out"; return 1; }
	# with no role on cli-home, carol cannot scope to it
	OS_USERNAME=cli-carol OS_PASSWORD=carol-pw-1 OS_PROJECT_NAME=cli-home \
		refused 401 "User [0-9a-f]{32} has no access to project [0-9a-f]{32}" os token issue
}
check "role remove --project --user (assignment gone, no scope)" t_role_remove

t_role_delete() {
	os role delete cli-auditor || return 1
	expect_no_line roles "$(os role list -f value -c Name)" cli-auditor
}
check "role delete" t_role_delete

# --- domains, catalog -------------------------------------------------------
t_domain_list() {
	local out; out=$(os domain list -f value -c ID -c Name -c Enabled) || return 1
	expect_line domains "$out" "default Default True"
}
check "domain list shows default/Default" t_domain_list

t_service_list() {
	local out; out=$(os service list -f value -c Type) || return 1
	for ty in identity compute image network; do expect_line types "$out" "$ty" || return 1; done
	[ "$(wc -l <<<"$out")" -eq 4 ] || { echo "expected 4 services: $out"; return 1; }
}
check "service list: identity, compute, image, network" t_service_list

t_endpoint_list() {
	local out; out=$(os endpoint list -f value -c "Service Type" -c Interface -c URL -c Region) || return 1
	echo "$out"
	for i in public internal admin; do
		expect_line endpoints "$out" "RegionOne identity $i $URL/v3" || return 1
	done
	for ty in compute image network; do
		for i in public internal admin; do
			grep -q "^RegionOne $ty $i http" <<<"$out" || { echo "no $i endpoint for $ty"; return 1; }
		done
	done
	out=$(os endpoint list --service identity --interface public -f value -c URL) || return 1
	expect_eq "filtered endpoint list" "$out" "$URL/v3"
}
check "endpoint list: public/internal/admin for each service" t_endpoint_list

t_region_list() {
	local out; out=$(os region list -f value -c Region) || return 1
	expect_line regions "$out" RegionOne
}
check "region list shows RegionOne" t_region_list

exit 0
