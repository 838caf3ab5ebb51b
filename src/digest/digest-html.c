/*
 * digest-html.c: the digest as one self-contained HTML document, the
 * text/html part of the mail and the page "tlsrpt html" writes.
 *
 * Design rationale:
 * - Mail clients strip <style>, scripts, SVG and external resources in
 *   different ways, so everything here is tables with inline styles,
 *   and the charts are table cells and divs with a height or width in
 *   pixels: they read the same in Gmail, Outlook, Thunderbird and a
 *   browser.  No script, no image, no link to anything outside.
 * - Every string goes through esc() (g_markup_escape_text), whether it
 *   came from a report or not; the model's strings are also clean of
 *   control characters (digest_clean).
 * - Reports nobody vouched for (RFC 8460 §3) are in no figure or chart
 *   unless [trust] count-unauthenticated; each domain lists them apart,
 *   in a muted box.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"
#include "digest/digest.h"

#define CHART_H 90 /* pixels of the tallest daily bar */
#define BAR_W 260 /* pixels of the widest breakdown bar */
#define FONT                                                    \
 "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial," \
 "sans-serif;"

#define C_OK "#2e7d32"
#define C_FAIL "#c62828"
#define C_MUTED "#6b7280"
#define C_LINE "#e5e7eb"

/* Append s escaped for HTML text and attribute values. */
static void
esc(GString *out, const char *s)
{
	char *e = g_markup_escape_text(s != NULL ? s : "", -1);

	g_string_append(out, e);
	g_free(e);
}

static const char *
level_color(enum digest_level l)
{
	switch (l) {
	case DIGEST_QUIET:
		return "#9e9e9e";
	case DIGEST_CLEAN:
		return C_OK;
	case DIGEST_NOISE:
		return "#607d8b";
	case DIGEST_WATCH:
		return "#ef6c00";
	case DIGEST_ACTION:
		break;
	}
	return C_FAIL;
}

/* A domain's badge colour: a silence is an alarm. */
static const char *
status_color(const struct digest_domain *dom)
{
	if (digest_status_silence(digest_domain_status(dom)))
		return C_FAIL;
	return level_color(dom->level);
}

/* Which reporters of dom stopped, as a paragraph (nothing when none). */
static void
stopped_para(GString *out, const struct digest_domain *dom, int with_name)
{
	char *list = digest_stopped_list(dom);

	if (list == NULL)
		return;
	g_string_append_printf(out,
	    "<p style=\"margin:6px 0;color:%s;\"><b>%s</b> ", C_FAIL,
	    dom->silent ? "SILENT" : "STOPPED");
	if (with_name) {
		esc(out, dom->name);
		g_string_append(out, ": ");
	}
	g_string_append(out,
	    dom->silent ? "every reporter that sent reports stopped reporting: "
			: "some reporters stopped reporting: ");
	esc(out, list);
	g_string_append(out, ".</p>\n");
	g_free(list);
}

static const char *
category_color(enum advice_category c)
{
	switch (c) {
	case ADVICE_NEGOTIATION:
		return "#6a1b9a";
	case ADVICE_CERTIFICATE:
		return "#c62828";
	case ADVICE_STS:
		return "#1565c0";
	case ADVICE_DANE:
		return "#00838f";
	case ADVICE_OTHER:
		break;
	}
	return "#616161";
}

static const char *
verdict_color(enum digest_verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return C_OK;
	case VERDICT_NOT_READY:
		return "#ef6c00";
	case VERDICT_ENFORCED:
		return "#1565c0";
	case VERDICT_NONE:
	case VERDICT_NO_STS:
	case VERDICT_UNAUTHENTICATED:
	case VERDICT_NO_REPORTS:
		break;
	}
	return "#616161";
}

static const char *
verdict_title(enum digest_verdict v)
{
	switch (v) {
	case VERDICT_READY:
		return "Ready for enforce";
	case VERDICT_NOT_READY:
		return "Not ready for enforce";
	case VERDICT_ENFORCED:
		return "Enforced";
	case VERDICT_NONE:
		return "Mode none";
	case VERDICT_UNAUTHENTICATED:
		return "No verdict: no authenticated report";
	case VERDICT_NO_REPORTS:
		return "No verdict: no reports this period";
	case VERDICT_NO_STS:
		break;
	}
	return "No MTA-STS policy";
}

static void
badge(GString *out, const char *text, const char *color)
{
	g_string_append_printf(out,
	    "<span style=\"display:inline-block;padding:1px 8px;"
	    "border-radius:9px;background:%s;color:#fff;font-size:12px;"
	    "font-weight:bold;\">",
	    color);
	esc(out, text);
	g_string_append(out, "</span>");
}

