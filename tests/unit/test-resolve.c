/*
 * test-resolve.c: dns/resolve.c against a real unbound (71-dns.t starts
 * it and passes TI_TEST_DNS=127.0.0.1@PORT; without it every test that
 * needs the server is skipped).  The zones are the ones 71-dns.t writes:
 *	txt.example	static: long, two, a (A only), mx (MX), TLSA
 *	refused.example	refuse (SERVFAIL), timeout.example deny (silence)
 *	signed.example	auth-zone signed with ldns; TI_TEST_DS is its DS,
 *			TI_TEST_BAD_DS a DS with a wrong digest
 *	"."		refuse; TI_TEST_ROOT says what a root DNSKEY query
 *			gets: "unsigned" (Debian's root.key served without
 *			RRSIG) or "refused", a forwarder without DNSSEC
 *			either way; TI_TEST_ONLY_ROOT=1 runs only that part
 * Leaks, cancelled and timed-out queries included, are valgrind's job
 * (71-dns.t runs this under $VALGRIND).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "dns/resolve.h"
#include "tap.h"

static const char *server;

static struct resolver *
mk(const char *servers, unsigned timeout_ms, const char *anchor)
{
	struct resolver_conf conf = { servers, timeout_ms, anchor };
	struct ti_err err;
	struct resolver *r;

	ti_err_clear(&err);
	r = resolver_new(&conf, &err);
	if (r == NULL) {
		printf("Bail out! resolver_new: %s\n", err.msg);
		exit(99);
	}
	return r;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Query; returns the status, or -1 (diagnosed) on an error. */
static int
q(struct resolver *r, const char *name, int type, struct dns_answer *a)
{
	struct ti_err err;

	ti_err_clear(&err);
	if (resolver_query(r, name, type, a, &err) < 0) {
		diag("%s: %s", name, err.msg);
		return -1;
	}
	if (a->status != DNS_OK)
		diag("%s: %s rcode %d sec %s%s%s", name,
		    dns_status_name(a->status), a->rcode, dns_sec_name(a->sec),
		    a->why_bogus ? " " : "", a->why_bogus ? a->why_bogus : "");
	return (int)a->status;
}

static void
test_config(void)
{
	static const char *const bad[] = { "example.com", "1.2.3.4@",
		"1.2.3.4@0", "1.2.3.4@65536", "1.2.3.4@53x", "1.2.3.4.5",
		"127.0.0.1 bogus", "[::1]:53", "@53", "127.0.0.1@99999999999" };
	static const char *const good[] = { "127.0.0.1", "127.0.0.1@5353",
		"::1@53", " 127.0.0.1, ::1@5353 ,192.0.2.1@65535", "", ",",
		NULL };
	struct resolver_conf conf = { NULL, 0, "" };
	struct ti_err err;
	struct resolver *r;
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		conf.servers = bad[i];
		ti_err_clear(&err);
		r = resolver_new(&conf, &err);
		ok(r == NULL && err.status == TI_E_CONFIG,
		    "bad server '%s': config error (%s)", bad[i], err.msg);
		resolver_free(r);
	}
	for (i = 0; i < nitems(good); i++) {
		conf.servers = good[i];
		ti_err_clear(&err);
		r = resolver_new(&conf, &err);
		ok(r != NULL && err.status == TI_OK, "server '%s' accepted",
		    good[i] ? good[i] : "(null)");
		resolver_free(r);
	}
	conf.servers = "127.0.0.1";
	r = mk("127.0.0.1", 0, "");
	ok(resolver_timeout_ms(r) == 5000, "timeout 0 means 5000 ms");
	resolver_free(r);
	r = mk("127.0.0.1", 700, NULL);
	ok(resolver_timeout_ms(r) == 700, "timeout kept");
	resolver_free(r);
	conf.trust_anchor = "/nonexistent/root.key";
	ti_err_clear(&err);
	r = resolver_new(&conf, &err);
	ok(r == NULL && err.status == TI_E_CONFIG &&
		strstr(err.msg, "/nonexistent/root.key") != NULL,
	    "missing trust anchor file: config error (%s)", err.msg);
	resolver_free(r);
	resolver_free(NULL);
}

