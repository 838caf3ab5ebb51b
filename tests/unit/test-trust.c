/*
 * test-trust.c: the pure half of the [trust] policy: the header scan
 * (From, the topmost Received, which Authentication-Results fields the
 * local MTA added), the reporting domain, our own domains; and
 * trust_check() where it needs no DNS (dkim = off, and
 * authentication-results).
 */
#include <string.h>

#include <glib.h>

#include "tap.h"
#include "conf.h"
#include "ingest/mime.h"
#include "ingest/report.h"
#include "trust/trust.h"

static void
scan(const char *mail, struct trust_header *h)
{
	trust_scan_header((const unsigned char *)mail, strlen(mail), h);
}

static size_t
n_ar(const struct trust_header *h)
{
	return h->local_ar != NULL ? g_strv_length(h->local_ar) : 0;
}

static void
test_scan(void)
{
	struct trust_header h;

	scan("From reports@example.net Thu Dec  3 08:00:00 2026\n"
	     "Return-Path: <reports@example.net>\n"
	     "Authentication-Results: mx.example.com;\n"
	     "\tdkim=pass header.d=google.com\n"
	     "Received: from mail.google.com by mx.example.com;\n"
	     " Thu, 03 Dec 2026 08:00:00 +0000\n"
	     "Authentication-Results: mx.example.com; none\n"
	     "Received: by sender; Thu, 03 Dec 2026 07:00:00 +0000\n"
	     "Authentication-Results: mx.example.com; dkim=pass "
	     "header.d=forged.example\n"
	     "From: Google <noreply-smtp-tls-reporting@Google.COM.>\n"
	     "Subject: x\n"
	     "\n"
	     "From: not@header.example\n",
	    &h);
	ok(h.n_from == 1, "one From field (the body's does not count)");
	ok(h.from_domain != NULL && strcmp(h.from_domain, "google.com") == 0,
	    "From domain in lower case without the dot: %s",
	    h.from_domain ? h.from_domain : "(null)");
	ok(h.received == 1796284800, "topmost Received date: %lld",
	    (long long)h.received);
	ok(n_ar(&h) == 2,
	    "the A-R above the first Received and the one "
	    "right after it are local: %zu",
	    n_ar(&h));
	ok(n_ar(&h) >= 1 && strstr(h.local_ar[0], "google.com") != NULL &&
		strchr(h.local_ar[0], '\n') == NULL,
	    "a folded field is unfolded");
	trust_header_clear(&h);

	scan("Received: by mx.example.com; Thu, 03 Dec 2026 08:00:00 +0000\r\n"
	     "Subject: x\r\n"
	     "Authentication-Results: mx.example.com; dkim=pass\r\n"
	     "From: a@example.org\r\n"
	     "From: b@example.org\r\n\r\nbody\r\n",
	    &h);
	ok(n_ar(&h) == 0, "an A-R below another field is the sender's");
	ok(h.n_from == 2, "two From fields counted (CRLF)");
	trust_header_clear(&h);

	scan("Subject: no trace\n\nbody", &h);
	ok(h.received == -1 && n_ar(&h) == 0 && h.n_from == 0,
	    "no Received, no From");
	trust_header_clear(&h);

	scan("Received: by mx; not a date\n\n", &h);
	ok(h.received == -1, "an unparseable Received date is -1");
	trust_header_clear(&h);

	scan("", &h);
	ok(h.received == -1 && h.from_domain == NULL, "empty input");
	trust_header_clear(&h);

	scan("From: <@>\nFrom\n", &h);
	ok(h.n_from == 1 && h.from_domain == NULL,
	    "a From without a domain, then a line that is no field");
	trust_header_clear(&h);
}

static void
test_reporting_domain(void)
{
	static const struct {
		const char *contact, *submitter, *from, *want;
	} cases[] = {
		{ "mailto:smtp-tls-reporting@Google.com", NULL, NULL,
		    "google.com" },
		{ "tlsrpt-noreply@microsoft.com", "other.example", NULL,
		    "microsoft.com" },
		{ "https://tlsrpt.Example.org./contact", NULL, NULL,
		    "tlsrpt.example.org" },
		{ "nobody, no domain", "mail.ru ", NULL, "mail.ru" },
		{ NULL, "reports@corp.example", NULL, "corp.example" },
		{ NULL, NULL, "from.example", "from.example" },
		{ NULL, NULL, NULL, NULL },
		{ "mailto:a@b.example?subject=x", NULL, NULL, "b.example" },
		{ "mailto:a@first.example,mailto:b@second.example", NULL, NULL,
		    "first.example" },
		{ "@", "sub.example", NULL, "sub.example" },
	};
	struct report r;

	for (size_t i = 0; i < nitems(cases); i++) {
		char *d;

		memset(&r, 0, sizeof(r));
		r.contact_info = (char *)cases[i].contact;
		d = trust_reporting_domain(&r, cases[i].submitter,
		    cases[i].from);
		ok(g_strcmp0(d, cases[i].want) == 0,
		    "reporting domain of %s / %s / %s: %s",
		    cases[i].contact ? cases[i].contact : "-",
		    cases[i].submitter ? cases[i].submitter : "-",
		    cases[i].from ? cases[i].from : "-", d ? d : "(null)");
		g_free(d);
	}
}