static void
h2(GString *out, const char *title)
{
	g_string_append(out,
	    "<h3 style=\"margin:18px 0 6px;font-size:15px;color:#111;\">");
	esc(out, title);
	g_string_append(out, "</h3>\n");
}

static void
num(GString *out, int64_t n)
{
	g_string_append_printf(out, "%lld", (long long)n);
}

static const char th[] = "<th style=\"text-align:left;padding:4px 8px;"
			 "border-bottom:1px solid " C_LINE ";font-size:12px;"
			 "color:" C_MUTED ";font-weight:600;\">";
static const char thr[] = "<th style=\"text-align:right;padding:4px 8px;"
			  "border-bottom:1px solid " C_LINE ";font-size:12px;"
			  "color:" C_MUTED ";font-weight:600;\">";
static const char td[] = "<td style=\"padding:4px 8px;border-bottom:1px "
			 "solid " C_LINE ";vertical-align:top;\">";
static const char tdr[] = "<td style=\"padding:4px 8px;border-bottom:1px "
			  "solid " C_LINE ";text-align:right;"
			  "vertical-align:top;white-space:nowrap;\">";
static const char table_open[] =
    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
    "style=\"border-collapse:collapse;width:100%;font-size:13px;\">\n";

/*
 * The table of the overview past the cut (d->n_detail < d->n_domains),
 * thousands of rows: the same figures with the styling on the table, not
 * on each cell, no MTA-STS column (it is in the detail), align=right
 * unquoted (HTML5; each quote and "=" costs again in quoted-printable),
 * and a colour only for a status that needs a look, so that a row costs
 * about 170 bytes instead of a kilobyte.  Only the domains in the detail
 * link to it.
 */
static void
summary_compact(GString *out, const struct digest *d)
{
	g_string_append(out,
	    "<table role=\"presentation\" cellpadding=\"3\" cellspacing=\"0\" "
	    "border=\"0\" style=\"border-collapse:collapse;width:100%;"
	    "font-size:13px;\">\n"
	    "<tr style=\"color:" C_MUTED ";font-size:12px;\">"
	    "<th align=left>Domain</th><th align=right>Sessions</th>"
	    "<th align=right>Failed</th><th align=right>Rate</th>"
	    "<th align=right>Change</th><th align=left>Status</th>"
	    "</tr>\n");
	for (size_t i = 0; i < d->n_domains; i++) {
		const struct digest_domain *dom = &d->domains[d->order[i]];
		const char *st = digest_domain_status(dom);
		char *rate = digest_pct(dom->rate), *chg = digest_change(dom);

		g_string_append(out, "<tr><td>");
		if (i < d->n_detail)
			g_string_append_printf(out, "<a href=\"#d%zu\">", i);
		esc(out, dom->name);
		if (i < d->n_detail)
			g_string_append(out, "</a>");
		if (dom->reports == 0 && dom->auth.excluded > 0)
			g_string_append(out,
			    "</td><td align=right>-</td><td align=right>-</td>"
			    "<td align=right>-</td><td align=right>-");
		else {
			g_string_append_printf(out,
			    "</td><td align=right>%lld</td>"
			    "<td align=right>%lld</td><td align=right>",
			    (long long)(dom->successful + dom->failed),
			    (long long)dom->failed);
			esc(out,
			    dom->successful + dom->failed > 0 ? rate : "-");
			g_string_append(out, "</td><td align=right>");
			esc(out, chg);
		}
		if (dom->level >= DIGEST_WATCH || digest_status_silence(st))
			g_string_append_printf(out,
			    "</td><td style=\"color:%s\">", status_color(dom));
		else
			g_string_append(out, "</td><td>");
		esc(out, st);
		g_string_append(out, "</td></tr>\n");
		g_free(rate);
		g_free(chg);
	}
	g_string_append(out, "</table>\n");
}

