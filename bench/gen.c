/*
 * gen.c: write realistic TLS-RPT report mails (RFC 8460 §5.3) for the
 * benchmark (bench/run.sh).  Our own code and our own data: fictional
 * domains under .example, documentation addresses (198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32), invented ids.
 *
 *     gen mails DIR GZ N SEED      N typical mails into DIR, and every
 *                                  report, gzip'd, appended to GZ
 *                                  (one multi-member gzip file)
 *     gen big MAIL GZ JSON N       one mail whose report holds N
 *                                  failure details, with its .json.gz
 *                                  and .json beside it
 *     gen year DIR GZ DOMAINS DAYS REPORTERS
 *                                  the last DAYS days of reports for
 *                                  DOMAINS domains from REPORTERS
 *                                  senders each
 *
 * Sender styles imitate doc/rfc8460.md, '7. Real senders': Google
 * (multipart/report, gzip, compact JSON, mx-host array, no
 * failure-details when none), Microsoft (sts and tlsa side by side with
 * the same counts, double-encoded TLSA policy-string, no mx-host,
 * Content-Description), Postfix with sys4/tlsrpt-reporter (always
 * "failure-details": [], no policy-domain for no-policy-found), Mail.ru
 * (plain JSON attachment, exclusive end) and an unknown generator
 * (multipart/mixed, application/gzip, contact-info null).  Typical mails
 * carry 0 to a few failure details; one mail in 2000 is a big sender's
 * report with thousands.  Deterministic for a given SEED.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "config.h"

#define DAY 86400
#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#define BIG_EVERY 2000 /* one typical mail in this many is big */

enum style { S_GOOGLE, S_MICROSOFT, S_SYS4, S_MAILRU, S_UNKNOWN, NSTYLES };

struct buf {
	char *p;
	size_t len, cap;
};

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64*: deterministic, good enough for test data */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned
rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void
die(const char *what)
{
	fprintf(stderr, "gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
b_grow(struct buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	if ((b->p = realloc(b->p, b->cap)) == NULL)
		die("realloc");
}

static void
b_add(struct buf *b, const void *s, size_t n)
{
	b_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void b_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
b_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* gzip as the senders write it: no name, MTIME 0. */
static void
gzip_buf(const struct buf *in, struct buf *out)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	out->len = 0;
	b_grow(out, deflateBound(&z, in->len));
	z.next_in = (Bytef *)in->p;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out->p;
	z.avail_out = (uInt)(out->cap - 1);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	out->len = z.total_out;
	deflateEnd(&z);
}

/* base64 in 76-column CRLF-less lines, as MIME wants. */
static void
b_base64(struct buf *b, const struct buf *in)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)in->p;
	size_t i, col = 0;
	char q[4];
	unsigned v;

	for (i = 0; i < in->len; i += 3) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < in->len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < in->len)
			v |= s[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < in->len ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < in->len ? tab[v & 63] : '=';
		b_add(b, q, 4);
		if ((col += 4) == 76) {
			b_add(b, "\n", 1);
			col = 0;
		}
	}
	if (col > 0)
		b_add(b, "\n", 1);
}

