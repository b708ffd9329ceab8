#!/usr/bin/env bash
# tests/cli/openstack_delegation.sh - application credentials and trusts
# through the real `openstack` CLI: create, list, show, delete, logging in
# with an application credential (OS_AUTH_TYPE=v3applicationcredential),
# a trust-scoped token, and the refusals (another user's, bad input, a
# restricted credential's token) with Keystone's status and message.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 14
trap cleanup_controller EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

# dave: member of dproj; erin (member of eproj): the trustee
os project create dproj -f value -c id >/dev/null 2>&1
os project create eproj -f value -c id >/dev/null 2>&1
os user create --password dave-pw --project dproj dave -f value -c id >/dev/null 2>&1
os user create --password erin-pw erin -f value -c id >/dev/null 2>&1
os role add --user dave --project dproj member >/dev/null 2>&1
os role add --user erin --project eproj member >/dev/null 2>&1
DAVE_ID=$(os user show dave -f value -c id 2>/dev/null)
ERIN_ID=$(os user show erin -f value -c id 2>/dev/null)
DPROJ_ID=$(os project show dproj -f value -c id 2>/dev/null)
# A member may not look roles up by name: the trust names the role by id.
MEMBER_ID=$(os role show member -f value -c id 2>/dev/null)
# as dave
dos() { OS_USERNAME=dave OS_PASSWORD=dave-pw OS_PROJECT_NAME=dproj os "$@"; }
# as erin
eos() { OS_USERNAME=erin OS_PASSWORD=erin-pw OS_PROJECT_NAME=eproj os "$@"; }
# as an application credential
acos() {
	env -u OS_USERNAME -u OS_PASSWORD -u OS_PROJECT_NAME -u OS_PROJECT_DOMAIN_NAME \
		-u OS_USER_DOMAIN_NAME OS_AUTH_TYPE=v3applicationcredential \
		OS_APPLICATION_CREDENTIAL_ID="$AC_ID" OS_APPLICATION_CREDENTIAL_SECRET="$AC_SECRET" \
		timeout 60 openstack "$@"
}

