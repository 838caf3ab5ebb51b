#!/bin/sh
# A store of many reports (issue #16): tlsrpt list, export (jsonl and
# csv) and prune --dry-run and prune stream, so that their peak memory
# (GNU time's maximum resident set size) on a store of 20,000 reports is
# that on a store of 1,000, within a small margin, on SQLite and (when a
# PostgreSQL server can be started here) PostgreSQL; and they give what
# they should: list's table and count, one domain's reports in start
# time order.  The stores are built with scale-lib.sh (SQL copies of one
# ingested report), not by ingesting 20,000 mails.  Under AddressSanitizer
# (whose quarantine keeps freed memory) the commands only have to run
# cleanly; tlsrpt never runs under valgrind here (it would be measured).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg-lib.sh"
. "$top_srcdir/tests/e2e/scale-lib.sh"

TIME=/usr/bin/time
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
if ! "$TIME" -f %M true >/dev/null 2>&1; then
	echo "1..0 # SKIP GNU time not installed ($TIME)"
	exit 0
fi
printf '[trust]\ndkim = off\ncount-unauthenticated = yes\n' >"$TMP/conf"
SEED="$DATA/samples/02-google-failures.eml"
# memory may grow by this much (KB) from 1,000 to 20,000 reports; the
# old list held every row: about 9,000 KB more for 20,000
SLACK=2048

# peak STORE ARGS...: the peak RSS (KB) of tlsrpt ARGS on STORE, never
# under valgrind (its own memory would be measured); output in $TMP/peak
peak() {
	_s=$1
	shift
	"$TIME" -o "$TMP/time" -f %M "$ADMIN" -c "$TMP/conf" --store "$_s" \
	    "$@" >"$TMP/peak" 2>"$TMP/peak.err" || {
		cat "$TMP/peak.err" >&2
		echo 999999
		return
	}
	tail -n 1 "$TMP/time"
}

# AddressSanitizer keeps freed memory in quarantine (256 MB): there the
# figures grow with the work done, and only a clean run is checked
asan=
if grep -q '__asan_init' "$ADMIN" 2>/dev/null; then
	asan=1
fi

# within NAME SMALL BIG: BIG is SMALL + SLACK at most (under ASan: both
# ran cleanly).
within() {
	if [ -n "$asan" ]; then
		[ "$2" != 999999 ] && [ "$3" != 999999 ]
		return
	fi
	[ "$3" -le $(($2 + SLACK)) ] || {
		echo "$1: $3 KB on 20,000 reports, $2 KB on 1,000"
		return 1
	}
}

# check KIND STORE_SMALL STORE_BIG: the memory of each command on both.
check() {
	for _cmd in "list" "export" "export --format csv" \
	    "list --domain c3.example" "prune --dry-run --until today"; do
		# shellcheck disable=SC2086
		_a=$(peak "$2" $_cmd)
		# shellcheck disable=SC2086
		_b=$(peak "$3" $_cmd)
		ok "$1: $_cmd: peak memory $_b KB on 20,000 reports, $_a KB on 1,000" \
		    within "$_cmd" "$_a" "$_b"
	done
	_b=$(peak "$3" list)
	ok "$1: list shows all 20,000, aligned" sh -c "
	    tail -n 1 '$TMP/peak' | grep -qx '20000 reports' &&
	    test \$(sed -E '\$d; s/[^ ]+\$//' '$TMP/peak' |
		awk '{ print length }' | sort -u | wc -l) = 1"
	peak "$3" list --domain C3.Example. >/dev/null
	ok "$1: list --domain: that domain's 1,000, in time order" sh -c "
	    tail -n 1 '$TMP/peak' | grep -qx '1000 reports' &&
	    sed '1d;\$d' '$TMP/peak' | awk '{ print \$2 }' | sort -u |
		grep -qx c3.example &&
	    sed '1d;\$d' '$TMP/peak' | awk '{ print \$1 }' | sort -c"
}

# SQLite: 10 domains x 2 x 50 days and 20 domains x 2 x 500 days
small="$TMP/small.db"
big="$TMP/big.db"
ingest --store "$small" <"$SEED"
ingest --store "$big" <"$SEED"
# fill_sqlite STORE DOMAINS REPORTERS DAYS: scale-lib.sh's copies.
fill_sqlite() {
	scale_sql sqlite "$2" "$3" "$4" >"$TMP/fill.sql"
	sqlite3 "$1" <"$TMP/fill.sql" >/dev/null
	is "$(sqlite3 "$1" 'SELECT count(*) FROM reports')" $(($2 * $3 * $4))
}
ok "small SQLite store: 1,000 reports" fill_sqlite "$small" 10 2 50
ok "big SQLite store: 20,000 reports" fill_sqlite "$big" 20 2 500
check sqlite "$small" "$big"
a=$(peak "$small" prune --until today)
b=$(peak "$big" prune --until today)
ok "sqlite: prune: peak memory $b KB on 20,000 reports, $a KB on 1,000" \
    within prune "$a" "$b"
ok "sqlite: prune deleted them all, their rows in every table" sh -c "
    grep -qx '20000 reports deleted' '$TMP/peak' &&
    test \$(sqlite3 '$big' 'SELECT (SELECT count(*) FROM reports) +
	(SELECT count(*) FROM policies) + (SELECT count(*) FROM failures) +
	(SELECT count(*) FROM report_domains)') = 0"

if ! pg_available; then
	skip "PostgreSQL: $(pg_why)"
	done_testing
	exit
fi
ok "a PostgreSQL 15 server starts" pg_start
[ -n "$PGSTORE" ] || {
	done_testing
	exit 1
}
psql_ "CREATE DATABASE small" >/dev/null
psql_ "CREATE DATABASE big" >/dev/null
pgs="postgresql://postgres@127.0.0.1:$PGPORT_T/small"
pgb="postgresql://postgres@127.0.0.1:$PGPORT_T/big"
ingest --store "$pgs" <"$SEED"
ingest --store "$pgb" <"$SEED"
# fill_pg DATABASE DOMAINS REPORTERS DAYS
fill_pg() {
	scale_sql postgresql "$2" "$3" "$4" >"$TMP/fill.sql"
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT_T" \
	    -U postgres -d "$1" -f "$TMP/fill.sql" >/dev/null
	is "$("$PGBIN/psql" -X -A -t -h 127.0.0.1 -p "$PGPORT_T" -U postgres \
	    -d "$1" -c 'SELECT count(*) FROM reports')" $(($2 * $3 * $4))
}
ok "small PostgreSQL store: 1,000 reports" fill_pg small 10 2 50
ok "big PostgreSQL store: 20,000 reports" fill_pg big 20 2 500
check postgresql "$pgs" "$pgb"
a=$(peak "$pgs" prune --until today)
b=$(peak "$pgb" prune --until today)
ok "postgresql: prune: peak memory $b KB on 20,000 reports, $a KB on 1,000" \
    within prune "$a" "$b"
ok "postgresql: prune deleted them all, their rows in every table" sh -c "
    grep -qx '20000 reports deleted' '$TMP/peak' &&
    test \$('$PGBIN/psql' -X -A -t -h 127.0.0.1 -p $PGPORT_T -U postgres \
	-d big -c 'SELECT (SELECT count(*) FROM reports) +
	(SELECT count(*) FROM policies) + (SELECT count(*) FROM failures) +
	(SELECT count(*) FROM report_domains)') = 0"
done_testing
