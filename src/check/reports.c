/*
 * reports.c: tlsrpt check --reports: the reports stored for a domain in
 * the last days held against what the check found live (R1, R2, R4).
 * Reports say what senders saw; the check says what is published now;
 * the two together say why.
 *
 * Design rationale:
 * - R1: the policy senders report (mode and mx lines of policy-string,
 *   compared as sets, "\r" stripped) against the live policy: senders
 *   cache a policy up to max_age, and refetch it only when the
 *   _mta-sts id changes, so an old policy in recent reports means
 *   either "wait" or "the file changed without a new id".
 * - R2: MX hosts that failure details name (receiving-mx-hostname) and
 *   that no live mx line covers.
 * - R4: DANE failures in reports (tlsa-invalid, dane-required) beside
 *   the live D4 finding: the classic rollover failure, confirmed.
 * - With the check history (tlsrpt digest keeps one in the store): R1
 *   also when the policy text changed under the same id (reports never
 *   carry the id, so only our own record of (id, sha256) can tell), and
 *   R3: the failures at an MX began between the last run that saw its
 *   old key and the first that saw the new one.  A digest that runs
 *   weekly sees a change up to a week late, so the window is the span
 *   between the two runs, not the day of the run.
 * - Only reads the store (opened read-only by cmd-check.c); a report
 *   that no longer decodes is skipped.
 */
#include <string.h>
#include <time.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "store/store.h"
#include "check/check.h"

struct acc {
	const struct check_state *st;
	const struct ti_limits *limits;
	size_t old_policy; /* reports whose sts policy is not the live one */
	int64_t old_end;
	char *old_org;
	char *old_mode;
	GHashTable *uncovered; /* MX host -> failed sessions */
	GHashTable *first_fail; /* MX host -> int64_t *: first failing
				   report's start */
	int64_t dane_failed;
	size_t n;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The mode and the sorted mx lines of a policy-string, as one key. */
static char *
policy_key(char *const *lines, char **mode)
{
	GPtrArray *mx = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);

	*mode = NULL;
	for (size_t i = 0; lines != NULL && lines[i] != NULL; i++) {
		char *l = g_strdup(lines[i]), *c;

		g_strdelimit(l, "\r", ' ');
		g_strstrip(l);
		if ((c = strchr(l, ':')) != NULL) {
			*c = '\0';
			g_strstrip(c + 1);
			if (strcmp(l, "mode") == 0 && *mode == NULL)
				*mode = g_strdup(c + 1);
			else if (strcmp(l, "mx") == 0)
				g_ptr_array_add(mx, g_ascii_strdown(c + 1, -1));
		}
		g_free(l);
	}
	g_ptr_array_sort(mx, cmp_str);
	g_string_append_printf(s, "mode=%s", *mode != NULL ? *mode : "");
	for (size_t i = 0; i < mx->len; i++)
		g_string_append_printf(s, " mx=%s",
		    (const char *)g_ptr_array_index(mx, i));
	g_ptr_array_free(mx, TRUE);
	return g_string_free(s, FALSE);
}

static char *
live_key(const struct sts_policy *p)
{
	GString *s = g_string_new(NULL);
	char **mx = g_strdupv(p->mx);

	qsort(mx, p->n_mx, sizeof(char *), cmp_str);
	g_string_append_printf(s, "mode=%s", sts_mode_name(p->mode));
	for (size_t i = 0; i < p->n_mx; i++)
		g_string_append_printf(s, " mx=%s", mx[i]);
	g_strfreev(mx);
	return g_string_free(s, FALSE);
}

