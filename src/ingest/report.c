/*
 * report.c: decode one RFC 8460 §4.4 JSON report into struct report and
 * check it against RFC 8460 §4.
 *
 * Design rationale:
 * - Order matters: size cap, BOM, UTF-8 check of the whole text (cJSON
 *   passes invalid UTF-8 through), a cheap byte scan that enforces the
 *   nesting and value-count limits *before* cJSON allocates a node per
 *   value, then cJSON on a NUL-terminated copy with
 *   require_null_terminated so that "{...} junk" fails, then a walk that
 *   rejects duplicate member names (I-JSON, RFC 7493 §2.3), then typed
 *   extraction.
 * - Hard requirements are few (see report.h); everything real senders
 *   get wrong is stored and recorded as a deviation with a stable code,
 *   listed in VIOLATIONS.md.  A code seen again in the same report is
 *   folded into the first entry ("...; and N more").
 * - Counts come from valuedouble, never valueint (which saturates at
 *   INT_MAX), and must be integers in 0 .. 2^53-1 (I-JSON's exact range).
 * - No cJSON pointer leaves this file; the tree is freed on every path,
 *   in one piece: cJSON allocates from a per-thread arena while a report
 *   is decoded (arena_malloc), and malloc(3) as usual everywhere else.
 * - The SHA-256 of a report of a megabyte or more is computed in a thread
 *   of its own while cJSON parses the same (read-only) text.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "ingest/report.h"

#define COUNT_MAX 9007199254740991.0 /* 2^53 - 1 */
#define ESC_IN_MAX 48 /* report bytes quoted in a message */
#define ESC_SIZE (ESC_IN_MAX * 4 + 8)
#define DETAILS_PER_CODE 3 /* details kept before "and N more" */
/* "policies[N]", then ".summary" or ".failure-details[N]" below it */
#define PATH_SIZE 32
#define SUBPATH_SIZE 80

/* Flags from the date-time scanner. */
#define DT_NO_OFFSET 0x01
#define DT_LOWER 0x02
#define DT_SPACE 0x04

/* Flags from the byte scan before cJSON. */
#define SCAN_LEADING_ZERO 0x01
#define SCAN_RAW_CONTROL 0x02

static const char *const result_types[] = {
	"starttls-not-supported",
	"certificate-host-mismatch",
	"certificate-expired",
	"tlsa-invalid",
	"dnssec-invalid",
	"dane-required",
	"certificate-not-trusted",
	"sts-policy-invalid",
	"sts-webpki-invalid",
	"validation-failure",
	"sts-policy-fetch-error",
};

struct ctx {
	const struct ti_limits *lim;
	struct ti_err *err;
	struct report *r;
	size_t *seen; /* per deviation: how often its code came */
	size_t n_details; /* failure-details so far, all policies */
};

/* Reports at least this long are hashed in a thread of their own. */
#define SHA_THREAD_MIN (1u << 20)

/* The arena behind cJSON (see arena_malloc): 16-byte alignment as
   malloc(3), first chunk about what cJSON makes of the text. */
#define ARENA_ALIGN 16u
#define ARENA_MIN (16u * 1024)
#define ARENA_MAX (64u << 20)

struct arena {
	void *chunks; /* each chunk starts with a pointer to the one
			 before it */
	char *cur;
	size_t left;
	size_t next; /* size of the next chunk */
};

/* The arena of the report this thread decodes; NULL: plain malloc(). */
static _Thread_local struct arena *json_arena;

static int parse_dt(const char *, int64_t *, int *);
static void report_deviate_v(struct report *, const char *, const char *,
    va_list) __attribute__((format(printf, 3, 0)));
static void deviate(struct ctx *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cJSON makes one malloc() per value and per string, and cJSON_Delete()
 * of the 500,000 nodes of a big report cost as much as parsing them.
 * While decode() runs, cJSON's memory comes from an arena that goes in
 * one piece: cJSON_InitHooks(), installed once, sends each allocation
 * to the calling thread's arena when it has one and to malloc(3) when
 * not, so every other use of cJSON (the stores, export, digest) is as
 * before.  No cJSON pointer leaves decode() (nor this file).
 */
static void *
arena_malloc(size_t n)
{
	struct arena *a = json_arena;
	const size_t hdr = ARENA_ALIGN; /* the chunk's link, aligned */
	size_t size;
	char *chunk, *p;

	if (a == NULL)
		return malloc(n);
	if (n > SIZE_MAX / 4)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (n > a->left) {
		size = MAX(a->next, n + hdr);
		if ((chunk = malloc(size)) == NULL)
			return NULL; /* cJSON fails the parse */
		memcpy(chunk, &a->chunks, sizeof(a->chunks));
		a->chunks = chunk;
		a->cur = chunk + hdr;
		a->left = size - hdr;
		if (a->next < ARENA_MAX)
			a->next *= 2;
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	return p;
}

static void
arena_free(void *p)
{
	/* arena memory goes with its arena (arena_drop) */
	if (json_arena == NULL)
		free(p);
}

/* Start an arena for a JSON text of len bytes on this thread. */
static void
arena_start(struct arena *a, size_t len)
{
	memset(a, 0, sizeof(*a));
	/* cJSON needs about 4 bytes per byte of a big report; untouched
	   pages of a large chunk cost no memory */
	a->next = len > ARENA_MAX / 4 ? ARENA_MAX : MAX(4 * len, ARENA_MIN);
	json_arena = a;
}

static void
arena_drop(struct arena *a)
{
	void *chunk = a->chunks, *prev;

	if (json_arena == a)
		json_arena = NULL;
	while (chunk != NULL) {
		memcpy(&prev, chunk, sizeof(prev));
		free(chunk);
		chunk = prev;
	}
	memset(a, 0, sizeof(*a));
}

void
report_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		cJSON_Hooks hooks = { arena_malloc, arena_free };

		cJSON_InitHooks(&hooks);
		g_once_init_leave(&done, 1);
	}
}

