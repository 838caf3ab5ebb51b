/*
 * test-advice.c: the table of RFC 8460 result types (all eleven of the
 * IANA registry, and the unknown row), their categories and severities,
 * and advice_fix()'s verbatim substitution.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"
#include "tap.h"

static const struct {
	const char *type;
	enum advice_category category;
} registry[] = {
	/* IANA order (doc/rfc8460.md, '2. Result types') */
	{ "starttls-not-supported", ADVICE_NEGOTIATION },
	{ "certificate-host-mismatch", ADVICE_CERTIFICATE },
	{ "certificate-expired", ADVICE_CERTIFICATE },
	{ "tlsa-invalid", ADVICE_DANE },
	{ "dnssec-invalid", ADVICE_DANE },
	{ "dane-required", ADVICE_DANE },
	{ "certificate-not-trusted", ADVICE_CERTIFICATE },
	{ "sts-policy-invalid", ADVICE_STS },
	{ "sts-webpki-invalid", ADVICE_STS },
	{ "validation-failure", ADVICE_NEGOTIATION },
	{ "sts-policy-fetch-error", ADVICE_STS },
};

static int
count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

int
main(void)
{
	const struct advice *t, *a;
	unsigned n;
	char *fix;

	t = advice_table(&n);
	ok(n == nitems(registry) + 1,
	    "table: eleven types and the unknown row");
	for (size_t i = 0; i < nitems(registry); i++) {
		a = advice_lookup(registry[i].type);
		ok(a == &t[i] && strcmp(a->result_type, registry[i].type) == 0,
		    "%s: found, in registry order", registry[i].type);
		ok(a->category == registry[i].category, "%s: category %s",
		    registry[i].type, advice_category_name(a->category));
		ok(advice_known(registry[i].type), "%s: known",
		    registry[i].type);
		ok(a->meaning[0] != '\0' && a->fix[0] != '\0' &&
			count(a->fix, "%s") <= 1 &&
			count(a->fix, "%") == count(a->fix, "%s"),
		    "%s: meaning and fix, at most one %%s and no other %%",
		    registry[i].type);
	}
	ok(t[n - 1].category == ADVICE_OTHER && t[n - 1].result_type[0] == 0,
	    "the unknown row is last");

	/* unknown values: the unknown row, never NULL */
	static const char *const unknown[] = { "certificate-revoked",
		"STARTTLS-NOT-SUPPORTED", "", " tlsa-invalid", "tlsa-invalid ",
		"\xff\xfe" };
	for (size_t i = 0; i < nitems(unknown); i++) {
		a = advice_lookup(unknown[i]);
		ok(a == &t[n - 1] && !advice_known(unknown[i]),
		    "unknown %zu: the unknown row", i);
	}
	ok(advice_lookup(NULL) == &t[n - 1], "NULL: the unknown row");

	/* severities: what breaks delivery under enforce ranks highest */
	ok(advice_lookup("starttls-not-supported")->severity ==
		    ADVICE_CRITICAL &&
		advice_lookup("certificate-expired")->severity ==
		    ADVICE_CRITICAL &&
		advice_lookup("tlsa-invalid")->severity == ADVICE_CRITICAL,
	    "no STARTTLS, an expired certificate, a bad TLSA: critical");
	ok(advice_lookup("sts-policy-fetch-error")->severity == ADVICE_MEDIUM,
	    "a policy fetch error: medium");

	/* advice_fix */
	fix = advice_fix(advice_lookup("certificate-host-mismatch"),
	    "mail2.example.org", NULL);
	ok(strstr(fix, "mail2.example.org lacks that name in its SAN") &&
		strstr(fix, "renew it including the name") != NULL,
	    "host mismatch: names the MX and the fix: %s", fix);
	g_free(fix);
	fix = advice_fix(advice_lookup("tlsa-invalid"), NULL, NULL);
	ok(strstr(fix, "_25._tcp.the MX host") != NULL && !strstr(fix, "%s"),
	    "no MX: \"the MX host\": %s", fix);
	g_free(fix);
	fix = advice_fix(advice_lookup("tlsa-invalid"), "", NULL);
	ok(strstr(fix, "the MX host") != NULL, "empty MX: \"the MX host\"");
	g_free(fix);
	fix = advice_fix(advice_lookup("certificate-expired"), "%s%n%x", "%s");
	ok(strstr(fix, "on %s%n%x,") != NULL && count(fix, "%s") == 1,
	    "an MX holding %% is inserted verbatim, once: %s", fix);
	g_free(fix);
	fix = advice_fix(advice_lookup("sts-webpki-invalid"), "mx", "ex.org");
	ok(strstr(fix, "mta-sts.ex.org") != NULL && !strstr(fix, "<domain>"),
	    "<domain> replaced: %s", fix);
	g_free(fix);
	fix = advice_fix(advice_lookup("sts-webpki-invalid"), "mx", NULL);
	ok(strstr(fix, "mta-sts.<domain>") != NULL, "no domain: <domain> kept");
	g_free(fix);

	/* names */
	ok(strcmp(advice_category_name(ADVICE_NEGOTIATION),
	       "TLS negotiation") == 0 &&
		strcmp(advice_category_name(ADVICE_STS), "MTA-STS") == 0 &&
		strcmp(advice_category_name(ADVICE_DANE), "DANE") == 0 &&
		strcmp(advice_category_name(ADVICE_CERTIFICATE),
		    "certificate") == 0 &&
		strcmp(advice_category_name(ADVICE_OTHER), "other") == 0,
	    "category names");
	ok(strcmp(advice_category_key(ADVICE_NEGOTIATION), "negotiation") ==
		    0 &&
		strcmp(advice_category_key(ADVICE_STS), "sts") == 0 &&
		strcmp(advice_category_key(ADVICE_DANE), "dane") == 0 &&
		strcmp(advice_category_key(ADVICE_CERTIFICATE),
		    "certificate") == 0 &&
		strcmp(advice_category_key(ADVICE_OTHER), "other") == 0,
	    "category keys");
	ok(strcmp(advice_severity_name(ADVICE_LOW), "low") == 0 &&
		strcmp(advice_severity_name(ADVICE_MEDIUM), "medium") == 0 &&
		strcmp(advice_severity_name(ADVICE_HIGH), "high") == 0 &&
		strcmp(advice_severity_name(ADVICE_CRITICAL), "critical") == 0,
	    "severity names");
	return done_testing();
}
