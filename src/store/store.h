/*
 * store.h: where reports are kept, once.  One interface, several
 * backends chosen by the store spec: a file path or "sqlite:PATH" for
 * SQLite (the default), "postgresql://..." for PostgreSQL.
 *
 * Write protocol, one transaction per mail:
 *     store_begin(); store_put() for each report; store_commit()
 * and store_rollback() on any error.  A report is identified by
 * (organization-name, report-id): putting it again stores nothing and
 * says STORE_DUPLICATE (same JSON) or STORE_CONFLICT (other JSON; the
 * first one is kept).
 *
 * Errors: a locked or busy store past the timeout, a full disk, an
 * unwritable directory: TI_E_TEMP, with a message naming the file.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/report.h"
#include "ti.h"
#include "trust/auth.h"

struct store;

enum store_mode {
	STORE_READ, /* never creates or migrates anything */
	STORE_WRITE, /* creates the store and migrates the schema */
};

/* Where a report came from.  Every field may be NULL (or 0). */
struct report_source {
	const char *message_id; /* Message-ID without <> */
	const char *envelope_sender; /* $SENDER or --sender */
	const char *envelope_recipient; /* $RECIPIENT or --recipient */
	const char *filename; /* attachment file name, raw */
	const char *source; /* "mail", "file" or "https" */
	const char *origin; /* input file path, "-" for stdin, or the
			       client address of an HTTPS POST */
	const char *archive_path; /* Maildir file, if archived */
	int64_t received; /* epoch seconds of ingestion */
	int64_t arrived; /* when the mail arrived here (ingest_arrival():
			    our MTA's Received header, the Maildir
			    delivery, Date); 0: received */
	const struct ti_auth *auth; /* who vouched for it; NULL: nobody
				       (stored as method none, result
				       none) */
};

enum store_put_result {
	STORE_NEW,
	STORE_DUPLICATE,
	STORE_CONFLICT,
};

struct store *store_open(const char *spec, enum store_mode mode,
    int busy_timeout_ms, struct ti_err *err);
void store_close(struct store *st);

int store_begin(struct store *st, struct ti_err *err);
/* existing_sha256 (may be NULL, else 65 bytes) receives the stored
   report's hash on STORE_DUPLICATE and STORE_CONFLICT. */
int store_put(struct store *st, const struct report *r,
    const struct report_source *src, enum store_put_result *result,
    char *existing_sha256, struct ti_err *err);
int store_commit(struct store *st, struct ti_err *err);
void store_rollback(struct store *st);

/*
 * Backfill: between store_batch_begin() and store_batch_end() the
 * per-mail transactions above become savepoints of one transaction, and
 * store_batch_end() commits them all with one fsync.  For input that
 * stays where it is (files, a Maildir): a crash loses at most the
 * current batch, which a second run stores.  A rolled-back mail leaves
 * the others of its batch alone.  A backend without batching ignores
 * both calls.
 */
int store_batch_begin(struct store *st, struct ti_err *err);
int store_batch_end(struct store *st, struct ti_err *err);

/* Which reports to read: those whose date range starts in
   [since, until) and that concern domain.  0 / NULL: no bound. */
struct store_query {
	const char *domain; /* matches any policy-domain of the report */
	int64_t since;
	int64_t until;
};

/* One stored report, as the read callbacks see it (all borrowed). */
struct stored_report {
	int64_t id;
	const char *organization_name;
	const char *report_id;
	const char *contact_info;
	const char *domain; /* report_domain() at ingestion */
	int64_t start;
	int64_t end;
	int64_t successful; /* report_totals() */
	int64_t failed;
	int64_t received; /* when it was stored */
	int64_t arrived; /* when its mail arrived (received for reports
			    stored before schema 3) */
	const char *message_id;
	const char *envelope_sender;
	const char *filename;
	const char *source;
	const char *json; /* the report JSON as received */
	size_t json_len;
	/* the rest of the report_source, for a lossless copy (migrate) */
	const char *envelope_recipient;
	const char *origin;
	const char *archive_path;
	const char *deviations; /* distinct deviation codes, space-
				   separated; NULL when none */
	/* who vouched for it (trust/auth.h); method and result are
	   never NULL ("none" for reports stored before schema 2) */
	struct ti_auth auth;
};

