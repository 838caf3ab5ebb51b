/*
 * alert.c: run the [alert] command when newly stored reports push a
 * domain's failure rate (RFC 8460 §4.4 summary counts) past the
 * threshold, at most once per domain and period.
 *
 * Design rationale:
 * - The command is an argv split by g_shell_parse_argv() from the
 *   configuration, run without a shell; report data only ever reaches
 *   it as JSON on its standard input, never as an argument.
 * - It runs after the commit: the mail is safe whatever the command
 *   does.  A failure is logged and never changes the exit status.  It
 *   gets its own process group and is killed with it after the timeout,
 *   so that a hung mailer cannot hold the delivery.
 * - Only what someone vouched for alerts (RFC 8460 §3): an unauthenticated
 *   report is not even queued as news unless [trust]
 *   count-unauthenticated (a flood of forged mail then costs no store
 *   read), and the rate that decides is the digest's, which leaves such
 *   reports out the same way.  So a forged report can neither fire an
 *   alert nor, by raising the rate, help one fire.  A report posted
 *   over HTTPS has nobody to vouch for it either (RFC 8460 defines no
 *   authentication for HTTPS), but the site published that URL: it
 *   alerts, and counts in the rate, unless [trust] count-https = no,
 *   exactly as in the digest.
 * - An alert is news.  A period that ended long ago (alert_long_ago:
 *   more than one period length, at least two days) never alerts, and a
 *   backfill (files or Maildirs as arguments) alerts at most once per
 *   domain, for the newest period it brought, saying it came from a
 *   backfill: a year of old mail would otherwise page the admin once
 *   for every past period over the threshold.
 * - "Once per domain and period" is kept in a small state file, not in
 *   the store: it works the same for every store backend without a
 *   schema change, flock(2) serialises concurrent deliveries, and
 *   losing the file costs at most one repeated alert.  The claim is made
 *   before the command runs, so that a crash cannot cause two alerts.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "digest/digest.h"
#include "log.h"
#include "trust/auth.h"
#include "digest/alert.h"

#ifndef TI_LOCALSTATEDIR
# define TI_LOCALSTATEDIR "/var"
#endif

#define DAY 86400
#define STATE_KEEP (400 * (int64_t)DAY) /* entries older are dropped */
#define STATE_MAX (1u << 20) /* bytes of state file read */
#define LOCK_WAIT_MS 10000

struct queued {
	char *domain;
	int64_t start;
	int authenticated; /* auth_passed() of the report that queued it */
	int https; /* it was posted over HTTPS */
};

struct alert_queue {
	GArray *items;
	int backfill; /* alert_queue_set_backfill() */
};

static void
queued_clear(gpointer p)
{
	g_free(((struct queued *)p)->domain);
}

struct alert_queue *
alert_queue_new(void)
{
	struct alert_queue *q = g_new0(struct alert_queue, 1);

	q->items = g_array_new(FALSE, TRUE, sizeof(struct queued));
	g_array_set_clear_func(q->items, queued_clear);
	return q;
}

void
alert_queue_free(struct alert_queue *q)
{
	if (q == NULL)
		return;
	g_array_unref(q->items);
	g_free(q);
}

void
alert_queue_set_backfill(struct alert_queue *q, int backfill)
{
	if (q != NULL)
		q->backfill = backfill;
}

int
alert_long_ago(int64_t since, int64_t until, int64_t now)
{
	int64_t len = until - since;

	if (len < ALERT_MIN_AGE)
		len = ALERT_MIN_AGE;
	return now - until > len;
}

void
alert_queue_add(struct alert_queue *q, const struct report *r,
    const struct ti_auth *auth, const char *source)
{
	struct queued it;
	const char *d = report_domain(r);

	if (q == NULL || d == NULL)
		return;
	it.domain = g_ascii_strdown(d, -1);
	if (strlen(it.domain) > 1 && g_str_has_suffix(it.domain, "."))
		it.domain[strlen(it.domain) - 1] = '\0';
	it.start = r->start;
	it.authenticated = auth_passed(auth);
	it.https = source != NULL && strcmp(source, "https") == 0;
	g_array_append_val(q->items, it);
}

