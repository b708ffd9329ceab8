#!/usr/bin/env bash
# tests/cli/openstack_groups.sh - how a user comes to hold roles, through
# the real `openstack` CLI: groups and membership, role grants to groups,
# inherited grants (OS-INHERIT) on domains and project subtrees, implied
# roles, system grants, and `role assignment list --effective --names`;
# each checked in what the commands print and in the token the user gets.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 15
trap cleanup_controller EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

# as USER PASSWORD [--os-project-name P | --os-domain-name D ...] ARGS...:
# the CLI as that user of domain Default; gwen/hal ARGS...: as them (a
# CLI for refused).
as() {
	local u=$1 p=$2; shift 2
	OS_USERNAME=$u OS_PASSWORD=$p OS_PROJECT_NAME= OS_PROJECT_DOMAIN_NAME=Default \
		OS_USER_DOMAIN_NAME=Default os "$@"
}
gwen() { as cli-gwen gwen-pw-1 "$@"; }
hal() { as cli-hal hal-pw-1 "$@"; }
# token_roles USER PASSWORD SCOPE-ARGS...: the sorted role names of the token.
token_roles() {
	local u=$1 p=$2 tok; shift 2
	tok=$(as "$u" "$p" "$@" token issue -f value -c id) || return 1
	curl -s -H "X-Auth-Token: $tok" -H "X-Subject-Token: $tok" "$URL/v3/auth/tokens" |
		python3 -c 'import json,sys; print(" ".join(sorted(r["name"] for r in json.load(sys.stdin)["token"]["roles"])))'
}

os project create --domain default cli-g-proj >/dev/null &&
	os user create --domain default --password gwen-pw-1 cli-gwen >/dev/null &&
	os user create --domain default --password hal-pw-1 cli-hal >/dev/null ||
	not_ok "fixtures: project cli-g-proj, users cli-gwen and cli-hal"

t_group_crud() {
	local j; j=$(os group create --domain default --description "the ops team" cli-ops -f json) || return 1
	expect_eq name "$(jfield name <<<"$j")" cli-ops && expect_eq domain "$(jfield domain_id <<<"$j")" default || return 1
	os group set --name cli-ops2 cli-ops || return 1
	j=$(os group show cli-ops2 -f json) || return 1
	expect_eq "renamed" "$(jfield name <<<"$j")" cli-ops2 &&
		expect_eq "description kept" "$(jfield description <<<"$j")" "the ops team" || return 1
	os group set --name cli-ops cli-ops2 || return 1
	expect_line groups "$(os group list -f value -c Name)" cli-ops
}
check "group create, set, show, list" t_group_crud

check_refused "group create: the same name twice in a domain is 409" 409 \
	"Duplicate entry found with name cli-ops" os group create --domain default cli-ops

# the CLI looks the domain up first (404, its own words); the API's answer:
check "group create in a domain that does not exist: 400 in Keystone's words" http_refused 400 \
	"^Could not find domain: no-such-domain\.$" -X POST -H "X-Auth-Token: $(admin_token)" \
	-H "Content-Type: application/json" -d '{"group": {"name": "cli-x", "domain_id": "no-such-domain"}}' \
	"$URL/v3/groups"

t_membership() {
	os group add user cli-ops cli-gwen || return 1
	local out; out=$(os group contains user cli-ops cli-gwen) || return 1
	expect_eq contains "$out" "cli-gwen in group cli-ops" || return 1
	expect_line members "$(os user list --group cli-ops -f value -c Name)" cli-gwen || return 1
	expect_line "gwen's groups" "$(os group list --user cli-gwen -f value -c Name)" cli-ops || return 1
	out=$(os group contains user cli-ops cli-hal 2>&1) # to stderr, exit 1
	expect_eq "not contained" "$out" "cli-hal not in group cli-ops"
}
check "group add user, contains user, user list --group, group list --user" t_membership

t_group_role() {
	# no role of her own: her group's
	refused 401 "has no access to project" gwen --os-project-name cli-g-proj token issue || return 1
	os role add --group cli-ops --project cli-g-proj member || return 1
	local out; out=$(os role assignment list --group cli-ops --names -f value -c Role -c Group -c Project) || return 1
	expect_eq "group's assignment" "$out" "member cli-ops@Default cli-g-proj@Default" || return 1
	out=$(token_roles cli-gwen gwen-pw-1 --os-project-name cli-g-proj) || return 1
	expect_eq "gwen's token roles" "$out" "member reader"
}
check "role add --group --project: the member's token carries the role and what it implies" t_group_role

check_refused "a member (through the group) cannot create groups (403)" 403 \
	"You are not authorized to perform the requested action: identity:create_group" \
	gwen --os-project-name cli-g-proj group create cli-nope

t_effective() {
	local out; out=$(os role assignment list --effective --names --user cli-gwen -f value -c Role -c User -c Project) || return 1
	expect_line effective "$out" "member cli-gwen@Default cli-g-proj@Default" &&
		expect_line effective "$out" "reader cli-gwen@Default cli-g-proj@Default" || return 1
	out=$(os role assignment list --names --user cli-gwen -f value -c Role) || return 1
	[ -z "$out" ] || { echo "gwen holds no grant herself, listed: $out"; return 1; }
}
check "role assignment list --effective --names: through the group, with implied reader" t_effective

