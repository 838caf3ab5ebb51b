/*
 * export.c: what `tlsrpt list` and `tlsrpt export` print from a store.
 *
 * Design rationale:
 * - jsonl gives back each RFC 8460 §4.4 report object as received, plus
 *   a "_meta" object saying where it came from: a consumer needs no
 *   schema of ours beyond that one member.
 * - csv re-decodes the stored JSON with report_decode(), so that the
 *   rows follow the same model the ingest checked; one row per
 *   failure-details entry (RFC 8460 §4.4 "failure-details"), RFC 4180.
 * - Everything printed is valid UTF-8, and the list table prints no
 *   control or format character: report text is attacker-controlled
 *   and the table goes to a terminal.
 * - Who vouched for a report (trust/auth.h) goes along everywhere:
 *   jsonl's "_meta.auth" holds the whole record, csv appends its
 *   method, result and signing domain after the columns it always had
 *   (a consumer that reads columns by position keeps working), and
 *   list shows the result word in its AUTH column.
 * - Everything streams: a row is printed (or, for list, spooled) as the
 *   store gives it and then freed, so that memory does not grow with
 *   the store (issue #16).
 * - When the mail arrived (stored_report.arrived: our MTA's Received
 *   header, else the Maildir delivery time, else Date) is "_meta.arrived"
 *   beside "received" (when it was stored), and csv's last column.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "store/store.h"
#include "digest/digest.h"
#include "export.h"

#define DAY 86400

/* s as valid UTF-8 (a copy); invalid bytes become U+FFFD. */
static char *
utf8_copy(const char *s)
{
	return g_utf8_make_valid(s != NULL ? s : "", -1);
}

/* "2024-03-01T00:00:00Z", or "" when t is out of GDateTime's range. */
static char *
rfc3339(int64_t t)
{
	GDateTime *dt;
	char *s;

	if ((dt = g_date_time_new_from_unix_utc(t)) == NULL)
		return g_strdup("");
	s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(dt);
	return s != NULL ? s : g_strdup("");
}

static int
export_write_error(FILE *out, struct ti_err *err)
{
	(void)out;
	return ti_err_set(err, TI_E_TEMP, "write error: %s",
	    errno != 0 ? strerror(errno) : "output failed");
}

/* ---- jsonl ---------------------------------------------------------- */

static void
meta_add_string(cJSON *meta, const char *key, const char *value)
{
	char *valid;

	if (value == NULL) {
		cJSON_AddNullToObject(meta, key);
		return;
	}
	valid = utf8_copy(value);
	cJSON_AddStringToObject(meta, key, valid);
	g_free(valid);
}

/*
 * cJSON 1.7.15 prints a number with "%1.15g" when that reads back within
 * DBL_EPSILON, so 9007199254740991 comes out as 9.00719925474099e+15.
 * Turn every number into a raw item holding exact text instead: integral
 * values as integers, others as the shortest "%.Ng" that reads back.
 */
static int
json_exact_numbers(cJSON *node)
{
	char text[64];
	double d;
	int prec;
	cJSON *c;

	for (c = node->child; c != NULL; c = c->next) {
		if (c->child != NULL && json_exact_numbers(c) == -1)
			return -1;
		if (!cJSON_IsNumber(c))
			continue;
		d = c->valuedouble;
		if (d != d || d - d != 0) /* NaN, infinity: cannot parse */
			continue;
		if (d > -1e17 && d < 1e17 && d == (double)(int64_t)d)
			snprintf(text, sizeof(text), "%" PRId64, (int64_t)d);
		else
			for (prec = 15; prec <= 17; prec++) {
				snprintf(text, sizeof(text), "%.*g", prec, d);
				if (strtod(text, NULL) == d)
					break;
			}
		if ((c->valuestring = strdup(text)) == NULL)
			return -1;
		c->type = cJSON_Raw | (c->type & cJSON_StringIsConst);
	}
	return 0;
}