static void
summary(GString *out, const struct digest *d)
{
	char *left;

	if (d->n_detail < d->n_domains) {
		summary_compact(out, d);
		for (size_t i = 0; i < d->n_detail; i++)
			stopped_para(out, &d->domains[d->order[i]], 1);
		left = digest_left_out(d);
		g_string_append(out,
		    "<p style=\"margin:8px 0;color:" C_MUTED ";\">");
		esc(out, left);
		g_string_append(out, "</p>\n");
		g_free(left);
		return;
	}
	g_string_append(out, table_open);
	g_string_append_printf(out,
	    "<tr>%sDomain</th>%sSessions</th>%sFailed</th>%sRate</th>"
	    "%sChange</th>%sStatus</th>%sMTA-STS</th></tr>\n",
	    th, thr, thr, thr, thr, th, th);
	for (size_t i = 0; i < d->n_domains; i++) {
		const struct digest_domain *dom = &d->domains[d->order[i]];
		char *rate = digest_pct(dom->rate), *chg = digest_change(dom);

		g_string_append_printf(out,
		    "<tr>%s<a href=\"#d%zu\" "
		    "style=\"color:#1a56db;\">",
		    td, i);
		esc(out, dom->name);
		g_string_append_printf(out, "</a></td>%s", tdr);
		if (dom->reports == 0 && dom->auth.excluded > 0) {
			/* nothing counted: no figure, not even 0 */
			g_string_append_printf(out,
			    "-</td>%s-</td>%s-</td>%s-</td>%s", tdr, tdr, tdr,
			    td);
		} else {
			num(out, dom->successful + dom->failed);
			g_string_append_printf(out, "</td>%s", tdr);
			num(out, dom->failed);
			g_string_append_printf(out, "</td>%s", tdr);
			esc(out,
			    dom->successful + dom->failed > 0 ? rate : "-");
			g_string_append_printf(out, "</td>%s", tdr);
			esc(out, chg);
			g_string_append_printf(out, "</td>%s", td);
		}
		badge(out, digest_domain_status(dom), status_color(dom));
		g_string_append_printf(out, "</td>%s", td);
		esc(out, verdict_title(dom->enforce.verdict));
		g_string_append(out, "</td></tr>\n");
		g_free(rate);
		g_free(chg);
	}
	g_string_append(out, "</table>\n");
	for (size_t i = 0; i < d->n_domains; i++)
		stopped_para(out, &d->domains[d->order[i]], 1);
}

/* Daily sessions (stacked success and failure) and daily failure rate,
   one column per day. */
static void
day_charts(GString *out, const struct digest *d,
    const struct digest_domain *dom)
{
	int64_t max = 0;
	double maxrate = d->action_threshold * 1.2, r;
	size_t w;

	if (dom->n_days == 0)
		return;
	for (size_t i = 0; i < dom->n_days; i++) {
		const struct digest_day *day = &dom->days[i];

		if (day->successful + day->failed > max)
			max = day->successful + day->failed;
		if (day->successful + day->failed > 0) {
			r = 100.0 * (double)day->failed /
			    ((double)day->successful + (double)day->failed);
			if (r > maxrate)
				maxrate = r;
		}
	}
	w = dom->n_days <= 8 ? 56 : dom->n_days <= 16 ? 30 : 16;
	h2(out, "Sessions per day");
	g_string_append(out,
	    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"border-collapse:collapse;\">\n<tr>");
	for (size_t i = 0; i < dom->n_days; i++) {
		const struct digest_day *day = &dom->days[i];
		int64_t all = day->successful + day->failed;
		int hs = 0, hf = 0;
		char *date = digest_date(day->day);

		if (max > 0 && all > 0) {
			hf = (int)((double)day->failed / (double)max * CHART_H +
			    0.5);
			hs = (int)((double)day->successful / (double)max *
				CHART_H +
			    0.5);
			if (day->failed > 0 && hf < 2)
				hf = 2;
			if (day->successful > 0 && hs < 1)
				hs = 1;
		}
		g_string_append_printf(out,
		    "<td style=\"vertical-align:bottom;padding:0 2px;"
		    "height:%dpx;\" title=\"",
		    CHART_H + 4);
		esc(out, date);
		g_string_append_printf(out, ": %lld ok, %lld failed%s\">",
		    (long long)day->successful, (long long)day->failed,
		    day->open          ? " (not over yet)"
			: day->partial ? " (part of the day)"
			: day->due     ? " (more may come)"
				       : "");
		g_string_append_printf(out,
		    "<div style=\"width:%zupx;height:%dpx;background:%s;"
		    "font-size:0;line-height:0;\"></div>"
		    "<div style=\"width:%zupx;height:%dpx;background:%s;"
		    "font-size:0;line-height:0;\"></div></td>",
		    w, hf, C_FAIL, w, hs, C_OK);
		g_free(date);
	}
	g_string_append(out, "</tr>\n<tr>");
	for (size_t i = 0; i < dom->n_days; i++) {
		char *date = digest_date(dom->days[i].day);

		g_string_append(out,
		    "<td style=\"font-size:10px;color:" C_MUTED
		    ";text-align:center;padding:2px 0 0;\">");
		/* "10-26": day labels stay short */
		esc(out, strlen(date) == 10 && w >= 30 ? date + 5 : "");
		if (w < 30 && strlen(date) == 10)
			esc(out, date + 8);
		g_string_append(out, "</td>");
		g_free(date);
	}
	g_string_append(out, "</tr>\n</table>\n");
	g_string_append(out,
	    "<p style=\"margin:4px 0 0;font-size:12px;color:" C_MUTED ";\">"
	    "<span style=\"color:" C_OK ";\">&#9632;</span> successful "
	    "&nbsp; <span style=\"color:" C_FAIL ";\">&#9632;</span> failed"
	    "</p>\n");
	if (dom->failed <= 0)
		return; /* an empty chart says nothing */

	h2(out, "Failure rate per day");
	g_string_append(out,
	    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"border-collapse:collapse;\">\n<tr>");
	for (size_t i = 0; i < dom->n_days; i++) {
		const struct digest_day *day = &dom->days[i];
		int64_t all = day->successful + day->failed;
		int h = 0;
		enum digest_level l = DIGEST_QUIET;
		char *rate = NULL;

		if (all > 0) {
			r = 100.0 * (double)day->failed / (double)all;
			h = (int)(r / maxrate * (CHART_H / 2) + 0.5);
			if (day->failed > 0 && h < 2)
				h = 2;
			l = day->failed == 0           ? DIGEST_CLEAN
			    : r < d->noise_threshold   ? DIGEST_NOISE
			    : r <= d->action_threshold ? DIGEST_WATCH
						       : DIGEST_ACTION;
			rate = digest_pct(r);
		}
		g_string_append_printf(out,
		    "<td style=\"vertical-align:bottom;padding:0 2px;"
		    "height:%dpx;\" title=\"%s\">"
		    "<div style=\"width:%zupx;height:%dpx;background:%s;"
		    "font-size:0;line-height:0;\"></div></td>",
		    CHART_H / 2 + 4, rate != NULL ? rate : "no report", w, h,
		    level_color(l));
		g_free(rate);
	}
	g_string_append(out, "</tr>\n</table>\n");
	{
		char *scale = digest_pct(maxrate);

		g_string_append(out,
		    "<p style=\"margin:4px 0 0;font-size:12px;"
		    "color:" C_MUTED ";\">Bar height: failure "
		    "rate, full height ");
		esc(out, scale);
		g_string_append(out, ".</p>\n");
		g_free(scale);
	}
}

