/*
 * report-fname.c: the RFC 8460 §5.1 report file name,
 *     sender "!" policy-domain "!" begin "!" end [ "!" unique-id ] "." ext
 * parsed and compared with the decoded report.
 *
 * Design rationale:
 * - The name comes from a MIME header, so it is hostile: it is only
 *   ever parsed here, never used as a path.  Anything off the grammar
 *   (path separators, control bytes, a wrong extension, extra fields)
 *   fails the parse, and the caller records "filename-malformed".
 * - The RFC's timestamps are epoch seconds; ISO 8601 date-times (RFC 3339
 *   or the basic form 20230110T000000Z) are accepted as harmless
 *   leniency, although no real sender was seen writing them
 *   (doc/rfc8460.md, '4. File names').
 * - The report is authoritative (RFC 8460 §5.6): a disagreement is a
 *   deviation, never an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"

#define FNAME_MAX 1024
#define DOMAIN_MAX 255
#define EPOCH_DIGITS 19

/* Letters, digits, '-', '_' and dots between non-empty labels. */
static int
plausible_domain(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > DOMAIN_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (g_ascii_isalnum(s[i]) || s[i] == '-' || s[i] == '_')
			continue;
		if (s[i] == '.' && s[i + 1] != '.')
			continue;
		return 0;
	}
	return 1;
}

/* 1..19 decimal digits that fit int64_t. */
static int
parse_epoch(const char *s, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= EPOCH_DIGITS)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || v > INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/*
 * ISO 8601 basic form "YYYYMMDDThhmmss" [".frac"] ["Z" / ("+"/"-") hhmm]:
 * rewritten into RFC 3339 for report_parse_datetime.
 */
static int
parse_basic(const char *s, int64_t *out)
{
	char ext[64];
	size_t i, n = strlen(s);
	const char *rest;

	if (n < 15 || n >= 40 || s[8] != 'T')
		return -1;
	for (i = 0; i < 15; i++)
		if (i != 8 && !g_ascii_isdigit(s[i]))
			return -1;
	rest = s + 15;
	if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 5) {
		snprintf(ext, sizeof(ext),
		    "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%c%.2s:%.2s", s, s + 4, s + 6,
		    s + 9, s + 11, s + 13, rest[0], rest + 1, rest + 3);
	} else
		snprintf(ext, sizeof(ext), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%s", s,
		    s + 4, s + 6, s + 9, s + 11, s + 13, rest);
	return report_parse_datetime(ext, out, NULL);
}

static int
parse_time(const char *s, int64_t *out)
{
	if (parse_epoch(s, out) == 0)
		return 0;
	if (strchr(s, '-') != NULL && strlen(s) >= 19 && s[4] == '-')
		return report_parse_datetime(s, out, NULL);
	return parse_basic(s, out);
}

static int
is_unique_id(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s))
			return 0;
	return 1;
}

int
report_fname_parse(const char *name, struct report_fname *out)
{
	char *stem = NULL, **f = NULL;
	size_t n, nf;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (name == NULL || (n = strlen(name)) > FNAME_MAX)
		return -1;
	if (n > 8 && g_ascii_strcasecmp(name + n - 8, ".json.gz") == 0) {
		out->gzip = 1;
		stem = g_strndup(name, n - 8);
	} else if (n > 5 && g_ascii_strcasecmp(name + n - 5, ".json") == 0)
		stem = g_strndup(name, n - 5);
	else
		return -1;
	f = g_strsplit(stem, "!", 6);
	nf = g_strv_length(f);
	if (nf != 4 && nf != 5)
		goto out;
	if (!plausible_domain(f[0]) || !plausible_domain(f[1]) ||
	    parse_time(f[2], &out->begin) == -1 ||
	    parse_time(f[3], &out->end) == -1 ||
	    (nf == 5 && !is_unique_id(f[4])))
		goto out;
	out->sender = g_strdup(f[0]);
	out->policy_domain = g_strdup(f[1]);
	if (nf == 5)
		out->unique_id = g_strdup(f[4]);
	rc = 0;
out:
	g_strfreev(f);
	g_free(stem);
	if (rc == -1)
		report_fname_clear(out);
	return rc;
}

void
report_fname_clear(struct report_fname *f)
{
	if (f == NULL)
		return;
	g_free(f->sender);
	g_free(f->policy_domain);
	g_free(f->unique_id);
	memset(f, 0, sizeof(*f));
}

/* Domains compare case-insensitively, ignoring one trailing dot. */
static int
same_domain(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return na == nb && g_ascii_strncasecmp(a, b, na) == 0;
}

/* Untrusted report text for a detail: at most 48 bytes, C-escaped. */
static char *
quote(const char *s)
{
	char *head = g_strndup(s, 48), *q;

	q = g_strescape(head, NULL);
	g_free(head);
	return q;
}

void
report_check_fname(struct report *r, const struct report_fname *f)
{
	const char *dom, *at;
	char *q;

	/* f passed report_fname_parse: its fields are plain domain
	   characters and digits.  Report strings go through quote(). */
	dom = report_domain(r);
	if (dom != NULL && !same_domain(dom, f->policy_domain)) {
		q = quote(dom);
		report_deviate(r, "filename-mismatch",
		    "file name policy-domain %s, report \"%s\"",
		    f->policy_domain, q);
		g_free(q);
	}
	if (f->begin != r->start)
		report_deviate(r, "filename-mismatch",
		    "file name begin %" PRId64 " differs from start-datetime "
		    "(%" PRId64 ")",
		    f->begin, r->start);
	/* inclusive 23:59:59 vs exclusive 00:00:00 ends differ by 1 s */
	if (f->end > r->end + 1 || f->end < r->end - 1)
		report_deviate(r, "filename-mismatch",
		    "file name end %" PRId64 " differs from end-datetime "
		    "(%" PRId64 ")",
		    f->end, r->end);
	if (f->begin > f->end)
		report_deviate(r, "filename-mismatch",
		    "file name begin %" PRId64 " is after its end %" PRId64,
		    f->begin, f->end);
	if (r->contact_info != NULL &&
	    (at = strrchr(r->contact_info, '@')) != NULL &&
	    !same_domain(at + 1, f->sender)) {
		q = quote(at + 1);
		report_deviate(r, "filename-mismatch",
		    "file name sender %s, contact-info domain \"%s\"",
		    f->sender, q);
		g_free(q);
	}
}
