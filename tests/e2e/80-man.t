#!/bin/sh
# The man pages lint clean and document every option the programs take.
. "$top_srcdir/tests/e2e/lib.sh"

for page in tlsrpt-ingest.8 tlsrpt.1 tlsrpt.conf.5; do
	if command -v groff >/dev/null 2>&1; then
		ok "$page: groff -mdoc -ww is silent" sh -c \
		    "test -z \"\$(groff -mdoc -ww -z '$top_srcdir/man/$page' 2>&1)\""
	else
		skip "groff not installed"
	fi
done
for opt in $("$INGEST" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	case $opt in --help*) continue ;; esac
	ok "tlsrpt-ingest(8) documents $opt" grep -q -- "Fl ${opt#-}" \
	    "$top_srcdir/man/tlsrpt-ingest.8"
done
# every key of the example configuration (test-conf checks that it
# holds every key the parser knows) is an .It entry of tlsrpt.conf(5)
for key in $(sed -n 's/^#\{0,1\}\([a-z][a-z-]*\) *=.*/\1/p' \
    "$top_srcdir/contrib/tlsrpt.conf" | sort -u); do
	ok "tlsrpt.conf(5) documents $key" grep -q -- "^\.It Cm $key" \
	    "$top_srcdir/man/tlsrpt.conf.5"
done
for cmd in digest html show check record; do
	ok "tlsrpt(1) documents $cmd" grep -q -- "^\.It Cm $cmd" \
	    "$top_srcdir/man/tlsrpt.1"
done

# every finding id tlsrpt check can give is in its CHECKS section
for id in $(sed -n 's/.*check_add([a-z>-]*, "\([A-Z][0-9]\)".*/\1/p' \
    "$top_srcdir"/src/check/*.c | sort -u); do
	ok "tlsrpt(1) documents check id $id" \
	    grep -q -- "^\.It Sy \(\\\\&\)\{0,1\}$id\$" \
	    "$top_srcdir/man/tlsrpt.1"
done

# The distribution stands on its own: the design notes live in doc/, so
# no file may cite one of the documents that once lay beside the
# repository (../shared).  ../shared/corpus is exempt: it is optional
# test data that 70-corpus.t and mta-lib.sh skip without, not a document.
# The patterns are written so that this file does not match them.
src_grep() {
	grep -rnIE "$1" --exclude='*.log' --exclude='*.trs' \
	    "$top_srcdir/src" "$top_srcdir/man" "$top_srcdir/contrib" \
	    "$top_srcdir/tests" "$top_srcdir/bench" "$top_srcdir/debian" \
	    "$top_srcdir/doc" "$top_srcdir"/*.md "$top_srcdir/Makefile.am" \
	    "$top_srcdir/configure.ac" 2>/dev/null
}
no_outside_docs() {
	! src_grep '(SPEC|RELIABILITY|STYLE|TRUST|CHECKER|HTTPS)[.]md|[.][.]/shared/' |
	    grep -v '[.][.]/shared/corpus'
}
ok "no file cites a document outside the distribution" no_outside_docs

# Every note of doc/ that a file cites (or that a note links to) exists,
# and a section quoted after the citation (the note's path, a comma and
# the title in single quotes) is a heading of that note.
cited_notes() {
	{
		src_grep '(^|[^A-Za-z0-9_./-])doc/[A-Za-z0-9_-]+[.]md' |
		    grep -oE '(^|[^A-Za-z0-9_./-])doc/[A-Za-z0-9_-]+[.]md' |
		    sed 's|.*doc/||'
		grep -ohE '\]\([A-Za-z0-9_-]+[.]md\)' "$top_srcdir"/doc/*.md |
		    sed 's/^](//; s/)$//'
	} | sort -u
}
notes=$(cited_notes)
ok "some file cites a note of doc/" test -n "$notes"
for n in $notes; do
	ok "doc/$n, cited, exists" test -f "$top_srcdir/doc/$n"
done
cited_sections() {
	{
		src_grep "doc/[A-Za-z0-9_-]+[.]md\`?, '[^']+'" |
		    grep -oE "doc/[A-Za-z0-9_-]+[.]md\`?, '[^']+'" |
		    sed "s|^doc/||"
		grep -ohE "\]\([A-Za-z0-9_-]+[.]md\), '[^']+'" \
		    "$top_srcdir"/doc/*.md | sed 's/^](//; s/)//'
	} | sed "s/\`//; s/, '/|/; s/'\$//" | sort -u
}
sections_exist() {
	_bad=0
	while IFS='|' read -r _n _t; do
		if ! grep '^#' "$top_srcdir/doc/$_n" 2>/dev/null |
		    grep -qF -- "$_t"; then
			echo "doc/$_n has no section '$_t'"
			_bad=1
		fi
	done
	return $_bad
}
cited_sections >"$TMP/sections"
ok "every section cited in a note of doc/ is a heading there" \
    sections_exist <"$TMP/sections"
done_testing
