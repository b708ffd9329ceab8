#!/usr/bin/env bash
# tests/cli/openstack_catalog.sh - the service catalog through the real
# `openstack` CLI: regions with parents, service and endpoint updates,
# endpoint groups and project-endpoint filters (OS-EP-FILTER), and the
# catalog a project member's token carries with those filters applied.
# Each check reads what the command printed; each refusal asserts the
# exact status and Keystone's message.
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 28
trap 'cleanup_controller; rm -rf "$WORK"' EXIT
WORK=$(mktemp -d /tmp/basalt-cat.XXXXXX)

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

# as_member CMD...: the openstack CLI as cat-user, member of cat-proj.
as_member() { OS_USERNAME=cat-user OS_PASSWORD=cat-user-pw OS_PROJECT_NAME=cat-proj os "$@"; }
# member_catalog: the member's `catalog list`, one line per service:
# "TYPE:INTERFACE,INTERFACE" (sorted; "TYPE:" for one without endpoints).
member_catalog() {
	as_member catalog list -f json | python3 -c 'import json, sys
for s in json.load(sys.stdin):
    e = s["Endpoints"]
    if isinstance(e, str):  # older cliff: "REGION\n  INTERFACE: URL\n..."
        ifs = [l.split(":")[0].strip() for l in e.splitlines() if l.startswith("  ")]
    else:
        ifs = [x["interface"] for x in e]
    print("%s:%s" % (s["Type"], ",".join(sorted(ifs))))'
}
ALL="admin,internal,public"

# --- regions ------------------------------------------------------------------
t_region_parent() {
	local j
	j=$(os region create --description "the parent" cat-r1 -f json) || return 1
	expect_eq parent_region "$(jfield parent_region <<<"$j")" null || return 1
	j=$(os region create --parent-region cat-r1 --description kid cat-r2 -f json) || return 1
	expect_eq region "$(jfield region <<<"$j")" cat-r2 &&
		expect_eq parent_region "$(jfield parent_region <<<"$j")" cat-r1 || return 1
	os region create cat-r3 -f value -c region >/dev/null || return 1
	expect_eq "region list --parent-region cat-r1" \
		"$(os region list --parent-region cat-r1 -f value -c Region)" cat-r2
}
check "region create with a parent; region list --parent-region" t_region_parent

t_region_set() {
	os region set --description "moved" --parent-region cat-r3 cat-r2 || return 1
	local j; j=$(os region show cat-r2 -f json) || return 1
	expect_eq description "$(jfield description <<<"$j")" moved &&
		expect_eq parent_region "$(jfield parent_region <<<"$j")" cat-r3 || return 1
	expect_eq "children of cat-r1" "$(os region list --parent-region cat-r1 -f value -c Region)" "" &&
		os region set --parent-region cat-r1 cat-r2
}
check "region set: description and parent" t_region_set

check_refused "region set making a cycle: 400" 400 \
	"The specified parent region cat-r2 would create a circular region hierarchy" \
	os region set --parent-region cat-r2 cat-r1
check_refused "region set with an unknown parent: 404" 404 "Could not find region: cat-nowhere" \
	os region set --parent-region cat-nowhere cat-r2

# --- services -----------------------------------------------------------------
t_service_set() {
	os service create --name cat-svc --description first cat-type -f value -c id >"$WORK/svc" || return 1
	os service set --name cat-svc2 --description second --disable cat-svc || return 1
	local j; j=$(os service show cat-svc2 -f json) || return 1
	expect_eq name "$(jfield name <<<"$j")" cat-svc2 && expect_eq type "$(jfield type <<<"$j")" cat-type &&
		expect_eq description "$(jfield description <<<"$j")" second &&
		expect_eq enabled "$(jfield enabled <<<"$j")" false || return 1
	os service set --type cat-type2 --enable cat-svc2 || return 1
	expect_eq "service list --long" "$(os service list --long -f value -c Type -c Enabled | grep cat-)" \
		"cat-type2 True"
}
check "service set: name, type, description, enable/disable" t_service_set

t_service_catalog() {
	os endpoint create --region cat-r2 cat-svc2 public http://cat.invalid/pub -f value -c id >"$WORK/ep" ||
		return 1
	expect_line "catalog with the service enabled" "$(os catalog list -f value -c Type)" cat-type2 || return 1
	os service set --disable cat-svc2 || return 1
	expect_no_line "catalog with the service disabled" "$(os catalog list -f value -c Type)" cat-type2 || return 1
	os service set --enable cat-svc2
}
check "a disabled service leaves the catalog" t_service_catalog

