/*
 * test-digest.c: the digest analysis (digest_build) from reports decoded
 * here, its helpers, the renderers and the mail wrapper: sessions
 * counted once (sts + tlsa), failure groups, thresholds, trend, days,
 * "confined to one MX", reporter cadence and silence, the enforce
 * verdicts, Microsoft's double-encoded TLSA, hostile strings; the
 * incremental builder (same model, keeps nothing it was lent) and the
 * short paths taken for speed (digest_clean of ASCII, repeated failure
 * details, cached hosts and policy strings) against the long ones;
 * trust: reports nobody vouched for move no figure, trend, cadence or
 * verdict unless count_unauthenticated, are tallied apart by kind, and
 * a domain with only such reports says why it has no verdict; reports
 * posted over HTTPS count unless count_https = 0, and every rendering
 * names them apart; the overview of many domains: ordered by attention,
 * the detail cut once for every renderer, nothing changed below the cut.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "trust/auth.h"
#include "digest/digest.h"
#include "check/finding.h"
#include "ingest/mime.h"
#include "tap.h"

#define DAY 86400
#define D0 1791158400 /* 2026-10-05, a Monday */

static GPtrArray *reports; /* everything decoded, freed at the end */

/* Who vouched: add() gives each entry *vouch (DKIM pass unless a test
   says otherwise). */
static struct ti_auth a_dkim, a_ar, a_unchecked, a_fail, a_temp;
static const struct ti_auth *vouch = &a_dkim;
/* How it came: add() gives each entry via (NULL: mail). */
static const char *via;

/* A decoded report; policies is the JSON array text. */
static struct report *
mk(const char *org, const char *id, int day, const char *policies)
{
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	char *start = NULL, *d;
	char *json;

	d = g_strdup_printf("%lld", (long long)(D0 + (int64_t)day * DAY));
	{
		GDateTime *dt =
		    g_date_time_new_from_unix_utc(D0 + (int64_t)day * DAY);

		start = g_date_time_format(dt, "%Y-%m-%d");
		g_date_time_unref(dt);
	}
	json = g_strdup_printf("{\"organization-name\":\"%s\","
			       "\"date-range\":{\"start-datetime\":"
			       "\"%sT00:00:00Z\",\"end-datetime\":"
			       "\"%sT23:59:59Z\"},\"contact-info\":"
			       "\"r@example.net\",\"report-id\":\"%s\","
			       "\"policies\":%s}",
	    org, start, start, id, policies);
	ti_limits_default(&lim);
	if (report_decode((const unsigned char *)json, strlen(json), &lim, &r,
		&err) == -1) {
		diag("decode %s: %s", json, err.msg);
		abort();
	}
	g_ptr_array_add(reports, r);
	g_free(json);
	g_free(start);
	g_free(d);
	return r;
}

/* One sts policy with optional failure-details (JSON text or ""). */
static char *
sts(const char *domain, const char *mode, int okn, int bad, const char *details)
{
	return g_strdup_printf(
	    "{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
	    "[\"version: STSv1\",\"mode: %s\",\"mx: mx1.%s\",\"mx: mx2.%s\"],"
	    "\"policy-domain\":\"%s\"},\"summary\":"
	    "{\"total-successful-session-count\":%d,"
	    "\"total-failure-session-count\":%d}%s%s%s}",
	    mode, domain, domain, domain, okn, bad,
	    *details ? ",\"failure-details\":[" : "", details,
	    *details ? "]" : "");
}

static char *
fd(const char *type, const char *mx, int n)
{
	if (mx == NULL)
		return g_strdup_printf("{\"result-type\":\"%s\","
				       "\"failed-session-count\":%d}",
		    type, n);
	return g_strdup_printf("{\"result-type\":\"%s\","
			       "\"receiving-mx-hostname\":\"%s\","
			       "\"receiving-ip\":\"192.0.2.1\","
			       "\"sending-mta-ip\":\"198.51.100.1\","
			       "\"failed-session-count\":%d}",
	    type, mx, n);
}

struct entries {
	GArray *a;
};

static void
add(struct entries *e, const struct report *r, int with_detail)
{
	struct digest_entry x;

	memset(&x, 0, sizeof(x));
	x.organization = r->organization_name;
	x.report_id = r->report_id;
	x.contact = r->contact_info;
	x.domain = report_domain(r);
	x.start = r->start;
	x.end = r->end;
	x.received = r->end + 3600;
	report_totals(r, &x.successful, &x.failed);
	x.report = with_detail ? r : NULL;
	x.auth = vouch;
	x.source = via;
	g_array_append_val(e->a, x);
}

/* A daily reporter for domain over days [from, to], clean. */
static void
daily(struct entries *e, const char *org, const char *domain, int from, int to,
    int okn)
{
	for (int day = from; day <= to; day++) {
		char *id = g_strdup_printf("%s-%s-%d", org, domain, day);
		char *p = sts(domain, "testing", okn, 0, "");
		char *pol = g_strdup_printf("[%s]", p);

		add(e, mk(org, id, day, pol), 1);
		g_free(id);
		g_free(p);
		g_free(pol);
	}
}

static void
params(struct digest_params *p, int since_day, int days)
{
	digest_params_default(p);
	p->since = D0 + (int64_t)since_day * DAY;
	p->until = p->since + (int64_t)days * DAY;
	p->now = p->until + 10 * DAY;
}

static const struct digest_domain *
find(const struct digest *d, const char *name)
{
	for (size_t i = 0; i < d->n_domains; i++)
		if (strcmp(d->domains[i].name, name) == 0)
			return &d->domains[i];
	return NULL;
}

static const struct digest_reporter *
reporter(const struct digest_domain *dom, const char *org)
{
	for (size_t i = 0; i < dom->n_reporters; i++)
		if (strcmp(dom->reporters[i].organization, org) == 0)
			return &dom->reporters[i];
	return NULL;
}

static void
test_helpers(void)
{
	static const struct {
		const char *in;
		const char *want;
	} clean[] = {
		{ "plain", "plain" },
		{ "a\r\nb", "a??b" },
		{ "tab\there", "tab?here" },
		{ "bad\xff"
		  " utf8",
		    "bad? utf8" },
		{ "bidi\xe2\x80\xae"
		  "evil",
		    "bidi?evil" },
		{ "del\x7f", "del?" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
	};
	static const struct {
		const char *name;
		int want;
	} hosts[] = {
		{ "example.com", 1 },
		{ "mx-1.example.com.", 1 },
		{ "_smtp._tls.example.com", 1 },
		{ "", 0 },
		{ "-bad.example", 0 },
		{ "bad-.example", 0 },
		{ "a..b", 0 },
		{ ".", 0 },
		{ "exa mple.com", 0 },
		{ "<script>.example", 0 },
		{ "x\nBcc: y", 0 },
		{ "caf\xc3\xa9.example", 0 },
	};
	char *s, **v, *mode, **mx;
	char *const tlsa_ms[] = { "[\"3 1 1 AA\",\"3 1 1 BB\"]", NULL };
	char *const tlsa_plain[] = { "3 1 1 CC", " 2 0 1 DD ", NULL };
	char *const tlsa_bad[] = { "[\"unterminated", "[1,2]", NULL };
	char *const policy[] = { "version: STSv1\r", "mode : testing\r",
		"mx: mx1.example.com\r", "MX:*.example.com", "max_age: 86400",
		"garbage", "mode: enforce", NULL };

	for (size_t i = 0; i < nitems(clean); i++) {
		s = digest_clean(clean[i].in, 0);
		ok(strcmp(s, clean[i].want) == 0, "digest_clean %zu: %s", i, s);
		g_free(s);
	}
	s = digest_clean("abcdefghij", 5);
	ok(strcmp(s, "abcd\xe2\x80\xa6") == 0, "digest_clean caps with …");
	g_free(s);
	ok(digest_clean(NULL, 0) == NULL, "digest_clean(NULL)");
	for (size_t i = 0; i < nitems(hosts); i++)
		ok(digest_hostname_ok(hosts[i].name) == hosts[i].want,
		    "hostname_ok %zu", i);

	v = digest_tlsa_records(tlsa_ms);
	ok(g_strv_length(v) == 2 && strcmp(v[0], "3 1 1 AA") == 0 &&
		strcmp(v[1], "3 1 1 BB") == 0,
	    "TLSA: Microsoft's double encoding gives the records");
	g_strfreev(v);
	v = digest_tlsa_records(tlsa_plain);
	ok(g_strv_length(v) == 2 && strcmp(v[1], "2 0 1 DD") == 0,
	    "TLSA: plain records kept (trimmed)");
	g_strfreev(v);
	v = digest_tlsa_records(tlsa_bad);
	ok(g_strv_length(v) == 2 && strcmp(v[0], "[\"unterminated") == 0 &&
		strcmp(v[1], "[1,2]") == 0,
	    "TLSA: unparsable or non-string JSON kept verbatim");
	g_strfreev(v);
	v = digest_tlsa_records(NULL);
	ok(v != NULL && v[0] == NULL, "TLSA: none");
	g_strfreev(v);

	digest_sts_policy(policy, &mode, &mx);
	ok(mode != NULL && strcmp(mode, "testing") == 0,
	    "STS: mode, CR trimmed, the first wins");
	ok(g_strv_length(mx) == 2 && strcmp(mx[0], "mx1.example.com") == 0 &&
		strcmp(mx[1], "*.example.com") == 0,
	    "STS: mx lines, any case of key");
	g_free(mode);
	g_strfreev(mx);
	digest_sts_policy(NULL, &mode, NULL);
	ok(mode == NULL, "STS: no policy-string, no mode");

	s = digest_pct(2.345);
	ok(strcmp(s, "2.35%") == 0 || strcmp(s, "2.34%") == 0, "pct: %s", s);
	g_free(s);
	s = digest_date(D0);
	ok(strcmp(s, "2026-10-05") == 0, "date");
	g_free(s);
	s = digest_datetime(D0 + 3600 + 60);
	ok(strcmp(s, "2026-10-05 01:01") == 0, "datetime");
	g_free(s);
	ok(strcmp(digest_level_name(DIGEST_ACTION), "action") == 0 &&
		strcmp(digest_verdict_name(VERDICT_READY), "ready") == 0,
	    "names");
}

/* Microsoft: sts and tlsa with the same counts and failures. */
static void
test_count_once(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	char *f1 = fd("certificate-host-mismatch", "mx2.example.com", 10);
	char *f2 = fd("sts-policy-fetch-error", NULL, 4);
	char *f12 = g_strdup_printf("%s,%s", f1, f2);
	char *s = sts("example.com", "testing", 90, 14, f12);
	char *pol = g_strdup_printf(
	    "[%s,{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
	    "[\"[\\\"3 1 1 AA\\\",\\\"3 1 1 BB\\\"]\"],\"policy-domain\":"
	    "\"mx1.example.com\"},\"summary\":{"
	    "\"total-successful-session-count\":90,"
	    "\"total-failure-session-count\":10},\"failure-details\":[%s]}]",
	    s, f1);

	add(&e, mk("Microsoft Corporation", "m1", 0, pol), 1);
	params(&p, 0, 1);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "example.com");
	ok(d->n_domains == 1 && dom != NULL,
	    "one domain (tlsa policy-domain "
	    "is not a domain of its own)");
	ok(dom->successful == 90 && dom->failed == 14,
	    "sts + tlsa: sessions counted once (%lld/%lld)",
	    (long long)dom->successful, (long long)dom->failed);
	ok(dom->n_types == 2 && dom->types[0].sessions == 10 &&
		strcmp(dom->types[0].result_type,
		    "certificate-host-mismatch") == 0,
	    "a failure repeated under tlsa counts once");
	ok(dom->tlsa[0] != NULL && strcmp(dom->tlsa[0], "3 1 1 AA") == 0 &&
		strcmp(dom->tlsa[1], "3 1 1 BB") == 0 && dom->tlsa[2] == NULL,
	    "TLSA records decoded");
	ok(dom->n_modes == 1 && strcmp(dom->modes[0].name, "testing") == 0,
	    "mode from policy-string");
	ok(dom->category[ADVICE_CERTIFICATE] == 10 &&
		dom->category[ADVICE_STS] == 4,
	    "categories");
	ok(dom->only_mx != NULL && strcmp(dom->only_mx, "mx2.example.com") == 0,
	    "confined to mx2 (mx1 known from the TLSA policy-domain)");
	ok(dom->n_failures == 2 &&
		strcmp(dom->failures[0].result_type,
		    "certificate-host-mismatch") == 0 &&
		dom->failures[0].only_mx &&
		strstr(dom->failures[0].fix, "mx2.example.com") != NULL &&
		dom->failures[1].mx == NULL && !dom->failures[1].only_mx,
	    "failure groups: by severity, MX named in the fix");
	ok(dom->failures[0].n_sending_ips == 1 &&
		strcmp(dom->failures[0].sending_ips[0].name, "198.51.100.1") ==
		    0 &&
		dom->failures[0].n_receiving_ips == 1,
	    "sending and receiving IPs");
	digest_free(d);
	g_array_unref(e.a);
	g_free(f1);
	g_free(f2);
	g_free(f12);
	g_free(s);
	g_free(pol);
}

