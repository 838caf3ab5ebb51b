/*
 * test-ingest: ingest_parse(), the pure half of the pipeline: which parts
 * become reports, which are set aside, and why; and the failure lines
 * that ingest_deliver() logs (as a dry run).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "config.h"
#include "ti.h"
#include "ingest/ingest.h"
#include "ingest/mime.h"
#include "tap.h"

static const char report_json[] =
    "{\"organization-name\":\"Example Reporter\","
    "\"date-range\":{\"start-datetime\":\"2026-11-01T00:00:00Z\","
    "\"end-datetime\":\"2026-11-01T23:59:59Z\"},"
    "\"contact-info\":\"tlsrpt@reporter.example\","
    "\"report-id\":\"r-1\","
    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
    "\"policy-string\":[\"version: STSv1\",\"mode: testing\"],"
    "\"policy-domain\":\"example.com\",\"mx-host\":[\"mx.example.com\"]},"
    "\"summary\":{\"total-successful-session-count\":9,"
    "\"total-failure-session-count\":1},"
    "\"failure-details\":[{\"result-type\":\"certificate-expired\","
    "\"sending-mta-ip\":\"192.0.2.1\",\"receiving-ip\":\"198.51.100.2\","
    "\"receiving-mx-hostname\":\"mx.example.com\","
    "\"failed-session-count\":1}]}]}";

/* gzip of s, g_free it */
static unsigned char *
gz(const char *s, size_t *len)
{
	z_stream z = { 0 };
	size_t cap = strlen(s) + 1024;
	unsigned char *out = g_malloc(cap);

	deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)s;
	z.avail_in = (uInt)strlen(s);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

static char *
mail_with(const char *ctype, const char *fname, const unsigned char *body,
    size_t len, const char *report_type)
{
	char *b64 = g_base64_encode(body, len);
	char *m = g_strdup_printf(
	    "From: reports@reporter.example\r\n"
	    "To: tlsrpt@example.com\r\n"
	    "Subject: Report Domain: example.com Submitter: reporter.example "
	    "Report-ID: <r-1@reporter.example>\r\n"
	    "Message-ID: <m1@reporter.example>\r\n"
	    "TLS-Report-Domain: example.com\r\n"
	    "TLS-Report-Submitter: reporter.example\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=%s; boundary=\"b\"\r\n"
	    "\r\n"
	    "--b\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "A report.\r\n"
	    "--b\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "%s\r\n"
	    "--b--\r\n",
	    report_type, ctype, fname, b64);

	g_free(b64);
	return m;
}

static void
parse(const char *what, const void *raw, size_t len, const char *name,
    const struct ti_limits *l, size_t want_reports, size_t want_items,
    const char *want_reason)
{
	struct ingest_mail m;

	ingest_parse(raw, len, name, l, &m);
	ok(ingest_mail_reports(&m) == want_reports && m.n_items == want_items,
	    "%s: %zu reports, %zu items (got %zu, %zu; %s)", what, want_reports,
	    want_items, ingest_mail_reports(&m), m.n_items,
	    m.err.status != TI_OK ? m.err.msg
		: m.n_items > 0   ? m.items[0].err.msg
				  : "");
	if (want_reason != NULL) {
		const char *msg = m.err.status != TI_OK ? m.err.msg
		    : m.n_items > 0                     ? m.items[0].err.msg
							: "";

		ok(strstr(msg, want_reason) != NULL, "%s: reason '%s' in '%s'",
		    what, want_reason, msg);
	}
	ingest_mail_clear(&m);
}

static int
has_deviation(const struct report *r, const char *code)
{
	for (size_t i = 0; i < r->n_deviations; i++)
		if (strcmp(r->deviations[i].code, code) == 0)
			return 1;
	return 0;
}

/* A report with failure details of 1, 2, 3 sessions under one policy and
   4, 5 under another. */
