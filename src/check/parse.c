/*
 * parse.c: the TLSRPT and MTA-STS records, the MTA-STS policy file and
 * MX pattern matching (parse.h), without network or clock.
 *
 * Design rationale:
 * - The two TXT records share one shape (RFC 8460 §3, RFC 8461 §3.1):
 *   the version, then fields "name=value" after "*WSP ; *WSP", a last
 *   ";" allowed.  One splitter walks it and reports the first place
 *   the grammar breaks, quoting the record, since a postmaster fixes
 *   the record and not an abstract rule.
 * - The policy is split at LF with one CR before it dropped (LF and CRLF
 *   are both legal: RFC 8461 erratum 6253; never flagged).  Keys are
 *   case-sensitive: "Mode:" is an unknown key that senders ignore, and
 *   the finding says which known key it resembles.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "check/parse.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')

int
check_txt_is(const char *txt, const char *version)
{
	return strncmp(txt, version, strlen(version)) == 0;
}

char *
check_host_norm(const char *host)
{
	char *h = g_ascii_strdown(host, -1);
	size_t n = strlen(h);

	if (n > 0 && h[n - 1] == '.')
		h[n - 1] = '\0';
	return h;
}

/* ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static int
ext_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32 || !g_ascii_isalnum(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

/* ext-value = 1*(%x21-3A / %x3C / %x3E-7E) */
static int
ext_value_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == ';' || c == '=')
			return 0;
	}
	return 1;
}

struct field {
	char *name;
	char *value;
};

/*
 * Split a record after its version into fields.  Returns the fields (a
 * GPtrArray of struct field *) or NULL with *why set.
 */