# --- endpoints ----------------------------------------------------------------
t_endpoint_set() {
	local ep; ep=$(cat "$WORK/ep")
	os endpoint set --disable --interface internal --url http://cat.invalid/int --region cat-r3 "$ep" || return 1
	local j; j=$(os endpoint show "$ep" -f json) || return 1
	expect_eq enabled "$(jfield enabled <<<"$j")" false && expect_eq interface "$(jfield interface <<<"$j")" internal &&
		expect_eq url "$(jfield url <<<"$j")" http://cat.invalid/int &&
		expect_eq region "$(jfield region <<<"$j")" cat-r3 || return 1
	expect_eq "endpoint list --service --interface --region" \
		"$(os endpoint list --service cat-svc2 --interface internal --region cat-r3 -f value -c ID)" "$ep" || return 1
	expect_eq "endpoint list --interface public --service" \
		"$(os endpoint list --service cat-svc2 --interface public -f value -c ID)" "" || return 1
	os endpoint set --enable --region cat-r2 "$ep"
}
check "endpoint set --disable, interface, url, region; endpoint list filters" t_endpoint_set

check_refused "endpoint create with a URL Keystone refuses: 400" 400 \
	"Invalid input for field 'url': 'not-a-url' does not match" \
	os endpoint create cat-svc2 public not-a-url
