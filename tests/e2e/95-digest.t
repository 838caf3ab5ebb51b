#!/bin/sh
# tlsrpt digest, html and show over four weeks of reports
# (tests/data/digest, see its gen.sh), and the alerts of tlsrpt-ingest;
# reports posted to the CGI count in both unless [trust] count-https = no.
#
# The fixtures are bare report files, signed by nobody: they are
# ingested with [trust] dkim = off, and the goldens are read with
# count-unauthenticated = yes, as a site that runs without DKIM on
# purpose would.  The default (such reports move nothing) has its own
# checks below.
#
# Golden files: TI_REGEN=1 make check TESTS=tests/e2e/95-digest.t
# rewrites them in the source tree; review the diff.
. "$top_srcdir/tests/e2e/lib.sh"

G="$DATA/digest"
WEEK="--since 2026-10-26 --period week"
TRUST='[trust]
dkim = off
count-unauthenticated = yes'
printf '%s\n' "$TRUST" >"$TMP/trust.conf"

# tadmin ARGS...: admin with [trust] count-unauthenticated = yes
tadmin() {
	admin -c "$TMP/trust.conf" "$@"
}

fresh
ingest -c "$TMP/trust.conf" "$G/reports"
ok "fixtures ingested: exit 0" is "$rc" 0
ok "fixtures ingested: 98 reports" is "$(stored)" 98

# golden NAME ARGS...: tlsrpt ARGS... matches $G/NAME
golden() {
	_name=$1
	shift
	tadmin "$@"
	if [ "${TI_REGEN:-0}" = 1 ]; then
		cp "$TMP/admin" "$G/$_name"
	fi
	ok "golden $_name (tlsrpt $*)" sh -c \
	    "test '$arc' = 0 && diff -u '$G/$_name' '$TMP/admin'"
}

# shellcheck disable=SC2086
{
	golden week.txt digest $WEEK --format text
	golden week.html digest $WEEK --format html
	golden week.json digest $WEEK --format json
	golden week3-example.org.json digest --since 2026-10-19 --period week \
	    --domain example.org --format json
}
tadmin html --since 2026-10-26 --period week
ok "tlsrpt html is the html digest" cmp -s "$TMP/admin" "$G/week.html"
tadmin digest --since 2026-10-26 --until 2026-11-02 --format json
ok "--since/--until: the same figures as --period week" sh -c \
    "grep -q '\"failure-rate\":.2.33' '$TMP/admin'"

# What the goldens must say, so that a regeneration cannot lose it.
T="$G/week.txt"
ok "text: example.com is a watch" grep -q '^  example.com .* 2.33% .*watch' "$T"
ok "text: the trend" grep -q '+2.30 points' "$T"
ok "text: the fix names the MX and the SAN" grep -q \
    'The certificate on mail2.example.com lacks that name in its' "$T"
ok "text: a failure confined to one MX" grep -q \
    'Every failure that named its MX was at mail2.example.com' "$T"
ok "text: the silent reporter" grep -q 'mx.example.net: STOPPED' "$T"
ok "text: Microsoft is not called silent" sh -c \
    "! grep -q 'Microsoft Corporation: STOPPED' '$T'"
ok "text: Microsoft's TLSA records decoded" grep -q \
    '^    3 1 1 6A1F0C3E9D7B5A4C2E8F1D3B5A7C9E0F2A4C6E8B0D2F4A6C8E0B2D4F6A8C0E2D$' "$T"
ok "text: sts+tlsa counted once (12772 sessions)" grep -q \
    '2.33% of 12772 sessions failed (297)' "$T"
ok "text: example.org ready for enforce" grep -q \
    'Enforce: READY for enforce' "$T"
ok "text: an unknown result type" grep -q \
    'certificate-revoked at mail2.example.com' "$T"
ok "text: the hostile newline forges no line" sh -c \
    "! grep -q '^X-Injected' '$T' && ! grep -q '^Subject: injected' '$T'"
ok "text: none authenticated, counted all the same, said" sh -c \
    "tr '\n' ' ' <'$T' | tr -s ' ' | grep -q 'Authentication: 10 reports, none authenticated (never checked): counted all the same (\[trust\] count-unauthenticated = yes)'"
J="$G/week3-example.org.json"
ok "week 3: example.org not ready yet, ready on 2026-11-01" sh -c \
    "grep -q '\"verdict\":.\"not-ready\"' '$J' &&
     grep -q '\"ready-on\":.\"2026-11-01\"' '$J'"
