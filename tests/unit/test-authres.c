/*
 * test-authres.c: the Authentication-Results parser (RFC 8601 §2.2) on
 * the shapes real MTAs write (OpenDKIM, mox, Fastmail), on every CFWS
 * form, on its limits and on garbage; then authres_decide: which field
 * is trusted, forged copies, alignment and the result words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "trust/authres.h"
#include "tap.h"

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parse v; 1 when it parses (ar filled), 0 when it does not. */
static int
parses(const char *v, struct authres *ar)
{
	return authres_parse(v, ar) == 0;
}

/* True when v does not parse (and leaves a cleared struct). */
static int
rejects(const char *v)
{
	struct authres ar;
	int rc = authres_parse(v, &ar);

	return rc == -1 && ar.authserv_id == NULL && ar.results == NULL &&
	    ar.n_results == 0 && ar.none == 0;
}

/* The value of ptype.property in result i, or NULL. */
static const char *
prop(const struct authres *ar, size_t i, const char *ptype, const char *prop)
{
	size_t j;

	if (i >= ar->n_results)
		return NULL;
	for (j = 0; j < ar->results[i].n_props; j++)
		if (streq(ar->results[i].props[j].ptype, ptype) &&
		    streq(ar->results[i].props[j].property, prop))
			return ar->results[i].props[j].value;
	return NULL;
}

static int
res_is(const struct authres *ar, size_t i, const char *method,
    const char *result)
{
	return i < ar->n_results && streq(ar->results[i].method, method) &&
	    streq(ar->results[i].result, result);
}

static void
test_opendkim(void)
{
	struct authres ar;

	/* OpenDKIM: a ';' inside the comment, header.i=@domain. */
	ok(parses("mx.example.org;\r\n\tdkim=pass (2048-bit key; unprotected) "
		  "header.d=example.com header.i=@example.com "
		  "header.b=AbC/+1x=",
	       &ar) &&
		streq(ar.authserv_id, "mx.example.org") && !ar.none &&
		ar.n_results == 1 && res_is(&ar, 0, "dkim", "pass") &&
		streq(ar.results[0].comment, "2048-bit key; unprotected") &&
		ar.results[0].n_props == 3 &&
		streq(prop(&ar, 0, "header", "d"), "example.com") &&
		streq(prop(&ar, 0, "header", "i"), "@example.com") &&
		streq(prop(&ar, 0, "header", "b"), "AbC/+1x="),
	    "OpenDKIM shape: ';' in the comment does not split");
	authres_clear(&ar);
}

static void
test_mox(void)
{
	struct authres ar;

	ok(parses("mx.example.net; iprev=pass\n\tpolicy.iprev=2001:db8::1; "
		  "dkim=pass header.d=example.com\n\theader.s=sel1 "
		  "header.a=rsa-sha256 header.i=@example.com; spf=pass\n\t"
		  "smtp.mailfrom=bounces.example.com; dmarc=pass\n\t"
		  "header.from=example.com",
	       &ar) &&
		ar.n_results == 4 && res_is(&ar, 0, "iprev", "pass") &&
		streq(prop(&ar, 0, "policy", "iprev"), "2001:db8::1") &&
		res_is(&ar, 1, "dkim", "pass") &&
		streq(prop(&ar, 1, "header", "s"), "sel1") &&
		streq(prop(&ar, 1, "header", "a"), "rsa-sha256") &&
		ar.results[1].comment == NULL &&
		res_is(&ar, 2, "spf", "pass") &&
		streq(prop(&ar, 2, "smtp", "mailfrom"),
		    "bounces.example.com") &&
		res_is(&ar, 3, "dmarc", "pass"),
	    "mox shape: four results, header.a, header.s, an IPv6 pvalue");
	authres_clear(&ar);

	ok(parses("mx.example.net; dkim=pass (1024 bit rsa)\n\t"
		  "header.d=example.com header.s=s2 header.b=Ab/cd/Ef",
	       &ar) &&
		streq(ar.results[0].comment, "1024 bit rsa") &&
		streq(prop(&ar, 0, "header", "b"), "Ab/cd/Ef"),
	    "mox shape: '/' in header.b, a '1024 bit' comment");
	authres_clear(&ar);
}

