/*
 * cgi.c: the CGI request and answer (cgi.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "https/cgi.h"

const char cgi_deadline_answer[] = "Status: 503 Service Unavailable\r\n"
				   "Retry-After: 300\r\n"
				   "Content-Type: text/plain; charset=utf-8\r\n"
				   "\r\n"
				   "deadline exceeded, try again later\n";
const size_t cgi_deadline_answer_len = sizeof(cgi_deadline_answer) - 1;

int
cgi_detect(const char *gi)
{
	return gi != NULL && g_ascii_strncasecmp(gi, "CGI/", 4) == 0;
}

void
cgi_request_read(struct cgi_request *rq,
    const char *(*get)(const char *name, void *arg), void *arg)
{
	const char *v;
	guint64 n;

	memset(rq, 0, sizeof(*rq));
	rq->content_length = -1;
	rq->method = g_strdup(get("REQUEST_METHOD", arg));
	rq->remote_addr = g_strdup(get("REMOTE_ADDR", arg));
	if ((v = get("CONTENT_TYPE", arg)) != NULL) {
		size_t len = strcspn(v, ";");

		while (len > 0 && g_ascii_isspace(v[len - 1]))
			len--;
		while (len > 0 && g_ascii_isspace(*v)) {
			v++;
			len--;
		}
		if (len > 0)
			rq->content_type = g_ascii_strdown(v, (gssize)len);
	}
	/* RFC 3875 §4.1.2: decimal digits; empty is the same as unset */
	if ((v = get("CONTENT_LENGTH", arg)) != NULL && *v != '\0') {
		if (g_ascii_isdigit(*v) &&
		    g_ascii_string_to_unsigned(v, 10, 0, INT64_MAX, &n, NULL))
			rq->content_length = (int64_t)n;
		else
			rq->bad_length = 1;
	}
}

void
cgi_request_clear(struct cgi_request *rq)
{
	g_free(rq->method);
	g_free(rq->content_type);
	g_free(rq->remote_addr);
	memset(rq, 0, sizeof(*rq));
}

const char *
cgi_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 503:
		return "Service Unavailable";
	}
	return "Internal Server Error";
}

static void answer(struct cgi_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
answer(struct cgi_answer *a, int status, const char *fmt, ...)
{
	va_list ap;
	char *text, *p;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* one line of printable text, whatever a report held */
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	a->status = status;
	a->text = text;
	a->retry_after = status == 503 ? 300 : 0;
}

void
cgi_answer_for(const struct cgi_outcome *o, struct cgi_answer *a)
{
	memset(a, 0, sizeof(*a));
	if (o->not_post)
		answer(a, 405, "POST a TLS report here (RFC 8460)");
	else if (o->bad_length)
		answer(a, 400, "CONTENT_LENGTH is not a number");
	else if (o->oversize)
		answer(a, 413, "larger than %llu bytes",
		    (unsigned long long)o->size_limit);
	else if (o->short_body)
		answer(a, 400, "the body ended before CONTENT_LENGTH bytes");
	else if (o->temp_failure)
		answer(a, 503,
		    "the report cannot be stored now, try again "
		    "later");
	else if (o->stored > 0)
		answer(a, 200, "stored %zu report%s", o->stored,
		    o->stored == 1 ? "" : "s");
	else if (o->duplicates > 0)
		answer(a, 200, "already stored");
	else if (o->foreign > 0)
		answer(a, 403, "%s",
		    o->foreign_reason != NULL ? o->foreign_reason
					      : "a report for another domain");
	else
		answer(a, 400, "not a TLS report: %s",
		    o->reject_reason != NULL ? o->reject_reason
					     : "no valid report");
}

void
cgi_answer_clear(struct cgi_answer *a)
{
	g_free(a->text);
	memset(a, 0, sizeof(*a));
}

int
cgi_answer_write(FILE *out, const struct cgi_answer *a)
{
	fprintf(out, "Status: %d %s\r\n", a->status,
	    cgi_status_text(a->status));
	if (a->status == 405)
		fputs("Allow: POST\r\n", out);
	if (a->retry_after > 0)
		fprintf(out, "Retry-After: %d\r\n", a->retry_after);
	fprintf(out, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\n",
	    a->text != NULL ? a->text : "");
	return fflush(out) == EOF || ferror(out) ? -1 : 0;
}
