/*
 * store.c: pick the backend from the store spec and dispatch to it.
 *
 *     /var/lib/tlsrpt/reports.db    SQLite (a plain path)
 *     sqlite:/path/reports.db       SQLite
 *     postgresql://... postgres://  PostgreSQL (store-pg.c)
 *
 * Adding a backend: write store-NAME.c with one struct store_ops and
 * add its prefix to store_backend() below.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "store.h"
#include "store-int.h"

/* Which backend serves spec, and the target string it gets. */
static const struct store_ops *
store_backend(const char *spec, const char **target, struct ti_err *err)
{
	if (spec == NULL || *spec == '\0') {
		ti_err_set(err, TI_E_CONFIG, "store: no store configured");
		return NULL;
	}
	if (g_str_has_prefix(spec, "postgresql://") ||
	    g_str_has_prefix(spec, "postgres://")) {
		*target = spec; /* libpq reads the whole URI */
		return &store_pg_ops;
	}
	if (g_str_has_prefix(spec, "sqlite:"))
		spec += strlen("sqlite:");
	if (*spec == '\0') {
		ti_err_set(err, TI_E_CONFIG, "store: sqlite: needs a path");
		return NULL;
	}
	*target = spec;
	return &store_sqlite_ops;
}

struct store *
store_open(const char *spec, enum store_mode mode, int busy_timeout_ms,
    struct ti_err *err)
{
	const struct store_ops *ops;
	const char *target = NULL;
	struct store *st;
	void *backend;

	if ((ops = store_backend(spec, &target, err)) == NULL)
		return NULL;
	if (busy_timeout_ms < 0)
		busy_timeout_ms = 0;
	if ((backend = ops->open(target, mode, busy_timeout_ms, err)) == NULL)
		return NULL;
	st = g_new0(struct store, 1);
	st->ops = ops;
	st->backend = backend;
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->backend);
	g_free(st);
}

int
store_begin(struct store *st, struct ti_err *err)
{
	return st->ops->begin(st->backend, err);
}

int
store_put(struct store *st, const struct report *r,
    const struct report_source *src, enum store_put_result *result,
    char *existing_sha256, struct ti_err *err)
{
	return st->ops->put(st->backend, r, src, result, existing_sha256, err);
}

int
store_commit(struct store *st, struct ti_err *err)
{
	return st->ops->commit(st->backend, err);
}

void
store_rollback(struct store *st)
{
	if (st != NULL)
		st->ops->rollback(st->backend);
}

int
store_batch_begin(struct store *st, struct ti_err *err)
{
	if (st->ops->batch_begin == NULL)
		return 0;
	return st->ops->batch_begin(st->backend, err);
}

int
store_batch_end(struct store *st, struct ti_err *err)
{
	if (st->ops->batch_end == NULL)
		return 0;
	return st->ops->batch_end(st->backend, err);
}

int
store_each_report(struct store *st, const struct store_query *q,
    int (*cb)(const struct stored_report *sr, void *arg), void *arg,
    struct ti_err *err)
{
	static const struct store_query all = { NULL, 0, 0 };

	return st->ops->each_report(st->backend, q != NULL ? q : &all, cb, arg,
	    err);
}

int
store_prune(struct store *st, const struct store_query *q, int64_t *deleted,
    struct ti_err *err)
{
	return st->ops->prune(st->backend, q, deleted, err);
}

int
store_schema_version(void)
{
	return STORE_SCHEMA_VERSION;
}

const char *
store_sqlite_path(const char *spec)
{
	if (strstr(spec, "://") != NULL)
		return NULL;
	return g_str_has_prefix(spec, "sqlite:") ? spec + strlen("sqlite:")
						 : spec;
}

int
store_count(struct store *st, const char *name, const char *k1, const char *k2,
    int64_t n, struct ti_err *err)
{
	return st->ops->count(st->backend, name, k1 != NULL ? k1 : "",
	    k2 != NULL ? k2 : "", n, err);
}

int
store_each_counter(struct store *st,
    int (*cb)(const struct store_counter *c, void *arg), void *arg,
    struct ti_err *err)
{
	return st->ops->each_counter(st->backend, cb, arg, err);
}
