# lib.sh: sourced by every end-to-end test.  TAP out, scratch directory,
# and helpers that run the programs the way a mail system does.
set -eu
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
LC_ALL=C
export LC_ALL
INGEST="$top_builddir/tlsrpt-ingest"
ADMIN="$top_builddir/tlsrpt"
DATA="$top_srcdir/tests/data"
VALGRIND=${VALGRIND:-}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-e2e.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
DB="$TMP/reports.db"
MD="$TMP/Maildir"
tap_n=0
tap_failed=0

# ok DESCRIPTION COMMAND...: one TAP result.
ok() {
	_d=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >"$TMP/ok.out" 2>&1; then
		echo "ok $tap_n - $_d"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $_d"
		sed 's/^/# /' "$TMP/ok.out" | head -n 40
	fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - # SKIP $1"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# ingest ARGS... <MAIL: run tlsrpt-ingest as a pipe delivery would, with
# the log on stderr; sets $rc, leaves $TMP/out (stdout) and $TMP/log.
ingest() {
	set +e
	env -i PATH=/usr/bin:/bin SENDER="${SENDER:-reports@example.net}" \
	    RECIPIENT=tlsrpt@example.com $VALGRIND "$INGEST" --dkim=off --log=stderr \
	    --store "$DB" "$@" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	return 0
}

# admin ARGS...: run tlsrpt on the test store; output in $TMP/admin.
admin() {
	set +e
	$VALGRIND "$ADMIN" --store "$DB" "$@" >"$TMP/admin" 2>"$TMP/admin.err"
	arc=$?
	set -e
	return 0
}

# The number of reports in the store.
stored() {
	if [ ! -f "$DB" ]; then
		echo 0
		return
	fi
	"$ADMIN" --store "$DB" export --format jsonl | wc -l | tr -d ' '
}

# The number of files in a Maildir folder's new/.
in_folder() {
	find "$1/new" -type f 2>/dev/null | wc -l | tr -d ' '
}

is() {
	[ "$1" = "$2" ] || {
		echo "got '$1', want '$2'"
		return 1
	}
}

# Run tlsrpt-ingest as the Postfix default_privs user when we are root,
# from a copy in $TMP (the build tree may be under a 0700 home).
as_nobody() {
	if [ "$(id -u)" = 0 ]; then
		[ -x "$TMP/bin/tlsrpt-ingest" ] || {
			mkdir -p "$TMP/bin"
			cp "$INGEST" "$TMP/bin/tlsrpt-ingest"
			chmod -R a+rX "$TMP/bin"
		}
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    env -i PATH=/usr/bin:/bin "$TMP/bin/tlsrpt-ingest" --dkim=off "$@"
	else
		env -i PATH=/usr/bin:/bin "$INGEST" --dkim=off "$@"
	fi
}

fresh() {
	rm -rf "$DB" "$DB-wal" "$DB-shm" "$MD"
}
