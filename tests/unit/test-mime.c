/*
 * test-mime.c: mime_each_report() on mails built here as C strings:
 * what real TLS-RPT senders send (RFC 8460 §5.3; doc/rfc8460.md, '7. Real
 * senders') and the hostile MIME inputs of doc/hostile-input.md, '2. MIME'
 * (items 10-14, 18-22).  gzip is made with zlib
 * and base64 with GLib, so no fixture files are needed.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include <glib.h>
#include <zlib.h>

#include "config.h"
#include "ti.h"
#include "ingest/mime.h"
#include "tap.h"

#define GOOGLE_NAME "google.com!example.com!1700000000!1700086399!001.json.gz"
#define QP_WANT "{\"organization-name\":\"a=b\",\"report-id\":\"x\"}"
#define JSON                                                             \
 "{\"organization-name\":\"Google Inc.\",\"report-id\":\"2023-11-14Z\"," \
 "\"policies\":[]}"

/* One call of the callback, copied out. */
struct call {
	char *path;
	char *ctype;
	char *filename;
	int by_name;
	int data_null;
	size_t len;
	GByteArray *data;
};

struct calls {
	GPtrArray *v;
	int stop_at; /* return 7 from call number stop_at (1-based) */
};

static void
call_free(gpointer p)
{
	struct call *c = p;

	g_free(c->path);
	g_free(c->ctype);
	g_free(c->filename);
	if (c->data != NULL)
		g_byte_array_free(c->data, TRUE);
	g_free(c);
}

static int
collect(const struct mime_part *part, void *arg)
{
	struct calls *cs = arg;
	struct call *c = g_new0(struct call, 1);

	c->path = g_strdup(part->path);
	c->ctype = g_strdup(part->ctype);
	c->filename = g_strdup(part->filename);
	c->by_name = part->by_name;
	c->len = part->len;
	c->data_null = part->data == NULL;
	if (part->data != NULL) {
		c->data = g_byte_array_new();
		g_byte_array_append(c->data, part->data, part->len);
		/* the contract promises a NUL after the data */
		if (part->data[part->len] != '\0')
			c->data_null = -1;
	}
	g_ptr_array_add(cs->v, c);
	if (cs->stop_at > 0 && (int)cs->v->len == cs->stop_at)
		return 7;
	return 0;
}

/* Result of one run. */
struct run {
	int rc;
	struct ti_err err;
	struct mime_info info;
	struct calls calls;
};

static void
run_free(struct run *r)
{
	mime_info_clear(&r->info);
	g_ptr_array_free(r->calls.v, TRUE);
}

static void
run_limits(struct run *r, const char *mail, size_t len,
    const struct ti_limits *lim, int stop_at)
{
	memset(r, 0, sizeof(*r));
	r->calls.v = g_ptr_array_new_with_free_func(call_free);
	r->calls.stop_at = stop_at;
	r->rc = mime_each_report((const unsigned char *)mail, len, lim, collect,
	    &r->calls, &r->info, &r->err);
}

static void
run(struct run *r, const char *mail)
{
	struct ti_limits lim;

	ti_limits_default(&lim);
	run_limits(r, mail, strlen(mail), &lim, 0);
}

static struct call *
nth(struct run *r, guint i)
{
	return i < r->calls.v->len ? g_ptr_array_index(r->calls.v, i) : NULL;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
data_is(struct call *c, const void *want, size_t len)
{
	return c != NULL && c->data != NULL && c->data_null == 0 &&
	    c->len == len && c->data->len == len &&
	    memcmp(c->data->data, want, len) == 0;
}

/* gzip of text, as real senders make it. */
static GByteArray *
gz(const char *text)
{
	z_stream s;
	unsigned char out[8192];
	GByteArray *a = g_byte_array_new();

	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		abort();
	s.next_in = (unsigned char *)text;
	s.avail_in = strlen(text);
	s.next_out = out;
	s.avail_out = sizeof(out);
	if (deflate(&s, Z_FINISH) != Z_STREAM_END)
		abort();
	g_byte_array_append(a, out, sizeof(out) - s.avail_out);
	deflateEnd(&s);
	return a;
}

/* base64 in 76-column lines, each ending in LF. */
static char *
b64(const void *data, size_t len)
{
	char *flat = g_base64_encode(data, len);
	GString *s = g_string_new(NULL);
	size_t n = strlen(flat);

	for (size_t i = 0; i < n; i += 76) {
		g_string_append_len(s, flat + i, MIN(76, n - i));
		g_string_append_c(s, '\n');
	}
	g_free(flat);
	return g_string_free(s, FALSE);
}

static char
uuchar(unsigned v)
{
	return v == 0 ? '`' : (char)(' ' + v);
}

/* uuencode (the body of an x-uuencode part), lines of 45 bytes. */
static char *
uuencode(const unsigned char *p, size_t len)
{
	GString *s = g_string_new("begin 644 report.json\n");

	for (size_t i = 0; i < len; i += 45) {
		size_t n = MIN(45, len - i);

		g_string_append_c(s, uuchar((unsigned)n));
		for (size_t j = 0; j < n; j += 3) {
			unsigned char b[3] = { 0, 0, 0 };

			memcpy(b, p + i + j, MIN(3, n - j));
			g_string_append_c(s, uuchar(b[0] >> 2));
			g_string_append_c(s,
			    uuchar(((b[0] & 3) << 4) | (b[1] >> 4)));
			g_string_append_c(s,
			    uuchar(((b[1] & 15) << 2) | (b[2] >> 6)));
			g_string_append_c(s, uuchar(b[2] & 63));
		}
		g_string_append_c(s, '\n');
	}
	g_string_append(s, "`\nend\n");
	return g_string_free(s, FALSE);
}

static char *
to_crlf(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			g_string_append_c(o, '\r');
		g_string_append_c(o, *s);
	}
	return g_string_free(o, FALSE);
}

