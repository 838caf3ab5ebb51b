/*
 * test-log.c: log_esc() escaping, log_kv() formatting, facility names,
 * and what log_emit() really writes to stderr (one line, no controls).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "log.h"
#include "tap.h"

static const struct {
	const char *label;
	const char *in;
	size_t max;
	const char *want;
} esc_cases[] = {
	{ "plain word", "example.com", 256, "example.com" },
	{ "bare punctuation", "a._-+@:/,;!%#*~^[]()<>z", 256,
	    "a._-+@:/,;!%#*~^[]()<>z" },
	{ "NULL", NULL, 256, "-" },
	{ "empty", "", 256, "\"\"" },
	{ "space", "Example Inc", 256, "\"Example Inc\"" },
	{ "newline", "a\nb", 256, "\"a\\nb\"" },
	{ "forged log line", "x\nreport org=evil", 256,
	    "\"x\\nreport org=evil\"" },
	{ "carriage return", "a\rb", 256, "\"a\\rb\"" },
	{ "tab", "a\tb", 256, "\"a\\tb\"" },
	{ "escape sequence", "\x1b[31mred", 256, "\"\\x1b[31mred\"" },
	{ "other C0", "a\x01z", 256, "\"a\\x01z\"" },
	{ "DEL", "a\x7f", 256, "\"a\\x7f\"" },
	{ "C1 control NEL", "a\xc2\x85z", 256, "\"a\\xc2\\x85z\"" },
	{ "double quote", "say \"hi\"", 256, "\"say \\\"hi\\\"\"" },
	{ "backslash", "a\\b", 256, "\"a\\\\b\"" },
	{ "equals", "k=v", 256, "\"k=v\"" },
	{ "single quote", "it's", 256, "\"it's\"" },
	{ "dollar", "$HOME", 256, "\"$HOME\"" },
	{ "RLO U+202E",
	    "abc\xe2\x80\xae"
	    "fdp.exe",
	    256, "\"abc\\u{202E}fdp.exe\"" },
	{ "LRI U+2066", "\xe2\x81\xa6x", 256, "\"\\u{2066}x\"" },
	{ "LRM U+200E", "\xe2\x80\x8e", 256, "\"\\u{200E}\"" },
	{ "zero width space U+200B",
	    "a\xe2\x80\x8b"
	    "b",
	    256, "\"a\\u{200B}b\"" },
	{ "BOM U+FEFF", "\xef\xbb\xbfx", 256, "\"\\u{FEFF}x\"" },
	{ "line separator U+2028", "a\xe2\x80\xa8", 256, "\"a\\u{2028}\"" },
	{ "overlong slash C0 AF", "a\xc0\xaf", 256, "\"a\\xc0\\xaf\"" },
	{ "lone continuation 0x80", "\x80", 256, "\"\\x80\"" },
	{ "0xff",
	    "a\xff"
	    "b",
	    256, "\"a\\xffb\"" },
	{ "truncated sequence at end", "a\xe2\x80", 256, "\"a\\xe2\\x80\"" },
	{ "surrogate ED A0 80", "\xed\xa0\x80", 256, "\"\\xed\\xa0\\x80\"" },
	{ "printable UTF-8 kept",
	    "Gr\xc3\xbc\xc3\x9f"
	    "e",
	    256,
	    "\"Gr\xc3\xbc\xc3\x9f"
	    "e\"" },
	{ "emoji kept", "\xf0\x9f\x98\x80", 256, "\"\xf0\x9f\x98\x80\"" },
	{ "truncated ASCII", "abcdef", 3, "\"abc...\"" },
	{ "exactly max", "abc", 3, "abc" },
	{ "max 0", "abc", 0, "\"...\"" },
	{ "max 0 empty", "", 0, "\"\"" },
	{ "truncation keeps whole chars", "\xc3\xa9\xc3\xa9\xc3\xa9", 3,
	    "\"\xc3\xa9...\"" },
	{ "truncation before a 2-byte char", "a\xc3\xa9", 2, "\"a...\"" },
	{ "truncation before a 4-byte char", "ab\xf0\x9f\x98\x80", 5,
	    "\"ab...\"" },
	{ "truncation with invalid bytes", "\xff\xfe\xfd", 2,
	    "\"\\xff\\xfe...\"" },
	{ "truncation of quoted", "a\"b\"c", 3, "\"a\\\"b...\"" },
};

static char *
esc(const char *s, size_t max)
{
	GString *out = g_string_new(NULL);

	log_esc(out, s, max);
	return g_string_free(out, FALSE);
}

/* Run log_emit-like code with fd 2 redirected to a file; return the bytes. */
struct capture {
	int saved;
	char path[64];
	int fd;
};

