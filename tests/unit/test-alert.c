/*
 * test-alert.c: alert periods, the state file (claims, pruning,
 * garbage, errors), running the command (status, stdin, timeout, a
 * command that does not read), and alert_run() over a real SQLite store:
 * once per domain and period, only past the threshold, never for old
 * periods or bad domain names; never for a report nobody vouched for,
 * nor by the failures of one, unless [trust] count-unauthenticated; but
 * for one posted over HTTPS, unless [trust] count-https = no.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "log.h"
#include "ingest/report.h"
#include "store/store.h"
#include "trust/auth.h"
#include "digest/alert.h"
#include "digest/digest.h"
#include "tap.h"

#define DAY 86400
#define D0 1791158400 /* 2026-10-05, a Monday */

static char *dir;

static char *
path(const char *name)
{
	return g_build_filename(dir, name, NULL);
}

static void
test_periods(void)
{
	static const struct {
		const char *period;
		int64_t t, since, until;
	} cases[] = {
		{ "day", D0 + 3600, D0, D0 + DAY },
		{ "day", D0, D0, D0 + DAY },
		{ "week", D0 + 6 * DAY + 86399, D0, D0 + 7 * DAY },
		{ "week", D0 + 2 * DAY, D0, D0 + 7 * DAY },
		{ "week", D0 - 1, D0 - 7 * DAY, D0 },
		/* 2026-10-01 .. 2026-11-01 */
		{ "month", D0 + 10 * DAY, 1790812800, 1793491200 },
	};
	int64_t s = 0, u = 0;
	int rc;

	for (size_t i = 0; i < nitems(cases); i++) {
		rc = alert_period_bounds(cases[i].period, cases[i].t, &s, &u);
		ok(rc == 0 && s == cases[i].since && u == cases[i].until,
		    "period %s %zu: %lld..%lld", cases[i].period, i,
		    (long long)s, (long long)u);
	}
	ok(alert_period_bounds("fortnight", D0, &s, &u) == -1 &&
		alert_period_bounds(NULL, D0, &s, &u) == -1,
	    "unknown period: -1");
}

static void
test_state_path(void)
{
	struct ti_conf c;
	char *p;

	conf_init(&c);
	conf_set(&c.store, "/srv/tlsrpt/reports.db");
	p = alert_state_path(&c);
	ok(strcmp(p, "/srv/tlsrpt/alerts.state") == 0, "next to the store");
	g_free(p);
	conf_set(&c.store, "sqlite:/a/b.db");
	p = alert_state_path(&c);
	ok(strcmp(p, "/a/alerts.state") == 0, "sqlite: prefix");
	g_free(p);
	conf_set(&c.store, "postgresql://h/db");
	p = alert_state_path(&c);
	ok(g_str_has_suffix(p, "/lib/tlsrpt/alerts.state"),
	    "PostgreSQL: the state directory: %s", p);
	g_free(p);
	conf_set(&c.alert_state, "/x/y");
	p = alert_state_path(&c);
	ok(strcmp(p, "/x/y") == 0, "[alert] state wins");
	g_free(p);
	conf_clear(&c);
}

static void
test_claim(void)
{
	struct ti_err err = { 0 };
	char *st = path("alerts.state"), *text = NULL, *bad;
	int claimed = -1;
	int64_t now = D0 + 10 * DAY;

	ok(alert_claim(st, "example.com", D0, now, &claimed, &err) == 0 &&
		claimed == 1,
	    "first claim: made");
	ok(alert_claim(st, "example.com", D0, now, &claimed, &err) == 0 &&
		claimed == 0,
	    "second claim: already made");
	ok(alert_claim(st, "example.com", D0 + DAY, now, &claimed, &err) == 0 &&
		claimed == 1,
	    "another period: made");
	ok(alert_claim(st, "example.org", D0, now, &claimed, &err) == 0 &&
		claimed == 1,
	    "another domain: made");
	g_file_get_contents(st, &text, NULL, NULL);
	ok(text != NULL && strstr(text, "example.com 1791158400 ") == text,
	    "one line per claim: domain period_start sent_at");
	g_free(text);
	/* garbage and very old lines are dropped */
	g_file_set_contents(st,
	    "junk line\n<script> 1 2\nold.example 1000 1000\n"
	    "example.net 1791158400 1791158400\n",
	    -1, NULL);
	ok(alert_claim(st, "example.com", D0, now, &claimed, &err) == 0 &&
		claimed == 1,
	    "after garbage: made");
	ok(alert_claim(st, "example.net", D0, now, &claimed, &err) == 0 &&
		claimed == 0,
	    "a kept line still counts");
	g_file_get_contents(st, &text, NULL, NULL);
	ok(text != NULL && strstr(text, "junk") == NULL &&
		strstr(text, "old.example") == NULL &&
		strstr(text, "<script>") == NULL,
	    "garbage and entries older than a year pruned");
	g_free(text);
	bad = path("no/such/dir/state");
	ti_err_clear(&err);
	ok(alert_claim(bad, "example.com", D0, now, &claimed, &err) == -1 &&
		err.status == TI_E_TEMP && claimed == 0 &&
		strstr(err.msg, "no/such/dir") != NULL,
	    "unwritable state: TI_E_TEMP: %s", err.msg);
	g_free(bad);
	unlink(st);
	g_free(st);
}

