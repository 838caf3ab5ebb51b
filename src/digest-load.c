/*
 * digest-load.c: read from a store what digest_build() needs.
 *
 * Design rationale: the metadata columns (totals counted once at
 * ingestion) answer trend, cadence and readiness over the whole history
 * window cheaply; only the reports of the period itself are decoded
 * again (report_decode with the default limits), for failure details
 * and policy strings.  A stored report that no longer decodes is counted
 * in its totals and reported as undecodable, never fatal.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "report.h"
#include "store.h"
#include "digest.h"

struct load {
	const struct digest_params *p;
	struct ti_limits limits;
	GArray *entries;
	GPtrArray *strings;
	GPtrArray *reports;
	size_t undecodable;
};

static const char *
keep(struct load *l, const char *s)
{
	char *c;

	if (s == NULL)
		return NULL;
	c = g_strdup(s);
	g_ptr_array_add(l->strings, c);
	return c;
}

static int
load_cb(const struct stored_report *sr, void *arg)
{
	struct load *l = arg;
	struct digest_entry e;
	struct report *r = NULL;
	struct ti_err err = { 0 };

	memset(&e, 0, sizeof(e));
	e.organization = keep(l, sr->organization_name);
	e.report_id = keep(l, sr->report_id);
	e.contact = keep(l, sr->contact_info);
	e.domain = keep(l, sr->domain);
	e.start = sr->start;
	e.end = sr->end;
	e.received = sr->received;
	e.successful = sr->successful;
	e.failed = sr->failed;
	if (sr->start >= l->p->since) {
		if (report_decode((const unsigned char *)sr->json, sr->json_len,
			&l->limits, &r, &err) == 0) {
			g_ptr_array_add(l->reports, r);
			e.report = r;
		} else
			l->undecodable++;
	}
	g_array_append_val(l->entries, e);
	return 0;
}

static void
report_free_cb(gpointer p)
{
	report_free(p);
}

int
digest_load(struct store *st, const struct digest_params *p,
    struct digest_input *in, struct ti_err *err)
{
	struct store_query q = { 0 };
	struct load *l = g_new0(struct load, 1);
	int rc;

	memset(in, 0, sizeof(*in));
	l->p = p;
	ti_limits_default(&l->limits);
	l->entries = g_array_new(FALSE, TRUE, sizeof(struct digest_entry));
	l->strings = g_ptr_array_new_with_free_func(g_free);
	l->reports = g_ptr_array_new_with_free_func(report_free_cb);
	q.domain = p->domain;
	q.since = digest_history_start(p);
	q.until = p->until;
	if (q.since == 0) /* 0 means "no bound" to the store */
		q.since = -1;
	rc = store_each_report(st, &q, load_cb, l, err);
	in->priv = l;
	in->entries = (struct digest_entry *)(void *)l->entries->data;
	in->n = l->entries->len;
	in->undecodable = l->undecodable;
	if (rc != 0) {
		digest_input_clear(in);
		if (err != NULL && err->status == TI_OK)
			ti_err_set(err, TI_E_BUG, "digest: store read stopped");
		return -1;
	}
	return 0;
}

void
digest_input_clear(struct digest_input *in)
{
	struct load *l;

	if (in == NULL || (l = in->priv) == NULL)
		return;
	g_array_unref(l->entries);
	g_ptr_array_free(l->strings, TRUE);
	g_ptr_array_free(l->reports, TRUE);
	g_free(l);
	memset(in, 0, sizeof(*in));
}
