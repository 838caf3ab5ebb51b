#!/bin/sh
# tlsrpt metrics and [metrics] file: the counters of the store in the
# Prometheus text format, as promtool, node_exporter's textfile
# collector and the alert rules of contrib/prometheus/ take them.
# - the counts: each report once (a redelivery and a prune move
#   nothing), mails set aside by reason, bounded labels (reporters of
#   the allow-list, our own domains, else "other"), zero series for
#   every known domain, outcome and result type;
# - the file is what tlsrpt metrics prints, rewritten after each
#   commit; a failure to write it is logged and the mail still stored;
# - hostile label values (quotes, backslashes, newlines in an
#   allow-listed organization-name) stay one valid line; no duplicate
#   series (promtool does not look);
# - promtool check metrics on both stores (SQLite, PostgreSQL: the same
#   bytes), promtool check rules and test rules on contrib/prometheus/;
# - a real prometheus-node-exporter serves the file through the
#   documented symlink: the series are there, node_textfile_scrape_error 0.
. "$top_srcdir/tests/e2e/lib.sh"

PROMTOOL=$(command -v promtool 2>/dev/null || :)
NODE_EXPORTER=$(command -v prometheus-node-exporter 2>/dev/null || :)
PROM="$TMP/prom"
mkdir -p "$PROM"
# GKeyFile escapes: \\ is a backslash, \n a newline
HOSTILE_CONF='Q"uote \\back\nline'
HOSTILE_JSON='Q\"uote \\back\nline'
HOSTILE_LABEL='reporter="Q\"uote \\back\nline"'
cat >"$TMP/m.conf" <<EOF
[trust]
dkim = off
domains = Example.COM. example.org
[metrics]
file = $PROM/metrics.prom
reporters = Reporter Example; $HOSTILE_CONF
EOF

# report ORG ID DOMAIN OK FAILED: a bare RFC 8460 report on stdout
report() {
	printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-11-0%sT00:00:00Z","end-datetime":"2026-11-0%sT23:59:59Z"},"contact-info":"mailto:tlsrpt@reporter.example","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1"],"policy-domain":"%s"},"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx1.%s","receiving-ip":"192.0.2.7","failed-session-count":%s}]}]}\n' \
	    "$1" "$(printf '%s' "$2" | tr -cd 1-9 | cut -c1)" \
	    "$(printf '%s' "$2" | tr -cd 1-9 | cut -c1)" "$2" "$3" "$4" "$5" \
	    "$3" "$5"
}

# deliver STORE FILE: ingest FILE into STORE with m.conf
deliver() {
	ingest -c "$TMP/m.conf" --store "$1" <"$2"
}

report "Reporter Example" r1 example.com 90 10 >"$TMP/r1.json"
report "$HOSTILE_JSON" r2 example.com 5 3 >"$TMP/r2.json"
report "Someone Else" r3 example.org 7 0 >"$TMP/r3.json"
report "Reporter Example" r4 evil.example 1 1 >"$TMP/r4.json"
printf 'not a report\n' >"$TMP/junk.txt"

# fill STORE: the four reports, a redelivery and a mail that is none
fill() {
	for f in r1.json r2.json r3.json r1.json r4.json junk.txt; do
		deliver "$1" "$TMP/$f"
		[ "$rc" = 0 ] || {
			echo "$f: exit $rc"
			cat "$TMP/log"
			return 1
		}
	done
}

fresh
ok "six inputs delivered: exit 0 each" fill "$DB"
ok "three reports stored" is "$(stored)" 3
ok "the file is written" test -s "$PROM/metrics.prom"
admin -c "$TMP/m.conf" metrics
cp "$TMP/admin" "$TMP/sqlite.prom"
ok "tlsrpt metrics: exit 0" is "$arc" 0
ok "the file is what tlsrpt metrics prints" cmp "$PROM/metrics.prom" \
    "$TMP/sqlite.prom"
ok "no temporary file left" sh -c "test \$(ls '$PROM' | wc -l) = 1"