static void
capture_start(struct capture *c)
{
	g_strlcpy(c->path, "/tmp/test-log.XXXXXX", sizeof(c->path));
	if ((c->fd = mkstemp(c->path)) == -1 || (c->saved = dup(2)) == -1 ||
	    dup2(c->fd, 2) == -1) {
		printf("Bail out! capture: %s\n", strerror(errno));
		exit(99);
	}
}

static char *
capture_end(struct capture *c, size_t *len)
{
	unsigned char *buf;

	dup2(c->saved, 2);
	close(c->saved);
	close(c->fd);
	buf = tap_slurp(c->path, len);
	unlink(c->path);
	if (buf == NULL) {
		printf("Bail out! capture: cannot read %s\n", c->path);
		exit(99);
	}
	return (char *)buf;
}

static int
count_char(const char *s, size_t len, char ch)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == ch;
	return n;
}

/* No byte below 0x20 other than the final newline, and valid UTF-8. */
static int
clean_line(const char *s, size_t len)
{
	if (len == 0 || s[len - 1] != '\n')
		return 0;
	for (size_t i = 0; i + 1 < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return g_utf8_validate(s, (gssize)len, NULL);
}

static void
test_esc(void)
{
	for (size_t i = 0; i < nitems(esc_cases); i++) {
		char *got = esc(esc_cases[i].in, esc_cases[i].max);

		ok(strcmp(got, esc_cases[i].want) == 0, "log_esc %s: %s",
		    esc_cases[i].label, got);
		g_free(got);
	}

	/* log_esc appends; it never replaces what is there. */
	{
		GString *s = g_string_new("k=");

		log_esc(s, "v w", 256);
		ok(strcmp(s->str, "k=\"v w\"") == 0, "log_esc appends: %s",
		    s->str);
		g_string_free(s, TRUE);
	}

	/* Every byte 1..255 alone: output has no raw control, is UTF-8. */
	{
		int bad = 0;

		for (int b = 1; b < 256; b++) {
			char in[2] = { (char)b, '\0' };
			char *got = esc(in, 256);

			if (!g_utf8_validate(got, -1, NULL))
				bad++;
			for (const char *p = got; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					bad++;
			g_free(got);
		}
		ok(bad == 0, "log_esc of every single byte is clean (%d bad)",
		    bad);
	}
}

static void
test_kv(void)
{
	GString *line = g_string_new("report");
	char big[400];

	log_kv(line, "org", "Example Inc");
	log_kv(line, "id", "2024-01-01T00:00:00Z_example.com");
	log_kv(line, "skipped", NULL);
	log_kv(line, "empty", "");
	log_kv_int(line, "ok", 5);
	log_kv_int(line, "neg", -3);
	log_kv_int(line, "big", INT64_MAX);
	ok(strcmp(line->str,
	       "report org=\"Example Inc\" id=2024-01-01T00:00:00Z_example.com"
	       " empty=\"\" ok=5 neg=-3 big=9223372036854775807") == 0,
	    "log_kv line: %s", line->str);
	g_string_free(line, TRUE);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	line = g_string_new(NULL);
	log_kv(line, "k", big);
	ok(line->len == strlen(" k=\"") + 256 + strlen("...\""),
	    "log_kv caps a value at 256 bytes (%zu)", line->len);
	ok(g_str_has_suffix(line->str, "xxx...\""), "log_kv marks the cut");
	g_string_free(line, TRUE);
}

static void
test_facility(void)
{
	static const struct {
		const char *name;
		int want;
	} f[] = {
		{ "mail", LOG_MAIL },
		{ "MAIL", LOG_MAIL },
		{ "daemon", LOG_DAEMON },
		{ "user", LOG_USER },
		{ "local0", LOG_LOCAL0 },
		{ "Local7", LOG_LOCAL7 },
		{ "local8", -1 },
		{ "auth", -1 },
		{ "", -1 },
		{ "mail ", -1 },
		{ NULL, -1 },
	};

	for (size_t i = 0; i < nitems(f); i++)
		ok(log_facility_from_name(f[i].name) == f[i].want,
		    "facility %s", f[i].name ? f[i].name : "(null)");
}

static void
test_emit(void)
{
	struct capture c;
	struct ti_err err = { 0 };
	char *out, *want, long_arg[6000];
	size_t len;

	log_init("test-log");

	capture_start(&c);
	log_emit(LOG_INFO, "event value=%s", "a\nb\x1b[0m\xe2\x80\xae\xff\r");
	out = capture_end(&c, &len);
	ok(strcmp(out, "test-log: event value=a?b?[0m???\n") == 0,
	    "log_emit scrubs controls from %%s arguments");
	ok(count_char(out, len, '\n') == 1 && clean_line(out, len),
	    "log_emit writes exactly one clean line");
	free(out);

	capture_start(&c);
	log_emit(LOG_WARNING, "report%s", " org=x");
	log_emit(LOG_ERR, "second");
	out = capture_end(&c, &len);
	ok(strcmp(out, "test-log: report org=x\ntest-log: second\n") == 0,
	    "one line per call, no priority prefix");
	free(out);

	/* Lines below the level are dropped; the level can be raised. */
	capture_start(&c);
	log_emit(LOG_DEBUG, "hidden");
	out = capture_end(&c, &len);
	ok(len == 0, "LOG_DEBUG dropped at the default level");
	free(out);
	log_set_level(LOG_DEBUG);
	capture_start(&c);
	log_emit(LOG_DEBUG, "shown");
	out = capture_end(&c, &len);
	ok(strcmp(out, "test-log: shown\n") == 0, "LOG_DEBUG shown at debug");
	free(out);

	/* A line longer than the buffer is cut, still one line. */
	memset(long_arg, 'y', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	capture_start(&c);
	log_emit(LOG_INFO, "long %s", long_arg);
	out = capture_end(&c, &len);
	ok(count_char(out, len, '\n') == 1 && clean_line(out, len) &&
		len < 4200,
	    "a long line is cut to one line (%zu bytes)", len);
	free(out);

	/* errno survives log_emit */
	errno = ENOSPC;
	capture_start(&c);
	log_emit(LOG_INFO, "x");
	out = capture_end(&c, &len);
	ok(errno == ENOSPC, "log_emit keeps errno");
	free(out);

	/* GLib and GMime messages come through us, escaped, at debug. */
	capture_start(&c);
	g_warning("bad\nthing \"%s\"", "q");
	g_log("GMime", G_LOG_LEVEL_WARNING, "%s", "mime\x1b oops");
	g_log("GLib-GObject", G_LOG_LEVEL_CRITICAL, "%s", "crit");
	g_log_structured("GLib", G_LOG_LEVEL_MESSAGE, "MESSAGE", "s%s", "tr");
	out = capture_end(&c, &len);
	want = "test-log: glib domain=- level=warning "
	       "msg=\"bad\\nthing \\\"q\\\"\"\n"
	       "test-log: glib domain=GMime level=warning "
	       "msg=\"mime\\x1b oops\"\n"
	       "test-log: glib domain=GLib-GObject level=critical msg=crit\n"
	       "test-log: glib domain=GLib level=message msg=str\n";
	ok(strcmp(out, want) == 0, "GLib messages routed and escaped");
	if (strcmp(out, want) != 0)
		diag("got: %s", out);
	free(out);

	log_set_level(LOG_INFO);
	capture_start(&c);
	g_warning("noise");
	g_log("GMime", G_LOG_LEVEL_WARNING, "noise");
	out = capture_end(&c, &len);
	ok(len == 0, "GLib warnings hidden at the default level");
	free(out);

	/* Targets */
	ok(log_open(LOG_TARGET_SYSLOG, "bogus", &err) == -1 &&
		err.status == TI_E_CONFIG && strstr(err.msg, "bogus") != NULL,
	    "unknown facility: %s", err.msg);
	ti_err_clear(&err);
	ok(log_open(LOG_TARGET_SYSLOG, "local3", &err) == 0,
	    "syslog local3 opens");
	capture_start(&c);
	log_emit(LOG_INFO, "test-log unit test line: ignore");
	out = capture_end(&c, &len);
	ok(len == 0, "syslog target writes nothing to stderr");
	free(out);
	ok(log_open(LOG_TARGET_STDERR, NULL, &err) == 0, "back to stderr");
	capture_start(&c);
	log_emit(LOG_INFO, "back");
	out = capture_end(&c, &len);
	ok(strcmp(out, "test-log: back\n") == 0, "stderr after syslog");
	free(out);
	ok(log_open(LOG_TARGET_SYSLOG, NULL, &err) == 0,
	    "syslog with default facility");
	log_close();
	capture_start(&c);
	log_emit(LOG_INFO, "closed");
	out = capture_end(&c, &len);
	ok(strcmp(out, "test-log: closed\n") == 0, "log_close: stderr");
	free(out);
}

int
main(void)
{
	test_esc();
	test_kv();
	test_facility();
	test_emit();
	return done_testing();
}
