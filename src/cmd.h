/*
 * cmd.h: the commands of the admin program tlsrpt(1).
 *
 * Each command is one struct command, defined in its own cmd-NAME.c
 * file (or in tlsrpt.c for the small ones) and listed once in the table
 * in tlsrpt.c.  main() parses the global options, finds the command,
 * parses the command's own options, loads the configuration, opens the
 * store read-only when the command wants it, and calls run().
 */
#ifndef CMD_H
#define CMD_H

#include <stdint.h>

#include <glib.h>

#include "conf.h"
#include "store/store.h"
#include "ti.h"

/* What main() hands every command. */
struct cmd_env {
	struct ti_conf conf; /* the configuration, --store applied */
	struct store_query query; /* --domain, --since, --until (CMD_QUERY) */
	int64_t now; /* time(NULL) at start */
	struct store *store; /* open read-only (CMD_STORE), else NULL */
};

enum {
	CMD_STORE = 1 << 0, /* open the store read-only for run() */
	CMD_QUERY = 1 << 1, /* takes --domain, --since and --until */
};

struct command {
	const char *name;
	const char *args; /* positional arguments for the help, or "" */
	const char *summary; /* one sentence for "tlsrpt help" */
	GOptionEntry *entries; /* the command's own options, or NULL */
	unsigned flags;
	/* argv[0] is the command name; returns an exit status */
	int (*run)(struct cmd_env *env, int argc, char **argv);
};

/* Commands defined in their own cmd-NAME.c file. */
extern const struct command cmd_migrate;
extern const struct command cmd_digest, cmd_html, cmd_show, cmd_prune;
extern const struct command cmd_check, cmd_record;

/* Print "tlsrpt: <message>" and a hint on stderr; returns EX_USAGE. */
int cmd_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "tlsrpt: <err->msg>" on stderr; returns the sysexits code of
   err->status (65 input, 75 temporary, 78 config, 70 bug). */
int cmd_fail(const struct ti_err *err);

/* Flush stdout: 0, or EX_IOERR with a message when writing failed. */
int cmd_flush(void);

#endif