static void
breakdown(GString *out, const struct digest_domain *dom)
{
	int64_t max = 0;

	if (dom->n_types == 0)
		return;
	for (size_t i = 0; i < dom->n_types; i++)
		if (dom->types[i].sessions > max)
			max = dom->types[i].sessions;
	h2(out, "Failed sessions by kind");
	g_string_append(out, table_open);
	for (size_t i = 0; i < dom->n_types; i++) {
		const struct digest_type *t = &dom->types[i];
		int w = max > 0
		    ? (int)((double)t->sessions / (double)max * BAR_W + 0.5)
		    : 0;

		if (t->sessions > 0 && w < 2)
			w = 2;
		g_string_append_printf(out, "<tr>%s<code>", td);
		esc(out, t->result_type);
		g_string_append_printf(out,
		    "</code><br><span style=\"font-size:11px;color:" C_MUTED
		    ";\">%s</span></td>%s",
		    advice_category_name(t->advice->category), tdr);
		num(out, t->sessions);
		g_string_append_printf(out,
		    "</td>%s<div style=\"width:%dpx;height:12px;background:%s;"
		    "font-size:0;line-height:0;\"></div></td></tr>\n",
		    td, w, category_color(t->advice->category));
	}
	g_string_append(out,
	    "</table>\n<p style=\"margin:4px 0 0;"
	    "font-size:12px;color:" C_MUTED ";\">One "
	    "session may fail in several ways (RFC 8460 "
	    "&#167;4).</p>\n");
}

static void
count_list(GString *out, const char *label, const struct digest_count *c,
    size_t n)
{
	if (n == 0)
		return;
	g_string_append(out,
	    "<div style=\"margin:2px 0;\"><span "
	    "style=\"color:" C_MUTED ";\">");
	esc(out, label);
	g_string_append(out, ":</span> ");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			g_string_append(out, ", ");
		g_string_append(out, "<code>");
		esc(out, c[i].name);
		g_string_append(out, "</code> (");
		num(out, c[i].sessions);
		g_string_append(out, ")");
	}
	g_string_append(out, "</div>\n");
}

