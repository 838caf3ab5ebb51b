/*
 * digest.h: the digest, what a postmaster reads every morning: per
 * policy domain, how many TLS sessions worked and failed, why they
 * failed and what to fix, who reports and who fell silent, and whether
 * MTA-STS may move from "testing" to "enforce" (RFC 8460 §4, RFC 8461
 * §5).
 *
 * Three layers:
 * - The builder (digest_builder_new/add/finish, and digest_build() over
 *   an array) turns entries into a model (pure: no I/O, no clock, no
 *   globals), so that it can be unit-tested from JSON.  It takes one
 *   entry at a time and keeps nothing of it but copies, so that a year
 *   of reports is never held at once.
 * - digest_load() reads a store (I/O): metadata of every report in a
 *   history window, and the decoded report for those in the period, each
 *   added to a builder and freed at once.
 * - digest_text(), digest_html(), digest_json() render a model; pure.
 *   digest_mail() wraps text and HTML into an RFC 5322 message.
 *
 * Every string in the model that came from a report is valid UTF-8 with
 * no control or format character (digest_clean()); renderers still
 * escape for their own syntax.
 *
 * Trust (RFC 8460 §3: a report without a valid signature of its
 * reporting domain MUST be ignored): each entry says who vouched for it
 * (trust/auth.h).  Unless count_unauthenticated, an entry that did not
 * pass moves no figure, trend, reporter rhythm or verdict (and so no
 * alert); it is only counted apart (struct digest_auth), so that the
 * digest can say it exists.  A report POSTed over HTTPS (source "https")
 * has nobody to vouch for it (RFC 8460 defines no authentication for
 * HTTPS), but the site chose to publish that URL: it counts when
 * count_https ([trust] count-https, default yes), and the digest names
 * it apart from the authenticated ones.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "digest/advice.h"
#include "ingest/report.h"
#include "store/store.h"
#include "ti.h"

#define DIGEST_DAY 86400
/* How far back the history goes (cadence of reporters, readiness). */
#define DIGEST_HISTORY_DAYS 90
/* Per-day rows at most; longer periods get no daily table. */
#define DIGEST_MAX_DAYS 92

/* What the analysis is asked. */
struct digest_params {
	int64_t since; /* the period: reports whose date range */
	int64_t until; /* starts in [since, until) */
	int64_t now; /* the clock; "as of" is min(until, now) */
	const char *domain; /* one policy domain, or NULL for all */
	const char *label; /* "week of 2026-10-26"; NULL: made up */
	double noise_threshold; /* per cent: below it, failures are noise */
	double action_threshold; /* per cent: above it, act */
	unsigned enforce_days; /* clean days before "ready for enforce" */
	unsigned enforce_reporters; /* distinct reporters in those days */
	double silent_factor; /* a reporter is silent after this many of
				 its usual gaps (plus its lateness) */
	int count_unauthenticated; /* [trust] count-unauthenticated: the
				      reports nobody vouched for count
				      like the others (default 0) */
	int count_https; /* [trust] count-https: the reports posted over
			    HTTPS count (default 1) */
	long detail_domains; /* the overview ([digest] detail-domains):
				full detail for at most this many domains,
				the worst first; -1 (the default): every
				domain, and no cut */
};

/* Defaults: 1 %, 5 %, 14 days, 2 reporters, factor 3, unauthenticated
   reports not counted but for those posted over HTTPS, every domain in
   detail. */
void digest_params_default(struct digest_params *p);

/* One stored report as the analysis sees it (all borrowed, and only for
   the call that adds it: the builder copies what it keeps). */
