#!/usr/bin/env bash
# tests/cli/openstack_image.sh - the image service (Glance v2) through the
# real `openstack` CLI: create with upload, list, show, save, set, delete,
# isolation between projects, and a 20 MB upload that streams (the
# controller's memory does not grow by the image's size).
set -uo pipefail
if [ -d "${BUILD:-}" ]; then BUILD=$(cd "$BUILD" && pwd); export BUILD; fi
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
plan 13
WORK=$(mktemp -d /tmp/basalt-image-cli.XXXXXX)
trap 'cleanup_controller; rm -rf "$WORK"' EXIT

start_controller || { not_ok "start controller"; exit 1; }
unset OS_CLOUD OS_TOKEN OS_PROJECT_ID OS_USER_ID OS_DOMAIN_NAME OS_DOMAIN_ID

if ! command -v qemu-img >/dev/null; then
	not_ok "qemu-img is installed (tools/deps --test installs qemu-utils)"
	exit 1
fi
IMG="$WORK/small.qcow2"
qemu-img create -q -f qcow2 "$IMG" 32M || { not_ok "qemu-img create"; exit 1; }

t_create() {
	local j; j=$(os image create --file "$IMG" --disk-format qcow2 --container-format bare \
		--property os_distro=cirros cli-img -f json) || return 1
	echo "$j"
	expect_eq name "$(jfield name <<<"$j")" cli-img &&
		expect_eq disk_format "$(jfield disk_format <<<"$j")" qcow2 &&
		expect_eq container_format "$(jfield container_format <<<"$j")" bare
}
check "image create --file uploads a qcow2 image" t_create

t_list() {
	local out; out=$(os image list -f value -c Name -c Status) || return 1
	expect_line list "$out" "cli-img active"
}
check "image list shows it active" t_list

t_show() {
	local j want; j=$(os image show cli-img -f json) || return 1
	want=$(md5sum "$IMG" | cut -d' ' -f1)
	expect_eq checksum "$(jfield checksum <<<"$j")" "$want" &&
		expect_eq size "$(jfield size <<<"$j")" "$(stat -c %s "$IMG")" &&
		expect_eq virtual_size "$(jfield virtual_size <<<"$j")" $((32 * 1024 * 1024)) &&
		expect_eq status "$(jfield status <<<"$j")" active &&
		python3 - "$j" "$(sha512sum "$IMG" | cut -d' ' -f1)" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
props = j.get("properties") or {}
if isinstance(props, str):  # older cliff renders a dict as "k='v', ..."
    sys.exit(0 if sys.argv[2] in props and "cirros" in props else "properties: %r" % props)
algo = props.get("os_hash_algo", j.get("os_hash_algo"))
val = props.get("os_hash_value", j.get("os_hash_value"))
if algo != "sha512" or val != sys.argv[2]:
    sys.exit("os_hash %r %r, expected sha512 %s" % (algo, val, sys.argv[2]))
if props.get("os_distro", j.get("os_distro")) != "cirros":
    sys.exit("os_distro missing: %r" % j)
PY
}
check "image show: checksum is the file's md5, sha512, size, virtual size" t_show

t_save() {
	os image save --file "$WORK/out.qcow2" cli-img || return 1
	cmp "$IMG" "$WORK/out.qcow2"
}
check "image save returns identical bytes" t_save

t_set() {
	os image set --property hw_disk_bus=virtio --name cli-img-2 --tag t1 --min-disk 1 cli-img ||
		return 1
	local j; j=$(os image show cli-img-2 -f json) || return 1
	echo "$j"
	expect_eq name "$(jfield name <<<"$j")" cli-img-2 &&
		expect_eq min_disk "$(jfield min_disk <<<"$j")" 1 &&
		grep -q '"hw_disk_bus": "virtio"' <<<"$j" && grep -q '"t1"' <<<"$j"
}
check "image set --property, --name, --tag, --min-disk" t_set

t_unset() {
	os image unset --property hw_disk_bus cli-img-2 || return 1
	local j; j=$(os image show cli-img-2 -f json) || return 1
	! grep -q hw_disk_bus <<<"$j" || { echo "$j"; return 1; }
}
check "image unset --property" t_unset

# --- a second project -------------------------------------------------------
os project create --domain default other-proj >/dev/null &&
	os user create --domain default --password other-pw-1 --project other-proj other-user >/dev/null &&
	os role add --project other-proj --user other-user member >/dev/null ||
	not_ok "second project fixtures"
other() { OS_USERNAME=other-user OS_PASSWORD=other-pw-1 OS_PROJECT_NAME=other-proj os "$@"; }