static void
failures(GString *out, const struct digest_domain *dom)
{
	if (dom->n_failures == 0)
		return;
	h2(out, "What failed, and what to do");
	for (size_t i = 0; i < dom->n_failures; i++) {
		const struct digest_failure *f = &dom->failures[i];

		g_string_append_printf(out,
		    "<div style=\"border-left:4px solid %s;padding:6px 10px;"
		    "margin:8px 0;background:#fafafa;\">\n"
		    "<div style=\"font-weight:bold;\"><code>",
		    category_color(f->advice->category));
		esc(out, f->result_type);
		g_string_append(out, "</code> at <code>");
		esc(out, f->mx != NULL ? f->mx : "an unnamed MX");
		g_string_append(out, "</code>: ");
		num(out, f->sessions);
		g_string_append(out,
		    f->sessions == 1 ? " session " : " sessions ");
		badge(out, advice_severity_name(f->advice->severity),
		    f->advice->severity >= ADVICE_CRITICAL   ? C_FAIL
			: f->advice->severity >= ADVICE_HIGH ? "#ef6c00"
							     : "#607d8b");
		g_string_append(out,
		    "</div>\n<div style=\"font-size:12px;color:" C_MUTED
		    ";\">");
		if (f->advice->category == ADVICE_OTHER)
			g_string_append(out, "unknown result type, ");
		esc(out, advice_category_name(f->advice->category));
		g_string_append(out, " failure");
		if (f->only_mx)
			g_string_append(out, "; only at this MX");
		g_string_append(out, "</div>\n");
		count_list(out, "Receiving IP", f->receiving_ips,
		    f->n_receiving_ips);
		count_list(out, "Sending MTAs", f->sending_ips,
		    f->n_sending_ips);
		count_list(out, "Reason codes", f->reasons, f->n_reasons);
		count_list(out, "Reported by", f->reporters, f->n_reporters);
		g_string_append(out, "<div style=\"margin:4px 0;\">");
		esc(out, f->advice->meaning);
		g_string_append(out,
		    "</div>\n<div style=\"margin:4px 0;\">"
		    "<b>Fix:</b> ");
		esc(out, f->fix);
		g_string_append(out, "</div>\n");
		if (f->note != NULL) {
			g_string_append(out,
			    "<div style=\"margin:4px 0;\">"
			    "<b>Note:</b> ");
			esc(out, f->note);
			g_string_append(out, "</div>\n");
		}
		g_string_append(out, "</div>\n");
	}
	if (dom->only_mx != NULL) {
		g_string_append(out,
		    "<p style=\"margin:6px 0;\">Every "
		    "failure that named its MX was at "
		    "<code>");
		esc(out, dom->only_mx);
		g_string_append(out,
		    "</code>; the other MX hosts had none.</p>\n");
	} else if (dom->n_mx_failed > 1)
		count_list(out, "Failed sessions per MX", dom->mx_failed,
		    dom->n_mx_failed);
}

/* A silent reporter may only have lost its signature: say so when
   reports in its name were left out. */
static void
excluded_hint(GString *out, const struct digest_domain *dom, const char *org)
{
	char *hint = digest_excluded_hint(dom, org);

	if (hint != NULL)
		g_string_append_printf(out, " %s", hint);
	g_free(hint);
}

/* Who vouched for the reports of the domain, and what the ones left
   out said. */
static void
auth_box(GString *out, const struct digest *d, const struct digest_domain *dom)
{
	char *t = digest_auth_sentence(&dom->auth, d->count_unauthenticated,
	    d->count_https);
	const struct digest_auth *a = &dom->auth;

	if (t == NULL)
		return;
	g_string_append(out,
	    "<p style=\"margin:4px 0;font-size:13px;color:" C_MUTED
	    ";\">Authentication: ");
	esc(out, t);
	g_free(t);
	g_string_append(out, "</p>\n");
	if (a->excluded == 0)
		return;
	g_string_append(out,
	    "<div style=\"margin:6px 0;padding:6px 10px;border:1px dashed "
	    "#9e9e9e;border-radius:6px;font-size:12px;color:" C_MUTED
	    ";\"><b>Not counted:</b> ");
	if (a->excluded_successful + a->excluded_failed > 0) {
		g_string_append_printf(out, "%lld sessions, ",
		    (long long)(a->excluded_successful + a->excluded_failed));
		if (a->excluded_failed > 0)
			g_string_append_printf(out, "%lld of them",
			    (long long)a->excluded_failed);
		else
			g_string_append(out, "none");
		g_string_append_printf(out,
		    " failed, in the unauthenticated report%s.",
		    a->excluded == 1 ? "" : "s");
	} else
		g_string_append_printf(out,
		    "no session in the unauthenticated report%s.",
		    a->excluded == 1 ? "" : "s");
	g_string_append(out, "\n");
	count_list(out, "In the name of", a->excluded_reporters,
	    a->n_excluded_reporters);
	g_string_append(out, "</div>\n");
}

