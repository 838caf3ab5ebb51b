#!/bin/sh
# OpenDKIM milter end to end: a private Postfix instance receives report
# mails over SMTP, the real OpenDKIM milter (verify mode, AuthservID
# mx.example.com) checks their signatures against a key served by a
# local unbound and adds its Authentication-Results field, and the
# aliases pipe delivers them to tlsrpt-ingest with [trust] authserv-id =
# mx.example.com.  A report signed by reporter.example is stored with
# the milter's verdict (auth_method=authentication-results); a body
# changed after signing (dkim=fail), a sender's forged "dkim=pass" field
# with our authserv-id (on a broken signature, and on an unsigned mail)
# and an unsigned mail are set aside in .unauthenticated, delivered
# without a bounce.  With the milter down, Postfix answers 4xx.
#
# Design rationale:
# - Nothing is mocked: the signatures are python3-dkim's, the key
#   opendkim-genkey's, served by unbound (unbound-lib.sh).  OpenDKIM's
#   libunbound reads its ResolverConfiguration file (an unbound
#   configuration) that forwards every query to 127.0.0.1@PORT; its
#   Nameservers setting takes IP addresses without a port.  No
#   TrustAnchorFile: no DNSSEC, the field says "unprotected".
# - OpenDKIM runs in the foreground (-f) as root, its socket on a random
#   free port of 127.0.0.1.  milter_default_action = tempfail: a milter
#   that is not there must make Postfix defer the mail, never let it
#   through unchecked.
# - tlsrpt-ingest runs as nobody (local(8), aliases owned by root); its
#   log goes to a file through the shell local(8) runs the pipe with.
# - Each case waits for its own delivery (a bounded poll of the Postfix
#   log), then checks the Authentication-Results fields of the mail as
#   archived (the raw input of tlsrpt-ingest), the store, the folder and
#   the log line.  Where OpenDKIM puts its field (Debian: above Postfix's
#   Received field; upstream: right below it) and whether it removed a
#   forged one are read from that mail, not assumed.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"

heavy_or_skip
need_root "Postfix and OpenDKIM"
PY=/usr/bin/python3
for p in postfix postalias postconf postqueue nc opendkim opendkim-genkey; do
	command -v "$p" >/dev/null 2>&1 || skip_all "$p missing (Debian" \
	    "packages postfix, netcat-openbsd, opendkim, opendkim-tools)"
done
"$PY" -c 'import dkim' 2>/dev/null ||
    skip_all "$PY cannot import dkim (Debian package python3-dkim)"
[ -x "$UNBOUND" ] || skip_all "$UNBOUND missing (Debian package unbound)"
getent passwd postfix >/dev/null || skip_all "no postfix user"
serialize postfix
PORT=$(free_port) || skip_all "no free port on 127.0.0.1"
NOGROUP=$(id -gn nobody)
install_bin