static void
test_levels(void)
{
	static const struct {
		int okn, bad;
		enum digest_level want;
	} cases[] = {
		{ 0, 0, DIGEST_QUIET },
		{ 100, 0, DIGEST_CLEAN },
		{ 1000, 5, DIGEST_NOISE },
		{ 99, 1, DIGEST_WATCH }, /* exactly 1 % */
		{ 95, 5, DIGEST_WATCH }, /* exactly 5 % */
		{ 94, 6, DIGEST_ACTION },
		{ 0, 3, DIGEST_ACTION },
	};

	for (size_t i = 0; i < nitems(cases); i++) {
		struct entries e = { g_array_new(FALSE, TRUE,
		    sizeof(struct digest_entry)) };
		struct digest_params p;
		struct digest *d;
		char *f = cases[i].bad
		    ? fd("certificate-expired", "mx1.l.example", cases[i].bad)
		    : g_strdup("");
		char *s =
		    sts("l.example", "testing", cases[i].okn, cases[i].bad, f);
		char *pol = g_strdup_printf("[%s]", s);
		char *id = g_strdup_printf("l%zu", i);

		add(&e, mk("R", id, 3, pol), 1);
		params(&p, 0, 7);
		d = digest_build((struct digest_entry *)(void *)e.a->data,
		    e.a->len, &p);
		ok(d->n_domains == 1 && d->domains[0].level == cases[i].want &&
			d->level == cases[i].want,
		    "level %d/%d: %s", cases[i].okn, cases[i].bad,
		    d->n_domains ? digest_level_name(d->domains[0].level)
				 : "-");
		digest_free(d);
		g_array_unref(e.a);
		g_free(f);
		g_free(s);
		g_free(pol);
		g_free(id);
	}
}

/* Trend, days, domain filter, the window. */
static void
test_period(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	char *f = fd("starttls-not-supported", "mx1.t.example", 10);
	char *s = sts("t.example", "testing", 990, 10, f);
	char *pol = g_strdup_printf("[%s]", s);
	char *text, *html, *json, *c;
	cJSON *root;

	daily(&e, "Google Inc.", "t.example", 0, 6, 1000); /* week 1 */
	add(&e, mk("Google Inc.", "t-w2", 9, pol), 1); /* week 2 */
	daily(&e, "Google Inc.", "u.example", 8, 8, 5);
	daily(&e, "Google Inc.", "t.example", 30, 30, 7); /* after until */
	params(&p, 7, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	ok(d->n_domains == 2 && strcmp(d->domains[0].name, "t.example") == 0 &&
		strcmp(d->domains[1].name, "u.example") == 0,
	    "domains sorted by name");
	dom = find(d, "t.example");
	ok(dom->reports == 1 && dom->successful == 990 && dom->failed == 10,
	    "period: only its reports (not the later one)");
	ok(dom->has_prev && dom->prev_successful == 7000 &&
		dom->prev_failed == 0,
	    "previous period of the same length");
	c = digest_change(dom);
	ok(strcmp(c, "+1.00 points") == 0, "change: %s", c);
	g_free(c);
	ok(dom->n_days == 7 && dom->days[0].day == D0 + 7 * DAY &&
		dom->days[2].successful == 990 && dom->days[2].failed == 10 &&
		dom->days[0].successful == 0,
	    "one bucket per day of the period");
	ok(find(d, "u.example")->has_prev == 0, "no previous: has_prev 0");
	c = digest_change(find(d, "u.example"));
	ok(strcmp(c, "new") == 0, "change: new");
	g_free(c);
	ok(d->successful == 995 && d->failed == 10 && d->reports == 2,
	    "digest totals");
	ok(strcmp(d->label, "2026-10-12 to 2026-10-18") == 0,
	    "default label: %s", d->label);

	text = digest_text(d);
	html = digest_html(d);
	json = digest_json(d);
	ok(strstr(text, "t.example") != NULL &&
		strstr(text, "Enable STARTTLS on mx1.t.example") != NULL,
	    "text names the fix");
	ok(g_str_has_prefix(html, "<!DOCTYPE html>") &&
		strstr(html, "<script") == NULL &&
		g_str_has_suffix(html, "</html>\n"),
	    "html: a whole document, no script");
	root = cJSON_Parse(json);
	ok(root != NULL &&
		cJSON_GetArraySize(cJSON_GetObjectItem(root, "domains")) == 2 &&
		cJSON_GetObjectItem(root, "failed")->valuedouble == 10,
	    "json parses, holds the figures");
	cJSON_Delete(root);
	g_free(text);
	g_free(html);
	g_free(json);
	digest_free(d);

	/* --domain, any case, trailing dot */
	params(&p, 7, 7);
	p.domain = "T.Example.";
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	ok(d->n_domains == 1 && strcmp(d->domains[0].name, "t.example") == 0,
	    "domain filter: case and trailing dot ignored");
	digest_free(d);
	g_array_unref(e.a);
	g_free(f);
	g_free(s);
	g_free(pol);
}

/* Cadence: a daily reporter that stopped is silent; Microsoft with gaps
   of three days is not; one with two reports is not judged. */
static void
test_cadence(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	static const int ms[] = { 0, 3, 4, 7, 9, 12, 15, 16, 19, 22, 25 };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	const struct digest_reporter *r;

	daily(&e, "Google Inc.", "c.example", 0, 27, 100);
	daily(&e, "mx.example.net", "c.example", 0, 11, 10);
	for (size_t i = 0; i < nitems(ms); i++)
		daily(&e, "Microsoft Corporation", "c.example", ms[i], ms[i],
		    20);
	daily(&e, "Rare", "c.example", 20, 21, 1);
	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "c.example");
	r = reporter(dom, "Google Inc.");
	ok(r != NULL && r->cadence == DAY && !r->silent && r->reports == 7,
	    "Google: daily, not silent");
	r = reporter(dom, "mx.example.net");
	ok(r != NULL && r->cadence == DAY && r->silent && r->reports == 0 &&
		r->last_start == D0 + 11 * DAY,
	    "a daily reporter that stopped 16 days ago: silent");
	ok(r->lateness == DAY && r->overdue_at == D0 + 12 * DAY + 4 * DAY,
	    "its overdue time: last end + 3 gaps + a day of lateness");
	r = reporter(dom, "Microsoft Corporation");
	ok(r != NULL && r->cadence == 3 * DAY && !r->silent,
	    "Microsoft: gaps of 3 days learned, not silent");
	r = reporter(dom, "Rare");
	ok(r != NULL && r->cadence == 0 && !r->silent,
	    "two reports: no rhythm learned, never silent");
	ok(dom->n_reporters == 4 && dom->active_reporters == 3,
	    "reporters listed: 4, active 3");
	digest_free(d);

	/* an old digest: the later reports do not count */
	params(&p, 7, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	r = reporter(find(d, "c.example"), "mx.example.net");
	ok(r != NULL && !r->silent, "as of 2026-10-19 mx.example.net was fine");
	digest_free(d);
	g_array_unref(e.a);
}

static void
verdict(const char *label, struct entries *e, int since_day,
    enum digest_verdict want, const char *reason_has)
{
	struct digest_params p;
	struct digest *d;

	params(&p, since_day, 7);
	d = digest_build((struct digest_entry *)(void *)e->a->data, e->a->len,
	    &p);
	ok(d->n_domains == 1 && d->domains[0].enforce.verdict == want &&
		strstr(d->domains[0].enforce.reason, reason_has) != NULL,
	    "%s: %s: %s", label,
	    d->n_domains ? digest_verdict_name(d->domains[0].enforce.verdict)
			 : "-",
	    d->n_domains ? d->domains[0].enforce.reason : "");
	digest_free(d);
}

static void
test_enforce(void)
{
	struct entries e;
	char *f = fd("certificate-expired", "mx2.v.example", 5);
	char *s = sts("v.example", "testing", 95, 5, f);
	char *pol = g_strdup_printf("[%s]", s);
	char *s2 = sts("v.example", "enforce", 100, 0, "");
	char *pol2 = g_strdup_printf("[%s]", s2);
	char *s3 = sts("v.example", "none", 100, 0, "");
	char *pol3 = g_strdup_printf("[%s]", s3);
	const char *npf = "[{\"policy\":{\"policy-type\":\"no-policy-found\","
			  "\"policy-domain\":\"v.example\"},\"summary\":{"
			  "\"total-successful-session-count\":5,"
			  "\"total-failure-session-count\":0}}]";

	/* failure on day 6, then two clean reporters */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	daily(&e, "Google Inc.", "v.example", 0, 27, 100);
	daily(&e, "Microsoft Corporation", "v.example", 10, 27, 50);
	add(&e, mk("Google Inc.", "fail", 6, pol), 1);
	verdict("clean for 21 days, 2 reporters", &e, 21, VERDICT_READY,
	    "21 days of reports from 2 reporters since 2026-10-12");
	verdict("clean for 14 days on 2026-10-26", &e, 14, VERDICT_READY,
	    "14 days");
	verdict("clean for 13 days", &e, 13, VERDICT_NOT_READY,
	    "13 of the 14 clean days");
	verdict("failures this week", &e, 2, VERDICT_NOT_READY,
	    "5 sessions failed in this period");
	g_array_unref(e.a);

	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	daily(&e, "Google Inc.", "v.example", 0, 27, 100);
	verdict("one reporter only", &e, 21, VERDICT_NOT_READY,
	    "Only 1 of the 2 reporters");
	add(&e, mk("Other", "enf", 27, pol2), 1);
	verdict("latest mode enforce", &e, 21, VERDICT_ENFORCED,
	    "no session failed");
	g_array_unref(e.a);

	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	add(&e, mk("Google Inc.", "none", 22, pol3), 1);
	verdict("mode none", &e, 21, VERDICT_NONE, "mode none");
	g_array_unref(e.a);

	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	add(&e, mk("Google Inc.", "npf", 22, npf), 1);
	verdict("no-policy-found", &e, 21, VERDICT_NO_STS, "no-policy-found");
	g_array_unref(e.a);

	/* enforce with failures: mail was lost */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	{
		char *s4 = sts("v.example", "enforce", 95, 5, f);
		char *pol4 = g_strdup_printf("[%s]", s4);

		add(&e, mk("Google Inc.", "enf-fail", 22, pol4), 1);
		verdict("enforce with failures", &e, 21, VERDICT_ENFORCED,
		    "did not deliver");
		g_free(s4);
		g_free(pol4);
	}
	g_array_unref(e.a);
	g_free(f);
	g_free(s);
	g_free(pol);
	g_free(s2);
	g_free(pol2);
	g_free(s3);
	g_free(pol3);
}

/* Hostile strings: cleaned in the model, escaped in HTML, never in the
   Subject or any header. */
static void
test_hostile(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	struct ti_err err = { 0 };
	char *text, *html, *mail, *subject, *hdr;
	const char *pol =
	    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
	    "[\"mode: <b>x</b>\"],\"policy-domain\":"
	    "\"evil.example\\r\\nBcc: v@example.org\"},\"summary\":{"
	    "\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":1},\"failure-details\":[{"
	    "\"result-type\":\"<img src=x onerror=alert(1)>\","
	    "\"receiving-mx-hostname\":\"<script>alert(2)</script>\","
	    "\"failed-session-count\":1}]}]";

	add(&e,
	    mk("Evil <script>alert(1)</script>\\nX-Injected: yes", "h1", 2,
		pol),
	    1);
	params(&p, 0, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	ok(d->n_domains == 1 && strchr(d->domains[0].name, '\r') == NULL &&
		strchr(d->domains[0].name, '\n') == NULL &&
		!d->domains[0].name_ok,
	    "domain name cleaned, not a host name: %s", d->domains[0].name);
	ok(strchr(d->domains[0].reporters[0].organization, '\n') == NULL,
	    "organization cleaned");
	text = digest_text(d);
	html = digest_html(d);
	ok(strstr(text, "\nX-Injected") == NULL && strstr(text, "\r") == NULL,
	    "text: no forged line");
	ok(strstr(html, "<script") == NULL && strstr(html, "<img") == NULL &&
		strstr(html, "<b>x") == NULL &&
		strstr(html, "&lt;script&gt;alert(1)") != NULL,
	    "html: markup escaped");
	subject = digest_subject(d, "TLS report");
	ok(strcmp(subject,
	       "TLS report for 1 domain: 50.00% failures "
	       "(2026-10-05 to 2026-10-11)") == 0,
	    "subject: no report string: %s", subject);
	g_free(subject);
	subject = digest_subject(d, "Line\nBreak");
	ok(strchr(subject, '\n') == NULL,
	    "subject: a newline in the prefix "
	    "is dropped");
	g_free(subject);
	mime_init();
	mail = digest_mail(d, "tlsrpt@example.org", "pm@example.org", NULL, D0,
	    &err);
	ok(mail != NULL, "mail built: %s", err.msg);
	hdr = mail != NULL ? g_strndup(mail, strstr(mail, "\n\n") - mail)
			   : g_strdup("");
	ok(strstr(hdr, "Bcc") == NULL && strstr(hdr, "X-Injected") == NULL &&
		strstr(hdr, "evil") == NULL && strstr(hdr, "script") == NULL,
	    "mail headers hold no report string");
	ok(strstr(hdr, "\nSubject: TLS report for 1 domain: 50.00% failures") !=
		    NULL &&
		g_str_has_prefix(hdr, "Date: Mon, 05 Oct 2026") &&
		strstr(hdr, "\nMessage-Id: <") != NULL &&
		strstr(hdr, "multipart/alternative") != NULL,
	    "mail headers: Subject, Date, Message-Id, multipart/alternative");
	g_free(hdr);
	g_free(mail);
	ti_err_clear(&err);
	mail = digest_mail(d, "tlsrpt@example.org", "", NULL, D0, &err);
	ok(mail == NULL && err.status == TI_E_CONFIG &&
		strstr(err.msg, "no to address") != NULL,
	    "no recipient: TI_E_CONFIG: %s", err.msg);
	ti_err_clear(&err);
	mail = digest_mail(d, "<<<", "pm@example.org", NULL, D0, &err);
	ok(mail == NULL && err.status == TI_E_CONFIG,
	    "a bad From: TI_E_CONFIG: %s", err.msg);
	g_free(mail);
	ti_err_clear(&err);
	mail = digest_mail(d, "T\xc3\xa9st <t@example.org>", "pm@example.org",
	    "Rapport TLS \xc3\xa9t\xc3\xa9", D0, &err);
	hdr = mail != NULL ? g_strndup(mail, strstr(mail, "\n\n") - mail)
			   : g_strdup("\xff");
	ok(g_str_is_ascii(hdr) && strstr(hdr, "=?") != NULL &&
		strstr(hdr, "<t@example.org>") != NULL,
	    "non-ASCII From and Subject: RFC 2047 encoded");
	g_free(hdr);
	g_free(mail);
	g_free(text);
	g_free(html);
	digest_free(d);
	g_array_unref(e.a);
}

/* digest_clean() as it was before its ASCII short path: the reference
   the short path must match byte for byte. */
static char *
ref_clean(const char *s, size_t cap)
{
	GString *o = g_string_new(NULL);
	const char *p, *next;
	gunichar c;
	GUnicodeType t;

	for (p = s; *p != '\0'; p = next) {
		c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			next = p + 1;
			c = '?';
		} else {
			next = g_utf8_next_char(p);
			t = g_unichar_type(c);
			if (g_unichar_iscntrl(c) || t == G_UNICODE_FORMAT ||
			    t == G_UNICODE_LINE_SEPARATOR ||
			    t == G_UNICODE_PARAGRAPH_SEPARATOR ||
			    t == G_UNICODE_SURROGATE ||
			    t == G_UNICODE_UNASSIGNED ||
			    t == G_UNICODE_PRIVATE_USE)
				c = '?';
		}
		g_string_append_unichar(o, c);
	}
	if (cap > 0 && (size_t)g_utf8_strlen(o->str, -1) > cap) {
		p = g_utf8_offset_to_pointer(o->str, (glong)cap - 1);
		g_string_truncate(o, (gsize)(p - o->str));
		g_string_append(o, "\xe2\x80\xa6");
	}
	return g_string_free(o, FALSE);
}