static void
reporters(GString *out, const struct digest_domain *dom)
{
	if (dom->n_reporters == 0)
		return;
	h2(out, "Reporters");
	g_string_append(out, table_open);
	g_string_append_printf(out,
	    "<tr>%sReporter</th>%sReports</th>%sFailed</th>%sRhythm</th>"
	    "%sLast report</th>%sMode</th></tr>\n",
	    th, thr, thr, th, th, th);
	for (size_t i = 0; i < dom->n_reporters; i++) {
		const struct digest_reporter *r = &dom->reporters[i];
		char *last = digest_date(r->last_start);

		g_string_append_printf(out, "<tr>%s", td);
		esc(out, r->organization);
		if (r->silent) {
			g_string_append(out, " ");
			badge(out, "stopped", C_FAIL);
		}
		g_string_append_printf(out, "</td>%s", tdr);
		num(out, (int64_t)r->reports);
		g_string_append_printf(out, "</td>%s", tdr);
		num(out, r->failed);
		g_string_append_printf(out, "</td>%s", td);
		if (r->cadence == DIGEST_DAY)
			g_string_append(out, "daily");
		else if (r->cadence > 0)
			g_string_append_printf(out, "gaps up to %lld days",
			    (long long)(r->cadence / DIGEST_DAY));
		else
			g_string_append(out, "not learned yet");
		g_string_append_printf(out, "</td>%s", td);
		esc(out, last);
		if (r->due_from != 0) {
			char *from = digest_date(r->due_from);

			g_string_append(out, " (late: reports from ");
			esc(out, from);
			g_string_append(out, " on may not be in yet)");
			g_free(from);
		}
		g_string_append_printf(out, "</td>%s", td);
		esc(out, r->mode != NULL ? r->mode : "-");
		g_string_append(out, "</td></tr>\n");
		if (r->silent) {
			char *due = digest_date(r->overdue_at);

			g_string_append_printf(out,
			    "<tr><td colspan=\"6\" style=\"padding:4px 8px "
			    "8px;color:%s;border-bottom:1px solid " C_LINE
			    ";\">",
			    C_FAIL);
			esc(out, r->organization);
			g_string_append(out, " stopped reporting: due by ");
			esc(out, due);
			g_string_append(out, ".  Check the <code>_smtp._tls.");
			esc(out, dom->name);
			g_string_append(out,
			    "</code> TXT record and the rua "
			    "mailbox.");
			excluded_hint(out, dom, r->organization);
			g_string_append(out, "</td></tr>\n");
			g_free(due);
		}
		g_free(last);
	}
	g_string_append(out, "</table>\n");
}

static void
policies(GString *out, const struct digest_domain *dom)
{
	char *origin = digest_policy_origin(dom);

	h2(out, "Policies");
	if (origin != NULL) {
		g_string_append(out, "<div style=\"margin:2px 0;\">");
		esc(out, origin);
		g_string_append(out, "</div>\n");
		g_free(origin);
	}
	g_string_append(out,
	    "<div style=\"margin:2px 0;\"><span style=\"color:" C_MUTED
	    ";\">MTA-STS mode:</span> ");
	if (dom->policy_mode != NULL) {
		g_string_append(out, "<code>");
		esc(out, dom->policy_mode);
		g_string_append(out, "</code>");
	} else if (dom->n_modes == 0)
		g_string_append(out,
		    dom->sts_seen ? "not reported" : "no policy seen");
	for (size_t i = 0; i < dom->n_modes; i++) {
		if (i > 0)
			g_string_append(out, ", ");
		g_string_append(out, "<code>");
		esc(out, dom->modes[i].name);
		g_string_append(out, "</code> (");
		num(out, dom->modes[i].sessions);
		g_string_append(out,
		    dom->modes[i].sessions == 1 ? " report)" : " reports)");
	}
	g_string_append(out, "</div>\n");
	if (dom->mx_patterns[0] != NULL) {
		g_string_append(out,
		    "<div style=\"margin:2px 0;\"><span "
		    "style=\"color:" C_MUTED ";\">MTA-STS "
		    "mx:</span> ");
		for (char **m = dom->mx_patterns; *m != NULL; m++) {
			if (m != dom->mx_patterns)
				g_string_append(out, ", ");
			g_string_append(out, "<code>");
			esc(out, *m);
			g_string_append(out, "</code>");
		}
		g_string_append(out, "</div>\n");
	}
	if (dom->tlsa[0] != NULL) {
		g_string_append(out,
		    "<div style=\"margin:2px 0;\"><span "
		    "style=\"color:" C_MUTED ";\">DANE TLSA "
		    "records:</span></div>\n");
		for (char **t = dom->tlsa; *t != NULL; t++) {
			g_string_append(out,
			    "<div style=\"margin:0 0 0 12px;font-size:12px;"
			    "word-break:break-all;\"><code>");
			esc(out, *t);
			g_string_append(out, "</code></div>\n");
		}
	}
	if (dom->no_policy_seen)
		g_string_append(out,
		    "<div style=\"margin:2px 0;\">Some "
		    "senders found no policy "
		    "(<code>no-policy-found</code>).</div>\n");
}

