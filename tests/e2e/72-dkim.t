#!/bin/sh
# trust/dkim.c against real parts: keys made now (opendkim-genkey,
# dknewkey), mails signed now (python3-dkim), the keys served by a local
# unbound (unbound-lib.sh); tests/unit/test-dkim verifies each mail
# under $VALGRIND and prints one line, checked here.
#
# Zones:
#	reporter.example	static: the keys (RSA-2048, -1024, -512,
#				ed25519; s=email, s=tlsrpt, s=*, p= revoked,
#				two records), mail.reporter.example's key
#	other.example		static: a key of another organisation
#	timeout.example		deny: silence, a timeout
#	refused.example		refuse: SERVFAIL at libunbound
#	dnssec.example		signed (ldns), served as an auth-zone
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"

TD="$top_builddir/tests/unit/test-dkim"
PY=/usr/bin/python3

for t in opendkim-genkey dknewkey openssl; do
	if ! command -v "$t" >/dev/null 2>&1; then
		skip "$t is not installed"
		done_testing
		exit 0
	fi
done
if ! "$PY" -c 'import dkim' 2>/dev/null; then
	skip "$PY has no module dkim (python3-dkim)"
	done_testing
	exit 0
fi

ok "dkim_org_aligned (test-dkim without arguments)" \
    sh -c "$VALGRIND '$TD' >'$TMP/pure.out'"
grep '^not ok' "$TMP/pure.out" || :

# ---- keys ----
K="$TMP/keys"
mkdir -p "$K"
# rsa BITS NAME: NAME.private, and the public key (base64) in NAME.pub
rsa() {
	opendkim-genkey -b "$1" -D "$K" -d reporter.example -s "$2" \
	    >/dev/null 2>&1 || return 1
	openssl rsa -in "$K/$2.private" -pubout -outform DER 2>/dev/null |
	    base64 | tr -d '\n' >"$K/$2.pub"
	[ -s "$K/$2.pub" ]
}
rsa 2048 r2048
rsa 1024 r1024
have512=1
rsa 512 r512 || have512=
(cd "$K" && dknewkey --ktype ed25519 ed >/dev/null 2>&1)
sed 's/.*p=//' "$K/ed.dns" >"$K/ed.pub"
P2048=$(cat "$K/r2048.pub")

# ---- signing ----
# sign.py IN OUT SEL DOMAIN KEY [a=ALG] [l] [h=H:H:...]: sign a CRLF copy
# (python3-dkim signs LF input wrongly, doc/trust.md, '6. Test lab'), write
# OUT with LF line ends.
cat >"$TMP/sign.py" <<'EOF'
import sys, dkim
inp, out, sel, dom, keyf = sys.argv[1:6]
alg, length = b"rsa-sha256", False
hdrs = [b"from", b"to", b"subject", b"date", b"message-id",
        b"mime-version", b"content-type", b"tls-report-domain",
        b"tls-report-submitter"]
for a in sys.argv[6:]:
    if a.startswith("a="):
        alg = a[2:].encode()
    elif a == "l":
        length = True
    elif a.startswith("h="):
        hdrs = [h.encode() for h in a[2:].split(":")]
