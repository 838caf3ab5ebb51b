#!/bin/sh
# Local faults end in exit 0 or 75, never in a half-written mail or
# store, and the retried mail is stored exactly once: a full disk, a
# read-only filesystem, a missing directory, Postfix local(8)'s file-size
# limit, and every write-side system call failed in turn (strace).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/faults-lib.sh"

MNT="$TMP/mnt"
mkdir -p "$MNT"
mounted=0
cleanup() {
	[ "$mounted" = 0 ] || umount "$MNT" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# run STORE ARCHIVE MAIL [WRAPPER...]: one pipe delivery; $rc, $TMP/out
# (stdout), $TMP/log (stderr).
run() {
	_s=$1 _a=$2 _m=$3
	shift 3
	set +e
	env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin "$@" $VALGRIND "$INGEST" --dkim=off \
	    --log=stderr --store "$_s" --archive "$_a" \
	    <"$_m" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
}

# has_id DB ID: how many reports with report-id ID the store holds.
has_id() {
	sqlite3 "$1" "SELECT count(*) FROM reports WHERE report_id = '$2';"
}

# The Maildir's tmp/ is empty and every file in new/ is whole.
maildir_clean() {
	_n=$(find "$1/tmp" -type f | wc -l)
	[ "$_n" -eq 0 ] || { echo "$_n stray files in $1/tmp"; return 1; }
	for _f in "$1"/new/* "$1"/.rejected/new/*; do
		[ -f "$_f" ] || continue
		tail -n 1 "$_f" | grep -q '}]}$' ||
		    { echo "half-written: $_f"; return 1; }
	done
}

one_tempfail_line() {
	[ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q '^4.3.0 ' "$TMP/out"
}

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 command not installed"
	exit 0
fi

# Each mail ~ 24 KB, so that a few fill a small filesystem.
mkmails "$TMP/m" 400 400 flt 24000

# ---------------------------------------------------------------------
# Disk full: the store and the archive on a 4 MiB tmpfs.  For a sweep of
# free space left (0 to 160 KiB), deliver one new mail: 0 or 75, nothing
# half-written; then free the space and redeliver: stored exactly once.
if [ "$(id -u)" = 0 ] &&
    mount -t tmpfs -o size=4m,mode=755 tmpfs "$MNT" 2>/dev/null; then
	mounted=1
	S="$MNT/reports.db" A="$MNT/Maildir"
	run "$S" "$A" "$TMP/m/00000.eml"
	ok "disk full: first delivery on the small filesystem" is "$rc" 0
	i=1 full=0 fits=0 bad=0
	sweep="0 4 8 12 16 24 32 48 64 96 128 160 256"
	[ -z "$VALGRIND" ] || sweep="0 16 64 256"
	for k in $sweep; do
		m=$(printf '%s/m/%05d.eml' "$TMP" $i)
		dd if=/dev/zero of="$MNT/fill" bs=4k >/dev/null 2>&1 || true
		[ "$k" = 0 ] || truncate -s "-${k}K" "$MNT/fill"
		run "$S" "$A" "$m"
		case $rc in
		0)
			fits=$((fits + 1))
			[ "$(has_id "$S" "flt-$i")" = 1 ] || {
				bad=$((bad + 1))
				echo "# $k KiB free: exit 0 but not stored"
			} ;;
		75)
			full=$((full + 1))
			one_tempfail_line || {
				bad=$((bad + 1))
				echo "# $k KiB free: no 4.3.0 line"
			} ;;
		*)
			bad=$((bad + 1))
			echo "# $k KiB free: exit $rc"
			sed 's/^/#   /' "$TMP/out" "$TMP/log" | head -n 5 ;;
		esac
		maildir_clean "$A" >"$TMP/mc" || {
			bad=$((bad + 1))
			sed 's/^/# /' "$TMP/mc"
		}
		rm -f "$MNT/fill"
		run "$S" "$A" "$m"
		[ "$rc" = 0 ] && [ "$(has_id "$S" "flt-$i")" = 1 ] || {
			bad=$((bad + 1))
			echo "# $k KiB free: the retry gave $rc"
		}
		i=$((i + 1))
	done
	echo "# disk full sweep: $full deliveries deferred, $fits fitted"
	ok "disk full: some deliveries deferred (75)" test "$full" -gt 0
	ok "disk full: every delivery 0 or 75, whole, and the retry stored" \
	    is "$bad" 0
	ok "disk full: every report stored exactly once" \
	    is "$(count_reports "$S")" "$i"
	ok "disk full: the store passes integrity_check" \
	    is "$(integrity "$S")" ok

	# The message says what is full.
	dd if=/dev/zero of="$MNT/fill" bs=4k >/dev/null 2>&1 || true
	run "$S" "$A" "$(printf '%s/m/%05d.eml' "$TMP" $i)"
	ok "disk full: exit 75" is "$rc" 75
	ok "disk full: the 4.3.0 line names the cause" \
	    grep -Eqi '^4.3.0 .*(full|space)' "$TMP/out"
	ok "disk full: logged at error" grep -q 'error class=temporary' "$TMP/log"
	rm -f "$MNT/fill"

	# Read-only filesystem.
	mount -o remount,ro "$MNT"
	i=$((i + 1))
	m=$(printf '%s/m/%05d.eml' "$TMP" $i)
	run "$S" "$TMP/Maildir" "$m"
	ok "read-only store: exit 75" is "$rc" 75
	ok "read-only store: one 4.3.0 line" one_tempfail_line
	ok "read-only store: the line names the store" grep -q "$MNT" "$TMP/out"
	ok "read-only store: logged at error" grep -q 'error class=' "$TMP/log"
	run "$DB" "$A" "$m"
	ok "read-only archive: exit 75" is "$rc" 75
	ok "read-only archive: the line names the Maildir" grep -q "$A" "$TMP/out"
	ok "read-only archive: nothing stored" is "$(stored)" 0
	mount -o remount,rw "$MNT"
	run "$S" "$A" "$m"
	ok "read-only fixed: the retry exits 0" is "$rc" 0
	ok "read-only fixed: stored once" is "$(has_id "$S" "flt-$i")" 1
	umount "$MNT"
	mounted=0
else
	skip "disk full: cannot mount a tmpfs (needs root)"
	skip "read-only filesystem: cannot mount a tmpfs (needs root)"
fi

# ---------------------------------------------------------------------
# A missing archive directory: created, or 75 naming it; never 0 without
# the copy.
fresh
run "$DB" "$TMP/gone/deeper/Maildir" "$TMP/m/00300.eml"
case $rc in
0) ok "missing archive parents: created and archived" \
    test "$(in_folder "$TMP/gone/deeper/Maildir")" = 1 ;;
*) ok "missing archive parents: 75 naming it" sh -c \
    "test $rc = 75 && grep -q '$TMP/gone' '$TMP/out'" ;;
esac

# The store file itself read-only for the delivery user.
if [ "$(id -u)" = 0 ]; then
	fresh
	mkdir -p "$TMP/rofile"
	"$INGEST" --dkim=off --log=stderr --store "$TMP/rofile/reports.db" \
	    "$TMP/m/00301.eml" 2>/dev/null
	chown -R nobody "$TMP/rofile"
	chmod 444 "$TMP/rofile/reports.db"
	set +e
	as_nobody --log=stderr --store "$TMP/rofile/reports.db" \
	    <"$TMP/m/00302.eml" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	ok "read-only store file: exit 75" is "$rc" 75
	ok "read-only store file: names it" grep -q "$TMP/rofile" "$TMP/out"
else
	skip "read-only store file needs root"
fi

# A configuration file that exists but cannot be read: 75, and a message
# that names it and the reason, under a pipe and at a terminal.
printf '[store]\nbusy-timeout = 100\n' >"$TMP/secret.conf"
chmod 000 "$TMP/secret.conf"
if [ "$(id -u)" = 0 ]; then
	set +e
	as_nobody --log=stderr -c "$TMP/secret.conf" --store "$TMP/x.db" \
	    <"$TMP/m/00303.eml" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	ok "unreadable config: exit 75" is "$rc" 75
	ok "unreadable config: the 4.3.0 line names it" \
	    grep -q "^4.3.0 .*secret.conf" "$TMP/out"
	if command -v script >/dev/null 2>&1; then
		cp "$INGEST" "$TMP/bin-tty" 2>/dev/null || true
		chmod 755 "$TMP/bin-tty"
		set +e
		script -qec "setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups '$TMP/bin-tty' -c '$TMP/secret.conf' \
		    --store '$TMP/x.db' '$TMP/m/00303.eml'; echo rc=\$?" \
		    /dev/null </dev/null >"$TMP/out" 2>&1
		set -e
		ok "unreadable config at a terminal: exit 75" grep -q 'rc=75' "$TMP/out"
		ok "unreadable config at a terminal: a message naming it and why" \
		    grep -q 'tlsrpt-ingest: cannot read .*secret.conf: Permission denied' \
		    "$TMP/out"
	else
		skip "script(1) not installed"
	fi
else
	skip "unreadable config needs root to switch to nobody"
fi
chmod 644 "$TMP/secret.conf"

# ---------------------------------------------------------------------
# local(8) sets RLIMIT_FSIZE to mailbox_size_limit, soft and hard.  A
# soft limit under the hard one is raised; a hard limit the store comes
# near (1 MiB) fails before any write with 75 and a LOG_ERR line that
# names the limit and the fix; a write past it is EFBIG, 75, never
# SIGXFSZ and never a half-written store.
if command -v prlimit >/dev/null 2>&1; then
	fresh
	for n in 303 304 305 306 307 308 309 310; do
		"$INGEST" --dkim=off --log=stderr --store "$DB" \
		    "$(printf '%s/m/%05d.eml' "$TMP" $n)" 2>/dev/null
	done
	size=$(wc -c <"$DB")
	lim=$((size / 2))
	echo "# store of $size bytes"
	run "$DB" "$MD" "$TMP/m/00311.eml" prlimit --fsize="$lim":unlimited
	ok "RLIMIT_FSIZE soft under hard: raised, exit 0" is "$rc" 0
	ok "RLIMIT_FSIZE soft under hard: stored" is "$(has_id "$DB" flt-311)" 1
	run "$DB" "$MD" "$TMP/m/00312.eml" prlimit --fsize="$lim":"$lim"
	ok "RLIMIT_FSIZE hard under the store: exit 75" is "$rc" 75
	ok "RLIMIT_FSIZE hard: the LOG_ERR line names the limit" \
	    grep -Eq 'error .*RLIMIT_FSIZE.*rlimit_fsize='"$lim" "$TMP/log"
	ok "RLIMIT_FSIZE hard: ... and the fix" \
	    grep -q 'mailbox_size_limit' "$TMP/log"
	ok "RLIMIT_FSIZE hard: nothing stored" is "$(has_id "$DB" flt-312)" 0
	lim=$(($(wc -c <"$DB") + 1048576 + 65536))
	run "$DB" "$MD" "$TMP/m/00313.eml" prlimit --fsize="$lim":"$lim"
	ok "RLIMIT_FSIZE hard, store below it: exit 0" is "$rc" 0
	mkmails "$TMP/big" 1 1 fsize-big 1500000
	run "$DB" "$MD" "$TMP/big/00000.eml" prlimit --fsize="$lim":"$lim"
	ok "RLIMIT_FSIZE: a write past it exits 75, not SIGXFSZ" is "$rc" 75
	ok "RLIMIT_FSIZE: ... and the LOG_ERR line names the limit" \
	    grep -q "error .*rlimit_fsize=$lim" "$TMP/log"
	ok "RLIMIT_FSIZE: ... nothing stored" is "$(has_id "$DB" fsize-big-0)" 0
	ok "RLIMIT_FSIZE: the store passes integrity_check" \
	    is "$(integrity "$DB")" ok
	run "$DB" "$MD" "$TMP/m/00312.eml"
	run "$DB" "$MD" "$TMP/big/00000.eml"
	ok "RLIMIT_FSIZE lifted: the retries store both" is \
	    "$(has_id "$DB" flt-312)$(has_id "$DB" fsize-big-0)" 11
else
	skip "prlimit not installed"
fi

# ---------------------------------------------------------------------
# Every write-side system call on the store or the archive fails in turn
# (EIO), or the process is killed there (SIGKILL): every run ends 0 or
# 75 (or killed), a 0 means stored, and after a redelivery each report is
# stored exactly once.  The calls are found in a clean traced run; with
# -y strace names each descriptor's file, so that only calls on our files
# (not the dynamic loader's) are failed.
if ! command -v strace >/dev/null 2>&1; then
	skip "strace not installed"
	done_testing
	exit
fi
if [ -n "$VALGRIND" ]; then
	skip "strace fault injection: not under valgrind (ptrace on ptrace)"
	done_testing
	exit
fi
# LeakSanitizer stops the world with ptrace, which a traced process
# cannot do: no leak check under strace (the rest of the suite does it).
NOLSAN=
is_asan && NOLSAN=ASAN_OPTIONS=detect_leaks=0
SYSCALLS="openat write pwrite64 fsync fdatasync ftruncate fcntl fchown mkdir link rename unlink close"
W="$TMP/w"
cap=8
[ "$HEAVY" = 1 ] && cap=16

# trace STATE MAIL: where each listed syscall touches $W, as lines
# "SYSCALL N" (N counts that syscall's calls from the start).
trace() {
	(cd / && env -i PATH=/usr/bin:/bin $NOLSAN strace -f -y -qq -o "$TMP/trace" \
	    -e trace="$(echo $SYSCALLS | tr ' ' ,)" "$INGEST" --dkim=off --log=stderr \
	    --store "$W/reports.db" --archive "$W/Maildir" \
	    <"$2" >/dev/null 2>&1) || true
	awk -v w="$W" '{
		sub(/^[0-9]+ +/, "")
		name = $0
		sub(/\(.*/, "", name)
		n[name]++
		line = $0
		gsub(/AT_FDCWD<[^>]*>/, "", line)
		if (index(line, w) > 0)
			print name, n[name]
	}' "$TMP/trace"
}

