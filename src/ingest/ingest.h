/*
 * ingest.h: one mail in, reports out.
 *
 * Two halves, kept apart so that the first can be unit-tested and fuzzed:
 * - ingest_parse() is pure: bytes in, a list of decoded reports and of
 *   parts set aside (each with its reason) out.  No I/O, no globals.
 * - ingest_deliver() does the side effects in a fixed order: archive the
 *   raw mail (Maildir), store the reports (one transaction), then log.
 *   A local failure returns -1 (TI_E_TEMP) before anything is claimed.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ingest/maildir.h"
#include "ingest/mime.h"
#include "ingest/report.h"
#include "store/store.h"
#include "ti.h"
#include "trust/trust.h"

/* One report candidate of a mail. */
struct ingest_item {
	char *part; /* MIME part path; "-" for a bare report file */
	char *filename; /* attachment name as sent (untrusted) */
	char *ctype; /* media type as sent, lower case */
	struct report *report; /* NULL when the part was set aside */
	struct ti_err err; /* why it was set aside */
	int foreign; /* set aside: for none of [trust] domains */
};

/* What ingest_parse() found in one mail. */
struct ingest_mail {
	struct mime_info info;
	int bare; /* the input was a report file, not a mail */
	int oversize; /* the input was cut at the message-size limit */
	struct ingest_item *items;
	size_t n_items;
	struct ti_err err; /* mail-level reason: not a mail, a DSN, a
			      limit, or no report part at all */
};

/*
 * Decode raw[0..len): a mail (with or without a leading From_ line, CRLF
 * or LF), or a bare report (JSON or gzip of JSON) when the bytes start
 * like one.  name, when not NULL, is the input file's base name (used as
 * the report file name of a bare report).  Never fails: problems are
 * recorded in out->err and in each item's err.
 */
void ingest_parse(const unsigned char *raw, size_t len, const char *name,
    const struct ti_limits *limits, struct ingest_mail *out);
void ingest_mail_clear(struct ingest_mail *m);
/*
 * A bare report (a POST's body) labelled content_type (NULL: no label):
 * note a "media-type-mismatch" deviation on each report whose label is
 * not the RFC 8460 media type of what its bytes are (gzip or JSON).
 * Pure.
 */
void ingest_note_media_type(struct ingest_mail *m, const char *content_type);

/* True when raw[0..len) starts like a bare report (gzip, or JSON after
   white space), which ingest_parse() reads as one, not as a mail. */
int ingest_is_bare_report(const unsigned char *raw, size_t len);

/* Why the mail m was set aside (unauth: its reports were not
   authenticated): "unauthenticated", "too_large", "foreign_domain",
   "invalid_report" or "not_report".  Pure. */
const char *ingest_reject_reason(const struct ingest_mail *m, int unauth);

/* Number of items that hold a decoded report. */
size_t ingest_mail_reports(const struct ingest_mail *m);

/*
 * [trust] domains: set aside (TI_E_INPUT, with the reason) every report
 * of m none of whose policy domains is one of ours or a subdomain of
 * one (trust_domain_matches; for DANE the policy domain is an MX host,
 * which may be listed too).  ours NULL: keep every report.  Pure.
 */
void ingest_keep_domains(struct ingest_mail *m, const char *const *ours);