/*
 * Copy at most ESC_IN_MAX bytes of untrusted s into dst as printable
 * ASCII: anything outside 0x20..0x7e, and '"' and '\', becomes \xNN.
 */
static const char *
esc(char *dst, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; s[i] != '\0' && i < ESC_IN_MAX; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			dst[o++] = (char)c;
		else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (s[i] != '\0') {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

static void
report_deviate_v(struct report *r, const char *code, const char *fmt,
    va_list ap)
{
	struct deviation *d;

	r->deviations =
	    g_renew(struct deviation, r->deviations, r->n_deviations + 1);
	d = &r->deviations[r->n_deviations++];
	d->code = g_strdup(code);
	d->detail = g_strdup_vprintf(fmt, ap);
}

void
report_deviate(struct report *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_deviate_v(r, code, fmt, ap);
	va_end(ap);
}

/* Like report_deviate, but a repeated code is folded into its first entry. */
static void
deviate(struct ctx *c, const char *code, const char *fmt, ...)
{
	struct report *r = c->r;
	struct deviation *d;
	va_list ap;
	char *more, *joined;
	size_t i;

	for (i = 0; i < r->n_deviations; i++)
		if (strcmp(r->deviations[i].code, code) == 0)
			break;
	va_start(ap, fmt);
	if (i == r->n_deviations) {
		report_deviate_v(r, code, fmt, ap);
		c->seen = g_renew(size_t, c->seen, r->n_deviations);
		c->seen[i] = 1;
	} else if (++c->seen[i] <= DETAILS_PER_CODE) {
		d = &r->deviations[i];
		more = g_strdup_vprintf(fmt, ap);
		joined = g_strconcat(d->detail, "; ", more, NULL);
		g_free(more);
		g_free(d->detail);
		d->detail = joined;
	}
	va_end(ap);
}

/* Close the folded entries: "...; and 12 more". */
static void
deviate_finish(struct ctx *c)
{
	struct deviation *d;
	char *s;
	size_t i;

	for (i = 0; i < c->r->n_deviations && c->seen != NULL; i++) {
		if (c->seen[i] <= DETAILS_PER_CODE)
			continue;
		d = &c->r->deviations[i];
		s = g_strdup_printf("%s; and %zu more", d->detail,
		    c->seen[i] - DETAILS_PER_CODE);
		g_free(d->detail);
		d->detail = s;
	}
}

/* "report: PATH: " or "report: " */
static const char *
sep(const char *path)
{
	return *path != '\0' ? ": " : "";
}

/* A byte of a JSON number (strchr() here was a fifth of a digest). */
static int
num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
	    c == 'e' || c == 'E';
}

/*
 * One pass over the raw text before cJSON sees it: nesting depth and an
 * upper bound on the number of values (cJSON allocates one node per
 * value, ~80 bytes, so 32 MB of "[0,0,..." would cost over 1 GB), and
 * two syntax quirks cJSON accepts silently.
 */
static int
scan(const char *s, size_t len, const struct ti_limits *lim, int *flags,
    struct ti_err *err)
{
	size_t i, j, depth = 0, values = 1, budget;
	int in_str = 0;
	unsigned char ch;

	budget = 256;
	budget +=
	    lim->policies > SIZE_MAX / 128 ? SIZE_MAX / 4 : 64 * lim->policies;
	budget += lim->failure_details > SIZE_MAX / 32
	    ? SIZE_MAX / 4
	    : 16 * lim->failure_details;
	*flags = 0;
	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (in_str) {
			/* most of a report is plain string bytes */
			while (ch >= 0x20 && ch != '"' && ch != '\\') {
				if (++i == len)
					return 0; /* cJSON says it is cut */
				ch = (unsigned char)s[i];
			}
			/* cJSON turns "a\u0000b" into "a": refuse it */
			if (ch == '\\' && i + 5 < len &&
			    memcmp(s + i + 1, "u0000", 5) == 0)
				return ti_err_set(err, TI_E_INPUT,
				    "report: \\u0000 in a string at byte %zu",
				    i);
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
			else
				*flags |= SCAN_RAW_CONTROL;
			continue;
		}
		switch (ch) {
		case '"':
			in_str = 1;
			break;
		case '{':
		case '[':
			if (++depth > lim->json_depth)
				return ti_err_set(err, TI_E_LIMIT,
				    "report: JSON nested deeper than %zu "
				    "levels (json-depth)",
				    lim->json_depth);
			values++;
			break;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			break;
		case ',':
			values++;
			break;
		case '-':
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			j = i + (ch == '-');
			if (j + 1 < len && s[j] == '0' &&
			    isdigit((unsigned char)s[j + 1]))
				*flags |= SCAN_LEADING_ZERO;
			while (i + 1 < len && num_char(s[i + 1]))
				i++;
			break;
		}
		if (values > budget)
			return ti_err_set(err, TI_E_LIMIT,
			    "report: more than %zu JSON values", budget);
	}
	return 0;
}

