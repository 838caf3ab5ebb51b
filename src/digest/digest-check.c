/*
 * digest-check.c: the "published now" part of a digest domain
 * ([digest] check = yes): what tlsrpt check finds live, the cross-checks
 * of the reports against it (R1..R4), and what it does to the enforce
 * verdict.
 *
 * Design rationale:
 * - The check runs in cmd-digest.c (network, bounded time); its result
 *   enters the model here as data, copied and cleaned, so that the
 *   renderers stay pure and the unit tests give a fabricated result.
 * - Only errors and warnings of the live check are kept (an info is not
 *   for a morning mail), but every cross-check: an R4 info ("the live
 *   check finds no DANE failure now") explains old failures.
 * - A domain is not ready for enforce while the live check has an error
 *   or a certificate that expires soon (X6): reports only say what
 *   worked last week, and a certificate that expires in three days
 *   breaks enforce next week.  A verdict other than "testing" stays as
 *   it is: the check does not move a domain already in enforce.
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/digest.h"
#include "check/finding.h"

void
digest_check_free(struct digest_check *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_findings; i++) {
		g_free(c->findings[i].message);
		g_free(c->findings[i].fix);
	}
	g_free(c->findings);
	g_free(c->incomplete);
	g_free(c->note);
	g_free(c);
}

static void
copy(struct digest_check *c, const struct finding *f)
{
	struct digest_finding *o = &c->findings[c->n_findings++];

	g_strlcpy(o->id, f->id, sizeof(o->id));
	o->severity = check_sev_name(f->sev);
	o->message = digest_clean(f->message, 0);
	o->fix = digest_clean(f->fix, 0);
	if (f->sev == CHECK_ERROR)
		c->errors++;
	else if (f->sev == CHECK_WARNING)
		c->warnings++;
}

/* The finding that holds the verdict back: the first error, else the
   first X6 warning (a certificate that expires soon); NULL. */
static const struct digest_finding *
blocker(const struct digest_check *c)
{
	for (size_t i = 0; i < c->n_findings; i++)
		if (strcmp(c->findings[i].severity, "error") == 0)
			return &c->findings[i];
	for (size_t i = 0; i < c->n_findings; i++)
		if (strcmp(c->findings[i].id, "X6") == 0 &&
		    strcmp(c->findings[i].severity, "warning") == 0)
			return &c->findings[i];
	return NULL;
}

void
digest_set_check(struct digest_domain *dom, const struct check_result *r,
    int64_t checked_at, const char *note)
{
	struct digest_check *c = g_new0(struct digest_check, 1);
	const struct digest_finding *b;
	struct digest_enforce *v = &dom->enforce;

	c->checked_at = checked_at;
	c->verdict = check_verdict(r);
	c->incomplete = digest_clean(r->incomplete, 0);
	c->note = digest_clean(note, 0);
	c->findings = g_new0(struct digest_finding, r->findings->len + 1);
	/* the live check first, then the cross-checks */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->findings->len; i++) {
			const struct finding *f =
			    g_ptr_array_index(r->findings, i);
			int cross = f->id[0] == 'R';

			if (pass == 0 && !cross && f->sev != CHECK_INFO)
				copy(c, f);
			else if (pass == 1 && cross)
				copy(c, f);
		}
	digest_check_free(dom->check);
	dom->check = c;
	if ((v->verdict != VERDICT_READY && v->verdict != VERDICT_NOT_READY) ||
	    (b = blocker(c)) == NULL)
		return;
	{
		GString *why = g_string_new(NULL);

		g_string_printf(why,
		    "The live check finds %s (%s): %s; fix it first.",
		    strcmp(b->severity, "error") == 0
			? "an error"
			: "a certificate that expires soon",
		    b->id, b->message);
		if (v->verdict == VERDICT_READY)
			g_string_append_printf(why,
			    "  On the reports alone: %s",
			    v->reason != NULL ? v->reason : "");
		else if (v->reason != NULL)
			g_string_append_printf(why, "  %s", v->reason);
		g_free(v->reason);
		v->reason = g_string_free(why, FALSE);
		v->verdict = VERDICT_NOT_READY;
	}
}

int
digest_check_wanted(const struct digest_domain *dom, char *const *trusted)
{
	if (trusted == NULL)
		return dom->name_ok;
	for (size_t i = 0; trusted[i] != NULL; i++)
		if (g_ascii_strcasecmp(trusted[i], dom->name) == 0)
			return 1;
	return 0;
}

char *
digest_check_text(const struct digest_check *c, const char *indent)
{
	GString *s = g_string_new(NULL);

	if (c->incomplete != NULL)
		g_string_append_printf(s, "%sincomplete: %s\n", indent,
		    c->incomplete);
	if (c->n_findings == 0 && c->incomplete == NULL)
		g_string_append_printf(s, "%sno error, no warning\n", indent);
	for (size_t i = 0; i < c->n_findings; i++) {
		const struct digest_finding *f = &c->findings[i];

		g_string_append_printf(s, "%s%-7s %-3s %s\n", indent,
		    f->severity, f->id, f->message);
		if (f->fix != NULL)
			g_string_append_printf(s, "%s            fix: %s\n",
			    indent, f->fix);
	}
	if (c->note != NULL)
		g_string_append_printf(s, "%s%s\n", indent, c->note);
	return g_string_free(s, FALSE);
}
