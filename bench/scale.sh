#!/bin/sh
#
# scale.sh: the scale part of the benchmark (issue #16), run by
# bench/run.sh after its other parts, or alone:
#
#     BENCH_BUILDDIR=/path/to/build sh bench/scale.sh
#
# A hoster's store: BENCH_SCALE_DOMAINS [300] customer domains x
# BENCH_REPORTERS [2] reporters x 365 days, in SQLite and (when a
# PostgreSQL 15 server can be started here: root, initdb) PostgreSQL.
# The stores are built by tests/e2e/scale-lib.sh: one real report
# ingested, then copied by SQL (domain cN.example, one report a day from
# each reporter), so that building 2.2 million reports takes minutes,
# not the hours of as many mails; how long it took is printed.  Then, as
# ratios measured in the same run (each time the fastest of BENCH_RUNS
# [3] runs: these commands take tens of milliseconds, and on a shared
# machine the median measures the neighbours; peak memory, the median,
# from bench/timeit's getrusage):
#
#   - one domain's weekly digest, list and export on the big store
#     against a store holding only that domain (target: within 2x);
#   - the weekly overview digest of every domain on the year against the
#     same on a store holding only the last 90 days (target: within 2x),
#     and the size of that overview mail, for 3,000 domains (target:
#     under 1 MB): measured when BENCH_SCALE_DOMAINS is 3,000 or more,
#     else extrapolated from what a domain past the detail cut costs
#     (stores of 50 and 100 domains);
#   - tlsrpt digest --each-domain for every domain against that many
#     times the one-domain figure (target: at most 1x), when the build
#     has it;
#   - the peak memory of list and export (all reports) on the big store
#     against a store of 1,000 reports (target: within 2x);
#   - ingest throughput into PostgreSQL from BENCH_SCALE_WRITERS [8]
#     concurrent writers (tlsrpt-ingest backfill processes, each over
#     its share of BENCH_SCALE_MAILS [4000] bench/gen mails, one
#     transaction per mail), beside one SQLite backfill of the same
#     mails.
#
# Prints a Markdown table on stdout, progress on stderr.  The full
# 3,000 domains of the issue (BENCH_SCALE_DOMAINS=3000) build about
# 6 GB per backend and take about ten minutes on 2 CPUs; bench/NOTES.md
# says what was measured.  BENCH_SCALE_DOMAINS=0 skips it all.
set -eu
LC_ALL=C
export LC_ALL

srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILDDIR:-$(pwd)}
INGEST=$B/tlsrpt-ingest
ADMIN=$B/tlsrpt
GEN=$B/bench/gen
TIMEIT=$B/bench/timeit
ND=${BENCH_SCALE_DOMAINS:-300}
NR=${BENCH_REPORTERS:-2}
RUNS=${BENCH_RUNS:-3}
WRITERS=${BENCH_SCALE_WRITERS:-8}
NMAILS=${BENCH_SCALE_MAILS:-4000}
DAYS=365
SEED=$srcdir/tests/data/samples/02-google-failures.eml
D=c0.example # the one domain of the one-domain figures

say() {
	echo "scale.sh: $*" >&2
}

if [ "$ND" = 0 ]; then
	echo "Scale part: skipped (BENCH_SCALE_DOMAINS=0)."
	exit 0
fi
for p in "$INGEST" "$ADMIN" "$GEN" "$TIMEIT"; do
	if [ ! -x "$p" ]; then
		say "$p missing: run \"make bench\""
		exit 1
	fi
done
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "Scale part: skipped: sqlite3 is not installed (it builds the" \
	    "stores)."
	exit 0
fi

T=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/tlsrpt-scale.XXXXXX")
# shellcheck disable=SC2034 # pg-lib.sh's scratch directory
TMP=$T
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
printf '[trust]\ndkim = off\ncount-unauthenticated = yes\n' >"$T/conf"
# shellcheck source=../tests/e2e/scale-lib.sh
. "$srcdir/tests/e2e/scale-lib.sh"
# shellcheck source=../tests/e2e/pg-lib.sh
. "$srcdir/tests/e2e/pg-lib.sh"

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
field() {
	sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p"
}
fmt() {
	awk "BEGIN { printf \"$1\", $2 }"
}
now() {
	date +%s.%N
}
since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