/*
 * g_utf8_validate() of s[0..len), the same verdict and the same *bad,
 * eight ASCII bytes at a time: GLib's validator takes a byte at a time,
 * and reports are ASCII but for a few names.  A character is all bytes
 * >= 0x80, so each run of them is validated on its own.
 */
static int
utf8_valid(const char *s, size_t len, const char **bad)
{
	const uint64_t high = 0x8080808080808080ULL;
	size_t i = 0, j;
	uint64_t w;

	while (i < len) {
		while (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (w & high)
				break;
			i += 8;
		}
		while (i < len && (unsigned char)s[i] < 0x80)
			i++;
		for (j = i; j < len && (unsigned char)s[j] >= 0x80; j++)
			;
		if (j > i && !g_utf8_validate_len(s + i, j - i, bad))
			return 0;
		i = j;
	}
	return 1;
}

/*
 * I-JSON forbids duplicate member names; cJSON keeps both and lookups
 * return the first, so "report-id" twice could hide a second value.
 * Reject any object with a repeated name, at any depth.
 */
static int
check_dups(const cJSON *node, struct ti_err *err)
{
	const cJSON *a, *b;
	GHashTable *names;
	char e[ESC_SIZE];
	size_t n = 0;
	int rc = 0;

	if (cJSON_IsObject(node)) {
		for (a = node->child; a != NULL; a = a->next)
			n++;
		if (n > 16) {
			names = g_hash_table_new(g_str_hash, g_str_equal);
			for (a = node->child; a != NULL && rc == 0; a = a->next)
				if (!g_hash_table_add(names, a->string))
					rc = ti_err_set(err, TI_E_INPUT,
					    "report: duplicate member \"%s\"",
					    esc(e, a->string));
			g_hash_table_destroy(names);
		} else {
			for (a = node->child; a != NULL && rc == 0; a = a->next)
				for (b = a->next; b != NULL && rc == 0;
				     b = b->next)
					if (strcmp(a->string, b->string) == 0)
						rc = ti_err_set(err, TI_E_INPUT,
						    "report: duplicate member "
						    "\"%s\"",
						    esc(e, a->string));
		}
		if (rc != 0)
			return rc;
	}
	/* Depth is bounded by scan() (json_depth), so recursion is safe;
	   a leaf (most nodes) has nothing to check. */
	for (a = node->child; a != NULL; a = a->next)
		if (a->child != NULL && check_dups(a, err) == -1)
			return -1;
	return 0;
}

/* Record members of obj not in known[] as "unknown-member". */
static void
check_members(struct ctx *c, const cJSON *obj, const char *path,
    const char *const *known)
{
	const cJSON *m;
	const char *const *k;
	char e[ESC_SIZE];

	for (m = obj->child; m != NULL; m = m->next) {
		for (k = known; *k != NULL; k++)
			if (strcmp(*k, m->string) == 0)
				break;
		if (*k == NULL)
			deviate(c, "unknown-member", "%s%s\"%s\"",
			    *path ? path : "(top level)", ": ",
			    esc(e, m->string));
	}
}

static const cJSON *
member(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(m) ? NULL : m;
}

/* Copy a string capped at string_length; TI_E_LIMIT past it. */
static int
copy_str(struct ctx *c, const cJSON *item, const char *path, const char *name,
    char **out)
{
	size_t n = strlen(item->valuestring);

	if (n > c->lim->string_length)
		return ti_err_set(c->err, TI_E_LIMIT,
		    "report: %s%s%s longer than %zu bytes (string-length)",
		    path, sep(path), name, c->lim->string_length);
	*out = g_strdup(item->valuestring);
	return 0;
}

/* A required, non-empty string member. */
static int
req_str(struct ctx *c, const cJSON *obj, const char *path, const char *name,
    char **out)
{
	const cJSON *m = member(obj, name);

	if (m == NULL)
		return ti_err_set(c->err, TI_E_INPUT, "report: %s%smissing %s",
		    path, sep(path), name);
	if (!cJSON_IsString(m) || m->valuestring == NULL)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s%s%s is not a string", path, sep(path), name);
	if (m->valuestring[0] == '\0')
		return ti_err_set(c->err, TI_E_INPUT, "report: %s%s%s is empty",
		    path, sep(path), name);
	return copy_str(c, m, path, name, out);
}

/*
 * An optional string member: absent, null, "" and (with a "wrong-type"
 * deviation) a non-string all leave *out NULL.  -1 only past a limit.
 */
static int
opt_str(struct ctx *c, const cJSON *obj, const char *path, const char *name,
    char **out)
{
	const cJSON *m = member(obj, name);

	*out = NULL;
	if (m == NULL)
		return 0;
	if (!cJSON_IsString(m) || m->valuestring == NULL) {
		deviate(c, "wrong-type", "%s%s%s is not a string (ignored)",
		    path, sep(path), name);
		return 0;
	}
	if (m->valuestring[0] == '\0')
		return 0;
	return copy_str(c, m, path, name, out);
}

