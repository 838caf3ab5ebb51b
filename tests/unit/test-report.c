/*
 * test-report.c: report_decode() against RFC 8460 §4 and against what
 * real senders send (doc/rfc8460.md, '7. Real senders'; doc/hostile-input.md,
 * '3. JSON', items 25-44).  Every fixture is
 * written here by hand, shaped after a sender's habits, never copied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "tap.h"

/* Building blocks of hand-made reports. */
#define ORG "\"organization-name\":\"Example Org\""
#define CONTACT "\"contact-info\":\"tls-reports@example.net\""
#define RID "\"report-id\":\"r-0001\""
#define HEAD ORG "," CONTACT "," RID
#define DATES(s, e) \
 "\"date-range\":{\"start-datetime\":\"" s "\",\"end-datetime\":\"" e "\"}"
#define DR DATES("2024-03-05T00:00:00Z", "2024-03-05T23:59:59Z")
#define SUMMARY(ok, bad)                               \
 "\"summary\":{\"total-successful-session-count\":" ok \
 ",\"total-failure-session-count\":" bad "}"
#define STSPOL                                                  \
 "\"policy\":{\"policy-type\":\"sts\",\"policy-string\":["      \
 "\"version: STSv1\",\"mode: enforce\",\"mx: mx.example.org\"," \
 "\"max_age: 604800\"],\"policy-domain\":\"example.org\","      \
 "\"mx-host\":[\"mx.example.org\"]}"
#define STS(ok, bad) "{" STSPOL "," SUMMARY(ok, bad) "}"
#define REPORT(pols) "{" HEAD "," DR ",\"policies\":[" pols "]}"
#define REPORT_D(s, e) \
 "{" HEAD "," DATES(s, e) ",\"policies\":[" STS("7", "0") "]}"
#define REPORT_WITH(head) "{" head "," DR ",\"policies\":[" STS("7", "0") "]}"
#define MINIMAL REPORT(STS("7", "0"))
#define FD_OK(n)                                 \
 "{\"result-type\":\"certificate-expired\","     \
 "\"sending-mta-ip\":\"192.0.2.1\","             \
 "\"receiving-mx-hostname\":\"mx.example.org\"," \
 "\"failed-session-count\":" n "}"
#define STS_FD(ok, bad, fds) \
 "{" STSPOL "," SUMMARY(ok, bad) ",\"failure-details\":[" fds "]}"

/* Limit profiles for the table. */
enum lim { L_DEF, L_SMALL };

static void
set_limits(struct ti_limits *l, enum lim which)
{
	ti_limits_default(l);
	if (which == L_SMALL) {
		l->string_length = 24;
		l->policies = 2;
		l->failure_details = 3;
		l->json_depth = 8;
		l->gunzip_size = 4096;
	}
}

static const struct deviation *
find_dev(const struct report *r, const char *code)
{
	size_t i;

	for (i = 0; i < r->n_deviations; i++)
		if (strcmp(r->deviations[i].code, code) == 0)
			return &r->deviations[i];
	return NULL;
}

static void
dump_devs(const struct report *r)
{
	size_t i;

	for (i = 0; i < r->n_deviations; i++)
		diag("  deviation %s: %s", r->deviations[i].code,
		    r->deviations[i].detail);
}

static struct report *
decode(const char *json, enum lim which, struct ti_err *err)
{
	struct ti_limits lim;
	struct report *r = (struct report *)1;

	set_limits(&lim, which);
	ti_err_clear(err);
	if (report_decode((const unsigned char *)json, strlen(json), &lim, &r,
		err) == -1) {
		if (r != NULL)
			ok(0, "*out left non-NULL after an error");
		return NULL;
	}
	return r;
}

/*
 * The table: each input must decode (status TI_OK) with deviation dev
 * present and nodev absent, or fail with status and a message holding
 * msg.
 */
struct row {
	const char *name;
	const char *json;
	enum lim lim;
	enum ti_status status;
	const char *msg; /* substring of err.msg, or the dev code */
	const char *nodev; /* a deviation that must not be recorded */
};