/* Whether digest_clean(s, cap) is ref_clean(s, cap); says which not. */
static int
clean_same(const char *s, size_t cap)
{
	char *a = digest_clean(s, cap), *b = ref_clean(s, cap);
	int same = strcmp(a, b) == 0;

	if (!same)
		diag("digest_clean(\"%s\", %zu): \"%s\", want \"%s\"", s, cap,
		    a, b);
	g_free(a);
	g_free(b);
	return same;
}

static void
test_clean_paths(void)
{
	static const char *const edge[] = { "", "a", "ab", "abc", "abcd",
		"abcde", "abcdef", "\t", "a\x1f", "\x7f\x7f\x7f\x7f\x7f\x7f",
		"~ !", "abcd\x01", "abc\xc3\xa9", "\xc3\xa9", "abcdef\xff",
		"\xe2\x80\xae", "a\xe2\x80\xa8z", "\xf0\x9f\x98\x80x" };
	/* ASCII, controls, DEL, 2-4 byte characters, invalid bytes */
	static const char *const piece[] = { "a", "Z", " ", "~", "\x01", "\n",
		"\x7f", "\xc3\xa9", "\xe2\x80\xa6", "\xf0\x9f\x98\x80", "\xff",
		"\xc3", "\xe2\x80\xae", "\xef\xbf\xbf" };
	char one[2] = { 0, 0 };
	GRand *rnd = g_rand_new_with_seed(8460);
	int bad = 0;
	char *s;

	for (int c = 1; c < 256; c++) {
		one[0] = (char)c;
		for (size_t cap = 0; cap < 3; cap++)
			bad += !clean_same(one, cap);
	}
	ok(bad == 0, "digest_clean: every single byte, as before");
	bad = 0;
	for (size_t i = 0; i < nitems(edge); i++)
		for (size_t cap = 0; cap < 9; cap++)
			bad += !clean_same(edge[i], cap);
	ok(bad == 0, "digest_clean: short strings at every cap, as before");
	bad = 0;
	for (int n = 0; n < 3000; n++) {
		GString *g = g_string_new(NULL);
		int len = g_rand_int_range(rnd, 0, 12);
		int ascii = g_rand_boolean(rnd);

		for (int i = 0; i < len; i++)
			g_string_append(g,
			    piece[g_rand_int_range(rnd, 0,
				ascii ? 7 : (gint32)nitems(piece))]);
		bad +=
		    !clean_same(g->str, (size_t)g_rand_int_range(rnd, 0, 14));
		g_string_free(g, TRUE);
	}
	ok(bad == 0, "digest_clean: 3000 random strings, as before");
	s = g_strnfill(300, 'x');
	ok(clean_same(s, 200) && clean_same(s, 300) && clean_same(s, 301) &&
		clean_same(s, 299) && clean_same(s, 0),
	    "digest_clean: a long ASCII string at and around its length");
	g_free(s);
	s = digest_clean("abcdefgh", 8);
	ok(strcmp(s, "abcdefgh") == 0, "digest_clean: exactly cap, kept");
	g_free(s);
	s = digest_clean("abcdefghi", 8);
	ok(strcmp(s, "abcdefg\xe2\x80\xa6") == 0,
	    "digest_clean: one over cap: cap - 1 and …");
	g_free(s);
	s = digest_clean("ab\ncd", 1);
	ok(strcmp(s, "\xe2\x80\xa6") == 0, "digest_clean: cap 1 is just …");
	g_free(s);
	s = digest_clean("abc\x1b", 0);
	ok(strcmp(s, "abc?") == 0, "digest_clean: ESC at the end");
	g_free(s);
	g_rand_free(rnd);
}

/* Blank out every string of r (each becomes "Z"), so that a builder
   that kept one shows. */
static void
poison_str(char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len > 0) {
		memset(s, 0, len);
		s[0] = 'Z';
	}
}

static void
poison_strv(char **v)
{
	for (; v != NULL && *v != NULL; v++)
		poison_str(*v);
}

static void
poison_report(struct report *r)
{
	for (size_t i = 0; i < r->n_policies; i++) {
		struct policy *pol = &r->policies[i];

		poison_str(pol->policy_type);
		poison_strv(pol->policy_string);
		poison_str(pol->policy_domain);
		poison_strv(pol->mx_host);
		for (size_t j = 0; j < pol->n_failures; j++) {
			struct failure *f = &pol->failures[j];

			poison_str(f->result_type);
			poison_str(f->sending_mta_ip);
			poison_str(f->receiving_mx_hostname);
			poison_str(f->receiving_mx_helo);
			poison_str(f->receiving_ip);
			poison_str(f->additional_information);
			poison_str(f->failure_reason_code);
		}
	}
	poison_str(r->organization_name);
	poison_str(r->contact_info);
	poison_str(r->report_id);
}

/* Add a copy of x (its strings and a report decoded again) to b, then
   blank and free the copy, as digest_load() frees each report. */
static void
add_lent(struct digest_builder *b, const struct digest_entry *x)
{
	struct digest_entry c = *x;
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	struct ti_auth auth = { 0 };
	char *str[4];

	if (x->auth != NULL) {
		auth_copy(&auth, x->auth);
		c.auth = &auth;
	}
	c.organization = str[0] = g_strdup(x->organization);
	c.report_id = str[1] = g_strdup(x->report_id);
	c.contact = str[2] = g_strdup(x->contact);
	c.domain = str[3] = g_strdup(x->domain);
	ti_limits_default(&lim);
	if (x->report != NULL &&
	    report_decode((const unsigned char *)x->report->json,
		x->report->json_len, &lim, &r, &err) == -1)
		abort();
	c.report = r;
	digest_builder_add(b, &c);
	if (auth.method != NULL) {
		poison_str(auth.method);
		poison_str(auth.result);
	}
	auth_clear(&auth);
	for (size_t i = 0; i < nitems(str); i++) {
		poison_str(str[i]);
		g_free(str[i]);
	}
	if (r != NULL) {
		poison_report(r);
		report_free(r);
	}
}

/* The incremental builder, fed entries it may not keep, makes the same
   model as digest_build() over the array. */
static void
test_stream(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest_builder *b;
	struct digest *d1, *d2;
	char *f1 = fd("certificate-host-mismatch", "MX2.S.Example.", 10);
	char *f2 = fd("sts-policy-fetch-error", NULL, 4);
	char *f3 = fd("certificate-expired", "mx1.s.example", 3);
	char *f12 = g_strdup_printf("%s,%s", f1, f2);
	char *s1 = sts("s.example", "testing", 90, 14, f12);
	char *ms = g_strdup_printf(
	    "[%s,{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
	    "[\"[\\\"3 1 1 AA\\\",\\\"3 1 1 BB\\\"]\"],\"policy-domain\":"
	    "\"mx1.s.example\"},\"summary\":{"
	    "\"total-successful-session-count\":90,"
	    "\"total-failure-session-count\":10},\"failure-details\":[%s]}]",
	    s1, f1);
	char *s3 = sts("s.example", "enforce", 50, 3, f3);
	char *p3 = g_strdup_printf("[%s]", s3);
	char *s4 = sts("t.example", "testing", 7, 0, "");
	char *p4 = g_strdup_printf("[%s]", s4);
	const char *evil =
	    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
	    "[\"mode: <b>x</b>\"],\"policy-domain\":"
	    "\"evil.example\\r\\nBcc: v@example.org\"},\"summary\":{"
	    "\"total-successful-session-count\":1,"
	    "\"total-failure-session-count\":1},\"failure-details\":[{"
	    "\"result-type\":\"<img src=x onerror=alert(1)>\","
	    "\"receiving-mx-hostname\":\"<script>\\u00e9</script>\","
	    "\"failed-session-count\":1}]}]";
	char *j1, *j2, *t1, *t2;
	int same = 1;

	daily(&e, "Google Inc.", "s.example", 0, 27, 100);
	daily(&e, "mx.example.net", "s.example", 0, 11, 10);
	for (int day = 3; day < 28; day += 4) {
		char *id = g_strdup_printf("ms-%d", day);

		add(&e, mk("Microsoft Corporation", id, day, ms), 1);
		g_free(id);
	}
	add(&e, mk("Other", "o-22", 22, p3), 1);
	add(&e, mk("Other", "o-23", 23, p3), 0); /* did not decode */
	add(&e, mk("Other", "t-24", 24, p4), 1);
	daily(&e, "Google Inc.", "t.example", 14, 27, 5);
	add(&e, mk("Evil\\nX-Injected: yes", "e-25", 25, evil), 1);
	add(&e, mk("Google Inc.", "late", 40, p4), 1); /* after until */
	for (int pass = 0; pass < 2; pass++) {
		params(&p, 21, 7);
		p.domain = pass == 0 ? NULL : "S.example";
		d1 = digest_build((struct digest_entry *)(void *)e.a->data,
		    e.a->len, &p);
		b = digest_builder_new(&p);
		for (guint i = 0; i < e.a->len; i++)
			add_lent(b,
			    &g_array_index(e.a, struct digest_entry, i));
		d2 = digest_builder_finish(b);
		j1 = digest_json(d1);
		j2 = digest_json(d2);
		t1 = digest_text(d1);
		t2 = digest_text(d2);
		same = same && strcmp(j1, j2) == 0 && strcmp(t1, t2) == 0 &&
		    d2->n_domains == (pass == 0 ? 3u : 1u);
		g_free(j1);
		g_free(j2);
		g_free(t1);
		g_free(t2);
		digest_free(d1);
		digest_free(d2);
	}
	ok(same,
	    "builder: one entry at a time, each freed after it is added: "
	    "the model of digest_build()");
	digest_builder_free(digest_builder_new(&p));
	digest_builder_free(NULL);
	ok(1, "builder: an unfinished builder is freed");
	g_array_unref(e.a);
	g_free(f1);
	g_free(f2);
	g_free(f3);
	g_free(f12);
	g_free(s1);
	g_free(ms);
	g_free(s3);
	g_free(p3);
	g_free(s4);
	g_free(p4);
}

/* A failure detail repeated verbatim under a later policy is the same
   sessions; within one policy, or with any member different, it is
   not. */
