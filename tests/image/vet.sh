#!/usr/bin/env bash
# tests/image/vet.sh - vetted images: images made with qemu-img (a backing
# file on /etc/shadow, an external data file, raw declared qcow2, qcow2
# declared raw, a virtual size over the cap, clean v2 and v3 qcow2), first
# inspected by core/diskimg.c (through tests/hvctl inspect) and compared
# with `qemu-img info --output=json`, then uploaded through the image API:
# the unsafe ones end 400 with the reason, the image killed and nothing in
# the store; the clean ones become active. Then a server on an image that
# got into the store unvetted (as one uploaded before the checks) goes to
# ERROR on a compute node with a fault that says why, and none of its
# bytes become a cache entry.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
. tests/lib.sh

HVCTL=$BUILD/tests/hvctl
W=$(mktemp -d /tmp/basalt-vet.XXXXXX)
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	cleanup_controller
	rm -rf "$W"
}
trap cleanup EXIT
echo "1..25"

export HV_INSTANCES=$W/inst
mkdir -p "$HV_INSTANCES"
q() { qemu-img "$@" >/dev/null 2>&1; }
q create -f qcow2 "$W/clean3.qcow2" 64M
q create -f qcow2 -o compat=0.10 "$W/clean2.qcow2" 32M
q create -f qcow2 -u -b /etc/shadow -F raw "$W/backing.qcow2" 1M
q create -f raw "$W/data.raw" 1M
q create -f qcow2 -o data_file="$W/data.raw" "$W/datafile.qcow2" 1M
q create -f raw "$W/plain.raw" 2M
printf 'some bytes that are no image format at all\n' >>"$W/plain.raw"
q create -f qcow2 "$W/huge.qcow2" 2T

# same NAME FILE FORMAT VERDICT: diskimg agrees with qemu-img info on the
# format, virtual size, backing file and data file, and gives VERDICT
# (a substring of its message, or "ok").
same() {
	local f=$2 mine theirs
	mine=$("$HVCTL" inspect "$f" "$3") || { echo "hvctl inspect failed"; return 1; }
	theirs=$(qemu-img info -U --output=json "$f") || { echo "qemu-img info failed"; return 1; }
	python3 - "$mine" "$theirs" "$4" <<'EOF'
import json, sys
m, t, want = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
errs = []
if m["format"] != t["format"]:
    errs.append("format %s, qemu-img %s" % (m["format"], t["format"]))
if m["virtual_size"] != t["virtual-size"]:
    errs.append("virtual size %d, qemu-img %d" % (m["virtual_size"], t["virtual-size"]))
if m["backing"] != ("backing-filename" in t):
    errs.append("backing %s, qemu-img %s" % (m["backing"], t.get("backing-filename")))
data = t.get("format-specific", {}).get("data", {}).get("data-file")
if m["data_file"] != (data is not None):
    errs.append("data file %s, qemu-img %s" % (m["data_file"], data))
if (want == "ok") != (m["verdict"] == "ok") or want not in m["verdict"]:
    errs.append("verdict %r, wanted %r" % (m["verdict"], want))
if errs:
    print("; ".join(errs)); sys.exit(1)
EOF
}
check "inspect: clean qcow2 v3 as qemu-img sees it" same v3 "$W/clean3.qcow2" qcow2 ok
check "inspect: clean qcow2 v2 (compat=0.10) as qemu-img sees it" same v2 "$W/clean2.qcow2" qcow2 ok
check "inspect: -b /etc/shadow -F raw is a backing file, refused" same bk "$W/backing.qcow2" qcow2 "backing file are refused (/etc/shadow)"
check "inspect: -o data_file= is an external data file, refused" same df "$W/datafile.qcow2" qcow2 "external data file"
check "inspect: raw content declared qcow2 is refused" same rq "$W/plain.raw" qcow2 "not a recognised image format, not the declared disk_format qcow2"
check "inspect: qcow2 content declared raw is refused" same qr "$W/clean3.qcow2" raw "qcow2, not the declared disk_format raw"
check "inspect: raw declared raw passes" same rr "$W/plain.raw" raw ok
check "inspect: 2 TiB virtual size over a 1 TiB limit is refused" \
	sh -c "'$HVCTL' inspect '$W/huge.qcow2' qcow2 1099511627776 | grep -q 'exceeds the limit of 1099511627776'"

# --- through the image API ---
start_controller || { not_ok "controller starts"; exit 1; }
TOKEN=$(admin_token)
# upload NAME FORMAT FILE: create the image, PUT the file; prints
# "ID STATUS BODY".
upload() {
	local id code
	id=$(curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$URL/image/v2/images" \
		-d '{"name":"'"$1"'","disk_format":"'"$2"'","container_format":"bare"}' | jfield id) || return 1
	code=$(curl -s -o "$W/body" -w '%{http_code}' -X PUT -H "X-Auth-Token: $TOKEN" \
		-H 'Content-Type: application/octet-stream' --data-binary @"$3" "$URL/image/v2/images/$id/file")
	echo "$id $code $(cat "$W/body")"
}
image_status() { curl -sf -H "X-Auth-Token: $TOKEN" "$URL/image/v2/images/$1" | jfield status; }
# refused NAME FORMAT FILE MESSAGE: 400 with MESSAGE, killed, no file.
refused() {
	local out id code body
	out=$(upload "$1" "$2" "$3") || { echo "create failed"; return 1; }
	read -r id code body <<<"$out"
	expect_eq "HTTP status" "$code" 400 || return 1
	expect_eq "message" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])' <<<"$body" 2>/dev/null || echo "$body")" "Image $id is refused: $4." || return 1
	expect_eq "status" "$(image_status "$id")" killed || return 1
	[ ! -e "$STATE/images/$id" ] && [ ! -e "$STATE/images/$id.tmp" ] || { echo "file left in the store"; return 1; }
}
accepted() {
	local out id code body
	out=$(upload "$1" "$2" "$3") || { echo "create failed"; return 1; }
	read -r id code body <<<"$out"
	expect_eq "HTTP status ($body)" "$code" 204 && expect_eq "status" "$(image_status "$id")" active
}
check "upload: backing file /etc/shadow -> 400, killed, nothing stored" \
	refused evil qcow2 "$W/backing.qcow2" "qcow2 images with a backing file are refused (/etc/shadow)"
