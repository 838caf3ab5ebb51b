/*
 * log.c: one key=value line per event, to syslog(3) or stderr.
 *
 * Design rationale:
 * - Reports are attacker-controlled (RFC 8460 §4: anyone may send one),
 *   so every value from a mail goes through log_esc(), and log_emit()
 *   scrubs the finished line once more: a forged "\n" can never start a
 *   fake log line, and a bidi override can never reorder what an admin
 *   reads.
 * - GLib and GMime warnings are routed here at LOG_DEBUG: under pipe(8)
 *   anything written to stderr becomes part of a bounce or defer text.
 * - The stderr backend writes each line with one write(2), so that lines
 *   of concurrent deliveries do not interleave.
 * - Without a syslog daemon, glibc's syslog(3) makes a socket, fails to
 *   connect it and closes it again for every line, which it then drops:
 *   three system calls a line, a tenth of a backfill.  While /dev/log
 *   is missing a line is dropped after one access(2) instead; once it
 *   is there, syslog(3) is called as before and keeps its connection.
 */
#include <errno.h>
#include <inttypes.h>
#include <paths.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "log.h"

#define LOG_LINE_MAX 4096 /* longer lines are cut; that is fine */
#define LOG_KV_MAX 256 /* bytes of one value in log_kv() */

static struct {
	char ident[64]; /* openlog(3) keeps the pointer */
	enum log_target target;
	int level;
	int syslog_open;
	int no_dev_log; /* _PATH_LOG was missing at the last look */
} lg = { "tlsrpt-ingest", LOG_TARGET_STDERR, LOG_INFO, 0, 0 };

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL },
	{ "daemon", LOG_DAEMON },
	{ "user", LOG_USER },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

/* GLib's message domains we route; NULL is the application's own. */
static const char *const glib_domains[] = {
	NULL,
	"GLib",
	"GMime",
	"GLib-GObject",
};

static const char *
glib_level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "error";
	if (level & G_LOG_LEVEL_CRITICAL)
		return "critical";
	if (level & G_LOG_LEVEL_WARNING)
		return "warning";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "message";
	if (level & G_LOG_LEVEL_INFO)
		return "info";
	return "debug";
}

static void
glib_emit(const char *domain, GLogLevelFlags level, const char *message)
{
	GString *line = g_string_new("glib");

	log_kv(line, "domain", domain != NULL ? domain : "-");
	log_kv(line, "level", glib_level_name(level));
	g_string_append(line, " msg=");
	log_esc(line, message, 512);
	log_emit(LOG_DEBUG, "%s", line->str);
	g_string_free(line, TRUE);
}

static void
glib_handler(const gchar *domain, GLogLevelFlags level, const gchar *message,
    gpointer data)
{
	(void)data;
	glib_emit(domain, level, message);
}

/* Structured logging (g_log_structured) bypasses the handlers above. */
static GLogWriterOutput
glib_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
    gpointer data)
{
	const char *domain = NULL, *message = NULL;
	gsize i;

	(void)data;
	for (i = 0; i < n_fields; i++) {
		if (fields[i].length != -1)
			continue; /* binary field: not ours to print */
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0)
			message = fields[i].value;
	}
	glib_emit(domain, level, message);
	return G_LOG_WRITER_HANDLED;
}

void
log_init(const char *ident)
{
	static int writer_set;
	size_t i;

	log_close();
	g_strlcpy(lg.ident, ident != NULL ? ident : "tlsrpt-ingest",
	    sizeof(lg.ident));
	lg.level = LOG_INFO;
	g_log_set_default_handler(glib_handler, NULL);
	for (i = 0; i < nitems(glib_domains); i++)
		g_log_set_handler(glib_domains[i],
		    G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
		    glib_handler, NULL);
	/* GLib aborts if the writer is set twice. */
	if (!writer_set) {
		g_log_set_writer_func(glib_writer, NULL, NULL);
		writer_set = 1;
	}
}

int
log_facility_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < nitems(facilities); i++)
		if (g_ascii_strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

int
log_open(enum log_target target, const char *facility, struct ti_err *err)
{
	int fac;

	if (target == LOG_TARGET_STDERR) {
		log_close();
		return 0;
	}
	if (target != LOG_TARGET_SYSLOG)
		return ti_err_set(err, TI_E_BUG, "log: unknown target %d",
		    (int)target);
	if (facility == NULL)
		facility = "mail";
	if ((fac = log_facility_from_name(facility)) == -1) {
		GString *s = g_string_new(NULL);

		log_esc(s, facility, 64);
		ti_err_set(err, TI_E_CONFIG, "unknown syslog facility %s",
		    s->str);
		g_string_free(s, TRUE);
		return -1;
	}
	log_close();
	openlog(lg.ident, LOG_PID | LOG_NDELAY, fac);
	lg.syslog_open = 1;
	lg.target = LOG_TARGET_SYSLOG;
	g_atomic_int_set(&lg.no_dev_log, 1); /* look at the first line */
	return 0;
}

/*
 * Whether syslog(3) can deliver a line at all: not while the socket
 * file is missing (see the top of this file).  Once it has been seen,
 * the answer stays yes and costs nothing: syslog(3) itself reconnects.
 */
static int
syslog_reachable(void)
{
#if defined(__GLIBC__) && defined(_PATH_LOG)
	/* atomic: a parse thread may log a GLib warning (log_init) */
	if (g_atomic_int_get(&lg.no_dev_log) && access(_PATH_LOG, F_OK) == -1)
		return 0;
	g_atomic_int_set(&lg.no_dev_log, 0);
	return 1;
#else
	return 1;
#endif
}

void
log_close(void)
{
	if (lg.syslog_open)
		closelog();
	lg.syslog_open = 0;
	lg.target = LOG_TARGET_STDERR;
}

void
log_set_level(int priority)
{
	lg.level = LOG_PRI(priority);
}

/*
 * Make a finished line safe in place: invalid UTF-8, C0 and C1 controls,
 * DEL, line separators and format characters become '?'.  The output is
 * never longer than the input.
 */
static void
scrub(char *s)
{
	const char *p = s;
	char *q = s;
	size_t left = strlen(s);

	while (left > 0) {
		gunichar c;
		size_t n;

		if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f) {
			/* printable ASCII: most of every line */
			*q++ = *p++;
			left--;
			continue;
		}
		c = g_utf8_get_char_validated(p, (gssize)left);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			*q++ = '?';
			p++;
			left--;
			continue;
		}
		n = (size_t)(g_utf8_next_char(p) - p);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0) ||
		    g_unichar_type(c) == G_UNICODE_FORMAT ||
		    g_unichar_type(c) == G_UNICODE_LINE_SEPARATOR ||
		    g_unichar_type(c) == G_UNICODE_PARAGRAPH_SEPARATOR) {
			*q++ = '?';
		} else {
			memmove(q, p, n);
			q += n;
		}
		p += n;
		left -= n;
	}
	*q = '\0';
}

