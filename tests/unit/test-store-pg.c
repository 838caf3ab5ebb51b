/*
 * test-store-pg.c: the PostgreSQL store against a real server: put,
 * duplicate, conflict, rollback, read-back of every column (the
 * authentication record too), hostile strings kept verbatim, query
 * filters (case, trailing dot, time), reading inside a write
 * transaction, read-only misuse, a newer schema, the migration of a
 * version 1 store.
 *
 * It needs a server: the store spec comes from $PGSTORE (90-postgres.t
 * starts one and runs this program); without it the test skips.  It
 * works in its own schema, dropped at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libpq-fe.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "store/store.h"
#include "store/store-int.h"
#include "tap.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define SCHEMA STR(STORE_SCHEMA_VERSION) /* the schema, as text */

static const char *const hostile[] = {
	"'); DROP TABLE reports; --",
	"back\\slash \"quote\" $1 %s %n",
	"caf\xc3\xa9 \xe2\x80\xae rtl",
};

/* A one-policy report with one failure; json is any text. */
static struct report *
mkreport(const char *org, const char *id, const char *domain, int64_t start,
    const char *json)
{
	struct report *r = g_new0(struct report, 1);
	struct policy *p;
	char *sha;

	r->organization_name = g_strdup(org);
	r->report_id = g_strdup(id);
	r->start = start;
	r->end = start + 86399;
	r->start_datetime = g_strdup_printf("@%" PRId64, start);
	r->end_datetime = g_strdup_printf("@%" PRId64, r->end);
	r->n_policies = 1;
	r->policies = p = g_new0(struct policy, 1);
	p->policy_type = g_strdup("sts");
	p->policy_domain = g_strdup(domain);
	p->mx_host = g_new0(char *, 2);
	p->mx_host[0] = g_strdup("*.mx.example");
	p->successful = INT64_C(9007199254740991);
	p->failed = 2;
	p->n_failures = 1;
	p->failures = g_new0(struct failure, 1);
	p->failures[0].result_type = g_strdup("certificate-expired");
	p->failures[0].failed_session_count = 2;
	report_deviate(r, "date-no-offset", "%s", "x");
	report_deviate(r, "mx-host-missing", "%s", "y");
	report_deviate(r, "date-no-offset", "%s", "again");
	r->json = g_strdup(json);
	r->json_len = strlen(json);
	sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, json, -1);
	g_strlcpy(r->sha256, sha, sizeof(r->sha256));
	g_free(sha);
	return r;
}

struct seen {
	int n;
	char ids[16][64];
	struct stored_report first;
	char *first_mid, *first_rcpt, *first_origin, *first_arch, *first_dev;
	char *first_org;
	struct ti_auth auth[16]; /* copies */
	int stop_at;
};

static int
collect(const struct stored_report *sr, void *arg)
{
	struct seen *s = arg;

	if (s->n == 0) {
		s->first = *sr;
		s->first_mid = g_strdup(sr->message_id);
		s->first_rcpt = g_strdup(sr->envelope_recipient);
		s->first_origin = g_strdup(sr->origin);
		s->first_arch = g_strdup(sr->archive_path);
		s->first_dev = g_strdup(sr->deviations);
		s->first_org = g_strdup(sr->organization_name);
	}
	if (s->n < 16) {
		g_strlcpy(s->ids[s->n], sr->report_id, sizeof(s->ids[0]));
		auth_copy(&s->auth[s->n], &sr->auth);
	}
	s->n++;
	return s->stop_at != 0 && s->n == s->stop_at ? 7 : 0;
}

static void
seen_clear(struct seen *s)
{
	g_free(s->first_mid);
	g_free(s->first_rcpt);
	g_free(s->first_origin);
	g_free(s->first_arch);
	g_free(s->first_dev);
	g_free(s->first_org);
	for (int i = 0; i < 16; i++)
		auth_clear(&s->auth[i]);
	memset(s, 0, sizeof(*s));
}

static int
count(struct store *st, const char *domain, int64_t since, int64_t until)
{
	struct store_query q = { domain, since, until };
	struct ti_err err = { 0 };
	struct seen s = { 0 };
	int n;

	if (store_each_report(st, &q, collect, &s, &err) != 0) {
		diag("each_report: %s", err.msg);
		seen_clear(&s);
		return -1;
	}
	n = s.n;
	seen_clear(&s);
	return n;
}

static int
put1(struct store *st, struct report *r, const struct report_source *src,
    enum store_put_result *res, char *sha, struct ti_err *err)
{
	if (store_begin(st, err) == -1)
		return -1;
	if (store_put(st, r, src, res, sha, err) == -1) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, err);
}

