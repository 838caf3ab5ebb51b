#!/bin/sh
#
# gen.sh: write the hostile-input corpus, NNN-name.eml, into the
# directory this script lives in (or into $1 for the big ones).
#
#     sh tests/data/hostile/gen.sh           # the small, committed files
#     sh tests/data/hostile/gen.sh big DIR   # the big ones, into DIR
#
# Every mail is our own work: fictional names (example.com, *.example),
# documentation addresses, invented ids.  Deterministic: gzip -n, fixed
# dates, no randomness; two runs give byte-identical files.  The small
# files (each under 16 KiB) are committed; the big ones (10,000 MIME
# parts, a 100 MB header, 100,001 failure details, ...) are made by
# tests/e2e/84-hostile.t at test time and never committed.
#
# MANIFEST (TAB-separated) gives, for each file, how many reports must be
# newly stored when it is ingested once into an empty store, and an ERE
# the log must match (case-insensitive): the reason, in loose words.
set -eu
LC_ALL=C
export LC_ALL

mode=${1:-small}
case $0 in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
if [ "$mode" = big ]; then
	out=$2
else
	out=$here
fi
mkdir -p "$out"

# ---------------------------------------------------------------------
# Building blocks

# byte N: the byte with value N
byte() {
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' "$1")"
}

# hdr ID [SUBJECT]: the common header fields, without Content-Type.
hdr() {
	printf 'From: TLS Reports <tlsrpt@hostile.example>\n'
	printf 'To: tlsrpt@example.com\n'
	printf 'Date: Sun, 01 Nov 2026 06:00:00 +0000\n'
	printf 'Subject: %s\n' "${2:-Report Domain: example.com Submitter: hostile.example}"
	printf 'Message-ID: <%s@hostile.example>\n' "$1"
	printf 'MIME-Version: 1.0\n'
}

# report ID [MEMBERS]: a valid report JSON with report-id ID; MEMBERS
# (raw JSON text, with a trailing comma) are put first.
report() {
	printf '{%s"organization-name":"Hostile Example",' "${2:-}"
	printf '"date-range":{"start-datetime":"2026-10-31T00:00:00Z",'
	printf '"end-datetime":"2026-10-31T23:59:59Z"},'
	printf '"contact-info":"tlsrpt@hostile.example","report-id":"%s",' "$1"
	printf '"policies":[{"policy":{"policy-type":"sts",'
	printf '"policy-string":["version: STSv1","mode: enforce"],'
	printf '"policy-domain":"example.com","mx-host":["mx1.example.com"]},'
	printf '"summary":{"total-successful-session-count":10,'
	printf '"total-failure-session-count":0}}]}\n'
}

# json_mail ID < JSON: a single-part 7bit application/tlsrpt+json mail.
json_mail() {
	hdr "$1"
	printf 'Content-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: 7bit\n\n'
	cat
}

# gz_mail ID [CTYPE] [NAME] < DATA: a multipart/report mail whose
# attachment is DATA, base64, as CTYPE (application/tlsrpt+gzip) named
# NAME (hostile.example!example.com!...!ID.json.gz).
gz_mail() {
	_id=$1
	_ct=${2:-application/tlsrpt+gzip}
	_nm=${3:-hostile.example!example.com!1793404800!1793491199!$_id.json.gz}
	hdr "$_id"
	printf 'Content-Type: multipart/report; report-type=tlsrpt;\n'
	printf '\tboundary="=_h_%s"\n\n' "$_id"
	printf -- '--=_h_%s\nContent-Type: text/plain\n\nA report.\n\n' "$_id"
	printf -- '--=_h_%s\nContent-Type: %s\n' "$_id" "$_ct"
	printf 'Content-Disposition: attachment; filename="%s"\n' "$_nm"
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64
	printf -- '--=_h_%s--\n' "$_id"
}

gz() {
	gzip -n -c
}

