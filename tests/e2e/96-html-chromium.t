#!/bin/sh
# The HTML digest in a real browser: headless Chromium (Debian's chromium
# package) renders it with no console error and no script, and takes a
# screenshot, kept as a test artifact in
# $top_builddir/tests/e2e/artifacts/digest-week.png.  The fixtures are
# signed by nobody: the page is that of [trust] count-unauthenticated =
# yes (figures and charts), and the default page, where nothing counts,
# is loaded too.
. "$top_srcdir/tests/e2e/lib.sh"

CHROMIUM=
for c in chromium chromium-browser; do
	if command -v "$c" >/dev/null 2>&1; then
		CHROMIUM=$c
		break
	fi
done
if [ -z "$CHROMIUM" ]; then
	echo "1..0 # SKIP chromium not installed"
	exit 0
fi
ART="$top_builddir/tests/e2e/artifacts"
mkdir -p "$ART"

# browse ARGS... URL: headless Chromium, its log in $TMP/chromium.log
browse() {
	mkdir -p "$TMP/profile" "$TMP/home"
	HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home" XDG_CACHE_HOME="$TMP/home" \
	    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$TMP/profile" --enable-logging=stderr --v=0 \
	    "$@" 2>"$TMP/chromium.log"
}

printf '[trust]\ndkim = off\ncount-unauthenticated = yes\n' >"$TMP/trust.conf"
fresh
ingest -c "$TMP/trust.conf" "$DATA/digest/reports"
ok "fixtures ingested" is "$rc" 0
admin -c "$TMP/trust.conf" html --since 2026-10-26 --period week
cp "$TMP/admin" "$TMP/digest.html"
cp "$TMP/admin" "$ART/digest-week.html"
ok "tlsrpt html: exit 0" is "$arc" 0

set +e
browse --dump-dom "file://$TMP/digest.html" >"$TMP/dom.html"
brc=$?
set -e
ok "chromium loads the page" sh -c \
    "test $brc = 0 && grep -q '<title>TLS report: week of 2026-10-26</title>' '$TMP/dom.html'"
ok "no console message, no uncaught error" sh -c \
    "! grep -Ei 'CONSOLE|Uncaught' '$TMP/chromium.log'"
ok "the rendered page holds no script" sh -c \
    "! grep -qi '<script' '$TMP/dom.html'"
ok "the hostile strings stay text in the DOM" grep -q \
    'Evil &lt;script&gt;alert(1)&lt;/script&gt;' "$TMP/dom.html"
ok "every domain rendered" sh -c \
    "grep -q 'id=\"d0\"' '$TMP/dom.html' && grep -q 'id=\"d2\"' '$TMP/dom.html'"

rm -f "$ART/digest-week.png"
set +e
browse --screenshot="$ART/digest-week.png" --window-size=1000,1400 \
    "file://$TMP/digest.html"
brc=$?
set -e
ok "a screenshot is kept: $ART/digest-week.png" sh -c \
    "test $brc = 0 && test -s '$ART/digest-week.png' &&
     head -c 8 '$ART/digest-week.png' | od -An -c | grep -q 'P   N   G'"
ok "no console error while drawing" sh -c \
    "! grep -Ei 'CONSOLE|Uncaught' '$TMP/chromium.log'"

# The default: no report was authenticated, so none counts.
admin html --since 2026-10-26 --period week
cp "$TMP/admin" "$TMP/unauth.html"
set +e
browse --dump-dom "file://$TMP/unauth.html" >"$TMP/dom.html"
brc=$?
set -e
ok "default: every domain without a verdict, and no console message" sh -c \
    "test $brc = 0 && test \$(grep -o 'No verdict: no authenticated report' '$TMP/dom.html' | wc -l) -ge 6 &&
     ! grep -q 'Ready for enforce' '$TMP/dom.html' &&
     ! grep -Ei 'CONSOLE|Uncaught' '$TMP/chromium.log'"
done_testing
