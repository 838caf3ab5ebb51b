#!/bin/sh
# Hostile input costs a log line, never a crash, a bounce or a raw control
# character in the log.
. "$top_srcdir/tests/e2e/lib.sh"

# Not a mail at all, empty input, binary noise.
fresh
: >"$TMP/empty"
ingest --archive "$MD" <"$TMP/empty"
ok "empty input: exit 0" is "$rc" 0
ok "empty input: set aside" is "$(in_folder "$MD/.rejected")" 1
head -c 4096 /dev/urandom >"$TMP/noise"
ingest <"$TMP/noise"
ok "random bytes: exit 0" is "$rc" 0
ok "random bytes: logged" grep -q 'mail status=rejected' "$TMP/log"

# A report whose strings carry newlines, ESC and bidi overrides: stored,
# and the log stays one line per event with the bytes escaped.
fresh
cat >"$TMP/evil.json" <<'JSON'
{"organization-name":"Evil\nInjected: line\u001b[2J\u202e",
 "date-range":{"start-datetime":"2026-11-01T00:00:00Z",
               "end-datetime":"2026-11-01T23:59:59Z"},
 "contact-info":"x@example.net","report-id":"evil-1\r\nfake=1",
 "policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},
   "summary":{"total-successful-session-count":1,
              "total-failure-session-count":1},
   "failure-details":[{"result-type":"validation-failure\n<script>",
     "failed-session-count":1,"failure-reason-code":"%s%n%x"}]}]}
JSON
ingest "$TMP/evil.json"
ok "hostile strings: exit 0" is "$rc" 0
ok "hostile strings: stored" is "$(stored)" 1
ok "hostile strings: every log line is whole" sh -c \
    "! grep -v '^tlsrpt-ingest: ' '$TMP/log'"
ok "hostile strings: newline escaped" grep -q 'reporter="Evil\\nInjected: line\\x1b\[2J\\u{202E}"' "$TMP/log"
ok "hostile strings: no raw ESC" sh -c "! grep -q \"\$(printf '\\033')\" '$TMP/log'"
ok "hostile strings: format string kept literally" grep -q 'reason_code=%s%n%x' "$TMP/log"

# A gzip bomb stops at the cap.
fresh
head -c 67108864 /dev/zero | gzip -n -9 >"$TMP/bomb.json.gz"
ingest "$TMP/bomb.json.gz"
ok "gzip bomb: exit 0" is "$rc" 0
ok "gzip bomb: nothing stored" is "$(stored)" 0
ok "gzip bomb: the log names the limit" grep -qi 'gunzip-size\|exceeds\|bomb' "$TMP/log"

# A report file name with ../ never becomes a path.
fresh
mkdir -p "$TMP/in"
cp "$DATA/samples/06-bare.json.gz" "$TMP/in/..%2F..%2Fevil.json.gz"
ingest --archive "$MD" "$TMP/in/..%2F..%2Fevil.json.gz"
ok "odd file name: exit 0" is "$rc" 0
ok "odd file name: nothing written outside the tree" test ! -e "$TMP/../evil.json.gz"
done_testing