# emit NNN-name STORED LOG-ERE: the mail on stdin becomes NNN-name.eml
# and one MANIFEST line.
emit() {
	cat >"$out/$1.eml"
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$out/MANIFEST"
}

# ---------------------------------------------------------------------
# The big ones, made at test time.

if [ "$mode" = big ]; then
	: >"$out/MANIFEST"
	# 10,000 MIME parts, the report last: past mime-parts (256)
	{
		hdr h901
		printf 'Content-Type: multipart/mixed; boundary="x"\n\n'
		awk 'BEGIN { for (i = 0; i < 10000; i++)
			printf "--x\nContent-Type: application/x-filler\n\n%d\n", i }'
		printf -- '--x\n'
		printf 'Content-Type: application/tlsrpt+json\n\n'
		report h901
		printf -- '--x--\n'
	} | emit 901-ten-thousand-parts 0 'mime-parts|leaf parts'
	# 10,000 application/octet-stream parts, each a report candidate:
	# past reports-per-mail (64)
	{
		hdr h910
		printf 'Content-Type: multipart/mixed; boundary="x"\n\n'
		awk 'BEGIN { for (i = 0; i < 10000; i++)
			printf "--x\nContent-Type: application/octet-stream\n\n%d\n", i }'
		printf -- '--x--\n'
	} | emit 910-ten-thousand-octet-streams 0 'reports-per-mail'
	# a 100 MB header field: past message-size (64M)
	{
		hdr h902
		printf 'X-Long: '
		head -c 104857600 /dev/zero | tr '\0' 'a'
		printf '\nContent-Type: application/tlsrpt+json\n\n'
		report h902
	} | emit 902-100mb-header 0 'message-size'
	# a 1 MB header field under the limit: the report is still found
	{
		hdr h903
		printf 'X-Long: '
		head -c 1048576 /dev/zero | tr '\0' 'a'
		printf '\nContent-Type: application/tlsrpt+json\n\n'
		report h903
	} | emit 903-1mb-header 1 'h903'
	# 100,000 header fields
	{
		hdr h904
		awk 'BEGIN { for (i = 0; i < 100000; i++)
			printf "X-H%d: %d\n", i, i }'
		printf 'Content-Type: application/tlsrpt+json\n\n'
		report h904
	} | emit 904-100k-header-fields 1 'h904'
	# 100,001 failure details: past failure-details (100000)
	awk 'BEGIN {
		printf "{\"organization-name\":\"Hostile Example\","
		printf "\"date-range\":{\"start-datetime\":\"2026-10-31T00:00:00Z\","
		printf "\"end-datetime\":\"2026-10-31T23:59:59Z\"},"
		printf "\"contact-info\":\"x@hostile.example\",\"report-id\":\"h905\","
		printf "\"policies\":[{\"policy\":{\"policy-type\":\"no-policy-found\","
		printf "\"policy-domain\":\"example.com\"},\"summary\":{"
		printf "\"total-successful-session-count\":0,"
		printf "\"total-failure-session-count\":100001},\"failure-details\":["
		for (i = 0; i < 100001; i++)
			printf "%s{\"result-type\":\"starttls-not-supported\"," \
			    "\"failed-session-count\":1}", i ? "," : ""
		printf "]}]}\n"
	}' | gz | gz_mail h905 | emit 905-100001-failure-details 0 'failure-details'
	# a million [ in 1 MB of JSON: the depth check runs before cJSON
	head -c 1000000 /dev/zero | tr '\0' '[' | gz | gz_mail h906 |
	    emit 906-million-brackets 0 'nest|depth'
	# an attachment decoding to 40 MB: past attachment-size (32M)
	{
		hdr h907
		printf 'Content-Type: application/tlsrpt+gzip\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		head -c 41943040 /dev/zero | base64
	} | emit 907-40mb-attachment 0 'attachment-size'
	# 1 GiB of zeros in 1 MB of gzip: past gunzip-size (32M)
	head -c 1073741824 /dev/zero | gz | gz_mail h908 |
	    emit 908-gzip-1gib 0 'gunzip-size|bomb'
	# a 10,000-digit count
	{
		printf '{"organization-name":"Hostile Example","date-range":'
		printf '{"start-datetime":"2026-10-31T00:00:00Z","end-datetime":'
		printf '"2026-10-31T23:59:59Z"},"contact-info":"x@hostile.example",'
		printf '"report-id":"h909","policies":[{"policy":{"policy-type":'
		printf '"sts","policy-domain":"example.com"},"summary":{'
		printf '"total-successful-session-count":'
		head -c 10000 /dev/zero | tr '\0' 9
		printf ',"total-failure-session-count":0}}]}\n'
	} | json_mail h909 | emit 909-10000-digit-count 0 'integer|range|overflow|number'
	exit 0
