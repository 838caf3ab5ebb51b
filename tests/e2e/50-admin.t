#!/bin/sh
# tlsrpt list and export over a store filled by tlsrpt-ingest.
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

admin export
ok "export: jsonl by default" is "$(wc -l <"$TMP/admin" | tr -d ' ')" "$n"
ok "export: each line has _meta" is "$(grep -c '"_meta":{' "$TMP/admin")" "$n"
ok "export: RFC 8460 field names" grep -q '"organization-name":' "$TMP/admin"
ok "export: counts are integers" sh -c \
    "grep -q '\"total-successful-session-count\":[0-9][0-9]*[,}]' '$TMP/admin'"
ok "export: valid UTF-8" sh -c "iconv -f UTF-8 -t UTF-8 '$TMP/admin' >/dev/null"

admin export --format csv
ok "csv: exit 0" is "$arc" 0
ok "csv: header row" grep -q '^organization_name,report_id' "$TMP/admin"
ok "csv: a failure row" grep -q 'certificate-expired' "$TMP/admin"

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
done_testing
