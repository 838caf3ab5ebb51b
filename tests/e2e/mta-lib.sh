# mta-lib.sh: sourced after lib.sh by the tests that run real mail
# software (92-postfix.t, 93-rsyslog.t, 94-procmail-sieve.t,
# 97-opendkim-milter.t, 98-debian.t).
# Gates for slow tests, a copy of the programs that the delivery users can
# run, generated report mails, a small SMTP client, and a private Postfix
# instance.

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (starts $1 as a service)"
}

# Slow tests run once per CI run: in the plain build only (the Makefile
# sets TI_HEAVY_TESTS=1 unless it uses the sanitizers or valgrind), and
# not again in the copy that "make distcheck" builds and checks.
heavy_or_skip() {
	[ "${TI_HEAVY_TESTS:-0}" = 1 ] ||
	    skip_all "slow test: runs only in the plain build (TI_HEAVY_TESTS=1)"
	case $abs_top_builddir in
	*/_build/sub) skip_all "slow test: not repeated under make distcheck" ;;
	esac
}

# serialize NAME: wait until no other test run on this machine holds the
# machine-wide resource NAME (/dev/log, port 25, the installed package),
# e.g. when two build trees run their tests at once.
serialize() {
	command -v flock >/dev/null 2>&1 || return 0
	exec 9>"/tmp/tlsrpt-e2e-$1.lock"
	flock -w 900 9 || skip_all "another test run holds $1 for 15 minutes"
}

# The programs, copied to $BIN (mode 755 along the whole path) so that
# nobody, tlsrpt or a mail user can execute them: the build tree may be
# under a 0700 home directory.
BIN="$TMP/bin"
install_bin() {
	mkdir -p "$BIN"
	cp "$INGEST" "$ADMIN" "$BIN/"
	chmod 755 "$TMP" "$BIN" "$BIN/tlsrpt-ingest" "$BIN/tlsrpt"
	_d=$TMP
	while [ "$_d" != / ]; do
		_d=$(dirname "$_d")
		[ "$(($(stat -c %#a "$_d") & 1))" = 1 ] ||
		    skip_all "$_d is not searchable by other users"
	done
}

# The stored reports of a store, one canonical line each (without our
# _meta), sorted: two stores hold the same reports iff these are equal.
report_lines() {
	"$ADMIN" --store "$1" export --format jsonl | sed 's/,"_meta":.*$//' |
	    sort
}

# report_json ID DAY N: one RFC 8460 report, with a failure on every
# fifth N.
report_json() {
	_fail=0
	_details=
	if [ $(($3 % 5)) = 0 ]; then
		_fail=$(($3 % 7 + 1))
		_details=',
      "failure-details": [
        {
          "result-type": "certificate-expired",
          "sending-mta-ip": "192.0.2.'$(($3 % 250 + 1))'",
          "receiving-mx-hostname": "mx2.example.com",
          "failed-session-count": '$_fail'
        }
      ]'
	fi
	cat <<EOF
{
  "organization-name": "E2E Reporter",
  "date-range": {
    "start-datetime": "2026-10-$2T00:00:00Z",
    "end-datetime": "2026-10-$2T23:59:59Z"
  },
  "contact-info": "tlsrpt@reporter.example",
  "report-id": "$1",
  "policies": [
    {
      "policy": {
        "policy-type": "sts",
        "policy-string": ["version: STSv1", "mode: enforce",
          "mx: mx1.example.com", "mx: mx2.example.com", "max_age: 86400"],
        "policy-domain": "example.com",
        "mx-host": ["mx1.example.com", "mx2.example.com"]
      },
      "summary": {
        "total-successful-session-count": $(($3 * 3 + 1)),
        "total-failure-session-count": $_fail
      }$_details
    }
  ]
}
EOF
}