/* An RFC 8460 count: a JSON number, integral, 0 .. 2^53-1, read exactly. */
static int
get_count(struct ctx *c, const cJSON *m, const char *path, const char *name,
    int64_t *out)
{
	double x;

	if (!cJSON_IsNumber(m))
		goto bad;
	x = m->valuedouble;
	if (!isfinite(x) || floor(x) != x || x < 0 || x > COUNT_MAX)
		goto bad;
	*out = (int64_t)x;
	return 0;
bad:
	return ti_err_set(c->err, TI_E_INPUT,
	    "report: %s%s%s: count must be a non-negative integer", path,
	    sep(path), name);
}

static int
req_count(struct ctx *c, const cJSON *obj, const char *path, const char *name,
    int64_t *out)
{
	const cJSON *m = member(obj, name);

	if (m == NULL)
		return ti_err_set(c->err, TI_E_INPUT, "report: %s%smissing %s",
		    path, sep(path), name);
	return get_count(c, m, path, name, out);
}

/*
 * An optional array of strings (policy-string, mx-host) into a
 * NULL-terminated vector.  A plain string becomes one element (*was_str
 * set); any other type is ignored as "wrong-type"; non-string elements
 * are skipped as "wrong-type".
 */
static int
str_array(struct ctx *c, const cJSON *obj, const char *path, const char *name,
    char ***out, int *was_str)
{
	const cJSON *m = member(obj, name), *e;
	char **v;
	size_t n = 0, k = 0;

	*out = NULL;
	*was_str = 0;
	if (m == NULL)
		return 0;
	if (cJSON_IsString(m)) {
		*was_str = 1;
		v = g_new0(char *, 2);
		*out = v;
		return copy_str(c, m, path, name, &v[0]);
	}
	if (!cJSON_IsArray(m)) {
		deviate(c, "wrong-type", "%s%s%s is not an array (ignored)",
		    path, sep(path), name);
		return 0;
	}
	for (e = m->child; e != NULL; e = e->next)
		n++;
	v = g_new0(char *, n + 1);
	*out = v;
	for (e = m->child; e != NULL; e = e->next) {
		if (!cJSON_IsString(e) || e->valuestring == NULL) {
			deviate(c, "wrong-type",
			    "%s%s%s has a non-string element (skipped)", path,
			    sep(path), name);
			continue;
		}
		if (copy_str(c, e, path, name, &v[k++]) == -1)
			return -1;
	}
	return 0;
}

static int
known_result_type(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(result_types); i++)
		if (strcmp(s, result_types[i]) == 0)
			return 1;
	return 0;
}

/* True when s is the text of a JSON array of strings (Microsoft TLSA). */
static int
is_json_string_array(const char *s)
{
	cJSON *j, *e;
	int ok;

	if (s[0] != '[')
		return 0;
	if ((j = cJSON_ParseWithOpts(s, NULL, 1)) == NULL)
		return 0;
	ok = cJSON_IsArray(j);
	for (e = ok ? j->child : NULL; e != NULL; e = e->next)
		if (!cJSON_IsString(e))
			ok = 0;
	cJSON_Delete(j);
	return ok;
}

/*
 * dst = "PATH" "MEMBER" "[" I "]", cut to size as snprintf() would: the
 * path of each of 50,000 failure details, where snprintf() was a tenth
 * of their decoding.
 */
static void
index_path(char *dst, size_t size, const char *path, const char *member,
    size_t i)
{
	char num[24];
	size_t n = sizeof(num), k;

	num[--n] = '\0';
	num[--n] = ']';
	do
		num[--n] = (char)('0' + i % 10);
	while ((i /= 10) > 0);
	num[--n] = '[';
	k = g_strlcpy(dst, path, size);
	if (k < size)
		k += g_strlcpy(dst + k, member, size - k);
	if (k < size)
		g_strlcpy(dst + k, num + n, size - k);
}

static int
decode_failure(struct ctx *c, const cJSON *fd, const char *path,
    struct failure *f)
{
	static const char *const known[] = { "result-type", "sending-mta-ip",
		"receiving-mx-hostname", "receiving-mx-helo", "receiving-ip",
		"failed-session-count", "additional-information",
		"failure-reason-code", NULL };
	const cJSON *m;
	char e[ESC_SIZE];

	if (!cJSON_IsObject(fd))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s is not an object", path);
	check_members(c, fd, path, known);
	if (req_str(c, fd, path, "result-type", &f->result_type) == -1 ||
	    opt_str(c, fd, path, "sending-mta-ip", &f->sending_mta_ip) == -1 ||
	    opt_str(c, fd, path, "receiving-mx-hostname",
		&f->receiving_mx_hostname) == -1 ||
	    opt_str(c, fd, path, "receiving-mx-helo", &f->receiving_mx_helo) ==
		-1 ||
	    opt_str(c, fd, path, "receiving-ip", &f->receiving_ip) == -1 ||
	    opt_str(c, fd, path, "additional-information",
		&f->additional_information) == -1 ||
	    opt_str(c, fd, path, "failure-reason-code",
		&f->failure_reason_code) == -1)
		return -1;
	if ((m = member(fd, "failed-session-count")) == NULL)
		deviate(c, "failure-count-missing",
		    "%s: no failed-session-count (read as 0)", path);
	else if (get_count(c, m, path, "failed-session-count",
		     &f->failed_session_count) == -1)
		return -1;
	if (!known_result_type(f->result_type))
		deviate(c, "unknown-result-type", "%s: \"%s\"", path,
		    esc(e, f->result_type));
	if (f->sending_mta_ip == NULL)
		deviate(c, "failure-detail-no-ip", "%s: no sending-mta-ip",
		    path);
	if (f->receiving_mx_hostname == NULL)
		deviate(c, "failure-detail-no-mx",
		    "%s: no receiving-mx-hostname", path);
	return 0;
}

