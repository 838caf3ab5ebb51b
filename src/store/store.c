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
#include "ingest/report.h"
#include "store/store.h"
#include "store/store-int.h"

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
store_history_add(struct store *st, const char *domain, int64_t at,
    const struct store_seen *rows, size_t n, struct ti_err *err)
{
	return st->ops->history_add(st->backend, domain, at, rows, n, err);
}

int
store_history_each(struct store *st, const char *domain,
    int (*cb)(const struct store_seen *row, void *arg), void *arg,
    struct ti_err *err)
{
	return st->ops->history_each(st->backend, domain, cb, arg, err);
}

char *
store_domain_norm(const char *domain)
{
	char *valid, *ascii, *norm;
	size_t len;

	if (domain == NULL)
		return NULL;
	valid = g_utf8_make_valid(domain, -1);
	len = strlen(valid);
	while (len > 0 && valid[len - 1] == '.')
		valid[--len] = '\0';
	if (len == 0) {
		g_free(valid);
		return NULL;
	}
	if ((ascii = g_hostname_to_ascii(valid)) != NULL) {
		norm = g_ascii_strdown(ascii, -1);
		g_free(ascii);
	} else
		norm = g_utf8_strdown(valid, -1);
	g_free(valid);
	if (*norm == '\0' || strlen(norm) > STORE_DOMAIN_MAX) {
		g_free(norm);
		return NULL;
	}
	return norm;
}

char **
store_report_domains(const struct report *r)
{
	GPtrArray *a = g_ptr_array_new();
	const char *d;
	char *n;
	size_t i, j;

	for (i = 0; i <= r->n_policies; i++) {
		d = i == 0 ? report_domain(r)
			   : r->policies[i - 1].policy_domain;
		if ((n = store_domain_norm(d)) == NULL)
			continue;
		for (j = 0; j < a->len; j++)
			if (strcmp(a->pdata[j], n) == 0)
				break;
		if (j < a->len)
			g_free(n);
		else
			g_ptr_array_add(a, n);
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

int
store_explain(struct store *st, const struct store_query *q, int prune,
    char **plan, struct ti_err *err)
{
	static const struct store_query all = { NULL, 0, 0 };

	return st->ops->explain(st->backend, q != NULL ? q : &all, prune, plan,
	    err);
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