static void
iso(char *out, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
rfc5322_date(char *out, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static const char *const result_types[] = {
	"certificate-expired",
	"starttls-not-supported",
	"validation-failure",
	"certificate-host-mismatch",
	"sts-policy-fetch-error",
	"certificate-not-trusted",
	"tlsa-invalid",
};

static const char *const reason_codes[] = {
	"X509_V_ERR_CERT_HAS_EXPIRED",
	"X509_V_ERR_HOSTNAME_MISMATCH",
	"Connection refused",
	"STARTTLS not offered",
};

/* One failure-details entry. */
static void
detail(struct buf *j, enum style st, const char *dom, unsigned k,
    unsigned count)
{
	const char *rt = result_types[rndn(nitems(result_types))];

	if (st == S_MICROSOFT && strcmp(rt, "sts-policy-fetch-error") == 0) {
		/* Microsoft: only the type and the count (cry-inc #57) */
		b_printf(j,
		    "{\"result-type\":\"%s\",\"failed-session-count\":%u}", rt,
		    count);
		return;
	}
	b_printf(j, "{\"result-type\":\"%s\",", rt);
	if (k % 5 == 4)
		b_printf(j, "\"sending-mta-ip\":\"2001:db8:%x::%x\",",
		    rndn(65536), k % 65536 + 1);
	else
		b_printf(j, "\"sending-mta-ip\":\"203.0.113.%u\",",
		    k % 254 + 1);
	if (st != S_MAILRU)
		b_printf(j,
		    "\"receiving-mx-hostname\":\"mx%u.%s\","
		    "\"receiving-ip\":\"198.51.100.%u\",",
		    k % 4 + 1, dom, (k / 254) % 254 + 1);
	b_printf(j, "\"failed-session-count\":%u", count);
	if (k % 3 == 0)
		b_printf(j,
		    ",\"additional-information\":"
		    "\"https://tlsrpt.reporter.example/help/%s?id=%u\"",
		    rt, k);
	if (k % 2 == 0)
		b_printf(j, ",\"failure-reason-code\":\"%s\"",
		    reason_codes[k % nitems(reason_codes)]);
	b_add(j, "}", 1);
}

/* A report's failure-details and its total failure count. */
static unsigned
details(struct buf *j, enum style st, const char *dom, unsigned n)
{
	unsigned k, c, total = 0;

	b_add(j, "\"failure-details\":[", 19);
	for (k = 0; k < n; k++) {
		c = 1 + rndn(k < 3 ? 40 : 5);
		total += c;
		if (k > 0)
			b_add(j, ",", 1);
		detail(j, st, dom, k, c);
	}
	b_add(j, "]", 1);
	return total;
}

struct rep {
	enum style st;
	const char *dom;
	int64_t day; /* midnight UTC */
	unsigned n_details;
	unsigned long serial; /* makes ids unique */
	char id[128];
	char fname[256];
};

static const char *const orgs[] = { "Google Inc.", "Microsoft Corporation",
	"mta.reporter.example", "Mail.ru", "tlsrpt.example.net" };
static const char *const submitters[] = { "google.com", "microsoft.com",
	"reporter.example", "mail.ru", "example.net" };

static void
sts_policy(struct buf *j, const char *dom, int mx_host, int google)
{
	b_printf(j,
	    "\"policy\":{\"policy-type\":\"sts\",\"policy-string\":["
	    "\"version: STSv1\",\"mode: %s\",\"mx: mx1.%s\",\"mx: mx2.%s\","
	    "\"max_age: 604800\"],\"policy-domain\":\"%s\"",
	    google ? "enforce" : "testing", dom, dom, dom);
	if (mx_host)
		b_printf(j, ",\"mx-host\":[\"mx1.%s\",\"mx2.%s\"]", dom, dom);
	b_add(j, "}", 1);
}

/* The report JSON for r, in its sender's style. */
static void
report_json(struct buf *j, struct rep *r)
{
	char start[32], end[32];
	unsigned ok = 200 + rndn(20000), fail;
	struct buf d = { 0 };

	iso(start, sizeof(start), r->day);
	iso(end, sizeof(end),
	    r->day + DAY - (r->st == S_MAILRU || r->st == S_UNKNOWN ? 0 : 1));
	fail = details(&d, r->st, r->dom, r->n_details);
	switch (r->st) {
	case S_GOOGLE:
		snprintf(r->id, sizeof(r->id), "%.10sT00:00:00Z_%s", start,
		    r->dom);
		break;
	case S_MICROSOFT:
		snprintf(r->id, sizeof(r->id), "1339%014lu+%s",
		    r->serial * 7919 % 100000000000000UL, r->dom);
		break;
	case S_SYS4:
		snprintf(r->id, sizeof(r->id), "%.10sT00:00:00Z_idx%lu_%s",
		    start, r->serial % 7, r->dom);
		break;
	case S_MAILRU:
		snprintf(r->id, sizeof(r->id),
		    "%08lx-%04x-4%03x-8%03x-%012lx@mail.ru",
		    r->serial * 2654435761UL % 0xffffffffUL, rndn(65536),
		    rndn(4096), rndn(4096), r->serial);
		break;
	default:
		snprintf(r->id, sizeof(r->id), "%" PRId64 "_%lu", r->day,
		    r->serial * 1000003UL + 17);
		break;
	}
	b_printf(j,
	    "{\"organization-name\":\"%s\",\"date-range\":{"
	    "\"start-datetime\":\"%s\",\"end-datetime\":\"%s\"},",
	    orgs[r->st], start, end);
	if (r->st == S_UNKNOWN)
		b_add(j, "\"contact-info\":null,", 20);
	else
		b_printf(j, "\"contact-info\":\"tlsrpt@%s\",",
		    submitters[r->st]);
	b_printf(j, "\"report-id\":\"%s\",\"policies\":[{", r->id);
	switch (r->st) {
	case S_GOOGLE:
		sts_policy(j, r->dom, 1, 1);
		b_printf(j,
		    ",\"summary\":{\"total-successful-session-count\":%u,"
		    "\"total-failure-session-count\":%u}",
		    ok, fail);
		if (r->n_details > 0) {
			b_add(j, ",", 1);
			b_add(j, d.p, d.len);
		}
		b_add(j, "}", 1);
		break;
	case S_MICROSOFT:
		sts_policy(j, r->dom, 0, 0);
		b_printf(j,
		    ",\"summary\":{\"total-successful-session-count\":%u,"
		    "\"total-failure-session-count\":%u},%s},",
		    ok, fail, d.p);
		b_printf(j,
		    "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
		    "[\"[\\\"3 1 1 6007EEE5%08X\\\",\\\"3 1 1 837C773D%08X\\\"]"
		    "\"],\"policy-domain\":\"mx1.%s\"},\"summary\":{"
		    "\"total-successful-session-count\":%u,"
		    "\"total-failure-session-count\":%u},%s}",
		    rndn(0xffffff), rndn(0xffffff), r->dom, ok, fail, d.p);
		break;
	case S_SYS4:
		if (r->serial % 4 == 0)
			b_printf(j,
			    "\"policy\":{\"policy-type\":\"no-policy-found\"},"
			    "\"summary\":{\"total-successful-session-count\":"
			    "%u,\"total-failure-session-count\":%u},%s}",
			    ok, fail, d.p);
		else {
			sts_policy(j, r->dom, 1, 0);
			b_printf(j,
			    ",\"summary\":{\"total-successful-session-count\":"
			    "%u,\"total-failure-session-count\":%u},%s}",
			    ok, fail, d.p);
		}
		break;
	case S_MAILRU:
		b_printf(j,
		    "\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
		    "\"%s\"},\"summary\":{\"total-successful-session-count\":"
		    "%u,\"total-failure-session-count\":%u},%s}",
		    r->dom, ok, fail, d.p);
		break;
	default:
		b_printf(j,
		    "\"policy\":{\"policy-type\":\"no-policy-found\","
		    "\"policy-domain\":\"%s\"},\"summary\":{"
		    "\"total-successful-session-count\":%u,"
		    "\"total-failure-session-count\":%u},%s}",
		    r->dom, ok, fail, d.p);
		break;
	}
	b_add(j, "]}", 2);
	free(d.p);
	if (r->st == S_MICROSOFT)
		snprintf(r->fname, sizeof(r->fname),
		    "microsoft.com!%s!%" PRId64 "!%" PRId64 "!%.18s.json.gz",
		    r->dom, r->day, r->day + DAY - 1, r->id);
	else
		snprintf(r->fname, sizeof(r->fname),
		    "%s!%s!%" PRId64 "!%" PRId64 "!%03lu.json%s",
		    submitters[r->st], r->dom, r->day, r->day + DAY - 1,
		    r->st == S_GOOGLE ? 1UL : r->serial % 1000,
		    r->st == S_MAILRU ? "" : ".gz");
}

/* Trace and authentication headers a report picks up on its way. */
static void
trace(struct buf *m, const struct rep *r, int64_t t)
{
	char date[64];

	rfc5322_date(date, sizeof(date), t);
	b_printf(m,
	    "Return-Path: <tlsrpt-bounces+%lu@%s>\n"
	    "Delivered-To: tlsrpt@%s\n"
	    "Received: from mx1.%s (localhost [127.0.0.1])\n"
	    "\tby mx1.%s (Postfix) with ESMTP id 4Q%06luXz\n"
	    "\tfor <tlsrpt@%s>; %s\n"
	    "Received: from mail-out%u.%s (mail-out%u.%s [198.51.100.%u])\n"
	    "\tby mx1.%s (Postfix) with ESMTPS id 4Q%06luYz\n"
	    "\tfor <tlsrpt@%s>; %s\n"
	    "Authentication-Results: mx1.%s;\n"
	    "\tdkim=pass header.d=%s header.s=s%u;\n"
	    "\tspf=pass smtp.mailfrom=%s;\n"
	    "\tdmarc=pass (p=REJECT) header.from=%s\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\n"
	    "\ts=s%u; t=%" PRId64 "; h=from:to:subject:date:message-id:"
	    "tls-report-domain:\n\ttls-report-submitter:mime-version;\n"
	    "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
	    "\tb=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy"
	    "YmF6cXV4Zm9v\n\t YmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cX"
	    "V4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6\n",
	    r->serial, submitters[r->st], r->dom, r->dom, r->dom, r->serial,
	    r->dom, date, rndn(9), submitters[r->st], rndn(9),
	    submitters[r->st], rndn(254) + 1, r->dom, r->serial, r->dom, date,
	    r->dom, submitters[r->st], rndn(4), submitters[r->st],
	    submitters[r->st], submitters[r->st], rndn(4), t);
}

/* The whole mail for r. */
static void
mail(struct buf *m, struct rep *r, const struct buf *json, const struct buf *gz)
{
	const char *sub = submitters[r->st];
	const struct buf *att = r->st == S_MAILRU ? json : gz;
	char date[64], bnd[64];
	int64_t t = r->day + DAY + 3600 * (2 + (int64_t)rndn(6));

	rfc5322_date(date, sizeof(date), t);
	snprintf(bnd, sizeof(bnd), "_%08x-%04x-4c58-9e0f-%012lx_",
	    (unsigned)rnd(), rndn(65536), r->serial);
	m->len = 0;
	trace(m, r, t);
	b_printf(m,
	    "From: %s<%s@%s>\n"
	    "Date: %s\n"
	    "Subject: Report Domain: %s Submitter: %s\n"
	    " Report-ID: <%s@%s>\n"
	    "To: <tlsrpt@%s>\n"
	    "Message-ID: <%lu.%s@%s>\n"
	    "MIME-Version: 1.0\n"
	    "TLS-Report-Domain: %s\n"
	    "TLS-Report-Submitter: %s\n",
	    r->st == S_GOOGLE ? "" : "TLS reports ",
	    r->st == S_GOOGLE ? "noreply-smtp-tls-reporting" : "tlsrpt", sub,
	    date, r->dom, sub, r->id, sub, r->dom, r->serial, r->dom, sub,
	    r->dom, sub);
	if (r->st == S_UNKNOWN)
		b_printf(m,
		    "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
		    "--%s\nContent-Type: text/plain; charset=utf-8\n\n"
		    "TLS report for %s.\n\n"
		    "--%s\nContent-Type: application/gzip\n"
		    "Content-Disposition: attachment; filename=\"%s\"\n"
		    "Content-Transfer-Encoding: base64\n\n",
		    bnd, bnd, r->dom, bnd, r->fname);
	else {
		b_printf(m,
		    "Content-Type: multipart/report; boundary=\"%s\";"
		    " report-type=tlsrpt\n\n"
		    "This is a multi-part message in MIME format.\n\n"
		    "--%s\n",
		    bnd, bnd);
		if (r->st == S_MICROSOFT)
			b_printf(m,
			    "Content-Type: text/plain; charset=\"us-ascii\"\n"
			    "Content-Transfer-Encoding: quoted-printable\n\n"
			    "This is an aggregate TLS report from %s\n\n"
			    "Microsoft respects your privacy. Review our Onl="
			    "\nine Services Privacy Statement.\n\n",
			    sub);
		else
			b_printf(m,
			    "Content-Type: text/plain; charset=\"UTF-8\"; "
			    "format=flowed; delsp=yes\n\n"
			    "This is an aggregate TLS report from %s\n\n",
			    sub);
		b_printf(m, "--%s\nContent-Type: application/tlsrpt+%s", bnd,
		    r->st == S_MAILRU ? "json" : "gzip");
		if (r->st == S_MICROSOFT)
			b_printf(m, "\nContent-Description: %s", r->fname);
		else
			b_printf(m, "; name=\"%s\"", r->fname);
		b_printf(m,
		    "\nContent-Disposition: attachment;\n\tfilename=\"%s\"\n"
		    "Content-Transfer-Encoding: base64\n\n",
		    r->fname);
	}
	b_base64(m, att);
	b_printf(m, "\n--%s--\n", bnd);
}

static void
write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		die(path);
	if (fwrite(b->p, 1, b->len, f) != b->len || fclose(f) == EOF)
		die(path);
}

/* Write r's mail into dir and append its report, gzip'd, to gzf. */
static void
emit(struct rep *r, const char *dir, FILE *gzf, unsigned long n)
{
	static struct buf json, gz, m;
	char path[4096];

	json.len = 0;
	report_json(&json, r);
	gzip_buf(&json, &gz);
	mail(&m, r, &json, &gz);
	snprintf(path, sizeof(path), "%s/1700000000.M%08luP1.bench", dir, n);
	write_file(path, &m);
	if (fwrite(gz.p, 1, gz.len, gzf) != gz.len)
		die("write gzip");
}

static FILE *
open_gz(const char *path)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		die(path);
	return f;
}