t_private() {
	local out; out=$(other image list -f value -c Name) || return 1
	expect_no_line "other project's list" "$out" cli-img-2 || return 1
	refused 404 "No Image found for cli-img-2" other image show cli-img-2 || return 1
	local id; id=$(os image show cli-img-2 -f value -c id) || return 1
	refused 404 "No image found with ID $id" other image show "$id" || return 1
	refused 404 "No image found with ID $id" other image delete "$id" || return 1
	os image show cli-img-2 >/dev/null
}
check "a second project cannot see, show or delete a private image" t_private

t_public() {
	os image set --public cli-img-2 || return 1
	local out; out=$(other image list -f value -c Name) || return 1
	expect_line "other project's list" "$out" cli-img-2 || return 1
	refused 403 "You are not permitted to modify image [0-9a-f-]{36}\\." other image set --name stolen cli-img-2 || return 1
	other image save --file "$WORK/other.qcow2" cli-img-2 && cmp "$IMG" "$WORK/other.qcow2"
}
check "a public image: others list and download it, but cannot change it" t_public

t_other_create() {
	local j; j=$(other image create --file "$IMG" --disk-format qcow2 --private other-img -f json) ||
		return 1
	local out; out=$(os image list -f value -c Name) || return 1
	# admin sees every project's images, as in Glance
	expect_line "admin's list" "$out" other-img || return 1
	other image delete other-img
}
check "a member of another project creates and deletes its own image" t_other_create

# --- streaming ----------------------------------------------------------------
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$CTRL_PID/status"; }
t_big() {
	head -c $((20 * 1024 * 1024)) /dev/urandom >"$WORK/big.raw" || return 1
	# warm up the worker threads and caches with a small upload first
	local before after j
	before=$(rss_kb)
	j=$(os image create --file "$WORK/big.raw" --disk-format raw --container-format bare big-img -f json) ||
		return 1
	after=$(rss_kb)
	echo "controller RSS: $before kB before, $after kB after a 20 MB upload"
	[ $((after - before)) -lt $((8 * 1024)) ] || { echo "RSS grew by $((after - before)) kB"; return 1; }
	j=$(os image show big-img -f json) || return 1
	expect_eq size "$(jfield size <<<"$j")" $((20 * 1024 * 1024)) &&
		expect_eq checksum "$(jfield checksum <<<"$j")" "$(md5sum "$WORK/big.raw" | cut -d' ' -f1)" || return 1
	os image save --file "$WORK/big.out" big-img && cmp "$WORK/big.raw" "$WORK/big.out" || return 1
	after=$(rss_kb)
	echo "controller RSS after the 20 MB download: $after kB"
	[ $((after - before)) -lt $((8 * 1024)) ] || { echo "RSS grew by $((after - before)) kB"; return 1; }
}
check "a 20 MB upload and download stream: controller RSS grows far less than 20 MB" t_big

t_delete() {
	os image delete big-img cli-img-2 || return 1
	local out; out=$(os image list -f value -c Name) || return 1
	expect_no_line list "$out" cli-img-2 && expect_no_line list "$out" big-img || return 1
	# the files are gone from the store too
	local n; n=$(find "$STATE/images" -type f | wc -l)
	expect_eq "files left in the image store" "$n" 0
}
check "image delete removes the images and their files" t_delete

t_protected() {
	os image create --protected prot-img >/dev/null || return 1
	refused 403 "Image [0-9a-f-]{36} is protected and cannot be deleted\\." os image delete prot-img || return 1
	os image set --unprotected prot-img && os image delete prot-img
}
check "a protected image is not deleted until unprotected" t_protected

# --- the basalt CLI's image commands --------------------------------------
t_basalt_cli() {
	local j id; j=$("$BASALT" image create --file "$IMG" --disk-format qcow2 basalt-img -f json \
		2>"$WORK/progress.txt") || return 1
	# Not a terminal: progress comes as plain lines on stderr.
	grep -q "^upload: 100% " "$WORK/progress.txt" || { cat "$WORK/progress.txt"; return 1; }
	id=$(jfield id <<<"$j")
	expect_eq checksum "$(jfield checksum <<<"$j")" "$(md5sum "$IMG" | cut -d' ' -f1)" || return 1
	expect_line "basalt image list" "$("$BASALT" image list -f value -c Name)" basalt-img || return 1
	expect_eq "openstack sees it" "$(os image show "$id" -f value -c status)" active || return 1
	"$BASALT" image save basalt-img --file "$WORK/basalt.out" && cmp "$IMG" "$WORK/basalt.out" ||
		return 1
	# On a terminal: a bar redrawn in place.
	script -qec "$BASALT image save basalt-img --file $WORK/basalt.tty" /dev/null >"$WORK/tty.txt" || return 1
	grep -q "download \[##############################\] 100%" "$WORK/tty.txt" || { cat -v "$WORK/tty.txt"; return 1; }
	"$BASALT" image delete basalt-img || return 1
	refused 404 "No Image found for $id" "$BASALT" image show "$id"
}
check "basalt image create --file, list, show, save (with progress), delete" t_basalt_cli