/* A Google-like multipart/report around one part (headers + body). */
static char *
report_mail(const char *part_headers, const char *part_body)
{
	return g_strdup_printf(
	    "From: TLS Reporting <noreply-smtp-tls-reporting@google.com>\n"
	    "To: tlsrpt@example.com\n"
	    "Subject: =?UTF-8?Q?Report_Domain=3A_example.com_=E2=9C=93?=\n"
	    "Date: Wed, 15 Nov 2023 00:00:00 +0000\n"
	    "Message-ID: <abc123@google.com>\n"
	    "TLS-Report-Domain:  example.com \n"
	    "TLS-Report-Submitter: google.com\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; boundary=\"b1\";\n"
	    "\treport-type=tlsrpt\n"
	    "\n"
	    "--b1\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "\n"
	    "This is an aggregate TLS report from google.com\n"
	    "--b1\n"
	    "%s"
	    "\n"
	    "%s"
	    "--b1--\n",
	    part_headers, part_body);
}

/* A Google-like report with the gzip of JSON in base64. */
static char *
google_mail(const char *ctype)
{
	GByteArray *z = gz(JSON);
	char *body = b64(z->data, z->len);
	char *hdr =
	    g_strdup_printf("Content-Type: %s; name=\"" GOOGLE_NAME "\"\n"
			    "Content-Disposition: attachment;\n"
			    "\tfilename=\"" GOOGLE_NAME "\"\n"
			    "Content-Transfer-Encoding: base64\n",
		ctype);
	char *mail = report_mail(hdr, body);

	g_free(hdr);
	g_free(body);
	g_byte_array_free(z, TRUE);
	return mail;
}

/* Expect exactly one call, at path, of ctype, holding the gzip of JSON. */
static void
expect_one_gzip(const char *label, struct run *r, const char *path,
    const char *ctype)
{
	GByteArray *z = gz(JSON);
	struct call *c = nth(r, 0);

	ok(r->rc == 0 && r->calls.v->len == 1 && c != NULL &&
		streq(c->path, path) && streq(c->ctype, ctype) &&
		data_is(c, z->data, z->len),
	    "%s: rc %d calls %u path %s ctype %s err %s", label, r->rc,
	    r->calls.v->len, c ? c->path : "-", c ? c->ctype : "-", r->err.msg);
	g_byte_array_free(z, TRUE);
}

static void
test_google(void)
{
	struct run r;
	char *mail = google_mail("application/tlsrpt+gzip");
	char *crlf, *from;

	run(&r, mail);
	expect_one_gzip("multipart/report, tlsrpt+gzip, base64", &r, "2",
	    "application/tlsrpt+gzip");
	ok(nth(&r, 0) != NULL && streq(nth(&r, 0)->filename, GOOGLE_NAME) &&
		nth(&r, 0)->by_name == 0,
	    "filename and by_name");
	ok(streq(r.info.message_id, "abc123@google.com"),
	    "Message-ID without brackets: %s", r.info.message_id);
	ok(streq(r.info.tls_report_domain, "example.com"),
	    "TLS-Report-Domain trimmed: '%s'", r.info.tls_report_domain);
	ok(streq(r.info.tls_report_submitter, "google.com"),
	    "TLS-Report-Submitter: %s", r.info.tls_report_submitter);
	ok(streq(r.info.report_type, "tlsrpt"), "report_type: %s",
	    r.info.report_type);
	ok(r.info.is_dsn == 0 && r.info.parts_seen == 2, "parts_seen %zu",
	    r.info.parts_seen);
	run_free(&r);

	crlf = to_crlf(mail);
	run(&r, crlf);
	expect_one_gzip("CRLF mail", &r, "2", "application/tlsrpt+gzip");
	ok(streq(r.info.message_id, "abc123@google.com") &&
		streq(r.info.tls_report_domain, "example.com") &&
		streq(r.info.report_type, "tlsrpt"),
	    "CRLF mail: headers intact");
	run_free(&r);
	g_free(crlf);

	from = g_strconcat("From x@y Mon Jan  1 00:00:00 2024\n", mail, NULL);
	run(&r, from);
	expect_one_gzip("leading From_ line", &r, "2",
	    "application/tlsrpt+gzip");
	ok(streq(r.info.message_id, "abc123@google.com") &&
		streq(r.info.tls_report_submitter, "google.com"),
	    "leading From_ line: headers intact");
	run_free(&r);
	g_free(from);

	crlf = to_crlf(from = g_strconcat("From x@y Mon Jan  1 00:00:00 2024\n",
			   mail, NULL));
	run(&r, crlf);
	expect_one_gzip("From_ line and CRLF", &r, "2",
	    "application/tlsrpt+gzip");
	run_free(&r);
	g_free(crlf);
	g_free(from);

	/* info may be NULL */
	{
		struct ti_limits lim;
		struct ti_err err = { 0 };
		struct calls cs = { g_ptr_array_new_with_free_func(call_free),
			0 };

		ti_limits_default(&lim);
		ok(mime_each_report((const unsigned char *)mail, strlen(mail),
		       &lim, collect, &cs, NULL, &err) == 0 &&
			cs.v->len == 1,
		    "info may be NULL");
		g_ptr_array_free(cs.v, TRUE);
	}
	g_free(mail);
}

