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
for cmd in digest html show; do
	ok "tlsrpt(1) documents $cmd" grep -q -- "^\.It Cm $cmd" \
	    "$top_srcdir/man/tlsrpt.1"
done
done_testing
