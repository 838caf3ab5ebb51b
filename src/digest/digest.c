/*
 * digest.c: the analysis behind the digest (RFC 8460 §4; RFC 8461 §5
 * for the MTA-STS modes): from stored reports to the model of digest.h.
 *
 * Design rationale:
 * - Pure: entries in, model out.  No clock (params->now), no store, no
 *   locale, so that a unit test drives it with JSON it decodes itself.
 * - Incremental: a builder takes one entry at a time and copies what it
 *   keeps (counters, sets, a few numbers per history entry), so that
 *   digest_load() can free each decoded report at once: a year of
 *   reports is read in the memory of one.
 * - Sessions are counted once.  Per report, the totals are those of
 *   report_totals() (the largest policy type wins: Microsoft reports the
 *   same sessions under "sts" and "tlsa"); failure details repeated
 *   verbatim under several policies of one report count once.  Failure
 *   types may still overlap (RFC 8460 §4: one session may fail several
 *   ways), so the breakdown may add up to more than the total.
 * - Reporters keep their own rhythm: Google reports every day,
 *   Microsoft only for days it delivered mail and days late.  A
 *   reporter's cadence is the longest gap between its report days in
 *   the history window; it is called silent only after silent_factor
 *   such gaps plus its usual lateness (at least a day, at most a week),
 *   so that a quiet week at Microsoft does not cry wolf.  Lateness is
 *   measured from when the mail arrived (entry.arrived), never from when
 *   it was ingested: a backfill must not make every report look late.
 * - A domain whose reporters stopped is an alarm, not "quiet": its
 *   status is silent (none reports any more) or stopped (some do).
 * - Statements about the policy need evidence of the period: without a
 *   report in it, the policy facts are those of the newest report
 *   before it (named), and the verdict is "no reports this period".
 * - Ready for enforce (RFC 8461 §5 "testing" -> "enforce"): the latest
 *   mode the reporters saw is testing, and the reports of the last
 *   enforce_days report days since the last failure, from at least
 *   enforce_reporters reporters, show no failed session.
 * - Every string taken from a report is cleaned on the way in
 *   (digest_clean): valid UTF-8, no control or format character, capped.
 * - Only reports someone vouched for count (RFC 8460 §3): an entry whose
 *   auth did not pass is, unless count_unauthenticated, tallied in
 *   struct digest_auth at the door and goes no further, so that no
 *   figure, trend, cadence, verdict or alert can rest on a report
 *   anyone could have forged.  One outside the period leaves no trace;
 *   one in it makes its domain appear, so that a domain with only such
 *   reports says why it has no verdict instead of vanishing or looking
 *   quiet.
 * - A report posted over HTTPS is the exception the site chose: RFC
 *   8460 gives HTTPS no authentication, but nobody posts to a URL the
 *   site did not publish unless they found it, so it counts when
 *   count_https (the default).  It is tallied apart (digest_auth.https),
 *   never as authenticated, so that the digest says how much of a
 *   figure rests on it.
 * - The overview of a hoster's thousands of domains must stay one mail
 *   a person reads and an MTA accepts: past detail_domains domains, the
 *   builder orders them by attention (digest_attention_cmp) and marks
 *   how many get full detail (struct digest, order and n_detail), once,
 *   so that text, HTML and the mail cut the same domains; below it the
 *   order stays by name and nothing changes.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"
#include "ingest/report.h"
#include "trust/auth.h"
#include "digest/digest.h"

#define STR_CAP 200 /* characters of any one report string shown */
#define LATENESS_MIN DIGEST_DAY
#define LATENESS_MAX (7 * DIGEST_DAY)
#define LIST_CAP 20 /* entries of one IP or reason list kept */
#define COVER_MAX 31 /* days one report's date range counts for */

void
digest_params_default(struct digest_params *p)
{
	memset(p, 0, sizeof(*p));
	p->noise_threshold = 1.0;
	p->action_threshold = 5.0;
	p->enforce_days = 14;
	p->enforce_reporters = 2;
	p->silent_factor = 3.0;
	p->count_https = 1;
	p->detail_domains = -1;
}

static int64_t
floor_day(int64_t t)
{
	int64_t r = t % DIGEST_DAY;

	return t - (r < 0 ? r + DIGEST_DAY : r);
}

/* An inclusive end (…T23:59:59Z) as the exclusive instant after it. */
static int64_t
end_excl(int64_t end)
{
	return (end + 1) % DIGEST_DAY == 0 ? end + 1 : end;
}

static double
rate_of(int64_t ok, int64_t bad)
{
	double all = (double)ok + (double)bad;

	return all > 0 ? 100.0 * (double)bad / all : 0.0;
}

static enum digest_level
level_of(int64_t ok, int64_t bad, const struct digest_params *p)
{
	double r = rate_of(ok, bad);

	if (ok <= 0 && bad <= 0)
		return DIGEST_QUIET;
	if (bad <= 0)
		return DIGEST_CLEAN;
	if (r < p->noise_threshold)
		return DIGEST_NOISE;
	if (r <= p->action_threshold)
		return DIGEST_WATCH;
	return DIGEST_ACTION;
}

/* ---- counters ------------------------------------------------------- */

static GHashTable *
counter_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* Whether digest_clean(s, STR_CAP) is s: printable ASCII, not too long
   (most report strings), so that a lookup needs no copy. */
static int
is_clean(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    i >= STR_CAP)
			return 0;
	return 1;
}

/* Add n to name's count; name is cleaned (a NULL name is skipped). */
static void
counter_add(GHashTable *h, const char *name, int64_t n)
{
	int64_t *v;
	char *key = NULL;

	if (name == NULL || *name == '\0')
		return;
	if (!is_clean(name))
		name = key = digest_clean(name, STR_CAP);
	if ((v = g_hash_table_lookup(h, name)) != NULL) {
		*v = ti_sat_add(*v, n);
		g_free(key);
		return;
	}
	v = g_new(int64_t, 1);
	*v = n;
	g_hash_table_insert(h, key != NULL ? key : g_strdup(name), v);
}

