/*
 * trust.c: the [trust] policy (trust.h).
 *
 * Design rationale:
 * - The header is read from the raw bytes here, not through GMime: the
 *   MIME stage trims the trace fields before GMime parses (they cost
 *   more than the rest), and the order of the fields, which decides
 *   which Authentication-Results our own MTA wrote, is only in the raw
 *   bytes anyway.
 * - The resolver and the DKIM library are started at the first mail
 *   that needs them: with dkim = off or authentication-results, and for
 *   a mail without any report, a delivery pays nothing for them.
 */
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "dns/resolve.h"
#include "ingest/mime.h"
#include "ingest/report.h"
#include "trust/authres.h"
#include "trust/dkim.h"
#include "trust/trust.h"

#define HEADER_FIELDS_MAX 1000 /* fields looked at; a real mail has ~60 */
#define LOCAL_AR_MAX 16

enum trust_mode {
	MODE_VERIFY,
	MODE_AR,
	MODE_OFF,
};

struct trust {
	enum trust_mode mode;
	char **authserv_ids;
	char **domains;
	int64_t grace_ms;
	struct resolver_conf rconf;
	char *servers, *anchor;
	struct resolver *res; /* made at the first DKIM lookup */
	struct dkim_verifier *dkim;
};

/* A [trust] domains word as dkim_domain_norm() makes it. */
static char *
domain_word(const char *w)
{
	return dkim_domain_norm(w, strlen(w));
}

struct trust *
trust_new(const struct ti_conf *conf, struct ti_err *err)
{
	struct trust *t = g_new0(struct trust, 1);
	const char *mode =
	    conf->trust_dkim != NULL ? conf->trust_dkim : "verify";

	t->mode = strcmp(mode, "off") == 0                ? MODE_OFF
	    : strcmp(mode, "authentication-results") == 0 ? MODE_AR
							  : MODE_VERIFY;
	/* authserv-ids keep their case; they are compared without it */
	t->authserv_ids = conf_words(conf->trust_authserv_ids, NULL);
	t->domains = conf_words(conf->trust_domains, domain_word);
	t->grace_ms = conf->trust_grace_ms;
	t->servers = g_strdup(conf->dns_resolver);
	t->anchor = g_strdup(conf->dns_trust_anchor);
	t->rconf.servers = t->servers;
	t->rconf.timeout_ms = conf->dns_timeout_ms;
	t->rconf.trust_anchor = t->anchor;
	if (t->mode == MODE_VERIFY &&
	    (t->res = resolver_new(&t->rconf, err)) == NULL) {
		trust_free(t);
		return NULL;
	}
	return t;
}

void
trust_free(struct trust *t)
{
	if (t == NULL)
		return;
	dkim_verifier_free(t->dkim);
	resolver_free(t->res);
	g_strfreev(t->authserv_ids);
	g_strfreev(t->domains);
	g_free(t->servers);
	g_free(t->anchor);
	g_free(t);
}

int
trust_authenticates(const struct trust *t)
{
	return t != NULL && t->mode != MODE_OFF;
}

const char *const *
trust_domains(const struct trust *t)
{
	return t != NULL ? (const char *const *)t->domains : NULL;
}

int
trust_domain_matches(const char *domain, const char *const *ours)
{
	char *d;
	int match = 0;

	if (ours == NULL || domain == NULL ||
	    (d = dkim_domain_norm(domain, strlen(domain))) == NULL)
		return 0;
	for (; *ours != NULL && !match; ours++) {
		size_t n = strlen(d), m = strlen(*ours);

		match = strcmp(d, *ours) == 0 ||
		    (n > m && d[n - m - 1] == '.' &&
			strcmp(d + n - m, *ours) == 0);
	}
	g_free(d);
	return match;
}

/* The domain of an address, a mailto: URI or an https URL; NULL if none
   can be told. */
