/*
 * cgi.h: tlsrpt-ingest as a CGI/1.1 program (RFC 3875) behind the site's
 * web server, for reports POSTed to an https: rua (RFC 8460 §3, §5.4).
 * Pure: the request is read from an environment given as a lookup
 * function, the answer is decided from what the delivery did, and
 * written to a stream.  The body, the store and the archive are the
 * caller's (tlsrpt-ingest.c), exactly as for a mail.
 *
 * Design rationale:
 * - A CGI, not a server of our own: the web server that already serves
 *   the MTA-STS policy has the TLS, the certificates, the limits and
 *   the logs; one process per request is the pipe delivery's model,
 *   with its exactly-once store.
 * - The three CGI hosts differ (measured): Apache passes a chunked body
 *   without CONTENT_LENGTH, lighttpd lets a GET through and has no size
 *   limit of its own.  So the body is CONTENT_LENGTH bytes when it is
 *   given, else everything to the end of the input; the size cap and
 *   the method check are ours.
 * - An answer always has a Status line and a short text/plain body, and
 *   is written only after the store's commit: a sender that gets 200
 *   deletes its copy (Stalwart does, before it even posts).  200 for a
 *   report already stored too: the sender must stop retrying.  5xx only
 *   for local trouble, with Retry-After; bad input is 4xx.
 */
#ifndef CGI_H
#define CGI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ti.h"

/* True when GATEWAY_INTERFACE says a web server runs us as a CGI. */
int cgi_detect(const char *gateway_interface);

struct cgi_request {
	char *method; /* REQUEST_METHOD as given, or NULL */
	char *content_type; /* CONTENT_TYPE's media type, lower case,
			       without parameters; NULL if none */
	int64_t content_length; /* -1: not given, read to the end */
	int bad_length; /* CONTENT_LENGTH is not a decimal number */
	char *remote_addr; /* REMOTE_ADDR, or NULL */
};

/* Fill *rq from the environment through get (getenv, or a test's). */
void cgi_request_read(struct cgi_request *rq,
    const char *(*get)(const char *name, void *arg), void *arg);
void cgi_request_clear(struct cgi_request *rq);

/* The answer. */
struct cgi_answer {
	int status; /* 200, 400, 403, 405, 413, 503 */
	char *text; /* one line for a person (the body), no newline */
	int retry_after; /* seconds, for 503; 0: no Retry-After */
};

/* What came of the request, for cgi_answer_for(). */
struct cgi_outcome {
	int not_post; /* another method than POST */
	int bad_length; /* unreadable CONTENT_LENGTH */
	int short_body; /* fewer bytes than CONTENT_LENGTH */
	int oversize; /* past [limits] message-size */
	uint64_t size_limit;
	int temp_failure; /* the delivery deferred (the mail's 75) */
	const char *temp_reason; /* why, for the log; not shown */
	size_t stored, duplicates, foreign, rejected;
	const char *reject_reason; /* why the body was not a report */
	const char *foreign_reason; /* why a report is not for us */
};

/* Decide the answer.  Pure. */
void cgi_answer_for(const struct cgi_outcome *o, struct cgi_answer *a);
void cgi_answer_clear(struct cgi_answer *a);

/* "OK", "Bad Request", ... for the status codes above. */
const char *cgi_status_text(int status);

/* Write the answer as a CGI response: Status, Content-Type (text/plain;
   charset=utf-8), Retry-After or Allow where they belong, then the
   text.  Returns 0, or -1 when out failed. */
int cgi_answer_write(FILE *out, const struct cgi_answer *a);

/* The answer written by the deadline's signal handler, whole, and its
   length (a signal handler calls write(2), nothing else). */
extern const char cgi_deadline_answer[];
extern const size_t cgi_deadline_answer_len;

#endif
