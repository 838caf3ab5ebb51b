/*
 * mime.c: find TLS-RPT report candidates in a mail with GMime
 * (RFC 8460 §5.3: multipart/report, RFC 6522, with an
 * application/tlsrpt+gzip or +json part; RFC 2045-2049; RFC 2231).
 *
 * Design rationale:
 * - Senders mislabel reports (octet-stream, x-gzip, text/plain with a
 *   .json name: doc/rfc8460.md, '7. Real senders' and doc/hostile-input.md,
 *   '2. MIME'), so a part qualifies by media type, by file name,
 *   or, for a non-text part, by the gzip magic.  The caller decides what
 *   the bytes really are.
 * - Our own recursion, not g_mime_message_foreach() (it does not enter
 *   message/rfc822), so that a forwarded report is found and so that
 *   depth and part counts are ours to bound (ti_limits).
 * - A DSN (multipart/report; report-type=delivery-status) is a bounce: the
 *   report inside its returned message was not sent to us, so a DSN is
 *   never looked into.
 * - Transfer decoding reads the part through a GMime filter stream, the
 *   way g_mime_data_wrapper_write_to_stream() does, but keeps at most
 *   attachment_size bytes: a huge part is counted, not held.
 * - GMime's parser warnings go to a callback that drops them: nothing
 *   from here may reach stderr, which pipe(8) turns into bounce text.
 * - GMime reads the mail where it is (no copy) and builds the outermost
 *   entity as a part, not a GMimeMessage, from a header cut down to the
 *   fields we read (mime_trim_header): objects for address lists, dates
 *   and trace fields were most of the cost of a typical report mail.
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "config.h"
#include "ti.h"
#include "ingest/mime.h"

/* Media types that are report candidates (RFC 8460 §5.3 and the wild). */
static const char *const mime_report_types[] = {
	"application/tlsrpt+gzip",
	"application/tlsrpt+json",
	"application/tlsrpt",
	"application/gzip",
	"application/x-gzip",
	"application/json",
	"application/octet-stream",
};

/* State of one walk over the tree of one mail. */
struct mime_walk {
	const struct ti_limits *limits;
	int (*cb)(const struct mime_part *, void *);
	void *arg;
	struct mime_info *info;
	struct ti_err *err;
	size_t leaves;
};

static int mime_inited;

void
mime_init(void)
{
	if (mime_inited)
		return;
	g_mime_init();
	mime_inited = 1;
}

void
mime_shutdown(void)
{
	if (!mime_inited)
		return;
	g_mime_shutdown();
	mime_inited = 0;
}

void
mime_info_clear(struct mime_info *info)
{
	if (info == NULL)
		return;
	g_free(info->message_id);
	g_free(info->tls_report_domain);
	g_free(info->tls_report_submitter);
	g_free(info->report_type);
	memset(info, 0, sizeof(*info));
}

/* GMime parser warnings: RFC violations are normal in mail; drop them. */
static void
mime_parser_warning(gint64 offset, GMimeParserWarning errcode,
    const gchar *item, gpointer user_data)
{
	(void)offset;
	(void)errcode;
	(void)item;
	(void)user_data;
}

/* Copy of s with outer white space removed, or NULL for NULL or "". */
static char *
mime_strdup_trim(const char *s)
{
	char *t;

	if (s == NULL)
		return NULL;
	t = g_strstrip(g_strdup(s));
	if (*t == '\0') {
		g_free(t);
		return NULL;
	}
	return t;
}

int
mime_report_name(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	return (n >= 5 && g_ascii_strcasecmp(name + n - 5, ".json") == 0) ||
	    (n >= 8 && g_ascii_strcasecmp(name + n - 8, ".json.gz") == 0);
}

/* True for "multipart/report" whose report-type says it is a bounce. */
static int
mime_is_dsn(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *rt;

	if (ct == NULL ||
	    !g_mime_content_type_is_type(ct, "multipart", "report"))
		return 0;
	rt = g_mime_content_type_get_parameter(ct, "report-type");
	return rt != NULL &&
	    (g_ascii_strcasecmp(rt, "delivery-status") == 0 ||
		g_ascii_strcasecmp(rt, "disposition-notification") == 0);
}

