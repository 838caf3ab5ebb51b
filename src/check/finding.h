/*
 * finding.h: what tlsrpt check found about a domain, and how it is
 * printed (text for people, JSON for scripts).
 *
 * Design rationale:
 * - A finding is an id (the check table of tlsrpt(1): T1.. TLSRPT
 *   record, S1.. MTA-STS record, P1.. policy fetch, C1.. policy content,
 *   M1.. MX coverage, X1.. STARTTLS and certificates, D1.. DANE), a
 *   severity, one line that names the exact host, record or line, and
 *   one line that says the fix.  The ids are stable: scripts match them.
 * - Pure: the checks (parse.c, the network stages) add findings, the
 *   renderers only read them; the unit tests build results by hand.
 * - A domain whose checks could not run (DNS unreachable) says so apart
 *   from its findings: "no finding" must never be read as "clean" then.
 */
#ifndef CHECK_FINDING_H
#define CHECK_FINDING_H

#include <stdio.h>

#include <glib.h>

enum check_sev {
	CHECK_INFO,
	CHECK_WARNING,
	CHECK_ERROR,
};

struct finding {
	char id[8]; /* "T1", "X4", ... */
	enum check_sev sev;
	char *message;
	char *fix; /* NULL: nothing to do */
};

/* A fact the checks saw, for the check history (store_seen): kind
   "policy" (key: the _mta-sts id, value: sha256 of the policy text),
   "spki" and "notafter" (key: "MX [ADDR]"). */
struct check_seen {
	char *kind;
	char *key;
	char *value;
};

struct check_result {
	char *domain;
	GPtrArray *findings; /* of struct finding *, in the order found */
	GPtrArray *seen; /* of struct check_seen *, in the order seen */
	char *incomplete; /* why the checks could not run; NULL: they ran */
	GMutex lock; /* the probes add findings from several threads */
};

struct check_result *check_result_new(const char *domain);
void check_result_free(struct check_result *r);

/* Add a finding; fix may be NULL.  Thread-safe. */
void check_add(struct check_result *r, const char *id, enum check_sev sev,
    const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Note a fact for the check history.  Thread-safe. */
void check_see(struct check_result *r, const char *kind, const char *key,
    const char *value);
/* Move src's findings and facts to the end of r's (src keeps none). */
void check_result_take(struct check_result *r, struct check_result *src);
/* Mark the result incomplete (the first reason stays). */
void check_incomplete(struct check_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How many findings of severity sev; with id != NULL, of that id only. */
size_t check_count(const struct check_result *r, enum check_sev sev,
    const char *id);
/* Has a finding with this id (any severity)? */
int check_has(const struct check_result *r, const char *id);

/* "error", "warning", "info" */
const char *check_sev_name(enum check_sev s);
/* "error", "warning", "ok" or "incomplete": the domain's verdict. */
const char *check_verdict(const struct check_result *r);

/* Print results[0..n) as text (a verdict line per domain, then its
   findings grouped by check family) or as a JSON array of objects. */
void check_render_text(FILE *out, struct check_result *const *results,
    size_t n);
void check_render_json(FILE *out, struct check_result *const *results,
    size_t n);

#endif