static const struct row rows[] = {
	/* shape and syntax */
	{ "minimal", MINIMAL, L_DEF, TI_OK, NULL, "bom" },
	{ "empty input", "", L_DEF, TI_E_INPUT, "empty", NULL },
	{ "only spaces", "   ", L_DEF, TI_E_INPUT, "not JSON near byte", NULL },
	{ "array at top", "[" MINIMAL "]", L_DEF, TI_E_INPUT,
	    "top level is not a JSON object", NULL },
	{ "string at top", "\"report\"", L_DEF, TI_E_INPUT,
	    "top level is not a JSON object", NULL },
	{ "truncated", "{\"organization-name\":\"x\",", L_DEF, TI_E_INPUT,
	    "not JSON near byte", NULL },
	{ "trailing garbage", MINIMAL " x", L_DEF, TI_E_INPUT,
	    "not JSON near byte", NULL },
	{ "trailing whitespace", MINIMAL " \r\n\t ", L_DEF, TI_OK, NULL, NULL },
	{ "two concatenated reports", MINIMAL MINIMAL, L_DEF, TI_E_INPUT,
	    "not JSON near byte", NULL },
	{ "comment", "/* hi */" MINIMAL, L_DEF, TI_E_INPUT, "not JSON", NULL },
	{ "invalid UTF-8 C0 AF",
	    REPORT_WITH("\"organization-name\":\"\xc0\xaf\"," CONTACT "," RID),
	    L_DEF, TI_E_INPUT, "not valid UTF-8 at byte 22", NULL },
	{ "UTF-8 surrogate ED A0 80",
	    REPORT_WITH(
		"\"organization-name\":\"\xed\xa0\x80\"," CONTACT "," RID),
	    L_DEF, TI_E_INPUT, "not valid UTF-8", NULL },
	{ "UTF-16 BOM", "\xff\xfe{", L_DEF, TI_E_INPUT, "not valid UTF-8",
	    NULL },
	{ "BOM stripped", "\xef\xbb\xbf" MINIMAL, L_DEF, TI_OK, "bom", NULL },
	/* cJSON 1.7.15 would truncate "a\u0000b" to "a" (measured) */
	{ "escaped NUL",
	    REPORT_WITH(ORG "," CONTACT ",\"report-id\":\"a\\u0000b\""), L_DEF,
	    TI_E_INPUT, "\\u0000 in a string", NULL },
	{ "escaped NUL in a member name", REPORT_WITH(HEAD ",\"x\\u0000y\":1"),
	    L_DEF, TI_E_INPUT, "\\u0000 in a string", NULL },
	{ "escaped backslash before u0000 is fine",
	    REPORT_WITH(ORG "," CONTACT ",\"report-id\":\"a\\\\u0000b\""),
	    L_DEF, TI_OK, NULL, NULL },
	{ "lone surrogate escape",
	    REPORT_WITH(ORG "," CONTACT ",\"report-id\":\"a\\ud800b\""), L_DEF,
	    TI_E_INPUT, "not JSON", NULL },
	{ "raw newline and ESC in a string",
	    REPORT_WITH(
		"\"organization-name\":\"Ex\nam\x1bple\"," CONTACT "," RID),
	    L_DEF, TI_OK, "string-raw-control", NULL },
	{ "escaped newline is not raw",
	    REPORT_WITH(
		"\"organization-name\":\"Ex\\nample\"," CONTACT "," RID),
	    L_DEF, TI_OK, NULL, "string-raw-control" },
	{ "duplicate report-id", REPORT_WITH(HEAD ",\"report-id\":\"r-0002\""),
	    L_DEF, TI_E_INPUT, "duplicate member \"report-id\"", NULL },
	{ "duplicate, same value", REPORT_WITH(HEAD "," RID), L_DEF, TI_E_INPUT,
	    "duplicate member \"report-id\"", NULL },
	{ "duplicate escaped spelling",
	    REPORT_WITH(HEAD ",\"report\\u002did\":\"r-0002\""), L_DEF,
	    TI_E_INPUT, "duplicate member \"report-id\"", NULL },
	{ "duplicate deep inside",
	    REPORT(STS_FD("1", "1",
		"{\"result-type\":\"dane-required\",\"failed-session-count\":"
		"1,\"failed-session-count\":2}")),
	    L_DEF, TI_E_INPUT, "duplicate member \"failed-session-count\"",
	    NULL },
	{ "duplicate in a big object",
	    REPORT_WITH(
		HEAD ",\"x1\":1,\"x2\":2,\"x3\":3,\"x4\":4,\"x5\":5,"
		     "\"x6\":6,\"x7\":7,\"x8\":8,\"x9\":9,\"x10\":0,"
		     "\"x11\":1,\"x12\":2,\"x13\":3,\"x14\":4,\"x9\":5"),
	    L_DEF, TI_E_INPUT, "duplicate member \"x9\"", NULL },
	{ "deeper than json_depth",
	    REPORT_WITH(HEAD ",\"x\":[[[[[[[[[[1]]]]]]]]]]"), L_SMALL,
	    TI_E_LIMIT, "nested deeper than 8", NULL },
	{ "brackets in strings do not nest",
	    REPORT_WITH(HEAD ",\"x\":\"[[[[[[[[[[[[[[[[\\\"[[[[[[[[[[\""),
	    L_SMALL, TI_OK, "unknown-member", NULL },
	{ "long unknown member: not a copied string",
	    REPORT_WITH(HEAD ",\"pad\":\""
			     "0123456789012345678901234567890123456789012345678"
			     "901234567890123"
			     "0123456789012345678901234567890123456789012345678"
			     "901234567890123"
			     "\""),
	    L_SMALL, TI_OK, NULL, NULL },

	/* hard requirements, one missing at a time */
	{ "no organization-name", REPORT_WITH(CONTACT "," RID), L_DEF,
	    TI_E_INPUT, "report: missing organization-name", NULL },
	{ "organization-name null",
	    REPORT_WITH("\"organization-name\":null," CONTACT "," RID), L_DEF,
	    TI_E_INPUT, "report: missing organization-name", NULL },
	{ "organization-name empty",
	    REPORT_WITH("\"organization-name\":\"\"," CONTACT "," RID), L_DEF,
	    TI_E_INPUT, "organization-name is empty", NULL },
	{ "organization-name a number",
	    REPORT_WITH("\"organization-name\":5," CONTACT "," RID), L_DEF,
	    TI_E_INPUT, "organization-name is not a string", NULL },
	{ "no report-id", REPORT_WITH(ORG "," CONTACT), L_DEF, TI_E_INPUT,
	    "report: missing report-id", NULL },
	{ "report-id empty", REPORT_WITH(ORG "," CONTACT ",\"report-id\":\"\""),
	    L_DEF, TI_E_INPUT, "report-id is empty", NULL },
	{ "report-id an array",
	    REPORT_WITH(ORG "," CONTACT ",\"report-id\":[\"r\"]"), L_DEF,
	    TI_E_INPUT, "report-id is not a string", NULL },
	{ "no date-range", "{" HEAD ",\"policies\":[" STS("1", "0") "]}", L_DEF,
	    TI_E_INPUT, "report: missing date-range", NULL },
	{ "date-range a string",
	    "{" HEAD
	    ",\"date-range\":\"2024-03-05\",\"policies\":[" STS("1", "0") "]}",
	    L_DEF, TI_E_INPUT, "date-range is not an object", NULL },
	{ "no start-datetime",
	    "{" HEAD
	    ",\"date-range\":{\"end-datetime\":\"2024-03-05T23:59:59Z\""
	    "},\"policies\":[" STS("1", "0") "]}",
	    L_DEF, TI_E_INPUT, "date-range: missing start-datetime", NULL },
	{ "no end-datetime",
	    "{" HEAD
	    ",\"date-range\":{\"start-datetime\":\"2024-03-05T00:00:00Z"
	    "\"},\"policies\":[" STS("1", "0") "]}",
	    L_DEF, TI_E_INPUT, "date-range: missing end-datetime", NULL },
	{ "start-datetime a number",
	    "{" HEAD ",\"date-range\":{\"start-datetime\":1709596800,"
	    "\"end-datetime\":\"2024-03-05T23:59:59Z\"},\"policies\":[" STS("1",
		"0") "]}",
	    L_DEF, TI_E_INPUT, "start-datetime is not a string", NULL },
	{ "no policies", "{" HEAD "," DR "}", L_DEF, TI_E_INPUT,
	    "report: missing policies", NULL },
	{ "policies an object",
	    "{" HEAD "," DR ",\"policies\":" STS("1", "0") "}", L_DEF,
	    TI_E_INPUT, "policies is not an array", NULL },
	{ "policies empty", REPORT(""), L_DEF, TI_E_INPUT, "policies is empty",
	    NULL },
	{ "policy entry a string", REPORT("\"sts\""), L_DEF, TI_E_INPUT,
	    "policies[0] is not an object", NULL },
	{ "no policy", REPORT(STS("1", "0") ",{" SUMMARY("1", "0") "}"), L_DEF,
	    TI_E_INPUT, "policies[1]: missing policy", NULL },
	{ "policy an array", REPORT("{\"policy\":[]," SUMMARY("1", "0") "}"),
	    L_DEF, TI_E_INPUT, "policies[0].policy is not an object", NULL },
	{ "no policy-type",
	    REPORT("{\"policy\":{\"policy-domain\":\"example.org\"}," SUMMARY(
		"1", "0") "}"),
	    L_DEF, TI_E_INPUT, "policies[0].policy: missing policy-type",
	    NULL },
	{ "policy-type a number",
	    REPORT("{\"policy\":{\"policy-type\":1}," SUMMARY("1", "0") "}"),
	    L_DEF, TI_E_INPUT, "policy-type is not a string", NULL },
	{ "no summary", REPORT("{" STSPOL "}"), L_DEF, TI_E_INPUT,
	    "policies[0]: missing summary", NULL },
	{ "summary a number", REPORT("{" STSPOL ",\"summary\":3}"), L_DEF,
	    TI_E_INPUT, "policies[0].summary is not an object", NULL },
	{ "no successful count (read as 0)",
	    REPORT("{" STSPOL ",\"summary\":{"
		   "\"total-failure-session-count\":0}}"),
	    L_DEF, TI_OK, "summary-count-missing", NULL },
	{ "no failure count (Google 2019; read as 0)",
	    REPORT(STS("1", "0") ",{" STSPOL ",\"summary\":{"
				 "\"total-successful-session-count\":0}}"),
	    L_DEF, TI_OK, "summary-count-missing", NULL },
	{ "no session count at all", REPORT("{" STSPOL ",\"summary\":{}}"),
	    L_DEF, TI_E_INPUT,
	    "policies[0].summary: missing total-successful-session-count and "
	    "total-failure-session-count",
	    NULL },
	{ "failure-details an object",
	    REPORT("{" STSPOL "," SUMMARY("1",
		"1") ",\"failure-details\":" FD_OK("1") "}"),
	    L_DEF, TI_E_INPUT, "policies[0]: failure-details is not an array",
	    NULL },
	{ "failure detail a string", REPORT(STS_FD("1", "1", "\"oops\"")),
	    L_DEF, TI_E_INPUT,
	    "policies[0].failure-details[0] is not an object", NULL },
	{ "failure detail without result-type",
	    REPORT(
		STS_FD("1", "2", FD_OK("1") ",{\"failed-session-count\":1}")),
	    L_DEF, TI_E_INPUT,
	    "policies[0].failure-details[1]: missing result-type", NULL },

	/* counts */
	{ "count -1", REPORT(STS("-1", "0")), L_DEF, TI_E_INPUT,
	    "total-successful-session-count: count must be a non-negative "
	    "integer",
	    NULL },
	{ "count 5.5", REPORT(STS("5.5", "0")), L_DEF, TI_E_INPUT,
	    "count must be a non-negative integer", NULL },
	{ "count \"5\"", REPORT(STS("\"5\"", "0")), L_DEF, TI_E_INPUT,
	    "count must be a non-negative integer", NULL },
	{ "count true", REPORT(STS("0", "true")), L_DEF, TI_E_INPUT,
	    "total-failure-session-count: count must be", NULL },
	{ "count null (absent, read as 0)", REPORT(STS("0", "null")), L_DEF,
	    TI_OK, "summary-count-missing", NULL },
	{ "count 1e400", REPORT(STS("1e400", "0")), L_DEF, TI_E_INPUT,
	    "count must be a non-negative integer", NULL },
	{ "count 2^53", REPORT(STS("9007199254740992", "0")), L_DEF, TI_E_INPUT,
	    "count must be a non-negative integer", NULL },
	{ "count 2^53+1", REPORT(STS("9007199254740993", "0")), L_DEF,
	    TI_E_INPUT, "count must be a non-negative integer", NULL },
	{ "count 2^53-1", REPORT(STS("9007199254740991", "0")), L_DEF, TI_OK,
	    NULL, NULL },
	{ "count 012 (leading zero)", REPORT(STS("012", "0")), L_DEF, TI_OK,
	    "number-leading-zero", NULL },
	{ "count -012", REPORT(STS("-012", "0")), L_DEF, TI_E_INPUT,
	    "count must be", NULL },
	{ "count 5e2", REPORT(STS("5e2", "0")), L_DEF, TI_OK, NULL,
	    "number-leading-zero" },
	{ "count -0", REPORT(STS("-0", "0")), L_DEF, TI_OK, NULL, NULL },
	{ "count 0 is no leading zero", REPORT(STS("0", "0")), L_DEF, TI_OK,
	    NULL, "number-leading-zero" },
	{ "failed-session-count 1.5", REPORT(STS_FD("1", "1", FD_OK("1.5"))),
	    L_DEF, TI_E_INPUT,
	    "failure-details[0]: failed-session-count: count must be", NULL },
	{ "failed-session-count missing",
	    REPORT(STS_FD("1", "0",
		"{\"result-type\":\"dane-required\","
		"\"sending-mta-ip\":\"192.0.2.1\","
		"\"receiving-mx-hostname\":\"mx\"}")),
	    L_DEF, TI_OK, "failure-count-missing", "failure-counts-mismatch" },

	/* dates */
	{ "offset +02:00",
	    REPORT_D("2024-03-05T02:00:00+02:00", "2024-03-06T01:59:59+02:00"),
	    L_DEF, TI_OK, NULL, "date-no-offset" },
	{ "fractions",
	    REPORT_D("2024-03-05T00:00:00.000Z", "2024-03-05T23:59:59.999999Z"),
	    L_DEF, TI_OK, NULL, "date-lowercase" },
	{ "no offset (Microsoft 2023)",
	    REPORT_D("2024-03-05T00:00:00", "2024-03-05T23:59:59"), L_DEF,
	    TI_OK, "date-no-offset", NULL },
	{ "lower-case t and z",
	    REPORT_D("2024-03-05t00:00:00z", "2024-03-05T23:59:59Z"), L_DEF,
	    TI_OK, "date-lowercase", NULL },
	{ "space separator",
	    REPORT_D("2024-03-05 00:00:00Z", "2024-03-05 23:59:59Z"), L_DEF,
	    TI_OK, "date-space-separator", NULL },
	{ "24:00:00", REPORT_D("2024-03-05T00:00:00Z", "2024-03-05T24:00:00Z"),
	    L_DEF, TI_E_INPUT,
	    "date-range: end-datetime is not an RFC 3339 date-time", NULL },
	{ "leap second :60",
	    REPORT_D("2024-03-05T00:00:00Z", "2024-03-05T23:59:60Z"), L_DEF,
	    TI_OK, NULL, NULL },
	{ "no seconds", REPORT_D("2024-03-05T00:00Z", "2024-03-05T23:59:59Z"),
	    L_DEF, TI_E_INPUT, "start-datetime is not an RFC 3339", NULL },
	{ "2023-02-30",
	    REPORT_D("2023-02-30T00:00:00Z", "2023-03-01T00:00:00Z"), L_DEF,
	    TI_E_INPUT, "start-datetime is not an RFC 3339", NULL },
	{ "junk after the date",
	    REPORT_D("2024-03-05T00:00:00Z", "2024-03-05T23:59:59Zjunk"), L_DEF,
	    TI_E_INPUT, "end-datetime is not", NULL },
	{ "empty date", REPORT_D("", "2024-03-05T23:59:59Z"), L_DEF, TI_E_INPUT,
	    "start-datetime is empty", NULL },
	{ "end before start",
	    REPORT_D("2024-03-05T00:00:00Z", "2024-03-04T23:59:59Z"), L_DEF,
	    TI_E_INPUT, "end-datetime before start-datetime", NULL },
	{ "end == start is allowed",
	    REPORT_D("2024-03-05T00:00:00Z", "2024-03-05T00:00:00Z"), L_DEF,
	    TI_OK, "range-not-one-day", "end-exclusive" },
	{ "end before start through offsets",
	    REPORT_D("2024-03-05T00:00:00Z", "2024-03-05T01:00:00+02:00"),
	    L_DEF, TI_E_INPUT, "end-datetime before start-datetime", NULL },
	{ "next-day end (Mail.ru)",
	    REPORT_D("2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z"), L_DEF,
	    TI_OK, "end-exclusive", "range-not-one-day" },
	{ "ten-year range",
	    REPORT_D("2014-03-05T00:00:00Z", "2024-03-05T23:59:59Z"), L_DEF,
	    TI_OK, "range-not-one-day", NULL },
	{ "far future",
	    REPORT_D("9999-12-30T00:00:00Z", "9999-12-30T23:59:59Z"), L_DEF,
	    TI_OK, "future-date", NULL },
	{ "year 0000", REPORT_D("0000-01-01T00:00:00Z", "2024-03-05T23:59:59Z"),
	    L_DEF, TI_E_INPUT, "start-datetime is not", NULL },

	/* leniency for optional members */
	{ "contact-info null", REPORT_WITH(ORG ",\"contact-info\":null," RID),
	    L_DEF, TI_OK, "contact-info-missing", "wrong-type" },
	{ "contact-info absent", REPORT_WITH(ORG "," RID), L_DEF, TI_OK,
	    "contact-info-missing", NULL },
	{ "contact-info a number", REPORT_WITH(ORG ",\"contact-info\":5," RID),
	    L_DEF, TI_OK, "wrong-type", NULL },
	{ "policy-string a number",
	    REPORT("{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":7,"
		   "\"policy-domain\":\"example.org\",\"mx-host\":[\"mx\"]}"
		   "," SUMMARY("1", "0") "}"),
	    L_DEF, TI_OK, "wrong-type", NULL },
	{ "policy-string element not a string",
	    REPORT("{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":["
		   "\"version: STSv1\",3],\"policy-domain\":\"example.org\","
		   "\"mx-host\":[\"mx\"]}," SUMMARY("1", "0") "}"),
	    L_DEF, TI_OK, "wrong-type", NULL },
	{ "policy-string a string",
	    REPORT("{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
		   "\"3 1 1 AB; 3 1 1 CD\",\"policy-domain\":\"mx.example.org\""
		   "}," SUMMARY("1", "0") "}"),
	    L_DEF, TI_OK, "policy-string-string", NULL },
	{ "sts without policy-string",
	    REPORT(
		"{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
		"\"example.org\",\"mx-host\":[\"mx\"]}," SUMMARY("0", "0") "}"),
	    L_DEF, TI_OK, "policy-string-missing", NULL },
	{ "no-policy-found without policy-string",
	    REPORT("{\"policy\":{\"policy-type\":\"no-policy-found\","
		   "\"policy-domain\":\"example.org\"}," SUMMARY("3", "0") "}"),
	    L_DEF, TI_OK, NULL, "policy-string-missing" },
	{ "sts without mx-host",
	    REPORT("{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":["
		   "\"mode: "
		   "testing\"],\"policy-domain\":\"example.org\"}," SUMMARY("1",
		       "0") "}"),
	    L_DEF, TI_OK, "mx-host-missing", NULL },
	{ "tlsa without mx-host is fine",
	    REPORT(
		"{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":["
		"\"3 1 1 AB\"],\"policy-domain\":\"mx.example.org\"}," SUMMARY(
		    "1", "0") "}"),
	    L_DEF, TI_OK, NULL, "mx-host-missing" },
	{ "mx-host an object",
	    REPORT("{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":["
		   "\"mode: testing\"],\"policy-domain\":\"example.org\","
		   "\"mx-host\":{}}," SUMMARY("1", "0") "}"),
	    L_DEF, TI_OK, "wrong-type", NULL },
	{ "policy-string lines with CR (Google 2022)",
	    REPORT("{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":["
		   "\"version: STSv1\\r\",\"mode: testing\\r\"],"
		   "\"policy-domain\":\"example.org\"}," SUMMARY("1", "0") "}"),
	    L_DEF, TI_OK, "policy-string-cr", NULL },
	{ "upper-case policy-type",
	    REPORT("{\"policy\":{\"policy-type\":\"STS\",\"policy-domain\":"
		   "\"example.org\"}," SUMMARY("1", "0") "}"),
	    L_DEF, TI_OK, "unknown-policy-type", "mx-host-missing" },
	{ "failures without details", REPORT(STS("1", "4")), L_DEF, TI_OK,
	    "failures-without-details", NULL },
	{ "failures with empty details", REPORT(STS_FD("1", "4", "")), L_DEF,
	    TI_OK, "failures-without-details", "failure-counts-mismatch" },
	{ "no failures, no details", REPORT(STS("1", "0")), L_DEF, TI_OK, NULL,
	    "failures-without-details" },
	{ "failure-details null",
	    REPORT(
		"{" STSPOL "," SUMMARY("1", "0") ",\"failure-details\":null}"),
	    L_DEF, TI_OK, NULL, "failures-without-details" },
	{ "counts match", REPORT(STS_FD("1", "5", FD_OK("2") "," FD_OK("3"))),
	    L_DEF, TI_OK, NULL, "failure-counts-mismatch" },
	{ "counts mismatch",
	    REPORT(STS_FD("1", "1", FD_OK("2") "," FD_OK("3"))), L_DEF, TI_OK,
	    "failure-counts-mismatch", NULL },
	{ "empty-string IP",
	    REPORT(STS_FD("0", "1",
		"{\"result-type\":\"starttls-not-supported\""
		",\"sending-mta-ip\":\"\","
		"\"receiving-mx-hostname\":\"mx\","
		"\"failed-session-count\":1}")),
	    L_DEF, TI_OK, "failure-detail-no-ip", "failure-detail-no-mx" },
	{ "unknown result-type",
	    REPORT(STS_FD("0", "1",
		"{\"result-type\":\"quantum-failure\","
		"\"sending-mta-ip\":\"192.0.2.1\","
		"\"receiving-mx-hostname\":\"mx\","
		"\"failed-session-count\":1}")),
	    L_DEF, TI_OK, "unknown-result-type", NULL },
	{ "draft-23 failure-error-code is an unknown member",
	    REPORT(STS_FD("0", "1",
		"{\"result-type\":\"validation-failure\","
		"\"sending-mta-ip\":\"192.0.2.1\","
		"\"receiving-mx-hostname\":\"mx\","
		"\"failure-error-code\":\"X\","
		"\"failed-session-count\":1}")),
	    L_DEF, TI_OK, "unknown-member", "unknown-result-type" },

	/* limits */
	{ "string over string_length",
	    REPORT_WITH(
		"\"organization-name\":\"0123456789abcdefghijklmnX\"," CONTACT
		"," RID),
	    L_SMALL, TI_E_LIMIT, "organization-name longer than 24 bytes",
	    NULL },
	{ "string at string_length",
	    REPORT_WITH(
		"\"organization-name\":\"0123456789abcdefghijklmn\"," CONTACT
		"," RID),
	    L_SMALL, TI_OK, NULL, NULL },
	{ "mx-host element over string_length",
	    REPORT(
		"{\"policy\":{\"policy-type\":\"sts\",\"mx-host\":["
		"\"mx1.example.org\",\"mx12345678901.example.org\"]}," SUMMARY(
		    "1", "0") "}"),
	    L_SMALL, TI_E_LIMIT, "policies[0].policy: mx-host longer than 24",
	    NULL },
	{ "policies over limit",
	    REPORT(STS("1", "0") "," STS("1", "0") "," STS("1", "0")), L_SMALL,
	    TI_E_LIMIT, "more than 2 policies", NULL },
	{ "policies at limit", REPORT(STS("1", "0") "," STS("1", "0")), L_SMALL,
	    TI_OK, NULL, NULL },
	{ "failure details over limit (across policies)",
	    REPORT(STS_FD("0", "2", FD_OK("1") "," FD_OK("1")) "," STS_FD("0",
		"2", FD_OK("1") "," FD_OK("1"))),
	    L_SMALL, TI_E_LIMIT, "more than 3 failure-details", NULL },
	{ "failure details at limit",
	    REPORT(STS_FD("0", "2", FD_OK("1") "," FD_OK("1")) "," STS_FD("0",
		"1", FD_OK("1"))),
	    L_SMALL, TI_OK, NULL, NULL },
};

static void
run_table(void)
{
	struct ti_err err;
	struct report *r;
	const struct row *t;
	size_t i;

	for (i = 0; i < nitems(rows); i++) {
		t = &rows[i];
		r = decode(t->json, t->lim, &err);
		if (t->status == TI_OK) {
			if (!ok(r != NULL, "%s: decodes", t->name)) {
				diag("  got %s: %s", ti_status_name(err.status),
				    err.msg);
				continue;
			}
			if (t->msg != NULL &&
			    !ok(find_dev(r, t->msg) != NULL, "%s: deviation %s",
				t->name, t->msg))
				dump_devs(r);
			if (t->nodev != NULL &&
			    !ok(find_dev(r, t->nodev) == NULL,
				"%s: no deviation %s", t->name, t->nodev))
				dump_devs(r);
			report_free(r);
			continue;
		}
		report_free(r);
		if (!ok(r == NULL && err.status == t->status &&
			    strstr(err.msg, t->msg) != NULL,
			"%s: %s error", t->name, ti_status_name(t->status)))
			diag("  got %s: %s", ti_status_name(err.status),
			    err.msg);
	}
}

/* The gunzip_size row above is over 4096 only when padded; make one. */
static void
test_size_cap(void)
{
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	GString *s = g_string_new(
	    "{" HEAD "," DR ",\"policies\":[" STS("1", "0") "],\"pad\":\"");
	int rc;

	while (s->len < 5000)
		g_string_append(s, "padding ");
	g_string_append(s, "\"}");
	set_limits(&lim, L_SMALL);
	lim.string_length = 8192;
	rc = report_decode((const unsigned char *)s->str, s->len, &lim, &r,
	    &err);
	ok(rc == -1 && r == NULL && err.status == TI_E_LIMIT &&
		strstr(err.msg, "> limit 4096") != NULL,
	    "over gunzip_size: limit error (%s)", err.msg);
	g_string_free(s, TRUE);
}

/* cJSON's own nesting limit is 1000; ours must answer first, as a limit. */
static void
test_deep(void)
{
	struct ti_err err = { 0 };
	struct report *r;
	GString *s = g_string_new(
	    "{" HEAD "," DR ",\"policies\":[" STS("1", "0") "],\"x\":");
	int i;

	for (i = 0; i < 5000; i++)
		g_string_append_c(s, '[');
	for (i = 0; i < 5000; i++)
		g_string_append_c(s, ']');
	g_string_append_c(s, '}');
	r = decode(s->str, L_DEF, &err);
	ok(r == NULL && err.status == TI_E_LIMIT &&
		strstr(err.msg, "nested deeper than 64") != NULL,
	    "5000-deep nesting: limit error (%s)", err.msg);
	g_string_free(s, TRUE);
	report_free(r);
}

/* A flat array of a million zeros must not reach cJSON. */
static void
test_value_budget(void)
{
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	GString *s = g_string_new(
	    "{" HEAD "," DR ",\"policies\":[" STS("1", "0") "],\"x\":[0");
	int i, rc;

	for (i = 0; i < 1000; i++)
		g_string_append(s, ",0");
	g_string_append(s, "]}");
	ti_limits_default(&lim);
	lim.policies = 1;
	lim.failure_details = 1; /* budget 256 + 64 + 16 values */
	rc = report_decode((const unsigned char *)s->str, s->len, &lim, &r,
	    &err);
	ok(rc == -1 && err.status == TI_E_LIMIT &&
		strstr(err.msg, "more than 336 JSON values") != NULL,
	    "value budget: limit error (%s)", err.msg);
	g_string_free(s, TRUE);
}

/* A Google-style report is clean: no deviation at all. */
static void
test_google(void)
{
	static const char json[] =
	    "{\"organization-name\":\"Big Mail Co.\","
	    "\"date-range\":{\"start-datetime\":\"2024-03-05T00:00:00Z\","
	    "\"end-datetime\":\"2024-03-05T23:59:59Z\"},"
	    "\"contact-info\":\"tlsrpt@bigmail.example\","
	    "\"report-id\":\"2024-03-05T00:00:00Z_example.org\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\",\"mode: testing\","
	    "\"mx: mx1.example.org\",\"mx: mx2.example.org\","
	    "\"max_age: 86400\"],\"policy-domain\":\"example.org\","
	    "\"mx-host\":[\"mx1.example.org\",\"mx2.example.org\"]},"
	    "\"summary\":{\"total-successful-session-count\":12,"
	    "\"total-failure-session-count\":0}}]}";
	struct ti_err err;
	struct report *r;
	struct policy *p;
	int64_t ok_n, bad_n;

	if (!ok((r = decode(json, L_DEF, &err)) != NULL, "google: decodes")) {
		diag("  %s", err.msg);
		return;
	}
	if (!ok(r->n_deviations == 0, "google: no deviations"))
		dump_devs(r);
	ok(strcmp(r->organization_name, "Big Mail Co.") == 0 &&
		strcmp(r->contact_info, "tlsrpt@bigmail.example") == 0 &&
		strcmp(r->report_id, "2024-03-05T00:00:00Z_example.org") == 0,
	    "google: top-level strings");
	ok(strcmp(r->start_datetime, "2024-03-05T00:00:00Z") == 0 &&
		strcmp(r->end_datetime, "2024-03-05T23:59:59Z") == 0 &&
		r->start == 1709596800 && r->end == 1709683199,
	    "google: dates as received and as epoch");
	p = &r->policies[0];
	ok(r->n_policies == 1 && strcmp(p->policy_type, "sts") == 0 &&
		strcmp(p->policy_domain, "example.org") == 0,
	    "google: policy type and domain");
	ok(g_strv_length(p->policy_string) == 5 &&
		strcmp(p->policy_string[1], "mode: testing") == 0,
	    "google: policy-string lines");
	ok(g_strv_length(p->mx_host) == 2 &&
		strcmp(p->mx_host[1], "mx2.example.org") == 0,
	    "google: mx-host array");
	ok(p->successful == 12 && p->failed == 0 && p->n_failures == 0 &&
		p->failures == NULL,
	    "google: counts, no failure-details");
	ok(r->json_len == strlen(json) && strcmp(r->json, json) == 0,
	    "google: json kept verbatim");
	report_totals(r, &ok_n, &bad_n);
	ok(ok_n == 12 && bad_n == 0, "google: totals");
	ok(strcmp(report_domain(r), "example.org") == 0, "google: domain");
	report_free(r);
}

/* RFC 8460 Appendix B style: mx-host as a string, full failure detail. */
static void
test_rfc_style(void)
{
	static const char json[] =
	    "{\"organization-name\":\"Company-Q\","
	    "\"date-range\":{\"start-datetime\":\"2024-03-05T00:00:00Z\","
	    "\"end-datetime\":\"2024-03-05T23:59:59Z\"},"
	    "\"contact-info\":\"reports@company-q.example\","
	    "\"report-id\":\"1d0c8c4e-aa\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\",\"mode: testing\","
	    "\"mx: *.mail.company-r.example\",\"max_age: 86400\"],"
	    "\"policy-domain\":\"company-r.example\","
	    "\"mx-host\":\"*.mail.company-r.example\"},"
	    "\"summary\":{\"total-successful-session-count\":100,"
	    "\"total-failure-session-count\":5},"
	    "\"failure-details\":[{\"result-type\":\"certificate-not-trusted\","
	    "\"sending-mta-ip\":\"2001:db8::25\","
	    "\"receiving-mx-hostname\":\"mx1.mail.company-r.example\","
	    "\"receiving-mx-helo\":\"mx1\","
	    "\"receiving-ip\":\"203.0.113.9\","
	    "\"failed-session-count\":5,"
	    "\"additional-information\":\"https://company-q.example/x\","
	    "\"failure-reason-code\":\"X509_V_ERR_CERT_UNTRUSTED\"}]}]}";
	struct ti_err err;
	struct report *r;
	struct failure *f;

	if (!ok((r = decode(json, L_DEF, &err)) != NULL, "rfc: decodes")) {
		diag("  %s", err.msg);
		return;
	}
	ok(find_dev(r, "mx-host-string") != NULL && r->n_deviations == 1,
	    "rfc: only mx-host-string");
	ok(r->policies[0].mx_host != NULL &&
		strcmp(r->policies[0].mx_host[0], "*.mail.company-r.example") ==
		    0 &&
		r->policies[0].mx_host[1] == NULL,
	    "rfc: mx-host string becomes one element");
	f = &r->policies[0].failures[0];
	ok(r->policies[0].n_failures == 1 &&
		strcmp(f->result_type, "certificate-not-trusted") == 0 &&
		strcmp(f->sending_mta_ip, "2001:db8::25") == 0 &&
		strcmp(f->receiving_mx_hostname,
		    "mx1.mail.company-r.example") == 0 &&
		strcmp(f->receiving_mx_helo, "mx1") == 0 &&
		strcmp(f->receiving_ip, "203.0.113.9") == 0 &&
		f->failed_session_count == 5 &&
		strcmp(f->additional_information,
		    "https://company-q.example/x") == 0 &&
		strcmp(f->failure_reason_code, "X509_V_ERR_CERT_UNTRUSTED") ==
		    0,
	    "rfc: every failure-detail member");
	report_free(r);
}

/*
 * Microsoft style: sts and tlsa for the same sessions, a double-encoded
 * TLSA policy-string, dates without an offset, an sts-policy-fetch-error
 * detail without IP or MX, no mx-host.
 */
static void
test_microsoft(void)
{
	static const char json[] =
	    "{\"organization-name\":\"Large Corp\","
	    "\"date-range\":{\"start-datetime\":\"2023-01-10T00:00:00\","
	    "\"end-datetime\":\"2023-01-10T23:59:59\"},"
	    "\"contact-info\":\"tlsrpt-noreply@largecorp.example\","
	    "\"report-id\":\"133200000000000001+example.org\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-string\":[\"version: STSv1\",\"mode: enforce\","
	    "\"mx: *.example.org\",\"max_age: 2592000\"],"
	    "\"policy-domain\":\"example.org\"},"
	    "\"summary\":{\"total-successful-session-count\":3,"
	    "\"total-failure-session-count\":1},"
	    "\"failure-details\":[{\"result-type\":\"sts-policy-fetch-error\","
	    "\"failed-session-count\":1}]},"
	    "{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
	    "[\"[\\\"3 1 1 0AB1\\\",\\\"3 1 1 CD23\\\"]\"],"
	    "\"policy-domain\":\"example.org\"},"
	    "\"summary\":{\"total-successful-session-count\":3,"
	    "\"total-failure-session-count\":1}}]}";
	static const char *const want[] = { "date-no-offset", "mx-host-missing",
		"tlsa-double-encoded", "failure-detail-no-ip",
		"failure-detail-no-mx", "failures-without-details" };
	struct ti_err err;
	struct report *r;
	int64_t ok_n, bad_n;
	size_t i;

	if (!ok((r = decode(json, L_DEF, &err)) != NULL,
		"microsoft: decodes")) {
		diag("  %s", err.msg);
		return;
	}
	for (i = 0; i < nitems(want); i++)
		if (!ok(find_dev(r, want[i]) != NULL, "microsoft: %s", want[i]))
			dump_devs(r);
	ok(find_dev(r, "policy-string-missing") == NULL &&
		find_dev(r, "failure-counts-mismatch") == NULL,
	    "microsoft: no spurious deviations");
	ok(r->start == 1673308800 && r->end == 1673308800 + 86399,
	    "microsoft: offset-less dates read as UTC");
	ok(strcmp(r->start_datetime, "2023-01-10T00:00:00") == 0,
	    "microsoft: date kept as received");
	ok(strcmp(r->policies[1].policy_string[0],
	       "[\"3 1 1 0AB1\",\"3 1 1 CD23\"]") == 0 &&
		r->policies[1].policy_string[1] == NULL,
	    "microsoft: double-encoded string kept raw");
	ok(r->policies[0].failures[0].sending_mta_ip == NULL &&
		r->policies[0].failures[0].receiving_mx_hostname == NULL &&
		r->policies[0].failures[0].failed_session_count == 1,
	    "microsoft: bare failure detail");
	report_totals(r, &ok_n, &bad_n);
	ok(ok_n == 3 && bad_n == 1, "microsoft: sts+tlsa totals not summed");
	ok(strcmp(report_domain(r), "example.org") == 0, "microsoft: domain");
	report_free(r);
}

/* sys4/Postfix style: no-policy-found without policy-domain, []. */
static void
test_sys4(void)
{
	static const char json[] =
	    "{\"organization-name\":\"mx.small.example\","
	    "\"date-range\":{\"start-datetime\":\"2025-09-20T00:00:00Z\","
	    "\"end-datetime\":\"2025-09-20T23:59:59Z\"},"
	    "\"contact-info\":\"postmaster@small.example\","
	    "\"report-id\":\"2025-09-20T00:00:00Z_idx1_other.example\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"no-policy-found\"},"
	    "\"summary\":{\"total-successful-session-count\":4,"
	    "\"total-failure-session-count\":0},\"failure-details\":[]}]}";
	struct ti_err err;
	struct report *r;

	if (!ok((r = decode(json, L_DEF, &err)) != NULL, "sys4: decodes")) {
		diag("  %s", err.msg);
		return;
	}
	ok(find_dev(r, "policy-domain-missing") != NULL && r->n_deviations == 1,
	    "sys4: only policy-domain-missing");
	if (r->n_deviations != 1)
		dump_devs(r);
	ok(r->policies[0].policy_domain == NULL &&
		r->policies[0].policy_string == NULL &&
		r->policies[0].mx_host == NULL &&
		r->policies[0].n_failures == 0,
	    "sys4: absent members are NULL");
	ok(report_domain(r) == NULL, "sys4: no domain");
	report_free(r);
}

/* Mail.ru style: next-day end, details adding up to more than the total. */
static void
test_mailru(void)
{
	static const char json[] =
	    "{\"contact-info\":\"tls@corp.bigru.example\","
	    "\"date-range\":{\"end-datetime\":\"2024-02-23T00:00:00Z\","
	    "\"start-datetime\":\"2024-02-22T00:00:00Z\"},"
	    "\"organization-name\":\"BigRu\","
	    "\"policies\":[{\"failure-details\":["
	    "{\"failed-session-count\":1,\"failure-reason-code\":"
	    "\"bad https response code: 404\","
	    "\"result-type\":\"sts-policy-fetch-error\"},"
	    "{\"failed-session-count\":1,\"failure-reason-code\":"
	    "\"bad https response code: 503\","
	    "\"result-type\":\"sts-policy-fetch-error\"}],"
	    "\"policy\":{\"policy-domain\":\"example.org\","
	    "\"policy-type\":\"sts\"},\"summary\":{"
	    "\"total-failure-session-count\":1,"
	    "\"total-successful-session-count\":0}}],"
	    "\"report-id\":\"0b5d-77aa@bigru.example\"}";
	const struct deviation *d;
	struct ti_err err;
	struct report *r;

	if (!ok((r = decode(json, L_DEF, &err)) != NULL, "mailru: decodes")) {
		diag("  %s", err.msg);
		return;
	}
	ok(find_dev(r, "end-exclusive") != NULL, "mailru: end-exclusive");
	ok((d = find_dev(r, "failure-counts-mismatch")) != NULL &&
		strstr(d->detail, "add up to 2") != NULL,
	    "mailru: failure-counts-mismatch");
	ok(find_dev(r, "range-not-one-day") == NULL,
	    "mailru: 86400 s is one day");
	ok((d = find_dev(r, "failure-detail-no-ip")) != NULL &&
		strstr(d->detail, "failure-details[0]") != NULL &&
		strstr(d->detail, "failure-details[1]") != NULL,
	    "mailru: repeated deviation folded into one entry");
	ok(strcmp(r->policies[0].failures[1].failure_reason_code,
	       "bad https response code: 503") == 0,
	    "mailru: failure-reason-code");
	report_free(r);
}

/* Exactness of counts beyond INT_MAX, and odd literal forms. */
static void
test_counts(void)
{
	static const struct {
		const char *lit;
		int64_t want;
	} t[] = {
		{ "3000000000", 3000000000LL },
		{ "9007199254740991", 9007199254740991LL },
		{ "4294967296", 4294967296LL },
		{ "5e2", 500 },
		{ "5.0", 5 },
		{ "012", 12 },
		{ "-0", 0 },
	};
	char json[2048];
	struct ti_err err;
	struct report *r;
	size_t i;

	for (i = 0; i < nitems(t); i++) {
		snprintf(json, sizeof(json),
		    REPORT(STS("%s", "%s") "," STS_FD("0", "%s", FD_OK("%s"))),
		    t[i].lit, t[i].lit, t[i].lit, t[i].lit);
		r = decode(json, L_DEF, &err);
		ok(r != NULL && r->policies[0].successful == t[i].want &&
			r->policies[0].failed == t[i].want &&
			r->policies[1].failures[0].failed_session_count ==
			    t[i].want,
		    "count %s read exactly", t[i].lit);
		if (r == NULL)
			diag("  %s", err.msg);
		report_free(r);
	}
}

static void
test_datetime(void)
{
	static const struct {
		const char *text;
		int ok;
		int64_t want;
		int no_offset;
	} t[] = {
		{ "2024-03-05T00:00:00Z", 1, 1709596800, 0 },
		{ "2024-03-05T23:59:59Z", 1, 1709683199, 0 },
		{ "2024-03-05T02:00:00+02:00", 1, 1709596800, 0 },
		{ "2024-03-04T19:00:00-05:00", 1, 1709596800, 0 },
		{ "2024-03-05T00:00:00-00:00", 1, 1709596800, 0 },
		{ "2024-03-05T05:45:00+05:45", 1, 1709596800, 0 },
		{ "2024-03-05T00:00:00.999999Z", 1, 1709596800, 0 },
		{ "2024-03-05T00:00:00.5+01:00", 1, 1709596800 - 3600, 0 },
		{ "2024-03-05t00:00:00z", 1, 1709596800, 0 },
		{ "2024-03-05 00:00:00Z", 1, 1709596800, 0 },
		{ "2024-03-05T00:00:00", 1, 1709596800, 1 },
		{ "2024-03-05T23:59:60Z", 1, 1709683199, 0 },
		{ "2000-02-29T12:34:56Z", 1, 951827696, 0 },
		{ "1969-12-31T23:59:59Z", 1, -1, 0 },
		{ "0001-01-01T00:00:00Z", 1, -62135596800LL, 0 },
		{ "9999-12-31T23:59:59Z", 1, 253402300799LL, 0 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800, 0 },
		{ "2023-02-29T00:00:00Z", 0, 0, 0 },
		{ "1900-02-29T00:00:00Z", 0, 0, 0 },
		{ "2023-02-30T00:00:00Z", 0, 0, 0 },
		{ "2023-04-31T00:00:00Z", 0, 0, 0 },
		{ "2023-13-01T00:00:00Z", 0, 0, 0 },
		{ "2023-00-01T00:00:00Z", 0, 0, 0 },
		{ "2023-01-00T00:00:00Z", 0, 0, 0 },
		{ "0000-01-01T00:00:00Z", 0, 0, 0 },
		{ "2024-03-05T24:00:00Z", 0, 0, 0 },
		{ "2024-03-05T23:60:00Z", 0, 0, 0 },
		{ "2024-03-05T23:59:61Z", 0, 0, 0 },
		{ "2024-03-05T00:00Z", 0, 0, 0 },
		{ "2024-03-05T00:00:00.Z", 0, 0, 0 },
		{ "2024-03-05T00:00:00+0200", 0, 0, 0 },
		{ "2024-03-05T00:00:00+02", 0, 0, 0 },
		{ "2024-03-05T00:00:00+24:00", 0, 0, 0 },
		{ "2024-03-05T00:00:00ZZ", 0, 0, 0 },
		{ "2024-03-05T00:00:00Z ", 0, 0, 0 },
		{ " 2024-03-05T00:00:00Z", 0, 0, 0 },
		{ "2024-03-05", 0, 0, 0 },
		{ "2024-3-5T00:00:00Z", 0, 0, 0 },
		{ "20240305T000000Z", 0, 0, 0 },
		{ "2024-03-05X00:00:00Z", 0, 0, 0 },
		{ "+2024-03-05T00:00:00Z", 0, 0, 0 },
		{ "", 0, 0, 0 },
	};
	int64_t v;
	int no, rc;
	size_t i;

	for (i = 0; i < nitems(t); i++) {
		v = 42;
		no = -1;
		rc = report_parse_datetime(t[i].text, &v, &no);
		if (t[i].ok)
			ok(rc == 0 && v == t[i].want && no == t[i].no_offset,
			    "datetime \"%s\" = %lld", t[i].text,
			    (long long)t[i].want);
		else
			ok(rc == -1 && v == 42, "datetime \"%s\" rejected",
			    t[i].text);
	}
	ok(report_parse_datetime(NULL, &v, NULL) == -1, "datetime NULL");
	ok(report_parse_datetime("2024-03-05T00:00:00Z", &v, NULL) == 0,
	    "datetime: no_offset may be NULL");
}

static struct report *
must(const char *json)
{
	struct ti_err err;
	struct report *r = decode(json, L_DEF, &err);

	if (r == NULL)
		diag("fixture failed: %s", err.msg);
	return r;
}

static void
test_totals_domain(void)
{
	struct report *r;
	int64_t a, b;

	if ((r = must(REPORT(STS("3", "1") "," STS("4", "2")))) != NULL) {
		report_totals(r, &a, &b);
		ok(a == 7 && b == 3, "totals: two sts policies are summed");
		report_free(r);
	}
	if ((r = must(REPORT(
		 STS("5", "1") ",{\"policy\":{\"policy-type\":"
			       "\"tlsa\",\"policy-domain\":\"mx.example.org\","
			       "\"policy-string\":[\"3 1 1 AB\"]}," SUMMARY("7",
				   "0") "}"))) != NULL) {
		report_totals(r, &a, &b);
		ok(a == 7 && b == 0, "totals: the larger type wins whole");
		ok(strcmp(report_domain(r), "example.org") == 0,
		    "domain: sts before tlsa");
		report_free(r);
	}
	if ((r = must(REPORT(
		 "{\"policy\":{\"policy-type\":\"tlsa\","
		 "\"policy-domain\":\"mx.example.org\","
		 "\"policy-string\":[\"3 1 1 AB\"]}," SUMMARY("1",
		     "0") "},{\"policy\":{\"policy-type\":"
			  "\"no-policy-found\",\"policy-domain\":\"example."
			  "org\"}," SUMMARY("2", "0") "}"))) != NULL) {
		ok(strcmp(report_domain(r), "example.org") == 0,
		    "domain: no-policy-found before tlsa");
		report_totals(r, &a, &b);
		ok(a == 2 && b == 0, "totals: tlsa 1 vs no-policy-found 2");
		report_free(r);
	}
	if ((r = must(REPORT("{\"policy\":{\"policy-type\":\"tlsa\","
			     "\"policy-domain\":\"mx.example.org\","
			     "\"policy-string\":[\"3 1 1 AB\"]}," SUMMARY("1",
				 "0") "}"))) != NULL) {
		ok(strcmp(report_domain(r), "mx.example.org") == 0,
		    "domain: tlsa only");
		report_free(r);
	}
	if ((r = must(
		 REPORT(STS("9007199254740991", "9007199254740991") "," STS(
		     "9007199254740991", "9007199254740991")))) != NULL) {
		report_totals(r, &a, &b);
		ok(a == 2 * 9007199254740991LL && b == a,
		    "totals: large counts summed exactly");
		report_free(r);
	}
}

static void
test_misc(void)
{
	static const char json[] = MINIMAL;
	/* sha256sum of MINIMAL, computed outside the code under test */
	static const char want[] =
	    "2d8785629a78e394b97ac39595441f18faedc13c41e5623521b191b1c66b067b";
	struct ti_err err;
	struct report *a, *b, *c;
	const struct deviation *d;
	char big[4096];
	int rc;

	a = must(json);
	b = must("\xef\xbb\xbf" MINIMAL);
	ok(a != NULL && b != NULL && strcmp(a->sha256, b->sha256) == 0 &&
		strlen(a->sha256) == 64,
	    "sha256 stable, BOM not hashed");
	if (!ok(a != NULL && strcmp(a->sha256, want) == 0, "sha256 value"))
		diag("  got %s", a ? a->sha256 : "");
	ok(b != NULL && b->json_len == strlen(json) &&
		strcmp(b->json, json) == 0,
	    "BOM stripped from json");
	ok(a != NULL && a->n_deviations == 0, "minimal: no deviations");
	report_free(b);
	b = NULL;
	memset(&err, 0, sizeof(err));
	rc = report_decode_stored((const unsigned char *)json, strlen(json),
	    NULL, &b, &err);
	ok(rc == 0 && b != NULL && b->sha256[0] == '\0' && a != NULL &&
		strcmp(b->report_id, a->report_id) == 0 &&
		b->n_policies == a->n_policies,
	    "report_decode_stored: the same report, no SHA-256");
	report_free(b);
	b = NULL;
	rc = report_decode_stored((const unsigned char *)"{}", 2, NULL, &b,
	    &err);
	ok(rc == -1 && b == NULL && err.status == TI_E_INPUT,
	    "report_decode_stored: the same checks");

	/* report_deviate appends; the caller's deviations are kept apart */
	if (a != NULL) {
		report_deviate(a, "test-code", "n=%d", 5);
		report_deviate(a, "test-code", "n=%d", 6);
		ok(a->n_deviations == 2 &&
			strcmp(a->deviations[1].detail, "n=6") == 0,
		    "report_deviate appends");
	}
	report_free(a);
	report_free(NULL);

	/* extra members kept in json, first names noted */
	c = must(REPORT_WITH(HEAD ",\"x-vendor\":{\"a\":1},\"x-more\":[1,2]"));
	ok(c != NULL && strstr(c->json, "\"x-vendor\":{\"a\":1}") != NULL &&
		(d = find_dev(c, "unknown-member")) != NULL &&
		strstr(d->detail, "x-vendor") != NULL &&
		strstr(d->detail, "x-more") != NULL,
	    "unknown members kept and named");
	report_free(c);

	/* unknown policy and result types are kept raw */
	c = must(REPORT("{\"policy\":{\"policy-type\":\"bogus\"}," SUMMARY("0",
	    "1") ",\"failure-details\":["
		 "{\"result-type\":\"future-type\","
		 "\"failed-session-count\":1}]}"));
	ok(c != NULL && strcmp(c->policies[0].policy_type, "bogus") == 0 &&
		strcmp(c->policies[0].failures[0].result_type, "future-type") ==
		    0 &&
		find_dev(c, "unknown-policy-type") != NULL &&
		find_dev(c, "unknown-result-type") != NULL,
	    "unknown types kept");
	report_free(c);

	/* raw control characters kept for the caller to escape */
	c = must(REPORT_WITH(
	    "\"organization-name\":\"a\x1b[2Jb\"," CONTACT "," RID));
	ok(c != NULL && strcmp(c->organization_name, "a\x1b[2Jb") == 0,
	    "raw ESC kept in the model");
	report_free(c);

	/* a deviation detail never carries raw report bytes */
	c = must(REPORT(STS_FD("0", "1",
	    "{\"result-type\":\"x\\u001b\\\"y\","
	    "\"failed-session-count\":1}")));
	d = c != NULL ? find_dev(c, "unknown-result-type") : NULL;
	ok(d != NULL && strstr(d->detail, "x\\x1b\\x22y") != NULL,
	    "deviation detail escaped (%s)", d != NULL ? d->detail : "");
	report_free(c);

	/* folding: 6 failure-details without IP -> 3 kept, "and 3 more" */
	c = must(REPORT(STS_FD("0", "6",
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1},"
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1},"
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1},"
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1},"
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1},"
	    "{\"result-type\":\"dane-required\",\"failed-session-count\":1}")));
	d = c != NULL ? find_dev(c, "failure-detail-no-ip") : NULL;
	ok(d != NULL && strstr(d->detail, "and 3 more") != NULL &&
		c->n_deviations == 2,
	    "repeated deviations folded (%s)", d != NULL ? d->detail : "");
	report_free(c);

	/* NULL limits mean the defaults; NULL err is allowed */
	a = NULL;
	rc = report_decode((const unsigned char *)json, strlen(json), NULL, &a,
	    NULL);
	ok(rc == 0 && a != NULL, "NULL limits: defaults");
	report_free(a);
	rc = report_decode((const unsigned char *)"{", 1, NULL, &a, NULL);
	ok(rc == -1 && a == NULL, "NULL err: still fails cleanly");

	/* the input need not be NUL-terminated */
	memcpy(big, json, sizeof(json) - 1);
	memset(big + sizeof(json) - 1, 'x', sizeof(big) - sizeof(json) + 1);
	a = NULL;
	rc = report_decode((const unsigned char *)big, sizeof(json) - 1, NULL,
	    &a, &err);
	ok(rc == 0 && a != NULL && a->json_len == sizeof(json) - 1,
	    "unterminated input buffer");
	report_free(a);

	/* a NUL byte inside the text */
	a = NULL;
	ti_err_clear(&err);
	rc = report_decode((const unsigned char *)"{\"a\":\"\0\"}", 9, NULL, &a,
	    &err);
	ok(rc == -1 && err.status == TI_E_INPUT &&
		strstr(err.msg, "NUL byte at byte 6") != NULL,
	    "raw NUL byte rejected (%s)", err.msg);
}