OD="$TMP/opendkim"
OD_PID=
ILOG="$TMP/ingest.log"
# od_start: OpenDKIM in the foreground, under timeout(1) as unbound is:
# a test killed by SIGKILL leaves no milter behind for long.
od_start() {
	timeout 3600 opendkim -f -x "$OD/opendkim.conf" \
	    >>"$OD/opendkim.out" 2>&1 9>&- &
	OD_PID=$!
}
od_stop() {
	[ -n "$OD_PID" ] || return 0
	kill "$OD_PID" 2>/dev/null || :
	wait_until 15 sh -c "! kill -0 $OD_PID" || {
		kill -9 "$(cat "$OD/opendkim.pid" 2>/dev/null)" 2>/dev/null
		kill -9 "$OD_PID" 2>/dev/null
	} || :
	wait "$OD_PID" 2>/dev/null || :
	OD_PID=
}
# At exit: stop Postfix and OpenDKIM, show their logs on a failure.
# (One line: unbound_start chains its own cleanup in front of it.)
cleanup() {
	pf_stop
	od_stop
	[ "$tap_failed" = 0 ] || {
		tail -n 30 "$PF/maillog"
		cat "$OD/opendkim.out" "$ILOG"
	} 2>/dev/null | sed 's/^/# /'
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- The reporter's key in DNS; unbound logs the queries it answers.
K="$TMP/keys"
mkdir -p "$K"
opendkim-genkey -b 2048 -D "$K" -d reporter.example -s sel1
rec=$(tr -d '\n' <"$K/sel1.txt" |
    sed 's/^[^(]*(//; s/).*//; s/"[[:space:]]*"//g; s/[[:space:]]*"//g')
{
	echo 'log-queries: yes'
	echo 'local-zone: "reporter.example." static'
	ub_txt sel1._domainkey.reporter.example "$rec"
} >"$TMP/zone.conf"
unbound_start "$TMP/zone.conf" || skip_all "unbound did not start"

# --- OpenDKIM, verifying only.  Its libunbound reads the
# ResolverConfiguration file (an unbound configuration): every query is
# forwarded to our unbound, which is on 127.0.0.1, hence
# do-not-query-localhost: no.  No TrustAnchorFile: no DNSSEC.  OpenDKIM
# logs to syslog(3) only and there is no /dev/log here: the fields it
# writes into the mail are the evidence.
OD_PORT=$(random_port)
mkdir -p "$OD"
cat >"$OD/unbound.conf" <<EOF
server:
	do-not-query-localhost: no
	do-ip6: no
forward-zone:
	name: "."
	forward-addr: $UB_SERVER
EOF
cat >"$OD/opendkim.conf" <<EOF
Mode			v
AuthservID		mx.example.com
Socket			inet:$OD_PORT@127.0.0.1
PidFile			$OD/opendkim.pid
ResolverConfiguration	$OD/unbound.conf
Syslog			no
Background		no
EOF
: >"$OD/opendkim.out"
ok "OpenDKIM accepts its configuration" opendkim -n -x "$OD/opendkim.conf"
od_start
ok "OpenDKIM listens on 127.0.0.1:$OD_PORT" \
    wait_until 10 nc -z 127.0.0.1 "$OD_PORT"

# --- Postfix with the milter, and the alias to tlsrpt-ingest (run by
# local(8) as nobody; its log goes to a file through local(8)'s shell).
S="$TMP/store"
DB="$S/reports.db"
MD="$S/Maildir"
install -d -o nobody -g "$NOGROUP" -m 0770 "$S"
install -o nobody -g "$NOGROUP" -m 0660 /dev/null "$ILOG"
CONF="$TMP/tlsrpt.conf"
printf '[trust]\nauthserv-id = mx.example.com\n' >"$CONF"
chmod 644 "$CONF"
pf_setup "$PORT"
# Under --enable-valgrind (when TI_HEAVY_TESTS=1 is forced there) the
# delivery runs under valgrind too: an error exits 99, Postfix bounces,
# and the delivery checks fail.  nobody reads the suppressions from $BIN.
VG=
if [ -n "$VALGRIND" ]; then
	cp "$abs_top_srcdir/tests/valgrind.supp" "$BIN/"
	chmod 644 "$BIN/valgrind.supp"
	VG="$(printf %s "$VALGRIND" |
	    sed "s|--suppressions=[^ ]*|--suppressions=$BIN/valgrind.supp|") "
fi
{
	echo "postmaster: reporter"
	echo "reporter: $PF/reporter.mbox"
	echo "tlsrpt: \"|$VG$BIN/tlsrpt-ingest -c $CONF --store=$DB" \
	    "--archive=$MD --log=stderr 2>>$ILOG\""
} >"$PF/etc/aliases"
touch "$PF/reporter.mbox"
chown nobody "$PF/reporter.mbox"
pf postconf -e "myhostname = mx.example.com" \
    "mydestination = localhost, mx.example.com, example.com" \
    "smtpd_milters = inet:127.0.0.1:$OD_PORT" \
    "milter_default_action = tempfail"
pf postalias "$PF/etc/aliases"
ok "Postfix starts on 127.0.0.1:$PORT with the milter" pf_start

# --- The mails
# mail ID: a report mail from reporter.example for example.com, unsigned
mail() {
	cat <<EOF
From: TLS reports <noreply@reporter.example>
To: tlsrpt@example.com
Subject: Report Domain: example.com Submitter: reporter.example
 Report-ID: <$1@reporter.example>
Date: Thu, 03 Dec 2026 06:00:00 +0000
Message-ID: <$1@reporter.example>
TLS-Report-Domain: example.com
TLS-Report-Submitter: reporter.example
MIME-Version: 1.0
Content-Type: application/tlsrpt+json
Content-Disposition: attachment;
 filename="reporter.example!example.com!1796169600!1796255999!$1.json"

{"organization-name":"reporter.example","date-range":{"start-datetime":"2026-12-02T00:00:00Z","end-datetime":"2026-12-02T23:59:59Z"},"contact-info":"mailto:tlsrpt@reporter.example","report-id":"$1","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.example.com","max_age: 86400"],"policy-domain":"example.com"},"summary":{"total-successful-session-count":100,"total-failure-session-count":0}}]}
EOF
}

# sign < MAIL > SIGNED: reporter.example's signature (rsa-sha256,
# relaxed/relaxed), made on a CRLF copy.  The script is an argument:
# stdin is the mail.
sign() {
	"$PY" -c '
import sys, dkim
key = open(sys.argv[1], "rb").read()
msg = sys.stdin.buffer.read().replace(b"\n", b"\r\n")
sig = dkim.sign(msg, b"sel1", b"reporter.example", key,
    canonicalize=(b"relaxed", b"relaxed"),
    include_headers=[b"from", b"to", b"subject", b"date", b"message-id",
        b"tls-report-domain", b"tls-report-submitter", b"content-type"])
sys.stdout.buffer.write((sig + msg).replace(b"\r\n", b"\n"))
' "$K/sel1.private"
}