static char *
five_failures_json(void)
{
	GString *j = g_string_new("{\"organization-name\":\"R\","
				  "\"date-range\":{"
				  "\"start-datetime\":\"2026-11-01T00:00:00Z\","
				  "\"end-datetime\":\"2026-11-01T23:59:59Z\"},"
				  "\"contact-info\":\"r@r.example\","
				  "\"report-id\":\"five\",\"policies\":[");
	int c = 1;

	for (int p = 0; p < 2; p++) {
		int n = p == 0 ? 3 : 2, sum = p == 0 ? 6 : 9;

		g_string_append_printf(j,
		    "%s{\"policy\":{\"policy-type\":\"%s\","
		    "\"policy-string\":[\"x\"],"
		    "\"policy-domain\":\"example.com\","
		    "\"mx-host\":[\"mx.example.com\"]},"
		    "\"summary\":{\"total-successful-session-count\":1,"
		    "\"total-failure-session-count\":%d},"
		    "\"failure-details\":[",
		    p ? "," : "", p ? "tlsa" : "sts", sum);
		for (int k = 0; k < n; k++, c++)
			g_string_append_printf(j,
			    "%s{\"result-type\":\"certificate-expired\","
			    "\"sending-mta-ip\":\"192.0.2.%d\","
			    "\"receiving-mx-hostname\":\"mx.example.com\","
			    "\"failed-session-count\":%d}",
			    k ? "," : "", c, c);
		g_string_append(j, "]}");
	}
	g_string_append(j, "]}");
	return g_string_free(j, FALSE);
}

