#!/bin/sh
# Trust end to end: tlsrpt-ingest as a pipe delivery with its default
# [trust] dkim = verify, keys served by a real unbound, mail signed by a
# real signer (dkimsign, python3-dkim).  What is stored, what goes to
# .unauthenticated, what defers (75) and when it stops deferring, taking
# set-aside mail back, [trust] domains, and [trust] authserv-id.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"

PY=/usr/bin/python3
if ! command -v opendkim-genkey >/dev/null 2>&1 ||
    ! "$PY" -c 'import dkim' 2>/dev/null; then
	skip "opendkim-genkey or python3-dkim is not installed"
	done_testing
	exit 0
fi

K="$TMP/keys"
mkdir -p "$K"
# key DOMAIN SELECTOR: an RSA-2048 key; prints its DNS record's text
key() {
	opendkim-genkey -b 2048 -D "$K" -d "$1" -s "$2"
	mv "$K/$2.private" "$K/$2.$1.private"
	tr -d '\n' <"$K/$2.txt" | sed 's/^[^(]*(//; s/).*//; s/"[[:space:]]*"//g; s/[[:space:]]*"//g'
}
rec=$(key reporter.example sel1)
rec_dead=$(key timeout.example sel1)
rec_later=$(key later.example sel1)
rec_fail=$(key refused.example sel1)

Z="$TMP/zone.conf"
{
	echo 'local-zone: "reporter.example." static'
	ub_txt sel1._domainkey.reporter.example "$rec"
	echo 'local-zone: "later.example." static'
	echo 'local-zone: "timeout.example." deny'
	echo 'local-zone: "refused.example." refuse'
} >"$Z"
if ! unbound_start "$Z"; then
	skip "unbound is not installed or did not start"
	done_testing
	exit 0
fi

CONF="$TMP/tlsrpt.conf"
# The DNS timeout: short, for the cases that wait for it; under valgrind
# on a loaded machine an answer itself can take longer than 700 ms.
DNS_TIMEOUT=${VALGRIND:+4s}
DNS_TIMEOUT=${DNS_TIMEOUT:-700ms}
printf '[dns]\nresolver = %s\ntimeout = %s\ntrust-anchor =\n' \
    "$UB_SERVER" "$DNS_TIMEOUT" >"$CONF"

# mail DOMAIN ID: a report mail from DOMAIN (From, contact-info) for
# example.com, unsigned, on stdout
mail() {
	cat <<EOF
From: TLS reports <noreply@$1>
To: tlsrpt@example.com
Subject: Report Domain: example.com Submitter: $1 Report-ID: <$2@$1>
Date: Thu, 03 Dec 2026 06:00:00 +0000
Message-ID: <$2@$1>
TLS-Report-Domain: example.com
TLS-Report-Submitter: $1
MIME-Version: 1.0
Content-Type: application/tlsrpt+json
Content-Disposition: attachment; filename="$1!example.com!1796169600!1796255999.json"

{"organization-name":"$1","date-range":{"start-datetime":"2026-12-02T00:00:00Z","end-datetime":"2026-12-02T23:59:59Z"},"contact-info":"mailto:tlsrpt@$1","report-id":"$2","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mx.example.com","max_age: 86400"],"policy-domain":"example.com"},"summary":{"total-successful-session-count":100,"total-failure-session-count":0}}]}
EOF
}

# sign DOMAIN < MAIL > SIGNED (rsa-sha256, relaxed/relaxed; python3-dkim
# signs a CRLF copy right, not LF input)
cat >"$TMP/sign.py" <<'EOF'
import sys, dkim
key = open(sys.argv[1], 'rb').read()
msg = sys.stdin.buffer.read().replace(b'\n', b'\r\n')
sig = dkim.sign(msg, b'sel1', sys.argv[2].encode(), key,
    canonicalize=(b'relaxed', b'relaxed'),
    include_headers=[b'from', b'to', b'subject', b'date', b'message-id',
        b'tls-report-domain', b'tls-report-submitter', b'content-type'])
sys.stdout.buffer.write((sig + msg).replace(b'\r\n', b'\n'))
EOF
sign() {
	"$PY" "$TMP/sign.py" "$K/sel1.$1.private" "$1"
}

# received AGE: a Received field our MTA added AGE ("now", or a date)
received() {
	if [ "$1" = now ]; then
		d=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S +0000')
	else
		d=$1
	fi
	echo "Received: from mail.sender.example by mx.example.com (Postfix)"
	echo "	with ESMTPS id 4AbCdE; $d"
}

