/*
 * test-check.c: the pure stages of tlsrpt check (src/check/parse.c and
 * finding.c): the TLSRPT and MTA-STS record grammars, the policy file
 * (each common misconfiguration that is a parse matter), MX
 * pattern matching ("*." is one label) and both renderings.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "check/check.h"
#include "check/finding.h"
#include "check/parse.h"
#include "check/record.h"
#include "dns/resolve.h"
#include "tap.h"

/* Run the TLSRPT parser on txt: its return, and whether id/sev is the
   finding (NULL id: no finding at all). */
static int
tlsrpt_case(const char *txt, int want_rc, const char *id, enum check_sev sev)
{
	struct check_result *r = check_result_new("example.org");
	char **rua = NULL;
	int rc = check_tlsrpt_record(r, "_smtp._tls.example.org", txt, &rua);
	int good = rc == want_rc &&
	    (id == NULL ? r->findings->len == 0 : check_count(r, sev, id) > 0);

	if (!good)
		for (size_t i = 0; i < r->findings->len; i++) {
			struct finding *f = g_ptr_array_index(r->findings, i);
			diag("%s %s %s", f->id, check_sev_name(f->sev),
			    f->message);
		}
	g_strfreev(rua);
	check_result_free(r);
	return good;
}

static int
sts_case(const char *txt, int want_rc, const char *want_id, enum check_sev sev)
{
	struct check_result *r = check_result_new("example.org");
	char *id = NULL;
	int rc = check_sts_record(r, "_mta-sts.example.org", txt, &id);
	int good = rc == want_rc;

	if (want_rc == 0 && want_id != NULL)
		good = good && id != NULL && strcmp(id, want_id) == 0 &&
		    check_count(r, CHECK_ERROR, NULL) == 0;
	else if (want_id != NULL)
		good = good && check_count(r, sev, want_id) > 0;
	g_free(id);
	check_result_free(r);
	return good;
}

/* Parse a policy; the finding id/sev must be there (NULL: none at all
   but the mode's own). */
static int
policy_case(const char *text, size_t len, int want_rc, const char *id,
    enum check_sev sev, struct sts_policy *out)
{
	struct check_result *r = check_result_new("example.org");
	struct sts_policy p;
	int rc =
	    check_policy(r, "https://mta-sts.example.org/x", text, len, &p);
	int good = rc == want_rc &&
	    (id == NULL ? check_count(r, CHECK_ERROR, NULL) +
			    check_count(r, CHECK_WARNING, NULL) ==
			0
			: check_count(r, sev, id) > 0);

	if (!good)
		for (size_t i = 0; i < r->findings->len; i++) {
			struct finding *f = g_ptr_array_index(r->findings, i);
			diag("%s %s %s", f->id, check_sev_name(f->sev),
			    f->message);
		}
	if (out != NULL)
		*out = p;
	else
		sts_policy_clear(&p);
	check_result_free(r);
	return good;
}

#define POL(s) s, sizeof(s) - 1
#define DAY0 1767225600 /* 2026-01-01 */

/* The cross-checks with the check history (R1, R3), from fabricated
   rows: a policy text that changed under the same id; failures that
   began when an MX key changed. */
