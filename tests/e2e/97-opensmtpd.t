#!/bin/sh
# OpenSMTPD end to end: the real smtpd of Debian's opensmtpd package,
# listening on 127.0.0.1, delivers report mail received over SMTP to
# tlsrpt-ingest with the lines of contrib/opensmtpd/README.md (read from
# the README here, only the paths changed): the action and match lines,
# the table for another address, and the aliases line.  Every report is
# stored exactly once with its envelope sender; a mail that is not a
# report is delivered and nothing bounces; a store that cannot be
# written leaves the mail queued (temporary failure, the 4.3.0 line in
# `smtpctl show queue`) until `smtpctl schedule all` after the fix
# stores it once; a command killed by a signal is deferred with the
# README's `exec`, and bounced without it.
#
# Design rationale:
# - The package conflicts with Postfix (installed for 92-postfix.t), so
#   it is never installed: tests/deps.sh downloads the .deb (and any
#   library it needs that is missing) into $DEBS, and this test unpacks
#   them with dpkg -x into $TMP.
# - smtpd's paths are compiled in: the spool /var/spool/smtpd, the
#   chroot /var/lib/opensmtpd/empty, the control socket
#   /var/run/smtpd.sock and the helpers in /usr/libexec/opensmtpd (the
#   mda action runs mail.mda).  smtpd runs in a private mount namespace
#   (unshare -m) where /var and /run are overlays whose upper layers are
#   in $TMP, and /usr/libexec an overlay that adds the unpacked helpers:
#   nothing of the machine (/etc, /var, /run) is written, and the
#   namespace goes away with smtpd.  smtpctl enters it with nsenter.
# - The users smtpd demands by name (Debian's opensmtpd and opensmtpq)
#   and tlsrpt (the README's action) are created as the package's
#   postinst does when missing, and left in place: system users without
#   a shell or a home.
# - smtpd runs in the foreground (-d); its log is its stderr, $OS/log.
#   The sender's domain is delivered to a file, where any bounce lands.
# - The configuration is checked with smtpd -n before anything else, so
#   that a wrong README line fails the test instead of skipping it.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

heavy_or_skip
need_root OpenSMTPD
for p in dpkg unshare nsenter setpriv mount nc; do
	command -v "$p" >/dev/null 2>&1 ||
	    skip_all "$p missing (Debian packages dpkg, util-linux, netcat-openbsd)"
done
DEBS=${TI_DEB_CACHE:-/var/cache/tlsrpt-test-debs}/opensmtpd
ls "$DEBS"/opensmtpd_*.deb >/dev/null 2>&1 ||
    skip_all "no opensmtpd .deb in $DEBS (tests/deps.sh downloads it)"
