#!/bin/sh
# Concurrency through nginx and fcgiwrap (16 children): 64 posts at once,
# 2000 in all, new reports and duplicates (gzip), into one SQLite store.
# Every distinct report is stored once, and no post fails: a 503 counts
# only if its retry succeeds (as a sender retries it); no other 5xx.
# The figures (posts/s) are printed as TAP comments.  Full size only
# where TI_HEAVY_TESTS=1 (plain builds); smaller otherwise, tiny under
# valgrind.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/https-lib.sh"

if [ -n "$VALGRIND" ]; then
	P=4 N=12 D=8
elif [ "${TI_HEAVY_TESTS:-0}" = 1 ]; then
	P=64 N=2000 D=1200
else
	P=16 N=300 D=200
fi
P=${TI_LOAD_PARALLEL:-$P}
N=${TI_LOAD_POSTS:-$N}
D=${TI_LOAD_DISTINCT:-$D}
TRIES=10
HS_FCGI_CHILDREN=16

if ! https_ca; then
	skip "openssl or curl is not installed"
	done_testing
	exit 0
fi
# the built-in busy-timeout (5 s), as a site would run it
https_conf <<EOF
[trust]
domains = example.com
EOF
if ! nginx_start "$HS_CGI" "$HS_CONF"; then
	skip "nginx with fcgiwrap is not available"
	done_testing
	exit 0
fi

# Post i carries report-id load-(i % D): posts i and i+D are the same
# report.  One awk for all the JSON, one gzip for all the files.
mkdir -p "$TMP/l"
awk -v dir="$TMP/l" -v n="$N" -v d="$D" 'BEGIN {
	for (i = 0; i < n; i++) {
		f = sprintf("%s/%05d.json", dir, i)
		printf "{\"organization-name\":\"Reporter Example\"," \
		    "\"date-range\":{\"start-datetime\":\"2026-10-20T00:00:00Z\"," \
		    "\"end-datetime\":\"2026-10-20T23:59:59Z\"}," \
		    "\"contact-info\":\"tlsrpt@reporter.example\"," \
		    "\"report-id\":\"load-%d\",\"policies\":[{\"policy\":" \
		    "{\"policy-type\":\"sts\",\"policy-string\":" \
		    "[\"version: STSv1\",\"mode: enforce\"]," \
		    "\"policy-domain\":\"example.com\"," \
		    "\"mx-host\":[\"mx1.example.com\"]},\"summary\":" \
		    "{\"total-successful-session-count\":%d," \
		    "\"total-failure-session-count\":0}}]}\n", i % d, i % d + 1 >f
		close(f)
	}
}'
gzip -9n "$TMP"/l/*.json

# worker W: post W, W+P, W+2P, ...; a 503 is retried after a short pause
# (a sender waits minutes), up to TRIES attempts.  One line per post in
# $TMP/res.W: "POST ATTEMPTS FINAL-STATUS STATUSES-SEEN".
worker() {
	_w=$1 _i=$1
	: >"$TMP/res.$_w"
	while [ "$_i" -lt "$N" ]; do
		_f=$(printf '%s/l/%05d.json.gz' "$TMP" "$_i")
		_n=0 _seen=
		while :; do
			_n=$((_n + 1))
			_s=$(curl --silent --output /dev/null --max-time 120 \
			    --write-out '%{http_code}' --cacert "$HS_CA" \
			    --header 'Content-Type: application/tlsrpt+gzip' \
			    --data-binary @"$_f" "$NGINX_URL") || :
			[ -n "$_s" ] || _s=000
			_seen="$_seen$_s,"
			[ "$_s" = 503 ] && [ "$_n" -lt "$TRIES" ] || break
			sleep 0.2
		done
		echo "$_i $_n $_s $_seen" >>"$TMP/res.$_w"
		_i=$((_i + P))
	done
}

t0=$(($(date +%s%N) / 1000000))
w=0
pids=
while [ "$w" -lt "$P" ]; do
	worker "$w" &
	pids="$pids $!"
	w=$((w + 1))
done
# shellcheck disable=SC2086
wait $pids
ms=$(($(date +%s%N) / 1000000 - t0))
[ "$ms" -gt 0 ] || ms=1

cat "$TMP"/res.* >"$TMP/res"
done_n=$(wc -l <"$TMP/res" | tr -d ' ')
failed=$(awk '$3 != 200' "$TMP/res" | wc -l | tr -d ' ')
retried=$(awk '$2 > 1' "$TMP/res" | wc -l | tr -d ' ')
deferrals=$(awk '{ n += $2 - 1 } END { print n + 0 }' "$TMP/res")
maxtries=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$TMP/res")
badstatus=$(awk '{ n = split($4, e, ","); for (j = 1; j < n; j++)
	if (e[j] != 200 && e[j] != 503) b++ } END { print b + 0 }' "$TMP/res")
stored_n=$(grep -c 'report status=stored' "$HS_CGILOG") || :
dups=$(grep -c 'report status=duplicate' "$HS_CGILOG") || :
echo "# nginx+fcgiwrap ($HS_FCGI_CHILDREN children): $N posts ($D distinct" \
    "reports), $P at once: $((ms / 1000)).$((ms % 1000 / 100)) s," \
    "$((N * 1000 / ms)).$((N * 10000 / ms % 10)) posts/s"
echo "# $stored_n stored, $dups duplicates, $deferrals answers 503 in" \
    "$retried posts, at most $maxtries attempts, $failed failed for good"
ok "every post answered" is "$done_n" "$N"
ok "every answer 200 or 503" is "$badstatus" 0
ok "no post failed for good (503 retried until 200)" is "$failed" 0
ok "every distinct report stored" is "$(https_stored)" "$D"
ok "logged stored once each" is "$stored_n" "$D"
ok "the rest logged as duplicates" is "$dups" "$((N - D))"
if [ "$deferrals" != 0 ]; then
	echo "# why posts got a 503:"
	grep '^tlsrpt-ingest: error' "$HS_CGILOG" | sed 's/.*reason=//' |
	    sort | uniq -c | sort -rn | head -n 5 | sed 's/^/#   /'
fi
if [ "$failed" != 0 ] || [ "$badstatus" != 0 ]; then
	awk '$3 != 200 || $4 ~ /[^0235,]/' "$TMP/res" | head -n 5 |
	    sed 's/^/# /'
	tail -n 5 "$HS_DIR/logs/nginx-error.log" | sed 's/^/# /'
fi
if command -v sqlite3 >/dev/null 2>&1; then
	ok "the store passes integrity_check" \
	    is "$(as_www sqlite3 "$HS_DB" 'PRAGMA integrity_check;')" ok
else
	skip "sqlite3 command not installed"
fi
https_clean load
done_testing