static int
count_cmp(const void *a, const void *b)
{
	const struct digest_count *x = a, *y = b;

	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The counter as an array, most first, then by name; at most cap
   entries (0: all).  Frees h. */
static struct digest_count *
counter_steal(GHashTable *h, size_t cap, size_t *n)
{
	GHashTableIter it;
	gpointer k, v;
	struct digest_count *a;
	size_t i = 0;

	a = g_new0(struct digest_count, g_hash_table_size(h) + 1);
	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		a[i].name = g_strdup(k);
		a[i].sessions = *(int64_t *)v;
		i++;
	}
	qsort(a, i, sizeof(*a), count_cmp);
	if (cap > 0 && i > cap) {
		for (size_t j = cap; j < i; j++)
			g_free(a[j].name);
		i = cap;
	}
	*n = i;
	g_hash_table_unref(h);
	return a;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of a set, sorted, NULL-terminated.  Frees h. */
static char **
set_steal(GHashTable *h)
{
	GHashTableIter it;
	gpointer k;
	GPtrArray *a = g_ptr_array_new();

	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(a, g_strdup(k));
	g_ptr_array_sort(a, str_cmp);
	g_hash_table_unref(h);
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

static GHashTable *
set_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* name as a host: cleaned, lower case, without its trailing dot. */
static char *
host_new(const char *name)
{
	char *c = digest_clean(name, STR_CAP), *low;
	size_t len;

	low = g_utf8_strdown(c, -1);
	g_free(c);
	len = strlen(low);
	if (len > 1 && low[len - 1] == '.')
		low[len - 1] = '\0';
	return low;
}

/* ---- builders ------------------------------------------------------- */

struct fbuild {
	char *type;
	char *mx; /* cleaned, lower case; NULL unknown */
	int64_t sessions;
	int64_t last_start; /* of the newest report that had it */
	GHashTable *rip, *sip, *reasons, *reporters;
};

struct rbuild {
	char *org;
	char *contact;
	size_t reports;
	int64_t ok, bad;
	size_t history;
	int64_t first_start, last_start, last_end;
	GArray *days; /* int64_t day numbers, repeats and all */
	GArray *late; /* int64_t lateness samples */
	char *mode;
	int64_t mode_start;
};

struct dbuild {
	char *key; /* lower case, no trailing dot */
	char *name;
	size_t reports;
	int64_t ok, bad, prev_ok, prev_bad;
	int has_prev, seen_before;
	struct digest_day *days;
	size_t n_days;
	GHashTable *types; /* result-type -> sessions */
	GHashTable *fails; /* "type\nmx" -> struct fbuild */
	GHashTable *mx_failed; /* mx -> sessions */
	GHashTable *known_mx; /* set */
	GHashTable *reporters; /* org -> struct rbuild */
	GHashTable *modes; /* mode -> reports */
	GHashTable *mx_patterns, *tlsa;
	int sts, tlsa_seen, nopol;
	int64_t bad_enforce; /* failed sessions of period reports that saw
				mode enforce */
	int64_t enforce_first; /* start of the first of them; 0 */
	GHashTable *newest_mx; /* mx lines of the newest sts policy of the
				  period (a set); NULL: none */
	int64_t newest_mx_start;
	char *mode; /* latest mode seen */
	int64_t mode_start;
	GArray *hist; /* struct hentry, one per entry up to as_of */
	int64_t fail_sessions_known_mx;
	struct digest_auth auth; /* but its excluded_reporters: */
	GHashTable *excluded_orgs; /* organization -> reports */
	/* the same few hosts and policies come in every report: what was
	   made of each (a cache, no part of the result) */
	GHashTable *hosts; /* name -> host_new(name) */
	GHashTable *sts_seen; /* policy-string -> struct sts_parsed */
	GHashTable *tlsa_parsed; /* policy-string -> char ** records */
	/* the newest report before the period (digest_builder_policy) */
	int64_t hp_start; /* 0: none */
	char *hp_org, *hp_mode;
	int hp_sts, hp_tlsa, hp_nopol;
	GHashTable *hp_mx, *hp_tlsa_set; /* sets; NULL: none */
};

struct sts_parsed {
	char *mode;
	char **mx;
};

/* What the enforce verdict needs of an entry of the history: a copy,
   since entries are borrowed only while they are added. */
struct hentry {
	int64_t start;
	int64_t end;
	int64_t successful;
	int64_t failed;
	const char *org; /* the rbuild's, cleaned */
};

static void
fbuild_free(gpointer p)
{
	struct fbuild *f = p;

	g_free(f->type);
	g_free(f->mx);
	/* NULL once counter_steal() took them */
	if (f->rip != NULL)
		g_hash_table_unref(f->rip);
	if (f->sip != NULL)
		g_hash_table_unref(f->sip);
	if (f->reasons != NULL)
		g_hash_table_unref(f->reasons);
	if (f->reporters != NULL)
		g_hash_table_unref(f->reporters);
	g_free(f);
}

static void
rbuild_free(gpointer p)
{
	struct rbuild *r = p;

	g_free(r->org);
	g_free(r->contact);
	g_free(r->mode);
	g_array_unref(r->days);
	g_array_unref(r->late);
	g_free(r);
}

/* String lists (policy-string) as hash keys; a NULL list is empty. */
static guint
strv_hash(gconstpointer p)
{
	char *const *v = p;
	guint h = 0;

	for (; v != NULL && *v != NULL; v++)
		h = h * 31 + g_str_hash(*v) + 1;
	return h;
}

static gboolean
strv_equal(gconstpointer a, gconstpointer b)
{
	char *const *x = a, *const *y = b;
	static char *const none[] = { NULL };

	x = x != NULL ? x : none;
	y = y != NULL ? y : none;
	for (; *x != NULL && *y != NULL; x++, y++)
		if (strcmp(*x, *y) != 0)
			return FALSE;
	return *x == NULL && *y == NULL;
}

static void
sts_parsed_free(gpointer p)
{
	struct sts_parsed *sp = p;

	g_free(sp->mode);
	g_strfreev(sp->mx);
	g_free(sp);
}

static struct dbuild *
dbuild_new(const char *key, const struct digest_params *p, int64_t as_of)
{
	struct dbuild *b = g_new0(struct dbuild, 1);
	int64_t span = p->until - p->since;

	b->key = g_strdup(key);
	b->name = digest_clean(key, STR_CAP);
	if (span > 0 && span <= (int64_t)DIGEST_MAX_DAYS * DIGEST_DAY) {
		int64_t first = floor_day(p->since);

		b->n_days =
		    (size_t)((p->until - first + DIGEST_DAY - 1) / DIGEST_DAY);
		b->days = g_new0(struct digest_day, b->n_days + 1);
		for (size_t i = 0; i < b->n_days; i++) {
			int64_t day = first + (int64_t)i * DIGEST_DAY;

			b->days[i].day = day;
			b->days[i].partial =
			    day < p->since || day + DIGEST_DAY > p->until;
			b->days[i].open = day + DIGEST_DAY > as_of;
		}
	}
	b->types = counter_new();
	b->fails =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, fbuild_free);
	b->mx_failed = counter_new();
	b->known_mx = set_new();
	b->reporters =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, rbuild_free);
	b->modes = counter_new();
	b->mx_patterns = set_new();
	b->tlsa = set_new();
	b->hist = g_array_new(FALSE, FALSE, sizeof(struct hentry));
	b->excluded_orgs = counter_new();
	b->hosts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	b->sts_seen = g_hash_table_new_full(strv_hash, strv_equal,
	    (GDestroyNotify)g_strfreev, sts_parsed_free);
	b->tlsa_parsed = g_hash_table_new_full(strv_hash, strv_equal,
	    (GDestroyNotify)g_strfreev, (GDestroyNotify)g_strfreev);
	return b;
}

/* host_new(name), made once per name (borrowed from b). */
static const char *
host_of(struct dbuild *b, const char *name)
{
	char *h;

	if ((h = g_hash_table_lookup(b->hosts, name)) == NULL) {
		h = host_new(name);
		g_hash_table_insert(b->hosts, g_strdup(name), h);
	}
	return h;
}

/* Add name to a set of hosts (see host_new); NULL or "" is skipped. */
static void
set_add_host(struct dbuild *b, GHashTable *set, const char *name)
{
	const char *h;

	if (name == NULL || *name == '\0')
		return;
	h = host_of(b, name);
	if (!g_hash_table_contains(set, h))
		g_hash_table_add(set, g_strdup(h));
}

/* digest_sts_policy() of a policy-string, made once per policy-string
   (borrowed from b). */
static const struct sts_parsed *
sts_of(struct dbuild *b, char **policy_string)
{
	struct sts_parsed *sp;

	if ((sp = g_hash_table_lookup(b->sts_seen, policy_string)) != NULL)
		return sp;
	sp = g_new0(struct sts_parsed, 1);
	digest_sts_policy(policy_string, &sp->mode, &sp->mx);
	g_hash_table_insert(b->sts_seen, g_strdupv(policy_string), sp);
	return sp;
}

/* digest_tlsa_records() of a policy-string, made once per
   policy-string (borrowed from b). */
static char *const *
tlsa_of(struct dbuild *b, char **policy_string)
{
	char **t;

	if ((t = g_hash_table_lookup(b->tlsa_parsed, policy_string)) != NULL)
		return t;
	t = digest_tlsa_records(policy_string);
	g_hash_table_insert(b->tlsa_parsed, g_strdupv(policy_string), t);
	return t;
}