static void
test_exec(void)
{
	struct ti_err err = { 0 };
	char *out = path("stdin.out"), *text = NULL, *big;
	char *argv_true[] = { "/bin/sh", "-c", "exit 0", NULL };
	char *argv_3[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *argv_sleep[] = { "/bin/sleep", "30", NULL };
	char *argv_noread[] = { "/bin/sh", "-c", "exec 0<&-; exit 0", NULL };
	char *argv_missing[] = { "/nonexistent/alert", NULL };
	char *cmd = g_strdup_printf("cat > '%s'", out);
	char *argv_cat[] = { "/bin/sh", "-c", cmd, NULL };
	gint64 t0;

	ok(alert_exec(argv_true, "{}", 5, &err) == 0, "exit 0");
	ok(alert_exec(argv_3, "{}", 5, &err) == 3, "exit 3");
	ok(alert_exec(argv_cat, "{\"a\":1}\n", 5, &err) == 0 &&
		g_file_get_contents(out, &text, NULL, NULL) &&
		strcmp(text, "{\"a\":1}\n") == 0,
	    "the input arrives on stdin");
	g_free(text);
	/* more than a pipe buffer, to a reader */
	big = g_malloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ok(alert_exec(argv_cat, big, 10, &err) == 0 &&
		g_file_get_contents(out, &text, NULL, NULL) &&
		strlen(text) == (1 << 20) - 1,
	    "1 MiB of input, all of it");
	g_free(text);
	ok(alert_exec(argv_noread, big, 10, &err) == 0,
	    "a command that does not read: no hang, no SIGPIPE");
	g_free(big);
	t0 = g_get_monotonic_time();
	ti_err_clear(&err);
	ok(alert_exec(argv_sleep, "", 1, &err) == -1 &&
		err.status == TI_E_TEMP &&
		strstr(err.msg, "killed after 1 seconds") != NULL &&
		g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC,
	    "timeout: killed: %s", err.msg);
	ti_err_clear(&err);
	ok(alert_exec(argv_missing, "", 1, &err) == -1 &&
		strstr(err.msg, "/nonexistent/alert") != NULL,
	    "a missing command: -1: %s", err.msg);
	unlink(out);
	g_free(out);
	g_free(cmd);
}

/* Store a report for domain on day (epoch) with ok/bad sessions. */
static struct report *
put_via(struct store *st, const char *domain, int64_t day, int okn, int bad,
    const char *id, const struct ti_auth *auth, const char *source)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(day);
	char *date = g_date_time_format(dt, "%Y-%m-%d");
	char *json = g_strdup_printf(
	    "{\"organization-name\":\"T\",\"date-range\":{\"start-datetime\":"
	    "\"%sT00:00:00Z\",\"end-datetime\":\"%sT23:59:59Z\"},"
	    "\"contact-info\":\"t@example.net\",\"report-id\":\"%s\","
	    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	    "\"policy-domain\":\"%s\"},\"summary\":{"
	    "\"total-successful-session-count\":%d,"
	    "\"total-failure-session-count\":%d},\"failure-details\":[{"
	    "\"result-type\":\"certificate-expired\","
	    "\"failed-session-count\":%d}]}]}",
	    date, date, id, domain, okn, bad, bad);
	struct ti_limits lim;
	struct ti_err err = { 0 };
	struct report *r = NULL;
	struct report_source src = { 0 };
	enum store_put_result res;

	src.auth = auth;
	src.source = source;
	ti_limits_default(&lim);
	if (report_decode((const unsigned char *)json, strlen(json), &lim, &r,
		&err) == -1 ||
	    store_begin(st, &err) == -1 ||
	    store_put(st, r, &src, &res, NULL, &err) == -1 ||
	    store_commit(st, &err) == -1)
		diag("put %s: %s", id, err.msg);
	g_free(json);
	g_free(date);
	g_date_time_unref(dt);
	return r;
}