# gen_mails DIR N TAG: N report mails with distinct report-ids, in three
# shapes: multipart/report with a base64 gzip attachment, a bare
# application/tlsrpt+json body, multipart/mixed with application/gzip.
gen_mails() {
	mkdir -p "$1"
	_i=0
	while [ "$_i" -lt "$2" ]; do
		_i=$((_i + 1))
		_id="$3-$_i@reporter.example"
		_day=$(printf %02d $((_i % 28 + 1)))
		_fn="reporter.example!example.com!$_i!$_i!$3-$_i.json"
		report_json "$_id" "$_day" "$_i" >"$TMP/gen.json"
		{
			cat <<EOF
From: TLS Reports <tlsrpt@reporter.example>
To: tlsrpt@example.com
Date: Thu, $_day Oct 2026 04:00:00 +0000
Subject: Report Domain: example.com Submitter: reporter.example
 Report-ID: <$_id>
Message-ID: <mail-$_id>
TLS-Report-Domain: example.com
TLS-Report-Submitter: reporter.example
MIME-Version: 1.0
EOF
			case $((_i % 3)) in
			0)
				printf '%s\n' 'Content-Type: multipart/report; report-type=tlsrpt; boundary="b-e2e"' \
				    '' '--b-e2e' 'Content-Type: text/plain' '' \
				    'A TLS report.' '' '--b-e2e' \
				    "Content-Type: application/tlsrpt+gzip; name=\"$_fn.gz\"" \
				    'Content-Transfer-Encoding: base64' \
				    "Content-Disposition: attachment; filename=\"$_fn.gz\"" ''
				gzip -cn <"$TMP/gen.json" | base64
				printf '%s\n' '' '--b-e2e--'
				;;
			1)
				printf '%s\n' 'Content-Type: application/tlsrpt+json' \
				    'Content-Transfer-Encoding: 7bit' ''
				cat "$TMP/gen.json"
				;;
			2)
				printf '%s\n' 'Content-Type: multipart/mixed; boundary="m-e2e"' \
				    '' '--m-e2e' \
				    "Content-Type: application/gzip; name=\"$_fn.gz\"" \
				    'Content-Transfer-Encoding: base64' ''
				gzip -cn <"$TMP/gen.json" | base64
				printf '%s\n' '' '--m-e2e--'
				;;
			esac
		} >"$1/$3-$_i.eml"
	done
}

# The report mails of the tree (tests/data/mail, the samples) and of the
# shared real corpus beside the tree, when present, copied to DIR.
fixture_mails() {
	mkdir -p "$1"
	cp "$DATA"/mail/*.eml "$DATA"/samples/*.eml "$1/"
	for _c in "${TLSRPT_CORPUS:-}" "$abs_top_srcdir/../shared/corpus/real" \
	    "$abs_top_srcdir/../../shared/corpus/real"; do
		if [ -n "$_c" ] && [ -d "$_c" ]; then
			for _f in "$_c"/*.eml; do
				[ -f "$_f" ] && cp "$_f" "$1/corpus-${_f##*/}"
			done
			break
		fi
	done
	return 0
}

# wait_until SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds.
wait_until() {
	_n=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# A free TCP port on 127.0.0.1, 25 first.
free_port() {
	for _p in 25 10025 20025 30025 40025; do
		nc -z 127.0.0.1 "$_p" >/dev/null 2>&1 || {
			echo "$_p"
			return 0
		}
	done
	return 1
}

# A random TCP port in 20000..59999 that nothing listens on at
# 127.0.0.1, for a second server beside the one on free_port's.
random_port() {
	_p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	_p=$((20000 + _p % 40000))
	while nc -z 127.0.0.1 "$_p" >/dev/null 2>&1; do
		_p=$((_p + 1))
	done
	echo "$_p"
}

# smtp_reply CODE: read one (multi-line) SMTP reply from fd 4 and check
# its code.
smtp_reply() {
	while IFS= read -r _line <&4; do
		_line=$(printf %s "$_line" | tr -d '\r')
		case $_line in
		"$1"-*) ;;
		"$1"*) return 0 ;;
		*)
			echo "SMTP: wanted $1, got: $_line" >&2
			return 1
			;;
		esac
	done
	echo "SMTP: connection closed, wanted $1" >&2
	return 1
}

smtp_cmd() {
	printf '%s\r\n' "$1" >&3
	smtp_reply "$2"
}

