/*
 * test-export.c: `tlsrpt list` and `tlsrpt export` output from a store
 * filled with reports written here: jsonl (_meta and its auth record,
 * exact integers, valid UTF-8), csv (RFC 4180 quoting, CRLF, the auth
 * columns last), the list table (rows, AUTH column, rate, alignment,
 * terminal escaping, truncation) and export_parse_time.
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "store/store.h"
#include "export.h"
#include "tap.h"

static char *tmpdir;

/* An RFC 8460 §4.4 report; policies is the JSON array text. */
static char *
report_json(const char *org, const char *id, const char *start, const char *end,
    const char *policies)
{
	return g_strdup_printf(
	    "{\"organization-name\":\"%s\","
	    "\"date-range\":{\"start-datetime\":\"%s\",\"end-datetime\":\"%s\"}"
	    ","
	    "\"contact-info\":\"mailto:tlsrpt@reporter.example\","
	    "\"report-id\":\"%s\",\"policies\":%s}",
	    org, start, end, id, policies);
}

static const char POL_R1[] =
    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
    "[\"version: STSv1\",\"mode: enforce\",\"mx: *.mx.example.com\","
    "\"max_age: 86400\"],\"policy-domain\":\"example.com\","
    "\"mx-host\":[\"*.mx.example.com\"]},"
    "\"summary\":{\"total-successful-session-count\":75,"
    "\"total-failure-session-count\":25},"
    "\"failure-details\":["
    "{\"result-type\":\"certificate-expired\",\"sending-mta-ip\":"
    "\"2001:db8::1\",\"receiving-mx-hostname\":\"mx1.mx.example.com\","
    "\"receiving-ip\":\"192.0.2.10\",\"failed-session-count\":20,"
    "\"additional-information\":\"a,b \\\"q\\\"\\nline2\","
    "\"failure-reason-code\":\"X509_V_ERR_CERT_HAS_EXPIRED\"},"
    "{\"result-type\":\"starttls-not-supported\",\"sending-mta-ip\":"
    "\"198.51.100.3\",\"receiving-mx-hostname\":\"mx2.mx.example.com\","
    "\"receiving-mx-helo\":\" mx2 \",\"failed-session-count\":5}]}]";

static const char POL_R2[] =
    "[{\"policy\":{\"policy-type\":\"no-policy-found\","
    "\"policy-domain\":\"example.net\"},"
    "\"summary\":{\"total-successful-session-count\":100,"
    "\"total-failure-session-count\":0}}]";

static const char POL_BIG[] =
    "[{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
    "[\"3 1 1 0123456789abcdef\"],\"policy-domain\":\"big.example\"},"
    "\"summary\":{\"total-successful-session-count\":3000000000,"
    "\"total-failure-session-count\":9007199254740991},"
    "\"failure-details\":[{\"result-type\":\"tlsa-invalid\","
    "\"failed-session-count\":9007199254740991}]}]";

static const char POL_ZERO[] =
    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":"
    "\"a-very-long-domain-name-that-will-not-fit-the-column.example\"},"
    "\"summary\":{\"total-successful-session-count\":0,"
    "\"total-failure-session-count\":0}}]";

static int
put_json(struct store *st, const char *json, const struct report_source *src)
{
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r;
	enum store_put_result res;
	int rc;

	ti_limits_default(&lim);
	if (report_decode((const unsigned char *)json, strlen(json), &lim, &r,
		&err) == -1) {
		diag("decode: %s", err.msg);
		return -1;
	}
	rc = store_put(st, r, src, &res, NULL, &err);
	if (rc == -1)
		diag("put: %s", err.msg);
	report_free(r);
	return rc;
}

/* Run an export into a string (g_free it); *rc gets its return. */
static char *
run(int (*fn)(struct store *, const struct store_query *, FILE *,
	struct ti_err *),
    struct store *st, const struct store_query *q, int *rc, struct ti_err *err)
{
	char *buf = NULL, *copy;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = fn(st, q, f, err);
	fclose(f);
	copy = g_strndup(buf, len);
	free(buf);
	return copy;
}