static int
one(const struct stored_report *sr, void *arg)
{
	struct acc *a = arg;
	const struct check_state *st = a->st;
	struct report *rep = NULL;
	struct ti_err err = { 0 };
	char *live = st->have_policy ? live_key(&st->policy) : NULL;

	if (report_decode_stored((const unsigned char *)sr->json, sr->json_len,
		a->limits, &rep, &err) < 0) {
		g_free(live);
		return 0;
	}
	a->n++;
	for (size_t i = 0; i < rep->n_policies; i++) {
		const struct policy *p = &rep->policies[i];

		if (p->policy_domain == NULL ||
		    g_ascii_strcasecmp(p->policy_domain, st->domain) != 0)
			continue;
		if (strcmp(p->policy_type, "sts") == 0 && live != NULL &&
		    p->policy_string != NULL) {
			char *mode, *key = policy_key(p->policy_string, &mode);

			if (strcmp(key, live) != 0) {
				a->old_policy++;
				if (rep->end >= a->old_end) {
					a->old_end = rep->end;
					g_free(a->old_org);
					a->old_org =
					    g_strdup(rep->organization_name);
					g_free(a->old_mode);
					a->old_mode = g_strdup(
					    mode != NULL ? mode : "none given");
				}
			}
			g_free(mode);
			g_free(key);
		}
		for (size_t k = 0; k < p->n_failures; k++) {
			const struct failure *f = &p->failures[k];

			if (f->receiving_mx_hostname != NULL) {
				char *h =
				    check_host_norm(f->receiving_mx_hostname);
				int64_t *t =
				    g_hash_table_lookup(a->first_fail, h);

				if (t == NULL) {
					t = g_new(int64_t, 1);
					*t = rep->start;
					g_hash_table_replace(a->first_fail, h,
					    t);
				} else {
					if (rep->start < *t)
						*t = rep->start;
					g_free(h);
				}
			}
			if (strcmp(f->result_type, "tlsa-invalid") == 0 ||
			    strcmp(f->result_type, "dane-required") == 0)
				a->dane_failed += f->failed_session_count;
			if (st->have_policy &&
			    f->receiving_mx_hostname != NULL) {
				char *h =
				    check_host_norm(f->receiving_mx_hostname);
				size_t j;

				for (j = 0; j < st->policy.n_mx; j++)
					if (check_mx_match(st->policy.mx[j], h))
						break;
				if (j == st->policy.n_mx) {
					gpointer v = g_hash_table_lookup(
					    a->uncovered, h);

					g_hash_table_replace(a->uncovered, h,
					    GSIZE_TO_POINTER(
						GPOINTER_TO_SIZE(v) +
						(size_t)
						    f->failed_session_count));
				} else {
					g_free(h);
				}
			}
		}
	}
	report_free(rep);
	g_free(live);
	return 0;
}

int
check_reports(struct check_result *r, const struct check_state *st,
    const struct check_opts *o)
{
	struct store_query q = { 0 };
	struct acc a = { 0 };
	struct ti_err err = { 0 };
	GHashTableIter it;
	gpointer k, v;

	a.st = st;
	a.limits = o->limits;
	a.uncovered =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	a.first_fail =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	q.domain = st->domain;
	q.since = o->reports_since;
	q.until = INT64_MAX;
	if (store_each_report(o->store, &q, one, &a, &err) < 0) {
		check_incomplete(r, "reports: %s", err.msg);
		goto out;
	}
	if (a.old_policy > 0) {
		char day[32];
		time_t t = (time_t)a.old_end;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		check_add(r, "R1", CHECK_WARNING,
		    "wait up to the old max_age; if the policy file changed, "
		    "give the _mta-sts record a new id so that senders "
		    "refetch it",
		    "%zu stored report%s since the start of the check window "
		    "name another policy than the live one (latest: %s, %s, "
		    "mode %s; live: mode %s)",
		    a.old_policy, a.old_policy == 1 ? "" : "s", a.old_org, day,
		    a.old_mode, sts_mode_name(st->policy.mode));
	}
	g_hash_table_iter_init(&it, a.uncovered);
	while (g_hash_table_iter_next(&it, &k, &v))
		check_add(r, "R2", CHECK_WARNING,
		    "add an mx line for it (then a new id), or stop using the "
		    "host",
		    "reports name MX %s (%zu failed sessions) that the live "
		    "policy's mx lines do not cover",
		    (const char *)k, GPOINTER_TO_SIZE(v));
	if (a.dane_failed > 0)
		check_add(r, "R4",
		    check_has(r, "D4") ? CHECK_ERROR : CHECK_INFO,
		    check_has(r, "D4")
			? "publish a TLSA record for the served key (see D4)"
			: NULL,
		    "reports count %lld sessions that failed DANE "
		    "(tlsa-invalid, dane-required)%s",
		    (long long)a.dane_failed,
		    check_has(r, "D4")
			? ": the live TLSA records match no served key (D4)"
			: "; the live check finds no DANE failure now");
	if (o->history != NULL)
		check_history_findings(r, o->history, o->n_history, o->now,
		    a.first_fail);
out:
	g_hash_table_destroy(a.uncovered);
	g_hash_table_destroy(a.first_fail);
	g_free(a.old_org);
	g_free(a.old_mode);
	return 0;
}

