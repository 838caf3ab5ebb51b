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
env -i PATH=/usr/bin:/bin $VALGRIND "$INGEST" --store "$DB" \
    <"$DATA/samples/01-google-ok.eml" >"$TMP/out" 2>&1
rc=$?
set -e
ok "syslog mode: exit 0" is "$rc" 0
ok "syslog mode: nothing printed at all" test ! -s "$TMP/out"

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

# --dry-run stores nothing and prints what it would store.
fresh
ingest --dry-run <"$DATA/samples/02-google-failures.eml"
ok "dry run: exit 0" is "$rc" 0
ok "dry run: prints the report" grep -q '^report status=dry-run' "$TMP/out"
ok "dry run: creates no store" test ! -e "$DB"
done_testing