# series NAME{LABELS}: the value of that series in $TMP/sqlite.prom
series() {
	awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print $NF }' \
	    "$TMP/sqlite.prom"
}
ok "sessions: success of ours summed" is \
    "$(series 'tlsrpt_sessions_total{policy_domain="example.com",outcome="success"}')" 95
ok "sessions: failure of ours summed" is \
    "$(series 'tlsrpt_sessions_total{policy_domain="example.com",outcome="failure"}')" 13
ok "a domain of [trust] domains, lower case, no dot; no failure: 0" is \
    "$(series 'tlsrpt_sessions_total{policy_domain="example.org",outcome="failure"}')" 0
ok "failure details by result type" is \
    "$(series 'tlsrpt_failure_details_total{policy_domain="example.com",result_type="certificate-expired"}')" 13
for t in starttls-not-supported certificate-host-mismatch certificate-expired \
    certificate-not-trusted validation-failure tlsa-invalid dnssec-invalid \
    dane-required sts-policy-fetch-error sts-policy-invalid \
    sts-webpki-invalid other; do
	v=$(series "tlsrpt_failure_details_total{policy_domain=\"example.org\",result_type=\"$t\"}")
	[ "$v" = 0 ] || echo "example.org $t: '$v'" >>"$TMP/seed.err"
done
ok "every known domain starts with 0 for each of the 12 result types" \
    test ! -s "$TMP/seed.err"
ok "reports by transport and allow-listed reporter, a redelivery not" is \
    "$(series 'tlsrpt_reports_total{transport="file",reporter="Reporter Example"}')" 1
ok "a reporter not in the list is other" is \
    "$(series 'tlsrpt_reports_total{transport="file",reporter="other"}')" 1
ok "the allow-listed reporters start at 0" is \
    "$(series 'tlsrpt_reports_total{transport="mail",reporter="Reporter Example"}')" 0
ok "a report for another domain: rejected, foreign_domain" is \
    "$(series 'tlsrpt_reports_rejected_total{transport="file",reason="foreign_domain"}')" 1
ok "not a report (read as a mail): rejected, not_report" is \
    "$(series 'tlsrpt_reports_rejected_total{transport="mail",reason="not_report"}')" 1
ok "the newest report end per reporter (a gauge)" is \
    "$(series 'tlsrpt_last_report_end_timestamp_seconds{reporter="Reporter Example"}')" \
    "$(date -u -d 2026-11-01T23:59:59Z +%s)"
ok "no IP, MX name or report id in any label" sh -c \
    "! grep -E '192\\.0\\.2|mx1\\.|\"r[0-9]\"|evil' '$TMP/sqlite.prom'"

# The format: HELP and TYPE once per family, every other line a sample
# with labels and an integer (no timestamp), no duplicate series.
ok "every line: a HELP, a TYPE, or a sample without timestamp" sh -c \
    "! grep -vE '^# (HELP|TYPE) tlsrpt_[a-z_]+ .+\$|^tlsrpt_[a-z_]+\\{([a-z_]+=\"([^\"\\\\]|\\\\[\"\\\\n])*\",?)+\\} [0-9]+\$' '$TMP/sqlite.prom'"
ok "one HELP and one TYPE per family, counters end in _total" sh -c "
    test \"\$(grep -c '^# HELP' '$TMP/sqlite.prom')\" = 5 &&
    test \"\$(grep '^# HELP' '$TMP/sqlite.prom' | cut -d' ' -f3 | sort -u | wc -l)\" = 5 &&
    test \"\$(grep '^# TYPE' '$TMP/sqlite.prom' | cut -d' ' -f3 | sort -u | wc -l)\" = 5 &&
    ! grep '^# TYPE' '$TMP/sqlite.prom' | grep -v '_total counter\$' |
	grep -v 'timestamp_seconds gauge\$'"
ok "no duplicate series" sh -c \
    "test -z \"\$(grep -v '^#' '$TMP/sqlite.prom' | sed 's/ [^ ]*\$//' | sort | uniq -d)\""
ok "a hostile allow-listed name: escaped, one line a series (2 seeded)" is \
    "$(grep -cF "$HOSTILE_LABEL" "$TMP/sqlite.prom")" 4

