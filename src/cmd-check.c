/*
 * cmd-check.c: tlsrpt check DOMAIN... -- what each domain publishes for
 * TLSRPT, MTA-STS and DANE, checked against the RFCs and against its
 * live servers (src/check/).
 *
 * Exit status: 0 no finding is an error, 1 one is, 75 a domain could
 * not be checked (DNS did not answer) and none had an error, 64 usage,
 * 78 configuration.
 *
 * Design rationale:
 * - The [dns] settings of tlsrpt.conf(5) are the checker's, as they are
 *   every other lookup's; --resolver and --trust-anchor override them
 *   for one run (a postmaster who wants the view of another resolver).
 *   [tls] ca-file or --ca-file adds a CA to the system store.
 * - --https-port and --smtp-port exist for tests on loopback (ports
 *   picked at run time); senders always use 443 and 25.
 * - No store: a check needs none (CMD flags 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "cmd.h"
#include "check/check.h"

static char *opt_format;
static char *opt_ca_file;
static char *opt_resolver;
static char *opt_trust_anchor;
static int opt_timeout;
static int opt_https_port;
static int opt_smtp_port;
static gboolean opt_no_smtp;

static GOptionEntry check_entries[] = { { "format", 'f', 0, G_OPTION_ARG_STRING,
					    &opt_format,
					    "text (default) or json", "F" },
	{ "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
	    "Trust the CA certificates in FILE too ([tls] ca-file)", "FILE" },
	{ "resolver", 0, 0, G_OPTION_ARG_STRING, &opt_resolver,
	    "Ask these DNS servers ([dns] resolver)", "ADDR[@PORT]" },
	{ "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &opt_trust_anchor,
	    "The DNSSEC trust anchor file ([dns] trust-anchor)", "FILE" },
	{ "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout,
	    "Seconds per connection (default 10)", "N" },
	{ "no-smtp", 0, 0, G_OPTION_ARG_NONE, &opt_no_smtp,
	    "Do not connect to the MX hosts (no X and D checks)", NULL },
	{ "https-port", 0, 0, G_OPTION_ARG_INT, &opt_https_port,
	    "For tests: fetch policies from port N, not 443", "N" },
	{ "smtp-port", 0, 0, G_OPTION_ARG_INT, &opt_smtp_port,
	    "For tests: probe MX hosts on port N, not 25", "N" },
	G_OPTION_ENTRY_NULL };

static int
port_ok(int p)
{
	return p >= 0 && p <= 65535;
}

static int
run_check(struct cmd_env *env, int argc, char **argv)
{
	struct resolver_conf rc = { 0 };
	struct check_opts o = { 0 };
	struct check_result **results;
	struct ti_err err = { 0 };
	int json = 0, status = 0, errors = 0, incomplete = 0;

	if (opt_format != NULL && strcmp(opt_format, "json") == 0)
		json = 1;
	else if (opt_format != NULL && strcmp(opt_format, "text") != 0)
		return cmd_usage("unknown format \"%s\" (text or json)",
		    opt_format);
	if (argc < 2)
		return cmd_usage("%s", "check: no domain given");
	if (!port_ok(opt_https_port) || !port_ok(opt_smtp_port) ||
	    opt_timeout < 0 || opt_timeout > 600)
		return cmd_usage("%s",
		    "check: a port is 1..65535, a timeout 1..600 seconds");
	for (int i = 1; i < argc; i++) {
		char *a = g_hostname_to_ascii(argv[i]);
		int bad = a == NULL || *a == '\0' || strchr(a, '/') != NULL ||
		    strchr(a, ' ') != NULL || strchr(a, '.') == NULL ||
		    g_hostname_is_ip_address(a);

		g_free(a);
		if (bad)
			return cmd_usage("check: \"%s\" is not a domain name",
			    argv[i]);
	}
	rc.servers =
	    opt_resolver != NULL ? opt_resolver : env->conf.dns_resolver;
	rc.timeout_ms = env->conf.dns_timeout_ms;
	rc.trust_anchor = opt_trust_anchor != NULL ? opt_trust_anchor
						   : env->conf.dns_trust_anchor;
	if ((o.res = resolver_new(&rc, &err)) == NULL)
		return cmd_fail(&err);
	o.ca_file = opt_ca_file != NULL ? opt_ca_file : env->conf.tls_ca_file;
	if (o.ca_file != NULL && access(o.ca_file, R_OK) != 0) {
		resolver_free(o.res);
		fprintf(stderr, "tlsrpt: CA file %s: cannot be read\n",
		    o.ca_file);
		return EX_CONFIG;
	}
	o.https_port = opt_https_port != 0 ? (unsigned)opt_https_port : 443;
	o.smtp_port = opt_smtp_port != 0 ? (unsigned)opt_smtp_port : 25;
	o.timeout_s = opt_timeout != 0 ? (unsigned)opt_timeout : 10;
	o.no_smtp = opt_no_smtp;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	results = g_new0(struct check_result *, (size_t)argc);
	for (int i = 1; i < argc; i++) {
		results[i - 1] = check_domain(argv[i], &o);
		if (check_count(results[i - 1], CHECK_ERROR, NULL) > 0)
			errors++;
		else if (results[i - 1]->incomplete != NULL)
			incomplete++;
	}
	if (json)
		check_render_json(stdout, results, (size_t)argc - 1);
	else
		check_render_text(stdout, results, (size_t)argc - 1);
	for (int i = 1; i < argc; i++)
		check_result_free(results[i - 1]);
	g_free(results);
	resolver_free(o.res);
	curl_global_cleanup();
	status = cmd_flush();
	if (status == 0)
		status = errors ? 1 : incomplete ? EX_TEMPFAIL : 0;
	g_free(opt_format);
	g_free(opt_ca_file);
	g_free(opt_resolver);
	g_free(opt_trust_anchor);
	opt_format = opt_ca_file = opt_resolver = opt_trust_anchor = NULL;
	return status;
}

const struct command cmd_check = { "check", "DOMAIN...",
	"check what each domain publishes (TLSRPT and MTA-STS records, the "
	"policy, its MX hosts' STARTTLS, certificates and DANE): a finding "
	"per problem with its fix; exit 1 on an error",
	check_entries, 0, run_check };