static void
test_fastmail(void)
{
	struct authres ar;

	ok(parses("mail.example.com;\n    x-csa=none;\n    x-me-sender=none;\n"
		  "    x-ptr=pass smtp.helo=out.example.org\n"
		  "      policy.ptr=out.example.org",
	       &ar) &&
		ar.n_results == 3 && res_is(&ar, 0, "x-csa", "none") &&
		res_is(&ar, 2, "x-ptr", "pass") &&
		streq(prop(&ar, 2, "policy", "ptr"), "out.example.org"),
	    "Fastmail shape without dkim: unknown methods kept");
	authres_clear(&ar);

	ok(parses("mail.example.com;\n    dmarc=pass "
		  "policy.published-domain-policy=reject\n      "
		  "(p=reject,d=none) policy.policy-from=p\n"
		  "      header.from=example.com;\n    arc=fail\n"
		  "      (as.1.example.com=fail (bad RSA signature))\n"
		  "      smtp.remote-ip=192.0.2.1;\n    spf=pass\n"
		  "      smtp.mailfrom=\n      bounce@example.com",
	       &ar) &&
		ar.n_results == 3 &&
		streq(prop(&ar, 0, "policy", "published-domain-policy"),
		    "reject") &&
		streq(prop(&ar, 0, "policy", "policy-from"), "p") &&
		ar.results[0].comment == NULL &&
		streq(ar.results[1].comment,
		    "as.1.example.com=fail (bad RSA signature)") &&
		streq(prop(&ar, 1, "smtp", "remote-ip"), "192.0.2.1") &&
		streq(prop(&ar, 2, "smtp", "mailfrom"), "bounce@example.com"),
	    "Fastmail shape: comments between props, a value on the next "
	    "line");
	authres_clear(&ar);
}

static void
test_ids_versions_none(void)
{
	struct authres ar;

	ok(parses("\"mx.example.com\"; dkim=pass", &ar) &&
		streq(ar.authserv_id, "mx.example.com"),
	    "quoted authserv-id");
	authres_clear(&ar);
	ok(parses("\"mx\\.ex ample\"(c)1(c);dkim=pass", &ar) &&
		streq(ar.authserv_id, "mx.ex ample") && ar.n_results == 1,
	    "quoted authserv-id with a quoted-pair and a space, a version "
	    "between comments");
	authres_clear(&ar);
	ok(parses("mx.example.com 1; dkim/1=pass", &ar) &&
		streq(ar.authserv_id, "mx.example.com") &&
		res_is(&ar, 0, "dkim", "pass"),
	    "authres-version and method-version");
	authres_clear(&ar);
	ok(parses("mx.example.com 12 ; dkim (c) / (c) 1 (c) = (c) pass", &ar) &&
		res_is(&ar, 0, "dkim", "pass"),
	    "versions with CFWS around every token");
	authres_clear(&ar);
	ok(rejects("mx.example.com; dkim/=pass") &&
		rejects("mx.example.com; dkim/x=pass") &&
		rejects("mx.example.com 1x; dkim=pass"),
	    "bad versions are errors");
	ok(parses("mx.example.com; none", &ar) && ar.none &&
		ar.n_results == 0 && streq(ar.authserv_id, "mx.example.com"),
	    "none");
	authres_clear(&ar);
	ok(parses("mx.example.com 1 ;\r\n NONE (no checks) ", &ar) && ar.none,
	    "none after a version, in upper case, with a comment");
	authres_clear(&ar);
	ok(rejects("mx.example.com; none; dkim=pass") &&
		rejects("mx.example.com; dkim=pass; none"),
	    "none with results is an error");
	ok(parses("mx.example.com; none=pass", &ar) && !ar.none &&
		res_is(&ar, 0, "none", "pass"),
	    "a method named none is a method");
	authres_clear(&ar);
}

