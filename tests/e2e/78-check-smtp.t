#!/bin/sh
# tlsrpt check against real MX hosts: a private Postfix instance whose
# smtpd listens on 127.0.0.2-6 (a port picked at run time) with a good,
# an expired, a wrong-name and a self-signed certificate and without
# STARTTLS; MTA-STS policies from nginx (check-lib.sh); DANE from a
# zone signed with ldns-signzone, served by unbound, with TLSA records
# that match, that do not, and for an expired DANE-EE certificate
# (RFC 7672: no date check).  Needs root (Postfix).
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"
. "$top_srcdir/tests/e2e/https-lib.sh"
. "$top_srcdir/tests/e2e/check-lib.sh"

need_root postfix
command -v postfix >/dev/null 2>&1 || skip_all "postfix is not installed"
ck_ca || skip_all "no openssl"
[ -x /usr/sbin/nginx ] || skip_all "nginx is not installed"

# The certificates: MX names of several cases on one key where they
# share a server
ck_cert mxgood "DNS:mx.good.example,DNS:mx.multi.example,DNS:mx.dane.example,DNS:mx.bad.dane.example,DNS:mx.ta.dane.example,DNS:mx.unsigned.example" &&
    ck_cert mxexp "DNS:mx.exp.example,DNS:mx.multi.example,DNS:mx.ee.dane.example" \
	20200101000000Z 20200201000000Z &&
    ck_cert mxwrong "DNS:other.example" &&
    ck_selfsigned mxself "DNS:mx.self.example,DNS:mx.nosts.example" ||
    skip_all "openssl could not make the certificates"
cases="good exp wrong self notls closed multi"
names=
for c in $cases; do
	names="$names${names:+,}DNS:mta-sts.$c.example"
done
ck_cert web "$names" || skip_all "openssl could not make the certificates"

spki() {
	openssl x509 -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform DER | openssl dgst -sha256 -r |
	    cut -d' ' -f1
}
certhash() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r |
	    cut -d' ' -f1
}
good_spki=$(spki "$CK_PKI/mxgood.pem")
exp_spki=$(spki "$CK_PKI/mxexp.pem")
ca_hash=$(certhash "$CK_CA")
other=$(printf '%064d' 0 | tr 0 a)

# DNS: the MTA-STS cases in a static zone, DANE in a signed one
rua='v=TLSRPTv1; rua=mailto:tlsrpt@example.org'
Z="$TMP/zones.conf"
{
	echo 'local-zone: "example." static'
	n=2
	for c in $cases nosts; do
		ub_txt "_smtp._tls.$c.example" "$rua"
		[ "$c" = nosts ] ||
		    ub_txt "_mta-sts.$c.example" "v=STSv1; id=1"
		echo "local-data: 'mta-sts.$c.example. 300 IN A 127.0.0.1'"
		echo "local-data: '$c.example. 300 IN MX 10 mx.$c.example.'"
	done
	echo "local-data: 'mx.good.example. 300 IN A 127.0.0.2'"
	echo "local-data: 'mx.exp.example. 300 IN A 127.0.0.3'"
	echo "local-data: 'mx.wrong.example. 300 IN A 127.0.0.4'"
	echo "local-data: 'mx.self.example. 300 IN A 127.0.0.5'"
	echo "local-data: 'mx.notls.example. 300 IN A 127.0.0.6'"
	echo "local-data: 'mx.closed.example. 300 IN A 127.0.0.7'"
	echo "local-data: 'mx.multi.example. 300 IN A 127.0.0.2'"
	echo "local-data: 'mx.multi.example. 300 IN A 127.0.0.3'"
	echo "local-data: 'mx.nosts.example. 300 IN A 127.0.0.5'"
	# X3: TLS 1.0 only
	ub_txt "_smtp._tls.old.example" "$rua"
	echo "local-data: 'old.example. 300 IN MX 10 mx.old.example.'"
	echo "local-data: 'mx.old.example. 300 IN A 127.0.0.8'"
	# D1: TLSA in an unsigned zone
	ub_txt "_smtp._tls.unsigned.example" "$rua"
	echo "local-data: 'unsigned.example. 300 IN MX 10 mx.unsigned.example.'"
	echo "local-data: 'mx.unsigned.example. 300 IN A 127.0.0.2'"
	echo "local-data: '_25._tcp.mx.unsigned.example. 300 IN TLSA 3 1 1 $good_spki'"
} >"$Z"
dane=
printf '%s\n' '$ORIGIN dane.example.' '$TTL 300' \
    '@ SOA ns.dane.example. h.dane.example. 1 3600 600 86400 300' \
    '@ NS ns.dane.example.' 'ns A 127.0.0.1' \
    '@ MX 10 mx.dane.example.' "_smtp._tls TXT \"$rua\"" \
    'mx A 127.0.0.2' "_25._tcp.mx TLSA 3 1 1 $good_spki" \
    "_25._tcp.mx TLSA 3 1 1 $other" \
    'bad MX 10 mx.bad.dane.example.' "_smtp._tls.bad TXT \"$rua\"" \
    'mx.bad A 127.0.0.2' "_25._tcp.mx.bad TLSA 3 1 1 $other" \
    'ee MX 10 mx.ee.dane.example.' "_smtp._tls.ee TXT \"$rua\"" \
    'mx.ee A 127.0.0.3' "_25._tcp.mx.ee TLSA 3 1 1 $exp_spki" \
    "_25._tcp.mx.ee TLSA 3 1 1 $other" \
    'ta MX 10 mx.ta.dane.example.' "_smtp._tls.ta TXT \"$rua\"" \
    'mx.ta A 127.0.0.2' "_25._tcp.mx.ta TLSA 2 0 1 $ca_hash" \
    "_25._tcp.mx.ta TLSA 3 1 1 $other" \
    'bog MX 10 mx.bog.dane.example.' "_smtp._tls.bog TXT \"$rua\"" \
    'mx.bog A 127.0.0.2' "_25._tcp.mx.bog TLSA 3 1 1 $good_spki" \
    'pkix MX 10 mx.pkix.dane.example.' "_smtp._tls.pkix TXT \"$rua\"" \
    'mx.pkix A 127.0.0.2' "_25._tcp.mx.pkix TLSA 1 1 1 $good_spki" \
    >"$TMP/dane.zone"