/* Add each string of v (cleaned already) to a set of strings. */
static void
set_add_all(GHashTable *set, char *const *v)
{
	for (; *v != NULL; v++)
		if (!g_hash_table_contains(set, *v))
			g_hash_table_add(set, g_strdup(*v));
}

static struct rbuild *
reporter_get(struct dbuild *b, const struct digest_entry *e)
{
	struct rbuild *r;
	char *org = digest_clean(
	    e->organization != NULL ? e->organization : "(unnamed)", STR_CAP);

	if ((r = g_hash_table_lookup(b->reporters, org)) != NULL) {
		g_free(org);
		return r;
	}
	r = g_new0(struct rbuild, 1);
	r->org = g_strdup(org);
	r->days = g_array_new(FALSE, FALSE, sizeof(int64_t));
	r->late = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_hash_table_insert(b->reporters, org, r);
	return r;
}

static void
add_failure(struct dbuild *b, const struct failure *f, const char *org,
    int64_t start)
{
	struct fbuild *fb;
	const char *mx = NULL;
	char *type, *key;
	int64_t n = f->failed_session_count > 0 ? f->failed_session_count : 0;

	type =
	    digest_clean(f->result_type != NULL ? f->result_type : "", STR_CAP);
	if (f->receiving_mx_hostname != NULL &&
	    *f->receiving_mx_hostname != '\0')
		mx = host_of(b, f->receiving_mx_hostname);
	counter_add(b->types, type, n);
	if (mx != NULL) {
		counter_add(b->mx_failed, mx, n);
		set_add_host(b, b->known_mx, mx);
		b->fail_sessions_known_mx =
		    ti_sat_add(b->fail_sessions_known_mx, n);
	}
	key = g_strconcat(type, "\n", mx != NULL ? mx : "", NULL);
	if ((fb = g_hash_table_lookup(b->fails, key)) == NULL) {
		fb = g_new0(struct fbuild, 1);
		fb->type = g_strdup(type);
		fb->mx = g_strdup(mx);
		fb->rip = counter_new();
		fb->sip = counter_new();
		fb->reasons = counter_new();
		fb->reporters = counter_new();
		g_hash_table_insert(b->fails, key, fb);
	} else
		g_free(key);
	fb->sessions = ti_sat_add(fb->sessions, n);
	if (start > fb->last_start)
		fb->last_start = start;
	counter_add(fb->rip, f->receiving_ip, n);
	counter_add(fb->sip, f->sending_mta_ip, n);
	counter_add(fb->reasons, f->failure_reason_code, n);
	counter_add(fb->reporters, org, n);
	g_free(type);
}

/* Failure details as a set: equal when every member add_failure() and
   the count look at is. */
static guint
failure_hash(gconstpointer p)
{
	const struct failure *f = p;
	guint h = (guint)f->failed_session_count;
	const char *const s[] = { f->result_type, f->sending_mta_ip,
		f->receiving_mx_hostname, f->receiving_ip,
		f->failure_reason_code };

	for (size_t i = 0; i < nitems(s); i++)
		h = h * 31 + (s[i] != NULL ? g_str_hash(s[i]) : 0x9e3779b9u);
	return h;
}

static gboolean
failure_equal(gconstpointer a, gconstpointer b)
{
	const struct failure *f = a, *g = b;

	return g->failed_session_count == f->failed_session_count &&
	    g_strcmp0(g->result_type, f->result_type) == 0 &&
	    g_strcmp0(g->sending_mta_ip, f->sending_mta_ip) == 0 &&
	    g_strcmp0(g->receiving_mx_hostname, f->receiving_mx_hostname) ==
	    0 &&
	    g_strcmp0(g->receiving_ip, f->receiving_ip) == 0 &&
	    g_strcmp0(g->failure_reason_code, f->failure_reason_code) == 0;
}

/* Add the failure details of r, each once: a detail repeated verbatim
   under an earlier policy of the report is the same sessions (Microsoft:
   sts and tlsa).  Repeats within one policy count as given.  Hashed, so
   that two policies of thousands of details cost no quadratic scan. */
static void
add_failures(struct dbuild *b, const struct report *r, const char *org,
    int64_t start)
{
	GHashTable *seen = NULL;
	size_t with = 0;

	for (size_t i = 0; i < r->n_policies; i++)
		with += r->policies[i].n_failures > 0;
	if (with > 1)
		seen = g_hash_table_new(failure_hash, failure_equal);
	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy *pol = &r->policies[i];

		for (size_t j = 0; j < pol->n_failures; j++)
			if (seen == NULL ||
			    !g_hash_table_contains(seen, &pol->failures[j]))
				add_failure(b, &pol->failures[j], org, start);
		/* only now: repeats within this policy all count */
		for (size_t j = 0; seen != NULL && j < pol->n_failures; j++)
			g_hash_table_add(seen, &pol->failures[j]);
	}
	if (seen != NULL)
		g_hash_table_unref(seen);
}

/* What a decoded report of the period adds: policies and failures. */
static void
add_report_detail(struct dbuild *b, struct rbuild *rb,
    const struct digest_entry *e)
{
	const struct report *r = e->report;
	const struct sts_parsed *sp;
	const char *mode;
	int enforced = 0;

	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy *pol = &r->policies[i];

		if (strcmp(pol->policy_type, "sts") == 0) {
			b->sts = 1;
			sp = sts_of(b, pol->policy_string);
			mode = sp->mode;
			set_add_all(b->mx_patterns, sp->mx);
			if (sp->mx[0] != NULL &&
			    (b->newest_mx == NULL ||
				e->start > b->newest_mx_start)) {
				if (b->newest_mx != NULL)
					g_hash_table_unref(b->newest_mx);
				b->newest_mx = set_new();
				b->newest_mx_start = e->start;
			}
			if (sp->mx[0] != NULL && e->start == b->newest_mx_start)
				set_add_all(b->newest_mx, sp->mx);
			for (char **m = pol->mx_host; m != NULL && *m != NULL;
			     m++)
				set_add_host(b, b->known_mx, *m);
			if (mode != NULL && strcmp(mode, "enforce") == 0)
				enforced = 1;
			if (mode != NULL) {
				counter_add(b->modes, mode, 1);
				if (b->mode == NULL ||
				    e->start >= b->mode_start) {
					g_free(b->mode);
					b->mode = g_strdup(mode);
					b->mode_start = e->start;
				}
				if (rb->mode == NULL ||
				    e->start >= rb->mode_start) {
					g_free(rb->mode);
					rb->mode = g_strdup(mode);
					rb->mode_start = e->start;
				}
			}
		} else if (strcmp(pol->policy_type, "tlsa") == 0) {
			b->tlsa_seen = 1;
			set_add_all(b->tlsa, tlsa_of(b, pol->policy_string));
			/* the TLSA base domain is the MX host (RFC 8460 §4.4)
			 */
			set_add_host(b, b->known_mx, pol->policy_domain);
		} else if (strcmp(pol->policy_type, "no-policy-found") == 0)
			b->nopol = 1;
	}
	add_failures(b, r, rb->org, e->start);
	/* only these failures kept mail from being delivered */
	if (enforced) {
		b->bad_enforce =
		    ti_sat_add(b->bad_enforce, e->failed > 0 ? e->failed : 0);
		if (b->enforce_first == 0 || e->start < b->enforce_first)
			b->enforce_first = e->start;
	}
}

/* Add the non-wildcard mx patterns to the known MX hosts. */
static void
known_from_patterns(struct dbuild *b)
{
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, b->mx_patterns);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (strchr(k, '*') == NULL && digest_hostname_ok(k))
			set_add_host(b, b->known_mx, k);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort a (int64_t) and drop repeats. */
