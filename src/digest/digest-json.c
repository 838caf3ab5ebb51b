/*
 * digest-json.c: the digest model as one JSON object, for scripts and
 * for the facts an alert command reads on its standard input.
 *
 * Design rationale: member names follow RFC 8460's style (lower case,
 * hyphens); counts are exact integers (raw text, not cJSON's doubles);
 * rates are per cent rounded to two decimals; times are RFC 3339 UTC.
 * "authentication" says who vouched for the reports of the period; the
 * figures beside it hold only those counted (RFC 8460 §3).  Every
 * domain is here in full, by name, even when the overview's text and
 * HTML give detail only for the worst ([digest] detail-domains): a
 * script wants it all, and reads the cut from "detail-domains" and
 * "attention" (the table's order), present only then.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"
#include "digest/digest.h"

static void
add_int(cJSON *o, const char *key, int64_t n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)n);
	cJSON_AddRawToObject(o, key, buf);
}

static void
add_rate(cJSON *o, const char *key, double r)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_ascii_formatd(buf, sizeof(buf), "%.2f", r);
	cJSON_AddRawToObject(o, key, buf);
}

static void
add_str(cJSON *o, const char *key, const char *s)
{
	if (s == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, s);
}

static void
add_time(cJSON *o, const char *key, int64_t t)
{
	GDateTime *dt;
	char *s;

	if (t == 0 || (dt = g_date_time_new_from_unix_utc(t)) == NULL) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	add_str(o, key, s);
	g_free(s);
}

static void
add_date(cJSON *o, const char *key, int64_t t)
{
	char *s;

	if (t == 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	s = digest_date(t);
	add_str(o, key, s);
	g_free(s);
}

static cJSON *
counts(const struct digest_count *c, size_t n, const char *name)
{
	cJSON *a = cJSON_CreateArray(), *o;

	for (size_t i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		add_str(o, name, c[i].name);
		add_int(o, "sessions", c[i].sessions);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *
strv(char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; v != NULL && *v != NULL; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

static cJSON *
failure_json(const struct digest_failure *f)
{
	cJSON *o = cJSON_CreateObject();

	add_str(o, "result-type", f->result_type);
	add_str(o, "category", advice_category_key(f->advice->category));
	add_str(o, "severity", advice_severity_name(f->advice->severity));
	cJSON_AddBoolToObject(o, "known-type",
	    f->advice->category != ADVICE_OTHER);
	add_str(o, "mx", f->mx);
	cJSON_AddBoolToObject(o, "only-this-mx", f->only_mx);
	add_int(o, "sessions", f->sessions);
	cJSON_AddItemToObject(o, "receiving-ips",
	    counts(f->receiving_ips, f->n_receiving_ips, "ip"));
	cJSON_AddItemToObject(o, "sending-mta-ips",
	    counts(f->sending_ips, f->n_sending_ips, "ip"));
	cJSON_AddItemToObject(o, "failure-reason-codes",
	    counts(f->reasons, f->n_reasons, "code"));
	cJSON_AddItemToObject(o, "reporters",
	    counts(f->reporters, f->n_reporters, "organization"));
	add_str(o, "meaning", f->advice->meaning);
	add_str(o, "fix", f->fix);
	add_date(o, "last-reported", f->last_reported);
	add_str(o, "note", f->note);
	return o;
}

static cJSON *
reporter_json(const struct digest_reporter *r)
{
	cJSON *o = cJSON_CreateObject();

	add_str(o, "organization", r->organization);
	add_str(o, "contact", r->contact);
	add_int(o, "reports", (int64_t)r->reports);
	add_int(o, "successful", r->successful);
	add_int(o, "failed", r->failed);
	add_int(o, "history-reports", (int64_t)r->history_reports);
	add_date(o, "first-report", r->first_start);
	add_date(o, "last-report", r->last_start);
	if (r->cadence > 0) {
		add_int(o, "cadence-days", r->cadence / DIGEST_DAY);
		add_int(o, "lateness-days", r->lateness / DIGEST_DAY);
		add_date(o, "overdue-from", r->overdue_at);
	} else {
		cJSON_AddNullToObject(o, "cadence-days");
		cJSON_AddNullToObject(o, "lateness-days");
		cJSON_AddNullToObject(o, "overdue-from");
	}
	cJSON_AddBoolToObject(o, "silent", r->silent);
	add_date(o, "reports-due-from", r->due_from);
	add_str(o, "mode", r->mode);
	return o;
}

/* Who vouched for the reports: counts by kind ("https": posted over
   HTTPS, authenticated by nobody), and the excluded ones' figures (their
   reporters when per domain). */
