/*
 * test-dkim.c: trust/dkim.c.
 *
 * Without arguments: TAP checks of dkim_org_aligned() (pure, libpsl).
 *
 * With arguments, the driver of tests/e2e/72-dkim.t:
 *	test-dkim SERVER MAIL DOMAIN [TIMEOUT_MS [ANCHOR]]
 * verifies the file MAIL against the DNS server SERVER ("127.0.0.1@PORT")
 * with DOMAIN as the reporting domain, prints one line
 *	result=R domain=D selector=S algorithm=A bits=N dnssec=X reason="..."
 * ("-" for an unknown field) and exits 0; 1 when dkim_verify_mail failed
 * (the line then says result=error).  TIMEOUT_MS (default: env
 * DKIM_TIMEOUT_MS, else the resolver's default) is the per-query
 * timeout; ANCHOR a DNSSEC trust anchor file (default: none, no
 * validation).  The time taken is printed on stderr as elapsed_ms=N.
 * DKIM_REPEAT=N verifies the mail N times (for callgrind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "dns/resolve.h"
#include "trust/auth.h"
#include "trust/dkim.h"
#include "tap.h"

static void
aligned(const char *a, const char *b, int want)
{
	ok(dkim_org_aligned(a, b) == want, "%s %s %s", a ? a : "NULL",
	    want ? "aligned with" : "not aligned with", b ? b : "NULL");
}

static int
pure_tests(void)
{
	aligned("reporter.example", "reporter.example", 1);
	aligned("mail.reporter.example", "reporter.example", 1);
	aligned("reporter.example", "a.b.reporter.example", 1);
	aligned("Mail.Reporter.Example.", "reporter.example", 1);
	aligned("other.example", "reporter.example", 0);
	aligned("reporter.example.net", "reporter.example", 0);
	aligned("google.com", "google.com", 1);
	aligned("smtp.google.com", "google.com", 1);
	aligned("corp.mail.ru", "mail.ru", 1);
	aligned("evilgoogle.com", "google.com", 0);
	/* a public suffix is nobody's organisation */
	aligned("a.co.uk", "b.co.uk", 0);
	aligned("x.example.co.uk", "y.example.co.uk", 1);
	aligned("alice.github.io", "bob.github.io", 0);
	/* no registrable part: the exact comparison only */
	aligned("co.uk", "co.uk", 1);
	aligned("co.uk", "a.co.uk", 0);
	aligned("example", "example.", 1);
	aligned("example", "mail.example", 0);
	aligned("", "", 0);
	aligned(".", "reporter.example", 0);
	aligned(NULL, "reporter.example", 0);
	aligned("reporter.example", NULL, 0);
	aligned("\xff.example", "\xff.example", 0);
	return done_testing();
}

static const char *
dash(const char *s)
{
	return s != NULL ? s : "-";
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct resolver_conf rc;
	struct resolver *res;
	struct dkim_verifier *v;
	struct ti_auth auth;
	struct ti_err err;
	unsigned char *mail;
	size_t len;
	const char *tmo = getenv("DKIM_TIMEOUT_MS"), *rep;
	int n = 1, rv = 0;
	double t0;

	if (argc == 1)
		return pure_tests();
	if (argc < 4) {
		fprintf(stderr,
		    "usage: test-dkim [SERVER MAIL DOMAIN [TIMEOUT_MS "
		    "[ANCHOR]]]\n");
		return 2;
	}
	if (argc > 4)
		tmo = argv[4];
	if ((rep = getenv("DKIM_REPEAT")) != NULL && atoi(rep) > 0)
		n = atoi(rep);
	if ((mail = tap_slurp(argv[2], &len)) == NULL) {
		fprintf(stderr, "test-dkim: cannot read %s\n", argv[2]);
		return 2;
	}
	memset(&rc, 0, sizeof(rc));
	rc.servers = argv[1];
	rc.timeout_ms = tmo != NULL ? (unsigned)atoi(tmo) : 0;
	rc.trust_anchor = argc > 5 ? argv[5] : "";
	ti_err_clear(&err);
	memset(&auth, 0, sizeof(auth));
	t0 = now_ms();
	if ((res = resolver_new(&rc, &err)) == NULL ||
	    (v = dkim_verifier_new(res, &err)) == NULL) {
		fprintf(stderr, "test-dkim: %s\n", err.msg);
		resolver_free(res);
		free(mail);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		auth_clear(&auth);
		ti_err_clear(&err);
		rv = dkim_verify_mail(v, mail, len, argv[3], &auth, &err);
	}
	fprintf(stderr, "elapsed_ms=%.0f\n", now_ms() - t0);
	if (rv != 0)
		printf("result=error domain=- selector=- algorithm=- bits=0 "
		       "dnssec=- reason=\"%s: %s\"\n",
		    ti_status_name(err.status), err.msg);
	else
		printf("result=%s domain=%s selector=%s algorithm=%s bits=%d "
		       "dnssec=%s reason=\"%s\"\n",
		    dash(auth.result), dash(auth.domain), dash(auth.selector),
		    dash(auth.algorithm), auth.bits, dash(auth.dnssec),
		    auth.reason != NULL ? auth.reason : "");
	auth_clear(&auth);
	dkim_verifier_free(v);
	resolver_free(res);
	free(mail);
	return rv == 0 ? 0 : 1;
}
