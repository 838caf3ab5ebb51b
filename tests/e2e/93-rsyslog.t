#!/bin/sh
# syslog end to end: tlsrpt-ingest logs through syslog(3) to /dev/log; a
# real rsyslogd receives the lines and writes facility mail to a file.
# The key=value lines arrive whole, one line per event, with a hostile
# reporter name (newline, escape sequences) kept on its line.  rsyslogd's
# own escaping of control characters is turned off, so what we check is
# what tlsrpt-ingest sent.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

command -v rsyslogd >/dev/null 2>&1 ||
    skip_all "rsyslogd missing (Debian package rsyslog)"
need_root rsyslogd
serialize syslog
SOCK=/dev/log
if [ -e /dev/log ]; then
	# Someone else's syslog: ours listens on a private socket that a
	# private mount namespace puts over /dev/log for tlsrpt-ingest only.
	SOCK="$TMP/log.sock"
	: >"$TMP/probe"
	unshare --mount --propagation private \
	    mount --bind "$TMP/probe" "$TMP/probe" >/dev/null 2>&1 ||
	    skip_all "/dev/log is taken and no mount namespace (unshare) here"
	in_ns() {
		unshare --mount --propagation private sh -c \
		    'mount --bind "$0" /dev/log && exec "$@"' "$SOCK" "$@"
	}
else
	in_ns() {
		"$@"
	}
fi
echo "# syslog socket: $SOCK"
LOG="$TMP/mail.log"
cat >"$TMP/rsyslog.conf" <<EOF
global(workDirectory="$TMP" parser.escapeControlCharactersOnReceive="off")
module(load="imuxsock" SysSock.Name="$SOCK" SysSock.RateLimit.Interval="0"
    SysSock.Unlink="on")
template(name="raw" type="string" string="%syslogtag%%msg%\n")
mail.* action(type="omfile" file="$LOG" template="raw")
EOF
rsyslogd -n -f "$TMP/rsyslog.conf" -i "$TMP/rsyslogd.pid" \
    >"$TMP/rsyslogd.out" 2>&1 9>&- &
RS=$!
# Stop our rsyslogd; remove /dev/log only if it is the socket we made.
trap 'kill $RS 2>/dev/null; wait $RS 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM
ok "rsyslogd listens on $SOCK" wait_until 10 test -S "$SOCK"

# tlsrpt-ingest as a delivery: syslog is the default log target.
deliver() {
	set +e
	# shellcheck disable=SC2086
	in_ns env -i PATH=/usr/bin:/bin SENDER=reports@example.net \
	    RECIPIENT=tlsrpt@example.com \
	    sh -c 'echo $$ >>"$0" && exec "$@"' "$TMP/pids" \
	    $VALGRIND "$INGEST" --dkim=off \
	    --store "$DB" --log=syslog <"$1" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
}

fresh
deliver "$DATA/samples/02-google-failures.eml"
ok "a report with failures: exit 0" is "$rc" 0
ok "nothing on stdout or stderr" test ! -s "$TMP/out" -a ! -s "$TMP/err"
deliver "$DATA/mail/027-hostile-strings.eml"
ok "hostile strings: exit 0" is "$rc" 0
deliver "$DATA/mail/103-invalid-json.eml"
ok "invalid JSON: exit 0" is "$rc" 0
ok "the lines reach the file" wait_until 10 \
    grep -q 'report_id=fx027-hostile-strings.*status=stored' "$LOG"
wait_until 5 grep -q 'status=rejected' "$LOG" || true
# Other programs may log through the same socket at the same time (and
# /dev/log may be ours for a while): look at the lines of our processes.
FULL=$LOG
LOG="$TMP/ours.log"
grep -E "^tlsrpt-ingest\[($(paste -sd'|' "$TMP/pids"))\]: " "$FULL" >"$LOG" ||
    true
sed 's/^/# /' "$LOG"

ok "every line of the log file starts with a tag (no raw newline)" sh -c \
    "! grep -Ev '^[[:alnum:]_./-]+(\\[[0-9]+\\])?: ' '$FULL'"
ok "lines from all three deliveries" \
    is "$(sed 's/:.*//' "$LOG" | sort -u | wc -l | tr -d ' ')" 3
ok "report line: reporter, report_id, policy_domain, counts" grep -Eq \
    '^tlsrpt-ingest\[[0-9]+\]: report status=stored reporter="Google Inc\." report_id=2026-11-02T00:00:00Z_example\.com policy_domain=example\.com .*successes=1190 failures=37 ' \
    "$LOG"
ok "one failure line per failure detail" is "$(grep -c \
    'failure reporter="Google Inc\.".*result_type=certificate-expired' \
    "$LOG")" 2
ok "failure line: receiving_mx, sending_ip, count" grep -Eq \
    'failure .*receiving_mx=mx2\.example\.com .*sending_ip=198\.51\.100\.41 count=12' \
    "$LOG"
ok "mail line: status=stored" grep -Eq \
    'mail status=stored msgid=0000000000007a1d2e3f40516202@google\.com ' "$LOG"
ok "a set-aside mail is logged as rejected" grep -q 'mail status=rejected' \
    "$LOG"
ok "hostile reporter: newline escaped, on the report's line" grep -Fq \
    'report status=stored reporter="Evil\x1b[2J Reporter\nfake_key=injected' \
    "$LOG"
ok "hostile strings: no line starts with an injected key" sh -c \
    "! grep -E '^(fake_key|status=stored)' '$LOG'"
ok "hostile strings: no raw control character" sh -c \
    "! LC_ALL=C grep -q '[[:cntrl:]]' '$LOG'"
ok "hostile strings: %s kept as text" grep -q '%s%n' "$LOG"

# [log] max-failure-lines: past it, one line counts the rest.
printf '[log]\nmax-failure-lines = 1\n' >"$TMP/one.conf"
: >"$TMP/pids"
set +e
in_ns env -i PATH=/usr/bin:/bin SENDER=reports@example.net \
    sh -c 'echo $$ >>"$0" && exec "$@"' "$TMP/pids" \
    $VALGRIND "$INGEST" --dkim=off -c "$TMP/one.conf" --store "$TMP/one.db" \
    --log=syslog <"$DATA/samples/02-google-failures.eml" >"$TMP/out" \
    2>"$TMP/err"
rc=$?
set -e
ok "max-failure-lines = 1: exit 0" is "$rc" 0
ok "max-failure-lines = 1: the lines reach the file" wait_until 10 \
    grep -q "^tlsrpt-ingest\[$(cat "$TMP/pids")\]: mail status=stored" "$FULL"
grep -E "^tlsrpt-ingest\[$(cat "$TMP/pids")\]: " "$FULL" >"$TMP/one.log" ||
    true
sed 's/^/# /' "$TMP/one.log"
ok "max-failure-lines = 1: one failure line" is \
    "$(grep -c ': failure reporter=' "$TMP/one.log")" 1
ok "max-failure-lines = 1: one line counts the other detail" grep -Eq \
    ': failures_omitted reporter="Google Inc\." report_id=[^ ]+ status=stored logged=1 details=1 sessions=[0-9]+$' \
    "$TMP/one.log"
done_testing