fi

# ---------------------------------------------------------------------
# The small ones.

: >"$out/MANIFEST"

# --- Compression and encodings ---------------------------------------

# 001 a zip archive where gzip is expected (name and type say gzip)
{
	printf 'PK\003\004\024\000\000\000\010\000'
	printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000'
	printf '\013\000\000\000report.json'
	report h001 | gz | tail -c +11
	printf 'PK\005\006\000\000\000\000\000\000\000\000'
	printf '\000\000\000\000\000\000\000\000\000\000'
} | gz_mail h001 | emit 001-zip-as-gzip 0 'zip'

# 002 two concatenated gzip members that together hold one report
report h002 >"$out/.r"
{
	head -c 200 "$out/.r" | gz
	tail -c +201 "$out/.r" | gz
} | gz_mail h002 | emit 002-concatenated-gzip-members 1 'h002'

# 003 two gzip members that each hold a whole report
{
	report h003a | gz
	report h003b | gz
} | gz_mail h003 | emit 003-gzip-two-reports-in-members 0 'member|trailing|garbage|not json|parse|syntax'

# 004 a gzip member followed by garbage: stored, the bytes after it are
# logged as a deviation
{
	report h004 | gz
	printf 'GARBAGE AFTER THE MEMBER\n'
} | gz_mail h004 | emit 004-gzip-trailing-garbage 1 'gzip-trailing-bytes'

# 005 a valid gzip of nothing
printf '' | gz | gz_mail h005 | emit 005-gzip-empty 0 'empty|no report|not json|parse'

# 006 raw deflate (no gzip header), labelled gzip
report h006 | gz | tail -c +11 | gz_mail h006 |
    emit 006-raw-deflate-as-gzip 0 'not json|not gzip|gzip|parse|binary|no report'

# 007 a zlib stream, labelled gzip
{
	printf 'x\234'
	report h007 | gz | tail -c +11 | head -c -8
	printf '\000\000\000\000'
} | gz_mail h007 | emit 007-zlib-as-gzip 0 'not json|not gzip|gzip|parse|binary|no report'

# 008 bzip2 magic, labelled gzip
printf 'BZh91AY&SY\001\002\003\004 not really bzip2\n' | gz_mail h008 |
    emit 008-bzip2-as-gzip 0 'not json|not gzip|gzip|parse|binary|no report'

# 009 gzip whose header says FEXTRA, FNAME and FCOMMENT, with long fields
{
	printf '\037\213\010\034\000\000\000\000\000\377'
	printf '\377\017'	# XLEN 4095
	head -c 4095 /dev/zero | tr '\0' 'E'
	head -c 3000 /dev/zero | tr '\0' 'N'
	printf '\000'
	head -c 3000 /dev/zero | tr '\0' 'C'
	printf '\000'
	report h009 | gz | tail -c +11
} | gz_mail h009 | emit 009-gzip-long-header-fields 1 'h009'

# 010 a gzip of a gzip of the report
report h010 | gz | gz | gz_mail h010 |
    emit 010-double-gzip 0 'not json|gzip|parse|binary|nest'

