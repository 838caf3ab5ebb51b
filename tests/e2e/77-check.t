#!/bin/sh
# tlsrpt check against a real unbound serving test zones (unbound-lib.sh),
# and later stages against a real nginx (https-lib.sh's CA): each
# misconfiguration of the DNS records and MX sets gives its finding, a
# clean domain gives none, an unreachable DNS gives exit 75.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"
. "$top_srcdir/tests/e2e/https-lib.sh"
. "$top_srcdir/tests/e2e/check-lib.sh"

# The policy cases (nginx): NAME of NAME.example, each with its own
# server block; every other mta-sts.*.example gets the default policy
# (enforce, mx1.clean.example) from the default server.
pcases="p2name p2exp p2self p2soon p3redir p3404 p4 p5 p5chunk c2 c5 m2 m2t"

rua='v=TLSRPTv1; rua=mailto:tlsrpt@example.org'
sts='v=STSv1; id=20260101T000000'
Z="$TMP/zones.conf"
# tlsrpt record's output, to be published below: zone lines, the
# policy file and the nginx server block
gen() {
	"$ADMIN" record gen.example --rua mailto:tlsrpt@gen.example \
	    --mx mx1.clean.example --mode enforce --only "$1"
}
gen zone >"$TMP/gen.zone"
gen policy >"$TMP/gen.policy"
gen nginx >"$TMP/gen.nginx"
# zone NAME [MX-HOST]: a domain with good records and one MX
zone() {
	ub_txt "_smtp._tls.$1" "$rua"
	ub_txt "_mta-sts.$1" "$sts"
	echo "local-data: 'mta-sts.$1. 300 IN A 127.0.0.1'"
	echo "local-data: '$1. 300 IN MX 10 ${2:-mx1.$1}.'"
	echo "local-data: '${2:-mx1.$1}. 300 IN A 127.0.0.1'"
}
{
	echo 'local-zone: "example." static'
	zone clean.example
	# T1: nothing at _smtp._tls; T1 wrong place: at the apex
	ub_txt "_mta-sts.t1.example" "$sts"
	echo "local-data: 't1.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "t1apex.example" "$rua"
	echo "local-data: 't1apex.example. 300 IN MX 10 mx1.clean.example.'"
	# T2: two records; T3: wrong case; T4: no scheme, no rua
	ub_txt "_smtp._tls.t2.example" "$rua"
	ub_txt "_smtp._tls.t2.example" "v=TLSRPTv1; rua=mailto:b@example.org"
	echo "local-data: 't2.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "_smtp._tls.t3.example" "V=tlsrptv1; rua=mailto:a@example.org"
	echo "local-data: 't3.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "_smtp._tls.t4.example" "v=TLSRPTv1; rua=tlsrpt@example.org"
	echo "local-data: 't4.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "_smtp._tls.t4b.example" "v=TLSRPTv1;"
	echo "local-data: 't4b.example. 300 IN MX 10 mx1.clean.example.'"
	# S2: two STS records; S3: a hyphen in id; S4: SPF beside it
	ub_txt "_smtp._tls.s2.example" "$rua"
	ub_txt "_mta-sts.s2.example" "$sts"
	ub_txt "_mta-sts.s2.example" "v=STSv1; id=2"
	echo "local-data: 's2.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "_smtp._tls.s3.example" "$rua"
	ub_txt "_mta-sts.s3.example" "v=STSv1; id=2026-01-01"
	echo "local-data: 's3.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "_smtp._tls.s4.example" "$rua"
	ub_txt "_mta-sts.s4.example" "$sts"
	ub_txt "_mta-sts.s4.example" "v=spf1 -all"
	echo "local-data: 's4.example. 300 IN MX 10 mx1.clean.example.'"
	echo "local-data: 'mta-sts.s4.example. 300 IN A 127.0.0.1'"
	# S1: the record behind a CNAME (an alias domain)
	ub_txt "_smtp._tls.alias.example" "$rua"
	echo "local-data: '_mta-sts.alias.example. 300 IN CNAME _mta-sts.clean.example.'"
	echo "local-data: 'alias.example. 300 IN MX 10 mx1.clean.example.'"
	echo "local-data: 'mta-sts.alias.example. 300 IN CNAME mta-sts.clean.example.'"
	# P1: the alias domain's policy host forgotten (mailcow#6733)
	ub_txt "_smtp._tls.alias2.example" "$rua"
	echo "local-data: '_mta-sts.alias2.example. 300 IN CNAME _mta-sts.clean.example.'"
	echo "local-data: 'alias2.example. 300 IN MX 10 mx1.clean.example.'"
	# M1: null MX; null MX beside another; no MX (implicit); nothing;
	# an MX without address; a duplicate MX
	ub_txt "_smtp._tls.nullmx.example" "$rua"
	echo "local-data: 'nullmx.example. 300 IN MX 0 .'"
	ub_txt "_smtp._tls.nullmix.example" "$rua"
	echo "local-data: 'nullmix.example. 300 IN MX 0 .'"
	echo "local-data: 'nullmix.example. 300 IN MX 10 mx1.clean.example.'"
	ub_txt "_smtp._tls.implicit.example" "$rua"
	echo "local-data: 'implicit.example. 300 IN A 127.0.0.1'"
	ub_txt "_smtp._tls.nothing.example" "$rua"
	ub_txt "_smtp._tls.noaddr.example" "$rua"
	echo "local-data: 'noaddr.example. 300 IN MX 10 mx9.noaddr.example.'"
	echo 'local-zone: "timeout.example." deny'
	# tlsrpt record's lines as published, and what it asks for besides
	grep -v '^;' "$TMP/gen.zone" | sed "s/.*/local-data: '&'/"
	echo "local-data: 'mta-sts.gen.example. 300 IN A 127.0.0.1'"
	echo "local-data: 'gen.example. 300 IN MX 10 mx1.clean.example.'"
	# P1: an MTA-STS record without a policy host
	ub_txt "_smtp._tls.p1.example" "$rua"
	ub_txt "_mta-sts.p1.example" "$sts"
	echo "local-data: 'p1.example. 300 IN MX 10 mx1.clean.example.'"
	for c in $pcases; do
		ub_txt "_smtp._tls.$c.example" "$rua"
		ub_txt "_mta-sts.$c.example" "$sts"
		echo "local-data: 'mta-sts.$c.example. 300 IN A 127.0.0.1'"
	done
	for c in $pcases; do
		case $c in
		m2*) ;;
		*) echo "local-data: '$c.example. 300 IN MX 10 mx1.clean.example.'" ;;
		esac
	done
	echo "local-data: 'm2.example. 300 IN MX 10 x.h-v1.mx.m2.example.'"
	echo "local-data: 'm2.example. 300 IN MX 20 mx1.m2.example.'"
	echo "local-data: 'x.h-v1.mx.m2.example. 300 IN A 127.0.0.1'"
	echo "local-data: 'mx1.m2.example. 300 IN A 127.0.0.1'"
	echo "local-data: 'm2t.example. 300 IN MX 10 mx2.m2t.example.'"
	echo "local-data: 'mx2.m2t.example. 300 IN A 127.0.0.1'"
} >"$Z"

