#!/bin/sh
# The exit status contract, as Postfix reads it: 0 handled, 75 (with a
# "4.3.0 " line) for local faults, 64 for a usage error at a terminal,
# never anything else; and a retried mail is stored once.
. "$top_srcdir/tests/e2e/lib.sh"

MAIL="$DATA/samples/02-google-failures.eml"

# The store's directory does not exist.
ingest --store "$TMP/nonexistent/reports.db" <"$MAIL"
ok "missing store directory: exit 75" is "$rc" 75
ok "missing store directory: one 4.3.0 line" sh -c \
    "test \$(wc -l <'$TMP/out') = 1 && grep -q '^4.3.0 ' '$TMP/out'"
ok "missing store directory: the line names it" grep -q "$TMP/nonexistent" "$TMP/out"
ok "missing store directory: logged at error" grep -q 'error class=' "$TMP/log"

# A deferred mail is still read to the end (sieve and procmail fail a
# pipe whose reader quits early).
rm -f "$TMP/sigpipe"
{ head -c 4000000 /dev/zero || echo sigpipe >"$TMP/sigpipe"; } |
    "$INGEST" --dkim=off --store "$TMP/nonexistent/reports.db" >/dev/null 2>&1 || true
ok "deferred: the input is read to the end" test ! -e "$TMP/sigpipe"

# The store's directory is not writable by the delivery user (nobody).
mkdir "$TMP/ro"
chmod 755 "$TMP/ro"
if [ "$(id -u)" = 0 ] || [ ! -w "$TMP/ro" ]; then
	set +e
	as_nobody --log=stderr \
	    --store "$TMP/ro/reports.db" <"$MAIL" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	ok "unwritable store directory: exit 75" is "$rc" 75
	ok "unwritable store directory: names it" grep -q "$TMP/ro" "$TMP/out"
	ok "unwritable store directory: says how to fix it" grep -qi "writable" "$TMP/out"
else
	skip "cannot make a directory unwritable for ourselves"
fi

# Unwritable archive: 75, and the retry after the fix stores once.
fresh
mkdir -p "$MD"
chmod 555 "$MD"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$TMP"
	set +e
	as_nobody --log=stderr \
	    --store "$DB" --archive "$MD" <"$MAIL" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	ok "unwritable archive: exit 75" is "$rc" 75
	ok "unwritable archive: names the Maildir" grep -q "$MD" "$TMP/out"
	ok "unwritable archive: nothing stored" is "$(stored)" 0
	chmod 755 "$MD"
	chown -R nobody "$MD"
	set +e
	as_nobody --log=stderr \
	    --store "$DB" --archive "$MD" <"$MAIL" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	ok "after the fix: exit 0" is "$rc" 0
	ok "after the fix: stored once" is "$(stored)" 1
	chown root "$TMP"
else
	skip "unwritable archive needs root to switch to nobody"
fi
chmod -R u+w "$MD" 2>/dev/null || true

# Configuration problems defer under a pipe.
fresh
ingest -c "$TMP/no-such.conf" <"$MAIL"
ok "missing --config file: exit 75" is "$rc" 75
ok "missing --config file: 4.3.0 line names it" grep -q "^4.3.0 .*no-such.conf" "$TMP/out"
printf '[store]\nbusy-timeout = soon\n' >"$TMP/bad.conf"
ingest -c "$TMP/bad.conf" <"$MAIL"
ok "invalid config: exit 75" is "$rc" 75
printf '[nonsense]\nx = 1\n' >"$TMP/bad2.conf"
ingest -c "$TMP/bad2.conf" <"$MAIL"
ok "unknown config group: exit 75" is "$rc" 75

# A usage error under a pipe defers (a typo in master.cf must not bounce).
ingest --no-such-option <"$MAIL"
ok "bad option under a pipe: exit 75" is "$rc" 75
ok "bad option under a pipe: 4.3.0 line" grep -q '^4.3.0 ' "$TMP/out"
ingest --dkim=bogus <"$MAIL"
ok "--dkim=bogus under a pipe: exit 75, the line names the values" sh -c \
    "[ $rc = 75 ] && grep -q '^4.3.0 .*--dkim: not verify, authentication-results or off' '$TMP/out'"
ingest --dkim=authentication-results <"$MAIL"
ok "--dkim=authentication-results without authserv-id: exit 75" sh -c \
    "[ $rc = 75 ] && grep -q 'needs \[trust\] authserv-id' '$TMP/out'"
