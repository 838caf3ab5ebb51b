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
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "report.h"
#include "store.h"
#include "trust/auth.h"
#include "digest.h"

struct load {
	const struct digest_params *p;
	struct ti_limits limits;
	struct digest_builder *b;
	size_t undecodable;
};

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

struct digest *
digest_load(struct store *st, const struct digest_params *p, struct ti_err *err)
{
	struct store_query q = { 0 };
	struct load l = { 0 };
	struct digest *d;

	l.p = p;
	ti_limits_default(&l.limits);
	l.b = digest_builder_new(p);
	q.domain = p->domain;
	q.since = digest_history_start(p);
	q.until = p->until;
	if (q.since == 0) /* 0 means "no bound" to the store */
		q.since = -1;
	if (store_each_report(st, &q, load_cb, &l, err) != 0) {
		digest_builder_free(l.b);
		if (err != NULL && err->status == TI_OK)
			ti_err_set(err, TI_E_BUG, "digest: store read stopped");
		return NULL;
	}
	d = digest_builder_finish(l.b);
	d->undecodable = l.undecodable;
	return d;
}