static struct store *
fill(const char *name)
{
	struct ti_err err = { 0 };
	struct store *st;
	char *path = g_build_filename(tmpdir, name, NULL);
	char *j;
	static const struct ti_auth pass = {
		.method = AUTH_DKIM,
		.result = AUTH_PASS,
		.domain = "reporter.example",
		.selector = "20230601",
		.algorithm = "rsa-sha256",
		.bits = 2048,
		.dnssec = "insecure",
	};
	static const struct ti_auth off = {
		.method = AUTH_NONE,
		.result = AUTH_RNONE,
		.reason = "stored with [trust] dkim = off",
	};
	static const struct ti_auth temp = {
		.method = AUTH_DKIM,
		.result = AUTH_TEMPERROR,
		.domain = "big,\"counter\".example",
		.reason = "DNS timeout",
	};
	struct report_source big = { .auth = &temp, .arrived = 1700000002 };
	struct report_source src = {
		.message_id = "r1@reporter.example",
		.envelope_sender = "noreply@reporter.example",
		.filename = "reporter.example!example.com!1704067200!"
			    "1704153599.json.gz",
		.source = "mail",
		.received = 1700000000,
		.arrived = 1699990000,
		.auth = &pass,
	};
	struct report_source bad = {
		.message_id = "bad\xff@x",
		.source = "file",
		.received = 1700000001,
		.auth = &off,
	};
	int rc = 0;

	st = store_open(path, STORE_WRITE, 200, &err);
	g_free(path);
	if (st == NULL || store_begin(st, &err) == -1) {
		diag("open: %s", err.msg);
		return NULL;
	}
	j = report_json("Reporter Inc.", "r1", "2024-01-01T00:00:00Z",
	    "2024-01-01T23:59:59Z", POL_R1);
	rc |= put_json(st, j, &src);
	g_free(j);
	j = report_json(
	    "Evil\\u001b[31mOrg\\u202e\",\"x-float\":0.1,"
	    "\"x-neg\":-5,\"x-big\":1e300,\"x-third\":0.33333333333333331,"
	    "\"x\":\"",
	    "r2", "2024-01-02T00:00:00Z", "2024-01-02T23:59:59Z", POL_R2);
	rc |= put_json(st, j, &bad);
	g_free(j);
	j = report_json("Big, \\\"Counter\\\"", "big", "2024-01-03T00:00:00Z",
	    "2024-01-03T23:59:59Z", POL_BIG);
	rc |= put_json(st, j, &big);
	g_free(j);
	j = report_json("Zero",
	    "this-report-id-is-long-enough-to-be-cut-off-"
	    "by-the-list-table-0123456789",
	    "2024-01-04T00:00:00Z", "2024-01-04T23:59:59Z", POL_ZERO);
	rc |= put_json(st, j, NULL);
	g_free(j);
	if (rc != 0 || store_commit(st, &err) == -1) {
		diag("fill: %s", err.msg);
		store_close(st);
		return NULL;
	}
	return st;
}

/* Whether the _meta.auth object a holds exactly these values (NULL and
   bits 0: null). */