/* "_meta.auth": every member always there, null when unknown. */
static void
meta_add_auth(cJSON *meta, const struct ti_auth *a)
{
	cJSON *auth = cJSON_CreateObject();

	meta_add_string(auth, "method", a->method);
	meta_add_string(auth, "result", a->result);
	meta_add_string(auth, "domain", a->domain);
	meta_add_string(auth, "selector", a->selector);
	meta_add_string(auth, "algorithm", a->algorithm);
	if (a->bits > 0)
		cJSON_AddNumberToObject(auth, "bits", a->bits);
	else
		cJSON_AddNullToObject(auth, "bits");
	meta_add_string(auth, "dnssec", a->dnssec);
	meta_add_string(auth, "reason", a->reason);
	cJSON_AddItemToObject(meta, "auth", auth);
}

static int
jsonl_cb(const struct stored_report *sr, void *arg)
{
	FILE *out = arg;
	cJSON *root, *meta;
	char *text, *received, *valid;

	root = cJSON_ParseWithLength(sr->json, sr->json_len);
	if (root != NULL && !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = NULL;
	}
	if (root == NULL) {
		/* Cannot happen for JSON checked at ingest; still print
		   a valid line that says so rather than invalid output. */
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "_error",
		    "stored report JSON does not parse");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(root, "_meta");
	meta = cJSON_CreateObject();
	cJSON_AddNumberToObject(meta, "id", (double)sr->id);
	received = rfc3339(sr->received);
	cJSON_AddStringToObject(meta, "received", received);
	g_free(received);
	received = rfc3339(sr->arrived);
	cJSON_AddStringToObject(meta, "arrived", received);
	g_free(received);
	meta_add_string(meta, "message-id", sr->message_id);
	meta_add_string(meta, "envelope-sender", sr->envelope_sender);
	meta_add_string(meta, "filename", sr->filename);
	meta_add_string(meta, "source", sr->source);
	if (sr->source != NULL && strcmp(sr->source, "https") == 0)
		meta_add_string(meta, "client-address", sr->origin);
	meta_add_auth(meta, &sr->auth);
	cJSON_AddItemToObject(root, "_meta", meta);
	if (json_exact_numbers(root) == -1) {
		cJSON_Delete(root);
		return -1;
	}
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return -1;
	if (!g_utf8_validate(text, -1, NULL)) {
		valid = g_utf8_make_valid(text, -1);
		fprintf(out, "%s\n", valid);
		g_free(valid);
	} else
		fprintf(out, "%s\n", text);
	cJSON_free(text);
	return ferror(out) ? 1 : 0;
}

int
export_jsonl(struct store *st, const struct store_query *q, FILE *out,
    struct ti_err *err)
{
	int rc;

	errno = 0;
	rc = store_each_report(st, q, jsonl_cb, out, err);
	if (rc == -1 && err != NULL && err->status == TI_OK)
		return ti_err_set(err, TI_E_TEMP, "jsonl: out of memory");
	if (rc == 1 || ferror(out))
		return export_write_error(out, err);
	return rc;
}

/* ---- csv ------------------------------------------------------------ */

struct csv_state {
	FILE *out;
	struct ti_limits limits;
	size_t undecodable;
	int64_t first_id;
	char first_msg[256];
};

/* One RFC 4180 field: quoted when it holds , " CR LF or starts or ends
   with white space; quotes doubled.  NULL is an empty field. */