static void
test_media_types(void)
{
	static const struct {
		const char *ctype;
		const char *want;
	} cases[] = {
		{ "application/tlsrpt+gzip", "application/tlsrpt+gzip" },
		{ "Application/TLSRPT+GZIP", "application/tlsrpt+gzip" },
		{ "application/gzip", "application/gzip" },
		{ "application/x-gzip", "application/x-gzip" },
		{ "application/octet-stream", "application/octet-stream" },
		{ "application/tlsrpt", "application/tlsrpt" },
		{ "application/json", "application/json" },
	};

	for (size_t i = 0; i < nitems(cases); i++) {
		struct run r;
		char *mail = google_mail(cases[i].ctype);
		char label[128];

		snprintf(label, sizeof(label), "media type %s", cases[i].ctype);
		run(&r, mail);
		expect_one_gzip(label, &r, "2", cases[i].want);
		run_free(&r);
		g_free(mail);
	}
}

static void
test_json_parts(void)
{
	struct run r;
	char *mail;

	mail = report_mail("Content-Type: application/tlsrpt+json\n"
			   "Content-Transfer-Encoding: 7bit\n",
	    JSON "\n");
	run(&r, mail);
	ok(r.rc == 0 && r.calls.v->len == 1 &&
		streq(nth(&r, 0)->ctype, "application/tlsrpt+json") &&
		nth(&r, 0)->len >= strlen(JSON) &&
		memcmp(nth(&r, 0)->data->data, JSON, strlen(JSON)) == 0 &&
		nth(&r, 0)->filename == NULL,
	    "tlsrpt+json, 7bit");
	run_free(&r);
	g_free(mail);

	/* quoted-printable: =3D, a soft line break and =22 for a quote */
	mail = report_mail("Content-Type: application/tlsrpt+json\n"
			   "Content-Transfer-Encoding: quoted-printable\n",
	    "{\"organization-name\":\"a=3Db\",\"report-id\":=\n"
	    "=22x=22}\n");
	run(&r, mail);
	ok(r.rc == 0 && r.calls.v->len == 1 &&
		nth(&r, 0)->len >= strlen(QP_WANT) &&
		memcmp(nth(&r, 0)->data->data, QP_WANT, strlen(QP_WANT)) == 0,
	    "tlsrpt+json, quoted-printable: %.*s",
	    nth(&r, 0) ? (int)nth(&r, 0)->len : 0,
	    nth(&r, 0) ? (char *)nth(&r, 0)->data->data : "");
	run_free(&r);
	{
		char *crlf = to_crlf(mail);

		run(&r, crlf);
		ok(r.rc == 0 && r.calls.v->len == 1 &&
			nth(&r, 0)->len >= strlen(QP_WANT) &&
			memcmp(nth(&r, 0)->data->data, QP_WANT,
			    strlen(QP_WANT)) == 0,
		    "tlsrpt+json, quoted-printable, CRLF");
		run_free(&r);
		g_free(crlf);
	}
	g_free(mail);

	/* x-uuencode */
	{
		char *uu = uuencode((const unsigned char *)JSON, strlen(JSON));

		mail = report_mail("Content-Type: application/tlsrpt+json\n"
				   "Content-Transfer-Encoding: x-uuencode\n",
		    uu);
		run(&r, mail);
		ok(r.rc == 0 && r.calls.v->len == 1 &&
			data_is(nth(&r, 0), JSON, strlen(JSON)),
		    "tlsrpt+json, x-uuencode: %s", r.err.msg);
		run_free(&r);
		g_free(mail);
		g_free(uu);
	}

	/* binary with a NUL in it: the bytes as they are */
	{
		static const char bin[] = "{\"a\":\"x\0y\"}\n";
		GString *m = g_string_new(NULL);
		char *hdr =
		    report_mail("Content-Type: application/tlsrpt+json\n"
				"Content-Transfer-Encoding: binary\n",
			"@@");
		char *at = strstr(hdr, "@@");

		g_string_append_len(m, hdr, at - hdr);
		g_string_append_len(m, bin, sizeof(bin) - 1);
		g_string_append(m, at + 2);
		memset(&r, 0, sizeof(r));
		{
			struct ti_limits lim;

			ti_limits_default(&lim);
			run_limits(&r, m->str, m->len, &lim, 0);
		}
		ok(r.rc == 0 && r.calls.v->len == 1 && nth(&r, 0)->len >= 11 &&
			memcmp(nth(&r, 0)->data->data, bin, 11) == 0,
		    "binary part with a NUL byte");
		run_free(&r);
		g_string_free(m, TRUE);
		g_free(hdr);
	}
}

