/*
 * advice.c: the meaning of each RFC 8460 result type and its fix.
 *
 * Design rationale:
 * - One row per value of the IANA "STARTTLS Validation Result Types"
 *   registry (RFC 8460 §6.4, last updated 2018, eleven values), grouped
 *   by the RFC's own categories (§4.3.1 negotiation, §4.3.2.1 DANE,
 *   §4.3.2.2 MTA-STS), with the certificate results of §4.3.1 split out
 *   because their fix is always the same place: the MX's certificate.
 * - Severity is what the failure costs once the policy is enforced:
 *   critical means senders that enforce stop delivering (or deliver in
 *   clear text) to that MX; medium means a policy is not applied and
 *   mail falls back to opportunistic TLS.
 * - The fix text takes the MX host with a plain "%s" substitution in
 *   advice_fix(), never through printf: the host comes from a report.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"

static const struct advice table[] = {
	{ "starttls-not-supported", ADVICE_NEGOTIATION, ADVICE_CRITICAL,
	    "The MX did not offer STARTTLS, so the sender could not "
	    "encrypt the session.",
	    "Enable STARTTLS on %s (Postfix: smtpd_tls_security_level = may "
	    "with a certificate and key); check that no firewall or "
	    "load balancer strips the STARTTLS capability." },
	{ "certificate-host-mismatch", ADVICE_CERTIFICATE, ADVICE_HIGH,
	    "The certificate the MX presented does not name the MX host: "
	    "the name is missing from its subjectAltName, or the MTA-STS "
	    "policy's mx patterns do not match the host.",
	    "The certificate on %s lacks that name in its SAN: renew it "
	    "including the name, and check that every mx line of the "
	    "MTA-STS policy matches the MX records." },
	{ "certificate-expired", ADVICE_CERTIFICATE, ADVICE_CRITICAL,
	    "The certificate the MX presented has expired.",
	    "Renew the certificate on %s, install the whole chain and reload "
	    "the MTA; make sure the renewal job also reloads it." },
	{ "tlsa-invalid", ADVICE_DANE, ADVICE_CRITICAL,
	    "No record of the MX's TLSA RRset matched the certificate "
	    "chain it presented.",
	    "Publish a TLSA record at _25._tcp.%s that matches the current "
	    "key (3 1 1 of the SPKI), and keep the old and new records "
	    "side by side across every key rollover." },
	{ "dnssec-invalid", ADVICE_DANE, ADVICE_HIGH,
	    "The sender's validating resolver got no valid DNSSEC answer "
	    "for the MX's TLSA records.",
	    "Check the DNSSEC chain of %s and its _25._tcp TLSA name (expired "
	    "RRSIGs, a DS record that no longer matches the DNSKEY after a "
	    "key rollover)." },
	{ "dane-required", ADVICE_DANE, ADVICE_HIGH,
	    "The sender requires DANE for this destination, but found no "
	    "DNSSEC-validated TLSA records for the MX.",
	    "Publish DNSSEC-signed TLSA records at _25._tcp.%s, or ask the "
	    "sender to drop mandatory DANE for the domain." },
	{ "certificate-not-trusted", ADVICE_CERTIFICATE, ADVICE_HIGH,
	    "The certificate chain did not validate: an unknown or private "
	    "CA, a self-signed certificate, or a missing intermediate.",
	    "Serve a certificate from a public CA with its full chain "
	    "(intermediates included) on %s; the failure-reason-code names "
	    "the check that failed." },
	{ "sts-policy-invalid", ADVICE_STS, ADVICE_HIGH,
	    "The MTA-STS policy file was fetched but did not validate "
	    "(RFC 8461 §3.2).",
	    "Fix https://mta-sts.<domain>/.well-known/mta-sts.txt: version: "
	    "STSv1, mode, max_age and one mx line per MX (covering %s), "
	    "served as text/plain; then change the id= of the _mta-sts "
	    "TXT record." },
	{ "sts-webpki-invalid", ADVICE_STS, ADVICE_HIGH,
	    "The HTTPS certificate of the policy host mta-sts.<domain> "
	    "failed PKIX validation.",
	    "Give the web server of mta-sts.<domain> a valid public "
	    "certificate for exactly that name, with its chain, and renew "
	    "it before it expires." },
	{ "validation-failure", ADVICE_NEGOTIATION, ADVICE_MEDIUM,
	    "A general failure that fits no other type, such as a TLS "
	    "handshake error.",
	    "Look at the failure-reason-code and the MTA's TLS log on %s "
	    "(protocol versions, cipher suites, handshake errors)." },
	{ "sts-policy-fetch-error", ADVICE_STS, ADVICE_MEDIUM,
	    "The sender found an _mta-sts TXT record but could not fetch the "
	    "policy (host unreachable, timeout, HTTP status other than "
	    "200, a redirect).",
	    "Check that https://mta-sts.<domain>/.well-known/mta-sts.txt "
	    "answers 200 from the public Internet over IPv4 and IPv6 "
	    "without a redirect; remove the _mta-sts TXT record if you "
	    "no longer publish a policy." },
	{ "", ADVICE_OTHER, ADVICE_MEDIUM,
	    "A result type this version does not know (the IANA registry "
	    "may have grown, or the reporter invents its own).",
	    "Read the failure-reason-code and the reporter's documentation; "
	    "check the TLS set-up of %s." },
};

const struct advice *
advice_table(unsigned *n)
{
	if (n != NULL)
		*n = (unsigned)nitems(table);
	return table;
}

const struct advice *
advice_lookup(const char *result_type)
{
	size_t i;

	if (result_type != NULL && *result_type != '\0')
		for (i = 0; i + 1 < nitems(table); i++)
			if (strcmp(table[i].result_type, result_type) == 0)
				return &table[i];
	return &table[nitems(table) - 1];
}

int
advice_known(const char *result_type)
{
	return advice_lookup(result_type)->category != ADVICE_OTHER;
}

/* s with every "what" replaced by "with" (with inserted verbatim). */
static void
replace_all(GString *s, const char *what, const char *with)
{
	size_t from = 0, wl = strlen(what), il = strlen(with);
	char *at;

	while ((at = strstr(s->str + from, what)) != NULL) {
		from = (size_t)(at - s->str);
		g_string_erase(s, (gssize)from, (gssize)wl);
		g_string_insert(s, (gssize)from, with);
		from += il;
	}
}

