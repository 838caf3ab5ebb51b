#!/bin/sh
# Run a unit test program under $VALGRIND (set by --enable-valgrind).
exec $VALGRIND "$@"