static void
test_single_part(void)
{
	struct run r;
	GByteArray *z = gz(JSON);
	char *body = b64(z->data, z->len);
	char *mail;

	mail = g_strdup_printf("From: reports@example.net\n"
			       "Subject: Report Domain: example.com\n"
			       "Message-ID: <single@example.net>\n"
			       "MIME-Version: 1.0\n"
			       "Content-Type: application/tlsrpt+gzip\n"
			       "Content-Transfer-Encoding: base64\n"
			       "\n%s",
	    body);
	run(&r, mail);
	expect_one_gzip("single-part top-level report", &r, "1",
	    "application/tlsrpt+gzip");
	ok(r.info.report_type == NULL && r.info.parts_seen == 1 &&
		streq(r.info.message_id, "single@example.net"),
	    "single part: info");
	run_free(&r);
	g_free(mail);
	g_free(body);
	g_byte_array_free(z, TRUE);
}

/* multipart/mixed with one attachment part (headers given). */
static char *
mixed_mail(const char *part_headers, const char *body)
{
	return g_strdup_printf("From: a@example.org\n"
			       "Subject: fwd\n"
			       "MIME-Version: 1.0\n"
			       "Content-Type: multipart/mixed; boundary=mx\n"
			       "\n"
			       "preamble\n"
			       "--mx\n"
			       "Content-Type: text/plain\n"
			       "\n"
			       "see attached\n"
			       "--mx\n"
			       "%s"
			       "\n"
			       "%s"
			       "--mx--\n"
			       "epilogue\n",
	    part_headers, body);
}

static void
test_names(void)
{
	static const struct {
		const char *label;
		const char *headers;
		int want_calls;
		const char *want_ctype;
		const char *want_name;
		int want_by_name;
	} cases[] = {
		{ "octet-stream with a Google file name",
		    "Content-Type: application/octet-stream\n"
		    "Content-Disposition: attachment; filename=\"" GOOGLE_NAME
		    "\"\n",
		    1, "application/octet-stream", GOOGLE_NAME, 0 },
		{ "unknown type, .json.gz name",
		    "Content-Type: application/x-unknown\n"
		    "Content-Disposition: attachment; filename=\"r.JSON.GZ\"\n",
		    1, "application/x-unknown", "r.JSON.GZ", 1 },
		{ "Content-Type name= only",
		    "Content-Type: image/png; name=\"a.json.gz\"\n", 1,
		    "image/png", "a.json.gz", 1 },
		{ "RFC 2231 continuation",
		    "Content-Type: application/x-unknown\n"
		    "Content-Disposition: attachment;\n"
		    " filename*0*=UTF-8''google.com%21example.com%21;\n"
		    " filename*1=\"1700000000!1700086399!001.json.gz\"\n",
		    1, "application/x-unknown", GOOGLE_NAME, 1 },
		{ "RFC 2231 path traversal, returned raw",
		    "Content-Type: image/png\n"
		    "Content-Disposition: attachment;\n"
		    " filename*0*=UTF-8''..%2F..%2Fetc%2F;\n"
		    " filename*1=\"x.json.gz\"\n",
		    1, "image/png", "../../etc/x.json.gz", 1 },
		{ "no Content-Type, .json.gz name",
		    "Content-Disposition: attachment; filename=r.json.gz\n", 1,
		    "text/plain", "r.json.gz", 1 },
		{ "text/plain named .json",
		    "Content-Type: text/plain; name=\"report.json\"\n", 1,
		    "text/plain", "report.json", 1 },
		{ "text/plain named .json.gz.exe is not a candidate",
		    "Content-Type: text/plain\n"
		    "Content-Disposition: attachment; "
		    "filename=\"r.json.gz.exe\"\n",
		    0, NULL, NULL, 0 },
		{ "text/plain with gzip magic is not a candidate",
		    "Content-Type: text/plain\n", 0, NULL, NULL, 0 },
		{ "application/pdf with gzip magic is (by magic)",
		    "Content-Type: application/pdf\n", 1, "application/pdf",
		    NULL, 0 },
		{ "Application/PDF, name x.pdf, gzip magic",
		    "Content-Type: Application/PDF; name=x.pdf\n", 1,
		    "application/pdf", "x.pdf", 0 },
	};
	GByteArray *z = gz(JSON);
	char *body = b64(z->data, z->len);

	for (size_t i = 0; i < nitems(cases); i++) {
		struct run r;
		char *hdr = g_strconcat(cases[i].headers,
		    "Content-Transfer-Encoding: base64\n", NULL);
		char *mail = mixed_mail(hdr, body);
		struct call *c;

		run(&r, mail);
		c = nth(&r, 0);
		if (cases[i].want_calls == 0)
			ok(r.rc == 0 && r.calls.v->len == 0 &&
				r.info.parts_seen == 2,
			    "%s: %u calls", cases[i].label, r.calls.v->len);
		else
			ok(r.rc == 0 && r.calls.v->len == 1 &&
				streq(c->path, "2") &&
				streq(c->ctype, cases[i].want_ctype) &&
				(cases[i].want_name == NULL
					? c->filename == NULL
					: streq(c->filename,
					      cases[i].want_name)) &&
				c->by_name == cases[i].want_by_name &&
				data_is(c, z->data, z->len),
			    "%s: calls %u ctype %s name %s by_name %d",
			    cases[i].label, r.calls.v->len, c ? c->ctype : "-",
			    c ? c->filename : "-", c ? c->by_name : -1);
		run_free(&r);
		g_free(mail);
		g_free(hdr);
	}

	/* a non-text part that is not gzip is no candidate */
	{
		struct run r;
		char *pdf = b64("%PDF-1.4 hello", 14);
		char *mail = mixed_mail("Content-Type: application/pdf\n"
					"Content-Transfer-Encoding: base64\n",
		    pdf);

		run(&r, mail);
		ok(r.rc == 0 && r.calls.v->len == 0,
		    "application/pdf without gzip magic: no call");
		run_free(&r);
		g_free(mail);
		g_free(pdf);
	}
	g_free(body);
	g_byte_array_free(z, TRUE);
}