msg = open(inp, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
sig = dkim.sign(msg, sel.encode(), dom.encode(), open(keyf, "rb").read(),
                signature_algorithm=alg, length=length,
                include_headers=hdrs)
open(out, "wb").write((sig + msg).replace(b"\r\n", b"\n"))
EOF
# sign IN OUT SEL DOMAIN KEYNAME [ARGS]
sign() {
	_k=$K/$5.private
	[ -f "$_k" ] || _k=$K/$5.key
	_in=$1 _out=$2 _sel=$3 _dom=$4
	shift 5
	"$PY" "$TMP/sign.py" "$_in" "$_out" "$_sel" "$_dom" "$_k" "$@"
}

# ---- the report mail ----
M="$TMP/mail"
mkdir -p "$M"
printf '{"organization-name":"Reporter","date-range":{"start-datetime":"2026-10-20T00:00:00Z","end-datetime":"2026-10-20T23:59:59Z"},"contact-info":"tlsrpt@reporter.example","report-id":"dkim-1","policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":5,"total-failure-session-count":0}}]}' |
    gzip -n | base64 >"$TMP/report.b64"
{
	printf '%s\n' 'Date: Wed, 21 Oct 2026 04:12:07 +0000' \
	    'From: TLS Reports <noreply@reporter.example>' \
	    'To: tlsrpt@example.com' \
	    'Subject: Report Domain: example.com Submitter: reporter.example' \
	    'Message-ID: <dkim-1@reporter.example>' \
	    'TLS-Report-Domain: example.com' \
	    'TLS-Report-Submitter: reporter.example' \
	    'MIME-Version: 1.0' \
	    'Content-Type: multipart/report; report-type=tlsrpt; boundary="b1"' \
	    '' '--b1' 'Content-Type: text/plain' '' \
	    'An aggregate TLS report from reporter.example.' '' '--b1' \
	    'Content-Type: application/tlsrpt+gzip' \
	    'Content-Disposition: attachment; filename="reporter.example!example.com!1792454400!1792540799!dkim-1.json.gz"' \
	    'Content-Transfer-Encoding: base64' ''
	cat "$TMP/report.b64"
	printf '%s\n' '' '--b1--'
} >"$M/plain.eml"

# ---- zones ----
Z="$TMP/zones.conf"
{
	echo 'local-zone: "reporter.example." static'
	ub_txt r2048._domainkey.reporter.example "v=DKIM1; k=rsa; p=$P2048"
	ub_txt r1024._domainkey.reporter.example \
	    "v=DKIM1; k=rsa; p=$(cat "$K/r1024.pub")"
	[ -z "$have512" ] ||
	    ub_txt r512._domainkey.reporter.example \
		"v=DKIM1; k=rsa; p=$(cat "$K/r512.pub")"
	ub_txt ed._domainkey.reporter.example \
	    "v=DKIM1; k=ed25519; p=$(cat "$K/ed.pub")"
	ub_txt semail._domainkey.reporter.example \
	    "v=DKIM1; k=rsa; s=email; p=$P2048"
	ub_txt stlsrpt._domainkey.reporter.example \
	    "v=DKIM1; k=rsa; s=tlsrpt; p=$P2048"
	ub_txt sstar._domainkey.reporter.example \
	    "v=DKIM1; k=rsa; s=*; p=$P2048"
	ub_txt sboth._domainkey.reporter.example \
	    "v=DKIM1; k=rsa; s = email : tlsrpt ; p=$P2048"
	ub_txt sother._domainkey.reporter.example \
	    "v=DKIM1; k=rsa; s=other; p=$P2048"
	ub_txt revoked._domainkey.reporter.example "v=DKIM1; k=rsa; p="
	ub_txt twice._domainkey.reporter.example "v=DKIM1; k=rsa; p=$P2048"
	ub_txt twice._domainkey.reporter.example "v=DKIM1; p=$P2048"
	ub_txt r2048._domainkey.mail.reporter.example \
	    "v=DKIM1; k=rsa; p=$P2048"
	echo "local-data: 'nodata._domainkey.reporter.example. 300 IN A 192.0.2.1'"
	echo 'local-zone: "other.example." static'
	ub_txt r2048._domainkey.other.example "v=DKIM1; k=rsa; p=$P2048"
	echo 'local-zone: "timeout.example." deny'
	echo 'local-zone: "refused.example." refuse'
} >"$Z"
# DNSSEC: the key in a signed zone, its DS, and a DS with a wrong digest
ds=
printf '%s\n' '$ORIGIN dnssec.example.' '$TTL 300' \
    '@ SOA ns.dnssec.example. host.dnssec.example. 1 3600 600 86400 300' \
    '@ NS ns.dnssec.example.' 'ns A 127.0.0.1' >"$TMP/dnssec.zone"
ub_txt r2048._domainkey.dnssec.example "v=DKIM1; k=rsa; p=$P2048" |
    sed "s/^local-data: '//; s/'\$//" >>"$TMP/dnssec.zone"
if ds=$(ub_sign_zone dnssec.example "$TMP/dnssec.zone" 2>/dev/null); then
	awk '{ d = $NF; gsub(/./, "0", d); $NF = d; print }' "$ds" \
	    >"$TMP/bad.ds"
	ub_auth_zone dnssec.example "$TMP/dnssec.zone.signed" >>"$Z"
else
	ds=
fi
if ! unbound_start "$Z"; then
	skip "unbound did not start"
	done_testing
	exit 0
fi

# verify MAIL DOMAIN [TIMEOUT_MS [ANCHOR]]: $line, $ms, $vrc
verify() {
	set +e
	$VALGRIND "$TD" "$UB_SERVER" "$@" >"$TMP/v.out" 2>"$TMP/v.err"
	vrc=$?
	set -e
	line=$(cat "$TMP/v.out")
	ms=$(sed -n 's/^elapsed_ms=//p' "$TMP/v.err")
	echo "# $line"
}
# has PATTERN...: $line holds every pattern, test-dkim exited 0
has() {
	[ "$vrc" = 0 ] || {
		echo "test-dkim exited $vrc"
		cat "$TMP/v.err"
		return 1
	}
	for _p; do
		case $line in
		*"$_p"*) ;;
		*)
			echo "got:  $line"
			echo "want: $_p"
			return 1
			;;
		esac
	done
}
CASE_MS=2000
[ -z "$VALGRIND" ] || CASE_MS=8000
# case DESC MAIL DOMAIN PATTERN...: verify (2 s timeout; 8 s under
# valgrind, where an answer on a loaded machine can take seconds) and
# check
case_() {
	_d=$1 _m=$2 _dom=$3
	shift 3
	verify "$_m" "$_dom" "$CASE_MS"
	ok "$_d" has "$@"
}