/*
 * Decode the body of part (remove its transfer encoding) into *out,
 * keeping at most limit bytes; *size gets the full decoded size.  With
 * sniff set, stop early and return 1 when the body does not start with
 * the gzip magic.  The kept bytes are NUL-terminated (not counted).
 * Returns 0, 1 (sniff said no), or -1 on a read error.
 */
static int
mime_decode(GMimePart *part, size_t limit, int sniff, GByteArray *out,
    size_t *size)
{
	GMimeDataWrapper *content;
	GMimeStream *src, *filtered;
	GMimeFilter *filter;
	char buf[16 * 1024];
	ssize_t n;
	gint64 pos, last = -1;
	int stalls = 0, rc = 0;

	*size = 0;
	content = g_mime_part_get_content(part);
	if (content == NULL ||
	    (src = g_mime_data_wrapper_get_stream(content)) == NULL)
		goto done;

	g_mime_stream_reset(src);
	filtered = g_mime_stream_filter_new(src);
	switch (g_mime_data_wrapper_get_encoding(content)) {
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_UUENCODE:
		filter = g_mime_filter_basic_new(
		    g_mime_data_wrapper_get_encoding(content), FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
		g_object_unref(filter);
		break;
	default:
		/* 7bit, 8bit, binary and unknown encodings: the raw bytes */
		break;
	}

	for (;;) {
		n = g_mime_stream_read(filtered, buf, sizeof(buf));
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n > 0) {
			size_t keep = 0;

			stalls = 0;
			if (*size < limit)
				keep = MIN((size_t)n, limit - *size);
			if (keep > 0)
				g_byte_array_append(out, (guint8 *)buf, keep);
			*size += (size_t)n;
			if (sniff && out->len >= 2 &&
			    (out->data[0] != 0x1f || out->data[1] != 0x8b)) {
				rc = 1;
				break;
			}
			continue;
		}
		if (g_mime_stream_eos(filtered))
			break;
		/* a read of 0 must move the source on, or we would spin */
		pos = g_mime_stream_tell(src);
		if (pos == last && ++stalls > 4) {
			rc = -1;
			break;
		}
		last = pos;
	}
	g_object_unref(filtered);
	g_mime_stream_reset(src);
done:
	if (sniff && rc == 0 && *size < 2)
		rc = 1;
	/* NUL-terminate; data is never NULL, even for an empty body */
	g_byte_array_append(out, (const guint8 *)"", 1);
	g_byte_array_set_size(out, out->len - 1);
	return rc;
}

/* One leaf: decide whether it is a candidate and hand it to the callback. */
static int
mime_leaf(struct mime_walk *w, GMimeObject *obj, const char *path)
{
	GMimeContentType *ct;
	struct mime_part mp;
	GByteArray *body = NULL;
	char *mime_type = NULL, *lower = NULL;
	const char *filename = NULL;
	size_t size = 0;
	int by_type = 0, by_name = 0, is_text, sniff, drc, rc = 0;

	if (++w->leaves > w->limits->mime_parts)
		return ti_err_set(w->err, TI_E_LIMIT,
		    "more than %zu MIME leaf parts (mime-parts limit)",
		    w->limits->mime_parts);
	if (!GMIME_IS_PART(obj))
		return 0;

	ct = g_mime_object_get_content_type(obj);
	mime_type = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	lower =
	    g_ascii_strdown(mime_type != NULL ? mime_type : "text/plain", -1);
	is_text = g_str_has_prefix(lower, "text/");
	for (size_t i = 0; i < nitems(mime_report_types); i++)
		if (strcmp(lower, mime_report_types[i]) == 0)
			by_type = 1;
	filename = g_mime_part_get_filename(GMIME_PART(obj));
	if (mime_report_name(filename))
		by_name = 1;
	if (!by_type && !by_name && is_text)
		goto out;

	/* anything else non-text is a candidate when it is gzip inside */
	sniff = !by_type && !by_name;
	body = g_byte_array_new();
	drc = mime_decode(GMIME_PART(obj), w->limits->attachment_size, sniff,
	    body, &size);
	if (drc == 1)
		goto out;
	if (drc == -1) {
		rc = ti_err_set(w->err, TI_E_INPUT,
		    "MIME part %s: cannot read its body", path);
		goto out;
	}

	memset(&mp, 0, sizeof(mp));
	mp.ctype = lower;
	mp.filename = filename;
	mp.path = path;
	mp.by_name = by_name && !by_type;
	mp.len = size;
	mp.data = size > w->limits->attachment_size ? NULL : body->data;
	rc = w->cb(&mp, w->arg);
out:
	if (body != NULL)
		g_byte_array_free(body, TRUE);
	g_free(lower);
	g_free(mime_type);
	return rc;
}

