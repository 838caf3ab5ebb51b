/*
 * fuzz-check: the pure parsers of tlsrpt check.  The input is fed whole
 * to the policy parser (it may hold NULs); then, cut at its first NUL,
 * to both TXT record parsers and, line by line, to the mx pattern
 * checker and matcher.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "check/finding.h"
#include "check/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check_result *r = check_result_new("example.org");
	struct sts_policy p;
	char *s = g_strndup((const char *)data, size);
	char **rua = NULL, *id = NULL, **lines;
	const char *why;

	(void)check_policy(r, "https://mta-sts.example.org/",
	    (const char *)data, size, &p);
	for (size_t i = 0; i < p.n_mx; i++)
		(void)check_mx_match(p.mx[i], "mx.example.org");
	sts_policy_clear(&p);
	(void)check_tlsrpt_record(r, "_smtp._tls.example.org", s, &rua);
	(void)check_sts_record(r, "_mta-sts.example.org", s, &id);
	lines = g_strsplit(s, "\n", 16);
	for (size_t i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++) {
		(void)check_mx_pattern_ok(lines[i], &why);
		(void)check_mx_match(lines[i], lines[i + 1]);
	}
	g_strfreev(lines);
	g_strfreev(rua);
	g_free(id);
	g_free(s);
	check_result_free(r);
	return 0;
}
