/*
 * ingest.c: the pipeline for one mail (RFC 8460 §5.3 mail, or a bare
 * §5.4-style report file), and the order of its side effects.
 *
 * Design rationale:
 * - ingest_parse() is pure: MIME walk -> sniff -> capped gunzip -> JSON
 *   decode and RFC 8460 checks, per candidate part.  Bytes are trusted
 *   over labels: a part labelled gzip that holds JSON is read as JSON
 *   (and noted), never the other way round.
 * - ingest_deliver() archives first (the raw mail, fsync'd, is the copy
 *   from which anything later can be repaired), then stores every report
 *   of the mail in one transaction, then logs.  Logging comes last so
 *   that no line claims a report stored that a failed commit lost.
 * - Postfix may deliver a mail twice (local(8) BUGS) and a 75 brings it
 *   back: the store's (organization-name, report-id) key makes the second
 *   delivery store nothing.
 * - A report arrived when its mail arrived, not when we read it: the
 *   digest learns each reporter's lateness from it, and a backfill of a
 *   month of mail must not make every report look a month late.  So the
 *   store gets ingest_arrival(): the date of the topmost Received field
 *   (the one our own MTA added), else the Maildir delivery time of the
 *   input file, else Date, else now.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "config.h"
#include "ti.h"
#include "ingest/gunzip.h"
#include "ingest/ingest.h"
#include "log.h"
#include "ingest/maildir.h"

#define REJECTED_FOLDER "rejected"
#define UNAUTH_FOLDER "unauthenticated"

static const char *
skip_space(const unsigned char *p, size_t len, size_t *off)
{
	size_t i = 0;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len &&
	    (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	*off = i;
	return (const char *)p + i;
}

static int
looks_like_json(const unsigned char *p, size_t len)
{
	size_t off;
	const char *s = skip_space(p, len, &off);

	return off < len && *s == '{';
}

static int
is_zip(const unsigned char *p, size_t len)
{
	return len >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4;
}

/* The domain part of an address, or the string itself; borrowed. */
static const char *
addr_domain(const char *addr)
{
	const char *at;

	if (addr == NULL)
		return NULL;
	if (g_str_has_prefix(addr, "mailto:"))
		addr += 7;
	at = strrchr(addr, '@');
	return at != NULL ? at + 1 : addr;
}

/* Header fields against the report (RFC 8460 §5.3); warnings only. */
static void
check_headers(struct report *r, const struct mime_info *info)
{
	const char *dom = report_domain(r);
	const char *sub = addr_domain(r->contact_info);

	if (info->tls_report_domain == NULL)
		report_deviate(r, "header-missing",
		    "no TLS-Report-Domain header field");
	else if (dom != NULL &&
	    g_ascii_strcasecmp(info->tls_report_domain, dom) != 0)
		report_deviate(r, "header-mismatch",
		    "TLS-Report-Domain %s, report policy-domain %s",
		    info->tls_report_domain, dom);
	if (info->tls_report_submitter == NULL)
		report_deviate(r, "header-missing",
		    "no TLS-Report-Submitter header field");
	else if (sub != NULL &&
	    g_ascii_strcasecmp(info->tls_report_submitter, sub) != 0)
		report_deviate(r, "header-mismatch",
		    "TLS-Report-Submitter %s, contact-info domain %s",
		    info->tls_report_submitter, sub);
}

/*
 * Decode one candidate part into item->report, or record in item->err why
 * it was set aside.
 */
