# tlsrpt.sieve: hand TLS-RPT report mail (RFC 8460) to tlsrpt-ingest(8)
# through Pigeonhole's vnd.dovecot.pipe extension.  See README.md here.
#
# "tlsrpt-ingest" is looked up in sieve_pipe_bin_dir only.  The message
# reaches it with CRLF line ends and the HOME, USER, SENDER, RECIPIENT and
# ORIG_RECIPIENT variables.
#
# Sieve neither retries nor waits long: when tlsrpt-ingest fails (exit 75)
# or runs past sieve_pipe_exec_timeout (10 s by default), the script fails,
# the implicit keep files the mail into INBOX, and nothing retries it.
# Backfill that mailbox later: tlsrpt-ingest ~/Maildir (see README.md).
require ["vnd.dovecot.pipe", "envelope"];

# Report mail: sent to the rua address of the _smtp._tls TXT record, or
# marked with the TLS-Report-Domain header that RFC 8460 section 5.3
# requires.  Change the address to yours.
if anyof (envelope :is "to" "tlsrpt@example.com",
    exists "TLS-Report-Domain") {
	pipe "tlsrpt-ingest";
	stop;
}