static void
test_cfws(void)
{
	struct authres ar;

	ok(parses("(a (b (c))) mx (x) ; dkim (x) = (y) pass (first (inner)) "
		  "(second) header (c) . (c) d (c) = (c) example.com (c)",
	       &ar) &&
		streq(ar.authserv_id, "mx") &&
		streq(ar.results[0].comment, "first (inner)") &&
		streq(prop(&ar, 0, "header", "d"), "example.com"),
	    "nested comments everywhere; the first after the result is kept");
	authres_clear(&ar);
	ok(parses("mx; dkim=pass (a \\) b \\( c \\\\) header.d=x", &ar) &&
		streq(ar.results[0].comment, "a ) b ( c \\") &&
		streq(prop(&ar, 0, "header", "d"), "x"),
	    "quoted-pairs in a comment do not nest or close it");
	authres_clear(&ar);
	ok(parses("mx; dkim=pass reason=\"a \\\"q\\\" (not a comment); x\" "
		  "header.d=x",
	       &ar) &&
		streq(ar.results[0].reason, "a \"q\" (not a comment); x") &&
		streq(prop(&ar, 0, "header", "d"), "x"),
	    "quoted-pairs, '(' and ';' in a quoted string");
	authres_clear(&ar);
	ok(parses("mx.example.com;\r\n\tdkim=pass\r\n (2048-bit\r\n key)\r\n"
		  "\theader.d=\r\n example.com\r\n",
	       &ar) &&
		streq(ar.results[0].comment, "2048-bit key") &&
		streq(prop(&ar, 0, "header", "d"), "example.com"),
	    "folded with CRLF: unfolded in comments, a value on the next "
	    "line");
	authres_clear(&ar);
	ok(parses("mx.example.com;\n\tdkim=pass\n\treason=\"two\n\tlines\"\n"
		  "\theader.d=example.com\n",
	       &ar) &&
		streq(ar.results[0].reason, "two\tlines") &&
		streq(prop(&ar, 0, "header", "d"), "example.com"),
	    "folded with bare LF, inside a quoted string too");
	authres_clear(&ar);
	ok(parses("mx;dkim=pass header.d=a.example;spf=fail;", &ar) &&
		ar.n_results == 2 && res_is(&ar, 1, "spf", "fail"),
	    "no spaces at all, and a trailing ';'");
	authres_clear(&ar);
}

static void
test_values(void)
{
	struct authres ar;

	ok(parses("mx; dkim=fail reason=\"bad signature\" header.d=x", &ar) &&
		streq(ar.results[0].reason, "bad signature"),
	    "reason= quoted");
	authres_clear(&ar);
	ok(parses("mx; dkim=fail REASON = bad-sig (c) header.d=x", &ar) &&
		streq(ar.results[0].reason, "bad-sig") &&
		streq(prop(&ar, 0, "header", "d"), "x"),
	    "reason= as a token, case-insensitive keyword");
	authres_clear(&ar);
	ok(rejects("mx; dkim=fail header.d=x reason=late") &&
		rejects("mx; dkim=fail reason=a reason=b") &&
		rejects("mx; dkim=fail reason="),
	    "reason after properties, twice, or empty is an error");
	ok(parses("mx; dkim=pass header.i=@sub.example.com; "
		  "dkim=pass header.i=user@example.org; "
		  "dkim=pass header.i=\"a b\"@example.net",
	       &ar) &&
		streq(prop(&ar, 0, "header", "i"), "@sub.example.com") &&
		streq(prop(&ar, 1, "header", "i"), "user@example.org") &&
		streq(prop(&ar, 2, "header", "i"), "a b@example.net"),
	    "header.i as @domain, local@domain and \"quoted\"@domain");
	authres_clear(&ar);
	ok(parses("MX.Example.COM; DKIM=PASS Header.D=Example.COM", &ar) &&
		streq(ar.authserv_id, "MX.Example.COM") &&
		res_is(&ar, 0, "dkim", "pass") &&
		streq(prop(&ar, 0, "header", "d"), "Example.COM"),
	    "keywords are lower-cased, values kept as written");
	authres_clear(&ar);
	ok(parses("mx; dkim=pass header.d=\"\" header.s=; spf=none smtp.x=",
	       &ar) &&
		streq(prop(&ar, 0, "header", "d"), "") &&
		streq(prop(&ar, 0, "header", "s"), "") &&
		streq(prop(&ar, 1, "smtp", "x"), ""),
	    "empty values: \"\", and nothing before ';' or the end");
	authres_clear(&ar);
	ok(parses("mx; x-foo/2=bar x-ptype.x-prop=v_1 smtp.rcptto=<a@b>",
	       &ar) &&
		res_is(&ar, 0, "x-foo", "bar") &&
		streq(prop(&ar, 0, "x-ptype", "x-prop"), "v_1") &&
		streq(prop(&ar, 0, "smtp", "rcptto"), "<a@b>"),
	    "unknown methods, ptypes and properties are kept");
	authres_clear(&ar);
	ok(parses("example.net(.example.com); dkim=pass header.d=example.com",
	       &ar) &&
		streq(ar.authserv_id, "example.net"),
	    "CVE-2020-12272: the comment is not part of the authserv-id");
	authres_clear(&ar);
	ok(parses("mx; dkim=pass (cl\xc3\xa9) header.d=\xc3\xa9.example",
	       &ar) &&
		streq(prop(&ar, 0, "header", "d"), "\xc3\xa9.example"),
	    "UTF-8 in comments and values");
	authres_clear(&ar);
}