struct digest_entry {
	const char *organization;
	const char *report_id;
	const char *contact;
	const char *domain; /* report_domain() at ingestion */
	int64_t start;
	int64_t end;
	int64_t received; /* when it was stored */
	int64_t arrived; /* when its mail arrived (stored_report.arrived);
			    0: received.  A reporter's lateness is learned
			    from it, so that a backfill and a live pipe
			    give the same digest */
	int64_t successful; /* counted once (report_totals) */
	int64_t failed;
	const struct report *report; /* decoded; NULL outside the period */
	const struct ti_auth *auth; /* who vouched for it; NULL: nobody
				       (the same as method none) */
	const char *source; /* how it came (stored_report.source):
			       "https" for one posted over HTTPS;
			       "mail", "file" or NULL otherwise */
};

/* Whether p counts a report with this auth (NULL: nobody) that came by
   source (NULL: mail): it passed authentication, or
   count_unauthenticated, or it was posted over HTTPS and count_https. */
int digest_counts(const struct digest_params *p, const struct ti_auth *auth,
    const char *source);
/* The same rule, for a report known only by whether it passed and
   whether it was posted over HTTPS (the alert queue). */
int digest_counted(const struct digest_params *p, int authenticated, int https);

/* ---- the model -------------------------------------------------- */

enum digest_level {
	DIGEST_QUIET, /* no session at all */
	DIGEST_CLEAN, /* no failure */
	DIGEST_NOISE, /* below noise_threshold */
	DIGEST_WATCH, /* from noise_threshold up to action_threshold */
	DIGEST_ACTION, /* above action_threshold */
};

enum digest_verdict {
	VERDICT_READY, /* testing, and clean long enough */
	VERDICT_NOT_READY, /* testing, and something stands in the way */
	VERDICT_ENFORCED, /* reporters already see mode enforce */
	VERDICT_NONE, /* reporters see mode none */
	VERDICT_NO_STS, /* no MTA-STS policy seen in the period */
	VERDICT_UNAUTHENTICATED, /* no verdict: every report of the period
				    was unauthenticated, and not counted */
	VERDICT_NO_REPORTS, /* no verdict: no report in the period (the
			       reason names the newest policy known) */
};

/* A name with a session count: an MX, an IP, a mode, a reporter. */
struct digest_count {
	char *name;
	int64_t sessions;
};

struct digest_day {
	int64_t day; /* midnight UTC */
	int64_t successful;
	int64_t failed;
	int partial; /* only part of the day is in the period: its
			figures are of the reports that start in it */
	int open; /* not over at as_of: its reports are still to come */
	int due; /* over, but a reporter that reports late has not sent
		    its report for it yet (digest_reporter.due_from) */
};

/* Failed sessions of one result type, summed over the period. */
struct digest_type {
	char *result_type;
	const struct advice *advice;
	int64_t sessions;
};

/* One result type at one MX host (NULL: the reports did not say). */
struct digest_failure {
	char *result_type;
	const struct advice *advice;
	char *mx;
	int64_t sessions;
	int only_mx; /* the type failed at no other MX, and
			other MX hosts are known */
	struct digest_count *receiving_ips;
	size_t n_receiving_ips;
	struct digest_count *sending_ips;
	size_t n_sending_ips;
	struct digest_count *reasons; /* failure-reason-code */
	size_t n_reasons;
	struct digest_count *reporters;
	size_t n_reporters;
	char *fix; /* advice_fix() for this MX and domain */
	int64_t last_reported; /* start of the newest report with it */
	char *note; /* the MX is in no mx line of the newest MTA-STS
		       policy of the period (it changed): say so; NULL */
};

struct digest_reporter {
	char *organization;
	char *contact; /* may be NULL */
	size_t reports; /* in the period */
	int64_t successful; /* in the period */
	int64_t failed;
	size_t history_reports; /* in the history window, to as-of */
	int64_t first_start; /* in the history window */
	int64_t last_start;
	int64_t last_end;
	int64_t cadence; /* usual gap between report days,
			    seconds; 0 when not learned */
	int64_t lateness; /* allowance for late reports */
	int64_t overdue_at; /* silent from then on; 0: unknown */
	int silent;
	int64_t due_from; /* not silent, but its reports from this day
			     on are not in yet, as its lateness explains
			     (they come late, not never); 0: none due */
	char *mode; /* MTA-STS mode it saw; NULL */
};

