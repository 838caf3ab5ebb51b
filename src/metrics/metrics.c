/*
 * metrics.c: the counters kept in the store as Prometheus text format
 * 0.0.4 (tlsrpt metrics, [metrics] file).
 *
 * Design rationale (tlsrpt.conf(5) [metrics], contrib/prometheus/):
 * - Text format 0.0.4, not OpenMetrics: node_exporter's textfile
 *   collector reads it, shows OpenMetrics counters as untyped, and
 *   skips a whole file that has any timestamp.  So: one HELP and TYPE
 *   per family, TYPE naming the sample (..._total), no timestamps.
 * - The counters live in the store and move in the report's own
 *   transaction (store.h), so they count each report once, survive a
 *   restart, and a prune never lowers them.  This file only maps them
 *   to labels and sums.
 * - Labels stay bounded whatever the reports say (anyone can send any
 *   organization-name or policy-domain): a reporter is a name of the
 *   [metrics] reporters allow-list or "other"; a policy domain is one
 *   of [trust] domains (else of the domains of authenticated reports)
 *   or "other"; result types are the RFC's eleven or "other";
 *   transports and reasons are fixed sets.  Never IPs, MX names or
 *   report ids.  A mapping that changes (a new allow-listed name) moves
 *   sums between series: a counter reset for Prometheus, once.
 * - Every known domain starts with zero series for each outcome and
 *   result type, every allow-listed reporter with zero reports: a
 *   series that appears already holding its first count is invisible
 *   to increase().
 * - Each series is a hash key (family and label text), so a series is
 *   printed once however many store rows map to it; output is sorted,
 *   so two runs over the same store print the same bytes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "config.h"
#include "ti.h"
#include "metrics/metrics.h"

/* RFC 8460 §4.3 */
static const char *const result_types[] = {
	"starttls-not-supported",
	"certificate-host-mismatch",
	"certificate-expired",
	"certificate-not-trusted",
	"validation-failure",
	"tlsa-invalid",
	"dnssec-invalid",
	"dane-required",
	"sts-policy-fetch-error",
	"sts-policy-invalid",
	"sts-webpki-invalid",
};
static const char *const outcomes[] = { "success", "failure" };
/* report_source.source; "file" is a backfill of report files */
static const char *const transports[] = { "mail", "https", "file" };
static const char *const seeded_transports[] = { "mail", "https" };
/* ingest_reject_reason() */
static const char *const reasons[] = { "not_report", "invalid_report",
	"too_large", "foreign_domain", "unauthenticated" };

enum family { F_SESSIONS, F_FAILURES, F_REPORTS, F_REJECTED, F_LAST_END, F_N };

static const struct {
	const char *name, *type, *help;
} families[F_N] = {
	{ "tlsrpt_sessions_total", "counter",
	    "TLS sessions reported (report summaries), by policy domain and "
	    "outcome." },
	{ "tlsrpt_failure_details_total", "counter",
	    "Failed sessions in failure details, by policy domain and RFC "
	    "8460 result type (types may overlap)." },
	{ "tlsrpt_reports_total", "counter",
	    "Reports stored for the first time, by transport and reporter." },
	{ "tlsrpt_reports_rejected_total", "counter",
	    "Inputs set aside without storing a report, by transport and "
	    "reason." },
	{ "tlsrpt_last_report_end_timestamp_seconds", "gauge",
	    "End of the newest report period stored, by reporter." },
};

struct metrics {
	GHashTable *series[F_N]; /* label text -> int64_t * */
	GHashTable *domains; /* known policy domains, normalised */
	char **reporters; /* the allow-list */
};

void
metrics_escape(GString *out, const char *value)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(out, "\\\\");
		else if (*p == '"')
			g_string_append(out, "\\\"");
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *p);
	}
}

/* A domain as the store indexes it (lower case, no trailing dot,
   A-labels), so that a label is one series whatever the spelling of
   the reports; "" for none.  Free with g_free. */
static char *
norm_domain(const char *d)
{
	char *n = store_domain_norm(d);

	return n != NULL ? n : g_strdup("");
}

