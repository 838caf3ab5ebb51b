/*
 * test-store-pg.c: the PostgreSQL store against a real server: put,
 * duplicate, conflict, rollback, read-back of every column, hostile
 * strings kept verbatim, query filters (case, trailing dot, time),
 * reading inside a write transaction, read-only misuse, a newer schema.
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
#include "report.h"
#include "store.h"
#include "store-int.h"
#include "tap.h"

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
	if (s->n < 16)
		g_strlcpy(s->ids[s->n], sr->report_id, sizeof(s->ids[0]));
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

static void
run(const char *spec)
{
	struct report_source src = { 0 };
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
		rc = put1(st, h, NULL, &res, NULL, &err);
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
	    "domain: only ASCII case folds");
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
	    " CREATE SCHEMA tiunit"));
	/* libpq passes options= through: the store works in tiunit */
	spec = g_strdup_printf("%s%soptions=-csearch_path%%3Dtiunit", base,
	    strchr(base, '?') != NULL ? "&" : "?");
	run(spec);
	prune(spec, c);
	newer(spec, c);
	PQclear(PQexec(c, "DROP SCHEMA tiunit CASCADE"));
	PQfinish(c);
	g_free(spec);
	return done_testing();
}
