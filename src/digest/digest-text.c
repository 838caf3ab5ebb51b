/*
 * digest-text.c: the digest as plain text, the text/plain part of the
 * mail and "tlsrpt digest --format text".
 *
 * Design rationale: 72 columns of UTF-8 that read in any mail client
 * and terminal; every table column is as wide as its widest cell in
 * display columns (a wide character counts two), so that no value runs
 * into the next whatever its length; long sentences wrapped.  Report
 * strings in the model are already clean (no control character can
 * forge a line), so nothing here escapes.  Reports nobody vouched for
 * are never in the figures (unless [trust] count-unauthenticated); each
 * domain says how many there were and in whose name, apart, so that the
 * reader knows they exist.  The overview of many domains follows the
 * model's cut (struct digest, order and n_detail): every domain in the
 * table, the worst first, and a section only for the first n_detail.
 */
#include <stdarg.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"
#include "digest/digest.h"

#define WIDTH 72
#define BAR 24 /* characters of the widest bar */

/* Append text wrapped at WIDTH, each line starting with indent (the
   first with first, when not NULL). */
static void
wrap(GString *out, const char *first, const char *indent, const char *text)
{
	char **words = g_strsplit(text, " ", -1);
	size_t col, ilen = digest_width(indent);
	int start = 1;

	g_string_append(out, first != NULL ? first : indent);
	col = digest_width(first != NULL ? first : indent);
	for (char **w = words; *w != NULL; w++) {
		size_t wl = digest_width(*w);

		if (**w == '\0')
			continue;
		if (!start && col + 1 + wl > WIDTH) {
			g_string_append_c(out, '\n');
			g_string_append(out, indent);
			col = ilen;
			start = 1;
		}
		if (!start) {
			g_string_append_c(out, ' ');
			col++;
		}
		g_string_append(out, *w);
		col += wl;
		start = 0;
	}
	g_string_append_c(out, '\n');
	g_strfreev(words);
}

/* ---- tables ------------------------------------------------------------ */

/*
 * A text table: every cell kept whole, each column as wide as its widest
 * cell in display columns (digest_width: a wide CJK character takes two,
 * a combining mark none), two blanks between columns, so that no value,
 * however long, runs into its neighbour.  The last column is not padded.
 */
struct table {
	size_t ncol;
	const char *align; /* per column: 'l' or 'r' */
	GPtrArray *rows; /* char ** of ncol cells */
};

static struct table *
table_new(const char *align)
{
	struct table *t = g_new0(struct table, 1);

	t->align = align;
	t->ncol = strlen(align);
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	return t;
}

/* One row of t->ncol cells (NULL: empty). */
static void
table_row(struct table *t, ...)
{
	va_list ap;
	char **row = g_new0(char *, t->ncol + 1);

	va_start(ap, t);
	for (size_t i = 0; i < t->ncol; i++) {
		const char *c = va_arg(ap, const char *);

		row[i] = g_strdup(c != NULL ? c : "");
	}
	va_end(ap);
	g_ptr_array_add(t->rows, row);
}

static void
pad(GString *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_string_append_c(out, ' ');
}

/* Print t, each row after indent, and free it. */
static void
table_print(GString *out, struct table *t, const char *indent)
{
	size_t *w = g_new0(size_t, t->ncol);

	for (guint r = 0; r < t->rows->len; r++) {
		char **row = g_ptr_array_index(t->rows, r);

		for (size_t i = 0; i < t->ncol; i++) {
			size_t cw = digest_width(row[i]);

			if (cw > w[i])
				w[i] = cw;
		}
	}
	for (guint r = 0; r < t->rows->len; r++) {
		char **row = g_ptr_array_index(t->rows, r);

		g_string_append(out, indent);
		for (size_t i = 0; i < t->ncol; i++) {
			size_t cw = digest_width(row[i]);

			if (i > 0)
				g_string_append(out, "  ");
			if (t->align[i] == 'r')
				pad(out, w[i] - cw);
			g_string_append(out, row[i]);
			if (t->align[i] != 'r' && i + 1 < t->ncol)
				pad(out, w[i] - cw);
		}
		/* no trailing blanks */
		while (out->len > 0 && out->str[out->len - 1] == ' ')
			g_string_truncate(out, out->len - 1);
		g_string_append_c(out, '\n');
	}
	g_free(w);
	g_ptr_array_unref(t->rows);
	g_free(t);
}