static void
test_garbage(void)
{
	static const char *const bad[] = { "", "   ", "\r\n", "(only)",
		"mx.example.com", "mx.example.com;", "mx.example.com; ",
		"mx.example.com (c)", "dkim=pass header.d=x", ";;;",
		"; dkim=pass", "mx;; dkim=pass", "mx; dkim=pass;;", "mx; dkim",
		"mx; dkim=", "mx; =pass", "mx; dkim=pass header=x",
		"mx; dkim=pass header.=x", "mx; dkim=pass .d=x",
		"mx; dkim=pass header d=x", "mx; dkim=pass header.d",
		"mx; dkim=p\xc3\xa4ss", "mx; dkim=pass/x", "mx; d\x01kim=pass",
		"mx; dkim=pass header.d=a\x01", "mx; dkim=pass (a\x7f)",
		"\"m\x02x\"; dkim=pass", "mx; dkim=pass header.d=\"x\"y",
		"mx; dkim=pass header.d=\"x\"@", "mx x; dkim=pass", NULL };
	size_t i, n_ok = 0;

	for (i = 0; bad[i] != NULL; i++) {
		if (rejects(bad[i]))
			n_ok++;
		else
			diag("accepted: %s", bad[i]);
	}
	ok(n_ok == i, "garbage is rejected (%zu of %zu)", n_ok, i);
	ok(authres_parse(NULL, &(struct authres) { 0 }) == -1, "NULL value");
}

static void
test_unbalanced(void)
{
	ok(rejects("mx (oops; dkim=pass") && rejects("mx; dkim=pass (a (b)") &&
		rejects("mx; dkim=pass (a))") && rejects("mx; dkim=pass (a\\"),
	    "unbalanced comments");
	ok(rejects("\"mx; dkim=pass") &&
		rejects("mx; dkim=pass header.d=\"x") &&
		rejects("mx; dkim=pass reason=\"x\\") && rejects("\"mx\\"),
	    "unbalanced quotes, a backslash at the very end");
}

static void
test_limits(void)
{
	struct authres ar;
	GString *s;
	int i, ok64, ok32;

	s = g_string_new("mx");
	for (i = 0; i < 64; i++)
		g_string_append_printf(s, "; m%d=pass", i);
	ok64 = parses(s->str, &ar) && ar.n_results == 64 &&
	    res_is(&ar, 63, "m63", "pass");
	authres_clear(&ar);
	g_string_append(s, "; m64=pass");
	ok(ok64 && rejects(s->str), "64 results parse, 65 are an error");
	g_string_free(s, TRUE);

	s = g_string_new("mx; dkim=pass");
	for (i = 0; i < 32; i++)
		g_string_append_printf(s, " p.x%d=v", i);
	ok32 = parses(s->str, &ar) && ar.results[0].n_props == 32 &&
	    streq(prop(&ar, 0, "p", "x31"), "v");
	authres_clear(&ar);
	g_string_append(s, " p.x32=v");
	ok(ok32 && rejects(s->str), "32 properties parse, 33 are an error");
	g_string_free(s, TRUE);

	s = g_string_new("mx; dkim=pass ");
	for (i = 0; i < 16; i++)
		g_string_append_c(s, '(');
	for (i = 0; i < 16; i++)
		g_string_append_c(s, ')');
	ok(parses(s->str, &ar), "16 nested comments parse");
	authres_clear(&ar);
	g_string_assign(s, "mx; dkim=pass ");
	for (i = 0; i < 17; i++)
		g_string_append_c(s, '(');
	for (i = 0; i < 17; i++)
		g_string_append_c(s, ')');
	ok(rejects(s->str), "17 nested comments are an error");
	g_string_assign(s, "mx; dkim=pass ");
	for (i = 0; i < 100000; i++)
		g_string_append_c(s, '(');
	ok(rejects(s->str), "100000 open comments are an error");
	g_string_free(s, TRUE);
}