static int
auth_is(const cJSON *a, const char *method, const char *result,
    const char *domain, const char *selector, const char *algorithm, int bits,
    const char *dnssec, const char *reason)
{
	const char *const keys[] = { "method", "result", "domain", "selector",
		"algorithm", "dnssec", "reason" };
	const char *const want[] = { method, result, domain, selector,
		algorithm, dnssec, reason };
	const cJSON *v;
	size_t i;

	for (i = 0; i < nitems(keys); i++) {
		v = cJSON_GetObjectItemCaseSensitive(a, keys[i]);
		if (want[i] == NULL ? !cJSON_IsNull(v)
				    : !cJSON_IsString(v) ||
			    strcmp(v->valuestring, want[i]) != 0) {
			diag("_meta.auth.%s is not %s", keys[i],
			    want[i] != NULL ? want[i] : "null");
			return 0;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "bits");
	return bits == 0 ? cJSON_IsNull(v)
			 : cJSON_IsNumber(v) && v->valuedouble == bits;
}

static void
test_jsonl(struct store *st)
{
	struct ti_err err = { 0 };
	char *out, **lines;
	cJSON *root, *meta, *auth, *v;
	int rc, n;

	out = run(export_jsonl, st, NULL, &rc, &err);
	ok(rc == 0, "jsonl: %s", err.msg);
	ok(g_utf8_validate(out, -1, NULL), "jsonl output is valid UTF-8");
	lines = g_strsplit(out, "\n", -1);
	n = (int)g_strv_length(lines);
	ok(n == 5 && lines[4][0] == '\0', "four lines, newline-terminated");
	for (int i = 0; i < 4 && i < n; i++) {
		root = cJSON_Parse(lines[i]);
		meta = cJSON_GetObjectItemCaseSensitive(root, "_meta");
		ok(root != NULL && cJSON_IsObject(meta) &&
			cJSON_IsNumber(cJSON_GetObjectItem(meta, "id")) &&
			cJSON_IsString(cJSON_GetObjectItem(meta, "received")) &&
			cJSON_GetObjectItem(meta, "message-id") != NULL &&
			cJSON_GetObjectItem(meta, "envelope-sender") != NULL &&
			cJSON_GetObjectItem(meta, "filename") != NULL &&
			cJSON_GetObjectItem(meta, "source") != NULL &&
			cJSON_IsArray(cJSON_GetObjectItem(root, "policies")),
		    "line %d parses, has the report and _meta", i + 1);
		auth = cJSON_GetObjectItem(meta, "auth");
		ok(cJSON_IsObject(auth) &&
			cJSON_IsString(cJSON_GetObjectItem(auth, "method")) &&
			cJSON_IsString(cJSON_GetObjectItem(auth, "result")) &&
			cJSON_GetArraySize(auth) == 8,
		    "line %d: _meta.auth with its 8 members", i + 1);
		if (i == 0) {
			v = cJSON_GetObjectItem(meta, "received");
			ok(cJSON_IsString(v) &&
				strcmp(v->valuestring,
				    "2023-11-14T22:13:20Z") == 0,
			    "_meta.received is RFC 3339 UTC");
			v = cJSON_GetObjectItem(meta, "arrived");
			ok(cJSON_IsString(v) &&
				strcmp(v->valuestring,
				    "2023-11-14T19:26:40Z") == 0,
			    "_meta.arrived: when the mail arrived");
			v = cJSON_GetObjectItem(meta, "message-id");
			ok(cJSON_IsString(v) &&
				strcmp(v->valuestring, "r1@reporter.example") ==
				    0,
			    "_meta.message-id");
			ok(cJSON_IsString(
			       cJSON_GetObjectItem(meta, "filename")) &&
				cJSON_IsString(
				    cJSON_GetObjectItem(meta, "source")),
			    "_meta.filename and source");
			ok(auth_is(auth, "dkim", "pass", "reporter.example",
			       "20230601", "rsa-sha256", 2048, "insecure",
			       NULL),
			    "_meta.auth: every member of a dkim pass, bits a "
			    "number");
			ok(strstr(lines[0],
			       "\"auth\":{\"method\":\"dkim\",\"result\":"
			       "\"pass\",\"domain\":\"reporter.example\","
			       "\"selector\":\"20230601\",\"algorithm\":"
			       "\"rsa-sha256\",\"bits\":2048,\"dnssec\":"
			       "\"insecure\",\"reason\":null}}}") != NULL,
			    "_meta.auth in that order, last in _meta");
		}
		if (i == 1) {
			ok(cJSON_IsNull(
			       cJSON_GetObjectItem(meta, "filename")) &&
				cJSON_IsNull(cJSON_GetObjectItem(meta,
				    "envelope-sender")),
			    "absent _meta fields are null");
			ok(auth_is(auth, "none", "none", NULL, NULL, NULL, 0,
			       NULL, "stored with [trust] dkim = off"),
			    "_meta.auth of a report not checked: none, none, "
			    "nulls and the reason");
		}
		if (i == 3)
			ok(auth_is(auth, "none", "none", NULL, NULL, NULL, 0,
			       NULL, NULL),
			    "_meta.auth of a report nobody vouched for: none, "
			    "none, the rest null");
		cJSON_Delete(root);
	}
	ok(n > 2 && strstr(lines[2], ":3000000000,") != NULL &&
		strstr(lines[2], ":9007199254740991}") != NULL &&
		strstr(lines[2], "e+") == NULL,
	    "counts 3000000000 and 9007199254740991 print as exact integers");
	ok(n > 1 &&
		strstr(lines[1],
		    "\"x-float\":0.1,\"x-neg\":-5,"
		    "\"x-big\":1e+300,\"x-third\":0.3333333333333333,") != NULL,
	    "other numbers print exactly and shortest");
	ok(n > 1 && strstr(lines[1], "\\u001b") != NULL,
	    "control characters stay escaped");
	g_strfreev(lines);
	g_free(out);
}

static void
test_jsonl_bad(void)
{
	struct ti_err err = { 0 };
	struct report r;
	struct store *st;
	enum store_put_result res;
	char *path = g_build_filename(tmpdir, "bad.db", NULL);
	char *out, *sha;
	cJSON *root;
	int rc;

	/* a stored report whose JSON no longer parses (cannot come from
	   tlsrpt-ingest): jsonl and csv must still say something valid */
	memset(&r, 0, sizeof(r));
	r.organization_name = "Org";
	r.report_id = "bad";
	r.start_datetime = r.end_datetime = "2024-01-01T00:00:00Z";
	r.json = "{\"truncated\": ";
	r.json_len = strlen(r.json);
	sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, r.json, -1);
	g_strlcpy(r.sha256, sha, sizeof(r.sha256));
	g_free(sha);
	st = store_open(path, STORE_WRITE, 200, &err);
	ok(st != NULL && store_begin(st, &err) == 0 &&
		store_put(st, &r, NULL, &res, NULL, &err) == 0 &&
		store_commit(st, &err) == 0,
	    "store a broken JSON row: %s", err.msg);
	out = run(export_jsonl, st, NULL, &rc, &err);
	root = cJSON_Parse(out);
	ok(rc == 0 && root != NULL &&
		cJSON_IsString(cJSON_GetObjectItem(root, "_error")) &&
		cJSON_IsObject(cJSON_GetObjectItem(root, "_meta")),
	    "jsonl prints {\"_meta\":..., \"_error\":...}: %s", out);
	cJSON_Delete(root);
	g_free(out);
	out = run(export_csv, st, NULL, &rc, &err);
	ok(rc == -1 && err.status == TI_E_INPUT &&
		strstr(err.msg, "left out") != NULL &&
		g_str_has_prefix(out, "organization_name,"),
	    "csv says the report was left out: %s", err.msg);
	g_free(out);
	store_close(st);
	g_free(path);
}

