#!/bin/sh
# Exim end to end: the Exim of Debian (exim4-daemon-light), unpacked from
# the .debs that tests/deps.sh downloads (its package conflicts with
# Postfix), runs with a private configuration whose router and pipe
# transport are the blocks of contrib/exim/README.md, read from there
# with only the program's path, the store and the user changed.  Report
# mail handed to it (-odi: delivered at once) must be stored once, with
# the envelope; an unwritable store must make Exim defer, log the 4.3.0
# line and keep the mail, stored once by a queue run after the fix; a
# mail that is not a report is delivered and set aside, never bounced.
# Debian's update-exim4.conf (exim4-config) builds its configuration
# with the README's lines where the README puts them, both ways, and
# Exim must route to them.
# Then the alias way, `tlsrpt: |tlsrpt-ingest` with the macros of the
# README, through Debian's address_pipe (return_fail_output) and Exim's
# own default one (return_output): what happens when the command prints,
# exactly as the README's table says.
#
# The copy of Exim is not setuid root, so it cannot change user: it runs
# as Debian-exim, the user Debian's binary is built for, and every
# delivery runs as Debian-exim too; the README's "user = tlsrpt" becomes
# "user = Debian-exim", and the stores belong to Debian-exim.
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/mta-lib.sh"

heavy_or_skip
need_root Exim
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 missing"
exim_unpack
install_bin
trap '[ "$tap_failed" = 0 ] || tail -n 30 "$EX/log/mainlog" | sed "s/^/# /"; rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM

# Exim starts at all with a configuration of our own, or the test skips.
: >"$TMP/none"
exim_conf "$TMP/none" "$TMP/none"
ex -bV >"$TMP/bV" 2>&1 || skip_all "Exim does not start: $(tail -n 1 "$TMP/bV")"
echo "# $(grep -m 1 '^Exim version' "$TMP/bV")"

SP="$TMP/store-pipe"
SA="$TMP/store-alias"
install -d -o Debian-exim -g Debian-exim -m 0750 "$SP" "$SA"
# The test mails are not DKIM-signed: the commands get --dkim=off, here
# as in 92-postfix.t (tlsrpt-ingest verifies DKIM by default).
PIPE_CMD="$BIN/tlsrpt-ingest --dkim=off --store=$SP/reports.db --archive=$SP/Maildir"
ALIAS_CMD="$BIN/tlsrpt-ingest --dkim=off --store=$SA/reports.db"

# readme_block FIRSTLINE: the indented block of the README that starts
# with FIRSTLINE, without its indentation.
R="$top_srcdir/contrib/exim/README.md"
readme_block() {
	awk -v h="    $1" '$0 == h { on = 1 }
	    on && !/^    / { exit }
	    on { print substr($0, 5) }' "$R"
}

# The routers: the README's, then an alias router as Exim's default
# configuration has it (address_pipe with return_output), one as
# Debian's without the macros (no pipe_transport), and Debian's
# system_aliases (exim4-config 4.96: the .ifdef lines below), with the
# README's macros.
readme_block "tlsrpt:" >"$TMP/router"
readme_block "tlsrpt_pipe:" |
    sed -e "s|^\\( *command = \\)/usr/bin/tlsrpt-ingest\$|\\1$PIPE_CMD|" \
	-e 's/^\( *\)user = tlsrpt$/\1user = Debian-exim/' \
	-e 's/^\( *\)group = tlsrpt$/\1group = Debian-exim/' >"$TMP/transport"
readme_block "SYSTEM_ALIASES_PIPE_TRANSPORT = address_pipe" |
    sed 's/= tlsrpt$/= Debian-exim/' >"$TMP/macros"
grep '^    tlsrpt: |/usr/bin/tlsrpt-ingest$' "$R" | sed 's/^    //' >"$TMP/alias"
ok "README: the router sends tlsrpt to tlsrpt_pipe" \
    grep -q '^  transport = tlsrpt_pipe$' "$TMP/router"
ok "README: the transport runs /usr/bin/tlsrpt-ingest as tlsrpt" \
    is "$(grep -c -e "command = $PIPE_CMD\$" -e 'user = Debian-exim$' \
	-e 'group = Debian-exim$' "$TMP/transport")" 3
ok "README: the macros of the alias way" is "$(grep -c \
    -e '^SYSTEM_ALIASES_PIPE_TRANSPORT = address_pipe$' \
    -e '^SYSTEM_ALIASES_USER = Debian-exim$' \
    -e '^SYSTEM_ALIASES_GROUP = Debian-exim$' "$TMP/macros")" 3
