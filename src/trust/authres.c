/*
 * authres.c: Authentication-Results header fields (RFC 8601 §2.2) and
 * the trust decision they feed (doc/trust.md, '4. Authentication-Results').
 *
 * Design rationale:
 * - A hand-written tokenizer over one NUL-terminated string: a cursor,
 *   one function per production, no recursion (comment nesting is a
 *   counter capped at AUTHRES_MAX_DEPTH) and no look-behind.  Every
 *   advance first checks the byte it steps over, so no input makes it
 *   read past the terminating NUL.  Work is linear in the input.
 * - Strict where it matters and lenient where real MTAs are not: the
 *   structure (authserv-id, version, "; method[/v]=result", "reason=",
 *   "ptype.property=pvalue") follows the grammar, and anything else is
 *   a parse error, so a field that does not parse is ignored as a
 *   whole.  But a value (authserv-id, reason, pvalue) is any run of
 *   visible characters except ( ) ; " and backslash, not just an RFC
 *   2045 token: mox writes policy.iprev=2607:f8b0::1, Fastmail
 *   smtp.bits=256/256, OpenDKIM's AuthservIDWithJobID host/jobid, and
 *   header.b may hold base64 '/', '+' and '='.  pvalue may also be
 *   "quoted"@domain, and may be empty before ';' or the end.  A
 *   trailing ';' after the last resinfo is accepted (Microsoft writes
 *   one).
 * - CR and LF count as folding whitespace anywhere and are dropped
 *   inside comments and quoted strings (unfolding); other control
 *   characters are errors.  Bytes >= 0x80 are allowed in values,
 *   comments and quoted strings (RFC 6532), never in keywords.
 * - More than AUTHRES_MAX_RESULTS results or AUTHRES_MAX_PROPS
 *   properties in one result is an error, not a truncation: dropping
 *   the tail could drop the one dkim result that matters.
 * - authres_decide trusts a field only when its parsed authserv-id
 *   equals a configured one, whole and case-insensitively: never a
 *   prefix or substring of the raw text (CVE-2020-12272 used
 *   "example.net(.example.com").  Two trusted fields with a dkim result
 *   mean one was forged (the MTA should have deleted incoming copies,
 *   RFC 8601 §5), so neither is believed.  A result with header.d
 *   given twice is never taken as a pass: which one was verified?
 */
#include <string.h>

#include <glib.h>

#include "config.h"
#include "trust/authres.h"

#define AUTHRES_MAX_RESULTS 64
#define AUTHRES_MAX_PROPS 32
#define AUTHRES_MAX_DEPTH 16

struct cursor {
	const char *p;
};

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A byte that may appear in a value outside quotes (see above). */
static int
is_vchar(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return strchr("();\"\\", c) == NULL;
}

/* Keyword (RFC 8601: ldh-str), plus '_' seen in the wild. */
static int
is_kchar(unsigned char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_';
}

/* A control character that is not folding whitespace. */
static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && !is_wsp(c)) || c == 0x7f;
}

/*
 * Skip CFWS.  The text of the first comment met (outer parentheses
 * removed, quoted-pairs resolved, CR and LF dropped) goes to *comment
 * when comment is not NULL and *comment is NULL.  -1 on an unbalanced
 * or too deeply nested comment, or a control character in one.
 */
static int
skip_cfws(struct cursor *c, char **comment)
{
	for (;;) {
		GString *text;
		int depth;

		while (is_wsp((unsigned char)*c->p))
			c->p++;
		if (*c->p != '(')
			return 0;
		c->p++;
		depth = 1;
		text = comment != NULL && *comment == NULL ? g_string_new(NULL)
							   : NULL;
		while (depth > 0) {
			unsigned char ch = (unsigned char)*c->p;

			if (ch == '\0' || is_ctl(ch))
				goto bad;
			c->p++;
			if (ch == '\\') {
				ch = (unsigned char)*c->p;
				if (ch == '\0' || is_ctl(ch))
					goto bad;
				c->p++;
			} else if (ch == '(') {
				if (++depth > AUTHRES_MAX_DEPTH)
					goto bad;
			} else if (ch == ')') {
				if (--depth == 0)
					break;
			}
			if (text != NULL && ch != '\r' && ch != '\n')
				g_string_append_c(text, (char)ch);
		}
		if (text != NULL)
			*comment = g_string_free(text, FALSE);
		continue;
	bad:
		if (text != NULL)
			g_string_free(text, TRUE);
		return -1;
	}
}

/* A keyword, lower-cased, or NULL when there is none at the cursor. */
static char *
read_keyword(struct cursor *c)
{
	const char *start = c->p;

	while (is_kchar((unsigned char)*c->p))
		c->p++;
	if (c->p == start)
		return NULL;
	return g_ascii_strdown(start, c->p - start);
}