# tamper < SIGNED > CHANGED: the body changed after signing
tamper() {
	sed 's/"total-failure-session-count":0/"total-failure-session-count":99/'
}

FORGED='Authentication-Results: mx.example.com; dkim=pass header.d=reporter.example'
M="$TMP/m"
mkdir -p "$M"
mail pass1 | sign >"$M/pass.eml"
mail fail1 | sign | tamper >"$M/fail.eml"
{
	echo "$FORGED"
	mail forged1 | sign | tamper
} >"$M/forged.eml"
mail none1 >"$M/unsigned.eml"
{
	echo "$FORGED"
	mail forged2
} >"$M/forged-unsigned.eml"
mail late1 | sign >"$M/late.eml"

# send FILE: one SMTP mail to tlsrpt@example.com; wait (30 s at most)
# until Postfix has delivered it, or deferred or bounced it.
send() {
	: >"$ILOG"
	pf_mark
	smtp_send "$PORT" reporter@mx.example.com tlsrpt@example.com "$1" &&
	    wait_until 30 sh -c "tail -n +$((PF_MARK + 1)) '$PF/maillog' |
		grep -Eq 'to=<tlsrpt@example.com>.*status=(sent|bounced|deferred)'" &&
	    wait_until 10 pf_empty
}

# Delivered once to the command, nothing bounced or deferred, nothing
# in the sender's mailbox.
delivered_once() {
	is "$(pf_log_count 'to=<tlsrpt@example.com>.*status=sent \(delivered to command')" 1 &&
	    is "$(pf_log_count 'status=(bounced|deferred)')" 0 &&
	    test ! -s "$PF/reporter.mbox"
}

# deliver WHAT FILE: send FILE, check the delivery, and leave the header
# fields of the mail as archived (the mail line of the log names the
# file) in $TMP/fields, one line each (unfolded, white space squeezed),
# and its Authentication-Results fields in $TMP/ar.
deliver() {
	ok "$1: accepted over SMTP and delivered" send "$2"
	ok "$1: delivered to the command once, no bounce" delivered_once
	_a=$(sed -n 's/^.* mail status=.* archive=\([^ ]*\) .*$/\1/p' "$ILOG")
	: >"$TMP/fields"
	[ -z "$_a" ] || [ ! -f "$_a" ] ||
	    awk '/^\r?$/ { exit }
		/^[ \t]/ { f = f " " $0; next }
		{ if (f != "") print f; f = $0 }
		END { if (f != "") print f }' "$_a" |
	    sed 's/[[:space:]]\{1,\}/ /g' >"$TMP/fields"
	grep -i '^Authentication-Results:' "$TMP/fields" >"$TMP/ar" || :
	sed 's/^/# /' "$TMP/ar"
}

# The line number of the first header field NAME in $TMP/fields, or 0.
field_at() {
	_l=$(grep -n -i "^$1:" "$TMP/fields" | head -n 1 | cut -d: -f1)
	echo "${_l:-0}"
}

# OpenDKIM's field is where tlsrpt-ingest looks: above Postfix's own
# Received field (Debian inserts it at index 0) or right below it
# (upstream OpenDKIM's index 1).
ar_placed() {
	_ar=$(field_at Authentication-Results)
	_rc=$(field_at Received)
	[ "$_ar" -gt 0 ] && [ "$_rc" -gt 0 ] &&
	    { [ "$_ar" -lt "$_rc" ] || [ "$_ar" = $((_rc + 1)) ]; }
}

# (1) Signed by reporter.example: OpenDKIM says pass, the report is
# stored with the milter's verdict.
deliver signed "$M/pass.eml"
ok "signed: OpenDKIM fetched the key from our unbound" grep -q \
    'sel1\._domainkey\.reporter\.example\. TXT IN' "$UB_DIR/unbound.log"
ok "signed: one Authentication-Results field, OpenDKIM's dkim=pass" sh -c \
    "[ \$(wc -l <'$TMP/ar') = 1 ] && grep -Eq '^Authentication-Results: mx\\.example\\.com; dkim=pass \\(2048-bit key; unprotected\\) header\\.d=reporter\\.example ' '$TMP/ar'"
if [ "$(field_at Authentication-Results)" -lt "$(field_at Received)" ]; then
	echo "# OpenDKIM inserted its field above Postfix's Received field"
else
	echo "# OpenDKIM inserted its field below Postfix's Received field"
fi
ok "signed: the field is above the Received field or right below it" \
    ar_placed
