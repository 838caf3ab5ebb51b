/*
 * tlsrpt.c: main() of the admin command tlsrpt(1).
 *
 *     tlsrpt [--store S] [-c FILE] list [--domain D] [--since T] [--until T]
 *     tlsrpt [--store S] [-c FILE] export [--format jsonl|csv] [...]
 *
 * Design rationale:
 * - A thin main over libti (mblaze's one library, many thin mains): the
 *   work is in export.c, the store in store*.c.
 * - Read-only: the store is opened with STORE_READ, so that an admin
 *   never creates or migrates the delivery user's store.
 * - Exit codes are sysexits(3) values, as for tlsrpt-ingest(8): 64 usage,
 *   65 a stored report that no longer decodes, 74 stdout failed, 75
 *   temporary (busy store), 78 configuration.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "export.h"
#include "log.h"
#include "store.h"

static char *opt_store;
static char *opt_config;
static gboolean opt_version;
static char *opt_store_cmd; /* --store and -c after the command */
static char *opt_config_cmd;
static char *opt_domain;
static char *opt_since;
static char *opt_until;
static char *opt_format;

static GOptionEntry global_entries[] = {
	{ "store", 0, 0, G_OPTION_ARG_STRING, &opt_store,
	    "Read the store S (a path, sqlite:PATH) instead of the "
	    "configured one",
	    "S" },
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	    "Read the configuration FILE (it must exist)", "FILE" },
	{ "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	    "Print the version and exit", NULL },
	G_OPTION_ENTRY_NULL
};

/* --store and -c are accepted after the command too. */
static GOptionEntry common_entries[] = {
	{ "store", 0, 0, G_OPTION_ARG_STRING, &opt_store_cmd,
	    "Read the store S instead of the configured one", "S" },
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config_cmd,
	    "Read the configuration FILE (it must exist)", "FILE" },
	{ "domain", 'd', 0, G_OPTION_ARG_STRING, &opt_domain,
	    "Only reports about policy domain D", "D" },
	{ "since", 's', 0, G_OPTION_ARG_STRING, &opt_since,
	    "Only reports whose period starts at or after T", "T" },
	{ "until", 'u', 0, G_OPTION_ARG_STRING, &opt_until,
	    "Only reports whose period starts before T", "T" },
	G_OPTION_ENTRY_NULL
};

static GOptionEntry export_entries[] = { { "format", 'f', 0,
					     G_OPTION_ARG_STRING, &opt_format,
					     "jsonl (default) or csv", "F" },
	G_OPTION_ENTRY_NULL };

static const char commands[] =
    "Commands:\n"
    "  list      a table of the stored reports: period, domain, reporter,\n"
    "            sessions, failure rate\n"
    "  export    the stored reports as JSON lines (--format jsonl, each\n"
    "            report as received plus \"_meta\") or as CSV, one row\n"
    "            per failure detail (--format csv)\n"
    "  help      this text; \"tlsrpt help COMMAND\" for a command's "
    "options\n"
    "\n"
    "Times (T): YYYY-MM-DD (midnight UTC), an RFC 3339 date-time,\n"
    "@EPOCH, Nd or -Nd (N days before today, UTC), today, yesterday.\n"
    "\n"
    "See tlsrpt(1).";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "tlsrpt: <message>" and the hint on stderr; returns EX_USAGE. */
static int
usage(const char *fmt, ...)
{
	va_list ap;

	fputs("tlsrpt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'tlsrpt --help'\n", stderr);
	return EX_USAGE;
}

static int
status_exit(const struct ti_err *err)
{
	fprintf(stderr, "tlsrpt: %s\n",
	    err->msg[0] != '\0' ? err->msg : ti_status_name(err->status));
	switch (err->status) {
	case TI_OK:
		return 0;
	case TI_E_INPUT:
	case TI_E_LIMIT:
		return EX_DATAERR;
	case TI_E_TEMP:
		return EX_TEMPFAIL;
	case TI_E_CONFIG:
		return EX_CONFIG;
	case TI_E_BUG:
		break;
	}
	return EX_SOFTWARE;
}

static GOptionContext *
command_context(const char *cmd)
{
	GOptionContext *ctx;
	char *param = g_strdup_printf("%s [OPTION...]", cmd);

	ctx = g_option_context_new(param);
	g_free(param);
	if (strcmp(cmd, "list") == 0)
		g_option_context_set_summary(ctx,
		    "Print a table of the stored reports, oldest first.");
	else {
		g_option_context_set_summary(ctx,
		    "Print the stored reports as JSON lines or CSV.");
		g_option_context_add_main_entries(ctx, export_entries, NULL);
	}
	g_option_context_add_main_entries(ctx, common_entries, NULL);
	g_option_context_set_description(ctx, "See tlsrpt(1).");
	return ctx;
}