void
alert_on_stored_auth(const struct report *r, const struct ti_auth *auth,
    const char *source, void *arg)
{
	alert_queue_add(arg, r, auth, source);
}

int
alert_period_bounds(const char *period, int64_t t, int64_t *since,
    int64_t *until)
{
	GDateTime *dt, *start, *end;
	int64_t day = t - ((t % DAY) + DAY) % DAY;

	if (period == NULL)
		return -1;
	if (strcmp(period, "day") == 0) {
		*since = day;
		*until = day + DAY;
		return 0;
	}
	if ((dt = g_date_time_new_from_unix_utc(day)) == NULL)
		return -1;
	if (strcmp(period, "week") == 0) {
		*since =
		    day - (int64_t)(g_date_time_get_day_of_week(dt) - 1) * DAY;
		*until = *since + 7 * DAY;
	} else if (strcmp(period, "month") == 0) {
		start = g_date_time_new_utc(g_date_time_get_year(dt),
		    g_date_time_get_month(dt), 1, 0, 0, 0);
		end = g_date_time_add_months(start, 1);
		*since = g_date_time_to_unix(start);
		*until = g_date_time_to_unix(end);
		g_date_time_unref(start);
		g_date_time_unref(end);
	} else {
		g_date_time_unref(dt);
		return -1;
	}
	g_date_time_unref(dt);
	return 0;
}

char *
alert_state_path(const struct ti_conf *conf)
{
	const char *store =
	    conf->store != NULL ? store_sqlite_path(conf->store) : NULL;
	char *dir, *path;

	if (conf->alert_state != NULL)
		return g_strdup(conf->alert_state);
	if (store != NULL) {
		dir = g_path_get_dirname(store);
		path = g_build_filename(dir, "alerts.state", NULL);
		g_free(dir);
		return path;
	}
	return g_strdup(TI_LOCALSTATEDIR "/lib/tlsrpt/alerts.state");
}

/* flock(2) with a deadline: the holders only read and write a line. */
static int
lock_wait(int fd)
{
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) == -1; waited += 20) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    waited >= LOCK_WAIT_MS)
			return -1;
		g_usleep(20 * 1000);
	}
	return 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
alert_claim(const char *path, const char *domain, int64_t period_start,
    int64_t now, int *claimed, struct ti_err *err)
{
	GString *keep = g_string_new(NULL), *data = g_string_new(NULL);
	char buf[8192], **lines = NULL;
	ssize_t n;
	int fd, found = 0, rc = -1;

	*claimed = 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
	    0660);
	if (fd == -1) {
		ti_err_set(err, TI_E_TEMP, "alert state %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (lock_wait(fd) == -1) {
		ti_err_set(err, TI_E_TEMP, "alert state %s: lock: %s", path,
		    strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ti_err_set(err, TI_E_TEMP, "alert state %s: %s", path,
			    strerror(errno));
			goto out;
		}
		g_string_append_len(data, buf, n);
		if (data->len > STATE_MAX)
			break; /* a runaway file: start over */
	}
	/* "domain period_start sent_at" lines; anything else is dropped */
	lines = g_strsplit(data->len <= STATE_MAX ? data->str : "", "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char **f = g_strsplit(*l, " ", -1);

		if (g_strv_length(f) == 3 && digest_hostname_ok(f[0])) {
			int64_t ps = g_ascii_strtoll(f[1], NULL, 10);

			if (ps >= now - STATE_KEEP) {
				g_string_append_printf(keep, "%s\n", *l);
				if (strcmp(f[0], domain) == 0 &&
				    ps == period_start)
					found = 1;
			}
		}
		g_strfreev(f);
	}
	if (found) {
		rc = 0;
		goto out;
	}
	g_string_append_printf(keep, "%s %lld %lld\n", domain,
	    (long long)period_start, (long long)now);
	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    write_all(fd, keep->str, keep->len) == -1 ||
	    ftruncate(fd, (off_t)keep->len) == -1 || fsync(fd) == -1) {
		ti_err_set(err, TI_E_TEMP, "alert state %s: write: %s", path,
		    strerror(errno));
		goto out;
	}
	*claimed = 1;
	rc = 0;
