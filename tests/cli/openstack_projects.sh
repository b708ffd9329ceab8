#!/usr/bin/env bash
# tests/cli/openstack_projects.sh - Keystone's project hierarchy, project
# tags, projects acting as domains and domain deletion through the real
# `openstack` CLI (python3-openstackclient), checking what each command
# printed and the exact refusals.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 14
trap cleanup_controller EXIT
# The CLI's bound, wider than lib.sh's 60 s: each check here depends on the
# one before (one tree), so a CLI cut short by a loaded machine must not
# leave the tree half-changed.
os() { timeout 300 openstack "$@"; }

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

# --- the hierarchy ----------------------------------------------------------
t_parent() {
	local j
	os project create cli-root -f value -c id >/dev/null || return 1
	j=$(os project create --parent cli-root cli-kid -f json) || return 1
	expect_eq parent_id "$(jfield parent_id <<<"$j")" "$(os project show cli-root -f value -c id)" || return 1
	j=$(os project create --parent cli-kid cli-grandkid -f json) || return 1
	expect_eq parent_id "$(jfield parent_id <<<"$j")" "$(os project show cli-kid -f value -c id)" || return 1
	expect_eq "root's parent" "$(os project show cli-root -f value -c parent_id)" default
}
check "project create --parent: parent_id of each level, the domain above the root" t_parent

t_views() {
	local root kid gk j
	root=$(os project show cli-root -f value -c id) kid=$(os project show cli-kid -f value -c id)
	gk=$(os project show cli-grandkid -f value -c id)
	j=$(os project show --children cli-root -f json) || return 1
	python3 - "$j" "$kid" "$gk" <<'PY' || return 1
import json, sys
p = json.loads(sys.argv[1]); sub = p["subtree"]
if sub != {sys.argv[2]: {sys.argv[3]: None}}: sys.exit("subtree %r" % sub)
PY
	j=$(os project show --parents cli-grandkid -f json) || return 1
	python3 - "$j" "$kid" "$root" <<'PY'
import json, sys
p = json.loads(sys.argv[1]); par = p["parents"]
if par != {sys.argv[2]: {sys.argv[3]: {"default": None}}}: sys.exit("parents %r" % par)
PY
}
check "project show --children / --parents: the subtree and the parents as ids" t_views

t_list_parent() {
	local out; out=$(os project list --parent cli-root -f value -c Name) || return 1
	expect_eq "children of cli-root" "$out" cli-kid
}
check "project list --parent: the children only" t_list_parent

check_refused "project delete of a parent: 403" 403 \
	"Cannot delete the project [0-9a-f]{32} since it is not a leaf in the hierarchy" \
	os project delete cli-kid
check_refused "project set --disable above an enabled child: 403" 403 \
	"Cannot disable project [0-9a-f]{32} since its subtree contains enabled projects" \
	os project set --disable cli-root

t_disable_bottom_up() {
	os project set --disable cli-grandkid && os project set --disable cli-kid || return 1
	refused 403 "Cannot enable project [0-9a-f]{32} since it has disabled parents" \
		os project set --enable cli-grandkid || return 1
	os project set --enable cli-kid && os project set --enable cli-grandkid || return 1
	expect_eq enabled "$(os project show cli-grandkid -f value -c enabled)" True
}
check "project set --disable bottom-up; no enable under a disabled parent (403)" t_disable_bottom_up

t_depth() {
	local p=cli-grandkid i
	for i in 4 5; do os project create --parent $p cli-level$i -f value -c id >/dev/null || return 1; p=cli-level$i; done
	refused 403 "Max hierarchy depth reached for [0-9a-f]{32} branch" \
		os project create --parent cli-level5 cli-level6
}
check "a sixth level is refused (max_project_tree_depth 5): 403" t_depth

