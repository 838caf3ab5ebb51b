#!/bin/sh
# The PostgreSQL store against a real PostgreSQL 15 server started for
# the test: every fixture mail stores what the manifest says; the same
# mails give the same list and export as a SQLite store; redelivery and
# concurrent delivery from several processes store each report once; a
# lock held past the busy timeout, a newer schema and a stopped server
# defer (exit 75) without ever printing the password.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg-lib.sh"

if ! pg_available; then
	echo "1..0 # SKIP $(pg_why)"
	exit 0
fi
ok "a PostgreSQL 15 server starts" pg_start
[ -n "$PGSTORE" ] || {
	done_testing
	exit 1
}
SQ="$DB"

# pgingest ARGS... <MAIL: ingest (lib.sh) into the PostgreSQL store.
pgingest() {
	ingest --store "$PGSTORE" "$@"
}
pgadmin() {
	set +e
	$VALGRIND "$ADMIN" --store "$PGSTORE" "$@" >"$TMP/admin" \
	    2>"$TMP/admin.err"
	arc=$?
	set -e
	return 0
}
pgstored() {
	"$ADMIN" --store "$PGSTORE" export --format jsonl | wc -l | tr -d ' '
}
pgfresh() {
	psql_ "DROP TABLE IF EXISTS report_keys, report_domains, failures, policies, reports, tlsrpt_meta, check_history,
	    metric_counters" \
	    >/dev/null 2>&1
}
# jsonl without the _meta members a second store cannot share
nometa() {
	sed -E 's/"_meta":\{"id":[0-9]+,"received":"[^"]*",/"_meta":{/' "$1"
}

# (its failures, not its first 40 lines, when it fails)
store_pg() {
	_rc=0
	env PGSTORE="$PGSTORE" $VALGRIND "$top_builddir/tests/unit/test-store-pg" \
	    >"$TMP/store-pg.tap" 2>&1 || _rc=$?
	grep -B 3 -A 2 '^not ok' "$TMP/store-pg.tap" || tail -n 20 "$TMP/store-pg.tap"
	return $_rc
}
ok "unit test test-store-pg against this server" store_pg

pgadmin list
ok "list of an empty database: exit 0, no reports" sh -c \
    "test $arc = 0 && grep -q '^no reports' '$TMP/admin'"

