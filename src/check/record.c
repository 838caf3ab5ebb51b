/*
 * record.c: tlsrpt record's generator (record.h).
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "check/record.h"

char *
record_zone_txt(const char *owner, unsigned ttl, const char *text)
{
	GString *s = g_string_new(NULL);
	size_t n = strlen(text), off = 0;

	g_string_append_printf(s, "%s. %u IN TXT", owner, ttl);
	do {
		size_t k = n - off > 255 ? 255 : n - off;

		g_string_append(s, " \"");
		for (size_t i = 0; i < k; i++) {
			if (text[off + i] == '"' || text[off + i] == '\\')
				g_string_append_c(s, '\\');
			g_string_append_c(s, text[off + i]);
		}
		g_string_append_c(s, '"');
		off += k;
	} while (off < n);
	return g_string_free(s, FALSE);
}

void
record_out_clear(struct record_out *out)
{
	g_free(out->tlsrpt_txt);
	g_free(out->sts_txt);
	g_free(out->zone);
	g_free(out->policy);
	g_free(out->nginx);
	g_free(out->advice);
	memset(out, 0, sizeof(*out));
}

/* The first error finding of r as text, or NULL. */
static char *
first_error(const struct check_result *r)
{
	for (size_t i = 0; i < r->findings->len; i++) {
		const struct finding *f = g_ptr_array_index(r->findings, i);

		if (f->sev == CHECK_ERROR)
			return g_strdup(f->message);
	}
	return NULL;
}

int
record_make(const struct record_in *in, struct record_out *out, char **why)
{
	struct check_result *r = check_result_new(in->domain);
	struct sts_policy p;
	GString *s = g_string_new(NULL);
	char *owner, *line, *url;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	/* the TLSRPT record */
	g_string_append(s, CHECK_TLSRPT_VERSION "; rua=");
	for (size_t i = 0; in->rua[i] != NULL; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "", in->rua[i]);
	out->tlsrpt_txt = g_strdup(s->str);
	owner = g_strdup_printf("_smtp._tls.%s", in->domain);
	(void)check_tlsrpt_record(r, owner, out->tlsrpt_txt, NULL);
	g_free(owner);
	/* the MTA-STS record */
	out->sts_txt = g_strdup_printf(CHECK_STS_VERSION "; id=%s", in->id);
	owner = g_strdup_printf("_mta-sts.%s", in->domain);
	(void)check_sts_record(r, owner, out->sts_txt, NULL);
	g_free(owner);
	/* the policy */
	g_string_assign(s, "version: STSv1\r\n");
	g_string_append_printf(s, "mode: %s\r\n", sts_mode_name(in->mode));
	if (in->mode != STS_MODE_NONE)
		for (size_t i = 0; in->mx[i] != NULL; i++)
			g_string_append_printf(s, "mx: %s\r\n", in->mx[i]);
	g_string_append_printf(s, "max_age: %lld\r\n", (long long)in->max_age);
	out->policy = g_strdup(s->str);
	url = g_strdup_printf("https://mta-sts.%s/.well-known/mta-sts.txt",
	    in->domain);
	(void)check_policy(r, url, out->policy, strlen(out->policy), &p);
	sts_policy_clear(&p);
	g_free(url);
	if ((*why = first_error(r)) != NULL)
		goto out;
	/* zone-file lines */
	g_string_truncate(s, 0);
	owner = g_strdup_printf("_smtp._tls.%s", in->domain);
	line = record_zone_txt(owner, in->ttl, out->tlsrpt_txt);
	g_string_append_printf(s, "%s\n", line);
	g_free(line);
	g_free(owner);
	owner = g_strdup_printf("_mta-sts.%s", in->domain);
	line = record_zone_txt(owner, in->ttl, out->sts_txt);
	g_string_append_printf(s, "%s\n", line);
	g_free(line);
	g_free(owner);
	g_string_append_printf(s,
	    "; and the web server that serves the policy, e.g.\n"
	    "; mta-sts.%s. %u IN CNAME www.%s.\n",
	    in->domain, in->ttl, in->domain);
	out->zone = g_strdup(s->str);
	out->nginx = g_strdup_printf(
	    "# nginx: serve the policy at exactly this URL, status 200,\n"
	    "# text/plain, no redirect; the certificate must cover\n"
	    "# mta-sts.%s (senders check it).\n"
	    "server {\n"
	    "\tlisten 443 ssl;\n"
	    "\tlisten [::]:443 ssl;\n"
	    "\tserver_name mta-sts.%s;\n"
	    "\tssl_certificate /etc/letsencrypt/live/mta-sts.%s/"
	    "fullchain.pem;\n"
	    "\tssl_certificate_key /etc/letsencrypt/live/mta-sts.%s/"
	    "privkey.pem;\n"
	    "\tlocation = /.well-known/mta-sts.txt {\n"
	    "\t\tdefault_type text/plain;\n"
	    "\t\talias /var/www/mta-sts/mta-sts.txt;\n"
	    "\t}\n"
	    "\tlocation / {\n"
	    "\t\treturn 404;\n"
	    "\t}\n"
	    "}\n",
	    in->domain, in->domain, in->domain, in->domain);
	g_string_truncate(s, 0);
	g_string_append_printf(s,
	    "1. Publish the two TXT records and a name (CNAME or A/AAAA) for "
	    "mta-sts.%s.\n"
	    "2. Save the policy as /var/www/mta-sts/mta-sts.txt and serve it "
	    "with the server block above (a certificate for "
	    "mta-sts.%s).\n"
	    "3. Run: tlsrpt check %s\n",
	    in->domain, in->domain, in->domain);
	if (in->mode == STS_MODE_TESTING)
		g_string_append(s,
		    "4. Stay in mode testing while the reports come in (30 "
		    "days or more; tlsrpt digest says when the domain is "
		    "ready), then switch to mode enforce with max_age 604800 "
		    "(a week) or more.\n");
	else if (in->mode == STS_MODE_ENFORCE)
		g_string_append(s,
		    "4. Before a planned MX change, lower max_age well ahead "
		    "of it; list the new MX in the policy first.\n");
	else
		g_string_append(s,
		    "4. Mode none withdraws MTA-STS: keep it published for "
		    "the longest max_age you ever used, then delete the "
		    "records.\n");
	g_string_append(s,
	    "5. At every change of the policy: change the file first, then "
	    "give the _mta-sts record a new id (senders refetch only when "
	    "the id changes).\n");
	out->advice = g_strdup(s->str);
	rc = 0;
out:
	if (rc < 0)
		record_out_clear(out);
	g_string_free(s, TRUE);
	check_result_free(r);
	return rc;
}