t_leave_group() {
	local tok; tok=$(as cli-gwen gwen-pw-1 --os-project-name cli-g-proj token issue -f value -c id) || return 1
	expect_eq "before" "$(http_status "$tok" /v3/auth/projects)" 200 || return 1
	os group remove user cli-ops cli-gwen || return 1
	expect_eq "after leaving the group" "$(http_status "$tok" /v3/auth/projects)" 401 || return 1
	refused 401 "has no access to project" gwen --os-project-name cli-g-proj token issue
}
check "group remove user: the token it gave ends, no new one" t_leave_group

t_inherited_domain() {
	os domain create cli-idom >/dev/null && os project create --domain cli-idom cli-ip >/dev/null || return 1
	os role add --user cli-hal --user-domain default --domain cli-idom --inherited reader || return 1
	local out; out=$(os role assignment list --names --user cli-hal -f value -c Role -c Domain -c Inherited) || return 1
	expect_eq "inherited assignment" "$out" "reader cli-idom True" || return 1
	out=$(OS_PROJECT_DOMAIN_NAME=cli-idom token_roles cli-hal hal-pw-1 --os-project-name cli-ip --os-project-domain-name cli-idom) || return 1
	expect_eq "hal's roles on cli-ip" "$out" reader || return 1
	out=$(os role assignment list --effective --names --user cli-hal -f value -c Role -c Project -c Inherited) || return 1
	expect_eq "effective" "$out" "reader cli-ip@cli-idom False"
}
check "role add --domain --inherited: the domain's projects get the role" t_inherited_domain

check_refused "an inherited domain grant gives no domain-scoped token" 401 \
	"has no access to domain" hal --os-domain-name cli-idom token issue

t_inherited_subtree() {
	os project create --domain default cli-top >/dev/null &&
		os project create --domain default --parent cli-top cli-child >/dev/null || return 1
	os role add --group cli-ops --project cli-top --inherited member || return 1
	os group add user cli-ops cli-hal || return 1
	local out; out=$(token_roles cli-hal hal-pw-1 --os-project-name cli-child) || return 1
	expect_eq "hal's roles on the child" "$out" "member reader" || return 1
	refused 401 "has no access to project" hal --os-project-name cli-top token issue || return 1
	# (this client has no --include-subtree: the API cases check it)
	out=$(os role assignment list --effective --names --project cli-child -f value -c Role -c User -c Project) || return 1
	expect_line "effective on the child" "$out" "member cli-hal@Default cli-child@Default"
}
check "role add --group --project --inherited: the subtree gets it, not the project" t_inherited_subtree

t_implied() {
	os role create cli-auditor >/dev/null && os role create cli-viewer >/dev/null || return 1
	local j; j=$(os implied role create cli-auditor --implied-role cli-viewer -f json) || return 1
	expect_eq prior "$(jfield prior_role <<<"$j")" "$(os role show cli-auditor -f value -c id)" || return 1
	local out; out=$(os implied role list -f value -c "Prior Role Name" -c "Implied Role Name") || return 1
	expect_line rules "$out" "cli-auditor cli-viewer" && expect_line rules "$out" "admin member" &&
		expect_line rules "$out" "member reader" || return 1
	os project create --domain default cli-i-proj >/dev/null || return 1
	os role add --user cli-hal --project cli-i-proj cli-auditor || return 1
	out=$(token_roles cli-hal hal-pw-1 --os-project-name cli-i-proj) || return 1
	expect_eq "hal's roles" "$out" "cli-auditor cli-viewer" || return 1
	os implied role delete cli-auditor --implied-role cli-viewer || return 1
	out=$(token_roles cli-hal hal-pw-1 --os-project-name cli-i-proj) || return 1
	expect_eq "after the rule's delete" "$out" "cli-auditor"
}
check "implied role create/list/delete: the implied role comes and goes in tokens" t_implied

check_refused "implied role create: admin is never implied (400)" 400 \
	"cannot be an implied role" os implied role create cli-auditor --implied-role admin

t_system() {
	os role add --user cli-hal --user-domain default --system all reader || return 1
	local out; out=$(os role assignment list --names --user cli-hal --system all -f value -c Role -c System) || return 1
	expect_eq "system assignment" "$out" "reader all" || return 1
	out=$(OS_SYSTEM_SCOPE=all OS_PROJECT_DOMAIN_NAME= token_roles cli-hal hal-pw-1) || return 1
	expect_eq "system token roles" "$out" reader
}
check "role add --system all: a system-scoped token with the role" t_system

t_group_delete() {
	local tok; tok=$(as cli-hal hal-pw-1 --os-project-name cli-child token issue -f value -c id) || return 1
	os group delete cli-ops || return 1
	expect_no_line groups "$(os group list -f value -c Name)" cli-ops || return 1
	expect_eq "token through the deleted group" "$(http_status "$tok" /v3/auth/projects)" 401 || return 1
	local out; out=$(os role assignment list --project cli-top --names -f value -c Role) || return 1
	[ -z "$out" ] || { echo "the group's grants are left: $out"; return 1; }
}
check "group delete: its grants go, its members' tokens end" t_group_delete

exit 0