/* A quoted-string at the cursor (on its '"'), unquoted; NULL if bad. */
static char *
read_quoted(struct cursor *c)
{
	GString *s = g_string_new(NULL);

	c->p++;
	for (;;) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '\0' || is_ctl(ch)) {
			g_string_free(s, TRUE);
			return NULL;
		}
		c->p++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = (unsigned char)*c->p;
			if (ch == '\0' || is_ctl(ch)) {
				g_string_free(s, TRUE);
				return NULL;
			}
			c->p++;
		}
		if (ch != '\r' && ch != '\n')
			g_string_append_c(s, (char)ch);
	}
	return g_string_free(s, FALSE);
}

/* A run of value bytes, or NULL when there is none at the cursor. */
static char *
read_word(struct cursor *c)
{
	const char *start = c->p;

	while (is_vchar((unsigned char)*c->p))
		c->p++;
	if (c->p == start)
		return NULL;
	return g_strndup(start, c->p - start);
}

/* value = token / quoted-string; NULL if there is none or it is bad. */
static char *
read_value(struct cursor *c)
{
	if (*c->p == '"')
		return read_quoted(c);
	return read_word(c);
}

/*
 * pvalue: a value, local@domain, @domain or "quoted"@domain; empty
 * before ';' or the end.  The CFWS before it is already skipped.
 */
static char *
read_pvalue(struct cursor *c)
{
	char *v, *domain, *joined;

	if (*c->p == ';' || *c->p == '\0')
		return g_strdup("");
	if (*c->p != '"')
		return read_word(c);
	if ((v = read_quoted(c)) == NULL)
		return NULL;
	if (*c->p != '@')
		return v;
	c->p++;
	if ((domain = read_word(c)) == NULL) {
		g_free(v);
		return NULL;
	}
	joined = g_strconcat(v, "@", domain, NULL);
	g_free(v);
	g_free(domain);
	return joined;
}

/* 1*DIGIT; -1 if there is no digit at the cursor. */
static int
skip_digits(struct cursor *c)
{
	if (!g_ascii_isdigit(*c->p))
		return -1;
	while (g_ascii_isdigit(*c->p))
		c->p++;
	return 0;
}

static void
result_clear(struct authres_result *r)
{
	size_t i;

	g_free(r->method);
	g_free(r->result);
	g_free(r->reason);
	g_free(r->comment);
	for (i = 0; i < r->n_props; i++) {
		g_free(r->props[i].ptype);
		g_free(r->props[i].property);
		g_free(r->props[i].value);
	}
	g_free(r->props);
	memset(r, 0, sizeof(*r));
}

void
authres_clear(struct authres *ar)
{
	size_t i;

	if (ar == NULL)
		return;
	g_free(ar->authserv_id);
	for (i = 0; i < ar->n_results; i++)
		result_clear(&ar->results[i]);
	g_free(ar->results);
	memset(ar, 0, sizeof(*ar));
}

/*
 * The rest of a resinfo after its method keyword (and the CFWS after
 * it): [/version] = result [CFWS] [reason=value] *(ptype.property=pvalue).
 * Stops on ';' or the end.
 */
static int
parse_resinfo(struct cursor *c, struct authres_result *r)
{
	size_t cap = 0;
	char *kw;

	if (*c->p == '/') {
		c->p++;
		if (skip_cfws(c, NULL) < 0 || skip_digits(c) < 0 ||
		    skip_cfws(c, NULL) < 0)
			return -1;
	}
	if (*c->p != '=')
		return -1;
	c->p++;
	if (skip_cfws(c, NULL) < 0)
		return -1;
	if ((r->result = read_keyword(c)) == NULL)
		return -1;
	if (skip_cfws(c, &r->comment) < 0)
		return -1;
	while (*c->p != ';' && *c->p != '\0') {
		struct authres_prop *pr;

		if ((kw = read_keyword(c)) == NULL)
			return -1;
		if (skip_cfws(c, NULL) < 0)
			goto bad;
		if (*c->p == '=' && strcmp(kw, "reason") == 0 &&
		    r->reason == NULL && r->n_props == 0) {
			g_free(kw);
			c->p++;
			if (skip_cfws(c, NULL) < 0)
				return -1;
			if ((r->reason = read_value(c)) == NULL)
				return -1;
			if (skip_cfws(c, NULL) < 0)
				return -1;
			continue;
		}
		if (*c->p != '.' || r->n_props == AUTHRES_MAX_PROPS)
			goto bad;
		c->p++;
		if (r->n_props == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			r->props = g_renew(struct authres_prop, r->props, cap);
		}
		pr = &r->props[r->n_props++];
		memset(pr, 0, sizeof(*pr));
		pr->ptype = kw;
		if (skip_cfws(c, NULL) < 0 ||
		    (pr->property = read_keyword(c)) == NULL ||
		    skip_cfws(c, NULL) < 0 || *c->p != '=')
			return -1;
		c->p++;
		if (skip_cfws(c, NULL) < 0 ||
		    (pr->value = read_pvalue(c)) == NULL ||
		    skip_cfws(c, NULL) < 0)
			return -1;
	}
	return 0;
bad:
	g_free(kw);
	return -1;
}

