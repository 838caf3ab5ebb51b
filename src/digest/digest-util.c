/*
 * digest-util.c: the small helpers of the digest that the renderers and
 * tlsrpt show share: cleaning report strings for output, host names,
 * dates, rates, and reading policy-string arrays (RFC 8460 §4.4: TLSA
 * records per RFC 6698 presentation form, MTA-STS policy lines per
 * RFC 8461 §3.2).
 *
 * Design rationale: cleaning is one function (digest_clean) applied on
 * the way into the model, so that no renderer has to remember that a
 * report string may hold a newline, a bidi override or invalid UTF-8.
 * It runs for every string of every report of the period, so plain
 * ASCII (nearly all of them) takes a short path with the same result.
 * Microsoft sends a TLSA RRset as one JSON-encoded string
 * (doc/rfc8460.md, '7. Real senders'); digest_tlsa_records() shows it
 * as the records it holds.
 */
#include <string.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/digest.h"

#define STR_CAP 200 /* characters of any one policy line shown */

/* ---- small helpers --------------------------------------------------- */

/* digest_clean() of the len bytes of s, all ASCII (the common case:
   host names, IPs, result types): no character to decode, so a byte is
   a character and only C0 controls and DEL become "?". */
static char *
clean_ascii(const char *s, size_t len, size_t cap)
{
	size_t keep = cap > 0 && len > cap ? cap - 1 : len;
	char *o = g_malloc(keep + sizeof("\xe2\x80\xa6"));
	unsigned char c;

	for (size_t i = 0; i < keep; i++) {
		c = (unsigned char)s[i];
		o[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (keep < len) {
		memcpy(o + keep, "\xe2\x80\xa6", 3); /* … */
		keep += 3;
	}
	o[keep] = '\0';
	return o;
}

char *
digest_clean(const char *s, size_t cap)
{
	GString *o;
	const char *p, *next;
	gunichar c;
	GUnicodeType t;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (*p == '\0')
		return clean_ascii(s, (size_t)(p - s), cap);
	o = g_string_new(NULL);
	for (p = s; *p != '\0'; p = next) {
		c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			next = p + 1;
			c = '?';
		} else {
			next = g_utf8_next_char(p);
			t = g_unichar_type(c);
			if (g_unichar_iscntrl(c) || t == G_UNICODE_FORMAT ||
			    t == G_UNICODE_LINE_SEPARATOR ||
			    t == G_UNICODE_PARAGRAPH_SEPARATOR ||
			    t == G_UNICODE_SURROGATE ||
			    t == G_UNICODE_UNASSIGNED ||
			    t == G_UNICODE_PRIVATE_USE)
				c = '?';
		}
		g_string_append_unichar(o, c);
	}
	if (cap > 0 && (size_t)g_utf8_strlen(o->str, -1) > cap) {
		p = g_utf8_offset_to_pointer(o->str, (glong)cap - 1);
		g_string_truncate(o, (gsize)(p - o->str));
		g_string_append(o, "\xe2\x80\xa6"); /* … */
	}
	return g_string_free(o, FALSE);
}

int
digest_hostname_ok(const char *s)
{
	size_t len, label = 0, i;

	if (s == NULL || (len = strlen(s)) == 0 || len > 254)
		return 0;
	if (s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
		if (s[i] == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

char *
digest_date(int64_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s;

	if (dt == NULL)
		return g_strdup("?");
	s = g_date_time_format(dt, "%Y-%m-%d");
	g_date_time_unref(dt);
	return s != NULL ? s : g_strdup("?");
}

char *
digest_datetime(int64_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc(t);
	char *s;

	if (dt == NULL)
		return g_strdup("?");
	s = g_date_time_format(dt, "%Y-%m-%d %H:%M");
	g_date_time_unref(dt);
	return s != NULL ? s : g_strdup("?");
}

size_t
digest_width(const char *s)
{
	size_t w = 0;
	gunichar c;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		if ((unsigned char)*s < 0x80) {
			w++;
			s++;
			continue;
		}
		c = g_utf8_get_char_validated(s, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			w++; /* digest_clean() makes it one "?" */
			s++;
			continue;
		}
		s = g_utf8_next_char(s);
		if (!g_unichar_iszerowidth(c))
			w += g_unichar_iswide(c) ? 2 : 1;
	}
	return w;
}

char *
digest_pct(double rate)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_ascii_formatd(buf, sizeof(buf), "%.2f", rate);
	return g_strconcat(buf, "%", NULL);
}

char *
digest_change(const struct digest_domain *dom)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	double delta;

	if (dom->successful + dom->failed <= 0)
		return g_strdup("-"); /* no rate to compare */
	if (!dom->has_prev)
		return g_strdup(dom->seen_before ? "was silent" : "new");
	delta = dom->rate - dom->prev_rate;
	g_ascii_formatd(buf, sizeof(buf), "%+.2f", delta);
	if (strcmp(buf, "+0.00") == 0 || strcmp(buf, "-0.00") == 0)
		return g_strdup("no change");
	return g_strconcat(buf, " points", NULL);
}

const char *
digest_level_name(enum digest_level l)
{
	switch (l) {
	case DIGEST_QUIET:
		return "quiet";
	case DIGEST_CLEAN:
		return "clean";
	case DIGEST_NOISE:
		return "noise";
	case DIGEST_WATCH:
		return "watch";
	case DIGEST_ACTION:
		break;
	}
	return "action";
}

const char *
digest_verdict_name(enum digest_verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return "ready";
	case VERDICT_NOT_READY:
		return "not-ready";
	case VERDICT_ENFORCED:
		return "enforced";
	case VERDICT_NONE:
		return "mode-none";
	case VERDICT_UNAUTHENTICATED:
		return "unauthenticated";
	case VERDICT_NO_REPORTS:
		return "no-reports";
	case VERDICT_NO_STS:
		break;
	}
	return "no-sts";
}