static int
close_gz(FILE *f)
{
	if (fclose(f) == EOF)
		die("write gzip");
	return 0;
}

static int64_t
today(void)
{
	int64_t now = (int64_t)time(NULL);

	return now - now % DAY;
}

/* Typical mails: styles by observed share, 0 to a few details. */
static int
gen_mails(const char *dir, const char *gzpath, unsigned long n,
    unsigned long seed)
{
	FILE *gzf = open_gz(gzpath);
	static const enum style mix[] = { S_GOOGLE, S_GOOGLE, S_GOOGLE,
		S_GOOGLE, S_MICROSOFT, S_MICROSOFT, S_MICROSOFT, S_SYS4,
		S_MAILRU, S_UNKNOWN };
	char dom[64];
	struct rep r;
	unsigned long i;
	unsigned p;

	rng_state = 0x9e3779b97f4a7c15ULL ^ (seed * 0x100000001b3ULL);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.serial = seed * 10000000UL + i;
		r.st = mix[rndn(nitems(mix))];
		/* (day, domain) is unique per i; seeds use other years */
		snprintf(dom, sizeof(dom), "shop%03lu.example", i % 500);
		r.dom = dom;
		r.day = today() - (int64_t)(seed % 4 + 2) * 365 * DAY +
		    (int64_t)(i / 500) * DAY;
		p = rndn(100);
		r.n_details = p < 60 ? 0
		    : p < 80         ? 1
		    : p < 95         ? 2 + rndn(2)
				     : 4 + rndn(5);
		if (i % BIG_EVERY == BIG_EVERY / 2)
			r.n_details = 1000 + rndn(3000);
		emit(&r, dir, gzf, i);
	}
	return close_gz(gzf);
}

