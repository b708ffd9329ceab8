#!/usr/bin/env bash
# tests/cli/dashboard_static.sh [BUILD] - how the controller serves the
# dashboard: a browser at / is sent to /dashboard/, a client still gets
# Keystone's version list; every file under src/dashboard/web is served
# byte for byte, gzip-compressed to clients that accept it, revalidated by
# ETag (304); every answer carries the strict Content-Security-Policy (no
# inline script, no framing) and X-Frame-Options DENY; an unknown file is
# 404. (What the pages do is tests/lab/dashboard_browser.sh, in a browser.)
set -uo pipefail
[ $# -ge 1 ] && BUILD=$1
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
FILES=$(cd src/dashboard/web && ls)
plan $((8 + 2 * $(wc -w <<<"$FILES")))
trap cleanup_controller EXIT
start_controller || { not_ok "start controller"; exit 1; }
W=$STATE/dl

hdr() { curl -s -o /dev/null -D - "$@" | tr -d '\r'; }
check "a browser at / gets 302 to /dashboard/" sh -c \
	"curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Accept: text/html,application/xhtml+xml' '$URL/' | grep -qx '302 $URL/dashboard/'"
check "a client at / still gets Keystone's versions (300)" sh -c \
	"curl -s -w '%{http_code}' -H 'Accept: application/json' '$URL/' | grep -q '\"versions\".*300\$'"
check "/dashboard (no slash) is sent to /dashboard/" sh -c \
	"curl -s -o /dev/null -w '%{http_code} %{redirect_url}' '$URL/dashboard' | grep -qx '302 $URL/dashboard/'"
H=$(hdr "$URL/dashboard/")
t_csp() {
	local csp
	csp=$(grep -i '^content-security-policy:' <<<"$H")
	grep -qF "default-src 'none'" <<<"$csp" && grep -qF "script-src 'self'" <<<"$csp" &&
		grep -qF "frame-ancestors 'none'" <<<"$csp" && ! grep -q unsafe <<<"$csp" || { echo "$csp"; return 1; }
}
check "the page's CSP: scripts and styles from this origin only, no inline, no framing" t_csp
check "X-Frame-Options DENY and nosniff" sh -c "echo \"\$0\" | grep -qix 'x-frame-options: DENY' && echo \"\$0\" | grep -qix 'x-content-type-options: nosniff'" "$H"
check "/dashboard/ is index.html" sh -c "curl -s '$URL/dashboard/' | cmp -s - src/dashboard/web/index.html"
for f in $FILES; do
	check "$f: served byte for byte" sh -c "curl -s '$URL/dashboard/$f' | cmp -s - 'src/dashboard/web/$f'"
	check "$f: gzip when accepted, the same bytes" sh -c \
		"curl -s -D '$W.h' -H 'Accept-Encoding: gzip' '$URL/dashboard/$f' | gzip -dc | cmp -s - 'src/dashboard/web/$f' && grep -qi '^content-encoding: gzip' '$W.h'"
done
ETAG=$(hdr "$URL/dashboard/app.js" | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "ETag revalidation: 304 with no body" sh -c \
	"[ -n '$ETAG' ] && curl -s -o '$W.b' -w '%{http_code}' -H 'If-None-Match: $ETAG' '$URL/dashboard/app.js' | grep -qx 304 && [ ! -s '$W.b' ]"
check "an unknown file is 404" sh -c "curl -s -o /dev/null -w '%{http_code}' '$URL/dashboard/nothing.js' | grep -qx 404"