if ds=$(ub_sign_zone dane.example "$TMP/dane.zone"); then
	# D2: the TLSA record of mx.bog changed after signing: bogus
	sed -i "/^_25\._tcp\.mx\.bog\..*TLSA/s/$good_spki/$other/" \
	    "$TMP/dane.zone.signed"
	ub_auth_zone dane.example "$TMP/dane.zone.signed" >>"$Z"
	dane=1
fi
unbound_start "$Z" || skip_all "unbound is not installed or did not start"

# nginx: each mta-sts.CASE.example serves "mx: mx.CASE.example", enforce
cat >"$TMP/servers.conf" <<'EOF'
server { listen 127.0.0.1:@PORT@ ssl default_server;
  server_name ~^mta-sts\.(?<dom>.+)$;
  ssl_certificate @PKI@/web.pem; ssl_certificate_key @PKI@/web.key;
  location = /.well-known/mta-sts.txt { default_type text/plain;
    return 200 "version: STSv1\r\nmode: enforce\r\nmx: mx.$dom\r\nmax_age: 604800\r\n"; }
  location / { return 404; } }
EOF
ck_nginx_start "$TMP/servers.conf" || skip_all "nginx did not start"

# Postfix: one smtpd per address, the same port
port=$(_hs_pick_port)
pf_setup "$port"
sed -i 1d "$PF/etc/master.cf"
chmod 644 "$CK_PKI"/*.key
{
	for a in 2:mxgood 3:mxexp 4:mxwrong 5:mxself; do
		echo "127.0.0.${a%%:*}:$port inet n - n - - smtpd" \
		    "-o smtpd_tls_security_level=may" \
		    "-o smtpd_tls_chain_files=$CK_PKI/${a#*:}.key,$CK_PKI/${a#*:}.pem"
	done
	echo "127.0.0.6:$port inet n - n - - smtpd -o smtpd_tls_security_level=none"
	echo "127.0.0.8:$port inet n - n - - smtpd -o smtpd_tls_security_level=may" \
	    "-o smtpd_tls_chain_files=$CK_PKI/mxgood.key,$CK_PKI/mxgood.pem" \
	    "-o smtpd_tls_protocols=<=TLSv1 -o tls_config_file=none" \
	    "-o smtpd_tls_ciphers=low -o tls_low_cipherlist=ALL:@SECLEVEL=0"
	echo "tlsmgr unix - - n 1000? 1 tlsmgr"
	cat "$PF/etc/master.cf"
} >"$PF/etc/master.cf.new"
mv "$PF/etc/master.cf.new" "$PF/etc/master.cf"
: >"$PF/etc/aliases"
postalias "$PF/etc/aliases"
trap 'pf_stop; https_stop_all; unbound_stop; rm -rf "$TMP"' EXIT
pf_start >"$TMP/pf.out" 2>&1 || {
	cat "$TMP/pf.out" "$PF/maillog" 2>/dev/null | sed 's/^/# /'
	skip_all "postfix did not start"
}
for a in 2 3 4 5 6 8; do
	wait_until 20 sh -c "ss -Hlnt 'sport = :$port' | grep -q 127.0.0.$a" ||
	    skip_all "postfix does not listen on 127.0.0.$a:$port"
done

# a handshake or a validation under valgrind takes seconds
tmo=5
dtmo=3s
[ -z "$VALGRIND" ] || { tmo=30; dtmo=20s; }
cat >"$TMP/check.conf" <<EOF
[dns]
resolver = $UB_SERVER
timeout = $dtmo
trust-anchor = ${ds:-}
[tls]
ca-file = $CK_CA
EOF

chk() {
	set +e
	$VALGRIND "$ADMIN" -c "$TMP/check.conf" check --timeout "$tmo" \
	    --https-port "$CK_HTTPS_PORT" --smtp-port "$port" "$@" \
	    >"$TMP/chk.out" 2>"$TMP/chk.err"
	crc=$?
	set -e
	return 0
}
has() {
	grep -E "^    $1 +$2 " "$TMP/chk.out" | grep -qF -- "${3:-}" || {
		echo "no $1 $2 ${3:-} in:"
		cat "$TMP/chk.out" "$TMP/chk.err"
		return 1
	}
}
hasnt() {
	! grep -qE "^    [a-z]+ +$1 " "$TMP/chk.out" || {
		cat "$TMP/chk.out"
		return 1
	}
}
case_() {
	chk "$1"
	ok "$6: exit $2" is "$crc" "$2"
	ok "$6: $3 $4" has "$3" "$4" "$5"
}

chk good.example
ok "good MX: exit 0" is "$crc" 0
ok "good MX: verdict ok" sh -c "head -n 1 '$TMP/chk.out' | grep -qx 'good.example: ok'"
case_ exp.example 1 error X6 "mx.exp.example [127.0.0.3]: certificate expired" \
    "expired certificate"
case_ wrong.example 1 error X5 "not valid for mx.wrong.example" \
    "certificate for another name"
case_ self.example 1 error X4 "[127.0.0.5]: certificate not trusted" \
    "self-signed certificate"
case_ notls.example 1 error X2 "does not offer STARTTLS" "no STARTTLS"
case_ closed.example 1 error X1 "cannot connect to mx.closed.example [127.0.0.7]" \
    "nothing listens"
case_ multi.example 1 error X6 "[127.0.0.3]: certificate expired" \
    "two addresses, one expired"
ok "two addresses: the good one has no finding" sh -c \
    "! grep -q '127.0.0.2' '$TMP/chk.out'"
case_ nosts.example 0 info X4 "do not check it" \
    "self-signed without MTA-STS or DANE: info"
case_ old.example 0 warning X3 "negotiates TLSv1:" "TLS 1.0 only"
case_ unsigned.example 0 warning D1 "DANE is inactive" "TLSA in an unsigned zone"

if [ -n "$dane" ]; then
	chk dane.example
	ok "DANE: matching TLSA, two records: exit 0" is "$crc" 0
	ok "DANE: no D finding" hasnt "D[0-9]"
	case_ bad.dane.example 1 error D4 "served SPKI sha256 is $good_spki" \
	    "DANE: TLSA does not match (rollover)"
	ok "DANE: one record: D5" has warning D5 "one usable TLSA record"
	chk ee.dane.example
	ok "DANE-EE on an expired certificate: exit 0" is "$crc" 0
	ok "DANE-EE on an expired certificate: no D4" hasnt D4
	ok "DANE-EE on an expired certificate: X6 only info" has info X6 "expired"
	case_ ta.dane.example 1 error D4 "_25._tcp.mx.ta.dane.example" \
	    "DANE-TA with a leaf-only chain"
	case_ bog.dane.example 1 error D2 "fails DNSSEC validation" \
	    "DANE: a bogus TLSA record set"
	case_ pkix.dane.example 1 warning D3 "TLSA 1 1 1" \
	    "PKIX-EE usage: unusable for SMTP"
else
	skip "ldns-signzone missing: no DANE cases"
fi
[ "$tap_failed" = 0 ] || grep -i 'warn\|fatal\|error' "$PF/maillog" |
    head -n 5 | sed 's/^/# /'
done_testing
