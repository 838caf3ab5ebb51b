/*
 * fuzz-authres: the Authentication-Results parser and decision.  The
 * input is parsed as one field value (NUL bytes end it early, as they
 * would a C string), then split on newlines into fields for
 * authres_decide with a fixed trusted list; a line starting with a
 * space or tab continues the field before it (folding), so both
 * multi-line values and several fields are reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "trust/authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 16

/* Whole-label suffix match, enough to reach both alignment outcomes. */
static int
aligned(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la < lb || g_ascii_strcasecmp(a + la - lb, b) != 0)
		return 0;
	return la == lb || a[la - lb - 1] == '.';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const trusted[] = { "mx.example.org",
		"MX2.example.org", NULL };
	const char *fields[MAX_FIELDS];
	struct authres ar;
	struct ti_auth auth = { 0 };
	char *s = g_strndup((const char *)data, size), *p, *start;
	size_t n = 0, i;

	if (authres_parse(s, &ar) == 0) {
		/* Touch every string so a bad pointer shows. */
		for (i = 0; i < ar.n_results; i++) {
			size_t j,
			    k = strlen(ar.results[i].method) +
			    strlen(ar.results[i].result);

			for (j = 0; j < ar.results[i].n_props; j++)
				k += strlen(ar.results[i].props[j].value);
			(void)k;
		}
	}
	authres_clear(&ar);

	/* Split into fields: a newline not followed by WSP ends one. */
	start = s;
	for (p = s; *p != '\0' && n < MAX_FIELDS - 1; p++)
		if (*p == '\n' && p[1] != ' ' && p[1] != '\t') {
			*p = '\0';
			fields[n++] = start;
			start = p + 1;
		}
	fields[n++] = start;
	authres_decide(fields, n, trusted, "example.com", aligned, &auth);
	auth_clear(&auth);
	authres_decide(fields, n, trusted, NULL, NULL, &auth);
	auth_clear(&auth);
	g_free(s);
	return 0;
}