# Counters never go down: a prune leaves them.
admin -c "$TMP/m.conf" prune --until 2100-01-01
ok "prune: every report deleted" is "$(stored)" 0
admin -c "$TMP/m.conf" metrics
ok "after a prune: the same figures" cmp "$TMP/admin" "$TMP/sqlite.prom"

# Without [trust] domains: the domains of authenticated reports only;
# these were stored without authentication (dkim = off), so other.
printf '[trust]\ndkim = off\n' >"$TMP/nodom.conf"
admin -c "$TMP/nodom.conf" metrics
ok "no [trust] domains, nothing authenticated: policy_domain other" sh -c \
    "grep -q 'policy_domain=\"other\",outcome=\"success\"} 102' '$TMP/admin' &&
     ! grep -q 'example' '$TMP/admin'"
ok "the default [metrics] reporters: Google Inc. starts at 0" \
    grep -q 'reporter="Google Inc."} 0' "$TMP/admin"

# A policy domain of an authenticated report is a label (no [trust]
# domains): a hostile one, as a signed report could carry, stays one
# escaped line.  The store is given the counters such a report moves.
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$DB" ".backup '$TMP/hostile.db'"
	sqlite3 "$TMP/hostile.db" "INSERT INTO metric_counters VALUES
	    ('domains', 'ex\"a\\m' || char(10) || 'ple', '', 1),
	    ('sessions', 'ex\"a\\m' || char(10) || 'ple', 'success', 3)"
	"$ADMIN" -c "$TMP/nodom.conf" --store "$TMP/hostile.db" metrics \
	    >"$TMP/hostile.prom" 2>&1 || :
	ok "a hostile authenticated policy domain: escaped, one line" grep -qxF \
	    'tlsrpt_sessions_total{policy_domain="ex\"a\\m\nple",outcome="success"} 3' \
	    "$TMP/hostile.prom"
	ok "  and its zero series: 2 outcomes, 12 result types" is \
	    "$(grep -cF 'policy_domain="ex\"a\\m\nple"' "$TMP/hostile.prom")" 14
	if [ -n "$PROMTOOL" ]; then
		ok "  promtool check metrics takes it" sh -c \
		    "'$PROMTOOL' check metrics <'$TMP/hostile.prom'"
	else
		skip "promtool not installed"
	fi
else
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
fi

# A file that cannot be written: logged, the mail stored all the same.
sed "s|^file = .*|file = $TMP/nonexistent/metrics.prom|" "$TMP/m.conf" \
    >"$TMP/bad.conf"
report "Reporter Example" r5 example.com 4 0 >"$TMP/r5.json"
ingest -c "$TMP/bad.conf" <"$TMP/r5.json"
ok "unwritable metrics file: exit 0, stored" sh -c \
    "test '$rc' = 0 && test '$(stored)' = 1"
ok "unwritable metrics file: logged" grep -q \
    'metrics status=failed file=.*nonexistent/metrics.prom' "$TMP/log"

if [ -z "$PROMTOOL" ]; then
	skip "promtool not installed (Debian package prometheus)"
	skip "promtool"
	skip "promtool"
	skip "promtool"
else
	ok "promtool check metrics: tlsrpt metrics (SQLite)" sh -c \
	    "'$PROMTOOL' check metrics <'$TMP/sqlite.prom'"
	ok "promtool check metrics: the file" sh -c \
	    "'$PROMTOOL' check metrics <'$PROM/metrics.prom'"
	ok "promtool check rules contrib/prometheus/tlsrpt-rules.yml" \
	    "$PROMTOOL" check rules "$top_srcdir/contrib/prometheus/tlsrpt-rules.yml"
	ok "promtool test rules contrib/prometheus/tlsrpt-rules.test.yml" \
	    "$PROMTOOL" test rules \
	    "$top_srcdir/contrib/prometheus/tlsrpt-rules.test.yml"
fi

