/*
 * test-cgi.c: the CGI request as the three web servers give it, and the
 * answer to each outcome (https/cgi.h).
 */
#include <string.h>

#include <glib.h>

#include "tap.h"
#include "https/cgi.h"

static const char *
get(const char *name, void *arg)
{
	const char *const *env = arg;

	for (; *env != NULL; env += 2)
		if (strcmp(*env, name) == 0)
			return env[1];
	return NULL;
}

static void
test_request(void)
{
	const char *nginx[] = { "REQUEST_METHOD", "POST", "CONTENT_TYPE",
		"Application/TLSRPT+gzip", "CONTENT_LENGTH", "45",
		"REMOTE_ADDR", "192.0.2.7", NULL };
	const char *apache_chunked[] = { "REQUEST_METHOD", "POST",
		"CONTENT_TYPE", " application/tlsrpt+json ; charset=utf-8",
		NULL };
	const char *lighttpd_get[] = { "REQUEST_METHOD", "GET",
		"CONTENT_LENGTH", "0", NULL };
	const char *bad[] = { "REQUEST_METHOD", "POST", "CONTENT_LENGTH", "-5",
		NULL };
	const char *huge[] = { "REQUEST_METHOD", "POST", "CONTENT_LENGTH",
		"99999999999999999999999", NULL };
	const char *empty[] = { "CONTENT_LENGTH", "", NULL };
	struct cgi_request rq;

	ok(cgi_detect("CGI/1.1") && cgi_detect("cgi/1.1") &&
		!cgi_detect(NULL) && !cgi_detect("") && !cgi_detect("FastCGI"),
	    "GATEWAY_INTERFACE CGI/1.1 (any case) is a CGI");
	cgi_request_read(&rq, get, nginx);
	ok(strcmp(rq.method, "POST") == 0 && rq.content_length == 45 &&
		!rq.bad_length &&
		strcmp(rq.content_type, "application/tlsrpt+gzip") == 0 &&
		strcmp(rq.remote_addr, "192.0.2.7") == 0,
	    "nginx: method, length, type in lower case, client address");
	cgi_request_clear(&rq);
	cgi_request_read(&rq, get, apache_chunked);
	ok(rq.content_length == -1 && !rq.bad_length &&
		strcmp(rq.content_type, "application/tlsrpt+json") == 0 &&
		rq.remote_addr == NULL,
	    "Apache, chunked: no CONTENT_LENGTH (read to the end), the "
	    "type without its parameters");
	cgi_request_clear(&rq);
	cgi_request_read(&rq, get, lighttpd_get);
	ok(strcmp(rq.method, "GET") == 0 && rq.content_length == 0,
	    "lighttpd passes a GET");
	cgi_request_clear(&rq);
	cgi_request_read(&rq, get, bad);
	ok(rq.bad_length, "a negative CONTENT_LENGTH is bad");
	cgi_request_clear(&rq);
	cgi_request_read(&rq, get, huge);
	ok(rq.bad_length, "a CONTENT_LENGTH past 2^63 is bad");
	cgi_request_clear(&rq);
	cgi_request_read(&rq, get, empty);
	ok(rq.content_length == -1 && !rq.bad_length && rq.method == NULL,
	    "an empty CONTENT_LENGTH is no length; no method");
	cgi_request_clear(&rq);
}

/* The answer to o, written: its first line and the whole text. */
static char *
written(const struct cgi_outcome *o, int *status)
{
	struct cgi_answer a;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cgi_answer_for(o, &a);
	*status = a.status;
	cgi_answer_write(f, &a);
	fclose(f);
	cgi_answer_clear(&a);
	return buf;
}

static void
test_answer(void)
{
	struct cgi_outcome o;
	int st;
	char *w;

	memset(&o, 0, sizeof(o));
	o.stored = 1;
	w = written(&o, &st);
	ok(st == 200 &&
		strcmp(w,
		    "Status: 200 OK\r\nContent-Type: text/plain; "
		    "charset=utf-8\r\n\r\nstored 1 report\n") == 0,
	    "stored: 200, the whole answer");
	free(w);

	memset(&o, 0, sizeof(o));
	o.duplicates = 1;
	w = written(&o, &st);
	ok(st == 200 && strstr(w, "already stored") != NULL,
	    "a duplicate: 200, so that the sender stops");
	free(w);

	memset(&o, 0, sizeof(o));
	o.not_post = 1;
	w = written(&o, &st);
	ok(st == 405 && strstr(w, "Status: 405 Method Not Allowed\r\n") &&
		strstr(w, "\r\nAllow: POST\r\n") != NULL,
	    "not POST: 405 with Allow: POST");
	free(w);

	memset(&o, 0, sizeof(o));
	o.oversize = 1;
	o.size_limit = 10485760;
	o.stored = 1; /* cannot be, and must not matter */
	w = written(&o, &st);
	ok(st == 413 && strstr(w, "larger than 10485760 bytes") != NULL,
	    "too large: 413");
	free(w);

	memset(&o, 0, sizeof(o));
	o.temp_failure = 1;
	o.temp_reason = "store /var/lib/tlsrpt/reports.db: database is locked";
	w = written(&o, &st);
	ok(st == 503 && strstr(w, "\r\nRetry-After: 300\r\n") != NULL &&
		strstr(w, "/var/lib") == NULL,
	    "local trouble: 503, Retry-After, and no local path shown");
	free(w);

	memset(&o, 0, sizeof(o));
	o.foreign = 1;
	o.rejected = 1;
	o.foreign_reason = "report for example.net, not one of our domains";
	w = written(&o, &st);
	ok(st == 403 && strstr(w, "example.net") != NULL,
	    "a report for another domain: 403");
	free(w);

	memset(&o, 0, sizeof(o));
	o.rejected = 1;
	o.reject_reason = "neither gzip nor JSON\n(\x01)";
	w = written(&o, &st);
	ok(st == 400 &&
		strstr(w,
		    "\r\n\r\nnot a TLS report: neither gzip nor JSON "
		    "( )\n") != NULL,
	    "not a report: 400 with the reason on one printable line");
	free(w);

	memset(&o, 0, sizeof(o));
	o.short_body = 1;
	w = written(&o, &st);
	ok(st == 400, "a body shorter than CONTENT_LENGTH: 400");
	free(w);

	memset(&o, 0, sizeof(o));
	o.bad_length = 1;
	w = written(&o, &st);
	ok(st == 400, "a bad CONTENT_LENGTH: 400");
	free(w);

	memset(&o, 0, sizeof(o));
	w = written(&o, &st);
	ok(st == 400 && strstr(w, "no valid report") != NULL,
	    "nothing at all: 400");
	free(w);

	ok(strncmp(cgi_deadline_answer, "Status: 503 ", 12) == 0 &&
		strstr(cgi_deadline_answer, "Retry-After:") != NULL,
	    "the deadline's answer is a 503 with Retry-After");
	ok(strcmp(cgi_status_text(413), "Content Too Large") == 0 &&
		strcmp(cgi_status_text(999), "Internal Server Error") == 0,
	    "status texts");
}

int
main(void)
{
	test_request();
	test_answer();
	return done_testing();
}
