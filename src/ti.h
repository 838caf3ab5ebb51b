/*
 * ti.h: what every module of tlsrpt-ingest shares: the error record, the
 * status classes that main() turns into an exit code, and the limits.
 *
 * Design rationale:
 * - A status class, not an exit code, travels up the pipeline.  Only
 *   main() knows whether it runs under pipe(8) (where a malformed report
 *   must exit 0, never bounce) or at a terminal.
 * - The first error wins (Postfix's "why" buffer): later errors are
 *   usually consequences of the first.
 * - Every limit on hostile input lives in struct ti_limits, so that
 *   tlsrpt.conf(5) can document and override each one in one place.
 */
#ifndef TI_H
#define TI_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

enum ti_status {
	TI_OK = 0,
	TI_E_INPUT, /* the mail or report is malformed: retrying cannot help */
	TI_E_LIMIT, /* input exceeds a limit (size, depth, bomb): permanent */
	TI_E_TEMP, /* local trouble: disk, lock, db busy: a retry may help */
	TI_E_CONFIG, /* bad configuration file or option */
	TI_E_BUG, /* internal inconsistency */
};

struct ti_err {
	enum ti_status status;
	char msg[512]; /* first error only; plain text, may hold report bytes */
};

/*
 * Record the first error in *err (a later call is ignored while a status
 * is set) and return -1, so that callers can write
 * "return ti_err_set(err, TI_E_INPUT, "...")".  err may be NULL.
 */
int ti_err_set(struct ti_err *err, enum ti_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ti_err_clear(struct ti_err *err);
/* "input", "limit", "temporary", "config", "bug"; "ok" for TI_OK. */
const char *ti_status_name(enum ti_status status);
/* True for the classes that mean "the input is bad" (set aside, exit 0). */
int ti_status_is_permanent(enum ti_status status);

/*
 * Limits on what one mail may cost.  Defaults (ti_limits_default) are far
 * below what a host can spare, yet above the largest real report seen.
 */
struct ti_limits {
	size_t message_size; /* bytes read from stdin or a file */
	size_t mime_depth; /* nesting of multiparts and message/rfc822 */
	size_t mime_parts; /* leaf parts looked at in one mail */
	size_t attachment_size; /* one decoded (base64, qp) part */
	size_t gunzip_size; /* total inflated output of one part */
	size_t json_depth; /* nesting of the report JSON */
	size_t policies; /* policies in one report */
	size_t
	    failure_details; /* failure-details in one report, all policies */
	size_t string_length; /* any one string copied from a report */
	size_t reports_per_mail; /* report parts decoded from one mail */
};

void ti_limits_default(struct ti_limits *limits);

/* a + b for session counts (b >= 0 adds, capped at INT64_MAX): a sum of
   many reports' counts must not overflow. */
static inline int64_t
ti_sat_add(int64_t a, int64_t b)
{
	return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Parse "123", "64k", "32M", "1G" into bytes.  Returns 0 or -1. */
int ti_parse_size(const char *text, size_t *out);

#endif
