/*
 * report.h: the RFC 8460 §4.4 report model, decoded from JSON with cJSON
 * and checked.  No cJSON type crosses this header.
 *
 * Ownership: report_decode() returns a heap report that owns every
 * string in it; free it with report_free().  Absent optional members are
 * NULL (strings) or 0 with the matching has_ flag clear.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ti.h"

struct failure {
	char *result_type; /* required; unknown values kept */
	char *sending_mta_ip; /* may be NULL */
	char *receiving_mx_hostname; /* may be NULL */
	char *receiving_mx_helo; /* may be NULL */
	char *receiving_ip; /* may be NULL */
	int64_t failed_session_count; /* 0 when absent (a deviation) */
	char *additional_information; /* may be NULL */
	char *failure_reason_code; /* may be NULL */
};

struct policy {
	char *policy_type; /* "sts", "tlsa", "no-policy-found", or
			      an unknown value (kept, a deviation) */
	char **policy_string; /* NULL-terminated; NULL when absent */
	char *policy_domain; /* may be NULL (sys4 no-policy-found) */
	char **mx_host; /* NULL-terminated; NULL when absent;
			   a JSON string becomes one element */
	int64_t successful; /* total-successful-session-count */
	int64_t failed; /* total-failure-session-count */
	struct failure *failures; /* n_failures entries */
	size_t n_failures;
};

/* A tolerated departure from RFC 8460, listed in VIOLATIONS.md. */
struct deviation {
	char *code; /* stable key, e.g. "date-no-offset" */
	char *detail; /* human text; may quote report bytes (escape it) */
};

struct report {
	char *organization_name; /* required */
	char *contact_info; /* may be NULL (null or absent) */
	char *report_id; /* required, non-empty */
	char *start_datetime; /* as received */
	char *end_datetime; /* as received */
	int64_t start; /* seconds since the epoch, UTC */
	int64_t end; /* seconds since the epoch, UTC */
	struct policy *policies; /* n_policies >= 1 entries */
	size_t n_policies;
	struct deviation *deviations; /* n_deviations entries */
	size_t n_deviations;
	char *fallback_domain; /* set by the caller: the domain from the
				  file name or TLS-Report-Domain, for
				  reports no policy-domain names */
	char *json; /* the JSON text as received, NUL-ended */
	size_t json_len;
	char sha256[65]; /* hex SHA-256 of json */
};

/*
 * Decode the JSON text json[0..len) (need not be NUL-terminated) into a
 * report and check it against RFC 8460 §4.  Leniency and strictness:
 * see VIOLATIONS.md.  Hard requirements (TI_E_INPUT when missing or of
 * the wrong type): valid UTF-8, one JSON object with nothing after it,
 * organization-name, report-id, date-range with two parseable date-times
 * (end not before start), policies as a non-empty array whose entries
 * have policy.policy-type and summary with both counts.  Counts are
 * integers 0..2^53-1 read exactly.  Past a limit: TI_E_LIMIT.
 * Returns 0 and *out, or -1 with *err set and *out NULL.
 */
int report_decode(const unsigned char *json, size_t len,
    const struct ti_limits *limits, struct report **out, struct ti_err *err);

/* report_decode() of a g_malloc'd buffer of at least len + 1 bytes,
   which it takes in every case: it becomes r->json (no second copy of
   a 10 MB report) or is freed. */
int report_decode_owned(unsigned char *json, size_t len,
    const struct ti_limits *limits, struct report **out, struct ti_err *err);

/* report_decode() of a report read back from a store, which keeps its
   SHA-256: the same checks, but r->sha256 is left empty (hashing is a
   third of the cost of decoding a typical report). */
int report_decode_stored(const unsigned char *json, size_t len,
    const struct ti_limits *limits, struct report **out, struct ti_err *err);

void report_free(struct report *r);

/*
 * Install report.c's cJSON allocator (cJSON_InitHooks), once.  The
 * decoders call it themselves; a program that uses cJSON in several
 * threads calls it before it starts them.
 */
void report_init(void);

/* Append a deviation (code and printf-style detail) to r. */
void report_deviate(struct report *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The distinct deviation codes of r, space-separated, as the stores keep
   them; NULL when there are none.  g_free() the result. */
char *report_deviation_codes(const struct report *r);

/*
 * A NULL-terminated string list (policy-string, mx-host) as the JSON
 * array text the stores keep, invalid UTF-8 replaced; *out is NULL when
 * strv is.  g_free() *out.  Returns 0, or -1 (TI_E_TEMP) out of memory.
 */
int report_strv_json(char *const *strv, char **out, struct ti_err *err);

/*
 * Session totals of a report, counting each session once: the counts are
 * summed within each policy type and the largest type wins, because
 * senders (Microsoft) report the same sessions under "sts" and "tlsa".
 */
void report_totals(const struct report *r, int64_t *successful,
    int64_t *failed);

/*
 * The domain the report is about: the first non-NULL policy-domain of an
 * "sts" or "no-policy-found" policy, else of any policy, else
 * r->fallback_domain; NULL if none.  Borrowed from r.
 */
const char *report_domain(const struct report *r);

/*
 * Parse an RFC 3339 date-time as RFC 8460 uses it into seconds since the
 * epoch.  Accepts fractions, "Z" or an offset, lower-case t/z and a space
 * separator; a missing offset is read as UTC and sets *no_offset (may be
 * NULL).  Returns 0 or -1.
 */
int report_parse_datetime(const char *text, int64_t *out, int *no_offset);

/*
 * The RFC 8460 §5.1 attachment file name
 *     sender "!" policy-domain "!" begin "!" end [ "!" unique-id ] "." ext
 * with begin and end as epoch seconds or (leniently) ISO 8601 date-times.
 */
struct report_fname {
	char *sender;
	char *policy_domain;
	int64_t begin;
	int64_t end;
	char *unique_id; /* may be NULL */
	int gzip; /* extension .json.gz (else .json) */
};

/* Returns 0 and fills *out (free with report_fname_clear), or -1 when the
   name does not follow the grammar. */
int report_fname_parse(const char *name, struct report_fname *out);
void report_fname_clear(struct report_fname *f);

/*
 * Compare a parsed file name with the report and add a deviation
 * ("filename-mismatch") to r for each disagreement.  Never fatal
 * (RFC 8460 §5.6: the report is authoritative).
 */
void report_check_fname(struct report *r, const struct report_fname *f);

#endif