# The lab's web side: the CA, the certificates, the policies, nginx
web=
if ck_ca; then
	names="DNS:mta-sts.clean.example"
	for d in t1 t2 t3 t4 t4b s2 s3 s4 alias nullmx nullmix implicit \
	    nothing noaddr p1 gen $pcases; do
		names="$names,DNS:mta-sts.$d.example"
	done
	soon_start=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
	soon_end=$(date -u -d '+5 days' +%Y%m%d%H%M%SZ)
	ck_cert all "$names" && ck_cert wrong "DNS:wrong.example" &&
	    ck_cert expired "DNS:mta-sts.p2exp.example" 20200101000000Z \
		20200201000000Z &&
	    ck_cert soon "DNS:mta-sts.p2soon.example" "$soon_start" "$soon_end" &&
	    ck_selfsigned self "DNS:mta-sts.p2self.example" && web=1
fi
good='version: STSv1\r\nmode: enforce\r\nmx: mx1.clean.example\r\nmax_age: 604800\r\n'
ck_policy default "$good"
ck_policy c2 'version: STSv1\nmode: testing\nmx: mx1.clean.example\nmax_age: 86400\n'
ck_policy c5 'version: STSv1\nmode: enforce\nnmx: mx1.clean.example\nmax_age: 604800\n'
ck_policy m2 'version: STSv1\nmode: enforce\nmx: *.mx.m2.example\nmx: mx1.m2.example\nmx: old.m2.example\nmax_age: 604800\n'
ck_policy m2t 'version: STSv1\nmode: testing\nmx: mx1.m2t.example\nmax_age: 604800\n'
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "# padding line %040d\n", i }' \
    >"$CK_WWW/big.txt"