static void
csv_field(FILE *out, const char *s, int last)
{
	char *valid;
	const char *p;
	size_t len;
	int quote;

	valid = utf8_copy(s);
	len = strlen(valid);
	quote = strpbrk(valid, ",\"\r\n") != NULL ||
	    (len > 0 &&
		(valid[0] == ' ' || valid[0] == '\t' || valid[len - 1] == ' ' ||
		    valid[len - 1] == '\t'));
	if (quote) {
		fputc('"', out);
		for (p = valid; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	} else
		fputs(valid, out);
	fputs(last ? "\r\n" : ",", out);
	g_free(valid);
}

static const char *const csv_columns[] = {
	"organization_name",
	"report_id",
	"start_datetime",
	"end_datetime",
	"policy_type",
	"policy_domain",
	"result_type",
	"sending_mta_ip",
	"receiving_mx_hostname",
	"receiving_mx_helo",
	"receiving_ip",
	"failed_session_count",
	"failure_reason_code",
	"additional_information",
	"auth_method",
	"auth_result",
	"auth_domain",
	"arrived",
};

static int
csv_cb(const struct stored_report *sr, void *arg)
{
	struct csv_state *cs = arg;
	struct ti_err derr = { 0 };
	struct report *r = NULL;
	const struct policy *p;
	const struct failure *f;
	char *start, *end, *arrived, count[32];
	size_t i, j;

	if (report_decode_stored((const unsigned char *)sr->json, sr->json_len,
		&cs->limits, &r, &derr) == -1) {
		if (cs->undecodable++ == 0) {
			cs->first_id = sr->id;
			g_strlcpy(cs->first_msg, derr.msg,
			    sizeof(cs->first_msg));
		}
		return 0;
	}
	start = rfc3339(sr->start);
	end = rfc3339(sr->end);
	arrived = rfc3339(sr->arrived);
	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			snprintf(count, sizeof(count), "%" PRId64,
			    f->failed_session_count);
			csv_field(cs->out, r->organization_name, 0);
			csv_field(cs->out, r->report_id, 0);
			csv_field(cs->out, start, 0);
			csv_field(cs->out, end, 0);
			csv_field(cs->out, p->policy_type, 0);
			csv_field(cs->out, p->policy_domain, 0);
			csv_field(cs->out, f->result_type, 0);
			csv_field(cs->out, f->sending_mta_ip, 0);
			csv_field(cs->out, f->receiving_mx_hostname, 0);
			csv_field(cs->out, f->receiving_mx_helo, 0);
			csv_field(cs->out, f->receiving_ip, 0);
			csv_field(cs->out, count, 0);
			csv_field(cs->out, f->failure_reason_code, 0);
			csv_field(cs->out, f->additional_information, 0);
			csv_field(cs->out, sr->auth.method, 0);
			csv_field(cs->out, sr->auth.result, 0);
			csv_field(cs->out, sr->auth.domain, 0);
			csv_field(cs->out, arrived, 1);
		}
	}
	g_free(start);
	g_free(end);
	g_free(arrived);
	report_free(r);
	return ferror(cs->out) ? 1 : 0;
}

int
export_csv(struct store *st, const struct store_query *q, FILE *out,
    struct ti_err *err)
{
	struct csv_state cs;
	size_t i;
	int rc;

	memset(&cs, 0, sizeof(cs));
	cs.out = out;
	ti_limits_default(&cs.limits);
	errno = 0;
	for (i = 0; i < nitems(csv_columns); i++)
		csv_field(out, csv_columns[i], i + 1 == nitems(csv_columns));
	rc = store_each_report(st, q, csv_cb, &cs, err);
	if (rc == 1 || ferror(out))
		return export_write_error(out, err);
	if (rc != 0)
		return rc;
	if (cs.undecodable > 0)
		return ti_err_set(err, TI_E_INPUT,
		    "csv: %zu stored report(s) left out: they no longer "
		    "decode (first: id %" PRId64 ": %s)",
		    cs.undecodable, cs.first_id, cs.first_msg);
	return 0;
}

/* ---- list ----------------------------------------------------------- */

enum {
	COL_BEGIN,
	COL_DOMAIN,
	COL_REPORTER,
	COL_AUTH,
	COL_SUCCESS,
	COL_FAILURE,
	COL_RATE,
	COL_REPORT_ID,
	NCOLS
};

static const struct {
	const char *title;
	size_t cap; /* most characters shown, then "…" */
	int right; /* right-aligned (numbers) */
} list_cols[NCOLS] = {
	{ "BEGIN", 10, 0 },
	{ "DOMAIN", 40, 0 },
	{ "REPORTER", 32, 0 },
	{ "AUTH", 10, 0 }, /* the result word: pass, fail, none, ... */
	{ "SUCCESS", 20, 1 },
	{ "FAILURE", 20, 1 },
	{ "RATE", 8, 1 },
	{ "REPORT-ID", 48, 0 },
};

/* s made safe for a terminal (digest_clean: control and format
   characters and invalid bytes become '?', at most cap characters with
   "…" when cut); "-" for NULL. */
static char *
term_clean(const char *s, size_t cap)
{
	char *c = digest_clean(s, cap);

	return c != NULL ? c : g_strdup("-");
}

