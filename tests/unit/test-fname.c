/*
 * test-fname.c: the RFC 8460 §5.1 file name grammar (report_fname_parse)
 * and its comparison with a decoded report (report_check_fname).
 * The names follow the shapes senders use (doc/rfc8460.md, '7. Real
 * senders'); none is copied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "tap.h"

struct row {
	const char *name;
	int ok;
	const char *sender, *domain;
	int64_t begin, end;
	const char *uid;
	int gzip;
};

#define BAD(n)                    \
 {                                \
  n, 0, NULL, NULL, 0, 0, NULL, 0 \
 }

static const struct row rows[] = {
	/* Google: epoch seconds, inclusive end, unique-id 001 */
	{ "bigmail.example!example.org!1709596800!1709683199!001.json.gz", 1,
	    "bigmail.example", "example.org", 1709596800, 1709683199, "001",
	    1 },
	/* Microsoft: an 18-digit FILETIME unique-id */
	{ "largecorp.example!example.org!1673308800!1673395199!"
	  "133200000000000001.json.gz",
	    1, "largecorp.example", "example.org", 1673308800, 1673395199,
	    "133200000000000001", 1 },
	/* sys4 / Postfix: idx number */
	{ "small.example!other.example!1758326400!1758412799!1.json.gz", 1,
	    "small.example", "other.example", 1758326400, 1758412799, "1", 1 },
	/* no unique-id, plain JSON */
	{ "a.example!b.example!0!86399.json", 1, "a.example", "b.example", 0,
	    86399, NULL, 0 },
	{ "a.example!b.example!1!2!x.json", 1, "a.example", "b.example", 1, 2,
	    "x", 0 },
	/* extension case-insensitive */
	{ "a.example!b.example!1!2!X1.JSON.GZ", 1, "a.example", "b.example", 1,
	    2, "X1", 1 },
	{ "A.Example!B-2_x.example!1!2.Json", 1, "A.Example", "B-2_x.example",
	    1, 2, NULL, 0 },
	/* ISO 8601 date-times (lenient; no sender seen doing it) */
	{ "a.example!b.example!2024-03-05T00:00:00Z!2024-03-05T23:59:59Z"
	  ".json.gz",
	    1, "a.example", "b.example", 1709596800, 1709683199, NULL, 1 },
	{ "a.example!b.example!2024-03-05T02:00:00+02:00!"
	  "2024-03-05T23:59:59.5Z!7.json",
	    1, "a.example", "b.example", 1709596800, 1709683199, "7", 0 },
	{ "a.example!b.example!20240305T000000Z!20240305T235959Z.json.gz", 1,
	    "a.example", "b.example", 1709596800, 1709683199, NULL, 1 },
	{ "a.example!b.example!20240305T020000+0200!20240305T235959.json", 1,
	    "a.example", "b.example", 1709596800, 1709683199, NULL, 0 },
	/* 19 digits that fit int64_t */
	{ "a.example!b.example!9223372036854775807!1.json", 1, "a.example",
	    "b.example", INT64_MAX, 1, NULL, 0 },
	/* begin after end still parses; the check notes it */
	{ "a.example!b.example!200!100.json", 1, "a.example", "b.example", 200,
	    100, NULL, 0 },

	/* rejected */
	BAD("a.example!b.example!9223372036854775808!1.json"),
	BAD("a.example!b.example!1234567890123456789012345!1.json"),
	BAD("a.example!b.example!1!2!3!4.json.gz"),
	BAD("a.example!b.example!1.json.gz"),
	BAD("!b.example!1!2.json.gz"),
	BAD("a.example!!1!2.json.gz"),
	BAD("a.example!b.example!!2.json.gz"),
	BAD("a.example!b.example!1!.json.gz"),
	BAD("a.example!b.example!1!2!.json.gz"),
	BAD("a.example!b.example!1!2!00-1.json.gz"),
	BAD("a.example!b.example!-1!2.json.gz"),
	BAD("a.example!b.example!+1!2.json.gz"),
	BAD("a.example!b.example! 1!2.json.gz"),
	BAD("a.example!b.example!0x10!2.json.gz"),
	BAD("a.example!b.example!1!2.json.gz.exe"),
	BAD("a.example!b.example!1!2.gz"),
	BAD("a.example!b.example!1!2.xml.gz"),
	BAD("a.example!b.example!1!2"),
	BAD("a.example!b.example!1!2.json.gz "),
	BAD("../../etc/passwd.json.gz"),
	BAD("../..!etc!1!2.json.gz"),
	BAD("a/b.example!c.example!1!2.json"),
	BAD("a\\b.example!c.example!1!2.json"),
	BAD(".a.example!b.example!1!2.json"),
	BAD("a..example!b.example!1!2.json"),
	BAD("a.example.!b.example!1!2.json"),
	BAD("a.example!b.example\r\n!1!2.json"),
	BAD("a.example!b\xc3\xa9.example!1!2.json"),
	BAD("a.example!b.example!2024-02-30T00:00:00Z!2.json"),
	BAD("a.example!b.example!20240230T000000Z!2.json"),
	BAD("a.example!b.example!2024-03-05!2.json"),
	{ "a.example!b.example!20240305!20240306.json", 1, "a.example",
	    "b.example", 20240305, 20240306, NULL, 0 },
	BAD(".json.gz"),
	BAD(".json"),
	BAD(""),
};

