/*
 * conf.h: the configuration file tlsrpt.conf(5), read with GLib's key
 * file parser.  Command-line options override it (in main()).
 */
#ifndef CONF_H
#define CONF_H

#include "ti.h"

struct ti_conf {
	char *path; /* the file that was read; NULL if none */
	char *store; /* [store] path: a file path, sqlite:PATH or
			postgresql://...; default under
			localstatedir */
	int busy_timeout_ms; /* [store] busy-timeout, milliseconds */
	char *archive; /* [ingest] archive: Maildir; NULL = none */
	unsigned deadline; /* [ingest] deadline: seconds a pipe delivery
			      may take before it defers; 0 = none */
	char *log_target; /* [log] target: "syslog" or "stderr" */
	char *log_facility; /* [log] facility: "mail", "local0", ... */
	size_t max_failure_lines; /* [log] max-failure-lines: failure
				     lines per report; 0 = none */
	struct ti_limits limits; /* [limits] */
	/* [digest]: tlsrpt digest and html */
	char *digest_to; /* To: address list; NULL: none */
	char *digest_domain_to; /* domain-to: "PATTERN: ADDRS; ..." for
				   digest --each-domain; NULL: none */
	char *digest_from; /* From: address; NULL: tlsrpt@<host> */
	char *digest_subject; /* Subject: prefix */
	char *digest_period; /* "day", "week" or "month" */
	double noise_threshold; /* per cent: failures below are noise */
	double action_threshold; /* per cent: failures above need action */
	size_t enforce_days; /* clean days before "ready for enforce" */
	size_t enforce_reporters; /* reporters in those days */
	double silent_factor; /* usual gaps before a reporter is silent */
	size_t digest_detail_domains; /* the overview: domains with full
					 detail, the worst first; 0: none */
	int digest_check; /* check: the digest (and show) check what each
			     domain publishes now (default 0) */
	/* [alert]: tlsrpt-ingest runs command past threshold */
	char *alert_command; /* argv (shell-like quoting, no shell);
				NULL: no alerts */
	double alert_threshold; /* per cent */
	char *alert_period; /* "day", "week" or "month" */
	size_t alert_timeout; /* seconds the command may run */
	char *alert_state; /* state file; NULL: next to the store */
	/* [trust]: who may send reports (RFC 8460 §3) */
	char *trust_dkim; /* "verify" (default), "authentication-results"
			     or "off" */
	char *trust_authserv_ids; /* authserv-id list (space or comma
				     separated); NULL: none */
	char *trust_domains; /* our policy domains and MX hosts; NULL:
				accept reports for any domain */
	unsigned trust_grace_ms; /* temperror retried for this long after
				    our MTA received the mail */
	int trust_count_unauthenticated; /* digest and alerts count
					    unauthenticated reports */
	int trust_count_https; /* digest and alerts count reports POSTed
				  over HTTPS (default 1) */
	/* [dns]: every DNS lookup (dns/resolve.h) */
	char *dns_resolver; /* "ADDR[@PORT] ..."; NULL: resolv.conf */
	unsigned dns_timeout_ms; /* per query */
	char *dns_trust_anchor; /* DNSSEC anchor file; NULL: the default;
				   "": no validation */
	/* [metrics]: tlsrpt metrics and the textfile tlsrpt-ingest
	   rewrites (metrics.h) */
	char *metrics_file; /* NULL: none */
	char *metrics_reporters; /* organisation names separated by ';'
				    (others are "other"); "": none */
	/* [tls]: tlsrpt check's HTTPS and STARTTLS probes */
	char *tls_ca_file; /* a CA file added to the system store */
};

/* Fill *conf with the built-in defaults. */
void conf_init(struct ti_conf *conf);

/*
 * Read path into *conf (keys present in the file replace the defaults).
 * When the file does not exist: 0 if !must_exist, else an error.
 * Unknown groups or keys, bad values, an unreadable file: -1 with
 * TI_E_CONFIG and a message that names the file, line or key.
 */
int conf_load(struct ti_conf *conf, const char *path, int must_exist,
    struct ti_err *err);

/* [trust] dkim from the command line (--dkim): a value the file takes;
   authentication-results needs [trust] authserv-id.  -1 with
   TI_E_CONFIG otherwise. */
int conf_set_dkim(struct ti_conf *conf, const char *mode, struct ti_err *err);

/* Replace a string setting (takes a copy of value; NULL clears it). */
void conf_set(char **field, const char *value);

/* The words of a list setting ("a b, c"), each passed through word()
   (g_strdup when NULL; a word it gives NULL for is left out), as a
   NULL-terminated vector for g_strfreev(); NULL when it has none. */
char **conf_words(const char *text, char *(*word)(const char *));

void conf_clear(struct ti_conf *conf);

/* The configuration file to read: option (-c) when given, else the
   TLSRPT_CONFIG environment variable when set and not empty (a web
   server passes it to the CGI), else the default; *must_exist says
   whether a missing file is an error (it is when named). */
const char *conf_path(const char *option, int *must_exist);

/* The built-in default configuration file and store paths. */
const char *conf_default_path(void);
const char *conf_default_store(void);

#endif