/* mail wrapped as message/rfc822 inside a multipart/mixed forward */
static char *
forward(const char *inner, const char *boundary)
{
	return g_strdup_printf("From: forwarder@example.org\n"
			       "Subject: Fwd: report\n"
			       "Message-ID: <fwd-%s@example.org>\n"
			       "MIME-Version: 1.0\n"
			       "Content-Type: multipart/mixed; boundary=%s\n"
			       "\n"
			       "--%s\n"
			       "Content-Type: text/plain\n"
			       "\n"
			       "forwarded\n"
			       "--%s\n"
			       "Content-Type: message/rfc822\n"
			       "\n"
			       "%s"
			       "--%s--\n",
	    boundary, boundary, boundary, boundary, inner, boundary);
}

static void
test_forward(void)
{
	struct run r;
	char *mail = google_mail("application/tlsrpt+gzip");
	char *fwd1 = forward(mail, "f1");
	char *fwd2 = forward(fwd1, "f2");
	char *top;

	run(&r, fwd1);
	expect_one_gzip("forwarded report (message/rfc822)", &r, "2.2",
	    "application/tlsrpt+gzip");
	ok(streq(r.info.message_id, "fwd-f1@example.org") &&
		r.info.tls_report_domain == NULL && r.info.report_type == NULL,
	    "forward: info is the forwarder's");
	ok(r.info.parts_seen == 3, "forward: parts_seen %zu",
	    r.info.parts_seen);
	run_free(&r);

	run(&r, fwd2);
	expect_one_gzip("forwarded twice", &r, "2.2.2",
	    "application/tlsrpt+gzip");
	run_free(&r);

	top = g_strdup_printf("From: f@example.org\n"
			      "MIME-Version: 1.0\n"
			      "Content-Type: message/rfc822\n"
			      "\n%s",
	    mail);
	run(&r, top);
	expect_one_gzip("top-level message/rfc822", &r, "1.2",
	    "application/tlsrpt+gzip");
	run_free(&r);
	g_free(top);

	/* a forwarded single-part report: the inner body is "2.1" */
	{
		GByteArray *z = gz(JSON);
		char *body = b64(z->data, z->len);
		char *inner = g_strdup_printf("From: r@example.net\n"
					      "Content-Type: application/gzip\n"
					      "Content-Transfer-Encoding: "
					      "base64\n"
					      "\n%s",
		    body);
		char *f = forward(inner, "f3");

		run(&r, f);
		expect_one_gzip("forwarded single part", &r, "2.1",
		    "application/gzip");
		run_free(&r);
		g_free(f);
		g_free(inner);
		g_free(body);
		g_byte_array_free(z, TRUE);
	}
	g_free(fwd2);
	g_free(fwd1);
	g_free(mail);
}

static void
test_two_reports(void)
{
	struct run r;
	struct ti_limits lim;
	GByteArray *z = gz(JSON);
	char *body = b64(z->data, z->len);
	char *mail;

	mail = g_strdup_printf(
	    "From: a@example.org\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; boundary=B\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "two\n"
	    "--B\n"
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n%s"
	    "--B\n"
	    "Content-Type: application/tlsrpt+json\n"
	    "\n" JSON "\n"
	    "--B--\n",
	    body);
	run(&r, mail);
	ok(r.rc == 0 && r.calls.v->len == 2 && streq(nth(&r, 0)->path, "2") &&
		streq(nth(&r, 1)->path, "3") &&
		data_is(nth(&r, 0), z->data, z->len) &&
		streq(nth(&r, 1)->ctype, "application/tlsrpt+json"),
	    "two reports: two calls, paths 2 and 3");
	run_free(&r);

	ti_limits_default(&lim);
	run_limits(&r, mail, strlen(mail), &lim, 1);
	ok(r.rc == 7 && r.calls.v->len == 1 && r.err.status == TI_OK,
	    "callback returning 7 stops the walk: rc %d calls %u", r.rc,
	    r.calls.v->len);
	run_free(&r);
	g_free(mail);
	g_free(body);
	g_byte_array_free(z, TRUE);
}