static void
test_names(void)
{
	struct dns_answer a;
	char **v;
	static const unsigned char txt[] = "\x03"
					   "abc"
					   "\x00"
					   "\x02"
					   "de";
	static const unsigned char nul[] = "\x05"
					   "ab\0cd"
					   "\x02"
					   "ef";
	unsigned char *rd[2];
	size_t len[2];

	ok(strcmp(dns_status_name(DNS_OK), "ok") == 0 &&
		strcmp(dns_status_name(DNS_NXDOMAIN), "nxdomain") == 0 &&
		strcmp(dns_status_name(DNS_NODATA), "nodata") == 0 &&
		strcmp(dns_status_name(DNS_SERVFAIL), "servfail") == 0 &&
		strcmp(dns_status_name(DNS_TIMEOUT), "timeout") == 0 &&
		strcmp(dns_status_name(DNS_BOGUS), "bogus") == 0,
	    "status names");
	ok(strcmp(dns_sec_name(DNS_SECURE), "secure") == 0 &&
		strcmp(dns_sec_name(DNS_INSECURE), "insecure") == 0 &&
		strcmp(dns_sec_name(DNS_SEC_BOGUS), "bogus") == 0,
	    "security names");

	/* dns_answer_txt on hand-made rdata: empty strings, a NUL, a
	   length byte that runs past the end */
	memset(&a, 0, sizeof(a));
	ok(dns_answer_txt(&a) == NULL, "txt: no records, NULL");
	rd[0] = (unsigned char *)txt;
	len[0] = sizeof(txt) - 1;
	rd[1] = (unsigned char *)nul;
	len[1] = sizeof(nul) - 1;
	a.rdata = rd;
	a.rdata_len = len;
	a.n_rdata = 2;
	v = dns_answer_txt(&a);
	ok(v != NULL && strcmp(v[0], "abcde") == 0 && strcmp(v[1], "ab") == 0 &&
		v[2] == NULL,
	    "txt: strings joined, empty string skipped, cut at NUL");
	g_strfreev(v);
	len[0] = 6; /* "\3abc\0\2": the last string is cut short */
	a.n_rdata = 1;
	v = dns_answer_txt(&a);
	ok(v != NULL && strcmp(v[0], "abc") == 0,
	    "txt: a truncated string is taken as far as it goes");
	g_strfreev(v);
}

static void
test_answers(void)
{
	struct resolver *r = mk(server, 2000, "");
	struct dns_answer a;
	char **v;
	char want[512];
	int i, st;

	/* the long key: one record, several character-strings */
	strcpy(want, "v=DKIM1; k=rsa; p=");
	for (i = 0; i < 40; i++)
		strcat(want, "0123456789");
	st = q(r, "long.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_OK && a.n_rdata == 1 && a.rcode == 0 &&
		a.sec == DNS_INSECURE,
	    "long TXT: ok, one record, insecure without an anchor");
	ok(a.n_rdata == 1 && a.rdata_len[0] == strlen(want) + 2,
	    "long TXT: rdata holds two character-strings (%zu bytes)",
	    a.n_rdata ? a.rdata_len[0] : 0);
	ok(a.packet != NULL && a.n_rdata == 1 &&
		a.packet_len > a.rdata_len[0] && a.ttl == 300,
	    "long TXT: the packet is there, ttl 300");
	v = dns_answer_txt(&a);
	ok(v != NULL && v[0] != NULL && strcmp(v[0], want) == 0 && v[1] == NULL,
	    "long TXT: dns_answer_txt joins the strings");
	g_strfreev(v);
	dns_answer_clear(&a);
	ok(a.packet == NULL && a.n_rdata == 0 && a.rdata == NULL,
	    "dns_answer_clear empties the answer");
	dns_answer_clear(&a);

	/* name without trailing dot and with one */
	st = q(r, "two.txt.example.", DNS_T_TXT, &a);
	v = dns_answer_txt(&a);
	ok(st == DNS_OK && a.n_rdata == 2 && v != NULL && v[0] && v[1] &&
		!v[2] &&
		((strcmp(v[0], "first") == 0 && strcmp(v[1], "second") == 0) ||
		    (strcmp(v[1], "first") == 0 &&
			strcmp(v[0], "second") == 0)),
	    "two TXT records, each its own string");
	g_strfreev(v);
	dns_answer_clear(&a);

	st = q(r, "missing.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_NXDOMAIN && a.rcode == 3 && a.n_rdata == 0 &&
		a.packet != NULL,
	    "missing name: NXDOMAIN, with the packet");
	dns_answer_clear(&a);

	st = q(r, "a.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_NODATA && a.rcode == 0 && a.n_rdata == 0 &&
		dns_answer_txt(&a) == NULL,
	    "name without TXT: NODATA");
	dns_answer_clear(&a);
	st = q(r, "a.txt.example", DNS_T_A, &a);
	ok(st == DNS_OK && a.n_rdata == 1 && a.rdata_len[0] == 4 &&
		memcmp(a.rdata[0], "\xc0\x00\x02\x01", 4) == 0,
	    "A 192.0.2.1");
	dns_answer_clear(&a);

	st = q(r, "x.refused.example", DNS_T_TXT, &a);
	ok(st == DNS_SERVFAIL && a.rcode == 2 && a.n_rdata == 0,
	    "REFUSED upstream: SERVFAIL (rcode %d)", a.rcode);
	dns_answer_clear(&a);

	st = q(r, "mx.txt.example", DNS_T_MX, &a);
	if (ok(st == DNS_OK && a.n_rdata == 2, "MX: two records")) {
		static const unsigned char mx1[] = "\x00\x0a\x03mx1\x03txt"
						   "\x07"
						   "example";
		int found = 0;

		for (i = 0; i < 2; i++)
			if (a.rdata_len[i] == sizeof(mx1) &&
			    memcmp(a.rdata[i], mx1, sizeof(mx1)) == 0)
				found++;
		ok(found == 1, "MX rdata: preference, uncompressed name");
	}
	dns_answer_clear(&a);

	st = q(r, "_25._tcp.mx1.txt.example", DNS_T_TLSA, &a);
	{
		unsigned char want_tlsa[35] = { 3, 1, 1 };

		for (i = 0; i < 32; i++)
			want_tlsa[3 + i] = (unsigned char)(i * 8 + 1);
		ok(st == DNS_OK && a.n_rdata == 1 && a.rdata_len[0] == 35 &&
			memcmp(a.rdata[0], want_tlsa, 35) == 0,
		    "TLSA 3 1 1 rdata");
	}
	dns_answer_clear(&a);
	resolver_free(r);
}