static char *
num(int64_t n)
{
	return g_strdup_printf("%lld", (long long)n);
}

static void
heading(GString *out, const char *title, char underline)
{
	size_t n = digest_width(title);

	g_string_append_printf(out, "\n%s\n", title);
	for (size_t i = 0; i < n && i < WIDTH; i++)
		g_string_append_c(out, underline);
	g_string_append_c(out, '\n');
}

/* A bar of n against max: at most BAR characters c, at least one for
   any n > 0. */
static char *
bar(int64_t n, int64_t max, char c)
{
	size_t len = 0;

	if (max > 0 && n > 0) {
		len = (size_t)((double)n / (double)max * BAR + 0.5);
		if (len == 0)
			len = 1;
	}
	return g_strnfill(len, c);
}

/* "a (3), b (1)" */
static void
counts(GString *out, const char *label, const struct digest_count *c, size_t n)
{
	GString *s;
	size_t start = out->len;

	if (n == 0)
		return;
	s = g_string_new(NULL);
	for (size_t i = 0; i < n; i++) {
		size_t at = s->len;

		g_string_append_printf(s, "%s%s (%lld)", i > 0 ? ", " : "",
		    c[i].name, (long long)c[i].sessions);
		/* keep "name (n)" on one line: \001 for its blanks */
		for (size_t j = at + (i > 0 ? 2 : 0); j < s->len; j++)
			if (s->str[j] == ' ')
				s->str[j] = '\001';
	}
	wrap(out, label, "      ", s->str);
	/* only what wrap() added: the whole digest made this quadratic */
	for (char *p = out->str + start; (p = strchr(p, '\001')) != NULL; p++)
		*p = ' ';
	g_string_free(s, TRUE);
}

/* Under the overview: each domain whose reporters stopped, which and
   since when, so that it stands out whatever its failure rate. */
static void
stopped_lines(GString *out, const struct digest *d)
{
	/* past the cut, the table's status says it: a line each would
	   grow the mail of thousands of domains by as many lines */
	for (size_t i = 0; i < d->n_detail; i++) {
		const struct digest_domain *dom = &d->domains[d->order[i]];
		char *list = digest_stopped_list(dom), *t;

		if (list == NULL)
			continue;
		t = g_strdup_printf("%s %s: stopped reporting: %s.",
		    dom->silent ? "SILENT" : "STOPPED", dom->name, list);
		g_string_append_c(out, '\n');
		wrap(out, "  ", "    ", t);
		g_free(t);
		g_free(list);
	}
}

static void
summary_table(GString *out, const struct digest *d)
{
	struct table *t = table_new("lrrrll");

	table_row(t, "DOMAIN", "SESSIONS", "FAILED", "RATE", "CHANGE",
	    "STATUS");
	for (size_t i = 0; i < d->n_domains; i++) {
		const struct digest_domain *dom = &d->domains[d->order[i]];
		char *rate = digest_pct(dom->rate), *chg = digest_change(dom);
		char *all = num(dom->successful + dom->failed);
		char *bad = num(dom->failed);

		if (dom->reports == 0 && dom->auth.excluded > 0)
			/* no figure to show */
			table_row(t, dom->name, "-", "-", "-", "-",
			    digest_domain_status(dom));
		else
			table_row(t, dom->name, all, bad,
			    dom->successful + dom->failed > 0 ? rate : "-", chg,
			    digest_domain_status(dom));
		g_free(rate);
		g_free(chg);
		g_free(all);
		g_free(bad);
	}
	g_string_append_c(out, '\n');
	table_print(out, t, "  ");
	stopped_lines(out, d);
	if (d->n_detail < d->n_domains) {
		char *left = digest_left_out(d);

		g_string_append_c(out, '\n');
		wrap(out, NULL, "", left);
		g_free(left);
	}
}

