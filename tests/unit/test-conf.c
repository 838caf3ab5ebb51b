/*
 * test-conf.c: tlsrpt.conf(5) defaults, every key, every bad value, and
 * the missing or unreadable file.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "config.h"
#include "ti.h"
#include "conf.h"
#include "tap.h"

static char *dir;

/* Write text to dir/name; return the path (g_free it). */
static char *
put(const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);

	if (!g_file_set_contents(path, text, -1, NULL)) {
		printf("Bail out! cannot write %s\n", path);
		exit(99);
	}
	return path;
}

/* Load text as a config; return conf_load's result, conf and err filled. */
static int
load(const char *text, struct ti_conf *conf, struct ti_err *err)
{
	char *path = put("t.conf", text);
	int rc;

	conf_init(conf);
	ti_err_clear(err);
	rc = conf_load(conf, path, 1, err);
	unlink(path);
	g_free(path);
	return rc;
}

static void
test_defaults(void)
{
	struct ti_conf c;
	struct ti_limits l;

	conf_init(&c);
	ti_limits_default(&l);
	ok(c.path == NULL, "default: no path");
	ok(strcmp(c.store, TI_LOCALSTATEDIR "/lib/tlsrpt/reports.db") == 0,
	    "default store %s", c.store);
	ok(strcmp(conf_default_store(), c.store) == 0, "conf_default_store");
	ok(strcmp(conf_default_path(), TI_SYSCONFDIR "/tlsrpt/tlsrpt.conf") ==
		0,
	    "conf_default_path %s", conf_default_path());
	ok(c.busy_timeout_ms == 5000, "default busy-timeout");
	ok(c.archive == NULL, "default archive none");
	ok(c.deadline == 30, "default deadline");
	ok(strcmp(c.log_target, "syslog") == 0, "default target");
	ok(strcmp(c.log_facility, "mail") == 0, "default facility");
	ok(c.max_failure_lines == 100, "default max-failure-lines");
	ok(memcmp(&c.limits, &l, sizeof(l)) == 0, "default limits");
	conf_clear(&c);
	ok(c.store == NULL && c.log_target == NULL, "conf_clear frees");
	conf_clear(&c);
	ok(1, "conf_clear twice is safe");
}