static void
test_auth(void)
{
	struct ti_auth a = { 0 }, b;

	auth_set(&a, AUTH_DKIM, AUTH_TEMPERROR);
	auth_reason(&a, "key lookup of %s timed out", "s._domainkey.x");
	auth_reason(&a, "%s; retried for %d minutes", a.reason, 300);
	ok(strcmp(a.reason,
	       "key lookup of s._domainkey.x timed out; "
	       "retried for 300 minutes") == 0,
	    "auth_reason may take the old reason as an argument");
	auth_copy(&b, &a);
	ok(auth_passed(&b) == 0 && strcmp(b.method, "dkim") == 0 &&
		b.reason != a.reason && strcmp(b.reason, a.reason) == 0,
	    "auth_copy copies");
	auth_clear(&b);
	auth_set(&a, AUTH_AR, AUTH_PASS);
	ok(auth_passed(&a) && a.reason == NULL, "auth_set clears the rest");
	auth_clear(&a);
	ok(!auth_passed(&a) && !auth_passed(NULL), "a cleared record: no pass");
}

static void
test_domains(void)
{
	const char *ours[] = { "example.com", "mx1.example.net", NULL };

	ok(trust_domain_matches("example.com", ours), "our domain");
	ok(trust_domain_matches("EXAMPLE.com.", ours), "any case, a dot");
	ok(trust_domain_matches("sub.example.com", ours), "a subdomain");
	ok(!trust_domain_matches("badexample.com", ours),
	    "not a suffix match without a dot");
	ok(!trust_domain_matches("example.com.evil.example", ours),
	    "not a prefix match");
	ok(trust_domain_matches("mx1.example.net", ours), "an MX host (DANE)");
	ok(!trust_domain_matches("example.net", ours), "its parent is not");
	ok(!trust_domain_matches(NULL, ours), "no domain");
	ok(!trust_domain_matches("example.com", NULL), "no list");
}

static struct trust *
make(const char *dkim, const char *ids, struct ti_err *err)
{
	struct ti_conf c;
	struct trust *t;

	conf_init(&c);
	conf_set(&c.trust_dkim, dkim);
	conf_set(&c.trust_authserv_ids, ids);
	conf_set(&c.trust_domains, "Example.com. , example.org");
	t = trust_new(&c, err);
	conf_clear(&c);
	return t;
}

static void
check(struct trust *t, const char *mail, const char *contact,
    const char *want_result, enum trust_verdict want, const char *what)
{
	struct ti_auth a = { 0 };
	struct ti_err err = { 0 };
	enum trust_verdict v;
	struct report r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.contact_info = (char *)contact;
	rc = trust_check(t, (const unsigned char *)mail, strlen(mail), &r, NULL,
	    1796284800 + 60, &a, &v, &err);
	ok(rc == 0 && v == want && g_strcmp0(a.result, want_result) == 0,
	    "%s: %s (%s)", what, a.result ? a.result : "(null)",
	    a.reason ? a.reason : "");
	auth_clear(&a);
}

static void
test_check(void)
{
	struct ti_err err = { 0 };
	struct trust *t = make("off", NULL, &err);
	const char *const *d;

	ok(t != NULL && !trust_authenticates(t), "dkim = off");
	check(t, "Subject: x\n\n", NULL, "none", TRUST_STORE,
	    "off: stored as not authenticated");
	d = trust_domains(t);
	ok(d != NULL && strcmp(d[0], "example.com") == 0 && d[2] == NULL,
	    "domains are split, lower case, without the dot");
	trust_free(t);

	t = make("authentication-results", "mx.example.com", &err);
	ok(t != NULL && trust_authenticates(t), "authentication-results");
	check(t,
	    "Authentication-Results: mx.example.com; dkim=pass (2048-bit "
	    "key; unprotected) header.d=google.com header.s=20230601\n"
	    "Received: by mx.example.com; Thu, 03 Dec 2026 08:00:00 +0000\n"
	    "From: noreply-smtp-tls-reporting@google.com\n\n",
	    "smtp-tls-reporting@google.com", "pass", TRUST_STORE,
	    "the local MTA's pass");
	check(t,
	    "Received: by mx.example.com; Thu, 03 Dec 2026 08:00:00 +0000\n"
	    "From: noreply-smtp-tls-reporting@google.com\n"
	    "Authentication-Results: mx.example.com; dkim=pass "
	    "header.d=google.com\n\n",
	    "smtp-tls-reporting@google.com", "none", TRUST_UNAUTHENTICATED,
	    "a forged A-R among the sender's fields is not read");
	check(t,
	    "Authentication-Results: mx.example.com; dkim=pass "
	    "header.d=google.com\n"
	    "From: a@google.com\nFrom: b@google.com\n\n",
	    "smtp-tls-reporting@google.com", "permerror", TRUST_UNAUTHENTICATED,
	    "two From fields");
	check(t,
	    "Authentication-Results: mx.example.com; dkim=temperror "
	    "header.d=google.com\n"
	    "From: a@google.com\n\n",
	    "smtp-tls-reporting@google.com", "temperror", TRUST_UNAUTHENTICATED,
	    "the MTA's temperror is not retried (the header stays)");
	trust_free(t);
}

int
main(void)
{
	mime_init();
	test_scan();
	test_reporting_domain();
	test_auth();
	test_domains();
	test_check();
	mime_shutdown();
	return done_testing();
}
