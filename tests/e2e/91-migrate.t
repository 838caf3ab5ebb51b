#!/bin/sh
# tlsrpt migrate: SQLite -> SQLite always; SQLite -> PostgreSQL ->
# SQLite when PostgreSQL 15 is installed (and we are root).  A copy is
# lossless (every column but the row ids, every policy and failure
# row, the authentication record of each report), a re-run copies
# nothing new, and failures are loud.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg-lib.sh"

A="$TMP/a.db"
B="$TMP/b.db"
C="$TMP/c.db"

# migrate ARGS...: run tlsrpt migrate; $mrc, $TMP/m.out, $TMP/m.err.
migrate() {
	set +e
	$VALGRIND "$ADMIN" migrate "$@" >"$TMP/m.out" 2>"$TMP/m.err"
	mrc=$?
	set -e
	return 0
}
# The export of store $1 without the _meta ids (they are the target's).
export_noid() {
	"$ADMIN" --store "$1" export |
	    sed -E 's/"_meta":\{"id":[0-9]+,/"_meta":{/'
}
# Every column of every table but the row ids, in a stable order.
Q_REPORTS="SELECT organization_name, report_id, contact_info, domain,
    start_datetime, end_datetime, start_time, end_time, successful, failed,
    message_id, envelope_sender, envelope_recipient, filename, source,
    origin, archive_path, received, deviations, json, sha256, auth_method,
    auth_result, auth_domain, auth_selector, auth_algorithm, auth_bits,
    auth_dnssec, auth_reason, arrived FROM reports
    ORDER BY start_time, organization_name, report_id"
Q_POLICIES="SELECT r.organization_name, r.report_id, p.idx, p.policy_type,
    p.policy_domain, p.policy_string, p.mx_host, p.successful, p.failed
    FROM policies p JOIN reports r ON r.id = p.report
    ORDER BY r.organization_name, r.report_id, p.idx"
Q_FAILURES="SELECT r.organization_name, r.report_id, p.idx, f.result_type,
    f.sending_mta_ip, f.receiving_mx_hostname, f.receiving_mx_helo,
    f.receiving_ip, f.failed_session_count, f.additional_information,
    f.failure_reason_code FROM failures f JOIN policies p ON p.id = f.policy
    JOIN reports r ON r.id = p.report
    ORDER BY r.organization_name, r.report_id, p.idx, f.id"
dump_sqlite() {
	for q in "$Q_REPORTS" "$Q_POLICIES" "$Q_FAILURES"; do
		sqlite3 "$1" "$q"
	done
}
dump_pg() {
	for q in "$Q_REPORTS" "$Q_POLICIES" "$Q_FAILURES"; do
		psql_ "$q"
	done
}