static void
days_table(GString *out, const struct digest_domain *dom)
{
	struct table *t;
	int64_t max = 0;

	if (dom->n_days == 0)
		return;
	for (size_t i = 0; i < dom->n_days; i++)
		if (dom->days[i].successful + dom->days[i].failed > max)
			max = dom->days[i].successful + dom->days[i].failed;
	t = table_new("lrrrl");
	table_row(t, "DAY", "SUCCESS", "FAILED", "RATE",
	    "(# success, ! failed)");
	for (size_t i = 0; i < dom->n_days; i++) {
		const struct digest_day *day = &dom->days[i];
		char *date = digest_date(day->day), *rate, *ok, *bad, *b1, *b2;
		char *bars;

		/* a day not over, or only partly in the period, is not a
		   day without traffic */
		const char *note = day->open ? "(not over yet)"
		    : day->partial           ? "(part of the day)"
		    : day->due               ? "(more may come)"
					     : NULL;

		if (day->successful + day->failed == 0) {
			table_row(t, date, "-", "-", "-", note);
			g_free(date);
			continue;
		}
		rate = digest_pct(100.0 * (double)day->failed /
		    ((double)day->successful + (double)day->failed));
		ok = num(day->successful);
		bad = num(day->failed);
		b1 = bar(day->successful, max, '#');
		b2 = bar(day->failed, max, '!');
		bars = g_strconcat(b1, b2, note != NULL ? " " : "",
		    note != NULL ? note : "", NULL);
		table_row(t, date, ok, bad, rate, bars);
		g_free(date);
		g_free(rate);
		g_free(ok);
		g_free(bad);
		g_free(b1);
		g_free(b2);
		g_free(bars);
	}
	g_string_append_c(out, '\n');
	table_print(out, t, "  ");
}

static void
breakdown(GString *out, const struct digest_domain *dom)
{
	static const enum advice_category order[] = { ADVICE_NEGOTIATION,
		ADVICE_CERTIFICATE, ADVICE_STS, ADVICE_DANE, ADVICE_OTHER };
	int64_t max = 0;
	struct table *t;

	if (dom->n_types == 0)
		return;
	for (size_t i = 0; i < nitems(order); i++)
		if (dom->category[order[i]] > max)
			max = dom->category[order[i]];
	g_string_append(out,
	    "\nFailed sessions by kind (one session may fail in several "
	    "ways):\n");
	t = table_new("lrl");
	for (size_t i = 0; i < nitems(order); i++) {
		char *n, *b;

		if (order[i] == ADVICE_OTHER && dom->category[order[i]] == 0)
			continue;
		n = num(dom->category[order[i]]);
		b = bar(dom->category[order[i]], max, '!');
		table_row(t, advice_category_name(order[i]), n, b);
		g_free(n);
		g_free(b);
		for (size_t j = 0; j < dom->n_types; j++) {
			char *name;

			if (dom->types[j].advice->category != order[i])
				continue;
			name =
			    g_strconcat("  ", dom->types[j].result_type, NULL);
			n = num(dom->types[j].sessions);
			table_row(t, name, n, NULL);
			g_free(name);
			g_free(n);
		}
	}
	table_print(out, t, "  ");
}