static void
int64_uniq(GArray *a)
{
	int64_t *v = (int64_t *)(void *)a->data;
	guint n = 0;

	if (a->len == 0)
		return; /* and v may be NULL */
	qsort(v, a->len, sizeof(*v), int64_cmp);
	for (guint i = 0; i < a->len; i++)
		if (n == 0 || v[i] != v[n - 1])
			v[n++] = v[i];
	g_array_set_size(a, n);
}

static int64_t
median(GArray *a)
{
	int64_t *v = (int64_t *)(void *)a->data;

	if (a->len == 0)
		return 0;
	/* a year of daily reports is 365 samples */
	qsort(v, a->len, sizeof(*v), int64_cmp);
	return v[a->len / 2];
}

/* Finish one reporter: cadence, lateness, silence. */
static void
reporter_finish(struct rbuild *rb, struct digest_reporter *out,
    const struct digest_params *p, int64_t as_of)
{
	int64_t *days, gap = 0, late;
	size_t n;

	out->organization = g_strdup(rb->org);
	out->contact = g_strdup(rb->contact);
	out->reports = rb->reports;
	out->successful = rb->ok;
	out->failed = rb->bad;
	out->history_reports = rb->history;
	out->first_start = rb->first_start;
	out->last_start = rb->last_start;
	out->last_end = rb->last_end;
	out->mode = g_strdup(rb->mode);

	int64_uniq(rb->days);
	days = (int64_t *)(void *)rb->days->data;
	n = rb->days->len;
	for (size_t i = 1; i < n; i++)
		if (days[i] - days[i - 1] > gap)
			gap = days[i] - days[i - 1];
	if (n < 3 || rb->history == 0)
		return; /* too few report days to learn a rhythm */
	out->cadence = gap * DIGEST_DAY;
	late = median(rb->late);
	out->lateness = late < LATENESS_MIN ? LATENESS_MIN
	    : late > LATENESS_MAX           ? LATENESS_MAX
					    : late;
	out->overdue_at = end_excl(rb->last_end) +
	    (int64_t)(p->silent_factor * (double)out->cadence) + out->lateness;
	out->silent = as_of > out->overdue_at;
	/* the days after its last report that its lateness still covers:
	   late, not missing */
	if (!out->silent && out->lateness > DIGEST_DAY &&
	    end_excl(out->last_end) + DIGEST_DAY <= as_of &&
	    as_of - end_excl(out->last_end) <= out->lateness + out->cadence)
		out->due_from = end_excl(out->last_end);
}

static int
reporter_cmp(const void *a, const void *b)
{
	const struct digest_reporter *x = a, *y = b;

	return strcmp(x->organization, y->organization);
}

static int
type_cmp(const void *a, const void *b)
{
	const struct digest_type *x = a, *y = b;

	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	return strcmp(x->result_type, y->result_type);
}

static int
failure_cmp(const void *a, const void *b)
{
	const struct digest_failure *x = a, *y = b;
	int c;

	if (x->advice->severity != y->advice->severity)
		return x->advice->severity > y->advice->severity ? -1 : 1;
	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	if ((c = strcmp(x->result_type, y->result_type)) != 0)
		return c;
	return g_strcmp0(x->mx, y->mx);
}

static void
plural(GString *s, int64_t n, const char *one, const char *many)
{
	g_string_append_printf(s, "%lld %s", (long long)n, n == 1 ? one : many);
}

/* Why a domain whose reports were all unauthenticated gets no verdict. */
static void
unauthenticated_reason(GString *why, const struct digest_auth *a)
{
	if (a->failed + a->unchecked > 0)
		g_string_append(why,
		    "No authenticated report in this period, so no verdict: a "
		    "report without a valid DKIM signature of its reporting "
		    "domain may be forged, and RFC 8460 section 3 says to "
		    "ignore it.");
	else
		g_string_append(why,
		    "No counted report in this period, so no verdict.");
	if (a->https > 0) {
		g_string_append(why, "  ");
		plural(why, (int64_t)a->https, "report was", "reports were");
		g_string_append_printf(why,
		    " posted over HTTPS, for which RFC 8460 defines no "
		    "authentication, and [trust] count-https = no leaves "
		    "%s out.",
		    a->https == 1 ? "it" : "them");
	}
	if (a->failed > 0) {
		g_string_append(why, "  ");
		plural(why, (int64_t)a->failed, "report", "reports");
		g_string_append(why,
		    " failed that check (tlsrpt show gives the reason).");
	}
	if (a->unchecked > 0) {
		g_string_append(why, "  ");
		plural(why, (int64_t)a->unchecked, "report was",
		    "reports were");
		g_string_append(why,
		    " never checked: stored with [trust] dkim = off, or "
		    "before reports were authenticated.  If you run dkim = "
		    "off deliberately, set count-unauthenticated = yes in "
		    "[trust] to count them.");
	}
}

/* The verdict of an enforced policy: only the sessions that failed
   under mode enforce kept mail from being delivered; those reported
   while the policy was still in testing (a move to enforce during the
   period) were delivered all the same. */
static void
enforced_reason(GString *why, const struct dbuild *b,
    const struct digest_domain *dom)
{
	int64_t before = dom->failed - b->bad_enforce;
	char *d;

	if (dom->n_modes > 1 && b->enforce_first != 0) {
		d = digest_date(b->enforce_first);
		g_string_append_printf(why,
		    "The reporters first saw mode enforce in this period on "
		    "%s.  ",
		    d);
		g_free(d);
	}
	if (b->bad_enforce > 0) {
		g_string_append(why,
		    "The policy is enforced, so senders that honour MTA-STS "
		    "did not deliver over the ");
		plural(why, b->bad_enforce, "failed session",
		    "failed sessions");
		g_string_append(why, " reported under it: fix them first.");
	} else
		g_string_append(why,
		    before > 0 ? "No session failed under mode enforce."
			       : "The policy is enforced and no session "
				 "failed.");
	if (before > 0) {
		g_string_append(why, "  ");
		plural(why, before, "session", "sessions");
		g_string_append(why,
		    " failed in reports that did not see mode enforce (the "
		    "policy in testing, or its mode not echoed): senders "
		    "delivered that mail all the same.");
	}
}

/* Why a domain without a report in the period gets no verdict, and the
   newest policy known (mode: its MTA-STS mode, or NULL). */
static void
no_reports_reason(GString *why, const struct digest_domain *dom,
    const char *mode)
{
	char *d;

	g_string_append(why, "No reports this period, so no verdict.");
	if (dom->policy_from != 0) {
		d = digest_date(dom->policy_from);
		g_string_append_printf(why,
		    "  The newest policy known, in the report of %s by %s, ", d,
		    dom->policy_by);
		g_free(d);
		if (mode != NULL)
			g_string_append_printf(why, "was MTA-STS mode %s.",
			    mode);
		else if (dom->sts_seen)
			g_string_append(why,
			    "was an MTA-STS policy whose mode was not "
			    "echoed.");
		else if (dom->tlsa_seen)
			g_string_append(why, "was DANE only, no MTA-STS.");
		else
			g_string_append(why,
			    "found no policy (no-policy-found).");
	}
	if (dom->silent)
		g_string_append(why,
		    "  Every reporter stopped: find out why (the _smtp._tls "
		    "TXT record, the rua mailbox) before reading anything "
		    "into the silence.");
}