/* Count the lines of text that start with word and a space. */
static int
lines(const char *text, const char *word)
{
	size_t n = strlen(word);
	int k = 0;

	for (const char *p = text; p != NULL && *p != '\0';
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		k += strncmp(p, word, n) == 0 && p[n] == ' ';
	return k;
}

/* ingest_deliver() as a dry run (the log lines on a memory stream). */
static char *
dry_run(const char *json, size_t max_lines, const struct ti_limits *l)
{
	struct ingest_opts o = { 0 };
	struct ti_err err = { 0 };
	char *out = NULL;
	size_t size = 0;
	int rc;

	o.limits = l;
	o.origin = "-";
	o.max_failure_lines = max_lines;
	o.dry_run = open_memstream(&out, &size);
	rc = ingest_deliver(&o, (const unsigned char *)json, strlen(json), 0,
	    NULL, NULL, &err);
	fclose(o.dry_run);
	if (rc != 0)
		diag("ingest_deliver: %s", err.msg);
	return out;
}

/* max_failure_lines: failure lines up to the cap, then one line that
   counts the rest (tlsrpt.conf [log] max-failure-lines). */
static void
test_failure_lines(const struct ti_limits *l)
{
	char *json = five_failures_json(), *out, *all, *report_line;

	all = dry_run(json, SIZE_MAX, l);
	ok(lines(all, "failure") == 5 && lines(all, "failures_omitted") == 0 &&
		lines(all, "report") == 1 && lines(all, "mail") == 1,
	    "no cap: five failure lines, none omitted");
	report_line = g_strndup(all, strcspn(all, "\n") + 1);

	out = dry_run(json, 5, l);
	ok(lines(out, "failure") == 5 && lines(out, "failures_omitted") == 0,
	    "cap 5 of 5: all logged, no summary");
	free(out);

	out = dry_run(json, 2, l);
	ok(lines(out, "failure") == 2 && lines(out, "failures_omitted") == 1,
	    "cap 2: two failure lines and one summary");
	ok(strstr(out,
	       "\nfailures_omitted reporter=R report_id=five "
	       "status=dry-run logged=2 details=3 sessions=12\n") != NULL,
	    "cap 2: the summary counts 3 details, 3+4+5 sessions, across "
	    "policies");
	ok(strstr(out, "sending_ip=192.0.2.2 ") != NULL &&
		strstr(out, "sending_ip=192.0.2.3 ") == NULL,
	    "cap 2: the first details are the ones logged");
	ok(g_str_has_prefix(out, report_line) &&
		g_str_has_prefix(report_line, "report ") &&
		strstr(report_line, " failures=9 ") != NULL,
	    "cap 2: the same report line, with the totals");
	ok(strstr(out, "failures_omitted") < strstr(out, "\nmail "),
	    "cap 2: the summary before the mail line");
	free(out);

	out = dry_run(json, 4, l);
	ok(lines(out, "failure") == 4 &&
		strstr(out, "logged=4 details=1 sessions=5\n") != NULL,
	    "cap 4: the cap falls in the second policy");
	free(out);

	out = dry_run(json, 0, l);
	ok(lines(out, "failure") == 0 &&
		strstr(out, "logged=0 details=5 sessions=15\n") != NULL,
	    "cap 0: no failure line, one summary of all five");
	free(out);

	out = dry_run(report_json, 0, l);
	ok(lines(out, "failures_omitted") == 1 &&
		strstr(out, "details=1 sessions=1\n") != NULL,
	    "cap 0, one detail: summarized");
	free(out);
	free(all);
	g_free(report_line);
	g_free(json);
}

/* When a mail arrived (issue #17): our MTA's topmost Received field,
   else the Maildir delivery time, else Date, else now. */
static void
test_arrival(void)
{
	const int64_t now = 1793577600; /* 2026-11-02 */
	static const char folded[] =
	    "From reports@example.net Mon Nov  2 00:00:00 2026\n"
	    "Return-Path: <reports@example.net>\n"
	    "Received: from mail.example.net (mail.example.net [192.0.2.1])\r\n"
	    "\tby mx.example.com (Postfix) with ESMTPS id 4A; Sun,\r\n"
	    "\t1 Nov 2026 02:00:00 +0000 (UTC)\r\n"
	    "Received: by mail.example.net; Sat, 31 Oct 2026 23:00:00 +0000\n"
	    "Date: Sat, 31 Oct 2026 22:00:00 +0000\n"
	    "Subject: x; y\n\nbody\n";
	static const char no_received[] =
	    "Date: Sat, 31 Oct 2026 22:00:00 +0100\nSubject: x\n\nbody\n";
	static const char bad_received[] =
	    "Received: by mx.example.com; not a date\n"
	    "Date: Sat, 31 Oct 2026 22:00:00 +0000\n\n";
	static const char future[] =
	    "Received: by mx.example.com; Fri, 1 Jan 2100 00:00:00 +0000\n\n";
	static const char body_only[] = "{\"organization-name\": \"x\"}";
	const int64_t nov1_2h = 1793498400, oct31_22h = 1793484000;

	ok(ingest_arrival((const unsigned char *)folded, strlen(folded),
	       12345678, now) == nov1_2h,
	    "arrival: the topmost Received, folded, after its last ';'");
	ok(ingest_arrival((const unsigned char *)no_received,
	       strlen(no_received), 1793400000, now) == 1793400000,
	    "arrival: no Received: the Maildir delivery time");
	ok(ingest_arrival((const unsigned char *)no_received,
	       strlen(no_received), 0, now) == oct31_22h - 3600,
	    "arrival: no Received, no file time: Date");
	ok(ingest_arrival((const unsigned char *)bad_received,
	       strlen(bad_received), 0, now) == oct31_22h,
	    "arrival: a Received without a date: Date");
	ok(ingest_arrival((const unsigned char *)future, strlen(future), 0,
	       now) == now,
	    "arrival: a date far past now is not believed: now");
	ok(ingest_arrival((const unsigned char *)body_only, strlen(body_only),
	       0, now) == now,
	    "arrival: not a mail: now");
	ok(ingest_arrival(NULL, 0, 0, now) == now, "arrival: nothing: now");
}

int
main(void)
{
	struct ti_limits l;
	unsigned char *z;
	size_t zlen;
	char *mail;
	struct ingest_mail m;
	static const char fname[] =
	    "reporter.example!example.com!1793491200!1793577599!7.json.gz";

	mime_init();
	ti_limits_default(&l);
	z = gz(report_json, &zlen);
	test_arrival();

	parse("empty input (a NULL buffer)", NULL, 0, NULL, &l, 0, 0,
	    "not a mail");
	parse("bare JSON", report_json, strlen(report_json), NULL, &l, 1, 1,
	    NULL);
	parse("bare gzip", z, zlen, "x.json.gz", &l, 1, 1, NULL);

	/* a POST's Content-Type against its bytes */
	ingest_parse(z, zlen, NULL, &l, &m);
	ingest_note_media_type(&m, "application/tlsrpt+gzip");
	ok(m.n_items == 1 && m.items[0].report != NULL &&
		!has_deviation(m.items[0].report, "media-type-mismatch"),
	    "POST: gzip labelled tlsrpt+gzip: no deviation");
	ingest_mail_clear(&m);
	ingest_parse(z, zlen, NULL, &l, &m);
	ingest_note_media_type(&m, "application/octet-stream");
	ok(m.n_items == 1 && m.items[0].report != NULL &&
		has_deviation(m.items[0].report, "media-type-mismatch"),
	    "POST: gzip labelled octet-stream: stored, noted");
	ingest_mail_clear(&m);
	ingest_parse((const unsigned char *)report_json, strlen(report_json),
	    NULL, &l, &m);
	ingest_note_media_type(&m, NULL);
	ok(m.n_items == 1 && m.items[0].report != NULL &&
		has_deviation(m.items[0].report, "media-type-mismatch"),
	    "POST: JSON without a Content-Type: stored, noted");
	ingest_mail_clear(&m);

	mail = mail_with("application/tlsrpt+gzip", fname, z, zlen, "tlsrpt");
	ingest_parse((unsigned char *)mail, strlen(mail), NULL, &l, &m);
	ingest_note_media_type(&m, "text/plain");
	ok(ingest_mail_reports(&m) == 1, "mail: one report");
	ok(m.n_items == 1 && strcmp(m.items[0].filename, fname) == 0,
	    "mail: the file name is kept");
	ok(m.info.message_id != NULL &&
		strcmp(m.info.message_id, "m1@reporter.example") == 0,
	    "mail: Message-ID");
	ok(m.n_items == 1 && m.items[0].report != NULL &&
		!has_deviation(m.items[0].report, "filename-mismatch") &&
		!has_deviation(m.items[0].report, "header-mismatch"),
	    "mail: name and headers agree with the report");
	ingest_mail_clear(&m);
	g_free(mail);

	mail = mail_with("application/tlsrpt+gzip",
	    "reporter.example!example.org!1793491200!1793577599.json.gz",
	    (const unsigned char *)report_json, strlen(report_json), "tlsrpt");
	ingest_parse((unsigned char *)mail, strlen(mail), NULL, &l, &m);
	ok(ingest_mail_reports(&m) == 1 &&
		has_deviation(m.items[0].report, "media-type-mismatch") &&
		has_deviation(m.items[0].report, "filename-mismatch"),
	    "gzip label on JSON, wrong name: stored with deviations");
	ingest_mail_clear(&m);
	g_free(mail);

	mail = mail_with("application/tlsrpt+gzip", fname, z, zlen,
	    "delivery-status");
	parse("DSN", mail, strlen(mail), NULL, &l, 0, 0, "delivery status");
	g_free(mail);

	mail = mail_with("application/tlsrpt+gzip", fname,
	    (const unsigned char *)"PK\003\004xxxx", 8, "tlsrpt");
	parse("zip", mail, strlen(mail), NULL, &l, 0, 1, "zip");
	g_free(mail);

	mail =
	    mail_with("application/tlsrpt+gzip", fname, z, zlen / 2, "tlsrpt");
	parse("truncated gzip", mail, strlen(mail), NULL, &l, 0, 1, NULL);
	g_free(mail);

	mail = mail_with("application/octet-stream", "x.pdf",
	    (const unsigned char *)"%PDF-1.4", 8, "tlsrpt");
	parse("a PDF", mail, strlen(mail), NULL, &l, 0, 1, "neither gzip");
	g_free(mail);

	parse("human mail", "From: a@b\nSubject: hi\n\nhello\n", 28, NULL, &l,
	    0, 0, "no report part");

	l.reports_per_mail = 0;
	mail = mail_with("application/tlsrpt+gzip", fname, z, zlen, "tlsrpt");
	parse("reports-per-mail", mail, strlen(mail), NULL, &l, 0, 0,
	    "reports-per-mail");
	g_free(mail);
	ti_limits_default(&l);

	l.gunzip_size = 100;
	parse("gunzip-size", z, zlen, NULL, &l, 0, 1, NULL);
	ti_limits_default(&l);

	test_failure_lines(&l);

	g_free(z);
	mime_shutdown();
	return done_testing();
}
