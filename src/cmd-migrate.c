/*
 * cmd-migrate.c: tlsrpt migrate --from S --to S: copy every stored
 * report from one store to another (SQLite to PostgreSQL when a site
 * grows to several MX hosts, or back).
 *
 * Design rationale:
 * - Lossless: the report JSON as received and everything the ingest
 *   knew of its source (received time, Message-ID, envelope, file name,
 *   origin, archive path, deviation codes, the domain of a report that
 *   names none, and who vouched for it: the whole authentication
 *   record, "none" for a report nobody vouched for) go over unchanged.
 *   Reports go through store_put(), the path tlsrpt-ingest(8) takes, so
 *   the target's rows are exactly what an ingest would have written.
 * - Idempotent: the target's (organization-name, report-id) identity
 *   makes a re-run copy nothing new; an interrupted run is re-run.
 * - Never silent: a stored report that no longer decodes is counted and
 *   named, and makes the exit status 65 (EX_DATAERR).
 * - Batches of MIGRATE_BATCH reports per target transaction: fast, yet
 *   a failure loses at most one batch (which the re-run copies).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "cmd.h"
#include "priv.h"
#include "ingest/report.h"
#include "store/store.h"

#define MIGRATE_BATCH 500

static char *opt_from;
static char *opt_to;

static GOptionEntry migrate_entries[] = {
	{ "from", 'F', 0, G_OPTION_ARG_STRING, &opt_from,
	    "Copy from the store S (default: the configured store)", "S" },
	{ "to", 'T', 0, G_OPTION_ARG_STRING, &opt_to,
	    "Copy into the store S (created if needed)", "S" },
	G_OPTION_ENTRY_NULL
};

struct migrate {
	struct store *to;
	const struct ti_limits *limits;
	struct ti_err err; /* the first failure of the target */
	int in_txn;
	size_t batch;
	size_t copied, there, conflicts, undecodable;
};

/* Make r say what the stored row said: the same deviation codes (some,
   like filename-mismatch, come from the mail, not the JSON) and the
   same domain for a report that names no policy-domain. */
static void
migrate_restore(struct report *r, const struct stored_report *sr)
{
	char **codes;
	size_t i;

	for (i = 0; i < r->n_deviations; i++) {
		g_free(r->deviations[i].code);
		g_free(r->deviations[i].detail);
	}
	g_free(r->deviations);
	r->deviations = NULL;
	r->n_deviations = 0;
	if (sr->deviations != NULL) {
		codes = g_strsplit(sr->deviations, " ", -1);
		for (i = 0; codes[i] != NULL; i++)
			if (*codes[i] != '\0')
				report_deviate(r, codes[i], "%s", "");
		g_strfreev(codes);
	}
	if (sr->domain != NULL && report_domain(r) == NULL) {
		g_free(r->fallback_domain);
		r->fallback_domain = g_strdup(sr->domain);
	}
}