/* The codes the stores keep: distinct, in order, space-separated. */
static void
test_deviation_codes(void)
{
	struct report r = { 0 };
	char *codes;

	ok(report_deviation_codes(&r) == NULL, "no deviation: NULL codes");
	report_deviate(&r, "date-no-offset", "a");
	report_deviate(&r, "mx-host-missing", "b");
	report_deviate(&r, "date-no-offset", "c");
	codes = report_deviation_codes(&r);
	ok(codes != NULL &&
		strcmp(codes, "date-no-offset mx-host-missing") == 0,
	    "deviation codes distinct, in order: %s", codes ? codes : "(null)");
	g_free(codes);
	for (size_t i = 0; i < r.n_deviations; i++) {
		g_free(r.deviations[i].code);
		g_free(r.deviations[i].detail);
	}
	g_free(r.deviations);
}

/* String lists as the JSON array text the stores keep. */
static void
test_strv_json(void)
{
	char *v[] = { "mode: testing", "a\"b\nc", "\xc0\xaf", NULL };
	char *text = NULL;
	struct ti_err err = { 0 };
	int rc;

	ok(report_strv_json(NULL, &text, &err) == 0 && text == NULL,
	    "strv json: NULL list gives NULL");
	rc = report_strv_json(v, &text, &err);
	ok(rc == 0 && text != NULL &&
		strcmp(text,
		    "[\"mode: testing\",\"a\\\"b\\nc\","
		    "\"\xef\xbf\xbd\xef\xbf\xbd\"]") == 0,
	    "strv json: escaped, invalid UTF-8 replaced: %s",
	    text ? text : "(null)");
	g_free(text);
}