static void
decode_part(struct ingest_item *item, const unsigned char *data, size_t len,
    const struct ti_limits *limits, const struct mime_info *info)
{
	unsigned char *inflated = NULL;
	size_t inflated_len = 0, trailing = 0;
	const unsigned char *json = data;
	size_t json_len = len;
	int was_gzip = 0;
	struct report_fname fname;

	if (data == NULL) {
		ti_err_set(&item->err, TI_E_LIMIT,
		    "attachment of %zu bytes exceeds attachment-size %zu", len,
		    limits->attachment_size);
		return;
	}
	if (len == 0) {
		ti_err_set(&item->err, TI_E_INPUT, "empty report part");
		return;
	}
	if (gunzip_is_gzip(data, len)) {
		if (gunzip(data, len, limits->gunzip_size, &inflated,
			&inflated_len, &trailing, &item->err) == -1)
			return;
		json = inflated;
		json_len = inflated_len;
		was_gzip = 1;
	} else if (is_zip(data, len)) {
		ti_err_set(&item->err, TI_E_INPUT,
		    "zip archive, not gzip: RFC 8460 reports are gzip or JSON");
		return;
	} else if (!looks_like_json(data, len)) {
		ti_err_set(&item->err, TI_E_INPUT, "neither gzip nor JSON (%s)",
		    item->ctype);
		return;
	}
	if (was_gzip) {
		/* the report keeps the inflated text: not held twice */
		unsigned char *own = inflated;

		inflated = NULL;
		if (report_decode_owned(own, json_len, limits, &item->report,
			&item->err) == -1)
			goto out;
	} else if (report_decode(json, json_len, limits, &item->report,
		       &item->err) == -1)
		goto out;

	if (trailing > 0)
		report_deviate(item->report, "gzip-trailing-bytes",
		    "%zu bytes after the gzip data", trailing);
	if (was_gzip && strstr(item->ctype, "json") != NULL &&
	    strstr(item->ctype, "gzip") == NULL)
		report_deviate(item->report, "media-type-mismatch",
		    "%s part holds gzip data", item->ctype);
	if (!was_gzip && strstr(item->ctype, "gzip") != NULL)
		report_deviate(item->report, "media-type-mismatch",
		    "%s part holds plain JSON", item->ctype);
	if (item->filename != NULL) {
		if (report_fname_parse(item->filename, &fname) == 0) {
			report_check_fname(item->report, &fname);
			if (report_domain(item->report) == NULL)
				item->report->fallback_domain =
				    g_ascii_strdown(fname.policy_domain, -1);
			report_fname_clear(&fname);
		} else if (info != NULL && mime_report_name(item->filename))
			/* only a sender's name counts: a saved file's
			   local name is the user's business */
			report_deviate(item->report, "filename-malformed",
			    "file name does not follow RFC 8460 §5.1");
	}
	if (info != NULL) {
		check_headers(item->report, info);
		if (report_domain(item->report) == NULL &&
		    info->tls_report_domain != NULL)
			item->report->fallback_domain =
			    g_ascii_strdown(info->tls_report_domain, -1);
	}
out:
	g_free(inflated);
}

struct walk {
	struct ingest_mail *m;
	GArray *items;
	const struct ti_limits *limits;
};

static int
on_part(const struct mime_part *part, void *arg)
{
	struct walk *w = arg;
	struct ingest_item item = { 0 };

	if (w->items->len >= w->limits->reports_per_mail)
		return ti_err_set(&w->m->err, TI_E_LIMIT,
		    "more than %zu report parts (reports-per-mail)",
		    w->limits->reports_per_mail);
	item.part = g_strdup(part->path);
	item.filename = g_strdup(part->filename);
	item.ctype = g_ascii_strdown(part->ctype, -1);
	decode_part(&item, part->data, part->len, w->limits, &w->m->info);
	g_array_append_val(w->items, item);
	return 0;
}