/* Same organisational domain, roughly: the last two labels. */
static const char *
org(const char *d)
{
	const char *dot = strrchr(d, '.'), *p;

	if (dot == NULL)
		return d;
	for (p = dot - 1; p > d; p--)
		if (*p == '.')
			return p + 1;
	return d;
}

static int
aligned(const char *a, const char *b)
{
	return g_ascii_strcasecmp(org(a), org(b)) == 0;
}

static const char *const trusted[] = { "mx.example.org", NULL };

/* Decide over fields (NULL-terminated) for reporting domain rd. */
static void
decide(const char *const *fields, const char *rd, struct ti_auth *auth)
{
	size_t n = 0;

	while (fields[n] != NULL)
		n++;
	authres_decide(fields, n, trusted, rd, aligned, auth);
}

static void
test_decide_pass(void)
{
	struct ti_auth a = { 0 };
	const char *f1[] = { "mx.example.org;\n\tdkim=pass (2048-bit key; "
			     "unprotected) header.d=mail.example.com "
			     "header.i=@mail.example.com header.b=abcd1234",
		NULL };
	const char *f2[] = { "other.example; dkim=fail header.d=x",
		"MX.EXAMPLE.ORG; iprev=pass policy.iprev=192.0.2.1; dkim=pass "
		"header.d=example.com header.s=sel header.a=rsa-sha256 "
		"header.i=@example.com; spf=pass smtp.mailfrom=example.com",
		"mx.example.org; spf=pass smtp.mailfrom=example.com", NULL };
	const char *f4[] = { "mx.example.org;\n    x-csa=none;\n    "
			     "x-me-sender=none;",
		"mx.example.org;\n    bimi=none (No BIMI records found)",
		"mx.example.org;\n    arc=none (no signatures found)",
		"mx.example.org;\n    dkim=pass (2048-bit rsa key sha256) "
		"header.d=example.com\n      header.i=@example.com "
		"header.b=Ab12Cd34 header.a=rsa-sha256\n      "
		"header.s=selector2;\n    dmarc=pass "
		"policy.published-domain-policy=reject\n      "
		"(p=reject,d=none,d.eval=none) policy.policy-from=p\n      "
		"header.from=example.com;",
		NULL };
	const char *f5[] = { "mx.example.org; dkim=pass ( 4096 BITS ) "
			     "header.d=example.com",
		NULL };
	const char *f6[] = { "mx.example.org; dkim=pass (2048-bitten) "
			     "header.d=example.com (1024-bit key)",
		NULL };
	const char *f3[] = { "mx.example.org; dkim=pass (1024-bit key;) "
			     "header.i=someone@example.com",
		NULL };

	decide(f1, "example.com", &a);
	ok(streq(a.method, AUTH_AR) && streq(a.result, AUTH_PASS) &&
		streq(a.domain, "mail.example.com") && a.bits == 2048 &&
		a.selector == NULL && a.algorithm == NULL && a.reason == NULL,
	    "decide: OpenDKIM pass, aligned subdomain, bits from the "
	    "comment");
	decide(f2, "example.com", &a);
	ok(streq(a.result, AUTH_PASS) && streq(a.domain, "example.com") &&
		streq(a.selector, "sel") && streq(a.algorithm, "rsa-sha256") &&
		a.bits == 0,
	    "decide: mox pass, the id compared case-insensitively, other "
	    "fields skipped");
	decide(f3, "example.com", &a);
	ok(streq(a.result, AUTH_PASS) && streq(a.domain, "example.com") &&
		a.bits == 1024,
	    "decide: header.i gives the domain when header.d is absent");
	decide(f4, "example.com", &a);
	ok(streq(a.result, AUTH_PASS) && a.bits == 2048 &&
		streq(a.selector, "selector2"),
	    "decide: Fastmail shape, four fields of one id, one with dkim");
	decide(f5, "example.com", &a);
	ok(streq(a.result, AUTH_PASS) && a.bits == 4096,
	    "decide: bits from \"4096 bits\"");
	decide(f6, "example.com", &a);
	ok(streq(a.result, AUTH_PASS) && a.bits == 0,
	    "decide: no bits from \"2048-bitten\" or a later comment");
	auth_clear(&a);
}

