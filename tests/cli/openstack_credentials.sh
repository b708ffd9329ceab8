#!/usr/bin/env bash
# tests/cli/openstack_credentials.sh - stored credentials, EC2 credentials,
# policy blobs and OAuth1 consumers through the real `openstack` CLI: what
# each command printed, a hostile user's refusals (exact status and
# message), bad input, blobs encrypted at rest and surviving a rotation of
# the credential keys.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 14
trap cleanup_controller EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

# eve: a member of her own project, the hostile user of these checks.
os project create cr-home -f value -c id >/dev/null &&
	os project create cr-eve -f value -c id >/dev/null &&
	os user create cr-eve --password eve-pw-1 -f value -c id >/dev/null &&
	os role add --project cr-eve --user cr-eve member ||
	{ not_ok "fixtures: projects and user cr-eve"; exit 1; }
ADMIN_ID=$(os user show admin -f value -c id)
HOME_ID=$(os project show cr-home -f value -c id)
EVE_ID=$(os user show cr-eve -f value -c id)
eve() { OS_USERNAME=cr-eve OS_PASSWORD=eve-pw-1 OS_PROJECT_NAME=cr-eve os "$@"; }
ACCESS=cli-access-$$ SECRET=cli-secret-$$
CRED_ID=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$ACCESS")

t_credential_create() {
	local j
	j=$(os credential create --type ec2 --project cr-home admin \
		"{\"access\": \"$ACCESS\", \"secret\": \"$SECRET\"}" -f json) || return 1
	expect_eq id "$(jfield id <<<"$j")" "$CRED_ID" &&
		expect_eq type "$(jfield type <<<"$j")" ec2 &&
		expect_eq user_id "$(jfield user_id <<<"$j")" "$ADMIN_ID" &&
		expect_eq project_id "$(jfield project_id <<<"$j")" "$HOME_ID" &&
		expect_eq blob "$(jfield blob <<<"$j")" "{\"access\": \"$ACCESS\", \"secret\": \"$SECRET\"}"
}
check "credential create --type ec2: the id is the SHA-256 of the access key" t_credential_create

t_credential_list_show() {
	local out
	out=$(os credential list --user admin --type ec2 -f value -c ID) || return 1
	expect_line "credential list --user admin --type ec2" "$out" "$CRED_ID" || return 1
	out=$(os credential list --type totp -f value -c ID) || return 1
	expect_no_line "credential list --type totp" "$out" "$CRED_ID" || return 1
	out=$(os credential show "$CRED_ID" -f value -c blob) || return 1
	expect_eq "credential show blob" "$out" "{\"access\": \"$ACCESS\", \"secret\": \"$SECRET\"}"
}
check "credential list (--user, --type) and show" t_credential_list_show

t_credential_set() {
	os credential set --user admin --type ec2 --project admin \
		--data "{\"access\": \"$ACCESS\", \"secret\": \"new-$SECRET\"}" "$CRED_ID" || return 1
	local j; j=$(os credential show "$CRED_ID" -f json) || return 1
	expect_eq blob "$(jfield blob <<<"$j")" "{\"access\": \"$ACCESS\", \"secret\": \"new-$SECRET\"}" &&
		expect_eq project_id "$(jfield project_id <<<"$j")" "$(os project show admin -f value -c id)"
}
check "credential set: new blob and project" t_credential_set

t_at_rest() {
	# The blob is sealed in the store: neither the secret nor the access
	# key appears in the database or its write-ahead log.
	local bytes
	bytes=$(db_bytes | tr -d '\0') || return 1
	! grep -qa -- "new-$SECRET" <<<"$bytes" || { echo "the secret is in the store in clear"; return 1; }
	! grep -qa -- "$ACCESS" <<<"$bytes" || { echo "the access key is in the store in clear"; return 1; }
	[ "$(db_query "SELECT count(*) FROM credential WHERE id = '$CRED_ID'")" = 1 ]
}
check "credential blobs are encrypted at rest" t_at_rest

t_rotate() {
	local before after tok_before
	keys() { db_query "SELECT id FROM secret_key WHERE kind = '$1' ORDER BY id"; }
	before=$(keys credential) tok_before=$(db_query "SELECT id, sealed FROM secret_key WHERE kind = 'token'")
	"$BASALTD" --config "$CONF" credential-keys rotate >>"$STATE/rotate.log" 2>&1 || { cat "$STATE/rotate.log"; return 1; }
	after=$(keys credential)
	expect_eq "keys before" "$before" 1 && expect_eq "keys after (the old one no longer used)" "$after" 2 || return 1
	[ "$(db_query "SELECT id, sealed FROM secret_key WHERE kind = 'token'")" = "$tok_before" ] ||
		{ echo "the token keys changed"; return 1; }
	[ "$(db_query "SELECT DISTINCT key_id FROM credential")" = 2 ] ||
		{ echo "a blob is not under the new key"; return 1; }
	local out; out=$(os credential show "$CRED_ID" -f value -c blob) || return 1
	expect_eq "blob after rotation" "$out" "{\"access\": \"$ACCESS\", \"secret\": \"new-$SECRET\"}"
}
check "credential-keys rotate: blobs sealed again with the new key, still readable; token keys untouched" t_rotate