out:
	if (fd != -1)
		close(fd); /* drops the lock */
	g_strfreev(lines);
	g_string_free(keep, TRUE);
	g_string_free(data, TRUE);
	return rc;
}

static void
child_setup(gpointer arg)
{
	(void)arg;
	/* a process group of its own, killed whole on timeout */
	(void)setsid();
}

int
alert_exec(char *const *argv, const char *input, unsigned timeout,
    struct ti_err *err)
{
	struct sigaction ign, old;
	GError *gerr = NULL;
	GPid pid;
	int in = -1, status = 0, done = 0, flags;
	size_t off = 0, len = strlen(input);
	int64_t deadline = g_get_monotonic_time() + (int64_t)timeout * 1000000;
	pid_t w;
	ssize_t n;

	if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
		G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
		    G_SPAWN_STDERR_TO_DEV_NULL |
		    (getenv("PATH") != NULL ? G_SPAWN_SEARCH_PATH : 0),
		child_setup, NULL, &pid, &in, NULL, NULL, &gerr)) {
		ti_err_set(err, TI_E_CONFIG, "cannot run %s: %s", argv[0],
		    gerr->message);
		g_error_free(gerr);
		return -1;
	}
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	flags = fcntl(in, F_GETFL);
	(void)fcntl(in, F_SETFL, flags | O_NONBLOCK);
	while (!done) {
		if (in != -1 && off < len) {
			n = write(in, input + off, len - off);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN && errno != EINTR)
				off = len; /* EPIPE: it does not read */
		}
		if (in != -1 && off >= len) {
			close(in);
			in = -1;
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w == -1 && errno != EINTR)) {
			done = w == pid ? 1 : -1;
			break;
		}
		if (g_get_monotonic_time() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			done = 2;
			break;
		}
		g_usleep(10 * 1000);
	}
	if (in != -1)
		close(in);
	sigaction(SIGPIPE, &old, NULL);
	g_spawn_close_pid(pid);
	if (done == 2)
		return ti_err_set(err, TI_E_TEMP, "%s killed after %u seconds",
		    argv[0], timeout);
	if (done != 1)
		return ti_err_set(err, TI_E_TEMP, "waitpid %s: %s", argv[0],
		    strerror(errno));
	if (WIFSIGNALED(status))
		return ti_err_set(err, TI_E_TEMP, "%s killed by signal %d",
		    argv[0], WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* "day 2026-11-01", "week of 2026-10-26", "month of 2026-10". */
static char *
period_label(const char *period, int64_t since)
{
	char *d = digest_date(since), *s;

	if (strcmp(period, "day") == 0)
		s = g_strconcat("day ", d, NULL);
	else if (strcmp(period, "week") == 0)
		s = g_strconcat("week of ", d, NULL);
	else {
		if (strlen(d) == 10)
			d[7] = '\0';
		s = g_strconcat("month of ", d, NULL);
	}
	g_free(d);
	return s;
}

static void
add_time(cJSON *o, const char *key, int64_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s =
	    dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	if (s != NULL)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
	g_free(s);
	if (dt != NULL)
		g_date_time_unref(dt);
}

static char *
alert_input(const struct ti_conf *conf, const struct digest *d,
    const struct digest_domain *dom, int64_t now, int backfill)
{
	cJSON *root = cJSON_CreateObject(), *a, *dj;
	char *text, *digest = digest_json(d), *rate, *out;
	char num[G_ASCII_DTOSTR_BUF_SIZE];

	a = cJSON_AddObjectToObject(root, "alert");
	cJSON_AddStringToObject(a, "domain", dom->name);
	cJSON_AddStringToObject(a, "period", conf->alert_period);
	cJSON_AddStringToObject(a, "label", d->label);
	/* from a backfill: the newest period of old mail, not fresh news */
	cJSON_AddBoolToObject(a, "backfill", backfill);
	add_time(a, "since", d->since);
	add_time(a, "until", d->until);
	g_ascii_formatd(num, sizeof(num), "%.2f", dom->rate);
	cJSON_AddRawToObject(a, "failure-rate", num);
	g_ascii_formatd(num, sizeof(num), "%.2f", conf->alert_threshold);
	cJSON_AddRawToObject(a, "threshold", num);
	snprintf(num, sizeof(num), "%lld", (long long)dom->successful);
	cJSON_AddRawToObject(a, "successful", num);
	snprintf(num, sizeof(num), "%lld", (long long)dom->failed);
	cJSON_AddRawToObject(a, "failed", num);
	/* the figures' basis: the reports someone vouched for, unless */
	snprintf(num, sizeof(num), "%zu", dom->reports);
	cJSON_AddRawToObject(a, "reports", num);
	cJSON_AddBoolToObject(a, "unauthenticated-counted",
	    conf->trust_count_unauthenticated);
	cJSON_AddBoolToObject(a, "https-counted",
	    conf->trust_count_https || conf->trust_count_unauthenticated);
	rate =
	    digest_subject(d, backfill ? "TLS alert (backfill)" : "TLS alert");
	cJSON_AddStringToObject(a, "subject", rate);
	g_free(rate);
	add_time(a, "sent-at", now);
	if ((dj = cJSON_Parse(digest)) != NULL)
		cJSON_AddItemToObject(root, "digest", dj);
	g_free(digest);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	out = g_strconcat(text != NULL ? text : "{}", "\n", NULL);
	cJSON_free(text);
	return out;
}

static void
alert_log(int priority, const char *status, const char *domain,
    const char *label, const struct digest_domain *dom,
    const struct ti_conf *conf, const char *reason, int exit_status,
    int backfill)
{
	GString *line = g_string_new("alert");
	char num[G_ASCII_DTOSTR_BUF_SIZE];

	log_kv(line, "status", status);
	log_kv(line, "domain", domain);
	log_kv(line, "period", label);
	if (backfill)
		log_kv(line, "backfill", "yes");
	if (dom != NULL) {
		g_ascii_formatd(num, sizeof(num), "%.2f", dom->rate);
		log_kv(line, "rate", num);
		log_kv_int(line, "failed", dom->failed);
		log_kv_int(line, "successful", dom->successful);
	}
	g_ascii_formatd(num, sizeof(num), "%.2f", conf->alert_threshold);
	log_kv(line, "threshold", num);
	if (exit_status >= 0)
		log_kv_int(line, "exit", exit_status);
	log_kv(line, "reason", reason);
	log_emit(priority, "%s", line->str);
	g_string_free(line, TRUE);
}

/* One (domain, period): check, claim, run.  1 when the command ran. */
static int
alert_one(struct store *st, const struct ti_conf *conf, char **argv,
    const char *state, const char *domain, int64_t since, int64_t until,
    int64_t now, int backfill)
{
	struct digest_params p;
	struct digest *d;
	const struct digest_domain *dom = NULL;
	struct ti_err err = { 0 };
	char *label = period_label(conf->alert_period, since), *input;
	int claimed = 0, rc = 0, status;

	digest_params_default(&p);
	p.since = since;
	p.until = until;
	p.now = now;
	p.domain = domain;
	p.label = label;
	p.noise_threshold = conf->noise_threshold;
	p.action_threshold = conf->action_threshold;
	p.enforce_days = (unsigned)conf->enforce_days;
	p.enforce_reporters = (unsigned)conf->enforce_reporters;
	p.silent_factor = conf->silent_factor;
	p.count_unauthenticated = conf->trust_count_unauthenticated;
	p.count_https = conf->trust_count_https;
	if ((d = digest_load(st, &p, &err)) == NULL) {
		alert_log(LOG_WARNING, "failed", domain, label, NULL, conf,
		    err.msg, -1, backfill);
		g_free(label);
		return 0;
	}
	for (size_t i = 0; i < d->n_domains; i++)
		if (strcmp(d->domains[i].name, domain) == 0)
			dom = &d->domains[i];
	if (dom == NULL || dom->failed <= 0 ||
	    dom->rate < conf->alert_threshold) {
		alert_log(LOG_DEBUG, "below", domain, label, dom, conf, NULL,
		    -1, backfill);
		goto out;
	}
	if (alert_claim(state, domain, since, now, &claimed, &err) == -1) {
		alert_log(LOG_WARNING, "failed", domain, label, dom, conf,
		    err.msg, -1, backfill);
		goto out;
	}
	if (!claimed) {
		alert_log(LOG_DEBUG, "already-sent", domain, label, dom, conf,
		    NULL, -1, backfill);
		goto out;
	}
	input = alert_input(conf, d, dom, now, backfill);
	status = alert_exec(argv, input, (unsigned)conf->alert_timeout, &err);
	g_free(input);
	rc = 1;
	if (status == 0)
		alert_log(LOG_INFO, "sent", domain, label, dom, conf, NULL, 0,
		    backfill);
	else
		alert_log(LOG_WARNING, "failed", domain, label, dom, conf,
		    status > 0 ? "the alert command failed" : err.msg, status,
		    backfill);
out:
	digest_free(d);
	g_free(label);
	return rc;
}

int
alert_run(struct alert_queue *q, struct store *st, const struct ti_conf *conf,
    int64_t now, struct ti_err *err)
{
	GHashTable *seen, *newest; /* newest: domain -> since (backfill) */
	GError *gerr = NULL;
	char **argv = NULL, *state;
	int argc, n = 0;
	struct digest_params counting; /* what counts, as in the digest */

	digest_params_default(&counting);
	counting.count_unauthenticated = conf->trust_count_unauthenticated;
	counting.count_https = conf->trust_count_https;
	if (q == NULL || q->items->len == 0 || conf->alert_command == NULL ||
	    st == NULL) {
		if (q != NULL)
			g_array_set_size(q->items, 0);
		return 0;
	}
	if (!g_shell_parse_argv(conf->alert_command, &argc, &argv, &gerr)) {
		ti_err_set(err, TI_E_CONFIG, "[alert] command: %s",
		    gerr->message);
		g_error_free(gerr);
		g_array_set_size(q->items, 0);
		return -1;
	}
	state = alert_state_path(conf);
	seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	newest = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	/* a backfill: only the newest period of each domain is news */
	for (guint i = 0; q->backfill && i < q->items->len; i++) {
		struct queued *it = &g_array_index(q->items, struct queued, i);
		int64_t since, until, *v;

		if (!digest_counted(&counting, it->authenticated, it->https) ||
		    alert_period_bounds(conf->alert_period, it->start, &since,
			&until) == -1)
			continue;
		if ((v = g_hash_table_lookup(newest, it->domain)) == NULL) {
			v = g_new(int64_t, 1);
			*v = since;
			g_hash_table_insert(newest, it->domain, v);
		} else if (since > *v)
			*v = since;
	}
	for (guint i = 0; i < q->items->len; i++) {
		struct queued *it = &g_array_index(q->items, struct queued, i);
		int64_t since, until, *v;
		char *key;

		if (!digest_hostname_ok(it->domain) ||
		    alert_period_bounds(conf->alert_period, it->start, &since,
			&until) == -1 ||
		    alert_long_ago(since, until, now))
			continue;
		if (q->backfill &&
		    ((v = g_hash_table_lookup(newest, it->domain)) == NULL ||
			*v != since))
			continue;
		if (!digest_counted(&counting, it->authenticated, it->https)) {
			char *label = period_label(conf->alert_period, since);

			alert_log(LOG_DEBUG, "unauthenticated", it->domain,
			    label, NULL, conf,
			    it->https ? "the report was posted over HTTPS "
					"([trust] count-https = no)"
				      : "the report was not authenticated "
					"([trust] count-unauthenticated = no)",
			    -1, q->backfill);
			g_free(label);
			continue;
		}
		key = g_strdup_printf("%s %lld", it->domain, (long long)since);
		if (!g_hash_table_add(seen, key))
			continue;
		n += alert_one(st, conf, argv, state, it->domain, since, until,
		    now, q->backfill);
	}
	g_hash_table_unref(seen);
	g_hash_table_unref(newest);
	g_free(state);
	g_strfreev(argv);
	g_array_set_size(q->items, 0);
	return n;
}