static void
test_repeats(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	const char *a = "{\"result-type\":\"certificate-expired\","
			"\"receiving-mx-hostname\":\"mx1.r.example\","
			"\"failed-session-count\":5}";
	const char *a6 = "{\"result-type\":\"certificate-expired\","
			 "\"receiving-mx-hostname\":\"mx1.r.example\","
			 "\"failed-session-count\":6}";
	const char *bx = "{\"result-type\":\"starttls-not-supported\","
			 "\"receiving-mx-hostname\":\"mx2.r.example\","
			 "\"failure-reason-code\":\"x\","
			 "\"failed-session-count\":3}";
	const char *b0 = "{\"result-type\":\"starttls-not-supported\","
			 "\"receiving-mx-hostname\":\"mx2.r.example\","
			 "\"failed-session-count\":3}";
	char *d1 = g_strdup_printf("%s,%s,%s", a, a, bx);
	char *d2 = g_strdup_printf("%s,%s", a, b0);
	char *d3 = g_strdup_printf("%s,%s", bx, a6);
	char *p1 = sts("r.example", "testing", 100, 11, d1);
	char *p3 = sts("r.example", "testing", 100, 9, d3);
	char *pol = g_strdup_printf(
	    "[%s,{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
	    "[\"3 1 1 AA\"],\"policy-domain\":\"mx1.r.example\"},"
	    "\"summary\":{\"total-successful-session-count\":100,"
	    "\"total-failure-session-count\":8},\"failure-details\":[%s]},"
	    "%s]",
	    p1, d2, p3);
	GString *big1 = g_string_new(NULL), *big2;
	char *bp, *bpol;

	add(&e, mk("R", "rep", 1, pol), 1);
	params(&p, 0, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "r.example");
	ok(dom != NULL && dom->n_types == 2 &&
		strcmp(dom->types[0].result_type, "certificate-expired") == 0 &&
		dom->types[0].sessions == 16 && dom->types[1].sessions == 6,
	    "repeats: within a policy both count, across policies once, "
	    "any member different counts (%lld, %lld)",
	    dom != NULL && dom->n_types > 0 ? (long long)dom->types[0].sessions
					    : -1LL,
	    dom != NULL && dom->n_types > 1 ? (long long)dom->types[1].sessions
					    : -1LL);
	digest_free(d);
	g_array_set_size(e.a, 0);

	/* sts and tlsa each with 3000 details, all the same: no quadratic
	   scan, and counted once */
	for (int i = 0; i < 3000; i++)
		g_string_append_printf(big1,
		    "%s{\"result-type\":\"certificate-expired\","
		    "\"receiving-mx-hostname\":\"mx1.r.example\","
		    "\"sending-mta-ip\":\"198.51.%d.%d\","
		    "\"failed-session-count\":1}",
		    i > 0 ? "," : "", i / 250, i % 250);
	big2 = g_string_new(big1->str);
	bp = sts("r.example", "testing", 0, 3000, big1->str);
	bpol = g_strdup_printf(
	    "[%s,{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
	    "[\"3 1 1 AA\"],\"policy-domain\":\"mx1.r.example\"},"
	    "\"summary\":{\"total-successful-session-count\":0,"
	    "\"total-failure-session-count\":3000},\"failure-details\":[%s]}]",
	    bp, big2->str);
	add(&e, mk("Microsoft Corporation", "big", 2, bpol), 1);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "r.example");
	ok(dom != NULL && dom->n_types == 1 && dom->types[0].sessions == 3000 &&
		dom->n_failures == 1 && dom->failures[0].n_sending_ips == 20,
	    "repeats: 3000 details under sts and tlsa count once");
	digest_free(d);
	g_string_free(big1, TRUE);
	g_string_free(big2, TRUE);
	g_free(bp);
	g_free(bpol);
	g_array_unref(e.a);
	g_free(d1);
	g_free(d2);
	g_free(d3);
	g_free(p1);
	g_free(p3);
	g_free(pol);
}

/* What the builder remembers between reports (hosts, policy strings,
   days) gives what working each out again gave. */
static void
test_remembered(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	const struct digest_reporter *r;
	const char *one =
	    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
	    "[\"version: STSv1\",\"mode: testing\",\"mx: mx1.m.example\"],"
	    "\"policy-domain\":\"m.example\",\"mx-host\":[\"mx1.m.example\"]},"
	    "\"summary\":{\"total-successful-session-count\":9,"
	    "\"total-failure-session-count\":1},\"failure-details\":[{"
	    "\"result-type\":\"certificate-expired\","
	    "\"receiving-mx-hostname\":\"MX1.M.Example.\","
	    "\"failed-session-count\":1}]}]";
	/* the same lines, but two of them in one string */
	const char *joined =
	    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
	    "[\"version: STSv1\",\"mode: testing\\nmx: mx9.m.example\"],"
	    "\"policy-domain\":\"m.example\"},"
	    "\"summary\":{\"total-successful-session-count\":9,"
	    "\"total-failure-session-count\":0}}]";

	add(&e, mk("A", "a1", 1, one), 1);
	add(&e, mk("A", "a2", 1, joined), 1);
	add(&e, mk("A", "a3", 2, one), 1);
	params(&p, 0, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "m.example");
	ok(dom != NULL && dom->n_modes == 2 &&
		strcmp(dom->modes[0].name, "testing") == 0 &&
		dom->modes[0].sessions == 2 &&
		strcmp(dom->modes[1].name, "testing?mx: mx9.m.example") == 0,
	    "policy strings: one string of two lines is not two strings");
	ok(dom != NULL && g_strv_length(dom->mx_patterns) == 1 &&
		g_strv_length(dom->known_mx) == 1 &&
		strcmp(dom->known_mx[0], "mx1.m.example") == 0 &&
		dom->n_mx_failed == 1 &&
		strcmp(dom->mx_failed[0].name, "mx1.m.example") == 0 &&
		dom->mx_failed[0].sessions == 2,
	    "hosts: any case, trailing dot: one MX");
	r = dom != NULL ? reporter(dom, "A") : NULL;
	ok(r != NULL && r->history_reports == 3 && r->cadence == 0,
	    "two reports of one day are one report day (too few to learn)");
	digest_free(d);
	g_array_unref(e.a);
}

static void
test_empty(void)
{
	struct digest_params p;
	struct digest *d;
	char *t, *h, *j, *s;

	params(&p, 0, 1);
	d = digest_build(NULL, 0, &p);
	t = digest_text(d);
	h = digest_html(d);
	j = digest_json(d);
	s = digest_subject(d, NULL);
	ok(d->n_domains == 0 && strstr(t, "No reports.") != NULL &&
		strstr(h, "No reports.") != NULL &&
		strstr(j, "\"domains\":\t[]") != NULL,
	    "no reports: every renderer says so");
	ok(strcmp(s, "TLS report for 0 domains: no sessions (2026-10-05)") == 0,
	    "no reports: subject %s", s);
	g_free(t);
	g_free(h);
	g_free(j);
	g_free(s);
	digest_free(d);
	digest_free(NULL);
}

/* The display column (digest_width) at which needle starts in line, or
   -1. */
static long
col_of(const char *line, const char *needle)
{
	const char *at = strstr(line, needle);
	char *pre;
	long c;

	if (at == NULL)
		return -1;
	pre = g_strndup(line, (size_t)(at - line));
	c = (long)digest_width(pre);
	g_free(pre);
	return c;
}

static char *flat(const char *t);

/* Issue #17: every column of the text tables stays aligned whatever the
   values: a change as wide as its column ("+16.17 points" ran into
   "action"), long domain names, huge counts, wide characters. */
static void
test_align(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	char *t, **lines, *f, *s, *pol;
	int header = -1, rows = 0, aligned = 1, gaps = 1;
	long want_status = -1, want_rate = -1;
	static const char *const doms[] = {
		"a.example",
		"a-rather-long-subdomain-name-of-an-mx.example.com",
		"\xe4\xbe\x8b\xe3\x81\x88\xe3\x81\xb0.example", /* wide */
	};

	ok(digest_width("abc") == 3 &&
		digest_width("\xe4\xbe\x8b\xe3\x81\x88") == 4 &&
		digest_width("e\xcc\x81") == 1 && digest_width(NULL) == 0,
	    "digest_width: ASCII 1, CJK 2, a combining mark 0");
	for (size_t i = 0; i < nitems(doms); i++) {
		char *id = g_strdup_printf("al-prev-%zu", i);

		/* previous period clean, this one 16.17 % failed */
		s = sts(doms[i], "testing", 1000, 0, "");
		pol = g_strdup_printf("[%s]", s);
		add(&e, mk("Reporter", id, 1, pol), 1);
		g_free(s);
		g_free(pol);
		g_free(id);
		id = g_strdup_printf("al-%zu", i);
		f = fd("certificate-expired", "mx1.a.example", 1617);
		s = sts(doms[i], "testing", i == 1 ? 2147482030 : 8383, 1617,
		    f);
		if (i == 1) /* huge counts */
			s = (g_free(s),
			    sts(doms[i], "testing", 2147480000, 2000000, f));
		pol = g_strdup_printf("[%s]", s);
		add(&e, mk("Reporter", id, 8, pol), 1);
		g_free(f);
		g_free(s);
		g_free(pol);
		g_free(id);
	}
	params(&p, 7, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	t = digest_text(d);
	ok(strstr(t, "pointsaction") == NULL && strstr(t, "points  action"),
	    "the change and the status are apart");
	lines = g_strsplit(t, "\n", -1);
	for (int i = 0; lines[i] != NULL; i++) {
		if (strstr(lines[i], "DOMAIN") != NULL && header < 0) {
			header = i;
			want_status = col_of(lines[i], "STATUS");
			want_rate = col_of(lines[i], "RATE") + 4;
			continue;
		}
		if (header < 0 || *lines[i] == '\0')
			continue;
		if (i > header + (int)nitems(doms))
			break;
		rows++;
		if (col_of(lines[i], strrchr(lines[i], ' ') + 1) !=
			want_status ||
		    col_of(lines[i], "%") + 1 != want_rate)
			aligned = 0;
		if (strstr(lines[i], "%+") != NULL ||
		    strstr(lines[i], ".example1") != NULL ||
		    strstr(lines[i], ".com2") != NULL)
			gaps = 0;
		diag("%s", lines[i]);
	}
	ok(rows == 3 && aligned,
	    "overview: rate and status columns line up in every row");
	ok(gaps, "overview: no value runs into the next");
	g_strfreev(lines);
	g_free(t);
	digest_free(d);
	g_array_unref(e.a);
}

/* Issue #17: a domain whose reporters stopped is not "quiet": it stands
   out in the overview, the Subject, the HTML and the JSON, with which
   reporters stopped and since when. */
static void
test_silent(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	char *t, *ft, *h, *j, *subj;

	/* four weeks: s.example's only reporter stops nine days before the
	   end; p.example loses one of two; ok.example goes on */
	daily(&e, "Google Inc.", "s.example", 0, 18, 100);
	daily(&e, "Google Inc.", "p.example", 0, 27, 100);
	daily(&e, "Other Org", "p.example", 0, 18, 100);
	daily(&e, "Google Inc.", "ok.example", 0, 27, 100);
	params(&p, 21, 7);
	p.now = p.until; /* the digest of the week just ended */
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "s.example");
	ok(dom != NULL && dom->silent && dom->stopped == 1 &&
		strcmp(digest_domain_status(dom), "silent") == 0,
	    "only reporter stopped: silent, not quiet (%s)",
	    dom != NULL ? digest_domain_status(dom) : "-");
	dom = find(d, "p.example");
	ok(dom != NULL && !dom->silent && dom->stopped == 1 &&
		strcmp(digest_domain_status(dom), "stopped") == 0,
	    "one of two reporters stopped: stopped (%s)",
	    dom != NULL ? digest_domain_status(dom) : "-");
	dom = find(d, "ok.example");
	ok(dom != NULL && dom->stopped == 0 &&
		strcmp(digest_domain_status(dom), "clean") == 0,
	    "the reporting domain stays clean");
	ok(strcmp(digest_status(d), "silent") == 0, "digest status silent");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "SILENT s.example: stopped reporting: Google Inc. "
	       "(daily, last report 2026-10-23, due by 2026-10-28).") != NULL &&
		strstr(ft,
		    "STOPPED p.example: stopped reporting: Other Org "
		    "(daily, last report 2026-10-23") != NULL,
	    "text overview: which reporters stopped, and since when");
	ok(strstr(t, "  silent\n") != NULL && strstr(t, "  stopped\n") != NULL,
	    "text overview: status column says silent and stopped");
	ok(strstr(ft,
	       "SILENT: every reporter that sent reports stopped "
	       "reporting: Google Inc.") != NULL,
	    "text domain section says so");
	ok(strstr(ft,
	       "No session reported in this period. Previous 7 days: "
	       "0.00%. 0 reports") != NULL &&
		strstr(t, "0.00%  -") == NULL && strstr(t, "  -  -  ") != NULL,
	    "no session: no rate and no change compared, rather than 0.00%% "
	    "and 'new'");
	subj = digest_subject(d, NULL);
	ok(strstr(subj,
	       ", SILENT: s.example, reporters stopped: p.example (") != NULL,
	    "subject: %s", subj);
	h = digest_html(d);
	ok(strstr(h, "<b>SILENT</b> s.example: every reporter") != NULL &&
		strstr(h, ">silent<") != NULL,
	    "html: silent badge and the stopped reporters");
	j = digest_json(d);
	ok(strstr(j, "\"status\":\t\"silent\"") != NULL &&
		strstr(j,
		    "\"silent-domains\":\t[\"p.example\", "
		    "\"s.example\"]") != NULL &&
		strstr(j,
		    "\"stopped-reporters\":\t[{\n\t\t\t\t\t\""
		    "organization\":\t\"Google Inc.\",") != NULL &&
		strstr(j, "\"last-report\":\t\"2026-10-23\"") != NULL,
	    "json: status, silent domains, stopped reporters");
	g_free(t);
	g_free(ft);
	g_free(h);
	g_free(j);
	g_free(subj);
	digest_free(d);

	/* one domain alone: the subject says SILENT without a name */
	p.domain = "s.example";
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	subj = digest_subject(d, NULL);
	ok(strcmp(subj,
	       "TLS report for s.example: no sessions, SILENT "
	       "(2026-10-26 to 2026-11-01)") == 0,
	    "one domain: %s", subj);
	g_free(subj);
	digest_free(d);
	g_array_unref(e.a);
}