static void
test_full(void)
{
	struct ti_conf c;
	struct ti_err err;
	int rc;

	rc = load("# every key\n"
		  "[store]\n"
		  "store = sqlite:/srv/tlsrpt/r.db\n"
		  "busy-timeout = 2500\n"
		  "\n"
		  "[ingest]\n"
		  "archive = /srv/tlsrpt/Maildir\n"
		  "deadline = 8\n"
		  "[log]\n"
		  "target = STDERR\n"
		  "facility = Local5\n"
		  "max-failure-lines = 2500\n"
		  "[limits]\n"
		  "message-size = 10M\n"
		  "mime-depth = 8\n"
		  "mime-parts = 100\n"
		  "attachment-size = 512k\n"
		  "gunzip-size = 1G\n"
		  "json-depth = 20\n"
		  "policies = 50\n"
		  "failure-details = 2000\n"
		  "string-length = 1024\n"
		  "reports-per-mail = 4\n",
	    &c, &err);
	ok(rc == 0, "full file loads: %s", err.msg);
	ok(c.path != NULL && g_str_has_suffix(c.path, "/t.conf"),
	    "path recorded");
	ok(strcmp(c.store, "sqlite:/srv/tlsrpt/r.db") == 0, "store");
	ok(c.busy_timeout_ms == 2500, "busy-timeout");
	ok(c.archive && strcmp(c.archive, "/srv/tlsrpt/Maildir") == 0,
	    "archive");
	ok(c.deadline == 8, "deadline");
	ok(strcmp(c.log_target, "stderr") == 0, "target lower-cased");
	ok(strcmp(c.log_facility, "local5") == 0, "facility lower-cased");
	ok(c.max_failure_lines == 2500, "max-failure-lines");
	ok(c.limits.message_size == 10u << 20, "message-size 10M");
	ok(c.limits.mime_depth == 8, "mime-depth");
	ok(c.limits.mime_parts == 100, "mime-parts");
	ok(c.limits.attachment_size == 512u << 10, "attachment-size 512k");
	ok(c.limits.gunzip_size == (size_t)1 << 30, "gunzip-size 1G");
	ok(c.limits.json_depth == 20, "json-depth");
	ok(c.limits.policies == 50, "policies");
	ok(c.limits.failure_details == 2000, "failure-details");
	ok(c.limits.string_length == 1024, "string-length");
	ok(c.limits.reports_per_mail == 4, "reports-per-mail");
	conf_clear(&c);

	/* Keys absent from the file keep their defaults. */
	rc = load("[limits]\npolicies = 7\n", &c, &err);
	ok(rc == 0 && c.limits.policies == 7 && c.limits.mime_depth == 16 &&
		c.deadline == 30 && strcmp(c.log_target, "syslog") == 0,
	    "partial file keeps the other defaults");
	conf_clear(&c);

	rc = load("# comment\n[limits]\n  gunzip-size =   16M   \n"
		  "# other comment\n[limits]\njson-depth=3\n",
	    &c, &err);
	ok(rc == 0 && c.limits.gunzip_size == 16u << 20 &&
		c.limits.json_depth == 3,
	    "spaces around values, comments, a repeated group: %s", err.msg);
	conf_clear(&c);

	rc = load("", &c, &err);
	ok(rc == 0 && strcmp(c.store, conf_default_store()) == 0,
	    "empty file is fine");
	conf_clear(&c);

	rc = load("[ingest]\narchive =\ndeadline = 0\n", &c, &err);
	ok(rc == 0 && c.archive == NULL && c.deadline == 0,
	    "empty archive is none, deadline 0 is none");
	conf_clear(&c);

	rc = load("[log]\nmax-failure-lines = 0\n", &c, &err);
	ok(rc == 0 && c.max_failure_lines == 0,
	    "max-failure-lines 0 (no failure lines): %s", err.msg);
	conf_clear(&c);

	rc = load("[store]\nstore = postgresql://tlsrpt@db/tlsrpt\n"
		  "busy-timeout = 0\n[log]\ntarget=syslog\nfacility=daemon\n",
	    &c, &err);
	ok(rc == 0 && strcmp(c.store, "postgresql://tlsrpt@db/tlsrpt") == 0 &&
		c.busy_timeout_ms == 0 && strcmp(c.log_facility, "daemon") == 0,
	    "postgresql store, busy-timeout 0, no spaces around =");
	conf_clear(&c);
}