# run STORE ARGS...: "seconds maxrss_kb" of tlsrpt ARGS on STORE: the
# fastest of RUNS runs, the median peak memory; its output in $T/out
run() {
	_s=$1
	shift
	: >"$T/r.s"
	: >"$T/r.m"
	for _r in $(seq "$RUNS"); do
		"$TIMEIT" once -o "$T/out" -- "$ADMIN" -c "$T/conf" \
		    --store "$_s" "$@" >"$T/t" 2>/dev/null || :
		if [ "$(field rc <"$T/t")" != 0 ]; then
			say "tlsrpt $* on $_s failed: $(cat "$T/t")"
			echo "? ?"
			return
		fi
		field wall_s <"$T/t" >>"$T/r.s"
		field maxrss_kb <"$T/t" >>"$T/r.m"
	done
	echo "$(sort -g "$T/r.s" | head -n 1) $(median <"$T/r.m")"
}

# fill_sqlite NAME DOMAINS DAYS: $T/NAME.db; prints the seconds
fill_sqlite() {
	rm -f "$T/$1.db"
	"$INGEST" -c "$T/conf" --log=stderr --store "$T/$1.db" <"$SEED" \
	    2>/dev/null
	_t=$(now)
	scale_sql sqlite "$2" "$NR" "$3" | sqlite3 "$T/$1.db" >/dev/null
	since "$_t"
}

# fill_pg NAME DOMAINS DAYS: database NAME; prints the seconds
fill_pg() {
	psql_ "CREATE DATABASE $1" >/dev/null
	"$INGEST" -c "$T/conf" --log=stderr \
	    --store "postgresql://postgres@127.0.0.1:$PGPORT_T/$1" <"$SEED" \
	    2>/dev/null
	_t=$(now)
	scale_sql postgresql "$2" "$NR" "$3" >"$T/fill.sql"
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT_T" \
	    -U postgres -d "$1" -f "$T/fill.sql" >/dev/null
	"$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PGPORT_T" -U postgres -d "$1" \
	    -c ANALYZE >/dev/null
	since "$_t"
}

# ratio A B: "A / B" as "N.NNx", or "?"
ratio() {
	case "$1$2" in *'?'*)
		echo "?"
		return
		;;
	esac
	fmt "%.2fx" "$1 / $2"
}
met() {
	case "$1$3" in *'?'*)
		echo "-"
		return
		;;
	esac
	if awk "BEGIN { exit !($1 <= $2 * $3) }"; then
		echo yes
	else
		echo "**no**"
	fi
}

each_domain=
if "$ADMIN" digest --help 2>/dev/null | grep -q -e '--each-domain'; then
	each_domain=1
fi

# measure BACKEND BIG ONE D90 K1: the figures of one backend, as
# variables BACKEND_NAME ("set -- $(run ...)" splits run's two figures)
# shellcheck disable=SC2046
measure() {
	_b=$1 big=$2 one=$3 d90=$4 k1=$5
	say "$_b: one-domain digest, list, export"
	set -- $(run "$big" digest --domain "$D" --period week --format text)
	eval "${_b}_dig_big=$1"
	set -- $(run "$one" digest --domain "$D" --period week --format text)
	eval "${_b}_dig_one=$1"
	set -- $(run "$big" list --domain "$D")
	eval "${_b}_list_big=$1"
	set -- $(run "$one" list --domain "$D")
	eval "${_b}_list_one=$1"
	set -- $(run "$big" export --domain "$D")
	eval "${_b}_exp_big=$1"
	set -- $(run "$one" export --domain "$D")
	eval "${_b}_exp_one=$1"
	say "$_b: the weekly overview, the year and 90 days"
	set -- $(run "$big" digest --period week --to postmaster@example.net)
	eval "${_b}_ov_big=$1"
	eval "${_b}_ov_bytes=$(wc -c <"$T/out" | tr -d ' ')"
	set -- $(run "$d90" digest --period week --to postmaster@example.net)
	eval "${_b}_ov_90=$1"
	if [ -n "$each_domain" ]; then
		say "$_b: --each-domain"
		mkdir -p "$T/each"
		set -- $(run "$big" digest --each-domain --period week \
		    --to postmaster@example.net --output-dir "$T/each")
		eval "${_b}_each=$1"
		rm -rf "$T/each"
	fi
	say "$_b: memory of list and export"
	set -- $(run "$big" list)
	eval "${_b}_lm_big=$2"
	set -- $(run "$k1" list)
	eval "${_b}_lm_k1=$2"
	set -- $(run "$big" export)
	eval "${_b}_em_big=$2"
	set -- $(run "$k1" export)
	eval "${_b}_em_k1=$2"
}

