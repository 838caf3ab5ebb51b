/*
 * digest-load.c: read from a store what the digest needs, and build it.
 *
 * Design rationale: the metadata columns (totals counted once at
 * ingestion) answer trend, cadence and readiness over the whole history
 * window cheaply; only the reports of the period itself are decoded
 * again (report_decode_stored, default limits), for failure details
 * and policy strings.  Each row goes into the builder as it is read and
 * its decoded report is freed at once, so that a digest over a year
 * holds one report at a time, not 73,000.  A stored report that no
 * longer decodes is counted in its totals and reported as undecodable,
 * never fatal.  Who vouched for each report is the store's (sr->auth),
 * and how it came too (sr->source: one posted over HTTPS counts by
 * [trust] count-https); the builder decides what an unauthenticated one
 * may move, and one it will not count (digest_counts) is not decoded
 * either.
 * - The policy section and the verdict of a domain without a report in
 *   the period fall back on the newest report before it: of the history
 *   rows only that one is decoded (digest_builder_policy), from a copy
 *   of its JSON kept per domain while the rows go by (oldest first).
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"
#include "store/store.h"
#include "trust/auth.h"
#include "digest/digest.h"

/* The newest counted report before the period of one domain. */
struct newest {
	int64_t start, end;
	char *org, *domain, *json, *source;
	size_t json_len;
	struct ti_auth auth; /* method and result only */
};

struct load {
	const struct digest_params *p;
	struct ti_limits limits;
	struct digest_builder *b;
	size_t undecodable;
	GHashTable *newest; /* sr->domain -> struct newest */
};

static void
newest_free(gpointer p)
{
	struct newest *n = p;

	g_free(n->org);
	g_free(n->domain);
	g_free(n->json);
	g_free(n->source);
	auth_clear(&n->auth);
	g_free(n);
}

/* Keep sr when it is the newest counted report before the period of
   its domain so far. */
static void
keep_newest(struct load *l, const struct stored_report *sr)
{
	const char *key = sr->domain != NULL ? sr->domain : "";
	struct newest *n = g_hash_table_lookup(l->newest, key);

	if (n != NULL && sr->start < n->start)
		return;
	if (n == NULL) {
		n = g_new0(struct newest, 1);
		g_hash_table_insert(l->newest, g_strdup(key), n);
	}
	n->start = sr->start;
	n->end = sr->end;
	g_free(n->org);
	n->org = g_strdup(sr->organization_name);
	g_free(n->domain);
	n->domain = g_strdup(sr->domain);
	g_free(n->json);
	n->json = g_strndup(sr->json, sr->json_len);
	n->json_len = sr->json_len;
	g_free(n->source);
	n->source = g_strdup(sr->source);
	auth_set(&n->auth, sr->auth.method, sr->auth.result);
}

/* Decode each domain's newest report before the period and give the
   builder its policies. */
static void
add_newest(struct load *l)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, l->newest);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct newest *n = v;
		struct digest_entry e;
		struct report *r = NULL;
		struct ti_err err = { 0 };

		if (report_decode_stored((const unsigned char *)n->json,
			n->json_len, &l->limits, &r, &err) != 0)
			continue; /* its policy is not known, that is all */
		memset(&e, 0, sizeof(e));
		e.organization = n->org;
		e.domain = n->domain;
		e.start = n->start;
		e.end = n->end;
		e.report = r;
		e.auth = &n->auth;
		e.source = n->source;
		digest_builder_policy(l->b, &e);
		report_free(r);
	}
}

static int
load_cb(const struct stored_report *sr, void *arg)
{
	struct load *l = arg;
	struct digest_entry e;
	struct report *r = NULL;
	struct ti_err err = { 0 };

	memset(&e, 0, sizeof(e));
	e.organization = sr->organization_name;
	e.report_id = sr->report_id;
	e.contact = sr->contact_info;
	e.domain = sr->domain;
	e.start = sr->start;
	e.end = sr->end;
	e.received = sr->received;
	e.arrived = sr->arrived;
	e.successful = sr->successful;
	e.failed = sr->failed;
	e.auth = &sr->auth;
	e.source = sr->source;
	if (sr->start < l->p->since &&
	    digest_counts(l->p, &sr->auth, sr->source))
		keep_newest(l, sr);
	if (sr->start >= l->p->since &&
	    digest_counts(l->p, &sr->auth, sr->source)) {
		if (report_decode_stored((const unsigned char *)sr->json,
			sr->json_len, &l->limits, &r, &err) == 0)
			e.report = r;
		else
			l->undecodable++;
	}
	digest_builder_add(l->b, &e);
	report_free(r);
	return 0;
}