static void
failures(GString *out, const struct digest_domain *dom)
{
	if (dom->n_failures == 0)
		return;
	g_string_append(out, "\nWhat failed, and what to do:\n");
	for (size_t i = 0; i < dom->n_failures; i++) {
		const struct digest_failure *f = &dom->failures[i];
		char *first = g_strdup_printf("%2zu. ", i + 1);
		char *line = g_strdup_printf("%s at %s: %lld %s",
		    f->result_type, f->mx != NULL ? f->mx : "an unnamed MX",
		    (long long)f->sessions,
		    f->sessions == 1 ? "session" : "sessions");
		char *kind = g_strdup_printf("%s%s failure, severity %s%s",
		    f->advice->category == ADVICE_OTHER
			? "unknown result type, "
			: "",
		    advice_category_name(f->advice->category),
		    advice_severity_name(f->advice->severity),
		    f->only_mx ? "; only at this MX" : "");

		g_string_append_c(out, '\n');
		wrap(out, first, "    ", line);
		wrap(out, NULL, "    ", kind);
		counts(out, "    Receiving IP: ", f->receiving_ips,
		    f->n_receiving_ips);
		counts(out, "    Sending MTAs: ", f->sending_ips,
		    f->n_sending_ips);
		counts(out, "    Reason codes: ", f->reasons, f->n_reasons);
		counts(out, "    Reported by: ", f->reporters, f->n_reporters);
		wrap(out, "    Meaning: ", "    ", f->advice->meaning);
		wrap(out, "    Fix: ", "    ", f->fix);
		if (f->note != NULL)
			wrap(out, "    Note: ", "    ", f->note);
		g_free(first);
		g_free(line);
		g_free(kind);
	}
}

static void
mx_summary(GString *out, const struct digest_domain *dom)
{
	GString *s = g_string_new(NULL);

	if (dom->only_mx != NULL) {
		int n = 0;

		g_string_append_printf(s,
		    "Every failure that named its MX was at %s; ",
		    dom->only_mx);

		for (char **m = dom->known_mx; *m != NULL; m++)
			if (strcmp(*m, dom->only_mx) != 0)
				g_string_append_printf(s, "%s%s",
				    n++ > 0 ? ", " : "", *m);
		g_string_append(s, " had none.");
	} else if (dom->n_mx_failed > 1) {
		g_string_append(s, "Failures at several MX hosts: ");
		for (size_t i = 0; i < dom->n_mx_failed; i++)
			g_string_append_printf(s, "%s%s (%lld)",
			    i > 0 ? ", " : "", dom->mx_failed[i].name,
			    (long long)dom->mx_failed[i].sessions);
		g_string_append_c(s, '.');
	}
	if (s->len > 0) {
		g_string_append_c(out, '\n');
		wrap(out, NULL, "", s->str);
	}
	g_string_free(s, TRUE);
}

/* A silent reporter may only have lost its signature: say so when
   reports in its name were left out. */
static void
excluded_hint(GString *s, const struct digest_domain *dom, const char *org)
{
	char *hint = digest_excluded_hint(dom, org);

	if (hint != NULL)
		g_string_append_printf(s, "  %s", hint);
	g_free(hint);
}

/* Who vouched for the reports of the domain, and what the ones left
   out said. */
static void
auth_section(GString *out, const struct digest *d,
    const struct digest_domain *dom)
{
	char *t = digest_auth_sentence(&dom->auth, d->count_unauthenticated,
	    d->count_https);
	const struct digest_auth *a = &dom->auth;

	if (t == NULL)
		return;
	g_string_append_c(out, '\n');
	wrap(out, "Authentication: ", "  ", t);
	g_free(t);
	if (a->excluded == 0)
		return;
	if (a->excluded_successful + a->excluded_failed > 0) {
		char *nf = a->excluded_failed > 0
		    ? g_strdup_printf("%lld of them",
			  (long long)a->excluded_failed)
		    : g_strdup("none");

		t = g_strdup_printf("Not counted: %lld sessions, %s failed, in "
				    "the unauthenticated report%s.",
		    (long long)(a->excluded_successful + a->excluded_failed),
		    nf, a->excluded == 1 ? "" : "s");
		g_free(nf);
	} else
		t = g_strdup_printf("Not counted: no session in the "
				    "unauthenticated report%s.",
		    a->excluded == 1 ? "" : "s");
	wrap(out, "  ", "  ", t);
	g_free(t);
	counts(out, "  In the name of: ", a->excluded_reporters,
	    a->n_excluded_reporters);
}