/* How a mail is delivered. */
struct ingest_opts {
	struct store *store; /* NULL only with dry_run */
	const char *archive; /* Maildir root, or NULL */
	const char *sender; /* envelope sender, or NULL */
	const char *recipient; /* envelope recipient, or NULL */
	const char *origin; /* "-" for stdin, or the file path */
	const struct ti_limits *limits;
	FILE *dry_run; /* not NULL: print there what would be
			  stored and store, archive, log
			  nothing */
	size_t max_failure_lines; /* failure lines logged per report
				     (tlsrpt.conf [log]
				     max-failure-lines); 0: none,
				     SIZE_MAX: all */
	/* Called after the commit for each report stored anew (not for
	   a duplicate, nor in a dry run), with who vouched for it (NULL
	   without o->trust) and its source ("mail", "file", "https");
	   NULL: none.  Used for alerts. */
	void (*on_stored)(const struct report *r, const struct ti_auth *auth,
	    const char *source, void *arg);
	void *on_stored_arg;
	/* Who may send reports (trust.h); NULL: store every report as
	   not authenticated (method none). */
	struct trust *trust;
	/* "https" for a report POSTed to the CGI: stored as source https,
	   with method none (RFC 8460 has no authentication for it), the
	   client address as its origin.  NULL: "mail" or "file", as the
	   input is. */
	const char *source;
	/* The Content-Type media type of a POST (lower case, no
	   parameters), or NULL: the body's bytes decide, and a label that
	   disagrees with them is noted as a deviation. */
	const char *content_type;
	/* A temperror within the grace period defers the mail (-1 with
	   TI_E_TEMP: a pipe delivery exits 75).  0 (a backfill): the
	   file is only logged as not stored and the run goes on; the
	   input stays where it is for a later run. */
	int defer_temp;
	/* When the input file was delivered, for a file of a Maildir (the
	   time in its name, else its mtime); 0: not known.  See
	   ingest_arrival(). */
	int64_t file_time;
};

struct ingest_stats {
	size_t mails;
	size_t reports; /* decoded reports */
	size_t stored;
	size_t duplicates; /* incl. conflicts */
	size_t rejected_parts;
	size_t rejected_mails; /* mails without any valid report */
	size_t unauthenticated; /* mails set aside as not authenticated */
	size_t foreign; /* parts set aside for none of our domains */
	struct ti_err why; /* the first reason a mail or part was set
			      aside (TI_OK: none) */
	struct ti_err foreign_why; /* the first such part's reason */
};

/*
 * When the mail raw[0..len) arrived here, stored with its reports
 * (report_source.arrived): the date after the last ";" of its topmost
 * Received field (the one our own MTA added; RFC 5321 section 4.4),
 * else file_time (the Maildir delivery time of the input file; 0: none),
 * else its Date field, else now.  A date before 1990 or more than a day
 * past now is not believed.  Pure.
 */
int64_t ingest_arrival(const unsigned char *raw, size_t len, int64_t file_time,
    int64_t now);

/*
 * Deliver one mail: parse it, authenticate it (o->trust), archive it
 * (into the main folder when it holds an authenticated report, into
 * ".unauthenticated" when its reports are not authenticated, else into
 * ".rejected"), store its reports with their authentication, log one line
 * per report, per failure detail (up to o->max_failure_lines a report,
 * then one line for the rest), per deviation and per part set aside,
 * then one line for the mail.  oversize says that raw was cut at the
 * message-size limit (the mail is then only archived and logged).
 * staged, when not NULL, is the whole mail already written to the
 * archive's tmp/ as it was read (maildir_open on o->archive): it is
 * committed into its folder instead of writing raw again, or dropped;
 * ingest_deliver() frees it in every case.
 * Returns 0 when the mail was handled (stored, duplicate or set aside),
 * or -1 with *err set (TI_E_TEMP) when a local fault stopped it; nothing
 * is then committed to the store.
 */
int ingest_deliver(const struct ingest_opts *o, const unsigned char *raw,
    size_t len, int oversize, struct maildir_msg *staged,
    struct ingest_stats *stats, struct ti_err *err);

/*
 * ingest_deliver() in two halves, for a backfill that parses in other
 * threads and delivers in order in one:
 * - ingest_prepare() is the pure half (what ingest_deliver() parses):
 *   the mail raw[0..len) read from origin (as in ingest_opts; its base
 *   name is a bare report's file name), or only a limit error when
 *   oversize.  Safe in any thread once mime_init() and report_init()
 *   have run.
 * - ingest_deliver_parsed() does the rest, with the same result as
 *   ingest_deliver(); *m stays the caller's (ingest_mail_clear), so
 *   that the thread that parsed it can free it.
 */
void ingest_prepare(const unsigned char *raw, size_t len, int oversize,
    const char *origin, const struct ti_limits *limits, struct ingest_mail *m);
int ingest_deliver_parsed(const struct ingest_opts *o, const unsigned char *raw,
    size_t len, const struct ingest_mail *m, struct maildir_msg *staged,
    struct ingest_stats *stats, struct ti_err *err);

#endif