# server NAME CERT [LOCATION LINES]: one server block
server() {
	echo "server { listen 127.0.0.1:@PORT@ ssl; server_name mta-sts.$1.example;"
	echo "  ssl_certificate @PKI@/$2.pem; ssl_certificate_key @PKI@/$2.key;"
	echo "  location = /.well-known/mta-sts.txt { ${3:-default_type text/plain; alias @WWW@/default.txt;} }"
	echo "  location / { return 404; } }"
}
{
	echo "server { listen 127.0.0.1:@PORT@ ssl default_server; server_name _;"
	echo "  ssl_certificate @PKI@/all.pem; ssl_certificate_key @PKI@/all.key;"
	echo "  location = /.well-known/mta-sts.txt { default_type text/plain; alias @WWW@/default.txt; }"
	echo "  location / { return 404; } }"
	server p2name wrong
	server p2exp expired
	server p2self self
	server p2soon soon
	server p3redir all "return 301 https://www.p3redir.example/mta-sts.txt;"
	server p3404 all "return 404;"
	server p4 all "default_type text/html; alias @WWW@/default.txt;"
	server p5 all "default_type text/plain; alias @WWW@/big.txt;"
	server p5chunk all "default_type text/plain; alias @WWW@/big.txt; sub_filter_types text/plain; sub_filter padding PADDING; sub_filter_once off;"
	for c in c2 c5 m2 m2t; do
		server $c all "default_type text/plain; alias @WWW@/$c.txt;"
	done
	# tlsrpt record's server block, with the lab's port and paths
	sed -e 's/listen 443 ssl;/listen 127.0.0.1:@PORT@ ssl;/' \
	    -e '/listen \[::\]/d' \
	    -e 's|ssl_certificate /etc/[^;]*;|ssl_certificate @PKI@/all.pem;|' \
	    -e 's|ssl_certificate_key /etc/[^;]*;|ssl_certificate_key @PKI@/all.key;|' \
	    -e 's|alias /var/www/mta-sts/mta-sts.txt;|alias @WWW@/gen.txt;|' \
	    "$TMP/gen.nginx"
} >"$TMP/servers.conf"
cp "$TMP/gen.policy" "$CK_WWW/gen.txt"
[ -z "$web" ] || ck_nginx_start "$TMP/servers.conf" || web=


if ! unbound_start "$Z"; then
	skip "unbound is not installed or did not start"
	done_testing
	exit 0
fi
cat >"$TMP/check.conf" <<EOF
[dns]
resolver = $UB_SERVER
timeout = 2s
trust-anchor =
EOF

if [ -z "$web" ]; then
	skip "openssl or nginx missing: no policy fetch (all DNS cases skipped)"
	done_testing
	exit 0
fi

# chk ARGS...: tlsrpt check; output in $TMP/chk.out, status in $crc
chk() {
	set +e
	$VALGRIND "$ADMIN" -c "$TMP/check.conf" check --ca-file "$CK_CA" \
	    --https-port "$CK_HTTPS_PORT" "$@" >"$TMP/chk.out" \
	    2>"$TMP/chk.err"
	crc=$?
	set -e
	return 0
}
# has SEVERITY ID [TEXT]: the text output has that finding
has() {
	grep -E "^    $1 +$2 " "$TMP/chk.out" | grep -qF -- "${3:-}" || {
		echo "no $1 $2 ${3:-} in:"
		cat "$TMP/chk.out" "$TMP/chk.err"
		return 1
	}
}
# case_ DOMAIN STATUS SEVERITY ID TEXT DESCRIPTION
case_() {
	chk --no-smtp "$1"
	ok "$6: exit $2" is "$crc" "$2"
	ok "$6: $3 $4" has "$3" "$4" "$5"
}

chk --no-smtp clean.example
ok "clean: exit 0" is "$crc" 0
ok "clean: verdict ok on the first line" sh -c \
    "head -n 1 '$TMP/chk.out' | grep -qx 'clean.example: ok'"
case_ t1.example 1 error T1 "_smtp._tls.t1.example" "no TLSRPT record"
case_ t1apex.example 1 error T1 "but one at t1apex.example" \
    "TLSRPT record at the apex"
