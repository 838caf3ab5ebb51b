#!/bin/sh
# SIGKILL at random points while ingesting many mails, then every mail
# delivered again: each report stored exactly once, a store that passes
# PRAGMA integrity_check, no half-written archive file, and no stray file
# in the archive's tmp/ beyond one per killed run.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/faults-lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1 ||
    ! command -v timeout >/dev/null 2>&1; then
	echo "1..0 # SKIP needs sqlite3 and timeout"
	exit 0
fi

# 1000 mails in a plain build; fewer under the sanitizers or valgrind.
N=150
[ "$HEAVY" = 1 ] && N=1000
[ -n "$VALGRIND" ] && N=10
SEED=${TI_KILL_SEED:-$(date +%s)}
mkmails "$TMP/m" "$N" "$N" kill

# How long one delivery takes here: the kill points spread over it.
mkmails "$TMP/warm" 5 5 warm
t0=$(now_ms)
for f in "$TMP"/warm/*.eml; do
	ingest --store "$TMP/warm.db" --archive "$TMP/warm.md" <"$f"
done
per=$((($(now_ms) - t0) / 5))
[ "$per" -ge 2 ] || per=2
echo "# one delivery takes about $per ms; $N mails; seed $SEED"

# Delays in seconds, from 1 ms to 1.2 times a delivery.
awk -v n="$N" -v per="$per" -v seed="$SEED" 'BEGIN {
	srand(seed)
	# the first run is killed at once and the last one has time to
	# finish, so both outcomes occur however slow this machine is
	printf "%.3f\n", 0.001
	for (i = 1; i < n - 1; i++)
		printf "%.3f\n", (1 + rand() * per * 1.2) / 1000
	printf "%.3f\n", per * 10 / 1000
}' >"$TMP/delays"

killed=0 done0=0 deferred=0 other=0 i=0
: >"$TMP/ok-ids"
t0=$(now_ms)
while read -r d; do
	f=$(printf '%s/m/%05d.eml' "$TMP" "$i")
	# in $(...) with stderr closed: no "Killed" from the shell
	rc=$(exec 2>/dev/null
	    if env -i PATH=/usr/bin:/bin timeout -s KILL "$d" $VALGRIND \
		"$INGEST" --dkim=off --log=stderr --store "$DB" --archive "$MD" <"$f" \
		>/dev/null 2>"$TMP/log"; then echo 0; else echo $?; fi)
	case $rc in
	0)
		done0=$((done0 + 1))
		echo "kill-$i" >>"$TMP/ok-ids" ;;
	75) deferred=$((deferred + 1)) ;;
	137) killed=$((killed + 1)) ;;
	*)
		other=$((other + 1))
		echo "# mail $i: exit $rc"
		sed 's/^/#   /' "$TMP/log" | head -n 3 ;;
	esac
	i=$((i + 1))
done <"$TMP/delays"
t1=$(now_ms)
echo "# killed $killed, exit 0 $done0, exit 75 $deferred in $(((t1 - t0) / 1000)) s"
ok "kill: every run ended 0 or 75, or was killed" is "$other" 0
ok "kill: some runs were killed" test "$killed" -gt 0
ok "kill: some runs finished" test "$done0" -gt 0
[ -f "$DB" ] || ingest --store "$DB" </dev/null
sqlite3 "$DB" 'SELECT report_id FROM reports;' | sort >"$TMP/stored-ids"
sort "$TMP/ok-ids" >"$TMP/ok-ids.s"
ok "kill: every run that exited 0 had stored its report" \
    is "$(comm -23 "$TMP/ok-ids.s" "$TMP/stored-ids" | wc -l | tr -d ' ')" 0
ok "kill: the store passes integrity_check before any repair" \
    is "$(integrity "$DB")" ok
stray=$(find "$MD/tmp" -type f 2>/dev/null | wc -l | tr -d ' ')
echo "# $stray files left in tmp/ by $killed killed runs"
ok "kill: no stray tmp/ files beyond the killed runs" test "$stray" -le "$killed"

# Every mail delivered again, as Postfix would after a 75 or a crash.
bad=0
for f in "$TMP"/m/*.eml; do
	ingest --archive "$MD" <"$f"
	[ "$rc" = 0 ] || {
		bad=$((bad + 1))
		echo "# $f: redelivery exit $rc"
		sed 's/^/#   /' "$TMP/out" "$TMP/log" | head -n 3
	}
done
ok "redelivery: every mail exit 0" is "$bad" 0
ok "redelivery: every report stored exactly once" is "$(count_reports "$DB")" "$N"
ok "redelivery: distinct report-ids in the store" is \
    "$(sqlite3 "$DB" 'SELECT count(DISTINCT report_id) FROM reports;')" "$N"
ok "redelivery: the store passes integrity_check" is "$(integrity "$DB")" ok
ok "redelivery: no stray tmp/ files beyond the killed runs" \
    test "$(find "$MD/tmp" -type f | wc -l)" -le "$killed"
half=0
for f in "$MD"/new/*; do
	tail -n 1 "$f" | grep -q '}]}$' || half=$((half + 1))
done
ok "archive: no half-written file in new/" is "$half" 0
ok "archive: every mail archived at least once" \
    test "$(in_folder "$MD")" -ge "$N"
done_testing
