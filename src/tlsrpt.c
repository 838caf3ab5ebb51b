/*
 * tlsrpt.c: main() of the admin command tlsrpt(1).
 *
 *     tlsrpt [--store S] [-c FILE] list [--domain D] [--since T] [--until T]
 *     tlsrpt [--store S] [-c FILE] export [--format jsonl|csv] [...]
 *     tlsrpt [--store S] [-c FILE] prune --until T [--dry-run] [...]
 *
 * Design rationale:
 * - A thin main over libti (mblaze's one library, many thin mains): the
 *   work is in export.c, the store in store*.c.  Commands are a table
 *   (cmd.h): a new command is one struct command and one line below.
 * - Read-only but for migrate's target and prune: the store is opened
 *   with STORE_READ, so that an admin never creates or migrates the
 *   delivery user's store by looking at it; the two that write become
 *   the store's owner first (priv.h).
 * - Exit codes are sysexits(3) values, as for tlsrpt-ingest(8): 64 usage,
 *   65 a stored report that no longer decodes, 74 stdout failed, 75
 *   temporary (busy store), 78 configuration.
 */
#include <errno.h>
#include <locale.h>
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
#include "cmd.h"
#include "metrics/metrics.h"
#include "log.h"
#include "priv.h"
#include "store/store.h"

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
	    "Use the store S (a path, sqlite:PATH, postgresql://...) "
	    "instead of the configured one",
	    "S" },
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
	    "Read the configuration FILE (it must exist)", "FILE" },
	{ "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
	    "Print the version and exit", NULL },
	G_OPTION_ENTRY_NULL
};

/* --store and -c are accepted after the command too. */
static GOptionEntry store_entries[] = {
	{ "store", 0, 0, G_OPTION_ARG_STRING, &opt_store_cmd,
	    "Use the store S instead of the configured one", "S" },
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config_cmd,
	    "Read the configuration FILE (it must exist)", "FILE" },
	G_OPTION_ENTRY_NULL
};

static GOptionEntry query_entries[] = {
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

static int
run_export(struct cmd_env *env, int argc, char **argv)
{
	struct ti_err err = { 0 };
	int (*fn)(struct store *, const struct store_query *, FILE *,
	    struct ti_err *);
	int status;

	(void)argc;
	if (strcmp(argv[0], "list") == 0)
		fn = export_list;
	else if (opt_format == NULL || strcmp(opt_format, "jsonl") == 0)
		fn = export_jsonl;
	else if (strcmp(opt_format, "csv") == 0)
		fn = export_csv;
	else
		return cmd_usage("unknown format \"%s\" (jsonl or csv)",
		    opt_format);
	errno = 0;
	if (fn(env->store, &env->query, stdout, &err) != 0) {
		cmd_flush();
		return cmd_fail(&err);
	}
	status = cmd_flush();
	return status;
}

static const struct command cmd_list = { "list", "",
	"a table of the stored reports: period, domain, reporter, sessions, "
	"failure rate",
	NULL, CMD_STORE | CMD_QUERY, run_export };

static const struct command cmd_export = { "export", "",
	"the stored reports as JSON lines (--format jsonl, each report as "
	"received plus \"_meta\") or as CSV, one row per failure detail "
	"(--format csv)",
	export_entries, CMD_STORE | CMD_QUERY, run_export };

static int
run_metrics(struct cmd_env *env, int argc, char **argv)
{
	struct ti_err err = { 0 };
	GString *out = g_string_new(NULL);

	(void)argc;
	(void)argv;
	if (metrics_format(env->store, &env->conf, out, &err) == -1) {
		g_string_free(out, TRUE);
		return cmd_fail(&err);
	}
	fwrite(out->str, 1, out->len, stdout);
	g_string_free(out, TRUE);
	return cmd_flush();
}

static const struct command cmd_metrics = { "metrics", "",
	"the counters of the store in the Prometheus text format (as "
	"[metrics] file has them)",
	NULL, CMD_STORE, run_metrics };

/* The commands, in the order "tlsrpt help" lists them. */
static const struct command *const commands[] = {
	&cmd_list,
	&cmd_export,
	&cmd_migrate,
	&cmd_digest,
	&cmd_html,
	&cmd_show,
	&cmd_prune,
	&cmd_check,
	&cmd_record,
	&cmd_metrics,
};

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < nitems(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* The "Commands:" part of tlsrpt --help, made from the table. */
static char *
commands_help(void)
{
	GString *s = g_string_new("Commands:\n");

	for (size_t i = 0; i < nitems(commands); i++)
		g_string_append_printf(s, "  %-9s %s\n", commands[i]->name,
		    commands[i]->summary);
	g_string_append(s,
	    "  help      this text; \"tlsrpt help COMMAND\" for a "
	    "command's options\n"
	    "\n"
	    "Times (T): YYYY-MM-DD (midnight UTC), an RFC 3339 date-time,\n"
	    "@EPOCH, Nd or -Nd (N days before today, UTC), today, "
	    "yesterday.\n"
	    "\n"
	    "See tlsrpt(1).");
	return g_string_free(s, FALSE);
}

int
cmd_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("tlsrpt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'tlsrpt --help'\n", stderr);
	return EX_USAGE;
}

int
cmd_fail(const struct ti_err *err)
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

int
cmd_flush(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "tlsrpt: write error on standard output: %s\n",
		    errno != 0 ? strerror(errno) : "failed");
		return EX_IOERR;
	}
	return 0;
}