S=$M/plain.eml
sign "$S" "$M/r2048.eml" r2048 reporter.example r2048
case_ "RSA-2048: pass" "$M/r2048.eml" reporter.example \
    'result=pass domain=reporter.example selector=r2048 algorithm=rsa-sha256 bits=2048 dnssec=insecure reason=""'
pass_ms=$ms

sign "$S" "$M/r1024.eml" r1024 reporter.example r1024
case_ "RSA-1024: pass" "$M/r1024.eml" reporter.example \
    'result=pass' 'selector=r1024' 'bits=1024'

if [ -n "$have512" ]; then
	sign "$S" "$M/r512.eml" r512 reporter.example r512
	case_ "RSA-512: permerror, key too small" "$M/r512.eml" \
	    reporter.example 'result=permerror' 'selector=r512' \
	    'key too small'
else
	skip "opendkim-genkey made no 512-bit key"
fi

sign "$S" "$M/ed.eml" ed reporter.example ed a=ed25519-sha256
case_ "ed25519-sha256: pass, bits 0" "$M/ed.eml" reporter.example \
    'result=pass domain=reporter.example selector=ed algorithm=ed25519-sha256 bits=0 dnssec=insecure reason=""'

sign "$S" "$M/semail.eml" semail reporter.example r2048
case_ "key s=email: pass with a note" "$M/semail.eml" reporter.example \
    'result=pass' 'selector=semail' \
    'reason="key s=email, not tlsrpt (RFC 8460 §3 allows ignoring)"'

sign "$S" "$M/stlsrpt.eml" stlsrpt reporter.example r2048
case_ "key s=tlsrpt only (RFC 8460 §3 sample): pass" "$M/stlsrpt.eml" \
    reporter.example 'result=pass' 'selector=stlsrpt' 'reason=""'

sign "$S" "$M/sstar.eml" sstar reporter.example r2048
case_ "key s=*: pass" "$M/sstar.eml" reporter.example 'result=pass' \
    'selector=sstar' 'reason=""'

