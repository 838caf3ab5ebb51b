/*
 * cmd-digest.c: tlsrpt digest, tlsrpt html and tlsrpt show.
 *
 *     tlsrpt digest [--since T] [--until T | --period day|week|month]
 *                   [--domain D] [--format mail|text|html|json]
 *                   [--to ADDR] [--from ADDR]
 *                   [--each-domain --output-dir DIR]
 *                   [--detail-domains N]
 *     tlsrpt html   (the same options but --format, --to, --from,
 *                   --each-domain and --detail-domains)
 *     tlsrpt show REPORT-ID [--json]
 *
 * Design rationale:
 * - The period ends at a midnight UTC (today's by default, so only
 *   whole days count) and is as long as --period or [digest] period:
 *   a daily cron job then mails "the last seven days" each morning.
 *   The previous period of the same length gives the trend.
 * - The mail goes to standard output, for "| sendmail -t": tlsrpt never
 *   talks SMTP, and its exit status says whether the mail was written.
 * - --each-domain writes the digest of each domain into DIR/DOMAIN.eml
 *   (or .txt, .html, .json), from one read of the store: a hoster's
 *   thousands of customers cost one pass, not one per customer.
 * - The overview (no --domain) of those thousands is still one mail:
 *   every domain in its table, full detail only for the worst
 *   --detail-domains or [digest] detail-domains (20).  tlsrpt html, a
 *   page for a browser, and the digest of one domain are never cut.
 * - [trust] count-unauthenticated and count-https are the only trust
 *   settings the digest reads: which reports were authenticated, and
 *   which were posted over HTTPS, is in the store already.
 * - [digest] check = yes (or --check): each domain of the digest is
 *   also checked live (tlsrpt check, with the cross-checks against the
 *   stored reports), and the result enters the model as data
 *   (digest_set_check()).  Only the site's own domains: the [trust]
 *   domains when set, else the policy domains of the stored reports;
 *   never a name that only a report supplied when the list is set.  What
 *   each check saw goes into the store's check history (a second,
 *   writable handle: the digest otherwise only reads); a user who may
 *   not write the store gets the check without the history, and the
 *   digest says so.
 * - tlsrpt show --check (or [digest] check) adds the same part for the
 *   report's domain, without touching the history.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>
#include <glib.h>

#include "config.h"
#include "ti.h"
#include "digest/advice.h"
#include "cmd.h"
#include "conf.h"
#include "digest/digest.h"
#include "ingest/mime.h"
#include "ingest/report.h"
#include "store/store.h"
#include "check/check.h"

static char *opt_period;
static char *opt_format;
static char *opt_to;
static char *opt_from;
static gboolean opt_json;
static gboolean opt_each;
static gboolean opt_check;
static gboolean opt_no_check;
static int opt_https_port;
static int opt_smtp_port;
static char *opt_outdir;
static gint opt_detail = -1;

static GOptionEntry digest_entries[] = {
	{ "period", 'p', 0, G_OPTION_ARG_STRING, &opt_period,
	    "day, week or month: the length of the period (default: "
	    "[digest] period)",
	    "P" },
	{ "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
	    "mail (default: a whole message for sendmail -t), or only the "
	    "body: text, html or json",
	    "F" },
	{ "to", 0, 0, G_OPTION_ARG_STRING, &opt_to,
	    "The recipients of the mail (default: [digest] to)", "ADDR" },
	{ "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
	    "The sender of the mail (default: [digest] from)", "ADDR" },
	{ "each-domain", 0, 0, G_OPTION_ARG_NONE, &opt_each,
	    "One digest for each domain, from one read of the store, into "
	    "--output-dir",
	    NULL },
	{ "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &opt_outdir,
	    "With --each-domain: write DIR/DOMAIN.eml (.txt, .html, .json)",
	    "DIR" },
	{ "detail-domains", 0, 0, G_OPTION_ARG_INT, &opt_detail,
	    "Without --domain: full detail for the N domains that need "
	    "attention most, every domain in the table (default: [digest] "
	    "detail-domains; 0: none)",
	    "N" },
	{ "check", 0, 0, G_OPTION_ARG_NONE, &opt_check,
	    "Check what each domain publishes now (default: [digest] check)",
	    NULL },
	{ "no-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_check,
	    "Do not check, whatever [digest] check says", NULL },
	{ "check-https-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
	    &opt_https_port, "The port of the policy fetch (tests only)", "N" },
	{ "check-smtp-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
	    &opt_smtp_port, "The port of the STARTTLS probes (tests only)",
	    "N" },
	G_OPTION_ENTRY_NULL
};

static GOptionEntry html_entries[] = {
	{ "period", 'p', 0, G_OPTION_ARG_STRING, &opt_period,
	    "day, week or month: the length of the period (default: "
	    "[digest] period)",
	    "P" },
	G_OPTION_ENTRY_NULL
};

static GOptionEntry show_entries[] = {
	{ "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
	    "Print the report JSON as received", NULL },
	{ "check", 0, 0, G_OPTION_ARG_NONE, &opt_check,
	    "Also check what the report's domain publishes now (default: "
	    "[digest] check)",
	    NULL },
	{ "no-check", 0, 0, G_OPTION_ARG_NONE, &opt_no_check,
	    "Do not check, whatever [digest] check says", NULL },
	{ "check-https-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
	    &opt_https_port, "The port of the policy fetch (tests only)", "N" },
	{ "check-smtp-port", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
	    &opt_smtp_port, "The port of the STARTTLS probes (tests only)",
	    "N" },
	G_OPTION_ENTRY_NULL
};

static void
free_opts(void)
{
	g_clear_pointer(&opt_period, g_free);
	g_clear_pointer(&opt_format, g_free);
	g_clear_pointer(&opt_to, g_free);
	g_clear_pointer(&opt_from, g_free);
	g_clear_pointer(&opt_outdir, g_free);
	opt_json = FALSE;
	opt_each = FALSE;
	opt_detail = -1;
	opt_check = opt_no_check = FALSE;
	opt_https_port = opt_smtp_port = 0;
}

/* ---- published now ([digest] check) ---------------------------------- */

