#!/usr/bin/env bash
# tests/cli/basalt_cli.sh - the basalt CLI against a real controller: every
# identity command, the output formats, errors, and clouds.yaml via OS_CLOUD.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib.sh
plan 63

WORK=$(mktemp -d /tmp/basalt-cli.XXXXXX)
trap 'cleanup_controller; rm -rf "$WORK"' EXIT
start_controller || { not_ok "controller starts"; exit 1; }

# Helpers: run basalt and check something about its output.
is_json() { python3 -c 'import json,sys; json.load(sys.stdin)'; }
# json_has EXPR CMD...: CMD's JSON output makes the python expression on d true.
json_has() {
	local expr=$1; shift
	"$@" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
}
# lists NAME CMD...: CMD's table output has a row whose Name column is NAME.
lists() {
	local name=$1; shift
	"$@" | grep -q "^| [0-9a-f]* *| $name *|$"
}
not() { ! "$@"; }

B=$BASALT

# --- help, usage ---
check "help lists every command" bash -c "
	out=\$('$B' help) || exit 1
	for c in 'token issue' 'token revoke' 'catalog list' 'project list' 'project create' \
		'project show' 'project delete' 'user list' 'user create' 'user show' \
		'user delete' 'role list' 'role create' 'role add' 'role remove'; do
		grep -q \"^  \$c\" <<<\"\$out\" || { echo \"missing: \$c\"; exit 1; }
	done"
check "unknown command exits 2" bash -c "'$B' frobnicate >/dev/null 2>&1; [ \$? -eq 2 ]"
check_refused "missing argument is a usage error" usage "missing argument" "$B" project create
check_refused "unknown option is a usage error" usage "unknown option" "$B" role list --bogus

# --- tokens and catalog ---
check "token issue shows a table" bash -c "'$B' token issue | grep -q '^| id  *| [A-Za-z0-9_-]\{20,\}'"
check "token issue -f json" json_has "len(d['id']) > 20 and d['project_id'] and d['user_id'] and d['expires']" "$B" token issue -f json
check "token issue -f value -c id" bash -c "[ \$('$B' token issue -f value -c id | wc -w) -eq 1 ]"
check "catalog list has identity" bash -c "'$B' catalog list | grep -q '| keystone *| identity *|'"
check "catalog list -f json" json_has "any(s['Type'] == 'identity' for s in d)" "$B" catalog list -f json
check "catalog show identity" bash -c "'$B' catalog show identity | grep -q 'public: $URL/v3'"

TOKEN=$("$B" token issue -f value -c id)
check "OS_TOKEN authenticates" env -u OS_PASSWORD -u OS_USERNAME OS_TOKEN="$TOKEN" "$B" project list
check "token revoke" "$B" token revoke "$TOKEN"
check_refused "revoked token is refused: 401" 401 "The request you have made requires authentication" \
	env -u OS_PASSWORD -u OS_USERNAME OS_TOKEN="$TOKEN" "$B" --debug project list

# --- projects ---
check "project list has admin" lists admin "$B" project list
check "project list -f json" json_has "any(p['Name'] == 'admin' and len(p['ID']) == 32 for p in d)" "$B" project list -f json
check "project create" bash -c "'$B' project create cli-proj --description 'made by basalt' | grep -q '| name  *| cli-proj  *|'"
check "project create -f json" json_has "d['name'] == 'cli-proj2' and d['enabled'] is False" "$B" project create cli-proj2 --disable -f json
check_refused "project create duplicate: 409" 409 "Duplicate entry found with name cli-proj" "$B" project create cli-proj
check "project create --or-show" json_has "d['name'] == 'cli-proj'" "$B" project create cli-proj --or-show -f json
check "project list has the new one" lists cli-proj "$B" project list
PROJ_ID=$("$B" project show cli-proj -f value -c id)
check "project show by name" json_has "d['description'] == 'made by basalt' and d['domain_id'] == 'default'" "$B" project show cli-proj -f json
check "project show by id" json_has "d['name'] == 'cli-proj'" "$B" project show "$PROJ_ID" -f json
check "project show --domain" json_has "d['id'] == '$PROJ_ID'" "$B" project show cli-proj --domain Default -f json
check "project show -c" bash -c "[ \"\$('$B' project show cli-proj -f value -c name)\" = cli-proj ]"
check "project set" bash -c "'$B' project set cli-proj2 --enable --description changed &&
	'$B' project show cli-proj2 -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"enabled\"] and d[\"description\"] == \"changed\"'"
check_refused "project show missing: 404" 404 "No project with a name or ID of 'nope' exists" "$B" project show nope

# --- users and roles ---
check "user list has admin" lists admin "$B" user list
check "user create" json_has "d['name'] == 'cli-user' and d['default_project_id'] == '$PROJ_ID' and 'password' not in d" \
	"$B" user create cli-user --password cli-pw-1 --email u@example.org --project cli-proj -f json
