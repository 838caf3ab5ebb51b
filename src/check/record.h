/*
 * record.h: tlsrpt record's generator (pure): the _smtp._tls and
 * _mta-sts TXT records as zone-file lines, the policy file, an nginx
 * server block that serves it as RFC 8461 wants, and what to do next.
 *
 * Design rationale:
 * - Whatever it prints passes tlsrpt check once published: the records
 *   and the policy are run through the checker's own parsers before
 *   they are printed (record_make() refuses what they reject).
 * - The policy uses CRLF (the RFC's examples do; LF is legal too), a
 *   final line end, and no mx lines in mode none.
 */
#ifndef CHECK_RECORD_H
#define CHECK_RECORD_H

#include <stdint.h>

#include "check/parse.h"

struct record_in {
	const char *domain; /* A-labels, no trailing dot */
	const char *const *rua; /* URIs; NULL-terminated */
	const char *const *mx; /* patterns; NULL-terminated */
	enum sts_mode mode;
	int64_t max_age;
	const char *id; /* letters and digits */
	unsigned ttl; /* of the TXT records */
};

struct record_out {
	char *tlsrpt_txt; /* the record's text */
	char *sts_txt;
	char *zone; /* zone-file lines, with a comment for mta-sts.D */
	char *policy; /* the policy file, CRLF */
	char *nginx; /* a server block */
	char *advice; /* what to do next */
};

/* 0, or -1 with *why (g_free) saying which input is wrong. */
int record_make(const struct record_in *in, struct record_out *out, char **why);
void record_out_clear(struct record_out *out);
/* One TXT record as a zone-file line: strings of at most 255 bytes,
   '"' and '\' escaped.  g_free the result. */
char *record_zone_txt(const char *owner, unsigned ttl, const char *text);

#endif