/* The enforce verdict from the history entries of the domain. */
static void
enforce_finish(struct dbuild *b, struct digest_domain *dom,
    const struct digest_params *p)
{
	struct digest_enforce *v = &dom->enforce;
	const struct hentry *h = (const struct hentry *)(void *)b->hist->data;
	GArray *days = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GHashTable *orgs = g_hash_table_new(g_str_hash, g_str_equal);
	GString *why = g_string_new(NULL);
	int64_t last_fail = 0, first = 0, day;
	unsigned n;
	char *d1, *d2;
	const char *mode = dom->policy_from != 0 ? dom->policy_mode : b->mode;

	for (guint i = 0; i < b->hist->len; i++) {
		if (h[i].failed > 0 && end_excl(h[i].end) > last_fail)
			last_fail = end_excl(h[i].end);
		if (first == 0 || h[i].start < first)
			first = h[i].start;
	}
	for (guint i = 0; i < b->hist->len; i++) {
		if (h[i].start < last_fail ||
		    h[i].successful + h[i].failed <= 0 || h[i].failed > 0)
			continue;
		/* every day the clean report covers: a weekly report is
		   seven clean days, not one */
		for (day = floor_day(h[i].start), n = 0;
		     day < end_excl(h[i].end) && n < COVER_MAX;
		     day += DIGEST_DAY, n++)
			g_array_append_val(days, day);
		if (n == 0) {
			day = floor_day(h[i].start);
			g_array_append_val(days, day);
		}
		g_hash_table_add(orgs, (gpointer)h[i].org);
	}
	int64_uniq(days);
	v->last_failure = last_fail;
	v->clean_since = last_fail != 0 ? last_fail : first;
	v->clean_days = days->len;
	v->clean_reporters = g_hash_table_size(orgs);
	if (v->clean_since != 0)
		v->ready_on = floor_day(v->clean_since) +
		    (int64_t)p->enforce_days * DIGEST_DAY;
	g_array_unref(days);
	g_hash_table_unref(orgs);

	if (dom->reports == 0 && dom->auth.excluded > 0) {
		v->verdict = VERDICT_UNAUTHENTICATED;
		unauthenticated_reason(why, &dom->auth);
	} else if (dom->reports == 0) {
		/* advice about a policy needs this period's evidence */
		v->verdict = VERDICT_NO_REPORTS;
		no_reports_reason(why, dom, mode);
	} else if (mode == NULL) {
		v->verdict = VERDICT_NO_STS;
		if (b->tlsa_seen && !b->sts)
			g_string_append(why,
			    "The reporters applied DANE only: no MTA-STS "
			    "policy was seen.");
		else if (b->sts)
			g_string_append(why,
			    "The reporters applied an MTA-STS policy but did "
			    "not echo its mode.");
		else
			g_string_append(why,
			    "No MTA-STS policy was seen (no-policy-found): "
			    "publish an _mta-sts TXT record and a policy in "
			    "mode testing to begin.");
	} else if (strcmp(mode, "enforce") == 0) {
		v->verdict = VERDICT_ENFORCED;
		enforced_reason(why, b, dom);
	} else if (strcmp(mode, "none") == 0) {
		v->verdict = VERDICT_NONE;
		g_string_append(why,
		    "The policy is in mode none: senders ignore it.  Publish "
		    "mode testing to start collecting evidence.");
	} else if (strcmp(mode, "testing") != 0) {
		v->verdict = VERDICT_NOT_READY;
		g_string_append(why,
		    "The reporters saw an unknown mode; the "
		    "policy needs mode testing or enforce.");
	} else if (v->clean_days >= p->enforce_days &&
	    v->clean_reporters >= p->enforce_reporters) {
		v->verdict = VERDICT_READY;
		d1 = digest_date(v->clean_since);
		g_string_append_printf(why,
		    "%u days of reports from %u reporters since %s show no "
		    "failure: set mode: enforce in the policy, change the id "
		    "of the _mta-sts record, and keep reading these reports.",
		    v->clean_days, v->clean_reporters, d1);
		g_free(d1);
		if (dom->auth.excluded > 0) {
			g_string_append(why, "  Not counted: ");
			plural(why, (int64_t)dom->auth.excluded,
			    "unauthenticated report",
			    "unauthenticated reports");
			if (dom->auth.excluded_failed > 0) {
				g_string_append(why, " with ");
				plural(why, dom->auth.excluded_failed,
				    "failed session", "failed sessions");
				g_string_append(why,
				    "; find out who sent them before you "
				    "switch.");
			} else
				g_string_append(why, " of this period.");
		}
	} else {
		v->verdict = VERDICT_NOT_READY;
		if (dom->failed > 0) {
			d2 = digest_date(v->ready_on);
			plural(why, dom->failed, "session", "sessions");
			g_string_append_printf(why,
			    " failed in this period: fix these failures "
			    "first.  Then %u clean days of reports from %u "
			    "reporters are needed: %s at the earliest.",
			    p->enforce_days, p->enforce_reporters, d2);
			g_free(d2);
			goto done;
		}
		if (last_fail != 0) {
			d1 = digest_date(last_fail - 1);
			g_string_append_printf(why,
			    "The last failure was on %s.  ", d1);
			g_free(d1);
		}
		if (v->clean_days < p->enforce_days) {
			d2 = digest_date(v->ready_on);
			g_string_append_printf(why,
			    "%u of the %u clean days of reports needed so "
			    "far; ready on %s at the earliest if nothing "
			    "fails.",
			    v->clean_days, p->enforce_days, d2);
			g_free(d2);
		}
		if (v->clean_reporters < p->enforce_reporters) {
			if (v->clean_days < p->enforce_days)
				g_string_append(why, "  ");
			g_string_append_printf(why,
			    "Only %u of the %u reporters needed sent clean "
			    "reports; wait for another large sender to "
			    "report.",
			    v->clean_reporters, p->enforce_reporters);
		}
	}
done:
	v->reason = g_string_free(why, FALSE);
}

/* Whether host matches an mx line of an MTA-STS policy (RFC 8461
   section 4.1: "*." stands for exactly one leftmost label). */
static int
mx_matches(const char *pattern, const char *host)
{
	const char *dot;

	if (g_ascii_strcasecmp(pattern, host) == 0)
		return 1;
	if (strncmp(pattern, "*.", 2) != 0 || (dot = strchr(host, '.')) == NULL)
		return 0;
	return g_ascii_strcasecmp(pattern + 2, dot + 1) == 0;
}

/* A failure at an MX that no mx line of the newest MTA-STS policy of the
   period matches (the MX changed during the period): say so, and when
   it was last reported, instead of leaving a fix for a host that may be
   gone.  NULL otherwise. */
static char *
retired_note(struct dbuild *b, const struct fbuild *fb)
{
	GHashTableIter it;
	gpointer k;
	char **mx, *list, *last, *note;

	if (fb->mx == NULL || b->newest_mx == NULL)
		return NULL;
	g_hash_table_iter_init(&it, b->newest_mx);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (mx_matches(k, fb->mx))
			return NULL;
	mx = set_steal(g_hash_table_ref(b->newest_mx));
	list = g_strjoinv(", ", mx);
	last = digest_date(fb->last_start);
	note = g_strdup_printf("%s is not in the newest MTA-STS policy of the "
			       "period (mx: %s); last reported failing on %s.  "
			       "If it was taken out of service, these failures "
			       "are over.",
	    fb->mx, list, last);
	g_strfreev(mx);
	g_free(list);
	g_free(last);
	return note;
}

/* The policies of e, a report before the period, when it is the newest
   one so far (the policy section and the verdict fall back on it when
   the period has no report). */