static struct report *
put(struct store *st, const char *domain, int64_t day, int okn, int bad,
    const char *id, const struct ti_auth *auth)
{
	return put_via(st, domain, day, okn, bad, id, auth, NULL);
}

static int
lines(const char *file)
{
	char *text = NULL;
	int n = 0;

	if (!g_file_get_contents(file, &text, NULL, NULL))
		return 0;
	for (char *p = text; *p != '\0'; p++)
		n += *p == '\n';
	g_free(text);
	return n;
}

static void
rm_store(const char *db)
{
	char *w = g_strconcat(db, "-wal", NULL),
	     *s = g_strconcat(db, "-shm", NULL);

	unlink(db);
	unlink(w);
	unlink(s);
	g_free(w);
	g_free(s);
}

static int
passed_cb(const struct stored_report *sr, void *arg)
{
	*(int *)arg = auth_passed(&sr->auth);
	return 0;
}

/* Whether st gives back the auth a report was stored with. */
static int
keeps_auth(struct store *st, const char *domain)
{
	struct store_query q = { 0 };
	struct ti_err err = { 0 };
	int passed = 0;

	q.domain = domain;
	if (store_each_report(st, &q, passed_cb, &passed, &err) != 0)
		diag("store_each_report: %s", err.msg);
	return passed;
}

/* Only a report someone vouched for alerts, and only the failures of
   such reports count (RFC 8460 §3), unless count-unauthenticated. */
static void
test_trust(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };
	struct store *st;
	struct alert_queue *q;
	struct report *r[5];
	struct ti_auth pass = { 0 }, fail = { 0 };
	char *db = path("t.db"), *out = path("trust.out");
	char *state = path("trust.state"), *text = NULL;
	int64_t now = (int64_t)time(NULL);
	int64_t yday = now - now % DAY - DAY;
	int keeps, n;

	auth_set(&pass, AUTH_DKIM, AUTH_PASS);
	auth_set(&fail, AUTH_DKIM, AUTH_FAIL);
	conf_init(&c);
	conf_set(&c.store, db);
	conf_set(&c.alert_state, state);
	c.alert_command = g_strdup_printf("/bin/sh -c 'cat >> \"%s\"'", out);
	st = store_open(db, STORE_WRITE, 1000, &err);
	ok(st != NULL, "store: %s", err.msg);
	if (st == NULL)
		return;
	r[0] = put(st, "forged.example", yday, 10, 90, "t0", NULL);
	r[1] = put(st, "badsig.example", yday, 10, 90, "t1", &fail);
	r[2] = put(st, "real.example", yday, 90, 10, "t2", &pass);
	r[3] = put(st, "mixed.example", yday, 999, 1, "t3", &pass);
	r[4] = put(st, "mixed.example", yday, 0, 100, "t4", NULL);
	keeps = keeps_auth(st, "real.example");

	q = alert_queue_new();
	alert_on_stored_auth(r[0], NULL, "mail", q);
	alert_on_stored_auth(r[1], &fail, "mail", q);
	alert_on_stored_auth(r[4], NULL, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 0 &&
		lines(state) == 0,
	    "unauthenticated reports (none, a bad signature) alert nothing, "
	    "claim nothing");
	alert_on_stored_auth(r[3], &pass, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 0,
	    "100 unauthenticated failed sessions do not push an "
	    "authenticated 0.1%% over the threshold");
	if (keeps) {
		alert_on_stored_auth(r[2], &pass, "mail", q);
		ok(alert_run(q, st, &c, now, &err) == 1 && lines(out) == 1,
		    "an authenticated report past the threshold alerts");
	} else
		ok(1, "# SKIP the store does not keep the auth yet");

	c.trust_count_unauthenticated = 1;
	n = lines(out);
	alert_on_stored_auth(r[0], NULL, "mail", q);
	alert_on_stored_auth(r[3], &pass, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 2 && lines(out) == n + 2,
	    "count-unauthenticated = yes: the unauthenticated report alerts, "
	    "and its failures count (mixed.example 9.18%%)");
	g_file_get_contents(out, &text, NULL, NULL);
	ok(text != NULL &&
		strstr(text, "\"domain\":\"forged.example\"") != NULL &&
		strstr(text, "\"unauthenticated-counted\":true") != NULL &&
		strstr(text, "\"failure-rate\":9.18") != NULL,
	    "count-unauthenticated = yes: said in the facts");
	g_free(text);

	alert_queue_free(q);
	store_close(st);
	conf_clear(&c);
	auth_clear(&pass);
	auth_clear(&fail);
	for (size_t i = 0; i < nitems(r); i++)
		report_free(r[i]);
	unlink(out);
	unlink(state);
	rm_store(db);
	g_free(db);
	g_free(out);
	g_free(state);
}