H="$G/week.html"
ok "html: no markup from a report survives" sh -c \
    "! grep -qi '<script' '$H' && ! grep -qi '<img' '$H' &&
     ! grep -qi '<b>bold' '$H'"
ok "html: the hostile strings are there, escaped" grep -q \
    'Evil &lt;script&gt;alert(1)&lt;/script&gt;??X-Injected: yes' "$H"
ok "html: self-contained (no external resource)" sh -c \
    "! grep -Eqi '(src|href)=\"(https?:|//)' '$H' && ! grep -qi '<link' '$H'"
if command -v python3 >/dev/null 2>&1; then
	ok "json: valid" python3 -m json.tool "$G/week.json"
else
	skip "python3 not installed"
fi

# The default: reports nobody vouched for move nothing.
# shellcheck disable=SC2086
admin digest $WEEK --format text
tr '\n' ' ' <"$TMP/admin" | tr -s ' ' >"$TMP/flat"
ok "default: exit 0, every domain listed as unauthenticated" sh -c \
    "test '$arc' = 0 &&
     test \$(grep -Ec '^  example\.(com|net|org) +- +- +- +- +unauthenticated$' '$TMP/admin') = 3"
ok "default: 28 reports, none counted, and why" sh -c \
    "grep -q '(UTC), 3 domains: 28 reports, none authenticated (never checked), so none counted\.' '$TMP/flat' &&
     grep -q 'Not counted: 12772 sessions, 297 of them failed, in the unauthenticated reports\.' '$TMP/flat' &&
     grep -q 'set count-unauthenticated = yes in \[trust\] to count them' '$TMP/flat'"
ok "default: no verdict, never ready, no failure detail" sh -c \
    "test \$(grep -c '^Enforce: no verdict (no authenticated report)\.' '$TMP/admin') = 3 &&
     ! grep -q 'READY' '$TMP/admin' && ! grep -q 'What failed' '$TMP/admin' &&
     ! grep -q 'STOPPED' '$TMP/admin'"
# shellcheck disable=SC2086
admin digest $WEEK --format json
ok "default: json verdicts and counts" sh -c \
    "test \$(grep -c '\"verdict\":.\"unauthenticated\"' '$TMP/admin') = 3 &&
     grep -q '\"failure-rate\":.0.00,' '$TMP/admin' &&
     grep -q '\"unauthenticated-counted\":.false' '$TMP/admin'"
# shellcheck disable=SC2086
admin digest $WEEK --to postmaster@example.com
ok "default: the subject says no authenticated report" sh -c \
    "sed '/^\$/q' '$TMP/admin' | tr -d '\n' | grep -q 'Subject: TLS report for 3 domains: no authenticated report (week of 2026-10-26)'"

# Some authenticated: Google's reports pass (as if DKIM-signed), the
# others were never checked.  Only Google's count.
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "UPDATE reports SET auth_method = 'dkim', auth_result = 'pass', auth_domain = 'google.com' WHERE organization_name = 'Google Inc.'"
	# shellcheck disable=SC2086
	admin digest $WEEK --format text
	tr '\n' ' ' <"$TMP/admin" | tr -s ' ' >"$TMP/flat"
	ok "mixed: the figures are Google's" sh -c \
	    "test '$arc' = 0 &&
	     grep -q '^  example.com  *11499  *269  *2.34%  *+2.31 points  *watch$' '$TMP/admin'"
	ok "mixed: the others said, apart" grep -q \
	    'Authentication: 10 reports, 7 authenticated (DKIM): 3 unauthenticated reports (never checked) are not counted. Not counted: 1273 sessions, 28 of them failed, in the unauthenticated reports. In the name of: Microsoft Corporation (3)' \
	    "$TMP/flat"
	ok "mixed: example.org not ready, Microsoft's clean reports not counted" \
	    grep -q 'Enforce: not ready for enforce. The last failure was on 2026-10-17. Only 1 of the 2 reporters' \
	    "$TMP/flat"
	# shellcheck disable=SC2086
	tadmin digest $WEEK --format text
	ok "mixed, count-unauthenticated = yes: ready again" sh -c \
	    "grep -q '^Enforce: READY for enforce' '$TMP/admin' &&
	     grep -q '^  example.com  *12772  *297  *2.33%' '$TMP/admin'"
	sqlite3 "$DB" "UPDATE reports SET auth_method = 'none', auth_result = 'none', auth_domain = NULL"
