#!/bin/sh
# Postfix end to end: a private Postfix instance on 127.0.0.1 receives
# a few hundred report mails over SMTP and delivers them to
# tlsrpt-ingest, first through the /etc/aliases pipe (local(8), as
# nobody), then through the pipe(8) transport with user=tlsrpt reached by
# a transport map, both configured with the lines of contrib/postfix/.
# Every report must be stored exactly once and no mail may bounce.  An
# unwritable store must make Postfix defer (not bounce) the mail, which
# arrives once after the fix and a queue flush.  Root running tlsrpt (as
# from cron) must leave the store usable by the delivery user.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

heavy_or_skip
need_root Postfix
serialize postfix
for p in postfix postalias postmap postqueue nc; do
	command -v "$p" >/dev/null 2>&1 ||
	    skip_all "$p missing (Debian packages postfix, netcat-openbsd)"
done
getent passwd postfix >/dev/null || skip_all "no postfix user"
PORT=$(free_port) || skip_all "no free port on 127.0.0.1"
NOGROUP=$(id -gn nobody)
install_bin
trap 'pf_stop; [ "$tap_failed" = 0 ] || tail -n 30 "$PF/maillog" | sed "s/^/# /"; rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

# The user of the pipe(8) transport, as debian/tlsrpt-ingest.postinst
# makes it.  Left in place: a system user without a shell or a home.
getent passwd tlsrpt >/dev/null ||
    adduser --quiet --system --group --no-create-home \
	--home /var/lib/tlsrpt tlsrpt ||
    useradd --system --user-group --home-dir /var/lib/tlsrpt \
	--no-create-home --shell /usr/sbin/nologin tlsrpt ||
    getent passwd tlsrpt >/dev/null
SA="$TMP/store-alias"
SP="$TMP/store-pipe"
install -d -o nobody -g "$NOGROUP" -m 0770 "$SA"
install -d -o tlsrpt -g tlsrpt -m 0750 "$SP"

# Configuration: the contrib/postfix lines with our paths.  The sender's
# own address is an alias to a file, where any bounce would land.
C="$top_srcdir/contrib/postfix"
pf_setup "$PORT"
{
	echo "postmaster: reporter"
	echo "reporter: $PF/reporter.mbox"
	grep -v '^#' "$C/aliases" |
	    sed "s|/usr/bin/tlsrpt-ingest|$BIN/tlsrpt-ingest --dkim=off --store=$SA/reports.db|"
} >"$PF/etc/aliases"
grep -v '^#' "$C/master.cf" |
    sed "s|/usr/bin/tlsrpt-ingest|$BIN/tlsrpt-ingest --dkim=off --store=$SP/reports.db|" \
	>>"$PF/etc/master.cf"
{
	grep -v '^#' "$C/main.cf" | sed "s|/etc/postfix/|$PF/etc/|"
	# tlsrpt-pipe@ is no Unix user and no alias: accept any local name.
	echo "local_recipient_maps ="
} >>"$PF/etc/main.cf"
echo "tlsrpt-pipe@tlsrpt.test tlsrpt:" >"$PF/etc/transport"
touch "$PF/reporter.mbox"
chown nobody "$PF/reporter.mbox"
pf postalias "$PF/etc/aliases"
pf postmap "$PF/etc/transport"
ok "Postfix starts on 127.0.0.1:$PORT" pf_start

# The mails: our fixtures and samples, the real corpus when present, and
# generated reports up to a few hundred.  Each of the first 20 generated
# mails is sent twice: a duplicate must not be stored twice.
fixture_mails "$TMP/fix"
NFIX=$(find "$TMP/fix" -type f | wc -l | tr -d ' ')
NGEN=$((300 - NFIX))
gen_mails "$TMP/gen-a" "$NGEN" alias
gen_mails "$TMP/gen-p" 60 pipe
"$INGEST" --dkim=off --log=stderr --store "$TMP/ref-a.db" "$TMP/fix" "$TMP/gen-a" \
    2>"$TMP/ref.log"
report_lines "$TMP/ref-a.db" >"$TMP/ref-a"
"$INGEST" --dkim=off --log=stderr --store "$TMP/ref-p.db" "$TMP/fix" "$TMP/gen-p" \
    2>"$TMP/ref.log"
report_lines "$TMP/ref-p.db" >"$TMP/ref-p"
echo "# $NFIX fixture mails, $(wc -l <"$TMP/ref-a") reports"

# deliver_all RCPT DIR...: send every mail in the DIRs, then the first 20
# of them again, in one SMTP session; wait for the queue to drain.
deliver_all() {
	_r=$1
	shift
	find "$@" -type f | sort >"$TMP/list1"
	cat "$TMP/list1" >"$TMP/list"
	head -n 20 "$TMP/list1" >>"$TMP/list"
	wc -l <"$TMP/list" | tr -d ' ' >"$TMP/sent"
	# shellcheck disable=SC2046
	smtp_send "$PORT" reporter@tlsrpt.test "$_r" $(cat "$TMP/list") &&
	    wait_until 150 pf_empty
}

