/*
 * conf.c: read tlsrpt.conf(5), an INI-style file, with GLib's GKeyFile.
 *
 * Design rationale:
 * - One static table lists every group and key with its type and the
 *   field it sets, so that a new group (issue #4: [digest]) is a few
 *   table rows, and tlsrpt.conf(5) can be checked against it.
 * - Unknown groups and keys are errors: a typo such as "gunzip_size"
 *   must not silently leave a limit at its default.
 * - A file that exists but cannot be read is an error even when the file
 *   is optional: the admin meant something by it.
 * - The file is applied to a copy, which replaces *conf only when the
 *   whole file is good.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "log.h"

#ifndef TI_SYSCONFDIR
# error "TI_SYSCONFDIR must be defined (-DTI_SYSCONFDIR='\"/etc\"')"
#endif
#ifndef TI_LOCALSTATEDIR
# error "TI_LOCALSTATEDIR must be defined (-DTI_LOCALSTATEDIR='\"/var\"')"
#endif

#define CONF_FILE_MAX (1u << 20) /* a config file is a few hundred bytes */
#define DEADLINE_MAX 86400u
/* [metrics] reporters: the big senders of TLS reports, as they name
   themselves in organization-name */
#define METRICS_REPORTERS                                                      \
 "Google Inc.; Microsoft Corporation; Mail.ru" /* a day: more is surely a typo \
						*/

enum conf_type {
	CT_STRING, /* char *, must not be empty */
	CT_DIR, /* char *, empty means NULL (none) */
	CT_MS, /* int, 0..INT_MAX milliseconds */
	CT_SECONDS, /* unsigned, 0..DEADLINE_MAX */
	CT_TARGET, /* char *, "syslog" or "stderr" */
	CT_FACILITY, /* char *, a syslog facility name */
	CT_SIZE, /* size_t bytes, ti_parse_size, > 0 */
	CT_COUNT, /* size_t, plain positive integer */
	CT_COUNT0, /* size_t, plain integer, 0 allowed */
	CT_PERCENT, /* double, a per cent above 0, at most 100 */
	CT_FACTOR, /* double, 1 to 1000 */
	CT_PERIOD, /* char *, "day", "week" or "month" */
	CT_DKIM, /* char *, "verify", "authentication-results" or "off" */
	CT_DURATION, /* unsigned milliseconds: "90", "500ms", "30s", "15m",
			"4h", "2d" (no unit: seconds), at most 30 days */
	CT_BOOL, /* int: yes/no, true/false, on/off, 1/0 */
	CT_OPTSTR, /* char *, kept as written, "" included */
};

