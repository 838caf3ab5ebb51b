#!/bin/sh
#
# gen.sh: regenerate the digest fixtures: four weeks of TLS reports
# (2026-10-05 .. 2026-11-01) for three domains, as bare report files in
# reports/, from which tests/e2e/95-digest.t fills a store.
#
#     sh tests/data/digest/gen.sh
#
# Our own fictional data: example.com/.org/.net, documentation addresses
# (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).  "Google Inc." and
# "Microsoft Corporation" only say whose report format an entry imitates
# (doc/rfc8460.md, '7. Real senders'): Google daily with mx-host and no
# failure-details when clean; Microsoft on some days only, STS and TLSA
# side by side with the same counts and the TLSA RRset double-encoded, no
# mx-host.
#
# The story the goldens tell (digest of the week of 2026-10-26):
#   example.com  MTA-STS testing.  Week 4: certificate-host-mismatch at
#                mail2.example.com only (Google and Microsoft; Microsoft's
#                repeated under its TLSA policy), one starttls-not-
#                supported day, an unknown result type, an
#                sts-policy-fetch-error without MX; weeks 1-3 only
#                noise.  mx.example.net reported daily until 2026-10-16,
#                then fell silent.
#   example.org  certificate-expired at mx2.example.org until
#                2026-10-17, clean since, two reporters: ready for
#                enforce in week 4, not yet in week 3.  One Google policy
#                has trailing CRs (2022 quirk).
#   example.net  mode enforce, reported in week 4 only; a hostile
#                reporter whose strings hold markup, CR LF and a header.
#
# Deterministic: fixed dates, counts from arithmetic, no randomness.
# Needs GNU date (date -u -d @N).  The files are committed; tests never
# run this script.
set -eu
LC_ALL=C
export LC_ALL