static char *
contact_domain(const char *c)
{
	const char *at, *end;
	GUri *uri;
	char *d = NULL;

	if (c == NULL)
		return NULL;
	while (g_ascii_isspace(*c))
		c++;
	if (g_ascii_strncasecmp(c, "https://", 8) == 0 ||
	    g_ascii_strncasecmp(c, "http://", 7) == 0) {
		uri = g_uri_parse(c, G_URI_FLAGS_NONE, NULL);
		if (uri != NULL && g_uri_get_host(uri) != NULL)
			d = dkim_domain_norm(g_uri_get_host(uri),
			    strlen(g_uri_get_host(uri)));
		if (uri != NULL)
			g_uri_unref(uri);
		return d;
	}
	if (g_ascii_strncasecmp(c, "mailto:", 7) == 0)
		c += 7;
	/* the first of a list: its last '@' */
	end = c + strcspn(c, ",;");
	for (at = end; at > c && at[-1] != '@'; at--)
		;
	if (at == c)
		return NULL;
	end = at + strcspn(at, "?>,; \t\r\n");
	return dkim_domain_norm(at, (size_t)(end - at));
}

char *
trust_reporting_domain(const struct report *r, const char *submitter,
    const char *from_domain)
{
	char *d = r != NULL ? contact_domain(r->contact_info) : NULL;

	if (d == NULL && submitter != NULL) {
		/* a domain (RFC 8460 §5.3), though some write an address */
		if (strchr(submitter, '@') != NULL)
			d = contact_domain(submitter);
		else {
			char *s = g_strstrip(g_strdup(submitter));

			d = dkim_domain_norm(s, strlen(s));
			g_free(s);
		}
	}
	if (d == NULL && from_domain != NULL)
		d = dkim_domain_norm(from_domain, strlen(from_domain));
	return d;
}

/* The domain of the first mailbox of a From value, or NULL. */
static char *
from_domain(const char *value)
{
	InternetAddressList *list;
	InternetAddress *a;
	const char *addr, *at;
	char *d = NULL;

	mime_init();
	if ((list = internet_address_list_parse(NULL, value)) == NULL)
		return NULL;
	if (internet_address_list_length(list) > 0 &&
	    INTERNET_ADDRESS_IS_MAILBOX(
		a = internet_address_list_get_address(list, 0)) &&
	    (addr = internet_address_mailbox_get_addr(
		 INTERNET_ADDRESS_MAILBOX(a))) != NULL &&
	    (at = strrchr(addr, '@')) != NULL)
		d = dkim_domain_norm(at + 1, strlen(at + 1));
	g_object_unref(list);
	return d;
}

/* The date after the last ';' of a Received value (RFC 5321 §4.4), in
   epoch seconds, or -1. */