static int
decode_failures(struct ctx *c, const cJSON *pe, const char *path,
    struct policy *p)
{
	const cJSON *fds, *fd;
	char fpath[SUBPATH_SIZE];
	size_t n = 0, i = 0;
	int64_t sum = 0;

	if ((fds = member(pe, "failure-details")) == NULL)
		goto out;
	if (!cJSON_IsArray(fds))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s: failure-details is not an array", path);
	for (fd = fds->child; fd != NULL; fd = fd->next)
		n++;
	if (n > c->lim->failure_details - c->n_details)
		return ti_err_set(c->err, TI_E_LIMIT,
		    "report: more than %zu failure-details",
		    c->lim->failure_details);
	c->n_details += n;
	p->failures = g_new0(struct failure, n);
	for (fd = fds->child; fd != NULL; fd = fd->next, i++) {
		/* count the entry first: report_free walks n_failures */
		p->n_failures++;
		index_path(fpath, sizeof(fpath), path, ".failure-details", i);
		if (decode_failure(c, fd, fpath, &p->failures[i]) == -1)
			return -1;
		/* each count <= 2^53-1: saturate instead of overflowing */
		if (sum > INT64_MAX - p->failures[i].failed_session_count)
			sum = INT64_MAX;
		else
			sum += p->failures[i].failed_session_count;
	}
out:
	if (p->n_failures == 0 && p->failed > 0)
		deviate(c, "failures-without-details",
		    "%s: %" PRId64 " failed sessions but no failure-details",
		    path, p->failed);
	else if (p->n_failures > 0 && sum != p->failed)
		deviate(c, "failure-counts-mismatch",
		    "%s: failure-details add up to %" PRId64
		    ", total-failure-session-count is %" PRId64,
		    path, sum, p->failed);
	return 0;
}

static int
decode_policy(struct ctx *c, const cJSON *pe, const char *path,
    struct policy *p)
{
	static const char *const known_entry[] = { "policy", "summary",
		"failure-details", NULL };
	static const char *const known_policy[] = { "policy-type",
		"policy-string", "policy-domain", "mx-host", NULL };
	static const char *const known_summary[] = {
		"total-successful-session-count", "total-failure-session-count",
		NULL
	};
	const cJSON *pol, *sum;
	char ppath[SUBPATH_SIZE], spath[SUBPATH_SIZE], e[ESC_SIZE];
	char **ps;
	int was_str, sts, tlsa, cr = 0, dbl = 0;

	if (!cJSON_IsObject(pe))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s is not an object", path);
	check_members(c, pe, path, known_entry);
	snprintf(ppath, sizeof(ppath), "%s.policy", path);
	snprintf(spath, sizeof(spath), "%s.summary", path);
	if ((pol = member(pe, "policy")) == NULL)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s: missing policy", path);
	if (!cJSON_IsObject(pol))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s is not an object", ppath);
	check_members(c, pol, ppath, known_policy);
	if (req_str(c, pol, ppath, "policy-type", &p->policy_type) == -1)
		return -1;
	sts = strcmp(p->policy_type, "sts") == 0;
	tlsa = strcmp(p->policy_type, "tlsa") == 0;
	if (!sts && !tlsa && strcmp(p->policy_type, "no-policy-found") != 0)
		deviate(c, "unknown-policy-type", "%s: \"%s\"", ppath,
		    esc(e, p->policy_type));

	if (str_array(c, pol, ppath, "policy-string", &p->policy_string,
		&was_str) == -1)
		return -1;
	if (was_str)
		deviate(c, "policy-string-string",
		    "%s: policy-string is a string, not an array", ppath);
	if (p->policy_string == NULL && (sts || tlsa))
		deviate(c, "policy-string-missing", "%s: no policy-string",
		    ppath);
	for (ps = p->policy_string; ps != NULL && *ps != NULL; ps++) {
		size_t n = strlen(*ps);

		if (n > 0 && (*ps)[n - 1] == '\r')
			cr = 1;
		if (tlsa && is_json_string_array(*ps))
			dbl = 1;
	}
	if (cr)
		deviate(c, "policy-string-cr",
		    "%s: policy-string lines end in CR", ppath);
	if (dbl)
		deviate(c, "tlsa-double-encoded",
		    "%s: policy-string holds a JSON-encoded array", ppath);

	if (opt_str(c, pol, ppath, "policy-domain", &p->policy_domain) == -1)
		return -1;
	if (p->policy_domain == NULL)
		deviate(c, "policy-domain-missing", "%s: no policy-domain",
		    ppath);

	if (str_array(c, pol, ppath, "mx-host", &p->mx_host, &was_str) == -1)
		return -1;
	if (was_str)
		deviate(c, "mx-host-string",
		    "%s: mx-host is a string, not an array", ppath);
	if (p->mx_host == NULL && sts)
		deviate(c, "mx-host-missing", "%s: sts policy without mx-host",
		    ppath);