/* Report text goes to a terminal: printable ASCII only. */
static char *
printable(const char *s)
{
	char *out = g_strdup(s != NULL ? s : "");

	for (char *p = out; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return out;
}

static int
migrate_commit(struct migrate *m)
{
	if (!m->in_txn)
		return 0;
	m->in_txn = 0;
	m->batch = 0;
	if (store_commit(m->to, &m->err) == -1) {
		store_rollback(m->to);
		return -1;
	}
	return 0;
}

static int
migrate_cb(const struct stored_report *sr, void *arg)
{
	struct migrate *m = arg;
	struct report_source src = { 0 };
	enum store_put_result res;
	struct ti_err derr = { 0 };
	struct report *r = NULL;
	char *org, *id, *why;

	if (report_decode((const unsigned char *)sr->json, sr->json_len,
		m->limits, &r, &derr) == -1) {
		org = printable(sr->organization_name);
		id = printable(sr->report_id);
		why = printable(derr.msg);
		fprintf(stderr,
		    "tlsrpt: stored report %" G_GINT64_FORMAT
		    " (%s, %s) does not decode, not copied: %s\n",
		    (gint64)sr->id, org, id, why);
		g_free(org);
		g_free(id);
		g_free(why);
		m->undecodable++;
		return 0;
	}
	migrate_restore(r, sr);
	src.message_id = sr->message_id;
	src.envelope_sender = sr->envelope_sender;
	src.envelope_recipient = sr->envelope_recipient;
	src.filename = sr->filename;
	src.source = sr->source;
	src.origin = sr->origin;
	src.archive_path = sr->archive_path;
	src.received = sr->received;
	src.arrived = sr->arrived;
	src.auth = &sr->auth; /* never NULL: none, none stays so */
	if (!m->in_txn) {
		if (store_begin(m->to, &m->err) == -1) {
			report_free(r);
			return -1;
		}
		m->in_txn = 1;
	}
	if (store_put(m->to, r, &src, &res, NULL, &m->err) == -1) {
		report_free(r);
		store_rollback(m->to);
		m->in_txn = 0;
		return -1;
	}
	report_free(r);
	if (res == STORE_NEW)
		m->copied++;
	else
		m->there++;
	if (res == STORE_CONFLICT)
		m->conflicts++;
	if (++m->batch >= MIGRATE_BATCH && migrate_commit(m) == -1)
		return -1;
	return 0;
}

/* "sqlite:PATH" and "PATH" name the same store. */
static const char *
bare_spec(const char *spec)
{
	const char *path = store_sqlite_path(spec);

	return path != NULL ? path : spec;
}

static int
migrate(struct cmd_env *env, int argc, char **argv)
{
	struct ti_err err = { 0 };
	struct store *from = NULL;
	struct migrate m;
	const char *src;
	int rc, status = 0;

	(void)argc;
	(void)argv;
	memset(&m, 0, sizeof(m));
	src = opt_from != NULL ? opt_from : env->conf.store;
	if (opt_to == NULL || *opt_to == '\0')
		return cmd_usage("%s", "migrate needs --to S");
	if (src == NULL || *src == '\0')
		return cmd_usage("%s", "migrate needs --from S");
	if (strcmp(bare_spec(src), bare_spec(opt_to)) == 0)
		return cmd_usage("%s", "--from and --to name the same store");
	/* As root, leave no root-owned file by a SQLite store (priv.h):
	   become the target's owner, else the source's. */
	if (priv_drop_to_store_owner(opt_to, &err) == -1 ||
	    priv_drop_to_store_owner(src, &err) == -1)
		return cmd_fail(&err);
	/* the source first: a missing one must not create the target */
	if ((from = store_open(src, STORE_READ, env->conf.busy_timeout_ms,
		 &err)) == NULL)
		return cmd_fail(&err);
	if ((m.to = store_open(opt_to, STORE_WRITE, env->conf.busy_timeout_ms,
		 &err)) == NULL) {
		store_close(from);
		return cmd_fail(&err);
	}
	m.limits = &env->conf.limits;
	rc = store_each_report(from, NULL, migrate_cb, &m, &err);
	if (rc == 0 && migrate_commit(&m) == -1)
		rc = -1;
	if (rc != 0) {
		if (m.in_txn)
			store_rollback(m.to);
		/* a target failure is in m.err, a source one in err */
		status = cmd_fail(m.err.status != TI_OK ? &m.err : &err);
		fprintf(stderr,
		    "tlsrpt: migrate stopped; run it again to copy the "
		    "rest (it copies nothing twice)\n");
	} else {
		printf("%zu reports copied, %zu already there", m.copied,
		    m.there);
		if (m.conflicts > 0)
			printf(" (%zu of them with other content, kept as "
			       "they were)",
			    m.conflicts);
		printf("\n");
		status = cmd_flush();
		if (status == 0 && m.undecodable > 0) {
			fprintf(stderr,
			    "tlsrpt: %zu stored reports do not decode and "
			    "were not copied\n",
			    m.undecodable);
			status = EX_DATAERR;
		}
	}
	store_close(m.to);
	store_close(from);
	return status;
}

static int
run_migrate(struct cmd_env *env, int argc, char **argv)
{
	int status = migrate(env, argc, argv);

	g_free(opt_from);
	g_free(opt_to);
	opt_from = opt_to = NULL;
	return status;
}

const struct command cmd_migrate = { "migrate", "",
	"copy every stored report, with where it came from, from one store "
	"(--from, default the configured one) into another (--to), e.g. "
	"from SQLite to PostgreSQL; re-running copies nothing twice",
	migrate_entries, 0, run_migrate };