static void
test_parse(void)
{
	struct report_fname f;
	const struct row *t;
	char *shown;
	size_t i;
	int rc;

	for (i = 0; i < nitems(rows); i++) {
		t = &rows[i];
		memset(&f, 0xa5, sizeof(f));
		rc = report_fname_parse(t->name, &f);
		shown = g_strescape(t->name, NULL); /* TAP: one line */
		if (!t->ok) {
			ok(rc == -1 && f.sender == NULL &&
				f.policy_domain == NULL && f.unique_id == NULL,
			    "reject \"%s\"", shown);
			report_fname_clear(&f);
			g_free(shown);
			continue;
		}
		ok(rc == 0 && strcmp(f.sender, t->sender) == 0 &&
			strcmp(f.policy_domain, t->domain) == 0 &&
			f.begin == t->begin && f.end == t->end &&
			(t->uid == NULL ? f.unique_id == NULL
					: f.unique_id != NULL &&
				    strcmp(f.unique_id, t->uid) == 0) &&
			f.gzip == t->gzip,
		    "parse \"%s\"", shown);
		report_fname_clear(&f);
		ok(f.sender == NULL && f.policy_domain == NULL &&
			f.unique_id == NULL,
		    "clear \"%s\"", shown);
		g_free(shown);
	}
}

static void
test_limits(void)
{
	struct report_fname f;
	GString *s = g_string_new(NULL);

	/* 1024 bytes exactly: fine; 1025: rejected */
	g_string_append(s, "a.example!");
	while (s->len < 1024 - strlen("!1!2.json"))
		g_string_append_c(s, 'b');
	g_string_append(s, "!1!2.json");
	ok(s->len == 1024 && report_fname_parse(s->str, &f) == -1,
	    "1024-byte name with a 1000-byte domain rejected (domain > 255)");
	report_fname_clear(&f);
	g_string_truncate(s, 0);
	g_string_append(s, "a.example!b.example!1!2!");
	while (s->len < 1024 - strlen(".json"))
		g_string_append_c(s, '7');
	g_string_append(s, ".json");
	ok(s->len == 1024 && report_fname_parse(s->str, &f) == 0,
	    "1024-byte name accepted");
	report_fname_clear(&f);
	g_string_insert_c(s, 30, '7');
	ok(s->len == 1025 && report_fname_parse(s->str, &f) == -1,
	    "1025-byte name rejected");
	report_fname_clear(&f);
	ok(report_fname_parse(NULL, &f) == -1, "NULL name rejected");
	report_fname_clear(NULL);
	g_string_free(s, TRUE);
}

#define REPORT(org, contact, start, end, pols)                      \
 "{\"organization-name\":\"" org "\"," contact                      \
 "\"report-id\":\"r1\",\"date-range\":{\"start-datetime\":\"" start \
 "\",\"end-datetime\":\"" end "\"},\"policies\":[" pols "]}"
#define POL(type, dom)                                                \
 "{\"policy\":{\"policy-type\":\"" type "\",\"policy-domain\":\"" dom \
 "\",\"policy-string\":[\"x\"],\"mx-host\":[\"mx\"]},\"summary\":{"   \
 "\"total-successful-session-count\":1,"                              \
 "\"total-failure-session-count\":0}}"
#define CONTACT(a) "\"contact-info\":\"" a "\","
#define DAY_S "2024-03-05T00:00:00Z"
#define DAY_E "2024-03-05T23:59:59Z"

