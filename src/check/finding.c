/*
 * finding.c: the findings of tlsrpt check and their two renderings.
 *
 * Design rationale:
 * - Text: the verdict of a domain on its first line ("example.org:
 *   error (2 errors, 1 warning)"), then the findings grouped by check
 *   family in the order of tlsrpt(1) (the order a postmaster fixes
 *   things in: DNS records, policy, MX, servers, DANE), each with its id
 *   and severity and, on the next line, the fix.
 * - JSON: an array with one object per domain (domain, verdict,
 *   incomplete, findings: id, severity, message, fix), written with
 *   cJSON so that every string is escaped once, correctly.
 */
#include <stdarg.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "check/finding.h"

struct check_result *
check_result_new(const char *domain)
{
	struct check_result *r = g_new0(struct check_result, 1);

	r->domain = g_strdup(domain);
	r->findings = g_ptr_array_new();
	r->seen = g_ptr_array_new();
	g_mutex_init(&r->lock);
	return r;
}

void
check_result_free(struct check_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->findings->len; i++) {
		struct finding *f = g_ptr_array_index(r->findings, i);

		g_free(f->message);
		g_free(f->fix);
		g_free(f);
	}
	g_ptr_array_free(r->findings, TRUE);
	for (size_t i = 0; i < r->seen->len; i++) {
		struct check_seen *s = g_ptr_array_index(r->seen, i);

		g_free(s->kind);
		g_free(s->key);
		g_free(s->value);
		g_free(s);
	}
	g_ptr_array_free(r->seen, TRUE);
	g_free(r->domain);
	g_free(r->incomplete);
	g_mutex_clear(&r->lock);
	g_free(r);
}

void
check_see(struct check_result *r, const char *kind, const char *key,
    const char *value)
{
	struct check_seen *s = g_new0(struct check_seen, 1);

	s->kind = g_strdup(kind);
	s->key = g_strdup(key);
	s->value = g_strdup(value);
	g_mutex_lock(&r->lock);
	g_ptr_array_add(r->seen, s);
	g_mutex_unlock(&r->lock);
}

void
check_result_take(struct check_result *r, struct check_result *src)
{
	g_mutex_lock(&r->lock);
	for (size_t k = 0; k < src->findings->len; k++)
		g_ptr_array_add(r->findings, src->findings->pdata[k]);
	for (size_t k = 0; k < src->seen->len; k++)
		g_ptr_array_add(r->seen, src->seen->pdata[k]);
	g_mutex_unlock(&r->lock);
	g_ptr_array_set_size(src->findings, 0);
	g_ptr_array_set_size(src->seen, 0);
}

void
check_add(struct check_result *r, const char *id, enum check_sev sev,
    const char *fix, const char *fmt, ...)
{
	struct finding *f = g_new0(struct finding, 1);
	va_list ap;

	g_strlcpy(f->id, id, sizeof(f->id));
	f->sev = sev;
	va_start(ap, fmt);
	f->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	f->fix = g_strdup(fix);
	g_mutex_lock(&r->lock);
	g_ptr_array_add(r->findings, f);
	g_mutex_unlock(&r->lock);
}

void
check_incomplete(struct check_result *r, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_mutex_lock(&r->lock);
	if (r->incomplete == NULL)
		r->incomplete = why;
	else
		g_free(why);
	g_mutex_unlock(&r->lock);
}

size_t
check_count(const struct check_result *r, enum check_sev sev, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < r->findings->len; i++) {
		const struct finding *f = g_ptr_array_index(r->findings, i);

		if (f->sev == sev && (id == NULL || strcmp(f->id, id) == 0))
			n++;
	}
	return n;
}

int
check_has(const struct check_result *r, const char *id)
{
	for (size_t i = 0; i < r->findings->len; i++) {
		const struct finding *f = g_ptr_array_index(r->findings, i);

		if (strcmp(f->id, id) == 0)
			return 1;
	}
	return 0;
}

const char *
check_sev_name(enum check_sev s)
{
	switch (s) {
	case CHECK_ERROR:
		return "error";
	case CHECK_WARNING:
		return "warning";
	case CHECK_INFO:
		break;
	}
	return "info";
}