grep -qw overlay /proc/filesystems || skip_all "no overlay file system"
serialize opensmtpd
PORT=$(random_port)
install_bin
OS="$TMP/opensmtpd"
X="$OS/root"
mkdir -p "$X" "$OS/var.up" "$OS/var.work" "$OS/run.up" "$OS/run.work"
for d in "$DEBS"/*.deb; do
	dpkg -x "$d" "$X"
done
LIBS=
for d in "$X"/lib/*-linux-gnu "$X"/usr/lib/*-linux-gnu; do
	[ ! -d "$d" ] || LIBS="$LIBS${LIBS:+:}$d"
done
SMTPD="$X/usr/sbin/smtpd"
env LD_LIBRARY_PATH="$LIBS" ldd "$SMTPD" "$X/usr/sbin/smtpctl" |
    grep -q 'not found' && skip_all "smtpd: a library is missing"

# The namespace: ns.sh COMMAND... runs COMMAND with the overlays.
cat >"$OS/ns.sh" <<EOF
set -e
mount --make-rprivate /
mount -t overlay overlay \
    -o lowerdir=/var:$X/var,upperdir=$OS/var.up,workdir=$OS/var.work /var
mount -t overlay overlay \
    -o lowerdir=/run,upperdir=$OS/run.up,workdir=$OS/run.work /run
mount -t overlay overlay -o lowerdir=$X/usr/libexec:/usr/libexec /usr/libexec
test -x /usr/libexec/opensmtpd/mail.mda
test -d /var/lib/opensmtpd/empty
exec env LD_LIBRARY_PATH="$LIBS" "\$@"
EOF
unshare -m sh "$OS/ns.sh" true >"$OS/ns.err" 2>&1 ||
    skip_all "no private mount namespace with overlays here: $(head -n 1 "$OS/ns.err")"

# The users, as the package's postinst makes them (smtpd looks them up
# by these names), and the user of the README's action.
for n in opensmtpd opensmtpq; do
	getent group "$n" >/dev/null || addgroup --quiet --system "$n" ||
	    groupadd --system "$n" || true
	getent passwd "$n" >/dev/null ||
	    adduser --quiet --system --home /var/lib/opensmtpd/empty \
		--no-create-home --disabled-password --ingroup "$n" "$n" ||
	    useradd --system --gid "$n" --home-dir /var/lib/opensmtpd/empty \
		--no-create-home --shell /usr/sbin/nologin "$n" || true
	getent passwd "$n" >/dev/null || skip_all "cannot create the user $n"
done
getent passwd tlsrpt >/dev/null ||
    adduser --quiet --system --group --no-create-home \
	--home /var/lib/tlsrpt tlsrpt ||
    useradd --system --user-group --home-dir /var/lib/tlsrpt \
	--no-create-home --shell /usr/sbin/nologin tlsrpt || true
getent passwd tlsrpt >/dev/null || skip_all "cannot create the user tlsrpt"

S="$TMP/store"
SA="$TMP/store-alias"
install -d -o tlsrpt -g tlsrpt -m 0750 "$S"
install -d -o opensmtpd -g opensmtpd -m 0750 "$SA"
touch "$OS/sink.mbox"
chown nobody "$OS/sink.mbox"

# Configuration.  The README's lines: its code blocks are the runs of
# lines indented by four spaces.  readme_block N RE: the Nth block with a
# line that matches the extended regular expression RE, unindented.
README="$top_srcdir/contrib/opensmtpd/README.md"
readme_block() {
	awk -v n="$1" -v re="$2" '
	    /^    / { b = b substr($0, 5) "\n"; if ($0 ~ re) m = 1; next }
	    { if (m && ++k == n) { printf "%s", b; done = 1; exit }
	      b = ""; m = 0 }
	    END { if (!done && m && ++k == n) printf "%s", b }' "$README"
}
# (--dkim=off: the test mails are not DKIM-signed, and [trust] dkim =
# verify would set them aside; this test is about OpenSMTPD's contract.)
cmd() {
	sed "s|/usr/bin/tlsrpt-ingest|$BIN/tlsrpt-ingest --dkim=off --store=$1/reports.db|"
}
readme_block 1 '^    action "tlsrpt" mda' | cmd "$S" >"$OS/readme-action"
readme_block 2 '^    action "tlsrpt" mda' | cmd "$S" |
    sed '/^\(action\|match\) /s/action "tlsrpt"/action "tlsrpt-alt"/' \
	>"$OS/readme-alt"
readme_block 1 '^    tlsrpt: "[|]' | cmd "$SA" >"$OS/aliases"
for f in readme-action readme-alt aliases; do
	echo "# $f:"
	sed 's/^/#   /' "$OS/$f"
done
{
	echo "listen on 127.0.0.1 port $PORT"
	cat "$OS/readme-action" "$OS/readme-alt"
	echo "table aliases file:$OS/aliases"
	echo 'action "local" mbox alias <aliases>'
	echo 'match from any for domain "alias.test" action "local"'
	# The README's command without its exec, for the crash case.
	sed -n 's/^action "tlsrpt" mda "exec /action "noexec" mda "/p' \
	    "$OS/readme-action"
	echo 'match from any for domain "noexec.test" action "noexec"'
	# The sender's address: the bounces land in sink.mbox.
	echo 'table bouncebox { "reporter" = "nobody" }'
	echo "action \"sink\" mda \"cat >>$OS/sink.mbox\" alias <bouncebox> user nobody"
	echo 'match from any for domain "reporter.example" action "sink"'
} >"$OS/smtpd.conf"

cp "$X/usr/sbin/smtpctl" "$OS/smtpctl"
# smtpctl must run with the group opensmtpq (the package makes it
# setgid); the queue and the socket are in the namespace of smtpd.
# Entering a mount namespace moves to the namespace's own root, which is
# not ours when the suite runs in a chroot: -r keeps the root of smtpd.
# (fd 9 is serialize's lock: no child may hold it)
osctl() {
	nsenter -t "$SMTPD_PID" -m -r setpriv --regid=opensmtpq --clear-groups \
	    env LD_LIBRARY_PATH="$LIBS" "$OS/smtpctl" "$@" 9>&-
}
SMTPD_PID=
os_stop() {
	[ -n "$SMTPD_PID" ] || return 0
	kill "$SMTPD_PID" 2>/dev/null || true
	wait_until 20 sh -c "! kill -0 $SMTPD_PID" || true
}
trap 'os_stop; [ "$tap_failed" = 0 ] || tail -n 30 "$OS/log" | sed "s/^/# /"; rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

ok "smtpd -n accepts the README's lines" \
    env LD_LIBRARY_PATH="$LIBS" "$SMTPD" -n -f "$OS/smtpd.conf"
unshare -m sh "$OS/ns.sh" "$SMTPD" -d -f "$OS/smtpd.conf" \
    >"$OS/log" 2>&1 9>&- &
SMTPD_PID=$!
ok "OpenSMTPD starts on 127.0.0.1:$PORT" \
    wait_until 20 sh -c "kill -0 $SMTPD_PID && nc -z 127.0.0.1 $PORT"
ok "smtpctl reaches it" osctl show status

# The log lines after os_mark that match an extended regular expression.
OS_MARK=0
os_mark() {
	OS_MARK=$(wc -l <"$OS/log")
}
os_log_count() {
	tail -n "+$((OS_MARK + 1))" "$OS/log" | grep -Ec "$1" || true
}
os_queued() {
	osctl show queue | grep -c . || true
}
os_empty() {
	[ "$(os_queued)" = 0 ]
}
# deliveries RCPT RESULT: the mda deliveries to RCPT with that result.
deliveries() {
	os_log_count "mda delivery .* to=<$1> .*result=$2 "
}
# send RCPT FILE...: one SMTP session, then wait for the queue to drain.
send() {
	_r=$1
	shift
	smtp_send "$PORT" reporter@reporter.example "$_r" "$@" &&
	    wait_until 60 os_empty
}
# The number of copies of the report with this id in the store.
copies() {
	"$ADMIN" --store "$1/reports.db" export --format jsonl |
	    grep -c "\"report-id\":\"$2\"" || true
}
bounces() {
	os_log_count 'mda delivery .* from=<> '
}
nothing_bounced() {
	is "$(bounces)" 0 && is "$(os_log_count 'result=PermFail')" 0 &&
	    test ! -s "$OS/sink.mbox"
}

# 1. The README's action: the samples and a few generated reports, the
# first two of them twice.
gen_mails "$TMP/gen" 6 os
mkdir -p "$TMP/mails"
cp "$DATA"/samples/*.eml "$TMP/mails/"
"$INGEST" --dkim=off --log=stderr --store "$TMP/ref.db" "$TMP/mails" \
    "$TMP/gen" 2>"$TMP/ref.log"
report_lines "$TMP/ref.db" >"$TMP/ref"
find "$TMP/mails" "$TMP/gen" -type f | sort >"$TMP/list1"
cat "$TMP/list1" >"$TMP/list"
head -n 2 "$TMP/list1" >>"$TMP/list"
NSENT=$(wc -l <"$TMP/list" | tr -d ' ')
os_mark
# shellcheck disable=SC2046
ok "action: $NSENT report mails sent over SMTP, the queue drains" \
    send tlsrpt@example.com $(cat "$TMP/list")
ok "action: every mail delivered (result=Ok)" \
    is "$(deliveries tlsrpt@example.com Ok)" "$NSENT"
ok "action: ... by the command as the user tlsrpt" \
    is "$(os_log_count 'to=<tlsrpt@example.com> .*user=tlsrpt .*result=Ok')" \
    "$NSENT"
report_lines "$S/reports.db" >"$TMP/got"
ok "action: every report stored exactly once" cmp "$TMP/ref" "$TMP/got"
ok "action: each with the envelope sender" is "$("$ADMIN" --store \
    "$S/reports.db" export --format jsonl | grep -vc \
    '"envelope-sender":"reporter@reporter.example"' || true)" 0
ok "action: the store's files belong to tlsrpt" \
    is "$(find "$S" ! -user tlsrpt | wc -l | tr -d ' ')" 0
ok "action: no deferral" is "$(os_log_count result=TempFail)" 0
ok "action: nothing bounced" nothing_bounced

# 2. A mail that is not a report: delivered (tlsrpt-ingest sets it
# aside and exits 0), nothing stored, nothing bounces.
N0=$(wc -l <"$TMP/got" | tr -d ' ')
printf '%s\n' 'From: someone <someone@reporter.example>' \
    'To: tlsrpt@example.com' 'Subject: hello' \
    'Message-ID: <not-a-report@reporter.example>' '' 'Just a note.' \
    >"$TMP/note.eml"
os_mark
ok "not a report: accepted, the queue drains" \
    send tlsrpt@example.com "$TMP/note.eml"
ok "not a report: delivered" is "$(deliveries tlsrpt@example.com Ok)" 1
ok "not a report: nothing stored" \
    is "$(report_lines "$S/reports.db" | wc -l | tr -d ' ')" "$N0"
ok "not a report: nothing bounces" nothing_bounced

# 3. Another address through the README's table.
gen_mails "$TMP/alt" 1 alt
os_mark
ok "table: a report to tls-reports@example.com" \
    send tls-reports@example.com "$TMP/alt"/*.eml
ok "table: delivered as tlsrpt" is "$(os_log_count \
    'to=<tls-reports@example.com> .*user=tlsrpt .*result=Ok')" 1
ok "table: stored once" is "$(copies "$S" alt-1@reporter.example)" 1

# 4. The README's aliases line: run as opensmtpd.
gen_mails "$TMP/ali" 1 ali
os_mark
ok "aliases: a report to tlsrpt@alias.test" \
    send tlsrpt@alias.test "$TMP/ali"/*.eml
ok "aliases: delivered as opensmtpd" is "$(os_log_count \
    'to=<tlsrpt@alias.test> .*user=opensmtpd .*result=Ok')" 1
ok "aliases: stored once with the envelope sender" sh -c \
    "'$ADMIN' --store '$SA/reports.db' export --format jsonl |
    grep 'ali-1@reporter.example' |
    grep -q '\"envelope-sender\":\"reporter@reporter.example\"'"
ok "aliases: nothing bounces" nothing_bounced

# 5. A store that root took over: the mda exits 75, OpenSMTPD keeps the
# mail queued; after the fix a retry stores it once.
chown -R root:root "$S"
chmod 755 "$S"
gen_mails "$TMP/late" 1 late
os_mark
ok "unwritable: a report is accepted" \
    smtp_send "$PORT" reporter@reporter.example tlsrpt@example.com \
    "$TMP/late"/*.eml
ok "unwritable: a temporary failure with the 4.3.0 line" wait_until 30 \
    grep -Eq 'to=<tlsrpt@example.com> .*result=TempFail .*"4\.3\.0 tlsrpt-ingest: store ' \
    "$OS/log"
# One line of `smtpctl show queue`: id|...|rcpt|...|state|tries|"error".
queued_4_3_0() {
	osctl show queue |
	    grep -c '|tlsrpt@example\.com|.*|pending|.*"4\.3\.0 tlsrpt-ingest' ||
	    true
}
ok "unwritable: the mail stays queued, pending, with the 4.3.0 line" \
    is "$(queued_4_3_0)" 1
ok "unwritable: nothing bounces" nothing_bounced
chown -R tlsrpt:tlsrpt "$S"
chmod 0750 "$S"
ok "unwritable: smtpctl schedule all after the fix" osctl schedule all
ok "unwritable: the queue drains" wait_until 30 os_empty
ok "unwritable: delivered on the retry" \
    is "$(deliveries tlsrpt@example.com Ok)" 1
ok "unwritable: stored once" is "$(copies "$S" late-1@reporter.example)" 1
ok "unwritable: still nothing bounced" nothing_bounced

# 6. A command killed by a signal (a stand-in for tlsrpt-ingest that
# reads the mail and kills itself, as the OOM killer would): deferred
# with the README's exec, by the action and by the alias; bounced by
# the same action without exec.  The real program back, a retry stores
# the deferred ones once.
mv "$BIN/tlsrpt-ingest" "$BIN/tlsrpt-ingest.real"
printf '#!/bin/sh\ncat >/dev/null\nkill -KILL $$\n' >"$BIN/tlsrpt-ingest"
chmod 755 "$BIN/tlsrpt-ingest"
gen_mails "$TMP/kill" 1 kill
os_mark
smtp_send "$PORT" reporter@reporter.example tlsrpt@example.com \
    "$TMP/kill"/*.eml
smtp_send "$PORT" reporter@reporter.example tlsrpt@alias.test \
    "$TMP/kill"/*.eml
ok "signal: the action (exec) defers" wait_until 30 sh -c \
    "grep -q 'to=<tlsrpt@example.com> .*result=TempFail' '$OS/log'"
ok "signal: the alias (exec) defers" wait_until 30 sh -c \
    "grep -q 'to=<tlsrpt@alias.test> .*result=TempFail' '$OS/log'"
ok "signal: both stay queued" is "$(os_queued)" 2
ok "signal: nothing bounced" nothing_bounced
smtp_send "$PORT" reporter@reporter.example tlsrpt@noexec.test \
    "$TMP/kill"/*.eml
ok "signal: without exec, the action bounces (Killed)" wait_until 30 sh -c \
    "grep -q 'to=<tlsrpt@noexec.test> .*result=PermFail .*Killed' '$OS/log'"
ok "signal: ... and the bounce reaches the sender" wait_until 30 \
    grep -q '^Subject: Delivery status notification: failed' "$OS/sink.mbox"
mv "$BIN/tlsrpt-ingest.real" "$BIN/tlsrpt-ingest"
ok "signal: smtpctl schedule all" osctl schedule all
ok "signal: the queue drains" wait_until 30 os_empty
ok "signal: stored once by the action" \
    is "$(copies "$S" kill-1@reporter.example)" 1
ok "signal: stored once by the alias" \
    is "$(copies "$SA" kill-1@reporter.example)" 1
done_testing
