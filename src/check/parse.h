/*
 * parse.h: the pure stages of tlsrpt check: the TLSRPT record (RFC 8460
 * §3), the MTA-STS record (RFC 8461 §3.1), the MTA-STS policy file
 * (§3.2) and the matching of MX hosts against its mx patterns (§4.1).
 *
 * Each parser adds what it finds to a check_result (finding.h), naming
 * the record or line, and hands back what later stages need.
 *
 * Design rationale:
 * - RFC-exact where some well-known checkers are not:
 *   version strings are case-sensitive; unknown keys and extensions are
 *   ignored (info, with a "did you mean" warning for near misses such
 *   as "nmx"), never an error; a duplicate policy key keeps the first
 *   value; LF and CRLF line ends are both fine; "*." covers exactly one
 *   label.
 * - No network, no clock: everything here is unit-tested and fuzzed
 *   (tests/fuzz/fuzz-check.c).
 */
#ifndef CHECK_PARSE_H
#define CHECK_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "check/finding.h"

#define CHECK_TLSRPT_VERSION "v=TLSRPTv1"
#define CHECK_STS_VERSION "v=STSv1"
#define CHECK_MAX_AGE_MAX 31557600 /* RFC 8461 §3.2 */
#define CHECK_POLICY_MAX 65536 /* RFC 8461 §3.3 suggested limit */

/* Does txt begin with version (the RFCs' rule for picking records)? */
int check_txt_is(const char *txt, const char *version);

/*
 * One TLSRPT record, found at owner: T3 (grammar), T4 (rua), T5
 * (extensions).  Returns 0 when senders can use it, -1 when not.  The
 * rua URIs go to *rua (g_strfreev; NULL when there are none) when rua
 * is not NULL.
 */
int check_tlsrpt_record(struct check_result *r, const char *owner,
    const char *txt, char ***rua);

/* One MTA-STS record, found at owner: S3.  0 or -1; *id (g_free) when
   id is not NULL and the record has a valid one. */
int check_sts_record(struct check_result *r, const char *owner, const char *txt,
    char **id);

enum sts_mode {
	STS_MODE_UNKNOWN = 0,
	STS_MODE_ENFORCE,
	STS_MODE_TESTING,
	STS_MODE_NONE,
};

struct sts_policy {
	enum sts_mode mode;
	int64_t max_age; /* -1: missing or invalid */
	char **mx; /* the valid mx patterns, lowercase (g_strfreev) */
	size_t n_mx;
	int valid; /* senders can use it (C1-C4 without an error) */
};

/*
 * The policy text (len bytes, not NUL-terminated, may hold NULs) as
 * fetched from url: P6 (not text), C1-C5.  Fills *p (sts_policy_clear
 * frees it); returns 0 when valid, else -1.
 */
int check_policy(struct check_result *r, const char *url, const char *text,
    size_t len, struct sts_policy *p);
void sts_policy_clear(struct sts_policy *p);
const char *sts_mode_name(enum sts_mode m);

/* Is pattern a valid policy mx value ("*." optional, A-labels, not an
   IP address, no trailing dot)?  1 or 0, with *why set on 0. */
int check_mx_pattern_ok(const char *pattern, const char **why);
/* Does MX host (any case, trailing dot or not) match pattern?  "*."
   stands for exactly one label (RFC 8461 §4.1). */
int check_mx_match(const char *pattern, const char *host);

/* A host name for messages and comparisons: lowercase, no trailing
   dot.  g_free the result. */
char *check_host_norm(const char *host);

#endif