static const struct {
	const char *label;
	const char *text;
	const char *want; /* substring of the error message */
} bad[] = {
	{ "size junk", "[limits]\ngunzip-size = abc\n",
	    "[limits] gunzip-size: not a size: 'abc'" },
	{ "size zero", "[limits]\nmessage-size = 0\n",
	    "[limits] message-size: not a size: '0'" },
	{ "size negative", "[limits]\nattachment-size = -5\n",
	    "attachment-size: not a size: '-5'" },
	{ "size bad suffix", "[limits]\nstring-length = 4T\n",
	    "string-length: not a size: '4T'" },
	{ "size suffix only", "[limits]\ngunzip-size = M\n",
	    "not a size: 'M'" },
	{ "size overflow", "[limits]\ngunzip-size = 99999999999999999999G\n",
	    "not a size" },
	{ "size with space", "[limits]\ngunzip-size = 1 M\n",
	    "not a size: '1 M'" },
	{ "count zero", "[limits]\nmime-depth = 0\n",
	    "[limits] mime-depth: not a positive integer: '0'" },
	{ "count negative", "[limits]\npolicies = -1\n",
	    "policies: not a positive integer: '-1'" },
	{ "count plus sign", "[limits]\npolicies = +1\n",
	    "not a positive integer: '+1'" },
	{ "count suffix", "[limits]\nfailure-details = 10k\n",
	    "failure-details: not a positive integer: '10k'" },
	{ "count junk", "[limits]\nreports-per-mail = many\n",
	    "reports-per-mail: not a positive integer" },
	{ "count hex", "[limits]\njson-depth = 0x10\n",
	    "json-depth: not a positive integer" },
	{ "count empty", "[limits]\nmime-parts =\n",
	    "mime-parts: not a positive integer: ''" },
	{ "max-failure-lines negative", "[log]\nmax-failure-lines = -1\n",
	    "[log] max-failure-lines: not a non-negative integer: '-1'" },
	{ "max-failure-lines junk", "[log]\nmax-failure-lines = all\n",
	    "max-failure-lines: not a non-negative integer: 'all'" },
	{ "max-failure-lines empty", "[log]\nmax-failure-lines =\n",
	    "max-failure-lines: not a non-negative integer: ''" },
	{ "busy-timeout junk", "[store]\nbusy-timeout = 5s\n",
	    "[store] busy-timeout: not a number of milliseconds: '5s'" },
	{ "busy-timeout too big", "[store]\nbusy-timeout = 9999999999\n",
	    "busy-timeout: not a number of milliseconds" },
	{ "deadline negative", "[ingest]\ndeadline = -1\n",
	    "[ingest] deadline: not a number of seconds" },
	{ "deadline too big", "[ingest]\ndeadline = 86401\n",
	    "deadline: not a number of seconds" },
	{ "empty store", "[store]\nstore =\n",
	    "[store] store: must not be empty" },
	{ "bad target", "[log]\ntarget = file\n",
	    "[log] target: not syslog or stderr: 'file'" },
	{ "bad facility", "[log]\nfacility = auth\n",
	    "[log] facility: not a syslog facility" },
	{ "facility local8", "[log]\nfacility = local8\n",
	    "not a syslog facility" },
	{ "percent zero", "[digest]\nnoise-threshold = 0\n",
	    "[digest] noise-threshold: not a per cent above 0 and at most "
	    "100" },
	{ "percent over 100", "[alert]\nthreshold = 100.5\n",
	    "[alert] threshold: not a per cent" },
	{ "percent sign", "[digest]\naction-threshold = 5%\n",
	    "action-threshold: not a per cent" },
	{ "percent exponent", "[digest]\naction-threshold = 1e1\n",
	    "not a per cent" },
	{ "percent negative", "[digest]\naction-threshold = -1\n",
	    "not a per cent" },
	{ "factor below 1", "[digest]\nsilent-factor = 0.5\n",
	    "[digest] silent-factor: not a number from 1 to 1000" },
	{ "bad period", "[digest]\nperiod = fortnight\n",
	    "[digest] period: not day, week or month: 'fortnight'" },
	{ "alert period case", "[alert]\nperiod = Day\n",
	    "[alert] period: not day, week or month" },
	{ "enforce-days zero", "[digest]\nenforce-days = 0\n",
	    "enforce-days: not a positive integer" },
	{ "alert timeout zero", "[alert]\ntimeout = 0\n",
	    "[alert] timeout: not a positive integer" },
	{ "empty subject", "[digest]\nsubject =\n",
	    "[digest] subject: must not be empty" },
	{ "unknown key", "[limits]\ngunzip_size = 1M\n",
	    "[limits] unknown key 'gunzip_size'" },
	{ "key in wrong group", "[store]\ndeadline = 5\n",
	    "[store] unknown key 'deadline'" },
	{ "localized key", "[log]\ntarget[de] = syslog\n",
	    "unknown key 'target[de]'" },
	{ "unknown group", "[report]\nto = x\n", "unknown group [report]" },
	{ "group case", "[Store]\nstore = x\n", "unknown group [Store]" },
	{ "key before group", "store = x\n", "t.conf: " },
	{ "not key=value", "[store]\nthis is not a key\n", "t.conf: " },
	{ "unterminated group", "[store\n", "t.conf: " },
	{ "invalid UTF-8 value", "[store]\nstore = \xff\xfe\n",
	    "[store] store: not valid text" },
	{ "bad escape", "[store]\nstore = a\\qb\n",
	    "[store] store: not valid text (invalid UTF-8 or a bad \\ escape): "
	    "'a\\\\qb'" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < nitems(bad); i++) {
		struct ti_conf c;
		struct ti_err err;
		int rc = load(bad[i].text, &c, &err);

		ok(rc == -1 && err.status == TI_E_CONFIG &&
			strstr(err.msg, bad[i].want) != NULL &&
			strstr(err.msg, "t.conf") != NULL,
		    "bad: %s: %s", bad[i].label, err.msg);
		/* a failed load leaves conf as it was */
		ok(c.path == NULL &&
			strcmp(c.store, conf_default_store()) == 0 &&
			c.limits.mime_depth == 16,
		    "bad: %s: conf untouched", bad[i].label);
		conf_clear(&c);
	}
}