/* What the domain publishes now, and the cross-checks ([digest]
   check): one line per finding, the same statements as the text. */
static void
published_now(GString *out, const struct digest_domain *dom)
{
	const struct digest_check *c = dom->check;
	char *when;

	if (c == NULL)
		return;
	when = digest_datetime(c->checked_at);
	g_string_append_printf(out,
	    "<div style=\"margin:10px 0;padding:8px 12px;border:1px solid "
	    "%s;border-radius:6px;\"><b>Published now</b> (checked %s UTC): "
	    "%zu error%s, %zu warning%s%s\n",
	    c->errors > 0         ? "#b00020"
		: c->warnings > 0 ? "#b26a00"
				  : "#2e7d32",
	    when, c->errors, c->errors == 1 ? "" : "s", c->warnings,
	    c->warnings == 1 ? "" : "s",
	    c->incomplete != NULL ? "; the check is incomplete." : ".");
	if (c->incomplete != NULL) {
		g_string_append(out, "<br>incomplete: ");
		esc(out, c->incomplete);
		g_string_append_c(out, '\n');
	}
	if (c->n_findings > 0)
		g_string_append(out, "<ul style=\"margin:4px 0;\">\n");
	for (size_t i = 0; i < c->n_findings; i++) {
		const struct digest_finding *f = &c->findings[i];

		g_string_append_printf(out,
		    "<li><b style=\"color:%s;\">%s %s</b> ",
		    strcmp(f->severity, "error") == 0         ? "#b00020"
			: strcmp(f->severity, "warning") == 0 ? "#b26a00"
							      : "#555555",
		    f->severity, f->id);
		esc(out, f->message);
		if (f->fix != NULL) {
			g_string_append(out, "<br><i>fix:</i> ");
			esc(out, f->fix);
		}
		g_string_append(out, "</li>\n");
	}
	if (c->n_findings > 0)
		g_string_append(out, "</ul>\n");
	if (c->note != NULL) {
		g_string_append(out, "<br>");
		esc(out, c->note);
	}
	g_string_append(out, "</div>\n");
	g_free(when);
}

static void
domain_section(GString *out, const struct digest *d,
    const struct digest_domain *dom, size_t idx)
{
	char *rate = digest_pct(dom->rate), *prev = digest_pct(dom->prev_rate);
	char *chg = digest_change(dom);
	int64_t span = (d->until - d->since) / DIGEST_DAY;

	g_string_append_printf(out,
	    "<h2 id=\"d%zu\" style=\"margin:28px 0 4px;font-size:19px;"
	    "color:#111;border-bottom:2px solid " C_LINE
	    ";padding-bottom:4px;\">",
	    idx);
	esc(out, dom->name);
	g_string_append(out, " ");
	badge(out, digest_domain_status(dom), status_color(dom));
	g_string_append(out, "</h2>\n<p style=\"margin:4px 0;\">");
	if (dom->reports == 0 && dom->auth.excluded > 0)
		g_string_append(out, "No authenticated report in this period.");
	else if (dom->successful + dom->failed == 0)
		g_string_append(out, "No session reported in this period.");
	else {
		g_string_append(out, "<b style=\"font-size:16px;\">");
		esc(out, rate);
		g_string_append(out, "</b> of ");
		num(out, dom->successful + dom->failed);
		g_string_append(out, " sessions failed (");
		num(out, dom->failed);
		g_string_append(out, ").");
	}
	if (dom->has_prev) {
		g_string_append_printf(out,
		    " Previous %lld day%s: ", (long long)span,
		    span == 1 ? "" : "s");
		esc(out, prev);
		if (strcmp(chg, "-") != 0) { /* else nothing to compare */
			g_string_append(out, " (");
			esc(out, chg);
			g_string_append(out, ")");
		}
		g_string_append(out, ".");
	} else if (d->count_unauthenticated || d->auth.excluded == 0)
		g_string_append(out, " No reports in the previous period.");
	else
		g_string_append(out,
		    " No authenticated report in the previous period.");
	if (dom->reports > 0 || dom->auth.excluded == 0)
		g_string_append_printf(out,
		    " %zu %sreport%s from %zu reporter%s.", dom->reports,
		    dom->auth.excluded > 0 ? "counted " : "",
		    dom->reports == 1 ? "" : "s", dom->active_reporters,
		    dom->active_reporters == 1 ? "" : "s");
	g_string_append(out, "</p>\n");
	stopped_para(out, dom, 0);
	auth_box(out, d, dom);
	published_now(out, dom);

	g_string_append_printf(out,
	    "<div style=\"margin:10px 0;padding:8px 12px;border:1px solid %s;"
	    "border-radius:6px;\"><b style=\"color:%s;\">",
	    verdict_color(dom->enforce.verdict),
	    verdict_color(dom->enforce.verdict));
	esc(out, verdict_title(dom->enforce.verdict));
	g_string_append(out, ".</b> ");
	esc(out, dom->enforce.reason);
	g_string_append(out, "</div>\n");

	if (dom->reports > 0 || dom->auth.excluded == 0) {
		/* else there is nothing counted to chart */
		day_charts(out, d, dom);
		breakdown(out, dom);
		failures(out, dom);
		reporters(out, dom);
		policies(out, dom);
	}
	g_free(rate);
	g_free(prev);
	g_free(chg);
}