case $0 in
*/*)	cd "${0%/*}" ;;
esac
rm -rf reports
mkdir reports

BASE=1791158400 # 2026-10-05T00:00:00Z, a Monday
DAY=86400

day() { date -u -d "@$(($BASE + $1 * $DAY))" +%Y-%m-%d; }

# out SUBMITTER DOMAIN N: the file name of a report for day N.  Not the
# RFC 8460 §5.1 name: with the path it would pass the 99 characters that
# "make dist" (tar-v7) keeps.
out() {
	echo "reports/$(day "$3")-$1-$2.json"
}

sts_string() { # DOMAIN MODE MX...
	d=$1 m=$2
	shift 2
	printf '["version: STSv1","mode: %s"' "$m"
	for mx; do printf ',"mx: %s"' "$mx"; done
	printf ',"max_age: 604800"]'
}

# fd TYPE COUNT [MX] [RIP] [SIP] [REASON]: one failure-details entry
fd() {
	printf '{"result-type":"%s"' "$1"
	[ -z "${3:-}" ] || printf ',"receiving-mx-hostname":"%s"' "$3"
	[ -z "${4:-}" ] || printf ',"receiving-ip":"%s"' "$4"
	[ -z "${5:-}" ] || printf ',"sending-mta-ip":"%s"' "$5"
	printf ',"failed-session-count":%d' "$2"
	[ -z "${6:-}" ] || printf ',"failure-reason-code":"%s"' "$6"
	printf '}'
}

# report ORG CONTACT ID N POLICIES
report() {
	d=$(day "$4")
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"%s","report-id":"%s","policies":[%s]}\n' \
	    "$1" "$d" "$d" "$2" "$3" "$5"
}

# ---- Google Inc. ----------------------------------------------------
n=0
while [ $n -lt 28 ]; do
	d=$(day $n)
	# example.com
	ok=$((1500 + n * 37 % 211))
	fds= bad=0
	if [ $n -ge 21 ]; then
		a=$((20 + n % 5 * 3)) b=$((10 + n % 3))
		fds="$(fd certificate-host-mismatch $a mail2.example.com 192.0.2.25 198.51.100.10),$(fd certificate-host-mismatch $b mail2.example.com 192.0.2.25 198.51.100.11)"
		bad=$((a + b))
	elif [ $((n % 4)) -eq 1 ]; then
		fds=$(fd certificate-host-mismatch 3 mail2.example.com 192.0.2.25 198.51.100.10)
		bad=3
	fi
	if [ $n -eq 23 ]; then
		fds="$fds,$(fd starttls-not-supported 12 mail2.example.com 192.0.2.25 198.51.100.12)"
		bad=$((bad + 12))
	fi
	if [ $n -eq 25 ]; then
		fds="$fds,$(fd certificate-revoked 2 mail2.example.com 192.0.2.25 198.51.100.10 'OCSP: certificate revoked')"
		bad=$((bad + 2))
	fi
	pol="{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":$(sts_string example.com testing mx1.example.com mail2.example.com),\"policy-domain\":\"example.com\",\"mx-host\":[\"mx1.example.com\",\"mail2.example.com\"]},\"summary\":{\"total-successful-session-count\":$ok,\"total-failure-session-count\":$bad}"
	[ -z "$fds" ] || pol="$pol,\"failure-details\":[$fds]"
	report "Google Inc." smtp-tls-reporting@google.com \
	    "${d}T00:00:00Z_example.com" $n "$pol}" \
	    >"$(out google.com example.com $n)"

	# example.org
	ok=$((800 + n * 13 % 97))
	fds= bad=0
	if [ $n -le 12 ]; then
		fds=$(fd certificate-expired 25 mx2.example.org 192.0.2.80 198.51.100.10 X509_V_ERR_CERT_HAS_EXPIRED)
		bad=25
	fi
	if [ $n -eq 20 ]; then
		ps='["version: STSv1\r","mode: testing\r","mx: mx1.example.org\r","mx: mx2.example.org\r","max_age: 604800\r"]'
	else
		ps=$(sts_string example.org testing mx1.example.org mx2.example.org)
	fi
	pol="{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":$ps,\"policy-domain\":\"example.org\",\"mx-host\":[\"mx1.example.org\",\"mx2.example.org\"]},\"summary\":{\"total-successful-session-count\":$ok,\"total-failure-session-count\":$bad}"
	[ -z "$fds" ] || pol="$pol,\"failure-details\":[$fds]"
	report "Google Inc." smtp-tls-reporting@google.com \
	    "${d}T00:00:00Z_example.org" $n "$pol}" \
	    >"$(out google.com example.org $n)"

	# example.net: week 4 only, mode enforce
	if [ $n -ge 21 ]; then
		ok=$((300 + n))
		fds= bad=0
		if [ $n -eq 24 ]; then
			fds=$(fd sts-webpki-invalid 5)
			bad=5
		fi
		pol="{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":$(sts_string example.net enforce mx.example.net),\"policy-domain\":\"example.net\",\"mx-host\":[\"mx.example.net\"]},\"summary\":{\"total-successful-session-count\":$ok,\"total-failure-session-count\":$bad}"
		[ -z "$fds" ] || pol="$pol,\"failure-details\":[$fds]"
		report "Google Inc." smtp-tls-reporting@google.com \
		    "${d}T00:00:00Z_example.net" $n "$pol}" \
		    >"$(out google.com example.net $n)"
	fi
	n=$((n + 1))
done

# ---- Microsoft Corporation: only on days it delivered mail -----------
TLSA='["[\"3 1 1 6A1F0C3E9D7B5A4C2E8F1D3B5A7C9E0F2A4C6E8B0D2F4A6C8E0B2D4F6A8C0E2D\",\"3 1 1 0B2D4F6A8C0E2F4A6C8E0B2D4F6A8C0E2D4F6A8C0E2B4D6F8A0C2E4B6D8F0A2C\"]"]'
id=133420000000000000
for n in 0 2 3 6 8 9 12 15 16 19 22 23 26; do
	ok=$((400 + n * 29 % 53))
	fds= bad=0
	if [ $n -ge 21 ]; then
		fds=$(fd certificate-host-mismatch 8 mail2.example.com 192.0.2.25 203.0.113.40)
		bad=8
	fi
	sfds=$fds sbad=$bad
	if [ $n -eq 22 ]; then
		sfds="$fds,$(fd sts-policy-fetch-error 4)"
		sbad=$((bad + 4))
	fi
	sts="{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":$(sts_string example.com testing mx1.example.com mail2.example.com),\"policy-domain\":\"example.com\"},\"summary\":{\"total-successful-session-count\":$ok,\"total-failure-session-count\":$sbad}"
	[ -z "$sfds" ] || sts="$sts,\"failure-details\":[$sfds]"
	tlsa="{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":$TLSA,\"policy-domain\":\"mx1.example.com\"},\"summary\":{\"total-successful-session-count\":$ok,\"total-failure-session-count\":$bad}"
	[ -z "$fds" ] || tlsa="$tlsa,\"failure-details\":[$fds]"
	id=$((id + 864000000000))
	report "Microsoft Corporation" tlsrpt-noreply@microsoft.com \
	    "$id+example.com" $n "$sts},$tlsa}" \
	    >"$(out microsoft.com example.com $n)"
done
for n in 1 4 7 10 14 18 21 24 27; do
	ok=$((200 + n))
	fds= bad=0
	if [ $n -le 12 ]; then
		fds=$(fd certificate-expired 6 mx2.example.org 192.0.2.80 203.0.113.40)
		bad=6
	fi
	pol="{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":$(sts_string example.org testing mx1.example.org mx2.example.org),\"policy-domain\":\"example.org\"},\"summary\":{\"total-successful-session-count\":$ok,\"total-failure-session-count\":$bad}"
	[ -z "$fds" ] || pol="$pol,\"failure-details\":[$fds]"
	id=$((id + 864000000000))
	report "Microsoft Corporation" tlsrpt-noreply@microsoft.com \
	    "$id+example.org" $n "$pol}" \
	    >"$(out microsoft.com example.org $n)"
done

# ---- mx.example.net (Postfix + sys4 reporter): stops after 2026-10-16 --
n=0
while [ $n -le 11 ]; do
	d=$(day $n)
	pol="{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":$(sts_string example.com testing mx1.example.com mail2.example.com),\"policy-domain\":\"example.com\",\"mx-host\":[\"mx1.example.com\",\"mail2.example.com\"]},\"summary\":{\"total-successful-session-count\":$((50 + n)),\"total-failure-session-count\":0},\"failure-details\":[]}"
	report mx.example.net tlsrpt@mx.example.net \
	    "${d}T00:00:00Z_idx1_example.com" $n "$pol" \
	    >"$(out mx.example.net example.com $n)"
	n=$((n + 1))
done

# ---- a hostile reporter: markup, CR LF and a header in its strings ---
cat >"$(out evil.example example.net 26)" <<'EOF'
{"organization-name":"Evil <script>alert(1)</script>\r\nX-Injected: yes","date-range":{"start-datetime":"2026-10-31T00:00:00Z","end-datetime":"2026-10-31T23:59:59Z"},"contact-info":"evil@example.net\r\nBcc: victim@example.org","report-id":"<script>alert('id')</script>","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: <img src=x onerror=alert(2)>"],"policy-domain":"example.net","mx-host":["mx.example.net"]},"summary":{"total-successful-session-count":10,"total-failure-session-count":3},"failure-details":[{"result-type":"validation-failure","receiving-mx-hostname":"<img src=x onerror=alert(3)>","sending-mta-ip":"203.0.113.66","failed-session-count":3,"failure-reason-code":"<b>bold</b>\r\nSubject: injected"}]}]}
EOF
