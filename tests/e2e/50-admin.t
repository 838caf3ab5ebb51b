#!/bin/sh
# tlsrpt list, export, show and prune over a store filled by
# tlsrpt-ingest; who vouched for each report in list, export and show.
. "$top_srcdir/tests/e2e/lib.sh"

fresh
ingest "$DATA/samples"
ok "samples ingested" is "$rc" 0
n=$(stored)
ok "samples: several reports stored" test "$n" -ge 5

admin list
ok "list: exit 0" is "$arc" 0
ok "list: a header" grep -q 'REPORTER' "$TMP/admin"
ok "list: the failure rate column" grep -q 'RATE' "$TMP/admin"
ok "list: says how many" grep -q "^$n reports" "$TMP/admin"
ok "list: an AUTH column after REPORTER" grep -q 'REPORTER *AUTH  *SUCCESS' \
    "$TMP/admin"
ok "list: ingested with dkim = off, every report's AUTH is none" is \
    "$(awk 'NR == 1 { c = index($0, "AUTH") }
	/^20/ && substr($0, c, 5) == "none " { k++ } END { print k + 0 }' \
    "$TMP/admin")" "$n"

admin export
ok "export: jsonl by default" is "$(wc -l <"$TMP/admin" | tr -d ' ')" "$n"
ok "export: each line has _meta" is "$(grep -c '"_meta":{' "$TMP/admin")" "$n"
ok "export: RFC 8460 field names" grep -q '"organization-name":' "$TMP/admin"
ok "export: counts are integers" sh -c \
    "grep -q '\"total-successful-session-count\":[0-9][0-9]*[,}]' '$TMP/admin'"
ok "export: valid UTF-8" sh -c "iconv -f UTF-8 -t UTF-8 '$TMP/admin' >/dev/null"
ok "export: _meta.auth, none for dkim = off" is "$(grep -c \
    '"auth":{"method":"none","result":"none","domain":null,' "$TMP/admin")" \
    "$n"

admin export --format csv
ok "csv: exit 0" is "$arc" 0
ok "csv: header row" grep -q '^organization_name,report_id' "$TMP/admin"
ok "csv: a failure row" grep -q 'certificate-expired' "$TMP/admin"
ok "csv: the auth columns, then arrived, last" sh -c "head -n 1 '$TMP/admin' |
    grep -q ',additional_information,auth_method,auth_result,auth_domain,arrived.\$'"
ok "csv: a row ends with the auth columns and arrived" grep -Eq \
    'certificate-expired.*,none,none,,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z.$' \
    "$TMP/admin"

# show: the report in full, with who vouched for it
G=2026-11-01T00:00:00Z_example.com
admin show "$G"
ok "show: exit 0" is "$arc" 0
ok "show: an 'authenticated' line says no, and why" grep -q \
    '^  authenticated     no (.*dkim = off)$' "$TMP/admin"
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" "UPDATE reports SET auth_method = 'dkim',
	    auth_result = 'pass', auth_domain = 'google.com',
	    auth_selector = '20230601', auth_algorithm = 'rsa-sha256',
	    auth_bits = 2048, auth_dnssec = 'insecure', auth_reason = NULL
	    WHERE report_id = '$G'"
	admin show "$G"
	ok "show: a DKIM pass with its signing domain, key and DNSSEC" grep -q \
	    '^  authenticated     dkim pass, d=google.com s=20230601 rsa-sha256 2048 bits, DNSSEC insecure$' \
	    "$TMP/admin"
	sqlite3 "$DB" "UPDATE reports SET auth_result = 'fail',
	    auth_dnssec = NULL, auth_reason = 'the signature does not verify'
	    WHERE report_id = '$G'"
	admin show "$G"
	ok "show: a DKIM failure says no, and why" grep -q \
	    '^  authenticated     no: dkim fail, d=google.com s=20230601 rsa-sha256 2048 bits (the signature does not verify)$' \
	    "$TMP/admin"
	admin list
	ok "list: AUTH shows the failure" sh -c \
	    "grep '$G' '$TMP/admin' | grep -q ' fail '"
else
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
fi

admin export --domain example.org
ok "export --domain: only that domain" sh -c \
    "test -s '$TMP/admin' && ! grep -q '\"policy-domain\":\"example.com\"' '$TMP/admin'"
admin export --domain EXAMPLE.ORG.
ok "export --domain: case and trailing dot do not matter" test -s "$TMP/admin"
admin export --since 2000-01-01 --until 2000-01-02
ok "export --since/--until: nothing in 2000" test ! -s "$TMP/admin"
admin export --since 2099-01-01
ok "export --since: nothing in the future" test ! -s "$TMP/admin"

admin bogus
ok "unknown command: exit 64" is "$arc" 64
admin export --format xml
ok "unknown format: exit 64" is "$arc" 64
admin list --since yesterday-ish
ok "bad time: exit 64" is "$arc" 64
ok "--help lists the commands" sh -c "'$ADMIN' --help | grep -q export"
set +e
"$ADMIN" --store "$TMP/none.db" list >/dev/null 2>"$TMP/err"
rc=$?
set -e
ok "missing store: fails clearly" sh -c "test $rc -ne 0 && grep -q none.db '$TMP/err'"
# prune: what list shows with the same options goes, nothing else
admin prune
ok "prune without --until: exit 64" is "$arc" 64
ok "prune without --until: says why" grep -q -- "--until" "$TMP/admin.err"
admin list --until 2026-11-03
early=$(grep -c '^20[0-9][0-9]-' "$TMP/admin" || :)
ok "prune: list --until shows some reports to prune" test "$early" -ge 2
admin prune --until 2026-11-03 --dry-run
ok "prune --dry-run: exit 0" is "$arc" 0
ok "prune --dry-run: counts them" is "$(cat "$TMP/admin")" \
    "$early reports would be deleted"
ok "prune --dry-run: deletes nothing" is "$(stored)" "$n"
admin prune --until 2026-11-03
ok "prune: exit 0" is "$arc" 0
ok "prune: says how many" is "$(cat "$TMP/admin")" "$early reports deleted"
ok "prune: the others stay" is "$(stored)" "$((n - early))"
admin list --until 2026-11-03
ok "prune: list shows none of them" grep -q "^no reports" "$TMP/admin"
admin prune --until 2026-11-03
ok "prune again: nothing left to delete" is "$(cat "$TMP/admin")" \
    "0 reports deleted"
cron=$(sed -n 's/^#[0-9* ]* tlsrpt tlsrpt \(prune [^>]*\).*/\1/p' \
    "$top_srcdir/contrib/cron.d/tlsrpt")
ok "contrib: cron.d's prune example is there" test -n "$cron"
# shellcheck disable=SC2086 # the example's words
admin $cron --dry-run
ok "contrib: cron.d's prune example runs" is "$arc" 0
done_testing