static const struct conf_key {
	const char *group;
	const char *key;
	enum conf_type type;
	size_t offset; /* of the field in struct ti_conf */
} conf_keys[] = {
	{ "store", "store", CT_STRING, offsetof(struct ti_conf, store) },
	{ "store", "busy-timeout", CT_MS,
	    offsetof(struct ti_conf, busy_timeout_ms) },
	{ "ingest", "archive", CT_DIR, offsetof(struct ti_conf, archive) },
	{ "ingest", "deadline", CT_SECONDS,
	    offsetof(struct ti_conf, deadline) },
	{ "log", "target", CT_TARGET, offsetof(struct ti_conf, log_target) },
	{ "log", "facility", CT_FACILITY,
	    offsetof(struct ti_conf, log_facility) },
	{ "log", "max-failure-lines", CT_COUNT0,
	    offsetof(struct ti_conf, max_failure_lines) },
	{ "limits", "message-size", CT_SIZE,
	    offsetof(struct ti_conf, limits.message_size) },
	{ "limits", "mime-depth", CT_COUNT,
	    offsetof(struct ti_conf, limits.mime_depth) },
	{ "limits", "mime-parts", CT_COUNT,
	    offsetof(struct ti_conf, limits.mime_parts) },
	{ "limits", "attachment-size", CT_SIZE,
	    offsetof(struct ti_conf, limits.attachment_size) },
	{ "limits", "gunzip-size", CT_SIZE,
	    offsetof(struct ti_conf, limits.gunzip_size) },
	{ "limits", "json-depth", CT_COUNT,
	    offsetof(struct ti_conf, limits.json_depth) },
	{ "limits", "policies", CT_COUNT,
	    offsetof(struct ti_conf, limits.policies) },
	{ "limits", "failure-details", CT_COUNT,
	    offsetof(struct ti_conf, limits.failure_details) },
	{ "limits", "string-length", CT_SIZE,
	    offsetof(struct ti_conf, limits.string_length) },
	{ "limits", "reports-per-mail", CT_COUNT,
	    offsetof(struct ti_conf, limits.reports_per_mail) },
	{ "digest", "to", CT_DIR, offsetof(struct ti_conf, digest_to) },
	{ "digest", "domain-to", CT_DIR,
	    offsetof(struct ti_conf, digest_domain_to) },
	{ "digest", "from", CT_DIR, offsetof(struct ti_conf, digest_from) },
	{ "digest", "subject", CT_STRING,
	    offsetof(struct ti_conf, digest_subject) },
	{ "digest", "period", CT_PERIOD,
	    offsetof(struct ti_conf, digest_period) },
	{ "digest", "noise-threshold", CT_PERCENT,
	    offsetof(struct ti_conf, noise_threshold) },
	{ "digest", "action-threshold", CT_PERCENT,
	    offsetof(struct ti_conf, action_threshold) },
	{ "digest", "enforce-days", CT_COUNT,
	    offsetof(struct ti_conf, enforce_days) },
	{ "digest", "enforce-reporters", CT_COUNT,
	    offsetof(struct ti_conf, enforce_reporters) },
	{ "digest", "silent-factor", CT_FACTOR,
	    offsetof(struct ti_conf, silent_factor) },
	{ "digest", "detail-domains", CT_COUNT0,
	    offsetof(struct ti_conf, digest_detail_domains) },
	{ "digest", "check", CT_BOOL, offsetof(struct ti_conf, digest_check) },
	{ "alert", "command", CT_DIR, offsetof(struct ti_conf, alert_command) },
	{ "alert", "threshold", CT_PERCENT,
	    offsetof(struct ti_conf, alert_threshold) },
	{ "alert", "period", CT_PERIOD,
	    offsetof(struct ti_conf, alert_period) },
	{ "alert", "timeout", CT_COUNT,
	    offsetof(struct ti_conf, alert_timeout) },
	{ "alert", "state", CT_DIR, offsetof(struct ti_conf, alert_state) },
	{ "trust", "dkim", CT_DKIM, offsetof(struct ti_conf, trust_dkim) },
	{ "trust", "authserv-id", CT_DIR,
	    offsetof(struct ti_conf, trust_authserv_ids) },
	{ "trust", "domains", CT_DIR, offsetof(struct ti_conf, trust_domains) },
	{ "trust", "grace", CT_DURATION,
	    offsetof(struct ti_conf, trust_grace_ms) },
	{ "trust", "count-unauthenticated", CT_BOOL,
	    offsetof(struct ti_conf, trust_count_unauthenticated) },
	{ "trust", "count-https", CT_BOOL,
	    offsetof(struct ti_conf, trust_count_https) },
	{ "dns", "resolver", CT_DIR, offsetof(struct ti_conf, dns_resolver) },
	{ "dns", "timeout", CT_DURATION,
	    offsetof(struct ti_conf, dns_timeout_ms) },
	{ "dns", "trust-anchor", CT_OPTSTR,
	    offsetof(struct ti_conf, dns_trust_anchor) },
	{ "tls", "ca-file", CT_DIR, offsetof(struct ti_conf, tls_ca_file) },
	{ "metrics", "file", CT_DIR, offsetof(struct ti_conf, metrics_file) },
	{ "metrics", "reporters", CT_OPTSTR,
	    offsetof(struct ti_conf, metrics_reporters) },
};

const char *
conf_default_path(void)
{
	return TI_SYSCONFDIR "/tlsrpt/tlsrpt.conf";
}

const char *
conf_path(const char *option, int *must_exist)
{
	const char *env = getenv("TLSRPT_CONFIG");

	*must_exist = 1;
	if (option != NULL)
		return option;
	if (env != NULL && *env != '\0')
		return env;
	*must_exist = 0;
	return conf_default_path();
}

const char *
conf_default_store(void)
{
	return TI_LOCALSTATEDIR "/lib/tlsrpt/reports.db";
}