t_endpoint_new_region() {
	# The CLI sends the legacy "region": Keystone makes a missing one.
	local j; j=$(os endpoint create --region cat-new cat-svc2 public http://cat.invalid/x -f json) || return 1
	expect_eq region "$(jfield region <<<"$j")" cat-new || return 1
	expect_eq "region show" "$(os region show cat-new -f value -c region)" cat-new || return 1
	os endpoint delete "$(jfield id <<<"$j")" && os region delete cat-new
}
check "endpoint create --region NEW makes the region (Keystone's v2 compatibility)" t_endpoint_new_region
check_refused "region create with a taken id: 409" 409 \
	"Conflict occurred attempting to store region - Duplicate ID, cat-r3" \
	os region create cat-r3
check_refused "region delete with an endpoint below it: 403" 403 \
	"Unable to delete region cat-r1 because it or its child regions have associated endpoints" \
	os region delete cat-r1

# --- endpoint groups and project filters ----------------------------------------
t_setup_member() {
	os project create --domain default cat-proj -f value -c id >"$WORK/proj" &&
		os user create --domain default --password cat-user-pw cat-user -f value -c id >/dev/null &&
		os role add --project cat-proj --user cat-user member || return 1
	local out; out=$(member_catalog) || return 1
	for ty in identity compute image network; do expect_line "member's catalog" "$out" "$ty:$ALL" || return 1; done
	expect_line "member's catalog" "$out" "cat-type2:internal"
}
check "a member's catalog is the whole one while the project has no filters" t_setup_member

t_group_create() {
	echo '{"interface": "internal"}' >"$WORK/internal.json"
	local j; j=$(os endpoint group create --description "internal ones" cat-eg "$WORK/internal.json" -f json) ||
		return 1
	expect_eq name "$(jfield name <<<"$j")" cat-eg && expect_eq description "$(jfield description <<<"$j")" "internal ones" &&
		expect_eq filters "$(jfield filters <<<"$j")" '{"interface": "internal"}' || return 1
	jfield id <<<"$j" >"$WORK/eg"
	expect_eq "endpoint group list" "$(os endpoint group list -f value -c Name | grep cat-)" cat-eg
}
check "endpoint group create, list" t_group_create

echo '{"region": "x"}' >"$WORK/bad.json"
check_refused "endpoint group create with an unknown filter: 400" 400 \
	"Expecting to find service_id or region_id or interface in endpoint_group" \
	os endpoint group create cat-bad "$WORK/bad.json"

t_group_project() {
	os endpoint group add project cat-eg cat-proj || return 1
	expect_eq "endpoint group list --project" "$(os endpoint group list --project cat-proj -f value -c Name)" cat-eg ||
		return 1
	expect_eq "endpoint group list --endpointgroup (its projects)" \
		"$(os endpoint group list --endpointgroup cat-eg -f value -c Name)" cat-proj
}
check "endpoint group add project; list by project and by group" t_group_project

t_member_group_catalog() {
	local out; out=$(member_catalog) || return 1
	expect_eq "member's catalog" "$out" \
		"$(printf '%s\n' cat-type2:internal compute:internal identity:internal image:internal network:internal)"
}
check "catalog list as a member: only the group's (internal) endpoints" t_member_group_catalog

t_endpoint_project() {
	local idep; idep=$(os endpoint list --service identity --interface public -f value -c ID) || return 1
	echo "$idep" >"$WORK/idep"
	os endpoint add project "$idep" cat-proj || return 1
	expect_eq "endpoint list --endpoint (its projects)" "$(os endpoint list --endpoint "$idep" -f value -c Name)" \
		cat-proj || return 1
	local out; out=$(os endpoint list --project cat-proj -f value -c "Service Type" -c Interface) || return 1
	expect_line "endpoint list --project" "$out" "identity public" &&
		expect_line "endpoint list --project" "$out" "compute internal" &&
		expect_no_line "endpoint list --project" "$out" "compute public"
}
check "endpoint add project; endpoint list --endpoint and --project" t_endpoint_project

t_member_both_catalog() {
	local out; out=$(member_catalog) || return 1
	expect_line "member's catalog" "$out" "identity:internal,public" &&
		expect_line "member's catalog" "$out" "compute:internal"
}
check "catalog show identity as a member: the group's and the associated endpoint" t_member_both_catalog

check_refused "endpoint add project twice: 409" 409 \
	"Conflict occurred attempting to store project_endpoint - Duplicate entry" \
	os endpoint add project "$(cat "$WORK/idep")" cat-proj
check_refused "a member may not list endpoint groups: 403" 403 \
	"You are not authorized to perform the requested action: identity:list_endpoint_groups" \
	as_member endpoint group list

t_group_set() {
	echo '{"interface": "public", "region_id": "RegionOne"}' >"$WORK/public.json"
	os endpoint group set --name cat-eg2 --description "public ones" --filters "$WORK/public.json" cat-eg || return 1
	local j; j=$(os endpoint group show cat-eg2 -f json) || return 1
	expect_eq description "$(jfield description <<<"$j")" "public ones" &&
		expect_eq filters "$(jfield filters <<<"$j")" '{"interface": "public", "region_id": "RegionOne"}' || return 1
	local out; out=$(member_catalog) || return 1
	expect_eq "member's catalog after the group changed" "$out" \
		"$(printf '%s\n' compute:public identity:public image:public network:public)"
}
check "endpoint group set: the member's catalog follows the new filters" t_group_set

t_remove_filters() {
	os endpoint group remove project cat-eg2 cat-proj && os endpoint remove project "$(cat "$WORK/idep")" cat-proj ||
		return 1
	expect_eq "endpoint group list --project" "$(os endpoint group list --project cat-proj -f value -c Name)" "" ||
		return 1
	local out; out=$(member_catalog) || return 1
	for ty in identity compute image network; do expect_line "member's catalog" "$out" "$ty:$ALL" || return 1; done
}
check "without its filters the project's catalog is whole again" t_remove_filters

t_group_delete() {
	os endpoint group delete cat-eg2 || return 1
	expect_eq "endpoint group list" "$(os endpoint group list -f value -c Name | grep cat- || true)" ""
}
check "endpoint group delete" t_group_delete

# --- unified limits (Keystone's /v3/registered_limits and /v3/limits) -------
t_limits() {
	local j rl lim out
	j=$(os registered limit create --service glance --region cat-r3 --default-limit 5 \
		--description "images" cat_images -f json) || return 1
	rl=$(jfield id <<<"$j")
	expect_eq default_limit "$(jfield default_limit <<<"$j")" 5 || return 1
	expect_eq "registered limit list --service glance --region cat-r3" \
		"$(os registered limit list --service glance --region cat-r3 -f value -c 'Resource Name')" cat_images || return 1
	j=$(os limit create --service glance --region cat-r3 --project cat-proj --resource-limit 3 \
		cat_images -f json) || return 1
	lim=$(jfield id <<<"$j")
	expect_eq resource_limit "$(jfield resource_limit <<<"$j")" 3 &&
		expect_eq project_id "$(jfield project_id <<<"$j")" "$(cat "$WORK/proj")" || return 1
	os limit set --resource-limit 0 "$lim" >/dev/null || return 1
	expect_eq "limit show after set" "$(os limit show "$lim" -f value -c resource_limit)" 0 || return 1
	out=$(as_member limit list -f value -c ID) || return 1
	expect_eq "the member's limit list" "$out" "$lim" || return 1
	echo "$rl" >"$WORK/rl" && echo "$lim" >"$WORK/lim"
}
check "registered limit create/list; limit create for a project, set, show; a member lists its project's" t_limits
check_refused "limit create without a registered limit: 403" 403 \
	"Unable to create a limit that has no corresponding registered limit" \
	os limit create --service glance --project cat-proj --resource-limit 1 cat_unregistered
check_refused "registered limit delete while a limit names it: 403" 403 \
	"because there are project limits associated with it" \
	os registered limit delete "$(cat "$WORK/rl")"

t_limits_delete() {
	os limit delete "$(cat "$WORK/lim")" && os registered limit delete "$(cat "$WORK/rl")" || return 1
	expect_eq "registered limit list --service glance" \
		"$(os registered limit list --service glance -f value -c ID)" ""
}
check "limit delete, then registered limit delete" t_limits_delete

t_region_delete() {
	os endpoint delete "$(cat "$WORK/ep")" || return 1
	os region delete cat-r1 || return 1
	local out; out=$(os region list -f value -c Region) || return 1
	expect_no_line regions "$out" cat-r1 && expect_no_line "regions (cat-r2 went with its parent)" "$out" cat-r2 &&
		expect_line regions "$out" cat-r3
}
check "region delete takes its children once no endpoint is below" t_region_delete