struct digest_enforce {
	enum digest_verdict verdict;
	int64_t last_failure; /* end of the last failing report; 0 */
	int64_t clean_since; /* start of the clean stretch; 0 */
	unsigned clean_days; /* report days in it */
	unsigned clean_reporters; /* reporters in it */
	int64_t ready_on; /* earliest day it can be ready; 0 */
	char *reason; /* one or two sentences */
};

/*
 * Who vouched for the reports of the period (RFC 8460 §3).  dkim + ar +
 * https + unchecked + failed is every report of the period.  Unless
 * count_unauthenticated, the unchecked and failed ones are "excluded":
 * left out of every other figure of the model and only summed here; so
 * are the https ones unless count_https too.
 */
struct digest_auth {
	size_t dkim; /* passed our DKIM check */
	size_t ar; /* passed per our MTA's Authentication-Results */
	size_t https; /* posted over HTTPS (method none: RFC 8460
			 defines no authentication for it) */
	size_t unchecked; /* method none: stored with [trust] dkim = off,
			     or before reports were authenticated */
	size_t failed; /* checked, and did not pass: no signature, a bad
			  one, a DNS error */
	size_t excluded; /* those of unchecked, failed and https not
			    counted */
	int64_t excluded_successful; /* their sessions */
	int64_t excluded_failed;
	struct digest_count *excluded_reporters; /* organization -> reports
						    (in sessions); NULL in
						    struct digest */
	size_t n_excluded_reporters;
};

/* One statement of the "published now" part: a finding of the live
   check (tlsrpt check's ids) or a cross-check with the reports and the
   check history (R1..R4). */
struct digest_finding {
	char id[8];
	const char *severity; /* "error", "warning", "info" (static) */
	char *message;
	char *fix; /* NULL: nothing to do */
};

/* What the domain publishes now ([digest] check = yes): data, so that
   the renderers stay pure (digest_set_check() fills it in). */
struct digest_check {
	int64_t checked_at;
	const char *verdict; /* "error", "warning", "ok", "incomplete" */
	char *incomplete; /* why the checks could not all run; NULL */
	struct digest_finding *findings; /* the checks' errors and
					    warnings, then the
					    cross-checks (R*) */
	size_t n_findings;
	size_t errors; /* of findings */
	size_t warnings;
	char *note; /* e.g. why no check history is kept; NULL */
};

struct digest_domain {
	char *name;
	int name_ok; /* an LDH host name (may go into a
			mail header) */
	size_t reports; /* in the period, counted (authenticated unless
			   count_unauthenticated) */
	int64_t successful;
	int64_t failed;
	double rate; /* per cent; 0 when no session */
	enum digest_level level;
	int has_prev; /* reports in the previous period */
	int seen_before; /* counted reports before the period */
	int64_t prev_successful;
	int64_t prev_failed;
	double prev_rate;
	struct digest_day *days; /* every day of the period */
	size_t n_days;
	struct digest_type *types; /* by sessions, most first */
	size_t n_types;
	int64_t category[ADVICE_OTHER + 1]; /* failed sessions by category */
	struct digest_failure *failures;
	size_t n_failures;
	struct digest_count *mx_failed; /* failed sessions per known MX */
	size_t n_mx_failed;
	char *only_mx; /* every failure with a known MX was
			  there, and other MX hosts are known */
	char **known_mx; /* MX hosts seen in policies and
			    failures, sorted; NULL-terminated */
	struct digest_reporter *reporters; /* by organization */
	size_t n_reporters;
	size_t active_reporters; /* those with reports in the period */
	size_t stopped; /* reporters that fell silent (r->silent) */
	int silent; /* some stopped, and no other reporter sent a report
		       in the period: nobody reports for the domain any
		       more (a broken _smtp._tls record, a full rua
		       mailbox) */
	struct digest_count *modes; /* MTA-STS mode -> reporters that saw
				       it (sessions: number of reports) */
	size_t n_modes;
	char **mx_patterns; /* mx lines of the MTA-STS policy */
	char **tlsa; /* TLSA records, one per element */
	int sts_seen;
	int tlsa_seen;
	int no_policy_seen;
	/* The policy facts above (sts_seen, tlsa_seen, no_policy_seen,
	   mx_patterns, tlsa) come from the reports of the period; when the
	   period has none, from the newest counted report before it in the
	   history window: policy_from is then its start (0: from the
	   period), policy_by its reporter, policy_mode the MTA-STS mode it
	   saw (NULL: none), and modes is empty. */
	int64_t policy_from;
	char *policy_by;
	char *policy_mode;
	struct digest_auth auth;
	struct digest_enforce enforce;
	struct digest_check *check; /* published now; NULL: not checked */
};