static void
reporters(GString *out, const struct digest_domain *dom)
{
	if (dom->n_reporters == 0)
		return;
	g_string_append(out, "\nReporters:\n");
	for (size_t i = 0; i < dom->n_reporters; i++) {
		const struct digest_reporter *r = &dom->reporters[i];
		GString *s = g_string_new(NULL);
		char *last = digest_date(r->last_start), *rate;
		char *first = g_strdup_printf("  %s: ", r->organization);

		if (r->silent) {
			char *due = digest_date(r->overdue_at);

			char *every = r->cadence == DIGEST_DAY
			    ? g_strdup("daily")
			    : g_strdup_printf("with gaps of up to %lld days",
				  (long long)(r->cadence / DIGEST_DAY));

			g_string_append_printf(s,
			    "STOPPED.  It reported %s until %s and was due by "
			    "%s.  A reporter that falls silent often means a "
			    "broken _smtp._tls.%s TXT record or a full or "
			    "broken rua mailbox.",
			    every, last, due, dom->name);
			g_free(every);
			g_free(due);
			excluded_hint(s, dom, r->organization);
		} else {
			if (r->reports > 0) {
				rate = digest_pct(r->successful + r->failed > 0
					? 100.0 * (double)r->failed /
					    ((double)r->successful +
						(double)r->failed)
					: 0.0);
				g_string_append_printf(s,
				    "%zu report%s, %lld sessions, %s "
				    "failed.",
				    r->reports, r->reports == 1 ? "" : "s",
				    (long long)(r->successful + r->failed),
				    r->successful + r->failed > 0 ? rate
								  : "none");
				g_free(rate);
			} else
				g_string_append(s, "no report in this period.");
			if (r->cadence == DIGEST_DAY)
				g_string_append(s, "  Reports daily");
			else if (r->cadence > 0)
				g_string_append_printf(s,
				    "  Reports with gaps of up to %lld days",
				    (long long)(r->cadence / DIGEST_DAY));
			else
				g_string_append(s,
				    "  Too few reports to learn its rhythm");
			g_string_append_printf(s, "; last report %s.", last);
			if (r->due_from != 0) {
				char *from = digest_date(r->due_from);

				g_string_append_printf(s,
				    "  Its reports come about %lld days "
				    "late: any from %s on may not be in yet.",
				    (long long)(r->lateness / DIGEST_DAY),
				    from);
				g_free(from);
			}
			if (r->mode != NULL)
				g_string_append_printf(s, "  Saw mode %s.",
				    r->mode);
		}
		wrap(out, first, "      ", s->str);
		g_string_free(s, TRUE);
		g_free(last);
		g_free(first);
	}
}

static void
policies(GString *out, const struct digest_domain *dom)
{
	GString *s = g_string_new(NULL);

	char *origin = digest_policy_origin(dom);

	g_string_append(out, "\nPolicies:\n");
	if (origin != NULL)
		wrap(out, "  ", "  ", origin);
	g_free(origin);
	if (dom->policy_mode != NULL)
		wrap(out, "  MTA-STS mode: ", "      ", dom->policy_mode);
	else if (dom->n_modes > 0) {
		for (size_t i = 0; i < dom->n_modes; i++)
			g_string_append_printf(s, "%s%s (%lld report%s)",
			    i > 0 ? ", " : "", dom->modes[i].name,
			    (long long)dom->modes[i].sessions,
			    dom->modes[i].sessions == 1 ? "" : "s");
		wrap(out, "  MTA-STS mode: ", "      ", s->str);
	} else if (dom->sts_seen)
		wrap(out, NULL, "  ",
		    "MTA-STS policy applied; its mode was not "
		    "reported.");
	else
		wrap(out, NULL, "  ", "MTA-STS: no policy seen.");
	if (dom->mx_patterns[0] != NULL) {
		char *j = g_strjoinv(", ", dom->mx_patterns);

		wrap(out, "  MTA-STS mx: ", "      ", j);
		g_free(j);
	}
	if (dom->tlsa[0] != NULL) {
		g_string_append(out, "  DANE TLSA records:\n");
		for (char **t = dom->tlsa; *t != NULL; t++)
			g_string_append_printf(out, "    %s\n", *t);
	} else if (dom->tlsa_seen)
		wrap(out, NULL, "  ", "DANE applied; no TLSA record reported.");
	if (dom->no_policy_seen)
		wrap(out, NULL, "  ",
		    "Some senders found no policy (no-policy-found).");
	g_string_free(s, TRUE);
}