static int64_t
received_date(const char *value)
{
	const char *semi = strrchr(value, ';');
	GDateTime *dt;
	int64_t t;

	if (semi == NULL)
		return -1;
	mime_init();
	if ((dt = g_mime_utils_header_decode_date(semi + 1)) == NULL)
		return -1;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* Where the scan is, against the first Received field. */
enum zone {
	ABOVE, /* no Received field yet */
	RIGHT_AFTER, /* the first Received, then only A-R fields */
	BELOW, /* anything else: the sender's part */
};

static void
scan_field(struct trust_header *h, GPtrArray *ar, enum zone *z,
    const char *name, const char *value)
{
	int is_ar = g_ascii_strcasecmp(name, "Authentication-Results") == 0;

	if (g_ascii_strcasecmp(name, "From") == 0) {
		if (h->n_from++ == 0)
			h->from_domain = from_domain(value);
	} else if (g_ascii_strcasecmp(name, "Received") == 0 && *z == ABOVE) {
		h->received = received_date(value);
		*z = RIGHT_AFTER;
		return;
	}
	if (is_ar && *z != BELOW && ar->len < LOCAL_AR_MAX)
		g_ptr_array_add(ar, g_strdup(value));
	if (!is_ar && *z == RIGHT_AFTER)
		*z = BELOW;
}

void
trust_scan_header(const unsigned char *raw, size_t len, struct trust_header *h)
{
	const char *p = (const char *)raw, *end = p + len, *nl, *colon;
	GPtrArray *ar = g_ptr_array_new();
	GString *name = g_string_new(NULL), *value = g_string_new(NULL);
	enum zone z = ABOVE;
	size_t fields = 0;
	int open = 0;

	memset(h, 0, sizeof(*h));
	h->received = -1;
	if (len >= 5 && memcmp(p, "From ", 5) == 0)
		p = (nl = memchr(p, '\n', len)) != NULL ? nl + 1 : end;
	while (p < end && fields < HEADER_FIELDS_MAX) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* the empty line */
		if (*p == ' ' || *p == '\t') {
			if (open)
				g_string_append_len(value, p, (gssize)n);
		} else {
			if (open)
				scan_field(h, ar, &z, name->str, value->str);
			open = 0;
			fields++;
			colon = memchr(p, ':', n);
			if (colon == NULL || memchr(p, '\0', n) != NULL)
				break; /* not a header field: the body */
			g_string_assign(name, "");
			g_string_append_len(name, p, colon - p);
			g_strchomp(name->str);
			g_string_assign(value, "");
			g_string_append_len(value, colon + 1,
			    (gssize)(n - (size_t)(colon + 1 - p)));
			open = 1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (open)
		scan_field(h, ar, &z, name->str, value->str);
	g_string_free(name, TRUE);
	g_string_free(value, TRUE);
	g_ptr_array_add(ar, NULL);
	h->local_ar = (char **)g_ptr_array_free(ar, FALSE);
}

void
trust_header_clear(struct trust_header *h)
{
	g_free(h->from_domain);
	g_strfreev(h->local_ar);
	memset(h, 0, sizeof(*h));
}

static int
verify_dkim(struct trust *t, const unsigned char *raw, size_t len,
    const char *rd, struct ti_auth *auth, struct ti_err *err)
{
	if (rd == NULL) {
		auth_set(auth, AUTH_DKIM, AUTH_PERMERROR);
		auth_reason(auth,
		    "no reporting domain to check the signature against (no "
		    "contact-info, TLS-Report-Submitter or From)");
		return 0;
	}
	if (t->dkim == NULL &&
	    (t->dkim = dkim_verifier_new(t->res, err)) == NULL)
		return -1;
	return dkim_verify_mail(t->dkim, raw, len, rd, auth, err);
}

int
trust_check(struct trust *t, const unsigned char *raw, size_t len,
    const struct report *r, const char *submitter, int64_t now,
    struct ti_auth *auth, enum trust_verdict *verdict, struct ti_err *err)
{
	struct trust_header h;
	char *rd;
	int rc = 0;

	*verdict = TRUST_UNAUTHENTICATED;
	if (t->mode == MODE_OFF) {
		auth_set(auth, AUTH_NONE, AUTH_RNONE);
		auth_reason(auth, "not authenticated: [trust] dkim = off");
		*verdict = TRUST_STORE;
		return 0;
	}
	trust_scan_header(raw, len, &h);
	rd = trust_reporting_domain(r, submitter, h.from_domain);
	if (t->mode == MODE_AR) {
		size_t n = g_strv_length(h.local_ar);

		authres_decide((const char *const *)h.local_ar, n,
		    (const char *const *)t->authserv_ids, rd, dkim_org_aligned,
		    auth);
		if (auth_passed(auth) && h.n_from != 1) {
			auth_set(auth, AUTH_AR, AUTH_PERMERROR);
			auth_reason(auth, "%zu From fields", h.n_from);
		}
	} else
		rc = verify_dkim(t, raw, len, rd, auth, err);

	if (rc == 0 && auth_passed(auth))
		*verdict = TRUST_STORE;
	else if (rc == 0 && t->mode == MODE_VERIFY &&
	    strcmp(auth->result, AUTH_TEMPERROR) == 0) {
		/* retry within the grace period, counted from our MTA's
		   Received field */
		if (h.received < 0)
			auth_reason(auth,
			    "%s; no Received field to count the grace period "
			    "from",
			    auth->reason != NULL ? auth->reason : "temperror");
		else if ((now - h.received) * 1000 < t->grace_ms)
			*verdict = TRUST_DEFER;
		else
			auth_reason(auth, "%s; retried for %lld minutes",
			    auth->reason != NULL ? auth->reason : "temperror",
			    (long long)(now - h.received) / 60);
	}
	g_free(rd);
	trust_header_clear(&h);
	return rc;
}
