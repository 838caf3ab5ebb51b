#!/bin/sh
# Backfill: files, directories and Maildirs (new/ and cur/) as arguments,
# in one process; bare report files (JSON and gzip) too.
. "$top_srcdir/tests/e2e/lib.sh"

fresh
mkdir -p "$TMP/box/new" "$TMP/box/cur" "$TMP/box/tmp"
i=0
for f in "$DATA"/samples/*; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then
		cp "$f" "$TMP/box/new/$i.host"
	else
		cp "$f" "$TMP/box/cur/$i.host:2,S"
	fi
done
ingest "$TMP/box"
ok "Maildir backfill: exit 0" is "$rc" 0
n=$(stored)
ok "Maildir backfill: every sample stored" test "$n" -ge 5
ok "Maildir backfill: one log line per mail" is \
    "$(grep -c 'mail status=' "$TMP/log")" "$i"
ingest "$TMP/box"
ok "backfill again: nothing new" is "$(stored)" "$n"

fresh
ingest "$DATA/samples"
ok "directory of files: same count" is "$(stored)" "$n"

fresh
ingest "$DATA/samples/05-mailru.json"
ok "a bare JSON report file is stored" is "$(stored)" 1
ingest "$DATA/samples/06-bare.json.gz"
ok "a bare gzip report file is stored" is "$(stored)" 2

fresh
ingest "$TMP/does-not-exist"
ok "a missing file: exit 75" is "$rc" 75
ok "a missing file: named" grep -q does-not-exist "$TMP/out"

fresh
ingest -v "$DATA/samples"
ok "--verbose prints a summary" grep -q 'mails, .* reports' "$TMP/log"
done_testing