sign "$S" "$M/sboth.eml" sboth reporter.example r2048
case_ "key 's = email : tlsrpt': pass without a note" "$M/sboth.eml" \
    reporter.example 'result=pass' 'selector=sboth' 'reason=""'

sign "$S" "$M/sother.eml" sother reporter.example r2048
case_ "key s=other: permerror" "$M/sother.eml" reporter.example \
    'result=permerror' 'selector=sother' 'key not for email or tlsrpt'

sign "$S" "$M/other.eml" r2048 other.example r2048
case_ "d= of another organisation: permerror" "$M/other.eml" \
    reporter.example 'result=permerror domain=other.example' \
    'not in the organisational domain of reporter.example' 'dnssec=-'
case_ "... the same mail for other.example: pass" "$M/other.eml" \
    other.example 'result=pass domain=other.example'

sign "$S" "$M/sub.eml" r2048 mail.reporter.example r2048
case_ "d=mail.reporter.example for reporter.example: pass" "$M/sub.eml" \
    reporter.example 'result=pass domain=mail.reporter.example'

sed 's/An aggregate TLS report/An aggregate TLS REPORT/' "$M/r2048.eml" \
    >"$M/body.eml"
case_ "body changed after signing: fail" "$M/body.eml" reporter.example \
    'result=fail domain=reporter.example selector=r2048' \
    'reason="signature by reporter.example (s=r2048): body changed after signing"'

sed 's/^Subject: Report Domain/Subject: Fake Domain/' "$M/r2048.eml" \
    >"$M/subject.eml"
case_ "a signed header changed: fail" "$M/subject.eml" reporter.example \
    'result=fail' 'selector=r2048' 'signature does not verify'

sign "$S" "$M/l.eml" r2048 reporter.example r2048 l
sed 's/^--b1--$/--b1--\nJunk appended after signing./' "$M/l.eml" \
    >"$M/ljunk.eml"
case_ "l= with junk appended: permerror" "$M/ljunk.eml" reporter.example \
    'result=permerror' 'l= signs only part of the body'

sign "$S" "$M/sha1.eml" r2048 reporter.example r2048 a=rsa-sha1
case_ "rsa-sha1: permerror" "$M/sha1.eml" reporter.example \
    'result=permerror' 'algorithm=rsa-sha1' 'rsa-sha1 is not accepted'

sign "$S" "$M/nokey.eml" missing reporter.example r2048
case_ "no key (NXDOMAIN): permerror" "$M/nokey.eml" reporter.example \
    'result=permerror' 'selector=missing' \
    'no key at missing._domainkey.reporter.example (no such name)'

sign "$S" "$M/nodata.eml" nodata reporter.example r2048
case_ "no key (NODATA): permerror" "$M/nodata.eml" reporter.example \
    'result=permerror' 'no TXT record'

sign "$S" "$M/revoked.eml" revoked reporter.example r2048
case_ "revoked key (empty p=): permerror" "$M/revoked.eml" \
    reporter.example 'result=permerror' 'key revoked'

sign "$S" "$M/twice.eml" twice reporter.example r2048
case_ "two key records: permerror" "$M/twice.eml" reporter.example \
    'result=permerror' '2 key records'

sed 's/^From: TLS Reports.*/&\nFrom: someone@else.example/' \
    "$M/r2048.eml" >"$M/from2.eml"
case_ "two From fields: permerror" "$M/from2.eml" reporter.example \
    'result=permerror' 'malformed header'

case_ "no signature: none" "$S" reporter.example 'result=none' \
    'no DKIM signature'

{
	echo 'DKIM-Signature: v=1; a=rsa-sha256; this is not a tag list'
	cat "$S"
} >"$M/garbage.eml"
case_ "a DKIM-Signature field that does not parse: permerror" \
    "$M/garbage.eml" reporter.example 'result=permerror'

{
	echo 'From reports@reporter.example  Wed Oct 21 04:12:09 2026'
	echo 'Return-Path: <reports@reporter.example>'
	echo 'X-Original-To: tlsrpt@example.com'
	echo 'Delivered-To: tlsrpt@example.com'
	cat "$M/r2048.eml"
} >"$M/mbox.eml"
case_ "mbox From_ line, trace fields, LF: pass" "$M/mbox.eml" \
    reporter.example 'result=pass' 'selector=r2048'