static char *
dsn_mail(const char *report_type)
{
	char *report = google_mail("application/tlsrpt+gzip");
	char *mail;

	mail = g_strdup_printf("From: MAILER-DAEMON@example.org\n"
			       "Subject: Undelivered Mail Returned to Sender\n"
			       "MIME-Version: 1.0\n"
			       "Content-Type: multipart/report; "
			       "report-type=%s;\n"
			       "\tboundary=\"dsn\"\n"
			       "\n"
			       "--dsn\n"
			       "Content-Type: text/plain\n"
			       "\n"
			       "bounced\n"
			       "--dsn\n"
			       "Content-Type: message/delivery-status\n"
			       "\n"
			       "Reporting-MTA: dns; mx.example.org\n"
			       "\n"
			       "Final-Recipient: rfc822; tlsrpt@example.com\n"
			       "Action: failed\n"
			       "Status: 5.1.1\n"
			       "--dsn\n"
			       "Content-Type: message/rfc822\n"
			       "\n"
			       "%s"
			       "--dsn--\n",
	    report_type, report);
	g_free(report);
	return mail;
}

static void
test_dsn(void)
{
	static const char *types[] = { "delivery-status", "Delivery-Status",
		"disposition-notification", "\"DISPOSITION-NOTIFICATION\"" };

	for (size_t i = 0; i < nitems(types); i++) {
		struct run r;
		char *mail = dsn_mail(types[i]);

		run(&r, mail);
		ok(r.rc == 0 && r.calls.v->len == 0 && r.info.is_dsn == 1 &&
			r.info.report_type != NULL &&
			g_ascii_strcasecmp(r.info.report_type,
			    "delivery-status") *
				g_ascii_strcasecmp(r.info.report_type,
				    "disposition-notification") ==
			    0,
		    "DSN report-type=%s: no call, is_dsn, report_type %s",
		    types[i], r.info.report_type);
		run_free(&r);
		g_free(mail);
	}

	/* a DSN forwarded to us is not walked either */
	{
		struct run r;
		char *dsn = dsn_mail("delivery-status");
		char *fwd = forward(dsn, "fd");

		run(&r, fwd);
		ok(r.rc == 0 && r.calls.v->len == 0 && r.info.is_dsn == 0,
		    "forwarded DSN: not walked");
		run_free(&r);
		g_free(fwd);
		g_free(dsn);
	}
}

static void
test_not_mail(void)
{
	static const struct {
		const char *label;
		const char *data;
		size_t len;
	} cases[] = {
#define S(text) text, sizeof(text) - 1
		{ "empty", S("") },
		{ "binary garbage",
		    S("\x1f\x8b\x08\x00\xff\xfe\x00\x01\x02garbage") },
		{ "a From_ line only", S("From x@y Mon Jan  1 00:00:00 2024") },
		{ "a From_ line and LF only",
		    S("From x@y Mon Jan  1 00:00:00 2024\n") },
		{ "NUL bytes", S("\0\0\0\0\0\0\0\0") },
		{ "a blank line", S("\n") },
#undef S
	};
	struct ti_limits lim;

	ti_limits_default(&lim);
	for (size_t i = 0; i < nitems(cases); i++) {
		struct run r;

		run_limits(&r, cases[i].data, cases[i].len, &lim, 0);
		ok(r.rc == -1 && r.err.status == TI_E_INPUT &&
			strstr(r.err.msg, "not a mail") != NULL &&
			r.calls.v->len == 0,
		    "%s: %s", cases[i].label, r.err.msg);
		run_free(&r);
	}
	{
		struct ti_err err = { 0 };

		ok(mime_each_report(NULL, 0, &lim, collect, NULL, NULL, &err) ==
			    -1 &&
			err.status == TI_E_INPUT,
		    "NULL input");
	}

	/* a text-only mail is a mail, with nothing in it for us */
	{
		struct run r;

		run(&r, "From: a@b\nSubject: hi\n\nhello\n");
		ok(r.rc == 0 && r.calls.v->len == 0 && r.info.parts_seen == 1,
		    "text-only mail: no candidates");
		run_free(&r);
		run(&r, "From: a@b\nSubject: headers only\n");
		ok(r.rc == 0 && r.calls.v->len == 0,
		    "headers-only mail: no candidates, no error");
		run_free(&r);
		/* the fields left out before GMime parses still make it a
		   mail (it was "not a mail" when they were all trimmed) */
		run(&r,
		    "Received: from mx.example.net\n"
		    "Content-Type: text/plain\n\n");
		ok(r.rc == 0 && r.calls.v->len == 0,
		    "only a trimmed field and an empty body: a mail (%s)",
		    r.err.msg);
		run_free(&r);
		run(&r, "Content-Type: text/plain\n\n");
		ok(r.rc == -1 && strstr(r.err.msg, "not a mail") != NULL,
		    "only Content-Type and an empty body: not a mail");
		run_free(&r);
	}

	/* GMimeMessage reads the last Message-ID; so do we */
	{
		struct run r;

		run(&r,
		    "Message-ID: <first@example.net>\n"
		    "Received: from mx.example.net\n"
		    "Message-ID: < last@example.net >\n"
		    "Content-Type: text/plain\n\nhello\n");
		ok(r.rc == 0 && streq(r.info.message_id, "last@example.net"),
		    "two Message-IDs: the last (%s)", r.info.message_id);
		run_free(&r);
	}
}