ok "README: the alias" test -s "$TMP/alias"
{
	cat "$TMP/router"
	cat <<EOF
exim_default_aliases:
  driver = redirect
  domains = +local_domains
  local_parts = tlsrpt-up : tlsrpt-up-loud
  data = \${lookup{\$local_part}lsearch{$EX/aliases}}
  user = Debian-exim
  pipe_transport = address_pipe_exim_default
debian_default_aliases:
  driver = redirect
  domains = +local_domains
  local_parts = tlsrpt-plain
  allow_fail
  allow_defer
  data = \${lookup{\$local_part}lsearch{$EX/aliases}}
  user = Debian-exim
system_aliases:
  driver = redirect
  domains = +local_domains
  allow_fail
  allow_defer
  data = \${lookup{\$local_part}lsearch{$EX/aliases}}
  .ifdef SYSTEM_ALIASES_USER
  user = SYSTEM_ALIASES_USER
  .endif
  .ifdef SYSTEM_ALIASES_GROUP
  group = SYSTEM_ALIASES_GROUP
  .endif
  .ifdef SYSTEM_ALIASES_PIPE_TRANSPORT
  pipe_transport = SYSTEM_ALIASES_PIPE_TRANSPORT
  .endif
EOF
} >"$TMP/routers"
{
	cat "$TMP/transport"
	printf '%s\n' address_pipe: '  driver = pipe' '  return_fail_output' \
	    address_pipe_exim_default: '  driver = pipe' '  return_output'
} >"$TMP/transports"
# The aliases: the README's line with our command, under five names.
{
	for a in tlsrpt-alias tlsrpt-up tlsrpt-plain; do
		sed "s|^tlsrpt: |$a: |; s|/usr/bin/tlsrpt-ingest\$|$ALIAS_CMD|" \
		    "$TMP/alias"
	done
	for a in tlsrpt-alias-loud tlsrpt-up-loud; do
		sed "s|^tlsrpt: |$a: |; s|/usr/bin/tlsrpt-ingest\$|$ALIAS_CMD --log=stderr|" \
		    "$TMP/alias"
	done
} >"$EX/aliases"
chmod 644 "$EX/aliases"
exim_conf "$TMP/routers" "$TMP/transports" "$TMP/macros"
: >"$EX/log/mainlog"
chown Debian-exim:Debian-exim "$EX/log/mainlog"
ok "Exim reads the configuration (exim -bV)" ex -bV
ex -bt tlsrpt@tlsrpt.test >"$TMP/bt" 2>&1 || true
ok "exim -bt: tlsrpt@ goes to the tlsrpt_pipe transport" \
    grep -q 'router = tlsrpt, transport = tlsrpt_pipe' "$TMP/bt"

# Where the README puts the lines in Debian's own configuration: the
# update-exim4.conf of exim4-config builds it from the one-file template
# (the default) or from conf.d (split), and Exim must route tlsrpt@ to
# the transport (the README's alias "tlsrpt: |..." is there too: the
# router must come before system_aliases), and with the split one
# another alias to address_pipe.  (The one-file way reads
# exim4.conf.localmacros only when /etc/exim4/exim4.conf.localmacros
# exists: its macros are left out.)
debian_conf() {
	_cd="$TMP/etc-exim4-$1"
	cp -a "$EX/root/etc/exim4" "$_cd"
	printf '%s\n' "dc_eximconfig_configtype='local'" \
	    "dc_other_hostnames='tlsrpt.test'" "dc_local_interfaces='127.0.0.1'" \
	    "dc_minimaldns='false'" "dc_use_split_config='$1'" \
	    "dc_localdelivery='mail_spool'" "CFILEMODE='644'" \
	    >"$_cd/update-exim4.conf.conf"
	if [ "$1" = true ]; then
		cp "$TMP/router" "$_cd/conf.d/router/150_exim4-config_tlsrpt"
		cp "$TMP/transport" "$_cd/conf.d/transport/30_exim4-config_tlsrpt"
		cp "$TMP/macros" "$_cd/conf.d/main/000_localmacros"
	else
		awk -v r="$TMP/router" -v t="$TMP/transport" '
		    $0 == "system_aliases:" {
			while ((getline l <r) > 0) print l
			print ""
		    }
		    { print }
		    $0 == "begin transports" {
			print ""
			while ((getline l <t) > 0) print l
		    }' "$EX/root/etc/exim4/exim4.conf.template" \
		    >"$_cd/exim4.conf.template"
	fi
	sh "$EX/root/usr/sbin/update-exim4.conf" -d "$_cd" -o "$_cd/out.conf" \
	    >"$_cd/update.log" 2>&1 || return 1
	sed "s|lsearch{/etc/aliases}|lsearch{$TMP/aliases-debian}|" "$_cd/out.conf" \
	    >"$EX/exim.conf"
	chmod 644 "$EX/exim.conf"
}
cp "$EX/exim.conf" "$TMP/exim.conf.test"
cat "$EX/aliases" "$TMP/alias" >"$TMP/aliases-debian"
chmod 644 "$TMP/aliases-debian"
if [ -f "$EX/root/usr/sbin/update-exim4.conf" ]; then
	for split in false true; do
		ok "Debian's configuration, split=$split: update-exim4.conf" \
		    debian_conf "$split"
		ex -bt tlsrpt@tlsrpt.test >"$TMP/bt" 2>&1 || true
		ok "Debian's configuration, split=$split: tlsrpt@ goes to tlsrpt_pipe" \
		    grep -q 'router = tlsrpt, transport = tlsrpt_pipe' "$TMP/bt"
	done
	ex -bt tlsrpt-alias@tlsrpt.test >"$TMP/bt" 2>&1 || true
	ok "Debian's configuration, split=true: the alias goes to address_pipe" \
	    grep -q '^  transport = address_pipe$' "$TMP/bt"