t_no_password() {
	local out
	out=$("$B" user create cli-user2 --password s3cret-pw 2>&1) || { echo "$out"; return 1; }
	! grep -q s3cret-pw <<<"$out" || { echo "$out"; return 1; }
}
check "user create prints no password" t_no_password
check "user list has the new one" lists cli-user "$B" user list
check "user show" json_has "d['email'] == 'u@example.org' and d['enabled'] is True" "$B" user show cli-user -f json
check "user set" bash -c "'$B' user set cli-user2 --email two@example.org && [ \"\$('$B' user show cli-user2 -f value -c email)\" = two@example.org ]"
check "role list has member" lists member "$B" role list
check "role list -f json" json_has "{'admin', 'member', 'reader'} <= {r['Name'] for r in d}" "$B" role list -f json
check "role create" json_has "d['name'] == 'cli-role'" "$B" role create cli-role -f json
check "role list has the new one" lists cli-role "$B" role list
check "role show" json_has "d['name'] == 'cli-role'" "$B" role show cli-role -f json

as_user() {
	env OS_USERNAME=cli-user OS_PASSWORD=cli-pw-1 OS_PROJECT_NAME=cli-proj "$@"
}
check_refused "no token without a role: 401" 401 "User [0-9a-f]{32} has no access to project [0-9a-f]{32}" as_user "$B" --debug token issue
check "role add" "$B" role add --project cli-proj --user cli-user member
check "role assignment list shows it" bash -c "'$B' role assignment list --project cli-proj --names | grep -q '| member *| cli-user@Default *|'"
check "user list --project" lists cli-user "$B" user list --project cli-proj
check "token issue as the new user" json_has "d['project_id'] == '$PROJ_ID'" as_user "$B" token issue -f json
check "project list --user" lists cli-proj "$B" project list --user cli-user
check_refused "wrong password: 401" 401 "requires authentication" \
	env OS_PASSWORD=wrong "$B" --debug token issue
check "role remove" "$B" role remove --project cli-proj --user cli-user member
check_refused "no token after role remove: 401" 401 "User [0-9a-f]{32} has no access to project [0-9a-f]{32}" as_user "$B" --debug token issue
check_refused "role add unknown role: 404" 404 "No role with a name or ID of 'nope'" \
	"$B" role add --project cli-proj --user cli-user nope

# --- clouds.yaml via OS_CLOUD in a temporary HOME ---
mkdir -p "$WORK/home/.config/openstack"
cat >"$WORK/home/.config/openstack/clouds.yaml" <<EOY
clouds:
  basalt-test:
    auth:
      auth_url: $URL/v3
      username: admin
      password: $ADMIN_PASSWORD
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  broken:
    auth:
      auth_url: $URL/v3
      username: admin
      password: not-the-password
      project_name: admin
EOY
cloud_env() {
	(cd "$WORK" && env -u OS_AUTH_URL -u OS_USERNAME -u OS_PASSWORD -u OS_PROJECT_NAME \
		-u OS_USER_DOMAIN_NAME -u OS_PROJECT_DOMAIN_NAME -u OS_REGION_NAME -u OS_INTERFACE \
		HOME="$WORK/home" "$@")
}
check "OS_CLOUD from ~/.config/openstack/clouds.yaml" cloud_env OS_CLOUD=basalt-test "$B" project list
check "--os-cloud" lists cli-proj cloud_env "$B" --os-cloud basalt-test project list
check_refused "clouds.yaml with wrong password: 401" 401 "requires authentication" cloud_env OS_CLOUD=broken "$B" --debug token issue
check "flags override clouds.yaml" cloud_env OS_CLOUD=broken "$B" --os-password "$ADMIN_PASSWORD" token issue
check_refused "unknown cloud: refused before any request" - "not found" cloud_env OS_CLOUD=nope "$B" --debug token issue
cat >"$WORK/home/.config/openstack/secure.yaml" <<EOY
clouds:
  broken:
    auth:
      password: $ADMIN_PASSWORD
EOY
check "secure.yaml supplies the password" cloud_env OS_CLOUD=broken "$B" token issue
rm "$WORK/home/.config/openstack/secure.yaml"
cp "$WORK/home/.config/openstack/clouds.yaml" "$WORK/clouds.yaml"
check "./clouds.yaml" cloud_env HOME=/nonexistent OS_CLOUD=basalt-test "$B" token issue
check_refused "no credentials: refused before any request" - "auth_url" cloud_env "$B" --debug token issue

# --- deletes ---
t_user_delete() { "$B" user delete cli-user cli-user2 && refused 404 "No user with a name or ID of 'cli-user'" "$B" user show cli-user; }
check "user delete (then show: 404)" t_user_delete
check "user list no longer has it" not lists cli-user "$B" user list
t_role_delete() { "$B" role delete cli-role && refused 404 "No role with a name or ID of 'cli-role'" "$B" role show cli-role; }
check "role delete (then show: 404)" t_role_delete
check_refused "project delete goes on past a failure (404 for the missing one)" 404 "1 of 2 projects failed" \
	"$B" project delete nope-not-there cli-proj
check "project delete by id" "$B" project delete "$("$B" project show cli-proj2 -f value -c id)"
t_projects_gone() {
	local out
	out=$("$B" project list -f value -c Name) || return 1
	! grep -q cli-proj <<<"$out" || { echo "$out"; return 1; }
}
check "project list no longer has them" t_projects_gone
check_refused "project delete missing: 404" 404 "No project with a name or ID of 'cli-proj'" "$B" project delete cli-proj
check_refused "unreachable endpoint fails cleanly (no response)" - "cannot reach" \
	env OS_AUTH_URL=http://127.0.0.1:1/v3 "$B" --debug token issue
