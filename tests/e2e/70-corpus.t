#!/bin/sh
# Interoperability: every real report mail and file under ../shared/corpus
# (kept outside this repository) is handled, and every real report stored.
# Those mails were trimmed when they were saved and their reporters' keys
# cannot be looked up here, so their DKIM signatures cannot verify: they
# run with authentication off (lib.sh's ingest passes --dkim=off), which
# is what --dkim=off is for (a backfill of saved mail).
. "$top_srcdir/tests/e2e/lib.sh"

CORPUS=${TLSRPT_CORPUS:-}
for c in "$abs_top_srcdir/../shared/corpus/real" \
    "$abs_top_srcdir/../../shared/corpus/real"; do
	[ -n "$CORPUS" ] || { [ -d "$c" ] && CORPUS=$c; } || true
done
if [ -z "$CORPUS" ] || [ ! -d "$CORPUS" ]; then
	echo "1..0 # SKIP no shared corpus beside the tree"
	exit 0
fi

fresh
total=0
for f in "$CORPUS"/*.eml "$CORPUS"/*.json; do
	name=$(basename "$f")
	before=$(stored)
	ingest --archive "$MD" "$f"
	ok "$name: exit 0" is "$rc" 0
	after=$(stored)
	case $name in
	*not-a-report*)
		ok "$name: set aside" grep -q 'mail status=rejected' "$TMP/log"
		;;
	*)
		ok "$name: a report stored (or a duplicate of one)" sh -c \
		    "test $after -gt $before || grep -q 'status=duplicate' '$TMP/log'"
		;;
	esac
	ok "$name: log lines whole" sh -c "! grep -v '^tlsrpt-ingest: ' '$TMP/log'"
done
done_testing