static const char *
verdict_title(enum digest_verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return "READY for enforce";
	case VERDICT_NOT_READY:
		return "not ready for enforce";
	case VERDICT_ENFORCED:
		return "enforced";
	case VERDICT_NONE:
		return "mode none";
	case VERDICT_UNAUTHENTICATED:
		return "no verdict (no authenticated report)";
	case VERDICT_NO_REPORTS:
		return "no verdict (no reports this period)";
	case VERDICT_NO_STS:
		break;
	}
	return "no MTA-STS";
}

/* What the domain publishes now, and the cross-checks ([digest]
   check). */
static void
published_now(GString *out, const struct digest_domain *dom)
{
	const struct digest_check *c = dom->check;
	char *when, *t;

	if (c == NULL)
		return;
	when = digest_datetime(c->checked_at);
	g_string_append_c(out, '\n');
	t = g_strdup_printf("Published now (checked %s UTC): %zu error%s, %zu "
			    "warning%s%s",
	    when, c->errors, c->errors == 1 ? "" : "s", c->warnings,
	    c->warnings == 1 ? "" : "s",
	    c->incomplete != NULL ? "; the check is incomplete." : ".");
	wrap(out, NULL, "", t);
	g_free(t);
	if (c->incomplete != NULL)
		wrap(out, "  incomplete: ", "    ", c->incomplete);
	for (size_t i = 0; i < c->n_findings; i++) {
		const struct digest_finding *f = &c->findings[i];

		t = g_strdup_printf("  %-7s %-3s ", f->severity, f->id);
		wrap(out, t, "              ", f->message);
		if (f->fix != NULL)
			wrap(out, "              fix: ", "                   ",
			    f->fix);
		g_free(t);
	}
	if (c->note != NULL)
		wrap(out, "  ", "  ", c->note);
	g_free(when);
}