# 1. Every fixture into an empty store, as 10-ingest.t does for SQLite.
MAN="$DATA/mail/MANIFEST"
total=0
bad=
while IFS='	' read -r name stored folder log; do
	case $name in '#'* | '') continue ;; esac
	want=${stored#stored=}
	pgfresh
	bulk pgingest <"$DATA/mail/$name.eml"
	got=$(pgstored)
	if [ "$rc" != 0 ] || [ "$got" != "$want" ] || [ -s "$TMP/out" ]; then
		bad="$bad $name(rc=$rc,stored=$got,want=$want)"
	fi
	total=$((total + want))
done <"$MAN"
ok "every fixture: exit 0, silent, stores what MANIFEST says" is "$bad" ""

# 2. All fixtures and samples into one PostgreSQL and one SQLite store.
pgfresh
rm -f "$SQ" "$SQ-wal" "$SQ-shm"
nsamples=$(find "$DATA/samples" -type f | wc -l | tr -d ' ')
bad=
for f in "$DATA"/mail/*.eml; do
	bulk pgingest <"$f"
	[ "$rc" = 0 ] || bad="$bad $f:$rc"
	bulk ingest <"$f"
	[ "$rc" = 0 ] || bad="$bad sqlite:$f:$rc"
done
pgingest "$DATA/samples"
[ "$rc" = 0 ] || bad="$bad samples:$rc"
bulk ingest "$DATA/samples"
ok "all fixtures and samples ingested into both stores" is "$bad" ""
ok "PostgreSQL holds the fixtures' and samples' reports" test \
    "$(pgstored)" -ge "$nsamples"
ok "as many as SQLite" is "$(pgstored)" "$(stored)"

same() {
	what=$1
	shift
	bulk admin "$@"
	cp "$TMP/admin" "$TMP/sq.out"
	sarc=$arc
	pgadmin "$@"
	ok "$what: the same exit status as SQLite" is "$arc" "$sarc"
	ok "$what: the same output as SQLite" cmp "$TMP/sq.out" "$TMP/admin"
}
same "list" list
same "list --domain EXAMPLE.ORG." list --domain EXAMPLE.ORG.
same "list --since/--until" list --since 2026-11-02 --until 2026-11-04
same "export --format csv" export --format csv
same "export --domain example.com --format csv" export --domain \
    example.com --format csv
bulk admin export
nometa "$TMP/admin" >"$TMP/sq.jsonl"
pgadmin export
nometa "$TMP/admin" >"$TMP/pg.jsonl"
ok "export jsonl: the same as SQLite but for _meta id and received" \
    cmp "$TMP/sq.jsonl" "$TMP/pg.jsonl"
ok "export jsonl: holds the hostile strings, valid UTF-8" sh -c \
    "grep -q fx027 '$TMP/pg.jsonl' && iconv -f UTF-8 -t UTF-8 '$TMP/pg.jsonl' >/dev/null"
ok "policies and failures rows were written" test \
    "$(psql_ 'SELECT count(*) FROM failures')" -gt 0

# 3. Redelivery stores nothing new and says duplicate.
n=$(pgstored)
dups=0
for f in "$DATA"/mail/0*.eml; do
	bulk pgingest <"$f"
	grep -q 'mail status=duplicate' "$TMP/log" && dups=$((dups + 1))
done
ok "redelivery stores nothing new" is "$(pgstored)" "$n"
ok "and says duplicate for every mail" test "$dups" -ge 30

# 4. A report-id near the string limit: PostgreSQL's btree index limit
# (about 2700 bytes) must not turn it into an endless deferral.
long=$(head -c 4000 /dev/zero | tr '\0' 'x')
printf '{"organization-name":"Long","date-range":{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T23:59:59Z"},"report-id":"%s","policies":[{"policy":{"policy-type":"no-policy-found","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}' \
    "$long" >"$TMP/long.json"
pgingest "$TMP/long.json"
ok "a 4000-byte report-id is stored" sh -c \
    "test $rc = 0 && grep -q 'status=stored' '$TMP/log'"
pgingest "$TMP/long.json"
ok "and is a duplicate the second time" grep -q 'status=duplicate' \
    "$TMP/log"

# 5. Concurrency: several processes deliver the same mails at once, each
# in its own order; two mails hold the same two reports in opposite
# orders (a deadlock PostgreSQL breaks: the loser defers, exit 75, and
# its retry succeeds).  The reports fall in six months: the first
# deliveries also race to create each month's partitions.
report() { # ORG ID DAY (month DAY % 6 + 1 of 2026)
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-%02d-%02dT00:00:00Z","end-datetime":"2026-%02d-%02dT23:59:59Z"},"contact-info":"c@example.net","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-domain":"load.example","mx-host":["mx.load.example"]},"summary":{"total-successful-session-count":%d,"total-failure-session-count":1},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.load.example","failed-session-count":1}]}]}' \
	    "$1" $(($3 % 6 + 1)) "$3" $(($3 % 6 + 1)) "$3" "$2" "$3"
}
part() { # ID JSON
	printf -- '--b\nContent-Type: application/tlsrpt+json\nContent-Disposition: attachment; filename="x!load.example!1!2!%s.json"\n\n%s\n' \
	    "$1" "$2"
}
mail() { # N PARTS...
	_n=$1
	shift
	printf 'From: r@example.net\nTo: tlsrpt@example.com\nSubject: Report Domain: load.example\nMessage-ID: <load%s@example.net>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=tlsrpt; boundary="b"\n\n' "$_n"
	for _p in "$@"; do
		printf '%s\n' "$_p"
	done
	printf -- '--b--\n'
}
if [ -n "$VALGRIND" ]; then
	workers=2 mails=4
else
	workers=8 mails=40
fi
mkdir -p "$TMP/load"
i=1
while [ "$i" -le "$mails" ]; do
	mail "$i" "$(part "r$i" "$(report "Load Org" "load-$i" $((i % 28 + 1)))")" \
	    >"$TMP/load/m$i.eml"
	i=$((i + 1))
done
ra=$(part a "$(report "Pair Org" pair-a 1)")
rb=$(part b "$(report "Pair Org" pair-b 2)")
mail ab "$ra" "$rb" >"$TMP/load/mab.eml"
mail ba "$rb" "$ra" >"$TMP/load/mba.eml"
want=$((mails + 2))
# from an empty database: the first deliveries race to create the schema
pgfresh
before=0

worker() { # W: deliver every mail, in an order of its own, retrying 75s
	_w=$1
	ls "$TMP/load" | awk -v s="$_w" 'BEGIN { srand(s) }
	    { print rand() "\t" $0 }' | sort | cut -f2 |
	while read -r _m; do
		for _try in 1 2 3 4 5 6; do
			set +e
			env -i PATH=/usr/bin:/bin $VALGRIND "$INGEST" \
			    --dkim=off --log=stderr --store "$PGSTORE" \
			    <"$TMP/load/$_m" >"$TMP/w$_w.out" 2>"$TMP/w$_w.log"
			_rc=$?
			set -e
			echo "$_m $_rc" >>"$TMP/w$_w.rc"
			cat "$TMP/w$_w.out" "$TMP/w$_w.log" |
			    grep -v -e '^tlsrpt-ingest: ' \
			    -e '^4\.3\.0 tlsrpt-ingest: ' >>"$TMP/w$_w.noise" ||
			    true
			[ "$_rc" = 75 ] || break
			cat "$TMP/w$_w.out" >>"$TMP/w$_w.75"
		done
	done
}
t0=$(date +%s)
w=1
while [ "$w" -le "$workers" ]; do
	worker "$w" &
	w=$((w + 1))
done
wait
t1=$(date +%s)
echo "# $workers processes x $want mails: $((t1 - t0)) s"
cat "$TMP"/w*.rc >"$TMP/all.rc"
ok "every delivery ended with 0 or 75" sh -c \
    "! grep -v ' 0\$' '$TMP/all.rc' | grep -v ' 75\$'"
ok "every mail was delivered by every process in the end" is \
    "$(grep -c ' 0$' "$TMP/all.rc")" $((workers * (want)))
ok "nothing printed but our own log lines (no libpq notices)" sh -c \
    "! cat '$TMP'/w*.noise | grep ."
n75=$(grep -c ' 75$' "$TMP/all.rc" || true)
echo "# deferrals (then retried): $n75"
[ "$n75" = 0 ] || sed 's/^/# /' "$TMP"/w*.75 | sort | uniq -c | head -n 5
ok "every distinct report stored exactly once" is \
    "$(psql_ "SELECT count(*) FROM reports WHERE domain = 'load.example'")" \
    "$want"
ok "no report twice" is "$(psql_ 'SELECT count(*) FROM (SELECT 1 FROM
    reports GROUP BY organization_name, report_id HAVING count(*) > 1) d')" 0
ok "each with its one policy and failure row" is "$(psql_ "SELECT
    count(*) FROM reports r JOIN policies p ON p.report = r.id JOIN
    failures f ON f.policy = p.id WHERE r.domain = 'load.example'")" "$want"
ok "the store grew by exactly that" is "$(pgstored)" $((before + want))
months=$(awk -v n="$mails" 'BEGIN { m[1 % 6 + 1]; m[2 % 6 + 1]
    for (i = 1; i <= n; i++) m[(i % 28 + 1) % 6 + 1]
    for (k in m) c++; print c }')
ok "in $months monthly partitions, none in the default one" is "$(psql_ "SELECT
    count(DISTINCT tableoid) || ' ' || count(*) FILTER (WHERE tableoid =
    'reports_pother'::regclass) FROM reports WHERE domain = 'load.example'")" \
    "$months 0"
ok "one key for each report" is "$(psql_ "SELECT count(*) FROM report_keys k
    JOIN reports r ON r.id = k.report AND r.start_time = k.start_time
    WHERE r.domain = 'load.example'")" "$want"

# 6. A lock held past busy-timeout defers with a message that says so.
printf '[store]\nbusy-timeout = 300\n' >"$TMP/busy.conf"
psql_ "BEGIN; LOCK TABLE reports IN ACCESS EXCLUSIVE MODE;
    SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
lockpid=$!
for _i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(psql_ "SELECT count(*) FROM pg_locks WHERE granted AND
	    mode = 'AccessExclusiveLock' AND
	    relation = 'reports'::regclass")" = 1 ] && break
	sleep 0.5
done
pgingest -c "$TMP/busy.conf" <"$DATA/mail/014-three-policies.eml"
ok "a locked table: exit 75" is "$rc" 75
ok "a locked table: the 4.3.0 line says busy" sh -c \
    "grep -q '^4.3.0 .*busy past the timeout' '$TMP/out'"
psql_ "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
    WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$lockpid" || true

# 7. A newer schema than this program: defer, and the admin says why.
ver=$(psql_ "SELECT value FROM tlsrpt_meta WHERE key = 'schema_version'")
cur=$(sed -n 's/^#define STORE_SCHEMA_VERSION //p' "$top_srcdir/src/store/store-int.h")
ok "the store is at schema $cur" is "$ver" "$cur"
psql_ "UPDATE tlsrpt_meta SET value = '99' WHERE key = 'schema_version'"
pgingest <"$DATA/mail/014-three-policies.eml"
ok "newer schema: tlsrpt-ingest exits 75" sh -c \
    "test $rc = 75 && grep -q 'newer than this program' '$TMP/out'"
pgadmin list
ok "newer schema: tlsrpt list exits 78" is "$arc" 78
psql_ "UPDATE tlsrpt_meta SET value = '$ver' WHERE key = 'schema_version'"

# 8. The server is down: defer with the reason, never the password.
pw=s3cr3t-pw-$$
PGSTORE="postgresql://postgres:$pw@127.0.0.1:$PGPORT_T/postgres"
pgingest <"$DATA/mail/014-three-policies.eml"
ok "a password the trust server ignores: still stores" is "$rc" 0
pg_stop
t0=$(date +%s)
pgingest <"$DATA/mail/014-three-policies.eml"
t1=$(date +%s)
ok "server stopped: exit 75" is "$rc" 75
ok "server stopped: a 4.3.0 line naming the connection failure" sh -c \
    "grep -q '^4.3.0 tlsrpt-ingest: store postgresql://postgres:\\*\\*\\*@127.0.0.1:$PGPORT_T/postgres: cannot connect: .*refused' '$TMP/out'"
ok "server stopped: the password is nowhere" sh -c \
    "! grep -q '$pw' '$TMP/out' '$TMP/log'"
ok "server stopped: one line" is "$(wc -l <"$TMP/out" | tr -d ' ')" 1
ok "server stopped: fails fast" test $((t1 - t0)) -le 10
PGSTORE="postgresql://postgres@127.0.0.1:$PGPORT_T/postgres?password=$pw"
pgadmin list
ok "tlsrpt list: exit 75, no password" sh -c \
    "test $arc = 75 && grep -q 'password=\\*\\*\\*' '$TMP/admin.err' &&
     ! grep -q '$pw' '$TMP/admin.err'"
done_testing
