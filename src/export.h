/*
 * export.h: what the admin command prints from a store: the list table
 * and the jsonl and csv exports.
 */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "ti.h"

/* One line per report: the RFC 8460 report object as received plus a
   "_meta" object (id, received, message-id, envelope-sender, filename,
   source, and "auth": who vouched for it, trust/auth.h).  Valid UTF-8
   JSON whatever the report held. */
int export_jsonl(struct store *st, const struct store_query *q, FILE *out,
    struct ti_err *err);

/* RFC 4180 CSV with a header row and one row per failure detail; the
   last columns are the report's auth_method, auth_result and
   auth_domain. */
int export_csv(struct store *st, const struct store_query *q, FILE *out,
    struct ti_err *err);

/* A readable table: period, domain, reporter, authentication result,
   successes, failures, rate, report-id. */
int export_list(struct store *st, const struct store_query *q, FILE *out,
    struct ti_err *err);

/*
 * Parse a time for --since/--until: "YYYY-MM-DD" (midnight UTC), an
 * RFC 3339 date-time, "@EPOCH", or "-Nd"/"Nd" (N days before now,
 * midnight UTC), "today", "yesterday".  Returns 0 or -1.
 */
int export_parse_time(const char *text, int64_t now, int64_t *out);

#endif