static int
parse(struct cursor *c, struct authres *out)
{
	size_t cap = 0;

	if (skip_cfws(c, NULL) < 0)
		return -1;
	if ((out->authserv_id = read_value(c)) == NULL)
		return -1;
	if (skip_cfws(c, NULL) < 0)
		return -1;
	if (g_ascii_isdigit(*c->p) &&
	    (skip_digits(c) < 0 || skip_cfws(c, NULL) < 0))
		return -1;
	for (;;) {
		struct authres_result *r;
		char *method;

		if (*c->p == '\0')
			return out->n_results > 0 ? 0 : -1;
		if (*c->p != ';')
			return -1;
		c->p++;
		if (skip_cfws(c, NULL) < 0)
			return -1;
		if (*c->p == '\0') /* a trailing ';' */
			return out->n_results > 0 ? 0 : -1;
		if ((method = read_keyword(c)) == NULL)
			return -1;
		if (skip_cfws(c, NULL) < 0) {
			g_free(method);
			return -1;
		}
		if (out->n_results == 0 && *c->p == '\0' &&
		    strcmp(method, "none") == 0) {
			g_free(method);
			out->none = 1;
			return 0;
		}
		if (out->n_results == AUTHRES_MAX_RESULTS) {
			g_free(method);
			return -1;
		}
		if (out->n_results == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			out->results =
			    g_renew(struct authres_result, out->results, cap);
		}
		r = &out->results[out->n_results++];
		memset(r, 0, sizeof(*r));
		r->method = method;
		if (parse_resinfo(c, r) < 0)
			return -1;
	}
}

int
authres_parse(const char *value, struct authres *out)
{
	struct cursor c;

	memset(out, 0, sizeof(*out));
	if (value == NULL)
		return -1;
	c.p = value;
	if (parse(&c, out) < 0) {
		authres_clear(out);
		return -1;
	}
	return 0;
}

/* The value of ptype.property in r; *count says how often it is there. */
static const char *
prop_get(const struct authres_result *r, const char *ptype,
    const char *property, int *count)
{
	const char *v = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < r->n_props; i++)
		if (strcmp(r->props[i].ptype, ptype) == 0 &&
		    strcmp(r->props[i].property, property) == 0) {
			if (v == NULL)
				v = r->props[i].value;
			(*count)++;
		}
	return v;
}

/*
 * The signing domain of a dkim result: header.d, else the domain of
 * header.i ("@d" or "x@d").  NULL when there is none, or when the
 * result names it more than once (ambiguous).
 */
static const char *
signer(const struct authres_result *r)
{
	const char *d, *at;
	int n;

	d = prop_get(r, "header", "d", &n);
	if (n > 1)
		return NULL;
	if (d != NULL)
		return *d != '\0' ? d : NULL;
	d = prop_get(r, "header", "i", &n);
	if (d == NULL || n > 1 || (at = strrchr(d, '@')) == NULL ||
	    at[1] == '\0')
		return NULL;
	return at + 1;
}

/*
 * The key size from the comment after a dkim result: OpenDKIM "2048-bit
 * key; ...", Fastmail "2048-bit rsa key sha256", mox "1024 bit rsa"; 0
 * if there is none.
 */
static int
comment_bits(const char *comment)
{
	int bits = 0, digits = 0;

	if (comment == NULL)
		return 0;
	while (*comment == ' ' || *comment == '\t')
		comment++;
	while (g_ascii_isdigit(*comment)) {
		if (++digits > 6)
			return 0;
		bits = bits * 10 + (*comment++ - '0');
	}
	if (digits == 0)
		return 0;
	if (*comment == '-' || *comment == ' ')
		comment++;
	if (g_ascii_strncasecmp(comment, "bit", 3) != 0)
		return 0;
	comment += 3;
	if (*comment == 's' || *comment == 'S')
		comment++;
	if (is_kchar((unsigned char)*comment))
		return 0;
	return bits;
}

static void
fill(struct ti_auth *auth, const struct authres_result *r, const char *result)
{
	int n;

	auth_set(auth, AUTH_AR, result);
	auth_field(&auth->domain, signer(r));
	auth_field(&auth->selector, prop_get(r, "header", "s", &n));
	auth_field(&auth->algorithm, prop_get(r, "header", "a", &n));
	auth->bits = comment_bits(r->comment);
}

static int
has_dkim(const struct authres *ar)
{
	size_t i;

	for (i = 0; i < ar->n_results; i++)
		if (strcmp(ar->results[i].method, "dkim") == 0)
			return 1;
	return 0;
}