static int
parse_time_opt(const char *name, const char *text, int64_t now, int64_t *out)
{
	if (text == NULL)
		return 0;
	if (export_parse_time(text, now, out) == -1) {
		fprintf(stderr,
		    "tlsrpt: bad time for --%s: \"%s\" (use "
		    "YYYY-MM-DD, an RFC 3339 date-time, @EPOCH, Nd, today "
		    "or yesterday)\ntry 'tlsrpt --help'\n",
		    name, text);
		return -1;
	}
	return 0;
}

static int
run_command(const char *cmd, int argc, char **argv)
{
	GOptionContext *ctx;
	GError *gerr = NULL;
	struct ti_err err = { 0 };
	struct ti_conf conf;
	struct store_query q = { NULL, 0, 0 };
	struct store *st = NULL;
	int (*fn)(struct store *, const struct store_query *, FILE *,
	    struct ti_err *);
	int64_t now = (int64_t)time(NULL);
	int status;

	ctx = command_context(cmd);
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		g_option_context_free(ctx);
		status = usage("%s", gerr->message);
		g_error_free(gerr);
		return status;
	}
	g_option_context_free(ctx);
	if (argc > 1)
		return usage("%s: unexpected argument", argv[1]);
	if (opt_store_cmd != NULL) {
		g_free(opt_store);
		opt_store = g_steal_pointer(&opt_store_cmd);
	}
	if (opt_config_cmd != NULL) {
		g_free(opt_config);
		opt_config = g_steal_pointer(&opt_config_cmd);
	}
	if (strcmp(cmd, "list") == 0)
		fn = export_list;
	else if (opt_format == NULL || strcmp(opt_format, "jsonl") == 0)
		fn = export_jsonl;
	else if (strcmp(opt_format, "csv") == 0)
		fn = export_csv;
	else
		return usage("unknown format \"%s\" (jsonl or csv)",
		    opt_format);
	if (parse_time_opt("since", opt_since, now, &q.since) == -1 ||
	    parse_time_opt("until", opt_until, now, &q.until) == -1)
		return EX_USAGE;
	if (opt_since != NULL && opt_until != NULL && q.since >= q.until)
		return usage("%s", "--since must be before --until");
	if (opt_domain != NULL && *opt_domain == '\0')
		return usage("%s", "--domain needs a domain name");
	q.domain = opt_domain;

	conf_init(&conf);
	if (conf_load(&conf,
		opt_config != NULL ? opt_config : conf_default_path(),
		opt_config != NULL, &err) == -1) {
		conf_clear(&conf);
		return status_exit(&err);
	}
	if (opt_store != NULL)
		conf_set(&conf.store, opt_store);
	st = store_open(conf.store != NULL ? conf.store : conf_default_store(),
	    STORE_READ, conf.busy_timeout_ms, &err);
	conf_clear(&conf);
	if (st == NULL)
		return status_exit(&err);
	errno = 0;
	status = fn(st, &q, stdout, &err);
	store_close(st);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr,
		    "tlsrpt: write error on standard output: "
		    "%s\n",
		    errno != 0 ? strerror(errno) : "failed");
		return EX_IOERR;
	}
	if (status != 0)
		return status_exit(&err);
	return 0;
}

int
main(int argc, char **argv)
{
	GOptionContext *ctx;
	GError *gerr = NULL;
	char *help, **sub;
	int status;

	g_set_prgname("tlsrpt");
	log_init("tlsrpt");
	ctx = g_option_context_new("COMMAND [OPTION...]");
	g_option_context_set_summary(ctx,
	    "Show and export the TLS reports (RFC 8460) that "
	    "tlsrpt-ingest(8) stored.");
	g_option_context_set_description(ctx, commands);
	g_option_context_add_main_entries(ctx, global_entries, NULL);
	/* stop at the command: its options belong to its own parser */
	g_option_context_set_strict_posix(ctx, TRUE);
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		status = usage("%s", gerr->message);
		g_error_free(gerr);
		goto out;
	}
	if (opt_version) {
		printf("tlsrpt %s\n", PACKAGE_VERSION);
		status = 0;
		goto out;
	}
	if (argc < 2) {
		status = usage("%s", "no command given");
		goto out;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc > 2 &&
		    (strcmp(argv[2], "list") == 0 ||
			strcmp(argv[2], "export") == 0)) {
			g_option_context_free(ctx);
			ctx = command_context(argv[2]);
		} else if (argc > 2) {
			status = usage("%s: no such command", argv[2]);
			goto out;
		}
		help = g_option_context_get_help(ctx, FALSE, NULL);
		fputs(help, stdout);
		g_free(help);
		status = fflush(stdout) == EOF || ferror(stdout) ? EX_IOERR : 0;
		goto out;
	}
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "export") != 0) {
		status = usage("%s: no such command", argv[1]);
		goto out;
	}
	/* argv[1] stands in for the program name of the command parser */
	sub = argv + 1;
	status = run_command(argv[1], argc - 1, sub);
out:
	g_option_context_free(ctx);
	g_free(opt_store);
	g_free(opt_config);
	g_free(opt_store_cmd);
	g_free(opt_config_cmd);
	g_free(opt_domain);
	g_free(opt_since);
	g_free(opt_until);
	g_free(opt_format);
	log_close();
	return status;
}
