/*
 * advice.h: what each RFC 8460 §4.3 result type means to a postmaster,
 * and what to do about it.  One table row per value of the IANA
 * "STARTTLS Validation Result Types" registry (all eleven), plus one
 * row for a value the registry does not (yet) hold.
 */
#ifndef ADVICE_H
#define ADVICE_H

enum advice_category {
	ADVICE_NEGOTIATION, /* TLS negotiation failure (RFC 8460 §4.3.1) */
	ADVICE_CERTIFICATE, /* certificate failure (§4.3.1) */
	ADVICE_STS, /* MTA-STS policy failure (§4.3.2.2) */
	ADVICE_DANE, /* DANE policy failure (§4.3.2.1) */
	ADVICE_OTHER, /* a result type we do not know */
};

enum advice_severity {
	ADVICE_LOW,
	ADVICE_MEDIUM,
	ADVICE_HIGH,
	ADVICE_CRITICAL,
};

struct advice {
	const char *result_type; /* "" for the unknown row */
	enum advice_category category;
	enum advice_severity severity;
	const char *meaning; /* one or two sentences */
	const char *fix; /* what to do; one "%s" stands for the
			    MX host, "<domain>" the policy
			    domain (see advice_fix) */
};

/* The row for result_type (compared exactly, as on the wire); the
   unknown row for NULL or an unregistered value.  Never NULL. */
const struct advice *advice_lookup(const char *result_type);

/* Whether result_type is one of the eleven registered values. */
int advice_known(const char *result_type);

/* The fix text of a with its "%s" replaced by mx, or by "the MX host"
   when mx is NULL or empty, and "<domain>" by domain when that is not
   NULL.  Both are inserted verbatim (never used as a format): the
   caller cleans them for its output.  Free with g_free(). */
char *advice_fix(const struct advice *a, const char *mx, const char *domain);

/* "TLS negotiation", "certificate", "MTA-STS", "DANE", "other". */
const char *advice_category_name(enum advice_category c);
/* A stable key: "negotiation", "certificate", "sts", "dane", "other". */
const char *advice_category_key(enum advice_category c);
/* "low", "medium", "high", "critical". */
const char *advice_severity_name(enum advice_severity s);

/* The table in registry order, and its length (the unknown row last). */
const struct advice *advice_table(unsigned *n);

#endif