/* In a child: become nobody and expect the unreadable file refused. */
static int
load_as_nobody(const void *path)
{
	struct ti_conf c;
	struct ti_err err = { 0 };
	int good;

	if (setgid(65534) == -1 || setuid(65534) == -1)
		return 77;
	conf_init(&c);
	good = conf_load(&c, path, 0, &err) == -1 &&
	    err.status == TI_E_CONFIG &&
	    strstr(err.msg, "Permission denied") != NULL;
	conf_clear(&c);
	return good ? 0 : 1;
}

static void
test_files(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };
	char *missing = g_build_filename(dir, "absent.conf", NULL);
	char *path;

	conf_init(&c);
	ok(conf_load(&c, missing, 0, &err) == 0 && c.path == NULL &&
		err.status == TI_OK,
	    "missing optional file: 0, no path");
	ok(conf_load(&c, missing, 1, &err) == -1 && err.status == TI_E_CONFIG &&
		g_str_has_prefix(err.msg, "cannot read ") &&
		g_str_has_suffix(err.msg,
		    "absent.conf: No such file or directory"),
	    "missing required file: %s", err.msg);
	ti_err_clear(&err);

	ok(conf_load(&c, dir, 0, &err) == -1 && err.status == TI_E_CONFIG &&
		strstr(err.msg, "not a regular file") != NULL,
	    "a directory: %s", err.msg);
	ti_err_clear(&err);

	path = put("unreadable.conf", "[store]\nstore = x\n");
	chmod(path, 0);
	if (access(path, R_OK) == 0) {
		/* root reads anything: try as nobody in a child instead */
		int rc = tap_fork(load_as_nobody, path);

		if (rc == 77)
			ok(1, "# SKIP unreadable file: cannot become nobody");
		else
			ok(rc == 0,
			    "unreadable optional file is an error (as nobody)");
		ok(1, "# SKIP unreadable required file: running as root");
	} else {
		ok(conf_load(&c, path, 0, &err) == -1 &&
			err.status == TI_E_CONFIG &&
			strstr(err.msg, "Permission denied") != NULL,
		    "unreadable optional file is an error: %s", err.msg);
		ti_err_clear(&err);
		ok(conf_load(&c, path, 1, &err) == -1 &&
			err.status == TI_E_CONFIG,
		    "unreadable required file is an error");
		ti_err_clear(&err);
	}
	unlink(path);
	g_free(path);

	/* Two files in turn: the second overrides the first. */
	path = put("a.conf", "[ingest]\narchive = /a\ndeadline = 5\n");
	ok(conf_load(&c, path, 1, &err) == 0, "first file");
	g_free(path);
	path = put("b.conf", "[ingest]\ndeadline = 6\n");
	ok(conf_load(&c, path, 1, &err) == 0 && c.deadline == 6 &&
		strcmp(c.archive, "/a") == 0 &&
		g_str_has_suffix(c.path, "b.conf"),
	    "second file overrides and keeps the rest");
	unlink(path);
	g_free(path);
	path = g_build_filename(dir, "a.conf", NULL);
	unlink(path);
	g_free(path);

	/* conf_set, as main() does for command-line options */
	conf_set(&c.store, "/tmp/x.db");
	ok(strcmp(c.store, "/tmp/x.db") == 0, "conf_set replaces");
	conf_set(&c.store, c.store);
	ok(strcmp(c.store, "/tmp/x.db") == 0, "conf_set with itself");
	conf_set(&c.archive, NULL);
	ok(c.archive == NULL, "conf_set NULL clears");
	conf_clear(&c);
	g_free(missing);
}