static GOptionContext *
command_context(const struct command *cmd)
{
	GOptionContext *ctx;
	char *param = g_strdup_printf("%s%s%s [OPTION...]", cmd->name,
	    *cmd->args != '\0' ? " " : "", cmd->args);

	ctx = g_option_context_new(param);
	g_free(param);
	g_option_context_set_summary(ctx, cmd->summary);
	if (cmd->entries != NULL)
		g_option_context_add_main_entries(ctx, cmd->entries, NULL);
	if (cmd->flags & CMD_QUERY)
		g_option_context_add_main_entries(ctx, query_entries, NULL);
	g_option_context_add_main_entries(ctx, store_entries, NULL);
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
run_command(const struct command *cmd, int argc, char **argv)
{
	GOptionContext *ctx;
	GError *gerr = NULL;
	struct ti_err err = { 0 };
	struct cmd_env env;
	const char *conf_file;
	int must_exist;
	int status;

	memset(&env, 0, sizeof(env));
	env.now = (int64_t)time(NULL);
	ctx = command_context(cmd);
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		g_option_context_free(ctx);
		status = cmd_usage("%s", gerr->message);
		g_error_free(gerr);
		return status;
	}
	g_option_context_free(ctx);
	if (*cmd->args == '\0' && argc > 1)
		return cmd_usage("%s: unexpected argument", argv[1]);
	if (opt_store_cmd != NULL) {
		g_free(opt_store);
		opt_store = g_steal_pointer(&opt_store_cmd);
	}
	if (opt_config_cmd != NULL) {
		g_free(opt_config);
		opt_config = g_steal_pointer(&opt_config_cmd);
	}
	if (parse_time_opt("since", opt_since, env.now, &env.query.since) ==
		-1 ||
	    parse_time_opt("until", opt_until, env.now, &env.query.until) == -1)
		return EX_USAGE;
	if (opt_since != NULL && opt_until != NULL &&
	    env.query.since >= env.query.until)
		return cmd_usage("%s", "--since must be before --until");
	if (opt_domain != NULL && *opt_domain == '\0')
		return cmd_usage("%s", "--domain needs a domain name");
	env.query.domain = opt_domain;

	conf_init(&env.conf);
	/* conf_path() sets must_exist: not in the same call */
	conf_file = conf_path(opt_config, &must_exist);
	if (conf_load(&env.conf, conf_file, must_exist, &err) == -1) {
		conf_clear(&env.conf);
		return cmd_fail(&err);
	}
	if (opt_store != NULL)
		conf_set(&env.conf.store, opt_store);
	if ((cmd->flags & CMD_STORE) &&
	    (priv_drop_to_store_owner(env.conf.store, &err) == -1 ||
		(env.store = store_open(env.conf.store, STORE_READ,
		     env.conf.busy_timeout_ms, &err)) == NULL)) {
		conf_clear(&env.conf);
		return cmd_fail(&err);
	}
	status = cmd->run(&env, argc, argv);
	if (env.store != NULL)
		store_close(env.store);
	conf_clear(&env.conf);
	return status;
}

int
main(int argc, char **argv)
{
	GOptionContext *ctx;
	GError *gerr = NULL;
	const struct command *cmd;
	char *help;
	int status;

	/* character set only: GOption converts arguments to UTF-8; numbers
	   keep the C locale's decimal point */
	setlocale(LC_CTYPE, "");
	g_set_prgname("tlsrpt");
	log_init("tlsrpt");
	ctx = g_option_context_new("COMMAND [OPTION...]");
	g_option_context_set_summary(ctx,
	    "Show, export and prune the TLS reports (RFC 8460) that "
	    "tlsrpt-ingest(8) stored.");
	help = commands_help();
	g_option_context_set_description(ctx, help);
	g_free(help);
	g_option_context_add_main_entries(ctx, global_entries, NULL);
	/* stop at the command: its options belong to its own parser */
	g_option_context_set_strict_posix(ctx, TRUE);
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		status = cmd_usage("%s", gerr->message);
		g_error_free(gerr);
		goto out;
	}
	if (opt_version) {
		printf("tlsrpt %s\n", PACKAGE_VERSION);
		status = cmd_flush();
		goto out;
	}
	if (argc < 2) {
		status = cmd_usage("%s", "no command given");
		goto out;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (cmd = find_command(argv[2])) != NULL) {
			g_option_context_free(ctx);
			ctx = command_context(cmd);
		} else if (argc > 2) {
			status = cmd_usage("%s: no such command", argv[2]);
			goto out;
		}
		help = g_option_context_get_help(ctx, FALSE, NULL);
		fputs(help, stdout);
		g_free(help);
		status = cmd_flush();
		goto out;
	}
	if ((cmd = find_command(argv[1])) == NULL) {
		status = cmd_usage("%s: no such command", argv[1]);
		goto out;
	}
	/* argv[1] stands in for the program name of the command parser */
	status = run_command(cmd, argc - 1, argv + 1);
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