struct digest {
	int64_t since;
	int64_t until;
	int64_t as_of;
	int64_t prev_since; /* previous period [prev_since, since) */
	char *label;
	double noise_threshold;
	double action_threshold;
	unsigned enforce_days;
	unsigned enforce_reporters;
	int count_unauthenticated; /* the params' */
	int count_https; /* the params' */
	size_t reports; /* reports in the period, counted */
	int64_t successful; /* all domains */
	int64_t failed;
	double rate;
	enum digest_level level; /* the worst domain's */
	struct digest_domain *domains; /* by name */
	size_t n_domains;
	size_t undecodable; /* period reports that did not decode */
	struct digest_auth auth; /* all domains */
	/*
	 * The overview of many domains (params detail_domains): the text
	 * and HTML show every domain in the table, in the order of order
	 * (indices into domains), and full detail only for the first
	 * n_detail of them.  When every domain gets its detail
	 * (n_detail == n_domains), order is by name, as it always was;
	 * else by attention (digest_attention_cmp): the worst first.  The
	 * cut is made here once; renderers only follow it.
	 */
	size_t *order;
	size_t n_detail;
};

/* How much a domain needs attention, for the overview's order: < 0
   when a comes first.  By status (action, watch, silent, stopped,
   unauthenticated, noise, quiet, clean), then failure rate, failed
   sessions and sessions (most first), then name. */
int digest_attention_cmp(const struct digest_domain *a,
    const struct digest_domain *b);

/*
 * Build the model from n entries (any order; entries outside the history
 * window or starting at or after until are ignored; entries in the
 * period without a decoded report count in the totals, not in the
 * failure details).  Never fails; free with digest_free().
 */
struct digest *digest_build(const struct digest_entry *entries, size_t n,
    const struct digest_params *p);
void digest_free(struct digest *d);

/*
 * The same, one entry at a time: digest_build(entries, n, p) is new, add
 * each entry in turn, finish.  p (and the strings it points to) must
 * outlive the builder; an entry and its report only the call to
 * digest_builder_add().  Entries added in the same order give the same
 * model as digest_build().  digest_builder_finish() frees the builder;
 * digest_builder_free() drops one that is not finished (NULL is fine).
 */
struct digest_builder;
struct digest_builder *digest_builder_new(const struct digest_params *p);
void digest_builder_add(struct digest_builder *b, const struct digest_entry *e);
struct digest *digest_builder_finish(struct digest_builder *b);
void digest_builder_free(struct digest_builder *b);

/* The policy of e, a report before the period (e->report decoded), for
   a domain whose period may hold none: only its policies are read, and
   only when it is the newest such report of its domain so far.  An
   entry the builder would not count is ignored.  digest_builder_add()
   does the same for an entry before the period that comes with its
   report; digest_load() decodes only the newest one per domain. */
void digest_builder_policy(struct digest_builder *b,
    const struct digest_entry *e);