	if ((sum = member(pe, "summary")) == NULL)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s: missing summary", path);
	if (!cJSON_IsObject(sum))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s is not an object", spath);
	check_members(c, sum, spath, known_summary);
	/* one count may be missing (a 2019 Google report had no failure
	   count): read as 0 and noted; both missing is no summary */
	if (member(sum, known_summary[0]) == NULL &&
	    member(sum, known_summary[1]) == NULL)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: %s: missing %s and %s", spath, known_summary[0],
		    known_summary[1]);
	for (int i = 0; i < 2; i++)
		if (member(sum, known_summary[i]) == NULL)
			deviate(c, "summary-count-missing",
			    "%s: no %s (read as 0)", spath, known_summary[i]);
		else if (req_count(c, sum, spath, known_summary[i],
			     i == 0 ? &p->successful : &p->failed) == -1)
			return -1;
	return decode_failures(c, pe, path, p);
}

static int
decode_dates(struct ctx *c, const cJSON *root)
{
	static const char *const known[] = { "start-datetime", "end-datetime",
		NULL };
	struct report *r = c->r;
	const cJSON *dr;
	const char *names[2] = { "start-datetime", "end-datetime" };
	char **texts[2] = { &r->start_datetime, &r->end_datetime };
	int64_t *vals[2] = { &r->start, &r->end };
	char e[ESC_SIZE];
	int i, fl, flags = 0;

	if ((dr = member(root, "date-range")) == NULL)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: missing date-range");
	if (!cJSON_IsObject(dr))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: date-range is not an object");
	check_members(c, dr, "date-range", known);
	for (i = 0; i < 2; i++) {
		if (req_str(c, dr, "date-range", names[i], texts[i]) == -1)
			return -1;
		if (parse_dt(*texts[i], vals[i], &fl) == -1)
			return ti_err_set(c->err, TI_E_INPUT,
			    "report: date-range: %s is not an RFC 3339 "
			    "date-time: \"%s\"",
			    names[i], esc(e, *texts[i]));
		flags |= fl;
	}
	if (flags & DT_NO_OFFSET)
		deviate(c, "date-no-offset",
		    "date-range: no time zone offset (read as UTC): \"%s\"",
		    esc(e, r->start_datetime));
	if (flags & DT_LOWER)
		deviate(c, "date-lowercase", "date-range: lower-case t or z");
	if (flags & DT_SPACE)
		deviate(c, "date-space-separator",
		    "date-range: space instead of T");
	if (r->end < r->start)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: date-range: end-datetime before start-datetime");
	if (r->end > r->start && r->end % 86400 == 0)
		deviate(c, "end-exclusive",
		    "date-range: end-datetime is 00:00:00 UTC (exclusive end)");
	if (r->end - r->start < 3600 || r->end - r->start > 2 * 86400)
		deviate(c, "range-not-one-day",
		    "date-range: covers %" PRId64 " seconds",
		    r->end - r->start);
	if (r->start > (int64_t)time(NULL) + 86400)
		deviate(c, "future-date",
		    "date-range: start-datetime is in the future");
	return 0;
}

static int
decode_root(struct ctx *c, const cJSON *root)
{
	static const char *const known[] = { "organization-name", "date-range",
		"contact-info", "report-id", "policies", NULL };
	struct report *r = c->r;
	const cJSON *pols, *pe;
	char path[PATH_SIZE];
	size_t n = 0, i = 0;

	if (!cJSON_IsObject(root))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: top level is not a JSON object");
	check_members(c, root, "", known);
	if (req_str(c, root, "", "organization-name", &r->organization_name) ==
		-1 ||
	    req_str(c, root, "", "report-id", &r->report_id) == -1 ||
	    opt_str(c, root, "", "contact-info", &r->contact_info) == -1)
		return -1;
	if (r->contact_info == NULL)
		deviate(c, "contact-info-missing",
		    "contact-info is absent, null or empty");
	if (decode_dates(c, root) == -1)
		return -1;

	if ((pols = member(root, "policies")) == NULL)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: missing policies");
	if (!cJSON_IsArray(pols))
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: policies is not an array");
	for (pe = pols->child; pe != NULL; pe = pe->next)
		n++;
	if (n == 0)
		return ti_err_set(c->err, TI_E_INPUT,
		    "report: policies is empty");
	if (n > c->lim->policies)
		return ti_err_set(c->err, TI_E_LIMIT,
		    "report: more than %zu policies", c->lim->policies);
	r->policies = g_new0(struct policy, n);
	for (pe = pols->child; pe != NULL; pe = pe->next, i++) {
		r->n_policies++;
		snprintf(path, sizeof(path), "policies[%zu]", i);
		if (decode_policy(c, pe, path, &r->policies[i]) == -1)
			return -1;
	}
	return 0;
}

/* r->sha256 from r->json; a GThreadFunc. */
static gpointer
sha_thread(gpointer data)
{
	struct report *r = data;
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    (const guchar *)r->json, r->json_len);

	g_strlcpy(r->sha256, sum, sizeof(r->sha256));
	g_free(sum);
	return NULL;
}

/* report_decode(); with own, *own (json's g_malloc'd buffer, len + 1
   bytes) becomes r->json instead of a copy, and *own is set to NULL;
   r->sha256 only with hash. */