/* The UTF-8 check: the same verdict and byte as g_utf8_validate(),
   wherever the bad byte falls against the eight-byte steps. */
static void
test_utf8_offsets(void)
{
	static const char *const bad[] = { "\xc0\xaf", "\xed\xa0\x80",
		"\xe2\x82", "\xf4\x90\x80\x80", "\x80", "\xc3(" };
	static const char *const good[] = { "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80" };
	struct ti_err err;
	struct report *r;
	int all = 1;

	for (size_t k = 0; k < nitems(bad); k++)
		for (size_t pad = 0; pad < 20; pad++) {
			char *json = g_strdup_printf(
			    REPORT_WITH(
				"\"organization-name\":\"%*s%s\"," CONTACT
				"," RID),
			    (int)pad, "", bad[k]);
			const char *end;
			char want[64];

			g_utf8_validate(json, -1, &end);
			snprintf(want, sizeof(want),
			    "report: not valid UTF-8 at byte %zu",
			    (size_t)(end - json));
			r = decode(json, L_DEF, &err);
			if (r != NULL || strcmp(err.msg, want) != 0) {
				all = 0;
				diag("bad %zu pad %zu: %s", k, pad, err.msg);
			}
			report_free(r);
			g_free(json);
		}
	ok(all, "invalid UTF-8 at every offset: the byte GLib names");
	all = 1;
	for (size_t k = 0; k < nitems(good); k++)
		for (size_t pad = 0; pad < 20; pad++) {
			char *json = g_strdup_printf(
			    REPORT_WITH(
				"\"organization-name\":\"%*s%s\"," CONTACT
				"," RID),
			    (int)pad, "", good[k]);

			r = decode(json, L_DEF, &err);
			if (r == NULL) {
				all = 0;
				diag("good %zu pad %zu: %s", k, pad, err.msg);
			}
			report_free(r);
			g_free(json);
		}
	ok(all, "valid UTF-8 at every offset decodes");
}