static cJSON *
auth_json(const struct digest *d, const struct digest_auth *a, int per_domain)
{
	cJSON *o = cJSON_CreateObject(), *x;

	add_int(o, "reports",
	    (int64_t)(a->dkim + a->ar + a->https + a->unchecked + a->failed));
	add_int(o, "dkim", (int64_t)a->dkim);
	add_int(o, "authentication-results", (int64_t)a->ar);
	add_int(o, "https", (int64_t)a->https);
	add_int(o, "unchecked", (int64_t)a->unchecked);
	add_int(o, "failed", (int64_t)a->failed);
	cJSON_AddBoolToObject(o, "unauthenticated-counted",
	    d->count_unauthenticated);
	cJSON_AddBoolToObject(o, "https-counted",
	    d->count_https || d->count_unauthenticated);
	x = cJSON_AddObjectToObject(o, "not-counted");
	add_int(x, "reports", (int64_t)a->excluded);
	add_int(x, "successful", a->excluded_successful);
	add_int(x, "failed", a->excluded_failed);
	if (per_domain) {
		cJSON *arr = cJSON_AddArrayToObject(x, "reporters"), *r;

		for (size_t i = 0; i < a->n_excluded_reporters; i++) {
			r = cJSON_CreateObject();
			add_str(r, "organization",
			    a->excluded_reporters[i].name);
			add_int(r, "reports",
			    a->excluded_reporters[i].sessions);
			cJSON_AddItemToArray(arr, r);
		}
	}
	return o;
}

static cJSON *
domain_json(const struct digest *d, const struct digest_domain *dom)
{
	static const enum advice_category cats[] = { ADVICE_NEGOTIATION,
		ADVICE_CERTIFICATE, ADVICE_STS, ADVICE_DANE, ADVICE_OTHER };
	cJSON *o = cJSON_CreateObject(), *a, *x;

	add_str(o, "domain", dom->name);
	add_int(o, "reports", (int64_t)dom->reports);
	add_int(o, "successful", dom->successful);
	add_int(o, "failed", dom->failed);
	if (dom->successful + dom->failed > 0)
		add_rate(o, "failure-rate", dom->rate);
	else /* no session: no rate, not 0.00 */
		cJSON_AddNullToObject(o, "failure-rate");
	add_str(o, "status", digest_domain_status(dom));
	cJSON_AddBoolToObject(o, "seen-before", dom->seen_before);
	cJSON_AddItemToObject(o, "authentication", auth_json(d, &dom->auth, 1));
	if (dom->has_prev) {
		x = cJSON_CreateObject();
		add_int(x, "successful", dom->prev_successful);
		add_int(x, "failed", dom->prev_failed);
		add_rate(x, "failure-rate", dom->prev_rate);
		add_rate(x, "change-points", dom->rate - dom->prev_rate);
		cJSON_AddItemToObject(o, "previous", x);
	} else
		cJSON_AddNullToObject(o, "previous");

	a = cJSON_AddArrayToObject(o, "days");
	for (size_t i = 0; i < dom->n_days; i++) {
		x = cJSON_CreateObject();
		add_date(x, "date", dom->days[i].day);
		add_int(x, "successful", dom->days[i].successful);
		add_int(x, "failed", dom->days[i].failed);
		cJSON_AddBoolToObject(x, "partial", dom->days[i].partial);
		cJSON_AddBoolToObject(x, "over", !dom->days[i].open);
		cJSON_AddBoolToObject(x, "reports-due", dom->days[i].due);
		cJSON_AddItemToArray(a, x);
	}
	x = cJSON_AddObjectToObject(o, "categories");
	for (size_t i = 0; i < nitems(cats); i++)
		add_int(x, advice_category_key(cats[i]),
		    dom->category[cats[i]]);
	a = cJSON_AddArrayToObject(o, "result-types");
	for (size_t i = 0; i < dom->n_types; i++) {
		x = cJSON_CreateObject();
		add_str(x, "result-type", dom->types[i].result_type);
		add_str(x, "category",
		    advice_category_key(dom->types[i].advice->category));
		add_str(x, "severity",
		    advice_severity_name(dom->types[i].advice->severity));
		add_int(x, "sessions", dom->types[i].sessions);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "failures");
	for (size_t i = 0; i < dom->n_failures; i++)
		cJSON_AddItemToArray(a, failure_json(&dom->failures[i]));
	cJSON_AddItemToObject(o, "failed-by-mx",
	    counts(dom->mx_failed, dom->n_mx_failed, "mx"));
	add_str(o, "only-mx", dom->only_mx);
	cJSON_AddItemToObject(o, "known-mx", strv(dom->known_mx));
	a = cJSON_AddArrayToObject(o, "reporters");
	for (size_t i = 0; i < dom->n_reporters; i++)
		cJSON_AddItemToArray(a, reporter_json(&dom->reporters[i]));
	/* who stopped and since when, apart, whatever the status says */
	cJSON_AddBoolToObject(o, "silent", dom->silent);
	a = cJSON_AddArrayToObject(o, "stopped-reporters");
	for (size_t i = 0; i < dom->n_reporters; i++) {
		const struct digest_reporter *r = &dom->reporters[i];

		if (!r->silent)
			continue;
		x = cJSON_CreateObject();
		add_str(x, "organization", r->organization);
		add_date(x, "last-report", r->last_start);
		add_date(x, "overdue-from", r->overdue_at);
		cJSON_AddItemToArray(a, x);
	}

	x = cJSON_AddObjectToObject(o, "mta-sts");
	cJSON_AddBoolToObject(x, "seen", dom->sts_seen);
	cJSON_AddItemToObject(x, "modes",
	    counts(dom->modes, dom->n_modes, "mode"));
	cJSON_AddItemToObject(x, "mx", strv(dom->mx_patterns));
	/* no report in the period: the newest known, and whence */
	add_str(x, "newest-known-mode", dom->policy_mode);
	x = cJSON_AddObjectToObject(o, "dane");
	cJSON_AddBoolToObject(x, "seen", dom->tlsa_seen);
	cJSON_AddItemToObject(x, "tlsa", strv(dom->tlsa));
	cJSON_AddBoolToObject(o, "no-policy-found", dom->no_policy_seen);
	x = cJSON_AddObjectToObject(o, "policy-source");
	add_date(x, "report-of", dom->policy_from);
	add_str(x, "reporter", dom->policy_by);

	if (dom->check != NULL) {
		const struct digest_check *c = dom->check;
		cJSON *fa;

		x = cJSON_AddObjectToObject(o, "published-now");
		add_time(x, "checked-at", c->checked_at);
		add_str(x, "verdict", c->verdict);
		add_str(x, "incomplete", c->incomplete);
		add_int(x, "errors", (int64_t)c->errors);
		add_int(x, "warnings", (int64_t)c->warnings);
		fa = cJSON_AddArrayToObject(x, "findings");
		for (size_t i = 0; i < c->n_findings; i++) {
			cJSON *f = cJSON_CreateObject();

			add_str(f, "id", c->findings[i].id);
			add_str(f, "severity", c->findings[i].severity);
			add_str(f, "message", c->findings[i].message);
			add_str(f, "fix", c->findings[i].fix);
			cJSON_AddItemToArray(fa, f);
		}
		add_str(x, "note", c->note);
	}
	x = cJSON_AddObjectToObject(o, "enforce");
	add_str(x, "verdict", digest_verdict_name(dom->enforce.verdict));
	add_date(x, "last-failure",
	    dom->enforce.last_failure != 0 ? dom->enforce.last_failure - 1 : 0);
	add_date(x, "clean-since", dom->enforce.clean_since);
	add_int(x, "clean-days", dom->enforce.clean_days);
	add_int(x, "clean-reporters", dom->enforce.clean_reporters);
	add_date(x, "ready-on",
	    dom->enforce.verdict == VERDICT_NOT_READY ? dom->enforce.ready_on
						      : 0);
	add_str(x, "reason", dom->enforce.reason);
	return o;
}