# A raw newline or a bad escape is what promtool refuses: make sure it
# would have caught ours.
if [ -n "$PROMTOOL" ]; then
	printf '# HELP x_total x\n# TYPE x_total counter\nx_total{a="b\nc"} 1\n' \
	    >"$TMP/bad.prom"
	ok "promtool refuses a raw newline in a label value" sh -c \
	    "! '$PROMTOOL' check metrics <'$TMP/bad.prom'"
else
	skip "promtool not installed"
fi

# node_exporter's textfile collector, through the documented symlink.
if [ -z "$NODE_EXPORTER" ] || ! command -v curl >/dev/null 2>&1; then
	skip "prometheus-node-exporter or curl not installed"
	skip "prometheus-node-exporter"
	skip "prometheus-node-exporter"
else
	mkdir -p "$TMP/textfile"
	ln -s "$PROM/metrics.prom" "$TMP/textfile/tlsrpt.prom"
	nepid=
	trap '[ -z "$nepid" ] || kill "$nepid" 2>/dev/null; rm -rf "$TMP"' EXIT
	for try in 1 2 3 4 5; do
		port=$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000))
		"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" \
		    --collector.disable-defaults --collector.textfile \
		    --collector.textfile.directory="$TMP/textfile" \
		    >"$TMP/ne.log" 2>&1 &
		nepid=$!
		i=0
		while [ $i -lt 50 ] && kill -0 "$nepid" 2>/dev/null &&
		    ! curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$nepid" 2>/dev/null && break
		nepid=
	done
	curl -sf "http://127.0.0.1:$port/metrics" >"$TMP/scrape" 2>&1 || :
	ok "node_exporter: the tlsrpt series are served" sh -c \
	    "grep -q '^tlsrpt_sessions_total{outcome=\"success\",policy_domain=\"example.com\"} 95\$' '$TMP/scrape' &&
	     grep -qF '$HOSTILE_LABEL' '$TMP/scrape' &&
	     test \"\$(grep -c '^tlsrpt_' '$TMP/scrape')\" = \
		\"\$(grep -c '^tlsrpt_' '$PROM/metrics.prom')\" ||
	     { grep '^tlsrpt_sessions' '$TMP/scrape'; false; }"
	ok "node_exporter: node_textfile_scrape_error 0" grep -q \
	    '^node_textfile_scrape_error 0$' "$TMP/scrape"
	ok "node_exporter: counters typed counter (not untyped)" grep -q \
	    '^# TYPE tlsrpt_sessions_total counter$' "$TMP/scrape"
	[ -z "$nepid" ] || {
		kill "$nepid" 2>/dev/null
		wait "$nepid" 2>/dev/null || :
	}
	nepid=
	trap 'rm -rf "$TMP"' EXIT
	[ -s "$TMP/scrape" ] || sed 's/^/# /' "$TMP/ne.log" | tail -n 10
fi

# PostgreSQL: the same inputs give the same bytes.
. "$top_srcdir/tests/e2e/pg-lib.sh"
if ! pg_available; then
	skip "$(pg_why)"
	skip "PostgreSQL"
else
	sed "s|^file = .*|file = $PROM/pg.prom|" "$TMP/m.conf" >"$TMP/pg.conf"
	cp "$TMP/pg.conf" "$TMP/m.conf"
	if pg_start && fill "$PGSTORE" >"$TMP/pgfill.out" 2>&1; then
		"$ADMIN" -c "$TMP/m.conf" --store "$PGSTORE" metrics \
		    >"$TMP/pg-admin.prom" 2>&1 || :
		ok "PostgreSQL: the same figures as SQLite, the file as printed" \
		    sh -c "cmp '$TMP/sqlite.prom' '$TMP/pg-admin.prom' &&
			cmp '$PROM/pg.prom' '$TMP/pg-admin.prom'"
		if [ -n "$PROMTOOL" ]; then
			ok "promtool check metrics: PostgreSQL store" sh -c \
			    "'$PROMTOOL' check metrics <'$PROM/pg.prom'"
		else
			skip "promtool not installed"
		fi
	else
		ok "PostgreSQL store filled" sh -c "cat '$TMP/pgfill.out'; false"
		skip "PostgreSQL"
	fi
fi
done_testing
