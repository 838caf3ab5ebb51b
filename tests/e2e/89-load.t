#!/bin/sh
# Concurrency and load: 64 deliveries at once, 5000 mails in all (new
# reports and duplicates) into one SQLite store, and into one PostgreSQL
# store when tests/e2e/pg-lib.sh can start a server.  Every distinct
# report is stored once, and no delivery fails: a 75 counts as success
# only if its retry succeeds (as Postfix retries it).  The figures are
# printed as TAP comments.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/faults-lib.sh"

# Full size in a plain build only.
if [ -n "$VALGRIND" ]; then
	P=4 N=12 D=8
elif [ "$HEAVY" = 1 ]; then
	P=64 N=5000 D=3000
else
	P=16 N=600 D=400
fi
P=${TI_LOAD_PARALLEL:-$P}
N=${TI_LOAD_MAILS:-$N}
D=${TI_LOAD_DISTINCT:-$D}
TRIES=10
mkmails "$TMP/m" "$N" "$D" load

# worker W STORE: deliver mails W, W+P, W+2P, ...; up to TRIES attempts
# each, 75 retried after a short pause.  One line per mail in
# $TMP/res.W: "MAIL ATTEMPTS FINAL-EXIT EXITS-SEEN".
worker() {
	_w=$1 _store=$2 _i=$1
	: >"$TMP/res.$_w"
	while [ "$_i" -lt "$N" ]; do
		_f=$(printf '%s/m/%05d.eml' "$TMP" "$_i")
		_n=0 _seen=
		while :; do
			_n=$((_n + 1))
			if env -i PATH=/usr/bin:/bin $VALGRIND "$INGEST" --dkim=off \
			    --log=stderr --store "$_store" <"$_f" \
			    >"$TMP/out.$_w" 2>>"$TMP/log.$_w"; then
				_rc=0
			else
				_rc=$?
			fi
			_seen="$_seen$_rc,"
			[ "$_rc" = 75 ] && [ "$_n" -lt "$TRIES" ] || break
			sleep 0.2
		done
		echo "$_i $_n $_rc $_seen" >>"$TMP/res.$_w"
		_i=$((_i + P))
	done
}

# load LABEL STORE [BASE]: the whole run against one store that holds
# BASE reports before.
load() {
	label=$1 store=$2 base=${3:-0}
	rm -f "$TMP"/res.* "$TMP"/log.* "$TMP"/out.*
	t0=$(now_ms)
	w=0
	pids=
	while [ "$w" -lt "$P" ]; do
		worker "$w" "$store" &
		pids="$pids $!"
		w=$((w + 1))
	done
	# shellcheck disable=SC2086
	wait $pids
	ms=$(($(now_ms) - t0))
	[ "$ms" -gt 0 ] || ms=1
	cat "$TMP"/res.* >"$TMP/res"
	done_n=$(wc -l <"$TMP/res" | tr -d ' ')
	failed=$(awk '$3 != 0' "$TMP/res" | wc -l | tr -d ' ')
	retried=$(awk '$2 > 1' "$TMP/res" | wc -l | tr -d ' ')
	deferrals=$(awk '{ n += $2 - 1 } END { print n + 0 }' "$TMP/res")
	maxtries=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$TMP/res")
	badexit=$(awk '{ n = split($4, e, ","); for (j = 1; j < n; j++)
		if (e[j] != 0 && e[j] != 75) b++ } END { print b + 0 }' \
	    "$TMP/res")
	stored_n=$(grep -h -c 'report status=stored' "$TMP"/log.* |
	    awk '{ s += $1 } END { print s + 0 }')
	dups=$(grep -h -c 'report status=duplicate' "$TMP"/log.* |
	    awk '{ s += $1 } END { print s + 0 }')
	echo "# $label: $N mails ($D distinct reports), $P at once:" \
	    "$((ms / 1000)).$((ms % 1000 / 100)) s, $((N * 1000 / ms)) mails/s"
	echo "# $label: $stored_n stored, $dups duplicates, $deferrals" \
	    "deliveries deferred (75) in $retried mails, at most $maxtries" \
	    "attempts, $failed failed for good"
	ok "$label: every mail delivered" is "$done_n" "$N"
	ok "$label: every attempt exited 0 or 75" is "$badexit" 0
	ok "$label: no delivery failed for good (75 retried until 0)" \
	    is "$failed" 0
	ok "$label: every distinct report stored" \
	    is "$(count_reports "$store")" "$((base + D))"
	ok "$label: logged stored once each" is "$stored_n" "$D"
	ok "$label: the rest logged as duplicates" is "$dups" "$((N - D))"
	if [ "$deferrals" != 0 ]; then
		echo "# $label: why deliveries were deferred:"
		grep -h '^tlsrpt-ingest: error' "$TMP"/log.* |
		    sed 's/.*reason=//' | sort | uniq -c | sort -rn |
		    head -n 5 | sed 's/^/#   /'
	fi
	if [ "$failed" != 0 ] || [ "$badexit" != 0 ]; then
		awk '$3 != 0 || $4 ~ /[^07,5]/' "$TMP/res" | head -n 5 |
		    sed 's/^/# /'
		grep -h 'error' "$TMP"/log.* | sort | uniq -c | sort -rn |
		    head -n 5 | sed 's/^/# /'
	fi
}

load sqlite "$DB"
if command -v sqlite3 >/dev/null 2>&1; then
	ok "sqlite: the store passes integrity_check" is "$(integrity "$DB")" ok
	ok "sqlite: no report twice" is "$(sqlite3 "$DB" \
	    'SELECT count(*) FROM (SELECT 1 FROM reports GROUP BY
	     organization_name, report_id HAVING count(*) > 1);')" 0
else
	skip "sqlite3 command not installed"
fi

# PostgreSQL: the same load, when the backend and a server are here.
if [ -f "$top_srcdir/tests/e2e/pg-lib.sh" ]; then
	. "$top_srcdir/tests/e2e/pg-lib.sh"
	if ! pg_available; then
		skip "postgresql: $(pg_why)"
	elif ! pg_start; then
		skip "postgresql: the test server did not start"
	elif mkmails "$TMP/probe" 1 1 probe &&
	    ! "$INGEST" --dkim=off --log=stderr --store "$PGSTORE" \
	    "$TMP/probe/00000.eml" >"$TMP/pgcheck" 2>&1; then
		sed 's/^/# /' "$TMP/pgcheck" | head -n 5
		skip "postgresql: this build cannot store into PostgreSQL"
	else
		load postgresql "$PGSTORE" 1
	fi
else
	skip "postgresql: no PostgreSQL test library"
fi
done_testing