# --- tags -------------------------------------------------------------------
t_tags() {
	os project create --tag red --tag blue cli-tagged -f value -c id >/dev/null || return 1
	expect_eq tags "$(os project show cli-tagged -f json | jfield tags)" '["blue", "red"]' || return 1
	os project set --tag green cli-tagged || return 1
	expect_eq tags "$(os project show cli-tagged -f json | jfield tags)" '["blue", "green", "red"]' || return 1
	os project set --remove-tag red cli-tagged || return 1
	expect_eq tags "$(os project show cli-tagged -f json | jfield tags)" '["blue", "green"]' || return 1
	os project set --clear-tags cli-tagged || return 1
	expect_eq tags "$(os project show cli-tagged -f json | jfield tags)" '[]'
}
check "project create --tag, set --tag, --remove-tag, --clear-tags" t_tags

t_tag_filters() {
	os project set --tag red --tag blue cli-tagged && os project set --tag red cli-root || return 1
	expect_eq "--tags red,blue" "$(os project list --tags red,blue -f value -c Name)" cli-tagged || return 1
	expect_eq "--tags-any blue" "$(os project list --tags-any blue -f value -c Name)" cli-tagged || return 1
	expect_eq "--tags red --not-tags-any blue" \
		"$(os project list --tags red --not-tags-any blue -f value -c Name)" cli-root || return 1
	expect_eq "--not-tags red,blue --tags red" \
		"$(os project list --not-tags red,blue --tags red -f value -c Name)" cli-root
}
check "project list --tags, --tags-any, --not-tags, --not-tags-any" t_tag_filters

check_refused "project set --tag with '/': 400" 400 "does not match" \
	os project set --tag a/b cli-tagged

# --- domains ------------------------------------------------------------------
t_domain_delete() {
	os domain create cli-dom -f value -c id >/dev/null || return 1
	os project create --domain cli-dom cli-dp -f value -c id >/dev/null || return 1
	os user create --domain cli-dom --password cli-du-pw cli-du -f value -c id >/dev/null || return 1
	os role add --user cli-du --user-domain cli-dom --project cli-dp --project-domain cli-dom member || return 1
	refused 403 "Cannot delete a domain that is enabled, please disable it first" \
		os domain delete cli-dom || return 1
	os domain set --disable cli-dom && os domain delete cli-dom || return 1
	refused 404 "cli-dom" os domain show cli-dom || return 1
	[ -z "$(os user list -f value -c Name | grep -x cli-du)" ] || { echo "cli-du left"; return 1; }
	[ -z "$(os project list -f value -c Name | grep -x cli-dp)" ] || { echo "cli-dp left"; return 1; }
}
check "domain delete: refused enabled (403); once disabled takes its projects and users" t_domain_delete

t_is_domain() {
	local id; id=$(os project create --domain default cli-isd -f value -c id) || return 1
	os project delete "$id" || return 1
	# a project acting as a domain is created through the API (the CLI has no flag)
	local tok; tok=$(os token issue -f value -c id) || return 1
	local st; st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $tok" -H 'Content-Type: application/json' \
		"$URL/v3/projects" -d '{"project": {"name": "cli-isdom", "is_domain": true}}')
	expect_eq "create is_domain" "$st" 201 || return 1
	expect_eq "domain show" "$(os domain show cli-isdom -f value -c name)" cli-isdom
}
check "a project acting as a domain is a domain" t_is_domain

t_own_domain() {
	os project create cli-own -f value -c id >/dev/null || return 1
	os user create --password cli-own-pw cli-own -f value -c id >/dev/null || return 1
	os role add --user cli-own --project cli-own reader || return 1
	local out; out=$(OS_USERNAME=cli-own OS_PASSWORD=cli-own-pw OS_PROJECT_NAME=cli-own \
		os domain show default -f value -c name) || return 1
	expect_eq "own domain" "$out" Default || return 1
	# by id: the CLI asks GET /v3/domains/{id}, then the list by name (both 403)
	refused 403 "You are not authorized to perform the requested action: identity:" \
		env OS_USERNAME=cli-own OS_PASSWORD=cli-own-pw OS_PROJECT_NAME=cli-own \
		timeout 300 openstack --debug domain show "$(os domain show cli-isdom -f value -c id)"
}
check "domain show: a project's user reads its own domain, not another (403)" t_own_domain

check_refused "project create --domain of a disabled domain: 400" 400 \
	"cannot create a project in a branch containing a disabled project" \
	sh -c 'openstack domain set --disable cli-isdom && exec openstack project create --debug --domain cli-isdom cli-off'
