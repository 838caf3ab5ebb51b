/*
 * store-int.h: what a store backend provides, for store.c only.
 *
 * Design rationale: one ops table per backend (fdm's struct deliver),
 * so that a new backend is one store-NAME.c file defining one
 * struct store_ops, plus one line in store.c's spec dispatch.  The
 * backend state is opaque to store.c (void *backend).
 *
 * Contracts are those of the matching store_*() function in store.h;
 * the backend receives the spec with any scheme prefix removed where
 * that prefix only selects the backend ("sqlite:PATH" gives "PATH").
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include "store/store.h"

/* The schema version every backend writes (PRAGMA user_version in
   SQLite).  Bump it together with a new migration step.
   1: the reports, their policies and failure details;
   2: who vouched for each report (reports.auth_*, trust/auth.h);
   3: report_domains, each report's domains normalised
   (store_domain_norm) and indexed with its start time, so that a
   query for one domain reads only that domain's reports;
   4: PostgreSQL only: reports and their rows partitioned by month, so
   that prune drops whole months (store-pg.c; SQLite is unchanged);
   5: when its mail arrived (reports.arrived);
   6: check_history, what tlsrpt digest's checks saw (store_seen);
   7: the counters of tlsrpt metrics (metric_counters). */
#define STORE_SCHEMA_VERSION 7

struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* Returns the backend state, or NULL with *err set. */
	void *(*open)(const char *target, enum store_mode mode,
	    int busy_timeout_ms, struct ti_err *err);
	void (*close)(void *backend);
	int (*begin)(void *backend, struct ti_err *err);
	int (*put)(void *backend, const struct report *r,
	    const struct report_source *src, enum store_put_result *result,
	    char *existing_sha256, struct ti_err *err);
	int (*commit)(void *backend, struct ti_err *err);
	void (*rollback)(void *backend);
	int (*each_report)(void *backend, const struct store_query *q,
	    int (*cb)(const struct stored_report *sr, void *arg), void *arg,
	    struct ti_err *err);
	int (*prune)(void *backend, const struct store_query *q,
	    int64_t *deleted, struct ti_err *err);
	/* The query plan of store_each_report(q) (prune 0) or of
	   store_prune(q) (prune 1), one line per step; for tests. */
	int (*explain)(void *backend, const struct store_query *q, int prune,
	    char **plan, struct ti_err *err);
	int (*history_add)(void *backend, const char *domain, int64_t at,
	    const struct store_seen *rows, size_t n, struct ti_err *err);
	int (*history_each)(void *backend, const char *domain,
	    int (*cb)(const struct store_seen *row, void *arg), void *arg,
	    struct ti_err *err);
	/* Optional (NULL: every mail commits on its own). */
	int (*batch_begin)(void *backend, struct ti_err *err);
	int (*batch_end)(void *backend, struct ti_err *err);
	int (*count)(void *backend, const char *name, const char *k1,
	    const char *k2, int64_t n, struct ti_err *err);
	int (*each_counter)(void *backend,
	    int (*cb)(const struct store_counter *c, void *arg), void *arg,
	    struct ti_err *err);
};

struct store {
	const struct store_ops *ops;
	void *backend;
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* The distinct store_domain_norm() names of r's domains: its
   report_domain() and every policy-domain.  NULL-terminated, for
   g_strfreev(); never NULL. */
char **store_report_domains(const struct report *r);

/* For tests: the plan of a query (store_ops.explain); *plan is for
   g_free(). */
int store_explain(struct store *st, const struct store_query *q, int prune,
    char **plan, struct ti_err *err);

/* For tests and diagnostics: the sqlite3 * of an SQLite store, else
   NULL.  Typed void * so that this header needs no sqlite3.h. */
void *store_sqlite_db(struct store *st);

#endif
