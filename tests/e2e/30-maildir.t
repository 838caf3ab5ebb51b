#!/bin/sh
# The Maildir archive: the raw mail, without its mbox From_ line, in new/
# of the main folder or of .rejected; nothing left in tmp/.
. "$top_srcdir/tests/e2e/lib.sh"

MAIL="$DATA/samples/03-microsoft.eml"
fresh
ingest --archive "$MD" <"$MAIL"
ok "exit 0" is "$rc" 0
ok "one file in new/" is "$(in_folder "$MD")" 1
f=$(find "$MD/new" -type f | head -n 1)
ok "the From_ line is gone" sh -c "! head -n 1 '$f' | grep -q '^From '"
ok "the rest is byte for byte the mail" sh -c \
    "sed '1{/^From /d;}' '$MAIL' | cmp -s - '$f'"
ok "tmp/ is empty" is "$(find "$MD/tmp" -type f | wc -l | tr -d ' ')" 0
ok "cur/ exists" test -d "$MD/cur"
ok "the log names the archived file" grep -q "archive=$MD/new/" "$TMP/log"
ok "the store knows where it was archived" sh -c \
    "'$ADMIN' --store '$DB' export >/dev/null"

printf 'From: someone@example.org\nSubject: hello\n\nNot a report.\n' >"$TMP/human.eml"
ingest --archive "$MD" <"$TMP/human.eml"
ok "not a report: exit 0" is "$rc" 0
ok "not a report: archived in .rejected" is "$(in_folder "$MD/.rejected")" 1
ok "not a report: Maildir++ folder complete" sh -c \
    "test -d '$MD/.rejected/tmp' && test -d '$MD/.rejected/cur'"
ok "not a report: log says why" grep -q 'mail status=rejected.*reason="no report part found"' "$TMP/log"

# A mail larger than message-size is kept whole in .rejected.
fresh
printf '[limits]\nmessage-size = 2k\n' >"$TMP/small.conf"
ingest -c "$TMP/small.conf" --archive "$MD" <"$MAIL"
ok "oversize: exit 0" is "$rc" 0
ok "oversize: nothing stored" is "$(stored)" 0
ok "oversize: archived whole in .rejected" sh -c \
    "sed '1{/^From /d;}' '$MAIL' | cmp -s - \"\$(find '$MD/.rejected/new' -type f)\""
ok "oversize: log says message-size" grep -q 'message-size' "$TMP/log"

# The mail is written into tmp/ once, as it is read, and that file is
# the one linked into new/ (before, an empty spill file came and went).
if command -v strace >/dev/null 2>&1 && [ -z "$VALGRIND" ]; then
	fresh
	env SENDER=a@example.org strace -f -qq -e trace=openat,link,rename \
	    -o "$TMP/strace" "$INGEST" --dkim=off --store "$DB" --archive "$MD" \
	    <"$MAIL" >/dev/null 2>&1 || true
	ok "one file opened in tmp/ for the whole delivery" is \
	    "$(grep -c "openat(.*$MD/tmp/" "$TMP/strace")" 1
	ok "and it is the one delivered into new/" sh -c \
	    "grep -E '^[0-9]+ +(link|rename)\\(\"$MD/tmp/' '$TMP/strace' |
	    grep -q '$MD/new/'"
	ok "delivered whole" sh -c \
	    "sed '1{/^From /d;}' '$MAIL' | cmp -s - \"\$(find '$MD/new' -type f)\""
else
	skip "strace missing, or valgrind"
	skip "strace missing, or valgrind"
	skip "strace missing, or valgrind"
fi

# 50 deliveries give 50 distinct files.
fresh
i=0
while [ $i -lt 50 ]; do
	ingest --archive "$MD" <"$TMP/human.eml"
	i=$((i + 1))
done
ok "50 deliveries, 50 files" is "$(in_folder "$MD/.rejected")" 50

# Backfill from files does not archive again.
fresh
ingest --archive "$MD" "$MAIL"
ok "file arguments with --archive archive too" is "$(in_folder "$MD")" 1
fresh
printf '[ingest]\narchive = %s\n' "$MD" >"$TMP/arch.conf"
ingest -c "$TMP/arch.conf" "$MAIL"
ok "file arguments ignore the configured archive" is "$(in_folder "$MD")" 0
done_testing