static void
test_csv(struct store *st)
{
	static const char header[] =
	    "organization_name,report_id,"
	    "start_datetime,end_datetime,policy_type,policy_domain,"
	    "result_type,sending_mta_ip,receiving_mx_hostname,"
	    "receiving_mx_helo,receiving_ip,failed_session_count,"
	    "failure_reason_code,additional_information,"
	    "auth_method,auth_result,auth_domain,arrived\r\n";
	static const char row1[] =
	    "Reporter Inc.,r1,2024-01-01T00:00:00Z,"
	    "2024-01-01T23:59:59Z,sts,example.com,certificate-expired,"
	    "2001:db8::1,mx1.mx.example.com,,192.0.2.10,20,"
	    "X509_V_ERR_CERT_HAS_EXPIRED,\"a,b \"\"q\"\"\nline2\","
	    "dkim,pass,reporter.example,2023-11-14T19:26:40Z\r\n";
	static const char row2[] =
	    "Reporter Inc.,r1,2024-01-01T00:00:00Z,"
	    "2024-01-01T23:59:59Z,sts,example.com,starttls-not-supported,"
	    "198.51.100.3,mx2.mx.example.com,\" mx2 \",,5,,,"
	    "dkim,pass,reporter.example,2023-11-14T19:26:40Z\r\n";
	static const char row3[] =
	    "\"Big, \"\"Counter\"\"\",big,"
	    "2024-01-03T00:00:00Z,2024-01-03T23:59:59Z,tlsa,big.example,"
	    "tlsa-invalid,,,,,9007199254740991,,,"
	    "dkim,temperror,\"big,\"\"counter\"\".example\",2023-11-14T22:13:"
	    "22Z\r\n";
	struct ti_err err = { 0 };
	struct store_query q = { "example.com", 0, 0 };
	char *out, *want;
	int rc;

	out = run(export_csv, st, NULL, &rc, &err);
	want = g_strconcat(header, row1, row2, row3, NULL);
	ok(rc == 0 && strcmp(out, want) == 0,
	    "csv: header, one row per failure detail, RFC 4180 quoting, "
	    "CRLF, auth_method, auth_result, auth_domain and arrived last");
	if (strcmp(out, want) != 0)
		diag("got:\n%s", out);
	ok(g_utf8_validate(out, -1, NULL), "csv is valid UTF-8");
	g_free(out);
	g_free(want);
	out = run(export_csv, st, &q, &rc, &err);
	want = g_strconcat(header, row1, row2, NULL);
	ok(rc == 0 && strcmp(out, want) == 0, "csv with a domain filter");
	g_free(out);
	g_free(want);
}