/* A report posted over HTTPS (source https, method none: RFC 8460
   defines no authentication for it) alerts, and its failures count,
   unless [trust] count-https = no. */
static void
test_https(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };
	struct store *st;
	struct alert_queue *q;
	struct report *r[4];
	struct ti_auth none = { 0 }, pass = { 0 };
	char *db = path("h.db"), *out = path("https.out");
	char *state = path("https.state"), *text = NULL;
	int64_t now = (int64_t)time(NULL);
	int64_t yday = now - now % DAY - DAY;
	int keeps;

	auth_set(&none, AUTH_NONE, AUTH_RNONE);
	auth_reason(&none,
	    "posted over HTTPS: RFC 8460 defines no authentication for it");
	auth_set(&pass, AUTH_DKIM, AUTH_PASS);
	conf_init(&c);
	conf_set(&c.store, db);
	conf_set(&c.alert_state, state);
	c.alert_command = g_strdup_printf("/bin/sh -c 'cat >> \"%s\"'", out);
	st = store_open(db, STORE_WRITE, 1000, &err);
	ok(st != NULL, "https store: %s", err.msg);
	if (st == NULL)
		return;
	r[0] = put_via(st, "post.example", yday, 10, 90, "h0", &none, "https");
	r[1] = put_via(st, "mail.example", yday, 10, 90, "h1", &none, "mail");
	r[2] = put_via(st, "mix.example", yday, 999, 1, "h2", &pass, "mail");
	keeps = keeps_auth(st, "mix.example");
	r[3] = put_via(st, "mix.example", yday, 0, 100, "h3", &none, "https");

	ok(c.trust_count_https && !c.trust_count_unauthenticated,
	    "the defaults: count-https = yes, count-unauthenticated = no");
	q = alert_queue_new();
	alert_on_stored_auth(r[0], &none, "https", q);
	ok(alert_run(q, st, &c, now, &err) == 1 && lines(out) == 1,
	    "count-https = yes (default): a report posted over HTTPS "
	    "alerts");
	g_file_get_contents(out, &text, NULL, NULL);
	ok(text != NULL &&
		strstr(text, "\"domain\":\"post.example\"") != NULL &&
		strstr(text, "\"failure-rate\":90.00") != NULL &&
		strstr(text, "\"https-counted\":true") != NULL &&
		strstr(text, "\"unauthenticated-counted\":false") != NULL,
	    "count-https = yes: its failures count, and the facts say so");
	g_free(text);
	alert_on_stored_auth(r[1], &none, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 1,
	    "the same without a signature by mail alerts nothing");
	if (keeps) {
		alert_on_stored_auth(r[2], &pass, "mail", q);
		ok(alert_run(q, st, &c, now, &err) == 1 && lines(out) == 2,
		    "the failures posted over HTTPS push an authenticated "
		    "0.1%% past the threshold (mix.example 9.18%%)");
	} else
		ok(1, "# SKIP the store does not keep the auth yet");

	c.trust_count_https = 0;
	unlink(state);
	alert_on_stored_auth(r[0], &none, "https", q);
	alert_on_stored_auth(r[3], &none, "https", q);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 2 &&
		lines(state) == 0,
	    "count-https = no: a report posted over HTTPS alerts nothing, "
	    "claims nothing");
	alert_on_stored_auth(r[2], &pass, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 2,
	    "count-https = no: nor do its failures count (mix.example "
	    "0.1%%)");

	alert_queue_free(q);
	store_close(st);
	conf_clear(&c);
	auth_clear(&none);
	auth_clear(&pass);
	for (size_t i = 0; i < nitems(r); i++)
		report_free(r[i]);
	unlink(out);
	unlink(state);
	rm_store(db);
	g_free(db);
	g_free(out);
	g_free(state);
}

