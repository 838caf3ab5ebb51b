#!/bin/sh
# Replay the checked-in corpus of each fuzz target (seeds and every past
# crasher) once: a regression test for what fuzzing found.
. "$top_srcdir/tests/e2e/lib.sh"

for t in gunzip report mime ingest authres check; do
	ok "fuzz-$t replays its corpus" $VALGRIND \
	    "$top_builddir/tests/fuzz/fuzz-$t" "$top_srcdir/tests/fuzz/corpus/$t"
done
done_testing