/* The [digest] and [alert] groups (issue #4). */
static void
test_digest(void)
{
	struct ti_conf c;
	struct ti_err err;

	ok(load("[digest]\n"
		"to = \"Post Master\" <pm@example.org>, ops@example.org\n"
		"from = tlsrpt@example.org\n"
		"subject = [TLS] report\n"
		"period = month\n"
		"noise-threshold = 0.5\n"
		"action-threshold = 2.5\n"
		"enforce-days = 21\n"
		"enforce-reporters = 3\n"
		"silent-factor = 4.5\n"
		"detail-domains = 0\n"
		"check = yes\n"
		"[alert]\n"
		"command = /usr/local/bin/alert --mail \"a b\"\n"
		"threshold = 10\n"
		"period = week\n"
		"timeout = 30\n"
		"state = /srv/tlsrpt/alerts\n",
	       &c, &err) == 0,
	    "[digest] and [alert] load: %s", err.msg);
	ok(strcmp(c.digest_to,
	       "\"Post Master\" <pm@example.org>, "
	       "ops@example.org") == 0 &&
		strcmp(c.digest_from, "tlsrpt@example.org") == 0 &&
		strcmp(c.digest_subject, "[TLS] report") == 0 &&
		strcmp(c.digest_period, "month") == 0,
	    "[digest] strings");
	ok(c.noise_threshold == 0.5 && c.action_threshold == 2.5 &&
		c.enforce_days == 21 && c.enforce_reporters == 3 &&
		c.silent_factor == 4.5 && c.digest_detail_domains == 0 &&
		c.digest_check == 1,
	    "[digest] numbers and check");
	ok(strcmp(c.alert_command, "/usr/local/bin/alert --mail \"a b\"") ==
		    0 &&
		c.alert_threshold == 10 &&
		strcmp(c.alert_period, "week") == 0 && c.alert_timeout == 30 &&
		strcmp(c.alert_state, "/srv/tlsrpt/alerts") == 0,
	    "[alert]");
	conf_clear(&c);
	ok(load("[digest]\nto =\n[alert]\ncommand =\nthreshold = 100\n", &c,
	       &err) == 0 &&
		c.digest_to == NULL && c.alert_command == NULL &&
		c.alert_threshold == 100,
	    "empty to and command: none; 100%% allowed");
	conf_clear(&c);
}

/* [trust] and [dns]: values, durations, and the keys that need each
   other. */
static void
test_trust(void)
{
	static const struct {
		const char *text, *want; /* want: part of the error, or NULL */
	} wrong[] = {
		{ "[trust]\ndkim = maybe\n",
		    "[trust] dkim: not verify, authentication-results or off" },
		{ "[trust]\ngrace = 4x\n", "[trust] grace: not a duration" },
		{ "[trust]\ngrace = 31d\n", "at most 30 days" },
		{ "[trust]\ngrace = -1\n", "not a duration" },
		{ "[trust]\ngrace = h\n", "not a duration" },
		{ "[trust]\ncount-unauthenticated = perhaps\n",
		    "not yes or no" },
		{ "[trust]\ncount-https = 2\n",
		    "[trust] count-https: not yes or no" },
		{ "[trust]\ndkim = authentication-results\n",
		    "needs authserv-id" },
		{ "[trust]\ndkim = off\nauthserv-id = mx.example.com\n",
		    "authserv-id is set but dkim = off" },
		{ "[dns]\ntimeout = 5 s\n", "[dns] timeout: not a duration" },
		{ "[trust]\nbogus = 1\n", "unknown key" },
	};
	struct ti_conf c, d;
	struct ti_err err;

	conf_init(&d);
	ok(strcmp(d.trust_dkim, "verify") == 0 &&
		d.trust_grace_ms == 14400000 &&
		!d.trust_count_unauthenticated && d.trust_count_https &&
		d.trust_domains == NULL && d.dns_resolver == NULL &&
		d.dns_timeout_ms == 5000 && d.dns_trust_anchor == NULL,
	    "defaults: verify, 4h grace, HTTPS reports counted, 5s timeout, "
	    "the default anchor");
	conf_clear(&d);
	ok(load("[trust]\n"
		"authserv-id = mx.example.com, MX2.example.com\n"
		"domains = example.com example.org\n"
		"grace = 90m\n"
		"count-unauthenticated = Yes\n"
		"count-https = no\n"
		"[dns]\n"
		"resolver = 127.0.0.1@5353 ::1\n"
		"timeout = 500ms\n"
		"trust-anchor =\n",
	       &c, &err) == 0,
	    "[trust] and [dns] load: %s", err.msg);
	ok(strcmp(c.trust_dkim, "authentication-results") == 0,
	    "authserv-id implies dkim = authentication-results");
	ok(c.trust_grace_ms == 90 * 60000u && c.dns_timeout_ms == 500,
	    "durations: 90m, 500ms");
	ok(c.trust_count_unauthenticated, "a boolean: Yes");
	ok(!c.trust_count_https, "count-https = no");
	ok(c.dns_trust_anchor != NULL && *c.dns_trust_anchor == '\0',
	    "an empty trust-anchor stays empty (no validation), not unset");
	conf_clear(&c);
	ok(load("[trust]\ngrace = 3600\ndkim = off\n", &c, &err) == 0 &&
		c.trust_grace_ms == 3600000 && strcmp(c.trust_dkim, "off") == 0,
	    "a duration without a unit is seconds; dkim = off");
	conf_clear(&c);
	for (size_t i = 0; i < nitems(wrong); i++) {
		int rc = load(wrong[i].text, &c, &err);

		ok(rc == -1 && err.status == TI_E_CONFIG &&
			strstr(err.msg, wrong[i].want) != NULL,
		    "bad: %s", err.msg);
		conf_clear(&c);
	}
}