const char *
check_verdict(const struct check_result *r)
{
	if (check_count(r, CHECK_ERROR, NULL) > 0)
		return "error";
	if (r->incomplete != NULL)
		return "incomplete";
	if (check_count(r, CHECK_WARNING, NULL) > 0)
		return "warning";
	return "ok";
}

/* The families, in the order they are printed. */
static const struct {
	char letter;
	const char *title;
} families[] = {
	{ 'T', "TLSRPT record" },
	{ 'S', "MTA-STS record" },
	{ 'P', "MTA-STS policy fetch" },
	{ 'C', "MTA-STS policy content" },
	{ 'M', "MX hosts" },
	{ 'X', "STARTTLS and certificates" },
	{ 'D', "DANE" },
	{ 'R', "The stored reports against what is published" },
};

static void
plural(GString *s, size_t n, const char *what)
{
	if (n == 0)
		return;
	if (s->len > 0)
		g_string_append(s, ", ");
	g_string_append_printf(s, "%zu %s%s", n, what, n == 1 ? "" : "s");
}

static void
render_one_text(FILE *out, const struct check_result *r)
{
	GString *s = g_string_new(NULL);

	plural(s, check_count(r, CHECK_ERROR, NULL), "error");
	plural(s, check_count(r, CHECK_WARNING, NULL), "warning");
	plural(s, check_count(r, CHECK_INFO, NULL), "note");
	fprintf(out, "%s: %s", r->domain, check_verdict(r));
	if (s->len > 0)
		fprintf(out, " (%s)", s->str);
	fputc('\n', out);
	g_string_free(s, TRUE);
	if (r->incomplete != NULL)
		fprintf(out, "  not checked: %s\n", r->incomplete);
	for (size_t k = 0; k <= nitems(families); k++) {
		int titled = 0;

		for (size_t i = 0; i < r->findings->len; i++) {
			const struct finding *f =
			    g_ptr_array_index(r->findings, i);
			int known = 0;

			for (size_t j = 0; j < nitems(families); j++)
				known |= f->id[0] == families[j].letter;
			if (k < nitems(families)
				? f->id[0] != families[k].letter
				: known)
				continue;
			if (!titled)
				fprintf(out, "  %s\n",
				    k < nitems(families) ? families[k].title
							 : "Other");
			titled = 1;
			fprintf(out, "    %-7s %-3s %s\n",
			    check_sev_name(f->sev), f->id, f->message);
			if (f->fix != NULL)
				fprintf(out, "                fix: %s\n",
				    f->fix);
		}
	}
}

void
check_render_text(FILE *out, struct check_result *const *results, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc('\n', out);
		render_one_text(out, results[i]);
	}
}

void
check_render_json(FILE *out, struct check_result *const *results, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	char *text;

	for (size_t i = 0; i < n; i++) {
		const struct check_result *r = results[i];
		cJSON *o = cJSON_CreateObject(), *fs = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "domain", r->domain);
		cJSON_AddStringToObject(o, "verdict", check_verdict(r));
		if (r->incomplete != NULL)
			cJSON_AddStringToObject(o, "incomplete", r->incomplete);
		else
			cJSON_AddNullToObject(o, "incomplete");
		for (size_t j = 0; j < r->findings->len; j++) {
			const struct finding *f =
			    g_ptr_array_index(r->findings, j);
			cJSON *fo = cJSON_CreateObject();

			cJSON_AddStringToObject(fo, "id", f->id);
			cJSON_AddStringToObject(fo, "severity",
			    check_sev_name(f->sev));
			cJSON_AddStringToObject(fo, "message", f->message);
			if (f->fix != NULL)
				cJSON_AddStringToObject(fo, "fix", f->fix);
			else
				cJSON_AddNullToObject(fo, "fix");
			cJSON_AddItemToArray(fs, fo);
		}
		cJSON_AddItemToObject(o, "findings", fs);
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(arr);
	fputs(text, out);
	fputc('\n', out);
	cJSON_free(text);
	cJSON_Delete(arr);
}