# deliver FILE: as Postfix would, with the trust settings of $CONF
deliver() {
	set +e
	env -i PATH=/usr/bin:/bin SENDER=reports@example.net \
	    RECIPIENT=tlsrpt@example.com $VALGRIND "$INGEST" -c "$CONF" \
	    --log=stderr --store "$DB" --archive "$MD" <"$1" \
	    >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
}

M="$TMP/m"
mkdir -p "$M"
{ received now; mail reporter.example r1 | sign reporter.example; } \
    >"$M/pass.eml"
deliver "$M/pass.eml"
ok "signed: exit 0" is "$rc" 0
ok "signed: stored" is "$(stored)" 1
ok "signed: the report line says auth=pass by reporter.example" \
    grep -q 'report status=stored .* auth=pass auth_method=dkim auth_domain=reporter.example auth_selector=sel1' "$TMP/log"
ok "signed: archived in the main folder" is "$(in_folder "$MD")" 1
ok "signed: the store keeps who signed it" sh -c \
    "'$ADMIN' --store '$DB' export --format jsonl | grep -q '\"auth\":{\"method\":\"dkim\",\"result\":\"pass\",\"domain\":\"reporter.example\"'"

{ received now; mail reporter.example r2; } >"$M/unsigned.eml"
deliver "$M/unsigned.eml"
ok "unsigned: exit 0, nothing printed" sh -c "[ $rc = 0 ] && [ ! -s '$TMP/out' ]"
ok "unsigned: not stored" is "$(stored)" 1
ok "unsigned: in .unauthenticated" is "$(in_folder "$MD/.unauthenticated")" 1
ok "unsigned: the mail line says why" \
    grep -q 'mail status=unauthenticated .* auth=none auth_method=dkim .*auth_reason=' "$TMP/log"

{ received now; mail reporter.example r3 | sign reporter.example |
    sed 's/"total-failure-session-count":0/"total-failure-session-count":99/'; } \
    >"$M/forged.eml"
deliver "$M/forged.eml"
ok "body changed after signing: exit 0, not stored" \
    sh -c "[ $rc = 0 ] && [ $(stored) = 1 ]"
ok "body changed: auth=fail" grep -q 'mail status=unauthenticated .* auth=fail' "$TMP/log"
ok "body changed: in .unauthenticated" is "$(in_folder "$MD/.unauthenticated")" 2

# another organisation signs a report whose contact-info is google's
{ received now; mail reporter.example r4 | sed 's/tlsrpt@reporter.example/tlsrpt@google.example/' |
    sign reporter.example; } >"$M/other-org.eml"
deliver "$M/other-org.eml"
ok "a signature by another organisation: not stored" \
    sh -c "[ $rc = 0 ] && [ $(stored) = 1 ]"
ok "another organisation: permerror, named" \
    grep -q 'mail status=unauthenticated .* auth=permerror .*google.example' "$TMP/log"

# DNS trouble: a timeout within the grace period defers, with nothing
# archived; past it the mail is set aside and the delivery succeeds
{ received now; mail timeout.example t1 | sign timeout.example; } >"$M/timeout.eml"
deliver "$M/timeout.eml"
ok "DNS timeout within the grace: exit 75" is "$rc" 75
ok "DNS timeout: the 4.3.0 line says why" \
    grep -q '^4\.3\.0 tlsrpt-ingest: cannot authenticate the mail yet' "$TMP/out"
ok "DNS timeout: nothing archived, nothing left in tmp/" sh -c \
    "[ \$(find '$MD' -type f | wc -l) = 4 ]"
{ received 'Mon, 30 Nov 2026 08:00:00 +0000'; mail timeout.example t2 | sign timeout.example; } >"$M/timeout-old.eml"
deliver "$M/timeout-old.eml"
ok "DNS timeout past the grace: exit 0" is "$rc" 0
ok "past the grace: in .unauthenticated as temperror" sh -c \
    "[ $(in_folder "$MD/.unauthenticated") = 4 ] && grep -q 'auth=temperror .*retried for' '$TMP/log'"
{ mail timeout.example t3 | sign timeout.example; } >"$M/timeout-norcvd.eml"
deliver "$M/timeout-norcvd.eml"
ok "no Received field to count the grace from: set aside, exit 0" \
    sh -c "[ $rc = 0 ] && grep -q 'no Received field' '$TMP/log'"
{ received now; mail refused.example s1 | sign refused.example; } >"$M/servfail.eml"
deliver "$M/servfail.eml"
ok "SERVFAIL within the grace: exit 75" is "$rc" 75