# 011 base64 that is garbage from the first line
{
	hdr h011
	printf 'Content-Type: application/tlsrpt+gzip\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf '!!!!@@@@####$$$$%%%%^^^^&&&&****((((\n'
	printf '~~~~````||||\\\\\\\\<<<<>>>>????\n'
} | emit 011-base64-all-garbage 0 'base64|empty|corrupt|invalid|no report|not gzip|not json'

# 012 base64 cut in the middle of a quantum
{
	hdr h012
	printf 'Content-Type: application/tlsrpt+gzip\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	report h012 | gz | base64 -w 0 | head -c 101
	printf '\n'
} | emit 012-base64-cut 0 'truncat|incomplete|unexpected end|premature|corrupt'

# 013 characters outside the base64 alphabet in the middle of good
# base64: skipped, as RFC 2045 §6.8 says
{
	hdr h013
	printf 'Content-Type: application/tlsrpt+gzip\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	report h013 | gz | base64 -w 0 | head -c 64
	printf '\n*** ??? !!! ***\n'
	report h013 | gz | base64 -w 0 | tail -c +65
	printf '\n'
} | emit 013-base64-garbage-inside 1 'h013'

# 014 an unknown Content-Transfer-Encoding
{
	hdr h014
	printf 'Content-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: x-rot13\n\n'
	report h014
} | emit 014-unknown-transfer-encoding 1 'h014'

# 015 uuencode body labelled gzip
{
	hdr h015
	printf 'Content-Type: application/tlsrpt+gzip\n'
	printf 'Content-Transfer-Encoding: x-uuencode\n\n'
	printf 'begin 644 report.json.gz\nM\037\213\010\nend\n'
} | emit 015-uuencode 0 'not json|gzip|truncat|parse|binary|corrupt|no report'

# 016 quoted-printable with broken escapes
{
	hdr h016
	printf 'Content-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: quoted-printable\n\n'
	report h016 | sed 's/"report-id"/"report=ZZid"/; s/,/,=\n/g'
} | emit 016-qp-broken-escapes 0 'report-id|parse|not json'

# --- MIME structure ----------------------------------------------------

# 017 a boundary that never closes
{
	hdr h017
	printf 'Content-Type: multipart/mixed; boundary="open"\n\n--open\n'
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h017
} | emit 017-boundary-never-closed 1 'h017'

# 018 multipart without a boundary parameter
{
	hdr h018
	printf 'Content-Type: multipart/mixed\n\n--x\n'
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h018
	printf -- '--x--\n'
} | emit 018-multipart-no-boundary 0 'no report|not json|mime'

# 019 a boundary that is 5000 characters long (RFC 2046 allows 70): no
# report found
b=$(head -c 5000 /dev/zero | tr '\0' 'b')
{
	hdr h019
	printf 'Content-Type: multipart/mixed; boundary="%s"\n\n--%s\n' "$b" "$b"
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h019
	printf -- '--%s--\n' "$b"
} | emit 019-long-boundary 0 'no report'

# 020 message/rfc822 nested 20 deep (past mime-depth 16)
{
	hdr h020
	i=0
	while [ $i -lt 20 ]; do
		printf 'Content-Type: message/rfc822\n\nSubject: level %d\nMIME-Version: 1.0\n' $i
		i=$((i + 1))
	done
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h020
} | emit 020-rfc822-20-deep 0 'mime-depth|nest'

# 021 multipart nested 40 deep
{
	hdr h021
	i=0
	while [ $i -lt 40 ]; do
		printf 'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' $i $i
		i=$((i + 1))
	done
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h021
} | emit 021-multipart-40-deep 0 'mime-depth|nest'