static void
test_history(void)
{
	const struct store_seen rows[] = {
		{ DAY0, "policy", "20260101", "aaaa" },
		{ DAY0, "spki", "mx1.h.example [192.0.2.1]", "1111" },
		{ DAY0 + 86400, "policy", "20260101", "aaaa" },
		{ DAY0 + 86400, "spki", "mx1.h.example [192.0.2.1]", "1111" },
		{ DAY0 + 2 * 86400, "policy", "20260101", "aaaa" },
		{ DAY0 + 2 * 86400, "spki", "mx1.h.example [192.0.2.1]",
		    "2222" },
	};
	GHashTable *ff =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	struct check_result *r;
	int64_t *t = g_new(int64_t, 1);

	/* R1: same id, new text */
	r = check_result_new("h.example");
	check_see(r, "policy", "20260101", "bbbb");
	check_history_findings(r, rows, nitems(rows), DAY0 + 3 * 86400, NULL);
	ok(check_count(r, CHECK_ERROR, "R1") == 1 &&
		strstr(((struct finding *)r->findings->pdata[0])->message,
		    "changed since 2026-01-03, but the _mta-sts id did not") !=
		    NULL,
	    "R1: the policy text changed without a new id: %s",
	    r->findings->len
		? ((struct finding *)r->findings->pdata[0])->message
		: "-");
	check_result_free(r);
	r = check_result_new("h.example");
	check_see(r, "policy", "20260201", "bbbb");
	check_see(r, "policy", "", "cccc");
	check_history_findings(r, rows, nitems(rows), DAY0 + 3 * 86400, NULL);
	ok(r->findings->len == 0, "R1: a new id with the new text is fine");
	check_result_free(r);

	/* R3: the key changed between day 1 and day 2; failures began on
	   day 2 */
	*t = DAY0 + 2 * 86400 + 3600;
	g_hash_table_replace(ff, g_strdup("mx1.h.example"), t);
	r = check_result_new("h.example");
	check_see(r, "spki", "mx1.h.example [192.0.2.1]", "2222");
	check_history_findings(r, rows, nitems(rows), DAY0 + 3 * 86400, ff);
	ok(check_count(r, CHECK_ERROR, "R3") == 1 &&
		strstr(((struct finding *)r->findings->pdata[0])->message,
		    "failures at mx1.h.example began on 2026-01-03, when its "
		    "key changed") != NULL,
	    "R3: failures began when the key changed: %s",
	    r->findings->len
		? ((struct finding *)r->findings->pdata[0])->message
		: "-");
	check_result_free(r);
	/* failures that began before: no R3 */
	*t = DAY0;
	r = check_result_new("h.example");
	check_history_findings(r, rows, nitems(rows), DAY0 + 3 * 86400, ff);
	ok(r->findings->len == 0, "R3: failures older than the new key: none");
	check_result_free(r);
	/* the key changes in this run, failures began yesterday */
	*t = DAY0 + 2 * 86400;
	r = check_result_new("h.example");
	check_see(r, "spki", "mx1.h.example [192.0.2.1]", "3333");
	check_history_findings(r, rows, 4, DAY0 + 3 * 86400, ff);
	ok(check_count(r, CHECK_ERROR, "R3") == 1,
	    "R3: a key first seen in this run");
	check_result_free(r);
	/* no failure at that MX: no R3 */
	g_hash_table_remove_all(ff);
	r = check_result_new("h.example");
	check_history_findings(r, rows, nitems(rows), DAY0 + 3 * 86400, ff);
	ok(r->findings->len == 0, "R3: a new key without failures: none");
	check_result_free(r);
	g_hash_table_destroy(ff);
}