else
	for _i in 1 2 3 4; do
		skip "sqlite3 command not installed"
	done
fi

# The whole mail.
tadmin digest $WEEK --to 'Postmaster <postmaster@example.com>' \
    --from tlsrpt@example.com
M="$TMP/admin"
# the header, unfolded (RFC 5322 §2.2.3)
sed '/^$/q' "$M" | awk '/^[ \t]/ { h = h $0; next }
    { if (NR > 1) print h; h = $0 } END { print h }' >"$TMP/headers"
ok "mail: exit 0" is "$arc" 0
ok "mail: From, To, Date, Message-Id, MIME-Version" sh -c \
    "grep -q '^From: tlsrpt@example.com' '$TMP/headers' &&
     grep -q '^To: Postmaster <postmaster@example.com>' '$TMP/headers' &&
     grep -q '^Date: ' '$TMP/headers' &&
     grep -Eq '^Message-Id: <[^ ]+@[^ ]+>' '$TMP/headers' &&
     grep -q '^MIME-Version: 1.0' '$TMP/headers' &&
     grep -q '^Auto-Submitted: auto-generated' '$TMP/headers'"
ok "mail: the subject" grep -q \
    '^Subject: TLS report for 3 domains: 1.41% failures, worst example.com 2.33%, reporters stopped: example.com (week of 2026-10-26)$' \
    "$TMP/headers"
ok "mail: multipart/alternative, text then html" sh -c \
    "grep -q '^Content-Type: multipart/alternative' '$TMP/headers' &&
     grep -n '^Content-Type: text/' '$M' | head -n 2 | tr '\n' ' ' |
     grep -q 'text/plain; charset=utf-8.*text/html; charset=utf-8'"
ok "mail: no header from a report" sh -c \
    "! grep -Eqi '^(X-Injected|Bcc|Subject: injected)' '$M'"
ok "mail: lines fit RFC 5322 (998)" \
    awk 'length > 998 { bad = 1 } END { exit bad }' "$M"
tadmin digest $WEEK --domain example.com --to postmaster@example.com
ok "mail: one domain in the subject" sh -c \
    "sed '/^\$/q' '$TMP/admin' | tr -d '\n' |
     grep -q 'Subject: TLS report for example.com: 2.33% failures, reporters stopped (week of 2026-10-26)'"
ok "mail: default From is tlsrpt@<host>" grep -q '^From: tlsrpt@' \
    "$TMP/admin"
cat >"$TMP/digest.conf" <<'EOF'
[digest]
to = "Mail Admin" <admin@example.org>, ops@example.org
from = TLS reports <tlsrpt@example.org>
subject = [TLS] Weekly report
EOF
printf '%s\n' "$TRUST" >>"$TMP/digest.conf"
admin -c "$TMP/digest.conf" digest $WEEK --domain example.org
ok "mail: addresses and subject from the config" sh -c \
    "grep -q '^To: Mail Admin <admin@example.org>, ops@example.org' '$TMP/admin' &&
     grep -q '^From: TLS reports <tlsrpt@example.org>' '$TMP/admin' &&
     grep -q '^Subject: \[TLS\] Weekly report for example.org: 0.00% failures' '$TMP/admin'"
admin digest $WEEK
ok "mail without a recipient: exit 78, says so" sh -c \
    "test '$arc' = 78 && grep -q 'no to address' '$TMP/admin.err'"
admin digest $WEEK --to 'not an address <'
ok "a bad recipient: exit 78" is "$arc" 78
admin digest --until 2026-11-02 --period week --format text
ok "--until with --period: exit 64" is "$arc" 64
admin digest --period fortnight --format text
ok "unknown period: exit 64" is "$arc" 64
admin digest --format pdf
ok "unknown format: exit 64" is "$arc" 64
admin digest --since 2020-01-01 --period day --format text
ok "an empty period: exit 0, says no reports" sh -c \
    "test '$arc' = 0 && grep -q '^No reports' '$TMP/admin'"

# show
admin show 133429504000000000+example.com
ok "show: exit 0" is "$arc" 0
ok "show: both policies, the TLSA records one per line" sh -c \
    "grep -q '^Policy 2: tlsa mx1.example.com' '$TMP/admin' &&
     grep -q 'TLSA records *3 1 1 6A1F0C3E' '$TMP/admin' &&
     grep -q '^ *3 1 1 0B2D4F6A' '$TMP/admin' && ! grep -q '\[\"3 1 1' '$TMP/admin'"