# The source: every fixture and sample, archived (so archive paths are
# set), with envelope addresses; one report gets a deviation that only
# the file name gave (filename-mismatch), one its domain only from it.
DB="$A"
for f in "$DATA"/mail/*.eml; do
	bulk ingest --archive "$MD" <"$f"
done
bulk ingest "$DATA/samples"
n=$(stored)
ok "the source store holds reports" test "$n" -ge 30
# Who vouched: the ingest (dkim = off) stored method none; give some
# reports a DKIM pass and others a failure with every field, NULLs and
# a reason with quotes, so that a copy must carry each field.
AUTH_PASS='"auth":{"method":"dkim","result":"pass","domain":"google.com","selector":"20230601","algorithm":"rsa-sha256","bits":2048,"dnssec":"insecure","reason":null}'
AUTH_FAIL='"auth":{"method":"authentication-results","result":"fail","domain":"microsoft.com","selector":null,"algorithm":"ed25519-sha256","bits":null,"dnssec":"bogus","reason":"body hash \"mismatch\"; café | x"}'
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$A" "UPDATE reports SET auth_method = 'dkim',
	    auth_result = 'pass', auth_domain = 'google.com',
	    auth_selector = '20230601', auth_algorithm = 'rsa-sha256',
	    auth_bits = 2048, auth_dnssec = 'insecure', auth_reason = NULL
	    WHERE organization_name = 'Google Inc.';
	    UPDATE reports SET auth_method = 'authentication-results',
	    auth_result = 'fail', auth_domain = 'microsoft.com',
	    auth_selector = NULL, auth_algorithm = 'ed25519-sha256',
	    auth_bits = NULL, auth_dnssec = 'bogus',
	    auth_reason = 'body hash \"mismatch\"; café | x'
	    WHERE organization_name LIKE 'Microsoft%'"
fi
export_noid "$A" >"$TMP/a.jsonl"
npass=$(grep -c -F "$AUTH_PASS" "$TMP/a.jsonl" || :)
nfail=$(grep -c -F "$AUTH_FAIL" "$TMP/a.jsonl" || :)
if command -v sqlite3 >/dev/null 2>&1; then
	ok "the source holds DKIM passes and failures ($npass/$nfail)" \
	    test "$npass" -ge 1 -a "$nfail" -ge 1
else
	skip "sqlite3 not installed"
fi

# SQLite -> SQLite
migrate --from "$A" --to "$B"
ok "sqlite -> sqlite: exit 0" is "$mrc" 0
ok "sqlite -> sqlite: a one-line summary" is "$(cat "$TMP/m.out")" \
    "$n reports copied, 0 already there"
export_noid "$B" >"$TMP/b.jsonl"
ok "sqlite -> sqlite: the same export, _meta received and all" \
    cmp "$TMP/a.jsonl" "$TMP/b.jsonl"
if command -v sqlite3 >/dev/null 2>&1; then
	dump_sqlite "$A" >"$TMP/a.dump"
	dump_sqlite "$B" >"$TMP/b.dump"
	ok "sqlite -> sqlite: every column of every row the same" \
	    cmp "$TMP/a.dump" "$TMP/b.dump"
	ok "the dump has archive paths and deviations" sh -c \
	    "grep -q '$MD' '$TMP/a.dump' && grep -q 'date-no-offset' '$TMP/a.dump'"
else
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
fi
migrate --from "sqlite:$A" --to "$B"
ok "a re-run copies nothing new" is "$(cat "$TMP/m.out")" \
    "0 reports copied, $n already there"
ok "and stores nothing twice" is "$(DB=$B stored)" "$n"

# Failures
migrate --from "$TMP/none.db" --to "$C"
ok "a missing source: fails (75) naming it" sh -c \
    "test $mrc = 75 && grep -q 'none.db' '$TMP/m.err'"
ok "a missing source: no target created" test ! -e "$C"
migrate --from "$A"
ok "no --to: usage error" is "$mrc" 64
migrate --from "$A" --to "sqlite:$A"
ok "--to the same store: usage error" is "$mrc" 64
migrate --from "$A" --to "$TMP/no/such/dir/x.db"
ok "an unwritable target: 75 naming it" sh -c \
    "test $mrc = 75 && grep -q 'no/such/dir' '$TMP/m.err'"
if command -v sqlite3 >/dev/null 2>&1; then
	cp "$A" "$TMP/bad.db"
	sqlite3 "$TMP/bad.db" "UPDATE reports SET json = '{\"broken\":' WHERE
	    id = (SELECT min(id) FROM reports)"
	migrate --from "$TMP/bad.db" --to "$TMP/bad-copy.db"
	ok "a stored report that does not decode: exit 65" is "$mrc" 65
	ok "it is named, the rest copied" sh -c \
	    "grep -q 'does not decode' '$TMP/m.err' &&
	     grep -q '^$((n - 1)) reports copied' '$TMP/m.out'"
else
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
fi

# SQLite -> PostgreSQL -> SQLite
if ! pg_available; then
	skip "$(pg_why)"
	done_testing
	exit $?
fi
ok "a PostgreSQL 15 server starts" pg_start
migrate --from "$A" --to "$PGSTORE"
ok "sqlite -> postgresql: exit 0" is "$mrc" 0
ok "sqlite -> postgresql: summary" is "$(cat "$TMP/m.out")" \
    "$n reports copied, 0 already there"
migrate --from "$A" --to "$PGSTORE"
ok "sqlite -> postgresql again: nothing new" is "$(cat "$TMP/m.out")" \
    "0 reports copied, $n already there"
export_noid "$PGSTORE" >"$TMP/pg.jsonl"
ok "postgresql: the same export as the source" cmp "$TMP/a.jsonl" \
    "$TMP/pg.jsonl"
if command -v sqlite3 >/dev/null 2>&1; then
	dump_pg >"$TMP/pg.dump"
	ok "postgresql: every column of every row the same" \
	    cmp "$TMP/a.dump" "$TMP/pg.dump"
else
	skip "sqlite3 not installed"
fi
migrate --store "$PGSTORE" --to "$C"
ok "postgresql (--store) -> sqlite: exit 0" is "$mrc" 0
ok "postgresql -> sqlite: summary" is "$(cat "$TMP/m.out")" \
    "$n reports copied, 0 already there"
export_noid "$C" >"$TMP/c.jsonl"
ok "round trip: the same export, _meta received and all" \
    cmp "$TMP/a.jsonl" "$TMP/c.jsonl"
ok "round trip: every authentication record, passes and failures" is \
    "$(grep -c -F "$AUTH_PASS" "$TMP/c.jsonl" || :)/$(grep -c -F \
    "$AUTH_FAIL" "$TMP/c.jsonl" || :)" "$npass/$nfail"
if command -v sqlite3 >/dev/null 2>&1; then
	dump_sqlite "$C" >"$TMP/c.dump"
	ok "round trip: every column of every row the same" \
	    cmp "$TMP/a.dump" "$TMP/c.dump"
else
	skip "sqlite3 not installed"
fi
pg_stop
migrate --from "$A" --to "$PGSTORE"
ok "postgresql down: exit 75, says so" sh -c \
    "test $mrc = 75 && grep -q 'cannot connect' '$TMP/m.err'"
done_testing