/* The text of line from character (not byte) offset col on; "" past
   its end. */
static const char *
at_char(const char *line, long col)
{
	if (g_utf8_strlen(line, -1) <= col)
		return "";
	return g_utf8_offset_to_pointer(line, col);
}

/* Character offset of title in the header line, -1 if absent. */
static long
title_col(const char *header, const char *title)
{
	const char *p = strstr(header, title);

	return p != NULL ? g_utf8_pointer_to_offset(header, p) : -1;
}

static void
test_list(struct store *st)
{
	static const char *const auth[] = { "pass ", "none ", "temperror ",
		"none " };
	long ac, ic;
	struct ti_err err = { 0 };
	struct store_query q = { "EXAMPLE.NET.", 0, 0 };
	char *out, **lines;
	int rc, n;

	out = run(export_list, st, NULL, &rc, &err);
	lines = g_strsplit(out, "\n", -1);
	n = (int)g_strv_length(lines);
	ok(rc == 0 && n == 7, "list: header, four rows, count (%d lines)", n);
	ok(n > 0 && g_str_has_prefix(lines[0], "BEGIN       DOMAIN") &&
		strstr(lines[0], "REPORTER") && strstr(lines[0], "SUCCESS") &&
		strstr(lines[0], "FAILURE") && strstr(lines[0], "RATE") &&
		strstr(lines[0], "REPORT-ID") &&
		title_col(lines[0], "REPORTER") < title_col(lines[0], "AUTH") &&
		title_col(lines[0], "AUTH") < title_col(lines[0], "SUCCESS"),
	    "header, AUTH between REPORTER and SUCCESS: %s", n ? lines[0] : "");
	ac = n > 0 ? title_col(lines[0], "AUTH  ") : -1;
	ic = n > 0 ? title_col(lines[0], "REPORT-ID") : -1;
	for (int i = 1; i <= 4 && i < n && ac > 0; i++)
		ok(g_str_has_prefix(at_char(lines[i], ac), auth[i - 1]) &&
			at_char(lines[i], ac - 1)[0] == ' ' &&
			at_char(lines[i], ic - 1)[0] == ' ' &&
			at_char(lines[i], ic)[0] != ' ',
		    "row %d: \"%s\" under AUTH, the table aligned: %s", i,
		    auth[i - 1], lines[i]);
	ok(n > 1 && g_str_has_prefix(lines[1], "2024-01-01  example.com") &&
		strstr(lines[1], "Reporter Inc.") &&
		strstr(lines[1], " 75  ") && strstr(lines[1], " 25  ") &&
		strstr(lines[1], "25.00%  r1"),
	    "row 1: %s", n > 1 ? lines[1] : "");
	ok(n > 2 && strstr(lines[2], "Evil?[31mOrg?") &&
		strstr(lines[2], "0.00%") && strchr(out, '\x1b') == NULL &&
		strstr(out, "\xe2\x80\xae") == NULL,
	    "control and bidi characters shown as '?': %s",
	    n > 2 ? lines[2] : "");
	ok(n > 3 && strstr(lines[3], "3000000000") &&
		strstr(lines[3], "9007199254740991") &&
		strstr(lines[3], "100.00%"),
	    "big counts: %s", n > 3 ? lines[3] : "");
	ok(n > 4 && strstr(lines[4], "  -  ") &&
		strstr(lines[4], "\xe2\x80\xa6") &&
		!strstr(lines[4], "0123456789"),
	    "no sessions: rate '-'; long values cut with an ellipsis: %s",
	    n > 4 ? lines[4] : "");
	ok(n > 5 && strcmp(lines[5], "4 reports") == 0, "count line");
	ok(g_utf8_validate(out, -1, NULL), "list output is valid UTF-8");
	g_strfreev(lines);
	g_free(out);

	out = run(export_list, st, &q, &rc, &err);
	ok(rc == 0 && strstr(out, "example.net") && strstr(out, "\n1 report\n"),
	    "list with a domain filter: one row");
	g_free(out);
	q.domain = "nothing.example";
	out = run(export_list, st, &q, &rc, &err);
	ok(rc == 0 && strcmp(out, "no reports\n") == 0, "no match: no reports");
	g_free(out);
}