/*
 * A reporter that stopped is the alarm the digest exists for: it
 * outranks quiet, clean and noise (a domain nobody reports on any more
 * is not fine), and only a failure rate that needs watching or action
 * outranks it; the stopped reporters are named in every rendering
 * whatever the status.
 */
const char *
digest_domain_status(const struct digest_domain *dom)
{
	if (dom->reports == 0 && dom->auth.excluded > 0 && dom->stopped == 0)
		return "unauthenticated";
	if (dom->stopped > 0 && dom->level < DIGEST_WATCH)
		return dom->silent ? "silent" : "stopped";
	if (dom->reports == 0 && dom->auth.excluded > 0)
		return "unauthenticated";
	return digest_level_name(dom->level);
}

const char *
digest_status(const struct digest *d)
{
	int silent = 0, stopped = 0;

	if (d->level >= DIGEST_WATCH)
		return digest_level_name(d->level);
	for (size_t i = 0; i < d->n_domains; i++) {
		silent |= d->domains[i].silent;
		stopped |= d->domains[i].stopped > 0;
	}
	return silent ? "silent"
	    : stopped ? "stopped"
		      : digest_level_name(d->level);
}

char *
digest_policy_origin(const struct digest_domain *dom)
{
	char *d, *s;

	if (dom->policy_from == 0)
		return NULL;
	d = digest_date(dom->policy_from);
	s = g_strdup_printf("No reports this period: the newest policy known "
			    "comes from a report by %s of %s.",
	    dom->policy_by, d);
	g_free(d);
	return s;
}

int
digest_status_silence(const char *status)
{
	return strcmp(status, "silent") == 0 || strcmp(status, "stopped") == 0;
}