void
conf_init(struct ti_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->store = g_strdup(conf_default_store());
	conf->busy_timeout_ms = 5000;
	conf->archive = NULL;
	conf->deadline = 30;
	conf->log_target = g_strdup("syslog");
	conf->log_facility = g_strdup("mail");
	conf->max_failure_lines = 100;
	ti_limits_default(&conf->limits);
	conf->digest_subject = g_strdup("TLS report");
	conf->digest_period = g_strdup("week");
	conf->noise_threshold = 1.0;
	conf->action_threshold = 5.0;
	conf->enforce_days = 14;
	conf->enforce_reporters = 2;
	conf->silent_factor = 3.0;
	conf->digest_detail_domains = 20;
	conf->alert_threshold = 5.0;
	conf->alert_period = g_strdup("day");
	conf->alert_timeout = 10;
	conf->trust_dkim = g_strdup("verify");
	conf->trust_grace_ms = 4 * 3600 * 1000u;
	conf->trust_count_https = 1;
	conf->dns_timeout_ms = 5000;
	conf->metrics_reporters = g_strdup(METRICS_REPORTERS);
}

char **
conf_words(const char *text, char *(*word)(const char *))
{
	GPtrArray *v;
	char **words;

	if (text == NULL)
		return NULL;
	v = g_ptr_array_new();
	words = g_strsplit_set(text, " \t,", -1);
	for (char **w = words; *w != NULL; w++) {
		char *one = **w == '\0' ? NULL
		    : word != NULL      ? word(*w)
					: g_strdup(*w);

		if (one != NULL)
			g_ptr_array_add(v, one);
	}
	g_strfreev(words);
	if (v->len == 0) {
		g_ptr_array_free(v, TRUE);
		return NULL;
	}
	g_ptr_array_add(v, NULL);
	return (char **)g_ptr_array_free(v, FALSE);
}

void
conf_set(char **field, const char *value)
{
	char *copy = g_strdup(value); /* value may be *field itself */

	g_free(*field);
	*field = copy;
}

void
conf_clear(struct ti_conf *conf)
{
	conf_set(&conf->path, NULL);
	conf_set(&conf->store, NULL);
	conf_set(&conf->archive, NULL);
	conf_set(&conf->log_target, NULL);
	conf_set(&conf->log_facility, NULL);
	conf_set(&conf->digest_to, NULL);
	conf_set(&conf->digest_domain_to, NULL);
	conf_set(&conf->digest_from, NULL);
	conf_set(&conf->digest_subject, NULL);
	conf_set(&conf->digest_period, NULL);
	conf_set(&conf->alert_command, NULL);
	conf_set(&conf->alert_period, NULL);
	conf_set(&conf->alert_state, NULL);
	conf_set(&conf->trust_dkim, NULL);
	conf_set(&conf->trust_authserv_ids, NULL);
	conf_set(&conf->trust_domains, NULL);
	conf_set(&conf->dns_resolver, NULL);
	conf_set(&conf->dns_trust_anchor, NULL);
	conf_set(&conf->tls_ca_file, NULL);
	conf_set(&conf->metrics_file, NULL);
	conf_set(&conf->metrics_reporters, NULL);
}

/* A deep copy of the string fields. */
static void
conf_copy(struct ti_conf *dst, const struct ti_conf *src)
{
	*dst = *src;
	dst->path = g_strdup(src->path);
	dst->store = g_strdup(src->store);
	dst->archive = g_strdup(src->archive);
	dst->log_target = g_strdup(src->log_target);
	dst->log_facility = g_strdup(src->log_facility);
	dst->digest_to = g_strdup(src->digest_to);
	dst->digest_domain_to = g_strdup(src->digest_domain_to);
	dst->digest_from = g_strdup(src->digest_from);
	dst->digest_subject = g_strdup(src->digest_subject);
	dst->digest_period = g_strdup(src->digest_period);
	dst->alert_command = g_strdup(src->alert_command);
	dst->alert_period = g_strdup(src->alert_period);
	dst->alert_state = g_strdup(src->alert_state);
	dst->trust_dkim = g_strdup(src->trust_dkim);
	dst->trust_authserv_ids = g_strdup(src->trust_authserv_ids);
	dst->trust_domains = g_strdup(src->trust_domains);
	dst->dns_resolver = g_strdup(src->dns_resolver);
	dst->dns_trust_anchor = g_strdup(src->dns_trust_anchor);
	dst->tls_ca_file = g_strdup(src->tls_ca_file);
	dst->metrics_file = g_strdup(src->metrics_file);
	dst->metrics_reporters = g_strdup(src->metrics_reporters);
}

