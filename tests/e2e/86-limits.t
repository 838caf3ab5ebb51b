#!/bin/sh
# Every limit of [limits] in tlsrpt.conf(5), set small in a config file:
# input at the limit is stored, input just over it is set aside (exit 0,
# nothing stored, archived in .rejected) with a log line that names the
# limit.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/faults-lib.sh"

CONF="$TMP/limits.conf"
cat >"$CONF" <<'EOF'
[limits]
message-size = 64k
mime-depth = 4
mime-parts = 8
attachment-size = 16k
gunzip-size = 24k
json-depth = 8
policies = 4
failure-details = 6
string-length = 100
reports-per-mail = 2
EOF

# json ID [ORG] [POLICIES] [DETAILS] [DEPTH]: a report with POLICIES
# policies (1), DETAILS failure details in the first one (0), and an
# extension member nested DEPTH arrays deep (0: none).  The report itself
# nests 5 levels (report, policies, policy, policy, policy-string).
json() {
	awk -v id="$1" -v org="${2:-Limits Example}" -v np="${3:-1}" \
	    -v nd="${4:-0}" -v depth="${5:-0}" 'BEGIN {
		printf "{\"organization-name\":\"%s\",", org
		printf "\"date-range\":{\"start-datetime\":\"2026-10-20T00:00:00Z\","
		printf "\"end-datetime\":\"2026-10-20T23:59:59Z\"},"
		printf "\"contact-info\":\"tlsrpt@limits.example\","
		printf "\"report-id\":\"%s\",", id
		if (depth > 0) {
			printf "\"x-ext\":"
			for (i = 0; i < depth; i++) printf "["
			for (i = 0; i < depth; i++) printf "]"
			printf ","
		}
		printf "\"policies\":["
		for (p = 0; p < np; p++) {
			printf "%s{\"policy\":{\"policy-type\":\"sts\",", p ? "," : ""
			printf "\"policy-string\":[\"version: STSv1\"],"
			printf "\"policy-domain\":\"d%d.example.com\"," , p
			printf "\"mx-host\":[\"mx1.example.com\"]},"
			printf "\"summary\":{\"total-successful-session-count\":1,"
			printf "\"total-failure-session-count\":%d}", p ? 0 : nd
			if (p == 0 && nd > 0) {
				printf ",\"failure-details\":["
				for (d = 0; d < nd; d++)
					printf "%s{\"result-type\":\"certificate-expired\"," \
					    "\"sending-mta-ip\":\"203.0.113.%d\"," \
					    "\"receiving-mx-hostname\":\"mx1.example.com\"," \
					    "\"failed-session-count\":1}", d ? "," : "", d + 1
				printf "]"
			}
			printf "}"
		}
		printf "]}\n"
	}'
}

# head_ ID [CTYPE]: the header of a single-part report mail.
head_() {
	printf 'From: reports@limits.example\nTo: tlsrpt@example.com\n'
	printf 'Subject: Report Domain: example.com Submitter: limits.example\n'
	printf 'Message-ID: <%s@limits.example>\nMIME-Version: 1.0\n' "$1"
}

# mail_json ID < JSON: a single-part 7bit application/tlsrpt+json mail.
mail_json() {
	head_ "$1"
	printf 'Content-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: 7bit\n\n'
	cat
}

# pad_to FILE SIZE: append newlines until FILE has SIZE bytes (JSON and
# mail bodies take trailing white space).
pad_to() {
	_have=$(wc -c <"$1")
	[ "$_have" -le "$2" ] || { echo "pad_to: $1 already $_have > $2" >&2; return 1; }
	head -c $(($2 - _have)) /dev/zero | tr '\0' '\n' >>"$1"
}

# part_gz NAME < DATA: a base64 application/tlsrpt+gzip part.
part_gz() {
	printf 'Content-Type: application/tlsrpt+gzip\n'
	printf 'Content-Disposition: attachment; filename="%s.json.gz"\n' "$1"
	printf 'Content-Transfer-Encoding: base64\n\n'
	gzip -n -c | base64
}