else
	skip "no exim4-config .deb: Debian's configuration not built"
fi
cp "$TMP/exim.conf.test" "$EX/exim.conf"

# stored_n STORE TEXT: how many stored reports contain TEXT.
stored_n() {
	"$ADMIN" --store "$1/reports.db" export 2>/dev/null | grep -Fc -- "$2" ||
	    true
}

# nothing_bounced WHAT: no message from <>, the sender's mailbox empty.
nothing_bounced() {
	ok "$1: nothing bounced" is "$(ex_log_count '<= <> R=')" 0
	ok "$1: the sender's mailbox is empty" test ! -s "$EX/mail/reporter.mbox"
}

# --- The router and transport of the README: every report mail of the
# tree, and the first two again, each handed to Exim.
fixture_mails "$TMP/fix"
find "$TMP/fix" -type f | sort >"$TMP/list1"
cat "$TMP/list1" >"$TMP/list"
head -n 2 "$TMP/list1" >>"$TMP/list"
NSENT=$(wc -l <"$TMP/list" | tr -d ' ')
"$INGEST" --dkim=off --log=stderr --store "$TMP/ref.db" "$TMP/fix" 2>"$TMP/ref.log"
report_lines "$TMP/ref.db" >"$TMP/ref"
ex_mark
t0=$(date +%s)
bad=0
while read -r f; do
	ex_send tlsrpt@tlsrpt.test "$f" || bad=$((bad + 1))
done <"$TMP/list"
echo "# $NSENT mails delivered in $(($(date +%s) - t0)) s"
ok "pipe: Exim accepts all $NSENT mails" is "$bad" 0
ok "pipe: every mail delivered by the tlsrpt_pipe transport" \
    is "$(ex_log_count '=> tlsrpt <tlsrpt@tlsrpt.test> R=tlsrpt T=tlsrpt_pipe$')" \
    "$NSENT"
ok "pipe: no mail deferred or failed" is "$(ex_log_count ' (==|\*\*) ')" 0
ok "pipe: the queue is empty" is "$(ex_queued)" 0
nothing_bounced pipe
report_lines "$SP/reports.db" >"$TMP/got"
ok "pipe: every report ($(wc -l <"$TMP/ref" | tr -d ' ')) stored exactly once" \
    cmp "$TMP/ref" "$TMP/got"
ok "pipe: SENDER and RECIPIENT reached tlsrpt-ingest" is \
    "$(sqlite3 "$SP/reports.db" 'SELECT DISTINCT envelope_sender || " " || envelope_recipient FROM reports')" \
    "reporter@tlsrpt.test tlsrpt@tlsrpt.test"
ok "pipe: the store's files belong to Debian-exim" \
    is "$(find "$SP" ! -user Debian-exim | wc -l | tr -d ' ')" 0