# 022 300 empty parts, the report last (past mime-parts 256)
{
	hdr h022
	printf 'Content-Type: multipart/mixed; boundary="e"\n\n'
	i=0
	while [ $i -lt 300 ]; do
		printf -- '--e\n\n'
		i=$((i + 1))
	done
	printf -- '--e\nContent-Type: application/tlsrpt+json\n\n'
	report h022
	printf -- '--e--\n'
} | emit 022-300-parts 0 'mime-parts|leaf parts'

# 023 only a header, no body at all
hdr h023 | emit 023-header-only 0 'no report|empty'

# 024 multipart/report with no parts
{
	hdr h024
	printf 'Content-Type: multipart/report; report-type=tlsrpt; boundary="z"\n\n'
	printf -- '--z--\n'
} | emit 024-multipart-report-empty 0 'no report|empty'

# 025 an empty message/rfc822 part
{
	hdr h025
	printf 'Content-Type: multipart/mixed; boundary="r"\n\n--r\n'
	printf 'Content-Type: message/rfc822\n\n--r--\n'
} | emit 025-empty-rfc822 0 'no report|empty'

# 026 NUL bytes in header fields
{
	printf 'From: a\000b@hostile.example\nTo: tlsrpt@example.com\n'
	printf 'Subject: nul\000here\nMessage-ID: <h026@hostile.example>\n'
	printf 'MIME-Version: 1.0\nContent-Type: application/tlsrpt+json\n\n'
	report h026
} | emit 026-nul-in-header 1 'h026'

# 027 a raw NUL byte inside the JSON text
report h027 | sed 's/Hostile Example/Hostile\x00Example/' | json_mail h027 |
    emit 027-nul-byte-in-json 0 'nul|control|parse|not json|invalid|utf|trailing'

# 028 8-bit bytes in the header (no encoded-words), invalid UTF-8
{
	printf 'From: \351\350\377 <tlsrpt@hostile.example>\nTo: tlsrpt@example.com\n'
	printf 'Subject: \300\257\355\240\200 Report\nMessage-ID: <h028@hostile.example>\n'
	printf 'MIME-Version: 1.0\nContent-Type: application/tlsrpt+json\n\n'
	report h028
} | emit 028-8bit-header 1 'h028'

# 029 encoded-words that are garbage, and an unknown charset
{
	hdr h029 '=?x-unknown?B?!!!?= =?utf-8?Q?=ZZ=?= =?utf-8?B?////?='
	printf 'Content-Type: application/tlsrpt+json; charset=x-nonsense\n\n'
	report h029
} | emit 029-bad-encoded-words 1 'h029'

# 030 an RFC 2231 file name with ../, %00 and a shell command
{
	hdr h030
	printf 'Content-Type: multipart/mixed; boundary="f"\n\n--f\n'
	printf 'Content-Type: application/tlsrpt+gzip\n'
	printf "Content-Disposition: attachment; filename*=utf-8''..%%2F..%%2Ftmp%%2F%%24(touch%%20pwned)%%00.json.gz\n"
	printf 'Content-Transfer-Encoding: base64\n\n'
	report h030 | gz | base64
	printf -- '--f--\n'
} | emit 030-rfc2231-path-and-shell 1 'h030'

# 031 a 5000-character file name
n=$(head -c 5000 /dev/zero | tr '\0' 'n')
report h031 | gz | gz_mail h031 application/tlsrpt+gzip "$n.json.gz" |
    emit 031-long-filename 1 'h031'

# 032 a Content-Type with 1000 parameters
{
	hdr h032
	printf 'Content-Type: application/tlsrpt+json'
	i=0
	while [ $i -lt 1000 ]; do
		printf ';\n p%d=v%d' $i $i
		i=$((i + 1))
	done
	printf '\n\n'
	report h032
} | emit 032-thousand-parameters 1 'h032'

# 033 bare CR line ends
{
	hdr h033
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h033
} | tr '\n' '\r' | emit 033-bare-cr 0 'not a mail|no report|mime|parse'