void
ingest_parse(const unsigned char *raw, size_t len, const char *name,
    const struct ti_limits *limits, struct ingest_mail *out)
{
	GArray *items = g_array_new(FALSE, TRUE, sizeof(struct ingest_item));
	struct walk w = { out, items, limits };
	struct ingest_item item = { 0 };
	struct ti_err err = { 0 };

	memset(out, 0, sizeof(*out));
	if (raw == NULL) /* an empty GByteArray has no data */
		raw = (const unsigned char *)"";
	if (ingest_is_bare_report(raw, len)) {
		/* a bare report, as saved from a mail or POSTed by HTTPS */
		out->bare = 1;
		item.part = g_strdup("-");
		item.filename = g_strdup(name);
		item.ctype = g_strdup(gunzip_is_gzip(raw, len)
			? "application/tlsrpt+gzip"
			: "application/tlsrpt+json");
		decode_part(&item, raw, len, limits, NULL);
		g_array_append_val(items, item);
	} else if (mime_each_report(raw, len, limits, on_part, &w, &out->info,
		       &err) == -1 &&
	    err.status != TI_OK)
		out->err = err;

	if (out->err.status == TI_OK && out->info.is_dsn)
		ti_err_set(&out->err, TI_E_INPUT,
		    "a delivery status notification (bounce), not a report");
	else if (out->err.status == TI_OK && items->len == 0)
		ti_err_set(&out->err, TI_E_INPUT, "no report part found");
	out->n_items = items->len;
	out->items = (struct ingest_item *)(void *)g_array_free(items, FALSE);
}

void
ingest_note_media_type(struct ingest_mail *m, const char *content_type)
{
	if (!m->bare)
		return;
	for (size_t i = 0; i < m->n_items; i++) {
		struct ingest_item *it = &m->items[i];

		/* it->ctype says what the bytes are (ingest_parse) */
		if (it->report == NULL ||
		    (content_type != NULL &&
			strcmp(content_type, it->ctype) == 0))
			continue;
		report_deviate(it->report, "media-type-mismatch",
		    "%s posted as %s",
		    strstr(it->ctype, "gzip") ? "gzip" : "JSON",
		    content_type != NULL ? content_type : "no Content-Type");
	}
}

int
ingest_is_bare_report(const unsigned char *raw, size_t len)
{
	return gunzip_is_gzip(raw, len) || looks_like_json(raw, len);
}

void
ingest_mail_clear(struct ingest_mail *m)
{
	for (size_t i = 0; i < m->n_items; i++) {
		g_free(m->items[i].part);
		g_free(m->items[i].filename);
		g_free(m->items[i].ctype);
		report_free(m->items[i].report);
	}
	g_free(m->items);
	mime_info_clear(&m->info);
	memset(m, 0, sizeof(*m));
}

size_t
ingest_mail_reports(const struct ingest_mail *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_items; i++)
		if (m->items[i].report != NULL)
			n++;
	return n;
}

void
ingest_keep_domains(struct ingest_mail *m, const char *const *ours)
{
	if (ours == NULL)
		return;
	for (size_t i = 0; i < m->n_items; i++) {
		struct ingest_item *it = &m->items[i];
		const struct report *r = it->report;
		int mine = 0;

		if (r == NULL)
			continue;
		for (size_t j = 0; j < r->n_policies && !mine; j++)
			mine = trust_domain_matches(
			    r->policies[j].policy_domain, ours);
		if (!mine && r->fallback_domain != NULL)
			mine = trust_domain_matches(r->fallback_domain, ours);
		if (mine)
			continue;
		ti_err_set(&it->err, TI_E_INPUT,
		    "report for %s, not one of our domains ([trust] domains)",
		    report_domain(r) != NULL ? report_domain(r) : "no domain");
		it->foreign = 1;
		report_free(it->report);
		it->report = NULL;
	}
}

/* Send a finished line to the log, or to the dry-run stream. */
static void
emit(const struct ingest_opts *o, int priority, GString *line)
{
	if (o->dry_run != NULL)
		fprintf(o->dry_run, "%s\n", line->str);
	else
		log_emit(priority, "%s", line->str);
	g_string_truncate(line, 0);
}

static void
kv_rate(GString *line, int64_t ok, int64_t failed)
{
	if (ok + failed == 0)
		g_string_append(line, " failure_rate=-");
	else
		g_string_append_printf(line, " failure_rate=%.2f%%",
		    100.0 * (double)failed / (double)(ok + failed));
}

/* RFC 3339 UTC; the key is left out past years 1..9999.  (gmtime_r:
   GDateTime costs more than the rest of a report's line.) */