# try NAME FILE STORED [REGEX]: ingest FILE with the small limits; expect
# exit 0, STORED new reports, and for 0 a log line matching REGEX.
try() {
	_name=$1 _file=$2 _want=$3 _re=${4:-}
	_before=$(stored)
	ingest -c "$CONF" --archive "$MD" <"$_file"
	ok "$_name: exit 0" is "$rc" 0
	ok "$_name: $_want stored" is "$(($(stored) - _before))" "$_want"
	if [ -n "$_re" ]; then
		ok "$_name: the log says why" grep -Eqi "$_re" "$TMP/log"
	fi
}

fresh
ingest </dev/null # creates the store, so that stored() can count

# message-size 64k: 65536 bytes stored, 65537 set aside (the padding is
# the multipart's epilogue, which no part limit sees).
msg() {
	head_ "$1"
	printf 'Content-Type: multipart/mixed; boundary="m"\n\n--m\n'
	json "$1" | part_gz "$1"
	printf -- '--m--\n'
}
msg msg-at >"$TMP/m1"
pad_to "$TMP/m1" 65536
try "message-size: 64 KiB mail" "$TMP/m1" 1
msg msg-over >"$TMP/m2"
pad_to "$TMP/m2" 65537
try "message-size: 64 KiB + 1" "$TMP/m2" 0 'message-size'
ok "message-size: the oversize mail is archived whole" sh -c \
    "find '$MD/.rejected/new' -type f -size 65537c | grep -q ."

# mime-depth 4: the report inside 3 nested multiparts is stored, inside
# 4 it is past the limit.
nest() {
	_k=$1 _id=$2
	head_ "$_id"
	_i=1
	while [ "$_i" -le "$_k" ]; do
		printf 'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' \
		    "$_i" "$_i"
		_i=$((_i + 1))
	done
	json "$_id" | part_gz "$_id"
	while [ "$_i" -gt 1 ]; do
		_i=$((_i - 1))
		printf '\n--b%d--\n' "$_i"
	done
}
nest 4 depth-at >"$TMP/d1"
try "mime-depth: 4 multiparts" "$TMP/d1" 1
nest 5 depth-over >"$TMP/d2"
try "mime-depth: 5 multiparts" "$TMP/d2" 0 'mime.depth|nest'

# mime-parts 8: the report as the 8th leaf is stored, as the 9th not.
parts() {
	_k=$1 _id=$2
	head_ "$_id"
	printf 'Content-Type: multipart/mixed; boundary="p"\n\n'
	_i=1
	while [ "$_i" -lt "$_k" ]; do
		printf -- '--p\nContent-Type: text/plain\n\npart %d\n' "$_i"
		_i=$((_i + 1))
	done
	printf -- '--p\n'
	json "$_id" | part_gz "$_id"
	printf -- '--p--\n'
}
parts 8 parts-at >"$TMP/p1"
try "mime-parts: report as part 8" "$TMP/p1" 1
parts 9 parts-over >"$TMP/p2"
try "mime-parts: report as part 9" "$TMP/p2" 0 'mime.parts|leaf parts'

# attachment-size 16k: a part that decodes to 16384 bytes is stored,
# 16385 set aside.
json att-at >"$TMP/a.json"
pad_to "$TMP/a.json" 16384
{
	head_ att-at
	printf 'Content-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$TMP/a.json"
} >"$TMP/a1"
try "attachment-size: 16 KiB part" "$TMP/a1" 1
json att-over >"$TMP/a.json"
pad_to "$TMP/a.json" 16385
{
	head_ att-over
	printf 'Content-Type: application/tlsrpt+json\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$TMP/a.json"
} >"$TMP/a2"
try "attachment-size: 16 KiB + 1" "$TMP/a2" 0 'attachment-size'

