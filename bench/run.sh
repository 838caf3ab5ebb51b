#!/bin/sh
#
# run.sh: the benchmark behind "make bench" (issue #6).  Generates report
# mails with bench/gen into a temporary directory, then measures, side by
# side on the same input:
#
#   1. pipe mode: one tlsrpt-ingest process per mail (SQLite store and
#      Maildir archive on), median and p99 ms per mail;
#   1b. pipe mode, DKIM verified: the same mails, each signed by its
#      reporter's domain (rsa-sha256, RSA-2048, relaxed/relaxed, with
#      /usr/bin/python3's dkim module, before any timing), delivered with
#      tlsrpt-ingest's default [trust] dkim = verify, the keys served by
#      a local unbound (127.0.0.1, a free port, local-data; started with
#      tests/e2e/unbound-lib.sh); interleaved mail by mail with the
#      same signed mails delivered with dkim = off, so that the
#      difference is what verification costs.  Skipped, with a line
#      that says why, without unbound, python3-dkim or openssl;
#   1c. HTTPS POST: reports (gzip JSON, as a sender posts them) POSTed
#      to tlsrpt-ingest run as a CGI program by fcgiwrap behind nginx
#      (TLS on 127.0.0.1, a port picked at run time, test CA, the
#      location block of contrib/https/nginx.conf; started with
#      tests/e2e/https-lib.sh), by one curl process that keeps its
#      BENCH_HTTPS_PARALLEL connections alive (--parallel, one transfer
#      per report), store and archive on: posts/s, the median and p99
#      of curl's time_total, the CPU a post of the CGI runs (with perf),
#      fcgiwrap and nginx; beside it the same server and the same curl
#      runs with bench/floor as the CGI (it reads the body, fsyncs it
#      to a file and answers 200), the reports posted in 5 chunks, each
#      to both in turn.  Every post must be answered 200 and every
#      report stored once (tlsrpt export), else the benchmark stops.
#      Skipped, with a line that says why, without nginx, fcgiwrap,
#      curl or openssl;
#   2. backfill: one tlsrpt-ingest process over a Maildir, mails/s;
#   3. one report with 50,000 failure details: seconds and peak RSS;
#   4. tlsrpt digest and tlsrpt export over a year of reports for 100
#      domains: seconds;
#   5. scale: a hoster's store of many domains in SQLite and PostgreSQL,
#      per-domain work against a store of that domain only, streaming
#      memory, concurrent writers: bench/scale.sh (which says what it
#      measures; BENCH_SCALE_DOMAINS=0 skips it).
#
# Beside each: bench/baseline.py (Python 3, standard library only, the
# script many postmasters write instead) and the floor: for pipe mode
# bench/floor (start-up of a program linked against the same libraries,
# plus an fsync'd write of the mail); for the rest "gzip -dc" of the same
# report attachments.  Prints a Markdown table; with --write it also
# replaces bench/RESULTS.md.
#
#     make bench                       (or: make bench BENCH_FLAGS=--write)
#     BENCH_BUILDDIR=/path/to/build sh bench/run.sh [--write]
#
# Sizes and repeats come from the environment (defaults in brackets):
# BENCH_PIPE [1000] mails for pipe mode, BENCH_PY_PIPE [100] of them for
# the Python script (about 0.3 s a mail), BENCH_BACKFILL [10000],
# BENCH_DETAILS [50000], BENCH_DOMAINS [100], BENCH_DAYS [365],
# BENCH_REPORTERS [2] reports per domain and day, BENCH_RUNS [3]: our
# figures are the median of that many runs (Python and the floor of the
# pipe are measured alongside each run).  BENCH_HTTPS [2000] reports for
# 1c, posted BENCH_HTTPS_PARALLEL [8] at a time (fcgiwrap has as many
# children).  BENCH_TMPDIR [/var/tmp] must be on a real disk: on tmpfs
# fsync costs nothing.
#
# Every measurement but 1b and 1c runs with "[trust] dkim = off" (the
# generated mails are not signed: verified, they would all be set aside
# in .unauthenticated, not stored) and "count-unauthenticated = yes" (so
# that the digest counts them): what they measure is unchanged since
# before DKIM verification (1c: a report over HTTPS is stored with the
# authentication method "none" whatever [trust] says).  Each run checks
# that the store holds the reports it should, else the benchmark stops.
set -eu
LC_ALL=C
export LC_ALL

write=0
for a in "$@"; do
	case $a in
	--write) write=1 ;;
	*)
		echo "usage: run.sh [--write]" >&2
		exit 64
		;;
	esac
done

srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=${BENCH_BUILDDIR:-$(pwd)}
INGEST=$B/tlsrpt-ingest
ADMIN=$B/tlsrpt
GEN=$B/bench/gen
FLOOR=$B/bench/floor
TIMEIT=$B/bench/timeit
BASELINE=$srcdir/bench/baseline.py
for p in "$INGEST" "$ADMIN" "$GEN" "$FLOOR" "$TIMEIT"; do
	if [ ! -x "$p" ]; then
		echo "run.sh: $p missing: run \"make bench\"" >&2
		exit 1
	fi
done

N_PIPE=${BENCH_PIPE:-1000}
N_PYPIPE=${BENCH_PY_PIPE:-100}
N_BACKFILL=${BENCH_BACKFILL:-10000}
N_DETAILS=${BENCH_DETAILS:-50000}
N_DOMAINS=${BENCH_DOMAINS:-100}
N_DAYS=${BENCH_DAYS:-365}
N_REPORTERS=${BENCH_REPORTERS:-2}
RUNS=${BENCH_RUNS:-3}
N_HTTPS=${BENCH_HTTPS:-2000}
P_HTTPS=${BENCH_HTTPS_PARALLEL:-8}

PY=
if command -v python3 >/dev/null 2>&1; then
	PY=python3
else
	echo "run.sh: no python3: the Python column is left out" >&2
fi

T=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/tlsrpt-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
# the unsigned mails are stored, and the digest counts them
printf '[trust]\ndkim = off\ncount-unauthenticated = yes\n' >"$T/bench.conf"
SENDER=noreply@reporter.example
RECIPIENT=tlsrpt@example.com
export SENDER RECIPIENT