case_ t2.example 1 error T2 "2 TLSRPT records" "two TLSRPT records"
case_ t3.example 1 error T3 "does not start with" "TLSRPT version case"
case_ t4.example 1 error T4 "no scheme" "rua without mailto:"
case_ t4b.example 1 error T4 "no rua" "TLSRPT record without rua"
case_ s2.example 1 error S2 "2 MTA-STS records" "two MTA-STS records"
case_ s3.example 1 error S3 "2026-01-01" "id with hyphens"
case_ s4.example 0 warning S4 "v=spf1" "SPF at _mta-sts"
case_ alias.example 0 info S1 "_mta-sts.clean.example" "_mta-sts CNAME"
case_ nullmx.example 0 info M1 "null MX" "null MX"
case_ nullmix.example 1 error M1 "null MX" "null MX beside an MX"
case_ implicit.example 0 warning M1 "implicit MX" "no MX, an address"
case_ nothing.example 1 error M1 "no MX record and no address" \
    "no MX, no address"
case_ noaddr.example 1 error M1 "mx9.noaddr.example" "MX without address"

# the policy fetch (P*), its content (C*) and the MX coverage (M2, M3)
case_ p1.example 1 error P1 "mta-sts.p1.example does not resolve" \
    "no policy host"
case_ alias2.example 1 error P1 "mta-sts.alias2.example does not resolve" \
    "_mta-sts CNAMEd, policy host forgotten"
case_ p2name.example 1 error P2 "mta-sts.p2name.example" \
    "certificate for another name"
case_ p2exp.example 1 error P2 "expired" "expired certificate"
case_ p2self.example 1 error P2 "self-signed" "self-signed certificate"
case_ p2soon.example 0 warning P2 "expires in 4 day" \
    "certificate expiring in 5 days"
case_ p3redir.example 1 error P3 \
    "HTTP 301 to https://www.p3redir.example/mta-sts.txt" "a redirect"
case_ p3404.example 1 error P3 "HTTP 404" "404"
case_ p4.example 0 warning P4 "text/html" "served as text/html"
case_ p5.example 1 error P5 "over 64 KiB" "100 KB policy"
case_ p5chunk.example 1 error P5 "over 64 KiB" "100 KB policy, chunked"
case_ c2.example 0 warning C2 "mode testing" "mode testing"
case_ c5.example 1 warning C5 "did you mean mx" "nmx typo"
ok "nmx typo: and C4, no mx line" has error C4 "no mx line"
case_ m2.example 1 error M2 '"*.mx.m2.example" covers one label' \
    "*. covers one label"
ok "m2: M3 for the stale mx line" has warning M3 "old.m2.example"
ok "m2: the matched MX is not flagged" sh -c \
    "! grep -q 'MX mx1.m2.example' '$TMP/chk.out'"
case_ m2t.example 0 warning M2 "mx2.m2t.example" "testing: uncovered MX"
# --reports: a stored report for m2t.example, made with an older
# policy (R1), naming an MX the live policy misses (R2) and DANE
# failures (R4)
d1=$(date -u -d '-2 days' +%Y-%m-%d)
cat >"$TMP/m2t-report.json" <<EOF
{ "organization-name": "Old Cache Inc.",
  "date-range": { "start-datetime": "${d1}T00:00:00Z",
    "end-datetime": "${d1}T23:59:59Z" },
  "contact-info": "tlsrpt@reporter.example", "report-id": "m2t-1",
  "policies": [
    { "policy": { "policy-type": "sts",
        "policy-string": ["version: STSv1", "mode: enforce",
          "mx: mx9.m2t.example", "max_age: 604800"],
        "policy-domain": "m2t.example", "mx-host": ["mx9.m2t.example"] },
      "summary": { "total-successful-session-count": 5,
        "total-failure-session-count": 3 },
      "failure-details": [ { "result-type": "validation-failure",
        "receiving-mx-hostname": "mx2.m2t.example",
        "failed-session-count": 3 } ] },
    { "policy": { "policy-type": "tlsa",
        "policy-string": ["3 1 1 00"], "policy-domain": "m2t.example" },
      "summary": { "total-successful-session-count": 0,
        "total-failure-session-count": 2 },
      "failure-details": [ { "result-type": "tlsa-invalid",
        "receiving-mx-hostname": "mx1.m2t.example",
        "failed-session-count": 2 } ] } ] }
EOF
"$INGEST" --dkim=off --log=stderr --store "$TMP/r.db" \
    "$TMP/m2t-report.json" >"$TMP/ing.out" 2>&1 || cat "$TMP/ing.out"
