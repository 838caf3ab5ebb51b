/*
 * alert.h: tell someone at once when newly stored reports push a
 * domain's failure rate past [alert] threshold, by running the
 * configured [alert] command with the facts as JSON on its standard
 * input; at most once per domain and alert period.
 *
 * Use from a delivery: alert_queue_add() for each report stored anew
 * (ingest_opts.on_stored), then alert_run() once the mail is committed.
 *
 * Trust (RFC 8460 §3): an alert never rests on a report nobody vouched
 * for.  Unless [trust] count-unauthenticated = yes, a report whose auth
 * did not pass (auth_passed()) triggers nothing, and the failure rate
 * that decides is the digest's, which counts only authenticated
 * reports; but for those posted over HTTPS (source "https"), which
 * count, as in the digest, unless [trust] count-https = no.
 */
#ifndef ALERT_H
#define ALERT_H

#include <stdint.h>

#include "conf.h"
#include "ingest/report.h"
#include "store/store.h"
#include "ti.h"
#include "trust/auth.h"

/*
 * Alerts are news, not history.  A period has ended "long ago" when it
 * ended more than one period length before now, and never less than
 * ALERT_MIN_AGE (so that a daily report that comes a day late still
 * alerts): a day for "day", 7 days for "week", the month's length for
 * "month".  Such a period never alerts, live or backfilled.
 */
#define ALERT_MIN_AGE (2 * 86400)

/* Whether the period [since, until) ended long ago at now (above). */
int alert_long_ago(int64_t since, int64_t until, int64_t now);

struct alert_queue;

struct alert_queue *alert_queue_new(void);
void alert_queue_free(struct alert_queue *q);

/*
 * Mark q as the queue of a backfill (files or Maildirs given as
 * arguments) rather than a live delivery: alert_run() then alerts at most
 * once per domain, for the newest period of its queued reports (and not
 * when that one ended long ago), and the alert says it came from a
 * backfill ("backfill": true, "(backfill)" in the subject).  A year of
 * old mail with a lasting fault is one alert, not one per past period.
 */
void alert_queue_set_backfill(struct alert_queue *q, int backfill);

/* Remember the domain (report_domain) and start of a stored report,
   whether it was authenticated and whether it was posted over HTTPS:
   auth is who vouched for it, the same record that went into its
   report_source.auth for store_put(); NULL: nobody (as for method
   none); source its report_source.source ("https", "mail", "file";
   NULL: mail).  Only auth_passed() and source == "https" are read, at
   once: neither need outlive the call. */
void alert_queue_add(struct alert_queue *q, const struct report *r,
    const struct ti_auth *auth, const char *source);

/*
 * The ingest_opts.on_stored callback: arg is a struct alert_queue *;
 * r the report just stored anew, auth who vouched for it (the
 * report_source.auth given to store_put() for r, NULL if none), source
 * how it came (its report_source.source).
 */
void alert_on_stored_auth(const struct report *r, const struct ti_auth *auth,
    const char *source, void *arg);

/* The alert period [*since, *until) of the given length ("day",
   "week" from Monday, "month") that holds t, in UTC.  Returns 0, or -1
   for an unknown period name. */
int alert_period_bounds(const char *period, int64_t t, int64_t *since,
    int64_t *until);

/*
 * For each queued (domain, period): when conf->alert_command is set, the
 * report that queued it counts (it was authenticated, or posted over
 * HTTPS and conf->trust_count_https, or
 * conf->trust_count_unauthenticated), the period is recent, and the
 * domain's failure rate in the period (the stored reports the digest
 * counts: authenticated ones and HTTPS ones as above, all unless
 * conf->trust_count_unauthenticated; sessions counted once) is at or
 * above
 * conf->alert_threshold, claim (domain, period) in the state file and
 * run the command (argv from g_shell_parse_argv, no shell; stdin one
 * JSON object: "alert" with the facts and "digest" with the digest of
 * that domain and period; stdout and stderr to /dev/null; killed after
 * conf->alert_timeout seconds).  Each alert, skip and failure is
 * logged; nothing here changes how the mail was delivered.  Returns the
 * number of commands run, or -1 when an alert could not even be tried
 * (bad command, state file): *err says why.  Empties the queue.
 */
int alert_run(struct alert_queue *q, struct store *st,
    const struct ti_conf *conf, int64_t now, struct ti_err *err);

/*
 * The state file for conf: conf->alert_state, else "alerts.state" in
 * the directory of an SQLite store, else under the local state
 * directory.  g_free() it.
 */
char *alert_state_path(const struct ti_conf *conf);

/*
 * Claim (domain, period_start) in the state file path (created mode
 * 0660, locked with flock(2) against concurrent deliveries; entries
 * older than a year are dropped).  *claimed is 1 when this call made
 * the claim, 0 when an alert for it was already recorded.  Returns 0 or
 * -1 with TI_E_TEMP.
 */
int alert_claim(const char *path, const char *domain, int64_t period_start,
    int64_t now, int *claimed, struct ti_err *err);

/* Run argv with input on stdin, output discarded, killed after timeout
   seconds.  Returns the exit status (0..255), or -1 with *err set
   (could not start, killed by a signal, timed out). */
int alert_exec(char *const *argv, const char *input, unsigned timeout,
    struct ti_err *err);

#endif