/* Issue #17: no report in the period is no reason to advise publishing
   an _mta-sts record: the policy section and the verdict use the newest
   policy known, and say there were no reports. */
static void
test_policy_history(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	char *t, *ft, *h, *j;

	daily(&e, "Google Inc.", "t.example", 0, 13, 100);
	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "t.example");
	ok(dom != NULL && dom->enforce.verdict == VERDICT_NO_REPORTS &&
		strstr(dom->enforce.reason,
		    "No reports this period, so no verdict.  The newest "
		    "policy known, in the report of 2026-10-18 by Google "
		    "Inc., was MTA-STS mode testing.") != NULL &&
		strstr(dom->enforce.reason, "publish") == NULL,
	    "no report in the period: no verdict, the newest policy: %s",
	    dom != NULL ? dom->enforce.reason : "-");
	ok(dom != NULL && dom->sts_seen && dom->policy_from == D0 + 13 * DAY &&
		strcmp(dom->policy_mode, "testing") == 0 &&
		dom->mx_patterns[0] != NULL &&
		strcmp(dom->mx_patterns[0], "mx1.t.example") == 0,
	    "the policy facts come from the newest report before the period");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "Policies: No reports this period: the newest policy "
	       "known comes from a report by Google Inc. of "
	       "2026-10-18. MTA-STS mode: testing") != NULL &&
		strstr(ft, "no policy seen") == NULL &&
		strstr(ft, "Enforce: no verdict (no reports this period).") !=
		    NULL,
	    "text: the newest policy known, no advice");
	h = digest_html(d);
	ok(strstr(h, "No verdict: no reports this period") != NULL &&
		strstr(h, "<code>testing</code>") != NULL,
	    "html: the same");
	j = digest_json(d);
	ok(strstr(j, "\"verdict\":\t\"no-reports\"") != NULL &&
		strstr(j, "\"newest-known-mode\":\t\"testing\"") != NULL &&
		strstr(j, "\"report-of\":\t\"2026-10-18\"") != NULL,
	    "json: verdict no-reports, the newest mode and its report");
	g_free(t);
	g_free(ft);
	g_free(h);
	g_free(j);
	digest_free(d);

	/* a report in the period: its own policy, as before */
	daily(&e, "Google Inc.", "t.example", 22, 22, 100);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "t.example");
	ok(dom != NULL && dom->policy_from == 0 && dom->policy_mode == NULL &&
		dom->enforce.verdict == VERDICT_NOT_READY,
	    "a report in the period: its policy, a verdict");
	digest_free(d);
	g_array_unref(e.a);
}

/* A report of org over ndays days from day (mk() is one day). */
static struct report *
mk_span(const char *org, const char *id, int day, int ndays,
    const char *policies)
{
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	GDateTime *a = g_date_time_new_from_unix_utc(D0 + (int64_t)day * DAY);
	GDateTime *b = g_date_time_new_from_unix_utc(
	    D0 + (int64_t)(day + ndays) * DAY - 1);
	char *sa = g_date_time_format(a, "%Y-%m-%dT%H:%M:%SZ");
	char *sb = g_date_time_format(b, "%Y-%m-%dT%H:%M:%SZ");
	char *json = g_strdup_printf("{\"organization-name\":\"%s\","
				     "\"date-range\":{\"start-datetime\":"
				     "\"%s\",\"end-datetime\":\"%s\"},"
				     "\"contact-info\":\"r@example.net\","
				     "\"report-id\":\"%s\",\"policies\":%s}",
	    org, sa, sb, id, policies);

	ti_limits_default(&lim);
	if (report_decode((const unsigned char *)json, strlen(json), &lim, &r,
		&err) == -1) {
		diag("decode %s: %s", json, err.msg);
		abort();
	}
	g_ptr_array_add(reports, r);
	g_date_time_unref(a);
	g_date_time_unref(b);
	g_free(sa);
	g_free(sb);
	g_free(json);
	return r;
}

/* One report of org for domain on day, in mode, ok/bad sessions (bad at
   mx1.domain). */
static void
one(struct entries *e, const char *org, const char *domain, int day,
    const char *mode, int okn, int bad)
{
	char *id = g_strdup_printf("%s-%s-%d-%s", org, domain, day, mode);
	char *f =
	    bad > 0 ? fd("certificate-expired", "mx1.x", bad) : g_strdup("");
	char *p = sts(domain, mode, okn, bad, f);
	char *pol = g_strdup_printf("[%s]", p);

	add(e, mk(org, id, day, pol), 1);
	g_free(id);
	g_free(f);
	g_free(p);
	g_free(pol);
}

static struct digest *
build(struct entries *e, const struct digest_params *p)
{
	return digest_build((struct digest_entry *)(void *)e->a->data,
	    e->a->len, p);
}

/* The scenarios of issue #17: each statement of the digest against what
   a careful postmaster would conclude from the same reports. */
static void
test_scenarios(void)
{
	struct entries e;
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	const struct digest_reporter *r;
	char *t, *ft;

	/* a reporter that sends weekly (7-day date ranges): two of them,
	   three clean weeks are 21 clean days, not 3 */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	for (int w = 0; w < 3; w++) {
		const char *orgs[] = { "Weekly A", "Weekly B" };

		for (int k = 0; k < 2; k++) {
			char *id = g_strdup_printf("w%d-%d", w, k);
			char *pp = sts("w.example", "testing", 700, 0, "");
			char *pol = g_strdup_printf("[%s]", pp);

			add(&e, mk_span(orgs[k], id, 7 * w, 7, pol), 1);
			g_free(id);
			g_free(pp);
			g_free(pol);
		}
	}
	params(&p, 14, 7);
	p.now = p.until + DAY;
	d = build(&e, &p);
	dom = find(d, "w.example");
	ok(dom != NULL && dom->enforce.verdict == VERDICT_READY &&
		dom->enforce.clean_days == 21,
	    "weekly reporters: a clean week is seven clean days: %s",
	    dom != NULL ? dom->enforce.reason : "-");
	r = dom != NULL ? reporter(dom, "Weekly A") : NULL;
	ok(r != NULL && r->cadence == 7 * DAY && !r->silent,
	    "weekly reporter: a weekly rhythm, not silent");
	digest_free(d);
	g_array_unref(e.a);

	/* a reporter late by three days: its last three days are not in
	   yet, and it is not called stopped */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	for (int day = 0; day <= 24; day++) {
		struct digest_entry *x;

		one(&e, "Late Corp", "l.example", day, "testing", 50, 0);
		x = &g_array_index(e.a, struct digest_entry, e.a->len - 1);
		x->arrived = x->end + 1 + 3 * DAY;
	}
	params(&p, 21, 7);
	p.now = p.until + 3600;
	d = build(&e, &p);
	dom = find(d, "l.example");
	r = dom != NULL ? reporter(dom, "Late Corp") : NULL;
	ok(r != NULL && !r->silent && r->lateness == 3 * DAY &&
		dom->stopped == 0 &&
		strcmp(digest_domain_status(dom), "clean") == 0,
	    "a reporter three days late: lateness learned, not stopped");
	ok(r != NULL && r->due_from == D0 + 25 * DAY && !dom->days[3].due &&
		dom->days[4].due && dom->days[6].due,
	    "its last three days: reports still due, not missing");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "Its reports come about 3 days late: any from "
	       "2026-10-30 on may not be in yet.") != NULL &&
		strstr(t, "-  (more may come)") != NULL,
	    "the text says the reports are late, not that traffic stopped");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);

	/* moving from testing to enforce in the period: the failures of
	   the testing days were delivered all the same */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	for (int day = 0; day <= 23; day++)
		one(&e, "Google Inc.", "m.example", day, "testing", 90,
		    day >= 21 ? 10 : 0);
	for (int day = 24; day <= 27; day++)
		one(&e, "Google Inc.", "m.example", day, "enforce", 100, 0);
	params(&p, 21, 7);
	d = build(&e, &p);
	dom = find(d, "m.example");
	ok(dom != NULL && dom->enforce.verdict == VERDICT_ENFORCED &&
		strstr(dom->enforce.reason, "did not deliver") == NULL &&
		strstr(dom->enforce.reason,
		    "The reporters first saw mode enforce in this period on "
		    "2026-10-29.") != NULL &&
		strstr(dom->enforce.reason,
		    "No session failed under mode enforce.  30 sessions "
		    "failed in reports that did not see mode enforce") != NULL,
	    "testing -> enforce: no undelivered mail claimed: %s",
	    dom != NULL ? dom->enforce.reason : "-");
	digest_free(d);
	one(&e, "Google Inc.", "m.example", 27, "enforce", 95, 5);
	d = build(&e, &p);
	dom = find(d, "m.example");
	ok(dom != NULL &&
		strstr(dom->enforce.reason,
		    "did not deliver over the 5 failed sessions reported "
		    "under it") != NULL,
	    "testing -> enforce: only the failures under enforce were not "
	    "delivered");
	digest_free(d);
	g_array_unref(e.a);

	/* the MX changed mid-period: failures at the old one stopped with
	   it; the digest says the host left the policy and when it last
	   failed */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	for (int day = 21; day <= 27; day++) {
		char *id = g_strdup_printf("mx-%d", day);
		char *f = day <= 23
		    ? fd("certificate-expired", "mx-old.c.example", 20)
		    : g_strdup("");
		char *pol = g_strdup_printf(
		    "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
		    "[\"version: STSv1\",\"mode: testing\",\"mx: %s\"],"
		    "\"policy-domain\":\"c.example\"},\"summary\":"
		    "{\"total-successful-session-count\":80,"
		    "\"total-failure-session-count\":%d}%s%s%s}]",
		    day <= 23 ? "mx-old.c.example" : "*.new.c.example",
		    day <= 23 ? 20 : 0, *f ? ",\"failure-details\":[" : "", f,
		    *f ? "]" : "");

		add(&e, mk("Google Inc.", id, day, pol), 1);
		g_free(id);
		g_free(f);
		g_free(pol);
	}
	params(&p, 21, 7);
	d = build(&e, &p);
	dom = find(d, "c.example");
	ok(dom != NULL && dom->n_failures == 1 &&
		dom->failures[0].last_reported == D0 + 23 * DAY &&
		dom->failures[0].note != NULL &&
		strstr(dom->failures[0].note,
		    "mx-old.c.example is not in the newest MTA-STS policy of "
		    "the period (mx: *.new.c.example); last reported failing "
		    "on 2026-10-28.") != NULL,
	    "MX changed mid-period: the old MX left the policy, said so: %s",
	    dom != NULL && dom->n_failures > 0 && dom->failures[0].note
		? dom->failures[0].note
		: "-");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft, "Note: mx-old.c.example is not in the newest") != NULL,
	    "MX changed: the text has the note");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);

	/* a DANE-only domain: no MTA-STS advice beyond saying so */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	for (int day = 14; day <= 27; day++) {
		char *id = g_strdup_printf("dane-%d", day);
		char *pol = g_strdup_printf(
		    "[{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":"
		    "[\"3 1 1 AABB\"],\"policy-domain\":\"mx.d.example\"},"
		    "\"summary\":{\"total-successful-session-count\":40,"
		    "\"total-failure-session-count\":0}}]");

		add(&e, mk("DANE Reporter", id, day, pol), 1);
		g_free(id);
		g_free(pol);
	}
	params(&p, 21, 7);
	d = build(&e, &p);
	t = digest_text(d);
	ft = flat(t);
	dom = d->n_domains == 1 ? &d->domains[0] : NULL;
	ok(dom != NULL && dom->enforce.verdict == VERDICT_NO_STS &&
		strstr(dom->enforce.reason, "DANE only") != NULL &&
		strstr(ft, "publish an _mta-sts") == NULL &&
		strstr(ft, "DANE TLSA records: 3 1 1 AABB") != NULL,
	    "DANE only: said so, no MTA-STS advice");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);

	/* partial days: a period from noon, and one not over yet */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	daily(&e, "Google Inc.", "p.example", 0, 23, 100);
	params(&p, 21, 7);
	p.since += DAY / 2;
	p.until += DAY / 2;
	p.now = p.since + 3 * DAY;
	d = build(&e, &p);
	dom = find(d, "p.example");
	t = digest_text(d);
	ok(dom != NULL && dom->n_days == 8 && dom->days[0].partial &&
		dom->days[7].partial && !dom->days[1].partial &&
		!dom->days[1].open && dom->days[4].open,
	    "partial days: the first and last in part, those after as-of "
	    "not over");
	ok(strstr(t, "-  (part of the day)\n") != NULL &&
		strstr(t,
		    "2026-10-30        -       -      -  (not over yet)") !=
		    NULL,
	    "partial days: the text says so instead of a bare '-'");
	g_free(t);
	digest_free(d);
	g_array_unref(e.a);

	/* a store with a single report */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	one(&e, "Google Inc.", "s1.example", 22, "testing", 10, 0);
	params(&p, 21, 7);
	d = build(&e, &p);
	dom = find(d, "s1.example");
	t = digest_text(d);
	ft = flat(t);
	ok(dom != NULL && dom->enforce.verdict == VERDICT_NOT_READY &&
		strstr(ft, "Too few reports to learn its rhythm") != NULL &&
		strstr(ft, "1 of the 14 clean days") != NULL &&
		strstr(ft, "Only 1 of the 2 reporters") != NULL &&
		strstr(ft, "STOPPED") == NULL && strstr(t, "  new  ") != NULL,
	    "a single report: no rhythm, not stopped, not ready and why");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);
}