chk --no-smtp --store "$TMP/r.db" --reports m2t.example
ok "reports: R1 the senders' older policy" has warning R1 \
    "Old Cache Inc., $d1, mode enforce; live: mode testing"
ok "reports: R2 an MX reports name that the live policy misses" \
    has warning R2 "reports name MX mx2.m2t.example (3 failed sessions)"
ok "reports: R4 DANE failures in reports, none live" has info R4 \
    "count 2 sessions that failed DANE"
chk --no-smtp --store "$TMP/r.db" --reports --reports-since 1d m2t.example
ok "reports: --reports-since leaves older reports out" sh -c \
    "! grep -q ' R[0-9] ' '$TMP/chk.out'"

chk --no-smtp --https-port 1 clean.example
ok "nothing listens: P1" has error P1 "cannot fetch"

# tlsrpt record: what it printed, published and served, passes
chk --no-smtp gen.example
ok "record: its output passes check (exit 0)" is "$crc" 0
ok "record: verdict ok" sh -c \
    "head -n 1 '$TMP/chk.out' | grep -qx 'gen.example: ok' || cat '$TMP/chk.out'"
ok "record: the policy has CRLF line ends" grep -q "$(printf 'mode: enforce\r')" \
    "$TMP/gen.policy"
set +e
"$ADMIN" -c "$TMP/check.conf" record clean.example --only policy \
    >"$TMP/rec.out" 2>&1
rrc=$?
set -e
ok "record: the MX hosts DNS has now by default" sh -c \
    "[ $rrc = 0 ] && grep -q '^mx: mx1.clean.example' '$TMP/rec.out' &&
    grep -q '^mode: testing' '$TMP/rec.out' &&
    grep -q '^max_age: 86400' '$TMP/rec.out'"
"$ADMIN" -c "$TMP/check.conf" record nullmx.example >"$TMP/rec.out" 2>&1 &&
    rrc=0 || rrc=$?
ok "record: a null MX domain has nothing to protect (exit 1)" is "$rrc" 1
"$ADMIN" record gen.example --mx 192.0.2.1 >"$TMP/rec.out" 2>&1 &&
    rrc=0 || rrc=$?
ok "record: an IP address as --mx is refused (exit 64)" is "$rrc" 64
"$ADMIN" record gen.example --rua tlsrpt@gen.example --mx a.example \
    >"$TMP/rec.out" 2>&1 && rrc=0 || rrc=$?
ok "record: a rua without scheme is refused (exit 64)" is "$rrc" 64
"$ADMIN" record gen.example --mx a.example --id 2026-01 \
    >"$TMP/rec.out" 2>&1 && rrc=0 || rrc=$?
ok "record: an id with a hyphen is refused (exit 64)" is "$rrc" 64

chk --no-smtp timeout.example
ok "DNS silent: exit 75" is "$crc" 75
ok "DNS silent: incomplete, says which lookup" sh -c \
    "grep -q '^timeout.example: incomplete' '$TMP/chk.out' &&
    grep -q 'not checked: DNS _smtp._tls.timeout.example TXT: timeout' \
    '$TMP/chk.out'"
chk --no-smtp timeout.example t2.example
ok "an error beats incomplete: exit 1" is "$crc" 1

chk --no-smtp --format json t2.example clean.example
ok "json: exit 1" is "$crc" 1
if command -v python3 >/dev/null 2>&1; then
	ok "json: an object per domain, findings with id, severity, message, fix" \
	    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["domain"] for x in d] == ["t2.example", "clean.example"], d
assert d[0]["verdict"] == "error" and d[1]["verdict"] == "ok"
f = [x for x in d[0]["findings"] if x["id"] == "T2"][0]
assert f["severity"] == "error" and "t2.example" in f["message"] and f["fix"]
assert d[1]["findings"] == [] and d[1]["incomplete"] is None
' "$TMP/chk.out"
else
	skip "no python3"
fi

chk
ok "no domain: exit 64" is "$crc" 64
chk --format xml clean.example
ok "bad format: exit 64" is "$crc" 64
chk --no-smtp 192.0.2.1
ok "an IP address is not a domain: exit 64" is "$crc" 64
chk --no-smtp --ca-file "$TMP/nonexistent.pem" clean.example
ok "unreadable CA file: exit 78" is "$crc" 78
done_testing