static int
streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether a holds these values (bits 0: unknown, NULL in the table). */
static int
auth_is(const struct ti_auth *a, const char *method, const char *result,
    const char *domain, const char *selector, const char *algorithm, int bits,
    const char *dnssec, const char *reason)
{
	if (streq(a->method, method) && streq(a->result, result) &&
	    streq(a->domain, domain) && streq(a->selector, selector) &&
	    streq(a->algorithm, algorithm) && a->bits == bits &&
	    streq(a->dnssec, dnssec) && streq(a->reason, reason))
		return 1;
	diag("auth: %s %s d=%s s=%s %s %d %s (%s)", a->method, a->result,
	    a->domain ? a->domain : "-", a->selector ? a->selector : "-",
	    a->algorithm ? a->algorithm : "-", a->bits,
	    a->dnssec ? a->dnssec : "-", a->reason ? a->reason : "-");
	return 0;
}

static void
run(const char *spec)
{
	struct ti_auth auth = {
		.method = AUTH_DKIM,
		.result = AUTH_PASS,
		.domain = "reporter.example",
		.selector = "sel'; --",
		.algorithm = "ed25519-sha256",
		.bits = 0,
		.dnssec = "secure",
		.reason = "note \xff",
	};
	struct report_source src = { .auth = &auth };
	struct ti_auth ar = {
		.method = AUTH_AR,
		.result = AUTH_FAIL,
		.domain = "example.net",
		.algorithm = "rsa-sha256",
		.bits = 1024,
		.reason = (char *)hostile[0],
	};
	struct report_source hsrc = { .auth = &ar };
	struct ti_err err = { 0 };
	enum store_put_result res;
	struct store *st, *ro;
	struct report *a, *a2, *b, *h;
	struct seen s = { 0 };
	char sha[65];
	size_t i;
	int rc;

	ro = store_open(spec, STORE_READ, 2000, &err);
	ok(ro != NULL, "read-only open of a store with no tables: %s", err.msg);
	ok(ro != NULL && count(ro, NULL, 0, 0) == 0, "it reads as empty");
	ti_err_clear(&err);
	ok(ro != NULL && store_begin(ro, &err) == -1 && err.status == TI_E_BUG,
	    "begin on a read-only store: TI_E_BUG");
	store_close(ro);
	ti_err_clear(&err);

	st = store_open(spec, STORE_WRITE, 2000, &err);
	ok(st != NULL, "write open creates the schema: %s", err.msg);
	if (st == NULL)
		return;
	a = mkreport("Org A", "id-1", "Example.COM.", 1000000, "{\"a\":1}");
	a2 = mkreport("Org A", "id-1", "example.com", 1000000, "{\"a\":2}");
	b = mkreport("Org B", "id-2", "example.org", 2000000, "{\"b\":1}");

	ti_err_clear(&err);
	ok(store_put(st, a, &src, &res, sha, &err) == -1 &&
		err.status == TI_E_BUG,
	    "put outside a transaction: TI_E_BUG");
	ti_err_clear(&err);

	src.message_id = "mid\xff@x"; /* invalid UTF-8 from a header */
	src.envelope_sender = "s@example.net";
	src.envelope_recipient = "tlsrpt@example.com";
	src.filename = "a!b.json";
	src.source = "mail";
	src.origin = "-";
	src.archive_path = "/var/mail/new/1";
	src.received = 1234567890;
	rc = put1(st, a, &src, &res, sha, &err);
	ok(rc == 0 && res == STORE_NEW && sha[0] == '\0', "new report: %s",
	    err.msg);
	rc = put1(st, a, &src, &res, sha, &err);
	ok(rc == 0 && res == STORE_DUPLICATE && strcmp(sha, a->sha256) == 0,
	    "same report again: duplicate, with its hash");
	rc = put1(st, a2, &src, &res, sha, &err);
	ok(rc == 0 && res == STORE_CONFLICT && strcmp(sha, a->sha256) == 0,
	    "same identity, other JSON: conflict, first one's hash");

	ok(store_begin(st, &err) == 0 &&
		store_put(st, b, NULL, &res, NULL, &err) == 0 &&
		res == STORE_NEW,
	    "put in a transaction");
	store_rollback(st);
	ok(count(st, NULL, 0, 0) == 1, "rollback: the report is gone");

	/* read inside a write transaction, then write on */
	ok(store_begin(st, &err) == 0 && count(st, NULL, 0, 0) == 1 &&
		store_put(st, b, NULL, &res, NULL, &err) == 0 &&
		count(st, NULL, 0, 0) == 2 && store_commit(st, &err) == 0,
	    "each_report inside a write transaction: %s", err.msg);

	for (i = 0; i < nitems(hostile); i++) {
		h = mkreport(hostile[i], hostile[i], "example.net",
		    3000000 + (int64_t)i, hostile[i]);
		rc = put1(st, h, i == 0 ? &hsrc : NULL, &res, NULL, &err);
		ok(rc == 0 && res == STORE_NEW, "hostile string %zu stored", i);
		report_free(h);
	}
	ok(count(st, NULL, 0, 0) == 2 + (int)nitems(hostile),
	    "the tables survived the hostile strings");

	ok(store_each_report(st, NULL, collect, &s, &err) == 0 && s.n == 5,
	    "each_report without a query");
	ok(s.first.id > 0 && strcmp(s.first_org, "Org A") == 0 &&
		s.first.received == 1234567890 && s.first.start == 1000000 &&
		s.first.successful == INT64_C(9007199254740991) &&
		s.first.failed == 2,
	    "read back: id, org, received, start, big count");
	ok(s.first_mid != NULL && strcmp(s.first_mid, "mid\xef\xbf\xbd@x") == 0,
	    "invalid UTF-8 in a header is replaced: %s", s.first_mid);
	ok(s.first_rcpt != NULL &&
		strcmp(s.first_rcpt, "tlsrpt@example.com") == 0 &&
		strcmp(s.first_origin, "-") == 0 &&
		strcmp(s.first_arch, "/var/mail/new/1") == 0,
	    "envelope recipient, origin and archive path read back");
	ok(s.first_dev != NULL &&
		strcmp(s.first_dev, "date-no-offset mx-host-missing") == 0,
	    "distinct deviation codes: %s", s.first_dev);
	ok(auth_is(&s.auth[0], "dkim", "pass", "reporter.example", "sel'; --",
	       "ed25519-sha256", 0, "secure", "note \xef\xbf\xbd"),
	    "every field of the authentication record reads back (bits "
	    "unknown: 0; invalid UTF-8 replaced)");
	ok(auth_is(&s.auth[1], "none", "none", NULL, NULL, NULL, 0, NULL,
	       NULL) &&
		auth_is(&s.auth[3], "none", "none", NULL, NULL, NULL, 0, NULL,
		    NULL),
	    "no report_source: method none, result none, the rest NULL");
	ok(auth_is(&s.auth[2], "authentication-results", "fail", "example.net",
	       NULL, "rsa-sha256", 1024, NULL, hostile[0]),
	    "bits as an integer, a hostile reason verbatim");
	ok(strcmp(s.ids[2], hostile[0]) == 0 &&
		strcmp(s.ids[3], hostile[1]) == 0 &&
		strcmp(s.ids[4], hostile[2]) == 0,
	    "hostile strings verbatim, in start-time order");
	seen_clear(&s);

	ok(count(st, "example.com", 0, 0) == 1 &&
		count(st, "EXAMPLE.com.", 0, 0) == 1 &&
		count(st, "example.org", 0, 0) == 1 &&
		count(st, "nowhere.example", 0, 0) == 0,
	    "domain: case and one trailing dot ignored, both sides");
	ok(count(st, "\xc3\x89XAMPLE.com", 0, 0) == 0,
	    "domain: \\xc3\\x89XAMPLE.com is another name (A-labels differ)");
	ok(count(st, "'; DROP TABLE reports; --", 0, 0) == 0,
	    "domain is a parameter");
	ok(count(st, NULL, 1000000, 2000000) == 1 &&
		count(st, NULL, 1000001, 0) == 4 &&
		count(st, NULL, 0, 1000001) == 1 &&
		count(st, "example.org", 2000000, 2000001) == 1,
	    "since (inclusive) and until (exclusive)");
	s.stop_at = 2;
	ok(store_each_report(st, NULL, collect, &s, &err) == 7 && s.n == 2,
	    "a callback's non-zero return stops and is returned");
	seen_clear(&s);
	ok(count(st, NULL, 0, 0) == 5, "and the next read works");

	report_free(a);
	report_free(a2);
	report_free(b);
	store_close(st);
}

