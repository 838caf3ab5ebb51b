/*
 * auth.h: who vouched for a report (RFC 8460 §3).  The model that the
 * trust stage fills in, the store keeps beside each report, and export,
 * show, list, the log line and the digest print.  No library type
 * crosses this header.
 *
 * Every string is owned (g_malloc) and may be NULL, except method and
 * result, which auth_set() always sets from the lists below.
 */
#ifndef AUTH_H
#define AUTH_H

/* method: how the result was obtained */
#define AUTH_DKIM "dkim" /* verified here, libopendkim */
#define AUTH_AR "authentication-results" /* the local MTA's header */
#define AUTH_NONE "none" /* not authenticated ([trust] dkim = off) */

/* result (RFC 8601 §2.7.1 words) */
#define AUTH_PASS "pass"
#define AUTH_FAIL "fail"
#define AUTH_RNONE "none"
#define AUTH_TEMPERROR "temperror"
#define AUTH_PERMERROR "permerror"

struct ti_auth {
	char *method; /* AUTH_DKIM, AUTH_AR or AUTH_NONE */
	char *result; /* AUTH_PASS ... AUTH_PERMERROR */
	char *domain; /* the signing domain (d=, header.d); NULL if none */
	char *selector; /* s=; NULL if unknown */
	char *algorithm; /* "rsa-sha256", "ed25519-sha256"; NULL if unknown */
	int bits; /* key size in bits; 0 if unknown (and for ed25519) */
	char *dnssec; /* "secure", "insecure", "bogus"; NULL if unknown */
	char *reason; /* why it did not pass, or a note on a pass (an
			 email-only key); NULL if nothing to say */
};

/* Set method and result (copies), and clear everything else. */
void auth_set(struct ti_auth *a, const char *method, const char *result);
/* Replace one string field with a copy of value (NULL clears it). */
void auth_field(char **field, const char *value);
/* printf-style reason (replaces any earlier one, which may be one of
   the arguments). */
void auth_reason(struct ti_auth *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void auth_copy(struct ti_auth *dst, const struct ti_auth *src);
/* Free the strings (not a itself); safe on a zeroed struct. */
void auth_clear(struct ti_auth *a);
/* True when a says the report was authenticated (result pass). */
int auth_passed(const struct ti_auth *a);

#endif