# check_delivery RCPT STORE REF OWNER: the checks after a bulk delivery.
check_delivery() {
	ok "$1: every mail delivered" \
	    is "$(pf_log_count "to=<$1>.*status=sent")" "$(cat "$TMP/sent")"
	ok "$1: no mail bounced" is "$(pf_log_count 'status=bounced')" 0
	ok "$1: no mail deferred" is "$(pf_log_count 'status=deferred')" 0
	ok "$1: the sender's mailbox is empty" test ! -s "$PF/reporter.mbox"
	report_lines "$2/reports.db" >"$TMP/got"
	ok "$1: every report stored exactly once" cmp "$3" "$TMP/got"
	ok "$1: the store's files belong to $4" \
	    is "$(find "$2" ! -user "$4" | wc -l | tr -d ' ')" 0
}

# as_cron STORE RCPT: root runs tlsrpt on the store; then one more
# report must still be delivered at once.
as_cron() {
	ok "$2: root runs tlsrpt list" "$ADMIN" --store "$1/reports.db" list
	ok "$2: root runs tlsrpt export" "$ADMIN" --store "$1/reports.db" export
	ok "$2: ... and leaves nothing owned by root" \
	    is "$(find "$1" -user root | wc -l | tr -d ' ')" 0
	gen_mails "$TMP/cron-$GEN" 1 "cron-$GEN"
	ok "$2: a report after root's run is accepted" \
	    smtp_send "$PORT" reporter@tlsrpt.test "$2" "$TMP/cron-$GEN"/*.eml
	ok "$2: ... delivered" wait_until 60 pf_empty
	ok "$2: ... stored" sh -c \
	    "'$ADMIN' --store '$1/reports.db' export | grep -q 'cron-$GEN-1@'"
	ok "$2: ... without a deferral" is "$(pf_log_count 'status=deferred')" 0
}

# defer_retry STORE OWNER:GROUP MODE RCPT: a store that root took over
# (chown -R, as a careless root cron job would) defers the mail; after
# the fix and a flush it arrives once.
defer_retry() {
	chown -R root:root "$1"
	chmod 755 "$1"
	gen_mails "$TMP/late-$GEN" 1 "late-$GEN"
	ok "$4: a report to an unwritable store is accepted" \
	    smtp_send "$PORT" reporter@tlsrpt.test "$4" "$TMP/late-$GEN"/*.eml
	ok "$4: Postfix defers it" wait_until 30 \
	    grep -q "to=<$4>.*status=deferred" "$PF/maillog"
	ok "$4: with the 4.3.0 line of tlsrpt-ingest" grep -q \
	    "to=<$4>.*dsn=4\\.3\\.0, status=deferred (tlsrpt-ingest: store " \
	    "$PF/maillog"
	ok "$4: it stays in the queue" is "$(pf_queued)" 1
	ok "$4: nothing bounced" is "$(pf_log_count 'status=bounced')" 0
	chown -R "$2" "$1"
	chmod "$3" "$1"
	ok "$4: postqueue -f after the fix" pf postqueue -f
	ok "$4: the queue drains" wait_until 60 pf_empty
	ok "$4: the deferred report is stored once" is "$("$ADMIN" --store \
	    "$1/reports.db" export | grep -c "late-$GEN-1@")" 1
	ok "$4: still nothing bounced" is "$(pf_log_count 'status=bounced')" 0
	ok "$4: the sender's mailbox is empty" test ! -s "$PF/reporter.mbox"
}

GEN=a
pf_mark
t0=$(date +%s)
ok "aliases: $(wc -l <"$TMP/ref-a") reports sent over SMTP" \
    deliver_all tlsrpt@tlsrpt.test "$TMP/fix" "$TMP/gen-a"
echo "# aliases: $(cat "$TMP/sent") mails delivered in $(($(date +%s) - t0)) s"
check_delivery tlsrpt@tlsrpt.test "$SA" "$TMP/ref-a" nobody
ok "aliases: delivered by local(8) to the command" grep -q \
    "to=<tlsrpt@tlsrpt.test>, relay=local,.*status=sent (delivered to command" \
    "$PF/maillog"
as_cron "$SA" tlsrpt@tlsrpt.test
defer_retry "$SA" "nobody:$NOGROUP" 0770 tlsrpt@tlsrpt.test

GEN=p
pf_mark
t0=$(date +%s)
ok "pipe: $(wc -l <"$TMP/ref-p") reports sent over SMTP" \
    deliver_all tlsrpt-pipe@tlsrpt.test "$TMP/fix" "$TMP/gen-p"
echo "# pipe: $(cat "$TMP/sent") mails delivered in $(($(date +%s) - t0)) s"
check_delivery tlsrpt-pipe@tlsrpt.test "$SP" "$TMP/ref-p" tlsrpt
ok "pipe: delivered by the tlsrpt pipe(8) transport" grep -q \
    "to=<tlsrpt-pipe@tlsrpt.test>, relay=tlsrpt,.*status=sent" "$PF/maillog"
as_cron "$SP" tlsrpt-pipe@tlsrpt.test
defer_retry "$SP" tlsrpt:tlsrpt 0750 tlsrpt-pipe@tlsrpt.test
done_testing
