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

# A directory backfill parses in several threads and delivers in name
# order: its log is line for line that of the same files backfilled one
# process each, in that order (fixtures that store, repeat and reject).
mkdir -p "$TMP/many"
i=0
for f in "$DATA"/mail/*.eml "$DATA"/samples/* "$DATA"/mail/0[0-4]*.eml; do
	i=$((i + 1))
	cp "$f" "$TMP/many/$(printf %03d $i)-${f##*/}"
done
fresh
ingest "$TMP/many"
ok "threaded backfill of $i files: exit 0" is "$rc" 0
cp "$TMP/log" "$TMP/log.many"
n=$(stored)
fresh
: >"$TMP/log.one"
for f in "$TMP"/many/*; do
	ingest "$f"
	cat "$TMP/log" >>"$TMP/log.one"
done
ok "the same log as one file at a time" cmp "$TMP/log.many" "$TMP/log.one"
ok "and the same reports stored" is "$(stored)" "$n"
ok "one mail line per file, in name order" is \
    "$(sed -n 's/.* origin=\([^ ]*\).*/\1/p' "$TMP/log.many" | tr '\n' ' ')" \
    "$(ls "$TMP"/many/* | tr '\n' ' ')"

# A file that cannot be read stops the backfill there (75), as it did
# with one thread: every file before it is stored, none after it, though
# the parse threads have read ahead.
if [ "$(id -u)" = 0 ]; then
	# root backfills as the store directory's owner
	mkdir -p "$TMP/nb"
	chown nobody "$TMP/nb"
	NBDB="$TMP/nb/reports.db"
else
	NBDB="$DB"
fi
mkdir -p "$TMP/stop"
for k in 01 02 03 04 05 06 07 08 09 10; do
	cp "$DATA/mail/0$k-"*.eml "$TMP/stop/a$k.eml" 2>/dev/null ||
	    cp "$DATA/samples/01-google-ok.eml" "$TMP/stop/a$k.eml"
	cp "$DATA/samples/02-google-failures.eml" "$TMP/stop/c$k.eml"
done
cp "$DATA/samples/03-microsoft.eml" "$TMP/stop/b.eml"
chmod 000 "$TMP/stop/b.eml"
set +e
env -i PATH=/usr/bin:/bin "$INGEST" --dkim=off --log=stderr --store "$NBDB" \
    "$TMP/stop" >"$TMP/out" 2>"$TMP/log"
rc=$?
set -e
ok "an unreadable file in a backfill: exit 75" is "$rc" 75
ok "an unreadable file: named" grep -q "cannot open $TMP/stop/b.eml" \
    "$TMP/out"
ok "every file before it delivered, none after" is \
    "$(grep -c 'mail status=' "$TMP/log")/$(grep -c 'origin=[^ ]*/c' \
    "$TMP/log")" 10/0
ok "and what was logged as stored is stored" is \
    "$("$ADMIN" --store "$NBDB" export --format jsonl | wc -l | tr -d ' ')" \
    "$(grep -c 'report status=stored' "$TMP/log")"
done_testing