/* t with each line break and the indent after it as one blank, so that
   a sentence can be looked for whatever the wrapping. */
static char *
flat(const char *t)
{
	GString *o = g_string_new(NULL);

	for (; *t != '\0'; t++) {
		if (*t != '\n') {
			g_string_append_c(o, *t);
			continue;
		}
		while (t[1] == '\n' || t[1] == ' ')
			t++;
		g_string_append_c(o, ' ');
	}
	return g_string_free(o, FALSE);
}

/* A failing report of org for domain on day (sts testing, 10 ok, 90
   failed at mx9). */
static void
forged(struct entries *e, const char *org, const char *domain, int day)
{
	char *id = g_strdup_printf("%s-%s-forged-%d", org, domain, day);
	char *mx = g_strdup_printf("mx9.%s", domain);
	char *f = fd("certificate-expired", mx, 90);
	char *s = sts(domain, "testing", 10, 90, f);
	char *pol = g_strdup_printf("[%s]", s);

	add(e, mk(org, id, day, pol), 1);
	g_free(id);
	g_free(mx);
	g_free(f);
	g_free(s);
	g_free(pol);
}

static void
test_auth_sentence(void)
{
	static const struct {
		struct digest_auth a;
		int counted;
		const char *want;
	} cases[] = {
		{ { .dkim = 12 }, 0, "12 reports, 12 authenticated (DKIM)." },
		{ { .dkim = 10, .ar = 2 }, 0,
		    "12 reports, 12 authenticated (10 DKIM, 2 "
		    "Authentication-Results)." },
		{ { .dkim = 3, .unchecked = 9, .excluded = 9 }, 0,
		    "12 reports, 3 authenticated (DKIM): 9 unauthenticated "
		    "reports (never checked) are not counted." },
		{ { .dkim = 3, .unchecked = 2, .failed = 7, .excluded = 9 }, 0,
		    "12 reports, 3 authenticated (DKIM): 9 unauthenticated "
		    "reports (7 without a valid signature, 2 never checked) "
		    "are not counted." },
		{ { .unchecked = 4, .excluded = 4 }, 0,
		    "4 reports, none authenticated (never checked), so none "
		    "counted." },
		{ { .unchecked = 1 }, 1,
		    "1 report, none authenticated (never checked): counted "
		    "all the same ([trust] count-unauthenticated = yes)." },
		{ { .ar = 1, .failed = 1 }, 1,
		    "2 reports, 1 authenticated (Authentication-Results); the "
		    "1 unauthenticated one (without a valid signature) is "
		    "counted all the same ([trust] count-unauthenticated = "
		    "yes)." },
	};
	struct digest_auth none = { 0 };

	for (size_t i = 0; i < nitems(cases); i++) {
		char *t =
		    digest_auth_sentence(&cases[i].a, cases[i].counted, 1);

		ok(t != NULL && strcmp(t, cases[i].want) == 0,
		    "auth sentence %zu: %s", i, t != NULL ? t : "(null)");
		g_free(t);
	}
	ok(digest_auth_sentence(&none, 0, 1) == NULL,
	    "auth sentence: nothing without a report");
}

static void
test_https_sentence(void)
{
	static const struct {
		struct digest_auth a;
		int count_unauthenticated, count_https;
		const char *want;
	} cases[] = {
		{ { .dkim = 7, .https = 3 }, 0, 1,
		    "10 reports, 7 authenticated (DKIM), 3 posted over HTTPS "
		    "(counted: [trust] count-https)." },
		{ { .dkim = 7, .https = 3, .excluded = 3 }, 0, 0,
		    "10 reports, 7 authenticated (DKIM), 3 posted over HTTPS "
		    "(not counted: [trust] count-https = no)." },
		{ { .https = 1 }, 0, 1,
		    "1 report, posted over HTTPS (counted: [trust] "
		    "count-https)." },
		{ { .https = 4, .excluded = 4 }, 0, 0,
		    "4 reports, all posted over HTTPS (not counted: [trust] "
		    "count-https = no)." },
		{ { .dkim = 2,
		      .ar = 1,
		      .https = 3,
		      .failed = 2,
		      .excluded = 2 },
		    0, 1,
		    "8 reports, 3 authenticated (2 DKIM, 1 "
		    "Authentication-Results), 3 posted over HTTPS (counted: "
		    "[trust] count-https); 2 unauthenticated reports (without "
		    "a valid signature) are not counted." },
		{ { .https = 2, .unchecked = 1 }, 1, 0,
		    "3 reports, 2 posted over HTTPS (counted all the same: "
		    "[trust] count-unauthenticated = yes); 1 unauthenticated "
		    "report (never checked) is counted all the same ([trust] "
		    "count-unauthenticated = yes)." },
	};

	for (size_t i = 0; i < nitems(cases); i++) {
		char *t = digest_auth_sentence(&cases[i].a,
		    cases[i].count_unauthenticated, cases[i].count_https);

		ok(t != NULL && strcmp(t, cases[i].want) == 0,
		    "https sentence %zu: %s", i, t != NULL ? t : "(null)");
		g_free(t);
	}
}

/* JSON member path a.b.c of text (objects only) as an integer; -1. */
static long long
json_int(const char *text, const char *const *path)
{
	cJSON *root = cJSON_Parse(text), *o = root;
	long long v = -1;

	for (; o != NULL && *path != NULL; path++)
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(*path))
				     : cJSON_GetObjectItem(o, *path);
	if (cJSON_IsNumber(o))
		v = (long long)o->valuedouble;
	cJSON_Delete(root);
	return v;
}

/* Reports nobody vouched for: counted apart, never in a figure or a
   verdict (unless count_unauthenticated). */
static void
test_trust(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	const struct digest_reporter *rp;
	char *t, *ft, *h, *j, *subj;
	static const char *const nc_reports[] = { "domains", "0",
		"authentication", "not-counted", "reports", NULL };
	static const char *const dkim[] = { "domains", "0", "authentication",
		"dkim", NULL };

	/* t.example: Google (DKIM) and Microsoft (Authentication-Results)
	   clean; a forger, never checked, failing from day 15 on */
	vouch = &a_dkim;
	daily(&e, "Google Inc.", "t.example", 0, 27, 100);
	vouch = &a_ar;
	daily(&e, "Microsoft Corporation", "t.example", 10, 27, 50);
	vouch = &a_unchecked;
	for (int day = 15; day <= 27; day++)
		forged(&e, "Forger", "t.example", day);
	vouch = &a_dkim;

	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "t.example");
	ok(dom != NULL && d->n_domains == 1, "trust: one domain");
	if (dom == NULL)
		return;
	ok(dom->reports == 14 && d->reports == 14 && dom->failed == 0 &&
		dom->successful == 1050 && dom->level == DIGEST_CLEAN &&
		d->failed == 0 && d->level == DIGEST_CLEAN,
	    "trust: the figures hold the authenticated reports only "
	    "(%zu reports, %lld failed)",
	    dom->reports, (long long)dom->failed);
	ok(dom->n_failures == 0 && dom->n_types == 0 && dom->n_mx_failed == 0 &&
		reporter(dom, "Forger") == NULL && dom->active_reporters == 2 &&
		dom->n_modes == 1 && dom->modes[0].sessions == 14,
	    "trust: no failure detail, reporter or mode from the forger");
	ok(dom->has_prev && dom->prev_failed == 0,
	    "trust: nor in the previous period");
	ok(dom->auth.dkim == 7 && dom->auth.ar == 7 &&
		dom->auth.unchecked == 7 && dom->auth.failed == 0 &&
		dom->auth.excluded == 7 &&
		dom->auth.excluded_successful == 70 &&
		dom->auth.excluded_failed == 630 &&
		dom->auth.n_excluded_reporters == 1 &&
		strcmp(dom->auth.excluded_reporters[0].name, "Forger") == 0 &&
		dom->auth.excluded_reporters[0].sessions == 7,
	    "trust: tallied apart: 7 DKIM, 7 A-R, 7 unchecked, 630 failed "
	    "sessions not counted, in the name of Forger");
	ok(d->auth.dkim == 7 && d->auth.excluded == 7 &&
		d->auth.excluded_reporters == NULL,
	    "trust: the digest's tally");
	ok(dom->enforce.verdict == VERDICT_READY &&
		dom->enforce.last_failure == 0 &&
		strstr(dom->enforce.reason,
		    "Not counted: 7 unauthenticated reports with 630 failed "
		    "sessions") != NULL,
	    "trust: ready for enforce on the authenticated reports, with a "
	    "caveat: %s",
	    dom->enforce.reason);
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "Authentication: 21 reports, 14 authenticated (7 DKIM, 7 "
	       "Authentication-Results): 7 unauthenticated reports (never "
	       "checked) are not counted.") != NULL &&
		strstr(ft,
		    "Not counted: 700 sessions, 630 of them failed, "
		    "in the unauthenticated reports.") != NULL &&
		strstr(ft, "In the name of: Forger (7)") != NULL &&
		strstr(ft, "14 counted reports from 2 reporters.") != NULL &&
		strstr(ft, "(UTC), 1 domain: 21 reports, 14 authenticated") !=
		    NULL,
	    "trust: the text says so");
	g_free(t);
	g_free(ft);
	h = digest_html(d);
	ok(strstr(h, "Authentication: 21 reports, 14 authenticated") != NULL &&
		strstr(h, "<b>Not counted:</b> 700 sessions") != NULL &&
		strstr(h, "<code>Forger</code> (7)") != NULL,
	    "trust: the html says so");
	g_free(h);
	j = digest_json(d);
	ok(json_int(j, nc_reports) == 7 && json_int(j, dkim) == 7 &&
		strstr(j, "\"unauthenticated-counted\":\tfalse") != NULL,
	    "trust: the json says so");
	g_free(j);
	digest_free(d);

	p.count_unauthenticated = 1;
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "t.example");
	ok(dom != NULL && dom->reports == 21 && dom->failed == 630 &&
		dom->level == DIGEST_ACTION && dom->auth.excluded == 0 &&
		dom->auth.unchecked == 7 && reporter(dom, "Forger") != NULL &&
		dom->n_failures == 1 &&
		dom->enforce.verdict == VERDICT_NOT_READY,
	    "count_unauthenticated: the forger counts, and blocks enforce");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "Authentication: 21 reports, 14 authenticated (7 DKIM, 7 "
	       "Authentication-Results); the 7 unauthenticated ones (never "
	       "checked) are counted all the same ([trust] "
	       "count-unauthenticated = yes).") != NULL &&
		strstr(ft, "Not counted") == NULL,
	    "count_unauthenticated: the text says they count");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);

	/* off.example: nothing authenticated ([trust] dkim = off, or
	   stored before); gone.example: unauthenticated, before the
	   period only */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	vouch = &a_unchecked;
	daily(&e, "Google Inc.", "off.example", 0, 27, 100);
	daily(&e, "Google Inc.", "gone.example", 0, 13, 100);
	vouch = NULL; /* as a store without the auth columns gives */
	daily(&e, "Microsoft Corporation", "off.example", 10, 27, 50);
	vouch = &a_fail;
	forged(&e, "Forger", "off.example", 22);
	vouch = &a_temp;
	forged(&e, "Forger", "off.example", 23);
	vouch = &a_dkim;
	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "off.example");
	ok(d->n_domains == 1 && find(d, "gone.example") == NULL,
	    "only unauthenticated, and only before the period: no domain");
	ok(dom != NULL && dom->reports == 0 && dom->successful == 0 &&
		dom->failed == 0 && dom->n_reporters == 0 &&
		dom->auth.unchecked == 14 && dom->auth.failed == 2 &&
		dom->auth.excluded == 16 &&
		strcmp(digest_domain_status(dom), "unauthenticated") == 0,
	    "only unauthenticated: listed, nothing counted, status "
	    "unauthenticated");
	ok(dom != NULL && dom->enforce.verdict == VERDICT_UNAUTHENTICATED &&
		strstr(dom->enforce.reason,
		    "No authenticated report in this period, so no verdict") !=
		    NULL &&
		strstr(dom->enforce.reason, "2 reports failed that check") !=
		    NULL &&
		strstr(dom->enforce.reason, "14 reports were never checked") !=
		    NULL &&
		strstr(dom->enforce.reason,
		    "set count-unauthenticated = yes in [trust]") != NULL,
	    "only unauthenticated: no verdict, and why: %s",
	    dom != NULL ? dom->enforce.reason : "");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(t, "READY") == NULL && strstr(t, "clean") == NULL &&
		strstr(t, "DAY ") == NULL && strstr(t, "Policies:") == NULL &&
		strstr(t, "  off.example  ") != NULL &&
		strstr(t, "-  -       unauthenticated\n") != NULL &&
		strstr(ft,
		    "No authenticated report in this period. No "
		    "authenticated report in the previous period.") != NULL &&
		strstr(ft, "Enforce: no verdict (no authenticated report).") !=
		    NULL &&
		strstr(ft,
		    "16 reports, none authenticated (2 without a valid "
		    "signature, 14 never checked), so none counted.") != NULL,
	    "only unauthenticated: the text says why, never ready or "
	    "clean");
	g_free(t);
	g_free(ft);
	h = digest_html(d);
	ok(strstr(h, "No verdict: no authenticated report") != NULL &&
		strstr(h, "Ready for enforce") == NULL,
	    "only unauthenticated: the html says why");
	g_free(h);
	j = digest_json(d);
	ok(strstr(j, "\"verdict\":\t\"unauthenticated\"") != NULL &&
		strstr(j, "\"status\":\t\"unauthenticated\"") != NULL,
	    "only unauthenticated: the json verdict and status");
	g_free(j);
	subj = digest_subject(d, NULL);
	ok(strcmp(subj,
	       "TLS report for off.example: no authenticated report "
	       "(2026-10-26 to 2026-11-01)") == 0,
	    "only unauthenticated: subject %s", subj);
	g_free(subj);
	digest_free(d);

	p.count_unauthenticated = 1;
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "off.example");
	ok(d->n_domains == 2 && dom != NULL && dom->reports == 16 &&
		dom->failed == 180 &&
		dom->enforce.verdict == VERDICT_NOT_READY &&
		strcmp(digest_domain_status(dom), "action") == 0,
	    "only unauthenticated, counted: figures and a verdict");
	digest_free(d);
	g_array_unref(e.a);

	/* s2.example: Google's signature stops passing on day 14 */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	daily(&e, "Google Inc.", "s2.example", 0, 13, 100);
	vouch = &a_fail;
	daily(&e, "Google Inc.", "s2.example", 14, 27, 100);
	vouch = &a_dkim;
	daily(&e, "Microsoft Corporation", "s2.example", 0, 27, 50);
	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "s2.example");
	rp = dom != NULL ? reporter(dom, "Google Inc.") : NULL;
	t = digest_text(d);
	ft = flat(t);
	ok(rp != NULL && rp->silent && rp->reports == 0 &&
		strstr(ft,
		    "Yet 7 unauthenticated reports in its name came in "
		    "this period, not counted") != NULL,
	    "a reporter whose reports stop passing: silent, and the text "
	    "says its unauthenticated reports came");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);
}

