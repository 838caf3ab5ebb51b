#!/bin/sh
# Reports in a hosted mailbox (Gmail, Microsoft 365, a provider's IMAP),
# fetched by fetchmail and getmail with the configurations of
# contrib/fetchmail and contrib/getmail, from a real Dovecot IMAP server
# on 127.0.0.1, each message handed to tlsrpt-ingest:
# - every report is stored once and the mailbox is emptied; a mail that
#   is not a report is taken too (exit 0) and set aside; nothing bounces;
# - a second fetch of the same reports (a reporter that resends) stores
#   nothing twice;
# - with the store unwritable, tlsrpt-ingest exits 75 and the mail stays
#   on the server, unseen; the first fetch after the fix stores it once;
# - the fetched mail carries no Received line of the fetcher's own
#   (fetchmail's "set invisible", getmail's "received = false"), so its
#   topmost Received is the mailbox's: when the report really arrived.
# The contrib files are read as they are; only the server, the account
# and the command's path and test options are replaced, and TLS is off
# (sslproto "": on loopback, the test's Dovecot offers none).  The fetchers
# run as nobody, as the store's owner would; Dovecot runs as root with
# its own configuration, base directory and log in $TMP.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

need_root Dovecot
for p in dovecot setpriv nc; do
	command -v "$p" >/dev/null 2>&1 ||
	    skip_all "$p missing (Debian packages dovecot-imapd, util-linux, netcat-openbsd)"
done
[ -x /usr/lib/dovecot/imap ] ||
    skip_all "no IMAP server (Debian package dovecot-imapd)"
install_bin
G=$(id -gn nobody)
H="$TMP/home"
as_user() {
	setpriv --reuid=nobody --regid="$G" --clear-groups env -i \
	    PATH=/usr/bin:/bin HOME="$H" "$@"
}

# --- Dovecot: IMAP only, plain text, on 127.0.0.1
PORT=$(random_port)
D="$TMP/dovecot"
MB="$TMP/mail/reports/Maildir"
mkdir -p "$D/run" "$MB/new" "$MB/cur" "$MB/tmp" "$H/getmail"
chown -R nobody:"$G" "$TMP/mail"
echo 'reports:{PLAIN}secret' >"$D/users"
cat >"$D/dovecot.conf" <<CONF
base_dir = $D/run
state_dir = $D/run/state
instance_name = tlsrpt-e2e-$$
protocols = imap
listen = 127.0.0.1
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = static
  args = uid=nobody gid=$G home=$TMP/mail/%u
}
mail_location = maildir:~/Maildir
log_path = $D/log
default_internal_user = nobody
default_login_user = nobody
CONF
dv_stop() {
	dovecot -c "$D/dovecot.conf" stop >/dev/null 2>&1 || true
}
trap 'dv_stop; [ "$tap_failed" = 0 ] || tail -n 20 "$D/log" | sed "s/^/# /"; rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM
dovecot -c "$D/dovecot.conf" >"$D/start.err" 2>&1 ||
    skip_all "Dovecot does not start: $(tail -n 1 "$D/start.err")"
wait_until 20 nc -z 127.0.0.1 "$PORT" ||
    skip_all "Dovecot does not listen on 127.0.0.1:$PORT"

# put MAIL...: into the mailbox, as the provider's MTA delivers them,
# with the envelope sender in Return-Path and a Received line of its own
# on top.
n_put=0
put() {
	for _f in "$@"; do
		n_put=$((n_put + 1))
		{
			echo "Return-Path: <reports@reporter.example>"
			echo "Received: from mx.reporter.example by imap.example.net"
			echo "	with ESMTPS id box$n_put for <tlsrpt@example.com>;"
			echo "	Mon, 12 Oct 2026 06:00:0$((n_put % 10)) +0000"
			cat "$_f"
		} >"$MB/new/1790000000.M${n_put}P$$.imap.example.net"
	done
	chown -R nobody:"$G" "$MB"
}
on_server() {
	find "$MB/new" "$MB/cur" -type f | wc -l | tr -d ' '
}
# Messages on the server not marked seen (\Seen is the S flag of a
# Maildir file name in cur/).
unseen() {
	{
		find "$MB/new" -type f
		find "$MB/cur" -type f ! -name '*:2,*S*'
	} | wc -l | tr -d ' '
}
count() {
	if [ -f "$1/reports.db" ]; then
		"$ADMIN" --store "$1/reports.db" export --format jsonl |
		    wc -l | tr -d ' '
	else
		echo 0
	fi
}
new_store() {
	rm -rf "$1"
	mkdir -p "$1"
	chown nobody:"$G" "$1"
}
# As a root cron job that took the store over would leave it.
break_store() {
	chown -R root:root "$1"
	chmod 755 "$1"
}
fix_store() {
	chown -R nobody:"$G" "$1"
}

gen_mails "$TMP/a" 6 fetch-a
gen_mails "$TMP/b" 2 fetch-b
printf '%s\n' 'From: Someone <someone@example.org>' 'To: tlsrpt@example.com' \
    'Subject: hello' 'Date: Mon, 12 Oct 2026 05:00:00 +0000' \
    'Message-ID: <not-a-report@example.org>' '' 'Not a report.' \
    >"$TMP/not-a-report.eml"

