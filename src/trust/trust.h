/*
 * trust.h: who may put a report in the store (RFC 8460 §3), the policy
 * of tlsrpt.conf(5) [trust] over the mechanisms of dkim.h and authres.h.
 *
 * - dkim = verify (the default): the mail must carry a DKIM signature
 *   that counts (dkim.h) by the reporting domain: the domain of the
 *   report's contact-info, else of TLS-Report-Submitter, else of From.
 * - dkim = authentication-results: the local MTA verified; trust its
 *   Authentication-Results field, the one whose authserv-id is listed,
 *   among those it added above the mail as the sender wrote it.
 * - dkim = off: store without authentication (method none, result
 *   none).  This breaks the RFC's MUST; the digest does not count such
 *   reports unless count-unauthenticated = yes.
 *
 * A temperror (DNS timeout, SERVFAIL, DNSSEC bogus) is retried (exit 75)
 * while the mail is younger than [trust] grace, its age counted from the
 * topmost Received field, which our own MTA added (never the sender's
 * Date); past it, or without a Received field to count from, the mail is
 * set aside like any other unauthenticated mail: an outage must never
 * make the MTA bounce a report in the end.
 *
 * The pure half (trust_scan_header, trust_reporting_domain,
 * trust_domain_matches) takes bytes and strings and is unit-tested on
 * its own; trust_check() is the side effect (DNS).
 */
#ifndef TRUST_H
#define TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ingest/report.h"
#include "ti.h"
#include "trust/auth.h"

/* What the trust stage needs of a mail's header, read from the raw
   bytes (GMime never sees the trace fields: mime.c trims them). */
struct trust_header {
	size_t n_from; /* From fields */
	char *from_domain; /* domain of the first From address, or NULL */
	int64_t received; /* date of the topmost Received field (epoch
			     seconds), or -1 when there is none or it
			     does not parse */
	/* Authentication-Results fields the local MTA may have added:
	   those above the first Received field and those right after
	   it (OpenDKIM inserts at index 0 in Debian, 1 upstream), top
	   first, raw values (NULL-terminated; g_strfreev) */
	char **local_ar;
};

/* Scan the header of raw[0..len) (a leading "From " line skipped, LF or
   CRLF, folded fields unfolded).  Pure; never fails. */
void trust_scan_header(const unsigned char *raw, size_t len,
    struct trust_header *h);
void trust_header_clear(struct trust_header *h);

/* The reporting domain (RFC 8460 §3, §5.3): the domain of r's
   contact-info (an address, a mailto: URI or an https URL), else of the
   TLS-Report-Submitter field, else of From.  Lower case, no trailing
   dot; NULL when none.  g_free it. */
char *trust_reporting_domain(const struct report *r, const char *submitter,
    const char *from_domain);

/* True when domain (any case, a trailing dot ignored) is one of ours
   (NULL-terminated list) or a subdomain of one. */
int trust_domain_matches(const char *domain, const char *const *ours);

enum trust_verdict {
	TRUST_STORE, /* authenticated, or authentication off */
	TRUST_UNAUTHENTICATED, /* set aside, not stored */
	TRUST_DEFER, /* temperror within the grace period: retry */
};

struct trust;

/* From conf's [trust] and [dns]; the resolver and the DKIM library start
   at the first mail that needs them.  TI_E_CONFIG on a bad [dns]. */
struct trust *trust_new(const struct ti_conf *conf, struct ti_err *err);
void trust_free(struct trust *t);
/* True unless [trust] dkim = off. */
int trust_authenticates(const struct trust *t);
/* [trust] domains, NULL-terminated, or NULL when any domain is fine. */
const char *const *trust_domains(const struct trust *t);

/*
 * Authenticate the mail raw[0..len), whose first decoded report is r
 * and whose TLS-Report-Submitter field is submitter (may be NULL), at
 * time now.  Fills *auth and *verdict.  Returns 0, or -1 with *err set
 * (TI_E_TEMP) when the verification could not run at all.
 */
int trust_check(struct trust *t, const unsigned char *raw, size_t len,
    const struct report *r, const char *submitter, int64_t now,
    struct ti_auth *auth, enum trust_verdict *verdict, struct ti_err *err);

#endif