/* Reports posted over HTTPS (source https, method none): counted by
   default, named apart; left out like unauthenticated ones with
   count_https = 0. */
static void
test_https(void)
{
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom;
	struct ti_err err = { 0 };
	char *t, *ft, *h, *j, *mail, *fm;
	static const char *const https[] = { "domains", "0", "authentication",
		"https", NULL };
	static const char *const nc_reports[] = { "domains", "0",
		"authentication", "not-counted", "reports", NULL };
	static const char *const top_https[] = { "authentication", "https",
		NULL };

	ok(digest_counts(&(struct digest_params) { .count_https = 1 },
	       &a_unchecked, "https") &&
		!digest_counts(&(struct digest_params) { .count_https = 0 },
		    &a_unchecked, "https") &&
		!digest_counts(&(struct digest_params) { .count_https = 1 },
		    &a_unchecked, "mail") &&
		!digest_counts(&(struct digest_params) { .count_https = 1 },
		    NULL, NULL) &&
		digest_counts(&(struct digest_params) { .count_https = 0 },
		    &a_dkim, "https") &&
		digest_counts(
		    &(struct digest_params) { .count_unauthenticated = 1 },
		    &a_unchecked, "https"),
	    "digest_counts: passed, or count_unauthenticated, or https and "
	    "count_https");
	digest_params_default(&p);
	ok(p.count_https == 1 && p.count_unauthenticated == 0,
	    "params: count_https by default");

	/* h.example: Google (DKIM) clean; a reporter that posts over
	   HTTPS, failing from day 15 on */
	vouch = &a_dkim;
	daily(&e, "Google Inc.", "h.example", 0, 27, 100);
	vouch = &a_unchecked;
	via = "https";
	for (int day = 15; day <= 27; day++)
		forged(&e, "Poster", "h.example", day);
	via = NULL;
	vouch = &a_dkim;

	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "h.example");
	ok(dom != NULL && dom->reports == 14 && d->reports == 14 &&
		dom->failed == 630 && dom->level == DIGEST_ACTION &&
		reporter(dom, "Poster") != NULL && dom->n_failures == 1 &&
		dom->auth.dkim == 7 && dom->auth.https == 7 &&
		dom->auth.unchecked == 0 && dom->auth.excluded == 0 &&
		d->auth.https == 7 && dom->enforce.verdict == VERDICT_NOT_READY,
	    "https counted by default: its failures, reporter and verdict");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "Authentication: 14 reports, 7 authenticated (DKIM), 7 posted "
	       "over HTTPS (counted: [trust] count-https).") != NULL &&
		strstr(ft,
		    "(UTC), 1 domain: 14 reports, 7 authenticated (DKIM), 7 "
		    "posted over HTTPS (counted: [trust] count-https).") !=
		    NULL &&
		strstr(ft, "Not counted") == NULL &&
		strstr(ft, "14 reports from 2 reporters.") != NULL,
	    "https counted: the text names them apart");
	g_free(t);
	g_free(ft);
	h = digest_html(d);
	ok(strstr(h,
	       "Authentication: 14 reports, 7 authenticated (DKIM), 7 posted "
	       "over HTTPS (counted: [trust] count-https).") != NULL,
	    "https counted: the html names them apart");
	g_free(h);
	j = digest_json(d);
	ok(json_int(j, https) == 7 && json_int(j, top_https) == 7 &&
		json_int(j, nc_reports) == 0 &&
		strstr(j, "\"https-counted\":\ttrue") != NULL,
	    "https counted: the json has an https count");
	g_free(j);
	mime_init(); /* once per process: shut down at the end of main */
	mail = digest_mail(d, "tlsrpt@example.org", "pm@example.org", NULL, D0,
	    &err);
	fm = mail != NULL ? flat(mail) : g_strdup("");
	ok(strstr(fm, "7 posted over HTTPS (counted: [trust] count-https)") !=
		NULL,
	    "https counted: so does the mail: %s", err.msg);
	g_free(fm);
	g_free(mail);
	digest_free(d);

	p.count_https = 0;
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "h.example");
	ok(dom != NULL && dom->reports == 7 && dom->failed == 0 &&
		dom->level == DIGEST_CLEAN && reporter(dom, "Poster") == NULL &&
		dom->auth.https == 7 && dom->auth.excluded == 7 &&
		dom->auth.excluded_failed == 630 &&
		dom->auth.n_excluded_reporters == 1 && dom->has_prev &&
		dom->prev_failed == 0,
	    "count_https = 0: left out like unauthenticated reports");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "Authentication: 14 reports, 7 authenticated (DKIM), 7 posted "
	       "over HTTPS (not counted: [trust] count-https = no).") != NULL &&
		strstr(ft, "Not counted: 700 sessions, 630 of them failed") !=
		    NULL &&
		strstr(ft, "7 counted reports from 1 reporter.") != NULL,
	    "count_https = 0: the text says they are not counted");
	g_free(t);
	g_free(ft);
	j = digest_json(d);
	ok(json_int(j, https) == 7 && json_int(j, nc_reports) == 7 &&
		strstr(j, "\"https-counted\":\tfalse") != NULL,
	    "count_https = 0: the json says so");
	g_free(j);
	digest_free(d);

	p.count_unauthenticated = 1;
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "h.example");
	t = dom != NULL ? digest_auth_sentence(&dom->auth, 1, 0) : NULL;
	ok(dom != NULL && dom->reports == 14 && dom->failed == 630 &&
		dom->auth.excluded == 0 && t != NULL &&
		strstr(t,
		    "(counted all the same: [trust] "
		    "count-unauthenticated = yes)") != NULL,
	    "count_https = 0, count_unauthenticated: counted all the same");
	g_free(t);
	digest_free(d);
	g_array_unref(e.a);

	/* p.example: only reports posted over HTTPS */
	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	vouch = &a_unchecked;
	via = "https";
	daily(&e, "Poster", "p.example", 0, 27, 100);
	via = NULL;
	vouch = &a_dkim;
	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "p.example");
	ok(dom != NULL && dom->reports == 7 && dom->successful == 700 &&
		dom->level == DIGEST_CLEAN && dom->auth.https == 7 &&
		strcmp(digest_domain_status(dom), "clean") == 0,
	    "only https, counted: figures and a status");
	digest_free(d);
	p.count_https = 0;
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = find(d, "p.example");
	ok(dom != NULL && dom->reports == 0 &&
		dom->enforce.verdict == VERDICT_UNAUTHENTICATED &&
		strcmp(digest_domain_status(dom), "unauthenticated") == 0 &&
		strstr(dom->enforce.reason,
		    "No counted report in this period, so no verdict.  7 "
		    "reports were posted over HTTPS, for which RFC 8460 "
		    "defines no authentication, and [trust] count-https = no "
		    "leaves them out.") != NULL,
	    "only https, count_https = 0: no verdict, and why: %s",
	    dom != NULL ? dom->enforce.reason : "");
	t = digest_text(d);
	ft = flat(t);
	ok(strstr(ft,
	       "7 reports, all posted over HTTPS (not counted: [trust] "
	       "count-https = no).") != NULL,
	    "only https, count_https = 0: the text says so");
	g_free(t);
	g_free(ft);
	digest_free(d);
	g_array_unref(e.a);
}

/* A daily reporter for domain over days [from, to] with bad of okn +
   bad sessions failed (certificate-expired at mx1). */
static void
failing(struct entries *e, const char *org, const char *domain, int from,
    int to, int okn, int bad)
{
	for (int day = from; day <= to; day++) {
		char *id = g_strdup_printf("%s-%s-f%d", org, domain, day);
		char *mx = g_strdup_printf("mx1.%s", domain);
		char *f = fd("certificate-expired", mx, bad);
		char *p = sts(domain, "testing", okn, bad, f);
		char *pol = g_strdup_printf("[%s]", p);

		add(e, mk(org, id, day, pol), 1);
		g_free(id);
		g_free(mx);
		g_free(f);
		g_free(p);
		g_free(pol);
	}
}

/* How often needle occurs in s. */
static size_t
occurs(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)) != NULL; s += strlen(needle))
		n++;
	return n;
}

/* Issue #16: the overview of many domains.  Past detail_domains, the
   builder orders the domains by attention and cuts the detail once;
   text, HTML and JSON follow the same cut; below it, or for one
   domain, nothing changes. */