/* A load for the digest of dp (p, or a copy of it for one domain of
   --each-domain: the builder keeps its own copy). */
static void
load_init(struct load *l, const struct digest_params *p,
    const struct digest_params *dp)
{
	l->p = p;
	ti_limits_default(&l->limits);
	l->b = digest_builder_new(dp);
	l->newest =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, newest_free);
}

static void
load_clear(struct load *l)
{
	if (l->b != NULL)
		digest_builder_free(l->b);
	l->b = NULL;
	if (l->newest != NULL)
		g_hash_table_unref(l->newest);
	l->newest = NULL;
}

/* The digest of what the load was given, and the load emptied. */
static struct digest *
load_finish(struct load *l)
{
	struct digest *d;

	add_newest(l);
	d = digest_builder_finish(l->b);
	l->b = NULL;
	d->undecodable = l->undecodable;
	load_clear(l);
	return d;
}

/* What a digest reads: from the start of the history it needs. */
static void
load_query(struct store_query *q, const struct digest_params *p)
{
	q->since = digest_history_start(p);
	q->until = p->until;
	if (q->since == 0) /* 0 means "no bound" to the store */
		q->since = -1;
}

struct digest *
digest_load(struct store *st, const struct digest_params *p, struct ti_err *err)
{
	struct store_query q = { 0 };
	struct load l = { 0 };

	load_init(&l, p, p);
	q.domain = p->domain;
	load_query(&q, p);
	if (store_each_report(st, &q, load_cb, &l, err) != 0) {
		load_clear(&l);
		if (err != NULL && err->status == TI_OK)
			ti_err_set(err, TI_E_BUG, "digest: store read stopped");
		return NULL;
	}
	return load_finish(&l);
}

/* ---- every domain, one read (tlsrpt digest --each-domain) ---------- */

struct each {
	const struct digest_params *p;
	GHashTable *loads; /* digest_domain_key() -> struct load */
};

static void
each_load_free(gpointer v)
{
	load_clear(v);
	g_free(v);
}

/* Each row to the builder of its domain, made at the domain's first. */
static int
each_cb(const struct stored_report *sr, void *arg)
{
	struct each *e = arg;
	struct digest_params dp;
	struct load *l;
	char *key = digest_domain_key(sr->domain);

	if ((l = g_hash_table_lookup(e->loads, key)) == NULL) {
		l = g_new0(struct load, 1);
		dp = *e->p;
		dp.domain = key;
		load_init(l, e->p, &dp);
		g_hash_table_insert(e->loads, key, l);
	} else
		g_free(key);
	return load_cb(sr, l);
}

int
digest_load_each(struct store *st, const struct digest_params *p,
    int (*cb)(const char *domain, const struct digest *d, void *arg), void *arg,
    struct ti_err *err)
{
	struct store_query q = { 0 };
	struct each e = { 0 };
	struct load *l;
	struct digest *d;
	GList *keys, *k;
	int rc;

	e.p = p;
	e.loads = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    each_load_free);
	load_query(&q, p);
	if ((rc = store_each_report(st, &q, each_cb, &e, err)) != 0) {
		g_hash_table_destroy(e.loads);
		if (err != NULL && err->status == TI_OK)
			ti_err_set(err, TI_E_BUG, "digest: store read stopped");
		return -1;
	}
	keys =
	    g_list_sort(g_hash_table_get_keys(e.loads), (GCompareFunc)strcmp);
	for (k = keys; k != NULL && rc == 0; k = k->next) {
		l = g_hash_table_lookup(e.loads, k->data);
		d = load_finish(l);
		rc = cb(k->data, d, arg);
		digest_free(d);
	}
	g_list_free(keys);
	g_hash_table_destroy(e.loads);
	return rc;
}