static void
test_parse_time(void)
{
	static const int64_t now = 1718454896; /* 2024-06-15T12:34:56Z */
	static const int64_t today = 1718409600;
	static const struct {
		const char *text;
		int ok;
		int64_t want;
	} cases[] = {
		{ "2024-01-01", 1, 1704067200 },
		{ "1970-01-01", 1, 0 },
		{ "2024-02-29", 1, 1709164800 },
		{ "2024-01-01T12:00:00Z", 1, 1704110400 },
		{ "2024-01-01t12:00:00z", 1, 1704110400 },
		{ "2024-01-01 12:00:00Z", 1, 1704110400 },
		{ "2024-01-01T12:00:00+02:00", 1, 1704103200 },
		{ "2024-01-01T12:00:00.5Z", 1, 1704110400 },
		{ "2024-01-01T12:00:00", 1, 1704110400 },
		{ "@0", 1, 0 },
		{ "@1704067200", 1, 1704067200 },
		{ "@-86400", 1, -86400 },
		{ "today", 1, today },
		{ "yesterday", 1, today - 86400 },
		{ "0d", 1, today },
		{ "7d", 1, today - 7 * 86400 },
		{ "-7d", 1, today - 7 * 86400 },
		{ "-30d", 1, today - 30 * 86400 },
		{ "", 0, 0 },
		{ "junk", 0, 0 },
		{ "2024-13-01", 0, 0 },
		{ "2023-02-29", 0, 0 },
		{ "2024-1-1", 0, 0 },
		{ "2024-01-01x", 0, 0 },
		{ "2024-01-01T25:00:00Z", 0, 0 },
		{ "2024-01-01T12:00:00Z junk", 0, 0 },
		{ "2024-01-01T12:00Z", 0, 0 },
		{ "2024-W01-1T00:00:00", 0, 0 },
		{ "@", 0, 0 },
		{ "@12x", 0, 0 },
		{ "@99999999999999999999", 0, 0 },
		{ "d", 0, 0 },
		{ "-d", 0, 0 },
		{ "--7d", 0, 0 },
		{ "7 d", 0, 0 },
		{ "7days", 0, 0 },
		{ "99999999999d", 0, 0 },
		{ "Today", 0, 0 },
	};
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < nitems(cases); i++) {
		t = -1;
		rc = export_parse_time(cases[i].text, now, &t);
		if (cases[i].ok)
			ok(rc == 0 && t == cases[i].want,
			    "parse_time \"%s\" = %" PRId64 " (got %" PRId64 ")",
			    cases[i].text, cases[i].want, t);
		else
			ok(rc == -1, "parse_time rejects \"%s\"",
			    cases[i].text);
	}
	ok(export_parse_time(NULL, now, &t) == -1, "parse_time rejects NULL");
	ok(export_parse_time("1d", -1, &t) == 0 && t == -2 * 86400,
	    "days before a time before 1970");
}

static void
rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	char *p;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		p = g_build_filename(dir, name, NULL);
		unlink(p);
		g_free(p);
	}
	g_dir_close(d);
	rmdir(dir);
}

int
main(void)
{
	struct ti_err err = { 0 };
	struct store *st, *empty;
	char *tmpl, *out, *path;
	int rc;

	tmpl =
	    g_build_filename(g_getenv("TMPDIR") ? g_getenv("TMPDIR") : "/tmp",
		"test-export.XXXXXX", NULL);
	if ((tmpdir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_parse_time();
	st = fill("e.db");
	ok(st != NULL, "store filled with four reports");
	if (st != NULL) {
		test_jsonl(st);
		test_csv(st);
		test_list(st);
		store_close(st);
	}
	test_jsonl_bad();

	path = g_build_filename(tmpdir, "empty.db", NULL);
	empty = store_open(path, STORE_WRITE, 200, &err);
	store_close(empty);
	empty = store_open(path, STORE_READ, 200, &err);
	out = empty ? run(export_list, empty, NULL, &rc, &err) : NULL;
	ok(out != NULL && strcmp(out, "no reports\n") == 0,
	    "empty store: \"no reports\"");
	g_free(out);
	out = empty ? run(export_jsonl, empty, NULL, &rc, &err) : NULL;
	ok(out != NULL && *out == '\0', "empty store: empty jsonl");
	g_free(out);
	store_close(empty);
	g_free(path);

	rm_rf(tmpdir);
	g_free(tmpl);
	return done_testing();
}
