#!/bin/sh
# procmail and Dovecot sieve end to end, with the recipes of
# contrib/procmail and contrib/sieve run by the real programs, as a mail
# user (nobody when we are root):
# - procmail with the "w" flag stores the report; when tlsrpt-ingest
#   exits 75, the error recipe makes procmail exit 75 so that the MTA
#   retries, and the mail is not filed; without "w" procmail ignores the
#   exit status (why the recipe needs it); other mail goes on to $DEFAULT.
# - dovecot-lda runs tlsrpt.sieve as a sieve_before script: the report is
#   piped and stored, not filed; when the pipe fails, the implicit keep
#   files the report into INBOX, and a backfill of that Maildir stores it.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

install_bin
if [ "$(id -u)" = 0 ]; then
	U=nobody
	G=$(id -gn nobody)
	as_user() {
		setpriv --reuid=nobody --regid="$G" --clear-groups "$@"
	}
else
	U=$(id -un)
	G=$(id -gn)
	as_user() {
		"$@"
	}
fi
# own DIR: a directory the mail user may write.
own() {
	mkdir -p "$1"
	[ "$(id -u)" != 0 ] || chown "$U:$G" "$1"
}
# break_store DIR / fix_store DIR: as a root cron job that took the
# store over would; for a normal user, no write permission.
break_store() {
	if [ "$(id -u)" = 0 ]; then
		chown -R root:root "$1"
		chmod 755 "$1"
	else
		chmod 444 "$1"/*
		chmod 555 "$1"
	fi
}
fix_store() {
	[ "$(id -u)" != 0 ] || chown -R "$U:$G" "$1"
	chmod 770 "$1"
	chmod 660 "$1"/*
}
n_in() {
	if [ -f "$1/reports.db" ]; then
		"$ADMIN" --store "$1/reports.db" export | wc -l | tr -d ' '
	else
		echo 0
	fi
}
REPORT="$DATA/samples/02-google-failures.eml"
REPORT2="$DATA/samples/01-google-ok.eml"
OTHER="$TMP/other.eml"
printf '%s\n' 'From: someone@example.net' 'To: tlsrpt@example.com' \
    'Subject: not a report' '' 'Hello.' >"$OTHER"

# --- procmail
if ! command -v procmail >/dev/null 2>&1; then
	skip "procmail missing (Debian package procmail)"
else
	S="$TMP/pm-store"
	own "$S"
	own "$TMP/pm-inbox"
	mkrc() {
		{
			echo "DEFAULT=$TMP/pm-inbox/"
			echo "LOGFILE=$TMP/procmail.log"
			sed "s|/usr/bin/tlsrpt-ingest|$1|" \
			    "$top_srcdir/contrib/procmail/procmailrc"
		} >"$2"
		chmod 644 "$2"
	}
	mkrc "$BIN/tlsrpt-ingest --dkim=off --store=$S/reports.db" "$TMP/rc"
	procmail_run() {
		set +e
		as_user env -i PATH=/usr/bin:/bin HOME="$TMP" procmail -m \
		    "$1" <"$2" >"$TMP/pm.out" 2>&1
		rc=$?
		set -e
	}
	procmail_run "$TMP/rc" "$REPORT"
	ok "procmail: a report: exit 0" is "$rc" 0
	ok "procmail: the report is stored" is "$(n_in "$S")" 1
	ok "procmail: ... and not filed into \$DEFAULT" is "$(in_folder \
	    "$TMP/pm-inbox")" 0

	procmail_run "$TMP/rc" "$OTHER"
	ok "procmail: other mail: exit 0" is "$rc" 0
	ok "procmail: ... filed into \$DEFAULT" is "$(in_folder \
	    "$TMP/pm-inbox")" 1

	break_store "$S"
	procmail_run "$TMP/rc" "$REPORT2"
	ok "procmail: unwritable store: exit 75 for the MTA" is "$rc" 75
	ok "procmail: ... the report is not filed" is "$(in_folder \
	    "$TMP/pm-inbox")" 1
	fix_store "$S"
	procmail_run "$TMP/rc" "$REPORT2"
	ok "procmail: the MTA's retry: exit 0" is "$rc" 0
	ok "procmail: ... stored" is "$(n_in "$S")" 2

	# Why "w": a program that reads the mail and then exits 75.
	printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' >"$BIN/tempfail"
	chmod 755 "$BIN/tempfail"
	mkrc "$BIN/tempfail" "$TMP/rc-w"
	sed 's/^:0 w$/:0/' "$TMP/rc-w" >"$TMP/rc-no-w"
	procmail_run "$TMP/rc-w" "$REPORT"
	ok "procmail: with w, an exit 75 reaches the MTA" is "$rc" 75
	procmail_run "$TMP/rc-no-w" "$REPORT"
	ok "procmail: without w, the exit 75 is lost (exit 0)" is "$rc" 0
fi

# --- Dovecot sieve (dovecot-lda)
LDA=/usr/lib/dovecot/dovecot-lda
if [ ! -x "$LDA" ]; then
	skip "dovecot-lda missing (Debian package dovecot-core)"
elif [ ! -f /usr/lib/dovecot/modules/sieve/lib90_sieve_extprograms_plugin.so ]
then
	skip "sieve_extprograms missing (Debian package dovecot-sieve)"
else
	D="$TMP/dovecot"
	S="$TMP/sieve-store"
	mkdir -p "$D/pipe" "$D/sieve"
	own "$S"
	own "$D/run"
	own "$D/Maildir"
	: >"$D/lda.log"
	[ "$(id -u)" != 0 ] || chown "$U" "$D/lda.log"
	# the program in sieve_pipe_bin_dir: tlsrpt-ingest on our store
	printf '#!/bin/sh\nexec %s --dkim=off --store=%s "$@"\n' "$BIN/tlsrpt-ingest" \
	    "$S/reports.db" >"$D/pipe/tlsrpt-ingest"
	chmod 755 "$D/pipe/tlsrpt-ingest"
	cp "$top_srcdir/contrib/sieve/tlsrpt.sieve" "$D/sieve/"
	# contrib/sieve/90-tlsrpt.conf with our paths, after a minimal
	# configuration of our own (no service, no auth)
	{
		cat <<EOF
base_dir = $D/run
log_path = $D/lda.log
mail_location = maildir:$D/Maildir
ssl = no
postmaster_address = postmaster@example.com
EOF
		sed -e "s|/etc/dovecot/sieve/|$D/sieve/|" \
		    -e "s|/usr/lib/dovecot/sieve-pipe|$D/pipe|" \
		    -e 's/\$mail_plugins //' \
		    "$top_srcdir/contrib/sieve/90-tlsrpt.conf"
		echo "plugin {"
		echo "  sieve = file:$D/no-personal-script"
		echo "}"
	} >"$D/dovecot.conf"
	chmod -R a+rX "$D/sieve" "$D/pipe" "$D/dovecot.conf"
	lda() {
		set +e
		as_user env -i PATH=/usr/bin:/bin HOME="$D" USER="$U" "$LDA" \
		    -c "$D/dovecot.conf" -f reports@example.net \
		    -a "${2:-tlsrpt@example.com}" <"$1" >"$TMP/lda.out" 2>&1
		rc=$?
		set -e
	}
	lda "$REPORT"
	ok "sieve: a report: dovecot-lda exit 0" is "$rc" 0
	ok "sieve: the report is piped to tlsrpt-ingest and stored" \
	    is "$(n_in "$S")" 1
	ok "sieve: ... and not filed into INBOX" \
	    is "$(in_folder "$D/Maildir")" 0
	ok "sieve: the pipe action is logged" grep -q \
	    "pipe action: piped message to program .tlsrpt-ingest" "$D/lda.log"

	lda "$OTHER" postmaster@example.com
	ok "sieve: other mail to another address: exit 0" is "$rc" 0
	ok "sieve: ... filed into INBOX" is "$(in_folder "$D/Maildir")" 1

	break_store "$S"
	lda "$REPORT2"
	ok "sieve: unwritable store: dovecot-lda still exits 0" is "$rc" 0
	ok "sieve: ... the implicit keep files the report into INBOX" \
	    is "$(in_folder "$D/Maildir")" 2
	ok "sieve: ... dovecot logs the exit code 75" grep -q \
	    "exit code 75" "$D/lda.log"
	fix_store "$S"
	set +e
	as_user "$BIN/tlsrpt-ingest" --dkim=off --log=stderr --store="$S/reports.db" \
	    "$D/Maildir" >"$TMP/out" 2>"$TMP/log"
	rc=$?
	set -e
	[ "$rc" = 0 ] || sed "s/^/# /" "$TMP/out" "$TMP/log"
	ok "sieve: backfilling INBOX later: exit 0" is "$rc" 0
	ok "sieve: ... stores the missed report" is "$(n_in "$S")" 2
	ok "sieve: ... and sets the other mail aside" grep -q \
	    'mail status=rejected' "$TMP/log"
fi
done_testing