static void
test_overview_cut(void)
{
	/* the order of attention the domains below must come in */
	static const char *const want[] = { "a.example", "b.example",
		"c.example", "s.example", "p.example", "n.example", "q.example",
		"y.example", "z.example" };
	struct entries e = { g_array_new(FALSE, TRUE,
	    sizeof(struct digest_entry)) };
	struct digest_params p;
	struct digest *d;
	char *t, *h, *j, *ft, *mail;
	struct ti_err err = { 0 };
	cJSON *root, *a;
	int in_order = 1, sections = 1;
	long last = -1;

	/* alphabetical order is not the order of attention */
	daily(&e, "Google Inc.", "z.example", 0, 27, 100);
	daily(&e, "Google Inc.", "y.example", 0, 27, 300);
	daily(&e, "Google Inc.", "q.example", 0, 27, 0); /* no session */
	failing(&e, "Google Inc.", "n.example", 0, 27, 995, 5); /* 0.5% */
	daily(&e, "Google Inc.", "p.example", 0, 27, 100);
	daily(&e, "Other Org", "p.example", 0, 18, 100); /* stopped */
	daily(&e, "Google Inc.", "s.example", 0, 18, 100); /* silent */
	failing(&e, "Google Inc.", "c.example", 0, 27, 97, 3); /* 3% */
	failing(&e, "Google Inc.", "b.example", 0, 27, 90, 10); /* 10% */
	failing(&e, "Google Inc.", "a.example", 0, 27, 80, 20); /* 20% */
	params(&p, 21, 7);
	p.now = p.until;

	/* the default: every domain in detail, by name, as always */
	d = build(&e, &p);
	ok(d->n_domains == 9 && d->n_detail == 9 && d->order[0] == 0 &&
		d->order[8] == 8 &&
		strcmp(d->domains[0].name, "a.example") == 0 &&
		strcmp(d->domains[1].name, "b.example") == 0 &&
		strcmp(d->domains[3].name, "n.example") == 0,
	    "no cut by default: the order is by name (%zu of %zu)", d->n_detail,
	    d->n_domains);
	t = digest_text(d);
	ok(digest_left_out(d) == NULL && strstr(t, "only in the table") == NULL,
	    "no cut: no left-out line");
	g_free(t);
	digest_free(d);
	p.detail_domains = 9;
	d = build(&e, &p);
	ok(d->n_detail == 9 && d->order[0] == 0 && d->order[8] == 8,
	    "as many domains as detail-domains: no cut, by name");
	digest_free(d);

	p.detail_domains = 4;
	d = build(&e, &p);
	ok(d->n_domains == 9 && d->n_detail == 4,
	    "detail-domains 4 of 9: 4 in detail (%zu)", d->n_detail);
	for (size_t i = 0; i < d->n_domains; i++)
		if (strcmp(d->domains[d->order[i]].name, want[i]) != 0) {
			diag("position %zu: %s, want %s", i,
			    d->domains[d->order[i]].name, want[i]);
			in_order = 0;
		}
	ok(in_order,
	    "by attention: action (20%% before 10%%), watch, silent, stopped, "
	    "noise, quiet, clean (more sessions first)");
	ok(strcmp(d->domains[0].name, "a.example") == 0 &&
		strcmp(d->domains[8].name, "z.example") == 0,
	    "the domains themselves stay by name");

	t = digest_text(d);
	ft = flat(t);
	for (size_t i = 0; i < nitems(want); i++) {
		char *row = g_strdup_printf("\n  %s ", want[i]);
		char *sec = g_strdup_printf("\n\n%s\n=========\n", want[i]);
		const char *at = strstr(t, row);
		long pos = at != NULL ? (long)(at - t) : -1;

		if (pos <= last) {
			diag("table row of %s at %ld", want[i], pos);
			in_order = 0;
		}
		last = pos;
		if (occurs(t, sec) != (i < 4 ? 1u : 0u)) {
			diag("%s: %zu sections", want[i], occurs(t, sec));
			sections = 0;
		}
		g_free(row);
		g_free(sec);
	}
	ok(in_order, "text: every domain in the table, by attention");
	ok(sections, "text: a section for the worst 4 only");
	ok(strstr(ft,
	       "Detail below for the 4 domains that need attention most, "
	       "first in the table; the other 5 are only in the table. The "
	       "detail of one domain: tlsrpt digest --domain DOMAIN; of "
	       "each: tlsrpt digest --each-domain; of all on one page: "
	       "tlsrpt html.") != NULL,
	    "text: how many were left out, and where they are");
	ok(strstr(ft, "SILENT s.example") != NULL &&
		strstr(ft, "STOPPED p.example") == NULL,
	    "text: a stopped line only for the domains in detail");
	g_free(t);
	g_free(ft);

	h = digest_html(d);
	ok(occurs(h, "<h2 id=\"d") == 4 && occurs(h, "<a href=\"#d") == 4,
	    "html: 4 sections, 4 links (%zu, %zu)", occurs(h, "<h2 id=\"d"),
	    occurs(h, "<a href=\"#d"));
	in_order = 1;
	last = -1;
	for (size_t i = 0; i < nitems(want); i++) {
		char *row = g_strdup_printf("%s</", want[i]);
		const char *at = strstr(h, row);
		long pos = at != NULL ? (long)(at - h) : -1;

		if (pos <= last)
			in_order = 0;
		last = pos;
		g_free(row);
	}
	ok(in_order, "html: every domain in the table, by attention");
	ok(strstr(h, "the other 5 are only in the table") != NULL,
	    "html: the left-out line");
	g_free(h);

	j = digest_json(d);
	root = cJSON_Parse(j);
	a = cJSON_GetObjectItem(root, "domains");
	ok(cJSON_GetArraySize(a) == 9 &&
		cJSON_GetObjectItem(cJSON_GetArrayItem(a, 8), "reporters") !=
		    NULL &&
		strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 8), "domain")
			   ->valuestring,
		    "z.example") == 0,
	    "json: every domain in full, by name");
	a = cJSON_GetObjectItem(root, "attention");
	in_order = cJSON_GetArraySize(a) == 9;
	for (int i = 0; in_order && i < 9; i++)
		in_order =
		    strcmp(cJSON_GetArrayItem(a, i)->valuestring, want[i]) == 0;
	ok(in_order &&
		cJSON_GetNumberValue(
		    cJSON_GetObjectItem(root, "detail-domains")) == 4,
	    "json: attention (the table's order) and detail-domains");
	cJSON_Delete(root);
	g_free(j);

	mime_init();
	mail = digest_mail(d, "tlsrpt@example.org", "pm@example.org", NULL, D0,
	    &err);
	ok(mail != NULL && strstr(mail, "Subject: TLS report for 9 domains") &&
		occurs(mail, "\n\nz.example\n=3D") == 0 &&
		occurs(mail, "\n\na.example\n=3D") == 1,
	    "mail: the same cut in its text part");
	g_free(mail);
	digest_free(d);

	p.detail_domains = 0;
	d = build(&e, &p);
	t = digest_text(d);
	h = digest_html(d);
	ok(d->n_detail == 0 && occurs(t, "\n=========\n") == 0 &&
		occurs(h, "<h2 id=") == 0 &&
		strstr(t, "No domain in detail here: the 9 domains are only") !=
		    NULL &&
		strstr(t, "\n  z.example ") != NULL,
	    "detail-domains 0: the table alone, and the left-out line");
	g_free(t);
	g_free(h);
	digest_free(d);

	/* the digest of one domain is never cut */
	p.domain = "s.example";
	d = build(&e, &p);
	ok(d->n_domains == 1 && d->n_detail == 1,
	    "--domain: its detail whatever detail-domains");
	digest_free(d);
	g_array_unref(e.a);
}

/* digest_attention_cmp: ties broken by failed sessions, then sessions,
   then name. */
static void
test_attention_cmp(void)
{
	struct digest_domain x, y;

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.name = (char *)"x.example";
	y.name = (char *)"y.example";
	x.reports = y.reports = 1;
	x.level = y.level = DIGEST_WATCH;
	x.rate = y.rate = 2.0;
	x.successful = 98;
	x.failed = 2;
	y.successful = 980;
	y.failed = 20;
	ok(digest_attention_cmp(&y, &x) < 0 && digest_attention_cmp(&x, &y) > 0,
	    "same rate: more failed sessions first");
	y.successful = 99;
	y.failed = 2;
	x.successful = 99;
	ok(digest_attention_cmp(&x, &y) < 0 &&
		digest_attention_cmp(&x, &x) == 0,
	    "all the same: by name");
	x.level = DIGEST_ACTION;
	x.rate = 0.5; /* cannot happen, but the status wins */
	ok(digest_attention_cmp(&x, &y) < 0, "the status comes first");
}

static void
report_free_cb(gpointer p)
{
	report_free(p);
}

/* The published-now part ([digest] check): a fabricated check result
   enters the model as data; the renderers say the same; the enforce
   verdict needs a clean check. */
static void
test_published(void)
{
	struct entries e;
	struct digest_params p;
	struct digest *d;
	struct digest_domain *dom;
	struct check_result *r;
	struct ti_err err = { 0 };
	char *text, *html, *json, *mail, *t;
	cJSON *root, *x;
	char *trusted[] = { "other.example", NULL };
	char *ours[] = { "v.example", NULL };

	e.a = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	daily(&e, "Google Inc.", "v.example", 0, 27, 100);
	daily(&e, "Microsoft Corporation", "v.example", 10, 27, 50);
	params(&p, 21, 7);
	d = digest_build((struct digest_entry *)(void *)e.a->data, e.a->len,
	    &p);
	dom = &d->domains[0];
	ok(dom->enforce.verdict == VERDICT_READY && dom->check == NULL,
	    "published: ready on the reports alone, no check part");
	ok(digest_check_wanted(dom, NULL) &&
		!digest_check_wanted(dom, trusted) &&
		digest_check_wanted(dom, ours),
	    "published: only [trust] domains when set, else the reports'");

	/* a clean check leaves the verdict alone */
	r = check_result_new("v.example");
	check_add(r, "C9", CHECK_INFO, NULL, "max_age is %d", 86400);
	digest_set_check(dom, r, p.now, NULL);
	check_result_free(r);
	ok(dom->check != NULL && dom->check->n_findings == 0 &&
		strcmp(dom->check->verdict, "ok") == 0 &&
		dom->enforce.verdict == VERDICT_READY,
	    "published: a clean check (an info only): still ready");
	text = digest_text(d);
	ok(strstr(text, "Published now (checked ") != NULL &&
		strstr(text, "0 errors, 0 warnings.") != NULL &&
		strstr(text, "max_age") == NULL,
	    "published: text of a clean check");
	g_free(text);

	/* a certificate that expires in three days, the cross-checks */
	r = check_result_new("v.example");
	check_add(r, "X6", CHECK_WARNING,
	    "renew the certificate (is the renewal job running?)",
	    "mx1.v.example [192.0.2.1]: certificate expires in 3 days");
	check_add(r, "R1", CHECK_WARNING, "wait up to the old max_age",
	    "2 stored reports name another policy than the live one "
	    "(latest: Google Inc., mode testing; live: mode enforce)");
	check_add(r, "R3", CHECK_ERROR, "check the new certificate",
	    "failures at mx2.v.example began on 2026-10-30, when its key "
	    "changed <b>");
	check_add(r, "R4", CHECK_INFO, NULL,
	    "reports count 3 sessions that failed DANE");
	check_add(r, "M9", CHECK_INFO, NULL, "an info not for the digest");
	digest_set_check(dom, r, p.now, "No check history is kept (test).");
	check_result_free(r);
	ok(dom->check->n_findings == 4 && dom->check->errors == 1 &&
		dom->check->warnings == 2 &&
		strcmp(dom->check->findings[0].id, "X6") == 0 &&
		strcmp(dom->check->findings[1].id, "R1") == 0 &&
		strcmp(dom->check->findings[3].id, "R4") == 0,
	    "published: the errors and warnings, then every cross-check");
	ok(dom->enforce.verdict == VERDICT_NOT_READY &&
		strstr(dom->enforce.reason,
		    "The live check finds an error (R3)") != NULL &&
		strstr(dom->enforce.reason, "On the reports alone: ") != NULL,
	    "published: not ready while the check has an error: %s",
	    dom->enforce.reason);
	text = digest_text(d);
	t = flat(text);
	ok(strstr(t, "1 error, 2 warnings") != NULL &&
		strstr(t,
		    "warning X6  mx1.v.example [192.0.2.1]: "
		    "certificate expires in 3 days") != NULL &&
		strstr(t, "fix: renew the certificate") != NULL &&
		strstr(t, "error   R3  failures at mx2.v.example") != NULL &&
		strstr(t, "No check history is kept (test).") != NULL &&
		strstr(t, "an info not for the digest") == NULL &&
		strstr(text, "Published now") < strstr(text, "Enforce: "),
	    "published: text");
	if (strstr(t, "error   R3  failures") == NULL)
		diag("%s", text);
	g_free(t);
	g_free(text);
	html = digest_html(d);
	ok(strstr(html, "<b>Published now</b>") != NULL &&
		strstr(html, "warning X6</b> mx1.v.example") != NULL &&
		strstr(html, "changed &lt;b&gt;") != NULL &&
		strstr(html, "changed <b>") == NULL,
	    "published: HTML, escaped");
	g_free(html);
	json = digest_json(d);
	root = cJSON_Parse(json);
	x = cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(root, "domains"), 0),
	    "published-now");
	ok(x != NULL &&
		cJSON_GetArraySize(cJSON_GetObjectItem(x, "findings")) == 4 &&
		strcmp(cJSON_GetObjectItem(
			   cJSON_GetArrayItem(
			       cJSON_GetObjectItem(x, "findings"), 0),
			   "id")
			   ->valuestring,
		    "X6") == 0 &&
		strcmp(cJSON_GetObjectItem(x, "verdict")->valuestring,
		    "error") == 0,
	    "published: JSON");
	cJSON_Delete(root);
	g_free(json);
	mail = digest_mail(d, "tlsrpt@example.org", "pm@example.org", NULL, D0,
	    &err);
	ok(mail != NULL && strstr(mail, "Published now") != NULL,
	    "published: the mail");
	g_free(mail);

	/* a certificate about to expire alone holds the verdict back */
	r = check_result_new("v.example");
	check_add(r, "X6", CHECK_WARNING, NULL,
	    "mx1.v.example [192.0.2.1]: certificate expires in 3 days");
	dom->enforce.verdict = VERDICT_READY;
	digest_set_check(dom, r, p.now, NULL);
	ok(dom->enforce.verdict == VERDICT_NOT_READY &&
		strstr(dom->enforce.reason,
		    "a certificate that expires soon (X6)") != NULL,
	    "published: X6 holds back: %s", dom->enforce.reason);
	/* a domain already in enforce stays so */
	dom->enforce.verdict = VERDICT_ENFORCED;
	digest_set_check(dom, r, p.now, NULL);
	ok(dom->enforce.verdict == VERDICT_ENFORCED,
	    "published: the check does not move an enforced domain");
	check_result_free(r);
	digest_free(d);
	g_array_unref(e.a);
}

int
main(void)
{
	reports = g_ptr_array_new_with_free_func(report_free_cb);
	auth_set(&a_dkim, AUTH_DKIM, AUTH_PASS);
	auth_set(&a_ar, AUTH_AR, AUTH_PASS);
	auth_set(&a_unchecked, AUTH_NONE, AUTH_RNONE);
	auth_set(&a_fail, AUTH_DKIM, AUTH_FAIL);
	auth_set(&a_temp, AUTH_AR, AUTH_TEMPERROR);
	test_helpers();
	test_count_once();
	test_levels();
	test_period();
	test_cadence();
	test_enforce();
	test_hostile();
	test_empty();
	test_align();
	test_silent();
	test_policy_history();
	test_scenarios();
	test_clean_paths();
	test_stream();
	test_repeats();
	test_remembered();
	test_auth_sentence();
	test_https_sentence();
	test_trust();
	test_https();
	test_overview_cut();
	test_attention_cmp();
	test_published();
	g_ptr_array_free(reports, TRUE);
	mime_shutdown();
	auth_clear(&a_dkim);
	auth_clear(&a_ar);
	auth_clear(&a_unchecked);
	auth_clear(&a_fail);
	auth_clear(&a_temp);
	return done_testing();
}