int
main(void)
{
	struct check_result *r;
	struct sts_policy p;
	char **rua = NULL;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	/* TLSRPT record, RFC 8460 §3 */
	ok(tlsrpt_case("v=TLSRPTv1; rua=mailto:tlsrpt@example.org", 0, NULL, 0),
	    "T: a plain record is clean");
	ok(tlsrpt_case("v=TLSRPTv1;rua=mailto:a@example.org, "
		       "https://r.example.org/tlsrpt;",
	       0, NULL, 0),
	    "T: two URIs, \", \" between them, a last \";\"");
	ok(tlsrpt_case("v=TLSRPTv1 ; rua=mailto:a@example.org", 0, NULL, 0),
	    "T: WSP before \";\" is in the grammar");
	ok(tlsrpt_case("rua=mailto:a@example.org; v=TLSRPTv1", -1, "T3",
	       CHECK_ERROR),
	    "T3: version not first");
	ok(tlsrpt_case("v=tlsrptv1; rua=mailto:a@example.org", -1, "T3",
	       CHECK_ERROR),
	    "T3: version is case-sensitive");
	ok(tlsrpt_case("v=TLSRPTv1 rua=mailto:a@example.org", -1, "T3",
	       CHECK_ERROR),
	    "T3: missing \";\"");
	ok(tlsrpt_case("v=TLSRPTv1;", -1, "T4", CHECK_ERROR), "T4: no rua");
	ok(tlsrpt_case("v=TLSRPTv1; rua=tlsrpt@example.org", -1, "T4",
	       CHECK_ERROR),
	    "T4: rua without a scheme");
	ok(tlsrpt_case("v=TLSRPTv1; rua=mailto:a@example.org!10m", -1, "T4",
	       CHECK_ERROR),
	    "T4: a DMARC-style size limit");
	ok(tlsrpt_case("v=TLSRPTv1; rua=ftp://example.org/x", -1, "T4",
	       CHECK_ERROR),
	    "T4: ftp: is not a TLSRPT scheme");
	ok(tlsrpt_case("v=TLSRPTv1; rua=https://", -1, "T4", CHECK_ERROR),
	    "T4: https: without a host");
	ok(tlsrpt_case("v=TLSRPTv1; rua=mailto:a@example.org; ext=1", 0, "T5",
	       CHECK_INFO),
	    "T5: an unknown extension is only info");
	ok(tlsrpt_case("v=TLSRPTv1; rua=mailto:a@example.org; e x=1", -1, "T5",
	       CHECK_ERROR),
	    "T5: a bad extension name");
	r = check_result_new("x");
	ok(check_tlsrpt_record(r, "o",
	       "v=TLSRPTv1; rua=mailto:a@x.org,mailto:b@x.org", &rua) == 0 &&
		rua != NULL && g_strv_length(rua) == 2 &&
		strcmp(rua[1], "mailto:b@x.org") == 0,
	    "T4: the URIs are handed back");
	g_strfreev(rua);
	check_result_free(r);
	ok(check_txt_is("v=TLSRPTv1;x", CHECK_TLSRPT_VERSION) &&
		!check_txt_is("v=TLSRPTv", CHECK_TLSRPT_VERSION) &&
		!check_txt_is("v=spf1", CHECK_STS_VERSION),
	    "check_txt_is: the prefix rule");

	/* MTA-STS record, RFC 8461 §3.1 */
	ok(sts_case("v=STSv1; id=20260101T000000", 0, "20260101T000000", 0),
	    "S3: a plain record gives its id");
	ok(sts_case("v=STSv1; id=2026-01-01", -1, "S3", CHECK_ERROR),
	    "S3: a hyphen in id");
	ok(sts_case("v=STSv1; id=123456789012345678901234567890123", -1, "S3",
	       CHECK_ERROR),
	    "S3: id of 33 characters");
	ok(sts_case("v=STSv1;", -1, "S3", CHECK_ERROR), "S3: no id");
	ok(sts_case("v=STSv1 id=1", -1, "S3", CHECK_ERROR),
	    "S3: missing \";\"");
	ok(sts_case("v=STSv1; id=1; x=y", 0, "1", 0),
	    "S3: an extension is fine");
	ok(sts_case("V=STSv1; id=1", -1, "S3", CHECK_ERROR),
	    "S3: version is case-sensitive");

	/* the policy, RFC 8461 §3.2 */
	ok(policy_case(POL("version: STSv1\r\nmode: enforce\r\n"
			   "mx: mx1.example.org\r\nmx: *.example.net\r\n"
			   "max_age: 604800\r\n"),
	       0, NULL, 0, &p),
	    "C: a clean enforce policy (CRLF)");
	ok(p.mode == STS_MODE_ENFORCE && p.max_age == 604800 && p.n_mx == 2 &&
		strcmp(p.mx[1], "*.example.net") == 0,
	    "C: mode, max_age and mx handed back");
	sts_policy_clear(&p);
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: mx.example.org\n"
			   "max_age: 604800"),
	       0, NULL, 0, NULL),
	    "C5: LF line ends and no last newline are not flagged");
	ok(policy_case(
	       POL("mode: enforce\nmx: a.example.org\nmax_age: 604800\n"), -1,
	       "C1", CHECK_ERROR, NULL),
	    "C1: no version");
	ok(policy_case(POL("version: STSv2\nmode: enforce\nmx: a.example.org\n"
			   "max_age: 604800\n"),
	       -1, "C1", CHECK_ERROR, NULL),
	    "C1: STSv2");
	ok(policy_case(POL("version: STSv1\nmode: Enforce\nmx: a.example.org\n"
			   "max_age: 604800\n"),
	       -1, "C2", CHECK_ERROR, NULL),
	    "C2: mode is case-sensitive");
	ok(policy_case(POL("version: STSv1\nmode: report\nmx: a.example.org\n"
			   "max_age: 604800\n"),
	       -1, "C2", CHECK_ERROR, NULL),
	    "C2: the draft's mode report");
	ok(policy_case(POL("version: STSv1\nmode: testing\nmx: a.example.org\n"
			   "max_age: 604800\n"),
	       0, "C2", CHECK_WARNING, NULL),
	    "C2: mode testing is a warning");
	ok(policy_case(POL("version: STSv1\nmode: none\nmax_age: 86400\n"), 0,
	       "C2", CHECK_INFO, NULL),
	    "C2/C4: mode none needs no mx");
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: a.example.org\n"
			   "max_age: 1d\n"),
	       -1, "C3", CHECK_ERROR, NULL),
	    "C3: max_age 1d");
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: a.example.org\n"
			   "max_age: 31557601\n"),
	       -1, "C3", CHECK_ERROR, NULL),
	    "C3: max_age over the RFC's bound");
	ok(policy_case(POL("version: STSv1\nmode: testing\nmx: a.example.org\n"
			   "max_age: 3600\n"),
	       0, "C3", CHECK_WARNING, NULL),
	    "C3: max_age under a day warns");
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: a.example.org\n"
			   "max_age: 86400\n"),
	       0, "C3", CHECK_WARNING, NULL),
	    "C3: enforce under a week warns");
	ok(policy_case(POL("version: STSv1\nmode: enforce\nnmx: a.example.org\n"
			   "max_age: 604800\n"),
	       -1, "C5", CHECK_WARNING, NULL),
	    "C5: nmx is a near miss of mx (and C4: no mx)");
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: 192.0.2.1\n"
			   "max_age: 604800\n"),
	       -1, "C4", CHECK_ERROR, NULL),
	    "C4: an IP address as mx");
	ok(policy_case(
	       POL("version: STSv1\nmode: enforce\nmx: mx.example.org.\n"
		   "max_age: 604800\n"),
	       -1, "C4", CHECK_ERROR, NULL),
	    "C4: a trailing dot");
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: "
			   "m\xc3\xa4il.example.org\n"
			   "max_age: 604800\n"),
	       -1, "C4", CHECK_ERROR, NULL),
	    "C4: a U-label");
	ok(policy_case(POL("version: STSv1\nmode: testing\nmode: enforce\n"
			   "mx: a.example.org\nmax_age: 604800\n"),
	       0, "C5", CHECK_WARNING, &p),
	    "C5: a duplicate mode warns");
	ok(p.mode == STS_MODE_TESTING, "C5: the first mode wins");
	sts_policy_clear(&p);
	ok(policy_case(POL("version: STSv1\nmode: enforce\nmx: a.example.org\n"
			   "max_age: 604800\nfoo: bar\n"),
	       0, NULL, 0, NULL),
	    "C5: an unknown key is only info");
	ok(policy_case(POL("<html><body>404</body></html>"), -1, "P6",
	       CHECK_ERROR, NULL),
	    "P6: HTML");
	ok(policy_case(POL("\xef\xbb\xbfversion: STSv1\nmode: enforce\n"
			   "mx: a.example.org\nmax_age: 604800\n"),
	       -1, "P6", CHECK_ERROR, NULL),
	    "P6: a byte order mark");
	ok(policy_case(POL("version: STSv1\nmode: enforce\0\n"), -1, "P6",
	       CHECK_ERROR, NULL),
	    "P6: a NUL byte");
	ok(policy_case(POL("version: STSv1\nmode: enforce\xff\n"), -1, "P6",
	       CHECK_ERROR, NULL),
	    "P6: not UTF-8");

	/* mx patterns, RFC 8461 §4.1 */
	ok(check_mx_match("mx1.example.org", "MX1.Example.org."),
	    "M2: a literal, any case, trailing dot");
	ok(check_mx_match("*.example.org", "mx1.example.org"),
	    "M2: *. covers one label");
	ok(!check_mx_match("*.mx.microsoft", "x.h-v1.mx.microsoft"),
	    "M2: *. does not cover two labels");
	ok(!check_mx_match("*.example.org", "example.org"),
	    "M2: *. does not cover the bare domain");
	ok(!check_mx_match("mx1.example.org", "mx10.example.org"),
	    "M2: no prefix match");

	/* rendering */
	r = check_result_new("example.org");
	check_add(r, "X6", CHECK_ERROR, "renew it",
	    "mx1.example.org [127.0.0.2]: certificate \"expired\"");
	check_add(r, "T5", CHECK_INFO, NULL, "unknown field");
	ok(strcmp(check_verdict(r), "error") == 0, "verdict: error");
	f = open_memstream(&out, &outlen);
	check_render_text(f, &r, 1);
	fclose(f);
	ok(g_str_has_prefix(out, "example.org: error (1 error, 1 note)\n") &&
		strstr(out, "TLSRPT record") < strstr(out, "STARTTLS"),
	    "text: the verdict first, the families in order");
	free(out);
	f = open_memstream(&out, &outlen);
	check_render_json(f, &r, 1);
	fclose(f);
	ok(strstr(out, "\"id\":\t\"X6\"") != NULL &&
		strstr(out, "\\\"expired\\\"") != NULL &&
		strstr(out, "\"fix\":\tnull") != NULL,
	    "json: id, escaped message, null fix");
	free(out);
	check_result_free(r);
	r = check_result_new("example.net");
	check_incomplete(r, "DNS: timeout");
	ok(strcmp(check_verdict(r), "incomplete") == 0,
	    "verdict: incomplete when DNS failed");
	check_result_free(r);

	/* names and addresses in rdata (dns/resolve.c, used by check.c) */
	{
		static const unsigned char mx[] = { 0, 10, 3, 'M', 'x', '1', 7,
			'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
		static const unsigned char root[] = { 0, 0, 0 };
		static const unsigned char bad[] = { 0, 10, 9, 'm', 'x' };
		size_t off = 2;
		char *name = dns_wire_name(mx, sizeof(mx), &off);

		ok(name != NULL && strcmp(name, "mx1.example") == 0 &&
			off == sizeof(mx),
		    "dns_wire_name: lowercase, no trailing dot");
		g_free(name);
		off = 2;
		name = dns_wire_name(root, sizeof(root), &off);
		ok(name != NULL && strcmp(name, ".") == 0,
		    "dns_wire_name: the root (a null MX)");
		g_free(name);
		off = 2;
		ok(dns_wire_name(bad, sizeof(bad), &off) == NULL,
		    "dns_wire_name: a label past the end");
	}

	/* tlsrpt record's generator */
	{
		char *long_txt = g_strnfill(300, 'a'), *line, *why = NULL;
		const char *rua_v[] = { "mailto:a@example.org",
			"https://r.example.org/x", NULL };
		const char *mx_v[] = { "mx1.example.org", "*.example.net",
			NULL };
		struct record_in in = { "example.org", rua_v, mx_v,
			STS_MODE_ENFORCE, 604800, "20260101T000000", 3600 };
		struct record_out ro;

		long_txt[10] = '"';
		line = record_zone_txt("x.example.org", 300, long_txt);
		ok(g_str_has_prefix(line, "x.example.org. 300 IN TXT \"") &&
			strstr(line, "\\\"") != NULL &&
			strstr(line, "\" \"") != NULL,
		    "record: TXT split at 255 bytes, quotes escaped");
		g_free(line);
		g_free(long_txt);
		ok(record_make(&in, &ro, &why) == 0 &&
			strcmp(ro.tlsrpt_txt,
			    "v=TLSRPTv1; rua=mailto:a@example.org,"
			    "https://r.example.org/x") == 0 &&
			strcmp(ro.policy,
			    "version: STSv1\r\nmode: enforce\r\n"
			    "mx: mx1.example.org\r\nmx: *.example.net\r\n"
			    "max_age: 604800\r\n") == 0 &&
			strstr(ro.zone,
			    "_mta-sts.example.org. 3600 IN TXT "
			    "\"v=STSv1; id=20260101T000000\"") != NULL &&
			strstr(ro.nginx, "default_type text/plain;") != NULL,
		    "record: records, CRLF policy, zone lines, nginx");
		record_out_clear(&ro);
		in.mode = STS_MODE_NONE;
		ok(record_make(&in, &ro, &why) == 0 &&
			strstr(ro.policy, "mx:") == NULL,
		    "record: mode none has no mx lines");
		record_out_clear(&ro);
		in.mode = STS_MODE_ENFORCE;
		in.id = "2026-01-01";
		ok(record_make(&in, &ro, &why) == -1 && why != NULL &&
			strstr(why, "2026-01-01") != NULL,
		    "record: a bad id is refused with the checker's words");
		g_free(why);
	}
	test_history();
	return done_testing();
}
