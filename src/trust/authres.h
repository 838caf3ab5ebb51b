/*
 * authres.h: Authentication-Results header fields (RFC 8601), read to
 * trust the local MTA's DKIM verdict ([trust] dkim = authserv-id in
 * tlsrpt.conf(5)).  Pure: strings in, a model out; no I/O, no globals.
 */
#ifndef AUTHRES_H
#define AUTHRES_H

#include <stddef.h>

#include "trust/auth.h"

/* One resinfo: "method=result reason=... ptype.prop=value ..." */
struct authres_prop {
	char *ptype; /* "header", "smtp", "body", "policy" (lower case) */
	char *property; /* "d", "s", "i", "a", "b" (lower case) */
	char *value; /* as written, quotes and comments removed */
};

struct authres_result {
	char *method; /* lower case, version removed: "dkim" */
	char *result; /* lower case: "pass" */
	char *reason; /* reason= value, or NULL */
	char *comment; /* the first comment after the result, or NULL
			  (OpenDKIM: "(2048-bit key; unprotected)") */
	struct authres_prop *props;
	size_t n_props;
};

struct authres {
	char *authserv_id; /* as written (compare case-insensitively) */
	int none; /* the field says "none" (no results) */
	struct authres_result *results;
	size_t n_results;
};

/*
 * Parse the value of one Authentication-Results field (everything after
 * the colon, folded or not) per RFC 8601 §2.2, with CFWS anywhere it is
 * allowed: nested comments, quoted-pairs, quoted strings (a ';' in a
 * comment or quoted string does not end a resinfo).  Returns 0 and
 * *out, or -1 when the value is not a valid field (*out is then
 * cleared).  Bounded: at most 64 results and 32 properties a result.
 */
int authres_parse(const char *value, struct authres *out);
void authres_clear(struct authres *ar);

/*
 * Decide from the Authentication-Results fields of a mail, given top
 * first as raw values (fields[0..n)), which of them the local MTA
 * added: those whose authserv-id is one of trusted (NULL-terminated,
 * compared case-insensitively and as a whole).  Then:
 * - no trusted field with a dkim result: auth none;
 * - more than one trusted field with a dkim result (one may be forged):
 *   auth permerror, "more than one ... field";
 * - else the dkim results of that field: pass when one of them is pass
 *   and its header.d has the same organisational domain as
 *   reporting_domain (aligned(header_d, reporting_domain, arg) != 0);
 *   else the first dkim result's result mapped to auth words (pass
 *   misaligned: permerror; fail, neutral, policy: fail; temperror;
 *   permerror; none).
 * Fills *auth with method AUTH_AR, domain = header.d, selector =
 * header.s, algorithm = header.a and bits from an OpenDKIM comment
 * "(2048-bit key ...)" when given.
 */
void authres_decide(const char *const *fields, size_t n,
    const char *const *trusted, const char *reporting_domain,
    int (*aligned)(const char *a, const char *b), struct ti_auth *auth);

#endif