static void
test_decide_untrusted(void)
{
	struct ti_auth a = { 0 };
	const char *f1[] = { "evil.example; dkim=pass header.d=example.com",
		NULL };
	const char *f2[] = { "mx.example.org(.evil.example); dkim=pass "
			     "header.d=evil.example",
		"mx.example.org.evil.example; dkim=pass header.d=example.com",
		"evil-mx.example.org; dkim=pass header.d=example.com",
		"\"mx.example.org \"; dkim=pass header.d=example.com",
		"mx.example.org; dkim=pass header.d=example.com (", NULL };
	const char *f3[] = { "mx.example.org; arc=none (no signatures found)",
		"mx.example.org; spf=pass smtp.mailfrom=example.com",
		"mx.example.org; none", NULL };

	decide(f1, "example.com", &a);
	ok(streq(a.method, AUTH_AR) && streq(a.result, AUTH_RNONE) &&
		streq(a.reason,
		    "no Authentication-Results field of mx.example.org "
		    "with a dkim result"),
	    "decide: untrusted authserv-id -> none");
	/* The first field has the trusted id; its dkim result must decide
	 * alone (misaligned), not be joined by the look-alikes. */
	decide(f2, "example.com", &a);
	ok(streq(a.result, AUTH_PERMERROR) && streq(a.domain, "evil.example"),
	    "decide: look-alike ids (suffix, prefix, space) and an "
	    "unparseable field do not count");
	decide(f2 + 1, "example.com", &a);
	ok(streq(a.result, AUTH_RNONE), "decide: only look-alikes -> none");
	decide(f3, "example.com", &a);
	ok(streq(a.result, AUTH_RNONE) && a.domain == NULL,
	    "decide: trusted fields without dkim (Fastmail-like) -> none");
	auth_clear(&a);
}

static void
test_decide_forged(void)
{
	struct ti_auth a = { 0 };
	const char *f[] = { "mx.example.org; dkim=fail header.d=example.com",
		"mx.example.org; dkim=pass header.d=example.com", NULL };

	decide(f, "example.com", &a);
	ok(streq(a.result, AUTH_PERMERROR) && a.reason != NULL &&
		strstr(a.reason,
		    "more than one Authentication-Results "
		    "field of mx.example.org") != NULL,
	    "decide: two trusted dkim fields (a forged copy below) -> "
	    "permerror");
	diag("%s", a.reason);
	auth_clear(&a);
}

