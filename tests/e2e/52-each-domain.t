#!/bin/sh
# tlsrpt digest --each-domain (issue #16): one digest per domain from one
# read of the store, into --output-dir as DOMAIN.eml (or .txt ...), each
# the same as "digest --domain DOMAIN" gives, each mail to the addresses
# [digest] domain-to gives for its domain (exact name or pattern, any
# case), else to --to or [digest] to; a hostile domain name never makes
# a path outside the directory; the misuses are usage errors.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/scale-lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
cat >"$TMP/conf" <<'EOF'
[trust]
dkim = off
count-unauthenticated = yes
[digest]
to = postmaster@hoster.example
domain-to = c1.example: ops@c1.example, boss@c1.example; C3.*: noc@c3.example
EOF
# a digest as tlsrpt runs it here
dig() {
	set +e
	$VALGRIND "$ADMIN" -c "$TMP/conf" --store "$DB" digest --period week \
	    "$@" >"$TMP/admin" 2>"$TMP/admin.err"
	arc=$?
	set -e
}

ingest <"$DATA/samples/02-google-failures.eml"
scale_sql sqlite 5 2 30 >"$TMP/fill.sql"
sqlite3 "$DB" <"$TMP/fill.sql" >/dev/null
# one report whose domain is a path
sqlite3 "$DB" "UPDATE reports SET domain = '../x/Evil' WHERE
    report_id = 'scale-0'"
ok "a store of 5 domains x 2 x 30 days" is \
    "$(sqlite3 "$DB" 'SELECT count(DISTINCT domain) FROM reports')" 6
# c4.example: no report in the last ten days, only its history (the
# digest of a quiet period takes the policy from the newest report)
sqlite3 "$DB" "PRAGMA foreign_keys = ON; DELETE FROM reports WHERE
    domain = 'c4.example' AND start_time >= strftime('%s', 'now') - 864000"

dig --each-domain --output-dir "$TMP/each"
ok "six mails, one per domain, said on stdout" sh -c "
    test $arc = 0 && grep -qx '6 digests in $TMP/each' '$TMP/admin' &&
    test \$(ls '$TMP/each' | wc -l) = 6 &&
    test -f '$TMP/each/c0.example.eml' && test -f '$TMP/each/c4.example.eml'"
ok "the hostile domain's file stays in the directory" sh -c "
    test -f '$TMP/each/_.._x_evil.eml' && ! test -e '$TMP/x'"
ok "domain-to: an exact name gets its own addresses" grep -qx \
    'To: ops@c1.example, boss@c1.example' "$TMP/each/c1.example.eml"
ok "domain-to: a pattern, any case" grep -qx 'To: noc@c3.example' \
    "$TMP/each/c3.example.eml"
ok "no entry: [digest] to" grep -qx 'To: postmaster@hoster.example' \
    "$TMP/each/c2.example.eml"
ok "each mail is about its domain" grep -q \
    '^Subject: TLS report for c2.example' "$TMP/each/c2.example.eml"
dig --each-domain --output-dir "$TMP/out2" --to other@hoster.example
ok "--to is the default instead" sh -c "
    grep -qx 'To: other@hoster.example' '$TMP/out2/c2.example.eml' &&
    grep -qx 'To: noc@c3.example' '$TMP/out2/c3.example.eml'"

dig --each-domain --output-dir "$TMP/txt" --format text
ok "--format text: DOMAIN.txt" test -f "$TMP/txt/c4.example.txt"
same=1
for d in c0 c2 c4; do # c4: no report this period
	dig --domain "$d.example" --format text
	cmp -s "$TMP/admin" "$TMP/txt/$d.example.txt" || same=0
done
ok "each the same as digest --domain DOMAIN" test "$same" = 1

dig --each-domain
ok "--each-domain without --output-dir: usage (64)" test "$arc" = 64
dig --output-dir "$TMP/o3"
ok "--output-dir without --each-domain: usage (64)" test "$arc" = 64
dig --each-domain --output-dir "$TMP/o4" --domain c1.example
ok "--each-domain with --domain: usage (64)" test "$arc" = 64
done_testing