static void
domain_section(GString *out, const struct digest *d,
    const struct digest_domain *dom)
{
	char *rate = digest_pct(dom->rate), *prev = digest_pct(dom->prev_rate);
	char *chg = digest_change(dom), *v;
	GString *s = g_string_new(NULL);
	int64_t span = (d->until - d->since) / DIGEST_DAY;

	g_string_append_c(out, '\n');
	heading(out, dom->name, '=');
	if (dom->reports == 0 && dom->auth.excluded > 0)
		g_string_append(s, "No authenticated report in this period.");
	else if (dom->successful + dom->failed == 0)
		g_string_append(s, "No session reported in this period.");
	else
		g_string_append_printf(s,
		    "%s of %lld sessions failed (%lld): %s.", rate,
		    (long long)(dom->successful + dom->failed),
		    (long long)dom->failed, digest_level_name(dom->level));
	if (dom->has_prev && strcmp(chg, "-") == 0) /* nothing to compare */
		g_string_append_printf(s, "  Previous %lld day%s: %s.",
		    (long long)span, span == 1 ? "" : "s", prev);
	else if (dom->has_prev)
		g_string_append_printf(s, "  Previous %lld day%s: %s (%s).",
		    (long long)span, span == 1 ? "" : "s", prev, chg);
	else if (d->count_unauthenticated || d->auth.excluded == 0)
		g_string_append(s, "  No reports in the previous period.");
	else
		g_string_append(s,
		    "  No authenticated report in the previous period.");
	if (dom->reports > 0 || dom->auth.excluded == 0)
		g_string_append_printf(s,
		    "  %zu %sreport%s from %zu reporter%s.", dom->reports,
		    dom->auth.excluded > 0 ? "counted " : "",
		    dom->reports == 1 ? "" : "s", dom->active_reporters,
		    dom->active_reporters == 1 ? "" : "s");
	if (dom->stopped > 0) {
		char *list = digest_stopped_list(dom);

		g_string_append_printf(s, "  %s stopped reporting: %s.",
		    dom->silent ? "SILENT: every reporter that sent reports"
				: "Some reporters",
		    list);
		g_free(list);
	}
	wrap(out, NULL, "", s->str);
	auth_section(out, d, dom);
	if (dom->reports > 0 || dom->auth.excluded == 0) {
		/* else there is nothing counted to show, not even "-" */
		days_table(out, dom);
		breakdown(out, dom);
		failures(out, dom);
		mx_summary(out, dom);
		reporters(out, dom);
		policies(out, dom);
	}
	published_now(out, dom);
	v = g_strdup_printf("Enforce: %s. ",
	    verdict_title(dom->enforce.verdict));
	g_string_append_c(out, '\n');
	wrap(out, v, "  ", dom->enforce.reason);
	g_free(v);
	g_string_free(s, TRUE);
	g_free(rate);
	g_free(prev);
	g_free(chg);
}

char *
digest_text(const struct digest *d)
{
	GString *out = g_string_new(NULL);
	char *a = digest_date(d->since), *b = digest_date(d->until - 1);
	char *noise = digest_pct(d->noise_threshold);
	char *action = digest_pct(d->action_threshold), *t, *auth;

	t = g_strdup_printf("TLS report: %s", d->label);
	heading(out, t, '=');
	g_string_erase(out, 0, 1); /* no blank first line */
	g_free(t);
	auth = digest_auth_sentence(&d->auth, d->count_unauthenticated,
	    d->count_https);
	if (auth != NULL)
		t = g_strdup_printf("Reports for %s to %s (UTC), %zu domain%s: "
				    "%s  Failure rates below %s are background "
				    "noise; above %s they need action.",
		    a, b, d->n_domains, d->n_domains == 1 ? "" : "s", auth,
		    noise, action);
	else
		t = g_strdup_printf("Reports for %s to %s (UTC): %zu report%s, "
				    "%zu domain%s.  Failure rates below %s "
				    "are background noise; above %s they "
				    "need action.",
		    a, b, d->reports, d->reports == 1 ? "" : "s", d->n_domains,
		    d->n_domains == 1 ? "" : "s", noise, action);
	wrap(out, NULL, "", t);
	g_free(t);
	g_free(auth);
	if (d->undecodable > 0) {
		t = g_strdup_printf("%zu stored report%s no longer decode%s: "
				    "counted in the totals only.",
		    d->undecodable, d->undecodable == 1 ? "" : "s",
		    d->undecodable == 1 ? "s" : "");
		wrap(out, NULL, "", t);
		g_free(t);
	}
	if (d->n_domains == 0)
		g_string_append(out, "\nNo reports.\n");
	else
		summary_table(out, d);
	for (size_t i = 0; i < d->n_detail; i++)
		domain_section(out, d, &d->domains[d->order[i]]);
	g_string_append(out,
	    "\n-- \ntlsrpt digest; see tlsrpt(1).  RFC 8460 (TLS-RPT), "
	    "RFC 8461 (MTA-STS).\n");
	g_free(a);
	g_free(b);
	g_free(noise);
	g_free(action);
	return g_string_free(out, FALSE);
}