ok "show: failure details with their fix" sh -c \
    "grep -q 'sts-policy-fetch-error: 4 sessions' '$TMP/admin' &&
     grep -q 'fix  *The certificate on mail2.example.com' '$TMP/admin'"
admin show "<script>alert('id')</script>"
no_controls() {
	test "$arc" = 0 && grep -q 'X-Injected' "$TMP/admin" &&
	    ! grep -q '^X-Injected' "$TMP/admin" &&
	    ! grep -q "$(printf '\r')" "$TMP/admin"
}
ok "show: a hostile report prints no control character" no_controls
admin show --json 133429504000000000+example.com
ok "show --json: the report as received" grep -q \
    '^{"organization-name":"Microsoft Corporation"' "$TMP/admin"
admin show no-such-report
ok "show: an unknown id: exit 66" is "$arc" 66

# A stored report that no longer decodes: its sessions stay in the
# totals, the digest says so, and the rest is as before.
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "UPDATE reports SET json = '{' WHERE report_id = '133429504000000000+example.com'"
	# shellcheck disable=SC2086
	tadmin digest $WEEK --format text
	ok "undecodable: exit 0, said, the totals kept" sh -c \
	    "test '$arc' = 0 &&
	     grep -q '^1 stored report no longer decodes: counted in the totals only' '$TMP/admin' &&
	     grep -q '2.33% of 12772 sessions failed (297)' '$TMP/admin'"
	# shellcheck disable=SC2086
	tadmin digest $WEEK --format json
	ok "undecodable: counted in the json" grep -q '"undecodable":.1,' \
	    "$TMP/admin"
else
	skip "sqlite3 command not installed"
	skip "sqlite3 command not installed"
fi

# ---- alerts ------------------------------------------------------------
# report DOMAIN DAY-EPOCH OK FAILED ID: a bare report file in $TMP/in
report() {
	_d=$(date -u -d "@$2" +%Y-%m-%d)
	mkdir -p "$TMP/in"
	printf '{"organization-name":"Alert Test","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"t@example.net","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.%s"],"policy-domain":"%s"},"summary":{"total-successful-session-count":%d,"total-failure-session-count":%d},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx.%s","failed-session-count":%d}]}]}\n' \
	    "$_d" "$_d" "$5" "$1" "$1" "$3" "$4" "$1" "$4" >"$TMP/in/$5.json"
	echo "$TMP/in/$5.json"
}
now=$(date -u +%s)
yday=$((now - now % 86400 - 86400))
cat >"$TMP/alert.sh" <<EOF
#!/bin/sh
cat >>"$TMP/alerts.jsonl"
EOF
cat >"$TMP/alert.conf" <<EOF
[alert]
command = /bin/sh "$TMP/alert.sh"
threshold = 5
period = day
EOF
cp "$TMP/alert.conf" "$TMP/alert-default.conf"
printf '%s\n' "$TRUST" >>"$TMP/alert.conf"
fresh
rm -f "$TMP/alerts.jsonl" "$TMP/alerts.state"
ingest -c "$TMP/alert.conf" "$(report alert.example "$yday" 90 10 a1)"
ok "alert: exit 0" is "$rc" 0
ok "alert: the command ran once with the facts on stdin" sh -c \
    "test \$(wc -l <'$TMP/alerts.jsonl') = 1 &&
     grep -q '\"alert\":{\"domain\":\"alert.example\",\"period\":\"day\"' '$TMP/alerts.jsonl' &&
     grep -q '\"failure-rate\":10.00' '$TMP/alerts.jsonl' &&
     grep -q '\"digest\":{' '$TMP/alerts.jsonl'"
ok "alert: logged" grep -q 'alert status=sent domain=alert.example' "$TMP/log"
ok "alert: state next to the store" grep -q "^alert.example $yday " \
    "$TMP/alerts.state"
ingest -c "$TMP/alert.conf" "$(report alert.example "$yday" 10 90 a2)"
ok "alert: at most once per domain and period" is \
    "$(wc -l <"$TMP/alerts.jsonl" | tr -d ' ')" 1
ingest -c "$TMP/alert.conf" "$(report calm.example "$yday" 999 1 a3)"
ok "alert: below the threshold, no alert" is \
    "$(wc -l <"$TMP/alerts.jsonl" | tr -d ' ')" 1