static void
hist_policy(struct dbuild *b, const struct digest_entry *e)
{
	const struct report *r = e->report;

	if (r == NULL || (b->hp_start != 0 && e->start < b->hp_start))
		return;
	b->hp_start = e->start;
	g_free(b->hp_org);
	b->hp_org = digest_clean(
	    e->organization != NULL ? e->organization : "(unnamed)", STR_CAP);
	g_free(b->hp_mode);
	b->hp_mode = NULL;
	b->hp_sts = b->hp_tlsa = b->hp_nopol = 0;
	if (b->hp_mx != NULL)
		g_hash_table_unref(b->hp_mx);
	if (b->hp_tlsa_set != NULL)
		g_hash_table_unref(b->hp_tlsa_set);
	b->hp_mx = set_new();
	b->hp_tlsa_set = set_new();
	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy *pol = &r->policies[i];

		if (strcmp(pol->policy_type, "sts") == 0) {
			const struct sts_parsed *sp =
			    sts_of(b, pol->policy_string);

			b->hp_sts = 1;
			set_add_all(b->hp_mx, sp->mx);
			if (sp->mode != NULL && b->hp_mode == NULL)
				b->hp_mode = g_strdup(sp->mode);
		} else if (strcmp(pol->policy_type, "tlsa") == 0) {
			b->hp_tlsa = 1;
			set_add_all(b->hp_tlsa_set,
			    tlsa_of(b, pol->policy_string));
		} else if (strcmp(pol->policy_type, "no-policy-found") == 0)
			b->hp_nopol = 1;
	}
}

/* The period has no policy fact: take those of the newest report before
   it, and say so (dom->policy_from). */
static void
policy_fallback(struct dbuild *b, struct digest_domain *dom)
{
	if (b->sts || b->tlsa_seen || b->nopol || b->hp_start == 0)
		return;
	dom->policy_from = b->hp_start;
	dom->policy_by = g_strdup(b->hp_org);
	dom->policy_mode = g_strdup(b->hp_mode);
	dom->sts_seen = b->hp_sts;
	dom->tlsa_seen = b->hp_tlsa;
	dom->no_policy_seen = b->hp_nopol;
	g_strfreev(dom->mx_patterns);
	dom->mx_patterns = set_steal(b->hp_mx);
	b->hp_mx = NULL;
	g_strfreev(dom->tlsa);
	dom->tlsa = set_steal(b->hp_tlsa_set);
	b->hp_tlsa_set = NULL;
}

static void
domain_finish(struct dbuild *b, struct digest_domain *dom,
    const struct digest_params *p, int64_t as_of)
{
	GHashTableIter it;
	gpointer k, v;
	size_t i, live = 0;

	dom->name = g_strdup(b->name);
	dom->name_ok = digest_hostname_ok(b->name);
	dom->reports = b->reports;
	dom->successful = b->ok;
	dom->failed = b->bad;
	dom->rate = rate_of(b->ok, b->bad);
	dom->level = level_of(b->ok, b->bad, p);
	dom->has_prev = b->has_prev;
	dom->seen_before = b->seen_before;
	dom->prev_successful = b->prev_ok;
	dom->prev_failed = b->prev_bad;
	dom->prev_rate = rate_of(b->prev_ok, b->prev_bad);
	dom->days = b->days;
	dom->n_days = b->n_days;
	b->days = NULL;
	dom->sts_seen = b->sts;
	dom->tlsa_seen = b->tlsa_seen;
	dom->no_policy_seen = b->nopol;

	/* types and categories */
	dom->types =
	    g_new0(struct digest_type, g_hash_table_size(b->types) + 1);
	i = 0;
	g_hash_table_iter_init(&it, b->types);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		dom->types[i].result_type = g_strdup(k);
		dom->types[i].advice = advice_lookup(k);
		dom->types[i].sessions = *(int64_t *)v;
		dom->category[dom->types[i].advice->category] =
		    ti_sat_add(dom->category[dom->types[i].advice->category],
			dom->types[i].sessions);
		i++;
	}
	dom->n_types = i;
	qsort(dom->types, i, sizeof(*dom->types), type_cmp);

	known_from_patterns(b);
	dom->mx_failed = counter_steal(b->mx_failed, 0, &dom->n_mx_failed);
	b->mx_failed = NULL;
	dom->known_mx = set_steal(b->known_mx);
	b->known_mx = NULL;
	if (dom->n_mx_failed == 1 && dom->known_mx[0] != NULL &&
	    dom->known_mx[1] != NULL)
		dom->only_mx = g_strdup(dom->mx_failed[0].name);

	/* failure groups */
	dom->failures =
	    g_new0(struct digest_failure, g_hash_table_size(b->fails) + 1);
	i = 0;
	g_hash_table_iter_init(&it, b->fails);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct fbuild *fb = v;
		struct digest_failure *f = &dom->failures[i++];
		GHashTableIter it2;
		gpointer k2, v2;
		int other = 0;

		f->result_type = g_strdup(fb->type);
		f->advice = advice_lookup(fb->type);
		f->mx = g_strdup(fb->mx);
		f->sessions = fb->sessions;
		f->receiving_ips =
		    counter_steal(fb->rip, LIST_CAP, &f->n_receiving_ips);
		f->sending_ips =
		    counter_steal(fb->sip, LIST_CAP, &f->n_sending_ips);
		f->reasons =
		    counter_steal(fb->reasons, LIST_CAP, &f->n_reasons);
		f->reporters = counter_steal(fb->reporters, 0, &f->n_reporters);
		fb->rip = fb->sip = fb->reasons = fb->reporters = NULL;
		/* does this type fail at another MX? */
		g_hash_table_iter_init(&it2, b->fails);
		while (g_hash_table_iter_next(&it2, &k2, &v2)) {
			struct fbuild *o = v2;

			if (o != fb && strcmp(o->type, fb->type) == 0)
				other = 1;
		}
		f->only_mx = fb->mx != NULL && !other &&
		    dom->known_mx[0] != NULL && dom->known_mx[1] != NULL;
		f->fix = advice_fix(f->advice, fb->mx, dom->name);
		f->last_reported = fb->last_start;
		f->note = retired_note(b, fb);
	}
	dom->n_failures = i;
	qsort(dom->failures, i, sizeof(*dom->failures), failure_cmp);

	/* reporters */
	dom->reporters =
	    g_new0(struct digest_reporter, g_hash_table_size(b->reporters) + 1);
	i = 0;
	g_hash_table_iter_init(&it, b->reporters);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		reporter_finish(v, &dom->reporters[i], p, as_of);
		dom->active_reporters += dom->reporters[i].reports > 0;
		dom->stopped += dom->reporters[i].silent != 0;
		/* one still reporting: the domain is not silent */
		if (dom->reporters[i].reports > 0 && !dom->reporters[i].silent)
			live++;
		i++;
	}
	dom->n_reporters = i;
	dom->silent = dom->stopped > 0 && live == 0;
	for (i = 0; i < dom->n_reporters; i++) {
		int64_t from = dom->reporters[i].due_from;

		for (size_t j = 0; from != 0 && j < dom->n_days; j++)
			if (dom->days[j].day >= floor_day(from) &&
			    !dom->days[j].open)
				dom->days[j].due = 1;
	}
	qsort(dom->reporters, i, sizeof(*dom->reporters), reporter_cmp);

	dom->modes = counter_steal(b->modes, 0, &dom->n_modes);
	b->modes = NULL;
	dom->mx_patterns = set_steal(b->mx_patterns);
	b->mx_patterns = NULL;
	dom->tlsa = set_steal(b->tlsa);
	b->tlsa = NULL;
	dom->auth = b->auth;
	dom->auth.excluded_reporters =
	    counter_steal(b->excluded_orgs, 0, &dom->auth.n_excluded_reporters);
	b->excluded_orgs = NULL;
	policy_fallback(b, dom);
	enforce_finish(b, dom, p);
}

