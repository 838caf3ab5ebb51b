/*
 * log.h: syslog or stderr, one key=value line per event.
 *
 * Every string that came from a mail or a report goes through log_esc()
 * (or log_kv(), which calls it): no raw control character, newline or
 * invalid UTF-8 byte ever reaches the log.
 */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>
#include <syslog.h>

#include <glib.h>

#include "ti.h"

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
};

/*
 * Start logging as ident (e.g. "tlsrpt-ingest").  Until log_open() is
 * called, lines go to stderr.  GLib and GMime warnings are routed here
 * at LOG_DEBUG so that nothing reaches stderr behind our back.
 */
void log_init(const char *ident);

/* Switch to target; facility is a name such as "mail" or "local0"
   (ignored for stderr).  Returns 0 or -1 with TI_E_CONFIG. */
int log_open(enum log_target target, const char *facility, struct ti_err *err);
void log_close(void);

/* Map "mail", "daemon", "user", "local0".."local7" to LOG_*. -1 if none. */
int log_facility_from_name(const char *name);

/* Lines of lower priority than this are dropped (default LOG_INFO). */
void log_set_level(int priority);

/* Log one line.  fmt is a constant: never pass report text as a format. */
void log_emit(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Append s to out escaped for a key=value log line: bare when it is a
 * non-empty run of safe printable ASCII without space, '"', '\\' or '='
 * (letters, digits and ._-+@:/,;!%#*~^[]()<>); otherwise in double quotes
 * with \" \\ \n \r \t, \xNN (lower-case hex, one per byte) for other C0
 * and C1 controls, DEL and invalid UTF-8 bytes, and \u{XXXX} (upper-case)
 * for Unicode format characters (bidi overrides, zero-width) and line or
 * paragraph separators; other printable UTF-8 is kept.  At most max bytes
 * of s are used, never splitting a character, then "..." is appended
 * inside the quotes.  The empty string is "" and NULL is written as -.
 */
void log_esc(GString *out, const char *s, size_t max);

/* Append " key=value" with the value escaped by log_esc (max 256);
   nothing when value is NULL. */
void log_kv(GString *line, const char *key, const char *value);
void log_kv_int(GString *line, const char *key, int64_t value);

#endif
