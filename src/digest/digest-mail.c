/*
 * digest-mail.c: the digest as an RFC 5322 message, multipart/alternative
 * (RFC 2046 §5.1.4) of text/plain and text/html, built with GMime so
 * that header encoding (RFC 2047), folding and MIME boundaries are never
 * hand-made.  The result goes to "sendmail -t", which reads To from it.
 *
 * Design rationale: no string from a report reaches a header.  The
 * Subject holds the label we made, a rate we computed, and a domain
 * only when it passed digest_hostname_ok(); From and To come from the
 * configuration or the command line.
 */
#include <string.h>

#include <gmime/gmime.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/digest.h"

/* An admin-supplied string for a header: control characters (a
   newline would start a header of its own) become "?". */
static char *
header_text(const char *s)
{
	return digest_clean(s != NULL ? s : "", 200);
}

/* The domains whose reporters stopped, the alarm the digest exists for:
   ", SILENT" (one domain), ", SILENT: a.example, b.example", ",
   reporters stopped: c.example", "..., 2 more" past three names; a name
   only when it passed digest_hostname_ok(). */
static void
silence(GString *s, const struct digest *d)
{
	for (int silent = 1; silent >= 0; silent--) {
		size_t n = 0, shown = 0;

		for (size_t i = 0; i < d->n_domains; i++) {
			const struct digest_domain *dom = &d->domains[i];

			if (dom->stopped == 0 || dom->silent != silent)
				continue;
			if (n++ == 0)
				g_string_append(s,
				    silent ? ", SILENT"
					   : ", reporters "
					     "stopped");
			if (d->n_domains == 1)
				continue;
			if (dom->name_ok && shown < 3)
				g_string_append_printf(s, "%s%s",
				    shown++ == 0 ? ": " : ", ", dom->name);
		}
		if (n > shown && d->n_domains > 1)
			g_string_append_printf(s, "%s%zu %s",
			    shown > 0 ? ", " : ": ", n - shown,
			    shown > 0
				? "more"
				: (n - shown == 1 ? "domain" : "domains"));
	}
}

char *
digest_subject(const struct digest *d, const char *prefix)
{
	GString *s = g_string_new(NULL);
	char *pre = header_text(
	    prefix != NULL && *prefix != '\0' ? prefix : "TLS report");
	char *rate = digest_pct(d->rate);
	const struct digest_domain *worst = NULL;

	g_string_append(s, pre);
	if (d->n_domains == 1 && d->domains[0].name_ok)
		g_string_append_printf(s, " for %s", d->domains[0].name);
	else if (d->n_domains != 1)
		g_string_append_printf(s, " for %zu domains", d->n_domains);
	else
		g_string_append(s, " for 1 domain");
	if (d->successful + d->failed == 0 && d->reports == 0 &&
	    d->auth.excluded > 0)
		g_string_append(s, ": no authenticated report");
	else if (d->successful + d->failed == 0)
		g_string_append(s, ": no sessions");
	else
		g_string_append_printf(s, ": %s failures", rate);
	for (size_t i = 0; i < d->n_domains; i++)
		if (d->domains[i].failed > 0 &&
		    (worst == NULL || d->domains[i].rate > worst->rate))
			worst = &d->domains[i];
	if (d->n_domains > 1 && worst != NULL && worst->name_ok) {
		char *w = digest_pct(worst->rate);

		g_string_append_printf(s, ", worst %s %s", worst->name, w);
		g_free(w);
	}
	silence(s, d);
	g_string_append_printf(s, " (%s)", d->label);
	g_free(pre);
	g_free(rate);
	return g_string_free(s, FALSE);
}

static InternetAddressList *
addresses(const char *what, const char *text, struct ti_err *err)
{
	InternetAddressList *l;

	if (text == NULL || *text == '\0') {
		ti_err_set(err, TI_E_CONFIG,
		    "digest: no %s address (set [digest] %s in tlsrpt.conf "
		    "or use --%s)",
		    what, what, what);
		return NULL;
	}
	l = internet_address_list_parse(NULL, text);
	if (l == NULL || internet_address_list_length(l) == 0) {
		char *shown = g_strescape(text, NULL);

		ti_err_set(err, TI_E_CONFIG, "digest: bad %s address '%s'",
		    what, shown);
		g_free(shown);
		if (l != NULL)
			g_object_unref(l);
		return NULL;
	}
	return l;
}

static GMimeObject *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(p, text);
	g_mime_text_part_set_charset(p, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(p),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(p);
}

char *
digest_mail(const struct digest *d, const char *from, const char *to,
    const char *subject_prefix, int64_t date, struct ti_err *err)
{
	InternetAddressList *lfrom, *lto;
	GMimeMessage *msg;
	GMimeMultipart *alt;
	GMimeObject *part;
	GMimeFormatOptions *fo;
	GDateTime *dt;
	char *text, *html, *subject, *id, *out;

	if ((lfrom = addresses("from", from, err)) == NULL)
		return NULL;
	if ((lto = addresses("to", to, err)) == NULL) {
		g_object_unref(lfrom);
		return NULL;
	}
	msg = g_mime_message_new(TRUE);
	internet_address_list_append(
	    g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_FROM), lfrom);
	internet_address_list_append(
	    g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), lto);
	g_object_unref(lfrom);
	g_object_unref(lto);

	subject = digest_subject(d, subject_prefix);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_free(subject);
	if ((dt = g_date_time_new_from_unix_utc(date)) == NULL)
		dt = g_date_time_new_now_utc();
	g_mime_message_set_date(msg, dt);
	g_date_time_unref(dt);
	id = g_mime_utils_generate_message_id(g_get_host_name());
	g_mime_message_set_message_id(msg, id);
	g_free(id);
	/* RFC 3834: no vacation replies to a machine-made mail */
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
	    "auto-generated", NULL);

	alt = g_mime_multipart_new_with_subtype("alternative");
	text = digest_text(d);
	html = digest_html(d);
	/* RFC 2046 §5.1.4: the richest alternative comes last */
	part = text_part("plain", text);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	part = text_part("html", html);
	g_mime_multipart_add(alt, part);
	g_object_unref(part);
	g_free(text);
	g_free(html);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
	g_object_unref(alt);

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
	out = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	return out;
}