static const struct {
	const char *what;
	const char *json;
	const char *fname;
	size_t mismatches;
	const char *needle; /* in some mismatch detail */
} checks[] = {
	{ "all agree",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "example.org")),
	    "bigmail.example!example.org!1709596800!1709683199!001.json.gz", 0,
	    NULL },
	{ "case and trailing dot ignored",
	    REPORT("Org", CONTACT("tls@BigMail.Example"), DAY_S, DAY_E,
		POL("sts", "example.org.")),
	    "bigmail.example!EXAMPLE.org!1709596800!1709683199.json.gz", 0,
	    NULL },
	{ "exclusive end vs inclusive name: 1 s is fine",
	    REPORT("Org", CONTACT("tls@bigmail.example"),
		"2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z",
		POL("sts", "example.org")),
	    "bigmail.example!example.org!1709596800!1709683199.json", 0, NULL },
	{ "policy-domain differs",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "example.org")),
	    "bigmail.example!example.net!1709596800!1709683199.json.gz", 1,
	    "example.net" },
	{ "tlsa MX domain loses to the sts domain",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("tlsa", "mx.example.org") "," POL("sts", "example.org")),
	    "bigmail.example!example.org!1709596800!1709683199.json.gz", 0,
	    NULL },
	{ "begin differs",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "example.org")),
	    "bigmail.example!example.org!1709510400!1709683199.json.gz", 1,
	    "begin 1709510400" },
	{ "end differs by 2 s",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "example.org")),
	    "bigmail.example!example.org!1709596800!1709683201.json.gz", 1,
	    "end 1709683201" },
	{ "begin after end",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "example.org")),
	    "bigmail.example!example.org!1709683199!1709596800.json.gz", 3,
	    "is after its end" },
	{ "sender is an MTA host, not the contact domain (RFC example)",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "example.org")),
	    "mta1.bigmail.example!example.org!1709596800!1709683199.json", 1,
	    "contact-info domain \"bigmail.example\"" },
	{ "no contact-info: sender not compared",
	    REPORT("Org", "", DAY_S, DAY_E, POL("sts", "example.org")),
	    "whoever.example!example.org!1709596800!1709683199.json", 0, NULL },
	{ "no policy-domain: domain not compared",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		"{\"policy\":{\"policy-type\":\"no-policy-found\"},"
		"\"summary\":{\"total-successful-session-count\":1,"
		"\"total-failure-session-count\":0}}"),
	    "bigmail.example!example.org!1709596800!1709683199.json", 0, NULL },
	{ "hostile report domain is escaped in the detail",
	    REPORT("Org", CONTACT("tls@bigmail.example"), DAY_S, DAY_E,
		POL("sts", "ex\\u001bample.org")),
	    "bigmail.example!example.org!1709596800!1709683199.json", 1,
	    "ex\\033ample.org" },
};

static void
test_check(void)
{
	struct report_fname f;
	struct ti_err err = { 0 };
	struct report *r;
	size_t i, j, n, before;
	int found;

	for (i = 0; i < nitems(checks); i++) {
		r = NULL;
		ti_err_clear(&err);
		if (report_decode((const unsigned char *)checks[i].json,
			strlen(checks[i].json), NULL, &r, &err) == -1 ||
		    report_fname_parse(checks[i].fname, &f) == -1) {
			ok(0, "check: %s: fixture (%s)", checks[i].what,
			    err.msg);
			report_free(r);
			continue;
		}
		before = r->n_deviations;
		report_check_fname(r, &f);
		n = 0;
		found = checks[i].needle == NULL;
		for (j = before; j < r->n_deviations; j++) {
			if (strcmp(r->deviations[j].code,
				"filename-mismatch") == 0)
				n++;
			if (checks[i].needle != NULL &&
			    strstr(r->deviations[j].detail, checks[i].needle) !=
				NULL)
				found = 1;
		}
		if (!ok(n == checks[i].mismatches && found &&
			    n == r->n_deviations - before,
			"check: %s", checks[i].what))
			for (j = before; j < r->n_deviations; j++)
				diag("  %s: %s", r->deviations[j].code,
				    r->deviations[j].detail);
		report_fname_clear(&f);
		report_free(r);
	}
}

int
main(void)
{
	test_parse();
	test_limits();
	test_check();
	return done_testing();
}