static const char *
one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return set[i];
	return "other";
}

static const char *
reporter_label(const struct metrics *m, const char *org)
{
	for (size_t i = 0; m->reporters[i] != NULL; i++)
		if (strcmp(org, m->reporters[i]) == 0)
			return m->reporters[i];
	return "other";
}

/* Add (or, max: raise to) v on the series of family f labelled
   k1=v1[,k2=v2]. */
static void
add(struct metrics *m, enum family f, const char *k1, const char *v1,
    const char *k2, const char *v2, int64_t v, int max)
{
	GString *key = g_string_new(NULL);
	int64_t *cur;

	g_string_append_printf(key, "%s=\"", k1);
	metrics_escape(key, v1);
	g_string_append_c(key, '"');
	if (k2 != NULL) {
		g_string_append_printf(key, ",%s=\"", k2);
		metrics_escape(key, v2);
		g_string_append_c(key, '"');
	}
	cur = g_hash_table_lookup(m->series[f], key->str);
	if (cur == NULL) {
		cur = g_new0(int64_t, 1);
		*cur = v;
		g_hash_table_insert(m->series[f], g_string_free(key, FALSE),
		    cur);
		return;
	}
	g_string_free(key, TRUE);
	if (max)
		*cur = v > *cur ? v : *cur;
	else
		*cur += v;
}

/* The domains of authenticated reports, when [trust] domains is not
   set: the first pass over the counters. */
static int
collect_domain(const struct store_counter *c, void *arg)
{
	struct metrics *m = arg;

	if (strcmp(c->name, "domains") == 0 && *c->k1 != '\0')
		g_hash_table_add(m->domains, norm_domain(c->k1));
	return 0;
}

static const char *
domain_label(struct metrics *m, const char *d, char **tmp)
{
	*tmp = norm_domain(d);
	return g_hash_table_contains(m->domains, *tmp) ? *tmp : "other";
}

static int
map_counter(const struct store_counter *c, void *arg)
{
	struct metrics *m = arg;
	char *dom = NULL;

	if (strcmp(c->name, "sessions") == 0)
		add(m, F_SESSIONS, "policy_domain",
		    domain_label(m, c->k1, &dom), "outcome",
		    one_of(c->k2, outcomes, nitems(outcomes)), c->value, 0);
	else if (strcmp(c->name, "failures") == 0)
		add(m, F_FAILURES, "policy_domain",
		    domain_label(m, c->k1, &dom), "result_type",
		    one_of(c->k2, result_types, nitems(result_types)), c->value,
		    0);
	else if (strcmp(c->name, "reports") == 0)
		add(m, F_REPORTS, "transport",
		    one_of(c->k1, transports, nitems(transports)), "reporter",
		    reporter_label(m, c->k2), c->value, 0);
	else if (strcmp(c->name, "rejected") == 0)
		add(m, F_REJECTED, "transport",
		    one_of(c->k1, transports, nitems(transports)), "reason",
		    one_of(c->k2, reasons, nitems(reasons)), c->value, 0);
	else if (strcmp(c->name, "last_end") == 0)
		add(m, F_LAST_END, "reporter", reporter_label(m, c->k2), NULL,
		    NULL, c->value, 1);
	g_free(dom);
	return 0;
}

/* Zero series for what is known before anything is counted. */
static void
seed(struct metrics *m)
{
	GHashTableIter it;
	gpointer d;
	size_t i, j;

	g_hash_table_iter_init(&it, m->domains);
	while (g_hash_table_iter_next(&it, &d, NULL)) {
		for (i = 0; i < nitems(outcomes); i++)
			add(m, F_SESSIONS, "policy_domain", d, "outcome",
			    outcomes[i], 0, 0);
		for (i = 0; i < nitems(result_types); i++)
			add(m, F_FAILURES, "policy_domain", d, "result_type",
			    result_types[i], 0, 0);
		add(m, F_FAILURES, "policy_domain", d, "result_type", "other",
		    0, 0);
	}
	for (i = 0; i < nitems(seeded_transports); i++) {
		for (j = 0; m->reporters[j] != NULL; j++)
			add(m, F_REPORTS, "transport", seeded_transports[i],
			    "reporter", m->reporters[j], 0, 0);
		for (j = 0; j < nitems(reasons); j++)
			add(m, F_REJECTED, "transport", seeded_transports[i],
			    "reason", reasons[j], 0, 0);
	}
}

