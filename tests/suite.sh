#!/bin/sh
# The whole test suite, as CI runs it:
#   1. gcc, -Werror: make check, then make distcheck;
#   2. clang with ASan and UBSan: make check;
#   3. valgrind (no definite or indirect leak, no error): make check.
# Each configuration builds in its own directory under _b/.  Ends with
# "N passed, N failed" counted over every test result of every stage.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
t0=$(date +%s)
# Each stage is a VPATH build, which automake refuses in a source tree
# that was configured in place.  README's first command builds in
# build/; a tree configured here by hand must be cleaned by its owner.
if [ -f config.status ]; then
	echo "tests/suite.sh: this source tree was configured in place" \
	    "(./configure ran here); the suite builds under _b/ and needs" \
	    "it unconfigured: run 'make distclean' here, or build in a" \
	    "directory of its own as README.md shows (build/)."
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
sh tests/deps.sh || echo "warning: could not install test dependencies" >&2
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
rm -rf _b
mkdir -p _b
extra_pass=0
extra_fail=0

run_stage() {
	name=$1
	shift
	echo "=== $name"
	mkdir -p "_b/$name"
	(
		cd "_b/$name" &&
		    "$top/configure" -q "$@" &&
		    make -s -j2 &&
		    make -s -j2 check VERBOSE=yes >check.out 2>&1
	)
	st=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "_b/$name/check.out" 2>/dev/null |
	    sed "s|^|$name: |" | grep -v '^[a-z]*: PASS' || true
	[ $st -eq 0 ] || echo "--- $name failed (the failures are listed at the end)"
	return $st
}

run_stage gcc --enable-werror
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
run_stage asan --enable-werror --enable-sanitizers CC=clang
run_stage valgrind --enable-valgrind

# The heavy tests (real MTAs, load, kill, the Debian package) ran in the
# gcc stage; distcheck proves the tarball builds and passes the rest.
echo "=== distcheck"
if (cd _b/gcc && TI_HEAVY_TESTS=0 make -s distcheck \
    DISTCHECK_CONFIGURE_FLAGS=--enable-werror >distcheck.out 2>&1); then
	extra_pass=$((extra_pass + 1))
	echo "PASS: make distcheck"
else
	extra_fail=$((extra_fail + 1))
	echo "FAIL: make distcheck"
	tail -n 60 _b/gcc/distcheck.out
fi

echo "=== clang-format"
if command -v clang-format >/dev/null 2>&1; then
	if clang-format --dry-run -Werror src/*.[ch] src/*/*.[ch] tests/unit/*.[ch] \
	    >_b/format.out 2>&1; then
		extra_pass=$((extra_pass + 1))
		echo "PASS: clang-format"
	else
		extra_fail=$((extra_fail + 1))
		echo "FAIL: clang-format"
		head -n 40 _b/format.out
	fi
fi

pass=$(cat _b/*/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS')
skip=$(cat _b/*/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP')
fail=$(cat _b/*/tests/*/*.trs 2>/dev/null | grep -Ec '^:test-result: (FAIL|ERROR|XPASS)')
# a stage that did not get to run its tests counts as a failure
for s in gcc asan valgrind; do
	ls _b/$s/tests/*/*.trs >/dev/null 2>&1 || fail=$((fail + 1))
done
pass=$((pass + extra_pass))
fail=$((fail + extra_fail))
# What failed, last, where a reader of only the tail of the output (a CI
# log that keeps the end) sees it: each failed result, then the failing
# lines of each failed test's log with the diagnostics that follow them.
failures() {
	for trs in _b/*/tests/*/*.trs; do
		grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs" 2>/dev/null || continue
		log=${trs%.trs}.log
		echo "--- $log"
		awk '/^(not ok|Bail out!)/ { n = 8 } n > 0 { print; n-- }' "$log" |
		    head -n 60
		grep -q '^not ok\|^Bail out!' "$log" || tail -n 20 "$log"
	done
	for s in gcc asan valgrind; do
		ls _b/$s/tests/*/*.trs >/dev/null 2>&1 && continue
		echo "--- $s: no test ran; the end of its build output:"
		tail -n 20 "_b/$s/check.out" 2>/dev/null
	done
}
if [ "$fail" -ne 0 ]; then
	echo "=== what failed"
	failures | head -n 400
fi
echo "=== the suite took $(($(date +%s) - t0)) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