static int
gen_big(const char *path, const char *gzpath, const char *jsonpath,
    unsigned long n)
{
	struct buf json = { 0 }, gz = { 0 }, m = { 0 };
	struct rep r;

	rng_state = 0x2545f4914f6cdd1dULL;
	memset(&r, 0, sizeof(r));
	r.st = S_GOOGLE;
	r.dom = "big-retailer.example";
	r.day = today() - 2 * DAY;
	r.serial = 4242;
	r.n_details = (unsigned)n;
	report_json(&json, &r);
	gzip_buf(&json, &gz);
	mail(&m, &r, &json, &gz);
	write_file(path, &m);
	write_file(gzpath, &gz);
	write_file(jsonpath, &json);
	return 0;
}

/* A year of daily reports: reporter 0 is Google, the others rotate. */
static int
gen_year(const char *dir, const char *gzpath, unsigned long domains,
    unsigned long days, unsigned long reporters)
{
	FILE *gzf = open_gz(gzpath);
	char dom[64];
	struct rep r;
	unsigned long d, k, s, n = 0;
	unsigned p;

	rng_state = 0x853c49e6748fea9bULL;
	for (d = 0; d < days; d++)
		for (k = 0; k < domains; k++)
			for (s = 0; s < reporters; s++) {
				memset(&r, 0, sizeof(r));
				snprintf(dom, sizeof(dom), "dom%03lu.example",
				    k);
				r.dom = dom;
				r.day = today() - (int64_t)(days - d) * DAY;
				r.serial = 90000000UL + n;
				r.st = s == 0 ? S_GOOGLE
					      : (enum style)(1 + (k + s) % 4);
				p = rndn(100);
				r.n_details = p < 70 ? 0
				    : p < 90         ? 1
						     : 2 + rndn(4);
				emit(&r, dir, gzf, n++);
			}
	return close_gz(gzf);
}

static unsigned long
num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s) {
		fprintf(stderr, "gen: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "mails") == 0)
		return gen_mails(argv[2], argv[3], num(argv[4]), num(argv[5]));
	if (argc == 6 && strcmp(argv[1], "big") == 0)
		return gen_big(argv[2], argv[3], argv[4], num(argv[5]));
	if (argc == 7 && strcmp(argv[1], "year") == 0)
		return gen_year(argv[2], argv[3], num(argv[4]), num(argv[5]),
		    num(argv[6]));
	fprintf(stderr,
	    "usage: gen mails DIR GZ N SEED\n"
	    "       gen big MAIL GZ JSON NDETAILS\n"
	    "       gen year DIR GZ DOMAINS DAYS REPORTERS\n");
	return 2;
}