static void
test_timeout(void)
{
	struct resolver *r = mk(server, 700, "");
	struct dns_answer a;
	struct dns_query *dq, *dq2;
	struct ti_err err;
	struct timespec t0;
	long ms;
	int st, rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = q(r, "key.timeout.example", DNS_T_TXT, &a);
	ms = ms_since(&t0);
	ok(st == DNS_TIMEOUT && a.rcode == -1 && a.packet == NULL,
	    "silent server: DNS_TIMEOUT");
	ok(ms >= 650 && ms < 1200, "after the 700 ms timeout (%ld ms)", ms);
	dns_answer_clear(&a);

	/* the server still works for this resolver after a timeout */
	st = q(r, "two.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_OK && a.n_rdata == 2, "a query after a timeout works");
	dns_answer_clear(&a);

	/* start, wait a little, wait again, cancel while pending */
	ti_err_clear(&err);
	rc = resolver_start(r, "k2.timeout.example", DNS_T_TXT, &dq, &err);
	ok(rc == 0 && dq != NULL, "resolver_start");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = resolver_wait(dq, 100, &a, &err);
	ms = ms_since(&t0);
	ok(rc == 0 && a.status == DNS_TIMEOUT && ms >= 90 && ms < 600,
	    "resolver_wait 100 ms: 0, still pending (%ld ms)", ms);
	dns_answer_clear(&a);

	/* a second query answered while the first is pending */
	rc = resolver_start(r, "long.txt.example", DNS_T_TXT, &dq2, &err);
	ok(rc == 0, "a second query while the first is pending");
	rc = resolver_wait(dq2, 0, &a, &err);
	ok(rc == 1 && a.status == DNS_OK && a.n_rdata == 1,
	    "resolver_wait: 1 with the answer");
	dns_answer_clear(&a);
	rc = resolver_wait(dq2, 0, &a, &err);
	ok(rc == 1 && a.status == DNS_OK && a.n_rdata == 1,
	    "resolver_wait again on an answered query: the same answer");
	dns_answer_clear(&a);
	resolver_cancel(dq2);
	rc = resolver_wait(dq, 50, &a, &err);
	ok(rc == 0, "the first query is still pending");
	dns_answer_clear(&a);
	resolver_cancel(dq);
	ok(1, "resolver_cancel of a pending query");
	resolver_cancel(NULL);

	/* queries left pending and answered-but-not-cancelled at
	   resolver_free: freed there */
	rc = resolver_start(r, "k3.timeout.example", DNS_T_TXT, &dq, &err);
	rc |= resolver_start(r, "two.txt.example", DNS_T_TXT, &dq2, &err);
	ok(rc == 0 && resolver_wait(dq2, 0, &a, &err) == 1,
	    "two queries, one answered");
	dns_answer_clear(&a);
	resolver_free(r);
	ok(1, "resolver_free with queries left: freed (valgrind checks)");

	/* a query started and never waited for */
	r = mk(server, 700, "");
	rc = resolver_start(r, "two.txt.example", DNS_T_TXT, &dq, &err);
	ok(rc == 0, "start without wait");
	resolver_cancel(dq);
	resolver_free(r);
}

static void
test_dnssec(void)
{
	const char *ds = getenv("TI_TEST_DS");
	const char *bad = getenv("TI_TEST_BAD_DS");
	struct resolver *r;
	struct dns_answer a;
	char **v;
	int st;

	if (ds == NULL || bad == NULL) {
		ok(1, "# SKIP DNSSEC: no signed zone (ldnsutils missing?)");
		return;
	}
	{
		r = mk(server, 2000, ds);
		st = q(r, "www.signed.example", DNS_T_TXT, &a);
		v = dns_answer_txt(&a);
		ok(st == DNS_OK && a.sec == DNS_SECURE && v != NULL &&
			strcmp(v[0], "hello") == 0 && a.why_bogus == NULL,
		    "signed zone, its DS as anchor: ok, secure");
		g_strfreev(v);
		dns_answer_clear(&a);
		st = q(r, "nx.signed.example", DNS_T_TXT, &a);
		ok(st == DNS_NXDOMAIN && a.sec == DNS_SECURE,
		    "signed zone: a proven NXDOMAIN is secure");
		dns_answer_clear(&a);
		st = q(r, "long.txt.example", DNS_T_TXT, &a);
		ok(st == DNS_OK && a.sec == DNS_INSECURE,
		    "a name outside the anchor: ok, insecure");
		dns_answer_clear(&a);
		resolver_free(r);

		r = mk(server, 2000, bad);
		st = q(r, "www.signed.example", DNS_T_TXT, &a);
		ok(st == DNS_BOGUS && a.sec == DNS_SEC_BOGUS &&
			a.why_bogus != NULL && a.n_rdata == 0 &&
			a.rdata == NULL && a.packet == NULL,
		    "wrong DS: bogus, no data, why: %s",
		    a.why_bogus ? a.why_bogus : "(none)");
		dns_answer_clear(&a);
		resolver_free(r);
	}
}

/* The default anchor behind a forwarder without DNSSEC: validation is
   dropped; the same anchor named explicitly stays strict. */
static void
test_default_anchor(void)
{
	const char *root = getenv("TI_TEST_ROOT");
	struct resolver *r;
	struct dns_answer a;
	int st;

	if (root == NULL || access(RESOLVE_DEFAULT_ANCHOR, R_OK) != 0) {
		ok(1,
		    "# SKIP no " RESOLVE_DEFAULT_ANCHOR " or no TI_TEST_ROOT");
		return;
	}
	r = mk(server, 2000, NULL);
	st = q(r, "long.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_OK && a.sec == DNS_INSECURE,
	    "default anchor, root DNSKEY %s: ok, insecure", root);
	dns_answer_clear(&a);
	st = q(r, "nx.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_NXDOMAIN && a.sec == DNS_INSECURE,
	    "default anchor, root DNSKEY %s: a second query, nxdomain", root);
	dns_answer_clear(&a);
	resolver_free(r);
	r = mk(server, 2000, RESOLVE_DEFAULT_ANCHOR);
	st = q(r, "long.txt.example", DNS_T_TXT, &a);
	ok(st == DNS_BOGUS && a.sec == DNS_SEC_BOGUS,
	    "root DNSKEY %s, the same anchor named explicitly: bogus", root);
	dns_answer_clear(&a);
	resolver_free(r);
}

int
main(void)
{
	server = getenv("TI_TEST_DNS");
	if (server != NULL && getenv("TI_TEST_ONLY_ROOT") != NULL) {
		test_default_anchor();
		return done_testing();
	}
	test_config();
	test_names();
	if (server == NULL || *server == '\0') {
		ok(1, "# SKIP TI_TEST_DNS not set (71-dns.t sets it)");
		return done_testing();
	}
	test_answers();
	test_timeout();
	test_dnssec();
	test_default_anchor();
	return done_testing();
}