# 034 a Content-Length header that lies
{
	hdr h034
	printf 'Content-Length: 5\nContent-Type: application/tlsrpt+json\n\n'
	report h034
} | emit 034-lying-content-length 1 'h034'

# 035 a DSN whose returned message is a report (must not be stored)
{
	hdr h035 'Undelivered Mail Returned to Sender'
	printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="d"\n\n'
	printf -- '--d\nContent-Type: text/plain\n\nBounced.\n'
	printf -- '--d\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n'
	printf -- '--d\nContent-Type: message/rfc822\n\n'
	report h035x | gz | gz_mail h035x
	printf -- '--d--\n'
} | emit 035-dsn-with-report 0 'delivery.status|dsn|bounce'

# --- JSON ----------------------------------------------------------------

# 036 duplicate report-id members with different values
report h036 '"report-id":"h036-first",' | json_mail h036 |
    emit 036-duplicate-report-id 0 'duplicate|member'

# 037 duplicate policies members
report h037 '"policies":[],' | json_mail h037 |
    emit 037-duplicate-policies 0 'duplicate|member'

# 038 \u0000 inside a string
report h038 | sed 's/Hostile Example/Hostile\\u0000Example/' | json_mail h038 |
    emit 038-escaped-nul 0 'u0000|nul'

# 039 a lone surrogate escape
report h039 | sed 's/Hostile Example/Hostile \\ud800 Example/' | json_mail h039 |
    emit 039-lone-surrogate 0 'surrogate|utf|unicode|invalid|escape|not json'

# 040 overlong UTF-8 in a string
report h040 | sed 's/Hostile Example/Hostile \xc0\xaf Example/' | json_mail h040 |
    emit 040-overlong-utf8 0 'utf-?8|encoding'

# 041 UTF-16 JSON with a BOM
report h041 | iconv -f UTF-8 -t UTF-16 | json_mail h041 |
    emit 041-utf16 0 'utf|not json|neither|nul|binary|no report'

# 042 date-time with year 99999
report h042 | sed 's/2026-10-31T00:00:00Z/99999-10-31T00:00:00Z/' | json_mail h042 |
    emit 042-year-99999 0 'date|time|range'

# 043 month 13 and day 32
report h043 | sed 's/2026-10-31T00:00:00Z/2026-13-32T00:00:00Z/' | json_mail h043 |
    emit 043-month-13 0 'date|time|range'

# 044 February 30th
report h044 | sed 's/2026-10-31T00:00:00Z/2026-02-30T00:00:00Z/' | json_mail h044 |
    emit 044-february-30 0 'date|time|range|before'

# 045 a negative year and hour 25
report h045 | sed 's/2026-10-31T23:59:59Z/-0001-10-31T25:61:61Z/' | json_mail h045 |
    emit 045-negative-year 0 'date|time|range'

# 046 a date-time of 5000 digits of fraction
f=$(head -c 5000 /dev/zero | tr '\0' 9)
report h046 | sed "s/2026-10-31T23:59:59Z/2026-10-31T23:59:59.${f}Z/" | json_mail h046 |
    emit 046-long-fraction 0 'date|time|longer|string-length'

# 047 a count of 4 GiB (2^32): stored (counts are 64-bit)
report h047 | sed 's/"total-successful-session-count":10/"total-successful-session-count":4294967296/' |
    json_mail h047 | emit 047-count-4gib 1 'h047'

# 048 a count of 2^63 (past int64)
report h048 | sed 's/"total-successful-session-count":10/"total-successful-session-count":9223372036854775808/' |
    json_mail h048 | emit 048-count-2-63 0 'integer|range|overflow|large'

# 049 a count of 1e19 written as an exponent
report h049 | sed 's/"total-successful-session-count":10/"total-successful-session-count":1e19/' |
    json_mail h049 | emit 049-count-exponent 0 'integer|range|overflow|large|fraction|whole'