static void
dbuild_free(gpointer p)
{
	struct dbuild *b = p;

	g_free(b->key);
	g_free(b->name);
	g_free(b->days);
	g_free(b->mode);
	g_hash_table_unref(b->types);
	g_hash_table_unref(b->fails);
	if (b->mx_failed != NULL)
		g_hash_table_unref(b->mx_failed);
	if (b->known_mx != NULL)
		g_hash_table_unref(b->known_mx);
	g_hash_table_unref(b->reporters);
	if (b->modes != NULL)
		g_hash_table_unref(b->modes);
	if (b->mx_patterns != NULL)
		g_hash_table_unref(b->mx_patterns);
	if (b->tlsa != NULL)
		g_hash_table_unref(b->tlsa);
	g_array_unref(b->hist);
	if (b->excluded_orgs != NULL)
		g_hash_table_unref(b->excluded_orgs);
	g_hash_table_unref(b->hosts);
	g_hash_table_unref(b->sts_seen);
	g_hash_table_unref(b->tlsa_parsed);
	g_free(b->hp_org);
	g_free(b->hp_mode);
	if (b->newest_mx != NULL)
		g_hash_table_unref(b->newest_mx);
	if (b->hp_mx != NULL)
		g_hash_table_unref(b->hp_mx);
	if (b->hp_tlsa_set != NULL)
		g_hash_table_unref(b->hp_tlsa_set);
	g_free(b);
}

/* The grouping key of a domain: lower case, no trailing dot. */
static char *
domain_key(const char *domain)
{
	char *k;
	size_t len;

	if (domain == NULL || *domain == '\0')
		return g_strdup("(no domain)");
	k = g_utf8_make_valid(domain, -1);
	len = strlen(k);
	if (len > 1 && k[len - 1] == '.')
		k[len - 1] = '\0';
	for (char *c = k; *c != '\0'; c++)
		*c = g_ascii_tolower(*c);
	return k;
}

int64_t
digest_history_start(const struct digest_params *p)
{
	int64_t back = (int64_t)DIGEST_HISTORY_DAYS * DIGEST_DAY;
	int64_t span = p->until - p->since;

	if (span > 0 && 2 * span > back)
		back = 2 * span;
	if ((int64_t)(p->enforce_days + 1) * DIGEST_DAY > back)
		back = (int64_t)(p->enforce_days + 1) * DIGEST_DAY;
	return p->since - back;
}

static int
domain_cmp(const void *a, const void *b)
{
	const struct digest_domain *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void
add_entry(struct dbuild *b, const struct digest_entry *e,
    const struct digest_params *p, int64_t prev_since, int64_t as_of)
{
	struct rbuild *rb = reporter_get(b, e);
	int64_t ok = e->successful > 0 ? e->successful : 0;
	int64_t bad = e->failed > 0 ? e->failed : 0;
	int64_t late, arrived;

	if (rb->contact == NULL && e->contact != NULL)
		rb->contact = digest_clean(e->contact, STR_CAP);
	if (e->start < as_of) {
		struct hentry h = { e->start, e->end, e->successful, e->failed,
			rb->org };
		int64_t day = floor_day(e->start) / DIGEST_DAY;

		g_array_append_val(b->hist, h);
		rb->history++;
		if (rb->first_start == 0 || e->start < rb->first_start)
			rb->first_start = e->start;
		if (e->start >= rb->last_start) {
			rb->last_start = e->start;
			rb->last_end = e->end;
		}
		g_array_append_val(rb->days, day);
		/* when the mail came, not when we read it (a backfill) */
		arrived = e->arrived != 0 ? e->arrived : e->received;
		late = arrived - end_excl(e->end);
		if (arrived > 0)
			g_array_append_val(rb->late, late);
	}
	if (e->start >= prev_since && e->start < p->since) {
		b->has_prev = 1;
		b->prev_ok = ti_sat_add(b->prev_ok, ok);
		b->prev_bad = ti_sat_add(b->prev_bad, bad);
	}
	if (e->start < p->since) {
		b->seen_before = 1;
		return;
	}
	b->reports++;
	b->ok = ti_sat_add(b->ok, ok);
	b->bad = ti_sat_add(b->bad, bad);
	rb->reports++;
	rb->ok = ti_sat_add(rb->ok, ok);
	rb->bad = ti_sat_add(rb->bad, bad);
	if (b->days != NULL) {
		size_t i = (size_t)((floor_day(e->start) - b->days[0].day) /
		    DIGEST_DAY);

		if (floor_day(e->start) >= b->days[0].day && i < b->n_days) {
			b->days[i].successful =
			    ti_sat_add(b->days[i].successful, ok);
			b->days[i].failed = ti_sat_add(b->days[i].failed, bad);
		}
	}
	if (e->report != NULL)
		add_report_detail(b, rb, e);
}

static char *
default_label(const struct digest_params *p)
{
	char *a = digest_date(p->since), *b = digest_date(p->until - 1), *s;

	if (p->until - p->since <= DIGEST_DAY &&
	    floor_day(p->since) == p->since)
		s = g_strdup(a);
	else
		s = g_strdup_printf("%s to %s", a, b);
	g_free(a);
	g_free(b);
	return s;
}

struct digest_builder {
	struct digest_params p;
	struct digest *d;
	GHashTable *doms; /* key -> struct dbuild */
	char *want; /* domain_key() of p.domain, or NULL */
	int64_t hist; /* digest_history_start() */
};

struct digest_builder *
digest_builder_new(const struct digest_params *p)
{
	struct digest_builder *b = g_new0(struct digest_builder, 1);
	struct digest *d = g_new0(struct digest, 1);

	b->p = *p;
	b->d = d;
	b->doms =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, dbuild_free);
	b->want = p->domain != NULL ? domain_key(p->domain) : NULL;
	b->hist = digest_history_start(p);
	d->since = p->since;
	d->until = p->until;
	d->as_of = p->now != 0 && p->now < p->until ? p->now : p->until;
	d->prev_since = p->since - (p->until - p->since);
	d->label = p->label != NULL ? g_strdup(p->label) : default_label(p);
	d->noise_threshold = p->noise_threshold;
	d->action_threshold = p->action_threshold;
	d->enforce_days = p->enforce_days;
	d->enforce_reporters = p->enforce_reporters;
	d->count_unauthenticated = p->count_unauthenticated;
	d->count_https = p->count_https;
	return b;
}

static int
source_https(const char *source)
{
	return source != NULL && strcmp(source, "https") == 0;
}

int
digest_counts(const struct digest_params *p, const struct ti_auth *auth,
    const char *source)
{
	return digest_counted(p, auth_passed(auth), source_https(source));
}

int
digest_counted(const struct digest_params *p, int authenticated, int https)
{
	return authenticated || p->count_unauthenticated ||
	    (p->count_https && https);
}

/* Who vouched for e: passed (DKIM here or our MTA's
   Authentication-Results), nobody since it was posted over HTTPS, never
   checked, or checked and failed. */
enum auth_kind { AK_DKIM, AK_AR, AK_HTTPS, AK_UNCHECKED, AK_FAILED };

static enum auth_kind
auth_kind(const struct ti_auth *a, const char *source)
{
	if (auth_passed(a))
		return a->method != NULL && strcmp(a->method, AUTH_AR) == 0
		    ? AK_AR
		    : AK_DKIM;
	if (source_https(source))
		return AK_HTTPS;
	if (a == NULL || a->method == NULL || a->result == NULL ||
	    strcmp(a->method, AUTH_NONE) == 0)
		return AK_UNCHECKED;
	return AK_FAILED;
}

/* Tally a period entry by who vouched for it; an excluded one's
   sessions and organization too. */
static void
auth_add(struct dbuild *db, const struct digest_entry *e, enum auth_kind k,
    int counted)
{
	struct digest_auth *a = &db->auth;

	switch (k) {
	case AK_DKIM:
		a->dkim++;
		break;
	case AK_AR:
		a->ar++;
		break;
	case AK_HTTPS:
		a->https++;
		break;
	case AK_UNCHECKED:
		a->unchecked++;
		break;
	case AK_FAILED:
		a->failed++;
		break;
	}
	if (counted)
		return;
	a->excluded++;
	a->excluded_successful = ti_sat_add(a->excluded_successful,
	    e->successful > 0 ? e->successful : 0);
	a->excluded_failed =
	    ti_sat_add(a->excluded_failed, e->failed > 0 ? e->failed : 0);
	counter_add(db->excluded_orgs,
	    e->organization != NULL ? e->organization : "(unnamed)", 1);
}