/* depth multipart/mixed levels around one gzip part */
static char *
nested(int depth)
{
	GByteArray *z = gz(JSON);
	char *body = b64(z->data, z->len);
	GString *s = g_string_new("From: n@example.org\nMIME-Version: 1.0\n");

	for (int i = 0; i < depth; i++)
		g_string_append_printf(s,
		    "Content-Type: multipart/mixed; boundary=n%d\n\n--n%d\n", i,
		    i);
	g_string_append_printf(s,
	    "Content-Type: application/tlsrpt+gzip\n"
	    "Content-Transfer-Encoding: base64\n\n%s",
	    body);
	for (int i = depth - 1; i >= 0; i--)
		g_string_append_printf(s, "--n%d--\n", i);
	g_free(body);
	g_byte_array_free(z, TRUE);
	return g_string_free(s, FALSE);
}

static void
test_limits(void)
{
	struct ti_limits lim;
	struct run r;
	char *mail;

	ti_limits_default(&lim);
	lim.mime_depth = 4;
	mail = nested(4);
	run_limits(&r, mail, strlen(mail), &lim, 0);
	ok(r.rc == 0 && r.calls.v->len == 1 &&
		streq(nth(&r, 0)->path, "1.1.1.1"),
	    "nesting at the depth limit: path %s",
	    nth(&r, 0) ? nth(&r, 0)->path : "-");
	run_free(&r);
	g_free(mail);
	mail = nested(5);
	run_limits(&r, mail, strlen(mail), &lim, 0);
	ok(r.rc == -1 && r.err.status == TI_E_LIMIT &&
		strstr(r.err.msg, "mime-depth") != NULL && r.calls.v->len == 0,
	    "nesting one deeper than the limit: %s", r.err.msg);
	run_free(&r);
	g_free(mail);

	/* forwards count as levels too: 2 forwards = 4 levels here */
	{
		char *rep = google_mail("application/tlsrpt+gzip");
		char *f1 = forward(rep, "l1");
		char *f2 = forward(f1, "l2");

		lim.mime_depth = 4;
		run_limits(&r, f2, strlen(f2), &lim, 0);
		ok(r.rc == -1 && r.err.status == TI_E_LIMIT,
		    "forward nesting over the limit: %s", r.err.msg);
		run_free(&r);
		lim.mime_depth = 5;
		run_limits(&r, f2, strlen(f2), &lim, 0);
		ok(r.rc == 0 && r.calls.v->len == 1,
		    "forward nesting at the limit");
		run_free(&r);
		g_free(f2);
		g_free(f1);
		g_free(rep);
	}

	/* very deep trees stop at the default limit, without a crash */
	ti_limits_default(&lim);
	mail = nested(3000);
	run_limits(&r, mail, strlen(mail), &lim, 0);
	ok(r.rc == -1 && r.err.status == TI_E_LIMIT,
	    "3000 nested multiparts: %s", r.err.msg);
	run_free(&r);
	g_free(mail);

	/* parts: 2 reports, then 4 more leaves; at most 3 leaves looked at */
	{
		GString *s = g_string_new("From: p@example.org\n"
					  "MIME-Version: 1.0\n"
					  "Content-Type: multipart/mixed; "
					  "boundary=P\n\n");

		for (int i = 0; i < 6; i++)
			g_string_append_printf(s,
			    "--P\nContent-Type: %s\n\n%s\n",
			    i < 2 ? "application/tlsrpt+json" : "text/plain",
			    i < 2 ? JSON : "text");
		g_string_append(s, "--P--\n");
		ti_limits_default(&lim);
		lim.mime_parts = 3;
		run_limits(&r, s->str, s->len, &lim, 0);
		ok(r.rc == -1 && r.err.status == TI_E_LIMIT &&
			strstr(r.err.msg, "mime-parts") != NULL &&
			r.calls.v->len == 2 && r.info.parts_seen == 3,
		    "more leaves than mime_parts: %s; %u calls before",
		    r.err.msg, r.calls.v->len);
		run_free(&r);
		lim.mime_parts = 6;
		run_limits(&r, s->str, s->len, &lim, 0);
		ok(r.rc == 0 && r.calls.v->len == 2 && r.info.parts_seen == 6,
		    "leaves at the mime_parts limit");
		run_free(&r);
		g_string_free(s, TRUE);
	}

	/* attachment size: over the limit comes with data NULL */
	{
		GByteArray *z = gz(JSON);
		char *mail2 = google_mail("application/tlsrpt+gzip");
		char *pdf, *body;

		ti_limits_default(&lim);
		lim.attachment_size = z->len;
		run_limits(&r, mail2, strlen(mail2), &lim, 0);
		ok(r.rc == 0 && r.calls.v->len == 1 &&
			data_is(nth(&r, 0), z->data, z->len),
		    "attachment exactly at attachment_size");
		run_free(&r);
		lim.attachment_size = z->len - 1;
		run_limits(&r, mail2, strlen(mail2), &lim, 0);
		ok(r.rc == 0 && r.calls.v->len == 1 &&
			nth(&r, 0)->data_null == 1 && nth(&r, 0)->len == z->len,
		    "attachment over attachment_size: data NULL, len %zu",
		    nth(&r, 0) ? nth(&r, 0)->len : 0);
		run_free(&r);

		/* the same for a part found by its magic bytes */
		body = b64(z->data, z->len);
		pdf = mixed_mail("Content-Type: application/pdf\n"
				 "Content-Transfer-Encoding: base64\n",
		    body);
		lim.attachment_size = 10;
		run_limits(&r, pdf, strlen(pdf), &lim, 0);
		ok(r.rc == 0 && r.calls.v->len == 1 &&
			nth(&r, 0)->data_null == 1 && nth(&r, 0)->len == z->len,
		    "sniffed part over attachment_size: data NULL");
		run_free(&r);
		g_free(pdf);
		g_free(body);
		g_free(mail2);
		g_byte_array_free(z, TRUE);
	}
}