static void
write_stderr(const char *line)
{
	char buf[sizeof(lg.ident) + LOG_LINE_MAX + 4];
	const char *p = buf;
	int n;
	size_t left;

	n = snprintf(buf, sizeof(buf), "%s: %s\n", lg.ident, line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) { /* cannot happen; keep the \n */
		n = (int)sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	left = (size_t)n;
	while (left > 0) {
		ssize_t w = write(STDERR_FILENO, p, left);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to complain */
		}
		p += w;
		left -= (size_t)w;
	}
}

void
log_emit(int priority, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int saved = errno;

	if (LOG_PRI(priority) > lg.level ||
	    (lg.target == LOG_TARGET_SYSLOG && !syslog_reachable()))
		goto out;
	va_start(ap, fmt);
	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		g_strlcpy(line, "log: format error", sizeof(line));
	va_end(ap);
	scrub(line);
	if (lg.target == LOG_TARGET_STDERR)
		write_stderr(line);
	else
		syslog(LOG_PRI(priority), "%s", line);
out:
	errno = saved;
}

/* Bytes that may stand bare in a key=value line. */
static int
is_bare(unsigned char c)
{
	return g_ascii_isalnum(c) ||
	    (c != '\0' && strchr("._-+@:/,;!%#*~^[]()<>", c) != NULL);
}

/* Length of the UTF-8 character at p, or 0 if p[0] is not one. */
static size_t
char_len(const char *p, size_t left, gunichar *cp)
{
	gunichar c = g_utf8_get_char_validated(p, (gssize)left);

	if (c == (gunichar)-1 || c == (gunichar)-2)
		return 0;
	*cp = c;
	return (size_t)(g_utf8_next_char(p) - p);
}

void
log_esc(GString *out, const char *s, size_t max)
{
	size_t len, used, i, n;
	int bare;
	gunichar c;

	if (s == NULL) {
		g_string_append_c(out, '-');
		return;
	}
	/* Take whole characters (or single invalid bytes) up to max. */
	len = strlen(s);
	for (used = 0; used < len; used += n) {
		if ((unsigned char)s[used] < 0x80)
			n = 1; /* ASCII */
		else if ((n = char_len(s + used, len - used, &c)) == 0)
			n = 1;
		if (used + n > max)
			break;
	}
	bare = used > 0 && used == len;
	for (i = 0; bare && i < used; i++)
		bare = is_bare((unsigned char)s[i]);
	if (bare) {
		g_string_append_len(out, s, (gssize)used);
		return;
	}

	g_string_append_c(out, '"');
	for (i = 0; i < used; i += n) {
		unsigned char b = (unsigned char)s[i];

		if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
			g_string_append_c(out, (char)b);
			n = 1;
		} else if ((n = char_len(s + i, used - i, &c)) == 0) {
			g_string_append_printf(out, "\\x%02x", b);
			n = 1;
		} else if (c == '"' || c == '\\') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, (char)c);
		} else if (c == '\n') {
			g_string_append(out, "\\n");
		} else if (c == '\r') {
			g_string_append(out, "\\r");
		} else if (c == '\t') {
			g_string_append(out, "\\t");
		} else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
			/* controls as their bytes: \xc2\x85 for U+0085 */
			for (size_t k = 0; k < n; k++)
				g_string_append_printf(out, "\\x%02x",
				    (unsigned char)s[i + k]);
		} else if (g_unichar_type(c) == G_UNICODE_FORMAT ||
		    g_unichar_type(c) == G_UNICODE_LINE_SEPARATOR ||
		    g_unichar_type(c) == G_UNICODE_PARAGRAPH_SEPARATOR) {
			g_string_append_printf(out, "\\u{%04X}", (unsigned)c);
		} else {
			g_string_append_len(out, s + i, (gssize)n);
		}
	}
	if (used < len)
		g_string_append(out, "...");
	g_string_append_c(out, '"');
}

void
log_kv(GString *line, const char *key, const char *value)
{
	if (value == NULL)
		return;
	g_string_append_c(line, ' ');
	g_string_append(line, key);
	g_string_append_c(line, '=');
	log_esc(line, value, LOG_KV_MAX);
}

void
log_kv_int(GString *line, const char *key, int64_t value)
{
	g_string_append_printf(line, " %s=%" PRId64, key, value);
}