check_refused "another user's credential: show -> 403" \
	403 'You are not authorized to perform the requested action: identity:get_credential' \
	eve credential show "$CRED_ID"
check_refused "another user's credential: delete -> 403" \
	403 'You are not authorized to perform the requested action: identity:delete_credential' \
	eve credential delete "$CRED_ID"
check_refused "an ec2 credential whose blob is not JSON -> 400" \
	400 'Invalid blob in credential' \
	os credential create --type ec2 --project cr-home admin 'access=AK;secret=SK'

t_credential_delete() {
	local out
	eve credential create "$EVE_ID" "eve's own" -f value -c id >/dev/null || return 1
	out=$(eve credential list -f value -c "User ID") || return 1
	expect_eq "eve sees only hers" "$out" "$EVE_ID" || return 1
	os credential delete "$CRED_ID" || return 1
	out=$(os credential list -f value -c ID) || return 1
	expect_no_line "credential list after delete" "$out" "$CRED_ID" || return 1
	local gone; gone=$(os user create cr-gone -f value -c id) || return 1
	os credential create cr-gone "gone's" -f value -c id >/dev/null || return 1
	os user delete cr-gone || return 1
	out=$(db_query "SELECT count(*) FROM credential WHERE user_id = '$gone'")
	expect_eq "credentials of a deleted user" "$out" 0
}
check "credential delete; a deleted user's credentials go with the user" t_credential_delete

t_ec2() {
	local j access out
	j=$(os ec2 credentials create --project cr-home -f json) || return 1
	access=$(jfield access <<<"$j")
	[[ $access =~ ^[0-9a-f]{32}$ ]] || { echo "access: '$access'"; return 1; }
	[[ $(jfield secret <<<"$j") =~ ^[0-9a-f]{32}$ ]] || { echo "secret: $j"; return 1; }
	expect_eq "project" "$(jfield project_id <<<"$j")" "$HOME_ID" || return 1
	out=$(os ec2 credentials list -f value -c Access) || return 1
	expect_line "ec2 credentials list" "$out" "$access" || return 1
	out=$(os ec2 credentials show "$access" -f value -c secret) || return 1
	expect_eq "ec2 credentials show secret" "$out" "$(jfield secret <<<"$j")" || return 1
	# the same row in /v3/credentials, type ec2
	out=$(os credential list --type ec2 -f value -c ID) || return 1
	expect_line "credential list --type ec2" "$out" \
		"$(python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())' "$access")" || return 1
	os ec2 credentials delete "$access" || return 1
	out=$(os ec2 credentials list -f value -c Access) || return 1
	expect_no_line "ec2 credentials list after delete" "$out" "$access"
}
check "ec2 credentials create, list, show, delete" t_ec2

check_refused "ec2 credentials create in a project that does not exist -> 404" \
	404 'Could not find project' \
	os ec2 credentials create --project 0123456789abcdef0123456789abcdef

t_policy() {
	local f id out
	f=$(mktemp /tmp/basalt-policy.XXXXXX)
	printf '{"identity:list_users": "role:admin"}' >"$f"
	id=$(os policy create --type application/json "$f" -f value -c id) || { rm -f "$f"; return 1; }
	rm -f "$f"
	out=$(os policy show "$id" -f value -c rules) || return 1
	expect_eq "policy rules" "$out" '{"identity:list_users": "role:admin"}' || return 1
	os policy set --type text/plain "$id" || return 1
	out=$(os policy show "$id" -f value -c type) || return 1
	expect_eq "policy type" "$out" text/plain || return 1
	out=$(os policy list -f value -c ID) || return 1
	expect_line "policy list" "$out" "$id" || return 1
	os policy delete "$id" || return 1
	out=$(os policy list -f value -c ID) || return 1
	expect_no_line "policy list after delete" "$out" "$id"
}
check "policy create, show, set, list, delete" t_policy

check_refused "policy list as a member -> 403" \
	403 'You are not authorized to perform the requested action: identity:list_policies' \
	eve policy list

t_consumer() {
	local j id out
	j=$(os consumer create --description "cli app" -f json) || return 1
	id=$(jfield id <<<"$j")
	[[ $(jfield secret <<<"$j") =~ ^[0-9a-f]{32}$ ]] || { echo "no secret on create: $j"; return 1; }
	out=$(os consumer show "$id" -f json) || return 1
	expect_eq description "$(jfield description <<<"$out")" "cli app" || return 1
	! grep -q secret <<<"$out" || { echo "the secret shown again: $out"; return 1; }
	os consumer set --description renamed "$id" || return 1
	out=$(os consumer list -f value -c ID -c Description) || return 1
	expect_line "consumer list" "$out" "$id renamed" || return 1
	# only a hash of the secret is kept
	[ "$(db_query "SELECT count(*) FROM oauth1_consumer WHERE secret_hash = '$(jfield secret <<<"$j")'")" = 0 ] ||
		{ echo "the secret is stored in clear"; return 1; }
	os consumer delete "$id" || return 1
	out=$(os consumer list -f value -c ID) || return 1
	expect_no_line "consumer list after delete" "$out" "$id"
}
check "consumer create (secret once), show, set, list, delete" t_consumer