char *
digest_json(const struct digest *d)
{
	cJSON *root = cJSON_CreateObject(), *x, *a;
	char *text, *out;

	add_str(root, "label", d->label);
	add_time(root, "since", d->since);
	add_time(root, "until", d->until);
	add_time(root, "as-of", d->as_of);
	add_time(root, "previous-since", d->prev_since);
	x = cJSON_AddObjectToObject(root, "thresholds");
	add_rate(x, "noise", d->noise_threshold);
	add_rate(x, "action", d->action_threshold);
	add_int(x, "enforce-days", d->enforce_days);
	add_int(x, "enforce-reporters", d->enforce_reporters);
	add_int(root, "reports", (int64_t)d->reports);
	add_int(root, "undecodable", (int64_t)d->undecodable);
	add_int(root, "successful", d->successful);
	add_int(root, "failed", d->failed);
	add_rate(root, "failure-rate", d->rate);
	add_str(root, "status", digest_status(d));
	a = cJSON_AddArrayToObject(root, "silent-domains");
	for (size_t i = 0; i < d->n_domains; i++)
		if (d->domains[i].stopped > 0)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(d->domains[i].name));
	cJSON_AddItemToObject(root, "authentication",
	    auth_json(d, &d->auth, 0));
	if (d->n_detail < d->n_domains) {
		/* the text and HTML cut the detail; scripts get it all, and
		   the order the table shows */
		add_int(root, "detail-domains", (int64_t)d->n_detail);
		a = cJSON_AddArrayToObject(root, "attention");
		for (size_t i = 0; i < d->n_domains; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(d->domains[d->order[i]].name));
	}
	a = cJSON_AddArrayToObject(root, "domains");
	for (size_t i = 0; i < d->n_domains; i++)
		cJSON_AddItemToArray(a, domain_json(d, &d->domains[i]));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	out = g_strconcat(text != NULL ? text : "{}", "\n", NULL);
	cJSON_free(text);
	return out;
}
