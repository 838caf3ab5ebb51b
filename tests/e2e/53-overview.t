#!/bin/sh
# The overview of a hoster's store (issue #16): a digest without --domain
# lists every domain in its table, the worst first, and gives full detail
# only for the worst [digest] detail-domains (or --detail-domains), in
# text, HTML and the mail alike, with a line saying how many were left
# out and where they are; JSON keeps every domain in full; tlsrpt html
# and the digest of one domain are never cut.  And the size bound: past
# the cut, the mail grows only by a table row per domain.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/scale-lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 not installed"
	exit 0
fi
cat >"$TMP/conf" <<'EOF2'
[trust]
dkim = off
count-unauthenticated = yes
[digest]
to = postmaster@hoster.example
detail-domains = 5
EOF2
dig() {
	set +e
	$VALGRIND "$ADMIN" -c "$TMP/conf" --store "$DB" digest --period week \
	    "$@" >"$TMP/admin" 2>"$TMP/admin.err"
	arc=$?
	set -e
}
# the domains of the text table, in order
rows() { sed -n 's/^  \(c[0-9]*\.example\)  .*/\1/p' "$TMP/admin"; }
# the domains with a section of their own, in order
sections() { sed -n 's/^\(c[0-9]*\.example\)$/\1/p' "$TMP/admin"; }
# the text on one line, in $TMP/flat
flat() { tr '\n' ' ' <"$TMP/admin" | tr -s ' ' >"$TMP/flat"; }

# 60 domains x 1 reporter x 14 days, all copies of one report (3.02%
# failed: watch); c7 and c42 fail worse (action), c33 not at all
ingest <"$DATA/samples/02-google-failures.eml"
scale_sql sqlite 60 1 14 >"$TMP/fill.sql"
sqlite3 "$DB" <"$TMP/fill.sql" >/dev/null
sqlite3 "$DB" "UPDATE reports SET successful = 10 WHERE domain = 'c7.example';
    UPDATE reports SET successful = 200 WHERE domain = 'c42.example';
    UPDATE reports SET failed = 0 WHERE domain = 'c33.example'"
ok "a store of 60 domains" is \
    "$(sqlite3 "$DB" 'SELECT count(DISTINCT domain) FROM reports')" 60

dig --format text
ok "text: exit 0" test "$arc" = 0
ok "text: the table has every domain" is "$(rows | wc -l)" 60
ok "text: the worst first (action by rate, then watch by name)" is \
    "$(rows | head -4 | tr '\n' ' ')" "c7.example c42.example c0.example c1.example "
ok "text: the clean domain last" is "$(rows | tail -1)" c33.example
ok "text: detail for exactly the worst 5" is "$(sections | tr '\n' ' ')" \
    "c7.example c42.example c0.example c1.example c10.example "
flat
ok "text: the left-out line" grep -q "Detail below for the 5 domains that \
need attention most, first in the table; the other 55 are only in the \
table. The detail of one domain: tlsrpt digest --domain DOMAIN; of each: \
tlsrpt digest --each-domain; of all on one page: tlsrpt html." "$TMP/flat"
cp "$TMP/admin" "$TMP/text"

dig --format html
ok "html: every domain in the table" is \
    "$(grep -c '^<tr><td>.*c[0-9]*\.example' "$TMP/admin")" 60
ok "html: the table by attention" is \
    "$(sed -n 's/^<tr><td>\(<a href="#d[0-9]*">\)\{0,1\}\(c[0-9]*\.example\)<.*/\2/p' \
    "$TMP/admin" | head -3 | tr '\n' ' ')" "c7.example c42.example c0.example "
ok "html: detail for exactly 5" is \
    "$(grep -o '<h2 id="d[0-9]*"' "$TMP/admin" | wc -l)" 5
ok "html: the left-out line" grep -q 'the other 55 are only in the table' \
    "$TMP/admin"

dig --format json
if command -v python3 >/dev/null 2>&1; then
	ok "json: every domain in full, by name; the cut and the order apart" \
	    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = [x["domain"] for x in d["domains"]]
assert len(names) == 60 and names == sorted(names), names
assert all("reporters" in x and "failures" in x for x in d["domains"])
assert d["detail-domains"] == 5
assert d["attention"][:2] == ["c7.example", "c42.example"]
assert d["attention"][-1] == "c33.example" and len(d["attention"]) == 60
' "$TMP/admin"
else
	skip "python3 not installed"
fi

dig
ok "mail: exit 0" test "$arc" = 0
ok "mail: its text part has the same 5 sections" is \
    "$(sed -n 's/^\(c[0-9]*\.example\)$/\1/p' "$TMP/admin" | wc -l)" 5
ok "mail: its HTML part too" is \
    "$(grep -o '<h2 id=3D"d[0-9]*"' "$TMP/admin" | wc -l)" 5

dig --format text --detail-domains 2
ok "--detail-domains overrides [digest] detail-domains" is \
    "$(sections | tr '\n' ' ')" "c7.example c42.example "
dig --format text --detail-domains 0
flat
why="No domain in detail here: the 60 domains are only in the table above."
ok "--detail-domains 0: the table alone, and why" is \
    "$(sections | wc -l) $(rows | wc -l) $(grep -c "$why" "$TMP/flat")" \
    "0 60 1"
dig --format text --detail-domains 60
ok "as many as the domains: no cut, by name, as before" is \
    "$(sections | wc -l) $(rows | head -1) $(grep -c 'only in the table' \
    "$TMP/admin")" "60 c0.example 0"
dig --format text --detail-domains -2
ok "--detail-domains -2: usage (64)" test "$arc" = 64
dig --format text --domain c33.example --detail-domains 0
ok "--domain: its detail whatever the setting" is "$(sections)" c33.example
set +e
$VALGRIND "$ADMIN" -c "$TMP/conf" --store "$DB" html --period week \
    >"$TMP/admin" 2>"$TMP/admin.err"
arc=$?
set -e
ok "tlsrpt html: every domain in detail" sh -c "test $arc = 0 &&
    test \"\$(grep -o '<h2 id=\"d[0-9]*\"' '$TMP/admin' | wc -l)\" = 60"

# The size bound: 50 and 100 domains, detail for 20: each domain past
# the cut costs a table row, in text, HTML and the mail
# size N: a store of N domains x 2 reporters x 14 days; prints the bytes
# of the text, of the HTML and of the mail
size() {
	DB="$TMP/s$1.db"
	ingest <"$DATA/samples/02-google-failures.eml"
	scale_sql sqlite "$1" 2 14 | sqlite3 "$DB" >/dev/null
	for f in text html mail; do
		dig --format "$f" --detail-domains 20
		wc -c <"$TMP/admin"
	done | tr '\n' ' '
}
# shellcheck disable=SC2046 # three numbers
set -- $(size 50) $(size 100)
text50=$1 html50=$2 mail50=$3 text100=$4 html100=$5 mail100=$6
per=$(((text100 + html100 - text50 - html50) / 50))
mper=$(((mail100 - mail50) / 50))
echo "# bytes per domain past the cut: $per in text and HTML, $mper in" \
    "the mail; the mail of 50 domains: $mail50"
ok "text and HTML: under 300 bytes a domain past the cut ($per)" \
    test "$per" -lt 300
ok "mail: under 300 bytes a domain past the cut ($mper)" test "$mper" -lt 300
# what 3,000 domains would make of it
ok "mail of 3,000 domains under 1 MB (extrapolated: \
$((mail50 + (3000 - 50) * mper)))" \
    test $((mail50 + (3000 - 50) * mper)) -lt 1048576
done_testing