# --- A store that root took over (as a careless cron job would): Exim
# defers, logs the 4.3.0 line and keeps the mail; after the fix a queue
# run stores it once.
chown -R root:root "$SP"
chmod 755 "$SP"
gen_mails "$TMP/late" 1 late
ex_mark
ok "defer: Exim accepts a report for an unwritable store" \
    ex_send tlsrpt@tlsrpt.test "$TMP/late/late-1.eml"
ok "defer: Exim defers it" is "$(ex_log_count \
    '== tlsrpt@tlsrpt.test R=tlsrpt T=tlsrpt_pipe defer \(0\): Child process of tlsrpt_pipe transport returned 75')" 1
ok "defer: with the 4.3.0 line of tlsrpt-ingest (log_defer_output)" \
    is "$(ex_log_count '<tlsrpt@tlsrpt.test>: tlsrpt_pipe transport output: 4\.3\.0 tlsrpt-ingest: store ')" 1
ok "defer: the mail stays in the queue" is "$(ex_queued)" 1
ex -bp >"$TMP/bp" 2>&1 || true
ok "defer: exim -bp lists it" grep -q '^ *tlsrpt@tlsrpt.test$' "$TMP/bp"
ok "defer: nothing stored" is "$(stored_n "$SP" late-1@)" 0
nothing_bounced defer
chown -R Debian-exim:Debian-exim "$SP"
chmod 750 "$SP"
ok "defer: a queue run after the fix (exim -qff)" ex -qff
ok "defer: ... delivers it" is "$(ex_log_count \
    '=> tlsrpt <tlsrpt@tlsrpt.test> R=tlsrpt T=tlsrpt_pipe$')" 1
ok "defer: the queue is empty" is "$(ex_queued)" 0
ok "defer: the report is stored once" is "$(stored_n "$SP" late-1@)" 1
nothing_bounced defer

# --- A mail that is not a report: delivered, set aside, not bounced.
NREP=$(stored_n "$SP" '"report-id"')
NREJ=$(in_folder "$SP/Maildir/.rejected")
ex_mark
ok "not a report: Exim accepts it" \
    ex_send tlsrpt@tlsrpt.test "$DATA/mail/121-human-no-attachment.eml"
ok "not a report: delivered (tlsrpt-ingest exits 0)" is "$(ex_log_count \
    '=> tlsrpt <tlsrpt@tlsrpt.test> R=tlsrpt T=tlsrpt_pipe$')" 1
ok "not a report: nothing deferred or failed" \
    is "$(ex_log_count ' (==|\*\*) ')" 0
ok "not a report: the queue is empty" is "$(ex_queued)" 0
ok "not a report: archived in .rejected" \
    is "$(in_folder "$SP/Maildir/.rejected")" $((NREJ + 1))
ok "not a report: nothing stored" is "$(stored_n "$SP" '"report-id"')" "$NREP"
nothing_bounced "not a report"

# --- The alias way.  Debian's address_pipe (return_fail_output): the
# command's output is discarded unless it fails; a deferral defers.
gen_mails "$TMP/al" 7 al
ex_mark
ok "alias: Exim accepts a report" \
    ex_send tlsrpt-alias@tlsrpt.test "$TMP/al/al-1.eml"
ok "alias: delivered by Debian's address_pipe" is "$(ex_log_count \
    "=> \\|$BIN/tlsrpt-ingest .*<tlsrpt-alias@tlsrpt.test> R=system_aliases T=address_pipe\$")" 1
ok "alias: stored" is "$(stored_n "$SA" al-1@)" 1
ok "alias, --log=stderr: Exim accepts a report" \
    ex_send tlsrpt-alias-loud@tlsrpt.test "$TMP/al/al-2.eml"
ok "alias, --log=stderr: delivered, the output discarded" is "$(ex_log_count \
    '=> .*<tlsrpt-alias-loud@tlsrpt.test> R=system_aliases T=address_pipe$')" 1
ok "alias, --log=stderr: stored" is "$(stored_n "$SA" al-2@)" 1
ok "alias: the queue is empty" is "$(ex_queued)" 0
nothing_bounced alias

# An unwritable store: Debian's address_pipe defers (the 4.3.0 line is
# discarded), Exim's default one (return_output) bounces.
chown -R root:root "$SA"
chmod 755 "$SA"
ex_mark
ok "alias, unwritable store: Exim accepts a report" \
    ex_send tlsrpt-alias@tlsrpt.test "$TMP/al/al-3.eml"
ok "alias, unwritable store: Debian's address_pipe defers it" \
    is "$(ex_log_count \
    '== .*<tlsrpt-alias@tlsrpt.test> R=system_aliases T=address_pipe defer \(0\): Child process of address_pipe transport returned 75')" 1