static void
test_empty_part(void)
{
	struct run r;
	char *mail;

	mail = report_mail("Content-Type: application/tlsrpt+gzip\n"
			   "Content-Transfer-Encoding: base64\n",
	    "");
	run(&r, mail);
	ok(r.rc == 0 && r.calls.v->len == 1 && nth(&r, 0)->len == 0 &&
		nth(&r, 0)->data_null == 0,
	    "empty attachment: one call, len 0, data not NULL");
	run_free(&r);
	g_free(mail);

	mail = report_mail("Content-Type: application/tlsrpt+gzip\n"
			   "Content-Transfer-Encoding: base64\n",
	    "!!!!\n");
	run(&r, mail);
	ok(r.rc == 0 && r.calls.v->len == 1 && nth(&r, 0)->len == 0,
	    "base64 that decodes to nothing: len 0");
	run_free(&r);
	g_free(mail);

	/* an unterminated multipart: GMime copes, we still find the part */
	{
		GByteArray *z = gz(JSON);
		char *body = b64(z->data, z->len);
		char *full = google_mail("application/tlsrpt+gzip");
		char *end = strstr(full, "--b1--");

		*end = '\0';
		run(&r, full);
		expect_one_gzip("closing boundary missing", &r, "2",
		    "application/tlsrpt+gzip");
		run_free(&r);
		g_free(full);
		g_free(body);
		g_byte_array_free(z, TRUE);
	}
}

/* Point stderr at a file in a fresh directory; return the old fd. */
static int
stderr_capture(char *dir, size_t dirlen, char *file, size_t filelen)
{
	const char *tmp = getenv("TMPDIR");
	int fd, old;

	snprintf(dir, dirlen, "%s/test-mime.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(file, filelen, "%s/stderr", dir);
	if ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	fflush(stderr);
	old = dup(2);
	dup2(fd, 2);
	close(fd);
	return old;
}

/* The file names that make a part a report candidate. */
static void
test_report_name(void)
{
	static const struct {
		const char *name;
		int want;
	} names[] = {
		{ "google.com!example.com!1!2!001.json.gz", 1 },
		{ "x.JSON.GZ", 1 },
		{ "x.json", 1 },
		{ ".json", 1 },
		{ "x.json.gz.exe", 0 },
		{ "x.xml.gz", 0 },
		{ "json", 0 },
		{ "", 0 },
		{ NULL, 0 },
	};

	for (size_t i = 0; i < nitems(names); i++)
		ok(mime_report_name(names[i].name) == names[i].want,
		    "report file name \"%s\": %d",
		    names[i].name != NULL ? names[i].name : "(null)",
		    names[i].want);
}

int
main(void)
{
	char dir[1024], file[1100];
	struct stat st;
	int old;

	mime_init();
	test_report_name();
	mime_init(); /* idempotent */
	/* TEST_MIME_STDERR=1 leaves stderr alone (to see sanitizer output) */
	old = getenv("TEST_MIME_STDERR") != NULL
	    ? -2
	    : stderr_capture(dir, sizeof(dir), file, sizeof(file));
	test_google();
	test_media_types();
	test_json_parts();
	test_single_part();
	test_names();
	test_forward();
	test_two_reports();
	test_dsn();
	test_not_mail();
	test_limits();
	test_empty_part();
	if (old == -2) {
		/* not captured */
	} else if (old != -1) {
		fflush(stderr);
		dup2(old, 2);
		close(old);
		memset(&st, 0, sizeof(st));
		if (stat(file, &st) == -1)
			st.st_size = -1;
		ok(st.st_size == 0, "nothing written to stderr (%lld bytes)",
		    (long long)st.st_size);
		unlink(file);
		rmdir(dir);
	} else
		ok(0, "could not capture stderr");
	mime_shutdown();
	mime_shutdown(); /* idempotent */
	return done_testing();
}