/* ---- the check history ---------------------------------------------- */

static char *
day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	return g_strdup(buf);
}

/* The value of r's fact (kind, key), or NULL. */
static const char *
seen_now(const struct check_result *r, const char *kind, const char *key)
{
	for (size_t i = 0; i < r->seen->len; i++) {
		const struct check_seen *s = g_ptr_array_index(r->seen, i);

		if (strcmp(s->kind, kind) == 0 &&
		    (key == NULL || strcmp(s->key, key) == 0))
			return s->value;
	}
	return NULL;
}

/* R1: the newest earlier policy row with this run's id, and another
   text. */
static void
policy_changed(struct check_result *r, const struct store_seen *rows, size_t n)
{
	const struct check_seen *cur = NULL;
	const struct store_seen *old = NULL;

	for (size_t i = 0; i < r->seen->len && cur == NULL; i++) {
		const struct check_seen *s = g_ptr_array_index(r->seen, i);

		if (strcmp(s->kind, "policy") == 0)
			cur = s;
	}
	if (cur == NULL || *cur->key == '\0')
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].kind, "policy") == 0 &&
		    strcmp(rows[i].key, cur->key) == 0)
			old = &rows[i];
	if (old != NULL && strcmp(old->value, cur->value) != 0) {
		char *d = day(old->at);

		check_add(r, "R1", CHECK_ERROR,
		    "give the _mta-sts record a new id, so that senders "
		    "refetch the policy",
		    "the policy text changed since %s, but the _mta-sts id "
		    "did not (id=%s): senders that cached the old policy keep "
		    "it until max_age runs out",
		    d, cur->key);
		g_free(d);
	}
}

void
check_history_findings(struct check_result *r, const struct store_seen *rows,
    size_t n, int64_t now, GHashTable *first_fail)
{
	GHashTable *keys = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k;

	policy_changed(r, rows, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].kind, "spki") == 0)
			g_hash_table_add(keys, (gpointer)rows[i].key);
	for (size_t i = 0; i < r->seen->len; i++) {
		const struct check_seen *s = g_ptr_array_index(r->seen, i);

		if (strcmp(s->kind, "spki") == 0)
			g_hash_table_add(keys, s->key);
	}
	g_hash_table_iter_init(&it, keys);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		const char *key = k, *prev = NULL, *cur = NULL, *sp;
		int64_t old_at = 0, new_at = 0, last_at = 0, *ff;
		char *host, *d1, *d2, *df;

		/* the last change of value: (old_at, new_at] */
		for (size_t i = 0; i < n; i++) {
			if (strcmp(rows[i].kind, "spki") != 0 ||
			    strcmp(rows[i].key, key) != 0)
				continue;
			if (cur != NULL && strcmp(cur, rows[i].value) != 0) {
				prev = cur;
				old_at = last_at;
				new_at = rows[i].at;
			}
			cur = rows[i].value;
			last_at = rows[i].at;
		}
		if ((sp = seen_now(r, "spki", key)) != NULL && cur != NULL &&
		    strcmp(cur, sp) != 0) {
			prev = cur;
			old_at = last_at;
			new_at = now;
			cur = sp;
		}
		if (prev == NULL)
			continue;
		host = g_strndup(key, strcspn(key, " "));
		ff = first_fail != NULL ? g_hash_table_lookup(first_fail, host)
					: NULL;
		/* the day of the first failure, from the day of the last
		   run with the old key to the day of the first with the
		   new one */
		if (ff != NULL && *ff / 86400 >= old_at / 86400 &&
		    *ff / 86400 <= new_at / 86400) {
			d1 = day(old_at);
			d2 = day(new_at);
			df = day(*ff);
			check_add(r, "R3", CHECK_ERROR,
			    "check the new certificate: its names (the MX "
			    "host in its SAN), its chain, and TLSA records "
			    "for the new key",
			    "failures at %s began on %s, when its key "
			    "changed (%s: SPKI sha256 %.16s... until %s, "
			    "%.16s... since %s)",
			    host, df, key, prev, d1, cur, d2);
			g_free(d1);
			g_free(d2);
			g_free(df);
		}
		g_free(host);
	}
	g_hash_table_destroy(keys);
}
