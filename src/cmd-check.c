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
#include "check/record.h"
#include "export.h"
#include "priv.h"
#include "store/store.h"

static char *opt_format;
static char *opt_ca_file;
static char *opt_resolver;
static char *opt_trust_anchor;
static int opt_timeout;
static int opt_https_port;
static int opt_smtp_port;
static gboolean opt_no_smtp;
static gboolean opt_reports;
static char *opt_reports_since;

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
	{ "reports", 0, 0, G_OPTION_ARG_NONE, &opt_reports,
	    "Hold the stored reports against what is published (R checks)",
	    NULL },
	{ "reports-since", 0, 0, G_OPTION_ARG_STRING, &opt_reports_since,
	    "With --reports: reports whose period starts at or after T "
	    "(default 14d)",
	    "T" },
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
	o.limits = &env->conf.limits;
	if (opt_reports) {
		if (export_parse_time(
			opt_reports_since != NULL ? opt_reports_since : "14d",
			env->now, &o.reports_since) == -1) {
			resolver_free(o.res);
			return cmd_usage("bad time for --reports-since: \"%s\"",
			    opt_reports_since);
		}
		if (priv_drop_to_store_owner(env->conf.store, &err) == -1 ||
		    (o.store = store_open(env->conf.store, STORE_READ,
			 env->conf.busy_timeout_ms, &err)) == NULL) {
			resolver_free(o.res);
			return cmd_fail(&err);
		}
	}
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
	if (o.store != NULL)
		store_close(o.store);
	curl_global_cleanup();
	status = cmd_flush();
	if (status == 0)
		status = errors ? 1 : incomplete ? EX_TEMPFAIL : 0;
	g_free(opt_format);
	g_free(opt_ca_file);
	g_free(opt_resolver);
	g_free(opt_trust_anchor);
	g_free(opt_reports_since);
	opt_format = opt_ca_file = opt_resolver = opt_trust_anchor = NULL;
	opt_reports_since = NULL;
	return status;
}

const struct command cmd_check = { "check", "DOMAIN...",
	"check what each domain publishes (TLSRPT and MTA-STS records, the "
	"policy, its MX hosts' STARTTLS, certificates and DANE): a finding "
	"per problem with its fix; exit 1 on an error",
	check_entries, 0, run_check };

/* --- tlsrpt record DOMAIN --- */

static char **opt_rua;
static char **opt_mx;
static char *opt_mode;
static char *opt_max_age;
static char *opt_id;
static char *opt_only;
static int opt_ttl;

static GOptionEntry record_entries[] = {
	{ "rua", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_rua,
	    "Where reports go: mailto:ADDRESS or https://URL (repeatable; "
	    "default mailto:tlsrpt@DOMAIN)",
	    "URI" },
	{ "mx", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_mx,
	    "An mx line of the policy: HOST or *.DOMAIN (repeatable; "
	    "default: the MX hosts DNS has now)",
	    "HOST" },
	{ "mode", 0, 0, G_OPTION_ARG_STRING, &opt_mode,
	    "testing (default), enforce or none", "MODE" },
	{ "max-age", 0, 0, G_OPTION_ARG_STRING, &opt_max_age,
	    "Seconds senders keep the policy (default 86400 in testing, "
	    "604800 in enforce)",
	    "N" },
	{ "id", 0, 0, G_OPTION_ARG_STRING, &opt_id,
	    "The _mta-sts id (default: the time now, YYYYMMDDTHHMMSS)", "ID" },
	{ "ttl", 0, 0, G_OPTION_ARG_INT, &opt_ttl,
	    "TTL of the TXT records (default 3600)", "N" },
	{ "only", 0, 0, G_OPTION_ARG_STRING, &opt_only,
	    "Print only zone, policy, nginx or advice", "PART" },
	G_OPTION_ENTRY_NULL
};

static void
record_opts_free(void)
{
	g_strfreev(opt_rua);
	g_strfreev(opt_mx);
	g_free(opt_mode);
	g_free(opt_max_age);
	g_free(opt_id);
	g_free(opt_only);
	opt_rua = opt_mx = NULL;
	opt_mode = opt_max_age = opt_id = opt_only = NULL;
}

/* The MX hosts DNS has now for domain: 0, 1 (null MX), -1 (DNS failed,
 *err set). */
static int
published_mx(struct cmd_env *env, const char *domain, GPtrArray *out,
    struct ti_err *err)
{
	struct resolver_conf rc = { 0 };
	struct resolver *res;
	struct dns_answer a;
	int status = 0;

	rc.servers = env->conf.dns_resolver;
	rc.timeout_ms = env->conf.dns_timeout_ms;
	rc.trust_anchor = env->conf.dns_trust_anchor;
	if ((res = resolver_new(&rc, err)) == NULL)
		return -1;
	if (resolver_query(res, domain, DNS_T_MX, &a, err) < 0) {
		resolver_free(res);
		return -1;
	}
	if (a.status != DNS_OK && a.status != DNS_NODATA &&
	    a.status != DNS_NXDOMAIN) {
		ti_err_set(err, TI_E_TEMP, "DNS %s MX: %s", domain,
		    dns_status_name(a.status));
		status = -1;
	}
	for (size_t i = 0; status == 0 && i < a.n_rdata; i++) {
		size_t off = 2;
		char *h = a.rdata_len[i] > 2
		    ? dns_wire_name(a.rdata[i], a.rdata_len[i], &off)
		    : NULL;

		if (h != NULL && strcmp(h, ".") == 0) {
			status = 1;
			g_free(h);
		} else if (h != NULL) {
			g_ptr_array_add(out, h);
		}
	}
	if (status == 0 && out->len == 0)
		g_ptr_array_add(out, g_strdup(domain)); /* implicit MX */
	dns_answer_clear(&a);
	resolver_free(res);
	return status;
}