static int
is_trusted(const char *id, const char *const *trusted)
{
	size_t i;

	for (i = 0; trusted != NULL && trusted[i] != NULL; i++)
		if (g_ascii_strcasecmp(id, trusted[i]) == 0)
			return 1;
	return 0;
}

/* "mx.example.com" or "mx1.example.com or mx2.example.com" (g_free). */
static char *
trusted_names(const char *const *trusted)
{
	GString *s = g_string_new(NULL);
	size_t i;

	for (i = 0; trusted[i] != NULL; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? " or " : "",
		    trusted[i]);
	return g_string_free(s, FALSE);
}

/* The verdict of the one trusted field f. */
static void
decide_field(const struct authres *f, const char *reporting_domain,
    int (*aligned)(const char *, const char *), struct ti_auth *auth)
{
	const struct authres_result *first = NULL, *r;
	const char *d, *res, *what;
	size_t i;

	for (i = 0; i < f->n_results; i++) {
		r = &f->results[i];
		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (first == NULL)
			first = r;
		if (strcmp(r->result, "pass") != 0 || (d = signer(r)) == NULL)
			continue;
		if (aligned != NULL
			? aligned(d, reporting_domain) != 0
			: g_ascii_strcasecmp(d, reporting_domain) == 0) {
			fill(auth, r, AUTH_PASS);
			return;
		}
	}
	r = first; /* f has a dkim result */
	res = r->result;
	d = signer(r);
	if (strcmp(res, "pass") == 0) {
		fill(auth, r, AUTH_PERMERROR);
		if (d == NULL)
			auth_reason(auth,
			    "%s says dkim=pass but names no single signing "
			    "domain (header.d)",
			    f->authserv_id);
		else
			auth_reason(auth,
			    "signed by %s, not by the reporting domain %s", d,
			    reporting_domain);
		return;
	}
	if (strcmp(res, "fail") == 0 || strcmp(res, "neutral") == 0 ||
	    strcmp(res, "policy") == 0) {
		fill(auth, r, AUTH_FAIL);
		what = "the signature did not verify";
	} else if (strcmp(res, "temperror") == 0) {
		fill(auth, r, AUTH_TEMPERROR);
		what = "a temporary error, such as a DNS timeout";
	} else if (strcmp(res, "permerror") == 0) {
		fill(auth, r, AUTH_PERMERROR);
		what = "the signature cannot be checked";
	} else if (strcmp(res, "none") == 0) {
		fill(auth, r, AUTH_RNONE);
		what = "the mail is not signed";
	} else {
		fill(auth, r, AUTH_PERMERROR);
		what = "not a result RFC 8601 defines";
	}
	auth_reason(auth, "%s says dkim=%s%s%s (%s)%s%s", f->authserv_id, res,
	    d != NULL ? " for " : "", d != NULL ? d : "", what,
	    r->reason != NULL ? ": " : "", r->reason != NULL ? r->reason : "");
}

void
authres_decide(const char *const *fields, size_t n, const char *const *trusted,
    const char *reporting_domain, int (*aligned)(const char *a, const char *b),
    struct ti_auth *auth)
{
	struct authres ar, found = { 0 };
	size_t i, count = 0;
	char *names;

	if (reporting_domain == NULL || *reporting_domain == '\0') {
		auth_set(auth, AUTH_AR, AUTH_PERMERROR);
		auth_reason(auth,
		    "no reporting domain to check the DKIM signature against");
		return;
	}
	if (trusted == NULL || trusted[0] == NULL) {
		auth_set(auth, AUTH_AR, AUTH_RNONE);
		auth_reason(auth,
		    "no authserv-id is trusted ([trust] authserv-id)");
		return;
	}
	for (i = 0; fields != NULL && i < n; i++) {
		if (fields[i] == NULL || authres_parse(fields[i], &ar) < 0)
			continue;
		if (is_trusted(ar.authserv_id, trusted) && has_dkim(&ar) &&
		    count++ == 0) {
			found = ar;
			continue;
		}
		authres_clear(&ar);
	}
	names = trusted_names(trusted);
	if (count == 0) {
		auth_set(auth, AUTH_AR, AUTH_RNONE);
		auth_reason(auth,
		    "no Authentication-Results field of %s with a dkim result",
		    names);
	} else if (count > 1) {
		auth_set(auth, AUTH_AR, AUTH_PERMERROR);
		auth_reason(auth,
		    "more than one Authentication-Results field of %s has a "
		    "dkim result (%zu); one may be forged, so none is "
		    "believed (the MTA should delete incoming fields with "
		    "its authserv-id)",
		    names, count);
	} else {
		decide_field(&found, reporting_domain, aligned, auth);
	}
	g_free(names);
	authres_clear(&found);
}