say() {
	echo "run.sh: $*" >&2
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# the value of key=... in a timeit line
field() {
	sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p"
}

# float arithmetic: calc EXPR
calc() {
	awk "BEGIN { printf \"%.6g\", $1 }"
}

fmt() {
	awk "BEGIN { printf \"$1\", $2 }"
}

maildir() {
	mkdir -p "$1/new" "$1/cur" "$1/tmp"
}

load() {
	cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"
}

# stored DB [GREP]: the number of reports in the store DB (with GREP:
# of those whose exported line matches it)
stored() {
	"$ADMIN" -c "$T/bench.conf" --store "$1" export --format jsonl |
	    grep -c -e "${2:-.}" || :
}

# expect_stored DB N WHAT [GREP]: stop unless DB holds N reports
expect_stored() {
	_n=$(stored "$1" "${4:-.}")
	if [ "$_n" != "$2" ]; then
		say "$3: $_n reports stored, $2 expected: the figures would" \
		    "not measure what they say; stopping"
		exit 1
	fi
}

# Pipe mode, DKIM verified (1b) needs unbound, python3-dkim and openssl;
# dkim_skip says why it is skipped, when it is.
SIGNPY=/usr/bin/python3
UB_LIB=$srcdir/tests/e2e/unbound-lib.sh
dkim_skip=
if [ ! -x "${UNBOUND:-/usr/sbin/unbound}" ]; then
	dkim_skip="unbound is not installed (${UNBOUND:-/usr/sbin/unbound})"
elif ! "$SIGNPY" -c 'import dkim' 2>/dev/null; then
	dkim_skip="python3-dkim is not installed ($SIGNPY -c 'import dkim')"
elif ! command -v openssl >/dev/null 2>&1; then
	dkim_skip="openssl is not installed (it makes the signing key)"
elif [ ! -r "$UB_LIB" ]; then
	dkim_skip="$UB_LIB is missing"
fi

# HTTPS POST (1c) needs nginx, fcgiwrap, curl and openssl (the test CA);
# https_skip says why it is skipped, when it is.
HS_LIB=$srcdir/tests/e2e/https-lib.sh
https_skip=
for p in /usr/sbin/nginx /usr/sbin/fcgiwrap; do
	if [ -z "$https_skip" ] && [ ! -x "$p" ]; then
		https_skip="$(basename "$p") is not installed ($p)"
	fi
done
for p in curl openssl; do
	if [ -z "$https_skip" ] && ! command -v "$p" >/dev/null 2>&1; then
		https_skip="$p is not installed"
	fi
done
if [ -z "$https_skip" ] && [ ! -r "$HS_LIB" ]; then
	https_skip="$HS_LIB is missing"
fi

# https_reports DIR N: N distinct reports, DIR/NNNNNN.json.gz, as a
# sender posts them: compact JSON, gzip'd; ten domains, three senders,
# one STS policy each, 0 to 3 failure details (0.7 to 1.5 KB of JSON).
https_reports() {
	mkdir -p "$1"
	awk -v dir="$1" -v n="$2" -v day="$(date -u -d '1 day ago' +%F)" '
	BEGIN {
		split("Google LLC|Microsoft Corporation|Mail Example", org, "|")
		split("certificate-expired|starttls-not-supported|" \
		    "validation-failure|sts-policy-fetch-error", rt, "|")
		for (i = 0; i < n; i++) {
			f = sprintf("%s/%06d.json", dir, i)
			d = sprintf("bench%d.example", i % 10)
			fails = i % 4
			printf "{\"organization-name\":\"%s\"," \
			    "\"date-range\":{\"start-datetime\":" \
			    "\"%sT00:00:00Z\",\"end-datetime\":" \
			    "\"%sT23:59:59Z\"},\"contact-info\":" \
			    "\"tlsrpt@reporter.example\",\"report-id\":" \
			    "\"https-bench-%06d\",\"policies\":[{\"policy\":" \
			    "{\"policy-type\":\"sts\",\"policy-string\":" \
			    "[\"version: STSv1\",\"mode: enforce\"," \
			    "\"mx: mx1.%s\",\"mx: mx2.%s\"," \
			    "\"max_age: 604800\"],\"policy-domain\":\"%s\"," \
			    "\"mx-host\":[\"mx1.%s\",\"mx2.%s\"]}," \
			    "\"summary\":{\"total-successful-session-count\":" \
			    "%d,\"total-failure-session-count\":%d}," \
			    "\"failure-details\":[", org[i % 3 + 1], day, day, i,
			    d, d, d, d, d, 100 + i % 9000, fails * 3 >f
			for (j = 0; j < fails; j++)
				printf "%s{\"result-type\":\"%s\"," \
				    "\"sending-mta-ip\":\"198.51.100.%d\"," \
				    "\"receiving-mx-hostname\":\"mx%d.%s\"," \
				    "\"receiving-ip\":\"203.0.113.%d\"," \
				    "\"failed-session-count\":3}",
				    j ? "," : "", rt[(i + j) % 4 + 1],
				    1 + (i + j) % 250, 1 + j % 2, d,
				    1 + (i * 7 + j) % 250 >f
			print "]}]}" >f
			close(f)
		}
	}'
	gzip -9n "$1"/*.json
}

# sign_mails SRC DST KEY: sign each mail of SRC into DST (same name) for
# the domain of its TLS-Report-Submitter field, which is that of its
# From and its contact-info (bench/gen.c), selector "bench"; gen's
# placeholder DKIM-Signature (its b= is made up) is left out.  Prints
# the signing domains.
sign_mails() {
	"$SIGNPY" - "$1" "$2" "$3" <<'EOF'
import os, re, sys, dkim
src, dst, key = sys.argv[1], sys.argv[2], open(sys.argv[3], 'rb').read()
hdrs = [b'from', b'to', b'subject', b'date', b'message-id',
    b'mime-version', b'tls-report-domain', b'tls-report-submitter',
    b'content-type']
domains = set()
for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name), 'rb') as f:
        head, sep, body = f.read().partition(b'\n\n')
    keep, drop = [], False
    for line in head.split(b'\n'):
        if line[:1] not in (b' ', b'\t'):
            drop = line.lower().startswith(b'dkim-signature:')
        if not drop:
            keep.append(line)
    head = b'\n'.join(keep)
    dom = re.search(rb'^tls-report-submitter:[ \t]*([^\s]+)', head,
        re.M | re.I).group(1).lower()
    domains.add(dom.decode())
    msg = (head + sep + body).replace(b'\n', b'\r\n')
    sig = dkim.sign(msg, b'bench', dom, key,
        canonicalize=(b'relaxed', b'relaxed'), include_headers=hdrs)
    with open(os.path.join(dst, name), 'wb') as f:
        f.write((sig + msg).replace(b'\r\n', b'\n'))
print('\n'.join(sorted(domains)))
EOF
}

load_start=$(load)
say "generating input in $T"
maildir "$T/pipe"
"$GEN" mails "$T/pipe/new" "$T/pipe.gz" "$N_PIPE" 1
mkdir -p "$T/pipe-py"
# shellcheck disable=SC2012 # the names are gen's own
ls "$T/pipe/new" | head -n "$N_PYPIPE" | while read -r f; do
	ln "$T/pipe/new/$f" "$T/pipe-py/$f"
done
maildir "$T/backfill"
"$GEN" mails "$T/backfill/new" "$T/backfill.gz" "$N_BACKFILL" 2
"$GEN" big "$T/big.eml" "$T/big.json.gz" "$T/big.json" "$N_DETAILS"
maildir "$T/year"
"$GEN" year "$T/year/new" "$T/year.gz" "$N_DOMAINS" "$N_DAYS" \
    "$N_REPORTERS"
n_year=$((N_DOMAINS * N_DAYS * N_REPORTERS))
json_bytes=$(wc -c <"$T/big.json" | tr -d ' ')
if [ -z "$https_skip" ]; then
	https_reports "$T/posts" "$N_HTTPS"
	https_gz_bytes=$(cat "$T"/posts/*.gz | wc -c | tr -d ' ')
fi
if [ -z "$dkim_skip" ]; then
	say "signing the $N_PIPE pipe mails (RSA-2048, rsa-sha256," \
	    "relaxed/relaxed)"
	openssl genrsa -out "$T/dkim.pem" 2048 2>/dev/null
	dkim_p=$(openssl rsa -in "$T/dkim.pem" -pubout -outform DER \
	    2>/dev/null | base64 | tr -d '\n')
	mkdir -p "$T/pipe-signed"
	sign_mails "$T/pipe/new" "$T/pipe-signed" "$T/dkim.pem" \
	    >"$T/dkim.domains"
fi

# --- 1. pipe mode -------------------------------------------------------
say "pipe mode: $N_PIPE mails, $RUNS runs"
: >"$T/r.pipe"
for r in $(seq "$RUNS"); do
	rm -rf "$T/run" && mkdir -p "$T/run/s" "$T/run/f"
	# mail by mail, ours then the floor: both see the same load
	"$TIMEIT" each "$T/pipe/new" "$N_PIPE" -- "$INGEST" \
	    -c "$T/bench.conf" --store "$T/run/s/reports.db" \
	    --archive "$T/run/a" -- "$FLOOR" "$T/run/f" >"$T/t.both" || :
	sed -n 1p "$T/t.both" >"$T/t.ours"
	sed -n 2p "$T/t.both" >"$T/t.floor"
	echo "$(field median_ms <"$T/t.ours") $(field p99_ms <"$T/t.ours")" \
	    "$(field median_ms <"$T/t.floor") $(field p99_ms <"$T/t.floor")" \
	    >>"$T/r.pipe"
	say "  run $r: ours $(cat "$T/t.ours"); floor $(cat "$T/t.floor")"
	expect_stored "$T/run/s/reports.db" "$N_PIPE" "pipe mode, run $r"
done
pipe_med=$(awk '{ print $1 }' "$T/r.pipe" | median)
pipe_p99=$(awk '{ print $2 }' "$T/r.pipe" | median)
floor_med=$(awk '{ print $3 }' "$T/r.pipe" | median)
floor_p99=$(awk '{ print $4 }' "$T/r.pipe" | median)
py_pipe_med=
if [ -n "$PY" ]; then
	say "pipe mode, Python: $N_PYPIPE mails"
	rm -rf "$T/run" && mkdir -p "$T/run/s"
	maildir "$T/run/a"
	"$TIMEIT" each "$T/pipe-py" "$N_PYPIPE" -- "$PY" "$BASELINE" \
	    --store "$T/run/s/reports.db" --archive "$T/run/a" >"$T/t.py" || :
	py_pipe_med=$(field median_ms <"$T/t.py")
	py_pipe_p99=$(field p99_ms <"$T/t.py")
	say "  $(cat "$T/t.py")"
fi

# --- 1b. pipe mode, DKIM verified ------------------------------------------
dkim_med=
if [ -n "$dkim_skip" ]; then
	say "pipe mode, DKIM verified: skipped: $dkim_skip"
else
	say "pipe mode, DKIM verified: $N_PIPE signed mails, $RUNS runs"
	# unbound-lib.sh keeps its server under $TMP/unbound and chains its
	# cleanup in front of our EXIT trap
	# shellcheck disable=SC2034 # read by unbound-lib.sh
	TMP=$T
	# shellcheck source=tests/e2e/unbound-lib.sh
	. "$UB_LIB"
	while read -r d; do
		echo "local-zone: \"$d.\" static"
		ub_txt "bench._domainkey.$d" "v=DKIM1; k=rsa; p=$dkim_p"
	done <"$T/dkim.domains" >"$T/zone.conf"
	if ! unbound_start "$T/zone.conf" 2>"$T/unbound.err"; then
		dkim_skip="unbound did not start: $(tail -n 1 "$T/unbound.err")"
		say "pipe mode, DKIM verified: skipped: $dkim_skip"
	fi
fi
if [ -z "$dkim_skip" ]; then
	say "  keys for $(tr '\n' ' ' <"$T/dkim.domains")served by unbound" \
	    "$("${UNBOUND:-/usr/sbin/unbound}" -V 2>/dev/null |
		sed -n 's/^Version //p') on $UB_SERVER"
	# the default [trust] dkim = verify, no DNSSEC validation
	printf '[dns]\nresolver = %s\ntrust-anchor =\n' "$UB_SERVER" \
	    >"$T/verify.conf"
	: >"$T/r.dkim"
	for r in $(seq "$RUNS"); do
		rm -rf "$T/run" && mkdir -p "$T/run/v" "$T/run/u"
		# mail by mail, verified then not: both see the same load
		"$TIMEIT" each "$T/pipe-signed" "$N_PIPE" -- "$INGEST" \
		    -c "$T/verify.conf" --store "$T/run/v/reports.db" \
		    --archive "$T/run/v/a" -- "$INGEST" -c "$T/bench.conf" \
		    --store "$T/run/u/reports.db" --archive "$T/run/u/a" \
		    >"$T/t.both" || :
		sed -n 1p "$T/t.both" >"$T/t.ours"
		sed -n 2p "$T/t.both" >"$T/t.off"
		echo "$(field median_ms <"$T/t.ours")" \
		    "$(field p99_ms <"$T/t.ours")" \
		    "$(field median_ms <"$T/t.off")" \
		    "$(field p99_ms <"$T/t.off")" >>"$T/r.dkim"
		say "  run $r: verified $(cat "$T/t.ours");" \
		    "dkim = off $(cat "$T/t.off")"
		expect_stored "$T/run/v/reports.db" "$N_PIPE" \
		    "pipe mode, DKIM verified, run $r (auth=pass)" \
		    '"auth":{"method":"dkim","result":"pass"'
		expect_stored "$T/run/u/reports.db" "$N_PIPE" \
		    "pipe mode, signed mails with dkim = off, run $r"
	done
	unbound_stop
	dkim_med=$(awk '{ print $1 }' "$T/r.dkim" | median)
	dkim_p99=$(awk '{ print $2 }' "$T/r.dkim" | median)
	off_med=$(awk '{ print $3 }' "$T/r.dkim" | median)
	off_p99=$(awk '{ print $4 }' "$T/r.dkim" | median)
fi

# --- 1c. HTTPS POST (CGI under nginx + fcgiwrap) ----------------------------
if [ -n "$https_skip" ]; then
	say "HTTPS POST: skipped: $https_skip"
else
	say "HTTPS POST (CGI under nginx + fcgiwrap): $N_HTTPS reports," \
	    "$P_HTTPS at a time, $RUNS runs"
	# https-lib.sh keeps its servers under $TMP/https, runs them (and
	# the CGI) as nobody when we are root, and chains the stop of their
	# process groups in front of our EXIT trap
	# shellcheck disable=SC2034 # read by https-lib.sh
	TMP=$T top_srcdir=$srcdir VALGRIND='' HS_FCGI_CHILDREN=$P_HTTPS
	chmod 755 "$T"
	# shellcheck source=tests/e2e/https-lib.sh
	. "$HS_LIB"
	if ! https_ca 2>"$T/https.err"; then
		https_skip="no test CA: $(tail -n 1 "$T/https.err")"
		say "HTTPS POST: skipped: $https_skip"
	fi
fi

# group_cpu PGID: "TICKS PIDS", the CPU clock ticks that the processes
# of the process group PGID have used, and their pids (a comma between
# them).  fcgiwrap's children ignore SIGCHLD, so the CGI runs they
# start are in no one's count: perf stat -p counts them (it follows the
# children of the processes it watches).
group_cpu() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '
	    { pid = $1; sub(/^.*\) /, "") }
	    $3 == g { t += $12 + $13; p = p (p == "" ? "" : ",") pid }
	    END { print t + 0, p }'
}

# the CPU of the CGI runs needs perf (linux-perf)
PERF=
if command -v perf >/dev/null 2>&1 &&
    perf stat -x, -e task-clock -o /dev/null true >/dev/null 2>&1; then
	PERF=perf
fi

# https_chunk SIDE FIRST COUNT: post the reports FIRST+1 .. FIRST+COUNT
# of $T/posts with one curl to the server in place, whose CGI is SIDE
# (ours or floor).  Appends curl's lines ("STATUS TIME_TOTAL
# NEW_CONNECTIONS") to $T/h.SIDE.out and "WALL_S FCGIWRAP_TICKS
# NGINX_TICKS CGI_MS" to $T/h.SIDE.acc (CGI_MS: perf's task-clock of
# fcgiwrap and its children, "-" without perf).
https_chunk() {
	case $1 in
	ours) ln -sfn "$HS_DIR/bin/tlsrpt-ingest" "$HS_DIR/cgi/bench" ;;
	*) ln -sfn "$HS_DIR/bin/floor" "$HS_DIR/cgi/bench" ;;
	esac
	# one transfer per report, options reset by "next" (between them:
	# one after the last would be a transfer without a URL); curl
	# --parallel runs them over at most P_HTTPS connections, kept alive
	_next=
	sed -n "$(($2 + 1)),$(($2 + $3))p" "$T/posts.list" | while read -r f; do
		printf '%surl = "%s"\ndata-binary = "@%s"\n' "$_next" \
		    "$NGINX_URL" "$f"
		_next='next
'
		printf 'header = "Content-Type: application/tlsrpt+gzip"\n'
		printf 'cacert = "%s"\noutput = "/dev/null"\nmax-time = 120\n' \
		    "$HS_CA"
		printf 'write-out = "%%{http_code} %%{time_total} '
		printf '%%{num_connects}\\n"\n'
	done >"$T/curl.conf"
	# shellcheck disable=SC2154 # set by https-lib.sh's nginx_start
	_n0=$(group_cpu "$_hs_pg_nginx") _f0=$(group_cpu "$_hs_pg_fcgiwrap")
	_perf=
	rm -f "$T/perf.out"
	if [ -n "$PERF" ]; then
		# fcgiwrap's processes and the CGI runs they start
		"$PERF" stat -x, -e task-clock -p "${_f0#* }" \
		    -o "$T/perf.out" &
		_perf=$!
		sleep 0.3
	fi
	"$TIMEIT" once -o "$T/curl.out" -- curl --silent --parallel \
	    --parallel-immediate --parallel-max "$P_HTTPS" \
	    --config "$T/curl.conf" >"$T/t.curl" || :
	_n1=$(group_cpu "$_hs_pg_nginx") _f1=$(group_cpu "$_hs_pg_fcgiwrap")
	if [ -n "$_perf" ]; then
		kill -INT "$_perf" 2>/dev/null || :
		wait "$_perf" || :
	fi
	_cgi=$(awk -F, '$3 ~ /^task-clock/ { print $1 }' "$T/perf.out" \
	    2>/dev/null) || :
	cat "$T/curl.out" >>"$T/h.$1.out"
	echo "$(field wall_s <"$T/t.curl") $((${_f1% *} - ${_f0% *}))" \
	    "$((${_n1% *} - ${_n0% *})) ${_cgi:--}" >>"$T/h.$1.acc"
}

# https_sum SIDE: "POSTS/S MEDIAN_MS P99_MS CGI_MS FCGIWRAP_MS NGINX_MS
# CONNECTIONS" over the chunks of SIDE in $T/h.SIDE.*, CPU a post (the
# CGI runs: fcgiwrap's and theirs, less fcgiwrap's own); stops the
# benchmark unless every post was answered 200.
https_sum() {
	_bad=$(awk '$1 != 200' "$T/h.$1.out" | wc -l | tr -d ' ')
	_done=$(wc -l <"$T/h.$1.out" | tr -d ' ')
	if [ "$_done" != "$N_HTTPS" ] || [ "$_bad" != 0 ]; then
		say "HTTPS POST, $1: $_done posts answered, $_bad of them" \
		    "not 200 ($(awk '$1 != 200 { print $1 }' "$T/h.$1.out" |
			sort | uniq -c | tr -s ' \n' '  ')), $N_HTTPS" \
		    "expected: the figures would not measure what they say;" \
		    "stopping"
		tail -n 5 "$HS_CGILOG" "$HS_DIR/logs/nginx-error.log" >&2
		exit 1
	fi
	echo "$(awk -v n="$N_HTTPS" '{ s += $1 } END { print n / s }' \
	    "$T/h.$1.acc")" \
	    "$(awk '{ print $2 * 1000 }' "$T/h.$1.out" | sort -g | awk '
		{ v[NR] = $1 }
		END { i = int(NR * 0.99 + 0.999); if (i < 1) i = 1
		      print v[int((NR + 1) / 2)], v[i] }')" \
	    "$(awk -v n="$N_HTTPS" -v t="$(getconf CLK_TCK 2>/dev/null ||
		echo 100)" '
		{ f += $2; g += $3; if ($4 == "-") no = 1; else c += $4 }
		END { ms = 1000 / t
		      if (no) printf "- "
		      else printf "%.3f ", (c - f * ms) / n
		      printf "%.3f %.3f", f * ms / n, g * ms / n }' \
		"$T/h.$1.acc")" \
	    "$(awk '{ c += $3 } END { print c + 0 }' "$T/h.$1.out")"
}

if [ -z "$https_skip" ]; then
	cp "$FLOOR" "$HS_DIR/bin/floor"
	chmod 755 "$HS_DIR/bin/floor"
	ls "$T"/posts/*.gz >"$T/posts.list"
	# the reports in H_CHUNKS chunks, each posted to ours and to the
	# floor in turn (which goes first alternates): on a shared machine
	# both see the same load
	H_CHUNKS=5
	[ "$N_HTTPS" -ge "$H_CHUNKS" ] || H_CHUNKS=1
	: >"$T/r.https"
	for r in $(seq "$RUNS"); do
		# a new store and archive; the floor writes beside the
		# configuration (TLSRPT_CONFIG), in run/
		rm -rf "$HS_DIR/run" && mkdir -p "$HS_DIR/run/s"
		printf '[store]\nstore = %s\n[ingest]\narchive = %s\n' \
		    "$HS_DIR/run/s/reports.db" "$HS_DIR/run/s/Maildir" \
		    >"$HS_DIR/run/tlsrpt.conf"
		printf '[log]\ntarget = stderr\n' >>"$HS_DIR/run/tlsrpt.conf"
		[ "$(id -u)" != 0 ] || chown -R nobody:nogroup "$HS_DIR/run"
		chmod -R a+rX "$HS_DIR/run"
		rm -f "$T"/h.*
		# the CGI is a link, to tlsrpt-ingest or to the floor
		ln -sfn "$HS_DIR/bin/tlsrpt-ingest" "$HS_DIR/cgi/bench"
		if ! nginx_start "$HS_DIR/cgi/bench" \
		    "$HS_DIR/run/tlsrpt.conf" 2>"$T/https.err"; then
			say "HTTPS POST: nginx did not start:"
			sed 's/^/  /' "$T/https.err" >&2
			exit 1
		fi
		c=0 first=0
		while [ "$c" -lt "$H_CHUNKS" ]; do
			c=$((c + 1))
			n=$(((N_HTTPS - first) / (H_CHUNKS - c + 1)))
			if [ $((c % 2)) = 1 ]; then
				https_chunk ours "$first" "$n"
				https_chunk floor "$first" "$n"
			else
				https_chunk floor "$first" "$n"
				https_chunk ours "$first" "$n"
			fi
			first=$((first + n))
		done
		https_stop nginx
		https_stop fcgiwrap
		https_sum ours >"$T/t.ours"
		https_sum floor >"$T/t.floor"
		echo "$(cat "$T/t.ours") $(cat "$T/t.floor")" >>"$T/r.https"
		say "  run $r: ours $(cat "$T/t.ours"); floor $(cat "$T/t.floor")" \
		    "(posts/s, median and p99 ms, CPU ms a post: the CGI," \
		    "fcgiwrap, nginx; connections)"
		expect_stored "$HS_DIR/run/s/reports.db" "$N_HTTPS" \
		    "HTTPS POST, run $r"
		_nf=$(find "$HS_DIR/run" -maxdepth 1 -name 'floor.*' | wc -l |
		    tr -d ' ')
		if [ "$_nf" != "$N_HTTPS" ]; then
			say "HTTPS POST, floor, run $r: $_nf bodies written," \
			    "$N_HTTPS expected; stopping"
			exit 1
		fi
	done
	rm -rf "$HS_DIR/run"
	# column K of r.https, median over the runs
	hcol() {
		awk -v k="$1" '{ print $k }' "$T/r.https" | median
	}
	https_rate=$(hcol 1) https_med=$(hcol 2) https_p99=$(hcol 3)
	https_cgi=$(hcol 4) https_fcgi=$(hcol 5) https_nginx=$(hcol 6)
	https_conns=$(hcol 7)
	hfloor_rate=$(hcol 8) hfloor_med=$(hcol 9) hfloor_p99=$(hcol 10)
	hfloor_cgi=$(hcol 11) hfloor_fcgi=$(hcol 12) hfloor_nginx=$(hcol 13)
	nginx_v=$(/usr/sbin/nginx -v 2>&1 | sed -n 's|.*nginx/||p')
	fcgiwrap_v=$(dpkg-query -W -f '${Version}' fcgiwrap 2>/dev/null) ||
	    fcgiwrap_v='?'

	curl_v=$(curl --version | sed -n '1s/^curl \([^ ]*\).*/\1/p')
fi

# --- 2. backfill ----------------------------------------------------------
say "backfill: $N_BACKFILL mails, $RUNS runs"
: >"$T/r.backfill"
for r in $(seq "$RUNS"); do
	rm -rf "$T/run" && mkdir -p "$T/run/s"
	"$TIMEIT" once -- "$INGEST" -c "$T/bench.conf" \
	    --store "$T/run/s/reports.db" "$T/backfill" >"$T/t.ours" || :
	field wall_s <"$T/t.ours" >>"$T/r.backfill"
	say "  run $r: $(cat "$T/t.ours")"
	expect_stored "$T/run/s/reports.db" "$N_BACKFILL" "backfill, run $r"
done
bf_s=$(median <"$T/r.backfill")
bf_rate=$(calc "$N_BACKFILL / $bf_s")
"$TIMEIT" once -i "$T/backfill.gz" -- gzip -dc >"$T/t.floor" || :
bf_floor_s=$(field wall_s <"$T/t.floor")
bf_floor_rate=$(calc "$N_BACKFILL / $bf_floor_s")
py_bf_rate=
if [ -n "$PY" ]; then
	say "backfill, Python"
	rm -rf "$T/run" && mkdir -p "$T/run/s"
	"$TIMEIT" once -- "$PY" "$BASELINE" --store "$T/run/s/reports.db" \
	    "$T/backfill" >"$T/t.py" || :
	say "  $(cat "$T/t.py")"
	py_bf_rate=$(calc "$N_BACKFILL / $(field wall_s <"$T/t.py")")
fi

# --- 3. the big report ----------------------------------------------------
say "one report with $N_DETAILS failure details ($json_bytes bytes of JSON)"
: >"$T/r.big"
for r in $(seq "$RUNS"); do
	rm -rf "$T/run" && mkdir -p "$T/run/s"
	"$TIMEIT" once -i "$T/big.eml" -- "$INGEST" -c "$T/bench.conf" \
	    --store "$T/run/s/reports.db" --archive "$T/run/a" >"$T/t.ours" || :
	echo "$(field wall_s <"$T/t.ours") $(field maxrss_kb <"$T/t.ours")" \
	    >>"$T/r.big"
	say "  run $r: $(cat "$T/t.ours")"
	expect_stored "$T/run/s/reports.db" 1 "the big report, run $r"
done
big_s=$(awk '{ print $1 }' "$T/r.big" | median)
big_rss=$(awk '{ print $2 }' "$T/r.big" | median)
"$TIMEIT" once -i "$T/big.json.gz" -- gzip -dc >"$T/t.floor" || :
big_floor_s=$(field wall_s <"$T/t.floor")
big_floor_rss=$(field maxrss_kb <"$T/t.floor")
py_big_s=
if [ -n "$PY" ]; then
	rm -rf "$T/run" && mkdir -p "$T/run/s"
	maildir "$T/run/a"
	"$TIMEIT" once -i "$T/big.eml" -- "$PY" "$BASELINE" \
	    --store "$T/run/s/reports.db" --archive "$T/run/a" >"$T/t.py" || :
	say "  Python: $(cat "$T/t.py")"
	py_big_s=$(field wall_s <"$T/t.py")
	py_big_rss=$(field maxrss_kb <"$T/t.py")
fi

# --- 4. digest and export over a year -------------------------------------
say "a year: $n_year reports ($N_DOMAINS domains, $N_DAYS days," \
    "$N_REPORTERS senders)"
mkdir -p "$T/ys"
"$TIMEIT" once -- "$INGEST" -c "$T/bench.conf" --store "$T/ys/reports.db" \
    "$T/year" >"$T/t.ours" || :
say "  store built: $(cat "$T/t.ours")"
expect_stored "$T/ys/reports.db" "$n_year" "a year's store"
year_fill_rate=$(calc "$n_year / $(field wall_s <"$T/t.ours")")
"$TIMEIT" once -i "$T/year.gz" -- gzip -dc >"$T/t.floor" || :
year_floor_s=$(field wall_s <"$T/t.floor")
since=$(($(date +%s) / 86400 * 86400 - (N_DAYS + 1) * 86400))

# run_admin NAME ARGS...: median seconds of RUNS runs of tlsrpt
run_admin() {
	name=$1
	shift
	: >"$T/r.$name"
	for r in $(seq "$RUNS"); do
		"$TIMEIT" once -- "$ADMIN" -c "$T/bench.conf" \
		    --store "$T/ys/reports.db" "$@" >"$T/t.ours" || :
		say "  $name run $r: $(cat "$T/t.ours")"
		if [ "$(field rc <"$T/t.ours")" != 0 ]; then
			say "  tlsrpt $name failed"
			echo "?"
			return
		fi
		field wall_s <"$T/t.ours" >>"$T/r.$name"
	done
	median <"$T/r.$name"
}

# run_py NAME ARGS...: seconds of one run of the Python script
run_py() {
	name=$1
	shift
	if [ -z "$PY" ]; then
		return
	fi
	"$TIMEIT" once -- "$PY" "$BASELINE" --store "$T/ys/reports.db" "$@" \
	    >"$T/t.py" || :
	say "  Python $name: $(cat "$T/t.py")"
	field wall_s <"$T/t.py"
}

export_s=$(run_admin export export --since "@$since")
py_export_s=$(run_py export export)
digest_s=
if "$ADMIN" digest --help >/dev/null 2>&1; then
	digest_s=$(run_admin digest digest --format text --since "@$since")
	py_digest_s=$(run_py digest digest --since "$since")
else
	say "  tlsrpt digest: not there yet (not measured)"
fi

# --- 5. scale ----------------------------------------------------------------
say "scale part: bench/scale.sh"
BENCH_BUILDDIR=$B BENCH_RUNS=$RUNS BENCH_REPORTERS=$N_REPORTERS \
    sh "$srcdir/bench/scale.sh" >"$T/scale.md" ||
    echo "Scale part: bench/scale.sh failed (see above)." >"$T/scale.md"
load_end=$(load)

# --- the table --------------------------------------------------------------

# verdict OK-CONDITION: "yes" or "**no**"
verdict() {
	if awk "BEGIN { exit !($1) }"; then
		echo yes
	else
		echo "**no**"
	fi
}

ratio() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "-"
	else
		fmt "%.3gx" "$1 / $2"
	fi
}

pyval() {
	if [ -z "$1" ]; then
		echo "not measured"
	else
		fmt "$2" "$1"
	fi
}

table() {
	echo "| Measurement | tlsrpt | Python script | floor | tlsrpt time / floor time | Python time / tlsrpt time | Target | Met |"
	echo "|---|---|---|---|---|---|---|---|"
	echo "| Pipe mode, ms per mail, median | $(fmt %.2f "$pipe_med") |" \
	    "$(pyval "$py_pipe_med" %.1f) | $(fmt %.2f "$floor_med") |" \
	    "$(ratio "$pipe_med" "$floor_med") |" \
	    "$(ratio "$py_pipe_med" "$pipe_med") |" \
	    "<= 1.5x floor, >= 40x faster than Python |" \
	    "$(verdict "$pipe_med <= 1.5 * $floor_med") / $(if [ -n "$py_pipe_med" ]; then verdict "$py_pipe_med >= 40 * $pipe_med"; else echo -; fi) |"
	echo "| Pipe mode, ms per mail, p99 | $(fmt %.2f "$pipe_p99") |" \
	    "$(pyval "${py_pipe_p99:-}" %.1f) | $(fmt %.2f "$floor_p99") |" \
	    "$(ratio "$pipe_p99" "$floor_p99") | | | |"
	echo "| Backfill, mails per second | $(fmt %.0f "$bf_rate") |" \
	    "$(pyval "$py_bf_rate" %.0f) | $(fmt %.0f "$bf_floor_rate") (gzip -dc) |" \
	    "$(ratio "$bf_floor_rate" "$bf_rate") |" \
	    "$(ratio "$bf_rate" "$py_bf_rate") |" \
	    ">= 10,000/s, >= 10x Python |" \
	    "$(verdict "$bf_rate >= 10000") / $(if [ -n "$py_bf_rate" ]; then verdict "$bf_rate >= 10 * $py_bf_rate"; else echo -; fi) |"
	echo "| $N_DETAILS failure details, seconds | $(fmt %.3f "$big_s") |" \
	    "$(pyval "$py_big_s" %.3f) | $(fmt %.3f "$big_floor_s") (gzip -dc) |" \
	    "$(ratio "$big_s" "$big_floor_s") |" \
	    "$(ratio "$py_big_s" "$big_s") | < 0.5 s |" \
	    "$(verdict "$big_s < 0.5") |"
	echo "| $N_DETAILS failure details, peak RSS | $(fmt %.1f "$big_rss / 1024") MB ($(fmt %.1f "$big_rss * 1024 / $json_bytes")x JSON) |" \
	    "$(if [ -n "$py_big_s" ]; then fmt "%.1f MB" "$py_big_rss / 1024"; else echo "not measured"; fi) |" \
	    "$(fmt "%.1f MB" "$big_floor_rss / 1024") |" \
	    "$(ratio "$big_rss" "$big_floor_rss") |" \
	    "$(if [ -n "$py_big_s" ]; then ratio "$py_big_rss" "$big_rss"; else echo -; fi) |" \
	    "< 8x the JSON ($(fmt %.1f "$json_bytes / 1048576") MB) |" \
	    "$(verdict "$big_rss * 1024 < 8 * $json_bytes") |"
	if [ -n "$digest_s" ] && [ "$digest_s" != "?" ]; then
		echo "| tlsrpt digest, a year, seconds | $(fmt %.3f "$digest_s") |" \
		    "$(pyval "${py_digest_s:-}" %.3f) | $(fmt %.3f "$year_floor_s") (gzip -dc) |" \
		    "$(ratio "$digest_s" "$year_floor_s") |" \
		    "$(ratio "${py_digest_s:-}" "$digest_s") | < 1 s |" \
		    "$(verdict "$digest_s < 1") |"
	else
		echo "| tlsrpt digest, a year, seconds | not measured yet | | | | | < 1 s | - |"
	fi
	if [ "$export_s" != "?" ]; then
		echo "| tlsrpt export, a year, seconds | $(fmt %.3f "$export_s") |" \
		    "$(pyval "$py_export_s" %.3f) | $(fmt %.3f "$year_floor_s") (gzip -dc) |" \
		    "$(ratio "$export_s" "$year_floor_s") |" \
		    "$(ratio "$py_export_s" "$export_s") | < 1 s |" \
		    "$(verdict "$export_s < 1") |"
	else
		echo "| tlsrpt export, a year, seconds | failed | | | | | < 1 s | **no** |"
	fi
}

# 1b beside the pipe mode's figures: what DKIM verification costs
dkim_table() {
	echo "Pipe mode with DKIM verification ([trust] dkim = verify, the" \
	    "default), on the same $N_PIPE mails each signed by its" \
	    "reporter's domain (rsa-sha256, RSA-2048, relaxed/relaxed), the" \
	    "keys from a local unbound on 127.0.0.1 (local-data, no DNSSEC" \
	    "validation); verified and \"dkim = off\" deliveries of the same" \
	    "signed mail alternate, so both see the same load and their" \
	    "difference is what verification costs; the unsigned figure and" \
	    "the floor are those of the pipe mode above, measured earlier" \
	    "(on a busy machine the load may have changed in between)."
	echo
	if [ -n "$dkim_skip" ]; then
		echo "Pipe mode, DKIM verified: skipped: $dkim_skip."
		return
	fi
	echo "| Pipe mode, ms per mail | DKIM verified | dkim = off, same signed mails | verification costs | unsigned, dkim = off (above) | floor (above) |"
	echo "|---|---|---|---|---|---|"
	echo "| median | $(fmt %.2f "$dkim_med") | $(fmt %.2f "$off_med") |" \
	    "$(fmt %+.2f "$dkim_med - $off_med") ms ($(fmt %+.0f "100 * ($dkim_med - $off_med) / $off_med")%) |" \
	    "$(fmt %.2f "$pipe_med") | $(fmt %.2f "$floor_med") |"
	echo "| p99 | $(fmt %.2f "$dkim_p99") | $(fmt %.2f "$off_p99") |" \
	    "$(fmt %+.2f "$dkim_p99 - $off_p99") ms |" \
	    "$(fmt %.2f "$pipe_p99") | $(fmt %.2f "$floor_p99") |"
}

# 1c: reports POSTed over HTTPS, ours beside the floor
https_table() {
	if [ -n "$https_skip" ]; then
		echo "HTTPS POST (CGI under nginx + fcgiwrap): skipped:" \
		    "$https_skip."
		return
	fi
	echo "Reports POSTed over HTTPS: $N_HTTPS distinct reports (gzip" \
	    "JSON, $(fmt %.0f "$https_gz_bytes / $N_HTTPS") bytes each on" \
	    "average, ten domains), posted $P_HTTPS at a time by one curl" \
	    "$curl_v (--parallel; each curl run keeps its connections" \
	    "alive: $https_conns TLS connections for the $N_HTTPS posts)" \
	    "to nginx $nginx_v on 127.0.0.1 (the location block of" \
	    "contrib/https/nginx.conf), which hands each to fcgiwrap" \
	    "$fcgiwrap_v ($P_HTTPS children); fcgiwrap runs one CGI" \
	    "process per post: tlsrpt-ingest (store and archive on, log" \
	    "lines to fcgiwrap's stderr, a file), or the floor, bench/floor" \
	    "as a CGI (linked against the same libraries, it reads the" \
	    "body, fsyncs it to a file and answers 200); the CGI is a link" \
	    "to one or the other, the reports are posted in $H_CHUNKS" \
	    "chunks, each to both in turn (which one first alternates)," \
	    "so that both see the same load.  Latency is" \
	    "curl's time_total for a post; CPU is divided by the posts:" \
	    "that of the CGI runs (perf stat on fcgiwrap and its children," \
	    "less fcgiwrap's own), of fcgiwrap's and nginx's processes" \
	    "(/proc)."
	echo
	echo "| HTTPS POST, $P_HTTPS at a time | tlsrpt-ingest (CGI) | floor (CGI) | tlsrpt time / floor time |"
	echo "|---|---|---|---|"
	echo "| posts per second | $(fmt %.0f "$https_rate") |" \
	    "$(fmt %.0f "$hfloor_rate") | $(ratio "$hfloor_rate" "$https_rate") |"
	echo "| latency, ms, median | $(fmt %.1f "$https_med") |" \
	    "$(fmt %.1f "$hfloor_med") | $(ratio "$https_med" "$hfloor_med") |"
	echo "| latency, ms, p99 | $(fmt %.1f "$https_p99") |" \
	    "$(fmt %.1f "$hfloor_p99") | $(ratio "$https_p99" "$hfloor_p99") |"
	if [ "$https_cgi" = - ] || [ "$hfloor_cgi" = - ]; then
		echo "| CPU ms a post: the CGI | not measured (no perf) | | |"
	else
		echo "| CPU ms a post: the CGI | $(fmt %.2f "$https_cgi") |" \
		    "$(fmt %.2f "$hfloor_cgi") |" \
		    "$(ratio "$https_cgi" "$hfloor_cgi") |"
	fi
	echo "| CPU ms a post: fcgiwrap | $(fmt %.2f "$https_fcgi") |" \
	    "$(fmt %.2f "$hfloor_fcgi") | |"
	echo "| CPU ms a post: nginx (TLS, HTTP, FastCGI) | $(fmt %.2f "$https_nginx") |" \
	    "$(fmt %.2f "$hfloor_nginx") | |"
}

machine() {
	cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null |
	    head -n 1)
	mem=$(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' \
	    /proc/meminfo 2>/dev/null)
	fs=$(df -T "$T" 2>/dev/null | awk 'NR == 2 { print $2 }')
	echo "- Machine: $(nproc 2>/dev/null || echo ?) CPUs ($cpu), $mem RAM," \
	    "$(uname -sr), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' \
	    /etc/os-release 2>/dev/null)."
	echo "- Input and stores on ${fs:-?} (fsync is real); syslog: $(if [ -S /dev/log ]; then echo "/dev/log present"; else echo "no /dev/log (tlsrpt-ingest then drops each line after one access(2))"; fi)."
	echo "- Load average before and after: $load_start / $load_end.$(
	    if awk -v a="${load_start%% *}" -v b="${load_end%% *}" \
		'BEGIN { exit !(a + 0 >= 1 || b + 0 >= 1) }'; then
		echo " The machine was busy with other work (a load of 1 or" \
		    "more on $(nproc 2>/dev/null || echo ?) CPUs): the" \
		    "figures are indicative, compare them only with their" \
		    "neighbours in the same run."
	    fi)"
	echo "- Versions: SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo ?)," \
	    "GMime $(pkg-config --modversion gmime-3.0 2>/dev/null || echo ?)," \
	    "cJSON $(pkg-config --modversion libcjson 2>/dev/null || echo ?)," \
	    "zlib $(pkg-config --modversion zlib 2>/dev/null || echo ?)," \
	    "libopendkim $(pkg-config --modversion opendkim 2>/dev/null || echo ?)," \
	    "libunbound $(pkg-config --modversion libunbound 2>/dev/null || echo ?)," \
	    "$(if [ -n "$PY" ]; then "$PY" --version 2>&1; else echo "no Python"; fi)."
	echo "- Input: pipe $N_PIPE mails (Python: the first $N_PYPIPE)," \
	    "backfill $N_BACKFILL mails, one report of $N_DETAILS failure details" \
	    "($json_bytes bytes of JSON), a year of $n_year reports for" \
	    "$N_DOMAINS domains (its store built by one backfill at" \
	    "$(fmt %.0f "$year_fill_rate") mails/s); tlsrpt figures are the" \
	    "median of $RUNS runs.  Sizes: BENCH_PIPE=$N_PIPE" \
	    "BENCH_PY_PIPE=$N_PYPIPE BENCH_BACKFILL=$N_BACKFILL" \
	    "BENCH_DETAILS=$N_DETAILS BENCH_DOMAINS=$N_DOMAINS" \
	    "BENCH_DAYS=$N_DAYS BENCH_REPORTERS=$N_REPORTERS" \
	    "BENCH_RUNS=$RUNS BENCH_HTTPS=$N_HTTPS" \
	    "BENCH_HTTPS_PARALLEL=$P_HTTPS (defaults: 1000 100 10000 50000" \
	    "100 365 2 3 2000 8)."
}

table
echo
dkim_table
echo
https_table
echo
cat "$T/scale.md"
if [ "$write" = 1 ]; then
	{
		echo "# Benchmark results"
		echo
		echo "Written by \`bench/run.sh --write\` (\`make bench" \
		    "BENCH_FLAGS=--write\`) on $(date -u +%Y-%m-%d)."
		echo "What is measured and why: bench/run.sh; the comparison" \
		    "script: bench/baseline.py."
		echo
		table
		echo
		dkim_table
		echo
		https_table
		echo
		cat "$T/scale.md"
		echo
		machine
		if [ -f "$srcdir/bench/NOTES.md" ]; then
			echo
			cat "$srcdir/bench/NOTES.md"
		fi
	} >"$srcdir/bench/RESULTS.md.tmp"
	mv "$srcdir/bench/RESULTS.md.tmp" "$srcdir/bench/RESULTS.md"
	say "wrote $srcdir/bench/RESULTS.md"
fi