/* --dkim: the values the file takes, and the same rule for
   authentication-results. */
static void
test_set_dkim(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };

	conf_init(&c);
	ok(conf_set_dkim(&c, "off", &err) == 0 &&
		strcmp(c.trust_dkim, "off") == 0,
	    "--dkim=off");
	ok(conf_set_dkim(&c, "maybe", &err) == -1 &&
		err.status == TI_E_CONFIG &&
		strstr(err.msg, "not verify, authentication-results or off") &&
		strcmp(c.trust_dkim, "off") == 0,
	    "--dkim=maybe: refused, the setting unchanged: %s", err.msg);
	ti_err_clear(&err);
	ok(conf_set_dkim(&c, "authentication-results", &err) == -1 &&
		strstr(err.msg, "needs [trust] authserv-id") != NULL,
	    "--dkim=authentication-results needs authserv-id: %s", err.msg);
	ti_err_clear(&err);
	conf_set(&c.trust_authserv_ids, "mx.example.com");
	ok(conf_set_dkim(&c, "authentication-results", &err) == 0 &&
		strcmp(c.trust_dkim, "authentication-results") == 0,
	    "--dkim=authentication-results with authserv-id");
	conf_clear(&c);
}

/* contrib/tlsrpt.conf parses, and uncommented it equals the defaults
   (but for trust-anchor, whose default cannot be written: uncommented
   and empty, it turns validation off). */
/* [metrics]: the file, and the reporters kept as written ("": none). */
static void
test_metrics(void)
{
	struct ti_conf c;
	struct ti_err err = { 0 };

	conf_init(&c);
	ok(c.metrics_file == NULL &&
		strcmp(c.metrics_reporters,
		    "Google Inc.; Microsoft Corporation; Mail.ru") == 0,
	    "[metrics] defaults: no file, three reporters");
	conf_clear(&c);
	ok(load("[metrics]\nfile = /var/lib/tlsrpt/metrics.prom\n"
		"reporters = A, Inc.; B\n",
	       &c, &err) == 0 &&
		strcmp(c.metrics_file, "/var/lib/tlsrpt/metrics.prom") == 0 &&
		strcmp(c.metrics_reporters, "A, Inc.; B") == 0,
	    "[metrics] file and reporters: %s", err.msg);
	conf_clear(&c);
	ok(load("[metrics]\nreporters =\nfile =\n", &c, &err) == 0 &&
		c.metrics_file == NULL && *c.metrics_reporters == '\0',
	    "[metrics] empty: no file, no reporters: %s", err.msg);
	conf_clear(&c);
	ok(load("[metrics]\nfiles = x\n", &c, &err) == -1 &&
		err.status == TI_E_CONFIG,
	    "[metrics] unknown key: %s", err.msg);
	conf_clear(&c);
}

static char *
upper(const char *w)
{
	return strcmp(w, "drop") == 0 ? NULL : g_ascii_strup(w, -1);
}

/* conf_words: the one reading of a list setting ([trust] domains,
   authserv-id) for trust, the digest's check and the metrics. */
static void
test_words(void)
{
	char **w = conf_words(" a.example,b.example\tc, ", NULL);

	ok(w != NULL && g_strv_length(w) == 3 &&
		strcmp(w[0], "a.example") == 0 && strcmp(w[2], "c") == 0,
	    "conf_words: spaces, tabs and commas separate, empty words go");
	g_strfreev(w);
	w = conf_words("x drop y", upper);
	ok(w != NULL && g_strv_length(w) == 2 && strcmp(w[0], "X") == 0 &&
		strcmp(w[1], "Y") == 0,
	    "conf_words: each word through the function, NULL left out");
	g_strfreev(w);
	ok(conf_words(NULL, NULL) == NULL && conf_words(" ,\t", NULL) == NULL &&
		conf_words("drop", upper) == NULL,
	    "conf_words: no words is NULL (the setting is unset)");
}