char *
digest_stopped_list(const struct digest_domain *dom)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < dom->n_reporters; i++) {
		const struct digest_reporter *r = &dom->reporters[i];
		char *last, *due, *every;

		if (!r->silent)
			continue;
		last = digest_date(r->last_start);
		due = digest_date(r->overdue_at);
		every = r->cadence == DIGEST_DAY
		    ? g_strdup("daily")
		    : g_strdup_printf("gaps of up to %lld days",
			  (long long)(r->cadence / DIGEST_DAY));
		g_string_append_printf(s,
		    "%s%s (%s, last report %s, due by %s)",
		    s->len > 0 ? "; " : "", r->organization, every, last, due);
		g_free(last);
		g_free(due);
		g_free(every);
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

/* "(DKIM)", "(3 DKIM, 2 Authentication-Results)"; "" for none. */
static void
auth_methods(GString *s, const struct digest_auth *a)
{
	if (a->dkim > 0 && a->ar > 0)
		g_string_append_printf(s,
		    " (%zu DKIM, %zu Authentication-Results)", a->dkim, a->ar);
	else if (a->dkim > 0)
		g_string_append(s, " (DKIM)");
	else if (a->ar > 0)
		g_string_append(s, " (Authentication-Results)");
}

/* "(7 without a valid signature, 2 never checked)", or "(never
   checked)" when all are of one kind. */
static void
auth_why_not(GString *s, const struct digest_auth *a)
{
	if (a->failed > 0 && a->unchecked > 0)
		g_string_append_printf(s,
		    " (%zu without a valid signature, %zu never checked)",
		    a->failed, a->unchecked);
	else if (a->failed > 0)
		g_string_append(s, " (without a valid signature)");
	else
		g_string_append(s, " (never checked)");
}

/* The sentence when some reports were posted over HTTPS: "10 reports, 7
   authenticated (DKIM), 3 posted over HTTPS (counted: [trust]
   count-https).", then what became of the unauthenticated ones. */
static char *
https_sentence(const struct digest_auth *a, int count_unauthenticated,
    int count_https)
{
	size_t yes = a->dkim + a->ar, no = a->unchecked + a->failed;
	size_t all = yes + a->https + no;
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%zu report%s, ", all, all == 1 ? "" : "s");
	if (yes > 0) {
		g_string_append_printf(s, "%zu authenticated", yes);
		auth_methods(s, a);
		g_string_append(s, ", ");
	}
	if (a->https == all)
		g_string_append(s, all == 1 ? "" : "all ");
	else
		g_string_append_printf(s, "%zu ", a->https);
	g_string_append(s, "posted over HTTPS (");
	if (count_https)
		g_string_append(s, "counted: [trust] count-https");
	else if (count_unauthenticated)
		g_string_append(s,
		    "counted all the same: [trust] "
		    "count-unauthenticated = yes");
	else
		g_string_append(s, "not counted: [trust] count-https = no");
	g_string_append_c(s, ')');
	if (no > 0) {
		g_string_append_printf(s, "; %zu unauthenticated report%s", no,
		    no == 1 ? "" : "s");
		auth_why_not(s, a);
		g_string_append_printf(s, " %s %s", no == 1 ? "is" : "are",
		    count_unauthenticated ? "counted all the same ([trust] "
					    "count-unauthenticated = yes)"
					  : "not counted");
	}
	g_string_append_c(s, '.');
	return g_string_free(s, FALSE);
}

char *
digest_auth_sentence(const struct digest_auth *a, int count_unauthenticated,
    int count_https)
{
	size_t yes = a->dkim + a->ar, no = a->unchecked + a->failed;
	int counted = count_unauthenticated;
	GString *s;

	if (a->https > 0)
		return https_sentence(a, count_unauthenticated, count_https);
	if (yes + no == 0)
		return NULL;
	s = g_string_new(NULL);
	g_string_append_printf(s, "%zu report%s, ", yes + no,
	    yes + no == 1 ? "" : "s");
	if (yes == 0) {
		g_string_append(s, "none authenticated");
		auth_why_not(s, a);
		g_string_append(s,
		    counted ? ": counted all the same ([trust] "
			      "count-unauthenticated = yes)."
			    : ", so none counted.");
		return g_string_free(s, FALSE);
	}
	g_string_append_printf(s, "%zu authenticated", yes);
	auth_methods(s, a);
	if (no == 0) {
		g_string_append_c(s, '.');
		return g_string_free(s, FALSE);
	}
	if (counted) {
		g_string_append_printf(s, "; the %zu unauthenticated %s", no,
		    no == 1 ? "one" : "ones");
		auth_why_not(s, a);
		g_string_append_printf(s,
		    " %s counted all the same ([trust] count-unauthenticated "
		    "= yes).",
		    no == 1 ? "is" : "are");
	} else {
		g_string_append_printf(s, ": %zu unauthenticated report%s", no,
		    no == 1 ? "" : "s");
		auth_why_not(s, a);
		g_string_append_printf(s, " %s not counted.",
		    no == 1 ? "is" : "are");
	}
	return g_string_free(s, FALSE);
}

/* ---- policy strings ------------------------------------------------- */

static void
strv_add(GPtrArray *a, const char *s)
{
	char *c = digest_clean(s, STR_CAP);

	g_strstrip(c);
	if (*c == '\0')
		g_free(c);
	else
		g_ptr_array_add(a, c);
}

static char **
strv_steal(GPtrArray *a)
{
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

char **
digest_tlsa_records(char *const *policy_string)
{
	GPtrArray *out = g_ptr_array_new();
	cJSON *arr, *it;
	const char *s;
	guint before;

	for (; policy_string != NULL && *policy_string != NULL;
	     policy_string++) {
		s = *policy_string;
		while (g_ascii_isspace(*s))
			s++;
		before = out->len;
		if (*s == '[' &&
		    (arr = cJSON_ParseWithLength(s, strlen(s))) != NULL) {
			if (cJSON_IsArray(arr))
				cJSON_ArrayForEach(it, arr)
				{
					if (cJSON_IsString(it))
						strv_add(out, it->valuestring);
				}
			cJSON_Delete(arr);
		}
		if (out->len == before) /* not the double encoding */
			strv_add(out, s);
	}
	return strv_steal(out);
}

void
digest_sts_policy(char *const *policy_string, char **mode, char ***mx)
{
	GPtrArray *mxs = g_ptr_array_new();
	char *line, *colon, *key, *value;

	*mode = NULL;
	for (; policy_string != NULL && *policy_string != NULL;
	     policy_string++) {
		line = g_strdup(*policy_string);
		if ((colon = strchr(line, ':')) != NULL) {
			*colon = '\0';
			key = g_strstrip(line);
			value = g_strstrip(colon + 1); /* also drops "\r" */
			if (g_ascii_strcasecmp(key, "mode") == 0 &&
			    *mode == NULL && *value != '\0')
				*mode = digest_clean(value, 32);
			else if (g_ascii_strcasecmp(key, "mx") == 0)
				strv_add(mxs, value);
		}
		g_free(line);
	}
	if (mx != NULL)
		*mx = strv_steal(mxs);
	else
		g_ptr_array_free(mxs, TRUE);
}

char *
digest_excluded_hint(const struct digest_domain *dom, const char *org)
{
	for (size_t i = 0; i < dom->auth.n_excluded_reporters; i++) {
		const struct digest_count *c = &dom->auth.excluded_reporters[i];

		if (strcmp(c->name, org) == 0)
			return g_strdup_printf(
			    "Yet %lld unauthenticated report%s in its name "
			    "came in this period, not counted: find out why "
			    "%s not pass (a new DKIM key? our [trust] "
			    "set-up?).",
			    (long long)c->sessions, c->sessions == 1 ? "" : "s",
			    c->sessions == 1 ? "it did" : "they did");
	}
	return NULL;
}

char *
digest_left_out(const struct digest *d)
{
	size_t left = d->n_domains - d->n_detail;
	char *head, *s;

	if (d->n_detail >= d->n_domains)
		return NULL;
	if (d->n_detail == 0)
		head = g_strdup_printf("No domain in detail here: the %zu "
				       "domain%s %s only in the table above.",
		    left, left == 1 ? "" : "s", left == 1 ? "is" : "are");
	else
		head = g_strdup_printf("Detail below for the %zu domain%s "
				       "that need%s attention most, first in "
				       "the table; the other %zu %s only in "
				       "the table.",
		    d->n_detail, d->n_detail == 1 ? "" : "s",
		    d->n_detail == 1 ? "s" : "", left,
		    left == 1 ? "is" : "are");
	s = g_strdup_printf("%s  The detail of one domain: tlsrpt digest "
			    "--domain DOMAIN; of each: tlsrpt digest "
			    "--each-domain; of all on one page: tlsrpt "
			    "html.  How many get it here: [digest] "
			    "detail-domains or --detail-domains.",
	    head);
	g_free(head);
	return s;
}