t_ac_create() {
	local j; j=$(dos application credential create --description "ci cred" dave-ac -f json) || return 1
	echo "$j"
	AC_ID=$(jfield id <<<"$j") AC_SECRET=$(jfield secret <<<"$j")
	[ ${#AC_SECRET} -ge 40 ] || { echo "secret too short: '$AC_SECRET'"; return 1; }
	expect_eq project_id "$(jfield project_id <<<"$j")" "$DPROJ_ID" || return 1
	expect_eq roles "$(jfield roles <<<"$j")" "member reader"
}
check "application credential create: secret shown, project and roles of the token" t_ac_create

t_ac_list_show() {
	local out; out=$(dos application credential list -f value -c Name) || return 1
	expect_line names "$out" dave-ac || return 1
	local j; j=$(dos application credential show dave-ac -f json) || return 1
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit("secret shown again" if "secret" in d else 0)' "$j" || return 1
	expect_eq description "$(jfield description <<<"$j")" "ci cred"
}
check "application credential list/show: found by name, the secret never again" t_ac_list_show

t_ac_login() {
	local j; j=$(acos token issue -f json) || return 1
	expect_eq project_id "$(jfield project_id <<<"$j")" "$DPROJ_ID" || return 1
	expect_eq user_id "$(jfield user_id <<<"$j")" "$DAVE_ID" || return 1
	# the token works against the API
	expect_eq "status with it" "$(http_status "$(jfield id <<<"$j")" /v3/auth/projects)" 200
}
check "OS_AUTH_TYPE=v3applicationcredential: a token of dave on dproj" t_ac_login

check_refused "a restricted credential's token may not make another (403)" 403 \
	"not allowed for managing additional application credentials" \
	acos application credential create nested

t_bad_secret() { AC_SECRET=wrong-secret refused 401 "requires authentication" acos token issue; }
check "a wrong secret is refused (401)" t_bad_secret

check_refused "roles the token lacks are refused (400)" 400 "unassigned role" \
	dos application credential create --role admin too-much

# (the CLI checks --expiration's format itself: the API's answer by curl)
t_bad_expiry() {
	local tok; tok=$(dos token issue -f value -c id) || return 1
	http_refused 400 "^Timestamp not in expected format" -X POST -H "X-Auth-Token: $tok" \
		-H 'Content-Type: application/json' \
		-d '{"application_credential": {"name": "bad-exp", "expires_at": "bad.123Z"}}' \
		"$URL/v3/users/$DAVE_ID/application_credentials" || return 1
	local out; out=$(dos application credential list -f value -c Name) || return 1
	expect_no_line names "$out" bad-exp
}
check "a malformed expiry is refused (400), nothing made" t_bad_expiry

check_refused "another user's credential is not found (404)" 404 "Could not find Application Credential|No application ?credential" \
	eos application credential show "$AC_ID"

t_ac_delete() {
	local tok; tok=$(acos token issue -f value -c id) || return 1
	expect_eq "before delete" "$(http_status "$tok" /v3/auth/projects)" 200 || return 1
	dos application credential delete dave-ac || return 1
	expect_eq "after delete" "$(http_status "$tok" /v3/auth/projects)" 401 || return 1
	refused 401 "requires authentication" acos token issue
}
check "application credential delete: its token gets 401, its login too" t_ac_delete

# --- trusts --------------------------------------------------------------
t_trust_create() {
	# by ids: dave may not look users up by name (nor may he with Keystone)
	local j; j=$(dos trust create --project "$DPROJ_ID" --role "$MEMBER_ID" --impersonate \
		"$DAVE_ID" "$ERIN_ID" -f json) || return 1
	echo "$j"
	TRUST_ID=$(jfield id <<<"$j")
	expect_eq trustee "$(jfield trustee_user_id <<<"$j")" "$ERIN_ID" || return 1
	expect_eq impersonation "$(jfield impersonation <<<"$j")" true || return 1
	expect_eq roles "$(jfield roles <<<"$j")" member
}
check "trust create: dave trusts erin with member on dproj, impersonating" t_trust_create
TRUST_ID=${TRUST_ID:-none}

t_trust_list_show() {
	# this client lists without a filter: admin's (Keystone's list_trusts)
	local out; out=$(os trust list -f value -c ID) || return 1
	expect_line ids "$out" "$TRUST_ID" || return 1
	refused 403 "not authorized" dos trust list || return 1
	local j; j=$(eos trust show "$TRUST_ID" -f json) || return 1
	expect_eq trustor "$(jfield trustor_user_id <<<"$j")" "$DAVE_ID"
}
check "trust list (admin's; dave 403) and show (by the trustee)" t_trust_list_show

t_trust_token() {
	local out tok
	out=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"auth":
	  {"identity": {"methods": ["password"], "password": {"user": {"name": "erin",
	   "domain": {"id": "default"}, "password": "erin-pw"}}},
	   "scope": {"OS-TRUST:trust": {"id": "'"$TRUST_ID"'"}}}}' "$URL/v3/auth/tokens") || return 1
	tok=$(sed -n 's/^X-Subject-Token: //Ip' <<<"$out" | tr -d '\r')
	[ -n "$tok" ] || { echo "no token: $out"; return 1; }
	TRUST_TOK=$tok
	expect_eq "status with the trust token" "$(http_status "$tok" /v3/auth/projects)" 200
}
check "a trust-scoped token for erin" t_trust_token

check_refused "another user may not delete the trust (403)" 403 "not authorized" \
	eos trust delete "$TRUST_ID"

t_trust_delete() {
	dos trust delete "$TRUST_ID" || return 1
	expect_eq "trust token after delete" "$(http_status "$TRUST_TOK" /v3/auth/projects)" 401 || return 1
	# (the client's 'trust show' falls back to listing every trust on a
	# 404, which only an admin may: ask the API itself)
	expect_eq "GET the deleted trust" "$(http_status "$(dos token issue -f value -c id)" "/v3/OS-TRUST/trusts/$TRUST_ID")" 404
}
check "trust delete: its token gets 401, GET 404" t_trust_delete