/* ---- published now (digest-check.c) ------------------------------ */

struct check_result;

/*
 * Give dom the "published now" part from r (a check of dom's domain at
 * checked_at; note: NULL or a sentence for the digest, e.g. why no
 * history is kept): the errors and warnings of the live check and the
 * cross-checks (R*, any severity).  The enforce verdict then needs a
 * clean check too: while the check has an error, or a certificate that
 * expires soon (X6), a domain in mode testing is not ready, and the
 * reason says which finding holds it back.  Replaces any earlier part.
 */
void digest_set_check(struct digest_domain *dom, const struct check_result *r,
    int64_t checked_at, const char *note);
/* The domains a digest may check: those of d that are in trusted (the
   [trust] domains, a NULL-terminated list of normalised names) when it
   is set, else every domain of d that is a host name.  Never a name
   that only a report supplied when the list is set. */
int digest_check_wanted(const struct digest_domain *dom, char *const *trusted);
void digest_check_free(struct digest_check *c);
/* One line per finding, for tlsrpt show --check: "error X6 ...". */
char *digest_check_text(const struct digest_check *c, const char *indent);

/* ---- loading from a store ---------------------------------------- */

/* The start of the history window digest_build() looks at for p:
   DIGEST_HISTORY_DAYS before since, more for long periods. */
int64_t digest_history_start(const struct digest_params *p);

/* Read what the digest for p needs from st and build it in one pass:
   metadata of the reports in the history window, and each report of the
   period decoded, added and freed at once (a report that no longer
   decodes counts in its totals and in d->undecodable).  Returns the
   model (digest_free), or NULL with *err set by the store. */
struct digest *digest_load(struct store *st, const struct digest_params *p,
    struct ti_err *err);

/* tlsrpt digest --each-domain: the digest of every domain, from one read
   of st (p->domain is ignored): one builder per domain as the rows come,
   then cb(domain, its digest) in name order; the digest is freed after
   cb.  A non-zero return from cb stops and is returned; -1 with *err
   set by the store. */
int digest_load_each(struct store *st, const struct digest_params *p,
    int (*cb)(const char *domain, const struct digest *d, void *arg), void *arg,
    struct ti_err *err);

/* The name a digest groups a domain under (digest_builder's own key):
   valid UTF-8, ASCII lower case, no trailing dot; "(no domain)" for
   NULL or "".  Free with g_free(). */
char *digest_domain_key(const char *domain);

/* ---- helpers shared with the renderers and tlsrpt show ------------ */

/* s as valid UTF-8 without control or format characters (each becomes
   "?"), cut to cap characters (0: no cap) with a final "…".  NULL gives
   NULL.  Free with g_free(). */
char *digest_clean(const char *s, size_t cap);

/* Whether s is an LDH host name (letters, digits, hyphens, dots; labels
   of 1 to 63, at most 253 characters; a trailing dot allowed). */
int digest_hostname_ok(const char *s);

/* The records of a TLSA policy-string: each element as is, except that
   an element that is itself a JSON array of strings (Microsoft's double
   encoding) gives its elements.  Cleaned; NULL-terminated; g_strfreev. */
char **digest_tlsa_records(char *const *policy_string);

/* The mode and mx lines of an MTA-STS policy-string (RFC 8461 §3.2):
   a trailing CR is dropped, each line split at its first ':' and
   trimmed.  *mode gets the mode (cleaned) or NULL; *mx (may be NULL) a
   NULL-terminated list of mx patterns, cleaned. */
void digest_sts_policy(char *const *policy_string, char **mode, char ***mx);

const char *digest_level_name(enum digest_level l);
const char *digest_verdict_name(enum digest_verdict v);
/* The status word of a domain: its level's name, or "unauthenticated"
   when it has reports in the period but none counted. */
