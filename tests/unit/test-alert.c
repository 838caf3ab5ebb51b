/*
 * test-alert.c: alert periods, the state file (claims, pruning,
 * garbage, errors), running the command (status, stdin, timeout, a
 * command that does not read), and alert_run() over a real SQLite store:
 * once per domain and period, only past the threshold, never for old
 * periods or bad domain names.
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
#include "report.h"
#include "store.h"
#include "alert.h"
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
put(struct store *st, const char *domain, int64_t day, int okn, int bad,
    const char *id)
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
	st = store_open(db, STORE_WRITE, 1000, &err);
	ok(st != NULL, "store: %s", err.msg);
	if (st == NULL)
		return;
	r[0] = put(st, "hot.example", yday, 90, 10, "r0");
	r[1] = put(st, "hot.example", yday, 900, 100, "r1");
	r[2] = put(st, "cool.example", yday, 999, 1, "r2");
	r[3] = put(st, "old.example", yday - 30 * DAY, 0, 9, "r3");
	r[4] = put(st, "Bad<Domain>", yday, 0, 9, "r4");
	r[5] = put(st, "HOT.example.", yday - DAY, 10, 90, "r5");

	q = alert_queue_new();
	for (int i = 0; i < 6; i++)
		alert_on_stored(r[i], q);
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

	alert_queue_add(q, r[0]);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 2,
	    "again: at most once per domain and period");

	c.alert_threshold = 50;
	unlink(state);
	alert_queue_add(q, r[0]);
	ok(alert_run(q, st, &c, now, &err) == 0 && lines(out) == 2,
	    "threshold 50%%: 10%% does not alert");

	conf_set(&c.alert_command, "/bin/sh -c 'unclosed");
	alert_queue_add(q, r[0]);
	ti_err_clear(&err);
	ok(alert_run(q, st, &c, now, &err) == -1 && err.status == TI_E_CONFIG,
	    "an unparsable command: -1: %s", err.msg);
	conf_set(&c.alert_command, NULL);
	alert_queue_add(q, r[0]);
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
	log_close();
	if (rmdir(dir) == -1)
		diag("rmdir %s: %s", dir, strerror(errno));
	return done_testing();
}