void
digest_builder_add(struct digest_builder *b, const struct digest_entry *e)
{
	struct dbuild *db;
	char *key;
	enum auth_kind k = auth_kind(e->auth, e->source);
	int counted = digest_counts(&b->p, e->auth, e->source);

	if (e->start < b->hist || e->start >= b->p.until)
		return;
	if (!counted && e->start < b->p.since)
		return; /* moves nothing, and is no news */
	key = domain_key(e->domain);
	if (b->want != NULL && strcmp(key, b->want) != 0) {
		g_free(key);
		return;
	}
	if ((db = g_hash_table_lookup(b->doms, key)) == NULL) {
		db = dbuild_new(key, &b->p, b->d->as_of);
		g_hash_table_insert(b->doms, db->key, db);
	}
	g_free(key);
	if (e->start >= b->p.since)
		auth_add(db, e, k, counted);
	if (!counted)
		return;
	if (e->start < b->p.since)
		hist_policy(db, e);
	add_entry(db, e, &b->p, b->d->prev_since, b->d->as_of);
	if (e->start >= b->p.since)
		b->d->reports++;
}

void
digest_builder_policy(struct digest_builder *b, const struct digest_entry *e)
{
	struct dbuild *db;
	char *key;

	if (e->start < b->hist || e->start >= b->p.since ||
	    !digest_counts(&b->p, e->auth, e->source))
		return;
	key = domain_key(e->domain);
	db = g_hash_table_lookup(b->doms, key);
	g_free(key);
	if (db != NULL) /* else digest_builder_add() never made it */
		hist_policy(db, e);
}

void
digest_builder_free(struct digest_builder *b)
{
	if (b == NULL)
		return;
	digest_free(b->d);
	g_hash_table_unref(b->doms);
	g_free(b->want);
	g_free(b);
}

/* Add a domain's tally to the digest's (reporters are per domain). */
static void
auth_sum(struct digest_auth *t, const struct digest_auth *a)
{
	t->dkim += a->dkim;
	t->ar += a->ar;
	t->https += a->https;
	t->unchecked += a->unchecked;
	t->failed += a->failed;
	t->excluded += a->excluded;
	t->excluded_successful =
	    ti_sat_add(t->excluded_successful, a->excluded_successful);
	t->excluded_failed = ti_sat_add(t->excluded_failed, a->excluded_failed);
}

/* The rank of a domain's status in the overview: what needs action
   first, then silence (an alarm whatever the rate), then the rest. */
static int
attention_rank(const struct digest_domain *dom)
{
	static const char *const ranks[] = { "action", "watch", "silent",
		"stopped", "unauthenticated", "noise", "quiet", "clean" };
	const char *st = digest_domain_status(dom);

	for (size_t i = 0; i < nitems(ranks); i++)
		if (strcmp(st, ranks[i]) == 0)
			return (int)i;
	return (int)nitems(ranks);
}

int
digest_attention_cmp(const struct digest_domain *a,
    const struct digest_domain *b)
{
	int ra = attention_rank(a), rb = attention_rank(b);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	if (a->failed != b->failed)
		return a->failed > b->failed ? -1 : 1;
	if (a->successful + a->failed != b->successful + b->failed)
		return a->successful + a->failed > b->successful + b->failed
		    ? -1
		    : 1;
	return strcmp(a->name, b->name);
}

static int
order_cmp(const void *x, const void *y)
{
	return digest_attention_cmp(*(const struct digest_domain *const *)x,
	    *(const struct digest_domain *const *)y);
}

/* The overview's cut (struct digest, order and n_detail): when more
   domains than p->detail_domains, the worst that many get detail. */
static void
detail_cut(struct digest *d, const struct digest_params *p)
{
	const struct digest_domain **by;

	d->order = g_new(size_t, d->n_domains + 1);
	for (size_t i = 0; i < d->n_domains; i++)
		d->order[i] = i;
	d->n_detail = d->n_domains;
	if (p->domain != NULL || p->detail_domains < 0 ||
	    d->n_domains <= (size_t)p->detail_domains)
		return;
	by = g_new(const struct digest_domain *, d->n_domains + 1);
	for (size_t i = 0; i < d->n_domains; i++)
		by[i] = &d->domains[i];
	qsort(by, d->n_domains, sizeof(*by), order_cmp);
	for (size_t i = 0; i < d->n_domains; i++)
		d->order[i] = (size_t)(by[i] - d->domains);
	g_free(by);
	d->n_detail = (size_t)p->detail_domains;
}

struct digest *
digest_builder_finish(struct digest_builder *b)
{
	struct digest *d = b->d;
	GHashTableIter it;
	gpointer v;
	size_t i = 0;

	d->domains =
	    g_new0(struct digest_domain, g_hash_table_size(b->doms) + 1);
	g_hash_table_iter_init(&it, b->doms);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct dbuild *db = v;

		/* a domain only in the history shows when reporters of it
		   fell silent; one with nothing at all is left out */
		domain_finish(db, &d->domains[i], &b->p, d->as_of);
		d->successful =
		    ti_sat_add(d->successful, d->domains[i].successful);
		d->failed = ti_sat_add(d->failed, d->domains[i].failed);
		auth_sum(&d->auth, &d->domains[i].auth);
		if (d->domains[i].level > d->level)
			d->level = d->domains[i].level;
		i++;
	}
	d->n_domains = i;
	qsort(d->domains, i, sizeof(*d->domains), domain_cmp);
	d->rate = rate_of(d->successful, d->failed);
	detail_cut(d, &b->p);
	b->d = NULL;
	digest_builder_free(b);
	return d;
}

struct digest *
digest_build(const struct digest_entry *entries, size_t n,
    const struct digest_params *p)
{
	struct digest_builder *b = digest_builder_new(p);

	for (size_t i = 0; i < n; i++)
		digest_builder_add(b, &entries[i]);
	return digest_builder_finish(b);
}

static void
counts_free(struct digest_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_free(c[i].name);
	g_free(c);
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n_domains; i++) {
		struct digest_domain *dom = &d->domains[i];

		g_free(dom->name);
		g_free(dom->days);
		for (size_t j = 0; j < dom->n_types; j++)
			g_free(dom->types[j].result_type);
		g_free(dom->types);
		for (size_t j = 0; j < dom->n_failures; j++) {
			struct digest_failure *f = &dom->failures[j];

			g_free(f->result_type);
			g_free(f->mx);
			g_free(f->fix);
			g_free(f->note);
			counts_free(f->receiving_ips, f->n_receiving_ips);
			counts_free(f->sending_ips, f->n_sending_ips);
			counts_free(f->reasons, f->n_reasons);
			counts_free(f->reporters, f->n_reporters);
		}
		g_free(dom->failures);
		counts_free(dom->mx_failed, dom->n_mx_failed);
		g_free(dom->only_mx);
		g_strfreev(dom->known_mx);
		for (size_t j = 0; j < dom->n_reporters; j++) {
			g_free(dom->reporters[j].organization);
			g_free(dom->reporters[j].contact);
			g_free(dom->reporters[j].mode);
		}
		g_free(dom->reporters);
		counts_free(dom->modes, dom->n_modes);
		g_strfreev(dom->mx_patterns);
		g_strfreev(dom->tlsa);
		counts_free(dom->auth.excluded_reporters,
		    dom->auth.n_excluded_reporters);
		g_free(dom->enforce.reason);
		digest_check_free(dom->check);
		g_free(dom->policy_by);
		g_free(dom->policy_mode);
	}
	g_free(d->domains);
	g_free(d->order);
	g_free(d->label);
	g_free(d);
}

char *
digest_domain_key(const char *domain)
{
	return domain_key(domain);
}