static int
run_record(struct cmd_env *env, int argc, char **argv)
{
	struct record_in in = { 0 };
	struct record_out out;
	struct ti_err err = { 0 };
	GPtrArray *mx = g_ptr_array_new_with_free_func(g_free);
	char *domain = NULL, *rua0 = NULL, *id = NULL, *why = NULL;
	const char *rua_v[2];
	int status = EX_USAGE;

	if (argc != 2) {
		status = cmd_usage("%s", "record: give one domain");
		goto out;
	}
	{
		char *a = g_hostname_to_ascii(argv[1]);

		if (a == NULL || strchr(a, '.') == NULL ||
		    g_hostname_is_ip_address(a)) {
			g_free(a);
			status = cmd_usage(
			    "record: \"%s\" is not a domain name", argv[1]);
			goto out;
		}
		domain = check_host_norm(a);
		g_free(a);
	}
	in.domain = domain;
	in.mode = STS_MODE_TESTING;
	if (opt_mode != NULL) {
		if (strcmp(opt_mode, "enforce") == 0)
			in.mode = STS_MODE_ENFORCE;
		else if (strcmp(opt_mode, "none") == 0)
			in.mode = STS_MODE_NONE;
		else if (strcmp(opt_mode, "testing") != 0) {
			status = cmd_usage("record: mode \"%s\" (testing, "
					   "enforce or none)",
			    opt_mode);
			goto out;
		}
	}
	in.max_age = in.mode == STS_MODE_ENFORCE ? 604800 : 86400;
	if (opt_max_age != NULL) {
		size_t d = strspn(opt_max_age, "0123456789");

		if (d == 0 || d > 10 || opt_max_age[d] != '\0' ||
		    (in.max_age = g_ascii_strtoll(opt_max_age, NULL, 10)) >
			CHECK_MAX_AGE_MAX) {
			status = cmd_usage("record: --max-age is 0..%d seconds",
			    CHECK_MAX_AGE_MAX);
			goto out;
		}
	}
	if (opt_only != NULL && strcmp(opt_only, "zone") != 0 &&
	    strcmp(opt_only, "policy") != 0 && strcmp(opt_only, "nginx") != 0 &&
	    strcmp(opt_only, "advice") != 0) {
		status = cmd_usage("record: --only zone, policy, nginx or "
				   "advice");
		goto out;
	}
	if (opt_rua != NULL && opt_rua[0] != NULL) {
		in.rua = (const char *const *)opt_rua;
	} else {
		rua0 = g_strdup_printf("mailto:tlsrpt@%s", domain);
		rua_v[0] = rua0;
		rua_v[1] = NULL;
		in.rua = rua_v;
	}
	if (opt_mx != NULL && opt_mx[0] != NULL) {
		for (size_t i = 0; opt_mx[i] != NULL; i++)
			g_ptr_array_add(mx, g_ascii_strdown(opt_mx[i], -1));
	} else if (in.mode != STS_MODE_NONE) {
		int rc = published_mx(env, domain, mx, &err);

		if (rc < 0) {
			status = cmd_fail(&err);
			goto out;
		}
		if (rc == 1) {
			fprintf(stderr,
			    "tlsrpt: %s has a null MX (it receives no "
			    "mail): nothing to protect\n",
			    domain);
			status = 1;
			goto out;
		}
	}
	g_ptr_array_add(mx, NULL);
	in.mx = (const char *const *)mx->pdata;
	if (opt_id != NULL) {
		in.id = opt_id;
	} else {
		GDateTime *now = g_date_time_new_now_utc();

		id = g_date_time_format(now, "%Y%m%dT%H%M%S");
		g_date_time_unref(now);
		in.id = id;
	}
	in.ttl = opt_ttl > 0 ? (unsigned)opt_ttl : 3600;
	if (record_make(&in, &out, &why) < 0) {
		status = cmd_usage("record: %s", why);
		goto out;
	}
	if (opt_only == NULL) {
		printf("; DNS records of %s (zone-file lines)\n%s\n", domain,
		    out.zone);
		printf("# The policy file, served at "
		       "https://mta-sts.%s/.well-known/mta-sts.txt "
		       "(CRLF line ends):\n%s\n",
		    domain, out.policy);
		printf("%s\nNext:\n%s", out.nginx, out.advice);
	} else if (strcmp(opt_only, "zone") == 0) {
		fputs(out.zone, stdout);
	} else if (strcmp(opt_only, "policy") == 0) {
		fputs(out.policy, stdout);
	} else if (strcmp(opt_only, "nginx") == 0) {
		fputs(out.nginx, stdout);
	} else {
		fputs(out.advice, stdout);
	}
	record_out_clear(&out);
	status = cmd_flush();
out:
	g_ptr_array_free(mx, TRUE);
	g_free(domain);
	g_free(rua0);
	g_free(id);
	g_free(why);
	record_opts_free();
	return status;
}

const struct command cmd_record = { "record", "DOMAIN",
	"print the TLSRPT and MTA-STS records, the policy file and an nginx "
	"server block for a domain, and what to do next",
	record_entries, 0, run_record };
