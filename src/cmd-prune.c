/*
 * cmd-prune.c: tlsrpt prune --until T [--since T] [--domain D]
 * [--dry-run]: delete the stored reports that "tlsrpt list" with the
 * same options shows, with their policies and failure details.
 *
 * Design rationale:
 * - --until is required: a prune of everything is one flag away from
 *   a typo, and "keep a year" is "--until 365d".
 * - The selection is store_each_report()'s, so --dry-run counts what
 *   list shows and the prune deletes exactly that, in one transaction.
 * - The store shrinks only in content: SQLite reuses the freed pages
 *   (VACUUM gives them back, see tlsrpt(1)); the archive Maildir is the
 *   postmaster's to trim.
 */
#include <inttypes.h>
#include <stdio.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "cmd.h"
#include "priv.h"
#include "store/store.h"

static gboolean opt_dry_run;

static GOptionEntry prune_entries[] = {
	{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &opt_dry_run,
	    "Count the reports that would be deleted; delete nothing", NULL },
	G_OPTION_ENTRY_NULL
};

static int
count_report(const struct stored_report *sr, void *arg)
{
	(void)sr;
	(*(int64_t *)arg)++;
	return 0;
}

static int
run_prune(struct cmd_env *env, int argc, char **argv)
{
	struct ti_err err = { 0 };
	struct store *st;
	int64_t n = 0;
	int rc;

	(void)argc;
	(void)argv;
	if (env->query.until == 0)
		return cmd_usage("%s",
		    "prune needs --until T: the reports that began before T "
		    "are deleted");
	if (priv_drop_to_store_owner(env->conf.store, &err) == -1 ||
	    (st = store_open(env->conf.store,
		 opt_dry_run ? STORE_READ : STORE_WRITE,
		 env->conf.busy_timeout_ms, &err)) == NULL)
		return cmd_fail(&err);
	rc = opt_dry_run
	    ? store_each_report(st, &env->query, count_report, &n, &err)
	    : store_prune(st, &env->query, &n, &err);
	store_close(st);
	if (rc == -1)
		return cmd_fail(&err);
	printf("%" PRId64 " %s %s\n", n, n == 1 ? "report" : "reports",
	    opt_dry_run ? "would be deleted" : "deleted");
	return cmd_flush();
}

const struct command cmd_prune = { "prune", "",
	"delete the stored reports that began before --until (and match "
	"--since and --domain), with their failure details; --dry-run "
	"counts them",
	prune_entries, CMD_QUERY, run_prune };
