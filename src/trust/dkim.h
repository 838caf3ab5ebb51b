/*
 * dkim.h: verify the DKIM signatures of a report mail (RFC 6376, RFC
 * 8460 §3) with libopendkim, its DNS done by resolve.h.  No libopendkim
 * type crosses this header.
 *
 * A signature counts only when all of these hold:
 * - libopendkim says it passed (DKIM_SIGFLAG_PASSED) AND its body hash
 *   matched (DKIM_SIGBH_MATCH);
 * - it has no l= tag (RFC 8460 §3);
 * - its algorithm is rsa-sha256 with a key of at least 1024 bits, or
 *   ed25519-sha256 (RFC 8301, RFC 8463); never rsa-sha1;
 * - its d= has the same organisational domain (libpsl) as the reporting
 *   domain given by the caller;
 * - its key's s= is absent, "*" or lists "tlsrpt"; an "email"-only key
 *   passes with a note in auth->reason (RFC 8460 §3: "MAY ignore").
 * Only signatures whose d= is aligned are looked up in DNS, at most
 * DKIM_MAX_LOOKUPS of them: a mail with many signatures of dead domains
 * cannot cost many timeouts.
 */
#ifndef DKIM_H
#define DKIM_H

#include <stddef.h>

#include "dns/resolve.h"
#include "ti.h"
#include "trust/auth.h"

#define DKIM_MAX_LOOKUPS 3

struct dkim_verifier;

/* res is borrowed and must outlive the verifier.  TI_E_TEMP when the
   library cannot start. */
struct dkim_verifier *dkim_verifier_new(struct resolver *res,
    struct ti_err *err);
void dkim_verifier_free(struct dkim_verifier *v);

/*
 * (Not dkim_verify: libopendkim exports a function of that name.)
 * Verify raw[0..len), the mail as received (a leading mbox "From " line
 * is skipped; LF or CRLF line ends).  reporting_domain is the domain the
 * signature must align with (see trust.h).  Fills *auth (method
 * AUTH_DKIM): pass with the domain, selector, algorithm, key bits and
 * DNSSEC state of the best passing signature; else none (no signature),
 * fail (bad signature or body hash), permerror (no key, revoked key,
 * l=, rsa-sha1, small key, key not for tlsrpt, misaligned d=, a
 * malformed mail such as two From fields) or temperror (DNS timeout,
 * SERVFAIL, DNSSEC bogus), each with a reason.
 * Returns 0, or -1 with *err set (TI_E_TEMP) when verification could
 * not run at all (out of memory, the library failed), or when the
 * resolver itself failed (resolver_query returned -1) and no signature
 * passed: local trouble, not the sender's.
 */
int dkim_verify_mail(struct dkim_verifier *v, const unsigned char *raw,
    size_t len, const char *reporting_domain, struct ti_auth *auth,
    struct ti_err *err);

/* True when a and b have the same organisational domain (libpsl;
   case-insensitive, a trailing dot ignored).  Pure. */
int dkim_org_aligned(const char *a, const char *b);

/* d[0..len) as domains are compared here: lower case, without trailing
   dots; NULL when that leaves nothing or d is not UTF-8.  g_free it. */
char *dkim_domain_norm(const char *d, size_t len);

#endif