static void
test_decide_results(void)
{
	struct ti_auth a = { 0 };
	const char *mis[] = { "mx.example.org; dkim=pass header.d=evil.example "
			      "header.s=s1",
		NULL };
	const char *neu[] = {
		"mx.example.org; dkim=neutral header.d=example.com", NULL
	};
	const char *pol[] = {
		"mx.example.org; dkim=policy header.d=example.com", NULL
	};
	const char *fail[] = { "mx.example.org; dkim=fail reason=\"bad sig\" "
			       "header.d=example.com",
		NULL };
	const char *temp[] = { "mx.example.org; dkim=temperror "
			       "header.d=example.com",
		NULL };
	const char *perm[] = { "mx.example.org; dkim=permerror "
			       "header.d=example.com",
		NULL };
	const char *none[] = { "mx.example.org; dkim=none (message not signed)",
		NULL };
	const char *odd[] = { "mx.example.org; dkim=hardfail header.d=e.com",
		NULL };
	const char *two[] = { "mx.example.org; dkim=fail header.d=example.com; "
			      "dkim=pass header.d=evil.example; "
			      "dkim=pass header.d=example.com header.s=good",
		NULL };
	const char *dup[] = { "mx.example.org; dkim=pass header.d=evil.example "
			      "header.d=example.com",
		NULL };

	decide(mis, "example.com", &a);
	ok(streq(a.result, AUTH_PERMERROR) &&
		streq(a.reason,
		    "signed by evil.example, not by the reporting domain "
		    "example.com") &&
		streq(a.domain, "evil.example") && streq(a.selector, "s1"),
	    "decide: misaligned pass -> permerror");
	decide(neu, "example.com", &a);
	ok(streq(a.result, AUTH_FAIL) && streq(a.domain, "example.com"),
	    "decide: neutral -> fail");
	decide(pol, "example.com", &a);
	ok(streq(a.result, AUTH_FAIL), "decide: policy -> fail");
	decide(fail, "example.com", &a);
	ok(streq(a.result, AUTH_FAIL) && a.reason != NULL &&
		strstr(a.reason, "bad sig") != NULL &&
		strstr(a.reason, "dkim=fail") != NULL,
	    "decide: fail, with its reason= in the reason");
	diag("%s", a.reason);
	decide(temp, "example.com", &a);
	ok(streq(a.result, AUTH_TEMPERROR), "decide: temperror kept");
	decide(perm, "example.com", &a);
	ok(streq(a.result, AUTH_PERMERROR), "decide: permerror kept");
	decide(none, "example.com", &a);
	ok(streq(a.result, AUTH_RNONE) && a.domain == NULL,
	    "decide: dkim=none kept");
	decide(odd, "example.com", &a);
	ok(streq(a.result, AUTH_PERMERROR),
	    "decide: unknown result -> "
	    "permerror");
	decide(two, "example.com", &a);
	ok(streq(a.result, AUTH_PASS) && streq(a.selector, "good"),
	    "decide: the aligned pass among several dkim results wins");
	decide(dup, "example.com", &a);
	ok(streq(a.result, AUTH_PERMERROR),
	    "decide: header.d given twice is never a pass");
	decide(mis, NULL, &a);
	ok(streq(a.method, AUTH_AR) && streq(a.result, AUTH_PERMERROR) &&
		a.reason != NULL,
	    "decide: no reporting domain -> permerror");
	auth_clear(&a);
}

static void
test_decide_misc(void)
{
	struct ti_auth a = { 0 };
	const char *const two_ids[] = { "mx1.example.org", "mx2.example.org",
		NULL };
	const char *const no_ids[] = { NULL };
	const char *f[] = { NULL,
		"mx2.example.org; dkim=pass header.d=Example.COM" };

	authres_decide(f, 2, two_ids, "example.com", NULL, &a);
	ok(streq(a.result, AUTH_PASS),
	    "decide: the second trusted id, a NULL field, exact "
	    "case-insensitive match without a callback");
	authres_decide(f, 2, two_ids, "sub.example.com", NULL, &a);
	ok(streq(a.result, AUTH_PERMERROR),
	    "decide: no callback, "
	    "subdomain is not aligned");
	authres_decide(f, 2, no_ids, "example.com", aligned, &a);
	ok(streq(a.result, AUTH_RNONE), "decide: no trusted id -> none");
	authres_decide(f, 0, two_ids, "example.com", aligned, &a);
	ok(streq(a.result, AUTH_RNONE) && a.reason != NULL &&
		strstr(a.reason, "mx1.example.org or mx2.example.org") != NULL,
	    "decide: no field -> none, naming both ids");
	auth_clear(&a);
}

int
main(void)
{
	test_opendkim();
	test_mox();
	test_fastmail();
	test_ids_versions_none();
	test_cfws();
	test_values();
	test_garbage();
	test_unbalanced();
	test_limits();
	test_decide_pass();
	test_decide_untrusted();
	test_decide_forged();
	test_decide_results();
	test_decide_misc();
	return done_testing();
}
