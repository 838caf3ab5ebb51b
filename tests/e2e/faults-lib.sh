# faults-lib.sh: helpers shared by the fault, kill, load, limit and
# hostile-input tests (84-89).  Sourced after lib.sh.

# Heavy runs (1000 kills, 5000 loaded mails) only in a plain build:
# Makefile.am exports TI_HEAVY_TESTS=1 when neither valgrind nor the
# sanitizers are on.
HEAVY=${TI_HEAVY_TESTS:-0}

# Absolute paths: some tests run the programs from another directory.
INGEST=$(cd "$(dirname "$INGEST")" && pwd)/tlsrpt-ingest
ADMIN=$(cd "$(dirname "$ADMIN")" && pwd)/tlsrpt

# mkmails DIR N DISTINCT PREFIX [PAD]: write DIR/00000.eml ... one report
# mail per file, mail i carrying report-id PREFIX-(i % DISTINCT), so that
# mails i and i+DISTINCT are the same report delivered twice.  A single
# application/tlsrpt+json part, as some senders send it.  PAD (default 0)
# adds that many bytes to the policy-string (in lines of 1000), to make
# a mail bigger.
mkmails() {
	mkdir -p "$1"
	awk -v dir="$1" -v n="$2" -v distinct="$3" -v prefix="$4" \
	    -v pad="${5:-0}" 'BEGIN {
		# PAD bytes as extra policy-string lines of at most 1000
		# (by doubling: a megabyte is built in a few steps)
		u = sprintf("\",\"%1000s", "")
		gsub(/ /, "x", u)
		p = ""
		for (r = int((pad + 999) / 1000); r > 0; r = int(r / 2)) {
			if (r % 2)
				p = p u
			u = u u
		}
		for (i = 0; i < n; i++) {
			id = prefix "-" (i % distinct)
			f = sprintf("%s/%05d.eml", dir, i)
			printf "From: reports@reporter.example\n" >f
			printf "To: tlsrpt@example.com\n" >f
			printf "Subject: Report Domain: example.com " \
			    "Submitter: reporter.example Report-ID: <%s>\n",
			    id >f
			printf "Message-ID: <%s.%d@reporter.example>\n",
			    id, i >f
			printf "Date: Wed, 21 Oct 2026 04:12:07 +0000\n" >f
			printf "TLS-Report-Domain: example.com\n" >f
			printf "TLS-Report-Submitter: reporter.example\n" >f
			printf "MIME-Version: 1.0\n" >f
			printf "Content-Type: application/tlsrpt+json\n" >f
			printf "Content-Transfer-Encoding: 7bit\n\n" >f
			printf "{\"organization-name\":\"Reporter Example\"," >f
			printf "\"date-range\":{\"start-datetime\":" \
			    "\"2026-10-20T00:00:00Z\",\"end-datetime\":" \
			    "\"2026-10-20T23:59:59Z\"}," >f
			printf "\"contact-info\":\"tlsrpt@reporter.example\"," >f
			printf "\"report-id\":\"%s\",\"policies\":[{\"policy\":" \
			    "{\"policy-type\":\"sts\",\"policy-string\":" \
			    "[\"version: STSv1\",\"mode: enforce%s\"]," \
			    "\"policy-domain\":\"example.com\"," \
			    "\"mx-host\":[\"mx1.example.com\"]}," \
			    "\"summary\":{\"total-successful-session-count\":" \
			    "%d,\"total-failure-session-count\":0}}]}\n",
			    id, p, i % distinct + 1 >f
			close(f)
		}
	}'
}

# count_reports STORE: the number of reports in STORE (any backend).
count_reports() {
	"$ADMIN" --store "$1" export --format jsonl | wc -l | tr -d ' '
}

# integrity DB: "ok" when SQLite's integrity check passes.
integrity() {
	sqlite3 "$1" 'PRAGMA integrity_check;' 2>&1 | tr '\n' ' ' |
	    sed 's/ $//'
}

# now_ms: wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Whether the programs were built with AddressSanitizer (which needs a
# huge address space, so no ulimit -v, and runs slower).
is_asan() {
	grep -q '__asan_init' "$INGEST" 2>/dev/null
}

# deliver1 STORE ARCHIVE MAIL [MORE ARGS]: one pipe delivery, log in
# MAIL.log appended; prints the exit code.
deliver1() {
	_s=$1 _a=$2 _m=$3
	shift 3
	if env -i PATH=/usr/bin:/bin $VALGRIND "$INGEST" --dkim=off --log=stderr \
	    --store "$_s" --archive "$_a" "$@" <"$_m" >/dev/null 2>>"$_m.log"
	then
		echo 0
	else
		echo $?
	fi
}