static void
kv_time(GString *line, const char *key, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[64];

	if (t < -62135596800LL || t > 253402300799LL ||
	    gmtime_r(&tt, &tm) == NULL)
		return;
	snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	log_kv(line, key, s);
}

static const char *
put_status(enum store_put_result res)
{
	switch (res) {
	case STORE_NEW:
		return "stored";
	case STORE_DUPLICATE:
		return "duplicate";
	case STORE_CONFLICT:
		break;
	}
	return "conflict";
}

/*
 * The report line, then one line per failure detail (at most
 * o->max_failure_lines, then one failures_omitted line for the rest) and
 * one per deviation.
 */
/* The auth keys of a report or mail line. */
static void
log_auth(GString *line, const struct ti_auth *a)
{
	if (a == NULL || a->result == NULL)
		return;
	log_kv(line, "auth", a->result);
	log_kv(line, "auth_method", a->method);
	log_kv(line, "auth_domain", a->domain);
	log_kv(line, "auth_selector", a->selector);
	log_kv(line, "auth_reason", a->reason);
}

static void
log_report(const struct ingest_opts *o, GString *line, const struct report *r,
    const char *status, const char *msgid, const char *other_sha,
    const struct ti_auth *auth)
{
	int64_t ok, failed, omitted_sessions = 0;
	size_t logged = 0, omitted = 0;
	GString *types = g_string_new(NULL);

	report_totals(r, &ok, &failed);
	for (size_t i = 0; i < r->n_policies; i++) {
		const char *t = r->policies[i].policy_type;
		int seen = 0;

		for (size_t j = 0; j < i; j++)
			seen |= strcmp(r->policies[j].policy_type, t) == 0;
		if (!seen)
			g_string_append_printf(types, "%s%s",
			    types->len ? "," : "", t);
	}
	g_string_append(line, "report");
	log_kv(line, "status", status);
	log_kv(line, "reporter", r->organization_name);
	log_kv(line, "report_id", r->report_id);
	log_kv(line, "policy_domain", report_domain(r));
	log_kv(line, "policy_type", types->str);
	kv_time(line, "begin", r->start);
	kv_time(line, "end", r->end);
	log_kv_int(line, "successes", ok);
	log_kv_int(line, "failures", failed);
	kv_rate(line, ok, failed);
	log_kv(line, "msgid", msgid);
	if (other_sha != NULL) {
		log_kv(line, "sha256", r->sha256);
		log_kv(line, "stored_sha256", other_sha);
	}
	log_auth(line, auth);
	emit(o, failed > 0 ? LOG_NOTICE : LOG_INFO, line);
	g_string_free(types, TRUE);

	/* the details of a report not stored are in the archived mail */
	if (strcmp(status, "duplicate") == 0 ||
	    strcmp(status, "unauthenticated") == 0)
		return;
	for (size_t i = 0; i < r->n_policies; i++) {
		const struct policy *p = &r->policies[i];

		for (size_t j = 0; j < p->n_failures; j++) {
			const struct failure *f = &p->failures[j];

			if (logged >= o->max_failure_lines) {
				omitted++;
				omitted_sessions = ti_sat_add(omitted_sessions,
				    f->failed_session_count);
				continue;
			}
			logged++;
			g_string_append(line, "failure");
			log_kv(line, "reporter", r->organization_name);
			log_kv(line, "report_id", r->report_id);
			log_kv(line, "policy_domain", p->policy_domain);
			log_kv(line, "policy_type", p->policy_type);
			log_kv(line, "result_type", f->result_type);
			log_kv(line, "receiving_mx", f->receiving_mx_hostname);
			log_kv(line, "receiving_ip", f->receiving_ip);
			log_kv(line, "sending_ip", f->sending_mta_ip);
			log_kv_int(line, "count", f->failed_session_count);
			log_kv(line, "reason_code", f->failure_reason_code);
			emit(o, LOG_NOTICE, line);
		}
	}
	if (omitted > 0) {
		/* one line for the rest: the store has every detail */
		g_string_append(line, "failures_omitted");
		log_kv(line, "reporter", r->organization_name);
		log_kv(line, "report_id", r->report_id);
		log_kv(line, "status", status);
		log_kv_int(line, "logged", (int64_t)logged);
		log_kv_int(line, "details", (int64_t)omitted);
		log_kv_int(line, "sessions", omitted_sessions);
		emit(o, LOG_NOTICE, line);
	}
	for (size_t i = 0; i < r->n_deviations; i++) {
		g_string_append(line, "deviation");
		log_kv(line, "reporter", r->organization_name);
		log_kv(line, "report_id", r->report_id);
		log_kv(line, "code", r->deviations[i].code);
		log_kv(line, "detail", r->deviations[i].detail);
		emit(o, LOG_INFO, line);
	}
}