ingest -c "$TMP/alert.conf" "$(report old.example $((yday - 30 * 86400)) 1 9 a4)"
ok "alert: a backfilled old period does not alert" is \
    "$(wc -l <"$TMP/alerts.jsonl" | tr -d ' ')" 1
# a backfill of six failing days: one alert, for the newest, saying so
rm -rf "$TMP/in"
for k in 0 1 2 3 4 5; do
	report multi.example $((yday - k * 86400)) 50 50 "m$k" >/dev/null
done
ingest -c "$TMP/alert.conf" "$TMP/in"
ok "alert: a backfill alerts once per domain, for its newest period" sh -c \
    "test \$(grep -c '\"domain\":\"multi.example\"' '$TMP/alerts.jsonl') = 1 &&
     grep '\"domain\":\"multi.example\"' '$TMP/alerts.jsonl' |
     grep -q '\"label\":\"day $(date -u -d "@$yday" +%Y-%m-%d)\",\"backfill\":true' &&
     grep -q 'alert status=sent domain=multi.example .*backfill=yes' '$TMP/log'"
sed -i '/multi.example/d' "$TMP/alerts.jsonl"
ingest -c "$TMP/alert.conf" "$(report alert.example "$yday" 90 10 a1)"
ok "alert: a duplicate report does not alert" is \
    "$(wc -l <"$TMP/alerts.jsonl" | tr -d ' ')" 1
ingest -c "$TMP/alert-default.conf" "$(report unauth.example "$yday" 10 90 a9)"
ok "alert: an unauthenticated report (default trust) does not alert" sh -c \
    "test '$rc' = 0 && test \$(wc -l <'$TMP/alerts.jsonl') = 1 &&
     ! grep -q '^unauth.example ' '$TMP/alerts.state'"
ingest -c "$TMP/alert.conf" "$(report unauth.example "$yday" 10 90 a10)"
ok "alert: count-unauthenticated = yes: it does" sh -c \
    "test \$(wc -l <'$TMP/alerts.jsonl') = 2 &&
     tail -n 1 '$TMP/alerts.jsonl' | grep -q '\"domain\":\"unauth.example\".*\"unauthenticated-counted\":true'"
cat >"$TMP/fail.conf" <<EOF
[alert]
command = /bin/sh -c "exit 3"
EOF
printf '%s\n' "$TRUST" >>"$TMP/fail.conf"
ingest -c "$TMP/fail.conf" "$(report fail.example "$yday" 1 9 a5)"
ok "alert: a failing command is logged, the mail stored (exit 0)" sh -c \
    "test '$rc' = 0 && grep -q 'alert status=failed domain=fail.example.*exit=3' '$TMP/log'"
cat >"$TMP/hang.conf" <<EOF
[alert]
command = /bin/sleep 60
timeout = 1
EOF
printf '%s\n' "$TRUST" >>"$TMP/hang.conf"
t0=$(date +%s)
ingest -c "$TMP/hang.conf" "$(report hang.example "$yday" 1 9 a6)"
t1=$(date +%s)
ok "alert: a hanging command is killed after the timeout" sh -c \
    "test '$rc' = 0 && test $((t1 - t0)) -lt 30 &&
     grep -q 'alert status=failed domain=hang.example.*killed after 1 seconds' '$TMP/log'"
cat >"$TMP/bad.conf" <<EOF
[alert]
command = /bin/sh -c "unclosed
EOF
printf '%s\n' "$TRUST" >>"$TMP/bad.conf"
ingest -c "$TMP/bad.conf" "$(report bad.example "$yday" 1 9 a7)"
ok "alert: an unparsable command is logged, the mail stored" sh -c \
    "test '$rc' = 0 && grep -q 'alert status=failed' '$TMP/log'"
cat >"$TMP/pipe.conf" <<EOF
[alert]
command = /bin/sh -c "exec 0<&-; sleep 0"
EOF
printf '%s\n' "$TRUST" >>"$TMP/pipe.conf"
ingest -c "$TMP/pipe.conf" "$(report pipe.example "$yday" 1 9 a8)"
ok "alert: a command that does not read its input" is "$rc" 0