static GPtrArray *
split_fields(const char *txt, const char *version, char **why)
{
	GPtrArray *fields = g_ptr_array_new();
	const char *p = txt + strlen(version);

	*why = NULL;
	if (*p != '\0' && *p != ';' && !IS_WSP(*p)) {
		*why = g_strdup_printf("\"%s\" must be followed by \";\"",
		    version);
		return fields;
	}
	for (;;) {
		const char *start, *end, *eq;
		struct field *f;

		while (IS_WSP(*p))
			p++;
		if (*p == '\0')
			break;
		if (*p != ';') {
			*why = g_strdup_printf(
			    "\";\" expected before \"%.40s\"", p);
			break;
		}
		p++;
		while (IS_WSP(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ';')
			p++;
		end = p;
		while (end > start && IS_WSP(end[-1]))
			end--;
		eq = memchr(start, '=', (size_t)(end - start));
		if (eq == NULL) {
			*why = g_strdup_printf("field \"%.*s\" has no \"=\"",
			    (int)(end - start), start);
			break;
		}
		f = g_new0(struct field, 1);
		f->name = g_strndup(start, (size_t)(eq - start));
		f->value = g_strndup(eq + 1, (size_t)(end - eq - 1));
		g_ptr_array_add(fields, f);
	}
	return fields;
}

static void
fields_free(GPtrArray *fields)
{
	for (size_t i = 0; i < fields->len; i++) {
		struct field *f = g_ptr_array_index(fields, i);

		g_free(f->name);
		g_free(f->value);
		g_free(f);
	}
	g_ptr_array_free(fields, TRUE);
}

/* One rua URI: NULL when fine, else why not. */
static const char *
rua_uri_problem(const char *u)
{
	for (const char *p = u; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "has a space or a character that must be "
			       "%-encoded";
		if (*p == '!')
			return "has a \"!\" (a DMARC-style size limit?); "
			       "TLSRPT has none, and \"!\" must be %-encoded";
	}
	if (g_ascii_strncasecmp(u, "mailto:", 7) == 0) {
		const char *at = strchr(u + 7, '@');

		if (at == NULL || at == u + 7 || at[1] == '\0' ||
		    strchr(at + 1, '@') != NULL)
			return "is not a mailto: URI with one address";
		return NULL;
	}
	if (g_ascii_strncasecmp(u, "https:", 6) == 0) {
		GUri *uri = g_uri_parse(u, G_URI_FLAGS_NONE, NULL);
		const char *host = uri != NULL ? g_uri_get_host(uri) : NULL;
		int good = host != NULL && *host != '\0';

		if (uri != NULL)
			g_uri_unref(uri);
		return good ? NULL : "is not a valid https: URI";
	}
	if (strchr(u, ':') == NULL)
		return "has no scheme (write mailto:ADDRESS or https://URL)";
	return "is neither mailto: nor https:, the only schemes senders use";
}

int
check_tlsrpt_record(struct check_result *r, const char *owner, const char *txt,
    char ***rua)
{
	static const char fix_grammar[] =
	    "publish \"v=TLSRPTv1; rua=mailto:ADDRESS\" (see tlsrpt record)";
	GPtrArray *fields, *uris = g_ptr_array_new();
	char *why;
	int bad = 0, n_rua = 0;

	if (rua != NULL)
		*rua = NULL;
	if (!check_txt_is(txt, CHECK_TLSRPT_VERSION)) {
		check_add(r, "T3", CHECK_ERROR, fix_grammar,
		    "TXT at %s does not start with \"v=TLSRPTv1\" "
		    "(case-sensitive): \"%s\"",
		    owner, txt);
		g_ptr_array_free(uris, TRUE);
		return -1;
	}
	fields = split_fields(txt, CHECK_TLSRPT_VERSION, &why);
	if (why != NULL) {
		check_add(r, "T3", CHECK_ERROR, fix_grammar,
		    "TLSRPT record at %s: %s: \"%s\"", owner, why, txt);
		g_free(why);
		bad = 1;
	}
	for (size_t i = 0; i < fields->len && !bad; i++) {
		struct field *f = g_ptr_array_index(fields, i);

		if (strcmp(f->name, "rua") == 0) {
			char **v = g_strsplit(f->value, ",", -1);

			if (n_rua++ > 0) {
				check_add(r, "T3", CHECK_ERROR,
				    "put every URI in one rua= field, "
				    "separated by commas",
				    "TLSRPT record at %s has more than one rua "
				    "field",
				    owner);
				bad = 1;
			}
			for (size_t j = 0; v[j] != NULL; j++) {
				char *u = g_strstrip(v[j]);
				const char *prob = rua_uri_problem(u);

				if (prob != NULL) {
					check_add(r, "T4", CHECK_ERROR,
					    "write each URI as "
					    "mailto:tlsrpt@example.org or "
					    "https://host/path, "
					    "separated by commas",
					    "TLSRPT record at %s: rua URI "
					    "\"%s\" %s",
					    owner, u, prob);
					bad = 1;
				} else {
					g_ptr_array_add(uris, g_strdup(u));
				}
			}
			g_strfreev(v);
		} else if (!ext_name_ok(f->name, strlen(f->name)) ||
		    !ext_value_ok(f->value, strlen(f->value))) {
			check_add(r, "T5", CHECK_ERROR, fix_grammar,
			    "TLSRPT record at %s: field \"%s=%s\" is not a "
			    "valid extension (name: letters, digits, _-. up "
			    "to 32; value: no spaces, \";\" or \"=\")",
			    owner, f->name, f->value);
			bad = 1;
		} else {
			check_add(r, "T5", CHECK_INFO, NULL,
			    "TLSRPT record at %s: unknown field \"%s\" "
			    "(senders ignore it)",
			    owner, f->name);
		}
	}
	if (!bad && n_rua == 0) {
		check_add(r, "T4", CHECK_ERROR,
		    "add rua=mailto:ADDRESS (where tlsrpt-ingest reads "
		    "reports)",
		    "TLSRPT record at %s has no rua field: senders have "
		    "nowhere to send reports",
		    owner);
		bad = 1;
	}
	fields_free(fields);
	if (!bad && rua != NULL && uris->len > 0) {
		g_ptr_array_add(uris, NULL);
		*rua = (char **)g_ptr_array_free(uris, FALSE);
	} else {
		g_ptr_array_set_free_func(uris, g_free);
		g_ptr_array_free(uris, TRUE);
	}
	return bad ? -1 : 0;
}

int
check_sts_record(struct check_result *r, const char *owner, const char *txt,
    char **id)
{
	static const char fix_grammar[] =
	    "publish \"v=STSv1; id=20260101T000000\" (see tlsrpt record)";
	GPtrArray *fields;
	char *why;
	int bad = 0, n_id = 0;

	if (id != NULL)
		*id = NULL;
	if (!check_txt_is(txt, CHECK_STS_VERSION)) {
		check_add(r, "S3", CHECK_ERROR, fix_grammar,
		    "TXT at %s does not start with \"v=STSv1\" "
		    "(case-sensitive): \"%s\"",
		    owner, txt);
		return -1;
	}
	fields = split_fields(txt, CHECK_STS_VERSION, &why);
	if (why != NULL) {
		check_add(r, "S3", CHECK_ERROR, fix_grammar,
		    "MTA-STS record at %s: %s: \"%s\"", owner, why, txt);
		g_free(why);
		bad = 1;
	}
	for (size_t i = 0; i < fields->len && !bad; i++) {
		struct field *f = g_ptr_array_index(fields, i);

		if (strcmp(f->name, "id") == 0) {
			size_t n = strlen(f->value), k;

			for (k = 0; k < n && g_ascii_isalnum(f->value[k]); k++)
				;
			if (n_id++ > 0) {
				check_add(r, "S3", CHECK_ERROR,
				    "keep one id= field",
				    "MTA-STS record at %s has more than one id",
				    owner);
				bad = 1;
			} else if (n == 0 || n > 32 || k < n) {
				check_add(r, "S3", CHECK_ERROR,
				    "use letters and digits only, e.g. "
				    "id=20260101T000000",
				    "MTA-STS record at %s: id \"%s\" may "
				    "only hold 1 to 32 letters and digits",
				    owner, f->value);
				bad = 1;
			} else if (id != NULL) {
				*id = g_strdup(f->value);
			}
		} else if (!ext_name_ok(f->name, strlen(f->name)) ||
		    !ext_value_ok(f->value, strlen(f->value))) {
			check_add(r, "S3", CHECK_ERROR, fix_grammar,
			    "MTA-STS record at %s: field \"%s=%s\" is not a "
			    "valid extension",
			    owner, f->name, f->value);
			bad = 1;
		} else {
			check_add(r, "S3", CHECK_INFO, NULL,
			    "MTA-STS record at %s: unknown field \"%s\" "
			    "(senders ignore it)",
			    owner, f->name);
		}
	}
	if (!bad && n_id == 0) {
		check_add(r, "S3", CHECK_ERROR,
		    "add id=20260101T000000 (any new letters and digits at "
		    "each policy change)",
		    "MTA-STS record at %s has no id: senders ignore it", owner);
		bad = 1;
	}
	fields_free(fields);
	if (bad && id != NULL) {
		g_free(*id);
		*id = NULL;
	}
	return bad ? -1 : 0;
}

/* An LDH label (RFC 5321 sub-domain: Let-dig [Ldh-str]). */
static int
label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !g_ascii_isalnum(s[0]) ||
	    !g_ascii_isalnum(s[n - 1]))
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
check_mx_pattern_ok(const char *pattern, const char **why)
{
	const char *p = pattern, *dot;
	unsigned char buf[sizeof(struct in6_addr)];
	*why = NULL;
	if (inet_pton(AF_INET, p, buf) == 1 ||
	    inet_pton(AF_INET6, p, buf) == 1 || (p[0] == '[')) {
		*why = "is an IP address; mx lines hold host names";
		return 0;
	}
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	if (*p == '\0') {
		*why = "is empty";
		return 0;
	}
	if (p[strlen(p) - 1] == '.') {
		*why = "ends with a dot; write the name without it";
		return 0;
	}
	for (const char *q = p; *q != '\0'; q++)
		if ((unsigned char)*q >= 0x80) {
			*why = "is not in A-labels (write IDNs as xn--...)";
			return 0;
		}
	if (strchr(p, '*') != NULL) {
		*why = "has a \"*\" that is not a leading \"*.\"";
		return 0;
	}
	for (;;) {
		dot = strchr(p, '.');
		if (!label_ok(p, dot != NULL ? (size_t)(dot - p) : strlen(p))) {
			*why = "is not a valid host name";
			return 0;
		}
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	return 1;
}

int
check_mx_match(const char *pattern, const char *host)
{
	char *h = check_host_norm(host), *pat = check_host_norm(pattern);
	int match;

	if (strncmp(pat, "*.", 2) == 0) {
		const char *dot = strchr(h, '.');

		/* the first label of h stands for the "*" */
		match =
		    dot != NULL && dot != h && strcmp(dot + 1, pat + 2) == 0;
	} else {
		match = strcmp(pat, h) == 0;
	}
	g_free(h);
	g_free(pat);
	return match;
}

const char *
sts_mode_name(enum sts_mode m)
{
	switch (m) {
	case STS_MODE_ENFORCE:
		return "enforce";
	case STS_MODE_TESTING:
		return "testing";
	case STS_MODE_NONE:
		return "none";
	case STS_MODE_UNKNOWN:
		break;
	}
	return "unknown";
}

void
sts_policy_clear(struct sts_policy *p)
{
	g_strfreev(p->mx);
	memset(p, 0, sizeof(*p));
	p->max_age = -1;
}

/* Levenshtein distance <= 1, or equal ignoring case. */
static int
near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0, j = 0, edits = 0;

	if (g_ascii_strcasecmp(a, b) == 0)
		return 1;
	if (la > lb + 1 || lb > la + 1)
		return 0;
	while (i < la && j < lb) {
		if (a[i] == b[j]) {
			i++, j++;
			continue;
		}
		if (++edits > 1)
			return 0;
		if (la > lb)
			i++;
		else if (lb > la)
			j++;
		else
			i++, j++;
	}
	return edits + (la - i) + (lb - j) <= 1;
}