static void
log_rejected_part(const struct ingest_opts *o, GString *line,
    const struct ingest_item *it, const char *msgid)
{
	g_string_append(line, "part");
	log_kv(line, "status", "rejected");
	log_kv(line, "part", it->part);
	log_kv(line, "filename", it->filename);
	log_kv(line, "type", it->ctype);
	log_kv(line, "class", ti_status_name(it->err.status));
	log_kv(line, "reason", it->err.msg);
	log_kv(line, "msgid", msgid);
	emit(o, LOG_WARNING, line);
}

/* What store_put() said of one report. */
struct outcome {
	enum store_put_result result;
	char stored_sha256[65];
};

/* Where the reports of m came from: "https" (a POST), "file" (a bare
   report) or "mail". */
static const char *
mail_source(const struct ingest_opts *o, const struct ingest_mail *m)
{
	if (o->source != NULL)
		return o->source;
	return m->bare ? "file" : "mail";
}

#define ARRIVAL_SCAN (256 * 1024) /* bytes of header looked at */
#define ARRIVAL_MIN 631152000 /* 1990-01-01: older is a bad clock */
#define ARRIVAL_SKEW 86400 /* a date this far past now is not believed */

/* An RFC 5322 date-time as epoch seconds, or 0 when it does not parse
   or is out of [ARRIVAL_MIN, now + ARRIVAL_SKEW]. */
static int64_t
arrival_date(const char *text, int64_t now)
{
	GDateTime *dt;
	int64_t t;

	if (text == NULL)
		return 0;
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == '\0' ||
	    (dt = g_mime_utils_header_decode_date(text)) == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t >= ARRIVAL_MIN && t <= now + ARRIVAL_SKEW ? t : 0;
}

/* The unfolded value of the header field that starts at p (after its
   colon) and ends before the next line that does not start with white
   space, or at end. */
static char *
field_value(const char *p, const char *end)
{
	GString *v = g_string_new(NULL);

	for (; p < end; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			if (p + 1 >= end || (p[1] != ' ' && p[1] != '\t'))
				break;
			g_string_append_c(v, ' ');
			continue;
		}
		g_string_append_c(v, *p);
	}
	return g_string_free(v, FALSE);
}