check "upload: external data file -> 400, killed, nothing stored" \
	refused datafile qcow2 "$W/datafile.qcow2" "qcow2 images with an external data file are refused"
check "upload: raw declared qcow2 -> 400, killed, nothing stored" \
	refused rawq qcow2 "$W/plain.raw" "the image data is not a recognised image format, not the declared disk_format qcow2"
check "upload: qcow2 declared raw -> 400, killed, nothing stored" \
	refused qraw raw "$W/clean3.qcow2" "the image data is qcow2, not the declared disk_format raw"
check "upload: qcow2 declared iso -> 400, killed, nothing stored" \
	refused qiso iso "$W/clean3.qcow2" "the image data is qcow2, not the declared disk_format iso"
check "upload: 2 TiB virtual size (cap 1 TiB) -> 400, killed, nothing stored" \
	refused huge qcow2 "$W/huge.qcow2" "the image's virtual size 2199023255552 bytes exceeds the limit of 1099511627776"
check "upload: clean qcow2 v3 becomes active" accepted c3 qcow2 "$W/clean3.qcow2"
check "upload: clean qcow2 v2 becomes active" accepted c2 qcow2 "$W/clean2.qcow2"
check "upload: raw becomes active" accepted r raw "$W/plain.raw"
cli_refused() {
	local out
	out=$(os image create --disk-format qcow2 --container-format bare --file "$W/backing.qcow2" cli-evil 2>&1) &&
		{ echo "accepted: $out"; return 1; }
	grep -q 'qcow2 images with a backing file are refused' <<<"$out" || { echo "$out"; return 1; }
}
check "the openstack CLI shows the refusal" cli_refused

# --- on the compute node: an image that got into the store unvetted ---
# (uploaded before these checks): the agent refuses it before QEMU.
ID=$(curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$URL/image/v2/images" \
	-d '{"name":"old-evil","disk_format":"qcow2","container_format":"bare","visibility":"public"}' | jfield id)
sum=$(md5sum <"$W/backing.qcow2" | cut -c1-32)
mkdir -p "$STATE/images" && cp "$W/backing.qcow2" "$STATE/images/$ID"
sqlite3 "$STATE/basalt.db" "UPDATE image SET status = 'active', size = $(stat -c %s "$W/backing.qcow2"),
	checksum = '$sum' WHERE id = '$ID'"
check "an unvetted image row stands in the store" expect_eq status "$(image_status "$ID")" active
make_service_user >/dev/null 2>&1
agent_conf compute-vet fake "$W/agent.conf"
"$BASALTD" --config "$W/agent.conf" --role compute >"$W/agent.log" 2>&1 &
AGENT_PID=$!
os flavor create --vcpus 1 --ram 64 --disk 1 vet.tiny >/dev/null 2>&1
# "--nic none" needs microversion 2.37.
SRV=$(os --os-compute-api-version 2.60 server create --image "$ID" --flavor vet.tiny --nic none vet-srv \
	-f value -c id 2>"$W/create.err")
check "server create is accepted" sh -c "test -n '$SRV' || { cat '$W/create.err'; exit 1; }"
srv_status() { os server show "$SRV" -f value -c status 2>/dev/null; }
# errored FAULT: the server reaches ERROR and its fault message has FAULT.
errored() {
	[ -n "$SRV" ] || { echo "no server"; return 1; }
	for _ in $(seq 1 150); do
		[ "$(srv_status)" = ERROR ] && break
		sleep 0.2
	done
	expect_eq status "$(srv_status)" ERROR || return 1
	local fault
	fault=$(os server show "$SRV" -f json -c fault 2>/dev/null)
	grep -qF -- "$1" <<<"$fault" || { echo "fault: $fault"; return 1; }
}
check "the server goes to ERROR; its fault says why" \
	errored "qcow2 images with a backing file are refused (/etc/shadow)"
check "the agent's log says why" grep -q "is refused: qcow2 images with a backing file are refused" "$W/agent.log"
check "no cache entry for the refused image" test ! -e "$STATE/compute-vet/instances/_base/$ID"
# Too big for the flavor's root disk: refused on the node as Nova does.
BIG=$(curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$URL/image/v2/images" \
	-d '{"name":"big","disk_format":"qcow2","container_format":"bare","visibility":"public"}' | jfield id)
q create -f qcow2 "$W/big.qcow2" 2G
curl -sf -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$W/big.qcow2" "$URL/image/v2/images/$BIG/file"
SRV=$(os --os-compute-api-version 2.60 server create --image "$BIG" --flavor vet.tiny --nic none vet-big \
	-f value -c id 2>>"$W/create.err")
check "a 2 GiB image on a 1 GB root disk: ERROR with Nova's FlavorDiskSmallerThanImage" \
	errored "Flavor's disk is too small for requested image. Flavor disk is 1073741824 bytes, image is 2147483648 bytes."
check "agent log free of sanitizer reports" sh -c "! grep -q 'Sanitizer\|runtime error' '$W/agent.log'"