/*
 * The table streams: each row is cleaned, measured and written to a
 * spool file (one line, cells separated by tabs: term_clean leaves no
 * tab or newline in a cell) as the store gives it; then the spool is
 * read back and printed with the widths of the longest cells.  One read
 * of the store, and memory that does not grow with it (a store of two
 * million reports held every row in memory); the spool is as big as
 * the output, in $TMPDIR, unlinked at once.
 */
struct list_state {
	FILE *spool;
	size_t width[NCOLS];
	uint64_t n;
};

static int
list_cb(const struct stored_report *sr, void *arg)
{
	struct list_state *ls = arg;
	char *cell[NCOLS] = { NULL };
	GDateTime *dt;
	int64_t sessions;
	size_t len;
	int c;

	if ((dt = g_date_time_new_from_unix_utc(sr->start)) != NULL) {
		cell[COL_BEGIN] = g_date_time_format(dt, "%Y-%m-%d");
		g_date_time_unref(dt);
	}
	if (cell[COL_BEGIN] == NULL)
		cell[COL_BEGIN] = g_strdup("?");
	cell[COL_DOMAIN] = term_clean(sr->domain, list_cols[COL_DOMAIN].cap);
	cell[COL_REPORTER] =
	    term_clean(sr->organization_name, list_cols[COL_REPORTER].cap);
	cell[COL_AUTH] = term_clean(sr->auth.result, list_cols[COL_AUTH].cap);
	cell[COL_SUCCESS] = g_strdup_printf("%" PRId64, sr->successful);
	cell[COL_FAILURE] = g_strdup_printf("%" PRId64, sr->failed);
	sessions = sr->successful + sr->failed;
	if (sr->successful < 0 || sr->failed < 0 || sessions <= 0)
		cell[COL_RATE] = g_strdup("-");
	else
		cell[COL_RATE] = g_strdup_printf("%.2f%%",
		    100.0 * (double)sr->failed / (double)sessions);
	cell[COL_REPORT_ID] =
	    term_clean(sr->report_id, list_cols[COL_REPORT_ID].cap);
	for (c = 0; c < NCOLS; c++) {
		len = (size_t)g_utf8_strlen(cell[c], -1);
		if (len > ls->width[c])
			ls->width[c] = len;
		fputs(cell[c], ls->spool);
		fputc(c + 1 < NCOLS ? '\t' : '\n', ls->spool);
		g_free(cell[c]);
	}
	ls->n++;
	return ferror(ls->spool) ? 1 : 0;
}

static void
pad(FILE *out, size_t n)
{
	while (n-- > 0)
		fputc(' ', out);
}

static void
list_print_row(FILE *out, char *const cell[NCOLS], const size_t width[NCOLS])
{
	size_t len;
	int i;

	for (i = 0; i < NCOLS; i++) {
		len = (size_t)g_utf8_strlen(cell[i], -1);
		if (i > 0)
			fputs("  ", out);
		if (list_cols[i].right)
			pad(out, width[i] - len);
		fputs(cell[i], out);
		if (!list_cols[i].right && i + 1 < NCOLS)
			pad(out, width[i] - len);
	}
	fputc('\n', out);
}

/* A spool file in $TMPDIR, already unlinked; NULL with *err set. */
static FILE *
list_spool(struct ti_err *err)
{
	GError *gerr = NULL;
	char *path = NULL;
	FILE *f;
	int fd;

	if ((fd = g_file_open_tmp("tlsrpt-list.XXXXXX", &path, &gerr)) == -1) {
		ti_err_set(err, TI_E_TEMP, "list: temporary file: %s",
		    gerr->message);
		g_error_free(gerr);
		return NULL;
	}
	unlink(path);
	g_free(path);
	if ((f = fdopen(fd, "w+")) == NULL) {
		ti_err_set(err, TI_E_TEMP, "list: temporary file: %s",
		    strerror(errno));
		close(fd);
	}
	return f;
}

int
export_list(struct store *st, const struct store_query *q, FILE *out,
    struct ti_err *err)
{
	struct list_state ls;
	char *title[NCOLS], **cell, *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int c, rc;

