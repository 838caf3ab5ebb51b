#!/bin/sh
# dns/resolve.c against a real unbound: write the zones, start the server
# (unbound-lib.sh) and run tests/unit/test-resolve under $VALGRIND.
# The zones (test-resolve.c lists what each case expects):
#	txt.example	static: a 418-byte TXT key (two strings), two TXT
#			records, an A-only name, two MX, a TLSA
#	refused.example	refuse: SERVFAIL;  timeout.example deny: silence
#	signed.example	signed with ldns, served as an auth-zone; its DS and
#			a DS with a wrong digest for the trust anchor tests
#	"."		the root DNSKEY set of Debian's root.key served
#			unsigned (a forwarder without DNSSEC); then again
#			with a server that refuses it (another such forwarder)
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/unbound-lib.sh"

TR="$top_builddir/tests/unit/test-resolve"

long="v=DKIM1; k=rsa; p="
i=0
while [ $i -lt 40 ]; do
	long="${long}0123456789"
	i=$((i + 1))
done
tlsa=$(i=0; while [ $i -lt 32 ]; do printf '%02x' $((i * 8 + 1)); \
    i=$((i + 1)); done)

Z="$TMP/zones.conf"
{
	echo 'local-zone: "txt.example." static'
	ub_txt long.txt.example "$long"
	ub_txt two.txt.example first
	ub_txt two.txt.example second
	echo "local-data: 'a.txt.example. 300 IN A 192.0.2.1'"
	echo "local-data: 'mx.txt.example. 300 IN MX 10 mx1.txt.example.'"
	echo "local-data: 'mx.txt.example. 300 IN MX 20 mx2.txt.example.'"
	echo "local-data: '_25._tcp.mx1.txt.example. 300 IN TLSA 3 1 1 $tlsa'"
	echo 'local-zone: "refused.example." refuse'
	echo 'local-zone: "timeout.example." deny'
} >"$Z"

# DNSSEC: a signed zone, its DS and a DS with the digest zeroed
printf '%s\n' '$ORIGIN signed.example.' '$TTL 300' \
    '@ SOA ns.signed.example. host.signed.example. 1 3600 600 86400 300' \
    '@ NS ns.signed.example.' 'ns A 127.0.0.1' 'www TXT "hello"' \
    >"$TMP/signed.zone"
if ds=$(ub_sign_zone signed.example "$TMP/signed.zone"); then
	awk '{ d = $NF; gsub(/./, "0", d); $NF = d; print }' "$ds" \
	    >"$TMP/bad.ds"
	ub_auth_zone signed.example "$TMP/signed.zone.signed" >>"$Z"
	TI_TEST_DS=$ds
	TI_TEST_BAD_DS="$TMP/bad.ds"
	export TI_TEST_DS TI_TEST_BAD_DS
fi
# A forwarder without DNSSEC, first kind: the root DNSKEY set unsigned
cp "$Z" "$TMP/zones-refused.conf"
if [ -r /usr/share/dns/root.key ]; then
	grep -E '^[.][[:space:]].*DNSKEY' /usr/share/dns/root.key |
	    sed "s/[[:space:]]*;.*//; s/.*/local-data: '&'/" >>"$Z"
	TI_TEST_ROOT=unsigned
	export TI_TEST_ROOT
fi

if ! unbound_start "$Z"; then
	skip "unbound is not installed or did not start"
	done_testing
	exit 0
fi
TI_TEST_DNS=$UB_SERVER
export TI_TEST_DNS

ok "dig sees the long key" sh -c \
    "! command -v dig >/dev/null || dig @127.0.0.1 -p $UB_PORT +short \
    long.txt.example TXT | grep -q '0123456\" \"789'"

# run_tr NAME: test-resolve's own TAP lines, renumbered into ours
run_tr() {
	set +e
	$VALGRIND "$TR" >"$TMP/tr.out" 2>"$TMP/tr.err"
	trc=$?
	set -e
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			st=${line%%ok *}
			rest=${line#*ok }
			rest=${rest#* - }
			tap_n=$((tap_n + 1))
			[ -z "$st" ] || tap_failed=$((tap_failed + 1))
			echo "${st}ok $tap_n - $rest"
			;;
		"#"*) echo "$line" ;;
		esac
	done <"$TMP/tr.out"
	ok "$1: test-resolve exits 0 (valgrind clean)" is "$trc" 0
	if [ "$trc" != 0 ]; then
		sed 's/^/# /' "$TMP/tr.err" | tail -n 60
		grep -i 'error\|warn' "$UB_DIR/unbound.log" | tail -n 10 |
		    sed 's/^/# unbound: /'
	fi
}
run_tr all

# A forwarder without DNSSEC, second kind: it refuses the root DNSKEY
# query (as it refuses everything outside the test zones)
unbound_stop
if [ -n "${TI_TEST_ROOT:-}" ] && unbound_start "$TMP/zones-refused.conf"; then
	TI_TEST_DNS=$UB_SERVER TI_TEST_ROOT=refused TI_TEST_ONLY_ROOT=1 \
	    run_tr "root DNSKEY refused"
else
	skip "no root.key, or unbound did not start again"
fi
done_testing