/* First column of the first row of sql, as text ("NULL" for a NULL;
   g_free it), or NULL when the query fails. */
static char *
sql1(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	char *out = NULL;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		out = g_strdup(
		    PQgetisnull(r, 0, 0) ? "NULL" : PQgetvalue(r, 0, 0));
	else
		diag("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return out;
}

static int
sql1_is(PGconn *c, const char *sql, const char *want)
{
	char *got = sql1(c, sql);
	int r = streq(got, want);

	if (!r)
		diag("%s: got \"%s\", want \"%s\"", sql, got ? got : "(error)",
		    want);
	g_free(got);
	return r;
}

/* The auth_* columns after run(), as psql would see them. */
static void
columns(PGconn *c)
{
	ok(sql1_is(c,
	       "SELECT count(*) FROM tiunit.reports WHERE auth_method ="
	       " 'none' AND auth_result = 'none' AND auth_bits IS NULL AND"
	       " auth_domain IS NULL AND auth_reason IS NULL",
	       "3"),
	    "nobody vouched: 'none', 'none' and NULLs in the table");
	ok(sql1_is(c,
	       "SELECT auth_bits FROM tiunit.reports WHERE auth_method ="
	       " 'dkim'",
	       "NULL") &&
		sql1_is(c,
		    "SELECT auth_bits || ' ' || pg_typeof(auth_bits) FROM"
		    " tiunit.reports WHERE auth_method ="
		    " 'authentication-results'",
		    "1024 integer"),
	    "auth_bits: NULL when unknown, else an integer");
}

/* The schema a version 1 program created (store-pg.c's first migration
   step, as released) in the schema tiv1, with one report in it. */
static const char v1_sql[] =
    "CREATE SCHEMA tiv1; SET search_path = tiv1;"
    "CREATE TABLE reports ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " organization_name TEXT NOT NULL,"
    " report_id TEXT NOT NULL,"
    " contact_info TEXT,"
    " domain TEXT,"
    " start_datetime TEXT NOT NULL,"
    " end_datetime TEXT NOT NULL,"
    " start_time BIGINT NOT NULL,"
    " end_time BIGINT NOT NULL,"
    " successful BIGINT NOT NULL,"
    " failed BIGINT NOT NULL,"
    " message_id TEXT,"
    " envelope_sender TEXT,"
    " envelope_recipient TEXT,"
    " filename TEXT,"
    " source TEXT,"
    " origin TEXT,"
    " archive_path TEXT,"
    " received BIGINT NOT NULL,"
    " deviations TEXT,"
    " json TEXT NOT NULL,"
    " sha256 TEXT NOT NULL);"
    "CREATE UNIQUE INDEX reports_identity ON reports"
    " (md5(organization_name), md5(report_id));"
    "CREATE TABLE policies ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " report BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,"
    " idx BIGINT NOT NULL,"
    " policy_type TEXT NOT NULL,"
    " policy_domain TEXT,"
    " policy_string TEXT,"
    " mx_host TEXT,"
    " successful BIGINT NOT NULL,"
    " failed BIGINT NOT NULL);"
    "CREATE TABLE failures ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " policy BIGINT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,"
    " result_type TEXT NOT NULL,"
    " sending_mta_ip TEXT,"
    " receiving_mx_hostname TEXT,"
    " receiving_mx_helo TEXT,"
    " receiving_ip TEXT,"
    " failed_session_count BIGINT NOT NULL,"
    " additional_information TEXT,"
    " failure_reason_code TEXT);"
    "CREATE INDEX reports_start_time ON reports(start_time);"
    "CREATE INDEX reports_domain ON reports(domain);"
    "CREATE INDEX policies_report ON policies(report);"
    "CREATE INDEX policies_policy_domain ON policies(policy_domain);"
    "CREATE INDEX failures_policy ON failures(policy);"
    "CREATE TABLE tlsrpt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO tlsrpt_meta VALUES ('schema_version', '1');"
    "INSERT INTO reports (id, organization_name, report_id, domain,"
    " start_datetime, end_datetime, start_time, end_time, successful,"
    " failed, message_id, received, deviations, json, sha256) VALUES"
    " (7, 'Old Org', 'old-1', 'Example.COM.', '2023-01-01T00:00:00Z',"
    " '2023-01-01T23:59:59Z', 1672531200, 1672617599, 5, 1, 'old@x',"
    " 1672700000, 'date-no-offset', '{\"old\":1}', 'abc');"
    "INSERT INTO policies (id, report, idx, policy_type, policy_domain,"
    " successful, failed) VALUES (3, 7, 0, 'sts', 'example.com', 5, 1),"
    " (5, 7, 1, 'tlsa', 'B\xc3\x9c"
    "CHER.example.', 0, 0);"
    "INSERT INTO failures (policy, result_type, failed_session_count)"
    " VALUES (3, 'certificate-expired', 1);"
    "RESET search_path";

/* A version 1 store: a reader says how to migrate it; a writer does,
   and its old reports read as nobody vouched for them. */
static void
v1(const char *base, PGconn *c)
{
	struct ti_auth auth = { .method = AUTH_DKIM, .result = AUTH_PERMERROR };
	struct report_source src = { .auth = &auth };
	struct ti_err err = { 0 };
	enum store_put_result res;
	struct seen s = { 0 };
	struct store *st;
	struct report *r;
	PGresult *pr;
	char *spec;

	pr = PQexec(c, v1_sql);
	ok(PQresultStatus(pr) == PGRES_COMMAND_OK,
	    "a version 1 store, with the old schema: %s",
	    PQresultErrorMessage(pr));
	PQclear(pr);
	spec = g_strdup_printf("%s%soptions=-csearch_path%%3Dtiv1", base,
	    strchr(base, '?') != NULL ? "&" : "?");
	st = store_open(spec, STORE_READ, 2000, &err);
	ok(st == NULL && err.status == TI_E_CONFIG &&
		strstr(err.msg,
		    "store schema 1 is older than this program (" SCHEMA
		    "): the next delivery migrates it") != NULL,
	    "read: older than this program, says how to migrate: %s", err.msg);
	store_close(st);
	ti_err_clear(&err);
	st = store_open(spec, STORE_WRITE, 2000, &err);
	ok(st != NULL, "write: migrates it: %s", err.msg);
	if (st == NULL)
		goto out;
	ok(sql1_is(c,
	       "SELECT value FROM tiv1.tlsrpt_meta WHERE key ="
	       " 'schema_version'",
	       SCHEMA),
	    "schema_version is " SCHEMA);
	ok(sql1_is(c,
	       "SELECT string_agg(domain || '@' || start_time || '@' ||"
	       " report, ' ' ORDER BY domain) FROM tiv1.report_domains",
	       "example.com@1672531200@7 xn--bcher-kva.example@1672531200@7"),
	    "report_domains filled from the old report: lower case, no "
	    "trailing dot, A-labels (in C), once each");
	ok(sql1_is(c,
	       "SELECT string_agg(name || '|' || k1 || '|' || k2 || '=' ||"
	       " value, ';' ORDER BY name, k1, k2 COLLATE \"C\") FROM"
	       " tiv1.metric_counters",
	       "failures|example.com|certificate-expired=1;"
	       "last_end||Old Org=1672617599;reports||Old Org=1;"
	       "sessions|BÜCHER.example.|failure=0;"
	       "sessions|BÜCHER.example.|success=0;"
	       "sessions|example.com|failure=1;"
	       "sessions|example.com|success=5"),
	    "the migration fills the counters from the stored reports (raw "
	    "domains: tlsrpt metrics normalises them)");
	ok(sql1_is(c,
	       "SELECT id || '|' || report_id || '|' || auth_method || '|' ||"
	       " auth_result || '|' || coalesce(auth_domain, auth_selector,"
	       " auth_algorithm, auth_bits::text, auth_dnssec, auth_reason,"
	       " 'null') || '|' || received || '|' || arrived || '|' || json"
	       " FROM tiv1.reports",
	       "7|old-1|none|none|null|1672700000|1672700000|{\"old\":1}"),
	    "the old row: method none, result none, the rest NULL, arrived "
	    "when it was stored, its own columns as they were");
	r = mkreport("New Org", "new-1", "example.net", 1704067200, "{}");
	ok(put1(st, r, &src, &res, NULL, &err) == 0 && res == STORE_NEW,
	    "a report with an auth record goes into the migrated store: %s",
	    err.msg);
	report_free(r);
	store_close(st);
	st = store_open(spec, STORE_READ, 2000, &err);
	ok(st != NULL && store_each_report(st, NULL, collect, &s, &err) == 0 &&
		s.n == 2 && strcmp(s.ids[0], "old-1") == 0 &&
		auth_is(&s.auth[0], "none", "none", NULL, NULL, NULL, 0, NULL,
		    NULL) &&
		auth_is(&s.auth[1], "dkim", "permerror", NULL, NULL, NULL, 0,
		    NULL, NULL),
	    "a reader: old none/none, new its record: %s", err.msg);
	seen_clear(&s);
	ok(st != NULL && count(st, "EXAMPLE.com.", 0, 0) == 1 &&
		count(st,
		    "b\xc3\xbc"
		    "cher.EXAMPLE",
		    0, 0) == 1 &&
		count(st, "xn--bcher-kva.example", 0, 0) == 1 &&
		count(st, "example.net", 0, 0) == 1,
	    "the migrated report is found by its domain, its policy's "
	    "U-label or A-label; the new one by its own");
	store_close(st);
out:
	PQclear(PQexec(c, "DROP SCHEMA tiv1 CASCADE"));
	g_free(spec);
}

/* Prune after run(): a, b and three hostile reports are stored. */
static void
prune(const char *spec, PGconn *c)
{
	struct store_query by_domain = { "EXAMPLE.org.", 0, 2000001 };
	struct store_query early = { NULL, 0, 3000001 };
	struct store_query none = { NULL, 0, 1 };
	struct ti_err err = { 0 };
	struct store *st;
	int64_t n = -1;
	PGresult *r;
	int rc;

	st = store_open(spec, STORE_READ, 2000, &err);
	ok(st != NULL && store_prune(st, &early, &n, &err) == -1 &&
		err.status == TI_E_BUG && n == 0,
	    "prune on a read-only store: TI_E_BUG");
	store_close(st);
	ti_err_clear(&err);

	st = store_open(spec, STORE_WRITE, 2000, &err);
	ok(st != NULL, "write open: %s", err.msg);
	if (st == NULL)
		return;
	rc = store_prune(st, &by_domain, &n, &err);
	ok(rc == 0 && n == 1 && count(st, NULL, 0, 0) == 4 &&
		count(st, "example.org", 0, 0) == 0,
	    "prune by domain and until: 1 (%" PRId64 "): %s", n, err.msg);
	rc = store_prune(st, &early, &n, &err);
	ok(rc == 0 && n == 2 && count(st, NULL, 0, 0) == 2 &&
		count(st, NULL, 0, 3000001) == 0,
	    "prune until: what each_report gives, 2 (%" PRId64 ")", n);
	ok(store_prune(st, &none, &n, &err) == 0 && n == 0 &&
		count(st, NULL, 0, 0) == 2,
	    "prune of nothing: 0");
	store_close(st);

	r = PQexec(c,
	    "SELECT (SELECT count(*) FROM tiunit.policies p WHERE NOT EXISTS"
	    " (SELECT 1 FROM tiunit.reports r WHERE r.id = p.report)),"
	    " (SELECT count(*) FROM tiunit.failures f WHERE NOT EXISTS"
	    " (SELECT 1 FROM tiunit.policies p WHERE p.id = f.policy)),"
	    " (SELECT count(*) FROM tiunit.policies)");
	ok(PQresultStatus(r) == PGRES_TUPLES_OK &&
		strcmp(PQgetvalue(r, 0, 0), "0") == 0 &&
		strcmp(PQgetvalue(r, 0, 1), "0") == 0 &&
		strcmp(PQgetvalue(r, 0, 2), "0") != 0,
	    "the pruned reports' policies and failures went with them; the "
	    "others' stayed");
	PQclear(r);
}

/*
 * The query plans, with sequential scans, bitmap scans and sorts off
 * (the planner then still uses one only where no index can do the
 * work): every query for a domain is an index scan (report_domains'
 * primary key: domain, then time), never a sequential scan, and a read
 * needs no sort (the cursor streams in index order); so is a query
 * bounded in time only.  Issue #16: the old "lower(rtrim(domain)) = ... OR
 * EXISTS (...)" read every report.
 */
static void
plans(const char *base)
{
	static const struct store_query qs[] = {
		{ "example.org", 0, 0 },
		{ "Example.ORG.", 1000, 0 },
		{ "example.org", 0, 5000 },
		{ "b\xc3\xbc"
		  "cher.example",
		    1000, 5000 },
		{ NULL, 1000, 0 },
		{ NULL, 0, 5000 },
		{ NULL, 1000, 5000 },
	};
	struct ti_err err = { 0 };
	struct store *st;
	char *spec, *plan;
	size_t i;
	int prune, good;

	spec = g_strdup_printf("%s%soptions=-csearch_path%%3Dtiunit"
			       "%%20-cenable_seqscan%%3Doff"
			       "%%20-cenable_bitmapscan%%3Doff"
			       "%%20-cenable_sort%%3Doff",
	    base, strchr(base, '?') != NULL ? "&" : "?");
	st = store_open(spec, STORE_WRITE, 2000, &err);
	ok(st != NULL, "plan store: %s", err.msg);
	for (i = 0; st != NULL && i < nitems(qs); i++)
		for (prune = 0; prune < 2; prune++) {
			plan = NULL;
			good = store_explain(st, &qs[i], prune, &plan, &err) ==
				0 &&
			    strstr(plan, "Index") != NULL &&
			    strstr(plan, "Seq Scan") == NULL &&
			    strstr(plan, "Sort  (") == NULL; /* a Sort node,
							  not Merge Append's
							  "Sort Key" */
			ok(good,
			    "%s domain=%s since=%" PRId64 " until=%" PRId64
			    ": an index scan, no sequential scan, no sort",
			    prune ? "prune" : "read",
			    qs[i].domain ? qs[i].domain : "-", qs[i].since,
			    qs[i].until);
			if (!good)
				diag("plan: %s %s", plan ? plan : "", err.msg);
			g_free(plan);
		}
	store_close(st);
	g_free(spec);
}

/*
 * Prune by month (schema 4): the months wholly before --until (and
 * from --since on) go as whole partitions, the rest row by row; the
 * keys of the pruned reports go too (the same report may come again),
 * the others stay.
 */
static void
prune_months(const char *spec, PGconn *c)
{
	static const int64_t days[] = { 1736467200, 1739145600, 1741564800,
		1742428800, 1744243200 }; /* 2025-01-10, 02-10, 03-10,
					     03-20, 04-10 */
	struct store_query q = { NULL, 1735689600, 1741996800 };
	struct ti_err err = { 0 };
	enum store_put_result res;
	struct store *st;
	struct report *r;
	char id[32];
	int64_t n = -1;
	size_t i;
	int good = 1;

	st = store_open(spec, STORE_WRITE, 2000, &err);
	ok(st != NULL, "prune by month: write open: %s", err.msg);
	if (st == NULL)
		return;
	ok(sql1_is(c,
	       "SELECT to_regclass('tiunit.reports_p' || to_char(now() AT"
	       " TIME ZONE 'UTC', 'YYYYMM')) IS NOT NULL AND"
	       " to_regclass('tiunit.failures_p' || to_char(now() AT TIME"
	       " ZONE 'UTC' + interval '1 month', 'YYYYMM')) IS NOT NULL",
	       "t"),
	    "a writer's open made this month's and next month's partitions");
	for (i = 0; i < nitems(days); i++) {
		snprintf(id, sizeof(id), "month-%zu", i);
		r = mkreport("Month Org", id, "month.example", days[i], "{}");
		good &= put1(st, r, NULL, &res, NULL, &err) == 0 &&
		    res == STORE_NEW;
		report_free(r);
	}
	ok(good &&
		sql1_is(c,
		    "SELECT string_agg(relname, ' ' ORDER BY relname) FROM"
		    " pg_class WHERE relkind = 'r' AND relname LIKE "
		    "'reports_p2025%'",
		    "reports_p202501 reports_p202502 reports_p202503"
		    " reports_p202504"),
	    "five reports in 2025: a partition for each month: %s", err.msg);
	ok(store_prune(st, &q, &n, &err) == 0 && n == 3,
	    "prune from 2025-01-01 until 2025-03-15: 3 (%" PRId64 "): %s", n,
	    err.msg);
	ok(sql1_is(c,
	       "SELECT string_agg(relname, ' ' ORDER BY relname) FROM"
	       " pg_class WHERE relkind = 'r' AND relname ~ "
	       "'^(reports|policies|failures|"
	       "report_domains)_p2025'",
	       "failures_p202503 failures_p202504 policies_p202503"
	       " policies_p202504 report_domains_p202503"
	       " report_domains_p202504 reports_p202503 reports_p202504"),
	    "January and February dropped whole, in every table; March "
	    "and April kept");
	ok(sql1_is(c,
	       "SELECT string_agg(r.report_id, ' ' ORDER BY r.report_id)"
	       " FROM tiunit.reports r JOIN tiunit.report_keys k ON"
	       " k.report = r.id WHERE r.organization_name = 'Month Org'",
	       "month-3 month-4") &&
		sql1_is(c,
		    "SELECT count(*) FROM tiunit.report_keys k WHERE NOT"
		    " EXISTS (SELECT 1 FROM tiunit.reports r WHERE r.id ="
		    " k.report)",
		    "0") &&
		sql1_is(c,
		    "SELECT count(*) FROM tiunit.policies p WHERE NOT EXISTS"
		    " (SELECT 1 FROM tiunit.reports r WHERE r.id = p.report)",
		    "0"),
	    "March 10 deleted as a row; no key, policy left of a pruned "
	    "report");
	r = mkreport("Month Org", "month-0", "month.example", days[0], "{}");
	ok(put1(st, r, NULL, &res, NULL, &err) == 0 && res == STORE_NEW &&
		count(st, "month.example", 0, 0) == 3,
	    "a pruned report may come again: new, in a January made again: "
	    "%s",
	    err.msg);
	report_free(r);
	store_close(st);
}

/* A newer schema than this program: TI_E_CONFIG both ways. */
static void
newer(const char *spec, PGconn *c)
{
	struct ti_err err = { 0 };
	struct store *st;

	PQclear(PQexec(c, "UPDATE tiunit.tlsrpt_meta SET value = '99'"));
	st = store_open(spec, STORE_WRITE, 2000, &err);
	ok(st == NULL && err.status == TI_E_CONFIG &&
		strstr(err.msg, "newer") != NULL,
	    "newer schema, write: %s", err.msg);
	store_close(st);
	ti_err_clear(&err);
	st = store_open(spec, STORE_READ, 2000, &err);
	ok(st == NULL && err.status == TI_E_CONFIG, "newer schema, read: %s",
	    err.msg);
	store_close(st);
}

/* The check history on PostgreSQL: the same contract as on SQLite
   (test-store.c): per domain, oldest run first, pruned to
   STORE_HISTORY_RUNS runs. */
static int
hist_row(const struct store_seen *row, void *arg)
{
	GString *s = arg;

	g_string_append_printf(s, "%lld %s %s %s;", (long long)row->at,
	    row->kind, row->key, row->value);
	return 0;
}

static void
history(const char *spec)
{
	struct store_seen run[2] = {
		{ 0, "policy", "20260101", "aaaa" },
		{ 0, "spki", "mx1.a.example [192.0.2.1]", "1111" },
	};
	struct ti_err err = { 0 };
	struct store *st = store_open(spec, STORE_WRITE, 1000, &err);
	GString *s = g_string_new(NULL);
	int fails = 0;

	ok(st != NULL, "history: open: %s", err.msg);
	if (st == NULL) {
		g_string_free(s, TRUE);
		return;
	}
	ok(store_history_add(st, "a.example", 200, run, 2, &err) == 0 &&
		store_history_add(st, "a.example", 100, run, 1, &err) == 0 &&
		store_history_add(st, "b.example", 150, run + 1, 1, &err) == 0,
	    "history: add three runs: %s", err.msg);
	ok(store_history_each(st, "a.example", hist_row, s, &err) == 0 &&
		strcmp(s->str,
		    "100 policy 20260101 aaaa;200 policy 20260101 aaaa;"
		    "200 spki mx1.a.example [192.0.2.1] 1111;") == 0,
	    "history: a domain's rows, oldest run first: %s", s->str);
	for (int i = 0; i < STORE_HISTORY_RUNS + 5; i++)
		if (store_history_add(st, "a.example", 1000 + i, run, 2,
			&err) == -1)
			fails++;
	g_string_truncate(s, 0);
	ok(fails == 0 &&
		store_history_each(st, "a.example", hist_row, s, &err) == 0 &&
		g_str_has_prefix(s->str, "1005 policy") &&
		strstr(s->str, " 1004 ") == NULL,
	    "history: pruned to the newest %d runs", STORE_HISTORY_RUNS);
	g_string_truncate(s, 0);
	ok(store_history_each(st, "b.example", hist_row, s, &err) == 0 &&
		strcmp(s->str, "150 spki mx1.a.example [192.0.2.1] 1111;") == 0,
	    "history: another domain's rows stay");
	store_close(st);
	g_string_free(s, TRUE);
}

int
main(void)
{
	const char *base = getenv("PGSTORE");
	char *spec;
	PGconn *c;

	if (base == NULL || *base == '\0') {
		printf("1..0 # SKIP no $PGSTORE (90-postgres.t runs this)\n");
		return 0;
	}
	if ((c = PQconnectdb(base)) == NULL || PQstatus(c) != CONNECTION_OK) {
		ok(0, "connect to %s", base);
		PQfinish(c);
		return done_testing();
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	PQclear(PQexec(c,
	    "DROP SCHEMA IF EXISTS tiunit CASCADE;"
	    " DROP SCHEMA IF EXISTS tiv1 CASCADE;"
	    " CREATE SCHEMA tiunit"));
	/* libpq passes options= through: the store works in tiunit */
	spec = g_strdup_printf("%s%soptions=-csearch_path%%3Dtiunit", base,
	    strchr(base, '?') != NULL ? "&" : "?");
	run(spec);
	columns(c);
	plans(base);
	prune(spec, c);
	prune_months(spec, c);
	history(spec);
	newer(spec, c);
	v1(base, c);
	PQclear(PQexec(c, "DROP SCHEMA tiunit CASCADE"));
	PQfinish(c);
	g_free(spec);
	return done_testing();
}