ok "signed: stored" is "$(stored)" 1
ok "signed: archived in the main folder" is "$(in_folder "$MD")" 1
ok "signed: the store says authentication-results, pass, reporter.example" \
    sh -c "'$ADMIN' --store '$DB' export --format jsonl | grep -q '\"auth\":{\"method\":\"authentication-results\",\"result\":\"pass\",\"domain\":\"reporter.example\"'"
ok "signed: the log line says so" grep -q \
    'report status=stored .* auth=pass auth_method=authentication-results auth_domain=reporter.example auth_selector=sel1' \
    "$ILOG"

# (2) The body changed after signing: OpenDKIM says fail; set aside.
deliver "body changed" "$M/fail.eml"
ok "body changed: OpenDKIM's field says dkim=fail" sh -c \
    "[ \$(wc -l <'$TMP/ar') = 1 ] && grep -q '^Authentication-Results: mx\\.example\\.com; dkim=fail ' '$TMP/ar'"
ok "body changed: not stored" is "$(stored)" 1
ok "body changed: in .unauthenticated" \
    is "$(in_folder "$MD/.unauthenticated")" 1
ok "body changed: the log says auth=fail" grep -q \
    'mail status=unauthenticated .* auth=fail auth_method=authentication-results .*auth_reason="mx.example.com says dkim=fail' \
    "$ILOG"

# (3) The sender wrote "dkim=pass" with our authserv-id on a mail whose
# signature is broken.  OpenDKIM (Debian's, CVE-2022-48521 fixed)
# removes the forged field; were it left, it would sit right below the
# Received field beside OpenDKIM's own, and tlsrpt-ingest would believe
# neither.  Either way nothing is stored.
deliver "forged field" "$M/forged.eml"
if grep -Fqx "$FORGED" "$TMP/ar"; then
	echo "# OpenDKIM left the forged field in the mail"
	ok "forged field: tlsrpt-ingest believes neither field" grep -q \
	    'mail status=unauthenticated .* auth=permerror .*more than one Authentication-Results field' \
	    "$ILOG"
else
	echo "# OpenDKIM removed the forged field"
	ok "forged field: only OpenDKIM's dkim=fail is left" sh -c \
	    "[ \$(wc -l <'$TMP/ar') = 1 ] && grep -q '^Authentication-Results: mx\\.example\\.com; dkim=fail ' '$TMP/ar'"
	ok "forged field: the log says auth=fail" grep -q \
	    'mail status=unauthenticated .* auth=fail auth_method=authentication-results' \
	    "$ILOG"
fi
ok "forged field: not stored" is "$(stored)" 1
ok "forged field: in .unauthenticated" \
    is "$(in_folder "$MD/.unauthenticated")" 2

# (4) Unsigned: OpenDKIM adds no field; set aside as auth=none.
deliver unsigned "$M/unsigned.eml"
ok "unsigned: no Authentication-Results field" test ! -s "$TMP/ar"
ok "unsigned: not stored" is "$(stored)" 1
ok "unsigned: in .unauthenticated" \
    is "$(in_folder "$MD/.unauthenticated")" 3
ok "unsigned: the log says auth=none" grep -q \
    'mail status=unauthenticated .* auth=none auth_method=authentication-results' \
    "$ILOG"

# (5) Unsigned with a forged "dkim=pass" of ours: here OpenDKIM adds no
# field of its own, so the forged one, right below the Received field,
# would be believed; the milter must remove it, and does.
deliver "unsigned, forged field" "$M/forged-unsigned.eml"
ok "unsigned, forged field: OpenDKIM removed it" test ! -s "$TMP/ar"
ok "unsigned, forged field: not stored" is "$(stored)" 1
ok "unsigned, forged field: in .unauthenticated" \
    is "$(in_folder "$MD/.unauthenticated")" 4

# (6) The milter is down: milter_default_action = tempfail makes Postfix
# refuse the mail for now (4xx), rather than pass it on unchecked.
t0=$(date +%s)
od_stop
echo "# OpenDKIM stopped in $(($(date +%s) - t0)) s"
pf_mark
set +e
smtp_send "$PORT" reporter@mx.example.com tlsrpt@example.com \
    "$M/late.eml" 2>"$TMP/smtp.err"
src=$?
set -e
sed 's/^/# /' "$TMP/smtp.err"
ok "milter down: the SMTP server answers 4xx" sh -c \
    "[ $src != 0 ] && grep -q 'got: 4[0-9][0-9] ' '$TMP/smtp.err'"
nothing_queued() {
	is "$(pf_queued)" 0 && is "$(pf_log_count 'status=')" 0
}
ok "milter down: nothing queued, nothing delivered" nothing_queued
ok "milter down: nothing stored" is "$(stored)" 1
done_testing