char *
digest_html(const struct digest *d)
{
	GString *out = g_string_new(NULL);
	char *a = digest_date(d->since), *b = digest_date(d->until - 1);
	char *noise = digest_pct(d->noise_threshold);
	char *action = digest_pct(d->action_threshold);
	char *auth = digest_auth_sentence(&d->auth, d->count_unauthenticated,
	    d->count_https);

	g_string_append(out,
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-"
	    "width, initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light\">\n"
	    "<title>TLS report: ");
	esc(out, d->label);
	g_string_append(out, "</title>\n</head>\n");
	g_string_append(out,
	    "<body style=\"margin:0;padding:0;"
	    "background:#f3f4f6;\">\n"
	    "<table role=\"presentation\" width=\"100%\" "
	    "cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"background:#f3f4f6;\"><tr>"
	    "<td align=\"center\" style=\"padding:16px 8px;\">\n"
	    "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" style=\"width:100%;"
	    "max-width:780px;background:#ffffff;"
	    "border-radius:8px;\"><tr><td style=\"" FONT
	    "font-size:14px;line-height:1.45;color:#222;"
	    "padding:20px 24px;text-align:left;\">\n");
	g_string_append(out,
	    "<h1 style=\"margin:0 0 4px;font-size:22px;"
	    "color:#111;\">TLS report: ");
	esc(out, d->label);
	g_string_append(out,
	    "</h1>\n<p style=\"margin:0 0 12px;color:" C_MUTED
	    ";font-size:13px;\">Reports for ");
	esc(out, a);
	g_string_append(out, " to ");
	esc(out, b);
	if (auth != NULL) {
		g_string_append_printf(out,
		    " (UTC), %zu domain%s: ", d->n_domains,
		    d->n_domains == 1 ? "" : "s");
		esc(out, auth);
		g_string_append(out, " Failure rates below ");
	} else
		g_string_append_printf(out,
		    " (UTC): %zu report%s, %zu domain%s. "
		    "Failure rates below ",
		    d->reports, d->reports == 1 ? "" : "s", d->n_domains,
		    d->n_domains == 1 ? "" : "s");
	esc(out, noise);
	g_string_append(out, " are background noise; above ");
	esc(out, action);
	g_string_append(out, " they need action.");
	if (d->undecodable > 0)
		g_string_append_printf(out,
		    " %zu stored report(s) no longer decode: counted in the "
		    "totals only.",
		    d->undecodable);
	g_string_append(out, "</p>\n");
	if (d->n_domains == 0)
		g_string_append(out, "<p>No reports.</p>\n");
	else
		summary(out, d);
	for (size_t i = 0; i < d->n_detail; i++)
		domain_section(out, d, &d->domains[d->order[i]], i);
	g_string_append(out,
	    "<p style=\"margin:24px 0 0;font-size:12px;color:" C_MUTED
	    ";\">tlsrpt digest; see tlsrpt(1). "
	    "RFC 8460 (TLS-RPT), RFC 8461 (MTA-STS), "
	    "RFC 7672 (DANE for SMTP).</p>\n"
	    "</td></tr></table>\n</td></tr></table>\n"
	    "</body>\n</html>\n");
	g_free(a);
	g_free(b);
	g_free(noise);
	g_free(action);
	g_free(auth);
	return g_string_free(out, FALSE);
}