static int mime_walk_node(struct mime_walk *, GMimeObject *, const char *,
    size_t);

/*
 * The body of a message (the top one, or one inside message/rfc822) at
 * path prefix: a multipart's children are prefix.1, prefix.2, ...; a
 * single part is prefix.1 (or "1" at the top), as in IMAP (RFC 3501).
 */
static int
mime_walk_body(struct mime_walk *w, GMimeObject *body, const char *prefix,
    size_t depth)
{
	char *path;
	int rc;

	if (body == NULL)
		return 0;
	if (GMIME_IS_MULTIPART(body))
		return mime_walk_node(w, body, prefix, depth);
	path =
	    *prefix == '\0' ? g_strdup("1") : g_strdup_printf("%s.1", prefix);
	rc = mime_walk_node(w, body, path, depth);
	g_free(path);
	return rc;
}

/* Walk obj, found at path (depth containers above it). */
static int
mime_walk_node(struct mime_walk *w, GMimeObject *obj, const char *path,
    size_t depth)
{
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp), rc = 0;

		if (depth + 1 > w->limits->mime_depth)
			return ti_err_set(w->err, TI_E_LIMIT,
			    "MIME nesting deeper than %zu levels "
			    "(mime-depth limit)",
			    w->limits->mime_depth);
		if (mime_is_dsn(obj)) {
			if (depth == 0 && w->info != NULL)
				w->info->is_dsn = 1;
			return 0;
		}
		for (int i = 0; i < n && rc == 0; i++) {
			char *child_path = *path == '\0'
			    ? g_strdup_printf("%d", i + 1)
			    : g_strdup_printf("%s.%d", path, i + 1);

			rc = mime_walk_node(w, g_mime_multipart_get_part(mp, i),
			    child_path, depth + 1);
			g_free(child_path);
		}
		return rc;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *msg;

		if (depth + 1 > w->limits->mime_depth)
			return ti_err_set(w->err, TI_E_LIMIT,
			    "MIME nesting deeper than %zu levels "
			    "(mime-depth limit)",
			    w->limits->mime_depth);
		msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (msg == NULL)
			return 0;
		return mime_walk_body(w, g_mime_message_get_mime_part(msg),
		    path, depth + 1);
	}
	return mime_leaf(w, obj, path);
}

/*
 * Message-ID without white space and angle brackets (GMime strips them
 * already; be sure), or NULL.
 */
static char *
mime_msgid(const char *s)
{
	char *t, *p;
	size_t n;

	if ((t = mime_strdup_trim(s)) == NULL)
		return NULL;
	p = t[0] == '<' ? t + 1 : t;
	n = strlen(p);
	if (n > 0 && p[n - 1] == '>')
		p[--n] = '\0';
	memmove(t, p, n + 1);
	if (n == 0) {
		g_free(t);
		return NULL;
	}
	return t;
}

/* True when a message body is missing or a leaf of zero bytes. */
static int
mime_body_empty(GMimeObject *body)
{
	GMimeDataWrapper *content;
	GMimeStream *stream;

	if (body == NULL)
		return 1;
	if (!GMIME_IS_PART(body))
		return 0;
	content = g_mime_part_get_content(GMIME_PART(body));
	if (content == NULL ||
	    (stream = g_mime_data_wrapper_get_stream(content)) == NULL)
		return 1;
	return g_mime_stream_length(stream) <= 0;
}