# smtp_send PORT FROM RCPT FILE...: one SMTP session to 127.0.0.1:PORT
# that sends each FILE as a mail (a leading mbox From_ line dropped,
# CRLF line ends, dot-stuffed), waiting for every reply.
smtp_send() {
	_port=$1
	_from=$2
	_rcpt=$3
	shift 3
	rm -f "$TMP/smtp.in" "$TMP/smtp.out"
	mkfifo "$TMP/smtp.in" "$TMP/smtp.out"
	nc -N 127.0.0.1 "$_port" <"$TMP/smtp.in" >"$TMP/smtp.out" &
	_nc=$!
	exec 3>"$TMP/smtp.in" 4<"$TMP/smtp.out"
	_st=0
	smtp_reply 220 && smtp_cmd "EHLO client.tlsrpt.test" 250 || _st=1
	for _f in "$@"; do
		[ "$_st" = 0 ] || break
		smtp_cmd "MAIL FROM:<$_from>" 250 &&
		    smtp_cmd "RCPT TO:<$_rcpt>" 250 &&
		    smtp_cmd DATA 354 || {
			_st=1
			break
		}
		awk '{ sub(/\r$/, "") }
		    NR == 1 && /^From / { next }
		    /^\./ { $0 = "." $0 }
		    { printf "%s\r\n", $0 }' "$_f" >&3
		smtp_cmd . 250 || _st=1
	done
	[ "$_st" != 0 ] || smtp_cmd QUIT 221 || _st=1
	exec 3>&- 4<&-
	wait "$_nc" || true
	rm -f "$TMP/smtp.in" "$TMP/smtp.out"
	return "$_st"
}

# --- A private Postfix instance: its own configuration, queue and log
# under $PF, listening on 127.0.0.1 only.  The machine's Postfix
# configuration (/etc/postfix) is read, never written.
PF="$TMP/postfix"
pf() {
	_cmd=$1
	shift
	"$_cmd" -c "$PF/etc" "$@"
}