static int
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A list of names separated by ';' (organisation names hold spaces
   and commas), each trimmed; empty ones dropped. */
static char **
split_names(const char *text)
{
	GPtrArray *a = g_ptr_array_new();
	char **parts;

	parts = g_strsplit(text != NULL ? text : "", ";", -1);
	for (size_t i = 0; parts[i] != NULL; i++) {
		g_strstrip(parts[i]);
		if (*parts[i] != '\0')
			g_ptr_array_add(a, g_strdup(parts[i]));
	}
	g_strfreev(parts);
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

int
metrics_format(struct store *st, const struct ti_conf *conf, GString *out,
    struct ti_err *err)
{
	struct metrics m = { 0 };
	GPtrArray *keys;
	GHashTableIter it;
	gpointer k;
	char **words;
	int rc = -1;
	size_t f, i;

	for (f = 0; f < F_N; f++)
		m.series[f] = g_hash_table_new_full(g_str_hash, g_str_equal,
		    g_free, g_free);
	m.domains =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	m.reporters = split_names(conf->metrics_reporters);
	if ((words = conf_words(conf->trust_domains, norm_domain)) != NULL) {
		for (i = 0; words[i] != NULL; i++)
			g_hash_table_add(m.domains, g_strdup(words[i]));
		g_strfreev(words);
	} else if (store_each_counter(st, collect_domain, &m, err) != 0)
		goto out;
	seed(&m);
	if (store_each_counter(st, map_counter, &m, err) != 0)
		goto out;
	for (f = 0; f < F_N; f++) {
		g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
		    families[f].name, families[f].help, families[f].name,
		    families[f].type);
		keys = g_ptr_array_new();
		g_hash_table_iter_init(&it, m.series[f]);
		while (g_hash_table_iter_next(&it, &k, NULL))
			g_ptr_array_add(keys, k);
		g_ptr_array_sort(keys, cmp_str);
		for (i = 0; i < keys->len; i++)
			g_string_append_printf(out, "%s{%s} %" PRId64 "\n",
			    families[f].name, (char *)keys->pdata[i],
			    *(int64_t *)g_hash_table_lookup(m.series[f],
				keys->pdata[i]));
		g_ptr_array_free(keys, TRUE);
	}
	rc = 0;
out:
	for (f = 0; f < F_N; f++)
		g_hash_table_destroy(m.series[f]);
	g_hash_table_destroy(m.domains);
	g_strfreev(m.reporters);
	return rc;
}

int
metrics_write_file(struct store *st, const struct ti_conf *conf,
    const char *path, struct ti_err *err)
{
	GString *text = g_string_new(NULL);
	char *tmp = NULL, *dir = NULL;
	size_t off = 0;
	ssize_t n;
	int fd = -1, dfd, rc = -1;

	if (metrics_format(st, conf, text, err) == -1)
		goto out;
	/* node_exporter reads only *.prom: the temporary name is not one */
	tmp = g_strconcat(path, ".XXXXXX", NULL);
	if ((fd = g_mkstemp(tmp)) == -1) {
		ti_err_set(err, TI_E_TEMP, "metrics file %s: %s", tmp,
		    g_strerror(errno));
		g_free(tmp);
		tmp = NULL;
		goto out;
	}
	while (off < text->len) {
		n = write(fd, text->str + off, text->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	g_free(tmp);
	tmp = NULL;
	/* the rename itself, durable (a lost one is only an old file) */
	dir = g_path_get_dirname(path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	ti_err_set(err, TI_E_TEMP, "metrics file %s: %s", path,
	    g_strerror(errno));
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		(void)g_unlink(tmp);
	g_free(tmp);
	g_free(dir);
	g_string_free(text, TRUE);
	return rc;
}