sed 's/$/\r/' "$M/r2048.eml" >"$M/crlf.eml"
case_ "CRLF line ends: pass" "$M/crlf.eml" reporter.example \
    'result=pass' 'selector=r2048'

sign "$S" "$M/timeout.eml" r2048 timeout.example r2048
verify "$M/timeout.eml" timeout.example 1000
ok "DNS timeout: temperror" has 'result=temperror domain=timeout.example' \
    'key lookup of r2048._domainkey.timeout.example timed out'
ok "... after about the 1 s timeout (${ms} ms)" \
    test "${ms:-0}" -ge 900 -a "${ms:-0}" -lt 6000

sign "$S" "$M/refused.eml" r2048 refused.example r2048
case_ "SERVFAIL: temperror" "$M/refused.eml" refused.example \
    'result=temperror domain=refused.example' 'DNS server failure'

# several signatures: dead domains of other organisations, a good one
sign "$M/r2048.eml" "$M/multi1.eml" r2048 timeout.example r2048
sign "$M/multi1.eml" "$M/multi2.eml" r2048 refused.example r2048
sign "$M/multi2.eml" "$M/multi3.eml" dead1 timeout.example r2048
sign "$M/multi3.eml" "$M/multi.eml" dead2 timeout.example r2048
verify "$M/multi.eml" reporter.example 5000
ok "4 dead signatures of other organisations + a good one: pass" \
    has 'result=pass domain=reporter.example selector=r2048'
ok "... without a lookup of the dead ones (${ms} ms; one pass took ${pass_ms} ms; the timeout is 5000 ms)" \
    test "${ms:-99999}" -lt 4000
sign "$M/nokey.eml" "$M/mixed.eml" r2048 other.example r2048
case_ "no key + another organisation's pass: permerror, no key" \
    "$M/mixed.eml" reporter.example 'result=permerror' 'selector=missing' \
    'no key at'
# the lookup cap: 3 aligned signatures without a key above the good one
sign "$M/r2048.eml" "$M/cap1.eml" gone1 reporter.example r2048
sign "$M/cap1.eml" "$M/cap2.eml" gone2 reporter.example r2048
sign "$M/cap2.eml" "$M/cap.eml" gone3 reporter.example r2048
case_ "4 aligned signatures: only 3 looked up" "$M/cap.eml" \
    reporter.example 'result=permerror' 'no key at gone'
sign "$M/cap1.eml" "$M/cap3.eml" gone2 reporter.example r2048
case_ "3 aligned signatures, the good one last: pass" "$M/cap3.eml" \
    reporter.example 'result=pass' 'selector=r2048'
sign "$M/r2048.eml" "$M/tmix.eml" r2048 timeout.example r2048
verify "$M/tmix.eml" timeout.example 1000
ok "temperror wins over another organisation's pass" \
    has 'result=temperror domain=timeout.example'

# DNSSEC
if [ -n "$ds" ]; then
	sign "$S" "$M/dnssec.eml" r2048 dnssec.example r2048
	verify "$M/dnssec.eml" dnssec.example 2000 "$ds"
	ok "key in a signed zone: pass, dnssec=secure" \
	    has 'result=pass domain=dnssec.example' 'dnssec=secure'
	verify "$M/dnssec.eml" dnssec.example 2000 "$TMP/bad.ds"
	ok "the same with a wrong DS: temperror, dnssec=bogus" \
	    has 'result=temperror' 'dnssec=bogus' 'DNSSEC validation'
	verify "$M/r2048.eml" reporter.example 2000 "$ds"
	ok "a key outside the anchor: pass, dnssec=insecure" \
	    has 'result=pass' 'dnssec=insecure'
else
	skip "no DNSSEC (ldns-keygen or ldns-signzone missing)"
fi

done_testing