/*
 * The Message-ID of the top header as GMimeMessage reads it: the value
 * of the last such field, through g_mime_utils_decode_message_id().
 */
static char *
mime_message_id(GMimeHeaderList *headers)
{
	const char *value = NULL;
	char *id, *t;
	int n = g_mime_header_list_get_count(headers);

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h),
			"Message-ID") == 0)
			value = g_mime_header_get_value(h);
	}
	if (value == NULL)
		return NULL;
	id = g_mime_utils_decode_message_id(value);
	t = mime_msgid(id);
	g_free(id);
	return t;
}

/*
 * The header fields a GMimeMessage would hold: all but Content-*, which
 * GMime gives to the message's body part.
 */
static int
mime_message_fields(GMimeHeaderList *headers)
{
	int n = headers != NULL ? g_mime_header_list_get_count(headers) : 0;
	int k = 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);

		if (g_ascii_strncasecmp(g_mime_header_get_name(h), "Content-",
			8) != 0)
			k++;
	}
	return k;
}

/* Fill *info from the header fields of the outermost entity. */
static void
mime_fill_info(GMimeObject *top, struct mime_info *info)
{
	info->message_id = mime_message_id(g_mime_object_get_header_list(top));
	info->tls_report_domain = mime_strdup_trim(
	    g_mime_object_get_header(top, "TLS-Report-Domain"));
	info->tls_report_submitter = mime_strdup_trim(
	    g_mime_object_get_header(top, "TLS-Report-Submitter"));

	if (GMIME_IS_MULTIPART(top)) {
		GMimeContentType *ct = g_mime_object_get_content_type(top);

		if (ct != NULL &&
		    g_mime_content_type_is_type(ct, "multipart", "report"))
			info->report_type = mime_strdup_trim(
			    g_mime_content_type_get_parameter(ct,
				"report-type"));
	}
}

/*
 * The top-level header fields that mime_fill_info() and the walk read:
 * the rest is left out before GMime sees the mail.  GMime makes objects
 * of every field, and the trace and X- fields of a report mail
 * (Received, DKIM-Signature, Microsoft's thirty X-MS-) cost more than
 * the rest of the parse; From, Subject and Date, which nothing reads,
 * cost a fifth of it (address lists, IDNA, RFC 2047, date parsing).
 * Add a field here before reading it.
 */
static const char *const mime_used_fields[] = {
	"content-", /* a prefix: every Content-* field */
	"message-id",
	"tls-report-domain",
	"tls-report-submitter",
};

static int
mime_used_field(const unsigned char *name, size_t n)
{
	for (size_t i = 0; i < nitems(mime_used_fields); i++) {
		const char *f = mime_used_fields[i];
		size_t m = strlen(f);

		if ((f[m - 1] == '-' ? n >= m : n == m) &&
		    g_ascii_strncasecmp((const char *)name, f, m) == 0)
			return 1;
	}
	return 0;
}

/*
 * raw without the top-level header fields nobody reads, in a new buffer
 * (*out_len bytes; g_free it; *n_dropped fields left out), or NULL to
 * parse raw as it is.  Only a plainly well-formed header is trimmed, one
 * GMime cannot read in another way: every line a field "name:" (name of
 * printable ASCII, no space before the colon) or a continuation, no bare
 * CR, no NUL, ended by an empty line.
 */