n_big=$((ND * NR * DAYS))
say "SQLite: building $n_big reports ($ND domains x $NR x $DAYS days)"
sq_fill=$(fill_sqlite big "$ND" "$DAYS")
say "  $sq_fill s"
fill_sqlite one 1 "$DAYS" >/dev/null
fill_sqlite d90 "$ND" 90 >/dev/null
fill_sqlite k1 5 100 >/dev/null
measure sq "$T/big.db" "$T/one.db" "$T/d90.db" "$T/k1.db"

# The overview's bound: what a domain past the detail cut ([digest]
# detail-domains, 20) costs the mail, from stores of 50 and 100 domains
# (two weeks), to extrapolate the mail of ND domains to the issue's
# 3,000 when ND is smaller
ov_bytes() {
	"$ADMIN" -c "$T/conf" --store "$1" digest --period week \
	    --to postmaster@example.net | wc -c | tr -d ' '
}
say "the overview's bytes per domain"
fill_sqlite ov50 50 14 >/dev/null
fill_sqlite ov100 100 14 >/dev/null
ov_per=$((($(ov_bytes "$T/ov100.db") - $(ov_bytes "$T/ov50.db")) / 50))
if [ "$ND" -ge 3000 ]; then
	ov3000=$sq_ov_bytes ov_how="measured, $ND domains"
else
	ov3000=$((sq_ov_bytes + (3000 - ND) * ov_per))
	ov_how="extrapolated: $sq_ov_bytes + (3,000 - $ND) x $ov_per"
fi