# Taking set-aside mail back: the key of later.example is published
# after its mail was set aside
{ received now; mail later.example l1 | sign later.example; } >"$M/later.eml"
deliver "$M/later.eml"
ok "no key yet: set aside (permerror)" \
    sh -c "[ $rc = 0 ] && grep -q 'auth=permerror' '$TMP/log'"
unbound_stop
{ cat "$Z"; ub_txt sel1._domainkey.later.example "$rec_later"; } >"$Z.2"
unbound_start "$Z.2"
printf '[dns]\nresolver = %s\ntimeout = %s\ntrust-anchor =\n' \
    "$UB_SERVER" "$DNS_TIMEOUT" >"$CONF"
set +e
$VALGRIND "$INGEST" -c "$CONF" --log=stderr --store "$DB" \
    "$MD/.unauthenticated" >"$TMP/out" 2>"$TMP/log"
rc=$?
set -e
ok "re-verifying .unauthenticated: exit 0" is "$rc" 0
ok "re-verifying: what now passes is stored" is "$(stored)" 2
ok "re-verifying: the rest stays set aside, logged" \
    grep -q 'status=unauthenticated' "$TMP/log"
set +e
"$INGEST" -c "$CONF" --log=stderr --store "$DB" "$MD/.unauthenticated" \
    >"$TMP/out" 2>"$TMP/log"
set -e
ok "re-verifying again stores nothing twice" sh -c \
    "[ $(stored) = 2 ] && grep -q 'report status=duplicate .* auth=pass' '$TMP/log'"

# [trust] domains
printf '[trust]\ndomains = example.org\n[dns]\nresolver = %s\ntrust-anchor =\n' \
    "$UB_SERVER" >"$CONF"
{ received now; mail reporter.example d1 | sign reporter.example; } >"$M/foreign.eml"
deliver "$M/foreign.eml"
ok "a report for another domain: exit 0, not stored" \
    sh -c "[ $rc = 0 ] && [ $(stored) = 2 ]"
ok "another domain: the part line says why, the mail goes to .rejected" \
    sh -c "grep -q 'part status=rejected .*not one of our domains' '$TMP/log' && [ $(in_folder "$MD/.rejected") = 1 ]"
printf '[trust]\ndomains = mx.example.net, Example.COM.\n[dns]\nresolver = %s\ntrust-anchor =\n' \
    "$UB_SERVER" >"$CONF"
{ received now; mail reporter.example d2 | sign reporter.example; } >"$M/ours.eml"
deliver "$M/ours.eml"
ok "a report for one of our domains is stored" is "$(stored)" 3

# [trust] authserv-id: the local MTA's Authentication-Results
printf '[trust]\nauthserv-id = mx.example.com\n' >"$CONF"
{
	echo 'Authentication-Results: mx.example.com;'
	echo '	dkim=pass (2048-bit key; unprotected) header.d=reporter.example header.s=sel1 header.b=abc'
	received now
	mail reporter.example a1
} >"$M/ar.eml"
deliver "$M/ar.eml"
ok "authserv-id: the local MTA's pass is trusted" sh -c \
    "[ $rc = 0 ] && [ $(stored) = 4 ] && grep -q 'auth=pass auth_method=authentication-results auth_domain=reporter.example' '$TMP/log'"
{
	received now
	echo 'Authentication-Results: mx.example.com; dkim=fail header.d=reporter.example'
	echo 'Subject: hello'
	echo 'Authentication-Results: mx.example.com; dkim=pass header.d=reporter.example'
	mail reporter.example a2 | sed '/^Subject/d'
} >"$M/ar-forged.eml"
deliver "$M/ar-forged.eml"
ok "authserv-id: a forged pass below the local fail is not read" sh -c \
    "[ $rc = 0 ] && [ $(stored) = 4 ] && grep -q 'auth=fail auth_method=authentication-results' '$TMP/log'"

# dkim = off, for the lab and old mail
printf '[trust]\ndkim = off\n' >"$CONF"
{ mail unsigned.example o1; } >"$M/off.eml"
deliver "$M/off.eml"
ok "dkim = off: stored, marked as not authenticated" sh -c \
    "[ $rc = 0 ] && [ $(stored) = 5 ] && grep -q 'report status=stored .* auth=none auth_method=none' '$TMP/log'"
done_testing