# ---- reports posted over HTTPS: [trust] count-https ----------------------
# post_cgi CONF FILE: tlsrpt-ingest as the CGI a web server runs (source
# https, auth none), configured by TLSRPT_CONFIG; answer in $TMP/out
post_cgi() {
	set +e
	env -i PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 \
	    REQUEST_METHOD=POST CONTENT_TYPE=application/tlsrpt+json \
	    CONTENT_LENGTH="$(wc -c <"$2" | tr -d ' ')" REMOTE_ADDR=192.0.2.9 \
	    TLSRPT_CONFIG="$1" $VALGRIND "$INGEST" <"$2" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	return 0
}
printf '[store]\nstore = %s\n[log]\ntarget = stderr\n' "$DB" >"$TMP/https.conf"
cat "$TMP/alert-default.conf" >>"$TMP/https.conf"
cp "$TMP/https.conf" "$TMP/https-no.conf"
printf '[trust]\ncount-https = no\n' >>"$TMP/https-no.conf"
DAY1="--since $(date -u -d "@$yday" +%Y-%m-%d) --period day"
fresh
rm -f "$TMP/alerts.jsonl" "$TMP/alerts.state"
post_cgi "$TMP/https-no.conf" "$(report post.example "$yday" 10 90 h1)"
ok "https, count-https = no: stored, no alert" sh -c \
    "test '$rc' = 0 && grep -q '^Status: 200' '$TMP/out' &&
     test ! -s '$TMP/alerts.jsonl' && test ! -s '$TMP/alerts.state'"
# shellcheck disable=SC2086
admin -c "$TMP/https-no.conf" digest $DAY1 --domain post.example --format text
ok "https, count-https = no: the digest leaves it out and says so" sh -c \
    "test '$arc' = 0 && tr '\n' ' ' <'$TMP/admin' | tr -s ' ' |
     grep -q '1 report, posted over HTTPS (not counted: \[trust\] count-https = no)' &&
     grep -q 'no verdict (no authenticated report)' '$TMP/admin'"
post_cgi "$TMP/https.conf" "$(report post.example "$yday" 10 90 h2)"
ok "https, count-https = yes (default): it alerts" sh -c \
    "test '$rc' = 0 && test \$(wc -l <'$TMP/alerts.jsonl') = 1 &&
     grep -q '\"domain\":\"post.example\"' '$TMP/alerts.jsonl' &&
     grep -q '\"failure-rate\":90.00' '$TMP/alerts.jsonl' &&
     grep -q '\"https-counted\":true' '$TMP/alerts.jsonl'"
# shellcheck disable=SC2086
admin -c "$TMP/https.conf" digest $DAY1 --domain post.example --format text
ok "https, count-https = yes: the digest counts them and says so" sh -c \
    "test '$arc' = 0 && tr '\n' ' ' <'$TMP/admin' | tr -s ' ' |
     grep -q '2 reports, all posted over HTTPS (counted: \[trust\] count-https)' &&
     grep -q '90.00% of 200 sessions failed' '$TMP/admin'"
# shellcheck disable=SC2086
admin -c "$TMP/https.conf" digest $DAY1 --domain post.example --format json
ok "https: the json has an https count" sh -c \
    "grep -q '\"https\":.2,' '$TMP/admin' &&
     grep -q '\"https-counted\":.true' '$TMP/admin'"

# contrib
ok "contrib: cron.d entry pipes the digest to sendmail -t" grep -Eq \
    '^[0-9*,/ -]+ +[a-z_]+ +.*tlsrpt digest.*\| */usr/sbin/sendmail -t' \
    "$top_srcdir/contrib/cron.d/tlsrpt"
ok "contrib: systemd service and timer" sh -c \
    "grep -q 'tlsrpt digest' '$top_srcdir/contrib/systemd/tlsrpt-digest.service' &&
     grep -q '^OnCalendar=' '$top_srcdir/contrib/systemd/tlsrpt-digest.timer'"