# the writers' mails: bench/gen, split into WRITERS Maildirs
say "generating $NMAILS mails for the writers"
mkdir -p "$T/mails/new" "$T/mails/cur" "$T/mails/tmp"
"$GEN" mails "$T/mails/new" "$T/mails.gz" "$NMAILS" 3
i=0
for f in "$T"/mails/new/*; do
	w=$((i % WRITERS))
	mkdir -p "$T/w$w/new" "$T/w$w/cur" "$T/w$w/tmp"
	ln "$f" "$T/w$w/new/"
	i=$((i + 1))
done
t0=$(now)
"$INGEST" -c "$T/conf" --log=stderr --store "$T/bf.db" "$T/mails" \
    2>/dev/null || :
sq_bf_s=$(since "$t0")
sq_bf_n=$(sqlite3 "$T/bf.db" 'SELECT count(*) FROM reports')

pg=
if pg_available && pg_start >/dev/null 2>&1; then
	pg=1
	say "PostgreSQL: building $n_big reports"
	pg_fill=$(fill_pg big "$ND" "$DAYS")
	say "  $pg_fill s"
	fill_pg one 1 "$DAYS" >/dev/null
	fill_pg d90 "$ND" 90 >/dev/null
	fill_pg k1 5 100 >/dev/null
	u="postgresql://postgres@127.0.0.1:$PGPORT_T"
	measure pg "$u/big" "$u/one" "$u/d90" "$u/k1"
	say "PostgreSQL: $WRITERS writers at once"
	psql_ "CREATE DATABASE writers" >/dev/null
	# the schema first: the writers measure ingestion, not migration
	"$INGEST" -c "$T/conf" --log=stderr --store "$u/writers" <"$SEED" \
	    2>/dev/null
	t0=$(now)
	for w in $(seq 0 $((WRITERS - 1))); do
		"$INGEST" -c "$T/conf" --log=stderr --store "$u/writers" \
		    "$T/w$w" 2>/dev/null &
	done
	wait
	pg_bf_s=$(since "$t0")
	pg_bf_n=$("$PGBIN/psql" -X -A -t -h 127.0.0.1 \
	    -p "$PGPORT_T" -U postgres -d writers \
	    -c "SELECT count(*) - 1 FROM reports")
else
	pg_why_=$(pg_why)
fi

# row NAME SQ_BIG SQ_ONE PG_BIG PG_ONE TARGET_FACTOR UNIT
row() {
	_sq="$(fmt %.3f "$2") / $(fmt %.3f "$3") = $(ratio "$2" "$3")"
	_m="$(met "$2" "$6" "$3")"
	if [ -n "$pg" ]; then
		_pg="$(fmt %.3f "$4") / $(fmt %.3f "$5") = $(ratio "$4" "$5")"
		_m="$_m / $(met "$4" "$6" "$5")"
	else
		_pg="-"
	fi
	echo "| $1 | $_sq | $_pg | <= ${6}x | $_m |"
}
mrow() {
	_sq="$(fmt %.1f "$2 / 1024") / $(fmt %.1f "$3 / 1024") MB = $(ratio "$2" "$3")"
	_m="$(met "$2" 2 "$3")"
	if [ -n "$pg" ]; then
		_pg="$(fmt %.1f "$4 / 1024") / $(fmt %.1f "$5 / 1024") MB = $(ratio "$4" "$5")"
		_m="$_m / $(met "$4" 2 "$5")"
	else
		_pg="-"
	fi
	echo "| $1 | $_sq | $_pg | <= 2x | $_m |"
}

echo "Scale: $ND domains x $NR reporters x $DAYS days ($n_big reports)," \
    "one report a day from each reporter for each domain; seconds" \
    "(the fastest of $RUNS runs) on the big store / on the smaller one."
echo
echo "| Scale measurement | SQLite | PostgreSQL | Target | Met |"
echo "|---|---|---|---|---|"
echo "| big store built (SQL copies of one ingested report), seconds |" \
    "$sq_fill ($(fmt %.0f "$n_big / $sq_fill") reports/s) |" \
    "$(if [ -n "$pg" ]; then echo "$pg_fill ($(fmt %.0f "$n_big / $pg_fill") reports/s)"; else echo -; fi) | | |"
row "digest --domain $D --period week: big / that domain only" \
    "$sq_dig_big" "$sq_dig_one" "${pg_dig_big:-}" "${pg_dig_one:-}" 2
row "list --domain $D: big / that domain only" \
    "$sq_list_big" "$sq_list_one" "${pg_list_big:-}" "${pg_list_one:-}" 2
row "export --domain $D: big / that domain only" \
    "$sq_exp_big" "$sq_exp_one" "${pg_exp_big:-}" "${pg_exp_one:-}" 2
row "weekly overview digest: the year / the last 90 days" \
    "$sq_ov_big" "$sq_ov_90" "${pg_ov_big:-}" "${pg_ov_90:-}" 2
echo "| weekly overview mail, bytes ($ND domains) | $sq_ov_bytes |" \
    "${pg_ov_bytes:--} | | |"
echo "| weekly overview mail of 3,000 domains, bytes ($ov_how; a domain" \
    "past the 20 in detail costs $ov_per) | $ov3000 | |" \
    "< 1 MB (1,048,576) |" \
    "$(if [ "$ov3000" -lt 1048576 ]; then echo yes; else echo "**no**"; fi) |"
if [ -n "$each_domain" ]; then
	row "digest --each-domain, $ND domains / $ND x digest --domain $D" \
	    "$sq_each" "$(fmt %.4f "$ND * $sq_dig_big")" "${pg_each:-}" \
	    "$(if [ -n "$pg" ]; then fmt %.4f "$ND * $pg_dig_big"; fi)" 1
else
	echo "| digest --each-domain / $ND x one domain | not built yet |" \
	    "| <= 1x | - |"
fi
mrow "list, peak memory: big / 1,000 reports" \
    "$sq_lm_big" "$sq_lm_k1" "${pg_lm_big:-}" "${pg_lm_k1:-}"
mrow "export, peak memory: big / 1,000 reports" \
    "$sq_em_big" "$sq_em_k1" "${pg_em_big:-}" "${pg_em_k1:-}"
echo "| ingest, reports/s: SQLite one backfill; PostgreSQL $WRITERS" \
    "writers at once (one transaction a mail) |" \
    "$(fmt %.0f "$sq_bf_n / $sq_bf_s") ($sq_bf_n in $sq_bf_s s) |" \
    "$(if [ -n "$pg" ]; then echo "$(fmt %.0f "$pg_bf_n / $pg_bf_s") ($pg_bf_n in $pg_bf_s s)"; else echo -; fi) | | |"
if [ -z "$pg" ]; then
	echo
	echo "PostgreSQL: skipped: $pg_why_."
fi