char *
advice_fix(const struct advice *a, const char *mx, const char *domain)
{
	GString *s = g_string_new(a->fix);

	replace_all(s, "%s", mx != NULL && *mx != '\0' ? mx : "the MX host");
	if (domain != NULL && *domain != '\0')
		replace_all(s, "<domain>", domain);
	return g_string_free(s, FALSE);
}

const char *
advice_category_name(enum advice_category c)
{
	switch (c) {
	case ADVICE_NEGOTIATION:
		return "TLS negotiation";
	case ADVICE_CERTIFICATE:
		return "certificate";
	case ADVICE_STS:
		return "MTA-STS";
	case ADVICE_DANE:
		return "DANE";
	case ADVICE_OTHER:
		break;
	}
	return "other";
}

const char *
advice_category_key(enum advice_category c)
{
	switch (c) {
	case ADVICE_NEGOTIATION:
		return "negotiation";
	case ADVICE_CERTIFICATE:
		return "certificate";
	case ADVICE_STS:
		return "sts";
	case ADVICE_DANE:
		return "dane";
	case ADVICE_OTHER:
		break;
	}
	return "other";
}

const char *
advice_severity_name(enum advice_severity s)
{
	switch (s) {
	case ADVICE_LOW:
		return "low";
	case ADVICE_MEDIUM:
		return "medium";
	case ADVICE_HIGH:
		return "high";
	case ADVICE_CRITICAL:
		break;
	}
	return "critical";
}