static const char *const known_keys[] = { "version", "mode", "max_age", "mx" };

int
check_policy(struct check_result *r, const char *url, const char *text,
    size_t len, struct sts_policy *p)
{
	int line_of[3] = { 0, 0, 0 }; /* version, mode, max_age */
	GPtrArray *mx = g_ptr_array_new();
	size_t off = 0;
	int lineno = 0, bad = 0, mx_bad = 0;
	size_t errors0 = check_count(r, CHECK_ERROR, NULL);
	const char *end;

	memset(p, 0, sizeof(*p));
	p->max_age = -1;
	if (memchr(text, '\0', len) != NULL) {
		check_add(r, "P6", CHECK_ERROR,
		    "serve the policy as plain text",
		    "policy at %s holds NUL bytes: it is not text", url);
		bad = 1;
	} else if (!g_utf8_validate(text, (gssize)len, &end)) {
		check_add(r, "P6", CHECK_ERROR,
		    "save the policy as ASCII (or UTF-8) text",
		    "policy at %s is not valid UTF-8 (byte %zu)", url,
		    (size_t)(end - text));
		bad = 1;
	} else if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		check_add(r, "P6", CHECK_ERROR,
		    "save the file without a byte order mark",
		    "policy at %s starts with a byte order mark (BOM): "
		    "senders read its first line as an unknown key",
		    url);
	} else {
		size_t k = 0;

		while (k < len && g_ascii_isspace(text[k]))
			k++;
		if (k < len && text[k] == '<') {
			check_add(r, "P6", CHECK_ERROR,
			    "serve the policy file itself at this URL, not a "
			    "web page",
			    "policy at %s looks like HTML, not a policy", url);
			bad = 1;
		}
	}
	while (!bad && off < len) {
		const char *ln = text + off, *nl = memchr(ln, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - ln) : len - off;
		const char *colon;
		char *key, *val;

		off += n + (nl != NULL);
		lineno++;
		if (n > 0 && ln[n - 1] == '\r')
			n--;
		if (n == 0)
			continue; /* blank lines: lenient, as senders are */
		colon = memchr(ln, ':', n);
		if (colon == NULL) {
			check_add(r, "C5", CHECK_ERROR,
			    "write each line as \"key: value\"",
			    "policy at %s line %d has no \"key: value\": "
			    "\"%.*s\"",
			    url, lineno, (int)(n > 60 ? 60 : n), ln);
			continue;
		}
		key = g_strndup(ln, (size_t)(colon - ln));
		val = g_strndup(colon + 1, n - (size_t)(colon - ln) - 1);
		g_strstrip(val);
		if (strcmp(key, "version") == 0 || strcmp(key, "mode") == 0 ||
		    strcmp(key, "max_age") == 0) {
			int k = key[1] == 'e' ? 0 : key[1] == 'o' ? 1 : 2;

			if (line_of[k] != 0) {
				check_add(r, "C5", CHECK_WARNING,
				    "delete the second line",
				    "policy at %s line %d: a second \"%s\" "
				    "(senders use the first, line %d)",
				    url, lineno, key, line_of[k]);
			} else {
				line_of[k] = lineno;
				if (k == 0 && strcmp(val, "STSv1") != 0) {
					check_add(r, "C1", CHECK_ERROR,
					    "write \"version: STSv1\"",
					    "policy at %s line %d: version "
					    "\"%s\" is not STSv1",
					    url, lineno, val);
				} else if (k == 1) {
					if (strcmp(val, "enforce") == 0)
						p->mode = STS_MODE_ENFORCE;
					else if (strcmp(val, "testing") == 0)
						p->mode = STS_MODE_TESTING;
					else if (strcmp(val, "none") == 0)
						p->mode = STS_MODE_NONE;
					else
						check_add(r, "C2", CHECK_ERROR,
						    "write mode: testing, "
						    "enforce or none "
						    "(lowercase)",
						    "policy at %s line %d: "
						    "mode \"%s\" is not "
						    "enforce, testing or "
						    "none%s",
						    url, lineno, val,
						    strcmp(val, "report") == 0
							? " (\"report\" is a "
							  "draft's word for "
							  "testing)"
							: "");
				} else if (k == 2) {
					size_t d = strspn(val, "0123456789");
					int64_t v = d > 0 && d <= 10
					    ? g_ascii_strtoll(val, NULL, 10)
					    : -1;

					if (d != strlen(val) || v < 0 ||
					    v > CHECK_MAX_AGE_MAX)
						check_add(r, "C3", CHECK_ERROR,
						    "write max_age in seconds, "
						    "0 to 31557600, e.g. "
						    "604800 (a week)",
						    "policy at %s line %d: "
						    "max_age \"%s\" is not "
						    "a number of seconds "
						    "from 0 to 31557600",
						    url, lineno, val);
					else
						p->max_age = v;
				}
			}
		} else if (strcmp(key, "mx") == 0) {
			const char *why;

			if (!check_mx_pattern_ok(val, &why) && ++mx_bad)
				check_add(r, "C4", CHECK_ERROR,
				    "write the MX host name, or *.domain for "
				    "one label",
				    "policy at %s line %d: mx \"%s\" %s", url,
				    lineno, val, why);
			else
				g_ptr_array_add(mx, g_ascii_strdown(val, -1));
		} else {
			const char *like = NULL;

			for (size_t i = 0; i < nitems(known_keys); i++)
				if (near(key, known_keys[i]))
					like = known_keys[i];
			if (like != NULL)
				check_add(r, "C5", CHECK_WARNING,
				    "write the key exactly (lowercase)",
				    "policy at %s line %d: unknown key \"%s\" "
				    "(did you mean %s?): senders ignore the "
				    "line",
				    url, lineno, key, like);
			else if (!ext_name_ok(key, strlen(key)))
				check_add(r, "C5", CHECK_ERROR,
				    "write each line as \"key: value\"",
				    "policy at %s line %d: \"%s\" is not a "
				    "key",
				    url, lineno, key);
			else
				check_add(r, "C5", CHECK_INFO, NULL,
				    "policy at %s line %d: unknown key \"%s\" "
				    "(senders ignore it)",
				    url, lineno, key);
		}
		g_free(key);
		g_free(val);
	}
	if (!bad) {
		if (line_of[0] == 0)
			check_add(r, "C1", CHECK_ERROR,
			    "add the line \"version: STSv1\"",
			    "policy at %s has no version line", url);
		if (line_of[1] == 0)
			check_add(r, "C2", CHECK_ERROR,
			    "add \"mode: testing\" (or enforce, or none)",
			    "policy at %s has no mode line", url);
		else if (p->mode == STS_MODE_TESTING)
			check_add(r, "C2", CHECK_WARNING,
			    "switch to mode: enforce (with a new id) once "
			    "the reports are clean",
			    "policy at %s is in mode testing: senders "
			    "deliver even when TLS fails",
			    url);
		else if (p->mode == STS_MODE_NONE)
			check_add(r, "C2", CHECK_INFO, NULL,
			    "policy at %s is in mode none: MTA-STS is being "
			    "withdrawn",
			    url);
		if (line_of[2] == 0)
			check_add(r, "C3", CHECK_ERROR,
			    "add \"max_age: 604800\" (a week, in seconds)",
			    "policy at %s has no max_age line", url);
		else if (p->max_age >= 0 && p->max_age < 86400)
			check_add(r, "C3", CHECK_WARNING,
			    "raise max_age to at least 86400 (a day)",
			    "policy at %s: max_age %lld is under a day: "
			    "senders refetch it all the time and forget it "
			    "soon",
			    url, (long long)p->max_age);
		else if (p->mode == STS_MODE_ENFORCE && p->max_age >= 0 &&
		    p->max_age < 604800)
			check_add(r, "C3", CHECK_WARNING,
			    "raise max_age to 604800 (a week) or more, "
			    "with a new id",
			    "policy at %s: mode enforce with max_age %lld "
			    "(under a week) protects little against a "
			    "downgrade",
			    url, (long long)p->max_age);
		if (mx->len == 0 && p->mode != STS_MODE_NONE && !mx_bad)
			check_add(r, "C4", CHECK_ERROR,
			    "add a line \"mx: HOST\" per MX host (or "
			    "\"mx: *.domain\")",
			    "policy at %s has no mx line: no MX host can "
			    "match it",
			    url);
	}
	p->n_mx = mx->len;
	g_ptr_array_add(mx, NULL);
	p->mx = (char **)g_ptr_array_free(mx, FALSE);
	p->valid = !bad && check_count(r, CHECK_ERROR, NULL) == errors0 &&
	    p->mode != STS_MODE_UNKNOWN;
	return p->valid ? 0 : -1;
}