static const struct conf_key *
conf_find(const char *group, const char *key)
{
	size_t i;

	for (i = 0; i < nitems(conf_keys); i++)
		if (strcmp(conf_keys[i].group, group) == 0 &&
		    (key == NULL || strcmp(conf_keys[i].key, key) == 0))
			return &conf_keys[i];
	return NULL;
}

/* A value or name for an error message: printable, at most 64 chars. */
static char *
shown(const char *s)
{
	char *e = g_strescape(s, NULL);

	if (strlen(e) > 64)
		strcpy(e + 61, "...");
	return e;
}

static int
bad_value(struct ti_err *err, const char *path, const struct conf_key *k,
    const char *what, const char *value)
{
	char *v = shown(value);

	ti_err_set(err, TI_E_CONFIG, "%s: [%s] %s: %s: '%s'", path, k->group,
	    k->key, what, v);
	g_free(v);
	return -1;
}

/* Parse a plain decimal number ("5", "0.5") in (min, max], or in
   [min, max] with min_incl; no sign, no exponent, no junk. */
static int
parse_double(const char *s, double min, int min_incl, double max, double *out)
{
	char *end;
	double d;

	if (!g_ascii_isdigit(*s) || strspn(s, "0123456789.") != strlen(s))
		return -1;
	d = g_ascii_strtod(s, &end);
	if (*end != '\0' || !(d <= max) || d < min || (!min_incl && d == min))
		return -1;
	*out = d;
	return 0;
}

#define DKIM_MODES "not verify, authentication-results or off"

/* A [trust] dkim value. */
static int
dkim_mode_ok(const char *v)
{
	return strcmp(v, "verify") == 0 ||
	    strcmp(v, "authentication-results") == 0 || strcmp(v, "off") == 0;
}

/* "90" (seconds), "500ms", "30s", "15m", "4h", "2d" into milliseconds,
   at most 30 days. */
static int
parse_duration(const char *s, unsigned *out)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 } };
	const uint64_t max = 30 * 86400000ull;
	size_t digits = strspn(s, "0123456789");
	char num[24];
	uint64_t n;

	if (digits == 0 || digits >= sizeof(num))
		return -1;
	memcpy(num, s, digits);
	num[digits] = '\0';
	if (!g_ascii_string_to_unsigned(num, 10, 0, max, &n, NULL))
		return -1;
	for (size_t i = 0; i < nitems(units); i++)
		if (strcmp(s + digits, units[i].unit) == 0) {
			if (n > max / units[i].ms)
				return -1;
			*out = (unsigned)(n * units[i].ms);
			return 0;
		}
	return -1;
}

/* Parse a plain decimal in [min, max]; no sign, no suffix, no junk. */
static int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!g_ascii_isdigit(*s))
		return -1;
	return g_ascii_string_to_unsigned(s, 10, min, max, out, NULL) ? 0 : -1;
}