int64_t
ingest_arrival(const unsigned char *raw, size_t len, int64_t file_time,
    int64_t now)
{
	const char *p = (const char *)raw, *end, *nl, *colon;
	char *received = NULL, *date = NULL, *semi;
	int64_t t = 0;

	if (p == NULL)
		p = "", len = 0;
	end = p + (len < ARRIVAL_SCAN ? len : ARRIVAL_SCAN);
	if (end - p >= 5 && strncmp(p, "From ", 5) == 0) /* mbox */
		p = (nl = memchr(p, '\n', (size_t)(end - p))) != NULL ? nl + 1
								      : end;
	while (p < end && *p != '\r' && *p != '\n') {
		nl = memchr(p, '\n', (size_t)(end - p));
		colon = memchr(p, ':', (size_t)((nl != NULL ? nl : end) - p));
		if (*p == ' ' || *p == '\t') {
			/* a continuation of a field not read */
		} else if (colon == NULL)
			break; /* not a header: a bare report */
		else if (received == NULL && colon - p == 8 &&
		    g_ascii_strncasecmp(p, "Received", 8) == 0)
			received = field_value(colon + 1, end);
		else if (date == NULL && colon - p == 4 &&
		    g_ascii_strncasecmp(p, "Date", 4) == 0)
			date = field_value(colon + 1, end);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* RFC 5321 section 4.4: the date-time follows the last ";" */
	if (received != NULL && (semi = strrchr(received, ';')) != NULL)
		t = arrival_date(semi + 1, now);
	if (t == 0 && file_time >= ARRIVAL_MIN)
		t = file_time;
	if (t == 0)
		t = arrival_date(date, now);
	g_free(received);
	g_free(date);
	return t != 0 ? t : now;
}

/* Store every decoded report of m in one transaction. */
static int
store_mail(const struct ingest_opts *o, const struct ingest_mail *m,
    const unsigned char *raw, size_t len, const char *archive_path,
    const struct ti_auth *auth, struct outcome *out, struct ti_err *err)
{
	struct report_source src = { 0 };
	size_t k = 0;

	src.message_id = m->info.message_id;
	src.envelope_sender = o->sender;
	src.envelope_recipient = o->recipient;
	src.source = mail_source(o, m);
	src.origin = o->origin;
	src.archive_path = archive_path;
	src.received = (int64_t)time(NULL);
	src.arrived = m->bare || strcmp(src.source, "https") == 0
	    ? (o->file_time >= ARRIVAL_MIN ? o->file_time : src.received)
	    : ingest_arrival(raw, len, o->file_time, src.received);
	src.auth = auth;

	if (store_begin(o->store, err) == -1)
		return -1;
	for (size_t i = 0; i < m->n_items; i++) {
		const struct ingest_item *it = &m->items[i];

		if (it->report == NULL)
			continue;
		src.filename = it->filename;
		if (store_put(o->store, it->report, &src, &out[k].result,
			out[k].stored_sha256, err) == -1) {
			store_rollback(o->store);
			return -1;
		}
		k++;
	}
	if (store_commit(o->store, err) == -1) {
		store_rollback(o->store);
		return -1;
	}
	return 0;
}

/*
 * Why a mail was set aside, one of a fixed set (the label of
 * tlsrpt_reports_rejected_total, metrics.h): the first reason found.
 */
const char *
ingest_reject_reason(const struct ingest_mail *m, int unauth)
{
	if (unauth)
		return "unauthenticated";
	if (m->oversize || m->err.status == TI_E_LIMIT)
		return "too_large";
	for (size_t i = 0; i < m->n_items; i++) {
		if (m->items[i].foreign)
			return "foreign_domain";
		if (m->items[i].err.status == TI_E_LIMIT)
			return "too_large";
		if (m->items[i].report == NULL)
			return "invalid_report";
	}
	return "not_report";
}

/*
 * Count a mail set aside in its own small transaction (it has no report
 * row to go with).  A failure is logged: the mail is archived and
 * logged already, and a counter never fails a delivery.
 */
static void
count_rejected(const struct ingest_opts *o, const char *transport,
    const char *reason)
{
	struct ti_err err = { 0 };
	GString *line;

	if (store_begin(o->store, &err) == 0 &&
	    store_count(o->store, "rejected", transport, reason, 1, &err) ==
		0 &&
	    store_commit(o->store, &err) == 0)
		return;
	store_rollback(o->store);
	line = g_string_new("metrics");
	log_kv(line, "status", "count-failed");
	log_kv(line, "reason", err.msg);
	log_emit(LOG_WARNING, "%s", line->str);
	g_string_free(line, TRUE);
}

void
ingest_prepare(const unsigned char *raw, size_t len, int oversize,
    const char *origin, const struct ti_limits *limits, struct ingest_mail *m)
{
	char *name;

	if (oversize) {
		memset(m, 0, sizeof(*m));
		m->oversize = 1;
		ti_err_set(&m->err, TI_E_LIMIT,
		    "mail larger than message-size %zu", limits->message_size);
		return;
	}
	name = origin != NULL && strcmp(origin, "-") != 0
	    ? g_path_get_basename(origin)
	    : NULL;
	ingest_parse(raw, len, name, limits, m);
	g_free(name);
}

int
ingest_deliver(const struct ingest_opts *o, const unsigned char *raw,
    size_t len, int oversize, struct maildir_msg *staged,
    struct ingest_stats *stats, struct ti_err *err)
{
	struct ingest_mail m;
	int rc;

	/* a POST's origin is its client's address, not a file name */
	ingest_prepare(raw, len, oversize, o->source == NULL ? o->origin : NULL,
	    o->limits, &m);
	if (o->source != NULL)
		ingest_note_media_type(&m, o->content_type);
	ingest_keep_domains(&m, trust_domains(o->trust));
	rc = ingest_deliver_parsed(o, raw, len, &m, staged, stats, err);
	ingest_mail_clear(&m);
	return rc;
}

/* The first decoded report of m, whose contact-info names the
   reporting domain. */
static const struct report *
first_report(const struct ingest_mail *m)
{
	for (size_t i = 0; i < m->n_items; i++)
		if (m->items[i].report != NULL)
			return m->items[i].report;
	return NULL;
}

/*
 * Who vouched for the mail (o->trust): *auth and *verdict.  A bare
 * report file carries no signature.  A temperror within the grace
 * period defers a pipe delivery; a backfill only logs it.
 */
static int
authenticate(const struct ingest_opts *o, const unsigned char *raw, size_t len,
    const struct ingest_mail *m, struct ti_auth *auth,
    enum trust_verdict *verdict, struct ti_err *err)
{
	if (strcmp(mail_source(o, m), "https") == 0) {
		auth_set(auth, AUTH_NONE, AUTH_RNONE);
		auth_reason(auth,
		    "posted over HTTPS: RFC 8460 defines no authentication "
		    "for it");
		*verdict = TRUST_STORE;
		return 0;
	}
	if (m->bare && trust_authenticates(o->trust)) {
		auth_set(auth, AUTH_NONE, AUTH_RNONE);
		auth_reason(auth,
		    "a report file, not a mail: nothing to authenticate");
		*verdict = TRUST_UNAUTHENTICATED;
		return 0;
	}
	if (trust_check(o->trust, raw, len, first_report(m),
		m->info.tls_report_submitter, (int64_t)time(NULL), auth,
		verdict, err) == -1)
		return -1;
	if (*verdict != TRUST_DEFER)
		return 0;
	if (o->defer_temp)
		return ti_err_set(err, TI_E_TEMP,
		    "cannot authenticate the mail yet, retried up to [trust] "
		    "grace: %s",
		    auth->reason != NULL ? auth->reason : "temperror");
	*verdict = TRUST_UNAUTHENTICATED;
	return 0;
}

int
ingest_deliver_parsed(const struct ingest_opts *o, const unsigned char *raw,
    size_t len, const struct ingest_mail *m, struct maildir_msg *staged,
    struct ingest_stats *stats, struct ti_err *err)
{
	size_t n_reports, k = 0, stored = 0, dups = 0, rejected = 0;
	struct outcome *outcomes = NULL;
	char *archive_path = NULL;
	GString *line = g_string_new(NULL);
	struct ti_auth auth = { 0 };
	enum trust_verdict verdict = TRUST_STORE;
	const char *status;
	const struct ti_auth *vouched;
	int rc = -1, unauth;

	if (raw == NULL)
		raw = (const unsigned char *)"";
	n_reports = ingest_mail_reports(m);
	if (n_reports > 0 && o->trust != NULL &&
	    authenticate(o, raw, len, m, &auth, &verdict, err) == -1)
		goto out;
	unauth = n_reports > 0 && verdict != TRUST_STORE;
	vouched = o->trust != NULL ? &auth : NULL; /* NULL: nobody asked */

	if (o->archive != NULL && o->dry_run == NULL) {
		const char *folder = n_reports == 0 ? REJECTED_FOLDER
		    : unauth                        ? UNAUTH_FOLDER
						    : NULL;
		int archived = staged != NULL
		    ? maildir_commit(staged, folder, &archive_path, err)
		    : maildir_deliver(o->archive, folder, raw, len,
			  &archive_path, err);

		staged = NULL; /* maildir_commit() freed it */
		if (archived == -1)
			goto out;
	}

	outcomes = g_new0(struct outcome, n_reports + 1);
	if (n_reports > 0 && !unauth && o->dry_run == NULL &&
	    store_mail(o, m, raw, len, archive_path, vouched, outcomes, err) ==
		-1)
		goto out;
	if ((n_reports == 0 || unauth) && o->dry_run == NULL &&
	    o->store != NULL)
		count_rejected(o, mail_source(o, m),
		    ingest_reject_reason(m, unauth));

	for (size_t i = 0; i < m->n_items; i++) {
		const struct ingest_item *it = &m->items[i];

		if (it->report == NULL) {
			log_rejected_part(o, line, it, m->info.message_id);
			rejected++;
			if (stats != NULL && it->foreign &&
			    stats->foreign++ == 0)
				stats->foreign_why = it->err;
			if (stats != NULL && !it->foreign)
				ti_err_set(&stats->why, it->err.status, "%s",
				    it->err.msg);
			continue;
		}
		status = unauth          ? "unauthenticated"
		    : o->dry_run != NULL ? "dry-run"
					 : put_status(outcomes[k].result);
		if (!unauth && o->dry_run == NULL && o->on_stored != NULL &&
		    outcomes[k].result == STORE_NEW)
			o->on_stored(it->report, vouched, mail_source(o, m),
			    o->on_stored_arg);
		if (!unauth && o->dry_run == NULL &&
		    outcomes[k].result != STORE_NEW)
			dups++;
		else if (!unauth)
			stored++;
		log_report(o, line, it->report, status, m->info.message_id,
		    outcomes[k].result == STORE_CONFLICT
			? outcomes[k].stored_sha256
			: NULL,
		    vouched);
		k++;
	}

	g_string_append(line,
	    strcmp(mail_source(o, m), "https") == 0 ? "post" : "mail");
	status = n_reports == 0 ? "rejected"
	    : unauth            ? "unauthenticated"
	    : stored > 0        ? (o->dry_run != NULL ? "dry-run" : "stored")
				: "duplicate";
	log_kv(line, "status", status);
	log_kv(line, "msgid", m->info.message_id);
	log_kv(line, "sender", o->sender);
	log_kv(line, "origin", o->origin);
	log_kv_int(line, "size", (int64_t)len);
	log_kv_int(line, "reports", (int64_t)n_reports);
	log_kv_int(line, "stored", (int64_t)stored);
	log_kv_int(line, "duplicates", (int64_t)dups);
	log_kv_int(line, "rejected", (int64_t)rejected);
	log_kv(line, "archive", archive_path);
	if (n_reports == 0) {
		enum ti_status class =
		    m->err.status != TI_OK ? m->err.status : TI_E_INPUT;
		const char *reason = m->err.status != TI_OK
		    ? m->err.msg
		    : "no valid report in the mail";

		if (stats != NULL)
			ti_err_set(&stats->why, class, "%s", reason);
		log_kv(line, "class", ti_status_name(class));
		log_kv(line, "reason", reason);
	} else {
		if (m->err.status != TI_OK)
			log_kv(line, "warning", m->err.msg);
		log_auth(line, vouched);
	}
	emit(o, n_reports == 0 || unauth ? LOG_WARNING : LOG_INFO, line);

	if (stats != NULL) {
		stats->mails++;
		stats->reports += n_reports;
		stats->stored += stored;
		stats->duplicates += dups;
		stats->rejected_parts += rejected;
		stats->rejected_mails += n_reports == 0;
		stats->unauthenticated += unauth;
	}
	rc = 0;
out:
	auth_clear(&auth);
	g_free(outcomes);
	g_free(archive_path);
	maildir_abort(staged);
	g_string_free(line, TRUE);
	return rc;
}