const char *digest_domain_status(const struct digest_domain *dom);
/* The same for the digest as a whole: the worst domain's level when it
   is watch or action, else "silent" when a domain is silent, "stopped"
   when a domain has a reporter that stopped, else the level. */
const char *digest_status(const struct digest *d);
/* Whether a status word is an alarm about silence ("silent",
   "stopped"). */
int digest_status_silence(const char *status);
/* Which reporters of dom stopped and since when: "Google Inc. (daily,
   last report 2026-10-20, due by 2026-10-24)", joined by "; "; NULL
   when none did.  g_free() it. */
char *digest_stopped_list(const struct digest_domain *dom);

/* One sentence on who vouched for the reports of the period, for a
   careful postmaster: "12 reports, 12 authenticated (DKIM).", "12
   reports, 3 authenticated (DKIM): 9 unauthenticated reports (...) are
   not counted.", "10 reports: 7 authenticated (DKIM), 3 posted over
   HTTPS (counted: [trust] count-https).", ...; NULL when a has no
   report.  The flags are the digest's count_unauthenticated and
   count_https.  g_free() it. */
char *digest_auth_sentence(const struct digest_auth *a,
    int count_unauthenticated, int count_https);
/* For a silent reporter org of dom: a sentence saying that
   unauthenticated reports in its name came in (it may only have lost
   its signature), or NULL when none did.  g_free it. */
char *digest_excluded_hint(const struct digest_domain *dom, const char *org);

/* The columns s takes on a terminal: a wide (East Asian) character
   two, a combining mark or other zero-width character none, any other
   one.  For aligning text tables; NULL is 0. */
size_t digest_width(const char *s);

/* When the policy facts of dom come from before the period: "No
   reports this period: the newest policy known comes from the report of
   2026-10-17 by Google Inc."; NULL when they come from the period.
   g_free() it. */
char *digest_policy_origin(const struct digest_domain *dom);

/* "2.40%" (two decimals, whatever the locale). */
char *digest_pct(double rate);
/* The change of rate from the previous period: "+1.10 points",
   "-0.25 points", "no change"; without a report in the previous period
   "new" for a domain first seen in this one, "was silent" for one seen
   before; "-" without a session in this period. */
char *digest_change(const struct digest_domain *dom);

/* "2026-10-26" and "2026-10-26 13:05" (UTC); "?" out of range. */
char *digest_date(int64_t t);
char *digest_datetime(int64_t t);

/* When the overview leaves domains out of the detail (d->n_detail <
   d->n_domains): the sentence that says how many, and where their
   detail is; NULL otherwise.  g_free() it. */
char *digest_left_out(const struct digest *d);

/* ---- renderers (pure; the result is a g_malloc'd string) ---------- */

char *digest_text(const struct digest *d);
/* A complete, self-contained HTML document: no script, no external
   resource; charts as inline-styled tables and SVG-free CSS bars, so
   that it reads the same in a browser and in mail clients. */
char *digest_html(const struct digest *d);
/* One JSON object; stable member order. */
char *digest_json(const struct digest *d);

/* The Subject: "TLS report for example.com: 2.40% failures (week of
   2026-10-26)", "...: no authenticated report (...)".  Holds no report string
   but a domain that passed digest_hostname_ok(). */
char *digest_subject(const struct digest *d, const char *prefix);

/*
 * A complete RFC 5322 message (multipart/alternative of the text and
 * HTML renderings), with From, To, Subject (RFC 2047 encoded when
 * needed), Date (date, epoch seconds), Message-ID, MIME-Version and
 * Auto-Submitted headers, LF line ends, ready for "sendmail -t".  from
 * and to are address lists; a list that does not parse or is empty is
 * TI_E_CONFIG.  Returns the message (g_free) or NULL with *err set.
 * Needs g_mime_init() (mime_init()) first.
 */
char *digest_mail(const struct digest *d, const char *from, const char *to,
    const char *subject_prefix, int64_t date, struct ti_err *err);

#endif