/* A failure detail's place in messages, past one digit and one policy. */
static void
test_paths(void)
{
	GString *j = g_string_new("{" HEAD "," DR ",\"policies\":[" STS("1",
	    "0") ",{" STSPOL "," SUMMARY("1", "12") ",\"failure-details\":[");
	struct ti_err err;
	struct report *r;

	for (int i = 0; i < 12; i++)
		g_string_append_printf(j, "%s%s", i ? "," : "",
		    i == 11 ? "{\"failed-session-count\":1}" : FD_OK("1"));
	g_string_append(j, "]}]}");
	r = decode(j->str, L_DEF, &err);
	ok(r == NULL &&
		strcmp(err.msg,
		    "report: policies[1].failure-details[11]: missing "
		    "result-type") == 0,
	    "path of the twelfth detail of the second policy: %s", err.msg);
	report_free(r);
	g_string_free(j, TRUE);
}

struct big_run {
	const char *json;
	size_t len;
	struct report *r;
};

static gpointer
decode_big(gpointer data)
{
	struct big_run *b = data;
	struct ti_err err = { 0 };

	if (report_decode((const unsigned char *)b->json, b->len, NULL, &b->r,
		&err) == -1)
		diag("big: %s", err.msg);
	return NULL;
}

/* A report over 1 MiB (its SHA-256 is taken in a thread of its own),
   decoded in two threads at once (cJSON's arena is per thread). */