static void
test_run(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };
	struct store *st;
	struct alert_queue *q;
	struct report *r[6];
	char *db = path("r.db"), *out = path("alerts.out");
	char *state = path("alerts.state"), *text = NULL;
	int64_t now = (int64_t)time(NULL);
	int64_t yday = now - now % DAY - DAY;

	conf_init(&c);
	conf_set(&c.store, db);
	c.alert_command = g_strdup_printf("/bin/sh -c 'cat >> \"%s\"'", out);
	/* the mechanics, with every report counted (test_trust: which) */
	c.trust_count_unauthenticated = 1;
	st = store_open(db, STORE_WRITE, 1000, &err);
	ok(st != NULL, "store: %s", err.msg);
	if (st == NULL)
		return;
	r[0] = put(st, "hot.example", yday, 90, 10, "r0", NULL);
	r[1] = put(st, "hot.example", yday, 900, 100, "r1", NULL);
	r[2] = put(st, "cool.example", yday, 999, 1, "r2", NULL);
	r[3] = put(st, "old.example", yday - 30 * DAY, 0, 9, "r3", NULL);
	r[4] = put(st, "Bad<Domain>", yday, 0, 9, "r4", NULL);
	r[5] = put(st, "HOT.example.", yday - DAY, 10, 90, "r5", NULL);

	q = alert_queue_new();
	for (int i = 0; i < 6; i++)
		alert_on_stored_auth(r[i], NULL, "file", q);
	ok(alert_run(q, st, &c, now, &err) == 2,
	    "two alerts: hot.example yesterday and the day before");
	ok(lines(out) == 2, "the command ran twice");
	g_file_get_contents(out, &text, NULL, NULL);
	ok(text != NULL &&
		strstr(text, "{\"alert\":{\"domain\":\"hot.example\"") !=
		    NULL &&
		strstr(text, "\"failure-rate\":10.00") != NULL &&
		strstr(text, "\"digest\":{") != NULL &&
		strstr(text, "cool.example") == NULL &&
		strstr(text, "old.example") == NULL &&
		strstr(text, "Bad") == NULL,
	    "facts as JSON on stdin; not for calm, old or bad domains");
	g_free(text);
	ok(lines(state) == 2, "two claims in the state file");

	alert_queue_add(q, r[0], NULL, NULL);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 2,
	    "again: at most once per domain and period");

	c.alert_threshold = 50;
	unlink(state);
	alert_queue_add(q, r[0], NULL, NULL);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 2,
	    "threshold 50%%: 10%% does not alert");

	conf_set(&c.alert_command, "/bin/sh -c 'unclosed");
	alert_queue_add(q, r[0], NULL, NULL);
	ti_err_clear(&err);
	ok(alert_run(q, st, &c, now, &err) == -1 && err.status == TI_E_CONFIG,
	    "an unparsable command: -1: %s", err.msg);
	conf_set(&c.alert_command, NULL);
	alert_queue_add(q, r[0], NULL, NULL);
	ok(alert_run(q, st, &c, now, &err) == 0, "no command: nothing");
	ok(alert_run(NULL, st, &c, now, &err) == 0, "no queue: nothing");

	alert_queue_free(q);
	store_close(st);
	conf_clear(&c);
	for (int i = 0; i < 6; i++)
		report_free(r[i]);
	unlink(out);
	unlink(state);
	unlink(db);
	{
		char *w = g_strconcat(db, "-wal", NULL),
		     *s = g_strconcat(db, "-shm", NULL);

		unlink(w);
		unlink(s);
		g_free(w);
		g_free(s);
	}
	g_free(db);
	g_free(out);
	g_free(state);
}