# pf_setup PORT: write main.cf and master.cf (no chroot, no TLS, the log
# in $PF/maillog).
pf_setup() {
	mkdir -p "$PF/etc" "$PF/spool" "$PF/data"
	chmod 755 "$PF" "$PF/etc" "$PF/spool"
	chown postfix "$PF/data"
	chmod 700 "$PF/data"
	cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
meta_directory = /etc/postfix
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
syslog_name = postfix-e2e
myhostname = tlsrpt.test
mydomain = tlsrpt.test
myorigin = tlsrpt.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination = localhost, tlsrpt.test
mynetworks = 127.0.0.0/8
alias_maps = hash:$PF/etc/aliases
alias_database = hash:$PF/etc/aliases
biff = no
smtpd_banner = \$myhostname ESMTP
default_transport = error:no mail leaves this test
relay_transport = error:no mail leaves this test
EOF
	cat >"$PF/etc/master.cf" <<EOF
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# (fd 9 is serialize's lock: the daemons must not hold it)
pf_start() {
	pf postfix check 9>&- && pf postfix start 9>&-
}

pf_stop() {
	[ -f "$PF/data/master.lock" ] || [ -f "$PF/spool/pid/master.pid" ] ||
	    return 0
	pf postfix stop >/dev/null 2>&1 || true
	_pid=$(tr -d ' ' <"$PF/spool/pid/master.pid" 2>/dev/null || true)
	[ -z "$_pid" ] || wait_until 20 sh -c "! kill -0 $_pid" || true
}

# The number of mails in the queue.
pf_queued() {
	find "$PF/spool/maildrop" "$PF/spool/incoming" "$PF/spool/active" \
	    "$PF/spool/deferred" "$PF/spool/hold" -type f | wc -l | tr -d ' '
}

pf_empty() {
	[ "$(pf_queued)" = 0 ] && pf postqueue -p | grep -q 'queue is empty'
}

# pf_mark: later pf_log_count calls look only at the log lines after now.
PF_MARK=0
pf_mark() {
	PF_MARK=$(wc -l <"$PF/maillog")
}

# How many maillog lines since pf_mark match the extended regular
# expression.
pf_log_count() {
	tail -n "+$((PF_MARK + 1))" "$PF/maillog" | grep -Ec "$1" || true
}

# --- The real Exim of Debian, run from its packages without installing
# them (they conflict with Postfix): the .debs that tests/deps.sh
# downloads to $EXIM_DEBS are unpacked under $EX, the setuid bit of the
# copy dropped.  Exim runs as its own user, Debian-exim (the binary looks
# the name up), with -C and a private configuration whose spool and log
# are under $EX: a copy that is not setuid root cannot change user, so
# every delivery runs as Debian-exim too (Exim writes its log files only
# when its caller is root or the Exim user).
EXIM_DEBS=${TLSRPT_EXIM_DEBS:-/var/cache/tlsrpt-test-debs/exim}
EX="$TMP/exim"
EXIM="$EX/root/usr/sbin/exim4"
EXIM_LIBS=

# exim_unpack: unpack the .debs and create the Debian-exim user, or
# skip the test.
exim_unpack() {
	for _c in setpriv dpkg ldd; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "$_c missing"
	done
	for _p in exim4-daemon-light exim4-base; do
		set -- "$EXIM_DEBS/${_p}"_*.deb
		[ -f "$1" ] ||
		    skip_all "no $_p .deb in $EXIM_DEBS (tests/deps.sh downloads it)"
	done
	mkdir -p "$EX/root"
	for _d in "$EXIM_DEBS"/*.deb; do
		dpkg -x "$_d" "$EX/root" || skip_all "dpkg -x $_d failed"
	done
	# the libraries of the .debs (libidn12)
	EXIM_LIBS=$(find "$EX/root" -name 'lib*.so*' -exec dirname {} + |
	    sort -u | tr '\n' : | sed 's/:$//')
	find "$EX/root" -type f -perm /6000 -exec chmod ug-s {} +
	[ -x "$EXIM" ] || skip_all "no exim4 binary in the .debs"
	_mis=$(LD_LIBRARY_PATH=$EXIM_LIBS ldd "$EXIM" 2>&1 |
	    grep 'not found' | tr -s '\t\n' '  ' || true)
	[ -z "$_mis" ] || skip_all "exim4 needs $_mis"
	getent passwd Debian-exim >/dev/null ||
	    adduser --quiet --system --group --no-create-home \
		--home /nonexistent --allow-bad-names Debian-exim ||
	    useradd --system --user-group --no-create-home \
		--home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim ||
	    getent passwd Debian-exim >/dev/null ||
	    skip_all "cannot create the Debian-exim user"
	mkdir -p "$EX/spool" "$EX/log" "$EX/mail"
	chown Debian-exim:Debian-exim "$EX/spool" "$EX/log" "$EX/mail"
	chmod 755 "$EX"
}

# ex ARGS...: the Exim binary as Debian-exim with our configuration.
ex() {
	setpriv --reuid=Debian-exim --regid=Debian-exim --init-groups \
	    env LD_LIBRARY_PATH="$EXIM_LIBS" "$EXIM" -C "$EX/exim.conf" "$@"
}

# exim_conf ROUTERS TRANSPORTS [MAIN]: write $EX/exim.conf with the
# routers and transports of the files (and main options of MAIN).  The
# sender's address, reporter@tlsrpt.test, is a mailbox file,
# $EX/mail/reporter.mbox, where any bounce lands.
exim_conf() {
	{
		cat <<EOF
primary_hostname = tlsrpt.test
qualify_domain = tlsrpt.test
domainlist local_domains = tlsrpt.test
spool_directory = $EX/spool
log_file_path = $EX/log/%slog
exim_path = $EXIM
keep_environment = LD_LIBRARY_PATH
EOF
		[ -z "${3:-}" ] || cat "$3"
		cat <<EOF
begin routers
reporter:
  driver = accept
  domains = +local_domains
  local_parts = reporter
  transport = reporter_mbox
EOF
		cat "$1"
		cat <<EOF
begin transports
reporter_mbox:
  driver = appendfile
  file = $EX/mail/reporter.mbox
  user = Debian-exim
EOF
		cat "$2"
		# the retry rule of Debian's exim4-config
		printf '%s\n' 'begin retry' '* * F,2h,15m; G,16h,1h,1.5; F,4d,6h'
	} >"$EX/exim.conf"
	chmod 644 "$EX/exim.conf"
}

# ex_send RCPT FILE: FILE from reporter@tlsrpt.test to RCPT, delivered
# at once (-odi); Exim's exit status.
ex_send() {
	ex -odi -f reporter@tlsrpt.test "$1" <"$2" 2>>"$EX/stderr"
}

# The number of messages in Exim's queue.
ex_queued() {
	ex -bpc 2>/dev/null
}

# ex_mark: later ex_log_count calls look only at the log lines after now.
EX_MARK=0
ex_mark() {
	EX_MARK=$(wc -l <"$EX/log/mainlog")
}

# How many mainlog lines since ex_mark match the extended regular
# expression.  A bounce is a message from <> that Exim made: "<= <> R=".
ex_log_count() {
	tail -n "+$((EX_MARK + 1))" "$EX/log/mainlog" | grep -Ec -- "$1" || true
}