# gunzip-size 24k: gzip that inflates to 24576 bytes is stored, 24577
# set aside (the attachment itself is small).
json gz-at >"$TMP/g.json"
pad_to "$TMP/g.json" 24576
{
	head_ gz-at
	part_gz gz-at <"$TMP/g.json"
} >"$TMP/g1"
try "gunzip-size: inflates to 24 KiB" "$TMP/g1" 1
json gz-over >"$TMP/g.json"
pad_to "$TMP/g.json" 24577
{
	head_ gz-over
	part_gz gz-over <"$TMP/g.json"
} >"$TMP/g2"
try "gunzip-size: inflates to 24 KiB + 1" "$TMP/g2" 0 'gunzip-size|bomb|inflat'

# The JSON size is bounded by gunzip-size too, gzip or not: a bare
# report file of 24577 bytes.
json js-over >"$TMP/js-over.json"
pad_to "$TMP/js-over.json" 24577
ingest -c "$CONF" "$TMP/js-over.json"
ok "JSON size: a 24 KiB + 1 report file: exit 0" is "$rc" 0
ok "JSON size: ... the log names the limit" grep -Eqi 'gunzip-size|larger|exceed' "$TMP/log"

# json-depth 8: an extension member 7 arrays deep is stored (8 levels
# with the report object), 8 deep is not.
json jd-at "" 1 0 7 | mail_json jd-at >"$TMP/j1"
try "json-depth: 8 levels" "$TMP/j1" 1
json jd-over "" 1 0 8 | mail_json jd-over >"$TMP/j2"
try "json-depth: 9 levels" "$TMP/j2" 0 'nest|depth'

# policies 4.
json pol-at "" 4 | mail_json pol-at >"$TMP/po1"
try "policies: 4" "$TMP/po1" 1
json pol-over "" 5 | mail_json pol-over >"$TMP/po2"
try "policies: 5" "$TMP/po2" 0 'policies'

# failure-details 6.
json fd-at "" 1 6 | mail_json fd-at >"$TMP/f1"
try "failure-details: 6" "$TMP/f1" 1
json fd-over "" 1 7 | mail_json fd-over >"$TMP/f2"
try "failure-details: 7" "$TMP/f2" 0 'failure.details'

# string-length 100: a 100-byte organization-name is stored, 101 not.
org100=$(printf '%100s' '' | tr ' ' o)
json str-at "$org100" | mail_json str-at >"$TMP/s1"
try "string-length: 100 bytes" "$TMP/s1" 1
json str-over "${org100}o" | mail_json str-over >"$TMP/s2"
try "string-length: 101 bytes" "$TMP/s2" 0 'longer than 100|string-length'

# reports-per-mail 2: two report parts are stored, a third is not.
rpm() {
	head_ "$1"
	printf 'Content-Type: multipart/mixed; boundary="r"\n\n'
	_i=1
	while [ "$_i" -le "$2" ]; do
		printf -- '--r\n'
		json "$1-$_i" | part_gz "$1-$_i"
		_i=$((_i + 1))
	done
	printf -- '--r--\n'
}
rpm rpm-at 2 >"$TMP/r1"
try "reports-per-mail: 2" "$TMP/r1" 2
rpm rpm-over 3 >"$TMP/r2"
ingest -c "$CONF" --archive "$MD" <"$TMP/r2"
ok "reports-per-mail: 3: exit 0" is "$rc" 0
ok "reports-per-mail: 3: the log names the limit" grep -Eqi 'reports-per-mail' "$TMP/log"
ok "reports-per-mail: 3: the third is not stored" is \
    "$(sqlite3 "$DB" "SELECT count(*) FROM reports WHERE report_id = 'rpm-over-3';" 2>/dev/null || echo 0)" 0

# Every [limits] key of the configuration is documented in tlsrpt.conf(5)
# and exercised above.
for k in $(sed -n 's/^\([a-z-]*\) = .*/\1/p' "$CONF"); do
	ok "tlsrpt.conf(5) documents $k" grep -q "^\.It Cm $k " \
	    "$top_srcdir/man/tlsrpt.conf.5"
done
done_testing
