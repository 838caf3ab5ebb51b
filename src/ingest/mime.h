/*
 * mime.h: find TLS-RPT report candidates in a MIME mail (RFC 8460 §5.3,
 * RFC 6522), with GMime.  No GMime type crosses this header.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

#include "ti.h"

/* One leaf part that may hold a report.  Everything is borrowed. */
struct mime_part {
	const unsigned char *data; /* decoded body (transfer encoding removed),
				      NUL-terminated (the NUL is not in len);
				      NULL only when len > attachment_size */
	size_t len;
	const char *ctype; /* lower case "type/subtype", never NULL */
	const char *filename; /* Content-Disposition filename or
				 Content-Type name; may be NULL; raw,
				 untrusted, never a path */
	const char *path; /* position in the tree as in IMAP, "2" or
			     "1.2.1"; a single-part mail is "1" */
	int by_name; /* candidate by file name, not media type */
};

/* Header fields of the outermost message.  Each may be NULL.  (From,
   Subject and Date are not read: nothing needs them.) */
struct mime_info {
	char *message_id; /* without angle brackets */
	char *tls_report_domain;
	char *tls_report_submitter;
	char *report_type; /* report-type= of a top multipart/report */
	int is_dsn; /* multipart/report; report-type=delivery-status
		       (or disposition-notification): never a
		       TLS report, do not look inside */
	size_t parts_seen; /* leaf parts walked */
};

/* Free the strings of *info (not info itself); safe on a zeroed struct. */
void mime_info_clear(struct mime_info *info);

/*
 * Parse the mail raw[0..len) (an optional leading mbox "From " line and
 * CRLF or LF line ends are fine) and call cb once for each leaf part that
 * is a report candidate:
 *   - by media type, case-insensitive: application/tlsrpt+gzip,
 *     application/tlsrpt+json, application/tlsrpt, application/gzip,
 *     application/x-gzip, application/json, application/octet-stream;
 *   - or by file name ending in .json.gz or .json (case-insensitive);
 *   - or any other non-text leaf whose decoded body starts with the gzip
 *     magic bytes.
 * message/rfc822 parts are walked into (a forwarded report), up to
 * limits->mime_depth levels; at most limits->mime_parts leaves are
 * looked at; a decoded part larger than limits->attachment_size is passed
 * to cb with data NULL and len the size (the callback reports the limit).
 * A DSN (info->is_dsn) is not walked: cb is never called.  A DSN found
 * deeper (a forwarded bounce) is skipped the same way; is_dsn is only
 * set for the outermost one.
 *
 * info may be NULL; else *info is zeroed first and filled even when -1
 * is returned: free it with mime_info_clear() in every case.
 * A non-zero return from cb stops the walk and is
 * returned.  Returns 0, or -1 with *err set: TI_E_INPUT when the bytes
 * are not a mail at all, TI_E_LIMIT when the part count or depth limit
 * is hit (the parts seen before were still passed to cb).
 */
int mime_each_report(const unsigned char *raw, size_t len,
    const struct ti_limits *limits,
    int (*cb)(const struct mime_part *part, void *arg), void *arg,
    struct mime_info *info, struct ti_err *err);

/* True when name ends in .json or .json.gz, in any case: the file name of
   a report (RFC 8460 §5.1).  NULL is no name. */
int mime_report_name(const char *name);

/*
 * GMime set-up and tear-down; main() calls each once.  Both are
 * idempotent, and mime_each_report() calls mime_init() itself if needed.
 */
void mime_init(void);
void mime_shutdown(void);

#endif