static unsigned char *
mime_trim_header(const unsigned char *raw, size_t len, size_t *out_len,
    int *n_dropped)
{
	const unsigned char *p = raw, *end = raw + len, *nl, *c;
	unsigned char *out, *q;
	int keep = 0, kept = 0, dropped = 0;

	out = q = g_malloc(len);
	for (;;) {
		if (p == end ||
		    (nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto whole; /* no body: nothing to gain */
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			goto whole;
		for (c = p; c < nl; c++)
			if (*c == '\r' && c + 1 != nl)
				goto whole;
		if (p == nl || (p + 1 == nl && *p == '\r'))
			break; /* the empty line: end of the header */
		if (*p == ' ' || *p == '\t') {
			if (p == raw)
				goto whole;
		} else {
			c = p;
			while (c != nl && *c > ' ' && *c < 127 && *c != ':')
				c++;
			if (c == p || c == nl || *c != ':')
				goto whole;
			keep = mime_used_field(p, (size_t)(c - p));
			kept += keep;
			dropped += !keep;
		}
		if (keep) {
			memcpy(q, p, (size_t)(nl + 1 - p));
			q += nl + 1 - p;
		}
		p = nl + 1;
	}
	if (kept == 0 || dropped == 0)
		goto whole;
	memcpy(q, p, (size_t)(end - p)); /* the empty line and the body */
	q += end - p;
	*out_len = (size_t)(q - out);
	*n_dropped = dropped;
	return out;
whole:
	g_free(out);
	return NULL;
}

int
mime_each_report(const unsigned char *raw, size_t len,
    const struct ti_limits *limits,
    int (*cb)(const struct mime_part *part, void *arg), void *arg,
    struct mime_info *info, struct ti_err *err)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeParserOptions *opts;
	GMimeObject *top;
	GMimeHeaderList *headers;
	GByteArray *bytes;
	struct mime_walk w;
	unsigned char *trimmed;
	size_t trimmed_len;
	int rc, dropped = 0;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (raw == NULL || len == 0)
		return ti_err_set(err, TI_E_INPUT, "not a mail: empty");

	/* an mbox "From " line is not a header: step over it */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const unsigned char *nl = memchr(raw, '\n', len);

		if (nl == NULL)
			return ti_err_set(err, TI_E_INPUT,
			    "not a mail: only a From_ line");
		len -= (size_t)(nl + 1 - raw);
		raw = nl + 1;
		if (len == 0)
			return ti_err_set(err, TI_E_INPUT,
			    "not a mail: only a From_ line");
	}

	if (len > G_MAXUINT) /* a GByteArray's limit; message-size is less */
		return ti_err_set(err, TI_E_LIMIT, "mail of %zu bytes", len);
	mime_init();
	/* The stream reads our buffer where it is (persisted: the parts'
	   contents are windows on it), so raw or trimmed outlives it. */
	trimmed = mime_trim_header(raw, len, &trimmed_len, &dropped);
	bytes = g_byte_array_new_take(
	    trimmed != NULL ? trimmed : (guint8 *)(uintptr_t)raw,
	    trimmed != NULL ? trimmed_len : len);
	stream = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream); /* the parser holds its own reference */
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, mime_parser_warning,
	    NULL);
	/* The outermost entity as a part, not a GMimeMessage: a message
	   object parses From, To, Cc, Date and the rest into objects that
	   nothing here reads.  Its header fields are the part's. */
	top = g_mime_parser_construct_part(parser, opts);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	rc = -1;
	if (top == NULL) {
		ti_err_set(err, TI_E_INPUT, "not a mail");
		goto out;
	}
	/* no header field (the trimmed ones count) and no body: GMime
	   read nothing */
	headers = g_mime_object_get_header_list(top);
	if (mime_message_fields(headers) + dropped == 0 &&
	    mime_body_empty(top)) {
		ti_err_set(err, TI_E_INPUT, "not a mail");
		goto out;
	}

	if (info != NULL)
		mime_fill_info(top, info);
	memset(&w, 0, sizeof(w));
	w.limits = limits;
	w.cb = cb;
	w.arg = arg;
	w.info = info;
	w.err = err;
	rc = mime_walk_body(&w, top, "", 0);
	if (info != NULL)
		info->parts_seen = w.leaves > limits->mime_parts
		    ? limits->mime_parts
		    : w.leaves;
out:
	if (top != NULL)
		g_object_unref(top);
	/* the array never owned raw; trimmed is ours */
	g_byte_array_free(bytes, trimmed != NULL);
	return rc;
}