static void
test_contrib(void)
{
	const char *srcdir = getenv("top_srcdir");
	char *path = g_build_filename(srcdir ? srcdir : ".", "contrib",
	    "tlsrpt.conf", NULL);
	char *text = NULL, *open_text, *p;
	struct ti_conf c, d;
	struct ti_err err = { 0 };
	GRegex *re;
	int n = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		ok(1, "# SKIP contrib/tlsrpt.conf not found (%s)", path);
		ok(1, "# SKIP contrib/tlsrpt.conf not found");
		g_free(path);
		return;
	}
	conf_init(&c);
	ok(conf_load(&c, path, 1, &err) == 0, "contrib/tlsrpt.conf loads: %s",
	    err.msg);
	conf_clear(&c);

	re = g_regex_new("^#([a-z-]+ =)", G_REGEX_MULTILINE, 0, NULL);
	open_text = g_regex_replace(re, text, -1, 0, "\\1", 0, NULL);
	for (p = open_text; (p = strstr(p, " =")) != NULL; p++)
		n++;
	ti_err_clear(&err);
	conf_init(&d);
	/* the example names the FHS paths; a build may use another prefix */
	ok(load(open_text, &c, &err) == 0 && n == 45 &&
		(strcmp(c.store, d.store) == 0 ||
		    strcmp(TI_LOCALSTATEDIR, "/var") != 0) &&
		c.busy_timeout_ms == d.busy_timeout_ms && c.archive == NULL &&
		c.deadline == d.deadline &&
		strcmp(c.log_target, d.log_target) == 0 &&
		strcmp(c.log_facility, d.log_facility) == 0 &&
		c.max_failure_lines == d.max_failure_lines &&
		memcmp(&c.limits, &d.limits, sizeof(d.limits)) == 0 &&
		c.digest_to == NULL && c.digest_from == NULL &&
		strcmp(c.digest_subject, d.digest_subject) == 0 &&
		strcmp(c.digest_period, d.digest_period) == 0 &&
		c.noise_threshold == d.noise_threshold &&
		c.action_threshold == d.action_threshold &&
		c.enforce_days == d.enforce_days &&
		c.enforce_reporters == d.enforce_reporters &&
		c.silent_factor == d.silent_factor &&
		c.digest_detail_domains == d.digest_detail_domains &&
		c.digest_check == d.digest_check && c.alert_command == NULL &&
		c.alert_state == NULL &&
		c.alert_threshold == d.alert_threshold &&
		strcmp(c.alert_period, d.alert_period) == 0 &&
		c.alert_timeout == d.alert_timeout &&
		strcmp(c.trust_dkim, d.trust_dkim) == 0 &&
		c.trust_authserv_ids == NULL && c.trust_domains == NULL &&
		c.trust_grace_ms == d.trust_grace_ms &&
		c.trust_count_unauthenticated ==
		    d.trust_count_unauthenticated &&
		c.trust_count_https == d.trust_count_https &&
		c.dns_resolver == NULL &&
		c.dns_timeout_ms == d.dns_timeout_ms &&
		c.dns_trust_anchor != NULL && *c.dns_trust_anchor == '\0' &&
		c.tls_ca_file == NULL && c.metrics_file == NULL &&
		strcmp(c.metrics_reporters, d.metrics_reporters) == 0,
	    "contrib/tlsrpt.conf uncommented: all %d keys at the defaults: %s",
	    n, err.msg);
	conf_clear(&c);
	conf_clear(&d);
	g_regex_unref(re);
	g_free(open_text);
	g_free(text);
	g_free(path);
}

int
main(void)
{
	char tmpl[] = "/tmp/test-conf.XXXXXX";

	if ((dir = mkdtemp(tmpl)) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 99;
	}
	test_defaults();
	test_full();
	test_bad();
	test_files();
	test_digest();
	test_trust();
	test_set_dkim();
	test_metrics();
	test_words();
	test_contrib();
	if (rmdir(dir) == -1)
		diag("rmdir %s: %s", dir, strerror(errno));
	return done_testing();
}