static int
decode(const unsigned char *json, size_t len, unsigned char **own, int hash,
    const struct ti_limits *limits, struct report **out, struct ti_err *err)
{
	struct ti_limits deflim;
	struct ctx c = { 0 };
	struct report *r = NULL;
	struct arena arena = { 0 };
	GThread *sha = NULL;
	cJSON *root = NULL;
	const char *text = (const char *)json, *bad, *end = NULL;
	int bom = 0, flags, rc = -1;

	report_init();
	*out = NULL;
	if (limits == NULL) {
		ti_limits_default(&deflim);
		limits = &deflim;
	}
	c.lim = limits;
	c.err = err;
	if (len > limits->gunzip_size)
		return ti_err_set(err, TI_E_LIMIT,
		    "report: %zu bytes of JSON > limit %zu (gunzip-size)", len,
		    limits->gunzip_size);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
		bom = 1;
	}
	if (len == 0)
		return ti_err_set(err, TI_E_INPUT, "report: empty");
	if (memchr(text, '\0', len) != NULL)
		return ti_err_set(err, TI_E_INPUT,
		    "report: NUL byte at byte %zu",
		    (size_t)((const char *)memchr(text, '\0', len) - text));
	if (!utf8_valid(text, len, &bad))
		return ti_err_set(err, TI_E_INPUT,
		    "report: not valid UTF-8 at byte %zu",
		    (size_t)(bad - text));
	if (scan(text, len, limits, &flags, err) == -1)
		return -1;

	r = g_new0(struct report, 1);
	c.r = r;
	if (own != NULL && *own != NULL) {
		/* a big report is 10 MB: do not hold it twice */
		r->json = (char *)*own;
		*own = NULL;
		if (text != r->json) /* a BOM was skipped */
			memmove(r->json, text, len);
	} else {
		r->json = g_malloc(len + 1);
		memcpy(r->json, text, len);
	}
	r->json[len] = '\0';
	r->json_len = len;
	/* SHA-256 of a big report takes as long as cJSON's parse: do both
	   at once (both only read r->json) */
	if (hash &&
	    (len < SHA_THREAD_MIN ||
		(sha = g_thread_try_new("sha256", sha_thread, r, NULL)) ==
		    NULL))
		sha_thread(r);

	/* len + 1: the NUL is inside the buffer, as the option requires */
	arena_start(&arena, len);
	root = cJSON_ParseWithLengthOpts(r->json, len + 1, &end, 1);
	if (root == NULL) {
		ti_err_set(err, TI_E_INPUT, "report: not JSON near byte %zu",
		    end != NULL && end >= r->json ? (size_t)(end - r->json)
						  : (size_t)0);
		goto out;
	}
	if (check_dups(root, err) == -1)
		goto out;
	if (bom)
		deviate(&c, "bom", "UTF-8 byte order mark before the JSON");
	if (flags & SCAN_LEADING_ZERO)
		deviate(&c, "number-leading-zero",
		    "a number with a leading zero (not JSON; read as decimal)");
	if (flags & SCAN_RAW_CONTROL)
		deviate(&c, "string-raw-control",
		    "a string holds a raw control character (kept)");
	if (decode_root(&c, root) == -1)
		goto out;
	deviate_finish(&c);
	*out = r;
	r = NULL;
	rc = 0;
out:
	/* the tree goes with the arena, not node by node (cJSON_Delete) */
	arena_drop(&arena);
	if (sha != NULL)
		g_thread_join(sha); /* before r->json can go */
	report_free(r);
	g_free(c.seen);
	return rc;
}

int
report_decode(const unsigned char *json, size_t len,
    const struct ti_limits *limits, struct report **out, struct ti_err *err)
{
	return decode(json, len, NULL, 1, limits, out, err);
}

int
report_decode_stored(const unsigned char *json, size_t len,
    const struct ti_limits *limits, struct report **out, struct ti_err *err)
{
	return decode(json, len, NULL, 0, limits, out, err);
}

int
report_decode_owned(unsigned char *json, size_t len,
    const struct ti_limits *limits, struct report **out, struct ti_err *err)
{
	int rc = decode(json, len, &json, 1, limits, out, err);

	g_free(json); /* NULL when the report took it */
	return rc;
}

void
report_free(struct report *r)
{
	struct policy *p;
	struct failure *f;
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		g_free(p->policy_type);
		g_strfreev(p->policy_string);
		g_free(p->policy_domain);
		g_strfreev(p->mx_host);
		for (j = 0; j < p->n_failures; j++) {
			f = &p->failures[j];
			g_free(f->result_type);
			g_free(f->sending_mta_ip);
			g_free(f->receiving_mx_hostname);
			g_free(f->receiving_mx_helo);
			g_free(f->receiving_ip);
			g_free(f->additional_information);
			g_free(f->failure_reason_code);
		}
		g_free(p->failures);
	}
	g_free(r->policies);
	g_free(r->fallback_domain);
	for (i = 0; i < r->n_deviations; i++) {
		g_free(r->deviations[i].code);
		g_free(r->deviations[i].detail);
	}
	g_free(r->deviations);
	g_free(r->organization_name);
	g_free(r->contact_info);
	g_free(r->report_id);
	g_free(r->start_datetime);
	g_free(r->end_datetime);
	g_free(r->json);
	g_free(r);
}