	memset(&ls, 0, sizeof(ls));
	if ((ls.spool = list_spool(err)) == NULL)
		return -1;
	for (c = 0; c < NCOLS; c++) {
		title[c] = (char *)list_cols[c].title;
		ls.width[c] = strlen(title[c]);
	}
	errno = 0;
	rc = store_each_report(st, q, list_cb, &ls, err);
	if (rc == 1 || (rc == 0 && fflush(ls.spool) == EOF)) {
		/* list_cb stops with 1 only when the spool failed */
		ti_err_set(err, TI_E_TEMP, "list: temporary file: %s",
		    errno != 0 ? strerror(errno) : "write failed");
		rc = -1;
	}
	if (rc != 0) {
		fclose(ls.spool);
		return rc;
	}
	errno = 0;
	if (ls.n == 0) {
		fputs("no reports\n", out);
		goto done;
	}
	list_print_row(out, title, ls.width);
	rewind(ls.spool);
	while ((len = getline(&line, &cap, ls.spool)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		cell = g_strsplit(line, "\t", NCOLS);
		if (g_strv_length(cell) == NCOLS)
			list_print_row(out, cell, ls.width);
		g_strfreev(cell);
	}
	free(line);
	fprintf(out, "%" PRIu64 " report%s\n", ls.n, ls.n == 1 ? "" : "s");
done:
	fclose(ls.spool);
	if (ferror(out))
		return export_write_error(out, err);
	return 0;
}

/* ---- time ----------------------------------------------------------- */

static int64_t
midnight(int64_t t)
{
	int64_t m = t % DAY;

	return m < 0 ? t - m - DAY : t - m;
}

/* A decimal int64 that is all of s (optional leading '-'). */
static int
parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '-' ? !g_ascii_isdigit(s[1]) : !g_ascii_isdigit(*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
export_parse_time(const char *text, int64_t now, int64_t *out)
{
	GTimeZone *utc;
	GDateTime *dt;
	char *copy, *p;
	int64_t n;
	size_t len;
	int y, m, d;

	if (text == NULL || *text == '\0')
		return -1;
	if (strcmp(text, "today") == 0) {
		*out = midnight(now);
		return 0;
	}
	if (strcmp(text, "yesterday") == 0) {
		*out = midnight(now) - DAY;
		return 0;
	}
	if (text[0] == '@')
		return parse_int64(text + 1, out);
	len = strlen(text);
	if (text[len - 1] == 'd') {
		/* "-7d" or "7d": N days before today's midnight (UTC) */
		copy = g_strndup(text[0] == '-' ? text + 1 : text,
		    len - 1 - (text[0] == '-'));
		if (*copy == '-' || parse_int64(copy, &n) == -1 ||
		    n > 1000000) {
			g_free(copy);
			return -1;
		}
		g_free(copy);
		*out = midnight(now) - n * DAY;
		return 0;
	}
	/* YYYY-MM-DD, then optionally an RFC 3339 time part */
	if (len < 10 || !g_ascii_isdigit(text[0]) ||
	    !g_ascii_isdigit(text[1]) || !g_ascii_isdigit(text[2]) ||
	    !g_ascii_isdigit(text[3]) || text[4] != '-' ||
	    !g_ascii_isdigit(text[5]) || !g_ascii_isdigit(text[6]) ||
	    text[7] != '-' || !g_ascii_isdigit(text[8]) ||
	    !g_ascii_isdigit(text[9]))
		return -1;
	if (len == 10) {
		y = atoi(text);
		m = atoi(text + 5);
		d = atoi(text + 8);
		if ((dt = g_date_time_new_utc(y, m, d, 0, 0, 0)) == NULL)
			return -1;
		*out = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
		return 0;
	}
	/* RFC 3339 §5.6: "T" or (note) a space; upper-case for GLib, and
	   require hh:mm:ss so that week dates and the like stay out. */
	if (len < 19 ||
	    (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
	    text[13] != ':' || text[16] != ':')
		return -1;
	copy = g_ascii_strup(text, -1);
	copy[10] = 'T';
	for (p = copy + 11; *p != '\0'; p++)
		if (*p == ' ')
			break;
	if (*p != '\0') {
		g_free(copy);
		return -1;
	}
	utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(copy, utc);
	g_time_zone_unref(utc);
	g_free(copy);
	if (dt == NULL)
		return -1;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}