/* Call cb for each matching report, ordered by start time then id.
   A non-zero return from cb stops and is returned. */
int store_each_report(struct store *st, const struct store_query *q,
    int (*cb)(const struct stored_report *sr, void *arg), void *arg,
    struct ti_err *err);

/*
 * Delete the reports that store_each_report() gives for q, with their
 * policies and failure details, in one transaction; *deleted gets how
 * many reports.  The store must be open STORE_WRITE.
 */
int store_prune(struct store *st, const struct store_query *q, int64_t *deleted,
    struct ti_err *err);

/*
 * A domain as the store indexes it (report_domains): lower case, no
 * trailing dot, IDNA A-labels (g_hostname_to_ascii; a name that is no
 * host name is lowered as UTF-8).  NULL for an empty name and for one
 * longer than STORE_DOMAIN_MAX bytes (no DNS name is; such a report is
 * only found by a query without --domain).  Free with g_free().
 */
#define STORE_DOMAIN_MAX 253
char *store_domain_norm(const char *domain);

/*
 * The counters of tlsrpt metrics (metrics.h), in table metric_counters:
 * (name, k1, k2) -> value, label values cut to 255 characters.
 * store_put() moves them in the report's own transaction, so a report
 * counts once and a prune never lowers them:
 *     sessions   k1 policy-domain  k2 success | failure    (summaries)
 *     failures   k1 policy-domain  k2 result-type  failed-session-count
 *     reports    k1 source         k2 organization-name
 *     last_end   k1 ""             k2 organization-name  newest end (max)
 *     domains    k1 policy-domain  k2 ""  reports that passed [trust]
 * and store_count() adds n to any other, such as rejected (k1 source,
 * k2 reason), inside store_begin() .. store_commit().
 */
struct store_counter {
	const char *name;
	const char *k1;
	const char *k2;
	int64_t value;
};

int store_count(struct store *st, const char *name, const char *k1,
    const char *k2, int64_t n, struct ti_err *err);
/* Call cb for each counter, ordered by name, k1, k2; non-zero from cb
   stops and is returned.  A store nothing was written to has none. */
int store_each_counter(struct store *st,
    int (*cb)(const struct store_counter *c, void *arg), void *arg,
    struct ti_err *err);

/* The file of a SQLite store spec ("PATH" or "sqlite:PATH"), borrowed
   from spec; NULL for a URI such as postgresql://. */
const char *store_sqlite_path(const char *spec);

/* The schema version this build writes. */
int store_schema_version(void);

/*
 * The check history (tlsrpt digest with [digest] check = yes): what the
 * checks of a domain saw, a few rows per run, so that the next digest
 * can tell a policy text that changed without a new id, or a
 * certificate key that changed on the day failures began.  kind is
 * "policy" (key: the _mta-sts id, value: the sha256 of the policy
 * text), "spki" (key: "MX [ADDR]", value: the sha256 of the served
 * key) or "notafter" (key: "MX [ADDR]", value: epoch seconds).
 */
struct store_seen {
	int64_t at; /* when the check ran */
	const char *kind;
	const char *key;
	const char *value;
};

/* The runs kept per domain: older rows go as new ones come. */
#define STORE_HISTORY_RUNS 60

/* Add the rows of one run at `at` for domain (normalised by the
   caller), then drop the domain's rows older than its newest
   STORE_HISTORY_RUNS runs; one transaction.  Needs STORE_WRITE. */
int store_history_add(struct store *st, const char *domain, int64_t at,
    const struct store_seen *rows, size_t n, struct ti_err *err);
/* cb(row) for every row of domain, oldest run first; a non-zero return
   stops and is returned.  A store without the table gives none. */
int store_history_each(struct store *st, const char *domain,
    int (*cb)(const struct store_seen *row, void *arg), void *arg,
    struct ti_err *err);

#endif