void
report_totals(const struct report *r, int64_t *successful, int64_t *failed)
{
	int64_t ok, bad, best_ok = 0, best_bad = 0;
	size_t i, j;

	/* O(n^2) in policies, which are few (limits->policies). */
	for (i = 0; i < r->n_policies; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(r->policies[j].policy_type,
				r->policies[i].policy_type) == 0)
				break;
		if (j < i)
			continue; /* this type was summed already */
		ok = bad = 0;
		for (j = i; j < r->n_policies; j++) {
			if (strcmp(r->policies[j].policy_type,
				r->policies[i].policy_type) != 0)
				continue;
			ok = ti_sat_add(ok, r->policies[j].successful);
			bad = ti_sat_add(bad, r->policies[j].failed);
		}
		if (ti_sat_add(ok, bad) > ti_sat_add(best_ok, best_bad)) {
			best_ok = ok;
			best_bad = bad;
		}
	}
	*successful = best_ok;
	*failed = best_bad;
}

const char *
report_domain(const struct report *r)
{
	const struct policy *p;
	size_t i;

	for (i = 0; i < r->n_policies; i++) {
		p = &r->policies[i];
		if (p->policy_domain != NULL &&
		    (strcmp(p->policy_type, "sts") == 0 ||
			strcmp(p->policy_type, "no-policy-found") == 0))
			return p->policy_domain;
	}
	for (i = 0; i < r->n_policies; i++)
		if (r->policies[i].policy_domain != NULL)
			return r->policies[i].policy_domain;
	return r->fallback_domain;
}

/* n decimal digits at s; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The RFC 3339 §5.6 scanner behind report_parse_datetime; *flags gets
 * DT_NO_OFFSET, DT_LOWER and DT_SPACE for the tolerated forms.
 */
static int
parse_dt(const char *s, int64_t *out, int *flags)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, mo, d, h, mi, sec, oh, om, dim, sign;
	int64_t off = 0;

	*flags = 0;
	if (s == NULL)
		return -1;
	if ((y = digits(s, 4)) < 1 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 1)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	if (d > dim)
		return -1;
	if (s[10] == 't')
		*flags |= DT_LOWER;
	else if (s[10] == ' ')
		*flags |= DT_SPACE;
	else if (s[10] != 'T')
		return -1;
	if ((h = digits(s + 11, 2)) < 0 || h > 23 || s[13] != ':' ||
	    (mi = digits(s + 14, 2)) < 0 || mi > 59 || s[16] != ':' ||
	    (sec = digits(s + 17, 2)) < 0 || sec > 60)
		return -1;
	if (sec == 60)
		sec = 59; /* leap second: as GLib does */
	s += 19;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++; /* fractions are truncated */
	}
	switch (*s) {
	case '\0':
		*flags |= DT_NO_OFFSET;
		break;
	case 'z':
		*flags |= DT_LOWER;
		/* FALLTHROUGH */
	case 'Z':
		s++;
		break;
	case '+':
	case '-':
		sign = *s == '-' ? -1 : 1;
		if ((oh = digits(s + 1, 2)) < 0 || oh > 23 || s[3] != ':' ||
		    (om = digits(s + 4, 2)) < 0 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
		s += 6;
		break;
	default:
		return -1;
	}
	if (*s != '\0')
		return -1;
	*out =
	    days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	return 0;
}

int
report_parse_datetime(const char *text, int64_t *out, int *no_offset)
{
	int64_t v;
	int flags;

	if (parse_dt(text, &v, &flags) == -1)
		return -1;
	*out = v;
	if (no_offset != NULL)
		*no_offset = (flags & DT_NO_OFFSET) != 0;
	return 0;
}

char *
report_deviation_codes(const struct report *r)
{
	GString *codes;
	char **seen;
	size_t i;
	int dup;

	if (r->n_deviations == 0)
		return NULL;
	codes = g_string_new(NULL);
	for (i = 0; i < r->n_deviations; i++) {
		if (r->deviations[i].code == NULL)
			continue;
		seen = g_strsplit(codes->str, " ", -1);
		dup = g_strv_contains((const char *const *)seen,
		    r->deviations[i].code);
		g_strfreev(seen);
		if (dup)
			continue;
		if (codes->len > 0)
			g_string_append_c(codes, ' ');
		g_string_append(codes, r->deviations[i].code);
	}
	if (codes->len == 0) {
		g_string_free(codes, TRUE);
		return NULL;
	}
	return g_string_free(codes, FALSE);
}

int
report_strv_json(char *const *strv, char **out, struct ti_err *err)
{
	cJSON *arr, *item;
	char *text, *valid;

	*out = NULL;
	if (strv == NULL)
		return 0;
	if ((arr = cJSON_CreateArray()) == NULL)
		return ti_err_set(err, TI_E_TEMP, "store: out of memory");
	for (; *strv != NULL; strv++) {
		valid = g_utf8_make_valid(*strv, -1);
		item = cJSON_CreateString(valid);
		g_free(valid);
		if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
			cJSON_Delete(item);
			cJSON_Delete(arr);
			return ti_err_set(err, TI_E_TEMP,
			    "store: out of memory");
		}
	}
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (text == NULL)
		return ti_err_set(err, TI_E_TEMP, "store: out of memory");
	*out = g_strdup(text);
	cJSON_free(text);
	return 0;
}
