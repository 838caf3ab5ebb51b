#!/bin/sh
# Every fixture mail of tests/data/mail, ingested once into an empty store
# and archive as a pipe delivery would: exit 0, nothing printed, the
# expected number of reports stored, the raw mail in the expected folder,
# and a log that says why.  Then all of them again into one store: a
# redelivery stores nothing new.
. "$top_srcdir/tests/e2e/lib.sh"

MAN="$DATA/mail/MANIFEST"
total=0
while IFS='	' read -r name stored folder log; do
	case $name in '#'* | '') continue ;; esac
	want=${stored#stored=}
	folder=${folder#folder=}
	log=${log#log=}
	f="$DATA/mail/$name.eml"
	fresh
	ingest --archive "$MD" <"$f"
	ok "$name: exit 0" is "$rc" 0
	ok "$name: prints nothing on stdout" test ! -s "$TMP/out"
	ok "$name: $want stored" is "$(stored)" "$want"
	if [ "$folder" = main ]; then
		ok "$name: archived in the main folder" is \
		    "$(in_folder "$MD")/$(in_folder "$MD/.rejected")" 1/0
	else
		ok "$name: archived in .rejected" is \
		    "$(in_folder "$MD")/$(in_folder "$MD/.rejected")" 0/1
	fi
	ok "$name: log says /$log/" grep -Eiq -- "$log" "$TMP/log"
	ok "$name: every log line is one whole line" sh -c \
	    "! grep -v '^tlsrpt-ingest: ' '$TMP/log'"
	total=$((total + want))
done <"$MAN"

# All fixtures into one store, twice.
fresh
for f in "$DATA"/mail/*.eml; do
	ingest <"$f"
	[ "$rc" = 0 ] || echo "# $f: exit $rc"
done
ok "all fixtures in one store: $total reports" is "$(stored)" "$total"
dups=0
for f in "$DATA"/mail/*.eml; do
	ingest <"$f"
	if grep -q 'mail status=duplicate' "$TMP/log"; then
		dups=$((dups + 1))
	fi
done
ok "a second delivery of every mail stores nothing new" is "$(stored)" "$total"
ok "and says duplicate for every mail with a report" test "$dups" -ge 30

# Success is silent even on stderr when the log goes to syslog.
fresh
set +e
env -i PATH=/usr/bin:/bin $VALGRIND "$INGEST" --dkim=off --store "$DB" \
    <"$DATA/samples/01-google-ok.eml" >"$TMP/out" 2>&1
rc=$?
set -e
ok "syslog mode: exit 0" is "$rc" 0
ok "syslog mode: nothing printed at all" test ! -s "$TMP/out"

# Without a syslog daemon (no /dev/log), syslog(3) would make a socket,
# fail to connect it and close it for every line: one access(2) a line
# instead (the socket of openlog(3) at the start remains).
if command -v strace >/dev/null 2>&1 && [ ! -e /dev/log ] &&
    [ -z "$VALGRIND" ]; then
	fresh
	env -i PATH=/usr/bin:/bin strace -f -qq -e trace=socket,access \
	    -o "$TMP/strace" "$INGEST" --dkim=off --store "$DB" \
	    <"$DATA/samples/02-google-failures.eml" >/dev/null 2>&1 || true
	if [ -e /dev/log ]; then
		skip "a syslog daemon appeared meanwhile"
	else
		ok "no syslog daemon: one socket, not one a line" is \
		    "$(grep -c 'socket(' "$TMP/strace")" 1
	fi
else
	skip "strace missing, valgrind, or a syslog daemon runs"
fi

# The log line of a stored report carries the documented keys.
fresh
ingest <"$DATA/samples/02-google-failures.eml"
for key in reporter report_id policy_domain policy_type successes failures \
    failure_rate; do
	ok "report line has $key=" grep -q "report status=stored.* $key=" "$TMP/log"
done
for key in result_type receiving_mx sending_ip receiving_ip count; do
	ok "failure line has $key=" grep -q "failure .* $key=" "$TMP/log"
done
ok "the envelope sender is kept" sh -c \
    "'$ADMIN' --store '$DB' export | grep -q '\"envelope-sender\":\"reports@example.net\"'"

# A report with more failure details than [log] max-failure-lines (100 by
# default): that many failure lines, then one line that counts the rest;
# the store has them all.
big_report() {
	awk -v n="$1" 'BEGIN {
		printf "{\"organization-name\":\"Big Sender\",\"date-range\":"
		printf "{\"start-datetime\":\"2026-11-01T00:00:00Z\","
		printf "\"end-datetime\":\"2026-11-01T23:59:59Z\"},"
		printf "\"contact-info\":\"tlsrpt@big.example\","
		printf "\"report-id\":\"big-%d\",\"policies\":[{\"policy\":", n
		printf "{\"policy-type\":\"sts\",\"policy-string\":[\"mode: testing\"],"
		printf "\"policy-domain\":\"example.com\",\"mx-host\":[\"mx.example.com\"]},"
		printf "\"summary\":{\"total-successful-session-count\":5,"
		printf "\"total-failure-session-count\":%d},\"failure-details\":[", n * 2
		for (i = 1; i <= n; i++)
			printf "%s{\"result-type\":\"certificate-expired\",\"sending-mta-ip\":\"192.0.2.%d\",\"receiving-mx-hostname\":\"mx%d.example.com\",\"failed-session-count\":2}", (i > 1 ? "," : ""), i % 250, i
		printf "]}]}\n"
	}'
}
big_report 150 >"$TMP/big.json"
fresh
ingest <"$TMP/big.json"
ok "150 failure details: exit 0" is "$rc" 0
ok "150 failure details: 100 failure lines (the default)" \
    is "$(grep -c '^tlsrpt-ingest: failure ' "$TMP/log")" 100
ok "150 failure details: one line counts the other 50 and their sessions" \
    grep -q '^tlsrpt-ingest: failures_omitted reporter="Big Sender" report_id=big-150 status=stored logged=100 details=50 sessions=100$' \
    "$TMP/log"
ok "150 failure details: the report line has the totals" \
    grep -q '^tlsrpt-ingest: report status=stored .* failures=300 ' "$TMP/log"
ok "150 failure details: the store has all 150" is "$("$ADMIN" --store "$DB" \
    export --format jsonl | grep -o '"result-type"' | wc -l | tr -d ' ')" 150
ingest <"$TMP/big.json"
ok "a duplicate: no failure lines, no count" is \
    "$(grep -c '^tlsrpt-ingest: failure' "$TMP/log")" 0
printf '[log]\nmax-failure-lines = 0\n' >"$TMP/nolines.conf"
fresh
ingest -c "$TMP/nolines.conf" <"$TMP/big.json"
ok "max-failure-lines = 0: no failure line" is \
    "$(grep -c '^tlsrpt-ingest: failure ' "$TMP/log")" 0
ok "max-failure-lines = 0: one line counts all 150" grep -q \
    'failures_omitted .* logged=0 details=150 sessions=300$' "$TMP/log"
printf '[log]\nmax-failure-lines = 1000\n' >"$TMP/lines.conf"
fresh
ingest -c "$TMP/lines.conf" <"$TMP/big.json"
ok "max-failure-lines = 1000: all 150 lines, no count" is \
    "$(grep -c '^tlsrpt-ingest: failure ' "$TMP/log")/$(grep -c \
    failures_omitted "$TMP/log")" 150/0

# --dry-run stores nothing and prints what it would store.
fresh
ingest --dry-run <"$DATA/samples/02-google-failures.eml"
ok "dry run: exit 0" is "$rc" 0
ok "dry run: prints the report" grep -q '^report status=dry-run' "$TMP/out"
ok "dry run: creates no store" test ! -e "$DB"
done_testing
