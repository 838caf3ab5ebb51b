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
	char *comment; /* the comment right after the result, outer
			  parentheses and quoted-pairs removed, or NULL
			  (OpenDKIM: "2048-bit key; unprotected") */
	struct authres_prop *props;
	size_t n_props;
};

struct authres {
	char *authserv_id; /* as written, unquoted (compare
			      case-insensitively) */
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
 * cleared).  *out is overwritten, not freed: authres_clear() it after
 * a 0.  Bounded: more than 64 results, 32 properties in a result or
 * 16 levels of comment nesting is an error (-1), not a truncation.
 * Lenient only where MTAs are: a value may hold any visible character
 * but ( ) ; " and backslash (mox writes policy.iprev=2001:db8::1), a
 * property value may be empty before ';' or the end, and one ';' may
 * end the field.
 */
int authres_parse(const char *value, struct authres *out);
/* Free the strings and arrays of ar (not ar); safe on a cleared one. */
void authres_clear(struct authres *ar);

/*
 * Decide from the Authentication-Results fields of a mail, given top
 * first as raw values (fields[0..n); a NULL entry is skipped), which of
 * them the local MTA added: those that parse and whose authserv-id is
 * one of trusted (NULL-terminated, compared case-insensitively and as
 * a whole, never as a prefix or substring).  Fields that do not parse
 * are ignored.  Then:
 * - reporting_domain NULL or empty: auth permerror;
 * - no trusted field with a dkim result (or trusted empty): auth none;
 * - more than one trusted field with a dkim result (one may be forged):
 *   auth permerror, "more than one ... field";
 * - else the dkim results of that field: pass when one of them is pass
 *   and its header.d (else the domain of header.i) has the same
 *   organisational domain as reporting_domain (aligned(header_d,
 *   reporting_domain) != 0; a NULL aligned compares the two exactly,
 *   case-insensitively); a result naming header.d twice never passes;
 *   else the first dkim result's result mapped to auth words (pass
 *   misaligned: permerror; fail, neutral, policy: fail; temperror;
 *   permerror; none).
 * Fills *auth (replacing what it held, via auth_set) with method
 * AUTH_AR, domain = header.d, selector = header.s, algorithm = header.a
 * and bits from a comment "(2048-bit key ...)" or "(1024 bit rsa)" when
 * given, and a reason in plain English when it did not pass.
 */
void authres_decide(const char *const *fields, size_t n,
    const char *const *trusted, const char *reporting_domain,
    int (*aligned)(const char *a, const char *b), struct ti_auth *auth);

#endif