/* Issue #17: an alert is news.  A backfill alerts at most once per
   domain, for its newest period, and says so; a live delivery only for a
   period that did not end long ago (more than one period, at least two
   days). */
static void
test_backfill(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };
	struct store *st;
	struct alert_queue *q;
	struct report *r[6];
	struct ti_auth pass = { 0 };
	char *db = path("b.db"), *out = path("backfill.out");
	char *state = path("backfill.state"), *text = NULL, *want, *text2;
	int64_t now = (int64_t)time(NULL);
	int64_t today = now - now % DAY, yday = today - DAY;

	ok(!alert_long_ago(yday, today, today + DAY / 2) &&
		!alert_long_ago(yday, today, today + 2 * DAY) &&
		alert_long_ago(yday, today, today + 2 * DAY + 1) &&
		!alert_long_ago(today - 7 * DAY, today, today + 7 * DAY) &&
		alert_long_ago(today - 7 * DAY, today, today + 7 * DAY + 1),
	    "long ago: ended more than one period (at least two days) ago");
	auth_set(&pass, AUTH_DKIM, AUTH_PASS);
	conf_init(&c);
	conf_set(&c.store, db);
	conf_set(&c.alert_state, state);
	c.alert_command = g_strdup_printf("/bin/sh -c 'cat >> \"%s\"'", out);
	st = store_open(db, STORE_WRITE, 1000, &err);
	ok(st != NULL, "backfill store: %s", err.msg);
	if (st == NULL)
		return;
	for (int k = 0; k < 6; k++) {
		char *id = g_strdup_printf("b%d", k);

		r[k] = put(st, "bf.example", yday - k * DAY, 50, 50, id, &pass);
		g_free(id);
	}
	q = alert_queue_new();
	alert_queue_set_backfill(q, 1);
	for (int k = 5; k >= 0; k--)
		alert_on_stored_auth(r[k], &pass, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 1 && lines(out) == 1,
	    "backfill of six failing days: one alert");
	g_file_get_contents(out, &text, NULL, NULL);
	text2 = digest_date(yday);
	want = g_strdup_printf("\"label\":\"day %s\",\"backfill\":true", text2);
	g_free(text2);
	ok(text != NULL && strstr(text, want) != NULL &&
		strstr(text, "TLS alert (backfill) for bf.example") != NULL,
	    "for the newest period, saying it came from a backfill");
	g_free(text);
	g_free(want);

	/* the same reports live: only the periods that did not end long
	   ago (yesterday and the day before) */
	unlink(state);
	unlink(out);
	for (int k = 5; k >= 0; k--)
		alert_on_stored_auth(r[k], &pass, "mail", q);
	alert_queue_set_backfill(q, 0);
	ok(alert_run(q, st, &c, now, &err) == 2 && lines(out) == 2,
	    "live: the two recent periods alert, the four older do not");
	g_file_get_contents(out, &text, NULL, NULL);
	ok(text != NULL && strstr(text, "\"backfill\":false") != NULL,
	    "live: not a backfill");
	g_free(text);

	/* a backfill whose newest period ended long ago: nothing */
	unlink(state);
	unlink(out);
	alert_queue_set_backfill(q, 1);
	for (int k = 5; k >= 2; k--)
		alert_on_stored_auth(r[k], &pass, "mail", q);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 0,
	    "backfill of old mail only: no alert");
	alert_queue_free(q);
	for (int k = 0; k < 6; k++)
		report_free(r[k]);
	store_close(st);
	auth_clear(&pass);
	conf_clear(&c);
	rm_store(db);
	unlink(out);
	unlink(state);
	g_free(db);
	g_free(out);
	g_free(state);
}

int
main(void)
{
	char tmpl[] = "/tmp/test-alert.XXXXXX";

	if ((dir = mkdtemp(tmpl)) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 99;
	}
	log_init("test-alert");
	log_set_level(LOG_ERR); /* the alert lines are tested end to end */
	test_periods();
	test_state_path();
	test_claim();
	test_exec();
	test_run();
	test_trust();
	test_https();
	test_backfill();
	log_close();
	if (rmdir(dir) == -1)
		diag("rmdir %s: %s", dir, strerror(errno));
	return done_testing();
}