# --- the fetchers' configurations, from contrib
S="$TMP/store"
CMD="$BIN/tlsrpt-ingest --dkim=off --store=$S/reports.db --archive=$S/Maildir"
FRC="$H/fetchmailrc"
sed -e "s/^poll imap\.example\.net protocol IMAP\$/poll 127.0.0.1 service $PORT protocol IMAP/" \
    -e 's/user "tlsrpt@example.com" password "app-password" is tlsrpt here/user "reports" password "secret" is nobody here/' \
    -e 's/^\([[:space:]]*\)ssl sslcertck$/\1sslproto ""/' \
    -e '/^set daemon /d' -e '/^set syslog$/d' \
    -e "s|mda \"/usr/bin/tlsrpt-ingest -f %F\"|mda \"$CMD -f %F\"|" \
    "$top_srcdir/contrib/fetchmail/fetchmailrc" >"$FRC"
GRC="$H/getmail/getmailrc"
sed -e 's/^type = SimpleIMAPSSLRetriever$/type = SimpleIMAPRetriever/' \
    -e 's/^server = imap\.example\.net$/server = 127.0.0.1/' \
    -e "s/^port = 993\$/port = $PORT/" \
    -e 's/^username = tlsrpt@example\.com$/username = reports/' \
    -e 's/^password = app-password$/password = secret/' \
    -e "s|^path = /usr/bin/tlsrpt-ingest\$|path = $BIN/tlsrpt-ingest|" \
    -e "s|^arguments = (\"-f\", |arguments = (\"--dkim=off\", \"--store=$S/reports.db\", \"--archive=$S/Maildir\", \"-f\", |" \
    "$top_srcdir/contrib/getmail/getmailrc" >"$GRC"
chown -R nobody:"$G" "$H"
chmod 600 "$FRC"
ok "fetchmailrc: only the server, the account and the command replaced" \
    is "$(diff "$top_srcdir/contrib/fetchmail/fetchmailrc" "$FRC" | grep -c '^>')" 4
ok "getmailrc: only the server, the account and the command replaced" \
    is "$(diff "$top_srcdir/contrib/getmail/getmailrc" "$GRC" | grep -c '^>')" 7

# fetch TOOL: one run of the fetcher, as nobody.
fetch() {
	set +e
	case $1 in
	fetchmail) as_user fetchmail -f "$FRC" --nodetach ;;
	getmail) as_user getmail --getmaildir "$H/getmail" --rcfile getmailrc ;;
	esac >"$TMP/fetch" 2>&1
	echo "# $1 exit $?: $(tail -n 1 "$TMP/fetch")"
	grep -i error "$TMP/fetch" | head -n 3 | sed 's/^/#   /' 
	set -e
}

for tool in fetchmail getmail; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "$tool missing (Debian package fetchmail or getmail6)"
		continue
	fi
	new_store "$S"
	put "$TMP"/a/*.eml "$TMP/not-a-report.eml"
	fetch $tool
	ok "$tool: 6 reports and a mail that is not one: all taken" \
	    is "$(on_server)" 0
	ok "$tool: every report stored once" is "$(count "$S")" 6
	ok "$tool: ... each with the mail's sender" is "$("$ADMIN" --store \
	    "$S/reports.db" export --format jsonl |
	    grep -c '"envelope-sender":"reports@reporter.example"')" 6
	ok "$tool: the mail that is not a report is set aside" \
	    is "$(in_folder "$S/Maildir/.rejected")" 1
	arch=$(find "$S/Maildir/new" -type f | head -n 1)
	ok "$tool: the topmost Received is the mailbox's" \
	    grep -q -m 1 '^Received: from mx\.reporter\.example by imap\.example\.net' "$arch"
	ok "$tool: ... the fetcher added none" \
	    is "$(grep -c '^Received:' "$arch")" 1

	put "$TMP"/a/fetch-a-1.eml "$TMP"/a/fetch-a-2.eml
	fetch $tool
	ok "$tool: resent reports are taken" is "$(on_server)" 0
	ok "$tool: ... and not stored twice" is "$(count "$S")" 6
	fetch $tool
	ok "$tool: a fetch with nothing new stores nothing" is "$(count "$S")" 6

	break_store "$S"
	put "$TMP"/b/*.eml
	fetch $tool
	ok "$tool: unwritable store: both reports stay on the server" \
	    is "$(on_server)" 2
	ok "$tool: ... unseen, for the next fetch" is "$(unseen)" 2
	ok "$tool: ... nothing stored" is "$(count "$S")" 6
	fetch $tool
	ok "$tool: a second fetch still leaves them" is "$(on_server)" 2
	fix_store "$S"
	fetch $tool
	ok "$tool: after the fix: fetched" is "$(on_server)" 0
	ok "$tool: ... and stored once" is "$(count "$S")" 8
done

done_testing