# 050 -0 and 0.0 counts
report h050 | sed 's/"total-successful-session-count":10/"total-successful-session-count":-0/; s/"total-failure-session-count":0/"total-failure-session-count":0.5/' |
    json_mail h050 | emit 050-minus-zero-and-half 0 'integer|fraction|whole|negative'

# 051 hexadecimal and NaN numbers
report h051 | sed 's/"total-successful-session-count":10/"total-successful-session-count":0x10/' |
    json_mail h051 | emit 051-hex-count 0 'not json|parse|syntax|invalid'

# 052 a top-level array
{ printf '['; report h052 | tr -d '\n'; printf ']\n'; } | json_mail h052 |
    emit 052-top-level-array 0 'object|not a report|report-id|type'

# 053 the JSON literal null
printf 'null\n' | json_mail h053 | emit 053-json-null 0 'object|not json|no report|type'

# 054 organization-name is an object
report h054 | sed 's/"organization-name":"Hostile Example"/"organization-name":{"a":1}/' |
    json_mail h054 | emit 054-org-is-object 0 'organization-name|string|type'

# 055 policies is an object
report h055 | sed 's/"policies":\[\(.*\)\]}$/"policies":\1}/' | json_mail h055 |
    emit 055-policies-object 0 'policies|array|type'

# 056 an empty report-id
report '' | json_mail h056 | emit 056-empty-report-id 0 'report-id'

# 057 report-id carrying CR LF and a fake header, and HTML
report 'h057\r\nSubject: injected\r\n<script>alert(1)</script>' | json_mail h057 |
    emit 057-header-injection-id 1 'h057\\r\\nSubject'

# 058 1001 policies (past policies 1000), gzip
awk 'BEGIN {
	printf "{\"organization-name\":\"Hostile Example\",\"date-range\":"
	printf "{\"start-datetime\":\"2026-10-31T00:00:00Z\",\"end-datetime\":"
	printf "\"2026-10-31T23:59:59Z\"},\"contact-info\":\"x@hostile.example\","
	printf "\"report-id\":\"h058\",\"policies\":["
	for (i = 0; i < 1001; i++)
		printf "%s{\"policy\":{\"policy-type\":\"no-policy-found\"," \
		    "\"policy-domain\":\"d%d.example.com\"},\"summary\":{" \
		    "\"total-successful-session-count\":1," \
		    "\"total-failure-session-count\":0}}", i ? "," : "", i
	printf "]}\n"
}' | gz | gz_mail h058 | emit 058-1001-policies 0 'policies'

# 059 a 4097-byte organization-name (past string-length 4k)
o=$(head -c 4097 /dev/zero | tr '\0' 'o')
report h059 | sed "s/Hostile Example/$o/" | json_mail h059 |
    emit 059-long-string 0 'longer|string-length'

# 060 JSON nested 65 deep in an extension member (past json-depth 64)
d1=$(head -c 65 /dev/zero | tr '\0' '[')
d2=$(head -c 65 /dev/zero | tr '\0' ']')
report h060 "\"x-deep\":$d1$d2," | json_mail h060 |
    emit 060-json-65-deep 0 'nest|depth'

# 061 the same report twice in one mail with different counts
{
	hdr h061
	printf 'Content-Type: multipart/mixed; boundary="c"\n\n--c\n'
	printf 'Content-Type: application/tlsrpt+json\n\n'
	report h061
	printf -- '--c\nContent-Type: application/tlsrpt+json\n\n'
	report h061 | sed 's/"total-successful-session-count":10/"total-successful-session-count":11/'
	printf -- '--c--\n'
} | emit 061-conflicting-twins 1 'conflict'

# 062 a JSON string with every control character escaped
report h062 | sed 's/Hostile Example/\\u0001\\u0007\\b\\f\\n\\r\\t\\u001b\\u007f\\u202e\\u2028/' |
    json_mail h062 | emit 062-control-escapes 1 'h062'

rm -f "$out/.r"