ok "alias, unwritable store: the 4.3.0 line is not logged" \
    is "$(ex_log_count '4\.3\.0')" 0
ok "alias, unwritable store: the mail stays in the queue" is "$(ex_queued)" 1
nothing_bounced "alias, unwritable store"
ok "alias, return_output, unwritable store: Exim accepts a report" \
    ex_send tlsrpt-up@tlsrpt.test "$TMP/al/al-4.eml"
ok "alias, return_output, unwritable store: the 75 fails the address" \
    is "$(ex_log_count \
    '\*\* .*<tlsrpt-up@tlsrpt.test> R=exim_default_aliases T=address_pipe_exim_default: Child process of address_pipe_exim_default transport returned 75')" 1
ok "alias, return_output, unwritable store: a bounce to the sender" \
    is "$(ex_log_count '<= <> R=')" 1
ok "alias, return_output, unwritable store: ... with the 4.3.0 line" \
    grep -q '^4\.3\.0 tlsrpt-ingest: store ' "$EX/mail/reporter.mbox"
ok "alias, return_output, unwritable store: ... status 5.0.0" \
    grep -q '^Status: 5\.0\.0' "$EX/mail/reporter.mbox"
ok "alias, return_output, unwritable store: not queued (only the other)" \
    is "$(ex_queued)" 1
chown -R Debian-exim:Debian-exim "$SA"
chmod 750 "$SA"
ex_mark
ok "alias: a queue run after the fix (exim -qff)" ex -qff
ok "alias: ... delivers the deferred mail" is "$(ex_log_count \
    '=> .*<tlsrpt-alias@tlsrpt.test> R=system_aliases T=address_pipe$')" 1
ok "alias: the deferred report is stored once" is "$(stored_n "$SA" al-3@)" 1
ok "alias, return_output: the bounced report is lost" \
    is "$(stored_n "$SA" al-4@)" 0
ok "alias: the queue is empty" is "$(ex_queued)" 0

# Exim's default address_pipe: quiet is fine, output bounces although
# the report was stored.
: >"$EX/mail/reporter.mbox"
ex_mark
ok "alias, return_output: Exim accepts a report" \
    ex_send tlsrpt-up@tlsrpt.test "$TMP/al/al-5.eml"
ok "alias, return_output: delivered when the command prints nothing" \
    is "$(ex_log_count \
    '=> .*<tlsrpt-up@tlsrpt.test> R=exim_default_aliases T=address_pipe_exim_default$')" 1
ok "alias, return_output: stored" is "$(stored_n "$SA" al-5@)" 1
nothing_bounced "alias, return_output"
ok "alias, return_output, --log=stderr: Exim accepts a report" \
    ex_send tlsrpt-up-loud@tlsrpt.test "$TMP/al/al-6.eml"
ok "alias, return_output, --log=stderr: the output fails the address" \
    is "$(ex_log_count \
    '\*\* .*<tlsrpt-up-loud@tlsrpt.test> R=exim_default_aliases T=address_pipe_exim_default: return message generated')" 1
ok "alias, return_output, --log=stderr: a bounce to the sender" \
    is "$(ex_log_count '<= <> R=')" 1
ok "alias, return_output, --log=stderr: ... with the output" \
    grep -q '^tlsrpt-ingest: report status=stored .*al-6@' \
    "$EX/mail/reporter.mbox"
ok "alias, return_output, --log=stderr: and yet stored" \
    is "$(stored_n "$SA" al-6@)" 1
ok "alias, return_output, --log=stderr: the queue is empty" \
    is "$(ex_queued)" 0

# Debian's system_aliases without the macros: no pipe_transport.
ex_mark
ok "alias, no macros: Exim accepts a report" \
    ex_send tlsrpt-plain@tlsrpt.test "$TMP/al/al-7.eml"
ok "alias, no macros: deferred, pipe_transport unset" is "$(ex_log_count \
    '== .*<tlsrpt-plain@tlsrpt.test> R=debian_default_aliases defer \(-30\): pipe_transport unset in debian_default_aliases router')" 1
ok "alias, no macros: the mail stays in the queue" is "$(ex_queued)" 1
ok "alias, no macros: nothing stored" is "$(stored_n "$SA" al-7@)" 0
ok "alias, no macros: nothing bounced" is "$(ex_log_count '<= <> R=')" 0
done_testing