static void
test_big(void)
{
	GString *j =
	    g_string_new("{" HEAD "," DR ",\"policies\":[{" STSPOL
			 "," SUMMARY("1", "20000") ",\"failure-details\":[");
	struct big_run a = { 0 }, b = { 0 };
	GThread *t;
	char *sum;

	for (int i = 0; i < 20000; i++)
		g_string_append_printf(j, "%s%s", i ? "," : "", FD_OK("1"));
	g_string_append(j, "]}]}");
	a.json = b.json = j->str;
	a.len = b.len = j->len;
	t = g_thread_new("decode", decode_big, &b);
	decode_big(&a);
	g_thread_join(t);
	sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, j->str, -1);
	ok(j->len > (1u << 20) && a.r != NULL && b.r != NULL &&
		strcmp(a.r->sha256, sum) == 0 && strcmp(b.r->sha256, sum) == 0,
	    "%zu bytes: the SHA-256 of the text, in both threads", j->len);
	ok(a.r != NULL && b.r != NULL && a.r->policies[0].n_failures == 20000 &&
		b.r->policies[0].n_failures == 20000 &&
		strcmp(a.r->policies[0].failures[19999].sending_mta_ip,
		    "192.0.2.1") == 0,
	    "20000 failure details in both");
	report_free(a.r);
	report_free(b.r);
	g_free(sum);
	/* cJSON outside report_decode() still allocates with malloc(3) */
	{
		char *const v[] = { "mode: testing", NULL };
		char *out = NULL;
		struct ti_err err = { 0 };

		ok(report_strv_json(v, &out, &err) == 0 &&
			strcmp(out, "[\"mode: testing\"]") == 0,
		    "cJSON elsewhere after a decode");
		g_free(out);
	}
	g_string_free(j, TRUE);
}

int
main(void)
{
	run_table();
	test_utf8_offsets();
	test_paths();
	test_big();
	test_deviation_codes();
	test_strv_json();
	test_size_cap();
	test_deep();
	test_value_budget();
	test_google();
	test_rfc_style();
	test_microsoft();
	test_sys4();
	test_mailru();
	test_counts();
	test_datetime();
	test_totals_domain();
	test_misc();
	return done_testing();
}