# sample: keep at most $cap lines per syscall, evenly spaced.
sample() {
	awk -v cap="$cap" '{ a[$1] = a[$1] " " $2; c[$1]++ }
	END {
		for (s in a) {
			k = split(a[s], v, " ")
			step = k > cap ? k / cap : 1
			for (j = 1; j <= k; j += step)
				print s, v[int(j)]
		}
	}' | sort
}

# inject STATE: one phase.  STATE "warm" reuses one store and archive;
# "cold" starts each case with neither.
cases=0 bad=0 killed=0 deferred=0 delivered=0 mailno=0
inject_phase() {
	state=$1
	rm -rf "$W"
	mkdir -p "$W"
	if [ "$state" = warm ]; then
		"$INGEST" --dkim=off --log=stderr --store "$W/reports.db" --archive \
		    "$W/Maildir" "$TMP/m/00399.eml" 2>/dev/null
		trace warm "$TMP/m/00398.eml" | sample >"$TMP/points"
		rm -rf "$W"
		mkdir -p "$W"
		"$INGEST" --dkim=off --log=stderr --store "$W/reports.db" --archive \
		    "$W/Maildir" "$TMP/m/00399.eml" 2>/dev/null
	else
		trace cold "$TMP/m/00398.eml" | sample >"$TMP/points"
	fi
	echo "# $state: $(wc -l <"$TMP/points") fault points"
	while read -r sc nth; do
		for how in error=EIO signal=SIGKILL; do
			if [ "$state" = cold ]; then
				rm -rf "$W"
				mkdir -p "$W"
			fi
			mailno=$((mailno + 1))
			m=$(printf '%s/m/%05d.eml' "$TMP" "$mailno")
			id="flt-$mailno"
			cases=$((cases + 1))
			# in $(...) with stderr closed: no "Killed" from the shell
			frc=$(exec 2>/dev/null; cd /
			    if env -i PATH=/usr/bin:/bin $NOLSAN strace -f -qq \
				-o /dev/null -e trace="$sc" \
				-e inject="$sc:$how:when=$nth" "$INGEST" --dkim=off \
				--log=stderr --store "$W/reports.db" \
				--archive "$W/Maildir" <"$m" >"$TMP/out" \
				2>"$TMP/log"; then echo 0; else echo $?; fi)
			case $how:$frc in
			*:0)
				delivered=$((delivered + 1))
				[ "$(has_id "$W/reports.db" "$id" 2>/dev/null)" = 1 ] || {
					bad=$((bad + 1))
					echo "# $state $sc#$nth $how: exit 0, not stored"
				} ;;
			error*:75)
				deferred=$((deferred + 1))
				one_tempfail_line || {
					bad=$((bad + 1))
					echo "# $state $sc#$nth $how: no 4.3.0 line"
				} ;;
			signal*:137)
				killed=$((killed + 1)) ;;
			*)
				bad=$((bad + 1))
				echo "# $state $sc#$nth $how: exit $frc"
				sed 's/^/#   /' "$TMP/out" "$TMP/log" | head -n 4 ;;
			esac
			# after a failed unlink or a kill, tmp/ may keep one file
			if [ "$how" = error=EIO ] && [ "$sc" != unlink ] &&
			    [ -d "$W/Maildir/tmp" ] &&
			    [ "$(find "$W/Maildir/tmp" -type f | wc -l)" != 0 ]; then
				bad=$((bad + 1))
				echo "# $state $sc#$nth $how: stray file in tmp/"
			fi
			rm -f "$W"/Maildir/tmp/*
			set +e
			(cd / && env -i PATH=/usr/bin:/bin "$INGEST" --dkim=off --log=stderr \
			    --store "$W/reports.db" --archive "$W/Maildir" \
			    <"$m" >"$TMP/out" 2>"$TMP/log")
			rrc=$?
			set -e
			if [ "$rrc" != 0 ] ||
			    [ "$(has_id "$W/reports.db" "$id")" != 1 ] ||
			    [ "$(integrity "$W/reports.db")" != ok ]; then
				bad=$((bad + 1))
				echo "# $state $sc#$nth $how: redelivery gave $rrc"
				sed 's/^/#   /' "$TMP/out" "$TMP/log" | head -n 4
			fi
		done
	done <"$TMP/points"
}
t0=$(now_ms)
inject_phase warm
warm_cases=$cases
ok "strace: the warm trace found fault points" test "$warm_cases" -gt 20
ok "strace warm: every report stored exactly once" \
    is "$(count_reports "$W/reports.db")" "$((warm_cases + 1))"
ok "strace warm: the store passes integrity_check" \
    is "$(integrity "$W/reports.db")" ok
inject_phase cold
t1=$(now_ms)
echo "# strace: $cases faulted runs in $(((t1 - t0) / 1000)) s:" \
    "$delivered exit 0, $deferred exit 75, $killed killed"
ok "strace: the cold trace found fault points" test "$cases" -gt "$warm_cases"
ok "strace: every run 0 or 75 (or killed), 0 means stored, retry stores once" \
    is "$bad" 0
done_testing