static int
conf_apply(struct ti_conf *conf, const char *path, GKeyFile *kf,
    const struct conf_key *k, struct ti_err *err)
{
	char *base = (char *)conf + k->offset;
	char **sp = (char **)(void *)base;
	GError *gerr = NULL;
	char *raw, *v;
	uint64_t u;
	size_t size;
	int rc = -1;

	/* On a bad escape GLib returns a value and sets gerr: check both.
	   Its message would quote the raw bytes: show them escaped. */
	raw = g_key_file_get_string(kf, k->group, k->key, &gerr);
	if (raw == NULL || gerr != NULL) {
		g_clear_error(&gerr);
		g_free(raw);
		raw = g_key_file_get_value(kf, k->group, k->key, NULL);
		bad_value(err, path, k,
		    "not valid text (invalid UTF-8 or a bad \\ escape)",
		    raw ? raw : "");
		g_free(raw);
		return -1;
	}
	v = g_strstrip(raw);

	switch (k->type) {
	case CT_STRING:
		if (*v == '\0') {
			bad_value(err, path, k, "must not be empty", v);
			break;
		}
		conf_set(sp, v);
		rc = 0;
		break;
	case CT_DIR:
		conf_set(sp, *v == '\0' ? NULL : v);
		rc = 0;
		break;
	case CT_MS:
		if (parse_uint(v, 0, INT_MAX, &u) == -1) {
			bad_value(err, path, k, "not a number of milliseconds",
			    v);
			break;
		}
		*(int *)(void *)base = (int)u;
		rc = 0;
		break;
	case CT_SECONDS:
		if (parse_uint(v, 0, DEADLINE_MAX, &u) == -1) {
			bad_value(err, path, k,
			    "not a number of seconds from 0 to 86400", v);
			break;
		}
		*(unsigned *)(void *)base = (unsigned)u;
		rc = 0;
		break;
	case CT_TARGET:
		if (g_ascii_strcasecmp(v, "syslog") != 0 &&
		    g_ascii_strcasecmp(v, "stderr") != 0) {
			bad_value(err, path, k, "not syslog or stderr", v);
			break;
		}
		conf_set(sp, NULL);
		*sp = g_ascii_strdown(v, -1);
		rc = 0;
		break;
	case CT_FACILITY:
		if (log_facility_from_name(v) == -1) {
			bad_value(err, path, k,
			    "not a syslog facility (mail, daemon, user, "
			    "local0 to local7)",
			    v);
			break;
		}
		conf_set(sp, NULL);
		*sp = g_ascii_strdown(v, -1);
		rc = 0;
		break;
	case CT_SIZE:
		if (ti_parse_size(v, &size) == -1 || size == 0) {
			bad_value(err, path, k, "not a size", v);
			break;
		}
		*(size_t *)(void *)base = size;
		rc = 0;
		break;
	case CT_COUNT:
		if (parse_uint(v, 1, SIZE_MAX, &u) == -1) {
			bad_value(err, path, k, "not a positive integer", v);
			break;
		}
		*(size_t *)(void *)base = (size_t)u;
		rc = 0;
		break;
	case CT_COUNT0:
		if (parse_uint(v, 0, SIZE_MAX, &u) == -1) {
			bad_value(err, path, k, "not a non-negative integer",
			    v);
			break;
		}
		*(size_t *)(void *)base = (size_t)u;
		rc = 0;
		break;
	case CT_PERCENT:
		if (parse_double(v, 0, 0, 100, (double *)(void *)base) == -1) {
			bad_value(err, path, k,
			    "not a per cent above 0 and at most 100", v);
			break;
		}
		rc = 0;
		break;
	case CT_FACTOR:
		if (parse_double(v, 1, 1, 1000, (double *)(void *)base) == -1) {
			bad_value(err, path, k, "not a number from 1 to 1000",
			    v);
			break;
		}
		rc = 0;
		break;
	case CT_PERIOD:
		if (strcmp(v, "day") != 0 && strcmp(v, "week") != 0 &&
		    strcmp(v, "month") != 0) {
			bad_value(err, path, k, "not day, week or month", v);
			break;
		}
		conf_set(sp, v);
		rc = 0;
		break;
	case CT_DKIM:
		if (!dkim_mode_ok(v)) {
			bad_value(err, path, k, DKIM_MODES, v);
			break;
		}
		conf_set(sp, v);
		rc = 0;
		break;
	case CT_DURATION:
		if (parse_duration(v, (unsigned *)(void *)base) == -1) {
			bad_value(err, path, k,
			    "not a duration such as 30s, 15m, 4h or 2d (at "
			    "most 30 days)",
			    v);
			break;
		}
		rc = 0;
		break;
	case CT_BOOL:
		if (g_ascii_strcasecmp(v, "yes") == 0 ||
		    g_ascii_strcasecmp(v, "true") == 0 ||
		    g_ascii_strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
			*(int *)(void *)base = 1;
		else if (g_ascii_strcasecmp(v, "no") == 0 ||
		    g_ascii_strcasecmp(v, "false") == 0 ||
		    g_ascii_strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0)
			*(int *)(void *)base = 0;
		else {
			bad_value(err, path, k, "not yes or no", v);
			break;
		}
		rc = 0;
		break;
	case CT_OPTSTR:
		conf_set(sp, v);
		rc = 0;
		break;
	}
	g_free(raw);
	return rc;
}

/* Read the whole file; errors name the file and the system error. */
static char *
conf_read(const char *path, int must_exist, size_t *len, int *missing,
    struct ti_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd;

	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT && !must_exist) {
			*missing = 1;
			return NULL;
		}
		ti_err_set(err, TI_E_CONFIG, "cannot read %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		ti_err_set(err, TI_E_CONFIG, "cannot read %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ti_err_set(err, TI_E_CONFIG,
		    "cannot read %s: not a regular file", path);
		goto fail;
	}
	buf = g_malloc(CONF_FILE_MAX + 1);
	for (;;) {
		r = read(fd, buf + n, CONF_FILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			ti_err_set(err, TI_E_CONFIG, "cannot read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > CONF_FILE_MAX) {
			ti_err_set(err, TI_E_CONFIG,
			    "cannot read %s: larger than %u bytes", path,
			    CONF_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	g_free(buf);
	close(fd);
	return NULL;
}

/* [trust]: authserv-id names the local MTA's verdict to trust, which is
   what dkim = authentication-results means; each needs the other. */
static int
conf_check_trust(struct ti_conf *c, const char *path, struct ti_err *err)
{
	if (c->trust_authserv_ids != NULL && strcmp(c->trust_dkim, "off") == 0)
		return ti_err_set(err, TI_E_CONFIG,
		    "%s: [trust] authserv-id is set but dkim = off", path);
	if (c->trust_authserv_ids != NULL)
		conf_set(&c->trust_dkim, "authentication-results");
	if (strcmp(c->trust_dkim, "authentication-results") == 0 &&
	    c->trust_authserv_ids == NULL)
		return ti_err_set(err, TI_E_CONFIG,
		    "%s: [trust] dkim = authentication-results needs "
		    "authserv-id, the local MTA's name in its "
		    "Authentication-Results header",
		    path);
	return 0;
}

int
conf_set_dkim(struct ti_conf *conf, const char *mode, struct ti_err *err)
{
	if (!dkim_mode_ok(mode))
		return ti_err_set(err, TI_E_CONFIG, "dkim: %s: '%s'",
		    DKIM_MODES, mode);
	if (strcmp(mode, "authentication-results") == 0 &&
	    conf->trust_authserv_ids == NULL)
		return ti_err_set(err, TI_E_CONFIG,
		    "dkim: authentication-results needs [trust] authserv-id");
	conf_set(&conf->trust_dkim, mode);
	return 0;
}

int
conf_load(struct ti_conf *conf, const char *path, int must_exist,
    struct ti_err *err)
{
	struct ti_conf next;
	GKeyFile *kf = NULL;
	GError *gerr = NULL;
	char **groups = NULL, **keys = NULL, *data, *name;
	size_t len = 0, i, j;
	int missing, rc = -1;

	if (path == NULL)
		return ti_err_set(err, TI_E_BUG, "conf_load: no path");
	if ((data = conf_read(path, must_exist, &len, &missing, err)) == NULL)
		return missing ? 0 : -1;

	conf_copy(&next, conf);
	kf = g_key_file_new();
	/* KEEP_TRANSLATIONS: else "key[de]" vanishes instead of failing. */
	if (!g_key_file_load_from_data(kf, data, len,
		G_KEY_FILE_KEEP_TRANSLATIONS, &gerr)) {
		ti_err_set(err, TI_E_CONFIG, "%s: %s", path, gerr->message);
		g_error_free(gerr);
		goto out;
	}
	groups = g_key_file_get_groups(kf, NULL);
	for (i = 0; groups[i] != NULL; i++) {
		if (conf_find(groups[i], NULL) == NULL) {
			name = shown(groups[i]);
			ti_err_set(err, TI_E_CONFIG, "%s: unknown group [%s]",
			    path, name);
			g_free(name);
			goto out;
		}
		keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
		for (j = 0; keys != NULL && keys[j] != NULL; j++) {
			const struct conf_key *k =
			    conf_find(groups[i], keys[j]);

			if (k == NULL) {
				name = shown(keys[j]);
				ti_err_set(err, TI_E_CONFIG,
				    "%s: [%s] unknown key '%s'", path,
				    groups[i], name);
				g_free(name);
				goto out;
			}
			if (conf_apply(&next, path, kf, k, err) == -1)
				goto out;
		}
		g_strfreev(keys);
		keys = NULL;
	}
	if (conf_check_trust(&next, path, err) == -1)
		goto out;
	conf_set(&next.path, path);
	conf_clear(conf);
	*conf = next;
	memset(&next, 0, sizeof(next));
	rc = 0;
out:
	conf_clear(&next);
	g_strfreev(keys);
	g_strfreev(groups);
	g_key_file_free(kf);
	g_free(data);
	return rc;
}