struct checker {
	struct cmd_env *env;
	struct check_opts o;
	struct store *hist; /* writable, for the check history; NULL */
	char *note; /* why no history is kept; NULL */
	char **trusted; /* [trust] domains, normalised; NULL: unset */
	int keep; /* write the history (digest, not show) */
};

static int
want_check(struct cmd_env *env)
{
	return !opt_no_check && (opt_check || env->conf.digest_check);
}

/* Set c up; -1 (a message printed) when the checks cannot run. */
static int
checker_open(struct checker *c, struct cmd_env *env, int64_t since, int keep)
{
	struct resolver_conf rc = { 0 };
	struct ti_err err = { 0 };

	memset(c, 0, sizeof(*c));
	c->env = env;
	c->keep = keep;
	if (opt_https_port < 0 || opt_https_port > 65535 || opt_smtp_port < 0 ||
	    opt_smtp_port > 65535) {
		fprintf(stderr, "tlsrpt: a check port is 1..65535\n");
		return -1;
	}
	rc.servers = env->conf.dns_resolver;
	rc.timeout_ms = env->conf.dns_timeout_ms;
	rc.trust_anchor = env->conf.dns_trust_anchor;
	if ((c->o.res = resolver_new(&rc, &err)) == NULL) {
		fprintf(stderr, "tlsrpt: check: %s\n", err.msg);
		return -1;
	}
	c->o.ca_file = env->conf.tls_ca_file;
	c->o.https_port = opt_https_port != 0 ? (unsigned)opt_https_port : 443;
	c->o.smtp_port = opt_smtp_port != 0 ? (unsigned)opt_smtp_port : 25;
	c->o.timeout_s = 10;
	c->o.limits = &env->conf.limits;
	c->o.store = env->store;
	c->o.reports_since = since;
	c->o.now = env->now;
	c->trusted = conf_words(env->conf.trust_domains, digest_domain_key);
	if (keep &&
	    (c->hist = store_open(env->conf.store, STORE_WRITE,
		 env->conf.busy_timeout_ms, &err)) == NULL)
		c->note = g_strdup_printf("No check history is kept (%s): "
					  "R1 and R3 need it.",
		    err.msg);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static void
checker_close(struct checker *c)
{
	if (c->o.res == NULL)
		return;
	curl_global_cleanup();
	resolver_free(c->o.res);
	if (c->hist != NULL)
		store_close(c->hist);
	g_strfreev(c->trusted);
	g_free(c->note);
	memset(c, 0, sizeof(*c));
}

struct rows {
	GArray *rows; /* of struct store_seen, strings in chunk */
	GStringChunk *chunk;
};

static int
history_row(const struct store_seen *row, void *arg)
{
	struct rows *h = arg;
	struct store_seen s;

	s.at = row->at;
	s.kind = g_string_chunk_insert_const(h->chunk, row->kind);
	s.key = g_string_chunk_insert_const(h->chunk, row->key);
	s.value = g_string_chunk_insert_const(h->chunk, row->value);
	g_array_append_val(h->rows, s);
	return 0;
}

/* Check dom (when it is one of ours) and give it its published-now
   part; the check history is read before and written after. */
static void
check_one(struct checker *c, struct digest_domain *dom)
{
	struct rows h;
	struct ti_err err = { 0 };
	struct check_result *r;
	char *note = NULL;

	if (!digest_check_wanted(dom, c->trusted))
		return;
	h.rows = g_array_new(FALSE, FALSE, sizeof(struct store_seen));
	h.chunk = g_string_chunk_new(1024);
	if (store_history_each(c->hist != NULL ? c->hist : c->env->store,
		dom->name, history_row, &h, &err) == 0) {
		c->o.history = (const struct store_seen *)(void *)h.rows->data;
		c->o.n_history = h.rows->len;
	} else {
		note = g_strdup_printf("The check history could not be read "
				       "(%s).",
		    err.msg);
		ti_err_clear(&err);
	}
	r = check_domain(dom->name, &c->o);
	c->o.history = NULL;
	c->o.n_history = 0;
	if (c->hist != NULL && r->seen->len > 0) {
		struct store_seen *s = g_new0(struct store_seen, r->seen->len);

		for (size_t i = 0; i < r->seen->len; i++) {
			const struct check_seen *cs = r->seen->pdata[i];

			s[i].at = c->env->now;
			s[i].kind = cs->kind;
			s[i].key = cs->key;
			s[i].value = cs->value;
		}
		if (store_history_add(c->hist, dom->name, c->env->now, s,
			r->seen->len, &err) == -1 &&
		    note == NULL)
			note = g_strdup_printf("The check history could not "
					       "be written (%s).",
			    err.msg);
		g_free(s);
	}
	digest_set_check(dom, r, c->env->now, note != NULL ? note : c->note);
	check_result_free(r);
	g_free(note);
	g_array_free(h.rows, TRUE);
	g_string_chunk_free(h.chunk);
}

static void
check_all(struct checker *c, struct digest *d)
{
	for (size_t i = 0; c->o.res != NULL && i < d->n_domains; i++)
		check_one(c, &d->domains[i]);
}

/* t moved back (sign -1) or forward (+1) by one period. */
static int64_t
period_step(const char *period, int64_t t, int sign)
{
	GDateTime *dt, *moved;
	int64_t out;

	if (strcmp(period, "day") == 0)
		return t + sign * (int64_t)DIGEST_DAY;
	if (strcmp(period, "week") == 0)
		return t + sign * 7 * (int64_t)DIGEST_DAY;
	if ((dt = g_date_time_new_from_unix_utc(t)) == NULL)
		return t + sign * 30 * (int64_t)DIGEST_DAY;
	moved = g_date_time_add_months(dt, sign);
	out = moved != NULL ? g_date_time_to_unix(moved)
			    : t + sign * 30 * (int64_t)DIGEST_DAY;
	g_date_time_unref(dt);
	if (moved != NULL)
		g_date_time_unref(moved);
	return out;
}

/* Fill p (and *label) from the options, the configuration and now. */
static int
digest_setup(struct cmd_env *env, struct digest_params *p, char **label)
{
	const char *period =
	    opt_period != NULL ? opt_period : env->conf.digest_period;
	int64_t today =
	    env->now - ((env->now % DIGEST_DAY) + DIGEST_DAY) % DIGEST_DAY;
	char *d;

	*label = NULL;
	if (strcmp(period, "day") != 0 && strcmp(period, "week") != 0 &&
	    strcmp(period, "month") != 0)
		return cmd_usage("unknown period \"%s\" (day, week or month)",
		    period);
	if (opt_period != NULL && env->query.until != 0)
		return cmd_usage("%s",
		    "--until and --period exclude each other");
	digest_params_default(p);
	p->now = env->now;
	p->domain = env->query.domain;
	p->noise_threshold = env->conf.noise_threshold;
	p->action_threshold = env->conf.action_threshold;
	p->enforce_days = (unsigned)env->conf.enforce_days;
	p->enforce_reporters = (unsigned)env->conf.enforce_reporters;
	p->silent_factor = env->conf.silent_factor;
	p->count_unauthenticated = env->conf.trust_count_unauthenticated;
	p->count_https = env->conf.trust_count_https;
	if (env->query.since != 0 && env->query.until != 0) {
		p->since = env->query.since;
		p->until = env->query.until;
		return 0; /* a custom span: the digest labels it */
	}
	if (env->query.since != 0) {
		p->since = env->query.since;
		p->until = opt_period != NULL || today <= p->since
		    ? period_step(period, p->since, 1)
		    : today;
		if (opt_period == NULL && today > p->since)
			return 0;
	} else {
		p->until = env->query.until != 0 ? env->query.until : today;
		p->since = period_step(period, p->until, -1);
	}
	d = digest_date(p->since);
	if (strcmp(period, "day") == 0)
		*label = g_strdup(d);
	else
		*label = g_strdup_printf("%s of %s", period, d);
	g_free(d);
	p->label = *label;
	return 0;
}

static int
write_out(const char *s)
{
	fputs(s, stdout);
	return cmd_flush();
}

/*
 * The recipients of domain's digest: the addresses of the first entry of
 * [digest] domain-to ("PATTERN: ADDRS; PATTERN: ADDRS", a pattern with
 * * and ?, matched without case) that matches it, else --to or
 * [digest] to.  Returns a new string or NULL (none).
 */
static char *
domain_to(struct cmd_env *env, const char *domain)
{
	const char *dflt = opt_to != NULL ? opt_to : env->conf.digest_to;
	char **entries, **e, *colon, *pat, *to = NULL;

	if (env->conf.digest_domain_to == NULL || domain == NULL)
		return g_strdup(dflt);
	entries = g_strsplit(env->conf.digest_domain_to, ";", -1);
	for (e = entries; *e != NULL && to == NULL; e++) {
		if ((colon = strchr(*e, ':')) == NULL)
			continue;
		pat = g_ascii_strdown(*e, colon - *e);
		g_strstrip(pat);
		if (*pat != '\0' && g_pattern_match_simple(pat, domain))
			to = g_strstrip(g_strdup(colon + 1));
		g_free(pat);
	}
	g_strfreev(entries);
	return to != NULL ? to : g_strdup(dflt);
}

/* The body or mail of d in format (for domain, with its recipients, or
   NULL: --to or [digest] to); NULL with *err set. */
static char *
render(struct cmd_env *env, const struct digest *d, const char *format,
    const char *from, const char *domain, struct ti_err *err)
{
	char *to, *out;

	if (strcmp(format, "text") == 0)
		return digest_text(d);
	if (strcmp(format, "html") == 0)
		return digest_html(d);
	if (strcmp(format, "json") == 0)
		return digest_json(d);
	to = domain_to(env, domain);
	out = digest_mail(d, from, to, env->conf.digest_subject, env->now, err);
	g_free(to);
	return out;
}

struct each_out {
	struct cmd_env *env;
	struct checker *checker;
	const char *format, *ext, *from;
	GHashTable *names; /* file names used */
	size_t n;
	struct ti_err *err;
};

/* A file name for domain: its bytes but [A-Za-z0-9.-] become "_" (a
   domain is report text: no "/", no ".." here), unique in this run. */
static char *
each_name(struct each_out *o, const char *domain)
{
	char *base = g_strdup(domain), *name;
	unsigned i = 1;

	for (char *c = base; *c != '\0'; c++)
		if (!g_ascii_isalnum(*c) && *c != '.' && *c != '-')
			*c = '_';
	if (base[0] == '.' || base[0] == '\0') {
		name = g_strconcat("_", base, NULL);
		g_free(base);
		base = name;
	}
	name = g_strdup_printf("%s.%s", base, o->ext);
	while (g_hash_table_contains(o->names, name)) {
		g_free(name);
		name = g_strdup_printf("%s-%u.%s", base, ++i, o->ext);
	}
	g_free(base);
	g_hash_table_add(o->names, name);
	return name;
}

static int
each_write(const char *domain, const struct digest *d, void *arg)
{
	struct each_out *o = arg;
	GError *gerr = NULL;
	char *out, *path;
	int rc = 0;

	/* the digest is ours to change until cb returns */
	check_all(o->checker, (struct digest *)(void *)d);
	if ((out = render(o->env, d, o->format, o->from, domain, o->err)) ==
	    NULL)
		return -1;
	path = g_build_filename(opt_outdir, each_name(o, domain), NULL);
	if (!g_file_set_contents(path, out, -1, &gerr)) {
		ti_err_set(o->err, TI_E_TEMP, "%s", gerr->message);
		g_error_free(gerr);
		rc = -1;
	} else
		o->n++;
	g_free(path);
	g_free(out);
	return rc;
}

/* --each-domain: every domain's digest into opt_outdir. */
static int
run_each(struct cmd_env *env, const struct digest_params *p, const char *format,
    const char *from, struct checker *checker)
{
	struct ti_err err = { 0 };
	struct each_out o = { 0 };
	int rc;

	if (g_mkdir_with_parents(opt_outdir, 0755) == -1) {
		ti_err_set(&err, TI_E_TEMP, "--output-dir %s: %s", opt_outdir,
		    g_strerror(errno));
		return cmd_fail(&err);
	}
	o.env = env;
	o.checker = checker;
	o.format = format;
	o.from = from;
	o.ext = strcmp(format, "mail") == 0 ? "eml"
	    : strcmp(format, "text") == 0   ? "txt"
					    : format;
	o.names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	o.err = &err;
	if (strcmp(format, "mail") == 0)
		mime_init();
	rc = digest_load_each(env->store, p, each_write, &o, &err);
	if (strcmp(format, "mail") == 0)
		mime_shutdown();
	g_hash_table_destroy(o.names);
	if (rc != 0)
		return cmd_fail(&err);
	printf("%zu digest%s in %s\n", o.n, o.n == 1 ? "" : "s", opt_outdir);
	return cmd_flush();
}

static int
run_digest(struct cmd_env *env, int argc, char **argv)
{
	struct digest_params p;
	struct digest *d;
	struct ti_err err = { 0 };
	const char *format = opt_format != NULL ? opt_format : "mail";
	int html_cmd = strcmp(argv[0], "html") == 0, status;
	char *label = NULL, *out = NULL, *from = NULL;
	struct checker checker = { 0 };

	(void)argc;
	if (html_cmd)
		format = "html";
	if (strcmp(format, "mail") != 0 && strcmp(format, "text") != 0 &&
	    strcmp(format, "html") != 0 && strcmp(format, "json") != 0) {
		status = cmd_usage("unknown format \"%s\" (mail, text, html "
				   "or json)",
		    format);
		goto out;
	}
	if (!html_cmd && opt_each != (opt_outdir != NULL)) {
		status = cmd_usage("%s",
		    "--each-domain and --output-dir go together");
		goto out;
	}
	if (opt_each && env->query.domain != NULL) {
		status = cmd_usage("%s",
		    "--each-domain and --domain exclude each other");
		goto out;
	}
	if (opt_detail < -1) {
		status = cmd_usage("%s",
		    "--detail-domains: not a number of domains (0 or more)");
		goto out;
	}
	if ((status = digest_setup(env, &p, &label)) != 0)
		goto out;
	/* the overview's cut; tlsrpt html, a page for a browser, and the
	   digest of one domain show everything */
	if (!html_cmd && !opt_each && p.domain == NULL)
		p.detail_domains = opt_detail >= 0
		    ? opt_detail
		    : (long)MIN(env->conf.digest_detail_domains, LONG_MAX);
	if (opt_from == NULL && env->conf.digest_from == NULL)
		from = g_strdup_printf("tlsrpt@%s", g_get_host_name());
	if (want_check(env) && checker_open(&checker, env, p.since, 1) == -1) {
		status = EX_CONFIG;
		goto out;
	}
	if (opt_each) {
		status = run_each(env, &p, format,
		    opt_from != NULL   ? opt_from
			: from != NULL ? from
				       : env->conf.digest_from,
		    &checker);
		goto out;
	}
	if ((d = digest_load(env->store, &p, &err)) == NULL) {
		status = cmd_fail(&err);
		goto out;
	}
	check_all(&checker, d);
	if (strcmp(format, "mail") == 0)
		mime_init();
	out = render(env, d, format,
	    opt_from != NULL   ? opt_from
		: from != NULL ? from
			       : env->conf.digest_from,
	    NULL, &err);
	if (strcmp(format, "mail") == 0)
		mime_shutdown();
	digest_free(d);
	status = out != NULL ? write_out(out) : cmd_fail(&err);
out:
	checker_close(&checker);
	g_free(out);
	g_free(from);
	g_free(label);
	free_opts();
	return status;
}

/* ---- show ----------------------------------------------------------- */

struct show {
	const char *id;
	char *domain; /* of the first report found */
	GString *out;
	size_t found;
	size_t undecodable;
};

static void
field(GString *out, const char *indent, const char *name, const char *value)
{
	char *c;

	if (value == NULL)
		return;
	c = digest_clean(value, 0);
	g_string_append_printf(out, "%s%-17s %s\n", indent, name, c);
	g_free(c);
}

static void
field_time(GString *out, const char *name, int64_t t, const char *raw)
{
	char *s = digest_datetime(t), *r = digest_clean(raw, 80);

	g_string_append_printf(out, "  %-17s %s UTC (%s)\n", name, s,
	    r != NULL ? r : "-");
	g_free(s);
	g_free(r);
}

static void
show_failure(GString *out, const struct failure *f, const char *domain)
{
	const struct advice *a = advice_lookup(f->result_type);
	char *type = digest_clean(f->result_type, 0), *mx, *fix;

	g_string_append_printf(out, "    - %s: %lld session%s (%s, %s)\n", type,
	    (long long)f->failed_session_count,
	    f->failed_session_count == 1 ? "" : "s",
	    a->category == ADVICE_OTHER ? "unknown result type"
					: advice_category_name(a->category),
	    advice_severity_name(a->severity));
	field(out, "      ", "receiving MX", f->receiving_mx_hostname);
	field(out, "      ", "receiving HELO", f->receiving_mx_helo);
	field(out, "      ", "receiving IP", f->receiving_ip);
	field(out, "      ", "sending MTA", f->sending_mta_ip);
	field(out, "      ", "reason code", f->failure_reason_code);
	field(out, "      ", "more information", f->additional_information);
	field(out, "      ", "meaning", a->meaning);
	mx = digest_clean(f->receiving_mx_hostname, 0);
	fix = advice_fix(a, mx, domain);
	field(out, "      ", "fix", fix);
	g_free(fix);
	g_free(mx);
	g_free(type);
}

static void
show_policy(GString *out, const struct policy *pol, size_t i,
    const char *domain)
{
	char *type = digest_clean(pol->policy_type, 0);
	char *pd = digest_clean(pol->policy_domain, 0), **v;
	char *rate = digest_pct(pol->successful + pol->failed > 0
		? 100.0 * (double)pol->failed /
		    ((double)pol->successful + (double)pol->failed)
		: 0.0);

	g_string_append_printf(out, "\nPolicy %zu: %s %s\n", i + 1, type,
	    pd != NULL ? pd : "(no policy-domain)");
	g_string_append_printf(out,
	    "  %-17s %lld successful, %lld failed (%s)\n", "sessions",
	    (long long)pol->successful, (long long)pol->failed, rate);
	if (strcmp(pol->policy_type, "tlsa") == 0) {
		v = digest_tlsa_records(pol->policy_string);
		for (char **t = v; *t != NULL; t++)
			field(out, "  ", t == v ? "TLSA records" : "", *t);
		g_strfreev(v);
	} else
		for (char **s = pol->policy_string; s != NULL && *s != NULL;
		     s++)
			field(out, "  ",
			    s == pol->policy_string ? "policy-string" : "", *s);
	for (char **m = pol->mx_host; m != NULL && *m != NULL; m++)
		field(out, "  ", m == pol->mx_host ? "mx-host" : "", *m);
	if (pol->n_failures > 0)
		g_string_append(out, "  failure-details:\n");
	for (size_t j = 0; j < pol->n_failures; j++)
		show_failure(out, &pol->failures[j], domain);
	g_free(type);
	g_free(pd);
	g_free(rate);
}

static int
show_cb(const struct stored_report *sr, void *arg)
{
	struct show *sh = arg;
	struct report *r = NULL;
	struct ti_limits limits;
	struct ti_err err = { 0 };
	GString *out = sh->out;
	char *received, *dom;

	if (sr->report_id == NULL || strcmp(sr->report_id, sh->id) != 0)
		return 0;
	if (opt_json) {
		g_string_append_len(out, sr->json, (gssize)sr->json_len);
		g_string_append_c(out, '\n');
		sh->found++;
		return 0;
	}
	if (sh->found++ > 0)
		g_string_append(out, "\n");
	if (sh->domain == NULL && sr->domain != NULL)
		sh->domain = g_strdup(sr->domain);
	ti_limits_default(&limits);
	field(out, "", "Report", sr->report_id);
	field(out, "  ", "organization", sr->organization_name);
	field(out, "  ", "contact-info", sr->contact_info);
	field(out, "  ", "domain", sr->domain);
	if (report_decode_stored((const unsigned char *)sr->json, sr->json_len,
		&limits, &r, &err) == -1) {
		sh->undecodable++;
		field(out, "  ", "error", err.msg);
		return 0;
	}
	field_time(out, "begins", r->start, r->start_datetime);
	field_time(out, "ends", r->end, r->end_datetime);
	received = digest_datetime(sr->received);
	g_string_append_printf(out, "  %-17s %s UTC\n", "received", received);
	g_free(received);
	received = digest_datetime(sr->arrived);
	g_string_append_printf(out, "  %-17s %s UTC\n", "mail arrived",
	    received);
	g_free(received);
	field(out, "  ", "message-id", sr->message_id);
	field(out, "  ", "envelope sender", sr->envelope_sender);
	field(out, "  ", "file name", sr->filename);
	field(out, "  ", "source", sr->source);
	{
		/* who vouched for it: a pass with its key, else why not */
		const struct ti_auth *a = &sr->auth;
		GString *v = g_string_new(NULL);

		if (strcmp(a->method, AUTH_NONE) == 0 &&
		    strcmp(a->result, AUTH_RNONE) == 0)
			/* never checked: the reason says why */
			g_string_printf(v, "no (%s)",
			    a->reason != NULL ? a->reason : "not checked");
		else {
			g_string_printf(v, "%s%s %s",
			    auth_passed(a) ? "" : "no: ", a->method, a->result);
			if (a->domain != NULL || a->selector != NULL ||
			    a->algorithm != NULL || a->bits > 0)
				g_string_append_c(v, ',');
			if (a->domain != NULL)
				g_string_append_printf(v, " d=%s", a->domain);
			if (a->selector != NULL)
				g_string_append_printf(v, " s=%s", a->selector);
			if (a->algorithm != NULL)
				g_string_append_printf(v, " %s", a->algorithm);
			if (a->bits > 0)
				g_string_append_printf(v, " %d bits", a->bits);
			if (a->dnssec != NULL)
				g_string_append_printf(v, ", DNSSEC %s",
				    a->dnssec);
			if (a->reason != NULL)
				g_string_append_printf(v, " (%s)", a->reason);
		}
		field(out, "  ", "authenticated", v->str);
		g_string_free(v, TRUE);
	}
	g_string_append_printf(out,
	    "  %-17s %lld successful, %lld failed (each session once)\n",
	    "sessions", (long long)sr->successful, (long long)sr->failed);
	for (size_t i = 0; i < r->n_deviations; i++) {
		char *s = g_strdup_printf("%s%s%s", r->deviations[i].code,
		    *r->deviations[i].detail != '\0' ? ": " : "",
		    r->deviations[i].detail);

		field(out, "  ", i == 0 ? "deviations" : "", s);
		g_free(s);
	}
	dom = digest_clean(sr->domain, 0);
	for (size_t i = 0; i < r->n_policies; i++)
		show_policy(out, &r->policies[i], i, dom);
	g_free(dom);
	report_free(r);
	return 0;
}

/* tlsrpt show --check: the published-now part of the report's domain,
   with the cross-checks against the last 14 days of reports; the check
   history is read, not written. */
static void
show_check(struct cmd_env *env, GString *out, const char *domain)
{
	struct checker c;
	struct digest_domain dom = { 0 };
	char *text;

	if (checker_open(&c, env, env->now - 14 * (int64_t)DIGEST_DAY, 0) == -1)
		return;
	dom.name = digest_domain_key(domain);
	dom.name_ok = digest_hostname_ok(dom.name);
	dom.enforce.verdict = VERDICT_NO_REPORTS; /* no verdict here */
	check_one(&c, &dom);
	if (dom.check != NULL) {
		text = digest_check_text(dom.check, "  ");
		g_string_append_printf(out, "\nPublished now by %s:\n%s",
		    dom.name, text);
		g_free(text);
	} else
		g_string_append_printf(out,
		    "\nPublished now: %s is not one of the site's domains "
		    "([trust] domains); not checked.\n",
		    dom.name);
	digest_check_free(dom.check);
	g_free(dom.enforce.reason);
	g_free(dom.name);
	checker_close(&c);
}

static int
run_show(struct cmd_env *env, int argc, char **argv)
{
	struct show sh = { 0 };
	struct ti_err err = { 0 };
	int status;

	if (argc != 2) {
		free_opts();
		return cmd_usage("%s", "show needs one REPORT-ID");
	}
	sh.id = argv[1];
	sh.out = g_string_new(NULL);
	if (store_each_report(env->store, NULL, show_cb, &sh, &err) != 0) {
		status = cmd_fail(&err);
	} else if (sh.found == 0) {
		char *id = digest_clean(argv[1], 80);

		fprintf(stderr, "tlsrpt: no stored report has the id \"%s\"\n",
		    id);
		g_free(id);
		status = EX_NOINPUT;
	} else {
		if (!opt_json && sh.domain != NULL && want_check(env))
			show_check(env, sh.out, sh.domain);
		status = write_out(sh.out->str);
		if (status == 0 && sh.undecodable > 0)
			status = EX_DATAERR;
	}
	g_string_free(sh.out, TRUE);
	g_free(sh.domain);
	free_opts();
	return status;
}

const struct command cmd_digest = { "digest", "",
	"the digest of a period as a mail for sendmail -t (or its text, html "
	"or json body): per domain the failure rate and its trend, what "
	"failed and how to fix it, silent reporters, ready for enforce?",
	digest_entries, CMD_STORE | CMD_QUERY, run_digest };

const struct command cmd_html = { "html", "",
	"the digest as one self-contained HTML page", html_entries,
	CMD_STORE | CMD_QUERY, run_digest };

const struct command cmd_show = { "show", "REPORT-ID",
	"one stored report in full, readable (--json: as received)",
	show_entries, CMD_STORE, run_show };