# ---- arrival: a backfill and a live pipe give the same digest ----------
# Google reported s.example daily, each mail arriving at 02:00 the next
# day (our MTA's Received field), and stopped ten days ago.  The same
# mails piped one by one as they came, or backfilled from a Maildir today
# (file names and mtimes of today): the same digest, and the stopped
# reporter is flagged in both (issue #17: a backfill learned Google's
# lateness from the time of the backfill).
# amail DAYS-AGO: a report mail of that day on stdout
amail() {
	_s=$((t0 - $1 * 86400))
	_d=$(date -u -d "@$_s" +%Y-%m-%d)
	_a=$(LC_ALL=C date -u -d "@$((_s + 86400 + 7200))" '+%a, %d %b %Y %H:%M:%S +0000')
	_w=$(LC_ALL=C date -u -d "@$((_s + 86400 + 7000))" '+%a, %d %b %Y %H:%M:%S +0000')
	printf 'Received: from mail-tls.google.com (mail-tls.google.com [192.0.2.7])\n\tby mx.s.example (Postfix) with ESMTPS id 4X%s\n\tfor <tlsrpt@s.example>; %s\n' "$1" "$_a"
	printf 'Received: from localhost by mail-tls.google.com; %s\n' "$_w"
	printf 'From: noreply-smtp-tls-reporting@google.com\nTo: tlsrpt@s.example\n'
	printf 'Date: %s\nMessage-ID: <arr-%s@google.com>\nSubject: Report Domain: s.example\n' "$_w" "$1"
	printf 'MIME-Version: 1.0\nContent-Type: application/tlsrpt+json\n\n'
	printf '{"organization-name":"Google Inc.","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"smtp-tls-reporting@google.com","report-id":"arr-%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.s.example"],"policy-domain":"s.example"},"summary":{"total-successful-session-count":100,"total-failure-session-count":0}}]}\n' \
	    "$_d" "$_d" "$1"
}
now=$(date -u +%s)
t0=$((now - now % 86400))
since=$(date -u -d "@$((t0 - 7 * 86400))" +%Y-%m-%d)
until=$(date -u -d "@$t0" +%Y-%m-%d)
DB0=$DB
DB="$TMP/pipe.db"
fresh
for k in $(seq 28 -1 10); do
	amail "$k" >"$TMP/arr.eml"
	ingest -c "$TMP/trust.conf" <"$TMP/arr.eml"
done
ok "arrival: 19 mails piped" is "$(stored)" 19
tadmin digest --since "$since" --until "$until" --format json
cp "$TMP/admin" "$TMP/pipe.json"
DB="$TMP/backfill.db"
fresh
rm -rf "$TMP/arrbox"
mkdir -p "$TMP/arrbox/cur" "$TMP/arrbox/new" "$TMP/arrbox/tmp"
for k in $(seq 28 -1 10); do
	amail "$k" >"$TMP/arrbox/cur/$now.M${k}P1.host:2,S"
done
ingest -c "$TMP/trust.conf" "$TMP/arrbox"
ok "arrival: 19 mails backfilled" is "$(stored)" 19
"$ADMIN" --store "$DB" export --format jsonl >"$TMP/arr.jsonl"
ok "arrival: _meta.arrived is the Received date, not the backfill" sh -c \
    "grep -q '\"arrived\":\"$(date -u -d "@$((t0 - 10 * 86400 + 86400 + 7200))" +%Y-%m-%dT%H:%M:%SZ)\"' '$TMP/arr.jsonl'"
"$ADMIN" --store "$DB" export --format csv >"$TMP/arr.csv"
"$ADMIN" --store "$DB" show arr-10 >"$TMP/arr.show"
ok "arrival: show says when the mail arrived" grep -q \
    "^  mail arrived  *$(date -u -d "@$((t0 - 10 * 86400 + 86400 + 7200))" '+%Y-%m-%d %H:%M') UTC\$" \
    "$TMP/arr.show"
ok "arrival: csv has an arrived column" sh -c \
    "head -n 1 '$TMP/arr.csv' | grep -q ',auth_domain,arrived'"
tadmin digest --since "$since" --until "$until" --format json
cp "$TMP/admin" "$TMP/backfill.json"
ok "arrival: backfill and pipe give the same digest" \
    diff -u "$TMP/pipe.json" "$TMP/backfill.json"
ok "arrival: Google stopped, s.example silent" sh -c \
    "grep -q '\"status\":.\"silent\"' '$TMP/backfill.json' &&
     grep -q '\"stopped-reporters\":.\[{' '$TMP/backfill.json' &&
     grep -q '\"lateness-days\":.1,' '$TMP/backfill.json'"
ok "arrival: no report this period: no verdict, the newest policy known" sh -c \
    "grep -q '\"verdict\":.\"no-reports\"' '$TMP/backfill.json' &&
     grep -q '\"newest-known-mode\":.\"testing\"' '$TMP/backfill.json' &&
     ! grep -q 'publish an _mta-sts' '$TMP/backfill.json'"
DB=$DB0

done_testing
