#!/bin/sh
# tlsrpt digest with [digest] check = yes, in the check lab (unbound,
# nginx with a test CA; check-lib.sh): the digest shows what each of the
# site's domains publishes now, the cross-checks against the stored
# reports (R1: senders still cache mode testing; the policy text changed
# without a new id, from the check history), holds the enforce verdict
# back while the check has an error, and checks only the [trust]
# domains; tlsrpt show --check gives the same part.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"
. "$top_srcdir/tests/e2e/https-lib.sh"
. "$top_srcdir/tests/e2e/check-lib.sh"

Z="$TMP/zones.conf"
{
	echo 'local-zone: "example." static'
	ub_txt "_smtp._tls.pub.example" 'v=TLSRPTv1; rua=mailto:tlsrpt@pub.example'
	ub_txt "_mta-sts.pub.example" 'v=STSv1; id=20260101T000000'
	echo "local-data: 'mta-sts.pub.example. 300 IN A 127.0.0.1'"
	echo "local-data: 'pub.example. 300 IN MX 10 mx1.pub.example.'"
	echo "local-data: 'mx1.pub.example. 300 IN A 127.0.0.1'"
	# in reports, not in [trust] domains: never checked
	echo "local-data: 'other.example. 300 IN MX 10 mx1.pub.example.'"
} >"$Z"

web=
if ck_ca && ck_cert all "DNS:mta-sts.pub.example"; then
	web=1
fi
ck_policy pub 'version: STSv1\nmode: enforce\nmx: mx1.pub.example\nmax_age: 604800\n'
cat >"$TMP/servers.conf" <<'EOF'
server { listen 127.0.0.1:@PORT@ ssl default_server; server_name _;
  ssl_certificate @PKI@/all.pem; ssl_certificate_key @PKI@/all.key;
  location = /.well-known/mta-sts.txt { default_type text/plain; alias @WWW@/pub.txt; }
  location / { return 404; } }
EOF
[ -z "$web" ] || ck_nginx_start "$TMP/servers.conf" || web=
if [ -z "$web" ]; then
	skip "openssl or nginx missing: no check lab"
	done_testing
	exit 0
fi
if ! unbound_start "$Z"; then
	skip "unbound is not installed or did not start"
	done_testing
	exit 0
fi

# Reports: two reporters, 20 clean days of pub.example in mode testing
# (ready for enforce on the reports alone), one of other.example.
# report ORG ID DAYS-AGO DOMAIN
report() {
	_d=$(date -u -d "-$3 days" +%Y-%m-%d)
	cat >"$TMP/rep.json" <<EOF
{ "organization-name": "$1",
  "date-range": { "start-datetime": "${_d}T00:00:00Z",
    "end-datetime": "${_d}T23:59:59Z" },
  "contact-info": "tlsrpt@reporter.example", "report-id": "$2",
  "policies": [
    { "policy": { "policy-type": "sts",
        "policy-string": ["version: STSv1", "mode: testing",
          "mx: mx1.$4", "max_age: 86400"],
        "policy-domain": "$4", "mx-host": ["mx1.$4"] },
      "summary": { "total-successful-session-count": 100,
        "total-failure-session-count": 0 } } ] }
EOF
	"$INGEST" --dkim=off --log=stderr --store "$TMP/r.db" "$TMP/rep.json" \
	    >>"$TMP/ing.out" 2>&1 || cat "$TMP/ing.out"
}
i=1
while [ "$i" -le 20 ]; do
	report "Google Inc." "g-$i" "$i" pub.example
	report "Microsoft Corporation" "m-$i" "$i" pub.example
	i=$((i + 1))
done
report "Google Inc." "o-1" 2 other.example

cat >"$TMP/d.conf" <<EOF
[store]
store = $TMP/r.db
[digest]
check = yes
[trust]
domains = pub.example
count-unauthenticated = yes
[dns]
resolver = $UB_SERVER
timeout = 2s
trust-anchor =
[tls]
ca-file = $CK_CA
EOF

# dig ARGS...: tlsrpt digest in the lab (nothing listens on SMTP port 1:
# the check's X1 error); output in $TMP/d.out
dig() {
	$VALGRIND "$ADMIN" -c "$TMP/d.conf" digest --check-https-port \
	    "$CK_HTTPS_PORT" --check-smtp-port 1 "$@" >"$TMP/d.out" \
	    2>"$TMP/d.err"
}

dig --no-check --format text
ok "without the check: ready for enforce on the reports alone" \
    grep -q "Enforce: READY for enforce" "$TMP/d.out"

ok "digest --format text with [digest] check = yes" dig --format text
flat=$(tr '\n' ' ' <"$TMP/d.out" | tr -s ' ')
has() {
	case "$flat" in
	*"$1"*) return 0 ;;
	esac
	echo "no \"$1\" in:"
	cat "$TMP/d.out" "$TMP/d.err"
	return 1
}
ok "published now: the check's error" has "error X1 cannot connect to mx1.pub.example [127.0.0.1]"
ok "published now: R1, senders still cache mode testing" \
    has "warning R1 14 stored reports"
ok "published now: R1 names the modes" has "mode testing; live: mode enforce"
ok "the verdict is held back by the check error" \
    has "Enforce: not ready for enforce. The live check finds an error (X1)"
ok "only the [trust] domains are checked" \
    test "$(grep -c '^Published now' "$TMP/d.out")" = 1

# the policy text changes, its id does not: the history knows
ck_policy pub 'version: STSv1\nmode: enforce\nmx: mx1.pub.example\nmax_age: 1209600\n'
ok "digest --format json" dig --format json
ok "JSON: R1 from the check history: the text changed, the id did not" \
    grep -q '"the policy text changed since [0-9-]*, but the _mta-sts id did not (id=20260101T000000)' \
    "$TMP/d.out"
ok "JSON: the published-now part and the verdict" sh -c \
    "grep -q '\"published-now\"' '$TMP/d.out' &&
     grep -q '\"not-ready\"' '$TMP/d.out'"
if command -v sqlite3 >/dev/null 2>&1; then
	q="SELECT count(*) FROM check_history"
	q="$q WHERE domain = 'pub.example' AND kind = 'policy'"
	n=$(sqlite3 "$TMP/r.db" "$q" 2>&1) || :
	ok "the check history is in the store, two runs: $n" test "$n" = 2
fi

ok "digest --format mail" dig --format mail --to pm@example.org
ok "the mail holds the published-now part" grep -q "Published now" "$TMP/d.out"

ok "show --check" sh -c "$VALGRIND '$ADMIN' -c '$TMP/d.conf' show g-1 \
    --check-https-port '$CK_HTTPS_PORT' --check-smtp-port 1 >'$TMP/s.out' 2>'$TMP/s.err'"
ok "show: the published-now part of the report's domain" sh -c \
    "grep -q '^Published now by pub.example:' '$TMP/s.out' &&
     grep -q 'error   X1' '$TMP/s.out'"
"$ADMIN" -c "$TMP/d.conf" show o-1 --check-smtp-port 1 >"$TMP/s.out" 2>&1
ok "show: a domain not in [trust] domains is not checked" \
    grep -q "other.example is not one of the site's domains" "$TMP/s.out"
"$ADMIN" -c "$TMP/d.conf" show g-1 --no-check >"$TMP/s.out" 2>&1
ok "show --no-check: no published-now part" sh -c \
    "! grep -q 'Published now' '$TMP/s.out'"

done_testing