# ... and is 64 at a terminal.
if command -v script >/dev/null 2>&1; then
	set +e
	script -qec "'$INGEST' --no-such-option; echo rc=\$?" /dev/null \
	    </dev/null >"$TMP/out" 2>&1
	set -e
	ok "bad option at a terminal: exit 64" grep -q 'rc=64' "$TMP/out"
	ok "bad option at a terminal: says what to try" grep -q -- '--help' "$TMP/out"
else
	skip "script(1) not installed"
fi
ok "--version: exit 0" "$INGEST" --version
ok "--help: exit 0 and mentions --store" sh -c "'$INGEST' --help | grep -q -- --store"

# A redelivered mail stores nothing new.
fresh
ingest <"$MAIL"
ingest <"$MAIL"
ok "redelivery: exit 0" is "$rc" 0
ok "redelivery: stored once" is "$(stored)" 1
ok "redelivery: logged as duplicate" grep -q 'report status=duplicate' "$TMP/log"

# The store is locked by another writer for longer than the busy timeout.
if command -v sqlite3 >/dev/null 2>&1; then
	printf '[store]\nbusy-timeout = 300\n' >"$TMP/busy.conf"
	# the holder keeps its write lock until we say COMMIT on the fifo,
	# however long the delivery takes (valgrind is slow)
	mkfifo "$TMP/ctl"
	(
		echo 'BEGIN IMMEDIATE;'
		echo 'CREATE TABLE IF NOT EXISTS lockme(x);'
		cat "$TMP/ctl"
	) | sqlite3 "$DB" &
	holder=$!
	sleep 1
	ingest -c "$TMP/busy.conf" <"$DATA/samples/01-google-ok.eml"
	echo 'COMMIT;' >"$TMP/ctl"
	ok "store locked past the busy timeout: exit 75" is "$rc" 75
	ok "store locked: the 4.3.0 line says so" grep -Eqi '^4.3.0 .*(lock|busy)' "$TMP/out"
	wait $holder
	ingest <"$DATA/samples/01-google-ok.eml"
	ok "store unlocked: the retry stores it" is "$(stored)" 2
else
	skip "sqlite3 command not installed"
fi

# Started as root, both programs become the owner of the store's
# directory, so that they never leave files the delivery user cannot open.
if [ "$(id -u)" = 0 ]; then
	mkdir "$TMP/owned"
	chown nobody:nogroup "$TMP/owned"
	"$INGEST" --dkim=off --store "$TMP/owned/reports.db" "$MAIL"
	ok "root backfill: the store belongs to the directory's owner" is \
	    "$(find "$TMP/owned" ! -user nobody | wc -l | tr -d ' ')" 0
	rm -f "$TMP/owned/reports.db-wal" "$TMP/owned/reports.db-shm"
	"$ADMIN" --store "$TMP/owned/reports.db" list >/dev/null
	ok "root list: no root-owned -wal or -shm left" is \
	    "$(find "$TMP/owned" ! -user nobody | wc -l | tr -d ' ')" 0
	rm -f "$TMP/owned/reports.db-wal" "$TMP/owned/reports.db-shm"
	"$ADMIN" --store "$TMP/owned/reports.db" prune --until 2000-01-01 \
	    >/dev/null
	ok "root prune: no root-owned -wal or -shm left" is \
	    "$(find "$TMP/owned" ! -user nobody | wc -l | tr -d ' ')" 0
	as_nobody --log=stderr --store "$TMP/owned/reports.db" \
	    <"$DATA/samples/01-google-ok.eml" >"$TMP/out" 2>"$TMP/log"
	ok "and nobody can still deliver" grep -q 'mail status=stored' "$TMP/log"
else
	skip "not root"
fi

# Our own deadline defers instead of running into the MTA's time limit
# (which bounces).
printf '[ingest]\ndeadline = 1\n' >"$TMP/deadline.conf"
set +e
(sleep 3; cat "$MAIL") | env -i PATH=/usr/bin:/bin "$INGEST" --dkim=off --log=stderr \
    -c "$TMP/deadline.conf" --store "$DB" >"$TMP/out" 2>"$TMP/log"
rc=$?
set -e
ok "deadline exceeded: exit 75" is "$rc" 75
ok "deadline exceeded: 4.3.0 line" grep -q '^4.3.0 .*deadline' "$TMP/out"
done_testing
